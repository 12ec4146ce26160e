"""The figures of `ltv.estimates`, from a ledger (pandas; loaded on first use)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._conventions import Conventions
from ._economics import (
    conventional_ltv,
    trailing_churn_rate,
)
from ._ledger import Ledger, MonthLike
from ._validation import check_by
from .churn import _rate_conventions, rates
from .ltv import _CHURN_COLUMN

__all__ = ["estimates_from_rates", "estimates_table"]


def _smooth(
    churn: pd.Series, names: list[str], window: int, exclude_current: bool
) -> pd.Series:
    """Trailing mean of monthly rates within each segment (NaN until full)."""
    if window == 1 and not exclude_current:
        return churn
    if not names:
        smoothed = trailing_churn_rate(
            churn, window=window, exclude_current=exclude_current
        )
        assert isinstance(smoothed, pd.Series)
        return smoothed
    grouped = churn.groupby(level=names, sort=False, dropna=False)
    rolled = grouped.rolling(window, min_periods=window).mean()
    rolled = rolled.reset_index(level=list(range(len(names))), drop=True)
    rolled = rolled.reindex(churn.index)
    if exclude_current:
        rolled = rolled.groupby(level=names, sort=False, dropna=False).shift(1)
    return rolled


def estimates_table(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Return `ltv.estimates` (see its documentation)."""
    check_by(by)
    names = [by] if isinstance(by, str) else list(by or ())
    chosen = _rate_conventions(ledger, conventions)
    table = rates(
        ledger, by=names or None, through=through, conventions=chosen, total=total
    )
    out = estimates_from_rates(table, names, chosen)
    out = _window(out, since, through)
    out.attrs["currency"] = ledger.currency
    return out


def estimates_from_rates(
    table: pd.DataFrame, names: list[str], chosen: Conventions
) -> pd.DataFrame:
    """Finish `ltv.estimates` from the monthly rates per segment (``churn.rates``)."""
    churn = table[_CHURN_COLUMN[chosen.ltv_churn]]
    # With `total`, the "All" rows form a group of their own.
    churn = _smooth(
        churn,
        names,
        chosen.ltv_churn_window_months,
        chosen.ltv_churn_excludes_current,
    )
    arpa = table["average_revenue_per_account"].to_numpy(np.float64)
    lifetime, value = conventional_ltv(arpa, churn.to_numpy(np.float64), chosen)
    out = pd.DataFrame(
        {
            "customers_at_end": table["customers_at_end"],
            "mrr_at_end": table["mrr_at_end"],
            "average_revenue_per_account": arpa,
            "churn_rate": churn.to_numpy(np.float64),
            "expected_lifetime_months": lifetime,
            "lifetime_value": value,
        },
        index=table.index,
    )
    out.attrs["currency"] = table.attrs.get("currency")
    return out


def _window(
    frame: pd.DataFrame, since: MonthLike | None, through: MonthLike | None
) -> pd.DataFrame:
    """Keep the months from `since` through `through` (inclusive)."""
    if since is None and through is None:
        return frame
    months = pd.PeriodIndex(frame.index.get_level_values("period"))
    keep = np.ones(len(frame), bool)
    if since is not None:
        keep &= months >= pd.Period(since, freq="M")
    if through is not None:
        keep &= months <= pd.Period(through, freq="M")
    return frame[keep]
