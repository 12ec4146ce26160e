"""Tests for `subscription_metrics.adapters`: Stripe and Chargebee exports in."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import InvalidTableError, money

DATA = Path(__file__).parent / "data" / "adapters"
MONTHS = pd.period_range("2025-01", "2025-05", freq="M", name="month")
BRIDGE_MONEY = [
    "mrr_at_start",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "mrr_at_end",
]


def load(name: str) -> object:
    return json.loads((DATA / f"{name}.json").read_text())


def dates(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values))).astype("datetime64[s]")


def expected_bridge(rows: list[tuple[int, int, int, int, int, int]]) -> pd.DataFrame:
    """Chain hand-computed movements into a bridge: (new, exp, con, churn, react)."""
    out, start = [], 0
    for new, expansion, contraction, churn, reactivation, *_ in rows:
        end = start + new + expansion + reactivation - contraction - churn
        out.append((start, new, expansion, contraction, churn, reactivation, end))
        start = end
    return pd.DataFrame(out, columns=BRIDGE_MONEY, index=MONTHS[: len(out)])


def problems(error: pytest.ExceptionInfo[InvalidTableError]) -> list[tuple[str, str]]:
    return [(p.column, p.rule) for p in error.value.problems]


def stripe_subscription(**item: object) -> dict[str, object]:
    price = {
        "id": "price_x",
        "unit_amount": item.pop("unit_amount", 1000),
        "currency": item.pop("currency", "usd"),
        "recurring": {
            "interval": item.pop("interval", "month"),
            "interval_count": item.pop("interval_count", 1),
        },
    }
    return {
        "id": item.pop("id", "sub_1"),
        "customer": "cus_1",
        "status": item.pop("status", "active"),
        "start_date": 1735689600,  # 2025-01-01
        "items": {"data": [{"id": "si_1", "quantity": 1, "price": price, **item}]},
    }


# --------------------------------------------------------------------------
# Stripe
# --------------------------------------------------------------------------


class TestStripeSubscriptions:
    """`adapters.stripe.subscriptions` on the fixture of seven subscriptions."""

    def test_frame(self):
        """One row per item, MRR from unit amount x quantity per interval."""
        imported = sm.adapters.stripe.subscriptions(load("stripe_subscriptions"))

        expected = pd.DataFrame(
            {
                "subscription_id": [
                    "si_A1",
                    "si_A2",
                    "si_B1",
                    "si_C1",
                    "si_E1",
                    "si_H1",
                ],
                "customer_id": [
                    "cus_Acme",
                    "cus_Acme",
                    "cus_Birch",
                    "cus_Cedar",
                    "cus_Elm",
                    "cus_Heath",
                ],
                # Cedar and Elm count from the end of their trials.
                "start": dates(
                    "2025-01-10",
                    "2025-03-10",
                    "2025-02-01",
                    "2025-02-03",
                    "2025-06-03",
                    "2025-04-20",
                ),
                "end": dates("2025-03-10", None, None, "2025-05-03", None, None),
                "mrr": [
                    2 * 4900,  # 2 x Pro monthly
                    2 * 9900,  # 2 x Business monthly
                    120000 // 12,  # Team annual, 1,200.00 a year
                    4900,
                    3 * 4900,
                    30000 // 3,  # every 3 months
                ],
                "currency": ["USD"] * 6,
                "plan": [
                    "Pro monthly",
                    "Business monthly",
                    "Team annual",
                    "Pro monthly",
                    "Pro monthly",
                    "Pro quarterly",
                ],
                "stripe_subscription_id": [
                    "sub_A1",
                    "sub_A2",
                    "sub_B1",
                    "sub_C1",
                    "sub_E1",
                    "sub_H1",
                ],
            }
        )
        pd.testing.assert_frame_equal(imported.frame, expected)
        assert [(a.rule, a.count, a.examples) for a in imported.set_aside] == [
            ("never paid", 1, ("sub_D1",))
        ]

    def test_bridge(self):
        """The ledger of the fixture has the hand-computed bridge."""
        frame = sm.adapters.stripe.subscriptions(load("stripe_subscriptions")).frame
        ledger = sm.Ledger.from_subscriptions(frame, through="2025-05")

        bridge = sm.ledger.bridge(ledger)

        expected = expected_bridge(
            [
                # Jan: Acme starts on Pro (2 x 49.00).
                (9800, 0, 0, 0, 0),
                # Feb: Birch's annual plan, Cedar after its trial.
                (120000 // 12 + 4900, 0, 0, 0, 0),
                # Mar: Acme moves from 2 x Pro to 2 x Business.
                (0, 2 * 9900 - 2 * 4900, 0, 0, 0),
                # Apr: Heath's quarterly price (past due still counts).
                (30000 // 3, 0, 0, 0, 0),
                # May: Cedar ends.
                (0, 0, 0, 4900, 0),
            ]
        )
        pd.testing.assert_frame_equal(bridge[BRIDGE_MONEY], expected)
        # Elm's trial ends in June, after the horizon: counted, not shown.
        assert [(a.rule, a.examples) for a in ledger.set_aside] == [
            ("changes after the horizon", ("si_E1",))
        ]

    def test_frame_input_is_read_like_records(self):
        """A json_normalize'd frame of the objects gives the same table."""
        records = load("stripe_subscriptions")["data"]  # type: ignore[index]

        from_frame = sm.adapters.stripe.subscriptions(pd.json_normalize(records))
        from_records = sm.adapters.stripe.subscriptions(records)

        pd.testing.assert_frame_equal(from_frame.frame, from_records.frame)

    def test_unknown_status_names_the_field_and_rows(self):
        """An unknown status is an error naming Stripe's field and the ids."""
        subs = [stripe_subscription(id="sub_9", status="suspended")]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.subscriptions(subs)

        (problem,) = error.value.problems
        assert (problem.table, problem.column, problem.rule) == (
            "stripe subscriptions",
            "status",
            "unknown value",
        )
        assert problem.examples == ("sub_9",)
        assert "suspended" in problem.detail

    def test_unknown_interval_names_the_field(self):
        """An interval the table of names does not hold is refused."""
        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.subscriptions(
                [stripe_subscription(interval="fortnight")]
            )

        assert problems(error) == [
            ("price.recurring.interval", "unknown billing interval")
        ]

    def test_tiered_price_without_unit_amount(self):
        """A price without unit_amount is named, not read as zero."""
        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.subscriptions([stripe_subscription(unit_amount=None)])

        assert problems(error) == [("price.unit_amount", "missing value")]

    @pytest.mark.parametrize(
        ("interval", "count", "monthly"),
        [
            ("month", 3, 10000),  # quarterly, Stripe-style
            ("week", 2, 30000 * 13 // 3 // 2),  # every two weeks: 52/12 weeks
            ("year", 1, 2500),
            ("day", 1, 30000 * 365 // 12),
        ],
    )
    def test_interval_and_count(self, interval, count, monthly):
        """Stripe's interval x interval_count is normalised exactly."""
        subs = [
            stripe_subscription(
                unit_amount=30000, interval=interval, interval_count=count
            )
        ]

        assert sm.adapters.stripe.subscriptions(subs).frame["mrr"].tolist() == [monthly]

    def test_empty(self):
        """No subscriptions give an empty table of the right columns."""
        frame = sm.adapters.stripe.subscriptions([]).frame
        assert len(frame) == 0
        assert sm.Ledger.from_subscriptions(frame).first_month is None


class TestStripeExponents:
    """Stripe states ISK with two decimals, ISO 4217 with none."""

    def test_isk_under_the_stripe_profile(self):
        """Stripe's 500000 ISK is 5,000 kronur: 5000 ISO minor units."""
        subs = [stripe_subscription(unit_amount=500000, currency="isk")]

        frame = sm.adapters.stripe.subscriptions(subs, exponents="stripe").frame

        assert frame["mrr"].tolist() == [500000 // 100]
        assert frame["currency"].tolist() == ["ISK"]
        assert money.format_money(int(frame["mrr"].iloc[0]), "ISK") == "5,000 ISK"

    def test_isk_without_a_profile_is_refused(self):
        """Without `exponents`, an ISK amount cannot be read 100x off silently."""
        subs = [stripe_subscription(unit_amount=500000, currency="isk")]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.subscriptions(subs)

        (problem,) = error.value.problems
        assert (problem.column, problem.rule) == (
            "price.unit_amount",
            "exponent profile needed",
        )
        assert problem.examples == ("si_1",)
        assert "exponents='stripe'" in problem.detail

    def test_isk_already_in_iso_units(self):
        """``exponents='iso'`` says the amounts are ISO minor units already."""
        subs = [stripe_subscription(unit_amount=5000, currency="isk")]

        frame = sm.adapters.stripe.subscriptions(subs, exponents="iso").frame

        assert frame["mrr"].tolist() == [5000]

    def test_fractional_krona_is_refused(self):
        """40.10 ISK (4010 in Stripe's units) has no exact ISO amount."""
        subs = [stripe_subscription(unit_amount=4010, currency="isk")]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.subscriptions(subs, exponents="stripe")

        assert problems(error) == [("price.unit_amount", "not a whole minor unit")]

    def test_mga_is_zero_decimal_at_stripe(self):
        """Stripe's MGA is zero-decimal; ISO 4217 gives it two decimals."""
        subs = [stripe_subscription(unit_amount=20000, currency="mga")]

        frame = sm.adapters.stripe.subscriptions(subs, exponents="stripe").frame

        assert frame["mrr"].tolist() == [20000 * 100]

    def test_same_exponents_need_no_profile(self):
        """USD, JPY, HUF and TWD read the same under both profiles."""
        for code in ("usd", "jpy", "huf", "twd", "kwd"):
            subs = [stripe_subscription(unit_amount=120000, currency=code)]
            plain = sm.adapters.stripe.subscriptions(subs).frame["mrr"].tolist()
            stripe = sm.adapters.stripe.subscriptions(subs, exponents="stripe")
            assert plain == stripe.frame["mrr"].tolist() == [120000], code

    def test_profiles_table(self):
        """The profiles differ from ISO 4217 exactly where Stripe documents it."""
        iso, stripe = money.EXPONENT_PROFILES["iso"], money.EXPONENT_PROFILES["stripe"]

        assert {c for c in iso if iso[c] != stripe[c]} == {"ISK", "MGA"}
        assert iso is money.CURRENCY_EXPONENTS

    def test_isk_invoice_lines(self):
        """Invoice amounts follow the same profile."""
        invoice = {
            "id": "in_1",
            "customer": "cus_1",
            "currency": "isk",
            "status": "paid",
            "lines": {
                "data": [
                    {
                        "id": "il_1",
                        "type": "subscription",
                        "amount": 1200000,
                        "period": {"start": 1735689600, "end": 1738368000},
                    }
                ]
            },
        }

        lines = sm.adapters.stripe.invoice_lines([invoice], exponents="stripe").frame
        assert lines["amount"].tolist() == [12000]
        with pytest.raises(InvalidTableError, match="exponent profile needed"):
            sm.adapters.stripe.invoice_lines([invoice])


class TestStripeInvoiceLines:
    """`adapters.stripe.invoice_lines` on the fixture of invoices and credit notes."""

    def test_frame(self):
        """Every kind of line, with taxes, discounts and credits, exactly."""
        imported = sm.adapters.stripe.invoice_lines(
            load("stripe_invoices"), credit_notes=load("stripe_credit_notes")
        )

        pro, business = "Pro monthly", "Business monthly"
        rows = [
            # line, invoice, customer, subscription, plan, kind, start, end, amount
            ("il_A1", "in_A1", "cus_Acme", "sub_A", pro, "recurring",
             "2025-01-10", "2025-02-10", 9800),
            ("il_A2", "in_A2", "cus_Acme", "sub_A", pro, "recurring",
             "2025-02-10", "2025-03-10", 9800),
            ("il_A3", "in_A3", "cus_Acme", "sub_A", pro, "recurring",
             "2025-03-10", "2025-04-10", 9800),
            # Upgrade on Mar 25: credit for unused Pro, charge for Business.
            ("il_A4a", "in_A4", "cus_Acme", "sub_A", pro, "proration",
             "2025-03-25", "2025-04-10", -5058),
            ("il_A4b", "in_A4", "cus_Acme", "sub_A", business, "proration",
             "2025-03-25", "2025-04-10", 10219),
            ("il_A5", "in_A5", "cus_Acme", "sub_A", business, "recurring",
             "2025-04-10", "2025-05-10", 19800),
            # Annual plan with a 10% discount (in discount_amount, below).
            ("il_B1", "in_B1", "cus_Birch", "sub_B1", "Team annual", "recurring",
             "2025-02-01", "2026-02-01", 120000),
            # A one-off item stamped with one instant: one day of service.
            ("il_B2", "in_B1", "cus_Birch", None, None, "one_off",
             "2025-02-01", "2025-02-02", 25000),
            ("il_C0", "in_C0", "cus_Cedar", "sub_C1", pro, "recurring",
             "2025-01-20", "2025-02-03", 0),  # the trial's zero invoice
            ("il_C1", "in_C1", "cus_Cedar", "sub_C1", pro, "recurring",
             "2025-02-03", "2025-03-03", 4900),
            ("il_C2", "in_C2", "cus_Cedar", "sub_C1", pro, "recurring",
             "2025-03-03", "2025-04-03", 4900),
            # 119.00 with 19% VAT included: 100.00 of MRR and 19.00 of tax.
            ("il_G1", "in_G1", "cus_Gale", "sub_G1", "Pro EU (VAT incl.)", "recurring",
             "2025-04-01", "2025-05-01", 11900 - 1900),
            ("il_A1/tax/0", "in_A1", "cus_Acme", "sub_A", pro, "tax",
             "2025-01-10", "2025-02-10", 784),
            ("il_A2/tax/0", "in_A2", "cus_Acme", "sub_A", pro, "tax",
             "2025-02-10", "2025-03-10", 784),
            ("il_A3/tax/0", "in_A3", "cus_Acme", "sub_A", pro, "tax",
             "2025-03-10", "2025-04-10", 784),
            ("il_A5/tax/0", "in_A5", "cus_Acme", "sub_A", business, "tax",
             "2025-04-10", "2025-05-10", 1584),
            ("il_G1/tax/0", "in_G1", "cus_Gale", "sub_G1", "Pro EU (VAT incl.)", "tax",
             "2025-04-01", "2025-05-01", 1900),
            # A credit of Cedar's March line takes its period and plan.
            ("cnli_C2", "in_C2", "cus_Cedar", "sub_C1", pro, "credit_note",
             "2025-03-03", "2025-04-03", -4900),
            # A custom credit line: the day of the credit note.
            ("cnli_A9", "in_A5", "cus_Acme", None, None, "credit_note",
             "2025-04-15", "2025-04-16", -1000),
        ]  # fmt: skip
        columns = [
            "line_id",
            "invoice_id",
            "customer_id",
            "subscription_id",
            "plan",
            "kind",
            "period_start",
            "period_end",
            "amount",
        ]
        expected = pd.DataFrame(rows, columns=columns).assign(currency="USD")
        for col in ("period_start", "period_end"):
            expected[col] = pd.to_datetime(expected[col]).astype("datetime64[s]")
        expected["discount_amount"] = np.where(expected["line_id"] == "il_B1", 12000, 0)
        pd.testing.assert_frame_equal(imported.frame, expected)
        assert [(a.table, a.rule, a.examples) for a in imported.set_aside] == [
            ("stripe invoices", "not final", ("in_D1", "in_D2")),
            ("stripe credit notes", "void", ("cn_X1",)),
        ]

    def test_bridge(self):
        """The invoice-lines ledger of the fixture has the hand-computed bridge."""
        lines = sm.adapters.stripe.invoice_lines(
            load("stripe_invoices"), credit_notes=load("stripe_credit_notes")
        ).frame
        ledger = sm.Ledger.from_invoice_lines(lines, through="2025-04")

        bridge = sm.ledger.bridge(ledger)

        # Each line counts in the month of its start (a month-long period is one
        # month; the 16-day proration and the 1-day credit count as one month).
        acme = [9800, 9800, 9800 - 5058 + 10219, 19800 - 1000]
        birch = (120000 - 12000) // 12  # annual, net of its discount, from Feb
        cedar = [0, 4900, 4900 - 4900, 0]  # trial, paid, credited in full
        gale = 11900 - 1900  # April, VAT taken out
        expected = expected_bridge(
            [
                (acme[0], 0, 0, 0, 0),
                (birch + cedar[1], 0, 0, 0, 0),
                # Acme upgrades (prorations); Cedar's credited month is zero.
                (0, acme[2] - acme[1], 0, cedar[1], 0),
                (gale, acme[3] - acme[2], 0, 0, 0),
            ]
        )
        pd.testing.assert_frame_equal(bridge[BRIDGE_MONEY], expected)
        aside = {entry.rule: entry.examples for entry in ledger.set_aside}
        assert aside["trial lines"] == ("il_C0",)

    def test_unknown_line_type(self):
        """A line type the adapter does not read names the field and the line."""
        invoice = {
            "id": "in_1",
            "customer": "cus_1",
            "currency": "usd",
            "status": "paid",
            "lines": {
                "data": [
                    {
                        "id": "il_9",
                        "type": "usage_record",
                        "amount": 100,
                        "period": {"start": 1735689600, "end": 1738368000},
                    }
                ]
            },
        }

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.invoice_lines([invoice])

        (problem,) = error.value.problems
        assert (problem.table, problem.column, problem.rule) == (
            "stripe invoice lines",
            "lines.data.type",
            "unknown value",
        )
        assert problem.examples == ("il_9",)

    def test_unknown_invoice_status(self):
        """An invoice status the adapter does not read is an error."""
        invoices = load("stripe_invoices")
        invoices["data"][0]["status"] = "finalized"  # type: ignore[index]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.invoice_lines(invoices)

        assert problems(error) == [("status", "unknown value")]
        assert error.value.problems[0].examples == ("in_A1",)

    def test_credit_of_an_unknown_line(self):
        """A credit note for a line not among the invoices is refused, not guessed."""
        with pytest.raises(InvalidTableError) as error:
            sm.adapters.stripe.invoice_lines(
                load("stripe_invoices")["data"][:3],  # type: ignore[index]
                credit_notes=load("stripe_credit_notes"),
            )

        assert problems(error) == [
            ("lines.data.invoice_line_item", "unknown invoice line")
        ]
        assert error.value.problems[0].examples == ("cnli_C2",)


# --------------------------------------------------------------------------
# Chargebee
# --------------------------------------------------------------------------


class TestChargebeeSubscriptions:
    """`adapters.chargebee.subscriptions` on the fixture of nine subscriptions."""

    def test_frame_and_set_aside(self):
        """Plan and addon items are rows; charges, transfers, trial-only are counted."""
        imported = sm.adapters.chargebee.subscriptions(load("chargebee_subscriptions"))

        frame = imported.frame
        assert frame["subscription_id"].tolist() == [
            "sub_acme_1/pro-USD-Monthly",
            "sub_acme_1/extra-storage-USD-Monthly",
            "sub_birch/team-USD-Yearly",
            "sub_cedar/pro-USD-Monthly",
            "sub_dune/pro-USD-Monthly",
            "sub_elm_1/pro-USD-Quarterly",
            "sub_elm_2/growth-USD-Yearly",
            "sub_hazel/support-USD-Every-2-weeks",
        ]
        assert frame["mrr"].tolist() == [
            5 * 2000,
            1500,
            240000 // 12,
            2000,
            2 * 2000,
            30000 // 3,
            180000 // 12,
            6000 * 52 // 12 // 2,  # every two weeks
        ]
        pd.testing.assert_series_equal(
            frame["start"],
            dates(
                "2025-01-01",
                "2025-01-01",
                "2025-02-15",
                "2025-03-15",  # after the trial
                "2025-01-05",
                "2025-01-01",
                "2025-03-01",
                "2025-04-01",
            ),
            check_names=False,
        )
        assert [(a.rule, a.examples) for a in imported.set_aside] == [
            ("transferred", ("sub_fig",)),
            ("ended during the trial", ("sub_gum",)),
            ("one-off charge item", ("sub_acme_1",)),
        ]

    def test_bridge(self):
        """The ledger of the fixture has the hand-computed bridge."""
        frame = sm.adapters.chargebee.subscriptions(
            load("chargebee_subscriptions")
        ).frame
        ledger = sm.Ledger.from_subscriptions(frame, through="2025-05")

        bridge = sm.ledger.bridge(ledger)

        expected = expected_bridge(
            [
                # Jan: Acme (plan + addon), Dune, Elm's quarterly plan.
                (5 * 2000 + 1500 + 2 * 2000 + 30000 // 3, 0, 0, 0, 0),
                # Feb: Birch's annual plan.
                (240000 // 12, 0, 0, 0, 0),
                # Mar: Cedar after its trial; Elm moves to the yearly plan.
                (2000, 180000 // 12 - 30000 // 3, 0, 0, 0),
                # Apr: Hazel every two weeks; Dune cancelled on Apr 5.
                (6000 * 52 // 12 // 2, 0, 0, 2 * 2000, 0),
                # May: nothing changes.
                (0, 0, 0, 0, 0),
            ]
        )
        pd.testing.assert_frame_equal(bridge[BRIDGE_MONEY], expected)

    def test_unknown_status(self):
        """An unknown status names Chargebee's field and the subscription."""
        subs = load("chargebee_subscriptions")
        subs["list"][1]["subscription"]["status"] = "dunning"  # type: ignore[index]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.chargebee.subscriptions(subs)

        (problem,) = error.value.problems
        assert (problem.table, problem.column, problem.rule, problem.examples) == (
            "chargebee subscriptions",
            "status",
            "unknown value",
            ("sub_birch",),
        )

    def test_unknown_item_type(self):
        """An item type the adapter does not read is an error."""
        subs = load("chargebee_subscriptions")
        item = subs["list"][0]["subscription"]["subscription_items"][1]  # type: ignore[index]
        item["item_type"] = "bundle"

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.chargebee.subscriptions(subs)

        assert problems(error) == [("subscription_items.item_type", "unknown value")]
        assert error.value.problems[0].examples == ("sub_acme_1",)


class TestChargebeeInvoiceLines:
    """`adapters.chargebee.invoice_lines` on the invoices and credit notes fixture."""

    def test_frame(self):
        """Every kind of line, with taxes, discounts, a proration credit, exactly."""
        imported = sm.adapters.chargebee.invoice_lines(
            load("chargebee_invoices"), credit_notes=load("chargebee_credit_notes")
        )

        pro, storage, onboarding = (
            "pro-USD-Monthly",
            "extra-storage-USD-Monthly",
            "onboarding-USD",
        )
        rows = [
            ("inv_1000/li_0", "inv_1000", "elm", "sub_elm_1", "pro-USD-Quarterly",
             "recurring", "2025-01-01", "2025-04-01", 30000),
            ("inv_1001/li_1", "inv_1001", "acme", "sub_acme_1", pro,
             "recurring", "2025-01-01", "2025-02-01", 10000),
            ("inv_1001/li_2", "inv_1001", "acme", "sub_acme_1", storage,
             "recurring", "2025-01-01", "2025-02-01", 1500),
            ("inv_1001/li_3", "inv_1001", "acme", "sub_acme_1", onboarding,
             "one_off", "2025-01-01", "2025-01-02", 50000),
            # Annual plan, 10% discount (in discount_amount, below).
            ("inv_1002/li_4", "inv_1002", "birch", "sub_birch", "team-USD-Yearly",
             "recurring", "2025-02-15", "2026-02-15", 240000),
            ("inv_1003/li_5", "inv_1003", "elm", "sub_elm_2", "growth-USD-Yearly",
             "recurring", "2025-03-01", "2026-03-01", 180000),
            # Tax-inclusive invoice: 24.00 holds 4.00 of tax.
            ("inv_1005/li_7", "inv_1005", "cedar", "sub_cedar", "pro-EU-Monthly",
             "recurring", "2025-03-15", "2025-04-15", 2400 - 400),
            ("inv_1006/li_8", "inv_1006", "acme", "sub_acme_1", pro,
             "recurring", "2025-02-01", "2025-03-01", 10000),
            ("inv_1006/li_9", "inv_1006", "acme", "sub_acme_1", storage,
             "recurring", "2025-02-01", "2025-03-01", 1500),
            ("inv_1007/li_10", "inv_1007", "acme", "sub_acme_1", pro,
             "recurring", "2025-03-01", "2025-04-01", 10000),
            ("inv_1007/li_11", "inv_1007", "acme", "sub_acme_1", storage,
             "recurring", "2025-03-01", "2025-04-01", 1500),
            ("inv_1001/li_1/tax", "inv_1001", "acme", "sub_acme_1", pro,
             "tax", "2025-01-01", "2025-02-01", 800),
            ("inv_1001/li_2/tax", "inv_1001", "acme", "sub_acme_1", storage,
             "tax", "2025-01-01", "2025-02-01", 120),
            ("inv_1001/li_3/tax", "inv_1001", "acme", "sub_acme_1", onboarding,
             "tax", "2025-01-01", "2025-01-02", 4000),
            ("inv_1005/li_7/tax", "inv_1005", "cedar", "sub_cedar", "pro-EU-Monthly",
             "tax", "2025-03-15", "2025-04-15", 400),
            # Elm's change of plan: the unused month of the quarter (31 of 90
            # days of 300.00, rounded by Chargebee) is a proration credit.
            ("cn_1/li_c1", "inv_1000", "elm", "sub_elm_1", "pro-USD-Quarterly",
             "proration", "2025-03-01", "2025-04-01", -10333),
            # Part of the onboarding fee waived: a one-off credit, and its tax.
            ("cn_2/li_c2", "inv_1001", "acme", "sub_acme_1", onboarding,
             "one_off", "2025-01-01", "2025-01-02", -10000),
            ("cn_2/li_c2/tax", "inv_1001", "acme", "sub_acme_1", onboarding,
             "tax", "2025-01-01", "2025-01-02", -800),
        ]  # fmt: skip
        columns = [
            "line_id",
            "invoice_id",
            "customer_id",
            "subscription_id",
            "plan",
            "kind",
            "period_start",
            "period_end",
            "amount",
        ]
        expected = pd.DataFrame(rows, columns=columns).assign(currency="USD")
        for col in ("period_start", "period_end"):
            expected[col] = pd.to_datetime(expected[col]).astype("datetime64[s]")
        li_4 = expected["line_id"] == "inv_1002/li_4"
        expected["discount_amount"] = np.where(li_4, 24000, 0)
        pd.testing.assert_frame_equal(imported.frame, expected)
        assert 30000 * 31 // 90 == 10333  # the proration credit above
        assert [(a.table, a.rule, a.examples) for a in imported.set_aside] == [
            ("chargebee invoices", "not final", ("inv_1004",)),
            ("chargebee credit notes", "voided", ("cn_3",)),
        ]

    def test_bridge(self):
        """The invoice-lines ledger of the fixture has the hand-computed bridge."""
        lines = sm.adapters.chargebee.invoice_lines(
            load("chargebee_invoices"), credit_notes=load("chargebee_credit_notes")
        ).frame
        ledger = sm.Ledger.from_invoice_lines(lines, through="2025-03")

        bridge = sm.ledger.bridge(ledger)

        acme = 10000 + 1500  # plan and addon, every month
        elm_quarterly = 30000 // 3  # 90 days are 3 months
        birch = (240000 - 24000) // 12  # annual, net of its 10% discount
        # March: Elm's quarterly month, less the proration credit for it,
        # plus the first month of the yearly plan.
        elm_march = elm_quarterly - 10333 + 180000 // 12
        expected = expected_bridge(
            [
                (acme + elm_quarterly, 0, 0, 0, 0),
                (birch, 0, 0, 0, 0),
                (2400 - 400, elm_march - elm_quarterly, 0, 0, 0),  # Cedar, tax out
            ]
        )
        pd.testing.assert_frame_equal(bridge[BRIDGE_MONEY], expected)
        rules = {entry.rule for entry in ledger.set_aside}
        assert {"tax lines", "one-off lines"} <= rules

    def test_unknown_entity_type_and_reason(self):
        """Unknown entity types and reason codes name their fields."""
        invoices = load("chargebee_invoices")
        invoices["list"][0]["invoice"]["line_items"][0]["entity_type"] = "usage"  # type: ignore[index]
        notes = load("chargebee_credit_notes")
        notes["list"][0]["credit_note"]["reason_code"] = "goodwill"  # type: ignore[index]

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.chargebee.invoice_lines(invoices)
        assert problems(error) == [("line_items.entity_type", "unknown value")]
        assert error.value.problems[0].examples == ("inv_1000",)

        with pytest.raises(InvalidTableError) as error:
            sm.adapters.chargebee.invoice_lines(
                load("chargebee_invoices"), credit_notes=notes
            )
        assert problems(error) == [("reason_code", "unknown value")]
        assert error.value.problems[0].examples == ("cn_1",)


# --------------------------------------------------------------------------
# Billing intervals and currency codes
# --------------------------------------------------------------------------

INTERVAL_NAMES = {
    "day": ["day", "days", "daily", "Day", " DAILY "],
    "week": ["week", "weeks", "weekly", "Weekly"],
    "month": ["month", "months", "monthly", "Monthly"],
    "quarter": ["quarter", "quarters", "quarterly", "QUARTERLY"],
    "year": ["year", "years", "yearly", "annual", "annually", "Annual"],
}


@pytest.mark.parametrize(
    ("interval", "name"),
    [(interval, name) for interval, names in INTERVAL_NAMES.items() for name in names],
)
def test_every_interval_name_is_read_everywhere(interval, name):
    """`monthly_amount` and the adapters read every name of an interval alike."""
    canonical = money.monthly_amount(120_000, interval)

    assert money.monthly_amount(120_000, name) == canonical
    subs = [stripe_subscription(unit_amount=120_000, interval=name)]
    assert sm.adapters.stripe.subscriptions(subs).frame["mrr"].tolist() == [canonical]


def test_known_intervals_in_monthly_amount_table():
    """Known values: ChartMogul's annual 2,000.00 is 166.67 a month."""
    assert money.monthly_amount(200_000, "annual") == 16667
    assert money.monthly_amount(30_000, "monthly", interval_count=3) == 10000


def test_lower_case_currency_everywhere():
    """``usd`` is USD in money functions and in ledger input."""
    assert money.currency_exponent("usd") == 2
    assert money.to_minor_units("12.34", "usd") == 1234
    assert sm.Money(minor=100, currency="usd").currency == "USD"
    subs = pd.DataFrame(
        {
            "subscription_id": ["s1"],
            "customer_id": ["c1"],
            "start": pd.to_datetime(["2025-01-01"]),
            "end": pd.to_datetime([None]),
            "mrr": [100],
            "currency": ["usd"],
        }
    )
    assert sm.Ledger.from_subscriptions(subs).currency == "USD"
    # Codes of rates, and of the reporting currency, in any case too.
    two = pd.concat([subs, subs.assign(subscription_id="s2", currency="eur")])
    converted = sm.Ledger.from_subscriptions(two, currency="usd", rates={"eur": 1.5})
    assert sm.ledger.bridge(converted)["mrr_at_end"].tolist() == [100 + 150]


# --------------------------------------------------------------------------
# Properties: the vectorised adapter against a slow, obvious oracle
# --------------------------------------------------------------------------

_FACTORS = {
    "day": Fraction(365, 12),
    "week": Fraction(52, 12),
    "month": Fraction(1),
    "quarter": Fraction(1, 3),
    "year": Fraction(1, 12),
}


def _oracle_mrr(unit: int, quantity: int, interval: str, count: int) -> int:
    exact = Fraction(unit * quantity) * _FACTORS[interval] / count
    rounded = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1), rounding=ROUND_HALF_EVEN
    )
    return int(rounded)


items = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=10**9),
        st.integers(min_value=0, max_value=500),
        st.sampled_from(sorted(_FACTORS)),
        st.integers(min_value=1, max_value=12),
    ),
    min_size=1,
    max_size=30,
)


@given(items)
def test_stripe_mrr_matches_the_oracle(rows):
    """Each item's MRR is unit x quantity x factor / count, rounded half-even."""
    subs = [
        {
            "id": f"sub_{i}",
            "customer": f"cus_{i % 3}",
            "status": "active",
            "start_date": 1735689600,
            "items": {
                "data": [
                    {
                        "id": f"si_{i}",
                        "quantity": quantity,
                        "price": {
                            "unit_amount": unit,
                            "currency": "eur",
                            "recurring": {
                                "interval": interval,
                                "interval_count": count,
                            },
                        },
                    }
                ]
            },
        }
        for i, (unit, quantity, interval, count) in enumerate(rows)
    ]

    frame = sm.adapters.stripe.subscriptions(subs).frame

    assert frame["mrr"].tolist() == [_oracle_mrr(*row) for row in rows]


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**7),
            st.integers(min_value=0, max_value=10**5),
            st.booleans(),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_stripe_line_amounts_add_up(rows):
    """A line's MRR part and its tax add up to what the customer was billed."""
    lines = [
        {
            "id": f"il_{i}",
            "type": "subscription",
            "amount": amount + (tax if inclusive else 0),
            "period": {"start": 1735689600, "end": 1738368000},
            "tax_amounts": [{"amount": tax, "inclusive": inclusive}],
        }
        for i, (amount, tax, inclusive) in enumerate(rows)
    ]
    invoice = {
        "id": "in_1",
        "customer": "cus_1",
        "currency": "usd",
        "status": "paid",
        "lines": {"data": lines},
    }

    frame = sm.adapters.stripe.invoice_lines([invoice]).frame

    recurring = frame[frame["kind"] == "recurring"]["amount"].to_numpy()
    taxes = frame[frame["kind"] == "tax"]["amount"].to_numpy()
    assert recurring.tolist() == [amount for amount, _, _ in rows]
    assert taxes.tolist() == [tax for _, tax, _ in rows]
    billed = sum(line["amount"] for line in lines) + sum(
        tax for _, tax, inclusive in rows if not inclusive
    )
    assert int(np.sum(frame["amount"])) == billed


def test_adapters_load_lazily():
    """``import subscription_metrics`` loads no adapter until one is used."""
    code = (
        "import sys, subscription_metrics as sm; "
        "print('subscription_metrics.adapters.stripe' in sys.modules); "
        "sm.adapters.stripe; "
        "print('subscription_metrics.adapters.stripe' in sys.modules, "
        "'subscription_metrics.adapters.chargebee' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True", "False"]


def test_imported_repr_counts_what_was_set_aside():
    """The record says what it holds and what it left out."""
    imported = sm.adapters.stripe.subscriptions(load("stripe_subscriptions"))

    assert repr(imported).startswith(
        "Imported(stripe subscriptions: 6 rows x 8 columns, "
        "stripe subscriptions: never paid: 1 row (e.g. sub_D1)"
    )


def test_stripe_lines_in_the_current_api_shape():
    """Lines with ``parent``, ``pricing`` and ``taxes`` read like the older shape."""
    period = {"start": 1735689600, "end": 1738368000}
    current = [
        {
            "id": "il_1",
            "amount": 11900,
            "period": period,
            "parent": {
                "type": "subscription_item_details",
                "subscription_item_details": {
                    "subscription": "sub_1",
                    "subscription_item": "si_1",
                    "proration": False,
                },
            },
            "pricing": {"price_details": {"price": "price_pro", "product": "prod_1"}},
            "taxes": [{"amount": 1900, "tax_behavior": "inclusive"}],
        },
        {
            "id": "il_2",
            "amount": -500,
            "period": period,
            "parent": {
                "type": "invoice_item_details",
                "invoice_item_details": {
                    "invoice_item": "ii_1",
                    "proration": True,
                    "subscription": "sub_1",
                },
            },
            "taxes": [],
        },
    ]
    older = [
        {
            "id": "il_1",
            "type": "subscription",
            "amount": 11900,
            "period": period,
            "subscription": "sub_1",
            "price": {"id": "price_pro"},
            "tax_amounts": [{"amount": 1900, "inclusive": True}],
        },
        {
            "id": "il_2",
            "type": "invoiceitem",
            "amount": -500,
            "period": period,
            "proration": True,
            "subscription": "sub_1",
        },
    ]

    def invoice(lines: list[dict[str, object]]) -> dict[str, object]:
        return {
            "id": "in_1",
            "customer": "cus_1",
            "currency": "usd",
            "status": "paid",
            "lines": {"data": lines},
        }

    new = sm.adapters.stripe.invoice_lines([invoice(current)]).frame
    old = sm.adapters.stripe.invoice_lines([invoice(older)]).frame

    pd.testing.assert_frame_equal(new, old)
    assert new["kind"].tolist() == ["recurring", "proration", "tax"]
    assert new["amount"].tolist() == [11900 - 1900, -500, 1900]
    assert new["subscription_id"].tolist() == ["sub_1"] * 3


def test_stripe_list_cut_short_is_refused():
    """An embedded list with ``has_more: true`` is incomplete: an error, not a gap."""
    sub = stripe_subscription()
    sub["items"]["has_more"] = True  # type: ignore[index]

    with pytest.raises(InvalidTableError) as error:
        sm.adapters.stripe.subscriptions([sub])

    assert problems(error) == [("items.has_more", "incomplete list")]
    assert error.value.problems[0].examples == ("sub_1",)


def test_stripe_expanded_customer_is_read_as_its_id():
    """``customer`` expanded to an object is read by its ``id``."""
    sub = stripe_subscription()
    sub["customer"] = {"id": "cus_X", "object": "customer", "email": "a@b.c"}

    frame = sm.adapters.stripe.subscriptions([sub]).frame

    assert frame["customer_id"].tolist() == ["cus_X"]


def test_chargebee_other_statuses_and_bare_objects():
    """Bare objects are read; paused ends at its pause date, future starts later."""

    def sub(sid: str, status: str, **dates: int) -> dict[str, object]:
        return {
            "id": sid,
            "customer_id": f"c-{sid}",
            "status": status,
            "currency_code": "eur",
            "billing_period": 1,
            "billing_period_unit": "month",
            "subscription_items": [
                {
                    "item_price_id": "basic-EUR-Monthly",
                    "item_type": "plan",
                    "amount": 900,
                }
            ],
            **dates,
        }

    jan_1, mar_1, jun_1 = 1735689600, 1740787200, 1748736000
    subs = [
        sub("p", "paused", started_at=jan_1, pause_date=mar_1),
        sub("f", "future", start_date=jun_1),
        sub("n", "non_renewing", started_at=jan_1, cancelled_at=jun_1),
    ]

    frame = sm.adapters.chargebee.subscriptions(subs).frame

    pd.testing.assert_series_equal(
        frame["start"],
        dates("2025-01-01", "2025-06-01", "2025-01-01"),
        check_names=False,
    )
    pd.testing.assert_series_equal(
        frame["end"], dates("2025-03-01", None, "2025-06-01"), check_names=False
    )
    assert frame["currency"].tolist() == ["EUR"] * 3  # "eur" is EUR


def test_missing_vendor_column_is_named():
    """A missing field is named with the vendor table, and what is present."""
    with pytest.raises(InvalidTableError) as error:
        sm.adapters.chargebee.subscriptions([{"id": "s1", "status": "active"}])

    assert [(p.table, p.column, p.rule) for p in error.value.problems] == [
        ("chargebee subscriptions", "customer_id", "missing column"),
        ("chargebee subscriptions", "currency_code", "missing column"),
        ("chargebee subscriptions", "subscription_items", "missing column"),
    ]


_UNITS = {"day": "day", "week": "week", "month": "month", "year": "year"}


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=10**8),
            st.integers(min_value=1, max_value=50),
            st.sampled_from(sorted(_UNITS)),
            st.integers(min_value=1, max_value=6),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_chargebee_mrr_matches_the_oracle(rows):
    """Each item's MRR is unit price x quantity x factor / period, half-even."""
    subs = [
        {
            "id": f"s{i}",
            "customer_id": f"c{i}",
            "status": "active",
            "currency_code": "GBP",
            "started_at": 1735689600,
            "billing_period": period,
            "billing_period_unit": unit,
            "subscription_items": [
                {
                    "item_price_id": "p",
                    "item_type": "plan",
                    "quantity": quantity,
                    "unit_price": price,
                }
            ],
        }
        for i, (price, quantity, unit, period) in enumerate(rows)
    ]

    frame = sm.adapters.chargebee.subscriptions(subs).frame

    assert frame["mrr"].tolist() == [_oracle_mrr(*row) for row in rows]


@pytest.mark.slow
@given(st.randoms(use_true_random=False))
def test_bridge_does_not_depend_on_the_order_of_the_export(random):
    """Shuffled subscription objects give the same bridge."""
    records = load("stripe_subscriptions")["data"]  # type: ignore[index]
    shuffled = list(records)
    random.shuffle(shuffled)

    def bridge(data: list[object]) -> pd.DataFrame:
        frame = sm.adapters.stripe.subscriptions(data).frame
        return sm.ledger.bridge(sm.Ledger.from_subscriptions(frame, through="2025-05"))

    pd.testing.assert_frame_equal(bridge(shuffled), bridge(records))


def test_chargebee_product_catalog_1():
    """A plan with its addons (Product Catalog 1.0) reads like items."""
    sub = {
        "id": "old_1",
        "customer_id": "legacy",
        "status": "active",
        "currency_code": "USD",
        "started_at": 1735689600,
        "billing_period": 1,
        "billing_period_unit": "month",
        "plan_id": "basic",
        "plan_quantity": 3,
        "plan_unit_price": 1000,
        "addons": [{"id": "sso", "quantity": 1, "unit_price": 500, "amount": 500}],
    }

    frame = sm.adapters.chargebee.subscriptions([sub]).frame

    assert frame["subscription_id"].tolist() == ["old_1/basic", "old_1/sso"]
    assert frame["mrr"].tolist() == [3 * 1000, 500]


def test_stripe_unknown_usage_type_and_metered_prices():
    """Metered prices are set aside and counted; an unknown usage type is an error."""
    metered = stripe_subscription()
    metered["items"]["data"][0]["price"]["recurring"]["usage_type"] = "metered"  # type: ignore[index]
    imported = sm.adapters.stripe.subscriptions([metered])
    assert len(imported.frame) == 0
    assert [(a.rule, a.count) for a in imported.set_aside] == [("metered price", 1)]

    odd = stripe_subscription()
    odd["items"]["data"][0]["price"]["recurring"]["usage_type"] = "seats"  # type: ignore[index]
    with pytest.raises(InvalidTableError) as error:
        sm.adapters.stripe.subscriptions([odd])
    assert problems(error) == [("price.recurring.usage_type", "unknown value")]


class TestTrialsAsCustomers:
    """Under ``trial='customer'`` a trial is a customer at zero MRR."""

    conventions = sm.Conventions(trial="customer", zero_mrr="active")

    def test_stripe_trial_rows(self):
        """Each trial is a zero-MRR row before its paid row."""
        frame = sm.adapters.stripe.subscriptions(
            load("stripe_subscriptions"), conventions=self.conventions
        ).frame

        trials = frame[frame["subscription_id"].str.endswith("/trial")]
        assert trials["subscription_id"].tolist() == ["si_C1/trial", "si_E1/trial"]
        assert trials["mrr"].tolist() == [0, 0]
        pd.testing.assert_series_equal(
            trials["start"].reset_index(drop=True),
            dates("2025-01-20", "2025-05-20"),
            check_names=False,
        )
        pd.testing.assert_series_equal(
            trials["end"].reset_index(drop=True),
            dates("2025-02-03", "2025-06-03"),
            check_names=False,
        )

    def test_stripe_bridge(self):
        """Conversion is an expansion from zero; money moves as before otherwise."""
        frame = sm.adapters.stripe.subscriptions(
            load("stripe_subscriptions"), conventions=self.conventions
        ).frame
        ledger = sm.Ledger.from_subscriptions(
            frame, conventions=self.conventions, through="2025-05"
        )

        bridge = sm.ledger.bridge(ledger)

        expected = expected_bridge(
            [
                (9800, 0, 0, 0, 0),  # Acme; Cedar's trial starts at zero
                (120000 // 12, 4900, 0, 0, 0),  # Birch; Cedar converts
                (0, 2 * 9900 - 2 * 4900, 0, 0, 0),
                (30000 // 3, 0, 0, 0, 0),
                (0, 0, 0, 4900, 0),  # Cedar ends; Elm's trial starts at zero
            ]
        )
        pd.testing.assert_frame_equal(bridge[BRIDGE_MONEY], expected)
        assert bridge["customers_new"].tolist() == [2, 1, 0, 1, 1]

    def test_chargebee_trial_that_ended_is_a_customer_who_left(self):
        """A trial cancelled before paying is a zero-MRR customer, not set aside."""
        imported = sm.adapters.chargebee.subscriptions(
            load("chargebee_subscriptions"), conventions=self.conventions
        )

        frame = imported.frame
        gum = frame[frame["chargebee_subscription_id"] == "sub_gum"]
        assert gum["subscription_id"].tolist() == ["sub_gum/pro-USD-Monthly/trial"]
        assert gum["mrr"].tolist() == [0]
        assert "ended during the trial" not in {a.rule for a in imported.set_aside}
