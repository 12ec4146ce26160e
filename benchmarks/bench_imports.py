"""Time the library's imports in fresh interpreters, with ``python -X importtime``.

Usage (from the project root, with nothing else heavy running)::

    .venv/bin/python benchmarks/bench_imports.py --repeat 15

For each entry point, ``--repeat`` fresh interpreters run one import statement
under ``-X importtime``; the figure is the median of the cumulative time
Python reports for the statement's modules (the interpreter's own start-up is
left out), and the columns say whether pandas or scipy were loaded.
tests/test_imports.py checks the modules; this script records the times
(benchmarks/README.md, "Imports").
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys

ENTRY_POINTS = {
    "import subscription_metrics": "import subscription_metrics",
    "import subscription_metrics.churn": "import subscription_metrics.churn",
    "import subscription_metrics.ltv": "import subscription_metrics.ltv",
    "sm.Money": "import subscription_metrics as sm; sm.Money",
    "import subscription_metrics.money": "import subscription_metrics.money",
    "entities and conventions": (
        "import subscription_metrics as sm; sm.Subscription; sm.Customer; "
        "sm.Conventions"
    ),
    "import subscription_metrics.health": "import subscription_metrics.health",
    "import subscription_metrics.ledger": "import subscription_metrics.ledger",
    "import numpy": "import numpy",
    "import pandas": "import pandas",
}


def _importtime(code: str) -> tuple[list[tuple[int, str]], set[str]]:
    """Run `code` fresh: its top-level imports (microseconds, name), sys.modules."""
    script = f"{code}\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        capture_output=True,
        text=True,
        check=True,
    )
    top: list[tuple[int, str]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        if cumulative.strip().isdigit() and len(name) - len(name.lstrip()) == 1:
            top.append((int(cumulative), name.strip()))
    return top, set(json.loads(result.stdout.splitlines()[-1]))


_STARTUP = {name for _, name in _importtime("pass")[0]}


def measure(code: str) -> tuple[float, bool, bool]:
    """Return the import's milliseconds, and whether pandas and scipy loaded."""
    top, modules = _importtime(code)
    micros = sum(us for us, name in top if name not in _STARTUP | {"json"})
    return micros / 1000, "pandas" in modules, "scipy" in modules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    import numpy
    import pandas

    import subscription_metrics

    print(
        f"python {platform.python_version()}, numpy {numpy.__version__}, "
        f"pandas {pandas.__version__}, subscription-metrics "
        f"{subscription_metrics.__version__}, {platform.machine()}"
    )
    print("| entry point | median ms | pandas | scipy |")
    print("|---|---:|---|---|")
    for label, code in ENTRY_POINTS.items():
        runs = [measure(code) for _ in range(args.repeat)]
        median = statistics.median(ms for ms, _, _ in runs)
        _, pandas_loaded, scipy_loaded = runs[0]
        yes = {True: "yes", False: "no"}
        print(
            f"| `{label}` | {median:.0f} | {yes[pandas_loaded]} | {yes[scipy_loaded]} |"
        )


if __name__ == "__main__":
    main()
