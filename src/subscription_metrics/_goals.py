"""Private kernels of the goal-setting rules: credit, clawback and pooled churn."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from ._kernels import search_sorted

__all__ = [
    "NEVER",
    "allocate",
    "clawbacks",
    "next_loss",
    "pooled_rates",
    "ramp_capacity",
]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Month ordinal of a loss that never happened (larger than any real month).
NEVER: Final = np.iinfo(np.int64).max // 4


def next_loss(
    customer: IntArray,
    month: IntArray,
    loss_customer: IntArray,
    loss_month: IntArray,
) -> IntArray:
    """
    Return, for each (customer, month), the month of its first loss after it.

    A loss in month L means the customer paid through month L - 1. Losses
    are matched strictly after `month` (a deal won in the month of a loss
    answers to the next loss). `NEVER` where there is none; customers coded
    -1 (not in the ledger) are never lost.
    """
    out = np.full(len(customer), NEVER, np.int64)
    if not len(loss_customer) or not len(customer):
        return out
    width = np.int64(2**32)
    keys = loss_customer * width + loss_month
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    query = customer * width + month
    position = search_sorted(keys, query, "right")
    inside = (customer >= 0) & (position < len(keys))
    chosen = order[np.minimum(position, len(keys) - 1)]
    inside &= loss_customer[chosen] == customer
    out[inside] = loss_month[chosen[inside]]
    return out


def clawbacks(
    credit: FloatArray,
    realised: FloatArray,
    months_paid: IntArray,
    *,
    clawback_months: int,
    clawback_share: float,
) -> FloatArray:
    """
    Return the credit taken back for each deal (0 where none is).

    A deal whose customer is lost after `months_paid` months, with
    ``0 < clawback_months`` and ``months_paid <= clawback_months``, gives
    back ``clawback_share`` of what it had not yet earned:
    ``max(credit - realised, 0)``. The result is never negative and never
    more than `credit`.
    """
    unearned = np.clip(credit - realised, 0.0, credit)
    lost = (clawback_months > 0) & (months_paid <= clawback_months)
    return np.where(lost, clawback_share * unearned, 0.0)


def pooled_rates(
    events: FloatArray,
    exposure: FloatArray,
    parent: IntArray,
    *,
    prior_months: float,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """
    Return gamma posterior (shape, rate, mean) of every node's monthly hazard.

    Nodes are ordered so that each parent comes before its children;
    ``parent[i] == -1`` marks the root, whose prior is flat (shape and rate
    0, the pooled rate itself). A child's prior is a gamma with mean its
    parent's posterior mean and the weight of `prior_months` customer-months,
    so its posterior mean is
    ``(events + prior_months * parent_mean) / (exposure + prior_months)``:
    a node with little exposure stays near its parent, one with much
    exposure follows its own data.
    """
    n = len(events)
    shape = np.zeros(n, np.float64)
    rate = np.zeros(n, np.float64)
    mean = np.full(n, np.nan, np.float64)
    depth = np.zeros(n, np.int64)
    for i in range(n):  # one pass per node of the segment tree, not per row
        depth[i] = 0 if parent[i] < 0 else depth[parent[i]] + 1
    for level in range(int(depth.max()) + 1 if n else 0):
        at = np.flatnonzero(depth == level)
        if level == 0:
            shape[at], rate[at] = events[at], exposure[at]
        else:
            prior_mean = mean[parent[at]]
            shape[at] = events[at] + prior_months * prior_mean
            rate[at] = exposure[at] + prior_months
        with np.errstate(invalid="ignore", divide="ignore"):
            mean[at] = np.where(rate[at] > 0, shape[at] / rate[at], np.nan)
    return shape, rate, mean


def ramp_capacity(
    tenure_start: IntArray,
    tenure_end: IntArray,
    period_start: int,
    months: int,
    ramp_months: int,
) -> FloatArray:
    """
    Return each person's capacity over a period, in full-time months.

    `tenure_start` and `tenure_end` are month ordinals of the first month in
    the role and the first month out of it (exclusive). In the k-th month
    in the role (k = 1, 2, ...) a person works at ``min(k / ramp_months, 1)``
    of full capacity (full from the first month when ``ramp_months`` is 0),
    and at 0 outside the role.
    """
    month = period_start + np.arange(months, dtype=np.int64)
    k = month[None, :] - tenure_start[:, None] + 1
    inside = (k >= 1) & (month[None, :] < tenure_end[:, None])
    share = np.ones(k.shape) if ramp_months == 0 else np.minimum(k / ramp_months, 1.0)
    capacity: FloatArray = np.where(inside, share, 0.0).sum(axis=1)
    return capacity


def allocate(total: int, weights: FloatArray) -> IntArray:
    """
    Split an integer `total` in proportion to `weights`, adding up exactly.

    Largest remainder: every share is rounded down, and the units left go
    one each to the largest remainders (the earliest row among ties). All
    zero where every weight is 0 (nothing can carry the total).
    """
    n = len(weights)
    out = np.zeros(n, np.int64)
    whole = float(weights.sum())
    if n == 0 or whole <= 0 or total == 0:
        return out
    exact = np.asarray(weights, np.float64) / whole * total
    out = np.floor(exact).astype(np.int64)
    left = int(total - int(out.sum()))
    if left:
        order = np.lexsort((np.arange(n), -(exact - out)))
        out[order[:left]] += 1
    return out
