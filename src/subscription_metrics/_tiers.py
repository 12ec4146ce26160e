"""Account tiers: ordered, explainable rules over account attributes.

The records (`Condition`, `TierRule`, `TierProfile`, `TierPolicy`) live here
with the kernel that applies a policy to a whole table at once
(`classify_frame`); `subscription_metrics.tiers` holds the public functions.
Work that grows with the number of accounts is one vectorised mask per
condition; the only Python loop is over the policy's rules.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen

from . import _display
from ._columns import as_int
from ._entities import Role
from ._errors import InvalidTableError, Problem
from ._schema import check_labels
from ._validation import text_validator

__all__ = [
    "MOTIONS",
    "OPS",
    "TIERS",
    "Condition",
    "TierPolicy",
    "TierProfile",
    "TierRule",
    "classify_frame",
]

Op = Literal[">=", ">", "<=", "<", "==", "!=", "in", "not in"]
Motion = Literal["high_touch", "low_touch", "tech_touch"]
Scalar = str | int | float | bool
BoolArray = npt.NDArray[np.bool_]

OPS: Final = (">=", ">", "<=", "<", "==", "!=", "in", "not in")
"""The operators a `Condition` may use."""
MOTIONS: Final = ("high_touch", "low_touch", "tech_touch")
"""Coverage motions, from the most personal to the most automated."""
TIERS: Final = (1, 2, 3)
"""The tiers: 1 and 2 where upsell and cross-sell are realistic, 3 retention only."""

_ORDERING: Final = (">=", ">", "<=", "<")
_SETS: Final = ("in", "not in")
_COMPARE: Final[dict[str, Callable[[Any, Any], Any]]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


# --------------------------------------------------------------------------
# Validators and converters
# --------------------------------------------------------------------------


def _choice(choices: tuple[Any, ...]) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if isinstance(value, bool) or value not in choices:
            allowed = ", ".join(repr(c) for c in choices)
            msg = f"{attribute.name!r} must be one of {allowed}, got {value!r}"
            raise ValueError(msg)

    return check


def _tier(instance: Any, attribute: Any, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{attribute.name!r} must be an int (1, 2 or 3), got {value!r}"
        raise TypeError(msg)
    if value not in TIERS:
        msg = f"{attribute.name!r} must be 1, 2 or 3, got {value!r}"
        raise ValueError(msg)


def _as_tuple(value: Any) -> Any:
    """Turn a list (or a set, sorted for a stable order) into a tuple."""
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, set | frozenset):
        return tuple(sorted(value, key=repr))
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _scalar(value: object) -> bool:
    return isinstance(value, str | bool | np.bool_) or _is_number(value)


def _roles(value: Any) -> Any:
    """Turn role names (or a single role) into a tuple of `Role`."""
    if isinstance(value, str):
        value = (value,)
    value = _as_tuple(value)
    if not isinstance(value, tuple):
        return value
    out: list[Any] = []
    for item in value:
        try:
            out.append(Role(item))
        except ValueError:
            allowed = ", ".join(repr(r.value) for r in Role)
            msg = f"'owners' must hold roles ({allowed}), got {item!r}"
            raise ValueError(msg) from None
    return tuple(out)


def _tuple_of(kind: type, *, empty: bool) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if not isinstance(value, tuple):
            msg = f"{attribute.name!r} must be a tuple, got {value!r}"
            raise TypeError(msg)
        wrong = [item for item in value if not isinstance(item, kind)]
        if wrong:
            msg = (
                f"{attribute.name!r} must hold {kind.__name__} values, got {wrong[0]!r}"
            )
            raise TypeError(msg)
        if not empty and not value:
            msg = f"{attribute.name!r} must not be empty"
            raise ValueError(msg)

    return check


def _unique_items(instance: Any, attribute: Any, value: tuple[Any, ...]) -> None:
    repeated = sorted({str(v) for v in value if value.count(v) > 1})
    if repeated:
        msg = f"{attribute.name!r} must not repeat values, got {repeated}"
        raise ValueError(msg)


def _condition_value(instance: Condition, attribute: Any, value: Any) -> None:
    op = instance.op
    if op in _SETS:
        if not isinstance(value, tuple) or not value:
            msg = (
                f"'value' of a condition with op {op!r} must be a non-empty "
                f"list or tuple of values, got {value!r}"
            )
            raise TypeError(msg)
        items = value
    elif op in _ORDERING:
        if not _is_number(value):
            msg = (
                f"'value' of a condition with op {op!r} must be a number, got {value!r}"
            )
            raise TypeError(msg)
        items = (value,)
    else:
        if not _scalar(value):
            msg = (
                f"'value' of a condition with op {op!r} must be a str, number "
                f"or bool, got {value!r}"
            )
            raise TypeError(msg)
        items = (value,)
    for item in items:
        if not _scalar(item):
            msg = f"'value' must hold str, number or bool values, got {item!r}"
            raise TypeError(msg)
        if _is_number(item) and not math.isfinite(float(item)):
            msg = (
                f"'value' must be finite (a missing value satisfies no "
                f"condition), got {item!r}"
            )
            raise ValueError(msg)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@frozen(kw_only=True)
class Condition:
    """
    One test on one column of the accounts table: ``column op value``.

    A missing value (NaN, None, NA) satisfies no condition, not even ``!=``
    or ``not in``: as in SQL, a comparison with an unknown is not true. An
    account whose ``seat_gap`` is unknown is therefore neither above nor
    below a seat-gap threshold, and falls through to the next rule.

    Attributes
    ----------
    column : str
        Column of the accounts table, such as ``"arr"`` or ``"industry"``.
    op : {'>=', '>', '<=', '<', '==', '!=', 'in', 'not in'}
        The comparison.
    value : str, number, bool, or tuple of them
        What the column is compared with: a finite number for ``>=``,
        ``>``, ``<=`` and ``<``; one str, number or bool for ``==`` and
        ``!=``; a non-empty list or tuple of them for ``in`` and ``not in``
        (stored as a tuple). For money columns the number is in minor units
        of the ledger's currency.

    Examples
    --------
    >>> import attrs
    >>> from subscription_metrics import tiers
    >>> cond = tiers.default_policy().rules[0].when[1]
    >>> cond
    Condition(column='arr', op='>=', value=6000000)
    >>> print(attrs.evolve(cond, column="industry", op="in",
    ...                    value=["finance", "retail"]))
    industry in ('finance', 'retail')
    >>> attrs.evolve(cond, op="=>")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'op' must be one of '>=', '>', '<=', '<', ..., got '=>'
    """

    column: str = field(validator=text_validator)
    op: Op = field(validator=_choice(OPS))
    value: Any = field(converter=_as_tuple, validator=_condition_value)

    def __str__(self) -> str:
        """Return the condition as ``column op value``."""
        return f"{self.column} {self.op} {self.value!r}"


@frozen(kw_only=True)
class TierRule:
    """
    A named rule: accounts that meet every condition get `tier`.

    Attributes
    ----------
    name : str
        Identifier, unique within a policy; `tiers.classify` reports it as
        the rule that decided each account.
    tier : {1, 2, 3}
        The tier the rule assigns.
    when : tuple of Condition
        Conditions that must all hold (AND). An empty tuple always holds:
        the last rule of a policy is such a catch-all. For OR, write two
        rules with the same tier.
    motion : {'high_touch', 'low_touch', 'tech_touch'} or None, default None
        The coverage motion for the accounts this rule decides, when it
        differs from the tier's profile (the default policy covers the likeliest
        Tier 2 accounts high-touch and the rest low-touch). None: the
        profile's motion.

    Examples
    --------
    >>> from subscription_metrics import tiers
    >>> rule = tiers.default_policy().rules[0]
    >>> print(rule)
    tier1_large_with_room: tier 1 if seat_gap >= 50 and arr >= 6000000
    >>> rule.tier, len(rule.when)
    (1, 2)
    """

    name: str = field(validator=text_validator)
    tier: int = field(converter=as_int, validator=_tier)
    when: tuple[Condition, ...] = field(
        default=(),
        converter=_as_tuple,
        validator=_tuple_of(Condition, empty=True),
    )
    motion: Motion | None = field(default=None)

    @motion.validator
    def _check_motion(self, attribute: Any, value: Any) -> None:
        if value is not None:
            _choice(MOTIONS)(self, attribute, value)

    def __str__(self) -> str:
        """Return the rule as ``name: tier N if a and b`` (``always`` if empty)."""
        if self.when:
            when = " and ".join(str(c) for c in self.when)
            text = f"{self.name}: tier {self.tier} if {when}"
        else:
            text = f"{self.name}: tier {self.tier} always"
        if self.motion is not None:
            text += f" ({self.motion})"
        return text


@frozen(kw_only=True)
class TierProfile:
    """
    How a tier is covered: the motion, the owning teams and the KPIs they carry.

    Attributes
    ----------
    tier : {1, 2, 3}
        The tier described.
    motion : {'high_touch', 'low_touch', 'tech_touch'}
        How accounts are covered: a named person (high touch), programmes
        for groups of accounts (low touch), or automated, product-led
        contact (tech touch).
    owners : tuple of Role
        The teams that own the tier's accounts, first the one that carries
        its KPIs (role names are accepted and converted).
    kpis : tuple of str
        The figures the owners are judged on.

    Examples
    --------
    >>> from subscription_metrics import tiers
    >>> profile = tiers.default_policy().profile(2)
    >>> profile.motion, [role.value for role in profile.owners]
    ('low_touch', ['customer_sales', 'customer_marketing'])
    >>> profile.kpis
    ('expansion_mrr', 'pipeline_mrr', 'pipeline_opportunities', 'accounts_owned')
    """

    tier: int = field(converter=as_int, validator=_tier)
    motion: Motion = field(validator=_choice(MOTIONS))
    owners: tuple[Role, ...] = field(
        converter=_roles, validator=[_tuple_of(Role, empty=False), _unique_items]
    )
    kpis: tuple[str, ...] = field(
        converter=_as_tuple, validator=[_tuple_of(str, empty=True), _unique_items]
    )


def _rules(instance: Any, attribute: Any, value: Any) -> None:
    _tuple_of(TierRule, empty=False)(instance, attribute, value)
    names = [rule.name for rule in value]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        msg = f"'rules' must have unique names, got {repeated} more than once"
        raise ValueError(msg)
    for rule in value[:-1]:
        if not rule.when:
            msg = (
                f"'rules': rule {rule.name!r} is unconditional, so the rules "
                "after it could never match; only the last rule may be "
                "unconditional"
            )
            raise ValueError(msg)
    last = value[-1]
    if last.when:
        msg = (
            f"'rules': the last rule ({last.name!r}) must be unconditional "
            "(an empty 'when'), so that every account gets a tier; "
            f"got when={tuple(str(c) for c in last.when)}"
        )
        raise ValueError(msg)


def _profiles(instance: Any, attribute: Any, value: Any) -> None:
    _tuple_of(TierProfile, empty=False)(instance, attribute, value)
    tiers = [profile.tier for profile in value]
    repeated = sorted({t for t in tiers if tiers.count(t) > 1})
    if repeated:
        msg = f"'profiles' must describe each tier once, got tiers {repeated} twice"
        raise ValueError(msg)


@frozen(kw_only=True)
class TierPolicy:
    """
    Ordered tier rules and the coverage profile of each tier.

    The first rule whose conditions all hold decides an account's tier, so
    every account gets exactly one tier, and the rule that gave it can be
    shown. The policy is checked when it is built: tiers are 1, 2 or 3;
    rule names are unique; only the last rule is unconditional, and it
    must be (classification is total); every tier a rule assigns has a
    profile.

    Attributes
    ----------
    rules : tuple of TierRule
        The rules, in the order they are tried.
    profiles : tuple of TierProfile
        One profile per tier the rules assign (a list is accepted).

    See Also
    --------
    subscription_metrics.tiers.default_policy : The default Tier 1-3 policy.
    subscription_metrics.tiers.classify : Apply a policy to a table of accounts.

    Examples
    --------
    >>> import attrs
    >>> from subscription_metrics import tiers
    >>> policy = tiers.default_policy()
    >>> [rule.name for rule in policy.rules]  # doctest: +NORMALIZE_WHITESPACE
    ['tier1_large_with_room', 'tier3_at_risk', 'tier2_seat_room', 'tier2_arr',
     'tier3_retain']
    >>> policy.columns
    ('seat_gap', 'arr', 'health_score')
    >>> attrs.evolve(policy, rules=policy.rules[:-1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'rules': the last rule ('tier2_arr') must be unconditional ...
    """

    rules: tuple[TierRule, ...] = field(converter=_as_tuple, validator=_rules)
    profiles: tuple[TierProfile, ...] = field(converter=_as_tuple, validator=_profiles)

    def __attrs_post_init__(self) -> None:
        """Check that every tier a rule assigns has a profile."""
        described = {profile.tier for profile in self.profiles}
        for rule in self.rules:
            if rule.tier not in described:
                msg = (
                    f"'profiles' must describe every tier the rules assign; "
                    f"rule {rule.name!r} assigns tier {rule.tier}, which has none"
                )
                raise ValueError(msg)

    def profile(self, tier: int) -> TierProfile:
        """
        Return the profile of `tier`.

        Parameters
        ----------
        tier : int
            1, 2 or 3.

        Returns
        -------
        TierProfile

        Raises
        ------
        KeyError
            If the policy has no profile for `tier`.

        Examples
        --------
        >>> from subscription_metrics import tiers
        >>> tiers.default_policy().profile(3).motion
        'tech_touch'
        """
        for profile in self.profiles:
            if profile.tier == tier:
                return profile
        msg = f"the policy has no profile for tier {tier!r}"
        raise KeyError(msg)

    def _repr_html_(self) -> str:
        """Return the rules, in order, and the profiles as HTML tables."""
        rules = [
            [
                position,
                rule.name,
                rule.tier,
                " and ".join(str(c) for c in rule.when) or "always",
                rule.motion or "",
            ]
            for position, rule in enumerate(self.rules, start=1)
        ]
        profiles = [
            [
                profile.tier,
                profile.motion,
                ", ".join(role.value for role in profile.owners),
                ", ".join(profile.kpis),
            ]
            for profile in self.profiles
        ]
        return _display.grid(
            "Tier rules (the first that holds decides)",
            ["#", "name", "tier", "when", "motion"],
            rules,
        ) + _display.grid(
            "Tier profiles", ["tier", "motion", "owners", "kpis"], profiles
        )

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the rules read, in the order they are first used."""
        seen: dict[str, None] = {}
        for rule in self.rules:
            for condition in rule.when:
                seen.setdefault(condition.column, None)
        return tuple(seen)


# --------------------------------------------------------------------------
# The kernel
# --------------------------------------------------------------------------


def _kind(series: pd.Series) -> str:
    """Return 'number', 'text', 'bool', 'complex' or 'other' (pandas decides)."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _kind(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_complex_dtype(dtype):
        return "complex"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_string_dtype(dtype) and dtype != np.dtype(object):
        return "text"
    return "other"


def _value_kind(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "bool"
    return "text" if isinstance(value, str) else "number"


def _mismatch(
    condition: Condition, rule: TierRule, column_kind: str, detail: str = ""
) -> InvalidTableError:
    return InvalidTableError(
        [
            Problem(
                table="accounts",
                column=condition.column,
                rule=f"comparable with rule {rule.name!r}",
                detail=detail
                or (
                    f"the condition {condition} needs "
                    f"{_value_kind(_first(condition.value))} values, "
                    f"the column holds {column_kind} values"
                ),
            )
        ]
    )


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, tuple) else value


def condition_mask(
    series: pd.Series, condition: Condition, rule: TierRule
) -> BoolArray:
    """
    Return where `condition` holds on `series`; False wherever a value is missing.

    Numeric columns are compared in numpy (int64 exactly); other columns
    with pandas on the present values only, so a missing value never reaches
    a comparison.
    """
    kind = _kind(series)
    values = condition.value if isinstance(condition.value, tuple) else ()
    wanted = {_value_kind(v) for v in values} or {_value_kind(condition.value)}
    if kind in ("number", "text") and wanted - {kind}:
        raise _mismatch(condition, rule, kind)
    if kind == "complex" or (kind == "bool" and condition.op in _ORDERING):
        raise _mismatch(condition, rule, kind)
    missing = series.isna().to_numpy(bool)
    if condition.op in _SETS:
        hit = series.isin(list(values)).to_numpy(bool)
        held = hit if condition.op == "in" else ~hit
        return np.asarray(held & ~missing)
    compare = _COMPARE[condition.op]
    dtype = series.dtype
    if kind == "number" and isinstance(dtype, np.dtype):
        raw = series.to_numpy()
        with np.errstate(invalid="ignore"):
            held = np.asarray(compare(raw, condition.value), bool)
        return held & ~missing
    if kind == "number":  # nullable Int64 / Float64: the missing rows are masked
        fill = 0 if dtype.kind in "iu" else 0.0
        raw = series.to_numpy(dtype=np.dtype(dtype.kind + "8"), na_value=fill)
        return np.asarray(compare(raw, condition.value), bool) & ~missing
    held = np.zeros(len(series), bool)
    present = ~missing
    if present.any():
        try:
            result = compare(series[present], condition.value)
        except TypeError as exc:
            raise _mismatch(
                condition,
                rule,
                kind,
                detail=f"the condition {condition} cannot compare its values ({exc})",
            ) from None
        held[present] = np.asarray(
            pd.Series(result).to_numpy(dtype=bool, na_value=False), bool
        )
    return held


def check_columns(accounts: pd.DataFrame, policy: TierPolicy) -> None:
    """Raise `InvalidTableError` naming each missing column and the rules reading it."""
    if not isinstance(accounts, pd.DataFrame):
        msg = f"'accounts' must be a pandas DataFrame, got {type(accounts).__name__}"
        raise TypeError(msg)
    read = [c.column for rule in policy.rules for c in rule.when]
    labels = check_labels(accounts, "accounts", read)
    if labels:
        raise InvalidTableError(labels)
    needed: dict[str, list[str]] = {}
    for rule in policy.rules:
        for condition in rule.when:
            if condition.column not in accounts.columns:
                names = needed.setdefault(condition.column, [])
                if rule.name not in names:
                    names.append(rule.name)
    if needed:
        raise InvalidTableError(
            [
                Problem(
                    table="accounts",
                    column=column,
                    rule="missing column",
                    detail=f"read by rule {', '.join(map(repr, names))}",
                )
                for column, names in needed.items()
            ]
        )


def rule_codes(accounts: pd.DataFrame, policy: TierPolicy) -> npt.NDArray[np.int64]:
    """Return, for every row, the position of the first rule that holds."""
    check_columns(accounts, policy)
    n = len(accounts)
    code = np.full(n, len(policy.rules) - 1, np.int64)  # the catch-all
    undecided = np.ones(n, bool)
    for position, rule in enumerate(policy.rules[:-1]):
        if not undecided.any():
            break
        held = undecided.copy()
        for condition in rule.when:
            held &= condition_mask(accounts[condition.column], condition, rule)
        code[held] = position
        undecided &= ~held
    return code


def classify_frame(accounts: pd.DataFrame, policy: TierPolicy) -> pd.DataFrame:
    """Classify every row of `accounts`; see `subscription_metrics.tiers.classify`."""
    code = rule_codes(accounts, policy)
    rules = policy.rules
    tier = np.array([rule.tier for rule in rules], np.int8)[code]
    profiles = [policy.profile(rule.tier) for rule in rules]
    motion = [
        rule.motion or profile.motion
        for rule, profile in zip(rules, profiles, strict=True)
    ]
    owners = [",".join(role.value for role in p.owners) for p in profiles]
    kpis = [",".join(p.kpis) for p in profiles]

    def labelled(per_rule: Sequence[str], categories: Sequence[str] = ()) -> Any:
        order = list(categories or dict.fromkeys(per_rule))
        lookup = np.array([order.index(label) for label in per_rule], np.int64)
        return pd.Categorical.from_codes(lookup[code], categories=pd.Index(order))

    return pd.DataFrame(
        {
            "tier": tier,
            "rule": labelled([rule.name for rule in rules]),
            "motion": labelled(motion, list(MOTIONS)),
            "owners": labelled(owners),
            "kpis": labelled(kpis),
        },
        index=accounts.index,
    )
