"""Private kernels of the CS operations KPIs: group cells, counts, sums, quantiles.

A KPI table is a dense grid of groups (an owner, team or tier) by periods,
plus the company's ``"All"`` rows. Every row of the input is placed in one
cell of its group and once more in its period's ``"All"`` cell, so the
groups add up to the company by construction, and medians of the company are
computed from the raw rows, never from the groups' medians.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._rates import Grain, _grain
from .periods import ordinal_to_period

__all__ = [
    "ALL",
    "NONE",
    "Cells",
    "as_of_day",
    "cutoff",
    "group_quantiles",
    "label_values",
    "naive",
]

ALL: Final = "All"
NONE: Final = "(none)"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def as_of_day(value: object, name: str = "as_of") -> pd.Timestamp:
    """Return `value` as a day (midnight, naive); refuse a time of day."""
    if isinstance(value, pd.Period):
        msg = f"{name!r} must be a day (date or 'YYYY-MM-DD'), got the period {value}"
        raise TypeError(msg)
    try:
        day = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        msg = f"{name!r} must be a day (date or 'YYYY-MM-DD'), got {value!r}"
        raise ValueError(msg) from exc
    if pd.isna(day):
        msg = f"{name!r} must be a day, got {value!r}"
        raise ValueError(msg)
    if day.tz is not None or day != day.normalize():
        msg = (
            f"{name!r} must be a day without a time of day or zone "
            f"(everything up to its end counts), got {value!r}"
        )
        raise ValueError(msg)
    return day


def naive(dates: pd.Series) -> pd.Series:
    """Drop a time zone, keeping local wall time (days and months are local)."""
    return dates.dt.tz_localize(None) if dates.dt.tz is not None else dates


def cutoff(day: pd.Timestamp, dates: pd.Series) -> pd.Timestamp:
    """Return the first instant after `day` (in the time zone of `dates`, if any)."""
    end = day + pd.Timedelta(days=1)
    zone = dates.dt.tz
    return end.tz_localize(zone) if zone is not None else end


def label_values(
    table: pd.DataFrame,
    by: str,
    *,
    table_name: str,
    owner: str,
    staff: pd.DataFrame | None,
    tier: pd.Series | None,
) -> tuple[pd.Series, str]:
    """
    Return the group label of every row, as str, and the name of the level.

    ``'owner'`` reads the `owner` column; ``'team'`` maps it through the
    validated `staff` table; ``'tier'`` maps ``customer_id`` through `tier`;
    any other column of `table` is read as it is. Missing labels are
    ``"(none)"``: nobody is dropped.
    """
    if by == "owner":
        values, level = table[owner], owner
    elif by == "team":
        if staff is None:
            msg = "by='team' needs 'staff' (a StaffMember table) to find each team"
            raise ValueError(msg)
        known = table[owner].notna() & ~table[owner].isin(staff["staff_id"])
        if known.any():
            raise InvalidTableError(
                [
                    Problem(
                        table=table_name,
                        column=owner,
                        rule="a staff_id of the staff table",
                        count=int(known.sum()),
                        examples=tuple(str(v) for v in pd.unique(table[owner][known]))[
                            :MAX_EXAMPLES
                        ],
                        detail="by='team' needs every owner's team",
                    )
                ]
            )
        team_of = pd.Series(staff["team"].to_numpy(), index=pd.Index(staff["staff_id"]))
        values = pd.Series(
            team_of.reindex(pd.Index(table[owner])).to_numpy(), index=table.index
        )
        level = "team"
    elif by == "tier":
        if tier is None:
            msg = "by='tier' needs 'tier' (a Series of tiers indexed by customer_id)"
            raise ValueError(msg)
        if not isinstance(tier, pd.Series):
            msg = f"'tier' must be a pandas Series, got {type(tier).__name__}"
            raise TypeError(msg)
        if not tier.index.is_unique:
            msg = "'tier' must have one value per customer_id (a unique index)"
            raise ValueError(msg)
        values = pd.Series(
            tier.reindex(pd.Index(table["customer_id"])).to_numpy(), index=table.index
        )
        level = "tier"
    elif by in table.columns:
        values, level = table[by], by
    else:
        msg = (
            f"'by' must be 'owner', 'team', 'tier' or a column of {table_name!r}, "
            f"got {by!r}"
        )
        raise ValueError(msg)
    labels = values.astype(object).where(values.notna(), NONE).astype(str)
    return labels, level


class Cells:
    """
    The grid of groups x periods (plus ``"All"``) that a KPI table fills.

    Parameters
    ----------
    labels : pandas.Series or None
        Each row's group label; None for the company only.
    level : str
        Name of the group level of the index.
    months : numpy.ndarray of int64
        Each row's month ordinal (what the period is read from).
    period : {'month', 'quarter', 'year'} or None
        The grain, or None for one column of periods.
    counted : numpy.ndarray of bool
        The rows that count: the periods run from the first to the last
        period among them.
    """

    def __init__(
        self,
        labels: pd.Series | None,
        level: str,
        months: IntArray,
        period: Grain | None,
        counted: BoolArray,
        *,
        window: tuple[int, int] | None = None,
    ) -> None:
        n = len(months)
        if period is None:
            self.n_periods = 1
            self.period_code = np.zeros(n, np.int64)
            periods: pd.Index | None = None
        else:
            code, _ = _grain(period)
            as_period = ordinal_to_period(months).asfreq(code)
            ordinal = np.asarray(as_period.asi8, np.int64)
            if window is not None:
                lo_month, hi_month = window
                first = pd.Period(ordinal=lo_month, freq="M").asfreq(code).ordinal
                last = pd.Period(ordinal=hi_month, freq="M").asfreq(code).ordinal
            elif counted.any():
                first, last = ordinal[counted].min(), ordinal[counted].max()
            else:
                first, last = 0, -1
            self.n_periods = max(int(last) - int(first) + 1, 0)
            self.period_code = ordinal - int(first)
            periods = pd.period_range(
                start=pd.Period(ordinal=int(first), freq=code),
                periods=self.n_periods,
                freq=code,
                name="period",
            )
        if labels is None:
            names: list[str] = []
            self.label_code = np.zeros(n, np.int64)
        else:
            codes, uniques = pd.factorize(labels, sort=True)
            names = [str(u) for u in uniques]
            self.label_code = np.asarray(codes, np.int64)
        self.grouped = labels is not None
        self.n_labels = len(names)
        self.size = (self.n_labels + 1) * self.n_periods
        rows = [*names, ALL]
        if self.grouped and periods is not None:
            self.index: pd.Index = pd.MultiIndex.from_product(
                [pd.Index(rows, dtype=object), periods], names=[level, "period"]
            )
        elif self.grouped:
            self.index = pd.Index(rows, name=level, dtype=object)
        elif periods is not None:
            self.index = periods
            self.size = self.n_periods
        else:
            self.index = pd.Index([ALL], dtype=object)
            self.size = 1

    def keys(self, mask: BoolArray) -> IntArray:
        """Cells of the rows in `mask`: their group's, then their ``"All"``."""
        code = self.period_code[mask]
        total = self.n_labels * self.n_periods + code if self.grouped else code
        if not self.grouped:
            return total
        own = self.label_code[mask] * self.n_periods + code
        return np.concatenate([own, total])

    def _twice(self, values: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        return np.concatenate([values, values]) if self.grouped else values

    def count(self, mask: BoolArray) -> IntArray:
        """How many rows of `mask` fall in each cell."""
        return np.bincount(self.keys(mask), minlength=self.size).astype(np.int64)

    def total(self, mask: BoolArray, values: IntArray) -> IntArray:
        """Exact int64 sums of `values` (of the rows in `mask`) per cell."""
        out = np.zeros(self.size, np.int64)
        np.add.at(out, self.keys(mask), self._twice(values[mask]))
        return out

    def fsum(self, mask: BoolArray, values: FloatArray) -> FloatArray:
        """Float sums of `values` (of the rows in `mask`) per cell."""
        return np.bincount(
            self.keys(mask), weights=self._twice(values[mask]), minlength=self.size
        ).astype(np.float64)

    def quantiles(
        self, mask: BoolArray, values: FloatArray, qs: tuple[float, ...]
    ) -> FloatArray:
        """Quantiles `qs` of `values` (rows in `mask`) per cell: (len(qs), size)."""
        return group_quantiles(
            self.keys(mask),
            np.asarray(self._twice(values[mask]), np.float64),
            self.size,
            qs,
        )


def group_quantiles(
    keys: IntArray, values: FloatArray, size: int, qs: tuple[float, ...]
) -> FloatArray:
    """
    Quantiles of `values` per key in ``range(size)``, NaN for an empty key.

    The linear interpolation of `numpy.quantile`'s default method: with a
    group's n values sorted, quantile q sits at position ``h = q * (n - 1)``,
    between the values at ``floor(h)`` and ``floor(h) + 1``. One sort for
    every group, no loop per group.
    """
    out = np.full((len(qs), size), np.nan)
    if not len(keys):
        return out
    ordered = values[_order_by_key_then_value(keys, values, size)]
    counts = np.bincount(keys, minlength=size)
    starts = np.cumsum(counts) - counts
    has = np.flatnonzero(counts)
    n = counts[has]
    for row, q in enumerate(qs):  # a loop over quantiles, not over rows
        h = q * (n - 1)
        below = np.floor(h).astype(np.int64)
        above = np.minimum(below + 1, n - 1)
        a = ordered[starts[has] + below]
        b = ordered[starts[has] + above]
        out[row, has] = a + (h - below) * (b - a)
    return out


def _order_by_key_then_value(
    keys: IntArray, values: FloatArray, size: int
) -> npt.NDArray[np.intp]:
    """
    Return the permutation that sorts rows by key, then by value.

    The values are ranked once (one float argsort); key and rank are then
    packed into one int64 and sorted with `numpy.sort`, which is several
    times faster than `numpy.lexsort` on a million rows.
    """
    n = len(values)
    if size * n >= 2**62:  # the packed key would overflow: sort the slow way
        return np.lexsort((values, keys))
    by_value = np.argsort(values, kind="stable")
    rank = np.empty(n, np.int64)
    rank[by_value] = np.arange(n, dtype=np.int64)
    packed = keys.astype(np.int64) * n + rank
    packed.sort()
    order: npt.NDArray[np.intp] = by_value[packed % n]
    return order
