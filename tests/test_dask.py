"""The Dask path gives the single-machine figures exactly (partial, combine, finish).

Every figure from ``sm.dask.figures`` on a real ``distributed.LocalCluster``
of processes is compared with the single-ledger function on the same rows,
with ``check_exact=True``: money to the unit, rates to the bit. Customers'
rows are spread over several input partitions before the shuffle.
``sm.ledger.combine`` is checked without Dask on random splits of customers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import subscription_metrics as sm
from subscription_metrics import SubscriptionMetricsWarning

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes; the task-based shuffle, quicker to start on small data.

    (The benchmark runs Dask's default peer-to-peer shuffle and checks the
    figures equal too.)
    """
    import dask

    with dask.config.set({"dataframe.shuffle.method": "tasks"}):
        with warnings.catch_warnings():  # the cluster's start-up notices only
            warnings.simplefilter("ignore")
            cluster = distributed.LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
            )
            c = distributed.Client(cluster)
        yield c
        c.close()
        cluster.close()


def _random_company(seed: int, n: int = 200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers with 1-3 subscriptions each; some without a segment."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:04d}" for i in range(n)], dtype=object)
    segment = rng.choice(np.array(["smb", "mid", "ent", None], dtype=object), n)
    region = rng.choice(np.array(["eu", "us"], dtype=object), n)
    customers = pd.DataFrame({"customer_id": ids, "segment": segment, "region": region})
    per = rng.integers(1, 4, n)
    owner = np.repeat(ids, per)
    m = len(owner)
    start = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 900, m), "D")
    length = pd.to_timedelta(rng.integers(10, 700, m), "D")
    end = pd.Series(start + length).where(rng.random(m) < 0.6)
    subscriptions = pd.DataFrame(
        {
            "subscription_id": [f"s{i:05d}" for i in range(m)],
            "customer_id": owner,
            "start": pd.Series(start),
            "end": end,
            "mrr": rng.choice([0, 900, 5_000, 12_345, 80_000], m),
            "currency": "USD",
        }
    )
    return subscriptions, customers


def _spread(frame: pd.DataFrame, npartitions: int, seed: int) -> Any:
    """A dask frame whose customers' rows are spread over its partitions."""
    shuffled = frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return dd.from_pandas(shuffled, npartitions=npartitions, sort=False)


def _quiet(call: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubscriptionMetricsWarning)
        return call(*args, **kwargs)


def _reference(
    led: sm.Ledger, by: list[str], period: str, cohort: str
) -> dict[str, Any]:
    """Every figure from the single-machine functions."""
    lt = sm.survival.lifetimes(led, by=by or None)
    groups = lt[by] if by else None
    moved = sm.ledger.movements(led).groupby(["month", "movement"], observed=True)
    return {
        "bridge": sm.ledger.bridge(led, by=by or None),
        "movement_totals": pd.DataFrame(
            {
                "mrr_change": moved["mrr_change"].sum(),
                "movements": moved.size(),
            }
        ),
        "rates": sm.churn.rates(led, by=by or None, period=period),  # type: ignore[arg-type]
        "cohort_retention": sm.cohorts.retention(led, by=by or None, cohort=cohort),  # type: ignore[arg-type]
        "triangle": sm.cohorts.triangle(led, value="mrr", by=by or None, cohort=cohort),  # type: ignore[arg-type]
        "survival": sm.survival.kaplan_meier(lt["age"], lt["observed"], groups=groups),
        "sbg": _quiet(
            sm.survival.sbg_fit_lifetimes, lt["age"], lt["observed"], groups=groups
        ),
    }


def _assert_same(found: sm.Figures, expected: dict[str, Any]) -> None:
    for name in ("bridge", "movement_totals", "rates", "cohort_retention", "survival"):
        assert_frame_equal(getattr(found, name), expected[name], check_exact=True)
    assert_frame_equal(found.triangle("mrr"), expected["triangle"], check_exact=True)
    if isinstance(expected["sbg"], pd.DataFrame):
        assert_frame_equal(found.sbg, expected["sbg"], check_exact=True)
    else:
        np.testing.assert_equal(attrs.asdict(found.sbg), attrs.asdict(expected["sbg"]))


CASES = [
    # seed, by, period, cohort, conventions
    (1, ["segment"], "month", "month", sm.Conventions()),
    (2, ["segment", "region"], "quarter", "quarter", sm.Conventions()),
    (3, ["region"], "year", "month", sm.Conventions(nrr_method="customers")),
]


@pytest.mark.parametrize(("seed", "by", "period", "cohort", "conventions"), CASES)
def test_random_company_equals_one_ledger(
    client: Any,
    seed: int,
    by: list[str],
    period: str,
    cohort: str,
    conventions: sm.Conventions,
) -> None:
    subs, customers = _random_company(seed)
    led = sm.Ledger.from_subscriptions(
        subs, customers=customers, conventions=conventions
    )
    expected = _reference(led, by, period, cohort)
    rows = _spread(subs, 5, seed)
    # At least one customer's rows sit in two input partitions.
    parts = rows.map_partitions(lambda p: p[["customer_id"]]).to_delayed()
    seen = [set(p.compute()["customer_id"]) for p in parts]
    assert any(a & b for i, a in enumerate(seen) for b in seen[i + 1 :])
    for npartitions in (1, 3, 7):
        found = _quiet(
            sm.dask.figures,
            rows,
            customers=_spread(customers, 2, seed),
            conventions=conventions,
            # The horizon is shared; without it, one more pass finds it.
            through=led.last_month if npartitions > 1 else None,
            by=by or None,
            period=period,  # type: ignore[arg-type]
            cohort=cohort,  # type: ignore[arg-type]
            npartitions=npartitions,
        )
        _assert_same(found, expected)


def test_sample_from_parquet_equals_one_ledger(client: Any, tmp_path: Path) -> None:
    sample = sm.datasets.load_sample()
    led = sm.Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)
    by = ["segment"]
    expected = _reference(led, by, "quarter", "month")
    subs_path = tmp_path / "subscriptions"
    customers_path = tmp_path / "customers"
    _spread(sample.subscriptions, 4, 0).to_parquet(subs_path, write_index=False)
    _spread(sample.customers, 3, 0).to_parquet(customers_path, write_index=False)
    for npartitions in (1, 3, 7):
        found = _quiet(
            sm.dask.figures,
            str(subs_path),
            customers=str(customers_path),
            by=by,
            period="quarter",
            through=led.last_month,
            npartitions=npartitions,
        )
        _assert_same(found, expected)


def test_monthly_rows_equal_one_ledger(client: Any) -> None:
    subs, customers = _random_company(5)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    # One row per customer and paying month, from the ledger's events.
    rows = sm.ledger.events(led)
    months = pd.period_range(led.first_month, led.last_month, freq="M")
    frame = pd.DataFrame(
        {
            "customer_id": np.repeat(rows["customer_id"].unique(), len(months)),
            "month": np.tile(months, rows["customer_id"].nunique()),
        }
    )
    events = rows[["customer_id", "month", "mrr"]]
    frame = frame.merge(events, on=["customer_id", "month"], how="left")
    frame["mrr"] = frame.groupby("customer_id")["mrr"].ffill()
    frame = frame[frame["mrr"].fillna(0) > 0].astype({"mrr": np.int64})
    frame["currency"] = "USD"
    monthly = sm.Ledger.from_monthly_mrr(frame, customers=customers)
    expected = _reference(monthly, ["segment"], "month", "month")
    found = _quiet(
        sm.dask.figures,
        _spread(frame, 4, 5),
        customers=_spread(customers, 2, 5),
        source="monthly_mrr",
        by="segment",
        npartitions=3,
    )
    _assert_same(found, expected)


@pytest.mark.slow
@given(
    seed=st.integers(0, 2**31),
    blocks=st.integers(1, 6),
    by=st.sampled_from([[], ["segment"]]),
)
def test_combine_of_any_split_equals_one_ledger(
    seed: int, blocks: int, by: list[str]
) -> None:
    subs, customers = _random_company(seed, 60)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    expected = _reference(led, by, "quarter", "month")
    rng = np.random.default_rng(seed)
    block = dict(
        zip(
            customers["customer_id"],
            rng.integers(0, blocks, len(customers)),
            strict=True,
        )
    )
    of = subs["customer_id"].map(block)
    parts = [
        sm.ledger.partial(
            sm.Ledger.from_subscriptions(
                subs[of == b], customers=customers, through=led.last_month
            ),
            by=by,
            period="quarter",
        )
        for b in range(blocks)
        if (of == b).any()
    ]
    found = _quiet(sm.ledger.finish, sm.ledger.combine(reversed(parts)))
    _assert_same(found, expected)


def test_combine_refuses_different_horizons() -> None:
    subs, _ = _random_company(0)
    one = sm.ledger.partial(sm.Ledger.from_subscriptions(subs, through="2024-06"))
    two = sm.ledger.partial(sm.Ledger.from_subscriptions(subs, through="2024-07"))
    with pytest.raises(ValueError, match="'last_month'"):
        sm.ledger.combine([one, two])
    with pytest.raises(ValueError, match="at least one"):
        sm.ledger.combine([])
