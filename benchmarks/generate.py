"""Synthetic subscription data for the MRR-ledger benchmarks.

Two inputs, both vectorised numpy (no Python loop per customer or per row):

* ``generate_spans``: subscription spans (``subscription_id, customer_id, start,
  end, mrr, currency``) for ``n_customers`` customers over 36 months
  (2023-11 .. 2026-10), about 3 spans per customer: plan changes (one span ends
  and the next starts the same day), cancellations, win-backs after a gap,
  concurrent add-on subscriptions and open-ended spans (``end`` is NaT).
* ``generate_monthly_rows``: one row per active customer-month (``customer_id,
  month, mrr, currency``), about 50% fill of customers x 36 months, with 3%
  monthly churn, 4% expansion, 2% contraction, 3% win-back, a few duplicate
  rows of one customer-month (which must add up) and a few zero-MRR trial rows.

Rows are handed over shuffled. Money is int64 cents in ``USD``. Both functions
are deterministic for a given ``seed``.

Run as a script to print a summary::

    .venv/bin/python benchmarks/generate.py --customers 1000000 --input spans
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

__all__ = [
    "FIRST_MONTH",
    "N_MONTHS",
    "THROUGH",
    "generate_monthly_rows",
    "generate_spans",
    "summarize_spans",
]

#: First calendar month of the synthetic history.
FIRST_MONTH = np.datetime64("2023-11", "M")
#: Number of months generated (2023-11 .. 2026-10).
N_MONTHS = 36
#: Last month of the synthetic history; the benchmarks bridge through it.
THROUGH = pd.Period("2026-10", "M")

_DAYS_PER_MONTH = 30.436875
_MEDIAN_MRR_CENTS = 12_000.0  # $120
_MRR_SIGMA = 0.8
_SHARE_AT_MONTH_0 = 0.30

# Spans: monthly hazards of the end of a span, split into plan change / cancel;
# tuned for ~3 spans per customer and ~1/3 of customers open-ended at the end.
_H_CHANGE = 0.13
_H_CANCEL = 0.08
_P_UPGRADE = 2.0 / 3.0  # 4% expansion vs 2% contraction in the rows model
_P_WINBACK = 0.35  # a cancelled customer comes back (after a gap)
_GAP_MIN_DAYS = 20
_GAP_MEAN_DAYS = 180.0
_P_ADDON = 0.30
_ADDON_MEDIAN_CENTS = 3_000.0
_ADDON_MEAN_DAYS = 360.0
_P_OPEN_ENDED = 0.85  # a span running past the horizon has NaT end (else a fixed term)
_MAX_CHAIN = 16  # main-subscription spans simulated per customer
_CHUNK = 250_000  # customers simulated at once (bounds the working memory)

# Monthly rows: per active customer-month / per churned customer-month.
_P_CHURN = 0.03
_P_EXPANSION = 0.04
_P_CONTRACTION = 0.02
_P_ROW_WINBACK = 0.03
_P_DUPLICATE = 0.002  # share of rows split into two rows of the same customer-month
_P_TRIAL = 0.01  # share of late arrivals with a zero-MRR row the month before


def _month_start_days() -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the first day of each month + 1."""
    months = FIRST_MONTH + np.arange(N_MONTHS + 1)
    return months.astype("datetime64[D]").astype(np.int64)


def _arrival_months(rng: np.random.Generator, n: int) -> np.ndarray:
    """30% of customers present at month 0, the rest arriving evenly after."""
    later = rng.integers(1, N_MONTHS, n)
    return np.where(rng.random(n) < _SHARE_AT_MONTH_0, 0, later)


def _string_column(values: np.ndarray, prefix: str, width: int) -> pd.Series:
    """``prefix`` + zero-padded ``values`` as a pandas ``str`` column."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dev dependency
        text = np.strings.zfill(values.astype(np.dtypes.StringDType()), width)
        return pd.Series(np.strings.add(prefix, text), dtype="str")
    arr = pc.binary_join_element_wise(
        prefix, pc.utf8_lpad(pc.cast(pa.array(values), pa.string()), width, "0"), ""
    )
    dtype = pd.Series(["x"]).dtype  # the default "str" dtype of this pandas
    return pd.Series(arr.to_pandas(types_mapper={pa.string(): dtype}.get))


def _constant_str(value: str, n: int) -> pd.Series:
    """A ``str`` column of ``n`` copies of ``value`` (built without a Python list)."""
    try:
        import pyarrow as pa
    except ImportError:  # pragma: no cover
        return pd.Series(np.full(n, value), dtype="str")
    arr = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(n, np.int8)), pa.array([value])
    ).dictionary_decode()
    dtype = pd.Series(["x"]).dtype
    return pd.Series(arr.to_pandas(types_mapper={pa.string(): dtype}.get))


def _chain_chunk(
    rng: np.random.Generator, first_start: np.ndarray, log_mrr0: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simulate the main subscription chain of a block of customers.

    Returns flat arrays (customer position in the block, start day, end day,
    mrr) of the chain spans that exist and start before the horizon; end days
    are not yet censored.
    """
    n, k = first_start.size, _MAX_CHAIN
    h = _H_CHANGE + _H_CANCEL
    dur = np.ceil(rng.exponential(_DAYS_PER_MONTH / h, (n, k))).astype(np.int64)
    cancel = rng.random((n, k)) < _H_CANCEL / h
    winback = rng.random((n, k)) < _P_WINBACK
    gap = np.where(
        cancel,
        _GAP_MIN_DAYS + rng.exponential(_GAP_MEAN_DAYS, (n, k)).astype(np.int64),
        0,
    )
    up = rng.random((n, k)) < _P_UPGRADE
    factor = np.where(
        cancel,
        rng.uniform(0.8, 1.25, (n, k)),
        np.where(up, rng.uniform(1.05, 1.6, (n, k)), rng.uniform(0.5, 0.95, (n, k))),
    )
    # span j+1 starts when span j ends (plan change) or after the gap (win-back)
    step = dur + gap
    offset = np.zeros((n, k), np.int64)
    np.cumsum(step[:, :-1], axis=1, out=offset[:, 1:])
    start = first_start[:, None] + offset
    end = start + dur
    log_mrr = np.empty((n, k))
    log_mrr[:, 0] = log_mrr0
    np.cumsum(np.log(factor[:, :-1]), axis=1, out=log_mrr[:, 1:])
    log_mrr[:, 1:] += log_mrr0[:, None]
    terminal = cancel & ~winback
    ended_before = np.zeros((n, k), np.int64)
    np.cumsum(terminal[:, :-1], axis=1, out=ended_before[:, 1:])
    horizon = _month_start_days()[-1]
    keep = (ended_before == 0) & (start < horizon)
    rows, cols = np.nonzero(keep)
    mrr = np.maximum(np.rint(np.exp(log_mrr[rows, cols])), 1).astype(np.int64)
    return rows, start[rows, cols], end[rows, cols], mrr


def generate_spans(
    n_customers: int, *, seed: int = 0, string_ids: bool = False
) -> pd.DataFrame:
    """Subscription spans for ``n_customers`` customers, shuffled.

    Columns: ``subscription_id`` (int64, or ``"sub_00000001"`` strings),
    ``customer_id`` (int64, or ``"cus_0001234"`` strings), ``start`` and ``end``
    (datetime64, ``end`` exclusive, NaT = open-ended), ``mrr`` (int64 cents),
    ``currency`` (``"USD"``).
    """
    if n_customers < 1:
        msg = f"n_customers must be >= 1, got {n_customers!r}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    day0 = _month_start_days()
    horizon = day0[-1]
    cust_parts, start_parts, end_parts, mrr_parts = [], [], [], []
    for lo in range(0, n_customers, _CHUNK):
        n = min(_CHUNK, n_customers - lo)
        arrival = _arrival_months(rng, n)
        first_start = day0[arrival] + rng.integers(2, 27, n)  # mid-month
        log_mrr0 = np.log(_MEDIAN_MRR_CENTS) + _MRR_SIGMA * rng.standard_normal(n)
        pos, start, end, mrr = _chain_chunk(rng, first_start, log_mrr0)
        # concurrent add-on: starts during the first span, runs on its own
        has_addon = np.flatnonzero(rng.random(n) < _P_ADDON)
        a_start = first_start[has_addon] + rng.integers(0, 240, has_addon.size)
        a_end = (
            a_start
            + 1
            + rng.exponential(_ADDON_MEAN_DAYS, has_addon.size).astype(np.int64)
        )
        a_mrr = np.maximum(
            np.rint(
                _ADDON_MEDIAN_CENTS * np.exp(0.6 * rng.standard_normal(has_addon.size))
            ),
            1,
        ).astype(np.int64)
        a_keep = a_start < horizon
        cust_parts += [lo + pos, lo + has_addon[a_keep]]
        start_parts += [start, a_start[a_keep]]
        end_parts += [end, a_end[a_keep]]
        mrr_parts += [mrr, a_mrr[a_keep]]
    cust = np.concatenate(cust_parts)
    start = np.concatenate(start_parts)
    end = np.concatenate(end_parts)
    mrr = np.concatenate(mrr_parts)
    # what runs past the horizon is unknown (open-ended) unless it is a fixed term
    open_ended = (end >= horizon) & (rng.random(end.size) < _P_OPEN_ENDED)
    order = rng.permutation(cust.size)
    cust, start, end, mrr = cust[order], start[order], end[order], mrr[order]
    open_ended = open_ended[order]
    start_ts = start.astype("datetime64[D]").astype("datetime64[s]")
    end_ts = end.astype("datetime64[D]").astype("datetime64[s]")
    end_ts[open_ended] = np.datetime64("NaT")
    sub_ids = rng.permutation(cust.size).astype(np.int64) + 1
    frame = pd.DataFrame(
        {
            "subscription_id": (
                _string_column(sub_ids, "sub_", 8) if string_ids else sub_ids
            ),
            "customer_id": (
                _string_column(cust + 1, "cus_", 7) if string_ids else cust + 1
            ),
            "start": start_ts,
            "end": end_ts,
            "mrr": mrr,
            "currency": _constant_str("USD", cust.size),
        }
    )
    return frame


def generate_monthly_rows(
    n_customers: int,
    *,
    seed: int = 0,
    string_ids: bool = False,
    month_as_period: bool = False,
) -> pd.DataFrame:
    """One row per customer-month with MRR, shuffled.

    Columns: ``customer_id`` (int64 or ``"cus_0001234"``), ``month``
    (datetime64 first of month, or ``Period[M]`` with ``month_as_period``),
    ``mrr`` (int64 cents, >= 0; a few customer-months are split over two rows
    that add up, and a few zero-MRR trial rows precede an arrival),
    ``currency`` (``"USD"``).
    """
    if n_customers < 1:
        msg = f"n_customers must be >= 1, got {n_customers!r}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    n = n_customers
    arrival = _arrival_months(rng, n)
    cur = _MEDIAN_MRR_CENTS * np.exp(_MRR_SIGMA * rng.standard_normal(n))
    active = np.zeros(n, bool)
    grid = np.zeros((N_MONTHS, n), np.int64)  # month-major: contiguous writes
    for t in range(N_MONTHS):  # loop over months, vectorised over customers
        u = rng.random(n)
        was_active = active.copy()
        churn = was_active & (u < _P_CHURN)
        expand = was_active & (u >= _P_CHURN) & (u < _P_CHURN + _P_EXPANSION)
        lo = _P_CHURN + _P_EXPANSION
        contract = was_active & (u >= lo) & (u < lo + _P_CONTRACTION)
        winback = ~was_active & (arrival < t) & (u < _P_ROW_WINBACK)
        arrive = arrival == t
        cur = np.where(expand, cur * rng.uniform(1.05, 1.6, n), cur)
        cur = np.where(contract, cur * rng.uniform(0.5, 0.95, n), cur)
        cur = np.where(winback, cur * rng.uniform(0.8, 1.25, n), cur)
        active = (was_active & ~churn) | winback | arrive
        grid[t] = np.where(active, np.maximum(np.rint(cur), 1), 0).astype(np.int64)
    flat = np.flatnonzero(grid)
    month = flat // n
    cust = flat % n
    mrr = grid.ravel()[flat]
    del grid
    # duplicates: split a few customer-months over two rows that add up
    dup = np.flatnonzero(rng.random(flat.size) < _P_DUPLICATE)
    part = mrr[dup] // 3
    mrr[dup] -= part
    # zero-MRR trial rows the month before some late arrivals
    trial = np.flatnonzero((arrival > 0) & (rng.random(n) < _P_TRIAL))
    cust = np.concatenate([cust, cust[dup], trial])
    month = np.concatenate([month, month[dup], arrival[trial] - 1])
    mrr = np.concatenate([mrr, part, np.zeros(trial.size, np.int64)])
    order = rng.permutation(cust.size)
    cust, month, mrr = cust[order], month[order], mrr[order]
    month_values = (FIRST_MONTH + month).astype("datetime64[D]").astype("datetime64[s]")
    month_col: pd.Series | np.ndarray = month_values
    if month_as_period:
        month_col = pd.Series(pd.PeriodIndex(month_values, freq="M"))
    frame = pd.DataFrame(
        {
            "customer_id": (
                _string_column(cust + 1, "cus_", 7) if string_ids else cust + 1
            ),
            "month": month_col,
            "mrr": mrr,
            "currency": _constant_str("USD", cust.size),
        }
    )
    return frame


def summarize_spans(spans: pd.DataFrame) -> dict[str, float]:
    """A few shape statistics of a spans frame (for tuning and the README)."""
    n_cust = spans["customer_id"].nunique()
    open_cust = spans.loc[spans["end"].isna(), "customer_id"].nunique()
    return {
        "spans": float(len(spans)),
        "customers": float(n_cust),
        "spans_per_customer": len(spans) / n_cust,
        "share_customers_open_ended": open_cust / n_cust,
        "median_mrr_dollars": float(spans["mrr"].median()) / 100,
    }


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--input", choices=["spans", "rows"], default="spans")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--string-ids", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.input == "spans":
        frame = generate_spans(
            args.customers, seed=args.seed, string_ids=args.string_ids
        )
    else:
        frame = generate_monthly_rows(
            args.customers, seed=args.seed, string_ids=args.string_ids
        )
    elapsed = time.perf_counter() - t0
    print(f"generated {len(frame):,} {args.input} rows in {elapsed:.2f} s")
    print(frame.head())
    print(frame.dtypes)
    if args.input == "spans":
        for key, value in summarize_spans(frame).items():
            print(f"{key}: {value:,.3f}")
    else:
        per_cm = frame.groupby(["customer_id", "month"]).size()
        fill = per_cm.size / (args.customers * N_MONTHS)
        print(f"customer-months: {per_cm.size:,}; fill {fill:.3f}")


if __name__ == "__main__":
    _main()
