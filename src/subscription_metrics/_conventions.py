"""One frozen record of every definitional choice, with presets named after anchors."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

import attrs
from attrs import field, frozen
from attrs.validators import ge, gt, in_, instance_of, le, lt, optional

from ._columns import as_int

if TYPE_CHECKING:
    from ._money import Rounding

__all__ = ["Conventions"]

MrrSnapshot = Literal["end", "start"]
ZeroMrr = Literal["churned", "active"]
FxRateDate = Literal["start", "latest"]
ChurnDenominator = Literal["start", "start_plus_new"]
JoinAndChurn = Literal["exclude", "include", "ignore"]
NrrMethod = Literal["movements", "customers"]
LtvChurn = Literal["customer", "gross_mrr", "net_mrr"]
ZeroChurn = Literal["inf", "undefined", "lifetime_cap"]
CacPayback = Literal["new_arpa", "arpa", "bessemer"]
LifetimeSpells = Literal["first", "each"]
PartialPeriod = Literal["last_month", "undefined"]
InvoiceSpread = Literal["months", "days"]
Trial = Literal["not_customer", "customer"]
Discounts = Literal["lower_mrr", "ignore"]


def _choice(
    default: str, choices: tuple[str, ...], doc: str, anchors: Mapping[str, Any]
) -> Any:
    return field(
        default=default,
        validator=in_(choices),
        metadata={"doc": doc, "choices": choices, "anchors": dict(anchors)},
    )


def _count(default: int, low: int, doc: str, anchors: Mapping[str, Any]) -> Any:
    return field(
        default=default,
        converter=as_int,
        validator=[instance_of(int), ge(low)],
        metadata={"doc": doc, "choices": (f"N >= {low}",), "anchors": dict(anchors)},
    )


def _real(name: str) -> Any:
    """Return a converter to ``float`` that refuses booleans, text and non-finite."""

    def convert(value: object) -> float:
        value = as_int(value)  # numpy integers, by operator.index
        if isinstance(value, bool) or not isinstance(value, int | float):
            msg = f"{name!r} must be a number, got {value!r}"
            raise TypeError(msg)
        return float(value)

    return convert


def _fraction(
    name: str,
    default: float,
    doc: str,
    anchors: Mapping[str, Any],
    *,
    low_open: bool,
) -> Any:
    """Return a float field in (0, 1] (``low_open``) or in [0, 1)."""
    bounds = [gt(0.0), le(1.0)] if low_open else [ge(0.0), lt(1.0)]
    return field(
        default=default,
        converter=_real(name),
        validator=bounds,
        metadata={
            "doc": doc,
            "choices": ("0 < x <= 1",) if low_open else ("0 <= x < 1",),
            "anchors": dict(anchors),
        },
    )


def _flag(default: bool, doc: str, anchors: Mapping[str, Any]) -> Any:
    return field(
        default=default,
        validator=instance_of(bool),
        metadata={"doc": doc, "choices": (True, False), "anchors": dict(anchors)},
    )


@frozen(kw_only=True)
class Conventions:
    """
    Every definitional choice the library makes, in one immutable record.

    Published metric definitions disagree (ChartMogul, Stripe, Baremetrics,
    ProfitWell and the dbt MRR playbook each pick differently), so the library
    never picks silently: every function that depends on a choice takes a
    ``conventions=`` argument, and the default record states the default.
    Use `Conventions.preset` for a named set that follows one anchor, and
    `attrs.evolve` to change one field.

    Attributes
    ----------
    mrr_snapshot : {'end', 'start'}, default 'end'
        When in a calendar month a subscription is looked at to decide whether
        it counts in that month. ``'end'``: it counts when it is active at the
        end of the month, so it counts from the month of its ``start`` up to
        but excluding the month of its (exclusive) ``end``. ``'start'``: it
        counts when it is active on the first day of the month (the dbt MRR
        playbook's ``start_date <= month < end_date``). A subscription that
        starts and ends between two snapshots is invisible at the monthly
        grain; it is counted and reported, never dropped silently.
    reactivation_window_months : int or None, default None
        How long a churned customer may stay away and still come back as a
        reactivation. ``None``: any gap (ChartMogul, ProfitWell, dbt). ``N``:
        a return after at most ``N`` months without revenue is a reactivation,
        a later one counts as new business again (Maxio/Chargify use 90 days,
        about 3 months).
    zero_mrr : {'churned', 'active'}, default 'churned'
        What a customer whose subscriptions all have zero MRR is.
        ``'churned'``: not a paying customer, so falling to zero MRR is churn
        (Baremetrics, Stripe, ProfitWell, dbt). ``'active'``: still a customer
        while it has an active subscription, so moving to a free plan is
        contraction, not churn (ChartMogul's default).
    money_rounding : {'half_even', 'half_up', 'exact'}, default 'half_even'
        How a major-unit amount with more decimals than the currency has is
        rounded once, at ingestion: to the nearest minor unit with ties to
        even, ties away from zero, or refused with an error.
    fx_rate_date : {'start', 'latest'}, default 'start'
        Which rate converts an amount in another currency when dated rates
        are supplied. ``'start'``: the rate in force when the amount starts
        to count (a subscription's start date, a monthly row's month), so
        a subscription keeps one converted MRR for its whole life and
        exchange-rate moves do not show up as its MRR movements (ChartMogul
        uses the service-period start, ProfitWell the purchase date). Monthly
        billing rows convert month by month, so there a rate move does change
        the converted MRR. ``'latest'``:
        the latest rate in the caller's table for every amount, a
        constant-currency view.
    invoice_spread : {'months', 'days'}, default 'months'
        How `Ledger.from_invoice_lines` spreads a line over its service period
        into monthly MRR, in exact minor units. ``'months'``: the period is
        a whole number of months (its days over the average month of
        365.25 / 12 days, rounded, at least one), starting with the month of
        ``period_start``; the amount is split equally over them and the
        remainder units go one each to the earliest months (an annual line
        of 120,000 yen is 10,000 a month; 100.00 dollars over three months is
        33.34, 33.33, 33.33). Anniversary billing on the 15th keeps whole
        months: each line counts from the month it starts (ChartMogul,
        Baremetrics: the amount over the months of its period). ``'days'``:
        the amount is split equally over the period's days, the remainder
        units one each to the earliest days, and each calendar month gets
        the sum of its days (revenue-recognition style; a mid-month start
        shows a partial first month). Under both rules the shares add up to
        the line exactly, and a partial credit for the same period never
        takes a month below zero.
    trial : {'not_customer', 'customer'}, default 'not_customer'
        What a trial month is. A trial is a recurring invoice line that
        charges nothing before its discount (amount or unit amount 0) and
        starts before the customer's first charged recurring line.
        ``'not_customer'``: not yet a customer; trial lines are counted in
        `Ledger.set_aside` and the customer is new in its first paid month
        (ChartMogul treats trials as leads; Stripe, Baremetrics and
        ProfitWell leave them out of customers and MRR). ``'customer'``: a
        customer at zero MRR from the trial's first month, so conversion is
        an expansion; it needs ``zero_mrr='active'``, the convention under
        which a zero-MRR customer is a customer.
    discounts : {'lower_mrr', 'ignore'}, default 'lower_mrr'
        Whether an invoice line's ``discount_amount`` lowers MRR (ChartMogul,
        Baremetrics, ProfitWell) or MRR is the price before discount. A
        discount lasts as long as the lines that carry it: a coupon for three
        months is on three monthly lines, and its end is an expansion.
    churn_denominator : {'start', 'start_plus_new'}, default 'start'
        Customers a churn rate divides by: those at the start of the period
        (ChartMogul, Baremetrics), or those plus the customers won during it
        (Stripe).
    join_and_churn : {'exclude', 'include', 'ignore'}, default 'exclude'
        Customers who became active and churned within one period (possible
        in quarters and years; within one month the monthly grain cannot see
        them). ``'exclude'``: not counted as lost (ChartMogul).
        ``'include'``: counted as lost, and as won (Stripe, Baremetrics).
        ``'ignore'``: neither won nor lost (ProfitWell).
    gross_churn_cap : bool, default False
        Whether gross MRR churn is capped at 100% (Baremetrics). Without the
        cap a rate above 1 says losses exceeded the starting MRR.
    reactivation_in_net_churn : bool, default True
        Whether reactivation MRR offsets losses in net MRR churn (ChartMogul)
        or not (Baremetrics).
    nrr_method : {'movements', 'customers'}, default 'movements'
        How revenue retention is built: from the period's movements over the
        starting MRR (ChartMogul), or customer by customer, this month
        against twelve months earlier, with GRR capping each customer at its
        earlier MRR (SaaS Capital).
    reactivation_in_nrr : bool, default False
        Whether reactivation counts as retained revenue in movement-based NRR
        (ChartMogul's period NRR leaves it out; the customer-by-customer
        method always sees a returned customer's revenue).
    reactivation_in_quick_ratio : bool, default False
        Whether reactivation MRR counts as a gain in the SaaS quick ratio
        (Baremetrics and ProfitWell leave it out).
    partial_period : {'last_month', 'undefined'}, default 'last_month'
        What the rates of a quarter or year that ends after the last month
        reported (the data horizon, or ``through``) are. ``'last_month'``:
        the period to date, every figure of the row measured at that last
        month (stocks read there, flows summed up to it, customer-by-customer
        retention that month against twelve months before). ``'undefined'``:
        its rates are NaN. Either way the row says it is partial.
    gross_margin : float, default 1.0
        Share of revenue kept after the cost of serving it, in (0, 1]. LTV,
        CAC payback and staff ROI multiply revenue by it. The default 1.0 is
        revenue LTV, as ChartMogul, Stripe and Baremetrics report it; set the
        company's subscription gross margin (say 0.75) for margin LTV.
    annual_discount_rate : float, default 0.0
        Yearly rate at which future revenue is discounted, in [0, 1). Monthly
        figures use the equivalent monthly rate ``(1 + a) ** (1 / 12) - 1``.
        The anchors do not discount.
    ltv_churn : {'customer', 'gross_mrr', 'net_mrr'}, default 'customer'
        Which churn rate LTV divides by: customer (logo) churn (ChartMogul,
        Stripe, Baremetrics), gross MRR churn, or net MRR churn, which lets
        expansion lengthen the lifetime (ProfitWell's ``1 - retention``).
        Net churn at or below zero follows `ltv_zero_churn`.
    ltv_churn_window_months : int, default 1
        Months of churn rates averaged for LTV: 1 uses one month's rate;
        ChartMogul averages six.
    ltv_churn_excludes_current : bool, default False
        Whether that window ends with the month before the LTV's month
        (ChartMogul: "the previous six months, excluding the current one")
        or with the month itself.
    ltv_zero_churn : {'inf', 'undefined', 'lifetime_cap'}, default 'inf'
        LTV when churn is zero or negative: unbounded (``inf``, or the
        discounted perpetuity when discounting makes it finite); undefined
        (NaN; ChartMogul shows no LTV then); or the value over
        `ltv_lifetime_cap_months` (Stripe assumes 60 months).
    ltv_lifetime_cap_months : int, default 60
        The lifetime, in months, assumed under ``ltv_zero_churn=
        'lifetime_cap'``.
    cac_spend_lag_months : int, default 0
        How many months before the customers it wins spend is counted: CAC
        of month M divides the spend of month ``M - lag`` by M's new
        customers (sales cycles are long; Bessemer uses the prior period).
    cac_payback : {'new_arpa', 'arpa', 'bessemer'}, default 'new_arpa'
        CAC payback in months: CAC over the new customers' ARPA times gross
        margin; CAC over all customers' ARPA times gross margin (Skok); or
        the previous period's spend over the period's new MRR times gross
        margin (Bessemer).
    lifetime_spells : {'first', 'each'}, default 'first'
        Which paid spells are the lifetimes of survival analysis
        (``survival.lifetimes``, ``early_ltv``, ``backtest``). ``'first'``:
        a customer's lifetime is its first paid spell, ended by its first
        churn; a later return is ignored, because what reps and channels are
        judged on is how long the customers they acquired stayed, and a
        win-back is someone else's work. ``'each'``: every paid spell is a
        subject of its own, starting at its (re)activation month.

    Examples
    --------
    >>> from subscription_metrics import Conventions
    >>> Conventions().zero_mrr
    'churned'
    >>> Conventions.preset("chartmogul").zero_mrr
    'active'
    >>> import attrs
    >>> attrs.evolve(Conventions(), reactivation_window_months=3)
    ... # doctest: +ELLIPSIS
    Conventions(mrr_snapshot='end', reactivation_window_months=3, ...)
    """

    mrr_snapshot: MrrSnapshot = _choice(
        "end",
        ("end", "start"),
        "When in the month a subscription is looked at to count it.",
        {
            "default": "end",
            "chartmogul": "end",
            "stripe": "end",
            "baremetrics": "end",
            "profitwell": "end",
            "dbt": "start",
            "maxio": "end",
        },
    )
    reactivation_window_months: int | None = field(
        default=None,
        converter=as_int,
        validator=optional([instance_of(int), ge(0)]),
        metadata={
            "doc": "Longest gap, in months, after which a return is still a "
            "reactivation (None: any gap).",
            "choices": ("None", "N >= 0"),
            "anchors": {
                "default": None,
                "chartmogul": None,
                "profitwell": None,
                "dbt": None,
                "maxio": 3,
            },
        },
    )
    zero_mrr: ZeroMrr = _choice(
        "churned",
        ("churned", "active"),
        "Whether a customer with only zero-MRR subscriptions is churned or active.",
        {
            "default": "churned",
            "chartmogul": "active",
            "stripe": "churned",
            "baremetrics": "churned",
            "profitwell": "churned",
            "dbt": "churned",
        },
    )
    money_rounding: Rounding = _choice(
        "half_even",
        ("half_even", "half_up", "exact"),
        "How major-unit amounts are rounded to minor units, once, at ingestion.",
        {"default": "half_even", "chartmogul": "half_up"},
    )
    fx_rate_date: FxRateDate = _choice(
        "start",
        ("start", "latest"),
        "Which dated exchange rate converts an amount.",
        {"default": "start", "chartmogul": "start", "profitwell": "start"},
    )
    invoice_spread: InvoiceSpread = _choice(
        "months",
        ("months", "days"),
        "How an invoice line is spread over its service period: equally over "
        "its whole months, or by the days of each calendar month.",
        {"default": "months", "chartmogul": "months", "baremetrics": "months"},
    )
    trial: Trial = _choice(
        "not_customer",
        ("not_customer", "customer"),
        "Whether a trial month (a zero-charge recurring line before the first "
        "paid one) is not yet a customer, or a customer at zero MRR.",
        {
            "default": "not_customer",
            "chartmogul": "not_customer",
            "stripe": "not_customer",
            "baremetrics": "not_customer",
            "profitwell": "not_customer",
        },
    )
    discounts: Discounts = _choice(
        "lower_mrr",
        ("lower_mrr", "ignore"),
        "Whether an invoice line's discount lowers MRR, or MRR is the price "
        "before discount.",
        {
            "default": "lower_mrr",
            "chartmogul": "lower_mrr",
            "baremetrics": "lower_mrr",
            "profitwell": "lower_mrr",
        },
    )

    churn_denominator: ChurnDenominator = _choice(
        "start",
        ("start", "start_plus_new"),
        "Customers a churn rate divides by: at the period's start, or plus new.",
        {
            "default": "start",
            "chartmogul": "start",
            "stripe": "start_plus_new",
            "baremetrics": "start",
        },
    )
    join_and_churn: JoinAndChurn = _choice(
        "exclude",
        ("exclude", "include", "ignore"),
        "Customers who join and churn within one period: not lost, lost, or neither.",
        {
            "default": "exclude",
            "chartmogul": "exclude",
            "stripe": "include",
            "baremetrics": "include",
            "profitwell": "ignore",
        },
    )
    gross_churn_cap: bool = _flag(
        False,
        "Whether gross MRR churn is capped at 100%.",
        {"default": False, "chartmogul": False, "baremetrics": True},
    )
    reactivation_in_net_churn: bool = _flag(
        True,
        "Whether reactivation MRR offsets losses in net MRR churn.",
        {"default": True, "chartmogul": True, "baremetrics": False},
    )
    nrr_method: NrrMethod = _choice(
        "movements",
        ("movements", "customers"),
        "Revenue retention from the period's movements, or customer by customer "
        "against twelve months earlier.",
        {"default": "movements", "chartmogul": "movements"},
    )
    reactivation_in_nrr: bool = _flag(
        False,
        "Whether reactivation counts as retained revenue in movement-based NRR.",
        {"default": False, "chartmogul": False},
    )
    reactivation_in_quick_ratio: bool = _flag(
        False,
        "Whether reactivation MRR counts as a gain in the quick ratio.",
        {"default": False, "baremetrics": False, "profitwell": False},
    )
    partial_period: PartialPeriod = _choice(
        "last_month",
        ("last_month", "undefined"),
        "Rates of a period ending after the last month of data: measured at that "
        "month, or NaN.",
        {"default": "last_month"},
    )
    gross_margin: float = _fraction(
        "gross_margin",
        1.0,
        "Share of revenue kept after the cost of serving it (1.0: revenue LTV).",
        {"default": 1.0},
        low_open=True,
    )
    annual_discount_rate: float = _fraction(
        "annual_discount_rate",
        0.0,
        "Yearly rate at which future revenue is discounted in LTV and payback.",
        {"default": 0.0},
        low_open=False,
    )
    ltv_churn: LtvChurn = _choice(
        "customer",
        ("customer", "gross_mrr", "net_mrr"),
        "Which churn rate LTV divides by: customer, gross MRR or net MRR churn.",
        {
            "default": "customer",
            "chartmogul": "customer",
            "stripe": "customer",
            "baremetrics": "customer",
            "profitwell": "net_mrr",
        },
    )
    ltv_churn_window_months: int = _count(
        1,
        1,
        "Months of churn rates averaged for LTV.",
        {"default": 1, "chartmogul": 6},
    )
    ltv_churn_excludes_current: bool = _flag(
        False,
        "Whether the LTV churn window ends the month before the LTV's month.",
        {"default": False, "chartmogul": True},
    )
    ltv_zero_churn: ZeroChurn = _choice(
        "inf",
        ("inf", "undefined", "lifetime_cap"),
        "LTV when churn is zero or negative: inf, NaN, or capped lifetime.",
        {"default": "inf", "chartmogul": "undefined", "stripe": "lifetime_cap"},
    )
    ltv_lifetime_cap_months: int = _count(
        60,
        1,
        "Lifetime assumed under ltv_zero_churn='lifetime_cap', in months.",
        {"default": 60, "stripe": 60},
    )
    cac_spend_lag_months: int = _count(
        0,
        0,
        "Months between spend and the new customers it is divided by.",
        {"default": 0},
    )
    cac_payback: CacPayback = _choice(
        "new_arpa",
        ("new_arpa", "arpa", "bessemer"),
        "CAC payback: over new customers' ARPA, all customers' ARPA, or "
        "prior-period spend over new MRR.",
        {"default": "new_arpa"},
    )
    lifetime_spells: LifetimeSpells = _choice(
        "first",
        ("first", "each"),
        "Survival lifetimes: each customer's first paid spell, or every paid spell.",
        {"default": "first"},
    )

    def __attrs_post_init__(self) -> None:
        """Check the choices that depend on each other."""
        if self.trial == "customer" and self.zero_mrr != "active":
            msg = (
                "'trial' = 'customer' makes a trial month a customer at zero MRR, "
                "which needs zero_mrr='active' (a zero-MRR customer is then a "
                "customer); pass both, or trial='not_customer'"
            )
            raise ValueError(msg)

    @classmethod
    def preset(cls, name: str) -> Conventions:
        """
        Return the conventions that follow one published anchor.

        Parameters
        ----------
        name : str
            One of the keys of `Conventions.PRESETS`: ``'default'``,
            ``'chartmogul'``, ``'stripe'``, ``'baremetrics'``,
            ``'profitwell'``, ``'dbt'`` or ``'maxio'``.

        Returns
        -------
        Conventions
            The record for that anchor. Fields an anchor does not document
            keep the library default.

        Raises
        ------
        ValueError
            If `name` is not a known preset; the message lists the presets.

        Examples
        --------
        >>> Conventions.preset("dbt").mrr_snapshot
        'start'
        >>> Conventions.preset("maxio").reactivation_window_months
        3
        """
        try:
            overrides = _PRESETS[name]
        except KeyError:
            allowed = ", ".join(repr(key) for key in _PRESETS)
            msg = f"'name' must be one of {allowed}, got {name!r}"
            raise ValueError(msg) from None
        return cls(**overrides)

    @classmethod
    def preset_names(cls) -> tuple[str, ...]:
        """
        Return the names `Conventions.preset` accepts.

        Examples
        --------
        >>> Conventions.preset_names()[:3]
        ('default', 'chartmogul', 'stripe')
        """
        return tuple(_PRESETS)

    def as_dict(self) -> dict[str, Any]:
        """
        Return the choices as a plain, JSON-ready dictionary.

        Examples
        --------
        >>> Conventions().as_dict()["mrr_snapshot"]
        'end'
        """
        return attrs.asdict(self)

    def explain(self) -> str:
        """
        Return one line per choice: name, value, and what it means.

        Examples
        --------
        >>> print(Conventions().explain().splitlines()[0])
        mrr_snapshot = 'end': When in the month a subscription is looked at to count it.
        """
        lines = []
        for attribute in attrs.fields(type(self)):
            value = getattr(self, attribute.name)
            lines.append(f"{attribute.name} = {value!r}: {attribute.metadata['doc']}")
        return "\n".join(lines)


def _preset_overrides() -> Mapping[str, Mapping[str, Any]]:
    """Collect each preset's field values from the fields' ``anchors`` metadata."""
    names: tuple[str, ...] = ("default", "chartmogul", "stripe", "baremetrics")
    names += ("profitwell", "dbt", "maxio")
    presets: dict[str, dict[str, Any]] = {name: {} for name in names}
    for attribute in attrs.fields(Conventions):
        for anchor, value in attribute.metadata["anchors"].items():
            presets[anchor][attribute.name] = value
    return MappingProxyType(
        {name: MappingProxyType(values) for name, values in presets.items()}
    )


_PRESETS: Final[Mapping[str, Mapping[str, Any]]] = _preset_overrides()
