"""Health scores: signals, their normalisation and weights, bands and risk rules.

The records (`Signal`, `RiskRule`, `HealthModel`, `HealthEvaluation`) live
here with the kernels that use them; `subscription_metrics.health` holds the
public functions. Everything that grows with the number of accounts is a
numpy pass over whole columns.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen

from . import _display
from ._columns import ColumnSpec, TableSchema
from ._errors import InvalidTableError, Problem
from ._ledger import CHURN, Ledger, is_active
from ._validation import text_validator


def rankdata(values: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """
    Average ranks from 1 (``scipy.stats.rankdata``'s default), of values without NaN.

    Tied values share the mean of the ranks they span, a whole number or a
    half, so the ranks are exact. One stable sort; importing ``scipy.stats``
    for this would cost more than the ranking.
    """
    data = np.asarray(values)
    order = np.argsort(data, kind="stable")
    ordered = data[order]
    n = len(data)
    starts = np.flatnonzero(np.append(True, ordered[1:] != ordered[:-1]))
    ends = np.append(starts[1:], n)
    ranks = np.empty(n, np.float64)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


__all__ = [
    "DEFAULT_BANDS",
    "HealthEvaluation",
    "HealthModel",
    "RiskRule",
    "Signal",
    "assign_bands",
    "auc",
    "evaluate_scores",
    "normalised",
    "score_frame",
]

Direction = Literal["higher_is_better", "lower_is_better"]
Normalise = Literal["rank", "minmax", "threshold"]
Operator = Literal["<", "<=", ">", ">="]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

DIRECTIONS: Final = ("higher_is_better", "lower_is_better")
NORMALISATIONS: Final = ("rank", "minmax", "threshold")
OPERATORS: Final = ("<", "<=", ">", ">=")
DEFAULT_BANDS: Final = (("at_risk", 0.0), ("watch", 40.0), ("healthy", 70.0))
"""Default bands: at risk below 40, watch from 40 to below 70, healthy from 70."""


# --------------------------------------------------------------------------
# Validators and converters
# --------------------------------------------------------------------------


def _choice(choices: tuple[str, ...]) -> Any:
    def check(instance: Any, attribute: Any, value: Any) -> None:
        if value not in choices:
            allowed = ", ".join(repr(c) for c in choices)
            msg = f"{attribute.name!r} must be one of {allowed}, got {value!r}"
            raise ValueError(msg)

    return check


def _number(value: object) -> float:
    """Convert a real number to float; refuse booleans and text (TypeError)."""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        msg = f"expected a number, got {value!r}"
        raise TypeError(msg)
    return float(value)


def _optional_number(value: object) -> float | None:
    return None if value is None else _number(value)


def _finite(instance: Any, attribute: Any, value: Any) -> None:
    if value is not None and not math.isfinite(value):
        msg = f"{attribute.name!r} must be finite, got {value!r}"
        raise ValueError(msg)


def _positive(instance: Any, attribute: Any, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        msg = f"{attribute.name!r} must be a positive finite number, got {value!r}"
        raise ValueError(msg)


def _named(
    kind: type, what: str
) -> Any:  # validator: a non-empty tuple of `kind` with unique names
    def check(instance: Any, attribute: Any, value: tuple[Any, ...]) -> None:
        wrong = [item for item in value if not isinstance(item, kind)]
        if wrong:
            msg = (
                f"{attribute.name!r} must hold {kind.__name__} records, "
                f"got {wrong[0]!r}"
            )
            raise TypeError(msg)
        names = [item.name for item in value]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            msg = f"{attribute.name!r} must have unique {what} names, got {repeated}"
            raise ValueError(msg)

    return check


def _as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    return tuple(value)


def _non_empty(instance: Any, attribute: Any, value: tuple[Any, ...]) -> None:
    if not value:
        msg = f"{attribute.name!r} must hold at least one item"
        raise ValueError(msg)


def _bands(value: object) -> tuple[tuple[str, float], ...]:
    """Convert bands given as a mapping or as (name, lower bound) pairs."""
    if isinstance(value, Mapping):
        items: list[object] = list(value.items())
    elif isinstance(value, tuple | list):
        items = list(value)
    else:
        msg = f"'bands' must be (name, lower bound) pairs, got {value!r}"
        raise TypeError(msg)
    out: list[tuple[str, float]] = []
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            msg = f"'bands' must be (name, lower bound) pairs, got {item!r}"
            raise TypeError(msg)
        name, lower = item
        if not isinstance(name, str) or not name:
            msg = f"'bands' names must be non-empty str, got {name!r}"
            raise TypeError(msg)
        out.append((name, _number(lower)))
    return tuple(out)


def check_bands(bands: tuple[tuple[str, float], ...]) -> None:
    """Raise ``ValueError`` unless `bands` start at 0 and rise strictly below 100."""
    if not bands:
        msg = "'bands' must hold at least one band"
        raise ValueError(msg)
    names = [name for name, _ in bands]
    lows = [low for _, low in bands]
    if len(set(names)) < len(names):
        msg = f"'bands' must have unique names, got {names}"
        raise ValueError(msg)
    if lows[0] != 0:
        msg = f"'bands' must start at a lower bound of 0, got {lows[0]!r}"
        raise ValueError(msg)
    if any(b <= a for a, b in itertools.pairwise(lows)) or lows[-1] >= 100:
        msg = f"'bands' lower bounds must rise strictly and stay below 100, got {lows}"
        raise ValueError(msg)


def _bands_validator(instance: Any, attribute: Any, value: Any) -> None:
    check_bands(value)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@frozen(kw_only=True)
class Signal:
    """
    One input of a health score: a column, how to turn it into [0, 1], its weight.

    A signal's *normalised value* is in [0, 1], where 1 is the healthy end:
    for a ``lower_is_better`` signal the scale is turned round, so every
    normalised value reads the same way.

    Attributes
    ----------
    name : str
        Label of the signal; the score's output columns are
        ``<name>_normalised`` and ``<name>_contribution``.
    column : str
        Column of the signals table that holds the raw values (NaN where an
        account has no value).
    weight : float
        Relative weight, > 0. A model divides the weights by their sum, so
        only their ratios matter.
    direction : {'higher_is_better', 'lower_is_better'}, default 'higher_is_better'
        Which end of the raw scale is healthy.
    normalise : {'rank', 'minmax', 'threshold'}, default 'minmax'
        How raw values become [0, 1]:

        - ``'minmax'``: clipped to [`low`, `high`] and scaled linearly;
          a bound left as None is the smallest (largest) value among the
          accounts scored together. When every account has the same value
          and both bounds come from the data, each gets 0.5; when the data
          lie wholly beyond a fixed bound, each gets that bound's end.
        - ``'rank'``: the mid-distribution percentile among the accounts
          scored together: the share of accounts below, ties counting half,
          the account itself included, so ``(midrank - 0.5) / n``.
        - ``'threshold'``: 1 at or beyond `threshold` on the healthy side
          (``>=`` when higher is better, ``<=`` when lower is), else 0.
    low, high : float or None
        The bounds of ``'minmax'`` (only).
    threshold : float or None
        The cut of ``'threshold'``, required by it and refused by the others.

    Examples
    --------
    >>> import attrs
    >>> from subscription_metrics import health
    >>> usage = health.default_model().signals[0]
    >>> usage.name, usage.weight, usage.normalise, usage.low, usage.high
    ('feature_usage_rate', 0.3, 'minmax', 0.0, 1.0)
    >>> attrs.evolve(usage, weight=-1)
    Traceback (most recent call last):
    ValueError: 'weight' must be a positive finite number, got -1.0
    >>> attrs.evolve(usage, normalise="rank")
    Traceback (most recent call last):
    ValueError: 'low' and 'high' apply only to normalise='minmax', got low=0.0, high=1.0
    """

    name: str = field(validator=text_validator)
    column: str = field(validator=text_validator)
    weight: float = field(converter=_number, validator=_positive)
    direction: Direction = field(
        default="higher_is_better", validator=_choice(DIRECTIONS)
    )
    normalise: Normalise = field(default="minmax", validator=_choice(NORMALISATIONS))
    low: float | None = field(
        default=None, converter=_optional_number, validator=_finite
    )
    high: float | None = field(
        default=None, converter=_optional_number, validator=_finite
    )
    threshold: float | None = field(
        default=None, converter=_optional_number, validator=_finite
    )

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        bounded = self.low is not None or self.high is not None
        if self.normalise != "minmax" and bounded:
            msg = (
                "'low' and 'high' apply only to normalise='minmax', "
                f"got low={self.low!r}, high={self.high!r}"
            )
            raise ValueError(msg)
        if (self.normalise == "threshold") != (self.threshold is not None):
            msg = (
                "'threshold' is required by normalise='threshold' and refused "
                f"by the others, got normalise={self.normalise!r}, "
                f"threshold={self.threshold!r}"
            )
            raise ValueError(msg)
        if self.low is not None and self.high is not None and self.low >= self.high:
            msg = (
                f"'low' must be below 'high', got low={self.low!r}, high={self.high!r}"
            )
            raise ValueError(msg)


@frozen(kw_only=True)
class RiskRule:
    """
    A flag raised on an account whose raw signal crosses a threshold.

    The rule reads the raw column (not the normalised value), so it says
    what the team agreed on in the unit they think in:
    "feature usage under 20% triggers proactive support" is
    ``RiskRule(name="low_feature_usage", column="feature_usage_rate",
    operator="<", threshold=0.2, action="proactive support")``.
    A missing value raises no flag (its comparison is false); the score's
    ``signals_present`` column shows which accounts lack data.

    Attributes
    ----------
    name : str
        Label; the score's flag column is ``risk_<name>``.
    column : str
        Column of the signals table the rule reads.
    operator : {'<', '<=', '>', '>='}
        How the value is compared with `threshold`.
    threshold : float
        The caller's threshold, finite.
    action : str, default ''
        What to do about a flagged account (for people reading the model).

    Examples
    --------
    >>> from subscription_metrics import health
    >>> rule = health.default_model().risk_rules[0]
    >>> rule.column, rule.operator, rule.threshold, rule.action
    ('feature_usage_rate', '<', 0.2, 'proactive support')
    """

    name: str = field(validator=text_validator)
    column: str = field(validator=text_validator)
    operator: Operator = field(validator=_choice(OPERATORS))
    threshold: float = field(converter=_number, validator=_finite)
    action: str = field(default="")

    def flags(self, values: FloatArray) -> BoolArray:
        """Return where `values` cross the threshold (False where NaN)."""
        t = self.threshold
        with np.errstate(invalid="ignore"):
            if self.operator == "<":
                return values < t
            if self.operator == "<=":
                return values <= t
            if self.operator == ">":
                return values > t
            return values >= t


@frozen(kw_only=True)
class HealthModel:
    """
    A health score: weighted signals, bands on the 0-100 score, and risk rules.

    Attributes
    ----------
    signals : tuple of Signal
        At least one signal, with unique names.
    bands : tuple of (str, float), default `DEFAULT_BANDS`
        Named bands from worst to best, each with the lowest score it holds:
        the first starts at 0 and the bounds rise strictly below 100; a band
        holds the scores from its bound up to (not including) the next one's,
        and the last one holds 100. A mapping ``{name: lower bound}`` is
        accepted too. The default is ``at_risk`` below 40, ``watch`` from 40,
        ``healthy`` from 70.
    risk_rules : tuple of RiskRule, default ()
        Flags raised independently of the score.

    Examples
    --------
    >>> import attrs
    >>> from subscription_metrics import health
    >>> model = health.default_model()
    >>> model.weights()
    {'feature_usage_rate': 0.3, 'active_user_share': 0.25, 'logins_per_active_user': 0.15, 'tickets_per_account_month': 0.15, 'nps': 0.15}
    >>> attrs.evolve(model, bands={"red": 0, "green": 50}).bands
    (('red', 0.0), ('green', 50.0))
    >>> attrs.evolve(model, bands={"red": 10, "green": 50})
    Traceback (most recent call last):
    ValueError: 'bands' must start at a lower bound of 0, got 10.0
    """  # noqa: E501

    signals: tuple[Signal, ...] = field(
        converter=_as_tuple, validator=[_non_empty, _named(Signal, "signal")]
    )
    bands: tuple[tuple[str, float], ...] = field(
        default=DEFAULT_BANDS, converter=_bands, validator=_bands_validator
    )
    risk_rules: tuple[RiskRule, ...] = field(
        default=(), converter=_as_tuple, validator=_named(RiskRule, "risk rule")
    )

    def weights(self) -> dict[str, float]:
        """Return each signal's weight divided by the sum of the weights."""
        total = math.fsum(signal.weight for signal in self.signals)
        return {signal.name: signal.weight / total for signal in self.signals}


@frozen(kw_only=True)
class HealthEvaluation:
    """
    How well a health score foretold churn: churn by band, lift and AUC.

    Returned by ``health.evaluate``. The accounts evaluated are the scored
    accounts (with a score) that the ledger counts as active at the end of
    `as_of`; an account *churned* when the ledger has a churn movement for it
    in the `horizon_months` months after `as_of`.

    Attributes
    ----------
    by_band : pandas.DataFrame
        One row per band, worst first, and an ``"All"`` row: ``customers``,
        ``churned``, ``churn_rate`` (churned / customers), ``lift`` (the
        band's churn rate over the overall rate), ``share_of_customers`` and
        ``share_of_churned``. NaN where undefined (an empty band, no churn).
    auc : float
        Area under the ROC curve of the score as a predictor of *staying*:
        the probability that a random account that stayed scored higher than
        a random one that churned, ties counting half (Mann-Whitney U over
        the product of the group sizes). 1 is perfect, 0.5 is chance, 0 is
        perfectly reversed; NaN when nobody (or everybody) churned.
    accounts : pandas.DataFrame
        One row per scored account, indexed like the scores: ``score``,
        ``band``, ``in_ledger``, ``active`` (at the end of `as_of`),
        ``evaluated`` and ``churned`` (nullable boolean: NA where the account
        was not evaluated).
    as_of : pandas.Period
        The month whose end the accounts were scored at.
    horizon_months : int
        How many months after `as_of` churn was looked for.
    scored : int
        Rows of the scores table.
    evaluated : int
        Accounts counted in `by_band` and `auc`.
    not_in_ledger : int
        Scored accounts the ledger does not know.
    not_active : int
        Scored accounts the ledger knows but that were not active at `as_of`.
    unscored : int
        Active scored accounts whose score is NaN (no signal present).
    active_not_scored : int
        Customers active in the ledger at `as_of` that have no row in the
        scores: the score's coverage gap.

    Examples
    --------
    See ``health.evaluate``.
    """

    by_band: pd.DataFrame = field(repr=False)
    auc: float
    accounts: pd.DataFrame = field(repr=False)
    as_of: pd.Period
    horizon_months: int
    scored: int
    evaluated: int
    not_in_ledger: int
    not_active: int
    unscored: int
    active_not_scored: int

    def _counts(self) -> list[tuple[str, object]]:
        return [
            ("auc", self.auc),
            ("as_of", str(self.as_of)),
            ("horizon_months", self.horizon_months),
            ("scored", self.scored),
            ("evaluated", self.evaluated),
            ("not_in_ledger", self.not_in_ledger),
            ("not_active", self.not_active),
            ("unscored", self.unscored),
            ("active_not_scored", self.active_not_scored),
        ]

    def __repr__(self) -> str:
        """Return the AUC (rounded) and the counts on one line; not the tables."""
        shown = ", ".join(f"{k}={_display.number(v)}" for k, v in self._counts())
        return f"HealthEvaluation({shown})"

    def _repr_html_(self) -> str:
        """Return the counts and the churn by band as HTML tables."""
        columns = [str(c) for c in self.by_band.columns]
        rows = [
            [str(label), *values]
            for label, values in zip(
                self.by_band.index, self.by_band.to_numpy().tolist(), strict=True
            )
        ]
        header = [str(self.by_band.index.name or ""), *columns]
        return _display.table("HealthEvaluation", self._counts()) + _display.grid(
            "Churn by band", header, rows
        )


# --------------------------------------------------------------------------
# Kernels
# --------------------------------------------------------------------------


def normalised(values: FloatArray, signal: Signal) -> FloatArray:
    """
    Return `values` mapped to [0, 1] by `signal` (1 healthy), NaN where missing.

    Vectorised: one pass (``'minmax'``, ``'threshold'``) or one rank
    (``'rank'``, with midranks for ties) over the accounts.
    """
    present = ~np.isnan(values)
    out = np.full(len(values), np.nan)
    if not present.any():
        return out
    kept = values[present]
    if signal.normalise == "rank":
        scaled = (rankdata(kept) - 0.5) / len(kept)
    elif signal.normalise == "threshold":
        assert signal.threshold is not None
        good = (
            kept >= signal.threshold
            if signal.direction == "higher_is_better"
            else kept <= signal.threshold
        )
        out[present] = good.astype(np.float64)
        return out
    else:
        low = float(kept.min()) if signal.low is None else signal.low
        high = float(kept.max()) if signal.high is None else signal.high
        if high > low:
            scaled = (np.clip(kept, low, high) - low) / (high - low)
        elif signal.low is not None:  # every value at or below the fixed low
            scaled = np.zeros(len(kept))
        elif signal.high is not None:  # every value at or above the fixed high
            scaled = np.ones(len(kept))
        else:  # one value, or every account alike: no spread to place them on
            scaled = np.full(len(kept), 0.5)
    if signal.direction == "lower_is_better":
        scaled = 1.0 - scaled
    out[present] = scaled
    return out


def _numeric(
    doc: str, low: float | None = None, high: float | None = None
) -> ColumnSpec:
    """Return the spec of a numeric column a score reads (NaN or NA: missing)."""
    return ColumnSpec(
        kind="number", required=True, nullable=True, low=low, high=high, doc=doc
    )


#: What each column of ``health.signals`` may hold, when a model reads it.
SIGNAL_SPECS: Final = {
    "months_observed": ColumnSpec(
        kind="count", required=True, nullable=True, doc="Months with usage."
    ),
    "feature_usage_rate": _numeric("Mean feature usage rate.", 0.0, 1.0),
    "active_user_share": _numeric("Active users over seats.", 0.0),
    "logins_per_active_user": _numeric("Logins over active users.", 0.0),
    "tickets": ColumnSpec(
        kind="count", required=True, nullable=True, doc="Tickets opened."
    ),
    "tickets_per_account_month": _numeric("Tickets per month observed.", 0.0),
    "nps": _numeric("Mean recommend score.", 0.0, 10.0),
}


def _index_name(frame: pd.DataFrame) -> str:
    name = frame.index.name
    return name if isinstance(name, str) and name else "customer_id"


def checked_columns(
    frame: pd.DataFrame, table: str, specs: Mapping[str, ColumnSpec]
) -> dict[str, FloatArray]:
    """
    Check the columns a score reads, and the row labels (one row per account).

    Every column is numeric, finite or missing, and within its range (those
    of `SIGNAL_SPECS` for the columns ``health.signals`` makes); the index
    holds each account once. Raises `InvalidTableError` naming every
    problem; returns each column as float64 with NaN for missing.
    """
    from ._schema import check_frame

    key = _index_name(frame)
    id_spec = ColumnSpec(kind="id", required=True, nullable=False, unique=True)
    schema = TableSchema(table=table, columns={key: id_spec, **specs})
    out, problems = check_frame(frame, schema, index=key)
    if problems:
        raise InvalidTableError(problems)
    return {
        name: out[name].to_numpy(np.float64, na_value=np.nan)
        for name in specs
        if name != key
    }


def _signal_specs(model: HealthModel) -> dict[str, ColumnSpec]:
    columns = [s.column for s in model.signals] + [r.column for r in model.risk_rules]
    return {
        name: SIGNAL_SPECS.get(name, _numeric("A signal the model reads."))
        for name in dict.fromkeys(columns)
    }


def assign_bands(
    score: FloatArray, bands: tuple[tuple[str, float], ...]
) -> pd.Categorical[str]:
    """Return each score's band as an ordered categorical (NaN score: missing)."""
    lows = np.array([low for _, low in bands])
    codes = np.searchsorted(lows, score, side="right") - 1
    codes[np.isnan(score)] = -1
    return pd.Categorical.from_codes(
        codes, categories=pd.Index([name for name, _ in bands]), ordered=True
    )


def score_frame(signals: pd.DataFrame, model: HealthModel) -> pd.DataFrame:
    """Score every row of `signals` with `model` (see ``health.score``)."""
    if not isinstance(signals, pd.DataFrame):
        msg = f"'signals' must be a pandas DataFrame, got {type(signals).__name__}"
        raise TypeError(msg)
    if not isinstance(model, HealthModel):
        msg = f"'model' must be a HealthModel, got {type(model).__name__}"
        raise TypeError(msg)
    weights = model.weights()
    n = len(signals)
    raw = checked_columns(signals, "signals", _signal_specs(model))
    values = {s.name: normalised(raw[s.column], s) for s in model.signals}
    raw_rules = {rule.name: raw[rule.column] for rule in model.risk_rules}
    # Summed signal by signal in one order, so that the weighted sum of
    # values in [0, 1] never exceeds the weight present: the score stays
    # within [0, 100] without clipping.
    weighted = np.zeros(n)
    present_weight = np.zeros(n)
    present = np.zeros(n, np.int64)
    for s in model.signals:
        known = ~np.isnan(values[s.name])
        weighted += np.where(known, weights[s.name] * values[s.name], 0.0)
        present_weight += np.where(known, weights[s.name], 0.0)
        present += known
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(present_weight > 0, weighted / present_weight, np.nan)
        share = 100.0 / present_weight
    score = 100.0 * ratio
    columns: dict[str, Any] = {
        "score": score,
        "band": assign_bands(score, model.bands),
        "signals_present": present,
        "weight_present": present_weight,
    }
    for s in model.signals:
        columns[f"{s.name}_normalised"] = values[s.name]
    for s in model.signals:
        columns[f"{s.name}_contribution"] = weights[s.name] * values[s.name] * share
    flags = np.zeros(n, np.int64)
    for rule in model.risk_rules:
        flagged = rule.flags(raw_rules[rule.name])
        columns[f"risk_{rule.name}"] = flagged
        flags += flagged
    columns["risks"] = flags
    return pd.DataFrame(columns, index=signals.index)


def auc(score: FloatArray, churned: BoolArray) -> float:
    """
    Probability that a stayer scores above a churner, ties counting half.

    Mann-Whitney: with midranks R of all scores, the stayers' rank sum minus
    its smallest possible value, over the number of stayer-churner pairs.
    NaN when either group is empty.
    """
    n_churned = int(churned.sum())
    n_stayed = len(churned) - n_churned
    if n_churned == 0 or n_stayed == 0:
        return math.nan
    ranks = rankdata(score)
    stayed_rank_sum = math.fsum(ranks[~churned])
    u = stayed_rank_sum - n_stayed * (n_stayed + 1) / 2.0
    return float(u / (n_stayed * n_churned))


def ledger_status(
    ledger: Ledger, as_of: int, horizon: int
) -> tuple[BoolArray, BoolArray]:
    """
    Return, per ledger customer, active at the end of `as_of` and churned after.

    Active follows the ledger's own test on the customer's MRR and
    subscriptions after its last event on or before `as_of`; churned means a
    churn movement in a month of (as_of, as_of + horizon].
    """
    ev = ledger._events
    n = len(ledger.customers)
    active = np.zeros(n, bool)
    seen = np.flatnonzero(ev.month <= as_of)
    if len(seen):
        who = ev.customer[seen]
        last = seen[np.append(who[1:] != who[:-1], True)]  # events sorted by both
        active[ev.customer[last]] = is_active(
            ev.mrr_after[last], ev.count_after[last], ledger.conventions
        )
    lost = (ev.kind == CHURN) & (ev.month > as_of) & (ev.month <= as_of + horizon)
    churned = np.zeros(n, bool)
    churned[ev.customer[lost]] = True
    return active, churned


def _band_table(codes: IntArray, churned: BoolArray, names: pd.Index) -> pd.DataFrame:
    n_bands = len(names)
    customers = np.bincount(codes, minlength=n_bands).astype(np.int64)
    lost = np.bincount(codes[churned], minlength=n_bands).astype(np.int64)
    customers = np.append(customers, customers.sum())
    lost = np.append(lost, lost.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(customers > 0, lost / np.maximum(customers, 1), np.nan)
        overall = rate[-1]
        lift = np.where(overall > 0, rate / overall, np.nan)
        share_customers = np.where(
            customers[-1] > 0, customers / max(int(customers[-1]), 1), np.nan
        )
        share_churned = np.where(lost[-1] > 0, lost / max(int(lost[-1]), 1), np.nan)
    index = pd.Index([*map(str, names), "All"], name="band", dtype=object)
    return pd.DataFrame(
        {
            "customers": customers,
            "churned": lost,
            "churn_rate": rate,
            "lift": lift,
            "share_of_customers": share_customers,
            "share_of_churned": share_churned,
        },
        index=index,
    )


def evaluate_scores(
    scores: pd.DataFrame,
    ledger: Ledger,
    *,
    as_of: int,
    horizon: int,
    bands: tuple[tuple[str, float], ...] | None,
) -> HealthEvaluation:
    """Join scores with the ledger's churn after `as_of` (see ``health.evaluate``)."""
    if not isinstance(scores, pd.DataFrame):
        msg = f"'scores' must be a pandas DataFrame, got {type(scores).__name__}"
        raise TypeError(msg)
    score_spec = _numeric("The health score, 0-100.", 0.0, 100.0)
    score = checked_columns(scores, "scores", {"score": score_spec})["score"]
    band: pd.Categorical[str]
    if bands is not None:
        band = assign_bands(score, bands)
    else:
        from ._schema import check_labels

        labels = check_labels(scores, "scores", ["band"])
        if labels:
            raise InvalidTableError(labels)
        if "band" in scores.columns and isinstance(
            scores["band"].dtype, pd.CategoricalDtype
        ):
            band = pd.Categorical(scores["band"])
        else:
            present = "band" in scores.columns
            raise InvalidTableError(
                [
                    Problem(
                        table="scores",
                        column="band",
                        rule="wrong type" if present else "missing column",
                        detail="a categorical band, as health.score returns it; "
                        "or pass bands= (for example model.bands)",
                    )
                ]
            )
    active_of, churned_of = ledger_status(ledger, as_of, horizon)
    code = pd.Index(ledger.customers["customer_id"]).get_indexer(scores.index)
    in_ledger = code >= 0
    active = np.zeros(len(scores), bool)
    active[in_ledger] = active_of[code[in_ledger]]
    has_score = ~np.isnan(score)
    evaluated = active & has_score
    churned = np.zeros(len(scores), bool)
    churned[evaluated] = churned_of[code[evaluated]]
    band_codes = np.asarray(band.codes, np.int64)
    if (band_codes[evaluated] < 0).any():
        msg = "'scores' has accounts with a score but no band; pass bands="
        raise ValueError(msg)
    table = _band_table(
        band_codes[evaluated], churned[evaluated], pd.Index(band.categories)
    )
    covered = np.zeros(len(ledger.customers), bool)
    covered[code[in_ledger]] = True
    churn_flag = pd.array(churned, dtype="boolean")
    churn_flag[~evaluated] = pd.NA
    accounts = pd.DataFrame(
        {
            "score": score,
            "band": band,
            "in_ledger": in_ledger,
            "active": active,
            "evaluated": evaluated,
            "churned": churn_flag,
        },
        index=scores.index,
    )
    return HealthEvaluation(
        by_band=table,
        auc=auc(score[evaluated], churned[evaluated]),
        accounts=accounts,
        as_of=pd.Period(ordinal=as_of, freq="M"),
        horizon_months=horizon,
        scored=len(scores),
        evaluated=int(evaluated.sum()),
        not_in_ledger=int((~in_ledger).sum()),
        not_active=int((in_ledger & ~active).sum()),
        unscored=int((active & ~has_score).sum()),
        active_not_scored=int((active_of & ~covered).sum()),
    )
