"""
The monthly metrics pipeline as an Airflow DAG: validate, ledger, figures, report.

Each task runs one step of `subscription_metrics.pipeline`, which reads files
and writes files under ``<output>/<YYYY-MM>/``; the tasks pass only paths and
JSON-native summaries through XCom. A run measures the calendar month before
its logical date (the run of 1 January 2026 reports December 2025), unless the
run's ``month`` parameter names one. Running a month again replaces that
month's files with the same bytes, so a retry or a backfill is safe.

Set the ``inputs`` and ``output`` parameters (or the Airflow Variables
``subscription_metrics_inputs`` and ``subscription_metrics_output``) to the
folder of input tables (``subscriptions.parquet``, ``customers.parquet``, ...)
and the folder to write.
"""

from __future__ import annotations

from typing import Any

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

from subscription_metrics import pipeline


def _run_settings() -> dict[str, str]:
    """Return the run's inputs, output and month (``YYYY-MM``)."""
    context = get_current_context()
    params = context["params"]
    month = params.get("month") or context["logical_date"].subtract(months=1).format(
        "YYYY-MM"
    )
    return {"inputs": params["inputs"], "output": params["output"], "month": month}


@dag(
    dag_id="subscription_metrics_monthly",
    schedule="@monthly",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["subscription_metrics"],
    params={
        "inputs": Param("/data/subscription_metrics/inputs", type="string"),
        "output": Param("/data/subscription_metrics/output", type="string"),
        "month": Param(None, type=["null", "string"], pattern=r"^\d{4}-\d{2}$"),
    },
)
def subscription_metrics_monthly() -> None:
    """Validate the input tables, build the ledger, write figures and report."""

    @task
    def validate() -> dict[str, Any]:
        run = _run_settings()
        inputs, output = run["inputs"], run["output"]
        return pipeline.validate(inputs, month=run["month"], output=output)

    @task
    def build_ledger(checked: dict[str, Any]) -> str:
        run = _run_settings()
        inputs, output = run["inputs"], run["output"]
        return pipeline.build_ledger(inputs, output, month=checked["month"])

    @task
    def write_figures(ledger: str) -> str:
        run = _run_settings()
        return pipeline.write_figures(ledger, run["output"], month=run["month"])

    @task
    def write_report(checked: dict[str, Any]) -> dict[str, str]:
        run = _run_settings()
        inputs, output = run["inputs"], run["output"]
        return pipeline.write_report(inputs, output, month=checked["month"])

    checked = validate()
    write_figures(build_ledger(checked))
    write_report(checked)


monthly = subscription_metrics_monthly()
