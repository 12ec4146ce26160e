"""Account tiers: who covers each account, how, and on which KPIs.

Customer success splits into support, customer sales and customer
marketing, and accounts sort into tiers: Tier 1 and 2 are accounts where
upsell and cross-sell are realistic, covered by customer sales (and, in Tier
2, customer marketing); Tier 3 is retention only, covered by customer
marketing with low- and tech-touch programmes.

- `default_policy` builds the default policy as ordered, explainable rules
  (a `TierPolicy`), with its thresholds as keyword arguments.
- `describe` lists a policy's rules and profiles as a table.
- `account_features` builds one row per active account from a `Ledger`
  (MRR, ARR, customer attributes, the latest usage, the seat gap, health).
- `classify` applies a policy to a whole table at once, with the rule that
  decided each account.
- `summary` shows each tier's accounts and MRR at a month and what they did
  in the months after it: churn, contraction, expansion, health.
- `movements` counts the accounts (and MRR) that moved between two
  classifications.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from attrs import frozen

from . import _kernels as k
from ._columns import ColumnSpec, TableSchema
from ._conventions import Conventions
from ._entities import Customer, Role, UsageSnapshot
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._ledger import (
    CHURN,
    CONTRACTION,
    EXPANSION,
    NEW,
    REACTIVATION,
    Ledger,
    MonthLike,
    as_of_month,
    is_active,
)
from ._schema import check_frame, check_table
from ._tiers import (
    TIERS,
    Condition,
    TierPolicy,
    TierProfile,
    TierRule,
    classify_frame,
)
from ._usage import UsageRows, usage_rows
from ._validation import divide_or_nan

__all__ = [
    "ABSENT",
    "ADDITIVE_COLUMNS",
    "FEATURE_COLUMNS",
    "SUMMARY_COLUMNS",
    "account_features",
    "classify",
    "default_policy",
    "describe",
    "movements",
    "summary",
]

_EMPTY: Final = "the ledger is empty; there are no accounts"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FEATURE_COLUMNS: Final = (
    "usage_month",
    "seats",
    "active_users",
    "active_user_share",
    "feature_usage_rate",
    "seat_gap",
    "health_score",
)
"""Columns `account_features` adds after ``mrr``, ``arr`` and the attributes."""

SUMMARY_COLUMNS: Final = (
    "accounts",
    "mrr_at_start",
    "mrr_share",
    "months_observed",
    "customers_lost",
    "customer_churn_rate",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "mrr_at_end",
    "gross_mrr_churn_rate",
    "net_mrr_churn_rate",
    "accounts_scored",
    "mean_health_score",
)
"""Columns of `summary`, in order."""

ADDITIVE_COLUMNS: Final = (
    "accounts",
    "mrr_at_start",
    "customers_lost",
    "expansion_mrr",
    "contraction_mrr",
    "churned_mrr",
    "reactivation_mrr",
    "mrr_at_end",
    "accounts_scored",
)
"""Columns of `summary` whose tier rows add up to the ``"All"`` row exactly."""

ABSENT: Final = "absent"
"""The label `movements` gives an account missing from one classification."""

_ALL: Final = "All"
_SALES_KPIS: Final = (
    "expansion_mrr",
    "pipeline_mrr",
    "pipeline_opportunities",
    "accounts_owned",
)
_RETENTION_KPIS: Final = (
    "onboarding_completion_rate",
    "days_to_onboard",
    "health_score",
    "customer_churn_rate",
)


# --------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------


def default_policy(
    *,
    tier1_seat_gap: float = 50,
    tier1_arr: int = 6_000_000,
    tier2_seat_gap: float = 10,
    tier2_arr: int = 1_200_000,
    at_risk_health: float | None = 40.0,
) -> TierPolicy:
    """
    Return the default Tier 1-3 policy, with its thresholds as arguments.

    The rules, tried in order (the first that holds decides):

    =========================  ====  ===================================  ==========
    rule                       tier  when                                 motion
    =========================  ====  ===================================  ==========
    ``tier1_large_with_room``  1     seat_gap >= 50 and arr >= 6000000    high touch
    ``tier3_at_risk``          3     health_score < 40                    low touch
    ``tier2_seat_room``        2     seat_gap >= 10                       high touch
    ``tier2_arr``              2     arr >= 1200000                       low touch
    ``tier3_retain``           3     always                               tech touch
    =========================  ====  ===================================  ==========

    Tier 1 is large and has room to grow; Tier 2 has some room (seats not
    yet bought, or enough ARR for a cross-sell) and is not at risk; Tier 3
    is everyone else. A large account with room stays in Tier 1 even when
    its health is poor: the customer-sales owner who would sell to it is the
    one best placed to save it. Missing values satisfy no condition, so an
    account without usage data (``seat_gap`` unknown) can reach Tier 2 only
    through its ARR, and one without a health score is not at risk.

    Profiles (owners and KPIs):

    - Tier 1: customer sales, high touch; KPIs ``expansion_mrr``
      (upsell and cross-sell amount), ``pipeline_mrr``,
      ``pipeline_opportunities`` and ``accounts_owned``.
    - Tier 2: customer sales for the likeliest accounts (high touch,
      rule ``tier2_seat_room``) and customer marketing for the rest (low
      touch); the same KPIs.
    - Tier 3: customer marketing, tech touch (low touch for accounts at
      risk); KPIs ``onboarding_completion_rate``, ``days_to_onboard``,
      ``health_score`` and ``customer_churn_rate``.

    Parameters
    ----------
    tier1_seat_gap : float, default 50
        Seats not yet bought (``seat_gap``) from which an account has room
        for Tier 1.
    tier1_arr : int, default 6_000_000
        ARR from which an account is large enough for Tier 1, in minor
        units of the ledger's currency.
    tier2_seat_gap : float, default 10
        Seat gap from which an account has room for Tier 2.
    tier2_arr : int, default 1_200_000
        ARR from which an account is in Tier 2 on its size alone, minor
        units.
    at_risk_health : float or None, default 40.0
        Health score (0-100, as ``health.score`` gives it) below which an
        account outside Tier 1 is at risk and goes to Tier 3; 40 is the
        default health model's ``at_risk`` band. None drops the rule.

    Returns
    -------
    TierPolicy

    Notes
    -----
    A policy cannot know the currency, so the money thresholds are minor
    units. The defaults suit the two currencies of the library's examples:
    in yen (no minor unit) Tier 1 starts at 6,000,000 yen ARR (500,000 yen
    MRR) and Tier 2 at 1,200,000 yen ARR (100,000 yen MRR); in US cents
    they are 60,000 and 12,000 dollars ARR. Set them for any other currency,
    and for your own book (see the explanation page on tiers).

    Examples
    --------
    >>> from subscription_metrics import tiers
    >>> policy = tiers.default_policy(tier1_arr=12_000_000, at_risk_health=None)
    >>> for rule in policy.rules:
    ...     print(rule)
    tier1_large_with_room: tier 1 if seat_gap >= 50 and arr >= 12000000
    tier2_seat_room: tier 2 if seat_gap >= 10 (high_touch)
    tier2_arr: tier 2 if arr >= 1200000
    tier3_retain: tier 3 always
    """
    rules = [
        TierRule(
            name="tier1_large_with_room",
            tier=1,
            when=(
                Condition(column="seat_gap", op=">=", value=tier1_seat_gap),
                Condition(column="arr", op=">=", value=tier1_arr),
            ),
        )
    ]
    if at_risk_health is not None:
        rules.append(
            TierRule(
                name="tier3_at_risk",
                tier=3,
                when=(Condition(column="health_score", op="<", value=at_risk_health),),
                motion="low_touch",
            )
        )
    rules += [
        TierRule(
            name="tier2_seat_room",
            tier=2,
            when=(Condition(column="seat_gap", op=">=", value=tier2_seat_gap),),
            motion="high_touch",
        ),
        TierRule(
            name="tier2_arr",
            tier=2,
            when=(Condition(column="arr", op=">=", value=tier2_arr),),
        ),
        TierRule(name="tier3_retain", tier=3),
    ]
    profiles = (
        TierProfile(
            tier=1,
            motion="high_touch",
            owners=(Role.CUSTOMER_SALES,),
            kpis=_SALES_KPIS,
        ),
        TierProfile(
            tier=2,
            motion="low_touch",
            owners=(Role.CUSTOMER_SALES, Role.CUSTOMER_MARKETING),
            kpis=_SALES_KPIS,
        ),
        TierProfile(
            tier=3,
            motion="tech_touch",
            owners=(Role.CUSTOMER_MARKETING,),
            kpis=_RETENTION_KPIS,
        ),
    )
    return TierPolicy(rules=tuple(rules), profiles=profiles)


def describe(policy: TierPolicy | None = None) -> pd.DataFrame:
    """
    Return a policy's rules as a table: what each decides, and for whom.

    Parameters
    ----------
    policy : TierPolicy, optional
        The policy (default: `default_policy()`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rule`` in the order the rules are tried, with ``tier``,
        ``when`` (the conditions joined by ``and``, or ``always``),
        ``motion``, ``owners`` and ``kpis`` (comma-separated, as `classify`
        gives them).

    Examples
    --------
    >>> from subscription_metrics import tiers
    >>> tiers.describe()[["tier", "when", "motion"]]
                           tier                             when      motion
    rule
    tier1_large_with_room     1  seat_gap >= 50 and arr >= 6000000  high_touch
    tier3_at_risk             3              health_score < 40.0   low_touch
    tier2_seat_room           2                   seat_gap >= 10  high_touch
    tier2_arr                 2                  arr >= 1200000   low_touch
    tier3_retain              3                           always  tech_touch
    """
    policy = _policy(policy)
    rows = []
    for rule in policy.rules:
        profile = policy.profile(rule.tier)
        rows.append(
            {
                "rule": rule.name,
                "tier": rule.tier,
                "when": " and ".join(str(c) for c in rule.when) or "always",
                "motion": rule.motion or profile.motion,
                "owners": ",".join(role.value for role in profile.owners),
                "kpis": ",".join(profile.kpis),
            }
        )
    return pd.DataFrame(rows).set_index("rule")


def _policy(policy: TierPolicy | None) -> TierPolicy:
    if policy is None:
        return default_policy()
    if not isinstance(policy, TierPolicy):
        msg = f"'policy' must be a TierPolicy, got {type(policy).__name__}"
        raise TypeError(msg)
    return policy


def classify(
    accounts: pd.DataFrame, *, policy: TierPolicy | None = None
) -> pd.DataFrame:
    """
    Assign every account a tier, with the rule that decided it and its coverage.

    The rules are tried in order and the first whose conditions all hold
    decides; the policy's last rule holds always, so every row gets exactly
    one tier. Each condition is one vectorised mask over the whole column;
    the result depends only on each row's own values, never on the other
    rows or their order.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per account, with the columns the rules read (any others are
        ignored), such as the output of `account_features`. A missing value
        satisfies no condition.
    policy : TierPolicy, optional
        The rules and profiles (default: `default_policy()`).

    Returns
    -------
    pandas.DataFrame
        Indexed like `accounts`, with:

        - ``tier``: int8, 1, 2 or 3;
        - ``rule``: the name of the deciding rule (categorical, the
          categories in the policy's order);
        - ``motion``: ``high_touch``, ``low_touch`` or ``tech_touch`` (the
          rule's own motion, or else its tier's);
        - ``owners``: the tier's owning roles, comma-separated, the one that
          carries the KPIs first;
        - ``kpis``: the tier's KPIs, comma-separated.

    Raises
    ------
    InvalidTableError
        If a column a rule reads is missing (the problem names the column
        and the rules that read it), or holds values a condition cannot
        compare (text against a number).
    TypeError
        If `accounts` is not a DataFrame or `policy` not a `TierPolicy`.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import tiers
    >>> accounts = pd.DataFrame(
    ...     {"arr": [9_000_000, 9_000_000, 2_400_000, 600_000, 600_000],
    ...      "seat_gap": [80.0, 5.0, None, 12.0, 30.0],
    ...      "health_score": [30.0, 75.0, 80.0, 65.0, 20.0]},
    ...     index=pd.Index(["c1", "c2", "c3", "c4", "c5"], name="customer_id"))
    >>> tiers.classify(accounts)[["tier", "rule", "motion"]]
                 tier                   rule      motion
    customer_id
    c1              1  tier1_large_with_room  high_touch
    c2              2              tier2_arr   low_touch
    c3              2              tier2_arr   low_touch
    c4              2        tier2_seat_room  high_touch
    c5              3          tier3_at_risk   low_touch
    >>> tiers.classify(accounts.drop(columns="seat_gap"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    subscription_metrics.InvalidTableError: 1 problem in the input:
      - accounts.seat_gap: missing column; read by rule 'tier1_large_with_room', ...
    """
    return classify_frame(accounts, _policy(policy))


# --------------------------------------------------------------------------
# Features from a ledger
# --------------------------------------------------------------------------


def _state_at(ledger: Ledger, month: int) -> tuple[IntArray, BoolArray]:
    """Return every customer's MRR at the end of `month`, and if it is active."""
    ev = ledger._events
    n = len(ledger.customers)
    mrr = np.zeros(n, np.int64)
    count = np.zeros(n, np.int64)
    seen = np.flatnonzero(ev.month <= month)  # events are sorted by customer, month
    if len(seen):
        customer = ev.customer[seen]
        last = np.ones(len(seen), bool)
        last[:-1] = customer[1:] != customer[:-1]
        mrr[customer[last]] = ev.mrr_after[seen[last]]
        count[customer[last]] = ev.count_after[seen[last]]
    return mrr, is_active(mrr, count, ledger.conventions)


def _problem(**fields: Any) -> InvalidTableError:
    """Return the error for one problem (keyword arguments of `Problem`)."""
    return InvalidTableError([Problem(**fields)])


def _attributes(ledger: Ledger, customers: pd.DataFrame | None) -> pd.DataFrame:
    """Return the ledger's customer attributes, updated by `customers` if given.

    `customers` is checked as a `Customer` table (each account once, the
    known attributes valid); only the columns it has update the ledger's.
    """
    frame = ledger.customers.set_index("customer_id")
    if customers is None:
        return frame
    table, problems = check_table(customers, Customer)
    if problems:
        raise InvalidTableError(problems)
    given = set(customers.columns)
    update = table[[c for c in table.columns if c in given]]
    update = update.set_index("customer_id").reindex(frame.index)
    frame = frame.copy()
    for name in update.columns:
        frame[name] = update[name]
    return frame


def _usage_table(usage: pd.DataFrame) -> tuple[pd.DataFrame, IntArray]:
    """Return the checked usage table and its month ordinals.

    `check_table` refuses a repeated (customer_id, month), the table's key.
    """
    ordinals: dict[str, IntArray] = {}
    table, problems = check_table(usage, UsageSnapshot, months=ordinals)
    if problems:
        raise InvalidTableError(problems)
    return table, ordinals.get("month", np.zeros(len(table), np.int64))


def _nullable_int(values: IntArray, known: BoolArray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(values, ~known)


def account_features(
    ledger: Ledger,
    *,
    as_of: MonthLike | None = None,
    usage: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    adoption_share: float = 0.3,
    health: pd.Series | None = None,
) -> pd.DataFrame:
    """
    Return one row per account active at `as_of`: revenue, attributes, usage.

    Parameters
    ----------
    ledger : Ledger
        The ledger; its ``customers`` table supplies the attributes.
    as_of : pandas.Period, str or date, optional
        The month described (default: the ledger's last month). An account
        is included when it is active at the end of that month, by the
        ledger's ``zero_mrr`` convention.
    usage : pandas.DataFrame, optional
        Monthly usage with the columns of `UsageSnapshot` (one row per
        account and month). Each account's latest row on or before `as_of`
        is used, however old: ``usage_month`` says which month that was.
    customers : pandas.DataFrame, optional
        Account attributes by ``customer_id`` (such as current ``employees``
        from the CRM, or a ``budget``) that update or extend the ledger's
        customers table.
    adoption_share : float, default 0.3
        The share of an account's employees assumed to be reachable users of
        the product, in (0, 1]; sets the seat gap.
    health : pandas.Series, optional
        A health score by ``customer_id`` (such as ``health.score(...)
        ["score"]``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), with:

        - ``mrr``: MRR at the end of `as_of`, int64 minor units of
          ``ledger.currency`` (also ``attrs["currency"]``); ``arr``:
          ``12 * mrr``;
        - every customer attribute (``segment``, ``industry``,
          ``employees``, ...);
        - ``usage_month``: the month of the usage figures (NaT without any);
          ``seats``, ``active_users`` (nullable Int64);
          ``active_user_share``: active users over seats (NaN without
          seats); ``feature_usage_rate``;
        - ``seat_gap``: ``max(0, employees * adoption_share - seats)``,
          the seats an account could still buy (float; NaN without
          employees or seats);
        - ``health_score``: from `health`, NaN where it has none (all NaN
          without `health`).

    Raises
    ------
    InvalidTableError
        If `usage` breaks the `UsageSnapshot` rules or repeats an account
        and month, `customers` breaks the `Customer` rules (``customer_id``
        present, given once and never missing; ``employees`` a whole number
        >= 0; text attributes text), an attribute is named like a computed
        column, or `health` repeats an account.
    ValueError
        If the ledger is empty, `as_of` is after its horizon, or
        `adoption_share` is not in (0, 1].

    Notes
    -----
    Expansion potential here is *seats not yet bought*: if about
    `adoption_share` of a company's employees could use the product, the
    gap between that and the seats it pays for is what customer sales can
    still sell. The share is an assumption to set per product (a tool for
    sales teams reaches fewer employees than a company-wide chat); a
    budget or white-space estimate from the CRM can be passed in
    `customers` and used in a rule instead.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> from subscription_metrics import tiers
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2", "s3"], "customer_id": ["c1", "c2", "c3"],
    ...     "start": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-10"]),
    ...     "end": pd.to_datetime([None, None, "2024-04-01"]),
    ...     "mrr": [500_000, 80_000, 30_000], "currency": "JPY"})
    >>> customers = pd.DataFrame({"customer_id": ["c1", "c2", "c3"],
    ...                           "employees": [1_000, 40, 10]})
    >>> led = sm.Ledger.from_subscriptions(subs, customers=customers,
    ...                                    through="2024-06")
    >>> usage = pd.DataFrame({
    ...     "customer_id": ["c1", "c1", "c2"],
    ...     "month": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-03-01"]),
    ...     "seats": [200, 220, 10], "active_users": [150, 180, 4],
    ...     "logins": [3000, 3500, 20], "feature_usage_rate": [0.5, 0.6, 0.2]})
    >>> feats = tiers.account_features(led, usage=usage)
    >>> feats[["arr", "employees", "usage_month", "seats", "seat_gap"]]
                      arr  employees usage_month  seats  seat_gap
    customer_id
    c1            6000000       1000     2024-06    220      80.0
    c2             960000         40     2024-03     10       2.0
    >>> tiers.classify(feats)["rule"].tolist()
    ['tier1_large_with_room', 'tier3_retain']
    """
    return _account_features(
        ledger,
        as_of=as_of,
        usage=usage,
        customers=customers,
        adoption_share=adoption_share,
        health=health,
        checked=None,
    )


def _account_features(
    ledger: Ledger,
    *,
    as_of: MonthLike | None = None,
    usage: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    adoption_share: float = 0.3,
    health: pd.Series | None = None,
    checked: UsageRows | None,
) -> pd.DataFrame:
    """Do `account_features`; `checked`: `usage` as `usage_rows` lays it out."""
    if isinstance(adoption_share, bool) or not isinstance(adoption_share, int | float):
        msg = f"'adoption_share' must be a number in (0, 1], got {adoption_share!r}"
        raise TypeError(msg)
    if not 0 < adoption_share <= 1:
        msg = f"'adoption_share' must be in (0, 1], got {adoption_share!r}"
        raise ValueError(msg)
    month = as_of_month(ledger, as_of, empty=_EMPTY)
    mrr, active = _state_at(ledger, month)
    attributes = _attributes(ledger, customers)
    codes = np.flatnonzero(active)
    ids = ledger.customers["customer_id"].to_numpy()[codes]
    order = np.argsort(ids, kind="stable")
    codes, ids = codes[order], ids[order]
    index = pd.Index(ids, name="customer_id")
    out = pd.DataFrame({"mrr": mrr[codes]}, index=index)
    out["arr"] = 12 * out["mrr"]
    clash = [c for c in attributes.columns if c in ("mrr", "arr", *FEATURE_COLUMNS)]
    if clash:
        raise _problem(
            table="customers",
            column=clash[0],
            rule="not a computed column",
            detail=f"account_features computes {clash}; rename the attribute",
        )
    picked = attributes.iloc[codes]
    picked.index = index
    out = pd.concat([out, picked], axis=1)
    n = len(out)
    seats = np.zeros(n, np.int64)
    users = np.zeros(n, np.int64)
    rate = np.full(n, np.nan)
    usage_month = np.full(n, -1, np.int64)
    known = np.zeros(n, bool)
    if usage is not None:
        laid = usage_rows(*_usage_table(usage)) if checked is None else checked
        # The latest row at or before the month of each account: the last of
        # its run in the rows by account and month.
        upto = np.flatnonzero(laid.month <= month)
        code = laid.code[upto]
        last = np.ones(len(code), bool)
        last[:-1] = code[1:] != code[:-1]
        upto = upto[last]
        position = index.get_indexer(laid.accounts)[laid.code[upto]]
        mine = position >= 0
        at, rows = position[mine], upto[mine]
        known[at] = True
        usage_month[at] = laid.month[rows]
        seats[at] = laid.column("seats", rows).astype(np.int64)
        users[at] = laid.column("active_users", rows).astype(np.int64)
        rate[at] = laid.column("feature_usage_rate", rows)
    nat = np.iinfo(np.int64).min  # pandas stores a missing period as this ordinal
    out["usage_month"] = pd.arrays.PeriodArray(
        np.where(known, usage_month, nat), dtype=pd.PeriodDtype("M")
    )
    out["seats"] = _nullable_int(seats, known)
    out["active_users"] = _nullable_int(users, known)
    with_seats = known & (seats > 0)
    share = np.full(n, np.nan)
    share[with_seats] = users[with_seats] / seats[with_seats]
    out["active_user_share"] = share
    out["feature_usage_rate"] = rate
    if "employees" in out.columns:
        employees = pd.to_numeric(out["employees"]).to_numpy(
            np.float64, na_value=np.nan
        )
    else:
        employees = np.full(n, np.nan)
    seats_float = np.where(known, seats, np.nan).astype(np.float64)
    out["seat_gap"] = np.maximum(0.0, employees * adoption_share - seats_float)
    out["health_score"] = _health(health, index)
    out.attrs["currency"] = ledger.currency
    return out


def _health(health: pd.Series | None, index: pd.Index) -> FloatArray:
    """Return `health` aligned to `index` as floats (NaN where none or if None)."""
    if health is None:
        return np.full(len(index), np.nan)
    if not isinstance(health, pd.Series):
        kind = type(health).__name__
        msg = f"'health' must be a pandas Series by customer_id, got {kind}"
        raise TypeError(msg)
    if not health.index.is_unique:
        repeated = health.index[health.index.duplicated()]
        raise _problem(
            table="health",
            column="customer_id",
            rule="unique",
            count=len(repeated),
            examples=tuple(str(v) for v in repeated[:MAX_EXAMPLES]),
            detail="one score per account",
        )
    values = pd.to_numeric(health.reindex(index))
    return values.to_numpy(np.float64, na_value=np.nan)


# --------------------------------------------------------------------------
# Summaries and movements
# --------------------------------------------------------------------------


def _tier_schema(table: str) -> TableSchema:
    """Return the columns of a classification: ``tier`` and ``mrr`` by account."""
    return TableSchema(
        table=table,
        columns={
            "customer_id": ColumnSpec(
                kind="id", required=True, nullable=False, unique=True
            ),
            "tier": ColumnSpec(kind="count", required=True, nullable=False),
            "mrr": ColumnSpec(kind="money", required=False, nullable=False),
        },
    )


def _classification(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """
    Return a classification checked, with ``tier`` as int64.

    The frame is checked as a classification: one row per account (a
    one-level index of ids), a whole ``tier`` that a `TierPolicy` can assign
    (1, 2 or 3), and ``mrr``, when present, in int64 minor units.
    """
    checked, problems = check_frame(frame, _tier_schema(table), index="customer_id")
    if not problems:
        values = checked["tier"].to_numpy(np.float64)
        bad = ~np.isin(values, TIERS)
        if bad.any():
            problems.append(
                Problem(
                    table=table,
                    column="tier",
                    rule="1, 2 or 3",
                    count=int(bad.sum()),
                    examples=tuple(str(v) for v in frame.index[bad][:MAX_EXAMPLES]),
                    detail="the tiers a TierPolicy assigns",
                )
            )
    if problems:
        raise InvalidTableError(problems)
    checked["tier"] = checked["tier"].to_numpy(np.float64).astype(np.int64)
    return checked


def summary(
    ledger: Ledger,
    *,
    classified: pd.DataFrame,
    as_of: MonthLike | None = None,
    months: int = 12,
    health: pd.Series | None = None,
) -> pd.DataFrame:
    """
    Return each tier's accounts and MRR at `as_of`, and what they did after it.

    `classified` says which tier each account was in at the end of `as_of`
    (build it with ``classify(account_features(ledger, as_of=...))``). The
    window is the `months` months after `as_of`, cut at the ledger's data
    horizon: churn, contraction and expansion are those of the accounts as
    they were classified, so an account that left counts against the tier
    it was in. Classifying today and looking back instead would count only
    the survivors and show no churn at all.

    For the past year's view, classify at the month before it (``as_of =
    last month - 12``); at the default `as_of`, the ledger's last month,
    nothing after it has been observed yet: ``months_observed`` is 0 and
    the window figures are 0 or NaN.

    Parameters
    ----------
    ledger : Ledger
        The ledger the accounts come from.
    classified : pandas.DataFrame
        A ``tier`` column, indexed by ``customer_id``: one row per account
        active at `as_of`.
    as_of : pandas.Period, str or date, optional
        The month of the classification (default: the ledger's last month).
    months : int, default 12
        The window's length in months.
    health : pandas.Series, optional
        A health score by ``customer_id`` to average per tier (default:
        `classified`'s ``health_score`` column, if it has one).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``tier`` (1, 2, 3 and ``"All"``), with `SUMMARY_COLUMNS`:

        - ``accounts``, ``mrr_at_start`` (MRR at the end of `as_of`, int64
          minor units of ``ledger.currency``, also ``attrs["currency"]``)
          and ``mrr_share``;
        - ``months_observed``: the window's months within the horizon;
        - ``customers_lost``: accounts that churned at least once in the
          window; ``customer_churn_rate``: over ``accounts``, for the whole
          window (not per month);
        - ``expansion_mrr``, ``contraction_mrr``, ``churned_mrr``,
          ``reactivation_mrr`` (accounts that left and came back within the
          window) and ``mrr_at_end``, with ``mrr_at_end == mrr_at_start +
          expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr``
          exactly;
        - ``gross_mrr_churn_rate`` and ``net_mrr_churn_rate`` over the
          window, by the ledger's conventions (``gross_churn_cap``,
          ``reactivation_in_net_churn``);
        - ``accounts_scored`` and ``mean_health_score`` (NaN without
          scores).

        `ADDITIVE_COLUMNS` add up to the ``"All"`` row exactly. Rates are
        NaN without accounts, without MRR, or with no month observed.

    Raises
    ------
    InvalidTableError
        If `classified` lacks ``tier``, has a tier that is not 1, 2 or 3
        (the tiers a `TierPolicy` assigns; whole numbers, not text or
        booleans), is not indexed by one level of account ids, repeats an
        account, or holds accounts the ledger does not know or that were not
        active at `as_of`.
    ValueError
        If the ledger is empty, `as_of` is after its horizon, or `months` is
        not a positive int.

    Examples
    --------
    >>> import pandas as pd
    >>> import subscription_metrics as sm
    >>> from subscription_metrics import tiers
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2", "s3", "s4"],
    ...     "customer_id": ["c1", "c1", "c2", "c3"],
    ...     "start": pd.to_datetime(["2024-01-05", "2024-03-01", "2024-01-10",
    ...                              "2024-01-20"]),
    ...     "end": pd.to_datetime(["2024-03-01", None, "2024-04-01", None]),
    ...     "mrr": [500_000, 700_000, 50_000, 150_000], "currency": "JPY"})
    >>> led = sm.Ledger.from_subscriptions(subs, through="2024-06")
    >>> feats = tiers.account_features(led, as_of="2024-01")
    >>> classified = tiers.classify(feats)
    >>> classified["tier"].tolist()
    [2, 3, 2]
    >>> table = tiers.summary(led, classified=classified, as_of="2024-01", months=6)
    >>> table[["accounts", "mrr_at_start", "customers_lost", "expansion_mrr",
    ...        "churned_mrr", "mrr_at_end"]].T
    tier            1       2      3     All
    accounts        0       2      1       3
    mrr_at_start    0  650000  50000  700000
    customers_lost  0       0      1       1
    expansion_mrr   0  200000      0  200000
    churned_mrr     0       0  50000   50000
    mrr_at_end      0  850000      0  850000
    >>> table[["months_observed", "customer_churn_rate", "net_mrr_churn_rate"]].round(3)
          months_observed  customer_churn_rate  net_mrr_churn_rate
    tier
    1                   5                  NaN                 NaN
    2                   5                  0.0              -0.308
    3                   5                  1.0               1.000
    All                 5                  0.333            -0.214
    """
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        msg = f"'months' must be a positive int, got {months!r}"
        raise ValueError(msg)
    month = as_of_month(ledger, as_of, empty=_EMPTY)
    assert ledger.last_month is not None  # checked by _as_of
    end = min(month + months, int(ledger.last_month.ordinal))
    sums = _summary_sums(ledger, classified, month=month, end=end, health=health)
    return _summary_finish(sums, end - month, ledger.conventions, ledger.currency)


@frozen(kw_only=True, eq=False)
class _TierSums:
    """A tier summary's sums for a block of whole accounts (they add up)."""

    columns: dict[str, IntArray]  # one entry per tier
    health: k.ExactSums  # the health scores per tier, summed exactly

    def combine(self, other: _TierSums) -> _TierSums:
        """Return the sums of both blocks of accounts."""
        return _TierSums(
            columns={n: v + other.columns[n] for n, v in self.columns.items()},
            health=self.health.combine(other.health),
        )


def _summary_sums(
    ledger: Ledger,
    classified: pd.DataFrame,
    *,
    month: int,
    end: int,
    health: pd.Series | None,
) -> _TierSums:
    """Check `classified` and sum what `summary` shows, per tier (the partial)."""
    tier = _classification(classified, "classified")["tier"].to_numpy()
    ids = pd.Index(ledger.customers["customer_id"])
    code = ids.get_indexer(classified.index)
    unknown = code < 0
    if unknown.any():
        raise _unknown_accounts(classified.index[unknown])
    start_mrr, active = _state_at(ledger, month)
    inactive = ~active[code]
    if inactive.any():
        raise _problem(
            table="classified",
            column="customer_id",
            rule=f"active at as_of ({pd.Period(ordinal=month, freq='M')})",
            count=int(inactive.sum()),
            unit="customer",
            examples=tuple(str(v) for v in classified.index[inactive][:MAX_EXAMPLES]),
            detail=(
                "classify the accounts active at as_of "
                "(account_features(ledger, as_of=...)) and pass the same as_of"
            ),
        )
    tier_of = np.full(len(ids), -1, np.int64)
    tier_of[code] = tier - 1
    end_mrr, _ = _state_at(ledger, end)
    ev = ledger._events
    window = (ev.month > month) & (ev.month <= end)
    window &= tier_of[ev.customer] >= 0
    where = np.flatnonzero(window)
    group = tier_of[ev.customer[where]]
    kind = ev.kind[where]
    amount = np.abs(ev.mrr_change[where])
    size = len(TIERS)

    def amount_of(*kinds: int) -> IntArray:
        chosen = np.isin(kind, kinds)
        return k.sum_by_key(group[chosen], amount[chosen], size)

    lost_customers = k.unique_ints(ev.customer[where[kind == CHURN]])
    health_values = _health(
        health
        if health is not None
        else (classified["health_score"] if "health_score" in classified else None),
        classified.index,
    )
    scored = ~np.isnan(health_values)
    slot = tier - 1
    columns: dict[str, IntArray] = {
        "accounts": np.bincount(slot, minlength=size).astype(np.int64),
        "mrr_at_start": k.sum_by_key(slot, start_mrr[code], size),
        "customers_lost": np.bincount(tier_of[lost_customers], minlength=size).astype(
            np.int64
        ),
        "expansion_mrr": amount_of(EXPANSION),
        "contraction_mrr": amount_of(CONTRACTION),
        "churned_mrr": amount_of(CHURN),
        "reactivation_mrr": amount_of(NEW, REACTIVATION),
        "mrr_at_end": k.sum_by_key(slot, end_mrr[code], size),
        "accounts_scored": np.bincount(slot[scored], minlength=size).astype(np.int64),
    }
    return _TierSums(
        columns=columns,
        health=k.exact_sums(slot[scored], health_values[scored], size),
    )


def _unknown_accounts(ids: pd.Index) -> InvalidTableError:
    """Return the error for accounts of a classification the ledger does not know."""
    return _problem(
        table="classified",
        column="customer_id",
        rule="known to the ledger",
        count=len(ids),
        unit="customer",
        examples=tuple(str(v) for v in ids[:MAX_EXAMPLES]),
        detail="the index must hold the ledger's customer ids",
    )


def _summary_finish(
    sums: _TierSums,
    observed: int,
    conventions: Conventions,
    currency: str | None,
) -> pd.DataFrame:
    """Finish `summary` from the sums per tier and the months observed."""
    size = len(TIERS)
    table = {name: np.append(v, v.sum()) for name, v in sums.columns.items()}
    as_float = {name: v.astype(np.float64) for name, v in table.items()}
    losses = as_float["churned_mrr"] + as_float["contraction_mrr"]
    gross = divide_or_nan(losses, as_float["mrr_at_start"])
    if conventions.gross_churn_cap:
        gross = np.minimum(gross, 1.0)
    gains = as_float["expansion_mrr"]
    if conventions.reactivation_in_net_churn:
        gains = gains + as_float["reactivation_mrr"]
    net = divide_or_nan(losses - gains, as_float["mrr_at_start"])
    churn_rate = divide_or_nan(as_float["customers_lost"], as_float["accounts"])
    if observed == 0:
        gross[:] = np.nan
        net[:] = np.nan
        churn_rate[:] = np.nan
    out = pd.DataFrame(
        {
            "accounts": table["accounts"],
            "mrr_at_start": table["mrr_at_start"],
            "mrr_share": divide_or_nan(
                as_float["mrr_at_start"],
                np.full(size + 1, as_float["mrr_at_start"][-1]),
            ),
            "months_observed": np.full(size + 1, observed, np.int64),
            "customers_lost": table["customers_lost"],
            "customer_churn_rate": churn_rate,
            "expansion_mrr": table["expansion_mrr"],
            "contraction_mrr": table["contraction_mrr"],
            "churned_mrr": table["churned_mrr"],
            "reactivation_mrr": table["reactivation_mrr"],
            "mrr_at_end": table["mrr_at_end"],
            "gross_mrr_churn_rate": gross,
            "net_mrr_churn_rate": net,
            "accounts_scored": table["accounts_scored"],
            "mean_health_score": sums.health.means(table["accounts_scored"]),
        },
        index=pd.Index([*TIERS, _ALL], dtype=object, name="tier"),
    )
    out = out[list(SUMMARY_COLUMNS)]
    out.attrs["currency"] = currency
    return out


def movements(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """
    Count the accounts that moved between tiers from one classification to another.

    Accounts are matched by index (``customer_id``). An account in only one
    of the two is ``"absent"`` (`ABSENT`) in the other: with classifications
    from `account_features` at two months, a row ``absent -> 2`` is an
    account that was not active at the first month and is in Tier 2 at the
    second (new, or back after churning), and ``1 -> absent`` one that was
    in Tier 1 and is no longer active.

    Parameters
    ----------
    before, after : pandas.DataFrame
        Two classifications (the output of `classify`, or any frame with a
        ``tier`` column), indexed by ``customer_id``. When both have an
        ``mrr`` column (``account_features(...).join(classify(...))``), the
        MRR that moved is summed too.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``tier_before`` and ``tier_after`` (1, 2, 3 and
        ``"absent"``; every pair but ``absent -> absent``, moves or not),
        with ``accounts`` (int64) and, when both frames have ``mrr``,
        ``mrr_before`` and ``mrr_after`` (int64, 0 on the absent side). The
        accounts of each ``tier_before`` add up to that tier's count in
        `before`, and those of each ``tier_after`` to its count in `after`.

    Raises
    ------
    InvalidTableError
        If a frame lacks ``tier``, has a tier that is not 1, 2 or 3, is not
        indexed by one level of account ids (a MultiIndex is refused),
        repeats an account, or has an ``mrr`` that is not int64 minor
        units >= 0.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import tiers
    >>> before = pd.DataFrame({"tier": [1, 2, 2, 3]},
    ...                       index=["c1", "c2", "c3", "c4"])
    >>> after = pd.DataFrame({"tier": [1, 1, 3, 2]},
    ...                      index=["c1", "c2", "c3", "c5"])
    >>> moved = tiers.movements(before, after)
    >>> moved[moved["accounts"] > 0]
                             accounts
    tier_before tier_after
    1           1                   1
    2           1                   1
                3                   1
    3           absent              1
    absent      2                   1
    >>> moved["accounts"].unstack(fill_value=0)
    tier_after   1  2  3  absent
    tier_before
    1            1  0  0       0
    2            1  0  1       0
    3            0  0  0       1
    absent       0  1  0       0
    """
    checked = {
        "before": _classification(before, "before"),
        "after": _classification(after, "after"),
    }
    first = checked["before"]["tier"].to_numpy()
    second = checked["after"]["tier"].to_numpy()
    index = before.index.union(after.index, sort=False)
    absent = len(TIERS)
    code_before = np.full(len(index), absent, np.int64)
    code_after = np.full(len(index), absent, np.int64)
    at_before = index.get_indexer(before.index)
    at_after = index.get_indexer(after.index)
    code_before[at_before] = first - 1
    code_after[at_after] = second - 1
    labels = [*TIERS, ABSENT]
    width = len(labels)
    cell = code_before * width + code_after
    kept = np.arange(width * width) != width * width - 1  # not absent -> absent
    data: dict[str, IntArray] = {
        "accounts": np.bincount(cell, minlength=width * width).astype(np.int64)[kept]
    }
    if "mrr" in before.columns and "mrr" in after.columns:
        for name, frame, at in (
            ("mrr_before", checked["before"], at_before),
            ("mrr_after", checked["after"], at_after),
        ):
            values = np.zeros(len(index), np.int64)
            values[at] = frame["mrr"].to_numpy(np.int64)
            data[name] = k.sum_by_key(cell, values, width * width)[kept]
    pairs = pd.MultiIndex.from_product(
        [pd.Index(labels, dtype=object), pd.Index(labels, dtype=object)],
        names=["tier_before", "tier_after"],
    )
    return pd.DataFrame(data, index=pairs[kept])
