"""The shifted-beta-geometric (sBG) model of contractual retention.

Fader & Hardie (2007): each customer renews every period with its own
probability ``1 - theta``, constant over time, and ``theta`` varies across
customers as ``Beta(alpha, beta)``. The lifetime ``T`` (periods paid, >= 1) is
then shifted-beta-geometric. Heterogeneity alone makes the cohort's retention
rise with tenure, ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)``: the
customers likely to churn leave first.

Fits maximise the likelihood over ``(log alpha, log beta)`` with an analytic
gradient and observed information, by a damped Newton iteration that runs for
all groups at once on a (groups x periods) table of counts; counting customers
per period is vectorised too. A group the batch cannot finish (rare) is refitted
alone with scipy's L-BFGS-B.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen
from scipy.special import betaln, digamma, hyp2f1, polygamma

from . import _display
from ._kernels import usable_cpus
from ._km import (
    BoolArray,
    GroupsLike,
    IntArray,
    check_lengths,
    flags,
    group_codes,
    numbers,
)
from ._km import offending as _offending
from ._validation import check_level
from ._warnings import BoundaryFitWarning, ConvergenceWarning

__all__ = [
    "FIT_COLUMNS",
    "SbgFit",
    "sbg_churn_probability",
    "sbg_del",
    "sbg_del_interval",
    "sbg_derl",
    "sbg_expected_lifetime",
    "sbg_fit",
    "sbg_fit_lifetimes",
    "sbg_log_likelihood",
    "sbg_retention",
    "sbg_survival",
    "sbg_survival_interval",
]

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
Covariance: TypeAlias = "tuple[tuple[float, float], tuple[float, float]]"
AliveLike: TypeAlias = (
    "npt.ArrayLike | pd.Series[Any] | pd.DataFrame | Sequence[npt.ArrayLike]"
)

FIT_COLUMNS: Final = (
    "alpha",
    "beta",
    "se_alpha",
    "se_beta",
    "log_likelihood",
    "n_customers",
    "n_periods",
    "converged",
)
"""Columns of the per-group table `sbg_fit_lifetimes` returns, in order."""

_LOG_BOUND: Final = 15.0  # |log alpha|, |log beta| <= 15: 3e-7 .. 3e6
_GRADIENT_TOL: Final = 1e-7  # on the gradient of the mean log-likelihood
_HYP2F1_MAX_BETA: Final = 50.0  # scipy's hyp2f1 is exact up to here (DEL)
_SERIES_BLOCK: Final = 4096  # DEL series terms added between convergence checks
_SERIES_CELLS: Final = 1 << 22  # at most this many terms held at once
_SERIES_MAX_TERMS: Final = 1 << 24
# The batched Newton iteration (`_newton_batch`), on the mean log-likelihood:
_MAX_ITERATIONS: Final = 100
_HALVINGS: Final = 60  # step halvings in a line search before giving up
_MAX_STEP: Final = 5.0  # largest move of log alpha or log beta in one step
_ARMIJO: Final = 1e-4  # share of the predicted increase a step must deliver
_STEP_TOL: Final = 1e-10  # done after a Newton step this small
_LOCAL_STEP: Final = 1e-4  # Newton steps this small skip the line search
_SNAP: Final = 1e-9  # a step ending this close to a bound ends on it
_FLAT: Final = 1e-14  # a gradient this small along a ridge is rounding
_NOISE_GRADIENT: Final = 1e-9  # no step helps and the gradient is this small
_DEFINITE: Final = 1e-12  # smallest / largest eigenvalue for a plain Newton step
_TINY: Final = 1e-300


@frozen(kw_only=True)
class SbgFit:
    """
    A maximum-likelihood fit of the shifted-beta-geometric model.

    Attributes
    ----------
    alpha, beta : float
        The Beta(alpha, beta) distribution of the per-period churn
        probability across customers. Its mean ``alpha / (alpha + beta)``
        is the expected churn in the first period; a small ``alpha + beta``
        means very different customers (strong heterogeneity).
    log_likelihood : float
        The log-likelihood at the estimate (natural log; the multinomial
        constant left out, as in Fader & Hardie 2007).
    covariance : tuple of tuple of float
        The 2 x 2 covariance of ``(log alpha, log beta)``: the inverse of
        the observed information (the Hessian of the negative
        log-likelihood) on the log scale, where the estimate is closer to
        normal and stays positive. NaN when the information is not
        positive definite beyond rounding (the fit did not converge).
    n_customers : int
        Customers in the data (everyone in period 0).
    n_periods : int
        The longest observation, in periods.
    converged : bool
        Whether the optimiser reached a point where the gradient vanishes,
        inside the bounds ``exp(+-15)``. When data cannot tell the
        parameters apart (no churn at all, churn that does not vary
        across customers, where ``alpha`` and ``beta`` grow without bound,
        or a single period, which fixes only ``alpha / (alpha + beta)``)
        this is False and the estimate should not be used as
        ``(alpha, beta)``; at the geometric limit `mean_churn` and
        `polarisation` still describe it.
    lost, censored : tuple of float
        The data behind the fit, pooled over cohorts: ``lost[t]`` customers
        churned in period ``t`` (``lost[0]`` is 0) and ``censored[t]`` were
        last seen active after ``t`` periods. `sbg_survival_interval` and
        `sbg_del_interval` simulate from them; a fit built by hand has none
        (empty tuples) and gets no interval. Not compared by ``==``.

    Notes
    -----
    Standard errors use the delta method from the log scale:
    ``se_alpha = alpha * sqrt(covariance[0][0])``.

    The same model in other coordinates: the mean churn ``m = alpha /
    (alpha + beta)`` (the churn of the first renewal, and of every renewal
    when customers do not differ) and the polarisation ``phi = 1 / (alpha +
    beta + 1)``, the share of the variance of a customer's churn probability
    that differs between customers, in [0, 1). ``phi -> 0`` is the geometric
    limit, where every customer churns with probability ``m``; there
    ``alpha`` and ``beta`` run off to infinity while ``(m, phi)`` stay put.
    The renewal ``i`` churns a share ``m (1 - phi) / (1 + (i - 2) phi)`` of
    the customers facing it.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_fit
    >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> round(fit.alpha, 3), round(fit.beta, 3), fit.n_customers, fit.n_periods
    (0.704, 1.182, 1000, 7)
    >>> round(fit.se_alpha, 3), fit.converged
    (0.066, True)
    """

    alpha: float
    beta: float
    log_likelihood: float
    covariance: Covariance
    n_customers: int
    n_periods: int
    converged: bool
    lost: tuple[float, ...] = field(default=(), eq=False)
    censored: tuple[float, ...] = field(default=(), eq=False)

    @property
    def mean_churn(self) -> float:
        """
        The mean churn ``alpha / (alpha + beta)``, or the geometric limit's.

        At the geometric limit (the fit ran to its upper bound because
        churn does not vary across customers) it is the constant churn
        rate, churned over renewals faced. NaN without a churn.

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> round(sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241]).mean_churn, 3)
        0.373
        """
        return _coordinates(self)[0]

    @property
    def polarisation(self) -> float:
        """
        The polarisation ``1 / (alpha + beta + 1)``: 0 at the geometric limit.

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> round(sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241]).polarisation, 3)
        0.346
        """
        return _coordinates(self)[1]

    @property
    def se_alpha(self) -> float:
        """Standard error of `alpha` (delta method from the log scale)."""
        return self.alpha * math.sqrt(self.covariance[0][0])

    @property
    def se_beta(self) -> float:
        """Standard error of `beta` (delta method from the log scale)."""
        return self.beta * math.sqrt(self.covariance[1][1])

    def _summary(self) -> dict[str, object]:
        return {
            "alpha": self.alpha,
            "beta": self.beta,
            "se_alpha": self.se_alpha,
            "se_beta": self.se_beta,
            "log_likelihood": self.log_likelihood,
            "n_customers": self.n_customers,
            "n_periods": self.n_periods,
            "converged": self.converged,
        }

    def __repr__(self) -> str:
        """
        Return the estimates and their standard errors, rounded for reading.

        The fields keep every digit; read them for further computation.

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        ... # doctest: +NORMALIZE_WHITESPACE
        SbgFit(alpha=0.7041, beta=1.182, se_alpha=0.0656, se_beta=0.1525,
               log_likelihood=-1680, n_customers=1000, n_periods=7, converged=True)
        """
        shown = ", ".join(
            f"{name}={_display.number(value)}"
            for name, value in self._summary().items()
        )
        return f"SbgFit({shown})"

    def _repr_html_(self) -> str:
        """Return the estimates as an HTML table, rounded for reading."""
        return _display.table("SbgFit", self._summary().items())

    @overload
    def retention(self, t: float) -> float: ...
    @overload
    def retention(self, t: npt.ArrayLike) -> float | FloatArray: ...
    def retention(self, t: npt.ArrayLike) -> float | FloatArray:
        """
        Return the retention rate of period `t` under this fit (`sbg_retention`).

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> fit.retention([1, 2, 12]).round(3)
        array([0.627, 0.756, 0.945])
        """
        return sbg_retention(self.alpha, self.beta, t)

    @overload
    def survival(self, t: float) -> float: ...
    @overload
    def survival(self, t: npt.ArrayLike) -> float | FloatArray: ...
    def survival(self, t: npt.ArrayLike) -> float | FloatArray:
        """
        Return the share still active at period `t` under this fit (`sbg_survival`).

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> fit.survival([0, 7, 12]).round(3)
        array([1.   , 0.239, 0.17 ])
        """
        return sbg_survival(self.alpha, self.beta, t)

    @overload
    def churn_probability(self, t: float) -> float: ...
    @overload
    def churn_probability(self, t: npt.ArrayLike) -> float | FloatArray: ...
    def churn_probability(self, t: npt.ArrayLike) -> float | FloatArray:
        """
        Return ``P(T = t)`` under this fit (`sbg_churn_probability`).

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(fit.churn_probability(1), 3)
        0.373
        """
        return sbg_churn_probability(self.alpha, self.beta, t)

    def expected_lifetime(self) -> float:
        """
        Return the expected lifetime in periods paid (`sbg_expected_lifetime`).

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241]).expected_lifetime()
        inf
        """
        return sbg_expected_lifetime(self.alpha, self.beta)

    @overload
    def del_(self, discount_rate: float) -> float: ...
    @overload
    def del_(self, discount_rate: npt.ArrayLike) -> float | FloatArray: ...
    def del_(self, discount_rate: npt.ArrayLike) -> float | FloatArray:
        """
        Return the discounted expected lifetime under this fit (`sbg_del`).

        Named with a trailing underscore because ``del`` is a Python keyword.

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(fit.del_(0.1), 2)
        3.69
        """
        return sbg_del(self.alpha, self.beta, discount_rate)

    @overload
    def derl(self, discount_rate: float, n: float) -> float: ...
    @overload
    def derl(
        self, discount_rate: npt.ArrayLike, n: npt.ArrayLike
    ) -> float | FloatArray: ...
    def derl(
        self, discount_rate: npt.ArrayLike, n: npt.ArrayLike
    ) -> float | FloatArray:
        """
        Return the discounted expected residual lifetime under this fit (`sbg_derl`).

        Examples
        --------
        >>> from subscription_metrics.survival import sbg_fit
        >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(fit.derl(0.1, n=1), 2)
        2.96
        """
        return sbg_derl(self.alpha, self.beta, discount_rate, n)


# --------------------------------------------------------------------------
# Sufficient statistics and the likelihood
# --------------------------------------------------------------------------


@frozen
class _Terms:
    """
    The log-likelihood as ``sum w * betaln(alpha + dx, beta + dy) - W betaln``.

    A churn in period ``t`` contributes ``log P(T = t)``, that is
    ``betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)``; a customer
    still active after period ``t`` contributes ``log S(t)``, that is
    ``betaln(alpha, beta + t) - betaln(alpha, beta)``. One group at a time,
    with scipy's L-BFGS-B: the fallback of the batched `_fit_counts` for a
    group it does not finish. (The differences of ``betaln`` lose digits
    when ``alpha`` and ``beta`` are large; `_Counts` does not.)
    """

    dx: FloatArray
    dy: FloatArray
    weight: FloatArray
    n_customers: int
    n_periods: int

    @classmethod
    def of(cls, lost: FloatArray, survivors: FloatArray) -> _Terms:
        """Terms from churn counts per period 1..n and survivor counts 0..n."""
        period = np.arange(len(survivors), dtype=np.float64)
        churn = lost[1:] > 0
        still = survivors > 0
        dx = np.concatenate([np.ones(int(churn.sum())), np.zeros(int(still.sum()))])
        dy = np.concatenate([period[1:][churn] - 1, period[still]])
        weight = np.concatenate([lost[1:][churn], survivors[still]])
        active = np.flatnonzero((lost > 0) | still)
        return cls(
            dx,
            dy,
            weight,
            n_customers=round(float(weight.sum())),
            n_periods=int(active.max()) if len(active) else 0,
        )

    def log_likelihood(self, alpha: float, beta: float) -> float:
        """Return the log-likelihood at (alpha, beta)."""
        terms = betaln(alpha + self.dx, beta + self.dy)
        return float(self.weight @ terms - self.n_customers * betaln(alpha, beta))

    def derivatives(
        self, alpha: float, beta: float
    ) -> tuple[float, FloatArray, FloatArray]:
        """Log-likelihood, gradient and Hessian in ``(log alpha, log beta)``."""
        x, y = alpha + self.dx, beta + self.dy
        w, total = self.weight, self.n_customers
        ll = float(w @ betaln(x, y) - total * betaln(alpha, beta))
        psi_xy, psi_ab = digamma(x + y), digamma(alpha + beta)
        g_a = w @ (digamma(x) - psi_xy) - total * (digamma(alpha) - psi_ab)
        g_b = w @ (digamma(y) - psi_xy) - total * (digamma(beta) - psi_ab)
        tri_xy, tri_ab = polygamma(1, x + y), polygamma(1, alpha + beta)
        h_ab = -(w @ tri_xy) + total * tri_ab
        h_aa = w @ polygamma(1, x) + h_ab - total * polygamma(1, alpha)
        h_bb = w @ polygamma(1, y) + h_ab - total * polygamma(1, beta)
        gradient = np.array([alpha * g_a, beta * g_b])
        hessian = np.array(
            [
                [alpha * alpha * h_aa + alpha * g_a, alpha * beta * h_ab],
                [alpha * beta * h_ab, beta * beta * h_bb + beta * g_b],
            ]
        )
        return ll, gradient, hessian

    def fit(self) -> SbgFit:
        """Maximise the likelihood over (log alpha, log beta)."""
        if self.n_customers == 0 or not (self.dx > 0).any():
            nan = math.nan
            return SbgFit(
                alpha=nan,
                beta=nan,
                log_likelihood=0.0 if self.n_customers else nan,
                covariance=((nan, nan), (nan, nan)),
                n_customers=self.n_customers,
                n_periods=self.n_periods,
                converged=False,
            )
        scale = 1.0 / self.n_customers

        def objective(theta: FloatArray) -> tuple[float, FloatArray]:
            a, b = np.exp(theta)
            ll, gradient, _ = self.derivatives(float(a), float(b))
            return -ll * scale, -gradient * scale

        from scipy.optimize import minimize  # heavy; only this fallback uses it

        result = minimize(
            objective,
            np.zeros(2),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12},
        )
        theta = np.asarray(result.x, dtype=np.float64)
        theta = self._polish(theta)
        a, b = (float(v) for v in np.exp(theta))
        ll, gradient, hessian = self.derivatives(a, b)
        inside = bool((np.abs(theta) < _LOG_BOUND - 1e-6).all())
        small = bool(np.abs(gradient * scale).max() < _GRADIENT_TOL)
        information = -hessian
        nan = math.nan
        covariance: Covariance = ((nan, nan), (nan, nan))
        if inside and np.linalg.eigvalsh(information).min() > 0:
            try:
                c = np.linalg.inv(information)
            except np.linalg.LinAlgError:  # singular to rounding after all
                c = np.full((2, 2), nan)
            covariance = (
                (float(c[0, 0]), float(c[0, 1])),
                (float(c[1, 0]), float(c[1, 1])),
            )
        return SbgFit(
            alpha=a,
            beta=b,
            log_likelihood=ll,
            covariance=covariance,
            n_customers=self.n_customers,
            n_periods=self.n_periods,
            converged=inside and small and math.isfinite(covariance[0][0]),
        )

    def _polish(self, theta: FloatArray) -> FloatArray:
        """Take Newton steps from the quasi-Newton optimum while they help."""
        for _ in range(8):
            a, b = (float(v) for v in np.exp(theta))
            ll, gradient, hessian = self.derivatives(a, b)
            if np.linalg.eigvalsh(-hessian).min() <= 0:
                break
            try:
                step = np.linalg.solve(-hessian, gradient)
            except np.linalg.LinAlgError:  # singular to rounding
                break
            candidate = np.clip(theta + step, -_LOG_BOUND, _LOG_BOUND)
            new_a, new_b = (float(v) for v in np.exp(candidate))
            if not self.log_likelihood(new_a, new_b) >= ll:
                break
            theta = candidate
            if np.abs(step).max() < 1e-12:
                break
        return theta


# --------------------------------------------------------------------------
# The batched solver: many groups at once
# --------------------------------------------------------------------------


@frozen
class _Counts:
    """
    Per-period counts of several groups, for the likelihood in binomial form.

    Row ``j`` is the renewal decision ``i = j + 1``: ``renewed`` customers
    passed it, ``lost`` churned at it, ``at_risk = renewed + lost`` faced it;
    the count arrays are period-major, (periods, groups), so that one
    decision of every group is one contiguous vector. With ``r_i = (beta +
    i - 1) / (alpha + beta + i - 1)`` the log-likelihood is ``sum_i
    renewed_i log r_i + lost_i log(1 - r_i)``, equal to the sum of ``log
    P(T = t)`` and ``log S(t)`` over customers (`_Terms`). Cells past a
    group's last period are zero and add exact zeros, and every sum over
    periods runs first period to last (`_period_sums`), so a group's numbers
    do not depend on the other groups in the batch or on the padding.
    """

    renewed: FloatArray  # (periods, groups)
    lost: FloatArray
    at_risk: FloatArray
    n_customers: FloatArray  # (groups,)
    churned: FloatArray
    n_periods: IntArray

    @classmethod
    def of(cls, lost: FloatArray, survivors: FloatArray) -> _Counts:
        """Pool churn per period (column 0 unused) and survivors, (groups, width)."""
        active = (lost > 0) | (survivors > 0)
        width = lost.shape[1]
        n_periods = np.where(
            active.any(axis=1), width - 1 - np.argmax(active[:, ::-1], axis=1), 0
        ).astype(np.int64)
        # Only decisions 1 .. n_periods of some group carry data.
        keep = max(int(n_periods.max(initial=0)), 1)
        churn = np.ascontiguousarray(lost[:, 1 : keep + 1])
        still = survivors[:, : keep + 1]
        # Customers facing decision i: churned at i or later, or censored at
        # i or later (survivors at period t passed decisions 1 .. t).
        later = np.cumsum((churn + still[:, 1:])[:, ::-1], axis=1)[:, ::-1]
        return cls(
            renewed=np.ascontiguousarray((later - churn).T),
            lost=np.ascontiguousarray(churn.T),
            at_risk=np.ascontiguousarray(later.T),
            n_customers=churn.sum(axis=1) + still.sum(axis=1),
            churned=churn.sum(axis=1),
            n_periods=n_periods,
        )

    def take(self, rows: IntArray) -> _Counts:
        """Return the counts of some groups."""
        return _Counts(
            self.renewed[:, rows],
            self.lost[:, rows],
            self.at_risk[:, rows],
            self.n_customers[rows],
            self.churned[rows],
            self.n_periods[rows],
        )

    def log_likelihood(
        self, theta: FloatArray, rows: IntArray | None = None
    ) -> FloatArray:
        """
        Log-likelihood per group at ``theta = (log alpha, log beta)``, (g, 2).

        With `rows`, of those groups only (`theta` has a row for each).
        """
        (out,) = self._period_sums(theta, _log_likelihood_cells, rows)
        return out

    def derivatives(
        self,
        theta: FloatArray,
        rows: IntArray | None = None,
        *,
        with_likelihood: bool = True,
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """
        Log-likelihood, gradient (g, 2) and Hessian entries (g, 3) in theta.

        With ``x = alpha / s_i``, ``y = b_i / s_i``, ``z = beta / b_i`` and
        ``d = renewed x - lost y``, ``p = at_risk x y``: the gradient is
        ``(-sum d, sum z d)`` and the Hessian ``h_aa = -sum p``, ``h_ab =
        sum z p``, ``h_bb = sum z (1 - z) d - z^2 p`` (``1 - z = (i - 1) /
        b_i``), all without digamma and without cancellation. With `rows`, of
        those groups only. Without `with_likelihood` the log-likelihood is
        not computed (NaN; it costs the logarithms, the derivatives none).
        """
        if not with_likelihood:
            sums = self._period_sums(theta, _gradient_cells, rows)
            ll = np.full(len(sums[0]), np.nan)
            return ll, np.stack(sums[0:2], axis=1), np.stack(sums[2:5], axis=1)
        sums = self._period_sums(theta, _derivative_cells, rows)
        return sums[0], np.stack(sums[1:3], axis=1), np.stack(sums[3:6], axis=1)

    def _period_sums(
        self, theta: FloatArray, cells: _Cells, rows: IntArray | None
    ) -> list[FloatArray]:
        """
        Sum `cells` of every decision over the decisions, per group.

        ``b_i = beta + i - 1`` and ``s_i = alpha + b_i``; `cells` gets
        ``alpha / s_i``, ``b_i / s_i``, ``beta / b_i``, ``(i - 1) / b_i``
        and the decision's ``renewed``, ``lost`` and ``at_risk``. The sums
        run strictly from the first decision to the last. A small batch
        takes every decision at once (a cumulative sum along the periods);
        a large one goes decision by decision over contiguous vectors of
        groups, which keeps the working arrays in the cache: the same
        operations on the same numbers, so the same bits either way. `rows`
        picks groups (decision by decision, without copying all the counts).
        """
        a, b = (np.exp(np.ascontiguousarray(theta[:, j])) for j in (0, 1))
        n_decisions = self.lost.shape[0]
        if len(a) < _DECISION_BY_DECISION:
            k = np.arange(n_decisions, dtype=np.float64)
            shifted = b[:, None] + k  # b_i = beta + i - 1
            total = a[:, None] + shifted  # s_i = alpha + beta + i - 1
            counts = [self.renewed.T, self.lost.T, self.at_risk.T]
            if rows is not None:
                counts = [c[rows] for c in counts]
            every = cells(
                a[:, None] / total,
                shifted / total,
                b[:, None] / shifted,
                k / shifted,
                *counts,
            )
            return list(_row_sums(np.stack(every)))
        sums: list[FloatArray] = []
        for j in range(n_decisions):
            shifted = b + float(j)
            total = a + shifted
            counts = [self.renewed[j], self.lost[j], self.at_risk[j]]
            if rows is not None:
                counts = [c[rows] for c in counts]
            one = cells(
                a / total,
                shifted / total,
                b / shifted,
                float(j) / shifted,
                *counts,
            )
            if not sums:
                sums = [np.array(v, np.float64) for v in one]
            else:
                for total_so_far, v in zip(sums, one, strict=True):
                    total_so_far += v
        return sums


_Cells: TypeAlias = Callable[..., tuple[FloatArray, ...]]
_DECISION_BY_DECISION: Final = 256  # groups from which sums go decision by decision


def _log_likelihood_cells(
    x: FloatArray,
    y: FloatArray,
    z: FloatArray,
    w: FloatArray,
    renewed: FloatArray,
    lost: FloatArray,
    at_risk: FloatArray,
) -> tuple[FloatArray]:
    """``renewed log r + lost log(1 - r)`` per cell (`_Counts._period_sums`)."""
    log_stay, log_churn = _log_ratios(x, y)
    return (renewed * log_stay + lost * log_churn,)


def _log_ratios(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """
    ``log r`` and ``log(1 - r)`` from ``x = 1 - r`` and ``y = r``, exactly.

    Each from whichever ratio is the smaller (``log1p(-x)`` while ``x <=
    0.5``, else ``log y``), each cell's logarithm computed once.
    """
    small_x, small_y = x <= 0.5, y <= 0.5
    log_stay = np.log1p(-x, where=small_x, out=np.empty_like(x))
    np.log(y, where=~small_x, out=log_stay)
    log_churn = np.log1p(-y, where=small_y, out=np.empty_like(y))
    np.log(x, where=~small_y, out=log_churn)
    return log_stay, log_churn


def _derivative_cells(
    x: FloatArray,
    y: FloatArray,
    z: FloatArray,
    w: FloatArray,
    renewed: FloatArray,
    lost: FloatArray,
    at_risk: FloatArray,
) -> tuple[FloatArray, ...]:
    """Return the log-likelihood, gradient and Hessian terms per cell."""
    (ll,) = _log_likelihood_cells(x, y, z, w, renewed, lost, at_risk)
    return (ll, *_gradient_cells(x, y, z, w, renewed, lost, at_risk))


def _gradient_cells(
    x: FloatArray,
    y: FloatArray,
    z: FloatArray,
    w: FloatArray,
    renewed: FloatArray,
    lost: FloatArray,
    at_risk: FloatArray,
) -> tuple[FloatArray, ...]:
    """Return the gradient and Hessian terms per cell (`_derivative_cells`)."""
    d = renewed * x - lost * y
    p = at_risk * x * y
    return (-d, z * d, -p, z * p, z * (w * d - z * p))


def _row_sums(cells: FloatArray) -> FloatArray:
    """Sum along the last axis strictly left to right (not pairwise)."""
    out: FloatArray = np.cumsum(cells, axis=-1)[..., -1]
    return out


def _newton_directions(
    information: FloatArray, gradient: FloatArray, held: BoolArray
) -> tuple[FloatArray, BoolArray]:
    """
    Ascent directions from many 2 x 2 information matrices and gradients.

    `information` holds ``(i_aa, i_ab, i_bb)`` per row; a `held` coordinate
    does not move. Along each eigenvector of the information with a
    positive eigenvalue (beyond rounding: `_DEFINITE` of the largest) the
    step is Newton's, ``g / lambda``; along one without, where the
    likelihood is flat or convex (a ridge), it is `_MAX_STEP` uphill, left
    to the line search to shorten, unless the gradient there is rounding
    (`_FLAT`). Returns the directions and whether each climbs such a ridge.
    """
    both = ~held[:, 0] & ~held[:, 1]
    a, b, c = information[:, 0], information[:, 1], information[:, 2]
    # A held coordinate's row and column become a stiff, separate axis.
    stand_in = np.maximum(np.maximum(np.abs(a), np.abs(c)), _TINY)
    a = np.where(held[:, 0], stand_in, a)
    c = np.where(held[:, 1], stand_in, c)
    b = np.where(both, b, 0.0)
    g0, g1 = (np.where(held[:, j], 0.0, gradient[:, j]) for j in (0, 1))
    middle, radius = (a + c) / 2, np.hypot((a - c) / 2, b)
    angle = np.arctan2(2 * b, a - c) / 2
    cos, sin = np.cos(angle), np.sin(angle)
    steps = []
    climbing = np.zeros(len(a), np.bool_)
    scale = np.maximum(np.abs(middle) + radius, _TINY)
    for eigenvalue, along in (
        (middle + radius, cos * g0 + sin * g1),
        (middle - radius, cos * g1 - sin * g0),
    ):
        positive = eigenvalue > _DEFINITE * scale
        uphill = ~positive & (np.abs(along) > _FLAT)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = along / eigenvalue
        steps.append(
            np.where(
                positive, newton, np.where(uphill, np.sign(along) * _MAX_STEP, 0.0)
            )
        )
        climbing |= uphill
    first, second = steps
    direction = np.stack(
        [cos * first - sin * second, sin * first + cos * second], axis=1
    )
    return direction, climbing


def _into_box(theta: FloatArray) -> FloatArray:
    """Clip to the box, and onto a bound from within rounding of it."""
    out: FloatArray = np.clip(theta, -_LOG_BOUND, _LOG_BOUND)
    near = np.abs(np.abs(out) - _LOG_BOUND) <= _SNAP
    return np.where(near, np.copysign(_LOG_BOUND, out), out)


def _newton_batch(
    counts: _Counts, start: FloatArray | None = None
) -> tuple[FloatArray, BoolArray]:
    """
    Maximise the likelihood of every group at once over the box.

    Damped Newton on ``theta = (log alpha, log beta)`` in ``[-15, 15]^2``,
    from ``alpha = beta = 1``, on each group's mean log-likelihood, with the
    analytic gradient and Hessian (`_Counts.derivatives`); along a ridge,
    where the information is not positive definite, the step climbs
    (`_newton_directions`). A coordinate on a bound whose gradient points
    out of the box, or whose step would leave it, is held there and the
    step is taken in the other one (projected Newton). A step is capped at
    `_MAX_STEP` and stopped at the first bound it meets, then halved until
    it gives a sufficient increase (Armijo); a Newton step below
    `_LOCAL_STEP` is taken as it is, since near the optimum the change in
    the likelihood is lost in its rounding. Iterations, line-search rounds
    and the arithmetic are vectorised over the unfinished groups: no Python
    loop runs per group.

    A group is done after a Newton step below `_STEP_TOL` that climbs no
    ridge (at a maximum, or on a ridge flat to rounding), or when no step
    helps and the gradient is below `_NOISE_GRADIENT`. Returns theta and
    whether each group is done; the others hit `_MAX_ITERATIONS` or a
    failed line search.
    """
    n = len(counts.n_customers)
    theta = np.zeros((n, 2)) if start is None else _into_box(start.copy())
    solved = np.zeros(n, np.bool_)
    active = np.arange(n)
    scale = 1.0 / counts.n_customers
    # The counts of the unfinished groups, copied once each time some finish
    # (rather than picked in every likelihood call); `live` holds the rows
    # `active` names, in the same order.
    live, live_size = counts, n
    # The (mean) log-likelihood at theta where a line search computed it
    # (NaN where not): the next iteration's search starts there.
    known = np.full(n, np.nan)
    for _ in range(_MAX_ITERATIONS):
        if not active.size:
            break
        if active.size < live_size:
            live, live_size = counts.take(active), active.size
        here = theta[active]
        _, gradient, hessian = live.derivatives(here, with_likelihood=False)
        s = scale[active]
        gradient = gradient * s[:, None]
        information = -hessian * s[:, None]
        on_bound = np.abs(here) == _LOG_BOUND
        held = on_bound & (np.sign(gradient) == np.sign(here))
        direction, climbing = _newton_directions(information, gradient, held)
        leaving = on_bound & ~held & (np.sign(direction) == np.sign(here))
        if leaving.any():
            rows = np.flatnonzero(leaving.any(axis=1))
            held[rows] |= leaving[rows]
            direction[rows], climbing[rows] = _newton_directions(
                information[rows], gradient[rows], held[rows]
            )
        size = np.abs(direction).max(axis=1)
        direction *= np.minimum(1.0, _MAX_STEP / np.maximum(size, _TINY))[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            room = np.where(
                direction == 0,
                np.inf,
                (np.copysign(_LOG_BOUND, direction) - here) / direction,
            )
        first = np.minimum(1.0, room.min(axis=1))
        flatness = np.abs(np.where(held, 0.0, gradient)).max(axis=1)
        small = ~climbing & (size <= _STEP_TOL)
        local = ~climbing & (size <= _LOCAL_STEP)
        new = here.copy()
        new[local] = _into_box(here[local] + direction[local])
        accepted = local.copy()
        slope = (gradient * direction).sum(axis=1)
        step = first
        searching = np.flatnonzero(~accepted)
        # The groups that search, their counts copied once (`inner`: their
        # rows there), and the likelihood where their search starts.
        ll = known[active]
        part = live if searching.size == len(active) else live.take(searching)
        inner = np.arange(searching.size)
        unknown = inner[np.isnan(ll[searching])]
        if unknown.size:
            pick = None if unknown.size == inner.size else unknown
            at = searching[unknown]
            ll[at] = part.log_likelihood(here[at], pick) * s[at]
        for halving in range(_HALVINGS):
            if not searching.size:
                break
            if halving and searching.size <= _SEARCH_AT_ONCE:
                # A few groups still searching (on a ridge, mostly): every
                # remaining step size in one likelihood call, not one each.
                at_once = _search_at_once(
                    part,
                    inner,
                    here[searching],
                    direction[searching],
                    step[searching],
                    ll[searching],
                    slope[searching],
                    s[searching],
                    _HALVINGS - halving,
                )
                found, candidate, value = at_once
                hit = searching[found]
                new[hit] = candidate[found]
                known[active[hit]] = value[found]
                accepted[hit] = True
                break
            t = step[searching]
            candidate = _into_box(here[searching] + t[:, None] * direction[searching])
            pick = None if inner.size == len(part.n_customers) else inner
            value = part.log_likelihood(candidate, pick) * s[searching]
            good = value >= ll[searching] + _ARMIJO * t * slope[searching]
            hit = searching[good]
            new[hit] = candidate[good]
            known[active[hit]] = value[good]
            accepted[hit] = True
            searching, inner = searching[~good], inner[~good]
            step[searching] /= 2
        known[active[local]] = np.nan  # moved without a search
        theta[active] = new
        noise = ~accepted & (flatness <= _NOISE_GRADIENT)
        finished = small | noise
        solved[active[finished]] = True
        active = active[~finished & accepted]
    return theta, solved


def _search_at_once(
    counts: _Counts,
    rows: IntArray,
    here: FloatArray,
    direction: FloatArray,
    step: FloatArray,
    before: FloatArray,
    slope: FloatArray,
    scale: FloatArray,
    halvings: int,
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """
    Finish a backtracking line search, every step size in one call.

    Group ``j`` (row ``rows[j]`` of `counts`) tries ``step[j] / 2**k`` for
    ``k = 0 .. halvings - 1`` along `direction` from `here`, and takes the
    first that increases the mean log-likelihood (`before` at `here`; the
    log-likelihood times `scale`) enough (Armijo), as the loop
    of `_newton_batch` would, halving by halving: the same candidates (a
    halving is exact), the same likelihoods (`_Counts._period_sums` gives
    the same bits for any batch). Returns whether each found one, and the
    step's end and its mean log-likelihood.
    """
    n = len(rows)
    t = step[:, None] / 2.0 ** np.arange(halvings, dtype=np.float64)
    candidate = _into_box(
        (here[:, None, :] + t[:, :, None] * direction[:, None, :]).reshape(-1, 2)
    )
    value = counts.log_likelihood(candidate, np.repeat(rows, halvings))
    value = (value * np.repeat(scale, halvings)).reshape(n, halvings)
    good = value >= before[:, None] + _ARMIJO * t * slope[:, None]
    found = np.asarray(good.any(axis=1), np.bool_)
    first = np.argmax(good, axis=1)
    chosen = np.arange(n) * halvings + first
    return found, candidate[chosen], value[np.arange(n), first]


_SEARCH_AT_ONCE: Final = 64  # groups from which halvings go one call each


@frozen
class _Fits:
    """Fits of several groups as arrays, and how many needed the fallback."""

    alpha: FloatArray
    beta: FloatArray
    log_likelihood: FloatArray
    covariance: FloatArray  # (groups, 2, 2)
    n_customers: IntArray
    n_periods: IntArray
    converged: BoolArray
    fallback: int
    lost: FloatArray  # (groups, width): the data fitted
    censored: FloatArray

    def coordinates(self) -> tuple[FloatArray, FloatArray]:
        """Mean churn and polarisation per group (`mean_polarisation`)."""
        return mean_polarisation(
            self.alpha, self.beta, self.converged, self.lost, self.censored
        )

    def fit(self, g: int) -> SbgFit:
        """Return the fit of group `g`."""
        c = self.covariance[g]
        width = int(self.n_periods[g]) + 1
        return SbgFit(
            lost=tuple(float(v) for v in self.lost[g, :width]),
            censored=tuple(float(v) for v in self.censored[g, :width]),
            alpha=float(self.alpha[g]),
            beta=float(self.beta[g]),
            log_likelihood=float(self.log_likelihood[g]),
            covariance=(
                (float(c[0, 0]), float(c[0, 1])),
                (float(c[1, 0]), float(c[1, 1])),
            ),
            n_customers=int(self.n_customers[g]),
            n_periods=int(self.n_periods[g]),
            converged=bool(self.converged[g]),
        )

    def fits(self) -> list[SbgFit]:
        """Return one `SbgFit` per group."""
        return [self.fit(g) for g in range(len(self.alpha))]


def _fit_counts(
    lost: FloatArray,
    survivors: FloatArray,
    start: FloatArray | None = None,
    *,
    fallback: bool = True,
) -> _Fits:
    """
    Fit every row of churn and survivor counts, as one batch.

    ``lost[g, t]`` customers of group ``g`` churned in period ``t`` (column 0
    is unused) and ``survivors[g, t]`` are known active after ``t`` periods
    (right-censored there); both 2-d, as wide as the longest observation
    plus one. A group without customers or without a churn has NaN
    parameters. A group the batched Newton iteration does not finish (rare)
    is fitted alone by `_Terms.fit` (L-BFGS-B, then Newton), the only loop
    over groups; `_Fits.fallback` counts them. The log-likelihood,
    covariance and flag are then computed for all groups alike. `start`
    (groups, 2) is where the iteration starts in ``(log alpha, log beta)``
    (``alpha = beta = 1`` by default): a bootstrap starts its refits at the
    estimate they scatter around. Without `fallback` a group the batch does
    not finish keeps where the batch stopped (a bootstrap's refits: one in
    several thousand, on a ridge toward the geometric limit, where the
    one-group fit costs as much as thousands of batched ones).
    """
    counts = _Counts.of(lost, survivors)
    n_groups = len(counts.n_customers)
    theta = np.full((n_groups, 2), np.nan)
    ll = np.where(counts.n_customers > 0, 0.0, np.nan)
    gradient = np.full((n_groups, 2), np.nan)
    hessian = np.full((n_groups, 3), np.nan)
    fittable = np.flatnonzero((counts.n_customers > 0) & (counts.churned > 0))
    unsolved = fittable[:0]
    if fittable.size:
        part = counts.take(fittable)
        theta[fittable], solved = _newton_batch(
            part, None if start is None else start[fittable]
        )
        unsolved = fittable[~solved] if fallback else fittable[:0]
        for g in unsolved:
            alone = _Terms.of(lost[g], survivors[g]).fit()
            theta[g] = np.log([alone.alpha, alone.beta])
        ll[fittable], gradient[fittable], hessian[fittable] = part.derivatives(
            theta[fittable]
        )
    # The covariance and the flag as `_Terms.fit` decides them, except that
    # the information must be positive definite beyond rounding: a ridge
    # the data cannot resolve (one period only) has no covariance.
    a, b, c = -hessian[:, 0], -hessian[:, 1], -hessian[:, 2]
    inside = (np.abs(theta) < _LOG_BOUND - 1e-6).all(axis=1)
    middle, radius = (a + c) / 2, np.hypot((a - c) / 2, b)
    det = a * c - b * b
    definite = inside & (middle - radius > _DEFINITE * (middle + radius)) & (det > 0)
    det = np.where(definite, det, np.nan)
    covariance = np.stack([c, -b, -b, a], axis=1).reshape(-1, 2, 2)
    covariance /= det[:, None, None]
    mean_gradient = np.abs(gradient / counts.n_customers[:, None]).max(axis=1)
    parameters = np.exp(theta)
    return _Fits(
        alpha=np.ascontiguousarray(parameters[:, 0]),
        beta=np.ascontiguousarray(parameters[:, 1]),
        log_likelihood=ll,
        covariance=covariance,
        n_customers=np.round(counts.n_customers).astype(np.int64),
        n_periods=counts.n_periods,
        converged=definite & (mean_gradient < _GRADIENT_TOL),
        fallback=len(unsolved),
        lost=lost,
        censored=survivors,
    )


def _refit_coordinates(
    lost: FloatArray, survivors: FloatArray, start: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """
    Mean churn and polarisation of bootstrap refits, without their covariance.

    ``_fit_counts(lost, survivors, start, fallback=False).coordinates()``,
    the same numbers without the last pass over the data that computes each
    fit's log-likelihood, covariance and convergence flag: the coordinates
    read the flag only for a fit on the bound of the box (the geometric
    limit), and a fit there never has the flag, since its information is
    not taken as definite (`_fit_counts`).
    """
    counts = _Counts.of(lost, survivors)
    theta = np.full((len(counts.n_customers), 2), np.nan)
    fittable = np.flatnonzero((counts.n_customers > 0) & (counts.churned > 0))
    if fittable.size:
        theta[fittable], _ = _newton_batch(counts.take(fittable), start[fittable])
    parameters = np.exp(theta)
    converged = np.zeros(len(theta), np.bool_)
    return mean_polarisation(
        np.ascontiguousarray(parameters[:, 0]),
        np.ascontiguousarray(parameters[:, 1]),
        converged,
        lost,
        survivors,
    )


def mean_polarisation(
    alpha: FloatArray,
    beta: FloatArray,
    converged: BoolArray,
    lost: FloatArray,
    censored: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """
    Mean churn ``m`` and polarisation ``phi`` of fits, the geometric limit included.

    ``m = alpha / (alpha + beta)`` and ``phi = 1 / (alpha + beta + 1)``. A
    fit that did not converge because it ran to the upper bound of the box
    (``alpha`` or ``beta`` at ``exp(15)``) has found no heterogeneity: it is
    the geometric limit ``phi = 0``, whose maximum-likelihood ``m`` is the
    churned customers over the renewals faced (a binomial rate). A group
    with customers and no churn has ``m = 0`` and ``phi = 0`` (nobody
    churns, the limit its likelihood prefers); one without customers NaN.
    `lost` and `censored` are the (groups, width) counts that were fitted.
    """
    period = np.arange(lost.shape[1], dtype=np.float64)
    churned = lost.sum(axis=1)
    customers = churned + censored.sum(axis=1)
    decisions = lost @ period + censored @ period
    with np.errstate(invalid="ignore", divide="ignore"):
        total = alpha + beta
        m = alpha / total
        phi = 1.0 / (total + 1.0)
        top = np.nan_to_num(np.maximum(np.log(alpha), np.log(beta)), nan=0.0)
        geometric = ~converged & (top >= _LOG_BOUND - 1e-6) & (churned > 0)
        rate = churned / decisions
    m = np.where(geometric, rate, m)
    phi = np.where(geometric, 0.0, phi)
    none = (customers > 0) & (churned == 0)
    m = np.where(none, 0.0, m)
    phi = np.where(none, 0.0, phi)
    return np.asarray(m, np.float64), np.asarray(phi, np.float64)


def _coordinates(fit: SbgFit) -> tuple[float, float]:
    """`mean_polarisation` of one fit (without its data: from alpha and beta)."""
    lost = np.array([fit.lost or (0.0,)], np.float64)
    censored = np.array([fit.censored or (0.0,)], np.float64)
    if not fit.lost:  # a fit built by hand: nothing to take the limit from
        lost[:] = np.nan
        censored[:] = np.nan
    m, phi = mean_polarisation(
        np.array([fit.alpha]),
        np.array([fit.beta]),
        np.array([fit.converged]),
        lost,
        censored,
    )
    return float(m[0]), float(phi[0])


def _at_bound(alpha: FloatArray, beta: FloatArray) -> BoolArray:
    """Where a fit ended on the box ``exp(+-15)`` (False where NaN)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        reach = np.maximum(np.abs(np.log(alpha)), np.abs(np.log(beta)))
    result: BoolArray = np.nan_to_num(reach, nan=0.0) >= _LOG_BOUND - 1e-6
    return result


def warn_fits(
    alpha: FloatArray,
    beta: FloatArray,
    converged: BoolArray,
    *,
    what: str = "groups",
    stacklevel: int = 3,
) -> None:
    """
    Warn once per kind about fits that did not converge or ran to a bound.

    Fits without a churn (NaN parameters) are not warned about: their NaN
    already says there was nothing to fit. The message counts the groups when there are
    several.
    """
    fitted = ~np.isnan(alpha) & ~converged
    bound = fitted & _at_bound(alpha, beta)
    failed = fitted & ~bound
    total = len(alpha)

    def scope(mask: BoolArray) -> str:
        if total == 1:
            return "the sBG fit"
        return f"the sBG fit of {int(mask.sum())} of {total} {what}"

    if bound.any():
        msg = (
            f"{scope(bound)} ran to the parameter bound (alpha or beta at "
            "exp(+-15)): churn does not seem to vary across customers, the "
            "geometric limit of the model, where alpha and beta grow without "
            "bound; converged is False and the estimate is a point on the "
            "bound. A constant churn rate (churned / periods at risk) "
            "describes such data"
        )
        warnings.warn(msg, BoundaryFitWarning, stacklevel=stacklevel)
    if failed.any():
        msg = (
            f"{scope(failed)} did not converge (the gradient does not vanish "
            "or the information is not positive definite, as with one period "
            "of data): converged is False; do not use the estimate"
        )
        warnings.warn(msg, ConvergenceWarning, stacklevel=stacklevel)


def _cohort_table(alive: AliveLike) -> FloatArray:
    """Survivor counts as a 2-d float array, one row per cohort, NaN-padded."""
    if isinstance(alive, pd.DataFrame):
        raw: Any = alive.to_numpy(dtype=np.float64, na_value=np.nan)
    elif isinstance(alive, pd.Series):
        raw = alive.to_numpy(dtype=np.float64, na_value=np.nan)[None, :]
    elif (
        isinstance(alive, list | tuple)
        and len(alive) > 0
        and all(np.ndim(row) == 1 for row in alive)
    ):
        rows = [_row(row, name=f"alive[{i}]") for i, row in enumerate(alive)]
        width = max(len(row) for row in rows)
        raw = np.full((len(rows), width), np.nan)
        for i, row in enumerate(rows):
            raw[i, : len(row)] = row
    else:
        if isinstance(alive, str | bytes | bool) or alive is None:
            msg = f"'alive' must be numeric counts, got {type(alive).__name__}"
            raise TypeError(msg)
        array = np.asarray(alive)
        if array.dtype.kind not in "iuf":
            msg = f"'alive' must be numeric counts, got dtype {array.dtype}"
            raise TypeError(msg)
        raw = array.astype(np.float64)
        if raw.ndim == 1:
            raw = raw[None, :]
    table = np.asarray(raw, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] == 0:
        msg = f"'alive' must be one or more cohorts of counts, got shape {table.shape}"
        raise ValueError(msg)
    return table


def _row(value: object, *, name: str) -> FloatArray:
    """One cohort's counts as floats; NaN is left for the caller to judge."""
    array = np.asarray(value)
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as exc:
            msg = f"{name!r} must be numeric counts"
            raise TypeError(msg) from exc
    if array.dtype.kind not in "iuf":
        msg = f"{name!r} must be numeric counts, got dtype {array.dtype}"
        raise TypeError(msg)
    return array.astype(np.float64)


def _alive_counts(alive: AliveLike) -> tuple[FloatArray, FloatArray]:
    """Validate survivor counts and pool them: churn and survivors per period."""
    table = _cohort_table(alive)
    seen = ~np.isnan(table)
    _offending(np.isinf(table), table, name="alive", rule="be finite")
    _offending(~seen[:, 0], table, name="alive", rule="start with a count at period 0")
    gap = ~seen[:, :-1] & seen[:, 1:]
    _offending(gap, table, name="alive", rule="have NaN only after the last count")
    values = np.where(seen, table, 0.0)
    _offending(values < 0, table, name="alive", rule="be >= 0")
    _offending(values != np.round(values), table, name="alive", rule="be whole counts")
    rising = seen[:, 1:] & (values[:, 1:] > values[:, :-1])
    _offending(rising, table[:, 1:], name="alive", rule="not increase over periods")
    last = seen.sum(axis=1) - 1
    width = table.shape[1]
    lost = np.zeros(width)
    lost[1:] = np.where(seen[:, 1:], values[:, :-1] - values[:, 1:], 0.0).sum(axis=0)
    survivors = np.bincount(
        last, weights=values[np.arange(len(table)), last], minlength=width
    ).astype(np.float64)
    return lost, survivors


def sbg_fit(alive: AliveLike) -> SbgFit:
    """
    Fit the shifted-beta-geometric model to survivor counts by cohort.

    Parameters
    ----------
    alive : array-like, 2-d array, pandas.DataFrame or list of array-like
        Customers still active at periods 0, 1, ..., n: ``alive[0]`` is the
        cohort at acquisition, ``alive[t]`` those who renewed through period
        ``t``. Counts, not percentages (the standard errors depend on them);
        whole numbers, non-increasing. Several cohorts observed for
        different lengths are given as rows of a 2-d array or frame (NaN
        after a cohort's last observed period) or as a list of 1-d arrays;
        they share one ``(alpha, beta)``, and each cohort's survivors at its
        last period are right-censored there.

    Returns
    -------
    SbgFit
        The maximum-likelihood estimate with its log-likelihood and the
        covariance of ``(log alpha, log beta)``.

    Raises
    ------
    ValueError
        If a count is negative, not whole or not finite, a cohort's counts
        increase, a cohort has no count at period 0, or NaN comes before a
        count. The message names the offending (cohort, period) cells.
    TypeError
        If `alive` is not numeric.

    See Also
    --------
    sbg_fit_lifetimes : Fit from one lifetime per customer, per group.
    sbg_log_likelihood : The log-likelihood at any (alpha, beta).

    Notes
    -----
    The likelihood (Fader & Hardie 2007, eq. 6) is
    ``sum_t n_t log P(T = t) + sum_c s_c log S(t_c)``: ``n_t`` customers
    lost in period ``t`` over all cohorts, ``s_c`` survivors of cohort
    ``c`` at its last observed period ``t_c``. The fit maximises it over
    ``(log alpha, log beta)`` in ``[-15, 15]`` by damped Newton steps with
    the analytic gradient and Hessian, starting from ``alpha = beta = 1``
    (the same solver `sbg_fit_lifetimes` runs for many groups at once).

    References
    ----------
    P. S. Fader and B. G. S. Hardie, "How to project customer retention",
    Journal of Interactive Marketing 21(1), 76-90, 2007.

    Examples
    --------
    The "High End" segment of Fader & Hardie (2007), years 0-7:

    >>> from subscription_metrics.survival import sbg_fit
    >>> fit = sbg_fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(fit.alpha, 3), round(fit.beta, 3), round(fit.log_likelihood, 1)
    (0.668, 3.806, -1611.2)

    Two cohorts, the younger observed for two periods only:

    >>> fit = sbg_fit([[1000, 631, 468, 382], [500, 320, 235]])
    >>> fit.n_customers, fit.n_periods
    (1500, 3)
    """
    lost, survivors = _alive_counts(alive)
    fits = _fit_counts(lost[None, :], survivors[None, :])
    warn_fits(fits.alpha, fits.beta, fits.converged)
    return fits.fit(0)


def sbg_log_likelihood(alive: AliveLike, alpha: float, beta: float) -> float:
    """
    Return the sBG log-likelihood of survivor counts at given parameters.

    Parameters
    ----------
    alive : array-like, 2-d array, pandas.DataFrame or list of array-like
        Survivor counts by cohort, as for `sbg_fit`.
    alpha, beta : float
        Model parameters, > 0.

    Returns
    -------
    float
        The log-likelihood (the multinomial constant left out, as in Fader
        & Hardie 2007), for comparing fits or profiling.

    Raises
    ------
    ValueError, TypeError
        As for `sbg_fit`, and if `alpha` or `beta` is not a positive number.

    Examples
    --------
    Fader & Hardie (2007), High End, at ``alpha = beta = 1``:

    >>> from subscription_metrics.survival import sbg_log_likelihood
    >>> alive = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> round(sbg_log_likelihood(alive, alpha=1.0, beta=1.0), 1)
    -2115.5
    """
    a, b = _parameters(alpha, beta)
    lost, survivors = _alive_counts(alive)
    counts = _Counts.of(lost[None, :], survivors[None, :])
    theta = np.log(np.array([[float(a), float(b)]]))
    return float(counts.log_likelihood(theta)[0])


# --------------------------------------------------------------------------
# Fits from lifetimes, per group
# --------------------------------------------------------------------------


@overload
def sbg_fit_lifetimes(
    durations: npt.ArrayLike, observed: npt.ArrayLike, *, groups: None = ...
) -> SbgFit: ...
@overload
def sbg_fit_lifetimes(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    *,
    groups: npt.ArrayLike | pd.Series[Any] | pd.DataFrame,
) -> pd.DataFrame: ...
def sbg_fit_lifetimes(
    durations: npt.ArrayLike,
    observed: npt.ArrayLike,
    *,
    groups: GroupsLike = None,
) -> SbgFit | pd.DataFrame:
    """
    Fit the shifted-beta-geometric model to customer lifetimes, per group.

    Parameters
    ----------
    durations : array-like of int
        Per customer, in whole periods. For a churned customer, the number
        of periods it paid, ``T >= 1`` (it churned at its ``T``-th renewal
        decision). For an active customer, the number of renewal decisions
        it has passed, ``>= 0``: it is known to have ``T > durations``, the
        same right-censoring as `kaplan_meier`. A cohort's survivor counts
        ``alive`` correspond to ``alive[t-1] - alive[t]`` customers with
        ``(t, churned)`` and ``alive[n]`` with ``(n, active)``.
    observed : array-like of bool
        True (or 1) when the churn was seen, False (or 0) when the customer
        is still active.
    groups : array-like or pandas.DataFrame, optional
        A label per customer (or a frame of label columns); one fit per
        distinct label (combination). Missing labels form a group.

    Returns
    -------
    SbgFit or pandas.DataFrame
        Without `groups`, one `SbgFit`. With `groups`, a frame indexed by
        the group levels with the columns `FIT_COLUMNS`: ``alpha``,
        ``beta``, ``se_alpha``, ``se_beta``, ``log_likelihood``,
        ``n_customers``, ``n_periods`` and ``converged``. A group without a
        single churn has NaN parameters and ``converged`` False.

    Raises
    ------
    ValueError
        If the lengths differ, a duration is negative, not whole or not
        finite, a churned customer has ``durations < 1``, or `observed` is
        not 0/1.
    TypeError
        If `durations` is not numeric or `observed` not boolean or 0/1.

    Notes
    -----
    The counts per group and period are built in one vectorised pass, and
    one damped Newton iteration fits every group at once (tens of
    milliseconds for a thousand groups); a group it cannot finish, which
    is rare, is refitted alone with L-BFGS-B.

    Examples
    --------
    >>> import numpy as np
    >>> from subscription_metrics.survival import sbg_fit_lifetimes
    >>> periods = np.arange(1, 8)
    >>> lost = [369, 163, 86, 56, 37, 27, 21]
    >>> durations = np.concatenate([np.repeat(periods, lost), np.full(241, 7)])
    >>> observed = np.arange(1000) < 759
    >>> fit = sbg_fit_lifetimes(durations, observed)
    >>> round(fit.alpha, 3), round(fit.beta, 3)
    (0.704, 1.182)
    >>> plan = np.where(np.arange(1000) % 2 == 0, "basic", "pro")
    >>> sbg_fit_lifetimes(durations, observed, groups=plan)[["alpha", "beta"]].round(2)
           alpha  beta
    group
    basic   0.71  1.18
    pro     0.70  1.18
    """
    fits, labels = _lifetime_batch(durations, observed, groups)
    return fits_table(fits, labels)


def fits_table(fits: _Fits, labels: pd.DataFrame | None) -> SbgFit | pd.DataFrame:
    """Finish `sbg_fit_lifetimes`: warn, then return one fit or a frame of them."""
    warn_fits(fits.alpha, fits.beta, fits.converged)
    if labels is None:
        return fits.fit(0)
    columns = {
        "alpha": fits.alpha,
        "beta": fits.beta,
        "se_alpha": fits.alpha * np.sqrt(fits.covariance[:, 0, 0]),
        "se_beta": fits.beta * np.sqrt(fits.covariance[:, 1, 1]),
        "log_likelihood": fits.log_likelihood,
        "n_customers": fits.n_customers,
        "n_periods": fits.n_periods,
        "converged": fits.converged,
    }
    names = list(labels.columns)
    index = (
        pd.MultiIndex.from_frame(labels)
        if len(names) > 1
        else pd.Index(labels[names[0]], name=names[0])
    )
    return pd.DataFrame(columns, index=index)


def lifetime_fits(
    durations: npt.ArrayLike, observed: npt.ArrayLike, groups: GroupsLike
) -> tuple[list[SbgFit], pd.DataFrame | None]:
    """
    Validate lifetimes and fit one `SbgFit` per group, in group-label order.

    Returns the fits and the group labels (None without `groups`), as
    `sbg_fit_lifetimes` reports them.
    """
    fits, labels = _lifetime_batch(durations, observed, groups)
    return fits.fits(), labels


def _lifetime_batch(
    durations: npt.ArrayLike, observed: npt.ArrayLike, groups: GroupsLike
) -> tuple[_Fits, pd.DataFrame | None]:
    """
    Validate lifetimes and fit every group as one batch (`_fit_counts`).

    The counts per (group, period) come from one `numpy.bincount`.
    """
    duration, _ = numbers(durations, name="durations")
    churned = flags(observed, name="observed")
    n = check_lengths({"durations": len(duration), "observed": len(churned)})
    _offending(duration < 0, duration, name="durations", rule="be >= 0")
    whole = duration != np.round(duration)
    _offending(whole, duration, name="durations", rule="be whole periods")
    _offending(
        churned & (duration < 1), duration, name="durations", rule="be >= 1 for churn"
    )
    code, labels = group_codes(groups, n)
    n_groups = 1 if labels is None else len(labels)
    width = int(duration.max()) + 1 if n else 1
    period = duration.astype(np.int64)
    cell = code * width + period
    size = n_groups * width
    lost = np.bincount(cell[churned], minlength=size).reshape(n_groups, width)
    still = np.bincount(cell[~churned], minlength=size).reshape(n_groups, width)
    return fit_counts(lost.astype(np.float64), still.astype(np.float64)), labels


def fit_counts(lost: FloatArray, still: FloatArray) -> _Fits:
    """Fit every group from its churn and survivor counts per period (the finish).

    Exact counts of blocks of customers add up cell by cell before this is
    called; a group's fit does not depend on the other groups or the padding.
    """
    return _fit_counts(lost, still)


# --------------------------------------------------------------------------
# Model functions
# --------------------------------------------------------------------------


def _parameters(
    alpha: npt.ArrayLike, beta: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    a, _ = _any_numbers(alpha, name="alpha")
    b, _ = _any_numbers(beta, name="beta")
    _offending(np.atleast_1d(a <= 0), np.atleast_1d(a), name="alpha", rule="be > 0")
    _offending(np.atleast_1d(b <= 0), np.atleast_1d(b), name="beta", rule="be > 0")
    return a, b


def _any_numbers(value: object, *, name: str) -> tuple[FloatArray, bool]:
    """Return a finite float array of any shape, and whether it is 0-d."""
    if isinstance(value, str | bytes | bool | np.bool_) or value is None:
        msg = f"{name!r} must be numeric, got {type(value).__name__}"
        raise TypeError(msg)
    raw = value.to_numpy() if isinstance(value, pd.Series) else value
    array = np.asarray(raw)
    if array.dtype.kind not in "iuf":
        msg = f"{name!r} must be numeric, got dtype {array.dtype}"
        raise TypeError(msg)
    floats = array.astype(np.float64)
    _offending(
        np.atleast_1d(~np.isfinite(floats)),
        np.atleast_1d(floats),
        name=name,
        rule="be finite (no NaN or inf)",
    )
    return floats, floats.ndim == 0


def _periods(t: npt.ArrayLike, *, name: str, minimum: int) -> FloatArray:
    periods, _ = _any_numbers(t, name=name)
    flat = np.atleast_1d(periods)
    _offending(flat < minimum, flat, name=name, rule=f"be >= {minimum}")
    _offending(flat != np.round(flat), flat, name=name, rule="be whole periods")
    return periods


def _shape(result: FloatArray, *inputs: npt.ArrayLike) -> float | FloatArray:
    """Return a float when every input was a scalar, else the array."""
    if all(np.ndim(np.asarray(v)) == 0 for v in inputs):
        return float(result)
    return result


def _broadcast(*arrays: FloatArray, names: tuple[str, ...]) -> list[FloatArray]:
    try:
        return [np.asarray(a) for a in np.broadcast_arrays(*arrays)]
    except ValueError:
        shapes = ", ".join(
            f"{n!r} {a.shape}" for n, a in zip(names, arrays, strict=True)
        )
        msg = f"arguments must have broadcastable shapes, got {shapes}"
        raise ValueError(msg) from None


@overload
def sbg_retention(alpha: float, beta: float, t: float) -> float: ...
@overload
def sbg_retention(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray: ...
def sbg_retention(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray:
    """
    Return the sBG retention rate of period `t`: the share who renew.

    ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` is the probability
    that a customer active through period ``t - 1`` renews at period ``t``.
    It rises with ``t``: the customers likely to churn leave first.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0.
    t : int or array-like of int
        Periods, >= 1. The arguments broadcast together.

    Returns
    -------
    float or numpy.ndarray
        A fraction in (0, 1); a ``float`` when every argument is a scalar.

    Raises
    ------
    ValueError
        If a parameter is not positive, a period is below 1 or not whole,
        or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_retention
    >>> sbg_retention(alpha=0.704, beta=1.182, t=[1, 2, 12]).round(3)
    array([0.627, 0.756, 0.945])
    """
    a, b = _parameters(alpha, beta)
    period = _periods(t, name="t", minimum=1)
    a, b, period = _broadcast(a, b, period, names=("alpha", "beta", "t"))
    return _shape((b + period - 1) / (a + b + period - 1), alpha, beta, t)


@overload
def sbg_survival(alpha: float, beta: float, t: float) -> float: ...
@overload
def sbg_survival(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray: ...
def sbg_survival(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray:
    """
    Return the sBG survival ``S(t) = P(T > t)``: the share still active at `t`.

    ``S(t) = B(alpha, beta + t) / B(alpha, beta)``, computed as
    ``exp(betaln(alpha, beta + t) - betaln(alpha, beta))``; it equals the
    product of `sbg_retention` over periods ``1 .. t``, and ``S(0) = 1``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0.
    t : int or array-like of int
        Periods, >= 0. The arguments broadcast together.

    Returns
    -------
    float or numpy.ndarray
        A fraction in (0, 1]; a ``float`` when every argument is a scalar.

    Raises
    ------
    ValueError
        If a parameter is not positive, a period is negative or not whole,
        or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_survival
    >>> sbg_survival(alpha=0.704, beta=1.182, t=[0, 1, 7, 12]).round(3)
    array([1.   , 0.627, 0.239, 0.17 ])
    """
    a, b = _parameters(alpha, beta)
    period = _periods(t, name="t", minimum=0)
    a, b, period = _broadcast(a, b, period, names=("alpha", "beta", "t"))
    result = np.exp(betaln(a, b + period) - betaln(a, b))
    return _shape(result, alpha, beta, t)


@overload
def sbg_churn_probability(alpha: float, beta: float, t: float) -> float: ...
@overload
def sbg_churn_probability(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray: ...
def sbg_churn_probability(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, t: npt.ArrayLike
) -> float | FloatArray:
    """
    Return ``P(T = t)``: the probability that a new customer churns in period `t`.

    ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``, that is
    ``S(t - 1) - S(t)``; ``P(T = 1) = alpha / (alpha + beta)``. ``T`` counts
    the periods paid, so ``T = t`` is a customer who paid ``t`` periods.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0.
    t : int or array-like of int
        Periods, >= 1. The arguments broadcast together.

    Returns
    -------
    float or numpy.ndarray
        A probability; a ``float`` when every argument is a scalar.

    Raises
    ------
    ValueError
        If a parameter is not positive, a period is below 1 or not whole,
        or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_churn_probability
    >>> round(sbg_churn_probability(alpha=1.0, beta=1.0, t=1), 4)
    0.5
    >>> sbg_churn_probability(0.704, 1.182, [1, 2, 3]).round(4)
    array([0.3733, 0.1529, 0.0858])
    """
    a, b = _parameters(alpha, beta)
    period = _periods(t, name="t", minimum=1)
    a, b, period = _broadcast(a, b, period, names=("alpha", "beta", "t"))
    result = np.exp(betaln(a + 1, b + period - 1) - betaln(a, b))
    return _shape(result, alpha, beta, t)


@overload
def sbg_expected_lifetime(alpha: float, beta: float) -> float: ...
@overload
def sbg_expected_lifetime(
    alpha: npt.ArrayLike, beta: npt.ArrayLike
) -> float | FloatArray: ...
def sbg_expected_lifetime(
    alpha: npt.ArrayLike, beta: npt.ArrayLike
) -> float | FloatArray:
    """
    Return the expected lifetime ``E[T]`` in periods paid, period 0 included.

    ``E[T] = sum_{t >= 0} S(t) = (alpha + beta - 1) / (alpha - 1)`` when
    ``alpha > 1``: the expected number of payments of a new customer,
    counting the one at acquisition (period 0). It equals `sbg_del` at a
    zero discount rate. For ``alpha <= 1`` the mean is infinite (the tail
    of loyal customers is too heavy) and the result is ``inf``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0; they broadcast together.

    Returns
    -------
    float or numpy.ndarray
        Periods, >= 1, or ``inf``; a ``float`` for scalar arguments.

    Raises
    ------
    ValueError
        If a parameter is not positive or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_expected_lifetime
    >>> sbg_expected_lifetime(alpha=3.0, beta=4.0)
    3.0
    >>> sbg_expected_lifetime(alpha=0.668, beta=3.806)
    inf
    """
    a, b = _parameters(alpha, beta)
    a, b = _broadcast(a, b, names=("alpha", "beta"))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(a > 1, (a + b - 1) / (a - 1), np.inf)
    return _shape(result, alpha, beta)


@overload
def sbg_del(alpha: float, beta: float, discount_rate: float) -> float: ...
@overload
def sbg_del(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, discount_rate: npt.ArrayLike
) -> float | FloatArray: ...
def sbg_del(
    alpha: npt.ArrayLike, beta: npt.ArrayLike, discount_rate: npt.ArrayLike
) -> float | FloatArray:
    """
    Return the discounted expected lifetime (DEL) of a new customer.

    ``DEL(d) = sum_{t >= 0} S(t) / (1 + d) ** t
    = 2F1(1, beta; alpha + beta; 1 / (1 + d))`` (Fader & Hardie 2010): the
    expected number of payments, each discounted to acquisition, the first
    (period 0) undiscounted. Multiply by the margin per period for a
    lifetime value that accounts for heterogeneity.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0.
    discount_rate : float or array-like
        Per-period discount rate ``d``, >= 0. At 0 this is
        `sbg_expected_lifetime` (``inf`` when ``alpha <= 1``). The
        arguments broadcast together.

    Returns
    -------
    float or numpy.ndarray
        Discounted periods, >= 1; a ``float`` for scalar arguments.

    Raises
    ------
    ValueError
        If a parameter is not positive, a discount rate is negative or not
        finite, or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    References
    ----------
    P. S. Fader and B. G. S. Hardie, "Customer-base valuation in a
    contractual setting: the perils of ignoring heterogeneity", Marketing
    Science 29(1), 85-93, 2010.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_del
    >>> round(sbg_del(alpha=0.668, beta=3.806, discount_rate=0.1), 4)
    5.9226
    """
    a, b = _parameters(alpha, beta)
    d, _ = _any_numbers(discount_rate, name="discount_rate")
    flat = np.atleast_1d(d)
    _offending(flat < 0, flat, name="discount_rate", rule="be >= 0")
    a, b, d = _broadcast(a, b, d, names=("alpha", "beta", "discount_rate"))
    return _shape(_del(a, b, d), alpha, beta, discount_rate)


def _del(a: FloatArray, b: FloatArray, d: FloatArray) -> FloatArray:
    """
    DEL elementwise (the arguments broadcast): closed form or a summed series.

    ``hyp2f1`` is exact to about 1e-13 for ``beta <= 50`` but returns NaN, or
    a value off in the seventh digit, for larger ``beta`` (monthly data:
    low churn makes ``beta`` large); there the series is summed instead.
    """
    shape = np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(d))
    a, b, d = (np.broadcast_to(v, shape).ravel() for v in (a, b, d))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(a > 1, (a + b - 1) / (a - 1), np.inf)
    result[np.isnan(a) | np.isnan(b)] = np.nan
    discounted = (d > 0) & ~np.isnan(result)
    fast = discounted & (b <= _HYP2F1_MAX_BETA)
    result[fast] = hyp2f1(1.0, b[fast], a[fast] + b[fast], 1.0 / (1.0 + d[fast]))
    slow = discounted & ((b > _HYP2F1_MAX_BETA) | ~np.isfinite(result))
    if slow.any():
        result[slow] = _del_series(a[slow], b[slow], d[slow])
    out: FloatArray = result.reshape(shape)
    return out


def _del_series(a: FloatArray, b: FloatArray, d: FloatArray) -> FloatArray:
    """
    ``sum_t S(t) / (1 + d) ** t`` by the term recursion, for ``d > 0``.

    Each term is the previous one times ``r(t) / (1 + d)``, a ratio below
    ``q = 1 / (1 + d)``, so what remains after a term ``x`` is below
    ``x * q / (1 - q) = x / d``; the sum stops once that is below 1e-16 of
    it. Blocks of terms are added for every unfinished element at once.
    """
    q = 1.0 / (1.0 + d)
    total = np.ones(len(a))
    term = np.ones(len(a))
    active = np.arange(len(a))
    t = 0
    while active.size and t < _SERIES_MAX_TERMS:
        # A block of terms for every unfinished element at once: the ratios
        # of terms t + 1 .. t + block, multiplied up from the last term.
        block = int(np.clip(_SERIES_CELLS // active.size, 1, _SERIES_BLOCK))
        steps = t + np.arange(block, dtype=np.float64)
        ta, tb = a[active, None], b[active, None]
        ratios = q[active, None] * (tb + steps) / (ta + tb + steps)
        terms = term[active, None] * np.cumprod(ratios, axis=1)
        t += block
        term[active] = terms[:, -1]
        total[active] += terms.sum(axis=1)
        active = active[~(term[active] <= 1e-16 * total[active] * d[active])]
    if active.size:  # a geometric tail at the last ratio for what is left
        ratio = q[active] * (b[active] + t) / (a[active] + b[active] + t)
        total[active] += term[active] * ratio / (1 - ratio)
    return total


@overload
def sbg_derl(alpha: float, beta: float, discount_rate: float, n: float) -> float: ...
@overload
def sbg_derl(
    alpha: npt.ArrayLike,
    beta: npt.ArrayLike,
    discount_rate: npt.ArrayLike,
    n: npt.ArrayLike,
) -> float | FloatArray: ...
def sbg_derl(
    alpha: npt.ArrayLike,
    beta: npt.ArrayLike,
    discount_rate: npt.ArrayLike,
    n: npt.ArrayLike,
) -> float | FloatArray:
    """
    Return the discounted expected residual lifetime (DERL) of a customer.

    For a customer who has made ``n - 1`` renewals (paid ``n`` periods) and
    is about to decide on renewal ``n``, Fader & Hardie (2010) give
    ``DERL(d, n) = (beta + n - 1) / (alpha + beta + n - 1)
    * 2F1(1, beta + n; alpha + beta + n; 1 / (1 + d))``: the expected
    number of future payments, the next one undiscounted, each later one
    discounted by a further ``1 + d``. ``DEL(d) = 1 + DERL(d, 1) / (1 + d)``.

    Parameters
    ----------
    alpha, beta : float or array-like
        Model parameters, > 0.
    discount_rate : float or array-like
        Per-period discount rate ``d``, >= 0. At 0 this is
        ``(beta + n - 1) / (alpha - 1)``, ``inf`` when ``alpha <= 1``.
    n : int or array-like of int
        Periods paid so far, >= 1. The arguments broadcast together.

    Returns
    -------
    float or numpy.ndarray
        Discounted periods, >= 0; a ``float`` for scalar arguments.

    Raises
    ------
    ValueError
        If a parameter is not positive, a discount rate is negative, `n` is
        below 1 or not whole, or the shapes do not broadcast.
    TypeError
        If an argument is not numeric.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_del, sbg_derl
    >>> a, b, d = 0.704, 1.182, 0.1
    >>> round(sbg_derl(a, b, d, n=1), 4)
    2.9647
    >>> round(1 + sbg_derl(a, b, d, n=1) / (1 + d) - sbg_del(a, b, d), 12)
    0.0
    """
    a, b = _parameters(alpha, beta)
    d, _ = _any_numbers(discount_rate, name="discount_rate")
    flat = np.atleast_1d(d)
    _offending(flat < 0, flat, name="discount_rate", rule="be >= 0")
    paid = _periods(n, name="n", minimum=1)
    a, b, d, paid = _broadcast(
        a, b, d, paid, names=("alpha", "beta", "discount_rate", "n")
    )
    retention = (b + paid - 1) / (a + b + paid - 1)
    result = retention * _del(a, b + paid, d)
    return _shape(result, alpha, beta, discount_rate, n)


# --------------------------------------------------------------------------
# The model in mean churn and polarisation
# --------------------------------------------------------------------------


def curve(m: FloatArray, phi: FloatArray, width: int) -> FloatArray:
    """
    Survival ``S(0), ..., S(width - 1)`` for every element of `m` and `phi`.

    Renewal ``i`` churns ``h_i = m (1 - phi) / (1 + (i - 2) phi)`` of the
    customers facing it (``r(i) = 1 - h_i``), so ``log S(t) = sum_{i <= t}
    log1p(-h_i)``: exact at the geometric limit ``phi = 0`` and near it,
    where ``betaln(alpha, beta + t) - betaln(alpha, beta)`` loses digits.
    The result has the shape of ``m`` (which `phi` matches) plus a last axis
    of `width`; NaN parameters give NaN curves.
    """
    i = np.arange(1, width, dtype=np.float64)
    mean, polar = np.asarray(m)[..., None], np.asarray(phi)[..., None]
    hazard = mean * (1.0 - polar) / (1.0 + (i - 2.0) * polar)
    with np.errstate(divide="ignore"):
        log = np.cumsum(np.log1p(-np.minimum(hazard, 1.0)), axis=-1)
    start = np.zeros((*np.shape(m), 1))
    out: FloatArray = np.exp(np.concatenate([start + 0 * mean, log], axis=-1))
    return out


def payments(
    m: FloatArray, phi: FloatArray, discount: float, horizon: int | None
) -> FloatArray:
    """
    Return the expected discounted payments ``sum_{t < H} S(t) / (1 + d) ** t``.

    Elementwise over `m` and `phi`. With a `horizon` the curve is summed;
    without one it is DEL (`_del`, from ``alpha = m (1 - phi) / phi`` and
    ``beta = (1 - m) (1 - phi) / phi``), and at ``phi = 0`` the geometric
    sum ``1 / (1 - (1 - m) / (1 + d))`` (``inf`` when nothing is discounted
    and nobody churns). At a zero discount rate this is the expected
    lifetime (within the horizon).
    """
    m, phi = np.asarray(m, np.float64), np.asarray(phi, np.float64)
    if horizon is not None:
        weights = (1.0 + discount) ** -np.arange(horizon, dtype=np.float64)
        out: FloatArray = curve(m, phi, horizon) @ weights
        return out
    flat_m, flat_phi = m.ravel(), phi.ravel()
    result = np.full(flat_m.shape, np.nan)
    geometric = flat_phi == 0
    keep = (1.0 - flat_m[geometric]) / (1.0 + discount)
    with np.errstate(divide="ignore"):
        result[geometric] = np.where(keep < 1, 1.0 / (1.0 - keep), np.inf)
    rest = np.flatnonzero(~geometric & np.isfinite(flat_phi) & np.isfinite(flat_m))
    if rest.size:
        total = (1.0 - flat_phi[rest]) / flat_phi[rest]
        a, b = flat_m[rest] * total, (1.0 - flat_m[rest]) * total
        result[rest] = _del(a, b, np.full(rest.size, discount))
    return result.reshape(m.shape)


def lifetimes_and_survival(
    m: FloatArray,
    phi: FloatArray,
    discount: float,
    horizon: int | None,
    points: Sequence[int],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """
    Discounted and undiscounted `payments`, and ``S`` at `points`, from one curve.

    The same numbers as ``payments(m, phi, discount, horizon)``,
    ``payments(m, phi, 0.0, horizon)`` and ``curve(m, phi, width)[..., points]``
    (a prefix of a curve is the shorter curve, bit for bit: its log-survival
    is a running sum), with one survival curve instead of three where the
    horizon reaches the last point; the last axis of the third is `points`.
    """
    at = np.asarray(points, np.int64)
    width = int(at.max(initial=0)) + 1
    if horizon is None or horizon < width:
        return (
            payments(m, phi, discount, horizon),
            payments(m, phi, 0.0, horizon),
            curve(m, phi, width)[..., at],
        )
    survival = curve(np.asarray(m, np.float64), np.asarray(phi, np.float64), horizon)
    weights = (1.0 + discount) ** -np.arange(horizon, dtype=np.float64)
    ones = np.ones(horizon)
    return survival @ weights, survival @ ones, survival[..., at]


# --------------------------------------------------------------------------
# Uncertainty: a parametric bootstrap
# --------------------------------------------------------------------------

_FIT_CELLS: Final = 1 << 22  # (group, draw, period) cells refitted at once


def generator(seed: object) -> np.random.Generator:
    """Return a numpy Generator from an int or a Generator, or raise."""
    if isinstance(seed, bool) or not isinstance(
        seed, int | np.integer | np.random.Generator
    ):
        msg = f"'seed' must be an int or a numpy Generator, got {seed!r}"
        raise TypeError(msg)
    return (
        seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(int(seed))
    )


def _check_draws(n_draws: object) -> int:
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer):
        msg = f"'n_draws' must be an int, got {n_draws!r}"
        raise TypeError(msg)
    if n_draws < 2:
        msg = f"'n_draws' must be >= 2, got {n_draws!r}"
        raise ValueError(msg)
    return int(n_draws)


def window_sizes(code: IntArray, window: IntArray, n_groups: int) -> IntArray:
    """Subjects per (group, observation window), (groups, longest window + 1)."""
    width = int(window.max(initial=0)) + 1
    out: IntArray = (
        np.bincount(code * width + window, minlength=n_groups * width)
        .reshape(n_groups, width)
        .astype(np.int64)
    )
    return out


def _sequential_counts(
    s: FloatArray,
    code: IntArray,
    window: IntArray,
    *,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """
    Simulate churn and survivor counts, renewal by renewal, for every group.

    `s` is each group's survival curve, (groups, width); rows of the result
    are ``g * n_draws + b``, one per group and draw. Customers whose window
    is ``c`` are observed through renewal ``c``. See `_sequential_sizes`,
    which needs only the customers per (group, window).
    """
    n_groups, width = s.shape
    size = (
        np.bincount(code * width + window, minlength=n_groups * width)
        .reshape(n_groups, width)
        .astype(np.int64)
    )
    return _sequential_sizes(s, size, n_draws=n_draws, rng=rng)


def _sequential_sizes(
    s: FloatArray,
    size: IntArray,
    *,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """
    Simulate churn and survivor counts from the customers per (group, window).

    `size[g, c]` customers of group ``g`` are observed through renewal
    ``c`` (as wide as `s`). At renewal ``i`` the
    customers still observed and active churn as ``Binomial(at risk,
    h_i)``, ``h_i = 1 - S(i) / S(i - 1)``; of the survivors, those whose
    window ends at ``i`` are censored. Churn does not depend on the window,
    so the active customers are a uniformly random subset of those observed
    that long, and the number whose window is ``i`` is hypergeometric (the
    customers with window ``i`` among all with window ``>= i``). This is
    exactly the distribution of simulating every customer, with two draws
    per (draw, group, renewal): the work does not grow with the customers.
    """
    n_groups, width = s.shape
    # Customers observed for at least c renewals, c = 0 .. width (0 at width).
    later = np.concatenate(
        [size[:, ::-1].cumsum(axis=1)[:, ::-1], np.zeros((n_groups, 1), np.int64)],
        axis=1,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(s[:, :-1] > 0, 1.0 - s[:, 1:] / s[:, :-1], 1.0)
    hazard = np.clip(np.nan_to_num(hazard, nan=0.0), 0.0, 1.0)
    shape = (n_draws, n_groups)
    lost = np.zeros((n_draws, n_groups, width))
    still = np.zeros((n_draws, n_groups, width))
    still[:, :, 0] = size[:, 0]
    alive = np.broadcast_to(later[:, 1], shape).copy()
    for i in range(1, width):
        churned = rng.binomial(alive, hazard[:, i - 1])
        survivors = alive - churned
        censored = rng.hypergeometric(
            np.broadcast_to(size[:, i], shape),
            np.broadcast_to(later[:, i + 1], shape),
            survivors,
        )
        lost[:, :, i] = churned
        still[:, :, i] = censored
        alive = survivors - censored
    return (
        lost.transpose(1, 0, 2).reshape(-1, width),
        still.transpose(1, 0, 2).reshape(-1, width),
    )


def simulated_coordinates(
    m: FloatArray,
    phi: FloatArray,
    code: IntArray,
    window: IntArray,
    *,
    n_draws: int,
    rng: np.random.Generator,
    width: int | None = None,
) -> tuple[FloatArray, FloatArray]:
    """
    Parametric bootstrap of the fits: ``(m, phi)`` refitted, (groups, n_draws).

    Subject ``j`` of group ``code[j]`` is observed for ``window[j]``
    renewals (its age at the end of the data, or at the horizon). In every
    draw the group's customers are simulated from its fitted ``(m, phi)``:
    a churn seen at age ``T`` when ``T <= window[j]``, else a customer
    still active at ``window[j]``, the censoring of the real data
    (`_sequential_counts`, in distribution the same as simulating each
    customer). Only the customers per (group, window) matter
    (`simulated_from_sizes`, which does the work). Groups with NaN
    parameters get NaN draws.
    """
    sizes = window_sizes(code, window, len(m))
    if width is not None and width > sizes.shape[1]:
        sizes = np.pad(sizes, ((0, 0), (0, width - sizes.shape[1])))
    return simulated_from_sizes(m, phi, sizes, n_draws=n_draws, rng=rng)


def simulated_from_sizes(
    m: FloatArray,
    phi: FloatArray,
    sizes: IntArray,
    *,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """
    Parametric bootstrap of the fits from the customers per (group, window).

    `sizes[g, c]` customers of group ``g`` are observed for ``c`` renewals
    (`window_sizes`); the exact counts of blocks of customers add up cell
    by cell before this is called. Every simulated group is refitted by the
    batched solver (`_fit_counts`, all groups and draws as one batch,
    without the one-group fallback) and read as ``(m, phi)``
    (`mean_polarisation`, so a refit at the geometric limit is ``phi =
    0``). Every group and draw is independent of the others, and the same
    `rng` state gives the same draws; the draws depend on the width of
    `sizes` (one more than the longest window of all the groups).

    Groups are simulated and refitted `_FIT_CELLS` (group, draw, period)
    cells at a time, which bounds the memory. When there is more than one
    such batch, each draws from its own stream (``rng.spawn``, one child
    per batch, in batch order) and the batches run on as many threads as
    the process may use (`_kernels.usable_cpus`): numpy releases the GIL in the
    simulation and in the refits' array arithmetic. The streams are fixed
    by the batches, not by the threads, so the draws are the same on any
    number of cores.
    """
    n_groups, width = sizes.shape
    per_chunk = max(1, _FIT_CELLS // (n_draws * width))
    if n_groups <= per_chunk:
        return _simulated_batch(m, phi, sizes, n_draws=n_draws, rng=rng)
    # Bound the memory: a batch of groups at a time, each with its own stream.
    bounds = [
        (lo, min(lo + per_chunk, n_groups)) for lo in range(0, n_groups, per_chunk)
    ]
    streams = rng.spawn(len(bounds))

    def batch(k: int) -> tuple[FloatArray, FloatArray]:
        lo, hi = bounds[k]
        return _simulated_batch(
            m[lo:hi], phi[lo:hi], sizes[lo:hi], n_draws=n_draws, rng=streams[k]
        )

    threads = min(len(bounds), usable_cpus())
    if threads > 1:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            done = list(pool.map(batch, range(len(bounds))))
    else:
        done = [batch(k) for k in range(len(bounds))]
    return (
        np.concatenate([d[0] for d in done]),
        np.concatenate([d[1] for d in done]),
    )


def _simulated_batch(
    m: FloatArray,
    phi: FloatArray,
    sizes: IntArray,
    *,
    n_draws: int,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray]:
    """Simulate and refit one batch of groups (`simulated_from_sizes`)."""
    n_groups, width = sizes.shape
    usable = np.isfinite(m) & np.isfinite(phi)
    s = curve(np.where(usable, m, 0.0), np.where(usable, phi, 0.0), width)
    lost, still = _sequential_sizes(s, sizes, n_draws=n_draws, rng=rng)
    # Start every refit at its group's estimate (inside the box, where the
    # estimate is at the geometric limit): a few Newton steps instead of ~20.
    total = np.where(phi > 0, (1.0 - phi) / np.where(phi > 0, phi, 1.0), 1e5)
    with np.errstate(divide="ignore", invalid="ignore"):
        theta = np.log(np.stack([m * total, (1.0 - m) * total], axis=1))
    theta = np.where(np.isfinite(theta) & usable[:, None], theta, 0.0)
    theta -= np.maximum(theta.max(axis=1, keepdims=True) - 12.0, 0.0)
    theta = np.maximum(theta, -12.0)
    dm, dphi = _refit_coordinates(lost, still, np.repeat(theta, n_draws, axis=0))
    dm = dm.reshape(n_groups, n_draws)
    dphi = dphi.reshape(n_groups, n_draws)
    dm[~usable] = np.nan
    dphi[~usable] = np.nan
    return dm, dphi


def _windows(fit: SbgFit) -> IntArray:
    """
    Observation windows for a fit's customers, from its counts alone.

    A customer censored at ``c`` was observed for exactly ``c`` renewals; one
    lost at ``t`` for ``t`` or more. The distribution of the windows is the
    reverse Kaplan-Meier estimate (the censoring as the event, a churn at
    ``t`` still at risk of censoring at ``t``), and the ``n`` customers get
    its ``(k + 1/2) / n`` quantiles.
    """
    lost = np.asarray(fit.lost, np.float64)
    censored = np.asarray(fit.censored, np.float64)
    n = round(float(lost.sum() + censored.sum()))
    at_risk = np.cumsum((lost + censored)[::-1])[::-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        hazard = np.where(at_risk > 0, censored / at_risk, 0.0)
    hazard[-1] = 1.0
    kept = np.concatenate([[1.0], np.cumprod(1.0 - hazard)[:-1]])
    cdf = np.cumsum(kept * hazard)
    quantile = (np.arange(n) + 0.5) / n
    out: IntArray = np.minimum(
        np.searchsorted(cdf, quantile, side="left"), len(cdf) - 1
    ).astype(np.int64)
    return out


def _fit_draws(
    fit: SbgFit, n_draws: int, seed: object
) -> tuple[FloatArray, FloatArray] | None:
    """Bootstrap ``(m, phi)`` of one fit, or None when it cannot have any."""
    if not isinstance(fit, SbgFit):
        msg = f"'fit' must be an SbgFit, got {type(fit).__name__}"
        raise TypeError(msg)
    draws = _check_draws(n_draws)
    rng = generator(seed)
    m, phi = _coordinates(fit)
    identified = fit.converged or (phi == 0 and m > 0)
    if not fit.lost or not identified:
        return None
    window = _windows(fit)
    dm, dphi = simulated_coordinates(
        np.array([m]),
        np.array([phi]),
        np.zeros(len(window), np.int64),
        window,
        n_draws=draws,
        rng=rng,
    )
    return dm[0], dphi[0]


def percentile_band(draws: FloatArray, level: float) -> tuple[FloatArray, FloatArray]:
    """Central `level` interval along the last axis (NaN where a draw is NaN)."""
    tail = (1 - level) / 2
    flat = draws.reshape(-1, draws.shape[-1])
    lower = np.full(len(flat), np.nan)
    upper = lower.copy()
    rows = ~np.isnan(flat).any(axis=1)
    if rows.any():
        lower[rows] = np.quantile(flat[rows], tail, axis=1, method="inverted_cdf")
        upper[rows] = np.quantile(flat[rows], 1 - tail, axis=1, method="inverted_cdf")
    shape = draws.shape[:-1]
    return lower.reshape(shape), upper.reshape(shape)


def sbg_survival_interval(
    fit: SbgFit,
    t: npt.ArrayLike,
    *,
    level: float = 0.95,
    n_draws: int = 2_000,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """
    Project survival with a parametric-bootstrap interval.

    The fit's customers are simulated `n_draws` times from the fitted
    model, each observed as long as the real data observed it; every
    simulated data set is refitted, and the central `level` share of the
    refits' ``S(t)`` is reported (a percentile interval). The fits and the
    projections run in mean churn and polarisation (`SbgFit.mean_churn`,
    `SbgFit.polarisation`), where the geometric limit is an ordinary point,
    so the interval stays finite and tight when churn hardly varies
    across customers.

    Parameters
    ----------
    fit : SbgFit
        A fit from `sbg_fit` or `sbg_fit_lifetimes` (which carry their
        data).
    t : int or array-like of int
        Periods to project, >= 0.
    level : float, default 0.95
        Coverage of the interval, in (0, 1).
    n_draws : int, default 2000
        Simulated data sets (the bounds' Monte Carlo error shrinks as
        ``1 / sqrt(n_draws)``; the work grows with customers times draws).
    seed : int or numpy.random.Generator
        Makes the simulation reproducible; required.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period`` (the `t` given, in order), with ``survival``
        (at the estimate) and the ``lower`` and ``upper`` bounds. The bounds
        are NaN when the fit carries no data (built by hand) or is not
        identified (it did not converge and is not at the geometric limit,
        as with a single period of data). They reflect sampling
        uncertainty under the model: the model itself is assumed right.

    Raises
    ------
    ValueError
        If a period is negative or not whole, `level` is not in (0, 1), or
        `n_draws` is below 2.
    TypeError
        If `fit` is not an `SbgFit`, or `seed` or `n_draws` has the wrong
        type.

    Notes
    -----
    With survivor counts only, how long a churned customer would have been
    observed is not known; the observation windows are taken from the
    reverse Kaplan-Meier estimate of the counts (censoring as the event).
    `early_ltv` knows every customer's window and uses it.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_fit, sbg_survival_interval
    >>> fit = sbg_fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> sbg_survival_interval(fit, [7, 12], seed=1).round(3)
            survival  lower  upper
    period
    7          0.489  0.458  0.521
    12         0.378  0.339  0.417
    """
    level = check_level(level)
    period = np.atleast_1d(_periods(t, name="t", minimum=0))
    if period.ndim != 1:
        msg = f"'t' must be a scalar or one-dimensional, got shape {period.shape}"
        raise ValueError(msg)
    draws = _fit_draws(fit, n_draws, seed)
    point = np.exp(betaln(fit.alpha, fit.beta + period) - betaln(fit.alpha, fit.beta))
    m, phi = _coordinates(fit)
    if phi == 0 and m > 0:  # the geometric limit (not a fit without churn)
        point = (1.0 - m) ** period
    width = int(period.max(initial=0)) + 1
    lower = upper = np.full(point.shape, np.nan)
    if draws is not None:
        sampled = curve(draws[0], draws[1], width)[:, period.astype(np.int64)]
        lower, upper = percentile_band(sampled.T, level)
    index = pd.Index(period.astype(np.int64), name="period")
    return pd.DataFrame(
        {"survival": point, "lower": lower, "upper": upper}, index=index
    )


def sbg_del_interval(
    fit: SbgFit,
    discount_rate: npt.ArrayLike,
    *,
    level: float = 0.95,
    n_draws: int = 2_000,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """
    Return the discounted expected lifetime with a parametric-bootstrap interval.

    As `sbg_survival_interval`, for `sbg_del`: multiply the three columns
    by a (certain) margin per period for a lifetime value and its interval.

    Parameters
    ----------
    fit : SbgFit
        A fit from `sbg_fit` or `sbg_fit_lifetimes`.
    discount_rate : float or array-like
        Per-period discount rates, >= 0.
    level : float, default 0.95
        Coverage of the interval, in (0, 1).
    n_draws : int, default 2000
        Simulated data sets.
    seed : int or numpy.random.Generator
        Makes the simulation reproducible; required.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``discount_rate``, with ``del`` (at the estimate) and
        the ``lower`` and ``upper`` bounds, NaN as for
        `sbg_survival_interval`. At a zero rate, refits with ``alpha <= 1``
        have an infinite lifetime, so the upper bound (and perhaps the
        estimate) can be ``inf``. At the geometric limit the estimate is the
        geometric one, ``1 / (1 - (1 - m) / (1 + d))``.

    Raises
    ------
    ValueError
        If a discount rate is negative or not finite, `level` is not in
        (0, 1), or `n_draws` is below 2.
    TypeError
        If `fit` is not an `SbgFit`, or `seed` or `n_draws` has the wrong
        type.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_del_interval, sbg_fit
    >>> fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> sbg_del_interval(fit, [0.1], seed=1).round(2)
                    del  lower  upper
    discount_rate
    0.1           3.69   3.47   3.92
    """
    level = check_level(level)
    d, _ = _any_numbers(discount_rate, name="discount_rate")
    rate = np.atleast_1d(d)
    if rate.ndim != 1:
        msg = f"'discount_rate' must be a scalar or one-dimensional, got {rate.shape}"
        raise ValueError(msg)
    _offending(rate < 0, rate, name="discount_rate", rule="be >= 0")
    draws = _fit_draws(fit, n_draws, seed)
    m, phi = _coordinates(fit)
    if phi == 0 and m > 0:  # the geometric limit (not a fit without churn)
        point = np.array(
            [float(payments(np.array(m), np.array(0.0), r, None)) for r in rate]
        )
    else:
        point = _del(
            np.full(rate.shape, fit.alpha), np.full(rate.shape, fit.beta), rate
        )
    lower = upper = np.full(point.shape, np.nan)
    if draws is not None:
        sampled = np.stack([payments(draws[0], draws[1], float(r), None) for r in rate])
        lower, upper = percentile_band(sampled, level)
    index = pd.Index(rate, name="discount_rate")
    return pd.DataFrame({"del": point, "lower": lower, "upper": upper}, index=index)
