"""Tests of the difference between groups of customers, and shrinkage for many.

The kernels behind `scorecards.compare` and `scorecards.compare_to_team`, on
plain arrays (no ledger, no pandas):

- `Books` holds the lifetimes of several groups as counts per (group,
  renewal decision), the sufficient statistics of every model here.
- `fit` fits each group by the shifted-beta-geometric (sBG) model or, where
  churn does not vary across the group's customers, by its geometric limit
  (one churn probability per decision, ``churned / decisions at risk``).
- `likelihood_ratio` tests, row by row, whether one model fits two groups as
  well as one model each (pooled against separate fits).
- `value_draws` is a parametric bootstrap of LTV per customer: lifetimes are
  simulated from each group's fit with the group's own censoring, refitted,
  and valued; ARPA varies by the normal approximation of its mean.
- `shrink` is empirical-Bayes shrinkage of each member's monthly churn toward
  its team's (beta-binomial, prior strength by marginal likelihood).
- `against_team` tests each member's monthly churn against the weighted
  median of its team-mates'.
- `benjamini_hochberg` adjusts p-values for the false discovery rate, `holm`
  for the family-wise error rate.

Every path is vectorised over groups, pairs and draws; the only loops run
over renewal decisions (months) or over the few groups a batched sBG fit
cannot finish.
"""

from __future__ import annotations

from typing import Final, TypeAlias

import numpy as np
import numpy.typing as npt
from attrs import frozen
from scipy.special import betaln, chdtrc, ndtr, xlogy

from ._sbg import _LOG_BOUND, _fit_counts
from ._sbg import payments as sbg_payments

__all__ = [
    "HETEROGENEITY_LEVEL",
    "Books",
    "Fits",
    "against_team",
    "benjamini_hochberg",
    "check_fraction",
    "difference",
    "fit",
    "holm",
    "likelihood_ratio",
    "shrink",
    "value_draws",
]

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
IntArray: TypeAlias = "npt.NDArray[np.int64]"
BoolArray: TypeAlias = "npt.NDArray[np.bool_]"

HETEROGENEITY_LEVEL: Final = 0.05
"""A pooled sample whose sBG fit beats the geometric at this level uses the sBG."""

_KAPPA_GRID: Final = np.logspace(-1.0, 8.0, 181)
"""Prior strengths ``alpha + beta`` searched by `shrink` (1e8: full pooling)."""


@frozen
class Books:
    """
    Lifetimes of several groups as counts per (group, renewal decision).

    ``lost[g, t]``: customers of group ``g`` who churned at their ``t``-th
    renewal decision (paid ``t`` months; column 0 unused). ``survivors[g,
    t]``: customers still active after ``t`` decisions, censored there.
    """

    lost: FloatArray
    survivors: FloatArray

    @classmethod
    def of(
        cls,
        age: IntArray,
        observed: BoolArray,
        code: IntArray,
        n_groups: int,
        *,
        width: int | None = None,
    ) -> Books:
        """Count lifetimes (``age``: churn age, or decisions passed) by group."""
        wide = int(age.max(initial=0)) + 1 if width is None else width
        cell = code.astype(np.int64) * wide + age.astype(np.int64)
        size = n_groups * wide
        lost = np.bincount(cell[observed], minlength=size).reshape(n_groups, wide)
        still = np.bincount(cell[~observed], minlength=size).reshape(n_groups, wide)
        return cls(lost.astype(np.float64), still.astype(np.float64))

    def take(self, rows: npt.ArrayLike) -> Books:
        """Return the books of some groups."""
        index = np.asarray(rows, np.intp)
        return Books(self.lost[index], self.survivors[index])

    def __add__(self, other: Books) -> Books:
        """Pool two sets of books, row by row."""
        return Books(self.lost + other.lost, self.survivors + other.survivors)

    def __sub__(self, other: Books) -> Books:
        """Take the customers of `other` out, row by row."""
        return Books(self.lost - other.lost, self.survivors - other.survivors)

    @property
    def customers(self) -> FloatArray:
        """Customers per group."""
        out: FloatArray = self.lost.sum(axis=1) + self.survivors.sum(axis=1)
        return out

    @property
    def churned(self) -> FloatArray:
        """Observed churns per group."""
        out: FloatArray = self.lost.sum(axis=1)
        return out

    @property
    def at_risk(self) -> FloatArray:
        """Renewal decisions faced per group (the sum of the ages)."""
        t = np.arange(self.lost.shape[1], dtype=np.float64)
        out: FloatArray = (self.lost + self.survivors) @ t
        return out

    def squared_residuals(self, rate: FloatArray) -> FloatArray:
        """
        ``sum_j (c_j - rate n_j) ** 2`` per group, over its customers ``j``.

        ``c_j`` is 1 for a churn seen and ``n_j`` the customer's decisions at
        risk; `rate` is one per group. A customer's ``c_j - p n_j`` is a sum
        of one martingale difference per decision, so at a common churn
        ``p`` its expected square is ``p (1 - p) n_j``: the binomial
        variance, and more when customers' churn differs (the sBG's
        heterogeneity), which is what a clustered variance of the group's
        rate must see.
        """
        t = np.arange(self.lost.shape[1], dtype=np.float64)
        ages = self.lost + self.survivors
        out: FloatArray = (
            self.churned - 2 * rate * (self.lost @ t) + rate**2 * (ages @ (t * t))
        )
        return out


@frozen
class Fits:
    """
    Per group: the best of the sBG fit and its geometric limit.

    ``log_likelihood`` is the supremum over the sBG model including its
    limit (the larger of the two fits'); ``geometric`` says the limit fits
    at least as well, or the sBG fit ran to its upper bounds on the way
    there, so the group is described by its churn probability
    ``churn = churned / at_risk`` (``alpha`` and ``beta`` then NaN).
    A group without churn has ``churn`` 0 and log-likelihood 0 (no churn
    is the limit both models prefer); one without customers, NaN.
    """

    log_likelihood: FloatArray
    geometric_log_likelihood: FloatArray
    alpha: FloatArray
    beta: FloatArray
    churn: FloatArray
    geometric: BoolArray
    churned: FloatArray
    at_risk: FloatArray
    customers: FloatArray

    def heterogeneous(self, level: float = HETEROGENEITY_LEVEL) -> BoolArray:
        """
        Whether the sBG fit beats the geometric limit at `level`, per group.

        The likelihood-ratio statistic ``h = 2 (ll - geometric ll)`` tests a
        parameter on the boundary of its space (no heterogeneity), so its
        p-value is ``chi2.sf(h, 1) / 2``.
        """
        h = np.nan_to_num(2.0 * (self.log_likelihood - self.geometric_log_likelihood))
        out: BoolArray = (h > 0) & (chdtrc(1, np.maximum(h, 0.0)) / 2 < level)
        return out

    def as_geometric(self, rows: BoolArray) -> Fits:
        """Return the fits with the geometric limit used on `rows`."""
        return Fits(
            log_likelihood=np.where(
                rows, self.geometric_log_likelihood, self.log_likelihood
            ),
            geometric_log_likelihood=self.geometric_log_likelihood,
            alpha=np.where(rows, np.nan, self.alpha),
            beta=np.where(rows, np.nan, self.beta),
            churn=self.churn,
            geometric=self.geometric | rows,
            churned=self.churned,
            at_risk=self.at_risk,
            customers=self.customers,
        )

    def hazard(self, decision: int) -> FloatArray:
        """Churn probability at renewal decision ``decision >= 1``, per group."""
        with np.errstate(invalid="ignore"):
            sbg = self.alpha / (self.alpha + self.beta + (decision - 1))
        out: FloatArray = np.where(self.geometric, self.churn, sbg)
        return out

    def survival(self, t: int) -> FloatArray:
        """Share still paying after ``t`` decisions, per group."""
        a = np.where(self.geometric, 1.0, self.alpha)
        b = np.where(self.geometric, 1.0, self.beta)
        sbg = np.exp(betaln(a, b + t) - betaln(a, b))
        out: FloatArray = np.where(self.geometric, (1.0 - self.churn) ** t, sbg)
        return np.where(self.customers > 0, out, np.nan)

    def payments(self, discount: float, horizon: int | None) -> FloatArray:
        """Return the expected discounted payments per customer, per group."""
        # In mean churn and polarisation: the geometric limit is phi = 0, and
        # a group nobody left from pays every month (m = 0, phi = 0).
        with np.errstate(divide="ignore", invalid="ignore"):
            total = self.alpha + self.beta
            m = np.where(self.geometric, self.churn, self.alpha / total)
            phi = np.where(self.geometric, 0.0, 1.0 / (total + 1.0))
        m = np.where(self.churned > 0, m, 0.0)
        phi = np.where(self.churned > 0, phi, 0.0)
        usable = self.customers > 0
        out: FloatArray = np.full(m.shape, np.nan)
        out[usable] = sbg_payments(m[usable], phi[usable], discount, horizon)
        return out


def fit(books: Books, *, sbg: BoolArray | None = None) -> Fits:
    """
    Fit every group of `books`: the sBG model, or its geometric limit.

    The sBG fits run as one batch (`_fit_counts`), on the rows `sbg` says
    (default: all; the others are geometric); the geometric fit is
    closed-form, with log-likelihood ``c log p + (n - c) log(1 - p)`` at
    ``p = c / n`` (``c`` churns in ``n`` decisions at risk).
    """
    customers = books.customers
    churned = books.churned
    at_risk = books.at_risk
    n = len(customers)
    alpha, beta, sbg_ll = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    rows = np.arange(n) if sbg is None else np.flatnonzero(sbg)
    if rows.size:
        fits = _fit_counts(books.lost[rows], books.survivors[rows])
        alpha[rows], beta[rows], sbg_ll[rows] = (
            fits.alpha,
            fits.beta,
            fits.log_likelihood,
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        churn = np.where(at_risk > 0, churned / np.maximum(at_risk, 1.0), 0.0)
        geometric_ll = xlogy(churned, churn) + xlogy(at_risk - churned, 1.0 - churn)
        sbg_ll = np.where(churned > 0, sbg_ll, 0.0)
        to_limit = np.fmax(np.log(alpha), np.log(beta)) >= _LOG_BOUND - 1e-6
    geometric = (churned > 0) & (
        ~np.isfinite(sbg_ll) | (geometric_ll >= sbg_ll) | np.nan_to_num(to_limit)
    )
    geometric |= churned == 0
    ll = np.where(customers > 0, np.fmax(sbg_ll, geometric_ll), np.nan)
    return Fits(
        log_likelihood=ll,
        geometric_log_likelihood=np.where(customers > 0, geometric_ll, np.nan),
        alpha=np.where(geometric, np.nan, alpha),
        beta=np.where(geometric, np.nan, beta),
        churn=churn,
        geometric=geometric,
        churned=churned,
        at_risk=at_risk,
        customers=customers,
    )


@frozen
class RatioTest:
    """A likelihood-ratio test per row: statistic, degrees of freedom, p-value."""

    statistic: FloatArray
    df: IntArray
    p_value: FloatArray
    model: npt.NDArray[np.object_]  # 'sbg' or 'geometric'


def likelihood_ratio(
    first: Books, second: Books, *, heterogeneity: float = HETEROGENEITY_LEVEL
) -> RatioTest:
    """
    Test, row by row, whether one retention model fits both groups.

    The statistic is ``2 (ll_first + ll_second - ll_pooled)`` with each
    ``ll`` a maximised log-likelihood. The model is chosen on the pooled
    customers, which carry no information on the difference: the sBG
    (separate fits have two more parameters, chi-square with 2 degrees of
    freedom) where its fit beats the geometric limit at level
    `heterogeneity` (the likelihood-ratio test of a parameter on its
    boundary, p-value ``chi2.sf(h, 1) / 2``), and otherwise the geometric
    model (one churn probability each, 1 degree of freedom). A row where
    either group has no customers gives NaN.
    """
    n = len(first.lost)
    both = fit(
        Books(
            np.concatenate([first.lost, second.lost, first.lost + second.lost]),
            np.concatenate(
                [first.survivors, second.survivors, first.survivors + second.survivors]
            ),
        )
    )
    ll = both.log_likelihood.reshape(3, n)
    geo = both.geometric_log_likelihood.reshape(3, n)
    sbg = both.heterogeneous(heterogeneity)[2 * n :]
    with np.errstate(invalid="ignore"):
        statistic = np.where(
            sbg, 2.0 * (ll[0] + ll[1] - ll[2]), 2.0 * (geo[0] + geo[1] - geo[2])
        )
        statistic = np.maximum(statistic, 0.0)  # rounding below an exact 0
    df = np.where(sbg, 2, 1).astype(np.int64)
    p = np.where(np.isnan(statistic), np.nan, chdtrc(df, statistic))
    model = np.where(sbg, "sbg", "geometric").astype(object)
    return RatioTest(statistic, df, p, model)


def _simulate(
    fits: Fits,
    windows: IntArray,
    code: IntArray,
    n_draws: int,
    rng: np.random.Generator,
) -> Books:
    """
    Draw `n_draws` sets of lifetimes per group from its fit, censored as observed.

    ``windows[i]``: the renewal decisions customer ``i`` could be seen to
    face (``as_of - start``): its churn is seen at decision ``t <= window``,
    otherwise it is censored at its window. Customers of a group and window
    are exchangeable, so the draw runs over (draw, group, window) cells, one
    decision at a time: given survival so far, each customer churns at
    decision ``t`` with the fit's hazard there, independently of the others
    (under the sBG each customer's own churn probability, given its
    survival, is ``Beta(alpha, beta + t - 1)``, of mean the hazard). Rows of
    the result are ``group * n_draws + draw``.
    """
    n_groups = len(fits.customers)
    wide = int(windows.max(initial=0)) + 1
    cells = np.bincount(code * wide + windows, minlength=n_groups * wide)
    alive = np.broadcast_to(
        cells.reshape(1, n_groups, wide), (n_draws, n_groups, wide)
    ).copy()
    lost = np.zeros((n_draws, n_groups, wide), np.int64)
    for t in range(1, wide):
        hazard = np.nan_to_num(np.clip(fits.hazard(t), 0.0, 1.0))
        # Only the windows of t decisions or more face decision t.
        churn = rng.binomial(alive[:, :, t:], hazard[None, :, None])
        alive[:, :, t:] -= churn
        lost[:, :, t] = churn.sum(axis=2)
    order = (1, 0, 2)  # (group, draw, period)
    return Books(
        np.transpose(lost, order).reshape(n_groups * n_draws, wide).astype(np.float64),
        np.transpose(alive, order).reshape(n_groups * n_draws, wide).astype(np.float64),
    )


@frozen
class Draws:
    """Point estimates per group and their parametric-bootstrap draws (group x draw)."""

    value: FloatArray  # LTV per customer
    value_draws: FloatArray
    payments: FloatArray  # expected discounted payments (LTV per unit of ARPA)
    payments_draws: FloatArray
    survival: FloatArray  # at `t`
    survival_draws: FloatArray


def value_draws(
    books: Books,
    windows: IntArray,
    code: IntArray,
    mrr: FloatArray,
    *,
    margin: float,
    discount: float,
    horizon: int | None,
    t: int,
    n_draws: int,
    seed: int | np.random.Generator,
    heterogeneity: float = HETEROGENEITY_LEVEL,
) -> Draws:
    """
    LTV per customer per group, and a parametric bootstrap of it.

    The value is ``margin * ARPA * payments``, with ARPA the mean of `mrr`
    (first-month MRR) over the group's customers and ``payments`` the
    expected discounted payments of the group's fit: the sBG where it beats
    the geometric limit at level `heterogeneity` (`Fits.heterogeneous`),
    the geometric otherwise (near the limit the sBG's parameters are
    poorly determined and its payments unstable). Each draw
    simulates the group's lifetimes from the fit with the group's own
    censoring (`_simulate`), refits them by the same model (the choice of
    model is not redrawn) and takes the refit's payments;
    ARPA is drawn from the normal approximation of its mean, independently
    (the value treats revenue and lifetime as independent). Also the
    projected survival at `t`, by the same draws.
    """
    rng = np.random.default_rng(seed)
    n_groups = len(books.lost)
    point = fit(books)
    point = point.as_geometric(~point.heterogeneous(heterogeneity))
    # Each group's draws are refitted by the model its own fit chose.
    chosen = np.repeat(~point.geometric, n_draws)
    simulated = fit(_simulate(point, windows, code, n_draws, rng), sbg=chosen)
    customers = np.bincount(code, minlength=n_groups).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        arpa = np.bincount(code, mrr, minlength=n_groups) / customers
        square = np.bincount(code, mrr * mrr, minlength=n_groups) / customers
        spread = np.sqrt(
            np.maximum(square - arpa * arpa, 0.0) / np.maximum(customers - 1, 1.0)
        )
    arpa_draws = np.maximum(
        arpa[:, None] + spread[:, None] * rng.standard_normal((n_groups, n_draws)), 0.0
    )
    payments = point.payments(discount, horizon)
    paid = simulated.payments(discount, horizon).reshape(n_groups, n_draws)
    return Draws(
        value=margin * arpa * payments,
        value_draws=margin * arpa_draws * paid,
        payments=payments,
        payments_draws=paid,
        survival=point.survival(t),
        survival_draws=simulated.survival(t).reshape(n_groups, n_draws),
    )


def difference(
    first: FloatArray,
    second: FloatArray,
    first_draws: FloatArray,
    second_draws: FloatArray,
    *,
    level: float,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """
    Difference ``first - second`` with a percentile interval and a p-value.

    Per row, from independent draws of the two (last axis): the central
    `level` interval of the drawn differences, and the two-sided p-value
    ``2 min(#(D <= 0) + 1, #(D >= 0) + 1) / (B + 1)`` (at most 1), the
    smallest level at which the interval would exclude 0.
    """
    drawn = first_draws - second_draws
    tail = (1 - level) / 2
    usable = ~np.isnan(drawn).any(axis=-1)
    lower = np.full(drawn.shape[:-1], np.nan)
    upper = lower.copy()
    p = lower.copy()
    if usable.any():
        part = drawn[usable]
        lower[usable] = np.quantile(part, tail, axis=-1)
        upper[usable] = np.quantile(part, 1 - tail, axis=-1)
        b = part.shape[-1]
        below = (part <= 0).sum(axis=-1) + 1
        above = (part >= 0).sum(axis=-1) + 1
        p[usable] = np.minimum(1.0, 2.0 * np.minimum(below, above) / (b + 1))
    return first - second, lower, upper, p


@frozen
class Shrunk:
    """Empirical-Bayes posterior of each member's monthly churn."""

    prior_churn: FloatArray  # per member: its team's pooled churn
    prior_strength: FloatArray  # per member: its team's alpha + beta (inf: pooled)
    churn: FloatArray  # posterior mean
    own_weight: FloatArray  # n / (n + strength): the member's own data's share
    alpha: FloatArray  # posterior Beta parameters (NaN where degenerate)
    beta: FloatArray

    def retention(
        self, t: int, level: float
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """
        Posterior mean and central `level` interval of ``(1 - p) ** t``.

        Where the posterior is degenerate (a team without churn), all three
        are ``(1 - churn) ** t``.
        """
        a, b = self.alpha, self.beta
        tail = (1 - level) / 2
        fixed = (1 - self.churn) ** t
        degenerate = np.isnan(a)
        a, b = np.where(degenerate, 1.0, a), np.where(degenerate, 1.0, b)
        mean = np.exp(betaln(a, b + t) - betaln(a, b))
        from scipy import stats  # heavy; only the shrunk intervals need it

        lower = (1 - stats.beta.ppf(1 - tail, a, b)) ** t
        upper = (1 - stats.beta.ppf(tail, a, b)) ** t
        return (
            np.where(degenerate, fixed, mean),
            np.where(degenerate, fixed, lower),
            np.where(degenerate, fixed, upper),
        )


def shrink(churned: FloatArray, at_risk: FloatArray, team: IntArray) -> Shrunk:
    """
    Shrink each member's monthly churn toward its team's, empirically.

    Member ``i`` with ``c_i`` churns in ``n_i`` decisions at risk has churn
    ``p_i ~ Beta(mu k, (1 - mu) k)`` across its team: ``mu`` is the team's
    pooled churn ``sum c / sum n``; ``k`` (the prior's strength, in
    decisions) maximises the team's beta-binomial marginal likelihood
    ``sum_i betaln(c_i + mu k, n_i - c_i + (1 - mu) k) - betaln(mu k, (1 -
    mu) k)`` over a log grid from 0.1 to 1e8 (ties go to the stronger
    prior), capped at the team's own decisions at risk: the team's rate is
    itself estimated from them, so a team whose members do not differ
    pools them, with the team's own uncertainty. The posterior
    is ``Beta(c_i + mu k, n_i - c_i + (1 - mu) k)``, of mean ``w c_i / n_i +
    (1 - w) mu`` with ``w = n_i / (n_i + k)``: the fewer decisions a member
    has, the more it is pulled to its team. A team without churn keeps 0.
    """
    n_teams = int(team.max(initial=-1)) + 1
    team_churned = np.bincount(team, churned, minlength=n_teams)
    team_at_risk = np.bincount(team, at_risk, minlength=n_teams)
    with np.errstate(invalid="ignore", divide="ignore"):
        mu_team = team_churned / team_at_risk
    mu = mu_team[team]
    usable = (mu > 0) & (mu < 1)
    k = _KAPPA_GRID[None, :]
    m = np.where(usable, mu, 0.5)[:, None]
    c, n = churned[:, None], at_risk[:, None]
    terms = betaln(c + m * k, n - c + (1 - m) * k) - betaln(m * k, (1 - m) * k)
    marginal = np.zeros((n_teams, len(_KAPPA_GRID)))
    np.add.at(marginal, team, np.where(usable[:, None], terms, 0.0))
    # Ties (a flat likelihood) go to the strongest prior: the last maximum.
    best = len(_KAPPA_GRID) - 1 - np.argmax(marginal[:, ::-1], axis=1)
    # The team's rate is an estimate too: the prior weighs at most its data.
    strength = np.minimum(_KAPPA_GRID[best], team_at_risk)[team]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = churned + mu * strength
        b = at_risk - churned + (1 - mu) * strength
        weight = at_risk / (at_risk + strength)
        posterior = a / (a + b)
    return Shrunk(
        prior_churn=mu,
        prior_strength=np.where(usable, strength, np.where(mu == 0, np.inf, np.nan)),
        churn=np.where(usable, posterior, mu),
        own_weight=np.where(usable, weight, np.where(mu == 0, 0.0, np.nan)),
        alpha=np.where(usable, a, np.nan),
        beta=np.where(usable, b, np.nan),
    )


@frozen
class TeamTest:
    """Each member's churn against its team-mates' typical churn."""

    reference: FloatArray  # the team-mates' weighted median monthly churn
    z: FloatArray
    p_value: FloatArray  # NaN for a member without team-mates or decisions


def against_team(books: Books, team: IntArray) -> TeamTest:
    """
    Test each member's monthly churn against its team-mates' typical one.

    The reference is the median of the team-mates' monthly churn (the
    member left out), weighted by their decisions at risk: robust to one
    bad team-mate, who would otherwise make everyone else look different
    from "the rest of the team". Rates are compared on the ``2/3`` power
    scale, on which a count's rate is nearly symmetric (Anscombe's
    transformation of a Poisson count): there the team-mates' median
    estimates the centre the member's rate has under the null, where on
    the raw scale the right skew of small counts puts the median below it
    and calls members high too often. The median is interpolated between
    the team-mates whose cumulative weights (at their midpoints) bracket
    half the total, not the first to reach it, which would lean low.

    The statistic is ``z = (r_i^(2/3) - m^(2/3)) / (2/3 p^(-1/3) sqrt(V_i +
    pi / 2 V_mates))``: ``p`` is the team's pooled churn, ``V_i = sum_j (c_j
    - p n_j)^2 / n_i^2`` the clustered (customer by customer) variance of
    the member's rate about it (`Books.squared_residuals`: the binomial
    ``p (1 - p) / n_i`` when customers churn alike, more when they do not)
    and ``V_mates`` that of the team-mates' pooled rate, of which a
    median's is ``pi / 2`` times (its efficiency on normal data); the
    factor in front is the delta method's for the power; two-sided. The
    variance is taken at ``p``, not at the reference, so that it does not
    depend on which side of the reference the member falls. Vectorised over
    all pairs of team-mates (the sum of squared team sizes).
    """
    churned, at_risk = books.churned, books.at_risk
    n = len(churned)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = churned / at_risk
    scaled = np.cbrt(rate) ** 2
    order = np.argsort(team, kind="stable")
    n_teams = int(team.max(initial=-1)) + 1
    sizes = np.bincount(team, minlength=n_teams)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    # Every (member, team-mate) pair: i's team-mates are its team's rows but i.
    per = sizes[team]
    member = np.repeat(np.arange(n), per)
    offset = np.arange(len(member)) - np.repeat(np.cumsum(per) - per, per)
    mate = order[starts[team][member] + offset]
    keep = (mate != member) & (at_risk[mate] > 0)
    member, mate = member[keep], mate[keep]
    # Weighted median of each member's team-mates: sort by (member, rate),
    # team-mates of equal rates by weight (so that the order among ties
    # follows the data, not the rows).
    sort = np.lexsort((at_risk[mate], rate[mate], member))
    member, mate = member[sort], mate[sort]
    values, weight = scaled[mate], at_risk[mate]
    total = np.bincount(member, weight, minlength=n)
    first = np.ones(len(member), np.bool_)
    first[1:] = member[1:] != member[:-1]
    running = np.cumsum(weight)
    # Cumulative weight within each member's run (weights are >= 0).
    within = running - np.maximum.accumulate(np.where(first, running - weight, 0.0))
    reached = within >= total[member] / 2
    earlier = np.zeros(len(member), np.bool_)
    earlier[1:] = reached[:-1]
    # The first value to reach half the weight, per member, and the
    # neighbour on the other side of half the weight (at the midpoints).
    pick = np.flatnonzero(reached & (first | ~earlier))
    middle = within - weight / 2
    half = total[member[pick]] / 2
    below = middle[pick] > half
    other = np.clip(np.where(below, pick - 1, pick + 1), 0, max(len(member) - 1, 0))
    bracket = (member[other] == member[pick]) & (middle[other] != middle[pick])
    step = np.where(bracket, middle[other] - middle[pick], 1.0)
    share = np.where(bracket, np.clip((half - middle[pick]) / step, 0.0, 1.0), 0.0)
    value = values[pick] + share * (values[other] - values[pick])
    reference_scaled = np.full(n, np.nan)
    reference_scaled[member[pick]] = value
    reference = np.sqrt(reference_scaled) ** 3
    team_churned = np.bincount(team, churned, minlength=n_teams)
    team_at_risk = np.bincount(team, at_risk, minlength=n_teams)
    with np.errstate(invalid="ignore", divide="ignore"):
        # A team without churn has half a churn's variance.
        pooled = np.maximum(team_churned / team_at_risk, 0.5 / team_at_risk)[team]
        own = books.squared_residuals(pooled)
        mates_own = np.bincount(team, own, minlength=n_teams)[team] - own
        variance = own / at_risk**2 + np.pi / 2 * mates_own / total**2
        spread = 2 / 3 / np.cbrt(pooled) * np.sqrt(variance)
        z = np.where(spread > 0, (scaled - reference_scaled) / spread, 0.0)
    z = np.where(np.isnan(reference) | ~(at_risk > 0), np.nan, z)
    p = np.where(np.isnan(z), np.nan, 2 * ndtr(-np.abs(z)))
    return TeamTest(reference=reference, z=z, p_value=p)


def check_fraction(value: object, *, name: str) -> float:
    """Return a number in (0, 1) as ``float``, or raise naming *name*."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating):
        msg = f"{name!r} must be a number in (0, 1), got {value!r}"
        raise TypeError(msg)
    if not 0 < value < 1:
        msg = f"{name!r} must be in (0, 1), got {value!r}"
        raise ValueError(msg)
    return float(value)


def holm(p_values: FloatArray) -> FloatArray:
    """
    Adjust p-values for the family-wise error rate (Holm, 1979).

    The ``i``-th smallest of ``m`` p-values becomes ``max_{j <= i} (m - j +
    1) p_(j)`` (at most 1). Calling different the rows whose adjusted value
    is below ``alpha`` calls any true null different with probability at
    most ``alpha`` in all, whatever the dependence between the tests. NaN
    p-values are not counted in ``m`` and stay NaN.

    Examples
    --------
    >>> import numpy as np
    >>> holm(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(p_values, np.float64)
    adjusted = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    m = len(known)
    if m:
        order = known[np.argsort(p[known], kind="stable")]
        scaled = p[order] * (m - np.arange(m))
        adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return adjusted


def benjamini_hochberg(
    p_values: FloatArray, fdr: float
) -> tuple[FloatArray, BoolArray]:
    """
    Adjust p-values for the false discovery rate (Benjamini and Hochberg, 1995).

    The ``i``-th smallest of ``m`` p-values becomes ``min_{j >= i} m p_(j) /
    j`` (at most 1); the rows with an adjusted value at most `fdr` are the
    discoveries, a set in which the expected share of false ones is at most
    `fdr` (for independent or positively dependent tests). NaN p-values are
    not counted in ``m`` and stay NaN, never discovered.
    """
    p = np.asarray(p_values, np.float64)
    q = np.full(p.shape, np.nan)
    known = np.flatnonzero(~np.isnan(p))
    m = len(known)
    if m:
        order = known[np.argsort(p[known], kind="stable")]
        scaled = p[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return q, np.nan_to_num(q, nan=np.inf) <= fdr
