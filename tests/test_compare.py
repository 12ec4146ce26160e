"""Tests for the comparison kernels, `scorecards.compare` and `compare_to_team`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats
from scipy.special import betaln

import subscription_metrics as sm
from subscription_metrics import _compare
from subscription_metrics.scorecards import TEAM_COLUMNS, compare, compare_to_team

_FIRST = pd.Period("2023-01", "M")


def _reps_ledger(
    reps: dict[str, tuple[int, float]], *, months: int = 36, stream: int = 0
) -> sm.Ledger:
    """
    A ledger of reps whose customers churn geometrically at known rates.

    Each rep ``name: (customers, monthly churn)``; customers are acquired
    uniformly over `months` months and seen to the end of the last one.
    """
    rng = np.random.default_rng(stream)
    ids, starts, lasts, mrrs, who = [], [], [], [], []
    for rep, (n, churn) in reps.items():
        start = rng.integers(0, months, n)
        last = start + rng.geometric(churn, n) - 1  # last paid month
        ids += [f"{rep}-{i}" for i in range(n)]
        starts.append(start)
        lasts.append(last)
        mrrs.append(np.round(rng.lognormal(np.log(80_000), 0.5, n)).astype(np.int64))
        who += [rep] * n
    start, last = np.concatenate(starts), np.concatenate(lasts)
    ended = last < months - 1

    def month_start(offset: np.ndarray) -> pd.DatetimeIndex:
        return pd.PeriodIndex.from_ordinals(
            _FIRST.ordinal + offset, freq="M"
        ).to_timestamp()

    subs = pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(len(ids))],
            "customer_id": ids,
            "start": month_start(start),
            # Ending on the first day of a month: the month before was the last paid.
            "end": pd.Series(month_start(np.minimum(last, months - 1) + 1)).where(
                ended
            ),
            "mrr": np.concatenate(mrrs),
            "currency": "JPY",
        }
    )
    customers = pd.DataFrame({"customer_id": ids, "field_sales_rep": who})
    through = (_FIRST + months - 1).to_timestamp(how="end").normalize()
    return sm.Ledger.from_subscriptions(subs, customers=customers, through=through)


def _staff(reps: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": list(reps),
            "role": "field_sales",
            "monthly_cost": 1,
            "currency": "JPY",
            "team": list(reps.values()),
        }
    )


def _geometric_books(
    groups: int, customers: int, churn: np.ndarray, rng: np.random.Generator
) -> tuple[_compare.Books, np.ndarray, np.ndarray]:
    """Lifetimes of `groups` groups, acquired over 36 months, seen to the end."""
    code = np.repeat(np.arange(groups), customers)
    window = rng.integers(0, 36, len(code))
    lifetime = rng.geometric(np.repeat(churn, customers))
    observed = lifetime <= window
    age = np.where(observed, lifetime, window)
    return _compare.Books.of(age, observed, code, groups, width=36), code, window


# --------------------------------------------------------------------------
# compare
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eight_against_two() -> sm.Ledger:
    """Reps at 8% and 2% monthly churn, 500 and 250 customers, 36 months."""
    return _reps_ledger({"r8": (500, 0.08), "r2": (250, 0.02)}, stream=12)


class TestCompare:
    """Tests for `compare`."""

    def test_eight_against_two_percent_is_beyond_noise(self, eight_against_two):
        """8% against 2% monthly churn (500 and 250 customers, 36 months) is real."""
        result = compare(eight_against_two, "r8", "r2")
        spans = sm.survival.lifetimes(eight_against_two, by="field_sales_rep")
        rates = spans.groupby("field_sales_rep").agg(
            c=("observed", "sum"), n=("age", "sum")
        )
        p = rates["c"] / rates["n"]
        z = (p["r8"] - p["r2"]) / np.sqrt((p * (1 - p) / rates["n"]).sum())

        assert z > 5  # an independent geometric test says so
        for figure in ("projected_retention_12m", "ltv_per_customer"):
            assert result.loc[figure, "beyond_noise"]
            assert result.loc[figure, "upper"] < 0
            assert result.loc[figure, "p_value"] < 0.01
        assert result.loc["ltv_weighted_bookings", "test"] == "parametric bootstrap"
        assert (
            result.loc["ltv_per_customer", "lower"]
            < result.loc["ltv_per_customer", "difference"]
            < result.loc["ltv_per_customer", "upper"]
        )

    @pytest.mark.parametrize("stream", [1, 2, 3])
    def test_equal_reps_are_not_called_different(self, stream):
        """Two reps at the same 3% churn: neither retention nor LTV is beyond noise."""
        led = _reps_ledger({"x": (220, 0.03), "y": (220, 0.03)}, stream=stream)

        result = compare(led, "x", "y", n_draws=500)

        for figure in ("projected_retention_12m", "ltv_per_customer"):
            assert not result.loc[figure, "beyond_noise"]
            assert result.loc[figure, "lower"] < 0 < result.loc[figure, "upper"]

    def test_same_draws_same_result(self, eight_against_two):
        """The bootstrap is reproducible from its random state, and moves with it."""
        one = compare(eight_against_two, "r8", "r2", n_draws=200, seed=5)
        two = compare(eight_against_two, "r8", "r2", n_draws=200, seed=5)
        other = compare(eight_against_two, "r8", "r2", n_draws=200, seed=6)

        pd.testing.assert_frame_equal(one, two)
        assert (
            one.loc["ltv_per_customer", "lower"]
            != other.loc["ltv_per_customer", "lower"]
        )

    def test_rejects_too_few_draws(self, eight_against_two):
        with pytest.raises(ValueError, match="'n_draws'"):
            compare(eight_against_two, "r8", "r2", n_draws=1)

    def test_holm_adjusts_the_five_tested_rows_and_none_keeps_them(
        self, eight_against_two
    ):
        """The verdict reads Holm's p over the five tests; "none" reads each p."""
        holm = compare(eight_against_two, "r8", "r2", n_draws=200)
        each = compare(eight_against_two, "r8", "r2", n_draws=200, multiplicity="none")
        tested = holm["p_value"].notna()

        assert tested.sum() == 5
        assert holm.loc[~tested, "p_adjusted"].isna().all()
        np.testing.assert_array_equal(
            holm.loc[tested, "p_adjusted"],
            _compare.holm(holm.loc[tested, "p_value"].to_numpy(float)),
        )
        assert (holm["p_adjusted"][tested] >= holm["p_value"][tested]).all()
        pd.testing.assert_series_equal(
            each["p_adjusted"], each["p_value"], check_names=False
        )
        verdict = holm.loc[tested, "p_adjusted"] < 0.05
        assert holm.loc[tested, "beyond_noise"].tolist() == verdict.tolist()
        with pytest.raises(ValueError, match="'multiplicity'"):
            compare(eight_against_two, "r8", "r2", multiplicity="bonferroni")


# --------------------------------------------------------------------------
# compare_to_team
# --------------------------------------------------------------------------


class TestCompareToTeam:
    """Tests for `compare_to_team`."""

    @pytest.mark.parametrize("stream", [21, 22, 23])
    def test_equal_reps_are_not_flagged(self, stream):
        """Thirteen reps at the same churn: nobody differs from the team."""
        reps = {f"r{i:02d}": (220, 0.03) for i in range(13)}
        led = _reps_ledger(reps, stream=stream)

        table = compare_to_team(led, staff=_staff(dict.fromkeys(reps, "east")))

        assert not table["differs_from_team"].any()
        assert list(table.columns) == list(TEAM_COLUMNS)

    def test_the_bad_rep_is_flagged_and_ranked_last(self):
        """Twelve reps at 3%, one at 9%: the 9% rep alone is flagged."""
        reps = {f"r{i:02d}": (220, 0.03) for i in range(12)} | {"bad": (220, 0.09)}
        led = _reps_ledger(reps, stream=4)

        table = compare_to_team(led, staff=_staff(dict.fromkeys(reps, "east")))

        assert table["differs_from_team"].sum() == 1
        assert table.loc["bad", "differs_from_team"]
        assert table.loc["bad", "rank_retention_shrunk"] == 13
        assert not table["thin"].any()

    def test_thin_reps_say_so_and_lean_on_the_team(self):
        """A rep with a handful of customers is thin and mostly its team's rate."""
        reps = {"big1": (300, 0.03), "big2": (300, 0.05), "tiny": (8, 0.3)}
        led = _reps_ledger(reps, stream=7)

        table = compare_to_team(led, staff=_staff(dict.fromkeys(reps, "east")))

        assert table.loc["tiny", "thin"]
        assert not table.loc[["big1", "big2"], "thin"].any()
        assert table.loc["tiny", "own_weight"] < table.loc["big1", "own_weight"]

    def test_rejects_fdr_outside_zero_one(self):
        led = _reps_ledger({"x": (20, 0.05)}, stream=0)
        with pytest.raises(ValueError, match="'fdr'"):
            compare_to_team(led, staff=_staff({"x": "east"}), fdr=1.5)


# --------------------------------------------------------------------------
# Benjamini-Hochberg
# --------------------------------------------------------------------------


class TestBenjaminiHochberg:
    """Tests for `_compare.benjamini_hochberg`."""

    def test_hand_worked_list(self):
        """Eight p-values, adjusted by hand: q_(i) = min over j >= i of 8 p_(j) / j."""
        p = np.array([0.041, 0.001, 0.205, 0.008, 0.060, 0.039, 0.074, 0.042])
        # Sorted: 0.001 0.008 0.039 0.041 0.042 0.060 0.074 0.205; times 8 / rank:
        # 0.008 0.032 0.104 0.082 0.0672 0.080 0.0845714 0.205; minimum from the
        # right: 0.008 0.032 0.0672 0.0672 0.0672 0.080 0.0845714 0.205.
        expected = np.array(
            [0.0672, 0.008, 0.205, 0.032, 0.080, 0.0672, 0.592 / 7, 0.0672]
        )

        q, flagged = _compare.benjamini_hochberg(p, 0.05)

        np.testing.assert_allclose(q, expected, rtol=1e-12)
        assert flagged.tolist() == [False, True, False, True] + [False] * 4
        assert _compare.benjamini_hochberg(p, 0.07)[1].sum() == 5

    def test_missing_p_values_are_not_counted(self):
        """NaN is neither a test nor a discovery: m counts the known p-values."""
        q, flagged = _compare.benjamini_hochberg(np.array([0.01, np.nan, 0.04]), 0.05)

        np.testing.assert_allclose(q, [0.02, np.nan, 0.04])
        assert flagged.tolist() == [True, False, True]

    @given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
    def test_matches_scipy(self, values):
        """Same adjusted p-values as scipy's false_discovery_control."""
        p = np.array(values)

        q, _ = _compare.benjamini_hochberg(p, 0.05)

        np.testing.assert_allclose(q, stats.false_discovery_control(p), atol=1e-12)


class TestHolm:
    """Tests for `_compare.holm`."""

    def test_hand_worked_list(self):
        """Four p-values: sorted 0.01 0.02 0.03 0.04, times 4 3 2 1, running max."""
        p = np.array([0.03, 0.01, 0.04, 0.02])
        # 0.04 0.06 0.06 0.04 -> running maximum 0.04 0.06 0.06 0.06, in the
        # original order: 0.03 -> 0.06, 0.01 -> 0.04, 0.04 -> 0.06, 0.02 -> 0.06.
        np.testing.assert_allclose(_compare.holm(p), [0.06, 0.04, 0.06, 0.06])

    @given(
        st.lists(
            st.one_of(st.floats(0, 1), st.just(float("nan"))), min_size=1, max_size=7
        )
    )
    def test_equals_closed_testing_with_bonferroni(self, values):
        """Holm is the closed test of Bonferroni tests (Marcus, Peritz, Gabriel 1976).

        The slow oracle: hypothesis i's adjusted p-value is the largest
        Bonferroni p-value, ``|S| min_{j in S} p_j`` (at most 1), over every
        set S of hypotheses that holds i.
        """
        from itertools import combinations

        p = np.array(values)
        known = [i for i in range(len(p)) if not np.isnan(p[i])]
        expected = np.full(len(p), np.nan)
        for i in known:
            others = [j for j in known if j != i]
            worst = 0.0
            for size in range(len(others) + 1):
                for rest in combinations(others, size):
                    group = (i, *rest)
                    worst = max(worst, min(1.0, len(group) * min(p[list(group)])))
            expected[i] = worst

        np.testing.assert_allclose(_compare.holm(p), expected, rtol=1e-12)


# --------------------------------------------------------------------------
# Shrinkage
# --------------------------------------------------------------------------

_MEMBERS = st.lists(
    st.tuples(st.integers(1, 5_000), st.floats(0.0, 0.3)), min_size=2, max_size=12
).map(
    lambda rows: (
        np.array([round(n * share) for n, share in rows], np.float64),
        np.array([n for n, _ in rows], np.float64),
    )
)


def _slow_marginal(churned, at_risk, mu, k):
    """The beta-binomial marginal log-likelihood, member by member."""
    total = 0.0
    for c, n in zip(churned, at_risk, strict=True):
        total += betaln(c + mu * k, n - c + (1 - mu) * k) - betaln(mu * k, (1 - mu) * k)
    return total


class TestShrink:
    """Tests for `_compare.shrink`."""

    @given(_MEMBERS)
    def test_shrinks_toward_the_team_and_harder_for_thin_members(self, members):
        """Estimates lie between own and team rates; thin members move more."""
        churned, at_risk = members
        team = np.zeros(len(churned), np.int64)

        shrunk = _compare.shrink(churned, at_risk, team)

        own = churned / at_risk
        pooled = churned.sum() / at_risk.sum()
        if 0 < pooled < 1:
            low, high = np.minimum(own, pooled), np.maximum(own, pooled)
            assert (shrunk.churn >= low - 1e-12).all()
            assert (shrunk.churn <= high + 1e-12).all()
            order = np.argsort(at_risk, kind="stable")
            assert (np.diff(shrunk.own_weight[order]) >= -1e-12).all()
            np.testing.assert_allclose(
                shrunk.churn,
                shrunk.own_weight * own + (1 - shrunk.own_weight) * pooled,
                rtol=1e-9,
            )
        else:
            np.testing.assert_array_equal(shrunk.churn, own)

    def test_strength_maximises_the_marginal_likelihood(self):
        """The grid's strength is within a grid step of scipy's continuous optimum."""
        churned = np.array([12.0, 40, 9, 70, 30])
        at_risk = np.array([400.0, 900, 500, 1000, 1200])
        mu = churned.sum() / at_risk.sum()

        shrunk = _compare.shrink(churned, at_risk, np.zeros(5, np.int64))
        best = optimize.minimize_scalar(
            lambda log_k: -_slow_marginal(churned, at_risk, mu, np.exp(log_k)),
            bounds=(np.log(0.1), np.log(1e8)),
            method="bounded",
        )

        assert abs(np.log(shrunk.prior_strength[0]) - best.x) < np.log(10) * 0.05 + 1e-9
        assert _slow_marginal(churned, at_risk, mu, shrunk.prior_strength[0]) >= (
            -best.fun - 1e-3
        )

    def test_equal_members_are_pooled_with_the_team_uncertainty(self):
        """Equal members get the team's rate; the prior weighs the team's data."""
        churned = np.array([30.0, 30, 30])
        at_risk = np.array([1000.0, 1000, 1000])

        shrunk = _compare.shrink(churned, at_risk, np.zeros(3, np.int64))

        np.testing.assert_allclose(shrunk.churn, 0.03)
        np.testing.assert_allclose(shrunk.prior_strength, 3000.0)
        np.testing.assert_allclose(shrunk.own_weight, 0.25)

    def test_teams_are_separate(self):
        """A member is pulled to its own team, not to the other."""
        churned = np.array([10.0, 12, 100, 110])
        at_risk = np.array([1000.0, 1000, 1000, 1000])

        shrunk = _compare.shrink(churned, at_risk, np.array([0, 0, 1, 1]))

        np.testing.assert_allclose(shrunk.prior_churn, [0.011, 0.011, 0.105, 0.105])
        assert (shrunk.churn[:2] < 0.02).all()
        assert (shrunk.churn[2:] > 0.09).all()


# --------------------------------------------------------------------------
# Against the team-mates
# --------------------------------------------------------------------------


def _interpolated_median(values, weights):
    """Weighted median, interpolated between the weights' midpoints around half."""
    pairs = sorted(zip(values, weights, strict=True))  # ties by weight
    total = sum(w for _, w in pairs)
    mids, seen = [], 0.0
    for _, w in pairs:
        mids.append(seen + w / 2)
        seen += w
    half = total / 2
    if half <= mids[0]:
        return pairs[0][0]
    if half >= mids[-1]:
        return pairs[-1][0]
    for k in range(len(pairs) - 1):
        if mids[k] <= half < mids[k + 1]:
            share = (half - mids[k]) / (mids[k + 1] - mids[k])
            return pairs[k][0] + share * (pairs[k + 1][0] - pairs[k][0])
    msg = "half the weight lies between the first and last midpoints"
    raise AssertionError(msg)


def _slow_against_team(members, team):
    """The leave-one-out median and the clustered z-test, member by member.

    `members[i]` lists member i's customers as (decisions at risk, churned).
    """
    churned = [sum(c for _, c in m) for m in members]
    at_risk = [sum(n for n, _ in m) for m in members]
    reference, p = [], []
    for i in range(len(members)):
        mates = [
            j
            for j in range(len(members))
            if team[j] == team[i] and j != i and at_risk[j] > 0
        ]
        if not mates:
            reference.append(np.nan)
            p.append(np.nan)
            continue
        scaled = [(churned[j] / at_risk[j]) ** (2 / 3) for j in mates]
        m = _interpolated_median(scaled, [at_risk[j] for j in mates])
        reference.append(m**1.5)
        everyone = [j for j in range(len(members)) if team[j] == team[i]]
        team_n = sum(at_risk[j] for j in everyone)
        pooled = max(sum(churned[j] for j in everyone) / team_n, 0.5 / team_n)

        def squares(j, pooled=pooled):
            return sum((c - pooled * n) ** 2 for n, c in members[j])

        mates_n = sum(at_risk[j] for j in mates)
        variance = (
            squares(i) / at_risk[i] ** 2
            + np.pi / 2 * sum(squares(j) for j in mates) / mates_n**2
        )
        spread = 2 / 3 * pooled ** (-1 / 3) * np.sqrt(variance)
        z = ((churned[i] / at_risk[i]) ** (2 / 3) - m) / spread if spread > 0 else 0.0
        p.append(2 * stats.norm.sf(abs(z)))
    return np.array(reference), np.array(p)


def _books_of(members):
    age = np.array([n for m in members for n, _ in m], np.int64)
    observed = np.array([bool(c) for m in members for _, c in m])
    code = np.repeat(np.arange(len(members)), [len(m) for m in members])
    return _compare.Books.of(age, observed, code, len(members))


@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.lists(
                st.tuples(st.integers(1, 36), st.booleans()), min_size=1, max_size=30
            ),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_against_team_matches_a_slow_oracle(rows):
    """The vectorised leave-one-out median and z-test equal a loop over members."""
    members = [[(n, int(c)) for n, c in customers] for _, customers in rows]
    team = np.array([t for t, _ in rows], np.int64)

    result = _compare.against_team(_books_of(members), team)

    reference, p = _slow_against_team(members, team)
    np.testing.assert_allclose(result.reference, reference, rtol=1e-9)
    np.testing.assert_allclose(result.p_value, p, rtol=1e-7, atol=1e-12)


def test_one_bad_team_mate_does_not_make_the_others_differ():
    """Twelve equal members and one at triple churn: the median ignores the bad one."""
    equal = [(25, 1)] * 75 + [(25, 0)] * 25  # 75 churns in 2,500 decisions
    bad = [(25, 1)] * 100  # 100 churns in 2,500 decisions
    members = [equal] * 12 + [bad]

    result = _compare.against_team(_books_of(members), np.zeros(13, np.int64))

    np.testing.assert_allclose(result.reference[:12], 0.03)
    assert (result.p_value[:12] == 1.0).all()
    assert result.p_value[12] < 1e-6


@pytest.mark.parametrize(
    ("spread", "low", "high"), [(None, 0.95, 1.05), ((0.3, 5.0), 1.1, np.inf)]
)
def test_clustered_variance_is_binomial_when_customers_churn_alike(spread, low, high):
    """Geometric customers: the clustered sum of squares is p (1 - p) n; sBG: more."""
    rng = np.random.default_rng(7)
    n_customers = 40_000
    churn = (
        np.full(n_customers, 0.05) if spread is None else rng.beta(*spread, n_customers)
    )
    window = rng.integers(1, 37, n_customers)
    lifetime = rng.geometric(churn)
    observed = lifetime <= window
    age = np.where(observed, lifetime, window)
    books = _compare.Books.of(age, observed, np.zeros(n_customers, np.int64), 1)
    p = books.churned / books.at_risk

    ratio = books.squared_residuals(p) / (p * (1 - p) * books.at_risk)

    assert low < ratio[0] < high


# --------------------------------------------------------------------------
# The likelihood-ratio test against a slow oracle
# --------------------------------------------------------------------------


def _slow_sup(age, observed):
    """Supremum of the sBG log-likelihood, customer by customer, by scipy."""

    def ll(theta):
        a, b = np.exp(theta)
        # Per customer: log P(T = t) if its churn was seen, else log S(t).
        churned = betaln(a + 1, b + age - 1) - betaln(a, b)
        active = betaln(a, b + age) - betaln(a, b)
        return np.where(observed, churned, active).sum()

    c, n = observed.sum(), age.sum()
    p = c / n
    geometric = c * np.log(p) + (n - c) * np.log1p(-p) if 0 < c < n else 0.0
    best = max(
        -optimize.minimize(
            lambda theta: -ll(theta),
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-9, "fatol": 1e-11, "maxiter": 4000},
        ).fun
        for start in ([0.0, 0.0], [-1.0, 1.0], [2.0, 4.0])
    )
    return max(best, geometric), geometric


def _sbg_lifetimes(n, a, b, rng):
    window = rng.integers(0, 24, n)
    lifetime = rng.geometric(rng.beta(a, b, n))
    observed = lifetime <= window
    return np.where(observed, lifetime, window), observed


@pytest.mark.parametrize(
    ("first", "second", "model"),
    [
        ((0.6, 1.5), (0.8, 3.0), "sbg"),  # heterogeneous: sBG, 2 df
        ((0.5, 2.0), (0.5, 2.0), "sbg"),
        ((400.0, 9_600.0), (300.0, 9_700.0), "geometric"),  # about 4% and 3% each
    ],
)
def test_likelihood_ratio_matches_a_slow_oracle(first, second, model):
    """The batched statistic equals the one from optimising the raw likelihoods."""
    rng = np.random.default_rng(31)
    age_a, seen_a = _sbg_lifetimes(150, *first, rng)
    age_b, seen_b = _sbg_lifetimes(120, *second, rng)
    age, seen = np.r_[age_a, age_b], np.r_[seen_a, seen_b]
    code = np.r_[np.zeros(150, np.int64), np.ones(120, np.int64)]
    books = _compare.Books.of(age, seen, code, 2)

    test = _compare.likelihood_ratio(books.take([0]), books.take([1]))

    (sup_a, geo_a), (sup_b, geo_b) = _slow_sup(age_a, seen_a), _slow_sup(age_b, seen_b)
    sup_ab, geo_ab = _slow_sup(age, seen)
    heterogeneity = 2 * (sup_ab - geo_ab)
    uses_sbg = stats.chi2.sf(heterogeneity, 1) / 2 < 0.05 and heterogeneity > 0
    expected = (
        2 * (sup_a + sup_b - sup_ab) if uses_sbg else 2 * (geo_a + geo_b - geo_ab)
    )
    assert test.model[0] == ("sbg" if uses_sbg else "geometric") == model
    assert test.statistic[0] == pytest.approx(max(expected, 0.0), abs=2e-4)
    assert test.p_value[0] == pytest.approx(
        stats.chi2.sf(max(expected, 0.0), 2 if uses_sbg else 1), abs=1e-5
    )


def test_likelihood_ratio_false_alarms_are_rare():
    """On 400 pairs of equal reps, the test fires in about 5% of them."""
    rng = np.random.default_rng(41)
    books, _, _ = _geometric_books(800, 220, np.full(800, 0.03), rng)

    test = _compare.likelihood_ratio(
        books.take(range(400)), books.take(range(400, 800))
    )

    # 5% of 400 is 20 with a standard deviation of 4.4.
    assert (test.p_value < 0.05).sum() <= 33


def test_likelihood_ratio_detects_triple_churn():
    """3% against 9% at 220 customers each is found every time."""
    rng = np.random.default_rng(42)
    churn = np.r_[np.full(100, 0.03), np.full(100, 0.09)]
    books, _, _ = _geometric_books(200, 220, churn, rng)

    test = _compare.likelihood_ratio(
        books.take(range(100)), books.take(range(100, 200))
    )

    assert (test.p_value < 0.05).all()


# --------------------------------------------------------------------------
# The bootstrap
# --------------------------------------------------------------------------


def test_simulated_churn_has_the_expected_counts():
    """Drawn churns per decision average to what the fitted model expects."""
    rng = np.random.default_rng(51)
    age, seen = _sbg_lifetimes(400, 0.8, 3.0, rng)
    window = np.where(seen, rng.integers(age, 24), age)  # a window consistent with each
    books = _compare.Books.of(age, seen, np.zeros(400, np.int64), 1, width=24)
    fitted = _compare.fit(books)

    drawn = _compare._simulate(fitted, window, np.zeros(400, np.int64), 4000, rng)

    # Customer by customer: P(T = t) for t up to its window, from the fitted hazards.
    a, b = fitted.alpha[0], fitted.beta[0]
    expected = np.zeros(24)
    for w in window:
        alive = 1.0
        for t in range(1, w + 1):
            hazard = a / (a + b + t - 1)
            expected[t] += alive * hazard
            alive *= 1 - hazard
    # Each mean is of 4000 draws of a count with variance below its mean.
    spread = np.sqrt(expected[1:] / 4000)
    gap = np.abs(drawn.lost.mean(axis=0)[1:] - expected[1:])
    assert (gap <= 5 * spread + 1e-9).all()
    assert drawn.customers.min() == drawn.customers.max() == 400


def test_value_draws_false_alarms_are_rare():
    """The LTV difference of equal reps is beyond noise in about 5% of pairs."""
    rng = np.random.default_rng(61)
    books, code, window = _geometric_books(80, 220, np.full(80, 0.03), rng)
    mrr = rng.lognormal(np.log(80_000), 0.5, len(code))

    drawn = _compare.value_draws(
        books,
        window,
        code,
        mrr,
        margin=0.8,
        discount=0.0,
        horizon=60,
        t=12,
        n_draws=300,
        seed=7,
    )
    _, lower, upper, p = _compare.difference(
        drawn.value[:40],
        drawn.value[40:],
        drawn.value_draws[:40],
        drawn.value_draws[40:],
        level=0.95,
    )

    # 5% of 40 is 2 with a standard deviation of 1.4.
    assert (p < 0.05).sum() <= 6
    assert (lower < upper).all()
