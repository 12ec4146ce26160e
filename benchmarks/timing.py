"""Time one step of a benchmark and print it (shared by the bench_*.py scripts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def timed(label: str, call: Callable[[], T], results: dict[str, float]) -> T:
    """Run `call`, record its wall time under `label`, print it and its CPU time."""
    start, cpu = time.perf_counter(), time.process_time()
    out = call()
    results[label] = time.perf_counter() - start
    cpu = time.process_time() - cpu
    # CPU seconds too: on a shared machine they are the honest measure.
    print(f"{label:<44} {results[label]:7.2f} s  (CPU {cpu:7.2f} s)")
    return out
