"""
Exact money: ISO 4217 minor units, one explicit rounding rule, conversions.

Amounts are integers in the currency's minor unit (cents for USD, yen for
JPY, fils for KWD) next to an ISO 4217 code. Major-unit input is turned into
minor units once, with a named rounding rule; after that every sum is exact.
The public functions are re-exported by `subscription_metrics.money`; the
`Money` class and the error classes by the package itself.
"""

from __future__ import annotations

import decimal
import sys
from collections.abc import Iterable
from decimal import Decimal
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Literal,
    Self,
    TypeAlias,
    cast,
    overload,
)

import attrs
import numpy as np
import numpy.typing as npt

from ._currencies import CURRENCY_EXPONENTS, known_code
from ._intervals import INTERVAL_FACTORS, INTERVAL_NAMES, known_interval
from ._validation import pandas_types

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CURRENCY_EXPONENTS",
    "BillingInterval",
    "CurrencyMismatchError",
    "InexactAmountError",
    "Money",
    "Rounding",
    "UnknownCurrencyError",
    "convert",
    "currency_exponent",
    "format_money",
    "monthly_amount",
    "sum_money",
    "to_major_units",
    "to_minor_units",
]

Rounding: TypeAlias = Literal["half_even", "half_up", "exact"]
"""How an amount between two minor units is rounded (see `to_minor_units`)."""

BillingInterval: TypeAlias = Literal[
    "day",
    "days",
    "daily",
    "week",
    "weeks",
    "weekly",
    "month",
    "months",
    "monthly",
    "quarter",
    "quarters",
    "quarterly",
    "year",
    "years",
    "yearly",
    "annual",
    "annually",
]
"""The billing interval of a price, by any of its names (see `monthly_amount`)."""

ScalarAmount: TypeAlias = "int | float | str | Decimal | np.integer[Any]"
ArrayAmount: TypeAlias = (
    "npt.NDArray[Any] | pd.Series[Any] | pd.Index[Any] | list[Any] | tuple[Any, ...]"
)
ArrayCodes: TypeAlias = (
    "npt.NDArray[Any] | pd.Series[Any] | pd.Index[Any] | list[str] | tuple[str, ...]"
)
ScalarRate: TypeAlias = "float | str | Decimal"

_ROUNDINGS: Final = ("half_even", "half_up", "exact")
ROUNDING_HINT: Final = (
    "pass rounding='half_even' (to a Ledger: "
    "conventions=Conventions(money_rounding='half_even'))"
)
"""How an inexact amount is let through: the option of each route in."""
_INT64_MAX: Final = int(np.iinfo(np.int64).max)
_INT64_MIN: Final = int(np.iinfo(np.int64).min)
# Above this magnitude (after scaling) a double cannot resolve the tie
# between two minor units reliably, so the float kernel hands off to Decimal.
_FAST_LIMIT: Final = 2.0**50
# Relative error bound of ``x * 10**e`` against the decimal that ``repr(x)``
# shows, with a safety factor of 8 (0.5 ulp from repr, 0.5 ulp from the product).
_TIE_TOLERANCE: Final = 2.0**-49

_MAX_EXPONENT: Final = max(CURRENCY_EXPONENTS.values())
_POW10_INT: Final = np.array([10**e for e in range(_MAX_EXPONENT + 1)], np.int64)
_POW10_FLOAT: Final = _POW10_INT.astype(np.float64)  # exact: all below 2**53

_INTERVAL_FACTORS: Final = INTERVAL_FACTORS
_INTERVAL_NAMES: Final = INTERVAL_NAMES


class UnknownCurrencyError(ValueError):
    """
    Raised for a currency code that is not an active ISO 4217 code.

    Codes are three letters, read in any case (``"usd"`` is USD).
    Subclasses `ValueError`.

    Examples
    --------
    >>> try:
    ...     currency_exponent("US$")
    ... except UnknownCurrencyError as error:
    ...     print(error)
    'currency' must be an active ISO 4217 code with a minor unit (three letters
    such as 'USD', in any case), got 'US$'
    """


class CurrencyMismatchError(ValueError):
    """
    Raised when amounts in different currencies are combined without a rate.

    Subclasses `ValueError`; the message names both currency codes.

    Examples
    --------
    >>> try:
    ...     Money(minor=100, currency="USD") + Money(minor=100, currency="EUR")
    ... except CurrencyMismatchError as error:
    ...     print(error)
    cannot add amounts in 'USD' and 'EUR'; convert one of them first
    """


class InexactAmountError(ValueError):
    """
    Raised by ``rounding="exact"`` when an amount needs rounding.

    Subclasses `ValueError`.

    Examples
    --------
    >>> try:
    ...     to_minor_units("1.005", "USD", rounding="exact")
    ... except InexactAmountError as error:
    ...     print(error)
    'amount' 1.005 has more decimals than USD allows (2); round it first or pass
    rounding='half_even' (to a Ledger:
    conventions=Conventions(money_rounding='half_even'))
    """


# --------------------------------------------------------------------------
# Currency codes
# --------------------------------------------------------------------------


def _factorize(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], Any]:
    """``pandas.factorize``, imported on first use (`Money` does without pandas)."""
    import pandas as pd

    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(positions, dtype=np.intp), uniques


def _infer_dtype(values: npt.NDArray[Any]) -> str:
    """``pandas.api.types.infer_dtype``, imported on first use."""
    import pandas as pd

    return str(pd.api.types.infer_dtype(values, skipna=False))


def _is_pandas_missing(value: object) -> bool:
    """Whether `value` is pandas' NA or NaT (never, while pandas is not loaded)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and (value is pandas.NA or value is pandas.NaT)


def canonical_currency(currency: str) -> str:
    """
    Return the ISO 4217 code `currency` in upper case, checking it is known.

    Stripe and other processors write codes in lower case (``"usd"``); the
    library reads codes in any case and keeps them upper-case.

    Raises
    ------
    UnknownCurrencyError
        If `currency` is not an active code with a minor unit.

    Examples
    --------
    >>> canonical_currency("usd"), canonical_currency("JPY")
    ('USD', 'JPY')
    """
    code = known_code(currency)
    if code is not None:
        return code
    msg = (
        "'currency' must be an active ISO 4217 code with a minor unit "
        f"(three letters such as 'USD', in any case), got "
        f"{str(currency) if isinstance(currency, str) else currency!r}"
    )
    raise UnknownCurrencyError(msg)


def currency_exponent(currency: str) -> int:
    """
    Return the number of decimals of `currency`'s minor unit.

    Parameters
    ----------
    currency : str
        Active ISO 4217 code: three letters such as ``"USD"``, in any case
        (``"usd"`` is USD).

    Returns
    -------
    int
        The minor-unit exponent from ISO 4217: 0 for JPY (one yen is one
        unit), 2 for USD (cents), 3 for KWD (fils), 4 for CLF.

    Raises
    ------
    UnknownCurrencyError
        If `currency` is not an active code with a minor unit.

    Examples
    --------
    >>> currency_exponent("JPY"), currency_exponent("USD"), currency_exponent("kwd")
    (0, 2, 3)
    """
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        return CURRENCY_EXPONENTS[canonical_currency(currency)]


def _check_rounding(rounding: str) -> None:
    if rounding not in _ROUNDINGS:
        allowed = ", ".join(repr(r) for r in _ROUNDINGS)
        msg = f"'rounding' must be one of {allowed}, got {rounding!r}"
        raise ValueError(msg)


def _exponents_of(
    currency: str | ArrayCodes, shape: tuple[int, ...]
) -> int | npt.NDArray[np.intp]:
    """Return the exponent of one code, or an array of exponents, one per element."""
    if isinstance(currency, str):
        return currency_exponent(currency)
    codes = _to_ndarray(currency, name="currency")
    if codes.shape != shape:
        msg = (
            f"'currency' must be one code or one code per amount (shape {shape}), "
            f"got shape {codes.shape}"
        )
        raise ValueError(msg)
    positions, uniques = _factorize(codes.ravel())
    missing = int((positions < 0).sum())
    if missing:
        msg = f"'currency' must not contain missing codes, found {missing}"
        raise ValueError(msg)
    exponents = np.array([currency_exponent(code) for code in uniques], np.intp)
    return exponents[positions].reshape(shape)


# --------------------------------------------------------------------------
# Rounded integer division: the one place where money is rounded
# --------------------------------------------------------------------------


@overload
def _divide_rounded(numerator: int, denominator: int, *, rounding: Rounding) -> int: ...
@overload
def _divide_rounded(
    numerator: npt.NDArray[np.int64],
    denominator: int | npt.NDArray[np.int64],
    *,
    rounding: Rounding,
) -> npt.NDArray[np.int64]: ...
def _divide_rounded(
    numerator: int | npt.NDArray[np.int64],
    denominator: int | npt.NDArray[np.int64],
    *,
    rounding: Rounding,
) -> int | npt.NDArray[np.int64]:
    """
    Divide integers and round the exact quotient once.

    Python ints are divided exactly at any size; int64 arrays are divided
    without overflow for every int64 numerator and positive denominator.
    The denominator must be positive. ``"exact"`` raises `InexactAmountError`
    when a remainder is left.

    Examples
    --------
    >>> _divide_rounded(5, 2, rounding="half_even"), _divide_rounded(
    ...     -5, 2, rounding="half_up")
    (2, -3)
    """
    if isinstance(numerator, int) and isinstance(denominator, int):
        return _divide_rounded_int(numerator, denominator, rounding)
    return _divide_rounded_array(
        np.asarray(numerator, dtype=np.int64),
        np.asarray(denominator, dtype=np.int64),
        rounding,
    )


def _divide_rounded_int(numerator: int, denominator: int, rounding: Rounding) -> int:
    if denominator <= 0:
        msg = f"'denominator' must be > 0, got {denominator!r}"
        raise ValueError(msg)
    quotient, remainder = divmod(numerator, denominator)  # 0 <= remainder < den
    if rounding == "exact":
        if remainder:
            msg = f"{numerator}/{denominator} is not a whole number"
            raise InexactAmountError(msg)
        return quotient
    rest = denominator - remainder  # distance to the next integer, scaled
    tie_up = quotient % 2 == 1 if rounding == "half_even" else quotient >= 0
    round_up = remainder > rest or (remainder == rest and tie_up)
    return quotient + int(round_up)


def _divide_rounded_array(
    numerator: npt.NDArray[np.int64],
    denominator: npt.NDArray[np.int64],
    rounding: Rounding,
) -> npt.NDArray[np.int64]:
    if (denominator <= 0).any():
        msg = f"'denominator' must be > 0, got {int(denominator.min())}"
        raise ValueError(msg)
    # Floor division and remainder, 0 <= remainder < denominator, as in Python.
    quotient, remainder = np.divmod(numerator, denominator)
    if rounding == "exact":
        inexact = int(np.count_nonzero(remainder))
        if inexact:
            msg = f"{inexact} quotient(s) are not whole numbers"
            raise InexactAmountError(msg)
        return quotient
    rest = denominator - remainder  # no overflow: 0 < rest <= denominator
    ties_up = quotient % 2 == 1 if rounding == "half_even" else quotient >= 0
    round_up = (remainder > rest) | ((remainder == rest) & ties_up)
    result: npt.NDArray[np.int64] = quotient + round_up.astype(np.int64)
    return result


# --------------------------------------------------------------------------
# Major units -> minor units
# --------------------------------------------------------------------------


def _to_ndarray(values: Any, *, name: str) -> npt.NDArray[Any]:
    """Return array-like `values` as an ndarray, without pandas' NA objects."""
    if isinstance(values, pandas_types()):
        series = cast("pd.Series[Any]", values)
        dtype = series.dtype
        if isinstance(dtype, np.dtype):
            return series.to_numpy()
        numpy_dtype = getattr(dtype, "numpy_dtype", None)
        if isinstance(numpy_dtype, np.dtype) and numpy_dtype.kind in "biuf":
            missing = np.asarray(series.isna())
            if missing.any():
                _raise_missing(name, missing, series.to_numpy(dtype=object))
            return series.to_numpy(dtype=numpy_dtype)
        return series.to_numpy(dtype=object)
    try:
        return np.asarray(values)
    except (OverflowError, ValueError):
        return np.asarray(values, dtype=object)


def _raise_missing(
    name: str, bad: npt.NDArray[np.bool_], values: npt.NDArray[Any]
) -> None:
    first = int(np.flatnonzero(bad.ravel())[0])
    example = values.ravel()[first : first + 1].tolist()[0]  # a Python scalar
    msg = (
        f"{name!r} must not contain NaN, inf or missing values; found "
        f"{int(bad.sum())} (first at position {first}: {example!r})"
    )
    raise ValueError(msg)


def _overflow(name: str, value: object, currency: object) -> ValueError:
    msg = (
        f"{name!r} {value} in {currency} does not fit in int64 minor units "
        f"(|minor| <= {_INT64_MAX})"
    )
    return ValueError(msg)


def _scalar_decimal(value: object, *, name: str) -> Decimal | None:
    """Return `value` as a Decimal; None if it is missing or not finite."""
    if isinstance(value, bool | np.bool_):
        msg = f"{name!r} must be a number or a numeric string, got {value!r}"
        raise TypeError(msg)
    if isinstance(value, float | np.floating):
        # The shortest repr is what the user typed: 1.005 -> Decimal("1.005").
        number = float(value)
        return Decimal(repr(number)) if np.isfinite(number) else None
    if isinstance(value, int | np.integer):
        return Decimal(int(value))
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except decimal.InvalidOperation:
            msg = f"{name!r} must be a decimal number string, got {value!r}"
            raise ValueError(msg) from None
        return parsed if parsed.is_finite() else None
    if value is None or _is_pandas_missing(value):
        return None
    msg = f"{name!r} must be a number or a numeric string, got {value!r}"
    raise TypeError(msg)


def _decimal_to_minor(
    amount: Decimal, exponent: int, rounding: Rounding, *, currency: object
) -> int:
    """Round a finite Decimal major-unit amount to int64 minor units, exactly."""
    if amount and amount.adjusted() + exponent >= 19:  # |minor| >= 10**19
        error = _overflow("amount", amount, currency)
        raise error
    numerator, denominator = amount.as_integer_ratio()
    numerator *= 10**exponent
    if rounding == "exact" and numerator % denominator:
        msg = (
            f"'amount' {amount} has more decimals than {currency} allows "
            f"({exponent}); round it first or {ROUNDING_HINT}"
        )
        raise InexactAmountError(msg)
    minor = _divide_rounded_int(int(numerator), int(denominator), rounding)
    if not _INT64_MIN <= minor <= _INT64_MAX:
        error = _overflow("amount", amount, currency)
        raise error
    return minor


def _float_to_minor(
    values: npt.NDArray[np.float64],
    exponents: int | npt.NDArray[np.intp],
    rounding: Rounding,
    currency: str | npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """
    Vectorised float kernel: scale, round, and send ambiguous elements to Decimal.

    ``y = x * 10**e`` differs from the decimal ``repr(x) * 10**e`` by at most
    about one ulp of ``y``. Away from a tie (``frac(y)`` not near 0.5) and
    below 2**50, ``rint(y)`` is therefore the correctly rounded result for
    every rule. The rest (near ties, huge values) go through
    ``Decimal(repr(x))``, which is exact.
    """
    bad = ~np.isfinite(values)
    if bad.any():
        _raise_missing("amount", bad, values)
    with np.errstate(over="ignore", invalid="ignore"):
        # Values that overflow to inf here are sent to the exact path below.
        return _float_kernel(values, exponents, rounding, currency)


def _float_kernel(
    values: npt.NDArray[np.float64],
    exponents: int | npt.NDArray[np.intp],
    rounding: Rounding,
    currency: str | npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    scale = _POW10_FLOAT[exponents]
    scaled = values * scale
    magnitude = np.abs(scaled)
    rounded = np.rint(scaled)
    if rounding == "exact":
        # rint(y) / 10**e == x exactly when repr(x) has <= e decimals (y < 2**50).
        slow = magnitude >= _FAST_LIMIT
        inexact = ~slow & (rounded / scale != values)
        count = int(inexact.sum())
        if count:
            first = int(np.flatnonzero(inexact.ravel())[0])
            codes = np.broadcast_to(np.asarray(currency, dtype=object), values.shape)
            code = codes.ravel()[first]
            msg = (
                f"'amount' has {count} value(s) with more decimals than the "
                f"currency allows (first at position {first}: "
                f"{float(values.ravel()[first])!r} {code}); round them first or "
                f"{ROUNDING_HINT}"
            )
            raise InexactAmountError(msg)
    else:
        fraction = scaled - np.floor(scaled)
        near_tie = np.abs(fraction - 0.5) <= magnitude * _TIE_TOLERANCE
        slow = near_tie | (magnitude >= _FAST_LIMIT)
    out = np.where(slow, 0.0, rounded).astype(np.int64)
    if slow.any():
        flat_out = out.reshape(-1)
        flat_values = values.reshape(-1)
        flat_exponents = np.broadcast_to(exponents, values.shape).reshape(-1)
        codes = np.broadcast_to(np.asarray(currency, dtype=object), values.shape)
        flat_codes = codes.reshape(-1)
        for i in np.flatnonzero(slow.reshape(-1)).tolist():
            flat_out[i] = _decimal_to_minor(
                Decimal(repr(float(flat_values[i]))),
                int(flat_exponents[i]),
                rounding,
                currency=flat_codes[i],
            )
    return out


def _integer_to_minor(
    values: npt.NDArray[np.integer[Any]],
    exponents: int | npt.NDArray[np.intp],
    currency: str | npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Multiply integer major units by ``10**e`` exactly, refusing int64 overflow."""
    multiplier = _POW10_INT[exponents]
    limit = _INT64_MAX // multiplier
    if values.dtype.kind == "u":
        too_big = values > np.asarray(limit, dtype=np.uint64)
    else:
        too_big = (values > limit) | (values < -limit)
    if too_big.any():
        first = int(np.flatnonzero(np.broadcast_to(too_big, values.shape))[0])
        codes = np.broadcast_to(np.asarray(currency, dtype=object), values.shape)
        error = _overflow("amount", values.ravel()[first], codes.ravel()[first])
        raise error
    return values.astype(np.int64) * multiplier


def _object_to_minor(
    values: npt.NDArray[Any],
    exponents: int | npt.NDArray[np.intp],
    rounding: Rounding,
    currency: str | npt.NDArray[Any],
) -> npt.NDArray[np.int64]:
    """Convert str / Decimal / mixed objects one element at a time through Decimal."""
    flat = values.reshape(-1)
    decimals = [_scalar_decimal(value, name="amount") for value in flat.tolist()]
    missing = np.array([d is None for d in decimals], dtype=np.bool_)
    if missing.any():
        _raise_missing("amount", missing, flat)
    flat_exponents = np.broadcast_to(exponents, values.shape).reshape(-1).tolist()
    codes = np.broadcast_to(np.asarray(currency, dtype=object), values.shape)
    flat_codes = codes.reshape(-1).tolist()
    minors = [
        _decimal_to_minor(d, e, rounding, currency=code)
        for d, e, code in zip(decimals, flat_exponents, flat_codes, strict=True)
        if d is not None
    ]
    return np.array(minors, dtype=np.int64).reshape(values.shape)


@overload
def to_minor_units(
    amount: ScalarAmount, currency: str, *, rounding: Rounding = "half_even"
) -> int: ...
@overload
def to_minor_units(
    amount: ArrayAmount,
    currency: str | ArrayCodes,
    *,
    rounding: Rounding = "half_even",
) -> npt.NDArray[np.int64]: ...
def to_minor_units(
    amount: ScalarAmount | ArrayAmount,
    currency: str | ArrayCodes,
    *,
    rounding: Rounding = "half_even",
) -> int | npt.NDArray[np.int64]:
    """
    Convert major-unit amounts to integer minor units, rounding once.

    ``12.34`` USD becomes ``1234`` cents; ``1500`` JPY stays ``1500``;
    ``1.2345`` KWD becomes ``1234`` or ``1235`` fils depending on `rounding`.

    Parameters
    ----------
    amount : int, float, str, Decimal, or array-like / pandas Series of them
        Amount in major units (dollars, yen). Negative amounts are allowed.
        Floats are read by their shortest ``repr``, the digits a person
        typed: ``1.005`` is 1.005, not the binary double just below it, and
        ``0.1 + 0.2`` is 0.30000000000000004.
    currency : str or array-like of str
        ISO 4217 code, or one code per element of `amount` (same shape), in
        any case (``"usd"`` is USD).
    rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
        What to do with an amount between two minor units.
        ``'half_even'`` rounds to the nearest unit and a tie to the even one
        (banker's rounding; the IEEE 754 and `decimal` default), so ties do
        not bias sums upward. ``'half_up'`` rounds a tie away from zero, as
        most people do by hand. ``'exact'`` refuses to round and raises
        `InexactAmountError` instead.

    Returns
    -------
    int or numpy.ndarray of int64
        A Python ``int`` for scalar `amount`; an int64 array of the same
        shape for arrays and Series (the index is dropped).

    Raises
    ------
    UnknownCurrencyError
        If a currency code is unknown.
    InexactAmountError
        With ``rounding='exact'``, if an amount has more decimals than the
        currency has.
    ValueError
        If an amount is NaN, infinite or missing (the message gives how many),
        a string is not a decimal number, a result does not fit in int64, or
        `rounding` is not one of the allowed values.
    TypeError
        If an amount is a bool or not a number.

    Notes
    -----
    Numeric arrays take a vectorised fast path. Integer arrays are
    multiplied by ``10**exponent`` exactly (overflow is checked). Float
    arrays are scaled and rounded with `numpy.rint`; only the few elements
    that land within a rounding error of a tie (``k + 0.5`` after scaling)
    or above 2**50 are redone exactly through ``Decimal(repr(x))``, so the
    result always equals the scalar, Decimal-based conversion. Object and
    string arrays (and Decimal values) go through `decimal.Decimal` one
    element at a time, which is much slower: keep numeric columns numeric.

    Examples
    --------
    >>> to_minor_units(12.34, "USD")
    1234
    >>> to_minor_units("1500", "JPY")
    1500

    Ties: banker's rounding by default, away from zero on request:

    >>> to_minor_units(1.005, "USD"), to_minor_units(1.005, "USD", rounding="half_up")
    (100, 101)
    >>> to_minor_units(0.125, "USD"), to_minor_units(-0.125, "USD", rounding="half_up")
    (12, -13)

    Arrays, with one currency per element:

    >>> to_minor_units([9.99, 1200.0, 1.5], ["USD", "JPY", "KWD"])
    array([ 999, 1200, 1500])
    """
    _check_rounding(rounding)
    if not isinstance(amount, (list, tuple, np.ndarray, *pandas_types())):
        if not isinstance(currency, str):
            msg = f"'currency' must be one code for a scalar amount, got {currency!r}"
            raise TypeError(msg)
        currency = canonical_currency(currency)
        exponent = CURRENCY_EXPONENTS[currency]
        value = _scalar_decimal(amount, name="amount")
        if value is None:
            msg = f"'amount' must be a finite number, got {amount!r}"
            raise ValueError(msg)
        return _decimal_to_minor(value, exponent, rounding, currency=currency)

    values = _to_ndarray(amount, name="amount")
    exponents = _exponents_of(currency, values.shape)
    codes: str | npt.NDArray[Any] = (
        currency if isinstance(currency, str) else _to_ndarray(currency, name="")
    )
    kind = values.dtype.kind
    if kind == "O" and values.size:
        # Object columns of plain floats or int64-sized ints take the fast path.
        inferred = _infer_dtype(values.ravel())
        try:
            if inferred == "floating":
                values, kind = values.astype(np.float64), "f"
            elif inferred == "integer":
                values, kind = values.astype(np.int64), "i"
        except OverflowError:
            pass
    if kind == "f":
        return _float_to_minor(values.astype(np.float64), exponents, rounding, codes)
    if kind in "iu":
        return _integer_to_minor(values, exponents, codes)
    if kind in "OUS":
        return _object_to_minor(values, exponents, rounding, codes)
    msg = f"'amount' must be numbers or numeric strings, got dtype {values.dtype}"
    raise TypeError(msg)


# --------------------------------------------------------------------------
# Minor units -> major units, formatting
# --------------------------------------------------------------------------


def _check_minor_int(minor: object, *, name: str = "minor") -> int:
    if isinstance(minor, bool | np.bool_) or not isinstance(minor, int | np.integer):
        msg = f"{name!r} must be an int number of minor units, got {minor!r}"
        raise TypeError(msg)
    return int(minor)


def to_major_units(minor: int, currency: str) -> Decimal:
    """
    Convert integer minor units to an exact Decimal amount in major units.

    Parameters
    ----------
    minor : int
        Amount in minor units of `currency`.
    currency : str
        ISO 4217 code.

    Returns
    -------
    decimal.Decimal
        The exact amount with as many decimals as the currency has,
        independent of the current `decimal` context.

    Raises
    ------
    TypeError
        If `minor` is not an integer.
    UnknownCurrencyError
        If `currency` is unknown.

    Examples
    --------
    >>> to_major_units(123456, "USD")
    Decimal('1234.56')
    >>> to_major_units(1500, "JPY"), to_major_units(-1, "KWD")
    (Decimal('1500'), Decimal('-0.001'))
    """
    value = _check_minor_int(minor)
    exponent = currency_exponent(currency)
    return Decimal(f"{value}E-{exponent}")  # parsing a string is exact


def format_money(minor: int, currency: str) -> str:
    """
    Format minor units as a readable major-unit amount with its code.

    Parameters
    ----------
    minor : int
        Amount in minor units of `currency`.
    currency : str
        ISO 4217 code.

    Returns
    -------
    str
        Thousands separated by commas, a point before the minor digits,
        a leading ``-`` for negative amounts and the code after a space.
        Locale independent.

    Raises
    ------
    TypeError
        If `minor` is not an integer.
    UnknownCurrencyError
        If `currency` is unknown.

    Examples
    --------
    >>> format_money(123456, "USD")
    '1,234.56 USD'
    >>> format_money(1500000, "JPY")
    '1,500,000 JPY'
    >>> format_money(-123456, "USD")
    '-1,234.56 USD'
    >>> format_money(5, "KWD")
    '0.005 KWD'
    >>> format_money(999, "usd")
    '9.99 USD'
    """
    value = _check_minor_int(minor)
    currency = canonical_currency(currency)
    exponent = CURRENCY_EXPONENTS[currency]
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**exponent)
    text = f"{whole:,}"
    if exponent:
        text += f".{fraction:0{exponent}d}"
    return f"{sign}{text} {currency}"


# --------------------------------------------------------------------------
# Currency conversion
# --------------------------------------------------------------------------


def _rate_decimal(rate: object) -> Decimal:
    value = _scalar_decimal(rate, name="rate")
    if value is None or value <= 0:
        msg = f"'rate' must be a finite number > 0, got {rate!r}"
        raise ValueError(msg)
    return value


@overload
def convert(
    minor: int | np.integer[Any],
    *,
    from_currency: str,
    to_currency: str,
    rate: ScalarRate,
    rounding: Rounding = "half_even",
) -> int: ...
@overload
def convert(
    minor: ArrayAmount,
    *,
    from_currency: str,
    to_currency: str,
    rate: ScalarRate | ArrayAmount,
    rounding: Rounding = "half_even",
) -> npt.NDArray[np.int64]: ...
@overload
def convert(
    minor: int | np.integer[Any],
    *,
    from_currency: str,
    to_currency: str,
    rate: ArrayAmount,
    rounding: Rounding = "half_even",
) -> npt.NDArray[np.int64]: ...
def convert(
    minor: int | np.integer[Any] | ArrayAmount,
    *,
    from_currency: str,
    to_currency: str,
    rate: ScalarRate | ArrayAmount,
    rounding: Rounding = "half_even",
) -> int | npt.NDArray[np.int64]:
    """
    Convert minor units of one currency into another at a given rate.

    Parameters
    ----------
    minor : int or array-like of int
        Amounts in minor units of `from_currency`.
    from_currency, to_currency : str
        ISO 4217 codes, in any case.
    rate : float, str, Decimal or array-like of them
        Units of `to_currency` per one unit of `from_currency`, both in
        major units (e.g. ``0.0067`` USD per JPY). Must be finite and > 0.
        Floats are read by their shortest ``repr`` (``0.0067`` is exactly
        0.0067). An array broadcasts against `minor`.
    rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
        How the converted amount is rounded to a minor unit, as in
        `to_minor_units`.

    Returns
    -------
    int or numpy.ndarray of int64
        A Python ``int`` when `minor` and `rate` are scalars, otherwise an
        int64 array of the broadcast shape.

    Raises
    ------
    ValueError
        If `rate` is not finite and positive, if the two currencies are the
        same but `rate` is not 1, or if a result does not fit in int64.
    InexactAmountError
        With ``rounding='exact'``, if a converted amount needs rounding.
    UnknownCurrencyError
        If a currency code is unknown.
    TypeError
        If `minor` is not integer.

    Notes
    -----
    The conversion is exact: ``minor * rate * 10**(e_to - e_from)`` is
    computed as a fraction of integers and rounded once, so scalar and array
    calls give identical results and a tie such as 2,950 JPY at 0.0067
    (1976.5 cents) rounds by `rounding`, not by binary noise. Arrays are
    vectorised: each distinct rate is read once (floats by their shortest
    ``repr``, as in `to_minor_units`) and the amounts are multiplied and
    divided as int64; only elements whose intermediate product would
    overflow int64 fall back to Python integers. A million amounts at one
    rate, or at a year of daily rates, take well under a second; a distinct
    full-precision float rate on every row (17 significant digits, so most
    products overflow int64) falls back row by row and takes seconds.
    Round rates to the digits your source publishes to stay fast.

    Examples
    --------
    >>> convert(1_000, from_currency="JPY", to_currency="USD", rate="0.0067")
    670
    >>> convert(1999, from_currency="USD", to_currency="JPY", rate=150.5)
    3008
    >>> convert([1_000, 2_500], from_currency="JPY", to_currency="USD", rate=0.0067)
    array([ 670, 1675])
    """
    _check_rounding(rounding)
    from_currency = canonical_currency(from_currency)
    to_currency = canonical_currency(to_currency)
    from_exponent = CURRENCY_EXPONENTS[from_currency]
    to_exponent = CURRENCY_EXPONENTS[to_currency]
    shift = to_exponent - from_exponent
    is_array = isinstance(minor, (list, tuple, np.ndarray, *pandas_types()))
    rate_is_array = isinstance(rate, (list, tuple, np.ndarray, *pandas_types()))

    if not is_array and not rate_is_array:
        value = _check_minor_int(minor)
        factor = _rate_decimal(rate)
        if from_currency == to_currency:
            if factor != 1:
                msg = (
                    f"'rate' must be 1 when converting {from_currency} to itself, "
                    f"got {rate!r}"
                )
                raise ValueError(msg)
            return value
        numerator, denominator = factor.as_integer_ratio()
        numerator *= value * 10 ** max(shift, 0)
        denominator *= 10 ** max(-shift, 0)
        if rounding == "exact" and numerator % denominator:
            msg = (
                f"{value} {from_currency} at rate {rate} is not a whole number of "
                f"{to_currency} minor units; {ROUNDING_HINT}"
            )
            raise InexactAmountError(msg)
        result = _divide_rounded_int(int(numerator), int(denominator), rounding)
        if not _INT64_MIN <= result <= _INT64_MAX:
            msg = (
                f"converting {value} {from_currency} at rate {rate} gives {result} "
                f"{to_currency} minor units, which does not fit in int64"
            )
            raise ValueError(msg)
        return result

    amounts = _to_ndarray(minor, name="minor") if is_array else np.asarray(minor)
    return _convert_array(
        _int64_amounts(amounts, name="minor"),
        rate,
        rate_is_array=rate_is_array,
        shift=shift,
        rounding=rounding,
        from_currency=from_currency,
        to_currency=to_currency,
    )


def _int64_amounts(amounts: npt.NDArray[Any], *, name: str) -> npt.NDArray[np.int64]:
    """Return integer minor units as int64, or raise naming `name`."""
    kind = amounts.dtype.kind
    if kind == "O" and amounts.size:
        if _infer_dtype(amounts.ravel()) != "integer":
            msg = f"{name!r} must be integers (minor units), got dtype object"
            raise TypeError(msg)
        try:
            return amounts.astype(np.int64)
        except OverflowError:
            msg = f"{name!r} must fit in int64"
            raise ValueError(msg) from None
    if amounts.size == 0 and kind in "fO":
        return amounts.astype(np.int64)  # [] is an empty float array
    if kind not in "iu":
        msg = f"{name!r} must be integers (minor units), got dtype {amounts.dtype}"
        raise TypeError(msg)
    if kind == "u" and (amounts > _INT64_MAX).any():
        msg = f"{name!r} must fit in int64, got {int(amounts.max())}"
        raise ValueError(msg)
    return amounts.astype(np.int64)


def _convert_array(
    amounts: npt.NDArray[np.int64],
    rate: object,
    *,
    rate_is_array: bool,
    shift: int,
    rounding: Rounding,
    from_currency: str,
    to_currency: str,
) -> npt.NDArray[np.int64]:
    """
    Convert int64 amounts exactly, with integer arithmetic per distinct rate.

    Each distinct rate is read once as a Decimal and written as a fraction
    ``numerator / denominator`` of integers (shifted by the exponents). The
    amounts are then multiplied and divided as int64, rounding once; elements
    whose product would overflow int64 are done with Python ints instead.
    """
    positions: npt.NDArray[np.intp]
    if rate_is_array:
        raw = _to_ndarray(rate, name="rate")
        positions, uniques = _factorize(raw.ravel())
        missing = int((positions < 0).sum())
        if missing:
            msg = f"'rate' must not contain NaN or missing values, found {missing}"
            raise ValueError(msg)
        positions = positions.reshape(raw.shape)
        exact_rates = [_rate_decimal(unique) for unique in uniques]
    else:
        positions = np.zeros((), dtype=np.intp)
        exact_rates = [_rate_decimal(rate)]
    amounts, positions = np.broadcast_arrays(amounts, positions)
    if from_currency == to_currency:
        if any(r != 1 for r in exact_rates):
            msg = (
                f"'rate' must be 1 when converting {from_currency} to itself, "
                f"got {rate!r}"
            )
            raise ValueError(msg)
        return amounts.copy()

    factors = []
    for exact_rate in exact_rates:
        numerator, denominator = exact_rate.as_integer_ratio()
        factors.append(
            (numerator * 10 ** max(shift, 0), denominator * 10 ** max(-shift, 0))
        )
    # Rates whose integer factors exceed int64 take the Python-int path below.
    usable = [f if max(f) <= _INT64_MAX else (1, 1) for f in factors]
    in_range = np.array([max(f) <= _INT64_MAX for f in factors], dtype=np.bool_)
    numerator_of = np.array([f[0] for f in usable], dtype=np.int64)[positions]
    denominator_of = np.array([f[1] for f in usable], dtype=np.int64)[positions]
    limit = _INT64_MAX // numerator_of
    fast = in_range[positions] & (amounts <= limit) & (amounts >= -limit)
    products = np.where(fast, amounts, 0) * numerator_of

    inexact = 0
    if rounding == "exact":
        inexact = int(np.count_nonzero(products % denominator_of))
    out = _divide_rounded_array(
        products, denominator_of, "half_even" if rounding == "exact" else rounding
    )
    flat_out = out.reshape(-1)
    flat_amounts = amounts.reshape(-1)
    flat_positions = positions.reshape(-1)
    for i in np.flatnonzero(~fast.reshape(-1)).tolist():
        numerator, denominator = factors[int(flat_positions[i])]
        product = int(flat_amounts[i]) * numerator
        if rounding == "exact" and product % denominator:
            inexact += 1
            continue
        result = _divide_rounded_int(product, denominator, rounding)
        if not _INT64_MIN <= result <= _INT64_MAX:
            msg = (
                f"converting {int(flat_amounts[i])} {from_currency} gives {result} "
                f"{to_currency} minor units, which does not fit in int64"
            )
            raise ValueError(msg)
        flat_out[i] = result
    if inexact:
        msg = (
            f"{inexact} converted amount(s) are not whole numbers of "
            f"{to_currency} minor units; {ROUNDING_HINT}"
        )
        raise InexactAmountError(msg)
    return out


# --------------------------------------------------------------------------
# Billing-interval normalisation
# --------------------------------------------------------------------------


@overload
def monthly_amount(
    amount_minor: int | np.integer[Any],
    interval: BillingInterval,
    *,
    interval_count: int = 1,
    rounding: Rounding = "half_even",
) -> int: ...
@overload
def monthly_amount(
    amount_minor: ArrayAmount,
    interval: BillingInterval | ArrayCodes,
    *,
    interval_count: int | ArrayAmount = 1,
    rounding: Rounding = "half_even",
) -> npt.NDArray[np.int64]: ...
def monthly_amount(
    amount_minor: int | np.integer[Any] | ArrayAmount,
    interval: BillingInterval | ArrayCodes,
    *,
    interval_count: int | ArrayAmount = 1,
    rounding: Rounding = "half_even",
) -> int | npt.NDArray[np.int64]:
    """
    Normalise a recurring price to its monthly amount (its MRR contribution).

    A price billed once every `interval_count` intervals contributes
    ``amount * factor / interval_count`` per month, with

    | interval | also named               | factor   | source            |
    |----------|--------------------------|----------|-------------------|
    | day      | days, daily              | 365 / 12 | a 365-day year    |
    | week     | weeks, weekly            | 52 / 12  | Baremetrics       |
    | month    | months, monthly          | 1        |                   |
    | quarter  | quarters, quarterly      | 1 / 3    |                   |
    | year     | years, yearly, annual,   | 1 / 12   | ChartMogul        |
    |          | annually                 |          |                   |

    Names are read in any case (``"Monthly"`` is ``"month"``). Weekly prices
    use 52/12 exactly, not 4 and not a rounded 4.33 (Baremetrics: "52 weeks
    in a year"); daily ones 365/12. ChartMogul's annual $2,000 is $166.67.
    Stripe's ``interval`` and ``interval_count`` map straight onto
    `interval` and `interval_count`.

    Parameters
    ----------
    amount_minor : int or array-like of int
        Price per billing interval, in minor units. Negative values are
        allowed (credits).
    interval : str or array-like of str
        Billing interval, one for all or one per amount (a column such as
        ``billing_interval``), by any name in the table above: ``'day'``,
        ``'week'``, ``'month'``, ``'quarter'``, ``'year'``, their plurals,
        ``'daily'``, ``'weekly'``, ``'monthly'``, ``'quarterly'``,
        ``'yearly'``, ``'annual'`` or ``'annually'``.
    interval_count : int or array-like of int, default 1
        Number of intervals per billing period, >= 1: ``interval="month",
        interval_count=3`` is quarterly (Stripe's ``interval_count``),
        ``interval="month", interval_count=6`` semi-annual,
        ``interval="year", interval_count=3`` a three-year term.
    rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
        How the exact monthly amount is rounded to a minor unit, as in
        `to_minor_units`.

    Returns
    -------
    int or numpy.ndarray of int64
        Monthly amount in minor units: an ``int`` for scalar input,
        otherwise an int64 array.

    Raises
    ------
    ValueError
        If `interval` is not allowed, `interval_count` < 1, or an amount is
        too large for the exact int64 arithmetic.
    InexactAmountError
        With ``rounding='exact'``, if a monthly amount needs rounding.
    TypeError
        If amounts or counts are not integers.

    Notes
    -----
    The ratio is applied as a fraction of integers and the result is rounded
    once, so there is no floating-point error. The rounded monthly amount
    times the months in the interval need not equal the price: a 1,000 JPY
    annual plan is 83 JPY a month, and 12 x 83 = 996.

    Examples
    --------
    ChartMogul's worked example, an annual plan billed $2,000:

    >>> monthly_amount(200_000, "year")
    16667
    >>> monthly_amount(1_000, "year")  # JPY has no minor unit
    83
    >>> monthly_amount(1_200, "week")  # 1,200 x 52 / 12
    5200
    >>> monthly_amount([60_000, 36_000], ["month", "year"], interval_count=[6, 3])
    array([10000,  1000])

    Any name of an interval, and Stripe's interval with its count:

    >>> monthly_amount([9_800, 120_000], ["monthly", "annual"])
    array([ 9800, 10000])
    >>> monthly_amount(30_000, "month", interval_count=3)
    10000
    """
    _check_rounding(rounding)
    scalar = (
        not isinstance(amount_minor, (list, tuple, np.ndarray, *pandas_types()))
        and isinstance(interval, str)
        and isinstance(interval_count, int | np.integer)
    )
    if scalar:
        amount = _check_minor_int(amount_minor, name="amount_minor")
        count = int(_check_interval_count(interval_count))
        numerator, denominator = _interval_factor(str(interval))
        if rounding == "exact" and (amount * numerator) % (denominator * count):
            msg = (
                f"'amount_minor' {amount} per {count} {interval}(s) is not a whole "
                f"number of minor units per month; {ROUNDING_HINT}"
            )
            raise InexactAmountError(msg)
        return _divide_rounded_int(amount * numerator, denominator * count, rounding)

    amounts = _to_ndarray(amount_minor, name="amount_minor")
    if amounts.size == 0 and amounts.dtype.kind == "f":
        amounts = amounts.astype(np.int64)  # [] is an empty float array
    if amounts.dtype.kind not in "iu":
        msg = (
            f"'amount_minor' must be integers (minor units), got dtype {amounts.dtype}"
        )
        raise TypeError(msg)
    if amounts.dtype.kind == "u" and (amounts > _INT64_MAX).any():
        msg = f"'amount_minor' must fit in int64, got {int(amounts.max())}"
        raise ValueError(msg)
    amounts = amounts.astype(np.int64)
    if isinstance(interval, str):
        numerator, denominator = _interval_factor(interval)
        numerators = np.asarray(numerator, dtype=np.int64)
        denominators = np.asarray(denominator, dtype=np.int64)
    else:
        labels = _to_ndarray(interval, name="interval")
        _check_same_shape(labels, amounts, name="interval")
        positions, uniques = _factorize(labels.ravel())
        if (positions < 0).any():
            msg = "'interval' must not contain missing values"
            raise ValueError(msg)
        factors = np.array(
            [_interval_factor(u) for u in uniques], dtype=np.int64
        ).reshape(-1, 2)
        numerators = factors[positions, 0].reshape(labels.shape)
        denominators = factors[positions, 1].reshape(labels.shape)
    counts = np.asarray(_check_interval_count(interval_count), dtype=np.int64)
    _check_same_shape(counts, amounts, name="interval_count")
    # Only the weekly (13/3) and daily (365/12) factors multiply; |amount| times
    # the numerator must fit in int64.
    limits = _INT64_MAX // numerators
    too_big = (numerators != 1) & ((amounts > limits) | (amounts < -limits))
    if too_big.any():
        first = int(np.broadcast_to(amounts, too_big.shape)[too_big][0])
        factor = int(np.broadcast_to(numerators, too_big.shape)[too_big][0])
        msg = (
            f"'amount_minor' {first} is too large for exact arithmetic: "
            f"amount x {factor} must fit in int64"
        )
        raise ValueError(msg)
    if (counts > _INT64_MAX // 12).any():
        msg = f"'interval_count' must be <= {_INT64_MAX // 12}, got {counts.max()}"
        raise ValueError(msg)
    scaled = amounts * numerators
    divisors = denominators * counts
    shape = np.broadcast_shapes(scaled.shape, divisors.shape)
    scaled = np.broadcast_to(scaled, shape)
    divisors = np.broadcast_to(divisors, shape)
    if rounding == "exact":
        inexact = int(np.count_nonzero(scaled % divisors))
        if inexact:
            msg = (
                f"'amount_minor' has {inexact} amount(s) that are not a whole number "
                f"of minor units per month; {ROUNDING_HINT}"
            )
            raise InexactAmountError(msg)
    return _divide_rounded(np.asarray(scaled), np.asarray(divisors), rounding=rounding)


def _check_same_shape(
    values: npt.NDArray[Any], amounts: npt.NDArray[Any], *, name: str
) -> None:
    if values.ndim and amounts.ndim and values.shape != amounts.shape:
        msg = (
            f"{name!r} must be one value or one per amount (shape {amounts.shape}), "
            f"got shape {values.shape}"
        )
        raise ValueError(msg)


def _interval_factor(interval: object) -> tuple[int, int]:
    name = known_interval(interval)
    if name is None:
        allowed = ", ".join(repr(i) for i in _INTERVAL_NAMES)
        shown = str(interval) if isinstance(interval, str) else interval
        msg = f"'interval' must be one of {allowed} (in any case), got {shown!r}"
        raise ValueError(msg)
    return _INTERVAL_FACTORS[name]


def _check_interval_count(count: object) -> int | npt.NDArray[np.int64]:
    if isinstance(count, bool | np.bool_):
        msg = f"'interval_count' must be an int >= 1, got {count!r}"
        raise TypeError(msg)
    if isinstance(count, int | np.integer):
        if count < 1:
            msg = f"'interval_count' must be an int >= 1, got {count!r}"
            raise ValueError(msg)
        return int(count)
    counts = _to_ndarray(count, name="interval_count")
    if counts.dtype.kind not in "iu":
        msg = f"'interval_count' must be integers >= 1, got dtype {counts.dtype}"
        raise TypeError(msg)
    if (counts < 1).any():
        msg = f"'interval_count' must be integers >= 1, got {int(counts.min())}"
        raise ValueError(msg)
    return counts.astype(np.int64)


# --------------------------------------------------------------------------
# Money: one amount with its currency
# --------------------------------------------------------------------------


def _as_python_int(value: int | np.integer[Any]) -> int:
    """Turn numpy integers into Python ints; leave everything else to the validator."""
    if isinstance(value, np.integer):
        return int(value)
    return value


def _validate_minor(
    instance: object, attribute: attrs.Attribute[int], value: int
) -> None:
    _check_minor_int(value)
    if not _INT64_MIN <= value <= _INT64_MAX:
        msg = f"'minor' must fit in int64 ({_INT64_MIN}..{_INT64_MAX}), got {value!r}"
        raise ValueError(msg)


def _canonical_or_as_is(value: str) -> str:
    """Upper-case a known code; leave anything else for the validator to refuse."""
    try:
        return canonical_currency(value)
    except UnknownCurrencyError:
        return value


def _validate_currency(
    instance: object, attribute: attrs.Attribute[str], value: str
) -> None:
    currency_exponent(value)


@attrs.frozen(kw_only=True)
class Money:
    """
    An exact amount of money: integer minor units and an ISO 4217 code.

    Attributes
    ----------
    minor : int
        Amount in minor units of `currency` (cents for USD, yen for JPY);
        must fit in int64. numpy integers are accepted and stored as ``int``;
        bools are rejected.
    currency : str
        Active ISO 4217 code, in any case; stored upper-case (``"usd"`` is
        kept as ``"USD"``).

    Raises
    ------
    TypeError
        If `minor` is not an integer.
    ValueError
        If `minor` does not fit in int64.
    UnknownCurrencyError
        If `currency` is unknown.

    Notes
    -----
    Addition, subtraction and ordering work only between amounts in the same
    currency; mixing currencies raises `CurrencyMismatchError` (convert first
    with `convert`). Amounts in different currencies are never equal.

    Examples
    --------
    >>> price = Money.from_major("19.99", "USD")
    >>> price
    Money(minor=1999, currency='USD')
    >>> print(price + Money(minor=1, currency="USD"))
    20.00 USD
    >>> price.to_major()
    Decimal('19.99')
    >>> Money(minor=100, currency="USD") < Money(minor=200, currency="USD")
    True
    """

    minor: int = attrs.field(converter=_as_python_int, validator=_validate_minor)
    currency: str = attrs.field(
        converter=_canonical_or_as_is, validator=_validate_currency
    )

    @classmethod
    def from_major(
        cls,
        amount: ScalarAmount,
        currency: str,
        *,
        rounding: Rounding = "half_even",
    ) -> Self:
        """
        Build an amount from major units (dollars, yen), rounding once.

        Parameters
        ----------
        amount : int, float, str or Decimal
            Amount in major units; floats are read by their shortest repr.
        currency : str
            ISO 4217 code.
        rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
            Rounding rule, as in `to_minor_units`.

        Returns
        -------
        Money
            The amount in minor units.

        Examples
        --------
        >>> Money.from_major(1.005, "USD", rounding="half_up")
        Money(minor=101, currency='USD')
        """
        return cls(
            minor=to_minor_units(amount, currency, rounding=rounding),
            currency=currency,
        )

    def to_major(self) -> Decimal:
        """
        Return the exact amount in major units.

        Returns
        -------
        decimal.Decimal
            As many decimals as the currency has.

        Examples
        --------
        >>> Money(minor=123456, currency="USD").to_major()
        Decimal('1234.56')
        """
        return to_major_units(self.minor, self.currency)

    def __str__(self) -> str:
        """Format as ``"1,234.56 USD"`` (see `format_money`)."""
        return format_money(self.minor, self.currency)

    def _same_currency(self, other: Money, verb: str) -> None:
        if self.currency != other.currency:
            msg = (
                f"cannot {verb} amounts in {self.currency!r} and {other.currency!r}; "
                "convert one of them first"
            )
            raise CurrencyMismatchError(msg)

    def __add__(self, other: Money) -> Money:
        """Add two amounts in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "add")
        return Money(minor=self.minor + other.minor, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        """Subtract an amount in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "subtract")
        return Money(minor=self.minor - other.minor, currency=self.currency)

    def __neg__(self) -> Money:
        """Return the amount with the opposite sign."""
        return Money(minor=-self.minor, currency=self.currency)

    def __lt__(self, other: Money) -> bool:
        """Compare two amounts in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        """Compare two amounts in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        """Compare two amounts in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        """Compare two amounts in the same currency."""
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.minor >= other.minor


def sum_money(amounts: Iterable[Money]) -> Money:
    """
    Add amounts that share one currency, exactly.

    Parameters
    ----------
    amounts : iterable of Money
        At least one amount; all in the same currency.

    Returns
    -------
    Money
        The total, in the common currency.

    Raises
    ------
    ValueError
        If `amounts` is empty (the currency of an empty sum is unknown) or
        the total does not fit in int64.
    CurrencyMismatchError
        If the currencies differ.
    TypeError
        If an element is not a `Money`.

    Examples
    --------
    >>> sum_money([Money(minor=1999, currency="USD"), Money(minor=1, currency="USD")])
    Money(minor=2000, currency='USD')
    """
    total = 0
    currency: str | None = None
    for amount in amounts:
        if not isinstance(amount, Money):
            msg = f"'amounts' must hold Money values, got {amount!r}"
            raise TypeError(msg)
        if currency is None:
            currency = amount.currency
        elif amount.currency != currency:
            msg = (
                f"cannot add amounts in {currency!r} and {amount.currency!r}; "
                "convert them to one currency first"
            )
            raise CurrencyMismatchError(msg)
        total += amount.minor
    if currency is None:
        msg = "'amounts' must not be empty: the currency of an empty sum is unknown"
        raise ValueError(msg)
    return Money(minor=total, currency=currency)
