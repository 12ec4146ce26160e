"""Lifetimes from a ledger, early LTV per segment, and the backtest."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics._sbg import payments
from subscription_metrics.datasets import REP_A, REP_B
from subscription_metrics.ltv import ltv_from_survival
from subscription_metrics.survival import (
    BACKTEST_COLUMNS,
    LIFETIME_COLUMNS,
    backtest,
    early_ltv,
    kaplan_meier,
    lifetimes,
    sbg_del_interval,
    sbg_fit_lifetimes,
    sbg_survival,
    sbg_survival_interval,
    survival_at,
)

from .strategies import conventions, subscriptions, subscriptions_from_rows

SPELLS = st.sampled_from(["first", "each"])


def sbg_payments(a: np.ndarray, b: np.ndarray, d: float, horizon: int | None):
    """`payments` from (alpha, beta) rather than mean churn and polarisation."""
    return payments(a / (a + b), 1 / (a + b + 1), d, horizon)


def monthly(*rows: tuple[str, str, int]) -> sm.Ledger:
    """A ledger from (customer, 'YYYY-MM', mrr) rows."""
    frame = pd.DataFrame(rows, columns=["customer_id", "month", "mrr"])
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame["currency"] = "USD"
    return sm.Ledger.from_monthly_mrr(frame)


def with_spells(ledger: sm.Ledger, spells: str) -> sm.Conventions:
    return attrs.evolve(ledger.conventions, lifetime_spells=spells)


# --------------------------------------------------------------------------
# The slow oracle: one customer at a time, from the public events
# --------------------------------------------------------------------------


def slow_lifetimes(ledger: sm.Ledger, spells: str, as_of: pd.Period) -> pd.DataFrame:
    """Walk each customer's events in month order and cut its paid spells."""
    events = sm.ledger.events(ledger)
    free_is_churn = ledger.conventions.zero_mrr == "churned"
    rows = []
    for customer, history in events.groupby("customer_id", sort=True):
        found = []
        paying = False
        for event in history.itertuples():
            if event.month > as_of:
                break
            active = event.mrr > 0 if free_is_churn else event.subscriptions > 0
            if active and not paying:
                found.append({"start": event.month, "start_mrr": event.mrr})
            if paying and not active:
                found[-1]["end"] = event.month - 1
                found[-1]["observed"] = True
            paying = active
        if paying:
            found[-1]["end"] = as_of
            found[-1]["observed"] = False
        for number, spell in enumerate(found, start=1):
            if spells == "first" and number > 1:
                break
            duration = (spell["end"] - spell["start"]).n + 1
            rows.append(
                {
                    "customer_id": customer,
                    "cohort": found[0]["start"],
                    "spell": number,
                    "start": spell["start"],
                    "end": spell["end"],
                    "duration": duration,
                    "observed": spell["observed"],
                    "age": duration - (not spell["observed"]),
                    "start_mrr": spell["start_mrr"],
                }
            )
    return pd.DataFrame(rows, columns=list(LIFETIME_COLUMNS))


def assert_same_lifetimes(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns[: len(LIFETIME_COLUMNS)]) == list(LIFETIME_COLUMNS)
    assert len(fast) == len(slow)
    for column in LIFETIME_COLUMNS:
        assert list(fast[column]) == list(slow[column]), column


@pytest.mark.slow
@given(subscriptions(max_size=14), conventions, SPELLS, st.integers(0, 30))
def test_lifetimes_equal_the_slow_oracle(subs, chosen, spells, back):
    """Every spell, start, end and duration agrees with a customer-by-customer walk."""
    led = sm.Ledger.from_subscriptions(subs, conventions=chosen)
    rules = with_spells(led, spells)
    if led.last_month is None:
        assert lifetimes(led, conventions=rules).empty
        return
    as_of = max(led.last_month - back, led.first_month - 1)

    fast = lifetimes(led, as_of=as_of, conventions=rules)

    assert_same_lifetimes(fast, slow_lifetimes(led, spells, as_of))
    assert (fast["duration"] >= 1).all()
    assert (fast["end"] <= as_of).all()


@pytest.mark.slow
@given(subscriptions(max_size=14), conventions, SPELLS)
def test_default_as_of_is_the_last_month(subs, chosen, spells):
    led = sm.Ledger.from_subscriptions(subs, conventions=chosen)
    rules = with_spells(led, spells)
    if led.last_month is None:
        return
    pd.testing.assert_frame_equal(
        lifetimes(led, conventions=rules),
        lifetimes(led, as_of=led.last_month, conventions=rules),
    )


def test_known_spells_of_a_returning_customer():
    """By hand: a pays Jan-Feb and returns in Apr; c starts in Mar and stays."""
    led = monthly(
        ("a", "2024-01", 100),
        ("a", "2024-02", 100),
        ("a", "2024-04", 120),
        ("b", "2024-01", 50),
        ("c", "2024-03", 80),
        ("c", "2024-04", 80),
    )
    first = lifetimes(led)
    assert first["customer_id"].tolist() == ["a", "b", "c"]
    assert first["duration"].tolist() == [2, 1, 2]
    assert first["observed"].tolist() == [True, True, False]
    assert first["age"].tolist() == [2, 1, 1]
    assert first["end"].astype(str).tolist() == ["2024-02", "2024-01", "2024-04"]
    each = lifetimes(led, conventions=with_spells(led, "each"))
    assert each["customer_id"].tolist() == ["a", "a", "b", "c"]
    assert each["spell"].tolist() == [1, 2, 1, 1]
    assert each["start"].astype(str).tolist() == [
        "2024-01",
        "2024-04",
        "2024-01",
        "2024-03",
    ]
    assert each["cohort"].astype(str).tolist() == ["2024-01"] * 3 + ["2024-03"]
    assert each["start_mrr"].tolist() == [100, 120, 50, 80]
    assert each["observed"].tolist() == [True, False, True, False]


def test_as_of_cuts_the_events_and_counts_its_month_as_paid():
    led = monthly(("a", "2024-01", 100), ("a", "2024-02", 100), ("a", "2024-03", 9))
    seen = lifetimes(led, as_of="2024-02")
    assert seen[["duration", "observed", "age"]].values.tolist() == [[2, False, 1]]
    assert lifetimes(led, as_of="2023-12").empty


def test_as_of_after_the_ledger_is_an_error():
    led = monthly(("a", "2024-01", 100))
    with pytest.raises(ValueError, match=r"'as_of' must not be after .*2024-02"):
        lifetimes(led, as_of="2024-02")


def test_by_attributes_and_cohort():
    subs = subscriptions_from_rows(
        ("c1", "2024-01-05", "2024-03-01", 100),
        ("c2", "2024-02-05", None, 100),
    )
    subs["plan"] = ["basic", "pro"]
    led = sm.Ledger.from_subscriptions(subs)
    table = lifetimes(led, by=["plan", "cohort"])
    assert table.columns.tolist() == [*LIFETIME_COLUMNS, "plan"]
    assert table["plan"].tolist() == ["basic", "pro"]
    with pytest.raises(ValueError, match="'by' must not name a lifetime column"):
        lifetimes(led, by="duration")
    with pytest.raises(TypeError, match="'by' must be"):
        lifetimes(led, by=[1])  # type: ignore[list-item]
    with pytest.raises(sm.InvalidTableError, match="known attribute"):
        lifetimes(led, by="region")


def test_conventions_that_shaped_the_ledger_cannot_change():
    led = monthly(("a", "2024-01", 100))
    other = attrs.evolve(led.conventions, zero_mrr="active")
    with pytest.raises(ValueError, match="zero_mrr"):
        lifetimes(led, conventions=other)


# --------------------------------------------------------------------------
# Kaplan-Meier of one uncensored cohort is its logo retention
# --------------------------------------------------------------------------


one_spell_each = subscriptions(min_size=1, max_size=14).map(
    lambda subs: subs.assign(
        end=subs["end"].fillna(subs["start"] + pd.Timedelta(days=75))
    ).drop_duplicates("customer_id")
)


@pytest.mark.slow
@given(one_spell_each, conventions)
def test_km_of_an_uncensored_cohort_is_its_logo_retention(subs, chosen):
    """KM time t is cohort age t: S(t) is the share of the cohort still paying in
    calendar month cohort + t (`cohorts.retention`'s age), when nobody returns
    and nobody is censored."""
    led = sm.Ledger.from_subscriptions(subs, conventions=chosen)
    table = lifetimes(led)
    assert table["observed"].all()  # every subscription ends: no censoring
    retention = sm.cohorts.retention(led)
    for cohort, members in table.groupby("cohort"):
        curve = kaplan_meier(members["age"], members["observed"])
        rows = retention[retention["cohort"] == cohort]
        read = survival_at(curve, rows["age"].to_numpy())

        np.testing.assert_allclose(
            read["survival"].to_numpy(), rows["logo_retention"].to_numpy(), atol=1e-12
        )


def test_km_of_a_cohort_matches_retention_by_hand():
    """Three customers of 2024-01 paying 1, 2 and 2 months: 1, 2/3, 0."""
    led = monthly(
        ("a", "2024-01", 1),
        ("b", "2024-01", 1),
        ("b", "2024-02", 1),
        ("c", "2024-01", 1),
        ("c", "2024-02", 1),
        ("d", "2024-04", 1),
    )
    table = lifetimes(led)
    cohort = table[table["cohort"] == pd.Period("2024-01", "M")]
    curve = kaplan_meier(cohort["age"], cohort["observed"])
    retention = sm.cohorts.retention(led)
    expected = retention.loc[retention["cohort"] == "2024-01", "logo_retention"]
    read = survival_at(curve, [0, 1, 2, 3])["survival"]
    assert read.tolist() == pytest.approx([1.0, 2 / 3, 0.0, 0.0])
    assert read.tolist() == pytest.approx(expected.tolist())


# --------------------------------------------------------------------------
# Early LTV
# --------------------------------------------------------------------------


def simulated(
    n: int, a: float, b: float, seed: int, months: int = 36, plans: int = 2
) -> sm.Ledger:
    """Customers from a known sBG (monthly churn ~ Beta(a, b)), starts spread over
    `months` months; each pays T ~ geometric(churn) months; seeded."""
    rng = np.random.default_rng(seed)
    lifetime = rng.geometric(rng.beta(a, b, n))
    first = pd.Period("2022-01", "M").ordinal
    start = first + rng.integers(0, months, n)
    subs = pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i:05d}" for i in range(n)],
            "start": pd.PeriodIndex.from_ordinals(start, freq="M").to_timestamp(),
            "end": pd.PeriodIndex.from_ordinals(
                start + lifetime, freq="M"
            ).to_timestamp(),
            "mrr": rng.integers(50, 500, n) * 100,
            "currency": "USD",
            "plan": [f"p{i}" for i in rng.integers(0, plans, n)],
        }
    )
    horizon = pd.Period(ordinal=first + months - 1, freq="M")
    return sm.Ledger.from_subscriptions(subs, through=horizon)


@pytest.fixture(scope="module")
def sim() -> sm.Ledger:
    return simulated(6000, 1.5, 12.0, seed=11)


@pytest.fixture(scope="module")
def sample() -> sm.Ledger:
    data = sm.datasets.load_sample()
    return sm.Ledger.from_subscriptions(data.subscriptions, customers=data.customers)


parameters = st.floats(0.05, 50.0)
betas = st.floats(0.05, 5000.0)


@given(parameters, betas, st.floats(0.005, 0.5), st.sampled_from([None, 1, 7, 60]))
def test_sbg_value_closed_form_equals_the_summed_curve(a, b, d, horizon):
    """DEL (or its truncation) equals `ltv_from_survival` of the projected curve
    summed far out. The discount is >= 0.005 so 20,000 months leave no tail."""
    months = horizon if horizon is not None else 20_000
    curve = sbg_survival(a, b, np.arange(months))
    summed = ltv_from_survival(1.0, curve, discount_rate=d)

    closed = sbg_payments(np.array([a]), np.array([b]), d, horizon)[0]

    assert closed == pytest.approx(summed, rel=1e-9)


@given(parameters, betas, st.integers(1, 120))
def test_undiscounted_truncated_value_equals_the_sum(a, b, horizon):
    """E[min(T, H)] = sum_{t < H} S(t), also near and at alpha = 1."""
    for alpha in (a, 1.0, 1.0 + 1e-10):
        expected = float(sbg_survival(alpha, b, np.arange(horizon)).sum())
        got = sbg_payments(np.array([alpha]), np.array([b]), 0.0, horizon)[0]
        assert got == pytest.approx(expected, rel=1e-9)


def test_del_is_right_where_hyp2f1_gives_up():
    """scipy's hyp2f1 returns NaN for beta of a few hundred (monthly fits); the
    summed series takes over and agrees with a brute-force sum."""
    a, b, d = np.array([17.75, 2.0, 0.2]), np.array([270.0, 1e5, 160.0]), 0.008
    t = np.arange(20_000)
    for i in range(3):
        brute = float((sbg_survival(a[i], b[i], t) / (1 + d) ** t).sum())
        assert sm.survival.sbg_del(a[i], b[i], d) == pytest.approx(brute, rel=1e-9)


def test_early_ltv_point_estimates_equal_one_fit_per_segment(sim):
    table = early_ltv(sim, by="plan", seed=0, n_draws=500)
    lives = lifetimes(sim, by="plan")
    for plan, part in lives.groupby("plan"):
        fit = sbg_fit_lifetimes(part["age"], part["observed"])
        row = table.loc[plan]
        assert row["alpha"] == fit.alpha
        assert row["beta"] == fit.beta
        assert row["customers"] == len(part)
        assert row["churned"] == part["observed"].sum()
        assert row["months_observed"] == part["age"].max()
        assert row["customer_months"] == part["duration"].sum()
        assert row["first_month_arpa"] == pytest.approx(part["start_mrr"].mean())
        assert row["survival_12"] == pytest.approx(
            sbg_survival(fit.alpha, fit.beta, 12), rel=1e-12
        )
        assert not row["thin"]


def test_early_ltv_intervals_agree_with_the_single_fit_intervals(sim):
    """A segment's bands are close to `sbg_survival_interval`'s and
    `sbg_del_interval`'s for its fit: the same bootstrap, with every customer's
    own observation window instead of windows estimated from the counts (and
    other random numbers)."""
    rules = attrs.evolve(sim.conventions, annual_discount_rate=0.1, gross_margin=0.8)
    d = sm.ltv.monthly_discount_rate(0.1)
    table = early_ltv(sim, by="plan", seed=5, n_draws=800, conventions=rules)
    lives = lifetimes(sim, by="plan")
    for plan, part in lives.groupby("plan"):
        fit = sbg_fit_lifetimes(part["age"], part["observed"])
        band = sbg_survival_interval(fit, [3, 6, 12, 24], seed=5, n_draws=800)
        value = sbg_del_interval(fit, [d], seed=5, n_draws=800).iloc[0]
        row = table.loc[plan]
        margin_arpa = 0.8 * part["start_mrr"].mean()
        for t in (3, 6, 12, 24):
            width = band.loc[t, "upper"] - band.loc[t, "lower"]
            assert row[f"survival_{t}"] == pytest.approx(band.loc[t, "survival"])
            for side in ("lower", "upper"):
                got = row[f"survival_{t}_{side}"]
                assert abs(got - band.loc[t, side]) < 0.2 * width
        width = value["upper"] - value["lower"]
        assert row["discounted_lifetime"] == pytest.approx(value["del"])
        for side in ("lower", "upper"):
            got = row[f"discounted_lifetime_{side}"]
            assert abs(got - value[side]) < 0.2 * width
        assert row["lifetime_value"] == pytest.approx(margin_arpa * value["del"])
        # ARPA's share of the LTV interval: test_survival_intervals.py.


def test_early_ltv_recovers_the_simulated_value(sim):
    """The known sBG's 5-year value lies in the interval (fixed seed)."""
    table = early_ltv(sim, by="plan", horizon_months=60, seed=2)
    true_payments = float(sbg_survival(1.5, 12.0, np.arange(60)).sum())
    for _, row in table.iterrows():
        true_value = row["first_month_arpa"] * true_payments
        assert row["lifetime_value_lower"] <= true_value <= row["lifetime_value_upper"]
        assert row["survival_12_lower"] <= sbg_survival(1.5, 12.0, 12)
        assert sbg_survival(1.5, 12.0, 12) <= row["survival_12_upper"]


def test_early_ltv_is_reproducible_and_seeded(sim):
    one = early_ltv(sim, by="plan", seed=3, n_draws=300)
    two = early_ltv(sim, by="plan", seed=3, n_draws=300)
    other = early_ltv(sim, by="plan", seed=4, n_draws=300)
    pd.testing.assert_frame_equal(one, two)
    assert not one.equals(other)
    assert one.index.name == "plan"


def test_thin_rule():
    """A segment is thin with < min_customers, < min_churned, < 2 months or no fit."""
    led = simulated(400, 1.5, 12.0, seed=3, plans=4)
    table = early_ltv(led, by="plan", seed=0, n_draws=200, min_customers=30)
    assert not table["thin"].any()
    stricter = early_ltv(led, by="plan", seed=0, n_draws=200, min_customers=150)
    assert (stricter["thin"] == (stricter["customers"] < 150)).all()
    assert stricter["thin"].any()
    churn = early_ltv(led, by="plan", seed=0, n_draws=200, min_churned=10_000)
    assert churn["thin"].all()


def test_segment_without_churn_never_leaves():
    """No churn: S(t) = 1, the value is every month's payment (inf unbounded)."""
    led = monthly(("a", "2024-01", 100), ("a", "2024-02", 100), ("b", "2024-02", 300))
    table = early_ltv(led, by="cohort", seed=0, n_draws=50)
    assert table["survival_12"].tolist() == [1.0, 1.0]
    assert table["lifetime_value"].tolist() == [math.inf, math.inf]
    assert table["thin"].all()
    capped = early_ltv(led, by="cohort", seed=0, n_draws=50, horizon_months=24)
    assert capped["lifetime_value"].tolist() == [2400.0, 7200.0]
    assert capped.index.name == "cohort"


def test_km_model_reads_the_curve_and_continues_it_geometrically():
    """By hand: S = 1, 3/4, 1/2 over ages 0-2; beyond, x 2/3 a month."""
    rows = [("a", "2024-01", 10), ("b", "2024-01", 10), ("b", "2024-02", 10)]
    rows += [("c", "2024-01", 10), ("c", "2024-02", 10), ("c", "2024-03", 10)]
    rows += [("d", "2024-01", 10), ("d", "2024-02", 10), ("d", "2024-03", 10)]
    led = monthly(*rows)
    table = early_ltv(led, by="cohort", model="km", horizons=[1, 3, 6], seed=0)
    row = table.iloc[0]
    assert row["months_observed"] == 2
    assert row[["survival_1", "survival_3", "survival_6"]].tolist() == pytest.approx(
        [0.75, 0.5 * 2 / 3, 0.5 * (2 / 3) ** 4]
    )
    curve = kaplan_meier(lifetimes(led)["age"], lifetimes(led)["observed"])
    s = survival_at(curve, [0, 1, 2])["survival"].to_numpy()
    ratio = s[2] / s[1]
    assert row["survival_1"] == pytest.approx(s[1])
    assert row["survival_3"] == pytest.approx(s[2] * ratio)
    assert row["survival_6"] == pytest.approx(s[2] * ratio**4)
    expected = ltv_from_survival(10.0, s, tail="geometric")
    assert row["lifetime_value"] == pytest.approx(expected)
    assert math.isnan(row["alpha"])
    assert row["converged"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": "weibull"}, ValueError, "'model' must be one of 'sbg', 'km'"),
        ({"horizon_months": 0}, ValueError, "'horizon_months' must be >= 1"),
        ({"horizons": []}, ValueError, "'horizons' must be one or more"),
        ({"horizons": [3, -1]}, ValueError, "'horizons' must be >= 0"),
        ({"level": 1.5}, ValueError, "'level' must be in"),
        ({"n_draws": 1}, ValueError, "'n_draws' must be >= 2"),
        ({"min_customers": 0}, ValueError, "'min_customers' must be >= 1"),
        ({"min_churned": 2.5}, TypeError, "'min_churned' must be an int"),
        ({"seed": None}, TypeError, "'seed' must be"),
        ({"by": []}, ValueError, "'by' must name at least one"),
    ],
)
def test_early_ltv_validates(kwargs, error, match):
    led = monthly(("a", "2024-01", 100), ("a", "2024-02", 100))
    arguments = {"by": "cohort", "seed": 0, **kwargs}
    with pytest.raises(error, match=match):
        early_ltv(led, **arguments)


def test_early_ltv_on_the_sample_ranks_the_reps(sample):
    """Sample story: rep A's customers churn about four times as often, B's half."""
    table = early_ltv(sample, by="field_sales_rep", seed=1, horizon_months=60)
    a, b = table.loc[REP_A], table.loc[REP_B]
    assert a["survival_12"] < b["survival_12"]
    assert a["lifetime_value"] < b["lifetime_value"]
    assert a["survival_12_upper"] < b["survival_12"]
    assert not a["thin"]
    assert table.index.hasnans  # customers without a field-sales rep


# --------------------------------------------------------------------------
# Backtest
# --------------------------------------------------------------------------


def test_backtest_on_a_known_sbg_is_close(sim):
    """Simulated from alpha 1.5, beta 12: three months project six and twelve
    within a few points, and the actuals estimate the true survival."""
    table = backtest(sim, fit_months=3, horizons=(6, 12))
    assert table.columns.tolist() == list(BACKTEST_COLUMNS)
    assert table.index.name == "horizon"
    assert (table["abs_error"] < 0.03).all()
    truth = sbg_survival(1.5, 12.0, [6, 12])
    np.testing.assert_allclose(table["actual"], truth, atol=0.03)
    np.testing.assert_allclose(table["projected"], truth, atol=0.03)
    np.testing.assert_allclose(table["error"], table["projected"] - table["actual"])


def test_backtest_compares_the_same_customers_at_each_horizon(sim):
    """The rule, by brute force: customers started >= h months before as_of; the
    actual is the share of them still paying at age h; the fit sees ages <= 3."""
    table = backtest(sim, by="plan", fit_months=3, horizons=(6, 12))
    lives = lifetimes(sim, by="plan")
    as_of = sim.last_month
    for (plan, h), row in table.iterrows():
        part = lives[lives["plan"] == plan]
        old = part[(as_of - part["start"]).map(lambda x: x.n) >= h]
        assert row["customers"] == len(old)
        paying = (old["age"] > h) | ~old["observed"]  # censored: age >= h
        assert row["actual"] == pytest.approx(paying.mean())
        seen = old["observed"] & (old["age"] <= 3)
        assert row["churned_in_fit"] == seen.sum()
        fit = sbg_fit_lifetimes(np.minimum(old["age"], 3), seen)
        assert row["projected"] == pytest.approx(sbg_survival(fit.alpha, fit.beta, h))


def test_backtest_km_projects_the_last_early_retention():
    """KM: S(3) continued at S(3) / S(2) a month."""
    led = simulated(1500, 1.5, 12.0, seed=5)
    table = backtest(led, model="km", fit_months=3, horizons=[6])
    lives = lifetimes(led)
    old = lives[(led.last_month - lives["start"]).map(lambda x: x.n) >= 6]
    early = kaplan_meier(np.minimum(old["age"], 3), old["observed"] & (old["age"] <= 3))
    s = survival_at(early, [2, 3])["survival"].to_numpy()
    assert table.loc[6, "projected"] == pytest.approx(s[1] * (s[1] / s[0]) ** 3)


def test_backtest_on_the_sample_runs_and_ranks_rep_b_above_rep_a(sample):
    table = backtest(sample, by="field_sales_rep", horizons=(6, 12))
    assert table.loc[(REP_B, 12), "projected"] > table.loc[(REP_A, 12), "projected"]
    assert (table["customers"] > 0).all()
    assert table["actual"].between(0, 1).all()


def test_backtest_validates():
    led = monthly(("a", "2024-01", 100), ("a", "2024-02", 100))
    with pytest.raises(ValueError, match="'horizons' must be >= 3"):
        backtest(led, fit_months=3, horizons=[2])
    with pytest.raises(ValueError, match="'fit_months' must be >= 1"):
        backtest(led, fit_months=0)
    with pytest.raises(ValueError, match="'model' must be one of"):
        backtest(led, model="cox")  # type: ignore[arg-type]


def test_backtest_without_old_enough_customers_is_nan():
    led = monthly(("a", "2024-01", 100), ("a", "2024-02", 100))
    table = backtest(led, horizons=[12])
    assert table.loc[12, "customers"] == 0
    assert math.isnan(table.loc[12, "projected"])
    assert math.isnan(table.loc[12, "actual"])
