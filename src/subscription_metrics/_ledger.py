"""The MRR ledger: per-customer MRR change events, classified into movements.

Subscriptions (or monthly MRR rows) become two kinds of events per customer and
month: a change of MRR and a change in the number of active subscriptions.
Events are sorted by customer and month once; a grouped cumulative sum then
gives every customer's MRR after every change, so the work grows with the
number of changes, never with customers x months.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import attrs
import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import field, frozen

from . import _display
from . import _kernels as k
from ._conventions import Conventions
from ._currencies import known_code
from ._entities import (
    Customer,
    ExchangeRate,
    InvoiceLine,
    LineKind,
    MonthlyMrr,
    Subscription,
)
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem, as_strings
from ._overflow import (
    MoneyOverflowError,
    check_total_fits,
    checked_sum_runs,
    overflow_problem,
)
from ._schema import (
    Amounts,
    _upper_case_codes,
    absent_column,
    check_table,
    distinct_values,
    is_absent,
)

__all__ = ["MOVEMENT_KINDS", "Ledger", "SetAside", "segments"]

MOVEMENT_KINDS: Final = ("new", "expansion", "contraction", "churn", "reactivation")
"""The kinds of MRR movement, in the order the bridge lists them."""
NONE, NEW, EXPANSION, CONTRACTION, CHURN, REACTIVATION = range(6)

Rates = Mapping[str, float | str | Decimal] | pd.DataFrame
MonthLike = pd.Period | str | dt.date | pd.Timestamp


@frozen(kw_only=True)
class SetAside:
    """
    Input the ledger could not show, counted and described instead of dropped.

    Attributes
    ----------
    table : str
        Input table the rows came from.
    rule : str
        Why they are not shown, such as ``"invisible at the monthly grain"``.
    count : int
        How many rows.
    examples : tuple of str
        A few of their identifiers or row labels.
    detail : str
        What it means and what to do about it.
    unit : str
        What `count` counts: ``"row"`` (the default) or ``"customer"``.

    Examples
    --------
    >>> print(SetAside(table="subscriptions", rule="invisible at the monthly grain",
    ...                count=2, examples=("s7", "s9")))
    subscriptions: invisible at the monthly grain: 2 rows (e.g. s7, s9)
    """

    table: str
    rule: str
    count: int
    examples: tuple[str, ...] = field(default=(), converter=as_strings)
    detail: str = ""
    unit: str = "row"

    def __str__(self) -> str:
        """Return the entry as one line."""
        noun = self.unit if self.count == 1 else f"{self.unit}s"
        text = f"{self.table}: {self.rule}: {self.count} {noun}"
        if self.examples:
            text += f" (e.g. {', '.join(self.examples)})"
        return text + (f"; {self.detail}" if self.detail else "")


def _conventions_name(conventions: Conventions) -> str:
    """Return the preset *conventions* equals, or how many choices differ."""
    for name in Conventions.preset_names():
        if Conventions.preset(name) == conventions:
            return name
    default = Conventions()
    changed = [
        attribute.name
        for attribute in attrs.fields(Conventions)
        if getattr(conventions, attribute.name) != getattr(default, attribute.name)
    ]
    return f"custom ({', '.join(changed)})"


@frozen(kw_only=True)
class _Events:
    """
    Sorted per-customer events (internal arrays; one row per customer-month).

    Money is int64; customer codes, month ordinals and subscription counts
    are int32 (checked to fit when built), which keeps a ledger of a million
    customers about a third smaller. Arithmetic on the int32 arrays that can
    leave their range (a cell key of customer and month, say) must widen
    them first: numpy keeps int32 in ``a * n`` and ``a += b``.
    """

    customer: npt.NDArray[np.int32]  # code into Ledger.customers
    month: npt.NDArray[np.int32]  # month ordinal
    mrr_change: npt.NDArray[np.int64]
    mrr_after: npt.NDArray[np.int64]
    count_change: npt.NDArray[np.int32]  # active subscriptions (or rows)
    count_after: npt.NDArray[np.int32]
    kind: npt.NDArray[np.int8]  # NONE or a movement code


@frozen(kw_only=True, eq=False)
class Ledger:
    """
    Every customer's MRR changes, classified into movements, in exact money.

    Build one with `Ledger.from_subscriptions`, `Ledger.from_monthly_mrr` or
    `Ledger.from_invoice_lines`;
    read it with the functions of `subscription_metrics.ledger`
    (``events``, ``movements``, ``bridge``). A ledger is immutable and holds
    one currency: amounts are int64 minor units of `currency`.

    Attributes
    ----------
    currency : str or None
        ISO 4217 code of every amount (None only for an empty ledger built
        without a currency).
    conventions : Conventions
        The definitional choices the ledger was built with.
    source : {'subscriptions', 'monthly_mrr', 'invoice_lines'}
        Which input shape it was built from.
    first_month, last_month : pandas.Period or None
        The months the ledger covers: from the first month any customer has
        an event through the data horizon (`through`). None when empty.
    customers : pandas.DataFrame
        One row per customer seen in the input, with ``customer_id`` and the
        attributes from the ``customers`` table, if one was given.
    set_aside : tuple of SetAside
        What the input held that the monthly grain cannot show, counted.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
    ...     "start": pd.to_datetime(["2024-01-10", "2024-02-03"]),
    ...     "end": pd.to_datetime(["2024-03-15", None]),
    ...     "mrr": [10_000, 25_000], "currency": ["JPY", "JPY"]})
    >>> led = Ledger.from_subscriptions(subs)
    >>> led.currency, str(led.first_month), str(led.last_month)
    ('JPY', '2024-01', '2024-03')
    """

    currency: str | None
    conventions: Conventions
    source: Literal["subscriptions", "monthly_mrr", "invoice_lines"]
    first_month: pd.Period | None
    last_month: pd.Period | None
    customers: pd.DataFrame
    set_aside: tuple[SetAside, ...]
    _events: _Events = field(alias="events", repr=False)
    _rows: pd.DataFrame = field(alias="rows", repr=False)

    def _summary(self) -> dict[str, str]:
        """Return the short description that `repr` and the notebook view show."""
        if self.first_month is None or self.last_month is None:
            months = "none"
        else:
            count = self.last_month.ordinal - self.first_month.ordinal + 1
            noun = "month" if count == 1 else "months"
            months = f"{self.first_month}..{self.last_month} ({count} {noun})"
        totals: dict[str, int] = {}
        for entry in self.set_aside:
            totals[entry.unit] = totals.get(entry.unit, 0) + entry.count
        set_aside = ", ".join(
            f"{count} {unit if count == 1 else unit + 's'}"
            for unit, count in totals.items()
        )
        return {
            "currency": str(self.currency),
            "months": months,
            "customers": str(len(self.customers)),
            "set_aside": set_aside or "none",
            "conventions": _conventions_name(self.conventions),
            "source": self.source,
        }

    def __repr__(self) -> str:
        """
        Return one line: currency, months, customers, set-aside counts.

        Examples
        --------
        >>> import pandas as pd
        >>> from subscription_metrics import Ledger
        >>> Ledger.from_subscriptions(pd.DataFrame({
        ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
        ...     "start": pd.to_datetime(["2024-01-10", "2024-02-03"]),
        ...     "end": pd.to_datetime(["2024-03-15", "2024-02-20"]),
        ...     "mrr": [10_000, 25_000], "currency": "JPY"}))
        ... # doctest: +NORMALIZE_WHITESPACE
        Ledger(currency='JPY', months=2024-01..2024-03 (3 months), customers=2,
               set_aside=1 row, conventions=default, source='subscriptions')
        """
        summary = self._summary()
        for key in ("currency", "source"):  # strings, quoted as in attrs' reprs
            summary[key] = repr(getattr(self, key))
        fields = ", ".join(f"{key}={value}" for key, value in summary.items())
        return f"Ledger({fields})"

    def _repr_html_(self) -> str:
        """Return the summary, and every set-aside entry, as an HTML table."""
        rows: list[tuple[str, object]] = list(self._summary().items())
        rows += [("set aside", str(entry)) for entry in self.set_aside]
        return _display.table("Ledger", rows)

    def to_dict(self) -> dict[str, Any]:
        """
        Return the whole ledger as JSON-native values, for a message or XCom.

        Everything the ledger holds is kept: currency, conventions, source,
        months, what was set aside, and its events, customers and input rows
        as tables in the library's encoding (``subscription_metrics.encoding``).
        `Ledger.from_dict` builds an identical ledger from it. For large
        ledgers, `to_parquet` writes files instead.

        Returns
        -------
        dict
            Ready for ``json.dumps(..., allow_nan=False)``.

        Examples
        --------
        >>> import json
        >>> import pandas as pd
        >>> from subscription_metrics import Ledger, ledger
        >>> led = Ledger.from_subscriptions(pd.DataFrame({
        ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
        ...     "start": pd.to_datetime(["2024-01-10", "2024-02-03"]),
        ...     "end": pd.to_datetime(["2024-03-15", None]),
        ...     "mrr": [10_000, 25_000], "currency": "JPY"}))
        >>> text = json.dumps(led.to_dict(), allow_nan=False)
        >>> back = Ledger.from_dict(json.loads(text))
        >>> back
        Ledger(currency='JPY', months=2024-01..2024-03 (3 months), customers=2,
               set_aside=none, conventions=default, source='subscriptions')
        >>> ledger.bridge(back).equals(ledger.bridge(led))
        True
        """
        from ._ledger_store import to_dict

        return to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        """
        Build the ledger that `Ledger.to_dict` described.

        Parameters
        ----------
        data : mapping
            What `to_dict` returned, such as ``json.loads(text)``.

        Returns
        -------
        Ledger
            Equal in every field to the ledger saved: the same figures.

        Raises
        ------
        ValueError
            If `data` is not a saved ledger (its ``format`` is another).

        Examples
        --------
        See `Ledger.to_dict`.
        """
        from ._ledger_store import from_dict

        return from_dict(data)

    def to_parquet(self, folder: str | Path) -> Path:
        """
        Save the ledger to a folder, so pipeline tasks pass a path.

        The folder gets ``ledger.json`` (currency, conventions, source,
        months, what was set aside) and one Parquet file per table:
        ``events.parquet`` (months as DATE), ``customers.parquet`` and
        ``rows.parquet``. Existing files of those names are replaced, so a
        task that runs again for the same month writes the same files.
        Needs pyarrow (the ``parquet`` extra).

        Parameters
        ----------
        folder : str or path-like
            Created if it does not exist.

        Returns
        -------
        pathlib.Path
            The folder.

        Examples
        --------
        >>> import tempfile
        >>> import pandas as pd
        >>> from subscription_metrics import Ledger, ledger
        >>> led = Ledger.from_subscriptions(pd.DataFrame({
        ...     "subscription_id": ["s1"], "customer_id": ["c1"],
        ...     "start": pd.to_datetime(["2024-01-10"]), "end": pd.NaT,
        ...     "mrr": [10_000], "currency": "USD"}), through="2024-03")
        >>> folder = led.to_parquet(tempfile.mkdtemp())
        >>> sorted(path.name for path in folder.iterdir())
        ['customers.parquet', 'events.parquet', 'ledger.json', 'rows.parquet']
        >>> ledger.bridge(Ledger.read_parquet(folder)).equals(ledger.bridge(led))
        True
        """
        from ._ledger_store import write_folder

        return write_folder(self, folder)

    @classmethod
    def read_parquet(cls, folder: str | Path) -> Ledger:
        """
        Load a ledger that `Ledger.to_parquet` saved.

        Parameters
        ----------
        folder : str or path-like
            The folder `to_parquet` wrote.

        Returns
        -------
        Ledger
            Equal in every field to the ledger saved: the same figures.

        Raises
        ------
        FileNotFoundError
            If the folder holds no ``ledger.json``.
        ValueError
            If ``ledger.json`` is not a saved ledger's.

        Examples
        --------
        See `Ledger.to_parquet`.
        """
        from ._ledger_store import read_folder

        return read_folder(folder)

    @classmethod
    def from_subscriptions(
        cls,
        subscriptions: pd.DataFrame,
        *,
        customers: pd.DataFrame | None = None,
        conventions: Conventions | None = None,
        amounts: Amounts = "minor",
        currency: str | None = None,
        rates: Rates | None = None,
        through: MonthLike | None = None,
    ) -> Ledger:
        """
        Build the ledger from subscription spans.

        Parameters
        ----------
        subscriptions : pandas.DataFrame
            The columns of `Subscription`: ``subscription_id``,
            ``customer_id``, ``start``, ``end`` (exclusive; empty while the
            subscription renews), ``mrr`` and ``currency``; ``plan`` and any
            other columns are optional. A customer's subscriptions may
            overlap: their MRR adds up, and the customer churns only when the
            last one ends.
        customers : pandas.DataFrame, optional
            The columns of `Customer` (at least ``customer_id``) plus any
            attributes to segment by with ``bridge(..., by=...)``.
        conventions : Conventions, optional
            Definitional choices; ``Conventions()`` by default.
        amounts : {'minor', 'major'}, default 'minor'
            Whether ``mrr`` holds integer minor units or major units to convert
            once, exactly, with ``conventions.money_rounding``.
        currency : str, optional
            Reporting currency. Needed when `rates` are given; otherwise the
            single currency of the input (which it must then equal).
        rates : mapping or pandas.DataFrame, optional
            Exchange rates into `currency`, in major units of `currency` per
            major unit of the other: either a mapping ``{code: rate}`` of fixed
            rates, or a table with columns ``currency``, ``date``, ``rate``
            read as-of by ``conventions.fx_rate_date``.
        through : pandas.Period, str or date, optional
            The data horizon: the last month to show. Changes dated after it
            (scheduled ends, future starts) are set aside and counted. By
            default the last month holding any start or end.

        Returns
        -------
        Ledger

        Raises
        ------
        InvalidTableError
            If a table breaks a rule (missing columns, wrong types, negative
            or non-finite MRR, ``end`` before ``start``, duplicate ids,
            unknown currency, several currencies without `rates`, mixed
            time-zone-aware and naive dates); it lists every problem.

        Notes
        -----
        Under ``conventions.mrr_snapshot == 'end'`` a subscription counts in
        every month from the month of ``start`` up to, not including, the
        month of ``end``; one that starts and ends within one month counts in
        none and is listed in `Ledger.set_aside`.

        Examples
        --------
        >>> import pandas as pd
        >>> subs = pd.DataFrame({
        ...     "subscription_id": ["s1", "s2", "s3"],
        ...     "customer_id": ["c1", "c1", "c2"],
        ...     "start": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-02-05"]),
        ...     "end": pd.to_datetime(["2024-03-01", None, "2024-02-20"]),
        ...     "mrr": [100.0, 150.0, 80.0], "currency": "USD"})
        >>> led = Ledger.from_subscriptions(subs, amounts="major")
        >>> print(led.set_aside[0])  # doctest: +ELLIPSIS
        subscriptions: invisible at the monthly grain: 1 row (e.g. s3); ...
        """
        conventions = conventions or Conventions()
        table, problems = check_table(
            subscriptions,
            Subscription,
            amounts=amounts,
            rounding=conventions.money_rounding,
        )
        customer_table = _check_customers(customers, problems)
        rates = _check_rates(rates, problems)
        if problems:
            raise InvalidTableError(problems)
        mrr, currency = _reporting_amounts(
            table, "mrr", table["start"], "subscriptions", currency, rates, conventions
        )
        horizon = _month_or_none(through, "through")
        codes, uniques = _customer_codes(table["customer_id"])
        customer_frame = _customer_frame(uniques, customer_table)

        from .periods import month_ceil_ordinal, month_ordinal

        ordinal = (
            month_ordinal if conventions.mrr_snapshot == "end" else (month_ceil_ordinal)
        )
        first = np.asarray(ordinal(table["start"]), np.int64)
        has_end = table["end"].notna().to_numpy()
        last = np.zeros(len(first), np.int64)  # read only where has_end
        if has_end.any():
            ends = table["end"] if has_end.all() else table["end"][has_end]
            last[has_end] = ordinal(ends)
            del ends
        invisible = has_end & (last <= first)
        set_aside: list[SetAside] = []
        ids = table["subscription_id"]
        if invisible.any():
            set_aside.append(
                SetAside(
                    table="subscriptions",
                    rule="invisible at the monthly grain",
                    count=int(invisible.sum()),
                    examples=_examples(ids, invisible),
                    detail=(
                        "starts and ends between two month-"
                        f"{conventions.mrr_snapshot} snapshots, "
                        "so it counts in no month"
                    ),
                )
            )
        visible = ~invisible
        closing = visible & has_end
        if horizon is None and visible.any():
            horizon = int(max(first[visible].max(), last[closing].max(initial=0)))
        if horizon is not None:
            late = visible & ((first > horizon) | (closing & (last > horizon)))
            if late.any():
                set_aside.append(
                    SetAside(
                        table="subscriptions",
                        rule="changes after the horizon",
                        count=int(late.sum()),
                        examples=_examples(ids, late),
                        detail=(
                            "a start or end after 'through' "
                            f"({_period(horizon)}) is not shown"
                        ),
                    )
                )
            visible &= first <= horizon
            closing &= last <= horizon
        # Two events per subscription: +MRR at its first counted month, -MRR at
        # the first month it no longer counts (none while it renews).
        # Each temporary is freed as soon as it is used, so the peak memory
        # stays a small multiple of the input.
        opens, closes = np.flatnonzero(visible), np.flatnonzero(closing)
        del visible, closing, has_end, invisible
        spans = [codes, first, last, mrr, opens, closes]
        del codes, first, last, mrr, opens, closes
        events = _build_events(
            _span_changes(spans, table="subscriptions"),
            conventions=conventions,
            table="subscriptions",
            ids=customer_frame["customer_id"].to_numpy(),
        )
        set_aside += _unknown_customers(customer_frame, customer_table)
        return cls(
            currency=currency,
            conventions=conventions,
            source="subscriptions",
            first_month=_period(int(events.month.min())) if len(events.month) else None,
            last_month=_period(horizon) if horizon is not None else None,
            customers=customer_frame,
            set_aside=tuple(set_aside),
            events=events,
            rows=table,
        )

    @classmethod
    def from_monthly_mrr(
        cls,
        rows: pd.DataFrame,
        *,
        customers: pd.DataFrame | None = None,
        conventions: Conventions | None = None,
        amounts: Amounts = "minor",
        currency: str | None = None,
        rates: Rates | None = None,
        through: MonthLike | None = None,
    ) -> Ledger:
        """
        Build the ledger from monthly MRR rows, as billing exports give them.

        Parameters
        ----------
        rows : pandas.DataFrame
            The columns of `MonthlyMrr`: ``customer_id``, ``month`` (first
            day of the month, or a monthly `pandas.Period`), ``mrr`` and
            ``currency``. Several rows of one customer-month add up. A month
            without a row is a month without revenue.
        customers, conventions, amounts, currency, rates
            As for `Ledger.from_subscriptions`.
        through : pandas.Period, str or date, optional
            The data horizon; by default the latest month in `rows`. A
            customer with revenue in that month has not churned. Rows after
            it are set aside and counted.

        Returns
        -------
        Ledger

        Raises
        ------
        InvalidTableError
            If a table breaks a rule; it lists every problem.

        Examples
        --------
        >>> import pandas as pd
        >>> rows = pd.DataFrame({
        ...     "customer_id": ["c1", "c1", "c1", "c2"],
        ...     "month": pd.PeriodIndex(["2024-01", "2024-02", "2024-02", "2024-02"],
        ...                             freq="M"),
        ...     "mrr": [100, 60, 60, 80], "currency": "EUR"})
        >>> led = Ledger.from_monthly_mrr(rows)
        >>> str(led.last_month)
        '2024-02'
        """
        conventions = conventions or Conventions()
        ordinals: dict[str, npt.NDArray[np.int64]] = {}
        table, problems = check_table(
            rows,
            MonthlyMrr,
            amounts=amounts,
            rounding=conventions.money_rounding,
            months=ordinals,
        )
        customer_table = _check_customers(customers, problems)
        rates = _check_rates(rates, problems)
        if problems:
            raise InvalidTableError(problems)
        mrr, currency = _reporting_amounts(
            table, "mrr", table["month"], "monthly_mrr", currency, rates, conventions
        )
        month = ordinals.get("month", np.zeros(0, np.int64))
        horizon = _month_or_none(through, "through")
        if horizon is None and len(month):
            horizon = int(month.max())
        set_aside: list[SetAside] = []
        ids = table["customer_id"]
        labels = table.index  # named in errors only: not converted up front
        if horizon is not None and (month > horizon).any():
            late = month > horizon
            set_aside.append(
                SetAside(
                    table="monthly_mrr",
                    rule="rows after the horizon",
                    count=int(late.sum()),
                    examples=_examples(table.index, np.asarray(late)),
                    detail=f"months after 'through' ({_period(horizon)}) are not shown",
                )
            )
            keep = ~late
            ids, month, mrr = ids[keep], month[keep], mrr[keep]
            labels = labels[keep]
        keys, decode = _customer_keys(ids)
        # Handed over in a list, so each is freed once the sort has read it.
        columns = [keys, month, mrr]
        del keys, month, mrr, ids
        ordinals.clear()
        return cls._from_customer_months(
            columns,
            labels,
            decode,
            table=table,
            name="monthly_mrr",
            column="mrr",
            advice="date each credit in the month it credits",
            customer_table=customer_table,
            horizon=horizon,
            conventions=conventions,
            currency=currency,
            set_aside=set_aside,
        )

    @classmethod
    def from_invoice_lines(
        cls,
        lines: pd.DataFrame,
        *,
        customers: pd.DataFrame | None = None,
        conventions: Conventions | None = None,
        amounts: Amounts = "minor",
        currency: str | None = None,
        rates: Rates | None = None,
        through: MonthLike | None = None,
    ) -> Ledger:
        """
        Build the ledger from invoice lines, spreading each over its service period.

        Parameters
        ----------
        lines : pandas.DataFrame
            The columns of `InvoiceLine`: ``line_id``, ``customer_id``,
            ``kind``, ``period_start``, ``period_end`` (exclusive),
            ``currency``, and either ``amount`` or ``quantity`` and
            ``unit_amount``; ``discount_amount``, ``invoice_id``,
            ``subscription_id``, ``plan`` and any other columns are optional.
        customers, conventions, amounts, currency, rates
            As for `Ledger.from_subscriptions`. Amounts in other currencies
            are converted line by line, at the rate of ``period_start``.
        through : pandas.Period, str or date, optional
            The data horizon; by default the last month any line reaches. A
            customer with MRR in that month has not churned. The parts of
            lines after it are set aside and counted.

        Returns
        -------
        Ledger
            With ``source='invoice_lines'``.

        Raises
        ------
        InvalidTableError
            If a table breaks a rule, or a customer-month nets below zero
            (its credits exceed its recurring charges; the error names the
            lines).

        Notes
        -----
        A line's amount is ``amount``, or ``quantity * unit_amount``, less
        ``discount_amount`` under ``conventions.discounts == 'lower_mrr'``.
        Recurring lines, credit notes and prorations are spread over their
        service period by ``conventions.invoice_spread``, in integer minor
        units that add up to the line's amount exactly, and net within each
        customer and month. One-off and tax lines are not MRR; they are
        counted in `Ledger.set_aside`, as are trial lines under
        ``conventions.trial == 'not_customer'``. A customer-month with lines
        is a row of monthly MRR, as for `Ledger.from_monthly_mrr`: a month
        without one is a month without revenue.

        Examples
        --------
        >>> import pandas as pd
        >>> from subscription_metrics import Ledger, ledger
        >>> lines = pd.DataFrame({
        ...     "line_id": ["l1", "l2", "l3"], "customer_id": ["c1", "c1", "c2"],
        ...     "kind": ["recurring", "tax", "recurring"],
        ...     "period_start": pd.to_datetime(["2025-04-01", "2025-04-01",
        ...                                     "2025-05-01"]),
        ...     "period_end": pd.to_datetime(["2026-04-01", "2025-04-01",
        ...                                   "2025-06-01"]),
        ...     "amount": [120_000, 12_000, 5_000], "currency": "JPY"})
        >>> led = Ledger.from_invoice_lines(lines, through="2025-06")
        >>> ledger.bridge(led)["mrr_at_end"].tolist()
        [10000, 15000, 10000]
        >>> print(led.set_aside[0])
        invoice_lines: tax lines: 1 row (e.g. l2); tax is not revenue, so not MRR
        """
        from . import _invoices

        conventions = conventions or Conventions()
        table, problems = check_table(
            lines,
            InvoiceLine,
            amounts=amounts,
            rounding=conventions.money_rounding,
        )
        customer_table = _check_customers(customers, problems)
        rates = _check_rates(rates, problems)
        if problems:
            raise InvalidTableError(problems)
        line_ids = table["line_id"].to_numpy()
        kind_code, kinds = pd.factorize(table["kind"])
        kind_names = [str(LineKind(value)) for value in kinds]

        def of_kind(*names: str) -> npt.NDArray[np.bool_]:
            wanted = [i for i, name in enumerate(kind_names) if name in names]
            return np.isin(kind_code, wanted)

        amount, has_amount = _int_column(table["amount"])
        quantity, _ = _int_column(table["quantity"])
        unit_amount, _ = _int_column(table["unit_amount"])
        discount, _ = _int_column(table["discount_amount"])
        product, beyond = _invoices.exact_products(quantity, unit_amount)
        gross = np.where(has_amount, amount, product)
        beyond &= ~has_amount
        net = gross
        if conventions.discounts == "lower_mrr":
            net, short = _invoices.exact_differences(gross, discount)
            beyond |= short
        if beyond.any():
            problem = overflow_problem(
                table="invoice_lines",
                column="amount",
                magnitude=np.where(beyond, 1.0, 0.0),
                labels=line_ids,
                what="quantity x unit_amount - discount_amount",
                count=int(beyond.sum()),
            )
            raise MoneyOverflowError([problem])
        set_aside: list[SetAside] = []
        for name, rule, detail in (
            ("one_off", "one-off lines", "not recurring revenue, so not MRR"),
            ("tax", "tax lines", "tax is not revenue, so not MRR"),
        ):
            mask = of_kind(name)
            if mask.any():
                set_aside.append(
                    SetAside(
                        table="invoice_lines",
                        rule=rule,
                        count=int(mask.sum()),
                        examples=_examples(pd.Index(line_ids), mask),
                        detail=detail,
                    )
                )
        keep = of_kind("recurring", "credit_note", "proration")
        start = _days(table["period_start"])
        end = _period_ends(table, start, line_ids)
        codes, uniques = pd.factorize(table["customer_id"], sort=False)
        codes = codes.astype(np.int64)
        trial = _trials(of_kind("recurring"), gross, start, codes)
        if trial.any() and conventions.trial == "not_customer":
            set_aside.append(
                SetAside(
                    table="invoice_lines",
                    rule="trial lines",
                    count=int(trial.sum()),
                    examples=_examples(pd.Index(line_ids), trial),
                    detail="a recurring line that charges nothing before the "
                    "customer's first paid one is a trial, not yet a customer "
                    "(conventions.trial)",
                )
            )
            keep &= ~trial
        rows = np.flatnonzero(keep)
        kept = pd.DataFrame(
            {"amount": net[rows], "currency": table["currency"].to_numpy()[rows]},
            index=table.index[rows],
        )
        converted, currency = _reporting_amounts(
            kept,
            "amount",
            table["period_start"].iloc[rows],
            "invoice_lines",
            currency,
            rates,
            conventions,
        )
        if currency is None and table["currency"].nunique() == 1:
            currency = str(table["currency"].iloc[0])  # only lines left out of MRR
        line, month, share = _invoices.spread(
            converted, start[rows], end[rows], rule=conventions.invoice_spread
        )
        horizon = _month_or_none(through, "through")
        if horizon is None and len(month):
            horizon = int(month.max())
        share_labels = line_ids[rows][line]
        if horizon is not None and (month > horizon).any():
            late = month > horizon
            late_lines = pd.unique(pd.Series(share_labels[late], dtype=object))
            every = np.ones(len(late_lines), dtype=bool)
            set_aside.append(
                SetAside(
                    table="invoice_lines",
                    rule="months after the horizon",
                    count=len(late_lines),
                    examples=_examples(pd.Index(late_lines), every),
                    detail=f"their shares of months after 'through' "
                    f"({_period(horizon)}) are not shown",
                )
            )
            early = ~late
            line, month, share = line[early], month[early], share[early]
            share_labels = share_labels[early]
        keys = codes[rows][line]

        def decode(found: npt.NDArray[np.int64]) -> Any:
            return uniques.take(found)

        columns = [keys, month, share]
        del keys, month, share
        return cls._from_customer_months(
            columns,
            share_labels,
            decode,
            table=table,
            name="invoice_lines",
            column="amount",
            advice="give each credit the service period it credits",
            customer_table=customer_table,
            horizon=horizon,
            conventions=conventions,
            currency=currency,
            set_aside=set_aside,
        )

    @classmethod
    def _from_customer_months(
        cls,
        columns: list[npt.NDArray[Any]],
        labels: Any,
        decode: Any,
        *,
        table: pd.DataFrame,
        name: Literal["monthly_mrr", "invoice_lines"],
        column: str,
        advice: str,
        customer_table: pd.DataFrame | None,
        horizon: int | None,
        conventions: Conventions,
        currency: str | None,
        set_aside: list[SetAside],
    ) -> Ledger:
        """
        Net rows per customer-month, classify the changes, and build the ledger.

        `columns` holds the customer keys, month ordinals and MRR of the rows;
        it is emptied, so each is freed as soon as it is read.
        """
        key, month, mrr = _net_customer_months(
            columns,
            labels,
            decode,
            table=name,
            column=column,
            advice=advice,
        )
        first_row = k.group_starts(key)
        customer = np.cumsum(first_row, dtype=np.int32)  # fits: one per row
        customer -= 1
        customer_frame = _customer_frame(
            decode(key[first_row].astype(np.int64)), customer_table
        )
        changes = list(_row_events(customer, month, mrr, horizon))
        del customer, month, mrr
        events = _build_events(
            changes,
            conventions=conventions,
            table=name,
            ids=customer_frame["customer_id"].to_numpy(),
        )
        set_aside += _unknown_customers(customer_frame, customer_table)
        return cls(
            currency=currency,
            conventions=conventions,
            source=name,
            first_month=_period(int(events.month.min())) if len(events.month) else None,
            last_month=_period(horizon) if horizon is not None else None,
            customers=customer_frame,
            set_aside=tuple(set_aside),
            events=events,
            rows=table,
        )

    def customer_attribute(self, name: str) -> pd.Series:
        """
        Return one attribute per customer, indexed like `Ledger.customers`.

        The attribute comes from the ``customers`` table if it has the column,
        otherwise from the input rows, where it must be constant per customer.

        Parameters
        ----------
        name : str
            Column name, such as ``"segment"`` or ``"plan"``.

        Returns
        -------
        pandas.Series
            One value per customer code; missing where the customer has none.

        Raises
        ------
        InvalidTableError
            If the column is unknown, or it varies within a customer's rows.

        Examples
        --------
        >>> import pandas as pd
        >>> subs = pd.DataFrame({
        ...     "subscription_id": ["s1", "s2"], "customer_id": ["c1", "c2"],
        ...     "start": pd.to_datetime(["2024-01-10", "2024-02-03"]),
        ...     "end": pd.NaT, "mrr": [100, 250], "currency": "USD",
        ...     "plan": ["basic", "pro"]})
        >>> Ledger.from_subscriptions(subs).customer_attribute("plan").tolist()
        ['basic', 'pro']
        """
        if name in self.customers.columns:
            return self.customers[name]
        if name not in self._rows.columns:
            known = [c for c in self.customers.columns if c != "customer_id"]
            known += [c for c in self._rows.columns if c not in known]
            raise InvalidTableError(
                [
                    Problem(
                        table="customers",
                        column=name,
                        rule="known attribute",
                        detail=f"available: {known}",
                    )
                ]
            )
        values = self._rows[name]
        ids = pd.Index(self.customers["customer_id"])
        codes = pd.Series(
            ids.get_indexer(self._rows["customer_id"]), index=values.index
        )
        frame = pd.DataFrame({"code": codes, "value": values})
        distinct = frame.drop_duplicates()
        varies = distinct["code"].duplicated(keep=False)
        if varies.any():
            bad = np.asarray(pd.unique(distinct.loc[varies, "code"]), np.int64)
            ids = self.customers["customer_id"].to_numpy()[bad]
            raise InvalidTableError(
                [
                    Problem(
                        table=self.source,
                        column=name,
                        rule="constant per customer",
                        count=len(bad),
                        unit="customer",
                        examples=tuple(str(i) for i in ids[:MAX_EXAMPLES]),
                        detail=(
                            "segments are customer attributes; pass a customers "
                            "table with one value per customer (for example the "
                            "value at acquisition)"
                        ),
                    )
                ]
            )
        out = pd.Series(
            pd.NA, index=self.customers.index, dtype=values.dtype, name=name
        )
        out.iloc[distinct["code"].to_numpy()] = distinct["value"].to_numpy()
        return out


def _int_column(
    series: pd.Series,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Return an optional integer column as int64 (0 where empty), and where given."""
    given = series.notna().to_numpy(bool)
    if given.all() and series.dtype == np.int64:
        return series.to_numpy(np.int64), given
    values = np.zeros(len(series), np.int64)
    if given.any():
        values[given] = series[given].astype(np.int64).to_numpy()
    return values, given


def _period_ends(
    table: pd.DataFrame,
    start: npt.NDArray[np.datetime64],
    line_ids: npt.NDArray[Any],
) -> npt.NDArray[np.datetime64]:
    """Return each line's period end: given, or `interval_count` intervals on."""
    from . import _invoices
    from ._intervals import INTERVAL_NAMES

    end = _days(table["period_end"])
    missing = np.isnat(end)
    if not missing.any():
        return end
    names = table["interval"].to_numpy(object)[missing]
    lowered = pd.Series(names, dtype=object).str.strip().str.lower()
    canonical = lowered.map(INTERVAL_NAMES).to_numpy(object)
    counts, given = _int_column(table["interval_count"])
    counts = np.where(given, counts, 1)[missing]
    problems: list[Problem] = []
    unknown = pd.isna(canonical)
    if unknown.any():
        shown = pd.unique(pd.Series(names[unknown], dtype=object).astype(str))
        problems.append(
            Problem(
                table="invoice_lines",
                column="interval",
                rule="a billing interval",
                count=int(unknown.sum()),
                examples=tuple(
                    str(v) for v in line_ids[missing][unknown][:MAX_EXAMPLES]
                ),
                detail="name it day, week, month, quarter or year (or monthly, "
                f"annual, yearly, ... in any case); got {', '.join(shown[:3])}",
            )
        )
    short = counts < 1
    if short.any():
        problems.append(
            Problem(
                table="invoice_lines",
                column="interval_count",
                rule="at least 1",
                count=int(short.sum()),
                examples=tuple(str(v) for v in line_ids[missing][short][:MAX_EXAMPLES]),
                detail="a period is one or more whole intervals",
            )
        )
    if problems:
        raise InvalidTableError(problems)
    end = end.copy()
    end[missing] = _invoices.period_ends(start[missing], canonical, counts)
    return end


def _days(dates: pd.Series) -> npt.NDArray[np.datetime64]:
    """Return dates as datetime64[D] (the wall-clock day in their zone)."""
    naive = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    return naive.to_numpy("datetime64[D]")


def _trials(
    recurring: npt.NDArray[np.bool_],
    gross: npt.NDArray[np.int64],
    start: npt.NDArray[np.datetime64],
    codes: npt.NDArray[np.int64],
) -> npt.NDArray[np.bool_]:
    """Mark recurring lines that charge nothing, before the first paid one."""
    day = start.astype(np.int64)
    paid = recurring & (gross > 0)
    first_paid = np.full(
        int(codes.max()) + 1 if len(codes) else 0, np.iinfo(np.int64).max
    )
    np.minimum.at(first_paid, codes[paid], day[paid])
    trial: npt.NDArray[np.bool_] = recurring & (gross == 0) & (day < first_paid[codes])
    return trial


def _examples(
    ids: pd.Series | pd.Index, mask: npt.NDArray[np.bool_]
) -> tuple[str, ...]:
    """Return the first few ids set aside, in sorted order (not the rows' order)."""
    numbers = np.asarray(ids[mask]) if isinstance(ids.dtype, np.dtype) else None
    if numbers is not None and numbers.dtype.kind in "iu":
        # Integer ids: the smallest few by one sort, without Python objects
        # (numpy 2.4's `unique` hashes, many times slower than the sort).
        ordered = np.sort(numbers)
        distinct = np.ones(len(ordered), np.bool_)
        distinct[1:] = ordered[1:] != ordered[:-1]
        return tuple(str(v) for v in ordered[distinct][:MAX_EXAMPLES].tolist())
    values = pd.unique(np.asarray(ids[mask], dtype=object))
    try:
        first = heapq.nsmallest(MAX_EXAMPLES, values)
    except TypeError:  # labels of mixed types
        first = heapq.nsmallest(MAX_EXAMPLES, values, key=str)
    return tuple(str(v) for v in first)


def _period(ordinal: int) -> pd.Period:
    return pd.Period(ordinal=ordinal, freq="M")


def _month_or_none(value: MonthLike | None, name: str) -> int | None:
    if value is None:
        return None
    msg = f"{name!r} must be a month (Period, 'YYYY-MM' or date), got {value!r}"
    try:
        period = pd.Period(value, freq="M")
    except (TypeError, ValueError) as exc:
        raise ValueError(msg) from exc
    if isinstance(value, str) and not 1000 <= period.year <= 9999:
        raise ValueError(msg)  # "June" parses as June of year 1
    return int(period.ordinal)


def as_of_month(ledger: Ledger, as_of: MonthLike | None, *, empty: str) -> int:
    """
    Return the month ordinal results are read at: `as_of`, or the horizon.

    Raises ``ValueError`` for an empty ledger (with the message *empty*) and
    for a month after the ledger's data horizon.
    """
    if ledger.last_month is None:
        raise ValueError(empty)
    horizon = int(ledger.last_month.ordinal)
    month = _month_or_none(as_of, "as_of")
    if month is None:
        return horizon
    if month > horizon:
        msg = (
            f"'as_of' ({as_of}) is after the ledger's data horizon "
            f"({ledger.last_month}); build the ledger with a later through="
        )
        raise ValueError(msg)
    return month


def _check_customers(
    customers: pd.DataFrame | None, problems: list[Problem]
) -> pd.DataFrame | None:
    if customers is None:
        return None
    table, found = check_table(customers, Customer)
    problems.extend(found)
    return table


def _check_rates(rates: Rates | None, problems: list[Problem]) -> Rates | None:
    """Validate `rates` as `ExchangeRate` rows; a mapping is one row per code."""
    if rates is None:
        return None
    if isinstance(rates, pd.DataFrame):
        table, found = check_table(rates, ExchangeRate)
        problems.extend(found)
        if not found:
            dates = table["date"]
            if dates.dt.tz is not None:
                table["date"] = dates.dt.tz_localize(None)
        return table
    if not isinstance(rates, Mapping):
        msg = f"'rates' must be a mapping or a DataFrame, got {type(rates).__name__}"
        raise TypeError(msg)

    def number(value: object) -> object:
        if isinstance(value, str | Decimal):
            try:
                return float(value)
            except ValueError:
                return value  # reported as the wrong type
        return value

    codes = [str(code) for code in rates]
    frame = pd.DataFrame(
        {
            "currency": list(rates),
            "date": pd.Timestamp("2000-01-01"),
            "rate": pd.Series([number(v) for v in rates.values()], dtype=object),
        }
    ).set_axis(pd.Index(codes))
    table, found = check_table(frame, ExchangeRate)
    problems.extend(found)
    if found:
        return None
    return dict(zip(codes, table["rate"].astype(float), strict=True))


def _customer_keys(
    ids: pd.Series,
) -> tuple[npt.NDArray[np.integer[Any]], Any]:
    """Small non-negative int keys for customer ids, and how to turn keys back.

    Integer ids within a modest range are their own keys (offset to start at
    zero), which saves hashing them; other ids are factorised.
    """
    packed = _fixed_width_keys(ids)
    if packed is not None:
        return packed
    if isinstance(ids.dtype, pd.StringDtype):  # no int keys: hash the strings
        codes, uniques = pd.factorize(ids, sort=False)

        def lookup(found: npt.NDArray[np.int64]) -> Any:
            return uniques.take(found)

        return codes.astype(np.int64), lookup
    values = ids.to_numpy()
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 2**40:
            # int32 offsets when they fit: half the memory of one per row.
            width = np.int32 if high - low <= _INT32.max else np.int64
            keys = np.subtract(values, low, dtype=width, casting="unsafe")

            def shift(found: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
                return (found + low).astype(values.dtype)

            return keys, shift
    codes, uniques = pd.factorize(ids, sort=False)

    def take(found: npt.NDArray[np.int64]) -> Any:
        return uniques.take(found)

    return codes.astype(np.int64), take


def _span_changes(
    spans: list[npt.NDArray[Any]], *, table: str
) -> list[npt.NDArray[Any]]:
    """
    Return the change events of subscription spans, by customer and month.

    `spans` holds, per span, the customer code, first and last (exclusive)
    counted month, and MRR, then the positions of the spans that open and
    of those that close. Each opening span gives ``+mrr`` at its first month,
    each closing one ``-mrr`` at its last. Returns the customer (int32),
    month (int32), MRR change (int64) and count change (int8) arrays, as
    `_build_events` takes them.

    Each event's (customer, month, span, closes) is packed into one int64
    and sorted in place; the MRR is then read from the span, and `spans` is
    emptied so each input array is freed as soon as it is used: the peak is
    about three int64 arrays of the events. When the pack needs more than
    63 bits, `_span_changes_lexsort` sorts instead.
    """
    codes, first, last, mrr, opens, closes = spans
    n_opens, n = len(opens), len(opens) + len(closes)
    if n == 0:
        spans.clear()
        empty = np.zeros(0, np.int32)
        return [empty, empty, np.zeros(0, np.int64), np.zeros(0, np.int8)]
    low, high = 2**62, -(2**62)
    for months, rows in ((first, opens), (last, closes)):
        if len(rows):
            low = min(low, int(months[rows].min()))
            high = max(high, int(months[rows].max()))
    _check_int32(low, high, table=table, column="start, end", what="month ordinals")
    top_code = int(codes.max())
    _check_int32(0, top_code, table=table, column="customer_id", what="codes")
    month_bits = max((high - low).bit_length(), 1)
    code_bits = max(top_code.bit_length(), 1)
    row_bits = max((2 * len(mrr) - 1).bit_length(), 1)  # span, then closes
    if code_bits + month_bits + row_bits > 63:
        return _span_changes_lexsort(spans)
    spans.clear()
    packed = np.empty(n, np.int64)
    head, tail = packed[:n_opens], packed[n_opens:]
    head[:] = codes[opens]
    tail[:] = codes[closes]
    del codes
    packed <<= month_bits
    # One temporary at a time, shifted in place.
    for part, months, rows in ((head, first, opens), (tail, last, closes)):
        offset = months[rows]
        offset -= low
        part |= offset
        del offset
    del first, last, part, months, rows
    packed <<= row_bits
    for part, rows, flag in ((head, opens, 0), (tail, closes, 1)):
        slot = rows << 1
        slot |= flag
        part |= slot
        del slot
    del head, tail, part, opens, closes, rows
    packed.sort()  # by customer, month, then span: stable enough to net
    # Unpacked narrowest first, and the pack freed before the MRR is read.
    span = packed & ((1 << row_bits) - 1)
    packed >>= row_bits
    month = np.empty(n, np.int32)
    np.bitwise_and(packed, (1 << month_bits) - 1, out=month, casting="unsafe")
    month += np.int32(low)  # within int32: checked above
    packed >>= month_bits
    customer = packed.astype(np.int32)
    del packed
    count_change = np.empty(n, np.int8)
    np.bitwise_and(span, 1, out=count_change, casting="unsafe")  # 1: closes
    span >>= 1
    mrr_change = mrr[span]
    del span, mrr
    closing = count_change.view(np.bool_)
    np.negative(mrr_change, out=mrr_change, where=closing)
    del closing
    count_change *= -2
    count_change += 1  # +1 opens, -1 closes
    return [customer, month, mrr_change, count_change]


def _span_changes_lexsort(spans: list[npt.NDArray[Any]]) -> list[npt.NDArray[Any]]:
    """`_span_changes` by `numpy.lexsort`: for any width, and its test oracle."""
    codes, first, last, mrr, opens, closes = spans
    spans.clear()
    customer = np.concatenate([codes[opens], codes[closes]])
    month = np.concatenate([first[opens], last[closes]])
    order = np.lexsort((month, customer))
    signed = np.concatenate([mrr[opens], -mrr[closes]])
    return [
        customer[order].astype(np.int32),  # within int32: checked by the caller
        month[order].astype(np.int32),
        signed[order],
        np.where(order < len(opens), np.int8(1), np.int8(-1)),
    ]


def _customer_codes(ids: pd.Series) -> tuple[npt.NDArray[np.integer[Any]], Any]:
    """
    Dense customer codes ``0 .. n - 1`` and the id of each code.

    Integer ids in a range at most a few times their number are coded by a
    table over the range (in id order, linear time, no hashing; int32 codes
    when the range allows); other ids are factorised in order of appearance.
    """
    values = ids.to_numpy() if isinstance(ids.dtype, np.dtype) else None
    if values is not None and values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low <= 4 * len(values) + 1024:
            span = high - low + 1
            narrow = np.int32 if span <= _INT32.max else np.int64
            dense, present = k.dense_rank(
                np.subtract(values, low, dtype=np.int64), span, narrow
            )
            return dense, (present + low).astype(values.dtype)
    codes, found = pd.factorize(ids, sort=False)
    return codes, found


def _fixed_width_keys(
    ids: pd.Series,
) -> tuple[npt.NDArray[np.int64], Any] | None:
    """
    Order-preserving int keys for string ids of one byte length, or None.

    Ids such as ``"cus_0001234"`` are read as fixed-width bytes: the byte
    positions that vary become digits of a mixed-radix number (each position
    ranging over the values it takes), so the keys are small, sort like the
    strings, and need no hashing. Only for pyarrow-backed strings without
    missing values whose keys stay below ``2**40``; None otherwise.
    """
    dtype = ids.dtype
    if not (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa

    text = pa.array(ids.array)  # the Arrow data itself, through __arrow_array__
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks() if text.num_chunks != 1 else text.chunk(0)
    n = len(text)
    if not n or text.null_count or text.type not in (pa.string(), pa.large_string()):
        return None
    offset_type = np.int32 if text.type == pa.string() else np.int64
    offsets = np.frombuffer(text.buffers()[1], offset_type)
    offsets = offsets[text.offset : text.offset + n + 1]
    width = int(offsets[1] - offsets[0])
    if not 0 < width <= 32 or int(offsets[-1] - offsets[0]) != n * width:
        return None
    if not (np.diff(offsets) == width).all():
        return None
    raw = np.frombuffer(text.buffers()[2], np.uint8)
    data = raw[int(offsets[0]) : int(offsets[0]) + n * width].reshape(n, width)
    low, high = data.min(axis=0), data.max(axis=0)
    varying = np.flatnonzero(high > low)
    radix = high[varying].astype(np.int64) - low[varying] + 1
    if float(np.prod(radix.astype(np.float64))) >= 2**40:
        return None
    keys = np.zeros(n, np.int64)
    for position, base in zip(varying, radix, strict=True):
        keys *= base
        keys += data[:, position]
        keys -= low[position]

    def decode(found: npt.NDArray[np.int64]) -> Any:
        rest = np.array(found, np.int64)
        out = np.tile(low, (len(rest), 1))
        for position, base in zip(varying[::-1], radix[::-1], strict=True):
            out[:, position] += (rest % base).astype(np.uint8)
            rest //= base
        bounds = np.arange(len(rest) + 1, dtype=offset_type) * width
        kind = pa.StringArray if offset_type is np.int32 else pa.LargeStringArray
        array = kind.from_buffers(
            len(rest), pa.py_buffer(bounds.tobytes()), pa.py_buffer(out.tobytes())
        )
        mapper = {pa.string(): dtype, pa.large_string(): dtype}.get
        return pa.chunked_array([array]).to_pandas(types_mapper=mapper).array

    return keys, decode


def _customer_frame(uniques: Any, customers: pd.DataFrame | None) -> pd.DataFrame:
    """One row per customer id, with the customers table's attributes if given."""
    frame = pd.DataFrame({"customer_id": uniques})
    if customers is not None:
        attributes = customers.drop_duplicates("customer_id").set_index("customer_id")
        # Optional columns the customers table lacked stay None in no memory;
        # only the given attributes are looked up customer by customer.
        absent = {name for name in attributes.columns if is_absent(attributes[name])}
        given = [name for name in attributes.columns if name not in absent]
        joined = attributes[given].reindex(pd.Index(uniques))
        for name in attributes.columns:
            if name in absent:
                frame[name] = absent_column(frame.index)
                continue
            column = joined[name]
            # Text stays in its own array: through Python objects and back
            # it would be read again string by string.
            text = isinstance(column.dtype, pd.StringDtype)
            frame[name] = column.array if text else column.to_numpy()
        frame.attrs["known"] = pd.Index(uniques).isin(attributes.index)
    return frame


def _row_events(
    customer: npt.NDArray[np.integer[Any]],
    month: npt.NDArray[np.integer[Any]],
    mrr: npt.NDArray[np.int64],
    horizon: int | None,
) -> tuple[
    npt.NDArray[np.integer[Any]],
    npt.NDArray[np.integer[Any]],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
]:
    """Change events from one row per customer-month, sorted by both.

    A row opens (or changes) the customer's MRR in its month; a missing next
    month closes it, unless the row is in the horizon month. Rows with the
    same MRR as the month before make no event, so the work after this grows
    with the number of changes, not with the number of rows.
    """
    n = len(month)
    continues = np.zeros(n, bool)  # the row follows the same customer's last month
    if n:
        continues[1:] = customer[1:] == customer[:-1]
        continues[1:] &= month[1:] == month[:-1] + 1
    # A row opens an event where it starts a run or its MRR differs from the
    # row before; the change is computed for those rows only (no array of
    # changes as long as the rows).
    opens = np.zeros(n, bool)
    if n:
        opens[0] = True
        np.not_equal(mrr[1:], mrr[:-1], out=opens[1:])
    opens |= ~continues
    opens = np.flatnonzero(opens)
    change = mrr[opens]
    after = opens[continues[opens]]  # opens >= 1 there
    change[continues[opens]] -= mrr[after - 1]
    del after
    last = np.ones(n, bool)
    last[:-1] = ~continues[1:]
    last &= month < (horizon if horizon is not None else 0)
    closes = np.flatnonzero(last)
    del last
    # Merge both event lists in row order; a close comes after its row's change.
    slot = np.concatenate([2 * opens, 2 * closes + 1])
    merged = np.argsort(slot, kind="stable")
    del slot
    rows = np.concatenate([opens, closes])[merged]
    is_close = merged >= len(opens)
    changes = np.concatenate([change, np.zeros(len(closes), np.int64)])[merged]
    np.negative(mrr[rows], out=changes, where=is_close)
    return (
        customer[rows],
        month[rows] + is_close,
        changes,
        np.where(is_close, -1, (~continues[rows]).astype(np.int64)),
    )


def _unknown_customers(
    frame: pd.DataFrame, customers: pd.DataFrame | None
) -> list[SetAside]:
    if customers is None:
        return []
    known = frame.attrs.pop("known")
    if known.all():
        return []
    return [
        SetAside(
            table="customers",
            rule="customers without attributes",
            count=int((~known).sum()),
            unit="customer",
            examples=_examples(frame["customer_id"], ~known),
            detail="not in the customers table; their attributes are missing, "
            "and by= puts them in a segment of their own",
        )
    ]


def _reporting_amounts(
    table: pd.DataFrame,
    column: str,
    dates: pd.Series,
    name: str,
    currency: str | None,
    rates: Rates | None,
    conventions: Conventions,
) -> tuple[npt.NDArray[np.int64], str | None]:
    """Return the amounts in one currency, converting with `rates` if needed."""
    from . import _money

    amounts = table[column].to_numpy(np.int64)
    codes = table["currency"]
    null = codes.isna().to_numpy(bool)
    present = pd.unique(codes) if null.any() else distinct_values(codes, null)
    if currency is not None:
        currency = _money.canonical_currency(currency)
    if rates is None:
        others = [c for c in present if c != (currency or present[0])]
        if others:
            target = currency or present[0]
            mask = codes.isin(others).to_numpy(bool)
            detail = (
                f"amounts are in {sorted(map(str, present))}; pass rates= (and "
                "currency=) to convert them"
                if currency is None
                else f"amounts are not in currency={target!r}; pass rates= to convert"
            )
            raise InvalidTableError(
                [
                    Problem(
                        table=name,
                        column="currency",
                        rule="one currency unless rates are given",
                        count=int(mask.sum()),
                        examples=tuple(
                            str(i) for i in table.index[mask][:MAX_EXAMPLES]
                        ),
                        detail=detail,
                    )
                ]
            )
        return amounts, currency or (str(present[0]) if len(present) else None)
    if currency is None:
        msg = "'currency' (the reporting currency) is required when 'rates' are given"
        raise ValueError(msg)
    out = amounts.copy()
    problems: list[Problem] = []
    naive = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    day = naive.to_numpy("datetime64[D]")
    if isinstance(rates, pd.DataFrame):
        rate_codes = _upper_case_codes(rates["currency"])  # 'usd' is USD
    for code in present:
        if code == currency:
            continue
        mask = (codes == code).to_numpy(bool)
        if isinstance(rates, pd.DataFrame):
            table_rates = rates[rate_codes == code].sort_values("date")
            if table_rates.empty:
                rate = None
            else:
                rate_days = table_rates["date"].to_numpy("datetime64[D]")
                values = table_rates["rate"].to_numpy(np.float64)
                if conventions.fx_rate_date == "latest":
                    rate = np.full(int(mask.sum()), values[-1])
                else:
                    position = np.searchsorted(rate_days, day[mask], side="right") - 1
                    before = position < 0
                    if before.any():
                        rows = np.flatnonzero(mask)[before]
                        problems.append(
                            Problem(
                                table=name,
                                column="currency",
                                rule="rate on or before the date",
                                count=int(before.sum()),
                                examples=tuple(str(i) for i in table.index[rows][:5]),
                                detail=f"no {code} rate dated on or before these rows",
                            )
                        )
                        continue
                    rate = values[position]
        else:
            fixed = next((v for k, v in rates.items() if known_code(k) == code), None)
            rate = None if fixed is None else np.full(int(mask.sum()), float(fixed))
        if rate is None:
            problems.append(
                Problem(
                    table=name,
                    column="currency",
                    rule="rate for every currency",
                    count=int(mask.sum()),
                    examples=tuple(str(i) for i in table.index[mask][:MAX_EXAMPLES]),
                    detail=f"no rate from {code} to {currency}",
                )
            )
            continue
        shift = _money.currency_exponent(currency) - _money.currency_exponent(str(code))
        estimate = np.abs(amounts[mask] * np.asarray(rate, np.float64)) * 10.0**shift
        try:
            if (estimate >= 2.0**63).any():
                raise OverflowError
            out[mask] = _money.convert(
                amounts[mask],
                from_currency=str(code),
                to_currency=currency,
                rate=rate,
                rounding=conventions.money_rounding,
            )
        except (OverflowError, ValueError) as exc:
            if isinstance(exc, _money.InexactAmountError) or not (
                isinstance(exc, OverflowError) or "int64" in str(exc)
            ):
                raise
            rows = np.flatnonzero(mask)
            big = estimate >= np.float64(2.0**63) * (1 - 1e-9)
            problem = overflow_problem(
                table=name,
                column=column,
                magnitude=estimate,
                labels=table.index.to_numpy(object)[rows],
                what=f"amounts converted from {code} to {currency}",
                count=max(int(big.sum()), 1),
            )
            raise MoneyOverflowError([problem]) from None
    if problems:
        raise InvalidTableError(problems)
    return out, currency


def _build_events(
    changes: list[npt.NDArray[Any]],
    *,
    conventions: Conventions,
    table: str,
    ids: npt.NDArray[Any],
) -> _Events:
    """
    Net events per customer-month (input sorted by both), then classify them.

    The absolute MRR changes must add up to at most ``2**63 - 1`` minor units
    over the whole ledger: every money figure read from it (a customer's MRR,
    a bridge cell, a segment's or a team's sum) is a signed sum of some of
    these changes, so it is then exact. `table` and `ids` (the customer id of
    each code) name the input when they do not.

    `changes` holds the customer, month, MRR change and count change arrays
    (customer, month and count of any integer width); it is emptied, so the
    input arrays are freed once they are netted.
    """
    raw_customer, raw_month, mrr_change, raw_count = changes
    changes.clear()
    starts = k.group_starts(raw_customer, raw_month)
    if not starts.all():
        # One array at a time, each input freed before the next sum.
        mrr_change, overflow = checked_sum_runs(mrr_change, starts)
        raw_customer, raw_month = raw_customer[starts], raw_month[starts]
        if overflow is not None and overflow.any():
            _raise_overflow(table, ids, raw_customer[overflow], "MRR in one month")
        # Each count change is -1, 0 or 1, so with fewer than 2**31 events
        # every sum fits in int32.
        _check_int32(0, len(raw_count), table=table, column="rows", what="rows")
        raw_count = np.add.reduceat(raw_count, np.flatnonzero(starts), dtype=np.int32)
    del starts
    changed = (mrr_change != 0) | (raw_count != 0)
    if not changed.all():
        raw_customer, raw_month = raw_customer[changed], raw_month[changed]
        mrr_change, raw_count = mrr_change[changed], raw_count[changed]
    del changed
    # Narrowed as soon as they are netted, so every array after this is half
    # the size. Customer codes number the customers; counts are bounded by
    # the input rows.
    customer = _int32(raw_customer, table=table, column="customer_id", what="codes")
    del raw_customer
    month = _int32(raw_month, table=table, column="month", what="month ordinals")
    del raw_month
    count_change = _int32(raw_count, table=table, column="rows", what="counts")
    del raw_count
    check_total_fits(
        mrr_change,
        table=table,
        column="mrr",
        labels=ids,
        codes=customer,
        unit="customer",
        what="MRR changes (every start, end and change of MRR, over all months)",
    )
    first = k.group_starts(customer)
    mrr_after = k.grouped_cumsum(mrr_change, first)
    # Within a customer the running count is bounded by the rows (< 2**31,
    # checked above), so int32 sums are exact.
    count_after = _int32(
        k.grouped_cumsum(count_change, first, np.int32),
        table=table,
        column="rows",
        what="active subscriptions of a customer",
    )
    active_after = is_active(mrr_after, count_after, conventions)
    active_before = k.previous_in_group(active_after, first, False)
    kind = _classify(
        customer,
        month,
        mrr_change,
        active_before,
        active_after,
        conventions.reactivation_window_months,
    )
    return _Events(
        customer=customer,
        month=month,
        mrr_change=mrr_change,
        mrr_after=mrr_after,
        count_change=count_change,
        count_after=count_after,
        kind=kind,
    )


_INT32: Final = np.iinfo(np.int32)


def _check_int32(
    low: int, high: int, *, table: str, column: str, what: str, count: int = 0
) -> None:
    """
    Raise `InvalidTableError` unless ``low .. high`` lies within int32.

    The ledger keeps customer codes, month ordinals and subscription counts
    as int32: more than two billion customers or rows, or a month past the
    year 178 million, is refused, never wrapped.
    """
    if low < _INT32.min or high > _INT32.max:
        raise InvalidTableError(
            [
                Problem(
                    table=table,
                    column=column,
                    rule="within the ledger's 32-bit range",
                    count=count,
                    detail=(
                        f"{what} must lie within {_INT32.min}..{_INT32.max} "
                        f"(found {low}..{high})"
                    ),
                )
            ]
        )


def _int32(
    values: npt.NDArray[np.integer[Any]], *, table: str, column: str, what: str
) -> npt.NDArray[np.int32]:
    """Return integer *values* as int32 for the ledger's event arrays (checked)."""
    if values.dtype == np.int32:
        return values  # type: ignore[return-value]
    if len(values):
        low, high = int(values.min()), int(values.max())
        outside = 0
        if low < _INT32.min or high > _INT32.max:
            outside = int(((values < _INT32.min) | (values > _INT32.max)).sum())
        _check_int32(low, high, table=table, column=column, what=what, count=outside)
    return values.astype(np.int32)


def _net_customer_months(
    columns: list[npt.NDArray[Any]],
    labels: npt.NDArray[Any] | pd.Index,
    decode: Any,
    *,
    table: str,
    column: str,
    advice: str,
) -> tuple[
    npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]], npt.NDArray[np.int64]
]:
    """
    Sum signed rows per customer-month, sorted by both; refuse negative sums.

    Credits (negative rows) net with the charges of their customer and month.
    A customer-month whose net is below zero is an `InvalidTableError` naming
    its rows by `labels` (one per input row). `columns` (keys, months,
    amounts) is emptied.
    """
    keys, month, amounts = columns
    columns.clear()
    base = int(month.min()) if len(month) else 0
    if len(month):  # the sorted months come back as int32, as do close months
        top = int(month.max()) + 1
        _check_int32(base, top, table=table, column="month", what="month ordinals")
    # Offsets from the first month, int32 when they fit: half the memory.
    narrow = np.int32 if len(month) and top - base <= _INT32.max else np.int64
    offsets = np.subtract(month, base, dtype=narrow, casting="unsafe")
    del month
    order, (key, month) = k.sort_by_key(keys, offsets)
    del offsets, keys
    month += base
    amounts = amounts[order]
    starts = k.group_starts(key, month)
    if not starts.all():  # several rows of one customer-month add up
        amounts, overflow = checked_sum_runs(amounts, starts)
        key, month = key[starts], month[starts]
        if overflow is not None and overflow.any():
            _raise_month_overflow(key, month, overflow, decode, table, column)
    negative = amounts < 0
    if negative.any():
        run = np.cumsum(starts) - 1
        rows = order[negative[run]]
        named = pd.unique(pd.Series(np.asarray(labels[rows], dtype=object)))
        customers = np.asarray(decode(key[negative].astype(np.int64)), dtype=object)
        months = ordinal_strings(month[negative][:MAX_EXAMPLES])
        shown = ", ".join(
            f"{c} in {m}" for c, m in zip(customers[:MAX_EXAMPLES], months, strict=True)
        )
        count = int(negative.sum())
        noun = "customer-month nets" if count == 1 else "customer-months net"
        raise InvalidTableError(
            [
                Problem(
                    table=table,
                    column=column,
                    rule="customer-month not negative",
                    count=len(named),
                    examples=tuple(str(v) for v in named[:MAX_EXAMPLES]),
                    detail=(
                        f"{count} {noun} below zero ({shown}): credits exceed "
                        f"the recurring charges; correct the credits, or {advice}"
                    ),
                )
            ]
        )
    return key, month, amounts


def _raise_overflow(
    table: str, ids: npt.NDArray[Any], codes: npt.NDArray[np.int64], what: str
) -> None:
    """Raise `MoneyOverflowError` naming the customers (codes) whose sum overflows."""
    count = np.bincount(codes, minlength=len(ids)).astype(np.float64)
    problem = overflow_problem(
        table=table,
        column="mrr",
        magnitude=count,
        labels=ids,
        unit="customer",
        what=what,
        count=int((count > 0).sum()),
    )
    raise MoneyOverflowError([problem])


def _raise_month_overflow(
    key: npt.NDArray[np.integer[Any]],
    month: npt.NDArray[np.integer[Any]],
    overflow: npt.NDArray[np.bool_],
    decode: Any,
    table: str = "monthly_mrr",
    column: str = "mrr",
) -> None:
    """Raise for monthly rows of one customer-month that add up past int64."""
    customers = np.asarray(decode(key[overflow].astype(np.int64)), dtype=object)
    months = ordinal_strings(month[overflow])
    labels = np.array(
        [f"{c} in {m}" for c, m in zip(customers, months, strict=True)], object
    )
    problem = overflow_problem(
        table=table,
        column=column,
        magnitude=np.ones(len(labels)),
        labels=labels,
        unit="customer-month",
        what="rows of one customer and month",
        count=len(labels),
    )
    raise MoneyOverflowError([problem])


def ordinal_strings(ordinals: npt.NDArray[np.integer[Any]]) -> list[str]:
    """Month ordinals as 'YYYY-MM' strings."""
    from .periods import ordinal_to_period

    return [str(p) for p in ordinal_to_period(ordinals)]


def is_active(
    mrr: npt.NDArray[np.int64],
    count: npt.NDArray[np.integer[Any]],
    conventions: Conventions,
) -> npt.NDArray[np.bool_]:
    """Whether a customer with this MRR and active-subscription count is active."""
    return mrr > 0 if conventions.zero_mrr == "churned" else count > 0


def _classify(
    customer: npt.NDArray[np.int32],
    month: npt.NDArray[np.int32],
    mrr_change: npt.NDArray[np.int64],
    before: npt.NDArray[np.bool_],
    after: npt.NDArray[np.bool_],
    window: int | None,
) -> npt.NDArray[np.int8]:
    """Movement kind of each customer-month event (NONE when status and MRR hold)."""
    kind = np.where(mrr_change > 0, np.int8(EXPANSION), np.int8(CONTRACTION))
    staying = before & after
    staying &= mrr_change != 0
    kind *= staying
    np.greater(before, after, out=staying)  # churn: active before, not after
    np.putmask(kind, staying, np.int8(CHURN))  # those were 0 (not staying)
    np.not_equal(before, after, out=staying)
    # Status changes alternate per customer: activation, churn, activation, ...
    switch = np.flatnonzero(staying)
    del staying
    first_switch = k.group_starts(customer[switch])
    activation = after[switch]
    returning = activation & ~first_switch
    del first_switch
    if window is not None:
        gap = np.zeros(len(switch), np.int64)
        gap[1:] = np.diff(month[switch])
        returning &= gap <= window
        del gap
    activation &= ~returning
    kind[switch[activation]] = NEW
    kind[switch[returning]] = REACTIVATION
    return kind


def segments(
    ledger: Ledger, by: Sequence[str]
) -> tuple[npt.NDArray[np.int64], pd.MultiIndex | pd.Index | None, int]:
    """
    Return a segment code per customer, the segment labels, and their number.

    Segments are sorted by their values; customers without a value form a
    segment of their own, sorted last. Shared by the bridge, the rates and
    the cohort tables, so every view splits customers the same way.
    """
    if not by:
        return np.zeros(len(ledger.customers), np.int64), None, 1
    attributes = pd.DataFrame({name: ledger.customer_attribute(name) for name in by})
    if len(by) == 1:
        codes, labels = pd.factorize(
            attributes[by[0]], sort=True, use_na_sentinel=False
        )
        index: pd.Index = pd.Index(labels, name=by[0])
        return codes.astype(np.int64), index, len(index)
    unique = attributes.drop_duplicates().sort_values(list(by), na_position="last")
    unique = unique.reset_index(drop=True)
    lookup = pd.MultiIndex.from_frame(unique)
    codes = lookup.get_indexer(pd.MultiIndex.from_frame(attributes))
    return codes.astype(np.int64), lookup, len(lookup)
