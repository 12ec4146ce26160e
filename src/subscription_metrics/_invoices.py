"""Invoice lines into monthly MRR: spread each line over its service period, exactly.

Every line becomes one share per month of its service period (``np.repeat``
over the months, no loop per line), in int64 minor units whose sum is the
line's amount to the unit. ``Ledger.from_invoice_lines`` then nets the shares
per customer-month and builds the ledger as from monthly MRR rows.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _kernels as k

__all__ = [
    "exact_differences",
    "exact_products",
    "period_ends",
    "spread",
    "whole_months",
]

Int64Array = npt.NDArray[np.int64]
Spread = Literal["months", "days"]

# The average month, 365.25 / 12 = 1461 / 48 days: a period's length in whole
# months is round(days * 48 / 1461), half up, computed in integers.
_MONTH_NUMERATOR, _MONTH_DENOMINATOR = 48, 1461


def whole_months(days: Int64Array) -> Int64Array:
    """
    Return a period's length in whole months: its days over 365.25 / 12, rounded.

    Half a month rounds up; a period shorter than half a month (and an empty
    one) is one month, the month it starts in.

    Examples
    --------
    >>> import numpy as np
    >>> whole_months(np.array([365, 366, 28, 31, 90, 15, 0, 1096]))
    array([12, 12,  1,  1,  3,  1,  1, 36])
    """
    doubled = 2 * _MONTH_NUMERATOR * days + _MONTH_DENOMINATOR
    return np.maximum(doubled // (2 * _MONTH_DENOMINATOR), 1)


def _months(day: npt.NDArray[np.datetime64]) -> Int64Array:
    """Return month ordinals (months since 1970-01, as `pandas.Period` counts)."""
    return day.astype("datetime64[M]").astype(np.int64)


def _month_days(month: Int64Array) -> npt.NDArray[np.datetime64]:
    """Return the first day of each month ordinal."""
    return month.astype("datetime64[M]").astype("datetime64[D]")


# An interval's length: days, or calendar months (see `period_ends`).
_DAYS_OF: dict[str, int] = {"day": 1, "week": 7}
_MONTHS_OF: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def period_ends(
    start: npt.NDArray[np.datetime64],
    interval: npt.NDArray[np.object_],
    count: Int64Array,
) -> npt.NDArray[np.datetime64]:
    """
    Return the exclusive end of each service period: `count` intervals on.

    Days and weeks add days. Months, quarters and years add calendar months
    on the anniversary day, clipped to the last day of a shorter month:
    a year from 2024-02-29 ends 2025-02-28, a month from 2025-01-31 ends
    2025-02-28 (Stripe's billing-anchor rule, and ``dateutil``'s
    ``relativedelta``). `interval` holds canonical names (``'day'`` ...
    ``'year'``, as `_intervals.known_interval` gives them).

    Examples
    --------
    >>> import numpy as np
    >>> start = np.array(["2025-01-31", "2024-02-29", "2025-04-01", "2025-04-01"],
    ...                  dtype="datetime64[D]")
    >>> ends = period_ends(start, np.array(["month", "year", "week", "quarter"],
    ...                    dtype=object), np.array([1, 1, 2, 1]))
    >>> [str(d) for d in ends]
    ['2025-02-28', '2025-02-28', '2025-04-15', '2025-07-01']
    """
    start = start.astype("datetime64[D]")
    days = np.zeros(len(start), np.int64)
    months = np.zeros(len(start), np.int64)
    for name, length in _DAYS_OF.items():
        days[interval == name] = length
    for name, length in _MONTHS_OF.items():
        months[interval == name] = length
    end = start + days * count
    by_month = months > 0
    if by_month.any():
        first = start[by_month].astype("datetime64[M]")
        day_of_month = (start[by_month] - first.astype("datetime64[D]")).astype(
            np.int64
        )
        target = first + months[by_month] * count[by_month]
        length = (target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")
        clipped = np.minimum(day_of_month, length.astype(np.int64) - 1)
        end[by_month] = target.astype("datetime64[D]") + clipped
    return end


def spread(
    amount: Int64Array,
    start: npt.NDArray[np.datetime64],
    end: npt.NDArray[np.datetime64],
    *,
    rule: Spread,
) -> tuple[npt.NDArray[np.intp], Int64Array, Int64Array]:
    """
    Split each amount over the months of its service period, exactly.

    Parameters
    ----------
    amount : numpy.ndarray of int64
        Signed minor units per line, each of magnitude below ``2**63 - 1``.
    start, end : numpy.ndarray of datetime64[D]
        The service period of each line, `end` exclusive and not before `start`.
    rule : {'months', 'days'}
        ``'months'``: the period's whole months (`whole_months`) from the
        month of `start`, equal shares, the remainder units one each to the
        earliest months. ``'days'``: every calendar month the period touches
        gets the sum of its days' shares, the amount being split equally
        over the period's days with the remainder units one each to the
        earliest days. An empty period is the month of `start`. Shares carry
        the sign of the amount, so a credit that reverses a charge cancels it
        month by month; and a share never falls when the amount grows, so a
        partial credit for the same period never takes a month below zero.

    Returns
    -------
    line : numpy.ndarray of intp
        The line of each share, ascending.
    month : numpy.ndarray of int64
        The month ordinal of each share, ascending within a line.
    share : numpy.ndarray of int64
        The share; per line they add up to `amount` exactly.

    Examples
    --------
    >>> import numpy as np
    >>> day = lambda *days: np.array(days, dtype="datetime64[D]")
    >>> line, month, share = spread(np.array([10_000]), day("2025-01-01"),
    ...                             day("2025-04-01"), rule="months")
    >>> share.tolist()
    [3334, 3333, 3333]
    >>> spread(np.array([-10_000]), day("2025-01-01"), day("2025-04-01"),
    ...        rule="months")[2].tolist()
    [-3334, -3333, -3333]
    >>> spread(np.array([3_100]), day("2025-01-17"), day("2025-02-17"),
    ...        rule="days")[2].tolist()
    [1500, 1600]
    """
    start = start.astype("datetime64[D]")
    end = end.astype("datetime64[D]")
    first = _months(start)
    days = (end - start).astype(np.int64)
    if rule == "months":
        count = whole_months(days)
    else:
        last = np.where(days > 0, _months(end - np.timedelta64(1, "D")), first)
        count = last - first + 1
    lines = len(amount)
    line = np.repeat(np.arange(lines), count)
    offset = np.arange(len(line), dtype=np.int64) - np.repeat(
        np.cumsum(count) - count, count
    )
    month = first[line] + offset
    sign = np.sign(amount)[line]
    magnitude = np.abs(amount)
    if rule == "months":
        whole, extra = np.divmod(magnitude, count)
        share = whole[line] + (offset < extra[line])
        return line, month, sign * share
    # Days of each month within the period; an empty period is one day.
    low = np.maximum(start[line], _month_days(month))
    high = np.minimum(end[line], _month_days(month + 1))
    inside = np.maximum((high - low).astype(np.int64), 0)
    inside = np.where(days[line] > 0, inside, 1)
    total = np.maximum(days, 1)
    before = k.grouped_cumsum(inside, offset == 0) - inside  # days in earlier months
    # Each day gets q = |a| // D, and the first r = |a| % D days one unit more;
    # a month's share is the sum of its days.
    whole, extra = np.divmod(magnitude, total)
    bonus = np.clip(extra[line] - before, 0, inside)
    return line, month, sign * (whole[line] * inside + bonus)


def exact_products(
    quantity: Int64Array, unit_amount: Int64Array
) -> tuple[Int64Array, npt.NDArray[np.bool_]]:
    """
    Return ``quantity * unit_amount`` and where it does not fit in int64.

    Products that surely fit are computed in int64; the few whose float
    estimate comes near ``2**63`` are computed exactly in Python ints (they
    then fit, or are flagged and left 0).
    """
    estimate = np.abs(quantity.astype(np.float64) * unit_amount.astype(np.float64))
    near = estimate >= 2.0**62
    product = np.where(near, 0, quantity * np.where(near, 0, unit_amount))
    beyond = np.zeros(len(product), bool)
    if near.any():
        rows = np.flatnonzero(near)
        exact = [
            int(q) * int(u)
            for q, u in zip(quantity[rows], unit_amount[rows], strict=True)
        ]
        fits = np.array([abs(v) < 2**63 - 1 for v in exact], bool)
        product[rows[fits]] = np.array(exact, dtype=object)[fits].astype(np.int64)
        beyond[rows[~fits]] = True
    return product, beyond


def exact_differences(
    gross: Int64Array, discount: Int64Array
) -> tuple[Int64Array, npt.NDArray[np.bool_]]:
    """Return ``gross - discount`` and where it does not fit in int64."""
    estimate = np.abs(gross.astype(np.float64)) + np.abs(discount.astype(np.float64))
    near = estimate >= 2.0**62
    out = np.where(near, 0, gross) - np.where(near, 0, discount)
    beyond = np.zeros(len(out), bool)
    if near.any():
        rows = np.flatnonzero(near)
        exact = [
            int(g) - int(d) for g, d in zip(gross[rows], discount[rows], strict=True)
        ]
        fits = np.array([abs(v) < 2**63 - 1 for v in exact], bool)
        out[rows[fits]] = np.array(exact, dtype=object)[fits].astype(np.int64)
        beyond[rows[~fits]] = True
    return out, beyond
