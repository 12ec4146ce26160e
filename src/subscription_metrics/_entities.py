"""Immutable records of the business: customers, subscriptions, staff, deals, CS work.

Every field is declared with `column`, so an entity's fields are its table's
columns: ``frames.to_frame`` and ``frames.from_frame`` convert between lists of
entities and DataFrames, and ``frames.validate`` checks a whole table against the
same definitions that validate one entity.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, ClassVar, Self

from attrs import frozen

from ._columns import RowRule, column, column_specs

__all__ = [
    "Activity",
    "ActivityKind",
    "Assignment",
    "CostEntry",
    "Customer",
    "Deal",
    "DealKind",
    "ExchangeRate",
    "InvoiceLine",
    "LineKind",
    "Meeting",
    "MeetingOutcome",
    "MonthlyMrr",
    "Onboarding",
    "Opportunity",
    "Role",
    "StaffMember",
    "Subscription",
    "Ticket",
    "UsageSnapshot",
]


def _missing(value: Any) -> Any:
    """Mark empty values: ``None`` for a scalar, NA for a Series."""
    isna = getattr(value, "isna", None)
    return value is None if isna is None else isna()


def _end_not_before_start(start: Any, end: Any) -> Any:
    missing_end, missing_start = _missing(end), _missing(start)
    if isinstance(missing_end, bool):  # one entity's scalars
        return missing_end or missing_start or bool(end >= start)
    return missing_end | missing_start | (end >= start)


_END_RULE = RowRule(
    name="end not before start",
    columns=("start", "end"),
    check=_end_not_before_start,
    detail="'end' is the exclusive end date and must be on or after 'start'",
)


def _not_before(first: str, later: str, detail: str) -> RowRule:
    """Return a row rule: `later` is empty or on or after `first`."""

    def check(start: Any, end: Any) -> Any:
        missing_end, missing_start = _missing(end), _missing(start)
        if isinstance(missing_end, bool):
            return missing_end or missing_start or bool(end >= start)
        return missing_end | missing_start | (end >= start)

    return RowRule(
        name=f"{later} not before {first}",
        columns=(first, later),
        check=check,
        detail=detail,
    )


def _check_rules(instance: Any) -> None:
    for rule in instance.ROW_RULES:
        values = [getattr(instance, name) for name in rule.columns]
        if not rule.check(*values):
            shown = ", ".join(
                f"{name}={value!r}"
                for name, value in zip(rule.columns, values, strict=True)
            )
            msg = f"{rule.detail} ({shown})"
            raise ValueError(msg)


def _parse_time(value: str, *, name: str) -> dt.date:
    """Read an ISO 8601 date (``2024-01-31``) or date and time."""
    try:
        if len(value) == len("2024-01-31"):
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value)
    except ValueError:
        msg = f"{name!r} must be an ISO 8601 date such as '2024-01-31', got {value!r}"
        raise ValueError(msg) from None


class _Record:
    """The conversion to and from plain dicts that every entity shares."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """
        Return the fields as JSON-native values, ready for `json.dumps`.

        Dates (and times) become ISO 8601 strings, enum members their
        string values, money stays int minor units beside its currency
        code, and empty optional fields are ``None``. `from_dict` reads it
        back to an equal entity.

        Returns
        -------
        dict
            One key per field, in field order.

        Examples
        --------
        >>> import datetime as dt, json
        >>> from subscription_metrics import Subscription
        >>> sub = Subscription(subscription_id="s-1", customer_id="c-1",
        ...                    start=dt.date(2024, 1, 15), mrr=50_000, currency="JPY")
        >>> json.dumps(sub.to_dict())  # doctest: +NORMALIZE_WHITESPACE
        '{"subscription_id": "s-1", "customer_id": "c-1", "start": "2024-01-15",
          "end": null, "mrr": 50000, "currency": "JPY", "plan": null}'
        >>> Subscription.from_dict(json.loads(json.dumps(sub.to_dict()))) == sub
        True
        """
        out: dict[str, Any] = {}
        for name in column_specs(type(self)):
            value = getattr(self, name)
            if isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, dt.date):
                value = value.isoformat()
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """
        Build the entity from a dict such as `to_dict` returns.

        ISO 8601 strings in date fields are parsed (a date, or a date and
        time); date objects are taken as they are. Enum fields take their
        string values, money fields int minor units. Optional fields may be
        left out. The entity's validators run as for any other construction.

        Parameters
        ----------
        data : mapping
            Field names to values, such as ``json.loads(text)``.

        Returns
        -------
        entity
            An instance of the class it is called on.

        Raises
        ------
        ValueError
            If a key is not a field of the entity, a date string is not ISO
            8601, or a value breaks the entity's rules.
        TypeError
            If a value has the wrong type (as the constructor raises).

        Examples
        --------
        >>> from subscription_metrics import Deal
        >>> deal = Deal.from_dict({"deal_id": "d-1", "customer_id": "c-1",
        ...     "owner_id": "rep-1", "kind": "upsell", "mrr": 30_000, "currency": "JPY",
        ...     "won_on": "2024-03-08"})
        >>> deal.kind, deal.won_on
        (<DealKind.UPSELL: 'upsell'>, datetime.date(2024, 3, 8))
        """
        specs = column_specs(cls)
        unknown = [key for key in data if key not in specs]
        if unknown:
            msg = (
                f"{cls.__name__} has no field(s) {unknown}; "
                f"its fields are {list(specs)}"
            )
            raise ValueError(msg)
        values = {
            name: _parse_time(value, name=name)
            if specs[name].kind in ("date", "month") and isinstance(value, str)
            else value
            for name, value in data.items()
        }
        return cls(**values)


class Role(enum.StrEnum):
    """
    What a staff member does: inside or field sales, or a customer-success role.

    Examples
    --------
    >>> Role("field_sales")
    <Role.FIELD_SALES: 'field_sales'>
    >>> [role.value for role in Role][:2]
    ['inside_sales', 'field_sales']
    """

    INSIDE_SALES = "inside_sales"
    """Sources and qualifies leads, books meetings (inside sales, IS)."""
    FIELD_SALES = "field_sales"
    """Closes new business (field sales, FS)."""
    CUSTOMER_SUCCESS = "customer_success"
    """Owns accounts after the sale (CS, the umbrella role)."""
    CUSTOMER_SALES = "customer_sales"
    """Upsell and cross-sell to existing accounts."""
    CUSTOMER_MARKETING = "customer_marketing"
    """Churn reduction and adoption programmes for many accounts at once."""
    CUSTOMER_SUPPORT = "customer_support"
    """Answers inquiries and onboards accounts."""


class ActivityKind(enum.StrEnum):
    """
    What a piece of customer-success process work was.

    Examples
    --------
    >>> ActivityKind("upsell_proposal").value
    'upsell_proposal'
    """

    ONE_ON_ONE_CALL = "one_on_one_call"
    """A 1:1 call with one account."""
    MEETING = "meeting"
    """A meeting with an account (a review, a workshop)."""
    UPSELL_PROPOSAL = "upsell_proposal"
    """An upsell or cross-sell proposal made to an account."""
    OPPORTUNITY = "opportunity"
    """A qualified expansion opportunity added to the pipeline, with its MRR."""


class MeetingOutcome(enum.StrEnum):
    """
    What an inside-sales meeting with a prospect came to.

    Examples
    --------
    >>> MeetingOutcome("qualified")
    <MeetingOutcome.QUALIFIED: 'qualified'>
    """

    QUALIFIED = "qualified"
    """The prospect fits and has a need: the meeting is handed to field sales."""
    DISQUALIFIED = "disqualified"
    """The meeting was held, and the prospect does not fit (or has no need)."""
    NO_SHOW = "no_show"
    """The meeting was booked and did not happen."""


class LineKind(enum.StrEnum):
    """
    What an invoice line bills: recurring service, a one-off, tax, or a correction.

    Examples
    --------
    >>> LineKind("credit_note")
    <LineKind.CREDIT_NOTE: 'credit_note'>
    """

    RECURRING = "recurring"
    """A charge for a service period of a subscription; it is spread into MRR."""
    ONE_OFF = "one_off"
    """A setup fee, a service, a hardware sale: revenue, but not recurring."""
    TAX = "tax"
    """Tax collected on the invoice; never revenue."""
    CREDIT_NOTE = "credit_note"
    """A credit against recurring charges (usually negative); nets with them."""
    PRORATION = "proration"
    """A partial-period charge or credit after a change of plan or quantity."""


class DealKind(enum.StrEnum):
    """
    What a won deal adds: a new customer, or more from an existing one.

    Examples
    --------
    >>> DealKind("upsell").value
    'upsell'
    """

    NEW = "new"
    """A new customer's first subscription."""
    UPSELL = "upsell"
    """More of what an existing customer already buys (seats, a higher plan)."""
    CROSS_SELL = "cross_sell"
    """Another product for an existing customer."""


@frozen(kw_only=True)
class Customer(_Record):
    """
    A paying (or once-paying) account and who brought and owns it.

    Attributes
    ----------
    customer_id : str
        Stable, non-empty identifier, unique within the customers table.
    name : str or None
        Display name.
    segment : str or None
        Market segment (for example ``"enterprise"``, ``"mid-market"``, ``"smb"``).
    region : str or None
        Sales region.
    industry : str or None
        Industry, one of the fit attributes known at the time of sale.
    employees : int or None
        Company size in employees, >= 0.
    acquisition_channel : str or None
        How the customer was acquired (for example ``"outbound"``,
        ``"inbound"``, ``"partner"``).
    inside_sales_rep : str or None
        ``staff_id`` of the inside-sales rep who sourced the customer.
    field_sales_rep : str or None
        ``staff_id`` of the field-sales rep who closed the customer.
    cs_owner : str or None
        ``staff_id`` of the customer-success owner after the sale.

    Examples
    --------
    >>> Customer(customer_id="c-1", segment="smb", field_sales_rep="s-7").segment
    'smb'
    >>> Customer(customer_id="")
    Traceback (most recent call last):
    ValueError: 'customer_id' must not be empty
    """

    TABLE: ClassVar[str] = "customers"
    KEY: ClassVar[tuple[str, ...]] = ("customer_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    customer_id: str = column("id", unique=True, doc="Stable customer identifier.")
    name: str | None = column("text", optional=True, doc="Display name.")
    segment: str | None = column("text", optional=True, doc="Market segment.")
    region: str | None = column("text", optional=True, doc="Sales region.")
    industry: str | None = column("text", optional=True, doc="Industry.")
    employees: int | None = column("count", optional=True, doc="Company size.")
    acquisition_channel: str | None = column(
        "text", optional=True, doc="How the customer was acquired."
    )
    inside_sales_rep: str | None = column(
        "id", optional=True, doc="Inside-sales rep who sourced the customer."
    )
    field_sales_rep: str | None = column(
        "id", optional=True, doc="Field-sales rep who closed the customer."
    )
    cs_owner: str | None = column(
        "id", optional=True, doc="Customer-success owner after the sale."
    )


@frozen(kw_only=True)
class Subscription(_Record):
    """
    One subscription of one customer: a span of time at one MRR.

    A change of price or plan is one subscription ending and another starting
    on the same day; several subscriptions of one customer may overlap, and
    their MRR adds up.

    Attributes
    ----------
    subscription_id : str
        Identifier, unique within the subscriptions table.
    customer_id : str
        The paying customer.
    start : datetime.date
        First day of service.
    end : datetime.date or None
        First day without service (exclusive); ``None`` while it renews.
    mrr : int
        Monthly recurring revenue in minor units of `currency` (yen for JPY,
        cents for USD), >= 0. Use ``money.monthly_amount`` to normalise other
        billing intervals and ``money.to_minor_units`` for major-unit prices.
    currency : str
        ISO 4217 code of `mrr`.
    plan : str or None
        Plan name.

    Examples
    --------
    >>> import datetime as dt
    >>> sub = Subscription(subscription_id="s-1", customer_id="c-1",
    ...                    start=dt.date(2024, 1, 15), mrr=50_000, currency="JPY")
    >>> sub.end is None
    True
    >>> Subscription(subscription_id="s-2", customer_id="c-1",
    ...              start=dt.date(2024, 3, 1), end=dt.date(2024, 2, 1),
    ...              mrr=100, currency="USD")
    Traceback (most recent call last):
    ValueError: 'end' is the exclusive end date and must be on or after 'start' ...
    """

    TABLE: ClassVar[str] = "subscriptions"
    KEY: ClassVar[tuple[str, ...]] = ("subscription_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (_END_RULE,)

    subscription_id: str = column("id", unique=True, doc="Subscription identifier.")
    customer_id: str = column("id", doc="The paying customer.")
    start: dt.date = column("date", doc="First day of service.")
    end: dt.date | None = column(
        "date", optional=True, doc="First day without service (exclusive)."
    )
    mrr: int = column("money", doc="Monthly recurring revenue, minor units.")
    currency: str = column("currency", doc="ISO 4217 code of mrr.")
    plan: str | None = column("text", optional=True, doc="Plan name.")

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


@frozen(kw_only=True)
class MonthlyMrr(_Record):
    """
    One row of a billing export: a customer's MRR in one calendar month.

    Several rows of one customer-month add up (one per invoice line, say),
    and a negative row (a credit note) nets with the others; the net of each
    customer-month must not be negative.

    Attributes
    ----------
    customer_id : str
        The paying customer.
    month : datetime.date
        First day of the calendar month.
    mrr : int
        Monthly recurring revenue in minor units of `currency`; negative for a
        credit.
    currency : str
        ISO 4217 code of `mrr`.

    Examples
    --------
    >>> import datetime as dt
    >>> MonthlyMrr(customer_id="c-1", month=dt.date(2024, 2, 1), mrr=990,
    ...            currency="USD").mrr
    990
    """

    TABLE: ClassVar[str] = "monthly_mrr"
    KEY: ClassVar[tuple[str, ...]] = ()
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    customer_id: str = column("id", doc="The paying customer.")
    month: dt.date = column("month", doc="First day of the calendar month.")
    mrr: int = column(
        "money", signed=True, doc="Monthly recurring revenue, minor units (signed)."
    )
    currency: str = column("currency", doc="ISO 4217 code of mrr.")


def _present(value: Any) -> Any:
    """Mark given values: ``not None`` for a scalar, notna for a Series."""
    notna = getattr(value, "notna", None)
    return value is not None if notna is None else notna()


def _one_amount_form(amount: Any, quantity: Any, unit_amount: Any) -> Any:
    has_amount, has_quantity = _present(amount), _present(quantity)
    has_unit = _present(unit_amount)
    if isinstance(has_amount, bool):  # one entity's scalars
        return has_amount != (has_quantity and has_unit) and not (
            has_amount and (has_quantity or has_unit)
        )
    both = has_quantity & has_unit
    return (has_amount & ~has_quantity & ~has_unit) | (~has_amount & both)


def _end_or_interval(period_end: Any, interval: Any) -> Any:
    has_end, has_interval = _present(period_end), _present(interval)
    if isinstance(has_end, bool):  # one entity's scalars
        return has_end or has_interval
    return has_end | has_interval


_PERIOD_FORM_RULE = RowRule(
    name="period_end, or interval",
    columns=("period_end", "interval"),
    check=_end_or_interval,
    detail="give a line its period_end, or its billing interval (and "
    "interval_count) for the period to end that many intervals after "
    "period_start",
)


_AMOUNT_FORM_RULE = RowRule(
    name="amount, or quantity and unit_amount",
    columns=("amount", "quantity", "unit_amount"),
    check=_one_amount_form,
    detail="give a line either its amount, or its quantity and unit_amount "
    "(the amount is then quantity x unit_amount), not both",
)


@frozen(kw_only=True)
class InvoiceLine(_Record):
    """
    One line of an invoice: what it bills, for which service period, how much.

    A line gives its money either as `amount`, or as `quantity` times
    `unit_amount`; `discount_amount` is taken off either. Recurring lines,
    credit notes and prorations are spread over their service period into
    monthly MRR (``Conventions.invoice_spread``) and net within each
    customer-month; one-off and tax lines are counted and left out of MRR.

    Attributes
    ----------
    line_id : str
        Identifier, unique within the invoice-lines table.
    invoice_id : str or None
        The invoice the line is on.
    customer_id : str
        The billed customer.
    subscription_id : str or None
        The subscription the line bills, if any.
    plan : str or None
        Plan name.
    kind : LineKind
        ``"recurring"``, ``"one_off"``, ``"tax"``, ``"credit_note"`` or
        ``"proration"``.
    period_start : datetime.date
        First day of the service period.
    period_end : datetime.date or None
        First day after the service period (exclusive); equal to
        `period_start` for a line without a period (it then belongs to the
        month of `period_start`). Where it is missing, `interval` gives it.
    interval : str or None
        For lines that give an invoice date (as `period_start`) and a billing
        interval instead of a period end: ``day``, ``week``, ``month``,
        ``quarter`` or ``year``, by any name `money.monthly_amount` reads
        (``monthly``, ``annual``, ... in any case). The period then ends
        `interval_count` intervals after `period_start`, months on the
        anniversary day clipped to a shorter month's last day. Read only where
        `period_end` is missing.
    interval_count : int or None
        Intervals per period, >= 1 (Stripe's ``interval_count``); 1 if missing.
    amount : int or None
        The line's amount in minor units of `currency`, before
        `discount_amount`; negative for a credit.
    quantity : int or None
        Units billed (seats, say), >= 0, with `unit_amount`.
    unit_amount : int or None
        Price of one unit in minor units of `currency`.
    discount_amount : int or None
        Discount taken off the line, minor units of `currency`, >= 0.
    currency : str
        ISO 4217 code of the line's amounts.

    Examples
    --------
    >>> import datetime as dt
    >>> line = InvoiceLine(line_id="il-1", customer_id="c-1", kind="recurring",
    ...     period_start=dt.date(2025, 4, 1), period_end=dt.date(2026, 4, 1),
    ...     amount=120_000, currency="JPY")
    >>> line.kind, line.amount
    (<LineKind.RECURRING: 'recurring'>, 120000)
    >>> InvoiceLine(line_id="il-2", customer_id="c-1", kind="recurring",
    ...     period_start=dt.date(2025, 4, 1), period_end=dt.date(2025, 5, 1),
    ...     currency="USD")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: give a line either its amount, or its quantity and unit_amount ...
    """

    TABLE: ClassVar[str] = "invoice_lines"
    KEY: ClassVar[tuple[str, ...]] = ("line_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (
        _not_before(
            "period_start",
            "period_end",
            "'period_end' is the exclusive end of the service period and must be "
            "on or after 'period_start'",
        ),
        _PERIOD_FORM_RULE,
        _AMOUNT_FORM_RULE,
    )

    line_id: str = column("id", unique=True, doc="Invoice-line identifier.")
    invoice_id: str | None = column("id", optional=True, doc="The invoice.")
    customer_id: str = column("id", doc="The billed customer.")
    subscription_id: str | None = column(
        "id", optional=True, doc="The subscription the line bills."
    )
    plan: str | None = column("text", optional=True, doc="Plan name.")
    kind: LineKind = column(
        "enum",
        enum=LineKind,
        doc="Recurring, one-off, tax, credit note or proration.",
    )
    period_start: dt.date = column("date", doc="First day of the service period.")
    period_end: dt.date | None = column(
        "date",
        optional=True,
        doc="First day after the service period (exclusive); else from interval.",
    )
    amount: int | None = column(
        "money",
        optional=True,
        signed=True,
        doc="Amount before discount, minor units (signed).",
    )
    quantity: int | None = column("count", optional=True, doc="Units billed.")
    unit_amount: int | None = column(
        "money", optional=True, signed=True, doc="Price of one unit, minor units."
    )
    discount_amount: int | None = column(
        "money", optional=True, doc="Discount taken off the line, minor units."
    )
    currency: str = column("currency", doc="ISO 4217 code of the amounts.")
    interval: str | None = column(
        "text",
        optional=True,
        doc="Billing interval, where period_end is missing (month, year, ...).",
    )
    interval_count: int | None = column(
        "count", optional=True, doc="Intervals per period (1 if missing)."
    )

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


@frozen(kw_only=True)
class ExchangeRate(_Record):
    """
    One exchange rate into the reporting currency, from a day on.

    A ``rates=`` table of `Ledger.from_subscriptions` and
    `Ledger.from_monthly_mrr` holds these rows; the mapping form
    ``{code: rate}`` is read as one undated row per currency.

    Attributes
    ----------
    currency : str
        ISO 4217 code of the currency converted from.
    date : datetime.date
        The day the rate applies from (read as-of by
        ``Conventions.fx_rate_date``).
    rate : float
        Major units of the reporting currency per major unit of `currency`,
        finite and > 0.

    Examples
    --------
    >>> import datetime as dt
    >>> ExchangeRate(currency="EUR", date=dt.date(2024, 1, 1), rate=1.09).rate
    1.09
    >>> ExchangeRate(currency="EUR", date=dt.date(2024, 1, 1), rate=0.0)
    Traceback (most recent call last):
    ValueError: 'rate' must be finite and greater than 0.0, got 0.0
    """

    TABLE: ClassVar[str] = "rates"
    KEY: ClassVar[tuple[str, ...]] = ("currency", "date")
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    currency: str = column("currency", doc="ISO 4217 code converted from.")
    date: dt.date = column("date", doc="First day the rate applies.")
    rate: float = column(
        "number",
        low=0.0,
        low_open=True,
        doc="Reporting-currency major units per major unit of currency.",
    )


@frozen(kw_only=True)
class StaffMember(_Record):
    """
    A person whose work the metrics judge, with what they cost.

    Attributes
    ----------
    staff_id : str
        Identifier, unique within the staff table.
    role : Role
        What the person does (a `Role` or its string value).
    monthly_cost : int
        Fully loaded cost per month in minor units of `currency`, >= 0.
    currency : str
        ISO 4217 code of `monthly_cost`.
    name : str or None
        Display name.
    team : str or None
        Team name.
    fte : float, default 1.0
        Share of a full-time position spent in `role`, in (0, 1].
    start : datetime.date or None
        First day in the role.
    end : datetime.date or None
        First day no longer in the role (exclusive).

    Examples
    --------
    >>> StaffMember(staff_id="s-1", role="customer_sales",
    ...             monthly_cost=1_000_000, currency="JPY").role
    <Role.CUSTOMER_SALES: 'customer_sales'>
    >>> StaffMember(staff_id="s-2", role="closer", monthly_cost=1,
    ...             currency="JPY")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'role' must be one of 'inside_sales', 'field_sales', ...
    """

    TABLE: ClassVar[str] = "staff"
    KEY: ClassVar[tuple[str, ...]] = ("staff_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (_END_RULE,)

    staff_id: str = column("id", unique=True, doc="Staff identifier.")
    role: Role = column("enum", enum=Role, doc="What the person does.")
    monthly_cost: int = column("money", doc="Fully loaded monthly cost, minor units.")
    currency: str = column("currency", doc="ISO 4217 code of monthly_cost.")
    name: str | None = column("text", optional=True, doc="Display name.")
    team: str | None = column("text", optional=True, doc="Team name.")
    fte: float = column(
        "number",
        optional=True,
        default=1.0,
        low=0.0,
        low_open=True,
        high=1.0,
        doc="Share of a full-time position in the role.",
    )
    start: dt.date | None = column("date", optional=True, doc="First day in role.")
    end: dt.date | None = column(
        "date", optional=True, doc="First day no longer in role (exclusive)."
    )

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


@frozen(kw_only=True)
class Deal(_Record):
    """
    A won deal: new business, an upsell or a cross-sell, and who won it.

    Attributes
    ----------
    deal_id : str
        Identifier, unique within the deals table.
    customer_id : str
        The customer the deal is with.
    kind : DealKind
        ``"new"``, ``"upsell"`` or ``"cross_sell"``.
    mrr : int
        MRR the deal adds, minor units of `currency`, >= 0.
    currency : str
        ISO 4217 code of `mrr`.
    won_on : datetime.date
        Day the deal was won.
    owner_id : str
        ``staff_id`` of the person who won it.
    sourced_by : str or None
        ``staff_id`` of the person who sourced it, if someone else.

    Examples
    --------
    >>> import datetime as dt
    >>> Deal(deal_id="d-1", customer_id="c-1", kind="upsell", mrr=130_000,
    ...      currency="JPY", won_on=dt.date(2024, 4, 2), owner_id="s-1").kind
    <DealKind.UPSELL: 'upsell'>
    """

    TABLE: ClassVar[str] = "deals"
    KEY: ClassVar[tuple[str, ...]] = ("deal_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    deal_id: str = column("id", unique=True, doc="Deal identifier.")
    customer_id: str = column("id", doc="The customer the deal is with.")
    kind: DealKind = column("enum", enum=DealKind, doc="New, upsell or cross-sell.")
    mrr: int = column("money", doc="MRR the deal adds, minor units.")
    currency: str = column("currency", doc="ISO 4217 code of mrr.")
    won_on: dt.date = column("date", doc="Day the deal was won.")
    owner_id: str = column("id", doc="Staff member who won the deal.")
    sourced_by: str | None = column(
        "id", optional=True, doc="Staff member who sourced the deal."
    )


@frozen(kw_only=True)
class Opportunity(_Record):
    """
    An open deal or lead: what it is expected to add, and what is known of it.

    The segment attributes known at the sale (segment, channel, industry,
    ...) are extra columns of the table, named by ``by=`` where they are
    used (``goals.deal_priorities``).

    Attributes
    ----------
    opportunity_id : str
        Identifier, unique within the pipeline table.
    expected_mrr : int
        MRR the deal would add if won, minor units of `currency`, >= 0.
    currency : str
        ISO 4217 code of `expected_mrr`.
    owner_id : str or None
        ``staff_id`` of the person working it.
    customer_id : str or None
        The customer, for an existing one (an upsell, say).

    Examples
    --------
    >>> Opportunity(opportunity_id="o-1", expected_mrr=120_000,
    ...             currency="JPY").expected_mrr
    120000
    """

    TABLE: ClassVar[str] = "pipeline"
    KEY: ClassVar[tuple[str, ...]] = ("opportunity_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    opportunity_id: str = column("id", unique=True, doc="Opportunity identifier.")
    expected_mrr: int = column("money", doc="MRR if won, minor units.")
    currency: str = column("currency", doc="ISO 4217 code of expected_mrr.")
    owner_id: str | None = column(
        "id", optional=True, doc="Staff member working the opportunity."
    )
    customer_id: str | None = column(
        "id", optional=True, doc="The customer, if it is one already."
    )


@frozen(kw_only=True)
class Meeting(_Record):
    """
    An inside-sales meeting with a prospect, and the won deal it led to.

    The prospect's fit attributes known at the meeting (segment, industry,
    size, ...) are extra columns of the table, named by ``segment=`` where
    they are used (``goals.goal_history``, ``goals.pacing``).

    Attributes
    ----------
    meeting_id : str
        Identifier, unique within the meetings table.
    staff_id : str
        ``staff_id`` of the inside-sales person who booked and held it.
    held_on : datetime.date
        The day of the meeting.
    outcome : MeetingOutcome
        ``"qualified"``, ``"disqualified"`` or ``"no_show"``.
    deal_id : str or None
        The won deal (a ``deals`` row) the meeting led to, if any.
    customer_id : str or None
        The customer the prospect became, if it did.

    Examples
    --------
    >>> import datetime as dt
    >>> Meeting(meeting_id="m-1", staff_id="s-3", held_on=dt.date(2025, 4, 2),
    ...         outcome="qualified").outcome
    <MeetingOutcome.QUALIFIED: 'qualified'>
    """

    TABLE: ClassVar[str] = "meetings"
    KEY: ClassVar[tuple[str, ...]] = ("meeting_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    meeting_id: str = column("id", unique=True, doc="Meeting identifier.")
    staff_id: str = column("id", doc="Inside-sales person who held it.")
    held_on: dt.date = column("date", doc="Day of the meeting.")
    outcome: MeetingOutcome = column(
        "enum", enum=MeetingOutcome, doc="Qualified, disqualified or no-show."
    )
    deal_id: str | None = column(
        "id", optional=True, doc="Won deal the meeting led to."
    )
    customer_id: str | None = column(
        "id", optional=True, doc="Customer the prospect became."
    )


@frozen(kw_only=True)
class CostEntry(_Record):
    """
    Money spent in one month on one category, such as sales or marketing.

    Attributes
    ----------
    month : datetime.date
        First day of the calendar month the cost belongs to.
    category : str
        Cost category (for example ``"sales"``, ``"marketing"``,
        ``"customer_success"``).
    amount : int
        Amount in minor units of `currency`, >= 0.
    currency : str
        ISO 4217 code of `amount`.
    channel : str or None
        Acquisition channel the spend drives (for paid CAC), if any.
    staff_id : str or None
        Staff member the cost belongs to, if any.

    Examples
    --------
    >>> import datetime as dt
    >>> CostEntry(month=dt.date(2024, 1, 1), category="marketing",
    ...           amount=2_500_000, currency="JPY", channel="paid_search").amount
    2500000
    """

    TABLE: ClassVar[str] = "costs"
    KEY: ClassVar[tuple[str, ...]] = ()
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    month: dt.date = column("month", doc="First day of the month.")
    category: str = column("text", doc="Cost category.")
    amount: int = column("money", doc="Amount, minor units.")
    currency: str = column("currency", doc="ISO 4217 code of amount.")
    channel: str | None = column(
        "text", optional=True, doc="Acquisition channel the spend drives."
    )
    staff_id: str | None = column(
        "id", optional=True, doc="Staff member the cost belongs to."
    )


@frozen(kw_only=True)
class Assignment(_Record):
    """
    Who covered an account in one role, from a date until another.

    An assignments table records changes of owner over time: each row says
    that `staff_id` held `role` for `customer_id` from `start` until the
    exclusive `end` (empty while it lasts). Rows of one customer and role
    should not overlap.

    Attributes
    ----------
    customer_id : str
        The account.
    staff_id : str
        The person who covered it.
    role : Role
        In which role (customer success, customer sales, ...).
    start : datetime.date
        First day of the assignment.
    end : datetime.date or None
        First day no longer assigned (exclusive); None while it lasts.

    Examples
    --------
    >>> import datetime as dt
    >>> Assignment(customer_id="c-1", staff_id="s-9", role="customer_success",
    ...            start=dt.date(2024, 1, 1)).end is None
    True
    """

    TABLE: ClassVar[str] = "assignments"
    KEY: ClassVar[tuple[str, ...]] = ()
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (_END_RULE,)

    customer_id: str = column("id", doc="The account.")
    staff_id: str = column("id", doc="The person who covered it.")
    role: Role = column("enum", enum=Role, doc="The role they covered it in.")
    start: dt.date = column("date", doc="First day of the assignment.")
    end: dt.date | None = column(
        "date", optional=True, doc="First day no longer assigned (exclusive)."
    )

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


_FIRST_RESPONSE_RULE = _not_before(
    "opened_at", "first_response_at", "a ticket is answered after it is opened"
)
_RESOLVED_RULE = _not_before(
    "opened_at", "resolved_at", "a ticket is resolved after it is opened"
)


@frozen(kw_only=True)
class Ticket(_Record):
    """
    One inquiry from an account to customer support.

    Times may be dates or timestamps (response times are measured in hours
    when they carry a time of day).

    Attributes
    ----------
    ticket_id : str
        Identifier, unique within the tickets table.
    customer_id : str
        The account that asked.
    opened_at : datetime.datetime or datetime.date
        When the inquiry arrived.
    first_response_at : datetime.datetime or datetime.date or None
        When it was first answered; None if not yet.
    resolved_at : datetime.datetime or datetime.date or None
        When it was resolved; None while open.
    owner_id : str or None
        ``staff_id`` of the person who handled it.
    category : str or None
        What it was about (``"how_to"``, ``"bug"``, ``"billing"``, ...).

    Examples
    --------
    >>> import datetime as dt
    >>> Ticket(ticket_id="t-1", customer_id="c-1",
    ...        opened_at=dt.datetime(2024, 5, 1, 9, 0),
    ...        first_response_at=dt.datetime(2024, 5, 1, 10, 30)).resolved_at is None
    True
    """

    TABLE: ClassVar[str] = "tickets"
    KEY: ClassVar[tuple[str, ...]] = ("ticket_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (_FIRST_RESPONSE_RULE, _RESOLVED_RULE)

    ticket_id: str = column("id", unique=True, doc="Ticket identifier.")
    customer_id: str = column("id", doc="The account that asked.")
    opened_at: dt.date = column("date", doc="When the inquiry arrived.")
    first_response_at: dt.date | None = column(
        "date", optional=True, doc="When it was first answered."
    )
    resolved_at: dt.date | None = column(
        "date", optional=True, doc="When it was resolved."
    )
    owner_id: str | None = column(
        "id", optional=True, doc="Staff member who handled it."
    )
    category: str | None = column("text", optional=True, doc="What it was about.")

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


_COMPLETED_RULE = _not_before(
    "started_on", "completed_on", "onboarding completes after it starts"
)


@frozen(kw_only=True)
class Onboarding(_Record):
    """
    One account's onboarding: when it started and when (if) it was completed.

    Attributes
    ----------
    customer_id : str
        The account, unique within the onboarding table.
    started_on : datetime.date
        First day of onboarding (usually the first day of service).
    completed_on : datetime.date or None
        Day every onboarding step was done; None while incomplete.
    owner_id : str or None
        ``staff_id`` of the person who onboarded the account.

    Examples
    --------
    >>> import datetime as dt
    >>> Onboarding(customer_id="c-1", started_on=dt.date(2024, 4, 1),
    ...            completed_on=dt.date(2024, 4, 20)).completed_on
    datetime.date(2024, 4, 20)
    """

    TABLE: ClassVar[str] = "onboarding"
    KEY: ClassVar[tuple[str, ...]] = ("customer_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = (_COMPLETED_RULE,)

    customer_id: str = column("id", unique=True, doc="The account.")
    started_on: dt.date = column("date", doc="First day of onboarding.")
    completed_on: dt.date | None = column(
        "date", optional=True, doc="Day every step was done."
    )
    owner_id: str | None = column(
        "id", optional=True, doc="Staff member who onboarded it."
    )

    def __attrs_post_init__(self) -> None:
        """Check the rules that span several fields."""
        _check_rules(self)


@frozen(kw_only=True)
class Activity(_Record):
    """
    One piece of process work by a staff member: a call, a meeting, a proposal.

    Opportunities carry the MRR they would add (the pipeline created).

    Attributes
    ----------
    activity_id : str
        Identifier, unique within the activities table.
    staff_id : str
        Who did it.
    kind : ActivityKind
        ``"one_on_one_call"``, ``"meeting"``, ``"upsell_proposal"`` or
        ``"opportunity"``.
    on : datetime.date
        The day it happened.
    customer_id : str or None
        The account it was with, if one.
    mrr : int or None
        For opportunities, the MRR they would add, minor units of `currency`.
    currency : str or None
        ISO 4217 code of `mrr`.

    Examples
    --------
    >>> import datetime as dt
    >>> Activity(activity_id="a-1", staff_id="s-1", kind="opportunity",
    ...          on=dt.date(2024, 6, 3), customer_id="c-1", mrr=50_000,
    ...          currency="JPY").kind
    <ActivityKind.OPPORTUNITY: 'opportunity'>
    """

    TABLE: ClassVar[str] = "activities"
    KEY: ClassVar[tuple[str, ...]] = ("activity_id",)
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    activity_id: str = column("id", unique=True, doc="Activity identifier.")
    staff_id: str = column("id", doc="Who did it.")
    kind: ActivityKind = column("enum", enum=ActivityKind, doc="What it was.")
    on: dt.date = column("date", doc="The day it happened.")
    customer_id: str | None = column(
        "id", optional=True, doc="The account it was with."
    )
    mrr: int | None = column(
        "money", optional=True, doc="MRR an opportunity would add, minor units."
    )
    currency: str | None = column(
        "currency", optional=True, doc="ISO 4217 code of mrr."
    )


@frozen(kw_only=True)
class UsageSnapshot(_Record):
    """
    How much an account used the product in one month: the health signals.

    Attributes
    ----------
    customer_id : str
        The account.
    month : datetime.date
        First day of the calendar month.
    seats : int
        Licensed seats (users the account pays for).
    active_users : int
        Users who used the product in the month.
    logins : int
        Logins in the month.
    feature_usage_rate : float
        Share of the product's key features the account used, in [0, 1].
    nps : int or None
        The account's answer to the recommend question (0-10), if asked.

    Examples
    --------
    >>> import datetime as dt
    >>> UsageSnapshot(customer_id="c-1", month=dt.date(2024, 6, 1), seats=20,
    ...               active_users=12, logins=340, feature_usage_rate=0.4).nps is None
    True
    """

    TABLE: ClassVar[str] = "usage"
    KEY: ClassVar[tuple[str, ...]] = ("customer_id", "month")
    ROW_RULES: ClassVar[tuple[RowRule, ...]] = ()

    customer_id: str = column("id", doc="The account.")
    month: dt.date = column("month", doc="First day of the month.")
    seats: int = column("count", doc="Licensed seats.")
    active_users: int = column("count", doc="Users active in the month.")
    logins: int = column("count", doc="Logins in the month.")
    feature_usage_rate: float = column(
        "number", low=0.0, high=1.0, doc="Share of key features used."
    )
    nps: int | None = column(
        "number", optional=True, low=0.0, high=10.0, doc="Recommend score, 0-10."
    )
