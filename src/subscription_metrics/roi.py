"""The return on people who create MRR: per person, team and role, and for pilots.

`staff_roi` is the plain formula of one person's month of work (new MRR
over churn, against the month's cost). `staff_returns` computes it from
tables: the staff (`StaffMember` rows: monthly cost and FTE), the deals they
won (`Deal` rows: new business, upsell, cross-sell) and the ledger, which
shows what became of each deal's MRR afterwards, so a deal whose MRR later
churns or contracts is worth what it really returned. `pilot` judges a small
trial team (typically 3-6 months, 0.5-1 person-month per role) against a
break-even multiple the caller chooses.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Final, Literal

from ._economics import staff_roi

if TYPE_CHECKING:
    import pandas as pd

    from ._conventions import Conventions
    from ._ledger import Ledger, MonthLike
    from ._rates import Grain

__all__ = [
    "PILOT_COLUMNS",
    "RETURN_COLUMNS",
    "pilot",
    "staff_returns",
    "staff_roi",
]
RETURN_COLUMNS: Final = (
    "staff",
    "staff_months",
    "person_months",
    "cost",
    "deals",
    "booked_mrr",
    "retained_mrr",
    "revenue_to_date",
    "churn_rate",
    "exposure_mrr_months",
    "booked_ltv",
    "realised_ltv",
    "booked_multiple",
    "realised_multiple",
    "roi",
    "payback_months",
    "booked_mrr_per_person_month",
    "realised_ltv_per_person_month",
    "cost_per_person_month",
)
"""Columns of `staff_returns`, in order."""
By = Literal["staff", "team", "role"]
ChurnPool = Literal["staff", "team", "role", "all"]


def staff_returns(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame,
    by: By = "staff",
    period: Grain | None = None,
    roles: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    churn_rate: float | None = None,
    churn_pool: ChurnPool = "staff",
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """
    Return what each person (team, role) cost and the lifetime value they created.

    For the deals won from `since` through `through` and the staff months
    in that window: the cost, the MRR booked, and two LTVs. *Booked* LTV is
    ``lifetime_value(deal MRR, churn)`` at the time of the deal. *Realised*
    LTV follows each deal's account in the ledger from the month after the
    deal was won (its first billed month) to `as_of`: the margin the deal's
    share of the account actually earned (discounted to that first month),
    plus the expected value of the share still there at `as_of`. A deal whose
    account churned is worth only what it earned; one that contracted is
    worth less than booked; one never billed is worth nothing.

    Parameters
    ----------
    ledger : Ledger
        The ledger of the customers the deals are with.
    staff : pandas.DataFrame
        People, with the columns of `StaffMember`. A month of a person costs
        ``monthly_cost * fte`` (rounded to the minor unit) in every month of
        the window they were in the role (``start`` to ``end``).
    deals : pandas.DataFrame
        Won deals, with the columns of `Deal`, in the ledger's currency.
        Every ``owner_id`` must be in `staff`.
    by : {'staff', 'team', 'role'}, default 'staff'
        One row per person, per team or per role.
    period : {'month', 'quarter', 'year'}, optional
        Also split by the period the deal was won and the cost incurred.
    roles : collection of str, optional
        Only staff in these roles (say ``["customer_sales"]``); the deals of
        others are left out and counted in ``attrs["deals_set_aside"]``.
    kinds : collection of str, optional
        Only these deal kinds (``"new"``, ``"upsell"``, ``"cross_sell"``).
    since, through : pandas.Period, str or date, optional
        The months of work: deals won and costs incurred in them (default:
        the ledger's first month through `as_of`).
    as_of : pandas.Period, str or date, optional
        The month whose end the results are read at (default: the ledger's
        last month). A deal won in it has not been billed yet, so its
        realised LTV is its booked LTV.
    churn_rate : float, optional
        Monthly churn of the created MRR. Default: the gross MRR churn of
        the accounts the deals are with, over their whole history in the
        ledger through `as_of` (churned and contraction MRR over the MRR at
        the start of each month), pooled by `churn_pool`.
    churn_pool : {'staff', 'team', 'role', 'all'}, default 'staff'
        Whose accounts pool into one churn estimate. Per person answers whose
        accounts stay, but rests on fewer months; the
        ``exposure_mrr_months`` column says how many.
    conventions : Conventions, optional
        Gross margin, discount rate and zero-churn policy (default: the
        ledger's).
    total : bool, default True
        Add an ``"All"`` row (per period) that sums the additive columns.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``staff_id``, ``team`` or ``role`` (and ``period``), with
        `RETURN_COLUMNS`: ``staff`` (people), ``staff_months`` and
        ``person_months`` (FTE-weighted), ``cost`` (int64, minor units),
        ``deals``, ``booked_mrr`` (int64), ``retained_mrr`` (int64: the
        deals' MRR still there at `as_of`, each deal's share of its account
        rounded half-even to the minor unit), ``revenue_to_date`` (int64:
        their MRR summed over the billed months, rounded the same way),
        ``churn_rate`` and ``exposure_mrr_months`` (the
        gross MRR churn of the row's accounts, each counted once, and the
        MRR-months it rests on),
        ``booked_ltv``, ``realised_ltv``, the multiples of cost, ``roi``
        (``realised_ltv / cost - 1``), ``payback_months`` (months of the
        booked MRR's margin, churning, to repay the cost) and the figures per
        person-month. Ratios with no cost are inf (NaN when nothing was
        created). ``attrs["deals_set_aside"]`` counts deals left out by
        `roles`, `kinds` or the window; ``attrs["currency"]`` is the
        ledger's currency, the unit of the money columns. The LTVs and the
        figures per person-month are expectations and averages, so float.

    Raises
    ------
    InvalidTableError
        If a table breaks its schema, holds another currency than the
        ledger, or a deal's owner is not in `staff`.
    ValueError
        If the window is not ``since <= through <= as_of <= ledger horizon``.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> out = sm.roi.staff_returns(
    ...     led, staff=sample.staff, deals=sample.deals, roles=["customer_sales"],
    ...     since="2025-01", churn_pool="role")
    >>> out[["person_months", "booked_mrr", "realised_multiple"]].round(2)
              person_months  booked_mrr  realised_multiple
    staff_id
    st-025             12.0     1665100               9.90
    st-026              6.0     1154400              11.45
    All                18.0     2819500              10.40
    """
    from ._roi_tables import staff_returns_table

    return staff_returns_table(
        ledger,
        staff=staff,
        deals=deals,
        by=by,
        period=period,
        roles=roles,
        kinds=kinds,
        since=since,
        through=through,
        as_of=as_of,
        churn_rate=churn_rate,
        churn_pool=churn_pool,
        conventions=conventions,
        total=total,
    )


PILOT_COLUMNS: Final = (
    "pilot_months",
    "person_months_per_month",
    "data_months",
    "break_even",
    "verdict",
)
"""Columns `pilot` adds to `RETURN_COLUMNS`."""


def pilot(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame,
    start: MonthLike,
    months: int,
    roles: Collection[str] = ("customer_sales",),
    break_even: float = 1.0,
    as_of: MonthLike | None = None,
    churn_rate: float | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Judge a pilot team by how many times the LTV it created covers its cost.

    A customer-sales (or customer marketing) team is best piloted for three
    to six months with half to one person-month per role per month, then
    checked: does the LTV it created pay for it?
    This is `staff_returns` by role over the pilot's months, read at
    `as_of`, with the allocation actually spent, the months of data behind
    the result, and a verdict against the caller's `break_even` multiple.

    Parameters
    ----------
    ledger, staff, deals
        As for `staff_returns`.
    start : pandas.Period, str or date
        The pilot's first month.
    months : int
        How many months it ran (3 to 6 is usual).
    roles : collection of str, default ('customer_sales',)
        The roles piloted. Customer marketing reduces churn rather than
        booking deals; its cost shows here, its effect in churn comparisons.
    break_even : float, default 1.0
        The realised LTV-to-cost multiple the pilot must reach: 1.0 recovers
        the cost; where the line lies is each company's call.
    as_of : pandas.Period, str or date, optional
        The month the results are read at (default: the ledger's last).
    churn_rate : float, optional
        Monthly churn of the created MRR; default: estimated per role from
        the pilot's deals (see `staff_returns`).
    conventions : Conventions, optional
        Gross margin, discount rate and zero-churn policy.

    Returns
    -------
    pandas.DataFrame
        One row per role and an ``"All"`` row: `RETURN_COLUMNS`, then
        ``pilot_months``, ``person_months_per_month`` (the allocation),
        ``data_months`` (months from the pilot's start to `as_of`: what the
        verdict rests on), ``break_even`` and ``verdict`` (``'pays back'``
        when the realised multiple reaches `break_even`, ``'falls short'``
        when not, ``'undetermined'`` when it is NaN).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> result = sm.roi.pilot(led, staff=sample.staff, deals=sample.deals,
    ...                       start="2025-01", months=6, break_even=3.0)
    >>> result[["person_months", "booked_mrr", "realised_multiple", "verdict"]].round(2)
                    person_months  booked_mrr  realised_multiple    verdict
    role
    customer_sales            9.0      983800                3.7  pays back
    All                       9.0      983800                3.7  pays back
    """
    from ._roi_tables import pilot_table

    return pilot_table(
        ledger,
        staff=staff,
        deals=deals,
        start=start,
        months=months,
        roles=roles,
        break_even=break_even,
        as_of=as_of,
        churn_rate=churn_rate,
        conventions=conventions,
    )
