"""Peak RSS and CPU time of the spans ledger plus bridge, in fresh processes.

Usage (from the project root, with nothing else heavy running)::

    .venv/bin/python benchmarks/bench_memory.py --customers 1000000 3000000

For each size the spans are generated once (``generate.py``) and pickled. Then
``--repeat`` fresh processes each import the library, run a small call (so
imports and first-call set-up are done), record their RSS, load the input,
and time one ``ledger.bridge(Ledger.from_subscriptions(spans))`` in CPU
seconds. Peak RSS is ``VmHWM`` (not ``ru_maxrss``, which carries the
driver's peak into a worker); "gain x input" divides what the process
gained from before loading to its peak (the input plus the working memory)
by the input frame's ``memory_usage(deep=True)``, and "work x input" only what
it gained after loading. The table shows the minimum CPU time, the ratio of
each size's minimum to the first size's, and the largest peak.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from timing import peak_rss_bytes as _peak_rss  # noqa: E402

THROUGH = "2026-10"


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _worker(path: str) -> None:
    from subscription_metrics import Ledger, ledger

    with open(path, "rb") as f:
        spans = pickle.load(f)
    small = spans.iloc[:1000].copy()
    del spans
    ledger.bridge(Ledger.from_subscriptions(small), through=THROUGH)
    before = _rss()
    with open(path, "rb") as f:
        spans = pickle.load(f)
    after = _rss()
    size = int(spans.memory_usage(deep=True).sum())
    start = time.process_time()
    ledger.bridge(Ledger.from_subscriptions(spans), through=THROUGH)
    cpu = time.process_time() - start
    peak = _peak_rss()
    result = {
        "input_bytes": size,
        "cpu_seconds": cpu,
        "peak_rss": peak,
        "gain_x": (peak - before) / size,
        "work_x": (peak - after) / size,
        "load": os.getloadavg()[0],
    }
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker")
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker)
        return 0
    import generate

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        for n in args.customers:
            path = Path(folder) / f"spans_{n}.pkl"
            with open(path, "wb") as f:
                pickle.dump(generate.generate_spans(n, seed=args.seed), f, protocol=5)
            runs = []
            for _ in range(args.repeat):
                cmd = [sys.executable, str(Path(__file__).resolve()), "--worker"]
                proc = subprocess.run(
                    [*cmd, str(path)], capture_output=True, text=True, check=True
                )
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            path.unlink()
            rows.append({"customers": n, "runs": runs})
    first = min(r["cpu_seconds"] for r in rows[0]["runs"])
    print(
        "| customers | input | CPU min (max) | vs first | peak RSS | gain x input "
        "| work x input | load |\n|---|---|---|---|---|---|---|---|"
    )
    for row in rows:
        runs = row["runs"]
        cpu = [r["cpu_seconds"] for r in runs]
        print(
            f"| {row['customers']:,} | {runs[0]['input_bytes'] / 1e6:.0f} MB "
            f"| {min(cpu):.2f} s ({max(cpu):.2f}) | {min(cpu) / first:.2f}x "
            f"| {max(r['peak_rss'] for r in runs) / 1e6:.0f} MB "
            f"| {max(r['gain_x'] for r in runs):.2f}x "
            f"| {max(r['work_x'] for r in runs):.2f}x "
            f"| {min(r['load'] for r in runs):.1f}-{max(r['load'] for r in runs):.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
