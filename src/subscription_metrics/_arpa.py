"""The bootstrap of first-month ARPA from sums that add up (private).

A segment's LTV interval resamples its customers' first-month MRRs (the
uncertainty of ARPA). `arpa_sums` counts what that needs of a block of
subjects, `combine_arpa` adds up the sums of blocks of whole customers and
`resampled_arpa` draws from them, the same way for one ledger and for the
combined blocks of a cluster:

- a segment with fewer than ``resample_below`` subjects keeps a table of its
  distinct first-month MRRs and how often each occurs, and is resampled
  subject by subject (the table is small by construction);
- a larger segment keeps only exact moment sums: its count, the sums of the
  MRRs, of their squares and of their cubes (int64 minor units, whose powers
  do not fit an int64, so they are held as base ``2**16`` digits that add up
  exactly), and its smallest and largest MRR. Its resampled mean is drawn
  from the distribution the bootstrap converges to: normal, with the
  bootstrap's mean and variance, corrected for the skewness of the resampled
  mean (Cornish-Fisher) and clipped to the segment's range.

So what travels from the blocks is bounded by the segments (times
``resample_below`` rows at most for the small ones), not by the customers,
and the draws are those of one ledger of all the subjects to the bit.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

import numpy as np
import numpy.typing as npt
from attrs import frozen

from . import _kernels as k
from ._validation import check_int

__all__ = [
    "RESAMPLE_BELOW",
    "ArpaSums",
    "arpa_sums",
    "check_resample_below",
    "combine_arpa",
    "resampled_arpa",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

RESAMPLE_BELOW: Final = 500
"""Segments with fewer subjects resample ARPA subject by subject."""

_BITS: Final = 16  # one digit of an exact power sum
_MASK: Final = (1 << _BITS) - 1
_SQUARE_DIGITS: Final = 8  # a square of an int64 fits 128 bits
_CUBE_DIGITS: Final = 12  # a cube fits 192 bits
_ROWS: Final = 1 << 18  # subjects turned into digits at once (bounds the memory)
_CHUNK: Final = 1 << 22  # resampled values held in memory at once
_NO_LOW: Final = np.iinfo(np.int64).max  # the least MRR of a segment without any
_NO_HIGH: Final = np.iinfo(np.int64).min


@frozen(kw_only=True, eq=False)
class ArpaSums:
    """
    What the bootstrap of ARPA needs of a block of subjects, per segment.

    Every array is an exact count, int64 sum, minimum or maximum, so the sums
    of blocks of whole customers add up (`combine_arpa`) to those of all of
    them. The value table holds only the segments with fewer than
    `resample_below` subjects (the table of a larger one is dropped as soon
    as a block or a sum of blocks reaches that size: it is never read).
    Sums that will not be added up (`combinable` False: one ledger's, read
    as they are) skip what the draws never read: the power sums of the
    small segments and the table of the large ones.
    """

    resample_below: int
    combinable: bool
    customers: IntArray  # (segments,): subjects
    total: IntArray  # (segments,): first-month MRR, summed
    squares: IntArray  # (segments, 8): digits of the sum of squares
    cubes: IntArray  # (segments, 12): digits of the sum of cubes
    low: IntArray  # (segments,): least first-month MRR
    high: IntArray  # (segments,): largest first-month MRR
    group: IntArray  # value table: segment, value and count per row,
    value: IntArray  # sorted by segment then value
    count: IntArray


def check_resample_below(value: object) -> int:
    """Return `value` as the size from which ARPA uses moments, or raise."""
    return check_int(value, name="resample_arpa_below", low=1)


def _digit_sums(values: IntArray, code: IntArray, n_groups: int) -> list[IntArray]:
    """Exact sums of squares and cubes of non-negative int64s per group, as digits."""
    squares = np.zeros((n_groups, _SQUARE_DIGITS), np.int64)
    cubes = np.zeros((n_groups, _CUBE_DIGITS), np.int64)
    largest = int(values.max()) if len(values) else 0
    n_limbs = max(1, -(-largest.bit_length() // _BITS))  # only the digits in use
    for lo in range(0, len(values), _ROWS):
        chunk = values[lo : lo + _ROWS]
        keys = code[lo : lo + _ROWS]
        limbs = [(chunk >> (_BITS * i)) & _MASK for i in range(n_limbs)]
        square = _times(limbs, limbs)
        cube = _times(square, limbs)
        # Digits are below 2**16, so float64 sums of up to 2**37 of them are
        # exact integers: bincount's quick float sums, read back as int64.
        for table, digits in ((squares, square), (cubes, cube)):
            for j, digit in enumerate(digits):
                summed = np.bincount(keys, weights=digit, minlength=n_groups)
                table[:, j] += summed.astype(np.int64)
    return [squares, cubes]


def _times(digits: list[IntArray], limbs: list[IntArray]) -> list[IntArray]:
    """
    Multiply numbers given as base ``2**16`` digits (lowest first), exactly.

    Each product of two digits is below ``2**32`` and a column adds at most
    four of them (a number has at most four limbs), so nothing overflows;
    the carries are then propagated, so every digit of the result is below
    ``2**16``.
    """
    out = [np.zeros_like(limbs[0]) for _ in range(len(digits) + len(limbs))]
    for i, a in enumerate(digits):
        for j, b in enumerate(limbs):
            out[i + j] += a * b
    for j in range(len(out) - 1):
        out[j + 1] += out[j] >> _BITS
        out[j] &= _MASK
    return out


def _table(values: IntArray, code: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Count the distinct values of every group: group, value, count per row, sorted."""
    return _collapsed(code, values, np.ones(len(values), np.int64))


def _collapsed(
    group: IntArray, value: IntArray, count: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Sort (group, value, count) rows by group then value; add up equal pairs."""
    order = np.lexsort((value, group))
    group, value, count = group[order], value[order], count[order]
    if not len(group):
        return group, value, count
    first = np.ones(len(group), np.bool_)
    first[1:] = (group[1:] != group[:-1]) | (value[1:] != value[:-1])
    at = np.flatnonzero(first)
    return group[at], value[at], np.add.reduceat(count, at).astype(np.int64)


def _small_rows(
    group: IntArray, value: IntArray, count: IntArray, keep: npt.NDArray[np.bool_]
) -> tuple[IntArray, IntArray, IntArray]:
    """Keep the table rows of the groups flagged in `keep`."""
    rows = keep[group] if len(group) else np.zeros(0, np.bool_)
    return group[rows], value[rows], count[rows]


def arpa_sums(
    values: npt.ArrayLike,
    code: npt.ArrayLike,
    n_groups: int,
    *,
    resample_below: int,
    combinable: bool = True,
) -> ArpaSums:
    """
    Count what the bootstrap of ARPA needs of subjects, per group.

    `values` are the subjects' first-month MRRs (non-negative int64 minor
    units) and `code` their groups in ``range(n_groups)``. With
    `combinable` False, the sums are those of every subject there is, to
    be drawn from as they are: a group below `resample_below` gets only its
    table, one at or above it only its power sums (the draws are the same
    bits either way).
    """
    below = check_resample_below(resample_below)
    mrr = np.asarray(values, np.int64)
    keys = np.asarray(code, np.int64)
    if (mrr < 0).any():  # pragma: no cover - the ledger's MRRs are not negative
        msg = "first-month MRRs must not be negative"
        raise ValueError(msg)
    customers = np.bincount(keys, minlength=n_groups).astype(np.int64)
    low = np.full(n_groups, _NO_LOW, np.int64)
    high = np.full(n_groups, _NO_HIGH, np.int64)
    np.minimum.at(low, keys, mrr)
    np.maximum.at(high, keys, mrr)
    small = customers < below
    if combinable:
        squares, cubes = _digit_sums(mrr, keys, n_groups)
        group, value, count = _small_rows(*_table(mrr, keys), small)
    else:
        large = ~small[keys]
        squares, cubes = _digit_sums(mrr[large], keys[large], n_groups)
        group, value, count = _table(mrr[~large], keys[~large])
    return ArpaSums(
        resample_below=below,
        combinable=combinable,
        customers=customers,
        total=k.sum_by_key(keys, mrr, n_groups),
        squares=squares,
        cubes=cubes,
        low=low,
        high=high,
        group=group,
        value=value,
        count=count,
    )


def combine_arpa(
    parts: list[ArpaSums], codes: list[IntArray], n_groups: int
) -> ArpaSums:
    """
    Add up the `ArpaSums` of blocks; `codes` maps each block's groups to the sum's.

    The blocks must share `resample_below`: a block drops the table of a
    group that reaches it, which only the same size can finish.
    """
    if not all(p.combinable for p in parts):
        msg = "sums built with combinable=False (one ledger's) cannot be added up"
        raise ValueError(msg)
    sizes = {p.resample_below for p in parts}
    if len(sizes) > 1:
        msg = (
            "the blocks must share their 'resample_arpa_below' to be added up, "
            f"got {sorted(sizes)}"
        )
        raise ValueError(msg)
    (below,) = sizes
    customers = np.zeros(n_groups, np.int64)
    total = np.zeros(n_groups, np.int64)
    squares = np.zeros((n_groups, _SQUARE_DIGITS), np.int64)
    cubes = np.zeros((n_groups, _CUBE_DIGITS), np.int64)
    low = np.full(n_groups, _NO_LOW, np.int64)
    high = np.full(n_groups, _NO_HIGH, np.int64)
    for part, code in zip(parts, codes, strict=True):
        np.add.at(customers, code, part.customers)
        np.add.at(total, code, part.total)
        np.add.at(squares, code, part.squares)
        np.add.at(cubes, code, part.cubes)
        np.minimum.at(low, code, part.low)
        np.maximum.at(high, code, part.high)
    group, value, count = _collapsed(
        np.concatenate([c[p.group] for p, c in zip(parts, codes, strict=True)]).astype(
            np.int64
        ),
        np.concatenate([p.value for p in parts]).astype(np.int64),
        np.concatenate([p.count for p in parts]).astype(np.int64),
    )
    group, value, count = _small_rows(group, value, count, customers < below)
    return ArpaSums(
        resample_below=below,
        combinable=True,
        customers=customers,
        total=total,
        squares=squares,
        cubes=cubes,
        low=low,
        high=high,
        group=group,
        value=value,
        count=count,
    )


def exact_power_sums(digits: IntArray) -> list[int]:
    """Return the Python ints that rows of base ``2**16`` digits stand for."""
    out = []
    for row in digits.tolist():
        out.append(sum(d << (_BITS * j) for j, d in enumerate(row)))
    return out


def moments(sums: ArpaSums, rows: IntArray) -> tuple[FloatArray, ...]:
    """
    Mean, variance and third central moment of the groups at `rows`.

    Variance and third moment are those of the group's values as a
    population (divided by ``n``): the moments of the distribution a
    bootstrap draws from. They are computed from the exact power sums in
    integer arithmetic and rounded once, so they depend on the group's
    values alone, whatever the blocks.
    """
    n_rows = len(rows)
    mean, m2, m3 = (np.full(n_rows, np.nan) for _ in range(3))
    squares = exact_power_sums(sums.squares[rows])
    cubes = exact_power_sums(sums.cubes[rows])
    for i, (n, s1, s2, s3) in enumerate(
        zip(
            sums.customers[rows].tolist(),
            sums.total[rows].tolist(),
            squares,
            cubes,
            strict=True,
        )
    ):
        if n <= 0:
            continue
        mean[i] = float(Fraction(s1, n))
        m2[i] = float(Fraction(n * s2 - s1 * s1, n * n))
        m3[i] = float(Fraction(n * n * s3 - 3 * n * s1 * s2 + 2 * s1**3, n**3))
    return mean, m2, m3


def resampled_arpa(
    sums: ArpaSums, *, n_draws: int, rng: np.random.Generator
) -> FloatArray:
    """
    Bootstrap means of each group's first-month MRRs, (groups, n_draws).

    A group of fewer than ``sums.resample_below`` subjects is resampled
    subject by subject, with replacement, as many as it has, in a canonical
    order (by group, then value), so the draws depend on each group's values
    alone, never on the order of the rows or the blocks. A larger group
    draws its means from the distribution resampling converges to: the mean
    ``mu`` plus ``sd / sqrt(n)`` times a standard normal ``z`` corrected for
    the skewness ``g`` of the resampled mean (Cornish-Fisher, ``z + g (z^2 -
    1) / 6``, ``g = m3 / m2^1.5 / sqrt(n)``), clipped to the group's
    smallest and largest value: the bootstrap's mean, variance and
    skewness, its quantiles to within order ``1 / n``. The groups resampled
    subject by subject take their uniforms first, then the others their
    normals (in group order). NaN for a group without subjects.
    """
    n_groups = len(sums.customers)
    sizes = sums.customers
    large = sizes >= sums.resample_below
    ordered = np.repeat(sums.value.astype(np.float64), sums.count)
    code = np.repeat(sums.group, sums.count)
    small = np.where(large, 0, sizes)
    starts = np.cumsum(small) - small
    totals = np.zeros(n_groups * n_draws)
    draw = np.arange(n_draws, dtype=np.int64)
    step = max(1, _CHUNK // n_draws)  # rows of draws held at once
    for lo in range(0, len(ordered), step):
        g = code[lo : lo + step][:, None]
        pick = starts[g] + np.floor(rng.random((len(g), n_draws)) * sizes[g]).astype(
            np.int64
        )
        pick = np.minimum(pick, starts[g] + sizes[g] - 1)
        totals += np.bincount(
            (g * n_draws + draw).ravel(),
            weights=ordered[pick].ravel(),
            minlength=n_groups * n_draws,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = totals.reshape(n_groups, n_draws) / sizes[:, None]
    big = np.flatnonzero(large)
    if big.size:
        mean, m2, m3 = moments(sums, big)
        n = sizes[big].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            skew = np.where(m2 > 0, m3 / m2**1.5 / np.sqrt(n), 0.0)
        z = rng.standard_normal((big.size, n_draws))
        corrected = z + skew[:, None] * (z * z - 1.0) / 6.0
        spread = np.sqrt(m2 / n)[:, None]
        low = sums.low[big].astype(np.float64)[:, None]
        high = sums.high[big].astype(np.float64)[:, None]
        out[big] = np.clip(mean[:, None] + spread * corrected, low, high)
    return out
