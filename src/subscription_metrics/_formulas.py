"""
Plain formulas for churn, revenue retention and growth, on the caller's numbers.

Every function takes counts or MRR amounts that the caller has already
aggregated for one period (or one value per period, as arrays) and applies
one published formula. Scalars give a ``float``, arrays an array, and a
pandas ``Series`` gives a ``Series`` with the same index. A ratio with a zero
denominator is NaN; a quantity that is unbounded is ``inf``; impossible input
(negative amounts, NaN, more lost than there was) raises ``ValueError``.

Money may be given in minor units (int64 cents) or in float currency units;
the ratios do not depend on the unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, get_args, overload

import numpy as np
import numpy.typing as npt

from ._validation import (
    Number,
    PlainValues,
    Values,
    as_float_array,
    as_number_array,
    broadcast_shape,
    check_non_negative,
    check_not_greater,
    check_option,
    divide_or_inf,
    divide_or_nan,
    scalar_or_array,
    series_index,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ChurnDenominator",
    "average_revenue_per_account",
    "average_sale_price",
    "customer_churn_rate",
    "gross_mrr_churn_rate",
    "gross_revenue_retention",
    "mrr_growth_rate",
    "net_mrr_churn_rate",
    "net_new_mrr",
    "net_revenue_retention",
    "pooled_rate",
    "quick_ratio",
]

ChurnDenominator: TypeAlias = Literal["start", "start_plus_new"]
"""Base of the customer churn rate: customers at start, or at start plus new."""

FloatArray: TypeAlias = "npt.NDArray[np.float64]"
Result: TypeAlias = "float | npt.NDArray[Any] | pd.Series[Any]"
# Each formula carries four overloads, one per row of the rule: all scalars give
# float; a Series first gives a Series; an array, list or Index first (with no
# Series after it) gives an array; anything else (a Series after an array, a
# union) gives `Result`. Python's types cannot map an input kind to a different
# output kind in one signature: a TypeVar returns what it is given (a list would
# "return" a list, np.int64 an int64), and a decorator with a ParamSpec makes the
# first argument positional-only and infers float for ``f(1, series)``. The
# overloads stay; tests/typing/api.py pins what every formula infers.

_DENOMINATORS: Final = get_args(ChurnDenominator)
# Five int64 terms below 2**60 cannot overflow when added or subtracted.
_EXACT_LIMIT: Final = 2**60


class _Inputs:
    """Validated float64 arrays, and how to shape a result like the input."""

    def __init__(self, values: dict[str, object]) -> None:
        self.numbers = {
            name: as_number_array(v, name=name) for name, v in values.items()
        }
        for name, array in self.numbers.items():
            check_non_negative(array, name=name)
        broadcast_shape(self.numbers)
        self.index = series_index(values)
        self.keep_array = any(isinstance(v, np.ndarray) for v in values.values())

    def __getitem__(self, name: str) -> FloatArray:
        return self.numbers[name].astype(np.float64, copy=False)

    def all_integer(self) -> bool:
        """Whether every input had an integer dtype."""
        return all(array.dtype.kind == "i" for array in self.numbers.values())

    def shape(self, result: npt.NDArray[Any]) -> Result:
        """Return *result* as a scalar, array or Series, like the input."""
        return scalar_or_array(
            np.asarray(result), self.index, keep_array=self.keep_array
        )


def _check_losses(inputs: _Inputs, *losses: str, base: str = "mrr_at_start") -> None:
    total = sum((inputs[name] for name in losses), start=np.zeros(()))
    names = " + ".join(repr(name) for name in losses)
    check_not_greater(total, inputs[base], part_name=names, whole_name=repr(base))


def _clip(result: FloatArray, low: float, high: float) -> FloatArray:
    """Remove rounding residue beyond a bound the input checks guarantee."""
    return np.clip(result, low, high)


# --------------------------------------------------------------------------
# Customer churn
# --------------------------------------------------------------------------


@overload
def customer_churn_rate(
    customers_at_start: Number,
    customers_lost: Number,
    *,
    customers_new: Number = ...,
    denominator: ChurnDenominator = ...,
) -> float: ...
@overload
def customer_churn_rate(
    customers_at_start: pd.Series[Any],
    customers_lost: Number | Values,
    *,
    customers_new: Number | Values = ...,
    denominator: ChurnDenominator = ...,
) -> pd.Series[float]: ...
@overload
def customer_churn_rate(
    customers_at_start: PlainValues,
    customers_lost: Number | PlainValues,
    *,
    customers_new: Number | PlainValues = ...,
    denominator: ChurnDenominator = ...,
) -> FloatArray: ...
@overload
def customer_churn_rate(
    customers_at_start: Number | Values,
    customers_lost: Number | Values,
    *,
    customers_new: Number | Values = ...,
    denominator: ChurnDenominator = ...,
) -> Result: ...
def customer_churn_rate(
    customers_at_start: Number | Values,
    customers_lost: Number | Values,
    *,
    customers_new: Number | Values = 0,
    denominator: ChurnDenominator = "start",
) -> Result:
    """
    Compute the fraction of customers lost during a period (logo churn).

    With ``denominator="start"`` (ChartMogul Standard, Baremetrics) the rate
    is ``customers_lost / customers_at_start``. With
    ``denominator="start_plus_new"`` (Stripe subscriber churn) it is
    ``customers_lost / (customers_at_start + customers_new)``.

    Parameters
    ----------
    customers_at_start : int or array-like of int
        Paying customers at the start of each period.
    customers_lost : int or array-like of int
        Customers who cancelled during the period. Whether customers who
        joined and churned within the period count is the caller's choice:
        ChartMogul leaves them out, Stripe and Baremetrics count them.
    customers_new : int or array-like of int, default 0
        Customers who joined during the period. Used only with
        ``denominator="start_plus_new"`` (validated, but ignored otherwise).
    denominator : {'start', 'start_plus_new'}, default 'start'
        Which base to divide by.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Churn as a fraction in [0, 1], not a percentage: a ``float`` for
        scalar input, a ``Series`` with the input's index for ``Series``
        input, an array of the broadcast shape otherwise. NaN where the
        denominator is 0, because churn is undefined without customers.

    Raises
    ------
    ValueError
        If a count is negative or not finite, if `customers_lost` exceeds
        the denominator, if `denominator` is unknown, or if ``Series``
        arguments have different indexes.
    TypeError
        If a count is not numeric.

    See Also
    --------
    pooled_rate : Churn over several periods, pooled.

    Notes
    -----
    Over several periods, pool the counts before dividing (`pooled_rate`);
    averaging per-period rates weights a quiet month the same as a busy one.

    Examples
    --------
    >>> from subscription_metrics.churn import customer_churn_rate

    100 customers at start, 20 new, 10 churned of whom 2 were new this month.
    ChartMogul leaves the 2 out; Stripe counts everyone:

    >>> customer_churn_rate(customers_at_start=100, customers_lost=8)
    0.08
    >>> round(
    ...     customer_churn_rate(
    ...         100, 10, customers_new=20, denominator="start_plus_new"
    ...     ),
    ...     4,
    ... )
    0.0833

    Arrays give one rate per period; a period with no customers is NaN:

    >>> customer_churn_rate([200, 50, 0], [10, 0, 0])
    array([0.05, 0.  ,  nan])
    """
    check_option(denominator, name="denominator", allowed=_DENOMINATORS)
    inputs = _Inputs(
        {
            "customers_at_start": customers_at_start,
            "customers_lost": customers_lost,
            "customers_new": customers_new,
        }
    )
    start, lost = inputs["customers_at_start"], inputs["customers_lost"]
    if denominator == "start":
        base, base_name = start, "'customers_at_start'"
    else:
        base = start + inputs["customers_new"]
        base_name = "'customers_at_start' + 'customers_new'"
    check_not_greater(lost, base, part_name="'customers_lost'", whole_name=base_name)
    return inputs.shape(_clip(divide_or_nan(lost, base), 0.0, 1.0))


# --------------------------------------------------------------------------
# MRR churn
# --------------------------------------------------------------------------


@overload
def gross_mrr_churn_rate(
    mrr_at_start: Number,
    churned_mrr: Number,
    contraction_mrr: Number,
    *,
    cap: bool = ...,
) -> float: ...
@overload
def gross_mrr_churn_rate(
    mrr_at_start: pd.Series[Any],
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    *,
    cap: bool = ...,
) -> pd.Series[float]: ...
@overload
def gross_mrr_churn_rate(
    mrr_at_start: PlainValues,
    churned_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
    *,
    cap: bool = ...,
) -> FloatArray: ...
@overload
def gross_mrr_churn_rate(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    *,
    cap: bool = ...,
) -> Result: ...
def gross_mrr_churn_rate(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    *,
    cap: bool = False,
) -> Result:
    """
    Compute the fraction of starting MRR lost to churn and contraction.

    Gross MRR churn is ``(churned_mrr + contraction_mrr) / mrr_at_start``
    (ChartMogul "MRR Churn Rate", Baremetrics revenue churn). Expansion and
    reactivation do not offset it, so it is never negative.

    Parameters
    ----------
    mrr_at_start : float or array-like of float
        MRR at the start of each period.
    churned_mrr : float or array-like of float
        MRR lost to customers who cancelled, as a non-negative amount.
    contraction_mrr : float or array-like of float
        MRR lost to downgrades of customers who stayed, non-negative.
    cap : bool, default False
        Clip the rate at 1, as Baremetrics does.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A fraction of `mrr_at_start`, not a percentage. In [0, 1] when the
        losses are measured against the starting base (at most
        `mrr_at_start`); losses summed from movements on MRR gained during the
        period can exceed the base, giving a rate above 1 unless `cap` is
        true. NaN where `mrr_at_start` is 0.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, or ``Series`` arguments have
        different indexes.
    TypeError
        If an amount is not numeric.

    See Also
    --------
    net_mrr_churn_rate : Churn offset by expansion and reactivation.
    gross_revenue_retention : One minus this rate.

    Examples
    --------
    >>> from subscription_metrics.churn import gross_mrr_churn_rate

    ChartMogul's example: $100 at start, $10 churned, $10 contraction:

    >>> gross_mrr_churn_rate(mrr_at_start=100, churned_mrr=10, contraction_mrr=10)
    0.2

    Baremetrics' old rule divided $1,379 of losses by a $500 base; it now caps:

    >>> gross_mrr_churn_rate(500, 879, 500)
    2.758
    >>> gross_mrr_churn_rate(500, 879, 500, cap=True)
    1.0
    """
    if not isinstance(cap, bool | np.bool_):
        msg = f"'cap' must be True or False, got {cap!r}"
        raise TypeError(msg)
    inputs = _Inputs(
        {
            "mrr_at_start": mrr_at_start,
            "churned_mrr": churned_mrr,
            "contraction_mrr": contraction_mrr,
        }
    )
    losses = inputs["churned_mrr"] + inputs["contraction_mrr"]
    rate = divide_or_nan(losses, inputs["mrr_at_start"])
    if cap:
        rate = np.fmin(rate, 1.0)  # fmin keeps NaN where the rate is undefined
        rate = np.where(
            np.isnan(divide_or_nan(losses, inputs["mrr_at_start"])), np.nan, rate
        )
    return inputs.shape(rate)


@overload
def net_mrr_churn_rate(
    mrr_at_start: Number,
    churned_mrr: Number,
    contraction_mrr: Number,
    expansion_mrr: Number,
    reactivation_mrr: Number = ...,
) -> float: ...
@overload
def net_mrr_churn_rate(
    mrr_at_start: pd.Series[Any],
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> pd.Series[float]: ...
@overload
def net_mrr_churn_rate(
    mrr_at_start: PlainValues,
    churned_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
    expansion_mrr: Number | PlainValues,
    reactivation_mrr: Number | PlainValues = ...,
) -> FloatArray: ...
@overload
def net_mrr_churn_rate(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> Result: ...
def net_mrr_churn_rate(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = 0,
) -> Result:
    """
    Compute MRR lost net of MRR gained from existing customers, per starting MRR.

    Net MRR churn is ``(churned_mrr + contraction_mrr - expansion_mrr -
    reactivation_mrr) / mrr_at_start`` (ChartMogul "Net MRR Churn Rate").
    Baremetrics offsets churn with expansion only: pass
    ``reactivation_mrr=0`` (the default) to follow it.

    Parameters
    ----------
    mrr_at_start : float or array-like of float
        MRR at the start of each period.
    churned_mrr : float or array-like of float
        MRR lost to customers who cancelled, non-negative.
    contraction_mrr : float or array-like of float
        MRR lost to downgrades, non-negative.
    expansion_mrr : float or array-like of float
        MRR gained from upgrades of existing customers, non-negative.
    reactivation_mrr : float or array-like of float, default 0
        MRR from returning customers, non-negative (ChartMogul counts it).

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A fraction of `mrr_at_start` in (-inf, 1], not a percentage. Below
        zero is *negative churn*: existing customers grew MRR by more than
        was lost. The value is never clipped. NaN where `mrr_at_start` is 0.
        Equals ``1 - net_revenue_retention(...)`` for the same arguments.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, if ``churned_mrr +
        contraction_mrr`` exceeds `mrr_at_start`, or ``Series`` arguments
        have different indexes.
    TypeError
        If an amount is not numeric.

    See Also
    --------
    gross_mrr_churn_rate : Churn without the offsets.
    net_revenue_retention : One minus this rate.

    Examples
    --------
    >>> from subscription_metrics.churn import net_mrr_churn_rate

    ChartMogul's example: $100 at start, $10 churned, $10 contraction, $10
    expansion:

    >>> net_mrr_churn_rate(100, 10, 10, 10)
    0.1

    Expansion beyond the losses is negative churn:

    >>> net_mrr_churn_rate(100, churned_mrr=5, contraction_mrr=0, expansion_mrr=15)
    -0.1
    """
    inputs = _Inputs(
        {
            "mrr_at_start": mrr_at_start,
            "churned_mrr": churned_mrr,
            "contraction_mrr": contraction_mrr,
            "expansion_mrr": expansion_mrr,
            "reactivation_mrr": reactivation_mrr,
        }
    )
    _check_losses(inputs, "churned_mrr", "contraction_mrr")
    losses = inputs["churned_mrr"] + inputs["contraction_mrr"]
    gains = inputs["expansion_mrr"] + inputs["reactivation_mrr"]
    rate = divide_or_nan(losses - gains, inputs["mrr_at_start"])
    return inputs.shape(np.minimum(rate, 1.0))  # rounding residue only


# --------------------------------------------------------------------------
# Revenue retention
# --------------------------------------------------------------------------


@overload
def net_revenue_retention(
    mrr_at_start: Number,
    churned_mrr: Number,
    contraction_mrr: Number,
    expansion_mrr: Number,
    reactivation_mrr: Number = ...,
) -> float: ...
@overload
def net_revenue_retention(
    mrr_at_start: pd.Series[Any],
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> pd.Series[float]: ...
@overload
def net_revenue_retention(
    mrr_at_start: PlainValues,
    churned_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
    expansion_mrr: Number | PlainValues,
    reactivation_mrr: Number | PlainValues = ...,
) -> FloatArray: ...
@overload
def net_revenue_retention(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> Result: ...
def net_revenue_retention(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
    expansion_mrr: Number | Values,
    reactivation_mrr: Number | Values = 0,
) -> Result:
    """
    Compute the fraction of starting MRR kept, counting expansion (NRR).

    Net revenue retention is ``(mrr_at_start - churned_mrr - contraction_mrr
    + expansion_mrr + reactivation_mrr) / mrr_at_start``. ChartMogul's
    period NRR chart excludes reactivation (pass 0, the default); its cohort
    NRR and SaaS Capital's M vs M-12 measure count it. Baremetrics' ``100% -
    net churn`` is the same number with reactivation 0.

    Parameters
    ----------
    mrr_at_start : float or array-like of float
        MRR at the start of each period.
    churned_mrr : float or array-like of float
        MRR lost to customers who cancelled, non-negative.
    contraction_mrr : float or array-like of float
        MRR lost to downgrades, non-negative.
    expansion_mrr : float or array-like of float
        MRR gained from upgrades of existing customers, non-negative.
    reactivation_mrr : float or array-like of float, default 0
        MRR from returning customers, non-negative.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A fraction of `mrr_at_start` in [0, inf), not a percentage; above 1
        when expansion outweighs churn and contraction. NaN where
        `mrr_at_start` is 0.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, if ``churned_mrr +
        contraction_mrr`` exceeds `mrr_at_start`, or ``Series`` arguments
        have different indexes.
    TypeError
        If an amount is not numeric.

    See Also
    --------
    gross_revenue_retention : Retention without expansion.
    net_mrr_churn_rate : One minus this value.

    Examples
    --------
    >>> from subscription_metrics.churn import net_revenue_retention
    >>> net_revenue_retention(100, churned_mrr=10, contraction_mrr=10, expansion_mrr=10)
    0.9
    >>> net_revenue_retention(100, churned_mrr=5, contraction_mrr=0, expansion_mrr=25)
    1.2
    """
    inputs = _Inputs(
        {
            "mrr_at_start": mrr_at_start,
            "churned_mrr": churned_mrr,
            "contraction_mrr": contraction_mrr,
            "expansion_mrr": expansion_mrr,
            "reactivation_mrr": reactivation_mrr,
        }
    )
    _check_losses(inputs, "churned_mrr", "contraction_mrr")
    start = inputs["mrr_at_start"]
    kept = start - (inputs["churned_mrr"] + inputs["contraction_mrr"])
    gains = inputs["expansion_mrr"] + inputs["reactivation_mrr"]
    retention = divide_or_nan(np.fmax(kept, 0.0) + gains, start)
    return inputs.shape(retention)


@overload
def gross_revenue_retention(
    mrr_at_start: Number, churned_mrr: Number, contraction_mrr: Number
) -> float: ...
@overload
def gross_revenue_retention(
    mrr_at_start: pd.Series[Any],
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
) -> pd.Series[float]: ...
@overload
def gross_revenue_retention(
    mrr_at_start: PlainValues,
    churned_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
) -> FloatArray: ...
@overload
def gross_revenue_retention(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
) -> Result: ...
def gross_revenue_retention(
    mrr_at_start: Number | Values,
    churned_mrr: Number | Values,
    contraction_mrr: Number | Values,
) -> Result:
    """
    Compute the fraction of starting MRR kept, ignoring expansion (GRR).

    Gross revenue retention is ``(mrr_at_start - churned_mrr -
    contraction_mrr) / mrr_at_start`` (ChartMogul "Gross Revenue Retention").
    SaaS Capital's customer-level GRR caps each customer at their starting
    MRR instead; pass the capped losses to reproduce it.

    Parameters
    ----------
    mrr_at_start : float or array-like of float
        MRR at the start of each period.
    churned_mrr : float or array-like of float
        MRR lost to customers who cancelled, non-negative.
    contraction_mrr : float or array-like of float
        MRR lost to downgrades, non-negative.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A fraction of `mrr_at_start` in [0, 1], not a percentage. NaN where
        `mrr_at_start` is 0.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, if ``churned_mrr +
        contraction_mrr`` exceeds `mrr_at_start`, or ``Series`` arguments
        have different indexes.
    TypeError
        If an amount is not numeric.

    See Also
    --------
    net_revenue_retention : Retention counting expansion.
    gross_mrr_churn_rate : One minus this value.

    Examples
    --------
    >>> from subscription_metrics.churn import gross_revenue_retention

    ChartMogul's example: $100 at start, $10 churned, $10 contraction:

    >>> gross_revenue_retention(mrr_at_start=100, churned_mrr=10, contraction_mrr=10)
    0.8
    >>> gross_revenue_retention([100, 0], [0, 0], [50, 0])
    array([0.5,  nan])
    """
    inputs = _Inputs(
        {
            "mrr_at_start": mrr_at_start,
            "churned_mrr": churned_mrr,
            "contraction_mrr": contraction_mrr,
        }
    )
    _check_losses(inputs, "churned_mrr", "contraction_mrr")
    start = inputs["mrr_at_start"]
    kept = start - (inputs["churned_mrr"] + inputs["contraction_mrr"])
    return inputs.shape(_clip(divide_or_nan(kept, start), 0.0, 1.0))


# --------------------------------------------------------------------------
# Growth
# --------------------------------------------------------------------------


@overload
def quick_ratio(
    new_mrr: Number,
    expansion_mrr: Number,
    contraction_mrr: Number,
    churned_mrr: Number,
    reactivation_mrr: Number = ...,
) -> float: ...
@overload
def quick_ratio(
    new_mrr: pd.Series[Any],
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> pd.Series[float]: ...
@overload
def quick_ratio(
    new_mrr: PlainValues,
    expansion_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
    churned_mrr: Number | PlainValues,
    reactivation_mrr: Number | PlainValues = ...,
) -> FloatArray: ...
@overload
def quick_ratio(
    new_mrr: Number | Values,
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> Result: ...
def quick_ratio(
    new_mrr: Number | Values,
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = 0,
) -> Result:
    """
    Compute the SaaS quick ratio: MRR gained per unit of MRR lost.

    The quick ratio is ``(new_mrr + expansion_mrr + reactivation_mrr) /
    (contraction_mrr + churned_mrr)`` (Mamoon Hamid; Baremetrics and
    ProfitWell leave reactivation out: pass 0, the default).

    Parameters
    ----------
    new_mrr : float or array-like of float
        MRR from new customers, non-negative.
    expansion_mrr : float or array-like of float
        MRR gained from upgrades, non-negative.
    contraction_mrr : float or array-like of float
        MRR lost to downgrades, non-negative.
    churned_mrr : float or array-like of float
        MRR lost to cancellations, non-negative.
    reactivation_mrr : float or array-like of float, default 0
        MRR from returning customers, non-negative.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A dimensionless ratio in [0, inf]; 4 or more is the usual mark of
        efficient growth. ``inf`` when nothing was lost but something was
        gained (unbounded, never 0); NaN when nothing moved at all.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, or ``Series`` arguments have
        different indexes.
    TypeError
        If an amount is not numeric.

    Examples
    --------
    >>> from subscription_metrics.churn import quick_ratio

    ProfitWell's example, $24k gained against $4k lost:

    >>> quick_ratio(
    ...     new_mrr=20_000,
    ...     expansion_mrr=4_000,
    ...     contraction_mrr=1_000,
    ...     churned_mrr=3_000,
    ... )
    6.0
    >>> quick_ratio([100, 0], [0, 0], [0, 0], [0, 0])
    array([inf, nan])
    """
    inputs = _Inputs(
        {
            "new_mrr": new_mrr,
            "expansion_mrr": expansion_mrr,
            "contraction_mrr": contraction_mrr,
            "churned_mrr": churned_mrr,
            "reactivation_mrr": reactivation_mrr,
        }
    )
    gains = inputs["new_mrr"] + inputs["expansion_mrr"] + inputs["reactivation_mrr"]
    losses = inputs["contraction_mrr"] + inputs["churned_mrr"]
    return inputs.shape(divide_or_inf(gains, losses))


@overload
def average_revenue_per_account(mrr: Number, customers: Number) -> float: ...
@overload
def average_revenue_per_account(
    mrr: pd.Series[Any], customers: Number | Values
) -> pd.Series[float]: ...
@overload
def average_revenue_per_account(
    mrr: PlainValues, customers: Number | PlainValues
) -> FloatArray: ...
@overload
def average_revenue_per_account(
    mrr: Number | Values, customers: Number | Values
) -> Result: ...
def average_revenue_per_account(
    mrr: Number | Values, customers: Number | Values
) -> Result:
    """
    Compute the average MRR per paying customer (ARPA).

    ARPA is ``mrr / customers`` (ChartMogul: "the SUM of all your customers'
    MRR / number of customers", a customer with several subscriptions
    counting once).

    Parameters
    ----------
    mrr : float or array-like of float
        Total MRR of the customers, non-negative.
    customers : int or array-like of int
        Number of paying customers, non-negative.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Money per customer in the unit of `mrr` (minor units in, minor
        units out), in [0, inf), unrounded. NaN where `customers` is 0.

    Raises
    ------
    ValueError
        If a value is negative or not finite, or ``Series`` arguments have
        different indexes.
    TypeError
        If a value is not numeric.

    Examples
    --------
    >>> from subscription_metrics.churn import average_revenue_per_account
    >>> average_revenue_per_account(mrr=10_000, customers=100)
    100.0
    >>> average_revenue_per_account([650, 0], [10, 0])
    array([65., nan])
    """
    inputs = _Inputs({"mrr": mrr, "customers": customers})
    return inputs.shape(divide_or_nan(inputs["mrr"], inputs["customers"]))


@overload
def average_sale_price(new_mrr: Number, customers_new: Number) -> float: ...
@overload
def average_sale_price(
    new_mrr: pd.Series[Any], customers_new: Number | Values
) -> pd.Series[float]: ...
@overload
def average_sale_price(
    new_mrr: PlainValues, customers_new: Number | PlainValues
) -> FloatArray: ...
@overload
def average_sale_price(
    new_mrr: Number | Values, customers_new: Number | Values
) -> Result: ...
def average_sale_price(
    new_mrr: Number | Values, customers_new: Number | Values
) -> Result:
    """
    Compute the average new-business MRR per new customer (ASP).

    ASP is ``new_mrr / customers_new`` (ChartMogul "Average Sale Price": new
    business MRR over customers who subscribed for the first time; later
    expansion and contraction are ignored).

    Parameters
    ----------
    new_mrr : float or array-like of float
        New business MRR of the period, non-negative.
    customers_new : int or array-like of int
        Customers who subscribed for the first time in the period.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        Money per new customer in the unit of `new_mrr`, in [0, inf),
        unrounded. NaN where `customers_new` is 0.

    Raises
    ------
    ValueError
        If a value is negative or not finite, or ``Series`` arguments have
        different indexes.
    TypeError
        If a value is not numeric.

    Examples
    --------
    >>> from subscription_metrics.churn import average_sale_price

    ChartMogul's example: 3 customers at $100 and 7 at $50:

    >>> average_sale_price(new_mrr=3 * 100 + 7 * 50, customers_new=10)
    65.0
    """
    inputs = _Inputs({"new_mrr": new_mrr, "customers_new": customers_new})
    return inputs.shape(divide_or_nan(inputs["new_mrr"], inputs["customers_new"]))


@overload
def net_new_mrr(
    new_mrr: int,
    expansion_mrr: int,
    contraction_mrr: int,
    churned_mrr: int,
    reactivation_mrr: int = ...,
) -> int: ...
@overload
def net_new_mrr(
    new_mrr: Number,
    expansion_mrr: Number,
    contraction_mrr: Number,
    churned_mrr: Number,
    reactivation_mrr: Number = ...,
) -> float: ...
@overload
def net_new_mrr(
    new_mrr: pd.Series[Any],
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> pd.Series[Any]: ...
@overload
def net_new_mrr(
    new_mrr: PlainValues,
    expansion_mrr: Number | PlainValues,
    contraction_mrr: Number | PlainValues,
    churned_mrr: Number | PlainValues,
    reactivation_mrr: Number | PlainValues = ...,
) -> npt.NDArray[Any]: ...
@overload
def net_new_mrr(
    new_mrr: Number | Values,
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = ...,
) -> Result: ...
def net_new_mrr(
    new_mrr: Number | Values,
    expansion_mrr: Number | Values,
    contraction_mrr: Number | Values,
    churned_mrr: Number | Values,
    reactivation_mrr: Number | Values = 0,
) -> Result:
    """
    Compute the change in MRR over a period from its movements.

    Net new MRR is ``new_mrr + expansion_mrr + reactivation_mrr -
    contraction_mrr - churned_mrr``: the MRR bridge's ``end - start``.

    Parameters
    ----------
    new_mrr : int or float, or array-like of them
        MRR from new customers, non-negative.
    expansion_mrr : int or float, or array-like of them
        MRR gained from upgrades, non-negative.
    contraction_mrr : int or float, or array-like of them
        MRR lost to downgrades, as a non-negative amount.
    churned_mrr : int or float, or array-like of them
        MRR lost to cancellations, as a non-negative amount.
    reactivation_mrr : int or float, or array-like of them, default 0
        MRR from returning customers, non-negative.

    Returns
    -------
    int or float or numpy.ndarray or pandas.Series
        Money in the unit of the input, in (-inf, inf); negative when MRR
        shrank. When every input is an integer (minor units) the arithmetic
        is exact int64 and the result is an ``int`` or an int64 array;
        otherwise it is a float.

    Raises
    ------
    ValueError
        If an amount is negative or not finite, an integer amount is
        2**60 or more (exact int64 arithmetic could overflow), or
        ``Series`` arguments have different indexes.
    TypeError
        If an amount is not numeric.

    Examples
    --------
    >>> from subscription_metrics.churn import net_new_mrr

    Amounts in cents stay exact integers:

    >>> net_new_mrr(3_000, 1_000, 1_000, 1_000, reactivation_mrr=500)
    2500
    >>> net_new_mrr([100, 0], [0, 0], [0, 10], [0, 90])
    array([ 100, -100])
    >>> net_new_mrr(9.99, 0, 0, 4.99)
    5.0
    """
    inputs = _Inputs(
        {
            "new_mrr": new_mrr,
            "expansion_mrr": expansion_mrr,
            "contraction_mrr": contraction_mrr,
            "churned_mrr": churned_mrr,
            "reactivation_mrr": reactivation_mrr,
        }
    )
    if inputs.all_integer():
        n = inputs.numbers
        for name, array in n.items():
            too_large = array >= _EXACT_LIMIT
            if too_large.any():
                msg = (
                    f"{name!r} must be below 2**60 for exact int64 arithmetic, "
                    f"got {int(array[too_large].ravel()[0])!r}"
                )
                raise ValueError(msg)
        exact = (
            n["new_mrr"]
            + n["expansion_mrr"]
            + n["reactivation_mrr"]
            - n["contraction_mrr"]
            - n["churned_mrr"]
        )
        return inputs.shape(np.asarray(exact, dtype=np.int64))
    change = (
        inputs["new_mrr"]
        + inputs["expansion_mrr"]
        + inputs["reactivation_mrr"]
        - inputs["contraction_mrr"]
        - inputs["churned_mrr"]
    )
    return inputs.shape(change)


@overload
def mrr_growth_rate(mrr_at_start: Number, mrr_at_end: Number) -> float: ...
@overload
def mrr_growth_rate(
    mrr_at_start: pd.Series[Any], mrr_at_end: Number | Values
) -> pd.Series[float]: ...
@overload
def mrr_growth_rate(
    mrr_at_start: PlainValues, mrr_at_end: Number | PlainValues
) -> FloatArray: ...
@overload
def mrr_growth_rate(
    mrr_at_start: Number | Values, mrr_at_end: Number | Values
) -> Result: ...
def mrr_growth_rate(
    mrr_at_start: Number | Values, mrr_at_end: Number | Values
) -> Result:
    """
    Compute the relative change in MRR over a period.

    MRR growth is ``mrr_at_end / mrr_at_start - 1``, computed as
    ``(mrr_at_end - mrr_at_start) / mrr_at_start`` to keep precision for
    small changes.

    Parameters
    ----------
    mrr_at_start : float or array-like of float
        MRR at the start of each period, non-negative.
    mrr_at_end : float or array-like of float
        MRR at the end of each period, non-negative.

    Returns
    -------
    float or numpy.ndarray or pandas.Series
        A fraction of `mrr_at_start` in [-1, inf), not a percentage; -1 when
        all MRR is gone. NaN where `mrr_at_start` is 0 (growth from nothing
        is undefined).

    Raises
    ------
    ValueError
        If an amount is negative or not finite, or ``Series`` arguments have
        different indexes.
    TypeError
        If an amount is not numeric.

    Examples
    --------
    >>> from subscription_metrics.churn import mrr_growth_rate
    >>> mrr_growth_rate(mrr_at_start=100, mrr_at_end=120)
    0.2
    >>> mrr_growth_rate([100, 100, 0], [50, 0, 10])
    array([-0.5, -1. ,  nan])
    """
    inputs = _Inputs({"mrr_at_start": mrr_at_start, "mrr_at_end": mrr_at_end})
    start = inputs["mrr_at_start"]
    growth = divide_or_nan(inputs["mrr_at_end"] - start, start)
    return inputs.shape(np.maximum(growth, -1.0))


def pooled_rate(numerators: Number | Values, denominators: Number | Values) -> float:
    """
    Compute one rate over several periods by pooling, never by averaging.

    The pooled rate is ``sum(numerators) / sum(denominators)``: for trailing
    churn, the customers (or MRR) lost over the window divided by the
    customers (or MRR) at the start of each period in it. Averaging the
    per-period rates instead would weight a quiet month like a busy one.

    Parameters
    ----------
    numerators : float or array-like of float
        The numerator of the rate for each period, such as customers lost.
        May be negative for a signed rate (net MRR churn).
    denominators : float or array-like of float
        The matching denominator for each period, such as customers at
        start; non-negative, same shape as `numerators`.

    Returns
    -------
    float
        The pooled rate, in the units of the per-period rate. It lies
        between the smallest and largest per-period rate among periods with
        a non-zero denominator. NaN when the pooled denominator is 0,
        including for empty input.

    Raises
    ------
    ValueError
        If a value is not finite, a denominator is negative, or the shapes
        differ.
    TypeError
        If a value is not numeric.

    See Also
    --------
    customer_churn_rate : The per-period rate.

    Examples
    --------
    >>> from subscription_metrics.churn import pooled_rate

    A quiet month (1 of 10 lost) and a busy one (1 of 190): pooled 2/200,
    where the mean of the two rates would be about 5.3%:

    >>> pooled_rate(numerators=[1, 1], denominators=[10, 190])
    0.01
    >>> pooled_rate([], [])
    nan
    """
    num = as_float_array(numerators, name="numerators")
    den = as_float_array(denominators, name="denominators")
    check_non_negative(den, name="denominators")
    if num.shape != den.shape:
        msg = (
            "'numerators' and 'denominators' must have the same shape, "
            f"got {num.shape} and {den.shape}"
        )
        raise ValueError(msg)
    series_index({"numerators": numerators, "denominators": denominators})
    return float(divide_or_nan(np.asarray(num.sum()), np.asarray(den.sum())))
