"""Tests for `Ledger.from_invoice_lines`, the spread kernel, and netting credits."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import Conventions, InvoiceLine, Ledger, ledger
from subscription_metrics._invoices import period_ends, spread, whole_months

from .strategies import dates, invoice_lines, monthly_rows

# --------------------------------------------------------------------------
# The slow, obvious oracle: one line at a time, in Python ints and dates
# --------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def slow_spread(
    amount: int, start: dt.date, end: dt.date, rule: str
) -> list[tuple[dt.date, int]]:
    """Shares of one line per month (first day of the month), by the stated rule."""
    sign = -1 if amount < 0 else 1
    magnitude = abs(amount)
    first = start.replace(day=1)
    days = (end - start).days
    if rule == "months":
        # The average month is 365.25 / 12 days; half a month rounds up.
        n = max(1, int(Fraction(days) / Fraction(1461, 48) + Fraction(1, 2)))
        q, r = divmod(magnitude, n)
        return [(_add_months(first, j), sign * (q + (j < r))) for j in range(n)]
    # Days: each day of the period gets an equal share, the remainder units
    # one each to the earliest days; a month sums its days. An empty period
    # is its start day.
    period = [start + dt.timedelta(days=i) for i in range(max(days, 1))]
    q, r = divmod(magnitude, len(period))
    out: dict[dt.date, int] = {}
    for i, day in enumerate(period):
        month = day.replace(day=1)
        out[month] = out.get(month, 0) + sign * (q + (i < r))
    return list(out.items())


def slow_monthly_rows(lines: pd.DataFrame, rule: str = "months") -> pd.DataFrame:
    """The lines' recurring MRR as monthly rows, one line at a time.

    Trials (zero recurring lines before the customer's first paid one) are
    left out, as under the default ``trial='not_customer'``.
    """
    first_paid: dict[str, pd.Timestamp] = {}
    for row in lines.itertuples():
        if row.kind == "recurring" and row.amount > 0:
            known = first_paid.get(row.customer_id, row.period_start)
            first_paid[row.customer_id] = min(known, row.period_start)
    sums: dict[tuple[str, dt.date], int] = {}
    for row in lines.itertuples():
        if row.kind not in ("recurring", "credit_note", "proration"):
            continue
        paid_from = first_paid.get(row.customer_id)
        before_paying = paid_from is None or row.period_start < paid_from
        if row.kind == "recurring" and row.amount == 0 and before_paying:
            continue
        shares = slow_spread(
            int(row.amount), row.period_start.date(), row.period_end.date(), rule
        )
        for month, share in shares:
            key = (row.customer_id, month)
            sums[key] = sums.get(key, 0) + share
    return pd.DataFrame(
        [(c, pd.Timestamp(m), v, "USD") for (c, m), v in sums.items()],
        columns=["customer_id", "month", "mrr", "currency"],
    )


def _day(*days: str) -> np.ndarray:
    return np.array(days, dtype="datetime64[D]")


def _lines(*rows: tuple, currency: str = "USD", **columns) -> pd.DataFrame:
    """Lines from (customer, kind, start, end, amount) tuples."""
    frame = pd.DataFrame(
        rows, columns=["customer_id", "kind", "period_start", "period_end", "amount"]
    )
    frame.insert(0, "line_id", [f"l{i}" for i in range(len(rows))])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame["currency"] = currency
    for name, values in columns.items():
        frame[name] = values
    return frame


BRIDGE = ["mrr_at_start", "new_mrr", "expansion_mrr", "contraction_mrr"]
BRIDGE += ["churned_mrr", "reactivation_mrr", "mrr_at_end", "customers_at_end"]


def _bridge(led: Ledger) -> list[list[int]]:
    return ledger.bridge(led)[BRIDGE].to_numpy().tolist()


# --------------------------------------------------------------------------
# The spread kernel
# --------------------------------------------------------------------------


class TestSpread:
    """Tests for `_invoices.spread` and `whole_months`."""

    def test_annual_yen_line_is_ten_thousand_a_month(self):
        """120,000 JPY for 2025-04-01..2026-04-01 is 10,000 JPY in each of 12 months.

        The normalisation ChartMogul and Baremetrics document: an annual amount
        over the months of its period ($120 a year is $10 a month for 12 months).
        """
        _, month, share = spread(
            np.array([120_000]), _day("2025-04-01"), _day("2026-04-01"), rule="months"
        )

        assert share.tolist() == [10_000] * 12
        assert str(pd.Period(ordinal=int(month[0]), freq="M")) == "2025-04"
        assert str(pd.Period(ordinal=int(month[-1]), freq="M")) == "2026-03"

    def test_remainder_goes_to_the_earliest_months(self):
        """100.00 USD over three months is 33.34 + 33.33 + 33.33, summing exactly."""
        _, _, share = spread(
            np.array([10_000]), _day("2025-01-01"), _day("2025-04-01"), rule="months"
        )

        assert share.tolist() == [3334, 3333, 3333]

    def test_anniversary_line_keeps_whole_months(self):
        """A year from the 15th is 12 months from the month it starts, not 13."""
        _, month, share = spread(
            np.array([120_000]), _day("2025-04-15"), _day("2026-04-15"), rule="months"
        )

        assert share.tolist() == [10_000] * 12
        assert int(month[0]) == pd.Period("2025-04", "M").ordinal

    def test_days_rule_follows_the_calendar(self):
        """By days, a period from 17 January to 17 February is 15 and 16 days."""
        _, _, share = spread(
            np.array([3_100]), _day("2025-01-17"), _day("2025-02-17"), rule="days"
        )

        assert share.tolist() == [1_500, 1_600]

    def test_empty_period_is_its_start_month(self):
        """A line without a period belongs to the month of its start."""
        for rule in ("months", "days"):
            _, month, share = spread(
                np.array([500]), _day("2025-03-31"), _day("2025-03-31"), rule=rule
            )

            assert share.tolist() == [500]
            assert int(month[0]) == pd.Period("2025-03", "M").ordinal

    def test_whole_months_known_lengths(self):
        """Years, leap years, February and quarters are whole months."""
        days = np.array([365, 366, 28, 29, 31, 89, 92, 14, 15, 45, 46])

        assert whole_months(days).tolist() == [12, 12, 1, 1, 1, 3, 3, 1, 1, 1, 2]

    @given(
        st.lists(
            st.tuples(
                st.integers(-(2**62), 2**62),
                dates,
                st.integers(0, 800),
            ),
            max_size=20,
        ),
        st.sampled_from(["months", "days"]),
    )
    @example([(2**62, dt.date(2024, 2, 29), 366)], "days").via("largest amount")
    @example([(-7, dt.date(2024, 1, 31), 1)], "months").via("negative, one day")
    def test_matches_the_slow_loop_and_sums_exactly(self, lines, rule):
        """Every share equals the one-line-at-a-time oracle; shares sum to the line."""
        amount = np.array([a for a, _, _ in lines], np.int64)
        start = np.array([s for _, s, _ in lines], "datetime64[D]")
        end = np.array([s + dt.timedelta(days=d) for _, s, d in lines], "datetime64[D]")

        line, month, share = spread(amount, start, end, rule=rule)

        expected = [
            (i, pd.Period(m, "M").ordinal, v)
            for i, (a, s, d) in enumerate(lines)
            for m, v in slow_spread(a, s, s + dt.timedelta(days=d), rule)
        ]
        found = zip(line.tolist(), month.tolist(), share.tolist(), strict=True)
        assert list(found) == expected
        sums = np.zeros(len(lines), object)
        np.add.at(sums, line, share.astype(object))
        assert sums.tolist() == [a for a, _, _ in lines]

    @given(
        st.integers(0, 10**12),
        st.floats(0, 1),
        dates,
        st.integers(0, 800),
        st.sampled_from(["months", "days"]),
    )
    @example(10_000, 0.9999, dt.date(2025, 1, 30), 32, "days").via("9,999 of 10,000")
    def test_a_partial_credit_never_takes_a_month_below_zero(
        self, amount, part, start, days, rule
    ):
        """A credit of at most the charge, same period: every month nets >= 0."""
        credit = int(amount * part)
        start_day = np.array([start], "datetime64[D]")
        end_day = np.array([start + dt.timedelta(days=days)], "datetime64[D]")

        charge = spread(np.array([amount]), start_day, end_day, rule=rule)[2]
        back = spread(np.array([-credit]), start_day, end_day, rule=rule)[2]

        assert (charge + back >= 0).all()

    @given(st.integers(-(10**12), 10**12), dates, st.integers(0, 800))
    def test_a_credit_cancels_its_charge_month_by_month(self, amount, start, days):
        """Spreading -a gives minus the shares of a, so a full credit nets to zero."""
        end = start + dt.timedelta(days=days)
        for rule in ("months", "days"):
            args = (np.array(start, "datetime64[D]")[None],)
            args += (np.array(end, "datetime64[D]")[None],)
            charge = spread(np.array([amount]), *args, rule=rule)[2]
            credit = spread(np.array([-amount]), *args, rule=rule)[2]

            assert (charge + credit == 0).all()


# --------------------------------------------------------------------------
# The ledger from invoice lines
# --------------------------------------------------------------------------


class TestFromInvoiceLines:
    """Tests for `Ledger.from_invoice_lines`."""

    def test_annual_line_is_flat_mrr_and_churns_after_its_period(self):
        """An annual yen line is 10,000 MRR for 12 months, then churn."""
        lines = _lines(
            ("c1", "recurring", "2025-04-01", "2026-04-01", 120_000), currency="JPY"
        )

        led = Ledger.from_invoice_lines(lines, through="2026-04")

        bridge = ledger.bridge(led)
        assert bridge["mrr_at_end"].tolist() == [10_000] * 12 + [0]
        assert bridge["new_mrr"].iloc[0] == 10_000
        assert bridge["churned_mrr"].iloc[-1] == 10_000
        assert led.source == "invoice_lines"

    def test_one_off_and_tax_lines_are_counted_not_mrr(self):
        """One-off and tax lines are set aside, counted, and named."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 5_000),
            ("c1", "tax", "2025-01-01", "2025-02-01", 1_000),
            ("c1", "one_off", "2025-01-10", "2025-01-10", 20_000),
            ("c2", "one_off", "2025-01-10", "2025-01-10", 20_000),
        )

        led = Ledger.from_invoice_lines(lines)

        assert [str(a) for a in led.set_aside] == [
            "invoice_lines: one-off lines: 2 rows (e.g. l2, l3); "
            "not recurring revenue, so not MRR",
            "invoice_lines: tax lines: 1 row (e.g. l1); tax is not revenue, so not MRR",
        ]
        assert _bridge(led) == [[0, 5_000, 0, 0, 0, 0, 5_000, 1]]
        assert led.customers["customer_id"].tolist() == ["c1"]

    def test_credit_notes_and_prorations_net_in_the_customer_month(self):
        """A credit and an upgrade proration net with the month's recurring line.

        Hand-computed: January 100.00; February 100.00 - 40.00 credit = 60.00
        (contraction 40.00); March 100.00 + 50.00 proration = 150.00
        (expansion 90.00 from 60.00).
        """
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 10_000),
            ("c1", "recurring", "2025-02-01", "2025-03-01", 10_000),
            ("c1", "credit_note", "2025-02-01", "2025-03-01", -4_000),
            ("c1", "recurring", "2025-03-01", "2025-04-01", 10_000),
            ("c1", "proration", "2025-03-01", "2025-04-01", 5_000),
        )

        led = Ledger.from_invoice_lines(lines)

        assert _bridge(led) == [
            [0, 10_000, 0, 0, 0, 0, 10_000, 1],
            [10_000, 0, 0, 4_000, 0, 0, 6_000, 1],
            [6_000, 0, 9_000, 0, 0, 0, 15_000, 1],
        ]

    def test_net_negative_month_names_the_lines(self):
        """A credit larger than the month's charge is refused, naming its lines."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 10_000),
            ("c1", "credit_note", "2025-01-01", "2025-02-01", -12_000),
            ("c2", "recurring", "2025-01-01", "2025-02-01", 10_000),
        )

        with pytest.raises(sm.InvalidTableError) as info:
            Ledger.from_invoice_lines(lines)

        (problem,) = info.value.problems
        assert problem.rule == "customer-month not negative"
        assert problem.examples == ("l0", "l1")
        assert "c1 in 2025-01" in problem.detail

    def test_quantity_times_unit_amount_less_discount(self):
        """Five seats at 10.00 less a 5.00 discount is 45.00 MRR."""
        lines = pd.DataFrame(
            {
                "line_id": ["l1", "l2"],
                "customer_id": ["c1", "c2"],
                "kind": "recurring",
                "period_start": pd.to_datetime(["2025-01-01", "2025-01-01"]),
                "period_end": pd.to_datetime(["2025-02-01", "2025-02-01"]),
                "quantity": [5, None],
                "unit_amount": [1_000, None],
                "discount_amount": [500, None],
                "amount": [None, 2_000],
                "currency": "USD",
            }
        )

        led = Ledger.from_invoice_lines(lines)

        assert ledger.bridge(led)["new_mrr"].tolist() == [6_500]

    def test_both_amount_forms_on_one_line_is_refused(self):
        """A line with an amount and a quantity is ambiguous."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 10_000),
            quantity=[2],
            unit_amount=[5_000],
        )

        with pytest.raises(sm.InvalidTableError, match="amount, or quantity"):
            Ledger.from_invoice_lines(lines)

    def test_days_spread_by_convention(self):
        """Under invoice_spread='days' a mid-month start shows a partial month."""
        lines = _lines(("c1", "recurring", "2025-01-17", "2025-02-17", 3_100))
        days = Conventions(invoice_spread="days")

        led = Ledger.from_invoice_lines(lines, conventions=days, through="2025-03")

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [1_500, 1_600, 0]

    def test_horizon_sets_later_months_aside(self):
        """Shares after `through` are not shown; their lines are counted."""
        lines = _lines(("c1", "recurring", "2025-01-01", "2026-01-01", 12_000))

        led = Ledger.from_invoice_lines(lines, through="2025-03")

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [1_000] * 3
        assert str(led.set_aside[0]).startswith(
            "invoice_lines: months after the horizon: 1 row (e.g. l0)"
        )

    def test_rates_convert_each_line(self):
        """A euro line is converted at its period start, then spread."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-04-01", 30_000), currency="EUR"
        )

        led = Ledger.from_invoice_lines(lines, currency="USD", rates={"EUR": 1.1})

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [11_000] * 3

    def test_no_recurring_lines_is_an_empty_ledger_in_their_currency(self):
        """Only a one-off line: nothing to show, the line counted."""
        lines = _lines(("c1", "one_off", "2025-01-01", "2025-01-01", 500))

        led = Ledger.from_invoice_lines(lines)

        assert (led.currency, led.last_month, len(led.customers)) == ("USD", None, 0)
        assert led.set_aside[0].count == 1

    def test_time_zone_aware_periods_use_their_wall_clock_days(self):
        """Periods in Tokyo time spread over Tokyo's months."""
        lines = _lines(("c1", "recurring", "2025-01-01", "2025-04-01", 300))
        for name in ("period_start", "period_end"):
            lines[name] = lines[name].dt.tz_localize("Asia/Tokyo")

        led = Ledger.from_invoice_lines(lines)

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [100, 100, 100]

    def test_major_units_for_unit_prices_and_discounts(self):
        """Three seats at 19.99 less 5.00 is 54.97 a month."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", None),
            quantity=[3],
            unit_amount=["19.99"],
            discount_amount=["5.00"],
        )

        led = Ledger.from_invoice_lines(lines, amounts="major")

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [5_497]

    def test_quantity_times_price_beyond_int64_is_refused(self):
        """2**40 seats at 2**40 minor units does not fit in int64 money."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", None),
            quantity=[2**40],
            unit_amount=[2**40],
        )

        with pytest.raises(sm.MoneyOverflowError) as info:
            Ledger.from_invoice_lines(lines)

        assert info.value.problems[0].examples == ("l0",)

    @given(invoice_lines(), st.sampled_from(["months", "days"]))
    def test_equals_the_slow_loop_through_monthly_rows(self, lines, rule):
        """The bridge equals that of the oracle's monthly rows (same horizon)."""
        conventions = Conventions(invoice_spread=rule)
        rows = slow_monthly_rows(lines, rule)

        led = Ledger.from_invoice_lines(lines, conventions=conventions)

        if rows.empty:
            assert led.last_month is None
        else:
            through = pd.Period(rows["month"].max(), "M")
            oracle = Ledger.from_monthly_mrr(rows, through=through)
            pd.testing.assert_frame_equal(ledger.bridge(led), ledger.bridge(oracle))

    @given(invoice_lines(), st.sampled_from(["months", "days"]))
    def test_spread_mrr_sums_to_the_recurring_amounts(self, lines, rule):
        """Summed over every month, MRR is the recurring lines' total, exactly."""
        recurring = lines["kind"].isin(["recurring", "proration"])
        conventions = Conventions(invoice_spread=rule)

        led = Ledger.from_invoice_lines(lines, conventions=conventions)

        total = int(lines.loc[recurring, "amount"].sum())
        if led.last_month is None:
            assert total == 0
        else:
            assert int(ledger.bridge(led)["mrr_at_end"].sum()) == total


# --------------------------------------------------------------------------
# Trials and discounts
# --------------------------------------------------------------------------


class TestTrialsAndDiscounts:
    """Tests for the `trial` and `discounts` conventions on invoice lines."""

    def _trial_lines(self) -> pd.DataFrame:
        # A free January, then 50.00 a month from February to March.
        return _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 0),
            ("c1", "recurring", "2025-02-01", "2025-03-01", 5_000),
            ("c1", "recurring", "2025-03-01", "2025-04-01", 5_000),
        )

    def test_a_trial_month_is_not_yet_a_customer(self):
        """By default the customer is new in February; the trial line is counted."""
        led = Ledger.from_invoice_lines(self._trial_lines())

        assert _bridge(led) == [
            [0, 5_000, 0, 0, 0, 0, 5_000, 1],
            [5_000, 0, 0, 0, 0, 0, 5_000, 1],
        ]
        assert str(led.first_month) == "2025-02"
        assert led.set_aside[0].rule == "trial lines"
        assert led.set_aside[0].examples == ("l0",)

    def test_a_trial_month_can_be_a_customer_at_zero_mrr(self):
        """With trial='customer' the customer is new in January at zero MRR."""
        conventions = Conventions(trial="customer", zero_mrr="active")

        led = Ledger.from_invoice_lines(self._trial_lines(), conventions=conventions)

        assert _bridge(led) == [
            [0, 0, 0, 0, 0, 0, 0, 1],
            [0, 0, 5_000, 0, 0, 0, 5_000, 1],
            [5_000, 0, 0, 0, 0, 0, 5_000, 1],
        ]
        assert led.set_aside == ()

    def test_trial_customer_needs_zero_mrr_active(self):
        """A customer at zero MRR exists only under zero_mrr='active'."""
        with pytest.raises(ValueError, match="zero_mrr='active'"):
            Conventions(trial="customer")
        assert Conventions.preset("chartmogul").trial == "not_customer"

    def test_a_free_month_after_paying_is_not_a_trial(self):
        """A zero line after the first paid one is zero MRR, not a trial."""
        lines = _lines(
            ("c1", "recurring", "2025-01-01", "2025-02-01", 5_000),
            ("c1", "recurring", "2025-02-01", "2025-03-01", 0),
        )

        led = Ledger.from_invoice_lines(lines)

        assert led.set_aside == ()
        assert ledger.bridge(led)["churned_mrr"].tolist() == [0, 5_000]

    def _coupon_lines(self) -> pd.DataFrame:
        # 100.00 a month; a 20% coupon for two months is on two lines.
        return pd.DataFrame(
            {
                "line_id": ["l1", "l2", "l3"],
                "customer_id": "c1",
                "kind": "recurring",
                "period_start": pd.to_datetime(
                    ["2025-01-01", "2025-02-01", "2025-03-01"]
                ),
                "period_end": pd.to_datetime(
                    ["2025-02-01", "2025-03-01", "2025-04-01"]
                ),
                "quantity": 1,
                "unit_amount": 10_000,
                "discount_amount": [2_000, 2_000, None],
                "currency": "USD",
            }
        )

    def test_a_discount_lowers_mrr_while_its_lines_carry_it(self):
        """80.00 for the coupon's two months, then an expansion of 20.00."""
        led = Ledger.from_invoice_lines(self._coupon_lines())

        assert _bridge(led) == [
            [0, 8_000, 0, 0, 0, 0, 8_000, 1],
            [8_000, 0, 0, 0, 0, 0, 8_000, 1],
            [8_000, 0, 2_000, 0, 0, 0, 10_000, 1],
        ]

    def test_discounts_can_be_ignored(self):
        """With discounts='ignore' MRR is the price before discount throughout."""
        conventions = Conventions(discounts="ignore")

        led = Ledger.from_invoice_lines(self._coupon_lines(), conventions=conventions)

        assert ledger.bridge(led)["mrr_at_end"].tolist() == [10_000] * 3
        assert ledger.bridge(led)["expansion_mrr"].tolist() == [0, 0, 0]


# --------------------------------------------------------------------------
# Monthly rows with credit notes
# --------------------------------------------------------------------------


class TestMonthlyRowsNetCredits:
    """Tests for negative rows in `Ledger.from_monthly_mrr`."""

    def test_credit_notes_give_the_bridge_of_the_pre_netted_rows(self):
        """A tape with credits that net non-negative equals its netted tape."""
        tape = pd.DataFrame(
            {
                "customer_id": ["c1", "c1", "c1", "c2", "c2", "c2"],
                "month": pd.to_datetime(
                    [
                        "2024-01-01",
                        "2024-02-01",
                        "2024-02-01",
                        "2024-01-01",
                        "2024-02-01",
                        "2024-02-01",
                    ]
                ),
                "mrr": [10_000, 10_000, -2_500, 5_000, 5_000, -5_000],
                "currency": "EUR",
            }
        )
        netted = tape.groupby(["customer_id", "month"], as_index=False)["mrr"].sum()
        netted["currency"] = "EUR"

        with_credits = ledger.bridge(Ledger.from_monthly_mrr(tape))
        pre_netted = ledger.bridge(Ledger.from_monthly_mrr(netted))

        pd.testing.assert_frame_equal(with_credits, pre_netted)
        assert with_credits["contraction_mrr"].tolist() == [0, 2_500]

    @given(monthly_rows(), st.data())
    def test_any_split_into_charges_and_credits_gives_the_same_bridge(self, rows, data):
        """Splitting each row into a charge and a credit changes no figure."""
        extra = np.array(
            data.draw(
                st.lists(st.integers(0, 10_000), min_size=len(rows), max_size=len(rows))
            ),
            np.int64,
        )
        charges = rows.assign(mrr=rows["mrr"] + extra)
        credits = rows.assign(mrr=-extra)
        tape = pd.concat([charges, credits], ignore_index=True)

        pd.testing.assert_frame_equal(
            ledger.bridge(Ledger.from_monthly_mrr(tape)),
            ledger.bridge(Ledger.from_monthly_mrr(rows)),
        )

    def test_net_negative_customer_month_is_refused_with_its_rows(self):
        """Credits beyond the month's charges are refused, naming the rows."""
        tape = pd.DataFrame(
            {
                "customer_id": ["c1", "c1", "c2"],
                "month": pd.to_datetime(["2024-01-01"] * 3),
                "mrr": [1_000, -1_500, 700],
                "currency": "EUR",
            }
        )

        with pytest.raises(sm.InvalidTableError) as info:
            Ledger.from_monthly_mrr(tape)

        (problem,) = info.value.problems
        assert problem.rule == "customer-month not negative"
        assert problem.examples == ("0", "1")
        assert "c1 in 2024-01" in problem.detail


def test_invoice_line_entity_round_trips_through_a_frame():
    """`frames.to_frame` and `from_frame` keep a line as it is."""
    line = InvoiceLine(
        line_id="l1",
        customer_id="c1",
        kind="credit_note",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 2, 1),
        amount=-500,
        currency="usd",
    )

    frame = sm.frames.to_frame([line])

    assert sm.frames.from_frame(frame, InvoiceLine) == [line]
    assert attrs.evolve(line, amount=-1).amount == -1


# --------------------------------------------------------------------------
# Invoice date plus billing interval, in place of a period end
# --------------------------------------------------------------------------


def slow_period_end(start: dt.date, interval: str, count: int) -> dt.date:
    """The oracle: dateutil's calendar arithmetic, one line at a time."""
    from dateutil.relativedelta import relativedelta

    step = {
        "day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "quarter": relativedelta(months=3 * count),
        "year": relativedelta(years=count),
    }[interval]
    return start + step


class TestIntervals:
    def test_month_end_anniversaries_clip_to_shorter_months(self):
        """Jan 31 + 1 month is Feb 28, Feb 29 + 1 year is Feb 28, a quarter 3 months."""
        start = _day("2025-01-31", "2024-02-29", "2025-04-01", "2025-03-31")
        names = np.array(["month", "year", "quarter", "month"], dtype=object)
        ends = period_ends(start, names, np.array([1, 1, 1, 11]))
        # 2025-03-31 + 11 months: 2026-02-31 does not exist, so 2026-02-28.
        assert [str(d) for d in ends] == [
            "2025-02-28",
            "2025-02-28",
            "2025-07-01",
            "2026-02-28",
        ]

    @given(
        st.lists(
            st.tuples(
                dates,
                st.sampled_from(["day", "week", "month", "quarter", "year"]),
                st.integers(1, 36),
            ),
            max_size=30,
        )
    )
    def test_period_ends_equal_dateutil(self, lines):
        """Every end equals dateutil's ``start + relativedelta`` of the interval."""
        start = np.array([s for s, _, _ in lines], "datetime64[D]")
        names = np.array([n for _, n, _ in lines], dtype=object)
        counts = np.array([c for _, _, c in lines], np.int64)
        ends = period_ends(start, names, counts)
        assert [d.astype(dt.date) for d in ends] == [
            slow_period_end(s, n, c) for s, n, c in lines
        ]

    def test_an_annual_line_by_invoice_date_is_ten_thousand_a_month(self):
        """Invoice date 2025-04-01, 'Annual', 120,000 yen: 10,000 a month to 2026-03."""
        lines = _lines(
            ("c1", "recurring", "2025-04-01", None, 120_000),
            currency="JPY",
            interval=["Annual"],
        )
        by_interval = Ledger.from_invoice_lines(lines, through="2026-04")
        by_period = Ledger.from_invoice_lines(
            lines.drop(columns="interval").assign(
                period_end=pd.to_datetime(["2026-04-01"])
            ),
            through="2026-04",
        )
        mrr = ledger.bridge(by_interval)["mrr_at_end"].tolist()
        assert mrr == [10_000] * 12 + [0]
        assert ledger.bridge(by_interval).equals(ledger.bridge(by_period))

    def test_a_given_period_end_wins_over_the_interval(self):
        """The interval is read only where period_end is missing."""
        lines = _lines(
            ("c1", "recurring", "2025-04-01", "2025-05-01", 9_000),
            ("c2", "recurring", "2025-04-01", None, 9_000),
            currency="JPY",
            interval=["year", "quarter"],
            interval_count=[5, None],
        )
        led = Ledger.from_invoice_lines(lines, through="2025-07")
        assert ledger.bridge(led)["mrr_at_end"].tolist() == [12_000, 3_000, 3_000, 0]

    def test_a_line_with_neither_end_nor_interval_is_refused(self):
        lines = _lines(
            ("c1", "recurring", "2025-04-01", None, 9_000),
            ("c2", "recurring", "2025-04-01", None, 9_000),
            currency="JPY",
            interval=["month", None],
        )
        with pytest.raises(sm.InvalidTableError) as caught:
            Ledger.from_invoice_lines(lines)
        (problem,) = caught.value.problems
        assert (problem.column, problem.count) == ("period_end, interval", 1)

    @pytest.mark.parametrize(
        ("interval", "count", "column"),
        [("fortnight", 1, "interval"), ("month", 0, "interval_count")],
    )
    def test_unknown_intervals_and_zero_counts_name_the_line(
        self, interval, count, column
    ):
        lines = _lines(
            ("c1", "recurring", "2025-04-01", None, 9_000),
            currency="JPY",
            interval=[interval],
            interval_count=[count],
        )
        with pytest.raises(sm.InvalidTableError) as caught:
            Ledger.from_invoice_lines(lines)
        (problem,) = caught.value.problems
        assert (problem.column, problem.examples) == (column, ("l0",))
