"""Adding up the counts of blocks of whole customers, per segment (private).

`combine_early` adds up the `EarlyCounts` of blocks (what ``early_ltv``
reads) and `align` the segment labels of blocks, so that the scorecards'
sums per person, team or segment can be added up the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._arpa import combine_arpa
from ._km import group_codes
from ._lifetimes import EarlyCounts
from ._partials import _concat

__all__ = ["add_rows", "align", "combine_early"]

IntArray = npt.NDArray[np.int64]


def align(
    labels: Sequence[pd.DataFrame], names: list[str]
) -> tuple[pd.DataFrame, list[IntArray]]:
    """
    Return the union of the blocks' segment labels and each block's codes in it.

    The union is sorted as `group_codes` sorts one ledger's labels (by value,
    missing last), with the dtype one ledger would give (`_concat`).
    """
    frames = [f.reset_index(drop=True) for f in labels]
    long = _concat(frames, names)
    code, union = group_codes(long[names], len(long))
    if union is None:  # pragma: no cover - there is always a label column
        msg = "segments without labels"
        raise ValueError(msg)
    codes, at = [], 0
    for frame in frames:
        codes.append(code[at : at + len(frame)])
        at += len(frame)
    return union.reset_index(drop=True), codes


def add_rows(arrays: Sequence[IntArray], codes: Sequence[IntArray], n: int) -> IntArray:
    """
    Add up the rows of 1-d or 2-d int64 arrays at `codes`, into `n` rows.

    2-d arrays are padded with zero columns to the widest: a block's table
    is one column wider than its largest age or window, so the sum is one
    wider than the largest of all, the width one ledger gives.
    """
    first = arrays[0]
    if first.ndim == 1:
        out = np.zeros(n, np.int64)
        for array, code in zip(arrays, codes, strict=True):
            np.add.at(out, code, array)
        return out
    width = max(a.shape[1] for a in arrays)
    table = np.zeros((n, width), np.int64)
    for array, code in zip(arrays, codes, strict=True):
        padded = np.pad(array, ((0, 0), (0, width - array.shape[1])))
        np.add.at(table, code, padded)
    return table


def combine_early(parts: Sequence[EarlyCounts]) -> EarlyCounts:
    """Add up the `EarlyCounts` of blocks of whole customers."""
    if len(parts) == 1:
        return parts[0]
    names = list(parts[0].labels.columns)
    labels, codes = align([p.labels for p in parts], names)
    n = len(labels)
    return EarlyCounts(
        labels=labels,
        lost=add_rows([p.lost for p in parts], codes, n),
        still=add_rows([p.still for p in parts], codes, n),
        windows=add_rows([p.windows for p in parts], codes, n),
        arpa=combine_arpa([p.arpa for p in parts], codes, n),
        mrr=add_rows([p.mrr for p in parts], codes, n),
        currency=parts[0].currency,
    )
