"""Reading the command line's input files: an option per table, file lines as labels.

Every table the library reads has an option (``--subscriptions``,
``--staff``, ...). A CSV file's rows are labelled by their line in the file
(the header is line 1), so the library's messages quote file lines; a Parquet
file's rows by their position from 1. Id columns are read as text, dates ISO
first; a date format that cannot be told apart (``02/01/2024``) is an error
that names ``--date-format``, never a silent month-first guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import attrs
import pandas as pd

from ._columns import column_specs
from ._entities import (
    Activity,
    Assignment,
    CostEntry,
    Customer,
    Deal,
    ExchangeRate,
    InvoiceLine,
    Meeting,
    MonthlyMrr,
    Onboarding,
    Opportunity,
    StaffMember,
    Subscription,
    Ticket,
    UsageSnapshot,
)

__all__ = [
    "REVENUE_TABLES",
    "TABLES",
    "CliError",
    "InputTable",
    "option_of",
    "read_table",
]


class CliError(Exception):
    """A message for the command line's user, and the exit status it ends with."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@attrs.frozen
class InputTable:
    """One table the command line reads: its option, entity and help text."""

    name: str
    option: str
    entity: type
    help: str


TABLES: Mapping[str, InputTable] = {
    table.name: table
    for table in (
        InputTable(
            "subscriptions",
            "--subscriptions",
            Subscription,
            "subscription spans (subscription_id, customer_id, start, end, mrr, "
            "currency)",
        ),
        InputTable(
            "monthly_mrr",
            "--monthly-mrr",
            MonthlyMrr,
            "monthly MRR rows (customer_id, month, mrr, currency)",
        ),
        InputTable(
            "invoice_lines",
            "--invoice-lines",
            InvoiceLine,
            "invoice lines (line_id, customer_id, kind, period_start, period_end "
            "or interval, amount, currency)",
        ),
        InputTable(
            "customers",
            "--customers",
            Customer,
            "customer attributes (customer_id, ...)",
        ),
        InputTable(
            "staff", "--staff", StaffMember, "staff (staff_id, role, monthly_cost, ...)"
        ),
        InputTable("deals", "--deals", Deal, "won deals (deal_id, customer_id, ...)"),
        InputTable(
            "assignments",
            "--assignments",
            Assignment,
            "account ownership (customer_id, staff_id, role, start, end)",
        ),
        InputTable(
            "costs",
            "--costs",
            CostEntry,
            "monthly costs (month, category, amount, ...)",
        ),
        InputTable(
            "usage", "--usage", UsageSnapshot, "monthly product usage per customer"
        ),
        InputTable("tickets", "--tickets", Ticket, "support tickets"),
        InputTable("onboarding", "--onboarding", Onboarding, "onboarding projects"),
        InputTable("activities", "--activities", Activity, "customer-sales activities"),
        InputTable(
            "meetings",
            "--meetings",
            Meeting,
            "inside-sales meetings (meeting_id, staff_id, held_on, outcome, ...)",
        ),
        InputTable(
            "pipeline",
            "--pipeline",
            Opportunity,
            "open opportunities (opportunity_id, expected_mrr, currency, ...)",
        ),
        InputTable(
            "rates",
            "--rates",
            ExchangeRate,
            "exchange rates (currency, date, rate) for several currencies",
        ),
    )
}

REVENUE_TABLES: tuple[str, ...] = ("subscriptions", "monthly_mrr", "invoice_lines")
"""The tables a ledger is built from: one of them is given."""

_AMBIGUOUS = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\s*$")


def option_of(table: str) -> str:
    """Return the option that reads *table* (the table's name if it has none)."""
    known = TABLES.get(table)
    return known.option if known is not None else table


def _read_raw(path: Path, table: InputTable, text_columns: list[str]) -> pd.DataFrame:
    """Read CSV or Parquet; every problem of the file itself is a `CliError`."""
    where = f"{table.option} {path}"
    if not path.exists():
        msg = f"{table.option}: no such file: {path}"
        raise CliError(msg, status=2)
    if path.is_dir():
        msg = f"{table.option}: {path} is a folder, not a file"
        raise CliError(msg, status=2)
    suffixes = path.suffixes
    if ".parquet" in suffixes or ".pq" in suffixes:
        try:
            frame = pd.read_parquet(path)
        except ImportError as exc:
            msg = (
                f"{where}: reading Parquet needs pyarrow: "
                "pip install 'subscription-metrics[parquet]'"
            )
            raise CliError(msg, status=2) from exc
        except Exception as exc:  # pyarrow raises its own error types
            msg = f"{where}: not a readable Parquet file ({exc})"
            raise CliError(msg, status=1) from None
        frame.index = pd.RangeIndex(1, len(frame) + 1, name="row")
        return frame
    try:
        header = pd.read_csv(path, nrows=0).columns
        frame = pd.read_csv(
            path,
            dtype={name: str for name in text_columns if name in header},
        )
    except pd.errors.EmptyDataError:
        msg = f"{where}: the file is empty (no header row)"
        raise CliError(msg, status=1) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        detail = str(exc).strip().splitlines()[0]
        msg = f"{where}: not a readable CSV file ({detail})"
        raise CliError(msg, status=1) from None
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="line")
    return frame


def _parse_dates(
    values: pd.Series, *, where: str, column: str, date_format: str | None, unit: str
) -> pd.Series:
    """Parse one date column: ISO first, or `date_format`; refuse guesses."""
    text = values.astype("string").str.strip()
    present = text.notna() & (text != "")
    if not present.any():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    sample = text[present]
    if date_format is None:
        ambiguous = sample.str.match(_AMBIGUOUS)
        if ambiguous.any():
            label = sample.index[ambiguous.to_numpy()][0]
            value = sample[label]
            msg = (
                f"{where}: column {column!r} has dates like {value!r} ({unit} "
                f"{label}), which read as day/month or month/day; pass "
                "--date-format '%d/%m/%Y' or '%m/%d/%Y' (or write ISO dates, "
                "2024-01-31)"
            )
            raise CliError(msg, status=1)
        fmt: str = "ISO8601"
    else:
        fmt = date_format
    parsed = pd.to_datetime(text.where(present), format=fmt, errors="coerce")
    bad = present & parsed.isna()
    if bad.any():
        labels = list(bad[bad].index[:3])
        shown = ", ".join(f"{unit} {label}: {text[label]!r}" for label in labels)
        how = (
            "ISO dates (2024-01-31)"
            if date_format is None
            else f"dates in the format {date_format!r}"
        )
        count = int(bad.sum())
        noun = "value that is" if count == 1 else "values that are"
        msg = f"{where}: column {column!r} has {count} {noun} not {how} ({shown})"
        raise CliError(msg, status=1)
    if getattr(parsed.dt, "tz", None) is not None:
        return parsed
    return parsed.astype("datetime64[ns]")


def read_table(
    path: str | Path,
    table: str,
    *,
    date_format: str | None = None,
    revenue: bool = False,
) -> pd.DataFrame:
    """
    Read one input table for the command line.

    Parameters
    ----------
    path : str or Path
        A CSV or Parquet file.
    table : str
        The table's name, a key of `TABLES`.
    date_format : str, optional
        A `strftime` format for dates that are not ISO.
    revenue : bool, default False
        Whether this is the revenue table, which must have rows.

    Returns
    -------
    DataFrame
        Labelled by file line (CSV) or row number (Parquet); ids as text, dates
        and months as datetime64.
    """
    spec = TABLES[table]
    specs = column_specs(spec.entity)
    text_columns = [n for n, s in specs.items() if s.kind in ("id", "date", "month")]
    source = Path(path)
    frame = _read_raw(source, spec, text_columns)
    where = f"{spec.option} {source}"
    unit = "line" if frame.index.name == "line" else "row"
    for name, column_spec in specs.items():
        if column_spec.kind in ("date", "month") and name in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[name]):
                continue
            frame[name] = _parse_dates(
                frame[name],
                where=where,
                column=name,
                date_format=date_format,
                unit=unit,
            )
    if revenue and frame.empty:
        msg = f"{where}: the file has a header but no rows"
        raise CliError(msg, status=1)
    return frame
