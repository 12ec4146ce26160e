"""Tests for `subscription_metrics.health` and its records."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import health
from subscription_metrics._health import (
    HealthEvaluation,
    HealthModel,
    RiskRule,
    Signal,
    auc,
    normalised,
)

from .strategies import conventions, subscriptions

MONTHS = pd.period_range("2024-01", "2024-06", freq="M")


def usage_table(rows: list[tuple]) -> pd.DataFrame:
    """Usage rows as (customer, 'YYYY-MM', seats, active, logins, rate, nps)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "customer_id",
            "month",
            "seats",
            "active_users",
            "logins",
            "feature_usage_rate",
            "nps",
        ],
    )
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M").to_timestamp()
    return frame


def subs_table(rows: list[tuple]) -> pd.DataFrame:
    """Subscriptions as (customer, start, end or None, mrr) in USD."""
    frame = pd.DataFrame(rows, columns=["customer_id", "start", "end", "mrr"])
    frame.insert(0, "subscription_id", [f"s{i}" for i in range(len(rows))])
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["currency"] = "USD"
    return frame


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


class TestSignal:
    """Tests for `Signal`."""

    @pytest.mark.parametrize(
        ("changes", "error", "match"),
        [
            ({"weight": 0}, ValueError, "'weight' must be a positive finite"),
            ({"weight": math.inf}, ValueError, "'weight' must be a positive finite"),
            ({"weight": True}, TypeError, "expected a number"),
            ({"weight": "1"}, TypeError, "expected a number"),
            ({"name": ""}, ValueError, "'name' must not be empty"),
            ({"column": 3}, TypeError, "'column' must be str"),
            ({"direction": "up"}, ValueError, "'direction' must be one of"),
            ({"normalise": "zscore"}, ValueError, "'normalise' must be one of"),
            ({"low": 1.0, "high": 0.5}, ValueError, "'low' must be below 'high'"),
            ({"low": math.nan}, ValueError, "'low' must be finite"),
            ({"normalise": "rank"}, ValueError, "apply only to normalise='minmax'"),
            (
                {"normalise": "threshold", "low": None, "high": None},
                ValueError,
                "'threshold' is required",
            ),
            ({"threshold": 0.5}, ValueError, "'threshold' is required"),
        ],
    )
    def test_rejects_invalid_fields(self, changes, error, match):
        """Every field is validated, naming the field."""
        base = Signal(name="u", column="u", weight=1, low=0.0, high=1.0)

        with pytest.raises(error, match=match):
            attrs.evolve(base, **changes)

    def test_converts_numbers_to_float(self):
        """Integer weights and bounds become floats."""
        signal = Signal(name="u", column="u", weight=2, low=0, high=10)

        assert (2.0, 0.0, 10.0) == (signal.weight, signal.low, signal.high)

    def test_one_sided_minmax_bound_is_allowed(self):
        """A minmax signal may fix one bound and read the other from the data."""
        signal = Signal(name="u", column="u", weight=1, low=0)

        assert signal.high is None


class TestRiskRule:
    """Tests for `RiskRule`."""

    def test_rejects_unknown_operator(self):
        """The operator is one of four comparisons."""
        with pytest.raises(ValueError, match="'operator' must be one of"):
            RiskRule(name="r", column="c", operator="==", threshold=1)

    @pytest.mark.parametrize(
        ("operator", "expected"),
        [
            ("<", [True, False, False, False]),
            ("<=", [True, True, False, False]),
            (">", [False, False, True, False]),
            (">=", [False, True, True, False]),
        ],
    )
    def test_flags_follow_the_operator_and_never_flag_missing(self, operator, expected):
        """Values 0.1, 0.2, 0.3 and NaN against 0.2; NaN raises no flag."""
        rule = RiskRule(name="r", column="c", operator=operator, threshold=0.2)

        flags = rule.flags(np.array([0.1, 0.2, 0.3, np.nan]))

        assert expected == flags.tolist()


class TestHealthModel:
    """Tests for `HealthModel`."""

    def test_weights_are_normalised_to_sum_one(self):
        """Weights 1, 3 become 0.25 and 0.75."""
        model = HealthModel(
            signals=[
                Signal(name="a", column="a", weight=1),
                Signal(name="b", column="b", weight=3),
            ]
        )

        assert {"a": 0.25, "b": 0.75} == model.weights()

    def test_default_weights_sum_to_one(self):
        """The default model's weights add up to 1."""
        assert math.isclose(sum(health.default_model().weights().values()), 1.0)

    def test_bands_accept_a_mapping(self):
        """A mapping of name to lower bound is the same as pairs."""
        model = HealthModel(
            signals=[Signal(name="a", column="a", weight=1)],
            bands={"low": 0, "high": 50},
        )

        assert (("low", 0.0), ("high", 50.0)) == model.bands

    @pytest.mark.parametrize(
        ("bands", "error", "match"),
        [
            ((), ValueError, "at least one band"),
            ((("a", 10),), ValueError, "start at a lower bound of 0"),
            ((("a", 0), ("b", 50), ("c", 50)), ValueError, "rise strictly"),
            ((("a", 0), ("b", 100)), ValueError, "stay below 100"),
            ((("a", 0), ("a", 50)), ValueError, "unique names"),
            ("at_risk", TypeError, "pairs"),
            ((("a", 0, 1),), TypeError, "pairs"),
            (((1, 0),), TypeError, "non-empty str"),
        ],
    )
    def test_rejects_invalid_bands(self, bands, error, match):
        """Bands start at 0, rise strictly below 100 and have unique names."""
        with pytest.raises(error, match=match):
            HealthModel(signals=[Signal(name="a", column="a", weight=1)], bands=bands)

    def test_rejects_repeated_signal_names(self):
        """Output columns are named after signals, so names are unique."""
        signal = Signal(name="a", column="a", weight=1)

        with pytest.raises(ValueError, match="unique signal names"):
            HealthModel(signals=[signal, signal])

    def test_rejects_no_signals_and_wrong_records(self):
        """A model needs at least one Signal, and only Signal records."""
        with pytest.raises(ValueError, match="at least one"):
            HealthModel(signals=[])
        with pytest.raises(TypeError, match="must hold Signal records"):
            HealthModel(signals=["a"])

    def test_default_model_holds_seed_002_rule(self):
        """Feature usage under 20% raises the proactive-support flag."""
        (rule,) = health.default_model().risk_rules

        assert ("feature_usage_rate", "<", 0.2, "proactive support") == (
            rule.column,
            rule.operator,
            rule.threshold,
            rule.action,
        )


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------


class TestNormalised:
    """Tests for `normalised`."""

    def test_rank_uses_midranks(self):
        """Values 1, 2, 2, 3 have midranks 1, 2.5, 2.5, 4: (r - 0.5) / 4."""
        signal = Signal(name="x", column="x", weight=1, normalise="rank")

        out = normalised(np.array([1.0, 2.0, 2.0, 3.0, np.nan]), signal)

        np.testing.assert_array_equal([0.125, 0.5, 0.5, 0.875, np.nan], out)

    def test_rank_lower_is_better_turns_the_scale_round(self):
        """The lowest of three values gets 1 - 0.5 / 3."""
        signal = Signal(
            name="x",
            column="x",
            weight=1,
            normalise="rank",
            direction="lower_is_better",
        )

        out = normalised(np.array([0.0, 5.0, 9.0]), signal)

        np.testing.assert_allclose([1 - 0.5 / 3, 0.5, 0.5 / 3], out)

    def test_minmax_fixed_bounds_clip(self):
        """On [0, 10]: -1 -> 0, 2.5 -> 0.25, 12 -> 1."""
        signal = Signal(name="x", column="x", weight=1, low=0, high=10)

        out = normalised(np.array([-1.0, 2.5, 12.0]), signal)

        np.testing.assert_array_equal([0.0, 0.25, 1.0], out)

    def test_minmax_data_bounds(self):
        """Without bounds: (x - min) / (max - min) over the accounts present."""
        signal = Signal(name="x", column="x", weight=1)

        out = normalised(np.array([2.0, 4.0, 10.0, np.nan]), signal)

        np.testing.assert_array_equal([0.0, 0.25, 1.0, np.nan], out)

    def test_minmax_without_spread_is_neutral(self):
        """When every account has the same value, each gets 0.5."""
        signal = Signal(name="x", column="x", weight=1)

        out = normalised(np.array([3.0, 3.0]), signal)

        np.testing.assert_array_equal([0.5, 0.5], out)

    def test_minmax_data_beyond_a_fixed_bound_is_at_its_end(self):
        """Fixed low 2 and data max 1: everyone is at the low end, 0."""
        low = Signal(name="x", column="x", weight=1, low=2)
        high = Signal(name="x", column="x", weight=1, high=-1)

        assert [0.0, 0.0] == normalised(np.array([0.0, 1.0]), low).tolist()
        assert [1.0, 1.0] == normalised(np.array([0.0, 1.0]), high).tolist()

    @pytest.mark.parametrize(
        ("direction", "expected"),
        [("higher_is_better", [0.0, 1.0, 1.0]), ("lower_is_better", [1.0, 1.0, 0.0])],
    )
    def test_threshold_is_a_step_at_the_cut(self, direction, expected):
        """Values 1, 2, 3 against 2: the cut itself is on the healthy side."""
        signal = Signal(
            name="x",
            column="x",
            weight=1,
            normalise="threshold",
            threshold=2,
            direction=direction,
        )

        out = normalised(np.array([1.0, 2.0, 3.0]), signal)

        assert expected == out.tolist()

    def test_all_missing_stays_missing(self):
        """No value present: every normalised value is NaN."""
        signal = Signal(name="x", column="x", weight=1, normalise="rank")

        assert np.isnan(normalised(np.array([np.nan, np.nan]), signal)).all()


# --------------------------------------------------------------------------
# signals
# --------------------------------------------------------------------------


class TestSignals:
    """Tests for `health.signals`."""

    def test_pools_the_window_by_hand(self):
        """Three months to 2024-06: c1's April row is outside the window."""
        usage = usage_table(
            [
                ("c1", "2024-03", 10, 9, 900, 0.9, 10),  # outside
                ("c1", "2024-04", 10, 4, 40, 0.2, 6),
                ("c1", "2024-06", 20, 6, 120, 0.4, None),
                ("c2", "2024-05", 0, 0, 0, 0.0, None),
            ]
        )
        tickets = pd.DataFrame(
            {
                "ticket_id": ["t1", "t2", "t3", "t4"],
                "customer_id": ["c1", "c1", "c2", "c9"],
                "opened_at": pd.to_datetime(
                    [
                        "2024-04-30 23:00",
                        "2024-07-01 00:00",
                        "2024-05-15 00:00",
                        "2024-05-15 00:00",
                    ]
                ),
            }
        )

        out = health.signals(usage, tickets=tickets, as_of="2024-06", months=3)

        assert ["c1", "c2"] == out.index.tolist()
        c1, c2 = out.loc["c1"], out.drop(columns="tickets").loc["c2"]
        assert 2 == c1["months_observed"]
        assert math.isclose((0.2 + 0.4) / 2, c1["feature_usage_rate"])
        assert (4 + 6) / (10 + 20) == c1["active_user_share"]
        assert (40 + 120) / (4 + 6) == c1["logins_per_active_user"]
        assert 1 == c1["tickets"]  # t2 is in July, after the window
        assert 1 / 2 == c1["tickets_per_account_month"]
        assert 6.0 == c1["nps"]
        assert np.isnan(c2["active_user_share"])  # no seats: undefined
        assert np.isnan(c2["logins_per_active_user"])
        assert np.isnan(c2["nps"])
        assert 1 == out.attrs["tickets_without_usage"]  # t4 of c9
        assert list(health.SIGNAL_COLUMNS) == out.columns.tolist()

    def test_without_tickets_the_ticket_columns_are_missing(self):
        """No tickets table: tickets is <NA>, per account-month NaN."""
        usage = usage_table([("c1", "2024-06", 1, 1, 1, 0.5, None)])

        out = health.signals(usage, as_of="2024-06")

        assert out["tickets"].isna().all()
        assert out["tickets_per_account_month"].isna().all()

    def test_rejects_two_rows_for_one_account_month(self):
        """Usage has one row per account and month."""
        usage = usage_table(
            [("c1", "2024-06", 1, 1, 1, 0.5, None), ("c1", "2024-06", 1, 1, 1, 0.4, 5)]
        )

        with pytest.raises(sm.InvalidTableError, match=r"customer_id, month: unique"):
            health.signals(usage, as_of="2024-06")

    def test_reports_every_table_problem(self):
        """A rate above 1 and a ticket answered before it opened, together."""
        usage = usage_table([("c1", "2024-06", 1, 1, 1, 1.5, None)])
        tickets = pd.DataFrame(
            {
                "ticket_id": ["t1"],
                "customer_id": ["c1"],
                "opened_at": pd.to_datetime(["2024-06-02"]),
                "first_response_at": pd.to_datetime(["2024-06-01"]),
            }
        )

        with pytest.raises(sm.InvalidTableError) as info:
            health.signals(usage, tickets=tickets, as_of="2024-06")

        assert {"feature_usage_rate", "opened_at, first_response_at"} == {
            p.column for p in info.value.problems
        }

    @pytest.mark.parametrize(
        ("options", "match"),
        [
            ({"as_of": "2024-06", "months": 0}, "'months' must be >= 1"),
            ({"as_of": "2024-13"}, "'as_of' must be a month"),
            ({"as_of": None}, "'as_of' is required"),
        ],
    )
    def test_rejects_invalid_options(self, options, match):
        """Options out of their domain raise ValueError naming them."""
        usage = usage_table([("c1", "2024-06", 1, 1, 1, 0.5, None)])

        with pytest.raises(ValueError, match=match):
            health.signals(usage, **options)

    @pytest.mark.slow
    @given(
        st.dictionaries(
            st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(list(MONTHS))),
            st.tuples(
                st.integers(0, 20),
                st.integers(0, 20),
                st.integers(0, 200),
                st.floats(0, 1),
                st.none() | st.integers(0, 10),
            ),
            min_size=1,
        ),
        st.lists(
            st.tuples(st.sampled_from(["a", "b", "d"]), st.sampled_from(list(MONTHS))),
            max_size=8,
        ),
        st.sampled_from(list(MONTHS)),
        st.integers(1, 4),
    )
    def test_matches_a_loop_over_accounts(self, cells, ticket_rows, as_of, months):
        """The vectorised group-bys equal an account-by-account loop."""
        usage = usage_table([(c, str(m), *v) for (c, m), v in cells.items()])
        tickets = pd.DataFrame(
            {
                "ticket_id": [f"t{i}" for i in range(len(ticket_rows))],
                "customer_id": [c for c, _ in ticket_rows],
                "opened_at": pd.to_datetime(
                    [m.to_timestamp() + pd.Timedelta(days=3) for _, m in ticket_rows]
                ),
            }
        )

        out = health.signals(usage, tickets=tickets, as_of=as_of, months=months)

        window = {as_of - i for i in range(months)}
        expected_ids = sorted({c for c, m in cells if m in window})
        assert expected_ids == out.index.tolist()
        for customer in expected_ids:
            mine = [v for (c, m), v in cells.items() if c == customer and m in window]
            seats = sum(v[0] for v in mine)
            active = sum(v[1] for v in mine)
            logins = sum(v[2] for v in mine)
            answers = [v[4] for v in mine if v[4] is not None]
            n_tickets = sum(1 for c, m in ticket_rows if c == customer and m in window)
            row = out.drop(columns="tickets").loc[customer]
            assert len(mine) == row["months_observed"]
            assert math.isclose(
                sum(v[3] for v in mine) / len(mine), row["feature_usage_rate"]
            )
            assert _same(active / seats if seats else np.nan, row["active_user_share"])
            assert _same(
                logins / active if active else np.nan, row["logins_per_active_user"]
            )
            assert n_tickets == out.loc[customer, "tickets"]
            assert math.isclose(n_tickets / len(mine), row["tickets_per_account_month"])
            assert _same(sum(answers) / len(answers) if answers else np.nan, row["nps"])
        outside = sum(
            1 for c, m in ticket_rows if m in window and c not in expected_ids
        )
        assert outside == out.attrs["tickets_without_usage"]


def _same(expected: float, actual: float) -> bool:
    if np.isnan(expected):
        return bool(np.isnan(actual))
    return math.isclose(expected, actual, rel_tol=1e-12)


# --------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------


def _signals(values: dict[str, list[float | None]]) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    frame = pd.DataFrame(values, dtype=np.float64)
    frame.index = pd.Index([f"c{i}" for i in range(n)], name="customer_id")
    return frame


def _slow_score(frame: pd.DataFrame, model: HealthModel) -> list[float]:
    """Score row by row with an independent normalisation (the oracle)."""
    weights = model.weights()
    columns = {s.name: frame[s.column].tolist() for s in model.signals}
    out = []
    for row in range(len(frame)):
        total = weight = 0.0
        for s in model.signals:
            value = columns[s.name][row]
            if value is None or np.isnan(value):
                continue
            present = [v for v in columns[s.name] if not np.isnan(v)]
            if s.normalise == "rank":
                below = sum(v < value for v in present)
                tied = sum(v == value for v in present)
                v01 = (below + tied / 2) / len(present)
            elif s.normalise == "threshold":
                good = value >= s.threshold
                if s.direction == "lower_is_better":
                    good = value <= s.threshold
                v01 = float(good)
            else:
                low = min(present) if s.low is None else s.low
                high = max(present) if s.high is None else s.high
                if high > low:
                    v01 = (min(max(value, low), high) - low) / (high - low)
                elif s.low is not None:
                    v01 = 0.0
                elif s.high is not None:
                    v01 = 1.0
                else:
                    v01 = 0.5
            if s.direction == "lower_is_better" and s.normalise != "threshold":
                v01 = 1 - v01
            total += weights[s.name] * v01
            weight += weights[s.name]
        out.append(100 * total / weight if weight else np.nan)
    return out


_signal_specs = st.sampled_from(
    [
        {"normalise": "rank"},
        {"normalise": "minmax"},
        {"normalise": "minmax", "low": 0.0, "high": 5.0},
        {"normalise": "minmax", "low": 2.0},
        {"normalise": "threshold", "threshold": 2.5},
    ]
)


@st.composite
def models_and_signals(draw: st.DrawFn) -> tuple[HealthModel, pd.DataFrame]:
    """A model over 1-4 signals, and a signals table with gaps and ties."""
    k = draw(st.integers(1, 4))
    n = draw(st.integers(1, 12))
    signals = []
    values: dict[str, list[float]] = {}
    for i in range(k):
        spec = draw(_signal_specs)
        direction = draw(st.sampled_from(["higher_is_better", "lower_is_better"]))
        weight = draw(st.floats(0.01, 10))
        signals.append(
            Signal(
                name=f"s{i}", column=f"x{i}", weight=weight, direction=direction, **spec
            )
        )
        values[f"x{i}"] = draw(
            st.lists(
                st.none() | st.integers(0, 6).map(float) | st.floats(-1, 7),
                min_size=n,
                max_size=n,
            )
        )
    frame = _signals(
        {k: [np.nan if v is None else v for v in vs] for k, vs in values.items()}
    )
    rules = [RiskRule(name="low_s0", column="x0", operator="<", threshold=1.0)]
    return HealthModel(signals=signals, risk_rules=rules), frame


class TestScore:
    """Tests for `health.score`."""

    def test_default_model_by_hand(self):
        """Every point of a score, from the default weights."""
        sig = _signals(
            {
                "feature_usage_rate": [0.6, 0.1, 0.3],
                "active_user_share": [0.7, 0.2, 0.5],
                "logins_per_active_user": [11.4, 2.0, 5.0],
                "tickets_per_account_month": [0.0, 2.0, 0.5],
                "nps": [8.0, None, 6.0],
            }
        )

        out = health.score(sig)

        # c2: logins rank 1 of 3 -> 0.5/3; tickets rank 3 of 3, lower is
        # better -> 1 - 2.5/3; NPS missing, so the other weights (0.85) count.
        c2 = (0.30 * 0.1 + 0.25 * 0.2 + 0.15 * (0.5 / 3) + 0.15 * (1 - 2.5 / 3)) / 0.85
        # c0: logins rank 3 -> 2.5/3; tickets rank 1 -> 1 - 0.5/3; NPS 8/10.
        c0 = (
            0.30 * 0.6 + 0.25 * 0.7 + 0.15 * 2.5 / 3 + 0.15 * (1 - 0.5 / 3) + 0.15 * 0.8
        )
        np.testing.assert_allclose([100 * c0, 100 * c2, 45.5], out["score"])
        assert ["healthy", "at_risk", "watch"] == out["band"].astype(str).tolist()
        assert [5, 4, 5] == out["signals_present"].tolist()
        np.testing.assert_allclose([1.0, 0.85, 1.0], out["weight_present"])
        assert [False, True, False] == out["risk_low_feature_usage"].tolist()
        assert [0, 1, 0] == out["risks"].tolist()
        assert np.isnan(out.loc["c1", "nps_normalised"])
        assert np.isnan(out.loc["c1", "nps_contribution"])

    def test_contributions_add_up_to_the_score(self):
        """The points of the signals present are the score."""
        sig = _signals(
            {
                "feature_usage_rate": [0.6, 0.1, None],
                "active_user_share": [0.7, None, None],
                "logins_per_active_user": [11.4, 2.0, 5.0],
                "tickets_per_account_month": [0.0, 2.0, 0.5],
                "nps": [8.0, None, 6.0],
            }
        )

        out = health.score(sig)

        np.testing.assert_allclose(
            out["score"], out.filter(like="_contribution").sum(axis=1)
        )

    def test_no_signal_gives_no_score(self):
        """An account with nothing measured has a NaN score and no band."""
        model = HealthModel(signals=[Signal(name="a", column="a", weight=1)])

        out = health.score(_signals({"a": [None, 0.5]}), model=model)

        assert np.isnan(out.loc["c0", "score"])
        assert pd.isna(out.loc["c0", "band"])
        assert 0 == out.loc["c0", "signals_present"]
        assert 0.0 == out.loc["c0", "weight_present"]

    def test_band_edges(self):
        """A band holds its lower bound: 0, 39.99, 40, 70 and 100."""
        model = HealthModel(
            signals=[Signal(name="a", column="a", weight=1, low=0, high=100)]
        )

        out = health.score(_signals({"a": [0, 39.99, 40, 70, 100]}), model=model)

        assert ["at_risk", "at_risk", "watch", "healthy", "healthy"] == out[
            "band"
        ].astype(str).tolist()
        assert ["at_risk", "watch", "healthy"] == list(out["band"].cat.categories)
        assert out["band"].cat.ordered

    def test_signals_not_mutated(self):
        """The input table is not changed."""
        sig = _signals({name: [0.5, 0.2] for name in health.default_model().weights()})
        before = sig.copy()

        health.score(sig)

        pd.testing.assert_frame_equal(before, sig)

    @pytest.mark.parametrize(
        ("frame", "error", "match"),
        [
            (pd.DataFrame({"b": [1.0]}), sm.InvalidTableError, "a: missing column"),
            (pd.DataFrame({"a": ["x"]}), sm.InvalidTableError, "a: wrong type"),
            (pd.DataFrame({"a": [True]}), sm.InvalidTableError, "a: wrong type"),
            (pd.DataFrame({"a": [np.inf]}), sm.InvalidTableError, "a: finite"),
        ],
    )
    def test_rejects_bad_columns(self, frame, error, match):
        """A column the model reads must be there, numeric and finite."""
        model = HealthModel(signals=[Signal(name="a", column="a", weight=1)])

        with pytest.raises(error, match=match):
            health.score(frame, model=model)

    def test_rejects_a_non_model(self):
        """The model must be a HealthModel."""
        with pytest.raises(TypeError, match="'model' must be a HealthModel"):
            health.score(pd.DataFrame({"a": [1.0]}), model={"a": 1})

    def test_accepts_nullable_columns(self):
        """pandas' nullable Float64 with NA counts as missing."""
        model = HealthModel(
            signals=[Signal(name="a", column="a", weight=1, low=0, high=1)]
        )
        frame = pd.DataFrame({"a": pd.array([0.5, None], dtype="Float64")})

        out = health.score(frame, model=model)

        assert [50.0, 0] == [out["score"][0], out["signals_present"][1]]

    @given(models_and_signals())
    def test_score_is_within_0_and_100(self, case):
        """Every score is in [0, 100] or NaN."""
        model, frame = case

        score = health.score(frame, model=model)["score"].to_numpy()

        known = score[~np.isnan(score)]
        assert ((known >= 0) & (known <= 100)).all()

    @given(models_and_signals())
    def test_matches_a_row_by_row_oracle(self, case):
        """The vectorised score equals an obvious row-by-row computation."""
        model, frame = case

        out = health.score(frame, model=model)

        np.testing.assert_allclose(_slow_score(frame, model), out["score"], atol=1e-9)
        assert (frame["x0"] < 1.0).tolist() == out["risk_low_s0"].tolist()

    @given(models_and_signals(), st.data())
    def test_raising_a_higher_is_better_signal_never_lowers_the_score(self, case, data):
        """Monotone: improve one account's value, its score does not fall."""
        model, frame = case
        signal = data.draw(st.sampled_from(model.signals))
        row = data.draw(st.integers(0, len(frame) - 1))
        step = data.draw(st.floats(0, 5))
        better = frame.copy()
        sign = 1 if signal.direction == "higher_is_better" else -1
        value = better.iloc[row][signal.column]
        better.iloc[row, better.columns.get_loc(signal.column)] = (
            0.0 if np.isnan(value) else value + sign * step
        )

        before = health.score(frame, model=model)["score"].iloc[row]
        after = health.score(better, model=model)["score"].iloc[row]

        if not np.isnan(value):
            assert after >= before - 1e-9


# --------------------------------------------------------------------------
# AUC
# --------------------------------------------------------------------------


def _pairwise_auc(score: list[float], churned: list[bool]) -> float:
    pairs = wins = 0.0
    for s_stay, c_stay in zip(score, churned, strict=True):
        if c_stay:
            continue
        for s_churn, c_churn in zip(score, churned, strict=True):
            if not c_churn:
                continue
            pairs += 1
            wins += 1.0 if s_stay > s_churn else 0.5 if s_stay == s_churn else 0.0
    return wins / pairs if pairs else math.nan


class TestAuc:
    """Tests for `auc`."""

    def test_perfect_and_reversed(self):
        """Stayers all above churners: 1; all below: 0."""
        churned = np.array([True, True, False, False])

        assert 1.0 == auc(np.array([1.0, 2.0, 3.0, 4.0]), churned)
        assert 0.0 == auc(np.array([4.0, 3.0, 2.0, 1.0]), churned)

    def test_ties_count_half(self):
        """Every score equal: 0.5."""
        assert 0.5 == auc(np.array([5.0, 5.0, 5.0]), np.array([True, False, False]))

    def test_known_value(self):
        """Stayers 3, 1 against churners 2, 2: pairs (3>2, 3>2, 1<2, 1<2) = 2/4."""
        assert 0.5 == auc(
            np.array([3.0, 1.0, 2.0, 2.0]), np.array([False, False, True, True])
        )

    def test_one_group_empty_is_nan(self):
        """Nobody churned: AUC is undefined."""
        assert math.isnan(auc(np.array([1.0, 2.0]), np.array([False, False])))

    @given(
        st.lists(
            st.tuples(st.integers(0, 5).map(float) | st.floats(0, 100), st.booleans()),
            min_size=1,
            max_size=30,
        )
    )
    def test_matches_the_pairwise_oracle(self, rows):
        """Mann-Whitney with midranks equals counting every pair."""
        score = [s for s, _ in rows]
        churned = [c for _, c in rows]

        expected = _pairwise_auc(score, churned)
        actual = auc(np.array(score), np.array(churned))

        assert _same(expected, actual)


# --------------------------------------------------------------------------
# evaluate
# --------------------------------------------------------------------------


class TestEvaluate:
    """Tests for `health.evaluate`."""

    @pytest.fixture
    def ledger(self) -> sm.Ledger:
        """Six customers through 2024-09; as_of June, horizon three months.

        c1 stays; c2 churns in August; c3 churns in July and comes back in
        September; c4 starts in July (not active in June); c5 churned in May
        (not active); c6 churns in October, after the horizon.
        """
        return sm.Ledger.from_subscriptions(
            subs_table(
                [
                    ("c1", "2024-01-05", None, 100),
                    ("c2", "2024-01-05", "2024-08-10", 100),
                    ("c3", "2024-02-05", "2024-07-10", 100),
                    ("c3", "2024-09-02", None, 100),
                    ("c4", "2024-07-01", None, 100),
                    ("c5", "2024-01-05", "2024-05-10", 100),
                    ("c6", "2024-01-05", "2024-10-03", 100),
                ]
            ),
            through="2024-10",
        )

    def test_churn_by_band_by_hand(self, ledger):
        """Churn, lift and shares per band, and who is not evaluated and why."""
        scores = pd.DataFrame(
            {"score": [80.0, 20.0, 30.0, 90.0, 10.0, 50.0, np.nan, 60.0]},
            index=pd.Index(["c1", "c2", "c3", "c4", "c5", "c6", "c7", "zz"]),
        )
        scores.loc["c7"] = np.nan  # c7 is unknown to the ledger too

        check = health.evaluate(
            ledger,
            scores=scores.drop(index="c7"),
            as_of="2024-06",
            bands=health.default_model().bands,
        )

        table = check.by_band
        # at_risk: c2 (20) and c3 (30) both churned; watch: c6 (50) stays within
        # the horizon; healthy: c1 (80). c4 is not active in June, c5 churned
        # in May, zz is unknown.
        assert [2, 1, 1, 4] == table["customers"].tolist()
        assert [2, 0, 0, 2] == table["churned"].tolist()
        np.testing.assert_allclose([1.0, 0.0, 0.0, 0.5], table["churn_rate"])
        np.testing.assert_allclose([2.0, 0.0, 0.0, 1.0], table["lift"])
        np.testing.assert_allclose([0.5, 0.25, 0.25, 1.0], table["share_of_customers"])
        np.testing.assert_allclose([1.0, 0.0, 0.0, 1.0], table["share_of_churned"])
        assert 1.0 == check.auc  # both churners score below both stayers
        assert (7, 4, 1, 2, 0, 0) == (
            check.scored,
            check.evaluated,
            check.not_in_ledger,
            check.not_active,
            check.unscored,
            check.active_not_scored,
        )
        assert pd.isna(check.accounts.loc["c4", "churned"])
        assert check.accounts.loc["c3", "churned"]

    def test_reports_unscored_and_uncovered_accounts(self, ledger):
        """A NaN score and an active customer without a row are counted."""
        scores = pd.DataFrame({"score": [80.0, np.nan]}, index=pd.Index(["c1", "c2"]))

        check = health.evaluate(
            ledger, scores=scores, as_of="2024-06", bands={"all": 0}
        )

        assert (1, 1, 2) == (check.evaluated, check.unscored, check.active_not_scored)
        assert math.isnan(check.auc)  # nobody churned among the evaluated
        assert math.isnan(check.by_band.loc["All", "lift"])

    def test_uses_the_band_column_of_score(self, ledger):
        """Without bands=, the categorical band column of `score` is used."""
        model = HealthModel(
            signals=[Signal(name="a", column="a", weight=1, low=0, high=1)],
            bands={"low": 0, "high": 50},
        )
        sig = pd.DataFrame({"a": [0.9, 0.1]}, index=pd.Index(["c1", "c2"]))

        check = health.evaluate(
            ledger, scores=health.score(sig, model=model), as_of="2024-06"
        )

        assert ["low", "high", "All"] == check.by_band.index.tolist()
        assert [1, 0, 1] == check.by_band["churned"].tolist()

    def test_horizon_months_changes_who_churned(self, ledger):
        """One month after June sees c3's July churn, not c2's August one."""
        scores = pd.DataFrame({"score": [1.0, 2.0, 3.0]}, index=["c1", "c2", "c3"])

        check = health.evaluate(
            ledger, scores=scores, as_of="2024-06", horizon_months=1, bands={"all": 0}
        )

        assert [False, False, True] == check.accounts["churned"].tolist()

    @pytest.mark.parametrize(
        ("scores", "options", "error", "match"),
        [
            (
                None,
                {"horizon_months": 5},
                ValueError,
                "after the ledger's data horizon",
            ),
            (None, {"horizon_months": 0}, ValueError, "'horizon_months' must be"),
            (None, {"bands": {"a": 5}}, ValueError, "lower bound of 0"),
            (
                pd.DataFrame({"score": [1.0, 2.0]}, index=["c1", "c1"]),
                {},
                sm.InvalidTableError,
                r"scores.customer_id: unique",
            ),
            (pd.DataFrame({"score": [1.0]}, index=["c1"]), {}, ValueError, "band"),
            (
                pd.DataFrame({"x": [1.0]}, index=["c1"]),
                {},
                sm.InvalidTableError,
                r"scores.score: missing column; columns present: \['x'\]",
            ),
            ([1.0], {}, TypeError, "'scores' must be a pandas DataFrame"),
        ],
    )
    def test_rejects_invalid_input(self, ledger, scores, options, error, match):
        """What cannot be checked raises, naming the argument."""
        if scores is None:
            scores = health.score(
                pd.DataFrame({"a": [0.5]}, index=["c1"]),
                model=HealthModel(signals=[Signal(name="a", column="a", weight=1)]),
            )

        with pytest.raises(error, match=match):
            health.evaluate(ledger, scores=scores, as_of="2024-06", **options)

    def test_rejects_an_empty_ledger(self):
        """An empty ledger has no churn to check against."""
        empty = sm.Ledger.from_subscriptions(subs_table([]).astype({"mrr": "int64"}))

        with pytest.raises(ValueError, match="the ledger is empty"):
            health.evaluate(
                empty,
                scores=pd.DataFrame({"score": [1.0]}, index=["c1"]),
                as_of="2024-06",
                bands={"a": 0},
            )

    @pytest.mark.slow
    @given(
        subscriptions(min_size=1),
        conventions,
        st.sampled_from(list(pd.period_range("2022-12", "2025-03", freq="M"))),
        st.integers(1, 3),
        st.data(),
    )
    def test_counts_the_ledgers_customers_and_churn_events(
        self, subs, conv, as_of, horizon, data
    ):
        """Band churn comes from exactly the customers and churns the ledger counts."""
        led = sm.Ledger.from_subscriptions(subs, conventions=conv, through="2025-06")
        ids = led.customers["customer_id"].tolist()
        values = data.draw(
            st.lists(
                st.floats(0, 100) | st.just(50.0), min_size=len(ids), max_size=len(ids)
            )
        )
        scores = pd.DataFrame({"score": values}, index=pd.Index(ids))

        check = health.evaluate(
            led,
            scores=scores,
            as_of=as_of,
            horizon_months=horizon,
            bands=health.default_model().bands,
        )

        # The oracle reads the ledger's public events and movements.
        events = sm.ledger.events(led)
        before = events[events["month"] <= as_of].groupby("customer_id").last()
        if conv.zero_mrr == "churned":
            active = set(before.index[before["mrr"] > 0])
        else:
            active = set(before.index[before["subscriptions"] > 0])
        moves = sm.ledger.movements(led)
        window = (moves["month"] > as_of) & (moves["month"] <= as_of + horizon)
        churned = set(moves["customer_id"][window & (moves["movement"] == "churn")])
        overall = check.by_band.loc["All"]
        assert len(active) == overall["customers"] == check.evaluated
        assert len(active & churned) == overall["churned"]
        assert check.by_band["customers"].iloc[:-1].sum() == overall["customers"]
        assert check.by_band["churned"].iloc[:-1].sum() == overall["churned"]
        assert len(ids) - len(active) == check.not_active
        if horizon == 1:  # one month: exactly the bridge's customers and losses
            bridge = sm.ledger.bridge(led).reindex(
                pd.PeriodIndex([as_of + 1], name="month"), fill_value=0
            )
            assert bridge["customers_at_start"].iloc[0] == overall["customers"]
            assert bridge["customers_lost"].iloc[0] == overall["churned"]

    def test_agrees_with_churn_rates_on_the_sample_shape(self):
        """With a one-month horizon the band table's All row is churn.rates' month."""
        led = sm.Ledger.from_subscriptions(
            subs_table(
                [
                    (f"c{i}", "2024-01-10", end, 100 + i)
                    for i, end in enumerate(
                        [None, "2024-04-02", "2024-04-20", None, "2024-05-01", None]
                    )
                ]
            ),
            through="2024-06",
        )
        scores = pd.DataFrame(
            {"score": [90.0, 10.0, 20.0, 80.0, 30.0, 70.0]},
            index=[f"c{i}" for i in range(6)],
        )

        check = health.evaluate(
            led,
            scores=scores,
            as_of="2024-03",
            horizon_months=1,
            bands={"a": 0, "b": 50},
        )
        rates = sm.churn.rates(led).loc[pd.Period("2024-04", "M")]

        assert rates["customers_at_start"] == check.by_band.loc["All", "customers"]
        assert rates["customers_lost"] == check.by_band.loc["All", "churned"]
        assert math.isclose(
            rates["customer_churn_rate"], check.by_band.loc["All", "churn_rate"]
        )
        assert isinstance(check, HealthEvaluation)


@given(
    st.lists(
        st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6)),
        min_size=1,
        max_size=60,
    )
)
def test_average_ranks_equal_scipy_rankdata(values):
    """The ranks behind rank normalisation and the AUC are scipy's midranks, exactly."""
    from scipy.stats import rankdata as scipy_ranks

    from subscription_metrics._health import rankdata

    data = np.asarray(values, np.float64)
    assert np.array_equal(rankdata(data), scipy_ranks(data))
