"""Hypothesis profiles and example budgets.

Every property test takes its number of examples from the profile named by
``HYPOTHESIS_PROFILE`` (``dev`` when unset); a test marked
``@pytest.mark.slow`` (costly per example: it builds ledgers, fits models or
runs a slow oracle) takes the profile's smaller ``slow`` budget. Tests do not
hard-code ``max_examples``, so the profile decides for new tests too:

======== ======= ==== ============================================
profile  default slow when
======== ======= ==== ============================================
dev      50      15   local runs (random examples)
ci       50      12   CI (derandomized: the same examples each run)
thorough 200     200  opt-in full-strength run (random examples)
======== ======= ==== ============================================
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

_BUDGETS = {"dev": (50, 15), "ci": (50, 12), "thorough": (200, 200)}
_SLOW_CALL_SECONDS = 5.0

settings.register_profile("dev", max_examples=_BUDGETS["dev"][0], deadline=None)
# CI is reproducible (the same examples on every run); local runs explore.
settings.register_profile(
    "ci",
    max_examples=_BUDGETS["ci"][0],
    deadline=None,
    print_blob=True,
    derandomize=True,
)
settings.register_profile(
    "thorough", max_examples=_BUDGETS["thorough"][0], deadline=None, print_blob=True
)
PROFILE = os.getenv("HYPOTHESIS_PROFILE", "dev")
settings.load_profile(PROFILE)


def _slow_budget() -> int:
    """The examples a slow test runs under the loaded profile."""
    if PROFILE in _BUDGETS:
        return _BUDGETS[PROFILE][1]
    # A profile registered elsewhere: a quarter of its budget.
    return max(10, settings().max_examples // 4)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give Hypothesis tests marked ``slow`` the profile's smaller budget."""
    budget = _slow_budget()
    for item in items:
        test = getattr(item, "function", None)
        if item.get_closest_marker("slow") is None or not hasattr(test, "hypothesis"):
            continue
        # @given keeps the test's settings on this attribute; Hypothesis reads
        # it when the test runs. Fail loudly if a new Hypothesis moves it.
        current = getattr(test, "_hypothesis_internal_use_settings", None)
        if not isinstance(current, settings):
            msg = "cannot set the slow example budget: Hypothesis internals moved"
            raise pytest.UsageError(msg)
        if current.max_examples > budget:
            test._hypothesis_internal_use_settings = settings(
                current, max_examples=budget
            )


_unmarked_slow: list[tuple[float, str]] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note tests that take long but are not marked slow."""
    if (
        report.when == "call"
        and report.passed
        and report.duration > _SLOW_CALL_SECONDS
        and "slow" not in report.keywords
    ):
        _unmarked_slow.append((report.duration, report.nodeid))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List long tests that a ``slow`` mark would make cheaper."""
    if not _unmarked_slow:
        return
    terminalreporter.section("long tests not marked slow")
    terminalreporter.line(
        f"over {_SLOW_CALL_SECONDS:g} s; a property test marked "
        "@pytest.mark.slow runs fewer examples (tests/conftest.py):"
    )
    for duration, nodeid in sorted(_unmarked_slow, reverse=True):
        terminalreporter.line(f"{duration:6.1f}s {nodeid}")
