"""Tests for attribution and the LTV-aware scorecards."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

import subscription_metrics as sm
from subscription_metrics import InvalidTableError, Ledger, Role
from subscription_metrics._attribution import owner_at
from subscription_metrics.scorecards import (
    ADDITIVE_COLUMNS,
    _logrank,
    acquisition_quality,
    attribution,
    compare,
    owned_book,
    scorecard,
)
from subscription_metrics.survival import kaplan_meier, lifetimes, survival_at

from .strategies import CUSTOMERS, subscriptions


def _subs(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "start", "end", "mrr"])
    frame.insert(0, "subscription_id", [f"s{i}" for i in range(len(rows))])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["currency"] = "JPY"
    return frame


STAFF = pd.DataFrame(
    {
        "staff_id": ["fs1", "fs2", "is1", "cs1", "cs2"],
        "role": [
            "field_sales",
            "field_sales",
            "inside_sales",
            "customer_success",
            "customer_success",
        ],
        "monthly_cost": [1, 1, 1, 1, 1],
        "currency": "JPY",
        "team": ["east", "west", "east", "cs", "cs"],
    }
)


@pytest.fixture(scope="module")
def small() -> Ledger:
    """Four customers: fs1 closes a (stays) and b (churns in month 3); fs2 closes
    c (churns in month 2) and d (stays); is1 sourced a and c."""
    subs = _subs(
        [
            ("a", "2024-01-05", None, 10_000),
            ("b", "2024-01-10", "2024-03-20", 20_000),
            ("c", "2024-02-01", "2024-03-05", 30_000),
            ("d", "2024-02-01", None, 40_000),
            ("d", "2024-04-01", None, 5_000),
        ]
    )
    customers = pd.DataFrame(
        {
            "customer_id": list("abcd"),
            "field_sales_rep": ["fs1", "fs1", "fs2", "fs2"],
            "inside_sales_rep": ["is1", None, "is1", None],
            "cs_owner": ["cs1", "cs1", "cs2", "cs2"],
            "acquisition_channel": ["ads", "ads", "partner", "partner"],
        }
    )
    return Ledger.from_subscriptions(subs, customers=customers, through="2024-12-31")


class TestAttribution:
    def test_customers_table_rules(self, small):
        who = attribution(small)
        assert who.loc["a", "closed_by"] == "fs1"
        assert who.loc["a", "sourced_by"] == "is1"
        assert pd.isna(who.loc["b", "sourced_by"])
        assert who.loc["c", "customer_success"] == "cs2"
        assert who["customer_sales"].isna().all()

    def test_deals_decide_who_closed_and_sourced(self, small):
        deals = pd.DataFrame(
            {
                "deal_id": ["d1", "d2", "d3"],
                "customer_id": ["a", "a", "b"],
                "kind": ["new", "upsell", "new"],
                "mrr": [10_000, 1, 20_000],
                "currency": "JPY",
                "won_on": pd.to_datetime(["2024-01-02", "2024-05-01", "2024-01-08"]),
                "owner_id": ["fs2", "cs1", "is1"],
                "sourced_by": [None, None, None],
            }
        )
        who = attribution(small, deals=deals)
        # a's first new deal was won by fs2 alone: fs2 closed and sourced it.
        assert who.loc["a", "closed_by"] == "fs2"
        assert who.loc["a", "sourced_by"] == "fs2"
        assert who.loc["b", "closed_by"] == "is1"
        # No deal for c: the customers table decides.
        assert who.loc["c", "closed_by"] == "fs2"

    def test_dated_owners_and_the_owner_at_churn(self, small):
        assignments = pd.DataFrame(
            {
                "customer_id": ["a", "a", "b", "b"],
                "staff_id": ["cs1", "cs2", "cs2", "cs1"],
                "role": "customer_success",
                "start": pd.to_datetime(
                    ["2024-01-05", "2024-06-10", "2024-01-10", "2024-04-01"]
                ),
                "end": pd.to_datetime(["2024-06-10", None, "2024-04-01", None]),
            }
        )
        who = attribution(small, assignments=assignments, as_of="2024-12")
        assert who.loc["a", "customer_success"] == "cs2"
        # b paid through February 2024 (churned in March): cs2 answers for it.
        assert who.loc["b", "customer_success"] == "cs2"
        early = attribution(small, assignments=assignments, as_of="2024-05")
        assert early.loc["a", "customer_success"] == "cs1"

    def test_overlapping_assignments_are_refused(self, small):
        assignments = pd.DataFrame(
            {
                "customer_id": ["a", "a"],
                "staff_id": ["cs1", "cs2"],
                "role": "customer_success",
                "start": pd.to_datetime(["2024-01-01", "2024-03-01"]),
                "end": pd.to_datetime(["2024-06-01", None]),
            }
        )
        with pytest.raises(InvalidTableError, match="no overlap"):
            attribution(small, assignments=assignments)


def _slow_owner(table: pd.DataFrame, customer: str, month: int) -> str | None:
    first = pd.Period(ordinal=month, freq="M").to_timestamp()
    last = pd.Period(ordinal=month, freq="M").to_timestamp(how="end").normalize()
    rows = table[(table["customer_id"] == customer) & (table["start"] <= last)]
    if not len(rows):
        return None
    row = rows.sort_values("start").iloc[-1]
    if pd.notna(row["end"]) and row["end"] <= first:
        return None
    return str(row["staff_id"])


@st.composite
def _assignments(draw):
    rows = []
    for customer in ("a", "b", "c"):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 60)))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(1, 120))
            end = day + dt.timedelta(days=length)
            last = draw(st.booleans())
            rows.append(
                (
                    customer,
                    draw(st.sampled_from(["x", "y", "z"])),
                    day,
                    None if last else end,
                )
            )
            if last:
                break
            day = end + dt.timedelta(days=draw(st.integers(0, 40)))
    frame = pd.DataFrame(rows, columns=["customer_id", "staff_id", "start", "end"])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["role"] = "customer_success"
    return frame


@given(_assignments(), st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 14))))
def test_owner_at_matches_a_slow_lookup(table, queries):
    months = np.array(
        [pd.Period("2023-12", "M").ordinal + m for _, m in queries], np.int64
    )
    ids = np.array([c for c, _ in queries], dtype=object)
    fast = owner_at(table, ids, months, Role.CUSTOMER_SUCCESS)
    slow = [_slow_owner(table, c, int(m)) for c, m in zip(ids, months, strict=True)]
    assert list(fast) == slow


class TestScorecard:
    def test_hand_built_figures(self, small):
        card = scorecard(small, staff=STAFF, min_customers=1, min_churned=1)
        fs1, fs2 = card.loc["fs1"], card.loc["fs2"]

        assert fs1["customers_won"] == 2
        assert fs1["new_mrr"] == 30_000
        # b churned in March: 20,000 of fs1's MRR; c's 30,000 left fs2.
        assert fs1["churned_mrr"] == 20_000
        assert fs2["churned_mrr"] == 30_000
        assert fs2["expansion_mrr"] == 5_000
        assert fs2["mrr_at_as_of"] == 45_000
        # b paid two months (Jan, Feb): churned within 3 months, as did c (1).
        assert fs1["early_churn_3m"] == pytest.approx(0.5)
        assert fs2["early_churn_3m"] == pytest.approx(0.5)
        assert fs1["team"] == "east"
        assert card.loc["All", "customers_won"] == 4

    def test_retention_is_kaplan_meier_of_the_lifetimes(self, small):
        card = scorecard(small, staff=STAFF, min_customers=1, min_churned=1)
        spans = lifetimes(small, by="field_sales_rep")
        mine = spans[spans["field_sales_rep"] == "fs1"]
        curve = kaplan_meier(mine["age"], mine["observed"])
        at = survival_at(curve, [6, 12])

        assert card.loc["fs1", "retention_6m"] == pytest.approx(at["survival"].iloc[0])
        assert card.loc["fs1", "retention_12m"] == pytest.approx(
            at["survival"].iloc[1], nan_ok=True
        )

    def test_window_keeps_only_customers_acquired_in_it(self, small):
        card = scorecard(small, staff=STAFF, since="2024-02", through="2024-02")
        assert card.loc["fs2", "customers_won"] == 2
        assert "fs1" not in card.index

    def test_additive_columns_add_up(self, sample, sample_ledger):
        people = scorecard(sample_ledger, staff=sample.staff, deals=sample.deals)
        teams = scorecard(
            sample_ledger, staff=sample.staff, deals=sample.deals, by="team"
        )
        members = people.drop(index="All")
        for column in ADDITIVE_COLUMNS:
            by_team = members[column].groupby(members["team"].fillna("(none)")).sum()
            np.testing.assert_allclose(
                teams[column].drop(index="All").sort_index(),
                by_team.reindex(teams.index.drop("All")).sort_index(),
            )
            assert people.loc["All", column] == pytest.approx(members[column].sum())
            assert teams.loc["All", column] == pytest.approx(members[column].sum())

    def test_rep_a_books_more_but_brings_less_lifetime_value(
        self, sample, sample_ledger
    ):
        """The rep who closes more deals that churn is worth less."""
        card = scorecard(sample_ledger, staff=sample.staff, deals=sample.deals)
        a, b = card.loc[sm.datasets.REP_A], card.loc[sm.datasets.REP_B]

        assert a["new_mrr"] > b["new_mrr"]
        assert a["rank_bookings"] < b["rank_bookings"]
        assert a["ltv_weighted_bookings"] < b["ltv_weighted_bookings"]
        assert a["rank_ltv_weighted_bookings"] > b["rank_ltv_weighted_bookings"]
        result = compare(
            sample_ledger, sm.datasets.REP_A, sm.datasets.REP_B, deals=sample.deals
        )
        assert result.loc["survival_curve", "beyond_noise"]
        assert result.loc["retention_12m", "upper"] < 0

    def test_thin_rows_are_not_ranked(self, small):
        card = scorecard(small, staff=STAFF, min_customers=3)
        assert card["thin"].drop(index="All").all()
        assert card["rank_ltv_weighted_bookings"].isna().all()
        assert card["rank_bookings"].drop(index="All").notna().all()


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def sample_ledger(sample) -> Ledger:
    return Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)


def _slow_logrank(age, observed, first):
    """Log-rank statistic, time by time, as textbooks write it."""
    o_minus_e = variance = 0.0
    for t in sorted(set(age[observed])):
        at_risk = age >= t
        n, n1 = at_risk.sum(), (at_risk & first).sum()
        d = ((age == t) & observed).sum()
        d1 = ((age == t) & observed & first).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            variance += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e**2 / variance if variance > 0 else 0.0


@given(
    st.lists(
        st.tuples(st.integers(1, 12), st.booleans(), st.booleans()),
        min_size=2,
        max_size=40,
    )
)
def test_logrank_matches_a_slow_oracle(rows):
    age = np.array([r[0] for r in rows])
    observed = np.array([r[1] for r in rows])
    first = np.array([r[2] for r in rows])
    statistic, p_value = _logrank(age, observed, first)
    expected = _slow_logrank(age, observed, first)
    assert statistic == pytest.approx(expected, rel=1e-9, abs=1e-12)
    assert p_value == pytest.approx(stats.chi2.sf(expected, 1))


class TestAcquisitionQuality:
    def test_groups_by_an_attribute_and_adds_up(self, small):
        out = acquisition_quality(
            small, by="acquisition_channel", min_customers=1, min_churned=1
        )
        assert out.loc["ads", "customers_won"] == 2
        assert out.loc["partner", "churned_mrr"] == 30_000
        assert out.loc["All", "new_mrr"] == out.drop(index="All")["new_mrr"].sum()


class TestOwnedBook:
    def test_a_handover_moves_responsibility(self, small):
        assignments = pd.DataFrame(
            {
                "customer_id": ["a", "b", "b", "c", "d"],
                "staff_id": ["cs1", "cs1", "cs2", "cs2", "cs2"],
                "role": "customer_success",
                "start": pd.to_datetime(
                    [
                        "2024-01-05",
                        "2024-01-10",
                        "2024-03-01",
                        "2024-02-01",
                        "2024-02-01",
                    ]
                ),
                "end": pd.to_datetime([None, "2024-03-01", None, None, None]),
            }
        )
        book = owned_book(small, assignments=assignments, staff=STAFF)
        # b churned in March, after the handover to cs2 on March 1.
        assert book.loc["cs2", "churned_mrr"] == 20_000 + 30_000
        assert book.loc["cs1", "churned_mrr"] == 0
        assert book.loc["cs2", "expansion_mrr"] == 5_000
        assert book.loc["cs1", "mrr_at_end"] == 10_000
        assert book.loc["All", "customers_lost"] == 2
        teams = owned_book(small, assignments=assignments, staff=STAFF, by="team")
        assert teams.loc["cs", "churned_mrr"] == 50_000


@pytest.mark.slow
@given(
    subscriptions(min_size=1, max_size=12),
    st.lists(st.sampled_from(["fs1", "fs2", "is1", None]), min_size=6, max_size=6),
)
@settings(deadline=None)
def test_people_add_up_to_teams_and_the_company(subs, reps):
    """Every additive figure of the people sums to their team's and the company's."""
    subs = subs.assign(currency="JPY")
    customers = pd.DataFrame({"customer_id": CUSTOMERS, "field_sales_rep": reps})
    led = Ledger.from_subscriptions(subs, customers=customers, through="2024-12-31")
    assume(led.first_month is not None)
    people = scorecard(led, staff=STAFF)
    teams = scorecard(led, staff=STAFF, by="team")
    members = people.drop(index="All")
    for column in ADDITIVE_COLUMNS:
        by_team = members[column].groupby(members["team"].fillna("(none)")).sum()
        got = teams[column].drop(index="All")
        np.testing.assert_allclose(
            got.sort_index().to_numpy(np.float64),
            by_team.reindex(got.index).sort_index().to_numpy(np.float64),
            rtol=1e-9,
        )
        np.testing.assert_allclose(
            float(people.loc["All", column]), float(members[column].sum()), rtol=1e-9
        )
