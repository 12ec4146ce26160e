"""
The bundled sample: three years of a Japanese B2B SaaS company, in yen.

`load_sample` returns a `SampleData` with twelve tables that follow the
library's entities: ``customers`` (`Customer`), ``subscriptions``
(`Subscription`, plus a ``billing_interval`` column), ``staff``
(`StaffMember`), ``deals`` (`Deal`) and ``costs`` (`CostEntry`), and for
customer-success work ``usage`` (`UsageSnapshot`), ``onboarding``
(`Onboarding`), ``tickets`` (`Ticket`), ``activities`` (`Activity`) and
``assignments`` (`Assignment`), and for goal setting ``meetings``
(`Meeting`, inside sales's meetings with prospects) and ``pipeline``
(`Opportunity`, the deals open at the horizon). The company sells a ``starter``, a
``standard`` and an ``enterprise`` plan, monthly or annually (annual
contracts get 15% off and can end only at an anniversary), plus two add-ons
(``addon_analytics``, ``addon_security``) that run beside the main plan.
Customers arrive from January 2023 to December 2025, faster every month; they
upgrade, downgrade, buy add-ons, cancel, and sometimes come back. About
twenty sign-ups were refunded inside their first month, so they start and end
in the same calendar month and the monthly ledger sets them aside. The data
horizon (`SampleData.as_of`) is 2025-12-31; open subscriptions have no
``end``.

Field-sales rep ``st-015`` (rep A) closes twice as many deals as rep
``st-017`` (rep B), but its customers churn about five times as often as
usual; rep B's customers stay,
churning at about half the usual rate (`REP_A`, `REP_B`). Segment and channel
matter too: ``smb`` churns most and ``enterprise`` least; ``partner``
customers churn least of the channels.

The deals agree with the subscriptions: each acquisition and each win-back is
a ``new`` deal, each upgrade an ``upsell`` (the MRR it adds) and each add-on a
``cross_sell``; a refunded sign-up is still a won deal. From January 2025 a
customer-sales team (``st-025`` and ``st-026``) owns the upsells and
cross-sells of ``mid_market`` and ``enterprise`` customers: a pilot from
January to June 2025 (`CUSTOMER_SALES_PILOT`), after which the team stays on.
Customer success owns every other expansion deal. Expansion happens at the
same rates before and during the pilot, so the team's deals show what it owns,
not what it adds. The costs give each month's staff costs (by role) and
marketing spend (by channel), so CAC, CAC payback and the pilot's return can be
worked out.

Customer success leaves its own traces. ``usage`` has one row per customer and
month with MRR at the month's end: seats, active users, logins, the feature
usage rate and a quarterly NPS. Usage is lower for customers with a higher
churn hazard and, for most churners, falls over the one to four months before
they leave, so a low feature usage rate predicts churn (an AUC of about 0.76
for churn within three months). ``onboarding`` is fast for ``smb`` and slow
for ``enterprise`` and stalls more often for customers who leave early;
``tickets`` come more often from large and low-usage accounts and are answered
faster by ``st-028`` than by ``st-029``. In ``activities`` the customer-success
owners call and meet their accounts (high touch far more often than tech
touch), and from 2025 customer sales opens an opportunity before every deal it
wins, about one and a half lost ones per won one, and makes proposals.
``assignments`` dates the owners: about 15% of the customers changed CS owner
once, and customer sales covers an account from its first opportunity.

The shipped files in ``datasets/data/`` *are* the dataset: loading reads them
and draws no random numbers. ``scripts/make_sample.py`` regenerates them with
the seeded generator in ``datasets/_generate.py`` and records the seed and the
numpy version in ``datasets/data/metadata.json``.

Adding a table:

1. In ``_generate.py``, write a step ``make_<table>(rng, tables)`` that reads
   the tables made so far and returns ``{"<table>": frame}``, and append it to
   ``STEPS``. Each step draws from its own child generator, so a new step at
   the end leaves every existing table byte for byte the same. Columns and
   tables whose names start with ``"_"`` are internal: later steps may read
   them, but they are not shipped.
2. Add a field to `SampleData` and the table's column dtypes to
   ``_SCHEMAS`` below (column order is the file's column order).
3. Run ``.venv/bin/python scripts/make_sample.py`` and add tests.

Examples
--------
>>> from subscription_metrics import datasets
>>> sample = datasets.load_sample()
>>> sample.customers.shape[0] > 2000
True
>>> sorted(sample.subscriptions["billing_interval"].unique())
['annual', 'monthly']
>>> sample.usage.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
['customer_id', 'month', 'seats', 'active_users', 'logins',
 'feature_usage_rate', 'nps']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib.resources import files
from typing import Final

import pandas as pd
from attrs import frozen

__all__ = ["CUSTOMER_SALES_PILOT", "REP_A", "REP_B", "SampleData", "load_sample"]

#: The data horizon: the last day the sample describes.
_AS_OF: Final = dt.date(2025, 12, 31)
#: The currency of every amount in the sample (exponent 0: minor units are yen).
_CURRENCY: Final = "JPY"
REP_A: Final = "st-015"
"""Field-sales rep in the sample who closes many deals whose customers churn more."""
REP_B: Final = "st-017"
"""Field-sales rep in the sample who closes fewer deals whose customers stay."""
CUSTOMER_SALES_PILOT: Final = (dt.date(2025, 1, 1), dt.date(2025, 7, 1))
"""First day and exclusive end of the sample's customer-sales pilot (the team stays)."""

#: Column dtypes of each shipped table, in file order: "str" (ids and labels,
#: empty is missing), "date" (ISO dates, empty is NaT), "timestamp" (ISO date
#: and time to the minute, ``2025-04-01 09:30``, empty is NaT), "int64",
#: "Int64" (nullable integers) and "float64".
_SCHEMAS: Final[Mapping[str, Mapping[str, str]]] = {
    "customers": {
        "customer_id": "str",
        "name": "str",
        "segment": "str",
        "region": "str",
        "industry": "str",
        "employees": "Int64",
        "acquisition_channel": "str",
        "inside_sales_rep": "str",
        "field_sales_rep": "str",
        "cs_owner": "str",
    },
    "subscriptions": {
        "subscription_id": "str",
        "customer_id": "str",
        "start": "date",
        "end": "date",
        "mrr": "int64",
        "currency": "str",
        "plan": "str",
        "billing_interval": "str",
    },
    "staff": {
        "staff_id": "str",
        "role": "str",
        "monthly_cost": "int64",
        "currency": "str",
        "name": "str",
        "team": "str",
        "fte": "float64",
        "start": "date",
        "end": "date",
    },
    "deals": {
        "deal_id": "str",
        "customer_id": "str",
        "kind": "str",
        "mrr": "int64",
        "currency": "str",
        "won_on": "date",
        "owner_id": "str",
        "sourced_by": "str",
    },
    "costs": {
        "month": "date",
        "category": "str",
        "amount": "int64",
        "currency": "str",
        "channel": "str",
        "staff_id": "str",
    },
    "usage": {
        "customer_id": "str",
        "month": "date",
        "seats": "int64",
        "active_users": "int64",
        "logins": "int64",
        "feature_usage_rate": "float64",
        "nps": "Int64",
    },
    "onboarding": {
        "customer_id": "str",
        "started_on": "date",
        "completed_on": "date",
        "owner_id": "str",
    },
    "tickets": {
        "ticket_id": "str",
        "customer_id": "str",
        "opened_at": "timestamp",
        "first_response_at": "timestamp",
        "resolved_at": "timestamp",
        "owner_id": "str",
        "category": "str",
    },
    "activities": {
        "activity_id": "str",
        "staff_id": "str",
        "kind": "str",
        "on": "date",
        "customer_id": "str",
        "mrr": "Int64",
        "currency": "str",
    },
    "assignments": {
        "customer_id": "str",
        "staff_id": "str",
        "role": "str",
        "start": "date",
        "end": "date",
    },
    "meetings": {
        "meeting_id": "str",
        "staff_id": "str",
        "held_on": "date",
        "outcome": "str",
        "deal_id": "str",
        "customer_id": "str",
        "segment": "str",
        "acquisition_channel": "str",
    },
    "pipeline": {
        "opportunity_id": "str",
        "expected_mrr": "int64",
        "currency": "str",
        "owner_id": "str",
        "customer_id": "str",
        "segment": "str",
        "acquisition_channel": "str",
        "opened_on": "date",
    },
}
#: How each date-like column kind is written and read.
_TIME_FORMATS: Final = {"date": "%Y-%m-%d", "timestamp": "%Y-%m-%d %H:%M"}


@frozen(kw_only=True, eq=False)
class SampleData:
    """
    The sample company's tables, as loaded by `load_sample`.

    Attributes
    ----------
    customers : pandas.DataFrame
        One row per customer, with the columns of `Customer`: ``customer_id``
        (``"cus-00001"``, ...), ``name``, ``segment`` (``smb``,
        ``mid_market``, ``enterprise``), ``region``, ``industry``,
        ``employees`` (Int64), ``acquisition_channel`` (``inbound``,
        ``outbound``, ``partner``, ``event``), ``inside_sales_rep``,
        ``field_sales_rep`` (missing for most ``smb`` customers) and
        ``cs_owner``, each a ``staff_id``.
    subscriptions : pandas.DataFrame
        One row per subscription, with the columns of `Subscription`:
        ``subscription_id`` (``"sub-000001"``, ...), ``customer_id``,
        ``start``, ``end`` (exclusive; NaT while it renews), ``mrr`` (int64
        yen per month, annual contracts normalised to a month), ``currency``
        and ``plan``; plus ``billing_interval`` (``monthly`` or ``annual``).
    staff : pandas.DataFrame
        One row per staff member, with the columns of `StaffMember`:
        ``staff_id`` (``"st-001"``, ...), ``role``, ``monthly_cost`` (int64
        yen), ``currency``, ``name``, ``team``, ``fte``, ``start``, ``end``.
    deals : pandas.DataFrame
        One row per won deal, with the columns of `Deal`: ``deal_id``
        (``"dl-00001"``, ..., in order of ``won_on``), ``customer_id``,
        ``kind``, ``mrr`` (int64 yen the deal adds), ``currency``, ``won_on``
        (0-25 days before a new deal's subscription starts, 0-14 before an
        expansion's), ``owner_id`` and ``sourced_by``. A ``new`` deal is a
        customer's first month (sign-ups refunded within it included) or a
        win-back; the field-sales rep owns it and the inside-sales rep sourced
        it, or the inside-sales rep owns it alone when the customer has no
        field-sales rep. An ``upsell`` is an upgrade (``mrr`` is the new MRR
        less the old) and a ``cross_sell`` an add-on; the customer's
        ``cs_owner`` owns them, except that customer sales (``st-025`` and
        ``st-026``, two customers to one in proportion to their fte, by
        customer number) owns those of ``mid_market`` and ``enterprise``
        customers won from 2025-01-01 on. Downgrades are not deals.
    costs : pandas.DataFrame
        Monthly costs, January 2023 to December 2025, with the columns of
        `CostEntry`: ``month`` (first day), ``category``, ``amount`` (int64
        yen), ``currency``, ``channel`` and ``staff_id``. Each month has one
        row per employed staff member (``monthly_cost`` x ``fte``; category
        ``sales`` for inside and field sales, ``customer_success`` for the
        other roles), one ``marketing`` row per spend-driven channel
        (``inbound``, ``partner``, ``event``; ``outbound`` is staff-driven),
        roughly in proportion to the customers that channel brings that
        month, and one ``marketing`` row without a channel (brand and tools).
    usage : pandas.DataFrame
        One row per customer and month in which the customer has MRR at the
        month's end (a subscription with ``start`` <= the month's last day <
        ``end``), sorted by ``month`` then ``customer_id``, with the columns
        of `UsageSnapshot`: ``customer_id``, ``month`` (first day),
        ``seats`` (from the main plan: about 3-10 for ``starter``, 10-60 for
        ``standard``, 60-600 for ``enterprise``; fixed within a subscription,
        up with an upgrade), ``active_users`` (<= ``seats``), ``logins``
        (8-25 a month per active user), ``feature_usage_rate`` (in [0, 1],
        three decimals) and ``nps`` (Int64, 0-10, from a quarterly survey:
        about a quarter of the rows). Usage is lower for customers with a
        higher churn hazard and, for four in five churners, falls over the one
        to four months before the churn; NPS follows it.
    onboarding : pandas.DataFrame
        One row per customer, with the columns of `Onboarding`:
        ``customer_id``, ``started_on`` (the customer's first subscription
        start), ``completed_on`` (5-90 days later, about 14 days for ``smb``,
        30 for ``mid_market`` and 50 for ``enterprise``; NaT when it never
        completed, about half the time for customers who leave within six
        months, or would complete after the horizon) and ``owner_id``
        (customer support, ``st-028`` or ``st-029``, for ``smb``; the CS
        owner at ``started_on`` otherwise).
    tickets : pandas.DataFrame
        One row per inquiry, with the columns of `Ticket`: ``ticket_id``
        (``"tk-000001"``, ..., in order of ``opened_at``), ``customer_id``,
        ``opened_at``, ``first_response_at`` and ``resolved_at``
        (timestamps to the minute, most opened 9:00-18:00 on weekdays; NaT
        when after the horizon), ``owner_id`` (``st-028``, who answers in
        about an hour, or ``st-029``, about four) and ``category``
        (``how_to``, ``bug``, ``billing``, ``feature_request``). Tickets
        arrive in the customer's paid months, more from accounts with more
        seats, lower usage, or in their first month.
    activities : pandas.DataFrame
        Process work, with the columns of `Activity`: ``activity_id``
        (``"ac-000001"``, ..., in order of ``on``), ``staff_id``, ``kind``,
        ``on``, ``customer_id``, ``mrr`` (Int64 yen, opportunities only) and
        ``currency`` (``"JPY"`` for opportunities, empty otherwise). The CS
        owner of the day holds ``one_on_one_call`` and ``meeting``
        activities with each account in its paid months (``cs-high-touch``
        far more often than ``cs-tech-touch``). From 2025-01-01 customer
        sales records an ``opportunity`` 7-45 days before each deal it wins
        (on 2025-01-01 at the earliest; ``mrr`` at least the deal's), about
        1.5 lost opportunities per won one with ``mid_market`` and
        ``enterprise`` accounts in their paid months, and one or more
        ``upsell_proposal`` after each opportunity.
    assignments : pandas.DataFrame
        Who covered each account when, with the columns of `Assignment`:
        ``customer_id``, ``staff_id``, ``role``, ``start`` and ``end``
        (exclusive; NaT while it lasts), sorted by customer, role and start.
        Every customer has a ``customer_success`` assignment from its first
        start; for about 15% of the customers another member of the same CS
        team held it until a change in a paid month, so the last one is
        ``cs_owner``. Customer sales covers the accounts it opened an
        opportunity with (``customer_sales``, from the first one, the same
        person as the account's customer-sales deals). Rows of one customer
        and role never overlap.
    meetings : pandas.DataFrame
        Inside sales's meetings with prospects, with the columns of
        `Meeting`: ``meeting_id`` (``"mt-000001"``, ..., in order of
        ``held_on``), ``staff_id`` (the customer's inside-sales rep),
        ``held_on``, ``outcome`` (``qualified``, ``disqualified``,
        ``no_show``), ``deal_id`` and ``customer_id`` (the won ``new`` deal
        and customer it led to; empty otherwise), plus the prospect's fit at
        the meeting: ``segment`` and ``acquisition_channel``. Every ``new``
        deal has one qualified meeting 7-40 days before it is won; about
        1.5, 2.6 and 4.6 more qualified meetings per won deal do not convert
        in ``smb``, ``mid_market`` and ``enterprise`` (conversion 40%, 28%
        and 18%), and disqualified and no-show meetings come beside them.
        Meetings of the last weeks have not converted yet: their deals fall
        after the horizon.
    pipeline : pandas.DataFrame
        The new-business opportunities open at the horizon, with the columns
        of `Opportunity`: ``opportunity_id`` (``"op-0001"``, ...),
        ``expected_mrr`` (int64 yen; log-normal, wide enough that some
        ``smb`` prospects are larger than some ``enterprise`` ones),
        ``currency``, ``owner_id`` (field sales for ``mid_market`` and
        ``enterprise``, inside sales for ``smb``), ``customer_id`` (empty:
        all are prospects), plus ``segment``, ``acquisition_channel`` and
        ``opened_on`` (within the last 90 days).
    as_of : datetime.date
        The data horizon, 2025-12-31.
    currency : str
        ISO 4217 code of every amount, ``"JPY"``.

    Examples
    --------
    >>> from subscription_metrics.datasets import load_sample
    >>> sample = load_sample()
    >>> sample.as_of, sample.currency
    (datetime.date(2025, 12, 31), 'JPY')
    >>> sample.staff["role"].value_counts()["field_sales"]
    np.int64(10)
    >>> sample.deals["kind"].value_counts().to_dict()
    {'new': 3019, 'upsell': 456, 'cross_sell': 197}
    >>> sample.costs.groupby("category")["amount"].sum().index.tolist()
    ['customer_success', 'marketing', 'sales']
    >>> kinds = ["one_on_one_call", "meeting", "upsell_proposal", "opportunity"]
    >>> sample.activities["kind"].value_counts()[kinds].tolist()
    [14809, 6112, 154, 93]
    >>> tickets = sample.tickets
    >>> wait = tickets["first_response_at"] - tickets["opened_at"]
    >>> print(wait.groupby(tickets["owner_id"]).median())
    owner_id
    st-028   0 days 00:57:00
    st-029   0 days 04:09:00
    dtype: timedelta64[ns]
    """

    customers: pd.DataFrame
    subscriptions: pd.DataFrame
    staff: pd.DataFrame
    deals: pd.DataFrame
    costs: pd.DataFrame
    usage: pd.DataFrame
    onboarding: pd.DataFrame
    tickets: pd.DataFrame
    activities: pd.DataFrame
    assignments: pd.DataFrame
    meetings: pd.DataFrame
    pipeline: pd.DataFrame
    as_of: dt.date
    currency: str


def _read_table(name: str) -> pd.DataFrame:
    """Read one shipped table with the dtypes of ``_SCHEMAS[name]``."""
    schema = _SCHEMAS[name]
    path = files(__name__).joinpath("data", f"{name}.csv.gz")
    dtypes = {
        col: ("str" if kind in _TIME_FORMATS else kind) for col, kind in schema.items()
    }
    with path.open("rb") as handle:
        frame = pd.read_csv(
            handle,
            compression="gzip",
            dtype=dtypes,
            keep_default_na=False,
            na_values=[""],
        )
    if list(frame.columns) != list(schema):
        msg = (
            f"the shipped table {name!r} must have the columns {list(schema)}, "
            f"got {list(frame.columns)}; reinstall the package or run "
            "scripts/make_sample.py"
        )
        raise ValueError(msg)
    for col, kind in schema.items():
        if kind in _TIME_FORMATS:
            frame[col] = pd.to_datetime(frame[col], format=_TIME_FORMATS[kind]).astype(
                "datetime64[ns]"
            )
    return frame


def load_sample() -> SampleData:
    """
    Load the bundled sample company: its sales, revenue, costs and CS tables.

    The tables are read from the files shipped with the package, so every call
    returns the same data; nothing is generated at load time.

    Returns
    -------
    SampleData
        Fresh DataFrames (safe to modify) with explicit dtypes: identifiers
        and labels as ``str``, dates as ``datetime64[ns]`` (NaT where empty),
        money as int64 yen, ``employees`` as nullable Int64 and ``fte`` as
        float64.

    Examples
    --------
    >>> from subscription_metrics import Ledger, ledger
    >>> from subscription_metrics.datasets import load_sample
    >>> sample = load_sample()
    >>> sample.customers.shape[0] > 2000
    True
    >>> led = Ledger.from_subscriptions(
    ...     sample.subscriptions, customers=sample.customers, through=sample.as_of
    ... )
    >>> for note in led.set_aside:
    ...     print(note)  # doctest: +ELLIPSIS
    subscriptions: invisible at the monthly grain: 22 rows (e.g. sub-000072, ...); ...
    >>> december = ledger.bridge(led).loc["2025-12"]
    >>> print(december[["mrr_at_start", "new_mrr", "churned_mrr", "mrr_at_end"]])
    mrr_at_start    274301100
    new_mrr          13070500
    churned_mrr       5851800
    mrr_at_end      283717700
    Name: 2025-12, dtype: int64
    """
    return SampleData(
        **{name: _read_table(name) for name in _SCHEMAS},
        as_of=_AS_OF,
        currency=_CURRENCY,
    )
