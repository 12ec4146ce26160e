"""Tests for `subscription_metrics.operations` and its kernels."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import operations
from subscription_metrics._operations import _order_by_key_then_value, group_quantiles

DAY0 = dt.date(2024, 1, 1)
OWNERS = ["s1", "s2", "s3", None]
STAFF = pd.DataFrame(
    {
        "staff_id": ["s1", "s2", "s3"],
        "role": ["customer_support", "customer_support", "customer_sales"],
        "monthly_cost": 500_000,
        "currency": "JPY",
        "team": ["east", "east", "west"],
    }
)


def onboarding_table(rows: list[tuple]) -> pd.DataFrame:
    """Rows as (customer, started_on, completed_on or None, owner or None)."""
    frame = pd.DataFrame(
        rows, columns=["customer_id", "started_on", "completed_on", "owner_id"]
    )
    frame["started_on"] = pd.to_datetime(frame["started_on"])
    frame["completed_on"] = pd.to_datetime(frame["completed_on"])
    return frame


def ticket_table(rows: list[tuple]) -> pd.DataFrame:
    """Rows as (customer, opened_at, first_response_at, resolved_at, owner)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "opened_at",
            "first_response_at",
            "resolved_at",
            "owner_id",
        ],
    )
    frame.insert(0, "ticket_id", [f"t{i}" for i in range(len(rows))])
    for name in ("opened_at", "first_response_at", "resolved_at"):
        frame[name] = pd.to_datetime(frame[name])
    return frame


# --------------------------------------------------------------------------
# The quantile kernel
# --------------------------------------------------------------------------


class TestGroupQuantiles:
    """Tests for `group_quantiles`."""

    def test_known_values(self):
        """Group 0 holds 1, 2, 3, 10; group 1 is empty; group 2 holds 5."""
        keys = np.array([0, 2, 0, 0, 0])
        values = np.array([10.0, 5.0, 2.0, 1.0, 3.0])

        out = group_quantiles(keys, values, 3, (0.5, 0.9))

        # median of 1, 2, 3, 10 is 2.5; p90 sits at 0.9 * 3 = 2.7: 3 + 0.7 * 7.
        np.testing.assert_allclose([2.5, np.nan, 5.0], out[0])
        np.testing.assert_allclose([3 + 0.7 * 7, np.nan, 5.0], out[1])

    @given(
        st.lists(
            st.tuples(st.integers(0, 3), st.integers(-3, 3).map(float)), max_size=20
        )
    )
    def test_packed_sort_matches_lexsort(self, rows):
        """The packed sort and its lexsort fallback order rows alike."""
        keys = np.array([k for k, _ in rows], np.int64)
        values = np.array([v for _, v in rows], np.float64)

        fast = _order_by_key_then_value(keys, values, 4)
        slow = _order_by_key_then_value(keys, values, 2**62)  # the fallback

        assert keys[fast].tolist() == keys[slow].tolist()
        assert values[fast].tolist() == values[slow].tolist()
        assert values[fast].tolist() == [v for _, v in sorted(rows)]

    @given(
        st.lists(
            st.tuples(
                st.integers(0, 4), st.integers(-5, 5).map(float) | st.floats(-1e3, 1e3)
            ),
            max_size=40,
        ),
        st.lists(st.floats(0, 1), min_size=1, max_size=3),
    )
    def test_matches_numpy_quantile_group_by_group(self, rows, qs):
        """One sort for all groups equals numpy.quantile per group (slow oracle)."""
        keys = np.array([k for k, _ in rows], np.int64)
        values = np.array([v for _, v in rows], np.float64)

        out = group_quantiles(keys, values, 5, tuple(qs))

        for key in range(5):
            mine = values[keys == key]
            for row, q in enumerate(qs):
                if len(mine):
                    assert math.isclose(
                        np.quantile(mine, q), out[row, key], rel_tol=1e-9, abs_tol=1e-9
                    )
                else:
                    assert np.isnan(out[row, key])


# --------------------------------------------------------------------------
# Onboarding
# --------------------------------------------------------------------------


class TestOnboardingKpis:
    """Tests for `operations.onboarding_kpis`."""

    @pytest.fixture
    def table(self) -> pd.DataFrame:
        """Five onboardings read at 2024-05-31 against a 30-day target."""
        return onboarding_table(
            [
                ("c1", "2024-03-01", "2024-03-21", "s1"),  # 20 days, due, in target
                ("c2", "2024-03-10", "2024-05-09", "s1"),  # 60 days, due, late
                ("c3", "2024-04-01", None, "s2"),  # due, open
                ("c4", "2024-05-25", None, "s2"),  # not due yet
                ("c5", "2024-05-20", "2024-06-03", None),  # completed after as_of
                ("c6", "2024-06-02", None, "s1"),  # starts after as_of
            ]
        )

    def test_by_owner_by_hand(self, table):
        """Every KPI of every owner, with the arithmetic."""
        out = operations.onboarding_kpis(
            table, as_of="2024-05-31", by="owner", target_days=30
        )

        assert ["(none)", "s1", "s2", "All"] == out.index.tolist()
        # Rows as plain floats: the nullable within-target count makes .loc
        # rows nullable too.
        s1, s2, none, total = (
            out.astype({"completed_within_target": float}).loc[k]
            for k in ["s1", "s2", "(none)", "All"]
        )
        assert (2, 2, 0) == (s1["started"], s1["completed"], s1["in_progress"])
        assert (2, 2, 1.0) == (s1["due"], s1["completed_due"], s1["completion_rate"])
        assert (1, 0.5) == (s1["completed_within_target"], s1["within_target_rate"])
        assert (40.0, 40.0) == (
            s1["median_days_to_complete"],
            s1["mean_days_to_complete"],
        )
        # s2: c3 started 60 days before as_of (due), c4 six days before (not due).
        assert (2, 0, 2, 1, 0) == tuple(
            s2[["started", "completed", "in_progress", "due", "completed_due"]]
        )
        assert 0.0 == s2["completion_rate"]
        assert np.isnan(s2["median_days_to_complete"])
        # c5 completed on 2024-06-03, after as_of: not completed yet, not due.
        assert (1, 0, 0) == tuple(none[["started", "completed", "due"]])
        assert np.isnan(none["completion_rate"])
        assert (5, 2, 3, 2) == tuple(
            total[["started", "completed", "due", "completed_due"]]
        )
        assert 2 / 3 == total["completion_rate"]
        assert 1 / 3 == total["within_target_rate"]
        assert 1 == out.attrs["not_started_by_as_of"]

    def test_without_a_target_every_started_onboarding_is_due(self, table):
        """No target: the rate is completed over started; no within-target figure."""
        out = operations.onboarding_kpis(table, as_of="2024-05-31")

        assert ["All"] == out.index.tolist()
        assert (5, 2, 5, 2) == tuple(
            out.iloc[0][["started", "completed", "due", "completed_due"]]
        )
        assert 2 / 5 == out["completion_rate"].iloc[0]
        assert out["completed_within_target"].isna().all()
        assert out["within_target_rate"].isna().all()
        assert list(operations.ONBOARDING_COLUMNS) == out.columns.tolist()

    def test_cohorts_by_month_are_dense(self, table):
        """Cohorts from March to May, April's and May's with nobody completed."""
        out = operations.onboarding_kpis(
            table, as_of="2024-05-31", period="month", target_days=30
        )

        assert ["2024-03", "2024-04", "2024-05"] == out.index.astype(str).tolist()
        assert [2, 1, 2] == out["started"].tolist()
        assert [1.0, 0.0] == out["completion_rate"].tolist()[:2]
        assert np.isnan(out["completion_rate"].iloc[2])  # none due yet

    def test_by_team_and_tier(self, table):
        """Owners map to teams through staff; accounts to tiers through a Series."""
        by_team = operations.onboarding_kpis(
            table, as_of="2024-05-31", by="team", staff=STAFF
        )
        tier = pd.Series({"c1": "tier_1", "c2": "tier_3", "c3": "tier_3"})
        by_tier = operations.onboarding_kpis(
            table, as_of="2024-05-31", by="tier", tier=tier
        )

        assert {"east": 4, "(none)": 1, "All": 5} == by_team["started"].to_dict()
        assert {"tier_1": 1, "tier_3": 2, "(none)": 2, "All": 5} == by_tier[
            "started"
        ].to_dict()

    @pytest.mark.parametrize(
        ("options", "error", "match"),
        [
            ({"as_of": "2024-05-31 12:00"}, ValueError, "'as_of' must be a day"),
            ({"as_of": pd.Period("2024-05", "M")}, TypeError, "'as_of' must be a day"),
            ({"as_of": "someday"}, ValueError, "'as_of' must be a day"),
            ({"as_of": "2024-05-31", "target_days": -1}, ValueError, "'target_days'"),
            ({"as_of": "2024-05-31", "period": "week"}, ValueError, "'period'"),
            ({"as_of": "2024-05-31", "by": "team"}, ValueError, "needs 'staff'"),
            ({"as_of": "2024-05-31", "by": "tier"}, ValueError, "needs 'tier'"),
            ({"as_of": "2024-05-31", "by": "colour"}, ValueError, "'by' must be"),
            (
                {"as_of": "2024-05-31", "by": "tier", "tier": {"c1": 1}},
                TypeError,
                "'tier' must be a pandas Series",
            ),
        ],
    )
    def test_rejects_invalid_options(self, table, options, error, match):
        """Options out of their domain raise, naming the option."""
        with pytest.raises(error, match=match):
            operations.onboarding_kpis(table, **options)

    def test_rejects_owners_missing_from_staff(self, table):
        """by='team' needs every owner's team."""
        table.loc[0, "owner_id"] = "s9"

        with pytest.raises(sm.InvalidTableError, match="a staff_id of the staff"):
            operations.onboarding_kpis(
                table, as_of="2024-05-31", by="team", staff=STAFF
            )

    def test_rejects_completion_before_start(self):
        """The entity's rule: onboarding completes after it starts."""
        bad = onboarding_table([("c1", "2024-03-10", "2024-03-01", "s1")])

        with pytest.raises(sm.InvalidTableError, match="completes after it starts"):
            operations.onboarding_kpis(bad, as_of="2024-05-31")

    @pytest.mark.slow
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 120),
                st.none() | st.integers(0, 90),
                st.sampled_from(OWNERS),
            ),
            min_size=1,
            max_size=25,
        ),
        st.integers(0, 150),
        st.none() | st.integers(0, 40),
        st.sampled_from([None, "month", "quarter"]),
    )
    def test_groups_add_up_and_match_an_oracle(self, rows, read_day, target, period):
        """Owners add up to teams and to All; each figure equals a plain loop."""
        table = onboarding_table(
            [
                (
                    f"c{i}",
                    DAY0 + dt.timedelta(days=start),
                    None if took is None else DAY0 + dt.timedelta(days=start + took),
                    owner,
                )
                for i, (start, took, owner) in enumerate(rows)
            ]
        )
        as_of = DAY0 + dt.timedelta(days=read_day)
        options = {"as_of": as_of, "period": period, "target_days": target}

        by_owner = operations.onboarding_kpis(table, by="owner", **options)
        by_team = operations.onboarding_kpis(table, by="team", staff=STAFF, **options)
        company = operations.onboarding_kpis(table, **options)

        additive = ["started", "completed", "in_progress", "due", "completed_due"]
        _assert_adds_up(by_owner, by_team, company, additive, period)
        # The oracle: the company's figures from a loop over rows.
        started = [(s, t) for s, t, _ in rows if s <= read_day]
        done = [t for s, t in started if t is not None and s + t <= read_day]
        due = [(s, t) for s, t in started if target is None or s + target <= read_day]
        total = company.sum() if period else company.iloc[0]
        assert len(started) == total["started"]
        assert len(done) == total["completed"]
        assert len(due) == total["due"]
        completed_due = [t for s, t in due if t is not None and s + t <= read_day]
        assert len(completed_due) == total["completed_due"]
        if period is None:
            assert _same(
                float(np.median(done)) if done else np.nan,
                company["median_days_to_complete"].iloc[0],
            )
            assert _same(
                float(np.mean(done)) if done else np.nan,
                company["mean_days_to_complete"].iloc[0],
            )
            if target is not None:
                within = sum(1 for t in completed_due if t <= target)
                assert within == company["completed_within_target"].iloc[0]


def _same(expected: float, actual: float) -> bool:
    if np.isnan(expected):
        return bool(np.isnan(actual))
    return math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9)


def _assert_adds_up(
    fine: pd.DataFrame,
    coarse: pd.DataFrame,
    company: pd.DataFrame,
    columns: list[str],
    period: str | None,
) -> None:
    """Groups add up to their All rows, and both splits to the company's rows."""
    if company.empty:  # no period holds a row
        assert fine.empty
        assert coarse.empty
        return
    for frame in (fine, coarse):
        level = frame.index.names[0]
        groups = frame.drop(index="All", level=level if period else None)
        everyone = frame.xs("All", level=level) if period else frame.loc[["All"]]
        summed = groups.groupby(level="period").sum() if period else groups.sum()
        for column in columns:
            expected = everyone[column].to_numpy(np.float64)
            assert np.allclose(np.asarray(summed[column], np.float64), expected)
            assert np.allclose(company[column].to_numpy(np.float64), expected)


# --------------------------------------------------------------------------
# Tickets
# --------------------------------------------------------------------------


class TestTicketKpis:
    """Tests for `operations.ticket_kpis`."""

    @pytest.fixture
    def table(self) -> pd.DataFrame:
        """Four tickets read at 2024-05-31."""
        return ticket_table(
            [
                (
                    "c1",
                    "2024-05-01 09:00",
                    "2024-05-01 10:00",
                    "2024-05-01 15:00",
                    "s1",
                ),
                (
                    "c2",
                    "2024-05-02 09:00",
                    "2024-05-02 13:00",
                    "2024-05-04 09:00",
                    "s1",
                ),
                ("c1", "2024-05-03 09:00", "2024-05-03 19:00", None, "s1"),
                ("c3", "2024-05-31 23:00", "2024-06-01 08:00", None, "s2"),
                ("c3", "2024-06-01 08:00", None, None, "s2"),  # after as_of
            ]
        )

    def test_by_owner_by_hand(self, table):
        """Counts, rates, medians and p90s, with the arithmetic."""
        out = operations.ticket_kpis(table, as_of="2024-05-31", by="owner")

        s1, s2, total = (out.loc[k] for k in ["s1", "s2", "All"])
        assert (3, 3, 2, 1) == tuple(
            s1[["opened", "answered", "resolved", "unresolved"]]
        )
        assert (1.0, 2 / 3) == (s1["response_rate"], s1["resolution_rate"])
        # First responses after 1, 4 and 10 hours: median 4; p90 at position
        # 0.9 * 2 = 1.8, so 4 + 0.8 * (10 - 4).
        assert 4.0 == s1["median_first_response_hours"]
        assert math.isclose(4 + 0.8 * 6, s1["p90_first_response_hours"])
        # Resolved after 6 and 48 hours: median 27, p90 6 + 0.9 * 42.
        assert 27.0 == s1["median_resolution_hours"]
        assert math.isclose(6 + 0.9 * 42, s1["p90_resolution_hours"])
        # s2's ticket was opened at 23:00 on as_of, answered the next day.
        assert (1, 0, 0) == tuple(s2[["opened", "answered", "resolved"]])
        assert np.isnan(s2["median_first_response_hours"])
        assert (4, 3, 2) == tuple(total[["opened", "answered", "resolved"]])
        assert 0.5 == total["resolution_rate"]
        assert 1 == out.attrs["opened_after_as_of"]
        assert list(operations.TICKET_COLUMNS) == out.columns.tolist()

    def test_date_only_tickets_count_whole_days(self):
        """A date has no time of day: answered the next day is 24 hours."""
        table = ticket_table([("c1", "2024-05-01", "2024-05-02", "2024-05-04", None)])

        out = operations.ticket_kpis(table, as_of="2024-05-31")

        assert (24.0, 72.0) == (
            out["median_first_response_hours"].iloc[0],
            out["median_resolution_hours"].iloc[0],
        )

    def test_calendar_hours_are_elapsed_hours_across_a_time_change(self):
        """Berlin lost an hour on 2024-03-31: noon to noon is 23 hours."""
        table = ticket_table(
            [("c1", "2024-03-30 12:00", "2024-03-31 12:00", None, None)]
        )
        for name in ("opened_at", "first_response_at", "resolved_at"):
            table[name] = table[name].dt.tz_localize("Europe/Berlin")

        out = operations.ticket_kpis(table, as_of="2024-03-31", period="month")

        assert 23.0 == out["median_first_response_hours"].iloc[0]
        assert 1 == out["answered"].iloc[0]

    def test_without_response_columns_nothing_is_answered(self):
        """Only opened_at given: opened, none answered or resolved."""
        table = pd.DataFrame(
            {
                "ticket_id": ["t1"],
                "customer_id": ["c1"],
                "opened_at": pd.to_datetime(["2024-05-02"]),
            }
        )

        out = operations.ticket_kpis(table, as_of="2024-05-31", by="owner")

        assert (1, 0, 0) == tuple(out.loc["(none)", ["opened", "answered", "resolved"]])

    def test_by_category_and_quarter(self, table):
        """Any column of the table can be the group."""
        table["category"] = ["how_to", "bug", None, "bug", "bug"]

        out = operations.ticket_kpis(
            table, as_of="2024-05-31", by="category", period="quarter"
        )

        assert [("(none)", "2024Q2"), ("All", "2024Q2"), ("bug", "2024Q2")] == sorted(
            (k, str(p)) for k, p in out.index
        )[:3]
        assert 2 == out.loc[("bug", pd.Period("2024Q2", "Q")), "opened"]

    @pytest.mark.slow
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 24 * 80),
                st.none() | st.integers(0, 24 * 5),
                st.none() | st.integers(0, 24 * 20),
                st.sampled_from(OWNERS),
            ),
            min_size=1,
            max_size=25,
        ),
        st.integers(0, 90),
        st.sampled_from([None, "month"]),
    )
    def test_groups_add_up_and_match_an_oracle(self, rows, read_day, period):
        """Owners add up to teams and to All; each figure equals a plain loop."""
        start = pd.Timestamp(DAY0)
        hour = pd.Timedelta(hours=1)
        table = ticket_table(
            [
                (
                    f"c{i}",
                    start + opened * hour,
                    None if answer is None else start + (opened + answer) * hour,
                    None if solve is None else start + (opened + solve) * hour,
                    owner,
                )
                for i, (opened, answer, solve, owner) in enumerate(rows)
            ]
        )
        as_of = DAY0 + dt.timedelta(days=read_day)
        end = (read_day + 1) * 24  # hours from DAY0 to the end of as_of

        by_owner = operations.ticket_kpis(table, as_of=as_of, by="owner", period=period)
        by_team = operations.ticket_kpis(
            table, as_of=as_of, by="team", staff=STAFF, period=period
        )
        company = operations.ticket_kpis(table, as_of=as_of, period=period)

        _assert_adds_up(
            by_owner, by_team, company, ["opened", "answered", "resolved"], period
        )
        opened = [r for r in rows if r[0] < end]
        answered = [a for o, a, _, _ in opened if a is not None and o + a < end]
        resolved = [s for o, _, s, _ in opened if s is not None and o + s < end]
        total = company.sum() if period else company.iloc[0]
        assert (len(opened), len(answered), len(resolved)) == (
            total["opened"],
            total["answered"],
            total["resolved"],
        )
        if period is None:
            for values, column, q in [
                (answered, "median_first_response_hours", 0.5),
                (answered, "p90_first_response_hours", 0.9),
                (resolved, "median_resolution_hours", 0.5),
                (resolved, "p90_resolution_hours", 0.9),
            ]:
                expected = float(np.quantile(values, q)) if values else np.nan
                assert _same(expected, company[column].iloc[0])


# --------------------------------------------------------------------------
# Activities
# --------------------------------------------------------------------------


def activity_table(rows: list[tuple]) -> pd.DataFrame:
    """Rows as (staff, kind, day, mrr or None, currency or None)."""
    frame = pd.DataFrame(rows, columns=["staff_id", "kind", "on", "mrr", "currency"])
    frame.insert(0, "activity_id", [f"a{i}" for i in range(len(rows))])
    frame["on"] = pd.to_datetime(frame["on"])
    return frame


SALES = pd.DataFrame(
    {
        "staff_id": ["p1", "p2", "p3", "p4"],
        "role": ["customer_sales", "customer_sales", "customer_sales", "field_sales"],
        "monthly_cost": 1_000_000,
        "currency": "JPY",
        "team": ["east", "east", "west", "west"],
        "fte": [1.0, 0.5, 1.0, 1.0],
        "start": pd.to_datetime([None, None, "2024-02-10", None]),
        "end": pd.to_datetime([None, "2024-02-15", None, None]),
    }
)


class TestActivityKpis:
    """Tests for `operations.activity_kpis`."""

    @pytest.fixture
    def table(self) -> pd.DataFrame:
        """Work in January and February 2024."""
        return activity_table(
            [
                ("p1", "one_on_one_call", "2024-01-03", None, None),
                ("p1", "one_on_one_call", "2024-01-09", None, None),
                ("p1", "meeting", "2024-01-20", None, None),
                ("p1", "opportunity", "2024-02-01", 50_000, "JPY"),
                ("p1", "upsell_proposal", "2024-02-02", 99_999, "JPY"),  # not pipeline
                ("p2", "one_on_one_call", "2024-01-11", None, None),
                ("p2", "opportunity", "2024-02-14", 30_000, "JPY"),
                ("p3", "meeting", "2024-02-20", None, None),
                ("p4", "meeting", "2024-02-21", None, None),
            ]
        )

    def test_per_person_and_month_by_hand(self, table):
        """Counts, pipeline and person-months from FTE and dates in the role."""
        out = operations.activity_kpis(table, staff=SALES, roles=["customer_sales"])

        jan, feb = pd.Period("2024-01", "M"), pd.Period("2024-02", "M")
        assert (3 + 1) * 2 == len(out)  # three people and All, two months
        p1_jan, p2_feb, p3_jan = (
            out.loc[("p1", jan)],
            out.loc[("p2", feb)],
            out.loc[("p3", jan)],
        )
        assert (1, 1.0, 2, 1) == tuple(
            p1_jan[["staff", "person_months", "one_on_one_calls", "meetings"]]
        )
        assert 2.0 == p1_jan["one_on_one_calls_per_person_month"]
        # p2 works half time and leaves on 2024-02-15: February counts 0.5.
        assert (1, 0.5, 1, 30_000) == tuple(
            p2_feb[["staff", "person_months", "opportunities", "pipeline_mrr"]]
        )
        assert 60_000.0 == p2_feb["pipeline_mrr_per_person_month"]
        # p3 starts on 2024-02-10: nobody in the role in January.
        assert (0, 0.0) == tuple(p3_jan[["staff", "person_months"]])
        assert np.isnan(p3_jan["meetings_per_person_month"])
        all_feb = out.loc[("All", feb)]
        assert (3, 2.5, 2, 80_000, 1, 1) == tuple(
            all_feb[
                [
                    "staff",
                    "person_months",
                    "opportunities",
                    "pipeline_mrr",
                    "upsell_proposals",
                    "meetings",
                ]
            ]
        )
        assert "JPY" == out.attrs["currency"]
        assert 1 == out.attrs["activities_set_aside"]  # p4 is field sales
        assert 0 == out.attrs["activities_outside_staff_dates"]
        assert list(operations.ACTIVITY_COLUMNS) == out.columns.tolist()
        assert out["pipeline_mrr"].dtype == np.int64

    def test_by_team_over_the_window(self, table):
        """Teams over the whole window: east is p1 (2 months) and p2 (1.0)."""
        out = operations.activity_kpis(table, staff=SALES, by="team", period=None)

        east, west = out.loc["east"], out.loc["west"]
        assert (2, 3.0, 3, 80_000) == tuple(
            east[["staff", "person_months", "one_on_one_calls", "pipeline_mrr"]]
        )
        # west: p3 in February only, p4 (field sales, kept: no roles=) both.
        assert (2, 3.0, 2) == tuple(west[["staff", "person_months", "meetings"]])
        assert 0 == out.attrs["activities_set_aside"]

    def test_window_sets_activities_aside(self, table):
        """since/through keep February; January's work is counted aside."""
        out = operations.activity_kpis(
            table, staff=SALES, since="2024-02", through="2024-02", period="quarter"
        )

        assert 4 == out.attrs["activities_set_aside"]
        assert 2 == out.loc[("All", pd.Period("2024Q1", "Q")), "opportunities"]

    def test_counts_work_outside_staff_dates(self, table):
        """p3 logged a January call before starting on 2024-02-10."""
        table.loc[len(table)] = [
            "a99",
            "p3",
            "one_on_one_call",
            pd.Timestamp("2024-01-05"),
            None,
            None,
        ]

        out = operations.activity_kpis(table, staff=SALES)

        assert 1 == out.attrs["activities_outside_staff_dates"]
        assert 1 == out.loc[("p3", pd.Period("2024-01", "M")), "one_on_one_calls"]

    @pytest.mark.parametrize(
        ("change", "match"),
        [
            ({"staff_id": "p9"}, "a staff_id of the staff table"),
            ({"kind": "opportunity", "mrr": None, "currency": None}, "carry mrr"),
            ({"kind": "opportunity", "mrr": 5, "currency": "USD"}, "one currency"),
            ({"kind": "opportunity", "mrr": -5, "currency": "JPY"}, "not negative"),
            ({"kind": "email"}, "allowed value"),
        ],
    )
    def test_rejects_invalid_activities(self, table, change, match):
        """Broken activities raise InvalidTableError naming the rule."""
        for column, value in change.items():
            table.loc[0, column] = value

        with pytest.raises(sm.InvalidTableError, match=match):
            operations.activity_kpis(table, staff=SALES)

    def test_rejects_another_currency_than_asked(self, table):
        """currency= must be the pipeline's currency."""
        with pytest.raises(sm.InvalidTableError, match="the currency asked for"):
            operations.activity_kpis(table, staff=SALES, currency="USD")

    @pytest.mark.parametrize(
        ("options", "error", "match"),
        [
            ({"by": "owner"}, ValueError, "'by' must be one of"),
            ({"period": "week"}, ValueError, "'period' must be one of"),
            ({"roles": ["boss"]}, ValueError, "'roles' holds unknown"),
            ({"roles": "customer_sales"}, TypeError, "'roles' must be a collection"),
            ({"since": "2024-03", "through": "2024-01"}, ValueError, "'since'"),
        ],
    )
    def test_rejects_invalid_options(self, table, options, error, match):
        """Options out of their domain raise, naming the option."""
        with pytest.raises(error, match=match):
            operations.activity_kpis(table, staff=SALES, **options)

    def test_no_activity_needs_a_window(self):
        """Without activities the window cannot be guessed; with one it can."""
        empty = activity_table([])

        with pytest.raises(ValueError, match="pass since= and through="):
            operations.activity_kpis(empty, staff=SALES)
        out = operations.activity_kpis(
            empty, staff=SALES, since="2024-01", through="2024-01", period=None
        )
        # p1 and p4 full time, p2 half time, p3 not in the role yet.
        assert 2.5 == out.loc["All", "person_months"]

    @pytest.mark.slow
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["p1", "p2", "p3", "p4"]),
                st.sampled_from([k.value for k in sm.ActivityKind]),
                st.integers(0, 120),
                st.integers(0, 100_000),
            ),
            min_size=1,
            max_size=30,
        ),
        st.sampled_from([None, "month", "quarter"]),
    )
    def test_staff_add_up_to_teams_and_company(self, rows, period):
        """Every additive figure: people sum to teams, teams and people to All."""
        table = activity_table(
            [
                (
                    who,
                    kind,
                    DAY0 + dt.timedelta(days=day),
                    mrr if kind == "opportunity" else None,
                    "JPY" if kind == "opportunity" else None,
                )
                for who, kind, day, mrr in rows
            ]
        )
        options = {"period": period, "since": "2024-01", "through": "2024-05"}

        people = operations.activity_kpis(table, staff=SALES, by="staff", **options)
        teams = operations.activity_kpis(table, staff=SALES, by="team", **options)
        roles = operations.activity_kpis(table, staff=SALES, by="role", **options)

        additive = [
            "staff",
            "person_months",
            "one_on_one_calls",
            "meetings",
            "upsell_proposals",
            "opportunities",
            "pipeline_mrr",
        ]
        _assert_adds_up(
            people,
            teams,
            roles.xs("All", level="role") if period else roles.loc[["All"]],
            additive,
            period,
        )
        team_of = dict(zip(SALES["staff_id"], SALES["team"], strict=True))
        members = people.drop(index="All", level="staff_id" if period else None)
        keys = [members.index.get_level_values(0).map(team_of)]
        if period:
            keys.append(members.index.get_level_values("period"))
        by_team = members[additive].groupby(keys).sum()
        expected = teams.drop(index="All", level="team" if period else None)[additive]
        np.testing.assert_allclose(
            by_team.to_numpy(np.float64), expected.to_numpy(np.float64)
        )
        kept = [r for r in rows if r[2] < 152]  # through 2024-05-31
        total = (
            people.xs("All", level="staff_id").sum() if period else people.loc["All"]
        )
        assert sum(1 for r in kept if r[1] == "opportunity") == total["opportunities"]
        assert sum(r[3] for r in kept if r[1] == "opportunity") == total["pipeline_mrr"]
