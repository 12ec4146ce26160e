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
import warnings
from collections.abc import Callable, Mapping
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
    "onboarding",
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
    currency = str(tables["subscriptions"]["currency"].iloc[0])
    f["currency"] = currency
    f["monthly"] = shuffle(monthly_rows(tables["usage"], currency))
    f["ledger"] = sm.Ledger.from_subscriptions(
        f["subscriptions"], customers=f["customers"]
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


CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "Ledger.from_monthly_mrr": lambda f: sm.Ledger.from_monthly_mrr(
        f["monthly"], customers=f["customers"]
    ),
    "Ledger.from_subscriptions": lambda f: f["ledger"],
    "cac.acquisition_costs": lambda f: sm.cac.acquisition_costs(
        f["ledger"], costs=f["costs"], period="quarter", by="acquisition_channel"
    ),
    "churn.rates": lambda f: sm.churn.rates(f["ledger"], by="segment"),
    "cohorts.retention": lambda f: sm.cohorts.retention(f["ledger"]),
    "cohorts.triangle": lambda f: sm.cohorts.triangle(f["ledger"], value="mrr"),
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
    "ledger.bridge": lambda f: sm.ledger.bridge(f["ledger"], by="segment"),
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
    "scorecards.owned_book": lambda f: sm.scorecards.owned_book(
        f["ledger"], assignments=f["assignments"], staff=f["staff"]
    ),
    "scorecards.scorecard": lambda f: sm.scorecards.scorecard(
        f["ledger"], staff=f["staff"], deals=f["deals"]
    ),
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
    "tiers.movements": lambda f: sm.tiers.movements(
        f["classified"], sm.tiers.classify(f["accounts"])
    ),
    "tiers.summary": lambda f: sm.tiers.summary(
        f["ledger"], classified=f["classified"], as_of=AS_OF, months=6
    ),
}
"""One call of every public function that takes a table, on `inputs`."""

ROW_ALIGNED = frozenset(
    {
        "Ledger.from_monthly_mrr",  # its customers table, as given
        "Ledger.from_subscriptions",
        "frames.from_frame",
        "frames.validate",
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
