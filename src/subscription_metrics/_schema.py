"""Table validation and entity <-> DataFrame conversion, derived from the entities."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, TypeVar

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

from ._columns import ColumnSpec, TableSchema, column_specs
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._money import Rounding

__all__ = [
    "Amounts",
    "absent_column",
    "check_frame",
    "check_labels",
    "check_table",
    "from_frame",
    "is_absent",
    "to_frame",
    "validate",
]

Amounts = Literal["minor", "major"]
E = TypeVar("E")

_TZ_SUFFIX = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


MISSING_LABEL: Final = "<missing>"
"""How a problem quotes a row whose label is missing (None, NaN, NaT)."""


def absent_column(index: pd.Index) -> pd.Series:
    """
    Return an optional column the table lacks: None in every row, in no memory.

    The values are one None seen through a read-only zero-stride view, so an
    absent column costs nothing per row however long the table (an object
    array of None would cost 8 bytes a row, and the time to fill it).
    Writing through pandas copies first; `is_absent` recognises it.

    Examples
    --------
    >>> column = absent_column(pd.RangeIndex(3))
    >>> column.tolist(), str(column.dtype), is_absent(column)
    ([None, None, None], 'object', True)
    """
    values = np.broadcast_to(np.array([None], dtype=object), (len(index),))
    return pd.Series(values, index=index, dtype=object, copy=False)


def is_absent(series: pd.Series) -> bool:
    """
    Whether `series` is None in every row by construction (see `absent_column`).

    True only for a zero-stride object array whose one value is None, so a
    column found True holds None in every row whatever built it.

    Examples
    --------
    >>> is_absent(pd.Series([None, None], dtype=object))
    False
    """
    if series.dtype != object or not len(series):
        return False
    values = series.to_numpy()
    return values.strides == (0,) and values[0] is None


def _label_text(label: object) -> str:
    if label is None or label is pd.NA or label is pd.NaT:
        return MISSING_LABEL
    if isinstance(label, float) and math.isnan(label):
        return MISSING_LABEL
    return str(label)


def _labels(index: pd.Index, mask: npt.NDArray[np.bool_]) -> tuple[str, ...]:
    return tuple(_label_text(label) for label in index[mask][:MAX_EXAMPLES])


class _Checker:
    """Collects the problems of one table while converting its columns."""

    def __init__(self, table: str, frame: pd.DataFrame) -> None:
        self.table = table
        self.index = frame.index
        self.problems: list[Problem] = []
        self.months: dict[str, npt.NDArray[np.int64]] = {}

    def add(
        self,
        column: str,
        rule: str,
        mask: npt.NDArray[np.bool_] | None = None,
        *,
        detail: str = "",
        examples: Sequence[str] | None = None,
    ) -> None:
        count = 0 if mask is None else int(mask.sum())
        if mask is not None and count == 0:
            return
        if examples is None:
            examples = () if mask is None else _labels(self.index, mask)
        self.problems.append(
            Problem(
                table=self.table,
                column=column,
                rule=rule,
                count=count,
                examples=tuple(examples),
                detail=detail,
            )
        )


_INT64_MAX = np.iinfo(np.int64).max
_UNITS = ("ns", "us", "ms", "s")


def _text_dtype() -> Any:
    """Return the dtype pandas gives a column of Python strings (str or object)."""
    return pd.Series(["a"]).dtype


def _from_arrow(series: pd.Series, dtype: pd.ArrowDtype) -> pd.Series:
    """Return a pyarrow-backed column in the numpy-backed dtype of its values."""
    import pyarrow as pa

    kind = dtype.pyarrow_dtype
    has_null = bool(series.isna().any())
    target: Any = object
    if pa.types.is_timestamp(kind):
        target = (
            pd.DatetimeTZDtype(kind.unit, kind.tz)
            if kind.tz is not None
            else np.dtype(f"M8[{kind.unit}]")
        )
    elif pa.types.is_date(kind):
        target = np.dtype("M8[s]")
    elif pa.types.is_unsigned_integer(kind):
        target = "UInt64" if has_null else np.uint64
    elif pa.types.is_integer(kind):
        target = "Int64" if has_null else np.int64
    elif pa.types.is_floating(kind):
        target = np.float64
    elif pa.types.is_boolean(kind):
        target = "boolean"
    elif (
        pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or getattr(pa.types, "is_string_view", lambda _: False)(kind)
    ):
        target = _text_dtype()
    elif pa.types.is_dictionary(kind):
        return _canonical(series.astype(object).astype("category"))
    return series.astype(target)


def _canonical(series: pd.Series) -> pd.Series:
    """
    Return a column in the representation the checks read.

    Categoricals become their values, pyarrow-backed columns their
    numpy-backed (or nullable) counterpart, nullable floats float64 and
    nullable integers without missing values int64; anything else is
    returned as it is. Values never change, only their representation.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        if not len(dtype.categories):  # every value missing
            return series.astype(object)
        codes = series.cat.codes.to_numpy()
        values = pd.Series(
            dtype.categories.take(np.maximum(codes, 0)),
            index=series.index,
            name=series.name,
        )
        missing = codes < 0
        if missing.any():
            if pd.api.types.is_integer_dtype(values.dtype):
                values = values.astype("Int64")
            values = values.where(~missing)
        return _canonical(values)
    if isinstance(dtype, pd.ArrowDtype):
        return _canonical(_from_arrow(series, dtype))
    if isinstance(dtype, pd.StringDtype) and dtype != _text_dtype():
        return series.astype(_text_dtype())
    if isinstance(dtype, pd.Float64Dtype | pd.Float32Dtype):
        return series.astype(np.float64)
    if isinstance(dtype, pd.Int64Dtype | pd.Int32Dtype | pd.Int16Dtype | pd.Int8Dtype):
        return series if series.isna().any() else series.astype(np.int64)
    return series


def _check_labels(
    check: _Checker, frame: pd.DataFrame, *, relevant: Iterable[str] | None = None
) -> list[str] | None:
    """
    Record problems with the column labels, for `check_table` and `check_frame`.

    MultiIndex columns are one problem, and None is returned: no column can
    be read. Otherwise each repeated label (of those in `relevant`, when
    given) is a problem, and the repeated labels reported are returned.
    """
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        check.add(
            "(columns)",
            "one header row",
            detail=f"the columns are a MultiIndex of {columns.nlevels} levels; "
            "flatten them to one name per column first",
        )
        return None
    repeated = list(pd.unique(columns[columns.duplicated()]))
    if relevant is not None:
        wanted = set(relevant)
        repeated = [label for label in repeated if label in wanted]
    for label in repeated:
        times = int((columns == label).sum())
        check.add(
            str(label),
            "unique column name",
            detail=f"the column appears {times} times; keep one",
        )
    return [str(label) for label in repeated]


def check_labels(
    frame: pd.DataFrame, table: str, relevant: Iterable[str]
) -> list[Problem]:
    """
    Return the problems of a table's column labels, for tables read by name.

    For functions that read a few named columns of a table whose other
    columns may be anything (the accounts a tier policy reads): MultiIndex
    columns, and a `relevant` column that appears more than once.
    """
    check = _Checker(table, frame)
    _check_labels(check, frame, relevant=relevant)
    return check.problems


def _same_resolution(dates: dict[str, pd.Series]) -> dict[str, pd.Series]:
    """
    Bring a table's date columns to one resolution, the finest that holds them.

    Non-nanosecond columns (a year-2500 ``datetime64[s]``, say) are valid;
    mixing them with nanosecond columns would overflow when one fills or
    compares the other.
    """
    units = {str(s.dt.unit) for s in dates.values()}
    if len(units) <= 1:
        return dates
    finest = min(_UNITS.index(unit) for unit in units if unit in _UNITS)
    for unit in _UNITS[finest:]:
        try:
            return {col: s.dt.as_unit(unit) for col, s in dates.items()}
        except (pd.errors.OutOfBoundsDatetime, OverflowError):
            continue
    return dates


def _is_string_like(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) or series.dtype == object


def _check_id(check: _Checker, name: str, series: pd.Series, spec: ColumnSpec) -> None:
    null = series.isna().to_numpy()
    if pd.api.types.is_integer_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
        series.dtype
    ):
        pass
    elif _is_string_like(series):
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind not in ("string", "empty"):
            bad = ~null & ~series.map(lambda v: isinstance(v, str)).to_numpy(bool)
            check.add(name, "wrong type", bad, detail="identifiers must be str or int")
        else:
            empty = ~null & (series.str.len() == 0).to_numpy(bool, na_value=False)
            check.add(name, "not empty", empty, detail="identifiers must be non-empty")
    else:
        check.add(
            name,
            "wrong type",
            np.ones(len(series), bool),
            detail=f"identifiers must be str or int, got dtype {series.dtype}",
        )
        return
    if not spec.nullable:
        check.add(name, "not missing", null)


def _check_text(
    check: _Checker, name: str, series: pd.Series, spec: ColumnSpec
) -> None:
    null = series.isna().to_numpy()
    if not _is_string_like(series):
        if null.all() and spec.nullable:
            return
        check.add(
            name,
            "wrong type",
            ~null,
            detail=f"expected text, got dtype {series.dtype}",
        )
        return
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind not in ("string", "empty"):
        bad = ~null & ~series.map(lambda v: isinstance(v, str)).to_numpy(bool)
        check.add(name, "wrong type", bad, detail="expected text")
    if not spec.nullable:
        check.add(name, "not missing", null)


def _aware_mask(values: pd.Series) -> npt.NDArray[np.bool_]:
    """Which elements of an object column carry a time zone (slow path only)."""

    def aware(value: Any) -> bool:
        if isinstance(value, str):
            return bool(_TZ_SUFFIX.search(value.strip()))
        return getattr(value, "tzinfo", None) is not None

    return values.map(aware).to_numpy(bool)


def _to_datetime(
    check: _Checker, name: str, series: pd.Series, spec: ColumnSpec
) -> pd.Series | None:
    """Return the column as datetime64 (naive or one time zone), or None."""
    null = series.isna().to_numpy()
    converted: pd.Series
    if series.dtype == object and (
        pd.api.types.infer_dtype(series, skipna=True) == "period"
    ):
        # Period objects of one frequency: read as the Period dtype they are.
        try:
            periods = pd.array(
                [None if gone else v for v, gone in zip(series, null, strict=True)]
            )
        except (TypeError, ValueError):  # mixed frequencies: checked below
            periods = None
        if periods is not None and isinstance(periods.dtype, pd.PeriodDtype):
            as_periods = pd.Series(periods, index=series.index, name=series.name)
            return _to_datetime(check, name, as_periods, spec)
    if isinstance(series.dtype, pd.PeriodDtype):
        # Day periods are dates; monthly periods name months, not days.
        allowed = [pd.PeriodDtype("D")]
        if spec.kind == "month":
            allowed.append(pd.PeriodDtype("M"))
        if series.dtype not in allowed:
            check.add(
                name,
                "wrong type",
                ~null,
                detail=f"expected dates, or Period[D] (Period[M] for months), "
                f"got {series.dtype}",
            )
            return None
        converted = series.dt.to_timestamp()
    elif pd.api.types.is_datetime64_any_dtype(series.dtype):
        converted = series
    elif _is_string_like(series) or series.dtype == object:
        present = series[~null]
        aware = _aware_mask(present)
        if aware.any() and not aware.all():
            mixed = np.zeros(len(series), bool)
            mixed[np.flatnonzero(~null)[aware]] = True
            check.add(
                name,
                "mixed time-zone-aware and naive dates",
                mixed,
                detail="make every date naive, or every date aware in one zone",
            )
            return None
        try:
            converted = pd.to_datetime(series, errors="coerce", format="mixed")
        except (ValueError, TypeError) as exc:
            check.add(
                name,
                "mixed time zones",
                ~null,
                detail=f"dates must share one time zone ({exc})",
            )
            return None
        if not pd.api.types.is_datetime64_any_dtype(converted.dtype):
            check.add(
                name,
                "mixed time zones",
                ~null,
                detail="dates must share one time zone",
            )
            return None
        unparsed = converted.isna().to_numpy() & ~null
        check.add(name, "not a date", unparsed)
        if unparsed.any():
            return None
    else:
        check.add(
            name,
            "wrong type",
            ~null,
            detail=f"expected dates, got dtype {series.dtype}",
        )
        return None
    if not spec.nullable:
        check.add(name, "not missing", null)
    if spec.kind == "month" and not null.all():
        from .periods import _array_months

        present = converted[~null] if null.any() else converted
        ordinals, at_start = _array_months(present)
        if not null.any():
            check.months[name] = ordinals
        not_first = np.zeros(len(series), bool)
        not_first[~null] = ~at_start
        check.add(
            name,
            "first day of a month",
            not_first,
            detail="months are named by their first day at midnight",
        )
    return converted


def _to_money(
    check: _Checker,
    name: str,
    series: pd.Series,
    currency: pd.Series | None,
    *,
    amounts: Amounts,
    rounding: Rounding,
) -> pd.Series | None:
    """Return the column as int64 minor units, or None after recording problems."""
    from . import _money

    null = series.isna().to_numpy()
    check.add(name, "not missing", null)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype):
        check.add(name, "wrong type", ~null, detail="amounts must be real numbers")
        return None
    if pd.api.types.is_unsigned_integer_dtype(dtype):
        values = series.to_numpy(np.uint64, na_value=0)
        _beyond_int64(check, name, values > _INT64_MAX)
        if (values > _INT64_MAX).any():
            return None
    numeric = pd.api.types.is_numeric_dtype(dtype)
    if numeric and pd.api.types.is_float_dtype(dtype):
        values = series.to_numpy(np.float64, na_value=np.nan)
        infinite = np.isinf(values)
        check.add(name, "finite", infinite | np.isnan(values) & ~null)
        if infinite.any():
            return None
    if null.any():
        return None
    if amounts == "minor":
        if pd.api.types.is_integer_dtype(dtype):
            return series.astype(np.int64)
        if numeric:
            values = series.to_numpy(np.float64)
            fractional = values != np.round(values)
            check.add(
                name,
                "integer minor units",
                fractional,
                detail="amounts are minor units (yen, cents); "
                "pass amounts='major' for major-unit amounts",
            )
            if fractional.any():
                return None
            if (np.abs(values) >= 2.0**53).any():
                check.add(
                    name,
                    "integer minor units",
                    np.abs(values) >= 2.0**53,
                    detail="float amounts beyond 2**53 are not exact; pass integers",
                )
                return None
            return pd.Series(values.astype(np.int64), index=series.index, name=name)
        kind = pd.api.types.infer_dtype(series, skipna=True)
        if kind == "integer":
            try:
                return series.astype(np.int64)
            except OverflowError:
                # A Python int beyond int64: find which (slow, failing column only).
                low, high = -(2**63), 2**63
                beyond = series.map(lambda v: not low <= v < high).to_numpy(bool)
                _beyond_int64(check, name, beyond)
                return None
        flagged = _text_amounts(check, name, series, minor=True)
        # A bool is an int to Python, but True is not an amount.
        integer = series.map(
            lambda v: isinstance(v, int | np.integer) and not isinstance(v, bool)
        ).to_numpy(bool)
        check.add(
            name,
            "wrong type",
            ~flagged & ~integer,
            detail=f"minor units must be integers, got {kind} values; convert "
            "text with pd.to_numeric, or pass amounts='major' for decimal strings "
            "or Decimals",
        )
        return None
    if currency is None:
        return None
    if not numeric and _text_amounts(check, name, series, minor=False).any():
        return None
    try:
        minor = _money.to_minor_units(series, currency.to_numpy(), rounding=rounding)
    except _money.InexactAmountError as exc:
        check.add(name, "exact in minor units", None, detail=str(exc))
        return None
    except (TypeError, ValueError) as exc:
        check.add(name, "convertible to minor units", None, detail=str(exc))
        return None
    return pd.Series(np.asarray(minor, np.int64), index=series.index, name=name)


_NUMBER = r"\d[\d,.' \u00a0]*"
_CURRENCY_SYMBOL = re.compile(
    rf"^\s*[-+]?\s*[^\d\s.,+-]+\s*[-+]?\s*{_NUMBER}\s*$"
    rf"|^\s*[-+]?\s*{_NUMBER}\s*[^\d\s.,+-]+\s*$"
)
_THOUSANDS = re.compile(r"^\s*[-+]?\d{1,3}([,' \u00a0_]\d{3})+(\.\d+)?\s*$")
_DECIMAL = re.compile(r"^\s*[-+]?\d*\.\d+\s*$")


def _text_amounts(
    check: _Checker, name: str, series: pd.Series, *, minor: bool
) -> npt.NDArray[np.bool_]:
    """
    Record the amounts written as text the way people write money, and mark them.

    A currency symbol or code (``'¥80000'``, ``'$1,200.00'``, ``'99 EUR'``) and
    thousands separators (``'50,000'``) are their own rules, with what to pass
    instead; so, for minor units, is a decimal string (``'99.50'``), which
    reads as major units.
    """
    kind = pd.api.types.infer_dtype(series, skipna=True)
    flagged = np.zeros(len(series), bool)
    if kind == "string":
        is_text = np.ones(len(series), bool)
    elif kind.startswith("mixed"):  # some text among numbers or Decimals
        is_text = series.map(lambda v: isinstance(v, str)).to_numpy(bool)
    else:
        return flagged
    if not is_text.any():
        return flagged
    text = series[is_text].astype(str)
    symbol = np.zeros(len(series), bool)
    symbol[is_text] = text.str.match(_CURRENCY_SYMBOL).to_numpy(bool)
    check.add(
        name,
        "no currency symbol",
        symbol,
        detail="amounts hold a currency symbol or code, such as "
        f"{_first(series, symbol)}; remove it (the currency column says the "
        "currency) and pass "
        + (
            "minor units as integers, or major units with amounts='major'"
            if minor
            else "the numbers"
        ),
    )
    thousands = np.zeros(len(series), bool)
    thousands[is_text] = text.str.match(_THOUSANDS).to_numpy(bool)
    thousands &= ~symbol
    check.add(
        name,
        "no thousands separator",
        thousands,
        detail="amounts hold thousands separators, such as "
        f"{_first(series, thousands)}; remove them "
        "(pd.read_csv(..., thousands=',') does) and pass numbers",
    )
    flagged = symbol | thousands
    if minor:
        decimal = np.zeros(len(series), bool)
        decimal[is_text] = text.str.match(_DECIMAL).to_numpy(bool)
        decimal &= ~flagged
        check.add(
            name,
            "integer minor units",
            decimal,
            detail="amounts are minor units (yen, cents), and text with decimals "
            "reads as major units; pass amounts='major' for amounts such as "
            f"{_first(series, decimal)}",
        )
        flagged |= decimal
    return flagged


def _first(series: pd.Series, mask: npt.NDArray[np.bool_]) -> str:
    """Return the first value where `mask` holds, quoted (empty if none)."""
    rows = np.flatnonzero(mask)
    return repr(series.iloc[rows[0]]) if len(rows) else ""


def _beyond_int64(check: _Checker, name: str, mask: npt.NDArray[np.bool_]) -> None:
    check.add(
        name,
        "within int64",
        mask,
        detail="minor units must lie in [-2**63, 2**63) to be summed exactly",
    )


def _beyond_int64_value(value: Any) -> bool:
    """Whether one value of an object column is an integer beyond int64."""
    return (
        isinstance(value, int | np.integer)
        and not isinstance(value, bool | np.bool_)
        and not -(2**63) <= int(value) < 2**63
    )


def _is_real(value: Any) -> bool:
    """Whether one value of an object column is a real number (not bool)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def _check_number(
    check: _Checker, name: str, series: pd.Series, spec: ColumnSpec
) -> pd.Series | None:
    null = series.isna().to_numpy()
    if series.dtype == object:
        if null.any():  # None, NA and NaT beside numbers: missing, as NaN
            series = series.where(~null, np.nan)
        if spec.kind == "count":
            beyond = series.map(_beyond_int64_value).to_numpy(bool)
            if beyond.any():
                _beyond_int64(check, name, beyond)
                return None
        if null.all():
            series = pd.Series(np.nan, index=series.index, name=series.name)
        elif pd.api.types.infer_dtype(series, skipna=True) in (
            "integer",
            "floating",
            "mixed-integer-float",
        ):
            series = pd.to_numeric(series)  # Python numbers in an object column
    dtype = series.dtype
    if not spec.nullable:
        check.add(name, "not missing", null)
    if (
        not pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
        or pd.api.types.is_complex_dtype(dtype)
    ):
        bad = ~null
        if series.dtype == object:  # name only the rows that are not numbers
            bad &= ~series.map(_is_real).to_numpy(bool)
        check.add(name, "wrong type", bad, detail="expected real numbers")
        return None
    values = series.to_numpy(np.float64, na_value=np.nan)
    check.add(name, "finite", np.isinf(values))
    if spec.kind == "count":
        with np.errstate(invalid="ignore"):
            fractional = ~null & (values != np.round(values))
            beyond = ~null & (np.abs(values) >= 2.0**63)
        check.add(name, "whole number", fractional)
        _beyond_int64(check, name, beyond)
        check.add(name, "not negative", ~null & (values < 0))
        return series
    low_bad = np.zeros(len(values), bool)
    if spec.low is not None:
        low_bad = values <= spec.low if spec.low_open else values < spec.low
    high_bad = values > spec.high if spec.high is not None else np.zeros_like(low_bad)
    check.add(name, spec.bounds, ~null & (low_bad | high_bad))
    return series


def _constant_text(series: pd.Series) -> str | None:
    """
    Return the one value of a pyarrow-backed text column of one repeated value.

    Reads the Arrow buffers: every value has the first one's byte length and
    its bytes. None for any other column
    (missing values, other dtypes, several values), so callers fall back.
    """
    dtype = series.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa

    text = pa.array(series.array)  # the Arrow data itself, through __arrow_array__
    if isinstance(text, pa.ChunkedArray):
        if text.num_chunks != 1:
            return None
        text = text.chunk(0)
    n = len(text)
    if not n or text.null_count or text.type not in (pa.string(), pa.large_string()):
        return None
    offset_type = np.int32 if text.type == pa.string() else np.int64
    offsets = np.frombuffer(text.buffers()[1], offset_type)[
        text.offset : text.offset + n + 1
    ]
    start = int(offsets[0])
    width = int(offsets[1]) - start
    if not 0 < width <= 64 or int(offsets[-1]) - start != n * width:
        return None
    data = np.frombuffer(text.buffers()[2], np.uint8)[start : start + n * width]
    # In blocks, so every temporary stays small and in cache (fresh memory
    # for a whole column costs more in page faults than the comparisons).
    # Whole blocks are compared eight bytes at a time (a block of 2**16
    # values is a multiple of 8 bytes), the last one byte by byte.
    step = 1 << 16
    pattern = np.frombuffer(data[:width].tobytes() * step, np.uint8)
    words = pattern.view(np.uint64)
    steps = np.arange(step + 1, dtype=offset_type) * width
    for low in range(0, n, step):
        bounds = offsets[low : low + step + 1]
        if not np.array_equal(bounds, steps[: len(bounds)] + bounds[0]):
            return None
        block = data[low * width : (low + step) * width]
        if len(block) == len(pattern):
            if not np.array_equal(block.view(np.uint64), words):
                return None
        elif not np.array_equal(block, pattern[: len(block)]):
            return None
    value: str = text[0].as_py()
    return value


def distinct_values(
    series: pd.Series, null: npt.NDArray[np.bool_] | None = None
) -> list[Any]:
    """
    Return the distinct non-missing values of a column, in order of appearance.

    A column of one repeated value (the usual currency column) is recognised
    by one vectorised comparison with its first value, which is several
    times faster than hashing every row. `null` is the column's missing
    mask, if already known.
    """
    constant = _constant_text(series)
    if constant is not None:
        return [constant]
    if null is None:
        null = series.isna().to_numpy(bool)
    present = series[~null] if null.any() else series
    if not len(present):
        return []
    first = present.iloc[0]
    try:
        same = bool(np.asarray(present == first, dtype=bool).all())
    except (TypeError, ValueError):  # values that do not compare elementwise
        same = False
    if same:
        return [first]
    return list(pd.unique(present))


def _check_currency(
    check: _Checker, name: str, series: pd.Series, *, nullable: bool = False
) -> None:
    from ._money import CURRENCY_EXPONENTS

    null = series.isna().to_numpy()
    if not nullable:
        check.add(name, "not missing", null)
    codes = distinct_values(series, null)
    unknown = [code for code in codes if code not in CURRENCY_EXPONENTS]
    if unknown:
        bad = series.isin(unknown).to_numpy(bool)
        check.add(
            name,
            "known ISO 4217 code",
            bad,
            detail="unknown codes: " + ", ".join(repr(c) for c in unknown[:5]),
        )


def _upper_case_codes(series: pd.Series) -> pd.Series:
    """Return currency codes in upper case ('usd' is USD); other values as they are."""
    from ._currencies import known_code

    def canonical(code: Any) -> Any:
        return code if (known := known_code(code)) is None else known

    # Usually every code is already canonical: then no positions are needed.
    if all(
        not isinstance(code, str) or canonical(code) == code
        for code in distinct_values(series)
    ):
        return series
    positions, uniques = pd.factorize(series, use_na_sentinel=True)
    upper = [canonical(code) for code in uniques]
    changed = [
        i
        for i, code in enumerate(uniques)
        if isinstance(code, str) and upper[i] != code
    ]
    if not changed:
        return series
    # A categorical column has no room for the new codes among its categories.
    categorical = isinstance(series.dtype, pd.CategoricalDtype)
    out = series.astype(object) if categorical else series.copy()
    rows = np.isin(positions, changed)
    out[rows] = np.asarray(upper, dtype=object)[positions[rows]]
    return out


def _check_enum(
    check: _Checker, name: str, series: pd.Series, spec: ColumnSpec
) -> None:
    assert spec.enum is not None
    null = series.isna().to_numpy()
    allowed = [member.value for member in spec.enum]
    bad = ~null & ~series.isin([*allowed, *spec.enum]).to_numpy(bool)
    check.add(
        name,
        "allowed value",
        bad,
        detail="allowed: " + ", ".join(repr(value) for value in allowed),
    )
    if not spec.nullable:
        check.add(name, "not missing", null)


def _may_repeat(series: pd.Series) -> bool:
    """Cheap first look for repeats: sorting integers beats hashing them."""
    if pd.api.types.is_integer_dtype(series.dtype) and isinstance(
        series.dtype, np.dtype
    ):
        values = np.sort(series.to_numpy())
        return bool((values[1:] == values[:-1]).any())
    return True


def _repeated_keys(
    frame: pd.DataFrame, key: tuple[str, ...], months: dict[str, npt.NDArray[np.int64]]
) -> npt.NDArray[np.bool_]:
    """
    Mark every row whose `key` columns repeat another row's (all copies).

    ``frame.duplicated(key, keep=False)``, faster: each key column is coded
    as small ints (a month column by the month ordinals the check computed;
    ids by `_usage.sorted_codes`, which needs no hashing for integer ids or
    ids of one byte length), the codes are packed into one int, and repeats
    are counted by a table over the packed range or found by a sort.
    """
    from ._usage import sorted_codes

    n = len(frame)
    packed = np.zeros(n, np.int64)
    span = 1
    for col in key:
        if col in months and len(months[col]) == n:
            code = months[col] - int(months[col].min(initial=0))
        elif frame[col].isna().any():
            return np.asarray(frame.duplicated(list(key), keep=False), np.bool_)
        else:
            code, _ = sorted_codes(frame[col])
        width = int(code.max(initial=0)) + 1
        if span * width >= 2**62:
            return np.asarray(frame.duplicated(list(key), keep=False), np.bool_)
        packed *= width
        packed += code
        span *= width
    if span <= 4 * n + 1024:
        return np.asarray(np.bincount(packed, minlength=span)[packed] > 1, np.bool_)
    ordered = np.sort(packed)
    again = ordered[1:][ordered[1:] == ordered[:-1]]
    return np.asarray(np.isin(packed, again), np.bool_)


def check_table(
    frame: pd.DataFrame,
    entity: type | TableSchema,
    *,
    amounts: Amounts = "minor",
    rounding: Rounding = "half_even",
    table: str | None = None,
    months: dict[str, npt.NDArray[np.int64]] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """
    Return the converted table and every problem found (empty when valid).

    When `months` is a dict, it receives the month ordinals of every
    ``month`` column, which the check computes anyway.
    """
    name = table or str(entity.TABLE)  # type: ignore[union-attr]
    if not isinstance(frame, pd.DataFrame):
        msg = f"{name!r} must be a pandas DataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    check = _Checker(name, frame)
    specs = column_specs(entity)
    out = frame.copy(deep=False)
    labels = _check_labels(check, frame)
    if labels is None or labels:
        return out, check.problems
    for col in out.columns:
        # Categorical, pyarrow-backed and nullable columns are read as their
        # values; extra columns keep their dtype unless pyarrow-backed.
        if col in specs or isinstance(out[col].dtype, pd.ArrowDtype):
            canonical = _canonical(out[col])
            if canonical is not out[col]:
                out[col] = canonical
    fields = (
        {a.name: a for a in attrs.fields(entity)} if isinstance(entity, type) else {}
    )
    missing = [col for col, spec in specs.items() if spec.required and col not in out]
    for col in missing:
        check.add(
            col, "missing column", detail=f"columns present: {list(frame.columns)}"
        )
    for col, spec in specs.items():
        if spec.kind == "currency" and col in out:
            out[col] = _upper_case_codes(out[col])
    dates: dict[str, pd.Series] = {}
    absent_dates: list[str] = []
    for col, spec in specs.items():
        if col not in out:
            if not spec.required:
                default = fields[col].default if col in fields else None
                if default is None and spec.kind in ("date", "month"):
                    absent_dates.append(col)  # NaT once the others are known
                elif default is None:
                    out[col] = absent_column(out.index)
                else:
                    out[col] = default
            continue
        series = out[col]
        if spec.kind == "id":
            _check_id(check, col, series, spec)
        elif spec.kind == "text":
            _check_text(check, col, series, spec)
        elif spec.kind in ("date", "month") and series.isna().all():
            # Entirely empty, whatever its dtype (all-NaN floats from read_csv,
            # None, NaT in another zone): as if absent.
            if not spec.nullable:
                check.add(col, "not missing", series.isna().to_numpy(bool))
            absent_dates.append(col)
        elif spec.kind in ("date", "month"):
            converted = _to_datetime(check, col, series, spec)
            if converted is not None:
                out[col] = converted
                dates[col] = converted
        elif spec.kind == "money":
            currency = out["currency"] if "currency" in out else None
            empty = series.isna().to_numpy(bool) if spec.nullable else None
            optional_currency = "currency" in specs and specs["currency"].nullable
            if empty is not None and currency is not None and optional_currency:
                # An optional amount and its currency come together or not at all.
                alone = empty != currency.isna().to_numpy(bool)
                check.add(
                    f"{col}, currency",
                    "both or neither",
                    alone,
                    detail="an amount needs its currency, a currency its amount",
                )
            if empty is not None and empty.any():
                # An optional amount may be empty: convert the others, keep
                # the empty ones missing (nullable Int64).
                series = series.where(~empty, 0)
                if currency is not None:
                    currency = currency.where(currency.notna() | ~empty, "USD")
            money = _to_money(
                check,
                col,
                series,
                currency,
                amounts=amounts,
                rounding=rounding,
            )
            if money is not None:
                if empty is not None and empty.any():
                    money = money.astype("Int64").mask(empty)
                out[col] = money
                if not spec.signed:
                    negative = (money < 0).to_numpy(bool, na_value=False)
                    check.add(col, "not negative", negative)
        elif spec.kind == "currency":
            _check_currency(check, col, series, nullable=spec.nullable)
        elif spec.kind == "enum":
            _check_enum(check, col, series, spec)
        elif spec.kind in ("count", "number"):
            number = _check_number(check, col, series, spec)
            if number is not None and series.dtype == object:
                out[col] = number  # Python numbers and NA-likes, as numbers
        if spec.unique and col in out and _may_repeat(out[col]):
            duplicated = out[col].duplicated(keep=False).to_numpy(bool)
            if duplicated.any():
                values = pd.unique(out[col][duplicated])[:MAX_EXAMPLES]
                check.add(
                    col,
                    "unique",
                    duplicated,
                    examples=[str(v) for v in values],
                    detail="each value may appear once",
                )
    # Absent optional dates are NaT in the time zone of the table's other
    # dates, so row rules compare them fast and without mixing zones.
    dates = _same_resolution(dates)
    for col, converted in dates.items():
        out[col] = converted
    zone_like = next(iter(dates.values())).dtype if dates else np.dtype("M8[ns]")
    for col in absent_dates:
        out[col] = pd.Series(pd.NaT, index=out.index, dtype=zone_like)
    key = tuple(getattr(entity, "KEY", ()))
    if len(key) > 1 and set(key) <= set(out.columns):
        # Month ordinals stand for the dates only where every date is the
        # first of its month (else two days of one month would look alike).
        exact = {
            col: ordinals
            for col, ordinals in check.months.items()
            if not any(p.column == col for p in check.problems)
        }
        repeated = _repeated_keys(out, key, exact)
        if repeated.any():
            check.add(
                ", ".join(key),
                "unique",
                repeated,
                detail=f"each ({', '.join(key)}) may appear once",
            )
    zones = {col: s.dt.tz for col, s in dates.items() if not s.isna().all()}
    if len({tz is None for tz in zones.values()}) > 1:
        check.add(
            ", ".join(zones),
            "mixed time-zone-aware and naive dates",
            detail="; ".join(f"{col}: {tz or 'naive'}" for col, tz in zones.items()),
        )
    elif len({str(tz) for tz in zones.values()}) > 1:
        check.add(
            ", ".join(zones),
            "mixed time zones",
            detail="; ".join(f"{col}: {tz}" for col, tz in zones.items()),
        )
    else:
        broken = {part for p in check.problems for part in p.column.split(", ")}
        for rule in entity.ROW_RULES:  # type: ignore[union-attr]
            if broken.intersection(rule.columns) or not set(rule.columns) <= set(out):
                continue
            valid = rule.check(*(out[col] for col in rule.columns))
            check.add(
                ", ".join(rule.columns),
                rule.name,
                ~np.asarray(valid, bool),
                detail=rule.detail,
            )
    if months is not None:
        months.update(check.months)
    return out, check.problems


def check_frame(
    frame: pd.DataFrame,
    schema: TableSchema,
    *,
    index: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """
    Check a table that no entity describes, as `check_table` checks an entity's.

    With `index`, the row labels are checked as the schema's column of that
    name (one level only; a unique id column gives "each account once").
    Repeated column names and MultiIndex columns are problems, not crashes.
    Returns the converted table (indexed like `frame`, the labels also in
    the `index` column) and every problem found.
    """
    name = schema.TABLE
    if not isinstance(frame, pd.DataFrame):
        msg = f"{name!r} must be a pandas DataFrame, got {type(frame).__name__}"
        raise TypeError(msg)
    check = _Checker(name, frame)
    twice = _check_labels(check, frame, relevant=schema.columns)
    if twice is None:
        return frame, check.problems
    repeated = frame.columns.duplicated(keep=False)
    out = frame.loc[:, ~repeated] if repeated.any() else frame.copy(deep=False)
    columns = {c: s for c, s in schema.columns.items() if c not in twice}
    if index is not None:
        if isinstance(frame.index, pd.MultiIndex):
            check.add(
                index,
                "one index level",
                detail=f"index the rows by {index} only, got levels "
                f"{list(frame.index.names)}",
            )
            columns.pop(index, None)
        else:
            out = out.copy(deep=False)
            out[index] = frame.index.to_series()
    used = attrs.evolve(schema, columns=columns)
    out, found = check_table(out, used, table=name)
    present = f"columns present: {list(frame.columns)}"
    found = [
        attrs.evolve(p, detail=present) if p.rule == "missing column" else p
        for p in found
    ]
    return out, check.problems + found


def validate(
    frame: pd.DataFrame,
    entity: type,
    *,
    amounts: Amounts = "minor",
    rounding: Rounding = "half_even",
) -> pd.DataFrame:
    """
    Check a table against an entity's columns and return it in canonical form.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table. Columns beyond the entity's fields are kept as they are
        (customer attributes for ``by=``, say).
    entity : type
        The entity class whose fields are the table's columns, such as
        `Subscription`.
    amounts : {'minor', 'major'}, default 'minor'
        What money columns hold: integer minor units (yen, cents), or
        major units (floats, decimal strings, `decimal.Decimal`) to convert
        once, exactly, with `rounding`.
    rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
        How major units with more decimals than the currency are rounded.

    Returns
    -------
    pandas.DataFrame
        A shallow copy with money as int64 minor units, dates as datetime64,
        and every optional column present (filled with its default).

    Raises
    ------
    InvalidTableError
        Listing every problem: table, column, rule, number of rows and a
        few row labels.
    TypeError
        If `frame` is not a DataFrame.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Subscription, frames
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c1"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-03-01"]),
    ...     "end": pd.to_datetime(["2024-02-01", "2024-02-01"]),
    ...     "mrr": [100, -5], "currency": ["USD", "USD"]})
    >>> frames.validate(subs, Subscription)
    Traceback (most recent call last):
    subscription_metrics.InvalidTableError: 2 problems in the input:
      - subscriptions.mrr: not negative: 1 row (e.g. 1)
      - subscriptions.start, end: end not before start: 1 row (e.g. 1); ...
    """
    out, problems = check_table(frame, entity, amounts=amounts, rounding=rounding)
    if problems:
        raise InvalidTableError(problems)
    return out


def _python_value(value: Any, spec: ColumnSpec) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if spec.kind in ("date", "month"):
        return (
            pd.Timestamp(value).date()
            if not isinstance(value, dt.date) or (isinstance(value, dt.datetime))
            else value
        )
    if spec.kind == "id":
        return value if isinstance(value, str) else str(value)
    if spec.kind in ("money", "count"):
        return int(value)
    if spec.kind == "number":
        return float(value)
    return value


def to_frame(entities: Iterable[Any], *, entity: type | None = None) -> pd.DataFrame:
    """
    Turn entities into a table whose columns are the entity's fields.

    Parameters
    ----------
    entities : iterable of entity
        Instances of one entity class, such as `Subscription`.
    entity : type, optional
        The entity class; needed only when `entities` is empty, to name the
        columns.

    Returns
    -------
    pandas.DataFrame
        One row per entity, columns in field order; dates as datetime64,
        enums as their string values, ``None`` as missing.

    Raises
    ------
    TypeError
        If the entities are of different classes, or the class cannot be
        known (empty input and no `entity`).

    Examples
    --------
    >>> import datetime as dt
    >>> from subscription_metrics import Customer, frames
    >>> frames.to_frame([Customer(customer_id="c1", segment="smb"),
    ...                  Customer(customer_id="c2")])[["customer_id", "segment"]]
      customer_id segment
    0          c1     smb
    1          c2    None
    """
    items = list(entities)
    classes = {type(item) for item in items}
    if entity is not None:
        classes.add(entity)
    if len(classes) != 1:
        msg = (
            "'entities' must all be instances of one entity class "
            f"(got {sorted(c.__name__ for c in classes) or 'no entities'})"
        )
        raise TypeError(msg)
    cls = classes.pop()
    specs = column_specs(cls)
    data: dict[str, Any] = {}
    for name, spec in specs.items():
        values = [getattr(item, name) for item in items]
        if spec.kind in ("date", "month"):
            data[name] = pd.to_datetime(pd.Series(values, dtype=object))
        elif spec.kind == "enum":
            data[name] = pd.Series(
                [None if v is None else v.value for v in values], dtype=object
            )
        elif spec.kind in ("money", "count") and all(v is not None for v in values):
            data[name] = pd.Series(values, dtype=np.int64)
        elif spec.kind == "count":
            data[name] = pd.Series(values, dtype="Int64")
        elif spec.kind == "number":
            data[name] = pd.Series(values, dtype=np.float64)
        else:
            data[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(specs))


def from_frame(
    frame: pd.DataFrame, entity: type[E], *, amounts: Amounts = "minor"
) -> list[E]:
    """
    Turn a table into entities, after validating it.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table with (at least) the entity's required columns. Extra columns
        are ignored.
    entity : type
        The entity class to build.
    amounts : {'minor', 'major'}, default 'minor'
        What money columns hold (see `validate`).

    Returns
    -------
    list of entity
        One entity per row, in row order. Integer identifiers become `str`.

    Raises
    ------
    InvalidTableError
        If the table breaks the entity's rules.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Customer, frames
    >>> frames.from_frame(pd.DataFrame({"customer_id": ["c1"], "segment": ["smb"]}),
    ...                   Customer)[0].segment
    'smb'
    """
    table = validate(frame, entity, amounts=amounts)
    specs = column_specs(entity)
    columns = {
        name: [_python_value(v, spec) for v in table[name].tolist()]
        for name, spec in specs.items()
    }
    return [
        entity(**{name: values[row] for name, values in columns.items()})
        for row in range(len(table))
    ]
