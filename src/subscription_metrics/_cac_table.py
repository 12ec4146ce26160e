"""`cac.acquisition_costs` from a ledger (pandas: loaded on first use)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._conventions import Conventions
from ._economics import (
    customer_acquisition_cost,
    ltv_to_cac,
    magic_number,
    monthly_discount_rate,
    payback_months,
)
from ._entities import CostEntry
from ._errors import InvalidTableError, Problem
from ._inputs import checked
from ._ledger import Ledger, MonthLike
from ._overflow import (
    MoneyOverflowError,
    bound_fits,
    check_total_fits,
    overflow_problem,
)
from ._rates import GRAINS, Grain, _grain
from ._validation import apply_where_known, check_by, divide_or_nan
from .cac import _ALL
from .churn import _rate_conventions
from .ledger import bridge
from .ltv import estimates

__all__ = ["acquisition_costs_table"]


def _spend_table(
    costs: pd.DataFrame,
    ledger: Ledger,
    categories: Collection[str],
    key: str | None,
) -> tuple[pd.DataFrame, tuple[int, int] | None]:
    """Spend rows in the chosen categories, and the months the costs cover."""
    months: dict[str, npt.NDArray[np.int64]] = {}
    table = checked(costs, CostEntry, ledger, months=months)
    if isinstance(categories, str) or not categories:
        msg = f"'categories' must be a non-empty collection of str, got {categories!r}"
        raise ValueError(msg)
    if key is not None and key not in table.columns:
        raise InvalidTableError(
            [
                Problem(
                    table="costs",
                    column=key,
                    rule="missing column",
                    detail=(
                        f"to split CAC by {key!r}, mark each cost row with its "
                        f"{key!r}; spend without one counts only in the company rows"
                    ),
                )
            ]
        )
    ordinals = months.get("month", np.zeros(0, np.int64))
    chosen = table["category"].isin(list(categories)).to_numpy(bool)
    if len(table) and not chosen.any():
        present = sorted(map(str, pd.unique(table["category"])))
        raise InvalidTableError(
            [
                Problem(
                    table="costs",
                    column="category",
                    rule="holds the chosen categories",
                    detail=f"none of {sorted(categories)} found; present: {present}",
                )
            ]
        )
    spend = pd.DataFrame(
        {
            "month": ordinals[chosen],
            "channel": table["channel"].to_numpy(object)[chosen],
            "key": (table[key] if key else table["channel"]).to_numpy(object)[chosen],
            "amount": table["amount"].to_numpy(np.int64)[chosen],
        }
    )
    check_total_fits(
        spend["amount"].to_numpy(np.int64),
        table="costs",
        column="amount",
        labels=table.index.to_numpy(object)[chosen],
        what="costs in the chosen categories",
    )
    coverage = (int(ordinals.min()), int(ordinals.max())) if len(table) else None
    return spend, coverage


def _spend_for(
    spend: pd.DataFrame,
    coverage: tuple[int, int] | None,
    months: npt.NDArray[np.int64],
    lag: int,
    channels: Collection[object] | None,
    keys: pd.Index | None = None,
) -> pd.Series:
    """
    Spend counted in each row's month (and segment `keys`), as nullable Int64.

    Missing where the (lagged) month falls outside the months the costs cover:
    unknown spend is not zero.
    """
    rows = spend if channels is None else spend[spend["channel"].isin(list(channels))]
    source = months - lag
    if keys is None:
        per_month = rows.groupby("month")["amount"].sum()
        values = per_month.reindex(source, fill_value=0).to_numpy(np.int64)
    else:
        keyed = rows.groupby(["key", "month"], dropna=False)["amount"].sum()
        wanted = pd.MultiIndex.from_arrays([keys, source])
        values = keyed.reindex(wanted, fill_value=0).to_numpy(np.int64)
    out = pd.array(values, dtype="Int64")
    if coverage is None:
        out[:] = pd.NA
    else:
        out[(source < coverage[0]) | (source > coverage[1])] = pd.NA
    return pd.Series(out)


def _roll_up(
    frame: pd.DataFrame, names: list[str], code: str, source: str
) -> pd.DataFrame:
    """Sum flows and take end-of-period stocks per period (and key)."""
    months = pd.PeriodIndex(frame.index.get_level_values("month"))
    keys = [frame.index.get_level_values(name) for name in names]
    grouped = frame.groupby([*keys, months.asfreq(code)], sort=True, dropna=False)
    flows = ["spend", "unlagged_spend", "customers_new", "new_mrr", "revenue"]
    flows += [c for c in ("paid_spend", "paid_customers_new") if c in frame]
    out = grouped[flows].sum(min_count=1)
    _check_revenue(frame["revenue"], [*keys, months.asfreq(code)], source)
    for name in ("spend", "unlagged_spend", "paid_spend"):
        if name in frame:  # a period with an unknown month is unknown
            unknown = grouped[name].count() < grouped[name].size()
            out.loc[unknown.to_numpy(bool), name] = pd.NA
    out["customers_at_end"] = grouped["customers_at_end"].last()
    out["mrr_at_end"] = grouped["mrr_at_end"].last()
    out["last_month"] = grouped["last_month"].last()
    out.index = out.index.set_names([*names, "period"])
    return out


def _check_revenue(revenue: pd.Series, keys: list[Any], source: str) -> None:
    """Raise `MoneyOverflowError` if a period's revenue (months' MRR) overflows."""
    values = revenue.to_numpy(np.int64)
    if bound_fits(values, 12):  # a period holds at most 12 months
        return
    parts = pd.DataFrame({"high": values >> 32, "low": values & 0xFFFFFFFF})
    sums = parts.groupby(
        [np.asarray(key) for key in keys], sort=True, dropna=False
    ).sum()
    top = sums["high"].to_numpy(np.int64) + (sums["low"].to_numpy(np.int64) >> 32)
    overflow = (top < -(2**31)) | (top >= 2**31)
    if overflow.any():
        labels = np.array([str(key) for key in sums.index[overflow]], object)
        problem = overflow_problem(
            table=source,
            column="mrr",
            magnitude=np.ones(len(labels)),
            labels=labels,
            unit="period",
            what="months' MRR (the revenue of the period)",
            count=len(labels),
        )
        raise MoneyOverflowError([problem])


def _previous(frame: pd.DataFrame, column: str, names: list[str]) -> pd.Series:
    """Each row's value of `column` in the period before (within its key)."""
    if names:
        return frame[column].groupby(level=names, sort=False, dropna=False).shift(1)
    return frame[column].shift(1)


def _as_float(series: pd.Series) -> npt.NDArray[np.float64]:
    return np.asarray(
        series.astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan),
        dtype=np.float64,
    )


def acquisition_costs_table(
    ledger: Ledger,
    *,
    costs: pd.DataFrame,
    period: Grain = "month",
    categories: Collection[str] = ("sales", "marketing"),
    paid_channels: Collection[str] | None = None,
    by: str | None = None,
    channel: str = "acquisition_channel",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """Return `cac.acquisition_costs` (see its documentation)."""
    check_by(by, what="one customer attribute (a str)")
    if by is not None and not isinstance(by, str):
        msg = f"'by' must be one customer attribute (a str), got {by!r}"
        raise TypeError(msg)
    code, _ = _grain(period)
    per_year = 12 // GRAINS[period][1]
    chosen = _rate_conventions(ledger, conventions)
    key = None if by is None else ("channel" if by == channel else by)
    spend, coverage = _spend_table(costs, ledger, categories, key)
    paid = None if paid_channels is None else sorted(set(paid_channels))
    rows = _rows(spend, coverage, ledger, None, channel, paid, chosen, since, through)
    names = [] if by is None else [by]
    if by is not None:
        rows.index = pd.MultiIndex.from_arrays(
            [pd.Index([_ALL] * len(rows), dtype=object), rows.index],
            names=[by, "month"],
        )
        segments = _rows(
            spend, coverage, ledger, by, channel, paid, chosen, since, through
        )
        rows = pd.concat([segments, rows])
    table = _roll_up(rows, names, code, ledger.source)
    return _finish(table, ledger, names, chosen, per_year, paid is not None)


def _base_rows(
    ledger: Ledger,
    names: list[str],
    since: MonthLike | None,
    through: MonthLike | None,
) -> pd.DataFrame:
    monthly = bridge(ledger, by=names or None, since=since, through=through)
    months = pd.PeriodIndex(monthly.index.get_level_values("month"))
    frame = monthly[
        ["customers_new", "new_mrr", "customers_at_end", "mrr_at_end"]
    ].copy()
    frame["revenue"] = monthly["mrr_at_end"]
    frame["last_month"] = months
    return frame


def _rows(
    spend: pd.DataFrame,
    coverage: tuple[int, int] | None,
    ledger: Ledger,
    by: str | None,
    channel: str,
    paid: list[str] | None,
    conventions: Conventions,
    since: MonthLike | None,
    through: MonthLike | None,
) -> pd.DataFrame:
    """Monthly spend and new customers for the company (`by` None) or per segment."""
    names = [] if by is None else [by]
    frame = _base_rows(ledger, names, since, through)
    months = np.asarray(
        pd.PeriodIndex(frame.index.get_level_values("month")).asi8, np.int64
    )
    keys = None if by is None else pd.Index(frame.index.get_level_values(by))
    lag = conventions.cac_spend_lag_months
    frame["spend"] = _spend_for(spend, coverage, months, lag, None, keys).array
    frame["unlagged_spend"] = _spend_for(spend, coverage, months, 0, None, keys).array
    if paid is None:
        return frame
    frame["paid_spend"] = _spend_for(spend, coverage, months, lag, paid, keys).array
    if by == channel:
        is_paid = np.asarray(frame.index.get_level_values(channel).isin(paid), bool)
        frame["paid_customers_new"] = np.where(is_paid, frame["customers_new"], 0)
        return frame
    split = _base_rows(ledger, [*names, channel], since, through)
    is_paid = split.index.get_level_values(channel).isin(paid)
    paid_new = (
        split["customers_new"][is_paid]
        .groupby(level=[*names, "month"], dropna=False)
        .sum()
    )
    frame["paid_customers_new"] = paid_new.reindex(frame.index, fill_value=0)
    return frame


def _finish(
    table: pd.DataFrame,
    ledger: Ledger,
    names: list[str],
    conventions: Conventions,
    per_year: int,
    with_paid: bool,
) -> pd.DataFrame:
    spend = _as_float(table["spend"])
    new = table["customers_new"].to_numpy(np.float64)
    new_mrr = table["new_mrr"].to_numpy(np.float64)
    cac = apply_where_known(customer_acquisition_cost, spend, new)
    asp = divide_or_nan(new_mrr, new)
    arpa = divide_or_nan(
        table["mrr_at_end"].to_numpy(np.float64),
        table["customers_at_end"].to_numpy(np.float64),
    )
    options = {
        "gross_margin": conventions.gross_margin,
        "discount_rate": monthly_discount_rate(conventions.annual_discount_rate),
    }
    # CAC over new ARPA is (spend / new) / (new MRR / new): spend over new
    # MRR, which also covers a period with spend and no new customer (inf).
    if conventions.cac_payback == "bessemer":
        previous = _as_float(_previous(table, "unlagged_spend", names))
        payback = apply_where_known(payback_months, previous, new_mrr, **options)
    elif conventions.cac_payback == "new_arpa":
        payback = apply_where_known(payback_months, spend, new_mrr, **options)
    else:
        payback = apply_where_known(payback_months, cac, arpa, **options)
    values = estimates(ledger, by=names or None, conventions=conventions)
    ltv = values["lifetime_value"]
    ends = table["last_month"]
    keys = [table.index.get_level_values(n) for n in names]
    lookup = pd.MultiIndex.from_arrays([*keys, ends]) if names else pd.Index(ends)
    ltv_at_end = ltv.reindex(lookup).to_numpy(np.float64)
    revenue_now = table["revenue"].to_numpy(np.float64)
    revenue_before = _as_float(_previous(table, "revenue", names))
    spend_before = _as_float(_previous(table, "unlagged_spend", names))
    out = table[["spend", "customers_new", "new_mrr", "customers_at_end"]].copy()
    out["mrr_at_end"] = table["mrr_at_end"]
    out["revenue"] = table["revenue"].astype(np.int64)
    out["customers_new"] = out["customers_new"].astype(np.int64)
    out["customer_acquisition_cost"] = cac
    out["average_sale_price"] = asp
    out["average_revenue_per_account"] = arpa
    out["payback_months"] = payback
    out["lifetime_value"] = ltv_at_end
    out["ltv_to_cac"] = apply_where_known(ltv_to_cac, ltv_at_end, cac)
    out["magic_number"] = apply_where_known(
        magic_number,
        revenue_now,
        revenue_before,
        spend_before,
        periods_per_year=per_year,
    )
    if with_paid:
        paid_spend = _as_float(table["paid_spend"])
        paid_new = table["paid_customers_new"].to_numpy(np.float64)
        out["paid_spend"] = table["paid_spend"]
        out["paid_customers_new"] = table["paid_customers_new"].astype(np.int64)
        out["paid_acquisition_cost"] = apply_where_known(
            customer_acquisition_cost, paid_spend, paid_new
        )
    out.attrs["currency"] = ledger.currency
    return out
