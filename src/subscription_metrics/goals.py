"""LTV-aware goals: credit rules for quota attainment and the sales head's churn KPI.

Sales goals are usually set on what is sold (deals won, first-month MRR);
the rules here credit what is kept.

- `CreditPolicy` states a credit rule: the basis (``"bookings"``, a deal's
  MRR, or ``"ltv"``, its expected lifetime value for its segment) and the
  clawback of credit for customers lost within a number of months of the
  sale.
- `credited_attainment` applies a policy to the won deals and the ledger:
  each person's (or team's) credit, clawback and credited attainment per
  month.
- `segment_ltv_multiples` gives the LTV basis: each segment's months of MRR
  one unit of MRR is worth, by default from its pooled churn
  (`pooled_churn`), the multiples `pacing` and `goal_history` use too.
- `sold_retention` is the sales head's churn KPI: month by month, the
  share of the customers (and of the MRR) each team sold that it still has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._attribution import _check_overlaps, attribute, owner_at
from ._conventions import Conventions
from ._economics import conventional_ltv
from ._entities import (
    Activity,
    Assignment,
    Deal,
    Meeting,
    Onboarding,
    Opportunity,
    Role,
    StaffMember,
)
from ._errors import InvalidTableError, Problem
from ._goals import (
    NEVER,
    allocate,
    clawbacks,
    next_loss,
    pooled_rates,
    ramp_capacity,
)
from ._health import HealthModel
from ._kernels import sum_by_key
from ._ledger import CHURN, CONTRACTION, Ledger, MonthLike, _month_or_none, as_of_month
from ._lifetimes import lifetimes
from ._overflow import check_total_fits
from ._schema import validate
from ._usage import id_positions
from ._validation import (
    check_by,
    check_int,
    check_level,
    check_option,
    divide_or_nan,
)
from .churn import _rate_conventions
from .ltv import estimates

__all__ = [
    "ATTAINMENT_COLUMNS",
    "EXPANSION_ROLES",
    "PACING_COLUMNS",
    "PLAN_COLUMNS",
    "POOLED_COLUMNS",
    "PRIORITY_COLUMNS",
    "SOLD_RETENTION_COLUMNS",
    "TARGET_COLUMNS",
    "CreditPolicy",
    "GoalHistory",
    "Plan",
    "credited_attainment",
    "deal_priorities",
    "goal_history",
    "pacing",
    "plan_targets",
    "pooled_churn",
    "segment_ltv_multiples",
    "sold_retention",
    "targets",
]

Basis = Literal["bookings", "ltv"]
LtvMethod = Literal["pooled", "estimates"]
By = Literal["staff", "team"]

_NONE: Final = "(none)"
_ALL: Final = "All"
_EMPTY: Final = "the ledger is empty; there is nothing to credit"

ATTAINMENT_COLUMNS: Final = {
    "bookings": (
        "deals",
        "booked_mrr",
        "credit_mrr",
        "clawback_mrr",
        "credited_mrr",
        "deals_clawed_back",
    ),
    "ltv": (
        "deals",
        "booked_mrr",
        "credit_ltv",
        "clawback_ltv",
        "credited_ltv",
        "credited_ltv_lower",
        "credited_ltv_upper",
        "deals_clawed_back",
    ),
}
"""Columns of `credited_attainment` under each basis, in order."""

SOLD_RETENTION_COLUMNS: Final = (
    "customers_sold",
    "customers_active",
    "sold_mrr",
    "mrr_at_end",
    "customer_retention",
    "net_mrr_retention",
)
"""Columns of `sold_retention`, in order."""


def _check_share(instance: object, attribute: object, value: float) -> None:
    if isinstance(value, bool) or not 0.0 <= float(value) <= 1.0:
        msg = f"'clawback_share' must be a number in [0, 1], got {value!r}"
        raise ValueError(msg)


def _int_at_least(low: int) -> Callable[[object, attrs.Attribute[int], int], None]:
    """Return an attrs validator: an int (not a bool) >= `low`, by `check_int`."""

    def validate(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
        check_int(value, name=attribute.name, low=low)

    return validate


def _check_basis(instance: object, attribute: object, value: str) -> None:
    check_option(value, name="basis", allowed=("bookings", "ltv"))


@attrs.frozen(kw_only=True)
class CreditPolicy:
    """
    A quota-credit rule: what a won deal counts for, and when it is taken back.

    Attributes
    ----------
    basis : {'bookings', 'ltv'}, default 'bookings'
        ``"bookings"``: a deal counts at its MRR (int64, minor units), in
        the month it is won. ``"ltv"``: it counts at its expected lifetime
        value, ``mrr * multiple`` where the multiple is its segment's LTV
        per unit of MRR (`segment_ltv_multiples`): a float expectation in
        minor units, not an amount anyone has paid.
    clawback_months : int, default 0
        A deal whose customer is lost within this many months of the month
        the deal was won (the first loss after it, paid months ``1 ..
        clawback_months``) gives credit back in the month of the loss.
        0 takes nothing back.
    clawback_share : float, default 1.0
        Share, in [0, 1], of the unearned credit taken back. Unearned is the
        whole credit under ``"bookings"`` (first-month MRR is not earned by
        staying), and under ``"ltv"`` the expected LTV less what the deal
        realised before the loss (its MRR times the months paid, times the
        gross margin), never below 0.

    Notes
    -----
    A stricter policy (more months, a larger share) never credits more, in
    any month, than a laxer one with the same basis; no clawback ever takes
    back more than the deal was credited.

    Examples
    --------
    >>> from subscription_metrics.goals import CreditPolicy
    >>> CreditPolicy(basis="ltv", clawback_months=12)
    CreditPolicy(basis='ltv', clawback_months=12, clawback_share=1.0)
    >>> CreditPolicy(clawback_share=1.5)
    Traceback (most recent call last):
    ValueError: 'clawback_share' must be a number in [0, 1], got 1.5
    """

    basis: Basis = attrs.field(default="bookings", validator=_check_basis)
    clawback_months: int = attrs.field(default=0, validator=_int_at_least(0))
    clawback_share: float = attrs.field(default=1.0, validator=_check_share)


def segment_ltv_multiples(
    ledger: Ledger,
    *,
    segment: str = "segment",
    method: LtvMethod = "pooled",
    prior_months: float = 120.0,
    as_of: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.Series:
    """
    Return each segment's expected LTV per unit of MRR.

    The multiple is the months of (margin-weighted, discounted) MRR a
    customer of the segment is expected to pay, under the conventions'
    margin, discount rate, lifetime cap and zero-churn policy. The
    **multiple convention** (`method`) says which churn rate it is read
    from:

    - ``"pooled"`` (the default): the segment's `pooled_churn` rate, its
      churned customers over customer-months at risk pooled toward the
      company's rate with `prior_months` of weight. A thin segment (a few
      customers, a lucky quarter without a loss) stays near the company's
      multiple instead of being trusted blindly, and the rate carries an
      interval, so an LTV credit built on it does too. `pacing` and
      `goal_history` read their multiples the same way, so the LTV a
      person is credited (`credited_attainment`) and the LTV booked they
      are paced on are one figure.
    - ``"estimates"``: ``lifetime_value / average_revenue_per_account`` of
      `ltv.estimates` for the segment in month `as_of` (the conventions'
      churn rate and smoothing window, unpooled): the figure of the
      unit-economics tables, without an interval.

    The company's multiple is under ``"All"``; with ``"pooled"``, customers
    without a segment have a ``"(none)"`` row of their own.

    Parameters
    ----------
    ledger : Ledger
        The ledger; `segment` is one of its customer attributes.
    segment : str, default 'segment'
        The customer attribute known at the sale.
    method : {'pooled', 'estimates'}, default 'pooled'
        The multiple convention above.
    prior_months : float, default 120.0
        Under ``"pooled"``, the weight of the company's rate, in
        customer-months (`pooled_churn`).
    as_of : pandas.Period, str or date, optional
        The month read (default: the ledger's last month).
    conventions : Conventions, optional
        Other choices than the ledger's for the churn rate and the LTV (a
        longer ``ltv_churn_window_months`` steadies a noisy monthly rate
        under ``"estimates"``).

    Returns
    -------
    pandas.Series
        Float multiples indexed by segment value, with ``"All"`` last.

    Notes
    -----
    Changed in the unreleased version: the default is ``"pooled"`` (it was
    the unpooled ``"estimates"``).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> sm.goals.segment_ltv_multiples(led).round(1)
    segment
    enterprise    132.9
    mid_market     55.6
    smb            39.1
    All            47.6
    Name: ltv_multiple, dtype: float64
    >>> sm.goals.segment_ltv_multiples(led, method="estimates").round(1)
    segment
    enterprise    69.2
    mid_market    66.5
    smb           36.0
    All           44.9
    Name: ltv_multiple, dtype: float64
    """
    check_by(segment, what="a customer attribute (a str)")
    check_option(method, name="method", allowed=("pooled", "estimates"))
    read = as_of_month(ledger, as_of, empty=_EMPTY)
    if method == "pooled":
        bounds = _ltv_bounds(
            ledger,
            segment=[segment],
            read=read,
            prior_months=prior_months,
            level=0.95,
            conventions=_rate_conventions(ledger, conventions),
        )
        point = bounds["multiple"]
        company = point.index == _ALL
        point = pd.concat([point[~company], point[company]])
        return pd.Series(
            point.to_numpy(np.float64),
            index=pd.Index(point.index, dtype=object),
            name="ltv_multiple",
        ).rename_axis(segment)
    month = pd.Period(ordinal=read, freq="M")
    table = estimates(
        ledger, by=segment, since=month, through=month, conventions=conventions
    )
    table = table.droplevel("period")
    arpa = table["average_revenue_per_account"].to_numpy(np.float64)
    multiple = divide_or_nan(table["lifetime_value"].to_numpy(np.float64), arpa)
    return pd.Series(
        multiple, index=table.index.astype(object), name="ltv_multiple"
    ).rename_axis(segment)


def _loss_events(
    ledger: Ledger,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return the customer codes and months of every loss (MRR falls to 0)."""
    ev = ledger._events
    lost = ev.kind == CHURN
    return ev.customer[lost].astype(np.int64), ev.month[lost].astype(np.int64)


def _labels(
    owner: pd.Series, by: By, staff: pd.DataFrame | None
) -> npt.NDArray[np.object_]:
    """Who each deal is credited to: its owner, or the owner's team."""
    if by == "staff":
        return owner.to_numpy(object)
    if by != "team":
        msg = f"'by' must be 'staff' or 'team', got {by!r}"
        raise ValueError(msg)
    if staff is None:
        msg = "by='team' needs the staff table (staff=) for each person's team"
        raise ValueError(msg)
    people = validate(staff, StaffMember).set_index("staff_id")["team"]
    team = people.reindex(owner.to_numpy(object)).to_numpy(object)
    return np.where(pd.isna(team), _NONE, team).astype(object)


def credited_attainment(
    ledger: Ledger,
    *,
    deals: pd.DataFrame,
    staff: pd.DataFrame | None = None,
    policy: CreditPolicy | None = None,
    segment_ltv: pd.Series | None = None,
    segment: str = "segment",
    ltv_method: LtvMethod = "pooled",
    prior_months: float = 120.0,
    level: float = 0.95,
    by: By = "staff",
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Return each person's credited attainment per month under a credit policy.

    Every won deal is credited to its ``owner_id`` in the month it was
    won, at its MRR or its expected LTV (`CreditPolicy.basis`); a deal
    whose customer is lost within the policy's clawback window gives back
    its share of the unearned credit in the month of the loss (the first
    month the ledger shows the customer at zero MRR after the month the deal
    was won). Deals of customers the ledger does not know (set aside, say)
    are credited and never clawed back.

    Parameters
    ----------
    ledger : Ledger
        The ledger, which says when each customer was lost.
    deals : pandas.DataFrame
        Won deals (`Deal` columns) of every kind; pass only the kinds the
        quota counts.
    staff : pandas.DataFrame, optional
        People (`StaffMember` columns), needed for ``by="team"``.
    policy : CreditPolicy, optional
        The rule (default ``CreditPolicy()``: bookings, no clawback).
    segment_ltv : pandas.Series, optional
        Under ``basis="ltv"``, the LTV multiple of each segment value (with
        ``"All"`` for customers without one), instead of those of
        `ltv_method`; the credit then has no interval (NaN bounds).
    segment : str, default 'segment'
        The customer attribute the multiples are keyed by.
    ltv_method : {'pooled', 'estimates'}, default 'pooled'
        Under ``basis="ltv"`` without `segment_ltv`, the multiple
        convention of `segment_ltv_multiples`, read at `through`:
        ``"pooled"``, each segment's pooled churn (`pooled_churn`), the
        multiples `pacing` paces the LTV booked on, with an interval; or
        ``"estimates"``, `ltv.estimates` of the segment, without one.
    prior_months : float, default 120.0
        Under ``"pooled"``, the pooling weight of the churn (as `pacing`'s).
    level : float, default 0.95
        Under ``"pooled"``, the probability of the interval.
    by : {'staff', 'team'}, default 'staff'
        Credit people, or their teams.
    through : pandas.Period, str or date, optional
        Last month shown (default: the ledger's last month); losses after
        it are not known yet and take nothing back.
    conventions : Conventions, optional
        Other choices than the ledger's for the default multiples and the
        gross margin of the realised value.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``staff_id`` (or ``team``) and ``period`` (the months
        with a deal or a clawback), with `ATTAINMENT_COLUMNS` of the basis:
        ``deals`` won, ``booked_mrr`` (int64), the credit, the clawback and
        their difference (``*_mrr``: int64 minor units; ``*_ltv``: float
        expectations in minor units), under ``"ltv"`` the interval of the
        month's credited LTV (``credited_ltv_lower``, ``credited_ltv_upper``:
        the credit less the clawback with every multiple at the lower end of
        its interval, and at the upper, as `pacing` takes them; the lower
        of the two figures and the higher, since a clawback is larger at the
        upper end; NaN without an interval), and ``deals_clawed_back``.
        ``attrs["currency"]`` names the currency and ``attrs["policy"]``
        the policy.

    Raises
    ------
    InvalidTableError
        If `deals` break the `Deal` schema.
    ValueError
        If the ledger is empty, a deal's currency is not the ledger's, or a
        multiple needed is missing or not finite.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> from subscription_metrics.goals import CreditPolicy
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> new = sample.deals[sample.deals["kind"] == "new"]
    >>> rule = CreditPolicy(clawback_months=6)
    >>> got = sm.goals.credited_attainment(led, deals=new, policy=rule)
    >>> got.loc[sm.datasets.REP_A].sum()[["booked_mrr", "clawback_mrr"]]
    booked_mrr      25003000
    clawback_mrr     4582200
    dtype: int64

    Under LTV credit, the credited LTV is an estimate with an interval:

    >>> ltv = sm.goals.credited_attainment(
    ...     led, deals=new, policy=CreditPolicy(basis="ltv", clawback_months=6))
    >>> total = ltv.loc[sm.datasets.REP_A].sum()
    >>> bool(total["credited_ltv_lower"] < total["credited_ltv"]
    ...      < total["credited_ltv_upper"])
    True
    """
    check_by(by, what="'staff' or 'team'")
    check_option(ltv_method, name="ltv_method", allowed=("pooled", "estimates"))
    chosen_level = check_level(level)
    chosen_policy = CreditPolicy() if policy is None else policy
    chosen = _rate_conventions(ledger, conventions)
    last = as_of_month(ledger, None, empty=_EMPTY)
    hi = _month_or_none(through, "through")
    read = last if hi is None else min(hi, last)
    table = validate(deals, Deal)
    wrong = table["currency"].astype(str) != ledger.currency
    if wrong.any():
        msg = (
            f"deals: {int(wrong.sum())} deals are not in the ledger's currency "
            f"{ledger.currency} (for example {table.loc[wrong, 'deal_id'].iloc[0]!r}); "
            "convert them first (sm.money)"
        )
        raise ValueError(msg)
    won = np.asarray(
        pd.PeriodIndex(pd.DatetimeIndex(table["won_on"]), freq="M").asi8, np.int64
    )
    table = table[won <= read]
    won = won[won <= read]
    mrr = table["mrr"].to_numpy(np.int64)
    code = id_positions(ledger.customers["customer_id"], table["customer_id"])
    loss_customer, loss_month = _loss_events(ledger)
    lost = next_loss(code, won, loss_customer, loss_month)
    lost = np.where(lost <= read, lost, NEVER)
    months_paid = np.where(lost < NEVER, lost - won, NEVER)
    interval = False
    if chosen_policy.basis == "bookings":
        credit = mrr.astype(np.float64)
        low = high = credit
        realised = np.zeros(len(mrr), np.float64)
    elif segment_ltv is None and ltv_method == "pooled":
        check_by(segment, what="a customer attribute (a str)")
        bounds = _ltv_bounds(
            ledger,
            segment=[segment],
            read=read,
            prior_months=prior_months,
            level=chosen_level,
            conventions=chosen,
        )
        row = _pooled_rows(
            pd.Index(bounds.index), _customer_fits(ledger, [segment]), code
        )
        interval = True
        point = bounds["multiple"].to_numpy(np.float64)[row]
        if not np.isfinite(point).all():
            missing = sorted({str(s) for s in bounds.index[row[~np.isfinite(point)]]})
            msg = (
                f"no finite LTV multiple for {segment} {missing} (no churn seen "
                "and no discount or lifetime cap); pass segment_ltv="
            )
            raise ValueError(msg)
        credit = mrr * point
        low = mrr * bounds["lower"].to_numpy(np.float64)[row]
        high = mrr * bounds["upper"].to_numpy(np.float64)[row]
        realised = mrr * np.minimum(months_paid, 10**6) * chosen.gross_margin
    else:
        multiples = (
            segment_ltv_multiples(
                ledger,
                segment=segment,
                method="estimates",
                as_of=pd.Period(ordinal=read, freq="M"),
                conventions=chosen,
            )
            if segment_ltv is None
            else segment_ltv
        )
        attribute_values = ledger.customer_attribute(segment).astype(object)
        values = attribute_values.where(attribute_values.notna(), _ALL).to_numpy(object)
        deal_segment = np.where(code >= 0, values[np.maximum(code, 0)], _ALL)
        multiple = (
            pd.Series(multiples, dtype=np.float64)
            .reindex(pd.Index(deal_segment, dtype=object))
            .to_numpy(np.float64)
        )
        bad = ~np.isfinite(multiple)
        if bad.any():
            missing = sorted({str(s) for s in deal_segment[bad]})
            msg = (
                f"segment_ltv: no finite LTV multiple for {segment} {missing}; "
                "give one per segment (and 'All'), or lengthen the churn window"
            )
            raise ValueError(msg)
        credit = mrr * multiple
        low = high = credit
        realised = mrr * np.minimum(months_paid, 10**6) * chosen.gross_margin

    def taken_back(amount: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        back: npt.NDArray[np.float64] = clawbacks(
            amount,
            realised,
            months_paid,
            clawback_months=chosen_policy.clawback_months,
            clawback_share=chosen_policy.clawback_share,
        )
        return back

    back, back_low, back_high = taken_back(credit), taken_back(low), taken_back(high)
    clawed = back > 0
    # A bound's clawback may be taken where the point's is not (the upper
    # credit is more than the deal realised, the point is not).
    any_back = clawed | (back_low > 0) | (back_high > 0)
    # Shares of whole minor units: rounded half to even, never above the deal.
    back_mrr = np.minimum(np.rint(back), mrr).astype(np.int64)
    check_total_fits(
        mrr, table="deals", column="mrr", labels=table["deal_id"].to_numpy(object)
    )
    labels = _labels(table["owner_id"].astype(str), by, staff)
    keys = ["label", "period"]
    credited_rows = (
        pd.DataFrame(
            {
                "label": labels,
                "period": won,
                "deals": np.ones(len(mrr), np.int64),
                "booked": mrr,
                "credit": credit,
                "low": low,
                "high": high,
            }
        )
        # Float sums in an order fixed by the data, not the rows' order.
        .sort_values([*keys, "credit", "low", "high"], kind="stable")
        .groupby(keys)[["deals", "booked", "credit", "low", "high"]]
        .sum()
    )
    back_rows = (
        pd.DataFrame(
            {
                "label": labels[any_back],
                "period": lost[any_back],
                "back": back[any_back],
                "back_low": back_low[any_back],
                "back_high": back_high[any_back],
                "back_mrr": back_mrr[any_back],
                "clawed": clawed[any_back].astype(np.int64),
            }
        )
        .sort_values([*keys, "back", "back_low", "back_high"], kind="stable")
        .groupby(keys)[["back", "back_low", "back_high", "back_mrr", "clawed"]]
        .sum()
    )
    union = credited_rows.index.union(back_rows.index)
    out = pd.concat(
        [
            credited_rows.reindex(union, fill_value=0),
            back_rows.reindex(union, fill_value=0),
        ],
        axis=1,
    )
    index_name = "staff_id" if by == "staff" else "team"
    index = pd.MultiIndex.from_arrays(
        [
            pd.Index(union.get_level_values("label"), dtype=object),
            pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
                union.get_level_values("period").to_numpy(np.int64), freq="M"
            ),
        ],
        names=[index_name, "period"],
    )
    columns = ATTAINMENT_COLUMNS[chosen_policy.basis]
    result = pd.DataFrame(index=index)
    result["deals"] = out["deals"].to_numpy(np.int64)
    result["booked_mrr"] = out["booked"].to_numpy(np.int64)
    if chosen_policy.basis == "bookings":
        credit_mrr = result["booked_mrr"].to_numpy(np.int64)
        clawback_mrr = out["back_mrr"].to_numpy(np.int64)
        result["credit_mrr"] = credit_mrr
        result["clawback_mrr"] = clawback_mrr
        result["credited_mrr"] = credit_mrr - clawback_mrr
    else:
        result["credit_ltv"] = out["credit"].to_numpy(np.float64)
        result["clawback_ltv"] = out["back"].to_numpy(np.float64)
        result["credited_ltv"] = result["credit_ltv"] - result["clawback_ltv"]
        # A month's credit rises with the multiple and its clawbacks fall: the
        # month's figure at each end of the interval, the lower and the higher.
        ends = np.stack(
            [
                result["credited_ltv"].to_numpy(np.float64),
                (out["low"] - out["back_low"]).to_numpy(np.float64),
                (out["high"] - out["back_high"]).to_numpy(np.float64),
            ]
        )
        nan = np.full(len(result), np.nan)
        result["credited_ltv_lower"] = ends.min(axis=0) if interval else nan
        result["credited_ltv_upper"] = ends.max(axis=0) if interval else nan
    result["deals_clawed_back"] = out["clawed"].to_numpy(np.int64)
    result = result[list(columns)]
    result.attrs["currency"] = ledger.currency
    result.attrs["policy"] = chosen_policy
    return result


def sold_retention(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame | None = None,
    by: By = "team",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """
    Return the sales head's churn KPI: how much of what each team sold it kept.

    Each customer belongs to the team of the person who closed it (see
    ``scorecards.attribution``: the owner of its first won ``new`` deal, or
    the customers table's reps). For every month, a team's figures cover
    every customer it closed up to that month: how many it sold and how many
    still pay at the month's end, the MRR they started with (in their first
    paid month, which is when they count as sold) and the MRR they pay now
    (expansion, contraction, churn and returns included). The head of a
    team answers for its row.

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    staff : pandas.DataFrame
        People (`StaffMember` columns), for their team.
    deals : pandas.DataFrame, optional
        Won deals (`Deal` columns), which decide who closed each customer.
    by : {'team', 'staff'}, default 'team'
        One row per team and month, or per person.
    since, through : pandas.Period, str or date, optional
        Months shown (default: the ledger's whole range).
    total : bool, default True
        Add the company's rows, labelled ``"All"``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``team`` (or ``staff_id``) and ``period``, with
        `SOLD_RETENTION_COLUMNS`: ``customers_sold`` and
        ``customers_active`` (int64), ``sold_mrr`` (their first month's
        MRR) and ``mrr_at_end`` (int64 minor units), ``customer_retention``
        (active over sold) and ``net_mrr_retention`` (MRR now over MRR
        sold); NaN before the team has sold anything. Customers nobody
        closed form a ``"(none)"`` row.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> kpi = sm.goals.sold_retention(led, staff=sample.staff, deals=sample.deals)
    >>> kpi.xs("2025-12", level="period")[
    ...     ["customers_sold", "customer_retention"]].round(3)
                   customers_sold  customer_retention
    team
    fs-commercial            1198               0.759
    fs-enterprise             314               0.911
    is-east                   780               0.764
    is-west                   641               0.760
    All                      2933               0.777
    """
    check_by(by, what="'team' or 'staff'")
    if ledger.first_month is None or ledger.last_month is None:
        raise ValueError(_EMPTY)
    first, last = int(ledger.first_month.ordinal), int(ledger.last_month.ordinal)
    who = attribute(ledger, deals=deals, assignments=None, as_of=last)
    closer = who["closed_by"].astype(object)
    known = closer.notna().to_numpy(bool)
    closer = closer.where(closer.notna(), _NONE).astype(str)
    labels = _labels(closer, by, staff) if by == "team" else closer.to_numpy(object)
    labels = np.where(known, labels, _NONE)
    group, names = pd.factorize(pd.Series(labels, dtype=object), sort=True)
    n_groups, n_months = len(names), last - first + 1
    ev = ledger._events
    cell = group[ev.customer].astype(np.int64) * n_months + (ev.month - first)
    size = n_groups * n_months
    change = ev.mrr_change.astype(np.int64)
    after = ev.mrr_after.astype(np.int64)
    before = after - change
    active_change = (after > 0).astype(np.int64) - (before > 0).astype(np.int64)
    # Sold: the first month a customer became active (a free start is not a sale).
    starts = np.flatnonzero(active_change == 1)
    start_customer = ev.customer[starts]
    earliest = np.ones(len(starts), bool)
    earliest[1:] = start_customer[1:] != start_customer[:-1]
    is_first = np.zeros(len(cell), bool)
    is_first[starts[earliest]] = True

    def cumulative(
        values: npt.NDArray[np.int64], where: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.int64]:
        sums = sum_by_key(cell[where], values[where], size).reshape(n_groups, n_months)
        return np.cumsum(sums, axis=1)

    everywhere = np.ones(len(cell), bool)
    check_total_fits(
        after[is_first],
        table="ledger",
        column="mrr",
        labels=ledger.customers["customer_id"].astype(str).to_numpy(object),
        codes=ev.customer[is_first],
        unit="customer",
    )
    grid = {
        "customers_sold": cumulative(np.ones(len(cell), np.int64), is_first),
        "customers_active": cumulative(active_change, everywhere),
        "sold_mrr": cumulative(after, is_first),
        "mrr_at_end": cumulative(change, everywhere),
    }
    if total:
        names = pd.Index([*names, _ALL], dtype=object)
        grid = {
            k: np.vstack([v, v.sum(axis=0, keepdims=True)]) for k, v in grid.items()
        }
    index = pd.MultiIndex.from_product(
        [
            pd.Index(names, dtype=object),
            pd.period_range(ledger.first_month, ledger.last_month, freq="M"),
        ],
        names=["team" if by == "team" else "staff_id", "period"],
    )
    out = pd.DataFrame({k: v.reshape(-1) for k, v in grid.items()}, index=index)
    out["customer_retention"] = divide_or_nan(
        out["customers_active"].to_numpy(np.float64),
        out["customers_sold"].to_numpy(np.float64),
    )
    out["net_mrr_retention"] = divide_or_nan(
        out["mrr_at_end"].to_numpy(np.float64), out["sold_mrr"].to_numpy(np.float64)
    )
    lo = _month_or_none(since, "since")
    hi = _month_or_none(through, "through")
    months = np.asarray(
        pd.PeriodIndex(out.index.get_level_values("period")).asi8, np.int64
    )
    keep = np.ones(len(out), bool)
    if lo is not None:
        keep &= months >= lo
    if hi is not None:
        keep &= months <= hi
    out = out[keep]
    out.attrs["currency"] = ledger.currency
    return out[list(SOLD_RETENTION_COLUMNS)]


POOLED_COLUMNS: Final = (
    "depth",
    "customers",
    "churned",
    "exposure_months",
    "raw_churn_rate",
    "churn_rate",
    "churn_rate_lower",
    "churn_rate_upper",
    "data_weight",
    "posterior_shape",
    "posterior_rate",
)
"""Columns of `pooled_churn`, in order."""

PRIORITY_COLUMNS: Final = (
    "segment_depth",
    "churn_rate",
    "churn_rate_lower",
    "churn_rate_upper",
    "expected_lifetime_months",
    "expected_ltv",
    "expected_ltv_lower",
    "expected_ltv_upper",
    "rank",
)
"""Columns `deal_priorities` adds to the pipeline, in order."""


def _gamma_interval(
    shape: npt.NDArray[np.float64], rate: npt.NDArray[np.float64], level: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """
    Equal-tailed interval of a gamma(shape, rate) hazard (0 without events).

    ``scipy.stats.gamma.ppf(q, shape, scale=1 / rate)`` is
    ``gammaincinv(shape, q) / rate`` (what it computes), without the import
    of ``scipy.stats``.
    """
    from scipy.special import gammaincinv

    tail = (1 - level) / 2
    lower = np.full(len(shape), np.nan)
    upper = lower.copy()
    ok = (shape > 0) & (rate > 0)
    scale = 1 / rate[ok]
    lower[ok] = gammaincinv(shape[ok], tail) * scale
    upper[ok] = gammaincinv(shape[ok], 1 - tail) * scale
    lower[(shape == 0) & (rate > 0)] = 0.0
    return lower, upper


def pooled_churn(
    ledger: Ledger,
    *,
    by: str | Sequence[str],
    prior_months: float = 120.0,
    level: float = 0.95,
    as_of: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Return the monthly churn of every segment, pooled toward its parent segment.

    `by` lists customer attributes known at the sale, from general to
    specific (``["segment", "acquisition_channel"]``). Each segment's churn
    is a gamma-Poisson estimate: churned customers over customer-months at
    risk (from ``survival.lifetimes``), with a prior centred on the parent
    segment's pooled rate and worth `prior_months` customer-months of data.
    The pooled rate is ``(churned + prior_months * parent_rate) /
    (exposure_months + prior_months)``, so a thin segment stays near its
    parent and a thick one follows its own customers; the company's rate,
    at the root, is its plain rate.

    Parameters
    ----------
    ledger : Ledger
        The ledger; every name in `by` is one of its customer attributes.
    by : str or sequence of str
        Segment attributes, from the most general to the most specific.
    prior_months : float, default 120.0
        Weight of the parent's rate, in customer-months: a segment with this
        much exposure is estimated halfway between its own rate and its
        parent's (``data_weight`` = 0.5).
    level : float, default 0.95
        Probability of the interval of the posterior churn rate.
    as_of : pandas.Period, str or date, optional
        The month lifetimes are seen from (default: the ledger's last month).
    conventions : Conventions, optional
        Choices other than the ledger's (``lifetime_spells``, and later the
        LTV's margin, discount rate and zero-churn policy).

    Returns
    -------
    pandas.DataFrame
        One row per segment and parent segment, indexed by the `by` levels
        (``"All"`` beyond a row's depth; the company is all ``"All"``),
        with `POOLED_COLUMNS`: ``depth`` (0 for the company), ``customers``
        and ``churned`` (int64), ``exposure_months``, ``raw_churn_rate``
        (churned over exposure; NaN without exposure), the pooled
        ``churn_rate`` and its interval, ``data_weight`` (``exposure /
        (exposure + prior_months)``), and the gamma posterior's shape and
        rate. ``attrs["conventions"]`` keeps the conventions, for
        `deal_priorities`.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> pooled = sm.goals.pooled_churn(led, by="segment")
    >>> pooled[["customers", "raw_churn_rate", "churn_rate"]].round(4)
                customers  raw_churn_rate  churn_rate
    segment
    All              2933          0.0210      0.0210
    enterprise        314          0.0071      0.0075
    mid_market        864          0.0180      0.0180
    smb              1755          0.0256      0.0256
    """
    check_by(by)
    names = [by] if isinstance(by, str) else list(by)
    if not names:
        msg = "'by' must name at least one customer attribute"
        raise ValueError(msg)
    chosen_level = check_level(level)
    if not np.isfinite(prior_months) or prior_months < 0:
        msg = f"'prior_months' must be a finite number >= 0, got {prior_months!r}"
        raise ValueError(msg)
    chosen = _rate_conventions(ledger, conventions)
    spans = lifetimes(ledger, by=names, as_of=as_of, conventions=chosen)
    keys = spans[names].astype(object)
    keys = keys.where(keys.notna(), _NONE).astype(str)
    frame = keys.assign(
        customers=np.ones(len(spans), np.int64),
        churned=spans["observed"].to_numpy(bool).astype(np.int64),
        exposure=spans["age"].to_numpy(np.int64),
    )
    parts = []
    for depth in range(len(names) + 1):  # one group-by per level of the tree
        level_names = names[:depth]
        if level_names:
            summed = frame.groupby(level_names, sort=True)[
                ["customers", "churned", "exposure"]
            ].sum()
            summed = summed.reset_index()
        else:
            summed = frame[["customers", "churned", "exposure"]].sum().to_frame().T
        for name in names[depth:]:
            summed[name] = _ALL
        summed["depth"] = depth
        parts.append(summed)
    nodes = pd.concat(parts, ignore_index=True)
    key_of = {
        tuple(row): i for i, row in enumerate(nodes[names].itertuples(index=False))
    }
    parent = np.full(len(nodes), -1, np.int64)
    depth_of = nodes["depth"].to_numpy(np.int64)
    for i, row in enumerate(nodes[names].itertuples(index=False)):  # per segment
        d = int(depth_of[i])
        if d > 0:
            parent[i] = key_of[(*row[: d - 1], *([_ALL] * (len(names) - d + 1)))]
    events = nodes["churned"].to_numpy(np.float64)
    exposure = nodes["exposure"].to_numpy(np.float64)
    shape, rate, mean = pooled_rates(
        events, exposure, parent, prior_months=float(prior_months)
    )
    lower, upper = _gamma_interval(shape, rate, chosen_level)
    out = pd.DataFrame(
        {
            "depth": depth_of,
            "customers": nodes["customers"].to_numpy(np.int64),
            "churned": nodes["churned"].to_numpy(np.int64),
            "exposure_months": exposure,
            "raw_churn_rate": divide_or_nan(events, exposure),
            "churn_rate": mean,
            "churn_rate_lower": lower,
            "churn_rate_upper": upper,
            "data_weight": np.where(
                depth_of == 0, 1.0, exposure / (exposure + prior_months)
            ),
            "posterior_shape": shape,
            "posterior_rate": rate,
        },
        index=pd.MultiIndex.from_frame(nodes[names].astype(object))
        if len(names) > 1
        else pd.Index(nodes[names[0]].astype(object), name=names[0]),
    )
    out.attrs["conventions"] = chosen
    out.attrs["by"] = tuple(names)
    out.attrs["level"] = chosen_level
    return out[list(POOLED_COLUMNS)]


def deal_priorities(
    pipeline: pd.DataFrame,
    *,
    churn: pd.DataFrame,
    level: float = 0.95,
) -> pd.DataFrame:
    """
    Rank open deals or leads by their expected lifetime value.

    Which prospect first: a large first-year budget unlikely to stay, or a
    small one likely to? Each opportunity's expected LTV is
    ``ltv.lifetime_value(expected_mrr, churn_rate, ...)`` with the pooled
    churn rate of the most specific segment it belongs to in `churn` (a
    `pooled_churn` table), and the margin, discount rate and zero-churn
    policy of the conventions that table was made with. An opportunity whose
    attributes name a segment the ledger has never seen, or are missing,
    takes its parent segment's rate (``segment_depth`` says which level).
    The interval comes from the churn rate's interval (a lower churn rate
    gives the upper LTV).

    Parameters
    ----------
    pipeline : pandas.DataFrame
        Open opportunities (`Opportunity` columns), with a column for each
        attribute `churn` was pooled by.
    churn : pandas.DataFrame
        A `pooled_churn` table.
    level : float, default 0.95
        Probability of the intervals.

    Returns
    -------
    pandas.DataFrame
        The pipeline, ranked (``rank`` 1 = first, nullable ``Int64``; ties
        share the best rank; <NA> where the LTV is unknown, last),
        with `PRIORITY_COLUMNS` added: the churn rate used and its interval,
        the expected lifetime in months, and ``expected_ltv`` with its
        interval (float, minor units of each row's currency: expectations,
        not amounts).

    Raises
    ------
    InvalidTableError
        If `pipeline` breaks the `Opportunity` schema.
    ValueError
        If `pipeline` lacks a column `churn` was pooled by.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> pooled = sm.goals.pooled_churn(led, by="segment")
    >>> pipeline = pd.DataFrame({
    ...     "opportunity_id": ["big-smb", "small-enterprise"],
    ...     "expected_mrr": [150_000, 100_000], "currency": "JPY",
    ...     "segment": ["smb", "enterprise"]})
    >>> ranked = sm.goals.deal_priorities(pipeline, churn=pooled)
    >>> ranked[["opportunity_id", "expected_mrr", "rank"]]
         opportunity_id  expected_mrr  rank
    1  small-enterprise        100000     1
    0           big-smb        150000     2
    """
    chosen_level = check_level(level)
    names = list(churn.attrs.get("by", churn.index.names))
    missing = [name for name in names if name not in pipeline.columns]
    if missing:
        msg = f"pipeline: no column {missing} (churn was pooled by {names})"
        raise ValueError(msg)
    table = validate(pipeline, Opportunity)
    chosen = churn.attrs.get("conventions")
    if not isinstance(chosen, Conventions):
        chosen = Conventions()
    nodes = churn.reset_index()
    n = len(table)
    found = np.full(n, -1, np.int64)
    depth = np.full(n, -1, np.int64)
    values = table[names].astype(object)
    values = values.where(values.notna(), None)
    for d in range(len(names), -1, -1):  # deepest level first, one merge each
        at = nodes[nodes["depth"] == d]
        left = pd.DataFrame(
            {
                name: (
                    values[name].astype(str).to_numpy(object)
                    if i < d
                    else np.full(n, _ALL, dtype=object)
                )
                for i, name in enumerate(names)
            }
        )
        known = np.ones(n, bool)
        for name in names[:d]:
            known &= values[name].notna().to_numpy(bool)
        matched = left.merge(
            at[names].assign(_node=at.index.to_numpy(np.int64)), on=names, how="left"
        )["_node"].to_numpy(np.float64)
        fill = (found < 0) & known & ~np.isnan(matched)
        found[fill] = matched[fill].astype(np.int64)
        depth[fill] = d
    if (found < 0).any():
        msg = "churn: the table has no company row (depth 0); pass a pooled_churn table"
        raise ValueError(msg)
    shape = nodes["posterior_shape"].to_numpy(np.float64)[found]
    rate = nodes["posterior_rate"].to_numpy(np.float64)[found]
    mean = nodes["churn_rate"].to_numpy(np.float64)[found]
    lower, upper = _gamma_interval(shape, rate, chosen_level)
    mrr = table["expected_mrr"].to_numpy(np.float64)
    lifetime, value = conventional_ltv(mrr, mean, chosen)
    _, value_upper = conventional_ltv(mrr, lower, chosen)
    _, value_lower = conventional_ltv(mrr, upper, chosen)
    out = table.copy()
    out["segment_depth"] = depth
    out["churn_rate"] = mean
    out["churn_rate_lower"] = lower
    out["churn_rate_upper"] = upper
    out["expected_lifetime_months"] = lifetime
    out["expected_ltv"] = value
    out["expected_ltv_lower"] = value_lower
    out["expected_ltv_upper"] = value_upper
    # Unknown LTVs (no churn data at all) rank last, as <NA>.
    out["rank"] = (
        out["expected_ltv"].rank(ascending=False, method="min").astype("Int64")
    )
    return out.sort_values(["rank", "opportunity_id"], kind="stable")


Measure = Literal["new_mrr", "net_new_mrr", "new_arr", "net_new_arr", "ltv"]

TARGET_COLUMNS: Final = (
    "team",
    "role",
    "fte",
    "ramped_months",
    "capacity_months",
    "capacity_share",
    "target",
    "chain",
)
"""Columns of `targets`, in order (``target`` is named for the plan's measure)."""


Fit = str | Sequence[str]

_JOIN: Final = " / "
"""How the values of several fit attributes are joined into one fit label."""


def _fit_names(segment: object) -> list[str]:
    """Return the fit attributes: one name, or several from general to specific."""
    check_by(segment, what="customer attributes (a str, or a list of str)")
    names = [segment] if isinstance(segment, str) else list(segment)  # type: ignore[call-overload]
    if not names or not all(isinstance(name, str) for name in names):
        msg = f"'segment' must name one or more customer attributes, got {segment!r}"
        raise ValueError(msg)
    return names


def _joined(parts: Sequence[pd.Series]) -> npt.NDArray[np.object_]:
    """Join each row's values of several columns into one fit label."""
    cleaned = [
        part.astype(object).where(part.notna(), _NONE).astype(str) for part in parts
    ]
    head = cleaned[0].reset_index(drop=True)
    if len(cleaned) == 1:
        return head.to_numpy(object)
    rest = [part.reset_index(drop=True) for part in cleaned[1:]]
    frame = pd.concat(rest, axis=1)
    return head.str.cat(frame, sep=_JOIN).to_numpy(object)


def _customer_fit(ledger: Ledger, names: Sequence[str]) -> npt.NDArray[np.object_]:
    """Every ledger customer's fit label (``"(none)"`` for a missing value)."""
    return _joined([ledger.customer_attribute(name) for name in names])


def _meeting_fit(
    meetings: pd.DataFrame, names: Sequence[str]
) -> npt.NDArray[np.object_]:
    """Every meeting's fit label, from its own columns (the fit at the meeting)."""
    missing = [name for name in names if name not in meetings.columns]
    if missing:
        msg = f"meetings: no column {missing[0]!r} (the fit segment of each meeting)"
        raise ValueError(msg)
    return _joined([meetings[name] for name in names])


def _pooled_fit(index: pd.Index) -> npt.NDArray[np.object_]:
    """Return the fit label of each `pooled_churn` row; ``"All"`` for the company's."""
    if not isinstance(index, pd.MultiIndex):
        return index.astype(object).to_numpy(object)
    parts = [
        pd.Series(index.get_level_values(k).astype(str)) for k in range(index.nlevels)
    ]
    labels = _joined(parts)
    company = np.logical_and.reduce([p.to_numpy(object) == _ALL for p in parts])
    labels[company] = _ALL
    return labels


def _customer_fits(
    ledger: Ledger, names: Sequence[str]
) -> list[npt.NDArray[np.object_]]:
    """
    Every ledger customer's fit label and its parents', most specific first.

    The parent of ``"a / b"`` is ``"a / All"`` (its `pooled_churn` row); the
    last is ``"All"``, the company.
    """
    columns = [ledger.customer_attribute(name) for name in names]
    everyone = pd.Series(_ALL, index=columns[0].index, dtype=object)
    out = [
        _joined([*columns[:keep], *[everyone] * (len(names) - keep)])
        for keep in range(len(names), 0, -1)
    ]
    out.append(np.full(len(everyone), _ALL, object))
    return out


def _check_goal(instance: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        msg = f"'goal' must be an int >= 0 (minor units), got {value!r}"
        raise ValueError(msg)


def _check_measure(instance: object, attribute: object, value: str) -> None:
    check_option(value, name="measure", allowed=_MEASURES)


_MEASURES: Final = ("new_mrr", "net_new_mrr", "new_arr", "net_new_arr", "ltv")


def _mrr_goal(plan: Plan) -> tuple[int, str]:
    """
    Return the plan's goal as MRR (the ARR convention), and how it was read.

    An ARR goal is 12 times an MRR goal (the annual run rate of a monthly
    amount): ``G / 12``, rounded half up to a whole minor unit.
    """
    if plan.measure in ("new_arr", "net_new_arr"):
        monthly = (plan.goal + 6) // 12
        return monthly, f"ARR goal {plan.goal:,} / 12 = {monthly:,} MRR (rounded); "
    return plan.goal, ""


def _currency(value: object) -> str:
    from ._currencies import known_code

    code = known_code(value)
    if code is None:
        msg = f"'currency' must be an ISO 4217 code, got {value!r}"
        raise ValueError(msg)
    return code


def _month_start(value: object) -> pd.Period:
    try:
        return pd.Period(value, freq="M")  # type: ignore[arg-type]
    except (TypeError, ValueError):
        msg = f"'start' must be a month (Period, 'YYYY-MM' or date), got {value!r}"
        raise ValueError(msg) from None


@attrs.frozen(kw_only=True)
class Plan:
    """
    A company goal for a period, and how it is split among people by capacity.

    Edit a plan with `attrs.evolve`, which checks the fields again.

    Attributes
    ----------
    goal : int
        The company's goal for the period, in minor units of `currency`.
    currency : str
        ISO 4217 code of `goal`.
    start : pandas.Period
        The period's first month (a Period, ``"YYYY-MM"`` or a date).
    months : int, default 3
        Length of the period in months (3: a quarter).
    measure : str, default 'new_mrr'
        What the goal counts: ``'new_mrr'``, new MRR booked;
        ``'net_new_mrr'``, net new MRR (new less losses plus expansion:
        `plan_targets` turns it into new MRR with the history's rates);
        ``'new_arr'`` and ``'net_new_arr'``, the same two as annual
        recurring revenue (the **ARR convention**: ARR is 12 times MRR, so
        `plan_targets` reads an ARR goal ``G`` as the MRR goal ``G / 12``,
        rounded half up to a whole minor unit); or ``'ltv'``, LTV created
        (as `credited_attainment` credits it under ``basis="ltv"``).
    role : str, default 'field_sales'
        The role that carries the goal; only people in it get a target.
    ramp_months : int, default 3
        Months a new person takes to reach full capacity: in the k-th month
        in the role one works at ``k / ramp_months`` of it (0: at once).

    Examples
    --------
    >>> import attrs
    >>> from subscription_metrics.goals import Plan
    >>> plan = Plan(goal=30_000_000, currency="JPY", start="2026-01")
    >>> plan.start, plan.months, plan.ramp_months
    (Period('2026-01', 'M'), 3, 3)
    >>> attrs.evolve(plan, measure="ltv").measure
    'ltv'
    """

    goal: int = attrs.field(validator=_check_goal, converter=int)
    currency: str = attrs.field(converter=_currency)
    start: pd.Period = attrs.field(converter=_month_start)
    months: int = attrs.field(default=3, validator=_int_at_least(1))
    measure: Measure = attrs.field(default="new_mrr", validator=_check_measure)
    role: str = attrs.field(default="field_sales")
    ramp_months: int = attrs.field(default=3, validator=_int_at_least(0))

    @role.validator
    def _check_role(self, attribute: object, value: str) -> None:
        allowed = [r.value for r in Role]
        check_option(value, name="role", allowed=allowed)


def _figure(value: float) -> str:
    """Write a number as the chain shows it: separators, and 2 decimals if any."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def targets(
    staff: pd.DataFrame,
    *,
    plan: Plan,
    by: By = "staff",
) -> pd.DataFrame:
    """
    Split a company goal into targets per person (or team) by capacity.

    Each person in the plan's role has a capacity over the period, in
    full-time months: ``fte`` times the months in the role, each counted
    at its ramp (``min(k / ramp_months, 1)`` in the k-th month since
    ``start``; 0 before ``start`` and from ``end``; a month counts in full
    when the role is held on any of its days). The goal is split in
    proportion to capacity, in whole minor units by largest remainder, so
    the people's targets add up exactly to their team's and to the goal.
    The ``chain`` column writes out the figures each target came from.

    Parameters
    ----------
    staff : pandas.DataFrame
        People (`StaffMember` columns); ``start`` and ``end`` date the role.
    plan : Plan
        The goal, the period, the role and the ramp.
    by : {'staff', 'team'}, default 'staff'
        One row per person, or per team (the sums of its people).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``staff_id`` (or ``team``), with `TARGET_COLUMNS`:
        ``team``, ``role``, ``fte``, ``ramped_months`` (months in the role
        over the period, ramp counted), ``capacity_months`` (times FTE),
        ``capacity_share`` and the target (int64 minor units, named
        ``target_mrr``, ``target_arr`` or ``target_ltv`` for the measure),
        and ``chain``.
        ``attrs["currency"]`` and ``attrs["plan"]`` hold the plan's.

    Raises
    ------
    InvalidTableError
        If `staff` breaks the `StaffMember` schema.
    ValueError
        If nobody in the role has capacity in the period (and the goal is
        not 0).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> from subscription_metrics.goals import Plan
    >>> sample = sm.datasets.load_sample()
    >>> plan = Plan(goal=30_000_000, currency="JPY", start="2026-01")
    >>> sm.goals.targets(sample.staff, plan=plan, by="team")[
    ...     ["capacity_months", "target_mrr"]]
                   capacity_months  target_mrr
    team
    fs-commercial             15.0    15000000
    fs-enterprise             15.0    15000000
    """
    check_by(by, what="'staff' or 'team'")
    if by not in ("staff", "team"):
        msg = f"'by' must be 'staff' or 'team', got {by!r}"
        raise ValueError(msg)
    people = validate(staff, StaffMember)
    people = people[people["role"].astype(str) == plan.role].sort_values(
        "staff_id", kind="stable"
    )
    ramped = _ramped_months(people, plan)
    fte = people["fte"].to_numpy(np.float64)
    capacity = fte * ramped
    total_capacity = float(capacity.sum())
    if total_capacity <= 0 and plan.goal:
        raise InvalidTableError(
            [
                Problem(
                    table="staff",
                    column="role",
                    rule="someone in the role in the period",
                    count=len(people),
                    detail=f"nobody in role {plan.role!r} works in the "
                    f"{plan.months} months from {plan.start}; there is no "
                    "capacity to carry the goal",
                )
            ]
        )
    target = allocate(plan.goal, capacity)
    names = {"ltv": "target_ltv", "new_arr": "target_arr", "net_new_arr": "target_arr"}
    name = names.get(plan.measure, "target_mrr")
    team_values = people["team"].astype(object)
    team = team_values.where(team_values.notna(), _NONE).to_numpy(object)
    share = capacity / total_capacity if total_capacity > 0 else np.zeros(len(fte))
    out = pd.DataFrame(
        {
            "team": team,
            "role": plan.role,
            "fte": fte,
            "ramped_months": ramped,
            "capacity_months": capacity,
            "capacity_share": share,
            name: target,
        },
        index=pd.Index(people["staff_id"].astype(str), name="staff_id"),
    )
    goal_text = f"{plan.goal:,} {plan.currency} {plan.measure}"
    out["chain"] = [
        f"fte {_figure(f)} x {_figure(r)} ramped months = {_figure(c)} capacity "
        f"months; {_figure(c)} / {_figure(total_capacity)} of {plan.role} capacity "
        f"x goal {goal_text} = {t:,} (largest remainder)"
        for f, r, c, t in zip(fte, ramped, capacity, target, strict=True)
    ]  # one string per person of one role: a team's size, not the data's
    if by == "team":
        grouped = out.groupby("team", sort=True)
        teams = grouped[["ramped_months", "capacity_months", name]].sum()
        teams["fte"] = grouped["fte"].sum()
        teams["capacity_share"] = (
            teams["capacity_months"] / total_capacity if total_capacity > 0 else 0.0
        )
        teams["role"] = plan.role
        teams["team"] = teams.index.to_numpy(object)
        teams[name] = teams[name].astype(np.int64)
        teams["chain"] = [
            f"sum of {n} people's targets = {t:,}; {_figure(c)} / "
            f"{_figure(total_capacity)} of {plan.role} capacity x goal {goal_text}"
            for n, t, c in zip(
                grouped.size(), teams[name], teams["capacity_months"], strict=True
            )
        ]
        out = teams
    columns = [name if c == "target" else c for c in TARGET_COLUMNS]
    if by == "team":
        columns.remove("team")
    out = out[columns]
    out.attrs["currency"] = plan.currency
    out.attrs["plan"] = plan
    return out


# --------------------------------------------------------------------------
# Targets from the company's history
# --------------------------------------------------------------------------

_METRIC_ROLES: Final = {
    "qualified_meetings": "inside_sales",
    "new_mrr": "field_sales",
    "ltv_bookings": "field_sales",
    "early_churn_ceiling": "field_sales",
    "expansion_mrr": "customer_sales",
    "pipeline_mrr": "customer_sales",
    "lost_mrr_ceiling": "customer_marketing",
    "at_risk_mrr_ceiling": "customer_marketing",
    "onboardings": "customer_support",
    "at_risk_accounts_ceiling": "customer_support",
}
"""The role that carries each derived target."""

_METRIC_UNITS: Final = {
    "qualified_meetings": "meetings",
    "new_mrr": "money",
    "ltv_bookings": "money",
    "early_churn_ceiling": "customers",
    "expansion_mrr": "money",
    "pipeline_mrr": "money",
    "lost_mrr_ceiling": "money",
    "at_risk_mrr_ceiling": "money",
    "onboardings": "onboardings",
    "at_risk_accounts_ceiling": "accounts",
}

PLAN_COLUMNS: Final = (
    "level",
    "role",
    "team",
    "staff_id",
    "metric",
    "segment",
    "unit",
    "target",
    "capacity_share",
    "chain",
)
"""Columns of `plan_targets`, in order."""


class _Figures(Mapping[str, Any]):
    """A read-only mapping that copies, pickles and prints like a dict."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, Any]) -> None:
        self._items = dict(items)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_Figures, (self._items,))


def _read_only(value: object) -> Mapping[str, float]:
    items = dict(value)  # type: ignore[call-overload]
    return _Figures({str(key): float(number) for key, number in items.items()})


def _check_figures(
    instance: object, attribute: attrs.Attribute[Mapping[str, float]], value: object
) -> None:
    for key, number in dict(value).items():  # type: ignore[call-overload]
        if not np.isfinite(number) or number < 0:
            msg = (
                f"{attribute.name!r}: the figure for {key!r} must be a finite "
                f"number >= 0, got {number!r}"
            )
            raise ValueError(msg)


EXPANSION_ROLES: Final = ("customer_sales", "customer_success")
"""The roles that win expansion (upsell and cross-sell), in the order split."""


def _check_role_figures(
    instance: object, attribute: attrs.Attribute[Mapping[str, float]], value: object
) -> None:
    """Keys among `EXPANSION_ROLES`; values fractions in [0, 1]."""
    for key, number in dict(value).items():  # type: ignore[call-overload]
        if key not in EXPANSION_ROLES:
            allowed = ", ".join(repr(r) for r in EXPANSION_ROLES)
            msg = (
                f"{attribute.name!r}: {key!r} is not a role that wins expansion "
                f"({allowed})"
            )
            raise ValueError(msg)
        if not np.isfinite(number) or not 0 <= number <= 1:
            msg = (
                f"{attribute.name!r}: the figure for {key!r} must be a fraction "
                f"in [0, 1], got {number!r}"
            )
            raise ValueError(msg)


def _rate_or_nan(
    instance: object, attribute: attrs.Attribute[float], value: float
) -> None:
    if isinstance(value, bool) or not (np.isnan(value) or 0.0 <= value <= 1.0):
        msg = (
            f"{attribute.name!r} must be a fraction in [0, 1] (or NaN: unknown), "
            f"got {value!r}"
        )
        raise ValueError(msg)


def _amount_or_nan(
    instance: object, attribute: attrs.Attribute[float], value: float
) -> None:
    if isinstance(value, bool) or not (
        np.isnan(value) or (np.isfinite(value) and value >= 0)
    ):
        msg = (
            f"{attribute.name!r} must be a finite number >= 0 (or NaN: unknown), "
            f"got {value!r}"
        )
        raise ValueError(msg)


def _chains(value: object) -> Mapping[str, str]:
    return _Figures({str(k): str(v) for k, v in dict(value).items()})  # type: ignore[call-overload]


@attrs.frozen(kw_only=True, eq=False)
class GoalHistory:
    """
    The figures of a company's history that its targets are derived from.

    `goal_history` reads them from the ledger, the deals, the meetings,
    the activities and the onboarding table; edit any of them with
    `attrs.evolve` (to plan for a better conversion, say) before
    `plan_targets`. Mappings are keyed by fit segment (the customer
    attribute named in `goal_history`); a rate of NaN is unknown (its
    table was not given) and the targets that need it are not derived.

    Attributes
    ----------
    currency : str
        ISO 4217 code of every amount.
    as_of : pandas.Period
        The last month read.
    lookback_months : int
        Months of history read, ending at `as_of`.
    mrr_at_end : int
        The company's MRR at the end of `as_of` (minor units): the base
        expansion and losses are projected on.
    new_mrr_share : Mapping[str, float]
        Each segment's share of new MRR won in the window.
    deal_size : Mapping[str, float]
        Mean MRR of a new deal won in the window, per segment.
    meeting_conversion : Mapping[str, float]
        Won deals per qualified meeting, per segment (empty without
        meetings).
    ltv_multiple : Mapping[str, float]
        Expected LTV per unit of new MRR, per segment (``"All"`` for the
        company).
    early_months : int
        The early-churn window: a new customer lost within this many months
        of its deal counts as an early loss.
    early_churn_rate : float
        Share of the new deals of the window (shifted back by
        `early_months`, so each had them to show) lost within `early_months`.
    expansion_rate : float
        Expansion MRR a month over MRR at the month's start, pooled: >= 0,
        above 1 when a month's expansion exceeds the MRR it started from.
    loss_rate : float
        Churned and contraction MRR a month over MRR at the start, pooled.
    pipeline_win_rate : float
        Won upsell and cross-sell MRR of customer sales over the
        opportunity MRR it opened (NaN without activities).
    expansion_share : Mapping[str, float]
        Each role that wins expansion (``"customer_sales"``,
        ``"customer_success"``: `EXPANSION_ROLES`) and its share of the
        upsell and cross-sell MRR the window's deals of those roles' owners
        won (roles with none left out). Empty (the default, and without
        staff or expansion deals): customer sales carries all of it.
    expansion_win_rate : Mapping[str, float]
        Each role's won upsell and cross-sell MRR over the opportunity MRR
        its people opened in the window, for the roles that opened some
        (empty without activities); ``"customer_sales"``'s is
        `pipeline_win_rate`.
    onboarding_rate : float
        Share of onboardings started that completed (NaN without the table).
    at_risk_mrr : float
        MRR at the end of `as_of` (minor units) of the paying accounts
        whose health score at `as_of` is in the health model's worst band
        (``at_risk`` by default); at most `mrr_at_end`. NaN without usage.
    at_risk_accounts : float
        How many accounts that is (a whole number; NaN without usage).
    at_risk_loss_rate : float
        Churned and contraction MRR a month of the accounts in the worst
        band at the end of the month before, over their MRR at the month's
        start, pooled over the window (NaN without usage, or without MRR at
        risk in any month of it).
    rest_loss_rate : float
        The same for the rest of the book (every other account, scored or
        not), so that ``loss_rate`` is the two rates weighted by the
        window's MRR at start in each (NaN without usage).
    chain : Mapping[str, str]
        For each figure, the figures it came from.
    """

    currency: str = attrs.field(converter=_currency)
    as_of: pd.Period = attrs.field(converter=_month_start)
    lookback_months: int = attrs.field(validator=_int_at_least(1))
    mrr_at_end: int = attrs.field(validator=_int_at_least(0))
    new_mrr_share: Mapping[str, float] = attrs.field(
        converter=_read_only, validator=_check_figures
    )
    deal_size: Mapping[str, float] = attrs.field(
        converter=_read_only, validator=_check_figures
    )
    meeting_conversion: Mapping[str, float] = attrs.field(
        converter=_read_only, validator=_check_figures
    )
    ltv_multiple: Mapping[str, float] = attrs.field(
        converter=_read_only, validator=_check_figures
    )
    early_months: int = attrs.field(validator=_int_at_least(1))
    early_churn_rate: float = attrs.field(converter=float, validator=_rate_or_nan)
    expansion_rate: float = attrs.field(converter=float, validator=_amount_or_nan)
    loss_rate: float = attrs.field(converter=float, validator=_rate_or_nan)
    pipeline_win_rate: float = attrs.field(converter=float, validator=_rate_or_nan)
    onboarding_rate: float = attrs.field(converter=float, validator=_rate_or_nan)
    expansion_share: Mapping[str, float] = attrs.field(
        factory=dict, converter=_read_only, validator=_check_role_figures
    )
    expansion_win_rate: Mapping[str, float] = attrs.field(
        factory=dict, converter=_read_only, validator=_check_role_figures
    )
    at_risk_mrr: float = attrs.field(
        default=np.nan, converter=float, validator=_amount_or_nan
    )
    at_risk_accounts: float = attrs.field(
        default=np.nan, converter=float, validator=_amount_or_nan
    )
    at_risk_loss_rate: float = attrs.field(
        default=np.nan, converter=float, validator=_rate_or_nan
    )
    rest_loss_rate: float = attrs.field(
        default=np.nan, converter=float, validator=_rate_or_nan
    )
    chain: Mapping[str, str] = attrs.field(factory=dict, converter=_chains)

    def __attrs_post_init__(self) -> None:
        """Check the health figures against each other and the MRR."""
        if self.at_risk_mrr > self.mrr_at_end:
            msg = (
                f"'at_risk_mrr' ({self.at_risk_mrr:,.0f}) must not exceed "
                f"'mrr_at_end' ({self.mrr_at_end:,})"
            )
            raise ValueError(msg)
        mrr, accounts = self.at_risk_mrr, self.at_risk_accounts
        if np.isnan(mrr) != np.isnan(accounts) or (
            not np.isnan(accounts)
            and (not accounts.is_integer() or (accounts == 0) != (mrr == 0))
        ):
            msg = (
                "'at_risk_accounts' must be a whole number, known exactly when "
                "'at_risk_mrr' is, and 0 exactly when it is 0 (paying accounts), "
                f"got {accounts!r} accounts and {mrr!r} MRR"
            )
            raise ValueError(msg)


def _window(read: int, months: int, lag: int = 0) -> tuple[int, int]:
    """First and last month ordinals of `months` ending `lag` months before `read`."""
    return read - lag - months + 1, read - lag


def _months_text(lo: int, hi: int) -> str:
    first = pd.Period(ordinal=lo, freq="M")
    last = pd.Period(ordinal=hi, freq="M")
    return f"{first}..{last}"


def _month_ordinals(values: pd.Series) -> npt.NDArray[np.int64]:
    days = pd.DatetimeIndex(values)
    out = np.asarray(pd.PeriodIndex(days, freq="M").asi8, np.int64)
    return np.where(days.isna(), NEVER, out)


def goal_history(
    ledger: Ledger,
    *,
    deals: pd.DataFrame,
    meetings: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    onboarding: pd.DataFrame | None = None,
    staff: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    health_model: HealthModel | None = None,
    segment: Fit = "segment",
    as_of: MonthLike | None = None,
    lookback_months: int = 12,
    early_months: int = 6,
    lag_months: int = 2,
    prior_months: float = 120.0,
    conventions: Conventions | None = None,
) -> GoalHistory:
    """
    Read the figures targets are derived from out of the company's history.

    Every rate pools the last `lookback_months` months to `as_of`
    (conventions below); the result is an editable `GoalHistory`, each
    figure with the chain of counts and sums it came from.

    - ``new_mrr_share`` and ``deal_size``: the ``new`` deals won in the
      window, by the fit segment of their customer (``segment``, a customer
      attribute; ``"(none)"`` where missing).
    - ``meeting_conversion``: of the qualified meetings held in the window
      moved back by `lag_months` (recent meetings have not had time to
      close), the share with a ``deal_id``, by the meetings' own `segment`
      column (the fit known at the meeting).
    - ``ltv_multiple``: ``ltv.lifetime_value(1, churn)`` with each segment's
      `pooled_churn` rate (partial pooling by `prior_months`) and the
      conventions' margin, discount rate and zero-churn policy.
    - ``early_churn_rate``: of the ``new`` deals won in the window moved
      back by `early_months`, the share whose customer the ledger shows lost
      within `early_months` of the month won (as `CreditPolicy` clawbacks
      count it).
    - ``expansion_rate`` and ``loss_rate``: the bridge's expansion, and its
      churned plus contraction MRR, over its MRR at start, summed over the
      window (reactivation counts as neither).
    - ``pipeline_win_rate``: the upsell and cross-sell MRR won by customer
      sales (`staff` roles) over the MRR of the ``opportunity`` activities
      its people opened, in the window.
    - ``expansion_share`` (with `staff`): of the upsell and cross-sell MRR
      won in the window by owners in the roles that win expansion
      (`EXPANSION_ROLES`: customer sales, customer success), each role's
      share, by the deal owner's role; ``expansion_win_rate`` (with
      `activities` too): each role's won MRR over the opportunity MRR its
      people opened, for the roles that opened some.
    - ``onboarding_rate``: of the onboardings started in the window moved
      back by `lag_months`, the share completed.
    - ``at_risk_mrr`` and ``at_risk_accounts``: the paying accounts whose
      health score at `as_of` (``health.score`` of ``health.signals`` over
      the 3 months to `as_of`, with `health_model`) is in the model's worst
      band, and their MRR at the end of `as_of`.
    - ``at_risk_loss_rate`` and ``rest_loss_rate``: each month of the
      window, the accounts are scored at the end of the month before; the
      churned plus contraction MRR of those in the worst band over their
      MRR at the month's start, summed over the window, and the same for
      the rest of the book (the bridge's sums less the at-risk ones, so
      ``loss_rate`` is exactly the two weighted by MRR at start).

    Parameters
    ----------
    ledger : Ledger
        The ledger.
    deals : pandas.DataFrame
        Won deals (`Deal` columns).
    meetings : pandas.DataFrame, optional
        Inside-sales meetings (`Meeting` columns) with a `segment` column.
    activities : pandas.DataFrame, optional
        Activities (`Activity` columns); needs `staff` too.
    onboarding : pandas.DataFrame, optional
        Onboardings (`Onboarding` columns).
    staff : pandas.DataFrame, optional
        People (`StaffMember` columns), for who is in customer sales.
    usage : pandas.DataFrame, optional
        Monthly usage (`UsageSnapshot` columns), for the health figures;
        without it they are NaN and the at-risk ceilings are not derived.
    tickets : pandas.DataFrame, optional
        Support tickets (`Ticket` columns), a signal of the health score.
    health_model : HealthModel, optional
        The health score (default ``health.default_model()``); its first
        band is the one at risk.
    segment : str or sequence of str, default 'segment'
        The fit attribute (a customer attribute, and a column of
        `meetings`), or several from general to specific (``["segment",
        "acquisition_channel"]``): a fit is then their values joined by
        ``" / "`` (``"enterprise / partner"``), and its LTV multiple is
        its `pooled_churn` row's, pooled toward its parent
        (``"enterprise / All"``, also given) and the company's.
    as_of : pandas.Period, str or date, optional
        Last month read (default: the ledger's last month).
    lookback_months : int, default 12
        Months of history pooled.
    early_months : int, default 6
        The early-churn window.
    lag_months : int, default 2
        How far the meeting and onboarding windows are moved back.
    prior_months : float, default 120.0
        Weight of the parent segment's churn (`pooled_churn`).
    conventions : Conventions, optional
        Other choices than the ledger's for churn and LTV.

    Returns
    -------
    GoalHistory

    Raises
    ------
    InvalidTableError
        If a table breaks its entity's schema.
    ValueError
        If the ledger is empty or `meetings` lacks the `segment` column.
        (Without a new deal in the window the shares and sizes are empty.)

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> history = sm.goals.goal_history(
    ...     led, deals=sample.deals, meetings=sample.meetings)
    >>> {k: round(v, 2) for k, v in history.meeting_conversion.items()}
    {'enterprise': 0.18, 'mid_market': 0.28, 'smb': 0.4}
    >>> print(history.chain["meeting_conversion[smb]"])  # doctest: +ELLIPSIS
    qualified meetings held 2024-11..2025-10 in smb: ... won / ... = 0.40...

    With usage, the health figures: accounts at risk lose their MRR several
    times as fast as the rest of the book.

    >>> health = sm.goals.goal_history(
    ...     led, deals=sample.deals, usage=sample.usage, tickets=sample.tickets)
    >>> round(health.at_risk_loss_rate, 4), round(health.rest_loss_rate, 4)
    (0.082, 0.0132)
    >>> int(health.at_risk_mrr), int(health.at_risk_accounts)
    (17732200, 146)
    """
    return _goal_history(
        ledger,
        deals=deals,
        meetings=meetings,
        activities=activities,
        onboarding=onboarding,
        staff=staff,
        usage=usage,
        tickets=tickets,
        health_model=health_model,
        segment=segment,
        as_of=as_of,
        lookback_months=lookback_months,
        early_months=early_months,
        lag_months=lag_months,
        prior_months=prior_months,
        conventions=conventions,
        signal_inputs=None,
    )


def _goal_history(
    ledger: Ledger,
    *,
    deals: pd.DataFrame,
    meetings: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    onboarding: pd.DataFrame | None = None,
    staff: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    health_model: HealthModel | None = None,
    segment: Fit = "segment",
    as_of: MonthLike | None = None,
    lookback_months: int = 12,
    early_months: int = 6,
    lag_months: int = 2,
    prior_months: float = 120.0,
    conventions: Conventions | None = None,
    signal_inputs: Any,
) -> GoalHistory:
    """Do `goal_history`; `signal_inputs`: usage and tickets checked, or None."""
    names = _fit_names(segment)
    months = check_int(lookback_months, name="lookback_months", low=1)
    early = check_int(early_months, name="early_months", low=1)
    lag = check_int(lag_months, name="lag_months", low=0)
    chosen = _rate_conventions(ledger, conventions)
    read = as_of_month(ledger, as_of, empty=_EMPTY)
    lo, hi = _window(read, months)
    chain: dict[str, str] = {}
    window = _months_text(lo, hi)

    # The bridge: MRR at the end, expansion and losses.
    from .ledger import bridge

    moves = bridge(ledger)
    month = np.asarray(pd.PeriodIndex(moves.index).asi8, np.int64)
    inside = (month >= lo) & (month <= hi)
    start_sum = int(moves.loc[inside, "mrr_at_start"].sum())
    expansion = int(moves.loc[inside, "expansion_mrr"].sum())
    lost = int(moves.loc[inside, "churned_mrr"].sum()) + int(
        moves.loc[inside, "contraction_mrr"].sum()
    )
    at_end = moves.loc[month == read, "mrr_at_end"]
    mrr_at_end = int(at_end.iloc[0]) if len(at_end) else 0
    expansion_rate = expansion / start_sum if start_sum else np.nan
    loss_rate = lost / start_sum if start_sum else np.nan
    chain["mrr_at_end"] = (
        f"bridge: MRR at the end of {pd.Period(ordinal=read, freq='M')} "
        f"= {mrr_at_end:,}"
    )
    chain["expansion_rate"] = (
        f"bridge {window}: expansion MRR {expansion:,} / MRR at start {start_sum:,} "
        f"(summed over {months} months) = {expansion_rate:.4f} a month"
    )
    chain["loss_rate"] = (
        f"bridge {window}: churned + contraction MRR {lost:,} / MRR at start "
        f"{start_sum:,} = {loss_rate:.4f} a month"
    )

    # New deals by fit segment.
    table = validate(deals, Deal)
    values = _customer_fit(ledger, names)
    new = table[table["kind"].astype(str) == "new"]
    won = _month_ordinals(new["won_on"])
    code = id_positions(ledger.customers["customer_id"], new["customer_id"])
    deal_segment = np.where(code >= 0, values[np.maximum(code, 0)], _NONE)
    mrr = new["mrr"].to_numpy(np.int64)
    in_window = (won >= lo) & (won <= hi)
    if not in_window.any():
        chain["new_mrr_share"] = f"no new deal was won in {window}"
    frame = pd.DataFrame({"segment": deal_segment[in_window], "mrr": mrr[in_window]})
    grouped = frame.groupby("segment", sort=True)["mrr"]
    sums, counts = grouped.sum(), grouped.size()
    total_new = int(sums.sum())
    share = {str(k): int(v) / total_new for k, v in sums.items()}
    size = {str(k): int(sums[k]) / int(counts[k]) for k in sums.index}
    for key in sums.index:
        chain[f"new_mrr_share[{key}]"] = (
            f"new deals won {window} in {key}: MRR {int(sums[key]):,} / all new MRR "
            f"{total_new:,} = {share[str(key)]:.4f}"
        )
        chain[f"deal_size[{key}]"] = (
            f"new deals won {window} in {key}: MRR {int(sums[key]):,} / "
            f"{int(counts[key])} deals = {size[str(key)]:,.2f}"
        )

    # Early churn of the deals won early_months before.
    elo, ehi = _window(read, months, early)
    loss_customer, loss_month = _loss_events(ledger)
    next_lost = next_loss(code, won, loss_customer, loss_month)
    early_window = (won >= elo) & (won <= ehi)
    early_lost = early_window & (next_lost - won <= early)
    n_early = int(early_window.sum())
    early_rate = int(early_lost.sum()) / n_early if n_early else np.nan
    chain["early_churn_rate"] = (
        f"new deals won {_months_text(elo, ehi)}: {int(early_lost.sum())} lost within "
        f"{early} months / {n_early} = {early_rate:.4f}"
    )

    # Meetings to deals.
    conversion: dict[str, float] = {}
    if meetings is not None:
        seg = _meeting_fit(meetings, names)
        met = validate(meetings, Meeting)
        held = _month_ordinals(met["held_on"])
        mlo, mhi = _window(read, months, lag)
        qualified = (met["outcome"].astype(str) == "qualified").to_numpy(bool)
        keep = qualified & (held >= mlo) & (held <= mhi)
        q = pd.DataFrame(
            {
                "segment": seg[keep],
                "won": met["deal_id"].notna().to_numpy(bool)[keep].astype(np.int64),
            }
        ).groupby("segment", sort=True)["won"]
        held_n, won_n = q.size(), q.sum()
        for key in held_n.index:
            rate = int(won_n[key]) / int(held_n[key])
            conversion[str(key)] = rate
            chain[f"meeting_conversion[{key}]"] = (
                f"qualified meetings held {_months_text(mlo, mhi)} in {key}: "
                f"{int(won_n[key])} won / {int(held_n[key])} = {rate:.4f}"
            )

    # LTV per unit of new MRR, from pooled churn.
    pooled = pooled_churn(
        ledger,
        by=names,
        prior_months=prior_months,
        as_of=pd.Period(ordinal=read, freq="M"),
        conventions=chosen,
    )
    rates = pooled["churn_rate"].to_numpy(np.float64)
    _, value = conventional_ltv(np.ones(len(rates)), rates, chosen)
    fits = _pooled_fit(pooled.index)
    # A segment without a customer-month at risk has no churn rate, so no
    # multiple: it is left out (unknown), and the chain says why.
    multiple = {
        str(k): float(v) for k, v in zip(fits, value, strict=True) if np.isfinite(v)
    }
    for key, rate, v in zip(fits, rates, value, strict=True):
        if not np.isfinite(v):
            chain[f"ltv_multiple[{key}]"] = (
                f"unknown: no pooled monthly churn of {key} (no paying "
                "customer-months at risk); set one to plan from it"
            )
            continue
        chain[f"ltv_multiple[{key}]"] = (
            f"pooled monthly churn of {key} {rate:.5f} (prior {prior_months:g} "
            f"customer-months toward its parent); LTV of 1 unit of MRR at margin "
            f"{chosen.gross_margin:g} = {v:.2f}"
        )

    # The roles that win expansion: each one's share of it (by the deals'
    # owners' roles), and its won expansion MRR over its opportunity MRR.
    win_rate = np.nan
    expansion_share: dict[str, float] = {}
    expansion_win: dict[str, float] = {}
    if staff is not None:
        people = validate(staff, StaffMember)
        role_of = people.set_index("staff_id")["role"].astype(str)
        role_of = role_of[~role_of.index.duplicated()]
        deal_role = (
            role_of.reindex(table["owner_id"].astype(str).to_numpy(object))
            .fillna(_NONE)
            .to_numpy(object)
        )
        won_on = _month_ordinals(table["won_on"])
        grows = (
            table["kind"].astype(str).isin(["upsell", "cross_sell"]).to_numpy(bool)
            & (won_on >= lo)
            & (won_on <= hi)
        )
        grown = table["mrr"].to_numpy(np.int64)
        won_by = {
            r: int(grown[grows & (deal_role == r)].sum()) for r in EXPANSION_ROLES
        }
        both = sum(won_by.values())
        if both > 0:
            expansion_share = {r: v / both for r, v in won_by.items() if v > 0}
            for r, v in expansion_share.items():
                chain[f"expansion_share[{r}]"] = (
                    f"upsell and cross-sell MRR {window} won by {r} owners "
                    f"{won_by[r]:,} / by the roles that win expansion "
                    f"({', '.join(EXPANSION_ROLES)}) {both:,} = {v:.4f}"
                )
    if activities is not None and staff is not None:
        acts = validate(activities, Activity)
        acted = _month_ordinals(acts["on"])
        is_opened = (acts["kind"].astype(str) == "opportunity").to_numpy(bool) & (
            (acted >= lo) & (acted <= hi)
        )
        opener = acts["staff_id"].astype(str)
        for r in EXPANSION_ROLES[1:]:
            members = set(role_of[role_of == r].index.astype(str))
            mine = is_opened & opener.isin(members).to_numpy(bool)
            opened_r = int(acts.loc[mine, "mrr"].fillna(0).astype(np.int64).sum())
            if opened_r:
                expansion_win[r] = min(won_by[r] / opened_r, 1.0)
                chain[f"expansion_win_rate[{r}]"] = (
                    f"{r} {window}: won upsell and cross-sell MRR {won_by[r]:,} / "
                    f"opportunity MRR opened {opened_r:,} = {expansion_win[r]:.4f}"
                )
        sales = set(
            people.loc[
                people["role"].astype(str) == "customer_sales", "staff_id"
            ].astype(str)
        )
        on = _month_ordinals(acts["on"])
        opened = (
            (acts["kind"].astype(str) == "opportunity").to_numpy(bool)
            & acts["staff_id"].astype(str).isin(sales).to_numpy(bool)
            & (on >= lo)
            & (on <= hi)
        )
        opened_mrr = int(acts.loc[opened, "mrr"].fillna(0).astype(np.int64).sum())
        all_won = _month_ordinals(table["won_on"])
        expansion_deals = (
            table["kind"].astype(str).isin(["upsell", "cross_sell"]).to_numpy(bool)
            & table["owner_id"].astype(str).isin(sales).to_numpy(bool)
            & (all_won >= lo)
            & (all_won <= hi)
        )
        won_mrr = int(table.loc[expansion_deals, "mrr"].sum())
        win_rate = min(won_mrr / opened_mrr, 1.0) if opened_mrr else np.nan
        if opened_mrr:
            expansion_win["customer_sales"] = win_rate
        chain["pipeline_win_rate"] = (
            f"customer sales {window}: won upsell and cross-sell MRR {won_mrr:,} / "
            f"opportunity MRR opened {opened_mrr:,} = {win_rate:.4f}"
        )

    onboarding_rate = np.nan
    if onboarding is not None:
        ob = validate(onboarding, Onboarding)
        started = _month_ordinals(ob["started_on"])
        olo, ohi = _window(read, months, lag)
        began = (started >= olo) & (started <= ohi)
        done = began & ob["completed_on"].notna().to_numpy(bool)
        n_began = int(began.sum())
        onboarding_rate = int(done.sum()) / n_began if n_began else np.nan
        chain["onboarding_rate"] = (
            f"onboardings started {_months_text(olo, ohi)}: {int(done.sum())} "
            f"completed / {n_began} = {onboarding_rate:.4f}"
        )

    health_figures = _health_history(
        ledger,
        usage=usage,
        tickets=tickets,
        checked=signal_inputs,
        model=health_model,
        read=read,
        lo=lo,
        hi=hi,
        start_sum=start_sum,
        lost=lost,
        chain=chain,
    )

    return GoalHistory(
        currency=ledger.currency,
        as_of=pd.Period(ordinal=read, freq="M"),
        lookback_months=months,
        mrr_at_end=mrr_at_end,
        new_mrr_share=share,
        deal_size=size,
        meeting_conversion=conversion,
        ltv_multiple=multiple,
        early_months=early,
        early_churn_rate=early_rate,
        expansion_rate=expansion_rate,
        loss_rate=loss_rate,
        pipeline_win_rate=win_rate,
        onboarding_rate=onboarding_rate,
        expansion_share=expansion_share,
        expansion_win_rate=dict(sorted(expansion_win.items())),
        **health_figures,
        chain=chain,
    )


def _mrr_at_end_of(ledger: Ledger, month: int) -> npt.NDArray[np.int64]:
    """Every ledger customer's MRR at the end of `month` (an ordinal)."""
    ev = ledger._events
    out = np.zeros(len(ledger.customers), np.int64)
    seen = np.flatnonzero(ev.month <= month)
    if len(seen):
        who = ev.customer[seen]
        last = seen[np.append(who[1:] != who[:-1], True)]  # events sorted by both
        out[ev.customer[last]] = ev.mrr_after[last]
    return out


_HEALTH_WINDOW: Final = 3
"""Months of usage `health.signals` reads by default, and the goals score on."""


def _chosen_health_model(model: object) -> HealthModel:
    """Return `model`, or ``health.default_model()`` for None; refuse anything else."""
    from .health import default_model

    chosen = default_model() if model is None else model
    if not isinstance(chosen, HealthModel):
        msg = f"'health_model' must be a HealthModel, got {type(model).__name__}"
        raise TypeError(msg)
    return chosen


def _at_risk_scorer(
    ledger: Ledger, *, inputs: Any, model: HealthModel
) -> Callable[[int], tuple[npt.NDArray[np.bool_], int]]:
    """
    Return a function of a month that flags the ledger customers at risk then.

    The function scores ``health.signals`` over the `_HEALTH_WINDOW` months
    to the month (an ordinal) with `model` and returns which ledger
    customers are in its worst band, and how many accounts in that band the
    ledger does not know. `inputs` are the usage and tickets as
    ``health._checked_signal_inputs`` returns them; every usage account's
    ledger code is looked up once, for every month scored.
    """
    from .health import _signals_of, score

    n = len(ledger.customers)
    accounts = inputs.usage.accounts
    ledger_code = id_positions(ledger.customers["customer_id"], accounts)

    def at_risk(month: int) -> tuple[npt.NDArray[np.bool_], int]:
        signals = _signals_of(inputs, lo=month - _HEALTH_WINDOW + 1, hi=month)
        flagged = np.zeros(n, bool)
        if len(signals) == 0:
            return flagged, 0
        scores = score(signals, model=model)
        worst_band = np.asarray(scores["band"].cat.codes, np.int64) == 0
        code = ledger_code[accounts.get_indexer(scores.index)]
        flagged[code[worst_band & (code >= 0)]] = True
        return flagged, int((worst_band & (code < 0)).sum())

    return at_risk


def _at_risk_stocks(
    ledger: Ledger,
    *,
    usage: pd.DataFrame,
    tickets: pd.DataFrame | None,
    model: HealthModel | None,
    first: int,
    last: int,
) -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], set[int]
]:
    """
    Return the paying accounts at risk at the end of each month ``first .. last``.

    Scored as `goal_history` scores ``at_risk_mrr`` at its `as_of` (the same
    scorer, the usage laid out once): the ledger code, month and MRR at the
    month's end of every (account, month) in the model's worst band with
    MRR, and the months of the span with no usage row at all (not scored).
    """
    from .health import _checked_signal_inputs

    chosen = _chosen_health_model(model)
    inputs = _checked_signal_inputs(usage, tickets)
    at_risk = _at_risk_scorer(ledger, inputs=inputs, model=chosen)
    codes, months, amounts = [], [], []
    for month in range(first, last + 1):  # one scoring per month of the plan
        flagged, _ = at_risk(month)
        mrr = _mrr_at_end_of(ledger, month)
        who = np.flatnonzero(flagged & (mrr > 0)).astype(np.int64)
        codes.append(who)
        months.append(np.full(len(who), month, np.int64))
        amounts.append(mrr[who])
    month_of_row = inputs.usage.month
    inside = (month_of_row >= first) & (month_of_row <= last)
    rows_in = np.bincount(month_of_row[inside] - first, minlength=last - first + 1)
    unscored = {first + int(k) for k in np.flatnonzero(rows_in == 0)}
    return (
        np.concatenate(codes),
        np.concatenate(months),
        np.concatenate(amounts).astype(np.int64),
        unscored,
    )


def _health_history(
    ledger: Ledger,
    *,
    usage: pd.DataFrame | None,
    tickets: pd.DataFrame | None,
    model: HealthModel | None,
    read: int,
    lo: int,
    hi: int,
    start_sum: int,
    lost: int,
    chain: dict[str, str],
    checked: Any = None,
) -> dict[str, float]:
    """
    Return the health figures of `GoalHistory` (NaN without usage); fill `chain`.

    `checked`: `usage` and `tickets` as `health._checked_signal_inputs`
    returns them, when the caller has checked them already (the report).
    """
    unknown = {
        "at_risk_mrr": np.nan,
        "at_risk_accounts": np.nan,
        "at_risk_loss_rate": np.nan,
        "rest_loss_rate": np.nan,
    }
    if usage is None:
        chain["health"] = (
            "no usage table: the health figures are unknown and the at-risk "
            "ceilings are not derived"
        )
        return unknown
    from .health import _checked_signal_inputs

    chosen = _chosen_health_model(model)
    inputs = _checked_signal_inputs(usage, tickets) if checked is None else checked
    worst = chosen.bands[0][0]
    window_months = _HEALTH_WINDOW
    at_risk = _at_risk_scorer(ledger, inputs=inputs, model=chosen)

    # Now: the paying accounts at risk at the end of `read`.
    mrr_now = _mrr_at_end_of(ledger, read)
    flagged_now, unknown_now = at_risk(read)
    now = flagged_now & (mrr_now > 0)
    risk_mrr = int(mrr_now[now].sum())
    risk_accounts = int(now.sum())
    month_text = pd.Period(ordinal=read, freq="M")
    chain["at_risk_mrr"] = (
        f"health scores at {month_text} (signals over {window_months} months): "
        f"{risk_accounts} paying accounts in band {worst!r} with MRR {risk_mrr:,} "
        f"({int(flagged_now.sum()) - risk_accounts} more in the band pay nothing "
        f"at the end of {month_text}; {unknown_now} are not in the ledger)"
    )
    chain["at_risk_accounts"] = chain["at_risk_mrr"]

    # The window: losses of each month by the band at the end of the month before.
    ev = ledger._events
    losing = (ev.kind == CHURN) | (ev.kind == CONTRACTION)
    risk_start = 0
    risk_lost = 0
    for month in range(lo, hi + 1):  # one scoring per month of the window
        flagged, _ = at_risk(month - 1)
        risk_start += int(_mrr_at_end_of(ledger, month - 1)[flagged].sum())
        this = losing & (ev.month == month)
        this &= flagged[ev.customer]
        risk_lost += int(np.abs(ev.mrr_change[this]).sum())
    rest_start, rest_lost = start_sum - risk_start, lost - risk_lost
    risk_rate = risk_lost / risk_start if risk_start else np.nan
    rest_rate = rest_lost / rest_start if rest_start else np.nan
    window = _months_text(lo, hi)
    chain["at_risk_loss_rate"] = (
        f"bridge {window}, accounts in band {worst!r} at the end of the month "
        f"before: churned + contraction MRR {risk_lost:,} / MRR at start "
        f"{risk_start:,} = {risk_rate:.5f} a month"
    )
    chain["rest_loss_rate"] = (
        f"bridge {window}, the rest of the book: churned + contraction MRR "
        f"{lost:,} - {risk_lost:,} = {rest_lost:,} / MRR at start {start_sum:,} - "
        f"{risk_start:,} = {rest_start:,} = {rest_rate:.5f} a month"
    )
    return {
        "at_risk_mrr": float(risk_mrr),
        "at_risk_accounts": float(risk_accounts),
        "at_risk_loss_rate": risk_rate,
        "rest_loss_rate": rest_rate,
    }


def _expansion_figures(
    history: GoalHistory,
    *,
    expansion: int,
    e_text: str,
    rows: list[tuple[str, str, int, str]],
    parts: dict[str, list[tuple[str, int, str]]],
    not_derived: dict[str, str],
) -> None:
    """
    Add the expansion and pipeline targets, split between the roles that win it.

    The company's expansion is split by `GoalHistory.expansion_share` (all to
    customer sales without one), in whole units by largest remainder; each
    role's pipeline is its expansion over its own win rate, and the company's
    the sum of the roles' (a role without a win rate has none).
    """
    shares = dict(history.expansion_share) or {"customer_sales": 1.0}
    roles = [r for r in EXPANSION_ROLES if shares.get(r, 0.0) > 0]
    weights = np.array([shares[r] for r in roles], np.float64)
    amounts = allocate(expansion, weights)
    split = bool(history.expansion_share)
    expansion_parts = [
        (
            r,
            int(a),
            f"{e_text}; x {r}'s share {w:.4f} of the expansion won "
            f"(largest remainder) = {int(a):,}"
            if split
            else e_text,
        )
        for r, a, w in zip(roles, amounts, weights, strict=True)
    ]
    company_text = e_text
    if split:
        company_text += "; split between the roles that win it: " + ", ".join(
            f"{r} {int(a):,}" for r, a in zip(roles, amounts, strict=True)
        )
    rows.append(("expansion_mrr", _ALL, expansion, company_text))
    parts["expansion_mrr"] = expansion_parts
    pipeline_parts = []
    skipped = []
    for r, amount, text in expansion_parts:
        rate = history.expansion_win_rate.get(
            r, history.pipeline_win_rate if r == "customer_sales" else np.nan
        )
        if not rate > 0:
            skipped.append(r)
            continue
        pipeline = round(amount / rate)
        pipeline_parts.append(
            (r, pipeline, f"{text}; / {r}'s win rate {rate:.4f} = {pipeline:,}")
        )
    if not pipeline_parts:
        not_derived["pipeline_mrr"] = (
            f"pipeline_win_rate {history.pipeline_win_rate} (unknown without "
            "activities and staff, or 0)"
            if not split
            else f"no win rate for {', '.join(skipped)} (no opportunity MRR "
            "opened in the history, or none won)"
        )
        return
    total = sum(p[1] for p in pipeline_parts)
    if len(pipeline_parts) == 1:
        company_text = pipeline_parts[0][2]
    else:
        company_text = (
            "sum over the roles of each one's expansion over its own win rate: "
            + " + ".join(f"({text})" for _, _, text in pipeline_parts)
            + f" = {total:,}"
        )
    if skipped:
        company_text += (
            f"; {', '.join(skipped)}: no pipeline target (no win rate: no "
            "opportunity MRR opened in the history)"
        )
    rows.append(("pipeline_mrr", _ALL, total, company_text))
    parts["pipeline_mrr"] = pipeline_parts


def _company_figures(
    plan: Plan, history: GoalHistory
) -> tuple[list[tuple[str, str, int, str, list[tuple[str, int, str]]]], dict[str, str]]:
    """
    Return the company's targets and the figures not derived.

    The targets are (metric, segment, target, chain, parts) rows, in order,
    where parts are the (role, target, chain) each role's people share (one
    role, the whole, but for expansion and its pipeline); the figures not
    derived map each metric left out to the reason.
    """
    not_derived: dict[str, str] = {}
    parts: dict[str, list[tuple[str, int, str]]] = {}
    if history.currency != plan.currency:
        msg = (
            f"history is in {history.currency} and the plan in {plan.currency}; "
            "convert one first"
        )
        raise ValueError(msg)
    n = plan.months
    base = history.mrr_at_end
    rows: list[tuple[str, str, int, str]] = []
    unknown = [
        name
        for name in ("expansion_rate", "loss_rate")
        if np.isnan(getattr(history, name))
    ]
    if unknown:
        msg = f"history: {unknown} unknown (no MRR at the start of any month read)"
        raise ValueError(msg)
    expansion = round(history.expansion_rate * base * n)
    lost = round(history.loss_rate * base * n)
    e_text = (
        f"expansion rate {history.expansion_rate:.4f} x MRR {base:,} x {n} months "
        f"= {expansion:,}"
    )
    l_text = f"loss rate {history.loss_rate:.4f} x MRR {base:,} x {n} months = {lost:,}"
    segments = sorted(history.new_mrr_share)
    share = np.array([history.new_mrr_share[s] for s in segments], np.float64)
    missing = [s for s in segments if s not in history.ltv_multiple]
    if missing:
        msg = f"history: no ltv_multiple for segments {missing}"
        raise ValueError(msg)
    multiple = np.array([history.ltv_multiple[s] for s in segments], np.float64)
    if not np.isfinite(multiple).all():
        msg = "history: an ltv_multiple is not finite (no churn seen); set one"
        raise ValueError(msg)
    blended = float((share * multiple).sum() / share.sum()) if len(share) else np.nan
    if plan.measure == "ltv" and not blended > 0:
        msg = "history: no new MRR by segment to turn an LTV goal into new MRR"
        raise ValueError(msg)
    goal, arr_text = _mrr_goal(plan)
    if plan.measure in ("net_new_mrr", "net_new_arr"):
        new_total = max(goal + lost - expansion, 0)
        n_text = (
            f"{arr_text}net new goal {goal:,} + projected losses {lost:,} - "
            f"projected expansion {expansion:,} = {new_total:,}"
        )
    elif plan.measure in ("new_mrr", "new_arr"):
        new_total = goal
        n_text = f"{arr_text}new MRR goal {goal:,}"
    else:
        new_total = round(plan.goal / blended)
        n_text = (
            f"LTV goal {plan.goal:,} / blended LTV per unit of new MRR {blended:.2f} "
            f"(segment multiples weighted by new-MRR share) = {new_total:,}"
        )
    new_by = allocate(new_total, share)
    if plan.measure == "ltv":
        value_by = allocate(plan.goal, share * multiple)
    else:
        value_by = np.rint(new_by * multiple).astype(np.int64)
    deals_by = np.zeros(len(segments))
    for i, s in enumerate(segments):
        size = history.deal_size.get(s, np.nan)
        deals_by[i] = new_by[i] / size if size > 0 else np.nan
    deals_needed = int(np.ceil(np.nansum(deals_by)))
    rows.append(("new_mrr", _ALL, new_total, n_text))
    for i, s in enumerate(segments):
        rows.append(
            (
                "new_mrr",
                s,
                int(new_by[i]),
                f"{n_text}; x share {share[i]:.4f} of {s} (largest remainder) = "
                f"{int(new_by[i]):,}",
            )
        )
    rows.append(
        (
            "ltv_bookings",
            _ALL,
            int(value_by.sum()),
            "sum over segments of new MRR x LTV multiple: "
            + " + ".join(
                f"{int(new_by[i]):,} x {multiple[i]:.2f}" for i in range(len(segments))
            )
            + f" = {int(value_by.sum()):,}",
        )
    )
    if np.isnan(history.early_churn_rate):
        not_derived["early_churn_ceiling"] = "early_churn_rate unknown"
    else:
        ceiling = int(np.floor(history.early_churn_rate * deals_needed))
        rows.append(
            (
                "early_churn_ceiling",
                _ALL,
                ceiling,
                f"early churn rate {history.early_churn_rate:.4f} (lost within "
                f"{history.early_months} months) x {deals_needed} new deals needed "
                f"(new MRR / deal size by segment, rounded up) = {ceiling} "
                "customers at most (rounded down)",
            )
        )
    if not history.meeting_conversion:
        not_derived["qualified_meetings"] = "meeting_conversion unknown (no meetings)"
    else:
        for i, s in enumerate(segments):
            rate = history.meeting_conversion.get(s, np.nan)
            if not rate > 0 or np.isnan(deals_by[i]):
                continue
            meetings = int(np.ceil(deals_by[i] / rate))
            rows.append(
                (
                    "qualified_meetings",
                    s,
                    meetings,
                    f"new MRR {int(new_by[i]):,} in {s} / deal size "
                    f"{history.deal_size[s]:,.2f} = {deals_by[i]:.2f} deals; / "
                    f"conversion {rate:.4f} = {meetings} qualified meetings "
                    "(rounded up)",
                )
            )
    _expansion_figures(
        history,
        expansion=expansion,
        e_text=e_text,
        rows=rows,
        parts=parts,
        not_derived=not_derived,
    )
    rows.append(("lost_mrr_ceiling", _ALL, lost, f"{l_text} at most"))
    at_risk = _at_risk_ceilings(history, lost=lost, months=n, not_derived=not_derived)
    rows.extend(at_risk[:1])
    if np.isnan(history.onboarding_rate):
        not_derived["onboardings"] = "onboarding_rate unknown (no onboarding table)"
    else:
        onboardings = int(np.ceil(history.onboarding_rate * deals_needed))
        rows.append(
            (
                "onboardings",
                _ALL,
                onboardings,
                f"onboarding completion {history.onboarding_rate:.4f} x "
                f"{deals_needed} new deals needed = {onboardings} completed "
                "(rounded up)",
            )
        )
    rows.extend(at_risk[1:])
    return [
        (
            metric,
            seg,
            total,
            text,
            parts.get(metric, [(_METRIC_ROLES[metric], total, text)]),
        )
        for metric, seg, total, text in rows
    ], not_derived


def _at_risk_ceilings(
    history: GoalHistory, *, lost: int, months: int, not_derived: dict[str, str]
) -> list[tuple[str, str, int, str]]:
    """
    Return the at-risk MRR and accounts ceilings, or none (and say why).

    At-risk MRR ``A`` held through the period loses ``a`` a month and the
    rest of the book ``B - A`` loses ``r``; the losses stay within the
    lost-MRR ceiling ``L`` over ``n`` months when ``a A + r (B - A) <= L /
    n``, that is ``A <= (L / n - r B) / (a - r)`` (for ``a > r``). The
    ceiling is the lower of that and the MRR at risk now (held or
    improved), rounded down; the accounts ceiling is it over the mean MRR
    of an account at risk now, rounded down.
    """
    names = ("at_risk_mrr_ceiling", "at_risk_accounts_ceiling")
    a, r = history.at_risk_loss_rate, history.rest_loss_rate
    unknown = [
        name
        for name in ("at_risk_mrr", "at_risk_loss_rate", "rest_loss_rate")
        if np.isnan(getattr(history, name))
    ]
    if unknown:
        reason = f"{', '.join(unknown)} unknown (no usage table, or no MRR at risk)"
        not_derived.update(dict.fromkeys(names, reason))
        return []
    if not a > r:
        reason = (
            f"accounts at risk lost {a:.5f} of their MRR a month, no more than the "
            f"rest of the book ({r:.5f}): the health score does not tell losses "
            "apart, so at-risk MRR says nothing about the lost-MRR ceiling"
        )
        not_derived.update(dict.fromkeys(names, reason))
        return []
    base = history.mrr_at_end
    now = int(history.at_risk_mrr)
    accounts = int(history.at_risk_accounts)
    per_month = lost / months
    allowed = (per_month - r * base) / (a - r)
    affordable = int(np.floor(min(max(allowed, 0.0), float(base))))
    ceiling = min(affordable, now)
    as_of = history.as_of
    text = (
        f"lost-MRR ceiling {lost:,} / {months} months = {_figure(per_month)} a "
        f"month; at-risk MRR A loses {a:.5f} a month and the rest of the book "
        f"(MRR {base:,} - A) {r:.5f}: A x {a:.5f} + ({base:,} - A) x {r:.5f} <= "
        f"{_figure(per_month)} gives A <= ({_figure(per_month)} - {r:.5f} x "
        f"{base:,}) / ({a:.5f} - {r:.5f}) = {allowed:,.2f}"
    )
    if allowed < 0:
        text += " (below 0: no MRR at risk is affordable)"
    text += (
        f"; at risk at {as_of}: {now:,}; the lower, rounded down, = {ceiling:,} "
        "(held or improved)"
    )
    rows = [("at_risk_mrr_ceiling", _ALL, ceiling, text)]
    if now:
        mean = now / accounts
        count = ceiling * accounts // now  # floor(ceiling / mean), exactly
        count_text = (
            f"at-risk MRR ceiling {ceiling:,} / mean MRR of an account at risk at "
            f"{as_of} ({now:,} / {accounts} accounts = {mean:,.2f}) = {count} "
            "accounts at most (rounded down)"
        )
    else:
        count = 0
        count_text = f"no paying account at risk at {as_of}: 0 accounts at most (held)"
    rows.append(("at_risk_accounts_ceiling", _ALL, count, count_text))
    return rows


def _capacity(people: pd.DataFrame, plan: Plan) -> npt.NDArray[np.float64]:
    """Full-time months of each person over the plan's period, ramp counted."""
    fte: npt.NDArray[np.float64] = people["fte"].to_numpy(np.float64)
    return fte * _ramped_months(people, plan)


def _ramped_months(people: pd.DataFrame, plan: Plan) -> npt.NDArray[np.float64]:
    """Months each person holds the role over the plan's period, ramp counted."""
    first = int(plan.start.ordinal)

    def months_of(column: str, missing: int) -> npt.NDArray[np.int64]:
        days = pd.DatetimeIndex(people[column])
        ordinals = np.asarray(pd.PeriodIndex(days, freq="M").asi8, np.int64)
        return np.where(days.isna(), missing, ordinals)

    began = months_of("start", np.iinfo(np.int32).min)
    # A role that ends on day d of a month is held that month when d > 1.
    ends = pd.DatetimeIndex(people["end"])
    mid_month = ~np.asarray(ends.isna(), bool) & (np.asarray(ends.day) > 1)
    end_month = months_of("end", np.iinfo(np.int32).max)
    end_month = np.where(mid_month, end_month + 1, end_month)
    ramped: npt.NDArray[np.float64] = ramp_capacity(
        began, end_month, first, plan.months, plan.ramp_months
    )
    return ramped


def _people_split(
    order: int,
    metric: str,
    segment_value: str,
    role: str,
    total: int,
    text: str,
    *,
    roles: npt.NDArray[np.object_],
    capacity: npt.NDArray[np.float64],
    ids: npt.NDArray[np.object_],
    teams_of: npt.NDArray[np.object_],
) -> pd.DataFrame:
    """Split one role's figure among its people by capacity (largest remainder)."""
    mine = (roles == role) & (capacity > 0)
    weights = capacity[mine]
    whole = float(weights.sum())
    if whole > 0:
        split = allocate(total, weights)
        who, team, share = ids[mine], teams_of[mine], weights / whole
        person_text = [
            f"{text}; x capacity {_figure(c)} / {_figure(whole)} {role} "
            f"full-time months = {t:,} (largest remainder)"
            for c, t in zip(weights, split, strict=True)
        ]  # one string per person of one role: a team's size
    else:
        split = np.array([total], np.int64)
        who = np.array([_NONE], object)
        team = np.array([_NONE], object)
        share = np.array([1.0])
        person_text = [f"{text}; nobody in {role} has capacity in the period"]
    return pd.DataFrame(
        {
            "_order": order,
            "role": role,
            "team": team,
            "staff_id": who,
            "metric": metric,
            "segment": segment_value,
            "target": split,
            "capacity_share": share,
            "chain": person_text,
        }
    )


def plan_targets(
    staff: pd.DataFrame,
    *,
    plan: Plan,
    history: GoalHistory,
) -> pd.DataFrame:
    """
    Derive every team's and person's targets from a company goal and its history.

    The company's figures come first, each from the plan's goal and the
    history's rates (the ``chain`` column writes the arithmetic out):

    - **field sales**: new MRR needed (``net_new_mrr``: the goal plus the
      projected losses less the projected expansion; ``new_mrr``: the goal;
      ``net_new_arr`` and ``new_arr``: the same from the goal over 12;
      ``ltv``: the goal over the blended LTV per unit of new MRR), split by
      fit segment in proportion to its share of new MRR; LTV-weighted
      bookings (each segment's new MRR times its LTV multiple); and an
      early-churn ceiling (the early churn rate times the new deals needed,
      rounded down: the customers that may be lost within
      ``history.early_months``).
    - **inside sales**: qualified meetings per fit segment (the segment's new
      deals needed, new MRR over deal size, over its meeting conversion;
      rounded up), not raw meeting counts.
    - **customer sales** and **customer success**: expansion (upsell and
      cross-sell) MRR, the expansion rate times MRR times the months, and
      the pipeline it needs. The **expansion convention**: the company's
      expansion is split between the roles that win it (`EXPANSION_ROLES`)
      by their share of the expansion the history's deals of their people
      won (``history.expansion_share``; all to customer sales when it is
      empty), in whole units by largest remainder, so the company's row
      (role ``"All"`` when both share it) is still the whole. Each role's
      pipeline is its expansion over its own win rate
      (``history.expansion_win_rate``; customer sales' falls back to
      ``pipeline_win_rate``); a role without one (its people opened no
      opportunity MRR) has no pipeline target, and the company's pipeline
      is the sum of the roles'.
    - **customer marketing**: a lost-MRR ceiling (the loss rate times MRR
      times the months); and, with the history's health figures, an at-risk
      MRR ceiling: the MRR in the worst health band the book can carry
      while its losses stay within the lost-MRR ceiling (at-risk MRR ``A``
      losing ``at_risk_loss_rate`` a month and the rest ``mrr_at_end - A``
      losing ``rest_loss_rate``: ``A <= (ceiling / months - rest_loss_rate
      * mrr_at_end) / (at_risk_loss_rate - rest_loss_rate)``), and never more
      than is at risk now (held or improved); rounded down.
    - **customer support**: onboardings to complete (the completion rate
      times the new deals needed, rounded up); and an at-risk accounts
      ceiling: the at-risk MRR ceiling over the mean MRR of an account at
      risk now, rounded down.

    Each company figure is then split among the people of its role in
    proportion to their capacity (``fte`` times ramped months, as in
    `targets`), in whole units by largest remainder, so people's targets
    add up exactly to their team's and to the company's. A figure whose
    role has nobody with capacity in the period goes to one ``"(none)"``
    row, so the company's total still shows.

    Parameters
    ----------
    staff : pandas.DataFrame
        People (`StaffMember` columns).
    plan : Plan
        The goal (measure ``"net_new_mrr"``, ``"new_mrr"``, their ARR
        forms ``"net_new_arr"`` and ``"new_arr"`` (read as MRR: ``G / 12``),
        or ``"ltv"``),
        the period and the ramp (its ``role`` is not used: every role gets
        its own figures).
    history : GoalHistory
        The rates (`goal_history`, edited or not).

    Returns
    -------
    pandas.DataFrame
        One row per figure and level, with `PLAN_COLUMNS`: ``level``
        (``"company"``, ``"team"``, ``"staff"``), ``role``, ``team`` and
        ``staff_id`` (``"All"`` above their level; a company figure several
        roles share has role ``"All"``), ``metric``,
        ``segment`` (``"All"`` unless split by fit), ``unit`` (``"money"``:
        minor units of the plan's currency; or a count: ``"meetings"``,
        ``"customers"``, ``"onboardings"``, ``"accounts"``), ``target``
        (int64), the ``capacity_share`` of the role's capacity, and
        ``chain``. ``attrs`` hold the ``plan``, the ``history``, the
        ``currency`` and ``not_derived``: each figure left out, with why (a
        rate unknown because its table was not given, say; or a health
        score whose at-risk accounts lose no more than the rest).

    Raises
    ------
    InvalidTableError
        If `staff` breaks the `StaffMember` schema.
    ValueError
        If the history and the plan are in different currencies, or a rate
        the goal needs is unknown (an LTV goal needs new MRR by segment).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> from subscription_metrics.goals import Plan
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> history = sm.goals.goal_history(
    ...     led, deals=sample.deals, meetings=sample.meetings)
    >>> plan = Plan(goal=30_000_000, currency="JPY", start="2026-01",
    ...             measure="net_new_mrr")
    >>> got = sm.goals.plan_targets(sample.staff, plan=plan, history=history)
    >>> company = got[got["level"] == "company"].set_index(["metric", "segment"])
    >>> company.loc[("qualified_meetings", "smb"), "target"] > 0
    np.True_
    """
    people = validate(staff, StaffMember).sort_values("staff_id", kind="stable")
    figures, not_derived = _company_figures(plan, history)
    roles = people["role"].astype(str).to_numpy(object)
    team_values = people["team"].astype(object)
    teams_of = team_values.where(team_values.notna(), _NONE).to_numpy(object)
    ids = people["staff_id"].astype(str).to_numpy(object)
    capacity = _capacity(people, plan)
    people_parts = []
    for order, (metric, segment_value, _, _, by_role) in enumerate(figures):
        for role, total, text in by_role:  # one role, or the expansion roles
            people_parts.append(
                _people_split(
                    order,
                    metric,
                    segment_value,
                    role,
                    total,
                    text,
                    roles=roles,
                    capacity=capacity,
                    ids=ids,
                    teams_of=teams_of,
                )
            )
    staff_rows = pd.concat(people_parts, ignore_index=True).assign(level="staff")
    keys = ["_order", "role", "metric", "segment", "team"]
    team_rows = (
        staff_rows.groupby(keys, sort=True)
        .agg(
            target=("target", "sum"),
            capacity_share=("capacity_share", "sum"),
            people=("staff_id", "size"),
        )
        .reset_index()
    )
    team_rows["level"] = "team"
    team_rows["staff_id"] = _ALL
    team_rows["chain"] = [
        f"sum of {p} people's targets = {t:,}"
        for p, t in zip(team_rows["people"], team_rows["target"], strict=True)
    ]  # one string per team and figure
    company_rows = pd.DataFrame(
        {
            "_order": np.arange(len(figures)),
            "level": "company",
            # The role whose people share the figure; "All" when several do.
            "role": [f[4][0][0] if len(f[4]) == 1 else _ALL for f in figures],
            "team": _ALL,
            "staff_id": _ALL,
            "metric": [f[0] for f in figures],
            "segment": [f[1] for f in figures],
            "target": np.array([f[2] for f in figures], np.int64),
            "capacity_share": 1.0,
            "chain": [f[3] for f in figures],
        }
    )
    out = pd.concat(
        [company_rows, team_rows.drop(columns="people"), staff_rows], ignore_index=True
    )
    rank = out["level"].map({"company": 0, "team": 1, "staff": 2})
    out = (
        out.assign(_level=rank)
        .sort_values(["_order", "_level", "team", "staff_id"], kind="stable")
        .reset_index(drop=True)
    )
    out["unit"] = out["metric"].map(_METRIC_UNITS)
    out["target"] = out["target"].astype(np.int64)
    out = out[list(PLAN_COLUMNS)]
    out.attrs["plan"] = plan
    out.attrs["history"] = history
    out.attrs["currency"] = plan.currency
    out.attrs["not_derived"] = not_derived
    return out


PACING_COLUMNS: Final = (
    "target",
    "actual",
    "actual_to_date",
    "actual_to_date_lower",
    "actual_to_date_upper",
    "expected_to_date",
    "attainment",
    "pace",
    "status",
)
"""Columns of `pacing`, in order."""

_PACING_KEYS: Final = ("level", "role", "team", "staff_id", "metric", "segment")

_STOCKS: Final = ("at_risk_mrr_ceiling", "at_risk_accounts_ceiling")
"""The targets that bound a stock at each month's end, not a flow to date."""


def _ltv_bounds(
    ledger: Ledger,
    *,
    segment: Sequence[str],
    read: int,
    prior_months: float,
    level: float,
    conventions: Conventions,
) -> pd.DataFrame:
    """LTV per unit of MRR by segment, with the interval of its pooled churn."""
    pooled = pooled_churn(
        ledger,
        by=segment,
        prior_months=prior_months,
        level=level,
        as_of=pd.Period(ordinal=read, freq="M"),
        conventions=conventions,
    )
    one = np.ones(len(pooled))
    _, point = conventional_ltv(
        one, pooled["churn_rate"].to_numpy(np.float64), conventions
    )
    _, lower = conventional_ltv(
        one, pooled["churn_rate_upper"].to_numpy(np.float64), conventions
    )
    _, upper = conventional_ltv(
        one, pooled["churn_rate_lower"].to_numpy(np.float64), conventions
    )
    return pd.DataFrame(
        {"multiple": point, "lower": lower, "upper": upper},
        index=pd.Index(_pooled_fit(pooled.index), name="segment"),
    )


def _pooled_rows(
    pooled_index: pd.Index,
    fits: Sequence[npt.NDArray[np.object_]],
    code: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """
    Row of `pooled_index` (an `_ltv_bounds` index) each deal's multiple is read from.

    A deal's multiple is its customer's fit's, or its nearest parent's that
    has one (`_customer_fits` order); a customer the ledger does not know
    reads the ``"(none)"`` fit's, if any, else the company's.
    """
    company = int(pooled_index.get_indexer(pd.Index([_ALL]))[0])
    row = np.full(len(code), company, np.int64)
    for labels in reversed(fits[:-1]):  # the most specific found wins
        found = pooled_index.get_indexer(
            pd.Index(np.where(code >= 0, labels[np.maximum(code, 0)], _NONE))
        )
        row = np.where(found >= 0, found, row)
    return row


def _credit_clawbacks(
    add: Callable[..., None],
    policy: CreditPolicy,
    *,
    new: npt.NDArray[np.bool_],
    owner: npt.NDArray[np.object_],
    seg: npt.NDArray[np.object_],
    mrr: npt.NDArray[np.float64],
    won: npt.NDArray[np.int64],
    lost: npt.NDArray[np.int64],
    read: int,
    multiples: tuple[npt.NDArray[np.float64], ...],
    margin: float,
) -> None:
    """
    Add the clawbacks of the new deals under `policy`, as negative actuals.

    As `credited_attainment` takes them back: in the month of the loss, the
    policy's share of the unearned credit, in whole minor units under
    ``"bookings"`` (``new_mrr``, every segment row) and at each of the LTV
    multiple's point and bounds under ``"ltv"`` (``ltv_bookings``).
    """
    lost = np.where(lost <= read, lost, NEVER)
    paid = np.where(lost < NEVER, lost - won, NEVER)

    def taken_back(
        credit: npt.NDArray[np.float64], realised: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        back: npt.NDArray[np.float64] = clawbacks(
            credit,
            realised,
            paid,
            clawback_months=policy.clawback_months,
            clawback_share=policy.clawback_share,
        )
        return back

    if policy.basis == "bookings":
        back = taken_back(mrr, np.zeros(len(mrr)))
        back = np.minimum(np.rint(back), mrr)  # whole minor units, as credited
        claw = new & (back > 0)
        add(owner[claw], "new_mrr", seg[claw], lost[claw], -back[claw])
        add(owner[claw], "new_mrr", _ALL, lost[claw], -back[claw])
        return
    realised = mrr * np.minimum(paid, 10**6) * margin
    backs = [taken_back(mrr * m, realised) for m in multiples]
    claw = new & ((backs[0] > 0) | (backs[1] > 0) | (backs[2] > 0))
    add(
        owner[claw],
        "ltv_bookings",
        _ALL,
        lost[claw],
        -backs[0][claw],
        -backs[1][claw],
        -backs[2][claw],
    )


def _actuals(
    ledger: Ledger,
    *,
    deals: pd.DataFrame | None,
    meetings: pd.DataFrame | None,
    activities: pd.DataFrame | None,
    onboarding: pd.DataFrame | None,
    usage: pd.DataFrame | None,
    tickets: pd.DataFrame | None,
    health_model: HealthModel | None,
    assignments: pd.DataFrame | None,
    policy: CreditPolicy | None,
    segment: Sequence[str],
    early_months: int,
    first: int,
    read: int,
    prior_months: float,
    level: float,
    conventions: Conventions,
) -> tuple[pd.DataFrame, set[str], set[str], set[int]]:
    """
    Every measured event: staff_id, metric, segment, period, value, bounds.

    Also the metrics measured, those measured for the company only, and the
    months whose stocks (`_STOCKS`) are unknown (no usage row that month).
    """
    parts: list[pd.DataFrame] = []
    measured: set[str] = set()
    company_only = {"lost_mrr_ceiling"}
    unscored: set[int] = set()

    def add(
        who: object,
        metric: str,
        seg: object,
        month: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        lower: npt.NDArray[np.float64] | None = None,
        upper: npt.NDArray[np.float64] | None = None,
    ) -> None:
        measured.add(metric)
        parts.append(
            pd.DataFrame(
                {
                    "staff_id": who,
                    "metric": metric,
                    "segment": seg,
                    "period": month,
                    "value": value,
                    "lower": value if lower is None else lower,
                    "upper": value if upper is None else upper,
                }
            )
        )

    if deals is not None:
        table = validate(deals, Deal)
        won = _month_ordinals(table["won_on"])
        owner = table["owner_id"].astype(str).to_numpy(object)
        mrr = table["mrr"].to_numpy(np.float64)
        kind = table["kind"].astype(str).to_numpy(object)
        code = id_positions(ledger.customers["customer_id"], table["customer_id"])
        fits = _customer_fits(ledger, segment)
        seg = np.where(code >= 0, fits[0][np.maximum(code, 0)], _NONE)
        new = kind == "new"
        add(owner[new], "new_mrr", seg[new], won[new], mrr[new])
        add(owner[new], "new_mrr", _ALL, won[new], mrr[new])
        bounds = _ltv_bounds(
            ledger,
            segment=segment,
            read=read,
            prior_months=prior_months,
            level=level,
            conventions=conventions,
        )
        row = _pooled_rows(pd.Index(bounds.index), fits, code)
        point = bounds["multiple"].to_numpy(np.float64)[row]
        lower = bounds["lower"].to_numpy(np.float64)[row]
        upper = bounds["upper"].to_numpy(np.float64)[row]
        add(
            owner[new],
            "ltv_bookings",
            _ALL,
            won[new],
            (mrr * point)[new],
            (mrr * lower)[new],
            (mrr * upper)[new],
        )
        loss_customer, loss_month = _loss_events(ledger)
        lost = next_loss(code, won, loss_customer, loss_month)
        if policy is not None:
            _credit_clawbacks(
                add,
                policy,
                new=new,
                owner=owner,
                seg=seg,
                mrr=mrr,
                won=won,
                lost=lost,
                read=read,
                multiples=(point, lower, upper),
                margin=conventions.gross_margin,
            )
        early = new & (lost - won <= early_months) & (lost <= read)
        add(
            owner[early],
            "early_churn_ceiling",
            _ALL,
            lost[early],
            np.ones(int(early.sum())),
        )
        grow = (kind == "upsell") | (kind == "cross_sell")
        add(owner[grow], "expansion_mrr", _ALL, won[grow], mrr[grow])
    if meetings is not None:
        seg_values = _meeting_fit(meetings, segment)
        met = validate(meetings, Meeting)
        qualified = (met["outcome"].astype(str) == "qualified").to_numpy(bool)
        add(
            met["staff_id"].astype(str).to_numpy(object)[qualified],
            "qualified_meetings",
            seg_values[qualified],
            _month_ordinals(met["held_on"])[qualified],
            np.ones(int(qualified.sum())),
        )
    if activities is not None:
        acts = validate(activities, Activity)
        opened = (acts["kind"].astype(str) == "opportunity").to_numpy(bool)
        add(
            acts["staff_id"].astype(str).to_numpy(object)[opened],
            "pipeline_mrr",
            _ALL,
            _month_ordinals(acts["on"])[opened],
            acts["mrr"].fillna(0).to_numpy(np.float64)[opened],
        )
    if onboarding is not None:
        ob = validate(onboarding, Onboarding)
        done = ob["completed_on"].notna().to_numpy(bool)
        owners = ob["owner_id"].astype(object)
        owners = owners.where(owners.notna(), _NONE).astype(str)
        add(
            owners.to_numpy(object)[done],
            "onboardings",
            _ALL,
            _month_ordinals(ob["completed_on"])[done],
            np.ones(int(done.sum())),
        )
    from .ledger import bridge

    moves = bridge(ledger)
    lost_mrr = (moves["churned_mrr"] + moves["contraction_mrr"]).to_numpy(np.float64)
    add(
        None,  # the company's: nobody's in particular
        "lost_mrr_ceiling",
        _ALL,
        np.asarray(pd.PeriodIndex(moves.index).asi8, np.int64),
        lost_mrr,
    )
    if usage is not None:
        code, month, mrr_at_risk, unscored = _at_risk_stocks(
            ledger,
            usage=usage,
            tickets=tickets,
            model=health_model,
            first=first,
            last=read,
        )
        ids = ledger.customers["customer_id"].to_numpy(object)[code]
        books = None
        if assignments is not None:
            books = validate(assignments, Assignment)
            _check_overlaps(books)
        for metric, value in (
            ("at_risk_mrr_ceiling", mrr_at_risk.astype(np.float64)),
            ("at_risk_accounts_ceiling", np.ones(len(code))),
        ):
            role = Role(_METRIC_ROLES[metric])
            # A person's stock is the book they own in the role at the
            # month's end; without owners in the role, the company's only.
            if books is not None and (books["role"].astype(str) == role.value).any():
                book_owner = owner_at(books, ids, month, role)
            else:
                book_owner = np.full(len(code), None, object)
                company_only.add(metric)
            add(book_owner, metric, _ALL, month, value)
    events = pd.concat(parts, ignore_index=True)
    events["staff_id"] = events["staff_id"].astype(object)
    # Float sums in an order fixed by the data, not the rows' order.
    events = events.sort_values(
        ["metric", "segment", "period", "staff_id", "value", "lower", "upper"],
        kind="stable",
        na_position="last",
        ignore_index=True,
    )
    return events, measured, company_only, unscored


def pacing(
    ledger: Ledger,
    *,
    targets: pd.DataFrame,
    deals: pd.DataFrame | None = None,
    meetings: pd.DataFrame | None = None,
    activities: pd.DataFrame | None = None,
    onboarding: pd.DataFrame | None = None,
    usage: pd.DataFrame | None = None,
    tickets: pd.DataFrame | None = None,
    health_model: HealthModel | None = None,
    assignments: pd.DataFrame | None = None,
    policy: CreditPolicy | None = None,
    segment: Fit = "segment",
    through: MonthLike | None = None,
    level: float = 0.95,
    prior_months: float = 120.0,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Compare each person's, team's and the company's actuals with their targets.

    For every row of a `plan_targets` table and every month of the plan's
    period up to `through`, the month's actual, the actual to date, and the
    pace: the **pacing convention** is linear pro-rata, so after ``k`` of
    the period's ``n`` months a target is expected at ``target * k / n``.
    A target is ``"on pace"`` when the actual to date reaches that and
    ``"behind"`` when it does not; a ceiling (``*_ceiling``) is ``"on
    pace"`` while the actual to date stays at or below it and ``"over"``
    when it exceeds it. An actual that is an estimate (``ltv_bookings``: a
    deal's MRR times its segment's expected LTV multiple) carries an
    interval, from the interval of the segment's pooled churn
    (`pooled_churn`); when the interval holds the expected figure the
    status is ``"uncertain"``: the data cannot yet say.

    What is measured, per person (the ``staff_id`` of the row):

    - ``new_mrr``, ``ltv_bookings``: ``new`` deals won, by owner, in the
      month won (by the customer's fit segment for segment rows); with a
      `policy`, the credited attainment of its basis: ``new_mrr`` under
      ``"bookings"``, ``ltv_bookings`` under ``"ltv"``, less each clawback
      in the month of the loss, exactly as `credited_attainment` credits
      and claws back (a loss in the period of a deal won before it counts;
      under ``"ltv"`` the clawback is taken at the multiple's point and at
      each bound, so the interval is the credited LTV's);
    - ``early_churn_ceiling``: the owner's new customers lost within
      ``history.early_months`` of their deal, in the month of the loss;
    - ``expansion_mrr``: upsell and cross-sell deals, by owner;
    - ``qualified_meetings``: qualified meetings, by ``staff_id`` and the
      meeting's `segment` column;
    - ``pipeline_mrr``: the MRR of ``opportunity`` activities, by
      ``staff_id``;
    - ``onboardings``: onboardings completed, by ``owner_id``;
    - ``lost_mrr_ceiling``: the bridge's churned plus contraction MRR, for
      the company only (people and teams are ``"not measured"``).

    - ``at_risk_mrr_ceiling``, ``at_risk_accounts_ceiling`` (with `usage`):
      the MRR, and the number, of the paying accounts at risk at the end of
      each month, scored as `goal_history` scores ``at_risk_mrr`` at its
      `as_of` (``health.score`` of the signals over the 3 months to the
      month, with `health_model`: the model's worst band; MRR at the
      month's end above 0). A month without a single usage row is not
      scored (``"not measured"``): its usage is not in yet.

    The **stock convention**: the at-risk ceilings bound a stock, what is
    at risk at a time, not a flow that accrues over the period. Their
    ``actual_to_date`` is the stock at the month's end (not a sum of
    months), ``expected_to_date`` is the ceiling itself in every month
    (not pro rata), and the status compares the two: ``"on pace"`` while
    the stock is at or below the ceiling, ``"over"`` when above it.
    People's stocks are their books: with `assignments` that hold rows in
    the ceiling's role (customer marketing for MRR, customer support for
    accounts), each at-risk account counts for the person assigned to it
    in that role at the month's end (as ``scorecards.owned_book`` reads
    the table), and accounts nobody in the role holds count for the
    company only. Without such rows the data does not say whose an account
    is: people and teams are ``"not measured"`` and the company's row
    carries the ceiling (the customers' ``cs_owner`` names customer
    success, a role these ceilings do not go to, so it is not read). A
    person's ceiling is their capacity share of the company's, so a book
    larger than that share starts nearer its ceiling.

    A team's actual is the sum of its people's; the company's counts every
    event, whoever's (a deal owned by someone outside the role counts for
    the company, not for a person).

    Parameters
    ----------
    ledger : Ledger
        The ledger, for segments, losses and the LTV multiples.
    targets : pandas.DataFrame
        A `plan_targets` table (its ``attrs`` hold the plan and history).
    deals, meetings, activities, onboarding : pandas.DataFrame, optional
        The tables the actuals come from; a metric whose table is missing
        is ``"not measured"``.
    usage : pandas.DataFrame, optional
        Monthly usage (`UsageSnapshot` columns), for the at-risk ceilings;
        without it they are ``"not measured"``.
    tickets : pandas.DataFrame, optional
        Support tickets (`Ticket` columns), a signal of the health score.
    health_model : HealthModel, optional
        The health score (default ``health.default_model()``); its first
        band is the one at risk. Pass the one the history was read with.
    assignments : pandas.DataFrame, optional
        Who covers each account in which role, over time (`Assignment`
        columns): splits the at-risk stocks by book (stock convention).
    policy : CreditPolicy, optional
        A credit rule: the actuals of its basis's target are credited
        under it, clawbacks taken off (default: none, what was booked).
    segment : str or sequence of str, default 'segment'
        The fit attribute (a customer attribute and a column of
        `meetings`), or several, as in `goal_history` (pass the same). A
        deal whose fit has no pooled churn takes its nearest parent's LTV
        multiple (``"enterprise / All"``, then the company's).
    through : pandas.Period, str or date, optional
        Last month shown (default: the ledger's last month, within the
        plan's period).
    level : float, default 0.95
        Probability of the intervals.
    prior_months : float, default 120.0
        Pooling weight of the churn behind the LTV multiples.
    conventions : Conventions, optional
        Other choices than the ledger's for churn and LTV.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``level``, ``role``, ``team``, ``staff_id``, ``metric``,
        ``segment`` and ``period``, with `PACING_COLUMNS`: ``target``
        (int64), ``actual`` and ``actual_to_date`` (float; money in minor
        units), the interval of the actual to date (equal to it where the
        figure is exact), ``expected_to_date``, ``attainment`` (actual to
        date over target; NaN for a zero target), ``pace`` (actual to date
        over expected to date) and ``status``.

    Raises
    ------
    InvalidTableError
        If `usage`, `tickets` or `assignments` break their schema (or
        assignments of one account and role overlap).
    ValueError
        If `targets` is not a `plan_targets` table, or no month of the plan
        is in the ledger.
    TypeError
        If `health_model` is not a `HealthModel`.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> from subscription_metrics.goals import Plan
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> history = sm.goals.goal_history(
    ...     led, deals=sample.deals, meetings=sample.meetings, as_of="2025-09")
    >>> plan = Plan(goal=30_000_000, currency="JPY", start="2025-10",
    ...             measure="net_new_mrr")
    >>> goals = sm.goals.plan_targets(sample.staff, plan=plan, history=history)
    >>> paced = sm.goals.pacing(led, targets=goals, deals=sample.deals,
    ...                         meetings=sample.meetings)
    >>> december = paced.xs(("company", "2025-12"), level=["level", "period"])
    >>> december.droplevel(["role", "team", "staff_id"])[["target", "status"]]
                                    target     status
    metric              segment
    new_mrr             All           37396383    on pace
                        enterprise    14932953     behind
                        mid_market    11714784    on pace
                        smb           10748646    on pace
    ltv_bookings        All         3054090234  uncertain
    early_churn_ceiling All                 39       over
    qualified_meetings  enterprise         209     behind
                        mid_market         371     behind
                        smb                540     behind
    expansion_mrr       All            5725155    on pace
    lost_mrr_ceiling    All           13121538       over

    The LTV booked is an estimate whose interval holds the pace line:

    >>> ltv = december.xs("ltv_bookings", level="metric").iloc[0]
    >>> bool(ltv["actual_to_date_lower"] < ltv["expected_to_date"]
    ...      < ltv["actual_to_date_upper"])
    True
    """
    plan = targets.attrs.get("plan")
    history = targets.attrs.get("history")
    if not isinstance(plan, Plan) or not isinstance(history, GoalHistory):
        msg = "targets: pass a plan_targets table (its attrs hold the plan and history)"
        raise ValueError(msg)
    missing = [c for c in PLAN_COLUMNS if c not in targets.columns]
    if missing:
        msg = f"targets: no column {missing}; pass a plan_targets table"
        raise ValueError(msg)
    chosen_level = check_level(level)
    names = _fit_names(segment)
    chosen = _rate_conventions(ledger, conventions)
    last = as_of_month(ledger, None, empty=_EMPTY)
    hi = _month_or_none(through, "through")
    read = last if hi is None else min(hi, last)
    first = int(plan.start.ordinal)
    end = min(first + plan.months - 1, read)
    if end < first:
        msg = (
            f"the plan starts in {plan.start}, after the last month read "
            f"{pd.Period(ordinal=read, freq='M')}; there is nothing to pace yet"
        )
        raise ValueError(msg)
    events, measured, company_only, unscored = _actuals(
        ledger,
        deals=deals,
        meetings=meetings,
        activities=activities,
        onboarding=onboarding,
        usage=usage,
        tickets=tickets,
        health_model=health_model,
        assignments=assignments,
        policy=policy,
        segment=names,
        early_months=history.early_months,
        first=first,
        read=end,
        prior_months=prior_months,
        level=chosen_level,
        conventions=chosen,
    )
    events = events[(events["period"] >= first) & (events["period"] <= end)]
    months = np.arange(first, end + 1, dtype=np.int64)
    rows = targets[[*_PACING_KEYS, "target"]].reset_index(drop=True)
    rows = rows.assign(_row=np.arange(len(rows)))
    grid = rows.merge(pd.DataFrame({"period": months}), how="cross")
    sums = ["value", "lower", "upper"]
    # People: their own events.
    by_person = (
        events.dropna(subset=["staff_id"])
        .groupby(["staff_id", "metric", "segment", "period"], sort=False)[sums]
        .sum()
        .reset_index()
    )
    staff_grid = grid[grid["level"] == "staff"].merge(
        by_person, on=["staff_id", "metric", "segment", "period"], how="left"
    )
    # Teams: the sum of their people's.
    team_sums = (
        staff_grid.groupby(["role", "team", "metric", "segment", "period"], sort=False)[
            sums
        ]
        .sum(min_count=1)
        .reset_index()
    )
    team_grid = grid[grid["level"] == "team"].merge(
        team_sums, on=["role", "team", "metric", "segment", "period"], how="left"
    )
    # The company: every event.
    company_sums = (
        events.groupby(["metric", "segment", "period"], sort=False)[sums]
        .sum()
        .reset_index()
    )
    company_grid = grid[grid["level"] == "company"].merge(
        company_sums, on=["metric", "segment", "period"], how="left"
    )
    out = pd.concat([company_grid, team_grid, staff_grid], ignore_index=True)
    out = out.sort_values(["_row", "period"], kind="stable").reset_index(drop=True)
    is_measured = out["metric"].isin(sorted(measured)).to_numpy(bool).copy()
    is_measured &= ~(
        out["metric"].isin(sorted(company_only)).to_numpy(bool)
        & (out["level"] != "company").to_numpy(bool)
    )
    stock = out["metric"].isin(_STOCKS).to_numpy(bool)
    is_measured &= ~(stock & out["period"].isin(sorted(unscored)).to_numpy(bool))
    for column in sums:
        values = out[column].to_numpy(np.float64)
        out[column] = np.where(is_measured, np.nan_to_num(values, nan=0.0), np.nan)
    group = out["_row"].to_numpy(np.int64)
    # A flow accrues (the sum to date); a stock is what it is at the month's end.
    to_date = {
        column: np.where(
            stock,
            out[column].to_numpy(np.float64),
            out.groupby(group, sort=False)[column].cumsum().to_numpy(np.float64),
        )
        for column in sums
    }
    k = (out["period"].to_numpy(np.int64) - first + 1).astype(np.float64)
    target = out["target"].to_numpy(np.int64)
    # A stock's ceiling holds at every month's end, in full (not pro rata).
    expected = np.where(stock, target.astype(np.float64), target * k / plan.months)
    actual = to_date["value"]
    lower, upper = to_date["lower"], to_date["upper"]
    ceiling = out["metric"].str.endswith("_ceiling").to_numpy(bool)
    status = np.where(
        ceiling,
        np.where(
            upper <= expected,
            "on pace",
            np.where(lower > expected, "over", "uncertain"),
        ),
        np.where(
            lower >= expected,
            "on pace",
            np.where(upper < expected, "behind", "uncertain"),
        ),
    ).astype(object)
    status[~is_measured] = "not measured"
    result = pd.DataFrame(
        {
            "target": target,
            "actual": out["value"].to_numpy(np.float64),
            "actual_to_date": actual,
            "actual_to_date_lower": lower,
            "actual_to_date_upper": upper,
            "expected_to_date": expected,
            "attainment": divide_or_nan(actual, target.astype(np.float64)),
            "pace": divide_or_nan(actual, expected),
            "status": status,
        },
        index=pd.MultiIndex.from_arrays(
            [
                *(out[name].to_numpy(object) for name in _PACING_KEYS),
                pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
                    out["period"].to_numpy(np.int64), freq="M"
                ),
            ],
            names=[*_PACING_KEYS, "period"],
        ),
    )
    result.attrs["plan"] = plan
    result.attrs["currency"] = plan.currency
    result.attrs["pacing"] = (
        "linear pro-rata: target x months elapsed / months; a stock ceiling "
        "(at-risk MRR, accounts) in full at every month's end"
    )
    return result
