"""ISO 4217 minor-unit exponents: a plain table, importable without numpy or pandas."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal, TypeAlias

__all__ = [
    "CURRENCY_EXPONENTS",
    "EXPONENT_PROFILES",
    "ExponentProfile",
    "known_code",
]

# ISO 4217 List One (maintenance agency: SIX Group), active codes with their
# minor-unit exponent. Left out: codes without a defined minor unit ("N.A.":
# XAU, XAG, XPT, XPD, XDR, XXX, XTS, XBA, XBB, XBC, XBD, XSU, XUA) and codes
# withdrawn before 2025 (for example HRK, ZWL) or in mid-2025 (ANG, replaced by
# XCG). BGN is kept: invoices dated before Bulgaria's euro changeover of
# 2026-01-01 are still common in billing data. Fund codes (BOV, CHE, CHW, CLF,
# COU, MXV, USN, UYI, UYW) are listed as in List One.
CURRENCY_EXPONENTS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "AED": 2,
        "AFN": 2,
        "ALL": 2,
        "AMD": 2,
        "AOA": 2,
        "ARS": 2,
        "AUD": 2,
        "AWG": 2,
        "AZN": 2,
        "BAM": 2,
        "BBD": 2,
        "BDT": 2,
        "BGN": 2,
        "BHD": 3,
        "BIF": 0,
        "BMD": 2,
        "BND": 2,
        "BOB": 2,
        "BOV": 2,
        "BRL": 2,
        "BSD": 2,
        "BTN": 2,
        "BWP": 2,
        "BYN": 2,
        "BZD": 2,
        "CAD": 2,
        "CDF": 2,
        "CHE": 2,
        "CHF": 2,
        "CHW": 2,
        "CLF": 4,
        "CLP": 0,
        "CNY": 2,
        "COP": 2,
        "COU": 2,
        "CRC": 2,
        "CUC": 2,
        "CUP": 2,
        "CVE": 2,
        "CZK": 2,
        "DJF": 0,
        "DKK": 2,
        "DOP": 2,
        "DZD": 2,
        "EGP": 2,
        "ERN": 2,
        "ETB": 2,
        "EUR": 2,
        "FJD": 2,
        "FKP": 2,
        "GBP": 2,
        "GEL": 2,
        "GHS": 2,
        "GIP": 2,
        "GMD": 2,
        "GNF": 0,
        "GTQ": 2,
        "GYD": 2,
        "HKD": 2,
        "HNL": 2,
        "HTG": 2,
        "HUF": 2,
        "IDR": 2,
        "ILS": 2,
        "INR": 2,
        "IQD": 3,
        "IRR": 2,
        "ISK": 0,
        "JMD": 2,
        "JOD": 3,
        "JPY": 0,
        "KES": 2,
        "KGS": 2,
        "KHR": 2,
        "KMF": 0,
        "KPW": 2,
        "KRW": 0,
        "KWD": 3,
        "KYD": 2,
        "KZT": 2,
        "LAK": 2,
        "LBP": 2,
        "LKR": 2,
        "LRD": 2,
        "LSL": 2,
        "LYD": 3,
        "MAD": 2,
        "MDL": 2,
        "MGA": 2,
        "MKD": 2,
        "MMK": 2,
        "MNT": 2,
        "MOP": 2,
        "MRU": 2,
        "MUR": 2,
        "MVR": 2,
        "MWK": 2,
        "MXN": 2,
        "MXV": 2,
        "MYR": 2,
        "MZN": 2,
        "NAD": 2,
        "NGN": 2,
        "NIO": 2,
        "NOK": 2,
        "NPR": 2,
        "NZD": 2,
        "OMR": 3,
        "PAB": 2,
        "PEN": 2,
        "PGK": 2,
        "PHP": 2,
        "PKR": 2,
        "PLN": 2,
        "PYG": 0,
        "QAR": 2,
        "RON": 2,
        "RSD": 2,
        "RUB": 2,
        "RWF": 0,
        "SAR": 2,
        "SBD": 2,
        "SCR": 2,
        "SDG": 2,
        "SEK": 2,
        "SGD": 2,
        "SHP": 2,
        "SLE": 2,
        "SLL": 2,
        "SOS": 2,
        "SRD": 2,
        "SSP": 2,
        "STN": 2,
        "SVC": 2,
        "SYP": 2,
        "SZL": 2,
        "THB": 2,
        "TJS": 2,
        "TMT": 2,
        "TND": 3,
        "TOP": 2,
        "TRY": 2,
        "TTD": 2,
        "TWD": 2,
        "TZS": 2,
        "UAH": 2,
        "UGX": 0,
        "USD": 2,
        "USN": 2,
        "UYI": 0,
        "UYU": 2,
        "UYW": 4,
        "UZS": 2,
        "VED": 2,
        "VES": 2,
        "VND": 0,
        "VUV": 0,
        "WST": 2,
        "XAF": 0,
        "XCD": 2,
        "XCG": 2,
        "XOF": 0,
        "XPF": 0,
        "YER": 2,
        "ZAR": 2,
        "ZMW": 2,
        "ZWG": 2,
    }
)
"""Minor-unit exponent of every active ISO 4217 code that defines one."""


ExponentProfile: TypeAlias = Literal["iso", "stripe"]
"""How a payment processor states amounts: ``'iso'`` (ISO 4217) or ``'stripe'``."""

# Stripe's documented deviations from ISO 4217 in the amounts of its API and
# exports (docs.stripe.com/currencies, "Zero-decimal currencies" and "Special
# cases"): ISK stays a two-decimal currency in the API ("an ISK amount of 100
# represents 1 krona", amounts must be multiples of 100), and MGA is listed
# among Stripe's zero-decimal currencies although ISO 4217 gives it two
# decimals. HUF and TWD are two-decimal for charges and invoices, as in ISO
# 4217 (zero-decimal only for payouts); UGX is zero-decimal in both.
_STRIPE_DEVIATIONS: Final[Mapping[str, int]] = MappingProxyType({"ISK": 2, "MGA": 0})

EXPONENT_PROFILES: Final[Mapping[str, Mapping[str, int]]] = MappingProxyType(
    {
        "iso": CURRENCY_EXPONENTS,
        "stripe": MappingProxyType({**CURRENCY_EXPONENTS, **_STRIPE_DEVIATIONS}),
    }
)
"""Minor-unit exponent of every currency as each processor profile states it."""


def known_code(value: object) -> str | None:
    """
    Return `value` as an upper-case ISO 4217 code if it is one in any case.

    The one place where currency case is folded (``"usd"`` is USD); None
    for anything else (unknown codes, non-strings), for the caller to report.
    """
    if isinstance(value, str):
        code = str(value).upper()  # np.str_ -> str
        if code in CURRENCY_EXPONENTS:
            return code
    return None
