"""The monthly pipeline's steps: files in, files out, the same bytes when run again."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import subscription_metrics as sm
from subscription_metrics import pipeline
from subscription_metrics.pipeline import InputFileError


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture
def inputs(tmp_path: Path, sample: sm.datasets.SampleData) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    sample.subscriptions.to_parquet(folder / "subscriptions.parquet")
    sample.customers.to_csv(folder / "customers.csv", index=False)
    return folder


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_validate_counts_the_tables_and_what_was_set_aside(
    inputs: Path, tmp_path: Path, sample: sm.datasets.SampleData
) -> None:
    checked = pipeline.validate(inputs, month="2025-12", output=tmp_path / "out")
    led = sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through="2025-12"
    )
    assert checked["month"] == "2025-12"
    assert checked["revenue"] == "subscriptions"
    assert checked["tables"]["subscriptions"]["rows"] == len(sample.subscriptions)
    assert checked["tables"]["customers"]["rows"] == len(sample.customers)
    assert checked["customers"] == len(led.customers)
    assert [note["count"] for note in checked["set_aside"]] == [
        note.count for note in led.set_aside
    ]
    written = json.loads((tmp_path / "out" / "2025-12" / "inputs.json").read_text())
    assert written == checked


def test_ledger_and_figures_are_what_the_library_computes_and_rerun_identically(
    inputs: Path, tmp_path: Path, sample: sm.datasets.SampleData
) -> None:
    out = tmp_path / "out"
    folder = pipeline.build_ledger(inputs, out, month="2025-06")
    figures = pipeline.write_figures(folder, out, month="2025-06")
    expected = sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through="2025-06"
    )
    bridge = sm.encoding.read_parquet(Path(figures) / "bridge.parquet")
    assert bridge["mrr_at_end"].tolist() == (
        sm.ledger.bridge(expected)["mrr_at_end"].tolist()
    )
    data = json.loads((out / "2025-06" / "figures.json").read_text())
    assert sm.encoding.decode_frame(data["bridge"]).equals(sm.ledger.bridge(expected))
    first = _digests(out)

    pipeline.build_ledger(inputs, out, month="2025-06")
    pipeline.write_figures(folder, out, month="2025-06")
    assert _digests(out) == first
    # Another month is written beside it and leaves it alone.
    pipeline.build_ledger(inputs, out, month="2025-05")
    assert {path.name for path in out.iterdir()} == {"2025-05", "2025-06"}
    assert {k: v for k, v in _digests(out).items() if k.startswith("2025-06")} == first
    assert not [path for path in out.rglob(".*")]  # no leftovers of the swap


def test_the_report_files_are_the_report(inputs: Path, tmp_path: Path) -> None:
    tables = pipeline.read_inputs(inputs)
    written = pipeline.write_report(inputs, tmp_path / "out", month="2025-12")
    rep = sm.report(
        tables["subscriptions"],
        customers=tables["customers"],
        as_of="2025-12",
        source=f"subscriptions in {inputs}",
    )
    assert json.loads(Path(written["json"]).read_text()) == json.loads(
        json.dumps(rep.to_dict(), allow_nan=False)
    )
    assert Path(written["html"]).read_text(encoding="utf-8") == rep.html()
    assert sorted(p.stem for p in Path(written["tables"]).iterdir()) == sorted(
        rep.tables()
    )


def test_monthly_rows_are_a_revenue_table_too(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1", "c2"],
            "month": ["2025-01", "2025-02", "2025-02"],
            "mrr": [100, 150, 80],
            "currency": "USD",
        }
    )
    rows.to_csv(folder / "monthly_mrr.csv", index=False)
    checked = pipeline.validate(folder, month="2025-02")
    assert checked["revenue"] == "monthly_mrr"
    assert checked["customers"] == 2


def test_invoice_lines_are_a_revenue_table_too(tmp_path: Path) -> None:
    """An annual line by invoice date and interval: 10,000 a month for a year."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    lines = pd.DataFrame(
        {
            "line_id": ["l1", "l2"],
            "customer_id": ["c1", "c2"],
            "kind": "recurring",
            "period_start": ["2025-01-01", "2025-02-01"],
            "interval": ["year", "month"],
            "amount": [120_000, 8_000],
            "currency": "JPY",
        }
    )
    lines.to_csv(folder / "invoice_lines.csv", index=False)
    checked = pipeline.validate(folder, month="2025-02")
    assert checked["revenue"] == "invoice_lines"
    assert checked["customers"] == 2
    led = sm.Ledger.read_parquet(
        pipeline.build_ledger(folder, tmp_path / "out", month="2025-02")
    )
    # the annual line is 120,000 / 12 = 10,000 a month; the monthly one 8,000
    assert sm.ledger.bridge(led)["mrr_at_end"].tolist() == [10_000, 18_000]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no revenue table"),
        ({"subscriptions.csv": "x", "subscriptions.parquet": "x"}, "given twice"),
        (
            {"subscriptions.csv": "a", "monthly_mrr.csv": "a"},
            "subscriptions and monthly_mrr are given",
        ),
        ({"subscriptions.csv": ""}, "the file is empty"),
        ({"subscriptions.parquet": "not parquet"}, "not a readable Parquet file"),
    ],
)
def test_input_file_problems_are_named(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(InputFileError, match=message):
        pipeline.validate(tmp_path, month="2025-12")


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such folder"):
        pipeline.read_inputs(tmp_path / "absent")


def test_a_broken_table_is_an_invalid_table_error(tmp_path: Path) -> None:
    pd.DataFrame({"customer_id": ["c1"], "mrr": [1]}).to_csv(
        tmp_path / "subscriptions.csv", index=False
    )
    with pytest.raises(sm.InvalidTableError, match="subscription_id"):
        pipeline.validate(tmp_path, month="2025-12")
