"""Private checks for the side tables the economics read (costs, deals, staff)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._ledger import Ledger
from ._schema import check_table

__all__ = ["checked", "month_ordinals"]


def checked(
    frame: pd.DataFrame,
    entity: type,
    ledger: Ledger,
    *,
    months: dict[str, npt.NDArray[np.int64]] | None = None,
) -> pd.DataFrame:
    """
    Validate *frame* against *entity* and require the ledger's currency.

    Every problem is reported at once, as `InvalidTableError`. Amounts in
    another currency are refused rather than converted: convert them once,
    at ingestion (``money.convert``), with the rates the caller trusts.
    """
    table, problems = check_table(frame, entity, months=months)
    if not problems and ledger.currency is not None and len(table):
        other = (table["currency"] != ledger.currency).to_numpy(bool)
        if other.any():
            codes = pd.unique(table["currency"][other])
            problems.append(
                Problem(
                    table=str(entity.TABLE),  # type: ignore[attr-defined]
                    column="currency",
                    rule=f"the ledger's currency ({ledger.currency})",
                    count=int(other.sum()),
                    examples=tuple(
                        str(label) for label in table.index[other][:MAX_EXAMPLES]
                    ),
                    detail=(
                        f"found {sorted(map(str, codes))}; convert amounts to "
                        f"{ledger.currency} at ingestion with money.convert"
                    ),
                )
            )
    if problems:
        raise InvalidTableError(problems)
    return table


def month_ordinals(dates: pd.Series) -> npt.NDArray[np.int64]:
    """Month ordinals (pandas ``Period[M]`` ordinals) of a datetime64 column."""
    return np.asarray(
        pd.PeriodIndex(pd.DatetimeIndex(dates), freq="M").asi8, dtype=np.int64
    )
