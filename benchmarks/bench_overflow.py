"""Time the int64 overflow checks of the ledger: the build with and without them.

Usage (from the project root, with nothing else heavy running)::

    nice -n 10 .venv/bin/python benchmarks/bench_overflow.py --customers 1000000

Every sum of money in a ledger is checked for int64 overflow
(`MoneyOverflowError`): the MRR of the rows of one customer-month, the net
change of one customer-month, and the sum of every absolute MRR change of the
ledger. Three measurements on ``generate.py``'s data (``--input spans``: the
spans of ``bench_ledger.py``; ``--input rows``: its monthly MRR rows), each the
median of ``--repeat`` calls after a warm-up, in one process:

1. ``checked``: ``Ledger.from_…(data)`` plus ``ledger.bridge(led)``, as users
   call them, with the time spent inside the check functions
   (``checked_sum_runs``, ``check_total_fits``) added up separately;
2. ``unchecked``: the same build with the check functions replaced by the
   plain sums they guard (``np.add.reduceat``, and nothing for the total), so
   the difference is what the checks cost;
3. ``one huge amount``: the checked build again, with one amount set to
   2**50 minor units. Then the one-bound fast path (largest amount times
   the number of amounts) cannot clear the sums, and the exact sums (in two
   32-bit halves) are computed: the slow path, which a ledger pays when one
   amount is enormous but every sum still fits.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

import generate
import subscription_metrics
from subscription_metrics import Ledger, ledger
from subscription_metrics import _ledger as internals

THROUGH = "2026-10"
CHECKS = ("checked_sum_runs", "check_total_fits")
HUGE = 2**50


@contextmanager
def _checks(mode: str, spent: list[float]) -> Iterator[None]:
    """Patch the ledger's check functions: timed (``checked``) or plain sums."""
    originals = {name: getattr(internals, name) for name in CHECKS}

    def timed(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - start)

        return wrapper

    def plain_runs(values: Any, starts: Any) -> tuple[Any, None]:
        return np.add.reduceat(values, np.flatnonzero(starts)), None

    def no_check(*args: Any, **kwargs: Any) -> None:
        return None

    if mode == "checked":
        replacements = {name: timed(originals[name]) for name in CHECKS}
    else:
        replacements = {"checked_sum_runs": plain_runs, "check_total_fits": no_check}
    for name, replacement in replacements.items():
        setattr(internals, name, replacement)
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(internals, name, original)


def _build(data: pd.DataFrame, kind: str) -> pd.DataFrame:
    if kind == "spans":
        led = Ledger.from_subscriptions(data, through=THROUGH)
    else:
        led = Ledger.from_monthly_mrr(data, through=THROUGH)
    return ledger.bridge(led)


def _one_build(data: pd.DataFrame, kind: str, mode: str) -> tuple[Any, ...]:
    """Wall and CPU seconds of one build, seconds inside the checks, the bridge."""
    spent: list[float] = []
    with _checks(mode, spent):
        wall, cpu = time.perf_counter(), time.process_time()
        bridge = _build(data, kind)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return wall, cpu, sum(spent), bridge


def _report(label: str, runs: list[tuple[Any, ...]]) -> dict[str, float]:
    """Print and return the median and minimum of each figure of `runs`."""
    figures: dict[str, float] = {}
    for position, name in enumerate(("wall", "cpu", "checks")):
        values = [run[position] for run in runs]
        figures[f"{name} median"] = statistics.median(values)
        figures[f"{name} min"] = min(values)
    print(
        f"  {label:<40} {figures['wall median']:6.3f} s "
        f"(min {figures['wall min']:.3f}), CPU {figures['cpu median']:.3f} s "
        f"(min {figures['cpu min']:.3f}); in the checks "
        f"{figures['checks median']:.3f} s (min {figures['checks min']:.3f})"
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--input", choices=("spans", "rows"), default="spans")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas "
        f"{pd.__version__}, subscription-metrics {subscription_metrics.__version__}"
    )
    if args.input == "spans":
        data = generate.generate_spans(args.customers, seed=args.seed)
    else:
        data = generate.generate_monthly_rows(args.customers, seed=args.seed)
    huge = data.copy()
    huge.loc[huge.index[0], "mrr"] = HUGE
    print(
        f"{args.customers:,} customers, {len(data):,} {args.input}, through {THROUGH}"
    )
    cases = {
        "checked": (data, "checked"),
        "checks replaced by plain sums": (data, "unchecked"),
        "one amount of 2**50, checked": (huge, "checked"),
    }
    runs: dict[str, list[tuple[Any, ...]]] = {label: [] for label in cases}
    for call in range(args.repeat + 1):  # interleaved, so load hits all alike
        for label, (table, mode) in cases.items():
            run = _one_build(table, args.input, mode)
            if call:  # the first round is the warm-up
                runs[label].append(run)
    checked, plain = runs["checked"][0][3], runs["checks replaced by plain sums"][0][3]
    pd.testing.assert_frame_equal(checked, plain)  # the checks change no number
    figures = {label: _report(label, r) for label, r in runs.items()}
    with_checks = figures["checked"]
    without = figures["checks replaced by plain sums"]
    for stat in ("wall median", "wall min", "cpu median", "cpu min"):
        print(f"  checked / plain, {stat:<12} {with_checks[stat] / without[stat]:.3f}")
    share = with_checks["checks median"] / with_checks["wall median"]
    print(f"  the checks' share of the checked build (medians): {share:.1%}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"  peak RSS {peak:.2f} GB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
