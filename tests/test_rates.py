"""Tests for the period totals behind `churn.rates` (months, quarters, years)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import Ledger, ledger
from subscription_metrics._rates import period_totals

from . import oracle
from .strategies import conventions, subscriptions

EARLY = pd.Period("2022-12", "M")
THROUGH = pd.Period("2025-03", "M")


@pytest.mark.slow
@given(subscriptions(), conventions)
def test_monthly_totals_equal_the_oracle(subs, conv):
    """Subscription counts and the bridge columns equal a month-by-month walk."""
    led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
    months = list(pd.period_range(EARLY - 1, THROUGH, freq="M"))
    state = oracle.customer_months_from_spans(subs, months, conv)

    totals = period_totals(led, since=EARLY, through=THROUGH)

    for i, month in enumerate(months[1:], start=1):
        at_start = sum(series[i - 1][1] for series in state.values())
        lost = sum(max(series[i - 1][1] - series[i][1], 0) for series in state.values())
        row = totals.loc[month]
        assert (row["subscriptions_at_start"], row["subscriptions_lost"]) == (
            at_start,
            lost,
        )
        assert row["customers_joined_and_lost"] == 0  # invisible within a month


@pytest.mark.slow
@given(subscriptions(), conventions)
def test_quarters_roll_up_months_and_count_joiners_who_left(subs, conv):
    """Quarter flows are month sums; stocks are the first and last month's."""
    led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
    monthly = period_totals(led, since=EARLY, through=THROUGH)
    quarterly = period_totals(led, period="quarter", since=EARLY, through=THROUGH)
    moves = ledger.movements(led)

    by_quarter = monthly.groupby(monthly.index.asfreq("Q"))
    for name in ("new_mrr", "churned_mrr", "customers_lost", "subscriptions_lost"):
        pd.testing.assert_series_equal(
            by_quarter[name].sum(), quarterly[name], check_names=False
        )
    assert (by_quarter["mrr_at_start"].first() == quarterly["mrr_at_start"]).all()
    assert (
        by_quarter["customers_at_end"].last() == quarterly["customers_at_end"]
    ).all()
    # Oracle for join-and-churn: a churn whose previous activation is in its quarter.
    expected: dict[pd.Period, int] = {}
    for _, mine in moves.groupby("customer_id"):
        joined = None
        for month, kind in zip(
            mine["month"], mine["movement"].astype(str), strict=True
        ):
            if kind in ("new", "reactivation"):
                joined = month
            elif (
                kind == "churn"
                and joined is not None
                and joined.asfreq("Q") == month.asfreq("Q")
            ):
                quarter = month.asfreq("Q")
                expected[quarter] = expected.get(quarter, 0) + 1
    actual = quarterly["customers_joined_and_lost"]
    assert {q: v for q, v in actual.items() if v} == expected


def test_partial_periods_say_how_many_months_they_cover():
    """A window ending mid-quarter reports the months it covers."""
    subs = pd.DataFrame(
        {
            "subscription_id": ["s1"],
            "customer_id": ["c1"],
            "start": pd.to_datetime(["2024-02-10"]),
            "end": pd.NaT,
            "mrr": [10],
            "currency": "USD",
        }
    )
    led = Ledger.from_subscriptions(subs, through="2024-08")

    totals = period_totals(led, period="quarter")

    assert list(totals["months"]) == [2, 3, 2]
    assert list(totals["partial"]) == [False, False, True]
    assert list(totals["end_month"].astype(str)) == ["2024-03", "2024-06", "2024-08"]


def test_unknown_period_is_refused():
    """The grain must be month, quarter or year."""
    led = Ledger.from_subscriptions(
        pd.DataFrame(
            {
                "subscription_id": ["s1"],
                "customer_id": ["c1"],
                "start": pd.to_datetime(["2024-02-10"]),
                "end": pd.NaT,
                "mrr": [10],
                "currency": "USD",
            }
        )
    )

    with pytest.raises(ValueError, match="'period' must be one of 'month'"):
        period_totals(led, period="week")  # type: ignore[arg-type]


@pytest.mark.slow
@given(
    subscriptions(), st.lists(st.sampled_from(["b", "a", None]), min_size=8, max_size=8)
)
def test_monthly_totals_are_the_grouped_months(subs, labels):
    """Monthly totals read off the sorted bridge equal the grouping of its months."""
    import numpy as np

    from subscription_metrics._ledger import segments
    from subscription_metrics._rates import _grouped_totals, _monthly_extras

    ids = sorted(set(subs["customer_id"]))
    customers = pd.DataFrame(
        {"customer_id": ids, "segment": [labels[i % 8] for i in range(len(ids))]}
    )
    led = Ledger.from_subscriptions(subs, customers=customers, through=THROUGH)
    for names in ([], ["segment"]):
        totals = period_totals(led, by=names or None, since=EARLY, through=THROUGH)
        monthly = ledger.bridge(led, by=names or None, since=EARLY, through=THROUGH)
        codes, _, count = segments(led, names)
        month_index = pd.PeriodIndex(monthly.index.get_level_values("month"))
        months = np.unique(np.asarray(month_index.asi8, np.int64))
        extras = _monthly_extras(led, codes, count, months, 1)
        grouped = _grouped_totals(monthly, extras, names, "M")
        columns = list(totals.columns.drop(["end_month", "partial"]))
        pd.testing.assert_frame_equal(
            totals[columns], grouped[columns].astype(np.int64), check_exact=True
        )
