"""Vectorised numpy kernels shared by the ledger and the metrics built on it.

Everything here works on plain integer arrays: customer codes and month
ordinals (int32 in a ledger, int64 elsewhere) and money in int64 minor units.
No pandas, no Python loop per row.
"""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Final, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from attrs import frozen

__all__ = [
    "ExactSums",
    "dense_rank",
    "exact_sums",
    "float_sum_by_key",
    "float_sum_in_order",
    "group_starts",
    "grouped_cumsum",
    "previous_in_group",
    "search_sorted",
    "sort_by_key",
    "sum_by_key",
    "sum_runs",
    "unique_ints",
    "usable_cpus",
]

G = TypeVar("G", bound=np.generic)
Int64Array = npt.NDArray[np.int64]
IntArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def sort_by_key(
    *keys: npt.NDArray[np.integer[Any]],
) -> tuple[npt.NDArray[np.intp], list[IntArray]]:
    """
    Return the permutation that sorts rows by several non-negative int keys.

    Also returns the keys in sorted order: int32 where a key fits in 31
    bits, int64 otherwise. The keys are packed into one int64 (most
    significant first) together with the row number and sorted in place
    with `numpy.sort`, which is several times faster than a stable
    `numpy.argsort`; the row number keeps the order stable, and the sorted
    keys are unpacked from the packed values rather than gathered (a random
    gather per key costs more than the sort). The row numbers are written in
    blocks, so the only new arrays of the full length are the packed key,
    the permutation and the unpacked keys. Falls back to `numpy.lexsort`
    when the packed key would not fit in 63 bits.
    """
    n = len(keys[0])
    if n == 0:
        return np.zeros(0, np.intp), [np.zeros(0, np.int64) for _ in keys]
    bits = [max(int(key.max()).bit_length(), 1) for key in keys]
    row_bits = max((n - 1).bit_length(), 1)
    if sum(bits) + row_bits > 63 or min(int(key.min()) for key in keys) < 0:
        order = np.lexsort(keys[::-1])
        return order, [np.asarray(key[order], np.int64) for key in keys]
    packed = np.array(keys[0], dtype=np.int64)  # a copy we may modify in place
    for key, width in zip(keys[1:], bits[1:], strict=True):
        packed <<= width
        packed |= key
    packed <<= row_bits
    step = 1 << 16
    for start in range(0, n, step):
        block = packed[start : start + step]
        block |= np.arange(start, start + len(block), dtype=np.int64)
    packed.sort()
    order = packed & ((1 << row_bits) - 1)
    packed >>= row_bits
    unpacked: list[IntArray] = []
    for width in reversed(bits[1:]):
        unpacked.append(_low_bits(packed, width))
        packed >>= width
    unpacked.append(packed.astype(np.int32) if bits[0] <= 31 else packed)
    return order.view(np.intp), unpacked[::-1]


def _low_bits(packed: Int64Array, width: int) -> IntArray:
    """Return the low `width` bits of `packed`: int32 when they fit."""
    mask = (1 << width) - 1
    if width > 31:
        return packed & mask
    out = np.empty(len(packed), np.int32)
    np.bitwise_and(packed, mask, out=out, casting="unsafe")
    return out


def group_starts(*sorted_keys: IntArray) -> BoolArray:
    """Mark where a run of equal key tuples begins (input sorted by the keys)."""
    n = len(sorted_keys[0])
    starts = np.zeros(n, bool)
    if n:
        starts[0] = True
        for key in sorted_keys:
            starts[1:] |= key[1:] != key[:-1]
    return starts


def grouped_cumsum(
    values: IntArray, starts: BoolArray, dtype: type[np.integer[Any]] = np.int64
) -> npt.NDArray[Any]:
    """
    Cumulative sum of *values* (as `dtype`) that restarts where *starts* is True.

    One array of the values' length: each group's first value less the
    previous group's total, then one running sum in place. Integer sums wrap
    alike whatever their order, so every sum that fits in `dtype` is exact.
    """
    total = np.array(values, dtype=dtype)
    if not len(values):
        return total
    first = np.flatnonzero(starts)
    if len(first) > 1:
        sums = np.add.reduceat(total, first, dtype=dtype)
        total[first[1:]] -= sums[:-1]
        del sums
    np.cumsum(total, out=total)
    return total


def sum_runs(values: IntArray, starts: BoolArray) -> Int64Array:
    """Exact int64 sums of the runs of *values* that begin where *starts* is True."""
    if not len(values):
        return np.zeros(0, np.int64)
    return np.add.reduceat(values, np.flatnonzero(starts), dtype=np.int64)


def previous_in_group(
    values: npt.NDArray[G], starts: BoolArray, fill: object
) -> npt.NDArray[G]:
    """Shift values down one row within groups; *fill* on a group's first row."""
    out = np.empty_like(values)
    if len(values):
        out[1:] = values[:-1]
        out[starts] = fill
    return out


def sum_by_key(
    keys: npt.NDArray[np.integer[Any]], values: IntArray, size: int
) -> Int64Array:
    """
    Exact int64 sums of *values* per key in ``range(size)`` (unbuffered add).

    The values are read as int64 (a copy only when they are narrower):
    `numpy.ufunc.at` has a fast loop only when the values match the output's
    dtype, and is some thirty times slower otherwise (int32 counts, say).
    """
    out = np.zeros(size, np.int64)
    np.add.at(out, keys, np.asarray(values, np.int64))
    return out


def dense_rank(
    keys: npt.NDArray[np.integer[Any]], span: int, dtype: Any = np.int64
) -> tuple[npt.NDArray[np.integer[Any]], Int64Array]:
    """
    Code non-negative int keys below `span` by their rank among the distinct keys.

    By a table over ``range(span)``, in linear time, without hashing or
    sorting: for keys whose range is at most a few times their number.
    Returns the codes (of `dtype`) and the distinct keys, sorted.

    Examples
    --------
    >>> codes, found = dense_rank(np.array([7, 2, 7, 4]), 8)
    >>> codes.tolist(), found.tolist()
    ([2, 0, 2, 1], [2, 4, 7])
    """
    seen = np.zeros(span, np.bool_)
    seen[keys] = True
    rank: npt.NDArray[np.integer[Any]] = np.cumsum(seen, dtype=dtype)
    rank -= 1
    return rank[keys], np.flatnonzero(seen).astype(np.int64)


def unique_ints(values: npt.NDArray[np.integer[Any]]) -> Int64Array:
    """
    Return the sorted distinct values of an int array, as ``numpy.unique`` does.

    By one sort and a comparison of neighbours: ``numpy.unique`` (numpy 2.4)
    takes many times longer on a million ints than sorting them.

    Examples
    --------
    >>> unique_ints(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(np.asarray(values, np.int64).ravel())
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), np.bool_)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def search_sorted(
    haystack: npt.NDArray[Any],
    needles: npt.NDArray[Any],
    side: Literal["left", "right"] = "left",
) -> npt.NDArray[np.intp]:
    """
    `numpy.searchsorted`, the same positions, fast for many unsorted needles.

    numpy narrows each search from the previous one, which helps when the
    needles come in order and costs a cache miss per step when they do not:
    a million random needles into millions of keys take several times
    longer than sorting them first. So many needles are searched in sorted
    order and the positions put back.

    Examples
    --------
    >>> search_sorted(np.array([1, 3, 5]), np.array([4, 0, 5]), "right").tolist()
    [2, 0, 3]
    """
    if len(needles) < _SORT_NEEDLES:
        return np.searchsorted(haystack, needles, side)
    order = np.argsort(needles, kind="stable")
    out = np.empty(len(needles), np.intp)
    out[order] = np.searchsorted(haystack, needles[order], side)
    return out


_SORT_NEEDLES = 1 << 14  # from this many needles, search them in sorted order


def float_sum_by_key(
    keys: npt.NDArray[np.integer[Any]], values: npt.ArrayLike, size: int
) -> FloatArray:
    """
    Float sums of *values* per key in ``range(size)``, whatever the row order.

    A float sum depends on the order of its terms in the last bits, so the
    terms are added in one order fixed by the data: by key, then by value
    (NaN last). Shuffled input rows give the same sums to the bit. Two
    cases need no sort, since their sums are the same in every order:
    every key with at most two terms (addition commutes), and whole-number
    terms whose sums stay exact in float64 (below ``2**53``).

    Examples
    --------
    >>> keys = np.array([0, 1, 0, 0])
    >>> values = np.array([0.1, 5.0, 0.2, 0.3])
    >>> a = float_sum_by_key(keys, values, 2)
    >>> b = float_sum_by_key(keys[::-1], values[::-1], 2)
    >>> a.tolist() == b.tolist()
    True
    """
    terms = np.asarray(values, np.float64)
    if len(terms) == 0:
        return np.zeros(size, np.float64)
    if _any_order(keys, terms, size):
        return float_sum_in_order(keys, terms, size)
    order = np.lexsort((terms, keys))
    return float_sum_in_order(keys[order], terms[order], size)


def _any_order(
    keys: npt.NDArray[np.integer[Any]], terms: FloatArray, size: int
) -> bool:
    """Whether the float sums of `terms` by `keys` are the same in every order."""
    most = int(np.bincount(keys, minlength=size).max(initial=0))
    if most <= 2:
        return True
    finite = np.isfinite(terms)
    if not finite.all():
        return False
    biggest = float(np.abs(terms).max(initial=0.0))
    return bool(biggest * most < 2.0**53 and (terms == np.rint(terms)).all())


def float_sum_in_order(
    keys: npt.NDArray[np.integer[Any]], values: npt.ArrayLike, size: int
) -> FloatArray:
    """
    Float sums of *values* per key in ``range(size)``, in the order given.

    Each key's terms are added strictly in the order of the rows. For callers
    whose rows come in an order the data fixes (a ledger's events, by
    customer and month; a table laid out by its key), so that the sums do
    not depend on the order of the input rows; otherwise `float_sum_by_key`.

    Examples
    --------
    >>> float_sum_in_order(np.array([1, 0, 1]), np.array([0.5, 2.0, 0.25]), 3).tolist()
    [2.0, 0.75, 0.0]
    """
    out = np.bincount(keys, weights=np.asarray(values, np.float64), minlength=size)
    return np.asarray(out, np.float64)


_HALF: Final = 26  # a 53-bit mantissa in two int64 halves: sums of 2^36 stay exact


@frozen(eq=False)
class ExactSums:
    """
    Exact sums of floats per key, as int64 sums that add up (`exact_sums`).

    A finite float is ``M * 2 ** (e - 53)`` with a whole ``M`` of at most 53
    bits (`numpy.frexp`); each row holds, for one key and one exponent ``e``,
    the sums of the high and low 26 bits of the ``M``. Infinities are
    counted apart. The sums of blocks of values add up row by row
    (`combine`), so their total is the exact sum of all the values, whatever
    the blocks and the order; `means` rounds it once.
    """

    key: Int64Array
    exponent: Int64Array
    high: Int64Array
    low: Int64Array
    positive_inf: Int64Array  # (size,)
    negative_inf: Int64Array

    def combine(self, other: ExactSums) -> ExactSums:
        """Return the sums of both blocks of values."""
        return _exact_table(
            np.concatenate([self.key, other.key]),
            np.concatenate([self.exponent, other.exponent]),
            np.concatenate([self.high, other.high]),
            np.concatenate([self.low, other.low]),
            self.positive_inf + other.positive_inf,
            self.negative_inf + other.negative_inf,
        )

    def means(self, counts: npt.ArrayLike) -> FloatArray:
        """
        Each key's exact sum divided by its count, rounded once (NaN for 0).

        Also the last entry when `counts` has one more entry than there are
        keys: the mean over all the keys.
        """
        n = np.asarray(counts, np.int64)
        size = len(self.positive_inf)
        totals = [Fraction(0)] * size
        for key, e, high, low in zip(
            self.key.tolist(),
            self.exponent.tolist(),
            self.high.tolist(),
            self.low.tolist(),
            strict=True,
        ):
            totals[key] += Fraction((high << _HALF) + low) * Fraction(2) ** (e - 53)
        positive = list(self.positive_inf)
        negative = list(self.negative_inf)
        if len(n) == size + 1:
            totals.append(sum(totals, Fraction(0)))
            positive.append(sum(positive))
            negative.append(sum(negative))
        out = np.full(len(n), np.nan)
        for i, count in enumerate(n.tolist()):
            if count <= 0 or (positive[i] and negative[i]):
                continue
            if positive[i] or negative[i]:
                out[i] = np.inf if positive[i] else -np.inf
                continue
            out[i] = float(totals[i] / count)
        return out


def exact_sums(
    keys: npt.NDArray[np.integer[Any]], values: npt.ArrayLike, size: int
) -> ExactSums:
    """
    Sum floats per key in ``range(size)`` exactly (`ExactSums`), NaN left out.

    Examples
    --------
    >>> sums = exact_sums(np.array([0, 0, 0]), np.array([0.1, 0.2, 0.3]), 1)
    >>> sums.means([3]).tolist()  # summed as floats: 0.20000000000000004
    [0.2]
    """
    terms = np.asarray(values, np.float64)
    codes: Int64Array = np.asarray(keys, np.int64)
    finite = np.isfinite(terms)
    positive = np.bincount(codes[terms == np.inf], minlength=size).astype(np.int64)
    negative = np.bincount(codes[terms == -np.inf], minlength=size).astype(np.int64)
    mantissa, exponent = np.frexp(terms[finite])
    whole = np.ldexp(mantissa, 53).astype(np.int64)  # exact: at most 53 bits
    sign = np.sign(whole)
    size_of = np.abs(whole)
    high = sign * (size_of >> _HALF)
    low = sign * (size_of & ((1 << _HALF) - 1))
    return _exact_table(
        codes[finite], exponent.astype(np.int64), high, low, positive, negative
    )


def _exact_table(
    key: Int64Array,
    exponent: Int64Array,
    high: Int64Array,
    low: Int64Array,
    positive: Int64Array,
    negative: Int64Array,
) -> ExactSums:
    """Add up the rows with the same key and exponent (sorted by both)."""
    order = np.lexsort((exponent, key))
    key, exponent = key[order], exponent[order]
    if len(key):
        first = np.ones(len(key), np.bool_)
        first[1:] = (key[1:] != key[:-1]) | (exponent[1:] != exponent[:-1])
        at = np.flatnonzero(first)
        high = np.add.reduceat(high[order], at)
        low = np.add.reduceat(low[order], at)
        key, exponent = key[at], exponent[at]
    return ExactSums(
        key.astype(np.int64),
        exponent.astype(np.int64),
        np.asarray(high, np.int64),
        np.asarray(low, np.int64),
        positive,
        negative,
    )


def usable_cpus() -> int:
    """Return the number of CPUs this process may run on (its affinity if known)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)
