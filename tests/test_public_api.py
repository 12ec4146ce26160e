"""The public surface is tested, not trusted."""

from __future__ import annotations

import subprocess
import sys
import types

import subscription_metrics as sm

MODULES = (
    "adapters",
    "cac",
    "churn",
    "cohorts",
    "dask",
    "datasets",
    "encoding",
    "frames",
    "goals",
    "health",
    "ledger",
    "ltv",
    "money",
    "operations",
    "periods",
    "pipeline",
    "plots",
    "roi",
    "scorecards",
    "survival",
    "tiers",
)


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    if name.isupper():
        return 0, name
    return (1 if name[0].isupper() else 2), name


def test_all_is_sorted_and_complete():
    """`__all__` is sorted and every name in it resolves."""
    assert sorted(sm.__all__) == sm.__all__
    for name in sm.__all__:
        assert getattr(sm, name) is not None


def test_modules_list_sorted_public_names_that_resolve():
    """Each public module's `__all__` is sorted and complete."""
    for module_name in MODULES:
        module = getattr(sm, module_name)

        assert sorted(module.__all__, key=_isort_key) == module.__all__, module_name
        for name in module.__all__:
            assert hasattr(module, name), (module_name, name)


def test_every_public_object_has_one_import_path():
    """No object is public in two places (types at the top, functions in modules)."""
    seen: dict[int, str] = {}
    for name in sm.__all__:
        value = getattr(sm, name)
        if not isinstance(value, types.ModuleType):
            seen[id(value)] = f"subscription_metrics.{name}"
    for module_name in MODULES:
        module = getattr(sm, module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, (str, int, float, tuple)) or value is None:
                continue  # constants may coincide by value
            path = f"subscription_metrics.{module_name}.{name}"
            assert id(value) not in seen or getattr(value, "__origin__", None), (
                f"{path} is also {seen.get(id(value))}"
            )
            seen[id(value)] = path


def _run(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_is_light():
    """Importing the package and building an entity does not import pandas."""
    code = (
        "import sys, datetime as dt, subscription_metrics as sm; sm.Conventions; "
        "sm.Subscription(subscription_id='s', customer_id='c', "
        "start=dt.date(2024, 1, 1), mrr=1, currency='JPY'); "
        "print('pandas' in sys.modules)"
    )

    assert _run(code) == "False"


def test_import_changes_no_global_state():
    """Using the package leaves pandas options and warning filters alone."""
    code = (
        "import warnings, pandas as pd\n"
        "before = (len(warnings.filters), pd.get_option('mode.chained_assignment'))\n"
        "import subscription_metrics as sm\n"
        "sm.ledger; sm.frames; sm.money; sm.periods; sm.datasets.load_sample()\n"
        "after = (len(warnings.filters), pd.get_option('mode.chained_assignment'))\n"
        "print(before == after)"
    )

    assert _run(code) == "True"


def test_version_is_available():
    """`__version__` comes from the installed metadata."""
    assert isinstance(sm.__version__, str)
    assert "__version__" in dir(sm)
