"""Bootstrap intervals of the sBG model: mean churn and polarisation, the
geometric limit, and the fast simulation against slow oracles."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subscription_metrics as sm
import subscription_metrics._sbg as sbg
from subscription_metrics._sbg import (
    _fit_counts,
    _sequential_counts,
    curve,
    payments,
    simulated_coordinates,
)
from subscription_metrics.survival import (
    early_ltv,
    sbg_del_interval,
    sbg_fit,
    sbg_fit_lifetimes,
    sbg_survival,
    sbg_survival_interval,
)

# Fader & Hardie (2007), "How to project customer retention", table 1.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


def geometric_ledger(
    groups: list[tuple[str, int, float]],
    seed: int,
    months: int = 36,
    spread: float | None = None,
) -> sm.Ledger:
    """Customers who churn with a constant monthly probability per group,
    starting over `months` months (staggered entry), seen to the last month.
    MRR is uniform, or lognormal with sigma `spread`."""
    rng = np.random.default_rng(seed)
    first = pd.Period("2022-01", "M").ordinal
    frames = []
    k = 0
    for label, n, churn in groups:
        life = rng.geometric(churn, n)
        start = first + rng.integers(0, months, n)
        mrr = rng.integers(50, 150, n) * 1000
        if spread is not None:
            mrr = np.round(100_000 * rng.lognormal(0.0, spread, n)).astype(np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "subscription_id": [f"s{k + i}" for i in range(n)],
                    "customer_id": [f"c{k + i:05d}" for i in range(n)],
                    "start": pd.PeriodIndex.from_ordinals(
                        start, freq="M"
                    ).to_timestamp(),
                    "end": pd.PeriodIndex.from_ordinals(
                        start + life, freq="M"
                    ).to_timestamp(),
                    "mrr": mrr,
                    "currency": "JPY",
                    "rep": label,
                }
            )
        )
        k += n
    end = pd.Period(ordinal=first + months - 1, freq="M")
    return sm.Ledger.from_subscriptions(pd.concat(frames), through=end)


def geometric_value(churn: float, horizon: int) -> float:
    """Expected payments over `horizon` months at a constant churn."""
    return float(((1 - churn) ** np.arange(horizon)).sum())


# --------------------------------------------------------------------------
# Mean churn and polarisation
# --------------------------------------------------------------------------


def test_mean_churn_and_polarisation_of_the_regular_segment_fader_hardie_2007():
    """alpha = 0.704, beta = 1.182 (Fader & Hardie 2007): m = 0.373, phi = 0.347."""
    fit = sbg_fit(REGULAR)
    assert fit.mean_churn == pytest.approx(0.704 / (0.704 + 1.182), abs=1e-3)
    assert fit.polarisation == pytest.approx(1 / (0.704 + 1.182 + 1), abs=1e-3)


@given(st.floats(0.05, 50.0), st.floats(0.05, 500.0))
def test_curve_in_mean_and_polarisation_equals_sbg_survival(a: float, b: float):
    m, phi = np.array(a / (a + b)), np.array(1 / (a + b + 1))
    expected = sbg_survival(a, b, np.arange(40))
    np.testing.assert_allclose(curve(m, phi, 40), expected, rtol=1e-9)


@given(st.floats(0.001, 0.999), st.integers(1, 80), st.floats(0.0, 0.05))
def test_curve_at_zero_polarisation_is_geometric(m: float, width: int, d: float):
    s = curve(np.array(m), np.array(0.0), width)
    np.testing.assert_allclose(s, (1 - m) ** np.arange(width), rtol=1e-12)
    paid = payments(np.array(m), np.array(0.0), d, width)
    q = (1 - m) / (1 + d)
    assert float(paid) == pytest.approx((1 - q**width) / (1 - q), rel=1e-9)


def test_the_geometric_limit_is_phi_zero_with_the_binomial_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sbg_fit([100_000, 50_000, 25_000, 12_500, 6_250])
    assert fit.polarisation == 0.0
    assert fit.mean_churn == 0.5  # churned / renewals faced, exactly


# --------------------------------------------------------------------------
# Slow oracles for the fast simulation
# --------------------------------------------------------------------------


def customer_by_customer(
    s: np.ndarray,
    code: np.ndarray,
    window: np.ndarray,
    *,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """The obvious simulation: every customer and draw in turn, its lifetime
    found by walking down the survival curve from one uniform number."""
    n_groups, width = s.shape
    lost = np.zeros((n_groups, n_draws, width))
    still = np.zeros((n_groups, n_draws, width))
    for j in range(len(code)):
        g, w = code[j], window[j]
        for b in range(n_draws):
            u = rng.random()
            t = 1
            while t <= w and s[g, t] >= u:
                t += 1
            if t <= w:
                lost[g, b, t] += 1
            else:
                still[g, b, w] += 1
    return lost.reshape(-1, width), still.reshape(-1, width)


def test_simulated_refits_match_the_customer_by_customer_simulation():
    """Refits of the fast simulation and of the obvious one have the same
    distribution: means and spreads of m and phi agree (within noise)."""
    m, phi = np.array([0.1, 0.04]), np.array([0.2, 0.0])
    rng = np.random.default_rng(2)
    code = rng.integers(0, 2, 150)
    window = rng.integers(0, 13, 150)
    draws = 300
    dm, dphi = simulated_coordinates(
        m, phi, code, window, n_draws=draws, rng=np.random.default_rng(4)
    )
    s = curve(m, phi, 13)
    lost, still = customer_by_customer(
        s, code, window, n_draws=draws, rng=np.random.default_rng(5)
    )
    em, ephi = _fit_counts(lost, still).coordinates()
    em, ephi = em.reshape(2, draws), ephi.reshape(2, draws)
    for fast, slow in ((dm, em), (dphi, ephi)):
        se = np.sqrt((fast.var(axis=1) + slow.var(axis=1)) / draws)
        assert (np.abs(fast.mean(axis=1) - slow.mean(axis=1)) < 4 * se + 1e-12).all()
        ratio = fast.std(axis=1) / np.maximum(slow.std(axis=1), 1e-12)
        assert ((ratio > 0.75) & (ratio < 1.33)).all() or np.allclose(
            fast.std(axis=1), slow.std(axis=1), atol=1e-9
        )


@pytest.mark.parametrize("counts", [_sequential_counts, customer_by_customer])
def test_both_simulations_give_the_expected_counts(counts):
    """Mean simulated counts per cell equal the exact expectation: a churn at
    renewal i from every customer observed that long, n S(i - 1) h_i, and
    n_c S(c) still active at window c (within 4.5 standard errors); and the
    customers still active at window c are Binomial(n_c, S(c))."""
    rng = np.random.default_rng(0)
    window = rng.integers(0, 9, 300)
    code = np.zeros(300, np.int64)
    s = curve(np.array([0.12]), np.array([0.15]), 9)
    draws = 4000 if counts is _sequential_counts else 300
    lost, still = counts(s, code, window, n_draws=draws, rng=rng)
    n_c = np.bincount(window, minlength=9)
    facing = n_c[::-1].cumsum()[::-1]  # observed for at least i renewals
    churn = np.zeros(9)
    churn[1:] = facing[1:] * (s[0, :-1] - s[0, 1:])
    expected = np.concatenate([churn, n_c * s[0]])
    got = np.concatenate([lost, still], axis=1)
    error = np.sqrt(np.maximum(expected, 1e-9) / draws)  # Poisson-ish bound
    assert (np.abs(got.mean(axis=0) - expected) < 4.5 * error + 1e-12).all()
    assert got.sum(axis=1).tolist() == [300.0] * draws
    variance = n_c * s[0] * (1 - s[0])
    spread = still.var(axis=0)
    held = variance > 1
    assert (np.abs(spread[held] / variance[held] - 1) < 0.35).all()


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


def lifetimes_from(
    a: float, b: float, n: int, seed: int, months: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    life = rng.geometric(rng.beta(a, b, n))
    window = rng.integers(1, months + 1, n)
    return np.minimum(life, window), life <= window


@settings(max_examples=15, deadline=None)
@given(
    st.floats(0.3, 20.0),
    st.floats(2.0, 60.0),
    st.integers(100, 600),
    st.integers(0, 2**16),
)
def test_intervals_contain_the_estimate(a: float, b: float, n: int, seed: int):
    age, observed = lifetimes_from(a, b, n, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sbg_fit_lifetimes(age, observed)
    band = sbg_survival_interval(fit, [1, 6, 12, 36], seed=seed, n_draws=300)
    value = sbg_del_interval(fit, [0.01, 0.05], seed=seed, n_draws=300)
    for frame, column in ((band, "survival"), (value, "del")):
        if frame["lower"].isna().all():  # not identified: no interval at all
            assert not fit.converged
            continue
        assert (frame["lower"] <= frame[column] + 1e-12).all()
        assert (frame[column] <= frame["upper"] + 1e-12).all()


def test_intervals_shrink_with_more_customers():
    widths = []
    for n in (200, 2000):
        age, observed = lifetimes_from(1.5, 12.0, n, seed=3)
        fit = sbg_fit_lifetimes(age, observed)
        band = sbg_survival_interval(fit, [12], seed=0, n_draws=500)
        widths.append(float((band["upper"] - band["lower"]).iloc[0]))
    assert widths[1] < widths[0] / 2  # about sqrt(10) narrower


def test_the_same_seed_gives_the_same_interval_and_another_does_not():
    fit = sbg_fit(REGULAR)
    one = sbg_survival_interval(fit, [3, 12], seed=1, n_draws=200)
    two = sbg_survival_interval(
        fit, [3, 12], seed=np.random.default_rng(1), n_draws=200
    )
    other = sbg_survival_interval(fit, [3, 12], seed=2, n_draws=200)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(other)


# --------------------------------------------------------------------------
# The geometric limit
# --------------------------------------------------------------------------


def test_constant_churn_has_a_finite_tight_interval():
    """Constant 3% monthly churn, 500 customers over 36 months of entry: the fit
    is at or near the geometric limit, and the 5-year value's bounds stay
    within a sane factor of the estimate (coverage: bench_calibration.py)."""
    led = geometric_ledger([("rep", 500, 0.03)], seed=7)
    table = early_ltv(led, by="rep", horizon_months=60, seed=0)
    row = table.iloc[0]
    assert row["polarisation"] < 0.02
    assert math.isfinite(row["lifetime_value_upper"])
    assert row["lifetime_value_upper"] < 1.5 * row["lifetime_value"]
    assert row["lifetime_value_lower"] > row["lifetime_value"] / 1.5
    truth = geometric_value(0.03, 60)
    assert row["expected_lifetime"] == pytest.approx(truth, rel=0.15)
    assert row["expected_lifetime_upper"] < 1.5 * row["expected_lifetime"]


def test_a_fit_at_the_bound_gets_an_interval():
    """A fit that ran to the bound (no heterogeneity at all) used to have no
    covariance and no interval; as phi = 0 it is bootstrapped like any other."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sbg_fit([10_000, 9_000, 8_100, 7_290, 6_561])
    assert not fit.converged
    band = sbg_survival_interval(fit, [4, 24], seed=0, n_draws=300)
    assert band.loc[4, "survival"] == pytest.approx(0.6561)
    assert band.loc[4, "lower"] < 0.6561 < band.loc[4, "upper"]
    # Four periods cannot rule out some heterogeneity, which would keep more
    # customers by period 24: the upper bound is above, but finite.
    assert band.loc[24, "upper"] < 2 * band.loc[24, "survival"]


def test_eight_percent_against_two_percent_is_told_apart():
    """500 customers at 8% a month and 250 at 2%: the 5-year values differ about
    threefold, and their intervals are tight and far apart."""
    led = geometric_ledger([("fast", 500, 0.08), ("slow", 250, 0.02)], seed=1)
    table = early_ltv(led, by="rep", horizon_months=60, seed=0)
    fast, slow = table.loc["fast"], table.loc["slow"]
    assert fast["lifetime_value_upper"] < 1.3 * fast["lifetime_value"]
    assert fast["lifetime_value_upper"] < slow["lifetime_value_lower"]
    assert fast["survival_12_upper"] < slow["survival_12_lower"]


def test_lifetime_value_interval_includes_arpa_uncertainty():
    """Revenue that varies a lot across customers (lognormal, sigma 1.5): the
    LTV interval is wider than that of the lifetime alone."""
    led = geometric_ledger([("rep", 400, 0.04)], seed=2, spread=1.5)
    table = early_ltv(led, by="rep", horizon_months=60, seed=0)
    row = table.iloc[0]
    ltv_width = (row["lifetime_value_upper"] - row["lifetime_value_lower"]) / row[
        "lifetime_value"
    ]
    paid_width = (
        row["discounted_lifetime_upper"] - row["discounted_lifetime_lower"]
    ) / row["discounted_lifetime"]
    assert ltv_width > paid_width


def test_groups_refitted_in_batches_give_the_same_distribution(
    monkeypatch: pytest.MonkeyPatch,
):
    """Memory is bounded by refitting a batch of groups at a time: other random
    numbers, the same distribution of the refits."""

    rng = np.random.default_rng(0)
    code = np.repeat(np.arange(6), 80)
    window = rng.integers(0, 20, len(code))
    m, phi = np.full(6, 0.08), np.linspace(0.0, 0.2, 6)
    one = simulated_coordinates(
        m, phi, code, window, n_draws=400, rng=np.random.default_rng(3)
    )
    monkeypatch.setattr(sbg, "_FIT_CELLS", 400 * 20 * 2)  # two groups a batch
    batched = simulated_coordinates(
        m, phi, code, window, n_draws=400, rng=np.random.default_rng(3)
    )
    for a, b in zip(one, batched, strict=True):
        assert np.isfinite(b).all()
        se = np.sqrt((a.var(axis=1) + b.var(axis=1)) / 400)
        assert (np.abs(a.mean(axis=1) - b.mean(axis=1)) < 4 * se + 1e-12).all()


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
    st.one_of(st.just(0.0), st.floats(1e-6, 0.9)),  # as fits give it
    st.floats(0.0, 0.05),
    st.one_of(st.none(), st.integers(1, 80)),
)
def test_one_curve_gives_the_three_figures_bit_for_bit(means, polar, discount, horizon):
    """`lifetimes_and_survival` equals `payments` twice and `curve`, to the bit."""
    from subscription_metrics._sbg import lifetimes_and_survival

    m = np.asarray(means)
    phi = np.full(len(m), polar)
    points = [0, 6, 12]
    with np.errstate(all="ignore"):  # never-churning groups: inf lifetimes
        paid, lifetime, at = lifetimes_and_survival(m, phi, discount, horizon, points)
        np.testing.assert_array_equal(paid, payments(m, phi, discount, horizon))
        np.testing.assert_array_equal(lifetime, payments(m, phi, 0.0, horizon))
        np.testing.assert_array_equal(at, curve(m, phi, 13)[..., points])
