"""The example DAG runs in real Airflow (``dag.test()``), twice, to the same bytes.

Airflow lives in its own environment (it pins much of what it imports):
``.ci/run`` makes one with ``pip install -e ".[airflow]"`` and runs this file
there. In the main environment the file is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip(
    "airflow", reason="Airflow runs in its own environment (see .ci/run)"
)

import subscription_metrics as sm
from subscription_metrics import pipeline

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "examples" / "airflow"

RUN = """
import json, sys
import pendulum
sys.path.insert(0, {dags!r})
from subscription_metrics_monthly import monthly
run = monthly.test(
    logical_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    run_conf={{"inputs": {inputs!r}, "output": {output!r}}},
)
states = {{ti.task_id: str(ti.state) for ti in run.get_task_instances()}}
print("RESULT " + json.dumps({{"state": str(run.state), "tasks": states}}))
"""


def _environment(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        }
    )
    return env


def _run_dag(inputs: Path, output: Path, env: dict[str, str]) -> dict[str, object]:
    script = RUN.format(dags=str(DAGS), inputs=str(inputs), output=str(output))
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0, done.stderr[-4000:]
    assert lines, done.stdout[-4000:]
    result: dict[str, object] = json.loads(lines[-1].removeprefix("RESULT "))
    return result


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("airflow-home")
    env = _environment(home)
    airflow = Path(sys.executable).with_name("airflow")
    subprocess.run(
        [str(airflow), "db", "migrate"],
        env=env,
        capture_output=True,
        check=True,
        timeout=600,
    )
    return env


def test_the_monthly_dag_runs_every_step_and_again_to_the_same_bytes(
    airflow_home: dict[str, str], tmp_path: Path
) -> None:
    sample = sm.datasets.load_sample()
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in pipeline.INPUT_TABLES:
        table = getattr(sample, name, None)
        if table is not None:
            table.to_parquet(inputs / f"{name}.parquet")
    output = tmp_path / "output"

    first = _run_dag(inputs, output, airflow_home)
    assert first == {
        "state": "success",
        "tasks": {
            "validate": "success",
            "build_ledger": "success",
            "write_figures": "success",
            "write_report": "success",
        },
    }
    # The run of 1 January 2026 reports December 2025, and only that month.
    assert [path.name for path in output.iterdir()] == ["2025-12"]
    month = output / "2025-12"
    written = _digests(month)
    for name in ("inputs.json", "figures.json", "report.html", "report.json"):
        assert name in written
    assert any(name.startswith("ledger/") for name in written)
    assert any(name.startswith("figures/") for name in written)
    assert any(name.startswith("report/") for name in written)

    # What the task wrote is what the library computes.
    led = sm.Ledger.read_parquet(month / "ledger")
    expected = sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through="2025-12"
    )
    assert sm.ledger.bridge(led).equals(sm.ledger.bridge(expected))

    second = _run_dag(inputs, output, airflow_home)
    assert second == first
    assert _digests(month) == written
