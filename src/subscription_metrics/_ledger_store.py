"""Save and load a `Ledger`: JSON-native values, or a folder of Parquet files.

A ledger is its metadata (currency, conventions, source, months, what was set
aside) and three tables: the events, the customers and the input rows. Both
forms keep all of it, so a loaded ledger gives the same figures as the one
saved, exactly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import attrs
import numpy as np
import pandas as pd

from ._conventions import Conventions
from ._encode import decode_frame, encode, read_parquet, to_parquet
from ._ledger import Ledger, SetAside, _Events, _int32

__all__ = ["FORMAT", "from_dict", "read_folder", "to_dict", "write_folder"]

FORMAT: Final = "subscription_metrics.ledger/1"
"""What a saved ledger says it is; loading refuses any other value."""

_EVENT_COLUMNS: Final = (
    "customer",
    "month",
    "mrr_change",
    "mrr_after",
    "count_change",
    "count_after",
    "kind",
)
_META: Final = "ledger.json"
_TABLES: Final = ("events", "customers", "rows")


def _events_frame(ledger: Ledger) -> pd.DataFrame:
    # The saved columns are int64 (kind int8), whatever the arrays' width in
    # memory, so the saved form does not depend on it.
    ev = ledger._events
    columns: dict[str, Any] = {
        name: getattr(ev, name).astype(np.int64) for name in _EVENT_COLUMNS
    }
    columns["kind"] = ev.kind
    columns["month"] = pd.arrays.PeriodArray(
        ev.month.astype(np.int64), dtype=pd.PeriodDtype("M")
    )
    return pd.DataFrame(columns)


def _events(frame: pd.DataFrame) -> _Events:
    arrays: dict[str, Any] = {
        name: frame[name].to_numpy(dtype=np.int64) for name in _EVENT_COLUMNS
    }
    arrays["month"] = pd.PeriodIndex(frame["month"]).asi8.astype(np.int64)
    for name in ("customer", "month", "count_change", "count_after"):
        arrays[name] = _int32(
            arrays[name], table="ledger events", column=name, what=name
        )
    arrays["kind"] = frame["kind"].to_numpy(dtype=np.int8)
    return _Events(**arrays)


def _metadata(ledger: Ledger) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "currency": ledger.currency,
        "conventions": ledger.conventions.as_dict(),
        "source": ledger.source,
        "first_month": encode(ledger.first_month),
        "last_month": encode(ledger.last_month),
        "set_aside": [encode(attrs.asdict(entry)) for entry in ledger.set_aside],
    }


def _month(text: str | None) -> pd.Period | None:
    return None if text is None else pd.Period(text, freq="M")


def _build(meta: Mapping[str, Any], tables: Mapping[str, pd.DataFrame]) -> Ledger:
    if meta.get("format") != FORMAT:
        msg = (
            f"not a saved ledger: 'format' must be {FORMAT!r}, "
            f"got {meta.get('format')!r}"
        )
        raise ValueError(msg)
    return Ledger(
        currency=meta["currency"],
        conventions=Conventions(**meta["conventions"]),
        source=meta["source"],
        first_month=_month(meta["first_month"]),
        last_month=_month(meta["last_month"]),
        customers=tables["customers"],
        set_aside=tuple(SetAside(**entry) for entry in meta["set_aside"]),
        events=_events(tables["events"]),
        rows=tables["rows"],
    )


def to_dict(ledger: Ledger) -> dict[str, Any]:
    """Return the whole ledger as JSON-native values (see `Ledger.to_dict`)."""
    tables = {
        "events": _events_frame(ledger),
        "customers": ledger.customers,
        "rows": ledger._rows,
    }
    return {**_metadata(ledger), **{name: encode(t) for name, t in tables.items()}}


def from_dict(data: Mapping[str, Any]) -> Ledger:
    """Build the ledger `to_dict` described (see `Ledger.from_dict`)."""
    if not isinstance(data, Mapping):
        msg = f"not a saved ledger: expected a dict, got {type(data).__name__}"
        raise TypeError(msg)
    missing = [name for name in _TABLES if name not in data]
    if data.get("format") == FORMAT and missing:
        msg = f"not a saved ledger: missing {missing}"
        raise ValueError(msg)
    tables = {name: decode_frame(data[name]) for name in _TABLES if name in data}
    return _build(data, tables)


def write_folder(ledger: Ledger, folder: str | Path) -> Path:
    """Write the ledger to a folder of files (see `Ledger.to_parquet`)."""
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    to_parquet(_events_frame(ledger), target / "events.parquet")
    to_parquet(ledger.customers, target / "customers.parquet")
    to_parquet(ledger._rows, target / "rows.parquet")
    text = json.dumps(_metadata(ledger), allow_nan=False, sort_keys=True, indent=2)
    (target / _META).write_text(text + "\n", encoding="utf-8")
    return target


def read_folder(folder: str | Path) -> Ledger:
    """Read a ledger that `write_folder` wrote (see `Ledger.read_parquet`)."""
    source = Path(folder)
    meta_path = source / _META
    if not meta_path.is_file():
        msg = f"not a saved ledger: {source} has no {_META}"
        raise FileNotFoundError(msg)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    tables = {name: read_parquet(source / f"{name}.parquet") for name in _TABLES}
    return _build(meta, tables)
