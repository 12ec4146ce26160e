"""Exact int64 sums of money, and the error raised when a sum would overflow.

Money is int64 minor units, so any sum of amounts must stay within
``2**63 - 1`` (about 9.2e18) minor units. numpy and pandas wrap around
silently when it does not; these helpers detect it.

The fast path is one bound: if ``max|x| * len(x)`` fits, every sum of any
subset of the values fits, and nothing else is computed. Only when the bound
fails are the sums redone exactly, split into high and low 32-bit halves whose
partial sums cannot overflow, so the check stays vectorised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._errors import MAX_EXAMPLES, InvalidTableError, Problem

__all__ = [
    "INT64_MAX",
    "MoneyOverflowError",
    "bound_fits",
    "check_total_fits",
    "checked_sum_runs",
    "exact_total",
    "overflow_problem",
]

INT64_MAX = 2**63 - 1
_LOW = np.int64(0xFFFFFFFF)

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class MoneyOverflowError(InvalidTableError):
    """
    Raised when a sum of money would not fit in int64 minor units.

    Exact money is int64 minor units, so a total (of a customer, a month, a
    segment, a team, ...) may not exceed ``2**63 - 1`` minor units, about
    9.2e18. Rather than wrap around to a wrong number, the library refuses
    the input and names the table, the column and the customers or rows
    whose amounts make the sum too large. It subclasses `InvalidTableError`
    (and so `ValueError`).

    Attributes
    ----------
    problems : tuple of Problem
        The sums that do not fit, as for `InvalidTableError`.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, MoneyOverflowError
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-01-20"]), "end": pd.NaT,
    ...     "mrr": [2**62, 2**62], "currency": "USD"})
    >>> try:
    ...     Ledger.from_subscriptions(subs)
    ... except MoneyOverflowError as err:
    ...     print(err.problems[0].column, err.problems[0].examples)
    mrr ('c1', 'c2')
    """


MoneyOverflowError.__module__ = "subscription_metrics"


def bound_fits(values: npt.NDArray[np.integer[Any]], terms: int | None = None) -> bool:
    """Whether every sum of up to `terms` (default: all) of `values` surely fits."""
    if not len(values):
        return True
    largest = max(int(values.max()), -int(values.min()))
    return largest * (len(values) if terms is None else terms) <= INT64_MAX


def _halves(values: Int64Array) -> tuple[Int64Array, Int64Array]:
    """Split int64 values into high (signed) and low (unsigned) 32-bit halves."""
    values = np.asarray(values, np.int64)
    return values >> 32, values & _LOW


def _join(high: Int64Array, low: Int64Array) -> tuple[Int64Array, BoolArray]:
    """Recombine summed halves; flag the sums that do not fit in int64."""
    top = high + (low >> 32)
    overflow = (top < -(2**31)) | (top >= 2**31)
    return (top << 32) | (low & _LOW), overflow


def exact_total(values: npt.NDArray[np.integer[Any]]) -> int:
    """Return the exact sum of int64 `values` as a Python int (never wraps)."""
    high, low = _halves(np.asarray(values, np.int64))
    return int(high.sum()) * 2**32 + int(low.sum())


def _sum_few_repeats(values: Int64Array, starts: BoolArray) -> Int64Array | None:
    """
    Sum runs where few rows repeat the one before (None when many do).

    The run heads are kept and each repeated row is added to its head, so the
    only new array of the input's length is the result; the caller has
    checked that no sum overflows. Runs longer than a few rows (or repeats
    in more than one row in eight) go to `numpy.add.reduceat` instead.
    """
    repeat = np.flatnonzero(~starts)
    if len(repeat) * 8 > len(values) or not starts[0]:
        return None
    head = repeat - 1  # repeats never start the array: starts[0] is True
    for _ in range(8):
        inside = ~starts[head]
        if not inside.any():
            break
        head[inside] -= 1
    else:
        return None
    # A head's place among the heads: its row less the repeats before it.
    place = head - np.searchsorted(repeat, head)
    out = values[starts]
    np.add.at(out, place, values[repeat])
    return out


def checked_sum_runs(
    values: Int64Array, starts: BoolArray
) -> tuple[Int64Array, BoolArray | None]:
    """
    Return the sums of the runs of `values` that begin where `starts` is True.

    Returns the sums and, when some could overflow, a mask of the runs whose
    true sum does not fit in int64 (None when the fast bound holds).
    """
    if not len(values):
        return values.copy(), None
    # The bound over all values needs no allocation; the longest run, two.
    fits = bound_fits(values)
    if fits:
        few = _sum_few_repeats(values, starts)
        if few is not None:
            return few, None
    first = np.flatnonzero(starts)
    if fits or bound_fits(values, int(np.diff(np.append(first, len(values))).max())):
        return np.add.reduceat(values, first), None
    high, low = _halves(values)
    sums, overflow = _join(np.add.reduceat(high, first), np.add.reduceat(low, first))
    return sums, overflow


def overflow_problem(
    *,
    table: str,
    column: str,
    magnitude: npt.NDArray[np.float64],
    labels: Sequence[object] | npt.NDArray[Any],
    unit: str = "row",
    what: str = "amounts",
    count: int | None = None,
) -> Problem:
    """
    Describe a sum that does not fit: the largest contributors, biggest first.

    `magnitude` holds each label's share of the sum (its absolute amount);
    the count is how many of the largest it takes to exceed int64, unless
    `count` is given (when each label overflows on its own).
    """
    order = np.argsort(-magnitude, kind="stable")
    if count is None:
        running = np.cumsum(magnitude[order])
        count = int(np.searchsorted(running, 2.0**63, side="left")) + 1
    needed = min(max(count, 1), len(order))
    shown = np.asarray(labels, dtype=object)[order[: min(needed, MAX_EXAMPLES)]]
    return Problem(
        table=table,
        column=column,
        rule="sums fit in int64",
        count=needed,
        unit=unit,
        examples=tuple(str(v) for v in shown),
        detail=(
            f"their {what} add up to more than 2**63 - 1 minor units (about "
            "9.2e18), the most exact int64 money holds; check that the amounts "
            "are minor units of the right currency"
        ),
    )


def check_total_fits(
    values: npt.NDArray[np.integer[Any]],
    *,
    table: str,
    column: str,
    labels: Sequence[object] | npt.NDArray[Any],
    codes: npt.NDArray[np.integer[Any]] | None = None,
    unit: str = "row",
    what: str = "amounts",
) -> None:
    """
    Raise `MoneyOverflowError` unless the sum of ``|values|`` fits in int64.

    Then every sum of any subset of `values`, with any signs, fits too, so
    the group sums computed afterwards are exact. `labels` names each value
    (row labels), or each code when `codes` groups the values (for example
    one label per customer).
    """
    values = np.asarray(values, np.int64)
    if bound_fits(values):
        return
    positive = values >= 0
    total = exact_total(values[positive]) - exact_total(values[~positive])
    if total <= INT64_MAX:
        return
    magnitude = np.abs(values.astype(np.float64))
    if codes is not None:
        magnitude = np.bincount(codes, weights=magnitude, minlength=len(labels))
    raise MoneyOverflowError(
        [
            overflow_problem(
                table=table,
                column=column,
                magnitude=magnitude,
                labels=labels,
                unit=unit,
                what=what,
            )
        ]
    )
