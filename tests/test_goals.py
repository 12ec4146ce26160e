"""Tests for the goal-setting rules: credit policies, clawbacks, the head's KPI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics._goals import NEVER, clawbacks, next_loss
from subscription_metrics.goals import (
    ATTAINMENT_COLUMNS,
    CreditPolicy,
    credited_attainment,
    sold_retention,
)

from .test_scorecards import _subs

MULTIPLES = pd.Series({"x": 10.0, "y": 20.0, "All": 15.0})


@pytest.fixture(scope="module")
def small() -> sm.Ledger:
    """a (segment x) stays; b (x) pays Jan-Feb 2024, lost in March; c (y) pays
    Feb-Aug, lost in September."""
    subs = _subs(
        [
            ("a", "2024-01-05", None, 10_000),
            ("b", "2024-01-10", "2024-03-20", 20_000),
            ("c", "2024-02-01", "2024-09-05", 30_000),
        ]
    )
    customers = pd.DataFrame({"customer_id": list("abc"), "segment": ["x", "x", "y"]})
    return sm.Ledger.from_subscriptions(subs, customers=customers, through="2024-12-31")


DEALS = pd.DataFrame(
    {
        "deal_id": ["d1", "d2", "d3", "d4"],
        "customer_id": ["a", "b", "c", "a"],
        "kind": ["new", "new", "new", "upsell"],
        "mrr": [10_000, 20_000, 30_000, 5_000],
        "currency": "JPY",
        "won_on": pd.to_datetime(
            ["2024-01-05", "2024-01-10", "2024-02-01", "2024-06-03"]
        ),
        "owner_id": ["r1", "r1", "r2", "r2"],
        "sourced_by": [None, None, None, None],
    }
)
STAFF = pd.DataFrame(
    {
        "staff_id": ["r1", "r2"],
        "role": ["field_sales", "field_sales"],
        "monthly_cost": [1, 1],
        "currency": "JPY",
        "team": ["east", "west"],
    }
)


def _cell(frame: pd.DataFrame, who: str, month: str, column: str) -> float:
    return frame.loc[(who, pd.Period(month, freq="M")), column]


class TestCreditPolicy:
    def test_defaults_and_checks(self):
        assert CreditPolicy() == CreditPolicy(
            basis="bookings", clawback_months=0, clawback_share=1.0
        )
        with pytest.raises(ValueError, match="'basis'"):
            CreditPolicy(basis="arr")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="clawback_months"):
            CreditPolicy(clawback_months=-1)
        with pytest.raises(ValueError, match="clawback_share"):
            CreditPolicy(clawback_share=-0.1)


class TestCreditedAttainment:
    def test_bookings_with_a_half_clawback(self, small):
        rule = CreditPolicy(clawback_months=3, clawback_share=0.5)
        got = credited_attainment(small, deals=DEALS, policy=rule)
        assert list(got.columns) == list(ATTAINMENT_COLUMNS["bookings"])
        # r1 won d1 and d2 in January: 10,000 + 20,000.
        assert _cell(got, "r1", "2024-01", "credit_mrr") == 30_000
        # b was lost in March after 2 paid months (<= 3): half of 20,000 back.
        assert _cell(got, "r1", "2024-03", "clawback_mrr") == 10_000
        assert _cell(got, "r1", "2024-03", "credited_mrr") == -10_000
        # c was lost after 7 paid months (> 3): r2 keeps its 30,000.
        assert got.loc["r2", "clawback_mrr"].sum() == 0
        assert got["credited_mrr"].sum() == 65_000 - 10_000
        assert got.attrs["currency"] == "JPY"
        assert str(got["credited_mrr"].dtype) == "int64"

    def test_ltv_credit_gives_back_what_was_not_realised(self, small):
        rule = CreditPolicy(basis="ltv", clawback_months=12)
        got = credited_attainment(
            small, deals=DEALS, policy=rule, segment_ltv=MULTIPLES
        )
        assert list(got.columns) == list(ATTAINMENT_COLUMNS["ltv"])
        # d1, d2 (segment x, multiple 10): 100,000 + 200,000 in January.
        assert _cell(got, "r1", "2024-01", "credit_ltv") == 300_000
        # b paid 2 months of 20,000: 200,000 - 40,000 is taken back in March.
        assert _cell(got, "r1", "2024-03", "clawback_ltv") == 160_000
        # d3 (y, 20): 600,000; c paid 7 months of 30,000: 390,000 back.
        assert _cell(got, "r2", "2024-02", "credit_ltv") == 600_000
        assert _cell(got, "r2", "2024-09", "clawback_ltv") == 390_000
        # d4, an upsell of a (x): 50,000, never taken back.
        assert _cell(got, "r2", "2024-06", "credited_ltv") == 50_000
        assert got["deals_clawed_back"].sum() == 2

    def test_by_team_and_through(self, small):
        got = credited_attainment(
            small, deals=DEALS, staff=STAFF, by="team", through="2024-06"
        )
        assert got.index.names == ["team", "period"]
        assert got.loc["west", "booked_mrr"].sum() == 35_000
        with pytest.raises(ValueError, match="staff table"):
            credited_attainment(small, deals=DEALS, by="team")

    def test_missing_multiple_is_refused(self, small):
        with pytest.raises(ValueError, match=r"segment_ltv: .*\['y'\]"):
            credited_attainment(
                small,
                deals=DEALS,
                policy=CreditPolicy(basis="ltv"),
                segment_ltv=pd.Series({"x": 10.0}),
            )

    def test_other_currency_is_refused(self, small):
        with pytest.raises(ValueError, match="currency"):
            credited_attainment(small, deals=DEALS.assign(currency="USD"))


def _next_loss_oracle(customer, month, loss_customer, loss_month):
    out = []
    for c, m in zip(customer, month, strict=True):
        later = [
            lm
            for lc, lm in zip(loss_customer, loss_month, strict=True)
            if lc == c and lm > m and c >= 0
        ]
        out.append(min(later) if later else NEVER)
    return np.array(out, np.int64)


@settings(max_examples=60, deadline=None)
@given(
    deals=st.lists(st.tuples(st.integers(-1, 4), st.integers(0, 20)), max_size=15),
    losses=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 20)), max_size=15),
)
def test_next_loss_matches_a_slow_oracle(deals, losses):
    customer = np.array([d[0] for d in deals], np.int64)
    month = np.array([d[1] for d in deals], np.int64)
    lc = np.array([x[0] for x in losses], np.int64)
    lm = np.array([x[1] for x in losses], np.int64)
    np.testing.assert_array_equal(
        next_loss(customer, month, lc, lm), _next_loss_oracle(customer, month, lc, lm)
    )


CREDITS = st.lists(
    st.tuples(
        st.floats(0, 1e9, allow_nan=False),
        st.floats(0, 1e9, allow_nan=False),
        st.integers(1, 40),
    ),
    min_size=1,
    max_size=20,
)


@settings(max_examples=100, deadline=None)
@given(rows=CREDITS, months=st.integers(0, 40), share=st.floats(0, 1))
def test_a_clawback_never_credits_more_than_the_deal(rows, months, share):
    credit, realised, paid = (np.array(c) for c in zip(*rows, strict=True))
    back = clawbacks(
        credit,
        realised,
        paid.astype(np.int64),
        clawback_months=months,
        clawback_share=share,
    )
    assert (back >= 0).all()
    assert (back <= credit).all()


@settings(max_examples=100, deadline=None)
@given(
    rows=CREDITS,
    months=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    shares=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_a_stricter_clawback_never_credits_more(rows, months, shares):
    credit, realised, paid = (np.array(c) for c in zip(*rows, strict=True))
    lax_m, strict_m = sorted(months)
    lax_s, strict_s = sorted(shares)
    lax = clawbacks(
        credit,
        realised,
        paid.astype(np.int64),
        clawback_months=lax_m,
        clawback_share=lax_s,
    )
    strict = clawbacks(
        credit,
        realised,
        paid.astype(np.int64),
        clawback_months=strict_m,
        clawback_share=strict_s,
    )
    assert (credit - strict <= credit - lax).all()


@settings(max_examples=25, deadline=None)
@given(
    months=st.tuples(st.integers(0, 12), st.integers(0, 12)),
    basis=st.sampled_from(["bookings", "ltv"]),
)
def test_stricter_policy_credits_no_more_in_any_month(small, months, basis):
    lax_m, strict_m = sorted(months)
    lax, strict = (
        credited_attainment(
            small,
            deals=DEALS,
            policy=CreditPolicy(basis=basis, clawback_months=m),
            segment_ltv=MULTIPLES,
        )
        for m in (lax_m, strict_m)
    )
    column = ATTAINMENT_COLUMNS[basis][4]
    both = pd.concat([lax[column], strict[column]], axis=1).fillna(0)
    assert (both.iloc[:, 1] <= both.iloc[:, 0] + 1e-9).all()


class TestSoldRetention:
    def test_hand_built(self, small):
        customers = small.customers.assign(field_sales_rep=["r1", "r1", "r2"])
        led = sm.Ledger.from_subscriptions(
            _subs(
                [
                    ("a", "2024-01-05", None, 10_000),
                    ("b", "2024-01-10", "2024-03-20", 20_000),
                    ("c", "2024-02-01", "2024-09-05", 30_000),
                ]
            ),
            customers=customers,
            through="2024-12-31",
        )
        kpi = sold_retention(led, staff=STAFF)
        east = kpi.loc["east"]
        # East (r1) sold a and b in January: 2 customers, 30,000 MRR.
        assert east.loc[pd.Period("2024-01", "M"), "customers_sold"] == 2
        assert east.loc[pd.Period("2024-01", "M"), "sold_mrr"] == 30_000
        # b lost in March: 1 of 2 customers, 10,000 of 30,000 MRR kept.
        march = east.loc[pd.Period("2024-03", "M")]
        assert march["customer_retention"] == 0.5
        assert march["net_mrr_retention"] == pytest.approx(1 / 3)
        # West sold nothing in January: undefined, not 0.
        assert np.isnan(
            kpi.loc[("west", pd.Period("2024-01", "M")), "customer_retention"]
        )
        # The company's row adds the teams.
        dec = kpi.xs(pd.Period("2024-12", "M"), level="period")
        assert dec.loc["All", "customers_active"] == 1
        assert dec.loc["All", "mrr_at_end"] == 10_000


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


def test_on_the_sample_rep_a_loses_ground_under_ltv_credit(sample):
    """REP_A closes more than REP_B but its customers churn: LTV credit, which
    takes back what lost customers did not realise, narrows its lead."""
    led = sm.Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)
    new = sample.deals[sample.deals["kind"] == "new"]
    bookings = credited_attainment(led, deals=new)
    ltv = credited_attainment(
        led, deals=new, policy=CreditPolicy(basis="ltv", clawback_months=24)
    )
    a, b = sm.datasets.REP_A, sm.datasets.REP_B
    by_bookings = bookings.groupby(level="staff_id")["credited_mrr"].sum()
    by_ltv = ltv.groupby(level="staff_id")["credited_ltv"].sum()
    ratio_bookings = by_bookings[a] / by_bookings[b]
    ratio_ltv = by_ltv[a] / by_ltv[b]
    assert ratio_bookings > 2
    assert ratio_ltv < 0.85 * ratio_bookings
