"""Customer-by-customer revenue retention: MRR in month M against month M - 12."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _kernels as k
from ._ledger import Ledger

__all__ = ["customer_mrr_at", "retained_against_earlier"]


def customer_mrr_at(ledger: Ledger, month: int) -> npt.NDArray[np.int64]:
    """
    Return every customer's MRR at the end of one month (a month ordinal).

    Reads the last event of each customer on or before `month`: a binary
    search per customer over the ledger's sorted events, no customer x month
    table.
    """
    ev = ledger._events
    n_customers = len(ledger.customers)
    if not len(ev.month):
        return np.zeros(n_customers, np.int64)
    base = int(ev.month.min())
    span = int(ev.month.max()) - base + 2
    key = ev.customer * span + (ev.month - base)
    offset = min(max(month - base, -1), span - 1)
    query = np.arange(n_customers, dtype=np.int64) * span + offset
    position = np.searchsorted(key, query, side="right") - 1
    found = position >= 0
    # The event found must be the customer's own, not the previous customer's.
    found[found] = ev.customer[position[found]] == np.flatnonzero(found)
    out = np.zeros(n_customers, np.int64)
    out[found] = ev.mrr_after[position[found]]
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
    for column, month in enumerate(months.tolist()):  # one pass per month
        earlier = customer_mrr_at(ledger, month - lag)
        now = customer_mrr_at(ledger, month)
        paying = earlier > 0
        segment = segment_of_customer[paying]
        base[:, column] = k.sum_by_key(segment, earlier[paying], n_segments)
        retained[:, column] = k.sum_by_key(segment, now[paying], n_segments)
        kept = np.minimum(now[paying], earlier[paying])
        capped[:, column] = k.sum_by_key(segment, kept, n_segments)
    return base, retained, capped
