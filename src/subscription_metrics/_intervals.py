"""Billing intervals by every name: one plain table, without numpy or pandas."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["INTERVAL_FACTORS", "INTERVAL_NAMES", "known_interval"]

# Monthly amount per billing interval as a fraction numerator / denominator:
# monthly amount = amount * numerator / (denominator * interval_count).
# Weeks are 52/12 of a month (13/3), days 365/12.
INTERVAL_FACTORS: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "day": (365, 12),
        "week": (13, 3),
        "month": (1, 1),
        "quarter": (1, 3),
        "year": (1, 12),
    }
)
"""Monthly factor of each interval, as ``(numerator, denominator)``."""

# Every accepted name (compared in lower case, without surrounding spaces) of
# each interval: the singular (Stripe's ``interval``, Chargebee's
# ``billing_period_unit``), the plural, and the adjective.
INTERVAL_NAMES: Final[Mapping[str, str]] = MappingProxyType(
    {
        name: interval
        for interval, names in {
            "day": ("day", "days", "daily"),
            "week": ("week", "weeks", "weekly"),
            "month": ("month", "months", "monthly"),
            "quarter": ("quarter", "quarters", "quarterly"),
            "year": ("year", "years", "yearly", "annual", "annually"),
        }.items()
        for name in names
    }
)
"""Every name of a billing interval, lower case, mapped to its interval."""


def known_interval(value: object) -> str | None:
    """
    Return the interval (``'day'`` ... ``'year'``) that `value` names, in any case.

    The one place where interval names are read; None for anything else
    (unknown names, non-strings), for the caller to report.
    """
    if isinstance(value, str):
        return INTERVAL_NAMES.get(str(value).strip().lower())
    return None
