"""Tests for `subscription_metrics.frames` and the entities' shared column rules."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import (
    CostEntry,
    Customer,
    Deal,
    InvalidTableError,
    Ledger,
    MonthlyMrr,
    Problem,
    Role,
    StaffMember,
    Subscription,
    frames,
)
from subscription_metrics._columns import column_specs

from .strategies import subscriptions


def _valid_subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3"],
            "customer_id": ["c1", "c1", "c2"],
            "start": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-02-05"]),
            "end": pd.to_datetime(["2024-03-01", None, None]),
            "mrr": [100, 150, 80],
            "currency": ["USD", "USD", "USD"],
        }
    )


def _bridge(led: Ledger) -> pd.DataFrame:
    from subscription_metrics import ledger

    return ledger.bridge(led)


def _problems(
    frame: pd.DataFrame, entity: type = Subscription, **kwargs
) -> list[Problem]:
    with pytest.raises(InvalidTableError) as info:
        frames.validate(frame, entity, **kwargs)
    return list(info.value.problems)


def _only(problems: list[Problem], column: str, rule: str) -> Problem:
    found = [p for p in problems if p.column == column and p.rule == rule]
    assert len(found) == 1, problems
    return found[0]


class TestValidationRules:
    """Each rule names the table, the column, the rule, the count and examples."""

    def test_missing_column(self):
        """A required column that is absent is reported by name."""
        problem = _only(
            _problems(_valid_subs().drop(columns="mrr")), "mrr", "missing column"
        )

        assert problem.table == "subscriptions"
        assert "subscriptions.mrr: missing column" in str(problem)

    def test_wrong_type(self):
        """Text where dates belong is reported with the offending rows."""
        subs = _valid_subs()
        subs["start"] = ["2024-01-10", "soon", "2024-02-05"]

        problem = _only(_problems(subs), "start", "not a date")

        assert (problem.count, problem.examples) == (1, ("1",))

    def test_wrong_type_for_ids(self):
        """Identifiers must be str or int."""
        subs = _valid_subs()
        subs["customer_id"] = [1.5, 2.5, 3.5]

        _only(_problems(subs), "customer_id", "wrong type")

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_nan_and_inf_amounts(self, bad):
        """Non-finite amounts are refused, in major and minor mode alike."""
        subs = _valid_subs()
        subs["mrr"] = [100.0, bad, 80.0]

        for amounts in ("minor", "major"):
            problems = _problems(subs, amounts=amounts)
            rule = "not missing" if math.isnan(bad) else "finite"
            assert _only(problems, "mrr", rule).examples == ("1",)

    def test_negative_mrr(self):
        """Negative MRR is refused; the message names column and rule."""
        subs = _valid_subs()
        subs["mrr"] = [100, -1, -2]

        problem = _only(_problems(subs), "mrr", "not negative")

        assert problem.count == 2
        assert "subscriptions.mrr: not negative: 2 rows (e.g. 1, 2)" in str(problem)

    def test_end_before_start(self):
        """An end before its start is reported with the row."""
        subs = _valid_subs()
        subs.loc[2, "end"] = pd.Timestamp("2024-01-01")

        problem = _only(_problems(subs), "start, end", "end not before start")

        assert problem.examples == ("2",)

    def test_duplicate_subscription_ids(self):
        """Repeated ids are reported with the repeated values."""
        subs = _valid_subs()
        subs["subscription_id"] = ["s1", "s1", "s3"]

        problem = _only(_problems(subs), "subscription_id", "unique")

        assert (problem.count, problem.examples) == (2, ("s1",))

    def test_unknown_currency(self):
        """A code that is not ISO 4217 is reported with the code."""
        subs = _valid_subs()
        subs["currency"] = ["USD", "xyz", "XYZ"]

        problem = _only(_problems(subs), "currency", "known ISO 4217 code")

        assert problem.count == 2
        assert "'xyz'" in problem.detail

    def test_currency_codes_in_any_case(self):
        """'usd' (Stripe's spelling) is USD: the converted table says USD."""
        subs = _valid_subs()
        subs["currency"] = ["usd", "Usd", None]
        subs.loc[2, "currency"] = "USD"

        table = frames.validate(subs, Subscription)

        assert table["currency"].tolist() == ["USD", "USD", "USD"]
        assert subs["currency"].tolist() == ["usd", "Usd", "USD"]  # not mutated
        assert (
            Subscription(
                subscription_id="s",
                customer_id="c",
                start=dt.date(2024, 1, 1),
                mrr=1,
                currency="jpy",
            ).currency
            == "JPY"
        )

    def test_lower_case_currency_builds_the_same_ledger(self):
        """A ledger from 'usd' rows is the ledger from 'USD' rows, in USD."""
        lower = _valid_subs()
        lower["currency"] = ["usd", "USD", "usd"]
        upper = _valid_subs()

        led = Ledger.from_subscriptions(lower, currency="usd")

        assert led.currency == "USD"
        pd.testing.assert_frame_equal(
            _bridge(led),
            _bridge(Ledger.from_subscriptions(upper)),
        )

    def test_lower_case_rate_keys_convert(self):
        """Rates keyed 'eur' or with a 'eur' currency column convert EUR rows."""
        subs = _valid_subs()
        subs.loc[0, "currency"] = "EUR"
        by_dict = Ledger.from_subscriptions(subs, currency="usd", rates={"eur": 2})
        table = pd.DataFrame(
            {"currency": ["eur"], "date": pd.to_datetime(["2020-01-01"]), "rate": [2]}
        )
        by_table = Ledger.from_subscriptions(subs, currency="USD", rates=table)

        assert _bridge(by_dict)["new_mrr"].sum() == 200 + 80
        pd.testing.assert_frame_equal(_bridge(by_dict), _bridge(by_table))

    def test_mixed_currencies_without_rates(self):
        """Several currencies without rates: the ledger refuses to add them."""
        subs = _valid_subs()
        subs.loc[0, "currency"] = "EUR"

        with pytest.raises(InvalidTableError) as info:
            Ledger.from_subscriptions(subs)

        assert info.value.problems[0].column == "currency"
        assert info.value.problems[0].rule == "one currency unless rates are given"

    def test_mixed_aware_and_naive_dates_in_one_column(self):
        """A column mixing time-zone-aware and naive dates is refused."""
        subs = _valid_subs()
        subs["start"] = pd.Series(
            [
                pd.Timestamp("2024-01-10", tz="Asia/Tokyo"),
                pd.Timestamp("2024-03-01"),
                pd.Timestamp("2024-02-05"),
            ],
            dtype=object,
        )

        problem = _only(
            _problems(subs), "start", "mixed time-zone-aware and naive dates"
        )

        assert problem.examples == ("0",)

    def test_mixed_aware_and_naive_dates_across_columns(self):
        """An aware start with a naive end is refused too."""
        subs = _valid_subs()
        subs["start"] = subs["start"].dt.tz_localize("Asia/Tokyo")

        _only(_problems(subs), "start, end", "mixed time-zone-aware and naive dates")

    def test_every_problem_is_listed_at_once(self):
        """One error lists all problems, not only the first."""
        subs = _valid_subs().drop(columns="currency")
        subs["mrr"] = [-1, 1, 2]
        subs["subscription_id"] = ["a", "a", "b"]

        problems = _problems(subs)

        assert {(p.column, p.rule) for p in problems} >= {
            ("currency", "missing column"),
            ("mrr", "not negative"),
            ("subscription_id", "unique"),
        }

    def test_error_is_a_value_error(self):
        """Callers catching ValueError still catch validation errors."""
        with pytest.raises(ValueError, match="missing column"):
            frames.validate(pd.DataFrame(), Customer)

    def test_month_must_be_the_first_day(self):
        """Monthly rows name months by their first day."""
        rows = pd.DataFrame(
            {
                "customer_id": ["c1"],
                "month": pd.to_datetime(["2024-01-15"]),
                "mrr": [1],
                "currency": ["USD"],
            }
        )

        _only(_problems(rows, MonthlyMrr), "month", "first day of a month")

    def test_enum_values(self):
        """Staff roles must be one of the Role values; the message lists them."""
        staff = pd.DataFrame(
            {
                "staff_id": ["a", "b"],
                "role": ["inside_sales", "closer"],
                "monthly_cost": [1, 2],
                "currency": "JPY",
            }
        )

        problem = _only(_problems(staff, StaffMember), "role", "allowed value")

        assert "'customer_sales'" in problem.detail

    def test_fte_bounds(self):
        """FTE must be in (0, 1]."""
        staff = pd.DataFrame(
            {
                "staff_id": ["a", "b", "c"],
                "role": "inside_sales",
                "monthly_cost": 1,
                "currency": "JPY",
                "fte": [0.0, 0.5, 1.5],
            }
        )

        problem = _only(_problems(staff, StaffMember), "fte", "within (0.0, 1.0]")

        assert problem.examples == ("0", "2")

    def test_valid_table_is_returned_in_canonical_form(self):
        """A valid table comes back with int64 money and all optional columns."""
        out = frames.validate(_valid_subs(), Subscription)

        assert out["mrr"].dtype == "int64"
        assert "plan" in out.columns


class TestRoundTrip:
    """Entities and tables convert both ways, from one definition."""

    @pytest.mark.slow
    @given(subscriptions(max_size=6))
    def test_subscriptions_round_trip(self, subs):
        """Frame -> entities -> frame keeps every value."""
        entities = frames.from_frame(subs, Subscription)
        back = frames.to_frame(entities, entity=Subscription)

        expected = subs.astype({"end": "datetime64[ns]", "start": "datetime64[ns]"})
        pd.testing.assert_frame_equal(
            back.astype({"end": "datetime64[ns]", "start": "datetime64[ns]"}),
            expected[back.columns],
            check_dtype=False,
        )

    def test_every_entity_round_trips(self):
        """Each entity class converts to a frame and back unchanged."""
        day = dt.date(2024, 1, 1)
        samples = [
            Customer(customer_id="c1", segment="smb", employees=12),
            Subscription(
                subscription_id="s1", customer_id="c1", start=day, mrr=1, currency="JPY"
            ),
            MonthlyMrr(customer_id="c1", month=day, mrr=1, currency="JPY"),
            StaffMember(
                staff_id="a",
                role=Role.FIELD_SALES,
                monthly_cost=9,
                currency="JPY",
                fte=0.5,
            ),
            Deal(
                deal_id="d1",
                customer_id="c1",
                kind="new",
                mrr=1,
                currency="JPY",
                won_on=day,
                owner_id="a",
            ),
            CostEntry(month=day, category="sales", amount=5, currency="JPY"),
        ]
        for entity in samples:
            back = frames.from_frame(frames.to_frame([entity]), type(entity))

            assert back == [entity]

    def test_table_columns_are_the_entity_fields(self):
        """The schema is derived from the entity: one source of truth."""
        for entity in (
            Customer,
            Subscription,
            MonthlyMrr,
            StaffMember,
            Deal,
            CostEntry,
        ):
            names = [a.name for a in attrs.fields(entity)]

            assert list(column_specs(entity)) == names
            assert list(frames.to_frame([], entity=entity).columns) == names

    def test_entity_and_table_agree_on_invalid_values(self):
        """A value the entity refuses is refused by the table check too."""
        with pytest.raises(ValueError, match="'mrr' must be >= 0"):
            Subscription(
                subscription_id="s",
                customer_id="c",
                start=dt.date(2024, 1, 1),
                mrr=-1,
                currency="JPY",
            )
        frame = pd.DataFrame(
            {
                "subscription_id": ["s"],
                "customer_id": ["c"],
                "start": pd.to_datetime(["2024-01-01"]),
                "mrr": [-1],
                "currency": ["JPY"],
            }
        )
        _only(_problems(frame), "mrr", "not negative")

    def test_mixed_entities_are_refused(self):
        """A list of different entity classes is not one table."""
        with pytest.raises(TypeError, match="one entity class"):
            frames.to_frame(
                [
                    Customer(customer_id="a"),
                    CostEntry(
                        month=dt.date(2024, 1, 1),
                        category="x",
                        amount=1,
                        currency="JPY",
                    ),
                ]
            )

    @given(st.sampled_from(list(Role)))
    def test_role_accepts_its_string_value(self, role):
        """Roles may be given as their string values."""
        member = StaffMember(
            staff_id="a", role=role.value, monthly_cost=1, currency="JPY"
        )

        assert member.role is role


def test_optional_money_and_currency_may_be_empty():
    """Optional amounts (an opportunity's MRR) may be left empty, row by row."""
    import datetime as dt

    from subscription_metrics import Activity

    table = pd.DataFrame(
        {
            "activity_id": ["a1", "a2", "a3"],
            "staff_id": "s1",
            "kind": ["opportunity", "meeting", "opportunity"],
            "on": pd.to_datetime([dt.date(2024, 1, 2)] * 3),
            "mrr": [5_000, None, -1],
            "currency": ["JPY", None, "JPY"],
        }
    )
    with pytest.raises(
        InvalidTableError, match=r"activities\.mrr: not negative: 1 row"
    ):
        frames.validate(table, Activity)
    out = frames.validate(table.iloc[:2], Activity)
    assert out["mrr"].tolist()[0] == 5_000
    assert pd.isna(out["mrr"].iloc[1])


def test_composite_keys_are_unique():
    """A usage table may hold one row per customer and month."""
    from subscription_metrics import UsageSnapshot

    usage = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "month": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"]),
            "seats": 5,
            "active_users": 3,
            "logins": 10,
            "feature_usage_rate": 0.5,
        }
    )
    with pytest.raises(
        InvalidTableError, match=r"usage\.customer_id, month: unique: 2 rows"
    ):
        frames.validate(usage, UsageSnapshot)
    frames.validate(usage.iloc[1:], UsageSnapshot)


def test_absent_optional_dates_take_the_tables_time_zone():
    """A ticket table without answer times keeps its zone; the rules still run."""
    from subscription_metrics import Ticket

    tickets = pd.DataFrame(
        {
            "ticket_id": ["t1", "t2"],
            "customer_id": "c1",
            "opened_at": pd.to_datetime(
                ["2024-01-02 09:00", "2024-01-03 10:00"]
            ).tz_localize("Asia/Tokyo"),
        }
    )
    out = frames.validate(tickets, Ticket)
    assert out["resolved_at"].dtype == out["opened_at"].dtype
    assert str(out["resolved_at"].dt.tz) == "Asia/Tokyo"
    assert out["first_response_at"].isna().all()


def test_an_optional_amount_and_its_currency_come_together():
    """An opportunity's MRR without a currency, or a currency alone, is refused."""
    import datetime as dt

    from subscription_metrics import Activity

    table = pd.DataFrame(
        {
            "activity_id": ["a1", "a2", "a3"],
            "staff_id": "s1",
            "kind": ["opportunity", "meeting", "meeting"],
            "on": pd.to_datetime([dt.date(2024, 1, 2)] * 3),
            "mrr": [5_000, None, None],
            "currency": [None, "JPY", None],
        }
    )
    with pytest.raises(
        InvalidTableError, match=r"activities\.mrr, currency: both or neither: 2 rows"
    ):
        frames.validate(table, Activity)


@given(
    st.lists(
        st.sampled_from(["USD", "usd", "EUR", "US", "DUSD", "", None]), max_size=30
    ),
    st.sampled_from(["str", object]),
    st.integers(0, 3),
)
def test_distinct_values_equal_pandas_unique(values, dtype, skip):
    from subscription_metrics._schema import distinct_values

    column = pd.Series(values, dtype=dtype)[skip:]  # a slice reads an offset
    expected = list(pd.unique(column[column.notna()]))
    assert distinct_values(column) == expected


def test_distinct_values_of_a_long_constant_column_and_one_change():
    from subscription_metrics._schema import distinct_values

    # Longer than one block of the buffer comparison, in both places.
    same = ["USD"] * 70_000
    assert distinct_values(pd.Series(same, dtype="str")) == ["USD"]
    changed = pd.Series([*same, "USE", "USD"], dtype="str")
    assert distinct_values(changed) == ["USD", "USE"]
    shifted = pd.Series([*same, "US", "DUSD"], dtype="str")  # same bytes
    assert distinct_values(shifted) == ["USD", "US", "DUSD"]
