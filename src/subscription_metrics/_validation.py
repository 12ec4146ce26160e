"""Private argument checks and result shaping shared by the metric formulas."""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Number",
    "PlainValues",
    "Values",
    "apply_where_known",
    "as_float_array",
    "as_number_array",
    "broadcast_shape",
    "check_by",
    "check_fraction",
    "check_int",
    "check_level",
    "check_non_negative",
    "check_not_greater",
    "check_option",
    "divide_or_inf",
    "divide_or_nan",
    "pandas_types",
    "scalar_or_array",
    "series_index",
    "text_validator",
]

Number: TypeAlias = "float | np.integer[Any] | np.floating[Any]"
"""One number: a Python ``int`` or ``float``, or a numpy integer or float."""

PlainValues: TypeAlias = "npt.NDArray[Any] | pd.Index[Any] | Sequence[float]"
"""Array-like numbers that are not a pandas ``Series``."""

Values: TypeAlias = "PlainValues | pd.Series[Any]"
"""Any array-like numbers, a pandas ``Series`` included."""

FloatArray: TypeAlias = "npt.NDArray[np.float64]"

# Some ulps of room for float inputs whose exact sum equals a bound, such as
# 0.1 + 0.2 against 0.3; integers below 2**50 are compared exactly.
_SLACK: Final = 4 * float(np.finfo(np.float64).eps)


def pandas_types() -> tuple[type, ...]:
    """
    Return ``(pandas.Series, pandas.Index)``, or ``()`` while pandas is not loaded.

    A value cannot be a pandas object before pandas is imported, so checks
    with ``isinstance(value, pandas_types())`` need not import it: the plain
    formulas stay light for callers who bring numbers or numpy arrays.
    """
    pandas = sys.modules.get("pandas")
    return () if pandas is None else (pandas.Series, pandas.Index)


def _first(array: npt.NDArray[Any], where: npt.NDArray[np.bool_]) -> object:
    """Return the first element of *array* where *where* holds, as a Python scalar."""
    item: object = np.broadcast_to(array, where.shape)[where].ravel()[0].item()
    return item


def as_number_array(
    value: object, *, name: str
) -> npt.NDArray[np.int64] | npt.NDArray[np.float64]:
    """
    Return *value* as an int64 or float64 array, rejecting NaN and infinities.

    Integer input stays int64 so that money can be summed exactly; anything
    else numeric becomes float64. Raises ``TypeError`` for booleans, strings
    and other non-numeric input and ``ValueError`` for non-finite input; both
    messages name the offending argument.
    """

    def not_numeric() -> TypeError:  # the value's repr only when it is raised
        return TypeError(f"{name!r} must be numeric, got {value!r}")

    if value is None or isinstance(value, bool | np.bool_ | str | bytes):
        raise not_numeric()
    raw = (
        cast("pd.Series[Any]", value).to_numpy()
        if isinstance(value, pandas_types())
        else value
    )
    try:
        array = np.asarray(raw)
        if array.dtype.kind == "O":
            array = array.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise not_numeric() from exc
    kind = array.dtype.kind
    if kind == "u":
        if array.size and int(array.max()) > np.iinfo(np.int64).max:
            msg = f"{name!r} must fit in int64, got {int(array.max())!r}"
            raise ValueError(msg)
        return array.astype(np.int64)
    if kind == "i":
        return array.astype(np.int64, copy=False)
    if kind != "f":  # bools, complex, strings, dates
        raise not_numeric()
    floats = array.astype(np.float64, copy=False)
    finite = np.isfinite(floats)
    if not finite.all():
        msg = (
            f"{name!r} must be finite (no NaN or inf), got {_first(floats, ~finite)!r}"
        )
        raise ValueError(msg)
    return floats


def as_float_array(value: object, *, name: str) -> FloatArray:
    """
    Return *value* as a float64 array, rejecting NaN and infinities.

    Raises ``TypeError`` for non-numeric input and ``ValueError`` for
    non-finite input; both messages name the offending argument.
    """
    return as_number_array(value, name=name).astype(np.float64, copy=False)


def check_non_negative(array: npt.NDArray[Any], *, name: str) -> None:
    """Raise ``ValueError`` naming *name* if any element of *array* is < 0."""
    negative = array < 0
    if negative.any():
        msg = f"{name!r} must be >= 0, got {_first(array, negative)!r}"
        raise ValueError(msg)


def check_fraction(array: npt.NDArray[Any], *, name: str) -> None:
    """Raise ``ValueError`` naming *name* unless every element is in [0, 1]."""
    outside = (array < 0) | (array > 1)
    if outside.any():
        msg = f"{name!r} must be a fraction in [0, 1], got {_first(array, outside)!r}"
        raise ValueError(msg)


def check_not_greater(
    part: FloatArray, whole: FloatArray, *, part_name: str, whole_name: str
) -> None:
    """
    Raise ``ValueError`` if any element of *part* exceeds *whole*.

    A few ulps of rounding are forgiven, so float money whose exact decimal
    sum equals the bound passes; callers clip their result to the range.
    """
    over = part > whole + _SLACK * np.abs(whole)
    if over.any():
        shape = over.shape
        got = _first(np.broadcast_to(part, shape), over)
        bound = _first(np.broadcast_to(whole, shape), over)
        msg = f"{part_name} must not exceed {whole_name}, got {got!r} > {bound!r}"
        raise ValueError(msg)


def check_option(value: object, *, name: str, allowed: Collection[str]) -> None:
    """Raise ``ValueError`` naming *name* and the allowed values if not allowed."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(option) for option in allowed)
        msg = f"{name!r} must be one of {choices}, got {value!r}"
        raise ValueError(msg)


def broadcast_shape(arrays: Mapping[str, npt.NDArray[Any]]) -> tuple[int, ...]:
    """Return the broadcast shape of *arrays*, or raise naming their shapes."""
    try:
        return np.broadcast_shapes(*(array.shape for array in arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{name!r} {a.shape}" for name, a in arrays.items())
        msg = f"arguments must have broadcastable shapes, got {shapes}"
        raise ValueError(msg) from None


def series_index(values: Mapping[str, object]) -> pd.Index[Any] | None:
    """
    Return the index shared by the ``Series`` among *values*, if any.

    Series are combined by position, so their indexes must be equal; pandas
    alignment would silently pair different periods otherwise.
    """
    index: pd.Index[Any] | None = None
    first = ""
    for name, value in values.items():
        if not isinstance(value, pandas_types()[:1]):
            continue
        series = cast("pd.Series[Any]", value)
        if index is None:
            index, first = series.index, name
        elif not index.equals(series.index):
            msg = f"{name!r} must have the same index as {first!r}"
            raise ValueError(msg)
    return index


def divide_or_nan(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """Elementwise ``numerator / denominator``, NaN where the denominator is 0."""
    shape = np.broadcast_shapes(numerator.shape, denominator.shape)
    out = np.full(shape, np.nan)
    with np.errstate(over="ignore"):  # a huge quotient is inf, its true limit
        np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def divide_or_inf(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """
    Elementwise ``numerator / denominator`` for a quantity that can be unbounded.

    ``x / 0`` is ``inf`` for ``x > 0`` (never reached), ``0 / 0`` is NaN.
    """
    out = divide_or_nan(numerator, denominator)
    unbounded = (denominator == 0) & (numerator > 0)
    out[np.broadcast_to(unbounded, out.shape)] = np.inf
    return out


def scalar_or_array(
    result: npt.NDArray[Any],
    index: pd.Index[Any] | None = None,
    *,
    keep_array: bool = False,
) -> float | npt.NDArray[Any] | pd.Series[Any]:
    """
    Shape a result like its input.

    A 0-d result becomes a Python scalar (``float``, or ``int`` for integer
    results) unless *keep_array* (an input was a numpy array); a 1-d result of
    the index's length becomes a ``Series`` with that *index*; anything else
    stays an array.
    """
    if result.ndim == 0 and not keep_array:
        scalar: float = result.item()
        return scalar
    if index is not None and result.shape == (len(index),):
        import pandas as pd  # loaded already: the index came from a Series

        return pd.Series(result, index=index)
    return result


def check_int(value: object, *, name: str, low: int) -> int:
    """
    Return *value* as an ``int``, or raise naming *name*.

    ``TypeError`` for anything but an integer (booleans included),
    ``ValueError`` below *low*.
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        msg = f"{name!r} must be an int, got {value!r}"
        raise TypeError(msg)
    if value < low:
        msg = f"{name!r} must be >= {low}, got {value!r}"
        raise ValueError(msg)
    return int(value)


def check_by(
    by: object, *, what: str = "customer attributes (a str, or a list of str)"
) -> None:
    """
    Refuse a `by` that is an array or Series instead of names, saying so.

    Every ``by=`` in the library names columns (a str, or a list of str, or
    one of a function's listed choices). pandas' ``groupby`` also takes a
    Series; here one would otherwise fail deep inside with pandas' "truth
    value of a Series is ambiguous", so it is refused at the door.
    """
    if hasattr(by, "__array__") or hasattr(by, "dtype"):
        kind = type(by).__name__
        msg = (
            f"'by' names {what}, not values; got a "
            f"{kind}. To group by values, add them as a column (keyed by "
            "customer_id, or by the table's own key) and pass the column's name"
        )
        raise TypeError(msg)


def check_level(level: object) -> float:
    """Return a confidence level in (0, 1) as ``float``, or raise naming it."""
    if isinstance(level, bool) or not isinstance(level, int | float | np.floating):
        msg = f"'level' must be a number in (0, 1), got {level!r}"
        raise TypeError(msg)
    if not 0 < level < 1:
        msg = f"'level' must be in (0, 1), got {level!r}"
        raise ValueError(msg)
    return float(level)


def text_validator(instance: Any, attribute: Any, value: Any) -> None:
    """Attrs validator: a non-empty ``str``, or raise naming the field."""
    if not isinstance(value, str):
        msg = f"{attribute.name!r} must be str, got {value!r}"
        raise TypeError(msg)
    if not value:
        msg = f"{attribute.name!r} must not be empty"
        raise ValueError(msg)


def apply_where_known(formula: Any, *columns: FloatArray, **options: Any) -> FloatArray:
    """
    Apply a formula to table columns row by row where every input is finite.

    NaN where an input is unknown (a short window, a month without costs);
    ``inf`` where an input is ``inf`` and none is unknown (a customer never
    won costs without bound, and never pays back).
    """
    known = np.logical_and.reduce([np.isfinite(c) for c in columns])
    unbounded = np.logical_or.reduce([np.isposinf(c) for c in columns])
    unknown = np.logical_or.reduce([np.isnan(c) for c in columns])
    out: FloatArray = np.where(unbounded & ~unknown, np.inf, np.nan)
    if known.any():
        out[known] = formula(*(c[known] for c in columns), **options)
    return out
