"""Time the full set of churn and retention figures plus the cohort triangle.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_metrics.py --customers 1000000

One fresh process per step list; each timed call starts from the raw
subscription spans (``generate.py``, the same data as ``bench_ledger.py``) and
runs:

1. ``Ledger.from_subscriptions`` (validation and events);
2. ``churn.rates(led)``: every monthly figure (customer, subscription, gross
   and net MRR churn, NRR and GRR from movements, quick ratio, ARPA, ASP, net
   new MRR, growth);
3. ``churn.rates(led, window=6)``: the same, pooled over trailing six months;
4. ``churn.rates(led, period="quarter")`` and ``period="year"``;
5. ``cohorts.triangle(led)`` for logo retention and net revenue retention.

With ``--customer-nrr`` the customer-by-customer NRR/GRR (month M against
M - 12, ``nrr_method="customers"``) is timed as an extra step.
Target (1,000,000 customers, 36 months): steps 1-5 under 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import generate
from subscription_metrics import Conventions, Ledger, churn, cohorts

THROUGH = "2026-10"


def _steps(spans: object, customer_nrr: bool) -> dict[str, float]:
    timings: dict[str, float] = {}
    start = time.perf_counter()
    led = Ledger.from_subscriptions(spans, through=THROUGH)  # type: ignore[arg-type]
    timings["ledger"] = time.perf_counter() - start
    for name, call in (
        ("rates monthly", lambda: churn.rates(led)),
        ("rates trailing 6", lambda: churn.rates(led, window=6)),
        ("rates quarterly", lambda: churn.rates(led, period="quarter")),
        ("rates yearly", lambda: churn.rates(led, period="year")),
        ("triangle logo", lambda: cohorts.triangle(led)),
        (
            "triangle NRR",
            lambda: cohorts.triangle(led, value="net_revenue_retention"),
        ),
    ):
        t = time.perf_counter()
        call()
        timings[name] = time.perf_counter() - t
    if customer_nrr:
        by_customer = Conventions(nrr_method="customers")
        t = time.perf_counter()
        churn.rates(led, conventions=by_customer)
        timings["rates, customer NRR (extra)"] = time.perf_counter() - t
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--customer-nrr", action="store_true")
    args = parser.parse_args()
    spans = generate.generate_spans(args.customers, seed=args.seed)
    print(f"{args.customers:,} customers, {len(spans):,} spans, through {THROUGH}")
    _steps(spans, args.customer_nrr)  # warm-up: page-fault the working memory in
    runs = [_steps(spans, args.customer_nrr) for _ in range(args.repeat)]
    medians = {name: statistics.median(r[name] for r in runs) for name in runs[0]}
    core = sum(v for k, v in medians.items() if "extra" not in k)
    for name, seconds in medians.items():
        print(f"  {name:<30} {seconds:7.3f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"  {'total (steps 1-5)':<30} {core:7.3f} s   peak RSS {peak:.2f} GB")
    verdict = "PASS" if core < 5.0 else "FAIL"
    print(f"TARGET (< 5 s at 1,000,000 customers): {verdict}")
    out = Path(__file__).parent / "results" / f"metrics_{args.customers}.json"
    out.write_text(json.dumps({"medians": medians, "total": core, "peak_gb": peak}))
    return 0 if verdict == "PASS" or args.customers != 1_000_000 else 1


if __name__ == "__main__":
    sys.exit(main())
