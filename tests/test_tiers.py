"""Tests for `subscription_metrics.tiers`: policies, classification, summaries."""

from __future__ import annotations

import itertools
import math
import operator
from fractions import Fraction

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import (
    Conventions,
    InvalidTableError,
    Ledger,
    Role,
    ledger,
    tiers,
)
from subscription_metrics._kernels import exact_sums
from subscription_metrics._tiers import (
    MOTIONS,
    OPS,
    Condition,
    TierPolicy,
    TierProfile,
    TierRule,
)

from . import oracle
from .strategies import conventions, subscriptions, subscriptions_from_rows

THROUGH = pd.Period("2025-03", "M")
PROFILES = (
    TierProfile(tier=1, motion="high_touch", owners=("customer_sales",), kpis=("a",)),
    TierProfile(
        tier=2,
        motion="low_touch",
        owners=("customer_sales", "customer_marketing"),
        kpis=("a",),
    ),
    TierProfile(tier=3, motion="tech_touch", owners=("customer_marketing",), kpis=()),
)


def _cond(column, op, value):
    return Condition(column=column, op=op, value=value)


def _accounts(**columns):
    frame = pd.DataFrame(columns)
    frame.index = pd.Index([f"a{i}" for i in range(len(frame))], name="customer_id")
    return frame


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


class TestRecords:
    """The policy refuses what would make classification partial or ambiguous."""

    @pytest.mark.parametrize("op", ["=>", "=", "IN", "~"])
    def test_unknown_op_is_refused(self, op):
        with pytest.raises(ValueError, match="'op' must be one of"):
            _cond("arr", op, 1)

    def test_ordering_needs_a_number(self):
        with pytest.raises(TypeError, match="must be a number, got 'big'"):
            _cond("arr", ">=", "big")
        with pytest.raises(TypeError, match="must be a number"):
            _cond("arr", ">=", True)

    def test_missing_value_as_threshold_is_refused(self):
        with pytest.raises(ValueError, match="must be finite"):
            _cond("arr", "<", math.nan)
        with pytest.raises(ValueError, match="must be finite"):
            _cond("arr", "in", [1.0, math.inf])

    def test_set_ops_need_a_non_empty_collection(self):
        with pytest.raises(TypeError, match="non-empty"):
            _cond("industry", "in", [])
        with pytest.raises(TypeError, match="non-empty"):
            _cond("industry", "not in", "retail")

    def test_lists_and_sets_become_tuples(self):
        assert _cond("i", "in", ["b", "a"]).value == ("b", "a")
        assert _cond("i", "in", {"b", "a"}).value == ("a", "b")
        hash(_cond("i", "in", ["b", "a"]))  # frozen records are hashable

    @pytest.mark.parametrize("tier", [0, 4, -1])
    def test_tiers_outside_one_to_three_are_refused(self, tier):
        with pytest.raises(ValueError, match="'tier' must be 1, 2 or 3"):
            TierRule(name="r", tier=tier)
        with pytest.raises(ValueError, match="'tier' must be 1, 2 or 3"):
            TierProfile(
                tier=tier, motion="low_touch", owners=("customer_sales",), kpis=()
            )

    def test_tier_must_be_an_int(self):
        with pytest.raises(TypeError, match="'tier' must be an int"):
            TierRule(name="r", tier=True)
        with pytest.raises(TypeError, match="'tier' must be an int"):
            TierRule(name="r", tier=1.0)

    def test_rule_motion_is_checked(self):
        with pytest.raises(ValueError, match="'motion' must be one of"):
            TierRule(name="r", tier=1, motion="warm_touch")

    def test_profile_owners_become_roles(self):
        profile = PROFILES[1]
        assert profile.owners == (Role.CUSTOMER_SALES, Role.CUSTOMER_MARKETING)
        with pytest.raises(ValueError, match="'owners' must hold roles"):
            TierProfile(tier=1, motion="low_touch", owners=("closer",), kpis=())
        with pytest.raises(ValueError, match="'owners' must not be empty"):
            TierProfile(tier=1, motion="low_touch", owners=(), kpis=())
        with pytest.raises(ValueError, match="must not repeat"):
            TierProfile(
                tier=1,
                motion="low_touch",
                owners=("customer_sales", "customer_sales"),
                kpis=(),
            )

    def test_last_rule_must_be_unconditional(self):
        rules = (TierRule(name="big", tier=1, when=(_cond("arr", ">=", 1),)),)
        with pytest.raises(ValueError, match="the last rule \\('big'\\) must be"):
            TierPolicy(rules=rules, profiles=PROFILES)

    def test_only_the_last_rule_may_be_unconditional(self):
        rules = (TierRule(name="all", tier=3), TierRule(name="rest", tier=2))
        with pytest.raises(ValueError, match="rule 'all' is unconditional"):
            TierPolicy(rules=rules, profiles=PROFILES)

    def test_rule_names_are_unique(self):
        rules = (
            TierRule(name="x", tier=1, when=(_cond("arr", ">=", 1),)),
            TierRule(name="x", tier=3),
        )
        with pytest.raises(ValueError, match="unique names, got \\['x'\\]"):
            TierPolicy(rules=rules, profiles=PROFILES)

    def test_every_assigned_tier_has_a_profile(self):
        rules = (
            TierRule(name="big", tier=1, when=(_cond("arr", ">=", 1),)),
            TierRule(name="rest", tier=3),
        )
        with pytest.raises(ValueError, match="rule 'big' assigns tier 1"):
            TierPolicy(rules=rules, profiles=PROFILES[1:])

    def test_a_tier_is_described_once(self):
        with pytest.raises(ValueError, match="tiers \\[3\\] twice"):
            TierPolicy(
                rules=(TierRule(name="rest", tier=3),),
                profiles=(*PROFILES, PROFILES[2]),
            )

    def test_empty_rules_are_refused(self):
        with pytest.raises(ValueError, match="'rules' must not be empty"):
            TierPolicy(rules=(), profiles=PROFILES)

    @given(st.text(min_size=1, max_size=4).filter(lambda s: s not in OPS))
    def test_any_text_that_is_not_an_op_is_refused(self, op):
        with pytest.raises(ValueError, match="'op' must be one of"):
            _cond("arr", op, 1)

    @given(st.integers().filter(lambda t: t not in (1, 2, 3)))
    def test_any_other_tier_is_refused(self, tier):
        with pytest.raises(ValueError, match="1, 2 or 3"):
            TierRule(name="r", tier=tier)

    @given(st.lists(st.just(_cond("arr", ">=", 1)), min_size=1, max_size=3))
    def test_any_conditional_last_rule_is_refused(self, when):
        rules = (
            TierRule(name="a", tier=1, when=when),
            TierRule(name="b", tier=2, when=when),
        )
        with pytest.raises(ValueError, match="must be unconditional"):
            TierPolicy(rules=rules, profiles=PROFILES)


class TestDefaultPolicy:
    """The default policy and its arguments."""

    def test_rules_and_profiles_follow_the_seed(self):
        policy = tiers.default_policy()

        assert [r.name for r in policy.rules] == [
            "tier1_large_with_room",
            "tier3_at_risk",
            "tier2_seat_room",
            "tier2_arr",
            "tier3_retain",
        ]
        assert policy.profile(1).owners == (Role.CUSTOMER_SALES,)
        assert policy.profile(2).owners == (
            Role.CUSTOMER_SALES,
            Role.CUSTOMER_MARKETING,
        )
        assert policy.profile(3).owners == (Role.CUSTOMER_MARKETING,)
        # Tier 1-2 carry upsell/cross-sell amount, pipeline amount and
        # count, accounts owned; Tier 3 onboarding, health score, churn rate.
        assert policy.profile(1).kpis == policy.profile(2).kpis
        assert "pipeline_mrr" in policy.profile(1).kpis
        assert {"health_score", "customer_churn_rate"} <= set(policy.profile(3).kpis)
        assert policy.columns == ("seat_gap", "arr", "health_score")

    def test_thresholds_are_arguments(self):
        policy = tiers.default_policy(
            tier1_seat_gap=5, tier1_arr=7, tier2_seat_gap=3, tier2_arr=2
        )
        values = [c.value for rule in policy.rules for c in rule.when]

        assert values == [5, 7, 40.0, 3, 2]

    def test_no_health_rule_without_a_health_threshold(self):
        policy = tiers.default_policy(at_risk_health=None)

        assert "tier3_at_risk" not in [r.name for r in policy.rules]
        assert "health_score" not in policy.columns

    def test_profile_of_an_undescribed_tier_is_a_key_error(self):
        policy = TierPolicy(
            rules=(TierRule(name="all", tier=3),), profiles=PROFILES[2:]
        )
        with pytest.raises(KeyError, match="no profile for tier 1"):
            policy.profile(1)

    def test_describe_lists_every_rule(self):
        table = tiers.describe()

        assert list(table.index) == [r.name for r in tiers.default_policy().rules]
        assert table.loc["tier3_retain", "when"] == "always"
        assert table.loc["tier2_seat_room", "motion"] == "high_touch"
        assert table.loc["tier2_arr", "motion"] == "low_touch"
        assert table.loc["tier1_large_with_room", "owners"] == "customer_sales"


# --------------------------------------------------------------------------
# classify: hand-built cases
# --------------------------------------------------------------------------


class TestClassify:
    """Hand-built accounts, with the rule each should meet."""

    def test_default_policy_by_hand(self):
        accounts = _accounts(
            arr=[6_000_000, 5_999_999, 6_000_000, 1_200_000, 1_199_999, 9_000_000, 0],
            seat_gap=[50.0, 80.0, 49.9, np.nan, 10.0, 80.0, 9.99],
            health_score=[10.0, 90.0, 90.0, 40.0, 39.9, np.nan, np.nan],
        )
        out = tiers.classify(accounts)

        assert out["rule"].tolist() == [
            "tier1_large_with_room",  # 50 >= 50, 6,000,000 >= 6,000,000; health ignored
            "tier2_seat_room",  # ARR one yen short of Tier 1; 80 >= 10
            "tier2_seat_room",  # gap 49.9 < 50 misses Tier 1; 49.9 >= 10
            "tier2_arr",  # gap unknown; 1,200,000 >= 1,200,000; 40 is not < 40
            "tier3_at_risk",  # 39.9 < 40 comes before the seat-room rule
            "tier1_large_with_room",  # missing health does not block Tier 1
            "tier3_retain",  # 9.99 < 10 and ARR 0
        ]
        assert out["tier"].tolist() == [1, 2, 2, 2, 3, 1, 3]
        assert out["motion"].tolist() == [
            "high_touch",
            "high_touch",
            "high_touch",
            "low_touch",
            "low_touch",
            "high_touch",
            "tech_touch",
        ]
        assert out["owners"].iloc[1] == "customer_sales,customer_marketing"
        assert out["kpis"].iloc[0] == (
            "expansion_mrr,pipeline_mrr,pipeline_opportunities,accounts_owned"
        )
        pd.testing.assert_index_equal(out.index, accounts.index)

    def test_output_types(self):
        accounts = _accounts(arr=[1, 7_000_000], seat_gap=[0.0, 60.0], health_score=1.0)
        out = tiers.classify(accounts)

        assert list(out.columns) == ["tier", "rule", "motion", "owners", "kpis"]
        assert out["tier"].dtype == np.int8
        assert list(out["rule"].cat.categories) == [
            r.name for r in tiers.default_policy().rules
        ]
        assert list(out["motion"].cat.categories) == list(MOTIONS)

    def test_empty_table(self):
        accounts = _accounts(
            arr=pd.Series([], dtype="int64"), seat_gap=[], health_score=[]
        )
        out = tiers.classify(accounts)

        assert len(out) == 0
        assert list(out.columns) == ["tier", "rule", "motion", "owners", "kpis"]

    def test_index_is_kept_even_with_repeats(self):
        accounts = pd.DataFrame(
            {"arr": [0, 2_000_000], "seat_gap": np.nan, "health_score": np.nan},
            index=[7, 7],
        )
        out = tiers.classify(accounts)

        assert out.index.tolist() == [7, 7]
        assert out["tier"].tolist() == [3, 2]

    def test_missing_columns_name_the_table_column_and_rules(self):
        accounts = _accounts(health_score=[1.0])
        with pytest.raises(InvalidTableError) as info:
            tiers.classify(accounts)
        problems = info.value.problems

        assert [(p.table, p.column, p.rule) for p in problems] == [
            ("accounts", "seat_gap", "missing column"),
            ("accounts", "arr", "missing column"),
        ]
        assert "'tier1_large_with_room', 'tier2_seat_room'" in problems[0].detail
        assert "'tier1_large_with_room', 'tier2_arr'" in problems[1].detail

    def test_text_compared_with_a_number_is_an_input_error(self):
        accounts = _accounts(
            arr=pd.Series(["big"], dtype="str"), seat_gap=[1.0], health_score=[50.0]
        )
        with pytest.raises(InvalidTableError, match=r"accounts\.arr: comparable"):
            tiers.classify(accounts)

    def test_number_compared_with_text_is_an_input_error(self):
        policy = _policy(TierRule(name="r", tier=1, when=(_cond("n", "==", "1"),)))
        with pytest.raises(InvalidTableError, match="comparable with rule 'r'"):
            tiers.classify(_accounts(n=[1]), policy=policy)

    def test_not_a_frame_or_not_a_policy(self):
        with pytest.raises(TypeError, match="'accounts' must be a pandas DataFrame"):
            tiers.classify({"arr": [1]})
        with pytest.raises(TypeError, match="'policy' must be a TierPolicy"):
            tiers.classify(_accounts(arr=[1]), policy="default")

    @pytest.mark.parametrize(
        ("op", "value", "expected"),
        [
            ("==", "retail", [True, False, False, False]),
            ("!=", "retail", [False, True, False, False]),
            ("in", ("retail", "finance"), [True, True, False, False]),
            ("not in", ("retail",), [False, True, False, False]),
        ],
    )
    @pytest.mark.parametrize("dtype", ["str", "object", "category"])
    def test_missing_text_satisfies_no_condition(self, op, value, expected, dtype):
        """None and NaN are neither equal nor unequal to anything, as in SQL."""
        industry = pd.Series(["retail", "finance", None, np.nan], dtype=dtype)
        policy = _policy(
            TierRule(name="r", tier=1, when=(_cond("industry", op, value),))
        )

        out = tiers.classify(_accounts(industry=industry), policy=policy)

        assert (out["tier"] == 1).tolist() == expected

    @pytest.mark.parametrize(
        ("op", "expected"),
        [
            (">=", [False, True, True, False]),
            (">", [False, False, True, False]),
            ("<=", [True, True, False, False]),
            ("<", [True, False, False, False]),
            ("==", [False, True, False, False]),
            ("!=", [True, False, True, False]),
            ("in", [False, True, False, False]),
            ("not in", [True, False, True, False]),
        ],
    )
    @pytest.mark.parametrize("dtype", ["float64", "Int64", "Float64", "object"])
    def test_every_op_on_numbers_with_a_missing_value(self, op, expected, dtype):
        """Values 1, 2, 3 against 2 (or {2}); the missing fourth row never holds."""
        values = pd.Series([1, 2, 3, None], dtype=dtype)
        value = (2,) if op in ("in", "not in") else 2
        policy = _policy(TierRule(name="r", tier=1, when=(_cond("n", op, value),)))

        out = tiers.classify(_accounts(n=values), policy=policy)

        assert (out["tier"] == 1).tolist() == expected

    def test_int64_is_compared_exactly(self):
        """2**53 + 1 is not representable in float64; int64 compares it exactly."""
        big = 2**53
        policy = _policy(
            TierRule(name="r", tier=1, when=(_cond("arr", ">=", big + 1),))
        )
        out = tiers.classify(
            _accounts(arr=np.array([big, big + 1], np.int64)), policy=policy
        )

        assert out["tier"].tolist() == [3, 1]

    def test_bools(self):
        policy = _policy(
            TierRule(name="r", tier=1, when=(_cond("strategic", "==", True),))
        )
        out = tiers.classify(_accounts(strategic=[True, False]), policy=policy)

        assert out["tier"].tolist() == [1, 3]
        with pytest.raises(InvalidTableError, match="comparable"):
            tiers.classify(
                _accounts(strategic=[True]),
                policy=_policy(
                    TierRule(name="r", tier=1, when=(_cond("strategic", ">", 0),))
                ),
            )

    def test_two_rules_with_one_tier_make_an_or(self):
        policy = _policy(
            TierRule(name="big", tier=2, when=(_cond("arr", ">=", 10),)),
            TierRule(name="wide", tier=2, when=(_cond("seats", ">=", 5),)),
        )
        out = tiers.classify(_accounts(arr=[10, 0, 0], seats=[0, 5, 0]), policy=policy)

        assert out["rule"].tolist() == ["big", "wide", "rest"]
        assert out["tier"].tolist() == [2, 2, 3]


def _policy(*rules: TierRule) -> TierPolicy:
    return TierPolicy(rules=(*rules, TierRule(name="rest", tier=3)), profiles=PROFILES)


# --------------------------------------------------------------------------
# classify: the slow oracle and properties
# --------------------------------------------------------------------------

_COLUMNS = {
    "arr": st.none() | st.integers(0, 10_000_000),
    "seat_gap": st.none() | st.floats(0, 100, allow_nan=False),
    "health_score": st.none() | st.floats(0, 100, allow_nan=False),
    "industry": st.none() | st.sampled_from(["retail", "finance", "it", "retail "]),
}


@st.composite
def account_frames(draw, min_size=0, max_size=25):
    n = draw(st.integers(min_size, max_size))
    data = {
        name: draw(st.lists(values, min_size=n, max_size=n))
        for name, values in _COLUMNS.items()
    }
    frame = pd.DataFrame(
        {
            "arr": pd.array(data["arr"], dtype="Int64"),
            "seat_gap": pd.array(
                [np.nan if v is None else v for v in data["seat_gap"]], dtype="float64"
            ),
            "health_score": pd.Series(data["health_score"], dtype="float64"),
            "industry": pd.Series(data["industry"], dtype="str"),
        }
    )
    frame.index = pd.Index([f"a{i}" for i in range(n)], name="customer_id")
    return frame


_NUMBER_COLUMNS = {
    "arr": st.integers(0, 10_000_000),
    "seat_gap": st.floats(0, 100, allow_nan=False),
    "health_score": st.floats(0, 100, allow_nan=False),
}


@st.composite
def conditions(draw):
    column = draw(st.sampled_from([*_NUMBER_COLUMNS, "industry"]))
    if column == "industry":
        op = draw(st.sampled_from(["==", "!=", "in", "not in"]))
        texts = st.sampled_from(["retail", "finance", "it", "energy"])
    else:
        op = draw(st.sampled_from(OPS))
        texts = _NUMBER_COLUMNS[column]
    if op in ("in", "not in"):
        value = draw(st.lists(texts, min_size=1, max_size=3))
    else:
        value = draw(texts)
    return _cond(column, op, value)


@st.composite
def policies(draw):
    n = draw(st.integers(0, 5))
    rules = [
        TierRule(
            name=f"r{i}",
            tier=draw(st.sampled_from([1, 2, 3])),
            when=draw(st.lists(conditions(), min_size=1, max_size=3)),
            motion=draw(st.none() | st.sampled_from(MOTIONS)),
        )
        for i in range(n)
    ]
    rules.append(TierRule(name="last", tier=draw(st.sampled_from([1, 2, 3]))))
    return TierPolicy(rules=rules, profiles=PROFILES)


_PY_OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _missing(value) -> bool:
    return (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and math.isnan(value))
    )


def slow_classify(accounts: pd.DataFrame, policy: TierPolicy) -> list[tuple[int, str]]:
    """Row by row, rule by rule, condition by condition: the obvious way."""
    out = []
    for _, row in accounts.iterrows():
        for rule in policy.rules:
            if all(
                not _missing(row[c.column]) and _PY_OPS[c.op](row[c.column], c.value)
                for c in rule.when
            ):
                out.append((rule.tier, rule.name))
                break
    return out


class TestClassifyProperties:
    """Total, deterministic, monotone in Tier 1 thresholds, equal to the oracle."""

    @pytest.mark.slow
    @given(account_frames(), policies())
    def test_equals_the_row_by_row_oracle(self, accounts, policy):
        out = tiers.classify(accounts, policy=policy)

        expected = slow_classify(accounts, policy)
        assert (
            list(zip(out["tier"].tolist(), out["rule"].tolist(), strict=True))
            == expected
        )

    @pytest.mark.slow
    @given(account_frames(), policies())
    def test_total_one_tier_per_row(self, accounts, policy):
        out = tiers.classify(accounts, policy=policy)

        assert len(out) == len(accounts)
        assert out["tier"].isin([1, 2, 3]).all()
        assert out["rule"].notna().all()
        rules = {r.name: r for r in policy.rules}
        assert [rules[name].tier for name in out["rule"]] == out["tier"].tolist()

    @pytest.mark.slow
    @given(account_frames(min_size=1), policies(), st.randoms(use_true_random=False))
    def test_shuffling_rows_changes_nobody_s_tier(self, accounts, policy, rng):
        order = list(range(len(accounts)))
        rng.shuffle(order)
        shuffled = accounts.iloc[order]

        first = tiers.classify(accounts, policy=policy)
        again = tiers.classify(shuffled, policy=policy).reindex(accounts.index)

        pd.testing.assert_frame_equal(first, again)

    @pytest.mark.slow
    @given(
        account_frames(),
        st.integers(0, 10_000_000),
        st.integers(0, 10_000_000),
        st.floats(0, 100),
        st.floats(0, 100),
    )
    def test_raising_a_tier1_threshold_never_moves_an_account_up(
        self, accounts, arr, more_arr, gap, more_gap
    ):
        """Default policy: raise tier1_arr and tier1_seat_gap; tiers only worsen."""
        loose = tiers.default_policy(tier1_arr=arr, tier1_seat_gap=gap)
        strict = tiers.default_policy(
            tier1_arr=arr + more_arr, tier1_seat_gap=gap + more_gap
        )

        before = tiers.classify(accounts, policy=loose)["tier"]
        after = tiers.classify(accounts, policy=strict)["tier"]

        assert (after >= before).all()

    @pytest.mark.slow
    @given(account_frames(), policies(), st.data())
    def test_tightening_any_tier1_bound_never_moves_an_account_up(
        self, accounts, policy, data
    ):
        """In any policy, raise a >= bound of any Tier 1 rule (or lower a <=)."""
        bounds = [
            (i, j)
            for i, rule in enumerate(policy.rules)
            for j, c in enumerate(rule.when)
            if rule.tier == 1 and c.op in (">=", ">", "<=", "<")
        ]
        if not bounds:
            return
        i, j = data.draw(st.sampled_from(bounds))
        rule = policy.rules[i]
        cond = rule.when[j]
        step = data.draw(st.integers(1, 5_000_000))
        value = cond.value + step if cond.op in (">=", ">") else cond.value - step
        when = (*rule.when[:j], attrs.evolve(cond, value=value), *rule.when[j + 1 :])
        rules = list(policy.rules)
        rules[i] = attrs.evolve(rule, when=when)
        tighter = attrs.evolve(policy, rules=tuple(rules))

        before = tiers.classify(accounts, policy=policy)["tier"]
        after = tiers.classify(accounts, policy=tighter)["tier"]

        assert (after >= before).all()


# --------------------------------------------------------------------------
# account_features
# --------------------------------------------------------------------------


def _ledger(conventions=None):
    """c1 ¥500k from Jan; c2 ¥80k from Feb; c3 ¥30k Jan-Mar; c4 free plan (¥0)."""
    subs = subscriptions_from_rows(
        ("c1", "2024-01-05", None, 500_000),
        ("c2", "2024-02-01", None, 80_000),
        ("c3", "2024-01-10", "2024-04-01", 30_000),
        ("c4", "2024-01-10", None, 0),
        currency="JPY",
    )
    customers = pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3", "c4"],
            "segment": ["enterprise", "smb", "smb", "smb"],
            "employees": pd.array([1_000, 40, 10, None], dtype="Int64"),
        }
    )
    return Ledger.from_subscriptions(
        subs, customers=customers, conventions=conventions, through="2024-06"
    )


USAGE = pd.DataFrame(
    {
        "customer_id": ["c1", "c1", "c1", "c2", "c3"],
        "month": pd.to_datetime(
            ["2024-05-01", "2024-06-01", "2024-07-01", "2024-03-01", "2024-02-01"]
        ),
        "seats": [200, 220, 999, 0, 5],
        "active_users": [150, 180, 999, 0, 5],
        "logins": [3000, 3500, 1, 0, 50],
        "feature_usage_rate": [0.5, 0.6, 0.9, 0.0, 0.3],
    }
)


class TestAccountFeatures:
    """One row per active account, with the arithmetic in the test."""

    def test_by_hand(self):
        feats = tiers.account_features(
            _ledger(), usage=USAGE, health=pd.Series({"c2": 35.0, "zz": 1.0})
        )

        assert feats.index.tolist() == ["c1", "c2"]  # c3 left in April; c4 pays 0
        assert feats.index.name == "customer_id"
        assert feats["mrr"].tolist() == [500_000, 80_000]
        assert feats["arr"].tolist() == [12 * 500_000, 12 * 80_000]
        assert feats["segment"].tolist() == ["enterprise", "smb"]
        assert feats["employees"].tolist() == [1_000, 40]
        # c1: June is the latest row on or before 2024-06 (July is after it).
        assert feats["usage_month"].astype(str).tolist() == ["2024-06", "2024-03"]
        assert feats["seats"].tolist() == [220, 0]
        assert feats["active_users"].tolist() == [180, 0]
        assert feats.loc["c1", "active_user_share"] == pytest.approx(180 / 220)
        assert math.isnan(feats.loc["c2", "active_user_share"])  # no seats
        assert feats["feature_usage_rate"].tolist() == [0.6, 0.0]
        # 1000 * 0.3 - 220 = 80; 40 * 0.3 - 0 = 12
        assert feats["seat_gap"].tolist() == pytest.approx([80.0, 12.0])
        assert math.isnan(feats.loc["c1", "health_score"])
        assert feats.loc["c2", "health_score"] == 35.0
        assert list(feats.columns[:2]) == ["mrr", "arr"]
        assert list(feats.columns[-len(tiers.FEATURE_COLUMNS) :]) == list(
            tiers.FEATURE_COLUMNS
        )

    def test_earlier_month(self):
        feats = tiers.account_features(_ledger(), as_of="2024-02", usage=USAGE)

        assert feats.index.tolist() == ["c1", "c2", "c3"]
        assert feats["usage_month"].isna().tolist() == [True, True, False]
        assert feats["seats"].isna().tolist() == [True, True, False]
        # c3: 10 * 0.3 - 5 = -2, clipped to 0 seats not yet bought
        assert feats.loc["c3", "seat_gap"] == 0.0
        assert feats["seat_gap"].isna().tolist() == [True, True, False]

    def test_adoption_share_scales_the_gap(self):
        feats = tiers.account_features(_ledger(), usage=USAGE, adoption_share=1.0)

        assert feats["seat_gap"].tolist() == [1_000 - 220, 40 - 0]

    def test_zero_mrr_active_convention_keeps_a_free_account(self):
        led = _ledger(Conventions(zero_mrr="active"))
        feats = tiers.account_features(led)

        assert feats.index.tolist() == ["c1", "c2", "c4"]
        assert feats.loc["c4", "mrr"] == 0
        assert math.isnan(feats.loc["c4", "seat_gap"])  # employees unknown

    def test_without_usage_or_employees(self):
        subs = subscriptions_from_rows(("x", "2024-01-05", None, 7))
        feats = tiers.account_features(Ledger.from_subscriptions(subs))

        assert feats["seat_gap"].isna().all()
        assert feats["health_score"].isna().all()
        assert tiers.classify(feats)["rule"].tolist() == ["tier3_retain"]

    def test_customers_update_the_attributes(self):
        update = pd.DataFrame(
            {"customer_id": ["c1"], "employees": [2_000], "budget": [9]}
        )
        feats = tiers.account_features(_ledger(), usage=USAGE, customers=update)

        assert feats.loc["c1", "employees"] == 2_000
        assert pd.isna(feats.loc["c2", "employees"])  # replaced column: c2 unknown
        assert feats.loc["c1", "budget"] == 9
        assert feats.loc["c1", "seat_gap"] == pytest.approx(2_000 * 0.3 - 220)
        assert feats.loc["c2", "segment"] == "smb"  # untouched attribute

    def test_input_errors(self):
        led = _ledger()
        with pytest.raises(
            InvalidTableError, match=r"usage\.customer_id, month: unique"
        ):
            tiers.account_features(led, usage=pd.concat([USAGE, USAGE.iloc[:1]]))
        with pytest.raises(InvalidTableError, match=r"usage\.seats: missing column"):
            tiers.account_features(led, usage=USAGE.drop(columns="seats"))
        with pytest.raises(InvalidTableError, match=r"customers\.customer_id: unique"):
            tiers.account_features(
                led, customers=pd.DataFrame({"customer_id": ["c1", "c1"]})
            )
        with pytest.raises(
            InvalidTableError, match=r"customers\.seats: not a computed"
        ):
            tiers.account_features(
                led, customers=pd.DataFrame({"customer_id": ["c1"], "seats": [3]})
            )
        with pytest.raises(InvalidTableError, match=r"health\.customer_id: unique"):
            tiers.account_features(
                led, health=pd.Series([1.0, 2.0], index=["c1", "c1"])
            )
        with pytest.raises(TypeError, match="'health' must be a pandas Series"):
            tiers.account_features(led, health={"c1": 1.0})
        with pytest.raises(ValueError, match="after the ledger's data horizon"):
            tiers.account_features(led, as_of="2024-07")
        for share in (0, 1.5, -0.1):
            with pytest.raises(ValueError, match="'adoption_share' must be in"):
                tiers.account_features(led, adoption_share=share)
        with pytest.raises(TypeError, match="'adoption_share' must be a number"):
            tiers.account_features(led, adoption_share="0.3")

    def test_empty_ledger(self):
        empty = subscriptions_from_rows()
        with pytest.raises(ValueError, match="the ledger is empty"):
            tiers.account_features(Ledger.from_subscriptions(empty))

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.integers(0, 26))
    def test_active_accounts_and_mrr_equal_the_oracle(self, subs, conv, offset):
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        as_of = THROUGH - offset
        state = oracle.customer_months_from_spans(subs, [as_of], conv)

        feats = tiers.account_features(led, as_of=as_of)

        def active(mrr, count):
            return mrr > 0 if conv.zero_mrr == "churned" else count > 0

        expected = {c: s[0][0] for c, s in state.items() if active(*s[0])}
        assert feats["mrr"].to_dict() == dict(sorted(expected.items()))


# --------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------


def _summary_ledger(conventions=None):
    """Six accounts over 2024, classified at 2024-01.

    a (tier 1): 100 -> 150 in March (expansion 50), churns in May (150).
    b (tier 1): 200 all year.
    c (tier 2): 100 -> 60 in April (contraction 40).
    d (tier 2): 50, churns in March, back at 70 in June (reactivation 70).
    e (tier 3): 30, churns in February.
    f: joins in March (not classified: not active at 2024-01).
    """
    subs = subscriptions_from_rows(
        ("a", "2024-01-05", "2024-03-01", 100),
        ("a", "2024-03-01", "2024-05-01", 150),
        ("b", "2024-01-05", None, 200),
        ("c", "2024-01-05", "2024-04-01", 100),
        ("c", "2024-04-01", None, 60),
        ("d", "2024-01-05", "2024-03-01", 50),
        ("d", "2024-06-01", None, 70),
        ("e", "2024-01-05", "2024-02-01", 30),
        ("f", "2024-03-05", None, 999),
        currency="JPY",
    )
    return Ledger.from_subscriptions(subs, conventions=conventions, through="2024-12")


_CLASSIFIED = pd.DataFrame(
    {"tier": [1, 1, 2, 2, 3], "health_score": [80.0, 60.0, np.nan, 20.0, 10.0]},
    index=pd.Index(list("abcde"), name="customer_id"),
)


class TestSummary:
    """What each tier's accounts did in the months after they were classified."""

    def test_by_hand(self):
        table = tiers.summary(
            _summary_ledger(), classified=_CLASSIFIED, as_of="2024-01", months=6
        )

        assert table.index.tolist() == [1, 2, 3, "All"]
        assert list(table.columns) == list(tiers.SUMMARY_COLUMNS)
        assert table["accounts"].tolist() == [2, 2, 1, 5]
        assert table["mrr_at_start"].tolist() == [300, 150, 30, 480]
        assert table["mrr_share"].tolist() == pytest.approx(
            [300 / 480, 150 / 480, 30 / 480, 1]
        )
        assert table["months_observed"].tolist() == [6] * 4  # Feb..Jul
        assert table["customers_lost"].tolist() == [1, 1, 1, 3]  # a, d, e
        assert table["customer_churn_rate"].tolist() == pytest.approx(
            [1 / 2, 1 / 2, 1, 3 / 5]
        )
        assert table["expansion_mrr"].tolist() == [50, 0, 0, 50]
        assert table["contraction_mrr"].tolist() == [0, 40, 0, 40]
        assert table["churned_mrr"].tolist() == [150, 50, 30, 230]
        assert table["reactivation_mrr"].tolist() == [0, 70, 0, 70]
        # 300 + 50 - 150 = 200; 150 - 40 - 50 + 70 = 130; 30 - 30 = 0
        assert table["mrr_at_end"].tolist() == [200, 130, 0, 330]
        assert table["gross_mrr_churn_rate"].tolist() == pytest.approx(
            [150 / 300, 90 / 150, 1.0, 270 / 480]
        )
        # Default conventions: reactivation offsets losses in net churn.
        assert table["net_mrr_churn_rate"].tolist() == pytest.approx(
            [100 / 300, 20 / 150, 1.0, 150 / 480]
        )
        assert table["accounts_scored"].tolist() == [2, 1, 1, 4]
        assert table["mean_health_score"].tolist() == pytest.approx([70, 20, 10, 42.5])
        for name in ("accounts", "mrr_at_start", "churned_mrr", "mrr_at_end"):
            assert table[name].dtype == np.int64

    def test_health_series_overrides_the_column(self):
        table = tiers.summary(
            _summary_ledger(),
            classified=_CLASSIFIED,
            as_of="2024-01",
            health=pd.Series({"c": 50.0}),
        )

        assert table["accounts_scored"].tolist() == [0, 1, 0, 1]
        assert table["mean_health_score"].iloc[1] == 50.0

    def test_conventions_shape_the_rates(self):
        led = _summary_ledger(Conventions(reactivation_in_net_churn=False))
        table = tiers.summary(led, classified=_CLASSIFIED, as_of="2024-01", months=6)

        assert table.loc[2, "net_mrr_churn_rate"] == pytest.approx(90 / 150)

    def test_a_return_the_ledger_calls_new_is_still_a_return(self):
        """With a 0-month window, d's June return is 'new' in the ledger."""
        led = _summary_ledger(Conventions(reactivation_window_months=0))
        kinds = ledger.movements(led).set_index("customer_id").loc["d", "movement"]
        assert "new" in kinds.tolist()[1:]

        table = tiers.summary(led, classified=_CLASSIFIED, as_of="2024-01", months=6)

        assert table.loc[2, "reactivation_mrr"] == 70
        assert table.loc[2, "mrr_at_end"] == 150 - 40 - 50 + 70

    def test_an_account_that_churns_twice_is_lost_once(self):
        """g: 40 in Jan, gone in Feb, back at 40 in April, gone again in June."""
        subs = subscriptions_from_rows(
            ("g", "2024-01-05", "2024-02-01", 40),
            ("g", "2024-04-01", "2024-06-01", 40),
            ("h", "2024-01-05", None, 10),
        )
        led = Ledger.from_subscriptions(subs, through="2024-12")
        classified = pd.DataFrame({"tier": [3, 3]}, index=["g", "h"])

        table = tiers.summary(led, classified=classified, as_of="2024-01")

        assert table.loc[3, "customers_lost"] == 1
        assert table.loc[3, "customer_churn_rate"] == 1 / 2
        assert table.loc[3, "churned_mrr"] == 40 + 40
        assert table.loc[3, "reactivation_mrr"] == 40

    def test_window_is_cut_at_the_horizon(self):
        table = tiers.summary(
            _summary_ledger(), classified=_CLASSIFIED, as_of="2024-01", months=60
        )

        assert table["months_observed"].iloc[0] == 11  # Feb..Dec

    def test_nothing_observed_after_the_horizon(self):
        led = _summary_ledger()
        today = tiers.classify(tiers.account_features(led))
        table = tiers.summary(led, classified=today)

        assert (table["months_observed"] == 0).all()
        assert table["customer_churn_rate"].isna().all()
        assert table["gross_mrr_churn_rate"].isna().all()
        assert (table["mrr_at_end"] == table["mrr_at_start"]).all()

    def test_input_errors(self):
        led = _summary_ledger()
        with pytest.raises(
            InvalidTableError, match=r"classified\.customer_id: active at"
        ):
            tiers.summary(led, classified=_CLASSIFIED)  # e churned before 2024-12
        unknown = pd.DataFrame({"tier": [1]}, index=["zz"])
        with pytest.raises(InvalidTableError, match="known to the ledger"):
            tiers.summary(led, classified=unknown, as_of="2024-01")
        with pytest.raises(InvalidTableError, match=r"classified\.tier: 1, 2 or 3"):
            tiers.summary(led, classified=_CLASSIFIED.assign(tier=4), as_of="2024-01")
        with pytest.raises(
            InvalidTableError, match=r"classified\.tier: missing column"
        ):
            tiers.summary(
                led, classified=_CLASSIFIED.drop(columns="tier"), as_of="2024-01"
            )
        with pytest.raises(InvalidTableError, match=r"classified\.customer_id: unique"):
            tiers.summary(led, classified=pd.concat([_CLASSIFIED] * 2), as_of="2024-01")
        for months in (0, -1, 1.5, True):
            with pytest.raises(ValueError, match="'months' must be a positive int"):
                tiers.summary(
                    led, classified=_CLASSIFIED, as_of="2024-01", months=months
                )

    @pytest.mark.slow
    @given(
        subscriptions(min_size=1),
        conventions,
        st.integers(1, 26),
        st.integers(1, 14),
        st.lists(st.sampled_from([1, 2, 3]), min_size=6, max_size=6),
    )
    def test_equals_a_month_by_month_oracle_and_adds_up(
        self, subs, conv, offset, months, tier_list
    ):
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        as_of = THROUGH - offset
        feats = tiers.account_features(led, as_of=as_of)
        tier_of = dict(zip([f"c{i}" for i in range(6)], tier_list, strict=True))
        classified = pd.DataFrame(
            {"tier": [tier_of[c] for c in feats.index]}, index=feats.index
        )

        table = tiers.summary(led, classified=classified, as_of=as_of, months=months)

        expected = _slow_summary(subs, conv, tier_of, list(feats.index), as_of, months)
        for name, values in expected.items():
            assert table[name].iloc[:3].tolist() == values, name
        additive = list(tiers.ADDITIVE_COLUMNS)
        pd.testing.assert_series_equal(
            table[additive].iloc[:3].sum(),
            table[additive].loc["All"],
            check_names=False,
        )
        assert (
            table["mrr_at_end"]
            == table["mrr_at_start"]
            + table["expansion_mrr"]
            + table["reactivation_mrr"]
            - table["contraction_mrr"]
            - table["churned_mrr"]
        ).all()


def _slow_summary(subs, conv, tier_of, accounts, as_of, months):
    """Walk each classified account month by month from as_of to the window's end."""
    end = min(as_of + months, THROUGH)
    periods = list(pd.period_range(as_of, end, freq="M"))
    state = oracle.customer_months_from_spans(subs, periods, conv)
    out = {
        name: [0, 0, 0]
        for name in (
            "accounts",
            "mrr_at_start",
            "customers_lost",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
            "mrr_at_end",
        )
    }

    def active(mrr, count):
        return mrr > 0 if conv.zero_mrr == "churned" else count > 0

    for customer in accounts:
        t = tier_of[customer] - 1
        series = state[customer]
        out["accounts"][t] += 1
        out["mrr_at_start"][t] += series[0][0]
        out["mrr_at_end"][t] += series[-1][0]
        lost = False
        for (prev_mrr, prev_count), (mrr, count) in itertools.pairwise(series):
            was, now = active(prev_mrr, prev_count), active(mrr, count)
            if was and not now:
                out["churned_mrr"][t] += prev_mrr
                lost = True
            elif now and not was:
                out["reactivation_mrr"][t] += mrr
            elif now and mrr > prev_mrr:
                out["expansion_mrr"][t] += mrr - prev_mrr
            elif now and mrr < prev_mrr:
                out["contraction_mrr"][t] += prev_mrr - mrr
        out["customers_lost"][t] += lost
    return out


# --------------------------------------------------------------------------
# movements
# --------------------------------------------------------------------------


class TestMovements:
    """Transitions between two classifications, with accounts that come and go."""

    def test_by_hand(self):
        before = pd.DataFrame(
            {"tier": [1, 2, 2, 3], "mrr": [500, 100, 80, 10]},
            index=["c1", "c2", "c3", "c4"],
        )
        after = pd.DataFrame(
            {"tier": [1, 1, 3, 2], "mrr": [550, 400, 60, 90]},
            index=["c1", "c2", "c3", "c5"],
        )
        moved = tiers.movements(before, after)

        assert len(moved) == 15  # 4 x 4 pairs but absent -> absent
        assert moved.index.names == ["tier_before", "tier_after"]
        assert moved.loc[(1, 1)].tolist() == [1, 500, 550]
        assert moved.loc[(2, 1)].tolist() == [1, 100, 400]  # c2 moved up
        assert moved.loc[(2, 3)].tolist() == [1, 80, 60]  # c3 moved down
        assert moved.loc[(3, "absent")].tolist() == [1, 10, 0]  # c4 gone
        assert moved.loc[("absent", 2)].tolist() == [1, 0, 90]  # c5 arrived
        assert moved["accounts"].sum() == 5  # c1..c5
        assert moved["mrr_before"].sum() == 500 + 100 + 80 + 10
        assert moved["mrr_after"].sum() == 550 + 400 + 60 + 90

    def test_without_mrr_only_accounts(self):
        before = pd.DataFrame({"tier": [1]}, index=["c1"])
        after = pd.DataFrame({"tier": [1], "mrr": [3]}, index=["c1"])

        assert list(tiers.movements(before, after).columns) == ["accounts"]

    def test_input_errors(self):
        good = pd.DataFrame({"tier": [1]}, index=["c1"])
        with pytest.raises(InvalidTableError, match=r"before\.tier: not missing"):
            tiers.movements(pd.DataFrame({"tier": [None]}, index=["c1"]), good)
        with pytest.raises(InvalidTableError, match=r"after\.customer_id: unique"):
            tiers.movements(good, pd.DataFrame({"tier": [1, 2]}, index=["c1", "c1"]))
        with pytest.raises(InvalidTableError, match=r"after\.tier: missing column"):
            tiers.movements(good, pd.DataFrame({"t": [1]}))

    @given(
        st.dictionaries(
            st.sampled_from(list("abcdefghij")), st.sampled_from([1, 2, 3])
        ),
        st.dictionaries(
            st.sampled_from(list("abcdefghij")), st.sampled_from([1, 2, 3])
        ),
    )
    def test_accounts_are_conserved(self, first, second):
        before = pd.DataFrame({"tier": pd.Series(first, dtype="int64")})
        after = pd.DataFrame({"tier": pd.Series(second, dtype="int64")})
        before["mrr"] = np.arange(len(before), dtype=np.int64) * 10
        after["mrr"] = np.arange(len(after), dtype=np.int64) * 7

        moved = tiers.movements(before, after)

        out_of = moved.groupby(level="tier_before")["accounts"].sum()
        into = moved.groupby(level="tier_after")["accounts"].sum()
        for tier in (1, 2, 3):
            assert out_of[tier] == (before["tier"] == tier).sum()
            assert into[tier] == (after["tier"] == tier).sum()
            assert moved.xs(tier, level="tier_before")["mrr_before"].sum() == (
                before.loc[before["tier"] == tier, "mrr"].sum()
            )
        assert out_of["absent"] == len(set(second) - set(first))
        assert into["absent"] == len(set(first) - set(second))
        assert moved["accounts"].sum() == len(set(first) | set(second))


def test_tiers_take_numpy_integers():
    """A tier read from a table (numpy.int64) is a plain int; a bool is not a tier."""
    rule = TierRule(name="all", tier=np.int64(2))

    assert rule.tier == 2
    assert type(rule.tier) is int
    with pytest.raises(TypeError, match="'tier' must be an int"):
        TierRule(name="all", tier=np.True_)


@given(
    values=st.lists(
        st.floats(allow_nan=False, allow_infinity=True, width=64), max_size=40
    ),
    data=st.data(),
)
def test_exact_sums_are_the_rounded_exact_means_of_any_split(
    values: list[float], data: st.DataObject
) -> None:
    """The health means of a tier summary: exact sums, rounded once, equal
    however the values are split into blocks (a slow oracle with Fractions)."""
    keys = np.array(
        data.draw(
            st.lists(st.integers(0, 2), min_size=len(values), max_size=len(values))
        ),
        np.int64,
    )
    terms = np.array(values, np.float64)
    cut = data.draw(st.integers(0, len(values)))
    whole = exact_sums(keys, terms, 3)
    split = exact_sums(keys[:cut], terms[:cut], 3).combine(
        exact_sums(keys[cut:], terms[cut:], 3)
    )
    counts = np.append(np.bincount(keys, minlength=3), len(values))
    expected = []
    for members in [terms[keys == g] for g in range(3)] + [terms]:
        if not len(members):
            expected.append(math.nan)
        elif np.isinf(members).any():
            signs = set(np.sign(members[np.isinf(members)]).tolist())
            expected.append(math.nan if len(signs) > 1 else math.inf * signs.pop())
        else:
            exact = sum((Fraction(float(v)) for v in members), Fraction(0))
            expected.append(float(exact / len(members)))
    np.testing.assert_array_equal(whole.means(counts), expected)
    np.testing.assert_array_equal(split.means(counts), expected)
