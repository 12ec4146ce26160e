"""Benchmark account health: signals, scores and their check for 1,000,000 accounts.

Builds the synthetic ledger of ``generate.py`` (1,000,000 customers), draws
health signals for every customer from numpy (accounts that go on to churn
use the product less, so the score has something to find), then times

* ``health.signals`` on a usage table of three months per account and a
  tickets table (validation included),
* ``health.score`` with the default model,
* ``health.evaluate`` against the ledger: churn by band, lift and AUC.

Run from the project root (nothing else heavy at the same time)::

    .venv/bin/python benchmarks/bench_health.py --customers 1000000
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

import subscription_metrics as sm
from generate import THROUGH, generate_spans
from subscription_metrics import health
from subscription_metrics._health import HealthEvaluation, ledger_status


def _time(
    label: str, call: Callable[[], object], results: dict[str, float], repeat: int
) -> object:
    call()  # warm-up: page faults and imports are not the work
    times = []
    out: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    results[label] = statistics.median(times)
    print(
        f"{label:<40} median {results[label]:6.2f} s "
        f"(min {min(times):.2f}, max {max(times):.2f}, {repeat} calls)"
    )
    return out


def _usage(
    rng: np.random.Generator, ids: np.ndarray, risk: np.ndarray, as_of: pd.Period
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three months of usage per account and about one ticket per account."""
    n = len(ids)
    months = [as_of - 2, as_of - 1, as_of]
    customer = np.tile(ids, 3)
    month = np.repeat([m.to_timestamp() for m in months], n)
    seats = np.tile(rng.integers(5, 200, n), 3)
    share = np.clip(rng.beta(4, 2, 3 * n) - 0.3 * np.tile(risk, 3), 0, 1)
    active = np.rint(seats * share).astype(np.int64)
    usage = pd.DataFrame(
        {
            "customer_id": customer,
            "month": month,
            "seats": seats,
            "active_users": active,
            "logins": rng.poisson(np.maximum(active, 0) * 12),
            "feature_usage_rate": np.clip(
                rng.beta(3, 3, 3 * n) - 0.25 * np.tile(risk, 3), 0, 1
            ),
            "nps": np.where(
                rng.random(3 * n) < 0.2, rng.integers(0, 11, 3 * n), np.nan
            ),
        }
    )
    n_tickets = n
    opened = as_of.to_timestamp() - pd.to_timedelta(
        rng.integers(0, 85 * 24, n_tickets), unit="h"
    )
    tickets = pd.DataFrame(
        {
            "ticket_id": np.arange(n_tickets),
            "customer_id": rng.choice(ids, n_tickets),
            "opened_at": opened,
        }
    )
    return usage, tickets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    spans = generate_spans(args.customers, seed=args.seed)
    _ = (health.score, sm.ledger.bridge)  # imports are not timed
    print(
        f"{platform.machine()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{args.customers:,} customers"
    )
    start = time.perf_counter()
    led = sm.Ledger.from_subscriptions(spans, through=THROUGH)
    print(f"{'ledger (for reference)':<40} {time.perf_counter() - start:6.2f} s")
    as_of = THROUGH - 3
    horizon = 3
    ids = led.customers["customer_id"].to_numpy()
    active, churned = ledger_status(led, int(as_of.ordinal), horizon)
    # A latent risk, higher for the accounts that churn: the signals lean on it.
    risk = np.clip(rng.normal(0.0, 0.5, len(ids)) + 0.8 * churned, -1, 2)
    n = len(ids)
    signals = pd.DataFrame(
        {
            "feature_usage_rate": np.clip(rng.beta(3, 3, n) - 0.25 * risk, 0, 1),
            "active_user_share": np.clip(rng.beta(4, 2, n) - 0.3 * risk, 0, 1),
            "logins_per_active_user": rng.gamma(2.0, 6.0, n) * np.exp(-0.5 * risk),
            "tickets_per_account_month": rng.poisson(np.exp(0.5 * risk)) / 3,
            "nps": np.where(
                rng.random(n) < 0.4,
                np.clip(np.rint(rng.normal(7 - 2 * risk, 2)), 0, 10),
                np.nan,
            ),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    usage, tickets = _usage(rng, ids, risk, as_of)
    print(
        f"{n:,} accounts ({int(active.sum()):,} active at {as_of}, "
        f"{int((active & churned).sum()):,} of them churn by {as_of + horizon}); "
        f"usage {len(usage):,} rows, tickets {len(tickets):,} rows"
    )
    results: dict[str, float] = {}
    _time(
        "health.signals (usage + tickets)",
        lambda: health.signals(usage, tickets=tickets, as_of=as_of, months=3),
        results,
        args.repeat,
    )
    scores = _time(
        "health.score (default model)",
        lambda: health.score(signals),
        results,
        args.repeat,
    )
    assert isinstance(scores, pd.DataFrame)
    check = _time(
        "health.evaluate (3-month horizon)",
        lambda: health.evaluate(
            led, scores=scores, as_of=as_of, horizon_months=horizon
        ),
        results,
        args.repeat,
    )
    assert isinstance(check, HealthEvaluation)
    print(check.by_band.round(3).to_string())
    print(
        f"AUC {check.auc:.3f}; evaluated {check.evaluated:,}, not active "
        f"{check.not_active:,}, not in ledger {check.not_in_ledger:,}"
    )
    total = (
        results["health.score (default model)"]
        + results["health.evaluate (3-month horizon)"]
    )
    print(f"{'score + evaluate':<40} {total:6.2f} s (target: a few seconds)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
