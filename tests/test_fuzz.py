"""Malformed tables through every public table-taking function.

Hypothesis draws a function, one of the tables it is given, and one
mutation of that table (`tests.fuzzing.mutations`: a column dropped,
repeated or of the wrong type, text or NaN where numbers belong, huge or
negative amounts, Decimals, complex numbers, categoricals, pyarrow-backed
frames, time zones, repeated ids, an end before its start, dates out of
range, empty tables, ...). Each call must

- return a result whose numbers hold up: the bridge adds up in exact
  integers (and equals the slow oracle, `tests/oracle.py`, where one
  exists), money is int64, and a table that only changed its
  representation gives the numbers of the unmutated one; or
- raise `InvalidTableError` whose problems name the mutated column (for a
  mutation that breaks a rule);

and leave every input frame as it was. ``scripts/fuzz`` runs the same
machinery for many more calls.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm

from . import fuzzing as fz
from .strategies import subscriptions

LEDGER_READERS = sorted(
    name for name, keys in fz.READS.items() if set(keys) <= fz.LEDGER_TABLES
)
COMPUTED_READERS = sorted(
    name for name, keys in fz.READS.items() if set(keys) & set(fz.COMPUTED)
)
OTHER_READERS = sorted(set(fz.READS) - set(LEDGER_READERS) - set(COMPUTED_READERS))


@functools.cache
def _world() -> tuple[dict[str, Any], dict[str, str]]:
    base = fz.fuzz_inputs(fz.small_tables())
    return base, fz.baseline(base)


@st.composite
def _cases(draw: st.DrawFn, names: list[str]) -> tuple[str, fz.Mutation, int]:
    base, _ = _world()
    name = draw(st.sampled_from(names))
    table = draw(st.sampled_from(fz.READS[name]))
    mutation = draw(st.sampled_from(fz.mutations(table, base[table])))
    return name, mutation, draw(st.integers(0, 2**32 - 1))


def _check(case: tuple[str, fz.Mutation, int]) -> None:
    name, mutation, key = case
    base, baseline = _world()
    outcome = fz.run(name, mutation, base, baseline, np.random.default_rng(key))
    assert not outcome.bad, (name, mutation, outcome)


def test_the_fuzzer_reaches_every_table_taking_function():
    """Every public function of a table is fuzzed, except the array formulas."""
    from .test_determinism import ARRAY_TABLES

    assert set(fz.READS) == set(fz.CALLS) - ARRAY_TABLES - {"ltv.ltv_from_survival"}
    assert set(LEDGER_READERS) | set(COMPUTED_READERS) | set(OTHER_READERS) == set(
        fz.READS
    )


@pytest.mark.slow
@given(_cases(LEDGER_READERS))
def test_ledger_tables(case):
    """Subscriptions, monthly rows, customers and rates, through the ledger."""
    _check(case)


@pytest.mark.slow
@given(_cases(OTHER_READERS))
def test_staff_deals_and_operations_tables(case):
    """Staff, deals, costs, assignments, usage, tickets, onboarding, activities."""
    _check(case)


@pytest.mark.slow
@given(_cases(COMPUTED_READERS))
def test_computed_tables(case):
    """Signals, scores, accounts, classifications and curves given back."""
    _check(case)


@pytest.mark.slow
@given(subscriptions(min_size=1), st.data())
def test_mutated_subscriptions_against_the_oracle(subs, data):
    """A mutated valid table is refused naming the column, or bridged exactly."""
    mutation = data.draw(st.sampled_from(fz.mutations("subscriptions", subs)))
    key = data.draw(st.integers(0, 2**32 - 1))
    mutated = fz.apply(mutation, subs, np.random.default_rng(key))
    copy = mutated.copy(deep=True)
    refused: sm.InvalidTableError | None = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sm.SubscriptionMetricsWarning)
            led = sm.Ledger.from_subscriptions(mutated)
    except sm.InvalidTableError as error:
        refused = error
    if refused is not None:
        assert mutation.expect != fz.SAME, refused
        if mutation.expect == fz.REFUSE and mutation.column is not None:
            named = {c.strip() for p in refused.problems for c in p.column.split(",")}
            assert named & {c.strip() for c in mutation.column.split(",")}, refused
    else:
        assert mutation.expect != fz.REFUSE, mutation
        assert fz.bridge_problems(led) == []
        assert fz.spans_oracle_problems(mutated, led) == []
    assert fz._same_table(mutated, copy)


def test_the_checks_can_fail():
    """A wrong bridge, a changed input and a refusal without its column are seen."""
    base, baseline = _world()
    wrong = dict(baseline) | {"ledger.bridge": "{}"}
    same = fz.Mutation("subscriptions", None, "shuffle", fz.SAME)
    outcome = fz.run("ledger.bridge", same, base, wrong, np.random.default_rng(0))
    assert outcome.kind == "wrong numbers"
    frame = pd.DataFrame({"a": [1]})
    assert not fz._same_table(frame, frame.assign(a=2))
    dropped = fz.Mutation("deals", "deal_id", "drop", fz.REFUSE)
    outcome = fz.run(
        "roi.staff_returns", dropped, base, baseline, np.random.default_rng(0)
    )
    assert outcome.kind == "InvalidTableError naming the column"
    elsewhere = fz.Mutation("deals", "owner_id", "drop", fz.REFUSE)
    assert elsewhere.column != dropped.column


# --------------------------------------------------------------------------
# Regressions: each was found by the fuzzer
# --------------------------------------------------------------------------


def _usage(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "customer_id": ["c1", "c1", "c2"],
        "month": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-06-01"]),
        "seats": [10, 10, 4],
        "active_users": [5, 6, 2],
        "logins": [50, 60, 8],
        "feature_usage_rate": [0.5, 0.6, 0.1],
        "nps": pd.array([8, None, 5], dtype="Int64"),
    }
    return pd.DataFrame({**base, **columns})


@pytest.mark.parametrize("column", ["seats", "active_users", "logins"])
def test_a_count_beyond_int64_is_refused(column):
    """2**63 + 7 in an object count column passed, or raised OverflowError."""
    values = _usage()[column].astype(object)
    values.iloc[1] = 2**63 + 7

    with pytest.raises(sm.InvalidTableError) as info:
        sm.health.signals(_usage(**{column: values}), as_of="2024-06")

    (problem,) = info.value.problems
    assert (problem.column, problem.rule, problem.examples) == (
        column,
        "within int64",
        ("1",),
    )


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA, pd.NaT])
def test_missing_values_of_any_kind_in_a_curve_read_as_nan(missing):
    """NaT or NA beside floats in a curve column raised a bare TypeError."""
    curves = sm.survival.kaplan_meier([1, 2, 3, 4], [True, False, True, True])
    upper = curves["upper"].astype(object)
    upper.iloc[2] = missing
    damaged = curves.assign(upper=upper)

    read = sm.survival.survival_at(damaged, [1, 2, 3])

    expected = sm.survival.survival_at(curves, [1, 2, 3])
    assert read["survival"].tolist() == expected["survival"].tolist()
    assert np.isnan(read["upper"].iloc[1])


@pytest.mark.parametrize("damage", ["repeat", "complex"])
def test_a_policy_column_repeated_or_complex_is_refused(damage):
    """A repeated `arr` raised AttributeError; a complex one was compared."""
    accounts = pd.DataFrame(
        {"arr": [9e6, 2e6], "seat_gap": [60.0, 1.0], "health_score": [50.0, 50.0]},
        index=pd.Index(["c1", "c2"], name="customer_id"),
    )
    if damage == "repeat":
        accounts = pd.concat([accounts, accounts[["arr"]]], axis=1)
    else:
        accounts["arr"] = accounts["arr"].astype(complex)

    with pytest.raises(sm.InvalidTableError) as info:
        sm.tiers.classify(accounts)

    (problem,) = info.value.problems
    assert (problem.table, problem.column) == ("accounts", "arr")


@pytest.mark.parametrize("damage", ["drop", "text", "repeat"])
def test_scores_without_a_usable_band_name_the_column(damage):
    """Without a categorical band, evaluate raised a ValueError (or AttributeError)."""
    ledger = sm.Ledger.from_subscriptions(
        pd.DataFrame(
            {
                "subscription_id": ["s1", "s2"],
                "customer_id": ["c1", "c2"],
                "start": pd.to_datetime(["2024-01-05", "2024-01-05"]),
                "end": pd.to_datetime([None, "2024-08-10"]),
                "mrr": [100, 100],
                "currency": "USD",
            }
        ),
        through="2024-12",
    )
    scores = sm.health.score(
        pd.DataFrame(
            {
                "feature_usage_rate": [0.9, 0.1],
                "active_user_share": [0.8, 0.2],
                "logins_per_active_user": [10.0, 1.0],
                "tickets_per_account_month": [0.0, 2.0],
                "nps": [9.0, 3.0],
            },
            index=pd.Index(["c1", "c2"], name="customer_id"),
        )
    )
    if damage == "drop":
        scores = scores.drop(columns="band")
    elif damage == "text":
        scores = scores.assign(band=scores["band"].astype(str))
    else:
        scores = pd.concat([scores, scores[["band"]]], axis=1)

    with pytest.raises(sm.InvalidTableError) as info:
        sm.health.evaluate(ledger, scores=scores, as_of="2024-06")

    (problem,) = info.value.problems
    assert (problem.table, problem.column) == ("scores", "band")


@pytest.mark.parametrize("column", ["start", "end"])
def test_time_zone_aware_staff_dates_are_read_as_local_days(column):
    """A tz-aware staff date raised a pandas warning in the staff months."""
    sample = sm.datasets.load_sample()
    led = sm.Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)
    staff = sample.staff.assign(
        **{column: sample.staff[column].dt.tz_localize("Asia/Tokyo")}
    )

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        aware = sm.roi.staff_returns(led, staff=staff, deals=sample.deals, by="team")
    naive = sm.roi.staff_returns(led, staff=sample.staff, deals=sample.deals, by="team")

    pd.testing.assert_frame_equal(aware, naive)


def test_months_as_period_objects_are_read():
    """An object column of monthly Periods was refused as 'not a date'."""
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-01"], freq="M"),
            "mrr": [100, 120, 80],
            "currency": "USD",
        }
    )
    as_objects = rows.assign(month=rows["month"].astype(object))

    expected = sm.ledger.bridge(sm.Ledger.from_monthly_mrr(rows))
    actual = sm.ledger.bridge(sm.Ledger.from_monthly_mrr(as_objects))

    pd.testing.assert_frame_equal(actual, expected)


def test_a_pipeline_beyond_int64_is_refused():
    """Three opportunities at 2**62 gave a negative pipeline_mrr."""
    sample = sm.datasets.load_sample()
    activities = sample.activities.copy()
    rows = np.flatnonzero(activities["mrr"].notna().to_numpy())[:3]
    values = activities["mrr"].astype(object).to_numpy(copy=True)
    values[rows] = 2**62
    activities["mrr"] = pd.array(list(values), dtype="Int64")

    with pytest.raises(sm.MoneyOverflowError) as info:
        sm.operations.activity_kpis(activities, staff=sample.staff, by="team")

    (problem,) = info.value.problems
    assert (problem.table, problem.column, problem.rule) == (
        "activities",
        "mrr",
        "sums fit in int64",
    )
    assert set(problem.examples) <= {str(activities.index[r]) for r in rows}


def test_a_missing_row_label_is_quoted_as_missing():
    """A missing account label was quoted as 'nan'."""
    signals = pd.DataFrame(
        {
            "feature_usage_rate": [0.1, 0.2, 0.3],
            "active_user_share": [0.5, 0.5, 0.5],
            "logins_per_active_user": [1.0, 2.0, 3.0],
            "tickets_per_account_month": [0.0, 0.0, 1.0],
            "nps": [7.0, 8.0, 9.0],
        },
        index=pd.Index(["c0", None, "c2"], name="customer_id"),
    )

    with pytest.raises(sm.InvalidTableError) as info:
        sm.health.score(signals)

    (problem,) = info.value.problems
    assert (problem.column, problem.rule, problem.examples) == (
        "customer_id",
        "not missing",
        ("<missing>",),
    )
