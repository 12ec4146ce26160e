"""Customer-success operations KPIs: onboarding, support tickets, process work.

Customer success splits into customer support (KPIs: onboarding
completion rate and speed, inquiry response speed and completion rate),
customer sales (process KPIs: 1:1 calls to owned accounts, 1on1 meetings,
upsell and cross-sell proposals, opportunities and pipeline created) and
customer marketing (health score and churn: see ``health`` and ``churn``).

- `onboarding_kpis` reads `Onboarding` rows;
- `ticket_kpis` reads `Ticket` rows;
- `activity_kpis` reads `Activity` rows and the `StaffMember` table.

Each returns a tidy table per group (owner, team, tier or any column) and
period when asked, with ``"All"`` rows for the company. The counts of the
groups add up to the company's exactly; medians and percentiles of the
``"All"`` rows are computed from the rows themselves.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._entities import Activity, ActivityKind, Onboarding, Role, StaffMember, Ticket
from ._errors import MAX_EXAMPLES, InvalidTableError, Problem
from ._inputs import month_ordinals
from ._ledger import MonthLike, _month_or_none
from ._operations import (
    Cells,
    as_of_day,
    cutoff,
    label_values,
    naive,
)
from ._overflow import check_total_fits
from ._rates import Grain, _grain
from ._roi_tables import _option_set, _staff_months
from ._schema import check_table, validate
from ._validation import check_by, divide_or_nan

__all__ = [
    "ACTIVITY_COLUMNS",
    "ONBOARDING_COLUMNS",
    "TICKET_COLUMNS",
    "activity_kpis",
    "onboarding_kpis",
    "ticket_kpis",
]

ONBOARDING_COLUMNS: Final = (
    "started",
    "completed",
    "in_progress",
    "due",
    "completed_due",
    "completion_rate",
    "completed_within_target",
    "within_target_rate",
    "median_days_to_complete",
    "mean_days_to_complete",
)
"""Columns of `onboarding_kpis`, in order."""

TICKET_COLUMNS: Final = (
    "opened",
    "answered",
    "resolved",
    "unresolved",
    "response_rate",
    "resolution_rate",
    "median_first_response_hours",
    "p90_first_response_hours",
    "median_resolution_hours",
    "p90_resolution_hours",
)
"""Columns of `ticket_kpis`, in order."""

ACTIVITY_COLUMNS: Final = (
    "staff",
    "person_months",
    "one_on_one_calls",
    "meetings",
    "upsell_proposals",
    "opportunities",
    "pipeline_mrr",
    "one_on_one_calls_per_person_month",
    "meetings_per_person_month",
    "upsell_proposals_per_person_month",
    "opportunities_per_person_month",
    "pipeline_mrr_per_person_month",
)
"""Columns of `activity_kpis`, in order."""

ActivityBy = Literal["staff", "team", "role"]
_KEY_COLUMN: Final = {"staff": "staff_id", "team": "team", "role": "role"}
_KINDS: Final = (
    ("one_on_one_calls", ActivityKind.ONE_ON_ONE_CALL),
    ("meetings", ActivityKind.MEETING),
    ("upsell_proposals", ActivityKind.UPSELL_PROPOSAL),
    ("opportunities", ActivityKind.OPPORTUNITY),
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _check_period(period: Grain | None) -> None:
    if period is not None:
        _grain(period)  # refuses an unknown grain with the allowed values


def _validated(
    frame: pd.DataFrame, entity: type, staff: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Validate a table (and the staff table, if any); raise every problem."""
    table, problems = check_table(frame, entity)
    people = None
    if staff is not None:
        people, found = check_table(staff, StaffMember)
        problems += found
    if problems:
        raise InvalidTableError(problems)
    return table, people


def _frame(
    cells: Cells, columns: dict[str, object], order: tuple[str, ...]
) -> pd.DataFrame:
    return pd.DataFrame(columns, index=cells.index)[list(order)]


def onboarding_kpis(
    onboarding: pd.DataFrame,
    *,
    as_of: object,
    by: str | None = None,
    period: Grain | None = None,
    target_days: int | None = None,
    staff: pd.DataFrame | None = None,
    tier: pd.Series | None = None,
) -> pd.DataFrame:
    """
    Return onboarding completion and speed, as they stood at the end of `as_of`.

    Onboardings are counted when they started on or before `as_of`, and
    completed when they were completed on or before it; later dates are not
    known yet at `as_of`. Days are whole calendar days (the dates'
    days, time of day ignored).

    Parameters
    ----------
    onboarding : pandas.DataFrame
        The columns of `Onboarding`: one row per account.
    as_of : date or str
        The day the figures are read at (everything up to its end counts).
    by : str, optional
        Group by ``'owner'`` (``owner_id``), ``'team'`` (the owner's team in
        `staff`), ``'tier'`` (the account's tier in `tier`) or any other
        column of `onboarding`. Rows without a value form the group
        ``"(none)"``.
    period : {'month', 'quarter', 'year'}, optional
        Also split by the period onboarding *started* (a cohort: its rate
        rises as its accounts complete).
    target_days : int, optional
        The onboarding target in days, >= 0. It decides the completion
        rate's denominator (below) and the share completed within target.
    staff : pandas.DataFrame, optional
        The `StaffMember` table, for ``by='team'``.
    tier : pandas.Series, optional
        Each account's tier (say from a tier policy), indexed by
        ``customer_id``, for ``by='tier'``.

    Returns
    -------
    pandas.DataFrame
        One row per group (and period), then ``"All"``; `ONBOARDING_COLUMNS`:

        - ``started``, ``completed`` (by `as_of`), ``in_progress``
          (started minus completed);
        - ``due``: the onboardings that could have finished by `as_of`:
          those started at least `target_days` days before it
          (``started_on + target_days <= as_of``), or every started one
          without a target;
        - ``completed_due`` and ``completion_rate = completed_due / due``;
          young onboardings therefore never drag the rate down;
        - ``completed_within_target``: due onboardings completed within
          `target_days` days of their start, and ``within_target_rate``
          (over ``due``); ``<NA>`` and NaN without a target;
        - ``median_days_to_complete`` and ``mean_days_to_complete`` over
          every completed onboarding (NaN without any).

        The counts are int64 and add up over groups to ``"All"``; rates are
        NaN when their denominator is 0. ``attrs["not_started_by_as_of"]``
        counts rows that start after `as_of` (not shown).

    Raises
    ------
    InvalidTableError
        If a table breaks its entity's rules, or ``by='team'`` meets an
        owner missing from `staff`.
    ValueError
        If an option is out of its domain.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import operations
    >>> onboarding = pd.DataFrame({
    ...     "customer_id": ["c1", "c2", "c3", "c4"],
    ...     "started_on": pd.to_datetime(
    ...         ["2024-03-01", "2024-03-10", "2024-04-01", "2024-05-25"]),
    ...     "completed_on": pd.to_datetime(
    ...         ["2024-03-21", "2024-05-09", None, None]),
    ...     "owner_id": ["s1", "s1", "s2", "s2"]})
    >>> kpis = operations.onboarding_kpis(
    ...     onboarding, as_of="2024-05-31", by="owner", target_days=30)
    >>> kpis[["started", "completed", "due", "completed_due", "completion_rate"]]
              started  completed  due  completed_due  completion_rate
    owner_id
    s1              2          2    2              2         1.000000
    s2              2          0    1              0         0.000000
    All             4          2    3              2         0.666667
    >>> kpis[["completed_within_target", "median_days_to_complete"]]
              completed_within_target  median_days_to_complete
    owner_id
    s1                              1                     40.0
    s2                              0                      NaN
    All                             1                     40.0

    c4 started six days before `as_of`, so it is not due against a 30-day
    target; c1 took 20 days and c2 60, so their median is 40.
    """
    check_by(by, what="a column name (a str)")
    day = as_of_day(as_of)
    _check_period(period)
    if target_days is not None and (
        isinstance(target_days, bool)
        or not isinstance(target_days, int | np.integer)
        or target_days < 0
    ):
        msg = f"'target_days' must be an int >= 0, got {target_days!r}"
        raise ValueError(msg)
    table, people = _validated(
        onboarding,
        Onboarding,
        staff,
    )
    started_on = naive(table["started_on"]).dt.normalize()
    completed_on = naive(pd.to_datetime(table["completed_on"])).dt.normalize()
    started = (started_on <= day).to_numpy(bool)
    done = started & (completed_on <= day).to_numpy(bool)  # NaT compares False
    days = (completed_on - started_on).dt.total_seconds().to_numpy(
        np.float64, na_value=np.nan
    ) / 86_400.0
    if target_days is None:
        due = started
    else:
        deadline = started_on + pd.Timedelta(days=int(target_days))
        due = started & (deadline <= day).to_numpy(bool)
    completed_due = done & due
    labels, level = (
        (None, "")
        if by is None
        else label_values(
            table,
            by,
            table_name="onboarding",
            owner="owner_id",
            staff=people,
            tier=tier,
        )
    )
    months = month_ordinals(started_on)
    cells = Cells(labels, level, months, period, started)
    n_started = cells.count(started)
    n_completed = cells.count(done)
    n_due = cells.count(due)
    n_completed_due = cells.count(completed_due)
    if target_days is None:
        within = pd.array([pd.NA] * cells.size, dtype="Int64")
        within_rate = np.full(cells.size, np.nan)
    else:
        counted = cells.count(completed_due & (days <= int(target_days)))
        within = pd.array(counted, dtype="Int64")
        within_rate = divide_or_nan(counted.astype(np.float64), n_due.astype(float))
    median = cells.quantiles(done, days, (0.5,))[0]
    mean = divide_or_nan(cells.fsum(done, days), n_completed.astype(np.float64))
    out = _frame(
        cells,
        {
            "started": n_started,
            "completed": n_completed,
            "in_progress": n_started - n_completed,
            "due": n_due,
            "completed_due": n_completed_due,
            "completion_rate": divide_or_nan(
                n_completed_due.astype(np.float64), n_due.astype(np.float64)
            ),
            "completed_within_target": within,
            "within_target_rate": within_rate,
            "median_days_to_complete": median,
            "mean_days_to_complete": mean,
        },
        ONBOARDING_COLUMNS,
    )
    out.attrs["not_started_by_as_of"] = int((~started).sum())
    return out


def _times(table: pd.DataFrame, column: str) -> pd.Series:
    """Return a datetime column (an optional one may arrive as all-None objects)."""
    values = table[column]
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    return pd.Series(pd.NaT, index=table.index, dtype="datetime64[us]")


def _hours(spans: pd.Series) -> FloatArray:
    """Return timedeltas in hours (NaN where missing)."""
    seconds = spans.dt.total_seconds().to_numpy(np.float64, na_value=np.nan)
    return np.asarray(seconds / 3600.0, np.float64)


def _before(times: pd.Series, end: pd.Timestamp) -> npt.NDArray[np.bool_]:
    """Where `times` are known and before `end` (an all-NaT column: nowhere)."""
    if times.isna().all():
        return np.zeros(len(times), bool)
    return (times < end).to_numpy(bool)


def ticket_kpis(
    tickets: pd.DataFrame,
    *,
    as_of: object,
    by: str | None = None,
    period: Grain | None = None,
    staff: pd.DataFrame | None = None,
    tier: pd.Series | None = None,
) -> pd.DataFrame:
    """
    Return inquiry response and resolution speed and completion, at `as_of`.

    Tickets count when they were opened by the end of `as_of`; a response or
    resolution counts when it happened by then. Times are **calendar hours**
    (nights and weekends included; business hours are not modelled), taken
    as differences of the timestamps; a date without a time is midnight, so
    date-only tickets give multiples of 24 hours.

    Parameters
    ----------
    tickets : pandas.DataFrame
        The columns of `Ticket`.
    as_of : date or str
        The day the figures are read at (everything up to its end counts).
    by : str, optional
        Group by ``'owner'`` (``owner_id``), ``'team'`` (the owner's team in
        `staff`), ``'tier'`` (the account's tier in `tier`), ``'category'``
        or any other column of `tickets`. Rows without a value form the
        group ``"(none)"``.
    period : {'month', 'quarter', 'year'}, optional
        Also split by the period the ticket was opened.
    staff : pandas.DataFrame, optional
        The `StaffMember` table, for ``by='team'``.
    tier : pandas.Series, optional
        Each account's tier indexed by ``customer_id``, for ``by='tier'``.

    Returns
    -------
    pandas.DataFrame
        One row per group (and period), then ``"All"``; `TICKET_COLUMNS`:

        - ``opened``, ``answered`` (first response by `as_of`), ``resolved``
          (by `as_of`) and ``unresolved`` (opened minus resolved), int64,
          adding up over groups;
        - ``response_rate = answered / opened`` and the completion rate
          ``resolution_rate = resolved / opened``, over every ticket opened
          (a ticket opened just before `as_of` counts as not yet resolved;
          split by period to see each cohort);
        - ``median_first_response_hours`` and ``p90_first_response_hours``
          over the answered tickets, ``median_resolution_hours`` and
          ``p90_resolution_hours`` over the resolved ones (linear
          interpolation, as `numpy.quantile`); NaN without any.

        ``attrs["opened_after_as_of"]`` counts tickets opened later (not
        shown).

    Raises
    ------
    InvalidTableError
        If a table breaks its entity's rules (a response before its ticket
        was opened, say), or ``by='team'`` meets an owner missing from
        `staff`.
    ValueError
        If an option is out of its domain.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import operations
    >>> tickets = pd.DataFrame({
    ...     "ticket_id": ["t1", "t2", "t3"], "customer_id": ["c1", "c2", "c1"],
    ...     "opened_at": pd.to_datetime(
    ...         ["2024-05-01 09:00", "2024-05-02 10:00", "2024-05-30 17:00"]),
    ...     "first_response_at": pd.to_datetime(
    ...         ["2024-05-01 10:30", "2024-05-02 14:00", None]),
    ...     "resolved_at": pd.to_datetime(["2024-05-02 09:00", None, None]),
    ...     "category": ["how_to", "bug", "how_to"]})
    >>> kpis = operations.ticket_kpis(tickets, as_of="2024-05-31", by="category")
    >>> kpis[["opened", "answered", "resolved", "resolution_rate"]]
              opened  answered  resolved  resolution_rate
    category
    bug            1         1         0         0.000000
    how_to         2         1         1         0.500000
    All            3         2         1         0.333333
    >>> kpis[["median_first_response_hours", "median_resolution_hours"]]
              median_first_response_hours  median_resolution_hours
    category
    bug                               4.0                      NaN
    how_to                            1.5                     24.0
    All                               2.75                    24.0

    t1 was answered after 1.5 hours and t2 after 4, so the company's median
    is 2.75 hours; t1 was resolved 24 hours after it was opened.
    """
    check_by(by, what="a column name (a str)")
    day = as_of_day(as_of)
    _check_period(period)
    table, people = _validated(
        tickets,
        Ticket,
        staff,
    )
    opened_at = table["opened_at"]
    end = cutoff(day, opened_at)
    answered_at = _times(table, "first_response_at")
    resolved_at = _times(table, "resolved_at")
    opened = (opened_at < end).to_numpy(bool)
    answered = opened & _before(answered_at, end)
    resolved = opened & _before(resolved_at, end)
    response_hours = _hours(answered_at - opened_at)
    resolution_hours = _hours(resolved_at - opened_at)
    labels, level = (
        (None, "")
        if by is None
        else label_values(
            table, by, table_name="tickets", owner="owner_id", staff=people, tier=tier
        )
    )
    cells = Cells(labels, level, month_ordinals(naive(opened_at)), period, opened)
    n_opened = cells.count(opened)
    n_answered = cells.count(answered)
    n_resolved = cells.count(resolved)
    response = cells.quantiles(answered, response_hours, (0.5, 0.9))
    resolution = cells.quantiles(resolved, resolution_hours, (0.5, 0.9))
    opened_float = n_opened.astype(np.float64)
    out = _frame(
        cells,
        {
            "opened": n_opened,
            "answered": n_answered,
            "resolved": n_resolved,
            "unresolved": n_opened - n_resolved,
            "response_rate": divide_or_nan(n_answered.astype(float), opened_float),
            "resolution_rate": divide_or_nan(n_resolved.astype(float), opened_float),
            "median_first_response_hours": response[0],
            "p90_first_response_hours": response[1],
            "median_resolution_hours": resolution[0],
            "p90_resolution_hours": resolution[1],
        },
        TICKET_COLUMNS,
    )
    out.attrs["opened_after_as_of"] = int((~opened).sum())
    return out


def _checked_activities(
    activities: pd.DataFrame, currency: str | None
) -> tuple[pd.DataFrame, IntArray, str | None]:
    """
    Validate activities; return the table, pipeline MRR per row and its currency.

    ``mrr`` and ``currency`` may be empty together (calls, meetings); every
    opportunity must carry both, in one currency.
    """
    if not isinstance(activities, pd.DataFrame):
        msg = (
            f"'activities' must be a pandas DataFrame, got {type(activities).__name__}"
        )
        raise TypeError(msg)
    table, problems = check_table(activities, Activity)
    if problems:
        raise InvalidTableError(problems)
    amounts = table["mrr"].astype("Int64")
    carries = amounts.notna().to_numpy(bool)
    mrr = amounts.fillna(0).to_numpy(np.int64)
    codes = table["currency"].astype(object)
    is_opportunity = (
        table["kind"].astype(str) == ActivityKind.OPPORTUNITY.value
    ).to_numpy(bool)
    missing = is_opportunity & ~carries
    if missing.any():
        problems.append(
            Problem(
                table="activities",
                column="mrr, currency",
                rule="opportunities carry mrr and currency",
                count=int(missing.sum()),
                examples=tuple(str(i) for i in table.index[missing][:MAX_EXAMPLES]),
                detail="the pipeline created is the opportunities' MRR",
            )
        )
    found_codes = sorted(map(str, pd.unique(codes[is_opportunity & carries])))
    chosen = currency
    if currency is not None and any(code != currency for code in found_codes):
        other = is_opportunity & carries & (codes != currency).to_numpy(bool)
        problems.append(
            Problem(
                table="activities",
                column="currency",
                rule=f"the currency asked for ({currency})",
                count=int(other.sum()),
                examples=tuple(str(i) for i in table.index[other][:MAX_EXAMPLES]),
                detail=f"found {found_codes}; convert with money.convert first",
            )
        )
    elif currency is None and len(found_codes) > 1:
        problems.append(
            Problem(
                table="activities",
                column="currency",
                rule="one currency",
                count=int((is_opportunity & carries).sum()),
                detail=f"found {found_codes}; convert with money.convert first",
            )
        )
    elif currency is None and found_codes:
        chosen = found_codes[0]
    if problems:
        raise InvalidTableError(problems)
    return table, np.where(is_opportunity, mrr, 0), chosen


def activity_kpis(
    activities: pd.DataFrame,
    *,
    staff: pd.DataFrame,
    by: ActivityBy = "staff",
    period: Grain | None = "month",
    roles: Collection[str] | None = None,
    since: MonthLike | None = None,
    through: MonthLike | None = None,
    currency: str | None = None,
) -> pd.DataFrame:
    """
    Return the process KPIs of customer sales: calls, meetings, proposals, pipeline.

    Counts each kind of `Activity` per person (team or role) and period, the
    MRR of the opportunities created (the pipeline), and each per
    person-month: the months each person was in the role (``start`` to
    ``end`` in `staff`) times their ``fte``, as ``roi.staff_returns``
    counts them, so a half-time person is held to half the activity.

    Parameters
    ----------
    activities : pandas.DataFrame
        The columns of `Activity`. Opportunities must carry ``mrr`` and
        ``currency``; other kinds may leave them empty (and their amounts,
        if any, are not pipeline).
    staff : pandas.DataFrame
        The `StaffMember` table; every ``staff_id`` of `activities` must be
        in it.
    by : {'staff', 'team', 'role'}, default 'staff'
        One row per person, per team or per role.
    period : {'month', 'quarter', 'year'} or None, default 'month'
        Split by the period of the activity (and of the person-months);
        None for one row per group over the whole window.
    roles : collection of str, optional
        Only staff in these roles (say ``["customer_sales"]``); the
        activities of others are left out and counted in
        ``attrs["activities_set_aside"]``.
    since, through : pandas.Period, str or date, optional
        The months covered (default: the first and last month with an
        activity of the staff kept). Activities outside are set aside too.
    currency : str, optional
        The currency the pipeline must be in (default: the single currency of
        the opportunities).

    Returns
    -------
    pandas.DataFrame
        One row per group (and period), then ``"All"``; `ACTIVITY_COLUMNS`:
        ``staff`` (people with a month in the role in the cell),
        ``person_months`` (the sum of their FTE over those months), the
        counts ``one_on_one_calls``, ``meetings``, ``upsell_proposals``,
        ``opportunities``, the pipeline ``pipeline_mrr`` (int64 minor units
        of ``attrs["currency"]``), then each of the five per person-month
        (float; NaN where nobody was in the role). Every column but the
        ratios adds up over people to teams and to ``"All"``.
        ``attrs["activities_outside_staff_dates"]`` counts activities dated
        in a month their person was not in the role (counted, with no
        person-months behind them).

    Raises
    ------
    InvalidTableError
        If a table breaks its entity's rules, an activity's ``staff_id`` is
        not in `staff`, an opportunity has no MRR, the pipeline mixes
        currencies, or no activity of the staff kept gives the months and
        no window is passed.
    ValueError
        If an option is out of its domain.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import operations
    >>> staff = pd.DataFrame({
    ...     "staff_id": ["s1", "s2"], "role": "customer_sales",
    ...     "monthly_cost": 1_000_000, "currency": "JPY", "team": ["east", "east"],
    ...     "fte": [1.0, 0.5]})
    >>> activities = pd.DataFrame({
    ...     "activity_id": ["a1", "a2", "a3", "a4", "a5"],
    ...     "staff_id": ["s1", "s1", "s1", "s2", "s2"],
    ...     "kind": ["one_on_one_call", "meeting", "opportunity",
    ...              "one_on_one_call", "opportunity"],
    ...     "on": pd.to_datetime(["2024-06-03", "2024-06-05", "2024-06-20",
    ...                           "2024-06-11", "2024-06-28"]),
    ...     "mrr": [None, None, 50_000, None, 30_000],
    ...     "currency": [None, None, "JPY", None, "JPY"]})
    >>> kpis = operations.activity_kpis(activities, staff=staff, period=None)
    >>> kpis[["person_months", "one_on_one_calls", "opportunities", "pipeline_mrr"]]
              person_months  one_on_one_calls  opportunities  pipeline_mrr
    staff_id
    s1                  1.0                 1              1         50000
    s2                  0.5                 1              1         30000
    All                 1.5                 2              2         80000
    >>> kpis[["one_on_one_calls_per_person_month", "pipeline_mrr_per_person_month"]]
              one_on_one_calls_per_person_month  pipeline_mrr_per_person_month
    staff_id
    s1                                 1.000000                   50000.000000
    s2                                 2.000000                   60000.000000
    All                                1.333333                   53333.333333

    s2 works half time, so one call in June is two per person-month.
    """
    check_by(by, what="one of 'staff', 'team', 'role'")
    if by not in _KEY_COLUMN:
        allowed = ", ".join(repr(b) for b in _KEY_COLUMN)
        msg = f"'by' must be one of {allowed}, got {by!r}"
        raise ValueError(msg)
    _check_period(period)
    if not isinstance(staff, pd.DataFrame):
        msg = f"'staff' must be a pandas DataFrame, got {type(staff).__name__}"
        raise TypeError(msg)
    table, mrr, pipeline_currency = _checked_activities(activities, currency)
    people = validate(staff, StaffMember)
    unknown = ~table["staff_id"].isin(people["staff_id"]).to_numpy(bool)
    if unknown.any():
        raise InvalidTableError(
            [
                Problem(
                    table="activities",
                    column="staff_id",
                    rule="a staff_id of the staff table",
                    count=int(unknown.sum()),
                    examples=tuple(
                        str(v) for v in pd.unique(table["staff_id"][unknown])
                    )[:MAX_EXAMPLES],
                    detail="every activity needs its person's FTE and team",
                )
            ]
        )
    kept_roles = _option_set(roles, "roles", {role.value for role in Role})
    if kept_roles is not None:
        people = people[people["role"].astype(str).isin(kept_roles).to_numpy(bool)]
    people = people.reset_index(drop=True)
    person = pd.Index(people["staff_id"]).get_indexer(table["staff_id"])
    month = month_ordinals(naive(table["on"]))
    kept = person >= 0
    lo = _month_or_none(since, "since")
    hi = _month_or_none(through, "through")
    if lo is None or hi is None:
        if not kept.any():  # no month to start or end the window at
            raise InvalidTableError(
                [
                    Problem(
                        table="activities",
                        column="(rows)",
                        rule="an activity of the staff, or a window",
                        count=len(table),
                        detail="no activity belongs to the staff kept, so the "
                        "months are unknown; pass since= and through=",
                    )
                ]
            )
        lo = int(month[kept].min()) if lo is None else lo
        hi = int(month[kept].max()) if hi is None else hi
    if lo > hi:
        msg = f"'since' ({since}) must not be after 'through' ({through})"
        raise ValueError(msg)
    kept &= (month >= lo) & (month <= hi)
    key_name = _KEY_COLUMN[by]
    key_of_person = people[key_name].astype(object)
    key_of_person = key_of_person.where(key_of_person.notna(), "(none)").astype(str)
    row, staff_month, fte, _ = _staff_months(people, lo, hi)
    # One table of rows to place in cells: activities first, then staff-months.
    n_act = len(table)
    labels = pd.Series(
        np.concatenate(
            [
                key_of_person.to_numpy(str)[np.maximum(person, 0)],
                key_of_person.to_numpy(str)[row],
            ]
        )
    )
    months_all = np.concatenate([month, staff_month])
    is_activity = np.zeros(len(months_all), bool)
    is_activity[:n_act] = kept
    is_person_month = np.zeros(len(months_all), bool)
    is_person_month[n_act:] = True
    cells = Cells(
        labels,
        key_name,
        months_all,
        period,
        is_activity | is_person_month,
        window=(lo, hi),
    )
    fte_all = np.concatenate([np.zeros(n_act), fte])
    columns: dict[str, object] = {}
    # Distinct people per cell: a person's months in one cell count once.
    pairs = np.unique(
        np.stack(
            [cells.keys(is_person_month), np.tile(row, 2 if cells.grouped else 1)]
        ),
        axis=1,
    )
    columns["staff"] = np.bincount(pairs[0], minlength=cells.size).astype(np.int64)
    person_months = cells.fsum(is_person_month, fte_all)
    columns["person_months"] = person_months
    kind = table["kind"].astype(str).to_numpy()
    counts: dict[str, IntArray] = {}
    for name, member in _KINDS:
        this = np.zeros(len(months_all), bool)
        this[:n_act] = kept & (kind == member.value)
        counts[name] = cells.count(this)
        columns[name] = counts[name]
    # Every cell's pipeline is exact when the kept amounts' total fits.
    check_total_fits(
        mrr[kept],
        table="activities",
        column="mrr",
        labels=table.index[kept],
        what="pipeline amounts",
    )
    mrr_all = np.concatenate([mrr, np.zeros(len(row), np.int64)])
    pipeline = cells.total(is_activity, mrr_all)
    columns["pipeline_mrr"] = pipeline
    for name, _ in _KINDS:
        columns[f"{name}_per_person_month"] = divide_or_nan(
            counts[name].astype(np.float64), person_months
        )
    columns["pipeline_mrr_per_person_month"] = divide_or_nan(
        pipeline.astype(np.float64), person_months
    )
    out = _frame(cells, columns, ACTIVITY_COLUMNS)
    span = hi - lo + 1
    worked = np.zeros(len(people) * span, bool)
    worked[row * span + (staff_month - lo)] = True
    slot = np.maximum(person, 0) * span + np.clip(month - lo, 0, span - 1)
    outside = kept & ~worked[slot]
    out.attrs["currency"] = pipeline_currency
    out.attrs["activities_set_aside"] = int((~kept).sum())
    out.attrs["activities_outside_staff_dates"] = int(outside.sum())
    return out
