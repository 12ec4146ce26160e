"""Churn, retention and growth: plain formulas, and every figure from a ledger.

The formulas take numbers (scalars, arrays or Series) for services that bring
their own; `rates` computes all of them per month, quarter or year (and per
segment) from a `Ledger`, following its `Conventions`. Rates are fractions,
never percentages. Undefined is not zero: a zero denominator gives NaN, a
quick ratio with gains and no losses gives inf.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ._formulas import (
    average_revenue_per_account,
    average_sale_price,
    customer_churn_rate,
    gross_mrr_churn_rate,
    gross_revenue_retention,
    mrr_growth_rate,
    net_mrr_churn_rate,
    net_new_mrr,
    net_revenue_retention,
    pooled_rate,
    quick_ratio,
)

if TYPE_CHECKING:
    import pandas as pd

    from ._conventions import Conventions
    from ._ledger import Ledger, MonthLike
    from ._rates import Grain

__all__ = [
    "LEDGER_CONVENTIONS",
    "RATE_COLUMNS",
    "average_revenue_per_account",
    "average_sale_price",
    "customer_churn_rate",
    "gross_mrr_churn_rate",
    "gross_revenue_retention",
    "mrr_growth_rate",
    "net_mrr_churn_rate",
    "net_new_mrr",
    "net_revenue_retention",
    "pooled_rate",
    "quick_ratio",
    "rates",
]

RATE_COLUMNS: Final = (
    "customer_churn_rate",
    "subscription_churn_rate",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "net_revenue_retention",
    "gross_revenue_retention",
    "quick_ratio",
    "average_revenue_per_account",
    "average_sale_price",
    "net_new_mrr",
    "mrr_growth_rate",
)
"""Columns `rates` adds to the period totals, in order."""


LEDGER_CONVENTIONS: Final = (
    "mrr_snapshot",
    "reactivation_window_months",
    "zero_mrr",
    "money_rounding",
    "fx_rate_date",
)
"""Conventions that shape a ledger's events; `rates` cannot override them."""


def _rate_conventions(ledger: Ledger, conventions: Conventions | None) -> Conventions:
    if conventions is None:
        return ledger.conventions
    changed = [
        name
        for name in LEDGER_CONVENTIONS
        if getattr(conventions, name) != getattr(ledger.conventions, name)
    ]
    if changed:
        msg = (
            f"'conventions' changes {changed}, which shaped the ledger; "
            "build a ledger with those conventions instead"
        )
        raise ValueError(msg)
    return conventions


def rates(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    window: int = 1,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """
    Return every churn, retention and growth figure per period (and segment).

    Parameters
    ----------
    ledger : Ledger
        The ledger; its ``conventions`` decide every definitional choice
        (churn denominator, join-and-churn, gross-churn cap, reactivation in
        net churn, NRR method, reactivation in NRR and in the quick ratio,
        partial periods).
    by : str or sequence of str, optional
        Customer attributes to split by, as for ``ledger.bridge``. Segment
        counts and amounts add up to the total.
    period : {'month', 'quarter', 'year'}, default 'month'
        The grain. Quarters and years roll up the monthly bridge: stocks at
        the first and last month, flows summed. A quarter or year that ends
        after the last month reported is partial: by the ``partial_period``
        convention its figures are measured at that last month (default) or
        its ratios are NaN.
    window : int, default 1
        Pool this many periods (trailing, within each segment) before
        dividing: sums of numerators over sums of denominators, never an
        average of rates. The first ``window - 1`` periods are NaN.
    since, through : pandas.Period, str or date, optional
        Months to cover, as for ``ledger.bridge``.
    conventions : Conventions, optional
        Other choices for the rates (churn denominator, join-and-churn, caps,
        reactivation, NRR method, partial periods) than the ledger's. The
        choices that shaped the ledger itself (`LEDGER_CONVENTIONS`) must stay
        as they are: build another ledger to change those.
    total : bool, default True
        With `by`, also return the whole company's rows, labelled ``"All"``
        in every `by` level (as ``pandas.pivot_table(margins=True)`` does),
        so the segments and the total come from one call.

    Returns
    -------
    pandas.DataFrame
        The period totals (int64: the bridge columns plus
        ``customers_joined_and_lost``, ``subscriptions_at_start``,
        ``subscriptions_lost`` and ``months``, the months of the period the
        window covers), ``end_month`` (the month whose end closes the row:
        the period's last month, or the last month reported, ``through`` or
        the ledger's ``last_month``, for a period that ends after it) and
        ``partial`` (bool: the period ends after the last month reported),
        followed by `RATE_COLUMNS` (float):

        - ``customer_churn_rate``: customers lost over customers at start (or
          at start plus won, by ``churn_denominator``); joiners who left in
          the same period per ``join_and_churn``. Won counts new and
          reactivated customers.
        - ``subscription_churn_rate``: net decreases of customers' active
          subscriptions over subscriptions at start.
        - ``gross_mrr_churn_rate``, ``net_mrr_churn_rate`` (below zero is
          negative churn, never clipped).
        - ``net_revenue_retention``, ``gross_revenue_retention``: from the
          movements (ChartMogul), or with ``nrr_method='customers'`` customer
          by customer, MRR in the ``end_month`` against the MRR twelve months
          before it (SaaS Capital; each customer capped at its earlier MRR for
          GRR).
        - ``quick_ratio``: inf when there are gains and no losses.
        - ``average_revenue_per_account`` (MRR per customer at the period's
          end), ``average_sale_price`` (new MRR per new customer),
          ``net_new_mrr`` (int64; nullable Int64 with ``window > 1``,
          missing before a full window) and ``mrr_growth_rate``.

        Money figures are in minor units of ``ledger.currency``, which
        ``attrs["currency"]`` names: sums of MRR are int64, the averages
        (ARPA, average sale price) float. A partial row is the period to
        date: every figure of it, stocks, flows and customer-by-customer
        retention alike, is measured at its ``end_month``; under
        ``partial_period='undefined'`` its ratios are NaN and its totals stay
        those of the months it covers.

    Raises
    ------
    ValueError
        If `window` is not a positive int, `period` is unknown, or
        `conventions` changes a choice the ledger was built with.

    Notes
    -----
    A period cut at its start by `since` reads its opening stocks at `since`
    (``months`` says how many months it covers); it is not partial, because
    nothing after the data is missing from it.

    Movement-based rates over quarters and years sum monthly movements, so a
    customer who joins and leaves within the period adds to ``churned_mrr``;
    gross revenue retention can then fall below zero. The customer-by-customer
    method compares end points and cannot.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> r = sm.churn.rates(led, period="quarter")
    >>> shown = ["customer_churn_rate", "net_revenue_retention", "quick_ratio"]
    >>> r[shown].tail(2).round(3)
            customer_churn_rate  net_revenue_retention  quick_ratio
    period
    2025Q3                0.060                  0.977        4.115
    2025Q4                0.058                  0.976        3.910

    A window ending in November leaves the last quarter partial, measured at
    November:

    >>> q = sm.churn.rates(led, period="quarter", through="2025-11")
    >>> q[["months", "end_month", "partial"]].tail(2)
            months end_month  partial
    period
    2025Q3       3   2025-09    False
    2025Q4       2   2025-11     True
    """
    from ._churn_rates import rates_table

    return rates_table(
        ledger,
        by=by,
        period=period,
        window=window,
        since=since,
        through=through,
        conventions=conventions,
        total=total,
    )
