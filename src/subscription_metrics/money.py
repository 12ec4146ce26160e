"""
Exact money: currency exponents, rounding to minor units, conversions.

Money in this library is an integer count of the currency's minor unit (cents
for USD, yen for JPY, fils for KWD) beside its ISO 4217 code. Major-unit
input is converted once, with an explicit rounding rule, and every sum after
that is exact. `EXPONENT_PROFILES` holds the exponents as ISO 4217 states
them (``'iso'``, the default everywhere) and as Stripe does (``'stripe'``),
for the adapters of `subscription_metrics.adapters`. The `Money` record and
the errors (`UnknownCurrencyError`, `CurrencyMismatchError`,
`InexactAmountError`) live at the package top level.

Examples
--------
>>> from subscription_metrics import money
>>> minor = money.to_minor_units("2000.00", "USD")
>>> money.format_money(money.monthly_amount(minor, "year"), "USD")
'166.67 USD'
"""

from __future__ import annotations

from subscription_metrics._currencies import EXPONENT_PROFILES, ExponentProfile
from subscription_metrics._money import (
    CURRENCY_EXPONENTS,
    BillingInterval,
    Rounding,
    convert,
    currency_exponent,
    format_money,
    monthly_amount,
    sum_money,
    to_major_units,
    to_minor_units,
)

__all__ = [
    "CURRENCY_EXPONENTS",
    "EXPONENT_PROFILES",
    "BillingInterval",
    "ExponentProfile",
    "Rounding",
    "convert",
    "currency_exponent",
    "format_money",
    "monthly_amount",
    "sum_money",
    "to_major_units",
    "to_minor_units",
]
