"""How far `survival.backtest`'s early estimates fall from the truth, on simulated reps.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_backtest.py            # 200 reps per cell
    .venv/bin/python benchmarks/bench_backtest.py --reps 50  # a quick look

The reps are those of ``bench_calibration.py``: ``n`` customers each (100,
250 or 1,000), entering uniformly over 36 months, the data ending after month
36; each customer churns every month with its own constant probability,
drawn from Beta(1, 24) (``sbg``) or 3% for everyone (``geometric``). They are
drawn, and made a ledger, by ``bench_compare.py``'s simulation. All reps
of a cell are the segments of one ledger, and `survival.backtest` runs on it
as a user would (``by="segment"``, an sBG fit on the first 3 months of the
customers old enough for each horizon, projected to 6 and 12 months).
`backtest` gives point estimates, not intervals, so the table reports, per
cell and horizon, the mean and the root mean square of ``projected`` minus
the process's true survival S(h), and of ``actual`` (the same customers'
Kaplan-Meier at h) minus S(h), for scale: an early estimate cannot be much
better than what its customers went on to do.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import subscription_metrics as sm
from bench_compare import company_ledger, draw, geometric, heterogeneous


def simulate(process: str, n: int, reps: int, rng: np.random.Generator) -> sm.Ledger:
    """One ledger: `reps` segments (``segment`` r00, r01, ...) of `n` customers each."""
    churn = heterogeneous(1.0, 24.0) if process == "sbg" else geometric(0.03)
    data = draw(rng, [n] * reps, [churn] * reps, 1)
    return company_ledger(data, 0, reps, label="segment")


def truth(process: str, h: int) -> float:
    """S(h) of the process."""
    if process == "sbg":
        return float(sm.survival.sbg_survival(1.0, 24.0, h))
    return 0.97**h


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--random-state", type=int, default=20261204)
    args = parser.parse_args()
    rng = np.random.default_rng(args.random_state)
    began = time.perf_counter()
    lines = [
        "| process | customers | horizon | reps | projected - S(h), mean "
        "| projected - S(h), RMS | actual - S(h), RMS |",
        "|---|---|---|---|---|---|---|",
    ]
    for process in ("sbg", "geometric"):
        for n in (100, 250, 1000):
            led = simulate(process, n, args.reps, rng)
            table = sm.survival.backtest(
                led, by="segment", fit_months=3, horizons=(6, 12)
            )
            for h in (6, 12):
                rows = table.xs(h, level="horizon")
                s = truth(process, h)
                error = rows["projected"].to_numpy(float) - s
                actual = rows["actual"].to_numpy(float) - s
                lines.append(
                    f"| {process} | {n} | {h} | {np.isfinite(error).sum()} "
                    f"| {np.nanmean(error):+.4f} | {np.sqrt(np.nanmean(error**2)):.4f} "
                    f"| {np.sqrt(np.nanmean(actual**2)):.4f} |"
                )
            print(f"  {process} n={n}: {time.perf_counter() - began:.0f} s", flush=True)
    print("\n".join(lines))
    print(
        f"\n{args.reps} reps per cell, {time.perf_counter() - began:.0f} s, "
        f"{platform.machine()}, Python {platform.python_version()}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
