"""The shifted-beta-geometric (sBG) model of contractual retention.

Fader & Hardie (2007): each customer renews every period with its own
probability ``1 - theta``, constant over time, and ``theta`` varies across
customers as ``Beta(alpha, beta)``. The lifetime ``T`` (periods paid, >= 1) is
then shifted-beta-geometric. Heterogeneity alone makes the cohort's retention
rise with tenure, ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)``: the
customers likely to churn leave first.

Fits maximise the likelihood over ``(log alpha, log beta)`` with analytic
gradients (digamma) and an analytic observed information (trigamma); the work
that scales with the data (counting customers per period) is vectorised, and
only the optimiser runs once per group.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, TypeAlias, overload

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen
from scipy.optimize import minimize
from scipy.special import betaln, digamma, hyp2f1, polygamma

from ._km import GroupsLike, check_lengths, flags, group_codes, numbers
from ._km import offending as _offending

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
_SERIES_BLOCK: Final = 64  # DEL series terms added between convergence checks
_SERIES_MAX_TERMS: Final = 1_000_000


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
        positive definite (the fit did not converge).
    n_customers : int
        Customers in the data (everyone in period 0).
    n_periods : int
        The longest observation, in periods.
    converged : bool
        Whether the optimiser reached a point where the gradient vanishes,
        inside the bounds ``exp(+-15)``. When data cannot tell the
        parameters apart (no churn at all, or churn that does not vary
        across customers, where ``alpha`` and ``beta`` grow without bound)
        this is False and the estimate should not be used.

    Notes
    -----
    Standard errors use the delta method from the log scale:
    ``se_alpha = alpha * sqrt(covariance[0][0])``.

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

    @property
    def se_alpha(self) -> float:
        """Standard error of `alpha` (delta method from the log scale)."""
        return self.alpha * math.sqrt(self.covariance[0][0])

    @property
    def se_beta(self) -> float:
        """Standard error of `beta` (delta method from the log scale)."""
        return self.beta * math.sqrt(self.covariance[1][1])


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
    ``betaln(alpha, beta + t) - betaln(alpha, beta)``.
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
            c = np.linalg.inv(information)
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
            step = np.linalg.solve(-hessian, gradient)
            candidate = np.clip(theta + step, -_LOG_BOUND, _LOG_BOUND)
            new_a, new_b = (float(v) for v in np.exp(candidate))
            if not self.log_likelihood(new_a, new_b) >= ll:
                break
            theta = candidate
            if np.abs(step).max() < 1e-12:
                break
        return theta


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


def _alive_terms(alive: AliveLike) -> _Terms:
    """Validate survivor counts and pool them into likelihood terms."""
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
    return _Terms.of(lost, survivors)


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
    ``(log alpha, log beta)`` (L-BFGS-B then Newton steps, analytic
    gradient and Hessian), starting from ``alpha = beta = 1``.

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
    return _alive_terms(alive).fit()


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
    return _alive_terms(alive).log_likelihood(float(a), float(b))


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
    The counts per group and period are built in one vectorised pass; the
    optimiser then runs once per group (milliseconds each).

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
    fits, labels = lifetime_fits(durations, observed, groups)
    if labels is None:
        return fits[0]
    columns = {
        "alpha": [f.alpha for f in fits],
        "beta": [f.beta for f in fits],
        "se_alpha": [f.se_alpha for f in fits],
        "se_beta": [f.se_beta for f in fits],
        "log_likelihood": [f.log_likelihood for f in fits],
        "n_customers": np.array([f.n_customers for f in fits], np.int64),
        "n_periods": np.array([f.n_periods for f in fits], np.int64),
        "converged": np.array([f.converged for f in fits], np.bool_),
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

    The counts per (group, period) come from one `numpy.bincount`; only the
    optimiser runs once per group. Returns the fits and the group labels
    (None without `groups`), as `sbg_fit_lifetimes` reports them.
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
    fits = [
        _Terms.of(lost[g].astype(np.float64), still[g].astype(np.float64)).fit()
        for g in range(n_groups)
    ]
    return fits, labels


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
        ta, tb, tq = a[active], b[active], q[active]
        x, sum_ = term[active], total[active]
        for _ in range(_SERIES_BLOCK):
            t += 1
            x = x * tq * (tb + (t - 1)) / (ta + tb + (t - 1))
            sum_ = sum_ + x
        term[active], total[active] = x, sum_
        active = active[~(x <= 1e-16 * sum_ * d[active])]
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
# Uncertainty
# --------------------------------------------------------------------------


def _check_level(level: float) -> float:
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating):
        msg = f"'level' must be a number in (0, 1), got {level!r}"
        raise TypeError(msg)
    if not 0 < level < 1:
        msg = f"'level' must be in (0, 1), got {level!r}"
        raise ValueError(msg)
    return float(level)


def _draws(
    fit: SbgFit, n_draws: int, seed: int | np.random.Generator
) -> tuple[FloatArray, FloatArray] | None:
    """Parameter draws from the normal approximation on the log scale."""
    if not isinstance(fit, SbgFit):
        msg = f"'fit' must be an SbgFit, got {type(fit).__name__}"
        raise TypeError(msg)
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer):
        msg = f"'n_draws' must be an int, got {n_draws!r}"
        raise TypeError(msg)
    if n_draws < 2:
        msg = f"'n_draws' must be >= 2, got {n_draws!r}"
        raise ValueError(msg)
    if isinstance(seed, bool) or not isinstance(
        seed, int | np.integer | np.random.Generator
    ):
        msg = f"'seed' must be an int or a numpy Generator, got {seed!r}"
        raise TypeError(msg)
    covariance = np.array(fit.covariance, dtype=np.float64)
    if not np.isfinite(covariance).all() or not math.isfinite(fit.alpha):
        return None
    rng = np.random.default_rng(seed)
    mean = np.log([fit.alpha, fit.beta])
    sample = rng.multivariate_normal(mean, covariance, size=int(n_draws))
    values = np.exp(sample)
    return values[:, 0], values[:, 1]


def _band(
    point: FloatArray, draws: FloatArray | None, level: float
) -> dict[str, FloatArray]:
    tail = (1 - level) / 2
    if draws is None:
        nan = np.full(point.shape, np.nan)
        return {"lower": nan, "upper": nan.copy()}
    lower = np.quantile(draws, tail, axis=0, method="inverted_cdf")
    upper = np.quantile(draws, 1 - tail, axis=0, method="inverted_cdf")
    return {"lower": np.asarray(lower), "upper": np.asarray(upper)}


def sbg_survival_interval(
    fit: SbgFit,
    t: npt.ArrayLike,
    *,
    level: float = 0.95,
    n_draws: int = 10_000,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """
    Project survival with a parameter-uncertainty interval.

    Draws ``(log alpha, log beta)`` from the normal approximation of the
    fit (its `SbgFit.covariance`), computes ``S(t)`` for every draw, and
    reports the central `level` share of the draws.

    Parameters
    ----------
    fit : SbgFit
        A fit from `sbg_fit` or `sbg_fit_lifetimes`.
    t : int or array-like of int
        Periods to project, >= 0.
    level : float, default 0.95
        Coverage of the interval, in (0, 1).
    n_draws : int, default 10000
        Parameter draws (the interval's Monte Carlo error shrinks as
        ``1 / sqrt(n_draws)``).
    seed : int or numpy.random.Generator
        Seed of the draws; required, so results are reproducible.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period`` (the `t` given, in order), with ``survival``
        (at the estimate, not the draws' median) and the ``lower`` and
        ``upper`` bounds. The bounds are NaN when the fit has no covariance
        (it did not converge). They reflect parameter uncertainty only: the
        model itself is assumed right.

    Raises
    ------
    ValueError
        If a period is negative or not whole, `level` is not in (0, 1), or
        `n_draws` is below 2.
    TypeError
        If `fit` is not an `SbgFit`, or `seed` or `n_draws` has the wrong
        type.

    Examples
    --------
    >>> from subscription_metrics.survival import sbg_fit, sbg_survival_interval
    >>> fit = sbg_fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> sbg_survival_interval(fit, [7, 12], seed=1).round(3)
            survival  lower  upper
    period
    7          0.489  0.459  0.520
    12         0.378  0.342  0.416
    """
    level = _check_level(level)
    period = np.atleast_1d(_periods(t, name="t", minimum=0))
    if period.ndim != 1:
        msg = f"'t' must be a scalar or one-dimensional, got shape {period.shape}"
        raise ValueError(msg)
    draws = _draws(fit, n_draws, seed)
    point = np.exp(betaln(fit.alpha, fit.beta + period) - betaln(fit.alpha, fit.beta))
    sampled = None
    if draws is not None:
        a, b = draws[0][:, None], draws[1][:, None]
        sampled = np.exp(betaln(a, b + period) - betaln(a, b))
    index = pd.Index(period.astype(np.int64), name="period")
    return pd.DataFrame(
        {"survival": point, **_band(point, sampled, level)}, index=index
    )


def sbg_del_interval(
    fit: SbgFit,
    discount_rate: npt.ArrayLike,
    *,
    level: float = 0.95,
    n_draws: int = 10_000,
    seed: int | np.random.Generator,
) -> pd.DataFrame:
    """
    Return the discounted expected lifetime with a parameter-uncertainty interval.

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
    n_draws : int, default 10000
        Parameter draws.
    seed : int or numpy.random.Generator
        Seed of the draws; required, so results are reproducible.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``discount_rate``, with ``del`` (at the estimate) and
        the ``lower`` and ``upper`` bounds, NaN when the fit has no
        covariance. At a zero rate, draws with ``alpha <= 1`` are ``inf``,
        so the upper bound (and perhaps the estimate) can be ``inf``.

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
    0.1           3.69   3.47   3.93
    """
    level = _check_level(level)
    d, _ = _any_numbers(discount_rate, name="discount_rate")
    rate = np.atleast_1d(d)
    if rate.ndim != 1:
        msg = f"'discount_rate' must be a scalar or one-dimensional, got {rate.shape}"
        raise ValueError(msg)
    _offending(rate < 0, rate, name="discount_rate", rule="be >= 0")
    draws = _draws(fit, n_draws, seed)
    a0 = np.full(rate.shape, fit.alpha)
    b0 = np.full(rate.shape, fit.beta)
    point = _del(a0, b0, rate)
    sampled = None
    if draws is not None:
        a, b = draws[0][:, None], draws[1][:, None]
        sampled = _del(a, b, rate[None, :])
    index = pd.Index(rate, name="discount_rate")
    return pd.DataFrame({"del": point, **_band(point, sampled, level)}, index=index)
