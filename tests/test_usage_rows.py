"""`_usage.sorted_codes` and `usage_rows`, shared by health and tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics._usage import sorted_codes, usage_rows


def _factorized(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(ids, sort=True)
    return codes, pd.Index(uniques)


@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=60),
    st.sampled_from(["int", "wide", "fixed", "ragged"]),
)
def test_sorted_codes_equal_factorize_sorted(raw: list[int], kind: str) -> None:
    if kind == "int":
        ids = pd.Series(np.array(raw, np.int64) - 7)
    elif kind == "wide":  # a sparse key range: coded by a sort of the keys
        ids = pd.Series(np.array(raw, np.int64) * 10**9)
    elif kind == "fixed":  # one byte length: order-preserving int keys
        ids = pd.Series([f"cus_{v:04d}" for v in raw], dtype="string[pyarrow]")
    else:  # ragged lengths: hashed
        ids = pd.Series([f"c{v}" for v in raw], dtype="string[pyarrow]")
    codes, accounts = sorted_codes(ids)
    want_codes, want = _factorized(ids)
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(codes, want_codes)
    assert list(accounts) == list(want)
    assert accounts.dtype == want.dtype


def test_usage_rows_orders_by_account_then_month() -> None:
    table = pd.DataFrame({"customer_id": ["b", "a", "b", "a", "c"]})
    month = np.array([5, 7, 3, 6, 1], np.int64)
    laid = usage_rows(table, month)
    assert list(laid.accounts) == ["a", "b", "c"]
    assert laid.rows.tolist() == [3, 1, 2, 0, 4]
    assert laid.code.tolist() == [0, 0, 1, 1, 2]
    assert laid.month.tolist() == [6, 7, 3, 5, 1]


@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 3), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["int", "str"]),
)
def test_repeated_keys_equal_pandas_duplicated(
    rows: list[tuple[int, int, bool]], ids: str
) -> None:
    """The composite-key check marks exactly the rows pandas'
    ``duplicated(keep=False)`` marks, with month ordinals or raw dates (a
    date not on the first of its month is not coded by its month)."""
    from subscription_metrics._schema import _repeated_keys

    customer = [c if ids == "int" else f"cus_{c}" for c, _, _ in rows]
    day = [1 if first else 15 for _, _, first in rows]
    dates = pd.to_datetime(
        [f"2024-0{m + 1}-{d:02d}" for (_, m, _), d in zip(rows, day, strict=True)]
    )
    frame = pd.DataFrame({"customer_id": customer, "month": dates})
    expected = frame.duplicated(["customer_id", "month"], keep=False).to_numpy(bool)
    ordinals = np.array([m for _, m, _ in rows], np.int64) + 648
    every_first = all(first for _, _, first in rows)
    months = {"month": ordinals} if every_first else {}
    got = _repeated_keys(frame, ("customer_id", "month"), months)
    np.testing.assert_array_equal(got, expected)


@given(
    st.lists(st.integers(-5, 30), unique=True, max_size=20),
    st.lists(st.integers(-8, 35), max_size=30),
    st.sampled_from(["int-int", "str-str", "int-str", "wide"]),
)
def test_id_positions_equal_lookup_as_text(
    ids: list[int], wanted: list[int], kinds: str
) -> None:
    """`id_positions` finds what a lookup of the ids as text finds, however
    the two sides are typed (an integer id matches its digits)."""
    from subscription_metrics._usage import id_positions

    scale = 10**12 if kinds == "wide" else 1
    left = pd.Series(np.array(ids, np.int64) * scale)
    right = pd.Series(np.array(wanted, np.int64) * scale)
    if kinds == "str-str":
        left, right = left.astype("string[pyarrow]"), right.astype("string[pyarrow]")
    elif kinds == "int-str":
        right = right.astype(str)
    expected = pd.Index(left.astype(str)).get_indexer(pd.Index(right.astype(str)))
    np.testing.assert_array_equal(id_positions(left, right), expected)
