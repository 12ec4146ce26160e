"""Tests for the table-driven economics: ltv.estimates, cac.acquisition_costs, roi."""

from __future__ import annotations

import datetime as dt
import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import Conventions, InvalidTableError, Ledger
from subscription_metrics.cac import acquisition_costs, payback_months
from subscription_metrics.ltv import estimates, lifetime_value
from subscription_metrics.roi import pilot, staff_returns, staff_roi

from .strategies import CUSTOMERS, subscriptions


def _subs(rows: list[tuple[str, str, str | None, int]]) -> pd.DataFrame:
    """Subscriptions from (customer, start, end, mrr) tuples, in JPY."""
    frame = pd.DataFrame(rows, columns=["customer_id", "start", "end", "mrr"])
    frame.insert(0, "subscription_id", [f"s{i}" for i in range(len(rows))])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["currency"] = "JPY"
    return frame


def _costs(rows: list[tuple[str, str, int, str | None]]) -> pd.DataFrame:
    """Costs from (month, category, amount, channel) tuples, in JPY."""
    frame = pd.DataFrame(rows, columns=["month", "category", "amount", "channel"])
    frame["month"] = pd.to_datetime(frame["month"])
    frame["currency"] = "JPY"
    return frame


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def led(sample: sm.datasets.SampleData) -> Ledger:
    return Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)


class TestLtvEstimates:
    """`ltv.estimates` applies `lifetime_value` to the ledger's rates."""

    def test_equals_the_formula_on_the_rates(self, led):
        out = estimates(led)
        rates = sm.churn.rates(led)
        arpa = rates["average_revenue_per_account"]
        churn = rates["customer_churn_rate"]
        known = arpa.notna() & churn.notna()
        expected = lifetime_value(arpa[known], churn[known])

        assert out["churn_rate"].equals(churn)
        np.testing.assert_allclose(out.loc[known, "lifetime_value"], expected)

    def test_chartmogul_averages_six_months_before_the_current_one(self, sample):
        cm = Conventions.preset("chartmogul")
        led = Ledger.from_subscriptions(sample.subscriptions, conventions=cm)
        out = estimates(led)
        monthly = sm.churn.rates(led)["customer_churn_rate"]
        by_hand = monthly.rolling(6).mean().shift(1)

        np.testing.assert_allclose(out["churn_rate"], by_hand)
        assert out["churn_rate"].iloc[:6].isna().all()
        known = by_hand.notna()
        expected = lifetime_value(
            out.loc[known, "average_revenue_per_account"], by_hand[known]
        )
        np.testing.assert_allclose(out.loc[known, "lifetime_value"], expected)
        assert out.loc[~known, "lifetime_value"].isna().all()

    def test_margin_and_discount_come_from_the_conventions(self, led):
        conv = attrs.evolve(led.conventions, gross_margin=0.8, annual_discount_rate=0.1)
        plain = estimates(led)
        out = estimates(led, conventions=conv)
        d = sm.ltv.monthly_discount_rate(0.1)
        arpa = plain["average_revenue_per_account"].iloc[-1]
        churn = plain["churn_rate"].iloc[-1]

        assert out["lifetime_value"].iloc[-1] == pytest.approx(
            lifetime_value(arpa, churn, gross_margin=0.8, discount_rate=d)
        )

    def test_negative_net_churn_follows_the_zero_churn_policy(self):
        subs = _subs(
            [
                ("a", "2024-01-05", "2024-03-01", 100),
                ("a", "2024-03-01", None, 300),
                ("b", "2024-01-05", None, 100),
            ]
        )
        led = Ledger.from_subscriptions(subs)
        conv = attrs.evolve(led.conventions, ltv_churn="net_mrr")
        out = estimates(led, conventions=conv)

        assert out.loc[pd.Period("2024-03", "M"), "churn_rate"] < 0
        assert out.loc[pd.Period("2024-03", "M"), "lifetime_value"] == math.inf
        capped = attrs.evolve(conv, ltv_zero_churn="lifetime_cap")
        value = estimates(led, conventions=capped).loc[
            pd.Period("2024-03", "M"), "lifetime_value"
        ]
        assert math.isfinite(value)
        assert value > 0

    def test_segments_and_total(self, led):
        out = estimates(led, by="segment")
        segments = set(out.index.get_level_values("segment"))
        assert segments == {"All", "enterprise", "mid_market", "smb"}
        whole = estimates(led)
        np.testing.assert_allclose(
            out.xs("All", level="segment")["lifetime_value"], whole["lifetime_value"]
        )

    def test_window(self, led):
        out = estimates(led, since="2025-01", through="2025-06")
        assert len(out) == 6
        with pytest.raises(ValueError, match="horizon"):
            estimates(led, through="2026-06")


class TestAcquisitionCosts:
    """`cac.acquisition_costs` on hand-built tables (arithmetic in the tests)."""

    SUBS = _subs(
        [
            ("a", "2024-01-10", None, 10_000),
            ("b", "2024-01-20", None, 30_000),
            ("c", "2024-02-03", None, 20_000),
            ("d", "2024-03-03", "2024-05-01", 40_000),
            ("e", "2024-04-03", None, 50_000),
        ]
    )
    CUSTOMERS = pd.DataFrame(
        {
            "customer_id": list("abcde"),
            "acquisition_channel": ["ads", "ads", "partner", "outbound", "ads"],
        }
    )
    COSTS = _costs(
        [
            ("2023-12-01", "marketing", 90_000, "ads"),
            ("2024-01-01", "marketing", 100_000, "ads"),
            ("2024-01-01", "sales", 200_000, None),
            ("2024-02-01", "sales", 300_000, None),
            ("2024-02-01", "marketing", 60_000, "partner"),
            ("2024-03-01", "sales", 150_000, None),
            ("2024-04-01", "sales", 100_000, None),
            ("2024-04-01", "customer_success", 999_999, None),
        ]
    )

    @pytest.fixture
    def ledger(self) -> Ledger:
        return Ledger.from_subscriptions(self.SUBS, customers=self.CUSTOMERS)

    def test_monthly_cac_and_payback(self, ledger):
        out = acquisition_costs(ledger, costs=self.COSTS)
        jan = out.loc[pd.Period("2024-01", "M")]

        # January: 100,000 ads + 200,000 sales over customers a and b.
        assert jan["spend"] == 300_000
        assert jan["customers_new"] == 2
        assert jan["customer_acquisition_cost"] == pytest.approx(150_000)
        # New ARPA (40,000 / 2) pays 150,000 back in 7.5 months.
        assert jan["average_sale_price"] == pytest.approx(20_000)
        assert jan["payback_months"] == pytest.approx(7.5)
        # April: customer_success is not acquisition spend by default.
        assert out.loc[pd.Period("2024-04", "M"), "spend"] == 100_000

    def test_lag_moves_spend_and_unknown_months_are_missing(self, ledger):
        lagged = attrs.evolve(ledger.conventions, cac_spend_lag_months=1)
        out = acquisition_costs(ledger, costs=self.COSTS, conventions=lagged)

        # January gets December's 90,000; May would need April's (known).
        assert out.loc[pd.Period("2024-01", "M"), "spend"] == 90_000
        assert out.loc[pd.Period("2024-02", "M"), "spend"] == 300_000
        assert out.loc[pd.Period("2024-05", "M"), "spend"] == 100_000
        two = attrs.evolve(ledger.conventions, cac_spend_lag_months=2)
        out = acquisition_costs(ledger, costs=self.COSTS, conventions=two)
        assert pd.isna(out.loc[pd.Period("2024-01", "M"), "spend"])
        assert math.isnan(
            out.loc[pd.Period("2024-01", "M"), "customer_acquisition_cost"]
        )

    def test_quarters_sum_flows_and_keep_end_stocks(self, ledger):
        out = acquisition_costs(ledger, costs=self.COSTS, period="quarter")
        q1 = out.loc[pd.Period("2024Q1", "Q")]

        assert q1["spend"] == 300_000 + 360_000 + 150_000
        assert q1["customers_new"] == 4
        assert q1["customer_acquisition_cost"] == pytest.approx(810_000 / 4)
        assert q1["customers_at_end"] == 4
        # Revenue sums the months' MRR: 40,000 + 60,000 + 100,000.
        assert q1["revenue"] == 200_000

    def test_bessemer_is_new_arpa_with_spend_one_period_earlier(self, ledger):
        bessemer = attrs.evolve(ledger.conventions, cac_payback="bessemer")
        out = acquisition_costs(ledger, costs=self.COSTS, conventions=bessemer)
        feb = out.loc[pd.Period("2024-02", "M")]

        # January's 300,000 over February's 20,000 of new MRR: 15 months.
        assert feb["payback_months"] == pytest.approx(15.0)
        lag = attrs.evolve(ledger.conventions, cac_spend_lag_months=1)
        same = acquisition_costs(ledger, costs=self.COSTS, conventions=lag)
        np.testing.assert_allclose(
            out["payback_months"].iloc[1:], same["payback_months"].iloc[1:]
        )

    def test_paid_cac_and_channels(self, ledger):
        out = acquisition_costs(
            ledger,
            costs=self.COSTS,
            period="quarter",
            by="acquisition_channel",
            paid_channels=["ads", "partner"],
        )
        q1 = pd.Period("2024Q1", "Q")
        total = out.loc[("All", q1)]

        # Paid: 100,000 ads + 60,000 partner over a, b (ads) and c (partner).
        assert total["paid_spend"] == 160_000
        assert total["paid_customers_new"] == 3
        assert total["paid_acquisition_cost"] == pytest.approx(160_000 / 3)
        ads = out.loc[("ads", q1)]
        assert ads["spend"] == 100_000
        assert ads["customer_acquisition_cost"] == pytest.approx(50_000)
        outbound = out.loc[("outbound", q1)]
        assert outbound["spend"] == 0
        assert outbound["paid_customers_new"] == 0
        # Channel rows hold the marked spend; the company rows hold all of it.
        assert total["spend"] == 810_000

    def test_any_segment_with_spend_marked_by_a_costs_column(self):
        customers = self.CUSTOMERS.assign(segment=["smb", "smb", "ent", "ent", "smb"])
        ledger = Ledger.from_subscriptions(self.SUBS, customers=customers)
        costs = self.COSTS.assign(
            segment=["smb", "smb", None, "ent", "ent", None, "smb", None]
        )
        out = acquisition_costs(
            ledger, costs=costs, period="quarter", by="segment", paid_channels=["ads"]
        )
        q1 = pd.Period("2024Q1", "Q")

        # smb in Q1: 100,000 of ads spend over a and b; ent: 300,000 + 60,000
        # over c and d. Unmarked salaries count only in the company rows.
        assert out.loc[("smb", q1), "spend"] == 100_000
        assert out.loc[("smb", q1), "customers_new"] == 2
        assert out.loc[("ent", q1), "spend"] == 360_000
        assert out.loc[("All", q1), "spend"] == 810_000
        # Paid: ads spend marked smb (100,000) over smb's ads customers (a, b).
        assert out.loc[("smb", q1), "paid_acquisition_cost"] == pytest.approx(50_000)
        assert out.loc[("ent", q1), "paid_customers_new"] == 0
        with pytest.raises(InvalidTableError, match=r"costs\.region"):
            acquisition_costs(ledger, costs=self.COSTS, by="region")

    def test_magic_number(self, ledger):
        out = acquisition_costs(ledger, costs=self.COSTS)
        mar = out.loc[pd.Period("2024-03", "M")]
        # Revenue 60,000 -> 100,000, annualised (x 12), over February's 360,000.
        assert mar["magic_number"] == pytest.approx((100_000 - 60_000) * 12 / 360_000)

    def test_ltv_to_cac_uses_the_period_end_ltv(self, ledger):
        out = acquisition_costs(ledger, costs=self.COSTS)
        values = estimates(ledger)["lifetime_value"]
        month = pd.Period("2024-02", "M")
        expected = values[month] / out.loc[month, "customer_acquisition_cost"]
        assert out.loc[month, "ltv_to_cac"] == pytest.approx(expected)

    def test_refuses_other_currencies_and_unknown_categories(self, ledger):
        usd = self.COSTS.assign(currency="USD")
        with pytest.raises(InvalidTableError, match=r"costs\.currency"):
            acquisition_costs(ledger, costs=usd)
        with pytest.raises(InvalidTableError, match="category"):
            acquisition_costs(ledger, costs=self.COSTS, categories=["ads"])

    def test_sample_spend_adds_up(self, sample, led):
        out = acquisition_costs(led, costs=sample.costs, period="year")
        chosen = sample.costs[sample.costs["category"].isin(["sales", "marketing"])]
        assert int(out["spend"].sum()) == int(chosen["amount"].sum())


# --------------------------------------------------------------------------
# ROI of staff
# --------------------------------------------------------------------------

STAFF = pd.DataFrame(
    {
        "staff_id": ["cs1", "cs2", "fs1"],
        "role": ["customer_sales", "customer_sales", "field_sales"],
        "monthly_cost": [1_000_000, 800_000, 900_000],
        "currency": "JPY",
        "team": ["expansion", "expansion", "field"],
        "fte": [1.0, 0.5, 1.0],
    }
)


def _deals(rows: list[tuple[str, str, str, int, str]]) -> pd.DataFrame:
    """Deals from (customer, kind, won_on, mrr, owner) tuples, in JPY."""
    frame = pd.DataFrame(
        rows, columns=["customer_id", "kind", "won_on", "mrr", "owner_id"]
    )
    frame.insert(0, "deal_id", [f"d{i}" for i in range(len(rows))])
    frame["won_on"] = pd.to_datetime(frame["won_on"])
    frame["currency"] = "JPY"
    return frame


class TestStaffReturns:
    """`roi.staff_returns` against the plain formula and by hand."""

    def test_seed_case_agrees_with_the_plain_formula(self):
        """One person, 1,000,000 a month, wins 130,000 of upsell MRR a month."""
        months = pd.period_range("2024-01", "2024-06", freq="M")
        subs = _subs(
            [(f"c{i}", "2023-12-01", None, 100_000) for i in range(6)]
            + [
                (f"c{i}", str(m.to_timestamp().date()), None, 130_000)
                for i, m in enumerate(months)
            ]
        )
        led = Ledger.from_subscriptions(subs)
        deals = _deals(
            [
                (
                    f"c{i}",
                    "upsell",
                    str((m - 1).to_timestamp("D", "end").date()),
                    130_000,
                    "cs1",
                )
                for i, m in enumerate(months)
            ]
        )
        out = staff_returns(
            led,
            staff=STAFF.iloc[:1],
            deals=deals,
            since="2023-12",
            through="2024-05",
            churn_rate=0.02,
        )
        row = out.loc["cs1"]
        plain = staff_roi(130_000, 1_000_000, 0.02)

        assert row["deals"] == 6
        assert row["cost"] == 6_000_000
        assert row["booked_ltv"] == pytest.approx(6 * plain.ltv_created)
        assert row["booked_multiple"] == pytest.approx(plain.cost_multiple)
        assert row["payback_months"] == pytest.approx(
            payback_months(6_000_000, 6 * 130_000, churn_rate=0.02)
        )

    def test_churned_and_contracted_deals_realise_less(self):
        subs = _subs(
            [
                ("keep", "2024-01-01", None, 50_000),
                ("keep", "2024-02-01", None, 10_000),  # the upsell, stays
                ("gone", "2024-01-01", "2024-02-01", 50_000),
                ("gone", "2024-02-01", "2024-05-01", 60_000),  # upsold, then churns
                ("half", "2024-01-01", "2024-02-01", 40_000),
                ("half", "2024-02-01", "2024-04-01", 80_000),  # upsold to 80,000
                ("half", "2024-04-01", None, 60_000),  # then down to 60,000
            ]
        )
        led = Ledger.from_subscriptions(subs, through="2024-06-30")
        deals = _deals(
            [
                ("keep", "upsell", "2024-01-20", 10_000, "cs1"),
                ("gone", "upsell", "2024-01-20", 10_000, "cs1"),
                ("half", "upsell", "2024-01-20", 40_000, "cs2"),
            ]
        )
        out = staff_returns(
            led, staff=STAFF.iloc[:2], deals=deals, churn_rate=0.05, total=False
        )
        booked = lifetime_value(10_000, 0.05)

        cs1 = out.loc["cs1"]
        # keep: billed Feb-Jun (5 months) and still there; gone: Feb-Apr only.
        assert cs1["revenue_to_date"] == pytest.approx(5 * 10_000 + 3 * 10_000)
        assert cs1["retained_mrr"] == pytest.approx(10_000)
        expected_keep = 5 * 10_000 + lifetime_value(10_000, 0.05)
        assert cs1["realised_ltv"] == pytest.approx(expected_keep + 3 * 10_000)
        assert cs1["booked_ltv"] == pytest.approx(2 * booked)
        cs2 = out.loc["cs2"]
        # half: 80,000 -> 60,000 is 3/4 of the account, so 3/4 of the deal.
        assert cs2["retained_mrr"] == pytest.approx(30_000)
        assert cs2["revenue_to_date"] == pytest.approx(2 * 40_000 + 3 * 30_000)

    def test_churn_is_the_accounts_gross_mrr_churn(self):
        subs = _subs(
            [
                ("a", "2024-01-01", None, 10_000),
                ("b", "2024-01-01", "2024-04-01", 10_000),
                ("b", "2024-01-01", "2024-03-01", 5_000),
            ]
        )
        led = Ledger.from_subscriptions(subs, through="2024-06-30")
        deals = _deals(
            [
                ("a", "new", "2023-12-20", 10_000, "fs1"),
                ("b", "new", "2023-12-20", 15_000, "fs1"),
                ("b", "upsell", "2024-01-20", 1, "fs1"),
            ]
        )
        out = staff_returns(
            led, staff=STAFF, deals=deals, roles=["field_sales"], since="2023-12"
        )
        # At the start of Feb-Jun, a has 10,000 (5 months); b has 15,000 in
        # Feb and Mar, then 10,000 in Apr: 50,000 + 40,000 MRR-months, each
        # account counted once. Lost: 5,000 (March) + 10,000 (April).
        assert out.loc["fs1", "exposure_mrr_months"] == pytest.approx(90_000)
        assert out.loc["fs1", "churn_rate"] == pytest.approx(15_000 / 90_000)

    def test_costs_follow_fte_and_employment(self):
        staff = STAFF.assign(
            start=pd.to_datetime(["2024-02-15", None, None]),
            end=pd.to_datetime([None, "2024-03-01", None]),
        )
        subs = _subs([("a", "2024-01-01", None, 10_000)])
        led = Ledger.from_subscriptions(subs, through="2024-04-30")
        out = staff_returns(led, staff=staff, deals=_deals([]), total=True)

        assert out.loc["cs1", "staff_months"] == 3  # Feb, Mar, Apr
        assert out.loc["cs2", "cost"] == 2 * 400_000  # Jan, Feb at half time
        assert out.loc["cs2", "person_months"] == pytest.approx(1.0)
        assert out.loc["All", "cost"] == 3 * 1_000_000 + 800_000 + 4 * 900_000
        assert math.isnan(out.loc["cs1", "realised_multiple"]) or (
            out.loc["cs1", "realised_multiple"] == 0
        )

    def test_unknown_owner_is_an_error(self):
        led = Ledger.from_subscriptions(_subs([("a", "2024-01-01", None, 1)]))
        deals = _deals([("a", "new", "2024-01-01", 1, "nobody")])
        with pytest.raises(InvalidTableError, match="owner_id"):
            staff_returns(led, staff=STAFF, deals=deals)

    def test_totals_add_up(self, sample, led):
        out = staff_returns(
            led, staff=sample.staff, deals=sample.deals, by="team", period="year"
        )
        parts = out.drop(index="All", level="team")
        whole = out.xs("All", level="team")
        for column in ("cost", "deals", "booked_mrr", "booked_ltv", "realised_ltv"):
            np.testing.assert_allclose(
                parts[column].groupby(level="period").sum(), whole[column]
            )

    def test_rep_a_books_more_but_keeps_less(self, sample, led):
        """The sample's rep A closes more than rep B, whose deals churn less."""
        out = staff_returns(
            led,
            staff=sample.staff,
            deals=sample.deals,
            roles=["field_sales"],
            kinds=["new"],
        )
        a, b = out.loc[sm.datasets.REP_A], out.loc[sm.datasets.REP_B]
        assert a["booked_mrr"] > 2 * b["booked_mrr"]
        assert a["churn_rate"] > 2 * b["churn_rate"]
        assert a["retained_mrr"] / a["booked_mrr"] < b["retained_mrr"] / b["booked_mrr"]


def _slow_path(
    events: pd.DataFrame, customer: str, first: int, read: int
) -> list[float]:
    """The account's MRR in each month from `first` through `read`, the slow way."""
    mine = events[events["customer_id"] == customer]
    out = []
    for month in range(first, read + 1):
        seen = mine[mine["ordinal"] <= month]
        out.append(float(seen["mrr"].iloc[-1]) if len(seen) else 0.0)
    return out


def _slow_account_churn(events: pd.DataFrame, customer: str, read: int):
    """MRR lost and MRR at the start of each month, month by month."""
    mine = events[events["customer_id"] == customer]
    if not len(mine):
        return 0.0, 0.0
    lost = at_risk = 0.0
    for month in range(int(mine["ordinal"].min()) + 1, read + 1):
        before = mine[mine["ordinal"] < month]
        at_risk += float(before["mrr"].iloc[-1])
    for change in mine.loc[mine["ordinal"] <= read, "mrr_change"]:
        lost += max(0.0, -float(change))
    return lost, at_risk


@pytest.mark.slow
@given(
    subscriptions(min_size=1, max_size=10),
    st.lists(
        st.tuples(
            st.sampled_from(CUSTOMERS), st.integers(0, 22), st.integers(1, 5_000)
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from([0.0, 0.01]),
)
def test_realised_values_match_a_slow_month_by_month_oracle(subs, picks, discount):
    """Realised revenue, retained MRR and churn follow each account month by month."""
    subs = subs.assign(currency="JPY")
    led = Ledger.from_subscriptions(subs, through=dt.date(2024, 12, 31))
    assume(led.first_month is not None)  # an empty ledger has no window
    events = sm.ledger.events(led)
    events["ordinal"] = pd.PeriodIndex(events["month"]).asi8
    start = pd.Period("2023-01", "M").ordinal
    read = pd.Period("2024-12", "M").ordinal
    deals = _deals(
        [
            (
                c,
                "upsell",
                str(pd.Period(ordinal=start + m, freq="M").to_timestamp().date()),
                mrr,
                "cs1",
            )
            for c, m, mrr in picks
        ]
    )
    annual = (1 + discount) ** 12 - 1
    conv = attrs.evolve(led.conventions, annual_discount_rate=annual)
    out = staff_returns(
        led,
        staff=STAFF.iloc[:1],
        deals=deals,
        since="2023-01",
        churn_rate=0.03,
        conventions=conv,
        total=False,
    ).loc["cs1"]
    d = sm.ltv.monthly_discount_rate(annual)
    revenue = retained = realised = 0.0
    for c, m, mrr in picks:
        first = start + m + 1
        path = _slow_path(events, c, first, read)
        base = path[0]
        shares = [min(1.0, p / base) if base > 0 else 0.0 for p in path]
        # Each deal's share is whole minor units, rounded half-even.
        revenue += round(mrr * sum(shares))
        retained += round(mrr * shares[-1])
        to_date = sum(mrr * s / (1 + d) ** t for t, s in enumerate(shares))
        later = lifetime_value(mrr * shares[-1], 0.03, discount_rate=d)
        realised += to_date + later / (1 + d) ** len(shares)
    lost = at_risk = 0.0
    for c in {c for c, _, _ in picks}:
        account_lost, account_at_risk = _slow_account_churn(events, c, read)
        lost += account_lost
        at_risk += account_at_risk

    assert out["revenue_to_date"] == pytest.approx(revenue, abs=1e-6)
    assert out["retained_mrr"] == pytest.approx(retained, abs=1e-6)
    assert out["realised_ltv"] == pytest.approx(realised, rel=1e-9, abs=1e-6)
    assert out["exposure_mrr_months"] == pytest.approx(at_risk, abs=1e-6)
    estimated = staff_returns(
        led, staff=STAFF.iloc[:1], deals=deals, since="2023-01", total=False
    ).loc["cs1"]
    if at_risk > 0:
        assert estimated["churn_rate"] == pytest.approx(lost / at_risk)
    else:
        assert math.isnan(estimated["churn_rate"])


class TestPilot:
    def test_sample_pilot(self, sample, led):
        out = pilot(
            led,
            staff=sample.staff,
            deals=sample.deals,
            start="2025-01",
            months=6,
            break_even=3.0,
        )
        row = out.loc["customer_sales"]
        assert row["pilot_months"] == 6
        assert row["person_months_per_month"] == pytest.approx(1.5)
        assert row["data_months"] == 12
        assert row["verdict"] == (
            "pays back" if row["realised_multiple"] >= 3.0 else "falls short"
        )
        strict = pilot(
            led,
            staff=sample.staff,
            deals=sample.deals,
            start="2025-01",
            months=6,
            break_even=1e6,
        )
        assert strict.loc["customer_sales", "verdict"] == "falls short"

    def test_rejects_bad_arguments(self, sample, led):
        with pytest.raises(ValueError, match="months"):
            pilot(
                led, staff=sample.staff, deals=sample.deals, start="2025-01", months=0
            )
        with pytest.raises(ValueError, match="break_even"):
            pilot(
                led,
                staff=sample.staff,
                deals=sample.deals,
                start="2025-01",
                months=3,
                break_even=-1,
            )
        with pytest.raises(ValueError, match="since <= through <= as_of"):
            pilot(
                led, staff=sample.staff, deals=sample.deals, start="2025-10", months=6
            )
