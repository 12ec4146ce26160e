"""Tests for `subscription_metrics.churn.rates`: every figure from a ledger."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from subscription_metrics import Conventions, Ledger, churn, ledger

from . import oracle
from .strategies import conventions, subscriptions, subscriptions_from_rows

THROUGH = pd.Period("2025-03", "M")


_subs = subscriptions_from_rows


def _chartmogul_month() -> pd.DataFrame:
    """A month that reproduces ChartMogul's worked example.

    Start MRR 100 over four customers; in March one churns (10), one
    contracts (10) and one expands (10). ChartMogul help, "MRR Churn Rate"
    and "Net MRR Churn Rate": gross 20%, net 10%.
    """
    return _subs(
        ("a", "2024-01-05", "2024-03-01", 10),  # churns in March
        ("b", "2024-01-05", "2024-03-01", 30),
        ("b", "2024-03-01", None, 20),  # contracts by 10
        ("c", "2024-01-05", "2024-03-01", 30),
        ("c", "2024-03-01", None, 40),  # expands by 10
        ("d", "2024-01-05", None, 30),
    )


class TestKnownValues:
    """Published worked examples, reproduced from a ledger."""

    @pytest.mark.parametrize("preset", ["default", "chartmogul", "baremetrics"])
    def test_chartmogul_example_under_each_preset(self, preset):
        """The worked example gives 20% gross and 10% net under each anchor's preset."""
        led = Ledger.from_subscriptions(
            _chartmogul_month(),
            conventions=Conventions.preset(preset),
            through="2024-03",
        )

        march = churn.rates(led).loc["2024-03"]

        assert march["gross_mrr_churn_rate"] == pytest.approx(0.20)
        assert march["net_mrr_churn_rate"] == pytest.approx(0.10)

    def test_chartmogul_gross_and_net_mrr_churn(self):
        """ChartMogul: start 100, churn 10, contraction 10, expansion 10: 20%, 10%."""
        led = Ledger.from_subscriptions(_chartmogul_month(), through="2024-03")

        march = churn.rates(led).loc["2024-03"]

        assert march["mrr_at_start"] == 100
        assert march["gross_mrr_churn_rate"] == pytest.approx(0.20)
        assert march["net_mrr_churn_rate"] == pytest.approx(0.10)
        assert march["net_revenue_retention"] == pytest.approx(0.90)
        assert march["gross_revenue_retention"] == pytest.approx(0.80)
        assert march["customer_churn_rate"] == pytest.approx(0.25)

    def test_negative_churn_is_reported_not_clipped(self):
        """Expansion beyond losses gives net churn below zero and NRR above one."""
        subs = _subs(
            ("a", "2024-01-05", "2024-02-01", 100),
            ("a", "2024-02-01", None, 150),
            ("b", "2024-01-05", "2024-02-01", 100),
            ("b", "2024-02-01", None, 90),
        )

        feb = churn.rates(Ledger.from_subscriptions(subs)).loc["2024-02"]

        assert feb["net_mrr_churn_rate"] == pytest.approx(-0.20)
        assert feb["net_revenue_retention"] == pytest.approx(1.20)

    def test_stripe_denominator_counts_new_customers(self):
        """Stripe divides by customers at start plus new: 1 / (2 + 2)."""
        subs = _subs(
            ("a", "2024-01-05", "2024-02-01", 10),
            ("b", "2024-01-05", None, 10),
            ("c", "2024-02-05", None, 10),
            ("d", "2024-02-05", None, 10),
        )
        led = Ledger.from_subscriptions(subs, conventions=Conventions.preset("stripe"))

        feb = churn.rates(led).loc["2024-02"]

        assert feb["customer_churn_rate"] == pytest.approx(1 / 4)

    def test_baremetrics_caps_gross_churn(self):
        """Losses beyond the starting MRR: over 100% uncapped, 100% for Baremetrics."""
        subs = _subs(
            ("a", "2023-12-05", "2024-02-01", 100),
            ("a", "2024-02-01", "2024-03-01", 300),  # expands, then churns 300
        )
        base = Ledger.from_subscriptions(subs, through="2024-04")
        capped = Ledger.from_subscriptions(
            subs, conventions=Conventions.preset("baremetrics"), through="2024-04"
        )

        def quarter(led: Ledger) -> float:
            return float(
                churn.rates(led, period="quarter").loc["2024Q1"]["gross_mrr_churn_rate"]
            )

        assert quarter(base) == pytest.approx(3.0)
        assert quarter(capped) == 1.0

    @pytest.mark.parametrize(
        ("choices", "expected"),
        [
            ({"join_and_churn": "exclude"}, 1 / 2),  # ChartMogul
            ({"join_and_churn": "include"}, 2 / 2),  # Baremetrics
            (
                {"join_and_churn": "include", "churn_denominator": "start_plus_new"},
                2 / 3,
            ),
            ({"join_and_churn": "ignore"}, 1 / 2),  # ProfitWell
            (
                {"join_and_churn": "ignore", "churn_denominator": "start_plus_new"},
                1 / 2,
            ),
        ],
    )
    def test_join_and_churn_conventions_in_a_quarter(self, choices, expected):
        """Q2: 2 at start, c joins and leaves, a leaves (metric-definitions 2.4)."""
        subs = _subs(
            ("a", "2024-01-05", "2024-06-10", 10),
            ("b", "2024-01-05", None, 10),
            ("c", "2024-04-05", "2024-05-20", 10),
        )
        conv = attrs.evolve(Conventions(), **choices)
        led = Ledger.from_subscriptions(subs, conventions=conv, through="2024-06")

        q2 = churn.rates(led, period="quarter").loc["2024Q2"]

        assert q2["customers_joined_and_lost"] == 1
        assert q2["customer_churn_rate"] == pytest.approx(expected)

    def test_quick_ratio_is_inf_without_losses(self):
        """Gains and no losses: the quick ratio is inf, never 0."""
        led = Ledger.from_subscriptions(_subs(("a", "2024-01-05", None, 10)))

        assert churn.rates(led).loc["2024-01", "quick_ratio"] == math.inf


class TestProperties:
    """Invariants of the rates table."""

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_rates_lie_in_their_ranges(self, subs, conv):
        """Churn rates in [0, 1] monthly, GRR <= 1, GRR <= NRR, ratios >= 0."""
        table = churn.rates(Ledger.from_subscriptions(subs, conventions=conv))

        for name in ("customer_churn_rate", "subscription_churn_rate"):
            values = table[name].dropna()
            assert ((values >= 0) & (values <= 1)).all(), name
        known = table.dropna(subset=["gross_revenue_retention"])
        assert (known["gross_revenue_retention"] <= 1).all()
        assert (
            known["gross_revenue_retention"] <= known["net_revenue_retention"] + 1e-12
        ).all()
        assert (table["quick_ratio"].dropna() >= 0).all()

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_nrr_minus_grr_is_the_expansion_share(self, subs, conv):
        """Movement NRR - GRR = (expansion [+ reactivation]) / start MRR."""
        conv = attrs.evolve(conv, nrr_method="movements")
        table = churn.rates(Ledger.from_subscriptions(subs, conventions=conv))
        known = table[table["mrr_at_start"] > 0]
        gained = known["expansion_mrr"] + (
            known["reactivation_mrr"] if conv.reactivation_in_nrr else 0
        )

        np.testing.assert_allclose(
            known["net_revenue_retention"] - known["gross_revenue_retention"],
            gained / known["mrr_at_start"],
            rtol=1e-12,
            atol=1e-12,
        )

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_net_churn_is_one_minus_nrr_when_definitions_line_up(self, subs, conv):
        """With reactivation treated alike, net MRR churn = 1 - NRR."""
        conv = attrs.evolve(
            conv,
            nrr_method="movements",
            reactivation_in_nrr=True,
            reactivation_in_net_churn=True,
        )
        table = churn.rates(Ledger.from_subscriptions(subs, conventions=conv))
        known = table[table["mrr_at_start"] > 0]

        np.testing.assert_allclose(
            known["net_mrr_churn_rate"], 1 - known["net_revenue_retention"], atol=1e-12
        )

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.integers(2, 4))
    def test_trailing_windows_pool_counts(self, subs, conv, window):
        """A trailing rate is pooled numerators over pooled denominators."""
        led = Ledger.from_subscriptions(subs, conventions=conv)
        single = churn.rates(led)
        pooled = churn.rates(led, window=window)
        lost = single["customers_lost"].rolling(window).sum()
        start = single["customers_at_start"].rolling(window).sum()
        if conv.churn_denominator == "start_plus_new":
            start = (
                start
                + (single["customers_new"] + single["customers_reactivated"])
                .rolling(window)
                .sum()
            )
        expected = (lost / start).where(start > 0)

        np.testing.assert_allclose(
            pooled["customer_churn_rate"].to_numpy(),
            expected.to_numpy(),
            equal_nan=True,
        )

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_segments_pooled_counts_equal_the_total(self, subs, conv):
        """Summing segment counts and amounts gives the total's."""
        customers = pd.DataFrame(
            {"customer_id": [f"c{i}" for i in range(6)], "tier": list("aabbab")}
        )
        led = Ledger.from_subscriptions(subs, customers=customers, conventions=conv)
        split = churn.rates(led, by="tier", period="quarter", total=False)
        total = churn.rates(led, period="quarter")
        together = churn.rates(led, by="tier", period="quarter")
        whole = together[together.index.get_level_values("tier") == "All"]
        pd.testing.assert_frame_equal(
            whole.droplevel("tier"), total, check_names=False, check_index_type=False
        )
        counts = [
            c
            for c in total.columns
            if c not in (*churn.RATE_COLUMNS, "end_month", "partial")
        ]

        summed = split[counts].groupby(level="period").sum()
        summed["months"] = split["months"].groupby(level="period").max()
        pd.testing.assert_frame_equal(summed, total[counts], check_names=False)

    @pytest.mark.slow
    @given(subscriptions(), conventions)
    def test_customer_method_equals_a_customer_by_customer_oracle(self, subs, conv):
        """SaaS Capital NRR/GRR: month M against M - 12, customer by customer."""
        conv = attrs.evolve(conv, nrr_method="customers")
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        months = list(pd.period_range("2021-12", THROUGH, freq="M"))
        state = oracle.customer_months_from_spans(subs, months, conv)
        table = churn.rates(led, since="2022-12", through=THROUGH)

        for month in table.index:
            now, then = months.index(month), months.index(month - 12)
            base = sum(s[then][0] for s in state.values() if s[then][0] > 0)
            kept = sum(s[now][0] for s in state.values() if s[then][0] > 0)
            capped = sum(
                min(s[now][0], s[then][0]) for s in state.values() if s[then][0] > 0
            )
            row = table.loc[month]
            if base == 0:
                assert math.isnan(row["net_revenue_retention"])
            else:
                assert row["net_revenue_retention"] == pytest.approx(kept / base)
                assert row["gross_revenue_retention"] == pytest.approx(capped / base)


def _january_book() -> pd.DataFrame:
    """A book whose data end in January 2025, for partial quarters and years.

    January 2024's payers (a 400, b 210: 610) pay 565 in January 2025 (a
    expanded, b left), capped at 400 for GRR. March 2024's payers add c (420:
    1030) and pay 1020 in the month measured, so reading the partial quarter
    at March instead of January gives 1020/1030.
    """
    return _subs(
        ("a", "2024-01-05", "2024-12-01", 400),
        ("a", "2024-12-01", None, 565),
        ("b", "2024-01-05", "2024-06-10", 210),
        ("c", "2024-02-05", "2024-10-01", 420),
        ("c", "2024-10-01", None, 455),
    )


class TestPartialPeriods:
    """A period ending after the last month of data is measured at that month."""

    @pytest.mark.parametrize(
        ("period", "label"), [("quarter", "2025Q1"), ("year", "2025")]
    )
    def test_customer_retention_of_a_partial_period_uses_the_last_month(
        self, period, label
    ):
        """Customer-level NRR/GRR of the partial period: January against January."""
        conv = Conventions(nrr_method="customers")
        led = Ledger.from_subscriptions(
            _january_book(), conventions=conv, through="2025-01"
        )

        row = churn.rates(led, period=period).loc[label]

        assert row["net_revenue_retention"] == pytest.approx(565 / 610)
        assert row["gross_revenue_retention"] == pytest.approx(400 / 610)
        assert row["mrr_at_end"] == 1020
        assert row["end_month"] == pd.Period("2025-01", "M")
        assert row["partial"]
        assert row["months"] == 1

    @pytest.mark.parametrize("period", ["quarter", "year"])
    @pytest.mark.parametrize("method", ["customers", "movements"])
    def test_undefined_partial_periods_are_nan(self, period, method):
        """Under partial_period='undefined' every ratio of a partial row is NaN."""
        conv = Conventions(nrr_method=method, partial_period="undefined")
        led = Ledger.from_subscriptions(
            _january_book(), conventions=conv, through="2025-01"
        )

        table = churn.rates(led, period=period)
        partial = table[table["partial"]]
        measured = churn.rates(
            led,
            period=period,
            conventions=attrs.evolve(conv, partial_period="last_month"),
        )

        assert len(partial) == 1
        ratios = [name for name in churn.RATE_COLUMNS if name != "net_new_mrr"]
        assert partial[ratios].isna().all(axis=None)
        assert partial["mrr_at_end"].item() == 1020  # the totals stay exact
        assert (
            partial["net_new_mrr"].item()
            == measured[measured["partial"]]["net_new_mrr"].item()
        )
        whole = ~table["partial"]
        pd.testing.assert_frame_equal(table[whole], measured[whole])

    def test_complete_periods_are_not_partial(self):
        """Periods that end by the last month of data are whole, as are months."""
        led = Ledger.from_subscriptions(_january_book(), through="2024-12")

        quarters = churn.rates(led, period="quarter")
        months = churn.rates(led)

        assert not quarters["partial"].any()
        assert list(quarters["end_month"].astype(str)) == [
            "2024-03",
            "2024-06",
            "2024-09",
            "2024-12",
        ]
        assert not months["partial"].any()
        assert (months["end_month"] == months.index).all()

    def test_through_cuts_a_period_like_the_data_horizon(self):
        """A window ending mid-quarter measures that quarter at its last month."""
        conv = Conventions(nrr_method="customers")
        led = Ledger.from_subscriptions(
            _january_book(), conventions=conv, through="2025-06"
        )

        row = churn.rates(led, period="quarter", through="2025-01").loc["2025Q1"]

        assert row["partial"]
        assert row["net_revenue_retention"] == pytest.approx(565 / 610)

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.sampled_from(["quarter", "year"]))
    def test_partial_row_equals_its_last_month(self, subs, conv, period):
        """A partial period's stocks and customer retention are its last month's."""
        conv = attrs.evolve(conv, nrr_method="customers")
        led = Ledger.from_subscriptions(subs, conventions=conv, through="2024-11")
        table = churn.rates(led, period=period)
        monthly = churn.rates(led)
        assume(len(table))

        last = table.iloc[-1]
        month = monthly.loc[last["end_month"]]
        assert last["partial"]
        assert last["end_month"] == pd.Period("2024-11", "M")
        for name in ("mrr_at_end", "customers_at_end"):
            assert last[name] == month[name]
        for name in ("net_revenue_retention", "gross_revenue_retention"):
            np.testing.assert_allclose(last[name], month[name], equal_nan=True)


@pytest.mark.slow
@given(subscriptions(), conventions)
def test_monthly_rates_equal_the_plain_formulas(subs, conv):
    """Month by month, the table's rates are the plain formulas of its columns."""
    conv = attrs.evolve(conv, nrr_method="movements")
    table = churn.rates(Ledger.from_subscriptions(subs, conventions=conv))
    known = table[table["mrr_at_start"] > 0]
    if known.empty:
        return
    columns = {
        name: known[name].to_numpy(np.float64)
        for name in ("mrr_at_start", "churned_mrr", "contraction_mrr", "expansion_mrr")
    }
    react = known["reactivation_mrr"].to_numpy(np.float64)
    losses = (
        columns["mrr_at_start"],
        columns["churned_mrr"],
        columns["contraction_mrr"],
    )

    np.testing.assert_allclose(
        known["gross_mrr_churn_rate"],
        churn.gross_mrr_churn_rate(*losses, cap=conv.gross_churn_cap),
    )
    np.testing.assert_allclose(
        known["net_mrr_churn_rate"],
        churn.net_mrr_churn_rate(
            *losses,
            columns["expansion_mrr"],
            react if conv.reactivation_in_net_churn else 0 * react,
        ),
        atol=1e-15,
    )
    np.testing.assert_allclose(
        known["net_revenue_retention"],
        churn.net_revenue_retention(
            *losses,
            columns["expansion_mrr"],
            react if conv.reactivation_in_nrr else 0 * react,
        ),
    )
    np.testing.assert_allclose(
        known["gross_revenue_retention"], churn.gross_revenue_retention(*losses)
    )


@pytest.mark.slow
@given(subscriptions(), conventions, st.randoms(use_true_random=False))
def test_rates_do_not_depend_on_row_order(subs, conv, random):
    """Shuffling the subscriptions leaves every figure as it was."""
    order = list(range(len(subs)))
    random.shuffle(order)

    def table(frame: pd.DataFrame) -> pd.DataFrame:
        led = Ledger.from_subscriptions(frame, conventions=conv, through=THROUGH)
        return churn.rates(led, period="quarter", window=2)

    pd.testing.assert_frame_equal(table(subs), table(subs.iloc[order]))


def test_rate_conventions_can_be_chosen_per_call():
    """Rate choices may change per call; choices that shaped the ledger may not."""
    led = Ledger.from_subscriptions(_chartmogul_month(), through="2024-03")
    stripe_like = attrs.evolve(Conventions(), churn_denominator="start_plus_new")

    assert churn.rates(led, conventions=stripe_like).loc["2024-03"][
        "customer_churn_rate"
    ] == pytest.approx(1 / 4)
    with pytest.raises(ValueError, match="zero_mrr"):
        churn.rates(led, conventions=Conventions(zero_mrr="active"))


def test_window_must_be_positive():
    """A zero window is an error naming the argument."""
    led = Ledger.from_subscriptions(_subs(("a", "2024-01-05", None, 10)))

    with pytest.raises(ValueError, match="'window' must be a positive int"):
        churn.rates(led, window=0)


def test_rates_use_the_same_customers_as_the_bridge():
    """The rates table starts from the bridge: its columns are the bridge's."""
    led = Ledger.from_subscriptions(_chartmogul_month(), through="2024-03")

    table = churn.rates(led)
    br = ledger.bridge(led)

    assert (table["customers_lost"].to_numpy() == br["customers_lost"].to_numpy()).all()
