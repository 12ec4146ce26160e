"""Benchmark the MRR ledger against a DuckDB SQL baseline (and a slow oracle).

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_ledger.py --customers 1000000 --input spans
    .venv/bin/python benchmarks/bench_ledger.py --customers 500000 --input rows
    .venv/bin/python benchmarks/bench_ledger.py --customers 2000 --input spans \
        --repeat 3 --string-ids

What happens:

1. The input is generated once (``generate.py``, seeded) and pickled to a
   temporary directory.
2. Check: every method runs once, each in its own subprocess, and writes its
   bridge; the frames must be identical (index, columns, int64 values) between
   the DuckDB baseline, the library and, when ``--customers <= 2000``, the
   slow oracle.
3. Timing: every method runs again in a fresh subprocess: load the input (not
   timed), then ``--repeat`` timed calls; the median is reported. Peak RSS is
   ``getrusage(RUSAGE_SELF).ru_maxrss`` of that process (it includes the
   loaded input, shown separately as "RSS after load").

What is timed:

* library: ``Ledger.from_subscriptions(spans)`` / ``Ledger.from_monthly_mrr(rows)``
  (validation + events) + ``ledger.bridge(led, through=...)``;
* duckdb: new in-memory connection (``SET threads=2``) + register the frame +
  currency check + query + result to pandas (``baseline_duckdb.py``);
* oracle: the pure-Python customer-by-month loop (``oracle.py``).

Results: a JSON file per run and a row appended to ``results/results.md`` in
``benchmarks/results/``. Verdict and exit status: PASS (0) = frames identical
and the targets met; CHECKED (0) = frames identical, no target for this input
(targets exist for int ids at spans 1,000,000 and rows 500,000 customers);
FAIL (1) = frames differ, a method failed or a target was missed; PENDING (2) =
the library is not importable yet (baseline and oracle still run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ORACLE_MAX_CUSTOMERS = 2000

# Targets (acceptance criteria of the library, from the project brief).
TARGETS: dict[tuple[str, int], dict[str, float]] = {
    ("spans", 1_000_000): {"min_ratio": 5.0, "max_seconds": 3.0, "max_peak_gb": 3.0},
    ("rows", 500_000): {"min_ratio": 2.0},
}

if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import generate  # noqa: E402


# --------------------------------------------------------------------------
# the methods (run inside worker processes)
# --------------------------------------------------------------------------
def _run_duckdb(data: pd.DataFrame, kind: str, through: pd.Period) -> pd.DataFrame:
    import baseline_duckdb

    if kind == "spans":
        return baseline_duckdb.bridge_spans(data, through=through)
    return baseline_duckdb.bridge_monthly_rows(data, through=through)


def _run_library(data: pd.DataFrame, kind: str, through: pd.Period) -> pd.DataFrame:
    from subscription_metrics import Ledger, ledger

    if kind == "spans":
        led = Ledger.from_subscriptions(data)
    else:
        led = Ledger.from_monthly_mrr(data)
    result: pd.DataFrame = ledger.bridge(led, through=through)
    return result


def _run_oracle(data: pd.DataFrame, kind: str, through: pd.Period) -> pd.DataFrame:
    import oracle

    if kind == "spans":
        return oracle.bridge_spans(data, through=through)
    return oracle.bridge_monthly_rows(data, through=through)


METHODS = {"duckdb": _run_duckdb, "library": _run_library, "oracle": _run_oracle}


def _peak_rss_bytes() -> int:
    # Linux reports ru_maxrss in KiB
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def _worker(args: argparse.Namespace) -> None:
    """Run one method in this process and print one JSON line."""
    import gc

    data = pd.read_pickle(args.data)
    through = pd.Period(args.through, freq="M")
    rss_after_load = _peak_rss_bytes()
    run = METHODS[args.worker]
    out: dict[str, Any] = {"method": args.worker, "rss_after_load": rss_after_load}
    if args.mode == "check":
        t0 = time.perf_counter()
        frame = run(data, args.input, through)
        out["seconds_first_call"] = time.perf_counter() - t0
        frame.to_pickle(args.out)
    else:
        warmup = []
        for _ in range(args.warmup):  # untimed: lazy imports, first-touch of memory
            t0 = time.perf_counter()
            run(data, args.input, through)
            warmup.append(time.perf_counter() - t0)
        out["warmup_seconds"] = warmup
        times, cpu = [], []
        for _ in range(args.repeat):
            gc.collect()
            c0, t0 = time.process_time(), time.perf_counter()
            frame = run(data, args.input, through)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)  # all threads of this process
            del frame
        out["seconds"] = times
        out["median_seconds"] = statistics.median(times)
        out["cpu_seconds"] = cpu
        out["median_cpu_seconds"] = statistics.median(cpu)
    out["peak_rss"] = _peak_rss_bytes()
    print("RESULT " + json.dumps(out))


# --------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------
def _environment() -> dict[str, Any]:
    import duckdb

    env: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "duckdb": duckdb.__version__,
    }
    try:
        env["nproc"] = int(
            subprocess.run(
                ["nproc"], capture_output=True, text=True, check=True
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            kib = int(fh.readline().split()[1])
        env["mem_total_gib"] = round(kib / 1024**2, 1)
    except (OSError, ValueError, IndexError):
        pass
    try:
        from importlib.metadata import version

        env["subscription_metrics"] = version("subscription-metrics")
    except Exception:  # reporting only
        env["subscription_metrics"] = None
    return env


def _library_status() -> str | None:
    """None if the library's ledger API imports in a fresh process, else why not."""
    code = "from subscription_metrics import Ledger, ledger; ledger.bridge"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    if proc.returncode == 0:
        return None
    lines = proc.stderr.strip().splitlines()
    return lines[-1] if lines else f"exit status {proc.returncode}"


def _cpu_ticks() -> tuple[int, int]:
    """(all, idle) CPU ticks of the machine since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]  # idle + iowait


def _cpu_busy(interval: float = 1.0) -> float:
    """Share of all CPUs busy over `interval` seconds."""
    try:
        total0, idle0 = _cpu_ticks()
        time.sleep(interval)
        total1, idle1 = _cpu_ticks()
    except (OSError, ValueError, IndexError):
        return float("nan")
    total = total1 - total0
    return float("nan") if total <= 0 else 1.0 - (idle1 - idle0) / total


def _wait_until_idle(max_wait: float, threshold: float = 0.10) -> float:
    """Wait (up to `max_wait` s) until other processes leave the CPUs idle."""
    deadline = time.monotonic() + max_wait
    busy = _cpu_busy()
    while busy > threshold and time.monotonic() < deadline:
        busy = _cpu_busy(2.0)
    return busy


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(usage.ru_utime + usage.ru_stime)


def _spawn(
    method: str, mode: str, data: Path, args: argparse.Namespace, out: Path | None
) -> dict[str, Any]:
    timing = mode == "time"
    busy_before = _wait_until_idle(args.wait_idle) if timing else float("nan")
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        method,
        "--mode",
        mode,
        "--data",
        str(data),
        "--input",
        args.input,
        "--through",
        str(args.through),
        "--repeat",
        str(args.repeat),
        "--warmup",
        str(args.warmup),
    ]
    if out is not None:
        cmd += ["--out", str(out)]
    env = dict(os.environ)
    if args.keep_freed_memory:
        # glibc keeps freed memory instead of returning it to the kernel, so a
        # call does not page-fault in fresh memory (slow and erratic on this VM)
        env["MALLOC_MMAP_THRESHOLD_"] = env["MALLOC_TRIM_THRESHOLD_"] = str(4 * 2**30)
    ticks0, child0 = _cpu_ticks(), _children_cpu_seconds()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    ticks1, child1 = _cpu_ticks(), _children_cpu_seconds()
    # CPU used by everything else while the worker ran, as a share of all CPUs
    hz = os.sysconf("SC_CLK_TCK")
    all_s = (ticks1[0] - ticks0[0]) / hz
    busy_s = all_s - (ticks1[1] - ticks0[1]) / hz
    others = max(0.0, busy_s - (child1 - child0)) / all_s if all_s > 0 else 0.0
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            if timing:
                result["cpu_busy_before"] = busy_before
                result["cpu_share_other_processes"] = others
                if others > 0.10:
                    print(
                        f"WARNING: other processes used {others:.0%} of the CPUs "
                        f"while {method} was timed: its timings are noisy"
                    )
            return result
    tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
    return {"method": method, "error": tail or f"exit status {proc.returncode}"}


def compare_bridges(
    a: pd.DataFrame, b: pd.DataFrame, columns: tuple[str, ...]
) -> list[str]:
    """Differences between two bridges on `columns` ([] when identical)."""
    problems: list[str] = []
    missing = [c for c in columns if c not in a.columns or c not in b.columns]
    if missing:
        problems.append(f"missing columns: {missing}")
        columns = tuple(c for c in columns if c not in missing)
    if not isinstance(a.index, pd.PeriodIndex) or not isinstance(
        b.index, pd.PeriodIndex
    ):
        problems.append(
            f"index types differ from PeriodIndex: {type(a.index).__name__}, "
            f"{type(b.index).__name__}"
        )
        return problems
    if a.index.name != b.index.name:
        problems.append(f"index names: {a.index.name!r} vs {b.index.name!r}")
    if not a.index.equals(b.index):
        problems.append(
            f"months differ: {a.index.min()}..{a.index.max()} ({len(a)}) vs "
            f"{b.index.min()}..{b.index.max()} ({len(b)})"
        )
        return problems
    for col in columns:
        if a[col].dtype != np.int64 or b[col].dtype != np.int64:
            problems.append(f"{col}: dtypes {a[col].dtype} vs {b[col].dtype}")
        diff = a[col].to_numpy() != b[col].to_numpy()
        if diff.any():
            first = a.index[diff][0]
            problems.append(
                f"{col}: {int(diff.sum())} months differ, first {first}: "
                f"{a.loc[first, col]} vs {b.loc[first, col]}"
            )
    return problems


def bridge_identity_problems(frame: pd.DataFrame) -> list[str]:
    """Months where the bridge does not reconcile (end = start + movements)."""
    f = frame
    money = (
        f.mrr_at_start
        + f.new_mrr
        + f.expansion_mrr
        + f.reactivation_mrr
        - f.contraction_mrr
        - f.churned_mrr
        - f.mrr_at_end
    )
    count = (
        f.customers_at_start
        + f.customers_new
        + f.customers_reactivated
        - f.customers_lost
        - f.customers_at_end
    )
    carry = f.mrr_at_start.iloc[1:].to_numpy() != f.mrr_at_end.iloc[:-1].to_numpy()
    out = []
    if (money != 0).any():
        out.append(f"money identity broken in {int((money != 0).sum())} months")
    if (count != 0).any():
        out.append(f"customer identity broken in {int((count != 0).sum())} months")
    if carry.any():
        out.append(f"start != previous end in {int(carry.sum())} months")
    return out


def _fmt_gb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e9:.2f} GB"


def _driver(args: argparse.Namespace) -> int:
    import oracle

    env = _environment()
    print(
        f"machine: nproc={env['nproc']} (affinity {env['affinity_cpus']}), "
        f"{env.get('mem_total_gib', '?')} GiB RAM, {env['machine']}; "
        f"python {env['python']}, numpy {env['numpy']}, pandas {env['pandas']}, "
        f"duckdb {env['duckdb']}, subscription-metrics {env['subscription_metrics']}"
    )
    through = pd.Period(args.through, freq="M")
    kind = args.input
    ids = "str" if args.string_ids else "int"

    t0 = time.perf_counter()
    if kind == "spans":
        data = generate.generate_spans(
            args.customers, seed=args.seed, string_ids=args.string_ids
        )
    else:
        data = generate.generate_monthly_rows(
            args.customers, seed=args.seed, string_ids=args.string_ids
        )
    gen_seconds = time.perf_counter() - t0
    print(
        f"input: {kind}, {args.customers:,} customers, {len(data):,} rows, "
        f"{ids} ids, seed {args.seed}, through {through} "
        f"(generated in {gen_seconds:.1f} s)"
    )

    lib_problem = None if args.no_library else _library_status()
    methods = ["duckdb"]
    if lib_problem is None and not args.no_library:
        methods.append("library")
    elif not args.no_library:
        print(f"library: PENDING (not importable: {lib_problem})")
    if args.customers <= ORACLE_MAX_CUSTOMERS:
        methods.append("oracle")

    with tempfile.TemporaryDirectory(prefix="bench_ledger_") as tmp:
        data_path = Path(tmp) / "input.pkl"
        data.to_pickle(data_path, protocol=5)
        n_rows = len(data)
        del data

        # ---- 1. check: identical frames --------------------------------
        frames: dict[str, pd.DataFrame] = {}
        check_errors: list[str] = []
        for m in methods:
            out = Path(tmp) / f"{m}.pkl"
            res = _spawn(m, "check", data_path, args, out)
            if "error" in res:
                check_errors.append(f"{m} failed:\n{res['error']}")
                continue
            frames[m] = pd.read_pickle(out)
            print(f"check run {m:8s}: {res['seconds_first_call']:.2f} s")
        reference = frames.get("oracle", frames.get("duckdb"))
        if "duckdb" in frames:
            check_errors += [
                f"duckdb: {p}" for p in bridge_identity_problems(frames["duckdb"])
            ]
        if reference is not None:
            ref_name = "oracle" if "oracle" in frames else "duckdb"
            for m, frame in frames.items():
                if m == ref_name:
                    continue
                for p in compare_bridges(frame, reference, oracle.BRIDGE_COLUMNS):
                    check_errors.append(f"{m} vs {ref_name}: {p}")
        checked = ", ".join(frames) if frames else "nothing"
        if check_errors:
            print("CHECK: FAIL\n  " + "\n  ".join(check_errors))
        else:
            n_months = 0 if reference is None else len(reference)
            print(f"CHECK: PASS ({checked} identical, {n_months} months)")

        # ---- 2. timing ---------------------------------------------------
        timings: dict[str, dict[str, Any]] = {}
        for m in frames:
            res = _spawn(m, "time", data_path, args, None)
            timings[m] = res
            if "error" in res:
                print(f"{m}: timing run failed:\n{res['error']}")

    def med(m: str) -> float | None:
        t = timings.get(m, {})
        return None if "median_seconds" not in t else float(t["median_seconds"])

    def peak(m: str) -> float | None:
        t = timings.get(m, {})
        return None if "peak_rss" not in t else float(t["peak_rss"])

    print(
        f"\n{'method':8s} {'median':>9s} {'min':>8s} {'max':>8s} {'cpu med':>8s} "
        f"{'peak RSS':>10s} {'after load':>11s}"
    )
    for m, t in timings.items():
        if "median_seconds" not in t:
            continue
        print(
            f"{m:8s} {t['median_seconds']:8.3f}s {min(t['seconds']):7.3f}s "
            f"{max(t['seconds']):7.3f}s {t['median_cpu_seconds']:7.3f}s "
            f"{_fmt_gb(t['peak_rss']):>10s} "
            f"{_fmt_gb(t['rss_after_load']):>11s}"
        )
    for m, t in timings.items():
        if "seconds" in t:
            calls = ", ".join(f"{x:.3f}" for x in t["seconds"])
            warm = ", ".join(f"{x:.3f}" for x in t.get("warmup_seconds", []))
            print(
                f"  {m} calls (s): {calls}" + (f"  [warm-up: {warm}]" if warm else "")
            )
    ratio = None
    if med("duckdb") and med("library"):
        ratio = med("duckdb") / med("library")  # type: ignore[operator]
        print(f"ratio duckdb / library: {ratio:.2f}x")

    # ---- 3. verdict ----------------------------------------------------------
    target = None if args.string_ids else TARGETS.get((kind, args.customers))
    reasons: list[str] = []
    if check_errors:
        status = "FAIL"
        reasons.append("frames differ or a method failed")
    elif any("error" in t for t in timings.values()):
        status = "FAIL"
        reasons.append("a timing run failed")
    elif "library" not in timings:
        status = "PENDING"
        reasons.append("library not benchmarked (not available or --no-library)")
    elif target is None:
        status = "CHECKED"
        reasons.append(
            "checks pass; no performance target for this input (targets: int ids, "
            "spans 1,000,000 customers, rows 500,000 customers)"
        )
    else:
        status = "PASS"
        lib_s, lib_peak = med("library"), peak("library")
        if ratio is None or ratio < target["min_ratio"]:
            status = "FAIL"
            reasons.append(f"ratio {ratio or 0:.2f}x < {target['min_ratio']}x")
        else:
            reasons.append(f"ratio {ratio:.2f}x >= {target['min_ratio']}x")
        if "max_seconds" in target:
            if lib_s is None or lib_s >= target["max_seconds"]:
                status = "FAIL"
                reasons.append(f"library {lib_s:.2f} s >= {target['max_seconds']} s")
            else:
                reasons.append(f"library {lib_s:.2f} s < {target['max_seconds']} s")
        if "max_peak_gb" in target:
            gb = (lib_peak or 0) / 1e9
            if lib_peak is None or gb >= target["max_peak_gb"]:
                status = "FAIL"
                reasons.append(
                    f"library peak {gb:.2f} GB >= {target['max_peak_gb']} GB"
                )
            else:
                reasons.append(f"library peak {gb:.2f} GB < {target['max_peak_gb']} GB")
    print(f"\nTARGETS: {status} ({'; '.join(reasons)})")

    # ---- 4. results ----------------------------------------------------------
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        record = {
            "timestamp": stamp,
            "input": kind,
            "customers": args.customers,
            "rows": n_rows,
            "ids": ids,
            "seed": args.seed,
            "through": str(through),
            "repeat": args.repeat,
            "warmup": args.warmup,
            "keep_freed_memory": args.keep_freed_memory,
            "environment": env,
            "check_errors": check_errors,
            "timings": timings,
            "ratio_duckdb_over_library": ratio,
            "status": status,
            "reasons": reasons,
        }
        json_path = RESULTS / f"{kind}_{args.customers}_{ids}_{stamp}.json"
        json_path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        md_path = RESULTS / "results.md"
        if not md_path.exists():
            md_path.write_text(
                "| date (UTC) | input | customers | rows | ids | repeat (+warm-up) "
                "| freed memory kept "
                "| duckdb median | duckdb peak | library median | library peak "
                "| oracle median | ratio duckdb/library | status "
                "| CPU share used by other processes during the timings |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
                encoding="utf-8",
            )

        def cell(m: str) -> tuple[str, str]:
            s = med(m)
            return ("-" if s is None else f"{s:.3f} s", _fmt_gb(peak(m)))

        d, lib, orc = cell("duckdb"), cell("library"), cell("oracle")
        busy = [t.get("cpu_share_other_processes", 0.0) for t in timings.values()]
        busy_note = f"up to {max(busy):.0%}" if busy else "-"
        row = (
            f"| {stamp} | {kind} | {args.customers:,} | {n_rows:,} | {ids} "
            f"| {args.repeat} (+{args.warmup}) "
            f"| {'yes' if args.keep_freed_memory else 'no'} "
            f"| {d[0]} | {d[1]} | {lib[0]} | {lib[1]} | {orc[0]} "
            f"| {'-' if ratio is None else f'{ratio:.2f}x'} | {status} "
            f"| {busy_note} |\n"
        )
        with md_path.open("a", encoding="utf-8") as fh:
            fh.write(row)
        print(
            f"wrote {json_path.relative_to(HERE.parent)} and a row in "
            f"{md_path.relative_to(HERE.parent)}"
        )
    return {"PASS": 0, "CHECKED": 0, "FAIL": 1, "PENDING": 2}[status]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark ledger.bridge against a DuckDB SQL baseline."
    )
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--input", choices=["spans", "rows"], default="spans")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="untimed calls in the timing process before the repeats (default 1)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--through", default=str(generate.THROUGH))
    parser.add_argument(
        "--string-ids",
        action="store_true",
        help='customer ids like "cus_0001234" instead of int64',
    )
    parser.add_argument(
        "--no-library",
        action="store_true",
        help="benchmark the baseline (and oracle) only",
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=300.0,
        help="before each timing process, wait up to this many seconds for the "
        "CPUs to be idle (default 300; 0 = do not wait)",
    )
    parser.add_argument(
        "--keep-freed-memory",
        action="store_true",
        help="run the workers with MALLOC_MMAP_THRESHOLD_=MALLOC_TRIM_THRESHOLD_=4GiB "
        "(glibc keeps freed memory: stable timings on a VM)",
    )
    parser.add_argument(
        "--no-save", action="store_true", help="do not write into benchmarks/results/"
    )
    # internal: worker mode
    parser.add_argument("--worker", choices=sorted(METHODS), help=argparse.SUPPRESS)
    parser.add_argument("--mode", choices=["check", "time"], help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup < 0:
        parser.error(f"--warmup must be >= 0, got {args.warmup}")
    if args.repeat < 1:
        parser.error(f"--repeat must be >= 1, got {args.repeat}")
    if args.customers < 1:
        parser.error(f"--customers must be >= 1, got {args.customers}")
    if args.worker:
        _worker(args)
        return 0
    return _driver(args)


if __name__ == "__main__":
    sys.exit(main())
