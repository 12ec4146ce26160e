"""Tests for the unit-economics formulas: LTV, CAC, payback, ratios, staff ROI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import StaffRoi
from subscription_metrics.cac import (
    customer_acquisition_cost,
    ltv_to_cac,
    magic_number,
    payback_months,
)
from subscription_metrics.ltv import (
    expected_lifetime,
    lifetime_value,
    ltv_from_survival,
    monthly_discount_rate,
    trailing_churn_rate,
)
from subscription_metrics.roi import staff_roi

money = st.floats(min_value=1.0, max_value=1e9, allow_subnormal=False)
# Churn of at least 1% keeps a 10,000-period oracle's tail below float noise.
churn_rates = st.floats(min_value=0.01, max_value=1.0)
discount_rates = st.floats(min_value=0.0, max_value=0.5)
margins = st.floats(min_value=0.01, max_value=1.0)
factors = st.floats(min_value=0.01, max_value=100.0)


class TestKnownValues:
    """Published worked examples (shared reference: known-values.md section 3)."""

    def test_chartmogul_ltv_is_arpa_over_churn(self):
        """ChartMogul help, 'Customer Lifetime Value': ARPA 100, churn 5% -> 2,000."""
        assert lifetime_value(100, 0.05) == pytest.approx(2000.0)

    def test_skok_ltv_ltv_to_cac_and_payback(self):
        """Skok, SaaS Metrics 2.0: ARPU 50, margin 75%, churn 5%, CAC 250."""
        ltv = lifetime_value(50, 0.05, gross_margin=0.75)

        assert ltv == pytest.approx(750.0)
        assert ltv_to_cac(ltv, 250) == pytest.approx(3.0)
        assert payback_months(250, 50, gross_margin=0.75) == pytest.approx(
            6.6667, abs=1e-4
        )

    def test_seed_customer_sales_hire(self):
        """Seeds/004 ROI: 130,000 yen new MRR a month, 2% churn, 1,000,000 cost."""
        result = staff_roi(130_000, 1_000_000, 0.02)

        assert result.ltv_created == pytest.approx(6_500_000)
        assert result.cost_multiple == pytest.approx(6.5)
        assert result.roi == pytest.approx(5.5)
        assert result.pays_back(6.5)
        assert not result.pays_back(6.6)

    def test_bessemer_payback(self):
        """Bessemer Law #6: S&M 770k over 100k new CMRR at 70% margin -> 11 months."""
        assert payback_months(770_000, 100_000, gross_margin=0.70) == pytest.approx(
            11.0
        )

    def test_stripe_zero_churn_assumes_sixty_months(self):
        """Stripe: at 0% churn a lifetime of 60 months is assumed."""
        assert lifetime_value(100, 0.0, zero_churn="lifetime_cap") == pytest.approx(
            6000.0
        )
        assert expected_lifetime(0.0, zero_churn="lifetime_cap") == pytest.approx(60.0)

    def test_chartmogul_no_ltv_without_churn(self):
        """ChartMogul can only calculate LTV when customer churn is not zero."""
        assert math.isnan(lifetime_value(100, 0.0, zero_churn="undefined"))

    def test_magic_number(self):
        """Scale Venture Partners: (Rev_Q - Rev_Q-1) * 4 / S&M_Q-1."""
        assert magic_number(1_250_000, 1_000_000, 1_000_000) == pytest.approx(1.0)


class TestLifetimeValue:
    """`lifetime_value`: closed form, zero-churn policies, shapes, errors."""

    @given(money, churn_rates, discount_rates)
    def test_matches_explicit_cash_flow_sum(self, arpa, churn, discount):
        """The closed form is the discounted, survival-weighted sum of payments."""
        periods = np.arange(10_000)
        oracle = arpa * (((1 - churn) / (1 + discount)) ** periods).sum()

        assert lifetime_value(arpa, churn, discount_rate=discount) == pytest.approx(
            oracle, rel=1e-9
        )

    @given(money, st.tuples(churn_rates, churn_rates).map(sorted), discount_rates)
    def test_falls_as_churn_rises(self, arpa, churns, discount):
        low, high = churns
        assert lifetime_value(arpa, high, discount_rate=discount) <= lifetime_value(
            arpa, low, discount_rate=discount
        )

    @given(money, churn_rates, st.tuples(discount_rates, discount_rates).map(sorted))
    def test_falls_as_discount_rises_and_never_exceeds_undiscounted(
        self, arpa, churn, discounts
    ):
        low, high = discounts
        undiscounted = lifetime_value(arpa, churn)
        assert lifetime_value(arpa, churn, discount_rate=high) <= lifetime_value(
            arpa, churn, discount_rate=low
        ) * (1 + 1e-12)
        assert lifetime_value(arpa, churn, discount_rate=high) <= undiscounted * (
            1 + 1e-12
        )

    @given(st.tuples(money, money).map(sorted), churn_rates, margins)
    def test_rises_with_arpa(self, arpas, churn, margin):
        low, high = arpas
        assert lifetime_value(low, churn, gross_margin=margin) <= lifetime_value(
            high, churn, gross_margin=margin
        )

    @given(money, churn_rates, st.tuples(margins, margins).map(sorted))
    def test_rises_with_margin(self, arpa, churn, pair):
        low, high = pair
        assert lifetime_value(arpa, churn, gross_margin=low) <= lifetime_value(
            arpa, churn, gross_margin=high
        )

    @given(money, churn_rates, margins, discount_rates, factors)
    def test_scales_with_money(self, arpa, churn, margin, discount, factor):
        """Money in, money out: scaling ARPA scales LTV by the same factor."""
        options = {"gross_margin": margin, "discount_rate": discount}
        assert lifetime_value(factor * arpa, churn, **options) == pytest.approx(
            factor * lifetime_value(arpa, churn, **options), rel=1e-9
        )

    @given(money, st.floats(min_value=-0.5, max_value=0.0), discount_rates)
    def test_negative_net_churn_is_never_negative(self, arpa, churn, discount):
        """Expansion beyond losses: inf, a perpetuity, NaN or a cap; never < 0."""
        for policy in ("inf", "lifetime_cap"):
            value = lifetime_value(
                arpa, churn, discount_rate=discount, zero_churn=policy
            )
            assert value >= 0
        assert math.isnan(lifetime_value(arpa, churn, zero_churn="undefined"))
        if discount == 0:
            assert lifetime_value(arpa, churn) == math.inf

    def test_lifetime_cap_with_discount_sums_the_capped_months(self):
        """Sixty discounted months of payments, summed the slow way."""
        d = 0.01
        slow = sum(100 / (1 + d) ** t for t in range(60))
        assert lifetime_value(
            100, 0.0, discount_rate=d, zero_churn="lifetime_cap"
        ) == pytest.approx(slow)

    def test_zero_arpa_is_worth_nothing_even_forever(self):
        assert lifetime_value(0, 0.0) == 0.0

    def test_shapes_follow_the_input(self):
        series = pd.Series([100.0, 200.0], index=["a", "b"])
        out = lifetime_value(series, 0.05)
        assert isinstance(out, pd.Series)
        assert list(out.index) == ["a", "b"]
        assert isinstance(lifetime_value(np.array([1.0]), 0.1), np.ndarray)
        assert isinstance(lifetime_value(100, 0.1), float)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"arpa": -1, "churn_rate": 0.1}, "arpa"),
            ({"arpa": 1, "churn_rate": 1.5}, "churn_rate"),
            ({"arpa": 1, "churn_rate": 0.1, "gross_margin": 1.2}, "gross_margin"),
            ({"arpa": 1, "churn_rate": 0.1, "discount_rate": -0.1}, "discount_rate"),
            ({"arpa": 1, "churn_rate": 0.1, "zero_churn": "zero"}, "zero_churn"),
            ({"arpa": 1, "churn_rate": 0.1, "lifetime_cap": 0}, "lifetime_cap"),
            ({"arpa": float("nan"), "churn_rate": 0.1}, "arpa"),
        ],
    )
    def test_rejects_bad_input(self, kwargs, match):
        with pytest.raises(ValueError, match=match):
            lifetime_value(**kwargs)


class TestLtvFromSurvival:
    """`ltv_from_survival`: the summed curve, tails, shapes."""

    @given(money, churn_rates, discount_rates, st.integers(2, 40))
    def test_geometric_curve_with_geometric_tail_is_the_closed_form(
        self, arpa, churn, discount, horizon
    ):
        """An infinite geometric curve (given by any horizon plus its tail)."""
        curve = (1 - churn) ** np.arange(horizon)
        if churn == 1.0:
            curve[1:] = 0.0
        assert ltv_from_survival(
            arpa, curve, discount_rate=discount, tail="geometric"
        ) == pytest.approx(lifetime_value(arpa, churn, discount_rate=discount))

    @given(money, st.floats(min_value=0.02, max_value=0.9))
    def test_long_truncated_curve_converges_to_the_closed_form(self, arpa, churn):
        curve = (1 - churn) ** np.arange(5_000)
        assert ltv_from_survival(arpa, curve) == pytest.approx(
            lifetime_value(arpa, churn), rel=1e-9
        )

    @given(
        st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30),
        money,
        discount_rates,
    )
    def test_equals_the_slow_sum_and_never_exceeds_undiscounted(
        self, curve, arpa, discount
    ):
        slow = sum(arpa * s / (1 + discount) ** t for t, s in enumerate(curve))
        fast = ltv_from_survival(arpa, curve, discount_rate=discount)
        assert fast == pytest.approx(slow, rel=1e-9, abs=1e-6)
        assert fast <= ltv_from_survival(arpa, curve) * (1 + 1e-12) + 1e-9

    def test_rows_are_curves_and_a_frame_labels_them(self):
        frame = pd.DataFrame([[1.0, 0.5], [1.0, 0.9]], index=["smb", "ent"])
        out = ltv_from_survival(pd.Series([100.0, 200.0], index=frame.index), frame)
        assert isinstance(out, pd.Series)
        assert out.to_dict() == pytest.approx({"smb": 150.0, "ent": 380.0})

    def test_flat_tail_without_discount_is_unbounded(self):
        assert ltv_from_survival(100, [1.0, 1.0], tail="geometric") == math.inf
        assert ltv_from_survival(100, [1.0, 0.0], tail="geometric") == 100.0

    @pytest.mark.parametrize(
        ("survival", "match"),
        [
            ([1.0, float("nan")], "finite"),
            ([1.0, 1.2], "survival"),
            ([], "non-empty"),
        ],
    )
    def test_rejects_bad_curves(self, survival, match):
        with pytest.raises(ValueError, match=match):
            ltv_from_survival(100, survival)

    def test_geometric_tail_needs_two_periods(self):
        with pytest.raises(ValueError, match="two periods"):
            ltv_from_survival(100, [1.0], tail="geometric")


class TestPayback:
    """`payback_months`: per customer, Bessemer, discounted, with churn."""

    @given(money, money, margins)
    def test_inf_exactly_when_there_is_no_margin_contribution(self, cac, arpa, margin):
        assert payback_months(cac, 0.0, gross_margin=margin) == math.inf
        assert math.isfinite(payback_months(cac, arpa, gross_margin=margin))

    @given(money, money, margins, factors)
    def test_money_scales_away(self, cac, arpa, margin, factor):
        """Months are a ratio: scaling every money input leaves them."""
        assert payback_months(
            factor * cac, factor * arpa, gross_margin=margin
        ) == pytest.approx(payback_months(cac, arpa, gross_margin=margin), rel=1e-9)

    @given(money, money, st.floats(0.001, 0.2), st.floats(0.0, 0.2))
    def test_discounted_payback_recovers_the_cost_slowly(
        self, cac, arpa, discount, churn
    ):
        """At the payback month the present value of the margin equals the cost."""
        months = payback_months(cac, arpa, discount_rate=discount, churn_rate=churn)
        q = (1 - churn) / (1 + discount)
        value_forever = arpa / (1 - q)
        if value_forever <= cac:
            assert months == math.inf
        else:
            log_q = math.log1p(-churn) - math.log1p(discount)
            one_minus_q = (discount + churn) / (1 + discount)
            present = -arpa * math.expm1(months * log_q) / one_minus_q
            assert present == pytest.approx(cac, rel=1e-6)
            plain = payback_months(cac, arpa)
            if plain >= 1:  # fractional months interpolate a concave curve
                assert months >= plain * (1 - 1e-9)

    def test_nothing_to_recover_is_zero_months(self):
        assert payback_months(0, 0) == 0.0
        assert payback_months(0, 50, churn_rate=0.1) == 0.0

    def test_churn_must_be_below_one(self):
        with pytest.raises(ValueError, match="churn_rate"):
            payback_months(100, 10, churn_rate=1.0)


class TestCacAndRatios:
    """CAC, LTV:CAC and the magic number."""

    @given(money, st.integers(1, 10_000), factors)
    def test_cac_scales_with_spend(self, spend, customers, factor):
        assert customer_acquisition_cost(factor * spend, customers) == pytest.approx(
            factor * customer_acquisition_cost(spend, customers)
        )

    def test_cac_without_customers(self):
        out = customer_acquisition_cost([500.0, 0.0], [0, 0])
        assert out[0] == math.inf
        assert math.isnan(out[1])

    @given(money, money, factors)
    def test_ltv_to_cac_is_unit_free(self, ltv, cac, factor):
        assert ltv_to_cac(factor * ltv, factor * cac) == pytest.approx(
            ltv_to_cac(ltv, cac)
        )

    def test_ltv_to_cac_passes_inf_and_nan_through(self):
        out = ltv_to_cac([math.inf, math.nan, 0.0], [100.0, 100.0, 0.0])
        assert out[0] == math.inf
        assert np.isnan(out[1:]).all()
        with pytest.raises(ValueError, match="ltv"):
            ltv_to_cac(-1.0, 10.0)

    def test_magic_number_without_spend_is_undefined(self):
        assert math.isnan(magic_number(2, 1, 0))
        assert magic_number(90, 100, 40, periods_per_year=12) == pytest.approx(-3.0)


class TestStaffRoi:
    """The customer-sales ROI formula for one person's month of work."""

    @given(money, money, st.floats(0.01, 0.99), factors)
    def test_ratios_ignore_the_money_unit(self, mrr, cost, churn, factor):
        base = staff_roi(mrr, cost, churn)
        scaled = staff_roi(factor * mrr, factor * cost, churn)
        assert scaled.ltv_created == pytest.approx(factor * base.ltv_created)
        assert scaled.cost_multiple == pytest.approx(base.cost_multiple)
        assert scaled.payback_months == pytest.approx(base.payback_months, rel=1e-6)

    @given(money, money, churn_rates)
    def test_roi_is_the_multiple_minus_one(self, mrr, cost, churn):
        result = staff_roi(mrr, cost, churn)
        assert isinstance(result, StaffRoi)
        assert result.roi == pytest.approx(result.cost_multiple - 1)

    def test_free_work(self):
        assert staff_roi(1.0, 0.0, 0.1).cost_multiple == math.inf
        assert math.isnan(staff_roi(0.0, 0.0, 0.1).roi)


class TestHelpers:
    def test_trailing_mean_excludes_the_current_month(self):
        rates = pd.Series([0.1, 0.2, 0.3, 0.4], index=list("abcd"))
        out = trailing_churn_rate(rates, window=2)
        assert isinstance(out, pd.Series)
        assert np.isnan(out.iloc[:2]).all()
        assert out.iloc[2:].tolist() == pytest.approx([0.15, 0.25])

    @given(st.floats(0.0, 0.99))
    def test_monthly_discount_compounds_to_the_annual_rate(self, annual):
        assert (1 + monthly_discount_rate(annual)) ** 12 - 1 == pytest.approx(
            annual, abs=1e-12
        )

    @given(churn_rates)
    def test_expected_lifetime_is_ltv_of_one(self, churn):
        assert expected_lifetime(churn) == pytest.approx(lifetime_value(1.0, churn))
