"""Benchmark the goals: history, targets, pacing, credit and priorities at scale.

Copies the bundled sample ``--copies`` times (every id gets a suffix, so each copy
is another company's customers, deals and meetings sold by the same staff), then
times ``goals.goal_history``, ``goals.plan_targets``, ``goals.pacing``,
``goals.credited_attainment`` at LTV credit and ``goals.deal_priorities`` over
the copied pipeline. Run from the project root::

    .venv/bin/python benchmarks/bench_goals.py --copies 20
"""

from __future__ import annotations

import argparse
import os
import platform

import numpy as np
import pandas as pd

import subscription_metrics as sm
from timing import timed

IDS = {
    "customers": ("customer_id",),
    "subscriptions": ("subscription_id", "customer_id"),
    "deals": ("deal_id", "customer_id"),
    "meetings": ("meeting_id", "deal_id", "customer_id"),
    "activities": ("activity_id", "customer_id"),
    "onboarding": ("customer_id",),
    "pipeline": ("opportunity_id",),
}


def copied(sample: sm.datasets.SampleData, copies: int) -> dict[str, pd.DataFrame]:
    """Every table with ids, `copies` times over, each copy's ids suffixed."""
    out: dict[str, pd.DataFrame] = {"staff": sample.staff}
    for name, columns in IDS.items():
        frame = getattr(sample, name)
        parts = []
        for k in range(copies):
            part = frame.copy()
            for column in columns:
                values = part[column]
                part[column] = values.where(values.isna(), values.astype(str) + f"-{k}")
            parts.append(part)
        out[name] = pd.concat(parts, ignore_index=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    args = parser.parse_args()
    sample = sm.datasets.load_sample()
    t = copied(sample, args.copies)
    print(
        f"{len(t['customers']):,} customers, {len(t['deals']):,} deals, "
        f"{len(t['meetings']):,} meetings, {len(t['pipeline']):,} open opportunities; "
        f"{platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    results: dict[str, float] = {}
    led = timed(
        "Ledger.from_subscriptions",
        lambda: sm.Ledger.from_subscriptions(
            t["subscriptions"], customers=t["customers"]
        ),
        results,
    )
    history = timed(
        "goals.goal_history (every table)",
        lambda: sm.goals.goal_history(
            led,
            deals=t["deals"],
            meetings=t["meetings"],
            activities=t["activities"],
            onboarding=t["onboarding"],
            staff=t["staff"],
            as_of="2025-09",
        ),
        results,
    )
    plan = sm.goals.Plan(
        goal=30_000_000 * args.copies,
        currency="JPY",
        start="2025-10",
        measure="net_new_mrr",
    )
    goals = timed(
        "goals.plan_targets",
        lambda: sm.goals.plan_targets(t["staff"], plan=plan, history=history),
        results,
    )
    timed(
        "goals.pacing (every table)",
        lambda: sm.goals.pacing(
            led,
            targets=goals,
            deals=t["deals"],
            meetings=t["meetings"],
            activities=t["activities"],
            onboarding=t["onboarding"],
        ),
        results,
    )
    new = t["deals"][t["deals"]["kind"] == "new"]
    timed(
        "goals.credited_attainment (LTV, 6-month clawback)",
        lambda: sm.goals.credited_attainment(
            led,
            deals=new,
            policy=sm.goals.CreditPolicy(basis="ltv", clawback_months=6),
        ),
        results,
    )
    pooled = timed(
        "goals.pooled_churn (segment x channel)",
        lambda: sm.goals.pooled_churn(led, by=["segment", "acquisition_channel"]),
        results,
    )
    timed(
        "goals.deal_priorities",
        lambda: sm.goals.deal_priorities(t["pipeline"], churn=pooled),
        results,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
