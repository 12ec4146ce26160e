"""
One JSON-native encoding for every result, and Parquet files for tables.

`encode` turns any result of the library (a DataFrame, a Series, a scalar, a
result record such as ``SbgFit`` or ``StaffRoi``, a dict or list of them)
into JSON-native values, so ``json.dumps(..., allow_nan=False)`` takes it;
`dumps` does both, with sorted keys, for byte-identical output.
`decode_frame` and `decode_series` read tables back with their dtypes.
`to_parquet` and `read_parquet` write and read one table per file, months as
DATE and a ``currency`` column (pyarrow: the ``parquet`` extra).

The rules: a month is ``"YYYY-MM"`` (a quarter ``"YYYYQn"``, a year
``"YYYY"``), a date ``"YYYY-MM-DD"``, money int minor units beside its
currency, a float a number that reads back exactly, NaN the string ``"NaN"``,
inf ``"Infinity"`` and ``"-Infinity"``, a missing value null. See the
reference page "Encoding" for every rule.

Examples
--------
>>> import json, math
>>> from subscription_metrics import encoding
>>> encoding.dumps({"ltv": math.inf, "churn_rate": math.nan, "arpa": 0.1})
'{"arpa": 0.1, "churn_rate": "NaN", "ltv": "Infinity"}'
"""

from __future__ import annotations

from subscription_metrics._encode import (
    NAN,
    NEGATIVE_INFINITY,
    POSITIVE_INFINITY,
    decode_float,
    decode_frame,
    decode_series,
    dumps,
    encode,
    read_parquet,
    to_parquet,
)

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
