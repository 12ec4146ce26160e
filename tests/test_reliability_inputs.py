"""Bad computed tables raise one clear error; results on thin ground warn.

Each case was seen raising a bare TypeError, a numpy or pandas error, or
returning a wrong number silently. The tables here are the ones the library
computes and takes back (health signals and scores, tier classifications,
survival curves); they are checked by the same column rules as the entity
tables, and the error names table, column, rule and rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import health, tiers
from subscription_metrics.survival import kaplan_meier, median_lifetime, survival_at

# --------------------------------------------------------------------------
# Health signals and scores
# --------------------------------------------------------------------------


def _signals(n: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(n)
    return pd.DataFrame(
        {
            "feature_usage_rate": rng.uniform(0, 1, n),
            "active_user_share": rng.uniform(0, 1, n),
            "logins_per_active_user": rng.uniform(0, 20, n),
            "tickets_per_account_month": rng.uniform(0, 3, n),
            "nps": rng.integers(0, 11, n).astype(float),
        },
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )


def _ledger() -> sm.Ledger:
    subs = pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3"],
            "customer_id": ["c1", "c2", "c3"],
            "start": pd.to_datetime(["2024-01-05"] * 3),
            "end": pd.to_datetime([None, "2024-03-10", None]),
            "mrr": [100, 100, 100],
            "currency": "USD",
        }
    )
    return sm.Ledger.from_subscriptions(subs, through="2024-06")


def _problem(info: pytest.ExceptionInfo[sm.InvalidTableError]) -> sm.Problem:
    assert len(info.value.problems) == 1, info.value
    return info.value.problems[0]


class TestHealthScore:
    @pytest.mark.parametrize(
        "values",
        [["a", "b", "c"], [True, False, True]],
        ids=["text", "boolean"],
    )
    def test_non_numeric_signal_names_the_column(self, values):
        """Text in a signal column was a bare TypeError; booleans were numbers."""
        with pytest.raises(sm.InvalidTableError) as info:
            health.score(_signals().assign(nps=values))

        problem = _problem(info)
        assert (problem.table, problem.column, problem.rule) == (
            "signals",
            "nps",
            "wrong type",
        )
        assert problem.examples == ("c0", "c1", "c2")

    @pytest.mark.parametrize(
        ("labels", "rule", "count", "examples"),
        [
            pytest.param(["c0", "c1", "c1"], "unique", 2, ("c1",), id="repeated"),
            # A missing label cannot name its own row: examples not checked.
            pytest.param(["c0", None, "c2"], "not missing", 1, None, id="missing"),
        ],
    )
    def test_account_labels_are_checked(self, labels, rule, count, examples):
        """Two rows for one account were both scored."""
        frame = _signals().set_axis(pd.Index(labels, name="customer_id"))

        with pytest.raises(sm.InvalidTableError) as info:
            health.score(frame)

        problem = _problem(info)
        assert (problem.column, problem.rule, problem.count) == (
            "customer_id",
            rule,
            count,
        )
        if examples is not None:
            assert problem.examples == examples

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("feature_usage_rate", 1.5),
            ("feature_usage_rate", -0.1),
            ("active_user_share", -1.0),
            ("nps", 11.0),
            ("tickets_per_account_month", -2.0),
        ],
    )
    def test_out_of_range_signal_is_refused(self, column, value):
        """A usage rate of 150% was clipped to 100% and scored silently."""
        frame = _signals()
        frame.loc["c1", column] = value

        with pytest.raises(sm.InvalidTableError) as info:
            health.score(frame)

        problem = _problem(info)
        assert (problem.table, problem.column, problem.count) == ("signals", column, 1)
        assert problem.rule.startswith(("within", "at least"))
        assert problem.examples == ("c1",)

    @given(
        row=st.integers(0, 9),
        value=st.one_of(
            st.floats(1.0, 1e6, exclude_min=True), st.floats(-1e6, 0, exclude_max=True)
        ),
    )
    def test_the_offending_row_is_named(self, row, value):
        frame = _signals(10)
        frame.iloc[row, 0] = value  # feature_usage_rate

        with pytest.raises(sm.InvalidTableError) as info:
            health.score(frame)

        assert _problem(info).examples == (f"c{row}",)

    def test_repeated_signal_column_is_refused(self):
        frame = _signals()
        frame = pd.concat([frame, frame[["nps"]]], axis=1)

        with pytest.raises(sm.InvalidTableError) as info:
            health.score(frame)

        assert _problem(info).rule == "unique column name"

    def test_valid_other_representations_are_accepted(self):
        """Nullable floats, whole ints and int ids score as their float twins."""
        frame = _signals()
        expected = health.score(frame)
        nullable = frame.astype("Float64")
        nullable.index = frame.index

        pd.testing.assert_frame_equal(health.score(nullable), expected)
        numbered = frame.set_axis(pd.Index([10, 11, 12], name="customer_id"))
        assert health.score(numbered)["score"].tolist() == expected["score"].tolist()

    def test_signals_output_scores_cleanly(self):
        """What `health.signals` returns is always accepted."""
        usage = pd.DataFrame(
            {
                "customer_id": ["c1", "c1", "c2"],
                "month": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-06-01"]),
                "seats": [10, 10, 5],
                "active_users": [6, 12, 1],
                "logins": [60, 100, 2],
                "feature_usage_rate": [0.5, 0.7, 0.1],
                "nps": [8, None, None],
            }
        )
        sig = health.signals(usage, as_of="2024-06")

        assert health.score(sig)["score"].notna().all()


class TestHealthEvaluate:
    def _evaluate(self, scores: pd.DataFrame) -> sm.HealthEvaluation:
        return health.evaluate(
            _ledger(),
            scores=scores,
            as_of="2024-02",
            horizon_months=3,
            bands=health.default_model().bands,
        )

    @pytest.mark.parametrize(
        ("score", "labels", "column", "rule", "examples"),
        [
            pytest.param(
                ["a", "b", "c"],
                ["c1", "c2", "c3"],
                "score",
                "wrong type",
                ("c1", "c2", "c3"),
                id="text",
            ),
            pytest.param(
                [180.0, 20.0, 50.0],
                ["c1", "c2", "c3"],
                "score",
                "within [0.0, 100.0]",
                ("c1",),
                id="out of range",
            ),
            pytest.param(
                [80.0, 20.0, 50.0],
                ["c1", "c1", "c3"],
                "customer_id",
                "unique",
                ("c1",),
                id="repeated account",
            ),
        ],
    )
    def test_bad_scores_are_refused(self, score, labels, column, rule, examples):
        """A score of 180 gave "a score but no band" instead of naming the row."""
        scores = pd.DataFrame({"score": score}, index=labels)

        with pytest.raises(sm.InvalidTableError) as info:
            self._evaluate(scores)

        problem = _problem(info)
        assert (problem.table, problem.column, problem.rule) == ("scores", column, rule)
        assert problem.examples == examples


# --------------------------------------------------------------------------
# Tiers
# --------------------------------------------------------------------------


class TestTierInputs:
    @pytest.mark.parametrize(
        ("column", "values", "rule", "examples"),
        [
            pytest.param("employees", [-5, 3], "not negative", ("0",), id="negative"),
            pytest.param("employees", [2.5, 3], "whole number", ("0",), id="fraction"),
            pytest.param("employees", ["many", 3], "wrong type", None, id="text"),
            pytest.param(
                "customer_id", ["c1", None], "not missing", ("1",), id="no id"
            ),
        ],
    )
    def test_customers_are_checked(self, column, values, rule, examples):
        """Negative or fractional employees went into the seat gap."""
        customers = pd.DataFrame({"customer_id": ["c1", "c2"], "employees": [2, 3]})
        customers[column] = values

        with pytest.raises(sm.InvalidTableError) as info:
            tiers.account_features(_ledger(), customers=customers)

        problem = _problem(info)
        assert (problem.table, problem.column, problem.rule) == (
            "customers",
            column,
            rule,
        )
        if examples is not None:
            assert problem.examples == examples

    def test_customers_update_only_their_columns(self):
        """A valid partial table leaves the ledger's other attributes alone."""
        subs = _ledger()
        customers = pd.DataFrame({"customer_id": ["c1"], "employees": [40]})

        feats = tiers.account_features(subs, customers=customers)

        assert feats.loc["c1", "employees"] == 40
        assert "segment" not in feats.columns

    @pytest.mark.parametrize(
        ("tier", "rule"),
        [
            ([7, 1], "1, 2 or 3"),
            ([0, 1], "1, 2 or 3"),
            ([1.5, 1], "whole number"),
            ([True, 1], "wrong type"),
            (["1", 1], "wrong type"),
            ([None, 1], "not missing"),
        ],
    )
    def test_summary_and_movements_take_only_policy_tiers(self, tier, rule):
        """``True`` and ``"1"`` were read as Tier 1."""
        led = _ledger()
        frame = pd.DataFrame(
            {"tier": tier},
            index=pd.Index(["c1", "c3"], name="customer_id"),
        )
        good = frame.assign(tier=[1, 2])

        for call in (
            lambda: tiers.summary(led, classified=frame, as_of="2024-01"),
            lambda: tiers.movements(frame, good),
        ):
            with pytest.raises(sm.InvalidTableError) as info:
                call()
            assert _problem(info).column == "tier"
            assert _problem(info).rule == rule

    def test_whole_float_tiers_are_accepted(self):
        """2.0 is Tier 2 in another representation."""
        index = pd.Index(["c1", "c3"], name="customer_id")
        ints = pd.DataFrame({"tier": [1, 2]}, index=index)
        floats = ints.astype({"tier": float})

        pd.testing.assert_frame_equal(
            tiers.movements(floats, floats), tiers.movements(ints, ints)
        )

    @pytest.mark.parametrize("side", ["before", "after"])
    def test_movements_refuse_a_multiindex(self, side):
        """A MultiIndex raised NotImplementedError (or matched tuples with ids)."""
        flat = pd.DataFrame({"tier": [1, 2]}, index=["c1", "c3"])
        multi = pd.DataFrame(
            {"tier": [1, 2]},
            index=pd.MultiIndex.from_tuples([("a", "c1"), ("a", "c2")]),
        )
        before, after = (multi, flat) if side == "before" else (flat, multi)

        with pytest.raises(sm.InvalidTableError) as info:
            tiers.movements(before, after)

        problem = _problem(info)
        assert (problem.table, problem.rule) == (side, "one index level")

    def test_movements_check_mrr(self):
        index = pd.Index(["c1", "c3"], name="customer_id")
        good = pd.DataFrame({"tier": [1, 2], "mrr": [100, 200]}, index=index)
        bad = good.assign(mrr=[-1, 200])

        with pytest.raises(sm.InvalidTableError, match=r"after\.mrr: not negative"):
            tiers.movements(good, bad)


# --------------------------------------------------------------------------
# Survival curves
# --------------------------------------------------------------------------


def _curve() -> pd.DataFrame:
    """The curve of the `survival_at` example: S = 1, 0.875, 0.625, 0.625, ..."""
    return kaplan_meier([1, 2, 2, 2, 3, 4, 4, 5], [1, 1, 1, 0, 0, 1, 0, 0])


_READERS = {
    "survival_at": lambda curves: survival_at(curves, [0.5, 2.5, 12]),
    "median_lifetime": median_lifetime,
}


@pytest.mark.parametrize("read", list(_READERS.values()), ids=list(_READERS))
class TestCurveInputs:
    """`survival_at` and `median_lifetime` take back what `kaplan_meier` gives."""

    @pytest.mark.parametrize(
        ("damage", "column", "rule"),
        [
            pytest.param(
                lambda c: c.drop(columns="lower"),
                "lower",
                "missing column",
                id="missing column",
            ),
            pytest.param(
                lambda c: pd.concat([c, c[["survival"]]], axis=1),
                "survival",
                "unique column name",
                id="duplicated column",
            ),
            pytest.param(
                lambda c: c.set_axis(
                    pd.MultiIndex.from_tuples([(x, "") for x in c.columns]), axis=1
                ),
                "(columns)",
                "one header row",
                id="MultiIndex columns",
            ),
            pytest.param(
                lambda c: c.assign(survival=c["survival"].astype(str)),
                "survival",
                "wrong type",
                id="text values",
            ),
            pytest.param(
                lambda c: c.assign(upper=c["upper"] + 0.5),
                "upper",
                "within [0.0, 1.0]",
                id="share above 1",
            ),
            pytest.param(
                lambda c: c.set_axis(c.index - 1),
                "time",
                "at least 0.0",
                id="negative time",
            ),
            pytest.param(
                lambda c: c.set_axis(pd.Index([0, 1, 1, 3, 4, 5], name="time")),
                "time",
                "unique",
                id="repeated time",
            ),
            pytest.param(
                lambda c: c.assign(survival=c["survival"].to_numpy()[::-1]),
                "survival",
                "not increasing over time",
                id="rising curve",
            ),
            pytest.param(
                lambda c: c.reset_index(),
                "time",
                "index ending in 'time'",
                id="no time index",
            ),
        ],
    )
    def test_damaged_curve_is_refused(self, read, damage, column, rule):
        """A duplicated column or text values gave raw numpy errors."""
        with pytest.raises(sm.InvalidTableError) as info:
            read(damage(_curve()))

        problem = _problem(info)
        assert (problem.table, problem.column, problem.rule) == ("curves", column, rule)

    def test_rows_out_of_time_order_read_as_sorted(self, read):
        """Rows out of time order gave wrong values silently."""
        curve = _curve()
        shuffled = curve.iloc[[3, 0, 5, 1, 4, 2]]

        expected = read(curve)

        _assert_same(read(shuffled), expected)

    def test_grouped_rows_out_of_order_read_as_sorted(self, read):
        """Interleaved groups and times are read group by group, time by time."""
        grouped = kaplan_meier(
            [1, 2, 2, 2, 3, 4, 4, 5, 1, 1, 3],
            [1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1],
            groups=["a"] * 8 + ["b"] * 3,
        )
        order = np.random.default_rng(1).permutation(len(grouped))

        _assert_same(read(grouped.iloc[order]), read(grouped))


def _assert_same(got: pd.DataFrame | pd.Series, expected: pd.DataFrame | pd.Series):
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected)
    else:
        pd.testing.assert_series_equal(got, expected)


def test_survival_at_of_shuffled_rows_gives_the_known_values():
    """The `survival_at` docstring example, read from rows in reverse order."""
    read = survival_at(_curve().iloc[::-1], [0.5, 2.5, 12])

    assert read["survival"].tolist()[:2] == pytest.approx([1.0, 0.625])
    assert np.isnan(read["survival"].iloc[2])


def test_median_lifetime_of_shuffled_rows_gives_the_known_value():
    """S falls to 5/12 at t = 4 (hand-computed), so the median is 4."""
    curve = _curve()

    assert median_lifetime(curve.iloc[::-1])["median"] == 4.0


def test_one_text_value_among_numbers_names_its_row_only():
    """A column of numbers with one text value was reported as wrong in every row."""
    curve = _curve()
    survival = pd.Series(curve["survival"].to_numpy(), index=curve.index, dtype=object)
    survival.iloc[2] = "n/a"

    with pytest.raises(sm.InvalidTableError) as info:
        median_lifetime(curve.assign(survival=survival))

    problem = _problem(info)
    assert (problem.column, problem.rule, problem.count) == (
        "survival",
        "wrong type",
        1,
    )
    assert problem.examples == ("2",)
