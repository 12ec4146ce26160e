"""The main job: ``python -m subscription_metrics`` prints the monthly MRR bridge."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from ._conventions import Conventions
from ._errors import InvalidTableError
from ._ledger import Ledger
from ._money import currency_exponent, to_major_units
from .cac import (
    acquisition_costs,
    customer_acquisition_cost,
    ltv_to_cac,
    payback_months,
)
from .churn import rates
from .ledger import bridge
from .ltv import estimates

__all__ = ["main"]

_DATE_COLUMNS = ("start", "end", "month")
_ID_COLUMNS = ("subscription_id", "customer_id", "staff_id")


def _read_table(path: str) -> pd.DataFrame:
    """Read a CSV or Parquet table; ids as text, dates parsed."""
    suffixes = Path(path).suffixes
    if ".parquet" in suffixes or ".pq" in suffixes:
        try:
            return pd.read_parquet(path)
        except ImportError as exc:
            msg = (
                f"reading {path} needs pyarrow: "
                "pip install 'subscription-metrics[parquet]'"
            )
            raise SystemExit(msg) from exc
    header = pd.read_csv(path, nrows=0).columns
    frame = pd.read_csv(
        path,
        dtype={name: str for name in _ID_COLUMNS if name in header},
        parse_dates=[name for name in _DATE_COLUMNS if name in header],
    )
    return frame


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m subscription_metrics",
        description=(
            "Print the monthly MRR bridge and the last month's headline figures, "
            "for the bundled sample or your own subscriptions."
        ),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--subscriptions",
        metavar="PATH",
        help="CSV or Parquet of subscription spans (subscription_id, customer_id, "
        "start, end, mrr, currency)",
    )
    source.add_argument(
        "--monthly-mrr",
        metavar="PATH",
        help="CSV or Parquet of monthly MRR rows (customer_id, month, mrr, currency)",
    )
    parser.add_argument("--customers", metavar="PATH", help="customer attributes")
    parser.add_argument(
        "--costs",
        metavar="PATH",
        help="CSV or Parquet of monthly costs (month, category, amount, currency) "
        "for CAC and payback",
    )
    parser.add_argument(
        "--amounts",
        choices=("minor", "major"),
        default="minor",
        help="whether mrr holds integer minor units (default) or major units",
    )
    parser.add_argument(
        "--preset",
        choices=Conventions.preset_names(),
        default="default",
        help="definitional conventions to follow (default: the library's)",
    )
    parser.add_argument(
        "--by", metavar="COLUMN", help="split the bridge by a customer attribute"
    )
    parser.add_argument("--since", metavar="YYYY-MM", help="first month to show")
    parser.add_argument(
        "--through", metavar="YYYY-MM", help="data horizon: the last month to show"
    )
    parser.add_argument(
        "--months",
        type=int,
        default=12,
        metavar="N",
        help="show the last N months of the bridge (default 12; 0 for all)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table for people, csv or json (money in minor units) for machines",
    )
    return parser


def _load(args: argparse.Namespace) -> tuple[Ledger, str, pd.DataFrame | None]:
    conventions = Conventions.preset(args.preset)
    customers = _read_table(args.customers) if args.customers else None
    common: dict[str, Any] = {
        "conventions": conventions,
        "amounts": args.amounts,
        "through": args.through,
        "customers": customers,
    }
    costs = _read_table(args.costs) if args.costs else None
    if args.subscriptions:
        frame = _read_table(args.subscriptions)
        return Ledger.from_subscriptions(frame, **common), args.subscriptions, costs
    if args.monthly_mrr:
        frame = _read_table(args.monthly_mrr)
        return Ledger.from_monthly_mrr(frame, **common), args.monthly_mrr, costs
    from .datasets import load_sample

    sample = load_sample()
    if customers is None:
        common["customers"] = sample.customers
    led = Ledger.from_subscriptions(sample.subscriptions, **common)
    return led, "the bundled sample", sample.costs if costs is None else costs


def _major(minor: int, currency: str) -> str:
    value = to_major_units(int(minor), currency)
    places = currency_exponent(currency)
    return f"{value:,.{places}f}"


def _percent(value: float) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    return f"{100 * value:.2f}%"


def _rate_lines(rates_row: pd.Series) -> list[tuple[str, str]]:
    quick = float(rates_row["quick_ratio"])
    return [
        ("Customer churn rate", _percent(float(rates_row["customer_churn_rate"]))),
        ("Gross MRR churn rate", _percent(float(rates_row["gross_mrr_churn_rate"]))),
        ("Net MRR churn rate", _percent(float(rates_row["net_mrr_churn_rate"]))),
        ("Net revenue retention", _percent(float(rates_row["net_revenue_retention"]))),
        (
            "Gross revenue retention",
            _percent(float(rates_row["gross_revenue_retention"])),
        ),
        ("Quick ratio", "undefined" if math.isnan(quick) else f"{quick:.2f}"),
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
        ("CAC payback (months)", "inf" if math.isinf(payback) else f"{payback:.1f}"),
        ("LTV:CAC", f"{ltv_to_cac(ltv, cac):.1f}" if cac == cac else "undefined"),
    ]


def _table(br: pd.DataFrame, currency: str) -> str:
    shown = br.copy()
    money = [c for c in shown.columns if "mrr" in c]
    for name in money:
        shown[name] = [_major(v, currency) for v in shown[name]]
    shown = shown.rename(
        columns={
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
    )
    return shown.to_string()


def _run(args: argparse.Namespace, out: TextIO) -> int:
    led, source, costs = _load(args)
    br = bridge(led, by=args.by, since=args.since)
    currency = led.currency or "XXX"
    if args.format == "csv":
        br.assign(currency=currency).to_csv(out)
        return 0
    total = br.groupby(level="month").sum() if args.by else br
    if args.format == "json":
        payload = {
            "currency": currency,
            "conventions": led.conventions.as_dict(),
            "set_aside": [
                {
                    "table": s.table,
                    "rule": s.rule,
                    "count": s.count,
                    "examples": list(s.examples),
                }
                for s in led.set_aside
            ],
            "bridge": json.loads(
                br.reset_index().astype({"month": str}).to_json(orient="records")
            ),
        }
        json.dump(payload, out, indent=2, sort_keys=True)
        out.write("\n")
        return 0
    shown = br
    if args.months and not args.by:
        shown = br.iloc[-args.months :]
    elif args.months:
        last = total.index[-args.months :]
        shown = br[br.index.get_level_values("month").isin(last)]
    first, last_month = led.first_month, led.last_month
    out.write(
        f"MRR bridge from {source}: {len(led.customers):,} customers, "
        f"{first}..{last_month}, amounts in {currency}, conventions "
        f"'{args.preset}'\n\n"
    )
    out.write(_table(shown, currency) + "\n")
    if len(total):
        month = total.index[-1]
        out.write(f"\nHeadline figures for {month}:\n")
        monthly_rates = rates(led, since=args.since)
        rows = _headline(total.iloc[-1], currency) + _rate_lines(monthly_rates.iloc[-1])
        rows += _economics_lines(led, costs, currency)
        width = max(len(label) for label, _ in rows)
        for label, value in rows:
            out.write(f"  {label:<{width}}  {value}\n")
    if led.set_aside:
        out.write("\nSet aside (counted, not shown):\n")
        for note in led.set_aside:
            out.write(f"  - {note}\n")
    return 0


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """
    Run the main job and return the process exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default: ``sys.argv[1:]``).
    out : file-like, optional
        Where to write (default: standard output).

    Returns
    -------
    int
        0 on success, 2 when the input is invalid (the problems are printed
        to standard error).

    Examples
    --------
    >>> import io
    >>> buffer = io.StringIO()
    >>> main(["--months", "2"], out=buffer)
    0
    >>> buffer.getvalue().startswith("MRR bridge from the bundled sample")
    True
    """
    args = _parser().parse_args(argv)
    stream = out if out is not None else sys.stdout
    try:
        return _run(args, stream)
    except InvalidTableError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except BrokenPipeError:
        # The reader (``| head``) stopped early: stop quietly, as the
        # Python documentation recommends, without a second error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
