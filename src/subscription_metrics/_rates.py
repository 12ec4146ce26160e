"""Period totals from a ledger: the monthly bridge rolled up to months, quarters, years.

Everything here is a sum of exact int64 amounts and counts; the rates built on
it (`churn.rates`) divide pooled sums, never average per-month rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _kernels as k
from ._ledger import CHURN, NEW, REACTIVATION, Ledger, MonthLike, segments
from ._validation import check_by
from .ledger import BRIDGE_COLUMNS, bridge
from .periods import ordinal_to_period

__all__ = ["GRAINS", "Grain", "period_totals"]

Grain = Literal["month", "quarter", "year"]
GRAINS: Final = {"month": ("M", 1), "quarter": ("Q", 3), "year": ("Y", 12)}

_FLOWS = (
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "customers_new",
    "customers_reactivated",
    "customers_lost",
    "customers_expanded",
    "customers_contracted",
    "subscriptions_lost",
    "customers_joined_and_lost",
)


def _grain(period: str) -> tuple[str, int]:
    try:
        return GRAINS[period]
    except KeyError:
        allowed = ", ".join(repr(g) for g in GRAINS)
        msg = f"'period' must be one of {allowed}, got {period!r}"
        raise ValueError(msg) from None


def _monthly_extras(
    ledger: Ledger,
    segment_of_customer: npt.NDArray[np.int64],
    n_segments: int,
    months: npt.NDArray[np.int64],
    months_per_period: int,
) -> dict[str, npt.NDArray[np.int64]]:
    """Subscription counts and join-and-churn counts per segment and month."""
    ev = ledger._events
    n_months = len(months)
    shape = (n_segments, n_months)
    if not n_months:
        return {name: np.zeros(shape, np.int64) for name in _EXTRAS}
    lo, hi = int(months[0]), int(months[-1])
    segment = segment_of_customer[ev.customer]
    inside = (ev.month >= lo) & (ev.month <= hi)
    cell = segment[inside] * n_months + (ev.month[inside] - lo)
    lost = np.maximum(-ev.count_change[inside], 0)
    subscriptions_lost = k.sum_by_key(cell, lost, n_segments * n_months)
    # Active subscriptions at the start of each month: the opening count plus
    # the cumulated net changes of the months before.
    before = ev.month < lo
    opening = k.sum_by_key(segment[before], ev.count_change[before], n_segments)
    net = k.sum_by_key(cell, ev.count_change[inside], n_segments * n_months)
    net = net.reshape(shape)
    subscriptions_at_start = opening[:, None] + np.cumsum(net, axis=1) - net
    # Join-and-churn: a churn whose activation (the status switch before it,
    # always of the same customer) falls in the same period.
    switch = np.flatnonzero(
        (ev.kind == NEW) | (ev.kind == REACTIVATION) | (ev.kind == CHURN)
    )
    churn_at = switch[ev.kind[switch] == CHURN]
    joined_at = switch[k.search_sorted(switch, churn_at) - 1]
    period_of = ev.month // months_per_period  # month ordinal 0 is January 1970
    same = (period_of[churn_at] == period_of[joined_at]) & (ev.month[churn_at] >= lo)
    same &= ev.month[churn_at] <= hi
    jl = churn_at[same]
    joined_and_lost = np.bincount(
        segment[jl] * n_months + (ev.month[jl] - lo), minlength=n_segments * n_months
    ).astype(np.int64)
    return {
        "subscriptions_at_start": subscriptions_at_start,
        "subscriptions_lost": subscriptions_lost.reshape(shape),
        "customers_joined_and_lost": joined_and_lost.reshape(shape),
    }


_EXTRAS = ("subscriptions_at_start", "subscriptions_lost", "customers_joined_and_lost")


def _grouped_totals(
    monthly: pd.DataFrame,
    extras: dict[str, npt.NDArray[np.int64]],
    names: list[str],
    code: str,
) -> pd.DataFrame:
    """Stocks and flows of the months of `monthly` grouped into periods."""
    frame = monthly.copy()
    for name, values in extras.items():
        frame[name] = values.reshape(-1)
    month_index = monthly.index.get_level_values("month")
    period_labels = pd.PeriodIndex(month_index).asfreq(code)
    keys = [monthly.index.get_level_values(name) for name in names]
    grouped = frame.groupby([*keys, period_labels], sort=True, dropna=False)
    firsts = grouped[["mrr_at_start", "customers_at_start", "subscriptions_at_start"]]
    out = firsts.first()
    for name in _FLOWS:
        out[name] = grouped[name].sum()
    out["mrr_at_end"] = grouped["mrr_at_end"].last()
    out["customers_at_end"] = grouped["customers_at_end"].last()
    out["months"] = grouped["mrr_at_end"].size()
    out.index = out.index.set_names([*names, "period"])
    return out


def period_totals(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
) -> pd.DataFrame:
    """
    Return the bridge's stocks and flows per period (and segment), exact.

    Stocks (``*_at_start``, ``*_at_end``) are read at the period's first and
    last month; flows are summed over its months. Besides the bridge columns
    there are ``subscriptions_at_start``, ``subscriptions_lost`` (net
    decreases of a customer's active subscriptions in a month, so a same-month
    swap is not a loss), ``customers_joined_and_lost`` (churns of customers
    whose activation fell in the same period; always 0 for months, where the
    monthly grain cannot see them) and ``months`` (how many of the period's
    months the window covers: a partial first or last period says so), all
    int64, then ``end_month`` (the month whose end closes the row: the
    period's last month, or the window's last month for a period that ends
    after it) and ``partial`` (bool: the period ends after the window).
    """
    code, months_per_period = _grain(period)
    check_by(by)
    names = [by] if isinstance(by, str) else list(by or ())
    monthly = bridge(ledger, by=names or None, since=since, through=through)
    customer_segment, _, n_segments = segments(ledger, names)
    month_index = monthly.index.get_level_values("month")
    months = k.unique_ints(np.asarray(pd.PeriodIndex(month_index).asi8, np.int64))
    extras = _monthly_extras(
        ledger, customer_segment, n_segments, months, months_per_period
    )
    lost_at = BRIDGE_COLUMNS.index("customers_lost") + 1
    ordered = [
        *BRIDGE_COLUMNS[:lost_at],
        "customers_joined_and_lost",
        *BRIDGE_COLUMNS[lost_at:],
        *_EXTRAS[:2],
        "months",
    ]
    if months_per_period == 1 and monthly.index.is_monotonic_increasing:
        # Months of a bridge sorted by its keys: each period is one row of
        # it, as the grouping below would give, without a group per column.
        data = {name: monthly[name].to_numpy(np.int64) for name in BRIDGE_COLUMNS}
        for name, values in extras.items():
            data[name] = values.reshape(-1).astype(np.int64, copy=False)
        data["months"] = np.ones(len(monthly), np.int64)
        index = monthly.index.set_names([*names, "period"])
        out = pd.DataFrame({name: data[name] for name in ordered}, index=index)
    else:
        out = _grouped_totals(monthly, extras, names, code)[ordered].astype(np.int64)
    labels = pd.PeriodIndex(out.index.get_level_values("period"))
    period_end = np.asarray(labels.asfreq("M", how="E").asi8, np.int64)
    last = int(months[-1]) if len(months) else 0
    out["end_month"] = ordinal_to_period(np.minimum(period_end, last))
    out["partial"] = period_end > last
    return out
