"""Results do not depend on the order of the input rows, to the last bit.

Every public function that takes a table is called on the bundled sample and
on shuffles of it, one here (ten under the ``thorough`` Hypothesis profile and
in ``scripts/fuzz --shuffles 10``; every table's rows
permuted, the tables the library computes and takes back too); the results'
exact JSON encodings
(`tests.fuzzing.canonical`, floats by ``repr``) must be the same bytes. A
float sum depends on the order of its terms in the last bits, so sums are
taken in an order fixed by the data (`_kernels.float_sum_by_key`).

Results with one row per input row (`fuzzing.ROW_ALIGNED`) follow the
input's order by design; they are compared sorted by their labels.
"""

from __future__ import annotations

import inspect
import os
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import _kernels

from . import fuzzing
from . import test_api_rules as api

# Each shuffle runs every table-taking function once more on the sample (about
# 15 s); one keeps CI within its budget, the opt-in full-strength run takes ten.
SHUFFLES = 10 if os.getenv("HYPOTHESIS_PROFILE") == "thorough" else 1
TABLE = re.compile(r"DataFrame|Ledger|Series")
# Functions that read the columns of a table given as arrays (lifetimes).
ARRAY_TABLES = frozenset({"survival.kaplan_meier", "survival.sbg_fit_lifetimes"})


def _takes_a_table(name: str) -> bool:
    params = inspect.signature(api.CALLABLES[name]).parameters.values()
    return name in ARRAY_TABLES or any(TABLE.search(str(p.annotation)) for p in params)


def test_every_table_taking_function_is_shuffled():
    """The walk of the public API finds exactly the functions called here."""
    taking = {name for name in api.CALLABLES if _takes_a_table(name)}
    assert len(taking) > 30
    assert taking == set(fuzzing.CALLS)


@pytest.fixture(scope="module")
def differences() -> dict[str, int]:
    return fuzzing.shuffle_differences(fuzzing.sample_tables(), SHUFFLES, seed=0)


@pytest.mark.parametrize("name", sorted(fuzzing.CALLS))
def test_shuffled_rows_give_the_same_bits(name, differences):
    """Row shuffles of every input give byte-identical JSON results."""
    assert differences[name] == 0, (
        f"{name}: {differences[name]} of {SHUFFLES} shuffles changed the result"
    )


def test_the_encoding_tells_the_last_bit():
    """The comparison above can fail: one ulp apart is a different encoding."""
    a = pd.DataFrame({"x": [0.458]})
    b = pd.DataFrame({"x": [np.nextafter(0.458, 0.0)]})
    assert fuzzing.canonical(a) != fuzzing.canonical(b)
    assert fuzzing.canonical(a) == fuzzing.canonical(a.copy())


# --------------------------------------------------------------------------
# Regressions: each was seen changing in the last bit under a shuffle
# --------------------------------------------------------------------------


@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(-1e6, 1e6, allow_nan=False)),
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_float_sums_by_key_do_not_depend_on_row_order(rows, random):
    keys = np.array([k for k, _ in rows], np.int64)
    values = np.array([v for _, v in rows], np.float64)
    order = np.array(random.sample(range(len(rows)), len(rows)), np.intp)
    expected = _kernels.float_sum_by_key(keys, values, 4)
    shuffled = _kernels.float_sum_by_key(keys[order], values[order], 4)
    assert expected.tobytes() == shuffled.tobytes()
    np.testing.assert_allclose(
        expected, np.bincount(keys, weights=values, minlength=4), atol=1e-6
    )


def test_health_signals_of_shuffled_usage_are_bit_identical():
    """A mean usage rate was 0.458 or 0.45799999999999996 by row order."""
    rates = [0.1, 0.2, 0.3]
    assert (0.1 + 0.2) + 0.3 != (0.3 + 0.2) + 0.1  # the order shows in the bits
    usage = pd.DataFrame(
        {
            "customer_id": "c1",
            "month": pd.to_datetime(["2024-04-01", "2024-05-01", "2024-06-01"]),
            "seats": 10,
            "active_users": 5,
            "logins": 50,
            "feature_usage_rate": rates,
            "nps": pd.array([7, 8, 9], dtype="Int64"),
        }
    )
    forward = sm.health.signals(usage, as_of="2024-06")
    backward = sm.health.signals(usage.iloc[::-1], as_of="2024-06")
    assert fuzzing.canonical(forward) == fuzzing.canonical(backward)


def test_ltv_from_survival_does_not_depend_on_the_memory_layout():
    """A matrix product summed a Fortran-ordered copy's rows differently."""
    rng = np.random.default_rng(0)
    curves = np.cumprod(rng.uniform(0.8, 1.0, (40, 30)), axis=1)
    straight = sm.ltv.ltv_from_survival(1000.0, curves, discount_rate=0.01)
    fortran = sm.ltv.ltv_from_survival(
        1000.0, np.asfortranarray(curves), discount_rate=0.01
    )
    assert straight.tobytes() == fortran.tobytes()
    frame = pd.DataFrame(curves, index=[f"g{i}" for i in range(40)])
    shuffled = sm.ltv.ltv_from_survival(
        1000.0, frame.iloc[rng.permutation(40)], discount_rate=0.01
    )
    assert shuffled.loc[frame.index].to_numpy().tobytes() == straight.tobytes()


def test_set_aside_examples_do_not_depend_on_row_order():
    """The subscriptions quoted as set aside were the first ones in row order."""
    subs = pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(8)],
            "customer_id": [f"c{i}" for i in range(8)],
            "start": pd.to_datetime(["2024-01-05"] * 8),
            "end": pd.to_datetime(["2024-01-20"] * 7 + [None]),
            "mrr": 100,
            "currency": "USD",
        }
    )
    forward = sm.Ledger.from_subscriptions(subs).set_aside
    backward = sm.Ledger.from_subscriptions(subs.iloc[::-1]).set_aside
    assert forward == backward
    assert forward[0].examples == ("s0", "s1", "s2", "s3", "s4")
