"""What every adapter shares: reading vendor records, checking vendor columns, units."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, cast

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen

from .._currencies import CURRENCY_EXPONENTS, EXPONENT_PROFILES, known_code
from .._errors import MAX_EXAMPLES, InvalidTableError, Problem
from .._intervals import INTERVAL_FACTORS, known_interval
from .._ledger import SetAside

__all__ = [
    "INVOICE_LINE_COLUMNS",
    "KINDS",
    "SUBSCRIPTION_COLUMNS",
    "Imported",
    "Reader",
    "empty_subscriptions",
    "explode",
    "invoice_line_frame",
    "read_records",
    "strings",
    "sum_by_row",
    "with_trials",
]

_INT64_MAX: Final = int(np.iinfo(np.int64).max)

#: The columns of an invoice-lines frame, in order.
INVOICE_LINE_COLUMNS: Final = (
    "line_id",
    "invoice_id",
    "customer_id",
    "subscription_id",
    "plan",
    "kind",
    "period_start",
    "period_end",
    "amount",
    "currency",
    "discount_amount",
)
#: The kinds of an invoice line.
KINDS: Final = ("recurring", "one_off", "tax", "credit_note", "proration")
#: The columns of a subscriptions frame, in order (before the vendor's own id).
SUBSCRIPTION_COLUMNS: Final = (
    "subscription_id",
    "customer_id",
    "start",
    "end",
    "mrr",
    "currency",
    "plan",
)


def _show_frame(frame: pd.DataFrame) -> str:
    return f"{len(frame)} rows x {len(frame.columns)} columns"


def _as_tuple(entries: Iterable[SetAside]) -> tuple[SetAside, ...]:
    return tuple(entries)


@frozen(kw_only=True)
class Imported:
    """
    A table read from a vendor's export, with what was set aside.

    Attributes
    ----------
    frame : pandas.DataFrame
        The table in the library's layout: the columns of `Subscription` for
        the subscription adapters, the invoice-line columns for the invoice
        adapters. Pass it to `Ledger.from_subscriptions` (or
        `Ledger.from_invoice_lines`).
    set_aside : tuple of SetAside
        Vendor rows that are not in `frame` (voided invoices, subscriptions
        never paid for, one-off charge items), counted with a few ids.
    source : str
        The vendor and export read, such as ``"stripe subscriptions"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Imported
    >>> Imported(frame=pd.DataFrame({"a": [1]}), source="stripe subscriptions")
    Imported(stripe subscriptions: 1 rows x 1 columns, nothing set aside)
    """

    frame: pd.DataFrame = attrs.field(eq=False)
    set_aside: tuple[SetAside, ...] = attrs.field(default=(), converter=_as_tuple)
    source: str = ""

    def __repr__(self) -> str:
        """Return the source, the size of the frame and what was set aside."""
        aside = "; ".join(str(entry) for entry in self.set_aside)
        return (
            f"Imported({self.source}: {_show_frame(self.frame)}, "
            f"{aside or 'nothing set aside'})"
        )


Imported.__module__ = "subscription_metrics"


def read_records(
    data: object, *, name: str, wrapper: str | None = None
) -> pd.DataFrame:
    """
    Return vendor records as a flat frame with dotted column names.

    `data` is a list of dicts (API objects), a vendor list object (Stripe's
    ``{"object": "list", "data": [...]}``, Chargebee's ``{"list": [...]}``),
    or a DataFrame already flat (read from a file). Chargebee wraps each
    object under its type (``{"subscription": {...}, "customer": {...}}``):
    `wrapper` names the key whose fields become the columns.
    """
    if isinstance(data, pd.DataFrame):
        frame = data.reset_index(drop=True)
    else:
        if isinstance(data, Mapping):
            for key in ("data", "list"):
                if key in data:
                    data = data[key]
                    break
        if not isinstance(data, Sequence) or isinstance(data, str | bytes):
            msg = (
                f"{name!r} must be a list of records (dicts), a vendor list "
                f"object or a pandas DataFrame, got {type(data).__name__}"
            )
            raise TypeError(msg)
        frame = pd.json_normalize(list(data))
    if wrapper is not None:
        prefix = f"{wrapper}."
        if any(str(col).startswith(prefix) for col in frame.columns):
            frame = frame.rename(
                columns=lambda col: str(col).removeprefix(prefix)
            )  # the wrapped object's own fields win
    return frame


def _labels(ids: pd.Series, mask: npt.NDArray[np.bool_]) -> tuple[str, ...]:
    return tuple(str(v) for v in ids.to_numpy()[mask][:MAX_EXAMPLES])


class Reader:
    """Collects the problems and the set-asides of one vendor table."""

    def __init__(self, table: str, frame: pd.DataFrame, ids: str) -> None:
        self.table = table
        self.frame = frame
        self.problems: list[Problem] = []
        self.set_aside: list[SetAside] = []
        self.ids_column = ids

    def ids(self, frame: pd.DataFrame | None = None) -> pd.Series:
        """Return the row labels of `frame`: its id column, else its index."""
        frame = self.frame if frame is None else frame
        if self.ids_column in frame:
            return (
                frame[self.ids_column]
                .astype(object)
                .where(frame[self.ids_column].notna(), "row " + frame.index.astype(str))
            )
        return pd.Series("row " + frame.index.astype(str), index=frame.index)

    def problem(
        self,
        column: str,
        rule: str,
        mask: npt.NDArray[np.bool_] | None = None,
        *,
        detail: str = "",
        frame: pd.DataFrame | None = None,
        table: str | None = None,
    ) -> None:
        """Record a broken rule: for the rows of `mask`, or the whole table."""
        count, examples = 0, cast(tuple[str, ...], ())
        if mask is not None:
            count = int(mask.sum())
            if not count:
                return
            examples = _labels(self.ids(frame), mask)
        self.problems.append(
            Problem(
                table=table or self.table,
                column=column,
                rule=rule,
                count=count,
                examples=examples,
                detail=detail,
            )
        )

    def aside(
        self,
        rule: str,
        mask: npt.NDArray[np.bool_],
        *,
        detail: str,
        frame: pd.DataFrame | None = None,
        table: str | None = None,
    ) -> None:
        """Count rows left out of the output, with a few of their ids."""
        count = int(mask.sum())
        if count:
            self.set_aside.append(
                SetAside(
                    table=table or self.table,
                    rule=rule,
                    count=count,
                    examples=_labels(self.ids(frame), mask),
                    detail=detail,
                )
            )

    def require(
        self, columns: Iterable[str], frame: pd.DataFrame | None = None
    ) -> bool:
        """Record every missing column; True when all are present."""
        frame = self.frame if frame is None else frame
        missing = [col for col in columns if col not in frame]
        for col in missing:
            self.problem(
                col,
                "missing column",
                detail=f"columns present: {sorted(map(str, frame.columns))}",
            )
        return not missing

    def done(self) -> None:
        """Raise every problem found so far, at once."""
        if self.problems:
            raise InvalidTableError(self.problems)

    # ------------------------------------------------------------------
    # Column readers: each returns numpy arrays and records what is wrong.
    # ------------------------------------------------------------------

    def column(
        self, frame: pd.DataFrame, *names: str, default: object = None
    ) -> pd.Series:
        """Return the first present of `names`, gaps filled from the next ones."""
        out: pd.Series | None = None
        for col in names:
            if col in frame:
                out = frame[col] if out is None else out.where(out.notna(), frame[col])
        if out is None:
            return pd.Series(default, index=frame.index, dtype=object)
        if default is not None:
            out = out.where(out.notna(), default)
        return out

    def integers(
        self,
        frame: pd.DataFrame,
        column: str,
        values: pd.Series,
        *,
        required: bool = True,
        low: int | None = None,
        missing: str = "",
    ) -> npt.NDArray[np.int64]:
        """Return `values` as int64 (0 where missing and not required)."""
        numbers = pd.to_numeric(values, errors="coerce")
        given = values.notna().to_numpy()
        bad_type = given & numbers.isna().to_numpy()
        self.problem(
            column,
            "wrong type",
            bad_type,
            frame=frame,
            detail="must be integers in the vendor's minor units",
        )
        array = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
        fractional = given & ~bad_type & (np.mod(np.nan_to_num(array), 1) != 0)
        self.problem(
            column,
            "fractional amount",
            fractional,
            frame=frame,
            detail="vendor amounts are whole minor units; pass the export unchanged",
        )
        too_big = np.abs(np.nan_to_num(array)) > 2.0**53
        self.problem(
            column,
            "beyond exact range",
            given & too_big,
            frame=frame,
            detail="amounts beyond 2**53 cannot be read exactly from JSON",
        )
        if required:
            self.problem(column, "missing value", ~given, frame=frame, detail=missing)
        out = np.where(np.isfinite(array) & ~too_big, array, 0).astype(np.int64)
        if low is not None:
            self.problem(
                column,
                f"not at least {low}",
                given & ~bad_type & (out < low),
                frame=frame,
            )
        return out

    def dates(
        self,
        frame: pd.DataFrame,
        column: str,
        values: pd.Series,
        *,
        required: bool = True,
    ) -> pd.Series:
        """
        Return vendor instants as calendar dates (UTC), NaT where missing.

        Unix seconds (the APIs) and ISO 8601 text (files) are read; an instant
        becomes the UTC date it falls on.
        """
        given = values.notna().to_numpy()
        if pd.api.types.is_datetime64_any_dtype(values):
            if isinstance(values.dtype, pd.DatetimeTZDtype):
                values = values.dt.tz_convert("UTC").dt.tz_localize(None)
            return cast(pd.Series, values.dt.floor("D").astype("datetime64[s]"))
        numbers = pd.to_numeric(values, errors="coerce")
        numeric = numbers.notna().to_numpy()
        out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
        if numeric.any():
            stamps = pd.to_datetime(numbers[numeric], unit="s", errors="coerce")
            out[numeric] = stamps.dt.floor("D").astype("datetime64[s]")
        text = given & ~numeric
        if text.any():
            parsed = pd.to_datetime(
                values[text].astype(str), utc=True, errors="coerce", format="ISO8601"
            )
            out[text] = (
                parsed.dt.tz_localize(None).dt.floor("D").astype("datetime64[s]")
            )
        bad = given & out.isna().to_numpy()
        self.problem(
            column,
            "wrong type",
            bad,
            frame=frame,
            detail="must be Unix seconds or ISO 8601 date-times",
        )
        if required:
            self.problem(column, "missing value", ~given, frame=frame)
        return out

    def currencies(
        self, frame: pd.DataFrame, column: str, values: pd.Series
    ) -> npt.NDArray[np.object_]:
        """Return upper-case ISO codes (``"usd"`` is USD); record unknown ones."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = np.array([known_code(u) for u in uniques] + [None], dtype=object)
        out = known[codes]  # -1 (missing) picks the trailing None
        self.problem(
            column,
            "unknown currency",
            pd.isna(out),
            frame=frame,
            detail="must be an ISO 4217 code, in any case",
        )
        return np.asarray(out, dtype=object)

    def choices(
        self,
        frame: pd.DataFrame,
        column: str,
        values: pd.Series,
        allowed: Iterable[str],
        *,
        required: bool = True,
    ) -> npt.NDArray[np.object_]:
        """Return `values` as strings; every value outside `allowed` is an error."""
        allowed = tuple(allowed)
        given = values.notna().to_numpy()
        unknown = given & ~values.isin(allowed).to_numpy()
        if unknown.any():
            seen = sorted({str(v) for v in values.to_numpy()[unknown]})[:MAX_EXAMPLES]
            self.problem(
                column,
                "unknown value",
                unknown,
                frame=frame,
                detail=f"got {seen}; the adapter reads {list(allowed)}",
            )
        if required:
            self.problem(column, "missing value", ~given, frame=frame)
        return np.asarray(values.astype(object).to_numpy(), dtype=object)

    def intervals(
        self, frame: pd.DataFrame, column: str, values: pd.Series
    ) -> npt.NDArray[np.object_]:
        """Return each billing interval's canonical name; record unknown ones."""
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        known = np.array([known_interval(u) for u in uniques] + [None], dtype=object)
        out = known[codes]
        self.problem(
            column,
            "unknown billing interval",
            pd.isna(out),
            frame=frame,
            detail=f"must name one of {list(INTERVAL_FACTORS)} (any common name)",
        )
        return np.asarray(out, dtype=object)

    def to_minor(
        self,
        frame: pd.DataFrame,
        column: str,
        amounts: npt.NDArray[np.int64],
        codes: npt.NDArray[np.object_],
        *,
        profile: str | None,
        vendor: str,
    ) -> npt.NDArray[np.int64]:
        """
        Return vendor minor units as ISO 4217 minor units, exactly.

        `profile` names how the vendor states amounts (a key of
        ``EXPONENT_PROFILES``); None reads them as ISO 4217 but refuses every
        currency where `vendor`'s profile disagrees, so that no amount is read
        100 times off without a word.
        """
        stated = EXPONENT_PROFILES[profile or "iso"]
        vendor_exponents = EXPONENT_PROFILES.get(vendor, stated)
        valid = pd.notna(codes)
        safe = pd.Series(np.where(valid, codes, "USD"), dtype=object)

        def exponents(table: Mapping[str, int]) -> npt.NDArray[np.int64]:
            return np.asarray(safe.map(table).to_numpy(), dtype=np.int64)

        iso_exp = exponents(CURRENCY_EXPONENTS)
        src_exp = exponents(stated)
        if profile is None:
            vendor_exp = exponents(vendor_exponents)
            ambiguous = valid & (vendor_exp != iso_exp)
            if ambiguous.any():
                found = sorted({str(c) for c in codes[ambiguous]})
                self.problem(
                    column,
                    "exponent profile needed",
                    ambiguous,
                    frame=frame,
                    detail=(
                        f"{vendor.capitalize()} states {', '.join(found)} amounts "
                        "with another number of decimals than ISO 4217; pass "
                        f"exponents={vendor!r} to read {vendor.capitalize()}'s "
                        "amounts, or exponents='iso' if they are already ISO "
                        "minor units"
                    ),
                )
        shift = iso_exp - src_exp
        out = amounts.copy()
        down = shift < 0
        if down.any():
            factor = 10 ** (-shift[down])
            inexact = np.zeros(len(amounts), dtype=bool)
            inexact[down] = amounts[down] % factor != 0
            self.problem(
                column,
                "not a whole minor unit",
                inexact,
                frame=frame,
                detail=(
                    "the amount has more decimals than the currency's ISO 4217 "
                    "minor unit (a fractional krona, say) and cannot be kept exactly"
                ),
            )
            out[down] = amounts[down] // factor
        up = shift > 0
        if up.any():
            factor = 10 ** shift[up]
            over = np.zeros(len(amounts), dtype=bool)
            over[up] = np.abs(amounts[up]) > _INT64_MAX // factor
            self.problem(column, "beyond int64", over, frame=frame)
            out[up] = np.where(over[up], 0, amounts[up]) * factor
        return out


def explode(
    frame: pd.DataFrame, column: str, keep: Mapping[str, str]
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """
    Return the records listed in `column`, one row each, with parent columns.

    `keep` maps parent columns to their names in the result. The second value
    marks the parent rows whose list is empty or missing.
    """
    lists = frame[column]
    parents = frame[[c for c in keep if c in frame]].rename(columns=dict(keep))
    exploded = lists.explode()  # an empty or missing list gives one NaN
    is_record = exploded.notna().to_numpy(bool)
    has_children = (
        pd.Series(is_record, index=exploded.index).groupby(level=0).any()
    ).reindex(frame.index, fill_value=False)
    records = exploded[is_record]
    children = pd.json_normalize(records.tolist())
    children.index = records.index
    parent_rows = parents.loc[records.index]
    overlap = [c for c in parent_rows.columns if c in children.columns]
    out = pd.concat([parent_rows.drop(columns=overlap), children], axis=1)
    return out.reset_index(drop=True), ~has_children.to_numpy(bool)


def sum_by_row(
    child: pd.DataFrame, parent_count: int, column: str, position: str = "_row"
) -> npt.NDArray[np.int64]:
    """Sum `column` of `child` per parent row number (held in `position`)."""
    out = np.zeros(parent_count, dtype=np.int64)
    if len(child):
        np.add.at(
            out,
            child[position].to_numpy(np.int64),
            child[column].to_numpy(np.int64),
        )
    return out


def strings(values: pd.Series) -> npt.NDArray[np.object_]:
    """Return `values` as an object array of str, None where missing."""
    array = values.astype(object).to_numpy()
    out = array.astype(str).astype(object)
    out[pd.isna(array)] = None
    return out


def with_trials(
    frame: pd.DataFrame, items: pd.DataFrame, *, customer: bool
) -> pd.DataFrame:
    """
    Return the paid rows of `frame`, and under ``trial='customer'`` the trials.

    `items` (aligned with `frame`) holds ``_paid`` (a paid span exists),
    ``_trial_start`` and ``_trial_stop`` (NaT without a trial). A trial row is
    ``<subscription id>/trial`` at zero MRR over the trial.
    """
    paid = frame[items["_paid"].to_numpy(bool)]
    if not customer:
        return paid.reset_index(drop=True)
    has = items["_trial_start"].notna().to_numpy(bool)
    trials = frame[has].copy()
    trials["subscription_id"] = trials["subscription_id"] + "/trial"
    trials["start"] = items["_trial_start"].to_numpy()[has]
    trials["end"] = items["_trial_stop"].to_numpy()[has]
    trials["mrr"] = 0
    return pd.concat([paid, trials], ignore_index=True)


def empty_subscriptions(vendor: str) -> pd.DataFrame:
    """Return a subscriptions frame with no rows."""
    return pd.DataFrame(
        {
            "subscription_id": pd.Series([], dtype=object),
            "customer_id": pd.Series([], dtype=object),
            "start": pd.Series([], dtype="datetime64[s]"),
            "end": pd.Series([], dtype="datetime64[s]"),
            "mrr": pd.Series([], dtype=np.int64),
            "currency": pd.Series([], dtype=object),
            "plan": pd.Series([], dtype=object),
            f"{vendor}_subscription_id": pd.Series([], dtype=object),
        }
    )


def invoice_line_frame(columns: pd.DataFrame | Mapping[str, Any]) -> pd.DataFrame:
    """Return an invoice-lines frame with the contract's columns and dtypes."""
    frame = pd.DataFrame({name: columns[name] for name in INVOICE_LINE_COLUMNS})
    for name in ("period_start", "period_end"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    frame["amount"] = frame["amount"].astype(np.int64)
    frame["discount_amount"] = frame["discount_amount"].astype(np.int64)
    return frame.reset_index(drop=True)
