"""Vectorised numpy kernels shared by the ledger and the metrics built on it.

Everything here works on plain integer arrays: customer codes and month
ordinals (int32 in a ledger, int64 elsewhere) and money in int64 minor units.
No pandas, no Python loop per row.
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

__all__ = [
    "float_sum_by_key",
    "group_starts",
    "grouped_cumsum",
    "previous_in_group",
    "sort_by_key",
    "sum_by_key",
    "sum_runs",
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


def grouped_cumsum(values: IntArray, starts: BoolArray) -> Int64Array:
    """Cumulative int64 sum of *values* that restarts where *starts* is True."""
    total = np.cumsum(values, dtype=np.int64)
    if not len(values):
        return total
    first = np.flatnonzero(starts)
    offsets = np.zeros(len(first), np.int64)
    offsets[1:] = total[first[1:] - 1]
    counts = np.diff(np.append(first, len(values)))
    total -= np.repeat(offsets, counts)
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


def float_sum_by_key(
    keys: npt.NDArray[np.integer[Any]], values: npt.ArrayLike, size: int
) -> FloatArray:
    """
    Float sums of *values* per key in ``range(size)``, whatever the row order.

    A float sum depends on the order of its terms in the last bits, so the
    terms are added in one order fixed by the data: by key, then by value
    (NaN last). Shuffled input rows give the same sums to the bit.

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
    order = np.lexsort((terms, keys))
    out = np.bincount(keys[order], weights=terms[order], minlength=size)
    return np.asarray(out, np.float64)
