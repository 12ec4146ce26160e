"""
Plain formulas of unit economics: LTV, CAC, CAC payback, LTV:CAC, magic number.

Every function takes numbers the caller has already aggregated (scalars,
arrays, or pandas ``Series``) and applies one published formula. Scalars give
a ``float``, arrays an array, and a ``Series`` a ``Series`` with the same
index. Money may be in minor units (int64 yen or cents) or in float currency
units: money outputs come out in the unit that went in, ratios and months do
not depend on it.

Cash-flow timing is the same everywhere: a customer pays its monthly amount
at the start of every month it is still a customer, the first payment
undiscounted, so the value of a customer who churns with probability ``c``
each month, discounted at ``d`` per month, is ``sum_t ((1 - c) / (1 + d))**t``
payments: ``(1 + d) / (d + c)``, which is ``1 / c`` without discounting.
Undefined is NaN; never reached (payback that never comes, LTV without churn)
is ``inf`` unless a convention caps it.
"""

from __future__ import annotations

import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Final,
    Literal,
    TypeAlias,
    cast,
    get_args,
    overload,
)

import attrs
import numpy as np
import numpy.typing as npt
from attrs import frozen

from . import _display
from ._conventions import Conventions
from ._validation import (
    Number,
    PlainValues,
    Values,
    as_float_array,
    broadcast_shape,
    check_fraction,
    check_int,
    check_non_negative,
    check_option,
    divide_or_inf,
    divide_or_nan,
    pandas_types,
    scalar_or_array,
    series_index,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "StaffRoi",
    "ZeroChurn",
    "conventional_ltv",
    "customer_acquisition_cost",
    "expected_lifetime",
    "lifetime_value",
    "ltv_from_survival",
    "ltv_to_cac",
    "magic_number",
    "monthly_discount_rate",
    "payback_months",
    "staff_roi",
    "trailing_churn_rate",
]

ZeroChurn: TypeAlias = Literal["inf", "undefined", "lifetime_cap"]
"""What LTV is when churn is zero or negative (see `Conventions.ltv_zero_churn`)."""

Tail: TypeAlias = Literal["none", "geometric"]
FloatArray: TypeAlias = "npt.NDArray[np.float64]"
Result: TypeAlias = "float | npt.NDArray[Any] | pd.Series[Any]"
# The four overloads per formula follow the rule stated in _formulas.py.

_ZERO_CHURN: Final = get_args(ZeroChurn)
_TAILS: Final = get_args(Tail)


class _Args:
    """Float64 arrays of the arguments, and how to shape a result like them."""

    def __init__(self, values: dict[str, object]) -> None:
        self.arrays = {
            name: as_float_array(value, name=name) for name, value in values.items()
        }
        broadcast_shape(self.arrays)
        self.index = series_index(values)
        self.keep_array = any(isinstance(v, np.ndarray) for v in values.values())

    def __getitem__(self, name: str) -> FloatArray:
        return self.arrays[name]

    def non_negative(self, *names: str) -> None:
        for name in names:
            check_non_negative(self.arrays[name], name=name)

    def fraction(self, *names: str) -> None:
        for name in names:
            check_fraction(self.arrays[name], name=name)

    def at_most(self, name: str, bound: float, *, strict: bool = False) -> None:
        """Raise ``ValueError`` if *name* exceeds *bound* (or reaches it)."""
        array = self.arrays[name]
        bad = array >= bound if strict else array > bound
        if bad.any():
            rule = "<" if strict else "<="
            got = float(np.broadcast_to(array, bad.shape)[bad].ravel()[0])
            msg = f"{name!r} must be {rule} {bound:g}, got {got!r}"
            raise ValueError(msg)

    def shape(self, result: npt.NDArray[Any]) -> Result:
        return scalar_or_array(
            np.asarray(result), self.index, keep_array=self.keep_array
        )


def _frame_type() -> tuple[type, ...]:
    """``(pandas.DataFrame,)``, or ``()`` while pandas is not loaded."""
    pandas = sys.modules.get("pandas")
    return () if pandas is None else (pandas.DataFrame,)


def _payments(
    churn: FloatArray, discount: FloatArray, zero_churn: str, lifetime_cap: int
) -> FloatArray:
    """
    Return the expected discounted number of payments, ``sum_t q**t``.

    ``q = (1 - churn) / (1 + discount)``. Positive churn gives the closed
    form; churn at or below zero follows the zero-churn policy.
    """
    shape = np.broadcast_shapes(churn.shape, discount.shape)
    churn = np.broadcast_to(churn, shape)
    discount = np.broadcast_to(discount, shape)
    out = divide_or_inf(1.0 + discount, discount + churn)
    out[(discount + churn) <= 0] = np.inf  # a growing, undiscounted stream
    flat = churn <= 0
    if zero_churn == "undefined":
        out[flat] = np.nan
    elif zero_churn == "lifetime_cap" and flat.any():
        q = (1.0 - churn[flat]) / (1.0 + discount[flat])
        n = float(lifetime_cap)
        with np.errstate(divide="ignore", invalid="ignore"):
            capped = np.where(q == 1.0, n, np.expm1(n * np.log(q)) / (q - 1.0))
        out[flat] = capped
    return out


# --------------------------------------------------------------------------
# LTV
# --------------------------------------------------------------------------


@overload
def lifetime_value(
    arpa: Number,
    churn_rate: Number,
    *,
    gross_margin: Number = ...,
    discount_rate: Number = ...,
    zero_churn: ZeroChurn = ...,
    lifetime_cap: int = ...,
) -> float: ...
@overload
def lifetime_value(
    arpa: pd.Series[Any],
    churn_rate: Number | Values,
    *,
    gross_margin: Number | Values = ...,
    discount_rate: Number | Values = ...,
    zero_churn: ZeroChurn = ...,
    lifetime_cap: int = ...,
) -> pd.Series[float]: ...
@overload
def lifetime_value(
    arpa: PlainValues,
    churn_rate: Number | PlainValues,
    *,
    gross_margin: Number | PlainValues = ...,
    discount_rate: Number | PlainValues = ...,
    zero_churn: ZeroChurn = ...,
    lifetime_cap: int = ...,
) -> FloatArray: ...
@overload
def lifetime_value(
    arpa: Number | Values,
    churn_rate: Number | Values,
    *,
    gross_margin: Number | Values = ...,
    discount_rate: Number | Values = ...,
    zero_churn: ZeroChurn = ...,
    lifetime_cap: int = ...,
) -> Result: ...
def lifetime_value(
    arpa: Number | Values,
    churn_rate: Number | Values,
    *,
    gross_margin: Number | Values = 1.0,
    discount_rate: Number | Values = 0.0,
    zero_churn: ZeroChurn = "inf",
    lifetime_cap: int = 60,
) -> Result:
    """
    Compute customer lifetime value from ARPA and a constant churn rate.

    ``LTV = ARPA * gross_margin * (1 + d) / (d + c)`` for churn ``c`` and
    discount rate ``d`` per period: the customer pays ARPA at the start of
    every period it stays, the first payment undiscounted. Without
    discounting this is the familiar ``ARPA / churn`` (times margin).

    Parameters
    ----------
    arpa : float or array-like of float
        Average revenue per account per period (MRR per customer for
        monthly churn), >= 0, in any money unit.
    churn_rate : float or array-like of float
        Churn per period as a fraction, at most 1. Customer churn gives the
        classic LTV; net MRR churn (which may be negative) lets expansion
        lengthen the lifetime.
    gross_margin : float or array-like of float, default 1.0
        Share of revenue kept, in [0, 1]. 1.0 is revenue LTV.
    discount_rate : float or array-like of float, default 0.0
        Discount rate per period, >= 0 (see `monthly_discount_rate`).
    zero_churn : {'inf', 'undefined', 'lifetime_cap'}, default 'inf'
        What LTV is when `churn_rate` is zero or negative. ``'inf'``: the
        stream never ends, so LTV is ``inf``, or the finite discounted
        perpetuity when ``d + c > 0``. ``'undefined'``: NaN (ChartMogul shows
        no LTV without churn). ``'lifetime_cap'``: the value of
        `lifetime_cap` periods of payments (Stripe assumes 60 months).
    lifetime_cap : int, default 60
        The lifetime, in periods, used with ``zero_churn='lifetime_cap'``.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        LTV in the unit of `arpa`, never negative. 0 where ARPA or margin is
        0 (except NaN under ``zero_churn='undefined'`` without churn).

    Raises
    ------
    ValueError
        If `arpa`, `discount_rate` are negative, `gross_margin` is outside
        [0, 1], `churn_rate` exceeds 1, a value is not finite, `zero_churn`
        is unknown or `lifetime_cap` < 1.
    TypeError
        If an argument is not numeric.

    See Also
    --------
    ltv_from_survival : LTV from any retention curve, not just a constant rate.
    expected_lifetime : The number of periods a customer pays, ``1 / churn``.

    Notes
    -----
    One constant churn rate treats every customer alike. Real cohorts are a
    mix of customers who leave early and customers who stay for years, so
    retention rises with tenure and ``ARPA / churn`` computed from early,
    high churn understates LTV (Fader & Hardie, "How to Project Customer
    Retention", 2007). `ltv_from_survival` takes a fitted retention curve
    instead.

    Net MRR churn at or below zero (expansion outgrowing losses) would make
    the formula negative or infinite; it follows `zero_churn` instead, so LTV
    is never negative.

    Examples
    --------
    >>> from subscription_metrics.ltv import lifetime_value

    ChartMogul's example: ARPA $100 at 5% monthly churn:

    >>> lifetime_value(100, 0.05)
    2000.0

    Skok's example with a 75% gross margin (ARPU $50, churn 5%):

    >>> lifetime_value(50, 0.05, gross_margin=0.75)
    750.0

    Without churn the lifetime is unbounded, unless a convention caps it:

    >>> lifetime_value(100, 0.0)
    inf
    >>> lifetime_value(100, 0.0, zero_churn="lifetime_cap")
    6000.0
    >>> lifetime_value([100, 100], [0.05, 0.10], discount_rate=0.01).round(2)
    array([1683.33,  918.18])
    """
    check_option(zero_churn, name="zero_churn", allowed=_ZERO_CHURN)
    cap = check_int(lifetime_cap, name="lifetime_cap", low=1)
    args = _Args(
        {
            "arpa": arpa,
            "churn_rate": churn_rate,
            "gross_margin": gross_margin,
            "discount_rate": discount_rate,
        }
    )
    args.non_negative("arpa", "discount_rate")
    args.fraction("gross_margin")
    args.at_most("churn_rate", 1.0)
    value = args["arpa"] * args["gross_margin"]
    payments = _payments(args["churn_rate"], args["discount_rate"], zero_churn, cap)
    # A value past the float range is inf: more than any finite LTV.
    with np.errstate(invalid="ignore", over="ignore"):
        ltv = value * payments
    # Nothing to earn is worth nothing, even over an unbounded lifetime.
    ltv = np.where((value == 0) & ~np.isnan(payments), 0.0, ltv)
    return args.shape(ltv)


@overload
def expected_lifetime(
    churn_rate: Number, *, zero_churn: ZeroChurn = ..., lifetime_cap: int = ...
) -> float: ...
@overload
def expected_lifetime(
    churn_rate: pd.Series[Any], *, zero_churn: ZeroChurn = ..., lifetime_cap: int = ...
) -> pd.Series[float]: ...
@overload
def expected_lifetime(
    churn_rate: PlainValues, *, zero_churn: ZeroChurn = ..., lifetime_cap: int = ...
) -> FloatArray: ...
def expected_lifetime(
    churn_rate: Number | Values,
    *,
    zero_churn: ZeroChurn = "inf",
    lifetime_cap: int = 60,
) -> Result:
    """
    Compute the expected number of periods a customer pays, ``1 / churn``.

    With churn ``c`` per period a customer pays in its first period and in
    each later one with probability ``(1 - c)**t``: ``1 / c`` payments in
    expectation. It is `lifetime_value` with an ARPA of 1.

    Parameters
    ----------
    churn_rate : float or array-like of float
        Churn per period, at most 1.
    zero_churn : {'inf', 'undefined', 'lifetime_cap'}, default 'inf'
        What the lifetime is when churn is zero or negative (see
        `lifetime_value`).
    lifetime_cap : int, default 60
        The lifetime used with ``zero_churn='lifetime_cap'``.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Periods, ``inf`` without churn under the default policy.

    Examples
    --------
    >>> from subscription_metrics.ltv import expected_lifetime
    >>> expected_lifetime(0.02)
    50.0
    >>> expected_lifetime([0.05, 0.0], zero_churn="undefined")
    array([20., nan])
    """
    check_option(zero_churn, name="zero_churn", allowed=_ZERO_CHURN)
    cap = check_int(lifetime_cap, name="lifetime_cap", low=1)
    args = _Args({"churn_rate": churn_rate})
    args.at_most("churn_rate", 1.0)
    zero = np.zeros(())
    return args.shape(_payments(args["churn_rate"], zero, zero_churn, cap))


def _survival_matrix(
    survival: object,
) -> tuple[FloatArray, pd.Index[Any] | None, bool]:
    """Return the curves as 2-D rows, their row labels, and whether input was 1-D."""
    index: pd.Index[Any] | None = None
    if isinstance(survival, _frame_type()):
        frame = cast("pd.DataFrame", survival)
        index = frame.index
        raw: object = frame.to_numpy(dtype=np.float64)
    elif isinstance(survival, pandas_types()[:1]):
        raw = cast("pd.Series[Any]", survival).to_numpy(dtype=np.float64)
    else:
        raw = survival
    curves = as_float_array(raw, name="survival")
    if curves.ndim not in (1, 2) or curves.shape[-1] == 0:
        msg = (
            "'survival' must be a non-empty curve (1-D) or one curve per row "
            f"(2-D), got shape {curves.shape}"
        )
        raise ValueError(msg)
    check_fraction(curves, name="survival")
    one = curves.ndim == 1
    return np.atleast_2d(curves), index, one


def ltv_from_survival(
    arpa: Number | Values,
    survival: Values | pd.DataFrame,
    *,
    gross_margin: float = 1.0,
    discount_rate: float = 0.0,
    tail: Tail = "none",
) -> Result:
    """
    Compute LTV by summing a retention curve, period by period.

    ``LTV = ARPA * gross_margin * sum_t S(t) / (1 + d)**t`` over the periods
    ``t = 0, 1, ...`` of the curve, where ``S(t)`` is the share of a cohort
    still paying in period ``t`` (``S(0)`` is usually 1). Any curve plugs
    in: observed cohort retention, Kaplan-Meier estimates, or a fitted
    shifted-beta-geometric projection.

    Parameters
    ----------
    arpa : float or array-like of float
        Revenue per account per period, >= 0: one value, or one per curve.
    survival : array-like of float or pandas.DataFrame
        One curve (1-D) or one curve per row (2-D; a DataFrame's index
        labels the result), each a share in [0, 1] per period, starting at
        the first period a customer pays. Unknown values (NaN) are refused:
        cut the curve where it ends or extend it first.
    gross_margin : float, default 1.0
        Share of revenue kept, in [0, 1].
    discount_rate : float, default 0.0
        Discount rate per period, >= 0.
    tail : {'none', 'geometric'}, default 'none'
        What happens after the curve's last period. ``'none'``: nothing (the
        LTV over the curve's horizon, a lower bound). ``'geometric'``:
        customers keep leaving at the curve's last one-period retention,
        ``S(H-1) / S(H-2)``, forever; ``inf`` when that retention is 1 and
        there is no discounting.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        LTV in the unit of `arpa`: a ``float`` for one curve, one value per
        row otherwise (a ``Series`` for a DataFrame or Series input).

    Raises
    ------
    ValueError
        If a curve value is outside [0, 1] or not finite, a money value is
        negative, `tail` is unknown, or ``tail='geometric'`` gets a curve of
        fewer than two periods.

    See Also
    --------
    lifetime_value : The closed form for a constant churn rate.

    Notes
    -----
    For a constant churn rate ``c`` the curve is ``S(t) = (1 - c)**t`` and
    the sum with a geometric tail equals `lifetime_value` exactly.

    Examples
    --------
    >>> from subscription_metrics.ltv import ltv_from_survival

    A cohort that keeps 80%, then 70%, then 65% of its customers:

    >>> ltv_from_survival(10_000, [1.0, 0.8, 0.7, 0.65])
    31500.0

    A geometric curve with its geometric tail is the closed form
    ``ARPA / churn``:

    >>> import numpy as np
    >>> round(ltv_from_survival(100, 0.95 ** np.arange(12), tail="geometric"), 9)
    2000.0

    One curve per segment, in one call:

    >>> ltv_from_survival([100, 200], [[1.0, 0.5], [1.0, 0.9]])
    array([150., 380.])
    """
    check_option(tail, name="tail", allowed=_TAILS)
    curves, index, one = _survival_matrix(survival)
    margin = as_float_array(gross_margin, name="gross_margin")
    check_fraction(margin, name="gross_margin")
    discount = as_float_array(discount_rate, name="discount_rate")
    check_non_negative(discount, name="discount_rate")
    if margin.ndim or discount.ndim:
        msg = "'gross_margin' and 'discount_rate' must be single numbers"
        raise ValueError(msg)
    revenue = as_float_array(arpa, name="arpa")
    check_non_negative(revenue, name="arpa")
    if revenue.ndim > 1 or (revenue.ndim == 1 and len(revenue) != len(curves)):
        msg = (
            f"'arpa' must be one value or one per curve ({len(curves)}), "
            f"got shape {revenue.shape}"
        )
        raise ValueError(msg)
    horizon = curves.shape[1]
    factor = (1.0 + float(discount)) ** -np.arange(horizon, dtype=np.float64)
    payments = curves @ factor
    if tail == "geometric":
        if horizon < 2:
            msg = "'tail'='geometric' needs curves of at least two periods"
            raise ValueError(msg)
        last, before = curves[:, -1], curves[:, -2]
        retention = divide_or_nan(last, before)
        retention[before == 0] = 0.0
        q = retention / (1.0 + float(discount))
        with np.errstate(divide="ignore"):
            extra = last * factor[-1] * divide_or_inf(q, 1.0 - q)
        extra[(q >= 1.0) & (last > 0)] = np.inf
        extra[last == 0] = 0.0
        payments = payments + extra
    value = revenue * float(margin)
    with np.errstate(invalid="ignore"):
        ltv = np.where(value == 0, 0.0, value * payments)
    if index is None and isinstance(arpa, pandas_types()[:1]) and not one:
        index = cast("pd.Series[Any]", arpa).index
    if one and np.ndim(ltv) == 1 and revenue.ndim == 0:
        return float(ltv[0])
    return scalar_or_array(np.asarray(ltv), index, keep_array=True)


def trailing_churn_rate(
    rates: Values,
    *,
    window: int = 6,
    exclude_current: bool = True,
) -> Result:
    """
    Average churn rates over a trailing window, for a steadier LTV.

    ChartMogul divides ARPA by "the six-month trailing average of customer
    churn rate (the previous six months, excluding the current one)". Each
    value of the result is the mean of the `window` rates before it (or
    ending with it, when `exclude_current` is false).

    Parameters
    ----------
    rates : array-like of float or pandas.Series
        One churn rate per consecutive period, oldest first. NaN (a period
        with no customers) makes every window that holds it NaN.
    window : int, default 6
        How many periods to average.
    exclude_current : bool, default True
        Whether each window ends with the previous period.

    Returns
    -------
    numpy.ndarray or pandas.Series
        The averaged rates, like `rates`; NaN until the window is full.

    Notes
    -----
    This is a mean of rates, as the anchor states. To pool customers lost
    over customers at start instead, use ``churn.rates(window=N)``.

    Examples
    --------
    >>> from subscription_metrics.ltv import trailing_churn_rate
    >>> trailing_churn_rate([0.02, 0.04, 0.03, 0.05], window=2)
    array([  nan,   nan, 0.03 , 0.035])
    >>> trailing_churn_rate([0.02, 0.04, 0.03], window=2, exclude_current=False)
    array([  nan, 0.03 , 0.035])
    """
    size = check_int(window, name="window", low=1)
    if not isinstance(exclude_current, bool | np.bool_):
        msg = f"'exclude_current' must be True or False, got {exclude_current!r}"
        raise TypeError(msg)
    series = cast("pd.Series[Any]", rates)
    is_series = isinstance(rates, pandas_types()[:1])
    index = series.index if is_series else None
    values = np.asarray(
        series.to_numpy(dtype=np.float64) if is_series else rates,
        dtype=np.float64,
    )
    if values.ndim != 1:
        msg = f"'rates' must be one-dimensional, got shape {values.shape}"
        raise ValueError(msg)
    if np.isinf(values).any():
        msg = "'rates' must not contain inf"
        raise ValueError(msg)
    import pandas as pd  # a rolling mean: loaded on first use

    averaged = pd.Series(values).rolling(size, min_periods=size).mean()
    if exclude_current:
        averaged = averaged.shift(1)
    out = averaged.to_numpy(dtype=np.float64)
    return scalar_or_array(out, index, keep_array=True)


def conventional_ltv(
    arpa: FloatArray, churn: FloatArray, conventions: Conventions
) -> tuple[FloatArray, FloatArray]:
    """
    Return expected lifetime and LTV per element, following *conventions*.

    NaN where ARPA or churn is unknown. Churn above 1 (losses pooled from
    movements can exceed the starting base) counts as 1: more than
    everything lost is everything lost.
    """
    lifetime = np.full(np.broadcast_shapes(arpa.shape, churn.shape), np.nan)
    value = lifetime.copy()
    known = ~np.isnan(arpa) & ~np.isnan(churn)
    if known.any():
        rate = np.minimum(np.broadcast_to(churn, known.shape)[known], 1.0)
        zero_churn = conventions.ltv_zero_churn
        cap = conventions.ltv_lifetime_cap_months
        lifetime[known] = expected_lifetime(
            rate, zero_churn=zero_churn, lifetime_cap=cap
        )
        value[known] = lifetime_value(
            np.broadcast_to(arpa, known.shape)[known],
            rate,
            gross_margin=conventions.gross_margin,
            discount_rate=monthly_discount_rate(conventions.annual_discount_rate),
            zero_churn=zero_churn,
            lifetime_cap=cap,
        )
    return lifetime, value


def monthly_discount_rate(annual_rate: float) -> float:
    """
    Convert a yearly discount rate to the equivalent monthly rate.

    ``(1 + annual_rate) ** (1 / 12) - 1``, so twelve months of monthly
    discounting equal one year of the annual rate.

    Examples
    --------
    >>> from subscription_metrics.ltv import monthly_discount_rate
    >>> round(monthly_discount_rate(0.10), 6)
    0.007974
    """
    rate = float(as_float_array(annual_rate, name="annual_rate"))
    if rate < 0 or rate >= 1:
        msg = f"'annual_rate' must be in [0, 1), got {annual_rate!r}"
        raise ValueError(msg)
    return float(np.expm1(np.log1p(rate) / 12.0))


# --------------------------------------------------------------------------
# CAC, payback, LTV:CAC, magic number
# --------------------------------------------------------------------------


@overload
def customer_acquisition_cost(spend: Number, new_customers: Number) -> float: ...
@overload
def customer_acquisition_cost(
    spend: pd.Series[Any], new_customers: Number | Values
) -> pd.Series[float]: ...
@overload
def customer_acquisition_cost(
    spend: PlainValues, new_customers: Number | PlainValues
) -> FloatArray: ...
@overload
def customer_acquisition_cost(
    spend: Number | Values, new_customers: Number | Values
) -> Result: ...
def customer_acquisition_cost(
    spend: Number | Values, new_customers: Number | Values
) -> Result:
    """
    Compute the cost of acquiring one customer: spend over new customers.

    Blended CAC divides all sales and marketing spend by all new customers;
    paid CAC divides the spend of paid channels by the customers those
    channels brought. Which spend and which period (a lag for long sales
    cycles) is the caller's choice; ``cac.acquisition_costs`` makes it from
    tables.

    Parameters
    ----------
    spend : float or array-like of float
        Sales and marketing spend per period, >= 0, any money unit.
    new_customers : float or array-like of float
        New customers won in the period, >= 0.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Money per customer in the unit of `spend`. ``inf`` where there was
        spend and no customer (the cost of a customer never won), NaN where
        both are 0.

    Examples
    --------
    >>> from subscription_metrics.cac import customer_acquisition_cost
    >>> customer_acquisition_cost(3_000_000, 12)
    250000.0
    >>> customer_acquisition_cost([500_000, 0], [0, 0])
    array([inf, nan])
    """
    args = _Args({"spend": spend, "new_customers": new_customers})
    args.non_negative("spend", "new_customers")
    return args.shape(divide_or_inf(args["spend"], args["new_customers"]))


@overload
def payback_months(
    cac: Number,
    monthly_revenue: Number,
    *,
    gross_margin: Number = ...,
    discount_rate: Number = ...,
    churn_rate: Number = ...,
) -> float: ...
@overload
def payback_months(
    cac: pd.Series[Any],
    monthly_revenue: Number | Values,
    *,
    gross_margin: Number | Values = ...,
    discount_rate: Number | Values = ...,
    churn_rate: Number | Values = ...,
) -> pd.Series[float]: ...
@overload
def payback_months(
    cac: PlainValues,
    monthly_revenue: Number | PlainValues,
    *,
    gross_margin: Number | PlainValues = ...,
    discount_rate: Number | PlainValues = ...,
    churn_rate: Number | PlainValues = ...,
) -> FloatArray: ...
@overload
def payback_months(
    cac: Number | Values,
    monthly_revenue: Number | Values,
    *,
    gross_margin: Number | Values = ...,
    discount_rate: Number | Values = ...,
    churn_rate: Number | Values = ...,
) -> Result: ...
def payback_months(
    cac: Number | Values,
    monthly_revenue: Number | Values,
    *,
    gross_margin: Number | Values = 1.0,
    discount_rate: Number | Values = 0.0,
    churn_rate: Number | Values = 0.0,
) -> Result:
    """
    Compute the months of gross margin it takes to earn back a cost.

    Undiscounted and without churn this is ``cac / (monthly_revenue *
    gross_margin)``: per customer with the new customers' ARPA (or with all
    customers' ARPA, as Skok does), or Bessemer's ``previous-period S&M
    spend / (new MRR * gross margin)`` when the aggregate spend and new MRR
    are passed. With a monthly `discount_rate` or `churn_rate` it is the
    ``n`` at which the present value of ``n`` months of (surviving) margin,
    paid at the start of each month, equals the cost:
    ``g * (1 - q**n) / (1 - q) = cac`` with ``q = (1 - churn) / (1 + d)``.

    Parameters
    ----------
    cac : float or array-like of float
        The cost to recover, >= 0 (CAC, a period's spend, a month of staff
        cost).
    monthly_revenue : float or array-like of float
        Revenue per month that pays it back, >= 0 (ARPA of new customers,
        new MRR).
    gross_margin : float or array-like of float, default 1.0
        Share of revenue kept, in [0, 1].
    discount_rate : float or array-like of float, default 0.0
        Monthly discount rate, >= 0.
    churn_rate : float or array-like of float, default 0.0
        Monthly churn of the revenue, < 1; Bessemer and Skok leave churn out
        (0). Negative (net expansion) shortens the payback.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Months, fractional. 0 when there is nothing to recover; ``inf`` when
        it is never recovered: no margin at all, or a discounted or
        churning stream whose whole value is at most `cac`.

    Examples
    --------
    >>> from subscription_metrics.cac import payback_months

    Skok's example: CAC $250, ARPU $50 at 75% gross margin:

    >>> round(payback_months(250, 50, gross_margin=0.75), 2)
    6.67

    Bessemer's example: $770k of S&M in the previous quarter, $100k of new
    MRR (committed) at 70% gross margin:

    >>> round(payback_months(770_000, 100_000, gross_margin=0.70), 2)
    11.0

    With churn the payback is later, and never when the LTV is below CAC:

    >>> round(payback_months(250, 50, gross_margin=0.75, churn_rate=0.05), 2)
    7.9
    >>> payback_months(1_000, 50, gross_margin=0.75, churn_rate=0.05)
    inf
    """
    args = _Args(
        {
            "cac": cac,
            "monthly_revenue": monthly_revenue,
            "gross_margin": gross_margin,
            "discount_rate": discount_rate,
            "churn_rate": churn_rate,
        }
    )
    args.non_negative("cac", "monthly_revenue", "discount_rate")
    args.fraction("gross_margin")
    args.at_most("churn_rate", 1.0, strict=True)
    cost = args["cac"]
    contribution = args["monthly_revenue"] * args["gross_margin"]
    churn, discount = args["churn_rate"], args["discount_rate"]
    q = (1.0 - churn) / (1.0 + discount)
    simple = divide_or_inf(cost, contribution)
    # Solve g * (1 - q**n) / (1 - q) = cost with log1p, exact near q = 1:
    # 1 - q = (d + c) / (1 + d), and log q = log1p(-c) - log1p(d).
    with np.errstate(divide="ignore", invalid="ignore"):
        share = divide_or_inf(
            cost * (discount + churn), contribution * (1.0 + discount)
        )
        months = np.log1p(-share) / (np.log1p(-churn) - np.log1p(discount))
    months = np.where(share >= 1, np.inf, months)
    months = np.where(q == 1.0, simple, months)
    months = np.where(contribution == 0, simple, months)
    months = np.where(cost == 0, 0.0, months)
    return args.shape(months)


def _finite_or_inf(value: object, *, name: str) -> FloatArray:
    """Float64 array that may hold inf and NaN (LTV results), but no -inf."""
    raw = (
        cast("pd.Series[Any]", value).to_numpy()
        if isinstance(value, pandas_types()[:1])
        else value
    )
    array = np.asarray(raw)
    if array.dtype.kind not in "iuf" or isinstance(value, bool):
        msg = f"{name!r} must be numeric, got {value!r}"
        raise TypeError(msg)
    floats = array.astype(np.float64)
    check_non_negative(np.nan_to_num(floats, nan=0.0, posinf=0.0), name=name)
    return floats


@overload
def ltv_to_cac(ltv: Number, cac: Number) -> float: ...
@overload
def ltv_to_cac(ltv: pd.Series[Any], cac: Number | Values) -> pd.Series[float]: ...
@overload
def ltv_to_cac(ltv: PlainValues, cac: Number | PlainValues) -> FloatArray: ...
@overload
def ltv_to_cac(ltv: Number | Values, cac: Number | Values) -> Result: ...
def ltv_to_cac(ltv: Number | Values, cac: Number | Values) -> Result:
    """
    Compute the LTV:CAC ratio: how many times a customer's value covers its cost.

    ChartMogul: LTV "should be at least three times your customer
    acquisition cost".

    Parameters
    ----------
    ltv : float or array-like of float
        Lifetime value, >= 0; ``inf`` and NaN (from `lifetime_value`) pass
        through.
    cac : float or array-like of float
        Customer acquisition cost in the same unit, >= 0.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The ratio; ``inf`` where CAC is 0 and LTV positive (free
        customers), NaN where both are 0 or LTV is NaN.

    Examples
    --------
    >>> from subscription_metrics.cac import ltv_to_cac

    Skok's example: LTV $750, CAC $250:

    >>> ltv_to_cac(750, 250)
    3.0
    >>> ltv_to_cac([float("inf"), 500.0], [250.0, 0.0])
    array([inf, inf])
    """
    values = _finite_or_inf(ltv, name="ltv")
    costs = as_float_array(cac, name="cac")
    check_non_negative(costs, name="cac")
    broadcast_shape({"ltv": values, "cac": costs})
    index = series_index({"ltv": ltv, "cac": cac})
    keep = isinstance(ltv, np.ndarray) or isinstance(cac, np.ndarray)
    with np.errstate(invalid="ignore"):
        ratio = divide_or_inf(values, costs)
    ratio = np.where(np.isnan(values), np.nan, ratio)
    return scalar_or_array(np.asarray(ratio), index, keep_array=keep)


@overload
def magic_number(
    revenue: Number,
    previous_revenue: Number,
    previous_spend: Number,
    *,
    periods_per_year: int = ...,
) -> float: ...
@overload
def magic_number(
    revenue: pd.Series[Any],
    previous_revenue: Number | Values,
    previous_spend: Number | Values,
    *,
    periods_per_year: int = ...,
) -> pd.Series[float]: ...
@overload
def magic_number(
    revenue: PlainValues,
    previous_revenue: Number | PlainValues,
    previous_spend: Number | PlainValues,
    *,
    periods_per_year: int = ...,
) -> FloatArray: ...
@overload
def magic_number(
    revenue: Number | Values,
    previous_revenue: Number | Values,
    previous_spend: Number | Values,
    *,
    periods_per_year: int = ...,
) -> Result: ...
def magic_number(
    revenue: Number | Values,
    previous_revenue: Number | Values,
    previous_spend: Number | Values,
    *,
    periods_per_year: int = 4,
) -> Result:
    """
    Compute the SaaS magic number: annualised revenue growth per unit of spend.

    ``(revenue - previous_revenue) * periods_per_year / previous_spend``
    (Scale Venture Partners): a quarter's revenue gain, annualised, over the
    previous quarter's sales and marketing spend. Above 1 says invest more;
    below about 0.7, work on efficiency.

    Parameters
    ----------
    revenue : float or array-like of float
        Recognised (subscription) revenue of the period, >= 0.
    previous_revenue : float or array-like of float
        Revenue of the period before, >= 0.
    previous_spend : float or array-like of float
        Sales and marketing spend of the period before, >= 0.
    periods_per_year : int, default 4
        4 for quarters, 12 for months.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        The magic number, negative when revenue fell; NaN where there was
        no spend.

    Examples
    --------
    >>> from subscription_metrics.cac import magic_number
    >>> magic_number(1_250_000, 1_000_000, 800_000)
    1.25
    """
    per_year = check_int(periods_per_year, name="periods_per_year", low=1)
    args = _Args(
        {
            "revenue": revenue,
            "previous_revenue": previous_revenue,
            "previous_spend": previous_spend,
        }
    )
    args.non_negative("revenue", "previous_revenue", "previous_spend")
    growth = (args["revenue"] - args["previous_revenue"]) * per_year
    return args.shape(divide_or_nan(growth, args["previous_spend"]))


# --------------------------------------------------------------------------
# The return on a person who creates MRR
# --------------------------------------------------------------------------


@frozen(kw_only=True)
class StaffRoi:
    """
    What one month of a person's work returns: the LTV it creates, over its cost.

    Made by ``roi.staff_roi``; every money field is in the unit of its
    inputs, per month of work.

    Attributes
    ----------
    new_mrr_per_month : float
        MRR the person creates in a month of work.
    monthly_cost : float
        What a month of the person costs.
    churn_rate : float
        Monthly churn of the MRR created.
    ltv_created : float
        Lifetime value of one month's new MRR (``inf`` without churn).
    cost_multiple : float
        ``ltv_created / monthly_cost``.
    roi : float
        ``(ltv_created - monthly_cost) / monthly_cost``.
    payback_months : float
        Months of the created MRR's margin (as it churns) that repay one
        month of cost; ``inf`` if it never does.

    Examples
    --------
    >>> from subscription_metrics.roi import staff_roi
    >>> staff_roi(130_000, 1_000_000, 0.02).cost_multiple
    6.5
    """

    new_mrr_per_month: float
    monthly_cost: float
    churn_rate: float
    ltv_created: float
    cost_multiple: float
    roi: float
    payback_months: float

    def __repr__(self) -> str:
        """
        Return the fields rounded for reading (the fields keep every digit).

        Examples
        --------
        >>> from subscription_metrics.roi import staff_roi
        >>> staff_roi(130_000, 1_000_000, 0.02)  # doctest: +NORMALIZE_WHITESPACE
        StaffRoi(new_mrr_per_month=130000, monthly_cost=1000000, churn_rate=0.02,
                 ltv_created=6500000, cost_multiple=6.5, roi=5.5,
                 payback_months=8.269)
        """
        shown = ", ".join(
            f"{attribute.name}={_display.number(getattr(self, attribute.name))}"
            for attribute in attrs.fields(StaffRoi)
        )
        return f"StaffRoi({shown})"

    def _repr_html_(self) -> str:
        """Return the fields as an HTML table, rounded for reading."""
        rows = [
            (attribute.name, getattr(self, attribute.name))
            for attribute in attrs.fields(StaffRoi)
        ]
        return _display.table("StaffRoi", rows)

    def pays_back(self, break_even: float = 1.0) -> bool:
        """
        Return whether the LTV created is at least `break_even` times the cost.

        Where the line lies is each company's call: 1.0 recovers the cost,
        3.0 matches the LTV:CAC rule of thumb.

        Examples
        --------
        >>> from subscription_metrics.roi import staff_roi
        >>> staff_roi(130_000, 1_000_000, 0.02).pays_back(3.0)
        True
        """
        return bool(self.cost_multiple >= break_even)


def staff_roi(
    new_mrr_per_month: float,
    monthly_cost: float,
    churn_rate: float,
    *,
    gross_margin: float = 1.0,
    discount_rate: float = 0.0,
    zero_churn: ZeroChurn = "inf",
    lifetime_cap: int = 60,
) -> StaffRoi:
    """
    Compute the return on a person who creates new MRR every month.

    A month of work creates `new_mrr_per_month` of MRR that then churns at
    `churn_rate` a month, so it is worth ``lifetime_value(new_mrr,
    churn_rate)``: the LTV created per month of work. Against the month's
    cost that gives the cost multiple, the ROI and the months the created
    margin needs to repay the cost.

    Parameters
    ----------
    new_mrr_per_month : float
        New MRR (new business, upsell or cross-sell) created per month of
        work, >= 0.
    monthly_cost : float
        Fully loaded cost of that month of work, >= 0.
    churn_rate : float
        Monthly churn of the created MRR (revenue churn of the accounts),
        at most 1.
    gross_margin, discount_rate, zero_churn, lifetime_cap
        As for `lifetime_value`.

    Returns
    -------
    StaffRoi
        LTV created, cost multiple, ROI and payback months. With no cost
        the multiple and ROI are ``inf`` (NaN when nothing is created
        either).

    Examples
    --------
    >>> from subscription_metrics.roi import staff_roi

    The customer-sales ROI example: one hire costing 1,000,000 yen a month
    who creates 130,000 yen of new MRR each month at 2% monthly churn:

    >>> result = staff_roi(130_000, 1_000_000, 0.02)
    >>> result.ltv_created, result.cost_multiple, result.roi
    (6500000.0, 6.5, 5.5)
    >>> round(result.payback_months, 2)
    8.27
    """
    options: dict[str, Any] = {"gross_margin": gross_margin}
    ltv = lifetime_value(
        new_mrr_per_month,
        churn_rate,
        discount_rate=discount_rate,
        zero_churn=zero_churn,
        lifetime_cap=lifetime_cap,
        **options,
    )
    cost = as_float_array(monthly_cost, name="monthly_cost")
    check_non_negative(cost, name="monthly_cost")
    if cost.ndim:
        msg = "'monthly_cost' must be one number; use roi.staff_returns for tables"
        raise ValueError(msg)
    cost_value = float(cost)
    if cost_value > 0:
        multiple = ltv / cost_value
        gain = (ltv - cost_value) / cost_value
    else:  # free work: unbounded return, undefined when it creates nothing
        multiple = gain = np.inf if ltv > 0 else np.nan
    payback = payback_months(
        cost_value,
        new_mrr_per_month,
        discount_rate=discount_rate,
        churn_rate=min(float(churn_rate), 1.0 - 1e-12),
        **options,
    )
    return StaffRoi(
        new_mrr_per_month=float(new_mrr_per_month),
        monthly_cost=cost_value,
        churn_rate=float(churn_rate),
        ltv_created=float(ltv),
        cost_multiple=multiple,
        roi=float(gain),
        payback_months=float(payback),
    )
