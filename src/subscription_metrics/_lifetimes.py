"""Customer lifetimes from a ledger, early LTV per segment, and a backtest.

`lifetimes` turns the ledger's MRR events into one paid spell per customer
(or per spell, by ``Conventions.lifetime_spells``) with its start, its end or
censoring at ``as_of``, and the attributes to group by. It works on the
ledger's sorted event arrays: the status switches (inactive to active and
back) alternate per customer, so each activation's churn is the next switch
of the same customer, and no Python loop runs per customer.

`early_ltv` fits a retention curve per segment to those lifetimes (the
shifted-beta-geometric model, or Kaplan-Meier with a geometric tail) and
turns it into a lifetime value with an interval and a flag for thin data.
`backtest` measures how well a fit on each customer's first months predicted
what happened later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal, TypeAlias, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen
from scipy.special import betaln

from . import _kernels as k
from ._arpa import (
    RESAMPLE_BELOW,
    ArpaSums,
    arpa_sums,
    check_resample_below,
    resampled_arpa,
)
from ._conventions import Conventions
from ._economics import ltv_from_survival, monthly_discount_rate
from ._km import (
    _frame,
    check_alpha,
    finish_table,
    group_codes,
    kaplan_meier,
    survival_at,
)
from ._ledger import Ledger, MonthLike, _month_or_none, is_active
from ._sbg import (
    fit_counts,
    generator,
    lifetime_fits,
    lifetimes_and_survival,
    percentile_band,
    simulated_from_sizes,
    window_sizes,
)
from ._validation import check_by, check_int, check_level
from .churn import _rate_conventions

__all__ = [
    "BACKTEST_COLUMNS",
    "LIFETIME_COLUMNS",
    "backtest",
    "early_ltv",
    "lifetimes",
]

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
IntArray: TypeAlias = "npt.NDArray[np.int64]"
BoolArray: TypeAlias = "npt.NDArray[np.bool_]"
Model: TypeAlias = Literal["sbg", "km"]

LIFETIME_COLUMNS: Final = (
    "customer_id",
    "cohort",
    "spell",
    "start",
    "end",
    "duration",
    "observed",
    "age",
    "start_mrr",
)
"""Columns of `lifetimes`, in order; the `by` attributes follow them."""

BACKTEST_COLUMNS: Final = (
    "customers",
    "churned_in_fit",
    "projected",
    "actual",
    "error",
    "abs_error",
)
"""Columns of `backtest`, in order."""

_MODELS: Final = get_args(Model)
_HORIZONS: Final = (3, 6, 12, 24)


# --------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------


def _names(by: str | Sequence[str] | None, *, required: bool = False) -> list[str]:
    """Return `by` as a list of attribute names."""
    check_by(by)
    if by is None:
        names: list[str] = []
    elif isinstance(by, str):
        names = [by]
    else:
        names = list(by)
        if any(not isinstance(name, str) for name in names):
            msg = f"'by' must be a column name or a sequence of names, got {by!r}"
            raise TypeError(msg)
    if required and not names:
        msg = f"'by' must name at least one attribute (or 'cohort'), got {by!r}"
        raise ValueError(msg)
    taken = [n for n in names if n in LIFETIME_COLUMNS and n != "cohort"]
    if taken:
        msg = f"'by' must not name a lifetime column other than 'cohort', got {taken}"
        raise ValueError(msg)
    if len(set(names)) != len(names):
        msg = f"'by' must not repeat a name, got {names}"
        raise ValueError(msg)
    return names


def _as_of(ledger: Ledger, as_of: MonthLike | None) -> int | None:
    """Return the month ordinal of `as_of` (the ledger's last month by default)."""
    last = None if ledger.last_month is None else int(ledger.last_month.ordinal)
    month = _month_or_none(as_of, "as_of")
    if month is None:
        return last
    if last is None or month > last:
        shown = "no months" if last is None else f"its last month, {ledger.last_month}"
        msg = (
            "'as_of' must not be after the ledger's data (the ledger has "
            f"{shown}), got {pd.Period(ordinal=month, freq='M')}"
        )
        raise ValueError(msg)
    return month


def _horizons(values: Sequence[int], *, name: str, low: int) -> list[int]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        msg = f"{name!r} must be a sequence of ints, got {values!r}"
        raise TypeError(msg)
    out = [check_int(v, name=name, low=low) for v in values]
    if not out or len(set(out)) != len(out):
        msg = f"{name!r} must be one or more distinct months, got {list(values)!r}"
        raise ValueError(msg)
    return out


def _model(model: object) -> Model:
    if model not in _MODELS:
        msg = f"'model' must be one of {', '.join(map(repr, _MODELS))}, got {model!r}"
        raise ValueError(msg)
    return "sbg" if model == "sbg" else "km"


def _seed(seed: object) -> int | np.random.Generator:
    if isinstance(seed, bool) or not isinstance(
        seed, int | np.integer | np.random.Generator
    ):
        msg = f"'seed' must be an int or a numpy Generator, got {seed!r}"
        raise TypeError(msg)
    return seed if isinstance(seed, np.random.Generator) else int(seed)


# --------------------------------------------------------------------------
# Lifetimes
# --------------------------------------------------------------------------


@frozen
class _Subjects:
    """One row per subject (paid spell), in ledger customer-code order."""

    customer: IntArray  # code into ledger.customers
    cohort: IntArray  # month ordinal of the customer's first paid month
    spell: IntArray  # 1 for the first paid spell, 2 for the next, ...
    start: IntArray  # month ordinal of the spell's first paid month
    end: IntArray  # month ordinal of its last paid month (as_of if censored)
    observed: BoolArray  # the churn was seen by as_of
    start_mrr: IntArray  # MRR in the spell's first month, minor units
    as_of: int

    @property
    def duration(self) -> IntArray:
        """Months paid, >= 1."""
        out: IntArray = self.end - self.start + 1
        return out

    @property
    def age(self) -> IntArray:
        """Churn age (= duration) if observed, else the age at as_of."""
        out: IntArray = self.end - self.start + self.observed.astype(np.int64)
        return out

    def take(self, rows: npt.NDArray[np.intp] | BoolArray) -> _Subjects:
        """Return the subjects at *rows*."""
        return _Subjects(
            self.customer[rows],
            self.cohort[rows],
            self.spell[rows],
            self.start[rows],
            self.end[rows],
            self.observed[rows],
            self.start_mrr[rows],
            self.as_of,
        )


def _subjects(ledger: Ledger, as_of: int | None, spells: str) -> _Subjects:
    """Every paid spell of every customer through `as_of`, from the events."""
    ev = ledger._events
    empty = np.zeros(0, np.int64)
    if as_of is None:
        return _Subjects(
            empty, empty, empty, empty, empty, np.zeros(0, np.bool_), empty, 0
        )
    customer, month = ev.customer, ev.month
    mrr, count = ev.mrr_after, ev.count_after
    if len(month) and int(month.max()) > as_of:  # sorted by customer, then month
        keep = month <= as_of
        customer, month = customer[keep], month[keep]
        mrr, count = mrr[keep], count[keep]
    active = is_active(mrr, count, ledger.conventions)
    before = k.previous_in_group(active, k.group_starts(customer), False)
    # Status switches alternate per customer, starting with an activation.
    switch = np.flatnonzero(active != before)
    who = customer[switch]
    on = active[switch]
    opens = np.flatnonzero(on)
    after = opens + 1
    closed = after < len(switch)
    closed[closed] = who[after[closed]] == who[opens[closed]]
    spell = k.grouped_cumsum(on.astype(np.int64), k.group_starts(who))[opens]
    subject = who[opens].astype(np.int64)  # the events' int32, widened
    start = month[switch[opens]].astype(np.int64)
    end = np.full(len(opens), as_of, np.int64)
    end[closed] = month[switch[after[closed]]] - 1
    cohort_of = np.zeros(len(ledger.customers), np.int64)
    first = spell == 1
    cohort_of[subject[first]] = start[first]
    subjects = _Subjects(
        subject,
        cohort_of[subject],
        spell,
        start,
        end,
        closed,
        mrr[switch[opens]],
        as_of,
    )
    return subjects.take(first) if spells == "first" else subjects


def _periods(ordinals: IntArray) -> pd.arrays.PeriodArray:
    return pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype("M"))


def _attributes(
    ledger: Ledger, subjects: _Subjects, names: list[str]
) -> dict[str, Any]:
    """Return every subject's `by` attributes ('cohort': the first paid month)."""
    values: dict[str, Any] = {}
    for name in names:
        if name == "cohort":
            values[name] = _periods(subjects.cohort)
        else:
            values[name] = ledger.customer_attribute(name).array.take(subjects.customer)
    return values


def _groups(
    ledger: Ledger, subjects: _Subjects, names: list[str]
) -> tuple[IntArray, pd.DataFrame | None]:
    """Group code per subject and one row of labels per group (NA sorted last)."""
    n = len(subjects.customer)
    if not names:
        return np.zeros(n, np.int64), None
    frame = pd.DataFrame(_attributes(ledger, subjects, names))
    return group_codes(frame, n)


def lifetimes(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    as_of: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Return one lifetime per customer (or per paid spell), from a ledger.

    A lifetime runs from a customer's first paid month to its churn, or to
    `as_of` when it is still paying then (right-censored). It is what
    `kaplan_meier` and `sbg_fit_lifetimes` take: give them ``age`` and
    ``observed``.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read. A customer is paying in a month when it is active
        then, per ``conventions.zero_mrr``.
    by : str or sequence of str, optional
        Customer attributes to add as columns (as for
        ``ledger.bridge(..., by=...)``); ``"cohort"`` is always a column.
    as_of : pandas.Period, str or date, optional
        The month the lifetimes are seen from: events after it are ignored.
        By default the ledger's last month; a later month is an error.
    conventions : Conventions, optional
        Choices other than the ledger's; only those that do not shape the
        ledger may differ. ``lifetime_spells`` decides what a lifetime is.

    Returns
    -------
    pandas.DataFrame
        One row per subject, sorted by ``customer_id`` and ``spell``, with
        the columns `LIFETIME_COLUMNS` and then the `by` attributes:

        - ``customer_id``;
        - ``cohort``: the customer's first paid month (monthly `Period`), the
          cohort of ``cohorts.retention``; every spell of a customer has it;
        - ``spell``: 1 for the customer's first paid spell, 2 for the spell
          after its first return, ...; always 1 under
          ``lifetime_spells='first'``;
        - ``start``: the spell's first paid month;
        - ``end``: its last paid month; `as_of` when still paying then;
        - ``duration``: months paid, ``end - start + 1`` (int, >= 1). A
          churned subject paid exactly ``duration`` months (``T`` of the
          shifted-beta-geometric model); a censored one has paid
          ``duration`` months, the month of `as_of` included, and
          ``T >= duration``;
        - ``observed``: whether the churn was seen by `as_of`;
        - ``age``: the spell's age, in months, when it was last seen: the
          churn month (the first month not paid) if ``observed``, else the
          month of `as_of`. That is ``duration`` when ``observed`` and
          ``duration - 1`` when censored (known to survive that age);
        - ``start_mrr``: MRR in the spell's first month (int64, minor units
          of ``ledger.currency``).

    Raises
    ------
    ValueError
        If `as_of` is after the ledger's last month or not a month, `by`
        names a lifetime column, or `conventions` changes a choice that
        shaped the ledger.
    TypeError
        If `by` is not a name or names.
    InvalidTableError
        If a `by` attribute is unknown or varies within a customer.

    See Also
    --------
    kaplan_meier : Survival curves from ``age`` and ``observed``.
    sbg_fit_lifetimes : The shifted-beta-geometric model, from the same.
    early_ltv : Retention and LTV per segment from these lifetimes.

    Notes
    -----
    Ages align with ``cohorts.retention``: the share of a cohort whose
    first spell lasts beyond age ``t`` is the share still active at age
    ``t`` when nobody in it has returned, and ``kaplan_meier(age,
    observed)`` estimates it when some are censored.

    Under ``lifetime_spells='first'`` (the default) a customer who churns
    and returns keeps one lifetime, ended by its first churn; under
    ``'each'`` the return starts a new subject of its own at its
    reactivation month (whether the ledger calls it a reactivation or, past
    ``reactivation_window_months``, new business).

    Customers already paying in the first month of a ledger built from
    monthly rows may have started before the data begins; their lifetimes
    start at that month (left truncation: give their true age as
    ``entry=`` to `kaplan_meier` if it is known).

    New in 0.1.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> rows = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "c", "c"],
    ...     "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-04", "2024-01",
    ...                              "2024-03", "2024-04"], freq="M"),
    ...     "mrr": [100, 100, 120, 50, 80, 80], "currency": "USD"})
    >>> led = sm.Ledger.from_monthly_mrr(rows)
    >>> shown = ["customer_id", "cohort", "start", "end", "duration", "observed", "age"]
    >>> sm.survival.lifetimes(led)[shown]
      customer_id   cohort    start      end  duration  observed  age
    0           a  2024-01  2024-01  2024-02         2      True    2
    1           b  2024-01  2024-01  2024-01         1      True    1
    2           c  2024-03  2024-03  2024-04         2     False    1

    Customer ``a`` came back in April: a subject of its own under ``'each'``:

    >>> import attrs
    >>> each = attrs.evolve(led.conventions, lifetime_spells="each")
    >>> shown = ["customer_id", "spell", "start", "duration", "observed"]
    >>> sm.survival.lifetimes(led, conventions=each)[shown]
      customer_id  spell    start  duration  observed
    0           a      1  2024-01         2      True
    1           a      2  2024-04         1     False
    2           b      1  2024-01         1      True
    3           c      1  2024-03         2     False
    """
    names = _names(by)
    chosen = _rate_conventions(ledger, conventions)
    subjects = _subjects(ledger, _as_of(ledger, as_of), chosen.lifetime_spells)
    ids = ledger.customers["customer_id"]
    rank = np.empty(len(ids), np.int64)
    rank[np.argsort(ids.to_numpy(), kind="stable")] = np.arange(len(ids))
    subjects = subjects.take(np.argsort(rank[subjects.customer], kind="stable"))
    data: dict[str, Any] = {
        "customer_id": ids.array.take(subjects.customer),
        "cohort": _periods(subjects.cohort),
        "spell": subjects.spell,
        "start": _periods(subjects.start),
        "end": _periods(subjects.end),
        "duration": subjects.duration,
        "observed": subjects.observed,
        "age": subjects.age,
        "start_mrr": subjects.start_mrr,
    }
    attributes = _attributes(ledger, subjects, [n for n in names if n != "cohort"])
    out = pd.DataFrame({**data, **attributes})
    out.attrs["currency"] = ledger.currency
    return out


# --------------------------------------------------------------------------
# The sBG model over segments, with bootstrap intervals
# --------------------------------------------------------------------------


def _sbg_survival(a: FloatArray, b: FloatArray, t: float) -> FloatArray:
    out: FloatArray = np.exp(betaln(a, b + t) - betaln(a, b))
    return out


def _money(value: FloatArray, payments: FloatArray) -> FloatArray:
    """Value per payment times payments; 0 when there is nothing to earn."""
    with np.errstate(invalid="ignore"):
        out: FloatArray = np.where(value == 0, 0.0, value * payments)
    return out


@frozen
class _Bands:
    """An estimate per group and its interval."""

    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray


def _sbg_bands(
    counts: EarlyCounts,
    *,
    margin: float,
    discount: float,
    horizon: int | None,
    points: list[int],
    level: float,
    n_draws: int,
    seed: int | np.random.Generator,
) -> tuple[dict[str, Any], dict[str, _Bands]]:
    """
    Fit the sBG per group and bootstrap every figure `early_ltv` reports.

    Everything comes from the counts (`EarlyCounts`). Returns the fit
    columns (``alpha``, ``beta``, ``mean_churn``, ``polarisation``,
    ``converged``, ``model``) and the bands of ``lifetime_value``,
    ``expected_lifetime``, ``discounted_lifetime`` and ``survival_<t>``.
    """
    fits = fit_counts(counts.lost.astype(np.float64), counts.still.astype(np.float64))
    m, phi = fits.coordinates()
    churned = counts.lost.sum(axis=1)
    none = churned == 0
    geometric = ~fits.converged & ~none & (phi == 0)
    converged = fits.converged | geometric
    # Simulate only identified fits; a group without churn keeps S = 1 and
    # has no interval (nothing in its data says how far from 1).
    simulate = converged & ~none
    rng = generator(seed)
    life_rng, money_rng = rng.spawn(2)
    dm, dphi = simulated_from_sizes(
        np.where(simulate, m, np.nan),
        np.where(simulate, phi, np.nan),
        counts.windows,
        n_draws=n_draws,
        rng=life_rng,
    )
    arpa = resampled_arpa(counts.arpa, n_draws=n_draws, rng=money_rng)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_mrr = counts.mrr / counts.customers

    def band(point: FloatArray, draws: FloatArray) -> _Bands:
        low, high = percentile_band(draws, level)
        return _Bands(point, low, high)

    bands: dict[str, _Bands] = {}
    # One survival curve per fit and per draw gives all three figures.
    paid, lifetime, curves = lifetimes_and_survival(m, phi, discount, horizon, points)
    paid_draws, lifetime_draws, sampled = lifetimes_and_survival(
        dm, dphi, discount, horizon, points
    )
    bands["discounted_lifetime"] = band(paid, paid_draws)
    bands["expected_lifetime"] = band(lifetime, lifetime_draws)
    bands["lifetime_value"] = band(
        _money(margin * mean_mrr, paid),
        _money(margin * arpa, paid_draws),
    )
    for j, t in enumerate(points):
        bands[f"survival_{t}"] = band(curves[:, j], sampled[:, :, j])
    columns: dict[str, Any] = {
        "alpha": fits.alpha,
        "beta": fits.beta,
        "mean_churn": m,
        "polarisation": phi,
        "converged": converged,
        "model": np.where(geometric, "geometric", "sbg").astype(object),
    }
    return columns, bands


# --------------------------------------------------------------------------
# Kaplan-Meier curves on a month grid, with a geometric tail
# --------------------------------------------------------------------------


def _km_grid(
    curves: pd.DataFrame, n_groups: int, last: IntArray, width: int
) -> dict[str, FloatArray]:
    """
    Read KM curves (and bands) at months ``0 .. width - 1``, one row per group.

    Beyond a group's last observed month ``L`` each curve continues
    geometrically at its last one-period retention ``S(L) / S(L - 1)``
    (0 once the curve is 0); with ``L == 0`` nothing is known beyond it (NaN).
    """
    months = np.arange(width)
    read = survival_at(curves, months)
    grid: dict[str, FloatArray] = {}
    rows = np.arange(n_groups)
    for column in ("survival", "lower", "upper"):
        values = read[column].to_numpy(np.float64).reshape(n_groups, width)
        at_last = values[rows, np.minimum(last, width - 1)]
        before = values[rows, np.clip(last - 1, 0, width - 1)]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(before > 0, at_last / before, 0.0)
        ratio = np.where(last >= 1, ratio, np.nan)
        steps = months[None, :] - last[:, None]
        with np.errstate(invalid="ignore"):
            extended = at_last[:, None] * ratio[:, None] ** np.maximum(steps, 0)
        grid[column] = np.where(steps > 0, extended, values)
    return grid


def _km_ltv(
    arpa: FloatArray,
    curve: FloatArray,
    margin: float,
    discount: float,
    horizon: int | None,
) -> FloatArray:
    """LTV per row of a KM grid: summed to `horizon`, or with a geometric tail."""
    out = np.full(len(curve), np.nan)
    rows = ~np.isnan(curve).any(axis=1)
    if rows.any():
        values = ltv_from_survival(
            arpa[rows],
            np.clip(curve[rows], 0.0, 1.0),
            gross_margin=margin,
            discount_rate=discount,
            tail="none" if horizon is not None else "geometric",
        )
        out[rows] = np.asarray(values, np.float64)
    return out


def counts_curves(
    lost: IntArray, still: IntArray, labels: pd.DataFrame, level: float
) -> pd.DataFrame:
    """
    Kaplan-Meier curves per group from churned and censored subjects per age.

    ``lost[g, t]`` subjects of group ``g`` churned at age ``t`` and
    ``still[g, t]`` were censored there, everyone entering at 0: the rows
    `kaplan_meier` counts from one lifetime per subject, so the curves are
    its curves to the bit. `labels` has one row per group.
    """
    removed = lost + still
    size = removed.sum(axis=1)
    rows = removed > 0
    rows[:, 0] |= size > 0
    group, time = np.nonzero(rows)  # sorted by group, then time
    table = finish_table(
        group.astype(np.int64),
        time.astype(np.float64),
        removed[group, time].astype(np.float64),
        lost[group, time].astype(np.int64),
        still[group, time].astype(np.int64),
        np.where(time == 0, size[group], 0).astype(np.float64),
        1.0 - check_alpha(level, name="level"),
    )
    return _frame(table, labels, integral=True)


def _km_bands(
    counts: EarlyCounts,
    *,
    arpa: FloatArray,
    margin: float,
    discount: float,
    horizon: int | None,
    points: list[int],
    level: float,
) -> dict[str, _Bands]:
    """Kaplan-Meier curves per group, continued geometrically, and their sums."""
    n_groups = len(counts.labels)
    longest = counts.longest
    groups = pd.DataFrame({"group": np.arange(n_groups, dtype=np.int64)})
    curves = counts_curves(counts.lost, counts.still, groups, level)
    width = max(horizon or 0, int(longest.max(initial=0)) + 2, max(points) + 1)
    grid = _km_grid(curves, n_groups, longest, width)
    span = horizon if horizon is not None else width
    ones = np.ones(n_groups)
    sums = {
        "lifetime_value": (arpa, margin, discount),
        "expected_lifetime": (ones, 1.0, 0.0),
        "discounted_lifetime": (ones, 1.0, discount),
    }
    bands: dict[str, _Bands] = {}
    for name, (value, share, rate) in sums.items():
        point, lower, upper = (
            _km_ltv(value, grid[c][:, :span], share, rate, horizon)
            for c in ("survival", "lower", "upper")
        )
        bands[name] = _Bands(point, lower, upper)
    for t in points:
        bands[f"survival_{t}"] = _Bands(
            grid["survival"][:, t], grid["lower"][:, t], grid["upper"][:, t]
        )
    return bands


# --------------------------------------------------------------------------
# Early LTV
# --------------------------------------------------------------------------


def _index(labels: pd.DataFrame, names: list[str]) -> pd.Index[Any]:
    index: pd.Index[Any]
    if len(names) > 1:
        index = pd.MultiIndex.from_frame(labels)
    else:
        index = pd.Index(labels[names[0]], name=names[0])
    return index


def early_ltv(
    ledger: Ledger,
    *,
    by: str | Sequence[str],
    as_of: MonthLike | None = None,
    model: Model = "sbg",
    horizon_months: int | None = None,
    horizons: Sequence[int] = _HORIZONS,
    min_customers: int = 30,
    min_churned: int = 10,
    level: float = 0.95,
    n_draws: int = 1_000,
    seed: int | np.random.Generator,
    conventions: Conventions | None = None,
    resample_arpa_below: int = RESAMPLE_BELOW,
) -> pd.DataFrame:
    """
    Estimate retention and lifetime value per segment from its early months.

    For every segment, a retention curve is fitted to its customers'
    lifetimes (`lifetimes`), projected beyond what has been observed, and
    turned into a lifetime value: ``ARPA * gross_margin * sum_t S(t) / (1 +
    d) ** t`` (`ltv_from_survival`), with the gross margin and the monthly
    equivalent of ``annual_discount_rate`` from the conventions.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.
    by : str or sequence of str
        Customer attributes that define the segments (``"field_sales_rep"``,
        ``"segment"``, ...) or ``"cohort"`` (the first paid month). Customers
        without a value form a segment of their own, sorted last.
    as_of : pandas.Period, str or date, optional
        The month the lifetimes are seen from (the ledger's last by default).
    model : {'sbg', 'km'}, default 'sbg'
        ``'sbg'``: the shifted-beta-geometric model, fitted per segment by
        maximum likelihood (`sbg_fit_lifetimes`); it projects with
        retention that rises with tenure. ``'km'``: the Kaplan-Meier curve
        over the observed months, continued beyond the segment's longest
        observed lifetime at its last one-period retention (geometric tail).
    horizon_months : int, optional
        Sum the value over the first `horizon_months` months only (months
        ``0 .. horizon_months - 1``). By default over an unbounded lifetime,
        which is ``inf`` when nothing is discounted and the curve never
        stops paying enough (sBG with ``alpha <= 1``, a KM tail of 1).
    horizons : sequence of int, default (3, 6, 12, 24)
        Months at which to report projected survival, ``S(t)``.
    min_customers : int, default 30
        Fewer customers than this make a segment thin.
    min_churned : int, default 10
        Fewer observed churns than this make a segment thin.
    level : float, default 0.95
        Coverage of the intervals, in (0, 1).
    n_draws : int, default 1000
        Bootstrap draws per segment behind the sBG intervals (each a
        simulated data set, refitted). The work grows with segments times
        draws (the refits run as batches; the simulation does not grow with
        the customers); raise it for smoother bounds.
    seed : int or numpy.random.Generator
        Seed of the draws; required, so results are reproducible.
    conventions : Conventions, optional
        Choices other than the ledger's (``lifetime_spells``,
        ``gross_margin``, ``annual_discount_rate``); those that shaped the
        ledger cannot change.
    resample_arpa_below : int, default 500
        A segment with fewer customers resamples its first-month MRRs
        customer by customer for the interval of ``lifetime_value``; one
        with at least this many draws its resampled ARPA from the
        bootstrap's large-sample limit, computed from exact sums (see
        Notes). The figures do not depend on how the customers are split
        into blocks (``sm.dask.early_ltv`` gives the same bits).

    Returns
    -------
    pandas.DataFrame
        One row per segment, indexed by the `by` attributes, with:

        - ``customers``, ``churned``: subjects and observed churns;
        - ``months_observed``: the longest lifetime seen, in months (the
          largest ``age``): how far the data reach before the model
          extrapolates;
        - ``customer_months``: months paid, summed;
        - ``first_month_arpa``: mean MRR of the segment's customers in their
          first paid month (minor units, float);
        - ``alpha``, ``beta``: the sBG estimate (NaN under ``'km'``, and
          for a segment without churn);
        - ``mean_churn``, ``polarisation``: the same fit as ``m = alpha /
          (alpha + beta)`` and ``phi = 1 / (alpha + beta + 1)``, with
          ``phi = 0`` at the geometric limit (NaN under ``'km'``);
        - ``converged``: whether the sBG fit converged (True under ``'km'``,
          which has nothing to fit, and for the geometric limit below);
        - ``model``: ``'sbg'``, ``'km'``, or ``'geometric'`` where the sBG fit
          ran to its bounds because churn does not vary across the
          segment's customers (see Notes);
        - ``lifetime_value`` with ``lifetime_value_lower`` and
          ``lifetime_value_upper``: LTV per new customer, minor units;
        - ``expected_lifetime`` with ``_lower`` and ``_upper``: expected
          months paid by a new customer, undiscounted, within
          `horizon_months` if given (``inf`` when unbounded and the tail
          never stops paying);
        - ``discounted_lifetime`` with ``_lower`` and ``_upper``: the same
          payments discounted, ``lifetime_value / (margin * ARPA)``; the
          value per unit of new MRR, without ARPA's uncertainty;
        - ``survival_<t>`` with ``_lower`` and ``_upper``, for each of
          `horizons`: the projected share still paying at age ``t``;
        - ``thin``: whether the data are too thin to say anything (see
          Notes).

    Raises
    ------
    ValueError
        If `model` is unknown, a count or horizon is out of range, `level`
        is not in (0, 1), `by` is empty, or as for `lifetimes`.
    TypeError
        If `seed`, `n_draws` or a count has the wrong type, or as for
        `lifetimes`.

    See Also
    --------
    lifetimes : The lifetimes behind the estimates.
    backtest : How well early fits predicted later retention.
    sbg_del_interval : The sBG value of one fit, with its interval.

    Notes
    -----
    **ARPA** is the mean MRR of the segment's customers in their first paid
    month, not the segment's current ARPA: the retention curve describes a
    new customer from acquisition, so its revenue must be a new customer's
    too, and it is known from the first month (what an early estimate
    needs). Current ARPA mixes in old cohorts and is biased towards the
    survivors, who are often the bigger accounts. Expansion and contraction
    are left out: the value is logo retention times starting MRR.

    **Intervals** under ``'sbg'`` come from a parametric bootstrap: every
    segment's customers are simulated `n_draws` times from its fit, each
    observed for as long as the real one was (from its start to `as_of`:
    staggered entry, censoring at the end of the data), every simulated
    segment is refitted, and the central `level` share of the refits'
    figures is reported (percentile intervals). The fits run in mean churn
    and polarisation, where the geometric limit is an ordinary point, so
    the bounds stay finite when churn hardly varies. ``lifetime_value``
    adds ARPA's uncertainty: each draw also resamples the segment's
    first-month MRRs (a bootstrap over customers). From
    `resample_arpa_below` customers (500) the resampled mean is drawn from
    the normal limit of that bootstrap instead, with its mean, variance and
    skewness (Cornish-Fisher), clipped to the segment's range: exact sums
    of the MRRs, their squares and their cubes give the moments, so only
    those sums, not a row per customer, are needed of a large segment; the
    quantiles match the bootstrap's to within order ``1 / n``, see
    ``benchmarks/README.md``. The draws are
    reproducible from `seed`; a segment's draws depend on the segments
    sorted before it, never on the order of the input's rows (the
    first-month MRRs are resampled in a canonical order). The intervals
    assume the model: constant churn per customer, churn independent of
    revenue and of the month of entry.
    ``benchmarks/bench_calibration.py`` measures their coverage. Under
    ``'km'`` the bounds are the Kaplan-Meier pointwise (log-log) band,
    continued and summed like the estimate: a rough guide, not a
    simultaneous band. A fit that did not converge (away from the
    geometric limit) and a segment without any churn have NaN bounds; the
    latter keeps ``S(t) = 1``, the limit the likelihood prefers, and its
    value counts every payment (``inf`` undiscounted and unbounded).

    **No heterogeneity.** When every customer of a segment seems to churn
    with the same probability, the shifted-beta-geometric likelihood is
    highest at its limit (alpha and beta without bound, ``phi = 0``): a
    geometric lifetime. The fit then stops at its bounds; the segment uses
    that limit directly, churn ``m = churned / periods at risk`` (the sum
    of ``age``) and ``S(t) = (1 - m) ** t``, bootstrapped like any other
    fit; the ``model`` column says ``'geometric'``.

    **Thin data.** A segment is ``thin`` when it has fewer than
    `min_customers` customers, fewer than `min_churned` observed churns,
    fewer than two months observed, or (sBG) a fit that did not converge.
    Ten churns put the standard error of a churn rate at about a third of
    the rate; below that, and with one renewal period only, the data cannot
    tell a bad segment from bad luck or show how retention changes with
    tenure. The estimates are still reported; the flag says not to rank on
    them.

    The sBG value is `sbg_del` (or, with `horizon_months`, the projected
    curve summed over that horizon), which equals `ltv_from_survival` of
    the projected curve summed far enough.

    New in 0.1.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> table = sm.survival.early_ltv(led, by="segment", horizon_months=60, seed=1)
    >>> table[["customers", "churned", "survival_12", "thin"]].round(3)
                customers  churned  survival_12   thin
    segment
    enterprise        314       30        0.918  False
    mid_market        864      182        0.802  False
    smb              1755      495        0.725  False
    >>> (table["lifetime_value"] / 1e6).round(2)  # million yen, over 5 years
    segment
    enterprise    19.44
    mid_market     4.29
    smb            1.70
    Name: lifetime_value, dtype: float64

    Enterprise churn barely varies across customers: the fit reaches the
    model's geometric limit (``model`` is ``'geometric'``).
    """
    names = _names(by, required=True)
    chosen = _rate_conventions(ledger, conventions)
    month = _as_of(ledger, as_of)
    below = check_resample_below(resample_arpa_below)
    counts = early_counts(
        ledger,
        names,
        as_of=month,
        conventions=chosen,
        resample_below=below,
        combinable=False,
    )
    return early_table(
        counts,
        names,
        model=model,
        horizon_months=horizon_months,
        horizons=horizons,
        min_customers=min_customers,
        min_churned=min_churned,
        level=level,
        n_draws=n_draws,
        seed=seed,
        conventions=chosen,
    )


@frozen(kw_only=True, eq=False)
class EarlyCounts:
    """
    What `early_ltv` reads of a block of whole customers: counts per segment.

    Every array is an exact count or int64 sum over the block's subjects,
    one row per segment of `labels`, so the counts of blocks of customers
    add up (``_score_parts.combine_early``) to those of all of them.
    """

    labels: pd.DataFrame  # one row per segment, sorted as `group_codes` sorts
    lost: IntArray  # (segments, ages): subjects that churned at age t
    still: IntArray  # (segments, ages): subjects censored at age t
    windows: IntArray  # (segments, windows): subjects observed for c renewals
    arpa: ArpaSums  # what the bootstrap of first-month ARPA draws from
    mrr: IntArray  # (segments,): first-month MRR, summed
    currency: str | None = field(default=None)

    @property
    def customers(self) -> IntArray:
        """Subjects per segment."""
        out: IntArray = self.lost.sum(axis=1) + self.still.sum(axis=1)
        return out

    @property
    def longest(self) -> IntArray:
        """The largest age seen per segment."""
        seen = (self.lost + self.still) > 0
        width = seen.shape[1]
        out: IntArray = np.where(
            seen.any(axis=1), width - 1 - np.argmax(seen[:, ::-1], axis=1), 0
        ).astype(np.int64)
        return out


def age_table(
    code: IntArray, age: IntArray, observed: BoolArray, n_groups: int
) -> tuple[IntArray, IntArray]:
    """Churned and censored subjects per (group, age), (groups, oldest + 1)."""
    width = int(age.max()) + 1 if len(age) else 1
    cell = code * width + age
    size = n_groups * width
    lost = np.bincount(cell[observed], minlength=size).reshape(n_groups, width)
    still = np.bincount(cell[~observed], minlength=size).reshape(n_groups, width)
    return lost.astype(np.int64), still.astype(np.int64)


def early_counts(
    ledger: Ledger,
    names: list[str],
    *,
    as_of: int | None,
    conventions: Conventions,
    resample_below: int = RESAMPLE_BELOW,
    combinable: bool = True,
) -> EarlyCounts:
    """
    Count what `early_ltv` needs of a ledger's subjects, per segment.

    `combinable` False: the counts of one ledger, finished as they are,
    never added up (ARPA's sums skip what the draws do not read).
    """
    subjects = _subjects(ledger, as_of, conventions.lifetime_spells)
    code, labels = _groups(ledger, subjects, names)
    assert labels is not None
    return subject_counts(
        subjects,
        code,
        labels,
        currency=ledger.currency,
        resample_below=resample_below,
        combinable=combinable,
    )


def subject_counts(
    subjects: _Subjects,
    code: IntArray,
    labels: pd.DataFrame,
    *,
    currency: str | None,
    resample_below: int = RESAMPLE_BELOW,
    combinable: bool = True,
) -> EarlyCounts:
    """Count what `early_ltv` needs of subjects in the segments `code` of `labels`."""
    n_groups = len(labels)
    lost, still = age_table(code, subjects.age, subjects.observed, n_groups)
    window = (subjects.as_of - subjects.start).astype(np.int64)
    return EarlyCounts(
        labels=labels,
        lost=lost,
        still=still,
        windows=window_sizes(code, window, n_groups),
        arpa=arpa_sums(
            subjects.start_mrr,
            code,
            n_groups,
            resample_below=resample_below,
            combinable=combinable,
        ),
        mrr=k.sum_by_key(code, subjects.start_mrr, n_groups),
        currency=currency,
    )


def early_table(
    counts: EarlyCounts,
    names: list[str],
    *,
    model: Model = "sbg",
    horizon_months: int | None = None,
    horizons: Sequence[int] = _HORIZONS,
    min_customers: int = 30,
    min_churned: int = 10,
    level: float = 0.95,
    n_draws: int = 1_000,
    seed: int | np.random.Generator,
    conventions: Conventions,
) -> pd.DataFrame:
    """Finish `early_ltv` from the counts of its segments (the finish step)."""
    kind = _model(model)
    horizon = (
        None
        if horizon_months is None
        else check_int(horizon_months, name="horizon_months", low=1)
    )
    points = _horizons(horizons, name="horizons", low=0)
    fewest = check_int(min_customers, name="min_customers", low=1)
    least_churn = check_int(min_churned, name="min_churned", low=0)
    coverage = check_level(level)
    draws = check_int(n_draws, name="n_draws", low=2)
    seed = _seed(seed)
    margin = conventions.gross_margin
    discount = monthly_discount_rate(conventions.annual_discount_rate)

    n_groups = len(counts.labels)
    customers = counts.customers
    churned = counts.lost.sum(axis=1).astype(np.int64)
    longest = counts.longest
    ages = np.arange(counts.lost.shape[1], dtype=np.int64)
    months_paid = counts.lost @ ages + counts.still @ (ages + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        arpa = counts.mrr / customers

    columns: dict[str, Any] = {
        "customers": customers,
        "churned": churned,
        "months_observed": longest,
        "customer_months": months_paid.astype(np.int64),
        "first_month_arpa": arpa,
    }
    if kind == "sbg":
        fitted, bands = _sbg_bands(
            counts,
            margin=margin,
            discount=discount,
            horizon=horizon,
            points=points,
            level=coverage,
            n_draws=draws,
            seed=seed,
        )
        converged = fitted["converged"]
        columns |= fitted
    else:
        nan = np.full(n_groups, np.nan)
        converged = np.ones(n_groups, np.bool_)
        columns |= {
            "alpha": nan,
            "beta": nan.copy(),
            "mean_churn": nan.copy(),
            "polarisation": nan.copy(),
            "converged": converged,
            "model": np.full(n_groups, "km", dtype=object),
        }
        bands = _km_bands(
            counts,
            arpa=arpa,
            margin=margin,
            discount=discount,
            horizon=horizon,
            points=points,
            level=coverage,
        )
    for name in ("lifetime_value", "expected_lifetime", "discounted_lifetime"):
        columns[name] = bands[name].estimate
        columns[f"{name}_lower"] = bands[name].lower
        columns[f"{name}_upper"] = bands[name].upper
    for t in points:
        columns[f"survival_{t}"] = bands[f"survival_{t}"].estimate
        columns[f"survival_{t}_lower"] = bands[f"survival_{t}"].lower
        columns[f"survival_{t}_upper"] = bands[f"survival_{t}"].upper
    columns["thin"] = (
        (customers < fewest)
        | (churned < least_churn)
        | (longest < 2)
        | ~np.asarray(converged, np.bool_)
    )
    out = pd.DataFrame(columns, index=_index(counts.labels, names))
    out.attrs["currency"] = counts.currency
    return out


# --------------------------------------------------------------------------
# Backtest
# --------------------------------------------------------------------------


def _project(
    kind: Model,
    age: IntArray,
    observed: BoolArray,
    code: IntArray,
    n_groups: int,
    fit_months: int,
    horizon: int,
) -> FloatArray:
    """Projected S(horizon) per group from lifetimes censored at `fit_months`."""
    projected = np.full(n_groups, np.nan)
    if not len(code):
        return projected
    present = k.unique_ints(code)
    local = k.search_sorted(present, code)
    if kind == "sbg":
        fits, _ = lifetime_fits(age, observed, local)
        a = np.array([f.alpha for f in fits], np.float64)
        b = np.array([f.beta for f in fits], np.float64)
        seen = np.bincount(local[observed], minlength=len(present))
        projected[present] = np.where(seen == 0, 1.0, _sbg_survival(a, b, horizon))
        return projected
    curves = kaplan_meier(age, observed, groups=local)
    last = np.full(len(present), fit_months, np.int64)
    grid = _km_grid(curves, len(present), last, horizon + 1)
    projected[present] = grid["survival"][:, horizon]
    return projected


def _actual(
    age: IntArray, observed: BoolArray, code: IntArray, n_groups: int, horizon: int
) -> FloatArray:
    """Kaplan-Meier S(horizon) per group on the full lifetimes."""
    actual = np.full(n_groups, np.nan)
    if not len(code):
        return actual
    present = k.unique_ints(code)
    local = k.search_sorted(present, code)
    curves = kaplan_meier(age, observed, groups=local)
    read = survival_at(curves, [horizon])
    actual[present] = read["survival"].to_numpy(np.float64)
    return actual


def backtest(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    fit_months: int = 3,
    horizons: Sequence[int] = (6, 12),
    as_of: MonthLike | None = None,
    model: Model = "sbg",
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Compare retention projected from early months with what happened later.

    For each segment and horizon ``h``, the customers whose age ``h`` lies
    within the data are taken; their retention curve is fitted from what
    was known `fit_months` months after each one's start, projected to
    ``h``, and compared with the share of them actually still paying at age
    ``h``. This is how far a 3-month estimate of a rep's 12-month
    retention can be trusted.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.
    by : str or sequence of str, optional
        Segments, as for `early_ltv`; by default the whole company.
    fit_months : int, default 3
        Months after each customer's start that the fit may see, >= 1.
    horizons : sequence of int, default (6, 12)
        Ages, in months, at which to compare; each >= `fit_months`.
    as_of : pandas.Period, str or date, optional
        The month the data are seen from (the ledger's last by default).
    model : {'sbg', 'km'}, default 'sbg'
        The model projected, as for `early_ltv`.
    conventions : Conventions, optional
        As for `lifetimes`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the `by` attributes (if any) and ``horizon``, with
        `BACKTEST_COLUMNS`:

        - ``customers``: the customers compared at that horizon;
        - ``churned_in_fit``: their churns the fit saw;
        - ``projected``: survival at the horizon projected from the fit;
        - ``actual``: the Kaplan-Meier survival of the same customers at the
          horizon, on their full lifetimes;
        - ``error``: ``projected - actual`` (positive: the early estimate
          was too optimistic);
        - ``abs_error``: its absolute value.

        NaN where a segment has no customer old enough for the horizon.

    Raises
    ------
    ValueError
        If `fit_months` is below 1, a horizon is below `fit_months`,
        `model` is unknown, or as for `lifetimes`.
    TypeError
        As for `lifetimes`, or if a month count is not an int.

    See Also
    --------
    early_ltv : The estimates this backtest checks.

    Notes
    -----
    The rule that keeps the comparison apples to apples: at horizon ``h``
    only subjects (per `lifetimes`) whose age at `as_of` is at least ``h``
    count, that is those that started at least ``h`` months before
    `as_of`, whether they churned or not. For each of them the outcome at
    age ``h`` is known (none is censored before ``h``), so ``actual`` is
    the plain share still paying at age ``h``, computed with Kaplan-Meier.
    The fit sees the same subjects with every lifetime censored at
    `fit_months`: a churn at age ``<= fit_months`` is seen, anything later
    is "still paying at ``fit_months``". Projection and outcome thus
    differ only in the information used, not in the customers.
    A fit per segment and horizon runs the optimiser once each; a segment
    whose fit saw no churn projects 1 (no churn is what its likelihood
    prefers). Under ``'km'`` the projection continues ``S(fit_months)`` at
    the last early retention, ``S(fit_months) / S(fit_months - 1)`` a month.

    New in 0.1.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> table = sm.survival.backtest(led, by="segment", horizons=[12])
    >>> table[["customers", "projected", "actual", "error"]].round(3)
                        customers  projected  actual  error
    segment    horizon
    enterprise 12             166      0.976   0.892  0.085
    mid_market 12             455      0.892   0.752  0.140
    smb        12             930      0.767   0.704  0.063

    Three months overestimate a year's retention where annual contracts,
    which can end only at their anniversary, are common.
    """
    names = _names(by)
    kind = _model(model)
    fit = check_int(fit_months, name="fit_months", low=1)
    points = _horizons(horizons, name="horizons", low=fit)
    chosen = _rate_conventions(ledger, conventions)
    subjects = _subjects(ledger, _as_of(ledger, as_of), chosen.lifetime_spells)
    code, labels = _groups(ledger, subjects, names)
    n_groups = 1 if labels is None else len(labels)
    age, observed = subjects.age, subjects.observed
    elapsed = subjects.as_of - subjects.start
    early_age = np.minimum(age, fit)
    early_seen = observed & (age <= fit)

    blocks: dict[str, list[Any]] = {c: [] for c in BACKTEST_COLUMNS}
    for h in points:
        rows = elapsed >= h
        group = code[rows]
        projected = _project(
            kind, early_age[rows], early_seen[rows], group, n_groups, fit, h
        )
        actual = _actual(age[rows], observed[rows], group, n_groups, h)
        error = projected - actual
        blocks["customers"].append(np.bincount(group, minlength=n_groups))
        blocks["churned_in_fit"].append(
            np.bincount(group[early_seen[rows]], minlength=n_groups)
        )
        blocks["projected"].append(projected)
        blocks["actual"].append(actual)
        blocks["error"].append(error)
        blocks["abs_error"].append(np.abs(error))
    data: dict[str, Any] = {
        c: np.stack(v, axis=1).reshape(-1) for c, v in blocks.items()
    }
    data["customers"] = data["customers"].astype(np.int64)
    data["churned_in_fit"] = data["churned_in_fit"].astype(np.int64)
    horizon_index = pd.Index(np.tile(np.asarray(points, np.int64), n_groups))
    horizon_index = horizon_index.rename("horizon")
    index: pd.Index[Any]
    if labels is None:
        index = horizon_index
    else:
        repeat = np.repeat(np.arange(n_groups), len(points))
        arrays = [pd.Index(labels[n].take(repeat), name=n) for n in names]
        index = pd.MultiIndex.from_arrays([*arrays, horizon_index])
    return pd.DataFrame(data, index=index)
