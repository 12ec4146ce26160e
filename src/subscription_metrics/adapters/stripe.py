"""
Read Stripe's subscriptions and invoices into the library's tables.

Stripe's API objects, as the API returns them (a list of dicts, or the list
object ``{"object": "list", "data": [...]}``), saved as JSON or fetched with
Stripe's client, are read as they are:

- `subscriptions`: subscription objects with their ``items`` to a
  subscriptions table, one row per subscription item, for
  `Ledger.from_subscriptions`;
- `invoice_lines`: invoice objects with their ``lines``, and optionally credit
  note objects with theirs, to an invoice-lines table (``line_id``,
  ``invoice_id``, ``customer_id``, ``subscription_id``, ``plan``, ``kind``,
  ``period_start``, ``period_end`` exclusive, ``amount``, ``currency``).

Amounts are Stripe's integer minor units. Stripe states two currencies with
another exponent than ISO 4217 (ISK with two decimals, MGA with none): pass
``exponents="stripe"`` to read them as Stripe means them; without it such a
currency is refused, never read 100 times off. Instants (Unix seconds) become
the UTC date they fall on. Every value the adapter does not know (a status, a
line type) raises `InvalidTableError` naming the Stripe field and the rows.

Examples
--------
>>> import subscription_metrics as sm
>>> subscription = {
...     "id": "sub_1", "customer": "cus_1", "status": "active",
...     "start_date": 1735689600, "currency": "usd",
...     "items": {"data": [{"id": "si_1", "quantity": 2, "price": {
...         "id": "price_pro", "unit_amount": 4900, "currency": "usd",
...         "recurring": {"interval": "month", "interval_count": 1}}}]}}
>>> imported = sm.adapters.stripe.subscriptions([subscription])
>>> imported.frame[["subscription_id", "customer_id", "mrr", "currency"]]
  subscription_id customer_id  mrr currency
0            si_1       cus_1 9800      USD
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._conventions import Conventions
from .._currencies import ExponentProfile
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
    sum_by_row,
    with_trials,
)

__all__ = ["invoice_lines", "subscriptions"]

#: Subscription statuses and what the adapter does with them.
_COUNTED: Final = ("active", "past_due", "unpaid", "canceled", "trialing")
_NEVER_PAID: Final = ("incomplete", "incomplete_expired")
_PAUSED: Final = ("paused",)
SUBSCRIPTION_STATUSES: Final = _COUNTED + _NEVER_PAID + _PAUSED
#: Invoice statuses: kept, and set aside.
_INVOICE_KEPT: Final = ("paid", "open", "uncollectible")
_INVOICE_ASIDE: Final = ("draft", "void")
#: Invoice line types.
LINE_TYPES: Final = ("subscription", "invoiceitem")
#: Credit note statuses and credit note line types.
_CREDIT_STATUSES: Final = ("issued", "void")
CREDIT_LINE_TYPES: Final = ("invoice_line_item", "custom_line_item")
_DAY: Final = np.timedelta64(1, "D")


def _read(data: object, *, name: str) -> pd.DataFrame:
    """Read Stripe objects; expanded references (``customer``, ...) become ids."""
    frame = read_records(data, name=name)
    for field in ("customer", "invoice", "subscription"):
        if f"{field}.id" in frame:
            ids = frame[f"{field}.id"]
            if field in frame:
                ids = frame[field].where(frame[field].notna(), ids)
            frame[field] = ids
    return frame


def _check_complete(reader: Reader, frame: pd.DataFrame, lists: str) -> None:
    """Refuse an embedded list that Stripe cut short (``has_more: true``)."""
    column = f"{lists}.has_more"
    if column in frame:
        reader.problem(
            column,
            "incomplete list",
            frame[column].eq(True).to_numpy(bool),
            detail=(
                f"Stripe sent only the first page of {lists}; fetch every page "
                f"(auto-pagination) and put them all in {lists}.data"
            ),
        )


def subscriptions(
    subscriptions: object,
    *,
    exponents: ExponentProfile | None = None,
    conventions: Conventions | None = None,
) -> Imported:
    """
    Read Stripe subscription objects into a subscriptions table.

    Each subscription item becomes one row (``subscription_id`` is the item's
    ``si_`` id; the subscription's own id is kept in
    ``stripe_subscription_id``) with the MRR of its price: ``unit_amount x
    quantity`` per ``recurring.interval x interval_count``, normalised by
    ``money.monthly_amount``.

    Parameters
    ----------
    subscriptions : list of dict, dict or pandas.DataFrame
        Stripe subscription objects with ``items.data`` (each item with its
        ``price``, or the legacy ``plan``): a list, Stripe's list object, or
        a frame from ``pandas.json_normalize`` of them. List them with
        ``status="all"``: Stripe leaves canceled subscriptions out by
        default, and without them there is no churn.
    exponents : {'stripe', 'iso'}, optional
        How the amounts are stated. ``'stripe'``: as Stripe's API and exports
        state them (ISK with two decimals, MGA with none), converted exactly
        to ISO 4217 minor units. ``'iso'``: already ISO 4217 minor units.
        By default ISO 4217, and an ISK or MGA amount is refused, since it
        would be read 100 times off.
    conventions : Conventions, optional
        Read for ``trial``: under ``'not_customer'`` (the default) a
        subscription counts from the end of its trial; under ``'customer'``
        a row ``<item id>/trial`` at zero MRR covers the trial as well (use
        it with ``zero_mrr='active'`` in the ledger).

    Returns
    -------
    Imported
        ``frame`` with the columns of `Subscription` (``subscription_id``,
        ``customer_id``, ``start``, ``end``, ``mrr``, ``currency``, ``plan``)
        plus ``stripe_subscription_id``; ``set_aside`` counts what is not in
        it.

    Raises
    ------
    InvalidTableError
        If a field is missing or holds a value the adapter does not read (an
        unknown ``status`` or interval, a tiered price without
        ``unit_amount``, an ISK amount without `exponents`); it names the
        Stripe field and the subscriptions or items.

    Notes
    -----
    The statuses, as Stripe defines them:

    - ``active``, ``past_due`` and ``unpaid`` count from ``start_date``
      (after the trial, see below) until ``ended_at``, else ``cancel_at``
      (a scheduled end), else while they renew;
    - ``canceled`` counts until ``ended_at`` (else ``canceled_at``);
    - trials (``trialing``, or any ``trial_end`` after ``start_date``): a
      trial month is not yet a customer by default, so a subscription counts
      from ``trial_end``, and one that ended during its trial is set aside
      ("ended during the trial"); see `conventions` for the other choice;
    - ``incomplete`` and ``incomplete_expired`` (the first invoice was never
      paid) and ``paused`` (a trial ended without a payment method) are set
      aside and counted;
    - metered prices (``recurring.usage_type == 'metered'``) have no MRR in a
      subscription object and are set aside: read their invoices instead.

    Discounts and coupons are not in a subscription object's prices; read
    invoices for MRR net of discounts.

    Examples
    --------
    An annual plan of 1,200.00 USD is 100.00 USD a month; a trial counts from
    its end:

    >>> import subscription_metrics as sm
    >>> annual = {
    ...     "id": "sub_2", "customer": "cus_2", "status": "trialing",
    ...     "start_date": 1735689600, "trial_end": 1736899200,
    ...     "items": {"data": [{"id": "si_2", "price": {
    ...         "id": "price_annual", "nickname": "Team annual",
    ...         "unit_amount": 120000, "currency": "usd",
    ...         "recurring": {"interval": "year", "interval_count": 1}}}]}}
    >>> frame = sm.adapters.stripe.subscriptions([annual]).frame
    >>> frame[["start", "mrr", "plan"]]
           start    mrr         plan
    0 2025-01-15  10000  Team annual
    """
    subs = _read(subscriptions, name="subscriptions")
    if not len(subs):
        return Imported(
            frame=empty_subscriptions("stripe"), source="stripe subscriptions"
        )
    reader = Reader("stripe subscriptions", subs, "id")
    if not reader.require(("id", "customer", "status", "start_date", "items.data")):
        reader.done()
    _check_complete(reader, subs, "items")
    status = reader.choices(subs, "status", subs["status"], SUBSCRIPTION_STATUSES)
    reader.done()
    start = reader.dates(subs, "start_date", subs["start_date"])
    trial_end = reader.dates(
        subs, "trial_end", reader.column(subs, "trial_end"), required=False
    )
    ended = reader.dates(
        subs,
        "ended_at",
        reader.column(subs, "ended_at", "canceled_at"),
        required=False,
    )
    scheduled = reader.dates(
        subs, "cancel_at", reader.column(subs, "cancel_at"), required=False
    )
    canceled = status == "canceled"
    reader.problem(
        "ended_at",
        "missing value",
        canceled & ended.isna().to_numpy(),
        detail="a canceled subscription needs ended_at (or canceled_at)",
    )
    # A trial is not yet a customer: count from the end of the trial.
    counted_from = start.where(~(trial_end > start), trial_end)
    trial_start = start.where(trial_end > start)
    trial_customer = (conventions or Conventions()).trial == "customer"
    end = ended.where(ended.notna(), scheduled.where(~canceled, pd.NaT))
    subs = subs.assign(
        _row=np.arange(len(subs)),
        _start=counted_from,
        _end=end,
        _customer=reader.column(subs, "customer", "customer.id"),
        _currency=reader.column(subs, "currency"),
    )
    never_paid = np.isin(status, _NEVER_PAID)
    reader.aside(
        "never paid",
        never_paid,
        detail="incomplete: the first invoice was never paid",
    )
    reader.aside(
        "paused",
        np.isin(status, _PAUSED),
        detail="a trial ended without a payment method; no invoices until resumed",
    )
    in_trial_only = (subs["_end"] <= subs["_start"]).to_numpy(bool)
    if not trial_customer:
        reader.aside(
            "ended during the trial",
            in_trial_only & ~never_paid,
            detail="a trial month is not yet a customer (conventions.trial), and "
            "it ended before paying",
        )
    subs = subs.assign(
        _trial_start=trial_start,
        _trial_stop=trial_end.where(~(subs["_end"] < trial_end), subs["_end"]),
        _paid=~in_trial_only,
    )
    counted = np.isin(status, _COUNTED)
    kept = subs[counted if trial_customer else counted & ~in_trial_only]
    items, empty = explode(
        kept,
        "items.data",
        {
            "id": "stripe_subscription_id",
            "_customer": "customer_id",
            "_start": "start",
            "_end": "end",
            "_currency": "_subscription_currency",
            "_row": "_row",
            "_trial_start": "_trial_start",
            "_trial_stop": "_trial_stop",
            "_paid": "_paid",
        },
    )
    reader.problem(
        "items.data",
        "no items",
        empty,
        frame=kept,
        detail="a subscription without items has no price to read",
    )
    reader.done()
    item_reader = Reader("stripe subscription items", items, "id")
    if not item_reader.require(("id",)):
        item_reader.done()
    usage = item_reader.choices(
        items,
        "price.recurring.usage_type",
        reader.column(items, "price.recurring.usage_type", "plan.usage_type"),
        ("licensed", "metered"),
        required=False,
    )
    item_reader.done()
    metered = usage == "metered"
    item_reader.aside(
        "metered price",
        metered,
        detail="usage-based prices have no MRR in a subscription; read invoices",
    )
    items = items[~metered].reset_index(drop=True)
    item_reader.frame = items
    unit = item_reader.integers(
        items,
        "price.unit_amount",
        reader.column(items, "price.unit_amount", "plan.amount"),
        missing="a tiered price has no unit_amount; give the item its flat price",
    )
    quantity = item_reader.integers(
        items, "quantity", reader.column(items, "quantity", default=1), low=0
    )
    interval = item_reader.intervals(
        items,
        "price.recurring.interval",
        reader.column(items, "price.recurring.interval", "plan.interval"),
    )
    count = item_reader.integers(
        items,
        "price.recurring.interval_count",
        reader.column(
            items, "price.recurring.interval_count", "plan.interval_count", default=1
        ),
        low=1,
    )
    currency = item_reader.currencies(
        items,
        "price.currency",
        reader.column(
            items, "price.currency", "plan.currency", "_subscription_currency"
        ),
    )
    limit = np.iinfo(np.int64).max // np.maximum(quantity, 1)
    item_reader.problem(
        "price.unit_amount",
        "beyond int64",
        np.abs(unit) > limit,
        detail="unit_amount x quantity must fit in int64",
    )
    item_reader.problem(
        "price.unit_amount", "not negative", unit < 0, detail="prices are >= 0"
    )
    item_reader.done()
    amount = item_reader.to_minor(
        items,
        "price.unit_amount",
        unit * quantity,
        currency,
        profile=exponents,
        vendor="stripe",
    )
    item_reader.done()
    mrr = monthly_amount(
        amount, np.where(pd.isna(interval), "month", interval), interval_count=count
    )
    frame = pd.DataFrame(
        {
            "subscription_id": strings(items["id"]),
            "customer_id": strings(items["customer_id"]),
            "start": items["start"].astype("datetime64[s]"),
            "end": items["end"].astype("datetime64[s]"),
            "mrr": mrr,
            "currency": currency,
            "plan": strings(
                reader.column(
                    items, "price.nickname", "plan.nickname", "price.id", "plan.id"
                )
            ),
            "stripe_subscription_id": strings(items["stripe_subscription_id"]),
        },
        columns=[*SUBSCRIPTION_COLUMNS, "stripe_subscription_id"],
    )
    return Imported(
        frame=with_trials(frame, items, customer=trial_customer),
        set_aside=(*reader.set_aside, *item_reader.set_aside),
        source="stripe subscriptions",
    )


# The line's parent in Stripe's API since 2025-03-31 (``parent.type``), and
# the line ``type`` it replaces.
_PARENT_TYPES: Final = {
    "subscription_item_details": "subscription",
    "invoice_item_details": "invoiceitem",
}
_PARENTS: Final = ("parent.subscription_item_details", "parent.invoice_item_details")


def _line_kinds(reader: Reader, lines: pd.DataFrame) -> npt.NDArray[np.object_]:
    """Return each invoice line's kind from its type (or parent) and proration."""
    if "type" in lines:
        types = reader.choices(lines, "lines.data.type", lines["type"], LINE_TYPES)
    else:
        parent = reader.choices(
            lines, "lines.data.parent.type", lines["parent.type"], tuple(_PARENT_TYPES)
        )
        types = pd.Series(parent).map(_PARENT_TYPES).to_numpy(object)
    proration = reader.column(
        lines, "proration", *(f"{p}.proration" for p in _PARENTS), default=False
    ).astype(bool)
    recurring = np.where(types == "subscription", "recurring", "one_off")
    return np.where(proration.to_numpy(bool), "proration", recurring).astype(object)


def _adjustments(reader: Reader, lines: pd.DataFrame, field: str) -> pd.DataFrame:
    """Explode a per-line list of ``{amount, ...}`` (taxes, discounts)."""
    empty = pd.DataFrame({"_row": pd.Series([], dtype=np.int64), "amount": []})
    if field not in lines:
        return empty
    nonempty = lines[field].str.len().fillna(0) > 0  # lists, or missing
    if not nonempty.any():
        return empty
    parts, _ = explode(lines[nonempty.to_numpy(bool)], field, {"_row": "_row"})
    if not reader.require(("amount",), frame=parts):
        return empty
    parts["amount"] = reader.integers(
        parts, f"lines.data.{field}.amount", parts["amount"]
    )
    return parts


def invoice_lines(
    invoices: object,
    *,
    credit_notes: object | None = None,
    exponents: ExponentProfile | None = None,
) -> Imported:
    """
    Read Stripe invoice objects (and credit notes) into an invoice-lines table.

    Parameters
    ----------
    invoices : list of dict, dict or pandas.DataFrame
        Stripe invoice objects with ``lines.data`` (a list, Stripe's list
        object, or a frame from ``pandas.json_normalize`` of them).
    credit_notes : list of dict, dict or pandas.DataFrame, optional
        Stripe credit note objects with ``lines.data``.
    exponents : {'stripe', 'iso'}, optional
        How the amounts are stated, as in `subscriptions`: ``'stripe'`` for
        Stripe's own units (ISK with two decimals, MGA with none). By default
        ISO 4217, and an ISK or MGA amount is refused.

    Returns
    -------
    Imported
        ``frame`` with the invoice-line columns: ``line_id`` (Stripe's line
        id; ``<line id>/tax/<n>`` for tax lines), ``invoice_id``,
        ``customer_id``, ``subscription_id``, ``plan`` (the price's nickname,
        else its id), ``kind``, ``period_start``, ``period_end``
        (exclusive), ``amount`` (signed, ISO minor units, before discount),
        ``currency`` (upper case) and ``discount_amount``; ``set_aside``
        counts draft and void invoices and void credit notes. Pass ``frame``
        to `Ledger.from_invoice_lines`.

    Raises
    ------
    InvalidTableError
        If a field is missing or holds a value the adapter does not read (an
        unknown invoice ``status`` or line ``type``, a credit note line for
        an invoice line not among `invoices`); it names the Stripe field and
        the rows.

    Notes
    -----
    Lines are read in both of Stripe's shapes: the older one (``type``,
    ``proration``, ``subscription``, ``price``, ``tax_amounts``) and the one
    of API versions since 2025-03-31 (``parent.type`` with
    ``parent.subscription_item_details`` or ``parent.invoice_item_details``,
    ``pricing.price_details.price``, ``taxes`` with ``tax_behavior``).

    The kind of a line:

    - a line with ``proration: true`` is ``proration``;
    - else a ``subscription`` line is ``recurring`` and an ``invoiceitem``
      line ``one_off``;
    - each entry of a line's ``tax_amounts`` is a ``tax`` line of the same
      period; an inclusive tax is taken out of its line's amount, so
      recurring amounts never include tax;
    - a line's ``discount_amounts`` add up to its ``discount_amount``,
      which ``Ledger.from_invoice_lines`` takes off by default
      (``conventions.discounts``); a credit note line is kept net of its
      discounts;
    - a credit note line is ``credit_note`` with a negative amount and the
      period, subscription and plan of the invoice line it credits (a
      credit of a one-off line stays ``one_off``); a ``custom_line_item``
      has the one day of the credit note's ``created`` as its period.

    Examples
    --------
    >>> import subscription_metrics as sm
    >>> invoice = {
    ...     "id": "in_1", "customer": "cus_1", "currency": "usd", "status": "paid",
    ...     "lines": {"data": [{
    ...         "id": "il_1", "type": "subscription", "amount": 9800,
    ...         "currency": "usd", "proration": False, "subscription": "sub_1",
    ...         "period": {"start": 1735689600, "end": 1738368000},
    ...         "price": {"id": "price_pro", "nickname": "Pro"},
    ...         "tax_amounts": [{"amount": 1960, "inclusive": False}]}]}}
    >>> lines = sm.adapters.stripe.invoice_lines([invoice]).frame
    >>> lines[["line_id", "kind", "period_start", "period_end", "amount"]]
           line_id       kind period_start period_end  amount
    0         il_1  recurring   2025-01-01 2025-02-01    9800
    1  il_1/tax/0        tax   2025-01-01 2025-02-01    1960
    """
    docs = _read(invoices, name="invoices")
    if not len(docs):
        docs = pd.DataFrame(columns=["id", "customer", "status", "lines.data"])
    reader = Reader("stripe invoices", docs, "id")
    if not reader.require(("id", "customer", "status", "lines.data")):
        reader.done()
    _check_complete(reader, docs, "lines")
    status = reader.choices(
        docs, "status", docs["status"], _INVOICE_KEPT + _INVOICE_ASIDE
    )
    reader.done()
    reader.aside(
        "not final",
        np.isin(status, _INVOICE_ASIDE),
        detail="draft and void invoices bill nothing",
    )
    kept = docs[np.isin(status, _INVOICE_KEPT)].assign(
        _customer=lambda d: reader.column(d, "customer", "customer.id"),
        _currency=lambda d: reader.column(d, "currency"),
    )
    lines, _ = explode(
        kept,
        "lines.data",
        {"id": "invoice_id", "_customer": "customer_id", "_currency": "_doc_currency"},
    )
    line_reader = Reader("stripe invoice lines", lines, "id")
    if len(lines):
        typed = () if "parent.type" in lines and "type" not in lines else ("type",)
        needed = (
            "id",
            "amount",
            "period.start",
            "period.end",
            *typed,
        )
        if not line_reader.require(needed):
            line_reader.done()
        lines["_row"] = np.arange(len(lines))
        kinds = _line_kinds(line_reader, lines)
        line_reader.done()
        frame = _priced_lines(line_reader, lines, kinds, exponents=exponents)
    else:
        frame = pd.DataFrame(columns=list(INVOICE_LINE_COLUMNS))
    aside = [*reader.set_aside, *line_reader.set_aside]
    if credit_notes is not None:
        credits, credit_aside = _credit_lines(credit_notes, frame, exponents=exponents)
        frame = pd.concat([frame, credits], ignore_index=True)
        aside += credit_aside
    return Imported(
        frame=invoice_line_frame(frame),
        set_aside=tuple(aside),
        source="stripe invoices",
    )


def _priced_lines(
    reader: Reader,
    lines: pd.DataFrame,
    kinds: npt.NDArray[np.object_],
    *,
    exponents: ExponentProfile | None,
    sign: int = 1,
) -> pd.DataFrame:
    """Return the lines (net of inclusive tax) and their tax lines."""
    n = len(lines)
    gross = reader.integers(lines, "lines.data.amount", lines["amount"])
    currency = reader.currencies(
        lines,
        "lines.data.currency",
        reader.column(lines, "currency", "_doc_currency"),
    )
    # Taxes: ``tax_amounts`` (``inclusive``), or ``taxes`` (``tax_behavior``)
    # in Stripe's API since 2025-03-31.
    field = "tax_amounts" if "tax_amounts" in lines else "taxes"
    taxes = _adjustments(reader, lines, field)
    discounts = _adjustments(reader, lines, "discount_amounts")
    start = reader.dates(lines, "lines.data.period.start", lines["period.start"])
    end = reader.dates(lines, "lines.data.period.end", lines["period.end"])
    reader.done()
    behavior = (
        reader.choices(
            taxes,
            f"lines.data.{field}.tax_behavior",
            reader.column(taxes, "tax_behavior"),
            ("exclusive", "inclusive"),
            required=False,
        )
        == "inclusive"
    )
    reader.done()
    inclusive = reader.column(taxes, "inclusive", default=False).astype(bool) | behavior
    inclusive_tax = sum_by_row(
        taxes.assign(amount=taxes["amount"].where(inclusive, 0)), n, "amount"
    )
    # The discount stays apart (``conventions.discounts`` decides); a credit
    # is kept net of its discount, as a negative amount.
    discount = sum_by_row(discounts, n, "amount")
    before = gross - inclusive_tax
    if sign < 0:
        before, discount = before - discount, np.zeros(n, np.int64)
    amount = reader.to_minor(
        lines, "lines.data.amount", before, currency, profile=exponents, vendor="stripe"
    )
    discount = reader.to_minor(
        lines,
        "lines.data.discount_amounts.amount",
        discount,
        currency,
        profile=exponents,
        vendor="stripe",
    )
    rows = taxes["_row"].to_numpy(np.int64)
    tax_amount = reader.to_minor(
        taxes,
        f"lines.data.{field}.amount",
        taxes["amount"].to_numpy(np.int64),
        currency[rows],
        profile=exponents,
        vendor="stripe",
    )
    reader.done()
    end = end.where(end > start, start + _DAY)  # an instant is one day of service
    ids = strings(lines["id"])
    base = pd.DataFrame(
        {
            "line_id": ids,
            "invoice_id": strings(lines["invoice_id"]),
            "customer_id": strings(lines["customer_id"]),
            "subscription_id": strings(
                reader.column(
                    lines,
                    "_subscription",
                    "subscription",
                    *(f"{p}.subscription" for p in _PARENTS),
                )
            ),
            "plan": strings(
                reader.column(
                    lines,
                    "_plan",
                    "price.nickname",
                    "plan.nickname",
                    "price.id",
                    "plan.id",
                    "pricing.price_details.price",
                )
            ),
            "kind": kinds,
            "period_start": start.to_numpy(),
            "period_end": end.to_numpy(),
            "amount": sign * amount,
            "currency": currency,
            "discount_amount": discount,
        }
    )
    position = taxes.groupby("_row").cumcount().to_numpy().astype(str)
    tax = base.iloc[rows].reset_index(drop=True)
    tax["line_id"] = tax["line_id"] + "/tax/" + position
    tax["kind"] = "tax"
    tax["amount"] = sign * tax_amount
    tax["discount_amount"] = 0
    return pd.concat([base, tax], ignore_index=True)


def _credit_lines(
    credit_notes: object,
    invoice_frame: pd.DataFrame,
    *,
    exponents: ExponentProfile | None,
) -> tuple[pd.DataFrame, list[SetAside]]:
    notes = _read(credit_notes, name="credit_notes")
    reader = Reader("stripe credit notes", notes, "id")
    if not reader.require(("id", "customer", "status", "created", "lines.data")):
        reader.done()
    _check_complete(reader, notes, "lines")
    status = reader.choices(notes, "status", notes["status"], _CREDIT_STATUSES)
    created = reader.dates(notes, "created", notes["created"])
    reader.done()
    reader.aside("void", status == "void", detail="a void credit note credits nothing")
    kept = notes[status != "void"].assign(
        _customer=lambda d: reader.column(d, "customer", "customer.id"),
        _currency=lambda d: reader.column(d, "currency"),
        _created=created[status != "void"],
        _invoice=lambda d: reader.column(d, "invoice", "invoice.id"),
    )
    lines, _ = explode(
        kept,
        "lines.data",
        {
            "_invoice": "invoice_id",
            "_customer": "customer_id",
            "_currency": "_doc_currency",
            "_created": "_created",
        },
    )
    line_reader = Reader("stripe credit note lines", lines, "id")
    if not len(lines):
        return pd.DataFrame(columns=invoice_frame.columns), reader.set_aside
    if not line_reader.require(("id", "amount", "type")):
        line_reader.done()
    types = line_reader.choices(
        lines, "lines.data.type", lines["type"], CREDIT_LINE_TYPES
    )
    line_reader.done()
    credited = reader.column(lines, "invoice_line_item").astype(object)
    by_line = invoice_frame[invoice_frame["kind"] != "tax"].set_index("line_id")
    found = credited.isin(by_line.index).to_numpy(bool)
    line_reader.problem(
        "lines.data.invoice_line_item",
        "unknown invoice line",
        (types == "invoice_line_item") & ~found,
        detail="pass the invoice it credits in 'invoices'",
    )
    line_reader.done()
    source = by_line.reindex(credited.where(found, None).to_numpy())
    day = lines["_created"].astype("datetime64[s]")
    lines = lines.assign(
        **{
            "period.start": np.where(found, source["period_start"].to_numpy(), day),
            "period.end": np.where(
                found, source["period_end"].to_numpy(), (day + _DAY).to_numpy()
            ),
            "_subscription": source["subscription_id"].where(found, None).to_numpy(),
            "_plan": source["plan"].where(found, None).to_numpy(),
            "_row": np.arange(len(lines)),
        }
    )
    of_one_off = found & (source["kind"].to_numpy(object) == "one_off")
    kinds = np.where(of_one_off, "one_off", "credit_note").astype(object)
    frame = _priced_lines(line_reader, lines, kinds, exponents=exponents, sign=-1)
    return frame, [*reader.set_aside, *line_reader.set_aside]
