"""Benchmark the scorecards: 1,000 staff over 1,000,000 customers.

Builds the synthetic ledger of ``generate.py`` with every customer credited
to one of ``--staff`` field-sales reps (10 per team), then times
``scorecards.attribution``, ``scorecards.scorecard`` per person and per team
(Kaplan-Meier with intervals, shifted-beta-geometric projections with
simulated intervals, LTV-weighted bookings), ``scorecards.compare`` for two
reps and ``scorecards.acquisition_quality`` by channel. Run from the project
root::

    .venv/bin/python benchmarks/bench_scorecards.py --customers 1000000 --staff 1000
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd

import subscription_metrics as sm
from generate import THROUGH, generate_spans
from timing import timed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    spans = generate_spans(args.customers, seed=args.seed)
    ids = pd.unique(spans["customer_id"])
    reps = np.char.add("st-", rng.integers(0, args.staff, len(ids)).astype(str))
    channels = np.array(["ads", "events", "partner", "outbound"])
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "field_sales_rep": reps,
            "acquisition_channel": channels[rng.integers(0, 4, len(ids))],
        }
    )
    staff_ids = np.char.add("st-", np.arange(args.staff).astype(str))
    staff = pd.DataFrame(
        {
            "staff_id": staff_ids,
            "role": "field_sales",
            "monthly_cost": 1_000_000,
            "currency": "USD",
            "team": np.char.add("team-", (np.arange(args.staff) // 10).astype(str)),
        }
    )
    # Import the modules first: the timings are of the work, not of imports.
    _ = (sm.scorecards.scorecard, sm.survival.early_ltv)
    print(f"{platform.machine()}, numpy {np.__version__}, pandas {pd.__version__}")
    print(f"{len(ids):,} customers, {args.staff:,} staff")
    results: dict[str, float] = {}
    led = timed(
        "ledger (with customers)",
        lambda: sm.Ledger.from_subscriptions(
            spans, customers=customers, through=THROUGH
        ),
        results,
    )
    assert isinstance(led, sm.Ledger)
    timed("attribution", lambda: sm.scorecards.attribution(led), results)
    card = timed(
        "scorecard per person",
        lambda: sm.scorecards.scorecard(led, staff=staff),
        results,
    )
    assert isinstance(card, pd.DataFrame)
    timed(
        "scorecard per team",
        lambda: sm.scorecards.scorecard(led, staff=staff, by="team"),
        results,
    )
    timed(
        "compare two reps",
        lambda: sm.scorecards.compare(led, "st-1", "st-2"),
        results,
    )
    timed(
        "acquisition_quality by channel",
        lambda: sm.scorecards.acquisition_quality(led, by="acquisition_channel"),
        results,
    )
    scored = card.drop(index="All")
    print(
        f"rows {len(scored):,}; thin {int(scored['thin'].sum()):,}; "
        f"median customers per rep {int(scored['customers_won'].median()):,}"
    )
    after = sum(results.values()) - results["ledger (with customers)"]
    print(f"{'total after the ledger':<44} {after:7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
