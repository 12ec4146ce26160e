"""A slow, obvious customer-by-month ledger, written from the definitions.

It shares no code with the library: it walks every customer through every
calendar month with plain Python dates and integers, so the fast vectorised
ledger can be checked against it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from subscription_metrics import Conventions, ledger

COLUMNS = list(ledger.BRIDGE_COLUMNS)  # the names only; no logic is shared


def month_days(period: pd.Period) -> tuple[dt.date, dt.date]:
    """First and last day of a month."""
    first = dt.date(period.year, period.month, 1)
    nxt = (period + 1).start_time.date()
    return first, nxt - dt.timedelta(days=1)


def counts_in(
    start: dt.date, end: dt.date | None, period: pd.Period, snapshot: str
) -> bool:
    """Whether a subscription [start, end) counts in the month, by definition."""
    first, last = month_days(period)
    # 'end': active at the end of the month, i.e. during its last day.
    # 'start': active on the first day of the month.
    day = last if snapshot == "end" else first
    return start <= day and (end is None or end > day)


def customer_months_from_spans(
    subs: pd.DataFrame, months: list[pd.Period], conventions: Conventions
) -> dict[str, list[tuple[int, int]]]:
    """(mrr, active subscriptions) of each customer in each month."""
    state: dict[str, list[tuple[int, int]]] = {}
    records = subs.to_dict("records")
    for customer in sorted(set(subs["customer_id"])):
        row = []
        for period in months:
            mrr = count = 0
            for sub in records:
                if sub["customer_id"] != customer:
                    continue
                start = sub["start"].date()
                end = None if pd.isna(sub["end"]) else sub["end"].date()
                if counts_in(start, end, period, conventions.mrr_snapshot):
                    mrr += int(sub["mrr"])
                    count += 1
            row.append((mrr, count))
        state[customer] = row
    return state


def customer_months_from_rows(
    rows: pd.DataFrame, months: list[pd.Period]
) -> dict[str, list[tuple[int, int]]]:
    """(mrr, 1 if any row else 0) of each customer in each month."""
    state: dict[str, list[tuple[int, int]]] = {}
    for customer in sorted(set(rows["customer_id"])):
        mine = rows[rows["customer_id"] == customer]
        row = []
        for period in months:
            these = mine[mine["month"] == period]
            row.append((int(these["mrr"].sum()), 1 if len(these) else 0))
        state[customer] = row
    return state


def bridge(
    state: dict[str, list[tuple[int, int]]],
    months: list[pd.Period],
    conventions: Conventions,
    show_from: int = 0,
) -> tuple[pd.DataFrame, list[tuple[str, pd.Period, str, int]]]:
    """The bridge and the movements, walking each customer month by month."""

    def active(mrr: int, count: int) -> bool:
        return mrr > 0 if conventions.zero_mrr == "churned" else count > 0

    rows = {m: dict.fromkeys(COLUMNS, 0) for m in months}
    moves: list[tuple[str, pd.Period, str, int]] = []
    window = conventions.reactivation_window_months
    for customer, series in state.items():
        prev_mrr, prev_active, ever_active, churned_at = 0, False, False, None
        for i, period in enumerate(months):
            mrr, count = series[i]
            now_active = active(mrr, count)
            row = rows[period]
            row["mrr_at_start"] += prev_mrr
            row["mrr_at_end"] += mrr
            row["customers_at_start"] += prev_active
            row["customers_at_end"] += now_active
            kind = None
            if now_active and not prev_active:
                returning = ever_active and (
                    window is None or i - churned_at <= window  # type: ignore[operator]
                )
                kind = "reactivation" if returning else "new"
                ever_active = True
            elif prev_active and not now_active:
                kind, churned_at = "churn", i
            elif now_active and mrr > prev_mrr:
                kind = "expansion"
            elif now_active and mrr < prev_mrr:
                kind = "contraction"
            if kind == "new":
                row["new_mrr"] += mrr
                row["customers_new"] += 1
            elif kind == "reactivation":
                row["reactivation_mrr"] += mrr
                row["customers_reactivated"] += 1
            elif kind == "churn":
                row["churned_mrr"] += prev_mrr
                row["customers_lost"] += 1
            elif kind == "expansion":
                row["expansion_mrr"] += mrr - prev_mrr
                row["customers_expanded"] += 1
            elif kind == "contraction":
                row["contraction_mrr"] += prev_mrr - mrr
                row["customers_contracted"] += 1
            if kind is not None:
                moves.append((customer, period, kind, mrr - prev_mrr))
            prev_mrr, prev_active = mrr, now_active
    shown = months[show_from:]
    frame = pd.DataFrame([rows[m] for m in shown], columns=COLUMNS, dtype="int64")
    frame.index = pd.PeriodIndex(shown, freq="M", name="month")
    moves = [move for move in moves if move[1] >= shown[0]] if shown else []
    return frame, moves
