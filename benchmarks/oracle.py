"""Slow, obvious customer-by-month oracle of the MRR bridge (small data only).

Pure Python loops, written to be read, not to be fast: for every customer and
every calendar month it computes the customer's MRR, then classifies each
customer-month by comparing it with the month before. It is the reference the
DuckDB baseline (``baseline_duckdb.py``) and the library (``ledger.bridge``)
are checked against in the benchmark harness and in
``tests/test_benchmarks_baseline.py``.

Semantics (the library's defaults):

* a span counts in calendar month ``m`` iff ``month(start) <= m < month(end)``;
  ``end`` NaT = open-ended;
* a monthly row counts in its month; rows of one customer-month add up;
* customer MRR in a month = the sum of what counts; active iff MRR > 0;
* inactive -> active is "new" if the customer was never active before, else
  "reactivation"; active -> inactive is churn (amount = previous MRR);
  active -> active with more MRR is expansion, with less is contraction;
* months reported: first month any customer is active .. ``through``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from subscription_metrics.ledger import BRIDGE_COLUMNS as LIBRARY_BRIDGE_COLUMNS

__all__ = [
    "BRIDGE_COLUMNS",
    "bridge_monthly_rows",
    "bridge_spans",
    "empty_bridge",
    "month_index",
]

BRIDGE_COLUMNS: tuple[str, ...] = LIBRARY_BRIDGE_COLUMNS  # names only


def month_index(ordinals: Sequence[int] | np.ndarray) -> pd.PeriodIndex:
    """Monthly PeriodIndex named ``month`` from ordinals (months since 1970-01)."""
    values = np.asarray(ordinals, dtype=np.int64)
    array = pd.arrays.PeriodArray(values, dtype=pd.PeriodDtype("M"))
    return pd.PeriodIndex(array, name="month")


def empty_bridge() -> pd.DataFrame:
    """A bridge with no months (same index type and columns)."""
    index = month_index([])
    return pd.DataFrame(
        {c: pd.Series([], dtype="int64", index=index) for c in BRIDGE_COLUMNS},
        index=index,
    )


def _month_number(value: Any) -> int:
    """Absolute month number (year * 12 + month - 1) of a Timestamp or Period."""
    return int(value.year) * 12 + int(value.month) - 1


def _is_missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def bridge_spans(spans: pd.DataFrame, *, through: pd.Period) -> pd.DataFrame:
    """The MRR bridge of subscription spans, one customer-month at a time."""
    subs: dict[Hashable, list[tuple[int, int | None, int]]] = defaultdict(list)
    for customer, start, end, mrr in zip(
        spans["customer_id"].tolist(),
        spans["start"].tolist(),
        spans["end"].tolist(),
        spans["mrr"].tolist(),
        strict=True,
    ):
        end_month = None if _is_missing(end) else _month_number(end)
        subs[customer].append((_month_number(start), end_month, int(mrr)))
    if not subs:
        return empty_bridge()
    lo = min(s[0] for spans_of in subs.values() for s in spans_of)
    hi = _month_number(through)
    months = list(range(lo, hi + 1))
    mrr_by_customer: dict[Hashable, list[int]] = {}
    for customer, spans_of in subs.items():
        row = []
        for m in months:
            total = 0
            for start_m, end_m, mrr in spans_of:
                if start_m <= m and (end_m is None or m < end_m):
                    total += mrr
            row.append(total)
        mrr_by_customer[customer] = row
    return _bridge(mrr_by_customer.values(), lo, hi)


def bridge_monthly_rows(rows: pd.DataFrame, *, through: pd.Period) -> pd.DataFrame:
    """The MRR bridge of monthly MRR rows, one customer-month at a time."""
    month_values = rows["month"]
    if isinstance(month_values.dtype, pd.PeriodDtype):
        month_list = [_month_number(p) for p in month_values.tolist()]
    else:
        month_list = [_month_number(t) for t in month_values.tolist()]
    totals: dict[Hashable, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for customer, m, mrr in zip(
        rows["customer_id"].tolist(), month_list, rows["mrr"].tolist(), strict=True
    ):
        totals[customer][m] += int(mrr)
    if not totals:
        return empty_bridge()
    lo = min(min(by_month) for by_month in totals.values())
    hi = _month_number(through)
    months = list(range(lo, hi + 1))
    series = [[by_month.get(m, 0) for m in months] for by_month in totals.values()]
    return _bridge(series, lo, hi)


def _bridge(series: Iterable[list[int]], lo: int, hi: int) -> pd.DataFrame:
    """Classify every customer-month; ``series[c][i]`` is the MRR in month lo+i."""
    series = list(series)
    n_months = hi - lo + 1
    active_months = [i for row in series for i in range(n_months) if row[i] > 0]
    if n_months <= 0 or not active_months:
        return empty_bridge()
    first = min(active_months)
    records = []
    for i in range(first, n_months):
        rec = dict.fromkeys(BRIDGE_COLUMNS, 0)
        for row in series:
            cur = row[i]
            prev = row[i - 1] if i > 0 else 0
            was_active = prev > 0
            is_active = cur > 0
            ever_active_before = any(v > 0 for v in row[:i])
            if was_active:
                rec["mrr_at_start"] += prev
                rec["customers_at_start"] += 1
            if is_active:
                rec["mrr_at_end"] += cur
                rec["customers_at_end"] += 1
            if is_active and not was_active:
                if ever_active_before:
                    rec["reactivation_mrr"] += cur
                    rec["customers_reactivated"] += 1
                else:
                    rec["new_mrr"] += cur
                    rec["customers_new"] += 1
            elif was_active and not is_active:
                rec["churned_mrr"] += prev
                rec["customers_lost"] += 1
            elif was_active and is_active and cur > prev:
                rec["expansion_mrr"] += cur - prev
                rec["customers_expanded"] += 1
            elif was_active and is_active and cur < prev:
                rec["contraction_mrr"] += prev - cur
                rec["customers_contracted"] += 1
        records.append(rec)
    index = month_index([lo + i - 1970 * 12 for i in range(first, n_months)])
    frame = pd.DataFrame.from_records(
        records, index=index, columns=list(BRIDGE_COLUMNS)
    )
    return frame.astype("int64")
