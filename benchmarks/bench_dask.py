"""Time the whole metric set on Dask (a LocalCluster of processes) from Parquet.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_dask.py --customers 1000000 5000000 --single

For each size: synthetic subscription spans (``generate.py``, about 3 spans
per customer over 36 months) and a customers table (``segment`` by id) are
written as Parquet datasets, one file per million customers; a fresh
``LocalCluster`` of 2 worker processes (1 thread each) computes
``sm.dask.partials(..., by="segment")`` (shuffle by customer, a ledger and a
partial per partition, a tree of combines) and ``ledger.finish``: the bridge,
movement totals, monthly rates with customer-level NRR/GRR, cohort retention,
Kaplan-Meier curves and sBG fits per segment. The peak resident memory of
every worker process is read from ``getrusage`` at the end.

With ``--single`` the single-machine path (pandas reads the same Parquet,
one ``Ledger``, the same figures) runs in a child process, its time and peak
memory are recorded, and every figure is checked equal to the Dask one.

With ``--scorecard`` the same cluster (and with ``--single`` the same child)
also computes the LTV-aware scorecard (``sm.dask.scorecard``, by person,
with the company's row): every customer is credited to one of ``REPS``
field-sales reps by its id, and the two scorecards are checked equal.
"""

from __future__ import annotations

import argparse
import json
import pickle
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
import pandas as pd

import generate
import subscription_metrics as sm
import timing

THROUGH = "2026-10"
CHUNK = 1_000_000
SEGMENTS = np.array(["smb", "mid", "ent", "strategic"], dtype=object)
REPS = 40


def _with_reps(customers: pd.DataFrame) -> pd.DataFrame:
    """Credit every customer to a field-sales rep by its id."""
    rep = (customers["customer_id"].to_numpy(np.int64) % REPS).astype(str)
    return customers.assign(field_sales_rep=np.char.add("rep-", rep).astype(object))


def _staff() -> pd.DataFrame:
    names = [f"rep-{i}" for i in range(REPS)]
    return pd.DataFrame(
        {
            "staff_id": names,
            "role": "field_sales",
            "monthly_cost": 1_000_000,
            "currency": "USD",
            "team": [f"team-{i % 4}" for i in range(REPS)],
        }
    )


def write_dataset(n_customers: int, folder: Path, seed: int) -> dict[str, int]:
    """Write spans and customers as Parquet datasets, one file per chunk."""
    spans_dir = folder / "subscriptions"
    customers_dir = folder / "customers"
    spans_dir.mkdir(parents=True, exist_ok=True)
    customers_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    for i, lo in enumerate(range(0, n_customers, CHUNK)):
        n = min(CHUNK, n_customers - lo)
        spans = generate.generate_spans(n, seed=seed + i)
        spans["customer_id"] += lo
        spans["subscription_id"] += i * 10_000_000_000
        spans["currency"] = spans["currency"].astype(object)
        spans.to_parquet(spans_dir / f"part-{i:04d}.parquet", index=False)
        ids = np.arange(lo + 1, lo + n + 1, dtype=np.int64)
        customers = pd.DataFrame({"customer_id": ids, "segment": SEGMENTS[ids % 4]})
        customers.to_parquet(customers_dir / f"part-{i:04d}.parquet", index=False)
        rows += len(spans)
    return {"customers": n_customers, "spans": rows}


def _peak_rss_mb() -> float:
    return timing.peak_rss_bytes() / 2**20


def run_dask(
    folder: Path, partitions: int, memory_limit: str, scorecard: bool
) -> dict[str, Any]:
    from distributed import Client, LocalCluster

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit,
            dashboard_address=":0",
        )
    import cloudpickle

    # The workers read their own peak (VmHWM) with this module's code, sent by value.
    cloudpickle.register_pickle_by_value(timing)
    with Client(cluster) as client:
        start = time.perf_counter()
        combined = sm.dask.partials(
            str(folder / "subscriptions"),
            customers=str(folder / "customers"),
            through=THROUGH,
            by="segment",
            npartitions=partitions,
        )
        computed = time.perf_counter() - start
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            figures = sm.ledger.finish(combined)
        finished = time.perf_counter() - t
        card = None
        if scorecard:
            import dask.dataframe as dd

            t = time.perf_counter()
            customers = dd.read_parquet(str(folder / "customers"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                card = sm.dask.scorecard(
                    str(folder / "subscriptions"),
                    customers=customers.map_partitions(_with_reps),
                    staff=_staff(),
                    through=THROUGH,
                    npartitions=partitions,
                )
            carded = time.perf_counter() - t
        peaks = client.run(_peak_rss_mb)
    cluster.close()
    out = {
        "partitions": partitions,
        "seconds_partials": round(computed, 2),
        "seconds_finish": round(finished, 3),
        "seconds_total": round(computed + finished, 2),
        "worker_peak_rss_mb": sorted(round(v) for v in peaks.values()),
        "client_peak_rss_mb": round(_peak_rss_mb()),
        "figures": figures,
    }
    if card is not None:
        out["seconds_scorecard"] = round(carded, 2)
        out["scorecard"] = card
    return out


def run_single(folder: Path, scorecard: bool) -> dict[str, Any]:
    """The single-machine path, timed: read, one ledger, every figure."""
    start = time.perf_counter()
    spans = pd.read_parquet(folder / "subscriptions")
    customers = pd.read_parquet(folder / "customers")
    read = time.perf_counter() - start
    t = time.perf_counter()
    led = sm.Ledger.from_subscriptions(spans, customers=customers, through=THROUGH)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figures = sm.ledger.finish(sm.ledger.partial(led, by="segment"))
    computed = time.perf_counter() - t
    out = {
        "seconds_read": round(read, 2),
        "seconds_figures": round(computed, 2),
        "seconds_total": round(read + computed, 2),
        "figures": figures,
    }
    if scorecard:
        t = time.perf_counter()
        rated = sm.Ledger.from_subscriptions(
            spans, customers=_with_reps(customers), through=THROUGH
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out["scorecard"] = sm.scorecards.scorecard(rated, staff=_staff())
        out["seconds_scorecard"] = round(time.perf_counter() - t, 2)
    out["peak_rss_mb"] = round(_peak_rss_mb())
    return out


def _check_sums(figures: sm.Figures) -> dict[str, int]:
    """A few totals of the figures, recorded so a run can be checked later."""
    bridge = figures.bridge
    return {
        "customers_new": int(bridge["customers_new"].sum()),
        "new_mrr": int(bridge["new_mrr"].sum()),
        "churned_mrr": int(bridge["churned_mrr"].sum()),
        "mrr_at_end_last_month": int(
            bridge.xs(bridge.index.get_level_values("month").max(), level="month")[
                "mrr_at_end"
            ].sum()
        ),
    }


def _same(a: sm.Figures, b: sm.Figures) -> bool:
    for name in ("bridge", "movement_totals", "rates", "cohort_retention", "survival"):
        pd.testing.assert_frame_equal(
            getattr(a, name), getattr(b, name), check_exact=True
        )
    pd.testing.assert_frame_equal(a.sbg, b.sbg, check_exact=True)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--customers-per-partition", type=int, default=250_000)
    parser.add_argument("--memory-limit", default="10GB")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--single", action="store_true")
    parser.add_argument("--scorecard", action="store_true")
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--single-only", type=Path, default=None, help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.single_only is not None:  # the child process of --single
        result = run_single(args.single_only, args.scorecard)
        sys.stdout.buffer.write(pickle.dumps(result))
        return 0
    results = []
    for n in args.customers:
        root = args.data or Path(tempfile.gettempdir()) / "sm_bench_dask"
        folder = root / str(n)
        t = time.perf_counter()
        if not (folder / "subscriptions").exists():
            sizes = write_dataset(n, folder, args.seed)
        else:
            spans = pd.read_parquet(folder / "subscriptions", columns=["mrr"])
            sizes = {"customers": n, "spans": len(spans)}
            del spans
        written = time.perf_counter() - t
        partitions = max(1, -(-n // args.customers_per_partition))
        dask_run = run_dask(folder, partitions, args.memory_limit, args.scorecard)
        shown = ("figures", "scorecard")
        entry: dict[str, Any] = {
            **sizes,
            "seconds_write": round(written, 1),
            "dask": {k: v for k, v in dask_run.items() if k not in shown},
            "check": _check_sums(dask_run["figures"]),
        }
        if args.single:
            command = [sys.executable, __file__, "--single-only", str(folder)]
            if args.scorecard:
                command.append("--scorecard")
            child = subprocess.run(command, capture_output=True, check=True)
            single = pickle.loads(child.stdout)
            entry["single"] = {k: v for k, v in single.items() if k not in shown}
            entry["equal"] = _same(dask_run["figures"], single["figures"])
            if args.scorecard:
                pd.testing.assert_frame_equal(
                    dask_run["scorecard"], single["scorecard"], check_exact=True
                )
                entry["scorecard_equal"] = True
        print(json.dumps(entry), flush=True)
        results.append(entry)
    if args.out is not None:
        meta = {
            "machine": platform.platform(),
            "python": platform.python_version(),
            "cpus": len(__import__("os").sched_getaffinity(0)),
            "through": THROUGH,
        }
        args.out.write_text(json.dumps({"meta": meta, "runs": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
