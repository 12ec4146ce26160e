"""Machinery shared by the determinism test, the fuzz test and ``scripts/fuzz``.

Two parts:

- **Calls.** `CALLS` calls every public function that takes a table (or a
  ledger built from one) on a dict of inputs that `inputs` builds from the
  bundled sample, and `canonical` encodes any result as JSON that is exact
  to the last bit of every float (floats are written with ``repr``), so two
  results are the same number exactly when their encodings are the same
  bytes.
- **Mutations** (further down): malformed versions of the public tables,
  for the fuzzer.

Nothing here is a test; it is imported by tests and by the script.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import tempfile
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd

import subscription_metrics as sm

# --------------------------------------------------------------------------
# The exact encoding of a result
# --------------------------------------------------------------------------


def _scalar(value: Any) -> Any:
    """One value as JSON: floats by ``repr`` (exact), the rest tagged by type."""
    if value is None or value is pd.NA or value is pd.NaT:
        return repr(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return "f" + repr(float(value))
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp | pd.Period | pd.Timedelta | dt.date):
        return f"{type(value).__name__}:{value}"
    if isinstance(value, decimal.Decimal):
        return f"Decimal:{value}"
    return f"{type(value).__name__}:{value!r}"


def _index(index: pd.Index) -> dict[str, Any]:
    return {
        "names": [str(n) for n in index.names],
        "dtype": str(index.dtype),
        "values": [
            [_scalar(v) for v in item] if isinstance(item, tuple) else _scalar(item)
            for item in index.tolist()
        ],
    }


def _encode(result: Any) -> Any:
    """A JSON-ready structure that determines `result` exactly."""
    if isinstance(result, pd.DataFrame):
        return {
            "frame": True,
            "columns": _index(result.columns),
            "index": _index(result.index),
            "dtypes": [str(d) for d in result.dtypes],
            "data": [
                [_scalar(v) for v in result.iloc[:, i].tolist()]
                for i in range(result.shape[1])
            ],
            "attrs": _encode(dict(result.attrs)),
        }
    if isinstance(result, pd.Series):
        return {
            "series": str(result.name),
            "index": _index(result.index),
            "dtype": str(result.dtype),
            "data": [_scalar(v) for v in result.tolist()],
        }
    if isinstance(result, np.ndarray):
        return {"array": str(result.dtype), "data": _encode(result.tolist())}
    if isinstance(result, sm.Ledger):
        return {
            "ledger": result.currency,
            "months": [str(result.first_month), str(result.last_month)],
            "events": _encode(sm.ledger.events(result)),
            "bridge": _encode(sm.ledger.bridge(result)),
            "set_aside": _encode(list(result.set_aside)),
        }
    if attrs.has(type(result)):
        fields = attrs.fields(type(result))
        return {
            type(result).__name__: {
                f.name: _encode(getattr(result, f.name)) for f in fields
            }
        }
    if isinstance(result, Mapping):
        return {str(k): _encode(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [_encode(v) for v in result]
    return _scalar(result)


def canonical(result: Any) -> str:
    """
    Return `result` as JSON, exact to the bit.

    Frames carry their columns, index, dtypes, values and ``attrs``; floats
    are written with ``repr`` (the shortest string that reads back as the
    same double), so ``0.458`` and ``0.45799999999999996`` differ.
    """
    return json.dumps(_encode(result), sort_keys=True, allow_nan=False)


# --------------------------------------------------------------------------
# Inputs from the sample, and one call of every public table-taking function
# --------------------------------------------------------------------------

TABLES = (
    "activities",
    "assignments",
    "costs",
    "customers",
    "deals",
    "meetings",
    "onboarding",
    "pipeline",
    "staff",
    "subscriptions",
    "tickets",
    "usage",
)
"""The sample's tables (fields of `SampleData`)."""

AS_OF = "2025-06"
REP = "field_sales_rep"

Shuffle = Callable[[pd.DataFrame], pd.DataFrame]


def no_shuffle(frame: pd.DataFrame) -> pd.DataFrame:
    return frame


def shuffler(rng: np.random.Generator) -> Shuffle:
    """Reorder a table's rows by a permutation drawn from `rng` (labels kept)."""

    def shuffle(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.iloc[rng.permutation(len(frame))]

    return shuffle


def quietly(call: Callable[[], Any]) -> Any:
    """Call, ignoring the library's own warnings (thin ground is not at issue)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SubscriptionMetricsWarning)
        return call()


def monthly_rows(usage: pd.DataFrame, currency: str) -> pd.DataFrame:
    """A monthly MRR table (`MonthlyMrr`) made from the usage table's months."""
    rows = usage[["customer_id", "month"]].copy()
    rows["month"] = rows["month"].dt.to_period("M")
    rows["mrr"] = (usage["seats"].to_numpy(np.int64) + 1) * 1_000
    rows["currency"] = currency
    return rows


def invoice_lines(monthly: pd.DataFrame) -> pd.DataFrame:
    """An invoice-lines table (`InvoiceLine`): one recurring line a monthly row.

    Each row of `monthly` becomes a line billing its month (first day to the
    first day of the next month) for its MRR; every fifth line has a tax line
    beside it, which the ledger counts and sets aside from MRR.
    """
    start = monthly["month"].dt.start_time.dt.normalize()
    end = (monthly["month"] + 1).dt.start_time.dt.normalize()
    ids = np.arange(len(monthly))
    recurring = pd.DataFrame(
        {
            "line_id": [f"ln-{i:06d}" for i in ids],
            "customer_id": monthly["customer_id"].to_numpy(),
            "kind": "recurring",
            "period_start": start.to_numpy(),
            "period_end": end.to_numpy(),
            "amount": monthly["mrr"].to_numpy(np.int64),
            "currency": monthly["currency"].to_numpy(),
        }
    )
    tax = recurring.iloc[::5].copy()
    tax["line_id"] = [f"tx-{i:06d}" for i in range(len(tax))]
    tax["kind"] = "tax"
    tax["amount"] = tax["amount"] // 10
    return pd.concat([recurring, tax], ignore_index=True)


def inputs(
    tables: Mapping[str, pd.DataFrame], shuffle: Shuffle = no_shuffle
) -> dict[str, Any]:
    """
    Every input of `CALLS`, from the sample's `tables`.

    `shuffle` reorders the rows of every table given to a function: the
    sample's tables, and the tables the library computes and takes back
    (signals, scores, accounts, classifications, curves, lifetimes).
    """
    f: dict[str, Any] = {name: shuffle(tables[name]) for name in TABLES}
    currency = str(tables["subscriptions"]["currency"].mode().iloc[0])
    f["currency"] = currency
    monthly = monthly_rows(tables["usage"], currency)
    f["monthly"] = shuffle(monthly)
    f["lines"] = shuffle(invoice_lines(monthly))
    f["rates"] = None if "rates" not in tables else shuffle(tables["rates"])
    f["ledger"] = sm.Ledger.from_subscriptions(
        f["subscriptions"],
        customers=f["customers"],
        rates=f["rates"],
        currency=currency if f["rates"] is not None else None,
    )
    f["signals"] = shuffle(
        sm.health.signals(f["usage"], tickets=f["tickets"], as_of=AS_OF)
    )
    f["scores"] = shuffle(sm.health.score(f["signals"]))
    f["accounts"] = shuffle(
        sm.tiers.account_features(
            f["ledger"],
            as_of=AS_OF,
            usage=f["usage"],
            customers=f["customers"],
            health=shuffle(f["scores"])["score"],
        )
    )
    f["classified"] = shuffle(sm.tiers.classify(f["accounts"]))
    f["lifetimes"] = shuffle(sm.survival.lifetimes(f["ledger"], by=REP))
    life = f["lifetimes"]
    f["curves"] = shuffle(
        sm.survival.kaplan_meier(
            life["age"], life["observed"], groups=life[REP].fillna("none")
        )
    )
    wide = sm.survival.survival_at(f["curves"], list(range(1, 25)))["survival"]
    f["wide"] = shuffle(wide.unstack("time"))
    return f


def _lifetime_fits(f: dict[str, Any]) -> Any:
    life = f["lifetimes"]
    return quietly(
        lambda: sm.survival.sbg_fit_lifetimes(
            life["age"], life["observed"], groups=life[REP].fillna("none")
        )
    )


def _svg(figure: Any) -> str:
    """A plot as its SVG text: the same drawing gives the same bytes."""
    return str(sm.plots.to_svg(figure))


def _parquet_round_trip(frame: pd.DataFrame) -> pd.DataFrame:
    """`encoding.to_parquet` into a scratch folder, read back."""
    with tempfile.TemporaryDirectory() as folder:
        path = sm.encoding.to_parquet(frame, Path(folder) / "table.parquet")
        return pd.read_parquet(path)


def _once(f: dict[str, Any], key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per inputs dict `f`: a plot and its function share it.

    The result is kept in `f` itself (every call is given a fresh dict, or
    a copy of one), so a shuffled or mutated input computes it anew.
    """
    shared = f.setdefault("_once", {})
    if key not in shared:
        shared[key] = compute()
    return shared[key]


def _scorecard(f: dict[str, Any]) -> pd.DataFrame:
    return _once(
        f,
        "scorecard",
        lambda: sm.scorecards.scorecard(
            f["ledger"], staff=f["staff"], deals=f["deals"]
        ),
    )


def _bridge(f: dict[str, Any]) -> pd.DataFrame:
    return _once(f, "bridge", lambda: sm.ledger.bridge(f["ledger"]))


def _triangle(f: dict[str, Any]) -> pd.DataFrame:
    return _once(f, "triangle", lambda: sm.cohorts.triangle(f["ledger"], value="mrr"))


def _tier_summary(f: dict[str, Any]) -> pd.DataFrame:
    return _once(
        f,
        "tier_summary",
        lambda: sm.tiers.summary(
            f["ledger"], classified=f["classified"], as_of=AS_OF, months=6
        ),
    )


def _tier_movements(f: dict[str, Any]) -> pd.DataFrame:
    return sm.tiers.movements(f["classified"], sm.tiers.classify(f["accounts"]))


def _money(f: Mapping[str, Any]) -> dict[str, Any]:
    """The rates (and reporting currency) the ledger of the inputs is built with."""
    rates = f["rates"]
    return {"rates": rates, "currency": f["currency"] if rates is not None else None}


def _dask(frame: pd.DataFrame) -> Any:
    """A table as a Dask frame of three partitions (the ``dask`` extra)."""
    import dask
    import dask.dataframe as dd

    # Dask turns object columns into strings by default, so an object column
    # of numbers would arrive as text (the how-to says so); keep them as given.
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_pandas(frame, npartitions=3, sort=False)


CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Ledger.from_invoice_lines": lambda f: sm.Ledger.from_invoice_lines(
        f["lines"], customers=f["customers"]
    ),
    "Ledger.from_monthly_mrr": lambda f: sm.Ledger.from_monthly_mrr(
        f["monthly"], customers=f["customers"]
    ),
    "Ledger.from_subscriptions": lambda f: f["ledger"],
    "cac.acquisition_costs": lambda f: sm.cac.acquisition_costs(
        f["ledger"], costs=f["costs"], period="quarter", by="acquisition_channel"
    ),
    "churn.rates": lambda f: sm.churn.rates(f["ledger"], by="segment"),
    "cohorts.retention": lambda f: sm.cohorts.retention(f["ledger"]),
    "cohorts.triangle": _triangle,
    "encoding.to_parquet": lambda f: _parquet_round_trip(
        sm.churn.rates(f["ledger"], by="segment")
    ),
    "frames.from_frame": lambda f: sm.frames.from_frame(
        f["subscriptions"], sm.Subscription
    ),
    "frames.validate": lambda f: sm.frames.validate(
        f["subscriptions"], sm.Subscription
    ),
    "health.evaluate": lambda f: sm.health.evaluate(
        f["ledger"], scores=f["scores"], as_of=AS_OF
    ),
    "health.score": lambda f: sm.health.score(f["signals"]),
    "health.signals": lambda f: sm.health.signals(
        f["usage"], tickets=f["tickets"], as_of=AS_OF
    ),
    "dask.figures": lambda f: sm.dask.figures(
        _dask(f["subscriptions"]), customers=_dask(f["customers"]), **_money(f)
    ),
    "dask.acquisition_quality": lambda f: sm.dask.acquisition_quality(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        by="acquisition_channel",
        **_money(f),
    ),
    "dask.early_ltv": lambda f: sm.dask.early_ltv(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        by=REP,
        seed=0,
        **_money(f),
    ),
    "dask.horizon": lambda f: sm.dask.horizon(_dask(f["subscriptions"]), **_money(f)),
    "dask.ltv_estimates": lambda f: sm.dask.ltv_estimates(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        by="segment",
        **_money(f),
    ),
    "dask.scorecard": lambda f: sm.dask.scorecard(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        deals=_dask(f["deals"]),
        staff=f["staff"],
        **_money(f),
    ),
    "dask.classify": lambda f: (
        sm.dask.classify(
            _dask(f["subscriptions"]),
            customers=_dask(f["customers"]),
            usage=_dask(f["usage"]),
            as_of=AS_OF,
            **_money(f),
        )
        .compute()
        .sort_values("customer_id", ignore_index=True)
    ),
    "dask.owned_book": lambda f: sm.dask.owned_book(
        _dask(f["subscriptions"]),
        assignments=_dask(f["assignments"]),
        staff=f["staff"],
        since="2025-01",
        **_money(f),
    ),
    "dask.tier_summary": lambda f: sm.dask.tier_summary(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        classified=_dask(f["classified"].reset_index()),
        as_of=AS_OF,
        months=6,
        **_money(f),
    ),
    "dask.partials": lambda f: sm.dask.partials(
        _dask(f["subscriptions"]),
        customers=_dask(f["customers"]),
        by="segment",
        **_money(f),
    ),
    "ledger.bridge": lambda f: sm.ledger.bridge(f["ledger"], by="segment"),
    "ledger.partial": lambda f: sm.ledger.partial(f["ledger"], by="segment"),
    "ledger.events": lambda f: sm.ledger.events(f["ledger"]),
    "ledger.movements": lambda f: sm.ledger.movements(f["ledger"]),
    "ltv.estimates": lambda f: sm.ltv.estimates(f["ledger"], by="segment"),
    "ltv.ltv_from_survival": lambda f: sm.ltv.ltv_from_survival(
        1000.0, f["wide"], discount_rate=0.01
    ),
    "operations.activity_kpis": lambda f: sm.operations.activity_kpis(
        f["activities"], staff=f["staff"], by="team"
    ),
    "operations.onboarding_kpis": lambda f: sm.operations.onboarding_kpis(
        f["onboarding"], as_of="2025-12-31", by="owner", staff=f["staff"]
    ),
    "operations.ticket_kpis": lambda f: sm.operations.ticket_kpis(
        f["tickets"], as_of="2025-12-31", by="owner", staff=f["staff"]
    ),
    # Plots take result frames: each is drawn from the function upstream of
    # it, so a shuffled or mutated input table reaches the drawing.
    "plots.bridge_waterfall": lambda f: _svg(sm.plots.bridge_waterfall(_bridge(f))),
    "plots.cohort_heatmap": lambda f: _svg(sm.plots.cohort_heatmap(_triangle(f))),
    "plots.mrr_movements": lambda f: _svg(sm.plots.mrr_movements(_bridge(f))),
    "plots.scorecard_bookings": lambda f: _svg(
        sm.plots.scorecard_bookings(_scorecard(f))
    ),
    "plots.survival_curves": lambda f: _svg(sm.plots.survival_curves(f["curves"])),
    "plots.tier_mix": lambda f: _svg(sm.plots.tier_mix({AS_OF: _tier_summary(f)})),
    "plots.tier_movements": lambda f: _svg(sm.plots.tier_movements(_tier_movements(f))),
    "roi.pilot": lambda f: sm.roi.pilot(
        f["ledger"], staff=f["staff"], deals=f["deals"], start="2025-01", months=6
    ),
    "roi.staff_returns": lambda f: sm.roi.staff_returns(
        f["ledger"], staff=f["staff"], deals=f["deals"], by="team"
    ),
    "scorecards.acquisition_quality": lambda f: sm.scorecards.acquisition_quality(
        f["ledger"], by="acquisition_channel"
    ),
    "scorecards.attribution": lambda f: sm.scorecards.attribution(
        f["ledger"], deals=f["deals"], assignments=f["assignments"]
    ),
    "scorecards.compare": lambda f: sm.scorecards.compare(
        f["ledger"], "st-015", "st-017", deals=f["deals"]
    ),
    "scorecards.compare_to_team": lambda f: sm.scorecards.compare_to_team(
        f["ledger"], staff=f["staff"], deals=f["deals"]
    ),
    "scorecards.owned_book": lambda f: sm.scorecards.owned_book(
        f["ledger"], assignments=f["assignments"], staff=f["staff"]
    ),
    "scorecards.scorecard": _scorecard,
    "survival.backtest": lambda f: sm.survival.backtest(f["ledger"], by=REP),
    "survival.early_ltv": lambda f: sm.survival.early_ltv(f["ledger"], by=REP, seed=0),
    "survival.kaplan_meier": lambda f: sm.survival.kaplan_meier(
        f["lifetimes"]["age"],
        f["lifetimes"]["observed"],
        groups=f["lifetimes"][REP].fillna("none"),
    ),
    "survival.lifetimes": lambda f: sm.survival.lifetimes(f["ledger"], by=REP),
    "survival.median_lifetime": lambda f: sm.survival.median_lifetime(f["curves"]),
    "survival.sbg_fit_lifetimes": _lifetime_fits,
    "survival.survival_at": lambda f: sm.survival.survival_at(f["curves"], [1, 6, 12]),
    "tiers.account_features": lambda f: f["accounts"],
    "tiers.classify": lambda f: sm.tiers.classify(f["accounts"]),
    "tiers.movements": _tier_movements,
    "tiers.summary": _tier_summary,
}
"""One call of every public function that takes a table, on `inputs`."""

# --- goals: LTV-aware targets, credit, priorities, pacing (one block) -------


def _goal_history(f: dict[str, Any]) -> Any:
    return sm.goals.goal_history(
        f["ledger"],
        deals=f["deals"],
        meetings=f["meetings"],
        activities=f["activities"],
        onboarding=f["onboarding"],
        staff=f["staff"],
        usage=f["usage"],
        tickets=f["tickets"],
        as_of=AS_OF,
    )


def _plan_targets(f: dict[str, Any]) -> Any:
    plan = sm.goals.Plan(
        goal=30_000_000, currency=f["currency"], start="2025-07", measure="net_new_mrr"
    )
    return sm.goals.plan_targets(f["staff"], plan=plan, history=_goal_history(f))


GOAL_CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "goals.credited_attainment": lambda f: sm.goals.credited_attainment(
        f["ledger"],
        deals=f["deals"],
        policy=sm.goals.CreditPolicy(basis="ltv", clawback_months=6),
        # Fixed multiples: a small world's last month may have no churn to read.
        segment_ltv=pd.Series(
            {"enterprise": 130.0, "mid_market": 55.0, "smb": 39.0, "All": 47.0}
        ),
    ),
    "goals.deal_priorities": lambda f: sm.goals.deal_priorities(
        f["pipeline"], churn=sm.goals.pooled_churn(f["ledger"], by="segment")
    ),
    "goals.goal_history": _goal_history,
    "goals.pacing": lambda f: sm.goals.pacing(
        f["ledger"],
        targets=_plan_targets(f),
        deals=f["deals"],
        meetings=f["meetings"],
        activities=f["activities"],
        onboarding=f["onboarding"],
        usage=f["usage"],
        tickets=f["tickets"],
        assignments=f["assignments"],
    ),
    "goals.plan_targets": _plan_targets,
    "goals.pooled_churn": lambda f: sm.goals.pooled_churn(f["ledger"], by="segment"),
    "goals.segment_ltv_multiples": lambda f: sm.goals.segment_ltv_multiples(
        f["ledger"]
    ),
    "goals.sold_retention": lambda f: sm.goals.sold_retention(
        f["ledger"], staff=f["staff"], deals=f["deals"]
    ),
    "goals.targets": lambda f: sm.goals.targets(
        f["staff"],
        plan=sm.goals.Plan(goal=30_000_000, currency=f["currency"], start="2026-01"),
    ),
}
CALLS.update(GOAL_CALLS)

# --- end of the goals block ---------------------------------------------------

ROW_ALIGNED = frozenset(
    {
        "Ledger.from_monthly_mrr",  # its customers table, as given
        "Ledger.from_subscriptions",
        "frames.from_frame",
        "frames.validate",
        "goals.deal_priorities",  # the pipeline's rows, ranked, columns kept
        "health.evaluate",  # its accounts, like the scores
        "health.score",
        "ltv.ltv_from_survival",
        "scorecards.attribution",
        "tiers.account_features",  # the ledger's customers, as given
        "tiers.classify",
    }
)
"""Results with one row per input row, in the input's order (compared sorted)."""


def _sorted(value: Any) -> Any:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.sort_index(kind="stable")
    if isinstance(value, sm.Ledger):
        return {
            "ledger": value,
            "customers": value.customers.sort_values(
                "customer_id", kind="stable", ignore_index=True
            ),
        }
    if attrs.has(type(value)):
        fields = attrs.fields(type(value))
        return {f.name: _sorted(getattr(value, f.name)) for f in fields}
    if isinstance(value, list):
        return sorted(value, key=repr)
    return value


def in_input_order(name: str, result: Any) -> Any:
    """A row-aligned result in an order that does not depend on the input's."""
    return _sorted(result) if name in ROW_ALIGNED else result


def fingerprints(f: dict[str, Any]) -> dict[str, str]:
    """The canonical encoding of every call's result on inputs `f`."""
    return {
        name: canonical(in_input_order(name, call(f))) for name, call in CALLS.items()
    }


def shuffle_differences(
    tables: Mapping[str, pd.DataFrame], shuffles: int, seed: int = 0
) -> dict[str, int]:
    """How many of `shuffles` row shuffles change each call's result."""
    baseline = fingerprints(inputs(tables))
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(CALLS, 0)
    for _ in range(shuffles):
        shuffled = fingerprints(inputs(tables, shuffler(rng)))
        for name, encoded in shuffled.items():
            counts[name] += encoded != baseline[name]
    return counts


def sample_tables() -> dict[str, pd.DataFrame]:
    """The bundled sample's tables, by name."""
    sample = sm.datasets.load_sample()
    return {name: getattr(sample, name) for name in TABLES}


__all__ = [
    "CALLS",
    "ROW_ALIGNED",
    "TABLES",
    "canonical",
    "fingerprints",
    "inputs",
    "sample_tables",
    "shuffle_differences",
    "shuffler",
]


# --------------------------------------------------------------------------
# Mutations: malformed versions of the public tables
# --------------------------------------------------------------------------

REFUSE = "refuse"  # must raise InvalidTableError naming the column
SAME = "same"  # must give the numbers of the unmutated table
MAY = "may"  # may raise InvalidTableError naming the column, or return a result
# A result of MAY is checked where it can be: invariants (bridge identity,
# money int64) always, and the numbers of the unmutated table for mutations
# that keep every value (a representation the library may refuse).
MAY_SAME = "may_same"

ENTITIES: dict[str, type] = {
    "activities": sm.Activity,
    "assignments": sm.Assignment,
    "costs": sm.CostEntry,
    "customers": sm.Customer,
    "deals": sm.Deal,
    "lines": sm.InvoiceLine,
    "meetings": sm.Meeting,
    "monthly": sm.MonthlyMrr,
    "onboarding": sm.Onboarding,
    "pipeline": sm.Opportunity,
    "rates": sm.ExchangeRate,
    "staff": sm.StaffMember,
    "subscriptions": sm.Subscription,
    "tickets": sm.Ticket,
    "usage": sm.UsageSnapshot,
}
"""The entity each input table follows (its column specifications)."""

COMPUTED = ("signals", "scores", "accounts", "classified", "curves")
"""Tables the library computes and takes back (their columns as computed)."""

LEDGER_TABLES = frozenset({"subscriptions", "customers", "monthly", "rates"})
"""Tables a ledger is built from: mutating one rebuilds the ledger."""

READS: dict[str, tuple[str, ...]] = {
    "Ledger.from_invoice_lines": ("lines", "customers"),
    "Ledger.from_monthly_mrr": ("monthly", "customers"),
    "Ledger.from_subscriptions": ("subscriptions", "customers", "rates"),
    "cac.acquisition_costs": ("subscriptions", "costs"),
    "churn.rates": ("subscriptions", "customers"),
    "cohorts.retention": ("subscriptions",),
    "cohorts.triangle": ("subscriptions",),
    "encoding.to_parquet": ("subscriptions", "customers"),
    "frames.from_frame": ("subscriptions",),
    "frames.validate": ("subscriptions",),
    "health.evaluate": ("scores", "subscriptions"),
    "health.score": ("signals",),
    "health.signals": ("usage", "tickets"),
    "dask.figures": ("subscriptions", "customers", "rates"),
    "dask.acquisition_quality": ("subscriptions", "customers", "rates"),
    "dask.early_ltv": ("subscriptions", "customers", "rates"),
    "dask.horizon": ("subscriptions", "rates"),
    "dask.ltv_estimates": ("subscriptions", "customers", "rates"),
    "dask.scorecard": ("subscriptions", "customers", "deals", "staff", "rates"),
    # The classification is checked per block by `tiers.summary`'s own code;
    # its index mutations (a MultiIndex) have no Dask form, so only the
    # ledger's tables are mutated here.
    "dask.tier_summary": ("subscriptions", "customers", "rates"),
    # The rows' rules are those of every sm.dask call above; the assignments
    # are checked per block by `owned_book`'s own code.
    "dask.owned_book": ("assignments",),
    # Usage is checked per block by `tiers.account_features`' own code; its
    # mutations are run there, so only the ledger's tables are mutated here.
    "dask.classify": ("subscriptions", "customers", "rates"),
    "dask.partials": ("subscriptions", "customers", "rates"),
    "ledger.bridge": ("subscriptions", "customers"),
    "ledger.partial": ("subscriptions", "customers"),
    "ledger.events": ("subscriptions",),
    "ledger.movements": ("subscriptions",),
    "ltv.estimates": ("subscriptions", "customers"),
    "operations.activity_kpis": ("activities", "staff"),
    "operations.onboarding_kpis": ("onboarding", "staff"),
    "operations.ticket_kpis": ("tickets", "staff"),
    "plots.bridge_waterfall": ("subscriptions", "customers"),
    "plots.cohort_heatmap": ("subscriptions",),
    "plots.mrr_movements": ("subscriptions", "customers"),
    "plots.scorecard_bookings": ("staff", "deals"),
    "plots.survival_curves": ("curves",),
    "plots.tier_mix": ("classified", "subscriptions"),
    "plots.tier_movements": ("classified",),
    "roi.pilot": ("staff", "deals", "subscriptions"),
    "roi.staff_returns": ("staff", "deals"),
    "scorecards.acquisition_quality": ("subscriptions", "customers"),
    "scorecards.attribution": ("deals", "assignments"),
    "scorecards.compare": ("deals", "customers"),
    "scorecards.compare_to_team": ("staff", "deals"),
    "scorecards.owned_book": ("assignments", "staff"),
    "scorecards.scorecard": ("staff", "deals"),
    "survival.backtest": ("subscriptions", "customers"),
    "survival.early_ltv": ("subscriptions", "customers"),
    "survival.lifetimes": ("subscriptions", "customers"),
    "survival.median_lifetime": ("curves",),
    "survival.survival_at": ("curves",),
    "tiers.account_features": ("usage", "customers", "subscriptions"),
    "tiers.classify": ("accounts",),
    "tiers.movements": ("classified",),
    "tiers.summary": ("classified", "subscriptions"),
}
"""The tables each fuzzed function is given, and so the ones worth mutating.

Functions of arrays (``kaplan_meier``, ``sbg_fit_lifetimes``,
``ltv_from_survival``) are formulas, not table readers; their own tests
check their arguments.
"""

# --- goals: the tables each goals function reads (one block) -----------------
GOAL_READS: dict[str, tuple[str, ...]] = {
    "goals.credited_attainment": ("deals", "subscriptions", "customers"),
    "goals.deal_priorities": ("pipeline", "customers"),
    "goals.goal_history": (
        "deals",
        "meetings",
        "activities",
        "onboarding",
        "staff",
        "customers",
        "usage",
        "tickets",
    ),
    "goals.pacing": (
        "deals",
        "meetings",
        "activities",
        "onboarding",
        "staff",
        "usage",
        "tickets",
        "assignments",
    ),
    "goals.plan_targets": ("staff", "deals", "meetings"),
    "goals.pooled_churn": ("subscriptions", "customers"),
    "goals.segment_ltv_multiples": ("subscriptions", "customers"),
    "goals.sold_retention": ("staff", "deals", "subscriptions"),
    "goals.targets": ("staff",),
}
READS.update(GOAL_READS)
# --- end of the goals block ---------------------------------------------------

FUZZ_CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    name: CALLS[name] for name in READS
} | {
    "Ledger.from_subscriptions": lambda f: sm.Ledger.from_subscriptions(
        f["subscriptions"],
        customers=f["customers"],
        rates=f["rates"],
        currency=f["currency"],
    ),
    "tiers.account_features": lambda f: sm.tiers.account_features(
        f["ledger"],
        as_of=AS_OF,
        usage=f["usage"],
        customers=f["customers"],
        health=f["scores"]["score"],
    ),
}


def small_tables(every: int = 50) -> dict[str, pd.DataFrame]:
    """
    A small valid world cut from the sample: every `every`-th customer.

    Every table keeps the rows of those customers (staff and costs whole).
    Two customers of the first subscriptions pay in USD, with a rates table,
    so ``rates=`` is read too.
    """
    tables = sample_tables()
    customers = tables["customers"]
    keep = set(customers["customer_id"].iloc[::every])
    for rep in ("st-015", "st-017"):  # the two reps `scorecards.compare` reads
        mine = customers.loc[customers[REP] == rep, "customer_id"]
        keep |= set(mine.iloc[:: max(1, len(mine) // 6)])
    out: dict[str, pd.DataFrame] = {}
    for name, frame in tables.items():
        if "customer_id" in frame.columns and name not in ("staff", "costs"):
            frame = frame[frame["customer_id"].isin(keep) | frame["customer_id"].isna()]
        out[name] = frame.reset_index(drop=True)
    subs = out["subscriptions"].copy()
    usd = subs["customer_id"].isin(sorted(keep)[:2])
    subs.loc[usd, "mrr"] = (subs.loc[usd, "mrr"] // 150).astype(np.int64) * 100
    subs.loc[usd, "currency"] = "USD"
    out["subscriptions"] = subs
    out["rates"] = pd.DataFrame(
        {
            "currency": "USD",
            "date": pd.to_datetime(["2022-12-01", "2024-06-01"]),
            "rate": [140.0, 155.5],
        }
    )
    return out


def fuzz_inputs(tables: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """`inputs` of the small world, with the rates table beside it."""
    return inputs(tables)


@attrs.frozen
class Mutation:
    """One change to one column of one table, and what the library must do."""

    table: str
    column: str | None  # None: the whole table
    kind: str
    expect: str


READ_COLUMNS: dict[str, frozenset[str]] = {
    # the default health model's signals and risk rules
    "signals": frozenset(
        {
            "feature_usage_rate",
            "active_user_share",
            "logins_per_active_user",
            "tickets_per_account_month",
            "nps",
        }
    ),
    "scores": frozenset({"score"}),
    "classified": frozenset({"tier", "mrr"}),
    "curves": frozenset({"survival", "lower", "upper"}),
    # the default tier policy's conditions
    "accounts": frozenset({"seat_gap", "arr", "health_score"}),
}
"""The columns of a computed table that the functions read (the rest may be
anything, as an extra column may)."""


def _specs(table: str, frame: pd.DataFrame) -> dict[str, Any]:
    from subscription_metrics._columns import column_specs

    if table in ENTITIES:
        specs = column_specs(ENTITIES[table])
        return {c: s for c, s in specs.items() if c in frame.columns}
    return {}


_NUMERIC_KINDS = frozenset({"money", "count", "number"})
_DATE_KINDS = frozenset({"date", "month"})


def mutations(table: str, frame: pd.DataFrame) -> list[Mutation]:
    """Every mutation that applies to `frame` (a table named `table`)."""
    out = [
        Mutation(table, None, "arrow", SAME),
        Mutation(table, None, "shuffle", SAME),
        Mutation(table, None, "extra_column", SAME),
        Mutation(table, None, "empty", MAY),
        Mutation(table, None, "multiindex", REFUSE),
    ]
    specs = _specs(table, frame)
    entity = ENTITIES.get(table)
    if entity is None:  # a computed table: its columns as computed
        read = READ_COLUMNS[table]
        for column in frame.columns:
            name = str(column)
            refuse = REFUSE if name in read else MAY
            out.append(Mutation(table, name, "duplicate", refuse))
            out.append(Mutation(table, name, "drop", MAY))
            if frame[column].dtype.kind in "fiu":
                out += [
                    Mutation(table, name, "text", refuse),
                    Mutation(table, name, "complex", refuse),
                    Mutation(table, name, "null", MAY),
                    Mutation(table, name, "decimal", MAY_SAME),
                ]
            elif frame[column].dtype.kind in "OUT" or str(frame[column].dtype) == "str":
                out.append(Mutation(table, name, "category", MAY_SAME))
        return [m for m in out if _applies(m, frame)]
    for name, spec in specs.items():
        kind = spec.kind
        out.append(Mutation(table, name, "duplicate", REFUSE))
        out.append(Mutation(table, name, "drop", REFUSE if spec.required else MAY))
        out.append(Mutation(table, name, "null", MAY if spec.nullable else REFUSE))
        out.append(
            Mutation(
                table,
                name,
                "category",
                SAME if kind not in _NUMERIC_KINDS else MAY_SAME,
            )
        )
        out.append(Mutation(table, name, "object", SAME))
        if kind in _NUMERIC_KINDS:
            out += [
                Mutation(table, name, "text", REFUSE),
                Mutation(table, name, "complex", REFUSE),
                Mutation(table, name, "boolean", REFUSE),
                Mutation(table, name, "decimal", MAY_SAME),
                Mutation(table, name, "negative", REFUSE),
            ]
        if kind in ("money", "count"):
            out += [
                Mutation(table, name, "huge", REFUSE),
                Mutation(table, name, "fraction", REFUSE),
                Mutation(table, name, "near_limit", MAY),
            ]
        if kind in _DATE_KINDS:
            out += [
                Mutation(table, name, "text", REFUSE),
                Mutation(table, name, "tz", MAY_SAME),
                Mutation(table, name, "iso_text", MAY_SAME),
                Mutation(table, name, "far_future", MAY),
                Mutation(table, name, "far_past", MAY),
                Mutation(table, name, "complex", REFUSE),
            ]
            if spec.nullable:
                out.append(Mutation(table, name, "all_nan_float", MAY))
        if kind in ("currency", "enum"):
            out.append(Mutation(table, name, "text", REFUSE))
        if spec.unique:
            out.append(Mutation(table, name, "repeat", REFUSE))
    for rule in getattr(entity, "ROW_RULES", ()):
        if len(rule.columns) != 2:  # not an order of two dates (amount forms)
            continue
        first, later = rule.columns
        if first in frame.columns and later in frame.columns:
            both = frame[first].notna() & frame[later].notna()
            if both.any():
                out.append(Mutation(table, later, "before_first", REFUSE))
    key = tuple(getattr(entity, "KEY", ()))
    if len(key) > 1:
        out.append(Mutation(table, ", ".join(key), "repeat_key", REFUSE))
    return [m for m in out if _applies(m, frame)]


# Mutations that change the values present: a no-op on an empty column.
_OF_VALUES = frozenset(
    {
        "text",
        "complex",
        "boolean",
        "decimal",
        "negative",
        "huge",
        "fraction",
        "near_limit",
        "far_future",
        "far_past",
        "repeat",
        "tz",
        "iso_text",
    }
)


def _applies(mutation: Mutation, frame: pd.DataFrame) -> bool:
    if mutation.kind == "repeat_key" or mutation.kind not in _OF_VALUES:
        return len(frame) > 0 or mutation.kind in ("drop", "duplicate", "empty")
    column = mutation.column
    if mutation.kind == "repeat" and len(frame) < 2:
        return False
    return column in frame.columns and bool(frame[column].notna().any())


def _rows(frame: pd.DataFrame, rng: np.random.Generator, where: Any = None) -> Any:
    """A few row positions of `frame` (among `where` if given)."""
    candidates = np.arange(len(frame)) if where is None else np.flatnonzero(where)
    if len(candidates) == 0:
        return candidates
    size = int(rng.integers(1, min(3, len(candidates)) + 1))
    return np.sort(rng.choice(candidates, size=size, replace=False))


def _set(frame: pd.DataFrame, column: str, rows: Any, value: Any) -> pd.DataFrame:
    """A copy of `frame` whose `column` holds `value` at `rows` (object dtype)."""
    out = frame.copy()
    values = out[column].astype(object).to_numpy(copy=True)
    values[rows] = value
    out[column] = pd.Series(values, index=out.index, dtype=object)
    return out


def apply(mutation: Mutation, frame: pd.DataFrame, rng: np.random.Generator) -> Any:
    """Return a mutated copy of `frame` (never changing `frame` itself)."""
    kind, column = mutation.kind, mutation.column
    frame = frame.copy(deep=True)
    if kind == "arrow":
        return frame.convert_dtypes(dtype_backend="pyarrow")
    if kind == "shuffle":
        return frame.iloc[rng.permutation(len(frame))]
    if kind == "extra_column":
        return frame.assign(zz_note="x")
    if kind == "empty":
        return frame.iloc[:0]
    if kind == "multiindex":
        out = frame.copy()
        out.columns = pd.MultiIndex.from_arrays(
            [[str(c) for c in out.columns], ["x"] * out.shape[1]]
        )
        return out
    if kind == "repeat_key":
        rows = _rows(frame, rng)
        return pd.concat([frame, frame.iloc[rows]])
    assert column is not None
    series = frame[column]
    present = series.notna().to_numpy()
    if kind == "duplicate":
        return pd.concat([frame, frame[[column]]], axis=1)
    if kind == "drop":
        return frame.drop(columns=column)
    if kind == "null":
        value = [None, np.nan, pd.NA, pd.NaT][int(rng.integers(4))]
        return _set(frame, column, _rows(frame, rng), value)
    if kind == "category":
        return frame.assign(**{column: series.astype("category")})
    if kind == "object":
        return frame.assign(**{column: series.astype(object)})
    if kind == "text":
        return _set(frame, column, _rows(frame, rng, present), "abc")
    if kind == "complex":
        values = [
            None if pd.isna(v) else complex(_as_number(v), 1)
            for v in series.astype(object)
        ]
        return frame.assign(**{column: pd.Series(values, index=frame.index)})
    if kind == "boolean":
        return _set(frame, column, _rows(frame, rng, present), True)
    if kind == "decimal":
        values = [
            decimal.Decimal(repr(float(v)) if isinstance(v, float) else int(v))
            if pd.notna(v)
            else None
            for v in series.astype(object)
        ]
        return frame.assign(**{column: pd.Series(values, index=frame.index)})
    if kind == "negative":
        rows = _rows(frame, rng, present)
        return _set(frame, column, rows, -1 if series.dtype.kind in "iu" else -0.5)
    if kind == "huge":
        return _set(frame, column, _rows(frame, rng, present), 2**63 + 7)
    if kind == "fraction":
        return _set(frame, column, _rows(frame, rng, present), 100.5)
    if kind == "near_limit":
        out = frame.copy()
        rows = _rows(frame, rng, present)
        values = out[column].astype(object).to_numpy(copy=True)
        values[rows] = 2**62
        out[column] = pd.Series(values, index=out.index).astype(series.dtype)
        return out
    if kind == "tz":
        return frame.assign(**{column: _dates(series).dt.tz_localize("UTC")})
    if kind == "iso_text":
        days = _dates(series)
        timed = bool((days.dropna() != days.dropna().dt.normalize()).any())
        # the time of day is kept where there is one (tickets' timestamps)
        text = days.dt.strftime("%Y-%m-%dT%H:%M:%S.%f" if timed else "%Y-%m-%d")
        text = text.where(series.notna(), None)
        return frame.assign(**{column: text.astype(object)})
    if kind in ("far_future", "far_past"):
        day = np.datetime64("2500-01-01" if kind == "far_future" else "1000-01-01")
        out = frame.copy()
        values = _dates(series).to_numpy().astype("datetime64[s]")
        values[_rows(frame, rng, present)] = day.astype("datetime64[s]")
        out[column] = values
        return out
    if kind == "all_nan_float":
        return frame.assign(**{column: np.full(len(frame), np.nan)})
    if kind == "repeat":
        rows = _rows(frame, rng, present)
        if len(rows) == 0:
            return frame
        donor = series.iloc[int(rng.integers(len(frame)))]
        return _set(frame, column, rows, donor) if len(frame) > 1 else frame
    if kind == "before_first":
        entity = ENTITIES[mutation.table]
        rule = next(r for r in entity.ROW_RULES if r.columns[1] == column)  # type: ignore[attr-defined]
        first = _dates(frame[rule.columns[0]])
        out = frame.copy()
        rows = _rows(frame, rng, first.notna().to_numpy())
        values = _dates(out[column]).to_numpy(copy=True)
        values[rows] = (first.iloc[rows] - pd.Timedelta(days=3)).to_numpy()
        out[column] = pd.Series(values, index=out.index)
        return out
    msg = f"unknown mutation {kind!r}"
    raise ValueError(msg)


def _as_number(value: Any) -> float:
    if isinstance(value, pd.Timestamp):
        return float(value.value)
    if isinstance(value, pd.Period):
        return float(value.ordinal)
    return float(value)


def _dates(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.PeriodDtype):
        return series.dt.to_timestamp()
    return pd.to_datetime(series)


# --------------------------------------------------------------------------
# One fuzzed call and its outcome
# --------------------------------------------------------------------------

BAD = (
    "unexpected exception",
    "column not named",
    "valid input refused",
    "wrong numbers",
    "invalid input accepted",
    "overflow accepted",
    "input mutated",
)
"""The outcomes that are failures (the columns that must stay at 0)."""

EMPTY_REFUSED = "empty ledger refused (documented ValueError)"
GOOD = ("result ok", "InvalidTableError naming the column", EMPTY_REFUSED)


@attrs.frozen
class Outcome:
    """What one fuzzed call did: ``kind`` is one of `GOOD` or `BAD`."""

    kind: str
    detail: str = ""

    @property
    def bad(self) -> bool:
        return self.kind in BAD


def _frames(value: Any) -> list[pd.DataFrame]:
    if isinstance(value, pd.DataFrame):
        return [value]
    if isinstance(value, pd.Series):
        return [value.to_frame()]
    if isinstance(value, sm.Ledger):
        return [sm.ledger.bridge(value), sm.ledger.events(value)]
    if attrs.has(type(value)):
        return [
            frame
            for field in attrs.fields(type(value))
            for frame in _frames(getattr(value, field.name))
        ]
    if isinstance(value, list | tuple):
        return [frame for item in value for frame in _frames(item)]
    return []


def _money_problems(result: Any) -> list[str]:
    """Money columns not int64, and complex numbers anywhere, in `result`."""
    from . import test_api_rules as api

    found = []
    for frame in _frames(result):
        for label in frame.columns:
            column, dtype = str(label), str(frame[label].dtype)
            if dtype.startswith("complex"):
                found.append(f"{column} is {dtype}")
            exact = (
                api.MONEY.search(column)
                and not api.NOT_MONEY.search(column)
                and not api.ESTIMATE.search(column)
            )
            if exact and dtype not in ("int64", "Int64"):
                found.append(f"money column {column} is {dtype}")
    return found


_SIGNED = re.compile(r"net|change|delta|diff")


def negative_money(result: Any) -> list[str]:
    """Exact money columns (int64) of `result` holding a negative amount.

    Every amount the tables hold is non-negative, so a negative sum is a
    sum that wrapped around int64 (changes and net figures may be negative).
    """
    from . import test_api_rules as api

    found = []
    for frame in _frames(result):
        for label in frame.columns:
            column, dtype = str(label), str(frame[label].dtype)
            exact = (
                api.MONEY.search(column)
                and not api.NOT_MONEY.search(column)
                and not api.ESTIMATE.search(column)
                and not _SIGNED.search(column)
            )
            if exact and dtype in ("int64", "Int64"):
                if bool((frame[label] < 0).fillna(False).any()):
                    found.append(f"negative {column}")
    return found


def bridge_problems(led: sm.Ledger) -> list[str]:
    """Where the bridge breaks its identities, in exact Python integers."""
    table = sm.ledger.bridge(led).astype(object)
    found = []
    start, end = table["mrr_at_start"], table["mrr_at_end"]
    moved = (
        start
        + table["new_mrr"]
        + table["expansion_mrr"]
        - table["contraction_mrr"]
        - table["churned_mrr"]
        + table["reactivation_mrr"]
    )
    if not (moved == end).all():
        found.append("MRR bridge does not add up")
    counted = (
        table["customers_at_start"]
        + table["customers_new"]
        + table["customers_reactivated"]
        - table["customers_lost"]
    )
    if not (counted == table["customers_at_end"]).all():
        found.append("customer bridge does not add up")
    if (
        len(table) > 1
        and not (start.iloc[1:].to_numpy() == end.iloc[:-1].to_numpy()).all()
    ):
        found.append("a month does not start where the last one ended")
    money = [c for c in table.columns if str(c).endswith("_mrr") or "mrr_at" in str(c)]
    if (table[money] < 0).any().any():
        found.append("negative MRR in the bridge")
    return found


def monthly_oracle_problems(rows: pd.DataFrame, led: sm.Ledger) -> list[str]:
    """The bridge of monthly rows against the slow oracle (tests/oracle.py)."""
    from . import oracle

    clean = sm.frames.validate(rows, sm.MonthlyMrr)
    clean = pd.DataFrame(
        {
            "customer_id": clean["customer_id"].astype(object),
            "month": pd.PeriodIndex(pd.to_datetime(clean["month"]), freq="M"),
            "mrr": clean["mrr"].astype(object),
        }
    )
    if led.first_month is None:
        return [] if clean.empty else ["rows given, yet the ledger has no month"]
    months = list(pd.period_range(led.first_month, led.last_month, freq="M"))
    clean = clean[clean["month"] <= months[-1]]
    state = oracle.customer_months_from_rows(clean, months)
    try:
        expected, _ = oracle.bridge(state, months, led.conventions)
    except OverflowError:
        return ["the oracle's sums do not fit in int64, yet the ledger was built"]
    actual = sm.ledger.bridge(led)
    if not actual.reset_index(drop=True).equals(expected.reset_index(drop=True)):
        return ["the bridge differs from the oracle"]
    return []


def spans_oracle_problems(subs: pd.DataFrame, led: sm.Ledger) -> list[str]:
    """The bridge of a one-currency subscriptions table against the slow oracle."""
    from . import oracle

    clean = sm.frames.validate(subs, sm.Subscription)
    if led.first_month is None:  # every row set aside (counted), or none given
        aside = sum(a.count for a in led.set_aside if a.table == "subscriptions")
        return [] if aside == len(clean) else ["rows lost: the ledger has no month"]
    months = list(pd.period_range(led.first_month, led.last_month, freq="M"))
    spans = pd.DataFrame(
        {
            "customer_id": clean["customer_id"].astype(object),
            "start": pd.to_datetime(clean["start"]),
            "end": pd.to_datetime(clean["end"]),
            "mrr": clean["mrr"].astype(object),
        }
    )
    state = oracle.customer_months_from_spans(spans, months, led.conventions)
    try:
        expected, _ = oracle.bridge(state, months, led.conventions)
    except OverflowError:
        return ["the oracle's sums do not fit in int64, yet the ledger was built"]
    actual = sm.ledger.bridge(led)
    if not actual.reset_index(drop=True).equals(expected.reset_index(drop=True)):
        return ["the bridge differs from the oracle"]
    return []


def _same_table(a: Any, b: Any) -> bool:
    if not (isinstance(a, pd.DataFrame) and isinstance(b, pd.DataFrame)):
        return a is b or (a is None and b is None)
    return (
        a.shape == b.shape
        and a.columns.equals(b.columns)
        and a.index.equals(b.index)
        and [str(d) for d in a.dtypes] == [str(d) for d in b.dtypes]
        and a.equals(b)
        and a.attrs == b.attrs
    )


def _loose(result: Any) -> str:
    """The encoding without dtypes: the same numbers in another representation."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: strip(v) for k, v in node.items() if k not in ("dtype", "dtypes")
            }
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return json.dumps(strip(_encode(result)), sort_keys=True)


def run(
    name: str,
    mutation: Mutation,
    base: Mapping[str, Any],
    baseline: Mapping[str, str],
    rng: np.random.Generator,
) -> Outcome:
    """
    Call `name` with one table of the valid `base` mutated, and judge it.

    `baseline` holds the `_loose` encoding of every call's result on `base`.
    """
    g = dict(base)
    g[mutation.table] = apply(mutation, base[mutation.table], rng)
    given = {key: g[key] for key in READS[name]}
    copies = {
        key: (frame.copy(deep=True) if isinstance(frame, pd.DataFrame) else frame)
        for key, frame in given.items()
    }
    column = mutation.column
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if mutation.table in LEDGER_TABLES - {"monthly"}:
                g["ledger"] = sm.Ledger.from_subscriptions(
                    g["subscriptions"],
                    customers=g["customers"],
                    rates=g["rates"],
                    currency=g["currency"],
                )
            result = FUZZ_CALLS[name](g)
        except sm.InvalidTableError as error:
            result, refused = None, error
        except ValueError as error:
            if mutation.kind == "empty" and "the ledger is empty" in str(error):
                return Outcome(EMPTY_REFUSED)  # the documented refusal
            return Outcome(
                "unexpected exception", f"{type(error).__name__}: {str(error)[:160]}"
            )
        except Exception as error:
            return Outcome(
                "unexpected exception", f"{type(error).__name__}: {str(error)[:160]}"
            )
        else:
            refused = None
    others = [
        w for w in caught if not issubclass(w.category, sm.SubscriptionMetricsWarning)
    ]
    for key, frame in given.items():
        if not _same_table(frame, copies[key]):
            return Outcome("input mutated", key)
    if others:
        w = others[0]
        return Outcome(
            "unexpected exception", f"{w.category.__name__}: {str(w.message)[:160]}"
        )
    if refused is not None:
        if mutation.expect == SAME:
            return Outcome("valid input refused", str(refused)[:200])
        named = {
            part.strip() for p in refused.problems for part in str(p.column).split(",")
        }
        wanted = set() if column is None else {c.strip() for c in column.split(",")}
        # A valid change (MAY) may be refused for what it leads to elsewhere
        # (a classification that no longer matches the ledger); a broken rule
        # must be named.
        if mutation.expect == REFUSE and wanted and not wanted & named:
            return Outcome("column not named", str(refused)[:200])
        return Outcome("InvalidTableError naming the column")
    if mutation.expect == REFUSE:
        return Outcome("invalid input accepted", "")
    found = _money_problems(result)
    wrapped = negative_money(result)
    if wrapped and mutation.kind in ("near_limit", "huge"):
        return Outcome("overflow accepted", "; ".join(wrapped))
    found += wrapped
    ledger_built = isinstance(result, sm.Ledger) or mutation.table in LEDGER_TABLES
    led = result if isinstance(result, sm.Ledger) else g.get("ledger")
    if ledger_built and isinstance(led, sm.Ledger):
        broken = bridge_problems(led)
        if broken and mutation.kind in ("near_limit", "huge"):
            return Outcome("overflow accepted", "; ".join(broken))
        found += broken
        if name == "Ledger.from_monthly_mrr":
            checked = monthly_oracle_problems(g["monthly"], led)
            if checked and mutation.kind in ("near_limit", "huge"):
                return Outcome("overflow accepted", "; ".join(checked))
            found += checked
    if mutation.expect in (SAME, MAY_SAME) and not (
        name in ROW_ALIGNED and mutation.kind != "shuffle"
    ):
        if _loose(in_input_order(name, result)) != baseline[name]:
            found.append("the numbers differ from the unmutated table's")
    if found:
        return Outcome("wrong numbers", "; ".join(found))
    return Outcome("result ok")


def baseline(base: Mapping[str, Any]) -> dict[str, str]:
    """The `_loose` encoding of every fuzzed call on the valid `base`."""
    return {
        name: _loose(in_input_order(name, quietly(lambda call=call: call(dict(base)))))
        for name, call in FUZZ_CALLS.items()
    }


def draw(rng: np.random.Generator, base: Mapping[str, Any]) -> tuple[str, Mutation]:
    """A function and a mutation of one of its tables, drawn by `rng`."""
    names = sorted(READS)
    name = names[int(rng.integers(len(names)))]
    table = READS[name][int(rng.integers(len(READS[name])))]
    choices = mutations(table, base[table])
    return name, choices[int(rng.integers(len(choices)))]
