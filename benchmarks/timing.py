"""Time a benchmark step and read peak memory (shared by the bench_*.py scripts)."""

from __future__ import annotations

import resource
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


def peak_rss_bytes() -> int:
    """
    Peak RSS of this process in bytes: ``VmHWM`` of ``/proc/self/status``.

    Not ``ru_maxrss``: Linux carries the parent's peak into a child's
    ``ru_maxrss`` at ``exec``, so a worker spawned by a driver that has just
    generated the input would report at least the driver's peak. ``VmHWM``
    belongs to the worker's own memory map. ``ru_maxrss`` where there is no
    ``/proc``.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
