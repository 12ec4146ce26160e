"""`roi.staff_returns` and `roi.pilot` from tables (pandas: loaded on first use)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from . import _kernels as k
from ._conventions import Conventions
from ._economics import (
    conventional_ltv,
    monthly_discount_rate,
    payback_months,
)
from ._entities import Deal, DealKind, Role, StaffMember
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._inputs import checked, month_ordinals
from ._ledger import Ledger, MonthLike, _month_or_none
from ._operations import naive
from ._overflow import MoneyOverflowError, check_total_fits, overflow_problem
from ._rates import Grain, _grain
from ._validation import check_by, check_int, divide_or_inf, divide_or_nan
from .churn import _rate_conventions
from .periods import ordinal_to_period
from .roi import RETURN_COLUMNS, By, ChurnPool

__all__ = ["pilot_table", "staff_returns_table"]

_KEY_COLUMN: Final = {"staff": "staff_id", "team": "team", "role": "role"}
_ALL: Final = "All"
_ADDITIVE: Final = (
    "staff",
    "staff_months",
    "person_months",
    "cost",
    "deals",
    "booked_mrr",
    "retained_mrr",
    "revenue_to_date",
    "losses",
    "exposure_mrr_months",
    "booked_ltv",
    "realised_ltv",
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _window(
    ledger: Ledger,
    since: MonthLike | None,
    through: MonthLike | None,
    as_of: MonthLike | None,
) -> tuple[int, int, int]:
    """First and last month of the work window and the month results are read."""
    if ledger.last_month is None or ledger.first_month is None:
        msg = "the ledger is empty; there is nothing to measure returns on"
        raise ValueError(msg)
    horizon = int(ledger.last_month.ordinal)
    lo = _month_or_none(since, "since")
    hi = _month_or_none(through, "through")
    read = _month_or_none(as_of, "as_of")
    lo = int(ledger.first_month.ordinal) if lo is None else lo
    read = horizon if read is None else read
    hi = read if hi is None else hi
    if read > horizon:
        msg = (
            f"'as_of' ({as_of}) is after the ledger's data horizon "
            f"({ledger.last_month}); build the ledger with a later through="
        )
        raise ValueError(msg)
    if not lo <= hi <= read:
        shown = [pd.Period(ordinal=m, freq="M") for m in (lo, hi, read)]
        msg = "need since <= through <= as_of, got {} > {} or {} > {}".format(
            *shown[:2], *shown[1:]
        )
        raise ValueError(msg)
    return lo, hi, read


def _staff_months(
    staff: pd.DataFrame, lo: int, hi: int
) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
    """Staff-month pairs in the window: staff row, month, FTE and cost (minor units)."""
    months = np.arange(lo, hi + 1, dtype=np.int64)
    # Months are local: a time zone is dropped, keeping the wall time.
    first = month_ordinals(naive(staff["start"]).fillna(pd.Timestamp("1970-01-01")))
    # `end` is the first day no longer in the role (exclusive): the month of
    # the day before is the last month worked.
    ends = naive(pd.to_datetime(staff["end"])) - pd.Timedelta(days=1)
    last = np.where(
        staff["end"].isna().to_numpy(bool),
        hi,
        month_ordinals(ends.fillna(pd.Timestamp("1970-01-01"))),
    )
    worked = (months[None, :] >= first[:, None]) & (months[None, :] <= last[:, None])
    row, col = np.nonzero(worked)
    fte = staff["fte"].to_numpy(np.float64)[row]
    monthly = staff["monthly_cost"].to_numpy(np.int64)[row]
    # The cost of the share of a position spent in the role, rounded once
    # per month to the minor unit (ties to even).
    exact = np.rint(monthly * fte)
    too_big = np.abs(exact) >= 2.0**63
    if too_big.any():
        raise MoneyOverflowError(
            [
                overflow_problem(
                    table="staff",
                    column="monthly_cost",
                    magnitude=np.asarray(
                        np.bincount(
                            row[too_big],
                            weights=np.abs(exact[too_big]),
                            minlength=len(staff),
                        ),
                        np.float64,
                    ),
                    labels=staff["staff_id"].to_numpy(object),
                    unit="staff member",
                    what="monthly costs times fte",
                    count=len(np.unique(row[too_big])),
                )
            ]
        )
    cost = exact.astype(np.int64)
    return row.astype(np.int64), months[col], fte, cost


def _customer_mrr_paths(
    ledger: Ledger,
    customer: IntArray,
    start: IntArray,
    end: IntArray,
    discount: float,
) -> dict[str, FloatArray]:
    """
    Follow each deal's account from its first month through the reading month.

    A deal's share of its account at month t is the account's MRR at t over
    its MRR in the deal's first month, capped at 1: the deal shrinks in
    proportion when the account contracts and vanishes when it churns, and
    expansion won later by other deals is not credited to it.
    """
    ev = ledger._events
    n = len(customer)
    if not n:
        return {name: np.zeros(0) for name in ("share_end", "months", "pv")}
    span = int(ev.month.max() - ev.month.min() + 3) if len(ev.month) else 3
    low = int(ev.month.min()) - 1 if len(ev.month) else 0
    keys = ev.customer.astype(np.int64) * span + (ev.month - low)  # int32: widen
    known = customer >= 0

    def at(month: IntArray) -> IntArray:
        """Index of each deal's last account event at or before `month` (-1 none)."""
        where = (
            k.search_sorted(
                keys,
                customer * span + (np.clip(month, low, low + span - 1) - low),
                "right",
            )
            - 1
        )
        ok = known & (where >= 0) & (month >= low)
        ok[ok] &= ev.customer[where[ok]] == customer[ok]
        return np.where(ok, where, -1)

    base_at = at(start)
    base = np.where(base_at >= 0, ev.mrr_after[np.maximum(base_at, 0)], 0).astype(
        np.float64
    )
    stop_at = at(end)
    # Events strictly after the first month, through the reading month; an
    # account with nothing billed in the deal's first month is not followed.
    first_after = np.where(base_at >= 0, base_at + 1, 0)
    followed = known & (base > 0) & (stop_at >= first_after)
    count = np.where(followed, stop_at - first_after + 1, 0)
    segments = count + 1
    deal = np.repeat(np.arange(n), segments)
    offsets = np.cumsum(segments) - segments
    position = np.arange(len(deal)) - offsets[deal]
    event = first_after[deal] + position - 1
    is_first = position == 0
    seg_start = np.where(is_first, start[deal], ev.month[np.maximum(event, 0)])
    value = np.where(is_first, base[deal], ev.mrr_after[np.maximum(event, 0)])
    share = np.where(
        base[deal] > 0, np.minimum(1.0, value / np.maximum(base[deal], 1)), 0
    )
    is_last = np.append(deal[1:] != deal[:-1], True)
    seg_end = np.where(is_last, end[deal] + 1, np.append(seg_start[1:], 0))
    length = (seg_end - seg_start).astype(np.float64)
    offset = (seg_start - start[deal]).astype(np.float64)
    if discount > 0:
        v = 1.0 / (1.0 + discount)
        weight = v**offset * (1.0 - v**length) / (1.0 - v)
    else:
        weight = length
    return {
        "share_end": np.asarray(share[is_last], np.float64),
        # Each deal's segments come in the order of its account's events.
        "months": k.float_sum_in_order(deal, share * length, n),
        "pv": k.float_sum_in_order(deal, share * weight, n),
    }


def _wsum(
    keys: npt.NDArray[np.integer[Any]], weights: FloatArray, size: int
) -> FloatArray:
    """Sum `weights` by integer `keys` into `size` float64 bins (any row order)."""
    return k.float_sum_by_key(keys, weights, size)


def _account_churn(ledger: Ledger, read: int) -> tuple[FloatArray, FloatArray]:
    """
    Return each customer's gross MRR lost and MRR-months at risk through `read`.

    Lost is churned plus contraction MRR; at risk is the MRR at the start of
    every month after the customer's first, so lost over at risk, pooled over
    accounts, is their monthly gross MRR churn rate.
    """
    ev = ledger._events
    n = len(ledger.customers)
    seen = ev.month <= read
    # The events come by customer, then month: sums in that order are fixed.
    lost = k.float_sum_in_order(
        ev.customer[seen], np.maximum(-ev.mrr_change[seen], 0.0), n
    )
    same = np.append(ev.customer[1:] == ev.customer[:-1], False)
    following = np.where(same, np.append(ev.month[1:], 0), read + 1)
    months = np.clip(np.minimum(following, read) - ev.month, 0, None)
    at_risk = k.float_sum_in_order(
        ev.customer[seen], (ev.mrr_after * months).astype(np.float64)[seen], n
    )
    return lost, at_risk


def _pooled(
    group: IntArray,
    customer: IntArray,
    values: tuple[FloatArray, FloatArray],
    size: int,
) -> tuple[FloatArray, FloatArray]:
    """Sum per-account values by group, each account counted once per group."""
    known = customer >= 0
    lost, at_risk = values
    width = max(len(lost), 1)
    pair = k.unique_ints(group[known].astype(np.int64) * width + customer[known])
    first, second = pair // width, pair % width
    return (
        _wsum(first, lost[second], size),
        _wsum(first, at_risk[second], size),
    )


def staff_returns_table(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame,
    by: By = "staff",
    period: Grain | None = None,
    roles: Collection[str] | None = None,
    kinds: Collection[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    as_of: MonthLike | None = None,
    churn_rate: float | None = None,
    churn_pool: ChurnPool = "staff",
    conventions: Conventions | None = None,
    total: bool = True,
) -> pd.DataFrame:
    """Return `roi.staff_returns` (see its documentation)."""
    check_by(by, what="one of 'staff', 'team', 'role'")
    chosen = _rate_conventions(ledger, conventions)
    lo, hi, read = _window(ledger, since, through, as_of)
    people = checked(staff, StaffMember, ledger)
    won = checked(deals, Deal, ledger)
    _check_owners(won, people)
    roles_kept = _option_set(roles, "roles", {r.value for r in Role})
    kinds_kept = _option_set(kinds, "kinds", {d.value for d in DealKind})
    role_of = people["role"].astype(str)
    keep_staff = (
        np.ones(len(people), bool)
        if roles_kept is None
        else role_of.isin(roles_kept).to_numpy(bool)
    )
    people = people[keep_staff].reset_index(drop=True)
    won_month = month_ordinals(won["won_on"])
    owner = pd.Index(people["staff_id"]).get_indexer(won["owner_id"])
    kept = (owner >= 0) & (won_month >= lo) & (won_month <= hi)
    if kinds_kept is not None:
        kept &= won["kind"].astype(str).isin(kinds_kept).to_numpy(bool)
    set_aside = int((~kept).sum())
    won, won_month, owner = won[kept], won_month[kept], owner[kept]
    check_total_fits(
        won["mrr"].to_numpy(np.int64),
        table="deals",
        column="mrr",
        labels=won["deal_id"].to_numpy(object),
        what="booked MRR",
    )
    key_name = _KEY_COLUMN[by]
    key_of_staff = people[key_name].astype(object).fillna("(none)").astype(str)
    labels, staff_key = np.unique(key_of_staff.to_numpy(str), return_inverse=True)
    if period is not None:
        _grain(period)  # refuses an unknown grain early
    discount = monthly_discount_rate(chosen.annual_discount_rate)
    # --- deals: booked and realised -----------------------------------
    ids = pd.Index(ledger.customers["customer_id"])
    customer = ids.get_indexer(won["customer_id"]).astype(np.int64)
    first = won_month + 1  # the first month billed after the deal
    observed = first <= read
    paths = _customer_mrr_paths(
        ledger,
        np.where(observed, customer, -1),
        np.minimum(first, read),
        np.full(len(first), read, np.int64),
        discount,
    )
    mrr = won["mrr"].to_numpy(np.int64).astype(np.float64)
    share_end = np.where(observed, paths["share_end"], 1.0)
    accounts = _account_churn(ledger, read)
    if churn_rate is None:
        pool_labels, pool_of_staff = np.unique(
            _pool_keys(people, churn_pool), return_inverse=True
        )
        pool = pool_of_staff[owner]
        lost, at_risk = _pooled(pool, customer, accounts, len(pool_labels))
        deal_churn = divide_or_nan(lost, at_risk)[pool]
    else:
        deal_churn = np.full(len(won), float(churn_rate))
    booked_ltv = conventional_ltv(mrr, deal_churn, chosen)[1]
    to_date = chosen.gross_margin * mrr * np.where(observed, paths["pv"], 0.0)
    later = (1.0 + discount) ** -np.where(observed, read + 1 - first, 0)
    remaining = conventional_ltv(mrr * share_end, deal_churn, chosen)[1] * later
    realised = np.where(observed, to_date + remaining, booked_ltv)
    billed = mrr * np.where(observed, paths["months"], 0.0)
    magnitude = np.abs(billed)
    if magnitude.sum() >= 2.0**63:
        # Revenue to date is int64 like every sum of money; refuse rather
        # than wrap when the deals' billing over their months does not fit.
        raise MoneyOverflowError(
            [
                overflow_problem(
                    table="deals",
                    column="mrr",
                    magnitude=magnitude,
                    labels=won["deal_id"].to_numpy(object),
                    unit="deal",
                    what="MRR billed over their months to date",
                )
            ]
        )
    # --- costs, then one dense grid of key x period --------------------
    row, month, fte, cost = _staff_months(people, lo, hi)
    check_total_fits(
        cost,
        table="staff",
        column="monthly_cost",
        labels=people["staff_id"].to_numpy(object),
        codes=row,
        unit="staff member",
        what="costs over the window's months",
    )
    periods = _periods(lo, hi, period)
    n_periods = len(periods)
    n_keys = len(labels)
    size = n_keys * n_periods
    deal_cell = staff_key[owner] * n_periods + _period_position(won_month, lo, period)
    cost_cell = staff_key[row] * n_periods + _period_position(month, lo, period)
    people_in_cell = k.unique_ints(cost_cell * max(len(people), 1) + row) // max(
        len(people), 1
    )
    losses, exposure = _pooled(deal_cell, customer, accounts, size)
    sums = {
        "staff": np.bincount(people_in_cell, minlength=size),
        "staff_months": np.bincount(cost_cell, minlength=size),
        "person_months": _wsum(cost_cell, fte, size),
        "cost": k.sum_by_key(cost_cell, cost, size),
        "deals": np.bincount(deal_cell, minlength=size),
        "booked_mrr": k.sum_by_key(deal_cell, won["mrr"].to_numpy(np.int64), size),
        "retained_mrr": k.sum_by_key(deal_cell, _minor(mrr * share_end), size),
        "revenue_to_date": k.sum_by_key(deal_cell, _minor(billed), size),
        "losses": losses,
        "exposure_mrr_months": exposure,
        "booked_ltv": _wsum(deal_cell, booked_ltv, size),
        "realised_ltv": _wsum(deal_cell, realised, size),
    }
    index = _grid_index(labels, key_name, periods, period)
    frame = pd.DataFrame(sums, index=index)
    if total:
        frame = _with_total(frame, key_name, period is not None)
    out = _ratios(frame, chosen, discount, churn_rate)
    out.attrs["deals_set_aside"] = set_aside
    out.attrs["currency"] = ledger.currency
    return out


def _minor(amounts: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Round each deal's share of an amount half-even to whole minor units."""
    return np.rint(amounts).astype(np.int64)


def _pool_keys(people: pd.DataFrame, pool: str) -> npt.NDArray[np.str_]:
    """Return the churn pool of each person."""
    if pool == "all":
        return np.full(len(people), _ALL)
    column = _KEY_COLUMN.get(pool)
    if column is None:
        allowed = ", ".join(repr(p) for p in ("staff", "team", "role", "all"))
        msg = f"'churn_pool' must be one of {allowed}, got {pool!r}"
        raise ValueError(msg)
    return people[column].astype(object).fillna("(none)").astype(str).to_numpy(str)


def _periods(lo: int, hi: int, period: Grain | None) -> pd.Index:
    """Return the window's periods (one unnamed period when `period` is None)."""
    if period is None:
        return pd.Index([_ALL], dtype=object)
    code, _ = _grain(period)
    months = pd.period_range(
        pd.Period(ordinal=lo, freq="M"), pd.Period(ordinal=hi, freq="M"), freq="M"
    )
    return pd.PeriodIndex(months.asfreq(code).unique())


def _period_position(months: IntArray, lo: int, period: Grain | None) -> IntArray:
    """Position of each month's period within the window's periods."""
    if period is None:
        return np.zeros(len(months), np.int64)
    code, _ = _grain(period)
    as_period = ordinal_to_period(months).asfreq(code)
    first = pd.Period(ordinal=lo, freq="M").asfreq(code)
    return np.asarray(as_period.asi8 - first.ordinal, np.int64)


def _grid_index(
    labels: npt.NDArray[np.str_], key_name: str, periods: pd.Index, period: Grain | None
) -> pd.Index:
    if period is None:
        return pd.Index(labels, name=key_name, dtype=object)
    return pd.MultiIndex.from_product(
        [pd.Index(labels, dtype=object), periods], names=[key_name, "period"]
    )


def _with_total(frame: pd.DataFrame, key_name: str, by_period: bool) -> pd.DataFrame:
    """Append the company's rows: the sums of every key (per period)."""
    if by_period:
        total = frame.groupby(level="period", sort=True).sum()
        total.index = pd.MultiIndex.from_arrays(
            [pd.Index([_ALL] * len(total), dtype=object), total.index],
            names=[key_name, "period"],
        )
    else:
        # Column by column, so int64 sums stay int64 (a row of mixed sums
        # would pass through float and lose the last units).
        total = pd.DataFrame({name: [frame[name].sum()] for name in frame.columns})
        total.index = pd.Index([_ALL], name=key_name, dtype=object)
    return pd.concat([frame, total.astype(frame.dtypes.to_dict())])


def _ratios(
    frame: pd.DataFrame,
    conventions: Conventions,
    discount: float,
    churn_rate: float | None,
) -> pd.DataFrame:
    """Add the rates, multiples and per-person-month figures."""
    out = frame.copy()
    cost = out["cost"].to_numpy(np.float64)
    booked = out["booked_ltv"].to_numpy(np.float64)
    realised = out["realised_ltv"].to_numpy(np.float64)
    person_months = out["person_months"].to_numpy(np.float64)
    exposure = out["exposure_mrr_months"].to_numpy(np.float64)
    if churn_rate is None:
        rate = divide_or_nan(out["losses"].to_numpy(np.float64), exposure)
    else:
        rate = np.full(len(out), float(churn_rate))
    out["churn_rate"] = rate
    with np.errstate(invalid="ignore"):
        out["booked_multiple"] = divide_or_inf(booked, cost)
        out["realised_multiple"] = divide_or_inf(realised, cost)
        out["roi"] = divide_or_inf(realised - cost, cost)
    out.loc[(cost == 0) & (realised == 0), "roi"] = np.nan
    known = ~np.isnan(rate)
    payback = np.full(len(out), np.nan)
    if known.any():
        payback[known] = payback_months(
            cost[known],
            out["booked_mrr"].to_numpy(np.float64)[known],
            gross_margin=conventions.gross_margin,
            discount_rate=discount,
            churn_rate=np.clip(rate[known], None, 1.0 - 1e-12),
        )
    out["payback_months"] = payback
    out["booked_mrr_per_person_month"] = divide_or_nan(
        out["booked_mrr"].to_numpy(np.float64), person_months
    )
    out["realised_ltv_per_person_month"] = divide_or_nan(realised, person_months)
    out["cost_per_person_month"] = divide_or_nan(cost, person_months)
    return out[list(RETURN_COLUMNS)]


def _check_owners(deals: pd.DataFrame, staff: pd.DataFrame) -> None:
    unknown = ~deals["owner_id"].isin(staff["staff_id"]).to_numpy(bool)
    if unknown.any():
        raise InvalidTableError(
            [
                Problem(
                    table="deals",
                    column="owner_id",
                    rule="a staff_id of the staff table",
                    count=int(unknown.sum()),
                    examples=tuple(
                        str(v) for v in pd.unique(deals["owner_id"][unknown])
                    )[:MAX_EXAMPLES],
                    detail="every deal needs its owner's cost and role",
                )
            ]
        )


def _option_set(
    values: Collection[str] | None, name: str, allowed: set[str]
) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        msg = f"{name!r} must be a collection of str, got the str {values!r}"
        raise TypeError(msg)
    chosen = [str(getattr(v, "value", v)) for v in values]
    unknown = sorted(set(chosen) - allowed)
    if unknown:
        msg = f"{name!r} holds unknown values {unknown}; allowed: {sorted(allowed)}"
        raise ValueError(msg)
    return chosen


def pilot_table(
    ledger: Ledger,
    *,
    staff: pd.DataFrame,
    deals: pd.DataFrame,
    start: MonthLike,
    months: int,
    roles: Collection[str] = ("customer_sales",),
    break_even: float = 1.0,
    as_of: MonthLike | None = None,
    churn_rate: float | None = None,
    conventions: Conventions | None = None,
) -> pd.DataFrame:
    """Return `roi.pilot` (see its documentation)."""
    span = check_int(months, name="months", low=1)
    threshold = float(break_even)
    if not np.isfinite(threshold) or threshold <= 0:
        msg = f"'break_even' must be a positive number, got {break_even!r}"
        raise ValueError(msg)
    first = _month_or_none(start, "start")
    assert first is not None
    last = first + span - 1
    since = pd.Period(ordinal=first, freq="M")
    through = pd.Period(ordinal=last, freq="M")
    out = staff_returns_table(
        ledger,
        staff=staff,
        deals=deals,
        by="role",
        roles=roles,
        since=since,
        through=through,
        as_of=as_of,
        churn_rate=churn_rate,
        churn_pool="role",
        conventions=conventions,
    )
    read = ledger.last_month if as_of is None else pd.Period(as_of, freq="M")
    assert read is not None
    out = out.copy()
    out["pilot_months"] = span
    out["person_months_per_month"] = out["person_months"] / span
    out["data_months"] = int(read.ordinal) - first + 1
    out["break_even"] = threshold
    multiple = out["realised_multiple"].to_numpy(np.float64)
    out["verdict"] = np.where(
        np.isnan(multiple),
        "undetermined",
        np.where(multiple >= threshold, "pays back", "falls short"),
    )
    return out
