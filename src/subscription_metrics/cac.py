"""Customer acquisition cost, CAC payback, LTV:CAC and the magic number.

The formulas take numbers for services that bring their own:
`customer_acquisition_cost`, `payback_months` (per customer, Bessemer's
aggregate form, discounted or with churn), `ltv_to_cac` and `magic_number`.
`acquisition_costs` computes all of them per month, quarter or year from a
costs table (`CostEntry` rows) and a `Ledger`, blended and for paid channels,
following the ledger's `Conventions` (spend lag, payback variant, gross
margin, discount rate).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Final

from ._economics import (
    customer_acquisition_cost,
    ltv_to_cac,
    magic_number,
    payback_months,
)

if TYPE_CHECKING:
    import pandas as pd

    from ._conventions import Conventions
    from ._ledger import Ledger, MonthLike
    from ._rates import Grain

__all__ = [
    "CAC_COLUMNS",
    "acquisition_costs",
    "customer_acquisition_cost",
    "ltv_to_cac",
    "magic_number",
    "payback_months",
]

CAC_COLUMNS: Final = (
    "spend",
    "customers_new",
    "new_mrr",
    "customers_at_end",
    "mrr_at_end",
    "revenue",
    "customer_acquisition_cost",
    "average_sale_price",
    "average_revenue_per_account",
    "payback_months",
    "lifetime_value",
    "ltv_to_cac",
    "magic_number",
)
"""Columns of `acquisition_costs` (without `paid_channels`), in order."""

PAID_COLUMNS: Final = ("paid_spend", "paid_customers_new", "paid_acquisition_cost")
"""Columns `acquisition_costs` adds when `paid_channels` is given."""

_ALL: Final = "All"


def acquisition_costs(
    ledger: Ledger,
    *,
    costs: pd.DataFrame,
    period: Grain = "month",
    categories: Collection[str] = ("sales", "marketing"),
    paid_channels: Collection[str] | None = None,
    by: str | None = None,
    channel: str = "acquisition_channel",
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """
    Return CAC, CAC payback, LTV:CAC and the magic number per period.

    Spend is the `costs` rows whose ``category`` is in `categories`, summed
    per month and counted ``cac_spend_lag_months`` months later; new
    customers, new MRR and ARPA come from the ledger's bridge. Quarters and
    years sum the months' flows and take the last month's stocks.

    Parameters
    ----------
    ledger : Ledger
        The ledger that counts new customers and MRR.
    costs : pandas.DataFrame
        Cost rows with the columns of `CostEntry` (``month``, ``category``,
        ``amount`` in minor units, ``currency``, optional ``channel`` and
        ``staff_id``), in the ledger's currency.
    period : {'month', 'quarter', 'year'}, default 'month'
        The grain.
    categories : collection of str, default ('sales', 'marketing')
        Which cost categories are acquisition spend. Bessemer leaves account
        management out; so does the default (``'customer_success'`` is not
        in it).
    paid_channels : collection of str, optional
        Acquisition channels driven by spend. When given, paid CAC divides
        the spend marked with those channels (``costs.channel``) by the new
        customers whose `channel` attribute is one of them.
    by : str, optional
        Also split by a customer attribute (from the ledger's ``customers``
        table). Each segment's rows divide the spend marked with that
        segment by the new customers in it: spend is marked by the costs
        table's ``channel`` column when `by` is the `channel` attribute, and
        by a costs column named `by` otherwise (say ``segment``). The
        company rows (``"All"``) hold all spend, marked or not.
    channel : str, default 'acquisition_channel'
        The customer attribute that names a customer's acquisition channel,
        matched against ``costs.channel``.
    since, through : pandas.Period, str or date, optional
        Months to cover, as for ``ledger.bridge``.
    conventions : Conventions, optional
        Other choices than the ledger's (spend lag, payback variant, gross
        margin, discount rate, LTV choices).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``period`` (or `by` and ``period``), with
        `CAC_COLUMNS` (and `PAID_COLUMNS` when `paid_channels` is given):

        - ``spend`` (nullable Int64, minor units): the spend counted in the
          period; missing where the lagged months fall outside the months
          the costs table covers (unknown is not zero).
        - ``customers_new``, ``new_mrr``, ``customers_at_end``,
          ``mrr_at_end`` (int64): from the bridge; new customers exclude
          reactivations.
        - ``revenue`` (int64): the sum of the months' MRR, the recognised
          subscription revenue the magic number compares.
        - ``customer_acquisition_cost``: spend over new customers; ``inf``
          with spend and no new customer.
        - ``average_sale_price`` (new MRR per new customer) and
          ``average_revenue_per_account`` (MRR per customer at the end).
        - ``payback_months`` by ``cac_payback``: CAC over
          ``average_sale_price`` (``'new_arpa'``) or over
          ``average_revenue_per_account`` (``'arpa'``), or the previous
          period's spend (not lagged) over the period's new MRR
          (``'bessemer'``); each times the gross margin, discounted at the
          conventions' rate; ``inf`` when never paid back.
        - ``lifetime_value`` (``ltv.estimates`` at the period's last month)
          and ``ltv_to_cac``.
        - ``magic_number``: the change in revenue from the previous period,
          annualised, over the previous period's spend (not lagged).

        ``attrs["currency"]`` is the ledger's currency, the unit of every
        money column.

    Raises
    ------
    InvalidTableError
        If `costs` breaks its schema, holds another currency than the
        ledger, or none of the `categories`, or lacks the column that marks
        spend by `by`; or a customer attribute is unknown.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> cac = sm.cac.acquisition_costs(led, costs=sample.costs, period="year")
    >>> cac[["customers_new", "customer_acquisition_cost", "payback_months"]].round(1)
            customers_new  customer_acquisition_cost  payback_months
    period
    2023              630                  1259825.4            11.2
    2024              921                  1138099.9            11.0
    2025             1382                  1119413.9            10.3
    """
    from ._cac_table import acquisition_costs_table

    return acquisition_costs_table(
        ledger,
        costs=costs,
        period=period,
        categories=categories,
        paid_channels=paid_channels,
        by=by,
        channel=channel,
        since=since,
        through=through,
        conventions=conventions,
    )
