"""Exact money stays exact: sums that would overflow int64 raise, naming the input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import InvalidTableError, Ledger, MoneyOverflowError
from subscription_metrics._overflow import (
    INT64_MAX,
    bound_fits,
    check_total_fits,
    checked_sum_runs,
    exact_total,
)

BIG = 2**62


def _subs(customers: list[str], mrr: list[int], currency: str = "USD") -> pd.DataFrame:
    n = len(customers)
    return pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(n)],
            "customer_id": customers,
            "start": pd.to_datetime(["2024-01-05"] * n),
            "end": pd.NaT,
            "mrr": mrr,
            "currency": currency,
        }
    )


def _only_problem(err: pytest.ExceptionInfo[MoneyOverflowError]) -> sm.Problem:
    (problem,) = err.value.problems
    assert problem.rule == "sums fit in int64"
    assert "9.2e18" in str(err.value)
    return problem


def test_the_error_is_an_invalid_table_error_and_public():
    assert issubclass(MoneyOverflowError, InvalidTableError)
    assert issubclass(MoneyOverflowError, ValueError)
    assert "MoneyOverflowError" in sm.__all__
    assert MoneyOverflowError.__module__ == "subscription_metrics"


def test_two_customers_whose_total_overflows_are_refused():
    # Before: the bridge showed new_mrr == mrr_at_end == -2**63.
    with pytest.raises(MoneyOverflowError) as err:
        Ledger.from_subscriptions(_subs(["c1", "c2"], [BIG, BIG]))
    problem = _only_problem(err)
    assert (problem.table, problem.column, problem.unit) == (
        "subscriptions",
        "mrr",
        "customer",
    )
    assert problem.count == 2
    assert set(problem.examples) == {"c1", "c2"}


def test_one_customer_with_two_overlapping_subscriptions_is_refused():
    # Before: the customer's cumulative MRR wrapped to -2**63 and it showed as churned.
    subs = _subs(["c1", "c1"], [BIG, BIG])
    subs["start"] = pd.to_datetime(["2024-01-05", "2024-02-05"])
    with pytest.raises(MoneyOverflowError) as err:
        Ledger.from_subscriptions(subs)
    problem = _only_problem(err)
    assert problem.count == 1
    assert problem.examples == ("c1",)


def test_many_subscriptions_of_one_customer_month_are_refused():
    with pytest.raises(MoneyOverflowError) as err:
        Ledger.from_subscriptions(_subs(["c1"] * 4 + ["c2"], [BIG] * 4 + [5]))
    assert _only_problem(err).examples == ("c1",)


def test_monthly_rows_of_one_customer_month_that_overflow_are_refused():
    # Before: four rows at 2**62 summed to 0 and the customer vanished.
    rows = pd.DataFrame(
        {
            "customer_id": ["c1"] * 4 + ["c2"],
            "month": pd.PeriodIndex(["2024-01"] * 5, freq="M"),
            "mrr": [BIG] * 4 + [5],
            "currency": "USD",
        }
    )
    with pytest.raises(MoneyOverflowError) as err:
        Ledger.from_monthly_mrr(rows)
    problem = _only_problem(err)
    assert (problem.table, problem.column) == ("monthly_mrr", "mrr")
    assert problem.examples == ("c1 in 2024-01",)


def test_the_largest_totals_that_fit_stay_exact():
    # Half the limit each for two customers, the limit for both: fits exactly.
    half = INT64_MAX // 2
    led = Ledger.from_subscriptions(_subs(["c1", "c2"], [half, half]))
    br = sm.ledger.bridge(led)
    assert int(br["new_mrr"].iloc[0]) == 2 * half
    assert int(br["mrr_at_end"].iloc[0]) == 2 * half
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1"],
            "month": pd.PeriodIndex(["2024-01", "2024-01"], freq="M"),
            "mrr": [half, half],
            "currency": "USD",
        }
    )
    events = sm.ledger.events(Ledger.from_monthly_mrr(rows))
    assert events["mrr"].tolist() == [2 * half]


def test_a_churn_and_restart_at_the_limit_counts_both_changes():
    # Every change counts once: start and end of one subscription at 2**62.
    subs = _subs(["c1"], [BIG])
    subs["end"] = pd.to_datetime(["2024-03-01"])
    with pytest.raises(MoneyOverflowError):
        Ledger.from_subscriptions(subs)
    subs["mrr"] = [BIG // 2]
    led = Ledger.from_subscriptions(subs)
    assert sm.ledger.movements(led)["mrr_change"].tolist() == [BIG // 2, -BIG // 2]


def _staff_case(deal_mrr: list[int], monthly_cost: int = 100) -> tuple:
    staff = pd.DataFrame(
        {
            "staff_id": ["a"],
            "role": ["field_sales"],
            "monthly_cost": [monthly_cost],
            "currency": "USD",
            "start": pd.to_datetime(["2023-01-01"]),
            "end": pd.NaT,
        }
    )
    led = Ledger.from_subscriptions(_subs(["c1", "c2"], [10, 10]), through="2024-06")
    deals = pd.DataFrame(
        {
            "deal_id": ["d1", "d2"],
            "customer_id": ["c1", "c2"],
            "kind": "new",
            "mrr": deal_mrr,
            "currency": "USD",
            "won_on": pd.to_datetime(["2024-01-03", "2024-01-04"]),
            "owner_id": "a",
        }
    )
    return deals, staff, led


def test_staff_returns_refuse_booked_mrr_that_overflows():
    # Before: booked_mrr wrapped to -2**63 and the error blamed 'monthly_revenue'.
    deals, staff, led = _staff_case([BIG, BIG])
    with pytest.raises(MoneyOverflowError) as err:
        sm.roi.staff_returns(led, staff=staff, deals=deals)
    problem = _only_problem(err)
    assert (problem.table, problem.column) == ("deals", "mrr")
    assert set(problem.examples) == {"d1", "d2"}


def test_staff_returns_refuse_costs_that_overflow():
    deals, staff, led = _staff_case([10, 10], monthly_cost=2**61)
    with pytest.raises(MoneyOverflowError) as err:
        sm.roi.staff_returns(led, staff=staff, deals=deals)
    problem = _only_problem(err)
    assert (problem.table, problem.column, problem.examples) == (
        "staff",
        "monthly_cost",
        ("a",),
    )


def test_staff_returns_keep_large_amounts_exact():
    deals, staff, led = _staff_case([2**58 - 1, 2**58])
    out = sm.roi.staff_returns(led, staff=staff, deals=deals)
    assert int(out["booked_mrr"].iloc[0]) == 2**59 - 1


def test_staff_returns_refuse_revenue_to_date_that_overflows():
    # Before: revenue_to_date (MRR times months billed) wrapped in the cast.
    deals, staff, led = _staff_case([BIG - 1, BIG])
    with pytest.raises(MoneyOverflowError) as err:
        sm.roi.staff_returns(led, staff=staff, deals=deals)
    problem = _only_problem(err)
    assert (problem.table, problem.column) == ("deals", "mrr")
    assert "billed" in problem.detail


def _costs(amounts: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime(["2024-01-01"] * len(amounts)),
            "category": "sales",
            "amount": amounts,
            "currency": "USD",
        }
    )


def test_acquisition_costs_refuse_spend_that_overflows():
    led = Ledger.from_subscriptions(_subs(["c1"], [10]), through="2024-03")
    with pytest.raises(MoneyOverflowError) as err:
        sm.cac.acquisition_costs(led, costs=_costs([BIG, BIG]))
    problem = _only_problem(err)
    assert (problem.table, problem.column, problem.count) == ("costs", "amount", 2)


def test_acquisition_costs_refuse_revenue_of_a_period_that_overflows():
    # One customer at 2**62 for a quarter: the quarter's revenue is 3 * 2**62.
    led = Ledger.from_subscriptions(_subs(["c1"], [BIG]), through="2024-03")
    with pytest.raises(MoneyOverflowError) as err:
        sm.cac.acquisition_costs(led, costs=_costs([1]), period="quarter")
    problem = _only_problem(err)
    assert (problem.table, problem.column, problem.unit) == (
        "subscriptions",
        "mrr",
        "period",
    )
    monthly = sm.cac.acquisition_costs(led, costs=_costs([1]), period="month")
    assert monthly["revenue"].tolist() == [BIG] * 3


def test_a_conversion_that_overflows_names_the_rows():
    subs = _subs(["c1", "c2"], [10**17, 10], currency="JPY")
    subs.index = pd.Index(["row-a", "row-b"])
    with pytest.raises(MoneyOverflowError) as err:
        Ledger.from_subscriptions(subs, currency="USD", rates={"JPY": 1000})
    problem = _only_problem(err)
    assert (problem.table, problem.column, problem.examples) == (
        "subscriptions",
        "mrr",
        ("row-a",),
    )


def test_converted_amounts_that_add_up_past_the_limit_are_refused():
    subs = _subs(["c1", "c2"], [BIG // 100, BIG // 100], currency="JPY")
    with pytest.raises(MoneyOverflowError):
        Ledger.from_subscriptions(subs, currency="USD", rates={"JPY": 100})


# ---------------------------------------------------------------------------
# The kernels, against Python's unbounded ints
# ---------------------------------------------------------------------------

int64s = st.integers(-(2**63), INT64_MAX)


@settings(max_examples=100)
@given(st.lists(int64s, max_size=12), st.data())
def test_checked_run_sums_match_python_ints(values, data):
    starts = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))),
        bool,
    )
    if len(values):
        starts[0] = True
    array = np.array(values, np.int64)
    sums, overflow = checked_sum_runs(array, starts)
    first = [*np.flatnonzero(starts).tolist(), len(values)]
    expected = [sum(values[a:b]) for a, b in itertools.pairwise(first)]
    fits = [-(2**63) <= e <= INT64_MAX for e in expected]
    if overflow is None:
        assert all(fits)
    else:
        assert (~overflow).tolist() == fits
    got = sums.tolist()
    for e, g, ok in zip(expected, got, fits, strict=True):
        if ok:
            assert e == g


@settings(max_examples=100)
@given(
    st.lists(st.integers(-1000, 1000), min_size=1, max_size=200),
    st.lists(st.integers(0, 199), max_size=30),
    st.integers(1, 12),
)
def test_run_sums_with_few_repeats_match_python_ints(values, repeats, run):
    """Sparse repeats (added into their first row) and long runs sum exactly."""
    starts = np.ones(len(values), bool)
    for at in repeats:  # runs of up to `run` rows: longer than 8 falls back
        starts[at % len(values) : at % len(values) + run] = False
    starts[0] = True
    sums, overflow = checked_sum_runs(np.array(values, np.int64), starts)
    first = [*np.flatnonzero(starts).tolist(), len(values)]
    assert overflow is None
    assert sums.tolist() == [sum(values[a:b]) for a, b in itertools.pairwise(first)]


@settings(max_examples=100)
@given(st.lists(int64s, max_size=12))
def test_exact_total_and_the_bound_match_python_ints(values):
    array = np.array(values, np.int64)
    assert exact_total(array) == sum(values)
    if bound_fits(array):
        assert sum(abs(v) for v in values) <= INT64_MAX
    total = sum(abs(v) for v in values)
    labels = [f"r{i}" for i in range(len(values))]
    if total <= INT64_MAX:
        check_total_fits(array, table="t", column="c", labels=labels)
    else:
        with pytest.raises(MoneyOverflowError, match=r"t\.c: sums fit in int64"):
            check_total_fits(array, table="t", column="c", labels=labels)
