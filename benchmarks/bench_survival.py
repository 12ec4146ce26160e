"""Time Kaplan-Meier curves, sBG fits, lifetimes and early LTV per segment.

Usage (from the project root)::

    .venv/bin/python benchmarks/bench_survival.py --subjects 1000000 \
        --customers 1000000

Synthetic lifetimes (seeded): each subject's monthly churn probability is drawn
from a Beta distribution whose mean depends on its segment, its lifetime is
geometric, and observation stops at 36 months (right-censoring). A third of
the subjects entered observation late (left truncation) for the late-entry
step. Steps, each timed as the median of ``--repeat`` runs after a warm-up:

1. ``kaplan_meier`` over 1,000 segments, one call;
2. the same with late entry;
3. ``survival_at`` at four horizons and ``median_lifetime`` on the curves;
4. ``sbg_fit_lifetimes`` over 100 segments and over 1,000 segments (one
   batched Newton iteration for all segments; a segment it cannot finish is
   refitted alone, and the count of those is printed).

Then, from a ledger of ``--customers`` synthetic customers (``generate.py``'s
subscription spans, the data of ``bench_ledger.py``; 36 months, plan changes,
cancellations, win-backs) with a ``segment`` attribute of 100 values:

5. ``survival.lifetimes(led)`` (first spells) and with ``lifetime_spells=
   'each'``;
6. ``survival.early_ltv(led, by="segment")``: 100 sBG fits, 1,000 bootstrap
   draws each (the default), survival at 3, 6, 12 and 24 months and LTV with intervals;
   the same with a 10% annual discount rate (the DEL series), and with
   ``model="km"``;
7. ``survival.backtest(led, by="segment")`` at 6 and 12 months.

Targets on 2 cores: steps 1 and 4 (both sizes) each under 5 s at 1,000,000
subjects; steps 5 and 6 (sBG, undiscounted) each under 5 s at 1,000,000
customers.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import generate
from subscription_metrics import Ledger
from subscription_metrics._sbg import _lifetime_batch
from subscription_metrics.survival import (
    backtest,
    early_ltv,
    kaplan_meier,
    lifetimes,
    median_lifetime,
    sbg_fit_lifetimes,
    survival_at,
)

HORIZON = 36


def synthetic_lifetimes(
    n: int, segments: int, seed: int
) -> tuple[npt.NDArray[np.int64], ...]:
    """Segment, duration, observed flag and entry time per subject."""
    rng = np.random.default_rng(seed)
    segment = rng.integers(0, segments, n)
    mean = 0.02 + 0.10 * (segment % 17) / 16  # monthly churn, 2% to 12%
    theta = rng.beta(mean * 4, (1 - mean) * 4)
    lifetime = rng.geometric(np.clip(theta, 1e-6, 1))
    duration = np.minimum(lifetime, HORIZON)
    observed = lifetime <= HORIZON
    late = rng.random(n) < 1 / 3
    entry = np.where(late, rng.integers(0, 24, n), 0)
    entry = np.minimum(entry, duration)
    return segment, duration, observed.astype(np.int64), entry


def _timed(call: Callable[[], object], repeat: int) -> float:
    call()  # warm-up: page-fault the working memory in
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def ledger_steps(
    customers: int, segments: int, repeat: int, seed: int
) -> dict[str, float]:
    """Time lifetimes, early LTV and the backtest on a synthetic ledger."""
    spans = generate.generate_spans(customers, seed=seed)
    ids = np.sort(spans["customer_id"].unique())
    table = pd.DataFrame(
        {"customer_id": ids, "segment": [f"seg-{i % segments:03d}" for i in ids]}
    )
    start = time.perf_counter()
    led = Ledger.from_subscriptions(spans, customers=table, through=generate.THROUGH)
    built = time.perf_counter() - start
    each = attrs.evolve(led.conventions, lifetime_spells="each")
    discounted = attrs.evolve(led.conventions, annual_discount_rate=0.1)
    first = lifetimes(led)
    spells = lifetimes(led, conventions=each)
    print(
        f"{customers:,} customers, {len(spans):,} spans; ledger built in "
        f"{built:.2f} s; {len(first):,} first spells "
        f"({first['observed'].mean():.0%} churned), {len(spells):,} spells"
    )
    fits = early_ltv(led, by="segment", seed=0)
    print(
        f"  early_ltv: {len(fits)} segments, {int(fits['converged'].sum())} "
        f"converged, {int(fits['thin'].sum())} thin"
    )
    return {
        "lifetimes": _timed(lambda: lifetimes(led), repeat),
        "lifetimes, each spell": _timed(
            lambda: lifetimes(led, conventions=each), repeat
        ),
        "early_ltv (sBG)": _timed(lambda: early_ltv(led, by="segment", seed=0), repeat),
        "early_ltv (sBG, 10% discount)": _timed(
            lambda: early_ltv(led, by="segment", seed=0, conventions=discounted),
            repeat,
        ),
        "early_ltv (KM)": _timed(
            lambda: early_ltv(led, by="segment", seed=0, model="km"), repeat
        ),
        "backtest (sBG, 6 and 12)": _timed(lambda: backtest(led, by="segment"), repeat),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=1_000_000)
    parser.add_argument("--km-segments", type=int, default=1_000)
    parser.add_argument("--sbg-segments", type=int, default=100)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--ltv-segments", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    segment, duration, observed, entry = synthetic_lifetimes(
        args.subjects, args.km_segments, args.seed
    )
    curves = kaplan_meier(duration, observed, groups=segment)
    print(
        f"{args.subjects:,} subjects, {args.km_segments:,} KM segments "
        f"({len(curves):,} curve rows), {args.sbg_segments} sBG segments"
    )
    sbg_segment = segment % args.sbg_segments
    fits = sbg_fit_lifetimes(duration, observed, groups=sbg_segment)
    many = sbg_fit_lifetimes(duration, observed, groups=segment)
    fallback = [
        _lifetime_batch(duration, observed, groups)[0].fallback
        for groups in (sbg_segment, segment)
    ]
    timings = {
        "kaplan_meier": _timed(
            lambda: kaplan_meier(duration, observed, groups=segment), args.repeat
        ),
        "kaplan_meier, late entry": _timed(
            lambda: kaplan_meier(duration, observed, entry=entry, groups=segment),
            args.repeat,
        ),
        "survival_at + median_lifetime": _timed(
            lambda: (survival_at(curves, [3, 6, 12, 24]), median_lifetime(curves)),
            args.repeat,
        ),
        "sbg_fit_lifetimes": _timed(
            lambda: sbg_fit_lifetimes(duration, observed, groups=sbg_segment),
            args.repeat,
        ),
        f"sbg_fit_lifetimes, {args.km_segments:,} segm.": _timed(
            lambda: sbg_fit_lifetimes(duration, observed, groups=segment),
            args.repeat,
        ),
    }
    for name, seconds in timings.items():
        print(f"  {name:<32} {seconds:7.3f} s")
    print(
        f"  sBG fits converged: {fits['converged'].sum()} of {len(fits)}, "
        f"{many['converged'].sum()} of {len(many)}; refitted alone (fallback): "
        f"{fallback[0]}, {fallback[1]}"
    )
    steps = ledger_steps(args.customers, args.ltv_segments, args.repeat, args.seed)
    for name, seconds in steps.items():
        print(f"  {name:<32} {seconds:7.3f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"  peak RSS {peak:.2f} GB")
    ok = all(
        seconds < 5.0
        for seconds in (
            timings["kaplan_meier"],
            timings["sbg_fit_lifetimes"],
            timings[f"sbg_fit_lifetimes, {args.km_segments:,} segm."],
            steps["lifetimes"],
            steps["early_ltv (sBG)"],
        )
    )
    print(
        "TARGET (KM, sBG fits, lifetimes, early_ltv each < 5 s): "
        f"{'PASS' if ok else 'FAIL'}"
    )
    full = args.subjects == 1_000_000 and args.customers == 1_000_000
    return 0 if ok or not full else 1


if __name__ == "__main__":
    sys.exit(main())
