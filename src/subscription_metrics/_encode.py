"""One JSON-native encoding for every result, and Parquet files for tables.

`encode` turns a result (a DataFrame, a Series, a scalar, a result record, a
dict or list of them) into JSON-native values only, so that
``json.dumps(..., allow_nan=False)`` takes it; `decode_frame` and
`decode_series` read tables back with their dtypes. `to_parquet` and
`read_parquet` write and read one table per file, months as DATE.

The rules, stated once (docs/reference/encoding.md):

- a month is ``"YYYY-MM"``, a quarter ``"YYYYQn"``, a year ``"YYYY"``, a day
  ``"YYYY-MM-DD"`` (pandas' own text for each period);
- a date is ``"YYYY-MM-DD"``, a time ``"YYYY-MM-DDTHH:MM:SS[.ffffff]"``;
- a float is a JSON number that reads back to the same float (Python's
  shortest repr); NaN is the string ``"NaN"``, infinities ``"Infinity"`` and
  ``"-Infinity"``;
- money stays int minor units, and a table's ``currency`` is written beside
  its rows;
- a missing value (None, NA, NaT) is ``null``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "NAN",
    "NEGATIVE_INFINITY",
    "POSITIVE_INFINITY",
    "decode_float",
    "decode_frame",
    "decode_series",
    "dumps",
    "encode",
    "read_parquet",
    "to_parquet",
]

NAN: Final = "NaN"
"""How NaN (undefined) is written: the JSON string ``"NaN"``."""
POSITIVE_INFINITY: Final = "Infinity"
"""How +inf (never reached) is written: the JSON string ``"Infinity"``."""
NEGATIVE_INFINITY: Final = "-Infinity"
"""How -inf is written: the JSON string ``"-Infinity"``."""

_NON_FINITE: Final = {NAN: math.nan, POSITIVE_INFINITY: math.inf}
_NON_FINITE[NEGATIVE_INFINITY] = -math.inf
_METADATA_KEY: Final = b"subscription_metrics"
_PARQUET_EXTRA: Final = (
    "Parquet needs pyarrow: pip install 'subscription-metrics[parquet]'"
)


# --- scalars -----------------------------------------------------------------


def _float(value: float) -> float | str:
    if math.isnan(value):
        return NAN
    if math.isinf(value):
        return POSITIVE_INFINITY if value > 0 else NEGATIVE_INFINITY
    return float(value)


def decode_float(value: float | int | str | None) -> float:
    """
    Read a float that `encode` wrote: a number, or ``"NaN"`` / ``"Infinity"``.

    Parameters
    ----------
    value : float, int, str or None
        A JSON number, one of the strings `NAN`, `POSITIVE_INFINITY`,
        `NEGATIVE_INFINITY`, or None (a missing value, read as NaN).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If `value` is a string other than the three above.

    Examples
    --------
    >>> decode_float("Infinity"), decode_float(0.1), decode_float("NaN")
    (inf, 0.1, nan)
    """
    if value is None:
        return math.nan
    if isinstance(value, str):
        if value not in _NON_FINITE:
            msg = (
                f"a float must be a number, {NAN!r}, {POSITIVE_INFINITY!r} or "
                f"{NEGATIVE_INFINITY!r}, got {value!r}"
            )
            raise ValueError(msg)
        return _NON_FINITE[value]
    return float(value)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _timestamp(value: pd.Timestamp | dt.datetime) -> str:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None and stamp == stamp.normalize():
        return stamp.strftime("%Y-%m-%d")
    return stamp.isoformat()


def encode(value: Any) -> Any:
    """
    Return `value` as JSON-native values only (dict, list, str, int, float, bool, None).

    Every result the library returns encodes the same way, so that
    ``json.dumps(encode(result), allow_nan=False)`` works and a table reads
    back with `decode_frame`:

    - a DataFrame (or Series) becomes an object with ``kind`` (``"frame"``
      or ``"series"``), ``columns`` (the column names in order, index levels
      first), ``dtypes`` (each column's pandas dtype), ``index`` (the
      columns that form the index; empty for a default range index),
      ``currency`` (from ``attrs["currency"]``, or null), ``attrs`` (the
      other attributes, such as counts of rows set aside) and ``rows`` (one
      object per row, keyed by column name); ``labels`` (column labels
      that are not strings), ``categories`` and ``columns_name`` appear
      only when needed;
    - a month is ``"YYYY-MM"``, a quarter ``"YYYYQn"``, a year ``"YYYY"``;
      a date ``"YYYY-MM-DD"``, a time ISO 8601;
    - a float is a number that reads back exactly; NaN is ``"NaN"``, inf
      ``"Infinity"``, -inf ``"-Infinity"``; a missing value is null;
    - money stays int minor units beside its currency (`Money` is
      ``{"currency": ..., "minor": ...}``);
    - an entity is its ``to_dict()``, `Conventions` its ``as_dict()``,
      another result record (``SbgFit``, ``StaffRoi``,
      ``HealthEvaluation``, ``TierPolicy``, ...) a dict of its fields, each
      encoded by these rules; enum members are their values, a Decimal its
      exact text, a tuple or set a list (a set sorted).

    Parameters
    ----------
    value : object
        A result, or a dict, list or tuple of results.

    Returns
    -------
    object
        JSON-native values: pass it to `json.dumps` (or use `dumps`).

    Raises
    ------
    TypeError
        If `value` holds something with no encoding (a timedelta column,
        a column index of several levels, an arbitrary object).

    Examples
    --------
    >>> import math
    >>> import pandas as pd
    >>> encode({"nrr": 1.05, "payback_months": math.inf,
    ...         "month": pd.Period("2024-05", "M")})
    {'nrr': 1.05, 'payback_months': 'Infinity', 'month': '2024-05'}
    >>> frame = pd.DataFrame(
    ...     {"mrr_at_end": [44_800, 44_800], "churn_rate": [0.25, float("nan")]},
    ...     index=pd.period_range("2024-05", periods=2, freq="M", name="month"))
    >>> frame.attrs["currency"] = "USD"
    >>> encoded = encode(frame)
    >>> encoded["currency"], encoded["index"], encoded["rows"][1]
    ('USD', ['month'], {'month': '2024-06', 'mrr_at_end': 44800, 'churn_rate': 'NaN'})
    >>> decode_frame(encoded).equals(frame)
    True
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return _float(float(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, dt.datetime):  # pandas Timestamp too
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, pd.DataFrame):
        return _encode_frame(value, kind="frame")
    if isinstance(value, pd.Series):
        frame = value.to_frame(name="value" if value.name is None else value.name)
        frame.attrs = dict(value.attrs)
        out = _encode_frame(frame, kind="series")
        if value.name is None:
            out.setdefault("labels", {})["value"] = None
        return out
    if isinstance(value, np.ndarray):
        return [encode(item) for item in value.tolist()]
    if isinstance(value, Mapping):
        return {_key(key): encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, set | frozenset):
        return sorted((encode(item) for item in value), key=json.dumps)
    return _encode_record(value)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    encoded = encode(key)
    return encoded if isinstance(encoded, str) else json.dumps(encoded)


def _encode_record(value: Any) -> Any:
    for method in ("to_dict", "as_dict"):  # entities, Conventions, Ledger
        convert = getattr(value, method, None)
        if callable(convert):
            return encode(convert())
    if attrs.has(type(value)):
        return {
            field.name: encode(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if not field.name.startswith("_")
        }
    msg = f"no JSON encoding for {type(value).__name__} objects"
    raise TypeError(msg)


# --- tables ------------------------------------------------------------------


def _is_default_index(index: pd.Index) -> bool:
    return (
        isinstance(index, pd.RangeIndex)
        and index.start == 0
        and index.step == 1
        and index.name is None
    )


def _flat(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]], list[str]]:
    """Return the frame with its index as columns, its column entries, index keys."""
    if isinstance(frame.columns, pd.MultiIndex):
        msg = "no encoding for a column index of several levels; flatten it first"
        raise TypeError(msg)
    entries: list[dict[str, Any]] = []
    keys: list[str] = []
    columns: dict[str, pd.Series] = {}
    if not _is_default_index(frame.index):
        levels = frame.index.nlevels
        for position in range(levels):
            label = frame.index.names[position]
            if label is None:
                key = "index" if levels == 1 else f"level_{position}"
            else:
                key = _label_key(label)
            values = frame.index.get_level_values(position)
            entries.append(_entry(key, label, values.dtype, index=True))
            columns[key] = pd.Series(values, copy=False)
            keys.append(key)
    for position, label in enumerate(frame.columns):
        key = _label_key(label)
        if key in columns:
            msg = f"column {label!r} appears twice (or also names an index level)"
            raise TypeError(msg)
        series = frame.iloc[:, position]
        entries.append(_entry(key, label, series.dtype))
        columns[key] = series.reset_index(drop=True)
    flat = pd.DataFrame(columns, copy=False) if columns else pd.DataFrame()
    flat.index = pd.RangeIndex(len(frame))
    return flat, entries, keys


def _label_key(label: object) -> str:
    if isinstance(label, str):
        return label
    if isinstance(label, int | np.integer) and not isinstance(label, bool):
        return str(int(label))
    msg = f"column labels must be str or int, got {label!r}"
    raise TypeError(msg)


def _entry(
    key: str, label: object, dtype: Any, *, index: bool = False
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": key, "dtype": str(dtype)}
    if label != key or label is None:
        entry["label"] = encode(label)
    if isinstance(dtype, pd.CategoricalDtype):
        entry["categories"] = encode(dtype.categories.tolist())
        entry["categories_dtype"] = str(dtype.categories.dtype)
        entry["ordered"] = bool(dtype.ordered)
    if index:
        entry["index"] = True
    return entry


def _values(series: pd.Series) -> list[Any]:
    """Encode one column, vectorised by dtype."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = np.array([*_values(pd.Series(dtype.categories)), None], object)
        return list(categories[series.cat.codes.to_numpy()])  # code -1: None
    if isinstance(dtype, pd.PeriodDtype):
        text = series.astype(str).to_numpy(dtype=object)
        text[series.isna().to_numpy()] = None
        return list(text)
    if isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    ):
        known = series.notna().to_numpy()
        naive = not isinstance(dtype, pd.DatetimeTZDtype)
        if naive and bool((series[known] == series[known].dt.normalize()).all()):
            text = series.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        else:
            text = np.array(
                [v.isoformat() if v is not pd.NaT else None for v in series],
                dtype=object,
            )
        text[~known] = None
        return list(text)
    if isinstance(dtype, np.dtype) and dtype.kind == "m":
        msg = (
            f"no encoding for timedelta column {series.name!r}; convert it to a number"
        )
        raise TypeError(msg)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        values: list[Any] = series.to_numpy().tolist()
        return values
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        numbers = series.to_numpy(dtype=np.float64)
        return _floats(numbers)
    if pd.api.types.is_float_dtype(dtype):  # nullable Float64
        known = series.notna().to_numpy()
        numbers = series.to_numpy(dtype=np.float64, na_value=np.nan)
        out = _floats(numbers)
        for position in np.flatnonzero(~known).tolist():
            out[position] = None
        return out
    raw = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        text = raw.copy()  # pandas may hand out a read-only view
        text[series.isna().to_numpy()] = None  # text and missing values only
        return list(text)
    return [None if _missing(item) else encode(item) for item in raw]


def _floats(numbers: npt.NDArray[np.float64]) -> list[Any]:
    out = numbers.astype(object)
    out[np.isnan(numbers)] = NAN
    out[np.isposinf(numbers)] = POSITIVE_INFINITY
    out[np.isneginf(numbers)] = NEGATIVE_INFINITY
    return list(out)


def _encode_frame(frame: pd.DataFrame, *, kind: str) -> dict[str, Any]:
    flat, entries, keys = _flat(frame)
    columns = [_values(flat[entry["name"]]) for entry in entries]
    names = [entry["name"] for entry in entries]
    rows = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    if not columns:
        rows = [{} for _ in range(len(frame))]
    others = {key: value for key, value in frame.attrs.items() if key != "currency"}
    out: dict[str, Any] = {
        "kind": kind,
        "columns": names,
        "dtypes": {entry["name"]: entry["dtype"] for entry in entries},
        "index": keys,
        "currency": frame.attrs.get("currency"),
        "attrs": encode(others),
        "rows": rows,
    }
    labels = {e["name"]: e["label"] for e in entries if "label" in e}
    if labels:
        out["labels"] = labels
    categories = {
        e["name"]: {
            "values": e["categories"],
            "dtype": e["categories_dtype"],
            "ordered": e["ordered"],
        }
        for e in entries
        if "categories" in e
    }
    if categories:
        out["categories"] = categories
    if frame.columns.name is not None:
        out["columns_name"] = encode(frame.columns.name)
    return out


def _entries(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Return one entry per column of an encoded table (the inverse of the layout)."""
    index = set(data["index"])
    labels = data.get("labels", {})
    categories = data.get("categories", {})
    entries = []
    for name in data["columns"]:
        entry: dict[str, Any] = {"name": name, "dtype": data["dtypes"][name]}
        if name in labels:
            entry["label"] = labels[name]
        if name in categories:
            entry["categories"] = categories[name]["values"]
            entry["categories_dtype"] = categories[name]["dtype"]
            entry["ordered"] = categories[name]["ordered"]
        if name in index:
            entry["index"] = True
        entries.append(entry)
    return entries


def _decode_values(values: list[Any], entry: Mapping[str, Any]) -> pd.Series:
    dtype_text = entry["dtype"]
    if dtype_text == "category":
        categories = _decode_values(
            entry["categories"], {"dtype": entry["categories_dtype"]}
        )
        decoded = _decode_values(values, {"dtype": entry["categories_dtype"]})
        cat = pd.CategoricalDtype(pd.Index(categories), ordered=entry["ordered"])
        present = pd.Series([v is not None for v in values])
        return decoded.where(present, None).astype(object).astype(cat)
    dtype: Any = pd.api.types.pandas_dtype(dtype_text)
    if isinstance(dtype, pd.PeriodDtype):
        return pd.Series(pd.PeriodIndex(values, freq=dtype.freq), copy=False)
    if isinstance(dtype, pd.DatetimeTZDtype) or (
        isinstance(dtype, np.dtype) and dtype.kind == "M"
    ):
        parsed = pd.to_datetime(pd.Series(values, dtype=object), format="ISO8601")
        if isinstance(dtype, pd.DatetimeTZDtype):
            aware = parsed.dt.tz is not None
            parsed = (
                parsed.dt.tz_convert(dtype.tz)
                if aware
                else parsed.dt.tz_localize(dtype.tz)
            )
        return parsed.astype(dtype)
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return pd.Series(np.array(values, dtype=dtype))
    if pd.api.types.is_float_dtype(dtype):
        known = [v is not None for v in values]
        numbers = np.array([decode_float(v) for v in values], dtype=np.float64)
        if isinstance(dtype, np.dtype):
            return pd.Series(numbers.astype(dtype))
        array = pd.array(numbers, dtype=dtype)
        array[~np.array(known, dtype=bool)] = pd.NA
        return pd.Series(array)
    if dtype == np.dtype(object):
        return pd.Series(values, dtype=object)
    return pd.Series(pd.array(values, dtype=dtype))


def decode_frame(data: Mapping[str, Any]) -> pd.DataFrame:
    """
    Read a table that `encode` wrote back into a DataFrame, with its dtypes.

    Months become ``period[M]`` again (quarters and years likewise), int
    columns int64, floats float64 with ``"NaN"`` / ``"Infinity"`` /
    ``"-Infinity"`` restored; the index, the column labels and ``attrs``
    (the currency included) come back as they were.

    Parameters
    ----------
    data : mapping
        What `encode` returned for a DataFrame (or a Series, which comes
        back as a one-column frame), such as ``json.loads(text)``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ValueError
        If `data` is not an encoded table.

    Examples
    --------
    >>> import json
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"payback_months": [3.5, float("inf")]},
    ...                      index=pd.Index(["a", "b"], name="staff_id"))
    >>> text = dumps(frame)
    >>> decode_frame(json.loads(text)).equals(frame)
    True
    """
    if not isinstance(data, Mapping) or data.get("kind") not in ("frame", "series"):
        msg = "not an encoded table: expected an object with kind 'frame' or 'series'"
        raise ValueError(msg)
    rows = data["rows"]
    entries = _entries(data)
    columns = {
        entry["name"]: _decode_values([row.get(entry["name"]) for row in rows], entry)
        for entry in entries
    }
    return _frame_like(data, pd.DataFrame(columns, index=pd.RangeIndex(len(rows))))


def decode_series(data: Mapping[str, Any]) -> pd.Series:
    """
    Read a Series that `encode` wrote back, with its dtype, index and name.

    Parameters
    ----------
    data : mapping
        What `encode` returned for a Series.

    Returns
    -------
    pandas.Series

    Raises
    ------
    ValueError
        If `data` is not an encoded Series.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([0.5, float("nan")], name="churn_rate",
    ...               index=pd.period_range("2024-01", periods=2, freq="M"))
    >>> decode_series(encode(s)).equals(s)
    True
    """
    if not isinstance(data, Mapping) or data.get("kind") != "series":
        msg = "not an encoded Series: expected an object with kind 'series'"
        raise ValueError(msg)
    frame = decode_frame(data)
    series = frame.iloc[:, -1]
    last = data["columns"][-1]
    series.name = data.get("labels", {}).get(last, last)
    series.attrs = dict(frame.attrs)
    return series


def dumps(value: Any, *, indent: int | None = None) -> str:
    """
    Return `value`, encoded by `encode`, as JSON text: strict and deterministic.

    Keys are sorted (a table's column order is kept in its ``columns``) and
    NaN or inf can never reach the text as a bare token
    (``allow_nan=False``), so the same result always gives the same bytes.

    Parameters
    ----------
    value : object
        Anything `encode` takes.
    indent : int, optional
        Indent nested levels by this many spaces (default: one line).

    Returns
    -------
    str

    Examples
    --------
    >>> dumps({"ltv": float("inf"), "arpa": 0.1})
    '{"arpa": 0.1, "ltv": "Infinity"}'
    """
    return json.dumps(encode(value), allow_nan=False, sort_keys=True, indent=indent)


# --- Parquet -----------------------------------------------------------------


def _all_text(column: pd.Series) -> bool:
    return all(isinstance(v, str) or _missing(v) for v in column.to_numpy())


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError as exc:  # pragma: no cover - the [parquet] extra is absent
        raise ImportError(_PARQUET_EXTRA) from exc
    return pa


def to_parquet(frame: pd.DataFrame, path: str | Path) -> Path:
    """
    Write a result table to one Parquet file: months as DATE, and its currency.

    The index becomes ordinary columns; periods (months, quarters, years)
    become DATE columns holding their first day, so SQL engines such as
    DuckDB read ``month`` as a DATE; a frame with ``attrs["currency"]`` gets
    a ``currency`` column (unless it has one). Money stays int64 minor
    units, NaN and inf stay IEEE floats. What `read_parquet` needs to give
    the frame back exactly (dtypes, index, labels, attrs) is kept in the
    file's metadata, encoded as in `encode`.

    Parameters
    ----------
    frame : pandas.DataFrame
        A table the library returned (or any frame `encode` takes).
    path : str or path-like
        The file to write (replaced if it exists).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ImportError
        If pyarrow is not installed (the ``parquet`` extra).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"mrr_at_end": [44_800]},
    ...     index=pd.period_range("2024-05", periods=1, freq="M", name="month"))
    >>> frame.attrs["currency"] = "USD"
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bridge.parquet"
    >>> _ = to_parquet(frame, path)
    >>> pd.read_parquet(path).dtypes.astype(str).to_dict()
    {'month': 'object', 'mrr_at_end': 'int64', 'currency': 'str'}
    >>> read_parquet(path).equals(frame)
    True
    """
    pa = _pyarrow()
    import pyarrow.parquet as pq

    meta = _encode_frame(frame.iloc[:0], kind="frame")
    flat, _, _ = _flat(frame)
    entries = _entries(meta)
    arrays: list[Any] = []
    for entry in entries:
        column = flat[entry["name"]]
        if isinstance(column.dtype, pd.PeriodDtype):
            starts = column.dt.start_time.to_numpy(dtype="datetime64[D]")
            mask = column.isna().to_numpy()
            arrays.append(pa.array(starts, type=pa.date32(), mask=mask))
        elif isinstance(column.dtype, np.dtype) and column.dtype.kind == "f":
            arrays.append(pa.array(column.to_numpy()))  # NaN stays NaN, not null
        elif column.dtype == np.dtype(object) and not _all_text(column):
            # Mixed values (say tier numbers and "All"): one JSON text each.
            texts = [None if v is None else json.dumps(v) for v in _values(column)]
            arrays.append(pa.array(texts, type=pa.string()))
            meta.setdefault("json_columns", []).append(entry["name"])
        else:
            arrays.append(pa.Array.from_pandas(column))
    names = [entry["name"] for entry in entries]
    currency = frame.attrs.get("currency")
    if currency is not None and "currency" not in names:
        arrays.append(pa.array([currency] * len(frame), type=pa.string()))
        names.append("currency")
        meta["currency_column"] = True
    table = pa.Table.from_arrays(arrays, names=names)
    text = json.dumps(meta, allow_nan=False, sort_keys=True).encode()
    table = table.replace_schema_metadata({_METADATA_KEY: text})
    target = Path(path)
    pq.write_table(table, target)
    return target


def read_parquet(path: str | Path) -> pd.DataFrame:
    """
    Read a table that `to_parquet` wrote, with its dtypes, index and attrs.

    Parameters
    ----------
    path : str or path-like
        A file written by `to_parquet`. Other Parquet files are read as
        pandas reads them.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ImportError
        If pyarrow is not installed (the ``parquet`` extra).

    Examples
    --------
    See `to_parquet`.
    """
    _pyarrow()
    import pyarrow.parquet as pq

    table = pq.read_table(Path(path))
    metadata = table.schema.metadata or {}
    if _METADATA_KEY not in metadata:
        plain: pd.DataFrame = table.to_pandas()
        return plain
    meta = json.loads(metadata[_METADATA_KEY])
    entries = _entries(meta)
    columns: dict[str, pd.Series] = {}
    for entry in entries:
        chunked = table.column(entry["name"])
        dtype = entry["dtype"]
        if dtype.startswith("period["):
            days = chunked.to_numpy(zero_copy_only=False).astype("datetime64[D]")
            stamps = pd.Series(pd.to_datetime(days))
            freq: Any = pd.PeriodDtype(dtype[len("period[") : -1]).freq
            columns[entry["name"]] = stamps.dt.to_period(freq)
        elif entry["name"] in meta.get("json_columns", ()):
            texts = chunked.to_pylist()
            columns[entry["name"]] = pd.Series(
                [None if t is None else json.loads(t) for t in texts], dtype=object
            )
        elif dtype == "category":
            values = chunked.to_pandas()
            target = _decode_values([], entry).dtype
            columns[entry["name"]] = values.astype(object).astype(target)
        else:
            values = chunked.to_pandas(integer_object_nulls=True)
            target = pd.api.types.pandas_dtype(dtype)
            columns[entry["name"]] = values.astype(target)
    return _frame_like(meta, pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows)))


def _frame_like(meta: Mapping[str, Any], flat: pd.DataFrame) -> pd.DataFrame:
    """Give `flat` the index, labels and attrs that `meta` describes."""
    entries = _entries(meta)
    labels = [entry.get("label", entry["name"]) for entry in entries]
    keys = list(meta["index"])
    frame = flat
    if keys:
        lookup = {
            entry["name"]: label for entry, label in zip(entries, labels, strict=True)
        }
        frame = frame.set_index(keys)
        frame.index.names = [lookup[key] for key in keys]
    data_labels = [
        label
        for label, entry in zip(labels, entries, strict=True)
        if not entry.get("index")
    ]
    frame.columns = pd.Index(data_labels) if data_labels else frame.columns
    if "columns_name" in meta:
        frame.columns.name = meta["columns_name"]
    frame.attrs = dict(meta.get("attrs", {}))
    if meta.get("currency") is not None:
        frame.attrs["currency"] = meta["currency"]
    return frame
