"""Benchmark the monthly report: 1,000,000 customers with every table.

Builds the subscription spans of ``generate.py`` for ``--customers``
customers and, with numpy, every other table the report reads: customers
(segment, channel, inside-sales, field-sales and CS owners), ``--staff``
people in four roles, one won ``new`` deal per customer (closed by its field
rep, sourced by its inside rep), monthly sales and marketing costs, nine
months of usage per customer (the months the health and tier sections read),
about one support ticket, one onboarding and two CS activities per customer,
and one CS assignment per customer. Then times ``sm.report(...)`` end to end
(the ledger included; rendering not), and each section's builder on its own.
Run from the project root, with nothing else heavy running::

    .venv/bin/python benchmarks/bench_report.py --customers 1000000
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np
import pandas as pd

import subscription_metrics as sm
from generate import FIRST_MONTH, N_MONTHS, THROUGH, generate_spans
from subscription_metrics._report import SECTIONS, build_section
from timing import timed

ROLES = (
    ("inside_sales", 0.2),
    ("field_sales", 0.5),
    ("customer_success", 0.25),
    ("customer_sales", 0.05),
)


def _staff(staff: int, rng: np.random.Generator) -> pd.DataFrame:
    counts = [max(int(staff * share), 2) for _, share in ROLES]
    roles = np.repeat([role for role, _ in ROLES], counts)
    ids = np.char.add("st-", np.arange(len(roles)).astype(str))
    return pd.DataFrame(
        {
            "staff_id": ids,
            "role": roles,
            "monthly_cost": rng.integers(500_000, 1_500_000, len(roles)),
            "currency": "USD",
            "team": np.char.add(
                np.char.add(roles.astype(str), "-"),
                (np.arange(len(roles)) // 10).astype(str),
            ),
        }
    )


def _pick(rng: np.random.Generator, staff: pd.DataFrame, role: str, n: int) -> object:
    ids = staff.loc[staff["role"] == role, "staff_id"].to_numpy()
    return ids[rng.integers(0, len(ids), n)]


def tables(customers: int, staff: int, seed: int) -> dict[str, pd.DataFrame]:
    """Return every table of the report for `customers` synthetic customers."""
    rng = np.random.default_rng(seed)
    spans = generate_spans(customers, seed=seed)
    first = spans.groupby("customer_id", sort=False)["start"].min()
    ids = first.index.to_numpy()
    n = len(ids)
    people = _staff(staff, rng)
    field = _pick(rng, people, "field_sales", n)
    inside = _pick(rng, people, "inside_sales", n)
    cs = _pick(rng, people, "customer_success", n)
    risk = rng.random(n)
    segments = np.array(["smb", "mid_market", "enterprise"])
    channels = np.array(["inbound", "outbound", "partner", "event"])
    attrs = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": segments[rng.integers(0, 3, n)],
            "acquisition_channel": channels[rng.integers(0, 4, n)],
            "employees": rng.integers(5, 5000, n),
            "inside_sales_rep": inside,
            "field_sales_rep": field,
            "cs_owner": cs,
        }
    )
    mrr = spans.groupby("customer_id", sort=False)["mrr"].first().to_numpy()
    won = first.to_numpy() - pd.Timedelta(days=10)
    deals = pd.DataFrame(
        {
            "deal_id": np.char.add("d-", np.arange(n).astype(str)),
            "customer_id": ids,
            "kind": "new",
            "mrr": mrr,
            "currency": "USD",
            "won_on": won,
            "owner_id": field,
            "sourced_by": inside,
        }
    )
    months = pd.period_range(FIRST_MONTH, periods=N_MONTHS, freq="M").to_timestamp()
    costs = pd.DataFrame(
        {
            "month": np.concatenate([np.repeat(months, 4), months]),
            "category": ["marketing"] * (4 * N_MONTHS) + ["sales"] * N_MONTHS,
            "amount": rng.integers(10**9, 5 * 10**9, 5 * N_MONTHS),
            "currency": "USD",
            "channel": [*np.tile(channels, N_MONTHS), *([None] * N_MONTHS)],
        }
    )
    read = [THROUGH - k for k in (14, 13, 12, 5, 4, 3, 2, 1, 0)]
    m = len(read)
    seats = np.tile(rng.integers(5, 200, n), m)
    share = np.clip(rng.beta(4, 2, m * n) - 0.3 * np.tile(risk, m), 0, 1)
    active = np.rint(seats * share).astype(np.int64)
    usage = pd.DataFrame(
        {
            "customer_id": np.tile(ids, m),
            "month": np.repeat([p.to_timestamp() for p in read], n),
            "seats": seats,
            "active_users": active,
            "logins": rng.poisson(active * 12),
            "feature_usage_rate": np.clip(
                rng.beta(3, 3, m * n) - 0.25 * np.tile(risk, m), 0, 1
            ),
            "nps": pd.array(
                np.where(rng.random(m * n) < 0.2, rng.integers(0, 11, m * n), -1),
                dtype="Int64",
            ),
        }
    )
    usage["nps"] = usage["nps"].mask(usage["nps"] < 0)
    horizon = THROUGH.to_timestamp(how="end").normalize()
    start = THROUGH.to_timestamp() - pd.DateOffset(months=12)
    hours = rng.integers(0, 365 * 24, n)
    opened = start + pd.to_timedelta(hours, unit="h")
    response = opened + pd.to_timedelta(rng.integers(1, 48, n), unit="h")
    resolved = response + pd.to_timedelta(rng.integers(1, 240, n), unit="h")
    tickets = pd.DataFrame(
        {
            "ticket_id": np.char.add("t-", np.arange(n).astype(str)),
            "customer_id": ids,
            "opened_at": opened,
            "first_response_at": response.where(response <= horizon),
            "resolved_at": resolved.where(resolved <= horizon),
            "owner_id": cs,
        }
    )
    completed = first.to_numpy() + pd.to_timedelta(rng.integers(5, 90, n), unit="D")
    onboarding = pd.DataFrame(
        {
            "customer_id": ids,
            "started_on": first.to_numpy(),
            "completed_on": pd.Series(completed).where(completed <= horizon).to_numpy(),
            "owner_id": cs,
        }
    )
    k = 2 * n
    on = start + pd.to_timedelta(rng.integers(0, 365, k), unit="D")
    activities = pd.DataFrame(
        {
            "activity_id": np.char.add("a-", np.arange(k).astype(str)),
            "staff_id": np.tile(cs, 2),
            "kind": np.array(["one_on_one_call", "meeting"])[rng.integers(0, 2, k)],
            "on": on,
            "customer_id": np.tile(ids, 2),
        }
    )
    assignments = pd.DataFrame(
        {
            "customer_id": ids,
            "staff_id": cs,
            "role": "customer_success",
            "start": first.to_numpy(),
            "end": pd.NaT,
        }
    )
    return {
        "subscriptions": spans,
        "customers": attrs,
        "staff": people,
        "deals": deals,
        "costs": costs,
        "usage": usage,
        "tickets": tickets,
        "onboarding": onboarding,
        "activities": activities,
        "assignments": assignments,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--staff", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sections", action="store_true", help="also time each section alone"
    )
    args = parser.parse_args()
    print(f"{platform.machine()}, numpy {np.__version__}, pandas {pd.__version__}")
    begin = time.perf_counter()
    data = tables(args.customers, args.staff, args.seed)
    print(
        f"{len(data['customers']):,} customers, {len(data['staff']):,} staff, "
        f"{sum(len(t) for t in data.values()):,} rows in {len(data)} tables "
        f"(made in {time.perf_counter() - begin:.1f} s)"
    )
    _ = (sm.report, sm.scorecards.scorecard, sm.survival.early_ltv, sm.health.score)
    results: dict[str, float] = {}
    spans = data.pop("subscriptions")
    cpu = time.process_time()
    rep = timed(
        "sm.report (every section, ledger included)",
        lambda: sm.report(
            spans, as_of=THROUGH, pilot=(THROUGH - 11, 6), source="benchmark", **data
        ),
        results,
    )
    assert isinstance(rep, sm.Report)
    cpu = time.process_time() - cpu
    print(f"{'  CPU time of the process (all threads)':<44} {cpu:7.2f} s")
    assert all(section.ready for section in rep), [s.status for s in rep]
    if args.sections:
        led = sm.Ledger.from_subscriptions(
            spans, customers=data["customers"], through=THROUGH
        )
        given = {"subscriptions": spans, **data}
        for key in SECTIONS:
            timed(
                f"  section {key}",
                lambda key=key: build_section(  # type: ignore[misc]
                    key, led, given, as_of=THROUGH, pilot=(THROUGH - 11, 6)
                ),
                results,
            )
    total = results["sm.report (every section, ledger included)"]
    print(f"TARGET 30 s: {'PASS' if total < 30 else 'MISSED'} ({total:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
