"""The same figures on Dask: shuffle by customer once, partial, combine, finish.

Needs the ``dask`` extra (``pip install "subscription-metrics[dask]"``).
Subscriptions (or monthly MRR rows) and customers come as Dask DataFrames or
paths of Parquet datasets. Both are shuffled by customer once, so that each
partition holds every row of its customers; each partition becomes a
`Ledger` and its `Partial` (exact int64 sums) on a worker; the partials are
added up in a tree on the workers; and the small combined sums come back to
be finished by `subscription_metrics.ledger.finish`, the code the
single-machine functions run. The figures equal those of one ledger of all
the rows, to the last unit and bit, whatever the partitioning.

The computation runs on Dask's current scheduler: create a
``distributed.Client`` first to run it on a cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import pandas as pd

from ._arpa import check_resample_below
from ._conventions import Conventions
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._ledger import Ledger, MonthLike, Rates, _month_or_none
from ._partials import Figures, Partial, combine, finish, partial
from ._schema import Amounts
from ._validation import check_by

if TYPE_CHECKING:
    import dask.dataframe as dd

    from ._lifetimes import EarlyCounts
    from ._rates import Grain
    from ._tiers import TierPolicy
    from .cohorts import CohortGrain
    from .scorecards import By, Credit, _CardParts
    from .tiers import _TierSums

__all__ = [
    "acquisition_quality",
    "classify",
    "early_ltv",
    "figures",
    "horizon",
    "ltv_estimates",
    "owned_book",
    "partials",
    "scorecard",
    "tier_summary",
]

Source = Literal["subscriptions", "monthly_mrr"]
_BLOCK = "_sm_block"
_FAN_IN = 8


def _frame(table: dd.DataFrame | str, name: str) -> dd.DataFrame:
    import dask.dataframe as dd

    if isinstance(table, str):
        return dd.read_parquet(table)
    if isinstance(table, dd.DataFrame):
        return table
    msg = (
        f"{name!r} must be a dask DataFrame or the path of a Parquet dataset, "
        f"got {type(table).__name__}"
    )
    raise TypeError(msg)


def _check_customer_column(frame: dd.DataFrame, table: str) -> None:
    """Refuse a table without one ``customer_id`` column, which the shuffle needs."""
    names = list(frame.columns)
    found = sum(1 for name in names if isinstance(name, str) and name == "customer_id")
    if found != 1:
        problem = Problem(
            table=table,
            column="customer_id",
            rule="missing column" if not found else "one column of the name",
            count=found,
            detail=f"columns present: {names}",
        )
        raise InvalidTableError([problem])


def _with_block(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    """Add the block number of every row's customer (a hash of its id, mod n)."""
    ids = frame["customer_id"].astype(str).to_numpy(dtype=object)
    hashed = pd.util.hash_array(ids, categorize=False)
    out = frame.copy()
    out[_BLOCK] = (hashed % np.uint64(n)).astype(np.int64)
    return out


def _shuffled(frame: dd.DataFrame, n: int) -> dd.DataFrame:
    """Shuffle rows so that each of `n` partitions holds whole customers."""
    meta = frame._meta.assign(**{_BLOCK: np.zeros(0, np.int64)})
    blocked = frame.map_partitions(_with_block, n, meta=meta)
    return blocked.shuffle(on=_BLOCK, npartitions=n)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the block column; Arrow-backed strings become plain object columns."""
    out = frame.drop(columns=_BLOCK)
    # By position: a repeated column name is for the table's rules to refuse.
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if isinstance(column.dtype, pd.StringDtype):
            plain = column.astype(object).where(column.notna(), None)
            out.isetitem(i, plain.to_numpy(object))
    return out.reset_index(drop=True)


def _ledger(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    options: dict[str, Any],
) -> Ledger | None:
    """Build the ledger of one partition (None when it holds no rows)."""
    if not len(rows):
        return None
    source = options["source"]
    build = (
        Ledger.from_subscriptions
        if source == "subscriptions"
        else (Ledger.from_monthly_mrr)
    )
    ledger = build(
        _plain(rows),
        customers=None if customers is None else _plain(customers),
        conventions=options["conventions"],
        amounts=options["amounts"],
        currency=options["currency"],
        rates=options["rates"],
        through=options["through"],
    )
    return None if ledger.last_month is None else ledger


def _last_month(
    rows: pd.DataFrame, customers: pd.DataFrame | None, options: dict[str, Any]
) -> int | None:
    ledger = _ledger(rows, customers, options)
    if ledger is None or ledger.last_month is None:
        return None
    return int(ledger.last_month.ordinal)


def _partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    options: dict[str, Any],
    figures: dict[str, Any],
) -> Partial | None:
    ledger = _ledger(rows, customers, options)
    return None if ledger is None else partial(ledger, **figures)


def _combine(parts: list[Partial | None]) -> Partial | None:
    present = [p for p in parts if p is not None]
    return combine(present) if present else None


def _latest(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _tree(items: list[Any], reduce: Any) -> Any:
    """Reduce delayed values in a tree of fan-in `_FAN_IN`, on the workers."""
    from dask.delayed import delayed

    while len(items) > 1:
        items = [
            delayed(reduce)(items[i : i + _FAN_IN])
            for i in range(0, len(items), _FAN_IN)
        ]
    return items[0] if len(items) == 1 else delayed(reduce)(items)


def _blocks(
    rows: dd.DataFrame | str,
    customers: dd.DataFrame | str | None,
    npartitions: int | None,
    source: str,
) -> tuple[list[Any], list[Any]]:
    """Return the delayed partitions of rows and customers, shuffled alike."""
    table = _frame(rows, "rows")
    n = npartitions if npartitions is not None else table.npartitions
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        msg = f"'npartitions' must be a positive int, got {npartitions!r}"
        raise ValueError(msg)
    _check_customer_column(table, source)
    row_parts = list(_shuffled(table, n).to_delayed())
    if customers is None:
        return row_parts, [None] * len(row_parts)
    customer_table = _frame(customers, "customers")
    _check_customer_column(customer_table, "customers")
    customer_parts = list(_shuffled(customer_table, n).to_delayed())
    return row_parts, customer_parts


#: The one key rule that reaches across customers, per table: a
#: ``subscription_id`` (a ``deal_id``) of two customers sits in two partitions
#: after the shuffle by customer, where no partition sees both rows.
_CROSS_KEYS: Final = {"subscriptions": "subscription_id", "deals": "deal_id"}


def _reused(frame: dd.DataFrame | str, table: str, n: int) -> Any:
    """
    Return a lazy check of the table's key across the whole dataset, or None.

    The ids seen on more than one row (a Dask Series of their counts), by
    their own shuffle: computed with the figures (`_checked`), so the data
    is read once for both.
    """
    column = _CROSS_KEYS.get(table)
    if column is None:
        return None
    data = _frame(frame, table)
    if column not in data.columns:
        return None
    from dask.delayed import delayed

    counts = data[column].value_counts(split_out=n)
    # As delayed pieces, so they compute with the delayed tree of the figures.
    pieces = (counts[counts > 1]).to_delayed()
    return (table, column, delayed(pd.concat)(pieces))


def _checked(tree: Any, *checks: Any) -> Any:
    """
    Compute `tree` with the cross-partition key checks; raise as one machine would.

    Each check (from `_reused`) finds the ids used on more than one row of
    the whole table; any found raise `InvalidTableError` with the rule,
    column and count of rows the single-machine check reports
    (``unique``), and the first few ids in sorted order.
    """
    from dask.base import compute

    present = [c for c in checks if c is not None]
    results = compute(tree, *(series for _, _, series in present))
    problems = []
    for (table, column, _), found in zip(present, results[1:], strict=True):
        if len(found):
            ids = sorted(found.index, key=str)[:MAX_EXAMPLES]
            problems.append(
                Problem(
                    table=table,
                    column=column,
                    rule="unique",
                    count=int(found.sum()),
                    examples=tuple(str(v) for v in ids),
                    detail="each value may appear once (checked across the dataset)",
                )
            )
    if problems:
        raise InvalidTableError(problems)
    return results[0]


def horizon(
    rows: dd.DataFrame | str,
    *,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
) -> pd.Period | None:
    """
    Return the data horizon one ledger of all the rows would have.

    The latest of the partitions' horizons (the last month holding a start or
    an end). Costs a pass over the data: give ``through=`` to `partials` and
    `figures` to skip it.

    Parameters
    ----------
    rows : dask.dataframe.DataFrame or str
        Subscriptions or monthly MRR rows, or the path of a Parquet dataset.
    source : {'subscriptions', 'monthly_mrr'}, default 'subscriptions'
        Which `Ledger` constructor the rows are for.
    conventions, amounts, currency, rates
        As for that constructor.

    Returns
    -------
    pandas.Period or None
        None when no row shows in any month.
    """
    from dask.base import compute
    from dask.delayed import delayed

    options = _options(source, conventions, amounts, currency, rates, None)
    parts, _ = _blocks(rows, None, None, source)
    lasts = [delayed(_last_month)(p, None, options) for p in parts]
    (latest,) = compute(_tree(lasts, _latest))
    return None if latest is None else pd.Period(ordinal=latest, freq="M")


def _options(
    source: Source,
    conventions: Conventions | None,
    amounts: Amounts,
    currency: str | None,
    rates: Rates | None,
    through: MonthLike | None,
) -> dict[str, Any]:
    if source not in ("subscriptions", "monthly_mrr"):
        msg = f"'source' must be 'subscriptions' or 'monthly_mrr', got {source!r}"
        raise ValueError(msg)
    return {
        "source": source,
        "conventions": conventions or Conventions(),
        "amounts": amounts,
        "currency": currency,
        "rates": rates,
        "through": through,
    }


def partials(
    rows: dd.DataFrame | str,
    *,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    cohort: CohortGrain = "month",
    npartitions: int | None = None,
) -> Partial:
    """
    Return the combined `Partial` of all the rows, computed partition by partition.

    Parameters
    ----------
    rows : dask.dataframe.DataFrame or str
        Subscriptions (the columns of `Subscription`) or monthly MRR rows
        (those of `MonthlyMrr`), or the path of a Parquet dataset of them. A
        customer's rows may be spread over any partitions.
    customers : dask.dataframe.DataFrame or str, optional
        The customers table (or a Parquet path), for the `by` attributes.
    source : {'subscriptions', 'monthly_mrr'}, default 'subscriptions'
        Which `Ledger` constructor builds each partition's ledger.
    conventions : Conventions, optional
        ``Conventions()`` by default.
    amounts : {'minor', 'major'}, default 'minor'
        As for the ledger's constructors.
    currency : str, optional
        As for the ledger's constructors.
    rates : mapping or pandas.DataFrame, optional
        Exchange rates into `currency`, as for the ledger's constructors
        (sent to every partition).
    through : pandas.Period, str or date, optional
        The data horizon, shared by every partition. By default the horizon
        one ledger of all the rows would have (`horizon`: one more pass).
    by : str or sequence of str, optional
        Customer attributes to split every figure by.
    period : {'month', 'quarter', 'year'}, default 'month'
        The grain of the rates.
    cohort : {'month', 'quarter', 'year'}, default 'month'
        The grain of the cohorts.
    npartitions : int, optional
        Partitions after the shuffle by customer (default: those of `rows`).
        Each must fit in a worker's memory as a ledger.

    Returns
    -------
    Partial
        The sums of all the partitions, added up on the workers.

    Raises
    ------
    ValueError
        If no row shows in any month, or an option is invalid.
    InvalidTableError
        If a partition's rows break a rule (raised from the worker).
    """
    check_by(by)
    options = _options(source, conventions, amounts, currency, rates, through)
    if through is None:
        latest = horizon(
            rows,
            source=source,
            conventions=conventions,
            amounts=amounts,
            currency=currency,
            rates=rates,
        )
        if latest is None:
            msg = "the ledger is empty: no row shows in any month"
            raise ValueError(msg)
        options["through"] = latest
    else:
        _month_or_none(through, "through")
    wanted = {"by": by, "period": period, "cohort": cohort}
    result: Partial = _summed(
        rows, customers, npartitions, source, _partial, _combine, options, wanted
    )
    return result


def figures(
    rows: dd.DataFrame | str,
    *,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    by: str | Sequence[str] | None = None,
    period: Grain = "month",
    cohort: CohortGrain = "month",
    window: int = 1,
    npartitions: int | None = None,
) -> Figures:
    """
    Return every additive figure of the rows, computed on Dask.

    `partials` on the cluster, then ``ledger.finish`` here: the bridge,
    movement totals, rates (customer-level NRR and GRR included), cohort
    retention and triangles, Kaplan-Meier curves and sBG fits per segment.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, \
by, period, cohort, npartitions
        As for `partials`.
    window : int, default 1
        Periods pooled by the rates, as for ``churn.rates``.

    Returns
    -------
    Figures
        Equal to the figures of one ledger of all the rows.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> subs = dd.from_pandas(sample.subscriptions, npartitions=3)
    >>> found = sm.dask.figures(subs, through="2025-12", period="quarter")
    >>> led = sm.Ledger.from_subscriptions(sample.subscriptions)
    >>> found.rates.equals(sm.churn.rates(led, period="quarter"))
    True
    """
    combined = partials(
        rows,
        customers=customers,
        source=source,
        conventions=conventions,
        amounts=amounts,
        currency=currency,
        rates=rates,
        through=through,
        by=by,
        period=period,
        cohort=cohort,
        npartitions=npartitions,
    )
    return finish(combined, window=window)


def _card_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    options: dict[str, Any],
    card: dict[str, Any],
) -> _CardParts | None:
    from .scorecards import _block_card

    ledger = _ledger(rows, customers, options)
    if ledger is None:
        return None
    return _block_card(ledger, deals=None if deals is None else _plain(deals), **card)


def _combine_cards(parts: list[_CardParts | None]) -> _CardParts | None:
    from .scorecards import _combine_cards as combine_cards

    present = [p for p in parts if p is not None]
    return combine_cards(present) if present else None


def scorecard(
    rows: dd.DataFrame | str,
    *,
    staff: pd.DataFrame,
    customers: dd.DataFrame | str | None = None,
    deals: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    credit: Credit = "closed",
    by: By = "staff",
    acquired_since: MonthLike | None = None,
    acquired_through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    total: bool = True,
    resample_arpa_below: int = 500,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``scorecards.scorecard`` of all the rows, computed on Dask.

    Rows, customers and deals are shuffled by customer alike; every
    partition's ledger gives the sums of the scorecard per person (and
    team, and for the company): counts per age and per observation window,
    the sums ARPA's bootstrap draws from, bookings and the MRR moves after
    them. The
    sums are added up on the workers; the Kaplan-Meier curves, sBG fits and
    bootstrap intervals are finished here from them, by the code
    ``scorecard`` runs on one ledger, so the result equals it to the bit
    (the same `seed` gives the same draws).

    Parameters
    ----------
    rows, customers, source, amounts, currency, rates, npartitions
        As for `partials`.
    staff : pandas.DataFrame
        People (`StaffMember` columns): a small table, sent to every partition.
    deals : dask.dataframe.DataFrame or str, optional
        Won deals (`Deal` columns), or the path of a Parquet dataset of them:
        who closed and sourced each customer's first deal.
    conventions : Conventions, optional
        The ledger's conventions, which the scorecard uses too (gross margin,
        discount rate, lifetime rules).
    through : pandas.Period, str or date, optional
        The data horizon of every partition's ledger, as for `partials`.
    credit, by, as_of, min_customers, min_churned, horizon_months, level, seed, \
total, resample_arpa_below
        As for ``scorecards.scorecard``.
    acquired_since, acquired_through : pandas.Period, str or date, optional
        The acquisition months scored: ``scorecard``'s `since` and `through`.

    Returns
    -------
    pandas.DataFrame
        Equal to ``scorecards.scorecard`` on one ledger of all the rows.

    Raises
    ------
    ValueError
        If no row shows in any month, or an option is invalid.
    InvalidTableError
        If a partition's rows, customers or deals break a rule (raised from
        the worker).

    Notes
    -----
    What travels to the client is per person (or team): counts per age and
    per observation window (months), and what the bootstrap of ARPA draws
    from. A person with at least `resample_arpa_below` customers sends
    exact moment sums of the first-month MRRs (count, sum, sums of squares
    and cubes in int64 digits, least and largest), a fixed size; one with
    fewer sends a row per distinct first-month MRR with its count, at most
    `resample_arpa_below` rows. So the client's tables are bounded by the
    people times the ages, not by the customers, even where every customer
    pays its own price; a partition drops a person's table as soon as its
    own customers, or the sum of the partitions under it, reach that size.
    Deals are validated per partition, and their ``deal_id`` (like the
    rows' ``subscription_id``) is also counted over the whole dataset: an
    id on two rows raises `InvalidTableError`, wherever the rows are.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> card = sm.dask.scorecard(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     deals=dd.from_pandas(sample.deals, npartitions=2),
    ...     staff=sample.staff,
    ...     through="2025-12",
    ... )
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> one = sm.scorecards.scorecard(led, staff=sample.staff, deals=sample.deals)
    >>> card.equals(one)
    True
    """
    from .scorecards import _finish_card

    check_by(by, what="'staff' or 'team'")
    if not isinstance(staff, pd.DataFrame):
        msg = f"'staff' must be a pandas DataFrame, got {type(staff).__name__}"
        raise TypeError(msg)
    options = _options(source, conventions, amounts, currency, rates, through)
    horizon_month = _horizon_of(rows, options)
    read = _month_or_none(as_of, "as_of")
    if read is not None and read > horizon_month:
        msg = (
            f"'as_of' ({as_of}) is after the data horizon "
            f"({pd.Period(ordinal=horizon_month, freq='M')}); give a later through="
        )
        raise ValueError(msg)
    card = {
        "staff": staff,
        "credit": credit,
        "by": by,
        "since": acquired_since,
        "through": acquired_through,
        "as_of": as_of,
        "total": total,
        "resample_below": check_resample_below(resample_arpa_below),
    }
    combined = _summed(
        rows,
        customers,
        npartitions,
        source,
        _card_partial,
        _combine_cards,
        options,
        card,
        tables=[("deals", deals)],
    )
    return _finish_card(
        combined,
        staff=staff,
        by=by,
        as_of=horizon_month if read is None else read,
        conventions=options["conventions"],
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
        total=total,
    )


def _tier_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    classified: pd.DataFrame,
    options: dict[str, Any],
    window: tuple[int, int],
) -> tuple[_TierSums, str | None] | None:
    from .tiers import _summary_sums, _unknown_accounts

    table = _plain(classified).set_index("customer_id")
    ledger = _ledger(rows, customers, options)
    if ledger is None:
        if len(table):
            raise _unknown_accounts(table.index)
        return None
    month, end = window
    sums = _summary_sums(ledger, table, month=month, end=end, health=None)
    return sums, ledger.currency


def _combine_tiers(
    parts: list[tuple[_TierSums, str | None] | None],
) -> tuple[_TierSums, str | None] | None:
    present = [p for p in parts if p is not None]
    if not present:
        return None
    currencies = {c for _, c in present}
    if len(currencies) > 1:
        msg = (
            "the blocks must share their currency to be added up, "
            f"got {sorted(map(str, currencies))}"
        )
        raise ValueError(msg)
    total = present[0][0]
    for sums, _ in present[1:]:
        total = total.combine(sums)
    return total, present[0][1]


def tier_summary(
    rows: dd.DataFrame | str,
    *,
    classified: dd.DataFrame | str,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    months: int = 12,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``tiers.summary`` of all the rows, computed on Dask.

    A tier is assigned account by account (the rules of a `TierPolicy`
    compare each account's own features with fixed thresholds), so the
    summary is a sum over accounts: the rows, customers and classification
    are shuffled by customer alike, every partition sums its accounts'
    counts and MRR per tier (and their health scores, exactly), the sums
    are added up on the workers and the rates and means are taken here.
    The result equals ``tiers.summary`` on one ledger of all the rows.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, npartitions
        As for `partials`.
    classified : dask.dataframe.DataFrame or str
        The classification at `as_of` (``customer_id`` as a column or the
        index, ``tier``, and ``health_score`` if the mean score is wanted),
        or the path of a Parquet dataset of it: for example
        ``tiers.classify`` of ``tiers.account_features`` run per partition.
    as_of : pandas.Period, str or date, optional
        The month of the classification (default: the data horizon).
    months : int, default 12
        The window's length in months, as for ``tiers.summary``.

    Returns
    -------
    pandas.DataFrame
        Equal to ``tiers.summary(led, classified=..., as_of=..., months=...)``.

    Raises
    ------
    ValueError
        If no row shows in any month, `as_of` is after the horizon, or an
        option is invalid.
    InvalidTableError
        If a partition's rows or classification break a rule (raised from
        the worker), as ``tiers.summary`` raises them.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> classified = sm.tiers.classify(sm.tiers.account_features(led, as_of="2024-12"))
    >>> found = sm.dask.tier_summary(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     classified=dd.from_pandas(classified.reset_index(), npartitions=2),
    ...     through="2025-12",
    ...     as_of="2024-12",
    ... )
    >>> found.equals(sm.tiers.summary(led, classified=classified, as_of="2024-12"))
    True
    """
    from .tiers import _summary_finish

    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        msg = f"'months' must be a positive int, got {months!r}"
        raise ValueError(msg)
    options = _options(source, conventions, amounts, currency, rates, through)
    last = _horizon_of(rows, options)
    month = _month_or_none(as_of, "as_of")
    month = last if month is None else month
    if month > last:
        msg = (
            f"'as_of' ({as_of}) is after the data horizon "
            f"({pd.Period(ordinal=last, freq='M')}); give a later through="
        )
        raise ValueError(msg)
    end = min(month + months, last)
    sums, unit = _summed(
        rows,
        customers,
        npartitions,
        source,
        _tier_partial,
        _combine_tiers,
        options,
        (month, end),
        tables=[("classified", classified)],
    )
    return _summary_finish(sums, end - month, options["conventions"], unit)


def _owned_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    assignments: pd.DataFrame,
    options: dict[str, Any],
    book: dict[str, Any],
) -> tuple[pd.DataFrame, str | None] | None:
    from ._entities import Assignment
    from ._schema import validate
    from .scorecards import _owned_sums, _staff_table

    ledger = _ledger(rows, customers, options)
    if ledger is None:
        return None
    sums = _owned_sums(
        ledger,
        validate(_plain(assignments), Assignment),
        _staff_table(book["staff"]),
        role=book["role"],
        by=book["by"],
        lo=book["lo"],
        through=book["through"],
    )
    return sums, ledger.currency


def _combine_owned(
    parts: list[tuple[pd.DataFrame, str | None] | None],
) -> tuple[pd.DataFrame, str | None] | None:
    """Add up the owners' int64 sums of blocks, owner by owner (sorted)."""
    present = [p for p in parts if p is not None]
    if not present:
        return None
    joined = pd.concat([sums for sums, _ in present])
    added = joined.groupby(level=0, sort=True).sum().astype(np.int64)
    return added, present[0][1]


def owned_book(
    rows: dd.DataFrame | str,
    *,
    assignments: dd.DataFrame | str,
    staff: pd.DataFrame,
    since: MonthLike,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    role: str = "customer_success",
    by: By = "staff",
    until: MonthLike | None = None,
    total: bool = True,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``scorecards.owned_book`` of all the rows, computed on Dask.

    Every expansion, contraction and churn is credited to whoever held the
    account in `role` that month, and the books at the start and the end
    to their holders: all per account, so the rows, customers and
    assignments are shuffled by customer alike, every partition sums its
    accounts per owner (int64), the sums are added up owner by owner on
    the workers and the company row and the churn rates are taken here.
    The result equals ``owned_book`` on one ledger of all the rows.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, npartitions
        As for `partials` (`through` is the data horizon).
    assignments : dask.dataframe.DataFrame or str
        Dated owners (`Assignment` columns), or the path of a Parquet dataset.
    staff : pandas.DataFrame
        People (`StaffMember` columns): a small table, sent to every partition.
    since : pandas.Period, str or date
        The window's first month, ``owned_book``'s `since`. Required here:
        one ledger's default (its first month) is not a partition's.
    role, by, total
        As for ``owned_book``.
    until : pandas.Period, str or date, optional
        The window's last month, ``owned_book``'s `through` (default: the
        data horizon).

    Returns
    -------
    pandas.DataFrame
        Equal to ``scorecards.owned_book`` on one ledger of all the rows.

    Raises
    ------
    ValueError
        If no row shows in any month, or an option is invalid.
    InvalidTableError
        If a partition's rows or assignments break a rule (raised from the
        worker), as ``owned_book`` raises them; overlapping assignments of
        an account are always in one partition.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> found = sm.dask.owned_book(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     assignments=dd.from_pandas(sample.assignments, npartitions=2),
    ...     staff=sample.staff,
    ...     since="2025-01",
    ...     through="2025-12",
    ...     by="team",
    ... )
    >>> found.equals(sm.scorecards.owned_book(
    ...     led, assignments=sample.assignments, staff=sample.staff, by="team",
    ...     since="2025-01"))
    True
    """
    from .scorecards import (
        _check_book_by,
        _owned_finish,
        _post_sale_role,
        _staff_table,
    )

    _check_book_by(by)
    chosen_role = _post_sale_role(role)
    _staff_table(staff)  # refuse a bad staff table here, not on every worker
    lo = _month_or_none(since, "since")
    if lo is None:
        msg = "'since' is required: the window's first month, shared by every partition"
        raise ValueError(msg)
    _month_or_none(until, "until")
    options = _options(source, conventions, amounts, currency, rates, through)
    _horizon_of(rows, options)  # one horizon for every partition
    book = {"staff": staff, "role": chosen_role, "by": by, "lo": lo, "through": until}
    sums, book_currency = _summed(
        rows,
        customers,
        npartitions,
        source,
        _owned_partial,
        _combine_owned,
        options,
        book,
        tables=[("assignments", assignments)],
    )
    return _owned_finish(sums, by=by, total=total, currency=book_currency)


def _keyed(table: dd.DataFrame, name: str) -> dd.DataFrame:
    """Return `table` with ``customer_id`` as a column (moved from the index)."""
    if "customer_id" not in table.columns and table.index.name == "customer_id":
        table = table.reset_index()
    _check_customer_column(table, name)
    return table


def _empty_classified(policy: TierPolicy) -> pd.DataFrame:
    """Return what `classify` gives without accounts: its columns and dtypes."""
    from .tiers import classify as classify_accounts

    columns: dict[str, Any] = {}
    for rule in policy.rules:
        for condition in rule.when:
            values = condition.value
            sample = values[0] if isinstance(values, tuple) and values else values
            dtype: Any = (
                bool
                if isinstance(sample, bool)
                else (np.float64 if isinstance(sample, int | float) else object)
            )
            columns.setdefault(condition.column, pd.Series([], dtype=dtype))
    index = pd.Index(np.array([], dtype=object), name="customer_id").astype("str")
    empty = pd.DataFrame(columns, index=index)
    return classify_accounts(empty, policy=policy).reset_index()


def _classify_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    usage: pd.DataFrame | None,
    health: pd.DataFrame | None,
    options: dict[str, Any],
    wanted: dict[str, Any],
) -> pd.DataFrame:
    from .tiers import account_features
    from .tiers import classify as classify_accounts

    meta: pd.DataFrame = wanted["meta"]
    ledger = _ledger(rows, customers, options)
    if ledger is None:
        return meta.copy()
    scores = None
    if health is not None:
        scores = _plain(health).set_index("customer_id")["score"]
    features = account_features(
        ledger,
        as_of=wanted["as_of"],
        usage=None if usage is None else _plain(usage),
        adoption_share=wanted["adoption_share"],
        health=scores,
    )
    out = classify_accounts(features, policy=wanted["policy"]).reset_index()
    return out.astype(meta.dtypes.to_dict())


def classify(
    rows: dd.DataFrame | str,
    *,
    customers: dd.DataFrame | str | None = None,
    usage: dd.DataFrame | str | None = None,
    health: dd.DataFrame | str | None = None,
    as_of: MonthLike | None = None,
    policy: TierPolicy | None = None,
    adoption_share: float = 0.3,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    npartitions: int | None = None,
) -> dd.DataFrame:
    """
    Return the tier of every account active at `as_of`, as a Dask DataFrame.

    A tier is decided account by account: ``tiers.account_features`` reads
    each account's own MRR, attributes and latest usage, and
    ``tiers.classify`` compares them with the policy's fixed thresholds.
    So the rows, customers, usage and health scores are shuffled by
    customer alike, and every partition classifies its own accounts: a row
    per account, partitioned by customer, never collected on the client.
    Computed and sorted by ``customer_id``, it equals ``tiers.classify(
    tiers.account_features(led, as_of=as_of, usage=usage, health=...),
    policy=policy).reset_index()`` on one ledger of all the rows; write it
    with ``to_parquet`` or give it to `tier_summary`. Every partition checks
    its rows as one ledger would; the one rule that reaches across
    partitions (a ``subscription_id`` of two customers) is checked by the
    functions that compute a result here (`figures`, `tier_summary` and the
    others), not by this lazy frame.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, npartitions
        As for `partials`; the customers' attributes are the features'.
    usage : dask.dataframe.DataFrame or str, optional
        Monthly usage (`UsageSnapshot` columns), or the path of a Parquet
        dataset of it, as for ``tiers.account_features``.
    health : dask.dataframe.DataFrame or str, optional
        Health scores: ``customer_id`` (a column or the index) and
        ``score``, such as ``health.score(...)`` computed where the scores
        are decided (its default model ranks accounts against each other,
        so it is not a per-partition computation). Without it,
        ``health_score`` is missing, and no condition on it holds.
    as_of : pandas.Period, str or date, optional
        The month classified (default: the data horizon).
    policy : TierPolicy, optional
        The rules (default: ``tiers.default_policy()``).
    adoption_share : float, default 0.3
        As for ``tiers.account_features``.

    Returns
    -------
    dask.dataframe.DataFrame
        ``customer_id`` and the columns of ``tiers.classify`` (``tier``,
        ``rule``, ``motion``, ``owners``, ``kpis``), one row per account.

    Raises
    ------
    ValueError
        If `as_of` is after the data horizon, or an option is invalid.
    InvalidTableError
        If a partition's rows, customers, usage or scores break a rule
        (raised from the worker), as ``tiers.account_features`` raises them.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> found = sm.dask.classify(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     usage=dd.from_pandas(sample.usage, npartitions=2),
    ...     through="2025-12",
    ...     as_of="2024-12",
    ... ).compute()
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> one = sm.tiers.classify(
    ...     sm.tiers.account_features(led, as_of="2024-12", usage=sample.usage))
    >>> found = found.sort_values("customer_id", ignore_index=True)
    >>> found.equals(one.reset_index())
    True
    """
    import dask.dataframe as dd
    from dask.delayed import delayed

    from .tiers import default_policy

    chosen = default_policy() if policy is None else policy
    options = _options(source, conventions, amounts, currency, rates, through)
    last = _horizon_of(rows, options)
    month = _read_month(as_of, last)
    meta = _empty_classified(chosen)
    wanted = {
        "as_of": pd.Period(ordinal=month, freq="M"),
        "policy": chosen,
        "adoption_share": adoption_share,
        "meta": meta,
    }
    row_parts, customer_parts = _blocks(rows, customers, npartitions, source)
    extra = _alike([("usage", usage), ("health", health)], len(row_parts))
    parts = [
        delayed(_classify_partial)(r, c, u, h, options, wanted)
        for r, c, u, h in zip(row_parts, customer_parts, *extra, strict=True)
    ]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _horizon_of(rows: dd.DataFrame | str, options: dict[str, Any]) -> int:
    """Return the data horizon's ordinal (`through`, or one more pass to find it)."""
    if options["through"] is None:
        latest = horizon(
            rows,
            source=options["source"],
            conventions=options["conventions"],
            amounts=options["amounts"],
            currency=options["currency"],
            rates=options["rates"],
        )
        if latest is None:
            msg = "the ledger is empty: no row shows in any month"
            raise ValueError(msg)
        options["through"] = latest
    month = _month_or_none(options["through"], "through")
    assert month is not None
    return month


def ltv_estimates(
    rows: dd.DataFrame | str,
    *,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    by: str | Sequence[str] | None = None,
    total: bool = True,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``ltv.estimates`` of all the rows, every month, computed on Dask.

    The estimates are the monthly rates' ARPA and churn (smoothed over the
    conventions' window), so they come from the same sums as the rates of
    `figures`: `partials` at the monthly grain on the cluster, the rates
    and the estimates finished here. Equal to ``ltv.estimates(led, by=by,
    total=total)`` on one ledger of all the rows; pick the months to show
    from the result (the churn window reaches before them either way).

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, \
by, npartitions
        As for `partials`.
    total : bool, default True
        Add the ``"All"`` rows, as for ``ltv.estimates``.

    Returns
    -------
    pandas.DataFrame
        As ``ltv.estimates`` returns it.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> found = sm.dask.ltv_estimates(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     through="2025-12",
    ...     by="segment",
    ... )
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> found.equals(sm.ltv.estimates(led, by="segment"))
    True
    """
    from ._ltv_estimates import estimates_from_rates
    from ._partials import finish_rates_of

    combined = partials(
        rows,
        customers=customers,
        source=source,
        conventions=conventions,
        amounts=amounts,
        currency=currency,
        rates=rates,
        through=through,
        by=by,
        period="month",
        npartitions=npartitions,
    )
    table = finish_rates_of(combined, window=1, total=total)
    out = estimates_from_rates(table, list(combined.by), combined.conventions)
    out.attrs["currency"] = combined.currency
    return out


def _quality_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    options: dict[str, Any],
    wanted: dict[str, Any],
) -> _CardParts | None:
    from .scorecards import _block_quality

    ledger = _ledger(rows, customers, options)
    return None if ledger is None else _block_quality(ledger, **wanted)


def _early_partial(
    rows: pd.DataFrame,
    customers: pd.DataFrame | None,
    options: dict[str, Any],
    names: list[str],
    as_of: int,
    resample_below: int,
) -> EarlyCounts | None:
    from ._lifetimes import early_counts

    ledger = _ledger(rows, customers, options)
    if ledger is None:
        return None
    return early_counts(
        ledger,
        names,
        as_of=as_of,
        conventions=ledger.conventions,
        resample_below=resample_below,
    )


def _combine_early(parts: list[EarlyCounts | None]) -> EarlyCounts | None:
    from ._score_parts import combine_early

    present = [p for p in parts if p is not None]
    return combine_early(present) if present else None


def _read_month(as_of: MonthLike | None, last: int) -> int:
    """Return `as_of` as an ordinal (the horizon by default), not after it."""
    month = _month_or_none(as_of, "as_of")
    if month is None:
        return last
    if month > last:
        msg = (
            f"'as_of' ({as_of}) is after the data horizon "
            f"({pd.Period(ordinal=last, freq='M')}); give a later through="
        )
        raise ValueError(msg)
    return month


def _alike(
    tables: Sequence[tuple[str, dd.DataFrame | str | None]], n: int
) -> list[list[Any]]:
    """
    Shuffle more tables keyed by customer into the `n` partitions of the rows.

    Per table (name, frame or path, or None) the delayed partitions, equal
    customer ids in the same partition as the rows'; a list of None for a
    missing table.
    """
    return [
        [None] * n
        if table is None
        else list(_shuffled(_keyed(_frame(table, name), name), n).to_delayed())
        for name, table in tables
    ]


def _summed(
    rows: dd.DataFrame | str,
    customers: dd.DataFrame | str | None,
    npartitions: int | None,
    source: str,
    work: Any,
    combine: Any,
    *arguments: Any,
    tables: Sequence[tuple[str, dd.DataFrame | str | None]] = (),
) -> Any:
    """
    Run `work` on every partition's rows and customers; add up in a tree.

    `tables` are more tables keyed by customer (name, frame or path, or
    None), shuffled alike and handed to `work` after the customers, in
    order (None for a missing one). The keys that reach across customers
    (`_CROSS_KEYS`) of the rows and of those tables are checked over the
    whole dataset in the same computation (`_checked`).
    """
    from dask.delayed import delayed

    row_parts, customer_parts = _blocks(rows, customers, npartitions, source)
    n = len(row_parts)
    extra = _alike(tables, n)
    checks = [_reused(rows, source, n)]
    checks += [_reused(table, name, n) for name, table in tables if table is not None]
    parts = [
        delayed(work)(r, c, *more, *arguments)
        for r, c, *more in zip(row_parts, customer_parts, *extra, strict=True)
    ]
    combined = _checked(_tree(parts, combine), *checks)
    if combined is None:
        msg = "the ledger is empty: no row shows in any month"
        raise ValueError(msg)
    return combined


def acquisition_quality(
    rows: dd.DataFrame | str,
    *,
    by: str,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    acquired_since: MonthLike | None = None,
    acquired_through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    min_customers: int = 30,
    min_churned: int = 5,
    horizon_months: int | None = 60,
    level: float = 0.95,
    seed: int | np.random.Generator = 0,
    total: bool = True,
    resample_arpa_below: int = 500,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``scorecards.acquisition_quality`` of all the rows, computed on Dask.

    The scorecard's figures by a customer attribute known at the sale,
    summed per partition and finished here as `scorecard` does: equal to
    ``acquisition_quality`` on one ledger of all the rows, to the bit.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, \
npartitions
        As for `partials`.
    by : str
        The customer attribute to group by.
    acquired_since, acquired_through : pandas.Period, str or date, optional
        The acquisition months scored (``acquisition_quality``'s `since` and
        `through`).
    as_of, min_customers, min_churned, horizon_months, level, seed, total, \
resample_arpa_below
        As for ``scorecards.acquisition_quality``.

    Returns
    -------
    pandas.DataFrame
        Equal to ``scorecards.acquisition_quality`` on one ledger.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> found = sm.dask.acquisition_quality(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     by="acquisition_channel",
    ...     through="2025-12",
    ... )
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> one = sm.scorecards.acquisition_quality(led, by="acquisition_channel")
    >>> found.equals(one)
    True
    """
    from .scorecards import _finish_quality

    check_by(by, what="a customer attribute (a str)")
    options = _options(source, conventions, amounts, currency, rates, through)
    last = _horizon_of(rows, options)
    month = _read_month(as_of, last)
    wanted = {
        "by": by,
        "since": acquired_since,
        "through": acquired_through,
        "as_of": as_of,
        "total": total,
        "resample_below": check_resample_below(resample_arpa_below),
    }
    combined = _summed(
        rows,
        customers,
        npartitions,
        source,
        _quality_partial,
        _combine_cards,
        options,
        wanted,
    )
    return _finish_quality(
        combined,
        by=by,
        total=total,
        as_of=month,
        conventions=options["conventions"],
        min_customers=min_customers,
        min_churned=min_churned,
        horizon_months=horizon_months,
        level=level,
        seed=seed,
    )


def early_ltv(
    rows: dd.DataFrame | str,
    *,
    by: str | Sequence[str],
    seed: int | np.random.Generator,
    customers: dd.DataFrame | str | None = None,
    source: Source = "subscriptions",
    conventions: Conventions | None = None,
    amounts: Amounts = "minor",
    currency: str | None = None,
    rates: Rates | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    model: Literal["sbg", "km"] = "sbg",
    horizon_months: int | None = None,
    horizons: Sequence[int] = (3, 6, 12, 24),
    min_customers: int = 30,
    min_churned: int = 10,
    level: float = 0.95,
    n_draws: int = 1_000,
    resample_arpa_below: int = 500,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """
    Return ``survival.early_ltv`` of all the rows, computed on Dask.

    Every partition counts its subjects per segment: churned and censored at
    each age, observed for each number of renewals, and what ARPA's
    bootstrap draws from (each distinct first-month MRR with its count for
    a segment below `resample_arpa_below` customers, exact moment sums for
    a larger one: bounded by the segments, not the customers). The counts
    are added up on the workers and the fits, the bootstrap and the values
    are finished here by the code ``early_ltv`` runs: equal to it on one
    ledger, to the bit.

    Parameters
    ----------
    rows, customers, source, conventions, amounts, currency, rates, through, \
npartitions
        As for `partials`; `conventions` also gives ``lifetime_spells``,
        the gross margin and the discount rate.
    by, seed, as_of, model, horizon_months, horizons, min_customers, \
min_churned, level, n_draws, resample_arpa_below
        As for ``survival.early_ltv``.

    Returns
    -------
    pandas.DataFrame
        Equal to ``survival.early_ltv`` on one ledger of all the rows.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import subscription_metrics as sm
    >>> sample = sm.datasets.load_sample()
    >>> found = sm.dask.early_ltv(
    ...     dd.from_pandas(sample.subscriptions, npartitions=3),
    ...     customers=dd.from_pandas(sample.customers, npartitions=2),
    ...     by="segment",
    ...     seed=1,
    ...     through="2025-12",
    ... )
    >>> led = sm.Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers)
    >>> found.equals(sm.survival.early_ltv(led, by="segment", seed=1))
    True
    """
    from ._lifetimes import _names, early_table

    names = _names(by, required=True)
    options = _options(source, conventions, amounts, currency, rates, through)
    last = _horizon_of(rows, options)
    month = _read_month(as_of, last)
    combined = _summed(
        rows,
        customers,
        npartitions,
        source,
        _early_partial,
        _combine_early,
        options,
        names,
        month,
        check_resample_below(resample_arpa_below),
    )
    return early_table(
        combined,
        names,
        model=model,
        horizon_months=horizon_months,
        horizons=horizons,
        min_customers=min_customers,
        min_churned=min_churned,
        level=level,
        n_draws=n_draws,
        seed=seed,
        conventions=options["conventions"],
    )
