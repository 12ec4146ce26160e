"""
The monthly pipeline as steps a scheduler runs: validate, ledger, figures, report.

Each step reads files and writes files, and returns JSON-native data (paths
as text, counts as int), so a scheduler such as Airflow passes only that
between tasks (XCom), never a frame or a `Ledger`. Every step is idempotent
per month: it writes into ``<output>/<YYYY-MM>/``, building each file or
folder beside its final place and then moving it there, so running a month
again replaces that month's files with the same bytes and leaves other
months alone.

The inputs folder holds one file per table, named after the table
(``subscriptions.parquet`` or ``subscriptions.csv``, ``customers.parquet``,
``staff.csv``, ...; the names are `INPUT_TABLES`). CSV files are read as
the command line reads them: ISO dates, ids as text, rows labelled by file
line. One revenue table, ``subscriptions``, ``monthly_mrr`` or
``invoice_lines``, must be there.

The layout written for a month::

    <output>/2025-12/
        inputs.json          what `validate` read: tables, rows, columns
        ledger/              the ledger (`Ledger.read_parquet` loads it)
        figures/             bridge, movements and rates, one Parquet each
        figures.json         the same figures, JSON-native
        report.html          the self-contained report
        report.json          `Report.to_dict`, as ``report --format json``
        report/              one Parquet file per table of the report

`examples/airflow/subscription_metrics_monthly.py` in the repository is a
DAG that runs these steps.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> import subscription_metrics as sm
>>> from subscription_metrics import pipeline
>>> sample = sm.datasets.load_sample()
>>> inputs = Path(tempfile.mkdtemp())
>>> sample.subscriptions.to_csv(inputs / "subscriptions.csv", index=False)
>>> sample.customers.to_csv(inputs / "customers.csv", index=False)
>>> checked = pipeline.validate(inputs, month="2025-12")
>>> checked["revenue"], checked["tables"]["customers"]["rows"]
('subscriptions', 2955)
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._cli_input import REVENUE_TABLES, TABLES, CliError, read_table
from ._conventions import Conventions
from ._ledger import Ledger, MonthLike

__all__ = [
    "INPUT_TABLES",
    "InputFileError",
    "build_ledger",
    "read_inputs",
    "run_month",
    "validate",
    "write_figures",
    "write_report",
]

INPUT_TABLES: tuple[str, ...] = tuple(TABLES)
"""The tables an inputs folder may hold, by file name without the suffix."""

_SUFFIXES = (".parquet", ".pq", ".csv")


class InputFileError(ValueError):
    """An input file is missing, unreadable, or two files name one table."""


def _month(month: MonthLike) -> pd.Period:
    return pd.Period(month, "M")


def _month_folder(output: str | Path, month: MonthLike) -> Path:
    return Path(output) / str(_month(month))


def _replace(target: Path, write: Callable[[Path], object]) -> Path:
    """Write *target* through a fresh sibling, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.{uuid.uuid4().hex}")
    write(fresh)
    if target.is_dir() and fresh.is_dir():
        old = target.with_name(f".{target.name}.old.{uuid.uuid4().hex}")
        target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old)
    else:
        os.replace(fresh, target)
    return target


def _write_json(data: Any, path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False)
    path.write_text(text + "\n", encoding="utf-8")


def _files(inputs: str | Path) -> dict[str, Path]:
    folder = Path(inputs)
    if not folder.is_dir():
        msg = f"inputs: no such folder: {folder}"
        raise InputFileError(msg)
    found: dict[str, Path] = {}
    for name in INPUT_TABLES:
        paths = [folder / f"{name}{suffix}" for suffix in _SUFFIXES]
        present = [path for path in paths if path.is_file()]
        if len(present) > 1:
            shown = ", ".join(path.name for path in present)
            msg = f"inputs {folder}: table {name!r} is given twice ({shown}); keep one"
            raise InputFileError(msg)
        if present:
            found[name] = present[0]
    revenue = [name for name in REVENUE_TABLES if name in found]
    if len(revenue) > 1:
        msg = (
            f"inputs {folder}: {' and '.join(revenue)} are given; "
            "the revenue table is one of them"
        )
        raise InputFileError(msg)
    if not revenue:
        msg = (
            f"inputs {folder}: no revenue table (subscriptions, monthly_mrr or "
            "invoice_lines, as .parquet or .csv)"
        )
        raise InputFileError(msg)
    return found


def read_inputs(
    inputs: str | Path, *, date_format: str | None = None
) -> dict[str, pd.DataFrame]:
    """
    Read every table of an inputs folder.

    Parameters
    ----------
    inputs : str or path-like
        A folder holding ``<table>.parquet`` or ``<table>.csv`` files.
    date_format : str, optional
        A `strftime` format for CSV dates that are not ISO.

    Returns
    -------
    dict of str to pandas.DataFrame
        By table name, in `INPUT_TABLES` order.

    Raises
    ------
    InputFileError
        If the folder or the revenue table is missing, a table is given
        twice, or a file cannot be read.
    """
    tables: dict[str, pd.DataFrame] = {}
    for name, path in _files(inputs).items():
        revenue = name in REVENUE_TABLES
        try:
            tables[name] = read_table(
                path, name, date_format=date_format, revenue=revenue
            )
        except CliError as exc:
            raise InputFileError(str(exc).replace("--", "", 1)) from None
    return tables


def _revenue(tables: Mapping[str, pd.DataFrame]) -> str:
    return next(name for name in REVENUE_TABLES if name in tables)


def _ledger(
    tables: Mapping[str, pd.DataFrame],
    month: pd.Period,
    conventions: Conventions | None,
    currency: str | None,
) -> Ledger:
    common: dict[str, Any] = {
        "customers": tables.get("customers"),
        "rates": tables.get("rates"),
        "conventions": conventions,
        "currency": currency,
        "through": month,
    }
    revenue = _revenue(tables)
    if revenue == "subscriptions":
        return Ledger.from_subscriptions(tables["subscriptions"], **common)
    if revenue == "invoice_lines":
        return Ledger.from_invoice_lines(tables["invoice_lines"], **common)
    return Ledger.from_monthly_mrr(tables["monthly_mrr"], **common)


def validate(
    inputs: str | Path,
    *,
    month: MonthLike,
    output: str | Path | None = None,
    conventions: Conventions | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """
    Read and check every input table, as the first step of a month's run.

    The revenue table and customers are checked by building the ledger;
    the report's sections check the other tables when `write_report` runs
    (an error there names the table as here).

    Parameters
    ----------
    inputs : str or path-like
        The inputs folder (see the module's description).
    month : pandas.Period, str or date
        The month the run measures; changes after it are set aside.
    output : str or path-like, optional
        Where to write ``<YYYY-MM>/inputs.json``; nothing is written if not
        given.
    conventions : Conventions, optional
        Definitional choices (default: ``Conventions()``).
    currency : str, optional
        The reporting currency, when the tables hold several (with a
        ``rates`` table).

    Returns
    -------
    dict
        ``month``, ``revenue`` (the revenue table's name), ``tables`` (rows
        and columns of each), ``customers`` and ``set_aside`` (table, rule,
        count and examples of every row the ledger set aside).

    Raises
    ------
    InputFileError
        If a file is missing or unreadable.
    InvalidTableError
        If a table breaks a rule of its entity.
    """
    period = _month(month)
    tables = read_inputs(inputs)
    led = _ledger(tables, period, conventions, currency)
    summary: dict[str, Any] = {
        "month": str(period),
        "revenue": _revenue(tables),
        "tables": {
            name: {"rows": len(frame), "columns": [str(c) for c in frame.columns]}
            for name, frame in tables.items()
        },
        "customers": len(led.customers),
        "currency": led.currency,
        "set_aside": [
            {
                "table": note.table,
                "rule": note.rule,
                "count": note.count,
                "examples": list(note.examples),
            }
            for note in led.set_aside
        ],
    }
    if output is not None:
        target = _month_folder(output, period) / "inputs.json"
        _replace(target, lambda path: _write_json(summary, path))
    return summary


def build_ledger(
    inputs: str | Path,
    output: str | Path,
    *,
    month: MonthLike,
    conventions: Conventions | None = None,
    currency: str | None = None,
) -> str:
    """
    Build the ledger as of *month* and save it to ``<YYYY-MM>/ledger/``.

    Returns
    -------
    str
        The ledger's folder, for `Ledger.read_parquet` and `write_figures`.

    Raises
    ------
    InputFileError, InvalidTableError
        As `validate`.
    """
    period = _month(month)
    led = _ledger(read_inputs(inputs), period, conventions, currency)
    target = _month_folder(output, period) / "ledger"
    _replace(target, led.to_parquet)
    return str(target)


def write_figures(ledger: str | Path, output: str | Path, *, month: MonthLike) -> str:
    """
    Compute the bridge, movements and monthly rates of a saved ledger.

    Writes ``<YYYY-MM>/figures/`` (``bridge.parquet``, ``movements.parquet``,
    ``rates.parquet``: months as DATE, a ``currency`` column) and
    ``<YYYY-MM>/figures.json`` (the same tables in the shared encoding).

    Parameters
    ----------
    ledger : str or path-like
        A folder `build_ledger` (or `Ledger.to_parquet`) wrote.
    output : str or path-like
        The output folder.
    month : pandas.Period, str or date
        The month of the run: the figures run through it.

    Returns
    -------
    str
        The figures folder.
    """
    from . import churn
    from . import ledger as ledger_views
    from ._encode import encode, to_parquet

    period = _month(month)
    led = Ledger.read_parquet(ledger)
    tables = {
        "bridge": ledger_views.bridge(led, through=period),
        "movements": ledger_views.movements(led),
        "rates": churn.rates(led),
    }
    folder = _month_folder(output, period)

    def write_tables(path: Path) -> None:
        path.mkdir(parents=True)
        for name, frame in tables.items():
            to_parquet(frame, path / f"{name}.parquet")

    _replace(folder / "figures", write_tables)
    encoded = {"month": str(period), **{k: encode(v) for k, v in tables.items()}}
    _replace(folder / "figures.json", lambda path: _write_json(encoded, path))
    return str(folder / "figures")


def write_report(
    inputs: str | Path,
    output: str | Path,
    *,
    month: MonthLike,
    conventions: Conventions | None = None,
    currency: str | None = None,
) -> dict[str, str]:
    """
    Build the monthly report and write its HTML, JSON and Parquet tables.

    Returns
    -------
    dict of str to str
        ``html``, ``json`` and ``tables``: the paths written.

    Raises
    ------
    InputFileError, InvalidTableError
        As `validate`.
    """
    from ._report import report

    period = _month(month)
    tables = read_inputs(inputs)
    revenue = _revenue(tables)
    given: dict[str, Any] = dict(tables)
    rep = report(
        **given,
        as_of=period,
        conventions=conventions,
        currency=currency,
        source=f"{revenue} in {Path(inputs)}",
    )
    folder = _month_folder(output, period)
    html = _replace(folder / "report.html", rep.to_html)
    data = rep.to_dict()
    js = _replace(folder / "report.json", lambda path: _write_json(data, path))
    parquet = _replace(folder / "report", rep.to_parquet)
    return {"html": str(html), "json": str(js), "tables": str(parquet)}


def run_month(
    inputs: str | Path,
    output: str | Path,
    *,
    month: MonthLike,
    conventions: Conventions | None = None,
    currency: str | None = None,
) -> dict[str, Any]:
    """
    Run every step for one month, in order, on one machine.

    Returns
    -------
    dict
        ``inputs`` (what `validate` returned), ``ledger``, ``figures`` and
        ``report`` (the paths written).

    Examples
    --------
    See the module's description; a scheduler runs the steps one per task.
    """
    options: dict[str, Any] = {"conventions": conventions, "currency": currency}
    checked = validate(inputs, month=month, output=output, **options)
    ledger = build_ledger(inputs, output, month=month, **options)
    figures = write_figures(ledger, output, month=month)
    written = write_report(inputs, output, month=month, **options)
    return {"inputs": checked, "ledger": ledger, "figures": figures, "report": written}
