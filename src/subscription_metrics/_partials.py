"""Partial, combine, finish: the figures of blocks of whole customers, added up.

Every figure here is a function of sums over customers (int64 money and
counts), so it can be computed per block of whole customers (`partial`),
the blocks' sums added up (`combine`), and the figure finished from the sums
(`finish`) by the same finish code the single-ledger functions run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen

from . import _kernels as k
from ._churn_rates import _retention_sums, finish_rates, with_total
from ._conventions import Conventions
from ._errors import MAX_EXAMPLES
from ._km import (
    _frame,
    _warn_emptied,
    check_alpha,
    finish_table,
    group_codes,
    row_counts,
)
from ._ledger import Ledger, SetAside
from ._rates import Grain, _grain, period_totals
from ._sbg import SbgFit, fit_counts, fits_table
from ._validation import check_by
from .cohorts import (
    RETENTION_COLUMNS,
    CohortGrain,
    _Cells,
    _cells,
    _retention_frame,
    _triangle_frame,
)
from .ledger import BRIDGE_COLUMNS, bridge, movements
from .periods import ordinal_to_period

__all__ = ["Figures", "Partial", "combine", "finish", "partial"]

Int64Array = npt.NDArray[np.int64]

_RETENTION_SUMS: Final = ("base", "retained", "capped")
_PER_PERIOD: Final = ("months", "end_month", "partial")
_KM_COUNTS: Final = ("removed", "events", "censored", "entered")


@frozen(kw_only=True, eq=False)
class Partial:
    """
    The additive statistics of a block of whole customers, for every figure.

    Build one per block with `subscription_metrics.ledger.partial`, add
    blocks up with `subscription_metrics.ledger.combine` and turn the sums
    into figures with `subscription_metrics.ledger.finish`. Every table holds
    exact int64 sums over the block's customers, keyed by segment labels and
    a month, period, age or time; nothing in it is a ratio.

    Attributes
    ----------
    currency : str or None
        ISO 4217 code of every amount.
    conventions : Conventions
        The conventions of the ledgers the sums come from.
    last_month : pandas.Period
        The shared data horizon (``through``) of those ledgers.
    by : tuple of str
        The customer attributes every table is split by.
    period : {'month', 'quarter', 'year'}
        The grain of the rate sums.
    cohort : {'month', 'quarter', 'year'}
        The grain of the cohorts.
    customers : int
        Customers in the block(s).
    bridge : pandas.DataFrame
        The bridge's columns (all sums over customers) per segment and month.
    movement_totals : pandas.DataFrame
        MRR change and movement count per month and movement kind.
    totals, overall : pandas.DataFrame
        Period totals plus the M - 12 sums of customer-level retention
        (``base``, ``retained``, ``capped``), per segment and period, and for
        the whole company.
    cells : object
        The cohort cells (customers, starting MRR, active customers, MRR and
        capped MRR per cohort, segment and age).
    km_counts, sbg_counts : pandas.DataFrame
        Subjects removed, churned, censored and entered per segment and time
        (Kaplan-Meier); churned and surviving customers per segment and
        period (shifted-beta-geometric).
    set_aside : tuple of SetAside
        What the blocks' ledgers set aside (`Ledger.set_aside`), added up:
        one entry per table, rule, unit and detail, its count the sum of
        the blocks' and its examples the first few of the blocks' in order.
    """

    currency: str | None
    conventions: Conventions
    last_month: pd.Period
    by: tuple[str, ...]
    period: Grain
    cohort: CohortGrain
    customers: int
    bridge: pd.DataFrame
    movement_totals: pd.DataFrame
    totals: pd.DataFrame
    overall: pd.DataFrame
    cells: _Cells
    km_counts: pd.DataFrame
    sbg_counts: pd.DataFrame
    set_aside: tuple[SetAside, ...] = ()


@frozen(kw_only=True, eq=False)
class Figures:
    """
    Every additive figure, finished from the sums of a `Partial`.

    Each attribute equals what the single-ledger function returns on the
    ledger of all the customers, to the last unit and bit.

    Attributes
    ----------
    bridge : pandas.DataFrame
        ``ledger.bridge(led, by=by)``.
    movement_totals : pandas.DataFrame
        ``ledger.movements(led)`` summed per ``month`` and ``movement``:
        ``mrr_change`` (int64) and ``movements`` (count); only the pairs that
        occur.
    rates : pandas.DataFrame
        ``churn.rates(led, by=by, period=period, window=window)``.
    cohort_retention : pandas.DataFrame
        ``cohorts.retention(led, by=by, cohort=cohort)``.
    survival : pandas.DataFrame
        ``survival.kaplan_meier(lt.age, lt.observed, groups=lt[by])`` with
        ``lt = survival.lifetimes(led, by=by)`` (no groups without `by`).
    sbg : SbgFit or pandas.DataFrame
        ``survival.sbg_fit_lifetimes`` on the same lifetimes and groups.
    set_aside : tuple of SetAside
        ``led.set_aside``: what the ledgers could not show, counted (entries
        of the same table, rule, unit and detail added up across blocks).
    """

    bridge: pd.DataFrame
    movement_totals: pd.DataFrame
    rates: pd.DataFrame
    cohort_retention: pd.DataFrame
    survival: pd.DataFrame
    sbg: SbgFit | pd.DataFrame
    currency: str | None
    by: tuple[str, ...]
    _cells: _Cells = field(alias="cells", repr=False)
    set_aside: tuple[SetAside, ...] = ()

    def triangle(self, value: str = "logo_retention") -> pd.DataFrame:
        """
        Return the cohort triangle of `value`, as ``cohorts.triangle`` does.

        Parameters
        ----------
        value : str, default 'logo_retention'
            One of ``cohorts.RETENTION_COLUMNS``.

        Returns
        -------
        pandas.DataFrame
            Cohorts (and segments) by age; unobserved cells missing.
        """
        if value not in RETENTION_COLUMNS:
            msg = f"'value' must be one of {list(RETENTION_COLUMNS)}, got {value!r}"
            raise ValueError(msg)
        return _triangle_frame(self._cells, value, list(self.by), self.currency)


def _names(by: str | Sequence[str] | None) -> list[str]:
    check_by(by)
    return [by] if isinstance(by, str) else list(by or ())


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """Move the index into columns."""
    return frame.reset_index()


def partial(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    cohort: CohortGrain = "month",
) -> Partial:
    """Return the `Partial` of one ledger (see `ledger.partial`)."""
    from ._lifetimes import lifetimes

    names = _names(by)
    _grain(period)
    if ledger.last_month is None:
        msg = "the ledger is empty; it has no horizon: leave it out before combining"
        raise ValueError(msg)
    mv = movements(ledger)
    moved = mv.groupby(["month", "movement"], observed=True, sort=True)
    movement_totals = pd.DataFrame(
        {
            "mrr_change": moved["mrr_change"].sum().astype(np.int64),
            "movements": moved.size().astype(np.int64),
        }
    )
    tables = []
    for split in (names, []):
        totals = period_totals(ledger, by=split or None, period=period)
        earlier = _retention_sums(ledger, totals, split)
        tables.append(pd.concat([totals, earlier], axis=1))
    lt = lifetimes(ledger, by=names or None)
    code, labels = group_codes(lt[names] if names else None, len(lt))
    duration = lt["age"].to_numpy(np.float64)
    event = lt["observed"].to_numpy(np.bool_)
    group, time, removed, events, censored, entered = row_counts(
        code, duration, event, None
    )
    km: dict[str, Any] = _labels_at(labels, group)
    km["time"] = time.astype(np.int64)
    km["removed"] = removed.astype(np.int64)
    km["events"] = events.astype(np.int64)
    km["censored"] = censored.astype(np.int64)
    km["entered"] = np.rint(entered).astype(np.int64)
    width = int(duration.max()) + 1 if len(duration) else 1
    cell = code * width + duration.astype(np.int64)
    n_groups = 1 if labels is None else len(labels)
    lost = np.bincount(cell[event], minlength=n_groups * width)
    still = np.bincount(cell[~event], minlength=n_groups * width)
    present = np.flatnonzero((lost > 0) | (still > 0))
    sbg: dict[str, Any] = _labels_at(labels, present // width)
    sbg["period"] = (present % width).astype(np.int64)
    sbg["lost"] = lost[present].astype(np.int64)
    sbg["still"] = still[present].astype(np.int64)
    return Partial(
        currency=ledger.currency,
        conventions=ledger.conventions,
        last_month=ledger.last_month,
        by=tuple(names),
        period=period,
        cohort=cohort,
        customers=len(ledger.customers),
        bridge=bridge(ledger, by=names or None),
        movement_totals=movement_totals,
        totals=tables[0],
        overall=tables[1],
        cells=_cells(ledger, names, cohort, None),
        km_counts=pd.DataFrame(km),
        sbg_counts=pd.DataFrame(sbg),
        set_aside=ledger.set_aside,
    )


def _labels_at(labels: pd.DataFrame | None, rows: Int64Array) -> dict[str, Any]:
    """Return the label columns of `labels` at `rows` (none without labels)."""
    if labels is None:
        return {}
    return {c: labels[c].take(rows).reset_index(drop=True) for c in labels.columns}


def _index(labels: pd.DataFrame | None, rows: Int64Array, inner: pd.Index) -> pd.Index:
    """Build the (labels..., inner) index, or just `inner` without labels."""
    if labels is None:
        return inner
    arrays = [pd.Index(labels[c].take(rows), name=c) for c in labels.columns]
    return pd.MultiIndex.from_arrays([*arrays, inner])


def _add_up(
    frames: Sequence[pd.DataFrame],
    names: list[str],
    key: Int64Array,
    columns: Iterable[str],
    *,
    dense: bool,
) -> tuple[pd.DataFrame | None, Int64Array, Int64Array, dict[str, Int64Array]]:
    """
    Add up the columns of long frames per (segment labels, integer key).

    Returns the labels (one row per segment, in the order every figure sorts
    segments: by value, missing last), and per cell its segment, its key and
    the exact int64 sums. With `dense`, every segment has every key from the
    smallest to the largest (missing cells are 0); otherwise only the cells
    that occur.
    """
    long = _concat(frames, names)
    code, labels = group_codes(long[names] if names else None, len(long))
    n_groups = 1 if labels is None else len(labels)
    lo = int(key.min()) if len(key) else 0
    n_keys = int(key.max()) - lo + 1 if len(key) else 0
    cell = code * n_keys + (key - lo)
    if dense:
        size = n_groups * n_keys
        index = cell
        cells = np.arange(size, dtype=np.int64)
    else:
        cells, inverse = np.unique(cell, return_inverse=True)
        index = inverse.reshape(-1).astype(np.int64)
        size = len(cells)
    sums = {c: k.sum_by_key(index, long[c].to_numpy(np.int64), size) for c in columns}
    if not n_keys:
        return labels, np.zeros(0, np.int64), np.zeros(0, np.int64), sums
    return labels, cells // n_keys, cells % n_keys + lo, sums


def _concat(frames: Sequence[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    """
    Concatenate long frames, label columns in the dtype one ledger would give.

    A block whose customers all lack a label holds it in an object column;
    it takes the dtype the blocks with values agree on, so the labels of the
    sum have the dtype of the labels of one ledger of all the customers.
    """
    aligned = list(frames)
    for name in names:
        dtypes = {f[name].dtype for f in aligned if f[name].notna().any()}
        if len(dtypes) != 1:
            continue
        (dtype,) = dtypes
        aligned = [
            f if f[name].dtype == dtype else f.assign(**{name: f[name].astype(dtype)})
            for f in aligned
        ]
    return pd.concat(aligned, ignore_index=True)


def _ordinals(values: pd.Series | pd.Index) -> Int64Array:
    return np.asarray(pd.PeriodIndex(values).asi8, np.int64)


def combine(partials: Iterable[Partial]) -> Partial:
    """Add up the `Partial` of blocks of customers (see `ledger.combine`)."""
    parts = list(partials)
    if not parts:
        msg = "'partials' must hold at least one Partial"
        raise ValueError(msg)
    head = parts[0]
    for name in ("currency", "conventions", "last_month", "by", "period", "cohort"):
        differ = {repr(getattr(p, name)) for p in parts}
        if len(differ) > 1:
            msg = (
                f"the partials must share their {name!r} to be added up, "
                f"got {sorted(differ)}"
            )
            raise ValueError(msg)
    if len(parts) == 1:
        return head
    names = list(head.by)
    return Partial(
        currency=head.currency,
        conventions=head.conventions,
        last_month=head.last_month,
        by=head.by,
        period=head.period,
        cohort=head.cohort,
        customers=sum(p.customers for p in parts),
        bridge=_combine_bridge([p.bridge for p in parts], names),
        movement_totals=_combine_movements([p.movement_totals for p in parts]),
        totals=_combine_totals([p.totals for p in parts], names, head.period),
        overall=_combine_totals([p.overall for p in parts], [], head.period),
        cells=_combine_cells([p.cells for p in parts], names, head.cohort),
        km_counts=_combine_sparse(
            [p.km_counts for p in parts], names, "time", _KM_COUNTS
        ),
        sbg_counts=_combine_sparse(
            [p.sbg_counts for p in parts], names, "period", ("lost", "still")
        ),
        set_aside=combine_set_aside(entry for p in parts for entry in p.set_aside),
    )


def combine_set_aside(entries: Iterable[SetAside]) -> tuple[SetAside, ...]:
    """
    Add up set-aside entries of blocks: one per table, rule, unit and detail.

    The count is the sum; the examples are the first `MAX_EXAMPLES` of the
    entries' examples in the order given. Entries keep the order in which
    their key first appears.
    """
    merged: dict[tuple[str, str, str, str], tuple[int, list[str]]] = {}
    for entry in entries:
        key = (entry.table, entry.rule, entry.unit, entry.detail)
        count, examples = merged.get(key, (0, []))
        room = MAX_EXAMPLES - len(examples)
        merged[key] = (count + entry.count, examples + list(entry.examples[:room]))
    return tuple(
        SetAside(
            table=table,
            rule=rule,
            count=count,
            examples=tuple(examples),
            detail=detail,
            unit=unit,
        )
        for (table, rule, unit, detail), (count, examples) in merged.items()
    )


def _combine_bridge(frames: list[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    longs = [_long(f) for f in frames]
    key = np.concatenate([_ordinals(f["month"]) for f in longs])
    labels, segment, month, sums = _add_up(
        longs, names, key, BRIDGE_COLUMNS, dense=True
    )
    index = _index(labels, segment, ordinal_to_period(month).rename("month"))
    out = pd.DataFrame(sums, index=index, columns=list(BRIDGE_COLUMNS))
    out.attrs["currency"] = frames[0].attrs.get("currency")
    return out


def _combine_movements(frames: list[pd.DataFrame]) -> pd.DataFrame:
    long = pd.concat(frames)
    grouped = long.groupby(level=["month", "movement"], observed=True, sort=True)
    return grouped.sum().astype(np.int64)


def _combine_totals(
    frames: list[pd.DataFrame], names: list[str], period: Grain
) -> pd.DataFrame:
    freq, _ = _grain(period)
    longs = [_long(f) for f in frames]
    key = np.concatenate([_ordinals(f["period"]) for f in longs])
    additive = [c for c in frames[0].columns if c not in _PER_PERIOD]
    labels, segment, ordinal, sums = _add_up(longs, names, key, additive, dense=True)
    # Months covered, end month and partial flag depend on the period alone:
    # every block that has the period agrees on them but the months covered
    # of a first period, which the earliest block covers most.
    long = pd.concat(longs, ignore_index=True)
    per = long.groupby(key, sort=True).agg(
        months=("months", "max"),
        end_month=("end_month", "first"),
        partial=("partial", "first"),
    )
    per = per.reindex(ordinal)
    periods = pd.PeriodIndex(
        pd.arrays.PeriodArray(ordinal, dtype=pd.PeriodDtype(freq)), name="period"
    )
    out = pd.DataFrame(sums, index=_index(labels, segment, periods))
    out["months"] = per["months"].to_numpy(np.int64)
    order = [c for c in frames[0].columns if c in out.columns or c in _PER_PERIOD]
    out["end_month"] = per["end_month"].array
    out["partial"] = per["partial"].to_numpy(np.bool_)
    out = out[order]
    if names:
        # Index the rows as `period_totals` does (a group-by over the label
        # and period arrays), so that missing labels are represented alike.
        keys = [out.index.get_level_values(name) for name in names]
        grouped = out.groupby([*keys, periods], sort=True, dropna=False)
        out = grouped.first()
        out.index = out.index.set_names([*names, "period"])
    return out


def _combine_sparse(
    frames: list[pd.DataFrame], names: list[str], key: str, columns: Sequence[str]
) -> pd.DataFrame:
    keys = np.concatenate([f[key].to_numpy(np.int64) for f in frames])
    labels, segment, at, sums = _add_up(frames, names, keys, columns, dense=False)
    out: dict[str, Any] = _labels_at(labels, segment)
    out[key] = at
    out.update(sums)
    return pd.DataFrame(out)


def _combine_cells(cells: list[_Cells], names: list[str], cohort: str) -> _Cells:
    freq = _COHORT_FREQ[cohort]
    frames = []
    for c in cells:
        frame = pd.DataFrame({"cohort": c.cohort})
        if c.labels is not None:
            frame = pd.concat([frame, c.labels.reset_index(drop=True)], axis=1)
        frames.append(frame)
    long = _concat(frames, names)
    code, labels = group_codes(long, len(long))
    if labels is None:  # pragma: no cover - the cohort column is always there
        msg = "cohort cells without cohorts"
        raise ValueError(msg)
    n_groups = len(labels)
    width = max(c.active.shape[1] for c in cells)
    customers = np.zeros(n_groups, np.int64)
    mrr_start = np.zeros(n_groups, np.int64)
    last_age = np.full(n_groups, np.iinfo(np.int64).max, np.int64)
    arrays = {name: np.zeros((n_groups, width), np.int64) for name in _CELL_ARRAYS}
    at = 0
    for c in cells:
        rows = code[at : at + len(c.customers)]
        at += len(c.customers)
        np.add.at(customers, rows, c.customers)
        np.add.at(mrr_start, rows, c.mrr_start)
        np.minimum.at(last_age, rows, c.last_age)
        for name in _CELL_ARRAYS:
            block = getattr(c, name)
            arrays[name][rows, : block.shape[1]] += block
    # Ages past every group's last observed age are not shown; the width is
    # what one ledger of all the customers would have.
    n_ages = int(last_age.max()) + 1 if n_groups else 0
    rest = labels.drop(columns="cohort").reset_index(drop=True)
    return _Cells(
        cohort=pd.PeriodIndex(labels["cohort"], freq=freq),
        labels=rest if names else None,
        customers=customers,
        mrr_start=mrr_start,
        last_age=last_age,
        **{name: a[:, :n_ages] for name, a in arrays.items()},
    )


_CELL_ARRAYS: Final = ("active", "mrr", "capped")
_COHORT_FREQ: Final = {"month": "M", "quarter": "Q", "year": "Y"}


def finish(partial: Partial, *, window: int = 1, total: bool = True) -> Figures:
    """Finish every figure from the sums of `partial` (see `ledger.finish`)."""
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        msg = f"'window' must be a positive int, got {window!r}"
        raise ValueError(msg)
    names = list(partial.by)
    currency = partial.currency
    rates = finish_rates_of(partial, window=window, total=total)
    km = partial.km_counts
    code, labels = group_codes(km[names] if names else None, len(km))
    table = finish_table(
        code,
        km["time"].to_numpy(np.float64),
        km["removed"].to_numpy(np.float64),
        km["events"].to_numpy(np.int64),
        km["censored"].to_numpy(np.int64),
        km["entered"].to_numpy(np.float64),
        1.0 - check_alpha(0.95, name="level"),
    )
    if table["emptied"].any():
        _warn_emptied(table, labels, integral=True)
    curves = _frame(table, labels, integral=True)
    sb = partial.sbg_counts
    code, labels = group_codes(sb[names] if names else None, len(sb))
    n_groups = 1 if labels is None else len(labels)
    width = int(sb["period"].max()) + 1 if len(sb) else 1
    cell = code * width + sb["period"].to_numpy(np.int64)
    lost = k.sum_by_key(cell, sb["lost"].to_numpy(np.int64), n_groups * width)
    still = k.sum_by_key(cell, sb["still"].to_numpy(np.int64), n_groups * width)
    fits = fit_counts(
        lost.reshape(n_groups, width).astype(np.float64),
        still.reshape(n_groups, width).astype(np.float64),
    )
    bridge_frame = partial.bridge.copy()
    bridge_frame.attrs["currency"] = currency
    movement_totals = partial.movement_totals.copy()
    movement_totals.attrs["currency"] = currency
    return Figures(
        bridge=bridge_frame,
        movement_totals=movement_totals,
        rates=rates,
        cohort_retention=_retention_frame(partial.cells, names, currency),
        survival=curves,
        sbg=fits_table(fits, labels),
        currency=currency,
        by=partial.by,
        cells=partial.cells,
        set_aside=partial.set_aside,
    )


def finish_rates_of(partial: Partial, *, window: int, total: bool) -> pd.DataFrame:
    """Finish the rates of `partial`: ``churn.rates`` of its period and segments."""
    names = list(partial.by)
    split = _rate_frame(partial.totals, names, window, partial.conventions)
    if names and total:
        overall = _rate_frame(partial.overall, [], window, partial.conventions)
        rates = with_total(split, overall, names, partial.currency)
    else:
        rates = split
    rates.attrs["currency"] = partial.currency
    return rates


def _rate_frame(
    table: pd.DataFrame, names: list[str], window: int, conventions: Conventions
) -> pd.DataFrame:
    totals = table.drop(columns=list(_RETENTION_SUMS))
    earlier = table[list(_RETENTION_SUMS)]
    out = finish_rates(totals, earlier, names, window=window, conventions=conventions)
    return out
