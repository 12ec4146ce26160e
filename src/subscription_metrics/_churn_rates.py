"""The figures of `churn.rates`, from a ledger (pandas; loaded on first use)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _kernels as k
from ._conventions import Conventions
from ._formulas import (
    average_revenue_per_account,
    average_sale_price,
    mrr_growth_rate,
    quick_ratio,
)
from ._ledger import Ledger, MonthLike, segments
from ._rates import Grain, period_totals
from ._retention import retained_against_earlier
from ._validation import apply_where_known, check_by, divide_or_nan
from .churn import RATE_COLUMNS, _rate_conventions

__all__ = ["finish_rates", "rates_table", "with_total"]


def _rolling(frame: pd.DataFrame, names: list[str], window: int) -> pd.DataFrame:
    """Sum each column over the last `window` periods within each segment."""
    if window == 1:
        return frame
    if names:
        grouped = frame.groupby(level=names, sort=False, dropna=False)
        rolled = grouped.rolling(window, min_periods=window).sum()
        rolled = rolled.reset_index(level=[*range(len(names))], drop=True)
        return rolled.reindex(frame.index)
    return frame.rolling(window, min_periods=window).sum()


def _retention_sums(
    ledger: Ledger, totals: pd.DataFrame, names: list[str]
) -> pd.DataFrame:
    """Sum base, retained and capped MRR per row of `totals`, end month vs M - 12.

    The end month is the period's last month, or the last month of data for a
    period that ends after it (``end_month`` of the totals). Exact int64 sums
    over customers, so the sums of blocks of customers add up (`finish_rates`).
    """
    customer_segment, _, n_segments = segments(ledger, names)
    end_months = pd.PeriodIndex(totals["end_month"])
    ends = k.unique_ints(np.asarray(end_months.asi8, np.int64))
    base, retained, capped = retained_against_earlier(
        ledger, customer_segment, n_segments, ends
    )
    return pd.DataFrame(
        {
            "base": base.reshape(-1),
            "retained": retained.reshape(-1),
            "capped": capped.reshape(-1),
        },
        index=totals.index,
        dtype=np.int64,
    )


def _customer_retention(
    earlier: pd.DataFrame, names: list[str], window: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """NRR and GRR customer by customer from the sums of `_retention_sums`."""
    pooled = _rolling(earlier.astype(np.float64), names, window)
    base_mrr = pooled["base"].to_numpy()
    return (
        divide_or_nan(pooled["retained"].to_numpy(), base_mrr),
        divide_or_nan(pooled["capped"].to_numpy(), base_mrr),
    )


def rates_table(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    window: int = 1,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Return `churn.rates` (see its documentation)."""
    check_by(by)
    names = [by] if isinstance(by, str) else list(by or ())
    table = _rates_table(
        ledger,
        names,
        period=period,
        window=window,
        since=since,
        through=through,
        conventions=conventions,
    )
    table.attrs["currency"] = ledger.currency
    if not names or not total:
        return table
    overall = _rates_table(
        ledger,
        [],
        period=period,
        window=window,
        since=since,
        through=through,
        conventions=conventions,
    )
    return with_total(table, overall, names, ledger.currency)


def with_total(
    table: pd.DataFrame, overall: pd.DataFrame, names: list[str], currency: str | None
) -> pd.DataFrame:
    """Append the whole company's rows, labelled ``"All"`` in every `by` level."""
    overall = overall.copy()
    overall.index = pd.MultiIndex.from_arrays(
        [pd.Index(["All"] * len(overall), dtype=object) for _ in names]
        + [overall.index],
        names=[*names, "period"],
    )
    out = pd.concat([table, overall])
    out.attrs["currency"] = currency
    return out


def _rates_table(
    ledger: Ledger,
    names: list[str],
    *,
    period: Grain,
    window: int,
    since: MonthLike | None,
    through: MonthLike | None,
    conventions: Conventions | None,
) -> pd.DataFrame:
    """Compute the rates of `rates` for one split (or none)."""
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        msg = f"'window' must be a positive int, got {window!r}"
        raise ValueError(msg)
    chosen = _rate_conventions(ledger, conventions)
    totals = period_totals(
        ledger, by=names or None, period=period, since=since, through=through
    )
    earlier = None
    if chosen.nrr_method == "customers":
        earlier = _retention_sums(ledger, totals, names)
    return finish_rates(totals, earlier, names, window=window, conventions=chosen)


def finish_rates(
    totals: pd.DataFrame,
    earlier: pd.DataFrame | None,
    names: list[str],
    *,
    window: int,
    conventions: Conventions,
) -> pd.DataFrame:
    """Turn exact period totals (and M - 12 sums) into the rates of `rates`.

    The finish step: `totals` are `period_totals` and `earlier` the sums of
    `_retention_sums` (needed when ``nrr_method == 'customers'``), of one
    ledger or added up over blocks of customers; nothing else is read.
    """
    counts = totals.drop(columns=["end_month", "partial"])
    pooled = _rolling(counts.astype(np.float64), names, window)
    jl = pooled["customers_joined_and_lost"]
    won = pooled["customers_new"] + pooled["customers_reactivated"]
    lost = pooled["customers_lost"]
    if conventions.join_and_churn in ("exclude", "ignore"):
        lost = lost - jl
    if conventions.join_and_churn == "ignore":
        won = won - jl
    denominator = pooled["customers_at_start"]
    if conventions.churn_denominator == "start_plus_new":
        denominator = denominator + won
    column = {name: pooled[name].to_numpy() for name in pooled.columns}
    start, end = column["mrr_at_start"], column["mrr_at_end"]
    churned, contraction = column["churned_mrr"], column["contraction_mrr"]
    expansion, reactivation = column["expansion_mrr"], column["reactivation_mrr"]
    zero = np.zeros(len(pooled))
    out = totals.copy()
    # Pooled quarterly or yearly counts can break a formula's per-period
    # constraint (joiners who left make lost exceed the start), so these two
    # are plain ratios of the pooled numbers.
    out["customer_churn_rate"] = divide_or_nan(lost.to_numpy(), denominator.to_numpy())
    out["subscription_churn_rate"] = divide_or_nan(
        column["subscriptions_lost"], column["subscriptions_at_start"]
    )
    # Over quarters, years and windows, customers who join and leave inside
    # the pool make losses exceed the starting MRR, which the one-period
    # formulas refuse; these rates are therefore plain ratios of the pooled
    # sums (a test checks they equal the formulas month by month).
    gross = divide_or_nan(churned + contraction, start)
    if conventions.gross_churn_cap:
        gross = np.minimum(gross, 1.0)
    out["gross_mrr_churn_rate"] = gross
    offset = reactivation if conventions.reactivation_in_net_churn else zero
    out["net_mrr_churn_rate"] = divide_or_nan(
        churned + contraction - expansion - offset, start
    )
    if conventions.nrr_method == "customers":
        if earlier is None:
            msg = "customer-level retention needs the M - 12 sums"
            raise ValueError(msg)
        nrr, grr = _customer_retention(earlier, names, window)
    else:
        retained = reactivation if conventions.reactivation_in_nrr else zero
        nrr = divide_or_nan(start - churned - contraction + expansion + retained, start)
        grr = divide_or_nan(start - churned - contraction, start)
    out["net_revenue_retention"] = nrr
    out["gross_revenue_retention"] = grr
    out["quick_ratio"] = apply_where_known(
        quick_ratio,
        column["new_mrr"],
        expansion,
        contraction,
        churned,
        reactivation if conventions.reactivation_in_quick_ratio else zero,
    )
    out["average_revenue_per_account"] = apply_where_known(
        average_revenue_per_account, end, column["customers_at_end"]
    )
    out["average_sale_price"] = apply_where_known(
        average_sale_price, column["new_mrr"], column["customers_new"]
    )
    # A sum of booked MRR: whole minor units (the pooled sums are exact in
    # float64 below 2**53), unknown before a window is full.
    net = pd.Series(
        column["new_mrr"] + expansion + reactivation - contraction - churned,
        index=out.index,
    ).round()
    out["net_new_mrr"] = net.astype(np.int64 if window == 1 else "Int64")
    out["mrr_growth_rate"] = apply_where_known(mrr_growth_rate, start, end)
    if conventions.partial_period == "undefined":
        # net_new_mrr is a total of the months covered, kept as it is.
        undefined = [name for name in RATE_COLUMNS if name != "net_new_mrr"]
        out.loc[out["partial"].to_numpy(), undefined] = np.nan
    return out
