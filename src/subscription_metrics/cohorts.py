"""Cohort tables: logo and revenue retention by cohort and age, from a `Ledger`.

A customer's **cohort** is the calendar month (or quarter, or year) of its
*first* active month in the ledger: the first month it "started generating
positive MRR" (Stripe) under the default ``conventions.zero_mrr ==
'churned'``, or its first month with an active subscription under
``'active'`` (ChartMogul's first subscription). A customer who churns and
comes back stays in its original cohort (Stripe, ChartMogul), even when the
ledger classifies the return as ``new`` because it came after
``conventions.reactivation_window_months``.

A customer's **age** is counted in calendar months since its own first active
month: age 0 is that month, age 1 the next calendar month (February -> March,
never "30 days later"). In a quarter or year cohort every customer starts at
age 0, whichever month of the period it joined in.

Cells the data cannot have observed yet are never filled with 0: they are
absent from `retention` and missing in `triangle`.

Every count and amount is an exact int64 (money in minor units of
``ledger.currency``); the work grows with the number of ledger events, not
with customers x months.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen

from . import _kernels as k
from ._ledger import Ledger, is_active, segments
from ._validation import check_by

__all__ = ["RETENTION_COLUMNS", "retention", "triangle"]

CohortGrain = Literal["month", "quarter", "year"]

_GRAINS: Final = {"month": ("M", 1), "quarter": ("Q", 3), "year": ("Y", 12)}

RETENTION_COLUMNS: Final = (
    "customers",
    "customers_active",
    "logo_retention",
    "mrr_start",
    "mrr",
    "net_revenue_retention",
    "gross_revenue_retention",
)
"""Value columns of `retention`, in order (after ``cohort``, the `by` columns
and ``age``): counts and money are int64, ratios float64."""

_RATIOS: Final = frozenset(
    {"logo_retention", "net_revenue_retention", "gross_revenue_retention"}
)

Int64Array = npt.NDArray[np.int64]


@frozen(kw_only=True)
class _Cells:
    """Dense per-(group, age) values; a group is one cohort (and segment)."""

    cohort: pd.PeriodIndex  # one per group
    labels: pd.DataFrame | None  # by-attribute values, one row per group
    customers: Int64Array  # (G,)
    mrr_start: Int64Array  # (G,)
    last_age: Int64Array  # (G,) last age observed for every customer of the group
    active: Int64Array  # (G, A)
    mrr: Int64Array | None  # (G, A); None when not asked for (`_cells`)
    capped: Int64Array | None  # (G, A) sum of min(mrr, starting mrr) per customer

    @property
    def observed(self) -> npt.NDArray[np.bool_]:
        ages = np.arange(self.active.shape[1], dtype=np.int64)
        observed: npt.NDArray[np.bool_] = ages[None, :] <= self.last_age[:, None]
        return observed

    def column(self, name: str) -> npt.NDArray[np.int64] | npt.NDArray[np.float64]:
        """One value column as a dense (G, A) array (unobserved cells not masked)."""
        shape = self.active.shape
        if name == "customers":
            return np.broadcast_to(self.customers[:, None], shape).copy()
        if name == "customers_active":
            return self.active
        if name == "logo_retention":
            return _ratio(self.active, np.broadcast_to(self.customers[:, None], shape))
        if name == "mrr_start":
            return np.broadcast_to(self.mrr_start[:, None], shape).copy()
        if name == "mrr":
            return _asked(self.mrr)
        start = np.broadcast_to(self.mrr_start[:, None], shape)
        if name == "net_revenue_retention":
            return _ratio(_asked(self.mrr), start)
        return _ratio(_asked(self.capped), start)  # gross_revenue_retention


def _asked(values: Int64Array | None) -> Int64Array:
    if values is None:  # pragma: no cover - callers ask for what they read
        msg = "a cohort value that was not computed"
        raise ValueError(msg)
    return values


# The (G, A) arrays each retention column reads besides `active`.
_NEEDS: dict[str, tuple[str, ...]] = {
    "mrr": ("mrr",),
    "net_revenue_retention": ("mrr",),
    "gross_revenue_retention": ("capped",),
}


def _ratio(
    numerator: npt.NDArray[np.int64], denominator: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Return numerator / denominator, NaN where the denominator is 0."""
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _names(by: str | Sequence[str] | None) -> list[str]:
    check_by(by)
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    names = list(by)
    bad = [name for name in names if not isinstance(name, str)]
    if bad:
        msg = f"'by' must be a column name or a sequence of names, got {by!r}"
        raise TypeError(msg)
    return names


def _grain(cohort: str) -> tuple[str, int]:
    if cohort not in _GRAINS:
        msg = f"'cohort' must be one of {sorted(_GRAINS)}, got {cohort!r}"
        raise ValueError(msg)
    return _GRAINS[cohort]


def _check_max_age(max_age: int | None) -> None:
    if max_age is None:
        return
    if isinstance(max_age, bool) or not isinstance(max_age, int | np.integer):
        msg = f"'max_age' must be an int or None, got {max_age!r}"
        raise TypeError(msg)
    if max_age < 0:
        msg = f"'max_age' must be >= 0, got {max_age!r}"
        raise ValueError(msg)


def _segments(
    ledger: Ledger, names: list[str]
) -> tuple[Int64Array, pd.DataFrame | None, int]:
    """Segment code per customer (as the bridge splits them), labels as a frame."""
    codes, labels, count = segments(ledger, names)
    frame = None if labels is None else labels.to_frame(index=False)
    return codes, frame, count


def _cells(
    ledger: Ledger,
    names: list[str],
    grain: str,
    max_age: int | None,
    needs: tuple[str, ...] = ("mrr", "capped"),
) -> _Cells:
    """Return the cells of every cohort; `needs`: which of mrr, capped to sum."""
    freq, span = _grain(grain)
    _check_max_age(max_age)
    ev = ledger._events
    n_customers = len(ledger.customers)
    segment, label_frame, n_segments = _segments(ledger, names)

    starts = k.group_starts(ev.customer)
    active = is_active(ev.mrr_after, ev.count_after, ledger.conventions)
    was_active = k.previous_in_group(active, starts, False)
    activation = active & ~was_active
    # A count of activations: at most the events, so int32 sums are exact.
    activations = k.grouped_cumsum(activation.view(np.int8), starts, np.int32)
    first = activation & (activations == 1)  # the customer's first active month
    who = ev.customer[first]  # each cohort customer once
    first_month = np.zeros(n_customers, np.int64)
    first_month[who] = ev.month[first]
    start_mrr = np.zeros(n_customers, np.int64)
    start_mrr[who] = ev.mrr_after[first]

    # Groups: (cohort period, segment) pairs that hold customers, sorted.
    cohort_ordinal = first_month[who] // span
    base = int(cohort_ordinal.min()) if len(who) else 0
    key = (cohort_ordinal - base) * n_segments + segment[who]
    groups, member = np.unique(key, return_inverse=True)
    member = member.astype(np.int64).reshape(-1)
    n_groups = len(groups)
    group = np.full(n_customers, -1, np.int64)
    group[who] = member

    customers = np.bincount(member, minlength=n_groups).astype(np.int64)
    mrr_start = k.sum_by_key(member, start_mrr[who], n_groups)
    latest_first = np.full(n_groups, np.iinfo(np.int64).min, np.int64)
    np.maximum.at(latest_first, member, first_month[who])
    horizon = ledger.last_month.ordinal if ledger.last_month is not None else 0
    last_age = horizon - latest_first
    if max_age is not None:
        last_age = np.minimum(last_age, max_age)
    n_ages = int(last_age.max()) + 1 if n_groups else 0

    # Changes per event from the customer's first active month on. Before it
    # the customer is inactive and so has no MRR (no subscription, or only
    # zero-MRR ones): each value starts from 0 and the changes add up to it.
    scope = np.flatnonzero(activations >= 1)
    customer = ev.customer[scope]
    age = ev.month[scope] - first_month[customer]
    active_delta = active[scope].astype(np.int64)
    active_delta -= was_active[scope]
    inside = age < n_ages
    cell = group[customer[inside]] * n_ages + age[inside]
    size = n_groups * n_ages
    shape = (n_groups, n_ages)

    def at_age(delta: Int64Array) -> Int64Array:
        sums = k.sum_by_key(cell, delta[inside], size).reshape(shape)
        return np.cumsum(sums, axis=1)

    cohort_periods = pd.PeriodIndex(
        pd.arrays.PeriodArray(groups // n_segments + base, dtype=pd.PeriodDtype(freq))
    )
    labels = None
    if label_frame is not None:
        labels = label_frame.iloc[groups % n_segments].reset_index(drop=True)
    return _Cells(
        cohort=cohort_periods,
        labels=labels,
        customers=customers,
        mrr_start=mrr_start,
        last_age=last_age,
        active=at_age(active_delta),
        mrr=at_age(ev.mrr_change[scope]) if "mrr" in needs else None,
        capped=at_age(_capped_delta(ev, start_mrr, starts)[scope])
        if "capped" in needs
        else None,
    )


def _capped_delta(
    ev: Any, start_mrr: Int64Array, starts: npt.NDArray[np.bool_]
) -> Int64Array:
    """Each event's change of min(MRR after it, the customer's starting MRR)."""
    capped = np.minimum(ev.mrr_after, start_mrr[ev.customer])
    out: Int64Array = capped - k.previous_in_group(capped, starts, 0)
    return out


def retention(
    ledger: Ledger,
    *,
    by: str | Sequence[str] | None = None,
    cohort: CohortGrain = "month",
    max_age: int | None = None,
) -> pd.DataFrame:
    """
    Return logo and revenue retention per cohort and age, one row per cell.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.
    by : str or sequence of str, optional
        Customer attributes to split each cohort by (as for
        `subscription_metrics.ledger.bridge`). Customers without a value form
        a segment of their own; nobody is dropped, so the segments' cohort
        sizes add up to the cohort's.
    cohort : {'month', 'quarter', 'year'}, default 'month'
        Calendar period that groups customers by their first active month.
    max_age : int, optional
        Last age (in months) to show; by default every observed age.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (and segment) and age, sorted by them, with a
        default index and the columns:

        - ``cohort``: `pandas.Period` of the cohort's grain;
        - the `by` attributes, if any;
        - ``age``: calendar months since each customer's first active month
          (0 = that month);
        - ``customers``: cohort size;
        - ``customers_active``: customers active at the end of age ``age``
          (per ``conventions.zero_mrr``; returning customers count again);
        - ``logo_retention``: ``customers_active / customers``;
        - ``mrr_start``: the cohort's MRR at age 0 (its new MRR);
        - ``mrr``: the cohort's MRR at age ``age``, expansion, contraction
          and reactivation included;
        - ``net_revenue_retention``: ``mrr / mrr_start``;
        - ``gross_revenue_retention``: the sum over the cohort's customers of
          ``min(mrr at age, mrr at age 0)``, divided by ``mrr_start``: each
          customer is capped at its starting MRR at the end point (SaaS
          Capital), so it never exceeds 1 nor ``net_revenue_retention``.

        Counts and money are int64 (money in minor units of
        ``ledger.currency``); ratios are float64, NaN where ``mrr_start`` is
        0 (a cohort of zero-MRR customers under ``zero_mrr='active'``).

    Raises
    ------
    ValueError
        If `cohort` is not a known grain or `max_age` is negative.
    TypeError
        If `max_age` is not an int or `by` is not a name or names.
    InvalidTableError
        If a `by` attribute is unknown or varies within a customer.

    Notes
    -----
    A cell is shown only when it is observed for *every* customer of its row
    group (cohort, and segment when `by` is given): ages up to
    ``ledger.last_month`` minus the latest first month in the group. So a
    monthly cohort is shown through the ledger's last month, while in a
    quarter cohort whose last customer joined in its third month the two
    last ages are not shown. Unobserved cells are absent, never 0.

    The cohort is the first active month *in the ledger*; customers already
    active in ``ledger.first_month`` of monthly MRR rows may have started
    before the data begins. Customers never active (for instance only
    zero-MRR plans under ``zero_mrr='churned'``) are in no cohort.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, cohorts
    >>> rows = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "b", "c", "c"],
    ...     "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-03", "2024-01",
    ...                              "2024-03", "2024-02", "2024-03"], freq="M"),
    ...     "mrr": [100, 150, 150, 100, 80, 50, 40], "currency": "USD"})
    >>> table = cohorts.retention(Ledger.from_monthly_mrr(rows))
    >>> table[["cohort", "age", "customers", "customers_active", "mrr"]]
        cohort  age  customers  customers_active  mrr
    0  2024-01    0          2                 2  200
    1  2024-01    1          2                 1  150
    2  2024-01    2          2                 2  230
    3  2024-02    0          1                 1   50
    4  2024-02    1          1                 1   40
    >>> table[["net_revenue_retention", "gross_revenue_retention"]].round(2)
       net_revenue_retention  gross_revenue_retention
    0                   1.00                      1.0
    1                   0.75                      0.5
    2                   1.15                      0.9
    3                   1.00                      1.0
    4                   0.80                      0.8
    """
    names = _names(by)
    cells = _cells(ledger, names, cohort, max_age)
    return _retention_frame(cells, names, ledger.currency)


def _retention_frame(
    cells: _Cells, names: list[str], currency: str | None
) -> pd.DataFrame:
    """Finish `retention`: one row per observed cell of `cells`."""
    row, age = np.nonzero(cells.observed)  # row-major: by group, then age
    data: dict[str, object] = {"cohort": cells.cohort.take(row)}
    if cells.labels is not None:
        for name in names:
            data[name] = cells.labels[name].take(row).reset_index(drop=True)
    data["age"] = age.astype(np.int64)
    for name in RETENTION_COLUMNS:
        data[name] = cells.column(name)[row, age]
    out = pd.DataFrame(data)
    out.attrs["currency"] = currency
    return out


def triangle(
    ledger: Ledger,
    *,
    value: str = "logo_retention",
    by: str | Sequence[str] | None = None,
    cohort: CohortGrain = "month",
    max_age: int | None = None,
) -> pd.DataFrame:
    """
    Return one retention column as a cohort x age triangle.

    Parameters
    ----------
    ledger : Ledger
        The ledger to read.
    value : str, default 'logo_retention'
        Which column of `retention` to show: one of `RETENTION_COLUMNS`.
    by, cohort, max_age
        As for `retention`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``cohort`` (and the `by` attributes), with one column per
        age ``0 .. N`` (columns named ``age``). A cell not yet observed for
        every customer of its row is missing, never 0: NaN for the ratios,
        ``pd.NA`` in a nullable ``Int64`` column for counts and money (which
        stay exact).

    Raises
    ------
    ValueError
        If `value` is not a column of `retention`, or as for `retention`.
    TypeError, InvalidTableError
        As for `retention`.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, cohorts
    >>> rows = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b", "b", "c", "c"],
    ...     "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-03", "2024-01",
    ...                              "2024-03", "2024-02", "2024-03"], freq="M"),
    ...     "mrr": [100, 150, 150, 100, 80, 50, 40], "currency": "USD"})
    >>> led = Ledger.from_monthly_mrr(rows)
    >>> cohorts.triangle(led)
    age        0    1    2
    cohort
    2024-01  1.0  0.5  1.0
    2024-02  1.0  1.0  NaN
    >>> cohorts.triangle(led, value="mrr")
    age        0    1     2
    cohort
    2024-01  200  150   230
    2024-02   50   40  <NA>
    """
    if value not in RETENTION_COLUMNS:
        msg = f"'value' must be one of {list(RETENTION_COLUMNS)}, got {value!r}"
        raise ValueError(msg)
    names = _names(by)
    cells = _cells(ledger, names, cohort, max_age, _NEEDS.get(value, ()))
    return _triangle_frame(cells, value, names, ledger.currency)


def _triangle_frame(
    cells: _Cells, value: str, names: list[str], currency: str | None
) -> pd.DataFrame:
    """Finish `triangle`: `value` per group and age, unobserved cells masked."""
    values = cells.column(value)
    n_ages = values.shape[1]
    columns = pd.Index(np.arange(n_ages, dtype=np.int64), name="age")
    index: pd.Index
    if cells.labels is None:
        index = cells.cohort.rename("cohort")
    else:
        arrays: list[pd.Index] = [cells.cohort]
        arrays += [pd.Index(cells.labels[name]) for name in names]
        index = pd.MultiIndex.from_arrays(arrays, names=["cohort", *names])
    observed = cells.observed
    if value in _RATIOS:
        return pd.DataFrame(
            np.where(observed, values, np.nan), index=index, columns=columns
        )
    frame = pd.DataFrame(values, index=index, columns=columns).astype("Int64")
    frame = frame.where(pd.DataFrame(observed, index=index, columns=columns))
    frame.attrs["currency"] = currency
    return frame
