"""The usage table, checked once and laid out for every health and tier read.

`health.signals` sums each account's usage over a window of months and
`tiers.account_features` reads each account's latest usage row; the report
does both at several months. Each read used to look the customer ids up
again (hashing millions of strings) and sort the rows again. `usage_rows`
does both once: every account gets a code (its position among the sorted
ids) and the rows are put in one order fixed by the data, by account and
then month (the table's key, so the order has no ties). Float sums taken in
that order give the same bits whatever the order of the input rows.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._kernels import dense_rank, sort_by_key
from ._ledger import _fixed_width_keys

IntArray = npt.NDArray[np.int64]
IntpArray = npt.NDArray[np.intp]


@attrs.frozen(eq=False)
class UsageRows:
    """
    A checked usage table, its accounts coded and its rows in canonical order.

    Attributes
    ----------
    accounts : pandas.Index
        The distinct ``customer_id`` values, sorted.
    rows : numpy.ndarray
        Row positions of the table ordered by account, then month.
    code : numpy.ndarray
        The account (position in `accounts`) of each row of `rows`.
    month : numpy.ndarray
        The month ordinal of each row of `rows`.
    values : Mapping[str, numpy.ndarray]
        The numeric columns health and tiers read (`NUMERIC`), as floats
        (NaN where missing), in the order of `rows`.
    """

    accounts: pd.Index
    rows: IntpArray
    code: IntArray
    month: IntArray
    values: dict[str, npt.NDArray[np.float64]]

    def column(self, name: str, at: Any) -> npt.NDArray[np.float64]:
        """Return column `name` at `at` (positions or a mask over `rows`)."""
        return np.asarray(self.values[name][at], np.float64)


NUMERIC = ("seats", "active_users", "logins", "feature_usage_rate", "nps")
"""The usage columns `UsageRows.values` holds."""


def _floats(series: pd.Series, rows: IntpArray) -> npt.NDArray[np.float64]:
    """Return `series` at `rows` as floats, NaN where missing."""
    picked = series.iloc[rows]
    if not isinstance(picked.dtype, np.dtype):
        picked = picked.astype("Float64")
    return np.asarray(picked.to_numpy(np.float64, na_value=np.nan), np.float64)


def sorted_codes(ids: pd.Series) -> tuple[IntArray, pd.Index]:
    """
    Code every id by its position among the sorted distinct ids.

    The same codes and ids as ``pandas.factorize(ids, sort=True)``, without
    hashing where the ids allow: integer ids in a compact range and string
    ids of one byte length (read as order-preserving int keys) are coded by
    a table over their key range or a sort of the keys.
    """
    keys: IntArray | None = None
    decode: Any = None
    values = ids.to_numpy() if isinstance(ids.dtype, np.dtype) else None
    if values is not None and values.dtype.kind in "iu" and len(values):
        low = int(values.min())
        keys = np.subtract(values, low, dtype=np.int64)

        def decode(found: IntArray) -> Any:
            return (found + low).astype(values.dtype)

    else:
        fixed = _fixed_width_keys(ids)
        if fixed is not None:
            keys, decode = fixed
    if keys is None or not len(keys):
        codes, uniques = pd.factorize(ids, sort=True)
        return codes.astype(np.int64, copy=False), pd.Index(uniques, name=ids.name)
    span = int(keys.max()) + 1
    if span <= 4 * len(keys) + 1024:
        dense, found = dense_rank(keys, span)
        codes = np.asarray(dense, np.int64)
    else:
        found, inverse = np.unique(keys, return_inverse=True)
        codes = inverse.astype(np.int64, copy=False).reshape(-1)
    return codes, pd.Index(decode(found), name=ids.name)


def usage_rows(table: pd.DataFrame, month: IntArray) -> UsageRows:
    """
    Lay a checked usage table out by account and month (`UsageRows`).

    `month` holds the month ordinal of each row of `table`; `table` must not
    repeat an (account, month), which `check_table` ensures.
    """
    code, accounts = sorted_codes(table["customer_id"])
    if len(month):
        low = int(month.min())
        order, (sorted_code, offset) = sort_by_key(code, month - low)
        sorted_month = offset + low
    else:
        order = np.arange(0, dtype=np.intp)
        sorted_code, sorted_month = code, month
    return UsageRows(
        accounts=accounts,
        rows=order,
        code=np.asarray(sorted_code, np.int64),
        month=np.asarray(sorted_month, np.int64),
        values={name: _floats(table[name], order) for name in NUMERIC if name in table},
    )


def id_positions(ids: Any, wanted: Any) -> IntArray:
    """
    Position of each of `wanted` among the distinct `ids` (-1 where absent).

    ``pd.Index(ids.astype(str)).get_indexer(wanted.astype(str))``, the
    lookup of ids compared as text (an integer id and its digits match),
    without the text where both sides are integers (looked up by a table
    over their range) or both text already.
    """
    left = pd.Index(ids)
    right = pd.Index(wanted)
    both_int = left.dtype.kind in "iu" and right.dtype.kind in "iu"
    if both_int and len(left) and len(right):
        a = left.to_numpy().astype(np.int64)
        b = right.to_numpy().astype(np.int64)
        low = min(int(a.min()), int(b.min()))
        span = max(int(a.max()), int(b.max())) - low + 1
        if span <= 4 * (len(a) + len(b)) + 1024:
            table = np.full(span, -1, np.int64)
            table[a - low] = np.arange(len(a), dtype=np.int64)
            return np.asarray(table[b - low], np.int64)
    if not (_is_text(left) and _is_text(right)):
        left, right = left.astype(str), right.astype(str)
    return np.asarray(left.get_indexer(right), np.int64)


def _is_text(index: pd.Index) -> bool:
    return isinstance(index.dtype, pd.StringDtype)
