"""Kaplan-Meier curves: known values, validation, properties, and a slow oracle."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from subscription_metrics import EmptyRiskSetWarning
from subscription_metrics.survival import (
    CURVE_COLUMNS,
    kaplan_meier,
    median_lifetime,
    survival_at,
)

DATA = Path(__file__).parent / "data"
Z95 = 1.959963984540054

HAND_DURATIONS = [1, 2, 2, 2, 3, 4, 4, 5]
HAND_OBSERVED = [1, 1, 1, 0, 0, 1, 0, 1]


# --------------------------------------------------------------------------
# Known values
# --------------------------------------------------------------------------


def test_hand_checkable_example_matches_lifelines_known_values():
    """known-values.md section 2 (lifelines' KaplanMeierFitter on the same data)."""
    curve = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED)
    expected = {0: 1.0, 1: 0.875, 2: 0.625, 3: 0.625, 4: 0.4166666667, 5: 0.0}
    assert list(curve.index) == list(expected)
    assert curve["survival"].to_numpy() == pytest.approx(list(expected.values()))
    assert curve.loc[2, "lower"] == pytest.approx(0.2293333224, abs=1e-9)
    assert curve.loc[2, "upper"] == pytest.approx(0.8606982769, abs=1e-9)
    assert curve["at_risk"].tolist() == [8, 8, 7, 4, 3, 1]
    assert curve["events"].tolist() == [0, 1, 2, 0, 1, 1]
    assert curve["censored"].tolist() == [0, 0, 1, 1, 1, 0]
    assert curve["entered"].tolist() == [8, 0, 0, 0, 0, 0]
    assert curve.columns.tolist() == list(CURVE_COLUMNS)
    assert curve.index.name == "time"
    assert curve.index.dtype == np.int64


def test_hand_example_greenwood_sum_and_zero_survival_bounds():
    """Greenwood by hand: 1/(8*7) + 2/(7*5); at S = 0 the bounds are documented."""
    curve = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED)
    assert curve.loc[2, "variance"] == pytest.approx(1 / 56 + 2 / 35)
    assert curve.loc[4, "variance"] == pytest.approx(1 / 56 + 2 / 35 + 1 / 6)
    assert curve.loc[5, "variance"] == math.inf
    # S reached 0 at t=5: lower 0, upper carried from t=4 (the curve cannot rise).
    assert curve.loc[5, "lower"] == 0.0
    assert curve.loc[5, "upper"] == curve.loc[4, "upper"]
    assert curve.loc[0, ["lower", "upper"]].tolist() == [1.0, 1.0]


def test_level_widens_or_narrows_the_interval():
    """A 99% interval contains the 95% one, which contains the 80% one."""
    wide = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED, level=0.99)
    mid = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED)
    narrow = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED, level=0.8)
    inside = mid["survival"].between(0, 1, inclusive="neither")
    assert (wide["lower"] < mid["lower"])[inside].all()
    assert (mid["lower"] < narrow["lower"])[inside].all()
    assert (wide["upper"] > mid["upper"])[inside].all()


@pytest.fixture(scope="module")
def dd() -> pd.DataFrame:
    return pd.read_csv(DATA / "dd.csv")


def test_dd_counts_and_median_lifelines_docs(dd: pd.DataFrame):
    """lifelines docs, "Survival analysis with lifelines": 1808 obs, 340 censored,
    median 4."""
    curve = kaplan_meier(dd["duration"], dd["observed"])
    assert curve["events"].sum() + curve["censored"].sum() == 1808
    assert curve["censored"].sum() == 340
    assert median_lifetime(curve)["median"] == 4


def test_dd_medians_by_regime_lifelines_docs(dd: pd.DataFrame):
    """lifelines docs: median 3 for "Democracy", 6 for "Non-democracy"."""
    curves = kaplan_meier(dd["duration"], dd["observed"], groups=dd["democracy"])
    assert curves.index.names == ["democracy", "time"]
    medians = median_lifetime(curves)
    assert medians.loc["Democracy", "median"] == 3
    assert medians.loc["Non-democracy", "median"] == 6
    assert (medians["lower"] <= medians["median"]).all()
    assert (medians["median"] <= medians["upper"]).all()


@pytest.fixture(scope="module")
def waltons() -> pd.DataFrame:
    return pd.read_csv(DATA / "waltons.csv")


def test_waltons_event_table_lifelines_quickstart(waltons: pd.DataFrame):
    """lifelines Quickstart, survival_table_from_events(T, E).head() on waltons."""
    curve = kaplan_meier(waltons["T"], waltons["E"])
    head = curve.iloc[:5]
    assert head.index.tolist() == [0, 6, 7, 9, 13]
    assert head["entered"].tolist() == [163, 0, 0, 0, 0]
    assert head["at_risk"].tolist() == [163, 163, 162, 160, 157]
    assert head["events"].tolist() == [0, 1, 1, 3, 3]
    assert head["censored"].tolist() == [0, 0, 1, 0, 0]
    assert curve.index.dtype == np.float64  # T is stored as 6.0, 13.0, ...


def test_waltons_groups_equal_separate_calls(waltons: pd.DataFrame):
    """Property on real data: one grouped call equals one call per group."""
    curves = kaplan_meier(waltons["T"], waltons["E"], groups=waltons["group"])
    for name, part in waltons.groupby("group"):
        alone = kaplan_meier(part["T"], part["E"])
        pd.testing.assert_frame_equal(curves.loc[name], alone, rtol=1e-12)
    medians = median_lifetime(curves)
    assert medians.loc["miR-137", "median"] < medians.loc["control", "median"]


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def test_negative_durations_message_names_argument_rule_count_positions():
    with pytest.raises(ValueError, match=r"'durations' must be >= 0: 2 values") as e:
        kaplan_meier([1, -1, 2, -3], [1, 1, 0, 1])
    assert "[1, 3]" in str(e.value)
    assert "-1.0" in str(e.value)


def test_nan_durations_rejected_with_positions():
    with pytest.raises(ValueError, match=r"'durations' must be finite.*\[2\]"):
        kaplan_meier([1.0, 2.0, np.nan], [1, 1, 0])


def test_many_offenders_are_elided():
    with pytest.raises(
        ValueError, match=r"7 values break it, .*\[0, 1, 2, 3, 4, \.\.\.\]"
    ):
        kaplan_meier([-1] * 7, [1] * 7)


def test_entry_after_duration_rejected():
    with pytest.raises(ValueError, match=r"'entry' must be <= durations: 1 value"):
        kaplan_meier([3, 4], [1, 1], entry=[1, 5])


def test_negative_entry_rejected():
    with pytest.raises(ValueError, match=r"'entry' must be >= 0"):
        kaplan_meier([3, 4], [1, 1], entry=[-1, 0])


def test_length_mismatch_names_lengths():
    with pytest.raises(ValueError, match=r"'durations' has 3, 'observed' has 2"):
        kaplan_meier([1, 2, 3], [1, 0])
    with pytest.raises(ValueError, match=r"'groups' has 2"):
        kaplan_meier([1, 2, 3], [1, 0, 1], groups=["a", "b"])


@pytest.mark.parametrize("bad", [["a", "b"], "12", None, [True, False]])
def test_non_numeric_durations_type_error(bad: object):
    with pytest.raises(TypeError, match="'durations' must be numeric"):
        kaplan_meier(bad, [1, 0])  # type: ignore[arg-type]


def test_observed_must_be_zero_or_one():
    with pytest.raises(ValueError, match=r"'observed' must be 0/1 or boolean.*\[1\]"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(TypeError, match="'observed'"):
        kaplan_meier([1, 2], ["yes", "no"])


def test_missing_values_in_nullable_columns_are_named_by_position():
    durations = pd.Series([1, None, 3], dtype="Int64")
    with pytest.raises(ValueError, match=r"'durations' must be finite.*\[1\]"):
        kaplan_meier(durations, [1, 1, 0])
    observed = pd.Series([True, None, False], dtype="boolean")
    with pytest.raises(ValueError, match=r"'observed' must be 0/1 or boolean.*\[1\]"):
        kaplan_meier([1, 2, 3], observed)
    with pytest.raises(TypeError, match="'durations' must be numeric, got dtype bool"):
        kaplan_meier(pd.Series([True, False]), [1, 0])


def test_nullable_columns_without_missing_values_are_accepted():
    curve = kaplan_meier(
        pd.Series([1, 2, 3], dtype="Int64"),
        pd.Series([True, True, False], dtype="boolean"),
    )
    assert curve.index.dtype == np.int64
    assert curve["survival"].iloc[-1] == pytest.approx(1 / 3)


@pytest.mark.parametrize("level", [0, 1, -0.1, 1.5])
def test_level_outside_unit_interval(level: float):
    with pytest.raises(ValueError, match="'level' must be in"):
        kaplan_meier([1, 2], [1, 0], level=level)


def test_empty_input_gives_empty_table():
    curve = kaplan_meier([], [])
    assert curve.empty
    assert curve.columns.tolist() == list(CURVE_COLUMNS)


def test_inputs_are_not_mutated():
    durations = np.array([3.0, 1.0, 2.0])
    observed = np.array([True, False, True])
    kaplan_meier(durations, observed, entry=np.zeros(3))
    assert durations.tolist() == [3.0, 1.0, 2.0]
    assert observed.tolist() == [True, False, True]


# --------------------------------------------------------------------------
# Conventions at the edges
# --------------------------------------------------------------------------


def test_churn_at_time_zero_counts_against_everyone():
    """lifelines: entrants at the first time are at risk, so T = 0 churn counts."""
    curve = kaplan_meier([0, 0, 3, 4], [1, 0, 1, 0])
    assert curve.loc[0, "at_risk"] == 4
    assert curve.loc[0, "survival"] == pytest.approx(0.75)


def test_late_entrant_is_not_at_risk_at_its_entry_time():
    """known-values.md section 2: an entrant at t is not at risk for deaths at t."""
    curve = kaplan_meier([2, 5, 5], [1, 1, 0], entry=[0, 0, 2])
    assert curve.loc[2, "at_risk"] == 2  # the entrant at 2 is not counted
    assert curve.loc[2, "entered"] == 1
    assert curve.loc[5, "at_risk"] == 2
    assert curve.loc[5, "survival"] == pytest.approx(0.5 * 0.5)


def test_entry_equal_to_duration_after_the_first_time_is_never_at_risk():
    curve = kaplan_meier([4, 6, 3], [1, 0, 1], entry=[0, 0, 3])
    assert curve.loc[3, "events"] == 0
    assert curve.loc[3, "entered"] == 1
    assert curve.loc[3, "survival"] == 1.0
    assert curve.loc[4, "survival"] == pytest.approx(0.5)


def test_survival_at_reads_steps_and_is_nan_beyond_the_data():
    curve = kaplan_meier([1, 2, 2, 2, 3, 4, 4, 5], [1, 1, 1, 0, 0, 1, 0, 0])
    read = survival_at(curve, [0, 0.5, 1, 3.5, 5, 6])
    assert read.index.name == "time"
    survival = read["survival"].to_numpy()
    assert survival[:5] == pytest.approx([1.0, 1.0, 0.875, 0.625, 0.4166666667])
    assert math.isnan(survival[5])  # beyond t=5, where S > 0: unknown
    assert read["lower"].iloc[0] == 1.0


def test_survival_at_keeps_zero_after_the_curve_reaches_it():
    curves = kaplan_meier([1, 2, 3, 9], [1, 1, 0, 0], groups=["a", "a", "b", "b"])
    read = survival_at(curves, [0, 2, 10])
    assert read.loc[("a", 10), "survival"] == 0.0
    assert read.loc[("a", 10), "lower"] == 0.0
    assert math.isnan(read.loc[("b", 10), "survival"])
    assert read.loc[("b", 2), "survival"] == 1.0
    assert read.index.names == ["group", "time"]
    assert read.index.get_level_values("time").tolist() == [0, 2, 10] * 2


def test_survival_at_rejects_negative_horizons():
    curve = kaplan_meier([1, 2], [1, 0])
    with pytest.raises(ValueError, match="'times' must be >= 0"):
        survival_at(curve, [1, -2])


def test_median_is_inf_when_never_reached():
    """Style guide: never reached -> inf (lifelines' median_survival_time_)."""
    curve = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    result = median_lifetime(curve)
    assert result["median"] == math.inf
    assert result["upper"] == math.inf


def test_median_interval_reads_the_bounds_like_lifelines():
    """lifelines' median_survival_times(confidence_interval_): first t with
    bound <= 0.5, per bound."""
    curve = kaplan_meier(HAND_DURATIONS, HAND_OBSERVED)
    result = median_lifetime(curve)
    first = {c: float(curve.index[curve[c] <= 0.5][0]) for c in ("survival", "lower")}
    assert result["median"] == first["survival"] == 4
    assert result["lower"] == first["lower"] == 1


def test_several_group_columns_in_one_call():
    frame = pd.DataFrame({"plan": ["a", "a", "b", "b"], "region": ["x", "y", "x", "x"]})
    curves = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 1], groups=frame)
    assert curves.index.names == ["plan", "region", "time"]
    medians = median_lifetime(curves)
    assert medians.index.names == ["plan", "region"]
    assert len(medians) == 3


def test_missing_group_labels_form_their_own_group():
    curves = kaplan_meier([1, 2, 3], [1, 1, 0], groups=["a", None, "a"])
    assert curves.index.get_level_values("group").isna().sum() == 2  # rows 0 and 2


# --------------------------------------------------------------------------
# A slow, obvious oracle
# --------------------------------------------------------------------------


def oracle(
    durations: list[float],
    observed: list[bool],
    entry: list[float] | None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Kaplan-Meier for one group, by a loop over its times, straight from the
    conventions in the docstring."""
    z = {0.05: Z95}[alpha]
    starts = entry if entry is not None else [0.0] * len(durations)
    times = sorted(set(durations) | set(starts))
    first = times[0] if times else 0.0
    rows = []
    survival, greenwood, upper_before = 1.0, 0.0, 1.0
    unknown = False  # the risk set emptied before a later entry
    for t in times:
        risk = [
            i
            for i in range(len(durations))
            if (starts[i] < t or starts[i] == t == first) and durations[i] >= t
        ]
        d = sum(1 for i in risk if durations[i] == t and observed[i])
        c = sum(1 for i in risk if durations[i] == t and not observed[i])
        n = len(risk)
        if n:
            survival *= 1 - d / n
        if d and d == n:
            greenwood = math.inf
        elif d:
            greenwood += d / (n * (n - d))
        if survival == 1:
            lower = upper = 1.0
        elif survival == 0:
            lower, upper = 0.0, upper_before
        else:
            log_s = math.log(survival)
            spread = z * math.sqrt(greenwood) / -log_s
            lower = math.exp(log_s * math.exp(spread))
            upper = math.exp(log_s * math.exp(-spread))
            upper_before = upper
        nan = math.nan
        rows.append(
            {
                "time": t,
                "at_risk": n,
                "events": d,
                "censored": c,
                "entered": sum(1 for s in starts if s == t),
                "survival": nan if unknown else survival,
                "variance": nan if unknown else greenwood,
                "lower": nan if unknown else lower,
                "upper": nan if unknown else upper,
            }
        )
        observing = sum(
            1 for i in range(len(durations)) if starts[i] <= t < durations[i]
        )
        unknown = unknown or (observing == 0 and t != times[-1])
    return pd.DataFrame(rows, columns=["time", *CURVE_COLUMNS]).set_index("time")


@st.composite
def subjects(draw: st.DrawFn, max_size: int = 25) -> pd.DataFrame:
    """Lifetimes with many ties, censoring, late entry and a few groups."""
    n = draw(st.integers(0, max_size))
    whole = draw(st.booleans())
    value = st.integers(0, 8) if whole else st.sampled_from([0.0, 0.5, 1.0, 2.5, 3.0])
    durations = draw(st.lists(value, min_size=n, max_size=n))
    fractions = draw(
        st.lists(st.sampled_from([0, 0, 0.3, 0.5, 1]), min_size=n, max_size=n)
    )
    entry = [
        (math.floor(d * f) if whole else d * f)
        for d, f in zip(durations, fractions, strict=True)
    ]
    return pd.DataFrame(
        {
            "duration": np.asarray(durations, dtype=np.int64 if whole else np.float64),
            "observed": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
            "entry": np.asarray(entry, dtype=np.int64 if whole else np.float64),
            "group": draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n)),
        }
    )


def _quiet_km(*args: object, **kwargs: object) -> pd.DataFrame:
    """`kaplan_meier` with its empty-risk-set warning silenced (tested apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyRiskSetWarning)
        return kaplan_meier(*args, **kwargs)  # type: ignore[arg-type]


def _compare(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert fast.index.astype(float).tolist() == slow.index.astype(float).tolist()
    for column in ("at_risk", "events", "censored", "entered"):
        assert fast[column].tolist() == slow[column].tolist(), column
    for column in ("survival", "variance", "lower", "upper"):
        np.testing.assert_allclose(
            fast[column].to_numpy(), slow[column].to_numpy(), rtol=1e-9, atol=1e-12
        )


@pytest.mark.slow
@given(subjects(), st.booleans())
@example(
    pd.DataFrame(
        {
            "duration": [2, 2, 3],
            "observed": [True, True, False],
            "entry": [2, 0, 2],
            "group": ["a", "a", "a"],
        }
    ),
    True,
).via("entry == duration at the first time, beside a later entrant")
def test_fast_kernel_equals_slow_oracle(data: pd.DataFrame, late: bool):
    entry = data["entry"] if late else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        curves = kaplan_meier(
            data["duration"], data["observed"], entry=entry, groups=data["group"]
        )
    gaps = 0
    for name, part in data.groupby("group"):
        slow = oracle(
            part["duration"].tolist(),
            part["observed"].tolist(),
            part["entry"].tolist() if late else None,
        )
        _compare(curves.loc[name], slow)
        gaps += bool(slow["survival"].isna().any())
    assert set(curves.index.get_level_values("group")) == set(data["group"])
    # One warning per call, saying in how many groups the risk set emptied.
    emptied = [w for w in caught if issubclass(w.category, EmptyRiskSetWarning)]
    assert len(emptied) == (gaps > 0)
    assert len(caught) == len(emptied)
    if gaps:
        assert f"in {gaps} of {data['group'].nunique()} groups" in str(
            emptied[0].message
        )


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


@given(subjects(max_size=40), st.booleans())
def test_survival_is_a_non_increasing_fraction_inside_its_interval(
    data: pd.DataFrame, late: bool
):
    entry = data["entry"] if late else None
    curves = _quiet_km(
        data["duration"], data["observed"], entry=entry, groups=data["group"]
    )
    undefined = curves[["survival", "variance", "lower", "upper"]].isna()
    assert undefined.eq(undefined["survival"], axis=0).all().all()  # NaN together
    curves = curves[~undefined["survival"]]
    s = curves["survival"]
    assert ((s >= 0) & (s <= 1)).all()
    assert (curves["lower"] <= s + 1e-12).all()
    assert (s <= curves["upper"] + 1e-12).all()
    assert ((curves["lower"] >= 0) & (curves["upper"] <= 1)).all()
    steps = s.groupby(level="group").diff().dropna()
    assert (steps <= 1e-15).all()
    assert (curves["events"] <= curves["at_risk"]).all()


@given(st.lists(st.integers(0, 10), max_size=40))
def test_without_censoring_survival_is_the_share_still_alive(durations: list[int]):
    curve = kaplan_meier(durations, [True] * len(durations))
    values = np.asarray(durations)
    share = [(values > t).mean() for t in curve.index]
    np.testing.assert_allclose(curve["survival"].to_numpy(), share, atol=1e-12)


@pytest.mark.slow
@given(subjects(max_size=40), st.booleans())
def test_grouped_call_equals_one_call_per_group(data: pd.DataFrame, late: bool):
    entry = data["entry"] if late else None
    curves = _quiet_km(
        data["duration"], data["observed"], entry=entry, groups=data["group"]
    )
    for name, part in data.groupby("group"):
        alone = _quiet_km(
            part["duration"], part["observed"], entry=part["entry"] if late else None
        )
        pd.testing.assert_frame_equal(curves.loc[name], alone, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
@given(subjects(max_size=40), st.randoms(use_true_random=False))
def test_invariant_to_row_order(data: pd.DataFrame, random: object):
    order = list(range(len(data)))
    random.shuffle(order)  # type: ignore[attr-defined]
    shuffled = data.iloc[order]
    one = _quiet_km(
        data["duration"], data["observed"], entry=data["entry"], groups=data["group"]
    )
    two = _quiet_km(
        shuffled["duration"],
        shuffled["observed"],
        entry=shuffled["entry"],
        groups=shuffled["group"],
    )
    pd.testing.assert_frame_equal(one, two, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
@given(subjects(max_size=40))
def test_entry_all_zero_equals_no_entry(data: pd.DataFrame):
    zero = np.zeros(len(data), dtype=data["duration"].dtype)
    with_entry = kaplan_meier(
        data["duration"], data["observed"], entry=zero, groups=data["group"]
    )
    without = kaplan_meier(data["duration"], data["observed"], groups=data["group"])
    pd.testing.assert_frame_equal(with_entry, without)


@pytest.mark.slow
@given(
    subjects(max_size=30),
    st.lists(st.sampled_from([0, 0.5, 1, 2, 3.5, 7, 8, 12]), max_size=6, unique=True),
)
def test_survival_at_matches_a_lookup_by_hand(
    data: pd.DataFrame, horizons: list[float]
):
    curves = kaplan_meier(data["duration"], data["observed"], groups=data["group"])
    read = survival_at(curves, horizons)
    for name in curves.index.unique("group"):
        curve = curves.loc[name]
        for h in horizons:
            got = read.loc[(name, h), "survival"]
            before = curve[curve.index <= h]
            if before.empty:
                assert got == 1.0
            elif h > curve.index.max() and curve["survival"].iloc[-1] > 0:
                assert math.isnan(got)
            else:
                assert got == before["survival"].iloc[-1]


@pytest.mark.slow
@given(subjects(max_size=40))
def test_median_matches_first_time_at_or_below_half(data: pd.DataFrame):
    curves = kaplan_meier(data["duration"], data["observed"], groups=data["group"])
    medians = median_lifetime(curves)
    for name in curves.index.unique("group"):
        curve = curves.loc[name]
        for out, column in (
            ("median", "survival"),
            ("lower", "lower"),
            ("upper", "upper"),
        ):
            hits = curve.index[curve[column] <= 0.5]
            expected = float(hits[0]) if len(hits) else math.inf
            assert medians.loc[name, out] == expected
        assert medians.loc[name, "lower"] <= medians.loc[name, "median"]
        assert medians.loc[name, "median"] <= medians.loc[name, "upper"]
