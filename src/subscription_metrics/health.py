"""Account health: signals from usage and tickets, a score, and a check against churn.

Accounts that use a feature little churn more, so customer support reaches
out proactively when usage falls under a chosen share. This
module turns monthly usage (`UsageSnapshot` rows) and support tickets
(`Ticket` rows) into per-account signals (`signals`), combines them into an
explainable 0-100 score with bands and risk flags (`score`, with a
`HealthModel`; `default_model` documents the defaults), and checks a score
against what the ledger says happened next (`evaluate`): churn rate by band,
lift and AUC.
"""

from __future__ import annotations

from typing import Final

import attrs
import numpy as np
import pandas as pd

from ._entities import Ticket, UsageSnapshot
from ._errors import InvalidTableError
from ._health import (
    DEFAULT_BANDS,
    HealthEvaluation,
    HealthModel,
    RiskRule,
    Signal,
    _bands,
    check_bands,
    evaluate_scores,
    score_frame,
)
from ._inputs import month_ordinals
from ._ledger import Ledger, MonthLike, _month_or_none
from ._operations import naive
from ._schema import check_table
from ._usage import UsageRows, usage_rows
from ._validation import check_int, divide_or_nan

__all__ = [
    "SIGNAL_COLUMNS",
    "default_model",
    "evaluate",
    "score",
    "signals",
]

SIGNAL_COLUMNS: Final = (
    "months_observed",
    "feature_usage_rate",
    "active_user_share",
    "logins_per_active_user",
    "tickets",
    "tickets_per_account_month",
    "nps",
)
"""Columns of `signals`, in order."""


def default_model() -> HealthModel:
    """
    Return the default health model: five signals, three bands, the low-usage rule.

    ====================================  ======  =================  =========
    signal (column of `signals`)          weight  normalisation      healthy
    ====================================  ======  =================  =========
    ``feature_usage_rate``                0.30    minmax on [0, 1]   higher
    ``active_user_share``                 0.25    minmax on [0, 1]   higher
    ``logins_per_active_user``            0.15    rank               higher
    ``tickets_per_account_month``         0.15    rank               lower
    ``nps``                               0.15    minmax on [0, 10]  higher
    ====================================  ======  =================  =========

    Bands: ``at_risk`` below 40, ``watch`` from 40 to below 70, ``healthy``
    from 70. Risk rule ``low_feature_usage``: ``feature_usage_rate < 0.2``,
    action ``"proactive support"`` (the share is the
    company's to choose; 20% is a starting point, not a finding).

    Returns
    -------
    HealthModel

    Notes
    -----
    Usage carries the most weight because low usage is the early warning of churn;
    logins and tickets are ranked rather than scaled because their scale
    differs by product. Change any part with `attrs.evolve`.

    Examples
    --------
    >>> from subscription_metrics import health
    >>> model = health.default_model()
    >>> [(s.name, s.weight) for s in model.signals][:2]
    [('feature_usage_rate', 0.3), ('active_user_share', 0.25)]
    >>> model.bands
    (('at_risk', 0.0), ('watch', 40.0), ('healthy', 70.0))
    """
    return HealthModel(
        signals=(
            Signal(
                name="feature_usage_rate",
                column="feature_usage_rate",
                weight=0.30,
                normalise="minmax",
                low=0.0,
                high=1.0,
            ),
            Signal(
                name="active_user_share",
                column="active_user_share",
                weight=0.25,
                normalise="minmax",
                low=0.0,
                high=1.0,
            ),
            Signal(
                name="logins_per_active_user",
                column="logins_per_active_user",
                weight=0.15,
                normalise="rank",
            ),
            Signal(
                name="tickets_per_account_month",
                column="tickets_per_account_month",
                weight=0.15,
                direction="lower_is_better",
                normalise="rank",
            ),
            Signal(
                name="nps",
                column="nps",
                weight=0.15,
                normalise="minmax",
                low=0.0,
                high=10.0,
            ),
        ),
        bands=DEFAULT_BANDS,
        risk_rules=(
            RiskRule(
                name="low_feature_usage",
                column="feature_usage_rate",
                operator="<",
                threshold=0.2,
                action="proactive support",
            ),
        ),
    )


def _required_month(value: MonthLike | None, name: str) -> int:
    month = _month_or_none(value, name)
    if month is None:
        msg = f"{name!r} is required (a month: Period, 'YYYY-MM' or date)"
        raise ValueError(msg)
    return month


def signals(
    usage: pd.DataFrame,
    *,
    tickets: pd.DataFrame | None = None,
    as_of: MonthLike,
    months: int = 3,
) -> pd.DataFrame:
    """
    Return each account's health signals over the months up to `as_of`.

    The window is the `months` calendar months ending with `as_of`. Each
    account with at least one usage row in the window gets one row; the
    figures pool the account's months (sums over sums, never an average of
    monthly ratios, except where the input is itself a rate).

    Parameters
    ----------
    usage : pandas.DataFrame
        Monthly usage, with the columns of `UsageSnapshot`: one row per
        account and month.
    tickets : pandas.DataFrame, optional
        Support tickets, with the columns of `Ticket`; those opened in a
        month of the window count. Without them the ticket columns are
        missing values (the default model then scores the other signals).
    as_of : pandas.Period, str or date
        The window's last month.
    months : int, default 3
        The window's length in months.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), with `SIGNAL_COLUMNS`:

        - ``months_observed``: months of the window with a usage row;
        - ``feature_usage_rate``: the mean of the monthly rates;
        - ``active_user_share``: active users over seats, summed over the
          months (NaN without seats);
        - ``logins_per_active_user``: logins over active users, summed over
          the months (NaN without active users);
        - ``tickets``: tickets opened in the window (``<NA>`` without
          `tickets`);
        - ``tickets_per_account_month``: ``tickets / months_observed``;
        - ``nps``: the mean of the answers given in the window (NaN if none).

        ``attrs["tickets_without_usage"]`` counts the window's tickets of
        accounts that have no usage row in it (they have no row to go to).

    Raises
    ------
    InvalidTableError
        If a table breaks its entity's rules, or `usage` has two rows for one
        account and month.
    ValueError
        If `months` is not a positive int or `as_of` is not a month.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import health
    >>> usage = pd.DataFrame({
    ...     "customer_id": ["c1", "c1", "c2"],
    ...     "month": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-06-01"]),
    ...     "seats": [10, 10, 5], "active_users": [6, 8, 1], "logins": [60, 100, 2],
    ...     "feature_usage_rate": [0.5, 0.7, 0.1], "nps": [8, None, None]})
    >>> tickets = pd.DataFrame({
    ...     "ticket_id": ["t1", "t2", "t3"], "customer_id": ["c2", "c2", "c1"],
    ...     "opened_at": pd.to_datetime(["2024-06-03", "2024-06-20", "2024-01-09"])})
    >>> sig = health.signals(usage, tickets=tickets, as_of="2024-06", months=3)
    >>> sig[["months_observed", "feature_usage_rate", "active_user_share", "tickets"]]
                 months_observed  feature_usage_rate  active_user_share  tickets
    customer_id
    c1                         2                 0.6                0.7        0
    c2                         1                 0.1                0.2        2
    >>> sig[["logins_per_active_user", "tickets_per_account_month", "nps"]].round(2)
                 logins_per_active_user  tickets_per_account_month  nps
    customer_id
    c1                            11.43                        0.0  8.0
    c2                             2.00                        2.0  NaN

    c1's active-user share is (6 + 8) / (10 + 10) and its logins per active
    user (60 + 100) / (6 + 8); t3 was opened before the window.
    """
    window = check_int(months, name="months", low=1)
    hi = _required_month(as_of, "as_of")
    return _signals_of(
        _checked_signal_inputs(usage, tickets), lo=hi - window + 1, hi=hi
    )


@attrs.frozen(eq=False)
class _SignalInputs:
    """The usage and tickets tables as `signals` checks them."""

    usage: UsageRows  # the rows by account and month, accounts coded
    tickets: pd.DataFrame | None


def _checked_signal_inputs(
    usage: pd.DataFrame, tickets: pd.DataFrame | None
) -> _SignalInputs:
    """
    Check and convert the tables `signals` reads, or raise.

    The report checks them once and reads the signals of several months
    from the result (`_signals_of`), as `tiers` reads the latest usage.
    """
    ordinals: dict[str, np.ndarray] = {}
    table, problems = check_table(usage, UsageSnapshot, months=ordinals)
    ticket_table = None
    if tickets is not None:
        ticket_table, found = check_table(tickets, Ticket)
        problems += found
    if problems:
        raise InvalidTableError(problems)
    month = ordinals.get("month", np.zeros(len(table), np.int64))
    return _SignalInputs(usage=usage_rows(table, month), tickets=ticket_table)


def _signals_of(inputs: _SignalInputs, *, lo: int, hi: int) -> pd.DataFrame:
    """
    Return the signals over months ``lo .. hi`` (ordinals) of checked tables.

    Every sum runs over the rows in the order `usage_rows` fixes (account,
    then month), so shuffled input rows give the same bits.
    """
    usage, ticket_table = inputs.usage, inputs.tickets
    inside = (usage.month >= lo) & (usage.month <= hi)
    per_account = np.bincount(usage.code[inside], minlength=len(usage.accounts))
    present = per_account > 0
    local = np.cumsum(present, dtype=np.int64) - 1
    codes = local[usage.code[inside]]
    uniques = usage.accounts[present]
    n = len(uniques)

    def total(name: str) -> np.ndarray:
        values = usage.column(name, inside)
        return np.asarray(np.bincount(codes, weights=values, minlength=n), np.float64)

    observed = per_account[present].astype(np.int64)
    nps = usage.column("nps", inside)
    answered = ~np.isnan(nps)
    nps_sum = np.asarray(
        np.bincount(codes[answered], weights=nps[answered], minlength=n), np.float64
    )
    nps_count = np.bincount(codes[answered], minlength=n).astype(np.float64)
    seats, active = total("seats"), total("active_users")
    out = pd.DataFrame(
        {
            "months_observed": observed,
            "feature_usage_rate": total("feature_usage_rate") / np.maximum(observed, 1),
            "active_user_share": divide_or_nan(active, seats),
            "logins_per_active_user": divide_or_nan(total("logins"), active),
        },
        index=pd.Index(uniques, name="customer_id"),
    )
    without_usage = 0
    if ticket_table is None:
        out["tickets"] = pd.array([pd.NA] * n, dtype="Int64")
        out["tickets_per_account_month"] = np.nan
    else:
        opened = month_ordinals(naive(ticket_table["opened_at"]))
        in_window = (opened >= lo) & (opened <= hi)
        owner = pd.Index(uniques).get_indexer(ticket_table["customer_id"][in_window])
        without_usage = int((owner < 0).sum())
        count = np.bincount(owner[owner >= 0], minlength=n).astype(np.int64)
        out["tickets"] = pd.array(count, dtype="Int64")
        out["tickets_per_account_month"] = count / np.maximum(observed, 1)
    out["nps"] = divide_or_nan(nps_sum, nps_count)
    out.attrs["tickets_without_usage"] = without_usage
    return out[list(SIGNAL_COLUMNS)]


def score(signals: pd.DataFrame, *, model: HealthModel | None = None) -> pd.DataFrame:
    """
    Return each account's health score (0-100), band, the why, and its risk flags.

    Each signal's raw value becomes a normalised value in [0, 1] (1 at the
    healthy end; see `Signal`), and the score is 100 times the weighted mean
    of the normalised values *present*::

        score = 100 * sum(w_i * v_i) / sum(w_i)   over the signals i present

    with the weights divided by their sum over all signals. A missing value
    is left out and the others re-weighted, so a missing NPS neither helps nor
    hurts; ``signals_present`` and ``weight_present`` say how much of the
    model a score rests on. An account with no signal at all has a NaN score
    and no band.

    Parameters
    ----------
    signals : pandas.DataFrame
        One row per account (as `signals` returns, or the caller's own), with
        the numeric columns the model's signals and rules read; NaN (or NA)
        is a missing value.
    model : HealthModel, optional
        The model; `default_model()` by default.

    Returns
    -------
    pandas.DataFrame
        Indexed like `signals`:

        - ``score``: float in [0, 100], NaN without signals;
        - ``band``: ordered categorical of the model's band names (worst
          first), missing with the score;
        - ``signals_present`` (int) and ``weight_present`` (the share of the
          total weight present, in [0, 1]);
        - ``<signal>_normalised`` for every signal, NaN where missing;
        - ``<signal>_contribution``: the points the signal adds,
          ``100 * w_i * v_i / weight_present``; the contributions present
          add up to the score (to float rounding);
        - ``risk_<rule>`` (bool) for every risk rule, and ``risks``, how
          many flags the account raised.

    Raises
    ------
    InvalidTableError
        If a column the model reads is missing, repeated, not numeric, holds
        inf, or (for a column `signals` makes) leaves its range:
        ``feature_usage_rate`` in [0, 1], ``nps`` in [0, 10], counts whole
        and >= 0, the other ratios >= 0; or if the index repeats an account
        or has a missing label. Every problem is listed, with the rows.
    TypeError
        If `signals` is not a DataFrame or `model` not a `HealthModel`.

    Notes
    -----
    ``'rank'`` and data-bound ``'minmax'`` signals place an account among
    those scored with it; score a whole book at once and compare scores of
    one run. Raising a higher-is-better value never lowers the account's own
    score.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import health
    >>> sig = pd.DataFrame({
    ...     "feature_usage_rate": [0.6, 0.1, 0.3],
    ...     "active_user_share": [0.7, 0.2, 0.5],
    ...     "logins_per_active_user": [11.4, 2.0, 5.0],
    ...     "tickets_per_account_month": [0.0, 2.0, 0.5],
    ...     "nps": [8.0, None, 6.0]},
    ...     index=pd.Index(["c1", "c2", "c3"], name="customer_id"))
    >>> out = health.score(sig)
    >>> out[["score", "band", "signals_present", "risk_low_feature_usage"]].round(1)
                 score     band  signals_present  risk_low_feature_usage
    customer_id
    c1            72.5  healthy                5                   False
    c2            15.3  at_risk                4                    True
    c3            45.5    watch                5                   False

    The contributions explain a score; they add up to it:

    >>> out.filter(like="_contribution").loc["c3"].round(1)
    feature_usage_rate_contribution         9.0
    active_user_share_contribution         12.5
    logins_per_active_user_contribution     7.5
    tickets_per_account_month_contribution  7.5
    nps_contribution                        9.0
    Name: c3, dtype: float64
    """
    return score_frame(signals, default_model() if model is None else model)


def evaluate(
    ledger: Ledger,
    *,
    scores: pd.DataFrame,
    as_of: MonthLike,
    horizon_months: int = 3,
    bands: object = None,
) -> HealthEvaluation:
    """
    Check a health score against what happened: churn by band, lift and AUC.

    Each scored account is looked up in the ledger. It is *evaluated* when
    it has a score and the ledger counts it as active at the end of `as_of`
    (the same test the ledger's customer counts use), and it *churned* when
    the ledger has a churn movement for it in a month after `as_of`, up to
    and including ``as_of + horizon_months``: the same customers and churn
    events the ledger's bridge and ``churn.rates`` count. A customer who
    churns and comes back within the horizon churned.

    Parameters
    ----------
    ledger : Ledger
        The ledger of the same customers, built through at least
        ``as_of + horizon_months``.
    scores : pandas.DataFrame
        As `score` returns: indexed by ``customer_id`` (unique), with a
        ``score`` column and, unless `bands` is given, a categorical
        ``band`` column.
    as_of : pandas.Period, str or date
        The month whose end the scores describe (the last month of the
        signals' window).
    horizon_months : int, default 3
        How many months after `as_of` churn is looked for.
    bands : mapping or sequence of (name, lower bound), optional
        Cut the scores into these bands instead of using the ``band`` column
        (as for `HealthModel.bands`).

    Returns
    -------
    HealthEvaluation
        ``by_band`` (customers, churned, churn rate, lift and shares per band
        and for ``"All"``), ``auc``, the per-account join ``accounts``, and
        the counts of scored accounts that were not evaluated and why
        (``not_in_ledger``, ``not_active``, ``unscored``) and of active
        customers without a score (``active_not_scored``). Nobody is dropped
        silently.

    Raises
    ------
    ValueError
        If ``as_of + horizon_months`` is after the ledger's data horizon
        (what happened then is unknown), the ledger is empty,
        `horizon_months` is not a positive int, or `scores` has no band.
    InvalidTableError
        If `scores` lacks a ``score`` column, holds a score that is not a
        number in [0, 100] (NaN is a missing score), or repeats an account.

    Examples
    --------
    >>> import pandas as pd
    >>> from subscription_metrics import Ledger, health
    >>> subs = pd.DataFrame({
    ...     "subscription_id": ["s1", "s2", "s3", "s4"],
    ...     "customer_id": ["c1", "c2", "c3", "c4"],
    ...     "start": pd.to_datetime(["2024-01-05"] * 3 + ["2024-07-01"]),
    ...     "end": pd.to_datetime([None, "2024-08-10", None, None]),
    ...     "mrr": [100, 100, 100, 100], "currency": "USD"})
    >>> led = Ledger.from_subscriptions(subs, through="2024-09")
    >>> scores = pd.DataFrame({"score": [80.0, 20.0, 55.0, 90.0]},
    ...                       index=pd.Index(["c1", "c2", "c3", "c4"]))
    >>> check = health.evaluate(led, scores=scores, as_of="2024-06",
    ...                         horizon_months=3, bands=health.default_model().bands)
    >>> check.by_band[["customers", "churned", "churn_rate", "lift"]].round(2)
             customers  churned  churn_rate  lift
    band
    at_risk          1        1        1.00   3.0
    watch            1        0        0.00   0.0
    healthy          1        0        0.00   0.0
    All              3        1        0.33   1.0
    >>> check.auc, check.evaluated, check.not_active
    (1.0, 3, 1)

    c4 started after `as_of`, so it is counted as not active, not dropped;
    c2 churned in August, within the three months after June.
    """
    horizon = check_int(horizon_months, name="horizon_months", low=1)
    month = _required_month(as_of, "as_of")
    if ledger.last_month is None:
        msg = "the ledger is empty; there is no churn to check a score against"
        raise ValueError(msg)
    last = int(ledger.last_month.ordinal)
    if month + horizon > last:
        end = pd.Period(ordinal=month + horizon, freq="M")
        msg = (
            f"'as_of' + 'horizon_months' ({end}) is after the ledger's data "
            f"horizon ({ledger.last_month}); the ledger cannot know who churned "
            "then. Use an earlier as_of or a shorter horizon"
        )
        raise ValueError(msg)
    chosen = None
    if bands is not None:
        chosen = _bands(bands)
        check_bands(chosen)
    return evaluate_scores(scores, ledger, as_of=month, horizon=horizon, bands=chosen)
