"""The benchmark baselines agree with the slow oracle (and with the library).

``benchmarks/`` is not a package: its modules are imported by file path. The
DuckDB baseline (``baseline_duckdb.py``: the fixed dbt mrr-playbook SQL on
spans, a window query on monthly rows) must give the very same bridge as the
pure-Python customer-by-month oracle (``oracle.py``) before any timing is
trusted; once ``subscription_metrics`` provides ``Ledger`` and
``ledger.bridge``, the library must give it too.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("duckdb")

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _load(name: str) -> ModuleType:
    module_name = f"_benchmarks_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(
        module_name, BENCHMARKS / f"{name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("generate")
oracle = _load("oracle")
baseline = _load("baseline_duckdb")
bench = _load("bench_ledger")

COLUMNS = list(oracle.BRIDGE_COLUMNS)
THROUGH = generate.THROUGH
THROUGHS = [THROUGH, pd.Period("2025-03", "M"), pd.Period("2027-02", "M")]


def _library() -> Any:
    """The library's ledger API, or skip while it does not exist yet."""
    try:
        from subscription_metrics import Ledger, ledger
    except (ImportError, AttributeError) as exc:
        pytest.skip(f"subscription_metrics ledger API not available: {exc}")
    return Ledger, ledger


def _assert_identity(frame: pd.DataFrame) -> None:
    assert bench.bridge_identity_problems(frame) == []


def _spans(rows: list[tuple[Any, str, str | None, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(len(rows))],
            "customer_id": [r[0] for r in rows],
            "start": pd.to_datetime(pd.Series([r[1] for r in rows], dtype=object)),
            "end": pd.to_datetime(pd.Series([r[2] for r in rows], dtype=object)),
            "mrr": np.array([r[3] for r in rows], dtype=np.int64),
            "currency": "USD",
        }
    )


# --------------------------------------------------------------------------
# generated data: baseline == oracle
# --------------------------------------------------------------------------
@pytest.mark.parametrize("string_ids", [False, True])
@pytest.mark.parametrize("seed", [1, 2])
def test_duckdb_spans_baseline_equals_oracle(seed: int, string_ids: bool) -> None:
    spans = generate.generate_spans(300, seed=seed, string_ids=string_ids)
    for through in THROUGHS:
        expected = oracle.bridge_spans(spans, through=through)
        got = baseline.bridge_spans(spans, through=through)
        pd.testing.assert_frame_equal(got, expected)
    _assert_identity(got)
    assert got.index[0] == pd.Period("2023-11", "M")
    assert got.index[-1] == THROUGHS[-1]


@pytest.mark.parametrize(
    ("seed", "string_ids", "month_as_period"),
    [(1, False, False), (2, True, False), (3, False, True)],
)
def test_duckdb_rows_baseline_equals_oracle(
    seed: int, string_ids: bool, month_as_period: bool
) -> None:
    rows = generate.generate_monthly_rows(
        300, seed=seed, string_ids=string_ids, month_as_period=month_as_period
    )
    for through in THROUGHS:
        expected = oracle.bridge_monthly_rows(rows, through=through)
        got = baseline.bridge_monthly_rows(rows, through=through)
        pd.testing.assert_frame_equal(got, expected)
    _assert_identity(got)
    # the month after the data is a churn of everyone still active
    assert got.loc[pd.Period("2026-11", "M"), "customers_at_end"] == 0


# --------------------------------------------------------------------------
# known values and the playbook bugs that must be fixed
# --------------------------------------------------------------------------
def test_dbt_seed_customer_1_known_values() -> None:
    # dbt-labs/mrr-playbook data/subscription_periods.csv, customer 1, as worked
    # through in metric-definitions.md section 3: new 50 in 2018-11, churn 50 in
    # 2019-02, reactivation 50 in 2019-04, upgrade +25 in 2019-06, churn 75 in
    # 2019-08 (amounts here in cents).
    spans = _spans(
        [
            (1, "2018-11-01", "2019-02-01", 5000),
            (1, "2019-04-01", "2019-06-01", 5000),
            (1, "2019-06-01", "2019-08-01", 7500),
        ]
    )
    through = pd.Period("2019-09", "M")
    got = baseline.bridge_spans(spans, through=through)
    pd.testing.assert_frame_equal(got, oracle.bridge_spans(spans, through=through))
    assert list(got.index.astype(str)) == [
        "2018-11",
        "2018-12",
        "2019-01",
        "2019-02",
        "2019-03",
        "2019-04",
        "2019-05",
        "2019-06",
        "2019-07",
        "2019-08",
        "2019-09",
    ]
    assert got.loc["2018-11", "new_mrr"] == 5000
    assert got.loc["2019-02", "churned_mrr"] == 5000
    assert got.loc["2019-03"].drop(["mrr_at_start", "mrr_at_end"]).sum() == 0
    assert got.loc["2019-04", "reactivation_mrr"] == 5000
    assert got.loc["2019-04", "customers_reactivated"] == 1
    assert got.loc["2019-06", "expansion_mrr"] == 2500
    assert got.loc["2019-08", "churned_mrr"] == 7500
    assert got["new_mrr"].sum() == 5000
    assert got["churned_mrr"].sum() == 12_500
    assert got["customers_lost"].sum() == 2
    _assert_identity(got)


def test_playbook_bugs_are_fixed() -> None:
    spans = _spans(
        [
            # only an open-ended subscription: the playbook drops the customer
            (1, "2024-01-15", None, 1000),
            # moves to an open-ended plan: the playbook churns it in 2024-03
            (2, "2024-01-10", "2024-03-10", 2000),
            (2, "2024-03-10", None, 3000),
            # active through the last month: the playbook churns it after it
            (3, "2024-02-01", "2024-09-01", 500),
            # two concurrent subscriptions add up
            (4, "2024-01-20", "2024-04-05", 100),
            (4, "2024-02-03", "2024-03-25", 50),
        ]
    )
    through = pd.Period("2024-05", "M")
    got = baseline.bridge_spans(spans, through=through)
    pd.testing.assert_frame_equal(got, oracle.bridge_spans(spans, through=through))
    assert got.loc["2024-05", "customers_at_end"] == 3
    assert got.loc["2024-05", "mrr_at_end"] == 1000 + 3000 + 500
    assert got.loc["2024-03", "expansion_mrr"] == 1000
    assert got.loc["2024-03", "contraction_mrr"] == 50
    assert got.loc["2024-04", "churned_mrr"] == 100
    assert got["customers_lost"].sum() == 1
    assert got.loc["2024-02", "mrr_at_end"] == 1000 + 2000 + 500 + 150


def test_through_before_any_activity_gives_an_empty_bridge() -> None:
    spans = _spans([(1, "2024-06-15", None, 1000)])
    got = baseline.bridge_spans(spans, through=pd.Period("2024-05", "M"))
    pd.testing.assert_frame_equal(got, oracle.empty_bridge())
    rows = pd.DataFrame(
        {
            "customer_id": [1],
            "month": pd.to_datetime(["2024-06-01"]),
            "mrr": [5],
            "currency": "USD",
        }
    )
    got = baseline.bridge_monthly_rows(rows, through=pd.Period("2024-05", "M"))
    pd.testing.assert_frame_equal(got, oracle.empty_bridge())


def test_baseline_refuses_mixed_currencies() -> None:
    spans = _spans([(1, "2024-01-15", None, 1000), (2, "2024-01-15", None, 1000)])
    spans["currency"] = ["USD", "EUR"]
    with pytest.raises(ValueError, match="currency"):
        baseline.bridge_spans(spans, through=pd.Period("2024-05", "M"))


# --------------------------------------------------------------------------
# properties: any small table, baseline == oracle
# --------------------------------------------------------------------------
_DAY0 = np.datetime64("2024-01-01", "D")


@st.composite
def span_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    rows = []
    for _ in range(n):
        start = _DAY0 + draw(st.integers(0, 400))
        length = draw(st.one_of(st.none(), st.integers(0, 200)))
        end = None if length is None else str(start + length)
        rows.append(
            (draw(st.integers(1, 4)), str(start), end, draw(st.integers(0, 900)))
        )
    frame = _spans(rows)
    return frame if n else frame.astype({"customer_id": "int64"})


@st.composite
def row_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    months = [draw(st.integers(0, 14)) for _ in range(n)]
    return pd.DataFrame(
        {
            "customer_id": np.array(
                [draw(st.integers(1, 4)) for _ in range(n)], np.int64
            ),
            "month": (np.datetime64("2024-01", "M") + np.array(months, np.int64))
            .astype("datetime64[D]")
            .astype("datetime64[s]"),
            "mrr": np.array([draw(st.integers(0, 900)) for _ in range(n)], np.int64),
            "currency": "USD",
        }
    )


_throughs = st.integers(-2, 16).map(lambda k: pd.Period("2024-01", "M") + k)


@pytest.fixture(scope="module")
def con() -> Iterator[Any]:
    # one DuckDB connection for all examples: connecting costs more than the query
    connection = baseline.connect()
    yield connection
    connection.close()


@pytest.mark.slow
@settings(deadline=None)
@given(spans=span_tables(), through=_throughs)
def test_property_spans_baseline_equals_oracle(
    con: Any, spans: pd.DataFrame, through: pd.Period
) -> None:
    expected = oracle.bridge_spans(spans, through=through)
    got = baseline.bridge_spans(spans, through=through, con=con)
    pd.testing.assert_frame_equal(got, expected)
    if len(got):
        _assert_identity(got)


@pytest.mark.slow
@settings(deadline=None)
@given(rows=row_tables(), through=_throughs)
def test_property_rows_baseline_equals_oracle(
    con: Any, rows: pd.DataFrame, through: pd.Period
) -> None:
    expected = oracle.bridge_monthly_rows(rows, through=through)
    got = baseline.bridge_monthly_rows(rows, through=through, con=con)
    pd.testing.assert_frame_equal(got, expected)
    if len(got):
        _assert_identity(got)


# --------------------------------------------------------------------------
# the generator: realistic shape, deterministic
# --------------------------------------------------------------------------
def test_generator_shapes() -> None:
    spans = generate.generate_spans(20_000, seed=5)
    stats = generate.summarize_spans(spans)
    assert 2.7 < stats["spans_per_customer"] < 3.3
    assert 0.28 < stats["share_customers_open_ended"] < 0.40
    assert 100 < stats["median_mrr_dollars"] < 140
    assert (spans["end"].isna() | (spans["end"] > spans["start"])).all()
    assert spans["subscription_id"].is_unique
    assert not spans["customer_id"].is_monotonic_increasing  # shuffled
    rows = generate.generate_monthly_rows(5_000, seed=5)
    fill = rows.groupby(["customer_id", "month"]).ngroups / (5_000 * generate.N_MONTHS)
    assert 0.42 < fill < 0.56
    assert rows.duplicated(["customer_id", "month"]).any()
    pd.testing.assert_frame_equal(rows, generate.generate_monthly_rows(5_000, seed=5))


# --------------------------------------------------------------------------
# the library, once it exists
# --------------------------------------------------------------------------
@pytest.mark.parametrize("string_ids", [False, True])
def test_library_equals_oracle_and_baseline_on_spans(string_ids: bool) -> None:
    ledger_cls, ledger = _library()
    spans = generate.generate_spans(300, seed=7, string_ids=string_ids)
    expected = oracle.bridge_spans(spans, through=THROUGH)
    got = ledger.bridge(ledger_cls.from_subscriptions(spans), through=THROUGH)
    pd.testing.assert_frame_equal(got[COLUMNS], expected)
    pd.testing.assert_frame_equal(
        got[COLUMNS], baseline.bridge_spans(spans, through=THROUGH)
    )


@pytest.mark.parametrize("month_as_period", [False, True])
def test_library_equals_oracle_and_baseline_on_rows(month_as_period: bool) -> None:
    ledger_cls, ledger = _library()
    rows = generate.generate_monthly_rows(300, seed=7, month_as_period=month_as_period)
    expected = oracle.bridge_monthly_rows(rows, through=THROUGH)
    got = ledger.bridge(ledger_cls.from_monthly_mrr(rows), through=THROUGH)
    pd.testing.assert_frame_equal(got[COLUMNS], expected)
    pd.testing.assert_frame_equal(
        got[COLUMNS], baseline.bridge_monthly_rows(rows, through=THROUGH)
    )
