"""Tests for `subscription_metrics.cohorts` (retention tables and triangles)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import Conventions, Ledger, cohorts, ledger

from . import oracle
from .strategies import (
    CUSTOMERS,
    conventions,
    monthly_rows,
    subscriptions,
    subscriptions_from_rows,
)

EARLY = pd.Period("2022-12", "M")  # before any generated start: all start inactive
THROUGH = pd.Period("2025-03", "M")
FREQ = {"month": "M", "quarter": "Q", "year": "Y"}
VALUES = list(cohorts.RETENTION_COLUMNS)


def _rows(*rows: tuple[str, str, int]) -> pd.DataFrame:
    """Monthly MRR rows from (customer, 'YYYY-MM', mrr) tuples."""
    frame = pd.DataFrame(rows, columns=["customer_id", "month", "mrr"])
    frame["month"] = pd.PeriodIndex(frame["month"], freq="M")
    frame["mrr"] = frame["mrr"].astype("int64")
    frame["currency"] = "USD"
    return frame


_subs = subscriptions_from_rows


# --- the slow, obvious oracle ----------------------------------------------


def oracle_retention(
    state: dict[str, list[tuple[int, int]]],
    months: list[pd.Period],
    conv: Conventions,
    *,
    grain: str = "month",
    segment: dict[str, str] | None = None,
    max_age: int | None = None,
) -> pd.DataFrame:
    """Walk every customer through every month; group; count and add up.

    `state` is each customer's (mrr, active subscriptions) in each of `months`,
    which run from before anyone is active through the ledger's last month.
    """

    def active(mrr: int, count: int) -> bool:
        return mrr > 0 if conv.zero_mrr == "churned" else count > 0

    groups: dict[tuple, list[tuple[int, list[tuple[int, int]]]]] = {}
    for customer, series in state.items():
        active_months = [i for i, (m, c) in enumerate(series) if active(m, c)]
        if not active_months:
            continue  # never active: in no cohort
        first = active_months[0]
        key: tuple = (months[first].asfreq(FREQ[grain]),)
        if segment is not None:
            key += (segment[customer],)
        groups.setdefault(key, []).append((first, series))
    records = []
    for key in sorted(groups):
        members = groups[key]
        latest = max(first for first, _ in members)
        last_age = len(months) - 1 - latest
        if max_age is not None:
            last_age = min(last_age, max_age)
        start = sum(series[first][0] for first, series in members)
        for age in range(last_age + 1):
            size = len(members)
            now = [series[first + age] for first, series in members]
            starts = [series[first][0] for first, series in members]
            still = sum(active(m, c) for m, c in now)
            mrr = sum(m for m, _ in now)
            capped = sum(min(m, s) for (m, _), s in zip(now, starts, strict=True))
            records.append(
                {
                    "cohort": key[0],
                    **({"segment": key[1]} if segment is not None else {}),
                    "age": age,
                    "customers": size,
                    "customers_active": still,
                    "logo_retention": still / size,
                    "mrr_start": start,
                    "mrr": mrr,
                    "net_revenue_retention": mrr / start if start else math.nan,
                    "gross_revenue_retention": capped / start if start else math.nan,
                }
            )
    columns = ["cohort", *(["segment"] if segment is not None else []), "age"]
    frame = pd.DataFrame(records, columns=[*columns, *VALUES])
    frame["cohort"] = pd.PeriodIndex(frame["cohort"], freq=FREQ[grain])
    ints = ["age", "customers", "customers_active", "mrr_start", "mrr"]
    frame[ints] = frame[ints].astype("int64")
    floats = ["logo_retention", "net_revenue_retention", "gross_revenue_retention"]
    frame[floats] = frame[floats].astype("float64")
    if segment is not None:
        frame["segment"] = frame["segment"].astype("str")
    return frame


def _months(last: pd.Period) -> list[pd.Period]:
    return list(pd.period_range(EARLY, last, freq="M"))


grains = st.sampled_from(["month", "quarter", "year"])
max_ages = st.none() | st.integers(0, 5)


class TestAgainstOracle:
    """The fast tables equal the slow customer-by-month walk."""

    @pytest.mark.slow
    @given(subscriptions(), conventions, grains, max_ages)
    def test_retention_from_subscriptions(self, subs, conv, grain, max_age):
        """Every cell of every grain, for generated spans and conventions."""
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        months = _months(THROUGH)
        state = oracle.customer_months_from_spans(subs, months, conv)

        got = cohorts.retention(led, cohort=grain, max_age=max_age)

        expected = oracle_retention(state, months, conv, grain=grain, max_age=max_age)
        pd.testing.assert_frame_equal(got, expected, check_index_type=False)

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.data())
    def test_retention_by_segment(self, subs, conv, data):
        """Segments from a customers table are cohorts of their own."""
        labels = data.draw(st.lists(st.sampled_from(["x", "y"]), min_size=6))
        segment = dict(zip(CUSTOMERS, labels, strict=False))
        customers = pd.DataFrame(
            {"customer_id": list(segment), "segment": list(segment.values())}
        )
        led = Ledger.from_subscriptions(
            subs, customers=customers, conventions=conv, through=THROUGH
        )
        months = _months(THROUGH)
        state = oracle.customer_months_from_spans(subs, months, conv)

        got = cohorts.retention(led, by="segment")

        expected = oracle_retention(state, months, conv, segment=segment)
        if expected.empty:  # no customers: the attribute has no values to type
            expected["segment"] = expected["segment"].astype(got["segment"].dtype)
        pd.testing.assert_frame_equal(got, expected, check_index_type=False)

    @pytest.mark.slow
    @given(monthly_rows(), conventions)
    def test_retention_from_monthly_rows(self, rows, conv):
        """Monthly MRR rows (gaps, duplicates, zero-MRR rows) past their last month."""
        through = pd.Period("2024-06", "M")
        led = Ledger.from_monthly_mrr(rows, conventions=conv, through=through)
        months = _months(through)
        state = oracle.customer_months_from_rows(rows, months)

        got = cohorts.retention(led)

        expected = oracle_retention(state, months, conv)
        pd.testing.assert_frame_equal(got, expected, check_index_type=False)


class TestProperties:
    """Invariants on generated data."""

    @pytest.mark.slow
    @given(subscriptions(), conventions, grains)
    def test_ratios_are_bounded(self, subs, conv, grain):
        """0 <= logo <= 1; GRR <= 1 and GRR <= NRR wherever defined."""
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)

        table = cohorts.retention(led, cohort=grain)

        assert table["logo_retention"].between(0, 1).all()
        defined = table["mrr_start"] > 0
        grr = table.loc[defined, "gross_revenue_retention"]
        nrr = table.loc[defined, "net_revenue_retention"]
        assert (grr <= 1).all()
        assert (grr <= nrr).all()
        assert (grr >= 0).all()
        assert table.loc[~defined, "net_revenue_retention"].isna().all()
        age0 = table[table["age"] == 0]
        assert (age0["customers_active"] == age0["customers"]).all()
        assert (age0["mrr"] == age0["mrr_start"]).all()

    @pytest.mark.slow
    @given(subscriptions(), conventions, st.data())
    def test_segments_add_up_to_the_total(self, subs, conv, data):
        """Cohort sizes, active counts and MRR of segments sum to the cohort's.

        Some customers have no segment: they form a segment of their own.
        """
        labels = data.draw(st.lists(st.sampled_from(["x", "y", None]), min_size=6))
        known = [(c, s) for c, s in zip(CUSTOMERS, labels, strict=False) if s]
        customers = pd.DataFrame(known, columns=["customer_id", "segment"])
        led = Ledger.from_subscriptions(
            subs, customers=customers, conventions=conv, through=THROUGH
        )
        total = cohorts.retention(led, cohort="quarter")
        split = cohorts.retention(led, by="segment", cohort="quarter")

        summed = split.groupby(["cohort", "age"])[
            ["customers", "customers_active", "mrr_start", "mrr"]
        ].sum()
        summed = summed.reindex(pd.MultiIndex.from_frame(total[["cohort", "age"]]))

        expected = total.set_index(["cohort", "age"])[list(summed.columns)]
        pd.testing.assert_frame_equal(summed, expected)

    @pytest.mark.slow
    @given(subscriptions(min_size=1), conventions, st.randoms())
    def test_row_order_does_not_matter(self, subs, conv, rnd):
        """Shuffling the input rows gives the same tables."""
        order = list(range(len(subs)))
        rnd.shuffle(order)
        shuffled = subs.iloc[order].reset_index(drop=True)
        a = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        b = Ledger.from_subscriptions(shuffled, conventions=conv, through=THROUGH)

        pd.testing.assert_frame_equal(cohorts.retention(a), cohorts.retention(b))
        pd.testing.assert_frame_equal(
            cohorts.triangle(a, value="mrr"), cohorts.triangle(b, value="mrr")
        )

    @pytest.mark.slow
    @given(subscriptions(), conventions, grains, st.sampled_from(VALUES))
    def test_triangle_is_retention_pivoted(self, subs, conv, grain, value):
        """Observed cells hold the retention values; every other cell is missing."""
        led = Ledger.from_subscriptions(subs, conventions=conv, through=THROUGH)
        table = cohorts.retention(led, cohort=grain)

        wide = cohorts.triangle(led, value=value, cohort=grain)

        long = wide.stack(future_stack=True)
        present = pd.MultiIndex.from_frame(table[["cohort", "age"]])
        missing = long.drop(present)
        assert missing.isna().all()
        got = long.reindex(present).to_numpy(dtype="float64", na_value=np.nan)
        np.testing.assert_array_equal(got, table[value].to_numpy("float64"))
        assert len(missing) + len(table) == wide.size


class TestKnownCases:
    """Hand-built cases with values worked out by hand."""

    def test_february_cohort_ages_by_calendar_month(self):
        """Feb -> Mar is age 1, Jan -> Mar is age 2 (repeatradar's 30-day bug).

        Source: /work/shared/reference/peers.md, repeatradar: with rows on
        the 1st, 30-day buckets give the Feb 2024 cohort 0% at month 1 and the
        Jan 2025 cohort 0% at month 2; the truth is 100% here.
        """
        rows = _rows(
            ("feb", "2024-02", 100),
            ("feb", "2024-03", 100),
            ("jan", "2025-01", 50),
            ("jan", "2025-02", 50),
            ("jan", "2025-03", 50),
        )
        led = Ledger.from_monthly_mrr(rows, through="2025-03")

        wide = cohorts.triangle(led)

        assert wide.loc[pd.Period("2024-02", "M"), 1] == 1.0
        assert wide.loc[pd.Period("2025-01", "M"), 2] == 1.0

    def test_spans_on_month_edges_use_calendar_months(self):
        """A Jan 31 start is age 0 in January; Feb is age 1; Mar 1 end churns at 2."""
        subs = _subs(("a", "2024-01-31", "2024-03-01", 100))
        led = Ledger.from_subscriptions(subs, through="2024-04")

        table = cohorts.retention(led)

        assert list(table["cohort"].astype(str)) == ["2024-01"] * 4
        assert list(table["customers_active"]) == [1, 1, 0, 0]
        assert list(table["mrr"]) == [100, 100, 0, 0]

    def test_all_churned_then_one_returns_in_its_first_cohort(self):
        """Both churn; one comes back after the window as 'new', yet stays."""
        rows = _rows(
            ("c1", "2024-01", 100),
            ("c1", "2024-02", 100),
            ("c2", "2024-01", 200),
            ("c2", "2024-02", 200),
            ("c1", "2024-05", 120),
        )
        conv = Conventions(reactivation_window_months=1)
        led = Ledger.from_monthly_mrr(rows, conventions=conv, through="2024-05")
        moves = ledger.movements(led)
        returned = moves[moves["month"] == pd.Period("2024-05", "M")]
        assert returned["movement"].tolist() == [
            "new"
        ]  # the ledger calls it new business

        table = cohorts.retention(led)

        assert list(table["cohort"].astype(str).unique()) == ["2024-01"]
        assert list(table["customers"]) == [2] * 5
        assert list(table["customers_active"]) == [2, 2, 0, 0, 1]
        assert list(table["logo_retention"]) == [1.0, 1.0, 0.0, 0.0, 0.5]
        assert list(table["mrr"]) == [300, 300, 0, 0, 120]
        assert table["net_revenue_retention"].iloc[-1] == pytest.approx(120 / 300)
        assert table["gross_revenue_retention"].iloc[-1] == pytest.approx(100 / 300)

    def test_unobserved_cells_are_absent_and_missing_never_zero(self):
        """Cohorts Jan, Feb, Mar seen through Mar: a triangle, not a rectangle."""
        rows = _rows(
            ("a", "2024-01", 10),
            ("b", "2024-02", 20),
            ("c", "2024-03", 30),
            ("a", "2024-02", 10),
        )
        led = Ledger.from_monthly_mrr(rows)

        table = cohorts.retention(led)
        logo = cohorts.triangle(led)
        mrr = cohorts.triangle(led, value="mrr")

        cells = list(zip(table["cohort"].astype(str), table["age"], strict=True))
        assert cells == [
            ("2024-01", 0),
            ("2024-01", 1),
            ("2024-01", 2),
            ("2024-02", 0),
            ("2024-02", 1),
            ("2024-03", 0),
        ]
        expected = np.array(
            [[1.0, 1.0, 0.0], [1.0, 0.0, np.nan], [1.0, np.nan, np.nan]]
        )
        np.testing.assert_array_equal(logo.to_numpy(), expected)
        assert list(logo.columns) == [0, 1, 2]
        assert str(mrr.dtypes.iloc[0]) == "Int64"
        assert mrr.isna().to_numpy().tolist() == np.isnan(expected).tolist()
        assert mrr.loc[pd.Period("2024-01", "M")].tolist() == [10, 10, 0]

    def test_quarter_cohort_shows_ages_observed_for_every_customer(self):
        """Q1 joiners in Jan and Mar, data through May: ages 0..2 only."""
        rows = _rows(
            *(("jan", f"2024-0{m}", 100) for m in range(1, 6)),
            *(("mar", f"2024-0{m}", 50) for m in range(3, 6)),
        )
        led = Ledger.from_monthly_mrr(rows)

        table = cohorts.retention(led, cohort="quarter")
        wide = cohorts.triangle(led, cohort="year", value="customers_active")

        assert list(table["cohort"].astype(str).unique()) == ["2024Q1"]
        assert list(table["age"]) == [0, 1, 2]  # May - Mar = 2
        assert list(table["customers_active"]) == [2, 2, 2]
        assert list(table["mrr"]) == [150, 150, 150]
        assert wide.index.tolist() == [pd.Period("2024", "Y")]
        assert wide.iloc[0].tolist() == [2, 2, 2]

    def test_gross_retention_caps_each_customer_at_its_start(self):
        """SaaS Capital: expansion cannot offset another customer's contraction.

        Source: metric-definitions.md 2.8 (SaaS Capital: "set each customer's
        2019 MRR to be less than or equal to their 2018 MRR"). a: 100 -> 150,
        b: 100 -> 50 gives NRR 200/200 = 1.0 and GRR (100 + 50)/200 = 0.75.
        c: 100 -> 90 -> 100 is 0.9 then 1.0 (the cap is at the end point).
        """
        rows = _rows(
            ("a", "2024-01", 100),
            ("a", "2024-02", 150),
            ("b", "2024-01", 100),
            ("b", "2024-02", 50),
            ("c", "2024-03", 100),
            ("c", "2024-04", 90),
            ("c", "2024-05", 100),
        )
        table = cohorts.retention(Ledger.from_monthly_mrr(rows), max_age=2)
        jan = table[table["cohort"] == pd.Period("2024-01", "M")]
        mar = table[table["cohort"] == pd.Period("2024-03", "M")]

        assert jan["net_revenue_retention"].tolist() == [1.0, 1.0, 0.0]
        assert jan["gross_revenue_retention"].tolist() == [1.0, 0.75, 0.0]
        assert mar["net_revenue_retention"].tolist() == [1.0, 0.9, 1.0]
        assert mar["gross_revenue_retention"].tolist() == [1.0, 0.9, 1.0]

    def test_zero_starting_mrr_gives_nan_revenue_retention(self):
        """A free-plan cohort is active under zero_mrr='active'; NRR is undefined."""
        rows = _rows(("free", "2024-01", 0), ("free", "2024-02", 10))
        conv = Conventions(zero_mrr="active")
        led = Ledger.from_monthly_mrr(rows, conventions=conv)

        table = cohorts.retention(led)

        assert table["logo_retention"].tolist() == [1.0, 1.0]
        assert table["mrr"].tolist() == [0, 10]
        assert table["net_revenue_retention"].isna().all()
        assert table["gross_revenue_retention"].isna().all()

    def test_never_active_customers_are_in_no_cohort(self):
        """Only zero-MRR rows under zero_mrr='churned': no cohort at all."""
        rows = _rows(("free", "2024-01", 0), ("paid", "2024-02", 10))

        table = cohorts.retention(Ledger.from_monthly_mrr(rows))

        assert table["customers"].tolist() == [1]
        assert table["cohort"].astype(str).tolist() == ["2024-02"]

    def test_empty_ledger_gives_empty_tables_with_the_columns(self):
        """No subscriptions: no rows, the same columns."""
        led = Ledger.from_subscriptions(_subs().iloc[:0], through="2024-03")

        table = cohorts.retention(led, by=())
        wide = cohorts.triangle(led)
        expected_dtypes = ["int64"] * 3 + ["float64"] + ["int64"] * 2 + ["float64"] * 2

        assert table.empty
        assert list(table.columns) == ["cohort", "age", *VALUES]
        assert table["cohort"].dtype == pd.PeriodDtype("M")
        assert (table.dtypes.iloc[1:] == expected_dtypes).all()
        assert wide.shape == (0, 0)

    def test_two_attributes_index_the_triangle(self):
        """by= two attributes gives a (cohort, a, b) index."""
        rows = _rows(("c1", "2024-01", 10), ("c2", "2024-01", 20))
        customers = pd.DataFrame(
            {
                "customer_id": ["c1", "c2"],
                "segment": ["smb", "smb"],
                "region": ["eu", "us"],
            }
        )
        led = Ledger.from_monthly_mrr(rows, customers=customers)

        wide = cohorts.triangle(led, by=["segment", "region"], value="mrr")

        assert wide.index.names == ["cohort", "segment", "region"]
        assert wide[0].tolist() == [10, 20]


class TestErrors:
    """Bad options name the argument and the offending value."""

    @pytest.fixture
    def led(self) -> Ledger:
        """A one-customer ledger."""
        return Ledger.from_monthly_mrr(_rows(("c1", "2024-01", 10)))

    def test_unknown_grain(self, led):
        """cohort='week' is not a grain."""
        with pytest.raises(ValueError, match=r"'cohort'.*'week'"):
            cohorts.retention(led, cohort="week")  # type: ignore[arg-type]

    def test_negative_max_age(self, led):
        """max_age must be >= 0."""
        with pytest.raises(ValueError, match="'max_age' must be >= 0, got -1"):
            cohorts.retention(led, max_age=-1)

    @pytest.mark.parametrize("bad", [1.5, True, "3"])
    def test_max_age_type(self, led, bad):
        """max_age must be an int."""
        with pytest.raises(TypeError, match="'max_age'"):
            cohorts.retention(led, max_age=bad)

    def test_unknown_value(self, led):
        """triangle(value=...) must name a retention column."""
        with pytest.raises(ValueError, match=r"'value'.*'churn'"):
            cohorts.triangle(led, value="churn")

    def test_by_must_be_names(self, led):
        """by=[1] is not a column name."""
        with pytest.raises(TypeError, match="'by'"):
            cohorts.retention(led, by=[1])  # type: ignore[list-item]
