"""`_kernels.search_sorted` and `float_sum_by_key`'s sort-free cases against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import _kernels


@given(
    st.lists(st.integers(-20, 20), max_size=40),
    st.lists(st.integers(-25, 25), max_size=60),
    st.sampled_from(["left", "right"]),
)
def test_search_sorted_equals_numpy(
    haystack: list[int], needles: list[int], side: str
) -> None:
    keys = np.sort(np.array(haystack, np.int64))
    wanted = np.array(needles, np.int64)
    expected = np.searchsorted(keys, wanted, side)  # type: ignore[call-overload]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_kernels, "_SORT_NEEDLES", 0)  # always the sorted path
        got = _kernels.search_sorted(keys, wanted, side)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got, expected)


@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=40),
    st.data(),
)
def test_float_sums_by_key_do_not_depend_on_row_order(
    keys: list[int], data: st.DataObject
) -> None:
    """Whatever path `float_sum_by_key` takes (two terms a key, whole numbers,
    or the sort), a permutation of the rows gives the same bits, and whole
    numbers sum exactly."""
    values = data.draw(
        st.one_of(
            st.lists(
                st.integers(-(10**6), 10**6), min_size=len(keys), max_size=len(keys)
            ),
            st.lists(
                st.floats(-1e6, 1e6, allow_nan=False),
                min_size=len(keys),
                max_size=len(keys),
            ),
        )
    )
    k = np.array(keys, np.int64)
    v = np.array(values, np.float64)
    order = np.random.default_rng(len(keys)).permutation(len(keys))
    a = _kernels.float_sum_by_key(k, v, 6)
    b = _kernels.float_sum_by_key(k[order], v[order], 6)
    assert a.tobytes() == b.tobytes()
    if all(isinstance(x, int) for x in values):
        pairs = list(zip(keys, values, strict=True))
        exact = [sum(x for key, x in pairs if key == g) for g in range(6)]
        assert a.tolist() == exact


@given(st.lists(st.integers(-(2**40), 2**40), max_size=50))
def test_unique_ints_equals_numpy(values: list[int]) -> None:
    array = np.array(values, np.int64)
    np.testing.assert_array_equal(_kernels.unique_ints(array), np.unique(array))


@given(
    st.lists(st.integers(-(2**40), 2**40), max_size=40),
    st.data(),
    st.sampled_from([np.int64, np.int32]),
)
def test_grouped_cumsum_restarts_at_each_group(
    values: list[int], data: st.DataObject, dtype: type[np.integer]
) -> None:
    """Running sums within groups equal a Python walk (int32 sums that fit)."""
    if dtype is np.int32:
        values = [v % 1000 - 500 for v in values]
    flags = data.draw(
        st.lists(st.booleans(), min_size=len(values), max_size=len(values))
    )
    starts = np.array(flags, bool)
    if len(values):
        starts[0] = True
    expected, running = [], 0
    for value, start in zip(values, starts.tolist(), strict=True):
        running = value if start else running + value
        expected.append(running)
    got = _kernels.grouped_cumsum(np.array(values, np.int64), starts, dtype)
    assert got.dtype == dtype
    assert got.tolist() == expected
