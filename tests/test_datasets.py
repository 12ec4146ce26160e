"""Tests for `subscription_metrics.datasets` (the bundled sample company)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import re
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from subscription_metrics import (
    Activity,
    Assignment,
    CostEntry,
    Customer,
    Deal,
    Ledger,
    Onboarding,
    StaffMember,
    Subscription,
    Ticket,
    UsageSnapshot,
    datasets,
    frames,
    ledger,
)
from subscription_metrics.datasets import (
    CUSTOMER_SALES_PILOT,
    REP_A,
    REP_B,
    SampleData,
    load_sample,
)
from subscription_metrics.datasets import _generate as gen

DATA = files("subscription_metrics.datasets").joinpath("data")
META = json.loads(DATA.joinpath("metadata.json").read_text(encoding="utf-8"))
ORIGINAL_TABLES = ("customers", "subscriptions", "staff", "deals", "costs")
CS_TABLES = ("usage", "onboarding", "tickets", "activities", "assignments")
TABLES = (*ORIGINAL_TABLES, *CS_TABLES)
HORIZON = pd.Timestamp("2025-12-31")
#: SHA-256 of the CSV text of the first three tables as shipped before the deals
#: and costs steps were added (datasets/data/metadata.json at commit 36c9a1a),
#: and of deals and costs as shipped before the customer-success tables were
#: added (metadata.json at commit af3248b).
ORIGINAL_SHA256 = {
    "customers": "6f617cc73afec29241e2d004f1a668bff72971407bc2f46767767b0c91e80516",
    "subscriptions": "35939ce01d9c4c4acc57881dbde4dc9ea345f997d0b3ff8004c82174c31ee9c7",
    "staff": "b7c1a4afa0d4f03e411443224f0f97aafefd7d678447cf1577b5af5ce95a492c",
    "deals": "8c941552201c1cc6de77db8f1e04bb21a45942e01244c3d613524a834dd54456",
    "costs": "c14de321ca2c31d9e09911a50aa988e61d81869e64036116d78e1f96feeb803b",
}
CUSTOMER_SALES = ("st-025", "st-026")
SUPPORT = ("st-028", "st-029")
MONTHS = pd.date_range("2023-01-01", "2025-12-01", freq="MS")


def _numpy_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


SAME_NUMPY = _numpy_minor(np.__version__) == _numpy_minor(META["numpy"])


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return load_sample()


@pytest.fixture(scope="module")
def led(sample: SampleData) -> Ledger:
    return Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through=sample.as_of
    )


def _main(subs: pd.DataFrame) -> pd.DataFrame:
    return subs[~subs["plan"].str.startswith("addon")]


def _changes(subs: pd.DataFrame) -> pd.DataFrame:
    """Main-plan changes: one subscription ends the day the next one starts."""
    main = _main(subs)
    return main.merge(
        main, left_on=["customer_id", "end"], right_on=["customer_id", "start"],
        suffixes=("_old", "_new"),
    )  # fmt: skip


def _active_on(subs: pd.DataFrame, customer_day: pd.DataFrame) -> pd.Series:
    """Whether each (customer_id, day) row has a subscription active that day."""
    joined = customer_day.reset_index().merge(subs, on="customer_id")
    live = (joined["start"] <= joined["day"]) & (
        joined["end"].isna() | (joined["end"] > joined["day"])
    )
    hit = joined.loc[live, "index"].unique()
    return pd.Series(customer_day.index.isin(hit), index=customer_day.index)


def _twelve_month_churn(sample: SampleData) -> pd.DataFrame:
    """Per customer acquired by 2024-12-31: field rep and churned-within-12-months."""
    subs = sample.subscriptions
    first = subs.groupby("customer_id")["start"].min().rename("first").reset_index()
    first = first[first["first"] <= HORIZON - pd.DateOffset(months=12)]
    first["day"] = first["first"] + pd.DateOffset(months=12)
    first["churned"] = ~_active_on(subs, first[["customer_id", "day"]])
    return first.merge(sample.customers, on="customer_id")


def _deal_oracle(subs: pd.DataFrame) -> pd.DataFrame:
    """Slow oracle: the deals each customer's subscriptions imply, one at a time.

    A plain loop over the rows as Python records (pandas per customer would
    spend seconds on the bookkeeping, not on the rule).
    """
    ordered = subs.sort_values(["start", "subscription_id"])
    records = ordered[["customer_id", "plan", "mrr", "start", "end"]].to_dict("records")
    by_customer: dict[str, list[dict]] = {}
    for record in records:
        by_customer.setdefault(record["customer_id"], []).append(record)
    rows = []
    for customer, group in by_customer.items():
        first = min(r["start"] for r in group)
        first_month = (first.year, first.month)
        signed = [
            r for r in group if (r["start"].year, r["start"].month) == first_month
        ]
        rows.append((customer, "new", sum(r["mrr"] for r in signed), first))
        previous = None
        for row in group:
            if row["plan"].startswith("addon"):
                rows.append((customer, "cross_sell", row["mrr"], row["start"]))
                continue
            if previous is not None and row["start"] == previous["end"]:
                if row["mrr"] > previous["mrr"]:
                    rows.append(
                        (customer, "upsell", row["mrr"] - previous["mrr"], row["start"])
                    )
            elif previous is not None:
                rows.append((customer, "new", row["mrr"], row["start"]))  # a win-back
            previous = row
    return pd.DataFrame(rows, columns=["customer_id", "kind", "mrr", "start"])


def _customer_sales(sample: SampleData) -> pd.DataFrame:
    """The deals of the customer-sales team."""
    team = sample.staff.loc[sample.staff["role"] == "customer_sales", "staff_id"]
    return sample.deals[sample.deals["owner_id"].isin(team)]


def _validate_activities(activities: pd.DataFrame) -> None:
    """Validate activities against `Activity`, around a library defect.

    ``frames.validate`` reports empty cells of the optional ``mrr`` and
    ``currency`` columns as missing (see
    `TestActivities.test_whole_table_validates_against_activity`), so the
    opportunities are validated as they are and the other kinds without the
    two columns, which they leave empty.
    """
    opportunity = activities["kind"] == "opportunity"
    others = activities[~opportunity]

    assert others[["mrr", "currency"]].isna().all().all()
    frames.validate(activities[opportunity], Activity)
    frames.validate(others.drop(columns=["mrr", "currency"]), Activity)


def _opportunities_before(sample: SampleData) -> pd.DataFrame:
    """Each customer-sales deal with the opportunities that can have led to it.

    One row per (deal, opportunity) with the same customer and staff member,
    opened 7-45 days before the deal was won (or on 2025-01-01, when the deal
    came too early in the pilot for 7 days, possibly the same day), with at
    least the deal's MRR.
    """
    deals = _customer_sales(sample)
    acts = sample.activities
    opportunities = acts[acts["kind"] == "opportunity"]
    pairs = deals.merge(opportunities, on=["customer_id"], suffixes=("_deal", "_opp"))
    lead = (pairs["won_on"] - pairs["on"]).dt.days
    pilot = pd.Timestamp(CUSTOMER_SALES_PILOT[0])
    fits = (
        (pairs["owner_id"] == pairs["staff_id"])
        & (pairs["mrr_opp"] >= pairs["mrr_deal"])
        & (pairs["on"] >= pilot)
        & (lead <= 45)
        & ((lead >= 7) | ((pairs["on"] == pilot) & (lead >= 0)))
    )
    return pairs[fits].drop_duplicates("deal_id")


def _usage_months(sample: SampleData) -> pd.DataFrame:
    """The (customer_id, month) pairs of the usage table, months as periods."""
    usage = sample.usage
    return pd.DataFrame(
        {
            "customer_id": usage["customer_id"],
            "month": usage["month"].dt.to_period("M"),
        }
    )


def _ledger_paid_months(led: Ledger) -> pd.DataFrame:
    """Oracle from the ledger: every (customer, month) with MRR at the month's end.

    A customer's MRR after an event holds until its next event, or to 2025-12.
    """
    ev = ledger.events(led).sort_values(["customer_id", "month"])
    following = ev.groupby("customer_id")["month"].shift(-1)
    last = pd.Period("2025-12", "M")
    until = following.fillna(last + 1)
    first_n = pd.PeriodIndex(ev["month"]).asi8
    until_n = pd.PeriodIndex(until).asi8
    count = np.where(ev["mrr"].to_numpy() > 0, until_n - first_n, 0)
    row = np.repeat(np.arange(len(ev)), count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    return pd.DataFrame(
        {
            "customer_id": ev["customer_id"].to_numpy()[row],
            "month": pd.PeriodIndex.from_ordinals(first_n[row] + offset, freq="M"),
        }
    )


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    """Area under the ROC curve by the rank (Mann-Whitney) formula, ties averaged."""
    ranks = pd.Series(score).rank().to_numpy()
    positives = int(label.sum())
    negatives = len(label) - positives
    top = ranks[label].sum() - positives * (positives + 1) / 2
    return float(top / (positives * negatives))


def _cac_payback_by_year(sample: SampleData) -> pd.DataFrame:
    """Blended CAC (sales and marketing costs per new customer) and its payback."""
    deals = sample.deals.sort_values(["won_on", "deal_id"])
    signed = deals[deals["kind"] == "new"].drop_duplicates("customer_id")
    first = sample.subscriptions.groupby("customer_id")["start"].min()
    signed = signed.assign(year=signed["customer_id"].map(first).dt.year)
    costs = sample.costs[sample.costs["category"].isin(["sales", "marketing"])]
    spend = costs.groupby(costs["month"].dt.year)["amount"].sum()
    table = signed.groupby("year").agg(new=("mrr", "size"), arpa=("mrr", "mean"))
    table["cac"] = spend / table["new"]
    table["payback"] = table["cac"] / table["arpa"]
    return table


class TestLoadSample:
    """Tests for `load_sample`."""

    def test_horizon_and_currency(self, sample: SampleData) -> None:
        """The sample describes 2023-2025 in yen."""
        assert sample.as_of.isoformat() == "2025-12-31"
        assert sample.currency == "JPY"
        for table in (sample.subscriptions, sample.staff):
            assert set(table["currency"]) == {"JPY"}

    def test_explicit_dtypes(self, sample: SampleData) -> None:
        """Ids are str, dates datetime64, money int64, employees Int64, fte float."""
        subs, staff, customers = sample.subscriptions, sample.staff, sample.customers

        assert subs["start"].dtype == "datetime64[ns]"
        assert subs["end"].dtype == "datetime64[ns]"
        assert staff["start"].dtype == "datetime64[ns]"
        assert subs["mrr"].dtype == np.int64
        assert staff["monthly_cost"].dtype == np.int64
        assert staff["fte"].dtype == np.float64
        assert customers["employees"].dtype == "Int64"
        for column in ("subscription_id", "customer_id", "plan"):
            assert pd.api.types.is_string_dtype(subs[column])
        assert pd.api.types.is_string_dtype(customers["field_sales_rep"])
        assert customers["field_sales_rep"].isna().any()  # empty is missing
        assert subs["end"].isna().any()

    def test_explicit_dtypes_of_deals_and_costs(self, sample: SampleData) -> None:
        """Deal and cost amounts are int64 yen, dates datetime64, labels str."""
        deals, costs = sample.deals, sample.costs

        assert deals["won_on"].dtype == "datetime64[ns]"
        assert costs["month"].dtype == "datetime64[ns]"
        assert deals["mrr"].dtype == np.int64
        assert costs["amount"].dtype == np.int64
        for column in ("deal_id", "customer_id", "kind", "owner_id", "sourced_by"):
            assert pd.api.types.is_string_dtype(deals[column])
        for column in ("category", "channel", "staff_id"):
            assert pd.api.types.is_string_dtype(costs[column])
        assert deals["sourced_by"].isna().any()  # empty is missing
        assert costs["channel"].isna().any()
        assert costs["staff_id"].isna().any()
        assert set(deals["currency"]) == set(costs["currency"]) == {"JPY"}

    @pytest.mark.parametrize(
        ("table", "entity"),
        [
            ("customers", Customer),
            ("subscriptions", Subscription),
            ("staff", StaffMember),
            ("deals", Deal),
            ("costs", CostEntry),
        ],
    )
    def test_tables_validate_against_entities(
        self, sample: SampleData, table: str, entity: type
    ) -> None:
        """Every table follows its entity's column rules."""
        frame = getattr(sample, table)

        frames.validate(frame, entity)

    @pytest.mark.parametrize(
        ("table", "column", "pattern"),
        [
            ("customers", "customer_id", r"cus-\d{5}"),
            ("subscriptions", "subscription_id", r"sub-\d{6}"),
            ("staff", "staff_id", r"st-\d{3}"),
            ("deals", "deal_id", r"dl-\d{5}"),
        ],
    )
    def test_ids_unique_and_formatted(
        self, sample: SampleData, table: str, column: str, pattern: str
    ) -> None:
        """Identifiers are unique and follow the documented format."""
        ids = getattr(sample, table)[column]

        assert ids.is_unique
        assert ids.str.fullmatch(pattern).all()

    def test_subscriptions_belong_to_known_customers(self, sample: SampleData) -> None:
        """Every subscription's customer is in the customers table, and vice versa."""
        subs = set(sample.subscriptions["customer_id"])

        assert subs == set(sample.customers["customer_id"])

    @pytest.mark.parametrize(
        ("column", "role"),
        [
            ("inside_sales_rep", "inside_sales"),
            ("field_sales_rep", "field_sales"),
            ("cs_owner", "customer_success"),
        ],
    )
    def test_rep_ids_point_to_staff_of_the_right_role(
        self, sample: SampleData, column: str, role: str
    ) -> None:
        """A customer's reps exist in staff and have the role the column names."""
        roles = sample.staff.set_index("staff_id")["role"]
        reps = sample.customers[column].dropna()

        assert reps.isin(roles.index).all()
        assert (reps.map(roles) == role).all()

    def test_every_customer_has_inside_sales_and_cs_owner(
        self, sample: SampleData
    ) -> None:
        """Only the field-sales rep may be missing, and mostly for smb customers."""
        customers = sample.customers
        missing_field = customers["field_sales_rep"].isna()

        assert customers[["inside_sales_rep", "cs_owner"]].notna().all().all()
        assert missing_field[customers["segment"] == "enterprise"].sum() == 0
        assert missing_field[customers["segment"] == "smb"].mean() > 0.5

    def test_staff_roster(self, sample: SampleData) -> None:
        """The roster has the documented roles, costs, ftes and romanised names."""
        staff = sample.staff
        expected = {
            "inside_sales": 8,
            "field_sales": 10,
            "customer_success": 6,
            "customer_sales": 2,
            "customer_marketing": 1,
            "customer_support": 2,
        }

        assert staff["role"].value_counts().to_dict() == expected
        assert staff["monthly_cost"].between(600_000, 1_300_000).all()
        assert set(staff["fte"]) == {0.5, 1.0}
        assert (staff["fte"] == 1.0).mean() > 0.8
        assert staff["name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()
        assert staff["team"].notna().all()

    def test_each_call_returns_fresh_frames(self) -> None:
        """Changing a loaded table does not change the next load."""
        first = load_sample()
        first.subscriptions.loc[0, "mrr"] = -1

        assert load_sample().subscriptions.loc[0, "mrr"] > 0

    def test_draws_no_random_numbers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Loading reads the shipped files; it never touches numpy's generators."""

        def refuse(*args: object, **kwargs: object) -> None:
            msg = "load_sample must not draw random numbers"
            raise AssertionError(msg)

        monkeypatch.setattr(np.random, "default_rng", refuse)

        assert len(load_sample().customers) == META["tables"]["customers"]["rows"]

    def test_is_the_top_level_datasets_module(self) -> None:
        """`subscription_metrics.datasets` re-exports the public names."""
        assert datasets.load_sample is load_sample
        assert {"SampleData", "load_sample"} <= set(datasets.__all__)


class TestShippedFiles:
    """Tests for the files under ``datasets/data``."""

    @pytest.mark.parametrize("name", TABLES)
    def test_match_metadata(self, name: str) -> None:
        """Each file's CSV text has the row count and SHA-256 in metadata.json."""
        text = gzip.decompress(DATA.joinpath(f"{name}.csv.gz").read_bytes())

        assert hashlib.sha256(text).hexdigest() == META["tables"][name]["sha256"]
        assert text.count(b"\n") - 1 == META["tables"][name]["rows"]

    @pytest.mark.parametrize("name", sorted(ORIGINAL_SHA256))
    def test_original_tables_unchanged(self, name: str) -> None:
        """The original five tables are pinned: a step appended to the generator
        leaves them byte for byte the same, and a deliberate change updates
        these hashes.
        """
        text = gzip.decompress(DATA.joinpath(f"{name}.csv.gz").read_bytes())

        assert hashlib.sha256(text).hexdigest() == ORIGINAL_SHA256[name]
        assert META["tables"][name]["sha256"] == ORIGINAL_SHA256[name]

    def test_metadata_records_seed_and_numpy(self) -> None:
        """The metadata names the seed and numpy version the files were made with."""
        assert META["seed"] == gen.SEED
        assert re.fullmatch(r"\d+\.\d+.*", META["numpy"])

    def test_total_size_well_under_one_megabyte(self) -> None:
        """The shipped sales and revenue data stays small."""
        size = sum(
            len(DATA.joinpath(f"{name}.csv.gz").read_bytes())
            for name in ORIGINAL_TABLES
        )

        assert size < 300_000

    def test_customer_success_tables_under_two_megabytes(self) -> None:
        """The five customer-success tables together stay under 2 MB of gzip."""
        size = sum(
            len(DATA.joinpath(f"{name}.csv.gz").read_bytes()) for name in CS_TABLES
        )

        assert size < 2_000_000

    def test_timestamps_are_written_to_the_minute(self) -> None:
        """Ticket times are shipped as ``YYYY-MM-DD HH:MM``, dates as ISO days."""
        text = gzip.decompress(DATA.joinpath("tickets.csv.gz").read_bytes())
        first_row = text.decode().splitlines()[1].split(",")

        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", first_row[2])


class TestStory:
    """The sample tells the documented story."""

    def test_three_years_of_customers(self, sample: SampleData) -> None:
        """Thousands of customers arrive from January 2023 to December 2025."""
        subs = sample.subscriptions
        first = subs.groupby("customer_id")["start"].min()

        assert 2_000 <= len(sample.customers) <= 5_000
        assert first.min() < pd.Timestamp("2023-02-01")
        assert pd.Timestamp("2025-12-01") <= subs["start"].max() <= HORIZON
        assert (subs["end"].dropna() <= pd.Timestamp("2026-01-01")).all()
        by_year = first.dt.year.value_counts()
        assert by_year[2023] < by_year[2024] < by_year[2025]

    def test_segments_channels_and_regions(self, sample: SampleData) -> None:
        """Attributes take the documented values, with believable company sizes."""
        customers = sample.customers
        size = customers.groupby("segment")["employees"].median()

        assert set(customers["segment"]) == {"smb", "mid_market", "enterprise"}
        assert set(customers["acquisition_channel"]) == {
            "inbound", "outbound", "partner", "event",
        }  # fmt: skip
        assert set(customers["region"]) == {
            "kanto", "kansai", "chubu", "kyushu", "hokkaido_tohoku",
        }  # fmt: skip
        assert size["smb"] < 100 <= size["mid_market"] < 1_000 <= size["enterprise"]

    def test_plans_and_prices(self, sample: SampleData) -> None:
        """Plans are priced in their documented ranges (monthly-normalised yen)."""
        mrr = sample.subscriptions.groupby("plan")["mrr"]

        assert set(mrr.groups) == {
            "starter", "standard", "enterprise", "addon_analytics", "addon_security",
        }  # fmt: skip
        assert 10_000 <= mrr.min()["starter"]
        assert mrr.max()["starter"] < 60_000
        assert 60_000 <= mrr.median()["standard"] <= 150_000
        assert mrr.max()["enterprise"] <= 1_500_000
        assert mrr.median()["enterprise"] >= 250_000

    def test_both_billing_intervals_and_the_annual_discount(
        self, sample: SampleData
    ) -> None:
        """Monthly and annual billers exist; annual list prices are 15% off."""
        subs = sample.subscriptions
        annual = subs[
            (subs["billing_interval"] == "annual") & (subs["plan"] == "starter")
        ]

        assert set(subs["billing_interval"]) == {"monthly", "annual"}
        assert {25_300, 16_800} & set(annual["mrr"])  # 29,800 and 19,800 less 15%

    def test_annual_contracts_end_only_at_an_anniversary(
        self, sample: SampleData
    ) -> None:
        """Annual contracts end whole years after they began (refunds aside)."""
        subs = _main(sample.subscriptions).sort_values("start")
        changed = _changes(sample.subscriptions)
        is_change = subs.set_index(["customer_id", "start"]).index.isin(
            changed.set_index(["customer_id", "start_new"]).index
        )
        runs = subs[~is_change][["customer_id", "start"]]
        continued = subs.set_index(["customer_id", "end"]).index.isin(
            changed.set_index(["customer_id", "end_old"]).index
        )
        refunded = subs["start"].dt.to_period("M") == subs["end"].dt.to_period("M")
        ends = subs[subs["end"].notna() & ~continued & ~refunded]
        ends = ends[ends["billing_interval"] == "annual"].sort_values("end")
        runs = runs.rename(columns={"start": "run_start"}).sort_values("run_start")
        joined = pd.merge_asof(
            ends, runs, left_on="end", right_on="run_start", by="customer_id"
        )
        months = (joined["end"].dt.year - joined["run_start"].dt.year) * 12 + (
            joined["end"].dt.month - joined["run_start"].dt.month
        )

        assert len(joined) > 50
        assert (months % 12 == 0).all()
        assert (months > 0).all()
        assert (joined["end"].dt.day == joined["run_start"].dt.day).all()

    def test_upgrades_and_downgrades(self, sample: SampleData) -> None:
        """Plan changes end one subscription and start the next the same day."""
        changes = _changes(sample.subscriptions)
        up = changes["mrr_new"] > changes["mrr_old"]

        assert up.sum() > 100
        assert (~up).sum() > 30
        assert (changes["plan_new"] != changes["plan_old"]).any()

    def test_add_ons_run_beside_a_main_plan(self, sample: SampleData) -> None:
        """Every add-on starts while the customer has a main plan, and overlaps it."""
        subs = sample.subscriptions
        addons = subs[subs["plan"].str.startswith("addon")]
        days = addons[["customer_id", "start"]].rename(columns={"start": "day"})

        assert len(addons) > 50
        assert _active_on(_main(subs), days).all()

    def test_cancellations_and_win_backs(self, led: Ledger) -> None:
        """Customers churn, and some return later as reactivations."""
        kinds = ledger.movements(led)["movement"].value_counts()

        assert kinds["churn"] > 300
        assert kinds["reactivation"] > 10
        assert kinds["expansion"] > 0
        assert kinds["contraction"] > 0

    def test_refunded_sign_ups_are_set_aside(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """A handful of subscriptions start and end inside one month; all counted."""
        subs = sample.subscriptions
        same_month = subs["end"].notna() & (
            subs["start"].dt.to_period("M") == subs["end"].dt.to_period("M")
        )
        notes = {note.rule: note for note in led.set_aside}

        assert 10 <= same_month.sum() <= 30
        assert notes["invisible at the monthly grain"].count == same_month.sum()
        assert set(notes) == {"invisible at the monthly grain"}

    def test_open_ended_subscriptions_at_the_horizon(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """Customers still active in December 2025 have subscriptions without an end."""
        subs = sample.subscriptions
        december = ledger.bridge(led).loc["2025-12"]
        open_customers = subs.loc[subs["end"].isna(), "customer_id"].nunique()

        assert open_customers == december["customers_at_end"] > 1_000

    def test_monthly_churn_is_believable(self, led: Ledger) -> None:
        """Pooled monthly logo churn is 1.5-3%; smb churns most, enterprise least."""
        br = ledger.bridge(led, since="2024-01")
        pooled = br["customers_lost"].sum() / br["customers_at_start"].sum()
        seg = ledger.bridge(led, by="segment", since="2024-01").groupby(level=0).sum()
        seg_rate = seg["customers_lost"] / seg["customers_at_start"]
        ch = ledger.bridge(led, by="acquisition_channel", since="2024-01")
        ch = ch.groupby(level=0).sum()
        ch_rate = ch["customers_lost"] / ch["customers_at_start"]

        assert 0.015 <= pooled <= 0.03
        assert seg_rate["enterprise"] < seg_rate["mid_market"] < seg_rate["smb"]
        assert ch_rate.idxmin() == "partner"

    def test_expansion_is_likelier_upmarket(self, led: Ledger) -> None:
        """A larger share of mid-market and enterprise customers expand each month."""
        seg = ledger.bridge(led, by="segment").groupby(level=0).sum()
        rate = seg["customers_expanded"] / seg["customers_at_start"]

        assert rate["smb"] < rate["mid_market"]
        assert rate["smb"] < rate["enterprise"]


class TestLedgerOnSample:
    """The ledger's bridge on the sample reconciles exactly."""

    @pytest.mark.parametrize("by", [None, "segment", "field_sales_rep"])
    def test_bridge_identity_and_continuity(self, led: Ledger, by: str | None) -> None:
        """End = start + movements, and each month's end is the next month's start."""
        br = ledger.bridge(led, by=by)
        moved = (
            br["mrr_at_start"] + br["new_mrr"] + br["expansion_mrr"]
            + br["reactivation_mrr"] - br["contraction_mrr"] - br["churned_mrr"]
        )  # fmt: skip
        groups = (
            [br] if by is None else [g for _, g in br.groupby(level=0, dropna=False)]
        )

        assert (moved == br["mrr_at_end"]).all()
        for group in groups:
            ends = group["mrr_at_end"].to_numpy()[:-1]
            assert (ends == group["mrr_at_start"].to_numpy()[1:]).all()
            assert group["mrr_at_start"].iloc[0] == 0

    def test_month_end_mrr_matches_a_direct_sum(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """Oracle: month-end MRR is the sum over the subscriptions counted then."""
        subs = sample.subscriptions
        months = pd.period_range("2023-01", "2025-12", freq="M")
        first = subs["start"].dt.to_period("M").to_numpy()[:, None]
        end = subs["end"].dt.to_period("M")
        counted = (first <= months.to_numpy()[None, :]) & (
            end.isna().to_numpy()[:, None]
            | (end.to_numpy()[:, None] > months.to_numpy())
        )
        oracle = subs["mrr"].to_numpy() @ counted

        assert (ledger.bridge(led)["mrr_at_end"].to_numpy() == oracle).all()


class TestReps:
    """Rep A closes many customers who churn; rep B closes few who stay."""

    def test_rep_a_closes_more_customers_than_rep_b(self, sample: SampleData) -> None:
        """Rep A closes about twice as many customers as rep B, as many as a
        typical commercial rep."""
        counts = sample.customers["field_sales_rep"].value_counts()
        commercial = counts[["st-014", "st-016", "st-018"]]

        assert counts[REP_A] > 1.8 * counts[REP_B]
        assert counts[REP_A] > 0.8 * commercial.mean()

    def test_rep_a_customers_churn_more_within_twelve_months(
        self, sample: SampleData
    ) -> None:
        """Of customers acquired by 2024-12-31, A's lose more within a year than B's."""
        cohort = _twelve_month_churn(sample)
        share = cohort.groupby("field_sales_rep")["churned"].mean()
        others = cohort[~cohort["field_sales_rep"].isin([REP_A, REP_B])]
        # Shipped sample: st-015 lost 40% of 275 such customers, st-017 12% of 49.

        assert share[REP_A] > share[REP_B] + 0.2
        assert share[REP_B] < others["churned"].mean() < share[REP_A]

    def test_rep_ids_are_field_sales(self, sample: SampleData) -> None:
        """Rep A and rep B are field-sales reps in the same team."""
        staff = sample.staff.set_index("staff_id")

        assert staff.loc[[REP_A, REP_B], "role"].tolist() == ["field_sales"] * 2
        assert staff.loc[REP_A, "team"] == staff.loc[REP_B, "team"]


class TestDeals:
    """The deals are the subscriptions' new business, upsells and cross-sells."""

    def test_numbered_in_order_of_winning(self, sample: SampleData) -> None:
        """Deals are sorted by won_on, then deal_id, and numbered from dl-00001."""
        deals = sample.deals

        assert deals["deal_id"].iloc[0] == "dl-00001"
        assert deals["deal_id"].is_monotonic_increasing
        assert deals["won_on"].is_monotonic_increasing
        assert set(deals["kind"]) == {"new", "upsell", "cross_sell"}
        assert (deals["mrr"] > 0).all()
        assert deals["won_on"].max() <= HORIZON

    def test_one_deal_per_acquisition_win_back_upgrade_and_add_on(
        self, sample: SampleData
    ) -> None:
        """Oracle: deals match the subscriptions' events, won 0-25 (new) or 0-14 days
        before the subscription starts.

        Each group of deals with the same customer, kind and MRR is matched to the
        oracle's events in order; if any matching keeps every deal inside its
        window, the sorted one does.
        """
        oracle = _deal_oracle(sample.subscriptions)
        deals = sample.deals
        key = ["customer_id", "kind", "mrr"]
        oracle = oracle.sort_values([*key, "start"]).reset_index(drop=True)
        deals = deals.sort_values([*key, "won_on"]).reset_index(drop=True)
        lead = (oracle["start"] - deals["won_on"]).dt.days
        longest = np.where(deals["kind"] == "new", 25, 14)

        pd.testing.assert_frame_equal(deals[key], oracle[key], check_dtype=False)
        assert lead.between(0, longest).all()
        assert lead.max() == 25

    def test_new_deals_agree_with_the_ledger(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """A customer's first new deal is its ledger "new" MRR, later ones its
        reactivations; refunded sign-ups are won deals the ledger sets aside.
        """
        moves = ledger.movements(led)
        new = sample.deals[sample.deals["kind"] == "new"].sort_values(
            ["won_on", "deal_id"]
        )
        first = new.drop_duplicates("customer_id").set_index("customer_id")["mrr"]
        later = new[new["customer_id"].duplicated()]
        ledger_new = moves[moves["movement"] == "new"].set_index("customer_id")
        back = moves[moves["movement"] == "reactivation"].sort_values(
            ["customer_id", "month"]
        )
        subs = sample.subscriptions
        refunded = subs[
            subs["start"].dt.to_period("M") == subs["end"].dt.to_period("M")
        ].set_index("customer_id")["mrr"]
        unseen = first.index.difference(ledger_new.index)

        assert (first.reindex(ledger_new.index) == ledger_new["mrr_change"]).all()
        assert unseen.equals(refunded.index.sort_values())
        assert (first[unseen] == refunded[unseen]).all()
        assert len(later) == len(back) > 10
        assert (
            later.sort_values(["customer_id", "won_on"])[["customer_id", "mrr"]]
            .to_numpy()
            .tolist()
            == back[["customer_id", "mrr_change"]].to_numpy().tolist()
        )

    def test_expansion_deals_agree_with_the_ledger(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """Per customer, upsell and cross-sell MRR is at least the ledger's expansion
        MRR (the ledger nets a month's changes), and equals it for customers who
        never downgraded or dropped an add-on while staying.
        """
        subs = sample.subscriptions
        moves = ledger.movements(led)
        customers = sample.customers["customer_id"]
        deals = sample.deals[sample.deals["kind"] != "new"]
        won = deals.groupby("customer_id")["mrr"].sum().reindex(customers, fill_value=0)
        by_kind = moves.groupby(["customer_id", "movement"], observed=True)[
            "mrr_change"
        ].sum()
        expanded = by_kind.xs("expansion", level="movement").reindex(
            customers, fill_value=0
        )
        contracted = by_kind.xs("contraction", level="movement").reindex(
            customers, fill_value=0
        )
        changes = _changes(subs)
        downgraded = changes.loc[changes["mrr_new"] < changes["mrr_old"], "customer_id"]
        addons = subs[subs["plan"].str.startswith("addon") & subs["end"].notna()]
        ends = addons[["customer_id", "end"]].rename(columns={"end": "day"})
        dropped = addons.loc[_active_on(_main(subs), ends).to_numpy(), "customer_id"]
        clean = ~customers.isin(downgraded) & ~customers.isin(dropped)
        clean_ids = customers[clean]

        assert (won >= expanded).all()
        assert (won[clean_ids] == expanded[clean_ids]).all()
        assert (contracted[clean_ids] == 0).all()
        assert (won[clean_ids] > 0).sum() > 300
        assert won.sum() >= expanded.sum()  # a month may net an add-on drop

    def test_new_deal_owners_are_the_customers_reps(self, sample: SampleData) -> None:
        """The field-sales rep closes and the inside-sales rep sources; without a
        field-sales rep the inside-sales rep closes alone.
        """
        new = sample.deals[sample.deals["kind"] == "new"].merge(
            sample.customers, on="customer_id"
        )
        has_field = new["field_sales_rep"].notna()
        roles = sample.staff.set_index("staff_id")["role"]

        assert (
            new.loc[has_field, "owner_id"] == new.loc[has_field, "field_sales_rep"]
        ).all()
        assert (
            new.loc[has_field, "sourced_by"] == new.loc[has_field, "inside_sales_rep"]
        ).all()
        assert (
            new.loc[~has_field, "owner_id"] == new.loc[~has_field, "inside_sales_rep"]
        ).all()
        assert new.loc[~has_field, "sourced_by"].isna().all()
        assert set(new["owner_id"].map(roles)) == {"field_sales", "inside_sales"}

    def test_expansion_owners(self, sample: SampleData) -> None:
        """Customer sales owns a share of mid-market and enterprise expansion won
        from 2025 on (its own proposals), each customer with one member of the
        team; customer success owns the rest.
        """
        expansion = sample.deals[sample.deals["kind"] != "new"].merge(
            sample.customers, on="customer_id"
        )
        roles = sample.staff.set_index("staff_id")["role"]
        role = expansion["owner_id"].map(roles)
        eligible = (expansion["won_on"] >= pd.Timestamp(CUSTOMER_SALES_PILOT[0])) & (
            expansion["segment"].isin(["mid_market", "enterprise"])
        )
        team = role == "customer_sales"

        assert expansion["owner_id"].isin(roles.index).all()
        assert not (team & ~eligible).any()
        share = team[eligible].mean()
        assert gen.PILOT_SHARE / 2 < share < gen.PILOT_SHARE * 2
        others = ~team
        assert (
            expansion.loc[others, "owner_id"] == expansion.loc[others, "cs_owner"]
        ).all()
        assert (role[others] == "customer_success").all()
        assert expansion["sourced_by"].isna().all()
        won = expansion[team]
        assert (won.groupby("customer_id")["owner_id"].nunique() == 1).all()
        assert set(won["owner_id"]) == {"st-025", "st-026"}

    def test_customer_sales_team_wins_every_month_of_2025(
        self, sample: SampleData
    ) -> None:
        """The pilot runs January to June 2025 and the team stays on after it."""
        team = _customer_sales(sample)
        months = team["won_on"].dt.to_period("M")
        start, end = (pd.Timestamp(day) for day in CUSTOMER_SALES_PILOT)

        assert CUSTOMER_SALES_PILOT == (dt.date(2025, 1, 1), dt.date(2025, 7, 1))
        assert months.nunique() == 12
        assert team["won_on"].min() >= start
        assert (team["won_on"] >= end).sum() > 0


class TestCosts:
    """The costs are staff, marketing programs and brand, month by month."""

    def test_every_month_has_staff_programs_and_brand(self, sample: SampleData) -> None:
        """Each month of 2023-2025 has the staff rows, one row per spend-driven
        channel and one marketing row without a channel.
        """
        costs = sample.costs
        marketing = costs[costs["category"] == "marketing"]
        channels = marketing.groupby("month")["channel"].agg(
            lambda c: sorted(c.fillna("-"))
        )

        assert (pd.DatetimeIndex(costs["month"].unique()) == MONTHS).all()
        assert costs["month"].is_monotonic_increasing
        assert set(costs["category"]) == {"sales", "marketing", "customer_success"}
        assert (channels.index == MONTHS).all()
        assert all(c == ["-", "event", "inbound", "partner"] for c in channels)
        assert marketing["staff_id"].isna().all()
        assert (marketing["amount"] % 10_000 == 0).all()
        assert (marketing["amount"] > 0).all()

    def test_staff_rows_match_the_roster(self, sample: SampleData) -> None:
        """Oracle: one row per staff member employed in a month, cost x fte."""
        category = {
            "inside_sales": "sales",
            "field_sales": "sales",
            "customer_success": "customer_success",
            "customer_sales": "customer_success",
            "customer_marketing": "customer_success",
            "customer_support": "customer_success",
        }
        expected = set()
        for month in MONTHS:
            after = month + pd.DateOffset(months=1)
            for member in sample.staff.itertuples():
                if member.start < after and (pd.isna(member.end) or member.end > month):
                    amount = round(member.monthly_cost * member.fte)
                    expected.add(
                        (month, member.staff_id, category[member.role], amount)
                    )
        rows = sample.costs[sample.costs["staff_id"].notna()]
        actual = set(
            rows[["month", "staff_id", "category", "amount"]].itertuples(
                index=False, name=None
            )
        )

        assert len(rows) == len(expected) == 36 * 29
        assert actual == expected
        assert rows["channel"].isna().all()

    def test_program_spend_follows_the_customers_a_channel_brings(
        self, sample: SampleData
    ) -> None:
        """Spend per customer brought stays near each channel's own level, and the
        levels differ: partner fees < inbound < events; outbound has none.
        """
        customers = sample.customers.merge(
            sample.subscriptions.groupby("customer_id")["start"].min().reset_index()
        )
        brought = customers.groupby(
            [customers["start"].dt.to_period("M").dt.start_time, "acquisition_channel"]
        ).size()
        programs = sample.costs[sample.costs["channel"].notna()].set_index(
            ["month", "channel"]
        )["amount"]
        per_customer = (programs / brought.reindex(programs.index)).unstack()
        level = per_customer.median()
        spread = per_customer / level

        assert "outbound" not in set(sample.costs["channel"].dropna())
        assert level["partner"] < level["inbound"] < level["event"]
        assert spread.stack().between(0.5, 2.0).all()

    def test_cac_payback_is_believable(self, sample: SampleData) -> None:
        """Blended CAC pays back in 8-16 months of new customers' ARPA each year.

        Shipped sample: CAC 1.24, 1.13 and 1.12 million yen in 2023-2025, paid
        back in 11.1, 11.0 and 10.3 months.
        """
        table = _cac_payback_by_year(sample)

        assert list(table.index) == [2023, 2024, 2025]
        assert table["payback"].between(8, 16).all()
        assert table["cac"].between(800_000, 2_000_000).all()


class TestCustomerSuccessTables:
    """The usage, onboarding, tickets, activities and assignments tables."""

    @pytest.mark.parametrize(
        ("table", "entity"),
        [
            ("usage", UsageSnapshot),
            ("onboarding", Onboarding),
            ("tickets", Ticket),
            ("assignments", Assignment),
        ],
    )
    def test_tables_validate_against_entities(
        self, sample: SampleData, table: str, entity: type
    ) -> None:
        """Each customer-success table follows its entity's column rules."""
        frames.validate(getattr(sample, table), entity)

    def test_activities_validate_against_activity(self, sample: SampleData) -> None:
        """Opportunities carry yen MRR; the other kinds leave mrr and currency empty."""
        acts = sample.activities
        opportunity = acts["kind"] == "opportunity"

        _validate_activities(acts)
        assert (acts.loc[opportunity, "mrr"] > 0).all()
        assert (acts.loc[opportunity, "currency"] == "JPY").all()

    def test_whole_table_validates_against_activity(self, sample: SampleData) -> None:
        """The activities table as shipped validates in one call; empty optional
        amounts stay missing."""
        out = frames.validate(sample.activities, Activity)
        assert out["mrr"].dtype == "Int64"
        assert (
            out["mrr"].notna().sum()
            == (sample.activities["kind"] == "opportunity").sum()
        )

    @pytest.mark.parametrize(
        ("table", "column", "pattern"),
        [
            ("tickets", "ticket_id", r"tk-\d{6}"),
            ("activities", "activity_id", r"ac-\d{6}"),
        ],
    )
    def test_ids_unique_formatted_and_in_time_order(
        self, sample: SampleData, table: str, column: str, pattern: str
    ) -> None:
        """Ticket and activity ids are unique, formatted and numbered in time order."""
        frame = getattr(sample, table)
        time = frame["opened_at" if table == "tickets" else "on"]

        assert frame[column].is_unique
        assert frame[column].str.fullmatch(pattern).all()
        assert frame[column].is_monotonic_increasing
        assert time.is_monotonic_increasing
        assert frame[column].iloc[0].endswith("-000001")

    def test_explicit_dtypes(self, sample: SampleData) -> None:
        """Counts are int64, nps and mrr nullable Int64, times datetime64."""
        usage, tickets, acts = sample.usage, sample.tickets, sample.activities

        for column in ("seats", "active_users", "logins"):
            assert usage[column].dtype == np.int64
        assert usage["feature_usage_rate"].dtype == np.float64
        assert usage["nps"].dtype == "Int64"
        assert acts["mrr"].dtype == "Int64"
        for column in ("opened_at", "first_response_at", "resolved_at"):
            assert tickets[column].dtype == "datetime64[ns]"
        assert sample.onboarding["completed_on"].dtype == "datetime64[ns]"
        assert sample.assignments["end"].dtype == "datetime64[ns]"
        assert pd.api.types.is_string_dtype(acts["currency"])

    def test_ids_point_to_known_customers_and_staff(self, sample: SampleData) -> None:
        """Every customer and staff id in the new tables exists, in the right role."""
        roles = sample.staff.set_index("staff_id")["role"]
        known = set(sample.customers["customer_id"])

        for name in CS_TABLES:
            assert set(getattr(sample, name)["customer_id"]) <= known
        assert set(sample.tickets["owner_id"].map(roles)) == {"customer_support"}
        assert set(sample.activities["staff_id"].map(roles)) == {
            "customer_success", "customer_sales",
        }  # fmt: skip
        assignments = sample.assignments
        assert (assignments["staff_id"].map(roles) == assignments["role"]).all()


class TestUsage:
    """Usage: one row per paid customer-month; low usage warns of churn."""

    def test_usage_covers_exactly_the_customer_months_with_mrr_at_month_end(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """Oracle: the ledger's customer-months with MRR > 0 after the month."""
        expected = _ledger_paid_months(led)
        actual = _usage_months(sample)
        key = ["customer_id", "month"]

        assert not actual.duplicated().any()
        assert len(actual) == len(expected) > 30_000
        pd.testing.assert_frame_equal(
            actual.sort_values(key).reset_index(drop=True),
            expected.sort_values(key).reset_index(drop=True),
            check_dtype=False,
        )

    def test_sorted_by_month_then_customer(self, sample: SampleData) -> None:
        """Rows come month by month, customers in id order within a month."""
        usage = sample.usage

        assert usage.equals(
            usage.sort_values(["month", "customer_id"]).reset_index(drop=True)
        )
        assert (usage["month"].dt.day == 1).all()

    def test_seats_users_and_logins_are_consistent(self, sample: SampleData) -> None:
        """Active users never exceed seats; logins are 8-25 a user, roughly."""
        usage = sample.usage
        users = usage["active_users"]
        per_user = usage["logins"][users > 0] / users[users > 0]

        assert (users <= usage["seats"]).all()
        assert usage["seats"].between(3, 600).all()
        assert ((usage["logins"] == 0) == (users == 0)).all()
        assert per_user.between(4, 50).all()
        assert 8 <= per_user.median() <= 25
        assert usage["feature_usage_rate"].between(0, 1).all()
        assert (
            usage["feature_usage_rate"] == usage["feature_usage_rate"].round(3)
        ).all()

    def test_seats_follow_the_plan_and_grow_with_upgrades(
        self, sample: SampleData
    ) -> None:
        """Seats are fixed within a main subscription, in the plan's range, and an
        upgrade never lowers them.
        """
        subs = _main(sample.subscriptions)
        usage = sample.usage.assign(last=sample.usage["month"] + pd.offsets.MonthEnd())
        joined = usage.merge(subs, on="customer_id")
        live = (joined["start"] <= joined["last"]) & (
            joined["end"].isna() | (joined["end"] > joined["last"])
        )
        joined = joined[live]
        ranges = joined.groupby("plan")["seats"].agg(["min", "max"])
        seats = joined.groupby("subscription_id")["seats"]
        changes = _changes(sample.subscriptions)
        up = changes[changes["mrr_new"] > changes["mrr_old"]]
        first = seats.first()
        old = first.reindex(up["subscription_id_old"]).to_numpy()
        new = first.reindex(up["subscription_id_new"]).to_numpy()
        both = ~np.isnan(old) & ~np.isnan(new)

        assert len(joined) == len(usage)  # one main plan per paid month
        assert (seats.nunique() == 1).all()
        assert ranges.loc["starter"].between(3, 10).all()
        assert ranges.loc["standard"].between(10, 60).all()
        assert ranges.loc["enterprise"].between(60, 600).all()
        assert both.sum() > 100
        assert (new[both] >= old[both]).all()

    def test_low_feature_usage_predicts_churn_within_three_months(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """AUC of 1 - feature_usage_rate for a ledger churn in the next three
        months, over months up to 2025-09 (whose three months are observed).

        Shipped sample: 0.757 over 29,241 customer-months (1,933 churning).
        """
        moves = ledger.movements(led)
        churns = moves.loc[moves["movement"] == "churn", ["customer_id", "month"]]
        rows = _usage_months(sample)
        soon = np.zeros(len(rows), bool)
        for ahead in (1, 2, 3):
            later = rows.assign(month=rows["month"] + ahead)
            soon |= (
                later.merge(churns, how="left", indicator=True)["_merge"] == "both"
            ).to_numpy()
        observed = (rows["month"] <= pd.Period("2025-09", "M")).to_numpy()
        score = 1 - sample.usage["feature_usage_rate"].to_numpy()

        auc = _auc(score[observed], soon[observed])

        assert soon[observed].sum() > 1_000
        assert 0.70 <= auc <= 0.80

    def test_usage_falls_before_churn(self, sample: SampleData, led: Ledger) -> None:
        """A churner's usage in its last paid month is below its own usage six
        months before (the fall, not only a lower baseline); NPS is lower in
        the last three months before a churn; rep A's customers use the product
        less than rep B's.
        """
        moves = ledger.movements(led)
        churns = moves.loc[moves["movement"] == "churn", ["customer_id", "month"]]
        usage = sample.usage.assign(month=sample.usage["month"].dt.to_period("M"))
        last = churns.assign(month=churns["month"] - 1).merge(usage)
        earlier = churns.assign(month=churns["month"] - 7).merge(usage)
        paired = last.merge(
            earlier, on="customer_id", suffixes=("_last", "_earlier")
        ).drop_duplicates("customer_id")
        fall = paired["feature_usage_rate_last"] - paired["feature_usage_rate_earlier"]
        soon = pd.concat(
            [churns.assign(month=churns["month"] - k) for k in (1, 2, 3)]
        ).merge(usage)
        rep = usage["customer_id"].map(
            sample.customers.set_index("customer_id")["field_sales_rep"]
        )
        rate = usage["feature_usage_rate"]

        assert len(paired) > 300
        assert fall.median() < -0.1
        assert soon["nps"].mean() < usage["nps"].mean() - 0.5
        assert rate[rep == REP_A].median() < rate[rep == REP_B].median()

    def test_nps_comes_from_quarterly_surveys(self, sample: SampleData) -> None:
        """About a quarter of the customer-months have an NPS answer, 0-10."""
        nps = sample.usage["nps"]
        answered = sample.usage[nps.notna()]
        per_customer = answered.groupby("customer_id")["month"].agg(
            lambda m: m.dt.month.mod(3).nunique()
        )

        assert 0.2 <= nps.notna().mean() <= 0.3
        assert nps.dropna().between(0, 10).all()
        assert (per_customer == 1).all()  # each customer surveyed in one month of three


class TestOnboarding:
    """Onboarding: one per customer, fast for smb, stalled for early leavers."""

    def test_one_per_customer_starting_on_the_first_start(
        self, sample: SampleData
    ) -> None:
        """Each customer has one onboarding, started on its first subscription."""
        onboarding = sample.onboarding.set_index("customer_id")
        first = sample.subscriptions.groupby("customer_id")["start"].min()

        assert onboarding.index.is_unique
        assert set(onboarding.index) == set(sample.customers["customer_id"])
        assert (onboarding["started_on"] == first.reindex(onboarding.index)).all()

    def test_completes_within_ninety_days_and_the_horizon(
        self, sample: SampleData
    ) -> None:
        """Completion takes 5-90 days, never after 2025-12-31, and is missing
        for about 8% of the customers who started before October 2025.
        """
        onboarding = sample.onboarding
        days = (onboarding["completed_on"] - onboarding["started_on"]).dt.days
        early = onboarding["started_on"] < pd.Timestamp("2025-10-01")

        assert days.dropna().between(5, 90).all()
        assert onboarding["completed_on"].max() <= HORIZON
        assert 0.05 <= onboarding.loc[early, "completed_on"].isna().mean() <= 0.11

    def test_smb_fast_enterprise_slow_early_leavers_stall(
        self, sample: SampleData
    ) -> None:
        """Median days rise from smb to enterprise; customers gone within six
        months leave onboarding incomplete far more often.
        """
        onboarding = sample.onboarding.merge(sample.customers, on="customer_id")
        days = (onboarding["completed_on"] - onboarding["started_on"]).dt.days
        median = days.groupby(onboarding["segment"]).median()
        half_year = onboarding[["customer_id", "started_on"]].rename(
            columns={"started_on": "day"}
        )
        half_year["day"] += pd.DateOffset(months=6)
        seen = half_year["day"] <= HORIZON
        gone = ~_active_on(sample.subscriptions, half_year) & seen
        missing = onboarding["completed_on"].isna()

        assert median["smb"] < median["mid_market"] < median["enterprise"]
        assert missing[gone].mean() > 3 * missing[seen & ~gone].mean()

    def test_owner_is_support_for_smb_and_the_cs_owner_otherwise(
        self, sample: SampleData
    ) -> None:
        """Support onboards smb accounts; the CS owner in force on the start day
        onboards the others.
        """
        onboarding = sample.onboarding.merge(sample.customers, on="customer_id")
        cs = sample.assignments[sample.assignments["role"] == "customer_success"]
        first_cs = cs.sort_values("start").drop_duplicates("customer_id")
        first_cs = first_cs.set_index("customer_id")["staff_id"]
        smb = onboarding["segment"] == "smb"
        others = onboarding[~smb]

        assert set(onboarding.loc[smb, "owner_id"]) == set(SUPPORT)
        assert (others["owner_id"] == others["customer_id"].map(first_cs)).all()
        assert (others["owner_id"] == others["cs_owner"]).mean() > 0.8


class TestTickets:
    """Tickets: inquiries in paid months, answered in business hours."""

    def test_ticket_times_are_ordered(self, sample: SampleData) -> None:
        """Opened <= first response <= resolved; nothing after 2025-12-31."""
        tickets = sample.tickets
        end = HORIZON + pd.Timedelta(days=1)

        assert (tickets["first_response_at"].dropna() >= tickets["opened_at"][
            tickets["first_response_at"].notna()]).all()  # fmt: skip
        both = tickets["resolved_at"].notna()
        assert (
            tickets.loc[both, "resolved_at"] >= tickets.loc[both, "first_response_at"]
        ).all()
        for column in ("opened_at", "first_response_at", "resolved_at"):
            assert tickets[column].max() < end
            assert (
                tickets[column].dropna() == tickets[column].dropna().dt.floor("min")
            ).all()
        assert tickets["resolved_at"].isna()[tickets["first_response_at"].isna()].all()

    def test_only_tickets_near_the_horizon_are_open(self, sample: SampleData) -> None:
        """A few tickets opened in the last weeks are unanswered or unresolved."""
        tickets = sample.tickets
        open_ = tickets["resolved_at"].isna()

        assert 0 < open_.sum() < 0.02 * len(tickets)
        assert tickets.loc[open_, "opened_at"].min() >= HORIZON - pd.Timedelta(days=21)

    def test_response_and_resolution_times(self, sample: SampleData) -> None:
        """First responses take minutes to about two business days, st-028 faster
        than st-029; resolutions take hours to about ten days.
        """
        tickets = sample.tickets
        wait = (tickets["first_response_at"] - tickets["opened_at"]).dt.total_seconds()
        work = (
            tickets["resolved_at"] - tickets["first_response_at"]
        ).dt.total_seconds()
        median = wait.groupby(tickets["owner_id"]).median()

        assert wait.min() >= 0
        assert wait.max() <= 5 * 86_400  # two business days across a weekend
        assert median["st-028"] < median["st-029"] / 2
        assert 1_800 <= work.min()
        assert work.max() <= 12 * 86_400
        assert set(tickets["category"]) == {
            "how_to",
            "bug",
            "billing",
            "feature_request",
        }

    def test_tickets_arrive_in_paid_months_mostly_in_office_hours(
        self, sample: SampleData
    ) -> None:
        """Every ticket falls in a paid month of its customer; most arrive on
        weekdays between 9:00 and 18:00; 0.3-1 tickets per account-month.
        """
        tickets = sample.tickets
        months = _usage_months(sample)
        opened = tickets["opened_at"]
        asked = pd.DataFrame(
            {"customer_id": tickets["customer_id"], "month": opened.dt.to_period("M")}
        )
        known = asked.merge(months.drop_duplicates(), how="left", indicator=True)
        office = (opened.dt.day_of_week < 5) & opened.dt.hour.between(9, 17)

        assert (known["_merge"] == "both").all()
        assert office.mean() > 0.8
        assert 0.3 <= len(tickets) / len(months) <= 1.0

    def test_low_usage_and_many_seats_raise_the_ticket_rate(
        self, sample: SampleData
    ) -> None:
        """Accounts ask more in months of low usage and when they have more seats."""
        usage = sample.usage
        counts = sample.tickets.groupby(
            [
                sample.tickets["customer_id"],
                sample.tickets["opened_at"].dt.to_period("M"),
            ]
        ).size()
        key = pd.MultiIndex.from_arrays(
            [usage["customer_id"], usage["month"].dt.to_period("M")]
        )
        per_row = pd.Series(counts.reindex(key, fill_value=0).to_numpy())
        low = usage["feature_usage_rate"] < usage["feature_usage_rate"].median()
        big = usage["seats"] >= 60

        assert per_row[low.to_numpy()].mean() > 1.2 * per_row[~low.to_numpy()].mean()
        assert per_row[big.to_numpy()].mean() > 1.2 * per_row[~big.to_numpy()].mean()


class TestActivities:
    """Activities: CS touches and the customer-sales pipeline."""

    def test_every_customer_sales_deal_has_an_earlier_opportunity(
        self, sample: SampleData
    ) -> None:
        """Each deal of st-025/st-026 follows an opportunity with the same customer
        and owner, 7-45 days before (not before 2025-01-01), worth at least the
        deal's MRR; each deal has its own.
        """
        deals = _customer_sales(sample)
        matched = _opportunities_before(sample)
        opportunities = sample.activities[sample.activities["kind"] == "opportunity"]
        needed = deals.groupby("customer_id").size()
        held = opportunities.groupby("customer_id").size().reindex(needed.index)

        assert len(deals) >= 30
        assert set(matched["deal_id"]) == set(deals["deal_id"])
        assert (held >= needed).all()

    def test_lost_opportunities_and_proposals(self, sample: SampleData) -> None:
        """About 1.5 lost opportunities per won one, only with mid-market and
        enterprise accounts, from 2025, by customer sales; each opportunity is
        followed by at least one proposal.
        """
        acts = sample.activities.merge(
            sample.customers[["customer_id", "segment"]], on="customer_id"
        )
        sales = acts[acts["staff_id"].isin(CUSTOMER_SALES)]
        opportunities = sales[sales["kind"] == "opportunity"]
        proposals = sales[sales["kind"] == "upsell_proposal"]
        won = len(_customer_sales(sample))
        first_opp = opportunities.groupby("customer_id")["on"].min()

        assert set(sales["kind"]) == {"opportunity", "upsell_proposal"}
        assert sales["on"].min() >= pd.Timestamp(CUSTOMER_SALES_PILOT[0])
        assert set(sales["segment"]) == {"mid_market", "enterprise"}
        assert 1.3 <= (len(opportunities) - won) / won <= 1.7
        assert len(proposals) >= len(opportunities)
        assert (proposals["on"] >= proposals["customer_id"].map(first_opp)).all()

    def test_cs_owners_touch_their_accounts_high_touch_more_often(
        self, sample: SampleData
    ) -> None:
        """Calls and meetings are by the CS owner in force that day (from the
        assignments), and high touch holds several times as many per account-month.
        """
        acts = sample.activities
        touches = acts[acts["kind"].isin(["one_on_one_call", "meeting"])]
        cs = sample.assignments[sample.assignments["role"] == "customer_success"]
        in_force = pd.merge_asof(
            touches.sort_values("on"),
            cs.sort_values("start")[["customer_id", "staff_id", "start"]],
            left_on="on", right_on="start", by="customer_id", suffixes=("", "_owner"),
        )  # fmt: skip
        team = sample.staff.set_index("staff_id")["team"]
        owners = sample.usage["customer_id"].map(
            sample.customers.set_index("customer_id")["cs_owner"]
        )
        months = owners.map(team).value_counts()
        per_month = touches["staff_id"].map(team).value_counts() / months

        assert (in_force["staff_id"] == in_force["staff_id_owner"]).all()
        assert per_month["cs-high-touch"] > 4 * per_month["cs-tech-touch"]
        assert set(
            touches["staff_id"].map(sample.staff.set_index("staff_id")["role"])
        ) == {"customer_success"}

    def test_activities_fall_in_paid_months_or_before_a_deal(
        self, sample: SampleData
    ) -> None:
        """Every activity is in a paid month of its customer, except customer
        sales' work in the 45 days before a deal it wins.
        """
        acts = sample.activities
        months = _usage_months(sample).drop_duplicates()
        when = pd.DataFrame(
            {"customer_id": acts["customer_id"], "month": acts["on"].dt.to_period("M")}
        )
        paid = (
            when.merge(months, how="left", indicator=True)["_merge"] == "both"
        ).to_numpy()
        deals = _customer_sales(sample)[["customer_id", "won_on"]]
        outside = acts[~paid].reset_index().merge(deals, on="customer_id")
        lead = (outside["won_on"] - outside["on"]).dt.days
        covered = outside.loc[lead.between(0, 45), "index"].unique()

        assert paid.mean() > 0.99
        assert set(acts.index[~paid]) == set(covered)


class TestAssignments:
    """Assignments: dated CS owners (some changed) and customer sales."""

    def test_assignments_do_not_overlap(self, sample: SampleData) -> None:
        """Oracle: within a customer and role, each row ends by the next start."""
        for _, group in sample.assignments.groupby(["customer_id", "role"]):
            rows = group.sort_values("start")
            ends = rows["end"].to_numpy()[:-1]
            starts = rows["start"].to_numpy()[1:]
            assert not np.isnat(ends).any()
            assert (ends <= starts).all()
        assert sample.assignments["end"].notna().sum() > 0

    def test_last_cs_assignment_is_the_cs_owner(
        self, sample: SampleData, led: Ledger
    ) -> None:
        """Every customer has CS cover from its first start; the open-ended last
        row is ``cs_owner``, in force by the end of the customer's last paid month.
        """
        cs = sample.assignments[sample.assignments["role"] == "customer_success"]
        last = cs.sort_values("start").drop_duplicates("customer_id", keep="last")
        last = last.set_index("customer_id")
        first = cs.groupby("customer_id")["start"].min()
        owner = sample.customers.set_index("customer_id")["cs_owner"]
        subs_first = sample.subscriptions.groupby("customer_id")["start"].min()
        final_month = _usage_months(sample).groupby("customer_id")["month"].max()
        month_end = final_month.dt.end_time.dt.normalize()

        assert set(last.index) == set(owner.index)
        assert (last["staff_id"] == owner.reindex(last.index)).all()
        assert last["end"].isna().all()
        assert (first == subs_first.reindex(first.index)).all()
        assert (last["start"].reindex(month_end.index) <= month_end).all()

    def test_about_fifteen_percent_changed_owner_within_the_team(
        self, sample: SampleData
    ) -> None:
        """About 15% of the customers had an earlier CS owner, a different member
        of the same team, until the change day.
        """
        cs = sample.assignments[sample.assignments["role"] == "customer_success"]
        team = sample.staff.set_index("staff_id")["team"]
        ordered = cs.sort_values(["customer_id", "start"])
        earlier = ordered[ordered["customer_id"].duplicated(keep="last")]
        later = ordered[ordered["customer_id"].duplicated(keep="first")]

        assert 0.13 <= len(earlier) / len(sample.customers) <= 0.17
        assert (cs.groupby("customer_id").size() <= 2).all()
        assert (earlier["staff_id"].to_numpy() != later["staff_id"].to_numpy()).all()
        assert (
            earlier["staff_id"].map(team).to_numpy()
            == later["staff_id"].map(team).to_numpy()
        ).all()
        assert (earlier["end"].to_numpy() == later["start"].to_numpy()).all()

    def test_customer_sales_covers_accounts_from_the_first_opportunity(
        self, sample: SampleData
    ) -> None:
        """One customer-sales row per account with an opportunity, from the first
        one, by the person who owns the account's customer-sales deals.
        """
        sales = sample.assignments[sample.assignments["role"] == "customer_sales"]
        sales = sales.set_index("customer_id")
        acts = sample.activities
        opportunities = acts[acts["kind"] == "opportunity"]
        first = opportunities.groupby("customer_id")["on"].min()
        deal_owner = (
            _customer_sales(sample)
            .groupby("customer_id")["owner_id"]
            .agg(lambda owners: set(owners))
        )

        assert sales.index.is_unique
        assert set(sales.index) == set(first.index)
        assert (sales["start"] == first.reindex(sales.index)).all()
        assert sales["end"].isna().all()
        assert set(sales["staff_id"]) == set(CUSTOMER_SALES)
        for customer, owners in deal_owner.items():
            assert owners == {sales.loc[customer, "staff_id"]}


class TestGoalTables:
    """The meetings and pipeline tables, for goal setting."""

    def test_they_validate_against_their_entities(self, sample: SampleData) -> None:
        """Meetings follow `Meeting` and the pipeline follows `Opportunity`."""
        from subscription_metrics import Meeting, Opportunity

        frames.validate(sample.meetings, Meeting)
        frames.validate(sample.pipeline, Opportunity)
        assert sample.meetings["held_on"].max() <= HORIZON
        assert sample.pipeline["customer_id"].isna().all()

    def test_every_new_deal_has_one_qualified_meeting_before_it(
        self, sample: SampleData
    ) -> None:
        """A won new deal was one inside-sales rep's qualified meeting 7-40 days
        before, with the customer's segment."""
        meetings = sample.meetings.dropna(subset=["deal_id"])
        new = sample.deals[sample.deals["kind"] == "new"].set_index("deal_id")

        assert sorted(meetings["deal_id"]) == sorted(new.index)
        assert (meetings["outcome"] == "qualified").all()
        won = new.loc[meetings["deal_id"], "won_on"].to_numpy()
        lead = (won - meetings["held_on"].to_numpy()) / np.timedelta64(1, "D")
        assert lead.min() >= 7
        assert lead.max() <= 40
        customers = sample.customers.set_index("customer_id")
        assert (
            customers.loc[meetings["customer_id"], "segment"].to_numpy()
            == meetings["segment"].to_numpy()
        ).all()
        reps = customers.loc[meetings["customer_id"], "inside_sales_rep"]
        assert (reps.to_numpy() == meetings["staff_id"].to_numpy()).all()

    def test_conversion_falls_with_segment_size(self, sample: SampleData) -> None:
        """About 40%, 28% and 18% of qualified meetings convert in smb, mid-market
        and enterprise (a few hundred meetings each: within 4 points)."""
        meetings = sample.meetings
        qualified = meetings[meetings["outcome"] == "qualified"]
        rate = qualified["deal_id"].notna().groupby(qualified["segment"]).mean()

        assert abs(rate["smb"] - 0.40) < 0.04
        assert abs(rate["mid_market"] - 0.28) < 0.04
        assert abs(rate["enterprise"] - 0.18) < 0.04

    def test_pipeline_sizes_overlap_across_segments(self, sample: SampleData) -> None:
        """Some smb prospects are larger than some enterprise ones, so the LTVs,
        not the sizes alone, must order them."""
        pipe = sample.pipeline
        smb = pipe.loc[pipe["segment"] == "smb", "expected_mrr"]
        enterprise = pipe.loc[pipe["segment"] == "enterprise", "expected_mrr"]

        assert smb.max() > enterprise.min()
        assert pipe["segment"].value_counts().to_dict() == {
            "smb": 90,
            "mid_market": 45,
            "enterprise": 20,
        }


class TestGenerator:
    """Tests for the generator behind the shipped files."""

    @pytest.mark.skipif(
        not SAME_NUMPY,
        reason=(
            f"the shipped sample was made with numpy {META['numpy']} and numpy "
            f"{np.__version__} may draw other random numbers; regenerate with "
            "scripts/make_sample.py to compare"
        ),
    )
    @pytest.mark.parametrize("name", TABLES)
    def test_shipped_seed_reproduces_shipped_files(self, name: str) -> None:
        """Generating with the recorded seed gives the shipped CSV text exactly."""
        sample = gen.generate(META["seed"])
        shipped = gzip.decompress(DATA.joinpath(f"{name}.csv.gz").read_bytes())

        assert gen.csv_bytes(getattr(sample, name), gen._SCHEMAS[name]) == shipped

    def test_generated_equals_loaded(self) -> None:
        """`generate` returns what `load_sample` reads back, dtype for dtype."""
        if not SAME_NUMPY:
            pytest.skip(f"shipped files were made with numpy {META['numpy']}")
        generated, loaded = gen.generate(META["seed"]), load_sample()

        for name in TABLES:
            pd.testing.assert_frame_equal(
                getattr(generated, name), getattr(loaded, name), check_dtype=False
            )

    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_any_seed_gives_a_valid_story(self, seed: int) -> None:
        """Other seeds also give valid tables whose only invisible rows are refunds."""
        tables = gen.build_tables(seed)
        subs = tables["subscriptions"]
        public = gen.generate(seed)
        same_month = subs["end"].notna() & (
            subs["start"].dt.to_period("M") == subs["end"].dt.to_period("M")
        )
        led = Ledger.from_subscriptions(
            public.subscriptions, customers=public.customers, through="2025-12"
        )

        frames.validate(public.customers, Customer)
        frames.validate(public.subscriptions, Subscription)
        frames.validate(public.staff, StaffMember)
        frames.validate(public.deals, Deal)
        frames.validate(public.costs, CostEntry)
        frames.validate(public.usage, UsageSnapshot)
        frames.validate(public.onboarding, Onboarding)
        frames.validate(public.tickets, Ticket)
        _validate_activities(public.activities)
        frames.validate(public.assignments, Assignment)
        assert len(public.onboarding) == len(public.customers)
        assert public.tickets["opened_at"].max() < HORIZON + pd.Timedelta(days=1)
        assert len(_opportunities_before(public)) == len(_customer_sales(public))
        assert len(public.deals) == len(tables["deals"]) > len(public.customers)
        assert (public.deals["mrr"] > 0).all()
        assert public.costs["month"].nunique() == 36
        assert (subs.loc[same_month, "_origin"] == "refunded").all()
        assert (subs["mrr"] > 0).all()
        assert subs["start"].max() <= HORIZON
        assert 2_000 <= len(public.customers) <= 5_000
        assert [note.rule for note in led.set_aside] == [
            "invisible at the monthly grain"
        ]

    def test_appending_a_step_leaves_existing_tables_unchanged(self) -> None:
        """Each step draws from its own stream, so new steps do not shift old ones."""

        def extra(
            rng: np.random.Generator, tables: gen.Tables
        ) -> dict[str, pd.DataFrame]:
            return {"extra": pd.DataFrame({"x": rng.random(1_000)})}

        base = gen.build_tables(7)
        extended = gen.build_tables(7, steps=(*gen.STEPS, ("extra", extra)))

        assert set(extended) == {*base, "extra"}
        for name, table in base.items():
            pd.testing.assert_frame_equal(extended[name], table)

    @pytest.mark.parametrize("steps", [3, 5])
    def test_later_steps_leave_earlier_tables_unchanged(self, steps: int) -> None:
        """The shipped steps after subscriptions (and after costs) change none of
        the tables made before them.
        """
        names = [name for name, _ in gen.STEPS]
        base = gen.build_tables(7, steps=gen.STEPS[:steps])
        full = gen.build_tables(7)

        assert names == [
            "staff", "customers", "subscriptions", "deals", "costs", "usage",
            "cs_owners", "onboarding", "tickets", "activities", "assignments",
            "meetings", "pipeline",
        ]  # fmt: skip
        for name, table in base.items():
            pd.testing.assert_frame_equal(full[name], table)

    def test_internal_columns_and_tables_are_not_shipped(self) -> None:
        """Columns and tables named with a leading underscore stay internal."""
        tables = gen.build_tables(7)
        public = gen.generate(7)

        assert "_cs_owners" in tables
        assert "_to_churn" in tables["usage"]
        for name in TABLES:
            assert not any(c.startswith("_") for c in getattr(public, name).columns)

    def test_csv_bytes_refuses_to_cut_times_of_day(self) -> None:
        """A datetime column with times is written only when marked a timestamp."""
        frame = pd.DataFrame({"at": pd.to_datetime(["2025-01-02 09:30"])})

        with pytest.raises(ValueError, match="'at' has times of day"):
            gen.csv_bytes(frame)
        assert gen.csv_bytes(frame, {"at": "timestamp"}) == b"at\n2025-01-02 09:30\n"
        assert gen.csv_bytes(frame.assign(at=frame["at"].dt.normalize())) == (
            b"at\n2025-01-02\n"
        )

    def test_business_minutes_skip_nights_and_weekends(self) -> None:
        """Known values: Friday 17:30 + 60 business minutes is Monday 9:30; a
        Saturday ticket is answered from Monday 9:00; a full day from Monday
        8:00 ends at Monday 18:00, written as Tuesday 9:00 (the same business
        minute).
        """
        at = np.array(["2025-01-10T17:30", "2025-01-11T12:00", "2025-01-13T08:00"],
                      dtype="datetime64[m]")  # fmt: skip
        later = gen._add_business_minutes(at, np.array([60, 5, 540]))

        assert later.astype(str).tolist() == [
            "2025-01-13T09:30", "2025-01-13T09:05", "2025-01-14T09:00",
        ]  # fmt: skip

    def test_seeds_differ(self) -> None:
        """Different seeds give different companies."""
        one, two = gen.generate(1), gen.generate(2)

        assert not one.subscriptions["mrr"].equals(two.subscriptions["mrr"])
