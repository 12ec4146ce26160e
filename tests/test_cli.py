"""Tests for the main job, ``python -m subscription_metrics``."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from subscription_metrics._cli import main


def _run(*argv: str) -> str:
    out = io.StringIO()

    assert main(list(argv), out=out) == 0
    return out.getvalue()


def test_sample_prints_bridge_headline_and_set_aside():
    """With no input, the bridge view runs on the bundled sample."""
    text = _run("bridge", "--months", "3")

    assert text.startswith("MRR bridge from the bundled sample")
    assert "Headline figures for 2025-12" in text
    assert "ARPA (MRR per customer)" in text
    assert "Customer churn rate                 2.23%" in text
    assert "invisible at the monthly grain" in text


def test_module_entry_point_runs():
    """`python -m subscription_metrics bridge` exits 0 and prints the bridge."""
    result = subprocess.run(
        [sys.executable, "-m", "subscription_metrics", "bridge", "--months", "1"],
        capture_output=True,
        text=True,
        check=True,
    )

    assert "MRR end" in result.stdout


def test_json_output_is_machine_readable_and_exact(tmp_path):
    """JSON carries money as integer minor units and the conventions."""
    payload = json.loads(_run("bridge", "--format", "json", "--preset", "chartmogul"))

    last = payload["bridge"]["rows"][-1]
    assert payload["currency"] == "JPY"
    assert payload["conventions"]["zero_mrr"] == "active"
    assert isinstance(last["mrr_at_end"], int)


def test_json_output_is_byte_identical_across_runs():
    """Same input, same output: pipelines can compare runs."""
    assert _run("bridge", "--format", "json") == _run("bridge", "--format", "json")


def _csv(tmp_path, frame: pd.DataFrame, name: str) -> str:
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return str(path)


def test_user_subscriptions_in_major_units(tmp_path):
    """A CSV of subscriptions in dollars is converted once and bridged."""
    subs = pd.DataFrame(
        {
            "subscription_id": ["1", "2"],
            "customer_id": ["007", "008"],
            "start": ["2024-01-05", "2024-02-10"],
            "end": ["", "2024-04-01"],
            "mrr": ["19.99", "5.01"],
            "currency": "USD",
        }
    )
    path = _csv(tmp_path, subs, "subs.csv")

    text = _run(
        "bridge", "--subscriptions", path, "--amounts", "major", "--format", "csv"
    )
    bridge = pd.read_csv(io.StringIO(text))

    assert list(bridge["new_mrr"]) == [1999, 501, 0, 0]
    assert list(bridge["churned_mrr"]) == [0, 0, 0, 501]
    assert set(bridge["currency"]) == {"USD"}


def test_user_monthly_rows_by_segment(tmp_path):
    """Monthly rows plus a customers table give a bridge by segment."""
    rows = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "month": ["2024-01-01", "2024-02-01", "2024-02-01"],
            "mrr": [100, 120, 50],
            "currency": "EUR",
        }
    )
    customers = pd.DataFrame({"customer_id": ["a", "b"], "segment": ["smb", "ent"]})

    text = _run(
        "bridge",
        "--monthly-mrr",
        _csv(tmp_path, rows, "rows.csv"),
        "--customers",
        _csv(tmp_path, customers, "customers.csv"),
        "--by",
        "segment",
    )

    assert "segment" in text
    assert "Headline figures for 2024-02" in text
    assert "1.70 EUR" in text


def test_invoice_lines_give_the_bridge_of_their_monthly_rows(tmp_path):
    """A month's recurring line per monthly row (and tax lines) bridge as the rows."""
    from .fuzzing import invoice_lines

    rows = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b"],
            "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-02", "2024-03"], "M"),
            "mrr": [100, 120, 50, 70],
            "currency": "EUR",
        }
    )
    lines = invoice_lines(rows)

    by_lines = _run("bridge", "--invoice-lines", _csv(tmp_path, lines, "lines.csv"))
    by_rows = _run(
        "bridge",
        "--monthly-mrr",
        _csv(tmp_path, rows.assign(month=rows["month"].astype(str)), "rows.csv"),
    )

    assert "invoice_lines: tax lines: 1 row" in by_lines
    # the same bridge and headline figures, after the header naming the file
    assert (
        by_lines.split("\n\n", 1)[1].split("\nSet aside")[0]
        == (by_rows.split("\n\n", 1)[1])
    )


def test_invalid_input_exits_1_and_lists_problems(tmp_path, capsys):
    """Bad input is reported on stderr, in the command line's words, exit 1."""
    subs = pd.DataFrame({"subscription_id": ["1"], "customer_id": ["a"]})
    path = _csv(tmp_path, subs, "bad.csv")

    code = main(["--subscriptions", path], out=io.StringIO())

    assert code == 1
    assert f"--subscriptions {path}: column 'start': missing column" in (
        capsys.readouterr().err
    )


def test_unknown_option_is_a_usage_error(capsys):
    """An unknown preset is refused with exit code 2 and no traceback."""
    assert main(["--preset", "nobody"], out=io.StringIO()) == 2
    assert "invalid choice: 'nobody'" in capsys.readouterr().err


def test_parquet_input(tmp_path):
    """Parquet subscriptions work like CSV ones."""
    pytest.importorskip("pyarrow")
    subs = pd.DataFrame(
        {
            "subscription_id": ["1"],
            "customer_id": ["a"],
            "start": pd.to_datetime(["2024-01-05"]),
            "end": pd.to_datetime([None]),
            "mrr": [1500],
            "currency": "JPY",
        }
    )
    path = tmp_path / "subs.parquet"
    subs.to_parquet(path)

    bridge = pd.read_csv(
        io.StringIO(_run("bridge", "--subscriptions", str(path), "--format", "csv"))
    )

    assert list(bridge["mrr_at_end"]) == [1500]
