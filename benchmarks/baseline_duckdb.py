"""DuckDB SQL baselines of the MRR bridge.

Two queries, each returning the same frame as ``subscription_metrics.ledger.bridge``
(index ``month``: PeriodIndex freq M; int64 columns ``BRIDGE_COLUMNS``):

* ``bridge_spans``: the dbt-labs mrr-playbook logic (``util_months``,
  ``customer_revenue_by_month``, ``customer_churn_month``, ``mrr``) ported to
  DuckDB, keeping its shape -- a customer x month spine built by a range join,
  a range join of the spine to the subscription periods, ``lag()`` over each
  customer's months, the playbook's CASE classification, sums by month -- with
  its known bugs fixed (marked ``FIX`` in the SQL):

  1. open-ended subscriptions (``end IS NULL``): ``max(end_date)`` skips NULL,
     so a customer whose only subscription is open-ended vanished and one who
     moved to an open-ended plan was shown churned; here a NULL end keeps the
     customer on the spine through ``through``;
  2. false churn of customers still active at the end of the data
     (dbt-labs/mrr-playbook PR #3): the churn row after a customer's last
     active month is only added when that month is reported (``<= through``)
     and not already on the spine;
  3. several concurrent subscriptions per customer (the playbook assumes one
     at a time and would duplicate rows): their MRR is summed per month;
  4. the spine is capped at ``through`` instead of ``current_date``.

* ``bridge_monthly_rows``: one pass of window functions (``lag``/``lead`` over
  each customer's active months) on customer-month rows.

Input frames are registered with DuckDB directly (no CSV round trip); each call
opens its own in-memory connection with ``SET threads=2``.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from subscription_metrics.ledger import BRIDGE_COLUMNS as LIBRARY_BRIDGE_COLUMNS

__all__ = ["BRIDGE_COLUMNS", "bridge_monthly_rows", "bridge_spans", "connect"]

BRIDGE_COLUMNS: tuple[str, ...] = LIBRARY_BRIDGE_COLUMNS  # names only

_THREADS = 2

# The per-month movement sums, shared by both queries' final SELECT.
_FINAL_SELECT = """
SELECT
    month_number - 1970 * 12 AS month_ordinal,
    coalesce(lag(mrr_at_end) OVER (ORDER BY month_number), 0)::BIGINT
        AS mrr_at_start,
    new_mrr, expansion_mrr, contraction_mrr, churned_mrr, reactivation_mrr,
    mrr_at_end,
    coalesce(lag(customers_at_end) OVER (ORDER BY month_number), 0)::BIGINT
        AS customers_at_start,
    customers_new, customers_reactivated, customers_lost,
    customers_expanded, customers_contracted, customers_at_end
FROM (
    SELECT
        r.month_number,
        coalesce(b.new_mrr, 0)::BIGINT AS new_mrr,
        coalesce(b.expansion_mrr, 0)::BIGINT AS expansion_mrr,
        coalesce(b.contraction_mrr, 0)::BIGINT AS contraction_mrr,
        coalesce(b.churned_mrr, 0)::BIGINT AS churned_mrr,
        coalesce(b.reactivation_mrr, 0)::BIGINT AS reactivation_mrr,
        coalesce(b.mrr_at_end, 0)::BIGINT AS mrr_at_end,
        coalesce(b.customers_new, 0)::BIGINT AS customers_new,
        coalesce(b.customers_reactivated, 0)::BIGINT AS customers_reactivated,
        coalesce(b.customers_lost, 0)::BIGINT AS customers_lost,
        coalesce(b.customers_expanded, 0)::BIGINT AS customers_expanded,
        coalesce(b.customers_contracted, 0)::BIGINT AS customers_contracted,
        coalesce(b.customers_at_end, 0)::BIGINT AS customers_at_end
    FROM report_months r
    LEFT JOIN by_month b USING (month_number)
)
ORDER BY month_number
"""

_SPANS_SQL = (
    """
WITH subscription_periods AS (
    SELECT
        customer_id,
        date_trunc('month', "start")::DATE AS start_month,
        date_trunc('month', "end")::DATE AS end_month,   -- NULL: open-ended
        mrr
    FROM spans_input
),

-- util_months: the month spine (playbook: 2018-01-01 .. current_date, exclusive)
util_months AS (
    SELECT unnest(generate_series(
        min(start_month)::TIMESTAMP, TIMESTAMP '{through}', INTERVAL 1 MONTH
    ))::DATE AS date_month
    FROM subscription_periods
),

customers AS (
    SELECT
        customer_id,
        min(start_month) AS date_month_start,
        -- FIX 1 + 4: playbook = date_trunc('month', max(end_date)), which is
        -- NULL for a customer whose only subscription is open-ended and stops
        -- too early for one who moved to an open-ended plan.
        CASE
            WHEN bool_or(end_month IS NULL) THEN DATE '{end_excl}'
            ELSE least(max(end_month), DATE '{end_excl}')
        END AS date_month_end
    FROM subscription_periods
    GROUP BY customer_id
),

-- customer x month spine: range join
customer_months AS (
    SELECT c.customer_id, m.date_month, c.date_month_end
    FROM customers AS c
    JOIN util_months AS m
        ON m.date_month >= c.date_month_start
        AND m.date_month < c.date_month_end
),

customer_revenue AS (
    SELECT
        cm.customer_id,
        cm.date_month,
        cm.date_month_end,
        -- FIX 3: sum concurrent subscriptions (playbook: one at a time)
        coalesce(sum(sp.mrr), 0)::BIGINT AS mrr
    FROM customer_months AS cm
    LEFT JOIN subscription_periods AS sp
        ON sp.customer_id = cm.customer_id
        AND sp.start_month <= cm.date_month
        AND (cm.date_month < sp.end_month OR sp.end_month IS NULL)
    GROUP BY cm.customer_id, cm.date_month, cm.date_month_end
),

customer_revenue_by_month AS (
    SELECT
        *,
        mrr > 0 AS is_active,
        min(CASE WHEN mrr > 0 THEN date_month END)
            OVER (PARTITION BY customer_id) AS first_active_month,
        max(CASE WHEN mrr > 0 THEN date_month END)
            OVER (PARTITION BY customer_id) AS last_active_month
    FROM customer_revenue
),

-- one row after each customer's last active month
customer_churn_month AS (
    SELECT
        customer_id,
        (date_month + INTERVAL 1 MONTH)::DATE AS date_month,
        0::BIGINT AS mrr,
        false AS is_active,
        false AS is_first_month
    FROM customer_revenue_by_month
    WHERE date_month = last_active_month
        -- FIX 2: not for customers still active in the last reported month,
        -- and not when the month is already on the customer's spine
        AND (date_month + INTERVAL 1 MONTH)::DATE = date_month_end
        AND date_month_end <= DATE '{through}'
),

unioned AS (
    SELECT
        customer_id, date_month, mrr, is_active,
        coalesce(date_month = first_active_month, false) AS is_first_month
    FROM customer_revenue_by_month
    UNION ALL
    SELECT * FROM customer_churn_month
),

mrr_with_changes AS (
    SELECT
        *,
        coalesce(lag(is_active) OVER w, false) AS previous_month_is_active,
        coalesce(lag(mrr) OVER w, 0) AS previous_month_mrr
    FROM unioned
    WINDOW w AS (PARTITION BY customer_id ORDER BY date_month)
),

mrr AS (
    SELECT
        date_month,
        mrr,
        is_active,
        previous_month_mrr,
        mrr - previous_month_mrr AS mrr_change,
        CASE
            WHEN is_first_month THEN 'new'
            WHEN NOT is_active AND previous_month_is_active THEN 'churn'
            WHEN is_active AND NOT previous_month_is_active THEN 'reactivation'
            WHEN mrr - previous_month_mrr > 0 THEN 'upgrade'
            WHEN mrr - previous_month_mrr < 0 THEN 'downgrade'
        END AS change_category
    FROM mrr_with_changes
),

by_month AS (
    SELECT
        year(date_month) * 12 + month(date_month) - 1 AS month_number,
        sum(mrr) FILTER (WHERE change_category = 'new') AS new_mrr,
        sum(mrr_change) FILTER (WHERE change_category = 'upgrade') AS expansion_mrr,
        sum(-mrr_change) FILTER (WHERE change_category = 'downgrade')
            AS contraction_mrr,
        sum(previous_month_mrr) FILTER (WHERE change_category = 'churn')
            AS churned_mrr,
        sum(mrr) FILTER (WHERE change_category = 'reactivation')
            AS reactivation_mrr,
        sum(mrr) FILTER (WHERE is_active) AS mrr_at_end,
        count(*) FILTER (WHERE change_category = 'new') AS customers_new,
        count(*) FILTER (WHERE change_category = 'reactivation')
            AS customers_reactivated,
        count(*) FILTER (WHERE change_category = 'churn') AS customers_lost,
        count(*) FILTER (WHERE change_category = 'upgrade') AS customers_expanded,
        count(*) FILTER (WHERE change_category = 'downgrade')
            AS customers_contracted,
        count(*) FILTER (WHERE is_active) AS customers_at_end
    FROM mrr
    GROUP BY 1
),

report_months AS (
    SELECT year(date_month) * 12 + month(date_month) - 1 AS month_number
    FROM util_months
    WHERE date_month >= (
        SELECT min(date_month) FROM customer_revenue_by_month WHERE is_active
    )
)
"""
    + _FINAL_SELECT
)

_ROWS_SQL = (
    """
WITH customer_months AS (
    SELECT
        customer_id,
        year("month") * 12 + month("month") - 1 AS month_number,
        sum(mrr)::BIGINT AS mrr
    FROM rows_input
    WHERE "month" < TIMESTAMP '{end_excl}'
    GROUP BY ALL
    HAVING sum(mrr) > 0               -- active iff the month's MRR > 0
),

changes AS (
    SELECT
        month_number,
        mrr,
        lag(month_number) OVER w AS prev_month,
        lag(mrr) OVER w AS prev_mrr,
        lead(month_number) OVER w AS next_month
    FROM customer_months
    WINDOW w AS (PARTITION BY customer_id ORDER BY month_number)
),

active_months AS (
    SELECT
        month_number,
        sum(mrr) FILTER (WHERE prev_month IS NULL) AS new_mrr,
        sum(mrr - prev_mrr)
            FILTER (WHERE prev_month = month_number - 1 AND mrr > prev_mrr)
            AS expansion_mrr,
        sum(prev_mrr - mrr)
            FILTER (WHERE prev_month = month_number - 1 AND mrr < prev_mrr)
            AS contraction_mrr,
        sum(mrr) FILTER (WHERE prev_month < month_number - 1) AS reactivation_mrr,
        sum(mrr) AS mrr_at_end,
        count(*) FILTER (WHERE prev_month IS NULL) AS customers_new,
        count(*) FILTER (WHERE prev_month < month_number - 1)
            AS customers_reactivated,
        count(*) FILTER (WHERE prev_month = month_number - 1 AND mrr > prev_mrr)
            AS customers_expanded,
        count(*) FILTER (WHERE prev_month = month_number - 1 AND mrr < prev_mrr)
            AS customers_contracted,
        count(*) AS customers_at_end
    FROM changes
    GROUP BY month_number
),

-- a churn in the month after each active month not followed by an active month
churn_months AS (
    SELECT
        month_number + 1 AS month_number,
        sum(mrr) AS churned_mrr,
        count(*) AS customers_lost
    FROM changes
    WHERE (next_month IS NULL OR next_month > month_number + 1)
        AND month_number < {through_number}
    GROUP BY 1
),

by_month AS (
    SELECT
        month_number,
        a.new_mrr, a.expansion_mrr, a.contraction_mrr, c.churned_mrr,
        a.reactivation_mrr, a.mrr_at_end, a.customers_new,
        a.customers_reactivated, c.customers_lost, a.customers_expanded,
        a.customers_contracted, a.customers_at_end
    FROM active_months AS a
    FULL OUTER JOIN churn_months AS c USING (month_number)
),

report_months AS (
    SELECT unnest(generate_series(min(month_number), {through_number}))
        AS month_number
    FROM customer_months
)
"""
    + _FINAL_SELECT
)


def connect(*, threads: int = _THREADS) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection using ``threads`` threads."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads={int(threads)}")
    return con


def _month_bounds(through: pd.Period) -> dict[str, str | int]:
    through = pd.Period(through, freq="M")
    return {
        "through": through.start_time.strftime("%Y-%m-%d"),
        "end_excl": (through + 1).start_time.strftime("%Y-%m-%d"),
        "through_number": through.year * 12 + through.month - 1,
    }


def _to_bridge(result: pd.DataFrame) -> pd.DataFrame:
    ordinals = result["month_ordinal"].to_numpy(dtype=np.int64)
    index = pd.PeriodIndex(
        pd.arrays.PeriodArray(ordinals, dtype=pd.PeriodDtype("M")), name="month"
    )
    data = {c: result[c].to_numpy(dtype="int64") for c in BRIDGE_COLUMNS}
    return pd.DataFrame(data, index=index)


def _check_one_currency(con: duckdb.DuckDBPyConnection, table: str) -> None:
    # the ledger refuses to sum mixed currencies; so does the baseline
    found = con.execute(f"SELECT DISTINCT currency FROM {table} LIMIT 2").fetchall()
    if len(found) > 1:
        msg = f"currency must be a single code, got {sorted(r[0] for r in found)!r}"
        raise ValueError(msg)


def bridge_spans(
    spans: pd.DataFrame,
    *,
    through: pd.Period,
    threads: int = _THREADS,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """MRR bridge of subscription spans with the (fixed) dbt mrr-playbook SQL."""
    own = con is None
    con = connect(threads=threads) if con is None else con
    try:
        con.register("spans_input", spans)
        _check_one_currency(con, "spans_input")
        result = con.execute(_SPANS_SQL.format(**_month_bounds(through))).df()
        con.unregister("spans_input")
    finally:
        if own:
            con.close()
    return _to_bridge(result)


def bridge_monthly_rows(
    rows: pd.DataFrame,
    *,
    through: pd.Period,
    threads: int = _THREADS,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:
    """MRR bridge of customer-month MRR rows with one window-function query."""
    if isinstance(rows["month"].dtype, pd.PeriodDtype):
        rows = rows.assign(month=rows["month"].dt.to_timestamp())
    own = con is None
    con = connect(threads=threads) if con is None else con
    try:
        con.register("rows_input", rows)
        _check_one_currency(con, "rows_input")
        result = con.execute(_ROWS_SQL.format(**_month_bounds(through))).df()
        con.unregister("rows_input")
    finally:
        if own:
            con.close()
    return _to_bridge(result)
