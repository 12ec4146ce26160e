"""Kaplan-Meier survival curves for many groups in one vectorised pass.

The estimator follows lifelines' conventions (deaths at a time are pooled,
subjects censored at a time are still at risk at it, late entrants are not at
risk at their entry time, Greenwood variance, log-log interval), so curves can
be checked against it, but every group is estimated in the same numpy pass:
the subjects are reduced to one row per (group, distinct time) with
`numpy.unique` and `numpy.bincount`, and products and sums over time are
cumulative sums that restart at each group's first row. No Python loop runs
per group, per time or per subject.
"""

from __future__ import annotations

import warnings
from typing import Any, Final, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import ndtri

from ._columns import ColumnSpec, TableSchema
from ._kernels import search_sorted
from ._warnings import EmptyRiskSetWarning

__all__ = [
    "CURVE_COLUMNS",
    "kaplan_meier",
    "median_lifetime",
    "survival_at",
]

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
IntArray: TypeAlias = "npt.NDArray[np.int64]"
BoolArray: TypeAlias = "npt.NDArray[np.bool_]"
GroupsLike: TypeAlias = "npt.ArrayLike | pd.Series[Any] | pd.DataFrame | None"

CURVE_COLUMNS: Final = (
    "at_risk",
    "events",
    "censored",
    "entered",
    "survival",
    "variance",
    "lower",
    "upper",
)
"""Columns of the table `kaplan_meier` returns, in order."""

_BAND: Final = ("survival", "lower", "upper")
_SHOWN: Final = 5  # offending positions quoted in an error message


# --------------------------------------------------------------------------
# Validation shared with the sBG fits
# --------------------------------------------------------------------------


def offending(
    mask: BoolArray, values: npt.NDArray[Any], *, name: str, rule: str
) -> None:
    """
    Raise ``ValueError`` if *mask* flags any element of *values*.

    The message names the argument, the rule, how many values break it, and
    the first few positions with the first offending value.
    """
    if not mask.any():
        return
    where = np.flatnonzero(mask)
    if mask.ndim > 1:
        cells = zip(*np.unravel_index(where[:_SHOWN], mask.shape), strict=True)
        shown = ", ".join(str(tuple(int(i) for i in cell)) for cell in cells)
    else:
        shown = ", ".join(str(i) for i in where[:_SHOWN])
    more = ", ..." if len(where) > _SHOWN else ""
    first = values.ravel()[where[0]].item()
    plural = "value breaks" if len(where) == 1 else "values break"
    msg = (
        f"{name!r} must {rule}: {len(where)} {plural} it, at positions "
        f"[{shown}{more}] (first: {first!r})"
    )
    raise ValueError(msg)


def numbers(value: object, *, name: str) -> tuple[FloatArray, bool]:
    """
    Return *value* as a finite 1-d float64 array, and whether it was integer.

    Raises ``TypeError`` for booleans, text and other non-numeric input, and
    ``ValueError`` naming the positions of NaN or infinite values.
    """
    msg = f"{name!r} must be numeric, got {type(value).__name__}"
    if value is None or isinstance(value, str | bytes | bool | np.bool_):
        raise TypeError(msg)
    if isinstance(value, pd.Series | pd.Index) and pd.api.types.is_bool_dtype(
        value.dtype
    ):
        msg = f"{name!r} must be numeric, got dtype {value.dtype}"
        raise TypeError(msg)
    raw = _plain(value)
    try:
        array = np.asarray(raw)
        if array.dtype.kind == "O":
            array = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(msg) from exc
    if array.dtype.kind not in "iuf":
        msg = f"{name!r} must be numeric, got dtype {array.dtype}"
        raise TypeError(msg)
    if array.ndim != 1:
        msg = f"{name!r} must be one-dimensional, got shape {array.shape}"
        raise ValueError(msg)
    floats = array.astype(np.float64)
    offending(~np.isfinite(floats), floats, name=name, rule="be finite (no NaN or inf)")
    return floats, array.dtype.kind in "iu"


def _plain(value: object) -> object:
    """
    Return a pandas Series or Index as numpy, anything else as it is.

    Missing values in numeric or boolean (nullable) dtypes become NaN, so the
    checks can name their positions.
    """
    if not isinstance(value, pd.Series | pd.Index):
        return value
    numeric = pd.api.types.is_numeric_dtype(value.dtype)
    if numeric and value.hasnans:
        return value.to_numpy(dtype=np.float64, na_value=np.nan)
    return value.to_numpy()


def flags(value: object, *, name: str) -> BoolArray:
    """Return *value* as a 1-d bool array; only True/False or 1/0 are accepted."""
    if isinstance(value, str | bytes) or value is None:
        msg = f"{name!r} must be booleans or 0/1, got {type(value).__name__}"
        raise TypeError(msg)
    array = np.asarray(_plain(value))
    if array.ndim != 1:
        msg = f"{name!r} must be one-dimensional, got shape {array.shape}"
        raise ValueError(msg)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            msg = f"{name!r} must be booleans or 0/1 (NaN or NA not allowed)"
            raise TypeError(msg) from exc
    if array.dtype.kind not in "iuf":
        msg = f"{name!r} must be booleans or 0/1, got dtype {array.dtype}"
        raise TypeError(msg)
    offending((array != 0) & (array != 1), array, name=name, rule="be 0/1 or boolean")
    result: BoolArray = array == 1
    return result


def check_lengths(lengths: dict[str, int]) -> int:
    """Return the common length of the named arguments, or raise naming them."""
    values = set(lengths.values())
    if len(values) > 1:
        shown = ", ".join(f"{name!r} has {n}" for name, n in lengths.items())
        msg = f"arguments must have the same length: {shown}"
        raise ValueError(msg)
    return values.pop()


def check_alpha(alpha: float, *, name: str = "alpha") -> float:
    """Return *alpha* as a float, or raise unless it is strictly in (0, 1)."""
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.floating):
        msg = f"{name!r} must be a number in (0, 1), got {alpha!r}"
        raise TypeError(msg)
    if not 0 < alpha < 1:
        msg = f"{name!r} must be in (0, 1), got {alpha!r}"
        raise ValueError(msg)
    return float(alpha)


def group_codes(groups: GroupsLike, n: int) -> tuple[IntArray, pd.DataFrame | None]:
    """
    Code the group labels of *n* subjects as ``0 .. G-1`` in sorted label order.

    Returns the codes and a frame of the labels with one row per code (its
    columns are the group level names), or ``(zeros, None)`` without groups.
    Missing labels form a group of their own, sorted last.
    """
    if groups is None:
        return np.zeros(n, np.int64), None
    if isinstance(groups, pd.DataFrame):
        frame = groups.reset_index(drop=True)
    else:
        name = groups.name if isinstance(groups, pd.Series) else None
        column = name if name is not None else "group"
        values = groups.to_numpy() if isinstance(groups, pd.Series) else groups
        array = np.asarray(values)
        if array.ndim != 1:
            msg = f"'groups' must be one-dimensional or a DataFrame, got {array.shape}"
            raise ValueError(msg)
        frame = pd.DataFrame({column: pd.Series(array, copy=False)})
    check_lengths({"durations": n, "groups": len(frame)})
    if frame.shape[1] == 0:
        msg = "'groups' must have at least one column"
        raise ValueError(msg)
    combined = np.zeros(n, np.int64)
    uniques: list[pd.Index[Any]] = []
    for column in frame.columns:
        codes, levels = pd.factorize(frame[column], sort=True, use_na_sentinel=False)
        combined = combined * (len(levels) + 1) + codes.astype(np.int64)
        uniques.append(pd.Index(levels))
    keys, code = np.unique(combined, return_inverse=True)
    labels = {}
    rest = keys
    for column, levels in reversed(list(zip(frame.columns, uniques, strict=True))):
        labels[column] = levels.take(rest % (len(levels) + 1))
        rest = rest // (len(levels) + 1)
    label_frame = pd.DataFrame({c: labels[c] for c in frame.columns})
    return code.astype(np.int64).reshape(-1), label_frame


# --------------------------------------------------------------------------
# Grouped cumulative sums
# --------------------------------------------------------------------------


def _first_rows(group: IntArray) -> BoolArray:
    """Mark each row that starts a run of equal *group* values."""
    first = np.ones(len(group), np.bool_)
    first[1:] = group[1:] != group[:-1]
    return first


def _cumsum_within(values: FloatArray, first: BoolArray) -> FloatArray:
    """Inclusive cumulative sum of *values* that restarts at every *first* row."""
    total = np.cumsum(values)
    start = np.flatnonzero(first)
    before = (total - values)[start]
    owner = np.cumsum(first) - 1
    out: FloatArray = total - before[owner]
    return out


# --------------------------------------------------------------------------
# Kaplan-Meier
# --------------------------------------------------------------------------


def kaplan_meier(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    *,
    entry: npt.ArrayLike | None = None,
    groups: GroupsLike = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """
    Estimate Kaplan-Meier survival curves, one per group, in one call.

    ``S(t)`` is the probability that a subject's lifetime exceeds ``t``: the
    product over the distinct times ``s <= t`` of ``1 - d(s) / n(s)``, with
    ``d`` the churn events at ``s`` and ``n`` the subjects at risk just
    before them. Censored subjects (churn not seen yet) count as long as they
    were observed, which is what the share of customers still active gets
    wrong.

    Parameters
    ----------
    durations : array-like of float
        Time from each subject's start to its churn, or to the end of its
        observation when the churn was not seen (months, usually whole).
        Must be >= 0.
    observed : array-like of bool
        True (or 1) when the churn was seen at `durations`, False (or 0)
        when the subject was right-censored there.
    entry : array-like of float, optional
        Late entry (left truncation): the time since the subject's start at
        which it came under observation, ``0 <= entry <= durations``. For
        customers who started before the data begins, give their age at the
        first month of data. By default every subject is observed from 0.
    groups : array-like or pandas.DataFrame, optional
        A label per subject (or a frame with one column per label level);
        one curve is estimated per distinct label (combination). Missing
        labels form a group of their own.
    level : float, default 0.95
        Probability of the pointwise confidence interval, in (0, 1), as
        everywhere else in the library (``level=0.95`` is a 95% interval).

    Returns
    -------
    pandas.DataFrame
        One row per group and distinct time, sorted by them, indexed by the
        group level names (a `groups` Series' name, the frame's columns, or
        ``"group"``) and ``"time"``; just ``"time"`` without `groups`. The
        times of a group are every duration and entry time in it, so each
        curve starts at its earliest entry (0 without `entry`) with
        ``survival == 1`` unless churn happens right then. ``time`` is
        int64 when `durations` (and `entry`) are integers. Columns
        (`CURVE_COLUMNS`):

        - ``at_risk``: subjects at risk of churning at the time;
        - ``events``: churn events seen at the time;
        - ``censored``: subjects censored at the time;
        - ``entered``: subjects whose observation starts at the time;
        - ``survival``: the Kaplan-Meier estimate of ``S(time)``;
        - ``variance``: the Greenwood sum ``sum d / (n (n - d))`` over
          times up to ``time`` (the variance of ``log S``; multiply by
          ``survival ** 2`` for the variance of ``S``); ``inf`` once
          ``survival`` is 0;
        - ``lower``, ``upper``: the `level` interval.

    Raises
    ------
    ValueError
        If the arguments have different lengths, a duration or entry is
        negative, NaN or infinite, `observed` is not 0/1, an entry exceeds
        its duration, or `level` is not in (0, 1). The message names the
        argument, the rule, how many values break it and where.
    TypeError
        If `durations` or `entry` is not numeric or `observed` is not
        boolean or 0/1.

    See Also
    --------
    survival_at : Read the curves at chosen horizons.
    median_lifetime : The median lifetime per group, with its interval.

    Notes
    -----
    Conventions (those of lifelines' ``KaplanMeierFitter``):

    - Churn events at the same time are pooled; subjects censored at ``t``
      are still at risk at ``t`` (churn is taken to come first).
    - A subject entering at ``t`` is not at risk for churn at ``t``; it is
      at risk from the next time on. The exception is a group's first time
      (0 without `entry`), where every entrant is at risk, so a subject
      with ``durations == 0`` that churned counts. A subject whose entry
      equals its duration at a later time is never at risk: it appears in
      ``entered`` but not in ``events`` or ``censored`` (lifelines would
      count its churn against the others at risk).
    - The interval uses the log-log transform ("exponential Greenwood"):
      ``S ** exp(+-z * sqrt(variance) / log(S))``, with ``z`` the
      ``(1 + level) / 2`` normal quantile; it stays inside [0, 1]. Rows with
      ``survival == 1`` get ``(1, 1)``.
    - Once ``survival`` reaches 0 the transform is undefined. There the
      ``lower`` bound is 0 and the ``upper`` bound repeats the last upper
      bound before the curve reached 0 (1 if it dropped to 0 at its first
      time): the survival curve cannot increase, so that bound still holds.
      lifelines drops the infinite Greenwood term and reports ``(0, 0)``,
      an interval of zero width built on the last few subjects.

    Examples
    --------
    >>> from subscription_metrics.survival import kaplan_meier
    >>> curve = kaplan_meier(
    ...     durations=[1, 2, 2, 2, 3, 4, 4, 5],
    ...     observed=[1, 1, 1, 0, 0, 1, 0, 1],
    ... )
    >>> curve[["at_risk", "events", "censored", "survival"]].round(4)
          at_risk  events  censored  survival
    time
    0           8       0         0    1.0000
    1           8       1         0    0.8750
    2           7       2         1    0.6250
    3           4       0         1    0.6250
    4           3       1         1    0.4167
    5           1       1         0    0.0000
    >>> curve.loc[2, ["lower", "upper"]].round(4).tolist()
    [0.2293, 0.8607]

    Several groups in one call:

    >>> plans = ["pro", "pro", "basic", "basic", "pro"]
    >>> curves = kaplan_meier([3, 5, 2, 2, 8], [1, 0, 1, 1, 0], groups=plans)
    >>> curves["survival"].round(3)
    group  time
    basic  0       1.000
           2       0.000
    pro    0       1.000
           3       0.667
           5       0.667
           8       0.667
    Name: survival, dtype: float64
    """
    alpha = 1.0 - check_alpha(level, name="level")
    duration, integral = numbers(durations, name="durations")
    event = flags(observed, name="observed")
    lengths = {"durations": len(duration), "observed": len(event)}
    start: FloatArray | None = None
    if entry is not None:
        start, entry_integral = numbers(entry, name="entry")
        integral = integral and entry_integral
        lengths["entry"] = len(start)
    n = check_lengths(lengths)
    offending(duration < 0, duration, name="durations", rule="be >= 0")
    if start is not None:
        offending(start < 0, start, name="entry", rule="be >= 0")
        offending(start > duration, start, name="entry", rule="be <= durations")
    code, labels = group_codes(groups, n)
    table = _table(code, duration, event, start, alpha)
    if table["emptied"].any():
        _warn_emptied(table, labels, integral=integral)
    return _frame(table, labels, integral=integral)


def _warn_emptied(
    table: dict[str, npt.NDArray[Any]],
    labels: pd.DataFrame | None,
    *,
    integral: bool,
) -> None:
    """Warn once that risk sets emptied before later entries, in how many groups."""
    rows = np.flatnonzero(table["emptied"])
    group = table["group"][rows[0]]
    time = table["time"][rows[0]]
    when = int(time) if integral else float(time)
    if labels is None:
        where = f"the risk set is empty after time {when}"
    else:
        hit = len(np.unique(table["group"][rows]))
        total = len(labels)
        label = tuple(labels.iloc[int(group)])
        shown = label[0] if len(label) == 1 else label
        where = (
            f"in {hit} of {total} groups the risk set empties (first: group "
            f"{shown!r} after time {when})"
        )
    msg = (
        f"Kaplan-Meier: {where} while later subjects have yet to enter; "
        "survival across the gap is unknown, so survival, variance, lower and "
        "upper are NaN from the next time on. Give earlier entry times, or "
        "estimate from the subjects observed after the gap only"
    )
    warnings.warn(msg, EmptyRiskSetWarning, stacklevel=3)


def _time_positions(
    duration: FloatArray, entry: FloatArray
) -> tuple[FloatArray, IntArray, IntArray]:
    """
    Sorted distinct times of `duration` and `entry`, and each one's position.

    Whole-number times in a range not much wider than the data (months, days)
    are placed by a table over the range, in linear time; others by sorting.
    """
    n = len(duration) + len(entry)
    if len(duration):
        low = min(float(duration.min()), float(entry.min()))
        high = max(float(duration.max()), float(entry.max()))
        span = high - low
        whole = np.isfinite(span) and span <= 4 * n + 1024
        whole = whole and bool((np.floor(duration) == duration).all())
        whole = whole and bool((np.floor(entry) == entry).all())
        if whole:
            exit_offset = (duration - low).astype(np.int64)
            entry_offset = (entry - low).astype(np.int64)
            seen = np.zeros(int(span) + 1, np.bool_)
            seen[exit_offset] = True
            seen[entry_offset] = True
            rank = np.cumsum(seen) - 1
            times = np.flatnonzero(seen).astype(np.float64) + low
            return times, rank[exit_offset], rank[entry_offset]
    times = np.unique(np.concatenate([duration, entry]))
    return times, search_sorted(times, duration), search_sorted(times, entry)


def _table(
    code: IntArray,
    duration: FloatArray,
    event: BoolArray,
    start: FloatArray | None,
    alpha: float,
) -> dict[str, npt.NDArray[Any]]:
    """Compute every column of the curves, one row per (group, time)."""
    return finish_table(*row_counts(code, duration, event, start), alpha)


def row_counts(
    code: IntArray,
    duration: FloatArray,
    event: BoolArray,
    start: FloatArray | None,
) -> tuple[IntArray, FloatArray, FloatArray, IntArray, IntArray, FloatArray]:
    """
    Count subjects per (group, time) row: removed, events, censored, entered.

    Returns ``group``, ``time`` and the four counts, one entry per row, sorted
    by group and time. Without `start` the counts of blocks of subjects add
    up row by row (the partial step); with late entry a subject whose entry
    equals its duration counts only at its group's first time, which a block
    cannot know.
    """
    n_groups = int(code.max()) + 1 if len(code) else 0
    sizes = np.bincount(code, minlength=n_groups)
    entry = np.zeros(1) if start is None else start
    times, exit_position, entry_position = _time_positions(duration, entry)
    n_times = len(times)
    exit_key = code * n_times + exit_position
    if start is None:  # everyone enters at 0, the first time of every group
        present = np.flatnonzero(sizes)
        entry_key = present * n_times + entry_position[0]
        entry_weight = sizes[present]
    else:
        entry_key = code * n_times + entry_position
        entry_weight = np.ones(len(start), np.int64)
    if start is None and n_groups == 1:
        # One group observed from 0: every time is one of its rows, in order.
        keys = np.arange(n_times, dtype=np.int64)
        exit_row, entry_row = exit_key, entry_key
    else:
        keys = np.unique(np.concatenate([exit_key, entry_key]))
        exit_row = search_sorted(keys, exit_key)
        entry_row = search_sorted(keys, entry_key)
    n_rows = len(keys)
    group = keys // n_times
    first = _first_rows(group)

    counted = np.ones(len(duration), np.bool_)
    if start is not None:  # entry == duration after the group's first time
        first_row = np.flatnonzero(first)[np.cumsum(first)[entry_row] - 1]
        counted = ~((start == duration) & (entry_row != first_row))
    removed = np.bincount(exit_row, minlength=n_rows).astype(np.float64)
    events = np.bincount(exit_row[counted & event], minlength=n_rows)
    censored = np.bincount(exit_row[counted & ~event], minlength=n_rows)
    entering = np.bincount(entry_row, weights=entry_weight, minlength=n_rows)
    entered = entering.astype(np.float64)
    return group, times[keys % n_times], removed, events, censored, entered


def finish_table(
    group: IntArray,
    time: FloatArray,
    removed: FloatArray,
    events: IntArray,
    censored: IntArray,
    entered: FloatArray,
    alpha: float,
) -> dict[str, npt.NDArray[Any]]:
    """
    Finish the curves from counts per (group, time) row, sorted by them.

    The finish step of `kaplan_meier`: `removed` (subjects leaving at the
    time), `events`, `censored` and `entered` are exact counts, so the counts
    of blocks of subjects add up row by row before this is called.
    """
    first = _first_rows(group)
    entered_before = _cumsum_within(entered, first) - entered
    removed_before = _cumsum_within(removed, first) - removed
    at_risk = np.rint(entered_before + np.where(first, entered, 0) - removed_before)

    d = events.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(at_risk > 0, d / at_risk, 0.0)
        wiped = (d > 0) & (d == at_risk)
        log_factor = np.where(wiped, 0.0, np.log1p(-np.where(wiped, 0.0, ratio)))
        term = np.where((d > 0) & ~wiped, d / (at_risk * (at_risk - d)), 0.0)
    zero = _cumsum_within(wiped.astype(np.float64), first) > 0
    log_s = _cumsum_within(log_factor, first)
    survival = np.where(zero, 0.0, np.exp(log_s))
    variance = np.where(zero, np.inf, _cumsum_within(term, first))
    lower, upper = _bounds(log_s, variance, zero, first, alpha)
    # Nobody under observation after a row that is not the group's last:
    # later subjects entered after a gap the data say nothing about.
    last = np.append(group[1:] != group[:-1], True)
    remaining = np.rint(_cumsum_within(entered - removed, first))
    emptied = (remaining <= 0) & ~last
    after = emptied.astype(np.float64)
    unknown = _cumsum_within(after, first) - after > 0
    for column in (survival, variance, lower, upper):
        column[unknown] = np.nan
    return {
        "emptied": emptied,
        "group": group,
        "time": time,
        "at_risk": at_risk.astype(np.int64),
        "events": events.astype(np.int64),
        "censored": censored.astype(np.int64),
        "entered": np.rint(entered).astype(np.int64),
        "survival": survival,
        "variance": variance,
        "lower": lower,
        "upper": upper,
    }


def _bounds(
    log_s: FloatArray,
    variance: FloatArray,
    zero: BoolArray,
    first: BoolArray,
    alpha: float,
) -> tuple[FloatArray, FloatArray]:
    """Log-log interval; (1, 1) at S = 1; (0, last upper) once S is 0."""
    z = float(ndtri(1 - alpha / 2))
    inside = (log_s < 0) & ~zero
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(inside, z * np.sqrt(variance) / -log_s, 0.0)
        lower = np.where(inside, np.exp(log_s * np.exp(spread)), 1.0)
        upper = np.where(inside, np.exp(log_s * np.exp(-spread)), 1.0)
    if zero.any():
        rows = np.arange(len(log_s))
        last_alive = np.maximum.accumulate(np.where(zero, -1, rows))
        group_start = np.maximum.accumulate(np.where(first, rows, 0))
        carried = np.where(last_alive >= group_start, upper[last_alive], 1.0)
        upper = np.where(zero, carried, upper)
        lower = np.where(zero, 0.0, lower)
    return lower, upper


def _frame(
    table: dict[str, npt.NDArray[Any]],
    labels: pd.DataFrame | None,
    *,
    integral: bool,
) -> pd.DataFrame:
    """Assemble the curves table with its (groups..., time) index."""
    time = table["time"].astype(np.int64) if integral else table["time"]
    time_index = pd.Index(time, name="time")
    index: pd.Index[Any]
    if labels is None:
        index = time_index
    else:
        levels = [labels[c].take(table["group"]) for c in labels.columns]
        arrays = [
            pd.Index(level, name=c)
            for level, c in zip(levels, labels.columns, strict=True)
        ]
        index = pd.MultiIndex.from_arrays([*arrays, time_index])
    return pd.DataFrame({c: table[c] for c in CURVE_COLUMNS}, index=index)


# --------------------------------------------------------------------------
# Reading the curves
# --------------------------------------------------------------------------


def _curve_schema() -> TableSchema:
    """Return the columns `survival_at` and `median_lifetime` read from a curve."""

    def share(doc: str) -> ColumnSpec:
        return ColumnSpec(
            kind="number", required=True, nullable=True, low=0.0, high=1.0, doc=doc
        )

    return TableSchema(
        table="curves",
        columns={
            "time": ColumnSpec(
                kind="number", required=True, nullable=False, low=0.0, doc="Time."
            ),
            "survival": share("The estimate of S(time)."),
            "lower": share("Lower bound of the interval."),
            "upper": share("Upper bound of the interval."),
        },
    )


def _curve_parts(
    curves: pd.DataFrame,
) -> tuple[IntArray, FloatArray, pd.DataFrame | None, list[str], dict[str, FloatArray]]:
    """
    Check a `kaplan_meier` table and split it into groups, times and values.

    Rows may come in any order: they are sorted by group (in label order)
    and time. Returns the row group codes, the
    times, the group labels, the level names and the band columns, all in
    that order.
    """
    from ._errors import InvalidTableError, Problem
    from ._schema import check_frame

    if not isinstance(curves, pd.DataFrame):
        msg = f"'curves' must be a DataFrame from kaplan_meier, got {type(curves)}"
        raise TypeError(msg)
    if curves.index.names[-1] != "time":
        raise InvalidTableError(
            [
                Problem(
                    table="curves",
                    column="time",
                    rule="index ending in 'time'",
                    detail="pass a table from kaplan_meier; index levels "
                    f"are {list(curves.index.names)}",
                )
            ]
        )
    flat = curves.copy(deep=False)
    if not isinstance(flat.columns, pd.MultiIndex):  # check_frame refuses those
        flat["time"] = curves.index.get_level_values(-1).to_numpy()
    checked, problems = check_frame(flat, _curve_schema())
    if problems:
        raise InvalidTableError(problems)
    time = checked["time"].to_numpy(np.float64)
    names = [str(n) for n in curves.index.names[:-1]]
    group = np.zeros(len(curves), np.int64)
    frame = None
    if names:
        frame = curves.index.to_frame(index=False).iloc[:, :-1]
        try:  # groups in label order, as kaplan_meier gives them
            ngroup = frame.groupby(names, sort=True, dropna=False).ngroup()
        except TypeError:  # labels that do not sort: in order of appearance
            ngroup = frame.groupby(names, sort=False, dropna=False).ngroup()
        group = ngroup.to_numpy().astype(np.int64)
    order = np.lexsort((time, group))
    group, time = group[order], time[order]
    values = {c: checked[c].to_numpy(np.float64)[order] for c in _BAND}
    first = _first_rows(group)
    repeated = np.zeros(len(order), np.bool_)
    repeated[order] = ~first & np.append(False, time[1:] == time[:-1])
    with np.errstate(invalid="ignore"):
        rising = np.append(False, values["survival"][1:] > values["survival"][:-1])
    increasing = np.zeros(len(order), np.bool_)
    increasing[order] = ~first & rising
    for mask, column, rule, detail in (
        (repeated, "time", "unique", "each group has one row per time"),
        (
            increasing,
            "survival",
            "not increasing over time",
            "a survival curve never rises",
        ),
    ):
        if mask.any():
            problems.append(
                Problem(
                    table="curves",
                    column=column,
                    rule=rule,
                    count=int(mask.sum()),
                    examples=tuple(str(v) for v in curves.index[mask][:_SHOWN]),
                    detail=detail,
                )
            )
    if problems:
        raise InvalidTableError(problems)
    if frame is None:
        return group, time, None, names, values
    labels = frame.iloc[order].loc[first].reset_index(drop=True)
    return group, time, labels, names, values


def survival_at(curves: pd.DataFrame, times: npt.ArrayLike) -> pd.DataFrame:
    """
    Read survival curves at chosen horizons, for every group.

    Parameters
    ----------
    curves : pandas.DataFrame
        A table from `kaplan_meier` (grouped or not).
    times : array-like of float
        Horizons to read, >= 0, in the curves' time unit; any order.

    Returns
    -------
    pandas.DataFrame
        One row per group and horizon (horizons in the order given), indexed
        like `curves` with ``time`` holding the horizons, and the columns
        ``survival``, ``lower`` and ``upper``. The curves are step functions,
        continuous from the right: at a horizon between two times the value
        at the earlier one holds. Before a group's first time the values are
        1. After its last time they are NaN (unknown, not zero: nobody was
        observed that long) unless the curve had reached 0, which it keeps.

    Raises
    ------
    ValueError
        If a horizon is negative or not finite, or `curves` is not a table
        from `kaplan_meier`.
    TypeError
        If `times` is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import kaplan_meier, survival_at
    >>> curve = kaplan_meier([1, 2, 2, 2, 3, 4, 4, 5], [1, 1, 1, 0, 0, 1, 0, 0])
    >>> survival_at(curve, [0.5, 2.5, 12])["survival"].round(4)
    time
    0.5     1.000
    2.5     0.625
    12.0      NaN
    Name: survival, dtype: float64
    """
    group, time, labels, names, band = _curve_parts(curves)
    horizon, integral = numbers(times, name="times")
    offending(horizon < 0, horizon, name="times", rule="be >= 0")
    n_groups = 1 if labels is None else len(labels)
    query_group = np.repeat(np.arange(n_groups, dtype=np.int64), len(horizon))
    query_time = np.tile(horizon, n_groups)
    values: dict[str, FloatArray] = {}
    if len(group):
        all_times = np.unique(np.concatenate([time, horizon]))
        width = len(all_times)
        curve_key = group * width + np.searchsorted(all_times, time)
        query_key = query_group * width + np.searchsorted(all_times, query_time)
        row = search_sorted(curve_key, query_key, "right") - 1
        safe = np.clip(row, 0, None)
        started = (row >= 0) & (group[safe] == query_group)
        last_row = np.zeros(n_groups, np.int64)
        last_row[group] = np.arange(len(group))
        survival = band["survival"]
        unknown = (
            started
            & (row == last_row[query_group])
            & (query_time > time[safe])
            & (survival[safe] > 0)
        )
        for column in _BAND:
            source = band[column]
            value = np.where(started, source[safe], 1.0)
            values[column] = np.where(unknown, np.nan, value)
    else:  # no curve at all: nothing is known
        values = {column: np.full(len(query_time), np.nan) for column in _BAND}
    horizon_index = pd.Index(query_time.astype(np.int64) if integral else query_time)
    horizon_index = horizon_index.rename("time")
    index: pd.Index[Any]
    if labels is None:
        index = horizon_index
    else:
        arrays = [pd.Index(labels[n].take(query_group), name=n) for n in names]
        index = pd.MultiIndex.from_arrays([*arrays, horizon_index])
    return pd.DataFrame(values, index=index)


def median_lifetime(curves: pd.DataFrame) -> pd.DataFrame | pd.Series[float]:
    """
    Return the median lifetime of each curve, with its confidence interval.

    The median is the first time at which ``survival <= 0.5`` (the usual
    Kaplan-Meier median, as lifelines' ``median_survival_time_``), and
    ``inf`` when the curve never gets there. The interval is read the same
    way off the interval curves, as lifelines'
    ``median_survival_times(confidence_interval_)`` does: the first time
    with ``lower <= 0.5`` bounds the median from below and the first time
    with ``upper <= 0.5`` from above (``inf`` if never).

    Parameters
    ----------
    curves : pandas.DataFrame
        A table from `kaplan_meier`.

    Returns
    -------
    pandas.DataFrame or pandas.Series
        For grouped curves, a frame indexed by the group levels with the
        columns ``median``, ``lower`` and ``upper`` (float; ``inf`` = not
        reached). For ungrouped curves, a Series with those three labels.

    Raises
    ------
    ValueError
        If `curves` is not a table from `kaplan_meier`.

    Examples
    --------
    >>> from subscription_metrics.survival import kaplan_meier, median_lifetime
    >>> curve = kaplan_meier([1, 2, 2, 2, 3, 4, 4, 5], [1, 1, 1, 0, 0, 1, 0, 1])
    >>> median_lifetime(curve)
    median    4.0
    lower     1.0
    upper     inf
    Name: median_lifetime, dtype: float64
    """
    group, time, labels, names, band = _curve_parts(curves)
    n_groups = int(group.max()) + 1 if len(group) else 0
    rows = np.arange(len(group))
    starts = np.flatnonzero(_first_rows(group)) if len(group) else rows
    result: dict[str, FloatArray] = {}

    def first_row(mask: BoolArray) -> IntArray:
        where = np.where(mask, rows, len(group))
        if not len(group):
            return np.zeros(0, np.int64)
        found: IntArray = np.minimum.reduceat(where, starts)
        return found

    for out, column in (("median", "survival"), ("lower", "lower"), ("upper", "upper")):
        values = band[column]
        first_hit = first_row(values <= 0.5)
        first_unknown = first_row(np.isnan(values))
        found = first_hit < len(group)
        padded = np.append(time, np.inf)
        reached = np.where(found, padded[first_hit], np.inf)
        # Unknown (NaN) before the curve reaches 0.5: the median is unknown.
        result[out] = np.where(first_unknown < first_hit, np.nan, reached)
    if labels is None:
        if not n_groups:
            return pd.Series(
                {"median": np.nan, "lower": np.nan, "upper": np.nan},
                name="median_lifetime",
            )
        return pd.Series(
            {k: float(v[0]) for k, v in result.items()}, name="median_lifetime"
        )
    index = (
        pd.MultiIndex.from_frame(labels)
        if len(names) > 1
        else pd.Index(labels[names[0]], name=names[0])
    )
    return pd.DataFrame(result, index=index)
