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

__all__ = [
    "BRIDGE_COLUMNS",
    "bridge_monthly_rows",
    "bridge_spans",
    "connect",
    "metric_set_spans",
]

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


# --------------------------------------------------------------------------
# The monthly metric set: rates by segment (customer-level NRR/GRR), the logo
# cohort triangle and LTV by segment, from subscription spans.
# --------------------------------------------------------------------------

# Every customer-month with MRR > 0 (active under the default conventions),
# from the spans' MRR changes: +MRR in a span's first counted month, -MRR in
# the month of its end; a span counts in month m iff month(start) <= m <
# month(end) (NULL end: open-ended); nothing after the horizon.
_ACTIVE_MONTHS_SQL = """
CREATE TEMP TABLE active_months AS
WITH sp AS (
    SELECT
        customer_id,
        year("start") * 12 + month("start") - 1 AS first_m,
        year("end") * 12 + month("end") - 1 AS end_m,
        mrr
    FROM spans_input
),
deltas AS (
    SELECT customer_id, first_m AS m, mrr AS d
    FROM sp
    WHERE first_m <= {through_number} AND (end_m IS NULL OR end_m > first_m)
    UNION ALL
    SELECT customer_id, end_m AS m, -mrr AS d
    FROM sp
    WHERE end_m > first_m AND end_m <= {through_number}
),
changes AS (
    SELECT customer_id, m, sum(d) AS d FROM deltas GROUP BY ALL
),
levels AS (
    SELECT
        customer_id,
        m,
        sum(d) OVER w AS mrr,
        coalesce(lead(m) OVER w, {through_number} + 1) AS next_m
    FROM changes
    WINDOW w AS (PARTITION BY customer_id ORDER BY m)
)
SELECT l.customer_id, c.segment, unnest(range(l.m, l.next_m)) AS m,
       l.mrr::BIGINT AS mrr
FROM levels AS l
JOIN customers_input AS c USING (customer_id)
WHERE l.mrr > 0
"""

# The bridge per segment and month with the customer-level retention sums.
_SEGMENT_RATES_SQL = """
WITH steps AS (
    SELECT
        segment, m, mrr,
        lag(m) OVER w AS prev_m,
        lag(mrr) OVER w AS prev_mrr,
        lead(m) OVER w AS next_m
    FROM active_months
    WINDOW w AS (PARTITION BY customer_id ORDER BY m)
),
gains AS (
    SELECT
        segment, m,
        count(*) AS customers_at_end,
        sum(mrr) AS mrr_at_end,
        count(*) FILTER (WHERE prev_m IS NULL) AS customers_new,
        count(*) FILTER (WHERE prev_m < m - 1) AS customers_reactivated,
        sum(mrr) FILTER (WHERE prev_m IS NULL) AS new_mrr,
        sum(mrr - prev_mrr) FILTER (WHERE prev_m = m - 1 AND mrr > prev_mrr)
            AS expansion_mrr,
        sum(prev_mrr - mrr) FILTER (WHERE prev_m = m - 1 AND mrr < prev_mrr)
            AS contraction_mrr,
        sum(mrr) FILTER (WHERE prev_m < m - 1) AS reactivation_mrr
    FROM steps
    GROUP BY ALL
),
losses AS (
    SELECT segment, m + 1 AS m, count(*) AS customers_lost, sum(mrr) AS churned_mrr
    FROM steps
    WHERE (next_m IS NULL OR next_m > m + 1) AND m < {through_number}
    GROUP BY ALL
),
retention AS (   -- each customer paying in M - 12 against its MRR in M
    SELECT
        a.segment, a.m + 12 AS m,
        sum(a.mrr) AS base_mrr,
        sum(coalesce(b.mrr, 0)) AS retained_mrr,
        sum(least(coalesce(b.mrr, 0), a.mrr)) AS capped_mrr
    FROM active_months AS a
    LEFT JOIN active_months AS b
        ON b.customer_id = a.customer_id AND b.m = a.m + 12
    WHERE a.m + 12 <= {through_number}
    GROUP BY ALL
),
spine AS (
    SELECT s.segment, unnest(range(f.first_m, {through_number} + 1)) AS m
    FROM (SELECT DISTINCT segment FROM customers_input) AS s,
         (SELECT min(m) AS first_m FROM active_months) AS f
),
cells AS (
    SELECT
        spine.segment, spine.m,
        coalesce(g.customers_at_end, 0) AS customers_at_end,
        coalesce(g.mrr_at_end, 0) AS mrr_at_end,
        coalesce(g.customers_new, 0) AS customers_new,
        coalesce(g.customers_reactivated, 0) AS customers_reactivated,
        coalesce(l.customers_lost, 0) AS customers_lost,
        coalesce(g.new_mrr, 0) AS new_mrr,
        coalesce(g.expansion_mrr, 0) AS expansion_mrr,
        coalesce(g.contraction_mrr, 0) AS contraction_mrr,
        coalesce(l.churned_mrr, 0) AS churned_mrr,
        coalesce(g.reactivation_mrr, 0) AS reactivation_mrr,
        coalesce(r.base_mrr, 0) AS base_mrr,
        coalesce(r.retained_mrr, 0) AS retained_mrr,
        coalesce(r.capped_mrr, 0) AS capped_mrr
    FROM spine
    LEFT JOIN gains AS g USING (segment, m)
    LEFT JOIN losses AS l USING (segment, m)
    LEFT JOIN retention AS r USING (segment, m)
)
SELECT
    *,
    coalesce(lag(customers_at_end) OVER w, 0) AS customers_at_start,
    coalesce(lag(mrr_at_end) OVER w, 0) AS mrr_at_start
FROM cells
WINDOW w AS (PARTITION BY segment ORDER BY m)
ORDER BY segment, m
"""

# Logo retention: customers of each first-active-month cohort active at each age.
_TRIANGLE_SQL = """
WITH cohort AS (
    SELECT customer_id, min(m) AS cohort_m FROM active_months GROUP BY ALL
)
SELECT c.cohort_m, a.m - c.cohort_m AS age, count(*) AS active
FROM active_months AS a JOIN cohort AS c USING (customer_id)
GROUP BY ALL
ORDER BY 1, 2
"""

_COHORT_SIZES_SQL = """
SELECT cohort_m, count(*) AS customers
FROM (SELECT customer_id, min(m) AS cohort_m FROM active_months GROUP BY ALL)
GROUP BY ALL
ORDER BY 1
"""


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def metric_set_spans(
    spans: pd.DataFrame,
    customers: pd.DataFrame,
    *,
    through: pd.Period,
    threads: int = _THREADS,
) -> dict[str, pd.DataFrame]:
    """The monthly metric set in SQL: rates by segment, logo triangle, LTV by segment.

    ``rates``: per ``segment`` and ``month`` the stocks and flows of the bridge,
    ``customer_churn_rate`` (lost over customers at start), customer-level
    ``net_revenue_retention`` and ``gross_revenue_retention`` (MRR in M of the
    customers paying in M - 12, over their MRR then; capped at it for GRR).
    ``ltv``: ARPA (MRR per customer at the month's end), the customer churn
    rate and ``lifetime_value = ARPA * (1 / churn)`` (inf without churn).
    ``triangle``: logo retention by first-active-month cohort and age (NaN
    where the age is not observed yet).
    """
    con = connect(threads=threads)
    bounds = _month_bounds(through)
    try:
        con.register("spans_input", spans)
        con.register("customers_input", customers)
        _check_one_currency(con, "spans_input")
        con.execute(_ACTIVE_MONTHS_SQL.format(**bounds))
        cells = con.execute(_SEGMENT_RATES_SQL.format(**bounds)).df()
        tri = con.execute(_TRIANGLE_SQL).df()
        sizes = con.execute(_COHORT_SIZES_SQL).df()
    finally:
        con.close()
    int_columns = [c for c in cells.columns if c not in ("segment",)]
    data = {c: cells[c].to_numpy(dtype=np.int64) for c in int_columns}
    month = pd.PeriodIndex(
        pd.arrays.PeriodArray(data.pop("m") - 1970 * 12, dtype=pd.PeriodDtype("M")),
        name="period",
    )
    index = pd.MultiIndex.from_arrays(
        [pd.Index(cells["segment"].to_numpy(), name="segment"), month]
    )
    rates = pd.DataFrame(data, index=index)
    rates["customer_churn_rate"] = _ratio(
        data["customers_lost"], data["customers_at_start"]
    )
    rates["net_revenue_retention"] = _ratio(data["retained_mrr"], data["base_mrr"])
    rates["gross_revenue_retention"] = _ratio(data["capped_mrr"], data["base_mrr"])
    arpa = _ratio(data["mrr_at_end"], data["customers_at_end"])
    churn = rates["customer_churn_rate"].to_numpy()
    value = np.full(len(arpa), np.nan)
    known = ~np.isnan(arpa) & ~np.isnan(churn)
    with np.errstate(divide="ignore"):
        # ARPA times the expected lifetime, as the library's formula rounds it
        value[known] = arpa[known] * (1.0 / churn[known])
    ltv = pd.DataFrame(
        {
            "average_revenue_per_account": arpa,
            "churn_rate": churn,
            "lifetime_value": value,
        },
        index=index,
    )
    horizon = int(bounds["through_number"])
    n_cohorts = len(sizes)
    first = int(sizes["cohort_m"].iloc[0]) if n_cohorts else 0
    n_ages = horizon - first + 1 if n_cohorts else 0
    active = np.zeros((n_cohorts, n_ages), np.int64)
    row = np.searchsorted(sizes["cohort_m"].to_numpy(), tri["cohort_m"].to_numpy())
    active[row, tri["age"].to_numpy(np.int64)] = tri["active"].to_numpy(np.int64)
    size = sizes["customers"].to_numpy(np.int64)
    cohort_m = sizes["cohort_m"].to_numpy(np.int64)
    retention = active / size[:, None]
    ages = np.arange(n_ages)
    retention[ages[None, :] > (horizon - cohort_m)[:, None]] = np.nan
    triangle = pd.DataFrame(
        retention,
        index=pd.PeriodIndex(
            pd.arrays.PeriodArray(cohort_m - 1970 * 12, dtype=pd.PeriodDtype("M")),
            name="cohort",
        ),
        columns=pd.Index(ages.astype(np.int64), name="age"),
    )
    return {"rates": rates, "triangle": triangle, "ltv": ltv}
