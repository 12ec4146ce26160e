"""Tests for the churn, retention and growth formulas in `_formulas`."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from subscription_metrics._formulas import (
    average_revenue_per_account,
    average_sale_price,
    customer_churn_rate,
    gross_mrr_churn_rate,
    gross_revenue_retention,
    mrr_growth_rate,
    net_mrr_churn_rate,
    net_new_mrr,
    net_revenue_retention,
    pooled_rate,
    quick_ratio,
)

# Strategies are local because this task may only create this file; they
# belong in tests/strategies.py when that file is next edited.
MAX_CUSTOMERS = 10**6
MAX_CENTS = 10**12  # $10bn in cents: sums stay exact in float64 (< 2**53)

cents = st.integers(min_value=0, max_value=MAX_CENTS)
factors = st.floats(min_value=0.01, max_value=100.0)


@st.composite
def period_counts(draw: st.DrawFn) -> tuple[int, int, int]:
    """A valid ``(customers_at_start, customers_lost, customers_new)``, start >= 1."""
    start = draw(st.integers(min_value=1, max_value=MAX_CUSTOMERS))
    new = draw(st.integers(min_value=0, max_value=MAX_CUSTOMERS))
    lost = draw(st.integers(min_value=0, max_value=start))
    return start, lost, new


@st.composite
def movements(draw: st.DrawFn, *, min_start: int = 1) -> dict[str, int]:
    """Integer-cent MRR movements of one period; losses never exceed the start."""
    start = draw(st.integers(min_value=min_start, max_value=MAX_CENTS))
    churned = draw(st.integers(min_value=0, max_value=start))
    contraction = draw(st.integers(min_value=0, max_value=start - churned))
    return {
        "mrr_at_start": start,
        "churned_mrr": churned,
        "contraction_mrr": contraction,
        "expansion_mrr": draw(cents),
        "reactivation_mrr": draw(cents),
    }


# Money is never subnormal: amounts below a billionth of a unit are not money,
# and scaling them underflows to 0 (a float artefact, not a property).
def _dollars(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_subnormal=False).map(
        lambda value: 0.0 if value < 1e-9 else value
    )


@st.composite
def float_movements(draw: st.DrawFn) -> dict[str, float]:
    """Float-dollar movements whose losses may exceed the start by rounding only."""
    start = draw(_dollars(0.01, 1e9))
    churned = start * draw(_dollars(0.0, 1.0))
    contraction = (start - churned) * draw(_dollars(0.0, 1.0))
    return {
        "mrr_at_start": start,
        "churned_mrr": churned,
        "contraction_mrr": contraction,
        "expansion_mrr": draw(_dollars(0.0, 1e9)),
        "reactivation_mrr": draw(_dollars(0.0, 1e9)),
    }


movements_keys = (
    "mrr_at_start",
    "churned_mrr",
    "contraction_mrr",
    "expansion_mrr",
    "reactivation_mrr",
)


def gross(m: dict[str, float]) -> float:
    return gross_mrr_churn_rate(
        m["mrr_at_start"], m["churned_mrr"], m["contraction_mrr"]
    )


def grr(m: dict[str, float]) -> float:
    return gross_revenue_retention(
        m["mrr_at_start"], m["churned_mrr"], m["contraction_mrr"]
    )


def net(m: dict[str, float]) -> float:
    return net_mrr_churn_rate(**m)


def nrr(m: dict[str, float]) -> float:
    return net_revenue_retention(**m)


def gains_losses(m: dict[str, float], new: float) -> tuple[float, ...]:
    return (
        new,
        m["expansion_mrr"],
        m["contraction_mrr"],
        m["churned_mrr"],
        m["reactivation_mrr"],
    )


class TestCustomerChurnRate:
    """Tests for `customer_churn_rate`."""

    def test_chartmogul_standard_excludes_joined_and_churned(self):
        """metric-definitions 2.4: 100 at start, 10 churned of whom 2 new -> 8%."""
        assert 0.08 == customer_churn_rate(100, 10 - 2)

    def test_stripe_counts_new_customers_on_both_sides(self):
        """metric-definitions 2.4: Stripe divides by start plus new, 10/120."""
        rate = customer_churn_rate(
            100, 10, customers_new=20, denominator="start_plus_new"
        )

        assert 10 / 120 == rate
        assert 0.0833 == round(rate, 4)

    def test_baremetrics_counts_joined_and_churned_over_start(self):
        """metric-definitions 2.4: Baremetrics' current rule gives 10/100."""
        assert 0.1 == customer_churn_rate(100, 10, customers_new=20)

    def test_no_customers_is_nan(self):
        """Churn is undefined, not zero, when there was nobody to lose."""
        assert math.isnan(customer_churn_rate(0, 0))
        assert math.isnan(
            customer_churn_rate(0, 0, customers_new=0, denominator="start_plus_new")
        )

    def test_new_customers_can_be_lost_with_start_plus_new(self):
        """Only new customers, all lost, is 100% under the Stripe base."""
        assert 1.0 == customer_churn_rate(
            0, 5, customers_new=5, denominator="start_plus_new"
        )

    def test_everyone_lost_is_one(self):
        """The upper bound is reached exactly."""
        assert 1.0 == customer_churn_rate(7, 7)

    def test_empty_input_gives_empty_array(self):
        """No periods give no rates."""
        result = customer_churn_rate([], [])

        assert (0,) == result.shape

    def test_series_keeps_its_index(self):
        """A Series of periods gives a Series with the same index."""
        index = pd.period_range("2024-01", periods=3, freq="M")
        start = pd.Series([200, 50, 0], index=index)

        result = customer_churn_rate(start, pd.Series([10, 0, 0], index=index))

        assert isinstance(result, pd.Series)
        assert result.index.equals(index)
        np.testing.assert_array_equal([0.05, 0.0, np.nan], result.to_numpy())

    @pytest.mark.parametrize(
        ("start", "lost", "kwargs", "match"),
        [
            (-1, 0, {}, "'customers_at_start' must be >= 0"),
            (10, -1, {}, "'customers_lost' must be >= 0"),
            (10, 1, {"customers_new": -1}, "'customers_new' must be >= 0"),
            (10, 11, {}, "'customers_lost' must not exceed 'customers_at_start'"),
            (
                10,
                16,
                {"customers_new": 5, "denominator": "start_plus_new"},
                "'customers_lost' must not exceed 'customers_at_start' \\+ 'cus",
            ),
            (math.nan, 1, {}, "'customers_at_start' must be finite"),
            (10, math.inf, {}, "'customers_lost' must be finite"),
            (10, 1, {"denominator": "average"}, "'denominator' must be one of"),
            ([1, 2], [0, 0, 0], {}, "broadcastable shapes"),
        ],
    )
    def test_rejects_impossible_input(self, start, lost, kwargs, match):
        """Impossible counts and unknown options raise ValueError naming them."""
        with pytest.raises(ValueError, match=match):
            customer_churn_rate(start, lost, **kwargs)

    @pytest.mark.parametrize("bad", [True, "10", None, [1j]])
    def test_rejects_non_numbers(self, bad):
        """Booleans, text and None are a TypeError, not a silent 0 or 1."""
        with pytest.raises(TypeError, match="'customers_at_start' must be numeric"):
            customer_churn_rate(bad, 0)

    def test_rejects_series_with_different_indexes(self):
        """Series are combined by position, so their indexes must match."""
        start = pd.Series([10, 10], index=["a", "b"])
        lost = pd.Series([1, 1], index=["b", "a"])

        with pytest.raises(ValueError, match="'customers_lost' must have the same"):
            customer_churn_rate(start, lost)

    @given(period_counts(), st.sampled_from(["start", "start_plus_new"]))
    @example((1, 0, 0), "start").via("nobody left")
    @example((1, 1, 0), "start").via("everybody left")
    def test_is_a_fraction(self, counts, denominator):
        """Churn is always within [0, 1]."""
        start, lost, new = counts

        rate = customer_churn_rate(
            start, lost, customers_new=new, denominator=denominator
        )

        assert 0.0 <= rate <= 1.0

    @given(period_counts())
    def test_start_plus_new_never_exceeds_start(self, counts):
        """A bigger base never gives a bigger rate."""
        start, lost, new = counts

        assert customer_churn_rate(
            start, lost, customers_new=new, denominator="start_plus_new"
        ) <= customer_churn_rate(start, lost)

    @given(st.lists(period_counts(), min_size=1, max_size=30))
    def test_array_input_matches_scalar_input(self, rows):
        """Vectorised and scalar calls agree element by element."""
        start, lost, new = (list(column) for column in zip(*rows, strict=True))
        expected = [
            customer_churn_rate(s, x, customers_new=n, denominator="start_plus_new")
            for s, x, n in rows
        ]

        actual = customer_churn_rate(
            start, lost, customers_new=new, denominator="start_plus_new"
        )

        np.testing.assert_array_equal(expected, actual)

    def test_input_not_mutated(self):
        """Arrays passed in are left as they were."""
        start, lost = np.array([10, 0]), np.array([1, 0])

        customer_churn_rate(start, lost, customers_new=start, denominator="start")

        np.testing.assert_array_equal([10, 0], start)
        np.testing.assert_array_equal([1, 0], lost)


class TestGrossMrrChurnRate:
    """Tests for `gross_mrr_churn_rate`."""

    def test_chartmogul_example(self):
        """ChartMogul "MRR Churn Rate": start 100, churn 10, contraction 10 -> 20%."""
        assert 0.2 == gross_mrr_churn_rate(100, 10, 10)

    def test_baremetrics_old_rule_exceeds_one_unless_capped(self):
        """Baremetrics changelog: $1,379 lost on a $500 base was 275.8%, now capped."""
        assert 2.758 == gross_mrr_churn_rate(500, 879, 500)
        assert 1.0 == gross_mrr_churn_rate(500, 879, 500, cap=True)

    def test_zero_start_is_nan_even_when_capped(self):
        """Capping does not turn an undefined rate into 100%."""
        assert math.isnan(gross_mrr_churn_rate(0, 0, 0, cap=True))
        assert math.isnan(gross_mrr_churn_rate(0, 5, 0, cap=True))

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            ((-1, 0, 0), "'mrr_at_start' must be >= 0"),
            ((10, -1, 0), "'churned_mrr' must be >= 0"),
            ((10, 0, -1), "'contraction_mrr' must be >= 0"),
            ((10, math.nan, 0), "'churned_mrr' must be finite"),
        ],
    )
    def test_rejects_impossible_amounts(self, args, match):
        """Negative or non-finite amounts raise ValueError naming the argument."""
        with pytest.raises(ValueError, match=match):
            gross_mrr_churn_rate(*args)

    def test_rejects_non_boolean_cap(self):
        """`cap` is a switch, not a threshold."""
        with pytest.raises(TypeError, match="'cap' must be True or False"):
            gross_mrr_churn_rate(10, 1, 1, cap=0.5)  # type: ignore[arg-type]

    @given(movements() | float_movements())
    def test_is_a_fraction_and_one_minus_grr(self, m):
        """With losses within the start, gross churn is in [0, 1] and 1 - GRR."""
        rate = gross(m)

        assert 0.0 <= rate <= 1.0
        assert math.isclose(rate, 1 - grr(m), rel_tol=1e-12, abs_tol=1e-12)

    @given(cents, cents, cents)
    def test_capped_is_min_of_one_and_uncapped(self, start, churned, contraction):
        """Capping changes nothing but the values above 1."""
        uncapped = gross_mrr_churn_rate(start + 1, churned, contraction)

        capped = gross_mrr_churn_rate(start + 1, churned, contraction, cap=True)

        assert min(uncapped, 1.0) == capped


class TestNetMrrChurnRate:
    """Tests for `net_mrr_churn_rate`."""

    def test_chartmogul_example(self):
        """ChartMogul "Net MRR Churn Rate": 100, 10, 10, expansion 10 -> 10%."""
        assert 0.1 == net_mrr_churn_rate(100, 10, 10, 10)

    def test_negative_churn_is_not_clipped(self):
        """Expansion above losses gives a negative rate, kept as is."""
        assert -0.1 == net_mrr_churn_rate(100, 5, 0, 15)
        assert -4.0 == net_mrr_churn_rate(100, 0, 0, 200, reactivation_mrr=200)

    def test_baremetrics_leaves_out_reactivation(self):
        """Baremetrics offsets with expansion only: the caller passes 0."""
        chartmogul = net_mrr_churn_rate(100, 10, 10, 10, reactivation_mrr=5)
        baremetrics = net_mrr_churn_rate(100, 10, 10, 10, reactivation_mrr=0)

        assert 0.05 == chartmogul
        assert 0.1 == baremetrics

    def test_zero_start_is_nan(self):
        """Net churn of no starting MRR is undefined, even with reactivation."""
        assert math.isnan(net_mrr_churn_rate(0, 0, 0, 0, reactivation_mrr=10))

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            ((10, 0, 0, -1), "'expansion_mrr' must be >= 0"),
            ((10, 0, 0, 0, -1), "'reactivation_mrr' must be >= 0"),
            ((10, 6, 5, 0), "'churned_mrr' \\+ 'contraction_mrr' must not exceed"),
            ((10, 0, 0, math.inf), "'expansion_mrr' must be finite"),
        ],
    )
    def test_rejects_impossible_amounts(self, args, match):
        """Impossible amounts raise ValueError naming the argument."""
        with pytest.raises(ValueError, match=match):
            net_mrr_churn_rate(*args)

    @given(movements() | float_movements())
    def test_at_most_one_and_one_minus_nrr(self, m):
        """Net churn is in (-inf, 1] and equals 1 - NRR with the same inputs."""
        rate = net(m)

        assert rate <= 1.0
        assert math.isclose(rate, 1 - nrr(m), rel_tol=1e-12, abs_tol=1e-9)

    @given(movements())
    def test_matches_exact_fraction_oracle(self, m):
        """The float result is the correctly rounded exact fraction."""
        numerator = (
            m["churned_mrr"]
            + m["contraction_mrr"]
            - m["expansion_mrr"]
            - m["reactivation_mrr"]
        )

        assert float(Fraction(numerator, m["mrr_at_start"])) == net(m)

    @given(st.lists(movements(), min_size=1, max_size=20))
    def test_pooled_rate_lies_between_period_rates(self, periods):
        """Trailing net churn, pooled, is between the best and worst period."""
        frame = pd.DataFrame(periods)
        rates = net_mrr_churn_rate(*(frame[c] for c in frame.columns))
        numerators = (
            frame["churned_mrr"]
            + frame["contraction_mrr"]
            - frame["expansion_mrr"]
            - frame["reactivation_mrr"]
        )

        pooled = pooled_rate(numerators, frame["mrr_at_start"])

        # Exact integer sums, one rounding per division: a tiny tolerance.
        low, high = rates.min(), rates.max()
        assert low - 1e-12 * (1 + abs(low)) <= pooled <= high + 1e-12 * (1 + abs(high))


class TestNetRevenueRetention:
    """Tests for `net_revenue_retention`."""

    def test_chartmogul_example(self):
        """ChartMogul example inputs: 100 - 10 - 10 + 10 over 100 is 90%."""
        assert 0.9 == net_revenue_retention(100, 10, 10, 10)

    def test_can_exceed_one(self):
        """Expansion above losses keeps more than 100%."""
        assert 1.2 == net_revenue_retention(100, 5, 0, 25)

    def test_zero_start_is_nan(self):
        """Retention of nothing is undefined."""
        assert math.isnan(net_revenue_retention(0, 0, 0, 0))

    def test_rejects_losses_above_start(self):
        """More lost than there was is impossible."""
        with pytest.raises(ValueError, match="must not exceed 'mrr_at_start'"):
            net_revenue_retention(10, 10, 1, 100)

    @given(movements() | float_movements())
    def test_is_non_negative(self, m):
        """NRR is in [0, inf)."""
        assert nrr(m) >= 0.0

    @given(movements() | float_movements())
    def test_nrr_minus_grr_is_the_expansion_share(self, m):
        """NRR - GRR is expansion plus reactivation over the start."""
        share = (m["expansion_mrr"] + m["reactivation_mrr"]) / m["mrr_at_start"]

        assert math.isclose(nrr(m) - grr(m), share, rel_tol=1e-9, abs_tol=1e-9)

    @given(movements())
    def test_matches_exact_fraction_oracle(self, m):
        """The float result is the correctly rounded exact fraction."""
        kept = (
            m["mrr_at_start"]
            - m["churned_mrr"]
            - m["contraction_mrr"]
            + m["expansion_mrr"]
            + m["reactivation_mrr"]
        )

        assert float(Fraction(kept, m["mrr_at_start"])) == nrr(m)

    @given(float_movements(), factors)
    def test_money_scale_leaves_it_unchanged(self, m, factor):
        """Dollars or cents: every money ratio is the same."""
        scaled = {name: value * factor for name, value in m.items()}
        new = m["expansion_mrr"]

        for function in (gross, grr, net, nrr):
            assert math.isclose(
                function(scaled), function(m), rel_tol=1e-9, abs_tol=1e-9
            )
        np.testing.assert_allclose(
            quick_ratio(*gains_losses(scaled, new * factor)),
            quick_ratio(*gains_losses(m, new)),
            rtol=1e-9,
        )

    @given(st.lists(movements(min_start=0), min_size=0, max_size=20))
    def test_array_input_matches_scalar_input(self, periods):
        """Vectorised and scalar calls agree for every MRR ratio."""
        names = [*movements_keys]
        columns = {name: [p[name] for p in periods] for name in names}
        three = {name: columns[name] for name in names[:3]}

        np.testing.assert_array_equal(
            [nrr(p) for p in periods], net_revenue_retention(**columns)
        )
        np.testing.assert_array_equal(
            [net(p) for p in periods], net_mrr_churn_rate(**columns)
        )
        np.testing.assert_array_equal(
            [grr(p) for p in periods], gross_revenue_retention(**three)
        )
        np.testing.assert_array_equal(
            [gross(p) for p in periods], gross_mrr_churn_rate(**three)
        )

    def test_input_not_mutated(self):
        """Arrays and Series passed in are left as they were."""
        start = pd.Series([100, 0])
        losses = np.array([10.0, 0.0])

        net_revenue_retention(start, losses, losses, losses, reactivation_mrr=losses)
        gross_revenue_retention(start, losses, losses)
        net_mrr_churn_rate(start, losses, losses, losses)
        gross_mrr_churn_rate(start, losses, losses, cap=True)

        assert [100, 0] == start.tolist()
        assert [10.0, 0.0] == losses.tolist()


class TestGrossRevenueRetention:
    """Tests for `gross_revenue_retention`."""

    def test_chartmogul_example(self):
        """ChartMogul "Gross Revenue Retention": 100, -10 churn, -10 contraction."""
        assert 0.8 == gross_revenue_retention(100, 10, 10)

    def test_boundaries(self):
        """Nothing lost is 1, everything lost is 0, nothing at start is NaN."""
        np.testing.assert_array_equal(
            [1.0, 0.0, np.nan], gross_revenue_retention([5, 5, 0], [0, 2, 0], [0, 3, 0])
        )

    def test_float_money_with_exact_decimal_bound(self):
        """$0.30 less $0.10 and $0.20 is 0, not an error from float rounding."""
        assert 0.0 == gross_revenue_retention(0.3, 0.1, 0.2)

    @pytest.mark.parametrize(
        ("args", "match"),
        [
            ((10, 6, 5), "'churned_mrr' \\+ 'contraction_mrr' must not exceed"),
            ((-1, 0, 0), "'mrr_at_start' must be >= 0"),
            ((1, 0, math.nan), "'contraction_mrr' must be finite"),
        ],
    )
    def test_rejects_impossible_amounts(self, args, match):
        """Impossible amounts raise ValueError naming the argument."""
        with pytest.raises(ValueError, match=match):
            gross_revenue_retention(*args)

    @given(movements() | float_movements())
    def test_is_a_fraction(self, m):
        """GRR is in [0, 1] and never above NRR."""
        assert 0.0 <= grr(m) <= 1.0
        assert grr(m) <= nrr(m)


class TestQuickRatio:
    """Tests for `quick_ratio`."""

    @pytest.mark.parametrize(
        ("gains", "losses", "expected"),
        [(24_000, 4_000, 6.0), (30_000, 10_000, 3.0), (40_000, 20_000, 2.0)],
    )
    def test_profitwell_examples(self, gains, losses, expected):
        """ProfitWell "SaaS Quick Ratio": 24k/4k = 6, 30k/10k = 3, 40k/20k = 2."""
        assert expected == quick_ratio(gains, 0, losses, 0)
        assert expected == quick_ratio(
            gains // 2, gains // 2, losses // 4, 3 * losses // 4
        )

    def test_reactivation_counts_only_when_passed(self):
        """Baremetrics and ProfitWell leave reactivation out; others add it."""
        assert 2.0 == quick_ratio(10, 10, 5, 5)
        assert 3.0 == quick_ratio(10, 10, 5, 5, reactivation_mrr=10)

    def test_no_losses_is_inf_and_no_movement_is_nan(self):
        """Growth with no losses is unbounded; no movement at all is undefined."""
        assert math.inf == quick_ratio(1, 0, 0, 0)
        assert math.inf == quick_ratio(0, 0, 0, 0, reactivation_mrr=1)
        assert math.isnan(quick_ratio(0, 0, 0, 0))
        assert 0.0 == quick_ratio(0, 0, 0, 1)

    @pytest.mark.parametrize(
        "name",
        [
            "new_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
        ],
    )
    def test_rejects_negative_amounts(self, name):
        """Movements are non-negative magnitudes, whatever their direction."""
        kwargs = dict.fromkeys(
            ["new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr"], 1
        ) | {name: -1}

        with pytest.raises(ValueError, match=f"'{name}' must be >= 0"):
            quick_ratio(**kwargs)

    @given(st.lists(st.tuples(cents, cents, cents, cents, cents), max_size=20))
    def test_array_matches_scalar_and_oracle(self, rows):
        """Vectorised equals scalar equals the exact fraction, inf and NaN included."""

        def oracle(new, exp, con, chu, rea):
            if con + chu == 0:
                return math.inf if new + exp + rea else math.nan
            return float(Fraction(new + exp + rea, con + chu))

        columns = [list(c) for c in zip(*rows, strict=True)] or [[]] * 5

        actual = quick_ratio(*columns)

        np.testing.assert_array_equal([quick_ratio(*r) for r in rows], actual)
        np.testing.assert_array_equal([oracle(*r) for r in rows], actual)
        assert (actual[~np.isnan(actual)] >= 0).all()


class TestAverageRevenuePerAccount:
    """Tests for `average_revenue_per_account`."""

    def test_chartmogul_definition(self):
        """ChartMogul ARPA: total MRR over customers."""
        assert 100.0 == average_revenue_per_account(10_000, 100)

    def test_no_customers_is_nan(self):
        """ARPA of nobody is undefined."""
        assert math.isnan(average_revenue_per_account(0, 0))

    @pytest.mark.parametrize(
        ("args", "match"),
        [((-1, 1), "'mrr' must be >= 0"), ((1, -1), "'customers' must be >= 0")],
    )
    def test_rejects_negative_input(self, args, match):
        """Negative money or counts raise ValueError naming the argument."""
        with pytest.raises(ValueError, match=match):
            average_revenue_per_account(*args)

    @given(cents, st.integers(1, MAX_CUSTOMERS), factors)
    def test_scales_with_money(self, mrr, customers, factor):
        """ARPA is money: scaling MRR scales it by the same factor."""
        scaled = average_revenue_per_account(mrr * factor, customers)

        assert math.isclose(
            scaled, factor * average_revenue_per_account(mrr, customers), rel_tol=1e-12
        )


class TestAverageSalePrice:
    """Tests for `average_sale_price`."""

    def test_chartmogul_example(self):
        """ChartMogul ASP: 3 x $100 and 7 x $50 over 10 new customers is $65."""
        assert 65.0 == average_sale_price(3 * 100 + 7 * 50, 10)

    def test_no_new_customers_is_nan(self):
        """ASP with no sales is undefined."""
        assert math.isnan(average_sale_price(0, 0))

    def test_rejects_negative_customers(self):
        """A negative count raises ValueError naming it."""
        with pytest.raises(ValueError, match="'customers_new' must be >= 0"):
            average_sale_price(100, -1)


class TestNetNewMrr:
    """Tests for `net_new_mrr`."""

    def test_chartmogul_movements(self):
        """ChartMogul example movements: 10 expansion less 10 + 10 lost is -10."""
        result = net_new_mrr(0, 10, 10, 10)

        assert -10 == result
        assert isinstance(result, int)

    def test_integer_arrays_stay_exact(self):
        """Cents above 2**53 are added without float rounding."""
        big = 2**53 + 1

        result = net_new_mrr(np.array([big]), 1, 0, 0)

        assert np.int64 == result.dtype
        assert [big + 1] == result.tolist()

    def test_floats_are_allowed(self):
        """Float currency units give a float."""
        assert math.isclose(5.0, net_new_mrr(9.99, 0, 0, 4.99))

    def test_rejects_amounts_too_large_for_exact_sums(self):
        """Integers that could overflow int64 when summed are refused."""
        with pytest.raises(ValueError, match="'new_mrr' must be below 2\\*\\*60"):
            net_new_mrr(2**60, 0, 0, 0)

    def test_rejects_negative_movements(self):
        """Losses are given as positive magnitudes."""
        with pytest.raises(ValueError, match="'churned_mrr' must be >= 0"):
            net_new_mrr(0, 0, 0, -5)

    @given(movements())
    def test_closes_the_mrr_bridge(self, m):
        """start + net new MRR is the end MRR that NRR and growth imply."""
        new = m["expansion_mrr"]  # any non-negative amount
        change = net_new_mrr(*gains_losses(m, new))
        end = m["mrr_at_start"] + change

        assert change == sum(gains_losses(m, new)[i] for i in (0, 1, 4)) - sum(
            gains_losses(m, new)[i] for i in (2, 3)
        )
        assert math.isclose(
            mrr_growth_rate(m["mrr_at_start"], end),
            nrr(m) - 1 + new / m["mrr_at_start"],
            rel_tol=1e-9,
            abs_tol=1e-9,
        )

    @given(st.lists(st.tuples(cents, cents, cents, cents, cents), max_size=20))
    def test_array_matches_scalar(self, rows):
        """Vectorised and scalar integer calls agree exactly."""
        columns = [np.array(c, dtype=np.int64) for c in zip(*rows, strict=True)] or [
            np.zeros(0, np.int64)
        ] * 5

        actual = net_new_mrr(*columns)

        assert [net_new_mrr(*r) for r in rows] == actual.tolist()


class TestMrrGrowthRate:
    """Tests for `mrr_growth_rate`."""

    def test_known_values(self):
        """ChartMogul Shopify net churn example: $100 to $120 is 20% growth."""
        assert 0.2 == mrr_growth_rate(100, 120)
        assert -1.0 == mrr_growth_rate(100, 0)

    def test_from_nothing_is_nan(self):
        """Growth from zero MRR is undefined, not infinite."""
        assert math.isnan(mrr_growth_rate(0, 10))

    def test_rejects_negative_end(self):
        """MRR cannot be negative."""
        with pytest.raises(ValueError, match="'mrr_at_end' must be >= 0"):
            mrr_growth_rate(10, -1)

    @given(st.integers(1, MAX_CENTS), cents, factors)
    def test_in_range_and_scale_free(self, start, end, factor):
        """Growth is at least -1 and the same in any currency unit."""
        rate = mrr_growth_rate(start, end)

        assert rate >= -1.0
        assert math.isclose(
            mrr_growth_rate(start * factor, end * factor),
            rate,
            rel_tol=1e-9,
            abs_tol=1e-12,
        )


class TestPooledRate:
    """Tests for `pooled_rate`."""

    def test_quiet_and_busy_month(self):
        """1 of 10 and 1 of 190 pool to 1%, not the 5.3% mean of the rates."""
        assert 0.01 == pooled_rate([1, 1], [10, 190])

    def test_empty_and_zero_denominator_are_nan(self):
        """No periods, or nobody in any, give an undefined rate."""
        assert math.isnan(pooled_rate([], []))
        assert math.isnan(pooled_rate([0, 0], [0, 0]))

    @pytest.mark.parametrize(
        ("num", "den", "match"),
        [
            ([1], [-1], "'denominators' must be >= 0"),
            ([math.nan], [1], "'numerators' must be finite"),
            ([1, 2], [3], "must have the same shape"),
        ],
    )
    def test_rejects_bad_input(self, num, den, match):
        """Bad input raises ValueError naming the argument."""
        with pytest.raises(ValueError, match=match):
            pooled_rate(num, den)

    @given(st.lists(period_counts(), min_size=1, max_size=50))
    def test_lies_between_period_rates(self, periods):
        """Pooled churn is between the best and the worst period's churn."""
        start, lost, _ = (np.array(c) for c in zip(*periods, strict=True))
        rates = customer_churn_rate(start, lost)

        pooled = pooled_rate(lost, start)

        assert rates.min() <= pooled <= rates.max()

    def test_input_not_mutated(self):
        """Arrays passed in are left as they were."""
        num, den = np.array([1.0, 2.0]), np.array([10.0, 20.0])

        pooled_rate(num, den)

        assert [1.0, 2.0] == num.tolist()
        assert [10.0, 20.0] == den.tolist()
