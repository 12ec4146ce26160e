"""The library against DuckDB on the monthly workloads: same figures, then timed.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_vs_duckdb.py  # quick: 20,000 customers
    .venv/bin/python benchmarks/bench_vs_duckdb.py --customers 250000 1000000
    .venv/bin/python benchmarks/bench_vs_duckdb.py --workload spans --customers 3000000

Workloads (``--workload``, default all five):

``spans``
    ``ledger.bridge(Ledger.from_subscriptions(spans))`` against the dbt
    mrr-playbook SQL (``baseline_duckdb.bridge_spans``).
``rows-int``, ``rows-str``
    ``ledger.bridge(Ledger.from_monthly_mrr(rows))`` against the window query
    (``baseline_duckdb.bridge_monthly_rows``), int64 ids or ``"cus_0001234"``.
``metrics``
    The monthly metric set from spans and a customers table with 10 segments:
    the ledger, ``churn.rates(led, by="segment", conventions=...customers...)``
    (customer-level NRR/GRR against twelve months earlier), the logo cohort
    triangle ``cohorts.triangle(led)`` and ``ltv.estimates(led, by="segment")``,
    against ``baseline_duckdb.metric_set_spans``.
``km``
    Kaplan-Meier of one group of lifetimes (``survival.kaplan_meier``) against
    lifelines' ``KaplanMeierFitter`` (no DuckDB; needs lifelines installed).

For each workload and size the input is generated once (``generate.py``) and
pickled. Check: each side runs once in its own process and the figures must be
identical (bridges to the unit; rates, LTV and the triangle float for float).
Time: ``--repeat`` rounds, each running the library and the baseline in fresh
processes one after the other (the order alternates), each process loading
the input, calling once untimed (``--warmup``), then once timed. Each process
reports wall and CPU seconds, its peak RSS (``VmHWM``, input included),
its RSS after loading, and the load average around the call. The ratio is
the library's median over the baseline's. Results go to
``results/vs_duckdb.json`` (appended) and a table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from timing import peak_rss_bytes as _peak_rss  # noqa: E402

THROUGH = pd.Period("2026-10", freq="M")
WORKLOADS = ("spans", "rows-int", "rows-str", "metrics", "km")
N_SEGMENTS = 10
TARGETS = {"spans": None, "rows-int": 0.3, "rows-str": 0.5, "metrics": 0.5, "km": 1.0}


# --------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------
def make_input(workload: str, n: int, seed: int) -> dict[str, Any]:
    """The input of one workload: frames (and arrays), generated once."""
    if workload == "spans":
        return {"spans": generate.generate_spans(n, seed=seed)}
    if workload in ("rows-int", "rows-str"):
        rows = generate.generate_monthly_rows(
            n, seed=seed, string_ids=workload == "rows-str"
        )
        return {"rows": rows}
    if workload == "metrics":
        spans = generate.generate_spans(n, seed=seed)
        ids = np.arange(1, n + 1, dtype=np.int64)
        rng = np.random.default_rng(seed + 1)
        segment = np.char.add("seg_", rng.integers(0, N_SEGMENTS, n).astype(str))
        customers = pd.DataFrame(
            {"customer_id": ids, "segment": segment.astype(object)}
        )
        customers["segment"] = customers["segment"].astype("str")
        return {"spans": spans, "customers": customers}
    rng = np.random.default_rng(seed)  # km: geometric lifetimes, 30% censored
    duration = rng.geometric(0.04, n).astype(np.int64)
    observed = rng.random(n) >= 0.3
    return {"lifetimes": pd.DataFrame({"duration": duration, "observed": observed})}


def input_bytes(data: dict[str, Any]) -> int:
    return int(sum(frame.memory_usage(deep=True).sum() for frame in data.values()))


# --------------------------------------------------------------------------
# the two sides (run in worker processes)
# --------------------------------------------------------------------------
def library(workload: str, data: dict[str, Any]) -> Any:
    from subscription_metrics import Conventions, Ledger, churn, cohorts, ledger, ltv

    if workload == "spans":
        led = Ledger.from_subscriptions(data["spans"])
        return ledger.bridge(led, through=THROUGH)
    if workload.startswith("rows"):
        led = Ledger.from_monthly_mrr(data["rows"])
        return ledger.bridge(led, through=THROUGH)
    if workload == "metrics":
        led = Ledger.from_subscriptions(
            data["spans"], customers=data["customers"], through=THROUGH
        )
        by_customer = Conventions(nrr_method="customers")
        return {
            "rates": churn.rates(
                led, by="segment", conventions=by_customer, total=False
            ),
            "triangle": cohorts.triangle(led),
            "ltv": ltv.estimates(led, by="segment", total=False),
        }
    from subscription_metrics import survival

    frame = data["lifetimes"]
    return survival.kaplan_meier(frame["duration"], frame["observed"])


def baseline(workload: str, data: dict[str, Any]) -> Any:
    if workload == "km":
        from lifelines import KaplanMeierFitter

        frame = data["lifetimes"]
        fitter = KaplanMeierFitter().fit(frame["duration"], frame["observed"])
        return fitter.survival_function_
    import baseline_duckdb

    if workload == "spans":
        return baseline_duckdb.bridge_spans(data["spans"], through=THROUGH)
    if workload.startswith("rows"):
        return baseline_duckdb.bridge_monthly_rows(data["rows"], through=THROUGH)
    return baseline_duckdb.metric_set_spans(
        data["spans"], data["customers"], through=THROUGH
    )


SIDES: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "library": library,
    "baseline": baseline,
}


def _rss_now() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _worker(args: argparse.Namespace) -> None:
    import gc
    import pickle

    before_load = _rss_now()
    with open(args.data, "rb") as f:
        data = pickle.load(f)
    run = SIDES[args.worker]
    out: dict[str, Any] = {"rss_before_load": before_load, "rss_after_load": _rss_now()}
    if args.mode == "check":
        result = run(args.workload, data)
        with open(args.out, "wb") as f:
            pickle.dump(result, f, protocol=5)
    else:
        for _ in range(args.warmup):
            run(args.workload, data)
        gc.collect()
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        run(args.workload, data)
        out["seconds"] = time.perf_counter() - t0
        out["cpu_seconds"] = time.process_time() - c0
        out["load"] = (load + os.getloadavg()[0]) / 2
    out["peak_rss"] = _peak_rss()
    print(json.dumps(out))


def _spawn(
    side: str, mode: str, workload: str, data: Path, out: Path, warmup: int
) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        side,
        "--mode",
        mode,
        "--workload",
        workload,
        "--data",
        str(data),
        "--out",
        str(out),
        "--warmup",
        str(warmup),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-20:])
        msg = f"{side} {mode} {workload} failed:\n{tail}"
        raise RuntimeError(msg)
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------
# the check
# --------------------------------------------------------------------------
def _same_frame(
    name: str, a: pd.DataFrame, b: pd.DataFrame, columns: list[str]
) -> list[str]:
    problems = []
    if not a.index.equals(b.index):
        return [f"{name}: index differs ({len(a)} vs {len(b)} rows)"]
    for column in columns:
        x, y = a[column].to_numpy(), b[column].to_numpy()
        if x.dtype.kind == "f" or y.dtype.kind == "f":
            same = np.array_equal(
                np.asarray(x, np.float64), np.asarray(y, np.float64), equal_nan=True
            )
        else:
            same = np.array_equal(x, y)
        if not same:
            problems.append(f"{name}.{column} differs")
    return problems


def compare(workload: str, lib: Any, base: Any) -> list[str]:
    """The differences between the two sides' figures ([] when identical)."""
    if workload in ("spans", "rows-int", "rows-str"):
        from bench_ledger import compare_bridges
        from subscription_metrics.ledger import BRIDGE_COLUMNS

        return compare_bridges(lib, base, BRIDGE_COLUMNS)
    if workload == "km":
        mine = lib["survival"]
        theirs = base.iloc[:, 0]
        theirs = theirs[theirs.index.isin(mine.index)]
        mine = mine.reindex(theirs.index.astype(mine.index.dtype))
        if len(mine) < 2 or not np.allclose(mine, theirs, rtol=1e-9, atol=0):
            return ["survival curves differ"]
        return []
    rates, ltv = lib["rates"], lib["ltv"]
    problems = _same_frame(
        "rates",
        rates,
        base["rates"],
        [
            "customers_at_start",
            "customers_new",
            "customers_reactivated",
            "customers_lost",
            "customers_at_end",
            "mrr_at_start",
            "new_mrr",
            "expansion_mrr",
            "contraction_mrr",
            "churned_mrr",
            "reactivation_mrr",
            "mrr_at_end",
            "customer_churn_rate",
            "net_revenue_retention",
            "gross_revenue_retention",
        ],
    )
    problems += _same_frame(
        "ltv",
        ltv,
        base["ltv"],
        ["average_revenue_per_account", "churn_rate", "lifetime_value"],
    )
    tri, theirs = lib["triangle"], base["triangle"]
    if not (tri.index.equals(theirs.index) and tri.columns.equals(theirs.columns)):
        problems.append(f"triangle shape {tri.shape} vs {theirs.shape}")
    elif not np.array_equal(tri.to_numpy(), theirs.to_numpy(), equal_nan=True):
        problems.append("triangle differs")
    return problems


# --------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------
def _environment() -> dict[str, Any]:
    import platform

    import duckdb

    import subscription_metrics

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(mem / 2**30, 1),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
        "library": getattr(subscription_metrics, "__version__", "?"),
    }


def run_one(
    workload: str, n: int, args: argparse.Namespace, tmp: Path
) -> dict[str, Any]:
    import pickle

    data = make_input(workload, n, args.seed)
    size = input_bytes(data)
    rows = sum(len(frame) for frame in data.values())
    path = tmp / f"{workload}_{n}.pkl"
    with open(path, "wb") as f:
        pickle.dump(data, f, protocol=5)
    del data
    outputs = {side: tmp / f"{workload}_{n}_{side}.out" for side in SIDES}
    for side in SIDES:
        _spawn(side, "check", workload, path, outputs[side], 0)
    results = {}
    for side, out in outputs.items():
        with open(out, "rb") as f:
            results[side] = pickle.load(f)
        out.unlink()
    problems = compare(workload, results["library"], results["baseline"])
    del results
    record: dict[str, Any] = {
        "workload": workload,
        "customers": n,
        "rows": rows,
        "input_bytes": size,
        "check": problems or "identical",
    }
    if problems:
        print(f"{workload} {n:,}: CHECK FAILED: {problems}")
        path.unlink()
        return record
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for i in range(args.repeat):
        order = list(SIDES) if i % 2 == 0 else list(SIDES)[::-1]
        for side in order:
            runs[side].append(_spawn(side, "time", workload, path, path, args.warmup))
    path.unlink()
    for side, found in runs.items():
        record[side] = {
            "seconds": [r["seconds"] for r in found],
            "cpu_seconds": [r["cpu_seconds"] for r in found],
            "median": statistics.median(r["seconds"] for r in found),
            "peak_rss": max(r["peak_rss"] for r in found),
            "rss_after_load": max(r["rss_after_load"] for r in found),
            "rss_before_load": max(r["rss_before_load"] for r in found),
            "load": [r["load"] for r in found],
        }
    record["ratio"] = record["library"]["median"] / record["baseline"]["median"]
    target = TARGETS[workload]
    record["target"] = target
    return record


def _span(side: dict[str, Any]) -> str:
    times = side["seconds"]
    return f"{side['median']:.2f} s ({min(times):.2f}-{max(times):.2f})"


def _row(record: dict[str, Any]) -> str:
    name, n = record["workload"], record["customers"]
    if record["check"] != "identical":
        return f"| {name} | {n:,} | CHECK FAILED | | | | | | |"
    lib, base = record["library"], record["baseline"]
    gb, size = 2**30, record["input_bytes"]
    loads = lib["load"] + base["load"]
    target = record["target"]
    verdict = (
        "-" if target is None else ("PASS" if record["ratio"] <= target else "MISS")
    )
    peak, above = lib["peak_rss"], lib["peak_rss"] - lib["rss_before_load"]
    return (
        f"| {name} | {n:,} ({record['rows']:,} rows) | {size / gb:.2f} GB "
        f"| {_span(lib)} | {_span(base)} "
        f"| **{record['ratio']:.2f}** (target {target or '-'}: {verdict}) "
        f"| {peak / gb:.2f} GB ({peak / size:.1f}x; {above / size:.1f}x) "
        f"| {base['peak_rss'] / gb:.2f} GB | {min(loads):.1f}-{max(loads):.1f} |"
    )


HEADER = (
    "| workload | customers (input rows) | input frame | library median (min-max) "
    "| baseline median (min-max) | library / baseline "
    "| library peak RSS (x input; above start-up x input) "
    "| baseline peak RSS | load average |\n|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000])
    parser.add_argument(
        "--workload", nargs="+", choices=WORKLOADS, default=list(WORKLOADS)
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--worker", choices=list(SIDES))
    parser.add_argument("--mode", choices=["check", "time"])
    parser.add_argument("--data")
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.worker:
        args.workload = (
            args.workload[0] if isinstance(args.workload, list) else args.workload
        )
        _worker(args)
        return 0
    env = _environment()
    print(json.dumps(env))
    records = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.customers:
            for workload in args.workload:
                if workload == "km":
                    try:
                        import lifelines  # noqa: F401
                    except ImportError:
                        print("km: lifelines is not installed; skipped")
                        continue
                record = run_one(workload, n, args, Path(folder))
                record["environment"] = env
                record["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                records.append(record)
                print(_row(record), flush=True)
    print(HEADER)
    for record in records:
        print(_row(record))
    if not args.no_save:
        out = HERE / "results" / "vs_duckdb.json"
        saved = json.loads(out.read_text()) if out.exists() else []
        out.write_text(json.dumps(saved + records, indent=1, default=str))
    failed = any(r["check"] != "identical" for r in records)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
