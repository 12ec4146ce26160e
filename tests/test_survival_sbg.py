"""Shifted-beta-geometric model: published fits, identities, recovery, oracles."""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import subscription_metrics._sbg as sbg
from subscription_metrics import (
    BoundaryFitWarning,
    ConvergenceWarning,
    SbgFit,
    SubscriptionMetricsWarning,
)
from subscription_metrics._sbg import _LOG_BOUND as LOG_BOUND
from subscription_metrics._sbg import _Counts, _fit_counts, _Terms
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


@pytest.mark.slow
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
    # Only group a is warned about: b's NaN says there was nothing to fit.
    with pytest.warns(SubscriptionMetricsWarning, match="1 of 2 groups"):
        table = sbg_fit_lifetimes(
            [1, 2, 3, 4], [1, 1, 0, 0], groups=["a", "a", "b", "b"]
        )
    assert math.isnan(table.loc["b", "alpha"])
    assert not table.loc["b", "converged"]


def test_constant_churn_drives_parameters_to_the_bound_and_is_flagged():
    """Geometric data (no heterogeneity): the MLE runs off to alpha, beta -> inf."""
    alive = [100_000, 50_000, 25_000, 12_500, 6_250]
    with pytest.warns(BoundaryFitWarning, match="ran to the parameter bound"):
        fit = sbg_fit(alive)
    assert not fit.converged
    assert fit.alpha > 1e3
    assert math.isnan(fit.se_alpha)
    with pytest.warns(BoundaryFitWarning):
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


# --------------------------------------------------------------------------
# Batched fits: many groups in one Newton iteration
# --------------------------------------------------------------------------


@st.composite
def cohort_groups(draw: st.DrawFn) -> list[list[int]]:
    """Survivor counts of 2-6 groups observed for 1-10 periods each: steady,
    falling or rising churn, no churn at all, or everyone gone."""
    groups = []
    for _ in range(draw(st.integers(2, 6))):
        alive = [draw(st.integers(1, 3000))]
        for _ in range(draw(st.integers(1, 10))):
            kept = draw(st.floats(0.0, 1.0) | st.sampled_from([0.0, 0.5, 1.0]))
            alive.append(math.floor(alive[-1] * kept))
        groups.append(alive)
    return groups


def _count_matrix(
    groups: list[list[int]],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Churn per period (column 0 unused) and survivors, one row per group."""
    width = max(len(alive) for alive in groups)
    lost, survivors = np.zeros((len(groups), width)), np.zeros((len(groups), width))
    for g, alive in enumerate(groups):
        lost[g, 1 : len(alive)] = -np.diff(alive)
        survivors[g, len(alive) - 1] = alive[-1]
    return lost, survivors


Lifetimes: TypeAlias = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]
]


def _group_lifetimes(groups: list[list[int]]) -> Lifetimes:
    durations, observed, labels = [], [], []
    for g, alive in enumerate(groups):
        d, o = _lifetimes([alive])
        durations.append(d)
        observed.append(o)
        labels.append(np.full(len(d), g))
    return (
        np.concatenate(durations).astype(np.int64),
        np.concatenate(observed).astype(np.bool_),
        np.concatenate(labels).astype(np.int64),
    )


def _kkt_gradient(
    counts: _Counts, theta: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Mean-log-likelihood gradient that could still improve each fit: a
    coordinate on a bound only counts if its gradient points into the box."""
    _, gradient, _ = counts.derivatives(theta)
    gradient = gradient / counts.n_customers[:, None]
    on_bound = np.abs(theta) == LOG_BOUND
    outward = np.sign(gradient) == np.sign(theta)
    return np.where(on_bound & outward, 0.0, gradient)


@pytest.mark.slow
@given(cohort_groups())
def test_batched_fits_equal_one_sbg_fit_per_group(groups: list[list[int]]) -> None:
    """Batching changes no group's numbers: sbg_fit_lifetimes per group (one
    batch, padded to the longest group) equals sbg_fit of each group alone,
    bit for bit, converged or not."""
    durations, observed, labels = _group_lifetimes(groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = sbg_fit_lifetimes(durations, observed, groups=labels)
    # One warning per kind and call, for the fits with churn that failed.
    kinds = [w.category for w in caught]
    assert len(kinds) == len(set(kinds))
    assert set(kinds) <= {BoundaryFitWarning, ConvergenceWarning}
    failed = table["alpha"].notna() & ~table["converged"].astype(bool)
    assert bool(kinds) == bool(failed.any())
    for g, alive in enumerate(groups):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SubscriptionMetricsWarning)
            alone = sbg_fit(alive)
        row = table.loc[g]
        got = [row[c] for c in FIT_COLUMNS]
        expected = [getattr(alone, c) for c in FIT_COLUMNS]
        np.testing.assert_array_equal(np.array(got, float), np.array(expected, float))
        assert math.exp(-LOG_BOUND) <= alone.alpha <= math.exp(LOG_BOUND) or (
            math.isnan(alone.alpha)
        )


@pytest.mark.slow
@given(cohort_groups())
def test_batched_fits_match_the_scipy_fit_of_each_group(
    groups: list[list[int]],
) -> None:
    """Oracle: the one-group L-BFGS-B fit (`_Terms.fit`, the fallback). The
    batch never ends lower on the (accurate) likelihood, stops where no
    coordinate can improve it, and where both converge agrees with it within
    1e-4 standard errors; an ill-determined fit is where the two differ."""
    lost, survivors = _count_matrix(groups)
    batch = _fit_counts(lost, survivors)
    counts = _Counts.of(lost, survivors)
    for g in range(len(groups)):
        reference = _Terms.of(lost[g], survivors[g]).fit()
        mine = batch.fit(g)
        assert (mine.n_customers, mine.n_periods) == (
            reference.n_customers,
            reference.n_periods,
        )
        if math.isnan(reference.alpha):
            assert math.isnan(mine.alpha)
            assert not mine.converged
            continue
        one = counts.take(np.array([g]))
        theta = np.log([[mine.alpha, mine.beta], [reference.alpha, reference.beta]])
        ll = one.take(np.array([0, 0])).log_likelihood(theta) / one.n_customers[0]
        assert ll[0] >= ll[1] - 1e-12
        assert np.abs(_kkt_gradient(one, theta[:1])).max() < 1e-9
        if mine.converged and reference.converged:
            se = np.sqrt(np.diag(np.array(mine.covariance)))
            np.testing.assert_array_less(np.abs(theta[0] - theta[1]), 1e-4 * se)


@pytest.mark.slow
@given(cohort_groups(), st.floats(-3.0, 3.0), st.floats(-3.0, 5.0))
def test_batched_derivatives_equal_the_digamma_trigamma_ones(
    groups: list[list[int]], log_a: float, log_b: float
) -> None:
    """The binomial-form log-likelihood, gradient and Hessian (no special
    functions) equal the betaln / digamma / trigamma ones of `_Terms`."""
    lost, survivors = _count_matrix(groups)
    counts = _Counts.of(lost, survivors)
    theta = np.tile([log_a, log_b], (len(groups), 1))
    ll, gradient, hessian = counts.derivatives(theta)
    np.testing.assert_allclose(counts.log_likelihood(theta), ll, rtol=1e-13)
    a, b = math.exp(log_a), math.exp(log_b)
    for g in range(len(groups)):
        terms = _Terms.of(lost[g], survivors[g])
        ll_ref, gradient_ref, hessian_ref = terms.derivatives(a, b)
        size = max(terms.n_customers, 1)
        assert ll[g] == pytest.approx(ll_ref, rel=1e-9, abs=1e-9 * size)
        np.testing.assert_allclose(gradient[g], gradient_ref, atol=1e-9 * size)
        expected = [hessian_ref[0, 0], hessian_ref[0, 1], hessian_ref[1, 1]]
        np.testing.assert_allclose(hessian[g], expected, atol=1e-9 * size)


def _exact_mean_gradient(alive: list[int], a: float, b: float) -> list[float]:
    """d(mean log-likelihood)/d(log alpha, log beta) in exact rational
    arithmetic at the floats a, b: sum over renewal decisions i of
    lost_i / alpha - at_risk_i / s_i and renewed_i / b_i - at_risk_i / s_i."""
    alpha, beta = Fraction(a), Fraction(b)
    grad_a = grad_b = Fraction(0)
    for i in range(1, len(alive)):
        at_risk, lost = alive[i - 1], alive[i - 1] - alive[i]
        s, b_i = alpha + beta + i - 1, beta + i - 1
        grad_a += Fraction(lost) / alpha - Fraction(at_risk) / s
        grad_b += Fraction(at_risk - lost) / b_i - Fraction(at_risk) / s
    return [float(alpha * grad_a / alive[0]), float(beta * grad_b / alive[0])]


@pytest.mark.parametrize("alive", [REGULAR[:8], HIGH_END[:8]])
def test_published_fits_are_stationary_in_exact_arithmetic(alive: list[int]) -> None:
    """Fader & Hardie (2007) data: the gradient at the returned floats,
    computed with fractions, vanishes to rounding (the former L-BFGS-B fit
    of High End stopped at 3e-9, 1.4e-7 away in alpha)."""
    fit = sbg_fit(alive)
    assert np.abs(_exact_mean_gradient(alive, fit.alpha, fit.beta)).max() < 1e-14
    assert sbg_log_likelihood(alive, fit.alpha, fit.beta) == fit.log_likelihood


def test_single_period_identifies_only_the_mean_and_is_flagged() -> None:
    """One period fixes alpha / (alpha + beta) = the churn share, along a ridge
    of equal likelihood: no covariance, not converged (the L-BFGS-B fit
    reported converged with a 1e12 variance, from rounding)."""
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        fit = sbg_fit([1000, 600])
    assert fit.alpha / (fit.alpha + fit.beta) == pytest.approx(0.4, rel=1e-12)
    assert not fit.converged
    assert math.isnan(fit.se_alpha)
    assert math.isnan(fit.covariance[0][1])
    lost, survivors = _count_matrix([[1000, 600], [50, 20]])
    assert _fit_counts(lost, survivors).fallback == 0


def test_edge_groups_in_one_batch() -> None:
    """No churn, no customers, everyone lost in period 1, constant churn and a
    normal group, fitted together; none needs the fallback."""
    groups = [
        [100, 100, 100],  # no churn: nothing to fit
        [0, 0],  # no customers
        [1000, 0],  # all churn in period 1: beta / alpha -> 0
        [100_000, 50_000, 25_000, 12_500, 6_250],  # geometric: to the bound
        REGULAR[:8],
    ]
    lost, survivors = _count_matrix(groups)
    batch = _fit_counts(lost, survivors)
    assert batch.fallback == 0
    assert batch.converged.tolist() == [False, False, False, False, True]
    assert np.isnan(batch.alpha[:2]).all()
    assert batch.log_likelihood[0] == 0.0
    assert math.isnan(batch.log_likelihood[1])
    assert batch.beta[2] / batch.alpha[2] < 1e-9
    assert batch.log_likelihood[2] == pytest.approx(0.0, abs=1e-6)
    assert max(np.log(batch.alpha[3]), np.log(batch.beta[3])) == LOG_BOUND
    assert np.isnan(batch.covariance[:4]).all()
    assert batch.n_periods.tolist() == [2, 0, 1, 4, 7]
    for g, alive in enumerate(groups):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SubscriptionMetricsWarning)
            alone = sbg_fit(alive)
        assert repr(batch.fit(g)) == repr(alone)


def test_groups_the_batch_cannot_finish_fall_back_to_scipy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With one Newton iteration allowed no group finishes: each is fitted
    alone by L-BFGS-B, counted, and reported like the others."""
    groups = [REGULAR[:8], HIGH_END[:8], [600, 390, 300, 240], [100, 100]]
    lost, survivors = _count_matrix(groups)
    monkeypatch.setattr(sbg, "_MAX_ITERATIONS", 1)
    batch = _fit_counts(lost, survivors)
    assert batch.fallback == 3  # the group without churn needs no fit
    for g in range(3):
        reference = _Terms.of(lost[g], survivors[g]).fit()
        assert batch.alpha[g] == pytest.approx(reference.alpha, rel=1e-13)
        assert batch.beta[g] == pytest.approx(reference.beta, rel=1e-13)
        assert batch.converged[g]
        assert reference.converged
    monkeypatch.undo()
    assert _fit_counts(lost, survivors).fallback == 0


def _simulated_groups(
    rng: np.random.Generator, n_groups: int, *, messy: bool
) -> Lifetimes:
    """Lifetimes of customers in `n_groups` groups (reps, segments): each
    group's churn probabilities ~ Beta(alpha, beta), customers acquired over
    the last 1-36 months (right-censored now). `messy` mixes in groups
    without heterogeneity (geometric), tiny groups and short histories."""
    durations, observed, labels = [], [], []
    for g in range(n_groups):
        alpha, beta = rng.uniform(0.3, 3.0), rng.uniform(1.0, 20.0)
        size, months, constant = int(rng.integers(300, 2000)), 36, False
        if messy:
            size = int(rng.choice([3, 10, 30, 300, 2000]))
            months = int(rng.choice([1, 2, 3, 12, 36]))
            constant = bool(rng.random() < 0.3)  # no heterogeneity: runs off
        theta = (
            np.full(size, rng.uniform(0.01, 0.3))
            if constant
            else rng.beta(alpha, beta, size)
        )
        life = rng.geometric(np.clip(theta, 1e-9, 1.0))
        seen = rng.integers(1, months + 1, size)
        durations.append(np.minimum(life, seen))
        observed.append(life <= seen)
        labels.append(np.full(size, g))
    return (
        np.concatenate(durations).astype(np.int64),
        np.concatenate(observed).astype(np.bool_),
        np.concatenate(labels).astype(np.int64),
    )


def test_decision_by_decision_sums_equal_the_cumulative_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Large batches sum the cells decision by decision (contiguous vectors),
    small ones along a cumulative sum over the periods: the same numbers to
    the bit, for every group, with and without picked rows."""
    rng = np.random.default_rng(3)
    lost = rng.poisson(2.0, (300, 13)).astype(np.float64)
    lost[:, 0] = 0
    survivors = rng.poisson(1.0, (300, 13)).astype(np.float64)
    survivors[rng.random(300) < 0.2, 9:] = 0  # shorter groups: zero padding
    counts = _Counts.of(lost, survivors)
    theta = rng.normal([0.5, 2.0], 2.0, (300, 2))
    rows = rng.permutation(300)[:280]
    results = []
    for threshold in (10**9, 1):
        monkeypatch.setattr(sbg, "_DECISION_BY_DECISION", threshold)
        ll, gradient, hessian = counts.derivatives(theta)
        picked = counts.derivatives(theta[rows], rows)
        results.append(
            [
                ll,
                gradient,
                hessian,
                counts.log_likelihood(theta),
                counts.log_likelihood(theta[rows], rows),
                *picked,
            ]
        )
    for cumulative, stepwise in zip(*results, strict=True):
        assert cumulative.tobytes() == stepwise.tobytes()
    assert results[0][5].tobytes() == results[0][0][rows].tobytes()


def test_a_thousand_groups_run_as_one_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """1,000 well-behaved simulated groups (seeded): every one finishes in the
    batch, so the per-group scipy fit never runs, and the likelihood and its
    derivatives are evaluated a bounded number of times whatever the number
    of groups (no Python loop per group)."""
    durations, observed, labels = _simulated_groups(
        np.random.default_rng(20261123), 1000, messy=False
    )
    calls = {"derivatives": 0}
    derivatives = _Counts.derivatives

    def counted(
        self: _Counts,
        theta: npt.NDArray[np.float64],
        rows: npt.NDArray[np.int64] | None = None,
        *,
        with_likelihood: bool = True,
    ) -> tuple[npt.NDArray[np.float64], ...]:
        calls["derivatives"] += 1
        return derivatives(self, theta, rows, with_likelihood=with_likelihood)

    def no_scipy(self: _Terms) -> SbgFit:
        msg = "a group fell back to the one-group fit"
        raise AssertionError(msg)

    monkeypatch.setattr(_Counts, "derivatives", counted)
    monkeypatch.setattr(_Terms, "fit", no_scipy)
    table = sbg_fit_lifetimes(durations, observed, groups=labels)
    assert len(table) == 1000
    assert calls["derivatives"] <= sbg._MAX_ITERATIONS + 1
    assert table["converged"].mean() > 0.95
    fits, _ = sbg._lifetime_batch(durations, observed, labels)
    assert fits.fallback == 0


def test_fallback_is_rare_on_messy_realistic_groups() -> None:
    """1,000 simulated groups (seeded) with tiny groups, one- to three-month
    histories and constant churn (the estimate runs to the bound): at most
    a handful need the one-group fit (1 with this seed), the batch stops
    where no coordinate can improve the likelihood, and on a sample of
    groups it is at least as likely as the L-BFGS-B fit."""
    durations, observed, labels = _simulated_groups(
        np.random.default_rng(7), 1000, messy=True
    )
    width = int(durations.max()) + 1
    cell = labels * width + durations
    lost, survivors = (
        np.bincount(cell[mask], minlength=1000 * width)
        .reshape(1000, width)
        .astype(np.float64)
        for mask in (observed, ~observed)
    )
    batch = _fit_counts(lost, survivors)
    fits, _ = sbg._lifetime_batch(durations, observed, labels)
    np.testing.assert_array_equal(fits.alpha, batch.alpha)
    assert batch.fallback <= 5
    assert (~batch.converged).sum() > 100  # the data are messy indeed
    theta = np.log(np.stack([batch.alpha, batch.beta], axis=1))
    counts = _Counts.of(lost, survivors)
    stuck = np.abs(_kkt_gradient(counts, theta)).max(axis=1) >= 1e-9
    assert stuck.sum() <= batch.fallback
    for g in np.random.default_rng(0).choice(1000, 30, replace=False):
        reference = _Terms.of(lost[g], survivors[g]).fit()
        if math.isnan(reference.alpha):  # no churn
            assert math.isnan(batch.alpha[g])
            continue
        both = np.log(
            [[batch.alpha[g], batch.beta[g]], [reference.alpha, reference.beta]]
        )
        ll = counts.take(np.array([g, g])).log_likelihood(both)
        assert ll[0] >= ll[1] - 1e-12 * counts.n_customers[g]


# --------------------------------------------------------------------------
# Methods of a fit
# --------------------------------------------------------------------------


def _fit_at(a: float, b: float) -> SbgFit:
    return SbgFit(
        alpha=a,
        beta=b,
        log_likelihood=-1.0,
        covariance=((0.01, 0.0), (0.0, 0.01)),
        n_customers=100,
        n_periods=5,
        converged=True,
    )


@pytest.mark.slow
@given(parameters, parameters, st.integers(1, 60), st.floats(0.0, 1.0))
def test_fit_methods_equal_the_plain_functions(a: float, b: float, t: int, d: float):
    """Each method is the plain function at the fit's (alpha, beta), exactly."""
    fit = _fit_at(a, b)
    periods = np.arange(0, t + 1)

    assert fit.survival(t) == sbg_survival(a, b, t)
    np.testing.assert_array_equal(fit.survival(periods), sbg_survival(a, b, periods))
    assert fit.retention(t) == sbg_retention(a, b, t)
    np.testing.assert_array_equal(
        fit.retention(periods + 1), sbg_retention(a, b, periods + 1)
    )
    assert fit.churn_probability(t) == sbg_churn_probability(a, b, t)
    assert fit.expected_lifetime() == sbg_expected_lifetime(a, b)
    assert fit.del_(d) == sbg_del(a, b, d)
    assert fit.derl(d, t) == sbg_derl(a, b, d, t)


def test_fit_methods_on_the_regular_fit_fader_hardie_2007():
    """The methods of a real fit give its published projections and floats."""
    fit = sbg_fit(REGULAR[:8])

    survival = fit.survival(12)

    assert isinstance(survival, float)
    assert survival == sbg_survival(fit.alpha, fit.beta, 12)
    assert fit.del_([0.0, 0.1]).shape == (2,)


def test_fit_methods_validate_like_the_functions():
    """A bad period is refused with the plain function's message."""
    fit = _fit_at(1.0, 1.0)

    with pytest.raises(ValueError, match="'t'"):
        fit.retention(0)
    with pytest.raises(ValueError, match="'discount_rate'"):
        fit.del_(-0.1)


def test_line_search_at_once_gives_the_bits_of_halving_one_by_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The batched fit's shortcut for the last few searching groups (every
    remaining step size in one call) ends where halving one call at a time
    ends, to the bit, on messy groups whose searches run long."""
    durations, observed, labels = _simulated_groups(
        np.random.default_rng(11), 300, messy=True
    )
    fast, _ = sbg._lifetime_batch(durations, observed, labels)
    monkeypatch.setattr(sbg, "_SEARCH_AT_ONCE", -1)  # never at once
    slow, _ = sbg._lifetime_batch(durations, observed, labels)
    assert fast.alpha.tobytes() == slow.alpha.tobytes()
    assert fast.beta.tobytes() == slow.beta.tobytes()
    assert fast.log_likelihood.tobytes() == slow.log_likelihood.tobytes()
