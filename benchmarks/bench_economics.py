"""Benchmark the economics tables: LTV per month, CAC, and staff returns at scale.

Builds a ledger of ``--customers`` synthetic customers (``generate.py``), a
costs table (one row per month and channel) and one won deal per customer
spread over ``--staff`` owners, then times ``ltv.estimates``,
``cac.acquisition_costs`` (by quarter and by channel) and
``roi.staff_returns`` (per person and per team and quarter). Run from the
project root::

    .venv/bin/python benchmarks/bench_economics.py --customers 1000000 --staff 1000
"""

from __future__ import annotations

import argparse
import platform

import numpy as np
import pandas as pd

import subscription_metrics as sm
from generate import FIRST_MONTH, N_MONTHS, THROUGH, generate_spans
from timing import timed


def _tables(customers: int, staff: int, seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    spans = generate_spans(customers, seed=seed)
    first = spans.groupby("customer_id", sort=False)["start"].min()
    ids = first.index.to_numpy()
    channels = np.array(["ads", "events", "partner", "outbound"])
    attrs = pd.DataFrame(
        {
            "customer_id": ids,
            "acquisition_channel": channels[rng.integers(0, 4, len(ids))],
        }
    )
    owner_number = rng.integers(0, staff, len(ids))
    owners = np.char.add("st-", owner_number.astype(str))
    mrr = spans.groupby("customer_id", sort=False)["mrr"].first().to_numpy()
    deals = pd.DataFrame(
        {
            "deal_id": np.char.add("d-", np.arange(len(ids)).astype(str)),
            "customer_id": ids,
            "kind": "new",
            "mrr": mrr,
            "currency": "USD",
            "won_on": first.to_numpy() - pd.Timedelta(days=10),
            "owner_id": owners,
        }
    )
    staff_ids = np.char.add("st-", np.arange(staff).astype(str))
    people = pd.DataFrame(
        {
            "staff_id": staff_ids,
            "role": "field_sales",
            "monthly_cost": rng.integers(500_000, 1_500_000, staff),
            "currency": "USD",
            "team": np.char.add("team-", (np.arange(staff) // 10).astype(str)),
        }
    )
    months = pd.period_range(FIRST_MONTH, periods=N_MONTHS, freq="M").to_timestamp()
    costs = pd.DataFrame(
        {
            "month": np.repeat(months, 4),
            "category": "marketing",
            "amount": rng.integers(1_000_000, 5_000_000, 4 * N_MONTHS),
            "currency": "USD",
            "channel": np.tile(channels, N_MONTHS),
        }
    )
    return {
        "spans": spans,
        "customers": attrs,
        "deals": deals,
        "staff": people,
        "costs": costs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, numpy {np.__version__}")
    tables = _tables(args.customers, args.staff, args.seed)
    print(
        f"{args.customers:,} customers, {len(tables['deals']):,} deals, "
        f"{args.staff:,} staff"
    )
    results: dict[str, float] = {}
    led = timed(
        "ledger (with customers)",
        lambda: sm.Ledger.from_subscriptions(
            tables["spans"], customers=tables["customers"], through=THROUGH
        ),
        results,
    )
    timed("ltv.estimates (monthly)", lambda: sm.ltv.estimates(led), results)
    timed(
        "cac.acquisition_costs (quarter, by channel)",
        lambda: sm.cac.acquisition_costs(
            led,
            costs=tables["costs"],
            period="quarter",
            by="acquisition_channel",
            paid_channels=["ads", "events"],
        ),
        results,
    )
    timed(
        "roi.staff_returns (per person)",
        lambda: sm.roi.staff_returns(led, staff=tables["staff"], deals=tables["deals"]),
        results,
    )
    timed(
        "roi.staff_returns (team x quarter)",
        lambda: sm.roi.staff_returns(
            led,
            staff=tables["staff"],
            deals=tables["deals"],
            by="team",
            period="quarter",
        ),
        results,
    )
    print(f"{'total':<44} {sum(results.values()):7.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
