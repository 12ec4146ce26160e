"""One rule for every public signature, one representation for every kind of value.

The rule (stated for users in docs/reference/index.md):

- the first parameter is what the function reads, and may be positional: the
  `Ledger` (named ``ledger``) when it reads one, otherwise its main table or
  its first data argument;
- every other table is keyword-only (``staff=``, ``deals=``, ``costs=``, ...);
- everything else with a default is keyword-only;
- an interval's probability is ``level`` (0.95 by default), never ``alpha``;
- ``by=`` names columns; a Series or array is refused with a message that
  says so.

And in the frames returned on the bundled sample: money columns are int64
minor units (nullable ``Int64`` where a value can be unknown), with the
currency beside them; averages and model expectations are float and their
names say so (``average_*``, ``*_per_*``, ``*arpa*``, ``*ltv*``,
``lifetime_value*``, ``customer_acquisition_cost``); rates are float
fractions; counts are int64.
"""

from __future__ import annotations

import inspect
import re
import tempfile
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import subscription_metrics as sm

from .test_public_api import MODULES

# Two tables of the same kind, compared in time order: both are the data.
PAIRS = frozenset({"tiers.movements"})
# Optional data of the plain formulas (an amount, not an option): it follows
# the other amounts it is added to, as in ``net_new_mrr(new, exp, con, churn, react)``.
OPTIONAL_DATA = frozenset({"reactivation_mrr"})
TABLE = re.compile(r"^(pd\.)?DataFrame( \| None)?$")
LEDGER = re.compile(r"\bLedger\b")
LEVEL_LIKE = frozenset(
    {"alpha_level", "ci", "confidence", "confidence_level", "coverage", "significance"}
)


def _callables() -> Iterator[tuple[str, Callable[..., Any]]]:
    """Every public function, and every public method of the public types."""
    for name in sm.__all__:
        value = getattr(sm, name)
        if isinstance(value, type) and value.__module__.startswith(sm.__name__):
            for attr, member in vars(value).items():
                if attr.startswith("_"):
                    continue
                function = getattr(member, "__func__", member)
                if inspect.isfunction(function):
                    yield f"{name}.{attr}", function
    for module_name in MODULES:
        module = getattr(sm, module_name)
        for name in module.__all__:
            value = getattr(module, name)
            if inspect.isfunction(value):
                yield f"{module_name}.{name}", value


CALLABLES = dict(_callables())


def _parameters(function: Callable[..., Any]) -> list[inspect.Parameter]:
    params = list(inspect.signature(function).parameters.values())
    if params and params[0].name in ("self", "cls"):
        params = params[1:]
    return params


def _positional(param: inspect.Parameter) -> bool:
    return param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD)


def test_the_walk_finds_the_public_api():
    """The walk sees the functions this file is about (no empty walk)."""
    for name in ("ledger.bridge", "cac.acquisition_costs", "Ledger.from_subscriptions"):
        assert name in CALLABLES
    assert len(CALLABLES) > 100


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_the_ledger_comes_first(name):
    """A function that reads a ledger takes it first, as ``ledger``."""
    params = _parameters(CALLABLES[name])
    readers = [p for p in params if LEDGER.search(str(p.annotation))]
    if not readers:
        return
    assert readers == [params[0]], (
        f"{name}: the Ledger must be the only first parameter"
    )
    assert params[0].name == "ledger", name
    assert _positional(params[0]), name


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_other_tables_and_options_are_keyword_only(name):
    """After the first parameter, tables and defaulted options are keyword-only."""
    params = _parameters(CALLABLES[name])
    for param in params[1:]:
        if not _positional(param) or param.name in OPTIONAL_DATA:
            continue
        assert param.default is inspect.Parameter.empty, (
            f"{name}: option {param.name!r} must be keyword-only"
        )
        if name not in PAIRS:
            assert not TABLE.match(str(param.annotation)), (
                f"{name}: table {param.name!r} must be keyword-only"
            )


@pytest.mark.parametrize("name", sorted(CALLABLES))
def test_one_name_for_the_interval_level(name):
    """An interval is ``level=0.95``; ``alpha`` only names a model parameter."""
    params = {p.name: p for p in _parameters(CALLABLES[name])}
    assert not LEVEL_LIKE & params.keys(), name
    if "alpha" in params:  # the sBG model's alpha: data, never a defaulted option
        assert params["alpha"].default is inspect.Parameter.empty, name
    if "level" in params:
        assert params["level"].default == 0.95, name


# --------------------------------------------------------------------------
# The sample, and one call of every public function that returns a table
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def led(sample) -> sm.Ledger:
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers
    )


@pytest.fixture(scope="module")
def scores(sample) -> pd.DataFrame:
    signals = sm.health.signals(sample.usage, tickets=sample.tickets, as_of="2025-06")
    return sm.health.score(signals)


@pytest.fixture(scope="module")
def accounts(sample, led, scores) -> pd.DataFrame:
    return sm.tiers.account_features(
        led, as_of="2025-06", usage=sample.usage, health=scores["score"]
    )


S = "sample"
L = "led"


def _on_the_bound(fit: Any, *args: Any, **kwargs: Any) -> Any:
    """Fit four lifetimes, which put the sBG on its parameter bound (it warns)."""
    with pytest.warns(sm.BoundaryFitWarning):
        return fit(*args, **kwargs)


def _read_inputs(sample: Any) -> dict[str, pd.DataFrame]:
    """The sample's revenue table and customers, read back from an inputs folder."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        sample.subscriptions.to_parquet(Path(folder) / "subscriptions.parquet")
        sample.customers.to_csv(Path(folder) / "customers.csv", index=False)
        return sm.pipeline.read_inputs(folder)


def _plan_targets(f: dict[str, Any]) -> pd.DataFrame:
    """Targets for the last quarter of the sample, from the nine months before."""
    sample = f[S]
    history = sm.goals.goal_history(
        f[L],
        deals=sample.deals,
        meetings=sample.meetings,
        activities=sample.activities,
        onboarding=sample.onboarding,
        staff=sample.staff,
        as_of="2025-09",
    )
    plan = sm.goals.Plan(
        goal=30_000_000, currency="JPY", start="2025-10", measure="net_new_mrr"
    )
    return sm.goals.plan_targets(sample.staff, plan=plan, history=history)


def _dask_rows(sample: Any) -> Any:
    """The sample's subscriptions as a Dask frame (the ``dask`` extra)."""
    return _dask_table(sample.subscriptions)


def _dask_customers(sample: Any) -> Any:
    """The sample's customers as a Dask frame."""
    return _dask_table(sample.customers)


def _dask_table(frame: pd.DataFrame) -> Any:
    """A table as a Dask frame of two partitions."""
    import dask.dataframe as dd

    return dd.from_pandas(frame, npartitions=2)


CALLS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "cac.acquisition_costs": lambda f: sm.cac.acquisition_costs(
        f[L], costs=f[S].costs, period="quarter"
    ),
    "churn.rates": lambda f: sm.churn.rates(f[L]),
    "cohorts.retention": lambda f: sm.cohorts.retention(f[L]),
    "cohorts.triangle": lambda f: sm.cohorts.triangle(f[L], value="mrr"),
    "encoding.decode_frame": lambda f: sm.encoding.decode_frame(
        sm.encoding.encode(sm.ledger.bridge(f[L]))
    ),
    "encoding.read_parquet": lambda f: sm.encoding.read_parquet(
        sm.encoding.to_parquet(
            sm.ledger.bridge(f[L]), Path(tempfile.mkdtemp()) / "bridge.parquet"
        )
    ),
    "frames.to_frame": lambda f: sm.frames.to_frame(
        sm.frames.from_frame(f[S].subscriptions.head(5), sm.Subscription)
    ),
    "frames.validate": lambda f: sm.frames.validate(
        f[S].subscriptions, sm.Subscription
    ),
    "goals.credited_attainment": lambda f: sm.goals.credited_attainment(
        f[L], deals=f[S].deals, policy=sm.goals.CreditPolicy(basis="ltv")
    ),
    "goals.deal_priorities": lambda f: sm.goals.deal_priorities(
        pd.DataFrame(
            {
                "opportunity_id": ["o1", "o2"],
                "expected_mrr": [100_000, 150_000],
                "currency": f[S].currency,
                "segment": ["enterprise", "smb"],
            }
        ),
        churn=sm.goals.pooled_churn(f[L], by="segment"),
    ),
    "goals.pacing": lambda f: sm.goals.pacing(
        f[L],
        targets=_plan_targets(f),
        deals=f[S].deals,
        meetings=f[S].meetings,
        activities=f[S].activities,
        onboarding=f[S].onboarding,
    ),
    "goals.plan_targets": _plan_targets,
    "goals.pooled_churn": lambda f: sm.goals.pooled_churn(f[L], by="segment"),
    "goals.sold_retention": lambda f: sm.goals.sold_retention(
        f[L], staff=f[S].staff, deals=f[S].deals
    ),
    "goals.targets": lambda f: sm.goals.targets(
        f[S].staff,
        plan=sm.goals.Plan(goal=30_000_000, currency="JPY", start="2026-01"),
    ),
    "health.evaluate": lambda f: sm.health.evaluate(
        f[L], scores=f["scores"], as_of="2025-06"
    ),
    "health.score": lambda f: f["scores"],
    "health.signals": lambda f: sm.health.signals(
        f[S].usage, tickets=f[S].tickets, as_of="2025-06"
    ),
    "ledger.bridge": lambda f: sm.ledger.bridge(f[L]),
    "ledger.events": lambda f: sm.ledger.events(f[L]),
    "ledger.movements": lambda f: sm.ledger.movements(f[L]),
    "ltv.estimates": lambda f: sm.ltv.estimates(f[L]),
    "operations.activity_kpis": lambda f: sm.operations.activity_kpis(
        f[S].activities, staff=f[S].staff, by="team"
    ),
    "operations.onboarding_kpis": lambda f: sm.operations.onboarding_kpis(
        f[S].onboarding, as_of="2025-12-31", by="owner"
    ),
    "pipeline.read_inputs": lambda f: _read_inputs(f[S])["subscriptions"],
    "operations.ticket_kpis": lambda f: sm.operations.ticket_kpis(
        f[S].tickets, as_of="2025-12-31", by="owner"
    ),
    "roi.pilot": lambda f: sm.roi.pilot(
        f[L], staff=f[S].staff, deals=f[S].deals, start="2025-01", months=6
    ),
    "roi.staff_returns": lambda f: sm.roi.staff_returns(
        f[L], staff=f[S].staff, deals=f[S].deals, by="team"
    ),
    "dask.acquisition_quality": lambda f: sm.dask.acquisition_quality(
        _dask_rows(f[S]), customers=_dask_customers(f[S]), by="acquisition_channel"
    ),
    "dask.classify": lambda f: sm.dask.classify(
        _dask_rows(f[S]),
        customers=_dask_customers(f[S]),
        usage=_dask_table(f[S].usage),
        as_of="2025-06",
    ).compute(),
    "dask.early_ltv": lambda f: sm.dask.early_ltv(
        _dask_rows(f[S]), customers=_dask_customers(f[S]), by="segment", seed=0
    ),
    "dask.ltv_estimates": lambda f: sm.dask.ltv_estimates(
        _dask_rows(f[S]), customers=_dask_customers(f[S]), by="segment"
    ),
    "dask.scorecard": lambda f: sm.dask.scorecard(
        _dask_rows(f[S]),
        customers=_dask_customers(f[S]),
        deals=_dask_table(f[S].deals),
        staff=f[S].staff,
    ),
    "dask.owned_book": lambda f: sm.dask.owned_book(
        _dask_rows(f[S]),
        assignments=_dask_table(f[S].assignments),
        staff=f[S].staff,
        since="2025-01",
    ),
    "dask.tier_summary": lambda f: sm.dask.tier_summary(
        _dask_rows(f[S]),
        classified=_dask_table(sm.tiers.classify(f["accounts"]).reset_index()),
        as_of="2025-06",
        months=6,
    ),
    "scorecards.acquisition_quality": lambda f: sm.scorecards.acquisition_quality(
        f[L], by="acquisition_channel"
    ),
    "scorecards.attribution": lambda f: sm.scorecards.attribution(
        f[L], deals=f[S].deals, assignments=f[S].assignments
    ),
    "scorecards.compare": lambda f: sm.scorecards.compare(
        f[L], "st-015", "st-017", deals=f[S].deals
    ),
    "scorecards.compare_to_team": lambda f: sm.scorecards.compare_to_team(
        f[L], staff=f[S].staff, deals=f[S].deals
    ),
    "scorecards.owned_book": lambda f: sm.scorecards.owned_book(
        f[L], assignments=f[S].assignments, staff=f[S].staff
    ),
    "scorecards.scorecard": lambda f: sm.scorecards.scorecard(
        f[L], staff=f[S].staff, deals=f[S].deals
    ),
    "survival.backtest": lambda f: sm.survival.backtest(f[L], by="field_sales_rep"),
    "survival.early_ltv": lambda f: sm.survival.early_ltv(
        f[L], by="field_sales_rep", seed=0
    ),
    "survival.kaplan_meier": lambda f: sm.survival.kaplan_meier(
        [1, 2, 3], [True, False, True]
    ),
    "survival.lifetimes": lambda f: sm.survival.lifetimes(f[L], by="field_sales_rep"),
    "survival.median_lifetime": lambda f: sm.survival.median_lifetime(
        sm.survival.kaplan_meier([1, 2, 3], [True, False, True])
    ),
    "survival.sbg_del_interval": lambda f: sm.survival.sbg_del_interval(
        sm.survival.sbg_fit([1000, 631, 468, 382, 326]), 0.1, seed=0
    ),
    "survival.sbg_fit_lifetimes": lambda f: _on_the_bound(
        sm.survival.sbg_fit_lifetimes,
        [1, 2, 3, 4],
        [True, False, True, False],
        groups=["a", "a", "b", "b"],
    ),
    "survival.sbg_survival_interval": lambda f: sm.survival.sbg_survival_interval(
        sm.survival.sbg_fit([1000, 631, 468, 382, 326]), [1, 2], seed=0
    ),
    "survival.survival_at": lambda f: sm.survival.survival_at(
        sm.survival.kaplan_meier([1, 2, 3], [True, False, True]), [1, 2]
    ),
    "tiers.account_features": lambda f: f["accounts"],
    "tiers.classify": lambda f: sm.tiers.classify(f["accounts"]),
    "tiers.describe": lambda f: sm.tiers.describe(),
    "tiers.movements": lambda f: sm.tiers.movements(
        sm.tiers.classify(f["accounts"]), sm.tiers.classify(f["accounts"])
    ),
    "tiers.summary": lambda f: sm.tiers.summary(
        f[L], classified=sm.tiers.classify(f["accounts"]), as_of="2025-06", months=6
    ),
}


# by= calls: each is given a Series where names belong.


BY_CALLS: dict[str, Callable[[dict[str, Any], Any], Any]] = {
    "cac.acquisition_costs": lambda f, by: sm.cac.acquisition_costs(
        f[L], costs=f[S].costs, by=by
    ),
    "churn.rates": lambda f, by: sm.churn.rates(f[L], by=by),
    "cohorts.retention": lambda f, by: sm.cohorts.retention(f[L], by=by),
    "cohorts.triangle": lambda f, by: sm.cohorts.triangle(f[L], by=by),
    "goals.credited_attainment": lambda f, by: sm.goals.credited_attainment(
        f[L], deals=f[S].deals, staff=f[S].staff, by=by
    ),
    "goals.pooled_churn": lambda f, by: sm.goals.pooled_churn(f[L], by=by),
    "goals.sold_retention": lambda f, by: sm.goals.sold_retention(
        f[L], staff=f[S].staff, by=by
    ),
    "goals.targets": lambda f, by: sm.goals.targets(
        f[S].staff,
        plan=sm.goals.Plan(goal=30_000_000, currency="JPY", start="2026-01"),
        by=by,
    ),
    "dask.acquisition_quality": lambda f, by: sm.dask.acquisition_quality(
        _dask_rows(f[S]), by=by
    ),
    "dask.early_ltv": lambda f, by: sm.dask.early_ltv(_dask_rows(f[S]), by=by, seed=0),
    "dask.figures": lambda f, by: sm.dask.figures(_dask_rows(f[S]), by=by),
    "dask.ltv_estimates": lambda f, by: sm.dask.ltv_estimates(_dask_rows(f[S]), by=by),
    "dask.scorecard": lambda f, by: sm.dask.scorecard(
        _dask_rows(f[S]), staff=f[S].staff, by=by
    ),
    "dask.partials": lambda f, by: sm.dask.partials(_dask_rows(f[S]), by=by),
    "dask.owned_book": lambda f, by: sm.dask.owned_book(
        _dask_rows(f[S]),
        assignments=_dask_table(f[S].assignments),
        staff=f[S].staff,
        since="2025-01",
        by=by,
    ),
    "ledger.bridge": lambda f, by: sm.ledger.bridge(f[L], by=by),
    "ledger.partial": lambda f, by: sm.ledger.partial(f[L], by=by),
    "ltv.estimates": lambda f, by: sm.ltv.estimates(f[L], by=by),
    "operations.activity_kpis": lambda f, by: sm.operations.activity_kpis(
        f[S].activities, staff=f[S].staff, by=by
    ),
    "operations.onboarding_kpis": lambda f, by: sm.operations.onboarding_kpis(
        f[S].onboarding, as_of="2025-12-31", by=by
    ),
    "operations.ticket_kpis": lambda f, by: sm.operations.ticket_kpis(
        f[S].tickets, as_of="2025-12-31", by=by
    ),
    "roi.staff_returns": lambda f, by: sm.roi.staff_returns(
        f[L], staff=f[S].staff, deals=f[S].deals, by=by
    ),
    "scorecards.acquisition_quality": lambda f, by: sm.scorecards.acquisition_quality(
        f[L], by=by
    ),
    "scorecards.owned_book": lambda f, by: sm.scorecards.owned_book(
        f[L], assignments=f[S].assignments, staff=f[S].staff, by=by
    ),
    "scorecards.scorecard": lambda f, by: sm.scorecards.scorecard(
        f[L], staff=f[S].staff, deals=f[S].deals, by=by
    ),
    "survival.backtest": lambda f, by: sm.survival.backtest(f[L], by=by),
    "survival.early_ltv": lambda f, by: sm.survival.early_ltv(f[L], by=by, seed=0),
    "survival.lifetimes": lambda f, by: sm.survival.lifetimes(f[L], by=by),
}


@pytest.fixture(scope="module")
def fixtures(sample, led, scores, accounts) -> dict[str, Any]:
    return {S: sample, L: led, "scores": scores, "accounts": accounts}


def _returns_a_table(function: Callable[..., Any]) -> bool:
    annotation = str(inspect.signature(function).return_annotation)
    return "DataFrame" in annotation or "HealthEvaluation" in annotation


def test_every_table_function_is_called_here():
    """The dtype checks below see every public function that returns a table."""
    tables = {
        name
        for name, function in CALLABLES.items()
        if "." in name and name.split(".")[0] in MODULES and _returns_a_table(function)
    }
    assert tables == set(CALLS)


def test_every_by_is_exercised():
    """Every public function with a ``by`` parameter is in `BY_CALLS`."""
    with_by = {
        name
        for name, function in CALLABLES.items()
        if "by" in inspect.signature(function).parameters
    }
    assert with_by == set(BY_CALLS)


@pytest.mark.parametrize("name", sorted(BY_CALLS))
@pytest.mark.parametrize(
    "values",
    [pd.Series(["a", "b"], name="plan"), np.array(["a", "b"]), pd.Index(["a"])],
    ids=["series", "array", "index"],
)
def test_by_refuses_values_with_a_clear_message(name, values, fixtures):
    """``by=`` names columns; a Series says so instead of leaking pandas' error."""
    with pytest.raises(TypeError, match=r"'by' names .* not values; got a"):
        BY_CALLS[name](fixtures, values)


MONEY = re.compile(
    r"(^|_)(mrr|arr|cost|spend|revenue|bookings|ltv|lifetime_value|arpa|price)(_|$)"
)
NOT_MONEY = re.compile(r"^rank_|(_rate|_retention|_share|_months|_multiple|_ratio)$")
ESTIMATE = re.compile(r"ltv|lifetime_value|^average_|_per_|arpa|acquisition_cost$")
RATE = re.compile(r"(_rate|_retention|_share)$")
COUNT = re.compile(
    r"^(customers|accounts|subscriptions)(_|$)|^(deals|staff|churned|events|at_risk"
    r"|censored|entered|opened|answered|resolved|unresolved|started|completed"
    r"|in_progress|due|months_observed|signals_present|risks)$"
)
INTEGER = frozenset({"int64", "Int64"})


@pytest.fixture(scope="module")
def results(fixtures) -> dict[str, Any]:
    return {name: call(fixtures) for name, call in CALLS.items()}


def _frames(result: Any) -> list[pd.DataFrame]:
    if isinstance(result, pd.DataFrame):
        return [result]
    return []


@pytest.mark.parametrize("name", sorted(CALLS))
def test_money_is_int64_minor_units_with_its_currency(name, results, sample):
    """Sums of money are exact integers, and the frame says which currency."""
    for frame in _frames(results[name]):
        money = [
            str(c)
            for c in frame.columns
            if MONEY.search(str(c)) and not NOT_MONEY.search(str(c))
        ]
        exact = [c for c in money if not ESTIMATE.search(c)]
        wrong = {
            c: str(frame[c].dtype) for c in exact if str(frame[c].dtype) not in INTEGER
        }
        assert not wrong, f"{name}: money columns not int64: {wrong}"
        if money or name == "scorecards.compare":
            assert "currency" in frame.columns or (
                frame.attrs.get("currency") == sample.currency
            ), f"{name}: money without a currency"


@pytest.mark.parametrize("name", sorted(CALLS))
def test_rates_are_float_and_counts_are_int64(name, results):
    """Rates are float fractions; counts are int64 (nullable Int64 where unknown)."""
    for frame in _frames(results[name]):
        for label in frame.columns:
            column, dtype = str(label), str(frame[label].dtype)
            if RATE.search(column):
                assert dtype == "float64", (name, column, dtype)
            elif COUNT.search(column):
                assert dtype in INTEGER, (name, column, dtype)


def test_the_module_list_is_complete():
    """`MODULES` names every public module, so the walk misses none."""
    modules = {n for n in sm.__all__ if isinstance(getattr(sm, n), types.ModuleType)}
    assert modules == set(MODULES)
