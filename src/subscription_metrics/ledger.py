"""Read a `Ledger`: MRR change events, movements, and the monthly MRR bridge.

Every amount is an exact int64 in minor units of ``ledger.currency``. The
bridge reconciles to the last unit: for every month and segment,
``mrr_at_end == mrr_at_start + new_mrr + expansion_mrr + reactivation_mrr
- contraction_mrr - churned_mrr``, and each month's end is the next month's
start.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _kernels as k
from ._ledger import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    MOVEMENT_KINDS,
    NEW,
    REACTIVATION,
    Ledger,
    MonthLike,
    _month_or_none,
    is_active,
    segments,
)
from ._validation import check_by
from .periods import ordinal_to_period

if TYPE_CHECKING:
    from ._partials import Figures, Partial
    from ._rates import Grain
    from .cohorts import CohortGrain

__all__ = [
    "BRIDGE_COLUMNS",
    "MOVEMENT_KINDS",
    "bridge",
    "combine",
    "events",
    "finish",
    "movements",
    "partial",
]

BRIDGE_COLUMNS: Final = (
    "mrr_at_start",
    "new_mrr",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "mrr_at_end",
    "customers_at_start",
    "customers_new",
    "customers_reactivated",
    "customers_lost",
    "customers_expanded",
    "customers_contracted",
    "customers_at_end",
)
"""Columns of `bridge`, in order: money (int64 minor units), then customer counts."""


def _months(ordinals: npt.NDArray[np.integer[Any]]) -> pd.PeriodIndex:
    return ordinal_to_period(ordinals)


def _customer_order(
    ledger: Ledger, customer: npt.NDArray[np.integer[Any]]
) -> npt.NDArray[np.intp]:
    """Order rows by customer id (then by their existing order), for stable output."""
    ids = ledger.customers["customer_id"]
    rank = np.empty(len(ids), np.int64)
    rank[np.argsort(ids.to_numpy(), kind="stable")] = np.arange(len(ids))
    return np.argsort(rank[customer], kind="stable")


def events(ledger: Ledger) -> pd.DataFrame:
    """
    Return every customer's MRR changes, one row per customer and month.

    Several subscriptions of one customer add up: the row says how the
    customer's total MRR and number of active subscriptions changed in that
    month, and what they are afterwards.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``month`` (monthly `pandas.Period`),
        ``mrr_change``, ``mrr`` (after the change), ``subscriptions_change``
        and ``subscriptions`` (active subscriptions after it; for monthly MRR
        input, 1 while the customer has a row), sorted by customer and month.
        Money is int64 minor units of ``ledger.currency``.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, ledger
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c1"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-02-01"]),
    ...     "end": pd.to_datetime(["2024-04-01", None]),
    ...     "mrr": [100, 50], "currency": "USD"})
    >>> ledger.events(Ledger.from_subscriptions(subs))
      customer_id    month  mrr_change  mrr  subscriptions_change  subscriptions
    0          c1  2024-01         100  100                     1              1
    1          c1  2024-02          50  150                     1              2
    2          c1  2024-04        -100   50                    -1              1
    """
    ev = ledger._events
    order = _customer_order(ledger, ev.customer)
    out = pd.DataFrame(
        {
            "customer_id": ledger.customers["customer_id"].to_numpy()[
                ev.customer[order]
            ],
            "month": _months(ev.month[order]),
            "mrr_change": ev.mrr_change[order],
            "mrr": ev.mrr_after[order],
            "subscriptions_change": ev.count_change[order].astype(np.int64),
            "subscriptions": ev.count_after[order].astype(np.int64),
        }
    )
    out.attrs["currency"] = ledger.currency
    return out


def movements(ledger: Ledger) -> pd.DataFrame:
    """
    Return the MRR movements: one row per customer and month that moved.

    Each customer-month whose status or MRR changed is exactly one of:

    - ``new``: the customer becomes active for the first time (or after more
      than ``conventions.reactivation_window_months`` away);
    - ``reactivation``: a churned customer becomes active again;
    - ``expansion`` / ``contraction``: an active customer's MRR rises / falls
      and it stays active;
    - ``churn``: the customer stops being active (its last subscription
      ended, or, by ``conventions.zero_mrr``, its MRR fell to zero).

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id``, ``month`` (monthly `pandas.Period`),
        ``movement`` (categorical, in the order of `MOVEMENT_KINDS`),
        ``mrr_change`` (signed), ``mrr_before`` and ``mrr_after``, sorted by
        customer and month. Money is int64 minor units of ``ledger.currency``.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, ledger
    >>> rows = pd.DataFrame({
    ...     "customer_id": ["c1"] * 4,
    ...     "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-03", "2024-05"],
    ...                             freq="M"),
    ...     "mrr": [100, 150, 120, 120], "currency": "USD"})
    >>> mv = ledger.movements(Ledger.from_monthly_mrr(rows))
    >>> mv[["month", "movement", "mrr_change"]]
         month      movement  mrr_change
    0  2024-01           new         100
    1  2024-02     expansion          50
    2  2024-03   contraction         -30
    3  2024-04         churn        -120
    4  2024-05  reactivation         120
    """
    ev = ledger._events
    moved = np.flatnonzero(ev.kind > 0)
    moved = moved[_customer_order(ledger, ev.customer[moved])]
    kind = pd.Categorical.from_codes(
        ev.kind[moved].astype(np.int64) - 1, categories=pd.Index(MOVEMENT_KINDS)
    )
    out = pd.DataFrame(
        {
            "customer_id": ledger.customers["customer_id"].to_numpy()[
                ev.customer[moved]
            ],
            "month": _months(ev.month[moved]),
            "movement": kind,
            "mrr_change": ev.mrr_change[moved],
            "mrr_before": ev.mrr_after[moved] - ev.mrr_change[moved],
            "mrr_after": ev.mrr_after[moved],
        }
    )
    out.attrs["currency"] = ledger.currency
    return out


def bridge(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
) -> pd.DataFrame:
    """
    Return the monthly MRR bridge: start, each movement, end; and customer counts.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.
    by : str or sequence of str, optional
        Customer attributes to split by (columns of the ``customers`` table,
        or input columns that are constant per customer, such as the
        acquiring rep). Customers without a value form a segment of their own
        (shown as missing); nobody is dropped. The segments add up to the
        total exactly.
    since, through : pandas.Period, str or date, optional
        First and last month to show (default: the ledger's
        ``first_month`` and ``last_month``). Opening balances include
        everything before `since`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``month`` (a monthly `pandas.PeriodIndex`), or by the `by`
        attributes and ``month``; one row for every month (and segment), even
        a quiet one. Columns are `BRIDGE_COLUMNS`, all int64: money in minor
        units of ``ledger.currency``, then customer counts.
        ``customers_lost`` counts churned customers;
        ``customers_at_end == customers_at_start + customers_new +
        customers_reactivated - customers_lost``.

    Raises
    ------
    ValueError
        If `since` is after `through`, or `through` is after the ledger's
        ``last_month`` (its data horizon: build the ledger with a later
        ``through`` to report further). A window that ends before the first
        activity gives an empty bridge.
    InvalidTableError
        If a `by` attribute is unknown or varies within a customer.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, ledger
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2", "s3"],
    ...     "customer_id": ["c1", "c1", "c2"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-02-05"]),
    ...     "end": pd.to_datetime(["2024-03-01", None, "2024-03-20"]),
    ...     "mrr": [100, 150, 80], "currency": "USD"})
    >>> br = ledger.bridge(Ledger.from_subscriptions(subs))
    >>> br[["mrr_at_start", "new_mrr", "expansion_mrr", "churned_mrr", "mrr_at_end"]]
             mrr_at_start  new_mrr  expansion_mrr  churned_mrr  mrr_at_end
    month
    2024-01             0      100              0            0         100
    2024-02           100       80              0            0         180
    2024-03           180        0             50           80         150
    """
    check_by(by)
    names = [by] if isinstance(by, str) else list(by or ())
    lo = _month_or_none(since, "since")
    hi = _month_or_none(through, "through")
    horizon = ledger.last_month.ordinal if ledger.last_month is not None else None
    if hi is not None and horizon is not None and hi > horizon:
        msg = (
            f"'through' ({through}) is after the ledger's data horizon "
            f"({ledger.last_month}); the ledger cannot know what happened then. "
            "Build the ledger with through= the later month instead"
        )
        raise ValueError(msg)
    if lo is not None and hi is not None and lo > hi:
        msg = f"'since' ({since}) must not be after 'through' ({through})"
        raise ValueError(msg)
    if lo is None:
        lo = ledger.first_month.ordinal if ledger.first_month is not None else None
    if hi is None:
        hi = horizon
    customer_segment, labels, n_segments = segments(ledger, names)
    if lo is None or hi is None or lo > hi:  # nothing happened in the window
        months = np.zeros(0, np.int64)
    else:
        months = np.arange(lo, hi + 1, dtype=np.int64)
    n_months = len(months)
    size = n_segments * n_months
    ev = ledger._events
    before = ev.month < (lo or 0)
    # One exact pass over the events. The cell key (kind, segment, month) is
    # built in place in one int64 array (the int32 event arrays are widened
    # as they are added); events outside the window go to one extra cell
    # that is dropped, so no array is copied for the window. Within a
    # movement kind every change has the same sign (a churn's change is
    # minus the MRR it had), so the amount is the absolute value of the
    # cell's signed sum: no array of absolute values.
    cell = ev.kind.astype(np.int64)
    if n_segments > 1:
        cell *= n_segments
        cell += customer_segment[ev.customer]
    cell *= n_months
    cell += ev.month
    cell -= lo or 0
    low_month = int(ev.month.min()) if len(ev.month) else 0
    high_month = int(ev.month.max()) if len(ev.month) else 0
    if lo is None or hi is None or low_month < lo or high_month > hi:
        outside = before | (ev.month > (hi if hi is not None else -1))
        cell[outside] = 6 * size
        del outside
    amounts = np.abs(k.sum_by_key(cell, ev.mrr_change, 6 * size + 1)[:-1])
    counts = np.bincount(cell, minlength=6 * size + 1)[:-1].astype(np.int64)
    del cell
    amounts = amounts.reshape(6, n_segments, n_months)
    counts = counts.reshape(6, n_segments, n_months)
    new_mrr, reactivation = amounts[NEW], amounts[REACTIVATION]
    expansion, contraction = amounts[EXPANSION], amounts[CONTRACTION]
    churned = amounts[CHURN]
    # Opening balances: each customer's MRR and status just before `lo`.
    last_before = np.zeros(len(ev.month), bool)
    if before.any():
        idx = np.flatnonzero(before)
        nxt = np.append(idx[1:], -1)
        ends_run = (nxt == -1) | (ev.customer[np.maximum(nxt, 0)] != ev.customer[idx])
        ends_run |= nxt != idx + 1
        last_before[idx[ends_run]] = True
    opening_segment = customer_segment[ev.customer[last_before]]
    active = is_active(
        ev.mrr_after[last_before], ev.count_after[last_before], ledger.conventions
    )
    opening_mrr = k.sum_by_key(opening_segment, ev.mrr_after[last_before], n_segments)
    opening_customers = np.bincount(
        opening_segment[active], minlength=n_segments
    ).astype(np.int64)
    net = new_mrr + reactivation + expansion - contraction - churned
    mrr_at_end = opening_mrr[:, None] + np.cumsum(net, axis=1)
    mrr_at_start = mrr_at_end - net
    customers_new = counts[NEW]
    customers_reactivated = counts[REACTIVATION]
    customers_lost = counts[CHURN]
    net_customers = customers_new + customers_reactivated - customers_lost
    customers_at_end = opening_customers[:, None] + np.cumsum(net_customers, axis=1)
    columns = {
        "mrr_at_start": mrr_at_start,
        "new_mrr": new_mrr,
        "expansion_mrr": expansion,
        "contraction_mrr": contraction,
        "churned_mrr": churned,
        "reactivation_mrr": reactivation,
        "mrr_at_end": mrr_at_end,
        "customers_at_start": customers_at_end - net_customers,
        "customers_new": customers_new,
        "customers_reactivated": customers_reactivated,
        "customers_lost": customers_lost,
        "customers_expanded": counts[EXPANSION],
        "customers_contracted": counts[CONTRACTION],
        "customers_at_end": customers_at_end,
    }
    data = {name: values.reshape(-1) for name, values in columns.items()}
    month_index = _months(months)
    if labels is None:
        index: pd.Index = month_index.rename("month")
    else:
        segment_codes = np.repeat(np.arange(n_segments), n_months)
        month_codes = np.tile(np.arange(n_months), n_segments)
        if isinstance(labels, pd.MultiIndex):
            levels = [labels.get_level_values(i) for i in range(labels.nlevels)]
        else:
            levels = [labels]
        arrays = [level.take(segment_codes) for level in levels]
        arrays.append(month_index.take(month_codes))
        index = pd.MultiIndex.from_arrays(arrays, names=[*names, "month"])
    out = pd.DataFrame(data, index=index, columns=list(BRIDGE_COLUMNS))
    out.attrs["currency"] = ledger.currency
    return out


def partial(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    cohort: CohortGrain = "month",
) -> Partial:
    """
    Return the additive statistics of every figure, for a block of customers.

    The first of three steps, "partial, combine, finish": build one ledger per
    block of whole customers (a region, a shard, a Dask partition; every
    block with the same ``through``, currency and conventions), take its
    partial, add the partials up with `combine`, and turn the sums into the
    figures with `finish`. The result equals the figures of one ledger of all
    the customers exactly, because every partial is a table of int64 sums over
    customers and every ratio, interval and fit is taken after the sums.

    Parameters
    ----------
    ledger : Ledger
        The ledger of one block. Every customer's rows must be in one block.
    by : str or sequence of str, optional
        Customer attributes to split every figure by, as for `bridge`.
    period : {'month', 'quarter', 'year'}, default 'month'
        The grain of the rates (``churn.rates(..., period=)``).
    cohort : {'month', 'quarter', 'year'}, default 'month'
        The grain of the cohorts (``cohorts.retention(..., cohort=)``).

    Returns
    -------
    Partial

    Raises
    ------
    ValueError
        If the ledger is empty (it has no horizon: leave it out) or `period`
        is unknown.

    See Also
    --------
    combine : Add partials up.
    finish : The figures from (combined) partials.

    Examples
    --------
    Two blocks of the sample company's customers, by the last digit of
    their id, give the bridge and the rates of the whole company:

    >>> import subscription_metrics as sm
    >>> subs = sm.datasets.load_sample().subscriptions
    >>> low = subs["customer_id"].str[-1].isin(list("01234"))
    >>> parts = [
    ...     sm.ledger.partial(sm.Ledger.from_subscriptions(subs[b], through="2025-12"))
    ...     for b in (low, ~low)
    ... ]
    >>> figures = sm.ledger.finish(sm.ledger.combine(parts))
    >>> whole = sm.Ledger.from_subscriptions(subs)
    >>> figures.bridge.equals(sm.ledger.bridge(whole))
    True
    >>> figures.rates.equals(sm.churn.rates(whole))
    True
    """
    from ._partials import partial as compute

    return compute(ledger, by=by, period=period, cohort=cohort)


def combine(partials: Iterable[Partial]) -> Partial:
    """
    Add up the partials of blocks of customers (the "combine" step).

    Integer sums stay exact and do not depend on how the customers were
    split or in which order the blocks come. Segments, months and ages that
    only some blocks have are filled with zeros for the others.

    Parameters
    ----------
    partials : iterable of Partial
        From `partial`, one per block of whole customers (a customer in two
        blocks would be counted twice). Combined partials can be combined
        again, so the sums can be added up in a tree.

    Returns
    -------
    Partial

    Raises
    ------
    ValueError
        If there is no partial, or they differ in currency, conventions,
        horizon (``last_month``), `by`, `period` or `cohort`.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, ledger
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-02-05"]),
    ...     "end": pd.to_datetime([None, None]), "mrr": [100, 80],
    ...     "currency": "JPY"})
    >>> parts = [ledger.partial(Ledger.from_subscriptions(subs[i:i + 1],
    ...                                                   through="2024-02"))
    ...          for i in range(2)]
    >>> ledger.combine(parts).customers
    2
    """
    from ._partials import combine as add_up

    return add_up(partials)


def finish(partial: Partial, *, window: int = 1, total: bool = True) -> Figures:
    """
    Finish every figure from the sums of a (combined) partial.

    The same finish code the single-ledger functions run: rates from pooled
    period totals (``churn.rates``; customer-level NRR and GRR from the
    summed M - 12 base, retained and capped MRR), cohort retention from the
    summed cells, Kaplan-Meier curves and Greenwood intervals from the summed
    at-risk, event and censoring counts, and the shifted-beta-geometric fits
    from the summed churn and survivor counts per period.

    Parameters
    ----------
    partial : Partial
        From `partial` or `combine`.
    window : int, default 1
        Periods pooled by the rates, as for ``churn.rates``.
    total : bool, default True
        With ``by``, add the whole company's rate rows, as for
        ``churn.rates``.

    Returns
    -------
    Figures
        The bridge, movement totals, rates, cohort retention (and triangles),
        Kaplan-Meier curves and sBG fits.

    Raises
    ------
    ValueError
        If `window` is not a positive int.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> figures = sm.ledger.finish(sm.ledger.partial(led, period="quarter"))
    >>> figures.rates.equals(sm.churn.rates(led, period="quarter"))
    True
    """
    from ._partials import finish as compute

    return compute(partial, window=window, total=total)
