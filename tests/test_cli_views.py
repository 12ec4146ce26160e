"""The command line's views, options and errors: each case a user met, as a test."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import subscription_metrics as sm
from subscription_metrics._cli import VIEWS, main

HEADER = "subscription_id,customer_id,start,end,mrr,currency\n"


def _call(*argv: str) -> tuple[int, str, str]:
    """Run the command line in-process; return status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    stderr = sys.stderr
    sys.stderr = err
    try:
        status = main(list(argv), out=out)
    finally:
        sys.stderr = stderr
    return status, out.getvalue(), err.getvalue()


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def ledger(sample) -> sm.Ledger:
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers
    )


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_runs_on_the_sample_and_fits_100_columns(view):
    status, out, err = _call(view, "--months", "3")

    assert (status, err) == (0, "")
    assert out.strip()
    assert max(len(line) for line in out.splitlines()) <= 100


@pytest.mark.parametrize("view", [v for v in VIEWS if v != "validate"])
def test_every_view_gives_csv_and_json(view):
    status, out, _ = _call(view, "--format", "csv")
    assert status == 0
    assert "currency" in out.splitlines()[0] or out.startswith("# ")

    status, out, _ = _call(view, "--format", "json")
    assert status == 0
    assert json.loads(out)["currency"] == "JPY"


@pytest.mark.parametrize("view", ["bridge", "cohorts", "validate"])
def test_a_view_as_html_is_a_self_contained_page(view, tmp_path):
    path = tmp_path / f"{view}.html"
    status, out, _ = _call(view, "--format", "html", "--output", str(path))

    page = path.read_text(encoding="utf-8")
    assert status == 0
    assert out.strip() == str(path)
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page.lower()
    assert "http://" not in page
    assert "https://" not in page
    assert f'id="{view}"' in page


def test_the_bridge_as_html_has_its_charts_and_as_xlsx_its_sheets(tmp_path, ledger):
    from openpyxl import load_workbook

    html, xlsx = tmp_path / "bridge.html", tmp_path / "bridge.xlsx"
    assert _call("bridge", "--format", "html", "--output", str(html))[0] == 0
    assert _call("bridge", "--format", "xlsx", "--output", str(xlsx))[0] == 0

    assert html.read_text(encoding="utf-8").count("<svg") == 2
    book = load_workbook(xlsx)
    assert any(name.startswith("bridge") for name in book.sheetnames)


def test_html_and_xlsx_need_an_output_file():
    status, _, err = _call("bridge", "--format", "html")
    assert status == 2
    assert "give --output PATH" in err


def test_rates_csv_equals_the_library(ledger):
    status, out, _ = _call("rates", "--format", "csv", "--period", "quarter")
    expected = sm.churn.rates(ledger, period="quarter")

    got = pd.read_csv(io.StringIO(out), index_col="period")
    assert status == 0
    assert got["mrr_at_end"].tolist() == expected["mrr_at_end"].tolist()
    assert got["customer_churn_rate"].to_numpy() == pytest.approx(
        expected["customer_churn_rate"].to_numpy(), nan_ok=True
    )


def test_trailing_window_is_named_in_the_title():
    status, out, _ = _call("rates", "--window", "12")
    assert status == 0
    assert out.startswith("Churn and retention by month, trailing 12 months")


def test_bridge_labels_its_rates_monthly_and_counts_customers_in_words(tmp_path):
    path = _file(tmp_path, "one.csv", HEADER + "s1,c1,2024-01-01,,100,USD\n")
    status, out, _ = _call("bridge", "--subscriptions", path)

    assert status == 0
    assert ": 1 customer," in out
    assert "(rates are monthly)" in out


def test_version():
    status, out, _ = _call("--version")
    assert status == 0
    assert out == "" or out.startswith("subscription-metrics")


def test_version_on_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "subscription_metrics", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.startswith("subscription-metrics ")


# --- errors: one message, no traceback, exit 1 for data and 2 for usage --------


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["--since", "2025-13"], 2, "'2025-13' is not a month; write YYYY-MM"),
        (["--as-of", "2025/01"], 2, "'2025/01' is not a month"),
        (["--months", "-1"], 2, "'-1' is not a whole number of months >= 0"),
        (["rates", "--window", "0"], 2, "'0' must be at least 1"),
        (["--preset", "nobody"], 2, "invalid choice: 'nobody'"),
        (["bogus-view"], 2, "unrecognized arguments: bogus-view"),
        (["bridge", "--by", "nosuch"], 2, "--by: 'nosuch' is not a customer attribute"),
        (["--subscriptions", "/no/such/file.csv"], 2, "no such file: /no/such"),
    ],
)
def test_usage_errors(argv, status, message):
    code, out, err = _call(*argv)

    assert code == status
    assert out == ""
    assert err.startswith("error: ")
    assert message in err
    assert "Traceback" not in err


def test_empty_file_is_invalid_data(tmp_path):
    path = _file(tmp_path, "empty.csv", "")
    code, _, err = _call("--subscriptions", path)

    assert code == 1
    assert err == f"error: --subscriptions {path}: the file is empty (no header row)\n"


def test_header_only_file_is_invalid_data(tmp_path):
    path = _file(tmp_path, "header.csv", HEADER)
    code, out, err = _call("--subscriptions", path)

    assert (code, out) == (1, "")
    assert "the file has a header but no rows" in err


def test_problems_name_file_lines(tmp_path):
    """Row references are the file's own line numbers (the header is line 1)."""
    text = HEADER + "s1,c1,2024-01-01,,100,USD\ns2,c2,2024-01-01,,-5,USD\n"
    path = _file(tmp_path, "neg.csv", text)
    code, _, err = _call("--subscriptions", path)

    assert code == 1
    assert f"--subscriptions {path}: column 'mrr': not negative: 1 line (line 3)" in err


def test_hints_use_options_not_python(tmp_path):
    text = HEADER + "s1,c1,2024-01-01,,100,USD\ns2,c2,2024-01-01,,100,EUR\n"
    code, _, err = _call("--subscriptions", _file(tmp_path, "two.csv", text))

    assert code == 1
    assert "pass --rates (and --currency)" in err
    assert "rates=" not in err


def test_several_currencies_convert_with_rates(tmp_path):
    text = HEADER + "s1,c1,2024-01-01,,100,USD\ns2,c2,2024-01-01,,100,EUR\n"
    rates = _file(
        tmp_path,
        "rates.csv",
        "currency,date,rate\nEUR,2024-01-01,1.25\nUSD,2024-01-01,1.0\n",
    )
    subs = _file(tmp_path, "two.csv", text)
    code, out, err = _call(
        "bridge",
        "--subscriptions",
        subs,
        "--rates",
        rates,
        "--currency",
        "USD",
        "--format",
        "csv",
    )

    assert (code, err) == (0, "")
    assert pd.read_csv(io.StringIO(out))["mrr_at_end"].tolist() == [225]


def test_ambiguous_dates_are_an_error_naming_the_option(tmp_path):
    path = _file(tmp_path, "amb.csv", HEADER + "s1,c1,02/01/2024,,100,USD\n")
    code, _, err = _call("--subscriptions", path)

    assert code == 1
    assert "'02/01/2024' (line 2)" in err
    assert "--date-format" in err


def test_date_format_reads_day_first(tmp_path):
    path = _file(tmp_path, "amb.csv", HEADER + "s1,c1,02/01/2024,,100,USD\n")
    code, out, err = _call(
        "bridge",
        "--subscriptions",
        path,
        "--date-format",
        "%d/%m/%Y",
        "--format",
        "csv",
    )

    assert (code, err) == (0, "")
    assert pd.read_csv(io.StringIO(out))["month"].tolist() == ["2024-01"]


def test_text_in_a_date_column_names_the_line(tmp_path):
    costs = _file(
        tmp_path, "costs.csv", "month,category,amount,currency\nnope,sales,1,JPY\n"
    )
    code, _, err = _call("cac", "--costs", costs)

    assert code == 1
    assert f"--costs {costs}: column 'month'" in err
    assert "(line 2: 'nope')" in err


def test_broken_costs_fail_in_every_format(tmp_path):
    costs = _file(
        tmp_path,
        "costs.csv",
        "month,category,amount,currency\n2024-01-01,sales,-1,JPY\n",
    )
    for fmt in ("table", "csv", "json"):
        code, out, _ = _call("bridge", "--costs", costs, "--format", fmt)
        assert code == 1, fmt
        assert out == ""


def test_json_errors_are_json_on_stderr(tmp_path):
    path = _file(tmp_path, "neg.csv", HEADER + "s1,c1,2024-01-01,,-5,USD\n")
    code, out, err = _call("--subscriptions", path, "--format", "json")

    payload = json.loads(err)
    assert (code, out) == (1, "")
    assert payload["error"]["status"] == 1
    assert "line 2" in payload["error"]["problems"][0]

    code, _, err = _call("--format", "json", "--months", "x")
    assert code == 2
    assert json.loads(err)["error"]["status"] == 2


def test_view_that_needs_a_table_says_which_option(tmp_path):
    path = _file(tmp_path, "one.csv", HEADER + "s1,c1,2024-01-01,,100,USD\n")
    code, _, err = _call("cac", "--subscriptions", path)

    assert code == 2
    assert err == "error: cac needs --costs\n"


def test_no_pandas_warning_leaks(tmp_path):
    path = _file(
        tmp_path, "mixed.csv", HEADER + "s1,c1,2024-01-01,2024-03-31,100,USD\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            "-m",
            "subscription_metrics",
            "--subscriptions",
            path,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # the report is written to ./subscription_metrics_report
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (tmp_path / "subscription_metrics_report" / "report.html").exists()


def test_output_file(tmp_path):
    target = tmp_path / "bridge.csv"
    code, out, _ = _call("bridge", "--format", "csv", "--output", str(target))

    assert (code, out) == (0, "")
    assert pd.read_csv(target)["currency"].eq("JPY").all()


def test_validate_reports_what_is_set_aside():
    code, out, _ = _call("validate")

    assert code == 0
    assert out.startswith("Valid: the bundled sample")
    assert "invisible at the monthly grain" in out
