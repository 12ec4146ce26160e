"""
Periods: annualizing churn, and calendar months as integer ordinals.

A calendar month is represented by its *month ordinal*, the number of months
since January 1970: ``(year - 1970) * 12 + (month - 1)``. It is the ordinal of
a pandas ``Period[M]`` and the integer value of a numpy ``datetime64[M]``, so
month arithmetic on a whole column is integer arithmetic.

Examples
--------
>>> from subscription_metrics import periods
>>> periods.month_ordinal("2024-03")
650
>>> periods.ordinal_to_period(650 + 1)
Period('2024-04', 'M')
"""

from __future__ import annotations

import calendar
import datetime as dt
import operator
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias, TypeVar, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "PERIODS_PER_YEAR",
    "Period",
    "add_months",
    "annualized_churn_rate",
    "month_ceil_ordinal",
    "month_end",
    "month_ordinal",
    "month_start",
    "months_between",
    "ordinal_to_period",
    "period_to_ordinal",
    "periodic_churn_rate",
    "periods_per_year",
]

Period: TypeAlias = Literal["weekly", "monthly", "quarterly", "annual"]
"""The length of the period a rate was measured over."""

PERIODS_PER_YEAR: Final[Mapping[str, int]] = MappingProxyType(
    {"weekly": 52, "monthly": 12, "quarterly": 4, "annual": 1}
)
"""How many of each `Period` fit in a year."""

FloatArray: TypeAlias = (
    "npt.NDArray[Any] | pd.Series[Any] | list[float] | tuple[float, ...]"
)
ScalarDate: TypeAlias = "dt.date | np.datetime64 | pd.Period | str"
DateArray: TypeAlias = (
    "npt.NDArray[Any] | pd.Series[Any] | pd.Index[Any] | list[Any] | tuple[Any, ...]"
)

_D = TypeVar("_D", bound=dt.date)
_ARRAY_TYPES: Final = (list, tuple, np.ndarray, pd.Series, pd.Index)
_MONTHLY_OR_COARSER: Final = (
    pd.offsets.MonthEnd,
    pd.offsets.QuarterEnd,
    pd.offsets.YearEnd,
)


# --------------------------------------------------------------------------
# Annualization
# --------------------------------------------------------------------------


def periods_per_year(period: Period) -> int:
    """
    Return how many `period` fit in a year.

    Parameters
    ----------
    period : {'weekly', 'monthly', 'quarterly', 'annual'}
        Length of the period.

    Returns
    -------
    int
        52, 12, 4 or 1.

    Raises
    ------
    ValueError
        If `period` is not one of the keys of `PERIODS_PER_YEAR`.

    Examples
    --------
    >>> periods_per_year("quarterly")
    4
    """
    try:
        return PERIODS_PER_YEAR[period]
    except (KeyError, TypeError):
        allowed = ", ".join(repr(p) for p in PERIODS_PER_YEAR)
        msg = f"'period' must be one of {allowed}, got {period!r}"
        raise ValueError(msg) from None


def _fraction_array(value: object, *, name: str) -> npt.NDArray[np.float64]:
    """Return `value` as a float array of fractions in [0, 1], or raise naming it."""
    if isinstance(value, bool | np.bool_ | str):
        msg = f"{name!r} must be a number, got {value!r}"
        raise TypeError(msg)
    msg = f"{name!r} must be numeric, got {value!r}"
    try:
        raw = np.asarray(value)
        array = raw.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(msg) from exc
    if raw.dtype.kind not in "iufO":  # no bools, strings or dates
        raise TypeError(msg)
    finite = np.isfinite(array)
    if not finite.all():
        bad = array[~finite].ravel()[0]
        msg = f"{name!r} must be finite (no NaN or inf), got {float(bad)!r}"
        raise ValueError(msg)
    outside = (array < 0) | (array > 1)
    if outside.any():
        bad = array[outside].ravel()[0]
        msg = f"{name!r} must be a fraction in [0, 1], got {float(bad)!r}"
        raise ValueError(msg)
    return array


def _float_or_array(
    result: npt.NDArray[np.float64], original: object
) -> float | npt.NDArray[np.float64]:
    return result if isinstance(original, _ARRAY_TYPES) else float(result)


@overload
def annualized_churn_rate(
    churn_rate: float, *, period: Period = "monthly"
) -> float: ...
@overload
def annualized_churn_rate(
    churn_rate: FloatArray, *, period: Period = "monthly"
) -> npt.NDArray[np.float64]: ...
def annualized_churn_rate(
    churn_rate: float | FloatArray, *, period: Period = "monthly"
) -> float | npt.NDArray[np.float64]:
    """
    Compound a per-period churn rate into the fraction lost over a year.

    Parameters
    ----------
    churn_rate : float or array-like of float
        Churn per `period` as a fraction in [0, 1].
    period : {'monthly', 'weekly', 'quarterly', 'annual'}, default 'monthly'
        Length of the period `churn_rate` was measured over.

    Returns
    -------
    float or numpy.ndarray
        ``1 - (1 - churn_rate) ** n`` for ``n`` periods per year: the share
        of a cohort gone after a year, not ``churn_rate * n``. A ``float``
        for scalar input, an array of the same shape otherwise.

    Raises
    ------
    ValueError
        If a rate is outside [0, 1] or not finite, or `period` is unknown.
    TypeError
        If `churn_rate` is not numeric.

    See Also
    --------
    periodic_churn_rate : The inverse conversion.

    Notes
    -----
    Computed as ``-expm1(n * log1p(-churn_rate))``, which keeps full
    precision for the small rates that are typical; ``1 - (1 - c) ** 12``
    loses digits when ``c`` is tiny.

    Examples
    --------
    5% monthly churn is about 46% a year, not 60%:

    >>> round(annualized_churn_rate(0.05), 4)
    0.4596
    >>> annualized_churn_rate([0.0, 0.1, 1.0], period="quarterly").round(4)
    array([0.    , 0.3439, 1.    ])
    """
    n = periods_per_year(period)
    rate = _fraction_array(churn_rate, name="churn_rate")
    with np.errstate(divide="ignore"):  # log1p(-1) = -inf is the right limit
        annual = -np.expm1(n * np.log1p(-rate))
    result = np.where(rate == 1.0, 1.0, annual) + 0.0  # + 0.0 turns -0.0 into 0.0
    return _float_or_array(result, churn_rate)


@overload
def periodic_churn_rate(annual_rate: float, *, period: Period = "monthly") -> float: ...
@overload
def periodic_churn_rate(
    annual_rate: FloatArray, *, period: Period = "monthly"
) -> npt.NDArray[np.float64]: ...
def periodic_churn_rate(
    annual_rate: float | FloatArray, *, period: Period = "monthly"
) -> float | npt.NDArray[np.float64]:
    """
    Convert an annual churn rate into the equivalent per-period rate.

    Parameters
    ----------
    annual_rate : float or array-like of float
        Fraction of a cohort lost over a year, in [0, 1].
    period : {'monthly', 'weekly', 'quarterly', 'annual'}, default 'monthly'
        Length of the period to convert to.

    Returns
    -------
    float or numpy.ndarray
        ``1 - (1 - annual_rate) ** (1 / n)`` for ``n`` periods per year,
        the constant per-period rate that compounds to `annual_rate`.

    Raises
    ------
    ValueError
        If a rate is outside [0, 1] or not finite, or `period` is unknown.
    TypeError
        If `annual_rate` is not numeric.

    See Also
    --------
    annualized_churn_rate : The inverse conversion.

    Notes
    -----
    Computed as ``-expm1(log1p(-annual_rate) / n)`` for precision at small
    rates.

    Examples
    --------
    >>> round(periodic_churn_rate(0.4596), 4)
    0.05
    >>> round(periodic_churn_rate(0.2, period="quarterly"), 6)
    0.054258
    """
    n = periods_per_year(period)
    rate = _fraction_array(annual_rate, name="annual_rate")
    with np.errstate(divide="ignore"):  # log1p(-1) = -inf is the right limit
        periodic = -np.expm1(np.log1p(-rate) / n)
    result = np.where(rate == 1.0, 1.0, periodic) + 0.0
    return _float_or_array(result, annual_rate)


# --------------------------------------------------------------------------
# Month ordinals
# --------------------------------------------------------------------------

_EXPECTED = (
    "dates, datetimes, numpy datetime64, pandas Timestamps or Periods, "
    "or ISO 8601 strings such as '2024-03'"
)


def _raise_missing(missing: npt.NDArray[np.bool_]) -> None:
    first = int(np.flatnonzero(missing.ravel())[0])
    msg = (
        f"'values' must not contain missing dates (None, NaN, NaT); found "
        f"{int(missing.sum())} (first at position {first})"
    )
    raise ValueError(msg)


def _from_datetime64(
    values: npt.NDArray[np.datetime64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Return (month ordinal, instant is the first moment of its month)."""
    missing = np.isnat(values)
    if missing.any():
        _raise_missing(missing)
    days = values.astype("datetime64[D]")  # floors, also before 1970
    at_midnight = np.asarray(values == days)
    day = days.view(np.int64)
    low = int(day.min(initial=0))
    span = int(day.max(initial=0)) - low + 1
    if len(day) > 4 * span:
        # Calendar arithmetic per element is the slow part; over a short
        # span of days a lookup table of each day's month is much faster.
        calendar = np.arange(low, low + span).astype("datetime64[D]")
        month_of_day = calendar.astype("datetime64[M]")
        first_of_month = calendar == month_of_day
        day -= low  # in place: `days` is ours, and only offsets are needed now
        at_midnight &= first_of_month[day]
        # Each day's month written over its offset: no second array of dates.
        months = np.take(month_of_day.view(np.int64), day, out=day, mode="clip")
        return months, at_midnight
    months = values.astype("datetime64[M]")
    return months.astype(np.int64), np.asarray(values == months)


def _from_datetime_index(
    index: pd.DatetimeIndex,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    if index.tz is not None:
        index = index.tz_localize(None)  # wall-clock time in its own zone
    return _from_datetime64(index.to_numpy())


def _from_periods(
    index: pd.PeriodIndex,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    missing = np.asarray(index.isna())
    if missing.any():
        _raise_missing(missing)
    monthly = index.asfreq("M", how="S")
    ordinals = np.asarray(monthly.asi8, dtype=np.int64).copy()
    if isinstance(index.freq, _MONTHLY_OR_COARSER):
        return ordinals, np.ones(ordinals.shape, dtype=np.bool_)
    # A finer period (a day, an hour) starts at a month start only on the 1st.
    at_start = np.asarray(index.start_time == monthly.start_time)
    return ordinals, at_start


def _first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split(". You might want")[0]


def _from_strings(
    values: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    try:
        index = pd.to_datetime(pd.Index(values, dtype=object), format="ISO8601")
    except (ValueError, OverflowError) as exc:
        msg = (
            "'values' strings must be ISO 8601 dates such as '2024-03' or "
            f"'2024-03-15T10:30' (one UTC offset at most): {_first_line(exc)}"
        )
        raise ValueError(msg) from None
    return _from_datetime_index(pd.DatetimeIndex(index))


def _from_objects(
    values: npt.NDArray[Any],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    missing = np.asarray(pd.isna(values), dtype=np.bool_)
    if missing.any():
        _raise_missing(missing)
    if values.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.bool_)
    kind = pd.api.types.infer_dtype(values, skipna=False)
    if kind == "mixed" and all(isinstance(v, pd.Period) for v in values):
        kind = "period"  # of several frequencies: rejected just below
    if kind == "period":
        try:
            periods = pd.PeriodIndex(list(values))
        except (ValueError, pd.errors.IncompatibleFrequency) as exc:
            msg = f"'values' periods must share one frequency: {_first_line(exc)}"
            raise ValueError(msg) from None
        return _from_periods(periods)
    if kind == "string":
        return _from_strings(values)
    if kind == "datetime64":
        return _from_datetime64(np.array(values.tolist()))  # finest unit wins
    if kind == "mixed" and all(isinstance(v, dt.date) for v in values):
        kind = "datetime"  # dates mixed with datetimes
    if kind in ("date", "datetime"):
        try:
            index = pd.DatetimeIndex(pd.to_datetime(values))
        except ValueError:
            # Several time zones: keep each value's own wall-clock time.
            naive = [v.replace(tzinfo=None) for v in values]
            index = pd.DatetimeIndex(pd.to_datetime(naive))
        return _from_datetime_index(index)
    msg = f"'values' must be {_EXPECTED}; got {kind} values"
    raise TypeError(msg)


def _scalar_months(value: object) -> tuple[int, bool]:
    if value is pd.NaT or value is None:
        msg = f"'values' must not be missing, got {value!r}"
        raise ValueError(msg)
    if isinstance(value, dt.datetime):
        ordinal = (value.year - 1970) * 12 + value.month - 1
        at_start = (
            value.day == 1
            and value.time() == dt.time(0)
            and getattr(value, "nanosecond", 0) == 0
        )
        return ordinal, at_start
    if isinstance(value, dt.date):
        return (value.year - 1970) * 12 + value.month - 1, value.day == 1
    if isinstance(value, np.datetime64 | pd.Period | str):
        ordinals, at_start = _array_months(np.array([value], dtype=object))
        return int(ordinals[0]), bool(at_start[0])
    msg = f"'values' must be {_EXPECTED}; got {value!r}"
    raise TypeError(msg)


def _array_months(
    values: object,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    if isinstance(values, pd.Series | pd.Index):
        dtype = values.dtype
        if isinstance(dtype, pd.PeriodDtype):
            return _from_periods(pd.PeriodIndex(values))
        if isinstance(dtype, pd.DatetimeTZDtype):
            return _from_datetime_index(pd.DatetimeIndex(values))
        array = (
            values.to_numpy()
            if isinstance(dtype, np.dtype)
            else values.to_numpy(dtype=object)
        )
    else:
        array = np.asarray(values)
    kind = array.dtype.kind
    if array.size == 0:
        return np.zeros(array.shape, np.int64), np.zeros(array.shape, np.bool_)
    if kind == "M":
        return _from_datetime64(array)
    if kind in "OU":
        ordinals, at_start = (
            _from_objects(array.ravel().astype(object))
            if kind == "O"
            else _from_strings(array.ravel())
        )
        return ordinals.reshape(array.shape), at_start.reshape(array.shape)
    msg = f"'values' must be {_EXPECTED}; got an array of dtype {array.dtype}"
    raise TypeError(msg)


@overload
def month_ordinal(values: ScalarDate) -> int: ...
@overload
def month_ordinal(values: DateArray) -> npt.NDArray[np.int64]: ...
def month_ordinal(values: ScalarDate | DateArray) -> int | npt.NDArray[np.int64]:
    """
    Return the month ordinal of the month that contains each value.

    Parameters
    ----------
    values : date-like or array-like of date-likes
        `datetime.date`, `datetime.datetime`, `numpy.datetime64`,
        `pandas.Timestamp`, `pandas.Period`, or an ISO 8601 string
        (``"2024-03"``, ``"2024-03-15"``, ``"2024-03-15T10:30"``); or a
        list, array, `pandas.Series` or `pandas.Index` of them
        (``datetime64``, tz-aware ``datetime64``, ``Period`` or string
        dtypes are converted without a Python loop).

    Returns
    -------
    int or numpy.ndarray of int64
        ``(year - 1970) * 12 + (month - 1)`` of the month containing each
        value, the same number as a pandas ``Period[M]`` ordinal: an ``int``
        for a scalar, an int64 array of the same shape otherwise.

    Raises
    ------
    ValueError
        If a value is missing (None, NaN, NaT; the message gives how many)
        or a string cannot be parsed.
    TypeError
        If values are not date-like.

    Notes
    -----
    Times are floored to their month. Time-zone-aware values count in the
    wall-clock month of their own time zone: 2024-03-31 23:00 in Tokyo is
    March even though it is already April somewhere else. A Period of a
    finer or coarser frequency (a day, a quarter) gives the month of its
    start.

    Examples
    --------
    >>> import datetime as dt
    >>> month_ordinal(dt.date(1970, 1, 31)), month_ordinal(dt.date(2024, 3, 15))
    (0, 650)
    >>> month_ordinal(["1969-12", "2024-03-31T23:59"])
    array([ -1, 650])
    >>> import pandas as pd
    >>> month_ordinal(pd.Series(pd.to_datetime(["2024-01-31", "2024-02-01"])))
    array([648, 649])
    """
    if isinstance(values, _ARRAY_TYPES):
        return _array_months(values)[0]
    return _scalar_months(values)[0]


@overload
def month_ceil_ordinal(values: ScalarDate) -> int: ...
@overload
def month_ceil_ordinal(values: DateArray) -> npt.NDArray[np.int64]: ...
def month_ceil_ordinal(
    values: ScalarDate | DateArray,
) -> int | npt.NDArray[np.int64]:
    """
    Return the ordinal of the first month that starts at or after each instant.

    A value at exactly 00:00 on the 1st of a month maps to that month; any
    later instant in the month maps to the next month. A date counts as its
    midnight, so a date on the 1st maps to its own month.

    Parameters
    ----------
    values : date-like or array-like of date-likes
        As for `month_ordinal`.

    Returns
    -------
    int or numpy.ndarray of int64
        Month ordinals: an ``int`` for a scalar, an int64 array otherwise.

    Raises
    ------
    ValueError
        If a value is missing or a string cannot be parsed.
    TypeError
        If values are not date-like.

    See Also
    --------
    month_ordinal : The month that contains the instant (the floor).

    Examples
    --------
    >>> import datetime as dt
    >>> month_ceil_ordinal(dt.date(2024, 3, 1)), month_ceil_ordinal(dt.date(2024, 3, 2))
    (650, 651)
    >>> month_ceil_ordinal(["2024-03-01T00:00", "2024-03-01T00:00:01"])
    array([650, 651])
    """
    if isinstance(values, _ARRAY_TYPES):
        ordinals, at_start = _array_months(values)
        result: npt.NDArray[np.int64] = ordinals + (~at_start).astype(np.int64)
        return result
    ordinal, starts = _scalar_months(values)
    return ordinal if starts else ordinal + 1


def _check_ordinal_array(ordinals: object) -> npt.NDArray[np.int64]:
    array = np.asarray(ordinals)
    if array.size == 0:
        return np.zeros(array.shape, np.int64)
    if array.dtype.kind not in "iu":
        msg = f"'ordinals' must be integers, got dtype {array.dtype}"
        raise TypeError(msg)
    return array.astype(np.int64)


@overload
def ordinal_to_period(ordinals: int | np.integer[Any]) -> pd.Period: ...
@overload
def ordinal_to_period(ordinals: DateArray) -> pd.PeriodIndex: ...
def ordinal_to_period(
    ordinals: int | np.integer[Any] | DateArray,
) -> pd.Period | pd.PeriodIndex:
    """
    Turn month ordinals into pandas monthly periods.

    Parameters
    ----------
    ordinals : int or array-like of int
        Month ordinals, ``(year - 1970) * 12 + (month - 1)``.

    Returns
    -------
    pandas.Period or pandas.PeriodIndex
        With frequency ``"M"``: a ``Period`` for a scalar, a ``PeriodIndex``
        otherwise.

    Raises
    ------
    TypeError
        If `ordinals` are not integers.

    See Also
    --------
    period_to_ordinal : The inverse.

    Examples
    --------
    >>> ordinal_to_period(650)
    Period('2024-03', 'M')
    >>> ordinal_to_period([-1, 0, 650])
    PeriodIndex(['1969-12', '1970-01', '2024-03'], dtype='period[M]')
    """
    if isinstance(ordinals, bool | np.bool_):
        msg = f"'ordinals' must be integers, got {ordinals!r}"
        raise TypeError(msg)
    if isinstance(ordinals, int | np.integer):
        return pd.Period(ordinal=int(ordinals), freq="M")
    monthly = pd.arrays.PeriodArray(
        _check_ordinal_array(ordinals).ravel(), dtype=pd.PeriodDtype("M")
    )
    return pd.PeriodIndex(monthly)


def _check_monthly(freqstr: str | None) -> None:
    if freqstr != "M":
        msg = f"'periods' must have monthly frequency 'M', got {freqstr!r}"
        raise ValueError(msg)


@overload
def period_to_ordinal(periods: pd.Period) -> int: ...
@overload
def period_to_ordinal(periods: DateArray) -> npt.NDArray[np.int64]: ...
def period_to_ordinal(periods: pd.Period | DateArray) -> int | npt.NDArray[np.int64]:
    """
    Return the month ordinals of pandas monthly periods.

    Parameters
    ----------
    periods : pandas.Period or array-like of pandas.Period
        Periods of frequency ``"M"``: a ``Period``, a ``PeriodIndex``, a
        ``Series`` of ``period[M]`` dtype, or a list of ``Period``.

    Returns
    -------
    int or numpy.ndarray of int64
        Month ordinals (an ``int`` for a single period).

    Raises
    ------
    ValueError
        If the frequency is not monthly or a period is missing.
    TypeError
        If `periods` are not pandas periods.

    See Also
    --------
    ordinal_to_period : The inverse.
    month_ordinal : Month ordinals of any date-like values.

    Examples
    --------
    >>> import pandas as pd
    >>> period_to_ordinal(pd.Period("2024-03", freq="M"))
    650
    >>> period_to_ordinal(pd.period_range("1969-12", periods=3, freq="M"))
    array([-1,  0,  1])
    """
    if isinstance(periods, pd.Period):
        _check_monthly(periods.freqstr)
        return int(periods.ordinal)
    if isinstance(periods, pd.Series | pd.Index) and isinstance(
        periods.dtype, pd.PeriodDtype
    ):
        index = pd.PeriodIndex(periods)
    else:
        array = np.asarray(periods, dtype=object).ravel()
        kind = pd.api.types.infer_dtype(array, skipna=True) if array.size else "empty"
        if kind not in ("period", "empty"):
            msg = f"'periods' must be pandas Periods, got {kind} values"
            raise TypeError(msg)
        index = pd.PeriodIndex(list(array), freq="M" if kind == "empty" else None)
    _check_monthly(index.freqstr)
    missing = np.asarray(index.isna())
    if missing.any():
        _raise_missing(missing)
    return np.asarray(index.asi8, dtype=np.int64).copy()


# --------------------------------------------------------------------------
# Calendar arithmetic on single dates
# --------------------------------------------------------------------------


def _check_date(value: object, name: str) -> None:
    if value is pd.NaT or not isinstance(value, dt.date):
        msg = f"{name!r} must be a datetime.date, got {value!r}"
        raise TypeError(msg)


def add_months(date: _D, months: int) -> _D:
    """
    Move a date by whole calendar months, clamping to the end of the month.

    Parameters
    ----------
    date : datetime.date
        Starting date. A `datetime.datetime` (or pandas ``Timestamp``) keeps
        its type and time of day.
    months : int
        Months to add; negative moves back.

    Returns
    -------
    datetime.date
        The same day of the month `months` later, or the last day of that
        month when it is shorter (Jan 31 + 1 month = Feb 28 or 29).

    Raises
    ------
    TypeError
        If `date` is not a date or `months` not an integer.
    ValueError
        If the result is outside years 1 to 9999.

    Examples
    --------
    >>> import datetime as dt
    >>> add_months(dt.date(2024, 1, 31), 1)
    datetime.date(2024, 2, 29)
    >>> add_months(dt.date(2023, 1, 31), 1), add_months(dt.date(2024, 3, 15), -15)
    (datetime.date(2023, 2, 28), datetime.date(2022, 12, 15))
    """
    _check_date(date, "date")
    if isinstance(months, bool):
        msg = f"'months' must be an int, got {months!r}"
        raise TypeError(msg)
    try:
        step = operator.index(months)
    except TypeError:
        msg = f"'months' must be an int, got {months!r}"
        raise TypeError(msg) from None
    year, month_index = divmod(date.year * 12 + date.month - 1 + step, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        msg = f"{date!r} + {step} months is outside years 1 to 9999"
        raise ValueError(msg)
    month = month_index + 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return date.replace(year=year, month=month, day=day)


def month_start(date: _D) -> _D:
    """
    Return the first day of the month of `date`.

    Parameters
    ----------
    date : datetime.date
        Any date; a `datetime.datetime` keeps its type and time of day
        (only the day changes).

    Returns
    -------
    datetime.date
        The 1st of the same month.

    Raises
    ------
    TypeError
        If `date` is not a date.

    Examples
    --------
    >>> import datetime as dt
    >>> month_start(dt.date(2024, 2, 17))
    datetime.date(2024, 2, 1)
    """
    _check_date(date, "date")
    return date.replace(day=1)


def month_end(date: _D) -> _D:
    """
    Return the last day of the month of `date`.

    Parameters
    ----------
    date : datetime.date
        Any date; a `datetime.datetime` keeps its type and time of day
        (only the day changes).

    Returns
    -------
    datetime.date
        The 28th, 29th, 30th or 31st of the same month.

    Raises
    ------
    TypeError
        If `date` is not a date.

    Examples
    --------
    >>> import datetime as dt
    >>> month_end(dt.date(2024, 2, 17)), month_end(dt.date(2023, 2, 1))
    (datetime.date(2024, 2, 29), datetime.date(2023, 2, 28))
    """
    _check_date(date, "date")
    return date.replace(day=calendar.monthrange(date.year, date.month)[1])


def months_between(start: dt.date, end: dt.date) -> int:
    """
    Count calendar months from the month of `start` to the month of `end`.

    Parameters
    ----------
    start, end : datetime.date
        Any dates (or datetimes); only their year and month matter.

    Returns
    -------
    int
        ``month_ordinal(end) - month_ordinal(start)``: 0 within one month,
        negative when `end` is in an earlier month. Days are ignored, so
        Jan 31 to Feb 1 is one month and Jan 1 to Jan 31 is none.

    Raises
    ------
    TypeError
        If an argument is not a date.

    Examples
    --------
    >>> import datetime as dt
    >>> months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 1))
    1
    >>> months_between(dt.date(2024, 3, 15), dt.date(2023, 3, 1))
    -12
    """
    _check_date(start, "start")
    _check_date(end, "end")
    return (end.year - start.year) * 12 + (end.month - start.month)
