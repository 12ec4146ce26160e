"""
The bundled sample: three years of a Japanese B2B SaaS company, in yen.

`load_sample` returns a `SampleData` with five tables that follow the
library's entities: ``customers`` (`Customer`), ``subscriptions``
(`Subscription`, plus a ``billing_interval`` column), ``staff``
(`StaffMember`), ``deals`` (`Deal`) and ``costs`` (`CostEntry`). The
company sells a ``starter``, a ``standard`` and an ``enterprise`` plan,
monthly or annually (annual contracts get 15% off and can end only at an
anniversary), plus two add-ons (``addon_analytics``,
``addon_security``) that run beside the main plan. Customers arrive from
January 2023 to December 2025, faster every month; they upgrade, downgrade,
buy add-ons, cancel, and sometimes come back. About twenty sign-ups were
refunded inside their first month, so they start and end in the same
calendar month and the monthly ledger sets them aside. The data horizon
(`SampleData.as_of`) is 2025-12-31; open subscriptions have no ``end``.

Field-sales rep ``st-015`` (rep A) closes many deals whose customers churn
about four times as often; rep ``st-017`` (rep B) closes few whose customers stay,
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

The shipped files in ``datasets/data/`` *are* the dataset: loading reads them
and draws no random numbers. ``scripts/make_sample.py`` regenerates them with
the seeded generator in ``datasets/_generate.py`` and records the seed and the
numpy version in ``datasets/data/metadata.json``.

Adding a table (tickets, onboarding, usage, ...):

1. In ``_generate.py``, write a step ``make_<table>(rng, tables)`` that reads
   the tables made so far and returns ``{"<table>": frame}``, and append it to
   ``STEPS``. Each step draws from its own child generator, so a new step at
   the end leaves every existing table byte for byte the same.
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
#: empty is missing), "date" (ISO dates, empty is NaT), "int64", "Int64"
#: (nullable counts) and "float64".
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
}


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
    {'new': 3019, 'upsell': 449, 'cross_sell': 194}
    >>> sample.costs.groupby("category")["amount"].sum().index.tolist()
    ['customer_success', 'marketing', 'sales']
    """

    customers: pd.DataFrame
    subscriptions: pd.DataFrame
    staff: pd.DataFrame
    deals: pd.DataFrame
    costs: pd.DataFrame
    as_of: dt.date
    currency: str


def _read_table(name: str) -> pd.DataFrame:
    """Read one shipped table with the dtypes of ``_SCHEMAS[name]``."""
    schema = _SCHEMAS[name]
    path = files(__name__).joinpath("data", f"{name}.csv.gz")
    dtypes = {col: ("str" if kind == "date" else kind) for col, kind in schema.items()}
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
        if kind == "date":
            frame[col] = pd.to_datetime(frame[col], format="%Y-%m-%d").astype(
                "datetime64[ns]"
            )
    return frame


def load_sample() -> SampleData:
    """
    Load the bundled sample company: customers, subscriptions, staff, deals, costs.

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
    mrr_at_start    268921200
    new_mrr          13070500
    churned_mrr       6386200
    mrr_at_end      277734400
    Name: 2025-12, dtype: int64
    """
    return SampleData(
        customers=_read_table("customers"),
        subscriptions=_read_table("subscriptions"),
        staff=_read_table("staff"),
        deals=_read_table("deals"),
        costs=_read_table("costs"),
        as_of=_AS_OF,
        currency=_CURRENCY,
    )
