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
- `segment_ltv_multiples` gives the default LTV basis: the library's own LTV
  estimates per segment, as months of MRR one unit of MRR is worth.
- `sold_retention` is the sales head's churn KPI: month by month, the
  share of the customers (and of the MRR) each team sold that it still has.
"""

from __future__ import annotations

from typing import Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._attribution import attribute
from ._conventions import Conventions
from ._entities import Deal, StaffMember
from ._goals import NEVER, clawbacks, next_loss
from ._kernels import sum_by_key
from ._ledger import CHURN, Ledger, MonthLike, _month_or_none, as_of_month
from ._overflow import check_total_fits
from ._schema import validate
from ._validation import check_by, check_option, divide_or_nan
from .churn import _rate_conventions
from .ltv import estimates

__all__ = [
    "ATTAINMENT_COLUMNS",
    "SOLD_RETENTION_COLUMNS",
    "CreditPolicy",
    "credited_attainment",
    "segment_ltv_multiples",
    "sold_retention",
]

Basis = Literal["bookings", "ltv"]
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


def _check_months(instance: object, attribute: object, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        msg = f"'clawback_months' must be an int >= 0, got {value!r}"
        raise ValueError(msg)


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
    clawback_months: int = attrs.field(default=0, validator=_check_months)
    clawback_share: float = attrs.field(default=1.0, validator=_check_share)


def segment_ltv_multiples(
    ledger: Ledger,
    *,
    segment: str = "segment",
    as_of: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.Series:
    """
    Return each segment's expected LTV per unit of MRR, from `ltv.estimates`.

    The multiple is ``lifetime_value / average_revenue_per_account`` of the
    segment in month `as_of`: the months of (margin-weighted, discounted)
    MRR a customer of the segment is expected to pay, under the
    conventions' churn rate, smoothing window, margin, discount rate and
    lifetime cap. The company's multiple is under ``"All"`` and serves
    customers without a segment.

    Parameters
    ----------
    ledger : Ledger
        The ledger; `segment` is one of its customer attributes.
    segment : str, default 'segment'
        The customer attribute known at the sale.
    as_of : pandas.Period, str or date, optional
        The month read (default: the ledger's last month).
    conventions : Conventions, optional
        Other choices than the ledger's for the churn rate and the LTV (a
        longer ``ltv_churn_window_months`` steadies a noisy monthly rate).

    Returns
    -------
    pandas.Series
        Float multiples indexed by segment value, with ``"All"`` last.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> sm.goals.segment_ltv_multiples(led).round(1)
    segment
    enterprise    69.2
    mid_market    66.5
    smb           36.0
    All           44.9
    Name: ltv_multiple, dtype: float64
    """
    check_by(segment, what="a customer attribute (a str)")
    read = as_of_month(ledger, as_of, empty=_EMPTY)
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
        ``"All"`` for customers without one); default
        `segment_ltv_multiples` of the ledger at the last month.
    segment : str, default 'segment'
        The customer attribute the multiples are keyed by.
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
        expectations in minor units), and ``deals_clawed_back``.
        ``attrs["currency"]`` names the currency and ``attrs["policy"]``
        the policy.

    Raises
    ------
    InvalidTableError
        If `deals` break the `Deal` schema.
    ValueError
        If a deal's currency is not the ledger's, or a multiple needed is
        missing or not finite.

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
    """
    check_by(by, what="'staff' or 'team'")
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
    ids = pd.Index(ledger.customers["customer_id"].astype(str))
    code = ids.get_indexer(pd.Index(table["customer_id"].astype(str))).astype(np.int64)
    loss_customer, loss_month = _loss_events(ledger)
    lost = next_loss(code, won, loss_customer, loss_month)
    lost = np.where(lost <= read, lost, NEVER)
    months_paid = np.where(lost < NEVER, lost - won, NEVER)
    if chosen_policy.basis == "bookings":
        credit = mrr.astype(np.float64)
        realised = np.zeros(len(mrr), np.float64)
    else:
        multiples = (
            segment_ltv_multiples(
                ledger,
                segment=segment,
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
        realised = mrr * np.minimum(months_paid, 10**6) * chosen.gross_margin
    back = clawbacks(
        credit,
        realised,
        months_paid,
        clawback_months=chosen_policy.clawback_months,
        clawback_share=chosen_policy.clawback_share,
    )
    clawed = back > 0
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
            }
        )
        .groupby(keys)[["deals", "booked", "credit"]]
        .sum()
    )
    back_rows = (
        pd.DataFrame(
            {
                "label": labels[clawed],
                "period": lost[clawed],
                "back": back[clawed],
                "back_mrr": back_mrr[clawed],
                "clawed": np.ones(int(clawed.sum()), np.int64),
            }
        )
        .groupby(keys)[["back", "back_mrr", "clawed"]]
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
    level = "staff_id" if by == "staff" else "team"
    index = pd.MultiIndex.from_arrays(
        [
            pd.Index(union.get_level_values("label"), dtype=object),
            pd.PeriodIndex.from_ordinals(  # type: ignore[attr-defined]
                union.get_level_values("period").to_numpy(np.int64), freq="M"
            ),
        ],
        names=[level, "period"],
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
    still pay at the month's end, the MRR they started with and the MRR they
    pay now (expansion, contraction, churn and returns included). The head
    of a team answers for its row.

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
    is_first = np.append(True, ev.customer[1:] != ev.customer[:-1])[: len(cell)]

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
