"""
Generate the bundled sample company from a seed (used by scripts/make_sample.py).

The generator is a fixed sequence of steps, `STEPS`. Each step takes its own
child `numpy.random.Generator` (spawned from ``default_rng(seed)`` in step
order) and the tables made by the steps before it, and returns the tables it
adds. Columns whose names start with ``"_"`` are internal: later steps may
read them (``customers._acquired``, ``customers._hazard``,
``subscriptions._origin``, ``usage._customer``, ``usage._month``,
``usage._from``, ``usage._mrr``, ``usage._run_month``, ``usage._to_churn``),
but they are dropped before the tables are shipped; so is the internal table
``_cs_owners``. Because every step has its own stream, a step appended to
`STEPS` leaves the existing tables unchanged.

The story, step by step:

- ``staff``: 8 inside-sales reps (st-001..st-008, teams ``is-east`` and
  ``is-west``), 10 field-sales reps (st-009..st-013 ``fs-enterprise``,
  st-014..st-018 ``fs-commercial``), 6 customer-success owners (st-019..st-021
  ``cs-high-touch``, st-022..st-024 ``cs-tech-touch``), 2 customer-sales
  (``cs-expansion``), 1 customer-marketing and 2 customer-support staff.
- ``customers``: about 3,000 arrivals over 36 months, 3.5% more per month;
  segment, size, industry, region, channel and the reps who own them. Rep A
  (``st-015``) is picked as often as a typical commercial rep, twice as often
  as rep B, and multiplies the churn hazard by five; rep B (``st-017``) is
  picked half as often and halves it. Segment, channel and a per-customer
  frailty set the rest of the monthly churn hazard (``_hazard``, about
  1.5-3% for monthly billers).
- ``subscriptions``: a month-by-month simulation, vectorised across all
  customers inside each month: cancellations (annual contracts only at an
  anniversary), add-on cancellations, upgrades and downgrades (one
  subscription ends and the next starts the same day), add-on cross-sells,
  win-backs at least three months after a churn, arrivals, and a few sign-ups
  refunded within their first month.
- ``deals``: derived from the subscriptions (the step draws only the days
  between winning a deal and its subscription's start): one ``new`` deal per
  acquisition (refunded sign-ups included) and per win-back, one ``upsell``
  per upgrade (the MRR difference) and one ``cross_sell`` per add-on.
  Downgrades are not deals. From 2025 the customer-sales team (``st-025``,
  ``st-026``) owns the expansion deals of ``mid_market`` and ``enterprise``
  customers; customer success owns the rest.
- ``costs``: per month, each employed staff member's cost (``monthly_cost`` x
  ``fte``, category ``sales`` or ``customer_success`` by role), marketing
  program spend per spend-driven channel in proportion to the customers the
  channel brings that month (lognormal noise), and a brand-and-tools row.
- ``usage``: one row per customer-month with MRR at the month's end, computed
  from the subscription spans (start <= last day < end), never from the
  library's ledger. Seats follow the main plan's list price; the feature usage
  rate is a per-customer baseline (lower for a higher ``_hazard``) with
  logit-scale noise, a ramp in a run's first two months and, for four in five
  churners, a fall over the 1-4 months before the churn (``_to_churn``);
  active users, logins and the quarterly NPS follow it.
- ``cs_owners`` (internal ``_cs_owners``): each customer's customer-success
  assignment from its first start; 15% of the customers (among those with more
  than three paid months) had another member of the same team until a change
  in a later paid month, so the last owner is ``cs_owner``.
- ``onboarding``: from the first start, 5-90 days by segment (log-normal);
  never completed for some customers, mostly those who leave within six
  months, and when completion would fall after the horizon or the first run.
- ``tickets``: Poisson per paid customer-month (more seats, lower usage and a
  run's first month raise the rate), opened mostly in business hours; the
  first response and the resolution are counted in business minutes (9:00 to
  18:00 on weekdays), and times after the horizon are left empty.
- ``activities``: the day's CS owner calls and meets accounts in their paid
  months (rates by team); customer sales opens an opportunity 7-45 days
  before each deal it won (not before 2025-01-01), lost opportunities with
  ``mid_market`` and ``enterprise`` accounts in 2025, and proposals after each
  opportunity.
- ``assignments``: the ``_cs_owners`` rows and, per account customer sales
  opened an opportunity with, a ``customer_sales`` row from the first one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from .._entities import ActivityKind, MeetingOutcome, Role
from . import (
    _AS_OF,
    _CURRENCY,
    _SCHEMAS,
    CUSTOMER_SALES_PILOT,
    REP_A,
    REP_B,
    SampleData,
)

__all__ = ["SEED", "STEPS", "build_tables", "csv_bytes", "generate", "write"]

#: The seed of the shipped sample.
SEED: Final = 20_251_231

Tables = Mapping[str, pd.DataFrame]
Step = Callable[[np.random.Generator, Tables], dict[str, pd.DataFrame]]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
DayArray = npt.NDArray[np.datetime64]

FIRST_MONTH: Final = np.datetime64("2023-01", "M")
N_MONTHS: Final = 36

SEGMENTS: Final = ("smb", "mid_market", "enterprise")
SEGMENT_SHARE: Final = (0.60, 0.30, 0.10)
EMPLOYEES: Final = ((5, 100), (100, 1_000), (1_000, 20_000))  # [low, high)
INDUSTRIES: Final = (
    "manufacturing",
    "it_services",
    "retail",
    "healthcare",
    "finance",
    "construction",
    "logistics",
    "education",
)
INDUSTRY_SHARE: Final = (0.24, 0.20, 0.14, 0.09, 0.08, 0.10, 0.09, 0.06)
INDUSTRY_SUFFIX: Final = (
    "Seisakusho",
    "Systems",
    "Shoten",
    "Medical",
    "Finance",
    "Kensetsu",
    "Unyu",
    "Gakuen",
)
NAME_PREFIX: Final = (
    "Aozora", "Sakura", "Fuji", "Hikari", "Midori", "Asahi", "Kaze", "Yamato",
    "Minato", "Hoshi", "Tsubasa", "Kawasemi", "Mirai", "Nishiki", "Kotobuki",
    "Daichi", "Umi", "Sora", "Tenryu", "Shinsei", "Hinode", "Izumi", "Kiku",
    "Matsu", "Take", "Ume", "Kohaku", "Ginga", "Seiryu", "Akatsuki",
)  # fmt: skip
REGIONS: Final = ("kanto", "kansai", "chubu", "kyushu", "hokkaido_tohoku")
REGION_SHARE: Final = (0.45, 0.20, 0.15, 0.10, 0.10)
EAST_REGIONS: Final = (0, 4)  # served by the is-east team
CHANNELS: Final = ("inbound", "outbound", "partner", "event")
CHANNEL_SHARE: Final = (  # by segment
    (0.55, 0.15, 0.15, 0.15),
    (0.35, 0.35, 0.15, 0.15),
    (0.15, 0.50, 0.20, 0.15),
)

#: Monthly churn hazard of a monthly biller, by segment, and its multipliers.
BASE_HAZARD: Final = (0.026, 0.017, 0.010)
CHANNEL_HAZARD: Final = (1.0, 1.2, 0.6, 1.1)
REP_HAZARD: Final = {REP_A: 5.0, REP_B: 0.5}
REP_WEIGHT: Final = {REP_A: 1.0, REP_B: 0.5}
FRAILTY_SIGMA: Final = 0.5
EARLY_TENURE: Final = (6, 1.3)  # months, hazard multiplier before then

#: Monthly probabilities, by segment.
UPGRADE: Final = (0.008, 0.020, 0.025)
DOWNGRADE: Final = (0.004, 0.006, 0.008)
CROSS_SELL: Final = (0.004, 0.010, 0.015)
ADDON_CANCEL: Final = 0.015
WIN_BACK: Final = 0.012
WIN_BACK_GAP: Final = 3  # months after a churn before a win-back
REFUND: Final = 0.01  # share of sign-ups refunded inside their first month
ANNUAL_SHARE: Final = (0.20, 0.45, 0.70)
ANNUAL_SHARE_WIN_BACK: Final = 0.15
ANNUAL_HAZARD: Final = 0.8  # annual billers' hazard relative to monthly ones

PLANS: Final = (
    "starter",
    "standard",
    "enterprise",
    "addon_analytics",
    "addon_security",
)
INTERVALS: Final = ("monthly", "annual")
ORIGINS: Final = ("new", "upgrade", "downgrade", "cross_sell", "win_back", "refunded")
NEW, UPGRADE_, DOWNGRADE_, CROSS_SELL_, WIN_BACK_, REFUNDED = range(6)
STARTER_PRICES: Final = (19_800, 29_800, 39_800)
STANDARD_PRICES: Final = (79_800, 98_000, 128_000, 148_000)
PLAN_SHARE: Final = (  # starter, standard, enterprise by segment
    (0.70, 0.30, 0.00),
    (0.15, 0.70, 0.15),
    (0.00, 0.25, 0.75),
)
ENTERPRISE_PRICE: Final = (250_000, 1_500_000)
ADDON_PRICE: Final = (9_800, 29_800, 98_000)

STAFF: Final = (  # staff_id, role, team, name
    *((i, Role.INSIDE_SALES, "is-east" if i <= 4 else "is-west") for i in range(1, 9)),
    *(
        (i, Role.FIELD_SALES, "fs-enterprise" if i <= 13 else "fs-commercial")
        for i in range(9, 19)
    ),
    *(
        (i, Role.CUSTOMER_SUCCESS, "cs-high-touch" if i <= 21 else "cs-tech-touch")
        for i in range(19, 25)
    ),
    (25, Role.CUSTOMER_SALES, "cs-expansion"),
    (26, Role.CUSTOMER_SALES, "cs-expansion"),
    (27, Role.CUSTOMER_MARKETING, "cs-marketing"),
    (28, Role.CUSTOMER_SUPPORT, "cs-support"),
    (29, Role.CUSTOMER_SUPPORT, "cs-support"),
)
STAFF_NAMES: Final = (
    "Sato Haruto", "Suzuki Yui", "Takahashi Ren", "Tanaka Aoi", "Watanabe Sota",
    "Ito Hina", "Yamamoto Yuto", "Nakamura Mei", "Kobayashi Riku", "Kato Sakura",
    "Yoshida Kaito", "Yamada Yuna", "Sasaki Minato", "Yamaguchi Rin",
    "Matsumoto Hayato", "Inoue Akari", "Kimura Daiki", "Hayashi Koharu",
    "Shimizu Takumi", "Yamazaki Mio", "Mori Kenta", "Abe Natsuki", "Ikeda Shota",
    "Hashimoto Ayaka", "Ishikawa Yusuke", "Ogawa Misaki", "Fujita Ryo",
    "Okada Nanami", "Goto Kazuki",
)  # fmt: skip
MONTHLY_COST: Final = {  # role -> [low, high] yen per month, in 10,000 yen steps
    Role.INSIDE_SALES: (600_000, 850_000),
    Role.FIELD_SALES: (900_000, 1_300_000),
    Role.CUSTOMER_SUCCESS: (750_000, 1_050_000),
    Role.CUSTOMER_SALES: (850_000, 1_100_000),
    Role.CUSTOMER_MARKETING: (800_000, 950_000),
    Role.CUSTOMER_SUPPORT: (600_000, 700_000),
}
HALF_TIME: Final = 3  # staff at fte 0.5 (never rep A or B)


def staff_id(number: IntArray) -> npt.NDArray[np.str_]:
    """Format staff numbers as ``st-001``."""
    return np.char.add("st-", np.char.zfill(number.astype(str), 3))


def _pick(rng: np.random.Generator, shares: FloatArray) -> IntArray:
    """Draw one category per row of `shares` (rows of probabilities)."""
    cumulative = np.cumsum(shares, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(len(shares))
    picked: IntArray = (u[:, None] >= cumulative).sum(axis=1).astype(np.int64)
    return picked


def _days(months: IntArray, day: IntArray) -> DayArray:
    """Date of `day` (1-based) in month `months` after January 2023."""
    first = (FIRST_MONTH + months).astype("datetime64[D]")
    dates: DayArray = (first + (day - 1)).astype("datetime64[D]")
    return dates


def make_staff(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``staff`` table: who sells and who looks after customers."""
    number = np.array([row[0] for row in STAFF], np.int64)
    roles = [row[1] for row in STAFF]
    ids = staff_id(number)
    low = np.array([MONTHLY_COST[role][0] for role in roles], np.int64)
    high = np.array([MONTHLY_COST[role][1] for role in roles], np.int64)
    steps = (high - low) // 10_000
    cost = low + 10_000 * rng.integers(0, steps + 1)
    eligible = np.flatnonzero(~np.isin(ids, [REP_A, REP_B]))
    fte = np.ones(len(ids))
    fte[rng.choice(eligible, size=HALF_TIME, replace=False)] = 0.5
    hired = np.datetime64("2018-04-01") + rng.integers(0, 4 * 365 + 240, len(ids))
    return {
        "staff": pd.DataFrame(
            {
                "staff_id": ids,
                "role": [role.value for role in roles],
                "monthly_cost": cost,
                "currency": _CURRENCY,
                "name": list(STAFF_NAMES),
                "team": [row[2] for row in STAFF],
                "fte": fte,
                "start": hired.astype("datetime64[ns]"),
                "end": np.full(len(ids), np.datetime64("NaT"), "datetime64[ns]"),
            }
        )
    }


def make_customers(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``customers`` table, with internal ``_acquired`` and ``_hazard``."""
    growth = 43.0 * 1.035 ** np.arange(N_MONTHS)
    month = np.repeat(np.arange(N_MONTHS), rng.poisson(growth))
    n = len(month)
    day = rng.integers(1, 29, n)
    order = np.lexsort((day, month))
    month, day = month[order], day[order]
    segment = _pick(rng, np.tile(SEGMENT_SHARE, (n, 1)))
    bounds = np.log(np.array(EMPLOYEES, np.float64))[segment]
    employees = np.floor(np.exp(rng.uniform(bounds[:, 0], bounds[:, 1]))).astype(
        np.int64
    )
    industry = _pick(rng, np.tile(INDUSTRY_SHARE, (n, 1)))
    prefix = rng.integers(0, len(NAME_PREFIX), n)
    region = _pick(rng, np.tile(REGION_SHARE, (n, 1)))
    channel = _pick(rng, np.array(CHANNEL_SHARE)[segment])
    east = np.isin(region, EAST_REGIONS)
    inside = np.where(east, 1, 5) + rng.integers(0, 4, n)
    # Field sales: enterprise team for enterprise, commercial team otherwise.
    has_field = rng.random(n) < np.array([0.25, 0.9, 1.0])[segment]
    commercial = np.arange(14, 19)
    weight = np.array([REP_WEIGHT.get(str(s), 1.0) for s in staff_id(commercial)])
    field = np.where(
        segment == 2,
        rng.integers(9, 14, n),
        rng.choice(commercial, size=n, p=weight / weight.sum()),
    )
    owner = np.where(segment == 0, 22, 19) + rng.integers(0, 3, n)
    field_ids = staff_id(field)
    rep_hazard = np.ones(n)
    for rep, factor in REP_HAZARD.items():  # one pass per named rep, not per row
        rep_hazard[has_field & (field_ids == rep)] = factor
    frailty = np.exp(FRAILTY_SIGMA * rng.standard_normal(n) - FRAILTY_SIGMA**2 / 2)
    hazard = (
        np.array(BASE_HAZARD)[segment]
        * np.array(CHANNEL_HAZARD)[channel]
        * rep_hazard
        * frailty
    )
    names = np.char.add(
        np.char.add(np.array(NAME_PREFIX)[prefix], " "),
        np.array(INDUSTRY_SUFFIX)[industry],
    )
    customers = pd.DataFrame(
        {
            "customer_id": np.char.add(
                "cus-", np.char.zfill(np.arange(1, n + 1).astype(str), 5)
            ),
            "name": names,
            "segment": np.array(SEGMENTS)[segment],
            "region": np.array(REGIONS)[region],
            "industry": np.array(INDUSTRIES)[industry],
            "employees": employees,
            "acquisition_channel": np.array(CHANNELS)[channel],
            "inside_sales_rep": staff_id(inside),
            "field_sales_rep": np.where(has_field, field_ids, ""),
            "cs_owner": staff_id(owner),
            "_acquired": _days(month, day),
            "_hazard": hazard,
        }
    )
    customers["field_sales_rep"] = customers["field_sales_rep"].replace("", None)
    return {"customers": customers}


def _annual_price(list_price: IntArray) -> IntArray:
    """Monthly MRR of an annual contract: 15% off, rounded to 100 yen."""
    return (list_price * 85 // 100 + 50) // 100 * 100


def _plan_of(list_price: IntArray) -> IntArray:
    """Plan code of a main-plan list price (seats and tiers move it across plans)."""
    return np.select([list_price < 60_000, list_price < 200_000], [0, 1], 2).astype(
        np.int64
    )


def _new_price(
    rng: np.random.Generator, segment: IntArray, employees: IntArray
) -> IntArray:
    """List price of a new main subscription, by segment and company size."""
    n = len(segment)
    plan = _pick(rng, np.array(PLAN_SHARE)[segment])
    starter = np.array(STARTER_PRICES)[rng.choice(3, n, p=[0.25, 0.55, 0.20])]
    standard = np.array(STANDARD_PRICES)[rng.integers(0, 4, n)]
    size = np.maximum(employees, 1) / 1_000
    raw = 250_000 * size**0.45 * np.exp(0.3 * rng.standard_normal(n))
    enterprise = np.clip(np.round(raw, -4), *ENTERPRISE_PRICE).astype(np.int64)
    return np.choose(plan, [starter, standard, enterprise]).astype(np.int64)


class _Book:
    """Subscriptions written so far: column chunks, concatenated at the end."""

    def __init__(self) -> None:
        self.chunks: list[dict[str, npt.NDArray[Any]]] = []

    def add(self, **columns: npt.NDArray[Any]) -> None:
        if len(columns["customer"]):
            self.chunks.append(columns)

    def frame(self) -> pd.DataFrame:
        names = self.chunks[0].keys()
        return pd.DataFrame(
            {name: np.concatenate([c[name] for c in self.chunks]) for name in names}
        )


def make_subscriptions(
    rng: np.random.Generator, tables: Tables
) -> dict[str, pd.DataFrame]:
    """Return the ``subscriptions`` table, simulated month by month."""
    customers = tables["customers"]
    n = len(customers)
    segment = (
        pd.Index(SEGMENTS).get_indexer(pd.Index(customers["segment"])).astype(np.int64)
    )
    employees = customers["employees"].to_numpy(np.int64)
    hazard = customers["_hazard"].to_numpy(np.float64)
    acquired = customers["_acquired"].to_numpy("datetime64[D]")
    arrival = (acquired.astype("datetime64[M]") - FIRST_MONTH).astype(np.int64)
    arrival_day = (acquired - acquired.astype("datetime64[M]")).astype(np.int64) + 1
    nat = np.datetime64("NaT", "D")
    status = np.zeros(n, np.int8)  # 0 not yet, 1 active, 2 churned, 3 refunded
    churned_in = np.zeros(n, np.int64)
    # The main subscription of each active customer.
    start = np.full(n, nat)
    start_m = np.zeros(n, np.int64)
    run_m = np.zeros(n, np.int64)  # month the current run (sign-up or win-back) began
    bill_day = np.ones(n, np.int64)
    price = np.zeros(n, np.int64)  # list price per month
    mrr = np.zeros(n, np.int64)
    annual = np.zeros(n, bool)
    origin = np.zeros(n, np.int64)
    # The add-on subscription, if any.
    addon = np.zeros(n, bool)
    addon_start = np.full(n, nat)
    addon_m = np.zeros(n, np.int64)
    addon_mrr = np.zeros(n, np.int64)
    addon_plan = np.zeros(n, np.int64)
    book = _Book()

    def close_main(mask: BoolArray, end: DayArray) -> None:
        book.add(
            customer=np.flatnonzero(mask),
            start=start[mask],
            end=end[mask],
            mrr=mrr[mask],
            plan=_plan_of(price[mask]),
            annual=annual[mask],
            origin=origin[mask],
        )

    def close_addon(mask: BoolArray, end: DayArray) -> None:
        book.add(
            customer=np.flatnonzero(mask),
            start=addon_start[mask],
            end=end[mask],
            mrr=addon_mrr[mask],
            plan=addon_plan[mask],
            annual=annual[mask],
            origin=np.full(int(mask.sum()), CROSS_SELL_),
        )

    def open_main(
        mask: BoolArray, on: DayArray, m: int, new_price: IntArray, kind: int
    ) -> None:
        start[mask] = on[mask]
        start_m[mask] = m
        price[mask] = new_price[mask]
        mrr[mask] = np.where(annual[mask], _annual_price(new_price[mask]), price[mask])
        origin[mask] = kind

    def by_segment(values: tuple[float, ...]) -> FloatArray:
        return np.asarray(values, np.float64)[segment]

    for m in range(N_MONTHS):
        u = rng.random((9, n))
        this_month = np.full(n, m)
        on_bill_day = _days(this_month, bill_day)
        any_day = _days(this_month, rng.integers(1, 29, n))
        eligible = (status == 1) & (start_m < m)
        renewal = annual & (m > run_m) & ((m - run_m) % 12 == 0)
        can_end = ~annual | renewal
        early, factor = EARLY_TENURE
        h = np.minimum(hazard * np.where(m - run_m < early, factor, 1.0), 0.5)
        p_churn = np.where(annual, 1 - (1 - ANNUAL_HAZARD * h) ** 12, h)

        # Cancellations: the main subscription and any add-on end.
        churn = eligible & can_end & (u[0] < p_churn)
        close_main(churn, on_bill_day)
        close_addon(churn & addon, on_bill_day)
        addon &= ~churn
        status[churn] = 2
        churned_in[churn] = m
        staying = eligible & ~churn

        # Add-on cancellations (annual add-ons only at the anniversary).
        p_drop = np.where(annual, 1 - (1 - ADDON_CANCEL) ** 12, ADDON_CANCEL)
        drop = staying & addon & (addon_m < m) & can_end & (u[1] < p_drop)
        close_addon(drop, on_bill_day)
        addon &= ~drop

        # Upgrades (any day) and downgrades (at a renewal for annual contracts).
        up = staying & (price < 1_200_000) & (u[2] < by_segment(UPGRADE))
        p_down = by_segment(DOWNGRADE)
        p_down = np.where(annual, 1 - (1 - p_down) ** 12, p_down)
        down = staying & ~up & can_end & (price > 12_000) & (u[3] < p_down)
        higher = np.round(price * rng.uniform(1.15, 1.6, n), -3).astype(np.int64)
        higher = np.minimum(np.maximum(higher, price + 2_000), ENTERPRISE_PRICE[1])
        lower = np.round(price * rng.uniform(0.6, 0.85, n), -3).astype(np.int64)
        lower = np.maximum(np.minimum(lower, price - 2_000), 10_000)
        close_main(up, any_day)
        open_main(up, any_day, m, higher, UPGRADE_)
        close_main(down, on_bill_day)
        open_main(down, on_bill_day, m, lower, DOWNGRADE_)

        # Cross-sell: an add-on beside the main plan, from the third month on.
        sell = staying & ~addon & (m - run_m >= 2) & (u[4] < by_segment(CROSS_SELL))
        list_addon = by_segment(ADDON_PRICE).astype(np.int64)
        addon[sell] = True
        addon_start[sell] = any_day[sell]
        addon_m[sell] = m
        addon_mrr[sell] = np.where(annual, _annual_price(list_addon), list_addon)[sell]
        addon_plan[sell] = np.where(u[5] < 0.4, 4, 3)[sell]

        # Win-backs: churned customers return after a gap, on a new contract.
        back = (status == 2) & (m - churned_in >= WIN_BACK_GAP) & (u[6] < WIN_BACK)
        # Arrivals, a few of them refunded within their first month.
        arrive = arrival == m
        refund = arrive & (arrival_day <= 21) & (u[7] < REFUND)
        new = back | arrive
        day = np.where(arrive, arrival_day, rng.integers(1, 29, n))
        p_annual = np.where(back, ANNUAL_SHARE_WIN_BACK, by_segment(ANNUAL_SHARE))
        annual[new] = (u[8] < p_annual)[new]
        bill_day[new] = day[new]
        run_m[new] = m
        new_price = _new_price(rng, segment, employees)
        on_day = _days(this_month, day)
        open_main(back, on_day, m, new_price, WIN_BACK_)
        open_main(arrive, on_day, m, new_price, NEW)
        status[new] = 1
        origin[refund] = REFUNDED
        close_main(refund, start + rng.integers(3, 8, n))
        status[refund] = 3

    active = status == 1
    close_main(active, np.full(n, nat))
    close_addon(active & addon, np.full(n, nat))
    return {"subscriptions": _subscription_frame(book.frame(), customers)}


def _subscription_frame(book: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Order the simulated subscriptions, give them ids and readable columns."""
    book = book.iloc[
        np.lexsort(
            (
                book["origin"].to_numpy(),
                book["customer"].to_numpy(),
                book["start"].to_numpy(),
            )
        )
    ].reset_index(drop=True)
    number = np.arange(1, len(book) + 1).astype(str)
    return pd.DataFrame(
        {
            "subscription_id": np.char.add("sub-", np.char.zfill(number, 6)),
            "customer_id": customers["customer_id"].to_numpy()[book["customer"]],
            "start": book["start"].to_numpy("datetime64[D]").astype("datetime64[ns]"),
            "end": book["end"].to_numpy("datetime64[D]").astype("datetime64[ns]"),
            "mrr": book["mrr"].to_numpy(np.int64),
            "currency": _CURRENCY,
            "plan": np.array(PLANS)[book["plan"].to_numpy(np.int64)],
            "billing_interval": np.array(INTERVALS)[book["annual"].to_numpy(np.int64)],
            "_origin": np.array(ORIGINS)[book["origin"].to_numpy(np.int64)],
        }
    )


#: Days from winning a deal to its subscription's start: [0, high), by deal type.
NEW_LEAD_DAYS: Final = 26
EXPANSION_LEAD_DAYS: Final = 15
#: Segments whose expansion deals the customer-sales team works from the pilot on.
PILOT_SEGMENTS: Final = ("mid_market", "enterprise")
#: Share of those expansion deals that came from the team's own proposals (the
#: rest were self-serve or customer-success renewals): about 130,000 yen of new
#: MRR per person-month, the figure of the customer-sales ROI example.
PILOT_SHARE: Final = 0.15
#: Cost category of each role.
COST_CATEGORY: Final = {
    Role.INSIDE_SALES: "sales",
    Role.FIELD_SALES: "sales",
    Role.CUSTOMER_SUCCESS: "customer_success",
    Role.CUSTOMER_SALES: "customer_success",
    Role.CUSTOMER_MARKETING: "customer_success",
    Role.CUSTOMER_SUPPORT: "customer_success",
}
#: Marketing program spend per customer a channel brings, in yen ("outbound"
#: is staff-driven and has none): content and ads, partner referral fees, events.
PROGRAM_COST: Final = {"inbound": 1_150_000, "partner": 450_000, "event": 1_700_000}
PROGRAM_SIGMA: Final = 0.2  # lognormal noise of a month's program spend
#: Brand and tools: yen in January 2023, monthly growth, lognormal noise.
BRAND_COST: Final = (4_000_000, 0.02, 0.1)


def _months_since_first(days: DayArray) -> IntArray:
    """Month index (0 is January 2023) of each day."""
    months: IntArray = (days.astype("datetime64[M]") - FIRST_MONTH).astype(np.int64)
    return months


def _expansions(subs: pd.DataFrame) -> pd.DataFrame:
    """Upgrades (MRR above the subscription they replace) and add-ons."""
    main = subs[~subs["plan"].str.startswith("addon")]
    upgrades = main[main["_origin"] == ORIGINS[UPGRADE_]]
    replaced = upgrades.merge(
        main[["customer_id", "end", "mrr"]],
        left_on=["customer_id", "start"],
        right_on=["customer_id", "end"],
        suffixes=("", "_old"),
        validate="one_to_one",
    )
    if len(replaced) != len(upgrades):
        msg = "every upgrade must replace a main subscription ending the day it starts"
        raise ValueError(msg)
    upsell = replaced.assign(kind="upsell", mrr=replaced["mrr"] - replaced["mrr_old"])
    addons = subs[subs["_origin"] == ORIGINS[CROSS_SELL_]].assign(kind="cross_sell")
    columns = ["customer_id", "kind", "mrr", "start"]
    return pd.concat([upsell[columns], addons[columns]], ignore_index=True)


def _acquisitions(subs: pd.DataFrame) -> pd.DataFrame:
    """Return each customer's first month (refunds included) and win-backs."""
    first_month = (
        subs.groupby("customer_id")["start"].transform("min").dt.to_period("M")
    )
    first = subs[subs["start"].dt.to_period("M") == first_month]
    signed = first.groupby("customer_id", as_index=False).agg(
        mrr=("mrr", "sum"), start=("start", "min")
    )
    back = subs.loc[
        subs["_origin"] == ORIGINS[WIN_BACK_], ["customer_id", "mrr", "start"]
    ]
    acquired: pd.DataFrame = pd.concat([signed, back], ignore_index=True)
    return acquired.assign(kind="new")


def _customer_sales_owner(
    customer_number: IntArray, staff: pd.DataFrame
) -> npt.NDArray[np.str_]:
    """Deal customers round-robin to the customer-sales team, in proportion to fte."""
    team = staff[staff["role"] == Role.CUSTOMER_SALES.value].sort_values("staff_id")
    seats = np.maximum(np.rint(2 * team["fte"].to_numpy(np.float64)), 1).astype(
        np.int64
    )
    cycle = np.repeat(team["staff_id"].to_numpy(str), seats)
    owners: npt.NDArray[np.str_] = cycle[customer_number % len(cycle)]
    return owners


def make_deals(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``deals`` table, derived from the subscriptions."""
    customers = tables["customers"].set_index("customer_id")
    subs = tables["subscriptions"]
    deals = pd.concat([_acquisitions(subs), _expansions(subs)], ignore_index=True)
    deals = deals.sort_values(["start", "customer_id", "kind", "mrr"], kind="stable")
    deals = deals.reset_index(drop=True)
    new = (deals["kind"] == "new").to_numpy()
    lead = rng.integers(0, np.where(new, NEW_LEAD_DAYS, EXPANSION_LEAD_DAYS))
    start = deals["start"].to_numpy("datetime64[D]")
    won_on = start - lead.astype("timedelta64[D]")
    who = customers.loc[deals["customer_id"]]
    field = who["field_sales_rep"].fillna("").to_numpy(str)
    inside = who["inside_sales_rep"].to_numpy(str)
    number = deals["customer_id"].str.removeprefix("cus-").to_numpy(np.int64)
    proposed = rng.random(len(deals)) < PILOT_SHARE
    pilot = (
        ~new
        & proposed
        & (won_on >= np.datetime64(CUSTOMER_SALES_PILOT[0]))
        & who["segment"].isin(PILOT_SEGMENTS).to_numpy()
    )
    closer = np.where(field != "", field, inside)
    expansion_owner = np.where(
        pilot,
        _customer_sales_owner(number, tables["staff"]),
        who["cs_owner"].to_numpy(str),
    )
    frame = pd.DataFrame(
        {
            "customer_id": deals["customer_id"].to_numpy(str),
            "kind": deals["kind"].to_numpy(str),
            "mrr": deals["mrr"].to_numpy(np.int64),
            "currency": _CURRENCY,
            "won_on": won_on.astype("datetime64[ns]"),
            "owner_id": np.where(new, closer, expansion_owner),
            "sourced_by": np.where(new & (closer != inside), inside, ""),
        }
    )
    frame = frame.iloc[np.argsort(won_on, kind="stable")].reset_index(drop=True)
    number_str = np.arange(1, len(frame) + 1).astype(str)
    frame.insert(0, "deal_id", np.char.add("dl-", np.char.zfill(number_str, 5)))
    frame["sourced_by"] = frame["sourced_by"].replace("", None)
    return {"deals": frame}


def make_costs(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``costs`` table: staff, channel programs, brand, by month."""
    staff, customers = tables["staff"], tables["customers"]
    month_index = np.arange(N_MONTHS)
    first_day = (FIRST_MONTH + month_index).astype("datetime64[D]")
    next_day = (FIRST_MONTH + month_index + 1).astype("datetime64[D]")
    # Staff: one row per member employed on any day of the month.
    hired = staff["start"].to_numpy("datetime64[D]")
    left = staff["end"].to_numpy("datetime64[D]")
    employed = (np.isnat(hired) | (hired < next_day[:, None])) & (
        np.isnat(left) | (left > first_day[:, None])
    )
    m_staff, s_staff = np.nonzero(employed)
    cost = np.rint(
        staff["monthly_cost"].to_numpy(np.float64) * staff["fte"].to_numpy(np.float64)
    ).astype(np.int64)
    category = staff["role"].map({r.value: c for r, c in COST_CATEGORY.items()})
    # Programs: spend in proportion to the customers each channel brings.
    channels = np.array(list(PROGRAM_COST))
    acquired = _months_since_first(customers["_acquired"].to_numpy("datetime64[D]"))
    channel = pd.Index(channels).get_indexer(pd.Index(customers["acquisition_channel"]))
    paid = channel >= 0
    cell = acquired[paid] * len(channels) + channel[paid]
    brought = np.bincount(cell, minlength=N_MONTHS * len(channels)).reshape(
        N_MONTHS, len(channels)
    )
    noise = np.exp(
        PROGRAM_SIGMA * rng.standard_normal(brought.shape) - PROGRAM_SIGMA**2 / 2
    )
    per_customer = np.array(list(PROGRAM_COST.values()), np.float64)
    program = np.round(brought * per_customer * noise, -4).astype(np.int64)
    base, growth, sigma = BRAND_COST
    brand_noise = np.exp(sigma * rng.standard_normal(N_MONTHS) - sigma**2 / 2)
    brand = np.round(base * (1 + growth) ** month_index * brand_noise, -4)
    n_ch = len(channels)
    frame = pd.DataFrame(
        {
            "month": np.concatenate(
                [m_staff, np.repeat(month_index, n_ch), month_index]
            ),
            "order": np.concatenate(
                [s_staff, len(staff) + np.tile(np.arange(n_ch), N_MONTHS),
                 np.full(N_MONTHS, len(staff) + n_ch)]
            ),
            "category": np.concatenate(
                [category.to_numpy(str)[s_staff],
                 np.full(N_MONTHS * (n_ch + 1), "marketing")]
            ),
            "amount": np.concatenate(
                [cost[s_staff], program.ravel(), brand.astype(np.int64)]
            ),
            "channel": np.concatenate(
                [np.full(len(m_staff), ""), np.tile(channels, N_MONTHS),
                 np.full(N_MONTHS, "")]
            ),
            "staff_id": np.concatenate(
                [staff["staff_id"].to_numpy(str)[s_staff],
                 np.full(N_MONTHS * (n_ch + 1), "")]
            ),
        }
    )  # fmt: skip
    frame = frame.sort_values(["month", "order"], kind="stable").reset_index(drop=True)
    costs = pd.DataFrame(
        {
            "month": first_day[frame["month"]].astype("datetime64[ns]"),
            "category": frame["category"],
            "amount": frame["amount"].to_numpy(np.int64),
            "currency": _CURRENCY,
            "channel": frame["channel"].replace("", None),
            "staff_id": frame["staff_id"].replace("", None),
        }
    )
    return {"costs": costs}


# Customer-success operations: usage, owners, onboarding, tickets, activities.

#: The first day after the horizon.
AFTER_HORIZON: Final = np.datetime64(_AS_OF, "D") + 1
#: Seats by main-plan list price: log-linear between these knots (yen, seats),
#: then clipped to the plan's range; fixed for a subscription's life.
SEAT_PRICE_KNOTS: Final = (10_000, 60_000, 200_000, 1_500_000)
SEAT_KNOTS: Final = (3, 10, 60, 600)
SEAT_RANGE: Final = {"starter": (3, 10), "standard": (10, 60), "enterprise": (60, 600)}
SEAT_SIGMA: Final = 0.15  # per-customer log-normal spread around the knots
#: Feature usage rate: a per-customer baseline on the logit scale (intercept,
#: decrease per log of the hazard ratio to the median, spread), monthly
#: log-normal noise, a ramp in a run's first two months, and for most churners
#: a drop over the 1-4 months before the churn (share who drop, depth range).
USAGE_LOGIT: Final = (0.35, 0.7, 0.45)
USAGE_NOISE: Final = 0.5
USAGE_RAMP: Final = (0.75, 0.9)
USAGE_DROP: Final = (0.8, 0.3, 0.65)
LOGINS_PER_USER: Final = (8.0, 25.0)
NPS_RESPONSE: Final = 0.75  # share of accounts answering their quarterly survey
NPS_SIGMA: Final = 1.6
#: CS owner changes: share of customers, after this many paid months.
OWNER_CHANGE: Final = 0.15
OWNER_CHANGE_AFTER: Final = 3
#: Customer-support staff (smb onboarding, tickets); the first takes this share.
SUPPORT: Final = ("st-028", "st-029")
SUPPORT_SHARE: Final = 0.55
#: Onboarding: median days to complete by segment, spread, clip; the chance it
#: stalls (never completes) for others and for customers who leave within
#: `EARLY_CHURN_DAYS` of their first start.
ONBOARDING_DAYS: Final = (14.0, 30.0, 50.0)
ONBOARDING_SIGMA: Final = 0.45
ONBOARDING_LIMITS: Final = (5, 90)
ONBOARDING_STALLED: Final = (0.02, 0.35)
EARLY_CHURN_DAYS: Final = 183
#: Tickets per account-month: base rate at `TICKET_SEATS` seats and 50% usage,
#: seat elasticity, low-usage effect (per unit of usage below 50%), and the
#: multiplier of a run's first month; share opened in business hours.
TICKET_RATE: Final = (0.55, 0.3, 1.6, 1.5)
TICKET_SEATS: Final = 20
BUSINESS_HOURS_SHARE: Final = 0.85
TICKET_CATEGORIES: Final = ("how_to", "bug", "billing", "feature_request")
TICKET_CATEGORY_SHARE: Final = (0.42, 0.25, 0.15, 0.18)
#: Business minutes to the first response (median per support member in
#: `SUPPORT` order, spread, clip), and to resolution after it (median per
#: category in `TICKET_CATEGORIES` order, spread, clip).
FIRST_RESPONSE: Final = ((45.0, 150.0), 1.0, (3, 2 * 540))
RESOLUTION: Final = ((150.0, 900.0, 240.0, 1_500.0), 1.0, (30, 7 * 540))
#: The support desk's day in minutes: opens at 9:00 for 9 hours, weekdays.
DESK_OPENS: Final = 9 * 60
DESK_MINUTES: Final = 9 * 60
BUSINESS_EPOCH: Final = np.datetime64("2022-01-03", "D")  # a Monday
#: Customer-success owners' 1:1 calls and meetings per account-month, by team.
CS_TOUCHES: Final = {"cs-high-touch": (0.8, 0.35), "cs-tech-touch": (0.12, 0.03)}
#: Customer sales: days from an opportunity to the deal it becomes; its MRR
#: as a multiple of the deal's; lost opportunities per won one and their MRR
#: as a share of the account's; extra proposals per opportunity (Poisson, one
#: always) and the days after a lost opportunity they fall in.
OPPORTUNITY_LEAD: Final = (7, 45)
OPPORTUNITY_MARKUP: Final = (1.0, 1.4)
LOST_PER_WON: Final = 1.5
LOST_SHARE: Final = (0.15, 0.6)
EXTRA_PROPOSALS: Final = 0.6
PROPOSAL_WINDOW: Final = 21


def _customer_index(customers: pd.DataFrame, ids: pd.Series) -> IntArray:
    """Position in `customers` of each customer id."""
    found: IntArray = (
        pd.Index(customers["customer_id"]).get_indexer(pd.Index(ids)).astype(np.int64)
    )
    return found


def _month_bounds(months: IntArray) -> tuple[DayArray, DayArray]:
    """First and last day of each month index (0 is January 2023)."""
    first: DayArray = (FIRST_MONTH + months).astype("datetime64[D]")
    last: DayArray = (FIRST_MONTH + months + 1).astype("datetime64[D]") - 1
    return first, last


def _uniform_day(rng: np.random.Generator, low: DayArray, high: DayArray) -> DayArray:
    """Draw a day uniformly from [low, high] (both included), row by row."""
    span = (high - low).astype(np.int64) + 1
    offset = np.floor(rng.random(len(low)) * span).astype(np.int64)
    days: DayArray = low + offset.astype("timedelta64[D]")
    return days


def _uniform_weekday(
    rng: np.random.Generator, low: DayArray, high: DayArray
) -> DayArray:
    """Draw a weekday uniformly from [low, high]; any day there if none is one."""
    weekdays = np.busday_count(low, high + 1).astype(np.int64)
    pick = np.floor(rng.random(len(low)) * np.maximum(weekdays, 1)).astype(np.int64)
    weekday = np.busday_offset(low, pick, roll="forward")
    days: DayArray = np.where(weekdays > 0, weekday, _uniform_day(rng, low, high))
    return days


def _business_position(at: DayArray) -> IntArray:
    """Count business minutes (9:00-18:00, weekdays) from `BUSINESS_EPOCH` to `at`."""
    day = at.astype("datetime64[D]")
    minute = (at - day).astype("timedelta64[m]").astype(np.int64)
    open_day = np.is_busday(day)
    within = np.where(open_day, np.clip(minute - DESK_OPENS, 0, DESK_MINUTES), 0)
    before = np.busday_count(BUSINESS_EPOCH, day).astype(np.int64)
    position: IntArray = before * DESK_MINUTES + within
    return position


def _add_business_minutes(at: DayArray, minutes: IntArray) -> DayArray:
    """Return the minute `minutes` business minutes after `at` (minute timestamps)."""
    position = _business_position(at) + minutes
    day = np.busday_offset(BUSINESS_EPOCH, position // DESK_MINUTES, roll="forward")
    later: DayArray = day.astype("datetime64[m]") + (
        DESK_OPENS + position % DESK_MINUTES
    ).astype("timedelta64[m]")
    return later


def _lognormal(
    rng: np.random.Generator,
    median: FloatArray,
    sigma: float,
    limits: tuple[int, int],
) -> IntArray:
    """Whole numbers from a log-normal with `median` per row, clipped to `limits`."""
    raw = median * np.exp(sigma * rng.standard_normal(len(median)))
    values: IntArray = np.clip(np.rint(raw), *limits).astype(np.int64)
    return values


def _seats(subs: pd.DataFrame, factor: FloatArray) -> IntArray:
    """Seats of each subscription, from its list price and plan (0 for add-ons)."""
    mrr = subs["mrr"].to_numpy(np.float64)
    annual = (subs["billing_interval"] == "annual").to_numpy(bool)
    list_price = np.where(annual, mrr / 0.85, mrr)
    raw = np.exp(
        np.interp(
            np.log(np.maximum(list_price, 1.0)),
            np.log(np.asarray(SEAT_PRICE_KNOTS, np.float64)),
            np.log(np.asarray(SEAT_KNOTS, np.float64)),
        )
    )
    plan = subs["plan"]
    low = plan.map({p: r[0] for p, r in SEAT_RANGE.items()}).fillna(0)
    high = plan.map({p: r[1] for p, r in SEAT_RANGE.items()}).fillna(0)
    seats = np.clip(
        np.rint(raw * factor), low.to_numpy(np.float64), high.to_numpy(np.float64)
    )
    return seats.astype(np.int64)


def _paid_months(customers: pd.DataFrame, subs: pd.DataFrame) -> pd.DataFrame:
    """Each subscription's months with it active at the month's last day.

    A subscription counts in month m when start <= last day of m < end, so its
    months run from its start month to the month before its end month.
    """
    start = subs["start"].to_numpy("datetime64[D]")
    end = subs["end"].to_numpy("datetime64[D]")
    first = _months_since_first(start)
    end_month = np.where(np.isnat(end), N_MONTHS, _months_since_first(end))
    last = np.minimum(end_month, N_MONTHS) - 1
    paying = subs["mrr"].to_numpy(np.int64) > 0
    count = np.where(paying, np.maximum(last - first + 1, 0), 0)
    row = np.repeat(np.arange(len(subs)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return pd.DataFrame(
        {
            "customer": _customer_index(customers, subs["customer_id"])[row],
            "month": first[row] + offset,
            "row": row,
        }
    )


def _months_to_churn(customer: IntArray, month: IntArray, ahead: int) -> IntArray:
    """Months from each paid customer-month to the next month-end without MRR.

    Looks `ahead` months ahead and not past the horizon; ``ahead + 1`` when no
    such month is seen.
    """
    width = N_MONTHS + ahead + 2
    keys = np.sort(customer * width + month)
    out = np.full(len(month), ahead + 1, np.int64)
    for k in range(ahead, 0, -1):  # one pass per month ahead, not per row
        gone = ~np.isin(customer * width + month + k, keys) & (month + k < N_MONTHS)
        out[gone] = k
    return out


def make_usage(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``usage`` table: one row per customer-month with MRR at its end."""
    customers, subs = tables["customers"], tables["subscriptions"]
    n = len(customers)
    seat_factor = np.exp(SEAT_SIGMA * rng.standard_normal(n))
    seats = _seats(subs, seat_factor[_customer_index(customers, subs["customer_id"])])
    paid = _paid_months(customers, subs)
    row = paid["row"].to_numpy(np.int64)
    paid = paid.assign(
        seats=seats[row],
        mrr=subs["mrr"].to_numpy(np.int64)[row],
        start=subs["start"].to_numpy("datetime64[D]")[row],
    )
    cm = (
        paid.groupby(["month", "customer"], sort=True)
        .agg(seats=("seats", "max"), mrr=("mrr", "sum"), start=("start", "min"))
        .reset_index()
    )
    customer = cm["customer"].to_numpy(np.int64)
    month = cm["month"].to_numpy(np.int64)
    rows = len(month)
    first_day, _ = _month_bounds(month)
    width = N_MONTHS + 2
    keys = np.sort(customer * width + month)
    continued = np.isin(customer * width + month - 1, keys)
    # The first day of the month the customer is surely active: the month's
    # first day, or the start of a run (sign-up or win-back) that began in it.
    from_day = np.where(continued, first_day, cm["start"].to_numpy("datetime64[D]"))
    by_customer = np.lexsort((month, customer))
    run = np.cumsum(~continued[by_customer])
    run_start = pd.Series(month[by_customer]).groupby(run).transform("min")
    run_month = np.empty(rows, np.int64)
    run_month[by_customer] = month[by_customer] - run_start.to_numpy(np.int64)
    to_churn = _months_to_churn(customer, month, 4)

    hazard = customers["_hazard"].to_numpy(np.float64)
    intercept, slope, spread = USAGE_LOGIT
    logit = intercept - slope * np.log(hazard / np.median(hazard))
    logit = logit + spread * rng.standard_normal(n)
    lead = rng.integers(1, 5, n)  # months before a churn that usage falls
    falls = rng.random(n) < USAGE_DROP[0]
    depth = rng.uniform(USAGE_DROP[1], USAGE_DROP[2], n)
    ramp = np.ones(rows)
    ramp[run_month == 0], ramp[run_month == 1] = USAGE_RAMP
    falling = falls[customer] & (to_churn <= lead[customer])
    progress = (lead[customer] - to_churn + 1) / lead[customer]
    drop = np.where(falling, 1 - depth[customer] * progress, 1.0)
    level = ramp * drop / (1 + np.exp(-logit[customer]))
    noisy = np.log(level / (1 - level)) + USAGE_NOISE * rng.standard_normal(rows)
    rate = np.round(1 / (1 + np.exp(-noisy)), 3)

    seats_cm = cm["seats"].to_numpy(np.int64)
    share = 0.3 + 0.65 * level + 0.05 * rng.standard_normal(rows)
    active_users = rng.binomial(seats_cm, np.clip(share, 0.02, 1.0)).astype(np.int64)
    per_user = rng.uniform(*LOGINS_PER_USER, n)[customer]
    logins = np.rint(
        active_users * per_user * np.exp(0.15 * rng.standard_normal(rows))
    ).astype(np.int64)
    surveyed = (month - rng.integers(0, 3, n)[customer]) % 3 == 0
    answered = surveyed & (rng.random(rows) < NPS_RESPONSE)
    score = np.rint(2.5 + 8 * level + NPS_SIGMA * rng.standard_normal(rows))
    nps = pd.array(np.clip(score, 0, 10).astype(np.int64), dtype="Int64")
    nps[~answered] = pd.NA
    usage = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(str)[customer],
            "month": first_day.astype("datetime64[ns]"),
            "seats": seats_cm,
            "active_users": active_users,
            "logins": logins,
            "feature_usage_rate": rate,
            "nps": nps,
            "_customer": customer,
            "_month": month,
            "_from": from_day,
            "_mrr": cm["mrr"].to_numpy(np.int64),
            "_run_month": run_month,
            "_to_churn": to_churn,
        }
    )
    return {"usage": usage}


def _staff_number(ids: pd.Series) -> IntArray:
    """Numbers of ``st-NNN`` staff ids."""
    numbers: IntArray = ids.str.removeprefix("st-").to_numpy(np.int64)
    return numbers


def make_cs_owners(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the internal ``_cs_owners`` table: the customer-success assignments.

    Each customer's CS owner covers it from its first start; for about
    `OWNER_CHANGE` of the customers another member of the same team covered
    it until a change in one of its paid months after the first
    `OWNER_CHANGE_AFTER`, so the owner in force at the end is ``cs_owner``.
    """
    customers, subs = tables["customers"], tables["subscriptions"]
    usage = tables["usage"]
    n = len(customers)
    first_start = (
        subs.groupby("customer_id")["start"].min().reindex(customers["customer_id"])
    ).to_numpy("datetime64[D]")
    final = _staff_number(customers["cs_owner"])
    customer = usage["_customer"].to_numpy(np.int64)
    months = np.bincount(customer, minlength=n)
    eligible = np.flatnonzero(months > OWNER_CHANGE_AFTER)
    size = min(round(OWNER_CHANGE * n), len(eligible))
    changed = np.zeros(n, bool)
    changed[rng.choice(eligible, size=size, replace=False)] = True
    rank = usage.groupby("_customer").cumcount().to_numpy(np.int64)
    pick = OWNER_CHANGE_AFTER + np.floor(
        rng.random(n) * np.maximum(months - OWNER_CHANGE_AFTER, 1)
    ).astype(np.int64)
    chosen = usage[changed[customer] & (rank == pick[customer])]
    on = _days(chosen["_month"].to_numpy(np.int64), rng.integers(1, 29, len(chosen)))
    change = np.full(n, np.datetime64("NaT", "D"))
    change[chosen["_customer"].to_numpy(np.int64)] = np.maximum(
        on, chosen["_from"].to_numpy("datetime64[D]")
    )
    team_first = np.where(final <= 21, 19, 22)
    earlier = team_first + (final - team_first + rng.integers(1, 3, n)) % 3
    ids = customers["customer_id"].to_numpy(str)
    owners = pd.DataFrame(
        {
            "customer_id": np.concatenate([ids, ids[changed]]),
            "staff_id": staff_id(
                np.concatenate([np.where(changed, earlier, final), final[changed]])
            ),
            "role": Role.CUSTOMER_SUCCESS.value,
            "start": np.concatenate([first_start, change[changed]]),
            "end": np.concatenate(
                [change, np.full(int(changed.sum()), np.datetime64("NaT", "D"))]
            ),
        }
    )
    owners = owners.sort_values(["customer_id", "start"], kind="stable")
    return {"_cs_owners": owners.reset_index(drop=True)}


def _cs_timeline(
    owners: pd.DataFrame, customers: pd.DataFrame
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.str_], DayArray]:
    """Per customer: the first CS owner, the last, and the day it changed (NaT)."""
    first = owners.drop_duplicates("customer_id", keep="first").set_index("customer_id")
    last = owners.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    ids = customers["customer_id"]
    changed = first["end"].reindex(ids).to_numpy("datetime64[D]")
    return (
        first["staff_id"].reindex(ids).to_numpy(str),
        last["staff_id"].reindex(ids).to_numpy(str),
        changed,
    )


def _first_run_end(customers: pd.DataFrame, subs: pd.DataFrame) -> DayArray:
    """Each customer's first day with no subscription after its first start.

    NaT while the first run lasts (it never lapsed by the horizon).
    """
    ordered = subs.sort_values(["customer_id", "start"], kind="stable")
    customer = _customer_index(customers, ordered["customer_id"])
    start = ordered["start"].to_numpy("datetime64[D]").astype(np.int64)
    end_days = ordered["end"].to_numpy("datetime64[D]")
    never = np.iinfo(np.int64).max
    end = np.where(np.isnat(end_days), never, end_days.astype(np.int64))
    reach = pd.Series(end).groupby(customer).cummax().to_numpy(np.int64)
    group_first = np.r_[True, customer[1:] != customer[:-1]]
    before = np.r_[never, reach[:-1]]
    gap = ~group_first & (start > before)
    group_last = np.r_[customer[1:] != customer[:-1], True]
    out = np.full(len(customers), never, np.int64)
    out[customer[group_last]] = reach[group_last]
    gaps = pd.Series(before[gap]).groupby(customer[gap]).first()
    out[gaps.index.to_numpy(np.int64)] = gaps.to_numpy(np.int64)
    ended: DayArray = np.where(
        out == never, np.datetime64("NaT", "D"), out.astype("datetime64[D]")
    )
    return ended


def make_onboarding(
    rng: np.random.Generator, tables: Tables
) -> dict[str, pd.DataFrame]:
    """Return the ``onboarding`` table: one row per customer, from its first start."""
    customers, subs = tables["customers"], tables["subscriptions"]
    n = len(customers)
    started = (
        subs.groupby("customer_id")["start"].min().reindex(customers["customer_id"])
    ).to_numpy("datetime64[D]")
    left = _first_run_end(customers, subs)
    segment = pd.Index(SEGMENTS).get_indexer(pd.Index(customers["segment"]))
    median = np.asarray(ONBOARDING_DAYS, np.float64)[segment]
    days = _lognormal(rng, median, ONBOARDING_SIGMA, ONBOARDING_LIMITS)
    completed = started + days.astype("timedelta64[D]")
    early = (left - started).astype("timedelta64[D]").astype(np.int64)
    early_churn = ~np.isnat(left) & (early < EARLY_CHURN_DAYS)
    usual, early_leaver = ONBOARDING_STALLED
    stalled = rng.random(n) < np.where(early_churn, early_leaver, usual)
    missing = stalled | (completed >= left) | (completed >= AFTER_HORIZON)
    support = np.where(rng.random(n) < SUPPORT_SHARE, *SUPPORT)
    first_owner, _, _ = _cs_timeline(tables["_cs_owners"], customers)
    onboarding = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(str),
            "started_on": started.astype("datetime64[ns]"),
            "completed_on": np.where(missing, np.datetime64("NaT"), completed).astype(
                "datetime64[ns]"
            ),
            "owner_id": np.where(segment == 0, support, first_owner),
        }
    )
    return {"onboarding": onboarding}


def make_tickets(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``tickets`` table: inquiries to customer support."""
    usage, customers = tables["usage"], tables["customers"]
    base, elasticity, low_usage, first_month = TICKET_RATE
    seats = usage["seats"].to_numpy(np.float64)
    rate = usage["feature_usage_rate"].to_numpy(np.float64)
    expected = (
        base
        * (np.maximum(seats, 1) / TICKET_SEATS) ** elasticity
        * np.exp(low_usage * (0.5 - rate))
        * np.where(usage["_run_month"].to_numpy(np.int64) == 0, first_month, 1.0)
    )
    row = np.repeat(np.arange(len(usage)), rng.poisson(expected))
    k = len(row)
    low = usage["_from"].to_numpy("datetime64[D]")[row]
    _, high = _month_bounds(usage["_month"].to_numpy(np.int64)[row])
    office = rng.random(k) < BUSINESS_HOURS_SHARE
    day = np.where(
        office, _uniform_weekday(rng, low, high), _uniform_day(rng, low, high)
    )
    minute = np.where(
        office, DESK_OPENS + rng.integers(0, DESK_MINUTES, k), rng.integers(0, 1440, k)
    )
    opened = day.astype("datetime64[m]") + minute.astype("timedelta64[m]")
    second = rng.random(k) >= SUPPORT_SHARE
    by_member, sigma, limits = FIRST_RESPONSE
    wait = _lognormal(
        rng, np.asarray(by_member)[second.astype(np.int64)], sigma, limits
    )
    answered = _add_business_minutes(opened, wait)
    shares = np.tile(np.asarray(TICKET_CATEGORY_SHARE, np.float64), (k, 1))
    shares[:, 0] += 0.3 * np.clip(0.5 - rate[row], 0, None)  # lost users ask more
    category = _pick(rng, shares / shares.sum(axis=1, keepdims=True))
    by_category, sigma, limits = RESOLUTION
    work = _lognormal(rng, np.asarray(by_category)[category], sigma, limits)
    resolved = _add_business_minutes(answered, work)
    horizon = AFTER_HORIZON.astype("datetime64[m]")
    nat = np.datetime64("NaT", "m")
    tickets = pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(str)[
                usage["_customer"].to_numpy(np.int64)[row]
            ],
            "opened_at": opened.astype("datetime64[ns]"),
            "first_response_at": np.where(answered < horizon, answered, nat).astype(
                "datetime64[ns]"
            ),
            "resolved_at": np.where(resolved < horizon, resolved, nat).astype(
                "datetime64[ns]"
            ),
            "owner_id": np.where(second, SUPPORT[1], SUPPORT[0]),
            "category": np.asarray(TICKET_CATEGORIES)[category],
        }
    )
    tickets = tickets.sort_values(["opened_at", "customer_id"], kind="stable")
    tickets = tickets.reset_index(drop=True)
    number = np.arange(1, k + 1).astype(str)
    tickets.insert(0, "ticket_id", np.char.add("tk-", np.char.zfill(number, 6)))
    return {"tickets": tickets}


def _cs_touches(
    rng: np.random.Generator,
    usage: pd.DataFrame,
    owners: pd.DataFrame,
    customers: pd.DataFrame,
    staff: pd.DataFrame,
) -> pd.DataFrame:
    """Return the CS owners' calls and meetings with the accounts they hold."""
    first, last, change = _cs_timeline(owners, customers)
    team = staff.set_index("staff_id")["team"]
    customer = usage["_customer"].to_numpy(np.int64)
    account_team = team.reindex(last).to_numpy(str)[customer]
    calls_rate = np.array([CS_TOUCHES[t][0] for t in CS_TOUCHES])
    meetings_rate = np.array([CS_TOUCHES[t][1] for t in CS_TOUCHES])
    which = pd.Index(list(CS_TOUCHES)).get_indexer(pd.Index(account_team))
    calls = rng.poisson(calls_rate[which])
    meetings = rng.poisson(meetings_rate[which])
    count = calls + meetings
    row = np.repeat(np.arange(len(usage)), count)
    within = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    kind = np.where(
        within < calls[row],
        ActivityKind.ONE_ON_ONE_CALL.value,
        ActivityKind.MEETING.value,
    )
    low = usage["_from"].to_numpy("datetime64[D]")[row]
    _, high = _month_bounds(usage["_month"].to_numpy(np.int64)[row])
    on = _uniform_weekday(rng, low, high)
    who = customer[row]
    after = ~np.isnat(change[who]) & (on >= change[who])
    return pd.DataFrame(
        {
            "staff_id": np.where(after, last[who], first[who]),
            "kind": kind,
            "on": on,
            "customer": who,
            "mrr": 0,
        }
    )


def _customer_sales_work(
    rng: np.random.Generator,
    usage: pd.DataFrame,
    deals: pd.DataFrame,
    customers: pd.DataFrame,
    staff: pd.DataFrame,
) -> pd.DataFrame:
    """Return customer sales' opportunities (won and lost) and proposals, 2025 on."""
    team = staff.loc[staff["role"] == Role.CUSTOMER_SALES.value, "staff_id"]
    pilot = np.datetime64(CUSTOMER_SALES_PILOT[0], "D")
    won = deals[deals["owner_id"].isin(team)]
    won_on = won["won_on"].to_numpy("datetime64[D]")
    shortest, longest = (np.timedelta64(days, "D") for days in OPPORTUNITY_LEAD)
    opened = _uniform_weekday(
        rng,
        np.maximum(won_on - longest, pilot),
        np.maximum(won_on - shortest, pilot),
    )
    markup = rng.uniform(*OPPORTUNITY_MARKUP, len(won))
    won_mrr = -(-np.ceil(won["mrr"].to_numpy(np.float64) * markup) // 1_000) * 1_000
    # Lost opportunities: in the paid months of 2025 of the team's segments.
    segment = customers["segment"].to_numpy(str)
    customer = usage["_customer"].to_numpy(np.int64)
    from_pilot = _months_since_first(np.array([pilot]))[0]
    eligible = usage[
        (usage["_month"].to_numpy(np.int64) >= from_pilot)
        & np.isin(segment[customer], PILOT_SEGMENTS)
    ]
    size = min(round(LOST_PER_WON * len(won)), len(eligible))
    lost = eligible.iloc[np.sort(rng.choice(len(eligible), size=size, replace=False))]
    low = np.maximum(lost["_from"].to_numpy("datetime64[D]"), pilot)
    _, high = _month_bounds(lost["_month"].to_numpy(np.int64))
    lost_on = _uniform_weekday(rng, low, high)
    share = rng.uniform(*LOST_SHARE, len(lost))
    lost_mrr = np.maximum(
        np.round(lost["_mrr"].to_numpy(np.float64) * share, -3), 5_000
    )
    lost_customer = lost["_customer"].to_numpy(np.int64)
    number = np.arange(1, len(customers) + 1)
    lost_staff = _customer_sales_owner(number, staff)[lost_customer]
    opportunities = pd.DataFrame(
        {
            "staff_id": np.concatenate([won["owner_id"].to_numpy(str), lost_staff]),
            "kind": ActivityKind.OPPORTUNITY.value,
            "on": np.concatenate([opened, lost_on]),
            "customer": np.concatenate(
                [_customer_index(customers, won["customer_id"]), lost_customer]
            ),
            "mrr": np.concatenate([won_mrr, lost_mrr]).astype(np.int64),
        }
    )
    # Proposals follow each opportunity: before the deal, or within a few days
    # (and the same paid month) for lost ones.
    until = np.concatenate(
        [np.maximum(won_on - 1, opened),
         np.minimum(lost_on + PROPOSAL_WINDOW, high)]
    )  # fmt: skip
    count = 1 + rng.poisson(EXTRA_PROPOSALS, len(opportunities))
    row = np.repeat(np.arange(len(opportunities)), count)
    begin = opportunities["on"].to_numpy("datetime64[D]")[row]
    proposals = opportunities.iloc[row].assign(
        kind=ActivityKind.UPSELL_PROPOSAL.value,
        on=_uniform_day(rng, begin, until[row]),
        mrr=0,
    )
    return pd.concat([opportunities, proposals], ignore_index=True)


def make_activities(
    rng: np.random.Generator, tables: Tables
) -> dict[str, pd.DataFrame]:
    """Return the ``activities`` table: CS touches and customer-sales pipeline."""
    customers, staff, usage = tables["customers"], tables["staff"], tables["usage"]
    work = pd.concat(
        [
            _cs_touches(rng, usage, tables["_cs_owners"], customers, staff),
            _customer_sales_work(rng, usage, tables["deals"], customers, staff),
        ],
        ignore_index=True,
    )
    on = work["on"].to_numpy("datetime64[D]")
    order = np.lexsort(
        (
            work["mrr"].to_numpy(np.int64),
            work["customer"].to_numpy(np.int64),
            work["kind"].to_numpy(str),
            work["staff_id"].to_numpy(str),
            on,
        )
    )
    work = work.iloc[order].reset_index(drop=True)
    opportunity = (work["kind"] == ActivityKind.OPPORTUNITY.value).to_numpy(bool)
    mrr = pd.array(work["mrr"].to_numpy(np.int64), dtype="Int64")
    mrr[~opportunity] = pd.NA
    number = np.arange(1, len(work) + 1).astype(str)
    activities = pd.DataFrame(
        {
            "activity_id": np.char.add("ac-", np.char.zfill(number, 6)),
            "staff_id": work["staff_id"].to_numpy(str),
            "kind": work["kind"].to_numpy(str),
            "on": work["on"].to_numpy("datetime64[D]").astype("datetime64[ns]"),
            "customer_id": customers["customer_id"].to_numpy(str)[
                work["customer"].to_numpy(np.int64)
            ],
            "mrr": mrr,
            "currency": np.where(opportunity, _CURRENCY, ""),
        }
    )
    activities["currency"] = activities["currency"].replace("", None)
    return {"activities": activities}


def make_assignments(
    rng: np.random.Generator, tables: Tables
) -> dict[str, pd.DataFrame]:
    """Return the ``assignments`` table: CS owners over time and customer sales."""
    staff, activities = tables["staff"], tables["activities"]
    team = staff.loc[staff["role"] == Role.CUSTOMER_SALES.value, "staff_id"]
    opportunities = activities[
        (activities["kind"] == ActivityKind.OPPORTUNITY.value)
        & activities["staff_id"].isin(team)
    ]
    first = opportunities.sort_values(["on", "activity_id"]).drop_duplicates(
        "customer_id"
    )
    sales = pd.DataFrame(
        {
            "customer_id": first["customer_id"].to_numpy(str),
            "staff_id": first["staff_id"].to_numpy(str),
            "role": Role.CUSTOMER_SALES.value,
            "start": first["on"].to_numpy("datetime64[ns]"),
            "end": np.full(len(first), np.datetime64("NaT"), "datetime64[ns]"),
        }
    )
    owners = tables["_cs_owners"].assign(
        start=lambda f: f["start"].astype("datetime64[ns]"),
        end=lambda f: f["end"].astype("datetime64[ns]"),
    )
    assignments = pd.concat([owners, sales], ignore_index=True)
    assignments = assignments.sort_values(
        ["customer_id", "role", "start"], kind="stable"
    )
    return {"assignments": assignments.reset_index(drop=True)}


#: Inside sales: qualified meetings per won new deal are 1 / conversion, by
#: segment; disqualified and no-show meetings per qualified one (Poisson means).
MEETING_CONVERSION: Final = (0.40, 0.28, 0.18)
MEETING_LEAD_DAYS: Final = (7, 41)  # [low, high) days from meeting to deal won
OTHER_MEETINGS: Final = (0.6, 0.15)  # disqualified, no-show
#: The open pipeline at the horizon: opportunities per segment and the
#: log-normal of their expected MRR (median yen, sigma), wide enough that a
#: large smb prospect can outbid a small enterprise one.
PIPELINE_SIZE: Final = (90, 45, 20)
PIPELINE_MRR: Final = ((45_000, 0.9), (110_000, 0.7), (260_000, 0.6))


def make_meetings(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``meetings`` table: inside sales's meetings behind new deals."""
    customers = tables["customers"].set_index("customer_id")
    deals = tables["deals"]
    new = deals[deals["kind"] == "new"]
    who = customers.loc[new["customer_id"]]
    segment = pd.Index(SEGMENTS).get_indexer(pd.Index(who["segment"])).astype(np.int64)
    won_on = new["won_on"].to_numpy("datetime64[D]")
    lead = rng.integers(*MEETING_LEAD_DAYS, len(new)).astype("timedelta64[D]")
    held = won_on - lead
    conversion = np.array(MEETING_CONVERSION)[segment]
    # Each won deal's qualified meeting, then the qualified ones that did not
    # convert and the disqualified and no-show ones, near it in time.
    unconverted = rng.poisson((1 - conversion) / conversion)
    disqualified = rng.poisson(OTHER_MEETINGS[0] * (1 + unconverted))
    no_show = rng.poisson(OTHER_MEETINGS[1] * (1 + unconverted))
    kinds = np.concatenate(
        [
            np.full(int(unconverted.sum()), MeetingOutcome.QUALIFIED.value),
            np.full(int(disqualified.sum()), MeetingOutcome.DISQUALIFIED.value),
            np.full(int(no_show.sum()), MeetingOutcome.NO_SHOW.value),
        ]
    )
    source = np.concatenate(
        [
            np.repeat(np.arange(len(new)), unconverted),
            np.repeat(np.arange(len(new)), disqualified),
            np.repeat(np.arange(len(new)), no_show),
        ]
    )
    shift = rng.integers(-30, 31, len(source)).astype("timedelta64[D]")
    other_held = np.minimum(held[source] + shift, np.datetime64(_AS_OF, "D"))
    n_won = len(new)
    frame = pd.DataFrame(
        {
            "staff_id": np.concatenate(
                [
                    who["inside_sales_rep"].to_numpy(str),
                    who["inside_sales_rep"].to_numpy(str)[source],
                ]
            ),
            "held_on": np.concatenate([held, other_held]).astype("datetime64[ns]"),
            "outcome": np.concatenate(
                [np.full(n_won, MeetingOutcome.QUALIFIED.value), kinds]
            ),
            "deal_id": np.concatenate(
                [new["deal_id"].to_numpy(str), np.full(len(source), "")]
            ),
            "customer_id": np.concatenate(
                [new["customer_id"].to_numpy(str), np.full(len(source), "")]
            ),
            "segment": np.concatenate(
                [who["segment"].to_numpy(str), who["segment"].to_numpy(str)[source]]
            ),
            "acquisition_channel": np.concatenate(
                [
                    who["acquisition_channel"].to_numpy(str),
                    who["acquisition_channel"].to_numpy(str)[source],
                ]
            ),
        }
    )
    frame = frame.sort_values(["held_on", "staff_id"], kind="stable")
    frame = frame.reset_index(drop=True)
    number = np.arange(1, len(frame) + 1).astype(str)
    frame.insert(0, "meeting_id", np.char.add("mt-", np.char.zfill(number, 6)))
    for col in ("deal_id", "customer_id"):
        frame[col] = frame[col].replace("", None)
    return {"meetings": frame}


def make_pipeline(rng: np.random.Generator, tables: Tables) -> dict[str, pd.DataFrame]:
    """Return the ``pipeline`` table: new-business opportunities open at the horizon."""
    staff = tables["staff"]
    field = staff.loc[staff["role"] == Role.FIELD_SALES.value].sort_values("staff_id")
    inside = staff.loc[staff["role"] == Role.INSIDE_SALES.value].sort_values("staff_id")
    segment = np.repeat(np.arange(len(SEGMENTS)), PIPELINE_SIZE)
    n = len(segment)
    channel = _pick(rng, np.array(CHANNEL_SHARE)[segment])
    median = np.array([m for m, _ in PIPELINE_MRR], np.float64)[segment]
    sigma = np.array([s for _, s in PIPELINE_MRR], np.float64)[segment]
    mrr = np.rint(median * np.exp(sigma * rng.standard_normal(n)) / 100) * 100
    enterprise_team = field["team"].to_numpy(str) == "fs-enterprise"
    big = field["staff_id"].to_numpy(str)[enterprise_team]
    commercial = field["staff_id"].to_numpy(str)[~enterprise_team]
    owner = np.where(
        segment == 2,
        big[rng.integers(0, len(big), n)],
        np.where(
            segment == 1,
            commercial[rng.integers(0, len(commercial), n)],
            inside["staff_id"].to_numpy(str)[rng.integers(0, len(inside), n)],
        ),
    )
    opened = np.datetime64(_AS_OF, "D") - rng.integers(0, 90, n).astype(
        "timedelta64[D]"
    )
    order = np.lexsort((segment, opened))
    number = np.arange(1, n + 1).astype(str)
    frame = pd.DataFrame(
        {
            "opportunity_id": np.char.add("op-", np.char.zfill(number, 4)),
            "expected_mrr": mrr.astype(np.int64)[order],
            "currency": _CURRENCY,
            "owner_id": owner[order],
            "customer_id": None,
            "segment": np.array(SEGMENTS)[segment][order],
            "acquisition_channel": np.array(CHANNELS)[channel][order],
            "opened_on": opened[order].astype("datetime64[ns]"),
        }
    )
    frame["customer_id"] = frame["customer_id"].astype(object)
    return {"pipeline": frame}


#: The generator's steps, in order; append new steps at the end.
STEPS: Final[tuple[tuple[str, Step], ...]] = (
    ("staff", make_staff),
    ("customers", make_customers),
    ("subscriptions", make_subscriptions),
    ("deals", make_deals),
    ("costs", make_costs),
    ("usage", make_usage),
    ("cs_owners", make_cs_owners),
    ("onboarding", make_onboarding),
    ("tickets", make_tickets),
    ("activities", make_activities),
    ("assignments", make_assignments),
    ("meetings", make_meetings),
    ("pipeline", make_pipeline),
)


def build_tables(
    seed: int = SEED, *, steps: tuple[tuple[str, Step], ...] = STEPS
) -> dict[str, pd.DataFrame]:
    """Run `steps` in order; return every table, internal columns included."""
    streams = np.random.default_rng(seed).spawn(len(steps))
    tables: dict[str, pd.DataFrame] = {}
    for (_, step), stream in zip(steps, streams, strict=True):
        tables.update(step(stream, tables))
    return tables


def generate(seed: int = SEED) -> SampleData:
    """Generate the sample company from `seed`, as `load_sample` would return it."""
    tables = build_tables(seed)
    public = {
        name: tables[name][list(_SCHEMAS[name])].reset_index(drop=True)
        for name in _SCHEMAS
    }
    return SampleData(**public, as_of=_AS_OF, currency=_CURRENCY)


def csv_bytes(frame: pd.DataFrame, schema: Mapping[str, str] | None = None) -> bytes:
    """Return a table as the UTF-8 CSV text that is shipped (before gzip).

    Dates are written as ``2025-04-01``; the columns that `schema` marks
    ``"timestamp"`` as ``2025-04-01 09:30``. Any other datetime column with a
    time of day is refused rather than cut to its date.
    """
    stamps = [col for col, kind in (schema or {}).items() if kind == "timestamp"]
    for col in frame.columns.difference(stamps):
        values = frame[col]
        if (
            pd.api.types.is_datetime64_any_dtype(values)
            and (values.dropna() != values.dropna().dt.normalize()).any()
        ):
            msg = (
                f"column {col!r} has times of day; mark it 'timestamp' in the "
                "schema to write them"
            )
            raise ValueError(msg)
    if stamps:
        frame = frame.assign(
            **{col: frame[col].dt.strftime("%Y-%m-%d %H:%M") for col in stamps}
        )
    text = frame.to_csv(index=False, lineterminator="\n", date_format="%Y-%m-%d")
    return text.encode("utf-8")


def write(sample: SampleData, directory: Path, *, seed: int = SEED) -> list[Path]:
    """Write each table as ``<name>.csv.gz`` and ``metadata.json`` to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    meta: dict[str, Any] = {
        "seed": seed,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "generated_by": "scripts/make_sample.py",
        "as_of": sample.as_of.isoformat(),
        "currency": sample.currency,
        "tables": {},
    }
    for name in _SCHEMAS:
        data = csv_bytes(getattr(sample, name), _SCHEMAS[name])
        path = directory / f"{name}.csv.gz"
        path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        written.append(path)
        meta["tables"][name] = {
            "rows": len(getattr(sample, name)),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    path = directory / "metadata.json"
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written
