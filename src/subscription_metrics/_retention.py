"""Customer-by-customer revenue retention: MRR in month M against month M - 12."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ._ledger import Ledger

__all__ = ["customer_mrr_at", "retained_against_earlier"]

Int64Array = npt.NDArray[np.int64]


def _walk(
    ledger: Ledger, months: Sequence[int], position: npt.NDArray[np.intp] | None = None
) -> Iterator[tuple[int, Int64Array]]:
    """
    Yield ``(month, mrr)`` for the distinct `months` in ascending order.

    ``mrr[position[c]]`` is customer ``c``'s MRR at the end of the month (its
    last event on or before it); `position` permutes customers (identity by
    default). One walk over the months applies each month's events once, so
    the work grows with the events plus one pass over the customers per month
    read, never with a search per customer and month. The array yielded is
    updated in place by the walk: read it before the next step.
    """
    ev = ledger._events
    n_customers = len(ledger.customers)
    mrr = np.zeros(n_customers, np.int64)
    wanted = sorted(set(months))
    if not len(ev.month):
        for month in wanted:
            yield month, mrr
        return
    base = int(ev.month.min())
    # Events by month (each customer has at most one per month): a stable
    # radix sort of the small month offsets.
    offset = ev.month - base
    narrow = offset.astype(np.int16) if int(offset.max()) < 2**15 else offset
    by_month = np.argsort(narrow, kind="stable")
    bounds = np.searchsorted(narrow[by_month], np.arange(int(offset.max()) + 2))
    customer = ev.customer[by_month]
    where = customer if position is None else position[customer]
    after = ev.mrr_after[by_month]
    del by_month, narrow, offset, customer
    done = 0  # events of months before `done` (offsets) are applied
    for month in wanted:
        upto = min(max(month - base + 1, 0), len(bounds) - 1)
        for step in range(done, upto):  # one month's events at a time
            lo, hi = bounds[step], bounds[step + 1]
            mrr[where[lo:hi]] = after[lo:hi]
        done = max(done, upto)
        yield month, mrr


def customer_mrr_at(ledger: Ledger, months: Sequence[int]) -> dict[int, Int64Array]:
    """Return every customer's MRR at the end of each month (month ordinals)."""
    return {month: mrr.copy() for month, mrr in _walk(ledger, months)}


def retained_against_earlier(
    ledger: Ledger,
    segment_of_customer: Int64Array,
    n_segments: int,
    months: Int64Array,
    *,
    lag: int = 12,
) -> tuple[Int64Array, Int64Array, Int64Array]:
    """
    Sum base, retained and capped MRR per segment, each month against `lag` earlier.

    For month M: ``base`` is the MRR in month M - lag of customers paying then;
    ``retained`` is those customers' MRR in month M (whatever happened in
    between, so a customer who left and came back counts); ``capped`` caps
    each of them at its earlier MRR (SaaS Capital's gross retention).

    Customers are laid out by segment once, so each month's sums are exact
    int64 sums over contiguous runs; a snapshot of month M - lag is kept only
    until month M has been read.
    """
    if lag < 1:
        msg = f"'lag' must be at least 1 month, got {lag!r}"
        raise ValueError(msg)
    shape = (n_segments, len(months))
    base = np.zeros(shape, np.int64)
    retained = np.zeros(shape, np.int64)
    capped = np.zeros(shape, np.int64)
    wanted = [int(m) for m in months]
    if not wanted or not n_segments:
        return base, retained, capped
    columns: dict[int, list[int]] = {}
    for column, month in enumerate(wanted):
        columns.setdefault(month, []).append(column)
    earlier_of = {month - lag: month for month in columns}
    by_segment = np.argsort(segment_of_customer, kind="stable")
    position = np.empty(len(by_segment), np.intp)
    position[by_segment] = np.arange(len(by_segment))
    counts = np.bincount(segment_of_customer, minlength=n_segments)
    edges = np.cumsum(counts) - counts  # each segment's first position
    del by_segment

    # Only customers paying in month M - lag count in any of the three sums
    # (MRR is >= 0, so min(mrr, 0) is 0): each snapshot keeps their
    # positions, their MRR then, and where each segment's run of them starts.
    kept: dict[int, _Snapshot] = {}
    for month, mrr in _walk(ledger, [*columns, *earlier_of], position):
        if month in columns:
            paying, earlier, present, starts = kept.pop(month - lag)  # lag >= 1
            values = np.zeros((3, n_segments), np.int64)
            if len(paying):
                now = mrr[paying]
                values[0, present] = np.add.reduceat(earlier, starts, dtype=np.int64)
                values[1, present] = np.add.reduceat(now, starts)
                np.minimum(now, earlier, out=now)
                values[2, present] = np.add.reduceat(now, starts)
            for column in columns[month]:
                base[:, column], retained[:, column], capped[:, column] = values
        if month in earlier_of:
            paying = np.flatnonzero(mrr > 0)
            first = np.searchsorted(paying, edges)
            present = np.flatnonzero(np.diff(np.append(first, len(paying))))
            # int32 halves the snapshot when every MRR fits.
            snapshot = mrr[paying]
            narrow = len(snapshot) and int(snapshot.max()) < 2**31
            kept[month] = (
                paying,
                snapshot.astype(np.int32) if narrow else snapshot,
                present,
                first[present],
            )
    return base, retained, capped


_Snapshot = tuple[
    npt.NDArray[np.intp],
    npt.NDArray[np.integer[Any]],
    npt.NDArray[np.intp],
    npt.NDArray[np.intp],
]
