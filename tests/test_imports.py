"""Light imports: formulas, money, entities and conventions load without pandas.

Each case runs in a fresh interpreter (``python -X importtime``), so modules
that other tests loaded cannot hide an import; the test reads which modules
were loaded, never how long they took (benchmarks/bench_imports.py times them).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "scipy")


def _loaded(code: str) -> tuple[set[str], set[str]]:
    """Run `code` fresh; return sys.modules after it, and importtime's module names."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", script],
        capture_output=True,
        text=True,
        check=True,
    )
    modules = set(json.loads(result.stdout.splitlines()[-1]))
    timed = {
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return modules, timed


LIGHT = {
    "the package": "import subscription_metrics",
    "churn's plain formulas": (
        "from subscription_metrics.churn import customer_churn_rate, "
        "net_revenue_retention\n"
        "assert customer_churn_rate(200, 5) == 0.025\n"
        "assert net_revenue_retention([100], [10], [0], [0]).tolist() == [0.9]"
    ),
    "ltv's plain formulas": (
        "from subscription_metrics.ltv import lifetime_value, expected_lifetime\n"
        "assert lifetime_value(100.0, 0.02) == 5000.0\n"
        "assert expected_lifetime(0.5) == 2.0"
    ),
    "cac's plain formulas": (
        "from subscription_metrics.cac import customer_acquisition_cost, "
        "payback_months\n"
        "assert customer_acquisition_cost(1000.0, 4) == 250.0\n"
        "assert payback_months(1000.0, 100.0) == 10.0"
    ),
    "roi's plain formula": (
        "from subscription_metrics.roi import staff_roi\n"
        "assert staff_roi(130_000, 1_000_000, 0.02).cost_multiple == 6.5"
    ),
    "Money": (
        "import subscription_metrics as sm\n"
        "assert sm.Money(minor=4_999, currency='usd') + sm.Money(minor=1, "
        "currency='USD') == sm.Money(minor=5_000, currency='USD')"
    ),
    "money conversions": (
        "from subscription_metrics import money\n"
        "assert money.to_minor_units('2000.00', 'USD') == 200_000\n"
        "assert money.format_money(money.monthly_amount(200_000, 'year'), 'USD')"
        " == '166.67 USD'"
    ),
    "entities": (
        "import datetime as dt\n"
        "import subscription_metrics as sm\n"
        "sub = sm.Subscription(subscription_id='s', customer_id='c', "
        "start=dt.date(2024, 1, 1), mrr=1, currency='USD')\n"
        "assert sm.Subscription.from_dict(sub.to_dict()) == sub\n"
        "sm.Customer, sm.StaffMember, sm.Deal, sm.Ticket, sm.Role"
    ),
    "conventions": (
        "import subscription_metrics as sm\n"
        "assert sm.Conventions.preset('chartmogul').zero_mrr == 'active'"
    ),
}


@pytest.mark.parametrize("case", sorted(LIGHT))
def test_light_entry_points_import_neither_pandas_nor_scipy(case):
    modules, timed = _loaded(LIGHT[case])
    for heavy in HEAVY:
        assert heavy not in modules, (case, heavy)
        assert heavy not in timed, (case, heavy)


def test_the_check_sees_a_heavy_import():
    """The probe is not blind: the ledger's module does load pandas."""
    modules, timed = _loaded("import subscription_metrics.ledger")
    assert "pandas" in modules
    assert "pandas" in timed


def test_churn_rates_load_pandas_on_first_use():
    code = (
        "import sys\n"
        "import subscription_metrics.churn as churn\n"
        "assert 'pandas' not in sys.modules\n"
        "from subscription_metrics.datasets import load_sample\n"
        "import subscription_metrics as sm\n"
        "sample = load_sample()\n"
        "led = sm.Ledger.from_subscriptions(sample.subscriptions)\n"
        "assert len(churn.rates(led)) > 0"
    )
    modules, _ = _loaded(code)
    assert "subscription_metrics._churn_rates" in modules


def test_health_loads_scipy_only_to_rank_scores():
    modules, _ = _loaded("import subscription_metrics.health")
    assert "scipy" not in modules
