"""
The command line: ``subscription-metrics [report | VIEW] [options]``.

Also ``python -m subscription_metrics``. Without a subcommand, ``report``
runs: the monthly report (`subscription_metrics.report`) as a terminal
summary, written as HTML (and, with ``--format``, JSON, Parquet or Excel) to
a folder. One subcommand per view of the library (``bridge``, ``rates``,
``cohorts``, ``ltv``, ``cac``, ``scorecard``, ``tiers``, ``health``,
``operations``, ``validate``) shows one table. Every table the library
reads has an input option, and a table not given comes from the bundled
sample when no revenue table is given either. Errors are
one message in the command line's own words (options, file names, file lines),
never a traceback: exit status 0 on success, 1 for invalid data, 2 for a usage
error; with ``--format json`` the error is JSON on standard error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NoReturn, TextIO

import attrs
import pandas as pd

from ._cli_input import REVENUE_TABLES, TABLES, CliError, option_of, read_table
from ._conventions import Conventions
from ._encode import dumps, to_parquet
from ._errors import InvalidTableError, Problem
from ._ledger import Ledger
from ._money import currency_exponent, to_major_units

__all__ = ["REPORT_FOLDER", "VIEWS", "main"]

VIEWS = (
    "bridge",
    "rates",
    "cohorts",
    "ltv",
    "cac",
    "scorecard",
    "tiers",
    "health",
    "operations",
    "validate",
)
"""The subcommands, one per view of the library."""

_DEFAULT_VIEW = "report"
_REPORT_FORMATS = ("table", "html", "json", "parquet", "xlsx")
REPORT_FOLDER = "subscription_metrics_report"
"""The folder ``report`` writes to without ``--output``."""
_FORMATS = ("table", "csv", "json", "parquet", "html", "xlsx")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_WIDTH = 100  # terminal columns a table fits in


def _wrap(text: str, indent: str = "") -> str:
    """Fill *text* to the terminal width, continuation lines indented."""
    return textwrap.fill(
        text,
        width=_WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "    ",
        break_on_hyphens=False,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


# --- arguments ---------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An argument parser that raises instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        msg = f"{message} (see {self.prog} --help)"
        raise CliError(msg, status=2)


def _month(text: str) -> str:
    if not _MONTH.match(text) or not 1 <= int(text[5:]) <= 12:
        msg = f"{text!r} is not a month; write YYYY-MM, like 2025-01"
        raise argparse.ArgumentTypeError(msg)
    return text


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"{text!r} is not a whole number of months >= 0"
        raise argparse.ArgumentTypeError(msg)
    return value


def _positive(text: str) -> int:
    value = _count(text)
    if value == 0:
        msg = f"{text!r} must be at least 1"
        raise argparse.ArgumentTypeError(msg)
    return value


def _common(*, report: bool = False) -> _Parser:
    """Return the options every view shares: input tables, conventions, output."""
    common = _Parser(add_help=False)
    inputs = common.add_argument_group("input tables (CSV or Parquet)")
    revenue = inputs.add_mutually_exclusive_group()
    for table in TABLES.values():
        target = revenue if table.name in REVENUE_TABLES else inputs
        target.add_argument(table.option, metavar="PATH", help=table.help)
    reading = common.add_argument_group("reading")
    reading.add_argument(
        "--amounts",
        choices=("minor", "major"),
        default="minor",
        help="whether amounts are integer minor units (default) or major units",
    )
    reading.add_argument(
        "--currency",
        metavar="CODE",
        help="the currency to report in, when --rates converts several",
    )
    reading.add_argument(
        "--date-format",
        metavar="FORMAT",
        help="strftime format of dates that are not ISO, such as %%d/%%m/%%Y",
    )
    figures = common.add_argument_group("figures")
    figures.add_argument(
        "--preset",
        choices=Conventions.preset_names(),
        default="default",
        help="definitional conventions to follow (default: the library's)",
    )
    figures.add_argument("--by", metavar="COLUMN", help="split by a customer attribute")
    figures.add_argument("--since", metavar="YYYY-MM", type=_month, help="first month")
    figures.add_argument(
        "--through",
        metavar="YYYY-MM",
        type=_month,
        help="data horizon: the last month of data",
    )
    figures.add_argument(
        "--as-of",
        metavar="YYYY-MM",
        type=_month,
        help="the month the figures are measured at (default: the last month)",
    )
    figures.add_argument(
        "--months",
        type=_count,
        default=12,
        metavar="N",
        help="tables show the last N months (default 12; 0 for all)",
    )
    if report:
        return common
    output = common.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=_FORMATS,
        default="table",
        help="table for people; csv, json, parquet, html or xlsx for machines "
        "(money in integer minor units)",
    )
    output.add_argument(
        "--output",
        metavar="PATH",
        help="write to this file (or folder, for several tables) instead of "
        "standard output",
    )
    return common


_VIEW_HELP = {
    "bridge": "the monthly MRR bridge and the last month's headline figures",
    "rates": "churn and retention rates by period",
    "cohorts": "the cohort retention triangle",
    "ltv": "lifetime value estimates by month",
    "cac": "acquisition costs, CAC and payback (needs --costs)",
    "scorecard": "LTV-aware scorecards of the sales and CS staff (needs --staff)",
    "tiers": "accounts by tier a year ago and what each tier did since",
    "health": "health scores against churn (needs --usage)",
    "operations": "CS operations KPIs from tickets, onboarding and activities",
    "validate": "check every given table and report what would be set aside",
}


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="subscription-metrics",
        description=(
            "The metrics of a subscription business from its billing tables: "
            "the MRR bridge, churn and retention, cohorts, LTV, CAC, LTV-aware "
            "scorecards, tiers, health and CS operations. Without input tables "
            "every view runs on the bundled sample."
        ),
        epilog="Exit status: 0 success, 1 invalid data, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=_version())
    views = parser.add_subparsers(dest="view", metavar="VIEW", parser_class=_Parser)
    common = _common()
    _report_parser(views, _common(report=True))
    for name in VIEWS:
        view = views.add_parser(
            name, parents=[common], help=_VIEW_HELP[name], description=_VIEW_HELP[name]
        )
        if name == "rates":
            view.add_argument(
                "--period", choices=("month", "quarter", "year"), default="month"
            )
            view.add_argument(
                "--window",
                type=_positive,
                default=1,
                metavar="N",
                help="trailing window of periods (12 with months: trailing 12 months)",
            )
        if name == "cac":
            view.add_argument(
                "--period", choices=("month", "quarter", "year"), default="month"
            )
        if name == "cohorts":
            view.add_argument(
                "--value",
                choices=("logo_retention", "revenue_retention"),
                default="logo_retention",
            )
    return parser


def _pilot(text: str) -> tuple[str, int]:
    month, _, months = text.partition(":")
    _month(month)
    return month, _positive(months or "x")


def _pair(text: str) -> tuple[str, str]:
    first, _, second = text.partition(",")
    if not first or not second:
        msg = f"{text!r} is not two staff ids; write FIRST,SECOND"
        raise argparse.ArgumentTypeError(msg)
    return first, second


def _report_parser(views: Any, common: _Parser) -> None:
    """Add the ``report`` subcommand: every view at once, written to a folder."""
    text = (
        "the monthly report: every section in the terminal, and an HTML file "
        f"(and --format json, parquet or xlsx) in a folder (default ./{REPORT_FOLDER})"
    )
    view = views.add_parser("report", parents=[common], help=text, description=text)
    output = view.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=_REPORT_FORMATS,
        default="table",
        help="also write report.json, a folder of Parquet files or report.xlsx "
        "(the HTML report is always written)",
    )
    output.add_argument(
        "--output",
        metavar="FOLDER",
        default=REPORT_FOLDER,
        help=f"the folder to write to (default ./{REPORT_FOLDER})",
    )
    view.add_argument(
        "--pilot",
        metavar="YYYY-MM:N",
        type=_pilot,
        help="judge a staffing pilot of N months from YYYY-MM (the bundled "
        "sample's by default)",
    )
    view.add_argument(
        "--compare",
        metavar="FIRST,SECOND",
        type=_pair,
        help="the two staff ids the scorecards compare (default: the two reps "
        "whose order flips most between bookings and LTV-weighted bookings)",
    )


def _version() -> str:
    try:
        return f"subscription-metrics {version('subscription-metrics')}"
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "subscription-metrics (not installed)"


# --- inputs ------------------------------------------------------------------


@attrs.frozen
class _Inputs:
    """The ledger and the other tables of one run, and where they came from."""

    ledger: Ledger
    source: str
    tables: dict[str, pd.DataFrame]
    as_of: pd.Period


def _load(args: argparse.Namespace) -> _Inputs:
    given = {
        name: getattr(args, table.option[2:].replace("-", "_"))
        for name, table in TABLES.items()
    }
    revenue = next((name for name in REVENUE_TABLES if given[name]), None)
    tables: dict[str, pd.DataFrame] = {
        name: read_table(
            path, name, date_format=args.date_format, revenue=name == revenue
        )
        for name, path in given.items()
        if path
    }
    source = f"{option_of(revenue)} {given[revenue]}" if revenue else ""
    if revenue is None:
        from .datasets import load_sample

        sample = load_sample()
        for name in TABLES:
            value = getattr(sample, name, None)
            if isinstance(value, pd.DataFrame) and name not in tables:
                tables[name] = value
        revenue, source = "subscriptions", "the bundled sample"
    common: dict[str, Any] = {
        "conventions": Conventions.preset(args.preset),
        "amounts": args.amounts,
        "through": args.through,
        "customers": tables.get("customers"),
        "rates": tables.get("rates"),
        "currency": args.currency,
    }
    if revenue == "subscriptions":
        led = Ledger.from_subscriptions(tables[revenue], **common)
    elif revenue == "invoice_lines":
        led = Ledger.from_invoice_lines(tables[revenue], **common)
    else:
        led = Ledger.from_monthly_mrr(tables[revenue], **common)
    if led.last_month is None:
        msg = f"{source}: no month of revenue in the data"
        raise CliError(msg, status=1)
    as_of = pd.Period(args.as_of, "M") if args.as_of else led.last_month
    return _Inputs(ledger=led, source=source, tables=tables, as_of=as_of)


def _need(inputs: _Inputs, view: str, *names: str) -> list[pd.DataFrame]:
    missing = [name for name in names if name not in inputs.tables]
    if missing:
        options = " and ".join(option_of(name) for name in missing)
        msg = f"{view} needs {options}"
        raise CliError(msg, status=2)
    return [inputs.tables[name] for name in names]


# --- views -------------------------------------------------------------------


@attrs.frozen
class _View:
    """What a view shows: a title, its tables, and lines of headline text."""

    title: str
    frames: dict[str, pd.DataFrame]
    lines: list[tuple[str, str]] = attrs.field(factory=list)
    notes: list[str] = attrs.field(factory=list)


def _view_bridge(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .churn import rates
    from .ledger import bridge

    led = inputs.ledger
    br = bridge(led, by=args.by, since=args.since)
    total = br.groupby(level="month").sum() if args.by else br
    lines: list[tuple[str, str]] = []
    if len(total):
        currency = led.currency or "XXX"
        monthly = rates(led, since=args.since)
        lines = _headline(total.iloc[-1], currency) + _rate_lines(monthly.iloc[-1])
        lines += _economics_lines(led, inputs.tables.get("costs"), currency)
    title = (
        f"MRR bridge from {inputs.source}: {_plural(len(led.customers), 'customer')}, "
        f"{led.first_month}..{led.last_month}, amounts in {led.currency or 'XXX'}, "
        f"conventions '{args.preset}'"
    )
    month = total.index[-1] if len(total) else None
    head = f"Headline figures for {month} (rates are monthly):" if month else ""
    return _View(title=title, frames={"bridge": br}, lines=lines, notes=[head])


def _view_rates(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .churn import rates

    table = rates(
        inputs.ledger,
        by=args.by,
        period=args.period,
        window=args.window,
        since=args.since,
    )
    window = f", trailing {args.window} {args.period}s" if args.window > 1 else ""
    title = f"Churn and retention by {args.period}{window} from {inputs.source}"
    return _View(title=title, frames={"rates": table})


def _view_cohorts(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .cohorts import triangle

    table = triangle(inputs.ledger, value=args.value, by=args.by)
    title = f"Cohort {args.value.replace('_', ' ')} by age in months, {inputs.source}"
    return _View(title=title, frames={"cohorts": table})


def _view_ltv(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .ltv import estimates

    table = estimates(inputs.ledger, by=args.by, since=args.since)
    title = f"Lifetime value estimates by month from {inputs.source}"
    return _View(title=title, frames={"ltv": table})


def _view_cac(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .cac import acquisition_costs

    (costs,) = _need(inputs, "cac", "costs")
    table = acquisition_costs(
        inputs.ledger, costs=costs, period=args.period, since=args.since
    )
    title = f"Acquisition costs, CAC and payback by {args.period}, {inputs.source}"
    return _View(title=title, frames={"cac": table})


def _view_scorecard(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from .scorecards import scorecard

    (staff,) = _need(inputs, "scorecard", "staff")
    table = scorecard(
        inputs.ledger,
        staff=staff,
        deals=inputs.tables.get("deals"),
        as_of=inputs.as_of,
    )
    title = f"LTV-aware scorecards as of {inputs.as_of}, {inputs.source}"
    return _View(title=title, frames={"scorecard": table})


def _section(inputs: _Inputs, key: str) -> Any:
    """Build the report's section *key*: a view and the report share one path."""
    from ._report import build_section

    return build_section(key, inputs.ledger, inputs.tables, as_of=inputs.as_of)


def _view_tiers(inputs: _Inputs, args: argparse.Namespace) -> _View:
    section = _section(inputs, "tiers")
    classified_at = section.results["tiers_classified_at"]
    months = int(inputs.as_of.ordinal - classified_at.ordinal)
    title = (
        f"Accounts by their tier at {classified_at} and what they did in the "
        f"{months} months after it, {inputs.source}"
    )
    frames = {
        "tiers": section.frames["summary"],
        "accounts": section.frames["accounts"],
    }
    return _View(title=title, frames=frames)


def _view_health(inputs: _Inputs, args: argparse.Namespace) -> _View:
    _need(inputs, "health", "usage")
    section = _section(inputs, "health")
    result = section.results["evaluation"]
    title = (
        f"Health scores of {result.as_of} against churn in the next "
        f"{result.horizon_months} months, {inputs.source}"
    )
    lines = [("AUC (churn against score)", _number(float(result.auc), 3))]
    return _View(title=title, frames={"health": result.by_band}, lines=lines)


def _view_operations(inputs: _Inputs, args: argparse.Namespace) -> _View:
    from . import operations

    as_of = inputs.as_of.end_time.normalize()
    frames: dict[str, pd.DataFrame] = {}
    staff = inputs.tables.get("staff")
    if "tickets" in inputs.tables:
        frames["tickets"] = operations.ticket_kpis(
            inputs.tables["tickets"], as_of=as_of, staff=staff
        )
    if "onboarding" in inputs.tables:
        frames["onboarding"] = operations.onboarding_kpis(
            inputs.tables["onboarding"], as_of=as_of, staff=staff
        )
    if "activities" in inputs.tables and staff is not None:
        frames["activities"] = operations.activity_kpis(
            inputs.tables["activities"], staff=staff, currency=inputs.ledger.currency
        )
    if not frames:
        msg = "operations needs --tickets, --onboarding or --activities (with --staff)"
        raise CliError(msg, status=2)
    return _View(title=f"CS operations KPIs as of {inputs.as_of}", frames=frames)


def _view_validate(inputs: _Inputs, args: argparse.Namespace) -> _View:
    led = inputs.ledger
    rows = [
        {
            "table": note.table,
            "rule": note.rule,
            "count": note.count,
            "examples": ", ".join(note.examples),
        }
        for note in led.set_aside
    ]
    frame = pd.DataFrame(rows, columns=["table", "rule", "count", "examples"])
    title = (
        f"Valid: {inputs.source}, {_plural(len(led.customers), 'customer')}, "
        f"{led.first_month}..{led.last_month}, amounts in {led.currency}"
    )
    notes = ["Nothing was set aside."] if not rows else []
    return _View(title=title, frames={"set_aside": frame}, notes=notes)


_VIEWS: dict[str, Callable[[_Inputs, argparse.Namespace], _View]] = {
    "bridge": _view_bridge,
    "rates": _view_rates,
    "cohorts": _view_cohorts,
    "ltv": _view_ltv,
    "cac": _view_cac,
    "scorecard": _view_scorecard,
    "tiers": _view_tiers,
    "health": _view_health,
    "operations": _view_operations,
    "validate": _view_validate,
}


# --- the report ----------------------------------------------------------------


def build_report(inputs: _Inputs, args: argparse.Namespace) -> Any:
    """Return the `Report` of the command line's tables and options."""
    from ._report import report

    tables = dict(inputs.tables)
    revenue = next(name for name in REVENUE_TABLES if name in tables)
    pilot = args.pilot
    if pilot is None and inputs.source == "the bundled sample":
        from .datasets import CUSTOMER_SALES_PILOT

        start, end = CUSTOMER_SALES_PILOT
        months = (end.year - start.year) * 12 + end.month - start.month
        pilot = (start.strftime("%Y-%m"), months)
    optional: tuple[str, ...] = ("customers", "staff", "deals", "costs", "usage")
    optional += ("tickets",)
    optional += ("onboarding", "activities", "assignments", "rates")
    optional += ("meetings", "pipeline")
    given: dict[str, Any] = {revenue: tables[revenue]}
    given.update({name: tables[name] for name in optional if name in tables})
    return report(
        **given,
        as_of=inputs.as_of,
        conventions=Conventions.preset(args.preset),
        amounts=args.amounts,
        currency=args.currency,
        pilot=pilot,
        compare=args.compare,
        source=inputs.source,
        **({"segment": args.by} if args.by else {}),
    )


def report_json(rep: Any) -> str:
    """Return the JSON text ``report --format json`` writes."""
    return json.dumps(rep.to_dict(), indent=2, sort_keys=True, allow_nan=False)


def _run_report(inputs: _Inputs, args: argparse.Namespace, out: TextIO) -> None:
    rep = build_report(inputs, args)
    folder = Path(args.output)
    folder.mkdir(parents=True, exist_ok=True)
    written = [rep.to_html(folder / "report.html")]
    try:
        if args.format == "json":
            path = folder / "report.json"
            path.write_text(report_json(rep), encoding="utf-8")
            written.append(path)
        elif args.format == "parquet":
            rep.to_parquet(folder / "parquet")
            written.append(folder / "parquet")
        elif args.format == "xlsx":
            written.append(rep.to_excel(folder / "report.xlsx"))
    except ImportError as exc:
        extra = {"parquet": "parquet", "xlsx": "excel"}.get(args.format, "parquet")
        msg = (
            f"--format {args.format} needs an extra: "
            f"pip install 'subscription-metrics[{extra}]' ({exc})"
        )
        raise CliError(msg, status=2) from exc
    out.write(rep.to_text(width=_WIDTH))
    out.write("\n" + "\n".join(f"Wrote {path}" for path in written) + "\n")
    from ._report_render import plots_available

    if not plots_available():
        out.write(
            "The HTML report has no charts: they need matplotlib "
            "(pip install 'subscription-metrics[plot]').\n"
        )


# --- headline text -------------------------------------------------------------


def _major(minor: int, currency: str) -> str:
    value = to_major_units(int(minor), currency)
    places = currency_exponent(currency)
    return f"{value:,.{places}f}"


def _number(value: float, places: int) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    return f"{value:.{places}f}"


def _percent(value: float) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    return f"{100 * value:.2f}%"


def _rate_lines(row: pd.Series) -> list[tuple[str, str]]:
    return [
        ("Customer churn rate", _percent(float(row["customer_churn_rate"]))),
        ("Gross MRR churn rate", _percent(float(row["gross_mrr_churn_rate"]))),
        ("Net MRR churn rate", _percent(float(row["net_mrr_churn_rate"]))),
        ("Net revenue retention", _percent(float(row["net_revenue_retention"]))),
        ("Gross revenue retention", _percent(float(row["gross_revenue_retention"]))),
        ("Quick ratio", _number(float(row["quick_ratio"]), 2)),
    ]


def _headline(row: pd.Series, currency: str) -> list[tuple[str, str]]:
    mrr = int(row["mrr_at_end"])
    customers = int(row["customers_at_end"])
    net_new = mrr - int(row["mrr_at_start"])
    if customers:
        arpa = to_major_units(mrr, currency) / Decimal(customers)
        arpa_text = f"{arpa:,.{currency_exponent(currency)}f} {currency}"
    else:
        arpa_text = "undefined (no customers)"
    return [
        ("MRR", f"{_major(mrr, currency)} {currency}"),
        ("ARR (12 x MRR)", f"{_major(12 * mrr, currency)} {currency}"),
        ("Net new MRR", f"{_major(net_new, currency)} {currency}"),
        ("Paying customers", f"{customers:,}"),
        ("ARPA (MRR per customer)", arpa_text),
        (
            "Customers new / reactivated / lost",
            f"{int(row['customers_new'])} / {int(row['customers_reactivated'])} / "
            f"{int(row['customers_lost'])}",
        ),
    ]


def _money_text(value: float, currency: str) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    return f"{_major(round(value), currency)} {currency}"


def _economics_lines(
    led: Ledger, costs: pd.DataFrame | None, currency: str
) -> list[tuple[str, str]]:
    """LTV of the last month; CAC, payback and LTV:CAC over the last 12 months."""
    from .cac import (
        acquisition_costs,
        customer_acquisition_cost,
        ltv_to_cac,
        payback_months,
    )
    from .ltv import estimates

    values = estimates(led).iloc[-1]
    ltv = float(values["lifetime_value"])
    rows = [("LTV (ARPA / churn, conventions)", _money_text(ltv, currency))]
    if costs is None:
        return rows
    monthly = acquisition_costs(led, costs=costs).iloc[-12:]
    spend = monthly["spend"]
    if spend.isna().any():
        return [*rows, ("CAC (last 12 months)", "undefined (costs do not cover them)")]
    total = float(spend.sum())
    won = int(monthly["customers_new"].sum())
    cac = customer_acquisition_cost(total, won)
    payback = payback_months(
        total,
        float(monthly["new_mrr"].sum()),
        gross_margin=led.conventions.gross_margin,
    )
    return [
        *rows,
        ("CAC (last 12 months)", _money_text(cac, currency)),
        ("CAC payback (months)", _number(payback, 1)),
        ("LTV:CAC", _number(ltv_to_cac(ltv, cac), 1)),
    ]


# --- output ------------------------------------------------------------------

_MONEY = re.compile(
    r"mrr|revenue|cost|spend|amount|ltv|arpa|cac|price|bookings|value$|_sale"
)
_BRIDGE_NAMES = {
    "mrr_at_start": "MRR start",
    "new_mrr": "new",
    "expansion_mrr": "expansion",
    "contraction_mrr": "contraction",
    "churned_mrr": "churned",
    "reactivation_mrr": "reactivation",
    "mrr_at_end": "MRR end",
    "customers_at_start": "customers",
    "customers_new": "+new",
    "customers_reactivated": "+react.",
    "customers_lost": "-lost",
    "customers_expanded": "(exp.)",
    "customers_contracted": "(contr.)",
    "customers_at_end": "customers end",
}


def _last_months(frame: pd.DataFrame, months: int) -> pd.DataFrame:
    if not months or "month" not in (frame.index.names or ()):
        return frame
    level = frame.index.get_level_values("month")
    keep = level.unique().sort_values()[-months:]
    return frame[level.isin(keep)]


def _for_people(frame: pd.DataFrame, currency: str, name: str) -> str:
    shown = frame.copy()
    for column in shown.columns:
        values = shown[column]
        if _MONEY.search(str(column)) and pd.api.types.is_integer_dtype(values):
            shown[column] = [
                "" if pd.isna(v) else _major(int(v), currency) for v in values
            ]
    if name == "bridge":
        shown = shown.rename(columns=_BRIDGE_NAMES)
    return shown.to_string(line_width=_WIDTH)


def _write_table(view: _View, args: argparse.Namespace, out: TextIO, cur: str) -> None:
    out.write(_wrap(view.title) + "\n")
    for name, frame in view.frames.items():
        if name == "accounts":
            continue  # one row per account: for machines only
        out.write("\n")
        if len(view.frames) > 1:
            out.write(f"{name}:\n")
        out.write(_for_people(_last_months(frame, args.months), cur, name) + "\n")
    notes = [note for note in view.notes if note]
    if view.lines:
        out.write("\n" + (notes.pop(0) if notes else "") + "\n")
        width = max(len(label) for label, _ in view.lines)
        for label, value in view.lines:
            out.write(f"  {label:<{width}}  {value}\n")
    for note in notes:
        out.write(f"\n{_wrap(note)}\n")


def _write_csv(view: _View, out: TextIO, currency: str) -> None:
    for position, (name, frame) in enumerate(view.frames.items()):
        if len(view.frames) > 1:
            out.write(("\n" if position else "") + f"# {name}\n")
        frame.assign(currency=frame.attrs.get("currency", currency)).to_csv(out)


def _write_json(view: _View, inputs: _Inputs, out: TextIO) -> None:
    led = inputs.ledger
    payload = {
        "currency": led.currency,
        "conventions": led.conventions,
        "set_aside": led.set_aside,
        **view.frames,
    }
    out.write(dumps(payload, indent=2) + "\n")


def _write_parquet(view: _View, args: argparse.Namespace, out: TextIO) -> None:
    if not args.output:
        msg = "--format parquet writes one file per table: pass --output FOLDER"
        raise CliError(msg, status=2)
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        msg = f"--output {args.output}: not a folder (--format parquet needs one)"
        raise CliError(msg, status=2)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        msg = (
            "--format parquet needs pyarrow: "
            "pip install 'subscription-metrics[parquet]'"
        )
        raise CliError(msg, status=2) from None
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in view.frames.items():
        path = to_parquet(frame, folder / f"{name}.parquet")
        out.write(f"{path}\n")


def _write_document(
    view: _View, inputs: _Inputs, args: argparse.Namespace, out: TextIO
) -> None:
    """Write one view as a self-contained HTML page or an Excel workbook.

    The view is rendered as a one-section report, so the page and the
    workbook look like the monthly report's (charts where the report has
    them for the same tables).
    """
    from ._report import Report, Section

    if not args.output:
        msg = f"--format {args.format} writes a file: give --output PATH"
        raise CliError(msg, status=2)
    notes = tuple(f"{label}: {value}" for label, value in view.lines)
    section = Section(
        key=args.view,
        title=view.title,
        frames=view.frames,
        notes=notes + tuple(view.notes),
    )
    document = Report(
        as_of=inputs.as_of,
        currency=inputs.ledger.currency,
        conventions=inputs.ledger.conventions,
        source=inputs.source,
        sections=(section,),
    )
    path = Path(args.output)
    try:
        if args.format == "html":
            written = document.to_html(path)
        else:
            written = document.to_excel(path)
    except ImportError as exc:
        msg = (
            "--format xlsx needs an extra: "
            f"pip install 'subscription-metrics[excel]' ({exc})"
        )
        raise CliError(msg, status=2) from exc
    except (IsADirectoryError, FileNotFoundError, NotADirectoryError) as exc:
        msg = f"--output {path}: cannot write the file ({exc.strerror})"
        raise CliError(msg, status=2) from exc
    out.write(f"{written}\n")


def _write(view: _View, inputs: _Inputs, args: argparse.Namespace, out: TextIO) -> None:
    currency = inputs.ledger.currency or "XXX"
    if args.format in ("html", "xlsx"):
        _write_document(view, inputs, args, out)
        return
    if args.format == "parquet":
        _write_parquet(view, args, out)
        return
    if args.output:
        with Path(args.output).open("w", encoding="utf-8", newline="") as stream:
            _write(view, inputs, _with(args, output=None), stream)
        return
    if args.format == "csv":
        _write_csv(view, out, currency)
    elif args.format == "json":
        _write_json(view, inputs, out)
    else:
        _write_table(view, args, out, currency)
        if inputs.ledger.set_aside and args.view != "validate":
            out.write("\nSet aside (counted, not shown):\n")
            for note in inputs.ledger.set_aside:
                out.write(_wrap(f"- {note}", indent="  ") + "\n")


def _with(args: argparse.Namespace, **changes: Any) -> argparse.Namespace:
    """Return a copy of parsed arguments with some values changed."""
    return argparse.Namespace(**{**vars(args), **changes})


# --- errors ------------------------------------------------------------------

_HINTS = (
    (re.compile(r"\bpass rates= \(and currency=\)"), "pass --rates (and --currency)"),
    (re.compile(r"\bamounts='(\w+)'"), r"--amounts \1"),
    (re.compile(r"\brates="), "--rates"),
    (re.compile(r"\bcurrency='?(\w+)'?"), r"--currency \1"),
    (re.compile(r"\bthrough="), "--through"),
    (re.compile(r"\bcustomers="), "--customers"),
)


def _cli_words(text: str) -> str:
    for pattern, words in _HINTS:
        text = pattern.sub(words, text)
    return text


def _problem_text(problem: Problem, files: dict[str, str], unit: str) -> str:
    where = files.get(problem.table, problem.table)
    text = f"{where}: column {problem.column!r}: {problem.rule}"
    if problem.count:
        noun = problem.unit
        shown = ", ".join(problem.examples)
        if noun == "row" and problem.table in files:
            noun = unit
        text += f": {_plural(problem.count, noun)}"
        if shown:
            text += f" ({noun}s {shown})" if problem.count > 1 else f" ({noun} {shown})"
    if problem.detail:
        text += f"; {_cli_words(problem.detail)}"
    return text


def _files(args: argparse.Namespace) -> dict[str, str]:
    files = {}
    for name, table in TABLES.items():
        path = getattr(args, table.option[2:].replace("-", "_"), None)
        if path:
            files[name] = f"{table.option} {path}"
    return files


def _unit(args: argparse.Namespace) -> str:
    revenue = args.subscriptions or args.monthly_mrr or args.invoice_lines or ""
    suffixes = Path(revenue).suffixes
    return "row" if (".parquet" in suffixes or ".pq" in suffixes) else "line"


def _report_error(message: str, status: int, problems: list[str], as_json: bool) -> int:
    if as_json:
        payload = {
            "error": {"status": status, "message": message, "problems": problems}
        }
        sys.stderr.write(json.dumps(payload, sort_keys=True) + "\n")
    else:
        sys.stderr.write(f"error: {message}\n")
        for line in problems:
            sys.stderr.write(f"  - {line}\n")
    return status


def _argv(argv: Sequence[str]) -> list[str]:
    """Put the default view first when the arguments name none."""
    items = list(argv)
    named = (*VIEWS, "report", "-h", "--help", "--version")
    if items and items[0] in named:
        return items
    return [_DEFAULT_VIEW, *items]


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """
    Run the command line and return the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).
    out : file-like, optional
        Where to write (default: standard output).

    Returns
    -------
    int
        0 on success, 1 when the input data are invalid, 2 for a usage error
        (the message is on standard error).

    Examples
    --------
    >>> import io
    >>> buffer = io.StringIO()
    >>> main(["bridge", "--months", "2"], out=buffer)
    0
    >>> buffer.getvalue().startswith("MRR bridge from the bundled sample")
    True
    """
    items = _argv(sys.argv[1:] if argv is None else argv)
    as_json = "json" in items and any(
        item == "--format" or item.startswith("--format=") for item in items
    )
    stream = out if out is not None else sys.stdout
    try:
        args = _parser().parse_args(items)
    except CliError as exc:
        return _report_error(str(exc), exc.status, [], as_json)
    except SystemExit as exc:  # --help and --version print, then stop
        return exc.code if isinstance(exc.code, int) else 0
    as_json = args.format == "json"
    try:
        inputs = _load(args)
        if args.view == "report":
            _run_report(inputs, args, stream)
            return 0
        view = _VIEWS[args.view](inputs, args)
        _write(view, inputs, args, stream)
    except CliError as exc:
        return _report_error(str(exc), exc.status, [], as_json)
    except InvalidTableError as exc:
        unknown = [p for p in exc.problems if p.rule == "known attribute"]
        if unknown and args.by:
            message = (
                f"--by: {args.by!r} is not a customer attribute; {unknown[0].detail}"
            )
            return _report_error(message, 2, [], as_json)
        files = _files(args)
        unit = _unit(args)
        lines = [_problem_text(p, files, unit) for p in exc.problems]
        count = len(exc.problems)
        message = f"invalid data: {_plural(count, 'problem')}"
        return _report_error(message, 1, lines, as_json)
    except BrokenPipeError:
        # The reader (``| head``) stopped early: stop quietly, as the
        # Python documentation recommends, without a second error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0
