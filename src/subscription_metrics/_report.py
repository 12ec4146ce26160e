"""
The monthly report: the whole flow once, from the tables a company has.

`report` builds the ledger from the revenue table (subscription spans or
monthly MRR rows) and runs every view of the library on it and on whichever
other tables are given, as of one month: data quality, the MRR bridge and its
movements, headline figures labelled by period, churn and retention by
segment, cohorts, unit economics, staff ROI and the pilot, LTV-aware
scorecards of inside sales, field sales and customer success with the
comparison of two reps, acquisition quality, tiers, health and CS operations.
The `Report` it returns holds every section as result frames (a `Section`
whose tables are missing says which it needs) and renders them: for a
notebook (``_repr_html_``), as a self-contained HTML file (`Report.to_html`),
JSON-native (`Report.to_dict`), Parquet (`Report.to_parquet`), Excel
(`Report.to_excel`) and the command line's summary (`Report.to_text`).

Nothing in the report computes a figure itself: every figure comes from the
public function a user would call (named in each section's ``sources``), so
the report and a notebook that calls the functions agree to the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, cast

import attrs
import numpy as np
import pandas as pd

from ._conventions import Conventions
from ._ledger import Ledger, MonthLike
from ._money import currency_exponent, to_major_units

__all__ = ["SECTIONS", "Report", "Section", "report"]

SECTIONS: Final = (
    "headline",
    "data_quality",
    "bridge",
    "retention",
    "cohorts",
    "unit_economics",
    "staff_roi",
    "scorecards",
    "acquisition_quality",
    "tiers",
    "health",
    "operations",
    "goals",
)
"""The report's sections, in the order they are shown."""

_TITLES: Final = {
    "data_quality": "Data quality",
    "bridge": "MRR bridge and movements",
    "headline": "Headline figures",
    "retention": "Churn and retention by segment",
    "cohorts": "Cohorts",
    "unit_economics": "Unit economics",
    "staff_roi": "Staff ROI and the pilot",
    "scorecards": "LTV-aware scorecards",
    "acquisition_quality": "Acquisition quality",
    "tiers": "Tiers",
    "health": "Health",
    "operations": "CS operations",
    "goals": "Goals",
}

_OPTIONAL_TABLES: Final = (
    "customers",
    "staff",
    "deals",
    "costs",
    "usage",
    "tickets",
    "onboarding",
    "activities",
    "assignments",
    "meetings",
    "pipeline",
)

#: Columns of a section's ``figures`` frame.
FIGURE_COLUMNS: Final = (
    "figure",
    "period",
    "value",
    "amount",
    "currency",
    "unit",
    "convention",
)


def _frames(value: Mapping[str, pd.DataFrame]) -> Mapping[str, pd.DataFrame]:
    return MappingProxyType(dict(value))


def _results(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen(eq=False)
class Section:
    """
    One section of a `Report`: its result frames, or what it needs.

    Attributes
    ----------
    key : str
        The section's name, one of `SECTIONS`.
    title : str
        The heading it is shown under.
    status : str
        ``"ok"``, or ``"needs: staff, deals"`` (the tables, or options, it
        was not given).
    frames : mapping of str to pandas.DataFrame
        The result frames, each as returned by the function that computes it
        (a ``figures`` frame holds the section's headline figures, one row
        per figure, with `FIGURE_COLUMNS`).
    notes : tuple of str
        What a reader needs to read the figures: periods, conventions, what
        is not shown and why.
    sources : tuple of str
        The public functions the frames come from.
    results : mapping of str to object
        Results that are not frames, for the charts (such as the
        `HealthEvaluation` of the health section).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> rep = sm.report(sample.subscriptions, as_of="2025-12",
    ...                 sections=["cohorts", "scorecards"])
    >>> rep["scorecards"].ready, rep["scorecards"].needs
    (False, ('staff', 'deals'))
    >>> list(rep["cohorts"].frames)
    ['logo_retention', 'net_revenue_retention']
    """

    key: str
    title: str
    status: str = "ok"
    frames: Mapping[str, pd.DataFrame] = attrs.field(factory=dict, converter=_frames)
    notes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    results: Mapping[str, Any] = attrs.field(factory=dict, converter=_results)

    @property
    def ready(self) -> bool:
        """Whether the section was computed (its status is ``"ok"``)."""
        return self.status == "ok"

    @property
    def needs(self) -> tuple[str, ...]:
        """The tables or options the section needs and was not given."""
        if self.ready:
            return ()
        return tuple(self.status.removeprefix("needs: ").split(", "))


@attrs.frozen(eq=False)
class Report:
    """
    Every section of the monthly report, as of one month.

    Build it with `report`. Sections are in `SECTIONS` order; read one with
    ``rep["headline"]`` and its frames with ``rep["headline"].frames``.

    Attributes
    ----------
    as_of : pandas.Period
        The month the figures are measured at (monthly).
    currency : str or None
        The currency of every amount (minor units in the frames).
    conventions : Conventions
        The definitional choices every figure follows.
    source : str
        What the revenue table was (for the title).
    sections : tuple of Section
        The sections, in `SECTIONS` order.

    Examples
    --------
    >>> import json
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> rep = sm.report(sample.subscriptions, as_of="2025-12",
    ...                 sections=["headline"])
    >>> rep["headline"].frames["figures"].loc[0, ["figure", "amount", "currency"]]
    figure            MRR
    amount      283717700
    currency          JPY
    Name: 0, dtype: object
    >>> json.loads(json.dumps(rep.to_dict(), allow_nan=False))["as_of"]
    '2025-12'
    >>> rep.html().startswith("<!DOCTYPE html>")
    True
    """

    SECTIONS: ClassVar[tuple[str, ...]] = SECTIONS

    as_of: pd.Period
    currency: str | None
    conventions: Conventions
    source: str
    sections: tuple[Section, ...]

    def __getitem__(self, key: str) -> Section:
        """Return the section named *key*."""
        for section in self.sections:
            if section.key == key:
                return section
        msg = f"no section {key!r}; the sections are {', '.join(SECTIONS)}"
        raise KeyError(msg)

    def __iter__(self) -> Iterator[Section]:
        """Iterate over the sections."""
        return iter(self.sections)

    def __repr__(self) -> str:
        """Return a one-line summary: month, currency, sections ready."""
        ready = sum(section.ready for section in self.sections)
        return (
            f"<Report as of {self.as_of}, {self.currency}, "
            f"{ready} of {len(self.sections)} sections>"
        )

    @property
    def title(self) -> str:
        """The report's title."""
        return f"Monthly report as of {self.as_of}"

    def tables(self) -> dict[str, pd.DataFrame]:
        """
        Return every frame of every ready section, named ``section.frame``.

        Returns
        -------
        dict of str to pandas.DataFrame
            In section order; the names are the Parquet files' and the Excel
            sheets' names.
        """
        return {
            f"{section.key}.{name}": frame
            for section in self.sections
            for name, frame in section.frames.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """
        Return the report as JSON-native data (`json.dumps` takes it as is).

        Months are ``"YYYY-MM"`` text, money integer minor units with the
        currency named beside it, and NaN and infinities encoded explicitly
        by the shared encoding (see ``docs/reference/report.md``), so
        ``json.dumps(report.to_dict(), allow_nan=False)`` works.

        Returns
        -------
        dict
            ``as_of``, ``currency``, ``conventions``, ``source`` and
            ``sections``: one entry per section with its ``title``,
            ``status``, ``notes``, ``sources`` and ``frames`` (each encoded).
        """
        from ._encode import encode  # the shared encoding of every result

        return {
            "as_of": str(self.as_of),
            "currency": self.currency,
            "conventions": self.conventions.as_dict(),
            "source": self.source,
            "sections": {
                section.key: {
                    "title": section.title,
                    "status": section.status,
                    "notes": list(section.notes),
                    "sources": list(section.sources),
                    "frames": {
                        name: encode(frame) for name, frame in section.frames.items()
                    },
                }
                for section in self.sections
            },
        }

    def to_parquet(self, folder: str | Path) -> list[Path]:
        """
        Write one Parquet file per table into *folder* (needs ``pyarrow``).

        Months are dates (DuckDB reads them as ``DATE``) and every file has a
        ``currency`` column. File names are ``<section>.<frame>.parquet``.

        Returns
        -------
        list of pathlib.Path
            The files written, in section order.
        """
        from ._encode import to_parquet  # the shared encoding of every table

        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        return [
            to_parquet(frame, out / f"{name}.parquet")
            for name, frame in self.tables().items()
        ]

    def to_excel(self, path: str | Path) -> Path:
        """
        Write one sheet per table to an Excel workbook (the ``[excel]`` extra).

        Money is shown in major units with the currency in its number format
        (the cells hold the exact major-unit amount); months are dates.

        Returns
        -------
        pathlib.Path
            The workbook written.
        """
        from ._report_render import write_excel

        return write_excel(self, Path(path))

    def html(self) -> str:
        """
        Return the report as one self-contained HTML page.

        Styles and charts (SVG) are inline: the page loads nothing from the
        network, runs no script, reads well on a laptop and prints one
        section after another.
        """
        from ._report_render import page

        return page(self)

    def to_html(self, path: str | Path) -> Path:
        """
        Write the self-contained HTML page of `html` to *path*.

        Returns
        -------
        pathlib.Path
            The file written.
        """
        out = Path(path)
        out.write_text(self.html(), encoding="utf-8")
        return out

    def _repr_html_(self) -> str:
        from ._report_render import fragment

        return fragment(self)

    def to_text(self, *, width: int = 100) -> str:
        """
        Return a terminal summary that fits *width* columns.

        Every rate says its period (month, trailing 12 months, annualised)
        and the convention it follows.
        """
        from ._report_render import text

        return text(self, width=width)


# --- figures ----------------------------------------------------------------------


@attrs.frozen
class _Figure:
    figure: str
    period: str
    value: float = math.nan
    amount: int | None = None
    unit: str = ""
    convention: str = ""


def _figures(rows: Sequence[_Figure], currency: str | None) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "figure": [r.figure for r in rows],
            "period": [r.period for r in rows],
            "value": np.array([r.value for r in rows], dtype=np.float64),
            "amount": pd.array([r.amount for r in rows], dtype="Int64"),
            "currency": [currency if r.amount is not None else None for r in rows],
            "unit": [r.unit for r in rows],
            "convention": [r.convention for r in rows],
        },
        columns=list(FIGURE_COLUMNS),
    )
    frame.attrs["currency"] = currency
    return frame


# --- context ----------------------------------------------------------------------


@attrs.frozen(eq=False)
class _Context:
    ledger: Ledger
    tables: Mapping[str, pd.DataFrame]
    as_of: pd.Period
    segment: str | None
    channel: str | None
    pilot: tuple[pd.Period, int] | None
    compare: tuple[str, str] | None
    level: float
    #: Results two sections share (health scores), computed once per report.
    cache: dict[tuple[str, object], Any] = attrs.field(factory=dict)

    @property
    def currency(self) -> str | None:
        return self.ledger.currency

    @property
    def conventions(self) -> Conventions:
        return self.ledger.conventions

    def has(self, *names: str) -> bool:
        return all(name in self.tables for name in names)

    def attribute(self, name: str | None) -> bool:
        customers = self.tables.get("customers")
        return name is not None and customers is not None and name in customers


def _needs(key: str, *names: str) -> Section:
    return Section(key=key, title=_TITLES[key], status=f"needs: {', '.join(names)}")


def _last(frame: pd.DataFrame, months: int = 12) -> pd.DataFrame:
    """Keep the last *months* periods of a frame indexed by month or period."""
    names = [n for n in (frame.index.names or ()) if n in ("month", "period")]
    if not names:
        return frame
    level = frame.index.get_level_values(names[0])
    keep = level.unique().sort_values()[-months:]
    return frame[level.isin(keep)]


def _pct(value: float) -> str:
    if math.isnan(value):
        return "undefined"
    if math.isinf(value):
        return "inf"
    return f"{100 * value:.2f}%"


def _money(amount: float, currency: str | None) -> str:
    if math.isnan(amount):
        return "undefined"
    if math.isinf(amount):
        return "inf"
    code = currency or "XXX"
    places = currency_exponent(code)
    return f"{to_major_units(round(amount), code):,.{places}f} {code}"


# --- sections -----------------------------------------------------------------------


def _data_quality(ctx: _Context) -> Section:
    led = ctx.ledger
    set_aside = pd.DataFrame(
        {
            "table": [note.table for note in led.set_aside],
            "rule": [note.rule for note in led.set_aside],
            "count": np.array([note.count for note in led.set_aside], np.int64),
            "unit": [note.unit for note in led.set_aside],
            "examples": [", ".join(note.examples) for note in led.set_aside],
            "detail": [note.detail for note in led.set_aside],
        },
        columns=["table", "rule", "count", "unit", "examples", "detail"],
    )
    given = pd.DataFrame(
        {
            "table": list(ctx.tables),
            "rows": np.array([len(t) for t in ctx.tables.values()], np.int64),
        }
    ).set_index("table")
    total = int(set_aside["count"].sum())
    notes = (
        f"{len(led.customers):,} customers, {led.first_month}..{led.last_month}, "
        f"amounts in {led.currency}.",
        "Nothing was set aside."
        if not total
        else f"{total:,} input rows were set aside (counted, not used): see set_aside.",
    )
    return Section(
        key="data_quality",
        title=_TITLES["data_quality"],
        frames={"set_aside": set_aside, "tables": given},
        notes=notes,
        sources=("Ledger.set_aside",),
    )


def _bridge(ctx: _Context) -> Section:
    from .ledger import bridge, movements

    led = ctx.ledger
    frames = {"bridge": bridge(led), "movements": movements(led)}
    if ctx.attribute(ctx.segment):
        frames["bridge_by_segment"] = bridge(led, by=ctx.segment)
    return Section(
        key="bridge",
        title=_TITLES["bridge"],
        frames=frames,
        notes=(
            "MRR at each month's end and the movements between: new, expansion, "
            "contraction, churned and reactivation MRR (minor units); movements "
            "lists every customer's change.",
        ),
        sources=("ledger.bridge", "ledger.movements"),
    )


def _headline(ctx: _Context) -> Section:
    from .churn import rates
    from .periods import annualized_churn_rate

    led, as_of, cur = ctx.ledger, ctx.as_of, ctx.currency
    moves = attrs.evolve(ctx.conventions, nrr_method="movements")
    customers = attrs.evolve(ctx.conventions, nrr_method="customers")
    monthly = rates(led, conventions=moves)
    pooled = rates(led, window=12, conventions=moves)
    yearly = rates(led, since=as_of, conventions=customers)
    m, t, y = (frame.loc[cast(Any, as_of)] for frame in (monthly, pooled, yearly))
    month = f"month {as_of}"
    t12 = f"trailing 12 months {as_of - 11}..{as_of}"
    pooled_note = "12 months pooled: sum lost / sum at start, per month"
    annual_note = "compounded from the trailing 12-month rate: 1 - (1 - r)^12"
    c = ctx.conventions
    denominator = (
        f"churn_denominator={c.churn_denominator!r}, "
        f"join_and_churn={c.join_and_churn!r}"
    )
    net = f"reactivation_in_net_churn={c.reactivation_in_net_churn}"
    nrr = f"nrr_method='movements', reactivation_in_nrr={c.reactivation_in_nrr}"
    yoy = "nrr_method='customers': MRR now of the customers paying 12 months ago"

    def rate(name: str, row: pd.Series) -> float:
        return float(row[name])

    def annual(name: str) -> float:
        monthly_rate = rate(name, t)
        if math.isnan(monthly_rate):
            return math.nan  # undefined stays undefined
        return annualized_churn_rate(monthly_rate, period="monthly")

    net_new_12 = t["net_new_mrr"]
    rows = [
        _Figure("MRR", f"end of {as_of}", amount=int(m["mrr_at_end"]), unit=cur or ""),
        _Figure(
            "ARR (12 x MRR)",
            f"end of {as_of}",
            amount=12 * int(m["mrr_at_end"]),
            unit=cur or "",
        ),
        _Figure("Net new MRR", month, amount=int(m["net_new_mrr"]), unit=cur or ""),
        _Figure(
            "Net new MRR",
            t12,
            amount=None if pd.isna(net_new_12) else int(net_new_12),
            unit=cur or "",
        ),
        _Figure(
            "Paying customers",
            f"end of {as_of}",
            value=float(m["customers_at_end"]),
            unit="customers",
        ),
        _Figure(
            "ARPA (MRR per customer)",
            f"end of {as_of}",
            value=rate("average_revenue_per_account", m),
            unit=f"{cur} minor units",
        ),
        _Figure(
            "Customer churn rate",
            month,
            rate("customer_churn_rate", m),
            unit="per month",
            convention=denominator,
        ),
        _Figure(
            "Customer churn rate",
            t12,
            rate("customer_churn_rate", t),
            unit="per month",
            convention=pooled_note,
        ),
        _Figure(
            "Customer churn rate",
            f"annualised, {t12}",
            annual("customer_churn_rate"),
            unit="per year",
            convention=annual_note,
        ),
        _Figure(
            "Gross MRR churn rate",
            month,
            rate("gross_mrr_churn_rate", m),
            unit="per month",
            convention=f"gross_churn_cap={c.gross_churn_cap}",
        ),
        _Figure(
            "Gross MRR churn rate",
            t12,
            rate("gross_mrr_churn_rate", t),
            unit="per month",
            convention=pooled_note,
        ),
        _Figure(
            "Gross MRR churn rate",
            f"annualised, {t12}",
            annual("gross_mrr_churn_rate"),
            unit="per year",
            convention=annual_note,
        ),
        _Figure(
            "Net MRR churn rate",
            month,
            rate("net_mrr_churn_rate", m),
            unit="per month",
            convention=net,
        ),
        _Figure(
            "Net MRR churn rate",
            t12,
            rate("net_mrr_churn_rate", t),
            unit="per month",
            convention=f"{pooled_note}; {net}",
        ),
        _Figure(
            "Net revenue retention",
            month,
            rate("net_revenue_retention", m),
            unit="per month",
            convention=nrr,
        ),
        _Figure(
            "Net revenue retention",
            t12,
            rate("net_revenue_retention", y),
            unit="over 12 months",
            convention=yoy,
        ),
        _Figure(
            "Gross revenue retention",
            month,
            rate("gross_revenue_retention", m),
            unit="per month",
            convention=nrr,
        ),
        _Figure(
            "Gross revenue retention",
            t12,
            rate("gross_revenue_retention", y),
            unit="over 12 months",
            convention=f"{yoy}, each capped at its MRR then",
        ),
        _Figure(
            "Quick ratio",
            month,
            rate("quick_ratio", m),
            unit="ratio",
            convention=f"reactivation_in_quick_ratio={c.reactivation_in_quick_ratio}",
        ),
        _Figure(
            "Quick ratio",
            t12,
            rate("quick_ratio", t),
            unit="ratio",
            convention="12 months pooled",
        ),
    ]
    nrr_m = rate("net_revenue_retention", m)
    net_m = rate("net_mrr_churn_rate", m)
    notes = [
        f"Rates labelled 'month' are for {as_of} alone; 'trailing 12 months' pools "
        f"{as_of - 11}..{as_of} (a monthly rate) or, for NRR and GRR, compares each "
        "customer's MRR now with twelve months before; 'annualised' compounds.",
        f"NRR for the month ({_pct(nrr_m)}) and 1 - net MRR churn "
        f"({_pct(1 - net_m)}) differ by the reactivation MRR "
        f"({_money(float(m['reactivation_mrr']), cur)}): net MRR churn counts "
        f"returning customers against churn ({net}), NRR does not "
        f"(reactivation_in_nrr={c.reactivation_in_nrr}).",
    ]
    frames = {
        "figures": _figures(rows, cur),
        "rates": _last(monthly),
        "rates_trailing_12m": _last(pooled),
    }
    return Section(
        key="headline",
        title=_TITLES["headline"],
        frames=frames,
        notes=tuple(notes),
        sources=("churn.rates", "periods.annualized_churn_rate"),
    )


def _retention(ctx: _Context) -> Section:
    from .churn import rates
    from .survival import kaplan_meier, lifetimes, median_lifetime

    led, as_of = ctx.ledger, ctx.as_of
    frames: dict[str, pd.DataFrame] = {}
    notes = []
    by = ctx.segment if ctx.attribute(ctx.segment) else None
    if by is not None:
        frames["rates"] = rates(led, by=by, since=as_of)
        trailing = rates(led, by=by, window=12)
        frames["rates_trailing_12m"] = trailing[
            trailing.index.get_level_values("period") == as_of
        ]
        notes.append(
            f"Rates by {by} for the month {as_of} and pooled over the trailing "
            f"12 months {as_of - 11}..{as_of} (monthly rates)."
        )
    else:
        notes.append(
            "Rates by segment need a customers table with a "
            f"{ctx.segment or 'segment'!r} column; the company's rates are shown."
        )
        frames["rates"] = rates(led, since=as_of)
    spans = lifetimes(led, by=by, as_of=as_of)
    groups = spans[by] if by is not None else None
    curves = kaplan_meier(
        spans["age"], spans["observed"], groups=groups, level=ctx.level
    )
    frames["survival"] = curves
    median = median_lifetime(curves)
    frames["median_lifetime"] = (
        median if isinstance(median, pd.DataFrame) else median.to_frame().T
    )
    notes.append(
        "Survival: Kaplan-Meier curves of the customers' first paid spells "
        f"(months), censored at {as_of}, with {ctx.level:.0%} Greenwood intervals."
    )
    return Section(
        key="retention",
        title=_TITLES["retention"],
        frames=frames,
        notes=tuple(notes),
        sources=(
            "churn.rates",
            "survival.lifetimes",
            "survival.kaplan_meier",
            "survival.median_lifetime",
        ),
    )


def _cohorts(ctx: _Context) -> Section:
    from .cohorts import triangle

    led = ctx.ledger
    return Section(
        key="cohorts",
        title=_TITLES["cohorts"],
        frames={
            "logo_retention": triangle(led, value="logo_retention", cohort="quarter"),
            "net_revenue_retention": triangle(
                led, value="net_revenue_retention", cohort="quarter"
            ),
        },
        notes=(
            "Quarterly cohorts (first paid month) by age in months: the share of "
            "customers still paying, and their MRR against their first MRR.",
        ),
        sources=("cohorts.triangle",),
    )


def _unit_economics(ctx: _Context) -> Section:
    from .cac import (
        acquisition_costs,
        customer_acquisition_cost,
        ltv_to_cac,
        payback_months,
    )
    from .ltv import estimates

    led, as_of, cur, c = ctx.ledger, ctx.as_of, ctx.currency, ctx.conventions
    ltv = estimates(led)
    now = ltv.loc[cast(Any, as_of)]
    value = float(now["lifetime_value"])
    window = (
        f"{c.ltv_churn} churn averaged over {c.ltv_churn_window_months} month(s)"
        f"{' before' if c.ltv_churn_excludes_current else ' through'} {as_of} "
        f"({_pct(float(now['churn_rate']))} per month), gross margin "
        f"{c.gross_margin:.0%}, annual discount {c.annual_discount_rate:.0%}"
    )
    rows = [
        _Figure(
            "LTV (ARPA x margin / churn)",
            f"month {as_of}",
            value,
            unit=f"{cur} minor units per customer",
            convention=window,
        )
    ]
    frames: dict[str, pd.DataFrame] = {"ltv": _last(ltv)}
    notes = [f"LTV uses {window}."]
    sources = ["ltv.estimates"]
    if "costs" in ctx.tables:
        cac = acquisition_costs(led, costs=ctx.tables["costs"])
        frames["cac"] = _last(cac)
        sources += [
            "cac.acquisition_costs",
            "cac.customer_acquisition_cost",
            "cac.payback_months",
            "cac.ltv_to_cac",
        ]
        months = _last(cac)
        t12 = f"trailing 12 months {as_of - 11}..{as_of}"
        if len(months) < 12 or months["spend"].isna().any():
            notes.append(
                "CAC over 12 months is undefined: the costs do not cover them."
            )
        else:
            spend = float(months["spend"].sum())
            won = int(months["customers_new"].sum())
            cost = customer_acquisition_cost(spend, won)
            payback = payback_months(
                spend, float(months["new_mrr"].sum()), gross_margin=c.gross_margin
            )
            rows += [
                _Figure(
                    "CAC (spend / new customers)",
                    t12,
                    cost,
                    unit=f"{cur} minor units per customer",
                    convention=f"cac_spend_lag_months={c.cac_spend_lag_months}",
                ),
                _Figure(
                    "CAC payback",
                    t12,
                    payback,
                    unit="months",
                    convention=f"cac_payback={c.cac_payback!r}",
                ),
                _Figure(
                    "LTV:CAC",
                    f"LTV of {as_of}, CAC of {t12}",
                    ltv_to_cac(value, cost),
                    unit="ratio",
                ),
            ]
    else:
        notes.append("CAC, payback and LTV:CAC need a costs table.")
    return Section(
        key="unit_economics",
        title=_TITLES["unit_economics"],
        frames={"figures": _figures(rows, cur), **frames},
        notes=tuple(notes),
        sources=tuple(sources),
    )


def _staff_roi(ctx: _Context) -> Section:
    from .roi import pilot, staff_returns

    if not ctx.has("staff", "deals"):
        return _needs(
            "staff_roi", *[n for n in ("staff", "deals") if n not in ctx.tables]
        )
    led, staff, deals = ctx.ledger, ctx.tables["staff"], ctx.tables["deals"]
    frames = {
        "by_role": staff_returns(led, staff=staff, deals=deals, by="role"),
        "by_staff": staff_returns(led, staff=staff, deals=deals),
    }
    notes = [
        "Every won deal followed in the ledger: booked and retained MRR, the LTV "
        "booked and realised (at the conventions' margin and discount) against "
        "the staff cost."
    ]
    sources = ["roi.staff_returns"]
    if ctx.pilot is not None:
        start, months = ctx.pilot
        frames["pilot"] = pilot(
            led, staff=staff, deals=deals, start=start, months=months
        )
        notes.append(f"Pilot: {months} months from {start}.")
        sources.append("roi.pilot")
    else:
        notes.append("The pilot view needs pilot=(first month, months).")
    return Section(
        key="staff_roi",
        title=_TITLES["staff_roi"],
        frames=frames,
        notes=tuple(notes),
        sources=tuple(sources),
    )


def _reversal_pair(card: pd.DataFrame) -> tuple[str, str] | None:
    """Return the two people whose order flips most between the two rankings."""
    rows = card[(card.index != "All") & ~card["thin"].astype(bool)]
    rows = rows.dropna(subset=["rank_bookings", "rank_ltv_weighted_bookings"])
    if len(rows) < 2:
        return None
    book = rows["rank_bookings"].to_numpy(np.float64)
    ltv = rows["rank_ltv_weighted_bookings"].to_numpy(np.float64)
    ahead = book[None, :] - book[:, None]  # > 0: row i books more than column j
    behind = ltv[:, None] - ltv[None, :]  # > 0: row i weighs less than column j
    flip = np.minimum(ahead, behind)
    if flip.max() <= 0:
        return None
    score = flip * 1e6 + ahead * behind
    i, j = np.unravel_index(int(np.argmax(score)), score.shape)
    return str(rows.index[int(i)]), str(rows.index[int(j)])


def _shared(ctx: _Context) -> Any:
    """Return what the scorecard calls of this report share (`_Shared`)."""
    from .scorecards import _Shared

    key = ("scorecards", None)
    if key not in ctx.cache:
        ctx.cache[key] = _Shared(ctx.ledger)
    return ctx.cache[key]


def _scorecards(ctx: _Context) -> Section:
    from .roi import staff_returns
    from .scorecards import _compare_two, _scorecard, owned_book

    if not ctx.has("staff", "deals"):
        return _needs(
            "scorecards", *[n for n in ("staff", "deals") if n not in ctx.tables]
        )
    led, staff, deals = ctx.ledger, ctx.tables["staff"], ctx.tables["deals"]
    options: dict[str, Any] = {
        "as_of": ctx.as_of,
        "level": ctx.level,
        "shared": _shared(ctx),
    }
    closed = _scorecard(led, staff=staff, deals=deals, **options)
    sourced = _scorecard(led, staff=staff, deals=deals, credit="sourced", **options)
    keep_field = (closed["role"] == "field_sales") | (closed.index == "All")
    keep_inside = (sourced["role"] == "inside_sales") | (sourced.index == "All")
    frames: dict[str, pd.DataFrame] = {
        "inside_sales": sourced[keep_inside.to_numpy(bool)],
        "field_sales": closed[keep_field.to_numpy(bool)],
    }
    notes = [
        "Inside sales are credited with the customers they sourced, field sales "
        "with those they closed; ranks are among everyone credited. "
        "LTV-weighted bookings = new MRR x margin x expected discounted lifetime "
        f"(60 months at most), with {ctx.level:.0%} intervals; a 'thin' row is "
        "not ranked on it."
    ]
    sources = ["scorecards.scorecard"]
    pair = ctx.compare or _reversal_pair(frames["field_sales"])
    if pair is not None:
        verdict = _compare_two(led, *pair, deals=deals, **options)
        frames["comparison"] = verdict
        first, second = pair
        apart = verdict.loc["ltv_weighted_bookings", "beyond_noise"]
        notes.append(
            f"Comparison: {first} against {second}"
            + (
                ""
                if ctx.compare
                else " (the pair whose order flips most between "
                "bookings and LTV-weighted bookings)"
            )
            + ": the difference in LTV-weighted bookings is "
            + ("beyond the noise." if apart else "within the noise.")
        )
        sources.append("scorecards.compare")
    cs_returns = staff_returns(
        led, staff=staff, deals=deals, roles=["customer_success"], as_of=ctx.as_of
    )
    frames["customer_success"] = cs_returns
    sources.append("roi.staff_returns")
    if "assignments" in ctx.tables:
        frames["customer_success_book"] = owned_book(
            led,
            assignments=ctx.tables["assignments"],
            staff=staff,
            since=ctx.as_of - 11,
            through=ctx.as_of,
        )
        sources.append("scorecards.owned_book")
        notes.append(
            "Customer success: the LTV of the expansions each owner won, and the "
            f"book each owned over {ctx.as_of - 11}..{ctx.as_of} (churn while owned)."
        )
    else:
        notes.append(
            "Customer success: the LTV of the expansions each owner won; the "
            "owned book needs an assignments table."
        )
    return Section(
        key="scorecards",
        title=_TITLES["scorecards"],
        frames=frames,
        notes=tuple(notes),
        sources=tuple(sources),
    )


def _acquisition_quality(ctx: _Context) -> Section:
    from .scorecards import _acquisition_quality

    names = [n for n in (ctx.channel, ctx.segment) if ctx.attribute(n)]
    if not names:
        return _needs("acquisition_quality", "customers")
    frames = {
        f"by_{name}": _acquisition_quality(
            ctx.ledger, by=name, as_of=ctx.as_of, level=ctx.level, shared=_shared(ctx)
        )
        for name in dict.fromkeys(names)
        if name is not None
    }
    return Section(
        key="acquisition_quality",
        title=_TITLES["acquisition_quality"],
        frames=frames,
        notes=(
            "Which customers stay, by what was known at the sale: early churn, "
            "retention and LTV per customer of each group's acquisitions.",
        ),
        sources=("scorecards.acquisition_quality",),
    )


def _signal_inputs(ctx: _Context) -> Any:
    """
    Return the usage and tickets tables checked once per report, or None.

    As `health.signals` and `tiers.account_features` check them (the same
    `UsageSnapshot` rules); every health and tier call reads this.
    """
    from .health import _checked_signal_inputs

    if "usage" not in ctx.tables:
        return None
    key = ("signal_inputs", None)
    if key not in ctx.cache:
        ctx.cache[key] = _checked_signal_inputs(
            ctx.tables["usage"], ctx.tables.get("tickets")
        )
    return ctx.cache[key]


def _health_scores(ctx: _Context, month: pd.Period) -> pd.DataFrame | None:
    from .health import _signals_of, score

    if "usage" not in ctx.tables:
        return None
    key = ("health_scores", month)
    if key not in ctx.cache:
        # The signals over `health.signals`' default 3 months, from the
        # tables checked once for every month.
        hi = int(month.ordinal)
        ctx.cache[key] = score(_signals_of(_signal_inputs(ctx), lo=hi - 2, hi=hi))
    scores: pd.DataFrame = ctx.cache[key]
    return scores


def _tiers(ctx: _Context) -> Section:
    from .tiers import _account_features, classify, describe, movements, summary

    led, months = ctx.ledger, 12
    before_month = ctx.as_of - months
    usage, customers = ctx.tables.get("usage"), ctx.tables.get("customers")

    def tiers_at(month: pd.Period) -> pd.DataFrame:
        scores = _health_scores(ctx, month)
        checked = _signal_inputs(ctx)
        features = _account_features(
            led,
            as_of=month,
            usage=usage,
            customers=customers,
            health=None if scores is None else scores["score"],
            checked=None if checked is None else checked.usage,
        )
        return classify(features)

    before, after = tiers_at(before_month), tiers_at(ctx.as_of)
    frames = {
        "summary": summary(led, classified=before, as_of=before_month, months=months),
        "movements": movements(before, after),
        "coverage": describe(),
        "accounts": after,
    }
    return Section(
        key="tiers",
        title=_TITLES["tiers"],
        frames=frames,
        notes=(
            f"Accounts by their tier at {before_month} and what each tier did in "
            f"the {months} months after; movements from the tiers of {before_month} "
            f"to those of {ctx.as_of}; coverage says who covers each tier and on "
            "which KPIs.",
        ),
        sources=(
            "tiers.account_features",
            "tiers.classify",
            "tiers.summary",
            "tiers.movements",
            "tiers.describe",
        ),
        results={"tiers_classified_at": before_month},
    )


def _health(ctx: _Context) -> Section:
    from .health import evaluate

    if "usage" not in ctx.tables:
        return _needs("health", "usage")
    horizon = 3
    scored_at = ctx.as_of - horizon
    scores = _health_scores(ctx, scored_at)
    current = _health_scores(ctx, ctx.as_of)
    assert scores is not None  # usage is given
    assert current is not None
    result = evaluate(
        ctx.ledger, scores=scores, as_of=scored_at, horizon_months=horizon
    )
    at_risk = current[current["band"] == "at_risk"].sort_values("score")
    rows = [
        _Figure(
            "AUC (churn against score)",
            f"scores of {scored_at}, churn in {scored_at + 1}..{ctx.as_of}",
            float(result.auc),
            unit="probability",
            convention="0.5 is no better than chance",
        ),
        _Figure(
            "Accounts at risk",
            f"scores of {ctx.as_of}",
            float(len(at_risk)),
            unit="accounts",
        ),
    ]
    return Section(
        key="health",
        title=_TITLES["health"],
        frames={
            "figures": _figures(rows, ctx.currency),
            "by_band": result.by_band,
            "at_risk": at_risk,
        },
        notes=(
            f"Health scores of {scored_at} against churn in the next {horizon} "
            f"months; the accounts at risk are those in the at_risk band at "
            f"{ctx.as_of}.",
        ),
        sources=("health.signals", "health.score", "health.evaluate"),
        results={"evaluation": result},
    )


def _operations(ctx: _Context) -> Section:
    from . import operations

    have = [n for n in ("tickets", "onboarding", "activities") if n in ctx.tables]
    if not have or (have == ["activities"] and "staff" not in ctx.tables):
        return _needs("operations", "tickets, onboarding or activities")
    as_of = ctx.as_of.end_time.normalize()
    staff = ctx.tables.get("staff")
    frames: dict[str, pd.DataFrame] = {}
    if "tickets" in ctx.tables:
        frames["tickets"] = operations.ticket_kpis(
            ctx.tables["tickets"], as_of=as_of, staff=staff, period="month"
        )
    if "onboarding" in ctx.tables:
        frames["onboarding"] = operations.onboarding_kpis(
            ctx.tables["onboarding"], as_of=as_of, staff=staff, period="month"
        )
    notes = []
    if "activities" in ctx.tables and staff is not None:
        frames["activities"] = operations.activity_kpis(
            ctx.tables["activities"],
            staff=staff,
            by="role",
            through=ctx.as_of,
            currency=ctx.currency,
        )
    elif "activities" in ctx.tables:
        notes.append("Activity KPIs need a staff table.")
    frames = {name: _last(frame) for name, frame in frames.items()}
    return Section(
        key="operations",
        title=_TITLES["operations"],
        frames=frames,
        notes=(
            f"CS operations KPIs by month, the last 12 months to {ctx.as_of}.",
            *notes,
        ),
        sources=tuple(
            f"operations.{n}_kpis" for n in ("ticket", "onboarding", "activity")
        ),
    )


#: The sections `report` builds beside the others when it has two threads:
#: they share `_shared` (attribution, company fits) with each other and
#: nothing with the rest, which share the health scores among themselves.
_BESIDE: Final = frozenset({"scorecards", "acquisition_quality"})


def _report_threads(threads: int | None) -> int:
    """Check `report`'s `threads`, or choose it: 2 where two CPUs are usable."""
    if threads is None:
        from ._kernels import usable_cpus

        return min(2, usable_cpus())
    from ._validation import check_int

    return check_int(threads, name="threads", low=1)


_BUILDERS: Final[Mapping[str, Callable[[_Context], Section]]] = {
    "data_quality": _data_quality,
    "bridge": _bridge,
    "headline": _headline,
    "retention": _retention,
    "cohorts": _cohorts,
    "unit_economics": _unit_economics,
    "staff_roi": _staff_roi,
    "scorecards": _scorecards,
    "acquisition_quality": _acquisition_quality,
    "tiers": _tiers,
    "health": _health,
    "operations": _operations,
    "goals": lambda ctx: _goals(ctx),
}


def build_section(
    key: str,
    ledger: Ledger,
    tables: Mapping[str, pd.DataFrame],
    *,
    as_of: pd.Period,
    segment: str = "segment",
    channel: str = "acquisition_channel",
    pilot: tuple[pd.Period, int] | None = None,
    compare: tuple[str, str] | None = None,
    level: float = 0.95,
) -> Section:
    """
    Build one section from a ledger and the other tables (for the command line).

    The ledger's horizon should be `as_of`, as `report` builds it; the
    command line's views call this so that a view and the report's section
    come from one path.
    """
    return _BUILDERS[key](
        _Context(
            ledger=ledger,
            tables=MappingProxyType(dict(tables)),
            as_of=as_of,
            segment=segment,
            channel=channel,
            pilot=pilot,
            compare=compare,
            level=level,
        )
    )


def report(
    subscriptions: pd.DataFrame | None = None,
    *,
    monthly_mrr: pd.DataFrame | None = None,
    invoice_lines: pd.DataFrame | None = None,
    as_of: MonthLike,
    customers: pd.DataFrame | None = None,
    staff: pd.DataFrame | None = None,
    deals: pd.DataFrame | None = None,
    costs: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    onboarding: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
    pipeline: pd.DataFrame | None = None,
    conventions: Conventions | None = None,
    amounts: Literal["minor", "major"] = "minor",
    currency: str | None = None,
    rates: pd.DataFrame | Mapping[str, Any] | None = None,
    segment: str = "segment",
    channel: str = "acquisition_channel",
    pilot: tuple[MonthLike, int] | None = None,
    compare: tuple[str, str] | None = None,
    level: float = 0.95,
    sections: Sequence[str] = SECTIONS,
    source: str = "the tables given",
    threads: int | None = None,
) -> Report:
    """
    Run the whole flow once and return every section of the monthly report.

    Parameters
    ----------
    subscriptions : pandas.DataFrame, optional
        Subscription spans (`Subscription` columns); or give `monthly_mrr`.
    monthly_mrr : pandas.DataFrame, optional
        Monthly MRR rows (`MonthlyMrr` columns), instead of `subscriptions`.
    invoice_lines : pandas.DataFrame, optional
        Invoice lines (`InvoiceLine` columns), spread over their service
        periods (``Ledger.from_invoice_lines``), instead of `subscriptions`.
    as_of : pandas.Period, str or date
        The month the report is measured at; it is also the data horizon of
        the ledger (changes dated after it are set aside and counted). There
        is no default: a report says which month it describes.
    customers, staff, deals, costs, usage : pandas.DataFrame, optional
        The other tables, each with the columns of its entity. A section
        whose tables are missing is a `Section` with status
        ``"needs: ..."``.
    tickets, onboarding, activities, assignments : pandas.DataFrame, optional
        As above: the customer-success tables.
    meetings, pipeline : pandas.DataFrame, optional
        Inside-sales meetings (`Meeting`) and open opportunities
        (`Opportunity`), for the goals section.
    conventions : Conventions, optional
        Definitional choices (default: ``Conventions()``).
    amounts, currency, rates
        As for `Ledger.from_subscriptions`.
    segment : str, default 'segment'
        The customer attribute churn, retention and acquisition quality are
        split by.
    channel : str, default 'acquisition_channel'
        The customer attribute that says where a customer came from.
    pilot : (month, int), optional
        First month and length of a staffing pilot to judge (``roi.pilot``).
    compare : (str, str), optional
        The two staff ids the scorecards compare (default: the two field
        sales reps whose order flips most between bookings and LTV-weighted
        bookings).
    level : float, default 0.95
        Coverage of every interval.
    sections : sequence of str, default `SECTIONS`
        The sections to build.
    source : str, default 'the tables given'
        What the tables are, for the title.
    threads : int, optional
        Threads the sections are built on: with two or more, the
        scorecards and acquisition quality (which share their attribution
        and company fits) are built beside the other sections; the two
        overlap where the work releases Python's GIL (the bootstrap's
        arrays do, much of pandas' bookkeeping does not). Default: 2 when
        the process may run on two CPUs or more, else 1. The report is the
        same either way; only the time differs.

    Returns
    -------
    Report
        The sections, in `SECTIONS` order.

    Raises
    ------
    InvalidTableError
        If a table breaks a rule of its entity.
    ValueError
        If not exactly one revenue table is given, a section is unknown, or
        `threads` is below 1.
    TypeError
        If `threads` is not an int.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> rep = sm.report(sample.subscriptions, customers=sample.customers,
    ...                 as_of="2025-12")
    >>> rep
    <Report as of 2025-12, JPY, 8 of 13 sections>
    >>> rep["staff_roi"].status
    'needs: staff, deals'
    >>> figures = rep["headline"].frames["figures"].set_index(["figure", "period"])
    >>> nrr = figures.loc[("Net revenue retention", "month 2025-12"), "value"]
    >>> round(float(nrr), 4)
    0.985
    """
    revenues = {
        "subscriptions": subscriptions,
        "monthly_mrr": monthly_mrr,
        "invoice_lines": invoice_lines,
    }
    given_revenue = {k: v for k, v in revenues.items() if v is not None}
    if len(given_revenue) != 1:
        msg = "give one revenue table: subscriptions, monthly_mrr or invoice_lines"
        raise ValueError(msg)
    unknown = [name for name in sections if name not in SECTIONS]
    if unknown:
        msg = f"unknown sections {unknown}; the sections are {', '.join(SECTIONS)}"
        raise ValueError(msg)
    count = _report_threads(threads)
    month = pd.Period(as_of, "M")
    common: dict[str, Any] = {
        "customers": customers,
        "conventions": conventions,
        "amounts": amounts,
        "currency": currency,
        "rates": rates,
        "through": month,
    }
    builders = {
        "subscriptions": Ledger.from_subscriptions,
        "monthly_mrr": Ledger.from_monthly_mrr,
        "invoice_lines": Ledger.from_invoice_lines,
    }
    ((kind, table),) = given_revenue.items()
    led = builders[kind](table, **common)
    revenue = {kind: table}
    given = {
        "customers": customers,
        "staff": staff,
        "deals": deals,
        "costs": costs,
        "usage": usage,
        "tickets": tickets,
        "onboarding": onboarding,
        "activities": activities,
        "assignments": assignments,
        "meetings": meetings,
        "pipeline": pipeline,
    }
    tables = {**revenue, **{k: v for k, v in given.items() if v is not None}}
    ctx = _Context(
        ledger=led,
        tables=MappingProxyType(tables),
        as_of=month,
        segment=segment,
        channel=channel,
        pilot=None if pilot is None else (pd.Period(pilot[0], "M"), int(pilot[1])),
        compare=compare,
        level=level,
    )
    chosen = [key for key in SECTIONS if key in sections]
    side = [key for key in chosen if key in _BESIDE]
    rest = [key for key in chosen if key not in _BESIDE]
    done: dict[str, Section] = {}
    if count > 1 and side and rest:
        with ThreadPoolExecutor(max_workers=1) as pool:
            beside = pool.submit(lambda: {key: _BUILDERS[key](ctx) for key in side})
            done.update({key: _BUILDERS[key](ctx) for key in rest})
            done.update(beside.result())
    else:
        done.update({key: _BUILDERS[key](ctx) for key in chosen})
    built = tuple(done[key] for key in chosen)
    return Report(
        as_of=month,
        currency=led.currency,
        conventions=led.conventions,
        source=source,
        sections=built,
    )


# --- goals (a self-contained section; keep it last) ----------------------------------


def _goals(ctx: _Context) -> Section:
    """LTV-aware goals: credit under bookings and LTV, the head's KPI, the history."""
    from . import goals

    if not ctx.has("staff", "deals"):
        return _needs("goals", *[n for n in ("staff", "deals") if n not in ctx.tables])
    segment = ctx.segment or "segment"
    if not ctx.attribute(segment):
        return _needs("goals", f"customers with a {segment!r} column")
    led, staff, deals = ctx.ledger, ctx.tables["staff"], ctx.tables["deals"]
    new = deals[deals["kind"].astype(str) == "new"]
    frames: dict[str, pd.DataFrame] = {}
    for basis in ("bookings", "ltv"):
        credit = goals.credited_attainment(
            led,
            deals=new,
            policy=goals.CreditPolicy(basis=basis, clawback_months=6),
            segment=segment,
            level=ctx.level,
            through=ctx.as_of,
        )
        frames[f"credit_{basis}"] = _last(credit, 3)
    # The company's: every person's summed, the bounds too (each bound is
    # the credit at every segment's multiple at that bound, as pacing sums).
    frames["credit_ltv_company"] = (
        frames["credit_ltv"].groupby(level="period").sum(min_count=1)
    )
    frames["sold_retention"] = goals.sold_retention(
        led, staff=staff, deals=deals, since=ctx.as_of, through=ctx.as_of
    )
    notes = [
        f"Credit for new deals in the last 3 months to {ctx.as_of}, less clawbacks "
        "of customers lost within 6 months: at bookings (MRR) and at expected LTV "
        "(a deal's MRR times its segment's LTV multiple), per person and for the "
        "company.",
        "Estimates: every LTV figure (credit_ltv, clawback_ltv, credited_ltv) is "
        "an expectation, not money paid; the credited LTV carries its "
        f"{ctx.level:.0%} interval (credited_ltv_lower, credited_ltv_upper), from "
        "the interval of each segment's pooled churn, which pacing's LTV booked "
        "uses too. The company's bounds are its people's summed, every segment "
        "at its bound at once: no narrower than the interval of the sum. Bookings, "
        "clawbacks at bookings and deal counts are exact.",
        "Sold retention is the sales head's churn KPI: of the customers each team "
        "closed, the share (and MRR) still kept.",
    ]
    sources = ["goals.credited_attainment", "goals.sold_retention"]
    try:
        history = goals._goal_history(
            led,
            deals=deals,
            meetings=ctx.tables.get("meetings"),
            activities=ctx.tables.get("activities"),
            onboarding=ctx.tables.get("onboarding"),
            staff=staff,
            usage=ctx.tables.get("usage"),
            tickets=ctx.tables.get("tickets"),
            segment=segment,
            as_of=ctx.as_of,
            signal_inputs=_signal_inputs(ctx),
        )
    except ValueError as exc:
        notes.append(f"No history to plan from: {exc}")
    else:
        frames["history"] = pd.DataFrame(
            {"chain": list(history.chain.values())},
            index=pd.Index(list(history.chain), name="figure"),
        )
        sources.append("goals.goal_history")
        notes.append(
            "The history next quarter's targets would be derived from; "
            "goals.plan_targets turns it and a company goal (goals.Plan) into "
            "targets per team and person."
        )
        if "meetings" not in ctx.tables:
            notes.append("Meeting conversion (inside sales) needs a meetings table.")
        if "usage" in ctx.tables:
            notes.append(
                "The health figures (MRR at risk now, and the losses of accounts "
                "at risk against the rest of the book) give customer marketing and "
                "support their at-risk ceilings."
            )
        else:
            notes.append(
                "The health figures, and the at-risk ceilings of customer "
                "marketing and support, need a usage table."
            )
    if "pipeline" in ctx.tables:
        pooled = goals.pooled_churn(led, by=segment, as_of=ctx.as_of, level=ctx.level)
        frames["priorities"] = goals.deal_priorities(
            ctx.tables["pipeline"], churn=pooled, level=ctx.level
        ).head(20)
        notes.append(
            "Deal priorities: the open pipeline ranked by expected LTV, from "
            "pooled segment churn with intervals; the first 20."
        )
        sources += ["goals.pooled_churn", "goals.deal_priorities"]
    else:
        notes.append("Deal priorities need a pipeline table.")
    return Section(
        key="goals",
        title=_TITLES["goals"],
        frames=frames,
        notes=tuple(notes),
        sources=tuple(sources),
    )
