"""Shifted-beta-geometric model: published fits, identities, recovery, oracles."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

from subscription_metrics import SbgFit
from subscription_metrics.survival import (
    FIT_COLUMNS,
    sbg_churn_probability,
    sbg_del,
    sbg_del_interval,
    sbg_derl,
    sbg_expected_lifetime,
    sbg_fit,
    sbg_fit_lifetimes,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
    sbg_survival_interval,
)

# Fader & Hardie (2007), "How to Project Customer Retention", table 1.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]

parameters = st.floats(0.05, 30.0)
rates = st.floats(0.01, 1.0)


# --------------------------------------------------------------------------
# Published values
# --------------------------------------------------------------------------


def test_regular_fit_fader_hardie_2007_years_1_to_7():
    """Fader & Hardie (2007): Regular, years 1-7, alpha 0.704 and beta 1.182."""
    fit = sbg_fit(REGULAR[:8])
    assert (round(fit.alpha, 3), round(fit.beta, 3)) == (0.704, 1.182)
    assert fit.converged
    assert (fit.n_customers, fit.n_periods) == (1000, 7)


def test_high_end_fit_fader_hardie_2007_years_1_to_7():
    """Fader & Hardie (2007): High End, alpha 0.668, beta 3.806, LL -1611.2."""
    fit = sbg_fit(HIGH_END[:8])
    assert (round(fit.alpha, 3), round(fit.beta, 3)) == (0.668, 3.806)
    assert round(fit.log_likelihood, 1) == -1611.2


def test_high_end_log_likelihood_at_one_one_fader_hardie_2007():
    """Fader & Hardie (2007): the High End log-likelihood is -2115.5 at (1, 1)."""
    assert round(sbg_log_likelihood(HIGH_END[:8], alpha=1.0, beta=1.0), 1) == -2115.5


def test_high_end_projection_is_close_to_the_held_out_years():
    """Fader & Hardie (2007): the 7-year fit projects years 8-12 within 5%."""
    fit = sbg_fit(HIGH_END[:8])
    projected = 1000 * sbg_survival(fit.alpha, fit.beta, np.arange(8, 13))
    np.testing.assert_allclose(projected, HIGH_END[8:], rtol=0.05)


def test_expected_lifetime_counts_period_zero_and_is_inf_below_alpha_one():
    """Fader & Hardie (2010): E[T] = (alpha+beta-1)/(alpha-1) only when alpha > 1."""
    assert sbg_expected_lifetime(3.0, 4.0) == pytest.approx(3.0)
    assert sbg_expected_lifetime(0.668, 3.806) == math.inf
    assert sbg_expected_lifetime(1.0, 3.0) == math.inf
    assert sbg_del(3.0, 4.0, 0.0) == pytest.approx(3.0)
    assert sbg_del(0.668, 3.806, 0.0) == math.inf


# --------------------------------------------------------------------------
# Model identities
# --------------------------------------------------------------------------


@given(parameters, parameters, st.integers(0, 60))
def test_survival_is_the_product_of_retention_rates(a: float, b: float, t: int):
    """Fader & Hardie (2007), eq. 3 and 4: S(t) = prod_{i=1..t} r(i)."""
    product = float(np.prod(sbg_retention(a, b, np.arange(1, t + 1)))) if t else 1.0
    assert sbg_survival(a, b, t) == pytest.approx(product, rel=1e-9)


@given(parameters, parameters, st.integers(1, 60))
def test_churn_probability_recursion_and_difference(a: float, b: float, t: int):
    """known-values.md 1: P(T=1) = a/(a+b); P(T=t) = (b+t-2)/(a+b+t-1) P(T=t-1)."""
    p = a / (a + b)
    for i in range(2, t + 1):
        p *= (b + i - 2) / (a + b + i - 1)
    assert sbg_churn_probability(a, b, t) == pytest.approx(p, rel=1e-9)
    difference = sbg_survival(a, b, t - 1) - sbg_survival(a, b, t)
    assert sbg_churn_probability(a, b, t) == pytest.approx(difference, abs=1e-12)


def brute_del(a: float, b: float, d: float, start: int = 0) -> float:
    """sum_{k >= 0} S(start + k) / S(start - 1) / (1 + d)^k, truncated far out."""
    k = np.arange(0, 20_000)
    base = 0.0 if start == 0 else float(np.log(sbg_survival(a, b, start - 1)))
    log_s = np.log(sbg_survival(a, b, start + k)) - base
    return float(np.exp(log_s - k * np.log1p(d)).sum())


@given(parameters, parameters, rates)
def test_del_equals_the_discounted_sum_of_survival(a: float, b: float, d: float):
    """Fader & Hardie (2010): DEL(d) = sum_{t>=0} S(t) / (1+d)^t = 2F1(...)."""
    assert sbg_del(a, b, d) == pytest.approx(brute_del(a, b, d), rel=1e-8)


@given(parameters, parameters, rates, st.integers(1, 30))
def test_derl_equals_the_discounted_residual_sum(a: float, b: float, d: float, n: int):
    """Fader & Hardie (2010): DERL for n-1 renewals, next payment undiscounted."""
    assert sbg_derl(a, b, d, n) == pytest.approx(brute_del(a, b, d, start=n), rel=1e-8)


@given(parameters, parameters, rates)
def test_del_is_one_plus_discounted_derl_of_the_first_renewal(
    a: float, b: float, d: float
):
    """Identity from the two definitions: DEL(d) = 1 + DERL(d, n=1) / (1 + d)."""
    assert sbg_del(a, b, d) == pytest.approx(
        1 + sbg_derl(a, b, d, 1) / (1 + d), rel=1e-12
    )


@given(st.floats(2.5, 10.0), parameters)
def test_expected_lifetime_is_the_undiscounted_sum(a: float, b: float):
    t = np.arange(0, 200_000)
    total = float(sbg_survival(a, b, t).sum())
    assert sbg_expected_lifetime(a, b) == pytest.approx(total, rel=1e-4)
    assert sbg_derl(a, b, 0.0, 3) == pytest.approx((b + 2) / (a - 1))


def test_model_functions_return_floats_for_scalars_and_broadcast_arrays():
    assert isinstance(sbg_survival(1.0, 2.0, 3), float)
    assert isinstance(sbg_del(1.0, 2.0, 0.1), float)
    grid = sbg_survival(np.array([[0.5], [2.0]]), 1.5, [1, 2, 3])
    assert isinstance(grid, np.ndarray)
    assert grid.shape == (2, 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: sbg_survival(0.0, 1.0, 2), "'alpha' must be > 0"),
        (lambda: sbg_survival(1.0, -1.0, 2), "'beta' must be > 0"),
        (lambda: sbg_survival(1.0, 1.0, -1), "'t' must be >= 0"),
        (lambda: sbg_retention(1.0, 1.0, 0), "'t' must be >= 1"),
        (lambda: sbg_survival(1.0, 1.0, 1.5), "'t' must be whole periods"),
        (lambda: sbg_del(1.0, 1.0, -0.1), "'discount_rate' must be >= 0"),
        (lambda: sbg_derl(1.0, 1.0, 0.1, 0), "'n' must be >= 1"),
        (lambda: sbg_survival(np.nan, 1.0, 1), "'alpha' must be finite"),
        (lambda: sbg_survival([1.0, 2.0], 1.0, [1, 2, 3]), "broadcastable"),
    ],
)
def test_model_functions_validate(call: object, match: str):
    with pytest.raises(ValueError, match=match):
        call()  # type: ignore[operator]


def test_model_functions_reject_text():
    with pytest.raises(TypeError, match="'alpha' must be numeric"):
        sbg_survival("1", 1.0, 1)  # type: ignore[call-overload]


# --------------------------------------------------------------------------
# Fitting: inputs, oracles
# --------------------------------------------------------------------------

COHORTS = [REGULAR[:8], [600, 390, 300, 240], [300, 200]]


def slow_log_likelihood(cohorts: list[list[int]], a: float, b: float) -> float:
    """The pooled likelihood written out: churn per period by the recursion,
    each cohort's survivors censored at its last period."""
    total = 0.0
    for alive in cohorts:
        p, survival = a / (a + b), 1.0
        for t in range(1, len(alive)):
            if t > 1:
                p *= (b + t - 2) / (a + b + t - 1)
            lost = alive[t - 1] - alive[t]
            if lost:
                total += lost * math.log(p)
            survival -= p
        total += alive[-1] * math.log(survival)
    return total


def test_cohort_censoring_fit_equals_the_slow_pooled_likelihood():
    fit = sbg_fit(COHORTS)
    assert fit.n_customers == 1900
    assert fit.n_periods == 7
    assert fit.log_likelihood == pytest.approx(
        slow_log_likelihood(COHORTS, fit.alpha, fit.beta), rel=1e-12
    )
    slow = minimize(
        lambda x: -slow_log_likelihood(COHORTS, *np.exp(x)),
        x0=np.log([2.0, 0.5]),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
    )
    np.testing.assert_allclose(np.exp(slow.x), [fit.alpha, fit.beta], rtol=1e-5)


def test_every_cohort_input_form_gives_the_same_fit():
    padded = np.full((3, 8), np.nan)
    for i, row in enumerate(COHORTS):
        padded[i, : len(row)] = row
    fits = [
        sbg_fit(COHORTS),
        sbg_fit(padded),
        sbg_fit(pd.DataFrame(padded)),
        sbg_fit([np.asarray(row) for row in COHORTS]),
    ]
    for other in fits[1:]:
        assert other == fits[0]


def _lifetimes(cohorts: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    durations, observed = [], []
    for alive in cohorts:
        for t in range(1, len(alive)):
            durations += [t] * (alive[t - 1] - alive[t])
            observed += [True] * (alive[t - 1] - alive[t])
        durations += [len(alive) - 1] * alive[-1]
        observed += [False] * alive[-1]
    return np.asarray(durations), np.asarray(observed)


def test_lifetimes_fit_equals_the_survivor_counts_fit():
    durations, observed = _lifetimes(COHORTS)
    by_lifetimes = sbg_fit_lifetimes(durations, observed)
    assert by_lifetimes == sbg_fit(COHORTS)


def test_lifetimes_per_group_equal_one_fit_per_group():
    rng = np.random.default_rng(7)
    durations, observed = _lifetimes(COHORTS)
    groups = rng.choice(["a", "b", "c"], size=len(durations))
    table = sbg_fit_lifetimes(durations, observed, groups=groups)
    assert table.columns.tolist() == list(FIT_COLUMNS)
    assert table.index.name == "group"
    for name in ["a", "b", "c"]:
        mask = groups == name
        alone = sbg_fit_lifetimes(durations[mask], observed[mask])
        row = table.loc[name]
        assert row["alpha"] == alone.alpha
        assert row["se_beta"] == alone.se_beta
        assert row["n_customers"] == alone.n_customers == mask.sum()
        assert bool(row["converged"])


def test_lifetimes_with_several_group_columns():
    durations, observed = _lifetimes(COHORTS)
    frame = pd.DataFrame(
        {
            "plan": np.where(np.arange(len(durations)) % 2, "pro", "basic"),
            "region": np.where(np.arange(len(durations)) % 3, "eu", "us"),
        }
    )
    table = sbg_fit_lifetimes(durations, observed, groups=frame)
    assert table.index.names == ["plan", "region"]
    assert table["n_customers"].sum() == len(durations)


def test_group_without_churn_cannot_be_fitted():
    table = sbg_fit_lifetimes([1, 2, 3, 4], [1, 1, 0, 0], groups=["a", "a", "b", "b"])
    assert math.isnan(table.loc["b", "alpha"])
    assert not table.loc["b", "converged"]


def test_constant_churn_drives_parameters_to_the_bound_and_is_flagged():
    """Geometric data (no heterogeneity): the MLE runs off to alpha, beta -> inf."""
    alive = [100_000, 50_000, 25_000, 12_500, 6_250]
    fit = sbg_fit(alive)
    assert not fit.converged
    assert fit.alpha > 1e3
    assert math.isnan(fit.se_alpha)
    assert not sbg_fit([1000, 0]).converged  # everyone churns at once


def _numeric_information(alive: list[int], a: float, b: float) -> np.ndarray:
    """Minus the Hessian of the slow log-likelihood in (log a, log b)."""
    h = 1e-4
    x0 = np.log([a, b])

    def f(x: np.ndarray) -> float:
        return slow_log_likelihood([alive], *np.exp(x))

    hessian = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hessian[i, j] = (
                f(x0 + ei + ej) - f(x0 + ei - ej) - f(x0 - ei + ej) + f(x0 - ei - ej)
            ) / (4 * h * h)
    return -hessian


def test_covariance_is_the_inverse_numerical_information_on_log_scale():
    fit = sbg_fit(HIGH_END[:8])
    numeric = np.linalg.inv(_numeric_information(HIGH_END[:8], fit.alpha, fit.beta))
    np.testing.assert_allclose(np.array(fit.covariance), numeric, rtol=1e-4)
    assert fit.se_alpha == pytest.approx(fit.alpha * math.sqrt(numeric[0, 0]), rel=1e-4)


def test_fit_recovers_simulated_parameters_within_two_standard_errors():
    """20 simulated data sets (seeded) from known (alpha, beta): the estimate is
    within 2 standard errors in most of them (about 95% expected)."""
    rng = np.random.default_rng(20240601)
    alpha, beta, horizon = 0.8, 2.5, 12
    hits_a = hits_b = 0
    for _ in range(20):
        theta = rng.beta(alpha, beta, size=3000)
        lifetime = rng.geometric(theta)
        fit = sbg_fit_lifetimes(np.minimum(lifetime, horizon), lifetime <= horizon)
        assert fit.converged
        hits_a += abs(fit.alpha - alpha) < 2 * fit.se_alpha
        hits_b += abs(fit.beta - beta) < 2 * fit.se_beta
    assert hits_a >= 16
    assert hits_b >= 16


# --------------------------------------------------------------------------
# Fitting: validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("alive", "match"),
    [
        (
            [1000, 631, 700],
            r"'alive' must not increase over periods: 1 value .*\(0, 1\)",
        ),
        ([1000, -1], "'alive' must be >= 0"),
        ([100, 63.1, 46.8], "'alive' must be whole counts"),
        ([[100, np.nan, 50]], "'alive' must have NaN only after the last count"),
        ([[np.nan, 50]], "'alive' must start with a count at period 0"),
        ([1000, np.inf], "'alive' must be finite"),
    ],
)
def test_sbg_fit_rejects_bad_counts(alive: object, match: str):
    with pytest.raises(ValueError, match=match):
        sbg_fit(alive)  # type: ignore[arg-type]


def test_sbg_fit_rejects_text():
    with pytest.raises(TypeError, match="'alive' must be numeric"):
        sbg_fit(["1000", "600"])


def test_sbg_fit_lifetimes_validation():
    with pytest.raises(ValueError, match=r"'durations' must be whole periods: 1 value"):
        sbg_fit_lifetimes([1, 2.5], [1, 1])
    with pytest.raises(ValueError, match=r"'durations' must be >= 1 for churn.*\[1\]"):
        sbg_fit_lifetimes([1, 0], [1, 1])
    with pytest.raises(ValueError, match="'observed' has 1"):
        sbg_fit_lifetimes([1, 2], [1])


# --------------------------------------------------------------------------
# Uncertainty
# --------------------------------------------------------------------------


def test_survival_interval_is_reproducible_and_brackets_the_estimate():
    fit = sbg_fit(HIGH_END[:8])
    one = sbg_survival_interval(fit, [0, 1, 7, 12], seed=3, n_draws=4000)
    two = sbg_survival_interval(fit, [0, 1, 7, 12], seed=3, n_draws=4000)
    pd.testing.assert_frame_equal(one, two)
    other = sbg_survival_interval(fit, [0, 1, 7, 12], seed=4, n_draws=4000)
    assert not one.equals(other)
    assert one.index.name == "period"
    assert one.loc[0].tolist() == [1.0, 1.0, 1.0]
    assert (one["lower"] <= one["survival"]).all()
    assert (one["survival"] <= one["upper"]).all()
    expected = sbg_survival(fit.alpha, fit.beta, [0, 1, 7, 12])
    np.testing.assert_allclose(one["survival"], expected)


def test_survival_interval_covers_the_held_out_high_end_years():
    """Fader & Hardie (2007) data: years 8-12 lie in (or near) the projected band."""
    fit = sbg_fit(HIGH_END[:8])
    band = sbg_survival_interval(fit, range(8, 13), seed=0)
    actual = np.asarray(HIGH_END[8:]) / 1000
    assert ((band["lower"] - 0.02 <= actual) & (actual <= band["upper"] + 0.02)).all()


def test_interval_width_shrinks_with_more_customers():
    small = sbg_fit([100, 63, 47, 38, 33])
    large = sbg_fit([10000, 6300, 4700, 3800, 3300])
    width = [
        float((sbg_survival_interval(f, 10, seed=1).eval("upper - lower")).iloc[0])
        for f in (small, large)
    ]
    assert width[1] < width[0] / 3


def test_del_interval_columns_and_infinite_upper_at_zero_discount():
    fit = sbg_fit(HIGH_END[:8])  # alpha < 1: undiscounted lifetime is infinite
    band = sbg_del_interval(fit, [0.0, 0.1], seed=5)
    assert band.columns.tolist() == ["del", "lower", "upper"]
    assert band.index.name == "discount_rate"
    assert band.loc[0.0, "del"] == math.inf
    assert band.loc[0.0, "upper"] == math.inf
    assert band.loc[0.1, "lower"] <= band.loc[0.1, "del"] <= band.loc[0.1, "upper"]


def test_intervals_are_nan_without_a_covariance():
    fit = SbgFit(
        alpha=1.0,
        beta=2.0,
        log_likelihood=-1.0,
        covariance=((math.nan, math.nan), (math.nan, math.nan)),
        n_customers=10,
        n_periods=3,
        converged=False,
    )
    band = sbg_survival_interval(fit, [1, 2], seed=0)
    assert band["lower"].isna().all()
    assert band["survival"].notna().all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"level": 1.0}, ValueError, "'level' must be in"),
        ({"n_draws": 1}, ValueError, "'n_draws' must be >= 2"),
        ({"seed": "x"}, TypeError, "'seed' must be"),
        ({"seed": None}, TypeError, "'seed' must be"),
    ],
)
def test_interval_arguments_are_validated(kwargs: dict, error: type, match: str):
    fit = sbg_fit(REGULAR[:8])
    arguments = {"seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        sbg_survival_interval(fit, [1], **arguments)


def test_fit_repr_does_not_name_the_module():
    fit = sbg_fit(REGULAR[:8])
    assert repr(fit).startswith("SbgFit(alpha=0.70")
    assert "subscription_metrics" not in repr(fit)
    with pytest.raises(AttributeError):
        fit.alpha = 1.0  # type: ignore[misc]
