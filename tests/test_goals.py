"""Tests for the goal-setting rules: credit policies, clawbacks, the head's KPI."""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics._economics import conventional_ltv
from subscription_metrics._goals import (
    NEVER,
    clawbacks,
    next_loss,
    pooled_rates,
    ramp_capacity,
)
from subscription_metrics.goals import (
    ATTAINMENT_COLUMNS,
    CreditPolicy,
    Plan,
    credited_attainment,
    deal_priorities,
    pooled_churn,
    sold_retention,
    targets,
)

from .strategies import CUSTOMERS, subscriptions
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


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(
    months=st.integers(0, 12),
    share=st.floats(0.0, 1.0),
    level=st.floats(0.5, 0.99),
    by=st.sampled_from(["staff", "team"]),
)
def test_the_credited_ltv_lies_in_its_interval(small, months, share, level, by):
    """Every month's credited LTV, credit or clawback, is within its bounds."""
    got = credited_attainment(
        small,
        deals=DEALS,
        staff=STAFF,
        policy=CreditPolicy(basis="ltv", clawback_months=months, clawback_share=share),
        level=level,
        by=by,
    )
    # Float sums of the same terms in another grouping: a relative slack.
    slack = 1e-9 * got["credit_ltv"].abs().max()
    assert (got["credited_ltv_lower"] <= got["credited_ltv"] + slack).all()
    assert (got["credited_ltv"] <= got["credited_ltv_upper"] + slack).all()


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


# --------------------------------------------------------------------------
# Pooled churn and deal priorities
# --------------------------------------------------------------------------


def _pooled_oracle(events, exposure, parent, prior_months):
    """Each node's posterior mean, by plain recursion up the tree."""

    def mean(i):
        if parent[i] < 0:
            return events[i] / exposure[i]
        return (events[i] + prior_months * mean(parent[i])) / (
            exposure[i] + prior_months
        )

    return np.array([mean(i) for i in range(len(events))])


def test_pooled_rates_by_hand():
    # Company: 10 churned in 1,000 customer-months (1%). A segment with 3 in
    # 100 and a prior worth 100 months: (3 + 100 * 0.01) / (100 + 100) = 2%.
    # Its child, 1 in 20: (1 + 100 * 0.02) / (20 + 100) = 2.5%.
    shape, rate, mean = pooled_rates(
        np.array([10.0, 3.0, 1.0]),
        np.array([1000.0, 100.0, 20.0]),
        np.array([-1, 0, 1]),
        prior_months=100.0,
    )
    np.testing.assert_allclose(mean, [0.01, 0.02, 0.025])
    np.testing.assert_allclose(shape, [10.0, 4.0, 3.0])
    np.testing.assert_allclose(rate, [1000.0, 200.0, 120.0])


TREES = st.integers(2, 8).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 30), min_size=n, max_size=n),
        st.lists(st.integers(31, 400), min_size=n, max_size=n),
        st.tuples(*[st.integers(-1, i - 1) if i else st.just(-1) for i in range(n)]),
        st.floats(0, 500),
        st.integers(0, n - 1),
    )
)


def _tree(parents):
    parent = np.array(parents, np.int64)
    parent[0] = -1
    parent[1:] = np.maximum(parent[1:], 0)  # one root; parents come first
    return parent


@settings(max_examples=100, deadline=None)
@given(tree=TREES)
def test_pooled_rates_match_a_slow_oracle(tree):
    events, exposure, parents, prior, _ = tree
    parent = _tree(parents)
    e, x = np.array(events, float), np.array(exposure, float)
    _, _, mean = pooled_rates(e, x, parent, prior_months=prior)
    np.testing.assert_allclose(mean, _pooled_oracle(e, x, parent, prior), rtol=1e-12)


@settings(max_examples=100, deadline=None)
@given(tree=TREES)
def test_raising_a_segments_retention_never_lowers_its_deals_ltv(tree):
    """Fewer churned customers in one segment (same exposure): its pooled churn,
    and its descendants', never rise, so their deals' expected LTV never falls."""
    events, exposure, parents, prior, node = tree
    parent = _tree(parents)
    e, x = np.array(events, float), np.array(exposure, float)
    better = e.copy()
    better[node] = max(better[node] - 1 - better[node] // 2, 0)
    _, _, before = pooled_rates(e, x, parent, prior_months=prior)
    _, _, after = pooled_rates(better, x, parent, prior_months=prior)
    conventions = sm.Conventions()
    mrr = np.full(len(e), 100_000.0)
    _, ltv_before = conventional_ltv(mrr, before, conventions)
    _, ltv_after = conventional_ltv(mrr, after, conventions)
    below = {node}
    for i in range(len(e)):  # parents come first
        if parent[i] in below:
            below.add(i)
    mine = np.array(sorted(below))
    assert (after[mine] <= before[mine] + 1e-15).all()
    assert (ltv_after[mine] >= ltv_before[mine] * (1 - 1e-12)).all()


def test_a_thin_segment_is_pulled_toward_its_parent_more_than_a_thick_one():
    # Both children churn at 5% against a parent at 1%; prior worth 100 months.
    # Thin (20 months): (1 + 100 * 0.01) / 120 = 1.67%, a sixth of the way.
    # Thick (2,000 months): (100 + 1) / 2,100 = 4.81%, nearly its own rate.
    _, _, mean = pooled_rates(
        np.array([10.0, 1.0, 100.0]),
        np.array([1000.0, 20.0, 2000.0]),
        np.array([-1, 0, 0]),
        prior_months=100.0,
    )
    thin, thick = mean[1], mean[2]
    assert thin == pytest.approx(2 / 120)
    assert thick == pytest.approx(101 / 2100)
    assert abs(thin - 0.01) < abs(thick - 0.01)


@pytest.fixture(scope="module")
def sample_ledger(sample) -> sm.Ledger:
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers
    )


@pytest.fixture(scope="module")
def pooled(sample_ledger) -> pd.DataFrame:
    return pooled_churn(sample_ledger, by=["segment", "acquisition_channel"])


class TestPooledChurnOnTheSample:
    def test_counts_add_up_and_thin_segments_lean_on_their_parent(self, pooled):
        top = pooled[pooled["depth"] == 1]
        company = pooled[pooled["depth"] == 0].iloc[0]
        assert top["customers"].sum() == company["customers"]
        assert top["churned"].sum() == company["churned"]
        deep = pooled[pooled["depth"] == 2]
        # The data's weight grows with exposure: thin cells trust their parent.
        order = np.argsort(deep["exposure_months"].to_numpy())
        weights = deep["data_weight"].to_numpy()[order]
        assert (np.diff(weights) >= 0).all()
        inside = (deep["churn_rate_lower"] <= deep["churn_rate"]) & (
            deep["churn_rate"] <= deep["churn_rate_upper"]
        )
        assert inside.all()

    def test_smb_churns_more_than_enterprise(self, pooled):
        rate = pooled.xs("All", level="acquisition_channel")["churn_rate"]
        assert rate["smb"] > 2 * rate["enterprise"]


class TestDealPriorities:
    def test_low_churn_prospect_ranks_above_a_larger_high_churn_one(self, pooled):
        """An enterprise/partner prospect and a smb/inbound one half as large
        again: the LTVs (MRR over pooled monthly churn) decide, not the MRR."""
        rate = pooled["churn_rate"]
        low = rate[("enterprise", "partner")]
        high = rate[("smb", "inbound")]
        small_mrr, large_mrr = 100_000, 150_000
        # The LTVs say so: 100,000 / low > 150,000 / high.
        assert small_mrr / low > large_mrr / high
        pipeline = pd.DataFrame(
            {
                "opportunity_id": ["large-smb", "small-enterprise"],
                "expected_mrr": [large_mrr, small_mrr],
                "currency": "JPY",
                "segment": ["smb", "enterprise"],
                "acquisition_channel": ["inbound", "partner"],
            }
        )
        ranked = deal_priorities(pipeline, churn=pooled)
        assert ranked["opportunity_id"].tolist() == ["small-enterprise", "large-smb"]
        got = ranked.set_index("opportunity_id")
        assert got.loc["small-enterprise", "expected_ltv"] == pytest.approx(
            small_mrr / low
        )
        assert (got["segment_depth"] == 2).all()
        # Far larger, the smb prospect is worth more after all.
        huge = pipeline.assign(expected_mrr=[20 * small_mrr, small_mrr])
        assert deal_priorities(huge, churn=pooled)["opportunity_id"].iloc[0] == (
            "large-smb"
        )

    def test_unseen_segments_fall_back_to_their_parent(self, pooled):
        pipeline = pd.DataFrame(
            {
                "opportunity_id": ["o1", "o2", "o3"],
                "expected_mrr": [10_000, 10_000, 10_000],
                "currency": "JPY",
                "segment": ["smb", "galactic", None],
                "acquisition_channel": ["carrier_pigeon", "inbound", "inbound"],
            }
        )
        got = deal_priorities(pipeline, churn=pooled).set_index("opportunity_id")
        assert got.loc["o1", "segment_depth"] == 1
        assert got.loc["o1", "churn_rate"] == pooled.loc[("smb", "All"), "churn_rate"]
        assert got.loc["o2", "segment_depth"] == 0
        assert got.loc["o3", "segment_depth"] == 0
        lower, upper = got["expected_ltv_lower"], got["expected_ltv_upper"]
        assert ((lower <= got["expected_ltv"]) & (got["expected_ltv"] <= upper)).all()

    def test_a_missing_attribute_column_is_named(self, pooled):
        pipeline = pd.DataFrame(
            {"opportunity_id": ["o1"], "expected_mrr": [1], "currency": "JPY"}
        )
        with pytest.raises(ValueError, match="segment"):
            deal_priorities(pipeline, churn=pooled)
        with pytest.raises(sm.InvalidTableError):
            deal_priorities(
                pipeline.assign(
                    expected_mrr=-1, segment="smb", acquisition_channel="inbound"
                ),
                churn=pooled,
            )


def test_opportunity_round_trips_and_its_table_is_checked():
    opp = sm.Opportunity(opportunity_id="o-1", expected_mrr=120_000, currency="jpy")
    assert opp.currency == "JPY"
    assert sm.Opportunity.from_dict(opp.to_dict()) == opp
    frame = pd.DataFrame(
        {"opportunity_id": ["o-1", "o-1"], "expected_mrr": [1, 2], "currency": "JPY"}
    )
    with pytest.raises(sm.InvalidTableError, match="opportunity_id"):
        sm.frames.validate(frame, sm.Opportunity)


# --------------------------------------------------------------------------
# Plans and targets
# --------------------------------------------------------------------------

PLAN_STAFF = pd.DataFrame(
    {
        "staff_id": ["a", "b", "c", "d", "e"],
        "role": ["field_sales"] * 4 + ["inside_sales"],
        "monthly_cost": [1] * 5,
        "currency": "JPY",
        "team": ["east", "east", "west", "west", "east"],
        "fte": [1.0, 0.5, 1.0, 1.0, 1.0],
        "start": pd.to_datetime(
            ["2020-01-01", "2020-01-01", "2026-02-01", "2020-01-01", "2020-01-01"]
        ),
        "end": pd.to_datetime([None, None, None, "2026-03-01", None]),
    }
)


def test_ramp_capacity_by_hand():
    # Quarter Jan-Mar (ordinals 0..2), ramp 3: a veteran works 3 full months; a
    # hire starting in February works 1/3 then 2/3 = 1 month; a leaver whose
    # last month is January works 1.
    got = ramp_capacity(np.array([-100, 1, -100]), np.array([10**6, 10**6, 1]), 0, 3, 3)
    np.testing.assert_allclose(got, [3.0, 1.0, 1.0])


def test_targets_by_hand():
    plan = Plan(goal=1_000_000, currency="JPY", start="2026-01", ramp_months=3)
    got = targets(PLAN_STAFF, plan=plan)
    # Capacity: a 1 x 3 = 3; b 0.5 x 3 = 1.5; c (from February) 1 x (1/3 + 2/3)
    # = 1; d (leaves 1 March) 1 x 2 = 2; e is inside sales. Total 7.5.
    np.testing.assert_allclose(got["capacity_months"], [3.0, 1.5, 1.0, 2.0])
    # 1,000,000 x 3/7.5 = 400,000; x 1.5/7.5 = 200,000; x 1/7.5 = 133,333.33;
    # x 2/7.5 = 266,666.67: largest remainder gives the extra yen to d.
    assert got["target_mrr"].tolist() == [400_000, 200_000, 133_333, 266_667]
    assert got["target_mrr"].sum() == plan.goal
    assert "3 / 7.50 of field_sales capacity" in got.loc["a", "chain"]
    teams = targets(PLAN_STAFF, plan=plan, by="team")
    assert teams["target_mrr"].to_dict() == {"east": 600_000, "west": 400_000}
    assert got.attrs["plan"] is plan


def test_a_plan_is_a_frozen_checked_record():
    plan = Plan(goal=1, currency="jpy", start="2026-01")
    assert plan.currency == "JPY"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        plan.goal = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="'months'"):
        attrs.evolve(plan, months=0)
    with pytest.raises(ValueError, match="'role'"):
        attrs.evolve(plan, role="closer")
    with pytest.raises(ValueError, match="no capacity"):
        targets(PLAN_STAFF, plan=attrs.evolve(plan, start="2010-01"))


@settings(max_examples=60, deadline=None)
@given(
    goal=st.integers(0, 10**12),
    rows=st.lists(
        st.tuples(
            st.sampled_from(["east", "west", "north"]),
            st.sampled_from([0.25, 0.5, 1.0]),
            st.integers(-24, 5),
        ),
        min_size=1,
        max_size=12,
    ),
    ramp=st.integers(0, 6),
)
def test_peoples_targets_add_up_to_the_teams_and_the_goal(goal, rows, ramp):
    staff = pd.DataFrame(
        {
            "staff_id": [f"s{i:02d}" for i in range(len(rows))],
            "role": "field_sales",
            "monthly_cost": 1,
            "currency": "JPY",
            "team": [r[0] for r in rows],
            "fte": [r[1] for r in rows],
            "start": [
                pd.Timestamp("2026-01-01") + pd.DateOffset(months=r[2]) for r in rows
            ],
        }
    )
    staff.loc[0, "start"] = pd.Timestamp("2024-01-01")  # someone can carry it
    plan = Plan(goal=goal, currency="JPY", start="2026-01", ramp_months=ramp)
    people = targets(staff, plan=plan)
    teams = targets(staff, plan=plan, by="team")
    assert people["target_mrr"].sum() == goal
    assert (people["target_mrr"] >= 0).all()
    by_team = people.groupby("team")["target_mrr"].sum()
    assert by_team.to_dict() == teams["target_mrr"].to_dict()
    # More capacity never gets a smaller target (largest remainder is monotone
    # up to one unit).
    order = np.argsort(people["capacity_months"].to_numpy(), kind="stable")
    assert (np.diff(people["target_mrr"].to_numpy()[order]) >= -1).all()


def _attainment_oracle(led, deals, months, share):
    """Credited MRR per (owner, month), deal by deal, from the ledger's events."""
    events = sm.ledger.events(led)
    losses = events[(events["mrr"] == 0) & (events["mrr_change"] < 0)]
    last = led.last_month
    out: dict[tuple[str, pd.Period], int] = {}
    for deal in deals.itertuples():
        won = pd.Period(deal.won_on, freq="M")
        if won > last:
            continue
        key = (deal.owner_id, won)
        out[key] = out.get(key, 0) + deal.mrr
        later = losses[
            (losses["customer_id"] == deal.customer_id) & (losses["month"] > won)
        ]
        if not len(later) or months == 0:
            continue
        lost = later["month"].min()
        if (lost - won).n <= months:
            back = round(deal.mrr * share)
            if back:  # a month shows a clawback only where one happened
                key = (deal.owner_id, lost)
                out[key] = out.get(key, 0) - back
    return out


@settings(max_examples=25, deadline=None)
@given(
    subs=subscriptions(min_size=1),
    rows=st.lists(
        st.tuples(
            st.sampled_from(CUSTOMERS),
            st.integers(0, 50_000),
            st.dates(dt.date(2023, 1, 1), dt.date(2024, 12, 31)),
            st.sampled_from(["r1", "r2"]),
        ),
        min_size=1,
        max_size=10,
    ),
    months=st.integers(0, 12),
    share=st.sampled_from([0.0, 0.5, 1.0]),
)
def test_credited_attainment_matches_a_slow_oracle(subs, rows, months, share):
    led = sm.Ledger.from_subscriptions(subs)
    assume(led.last_month is not None)  # an empty ledger is refused, tested below
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i}" for i in range(len(rows))],
            "customer_id": [r[0] for r in rows],
            "kind": "new",
            "mrr": [r[1] for r in rows],
            "currency": "USD",
            "won_on": pd.to_datetime([r[2] for r in rows]),
            "owner_id": [r[3] for r in rows],
        }
    )
    rule = CreditPolicy(clawback_months=months, clawback_share=share)
    got = credited_attainment(led, deals=deals, policy=rule)
    expected = _attainment_oracle(led, deals, months, share)
    assert got["credited_mrr"].to_dict() == expected


def test_an_empty_ledger_is_refused():
    empty = sm.Ledger.from_subscriptions(_subs([]))
    with pytest.raises(ValueError, match="empty"):
        credited_attainment(empty, deals=DEALS)


def _sold_oracle(led, closer):
    """customers_sold, customers_active, sold_mrr, mrr_at_end per (rep, month)."""
    events = sm.ledger.events(led)
    months = pd.period_range(led.first_month, led.last_month, freq="M")
    out = {}
    for rep in sorted(set(closer.values())):
        mine = events[events["customer_id"].map(closer) == rep]
        for month in months:
            seen = mine[mine["month"] <= month]
            sold = active = sold_mrr = mrr = 0
            for _, rows in seen.groupby("customer_id"):
                paid = rows[rows["mrr"] > 0]
                if not len(paid):
                    continue
                sold += 1
                sold_mrr += int(paid["mrr"].iloc[0])
                now = int(rows["mrr"].iloc[-1])
                active += now > 0
                mrr += now
            out[(rep, month)] = (sold, active, sold_mrr, mrr)
    return out


@settings(max_examples=20, deadline=None)
@given(
    subs=subscriptions(min_size=1),
    reps=st.lists(
        st.sampled_from(["r1", "r2"]), min_size=len(CUSTOMERS), max_size=len(CUSTOMERS)
    ),
)
def test_sold_retention_matches_a_slow_oracle(subs, reps):
    closer = dict(zip(CUSTOMERS, reps, strict=True))
    customers = pd.DataFrame({"customer_id": CUSTOMERS, "field_sales_rep": reps})
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    assume(led.last_month is not None)
    staff = STAFF.copy()
    got = sold_retention(led, staff=staff, by="staff", total=False)
    columns = ["customers_sold", "customers_active", "sold_mrr", "mrr_at_end"]
    table = {
        k: tuple(int(v) for v in row)
        for k, row in zip(got.index, got[columns].itertuples(index=False), strict=True)
    }
    known = set(led.customers["customer_id"])
    expected = _sold_oracle(led, {c: r for c, r in closer.items() if c in known})
    assert {k: v for k, v in table.items() if k[0] != "(none)"} == expected


def test_no_prior_weight_is_no_pooling_and_a_wider_level_is_wider(sample_ledger):
    raw = pooled_churn(sample_ledger, by=["segment", "industry"], prior_months=0.0)
    known = raw["exposure_months"] > 0
    np.testing.assert_allclose(
        raw.loc[known, "churn_rate"], raw.loc[known, "raw_churn_rate"]
    )
    narrow = pooled_churn(sample_ledger, by="segment", level=0.5)
    wide = pooled_churn(sample_ledger, by="segment", level=0.99)
    assert (
        wide["churn_rate_upper"] - wide["churn_rate_lower"]
        > narrow["churn_rate_upper"] - narrow["churn_rate_lower"]
    ).all()
    with pytest.raises(ValueError, match="prior_months"):
        pooled_churn(sample_ledger, by="segment", prior_months=-1.0)
    with pytest.raises(ValueError, match="level"):
        pooled_churn(sample_ledger, by="segment", level=95)
