"""
Read Chargebee's subscriptions, invoices and credit notes into the library's tables.

Chargebee's API objects (Product Catalog 2.0), as its list endpoints return
them (``{"list": [{"subscription": {...}, "customer": {...}}, ...]}``, the
list alone, or the bare objects), are read as they are:

- `subscriptions`: subscription objects with their ``subscription_items``
  to a subscriptions table, one row per plan or addon item, for
  `Ledger.from_subscriptions`;
- `invoice_lines`: invoice objects with their ``line_items``, and optionally
  credit note objects with theirs, to an invoice-lines table (``line_id``,
  ``invoice_id``, ``customer_id``, ``subscription_id``, ``plan``, ``kind``,
  ``period_start``, ``period_end`` exclusive, ``amount``, ``currency``).

Amounts are Chargebee's integer minor units (cents; whole yen for JPY), as
ISO 4217 states them. Instants (Unix seconds) become the UTC date they fall
on. Every value the adapter does not know (a status, an item or entity type,
a reason code) raises `InvalidTableError` naming the Chargebee field and the
rows.

Examples
--------
>>> import subscription_metrics as sm
>>> listed = {"list": [{"subscription": {
...     "id": "AzZ1", "customer_id": "acme", "status": "active",
...     "currency_code": "EUR", "started_at": 1735689600,
...     "billing_period": 1, "billing_period_unit": "month",
...     "subscription_items": [{"item_price_id": "pro-EUR-monthly",
...         "item_type": "plan", "quantity": 3, "unit_price": 2500}]}}]}
>>> frame = sm.adapters.chargebee.subscriptions(listed).frame
>>> frame[["subscription_id", "mrr", "currency", "plan"]]
            subscription_id   mrr currency             plan
0  AzZ1/pro-EUR-monthly  7500      EUR  pro-EUR-monthly
"""

from __future__ import annotations

from typing import Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._conventions import Conventions
from .._ledger import SetAside
from .._money import monthly_amount
from ._common import (
    INVOICE_LINE_COLUMNS,
    SUBSCRIPTION_COLUMNS,
    Imported,
    Reader,
    empty_subscriptions,
    explode,
    invoice_line_frame,
    read_records,
    strings,
    with_trials,
)

__all__ = ["invoice_lines", "subscriptions"]

SUBSCRIPTION_STATUSES: Final = (
    "future",
    "in_trial",
    "active",
    "non_renewing",
    "paused",
    "cancelled",
    "transferred",
)
ITEM_TYPES: Final = ("plan", "addon", "charge")
#: Line entity types: recurring (plans and addons) and one-off.
_RECURRING_ENTITIES: Final = ("plan_item_price", "addon_item_price", "plan", "addon")
_ONE_OFF_ENTITIES: Final = ("charge_item_price", "plan_setup", "adhoc")
_INVOICE_KEPT: Final = ("paid", "posted", "payment_due", "not_paid")
_INVOICE_ASIDE: Final = ("voided", "pending")
_CREDIT_STATUSES: Final = ("adjusted", "refunded", "refund_due", "voided")
REASON_CODES: Final = (
    "write_off",
    "subscription_change",
    "subscription_cancellation",
    "subscription_pause",
    "chargeback",
    "product_unsatisfactory",
    "service_unsatisfactory",
    "order_change",
    "order_cancellation",
    "waiver",
    "other",
    "fraudulent",
)
_PRICE_TYPES: Final = ("tax_exclusive", "tax_inclusive")
_DAY: Final = np.timedelta64(1, "D")


def subscriptions(
    subscriptions: object, *, conventions: Conventions | None = None
) -> Imported:
    """
    Read Chargebee subscription objects into a subscriptions table.

    Each plan or addon item of a subscription becomes one row
    (``subscription_id`` is ``<subscription id>/<item_price_id>``; the
    subscription's own id is kept in ``chargebee_subscription_id``) with the
    MRR of its price: the item's ``amount`` (else ``unit_price x quantity``)
    per ``billing_period x billing_period_unit``, normalised by
    ``money.monthly_amount``.

    Parameters
    ----------
    subscriptions : list of dict, dict or pandas.DataFrame
        Chargebee subscription objects with ``subscription_items`` (Product
        Catalog 2.0), or with ``plan_id``, ``plan_quantity``,
        ``plan_unit_price`` and ``addons`` (Product Catalog 1.0): a list
        response ``{"list": [{"subscription": {...}}, ...]}``, its list, the
        bare objects, or a frame from ``pandas.json_normalize`` of them.
    conventions : Conventions, optional
        Read for ``trial``: under ``'not_customer'`` (the default) a
        subscription counts from the end of its trial; under ``'customer'``
        a row ``<subscription_id>/trial`` at zero MRR covers the trial as
        well (use it with ``zero_mrr='active'`` in the ledger).

    Returns
    -------
    Imported
        ``frame`` with the columns of `Subscription` plus
        ``chargebee_subscription_id``; ``set_aside`` counts what is not in it.

    Raises
    ------
    InvalidTableError
        If a field is missing or holds a value the adapter does not read (an
        unknown ``status``, ``item_type`` or ``billing_period_unit``); it
        names the Chargebee field and the subscriptions.

    Notes
    -----
    The statuses, as Chargebee defines them:

    - ``active`` counts from ``started_at`` (else ``start_date``), after the
      trial, while it renews; ``non_renewing`` and ``cancelled`` until
      ``cancelled_at`` (the scheduled or past end);
    - ``in_trial``, and any subscription with a ``trial_end``: a trial month
      is not yet a customer by default, so it counts from ``trial_end``, and
      one cancelled before its trial ended is set aside ("ended during the
      trial"); see `conventions` for the other choice;
    - ``future`` counts from its ``start_date`` (usually after the data
      horizon, where the ledger sets it aside and counts it);
    - ``paused`` counts until ``pause_date``;
    - ``transferred`` (moved to another customer, who has its own
      subscription) is set aside and counted;
    - ``charge`` items are one-off, not MRR: set aside and counted.

    Examples
    --------
    A yearly addon of 1,200 EUR is 100 EUR a month, and ``yearly`` is the
    same interval as ``year``:

    >>> import subscription_metrics as sm
    >>> sub = {"id": "AzZ2", "customer_id": "acme", "status": "cancelled",
    ...        "currency_code": "EUR", "started_at": 1735689600,
    ...        "cancelled_at": 1767225600,
    ...        "billing_period": 1, "billing_period_unit": "year",
    ...        "subscription_items": [{"item_price_id": "sso-EUR-yearly",
    ...            "item_type": "addon", "amount": 120000}]}
    >>> sm.adapters.chargebee.subscriptions([sub]).frame[["start", "end", "mrr"]]
           start        end    mrr
    0 2025-01-01 2026-01-01  10000
    """
    subs = read_records(subscriptions, name="subscriptions", wrapper="subscription")
    if not len(subs):
        return Imported(
            frame=empty_subscriptions("chargebee"), source="chargebee subscriptions"
        )
    reader = Reader("chargebee subscriptions", subs, "id")
    # Product Catalog 1.0 has a plan and addons instead of items.
    catalog_1 = "subscription_items" not in subs and "plan_id" in subs
    items_field = "plan_id" if catalog_1 else "subscription_items"
    if not reader.require(
        ("id", "customer_id", "status", "currency_code", items_field)
    ):
        reader.done()
    status = reader.choices(subs, "status", subs["status"], SUBSCRIPTION_STATUSES)
    reader.done()
    start = reader.dates(
        subs, "started_at", reader.column(subs, "started_at", "start_date")
    )
    trial_end = reader.dates(
        subs, "trial_end", reader.column(subs, "trial_end"), required=False
    )
    cancelled = reader.dates(
        subs, "cancelled_at", reader.column(subs, "cancelled_at"), required=False
    )
    paused = reader.dates(
        subs, "pause_date", reader.column(subs, "pause_date"), required=False
    )
    ending = np.isin(status, ("non_renewing", "cancelled"))
    reader.problem(
        "cancelled_at",
        "missing value",
        ending & cancelled.isna().to_numpy(),
        detail="a cancelled or non-renewing subscription needs cancelled_at",
    )
    reader.problem(
        "pause_date",
        "missing value",
        (status == "paused") & paused.isna().to_numpy(),
        detail="a paused subscription needs pause_date",
    )
    interval = reader.intervals(
        subs,
        "billing_period_unit",
        reader.column(subs, "billing_period_unit"),
    )
    count = reader.integers(
        subs,
        "billing_period",
        reader.column(subs, "billing_period", default=1),
        low=1,
    )
    currency = reader.currencies(subs, "currency_code", subs["currency_code"])
    reader.done()
    counted_from = start.where(~(trial_end > start), trial_end)
    trial_start = start.where(trial_end > start)
    trial_customer = (conventions or Conventions()).trial == "customer"
    end = cancelled.where(ending, paused.where(status == "paused", pd.NaT))
    in_trial_only = (end <= counted_from).to_numpy(bool)
    transferred = status == "transferred"
    reader.aside(
        "transferred",
        transferred,
        detail="moved to another customer, whose own subscription carries it",
    )
    if not trial_customer:
        reader.aside(
            "ended during the trial",
            in_trial_only & ~transferred,
            detail="a trial month is not yet a customer (conventions.trial), and "
            "it ended before paying",
        )
    subs = subs.assign(
        _start=counted_from,
        _end=end,
        _interval=interval,
        _count=count,
        _currency=currency,
        _trial_start=trial_start,
        _trial_stop=trial_end.where(~(end < trial_end), end),
        _paid=~in_trial_only,
    )
    kept = subs[~transferred if trial_customer else ~transferred & ~in_trial_only]
    keep = {
        "id": "chargebee_subscription_id",
        "customer_id": "customer_id",
        "_start": "start",
        "_end": "end",
        "_interval": "_interval",
        "_count": "_count",
        "_currency": "currency",
        "_trial_start": "_trial_start",
        "_trial_stop": "_trial_stop",
        "_paid": "_paid",
    }
    if catalog_1:
        items, empty = _catalog_1_items(reader, kept, keep)
    else:
        items, empty = explode(kept, "subscription_items", keep)
    reader.problem(
        "subscription_items",
        "no items",
        empty,
        frame=kept,
        detail="a subscription without items has no price to read",
    )
    reader.done()
    item_reader = Reader(
        "chargebee subscription items", items, "chargebee_subscription_id"
    )
    if not item_reader.require(("item_price_id", "item_type"), frame=items):
        item_reader.done()
    item_type = item_reader.choices(
        items, "subscription_items.item_type", items["item_type"], ITEM_TYPES
    )
    item_reader.done()
    charge = item_type == "charge"
    item_reader.aside(
        "one-off charge item",
        charge,
        detail="charge items bill once and carry no MRR",
    )
    items = items[~charge].reset_index(drop=True)
    quantity = item_reader.integers(
        items,
        "subscription_items.quantity",
        reader.column(items, "quantity", default=1),
        low=0,
    )
    unit = item_reader.integers(
        items,
        "subscription_items.unit_price",
        reader.column(items, "unit_price", default=0),
    )
    given = reader.column(items, "amount")
    amount = item_reader.integers(
        items, "subscription_items.amount", given, required=False
    )
    limit = np.iinfo(np.int64).max // np.maximum(quantity, 1)
    item_reader.problem(
        "subscription_items.unit_price",
        "beyond int64",
        np.abs(unit) > limit,
        detail="unit_price x quantity must fit in int64",
    )
    item_reader.done()
    price = np.where(given.notna().to_numpy(), amount, unit * quantity)
    item_reader.problem(
        "subscription_items.amount",
        "not negative",
        price < 0,
        detail="prices are >= 0",
    )
    item_reader.done()
    mrr = monthly_amount(
        price.astype(np.int64),
        items["_interval"].to_numpy(object),
        interval_count=items["_count"].to_numpy(np.int64),
    )
    ids = strings(items["chargebee_subscription_id"])
    plans = strings(items["item_price_id"])
    frame = pd.DataFrame(
        {
            "subscription_id": ids + "/" + plans,
            "customer_id": strings(items["customer_id"]),
            "start": items["start"].astype("datetime64[s]"),
            "end": items["end"].astype("datetime64[s]"),
            "mrr": mrr,
            "currency": items["currency"].to_numpy(object),
            "plan": plans,
            "chargebee_subscription_id": ids,
        },
        columns=[*SUBSCRIPTION_COLUMNS, "chargebee_subscription_id"],
    )
    return Imported(
        frame=with_trials(frame, items, customer=trial_customer),
        set_aside=(*reader.set_aside, *item_reader.set_aside),
        source="chargebee subscriptions",
    )


def _catalog_1_items(
    reader: Reader, subs: pd.DataFrame, keep: dict[str, str]
) -> tuple[pd.DataFrame, npt.NDArray[np.bool_]]:
    """Return the plan and addons of Product Catalog 1.0 subscriptions as items."""
    parents = subs[list(keep)].rename(columns=keep).reset_index(drop=True)
    plan = parents.assign(
        item_price_id=subs["plan_id"].to_numpy(),
        item_type="plan",
        quantity=reader.column(subs, "plan_quantity", default=1).to_numpy(),
        unit_price=reader.column(subs, "plan_unit_price").to_numpy(),
        amount=reader.column(subs, "plan_amount").to_numpy(),
    )
    parts = [plan]
    if "addons" in subs:
        addons, _ = explode(subs, "addons", keep)
        if len(addons):
            parts.append(
                addons.rename(columns={"id": "item_price_id"}).assign(item_type="addon")
            )
    items = pd.concat(parts, ignore_index=True)
    return items, subs["plan_id"].isna().to_numpy(bool)


def _document_lines(
    documents: object,
    *,
    wrapper: str,
    table: str,
    statuses: tuple[str, ...],
    aside: tuple[str, ...],
    invoice: str,
    extra: tuple[str, ...] = (),
) -> tuple[Reader, pd.DataFrame, pd.DataFrame]:
    """Read invoices or credit notes: the reader, the kept documents, their lines."""
    docs = read_records(documents, name=f"{wrapper}s", wrapper=wrapper)
    if not len(docs):
        docs = pd.DataFrame(
            columns=["id", "customer_id", "status", "currency_code", "line_items"]
        )
    reader = Reader(table, docs, "id")
    required = ("id", "customer_id", "status", "currency_code", "line_items")
    if not reader.require(required):
        reader.done()
    status = reader.choices(docs, "status", docs["status"], statuses)
    price_type = reader.choices(
        docs,
        "price_type",
        reader.column(docs, "price_type", default="tax_exclusive"),
        _PRICE_TYPES,
    )
    currency = reader.currencies(docs, "currency_code", docs["currency_code"])
    reader.done()
    reader.aside(
        "not final" if wrapper == "invoice" else "voided",
        np.isin(status, aside),
        detail=(
            "voided and pending invoices bill nothing"
            if wrapper == "invoice"
            else "a voided credit note credits nothing"
        ),
    )
    keep = ~np.isin(status, aside)
    kept = docs.assign(
        _inclusive=price_type == "tax_inclusive",
        _currency=currency,
        _invoice=reader.column(docs, invoice),
        _subscription=reader.column(docs, "subscription_id"),
        **{f"_{column}": reader.column(docs, column) for column in extra},
    )[keep]
    lines, _ = explode(
        kept,
        "line_items",
        {
            "id": "_document",
            "_invoice": "invoice_id",
            "customer_id": "_doc_customer",
            "_subscription": "_doc_subscription",
            "_currency": "currency",
            "_inclusive": "_inclusive",
            **{f"_{column}": f"_{column}" for column in extra},
        },
    )
    return reader, kept, lines


def _priced(
    reader: Reader, lines: pd.DataFrame, kinds: npt.NDArray[np.object_], sign: int
) -> pd.DataFrame:
    """Return the lines, net of inclusive tax, then their tax lines."""
    gross = reader.integers(lines, "line_items.amount", lines["amount"])
    discount = reader.integers(
        lines,
        "line_items.discount_amount",
        reader.column(lines, "discount_amount", default=0),
    )
    tax = reader.integers(
        lines, "line_items.tax_amount", reader.column(lines, "tax_amount", default=0)
    )
    start = reader.dates(lines, "line_items.date_from", lines["date_from"])
    end = reader.dates(lines, "line_items.date_to", lines["date_to"])
    reader.done()
    end = end.where(end > start, start + _DAY)  # an instant is one day of service
    inclusive = lines["_inclusive"].to_numpy(bool)
    before = gross - np.where(inclusive, tax, 0)
    if sign < 0:  # a credit is kept net of its discount
        before, discount = before - discount, np.zeros(len(lines), np.int64)
    ids = strings(lines["_document"]) + "/" + strings(lines["id"])
    base = pd.DataFrame(
        {
            "line_id": ids,
            "invoice_id": strings(lines["invoice_id"]),
            "customer_id": strings(
                reader.column(lines, "customer_id", "_doc_customer")
            ),
            "subscription_id": strings(
                reader.column(lines, "subscription_id", "_doc_subscription")
            ),
            "plan": strings(reader.column(lines, "entity_id")),
            "kind": kinds,
            "period_start": start.to_numpy(),
            "period_end": end.to_numpy(),
            "amount": sign * before,
            "currency": lines["currency"].to_numpy(object),
            "discount_amount": discount,
        }
    )
    taxed = tax != 0
    tax_lines = base[taxed].assign(
        line_id=lambda d: d["line_id"] + "/tax",
        kind="tax",
        amount=sign * tax[taxed],
        discount_amount=0,
    )
    return cast(pd.DataFrame, pd.concat([base, tax_lines], ignore_index=True))


def invoice_lines(invoices: object, *, credit_notes: object | None = None) -> Imported:
    """
    Read Chargebee invoices (and credit notes) into an invoice-lines table.

    Parameters
    ----------
    invoices : list of dict, dict or pandas.DataFrame
        Chargebee invoice objects with ``line_items``: a list response
        ``{"list": [{"invoice": {...}}, ...]}``, its list, the bare objects,
        or a frame from ``pandas.json_normalize`` of them.
    credit_notes : list of dict, dict or pandas.DataFrame, optional
        Chargebee credit note objects with ``line_items``, in the same forms.

    Returns
    -------
    Imported
        ``frame`` with the invoice-line columns: ``line_id``
        (``<invoice id>/<line id>``; ``.../tax`` for a line's tax),
        ``invoice_id`` (for a credit note, the invoice it refers to),
        ``customer_id``, ``subscription_id``, ``plan`` (the line's
        ``entity_id``, its item price), ``kind``, ``period_start``,
        ``period_end`` (exclusive), ``amount`` (signed, minor units, before
        discount), ``currency`` and ``discount_amount``; ``set_aside`` counts
        voided and pending invoices and voided credit notes. Pass ``frame``
        to `Ledger.from_invoice_lines`.

    Raises
    ------
    InvalidTableError
        If a field is missing or holds a value the adapter does not read (an
        unknown ``status``, ``entity_type``, ``price_type`` or
        ``reason_code``); it names the Chargebee field and the documents.

    Notes
    -----
    The kind of a line:

    - a plan or addon line (``entity_type`` ``plan_item_price``,
      ``addon_item_price``, or the older ``plan``, ``addon``) is
      ``recurring``; a charge, setup fee or ad hoc line
      (``charge_item_price``, ``plan_setup``, ``adhoc``) is ``one_off``;
    - a line's ``tax_amount`` is a ``tax`` line of the same period; under
      ``price_type == 'tax_inclusive'`` it is taken out of the line's amount,
      so recurring amounts never include tax;
    - a line's ``discount_amount`` is kept in that column, which
      ``Ledger.from_invoice_lines`` takes off by default
      (``conventions.discounts``); a credit note line is kept net of it;
    - a credit note line has a negative amount, of kind ``proration`` when
      the credit note's ``reason_code`` is ``subscription_change`` (Chargebee
      credits the unused part of a plan it changes), else ``credit_note``;
      a credit of a one-off line stays ``one_off``.

    A line's ``date_to`` is the instant its service ends: its UTC date is the
    exclusive ``period_end``.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> invoice = {"id": "inv_7", "customer_id": "acme", "status": "paid",
    ...            "currency_code": "USD", "subscription_id": "AzZ1",
    ...            "line_items": [{"id": "li_1", "entity_type": "plan_item_price",
    ...                "entity_id": "pro-USD-monthly", "amount": 5000,
    ...                "discount_amount": 500, "tax_amount": 900,
    ...                "date_from": 1735689600, "date_to": 1738368000}]}
    >>> frame = sm.adapters.chargebee.invoice_lines([invoice]).frame
    >>> frame[["line_id", "kind", "amount", "discount_amount"]]
              line_id       kind  amount  discount_amount
    0      inv_7/li_1  recurring    5000              500
    1  inv_7/li_1/tax        tax     900                0
    >>> sm.ledger.bridge(sm.Ledger.from_invoice_lines(frame))["mrr_at_end"].tolist()
    [4500]
    """
    line_columns = ("id", "amount", "entity_type", "date_from", "date_to")
    reader, _, lines = _document_lines(
        invoices,
        wrapper="invoice",
        table="chargebee invoices",
        statuses=_INVOICE_KEPT + _INVOICE_ASIDE,
        aside=_INVOICE_ASIDE,
        invoice="id",
    )
    line_reader = Reader("chargebee invoice lines", lines, "_document")
    parts = []
    if len(lines):
        if not line_reader.require(line_columns):
            line_reader.done()
        kinds = _entity_kinds(line_reader, lines)
        line_reader.done()
        parts.append(_priced(line_reader, lines, kinds, 1))
    aside: list[SetAside] = [*reader.set_aside]
    if credit_notes is not None:
        credit_reader, _, credits = _document_lines(
            credit_notes,
            wrapper="credit_note",
            table="chargebee credit notes",
            statuses=_CREDIT_STATUSES,
            aside=("voided",),
            invoice="reference_invoice_id",
            extra=("reason_code",),
        )
        credit_reader.choices(
            credit_reader.frame,
            "reason_code",
            reader.column(credit_reader.frame, "reason_code"),
            REASON_CODES,
            required=False,
        )
        credit_reader.done()
        aside += credit_reader.set_aside
        credit_lines = Reader("chargebee credit note lines", credits, "_document")
        if len(credits):
            if not credit_lines.require(line_columns):
                credit_lines.done()
            entity = _entity_kinds(credit_lines, credits)
            credit_lines.done()
            change = credits["_reason_code"].to_numpy(object) == "subscription_change"
            kinds = np.where(
                entity == "one_off",
                "one_off",
                np.where(change, "proration", "credit_note"),
            ).astype(object)
            parts.append(_priced(credit_lines, credits, kinds, -1))
    if not parts:
        parts.append(pd.DataFrame(columns=list(INVOICE_LINE_COLUMNS)))
    frame = pd.concat(parts, ignore_index=True)
    return Imported(
        frame=invoice_line_frame(frame),
        set_aside=tuple(aside),
        source="chargebee invoices",
    )


def _entity_kinds(reader: Reader, lines: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Return ``recurring`` or ``one_off`` from each line's ``entity_type``."""
    entity = reader.choices(
        lines,
        "line_items.entity_type",
        lines["entity_type"],
        _RECURRING_ENTITIES + _ONE_OFF_ENTITIES,
    )
    recurring = np.isin(entity, _RECURRING_ENTITIES)
    return np.where(recurring, "recurring", "one_off").astype(object)
