"""Customer-by-customer revenue retention: MRR in month M against month M - 12."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from . import _kernels as k
from ._ledger import Ledger

__all__ = ["customer_mrr_at", "retained_against_earlier"]


def customer_mrr_at(
    ledger: Ledger, months: Sequence[int]
) -> dict[int, npt.NDArray[np.int64]]:
    """
    Return every customer's MRR at the end of each month (month ordinals).

    Reads the last event of each customer on or before the month: one binary
    search per customer over the ledger's sorted events, no customer x month
    table. The search key is built once for all months.
    """
    ev = ledger._events
    n_customers = len(ledger.customers)
    if not len(ev.month):
        return {month: np.zeros(n_customers, np.int64) for month in months}
    base = int(ev.month.min())
    span = int(ev.month.max()) - base + 2
    key = ev.customer * span + (ev.month - base)
    first_key = np.arange(n_customers, dtype=np.int64) * span
    out: dict[int, npt.NDArray[np.int64]] = {}
    for month in sorted(set(months)):  # one pass per distinct month
        offset = min(max(month - base, -1), span - 1)
        position = np.searchsorted(key, first_key + offset, side="right") - 1
        found = position >= 0
        # The event found must be the customer's own, not the previous one's.
        found[found] = ev.customer[position[found]] == np.flatnonzero(found)
        mrr = np.zeros(n_customers, np.int64)
        mrr[found] = ev.mrr_after[position[found]]
        out[month] = mrr
    return out


def retained_against_earlier(
    ledger: Ledger,
    segment_of_customer: npt.NDArray[np.int64],
    n_segments: int,
    months: npt.NDArray[np.int64],
    *,
    lag: int = 12,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """
    Sum base, retained and capped MRR per segment, each month against `lag` earlier.

    For month M: ``base`` is the MRR in month M - lag of customers paying then;
    ``retained`` is those customers' MRR in month M (whatever happened in
    between, so a customer who left and came back counts); ``capped`` caps
    each of them at its earlier MRR (SaaS Capital's gross retention).
    """
    shape = (n_segments, len(months))
    base = np.zeros(shape, np.int64)
    retained = np.zeros(shape, np.int64)
    capped = np.zeros(shape, np.int64)
    wanted = [int(m) for m in months]
    snapshot = customer_mrr_at(ledger, wanted + [m - lag for m in wanted])
    for column, month in enumerate(wanted):
        earlier, now = snapshot[month - lag], snapshot[month]
        paying = earlier > 0
        segment = segment_of_customer[paying]
        base[:, column] = k.sum_by_key(segment, earlier[paying], n_segments)
        retained[:, column] = k.sum_by_key(segment, now[paying], n_segments)
        kept = np.minimum(now[paying], earlier[paying])
        capped[:, column] = k.sum_by_key(segment, kept, n_segments)
    return base, retained, capped
