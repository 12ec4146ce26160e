"""Tests for the bootstrap of first-month ARPA from sums that add up (`_arpa`).

A segment below ``resample_below`` subjects is resampled subject by subject
from its table of distinct values; a larger one draws from the large-sample
law of the resampled mean, whose moments come from exact power sums.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics._arpa import (
    ArpaSums,
    arpa_sums,
    combine_arpa,
    exact_power_sums,
    moments,
    resampled_arpa,
)

mrrs = st.integers(min_value=0, max_value=2**63 - 1)


def _same(a: ArpaSums, b: ArpaSums) -> None:
    """Every array of two `ArpaSums` is equal, element by element."""
    for name in (
        "customers",
        "total",
        "squares",
        "cubes",
        "low",
        "high",
        "group",
        "value",
        "count",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), name)
    assert a.resample_below == b.resample_below


class TestExactPowerSums:
    """Tests for the exact sums of squares and cubes."""

    @given(
        st.lists(st.tuples(mrrs, st.integers(0, 2)), min_size=1, max_size=40),
    )
    def test_equal_python_int_arithmetic(self, rows):
        """The digits stand for the sums of squares and cubes in Python ints."""
        values = np.array([v for v, _ in rows], np.int64)
        code = np.array([g for _, g in rows], np.int64)

        sums = arpa_sums(values, code, 3, resample_below=1)

        for g in range(3):
            mine = [v for v, c in rows if c == g]
            assert exact_power_sums(sums.squares[[g]]) == [sum(v * v for v in mine)]
            assert exact_power_sums(sums.cubes[[g]]) == [sum(v**3 for v in mine)]

    def test_largest_int64_squared_and_cubed(self):
        """Three copies of 2**63 - 1: the sums need 128 and 192 bits, exactly."""
        top = 2**63 - 1
        values = np.full(3, top, np.int64)

        sums = arpa_sums(values, np.zeros(3, np.int64), 1, resample_below=1)

        assert exact_power_sums(sums.squares) == [3 * top**2]
        assert exact_power_sums(sums.cubes) == [3 * top**3]

    def test_digits_of_many_subjects_add_up_exactly(self):
        """300,000 subjects at 2**48 - 1 (every digit at its largest), two blocks."""
        top = 2**48 - 1
        values = np.full(300_000, top, np.int64)
        code = np.zeros(len(values), np.int64)

        sums = arpa_sums(values, code, 1, resample_below=1)

        assert exact_power_sums(sums.squares) == [300_000 * top**2]
        assert exact_power_sums(sums.cubes) == [300_000 * top**3]


class TestMoments:
    """Tests for the mean and central moments of the large groups."""

    def test_known_values_where_floats_cancel(self):
        """MRRs 2**40, 2**40 + 1, 2**40 + 2: variance 2/3 and no skew, exactly.

        In float64, ``mean(x**2) - mean(x)**2`` of these loses every digit.
        """
        values = np.array([2**40, 2**40 + 1, 2**40 + 2], np.int64)

        sums = arpa_sums(values, np.zeros(3, np.int64), 1, resample_below=1)
        mean, m2, m3 = moments(sums, np.array([0]))

        assert mean.tolist() == [float(2**40 + 1)]
        assert m2.tolist() == [float(Fraction(2, 3))]
        assert m3.tolist() == [0.0]

    @given(st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
    def test_equal_the_population_moments_in_fractions(self, values):
        """Mean, variance and third moment as a population, rounded once."""
        n = len(values)
        mean = Fraction(sum(values), n)
        m2 = sum((Fraction(v) - mean) ** 2 for v in values) / n
        m3 = sum((Fraction(v) - mean) ** 3 for v in values) / n

        sums = arpa_sums(np.array(values), np.zeros(n, np.int64), 1, resample_below=1)
        got = moments(sums, np.array([0]))

        assert [g[0] for g in got] == [float(mean), float(m2), float(m3)]


class TestResampledArpa:
    """Tests for `resampled_arpa`."""

    def test_small_groups_equal_a_loop(self):
        """Below the size, a draw averages subjects picked uniformly, in value order."""
        values = np.array([5, 1, 2, 9, 4], np.int64)
        code = np.array([0, 1, 0, 1, 0])
        draws = 6
        sums = arpa_sums(values, code, 2, resample_below=500)

        got = resampled_arpa(sums, n_draws=draws, rng=np.random.default_rng(9))

        u = np.random.default_rng(9).random((len(code), draws))
        members = [np.sort(values[code == g]) for g in (0, 1)]
        order = np.lexsort((values, code))
        expected = np.zeros((2, draws))
        for row, j in enumerate(order):
            g = code[j]
            for b in range(draws):
                expected[g, b] += members[g][int(u[row, b] * len(members[g]))]
        expected /= np.array([3, 2])[:, None]
        np.testing.assert_allclose(got, expected)

    def test_moment_law_has_the_resampled_mean_and_variance(self):
        """Hand-built: 600 subjects, 300 at 1 and 300 at 3 (mean 2, variance 1).

        Resampled, the mean of 600 draws has expectation 2 and variance
        1 / 600 (no skew: the values are symmetric); the moment law draws
        ``2 + z / sqrt(600)``. Over 20,000 draws each, both means are within
        four standard errors of 2 and both variances within 5% of 1 / 600.
        """
        values = np.repeat(np.array([1, 3], np.int64), 300)
        code = np.zeros(600, np.int64)
        resampled = resampled_arpa(
            arpa_sums(values, code, 1, resample_below=601),
            n_draws=20_000,
            rng=np.random.default_rng(1),
        )[0]
        drawn = resampled_arpa(
            arpa_sums(values, code, 1, resample_below=600),
            n_draws=20_000,
            rng=np.random.default_rng(2),
        )[0]
        variance = 1 / 600
        error = np.sqrt(variance / 20_000)

        for draws in (resampled, drawn):
            assert abs(draws.mean() - 2) < 4 * error
            assert abs(draws.var() / variance - 1) < 0.05

    def test_moment_law_has_the_resampled_quantiles(self):
        """1,500 lognormal MRRs (sigma 0.8), 4,000 draws each: the 2.5%, 50%
        and 97.5% quantiles agree within 0.4% of the mean (their Monte Carlo
        error is about 0.1%), and no draw leaves the range of the values."""
        rng = np.random.default_rng(5)
        values = np.round(np.exp(rng.normal(11.0, 0.8, 1500))).astype(np.int64)
        code = np.zeros(1500, np.int64)
        fast = resampled_arpa(
            arpa_sums(values, code, 1, resample_below=500),
            n_draws=4000,
            rng=np.random.default_rng(1),
        )
        slow = resampled_arpa(
            arpa_sums(values, code, 1, resample_below=10**9),
            n_draws=4000,
            rng=np.random.default_rng(2),
        )
        q = [0.025, 0.5, 0.975]

        gap = np.abs(np.quantile(fast, q) - np.quantile(slow, q)) / values.mean()

        assert (gap < 0.004).all(), gap
        assert fast.min() >= values.min()
        assert fast.max() <= values.max()

    def test_group_without_subjects_is_nan(self):
        """No subject, no mean."""
        sums = arpa_sums(np.array([7], np.int64), np.array([1]), 2, resample_below=1)

        got = resampled_arpa(sums, n_draws=3, rng=np.random.default_rng(0))

        assert np.isnan(got[0]).all()
        assert (got[1] == 7.0).all()

    @given(st.integers(0, 2**32 - 1), st.sampled_from([1, 5, 15, 500]))
    def test_blocks_add_up_to_the_whole(self, seed, below):
        """Split into blocks in any order, the sums and draws are the whole's bits."""
        rng = np.random.default_rng(seed)
        values = rng.integers(0, 50, 40)  # ties included
        code = rng.integers(0, 3, 40)
        block = rng.integers(0, 3, 40)
        whole = arpa_sums(values, code, 3, resample_below=below)
        parts = [
            arpa_sums(values[block == b], code[block == b], 3, resample_below=below)
            for b in (2, 0, 1)
        ]
        identity = [np.arange(3, dtype=np.int64)] * 3

        combined = combine_arpa(parts, identity, 3)

        _same(combined, whole)
        first = resampled_arpa(whole, n_draws=5, rng=np.random.default_rng(1))
        again = resampled_arpa(combined, n_draws=5, rng=np.random.default_rng(1))
        assert first.tobytes() == again.tobytes()

    @given(st.integers(0, 2**32 - 1), st.sampled_from([1, 5, 15, 500]))
    def test_sums_read_as_they_are_draw_the_same_bits(self, seed, below):
        """One ledger's sums skip what is never read, and draw the same numbers."""
        rng = np.random.default_rng(seed)
        values = rng.integers(0, 50, 40)
        code = rng.integers(0, 3, 40) ** 2 % 4  # groups of different sizes
        kept = arpa_sums(values, code, 4, resample_below=below)
        alone = arpa_sums(values, code, 4, resample_below=below, combinable=False)

        first = resampled_arpa(kept, n_draws=5, rng=np.random.default_rng(1))
        again = resampled_arpa(alone, n_draws=5, rng=np.random.default_rng(1))

        assert first.tobytes() == again.tobytes()
        with pytest.raises(ValueError, match="combinable"):
            combine_arpa([alone, kept], [np.arange(4, dtype=np.int64)] * 2, 4)

    @given(st.integers(0, 2**32 - 1))
    def test_table_is_bounded_by_the_size(self, seed):
        """Only groups below the size keep table rows, fewer than the size each."""
        rng = np.random.default_rng(seed)
        values = rng.integers(0, 10**6, 300)  # nearly every subject its own price
        code = rng.integers(0, 4, 300) ** 2 % 5  # groups of very different sizes
        block = rng.integers(0, 4, 300)
        parts = [
            arpa_sums(values[block == b], code[block == b], 5, resample_below=40)
            for b in range(4)
        ]

        combined = combine_arpa(parts, [np.arange(5, dtype=np.int64)] * 4, 5)

        rows = np.bincount(combined.group, minlength=5)
        assert (rows[combined.customers >= 40] == 0).all()
        assert (rows < 40).all()

    def test_blocks_with_different_sizes_are_refused(self):
        """A block that dropped its tables at another size cannot be finished."""
        one = arpa_sums(np.array([1]), np.array([0]), 1, resample_below=5)
        other = arpa_sums(np.array([1]), np.array([0]), 1, resample_below=6)

        with pytest.raises(ValueError, match="resample_arpa_below"):
            combine_arpa([one, other], [np.array([0])] * 2, 1)

    @pytest.mark.parametrize(("below", "error"), [(0, ValueError), (2.5, TypeError)])
    def test_rejects_a_size_that_is_not_a_positive_int(self, below, error):
        """The size is a positive int, named in the error."""
        with pytest.raises(error, match="resample_arpa_below"):
            arpa_sums(np.array([1]), np.array([0]), 1, resample_below=below)
