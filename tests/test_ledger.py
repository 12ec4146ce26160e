"""Tests for `Ledger` and `subscription_metrics.ledger` (events, movements, bridge)."""

from __future__ import annotations

import datetime as dt

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import Conventions, InvalidTableError, Ledger, ledger

from . import oracle
from .strategies import (
    conventions,
    monthly_rows,
    subscriptions,
    subscriptions_from_rows,
)

EARLY = pd.Period("2022-12", "M")
THROUGH = pd.Period("2025-03", "M")


def _months(first: pd.Period, last: pd.Period) -> list[pd.Period]:
    return list(pd.period_range(first, last, freq="M"))


def _subs(*rows: tuple) -> pd.DataFrame:
    """Subscriptions in yen from (customer, start, end, mrr) tuples."""
    return subscriptions_from_rows(*rows, currency="JPY")


def _identity_holds(br: pd.DataFrame) -> bool:
    moved = (
        br["mrr_at_start"]
        + br["new_mrr"]
        + br["expansion_mrr"]
        + br["reactivation_mrr"]
        - br["contraction_mrr"]
        - br["churned_mrr"]
    )
    return bool((moved == br["mrr_at_end"]).all())


class TestCasesPeersGetWrong:
    """The edge cases other tools get wrong (survey of peers, last section)."""

    def test_open_ended_subscription_is_counted_and_never_churns(self):
        """A customer whose only subscription has no end appears, and stays."""
        led = Ledger.from_subscriptions(
            _subs(("c1", "2024-01-15", None, 5000)), through="2024-06"
        )

        br = ledger.bridge(led)

        assert br["new_mrr"].sum() == 5000
        assert br["churned_mrr"].sum() == 0
        assert list(br["mrr_at_end"]) == [5000] * 6

    def test_upgrade_onto_open_ended_plan_is_expansion_not_churn(self):
        """Ending one plan and starting an open-ended one the same day is expansion."""
        subs = _subs(
            ("c1", "2024-01-10", "2024-04-10", 100), ("c1", "2024-04-10", None, 300)
        )

        mv = ledger.movements(Ledger.from_subscriptions(subs, through="2024-08"))

        assert list(mv["movement"]) == ["new", "expansion"]
        assert list(mv["mrr_change"]) == [100, 200]

    def test_no_churn_for_customers_active_in_the_last_month(self):
        """Monthly rows that reach the horizon do not churn after it."""
        rows = pd.DataFrame(
            {
                "customer_id": ["c1", "c1", "c2"],
                "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-01"], freq="M"),
                "mrr": [10, 10, 7],
                "currency": "USD",
            }
        )

        br = ledger.bridge(Ledger.from_monthly_mrr(rows))

        assert list(br.index.astype(str)) == ["2024-01", "2024-02"]
        assert list(br["customers_lost"]) == [0, 1]
        assert list(br["customers_at_end"]) == [2, 1]

    def test_reactivation_is_not_counted_as_new(self):
        """A customer who comes back after a gap is a reactivation."""
        subs = _subs(
            ("c1", "2024-01-01", "2024-03-01", 100), ("c1", "2024-06-01", None, 120)
        )

        br = ledger.bridge(Ledger.from_subscriptions(subs, through="2024-07"))

        assert br["customers_new"].sum() == 1
        assert br.loc["2024-06", "customers_reactivated"] == 1
        assert br.loc["2024-06", "reactivation_mrr"] == 120

    def test_reactivation_window_makes_a_late_return_new(self):
        """With a 2-month window, a return after 3 months without revenue is new."""
        subs = _subs(
            ("c1", "2024-01-01", "2024-03-01", 100), ("c1", "2024-06-01", None, 120)
        )
        conv = Conventions(reactivation_window_months=2)

        br = ledger.bridge(Ledger.from_subscriptions(subs, conventions=conv))

        assert br.loc["2024-06", "customers_new"] == 1
        assert br["customers_reactivated"].sum() == 0

    def test_duplicate_rows_of_one_customer_month_add_up(self):
        """Two invoice lines of one customer-month are one MRR of their sum."""
        rows = pd.DataFrame(
            {
                "customer_id": ["c1", "c1"],
                "month": pd.PeriodIndex(["2024-01", "2024-01"], freq="M"),
                "mrr": [60, 40],
                "currency": "USD",
            }
        )

        br = ledger.bridge(Ledger.from_monthly_mrr(rows))

        assert br.loc["2024-01", "new_mrr"] == 100
        assert br.loc["2024-01", "customers_new"] == 1

    def test_net_negative_month_is_reported_as_is(self):
        """A month that loses more than it gains has a falling MRR, no error."""
        subs = _subs(
            ("c1", "2024-01-05", "2024-02-05", 500), ("c2", "2024-02-05", None, 100)
        )

        br = ledger.bridge(Ledger.from_subscriptions(subs, through="2024-02"))

        assert (
            br.loc["2024-02", "mrr_at_end"] - br.loc["2024-02", "mrr_at_start"] == -400
        )

    @pytest.mark.parametrize(
        ("start", "end", "snapshot", "months"),
        [
            # Active at the end of January 31 and of February; not of March.
            ("2024-01-31", "2024-03-01", "end", ["2024-01", "2024-02"]),
            # Starts on leap day, ends on the last day of March: only February's end.
            ("2024-02-29", "2024-03-31", "end", ["2024-02"]),
            # The same span is active on March 1 only, with the start snapshot.
            ("2024-02-29", "2024-03-31", "start", ["2024-03"]),
            # Through the end of February in a common year.
            ("2023-01-31", "2023-03-01", "start", ["2023-02"]),
        ],
    )
    def test_february_and_31_day_months(self, start, end, snapshot, months):
        """Month edges follow the snapshot definition exactly."""
        led = Ledger.from_subscriptions(
            _subs(("c1", start, end, 10)),
            conventions=Conventions(mrr_snapshot=snapshot),
            through="2024-06",
        )

        ev = ledger.events(led)

        assert list(ev["month"].astype(str)) == [
            months[0],
            str(pd.Period(months[-1]) + 1),
        ]

    def test_same_month_subscription_is_counted_and_reported(self):
        """A subscription inside one month is set aside with its id, not dropped."""
        led = Ledger.from_subscriptions(
            _subs(("c1", "2024-01-03", "2024-01-20", 10), ("c2", "2024-01-03", None, 5))
        )

        (note,) = led.set_aside

        assert note.count == 1
        assert note.examples == ("s0",)
        assert ledger.bridge(led)["new_mrr"].sum() == 5

    def test_customer_churns_only_when_the_last_subscription_ends(self):
        """Ending one of two subscriptions is contraction; ending both is churn."""
        subs = _subs(
            ("c1", "2024-01-01", "2024-03-01", 100),
            ("c1", "2024-01-15", "2024-05-01", 40),
        )

        mv = ledger.movements(Ledger.from_subscriptions(subs))

        assert list(mv["movement"]) == ["new", "contraction", "churn"]
        assert list(mv["mrr_change"]) == [140, -100, -40]

    def test_free_plan_is_churn_or_contraction_by_convention(self):
        """Moving to a zero-MRR plan is churn by default, contraction for ChartMogul."""
        subs = _subs(
            ("c1", "2024-01-01", "2024-03-01", 100), ("c1", "2024-03-01", None, 0)
        )

        default = ledger.movements(Ledger.from_subscriptions(subs, through="2024-04"))
        chartmogul = ledger.movements(
            Ledger.from_subscriptions(
                subs, conventions=Conventions.preset("chartmogul"), through="2024-04"
            )
        )

        assert list(default["movement"]) == ["new", "churn"]
        assert list(chartmogul["movement"]) == ["new", "contraction"]


class TestOracle:
    """The fast ledger equals the slow customer-by-month oracle."""

    @given(subscriptions(), conventions)
    def test_spans_bridge_and_movements_equal_the_oracle(self, subs, conv):
        """Bridge and movements from spans equal the walk over every month."""
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        months = _months(EARLY, THROUGH)
        state = oracle.customer_months_from_spans(subs, months, conv)

        expected, moves = oracle.bridge(state, months, conv)
        actual = ledger.bridge(led, since=EARLY, through=THROUGH)
        mv = ledger.movements(led)

        pd.testing.assert_frame_equal(actual, expected)
        assert sorted(moves) == sorted(
            zip(
                mv["customer_id"],
                mv["month"],
                mv["movement"].astype(str),
                mv["mrr_change"],
                strict=True,
            )
        )

    @given(monthly_rows(), conventions)
    def test_monthly_rows_bridge_equals_the_oracle(self, rows, conv):
        """Bridge from monthly rows equals the walk over every month."""
        through = pd.Period("2024-03", "M")
        led = Ledger.from_monthly_mrr(rows, conventions=conv, through=through)
        months = _months(EARLY, through)
        state = oracle.customer_months_from_rows(rows, months)

        expected, _ = oracle.bridge(state, months, conv)

        pd.testing.assert_frame_equal(
            ledger.bridge(led, since=EARLY, through=through), expected
        )

    @pytest.mark.slow
    @given(subscriptions(min_size=1), conventions, st.integers(0, 20))
    def test_later_since_opens_with_the_right_balances(self, subs, conv, skip):
        """Starting the bridge later keeps the opening MRR and customers exact."""
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        months = _months(EARLY, THROUGH)
        state = oracle.customer_months_from_spans(subs, months, conv)

        expected, _ = oracle.bridge(state, months, conv, show_from=skip)

        pd.testing.assert_frame_equal(
            ledger.bridge(led, since=months[skip], through=THROUGH), expected
        )


class TestBridgeProperties:
    """Invariants of the bridge."""

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_identity_holds_exactly_and_months_chain(self, subs, conv):
        """End = start + movements, and each month's end is the next month's start."""
        br = ledger.bridge(Ledger.from_subscriptions(subs, conventions=conv))

        assert _identity_holds(br)
        assert (
            br["mrr_at_start"].iloc[1:].to_numpy() == br["mrr_at_end"].iloc[:-1]
        ).all()
        counted = (
            br["customers_at_start"]
            + br["customers_new"]
            + br["customers_reactivated"]
            - br["customers_lost"]
        )
        assert (counted == br["customers_at_end"]).all()

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.randoms(use_true_random=False))
    def test_row_order_does_not_matter(self, subs, conv, random):
        """Shuffling the input rows changes nothing."""
        order = list(range(len(subs)))
        random.shuffle(order)
        shuffled = subs.iloc[order]

        before = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        after = Ledger.from_subscriptions(shuffled, conventions=conv, through=THROUGH)

        pd.testing.assert_frame_equal(ledger.bridge(before), ledger.bridge(after))
        pd.testing.assert_frame_equal(ledger.events(before), ledger.events(after))
        pd.testing.assert_frame_equal(ledger.movements(before), ledger.movements(after))

    @pytest.mark.slow
    @given(monthly_rows(), conventions, st.randoms(use_true_random=False))
    def test_monthly_row_order_does_not_matter(self, rows, conv, random):
        """Shuffling billing rows changes nothing."""
        order = list(range(len(rows)))
        random.shuffle(order)
        through = pd.Period("2024-03", "M")

        before = Ledger.from_monthly_mrr(rows, conventions=conv, through=through)
        after = Ledger.from_monthly_mrr(
            rows.iloc[order], conventions=conv, through=through
        )

        pd.testing.assert_frame_equal(ledger.bridge(before), ledger.bridge(after))
        pd.testing.assert_frame_equal(ledger.movements(before), ledger.movements(after))

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.sets(st.sampled_from(["c0", "c1", "c2"])))
    def test_splitting_by_customer_adds_up(self, subs, conv, chosen):
        """The bridges of two disjoint customer sets add up to the whole."""
        mask = subs["customer_id"].isin(chosen)
        window = {"since": EARLY, "through": THROUGH}

        def part(frame: pd.DataFrame) -> pd.DataFrame:
            led = Ledger.from_subscriptions(frame, conventions=conv, through=THROUGH)
            return ledger.bridge(led, **window)

        pd.testing.assert_frame_equal(part(subs[mask]) + part(subs[~mask]), part(subs))

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_segments_add_up_to_the_total(self, subs, conv):
        """Summing the by= segments month by month gives the total bridge."""
        customers = pd.DataFrame(
            {
                "customer_id": [f"c{i}" for i in range(5)],  # c5 has no attributes
                "segment": ["smb", "smb", "enterprise", None, "smb"],
            }
        )
        led = Ledger.from_subscriptions(subs, customers=customers, conventions=conv)

        total = ledger.bridge(led)
        split = ledger.bridge(led, by="segment")

        summed = split.groupby(level="month").sum()
        pd.testing.assert_frame_equal(summed, total, check_names=False)

    def test_segments_keep_customers_without_a_value(self):
        """Customers with no segment value form their own segment, not dropped."""
        subs = _subs(("c1", "2024-01-01", None, 10), ("c2", "2024-01-01", None, 20))
        customers = pd.DataFrame({"customer_id": ["c1"], "segment": ["smb"]})

        led = Ledger.from_subscriptions(subs, customers=customers)
        br = ledger.bridge(led, by="segment")

        assert br["new_mrr"].sum() == 30
        assert len(br) == 2
        assert any("without attributes" in str(note) for note in led.set_aside)

    def test_segment_by_input_column_constant_per_customer(self):
        """An input column that is constant per customer works as a segment."""
        subs = _subs(("c1", "2024-01-01", None, 10), ("c2", "2024-01-01", None, 20))
        subs["rep"] = ["a", "b"]

        br = ledger.bridge(Ledger.from_subscriptions(subs), by=["rep"])

        assert br.xs("b", level="rep")["new_mrr"].sum() == 20

    def test_segment_that_varies_within_a_customer_is_refused(self):
        """A plan that changes within a customer is not a customer attribute."""
        subs = _subs(
            ("c1", "2024-01-01", "2024-03-01", 10), ("c1", "2024-03-01", None, 20)
        )
        subs["plan"] = ["basic", "pro"]

        with pytest.raises(InvalidTableError, match=r"plan: constant per customer"):
            ledger.bridge(Ledger.from_subscriptions(subs), by="plan")

    def test_empty_input_gives_an_empty_bridge(self):
        """No subscriptions: an empty bridge with the right columns."""
        br = ledger.bridge(Ledger.from_subscriptions(_subs()))

        assert br.empty
        assert list(br.columns) == list(ledger.BRIDGE_COLUMNS)

    def test_through_after_the_data_horizon_is_refused(self):
        """The bridge cannot report past what the ledger's data covers."""
        rows = pd.DataFrame(
            {
                "customer_id": ["c1"],
                "month": pd.PeriodIndex(["2024-01"], freq="M"),
                "mrr": [10],
                "currency": "USD",
            }
        )
        short = Ledger.from_monthly_mrr(rows)
        longer = Ledger.from_monthly_mrr(rows, through="2024-03")

        with pytest.raises(ValueError, match="data horizon"):
            ledger.bridge(short, through="2024-03")
        assert list(ledger.bridge(longer)["customers_lost"]) == [0, 1, 0]

    def test_window_before_any_activity_is_empty(self):
        """A window that ends before the first activity has no rows."""
        led = Ledger.from_subscriptions(_subs(("c1", "2024-05-01", None, 10)))

        assert ledger.bridge(led, through="2024-01").empty

    def test_since_after_through_is_refused(self):
        """A reversed window is an error naming both arguments."""
        led = Ledger.from_subscriptions(_subs(("c1", "2024-01-01", None, 10)))

        with pytest.raises(ValueError, match=r"'since'.*'through'"):
            ledger.bridge(led, since="2024-05", through="2024-01")


def test_rows_after_the_horizon_are_set_aside():
    """Billing rows after `through` are counted, not silently shown or dropped."""
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c1"],
            "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-03"], freq="M"),
            "mrr": [10, 10, 10],
            "currency": "USD",
        }
    )

    led = Ledger.from_monthly_mrr(rows, through="2024-02")

    assert [note.count for note in led.set_aside] == [1]
    assert ledger.bridge(led)["customers_lost"].sum() == 0


def test_integer_and_string_customer_ids_give_the_same_bridge():
    """Integer ids take a faster path; the numbers are the same."""
    rows = pd.DataFrame(
        {
            "customer_id": [7, 7, 3, -2],
            "month": pd.PeriodIndex(
                ["2024-01", "2024-02", "2024-02", "2024-01"], freq="M"
            ),
            "mrr": [10, 12, 5, 4],
            "currency": "USD",
        }
    )
    as_text = rows.assign(customer_id=rows["customer_id"].astype(str))

    numbers = ledger.bridge(Ledger.from_monthly_mrr(rows))
    text = ledger.bridge(Ledger.from_monthly_mrr(as_text))

    pd.testing.assert_frame_equal(numbers, text)


@given(
    st.lists(
        st.text(alphabet="ab_09é", min_size=3, max_size=3), min_size=1, max_size=30
    ),
    st.data(),
)
def test_fixed_width_string_ids_take_int_keys_that_sort_and_decode_like_them(ids, data):
    """Equal-length string ids become mixed-radix keys, hashed ids elsewhere."""
    from subscription_metrics._ledger import _customer_keys

    series = pd.Series(ids, dtype="str")
    keys, decode = _customer_keys(series)
    # Equal keys iff equal ids, in the ids' own order; decode gives them back.
    assert list(decode(keys)) == ids
    pairs = sorted(set(zip(keys.tolist(), ids, strict=True)))
    assert len({k for k, _ in pairs}) == len(set(ids))
    if len({len(i.encode()) for i in ids}) == 1:  # one byte width: keys sort alike
        assert [i for _, i in pairs] == sorted(set(ids), key=lambda t: t.encode())
    months = data.draw(
        st.lists(
            st.sampled_from(["2024-01", "2024-02", "2024-03"]),
            min_size=len(ids),
            max_size=len(ids),
        )
    )
    rows = pd.DataFrame(
        {
            "customer_id": series,
            "month": pd.PeriodIndex(months, freq="M"),
            "mrr": np.arange(1, len(ids) + 1) * 10,
            "currency": "USD",
        }
    )
    # The same bridge as with object ids, which are hashed.
    hashed = rows.assign(customer_id=rows["customer_id"].astype(object))
    pd.testing.assert_frame_equal(
        ledger.bridge(Ledger.from_monthly_mrr(rows)),
        ledger.bridge(Ledger.from_monthly_mrr(hashed)),
    )


class TestCurrencies:
    """Several currencies need rates; conversion happens once, per amount."""

    def test_mixed_currencies_without_rates_are_refused(self):
        """Adding yen to dollars is an error that names the column and rule."""
        subs = _subs(("c1", "2024-01-01", None, 10), ("c2", "2024-01-01", None, 20))
        subs.loc[1, "currency"] = "USD"

        with pytest.raises(
            InvalidTableError,
            match=r"subscriptions.currency: one currency unless rates",
        ):
            Ledger.from_subscriptions(subs)

    @pytest.mark.slow
    @given(subscriptions(currencies=("USD", "EUR", "JPY")))
    def test_fixed_rates_equal_converting_each_row_first(self, subs):
        """Converting inside the ledger equals converting rows, then building it."""
        from decimal import ROUND_HALF_EVEN, Decimal

        rates = {"EUR": "1.0825", "JPY": "0.0067"}
        exponents = {"USD": 2, "EUR": 2, "JPY": 0}

        def one(row: pd.Series) -> int:
            if row["currency"] == "USD":
                return int(row["mrr"])
            major = Decimal(int(row["mrr"])).scaleb(-exponents[row["currency"]])
            usd = major * Decimal(rates[row["currency"]])
            return int((usd * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))

        converted = subs.assign(
            mrr=[one(row) for _, row in subs.iterrows()] if len(subs) else [],
            currency="USD",
        ).astype({"mrr": "int64"})

        fast = Ledger.from_subscriptions(
            subs, currency="USD", rates={k: float(v) for k, v in rates.items()}
        )
        slow = Ledger.from_subscriptions(converted, currency="USD")

        pd.testing.assert_frame_equal(ledger.bridge(fast), ledger.bridge(slow))
        months = _months(EARLY, THROUGH)
        state = oracle.customer_months_from_spans(converted, months, Conventions())
        expected, _ = oracle.bridge(state, months, Conventions())
        pd.testing.assert_frame_equal(
            ledger.bridge(
                Ledger.from_subscriptions(
                    subs,
                    currency="USD",
                    rates={k: float(v) for k, v in rates.items()},
                    through=THROUGH,
                ),
                since=EARLY,
            ),
            expected,
        )

    def test_dated_rates_use_the_rate_in_force_at_the_start(self):
        """With dated rates, each subscription converts at its start date's rate."""
        subs = _subs(("c1", "2024-01-10", None, 1000), ("c2", "2024-03-10", None, 1000))
        subs["currency"] = "EUR"
        rates = pd.DataFrame(
            {
                "currency": ["EUR", "EUR"],
                "date": pd.to_datetime(["2024-01-01", "2024-03-01"]),
                "rate": [1.10, 1.20],
            }
        )

        start = ledger.bridge(
            Ledger.from_subscriptions(subs, currency="USD", rates=rates)
        )
        latest = ledger.bridge(
            Ledger.from_subscriptions(
                subs,
                currency="USD",
                rates=rates,
                conventions=Conventions(fx_rate_date="latest"),
            )
        )

        assert start["new_mrr"].sum() == 1100 + 1200
        assert latest["new_mrr"].sum() == 1200 + 1200

    def test_missing_rate_is_reported(self):
        """A currency with no rate is listed, not skipped."""
        subs = _subs(("c1", "2024-01-10", None, 1000))
        subs["currency"] = "GBP"

        with pytest.raises(InvalidTableError, match="no rate from GBP to USD"):
            Ledger.from_subscriptions(subs, currency="USD", rates={"EUR": 1.1})


class TestMajorUnits:
    """Major-unit amounts are converted once, exactly."""

    def test_float_dollars_become_cents(self):
        """0.1 + 0.2 dollars is 30 cents, not 30.000000000000004."""
        subs = _subs(("c1", "2024-01-10", None, 0))
        subs["mrr"] = [0.1 + 0.2]
        subs["currency"] = "USD"

        br = ledger.bridge(Ledger.from_subscriptions(subs, amounts="major"))

        assert br["new_mrr"].sum() == 30

    def test_float_in_minor_mode_is_refused_with_a_hint(self):
        """Fractional minor units are an error that suggests amounts='major'."""
        subs = _subs(("c1", "2024-01-10", None, 0))
        subs["mrr"] = [9.99]

        with pytest.raises(InvalidTableError, match="amounts='major'"):
            Ledger.from_subscriptions(subs)


def test_ledger_repr_and_fields_are_readable():
    """The ledger shows its currency, conventions and months, not its arrays."""
    led = Ledger.from_subscriptions(_subs(("c1", "2024-01-10", None, 10)))

    text = repr(led)

    assert "currency='JPY'" in text
    assert "events" not in text
    assert attrs.fields(Ledger).conventions.type is not None


def test_big_amounts_stay_exact():
    """Sums far beyond float precision reconcile to the last unit."""
    big = 2**60 // 4
    subs = _subs(
        ("c1", "2024-01-01", None, big),
        ("c2", "2024-01-01", None, big + 1),
        ("c3", "2024-02-01", "2024-03-01", big + 3),
    )

    br = ledger.bridge(Ledger.from_subscriptions(subs))

    assert br.loc["2024-02", "mrr_at_end"] == 3 * big + 4
    assert _identity_holds(br)
    assert np.issubdtype(br["mrr_at_end"].dtype, np.int64)


def test_dates_as_python_dates_work():
    """Object columns of datetime.date are accepted."""
    subs = _subs(("c1", "2024-01-10", None, 10))
    subs["start"] = [dt.date(2024, 1, 10)]
    subs["end"] = [None]

    assert ledger.bridge(Ledger.from_subscriptions(subs))["new_mrr"].sum() == 10


def test_a_word_is_not_a_month():
    """'June' would parse as June of year 1; months need a year."""
    subs = pd.DataFrame(
        {
            "subscription_id": ["s1"],
            "customer_id": ["c1"],
            "start": pd.to_datetime(["2024-01-10"]),
            "end": pd.NaT,
            "mrr": [100],
            "currency": "USD",
        }
    )
    led = Ledger.from_subscriptions(subs)
    with pytest.raises(ValueError, match="'since' must be a month"):
        ledger.bridge(led, since="June")


class TestNarrowEvents:
    """The event arrays' int32 columns, and the packed sort of the spans."""

    def test_event_arrays_are_int32_except_money(self):
        led = Ledger.from_subscriptions(
            _subs(("a", "2024-01-05", "2024-03-01", 100), ("b", "2024-02-01", None, 7))
        )
        ev = led._events
        for name in ("customer", "month", "count_change", "count_after"):
            assert getattr(ev, name).dtype == np.int32, name
        assert ev.mrr_change.dtype == ev.mrr_after.dtype == np.int64
        # The public tables keep int64 whatever the arrays' width.
        out = ledger.events(led)
        assert out["subscriptions"].dtype == out["subscriptions_change"].dtype
        assert out["subscriptions"].dtype == np.int64
        assert out["subscriptions"].tolist() == [1, 0, 1]

    @given(
        st.integers(0, 2**30),
        st.integers(0, 2**20),
        st.integers(1, 60),
        st.randoms(use_true_random=False),
    )
    def test_packed_sort_equals_lexsort(self, top_code, top_month, n, random):
        from subscription_metrics._ledger import (
            _span_changes,
            _span_changes_lexsort,
        )

        rng = np.random.default_rng(random.randint(0, 2**32))
        codes = rng.integers(0, top_code + 1, n)
        first = rng.integers(-top_month, top_month + 1, n)
        last = first + rng.integers(1, 40, n)
        mrr = rng.integers(0, 10**12, n)
        opens = np.flatnonzero(rng.random(n) < 0.9)
        closes = np.flatnonzero(rng.random(n) < 0.6)
        spans = [codes, first, last, mrr, opens, closes]
        fast = _span_changes(list(spans), table="subscriptions")
        slow = _span_changes_lexsort(list(spans))
        assert [a.dtype for a in fast] == [a.dtype for a in slow]
        # Sorted by customer, then month; ties in any order (they are netted).
        assert np.array_equal(fast[0], slow[0])
        assert np.array_equal(fast[1], slow[1])
        key = sorted(tuple(row) for row in np.column_stack(fast).tolist())
        assert key == sorted(tuple(row) for row in np.column_stack(slow).tolist())
        assert len(fast[0]) == len(opens) + len(closes)
        assert int(fast[2].sum()) == int(mrr[opens].sum()) - int(mrr[closes].sum())

    def test_pack_wider_than_63_bits_falls_back_to_lexsort(self):
        from subscription_metrics._ledger import _span_changes

        # 31 bits of customer code and 32 of months leave none for the rows.
        codes = np.array([2**30, 0, 2**30])
        first = np.array([-(2**30), 2**30, 5])
        last = first + 3
        mrr = np.array([10, 20, 40])
        spans = [codes, first, last, mrr, np.arange(3), np.array([0, 2])]
        customer, month, change, count = _span_changes(spans, table="s")
        assert spans == []  # emptied: the caller's arrays are freed
        assert customer.tolist() == [0, 2**30, 2**30, 2**30, 2**30]
        assert month.tolist() == [2**30, -(2**30), -(2**30) + 3, 5, 8]
        assert change.tolist() == [20, 10, -10, 40, -40]
        assert count.tolist() == [1, 1, -1, 1, -1]

    def test_values_outside_int32_are_refused_not_wrapped(self):
        from subscription_metrics._ledger import _int32

        ok = _int32(np.array([-(2**31), 2**31 - 1]), table="t", column="c", what="x")
        assert ok.dtype == np.int32
        assert ok.tolist() == [-(2**31), 2**31 - 1]
        with pytest.raises(InvalidTableError, match="32-bit range") as info:
            _int32(np.array([0, 2**31, -(2**31) - 1]), table="t", column="c", what="x")
        assert info.value.problems[0].count == 2


def test_absent_optional_columns_are_none_in_no_memory():
    """Optional columns the input lacks read as None and can be written after a copy."""
    from subscription_metrics._schema import is_absent

    subs = pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3"],
            "customer_id": [7, 7, 9],
            "start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]),
            "end": pd.to_datetime([None, "2024-04-01", None]),
            "mrr": [100, 50, 80],
            "currency": "USD",
        }
    )
    customers = pd.DataFrame({"customer_id": [7, 9], "segment": ["a", "b"]})
    led = Ledger.from_subscriptions(subs, customers=customers)
    plan = led._rows["plan"]
    assert plan.tolist() == [None, None, None]
    assert is_absent(plan)
    assert plan.to_numpy().strides == (0,)  # one None, whatever the length
    given = ["customer_id", "segment"]
    absent = [name for name in led.customers.columns if name not in given]
    assert absent  # the Customer fields the table lacks
    for name in absent:
        assert led.customers[name].tolist() == [None, None]
        assert is_absent(led.customers[name])
    assert led.customers["segment"].tolist() == ["a", "b"]
    assert not is_absent(pd.Series([None, None], dtype=object))
    rows = led._rows.copy()
    rows.loc[0, "plan"] = "pro"
    assert rows["plan"].tolist() == ["pro", None, None]
    assert led._rows["plan"].tolist() == [None, None, None]
    back = Ledger.from_dict(led.to_dict())
    assert ledger.bridge(back).equals(ledger.bridge(led))
