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


def test_a_subscription_id_of_two_customers_is_refused_across_partitions(
    client: Any,
) -> None:
    """The key rule that reaches across customers is checked over the dataset."""
    sample = sm.datasets.load_sample()
    subs = sample.subscriptions.copy()
    first, other = (
        subs.index[0],
        subs.index[subs["customer_id"] != subs.loc[0, "customer_id"]][0],
    )
    subs.loc[other, "subscription_id"] = subs.loc[first, "subscription_id"]
    with pytest.raises(sm.InvalidTableError) as single:
        sm.Ledger.from_subscriptions(subs)
    (expected,) = single.value.problems
    for npartitions in (1, 4):
        with pytest.raises(sm.InvalidTableError) as found:
            sm.dask.figures(
                _spread(subs, 3, 0),
                through="2025-12",
                npartitions=npartitions,
            )
        (problem,) = found.value.problems
        assert (problem.table, problem.column, problem.rule, problem.count) == (
            expected.table,
            expected.column,
            expected.rule,
            expected.count,
        )
        assert problem.examples == expected.examples


def test_a_deal_id_of_two_customers_is_refused_across_partitions(client: Any) -> None:
    sample = sm.datasets.load_sample()
    deals = sample.deals.copy()
    other = deals.index[deals["customer_id"] != deals.loc[0, "customer_id"]][0]
    deals.loc[other, "deal_id"] = deals.loc[0, "deal_id"]
    with pytest.raises(sm.InvalidTableError, match=r"deals\.deal_id: unique: 2 rows"):
        sm.dask.scorecard(
            _spread(sample.subscriptions, 3, 0),
            customers=_spread(sample.customers, 2, 0),
            deals=_spread(deals, 3, 0),
            staff=sample.staff,
            through="2025-12",
            npartitions=4,
        )


@pytest.mark.parametrize(
    ("by", "role"), [("staff", "customer_success"), ("team", "customer_sales")]
)
def test_owned_book_equals_one_ledger(client: Any, by: str, role: str) -> None:
    """Books per post-sale owner: sums per account, added up owner by owner."""
    sample = sm.datasets.load_sample()
    led = sm.Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)
    expected = sm.scorecards.owned_book(
        led,
        assignments=sample.assignments,
        staff=sample.staff,
        role=role,
        by=by,  # type: ignore[arg-type]
        since="2024-07",
        through="2025-09",
    )
    assert len(expected) > 2
    assert expected["churned_mrr"].sum() > 0
    for npartitions in (1, 4):
        found = sm.dask.owned_book(
            _spread(sample.subscriptions, 3, 2),
            customers=_spread(sample.customers, 2, 2),
            assignments=_spread(sample.assignments, 3, 2),
            staff=sample.staff,
            role=role,
            by=by,  # type: ignore[arg-type]
            since="2024-07",
            until="2025-09",
            through=led.last_month,
            npartitions=npartitions,
        )
        assert_frame_equal(found, expected, check_exact=True)
        assert found.attrs == expected.attrs
    with pytest.raises(ValueError, match="'since' is required"):
        sm.dask.owned_book(
            _spread(sample.subscriptions, 3, 2),
            assignments=_spread(sample.assignments, 3, 2),
            staff=sample.staff,
            since=None,  # type: ignore[arg-type]
        )


def test_what_the_partitions_set_aside_adds_up_to_one_ledgers(client: Any) -> None:
    """Nothing is dropped on the way: the partitions' set-aside counts add up."""
    sample = sm.datasets.load_sample()
    subs = sample.subscriptions
    first = subs.iloc[:6].copy()
    # Six spans that start and end within one month: invisible at the grain.
    first["subscription_id"] = [f"short-{i}" for i in range(6)]
    first["start"] = pd.Timestamp("2024-03-03")
    first["end"] = pd.Timestamp("2024-03-20")
    # Two spans of customers the customers table does not know.
    unknown = subs.iloc[:2].copy()
    unknown["subscription_id"] = ["stranger-1", "stranger-2"]
    unknown["customer_id"] = ["stranger-1", "stranger-2"]
    rows = pd.concat([subs, first, unknown], ignore_index=True)
    led = sm.Ledger.from_subscriptions(rows, customers=sample.customers)
    expected = {(e.table, e.rule, e.unit, e.detail): e for e in led.set_aside}
    assert {rule for _, rule, _, _ in expected} >= {
        "invisible at the monthly grain",
        "customers without attributes",
    }
    for npartitions in (1, 4):
        found = _quiet(
            sm.dask.figures,
            _spread(rows, 4, 1),
            customers=_spread(sample.customers, 3, 1),
            through=led.last_month,
            by="segment",
            npartitions=npartitions,
        )
        got = {(e.table, e.rule, e.unit, e.detail): e for e in found.set_aside}
        assert {k: e.count for k, e in got.items()} == {
            k: e.count for k, e in expected.items()
        }
        for key, entry in got.items():
            # The first few examples of the partitions, each one a real offender.
            assert len(entry.examples) == len(expected[key].examples)
            if entry.count <= len(entry.examples):
                assert set(entry.examples) == set(expected[key].examples)


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


# --------------------------------------------------------------------------
# Scorecards
# --------------------------------------------------------------------------


def _sales_company(
    seed: int, n: int = 700
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Subscriptions, customers, deals and staff of a small sales team.

    Prices vary (many first-month MRRs per rep); some customers have no rep,
    one rep is missing from the staff table (team "(none)"), and deals
    re-credit some customers (two deals for one of them: the earlier wins).
    """
    subs, customers = _random_company(seed, n)
    rng = np.random.default_rng(seed)
    subs["mrr"] = rng.integers(1, 40, len(subs)) * 1_000
    # Two years of data: the bootstrap's work grows with the months.
    days = pd.to_timedelta(rng.integers(0, 540, len(subs)), "D")
    subs["start"] = pd.Timestamp("2022-01-01") + days
    length = pd.to_timedelta(rng.integers(20, 400, len(subs)), "D")
    subs["end"] = (subs["start"] + length).where(subs["end"].notna())
    reps = np.array(["ae-1", "ae-2", "ae-3", "ae-4", "ae-9", None], dtype=object)
    customers["field_sales_rep"] = rng.choice(
        reps, n, p=[0.3, 0.3, 0.2, 0.1, 0.05, 0.05]
    )
    customers["inside_sales_rep"] = rng.choice(
        np.array(["sdr-1", "sdr-2"], dtype=object), n
    )
    won = rng.random(n) < 0.4
    ids = customers["customer_id"][won].to_numpy(object)
    deals = pd.DataFrame(
        {
            "deal_id": [f"d{i:05d}" for i in range(len(ids) + 1)],
            "customer_id": np.append(ids, ids[0]),
            "kind": "new",
            "mrr": 1_000,
            "currency": "USD",
            "won_on": pd.Timestamp("2021-12-01")
            + pd.to_timedelta(np.append(rng.integers(0, 20, len(ids)), 30), "D"),
            "owner_id": rng.choice(reps[:4], len(ids) + 1),
            "sourced_by": rng.choice(
                np.array(["sdr-1", None], dtype=object), len(ids) + 1
            ),
        }
    )
    staff = pd.DataFrame(
        {
            "staff_id": ["ae-1", "ae-2", "ae-3", "ae-4", "sdr-1", "sdr-2"],
            "role": ["field_sales"] * 4 + ["inside_sales"] * 2,
            "monthly_cost": 500_000,
            "currency": "USD",
            "team": ["east", "east", "west", "west", "sdr", "sdr"],
        }
    )
    return subs, customers, deals, staff


SCORECARD_CASES = [
    # seed, by, credit, acquisition window, input partitions, partitions
    (1, "staff", "closed", (None, None), 5, (1, 4)),
    (2, "team", "closed", ("2022-06", None), 4, (3,)),
    (3, "staff", "sourced", ("2022-03", "2023-03"), 3, (5,)),
]


@pytest.mark.parametrize(
    ("seed", "by", "credit", "window", "spread", "counts"), SCORECARD_CASES
)
def test_scorecard_equals_one_ledger(
    client: Any,
    seed: int,
    by: str,
    credit: str,
    window: tuple[str | None, str | None],
    spread: int,
    counts: tuple[int, ...],
) -> None:
    """The whole scorecard, intervals and ranks included, to the bit."""
    subs, customers, deals, staff = _sales_company(seed)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    since, through = window
    expected = _quiet(
        sm.scorecards.scorecard,
        led,
        staff=staff,
        deals=deals,
        credit=credit,
        by=by,
        since=since,
        through=through,
    )
    # The company (about 700 customers) draws its ARPA from the moments, the
    # people resample customer by customer, and some rows are thin.
    if since is None:
        assert expected.loc["All", "customers_won"] > 500
    assert expected["thin"].any()
    assert not expected["thin"].all()
    rows = _spread(subs, spread, seed)
    for npartitions in counts:
        found = _quiet(
            sm.dask.scorecard,
            rows,
            staff=staff,
            customers=_spread(customers, 2, seed),
            deals=_spread(deals, 3, seed),
            credit=credit,
            by=by,
            acquired_since=since,
            acquired_through=through,
            through=led.last_month,
            npartitions=npartitions,
        )
        assert_frame_equal(found, expected, check_exact=True)
        assert found.attrs == expected.attrs


def test_scorecard_with_a_generator_draws_as_one_ledger(client: Any) -> None:
    subs, customers, deals, staff = _sales_company(4, 300)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    options = {"staff": staff, "as_of": led.last_month - 2, "total": False}
    expected = _quiet(
        sm.scorecards.scorecard,
        led,
        deals=deals,
        seed=np.random.default_rng(7),
        **options,
    )
    found = _quiet(
        sm.dask.scorecard,
        _spread(subs, 3, 4),
        customers=_spread(customers, 2, 4),
        deals=_spread(deals, 2, 4),
        seed=np.random.default_rng(7),
        npartitions=3,
        **options,
    )
    assert_frame_equal(found, expected, check_exact=True)
    assert "All" not in found.index


def _own_prices(seed: int, n: int) -> tuple[pd.DataFrame, ...]:
    """The sales company, every subscription at its own price."""
    subs, customers, deals, staff = _sales_company(seed, n)
    rng = np.random.default_rng(seed)
    subs["mrr"] = rng.integers(1_000, 10_000_000, len(subs))
    return subs, customers, deals, staff


def test_scorecard_with_own_prices_equals_one_ledger(client: Any) -> None:
    """Rows above and below `resample_arpa_below` (60), a price per customer."""
    subs, customers, deals, staff = _own_prices(9, 300)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    options = {"staff": staff, "resample_arpa_below": 60}
    expected = _quiet(sm.scorecards.scorecard, led, deals=deals, **options)
    won = expected["customers_won"]
    assert (won >= 60).sum() >= 2
    assert (won < 60).sum() >= 2
    found = _quiet(
        sm.dask.scorecard,
        _spread(subs, 3, 9),
        customers=_spread(customers, 2, 9),
        deals=_spread(deals, 2, 9),
        through=led.last_month,
        npartitions=3,
        **options,
    )
    assert_frame_equal(found, expected, check_exact=True)


def test_scorecard_sums_are_bounded_by_the_rows_not_the_customers() -> None:
    """What the blocks of customers hand on: no MRR table for a row at or
    above `resample_arpa_below`, fewer rows than that for the others."""
    from subscription_metrics.scorecards import _block_card, _combine_cards

    subs, customers, deals, staff = _own_prices(10, 400)
    block = np.random.default_rng(10).integers(0, 4, len(customers))
    parts = []
    for b in range(4):
        mine = customers["customer_id"][block == b]
        led = sm.Ledger.from_subscriptions(
            subs[subs["customer_id"].isin(mine)],
            customers=customers[block == b],
            through="2023-12",
        )
        parts.append(
            _block_card(
                led,
                staff=staff,
                deals=deals[deals["customer_id"].isin(mine)],
                credit="closed",
                by="staff",
                since=None,
                through=None,
                as_of=None,
                total=True,
                resample_below=50,
            )
        )

    combined = _combine_cards(parts)

    assert combined.company is not None
    for group in (combined.person, combined.company):
        arpa = group.early_counts.arpa
        rows = np.bincount(arpa.group, minlength=len(arpa.customers))
        assert (rows[arpa.customers >= 50] == 0).all()
        assert (rows < 50).all()
    assert combined.company.early_counts.arpa.customers.tolist() == [400]


def test_scorecard_refuses_an_as_of_after_the_horizon(client: Any) -> None:
    subs, customers, _, staff = _sales_company(5, 50)
    with pytest.raises(ValueError, match="after the data horizon"):
        sm.dask.scorecard(
            dd.from_pandas(subs, npartitions=2),
            staff=staff,
            customers=dd.from_pandas(customers, npartitions=1),
            through="2024-01",
            as_of="2024-02",
        )


# --------------------------------------------------------------------------
# Tier summaries
# --------------------------------------------------------------------------


def _classified(led: sm.Ledger, as_of: str, seed: int) -> pd.DataFrame:
    """The tiers of the accounts active at `as_of`, with a health score each."""
    classified = sm.tiers.classify(sm.tiers.account_features(led, as_of=as_of))
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 100, len(classified))
    score[rng.random(len(classified)) < 0.2] = np.nan  # some accounts unscored
    classified["health_score"] = score
    return classified


@pytest.mark.parametrize(
    ("seed", "as_of", "months"), [(1, "2023-06", 12), (2, None, 3)]
)
def test_tier_summary_equals_one_ledger(
    client: Any, seed: int, as_of: str | None, months: int
) -> None:
    subs, customers, _, _ = _sales_company(seed, 300)
    customers["employees"] = np.random.default_rng(seed).integers(5, 5_000, 300)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    month = as_of or str(led.last_month)
    classified = _classified(led, month, seed)
    expected = sm.tiers.summary(led, classified=classified, as_of=month, months=months)
    assert expected.loc["All", "accounts_scored"] > 0
    for npartitions in (1, 4):
        found = sm.dask.tier_summary(
            _spread(subs, 3, seed),
            customers=_spread(customers, 2, seed),
            classified=_spread(classified.reset_index(), 2, seed),
            through=led.last_month,
            as_of=as_of,
            months=months,
            npartitions=npartitions,
        )
        assert_frame_equal(found, expected, check_exact=True)
        assert found.attrs == expected.attrs


def _usage(customers: pd.DataFrame, seed: int) -> pd.DataFrame:
    """A few months of usage for most accounts; some accounts without any."""
    rng = np.random.default_rng(seed)
    ids = customers["customer_id"].to_numpy(object)
    ids = ids[rng.random(len(ids)) < 0.8]
    months = pd.period_range("2022-06", "2023-09", freq="M")
    rows = [(c, m) for c in ids for m in rng.choice(months, 3, replace=False)]
    seats = rng.integers(1, 400, len(rows))
    return pd.DataFrame(
        {
            "customer_id": [c for c, _ in rows],
            "month": [m.to_timestamp() for _, m in rows],
            "seats": seats,
            "active_users": (seats * rng.random(len(rows))).astype(np.int64),
            "logins": rng.integers(0, 5_000, len(rows)),
            "feature_usage_rate": rng.random(len(rows)),
        }
    )


@pytest.mark.parametrize(("seed", "as_of"), [(1, "2023-06"), (2, None)])
def test_classify_equals_one_ledger(
    client: Any, seed: int, as_of: str | None, tmp_path: Path
) -> None:
    """A row per account, features from rows, attributes, usage and scores."""
    subs, customers = _random_company(seed, 300)
    customers["employees"] = np.random.default_rng(seed).integers(1, 5_000, 300)
    usage = _usage(customers, seed)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    scores = pd.Series(
        np.random.default_rng(seed).uniform(0, 100, 300),
        index=pd.Index(customers["customer_id"], name="customer_id"),
        name="score",
    ).iloc[::2]  # half the accounts scored
    features = sm.tiers.account_features(led, as_of=as_of, usage=usage, health=scores)
    expected = sm.tiers.classify(features).reset_index()
    assert expected["rule"].nunique() >= 3
    for npartitions in (1, 4):
        found = sm.dask.classify(
            _spread(subs, 3, seed),
            customers=_spread(customers, 2, seed),
            usage=_spread(usage, 3, seed),
            health=dd.from_pandas(scores.reset_index(), npartitions=2),
            as_of=as_of,
            through=led.last_month,
            npartitions=npartitions,
        ).compute()
        found = found.sort_values("customer_id", ignore_index=True)
        assert_frame_equal(found, expected, check_exact=True)
    if as_of is not None:  # the classification feeds the tier summary as it is
        # Written as a Parquet dataset by the workers, then read from its path.
        dataset = tmp_path / "tiers"
        sm.dask.classify(
            _spread(subs, 3, seed),
            customers=_spread(customers, 2, seed),
            usage=_spread(usage, 3, seed),
            as_of=as_of,
            through=led.last_month,
        ).to_parquet(str(dataset), write_index=False)
        assert len(list(dataset.glob("*.parquet"))) > 1
        summary = sm.dask.tier_summary(
            _spread(subs, 3, seed),
            customers=_spread(customers, 2, seed),
            classified=str(dataset),
            through=led.last_month,
            as_of=as_of,
        )
        unscored = sm.tiers.classify(
            sm.tiers.account_features(led, as_of=as_of, usage=usage)
        )
        one = sm.tiers.summary(led, classified=unscored, as_of=as_of)
        assert_frame_equal(summary, one, check_exact=True)


def test_tier_summary_refuses_accounts_without_rows(client: Any) -> None:
    subs, customers, _, _ = _sales_company(3, 60)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    classified = _classified(led, str(led.last_month), 3).reset_index()
    stranger = classified.iloc[:1].assign(customer_id="nobody")
    with pytest.raises(sm.InvalidTableError, match="known to the ledger"):
        sm.dask.tier_summary(
            dd.from_pandas(subs, npartitions=2),
            customers=dd.from_pandas(customers, npartitions=1),
            classified=dd.from_pandas(pd.concat([classified, stranger]), npartitions=2),
            through=led.last_month,
            npartitions=3,
        )


# --------------------------------------------------------------------------
# LTV estimates
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "conventions"),
    [
        ("segment", sm.Conventions()),
        (
            None,
            sm.Conventions(ltv_churn_window_months=3, ltv_churn_excludes_current=True),
        ),
    ],
)
def test_ltv_estimates_equal_one_ledger(
    client: Any, by: str | None, conventions: sm.Conventions
) -> None:
    subs, customers = _random_company(6)
    led = sm.Ledger.from_subscriptions(
        subs, customers=customers, conventions=conventions
    )
    expected = sm.ltv.estimates(led, by=by)
    for npartitions in (1, 3):
        found = sm.dask.ltv_estimates(
            _spread(subs, 3, 6),
            customers=_spread(customers, 2, 6),
            conventions=conventions,
            through=led.last_month,
            by=by,
            npartitions=npartitions,
        )
        assert_frame_equal(found, expected, check_exact=True)
        assert found.attrs == expected.attrs


# --------------------------------------------------------------------------
# Early LTV and acquisition quality
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "model", "conventions"),
    [
        (["segment", "region"], "sbg", sm.Conventions()),
        ("cohort", "km", sm.Conventions(lifetime_spells="each")),
    ],
)
def test_early_ltv_equals_one_ledger(
    client: Any, by: Any, model: str, conventions: sm.Conventions
) -> None:
    """Segments without a value (some customers lack one) included."""
    subs, customers, _, _ = _sales_company(7, 400)
    led = sm.Ledger.from_subscriptions(
        subs, customers=customers, conventions=conventions
    )
    options = {"by": by, "model": model, "horizon_months": 24, "n_draws": 200}
    expected = _quiet(
        sm.survival.early_ltv, led, seed=np.random.default_rng(3), **options
    )
    for npartitions in (1, 4):
        found = _quiet(
            sm.dask.early_ltv,
            _spread(subs, 3, 7),
            customers=_spread(customers, 2, 7),
            conventions=conventions,
            through=led.last_month,
            seed=np.random.default_rng(3),
            npartitions=npartitions,
            **options,
        )
        assert_frame_equal(found, expected, check_exact=True)


def test_acquisition_quality_equals_one_ledger(client: Any) -> None:
    subs, customers, _, _ = _sales_company(8, 400)
    led = sm.Ledger.from_subscriptions(subs, customers=customers)
    expected = _quiet(
        sm.scorecards.acquisition_quality, led, by="segment", since="2022-04"
    )
    assert "(none)" in expected.index
    found = _quiet(
        sm.dask.acquisition_quality,
        _spread(subs, 3, 8),
        customers=_spread(customers, 2, 8),
        by="segment",
        acquired_since="2022-04",
        through=led.last_month,
        npartitions=3,
    )
    assert_frame_equal(found, expected, check_exact=True)
