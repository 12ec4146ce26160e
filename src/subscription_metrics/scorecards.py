"""LTV-aware scorecards: who brought which customers, and what they were worth.

Sales and customer-success work is best judged by
the lifetime value it creates, not by bookings alone: a rep who closes many
deals that churn is worth less than one who closes fewer that stay, and churn
shows up too late to steer by unless it is estimated early.

- `attribution` links every customer to the staff who sourced it (inside
  sales), closed it (field sales) and cover it after the sale (customer
  success, sales, marketing, support), respecting dated owner changes.
- `scorecard` scores each person (or team) for the customers they brought in
  a window: bookings, what later happened to that MRR, early churn,
  Kaplan-Meier retention with intervals, projected retention and LTV from the
  early months, and LTV-weighted bookings, ranked only where the data are
  enough.
- `compare` says whether two people's customers really differ, beyond the
  noise.
- `acquisition_quality` shows the same figures by acquisition channel,
  segment or any fit attribute known at the time of sale.
- `owned_book` scores post-sale owners on the accounts they covered.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _compare
from ._arpa import RESAMPLE_BELOW, check_resample_below
from ._attribution import POST_SALE, attribute, owner_at
from ._conventions import Conventions
from ._economics import monthly_discount_rate
from ._entities import Assignment, Role, StaffMember
from ._kernels import sum_by_key
from ._km import kaplan_meier, survival_at
from ._ledger import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    Ledger,
    MonthLike,
    _month_or_none,
    as_of_month,
)
from ._lifetimes import (
    EarlyCounts,
    age_table,
    counts_curves,
    early_counts,
    early_table,
    lifetimes,
)
from ._schema import validate
from ._score_parts import add_rows, align, combine_early
from ._validation import (
    check_by,
    check_int,
    check_level,
    check_option,
    divide_or_nan,
)
from .churn import _rate_conventions

__all__ = [
    "ADDITIVE_COLUMNS",
    "OWNED_COLUMNS",
    "SCORECARD_COLUMNS",
    "TEAM_COLUMNS",
    "acquisition_quality",
    "attribution",
    "compare",
    "compare_to_team",
    "owned_book",
    "scorecard",
]

_EMPTY: Final = "the ledger is empty; there is nobody to score"

Credit = Literal["closed", "sourced"]
By = Literal["staff", "team"]
Multiplicity = Literal["holm", "none"]

SCORECARD_COLUMNS: Final = (
    "customers_won",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "mrr_at_as_of",
    "early_churn_3m",
    "early_churn_6m",
    "retention_6m",
    "retention_6m_lower",
    "retention_6m_upper",
    "retention_12m",
    "retention_12m_lower",
    "retention_12m_upper",
    "projected_retention_12m",
    "projected_retention_12m_lower",
    "projected_retention_12m_upper",
    "expected_lifetime_months",
    "expected_lifetime_months_lower",
    "expected_lifetime_months_upper",
    "ltv_per_customer",
    "ltv_per_customer_lower",
    "ltv_per_customer_upper",
    "ltv_model",
    "ltv_weighted_bookings",
    "ltv_weighted_bookings_lower",
    "ltv_weighted_bookings_upper",
    "churned",
    "months_observed",
    "thin",
    "rank_bookings",
    "rank_ltv_weighted_bookings",
)
"""Columns of `scorecard` (after ``team`` and ``role`` for people), in order."""

ADDITIVE_COLUMNS: Final = (
    "customers_won",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "mrr_at_as_of",
    "ltv_weighted_bookings",
    "ltv_weighted_bookings_lower",
    "ltv_weighted_bookings_upper",
    "churned",
)
"""Columns of `scorecard` that add up from people to teams to the company."""

_MONEY_COLUMNS: Final = (
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "mrr_at_as_of",
)
"""Sums of booked MRR: int64 minor units of the ledger's currency."""

_ALL: Final = "All"
_NONE: Final = "(none)"
_CREDIT_COLUMN: Final = {"closed": "closed_by", "sourced": "sourced_by"}
_LABEL: Final = "_credited_to"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def attribution(
    ledger: Ledger,
    *,
    deals: pd.DataFrame | None = None,
    assignments: pd.DataFrame | None = None,
    as_of: MonthLike | None = None,
) -> pd.DataFrame:
    """
    Return who sourced, closed and covers each customer of a ledger.

    Rules, in order:

    - ``closed_by``: the owner of the customer's first won ``new`` deal when
      `deals` is given; otherwise the customers table's ``field_sales_rep``,
      or its ``inside_sales_rep`` when no field-sales rep was involved.
    - ``sourced_by``: that deal's ``sourced_by``, or its owner when nobody
      else sourced it; otherwise the customers table's ``inside_sales_rep``.
    - one column per post-sale role (``customer_success``,
      ``customer_sales``, ``customer_marketing``, ``customer_support``): the
      person assigned at the end of `as_of` in the dated `assignments`
      table, or, for a customer that churned earlier, the person assigned
      in its last paid month, who answers for the churn. Without
      assignments, ``customer_success`` is the customers table's
      ``cs_owner`` and the others are empty.

    Parameters
    ----------
    ledger : Ledger
        The ledger; its ``customers`` table supplies ``inside_sales_rep``,
        ``field_sales_rep`` and ``cs_owner`` when present.
    deals : pandas.DataFrame, optional
        Won deals (`Deal` columns).
    assignments : pandas.DataFrame, optional
        Dated owners (`Assignment` columns); rows of one customer and role
        must not overlap.
    as_of : pandas.Period, str or date, optional
        The month owners are read at (default: the ledger's last month).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (every customer of the ledger), with
        ``sourced_by``, ``closed_by`` and the post-sale role columns; None
        where nobody is known.

    Raises
    ------
    InvalidTableError
        If `deals` or `assignments` break their schema, or assignments
        overlap.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> who = sm.scorecards.attribution(led, deals=sample.deals)
    >>> who.loc["cus-00004", ["sourced_by", "closed_by", "customer_success"]]
    sourced_by          st-001
    closed_by           st-016
    customer_success    st-024
    Name: cus-00004, dtype: object
    """
    return attribute(
        ledger,
        deals=deals,
        assignments=assignments,
        as_of=as_of_month(ledger, as_of, empty=_EMPTY),
    )


def _staff_table(staff: pd.DataFrame) -> pd.DataFrame:
    out = validate(staff, StaffMember).set_index("staff_id")
    out["role"] = out["role"].astype(str)
    out["team"] = out["team"].astype(object).where(out["team"].notna(), _NONE)
    return out


def _with_labels(ledger: Ledger, labels: pd.Series) -> Ledger:
    """Return the same ledger with one more customer attribute: the label."""
    customers = ledger.customers.copy()
    # Categorical: a million labels are a million small ints, not strings.
    customers[_LABEL] = pd.Categorical(labels.to_numpy(object))
    return attrs.evolve(ledger, customers=customers)


def _movements(
    ledger: Ledger, code: IntArray, labels: pd.Index, as_of: int
) -> pd.DataFrame:
    """
    Expansion, contraction and churn MRR of each label's customers to `as_of`.

    `code` gives each customer's position in `labels`, or -1 for customers
    left out.
    """
    ev = ledger._events
    seen = ev.month <= as_of
    group = code[ev.customer[seen]]
    kept = group >= 0
    group, change, kind = group[kept], ev.mrr_change[seen][kept], ev.kind[seen][kept]
    n = len(labels)
    out = {
        "expansion_mrr": sum_by_key(
            group[kind == EXPANSION], change[kind == EXPANSION], n
        ),
        "contraction_mrr": sum_by_key(
            group[kind == CONTRACTION], -change[kind == CONTRACTION], n
        ),
        "churned_mrr": sum_by_key(group[kind == CHURN], -change[kind == CHURN], n),
    }
    # MRR at the end of `as_of`: the last event of each customer up to it.
    customer = ev.customer[seen]
    final = np.append(customer[1:] != customer[:-1], True)[: len(customer)]
    last_code = code[customer[final]]
    mine = last_code >= 0
    out["mrr_at_as_of"] = sum_by_key(
        last_code[mine], ev.mrr_after[seen][final][mine], n
    )
    return pd.DataFrame(out, index=labels)


@attrs.frozen(kw_only=True)
class _Scope:
    """What a scorecard covers and how it estimates."""

    window: tuple[int, int]
    as_of: int
    conventions: Conventions
    min_customers: int
    min_churned: int
    horizon_months: int | None
    level: float
    seed: int | np.random.Generator
    resample_below: int = RESAMPLE_BELOW  # shapes the sums: ARPA's table or moments
    blocks: bool = False  # the sums are a block's, to be added up (Dask's partial)


def _scope(
    ledger: Ledger,
    *,
    since: MonthLike | None,
    through: MonthLike | None,
    as_of: MonthLike | None,
    conventions: Conventions | None,
    min_customers: int,
    min_churned: int,
    horizon_months: int | None,
    level: float,
    seed: int | np.random.Generator,
    resample_below: int = RESAMPLE_BELOW,
) -> _Scope:
    """Resolve the window (acquisition months) and the estimation options."""
    chosen = _rate_conventions(ledger, conventions)
    read = as_of_month(ledger, as_of, empty=_EMPTY)
    lo = _month_or_none(since, "since")
    hi = _month_or_none(through, "through")
    first = int(ledger.first_month.ordinal) if ledger.first_month is not None else read
    return _Scope(
        window=(first if lo is None else lo, read if hi is None else min(hi, read)),
        as_of=read,
        conventions=chosen,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        resample_below=check_resample_below(resample_below),
    )


def _block_scope(
    ledger: Ledger,
    *,
    since: MonthLike | None,
    through: MonthLike | None,
    as_of: MonthLike | None,
    resample_below: int = RESAMPLE_BELOW,
) -> _Scope:
    """
    Resolve the window of a block's partial sums (the ledger's conventions).

    The sums of a block do not depend on the estimation options (thin
    limits, horizon, level, seed): the finish takes those, so the scope of
    a partial carries neutral ones. `resample_below` does shape them: a
    segment that size keeps moment sums of its first-month MRRs, not their
    table.
    """
    scope = _scope(
        ledger,
        since=since,
        through=through,
        as_of=as_of,
        conventions=None,
        min_customers=1,
        min_churned=0,
        horizon_months=None,
        level=0.95,
        seed=0,
        resample_below=resample_below,
    )
    return attrs.evolve(scope, blocks=True)


_EARLY_MONTHS: Final = (3, 6)
_MOVES: Final = ("expansion_mrr", "contraction_mrr", "churned_mrr", "mrr_at_as_of")


@attrs.frozen(kw_only=True, eq=False)
class _GroupParts:
    """
    The sums a scorecard's figures need of a block of whole customers, per label.

    One row per label (person, team, segment or ``"All"``) of the customers
    acquired in the window, sorted; every array holds exact counts or int64
    sums, so the parts of blocks of customers add up (`_combine_groups`) to
    those of all of them, and `_group_finish` turns either into the figures.
    """

    labels: pd.DataFrame  # one column, _LABEL
    lost: IntArray  # (labels, ages): first paid spells churned at age t
    still: IntArray  # (labels, ages): censored at age t
    new_mrr: IntArray  # (labels,)
    early: IntArray  # (labels, 4): known and churned within 3, then 6 months
    moves: IntArray  # (labels, 4): the `_MOVES` sums
    early_counts: EarlyCounts  # what early_ltv reads (out of window: missing)


def _group_parts(ledger: Ledger, labels: pd.Series, scope: _Scope) -> _GroupParts:
    """Sum what every scorecard figure needs, per label (see `_GroupParts`)."""
    lo, hi = scope.window
    as_of = scope.as_of
    month = pd.Period(ordinal=as_of, freq="M")
    led = _with_labels(ledger, labels)
    spans = lifetimes(led, by=_LABEL, as_of=month)
    spans = spans[spans["spell"] == 1]
    cohort = np.asarray(pd.PeriodIndex(spans["cohort"]).asi8, np.int64)
    won = spans[(cohort >= lo) & (cohort <= hi)]
    label = won[_LABEL].astype(object).where(won[_LABEL].notna(), _NONE)
    start = np.asarray(pd.PeriodIndex(won["start"]).asi8, np.int64)
    # Only customers acquired in the window carry a label from here on.
    ids = pd.Index(ledger.customers["customer_id"])
    rows = ids.get_indexer(pd.Index(won["customer_id"]))
    label_codes, label_values = pd.factorize(label, sort=True)
    label_codes = label_codes.astype(np.int64)
    n = len(label_values)
    code = np.full(len(ids), -1, np.int64)
    code[rows] = label_codes
    in_window = pd.Series(None, index=labels.index, dtype=object)
    in_window.iloc[rows] = label.to_numpy(object)
    age = won["age"].to_numpy(np.int64)
    observed = won["observed"].to_numpy(bool)
    duration = won["duration"].to_numpy(np.int64)
    lost, still = age_table(label_codes, age, observed, n)
    early = []
    for months in _EARLY_MONTHS:
        churned = observed & (duration <= months)
        known = (start + months - 1 <= as_of) | churned
        early.append(np.bincount(label_codes[known], minlength=n))
        early.append(np.bincount(label_codes[churned & known], minlength=n))
    moves = _movements(ledger, code, pd.Index(label_values, name=_LABEL), as_of)
    scored = _with_labels(ledger, in_window)
    return _GroupParts(
        labels=pd.DataFrame({_LABEL: pd.Index(label_values, dtype=object)}),
        lost=lost,
        still=still,
        new_mrr=sum_by_key(label_codes, won["start_mrr"].to_numpy(np.int64), n),
        early=np.stack(early, axis=1).astype(np.int64).reshape(n, 4),
        moves=moves[list(_MOVES)].to_numpy(np.int64).reshape(n, 4),
        early_counts=early_counts(
            scored,
            [_LABEL],
            as_of=as_of,
            conventions=scope.conventions,
            resample_below=scope.resample_below,
            combinable=scope.blocks,
        ),
    )


def _combine_groups(parts: list[_GroupParts]) -> _GroupParts:
    """Add up the `_GroupParts` of blocks of whole customers."""
    if len(parts) == 1:
        return parts[0]
    labels, codes = align([p.labels for p in parts], [_LABEL])
    n = len(labels)

    def added(name: str) -> IntArray:
        return add_rows([getattr(p, name) for p in parts], codes, n)

    return _GroupParts(
        labels=labels,
        lost=added("lost"),
        still=added("still"),
        new_mrr=added("new_mrr"),
        early=added("early"),
        moves=added("moves"),
        early_counts=combine_early([p.early_counts for p in parts]),
    )


def _group_finish(parts: _GroupParts, scope: _Scope) -> pd.DataFrame:
    """Finish every scorecard figure per label from the sums of `_group_parts`."""
    index = pd.Index(parts.labels[_LABEL].to_numpy(object), name=_LABEL)
    lost, still = parts.lost, parts.still
    seen = (lost + still) > 0
    width = seen.shape[1]
    longest = np.where(
        seen.any(axis=1), width - 1 - np.argmax(seen[:, ::-1], axis=1), 0
    )
    out = pd.DataFrame(
        {
            "customers_won": lost.sum(axis=1) + still.sum(axis=1),
            "new_mrr": parts.new_mrr,
            "churned": lost.sum(axis=1),
            "months_observed": longest.astype(np.int64),
        },
        index=index,
    )
    if not len(out):  # nobody acquired in the window
        figures = [c for c in SCORECARD_COLUMNS if not c.startswith("rank_")]
        return out.reindex(columns=figures).astype({"thin": bool})
    for j, name in enumerate(_MOVES):
        out[name] = parts.moves[:, j]
    for j, months in enumerate(_EARLY_MONTHS):
        known = pd.Series(parts.early[:, 2 * j], index=index)
        churned = pd.Series(parts.early[:, 2 * j + 1], index=index)
        out[f"early_churn_{months}m"] = churned / known.replace(0, np.nan)
    groups = pd.DataFrame({"group": index.to_numpy(object)})
    curves = counts_curves(lost, still, groups, scope.level)
    at = survival_at(curves, [6, 12]).reset_index()
    at = at.rename(columns={"group": _LABEL})
    for months in (6, 12):
        part = at[at["time"] == months].set_index(_LABEL)
        out[f"retention_{months}m"] = part["survival"]
        out[f"retention_{months}m_lower"] = part["lower"]
        out[f"retention_{months}m_upper"] = part["upper"]
    early = early_table(
        parts.early_counts,
        [_LABEL],
        horizons=(12,),
        horizon_months=scope.horizon_months,
        min_customers=scope.min_customers,
        min_churned=scope.min_churned,
        level=scope.level,
        seed=scope.seed,
        conventions=scope.conventions,
    )
    early.index = early.index.astype(str)
    out["projected_retention_12m"] = early["survival_12"]
    out["projected_retention_12m_lower"] = early["survival_12_lower"]
    out["projected_retention_12m_upper"] = early["survival_12_upper"]
    # The flag of a fit at the sBG bound (no warning: one call fits many rows).
    out["ltv_model"] = early["model"].reindex(out.index).astype(object)
    margin = scope.conventions.gross_margin
    for suffix in ("", "_lower", "_upper"):
        out[f"expected_lifetime_months{suffix}"] = early[f"expected_lifetime{suffix}"]
        out[f"ltv_per_customer{suffix}"] = early[f"lifetime_value{suffix}"]
        # Bookings are known: only the lifetime is uncertain, not ARPA.
        per_unit = margin * early[f"discounted_lifetime{suffix}"]
        out[f"ltv_weighted_bookings{suffix}"] = out["new_mrr"] * per_unit
    out["thin"] = early["thin"].reindex(out.index).fillna(True).astype(bool)
    return out


def _group_figures(ledger: Ledger, labels: pd.Series, scope: _Scope) -> pd.DataFrame:
    """Compute every scorecard figure per label, for the customers won in the window."""
    return _group_finish(_group_parts(ledger, labels, scope), scope)


@attrs.define(eq=False)
class _Shared:
    """
    What the scorecard calls of one report share, computed once (private).

    The report makes one for its ledger and hands it to `_scorecard`,
    `_compare` and `_acquisition_quality`: the attribution of a deals table
    at a month, and the company's figures (one early-LTV fit and bootstrap
    over everyone) for a scope. Each entry gives exactly what the call
    would compute; the public functions pass none. A scope with a numpy
    Generator as its seed is never shared (each call draws on from it).
    """

    ledger: Ledger
    attributions: list[tuple[pd.DataFrame | None, int, pd.DataFrame]] = attrs.field(
        factory=list
    )
    companies: dict[tuple[int, _Scope], pd.DataFrame] = attrs.field(factory=dict)


def _attributed(
    ledger: Ledger, deals: pd.DataFrame | None, as_of: int, shared: _Shared | None
) -> pd.DataFrame:
    """`attribute` of the deals at `as_of`, once per report (`_Shared`)."""
    if shared is None or shared.ledger is not ledger:
        return attribute(ledger, deals=deals, assignments=None, as_of=as_of)
    for table, month, who in shared.attributions:
        if table is deals and month == as_of:
            return who
    who = attribute(ledger, deals=deals, assignments=None, as_of=as_of)
    shared.attributions.append((deals, as_of, who))
    return who


def _company(
    ledger: Ledger,
    customers: pd.Index,
    scope: _Scope,
    parts: pd.DataFrame,
    shared: _Shared | None,
) -> pd.DataFrame:
    """Return the company's row: figures on everyone, additive sums of parts."""
    # The figures on everyone depend on the ledger and the scope alone
    # (`customers` is the ledger's customers, in its order).
    key = (len(customers), scope)
    usable = (
        shared is not None
        and shared.ledger is ledger
        and not isinstance(scope.seed, np.random.Generator)
    )
    if usable and shared is not None and key in shared.companies:
        company = shared.companies[key].copy()
    else:
        everyone = pd.Series(_ALL, index=customers, dtype=object)
        company = _group_figures(ledger, everyone, scope)
        if usable and shared is not None:
            shared.companies[key] = company.copy()
    return _company_row(company, parts)


def _company_row(company: pd.DataFrame, parts: pd.DataFrame) -> pd.DataFrame:
    """Return the company's row: its figures, with the additive sums of `parts`."""
    if not len(company):
        company = company.reindex(pd.Index([_ALL], name=company.index.name))
        company["thin"] = True
    for name in ADDITIVE_COLUMNS:  # one by one: int64 sums stay exact
        company[name] = parts[name].sum()
    return company


def _rank(values: pd.Series, eligible: pd.Series) -> pd.Series:
    """Rank descending (1 = best) among eligible rows; NaN for the others."""
    ranked = values.where(eligible).rank(ascending=False, method="min")
    return ranked


def scorecard(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame | None = None,
    credit: Credit = "closed",
    by: By = "staff",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
    total: bool = True,
    resample_arpa_below: int = RESAMPLE_BELOW,
) -> pd.DataFrame:
    """
    Score the people who brought customers by the lifetime value they brought.

    For the customers acquired from `since` through `through` (their first
    paid month), credited to whoever closed (or sourced) them, each person
    gets: customers won and new MRR (bookings); what that MRR did afterwards
    up to `as_of` (expansion, contraction, churn, MRR still there); early
    churn (the share churned within 3 and 6 months among customers seen that
    long); Kaplan-Meier retention at 6 and 12 months with intervals;
    retention at 12 months, the expected lifetime in months (within
    `horizon_months`) and LTV per customer projected by a
    shifted-beta-geometric fit to the early months (``survival.early_ltv``),
    with parametric-bootstrap intervals (LTV's including the uncertainty
    of ARPA); and LTV-weighted bookings, ``new MRR x margin x
    expected discounted lifetime``: the number that says whether many deals
    that churn beat fewer that stay.

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    staff : pandas.DataFrame
        People (`StaffMember` columns), for their team and role.
    deals : pandas.DataFrame, optional
        Won deals (`Deal` columns): who closed and sourced each customer's
        first deal (see `attribution`).
    credit : {'closed', 'sourced'}, default 'closed'
        Credit customers to the closer (field sales) or the source (inside
        sales).
    by : {'staff', 'team'}, default 'staff'
        One row per person or per team.
    since, through : pandas.Period, str or date, optional
        The acquisition months scored (default: all through `as_of`).
    as_of : pandas.Period, str or date, optional
        The month results are read at (default: the ledger's last).
    min_customers, min_churned : int, default 30 and 5
        A row with fewer customers or observed churns is ``thin``: shown,
        but not ranked on LTV-weighted bookings.
    horizon_months : int or None, default 60
        LTV counts the first this many months of a customer's life (five
        years, the lifetime Stripe assumes when it cannot see churn), so a
        projection whose tail never stops paying (a shifted-beta-geometric
        ``alpha <= 1``) still gives a finite, comparable value. None sums
        the whole projected lifetime (finite only when the conventions
        discount).
    level : float, default 0.95
        Coverage of every interval.
    seed : int or numpy.random.Generator, default 0
        Makes the bootstrap behind the projected intervals reproducible.
    conventions : Conventions, optional
        Gross margin, discount rate and lifetime rules (default: the
        ledger's).
    total : bool, default True
        Add an ``"All"`` row for the company.
    resample_arpa_below : int, default 500
        The interval of LTV per customer includes ARPA's uncertainty by
        resampling the row's first-month MRRs: customer by customer for a
        row with fewer customers than this, from the bootstrap's
        large-sample limit for one with at least this many (see Notes).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``staff_id`` (with ``team`` and ``role`` columns) or
        ``team``, then `SCORECARD_COLUMNS`. The sums of booked MRR
        (``new_mrr``, ``expansion_mrr``, ``contraction_mrr``,
        ``churned_mrr``, ``mrr_at_as_of``) are int64 minor units of the
        ledger's currency, which ``attrs["currency"]`` names; the ``ltv_*``
        figures are model expectations in the same unit, so float; rates are
        fractions. The `ADDITIVE_COLUMNS` of the
        people add up to their team's and the company's; the other figures
        are estimated again on the team's or the company's customers.
        ``rank_bookings`` ranks every row by new MRR;
        ``rank_ltv_weighted_bookings`` ranks only rows that are not
        ``thin`` (NaN otherwise). ``ltv_model`` says how the LTV was
        projected: ``'sbg'``, or ``'geometric'`` where the sBG fit ran to
        its parameter bound because churn does not vary across the row's
        customers (the model's geometric limit; as in `survival.early_ltv`,
        no `BoundaryFitWarning` is given). Customers without anyone
        credited form a ``"(none)"`` row.

    See Also
    --------
    compare : Whether two people's customers differ beyond the noise.
    survival.early_ltv : The projection behind the LTV figures.

    Notes
    -----
    **ARPA's uncertainty.** Each bootstrap draw of ``ltv_per_customer``
    multiplies a refitted lifetime by a resampled ARPA: the mean of the
    row's first-month MRRs drawn with replacement, as many as it has
    customers. A row with fewer than `resample_arpa_below` customers (500)
    is resampled customer by customer. A row with at least that many draws
    its resampled mean from the distribution that resampling converges to
    (the central limit theorem): normal with the row's mean and variance
    over ``n``, corrected for the skewness of the resampled mean
    (Cornish-Fisher) and clipped to the row's smallest and largest MRR.
    Its moments come from exact sums of the first-month MRRs (int64 minor
    units), their squares and their cubes, held in integer digits that
    cannot overflow, so a block of customers hands on a fixed number of
    sums per row however many customers and prices it has, and the blocks
    of ``sm.dask.scorecard`` add up to the same bits as one ledger. Against
    resampling customer by customer, the 2.5%, 50% and 97.5% quantiles of
    the resampled mean agree to within 0.1% of the mean at 500 lognormal
    customers and within 0.3% on heavy tails (three accounts paying a
    thousand times the others), and the coverage of the intervals does not
    change (``benchmarks/README.md``). Raise `resample_arpa_below` to
    resample larger rows too, at the cost of a table row per distinct MRR.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> card = sm.scorecards.scorecard(led, staff=sample.staff, deals=sample.deals)
    >>> card.loc[[sm.datasets.REP_A, sm.datasets.REP_B],
    ...          ["customers_won", "rank_bookings", "rank_ltv_weighted_bookings"]]
              customers_won  rank_bookings  rank_ltv_weighted_bookings
    staff_id
    st-015              255            7.0                        13.0
    st-017              116           14.0                         9.0
    """
    return _scorecard(
        ledger,
        staff=staff,
        deals=deals,
        credit=credit,
        by=by,
        since=since,
        through=through,
        as_of=as_of,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        conventions=conventions,
        total=total,
        resample_arpa_below=resample_arpa_below,
        shared=None,
    )


def _scorecard(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame | None = None,
    credit: Credit = "closed",
    by: By = "staff",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
    total: bool = True,
    resample_arpa_below: int = RESAMPLE_BELOW,
    shared: _Shared | None,
) -> pd.DataFrame:
    """Do `scorecard`; `shared` holds what the calls of one report share."""
    check_by(by, what="'staff' or 'team'")
    scope = _scope(
        ledger,
        since=since,
        through=through,
        as_of=as_of,
        conventions=conventions,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        resample_below=resample_arpa_below,
    )
    people = _staff_table(staff)
    who = _attributed(ledger, deals, scope.as_of, shared)
    credited = _credited(who, credit)
    parts = _card_parts(ledger, credited, people, by, scope, company=False)
    rows, person = _card_rows(parts, people, by, scope)
    if total:
        rows = _with_company(
            rows, _company(ledger, credited.index, scope, person, shared)
        )
    return _ranked(rows, by, ledger.currency)


def _credited(who: pd.DataFrame, credit: Credit) -> pd.Series:
    """Who each customer is credited to (``"(none)"`` for nobody)."""
    if credit not in _CREDIT_COLUMN:
        msg = f"'credit' must be 'closed' or 'sourced', got {credit!r}"
        raise ValueError(msg)
    credited = who[_CREDIT_COLUMN[credit]].astype(object)
    return credited.where(credited.notna(), _NONE)


@attrs.frozen(kw_only=True, eq=False)
class _CardParts:
    """The sums of a scorecard for a block of whole customers (private)."""

    person: _GroupParts
    team: _GroupParts | None
    company: _GroupParts | None
    currency: str | None = None


def _card_parts(
    ledger: Ledger,
    credited: pd.Series,
    people: pd.DataFrame,
    by: By,
    scope: _Scope,
    *,
    company: bool,
) -> _CardParts:
    """Sum what a scorecard needs: per person, per team (by team), for everyone."""
    if by not in ("staff", "team"):
        msg = f"'by' must be 'staff' or 'team', got {by!r}"
        raise ValueError(msg)
    team = None
    if by == "team":
        team_of = people["team"].reindex(credited.to_numpy()).to_numpy(object)
        labels = pd.Series(team_of, index=credited.index)
        labels = labels.where(pd.notna(team_of), _NONE)
        team = _group_parts(ledger, labels, scope)
    everyone = None
    if company:
        labels = pd.Series(_ALL, index=credited.index, dtype=object)
        everyone = _group_parts(ledger, labels, scope)
    return _CardParts(
        person=_group_parts(ledger, credited, scope),
        team=team,
        company=everyone,
        currency=ledger.currency,
    )


def _combine_cards(parts: list[_CardParts]) -> _CardParts:
    """Add up the `_CardParts` of blocks of whole customers."""
    currencies = {p.currency for p in parts}
    if len(currencies) > 1:
        msg = (
            "the blocks must share their currency to be added up, "
            f"got {sorted(map(str, currencies))}"
        )
        raise ValueError(msg)
    teams = [p.team for p in parts if p.team is not None]
    everyone = [p.company for p in parts if p.company is not None]
    return _CardParts(
        person=_combine_groups([p.person for p in parts]),
        team=_combine_groups(teams) if teams else None,
        company=_combine_groups(everyone) if everyone else None,
        currency=parts[0].currency,
    )


def _block_card(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame | None,
    credit: Credit,
    by: By,
    since: MonthLike | None,
    through: MonthLike | None,
    as_of: MonthLike | None,
    total: bool,
    resample_below: int = RESAMPLE_BELOW,
) -> _CardParts:
    """
    Return the scorecard's sums for one block of whole customers (Dask's partial).

    `deals` need only hold the block's customers' deals. The estimation
    options do not shape the sums; `_finish_card` takes them. The size from
    which ARPA uses moments does (`resample_below`).
    """
    check_by(by, what="'staff' or 'team'")
    scope = _block_scope(
        ledger, since=since, through=through, as_of=as_of, resample_below=resample_below
    )
    people = _staff_table(staff)
    who = attribute(ledger, deals=deals, assignments=None, as_of=scope.as_of)
    return _card_parts(ledger, _credited(who, credit), people, by, scope, company=total)


def _finish_scope(
    *,
    as_of: int,
    conventions: Conventions,
    min_customers: int,
    min_churned: int,
    horizon_months: int | None,
    level: float,
    seed: int | np.random.Generator,
) -> _Scope:
    """Return the estimation options of a finish (the blocks chose the customers)."""
    return _Scope(
        window=(as_of, as_of),
        as_of=as_of,
        conventions=conventions,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
    )


def _finish_quality(
    parts: _CardParts, *, by: str, total: bool, **options: Any
) -> pd.DataFrame:
    """Finish `acquisition_quality` from the added-up sums of its blocks."""
    scope = _finish_scope(**options)
    rows = _group_finish(parts.person, scope)
    company = None
    if total:
        if parts.company is None:
            msg = "the blocks were summed without the company's row (total=False)"
            raise ValueError(msg)
        company = _company_row(_group_finish(parts.company, scope), rows)
    return _quality_rows(rows, company, by, parts.currency)


def _finish_card(
    parts: _CardParts,
    *,
    staff: pd.DataFrame,
    by: By,
    as_of: int,
    conventions: Conventions,
    min_customers: int,
    min_churned: int,
    horizon_months: int | None,
    level: float,
    seed: int | np.random.Generator,
    total: bool,
) -> pd.DataFrame:
    """Finish a scorecard from the added-up sums of its blocks (`_block_card`)."""
    scope = _finish_scope(
        as_of=as_of,
        conventions=conventions,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
    )
    people = _staff_table(staff)
    rows, person = _card_rows(parts, people, by, scope)
    if total:
        if parts.company is None:
            msg = "the blocks were summed without the company's row (total=False)"
            raise ValueError(msg)
        company = _company_row(_group_finish(parts.company, scope), person)
        rows = _with_company(rows, company)
    return _ranked(rows, by, parts.currency)


def _card_rows(
    parts: _CardParts, people: pd.DataFrame, by: By, scope: _Scope
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Finish the rows of a scorecard (people or teams) and the people's figures."""
    person = _group_finish(parts.person, scope)
    if by == "staff":
        rows = person
        rows.index = rows.index.rename("staff_id")
        rows.insert(0, "role", people["role"].reindex(rows.index))
        rows.insert(0, "team", people["team"].reindex(rows.index))
        return rows, person
    if parts.team is None:  # pragma: no cover - `_card_parts` makes them
        msg = "a scorecard by team needs the teams' sums"
        raise ValueError(msg)
    rows = _group_finish(parts.team, scope)
    sums = (
        person[list(ADDITIVE_COLUMNS)]
        .groupby(people["team"].reindex(person.index).fillna(_NONE).to_numpy())
        .sum()
    )
    rows[list(ADDITIVE_COLUMNS)] = sums.reindex(rows.index)
    rows.index = rows.index.rename("team")
    return rows, person


def _with_company(rows: pd.DataFrame, company: pd.DataFrame) -> pd.DataFrame:
    company.index = pd.Index([_ALL], name=rows.index.name)
    return pd.concat([rows, company])


def _ranked(rows: pd.DataFrame, by: By, currency: str | None) -> pd.DataFrame:
    """Rank the rows (not ``"All"``), put the columns in order, counts as ints."""
    ranked = rows.index != _ALL
    rows["rank_bookings"] = _rank(
        rows["new_mrr"].astype(float), pd.Series(ranked, index=rows.index)
    )
    rows["rank_ltv_weighted_bookings"] = _rank(
        rows["ltv_weighted_bookings"],
        pd.Series(ranked, index=rows.index) & ~rows["thin"],
    )
    front = ["team", "role"] if by == "staff" else []
    return _counts_as_ints(rows[[*front, *SCORECARD_COLUMNS]], currency)


def _counts_as_ints(frame: pd.DataFrame, currency: str | None) -> pd.DataFrame:
    """Return the frame with its counts and money as integers (money: minor units)."""
    out = frame.copy()
    for name in ("customers_won", "churned", "months_observed"):
        out[name] = out[name].fillna(0).astype(np.int64)
    for name in _MONEY_COLUMNS:
        if name in out.columns:
            out[name] = out[name].astype(np.int64)
    out.attrs["currency"] = currency
    return out


def _logrank(
    age: IntArray, observed: npt.NDArray[np.bool_], first: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    """Two-sample log-rank statistic (chi-square, 1 df) and its p-value."""
    from scipy.special import chdtrc

    times = np.unique(age[observed])
    if not len(times):
        return 0.0, 1.0
    order = np.sort(age)
    at_risk = len(age) - np.searchsorted(order, times, side="left")
    order_first = np.sort(age[first])
    at_risk_first = first.sum() - np.searchsorted(order_first, times, side="left")
    events = np.bincount(np.searchsorted(times, age[observed]), minlength=len(times))
    mask = observed & first
    events_first = np.bincount(np.searchsorted(times, age[mask]), minlength=len(times))
    share = at_risk_first / at_risk
    expected = events * share
    spread = at_risk - 1
    variance = np.where(
        spread > 0,
        events * share * (1 - share) * (at_risk - events) / np.maximum(spread, 1),
        0.0,
    )
    total_variance = float(variance.sum())
    if total_variance <= 0:
        return 0.0, 1.0
    statistic = float((events_first.sum() - expected.sum()) ** 2 / total_variance)
    return statistic, float(chdtrc(1, statistic))


def _won_spans(
    ledger: Ledger, labels: pd.Series, scope: _Scope, keep: pd.Index | None = None
) -> pd.DataFrame:
    """
    First paid spells of the customers acquired in the window, with their label.

    Adds ``window``: the renewal decisions each customer could be seen to
    face by `as_of` (``as_of - start``), the censoring a simulation must
    repeat. With `keep`, only the customers whose label is in it.
    """
    read, (lo, hi) = scope.as_of, scope.window
    led = _with_labels(ledger, labels)
    spans = lifetimes(led, by=_LABEL, as_of=pd.Period(ordinal=read, freq="M"))
    spans = spans[spans["spell"] == 1]
    cohort = np.asarray(pd.PeriodIndex(spans["cohort"]).asi8, np.int64)
    chosen = (cohort >= lo) & (cohort <= hi)
    if keep is not None:
        chosen &= spans[_LABEL].isin(keep).to_numpy(bool)
    spans = spans[chosen].copy()
    start = np.asarray(pd.PeriodIndex(spans["start"]).asi8, np.int64)
    spans["window"] = read - start
    return spans


def _books(
    spans: pd.DataFrame, names: pd.Index
) -> tuple[_compare.Books, IntArray, IntArray]:
    """Count lifetimes per label in `names` order; also each span's code, window."""
    code = names.get_indexer(pd.Index(spans[_LABEL].astype(object))).astype(np.int64)
    age = spans["age"].to_numpy(np.int64)
    observed = spans["observed"].to_numpy(bool)
    window = spans["window"].to_numpy(np.int64)
    width = int(window.max(initial=0)) + 1
    books = _compare.Books.of(age, observed, code, len(names), width=width)
    return books, code, window


def compare(
    ledger: Ledger,
    first: str,
    second: str,
    *,
    deals: pd.DataFrame | None = None,
    credit: Credit = "closed",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    horizon_months: int | None = 60,
    level: float = 0.95,
    multiplicity: Multiplicity = "holm",
    n_draws: int = 2_000,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Say whether two people's customers differ beyond the noise.

    Puts the two side by side on the figures of `scorecard` and tests each
    difference itself, not whether two intervals overlap:

    - the whole survival curves: the log-rank test;
    - Kaplan-Meier retention at 12 months: the difference with a Greenwood
      interval (normal approximation, z-test);
    - projected retention at 12 months: a likelihood-ratio test of one
      retention model for both people's customers against one each
      (shifted-beta-geometric, or its geometric limit where churn does not
      vary across customers; see Notes), with the difference's interval
      from the parametric bootstrap below;
    - LTV per customer and LTV-weighted bookings: the difference, its
      interval and p-value from a parametric bootstrap (`n_draws` sets of
      lifetimes simulated from each person's fit with that person's own
      censoring, refitted and valued; ARPA drawn from the normal
      approximation of its mean).

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    first, second : str
        The two ``staff_id`` values.
    deals, credit, since, through, as_of, horizon_months, level, conventions
        As for `scorecard`.
    multiplicity : {"holm", "none"}, default "holm"
        How the five tested rows share the error rate ``1 - level``.
        ``"holm"``: their p-values are adjusted by Holm's step-down method
        (``p_adjusted``), so that two people whose customers do not differ
        are called different on any row with probability at most
        ``1 - level`` in all. ``"none"``: each row is judged by its own
        p-value (``p_adjusted`` equals ``p_value``), the right reading for
        one row chosen beforehand; a reader acting on any of the five then
        calls equal people different about twice as often as the level
        says (see Notes).
    n_draws : int, default 2000
        Bootstrap draws per person; the smallest p-value a bootstrap row
        can show is ``2 / (n_draws + 1)``.
    seed : int or numpy.random.Generator, default 0
        Random state of the projection's parameter draws and of the
        bootstrap.

    Returns
    -------
    pandas.DataFrame
        One row per figure (``customers_won``, ``new_mrr``,
        ``survival_curve``, ``retention_12m``, ``projected_retention_12m``,
        ``ltv_per_customer``, ``ltv_weighted_bookings``), with the columns
        `first`, `second`, ``difference`` (first minus second), ``lower``
        and ``upper`` (of the difference, where one is computed),
        ``p_value``, ``p_adjusted`` (by `multiplicity`), ``beyond_noise``
        (``p_adjusted < 1 - level``; None for counts, which carry no
        sampling noise of their own) and ``test`` (how the p-value was
        computed).

    Raises
    ------
    ValueError
        If nobody credited to `first` or `second` was acquired in the
        window, or as for `scorecard`.

    See Also
    --------
    compare_to_team : Everyone against their team at once, with shrinkage
        and false-discovery-rate control.

    Notes
    -----
    **Which retention model.** The model is chosen on the two people's
    customers pooled, which say nothing about their difference: the
    shifted-beta-geometric model where its fit beats the geometric limit
    (churn the same for every customer) at the 5% level, and otherwise the
    geometric model. The likelihood-ratio statistic is then chi-square with
    2 degrees of freedom (sBG) or 1 (geometric) when the two do not differ.
    Near the geometric limit the sBG parameters run off to infinity and
    their normal approximation fails, which made intervals built on it
    blow up; the likelihood ratio and the bootstrap need no such
    approximation.

    **Assumptions.** Customers churn independently; within each person the
    fitted model holds, and the month a customer was acquired says nothing
    about its churn; revenue and lifetime are independent (the value is
    ARPA times expected payments). The bootstrap holds the design fixed:
    the same customers, acquired in the same months, seen to the same
    `as_of`. The interval of the projected retention and the
    likelihood-ratio p-value answer slightly different questions (the
    retention at 12 months, the whole curve), so they can disagree near
    the level. Calibration on simulated reps (false alarms on equal reps,
    power against higher churn) is in ``benchmarks/README.md``.

    **Five tests, one verdict.** The five rows test overlapping questions
    (the curve, retention at 12 months, the model's projection, LTV, and
    LTV-weighted bookings) on the same customers. Each row alone calls
    equal people different in about 5% of cases at the 0.95 level; acting
    on whichever row shows a difference did so in 8% to 11% of simulated
    equal pairs. Holm's adjustment (the default) bounds that at 5% for any
    dependence between the rows; a difference as large as three times the
    hazard at 220 customers each is still found every time.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> sm.scorecards.compare(led, sm.datasets.REP_A, sm.datasets.REP_B,
    ...                       deals=sample.deals)["beyond_noise"]
    figure
    customers_won              None
    new_mrr                    None
    survival_curve             True
    retention_12m              True
    projected_retention_12m    True
    ltv_per_customer           True
    ltv_weighted_bookings      True
    Name: beyond_noise, dtype: object
    """
    return _compare_two(
        ledger,
        first,
        second,
        deals=deals,
        credit=credit,
        since=since,
        through=through,
        as_of=as_of,
        horizon_months=horizon_months,
        level=level,
        multiplicity=multiplicity,
        n_draws=n_draws,
        seed=seed,
        conventions=conventions,
        shared=None,
    )


def _compare_two(
    ledger: Ledger,
    first: str,
    second: str,
    *,
    deals: pd.DataFrame | None = None,
    credit: Credit = "closed",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    horizon_months: int | None = 60,
    level: float = 0.95,
    multiplicity: Multiplicity = "holm",
    n_draws: int = 2_000,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
    shared: _Shared | None,
) -> pd.DataFrame:
    """Do `compare`; `shared` holds what the calls of one report share."""
    from scipy.special import ndtr, ndtri

    draws = check_int(n_draws, name="n_draws", low=2)
    check_option(multiplicity, name="multiplicity", allowed=("holm", "none"))
    family = multiplicity
    scope = _scope(
        ledger,
        since=since,
        through=through,
        as_of=as_of,
        conventions=conventions,
        min_customers=1,
        min_churned=1,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
    )
    read = scope.as_of
    who = _attributed(ledger, deals, read, shared)
    credited = who[_CREDIT_COLUMN[credit]].astype(object)
    picked = credited.where(credited.isin([first, second]), None)
    figures = _group_figures(ledger, picked.where(picked.notna(), _NONE), scope)
    missing = [name for name in (first, second) if name not in figures.index]
    if missing:
        msg = f"no customers credited to {missing} in the window"
        raise ValueError(msg)
    a, b = figures.loc[first], figures.loc[second]
    pair = pd.Index([first, second], dtype=object)
    spans = _won_spans(ledger, picked, scope, keep=pair)
    age = spans["age"].to_numpy(np.int64)
    observed = spans["observed"].to_numpy(bool)
    is_first = (spans[_LABEL] == first).to_numpy(bool)
    _, p_curve = _logrank(age, observed, is_first)
    alpha = 1 - level
    z = float(ndtri(1 - alpha / 2))
    variances = []
    for mask in (is_first, ~is_first):
        curve = kaplan_meier(age[mask], observed[mask])
        before = curve[curve.index.get_level_values("time") <= 12]
        last = before.iloc[-1]
        survival, variance = last[["survival", "variance"]].to_numpy(np.float64)
        variances.append(float(survival) ** 2 * float(variance))
    retention = figures["retention_12m"].to_numpy(np.float64)
    row_first, row_second = figures.index.get_indexer(pair)
    difference = float(retention[row_first] - retention[row_second])
    spread = float(np.sqrt(sum(variances)))
    p_retention = float(2 * ndtr(-abs(difference) / spread)) if spread > 0 else np.nan
    # The model-based rows: a likelihood-ratio test and a parametric bootstrap.
    books, code, window = _books(spans, pair)
    test = _compare.likelihood_ratio(books.take([0]), books.take([1]))
    chosen = scope.conventions
    boot = _compare.value_draws(
        books,
        window,
        code,
        spans["start_mrr"].to_numpy(np.float64),
        margin=chosen.gross_margin,
        discount=monthly_discount_rate(chosen.annual_discount_rate),
        horizon=scope.horizon_months,
        t=12,
        n_draws=draws,
        seed=seed,
    )
    bookings = np.array([a["new_mrr"], b["new_mrr"]], np.float64)
    weighted = chosen.gross_margin * bookings[:, None] * boot.payments_draws

    def bootstrapped(drawn: FloatArray) -> tuple[float, float, float, bool | None]:
        """Interval and p-value of the difference from the drawn values."""
        zero = np.zeros(1)
        _, low, high, p = _compare.difference(
            zero, zero, drawn[0:1], drawn[1:2], level=level
        )
        p_value = float(p[0])
        verdict = bool(p_value < alpha) if p_value == p_value else None
        return float(low[0]), float(high[0]), p_value, verdict

    low_s, high_s, _, _ = bootstrapped(boot.survival_draws)
    p_model = float(test.p_value[0])
    rows = {
        "customers_won": (
            a["customers_won"],
            b["customers_won"],
            None,
            None,
            None,
            None,
            None,
        ),
        "new_mrr": (a["new_mrr"], b["new_mrr"], None, None, None, None, None),
        "survival_curve": (
            np.nan,
            np.nan,
            None,
            None,
            p_curve,
            p_curve < alpha,
            "log-rank",
        ),
        "retention_12m": (
            a["retention_12m"],
            b["retention_12m"],
            difference - z * spread,
            difference + z * spread,
            p_retention,
            bool(p_retention < alpha) if p_retention == p_retention else None,
            "Greenwood z",
        ),
        "projected_retention_12m": (
            a["projected_retention_12m"],
            b["projected_retention_12m"],
            low_s,
            high_s,
            p_model,
            bool(p_model < alpha) if p_model == p_model else None,
            f"likelihood ratio ({test.model[0]})",
        ),
        "ltv_per_customer": (
            a["ltv_per_customer"],
            b["ltv_per_customer"],
            *bootstrapped(boot.value_draws),
            "parametric bootstrap",
        ),
        "ltv_weighted_bookings": (
            a["ltv_weighted_bookings"],
            b["ltv_weighted_bookings"],
            *bootstrapped(weighted),
            "parametric bootstrap",
        ),
    }
    out = pd.DataFrame.from_dict(
        rows,
        orient="index",
        columns=[first, second, "lower", "upper", "p_value", "beyond_noise", "test"],
    )
    out.insert(2, "difference", out[first].astype(float) - out[second].astype(float))
    tested = out["beyond_noise"].notna().to_numpy(bool)
    p_values = out["p_value"].to_numpy(np.float64)
    adjusted = np.full(len(out), np.nan)
    adjusted[tested] = (
        _compare.holm(p_values[tested]) if family == "holm" else p_values[tested]
    )
    out.insert(list(out.columns).index("p_value") + 1, "p_adjusted", adjusted)
    verdict = pd.Series(adjusted < alpha, index=out.index, dtype=object)
    out["beyond_noise"] = verdict.where(tested & ~np.isnan(adjusted), None)
    out.index.name = "figure"
    out.attrs["currency"] = ledger.currency
    return out


TEAM_COLUMNS: Final = (
    "team",
    "customers_won",
    "churned",
    "months_at_risk",
    "monthly_churn",
    "team_monthly_churn",
    "teammates_median_churn",
    "monthly_churn_shrunk",
    "own_weight",
    "retention_12m_shrunk",
    "retention_12m_shrunk_lower",
    "retention_12m_shrunk_upper",
    "p_value",
    "q_value",
    "differs_from_team",
    "thin",
    "rank_retention_shrunk",
)
"""Columns of `compare_to_team`, in order."""


def compare_to_team(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame | None = None,
    credit: Credit = "closed",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    fdr: float = 0.05,
    level: float = 0.95,
    min_customers: int = 30,
    min_churned: int = 5,
) -> pd.DataFrame:
    """
    Say whose customers churn differently from their team's, everyone at once.

    Looking at many people at once, the best and the worst estimates are
    mostly luck: the smallest books land at both ends. Two corrections
    keep a ranking honest:

    - **Shrinkage.** Each person's monthly churn (churns per renewal
      decision their customers faced) is pulled toward their team's, the
      more the fewer decisions they have (empirical Bayes on the
      beta-binomial scale, see Notes); ``retention_12m_shrunk`` and its
      interval come from that posterior, and people are ranked on it.
    - **False discovery rate.** Each person's monthly churn is tested
      against their team-mates' typical one (the median, see Notes); the
      p-values are adjusted by Benjamini and Hochberg, and a person is
      flagged ``differs_from_team`` when the adjusted value (``q_value``)
      is at most `fdr`: among those flagged, the expected share of people
      who do not really differ is at most `fdr`.

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    staff : pandas.DataFrame
        People (`StaffMember` columns), for their team.
    deals, credit, since, through, as_of
        As for `scorecard`.
    fdr : float, default 0.05
        The false discovery rate allowed among the flagged, in (0, 1).
    level : float, default 0.95
        Coverage of the shrunk retention's interval.
    min_customers, min_churned : int, default 30 and 5
        A person with fewer customers or observed churns, or fewer than two
        months observed, is ``thin``: shrinkage already discounts such
        books, and the flag says so.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``staff_id`` (everyone credited with a customer acquired
        in the window), with `TEAM_COLUMNS`:

        - ``team``; ``customers_won``, ``churned``; ``months_at_risk``:
          renewal decisions the customers faced (the sum of their ages);
        - ``monthly_churn``: ``churned / months_at_risk``, the person's own
          estimate; ``team_monthly_churn``: the team's pooled one, which
          the shrinkage pulls toward; ``teammates_median_churn``: the
          team-mates' weighted median, which the test compares with;
        - ``monthly_churn_shrunk``: the posterior mean; ``own_weight``: the
          share of it that is the person's own estimate (0: all team, 1:
          all own);
        - ``retention_12m_shrunk`` with ``_lower`` and ``_upper``: the
          posterior mean and central `level` interval of ``(1 - p) ** 12``;
        - ``p_value`` of the test against the team-mates (NaN for a
          person alone in their team), ``q_value`` (Benjamini-Hochberg
          adjusted, over everyone with a p-value) and
          ``differs_from_team``;
        - ``thin``; ``rank_retention_shrunk``: 1 for the highest shrunk
          retention.

    Raises
    ------
    ValueError
        If `fdr` or `level` is not in (0, 1), or as for `scorecard`.

    See Also
    --------
    compare : Two people side by side, on every figure.

    Notes
    -----
    **Shrinkage.** Within a team, person ``i`` with ``c_i`` churns in
    ``n_i`` renewal decisions is taken to churn with probability ``p_i ~
    Beta(mu k, (1 - mu) k)``: ``mu`` is the team's pooled churn and ``k``
    maximises the team's beta-binomial marginal likelihood over a grid
    from 0.1 to 1e8 (a flat likelihood prefers the larger ``k``), capped
    at the team's decisions at risk (the team's rate is estimated too). The
    posterior mean is ``w c_i / n_i + (1 - w) mu`` with ``w = n_i / (n_i +
    k)``, ``own_weight``. A team whose people do not differ gets a large
    ``k`` and everyone near the team's rate; a person alone in a team
    keeps their own. The scale treats renewal decisions as independent
    draws of the person's churn, which ignores that churn falls with
    tenure within a book (the sBG's heterogeneity): that extra spread
    counts as difference between people, so the shrinkage errs on the weak
    side.

    **Tests.** The reference is the median of the team-mates' monthly
    churn (the person left out), weighted by their decisions at risk, not
    the team-mates pooled: one bad team-mate raises the pooled rate and
    would make everyone else "differ from the rest of the team". Rates are
    compared on the 2/3 power scale, where a count's rate is nearly
    symmetric, and the median is interpolated between the team-mates whose
    cumulative weights bracket half (on the raw scale, or taking the first
    team-mate past half, the median sits below the centre and people are
    called high too often). The statistic is ``z = (r_i^(2/3) -
    m^(2/3)) / (2/3 p^(-1/3) sqrt(V_i + pi / 2 V_mates))``: ``p`` is the
    team's pooled churn, ``V_i`` the clustered variance of the person's
    rate about it, customer by customer (``sum_j (c_j - p n_j)^2 /
    n_i^2``: binomial when customers churn alike, wider when they do not,
    as under the sBG), ``V_mates`` that of the team-mates' pooled rate (a
    median's is about ``pi / 2`` times a mean's); two-sided. The
    Benjamini-Hochberg procedure controls the false discovery rate for
    independent or positively dependent tests; people tested against
    overlapping team-mates are only approximately so (see the calibration
    in ``benchmarks/README.md``).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> ranked = sm.scorecards.compare_to_team(
    ...     led, staff=sample.staff, deals=sample.deals)
    >>> ranked.loc[[sm.datasets.REP_A, sm.datasets.REP_B],
    ...            ["monthly_churn", "monthly_churn_shrunk", "differs_from_team"]
    ...            ].round(3)
              monthly_churn  monthly_churn_shrunk  differs_from_team
    staff_id
    st-015            0.059                 0.058               True
    st-017            0.009                 0.010               True
    """
    rate = _compare.check_fraction(fdr, name="fdr")
    coverage = check_level(level)
    fewest = check_int(min_customers, name="min_customers", low=1)
    least_churn = check_int(min_churned, name="min_churned", low=0)
    scope = _scope(
        ledger,
        since=since,
        through=through,
        as_of=as_of,
        conventions=None,
        min_customers=fewest,
        min_churned=least_churn,
        horizon_months=None,
        level=coverage,
        seed=0,
    )
    people = _staff_table(staff)
    who = _attributed(ledger, deals, scope.as_of, None)
    credited = who[_CREDIT_COLUMN[credit]].astype(object)
    spans = _won_spans(ledger, credited, scope)
    spans = spans[spans[_LABEL].notna()]
    names = pd.Index(
        np.unique(spans[_LABEL].astype(str).to_numpy(object)), dtype=object
    )
    books, code, _ = _books(spans, names)
    team_of = people["team"].reindex(names).to_numpy(object)
    team_of = np.where(pd.isna(team_of), _NONE, team_of)
    team_code, _ = pd.factorize(pd.Index(team_of, dtype=object), sort=True)
    team_code = team_code.astype(np.int64)
    churned, at_risk = books.churned, books.at_risk
    test = _compare.against_team(books, team_code)
    p_value = test.p_value
    q_value, flagged = _compare.benjamini_hochberg(p_value, rate)
    shrunk = _compare.shrink(churned, at_risk, team_code)
    retention, lower, upper = shrunk.retention(12, coverage)
    own = divide_or_nan(churned, at_risk)
    longest = np.zeros(len(names), np.int64)
    np.maximum.at(longest, code, spans["age"].to_numpy(np.int64))
    customers = books.customers
    out = pd.DataFrame(
        {
            "team": team_of,
            "customers_won": np.round(customers).astype(np.int64),
            "churned": np.round(churned).astype(np.int64),
            "months_at_risk": np.round(at_risk).astype(np.int64),
            "monthly_churn": own,
            "team_monthly_churn": shrunk.prior_churn,
            "teammates_median_churn": test.reference,
            "monthly_churn_shrunk": shrunk.churn,
            "own_weight": shrunk.own_weight,
            "retention_12m_shrunk": retention,
            "retention_12m_shrunk_lower": lower,
            "retention_12m_shrunk_upper": upper,
            "p_value": p_value,
            "q_value": q_value,
            "differs_from_team": flagged,
            "thin": (customers < fewest) | (churned < least_churn) | (longest < 2),
        },
        index=pd.Index(names, name="staff_id"),
    )
    out["rank_retention_shrunk"] = out["retention_12m_shrunk"].rank(
        ascending=False, method="min"
    )
    return out[list(TEAM_COLUMNS)]


def acquisition_quality(
    ledger: Ledger,
    *,
    by: str,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
    total: bool = True,
    resample_arpa_below: int = RESAMPLE_BELOW,
) -> pd.DataFrame:
    """
    Show how well customers acquired in a window stayed, by what was known at the sale.

    Most churn is decided when the customer is chosen: this is `scorecard`
    with the customers grouped by an attribute known at the time of sale
    (acquisition channel, segment, industry, size band, ...) instead of by
    the person credited.

    Parameters
    ----------
    ledger : Ledger
        The ledger; `by` is one of its customer attributes.
    by : str
        The attribute to group by.
    since, through, as_of, conventions, total
        As for `scorecard`.
    min_customers, min_churned, horizon_months, level, seed, resample_arpa_below
        As for `scorecard`.

    Returns
    -------
    pandas.DataFrame
        Indexed by the attribute's values (and ``"All"``), with
        `SCORECARD_COLUMNS` (``ltv_model`` as in `scorecard`); customers
        without a value form a ``"(none)"`` row.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> q = sm.scorecards.acquisition_quality(led, by="acquisition_channel")
    >>> q[["customers_won", "early_churn_6m", "retention_12m"]].round(3)
                         customers_won  early_churn_6m  retention_12m
    acquisition_channel
    event                          447           0.129          0.708
    inbound                       1302           0.157          0.734
    outbound                       719           0.124          0.712
    partner                        465           0.077          0.809
    All                           2933           0.132          0.737
    """
    return _acquisition_quality(
        ledger,
        by=by,
        since=since,
        through=through,
        as_of=as_of,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        conventions=conventions,
        total=total,
        resample_arpa_below=resample_arpa_below,
        shared=None,
    )


def _acquisition_quality(
    ledger: Ledger,
    *,
    by: str,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    conventions: Conventions | None = None,
    total: bool = True,
    resample_arpa_below: int = RESAMPLE_BELOW,
    shared: _Shared | None,
) -> pd.DataFrame:
    """Do `acquisition_quality`; `shared` holds what the calls of one report share."""
    check_by(by, what="a customer attribute (a str)")
    scope = _scope(
        ledger,
        since=since,
        through=through,
        as_of=as_of,
        conventions=conventions,
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        resample_below=resample_arpa_below,
    )
    labels = _quality_labels(ledger, by)
    rows = _group_figures(ledger, labels, scope)
    company = _company(ledger, labels.index, scope, rows, shared) if total else None
    return _quality_rows(rows, company, by, ledger.currency)


def _quality_labels(ledger: Ledger, by: str) -> pd.Series:
    """Each customer's value of `by`, as text (``"(none)"`` without one)."""
    values = ledger.customer_attribute(by)
    return pd.Series(
        values.astype(object).where(values.notna(), _NONE).astype(str).to_numpy(object),
        index=pd.Index(ledger.customers["customer_id"].astype(str)),
    )


def _quality_rows(
    rows: pd.DataFrame, company: pd.DataFrame | None, by: str, currency: str | None
) -> pd.DataFrame:
    """Add the company's row, rank, and put `acquisition_quality`'s columns in order."""
    if company is not None:
        company.index = pd.Index([_ALL])
        rows = pd.concat([rows, company])
    rows.index = rows.index.rename(by)
    eligible = pd.Series(rows.index != _ALL, index=rows.index)
    rows["rank_bookings"] = _rank(rows["new_mrr"].astype(float), eligible)
    rows["rank_ltv_weighted_bookings"] = _rank(
        rows["ltv_weighted_bookings"], eligible & ~rows["thin"]
    )
    return _counts_as_ints(rows[list(SCORECARD_COLUMNS)], currency)


def _block_quality(
    ledger: Ledger,
    *,
    by: str,
    since: MonthLike | None,
    through: MonthLike | None,
    as_of: MonthLike | None,
    total: bool,
    resample_below: int = RESAMPLE_BELOW,
) -> _CardParts:
    """Return `acquisition_quality`'s sums for one block of whole customers."""
    check_by(by, what="a customer attribute (a str)")
    scope = _block_scope(
        ledger, since=since, through=through, as_of=as_of, resample_below=resample_below
    )
    labels = _quality_labels(ledger, by)
    everyone = None
    if total:
        everyone = _group_parts(
            ledger, pd.Series(_ALL, index=labels.index, dtype=object), scope
        )
    return _CardParts(
        person=_group_parts(ledger, labels, scope),
        team=None,
        company=everyone,
        currency=ledger.currency,
    )


OWNED_COLUMNS: Final = (
    "accounts_at_start",
    "mrr_at_start",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "customers_lost",
    "accounts_at_end",
    "mrr_at_end",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
)
"""Columns of `owned_book`, in order."""


def owned_book(
    ledger: Ledger,
    *,
    assignments: pd.DataFrame,
    staff: pd.DataFrame,
    role: str = "customer_success",
    by: By = "staff",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """
    Score post-sale owners on the accounts they covered, month by month.

    Every expansion, contraction and churn in the window is credited to the
    person assigned to the account in `role` in that month (see
    `attribution`), so a handover moves responsibility with it. The book at
    the start and at the end is the active accounts assigned to each person
    in the window's first and last month.

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    assignments : pandas.DataFrame
        Dated owners (`Assignment` columns).
    staff : pandas.DataFrame
        People (`StaffMember` columns), for their team.
    role : str, default 'customer_success'
        The post-sale role scored.
    by : {'staff', 'team'}, default 'staff'
        One row per person or per team.
    since, through : pandas.Period, str or date, optional
        The months covered (default: the ledger's whole range).
    total : bool, default True
        Add an ``"All"`` row.

    Returns
    -------
    pandas.DataFrame
        One row per owner (``"(none)"`` for months nobody covered), with
        `OWNED_COLUMNS`: accounts and MRR (int64, minor units) owned at the
        start and the end, the window's expansion, contraction and churned
        MRR and customers lost while owned, and the gross and net MRR churn
        over the MRR owned at the start (NaN without a starting book). Every
        column but the rates adds up to the teams and the company.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> book = sm.scorecards.owned_book(
    ...     led, assignments=sample.assignments, staff=sample.staff, by="team",
    ...     since="2025-01")
    >>> book[["accounts_at_end", "churned_mrr", "gross_mrr_churn_rate"]].round(3)
                   accounts_at_end  churned_mrr  gross_mrr_churn_rate
    team
    cs-high-touch              984     22069400                 0.227
    cs-tech-touch             1294     17381600                 0.457
    All                       2278     39451000                 0.286
    """
    _check_book_by(by)
    chosen_role = _post_sale_role(role)
    table = validate(assignments, Assignment)
    people = _staff_table(staff)
    if ledger.first_month is None or ledger.last_month is None:
        msg = "the ledger is empty; there is no book to score"
        raise ValueError(msg)
    lo = _month_or_none(since, "since")
    lo = int(ledger.first_month.ordinal) if lo is None else lo
    sums = _owned_sums(
        ledger, table, people, role=chosen_role, by=by, lo=lo, through=through
    )
    return _owned_finish(sums, by=by, total=total, currency=ledger.currency)


def _check_book_by(by: object) -> None:
    """Refuse a `by` of `owned_book` other than ``'staff'`` or ``'team'``."""
    check_by(by, what="'staff' or 'team'")
    if by not in ("staff", "team"):
        msg = f"'by' must be 'staff' or 'team', got {by!r}"
        raise ValueError(msg)


def _post_sale_role(role: str) -> Role:
    """Return the post-sale `Role` named `role`, or raise naming the allowed ones."""
    try:
        return Role(role)
    except ValueError:
        allowed = ", ".join(repr(r.value) for r in POST_SALE)
        msg = f"'role' must be one of {allowed}, got {role!r}"
        raise ValueError(msg) from None


def _owned_sums(
    ledger: Ledger,
    table: pd.DataFrame,
    people: pd.DataFrame,
    *,
    role: Role,
    by: By,
    lo: int,
    through: MonthLike | None,
) -> pd.DataFrame:
    """
    Return the int64 sums of `owned_book` per owner, for a block of customers.

    `table` is validated assignments, `people` the staff table indexed by
    id, `lo` the window's first month (shared by every block). The sums of
    blocks add up owner by owner (`_owned_finish` takes their sum).
    """
    assert ledger.last_month is not None
    hi = _month_or_none(through, "through")
    hi = (
        int(ledger.last_month.ordinal)
        if hi is None
        else min(hi, int(ledger.last_month.ordinal))
    )
    ev = ledger._events
    ids = ledger.customers["customer_id"].astype(str).to_numpy(object)
    inside = (ev.month >= lo) & (ev.month <= hi)
    owner = owner_at(
        table, ids[ev.customer[inside]], ev.month[inside].astype(np.int64), role
    )
    kind = ev.kind[inside]
    change = ev.mrr_change[inside]

    def book_at(month: int) -> tuple[npt.NDArray[np.object_], IntArray]:
        """Owner and MRR of every account active at the end of `month`."""
        seen = ev.month <= month
        customer = ev.customer[seen]
        final = np.append(customer[1:] != customer[:-1], True)[: len(customer)]
        mrr = ev.mrr_after[seen][final]
        active = mrr > 0
        who = owner_at(
            table,
            ids[customer[final][active]],
            np.full(int(active.sum()), month, np.int64),
            role,
        )
        return who, mrr[active]

    start_owner, start_mrr = book_at(lo - 1)
    end_owner, end_mrr = book_at(hi)
    frames = {
        "start": pd.DataFrame({"owner": start_owner, "mrr": start_mrr}),
        "end": pd.DataFrame({"owner": end_owner, "mrr": end_mrr}),
        "moves": pd.DataFrame({"owner": owner, "kind": kind, "change": change}),
    }
    for frame in frames.values():
        frame["owner"] = frame["owner"].where(frame["owner"].notna(), _NONE)
    if by == "team":
        team = people["team"]
        for frame in frames.values():
            mapped = team.reindex(frame["owner"].to_numpy()).to_numpy(object)
            frame["owner"] = np.where(pd.isna(mapped), _NONE, mapped)
    moves = frames["moves"]

    def amount(code: int, sign: int) -> pd.Series:
        part = moves[moves["kind"] == code]
        return (sign * part["change"]).groupby(part["owner"]).sum()

    out = pd.DataFrame(
        {
            "accounts_at_start": frames["start"].groupby("owner").size(),
            "mrr_at_start": frames["start"].groupby("owner")["mrr"].sum(),
            "expansion_mrr": amount(EXPANSION, 1),
            "contraction_mrr": amount(CONTRACTION, -1),
            "churned_mrr": amount(CHURN, -1),
            "customers_lost": (moves["kind"] == CHURN).groupby(moves["owner"]).sum(),
            "accounts_at_end": frames["end"].groupby("owner").size(),
            "mrr_at_end": frames["end"].groupby("owner")["mrr"].sum(),
        }
    )
    out = out.fillna(0).astype(np.int64)
    return out


def _owned_finish(
    sums: pd.DataFrame, *, by: By, total: bool, currency: str | None
) -> pd.DataFrame:
    """Finish `owned_book` from the owners' sums: the company row and the rates."""
    out = sums.astype(np.int64)
    out.index = out.index.rename("staff_id" if by == "staff" else "team")
    if total:
        company = out.sum().to_frame().T
        company.index = pd.Index([_ALL], name=out.index.name)
        out = pd.concat([out, company.astype(np.int64)])
    base = out["mrr_at_start"].to_numpy(np.float64)
    losses = (out["contraction_mrr"] + out["churned_mrr"]).to_numpy(np.float64)
    out["gross_mrr_churn_rate"] = divide_or_nan(losses, base)
    out["net_mrr_churn_rate"] = divide_or_nan(
        losses - out["expansion_mrr"].to_numpy(np.float64), base
    )
    out = out[list(OWNED_COLUMNS)]
    out.attrs["currency"] = currency
    return out
