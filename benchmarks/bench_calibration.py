"""Coverage of the 95% intervals a scorecard shows, on simulated reps.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_calibration.py            # the full study
    .venv/bin/python benchmarks/bench_calibration.py --quick    # a few minutes

Every simulated rep wins ``n`` customers (100, 250 or 1,000), one entry month
each drawn uniformly over 36 months (staggered entry: cohorts of every age),
and the data end after month 36 (censoring at the horizon). Each customer
churns every month with its own probability, constant over its life:

- ``sbg``: drawn from Beta(1, 24) (mean churn 4%, polarisation 1/26, a
  typical B2B mix of loyal and fragile accounts);
- ``geometric``: 3% for everyone (the geometric limit, polarisation 0).

First-month MRR is lognormal (median 100,000, sigma 0.8: some large
accounts), independent of churn. Per rep, the estimates and intervals of the
scorecard are computed by the functions `scorecards.scorecard` calls
(``kaplan_meier`` + ``survival_at`` for retention at 6 and 12 months,
``early_ltv``'s sBG bootstrap for the rest), with its defaults: a 60-month
horizon, level 0.95; the gross margin is 0.8 and the annual discount rate
10%. A rep's interval covers when it contains the truth of its process:

- ``retention_6m``, ``retention_12m``, ``projected_retention_12m``: S(6),
  S(12);
- ``expected_lifetime_months``: sum of S(t), t < 60;
- ``ltv_per_customer``: margin x E[MRR] x sum of S(t) / (1 + d)^t, t < 60;
- ``ltv_weighted_bookings``: the rep's new MRR x margin x the same sum (the
  bookings are known, the lifetime is not).

Many reps run as the groups of one call (the fits are batched), which is
what makes hundreds of reps x 1,000 bootstrap draws affordable; a rep's
figures do not depend on the other reps in the call. Coverage over ``R``
reps has a binomial standard error of about ``sqrt(0.95 x 0.05 / R)``: 1.1
points at R = 400. Writes a Markdown table to stdout and
``results/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from subscription_metrics._km import kaplan_meier, survival_at
from subscription_metrics._lifetimes import _sbg_bands, _Subjects, subject_counts
from subscription_metrics._sbg import curve, payments
from subscription_metrics.ltv import monthly_discount_rate

MONTHS = 36
HORIZON = 60
LEVEL = 0.95
MARGIN = 0.8
DISCOUNT = monthly_discount_rate(0.10)
MRR_MEDIAN, MRR_SIGMA = 100_000.0, 0.8
PROCESSES = {"sbg": (1.0, 24.0), "geometric": (None, 0.03)}
SIZES = (100, 250, 1000)
ESTIMATES = (
    "retention_6m",
    "retention_12m",
    "projected_retention_12m",
    "expected_lifetime_months",
    "ltv_per_customer",
    "ltv_weighted_bookings",
)


def truths(process: str) -> dict[str, float]:
    a, b = PROCESSES[process]
    if a is None:
        m, phi = np.array(b), np.array(0.0)
    else:
        m, phi = np.array(a / (a + b)), np.array(1.0 / (a + b + 1.0))
    s = curve(m, phi, HORIZON)
    mean_mrr = MRR_MEDIAN * np.exp(MRR_SIGMA**2 / 2)
    paid = float(payments(m, phi, DISCOUNT, HORIZON))
    return {
        "retention_6m": float(s[6]),
        "retention_12m": float(s[12]),
        "projected_retention_12m": float(s[12]),
        "expected_lifetime_months": float(s.sum()),
        "ltv_per_customer": MARGIN * mean_mrr * paid,
        "discounted_lifetime": paid,  # times each rep's bookings and margin
    }


def simulate(
    process: str, n: int, reps: int, rng: np.random.Generator
) -> tuple[_Subjects, np.ndarray]:
    """Lifetimes of `reps` reps of `n` customers, as `early_ltv` sees them."""
    a, b = PROCESSES[process]
    size = reps * n
    churn = np.full(size, b) if a is None else rng.beta(a, b, size)
    life = rng.geometric(churn)
    start = rng.integers(0, MONTHS, size)
    as_of = MONTHS - 1
    observed = start + life <= as_of
    end = np.where(observed, start + life - 1, as_of)
    mrr = np.round(MRR_MEDIAN * rng.lognormal(0.0, MRR_SIGMA, size)).astype(np.int64)
    code = np.repeat(np.arange(reps, dtype=np.int64), n)
    ones = np.ones(size, np.int64)
    subjects = _Subjects(
        np.arange(size, dtype=np.int64),
        start.astype(np.int64),
        ones,
        start.astype(np.int64),
        end.astype(np.int64),
        observed,
        mrr,
        as_of,
    )
    return subjects, code


def estimate(
    subjects: _Subjects, code: np.ndarray, reps: int, n_draws: int, state: int
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Estimates and bounds per rep, as the scorecard computes them."""
    age, observed = subjects.age, subjects.observed
    curves = kaplan_meier(age, observed, groups=code, level=LEVEL)
    at = survival_at(curves, [6, 12]).reset_index()
    out: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for months in (6, 12):
        part = at[at["time"] == months]
        out[f"retention_{months}m"] = tuple(
            part[c].to_numpy(np.float64) for c in ("survival", "lower", "upper")
        )  # type: ignore[assignment]
    labels = pd.DataFrame({"rep": np.arange(reps)})
    _, bands = _sbg_bands(
        subject_counts(subjects, code, labels, currency=None),
        margin=MARGIN,
        discount=DISCOUNT,
        horizon=HORIZON,
        points=[12],
        level=LEVEL,
        n_draws=n_draws,
        seed=state,
    )
    bookings = np.bincount(code, weights=subjects.start_mrr, minlength=reps)
    pairs = {
        "projected_retention_12m": "survival_12",
        "expected_lifetime_months": "expected_lifetime",
        "ltv_per_customer": "lifetime_value",
        "discounted_lifetime": "discounted_lifetime",
    }
    for name, column in pairs.items():
        band = bands[column]
        out[name] = (band.estimate, band.lower, band.upper)
    paid = out["discounted_lifetime"]
    out["ltv_weighted_bookings"] = tuple(bookings * MARGIN * v for v in paid)  # type: ignore[assignment]
    out["_bookings"] = (bookings, bookings, bookings)
    return out


def study(reps: int, n_draws: int, batch: int, state: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    rng = np.random.default_rng(state)
    for process in PROCESSES:
        truth = truths(process)
        for n in SIZES:
            began = time.perf_counter()
            hits: dict[str, list[np.ndarray]] = {e: [] for e in ESTIMATES}
            low: dict[str, list[np.ndarray]] = {e: [] for e in ESTIMATES}
            width: dict[str, list[np.ndarray]] = {e: [] for e in ESTIMATES}
            per_call = max(1, min(reps, batch // n))
            done = 0
            while done < reps:
                count = min(per_call, reps - done)
                subjects, code = simulate(process, n, count, rng)
                figures = estimate(
                    subjects, code, count, n_draws, int(rng.integers(2**31))
                )
                bookings = figures["_bookings"][0]
                for e in ESTIMATES:
                    _, lower, upper = figures[e]
                    if e == "ltv_weighted_bookings":
                        target = bookings * MARGIN * truth["discounted_lifetime"]
                    else:
                        target = np.full(count, truth[e])
                    hits[e].append((lower <= target) & (target <= upper))
                    low[e].append(target < lower)
                    width[e].append((upper - lower) / target)
                done += count
            seconds = time.perf_counter() - began
            for e in ESTIMATES:
                covered = np.concatenate(hits[e])
                rows.append(
                    {
                        "process": process,
                        "customers": n,
                        "estimate": e,
                        "reps": int(covered.size),
                        "coverage": float(np.mean(covered)),
                        "truth_below_lower": float(np.mean(np.concatenate(low[e]))),
                        "median_relative_width": float(
                            np.nanmedian(np.concatenate(width[e]))
                        ),
                        "seconds": seconds,
                    }
                )
            print(
                f"  {process:9s} n={n:5d}: {seconds:6.1f} s",
                file=sys.stderr,
                flush=True,
            )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    frame = pd.DataFrame(rows)
    pivot = frame.pivot_table(
        index="estimate",
        columns=["process", "customers"],
        values="coverage",
        sort=False,
    ).reindex(list(ESTIMATES))
    header = "| estimate | " + " | ".join(f"{p} {n}" for p, n in pivot.columns) + " |"
    lines = [header, "|---" * (len(pivot.columns) + 1) + "|"]
    for name, values in pivot.iterrows():
        cells = " | ".join(f"{100 * v:.1f}" for v in values)
        lines.append(f"| `{name}` | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 reps, 300 draws")
    parser.add_argument("--reps", type=int, default=400, help="reps per cell")
    parser.add_argument("--draws", type=int, default=1000, help="bootstrap draws")
    parser.add_argument(
        "--batch", type=int, default=40_000, help="customers per batched call"
    )
    parser.add_argument("--random-state", type=int, default=20261203)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    reps, draws = (100, 300) if args.quick else (args.reps, args.draws)
    began = time.perf_counter()
    rows = study(reps, draws, args.batch, args.random_state)
    seconds = time.perf_counter() - began
    text = table(rows)
    print(text)
    print(
        f"\n{reps} reps per cell, {draws} bootstrap draws, {seconds:.0f} s on "
        f"{platform.machine()} ({os.cpu_count()} cores), Python "
        f"{platform.python_version()}"
    )
    output = args.output or Path(__file__).parent / "results" / (
        "calibration_quick.json" if args.quick else "calibration.json"
    )
    output.write_text(
        json.dumps(
            {
                "reps": reps,
                "draws": draws,
                "seconds": seconds,
                "machine": platform.platform(),
                "cores": os.cpu_count(),
                "rows": rows,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
