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
    CostEntry,
    Customer,
    Deal,
    Ledger,
    StaffMember,
    Subscription,
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
TABLES = ("customers", "subscriptions", "staff", "deals", "costs")
HORIZON = pd.Timestamp("2025-12-31")
#: SHA-256 of the CSV text of the first three tables as shipped before the deals
#: and costs steps were added (datasets/data/metadata.json at commit 36c9a1a).
ORIGINAL_SHA256 = {
    "customers": "5e4005d8cb68d8d5d76d8ca7e7758809fbd77b0ae1e2169984f151644a0fca14",
    "subscriptions": "b30ec295a6285047642c59d26f3393fbf2938857072c87a8c4bac38718f87b8d",
    "staff": "b7c1a4afa0d4f03e411443224f0f97aafefd7d678447cf1577b5af5ce95a492c",
}
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
    """Slow oracle: the deals each customer's subscriptions imply, one at a time."""
    rows = []
    ordered = subs.sort_values(["start", "subscription_id"])
    for customer, group in ordered.groupby("customer_id", sort=False):
        first_month = group["start"].min().to_period("M")
        signed = group[group["start"].dt.to_period("M") == first_month]
        rows.append((customer, "new", signed["mrr"].sum(), signed["start"].min()))
        previous = None
        for row in group.itertuples():
            if row.plan.startswith("addon"):
                rows.append((customer, "cross_sell", row.mrr, row.start))
                continue
            if previous is not None and row.start == previous.end:
                if row.mrr > previous.mrr:
                    rows.append((customer, "upsell", row.mrr - previous.mrr, row.start))
            elif previous is not None:
                rows.append((customer, "new", row.mrr, row.start))  # a win-back
            previous = row
    return pd.DataFrame(rows, columns=["customer_id", "kind", "mrr", "start"])


def _customer_sales(sample: SampleData) -> pd.DataFrame:
    """The deals of the customer-sales team."""
    team = sample.staff.loc[sample.staff["role"] == "customer_sales", "staff_id"]
    return sample.deals[sample.deals["owner_id"].isin(team)]


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
        """The first three tables are pinned: a step appended to the generator
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
        """The shipped data stays small."""
        size = sum(len(DATA.joinpath(f"{name}.csv.gz").read_bytes()) for name in TABLES)

        assert size < 300_000


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
        """Rep A has several times rep B's customers, and the most of any rep."""
        counts = sample.customers["field_sales_rep"].value_counts()

        assert counts[REP_A] > 3 * counts[REP_B]
        assert counts.idxmax() == REP_A

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

        assert gen.csv_bytes(getattr(sample, name)) == shipped

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

    def test_deals_and_costs_steps_leave_the_first_three_tables_unchanged(
        self,
    ) -> None:
        """The shipped steps after subscriptions change none of the tables before."""
        names = [name for name, _ in gen.STEPS]
        base = gen.build_tables(7, steps=gen.STEPS[:3])
        full = gen.build_tables(7)

        assert names == ["staff", "customers", "subscriptions", "deals", "costs"]
        for name, table in base.items():
            pd.testing.assert_frame_equal(full[name], table)

    def test_seeds_differ(self) -> None:
        """Different seeds give different companies."""
        one, two = gen.generate(1), gen.generate(2)

        assert not one.subscriptions["mrr"].equals(two.subscriptions["mrr"])
