"""Benchmark account tiers: 1,000,000 accounts classified, features from a ledger.

Two parts, each timed as the median of ``--repeat`` calls after one warm-up:

1. ``tiers.classify`` on a synthetic accounts frame made with numpy
   (``arr``, ``seat_gap``, ``employees``, ``industry``, ``health_score``;
   10% without usage data, 20% without a health score), with the default
   policy and with a six-rule policy that adds an ``industry in (...)``
   condition (text, not only numbers).
2. On the ledger of ``generate.py`` (``--customers`` customers' spans):
   ``tiers.account_features`` with a customers table (employees, industry),
   two months of usage per customer and a health score; ``tiers.classify``
   of those features; ``tiers.summary`` of the accounts classified twelve
   months before the horizon over the twelve months after; and
   ``tiers.movements`` between that classification and today's.

Run from the project root, with nothing else heavy running::

    .venv/bin/python benchmarks/bench_tiers.py --accounts 1000000 --customers 1000000

Target: each step in a few seconds on the 2-core machine (issue 6).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import generate
from subscription_metrics import Ledger, tiers

INDUSTRIES = np.array(
    [
        "manufacturing",
        "it_services",
        "retail",
        "construction",
        "logistics",
        "healthcare",
        "finance",
        "education",
    ]
)


def synthetic_accounts(n: int, seed: int) -> pd.DataFrame:
    """One row per account: ARR (cents), employees, seat gap, industry, health."""
    rng = np.random.default_rng(seed)
    arr = np.rint(np.exp(np.log(1_500_000) + 1.2 * rng.standard_normal(n)))
    employees = np.rint(np.exp(np.log(60) + 1.6 * rng.standard_normal(n))) + 1
    seats = np.floor(employees * rng.uniform(0.02, 0.5, n))
    seat_gap = np.maximum(0.0, employees * 0.3 - seats)
    seat_gap[rng.random(n) < 0.10] = np.nan  # no usage data
    health = rng.uniform(0, 100, n)
    health[rng.random(n) < 0.20] = np.nan
    return pd.DataFrame(
        {
            "arr": arr.astype(np.int64),
            "employees": employees.astype(np.int64),
            "seat_gap": seat_gap,
            "industry": pd.Series(INDUSTRIES[rng.integers(0, 8, n)], dtype="str"),
            "health_score": health,
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )


def industry_policy() -> Any:
    """The default policy with a Tier 2 rule for regulated industries first."""
    policy = tiers.default_policy()
    arr_rule = policy.rules[3]
    regulated = attrs.evolve(
        arr_rule,
        name="tier2_regulated",
        when=(
            attrs.evolve(
                arr_rule.when[0],
                column="industry",
                op="in",
                value=["finance", "healthcare"],
            ),
            attrs.evolve(arr_rule.when[0], value=600_000),
        ),
    )
    rules = (*policy.rules[:3], regulated, *policy.rules[3:])
    return attrs.evolve(policy, rules=rules)


def median_time(call: Callable[[], object], repeat: int) -> tuple[float, object]:
    out = call()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def ledger_inputs(
    n: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.Series]:
    """Spans, customers (employees, industry), usage (last two months), health."""
    spans = generate.generate_spans(n, seed=seed)
    rng = np.random.default_rng(seed + 1)
    ids = np.sort(pd.unique(spans["customer_id"]))
    employees = (
        np.rint(np.exp(np.log(60) + 1.6 * rng.standard_normal(len(ids)))) + 1
    ).astype(np.int64)
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "industry": pd.Series(
                INDUSTRIES[rng.integers(0, 8, len(ids))], dtype="str"
            ),
            "employees": employees,
        }
    )
    months = [generate.THROUGH - 1, generate.THROUGH]
    seats = np.maximum(
        1, np.floor(employees * rng.uniform(0.02, 0.5, len(ids)))
    ).astype(np.int64)
    frames = []
    for month in months:
        active = np.floor(seats * rng.uniform(0.1, 1.0, len(ids))).astype(np.int64)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids,
                    "month": month.to_timestamp(),
                    "seats": seats,
                    "active_users": active,
                    "logins": active * 20,
                    "feature_usage_rate": rng.uniform(0, 1, len(ids)),
                }
            )
        )
    usage = pd.concat(frames, ignore_index=True)
    health = pd.Series(rng.uniform(0, 100, len(ids)), index=ids)
    return spans, customers, usage, health


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}"
    )
    results: dict[str, float] = {}

    def report(label: str, seconds: float) -> None:
        results[label] = seconds
        print(f"  {label:<52} {seconds:7.3f} s")

    accounts = synthetic_accounts(args.accounts, args.seed)
    print(f"part 1: {len(accounts):,} synthetic accounts")
    seconds, classified = median_time(lambda: tiers.classify(accounts), args.repeat)
    report("classify, default policy", seconds)
    assert isinstance(classified, pd.DataFrame)
    print("    tiers:", classified["tier"].value_counts().sort_index().to_dict())
    custom = industry_policy()
    seconds, _ = median_time(
        lambda: tiers.classify(accounts, policy=custom), args.repeat
    )
    report("classify, six rules incl. industry in (...)", seconds)

    spans, customers, usage, health = ledger_inputs(args.customers, args.seed)
    start = time.perf_counter()
    led = Ledger.from_subscriptions(
        spans, customers=customers, through=generate.THROUGH
    )
    built = time.perf_counter() - start
    print(
        f"part 2: {len(customers):,} customers, {len(spans):,} spans, "
        f"{len(usage):,} usage rows; ledger built in {built:.2f} s (not counted)"
    )
    seconds, feats = median_time(
        lambda: tiers.account_features(led, usage=usage, health=health), args.repeat
    )
    assert isinstance(feats, pd.DataFrame)
    report(f"account_features ({len(feats):,} active accounts)", seconds)
    seconds, today = median_time(lambda: tiers.classify(feats), args.repeat)
    assert isinstance(today, pd.DataFrame)
    report("classify the features", seconds)
    year_ago = generate.THROUGH - 12
    earlier_feats = tiers.account_features(
        led, as_of=year_ago, usage=usage, health=health
    )
    earlier = tiers.classify(earlier_feats)
    seconds, table = median_time(
        lambda: tiers.summary(led, classified=earlier, as_of=year_ago, months=12),
        args.repeat,
    )
    report(f"summary of {len(earlier):,} accounts over 12 months", seconds)
    seconds, _ = median_time(
        lambda: tiers.movements(
            earlier_feats[["mrr"]].join(earlier), feats[["mrr"]].join(today)
        ),
        args.repeat,
    )
    report("movements (with MRR) between the two", seconds)
    assert isinstance(table, pd.DataFrame)
    with pd.option_context("display.width", 120, "display.max_columns", 8):
        print(
            table[
                ["accounts", "mrr_share", "customer_churn_rate", "gross_mrr_churn_rate"]
            ]
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"peak RSS {peak:.2f} GB")
    slowest = max(results.values())
    verdict = "PASS" if slowest < 5.0 else "FAIL"
    print(f"TARGET (every step < 5 s): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
