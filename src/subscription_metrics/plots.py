"""
Figures of the results: survival, the MRR bridge, cohorts, reps, tiers, health.

Each function takes a frame the library returns and draws it with
matplotlib (the ``[plot]`` extra: ``pip install "subscription_metrics[plot]"``):

- `survival_curves`: Kaplan-Meier curves from `survival.kaplan_meier`, one
  step line per group with its confidence band shaded and the customers at
  risk counted in a table below; optionally the shifted-beta-geometric
  projection beside them (`survival.early_ltv`, `survival.sbg_survival_interval`);
- `bridge_waterfall`: the MRR bridge from `ledger.bridge` for one month or a
  span, from the MRR at start through each movement to the MRR at end;
- `mrr_movements`: the same bridge month by month, gains up and losses down;
- `cohort_heatmap`: a `cohorts.triangle`, with cells not yet observed left
  blank (never drawn as 0);
- `scorecard_bookings`: each rep's bookings against their LTV-weighted
  bookings with its interval, from `scorecards.scorecard`, and the verdict of
  `scorecards.compare` on a pair;
- `tier_mix` and `tier_movements`: accounts (or MRR) per tier month by month
  from `tiers.summary`, and the moves between tiers from `tiers.movements`;
- `health_bands`: churn by health band from `health.evaluate`, with the AUC.

Every function returns a `matplotlib.figure.Figure` built with the
object-oriented API: nothing touches pyplot's global state, so figures can
be made from several threads of a service. Pass ``ax=`` to draw into an
existing `matplotlib.axes.Axes` instead; the figure returned is then the one
holding it. Money is shown in the currency's major unit (yen, dollars),
scaled to thousands, millions or billions where that reads better, and every
money axis names its unit. `to_svg` turns a figure into self-contained SVG
text for an HTML page.

Importing this module does not import matplotlib; calling a function without
it raises an `ImportError` that says what to install.
"""

from __future__ import annotations

import importlib
import io
import re
import threading
from collections.abc import Mapping, Sequence
from html import escape
from typing import TYPE_CHECKING, Any, Final, Literal, TypeGuard

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import InvalidTableError, Problem
from ._health import HealthEvaluation
from ._ledger import MonthLike, _month_or_none
from ._money import currency_exponent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.collections import QuadMesh
    from matplotlib.figure import Figure

__all__ = [
    "bridge_waterfall",
    "cohort_heatmap",
    "health_bands",
    "mrr_movements",
    "scorecard_bookings",
    "survival_curves",
    "tier_mix",
    "tier_movements",
    "to_svg",
]

FloatArray = npt.NDArray[np.float64]

_INSTALL: Final = 'pip install "subscription_metrics[plot]"'

#: Colours with a meaning: gains, losses and balances in the bridge.
_GAIN: Final = "#2e7d32"
_LOSS: Final = "#c62828"
_BALANCE: Final = "#546e7a"
_NEUTRAL: Final = "#9e9e9e"

#: The bridge's movements in the order a waterfall shows them, with their sign.
_MOVEMENTS: Final = (
    ("new_mrr", "New", 1),
    ("expansion_mrr", "Expansion", 1),
    ("reactivation_mrr", "Reactivation", 1),
    ("contraction_mrr", "Contraction", -1),
    ("churned_mrr", "Churn", -1),
)
_BRIDGE_MONEY: Final = ("mrr_at_start", *(c for c, _, _ in _MOVEMENTS), "mrr_at_end")

#: `cohorts.triangle` values that are money (minor units) rather than counts.
_MONEY_TRIANGLES: Final = frozenset({"mrr", "mrr_start"})
_TRIANGLE_LABELS: Final = {
    "customers": "customers in the cohort",
    "customers_active": "active customers",
    "logo_retention": "logo retention",
    "mrr_start": "cohort MRR at start",
    "mrr": "MRR",
    "net_revenue_retention": "net revenue retention",
    "gross_revenue_retention": "gross revenue retention",
}

#: Matrices of more cells than this are drawn as a picture, not as vector cells.
_VECTOR_CELLS: Final = 2_500

#: Health bands in the order `health.evaluate` reports them, worst first.
_BAND_COLOURS: Final = {"at_risk": _LOSS, "watch": "#f9a825", "healthy": _GAIN}

#: SVG output rcParams; rcParams are process-wide, so `to_svg` holds a lock.
_SVG_LOCK: Final = threading.Lock()
_SVG_SALT: Final = "subscription_metrics"

#: The projected survival columns of `survival.early_ltv`: ``survival_<months>``.
_HORIZON: Final = re.compile(r"^survival_(\d+)$")


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------


def _require_matplotlib() -> None:
    """Import matplotlib, or say how to install it."""
    try:
        importlib.import_module("matplotlib")
    except ImportError as exc:
        msg = (
            "the plots need matplotlib, which is not installed; "
            f"install the plot extra: {_INSTALL}"
        )
        raise ImportError(msg) from exc


def _problem(*, table: str, column: str, rule: str, detail: str) -> InvalidTableError:
    return InvalidTableError(
        [Problem(table=table, column=column, rule=rule, detail=detail)]
    )


def _check_frame(frame: object, table: str, source: str) -> pd.DataFrame:
    """Refuse anything but a DataFrame, naming the function that makes one."""
    if not isinstance(frame, pd.DataFrame):
        got = type(frame).__name__
        msg = f"{table!r} must be a pandas DataFrame from {source}, got {got}"
        raise TypeError(msg)
    return frame


def _numbers(
    frame: pd.DataFrame, table: str, source: str, columns: Sequence[str]
) -> dict[str, FloatArray]:
    """Read `columns` as floats (missing as NaN), or report each that cannot be."""
    problems = []
    out: dict[str, FloatArray] = {}
    for column in columns:
        if column not in frame.columns:
            problems.append(
                Problem(
                    table=table,
                    column=column,
                    rule="missing column",
                    detail=f"pass a table from {source}; columns present: "
                    f"{[str(c) for c in frame.columns]}",
                )
            )
            continue
        series = frame[column]
        if not isinstance(series, pd.Series) or not (
            pd.api.types.is_numeric_dtype(series.dtype)
            and not pd.api.types.is_bool_dtype(series.dtype)
            and not pd.api.types.is_complex_dtype(series.dtype)
        ):
            problems.append(
                Problem(
                    table=table,
                    column=column,
                    rule="wrong type",
                    count=len(frame),
                    detail="expected real numbers",
                )
            )
            continue
        out[column] = series.to_numpy(np.float64, na_value=np.nan)
    if problems:
        raise InvalidTableError(problems)
    return out


def _currency(frame: pd.DataFrame, table: str, source: str) -> str:
    """Return the currency of a frame's money columns, from ``frame.attrs``."""
    code = frame.attrs.get("currency")
    if not isinstance(code, str):
        raise _problem(
            table=table,
            column="currency",
            rule="missing column",
            detail="money needs its currency in attrs['currency'], as "
            f"{source} gives it",
        )
    return code


def _money_unit(minor: FloatArray, currency: str) -> tuple[float, str]:
    """
    Return the divisor from minor units to the shown unit, and the unit's name.

    The unit is the currency's major unit, scaled to thousands, millions or
    billions when the largest amount is at least ten of them.
    """
    major = 10.0 ** currency_exponent(currency)
    finite = np.abs(minor[np.isfinite(minor)])
    largest = float(finite.max()) / major if finite.size else 0.0
    for factor, word in ((1e9, "billion "), (1e6, "million "), (1e3, "thousand ")):
        if largest >= 10 * factor:
            return major * factor, f"{word}{currency}"
    return major, currency


def _amount(value: float) -> str:
    """Format an amount in the shown unit, with the precision a label needs."""
    if not np.isfinite(value):
        return "n/a"
    if abs(value) >= 100 or value == round(value):
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _figure(ax: Axes | None, *, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return a new figure with one Axes, or the root figure of the given `ax`."""
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    if ax is None:
        figure = Figure(figsize=figsize, layout="constrained")
        return figure, figure.add_subplot()
    if not isinstance(ax, Axes):
        msg = f"'ax' must be a matplotlib Axes, got {type(ax).__name__}"
        raise TypeError(msg)
    return _root(ax), ax


def _root(ax: Axes) -> Figure:
    from matplotlib.figure import Figure

    parent: Any = ax.figure
    while parent is not None and not isinstance(parent, Figure):
        parent = parent.figure
    if parent is None:  # pragma: no cover - an Axes always has a figure
        msg = "the Axes belongs to no figure"
        raise ValueError(msg)
    return parent


def _label(key: object) -> str:
    """Return a group label: a tuple of index values joined with commas."""
    if isinstance(key, tuple):
        return ", ".join(str(part) for part in key)
    return str(key)


def _thin_ticks(count: int, most: int = 12) -> npt.NDArray[np.int64]:
    """Every k-th position of `count`, so that at most `most` labels show."""
    step = max(1, int(np.ceil(count / most)))
    return np.arange(0, count, step, dtype=np.int64)


def _month_of(value: MonthLike | None, name: str) -> pd.Period | None:
    ordinal = _month_or_none(value, name)
    return None if ordinal is None else pd.Period(ordinal=ordinal, freq="M")


# --------------------------------------------------------------------------
# Survival curves
# --------------------------------------------------------------------------


def _at_risk_times(end: float) -> FloatArray:
    """Return about six round times from 0 to `end`, for the at-risk table."""
    from matplotlib.ticker import MaxNLocator

    located = MaxNLocator(nbins=6, integer=True).tick_values(0.0, max(end, 1.0))
    ticks = np.asarray(located, np.float64)
    out: FloatArray = ticks[(ticks >= 0) & (ticks <= end)]
    return out


def survival_curves(
    curves: pd.DataFrame,
    *,
    at_risk: bool = True,
    times: npt.ArrayLike | None = None,
    projection: pd.DataFrame | None = None,
    time_unit: str = "months",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw Kaplan-Meier curves with their confidence bands and an at-risk table.

    One step line per group (the curve is flat between event times and drops
    at them), its interval shaded in the same colour, and below the plot the
    number of customers still at risk at round times, one row per group.

    Parameters
    ----------
    curves : pandas.DataFrame
        A table from `survival.kaplan_meier`: indexed by the group levels (if
        any) and ``time``, with ``survival``, ``lower``, ``upper`` and
        ``at_risk``.
    at_risk : bool, default True
        Whether to draw the at-risk table.
    times : array-like of float, optional
        Times at which to count the customers at risk (and put the x ticks);
        by default about six round times up to the longest curve.
    projection : pandas.DataFrame, optional
        A table from `survival.early_ltv`, indexed by the same groups: its
        projected survival (``survival_3``, ``survival_12``, ...) is drawn
        at those months as diamonds in each group's colour, with the
        ``_lower`` to ``_upper`` interval, to set the sBG model's projection
        beside what was observed. Groups of the curves that it lacks get no
        diamonds; for curves without groups, give it one row. Or a table
        from `survival.sbg_survival_interval` (indexed by ``period``, with
        ``survival``, ``lower`` and ``upper``): one projected curve, drawn
        dashed with its interval (in the curve's colour when there is one
        group, in black otherwise).
    time_unit : str, default 'months'
        What a unit of ``time`` is, for the axis label.
    title : str, optional
        The figure's title (default: says what is drawn).
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes. The at-risk table takes the lower part of its
        grid cell (the Axes shrinks to make room), or, for an Axes placed by
        hand, an inset strip below it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on. Its curve Axes holds one line and one shaded
        band per group; the at-risk table is a second Axes.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `curves` is not a DataFrame or `ax` not an Axes.
    InvalidTableError
        If `curves` is not shaped like a `survival.kaplan_meier` table (as
        `survival.survival_at` checks it), is empty or lacks ``at_risk``;
        or if `projection` has no ``survival_<months>`` column.
    ValueError
        If no row of `projection` matches a group of the curves.

    See Also
    --------
    subscription_metrics.survival.kaplan_meier : The curves drawn here.
    subscription_metrics.survival.early_ltv : The projection drawn beside them.

    Notes
    -----
    The customers at risk at time ``t`` are those whose lifetime reached
    ``t``: the ``at_risk`` of the curve's first row at or after ``t``, and 0
    past the last row. New in 0.2.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> curves = sm.survival.kaplan_meier(
    ...     [1, 3, 3, 5, 8], [True, False, True, True, False]
    ... )
    >>> fig = sm.plots.survival_curves(curves)
    >>> curve_axes, table_axes = fig.axes
    >>> len(curve_axes.lines), len(curve_axes.collections)
    (1, 1)
    """
    _require_matplotlib()
    import matplotlib.colors as mcolors

    from ._km import _curve_parts

    frame = _check_frame(curves, "curves", "survival.kaplan_meier")
    _curve_parts(frame)  # the checks of survival_at: index, bounds, order
    counts = _numbers(frame, "curves", "survival.kaplan_meier", ["at_risk"])["at_risk"]
    if not len(frame):
        raise _problem(
            table="curves",
            column="(rows)",
            rule="not empty",
            detail="the curves have no point to draw (no customer in the window)",
        )
    names = [str(n) for n in frame.index.names[:-1]]
    time_all = frame.index.get_level_values(-1).to_numpy(np.float64)
    values = _numbers(
        frame, "curves", "survival.kaplan_meier", ["survival", "lower", "upper"]
    )
    if names:
        keys = frame.index.to_frame(index=False).iloc[:, :-1]
        grouped = keys.groupby(names, sort=True, dropna=False)
        codes = grouped.ngroup().to_numpy(np.int64)
        firsts = keys.assign(_code=codes).drop_duplicates("_code").sort_values("_code")
        labels = [_label(tuple(row)) for row in firsts[names].itertuples(index=False)]
    else:
        codes = np.zeros(len(frame), np.int64)
        labels = ["all customers"]
    line_projection = None
    if _is_projected_curve(projection):
        line_projection = _numbers(
            projection,
            "projection",
            "survival.sbg_survival_interval",
            ["survival", "lower", "upper"],
        )
        line_projection["period"] = projection.index.to_numpy(np.float64)
        projection = None
    end = float(np.nanmax(time_all)) if len(time_all) else 1.0
    if line_projection is not None and line_projection["period"].size:
        end = max(end, float(np.nanmax(line_projection["period"])))
    ticks = (
        _at_risk_times(end) if times is None else np.asarray(times, np.float64).ravel()
    )

    projected = None if projection is None else _projection(projection, labels)
    figure, curve_ax, table_ax = _survival_axes(ax, at_risk=at_risk, groups=len(labels))
    table: list[tuple[str, str, npt.NDArray[np.int64]]] = []
    labelled = False  # the projection's legend entry is drawn once
    for code, label in enumerate(labels):
        rows = np.flatnonzero(codes == code)
        rows = rows[np.argsort(time_all[rows], kind="stable")]
        t = time_all[rows]
        (line,) = curve_ax.step(
            t, values["survival"][rows], where="post", label=label, linewidth=1.5
        )
        colour = mcolors.to_hex(line.get_color())
        curve_ax.fill_between(
            t,
            values["lower"][rows],
            values["upper"][rows],
            step="post",
            alpha=0.2,
            color=colour,
            linewidth=0,
        )
        if projected is not None and label in projected:
            months, estimate, below, above = projected[label]
            curve_ax.errorbar(
                months,
                estimate,
                yerr=np.vstack([below, above]),
                fmt="D",
                markersize=5,
                color=colour,
                markerfacecolor="white",
                capsize=3,
                linewidth=0,
                elinewidth=1,
                label="_nolegend_" if labelled else "projected (sBG), with interval",
            )
            labelled = True
        at = np.searchsorted(t, ticks, side="left")
        padded = np.append(counts[rows], 0.0)
        table.append((label, colour, padded[at].astype(np.int64)))
    if line_projection is not None:
        colour = table[0][1] if len(table) == 1 else "black"
        order = np.argsort(line_projection["period"], kind="stable")
        period = line_projection["period"][order]
        curve_ax.plot(
            period,
            line_projection["survival"][order],
            linestyle="--",
            color=colour,
            linewidth=1.2,
            label="projected (sBG), with interval",
        )
        curve_ax.fill_between(
            period,
            line_projection["lower"][order],
            line_projection["upper"][order],
            color=colour,
            alpha=0.08,
            linewidth=0,
        )
    curve_ax.set_ylim(0.0, 1.02)
    right = max(end, float(ticks.max()) if ticks.size else end, 1.0)
    curve_ax.set_xlim(-0.03 * right, right * 1.02)
    curve_ax.set_xticks(ticks)
    curve_ax.set_ylabel("share still paying")
    curve_ax.grid(True, alpha=0.3)
    if len(labels) > 1 or projected is not None or line_projection is not None:
        curve_ax.legend(title=", ".join(names), loc="lower left", frameon=False)
    curve_ax.set_title(title or "Survival (Kaplan-Meier) with intervals", loc="left")
    xlabel = f"time since start ({time_unit})"
    if table_ax is not None:
        _at_risk_table(table_ax, ticks, table)
        table_ax.set_xlabel(xlabel)
        curve_ax.tick_params(labelbottom=False)
    else:
        curve_ax.set_xlabel(xlabel)
    return figure


def _is_projected_curve(projection: object) -> TypeGuard[pd.DataFrame]:
    """Whether `projection` is one curve from `survival.sbg_survival_interval`."""
    return (
        isinstance(projection, pd.DataFrame)
        and projection.index.name == "period"
        and "survival" in projection.columns
    )


def _projection(
    projection: object, labels: list[str]
) -> dict[str, tuple[FloatArray, FloatArray, FloatArray, FloatArray]]:
    """Read `survival.early_ltv`'s projected survival: months, estimate, interval."""
    frame = _check_frame(projection, "projection", "survival.early_ltv")
    found = [
        (int(m[1]), str(c)) for c in frame.columns if (m := _HORIZON.match(str(c)))
    ]
    if not found:
        raise _problem(
            table="projection",
            column="survival_<months>",
            rule="missing column",
            detail="pass a table from survival.early_ltv; columns present: "
            f"{[str(c) for c in frame.columns]}",
        )
    found.sort()
    months = np.array([m for m, _ in found], np.float64)
    names = [c for _, c in found]
    bounds = [f"{c}_{side}" for c in names for side in ("lower", "upper")]
    read = _numbers(frame, "projection", "survival.early_ltv", names + bounds)
    rows = [_label(key) for key in frame.index]
    if labels == ["all customers"] and len(rows) == 1:
        rows = labels
    out = {}
    for i, row in enumerate(rows):
        if row not in labels:
            continue
        estimate = np.array([read[c][i] for c in names])
        lower = np.array([read[f"{c}_lower"][i] for c in names])
        upper = np.array([read[f"{c}_upper"][i] for c in names])
        below = np.nan_to_num(np.clip(estimate - lower, 0.0, None))
        above = np.nan_to_num(np.clip(upper - estimate, 0.0, None))
        out[row] = (months, estimate, below, above)
    if not out:
        msg = (
            f"no row of 'projection' ({rows[:5]}) matches a group of the curves "
            f"({labels[:5]}); project with the same by= as the curves"
        )
        raise ValueError(msg)
    return out


def _survival_axes(
    ax: Axes | None, *, at_risk: bool, groups: int
) -> tuple[Figure, Axes, Axes | None]:
    """
    Return the figure, the curve Axes and, with `at_risk`, a table Axes below it.

    A given `ax` that sits in a grid shares its cell with the table; one
    placed by hand gets the table in a strip under it.
    """
    from matplotlib.figure import Figure

    ratios = (5.0, 0.6 + 0.3 * groups)
    if ax is not None:
        figure, curve_ax = _figure(ax, figsize=(8.0, 5.0))
        if not at_risk:
            return figure, curve_ax, None
        spec = curve_ax.get_subplotspec()
        parent: Any = curve_ax.figure
        if spec is None:
            height = 0.08 * (groups + 1)
            bounds = (0.0, -0.12 - height, 1.0, height)
            return figure, curve_ax, curve_ax.inset_axes(bounds, sharex=curve_ax)
        sub = spec.subgridspec(2, 1, height_ratios=ratios, hspace=0.02)
        curve_ax.set_subplotspec(sub[0])
        return figure, curve_ax, parent.add_subplot(sub[1], sharex=curve_ax)
    if not at_risk:
        figure, curve_ax = _figure(None, figsize=(8.0, 5.0))
        return figure, curve_ax, None
    figure = Figure(figsize=(8.0, 5.0 + 0.25 * groups), layout="constrained")
    grid = figure.add_gridspec(2, 1, height_ratios=ratios)
    curve_ax = figure.add_subplot(grid[0])
    return figure, curve_ax, figure.add_subplot(grid[1], sharex=curve_ax)


def _at_risk_table(
    ax: Axes, ticks: FloatArray, rows: list[tuple[str, str, npt.NDArray[np.int64]]]
) -> None:
    """Write the at-risk counts, one row per group, under the curves' x ticks."""
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(np.arange(len(rows)))
    ax.set_yticklabels([label for label, _, _ in rows])
    for tick, (_, colour, _) in zip(ax.get_yticklabels(), rows, strict=True):
        tick.set_color(colour)
    for y, (_, _, counts) in enumerate(rows):
        for x, count in zip(ticks, counts, strict=True):
            ax.text(
                float(x), y, f"{int(count):,}", ha="center", va="center", fontsize=8
            )
    ax.set_title("at risk", loc="left", fontsize=9)
    ax.tick_params(axis="y", length=0, pad=12)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


# --------------------------------------------------------------------------
# The MRR bridge
# --------------------------------------------------------------------------


def _bridge_rows(
    bridge: object, since: MonthLike | None, through: MonthLike | None
) -> tuple[pd.DataFrame, dict[str, FloatArray], str]:
    """Check a `ledger.bridge` table and keep the months from `since` to `through`."""
    frame = _check_frame(bridge, "bridge", "ledger.bridge")
    if isinstance(frame.index, pd.MultiIndex):
        raise _problem(
            table="bridge",
            column="month",
            rule="one index level",
            detail="index the rows by month only, as ledger.bridge without by= gives "
            f"them; got levels {list(frame.index.names)}; select one segment with "
            ".xs(value, level=name) first",
        )
    if not (
        isinstance(frame.index, pd.PeriodIndex)
        and frame.index.freqstr.startswith("M")
        and frame.index.name == "month"
    ):
        raise InvalidTableError(
            [
                Problem(
                    table="bridge",
                    column="month",
                    rule="wrong type",
                    count=len(frame),
                    detail="index the rows by month (a monthly PeriodIndex named "
                    "'month'), as ledger.bridge gives them",
                )
            ]
        )
    first, last = _month_of(since, "since"), _month_of(through, "through")
    if first is not None and last is not None and first > last:
        msg = f"'since' ({first}) must not be after 'through' ({last})"
        raise ValueError(msg)
    keep = np.ones(len(frame), np.bool_)
    if first is not None:
        keep &= np.asarray(frame.index >= first)
    if last is not None:
        keep &= np.asarray(frame.index <= last)
    rows = frame.loc[keep].sort_index()
    if frame.empty:
        raise _problem(
            table="bridge",
            column="(rows)",
            rule="not empty",
            detail="the bridge has no month to draw (an empty ledger gives none)",
        )
    if rows.empty:
        msg = (
            f"the bridge has no month from {first or 'its start'} to "
            f"{last or 'its end'}; its months run from "
            f"{frame.index.min() if len(frame) else 'none'} to "
            f"{frame.index.max() if len(frame) else 'none'}"
        )
        raise ValueError(msg)
    money = _numbers(rows, "bridge", "ledger.bridge", _BRIDGE_MONEY)
    return rows, money, _currency(frame, "bridge", "ledger.bridge")


def _span(rows: pd.DataFrame) -> str:
    first, last = rows.index[0], rows.index[-1]
    return str(first) if first == last else f"{first} to {last}"


def bridge_waterfall(
    bridge: pd.DataFrame,
    *,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    from_zero: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw the MRR bridge as a waterfall, for one month or a span of months.

    Seven bars: the MRR at the start of the span, the new, expansion and
    reactivation MRR that raised it, the contraction and churned MRR that
    lowered it, and the MRR at the end. Each movement floats from where the
    one before left the total; gains are green, losses red, balances grey.
    Each bar is labelled with its amount in the currency's major unit.

    Parameters
    ----------
    bridge : pandas.DataFrame
        A table from `ledger.bridge` (without ``by=``): one row per month,
        with the MRR columns and ``attrs["currency"]``.
    since, through : pandas.Period, str or date, optional
        First and last month of the span (default: the table's first and
        last month). For one month, pass the same month to both.
    from_zero : bool, default False
        Whether the money axis starts at 0. By default it is zoomed to the
        range the movements cover, so that a movement of 2% of MRR stays
        visible; the axis label then says that it does not start at 0.
    title : str, optional
        The figure's title (default: "MRR bridge" and the span).
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds one container of seven bars.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `bridge` is not a DataFrame or `ax` not an Axes.
    InvalidTableError
        If `bridge` is segmented (a MultiIndex), not indexed by month, lacks
        an MRR column or its currency.
    ValueError
        If `since` or `through` is not a month, `since` is after `through`,
        or no month of the table lies between them.

    See Also
    --------
    subscription_metrics.ledger.bridge : The bridge drawn here.
    mrr_movements : The bridge month by month.

    Notes
    -----
    Over a span, the start is the first month's ``mrr_at_start``, each
    movement is summed over the months, and the end is the last month's
    ``mrr_at_end``. New in 0.2.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> fig = sm.plots.bridge_waterfall(sm.ledger.bridge(led), since="2025-12")
    >>> [bar.get_height() > 0 for bar in fig.axes[0].containers[0]].count(True)
    7
    >>> fig.axes[0].get_ylabel()
    'MRR (million JPY; axis not from 0)'
    """
    _require_matplotlib()
    if ax is not None:
        _figure(ax, figsize=(8.0, 4.5))  # refuse a non-Axes before any work
    rows, money, currency = _bridge_rows(bridge, since, through)
    start = money["mrr_at_start"][0]
    end = money["mrr_at_end"][-1]
    moves = [sign * float(np.nansum(money[column])) for column, _, sign in _MOVEMENTS]
    levels = start + np.cumsum([0.0, *moves])
    divisor, unit = _money_unit(np.array([start, end, *levels]), currency)

    bottoms = [0.0]
    heights = [start]
    colours = [_BALANCE]
    for move, before in zip(moves, levels[:-1], strict=True):
        bottoms.append(before if move >= 0 else before + move)
        heights.append(abs(move))
        colours.append(_GAIN if move >= 0 else _LOSS)
    bottoms.append(0.0)
    heights.append(end)
    colours.append(_BALANCE)
    shown = np.asarray(heights) / divisor
    base = np.asarray(bottoms) / divisor

    figure, axes = _figure(ax, figsize=(8.0, 4.5))
    names = ["MRR at start", *(name for _, name, _ in _MOVEMENTS), "MRR at end"]
    x = np.arange(len(names))
    bars = axes.bar(x, shown, bottom=base, color=colours, width=0.7)
    signs = ["", *("+" if m >= 0 else "\u2212" for m in moves), ""]
    axes.bar_label(
        bars,
        labels=[f"{s}{_amount(h)}" for s, h in zip(signs, shown, strict=True)],
        padding=2,
        fontsize=8,
    )
    tops = base + shown
    for i in range(len(names) - 1):  # a thin line carries the total to the next bar
        level = tops[i] if i == 0 or moves[i - 1] >= 0 else base[i]
        axes.plot([i + 0.35, i + 0.65], [level, level], color=_NEUTRAL, linewidth=0.8)
    narrow = axes.get_position().width * figure.get_figwidth() < 6.0
    if narrow:
        axes.set_xticks(x, names, fontsize=8, rotation=30, ha="right")
    else:
        axes.set_xticks(x, names, fontsize=8)
    label = f"MRR ({unit})"
    if not from_zero:
        low, high = float(levels.min()), float(max(levels.max(), end))
        pad = max(high - low, abs(high) * 0.01, 1.0) * 0.25
        bottom = max(0.0, low - pad)
        if bottom > 0:
            axes.set_ylim((bottom / divisor), (high + pad) / divisor)
            label = f"MRR ({unit}; axis not from 0)"
    axes.set_ylabel(label)
    axes.grid(True, axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.set_title(title or f"MRR bridge, {_span(rows)}", loc="left")
    return figure


def mrr_movements(
    bridge: pd.DataFrame,
    *,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw the MRR movements month by month: gains stacked up, losses down.

    One bar per month for each movement: new, expansion and reactivation MRR
    above the axis, contraction and churned MRR below it, and a line through
    each month's net new MRR (gains minus losses).

    Parameters
    ----------
    bridge : pandas.DataFrame
        A table from `ledger.bridge` (without ``by=``).
    since, through : pandas.Period, str or date, optional
        First and last month to show (default: all the table's months).
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds five bar containers (one per
        movement), each with one bar per month, and the net line.

    Raises
    ------
    ImportError, TypeError, InvalidTableError, ValueError
        As for `bridge_waterfall`.

    See Also
    --------
    bridge_waterfall : The same movements summed over a span.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> fig = sm.plots.mrr_movements(sm.ledger.bridge(led, since="2025-01"))
    >>> [len(bars) for bars in fig.axes[0].containers]
    [12, 12, 12, 12, 12]
    """
    _require_matplotlib()
    if ax is not None:
        _figure(ax, figsize=(9.0, 4.5))
    rows, money, currency = _bridge_rows(bridge, since, through)
    flows = np.concatenate([money[c] for c, _, _ in _MOVEMENTS])
    divisor, unit = _money_unit(flows, currency)
    figure, axes = _figure(ax, figsize=(9.0, 4.5))
    x = np.arange(len(rows))
    up = np.zeros(len(rows))
    down = np.zeros(len(rows))
    colours = {
        "new_mrr": _GAIN,
        "expansion_mrr": "#66bb6a",
        "reactivation_mrr": "#a5d6a7",
        "contraction_mrr": "#ef9a9a",
        "churned_mrr": _LOSS,
    }
    net = np.zeros(len(rows))
    for column, name, sign in _MOVEMENTS:
        values = np.nan_to_num(money[column]) / divisor
        if sign > 0:
            axes.bar(x, values, bottom=up, color=colours[column], label=name, width=0.8)
            up += values
        else:
            axes.bar(
                x, -values, bottom=down, color=colours[column], label=name, width=0.8
            )
            down -= values
        net += sign * values
    axes.plot(
        x, net, color="black", linewidth=1.2, marker="o", markersize=3, label="Net new"
    )
    axes.axhline(0.0, color="black", linewidth=0.6)
    ticks = _thin_ticks(len(rows))
    axes.set_xticks(ticks, [str(rows.index[i]) for i in ticks], rotation=45, ha="right")
    axes.set_ylabel(f"MRR moved ({unit})")
    axes.grid(True, axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    axes.set_title(title or f"MRR movements by month, {_span(rows)}", loc="left")
    return figure


# --------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------


def _cells(axes: Axes, values: np.ma.MaskedArray[Any, Any], colours: Any) -> QuadMesh:
    """
    Draw a matrix as vector cells, row 0 at the top; masked cells transparent.

    Cells are centred on whole numbers, as an image's are, so ticks and text
    go at the row and column positions. Beyond `_VECTOR_CELLS` cells the mesh
    is embedded as a picture in vector output, which keeps SVG text small.
    """
    rows, columns = values.shape
    mesh = axes.pcolormesh(
        np.arange(columns + 1) - 0.5,
        np.arange(rows + 1) - 0.5,
        values,
        cmap=colours,
        shading="flat",
        edgecolors="face",
        linewidth=0.2,
    )
    mesh.set_rasterized(rows * columns > _VECTOR_CELLS)
    axes.set_xlim(-0.5, columns - 0.5)
    axes.set_ylim(rows - 0.5, -0.5)
    return mesh


def cohort_heatmap(
    triangle: pd.DataFrame,
    *,
    value: str | None = None,
    annotate: bool = False,
    cmap: str = "viridis",
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw a cohort triangle as a heatmap: cohorts down, ages across.

    A cell the data cannot have observed yet (missing in the triangle) is
    left blank, never coloured as 0, so the triangle's shape shows. The
    cells are vector shapes (sharp in print and in SVG) up to 2,500 cells,
    and one embedded picture beyond, so that the SVG of a long history or of
    many segments stays small.

    Parameters
    ----------
    triangle : pandas.DataFrame
        A table from `cohorts.triangle`: one row per cohort (and segment),
        one column per age.
    value : str, optional
        Which `cohorts.RETENTION_COLUMNS` value the triangle holds (the
        ``value=`` given to `cohorts.triangle`), for the colour bar's label;
        ``"mrr"`` and ``"mrr_start"`` are shown as money in the major unit of
        ``attrs["currency"]``. By default ratios are labelled "retention"
        and whole numbers "count".
    annotate : bool, default False
        Whether to write each cell's value in it (percentages for ratios).
    cmap : str, default 'viridis'
        A matplotlib colormap name.
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes (its figure gets the colour bar).

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on: one mesh of vector cells (a
        `matplotlib.collections.QuadMesh`, its array masked where a cell is
        not observed, and such cells transparent) and a colour bar.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `triangle` is not a DataFrame or `ax` not an Axes.
    InvalidTableError
        If the triangle is empty, its columns are not ages (whole numbers)
        or its values not real numbers, or a money triangle lacks its
        currency.
    ValueError
        If `value` is not one of `cohorts.RETENTION_COLUMNS`.

    See Also
    --------
    subscription_metrics.cohorts.triangle : The triangle drawn here.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> fig = sm.plots.cohort_heatmap(sm.cohorts.triangle(led))
    >>> cells = fig.axes[0].collections[0].get_array()
    >>> bool(cells.mask.sum() > 0)  # the cells not yet observed
    True
    """
    _require_matplotlib()
    import matplotlib as mpl

    if value is not None and value not in _TRIANGLE_LABELS:
        msg = f"'value' must be one of {list(_TRIANGLE_LABELS)}, got {value!r}"
        raise ValueError(msg)
    frame = _check_frame(triangle, "triangle", "cohorts.triangle")
    if ax is not None:
        _figure(ax, figsize=(9.0, 6.0))
    ages = pd.Index(frame.columns)
    if not pd.api.types.is_integer_dtype(ages.dtype):
        raise InvalidTableError(
            [
                Problem(
                    table="triangle",
                    column="age",
                    rule="wrong type",
                    count=len(ages),
                    detail="the columns must be ages (whole numbers), as "
                    "cohorts.triangle gives them; columns present: "
                    f"{[str(c) for c in ages[:5]]}",
                )
            ]
        )
    cells = _numbers(frame, "triangle", "cohorts.triangle", list(frame.columns))
    if not len(frame) or not len(frame.columns):
        raise _problem(
            table="triangle",
            column="(rows)",
            rule="not empty",
            detail="the triangle has no cohort to draw (a ledger without "
            "customers in the window gives none)",
        )
    values = np.column_stack([cells[c] for c in frame.columns])
    ratio = all(pd.api.types.is_float_dtype(t) for t in frame.dtypes)
    money = value in _MONEY_TRIANGLES
    divisor, unit = 1.0, ""
    if money:
        divisor, unit = _money_unit(
            values.ravel(), _currency(frame, "triangle", "cohorts.triangle")
        )
    shown = np.ma.masked_invalid(values / divisor)

    figure, axes = _figure(ax, figsize=(9.0, 6.0))
    colours = mpl.colormaps[cmap].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    image = _cells(axes, shown, colours)
    label = _TRIANGLE_LABELS.get(value or "", "retention" if ratio else "count")
    if money:
        label = f"{label} ({unit})"
    figure.colorbar(image, ax=axes, label=label)
    rows = [_label(key) for key in frame.index]
    yticks = _thin_ticks(len(rows), most=18)
    axes.set_yticks(yticks, [rows[i] for i in yticks], fontsize=8)
    xticks = _thin_ticks(len(ages), most=18)
    axes.set_xticks(xticks, [str(ages[i]) for i in xticks], fontsize=8)
    axes.set_xlabel("age (periods since the cohort's first)")
    axes.set_ylabel(", ".join(str(n) for n in frame.index.names if n is not None))
    if annotate:
        finite = (
            np.argwhere(~shown.mask)
            if shown.mask is not np.ma.nomask
            else np.argwhere(np.ones(shown.shape, bool))
        )
        for i, j in finite:
            cell = float(shown[i, j])
            text = f"{cell:.0%}" if ratio and not money else _amount(cell)
            axes.text(j, i, text, ha="center", va="center", fontsize=6, color="white")
    axes.set_title(title or f"Cohorts: {label}", loc="left")
    return figure


# --------------------------------------------------------------------------
# Scorecards
# --------------------------------------------------------------------------

_BOOKINGS: Final = (
    "new_mrr",
    "ltv_weighted_bookings",
    "ltv_weighted_bookings_lower",
    "ltv_weighted_bookings_upper",
)


def scorecard_bookings(
    scorecard: pd.DataFrame,
    *,
    rows: Sequence[object] | None = None,
    comparison: pd.DataFrame | None = None,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw each rep's bookings against their LTV-weighted bookings, with intervals.

    One point per rep (or team): across, the new MRR they booked; up, the
    bookings weighted by how long those customers are expected to pay, with
    its interval as a vertical bar. A rep who books much but whose customers
    leave sits to the right and low; one whose customers stay sits high.
    Reps flagged ``thin`` (too few churns to rank) are drawn hollow.

    Parameters
    ----------
    scorecard : pandas.DataFrame
        A table from `scorecards.scorecard`, with ``new_mrr``,
        ``ltv_weighted_bookings`` and its ``_lower`` and ``_upper`` bounds
        (and ``thin``) and ``attrs["currency"]``. The ``"All"`` row is left
        out.
    rows : sequence, optional
        Labels of the rows to draw (default: every row but ``"All"``).
    comparison : pandas.DataFrame, optional
        A table from `scorecards.compare` of two of the rows: the two are
        joined by a dotted line and its verdict is written in a box (the
        differences in bookings, LTV-weighted bookings and 12-month
        retention, first minus second, and whether each is beyond the
        noise).
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds one error-bar container per kind
        of point (ranked, thin) and one text label per row.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `scorecard` is not a DataFrame or `ax` not an Axes.
    InvalidTableError
        If a column above or the currency is missing, or not numbers; or
        if `comparison` lacks ``difference`` or ``beyond_noise``.
    KeyError
        If a label of `rows` is not in the scorecard.
    ValueError
        If the two people of `comparison` are not among the rows drawn, or
        its currency is not the scorecard's.

    See Also
    --------
    subscription_metrics.scorecards.scorecard : The figures drawn here.
    subscription_metrics.scorecards.compare : Whether two reps differ beyond noise.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers
    ... )
    >>> card = sm.scorecards.scorecard(led, staff=sample.staff, deals=sample.deals)
    >>> reps = [sm.datasets.REP_A, sm.datasets.REP_B]
    >>> fig = sm.plots.scorecard_bookings(card, rows=reps)
    >>> [text.get_text() for text in fig.axes[0].texts]
    ['st-015', 'st-017']
    """
    _require_matplotlib()
    frame = _check_frame(scorecard, "scorecard", "scorecards.scorecard")
    if ax is not None:
        _figure(ax, figsize=(8.0, 5.5))
    currency = _currency(frame, "scorecard", "scorecards.scorecard")
    chosen = (
        frame.loc[list(rows)] if rows is not None else frame.loc[frame.index != "All"]
    )
    values = _numbers(chosen, "scorecard", "scorecards.scorecard", _BOOKINGS)
    thin = (
        chosen["thin"].fillna(False).to_numpy(np.bool_)
        if "thin" in chosen.columns
        else np.zeros(len(chosen), np.bool_)
    )
    x_div, x_unit = _money_unit(values["new_mrr"], currency)
    y_div, y_unit = _money_unit(
        np.concatenate([values[c] for c in _BOOKINGS[1:]]), currency
    )
    x = values["new_mrr"] / x_div
    y = values["ltv_weighted_bookings"] / y_div
    below = np.nan_to_num(
        np.clip(y - values["ltv_weighted_bookings_lower"] / y_div, 0, None)
    )
    above = np.nan_to_num(
        np.clip(values["ltv_weighted_bookings_upper"] / y_div - y, 0, None)
    )

    figure, axes = _figure(ax, figsize=(8.0, 5.5))
    for mask, face, name in (
        (~thin, "#1565c0", "ranked"),
        (thin, "none", "thin: too few churns to rank"),
    ):
        if not mask.any():
            continue
        axes.errorbar(
            x[mask],
            y[mask],
            yerr=np.vstack([below[mask], above[mask]]),
            fmt="o",
            color="#1565c0",
            markerfacecolor=face,
            ecolor="#90a4ae",
            elinewidth=1.2,
            capsize=3,
            label=name,
        )
    names = [
        axes.annotate(
            _label(label),
            (xi, yi),
            xytext=(5, 4),
            textcoords="offset points",
            fontsize=8,
        )
        for label, xi, yi in zip(chosen.index, x, y, strict=True)
    ]
    if comparison is not None:
        shown = [name.get_text() for name in names]
        pair = _verdict(
            axes, comparison, shown, x, y, (x_div, x_unit), (y_div, y_unit), currency
        )
        for i in pair:
            names[i].set_fontweight("bold")
    axes.set_xlabel(f"bookings: new MRR won ({x_unit})")
    axes.set_ylabel(f"LTV-weighted bookings ({y_unit}), with interval")
    axes.grid(True, alpha=0.3)
    if thin.any():
        axes.legend(loc="best", fontsize=8, frameon=False)
    axes.set_title(title or "Bookings against LTV-weighted bookings", loc="left")
    return figure


def _signed(value: float) -> str:
    """Format a difference with its sign (a true minus sign for losses)."""
    if not np.isfinite(value):
        return "n/a"
    return ("+" if value >= 0 else "\u2212") + _amount(abs(value))


def _noise(value: object) -> str:
    if (
        value is None
        or value is pd.NA
        or (isinstance(value, float) and np.isnan(value))
    ):
        return ""
    return ", beyond the noise" if bool(value) else ", within the noise"


def _verdict(
    axes: Axes,
    comparison: object,
    shown: list[str],
    x: FloatArray,
    y: FloatArray,
    x_scale: tuple[float, str],
    y_scale: tuple[float, str],
    currency: str,
) -> tuple[int, int]:
    """Join the two people of a `scorecards.compare` table and write its verdict."""
    frame = _check_frame(comparison, "comparison", "scorecards.compare")
    difference = _numbers(frame, "comparison", "scorecards.compare", ["difference"])
    if "beyond_noise" not in frame.columns:
        raise _problem(
            table="comparison",
            column="beyond_noise",
            rule="missing column",
            detail="pass a table from scorecards.compare; columns present: "
            f"{[str(c) for c in frame.columns]}",
        )
    other = frame.attrs.get("currency")
    if other is not None and other != currency:
        msg = f"the comparison is in {other}, the scorecard in {currency}"
        raise ValueError(msg)
    first, second = (str(c) for c in frame.columns[:2])
    missing = [who for who in (first, second) if who not in shown]
    if missing:
        msg = (
            f"the comparison's {missing} are not among the rows drawn; "
            "pass rows= that include both"
        )
        raise ValueError(msg)
    a, b = shown.index(first), shown.index(second)
    axes.plot([x[a], x[b]], [y[a], y[b]], linestyle=":", color="#424242", linewidth=1)
    figures = {str(name): i for i, name in enumerate(frame.index)}
    verdicts = frame["beyond_noise"].tolist()
    lines = [f"{first} minus {second}:"]
    for name, text, (divisor, unit) in (
        ("new_mrr", "bookings", x_scale),
        ("ltv_weighted_bookings", "LTV-weighted bookings", y_scale),
    ):
        if name in figures:
            i = figures[name]
            amount = _signed(difference["difference"][i] / divisor)
            lines.append(f"{text}: {amount} {unit}{_noise(verdicts[i])}")
    if "retention_12m" in figures:
        i = figures["retention_12m"]
        points = difference["difference"][i] * 100.0
        line = f"12-month retention: {_signed(points)} points"
        if {"lower", "upper"} <= set(map(str, frame.columns)):
            bounds = _numbers(
                frame, "comparison", "scorecards.compare", ["lower", "upper"]
            )
            low, high = bounds["lower"][i] * 100.0, bounds["upper"][i] * 100.0
            if np.isfinite(low) and np.isfinite(high):
                line += f" ({_signed(low)} to {_signed(high)})"
        lines.append(line + _noise(verdicts[i]))
    axes.text(
        0.01,
        0.98,
        "\n".join(lines),
        transform=axes.transAxes,
        ha="left",
        va="top",
        fontsize=8,
        bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": "#bdbdbd"},
    )
    return a, b


# --------------------------------------------------------------------------
# Tiers
# --------------------------------------------------------------------------

_TIER_VALUES: Final = ("accounts", "mrr_at_start", "mrr_at_end")


def _tier_table(
    summaries: Mapping[Any, pd.DataFrame] | pd.DataFrame, value: str
) -> tuple[pd.DataFrame, str | None]:
    """Months x tiers of `value`, from summaries by month; and their currency."""
    if isinstance(summaries, pd.DataFrame):
        frame = summaries
        if not isinstance(frame.index, pd.MultiIndex) or frame.index.nlevels != 2:
            raise _problem(
                table="summaries",
                column="month",
                rule="one index level",
                detail="index the rows by month and tier, as "
                "pd.concat({month: tiers.summary(...)}, names=['month']) gives "
                f"them; got levels {list(frame.index.names)}",
            )
        parts = {m: frame.xs(m, level=0) for m in frame.index.unique(level=0)}
        currency = frame.attrs.get("currency")
    elif isinstance(summaries, Mapping):
        parts = dict(summaries)
        currency = None
    else:
        msg = (
            "'summaries' must map months to tiers.summary (or tiers.classify) "
            f"tables, or be those tables concatenated; got {type(summaries).__name__}"
        )
        raise TypeError(msg)
    if not parts:
        msg = "'summaries' holds no month"
        raise ValueError(msg)
    columns: dict[pd.Period, pd.Series] = {}
    for month, part in parts.items():
        period = _month_of(month, "summaries month")
        table = _check_frame(part, "summaries", "tiers.summary")
        if (
            value not in table.columns
            and "tier" in table.columns
            and value == "accounts"
        ):
            # a classification: count its accounts per tier
            counts = table["tier"].value_counts().astype(np.float64)
        else:
            read = _numbers(table, "summaries", "tiers.summary", [value])[value]
            counts = pd.Series(read, index=table.index)
            counts = counts[counts.index.map(lambda t: str(t) != "All")]
            if currency is None:
                currency = table.attrs.get("currency")
        columns[period] = counts  # type: ignore[index]
    out = pd.DataFrame(columns).T.sort_index().fillna(0.0)
    out = out[sorted(out.columns, key=str)]
    return out, currency if isinstance(currency, str) else None


def tier_mix(
    summaries: Mapping[Any, pd.DataFrame] | pd.DataFrame,
    *,
    value: Literal["accounts", "mrr_at_start", "mrr_at_end"] = "accounts",
    share: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw the tier mix month by month: accounts (or MRR) per tier, stacked.

    Parameters
    ----------
    summaries : mapping of month to pandas.DataFrame, or pandas.DataFrame
        For each month, a table from `tiers.summary` (classified at that
        month), or from `tiers.classify` (its accounts are counted per
        tier); or the summaries concatenated into one table indexed by month
        and tier. The ``"All"`` rows are left out.
    value : {'accounts', 'mrr_at_start', 'mrr_at_end'}, default 'accounts'
        What to stack: accounts, or the tiers' MRR (money, in the major unit
        of the summaries' currency; `tiers.summary` tables only).
    share : bool, default False
        Whether to show each tier's share of the month (each bar adds up to
        100%) instead of the amounts.
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds one bar container per tier, each
        with one bar per month.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `summaries` is neither a mapping nor a DataFrame, or `ax` is not
        an Axes.
    InvalidTableError
        If a table lacks `value` (or ``tier``), or the money lacks its
        currency.
    ValueError
        If `value` is not one of the three, a key is not a month, or there
        is no month.

    See Also
    --------
    subscription_metrics.tiers.summary : The tables drawn here.
    tier_movements : How accounts moved between two classifications.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> months = {
    ...     "2025-06": pd.DataFrame({"tier": [1, 2, 2, 3]}),
    ...     "2025-07": pd.DataFrame({"tier": [1, 1, 2, 3, 3]}),
    ... }
    >>> fig = sm.plots.tier_mix(months)
    >>> [[float(bar.get_height()) for bar in bars] for bars in fig.axes[0].containers]
    [[1.0, 2.0], [2.0, 1.0], [1.0, 2.0]]
    """
    _require_matplotlib()
    if value not in _TIER_VALUES:
        msg = f"'value' must be one of {list(_TIER_VALUES)}, got {value!r}"
        raise ValueError(msg)
    if ax is not None:
        _figure(ax, figsize=(9.0, 4.5))
    table, currency = _tier_table(summaries, value)
    amounts = table.to_numpy(np.float64)
    unit = "accounts"
    if share:
        totals = amounts.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            amounts = np.where(totals > 0, amounts / totals, np.nan) * 100.0
        unit = "% of " + ("accounts" if value == "accounts" else "MRR")
    elif value != "accounts":
        if currency is None:
            raise _problem(
                table="summaries",
                column="currency",
                rule="missing column",
                detail="money needs its currency in attrs['currency'], as "
                "tiers.summary gives it",
            )
        divisor, money_unit = _money_unit(amounts.ravel(), currency)
        amounts = amounts / divisor
        unit = f"MRR ({money_unit})"

    figure, axes = _figure(ax, figsize=(9.0, 4.5))
    x = np.arange(len(table))
    bottom = np.zeros(len(table))
    palette = ["#1565c0", "#42a5f5", "#90caf9", "#b0bec5", "#78909c"]
    for k, tier in enumerate(table.columns):
        heights = np.nan_to_num(amounts[:, k])
        axes.bar(
            x,
            heights,
            bottom=bottom,
            label=f"Tier {tier}",
            color=palette[k % len(palette)],
            width=0.8,
        )
        bottom += heights
    ticks = _thin_ticks(len(table))
    axes.set_xticks(
        ticks, [str(table.index[i]) for i in ticks], rotation=45, ha="right"
    )
    axes.set_ylabel(unit)
    axes.grid(True, axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    handles, names = axes.get_legend_handles_labels()
    axes.legend(  # top tier of the stack first, as the bars read
        handles[::-1],
        names[::-1],
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        frameon=False,
    )
    noun = "accounts" if value == "accounts" else "MRR"
    axes.set_title(title or f"Tier mix by month: {noun}", loc="left")
    return figure


def tier_movements(
    movements: pd.DataFrame,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw how accounts moved between tiers, as a matrix of counts.

    Rows are the tier before, columns the tier after (``absent``: not active
    on that side); each cell says how many accounts made that move, the
    diagonal those that stayed.

    Parameters
    ----------
    movements : pandas.DataFrame
        A table from `tiers.movements`: indexed by ``tier_before`` and
        ``tier_after``, with ``accounts``.
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds one mesh of cells (tiers before
        x tiers after, the ``absent -> absent`` cell masked) and one count
        per cell.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `movements` is not a DataFrame or `ax` not an Axes.
    InvalidTableError
        If `movements` is not indexed by ``tier_before`` and ``tier_after``,
        or lacks ``accounts``.

    See Also
    --------
    subscription_metrics.tiers.movements : The moves drawn here.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> before = pd.DataFrame({"tier": [1, 2, 2, 3]}, index=["c1", "c2", "c3", "c4"])
    >>> after = pd.DataFrame({"tier": [1, 1, 3, 2]}, index=["c1", "c2", "c3", "c5"])
    >>> fig = sm.plots.tier_movements(sm.tiers.movements(before, after))
    >>> fig.axes[0].collections[0].get_array().shape
    (4, 4)
    """
    _require_matplotlib()
    import matplotlib as mpl

    frame = _check_frame(movements, "movements", "tiers.movements")
    if list(frame.index.names) != ["tier_before", "tier_after"]:
        raise _problem(
            table="movements",
            column="tier_before, tier_after",
            rule="missing column",
            detail="index the rows by tier_before and tier_after, as tiers.movements "
            f"gives them; got levels {list(frame.index.names)}",
        )
    counts = _numbers(frame, "movements", "tiers.movements", ["accounts"])["accounts"]
    if ax is not None:
        _figure(ax, figsize=(6.0, 5.0))
    grid = pd.Series(counts, index=frame.index).unstack()
    order = sorted(
        set(grid.index) | set(grid.columns), key=lambda t: (isinstance(t, str), str(t))
    )
    grid = grid.reindex(index=order, columns=order)
    values = np.ma.masked_invalid(grid.to_numpy(np.float64))

    figure, axes = _figure(ax, figsize=(6.0, 5.0))
    colours = mpl.colormaps["Blues"].with_extremes(bad=(0.0, 0.0, 0.0, 0.0))
    image = _cells(axes, values, colours)
    axes.set_aspect("equal")
    high = float(values.max()) if values.count() else 0.0
    for i, j in np.argwhere(~np.ma.getmaskarray(values)):
        cell = int(values[i, j])
        dark = high > 0 and cell > 0.6 * high
        axes.text(
            j,
            i,
            f"{cell:,}",
            ha="center",
            va="center",
            fontsize=9,
            color="white" if dark else "black",
        )
    names = [f"Tier {t}" if not isinstance(t, str) else t for t in order]
    axes.set_xticks(np.arange(len(order)), names)
    axes.set_yticks(np.arange(len(order)), names)
    axes.set_xlabel("tier after")
    axes.set_ylabel("tier before")
    axes.tick_params(length=0)
    figure.colorbar(image, ax=axes, label="accounts")
    axes.set_title(title or "Tier movements (accounts)", loc="left")
    return figure


# --------------------------------------------------------------------------
# Health
# --------------------------------------------------------------------------


def health_bands(
    evaluation: HealthEvaluation,
    *,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """
    Draw the churn observed in each health band, with the score's AUC.

    One bar per band (worst first) for the share of its accounts that churned
    within the horizon, labelled with the counts behind it, and a dashed line
    at the overall churn rate. The title gives the as-of month, the horizon
    and the AUC, so a reader sees at once whether the bands separate.

    Parameters
    ----------
    evaluation : HealthEvaluation
        The result of `health.evaluate`.
    title : str, optional
        The figure's title.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on; its Axes holds one bar per band and the
        overall line.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `evaluation` is not a `HealthEvaluation` (a ``by_band`` frame
        alone lacks the AUC: pass the whole result) or `ax` not an Axes.

    See Also
    --------
    subscription_metrics.health.evaluate : The evaluation drawn here.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> signals = sm.health.signals(
    ...     sample.usage, tickets=sample.tickets, as_of="2025-09"
    ... )
    >>> scores = sm.health.score(signals)
    >>> check = sm.health.evaluate(led, scores=scores, as_of="2025-09")
    >>> fig = sm.plots.health_bands(check)
    >>> fig.axes[0].get_title(loc="left")
    'Churn within 3 months by health band at 2025-09 (AUC 0.68)'
    """
    _require_matplotlib()
    if not isinstance(evaluation, HealthEvaluation):
        msg = (
            "'evaluation' must be the HealthEvaluation from health.evaluate, "
            f"got {type(evaluation).__name__}"
        )
        raise TypeError(msg)
    if ax is not None:
        _figure(ax, figsize=(7.0, 4.5))
    table = evaluation.by_band
    values = _numbers(
        table, "by_band", "health.evaluate", ["customers", "churned", "churn_rate"]
    )
    bands = [str(b) for b in table.index]
    keep = np.array([b != "All" for b in bands], np.bool_)
    overall = values["churn_rate"][~keep]

    figure, axes = _figure(ax, figsize=(7.0, 4.5))
    names = [b for b, k in zip(bands, keep, strict=True) if k]
    rates = values["churn_rate"][keep] * 100.0
    colours = [_BAND_COLOURS.get(b, _NEUTRAL) for b in names]
    x = np.arange(len(names))
    bars = axes.bar(x, np.nan_to_num(rates), color=colours, width=0.6)
    axes.bar_label(
        bars,
        labels=[
            f"{r:.1f}%\n{int(c):,} of {int(n):,}" if np.isfinite(r) else "n/a"
            for r, c, n in zip(
                rates, values["churned"][keep], values["customers"][keep], strict=True
            )
        ],
        padding=2,
        fontsize=8,
    )
    if overall.size and np.isfinite(overall[0]):
        axes.axhline(
            overall[0] * 100.0,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"all accounts: {overall[0] * 100.0:.1f}%",
        )
        axes.legend(loc="upper right", fontsize=8, frameon=False)
    axes.set_xticks(x, [b.replace("_", " ") for b in names])
    axes.set_ylabel(f"churned within {evaluation.horizon_months} months (%)")
    top = float(np.nanmax(rates)) if np.isfinite(rates).any() else 1.0
    axes.set_ylim(0.0, top * 1.3 + 0.5)
    axes.grid(True, axis="y", alpha=0.3)
    axes.set_axisbelow(True)
    auc = "n/a" if not np.isfinite(evaluation.auc) else f"{evaluation.auc:.2f}"
    axes.set_title(
        title
        or (
            f"Churn within {evaluation.horizon_months} months by health band at "
            f"{evaluation.as_of} (AUC {auc})"
        ),
        loc="left",
    )
    return figure


# --------------------------------------------------------------------------
# SVG
# --------------------------------------------------------------------------

_ID: Final = re.compile(r'\bid="([^"]+)"')
#: Ids matplotlib derives from a hash that can include object addresses.
_HASHED: Final = re.compile(r'(id="|#)([a-z][0-9a-f]{10})(?![0-9a-f])')
_REFERENCE: Final = re.compile(r'(href="#|url\(#)([^")]+)')


def _stable_ids(text: str) -> str:
    """Rename hashed ids in order of appearance: equal drawings, equal text."""
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match[2]
        new = names.setdefault(old, f"{old[0]}{len(names) + 1}")
        return f"{match[1]}{new}"

    return _HASHED.sub(rename, text)


def to_svg(
    figure: Figure, *, id_prefix: str | None = None, title: str | None = None
) -> str:
    """
    Render a figure as self-contained SVG text, ready to inline in HTML.

    The text starts at ``<svg``: no XML declaration, no DOCTYPE, no
    metadata, no link to anything outside it (text is drawn as glyph paths,
    so no font is needed), and only the SVG namespace. The same figure gives
    the same text byte for byte: no date, and the element ids are derived
    from the drawing, not drawn at random. As the text is paths, the SVG
    says what it shows for screen readers: ``role="img"`` and a ``<title>``,
    the figure's first Axes title unless `title` is given.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to render, such as one returned by this module.
    id_prefix : str, optional
        Text put before every element id (and every reference to one), so
        that several SVGs in one HTML page keep distinct ids; joined with
        ``-`` unless it ends in ``-`` or ``_`` (``"km"`` gives ``km-...``).
    title : str, optional
        The text of the SVG's ``<title>`` (escaped for XML); by default the
        first title found on the figure's Axes, and none if there is none.

    Returns
    -------
    str
        The SVG document.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If `figure` is not a matplotlib Figure.
    ValueError
        If `id_prefix` holds anything but letters, digits, ``-`` and ``_``,
        or does not start with a letter.

    Notes
    -----
    Matplotlib reads the SVG settings from its process-wide ``rcParams``;
    the settings are changed only for the rendering and under a lock, so
    concurrent calls of `to_svg` do not see each other's settings.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> curves = sm.survival.kaplan_meier(
    ...     [1, 3, 3, 5, 8], [True, False, True, True, False]
    ... )
    >>> fig = sm.plots.survival_curves(curves)
    >>> svg = sm.plots.to_svg(fig, id_prefix="km")
    >>> svg.startswith("<svg") and svg == sm.plots.to_svg(fig, id_prefix="km")
    True
    """
    _require_matplotlib()
    import matplotlib as mpl
    from matplotlib.figure import Figure

    if not isinstance(figure, Figure):
        msg = f"'figure' must be a matplotlib Figure, got {type(figure).__name__}"
        raise TypeError(msg)
    if id_prefix is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", id_prefix):
        msg = (
            "'id_prefix' must start with a letter and hold only letters, digits, "
            f"'-' and '_', got {id_prefix!r}"
        )
        raise ValueError(msg)
    buffer = io.StringIO()
    settings: dict[Any, Any] = {
        "svg.hashsalt": _SVG_SALT,
        "svg.fonttype": "path",
        "svg.image_inline": True,
    }
    with _SVG_LOCK, mpl.rc_context(settings):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
        )
    text = buffer.getvalue()
    text = text[text.index("<svg") :]
    text = text.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    text = text.replace("xlink:href=", "href=")
    text = _stable_ids(text)
    if id_prefix:
        head = id_prefix if id_prefix.endswith(("-", "_")) else f"{id_prefix}-"
        text = _ID.sub(lambda m: f'id="{head}{m[1]}"', text)
        text = _REFERENCE.sub(lambda m: f"{m[1]}{head}{m[2]}", text)
    name = title if title is not None else _figure_title(figure)
    opening = text.index(">") + 1
    label = f"<title>{escape(name)}</title>" if name else ""
    return f'{text[: opening - 1]} role="img">{label}{text[opening:]}'


def _figure_title(figure: Figure) -> str:
    """Return the first title on the figure's Axes (left, centre, right), or ""."""
    for axes in figure.axes:
        for loc in ("left", "center", "right"):
            found = axes.get_title(loc=loc)
            if found:
                return found
    return ""
