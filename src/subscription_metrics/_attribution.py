"""Private attribution of customers and their movements to the staff responsible."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._entities import Assignment, Deal, Role
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._kernels import search_sorted
from ._ledger import Ledger
from ._schema import validate
from ._usage import id_positions

__all__ = ["ACQUISITION", "POST_SALE", "attribute", "owner_at"]

#: Who brought a customer: the columns of `attribute` for the acquisition roles.
ACQUISITION: Final = {"sourced_by": Role.INSIDE_SALES, "closed_by": Role.FIELD_SALES}
#: Who covers a customer after the sale, by role.
POST_SALE: Final = (
    Role.CUSTOMER_SUCCESS,
    Role.CUSTOMER_SALES,
    Role.CUSTOMER_MARKETING,
    Role.CUSTOMER_SUPPORT,
)

IntArray = npt.NDArray[np.int64]
ObjectArray = npt.NDArray[np.object_]


def _check_overlaps(table: pd.DataFrame) -> None:
    """Refuse assignments of one customer and role that overlap in time."""
    ordered = table.sort_values(["customer_id", "role", "start"], kind="stable")
    same = (ordered["customer_id"].to_numpy() == np.roll(ordered["customer_id"], 1)) & (
        ordered["role"].astype(str).to_numpy()
        == np.roll(ordered["role"].astype(str).to_numpy(), 1)
    )
    same[:1] = False
    previous_end = ordered["end"].shift(1)
    overlap = same & (
        previous_end.isna().to_numpy() | (previous_end > ordered["start"]).to_numpy()
    )
    if overlap.any():
        labels = ordered.index[overlap]
        raise InvalidTableError(
            [
                Problem(
                    table="assignments",
                    column="customer_id, role, start, end",
                    rule="no overlap within a customer and role",
                    count=int(overlap.sum()),
                    examples=tuple(str(v) for v in labels[:MAX_EXAMPLES]),
                    detail="an assignment starts before the previous one ends",
                )
            ]
        )


def _days(values: pd.Series) -> IntArray:
    """Days since 1970-01-01 of a datetime64 column (NaT becomes a large value)."""
    days = pd.DatetimeIndex(values).to_numpy("datetime64[D]")
    out = days.astype(np.int64)
    out[np.isnat(days)] = np.iinfo(np.int32).max
    return out


def owner_at(
    assignments: pd.DataFrame,
    customer_ids: pd.Index | npt.NDArray[np.object_],
    months: IntArray,
    role: Role,
) -> ObjectArray:
    """
    Return who covered each customer in `role` in each month (None if nobody).

    The owner of (customer, month) is the person assigned at the month's
    end: the latest assignment that started by the month's last day, unless
    it ended before the month began. With no overlapping assignments that is
    the person responsible when the month's movements were recorded.
    """
    table = assignments[assignments["role"].astype(str) == role.value]
    out = np.full(len(months), None, dtype=object)
    if not len(table) or not len(months):
        return out
    column = table["customer_id"]
    # Ids compared as text (an integer id matches its digits), ints as they are.
    ids = pd.Index(
        pd.unique(column if column.dtype.kind in "iu" else column.astype(str))
    )
    code = id_positions(ids, customer_ids)
    row_code = id_positions(ids, table["customer_id"])
    start, end = _days(table["start"]), _days(table["end"])
    order = np.lexsort((start, row_code))
    width = np.int64(2**32)
    keys = row_code[order] * width + start[order]
    first_day = (months.astype("datetime64[M]")).astype("datetime64[D]")
    last_day = ((months + 1).astype("datetime64[M]")).astype("datetime64[D]") - 1
    query = code * width + last_day.astype(np.int64)
    position = search_sorted(keys, query, "right") - 1
    ok = (code >= 0) & (position >= 0)
    chosen = order[np.maximum(position, 0)]
    ok &= row_code[chosen] == code
    ok &= end[chosen] > first_day.astype(np.int64)
    staff = table["staff_id"].astype(str).to_numpy(object)
    out[ok] = staff[chosen[ok]]
    return out


def _first_new_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Return the earliest won new-business deal of each customer."""
    table = validate(deals, Deal)
    new = table[table["kind"].astype(str) == "new"]
    new = new.sort_values(["won_on", "deal_id"], kind="stable")
    return new.drop_duplicates("customer_id").set_index("customer_id")


def attribute(
    ledger: Ledger,
    *,
    deals: pd.DataFrame | None,
    assignments: pd.DataFrame | None,
    as_of: int,
) -> pd.DataFrame:
    """
    Return, per customer of the ledger, who sourced, closed and covers it.

    See ``scorecards.attribution`` for the rules.
    """
    customers = ledger.customers
    ids = customers["customer_id"].astype(str)
    out = pd.DataFrame(index=pd.Index(ids, name="customer_id"))

    def column(name: str) -> pd.Series:
        if name in customers.columns:
            return pd.Series(customers[name].to_numpy(object), index=out.index)
        return pd.Series(None, index=out.index, dtype=object)

    inside, field = column("inside_sales_rep"), column("field_sales_rep")
    closed = field.where(field.notna(), inside)
    sourced = inside.copy()
    if deals is not None:
        first = _first_new_deals(deals).reindex(out.index)
        won = first["owner_id"].notna()
        closed = first["owner_id"].where(won, closed).astype(object)
        from_deal = first["sourced_by"].where(first["sourced_by"].notna(), None)
        # A deal without a separate source was sourced by whoever won it.
        from_deal = from_deal.where(from_deal.notna(), first["owner_id"])
        sourced = from_deal.where(won, sourced).astype(object)
    out["sourced_by"] = sourced.where(sourced.notna(), None)
    out["closed_by"] = closed.where(closed.notna(), None)
    # Post-sale owners in force at `as_of`, or in a churned customer's last
    # active month, so the owner when it left answers for the churn.
    last = _last_active_month(ledger, as_of)
    if assignments is not None:
        table = validate(assignments, Assignment)
        _check_overlaps(table)
        for role in POST_SALE:
            out[role.value] = owner_at(table, out.index, last, role)
    else:
        owner = column("cs_owner")
        out[Role.CUSTOMER_SUCCESS.value] = owner.where(owner.notna(), None)
        for role in POST_SALE[1:]:
            out[role.value] = None
    return out


def _last_active_month(ledger: Ledger, as_of: int) -> IntArray:
    """Each customer's last month with revenue up to `as_of` (as_of if active)."""
    ev = ledger._events
    n = len(ledger.customers)
    seen = ev.month <= as_of
    last = np.full(n, as_of, np.int64)
    if not seen.any():
        return last
    customer, month, after = ev.customer[seen], ev.month[seen], ev.mrr_after[seen]
    final = np.append(customer[1:] != customer[:-1], True)
    ended = final & (after == 0)
    # A churn in month m means the last paid month was m - 1.
    last[customer[ended]] = month[ended] - 1
    return last
