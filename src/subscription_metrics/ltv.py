"""Customer lifetime value: plain formulas, and LTV per month from a ledger.

The formulas take numbers for services that bring their own: `lifetime_value`
(ARPA over churn, with margin, discounting and a zero-churn policy),
`ltv_from_survival` (any retention curve, summed period by period),
`expected_lifetime`, `trailing_churn_rate` and `monthly_discount_rate`.
`estimates` computes LTV per month (and segment) from a `Ledger`, following
its `Conventions`: which churn rate, how it is smoothed, the gross margin,
the discount rate and the zero-churn policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ._economics import (
    ZeroChurn,
    expected_lifetime,
    lifetime_value,
    ltv_from_survival,
    monthly_discount_rate,
    trailing_churn_rate,
)

if TYPE_CHECKING:
    import pandas as pd

    from ._conventions import Conventions
    from ._ledger import Ledger, MonthLike

__all__ = [
    "LTV_COLUMNS",
    "ZeroChurn",
    "estimates",
    "expected_lifetime",
    "lifetime_value",
    "ltv_from_survival",
    "monthly_discount_rate",
    "trailing_churn_rate",
]

LTV_COLUMNS: Final = (
    "customers_at_end",
    "mrr_at_end",
    "average_revenue_per_account",
    "churn_rate",
    "expected_lifetime_months",
    "lifetime_value",
)
"""Columns of `estimates`, in order."""

_CHURN_COLUMN: Final = {
    "customer": "customer_churn_rate",
    "gross_mrr": "gross_mrr_churn_rate",
    "net_mrr": "net_mrr_churn_rate",
}


def estimates(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """
    Return ARPA, the churn rate LTV uses, expected lifetime and LTV per month.

    LTV of month M is ``lifetime_value(ARPA_M, churn, ...)``: ARPA is MRR
    per customer at the end of M; churn is the ledger's monthly rate of the
    kind ``ltv_churn`` names, averaged over ``ltv_churn_window_months``
    months ending with M (or with the month before, under
    ``ltv_churn_excludes_current``); the gross margin, discount rate and
    zero-churn policy are the conventions' too.

    Parameters
    ----------
    ledger : Ledger
        The ledger; its ``conventions`` decide every choice unless
        `conventions` is given.
    by : str or sequence of str, optional
        Customer attributes to split by, as for ``ledger.bridge``.
    since, through : pandas.Period, str or date, optional
        Months to show. The churn window may reach before `since`: the
        rates are computed over the whole ledger first.
    conventions : Conventions, optional
        Other choices than the ledger's for the rates and LTV (the choices
        that shaped the ledger must stay, as for ``churn.rates``).
    total : bool, default True
        With `by`, also return the company's rows, labelled ``"All"``.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``churn.rates`` (``period``, or the `by` levels and
        ``period``), with `LTV_COLUMNS`: ``customers_at_end`` and
        ``mrr_at_end`` (int64, minor units), ``average_revenue_per_account``,
        ``churn_rate`` (the rate used), ``expected_lifetime_months`` and
        ``lifetime_value`` (float, minor units). NaN where a month has no
        customers or the churn window is not full yet; under the default
        zero-churn policy, ``inf`` where nobody churned.

    See Also
    --------
    lifetime_value : The formula applied to each row.

    Notes
    -----
    The constant-churn formula treats all customers alike; a young
    company's churn, dominated by new and fragile customers, understates
    the lifetime of those who stay (Fader & Hardie). Survival curves fitted
    per cohort give LTV without that assumption (`ltv_from_survival`).

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> cm = sm.Conventions.preset("chartmogul")
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions, conventions=cm)
    >>> shown = ["average_revenue_per_account", "churn_rate", "lifetime_value"]
    >>> sm.ltv.estimates(led)[shown].tail(2).round(3)
             average_revenue_per_account  churn_rate  lifetime_value
    period
    2025-11                   124625.670       0.021     5916437.009
    2025-12                   124546.839       0.020     6234059.510
    """
    from ._ltv_estimates import estimates_table

    return estimates_table(
        ledger,
        by=by,
        since=since,
        through=through,
        conventions=conventions,
        total=total,
    )
