"""Hypothesis strategies for valid inputs, shared by all test modules."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import pandas as pd
from hypothesis import strategies as st

from subscription_metrics import Conventions, _entities
from subscription_metrics._columns import ColumnSpec, column_specs

E = TypeVar("E")

FIRST_DAY = dt.date(2023, 1, 1)
LAST_DAY = dt.date(2024, 12, 31)
CUSTOMERS = [f"c{i}" for i in range(6)]

conventions = st.builds(
    Conventions,
    mrr_snapshot=st.sampled_from(["end", "start"]),
    reactivation_window_months=st.none() | st.integers(min_value=0, max_value=4),
    zero_mrr=st.sampled_from(["churned", "active"]),
)

# Dates cluster on month edges (1st, 28th-31st), where off-by-one errors live.
_edge_days = st.builds(
    lambda year, month, day: dt.date(year, month, min(day, _days_in(year, month))),
    st.integers(2023, 2024),
    st.integers(1, 12),
    st.sampled_from([1, 2, 15, 28, 29, 30, 31]),
)
dates = _edge_days | st.dates(min_value=FIRST_DAY, max_value=LAST_DAY)


def _days_in(year: int, month: int) -> int:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).day


@st.composite
def subscription_rows(draw: st.DrawFn, currencies: tuple[str, ...] = ("USD",)) -> dict:
    """One subscription as a dict of column values (end may be None)."""
    start = draw(dates)
    end = draw(
        st.none()
        | st.builds(
            lambda days: start + dt.timedelta(days=days),
            st.integers(min_value=0, max_value=400),
        )
        | st.just(start)
    )
    return {
        "customer_id": draw(st.sampled_from(CUSTOMERS)),
        "start": start,
        "end": end,
        # Zero MRR on purpose: free plans exercise the zero-MRR convention.
        "mrr": draw(st.sampled_from([0, 0, 1]) | st.integers(0, 50_000)),
        "currency": draw(st.sampled_from(currencies)),
        "plan": draw(st.sampled_from(["basic", "pro"])),
    }


def to_subscriptions(rows: list[dict]) -> pd.DataFrame:
    """Turn row dicts into a subscriptions table with unique ids."""
    frame = pd.DataFrame(
        rows, columns=["customer_id", "start", "end", "mrr", "currency", "plan"]
    )
    frame.insert(0, "subscription_id", [f"s{i}" for i in range(len(rows))])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["mrr"] = frame["mrr"].astype("int64")
    return frame


def subscriptions(
    min_size: int = 0, max_size: int = 14, currencies: tuple[str, ...] = ("USD",)
) -> st.SearchStrategy[pd.DataFrame]:
    """A valid subscriptions table: overlaps, gaps, same-month changes, open ends."""
    return st.lists(
        subscription_rows(currencies), min_size=min_size, max_size=max_size
    ).map(to_subscriptions)


@st.composite
def monthly_rows(draw: st.DrawFn, max_size: int = 30) -> pd.DataFrame:
    """A valid monthly MRR table, with duplicate customer-months and gaps."""
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(CUSTOMERS),
                st.integers(0, 14),
                st.sampled_from([0, 5]) | st.integers(0, 10_000),
            ),
            max_size=max_size,
        )
    )
    frame = pd.DataFrame(rows, columns=["customer_id", "offset", "mrr"])
    frame["month"] = pd.PeriodIndex.from_ordinals(
        pd.Period("2023-01", "M").ordinal + frame["offset"].to_numpy(int), freq="M"
    )
    frame["mrr"] = frame["mrr"].astype("int64")
    frame["currency"] = "EUR"
    return frame.drop(columns="offset")


def subscriptions_from_rows(
    *rows: tuple[str, str, str | None, int], currency: str = "USD"
) -> pd.DataFrame:
    """A subscriptions table from (customer, start, end, mrr) tuples; dates as text."""
    frame = pd.DataFrame(rows, columns=["customer_id", "start", "end", "mrr"])
    frame.insert(0, "subscription_id", [f"s{i}" for i in range(len(rows))])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["mrr"] = frame["mrr"].astype("int64")
    frame["currency"] = currency
    return frame


# --------------------------------------------------------------------------
# Entities, built from the column specifications of their fields
# --------------------------------------------------------------------------

_ENTITY_CURRENCIES = ["JPY", "USD", "EUR", "KWD"]
_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2030, 12, 31)
)


def _field_values(spec: ColumnSpec, *, as_times: bool) -> st.SearchStrategy[object]:
    """Any valid value of one entity field (``None`` included if optional)."""
    kind = spec.kind
    if kind == "id":
        base: st.SearchStrategy[object] = st.text(min_size=1, max_size=8)
    elif kind == "text":
        base = st.text(max_size=8)
    elif kind == "date":
        base = _times if as_times else st.dates()
    elif kind == "month":
        base = st.dates().map(lambda day: day.replace(day=1))
    elif kind in ("money", "count"):
        low = -(2**62) if spec.signed else 0
        base = st.integers(min_value=low, max_value=2**62)
    elif kind == "currency":
        base = st.sampled_from(_ENTITY_CURRENCIES)
    elif kind == "enum":
        assert spec.enum is not None
        base = st.sampled_from(list(spec.enum))
    else:  # number
        base = st.floats(
            min_value=spec.low,
            max_value=spec.high,
            exclude_min=spec.low_open,
            allow_nan=False,
            allow_infinity=False,
        )
    return st.none() | base if spec.nullable else base


@st.composite
def entities(draw: st.DrawFn, entity: type[E]) -> E:
    """
    Any valid instance of `entity`: optional fields empty or not, all of one
    entity's dates dates or all of them date-times (tickets take times).

    A rule "later not before first" that the draw breaks is repaired by moving
    the later date to the first one (equal is allowed), so no draw is rejected.
    """
    specs = column_specs(entity)
    as_times = draw(st.booleans())
    values = {
        name: draw(_field_values(spec, as_times=as_times))
        for name, spec in specs.items()
    }
    for rule in entity.ROW_RULES:  # type: ignore[attr-defined]
        if not rule.check(*(values[name] for name in rule.columns)):
            if len(rule.columns) == 3:  # an invoice line's amount, or its units
                amount, quantity, unit = rule.columns
                if values[amount] is None:
                    values[quantity] = values[quantity] or 0
                    values[unit] = values[unit] or 0
                else:
                    values[quantity] = values[unit] = None
                continue
            if rule.name == "period_end, or interval":  # an invoice line's end
                values["period_end"] = values["period_start"]
                continue
            first, later = rule.columns
            values[later] = values[first]
    return entity(**values)


# Every entity class (an attrs record with a table), from the module's own list,
# so a new entity is drawn and round-tripped without being listed here.
ENTITY_CLASSES: tuple[type, ...] = tuple(
    cls
    for name in _entities.__all__
    if hasattr(cls := getattr(_entities, name), "TABLE")
)


# --------------------------------------------------------------------------
# Invoice lines
# --------------------------------------------------------------------------

LINE_KINDS = ["recurring", "recurring", "recurring", "one_off", "tax", "proration"]


@st.composite
def invoice_line_rows(draw: st.DrawFn) -> dict:
    """One invoice line as a dict: a service period of 0 to about 400 days."""
    start = draw(dates)
    days = draw(st.sampled_from([0, 28, 30, 31, 90, 365, 366]) | st.integers(0, 400))
    return {
        "customer_id": draw(st.sampled_from(CUSTOMERS)),
        "kind": draw(st.sampled_from(LINE_KINDS)),
        "period_start": start,
        "period_end": start + dt.timedelta(days=days),
        # Non-negative, so a customer-month never nets below zero.
        "amount": draw(st.sampled_from([0, 1, 10_000]) | st.integers(0, 10**9)),
        "currency": "USD",
    }


def invoice_lines(
    min_size: int = 0, max_size: int = 14
) -> st.SearchStrategy[pd.DataFrame]:
    """A valid invoice-lines table (amount form) with unique line ids."""

    def frame(rows: list[dict]) -> pd.DataFrame:
        out = pd.DataFrame(
            rows,
            columns=[
                "customer_id",
                "kind",
                "period_start",
                "period_end",
                "amount",
                "currency",
            ],
        )
        out.insert(0, "line_id", [f"l{i}" for i in range(len(rows))])
        out["period_start"] = pd.to_datetime(out["period_start"])
        out["period_end"] = pd.to_datetime(out["period_end"])
        out["amount"] = out["amount"].astype("int64")
        return out

    return st.lists(invoice_line_rows(), min_size=min_size, max_size=max_size).map(
        frame
    )
