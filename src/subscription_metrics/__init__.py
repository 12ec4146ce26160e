"""Exact, explicit, fast metrics for B2B subscription businesses.

Types live at the top level (``sm.Ledger``, ``sm.Conventions``, the entities,
``sm.Report``), and so does ``sm.report``, the monthly report in one call;
functions live in topical modules (``sm.ledger.bridge``, ``sm.money``,
``sm.periods``, ``sm.frames``, ``sm.encoding``, ``sm.datasets``,
``sm.adapters``; figures in ``sm.plots``). Everything is loaded on first use,
so ``import subscription_metrics`` stays light for services that need one
entity or one formula (and ``sm.plots`` imports matplotlib only when a figure
is drawn).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import (
        adapters,
        cac,
        churn,
        cohorts,
        dask,
        datasets,
        encoding,
        frames,
        goals,
        health,
        ledger,
        ltv,
        money,
        operations,
        periods,
        pipeline,
        plots,
        roi,
        scorecards,
        survival,
        tiers,
    )
    from ._conventions import Conventions
    from ._economics import StaffRoi
    from ._entities import (
        Activity,
        ActivityKind,
        Assignment,
        CostEntry,
        Customer,
        Deal,
        DealKind,
        ExchangeRate,
        InvoiceLine,
        LineKind,
        Meeting,
        MeetingOutcome,
        MonthlyMrr,
        Onboarding,
        Opportunity,
        Role,
        StaffMember,
        Subscription,
        Ticket,
        UsageSnapshot,
    )
    from ._errors import InvalidTableError, Problem
    from ._health import HealthEvaluation, HealthModel, RiskRule, Signal
    from ._ledger import Ledger, SetAside
    from ._money import (
        CurrencyMismatchError,
        InexactAmountError,
        Money,
        UnknownCurrencyError,
    )
    from ._overflow import MoneyOverflowError
    from ._partials import Figures, Partial
    from ._report import Report, Section, report
    from ._sbg import SbgFit
    from ._tiers import Condition, TierPolicy, TierProfile, TierRule
    from ._warnings import (
        BoundaryFitWarning,
        ConvergenceWarning,
        EmptyRiskSetWarning,
        SubscriptionMetricsWarning,
    )
    from .adapters._common import Imported

__all__ = [
    "Activity",
    "ActivityKind",
    "Assignment",
    "BoundaryFitWarning",
    "Condition",
    "Conventions",
    "ConvergenceWarning",
    "CostEntry",
    "CurrencyMismatchError",
    "Customer",
    "Deal",
    "DealKind",
    "EmptyRiskSetWarning",
    "ExchangeRate",
    "Figures",
    "HealthEvaluation",
    "HealthModel",
    "Imported",
    "InexactAmountError",
    "InvalidTableError",
    "InvoiceLine",
    "Ledger",
    "LineKind",
    "Meeting",
    "MeetingOutcome",
    "Money",
    "MoneyOverflowError",
    "MonthlyMrr",
    "Onboarding",
    "Opportunity",
    "Partial",
    "Problem",
    "Report",
    "RiskRule",
    "Role",
    "SbgFit",
    "Section",
    "SetAside",
    "Signal",
    "StaffMember",
    "StaffRoi",
    "Subscription",
    "SubscriptionMetricsWarning",
    "Ticket",
    "TierPolicy",
    "TierProfile",
    "TierRule",
    "UnknownCurrencyError",
    "UsageSnapshot",
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
    "report",
    "roi",
    "scorecards",
    "survival",
    "tiers",
]

_HOMES = {
    "Activity": "._entities",
    "ActivityKind": "._entities",
    "Assignment": "._entities",
    "BoundaryFitWarning": "._warnings",
    "Condition": "._tiers",
    "ConvergenceWarning": "._warnings",
    "Conventions": "._conventions",
    "CostEntry": "._entities",
    "CurrencyMismatchError": "._money",
    "Customer": "._entities",
    "Deal": "._entities",
    "DealKind": "._entities",
    "EmptyRiskSetWarning": "._warnings",
    "ExchangeRate": "._entities",
    "Figures": "._partials",
    "HealthEvaluation": "._health",
    "HealthModel": "._health",
    "Imported": ".adapters._common",
    "InexactAmountError": "._money",
    "InvalidTableError": "._errors",
    "InvoiceLine": "._entities",
    "Ledger": "._ledger",
    "LineKind": "._entities",
    "Meeting": "._entities",
    "MeetingOutcome": "._entities",
    "Money": "._money",
    "MoneyOverflowError": "._overflow",
    "MonthlyMrr": "._entities",
    "Onboarding": "._entities",
    "Opportunity": "._entities",
    "Partial": "._partials",
    "Problem": "._errors",
    "Report": "._report",
    "RiskRule": "._health",
    "Role": "._entities",
    "SbgFit": "._sbg",
    "Section": "._report",
    "SetAside": "._ledger",
    "Signal": "._health",
    "StaffMember": "._entities",
    "StaffRoi": "._economics",
    "Subscription": "._entities",
    "SubscriptionMetricsWarning": "._warnings",
    "Ticket": "._entities",
    "TierPolicy": "._tiers",
    "TierProfile": "._tiers",
    "TierRule": "._tiers",
    "UsageSnapshot": "._entities",
    "UnknownCurrencyError": "._money",
    "report": "._report",
}
_MODULES = frozenset(name for name in __all__ if name.islower() and name not in _HOMES)


def __getattr__(name: str) -> Any:
    """Load a public name on first use (PEP 562)."""
    if name in _MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
        globals()[name] = value
        return value
    if name == "__version__":
        from importlib.metadata import version

        return version("subscription-metrics")
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    """List the public names, so tab completion shows them before first use."""
    return sorted([*__all__, "__version__"])
