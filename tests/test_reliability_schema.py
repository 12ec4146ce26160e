"""Every table input goes through one schema check: other representations of valid
values are accepted, everything else is refused with `InvalidTableError`."""

from __future__ import annotations

import decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscription_metrics import (
    Customer,
    ExchangeRate,
    InvalidTableError,
    Ledger,
    MonthlyMrr,
    Problem,
    StaffMember,
    Subscription,
    frames,
    ledger,
    operations,
)

from .strategies import monthly_rows, subscriptions

pa = pytest.importorskip("pyarrow")


def _subs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subscription_id": ["s1", "s2", "s3"],
            "customer_id": ["c1", "c1", "c2"],
            "start": pd.to_datetime(["2024-01-10", "2024-03-01", "2024-02-05"]),
            "end": pd.to_datetime(["2024-05-01", None, None]),
            "mrr": [100, 150, 80],
            "currency": ["USD", "USD", "USD"],
            "plan": ["basic", "pro", "basic"],
        }
    )


def _staff() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "staff_id": ["a", "b"],
            "role": ["field_sales", "customer_success"],
            "monthly_cost": [500_000, 400_000],
            "currency": ["JPY", "JPY"],
            "fte": [1.0, 0.5],
        }
    )


def _onboarding() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["c1", "c2", "c3"],
            "started_on": pd.to_datetime(["2024-03-01", "2024-03-10", "2024-04-01"]),
            "completed_on": pd.to_datetime(["2024-03-21", "2024-05-09", None]),
            "owner_id": ["s1", "s1", None],
        }
    )


def _bridge(subs: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    return ledger.bridge(Ledger.from_subscriptions(subs, **kwargs))  # type: ignore[arg-type]


def _problems(call: object) -> list[Problem]:
    with pytest.raises(InvalidTableError) as info:
        call()  # type: ignore[operator]
    return list(info.value.problems)


def _has(problems: list[Problem], table: str, column: str, rule: str) -> Problem:
    found = [
        p
        for p in problems
        if p.table == table and p.column == column and p.rule == rule
    ]
    assert found, problems
    return found[0]


def _pyarrow(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.convert_dtypes(dtype_backend="pyarrow")


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype(
        {c: "category" for c in frame.columns if frame[c].dtype.kind != "i"}
    )


class TestColumnLabels:
    def test_duplicated_column_is_refused_by_name(self) -> None:
        subs = pd.concat([_subs(), _subs()[["mrr"]]], axis=1)
        problem = _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "mrr",
            "unique column name",
        )
        assert problem.count == 0
        assert "2" in problem.detail

    def test_duplicated_extra_column_is_refused(self) -> None:
        customers = pd.DataFrame({"customer_id": ["c1", "c2"], "segment": ["a", "b"]})
        customers = pd.concat([customers, customers[["segment"]]], axis=1)
        _has(
            _problems(lambda: Ledger.from_subscriptions(_subs(), customers=customers)),
            "customers",
            "segment",
            "unique column name",
        )

    def test_multiindex_columns_are_refused(self) -> None:
        staff = _staff()
        staff.columns = pd.MultiIndex.from_tuples([(c, "x") for c in staff.columns])
        _has(
            _problems(lambda: frames.validate(staff, StaffMember)),
            "staff",
            "(columns)",
            "one header row",
        )

    def test_computed_tables_read_labels_by_the_same_rules(self) -> None:
        """Health signals once named a MultiIndex differently from entity tables."""
        from subscription_metrics import health

        signals = pd.DataFrame(
            {"feature_usage_rate": [0.5, 0.2], "nps": [7.0, 9.0]},
            index=pd.Index(["c1", "c2"], name="customer_id"),
        )
        multi = signals.set_axis(
            pd.MultiIndex.from_tuples([(c, "x") for c in signals.columns]), axis=1
        )
        _has(
            _problems(lambda: health.score(multi)),
            "signals",
            "(columns)",
            "one header row",
        )
        twice = pd.concat([signals, signals[["nps"]]], axis=1)
        problem = _has(
            _problems(lambda: health.score(twice)),
            "signals",
            "nps",
            "unique column name",
        )
        assert problem.detail == "the column appears 2 times; keep one"


class TestMoneyValues:
    @pytest.mark.parametrize("huge", [2**63, -(2**63) - 1, 10**30])
    def test_python_int_beyond_int64_is_refused(self, huge: int) -> None:
        subs = _subs()
        subs["mrr"] = pd.Series([huge, 1, 2], dtype=object)
        problem = _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "mrr",
            "within int64",
        )
        assert problem.count == 1
        assert problem.examples == ("0",)

    def test_uint64_beyond_int64_is_refused_not_wrapped(self) -> None:
        subs = _subs()
        subs["mrr"] = np.array([2**63 + 5, 1, 2], dtype=np.uint64)
        _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "mrr",
            "within int64",
        )

    def test_decimal_minor_units_are_refused(self) -> None:
        subs = _subs()
        subs["mrr"] = [decimal.Decimal(100), decimal.Decimal(150), decimal.Decimal(80)]
        _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "mrr",
            "wrong type",
        )

    @pytest.mark.parametrize("amounts", ["minor", "major"])
    def test_complex_amounts_are_refused(self, amounts: str) -> None:
        subs = _subs()
        subs["mrr"] = np.array([100 + 1j, 150 + 0j, 80 + 0j])
        _has(
            _problems(lambda: Ledger.from_subscriptions(subs, amounts=amounts)),  # type: ignore[arg-type]
            "subscriptions",
            "mrr",
            "wrong type",
        )

    def test_complex_number_column_is_refused(self) -> None:
        staff = _staff()
        staff["fte"] = np.array([1 + 0j, 0.5 + 0.5j])
        _has(
            _problems(lambda: frames.validate(staff, StaffMember)),
            "staff",
            "fte",
            "wrong type",
        )


class TestCategoricals:
    def test_categorical_subscriptions_give_the_same_bridge(self) -> None:
        subs = _subs()
        pd.testing.assert_frame_equal(_bridge(_categorical(subs)), _bridge(subs))

    def test_categorical_staff_and_enums(self) -> None:
        staff = _staff()
        got = frames.validate(_categorical(staff), StaffMember)
        want = frames.validate(staff, StaffMember)
        pd.testing.assert_frame_equal(got, want)

    def test_invalid_categorical_values_are_still_refused(self) -> None:
        subs = _subs()
        subs["currency"] = pd.Categorical(["USD", "US$", "USD"])
        subs["start"] = pd.Categorical(subs["start"])
        subs["end"] = pd.Categorical(pd.to_datetime(["2024-01-01", None, None]))
        problems = _problems(lambda: Ledger.from_subscriptions(subs))
        _has(problems, "subscriptions", "currency", "known ISO 4217 code")
        _has(problems, "subscriptions", "start, end", "end not before start")


class TestArrowAndNullable:
    @pytest.mark.parametrize("convert", [_pyarrow, pd.DataFrame.convert_dtypes])
    def test_subscriptions(self, convert: object) -> None:
        subs = _subs()
        pd.testing.assert_frame_equal(_bridge(convert(subs)), _bridge(subs))  # type: ignore[operator]

    @pytest.mark.parametrize("convert", [_pyarrow, pd.DataFrame.convert_dtypes])
    def test_customers_segments(self, convert: object) -> None:
        customers = pd.DataFrame({"customer_id": ["c1", "c2"], "segment": ["a", None]})
        want = ledger.bridge(
            Ledger.from_subscriptions(_subs(), customers=customers), by="segment"
        )
        got = ledger.bridge(
            Ledger.from_subscriptions(_subs(), customers=convert(customers)),  # type: ignore[operator]
            by="segment",
        )
        pd.testing.assert_frame_equal(got, want)

    @pytest.mark.parametrize("convert", [_pyarrow, pd.DataFrame.convert_dtypes])
    def test_onboarding_kpis(self, convert: object) -> None:
        table = _onboarding()
        want = operations.onboarding_kpis(table, as_of="2024-05-31", by="owner")
        got = operations.onboarding_kpis(
            convert(table),  # type: ignore[operator]
            as_of="2024-05-31",
            by="owner",
        )
        pd.testing.assert_frame_equal(got, want)

    def test_staff_nullable_and_arrow(self) -> None:
        staff = _staff()
        want = frames.validate(staff, StaffMember)
        for convert in (_pyarrow, pd.DataFrame.convert_dtypes):
            got = frames.validate(convert(staff), StaffMember)
            pd.testing.assert_frame_equal(got, want, check_dtype=False)
            assert got["monthly_cost"].dtype == np.int64

    def test_arrow_missing_values_are_still_refused(self) -> None:
        subs = _subs()
        subs.loc[1, "customer_id"] = None
        _has(
            _problems(lambda: Ledger.from_subscriptions(_pyarrow(subs))),
            "subscriptions",
            "customer_id",
            "not missing",
        )

    def test_parquet_round_trip(self, tmp_path: object) -> None:
        path = f"{tmp_path}/subs.parquet"
        subs = _subs()
        subs.to_parquet(path)
        read = pd.read_parquet(path, dtype_backend="pyarrow")
        pd.testing.assert_frame_equal(_bridge(read), _bridge(subs))


class TestEmptyOptionalDates:
    @pytest.mark.parametrize(
        "empty",
        [
            pytest.param(lambda n: np.full(n, np.nan), id="all-NaN float"),
            pytest.param(lambda n: pd.Series([None] * n, dtype=object), id="None"),
            pytest.param(
                lambda n: pd.Series(
                    pd.NaT, index=range(n), dtype="datetime64[ns, UTC]"
                ),
                id="tz-aware",
            ),
            pytest.param(
                lambda n: pd.Series(pd.NaT, index=range(n), dtype="period[D]"),
                id="Period",
            ),
        ],
    )
    def test_empty_end_reads_as_absent(self, empty: object) -> None:
        subs = _subs()
        subs["end"] = empty(len(subs))  # type: ignore[operator]
        want = _bridge(subs.drop(columns="end"))
        pd.testing.assert_frame_equal(_bridge(subs), want)

    def test_read_csv_with_no_ended_subscription(self, tmp_path: object) -> None:
        path = f"{tmp_path}/subs.csv"
        subs = _subs()
        subs["end"] = pd.NaT
        subs.to_csv(path, index=False)
        read = pd.read_csv(path)
        assert read["end"].dtype == np.float64
        pd.testing.assert_frame_equal(_bridge(read), _bridge(subs.drop(columns="end")))

    def test_onboarding_never_completed(self) -> None:
        table = _onboarding()
        table["completed_on"] = np.nan
        got = operations.onboarding_kpis(table, as_of="2024-05-31")
        assert got.loc["All", "completed"] == 0

    def test_required_date_all_missing_is_refused(self) -> None:
        subs = _subs()
        subs["start"] = np.nan
        _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "start",
            "not missing",
        )

    def test_day_periods_are_dates(self) -> None:
        subs = _subs()
        periods = subs.assign(
            start=subs["start"].dt.to_period("D"), end=subs["end"].dt.to_period("D")
        )
        pd.testing.assert_frame_equal(_bridge(periods), _bridge(subs))

    def test_other_periods_are_refused_for_dates(self) -> None:
        subs = _subs()
        subs["start"] = subs["start"].dt.to_period("Q")
        _has(
            _problems(lambda: Ledger.from_subscriptions(subs)),
            "subscriptions",
            "start",
            "wrong type",
        )


class TestDateRange:
    def test_year_2500_in_seconds_next_to_nanoseconds(self) -> None:
        subs = _subs()
        subs["start"] = pd.Series(
            np.array(["2500-01-01", "2024-03-01", "2024-02-05"], dtype="datetime64[s]")
        )
        subs["end"] = pd.Series(pd.NaT, index=subs.index, dtype="datetime64[ns]")
        table = frames.validate(subs, Subscription)
        assert table["start"].iloc[0] == pd.Timestamp("2500-01-01")
        led = Ledger.from_subscriptions(subs)
        assert str(led.last_month) == "2500-01"


class TestRates:
    @staticmethod
    def _eur_subs() -> pd.DataFrame:
        subs = _subs()
        subs.loc[0, "currency"] = "EUR"
        return subs

    @staticmethod
    def _rates() -> pd.DataFrame:
        return pd.DataFrame(
            {
                "currency": ["EUR", "EUR"],
                "date": pd.to_datetime(["2023-01-01", "2024-02-01"]),
                "rate": [1.1, 1.2],
            }
        )

    def _refused(self, rates: object, column: str, rule: str) -> Problem:
        problems = _problems(
            lambda: Ledger.from_subscriptions(
                self._eur_subs(),
                currency="USD",
                rates=rates,  # type: ignore[arg-type]
            )
        )
        return _has(problems, "rates", column, rule)

    def test_missing_rate_column(self) -> None:
        self._refused(self._rates().drop(columns="rate"), "rate", "missing column")

    def test_string_dates_are_dates(self) -> None:
        rates = self._rates()
        text = rates.assign(date=["2023-01-01", "2024-02-01"])
        subs = self._eur_subs()
        pd.testing.assert_frame_equal(
            _bridge(subs, currency="USD", rates=text),
            _bridge(subs, currency="USD", rates=rates),
        )

    def test_mixed_time_zones(self) -> None:
        rates = self._rates().assign(
            date=["2023-01-01T00:00:00+09:00", "2024-02-01T00:00:00+00:00"]
        )
        self._refused(rates, "date", "mixed time zones")

    def test_float_dates_are_not_nanoseconds(self) -> None:
        self._refused(self._rates().assign(date=[1.0e18, 1.7e18]), "date", "wrong type")

    @pytest.mark.parametrize(
        ("value", "rule"),
        [
            (True, "wrong type"),
            (np.nan, "not missing"),
            (np.inf, "finite"),
            (-1.0, "greater than 0.0"),
            (0.0, "greater than 0.0"),
        ],
    )
    def test_bad_rate_values(self, value: object, rule: str) -> None:
        rates = self._rates()
        rates["rate"] = rates["rate"].astype(object)
        rates.loc[1, "rate"] = value
        if isinstance(value, bool):
            rates["rate"] = [True, True]
        else:
            rates["rate"] = rates["rate"].astype(float)
        self._refused(rates, "rate", rule)

    def test_unknown_currency(self) -> None:
        rates = self._rates()
        rates.loc[1, "currency"] = "XQQ"
        self._refused(rates, "currency", "known ISO 4217 code")

    def test_repeated_currency_and_date(self) -> None:
        rates = self._rates()
        rates.loc[1, "date"] = rates.loc[0, "date"]
        self._refused(rates, "currency, date", "unique")

    @pytest.mark.parametrize(
        ("value", "rule"),
        [
            (True, "wrong type"),
            ("x", "wrong type"),
            (float("nan"), "not missing"),
            (-1, "greater than 0.0"),
        ],
    )
    def test_bad_mapping_rates(self, value: object, rule: str) -> None:
        problem = self._refused({"EUR": value}, "rate", rule)
        assert problem.examples == ("EUR",)

    def test_mapping_with_unknown_currency(self) -> None:
        self._refused({"EUR": 1.1, "QQQ": 2.0}, "currency", "known ISO 4217 code")

    def test_mapping_text_and_decimal_rates_are_numbers(self) -> None:
        subs = self._eur_subs()
        want = _bridge(subs, currency="USD", rates={"EUR": 1.25})
        for rate in ("1.25", decimal.Decimal("1.25")):
            pd.testing.assert_frame_equal(
                _bridge(subs, currency="USD", rates={"EUR": rate}), want
            )

    def test_rates_table_in_other_representations(self) -> None:
        subs = self._eur_subs()
        want = _bridge(subs, currency="USD", rates=self._rates())
        for convert in (_pyarrow, _categorical, pd.DataFrame.convert_dtypes):
            got = _bridge(subs, currency="USD", rates=convert(self._rates()))
            pd.testing.assert_frame_equal(got, want)

    def test_rates_problems_come_with_the_others(self) -> None:
        subs = self._eur_subs()
        subs.loc[2, "mrr"] = -1
        rates = self._rates().drop(columns="rate")
        problems = _problems(
            lambda: Ledger.from_monthly_mrr(
                pd.DataFrame(
                    {
                        "customer_id": ["c1"],
                        "month": pd.to_datetime(["2024-01-01"]),
                        "mrr": [1.5],
                        "currency": ["EUR"],
                    }
                ),
                currency="USD",
                rates=rates,
            )
        )
        _has(problems, "monthly_mrr", "mrr", "integer minor units")
        _has(problems, "rates", "rate", "missing column")

    def test_entity_checks_one_rate(self) -> None:
        with pytest.raises(ValueError, match="'rate'"):
            ExchangeRate(
                currency="EUR", date=pd.Timestamp("2024-01-01").date(), rate=0.0
            )


class TestCustomers:
    def test_categorical_customers(self) -> None:
        customers = pd.DataFrame({"customer_id": ["c1", "c2"], "segment": ["a", "b"]})
        want = ledger.bridge(
            Ledger.from_subscriptions(_subs(), customers=customers), by="segment"
        )
        got = ledger.bridge(
            Ledger.from_subscriptions(_subs(), customers=_categorical(customers)),
            by="segment",
        )
        pd.testing.assert_frame_equal(got, want)

    def test_customers_with_bad_rows_are_refused(self) -> None:
        customers = pd.DataFrame(
            {"customer_id": ["c1", "c1"], "employees": [-1.0, 2.5]}
        )
        problems = _problems(
            lambda: Ledger.from_monthly_mrr(
                pd.DataFrame(
                    {
                        "customer_id": ["c1"],
                        "month": pd.to_datetime(["2024-01-01"]),
                        "mrr": [1],
                        "currency": ["EUR"],
                    }
                ),
                customers=customers,
            )
        )
        _has(problems, "customers", "customer_id", "unique")
        _has(problems, "customers", "employees", "not negative")
        _has(problems, "customers", "employees", "whole number")


_REPRESENTATIONS = st.sampled_from(["pyarrow", "nullable", "categorical", "object"])


def _represent(frame: pd.DataFrame, how: str) -> pd.DataFrame:
    if how == "pyarrow":
        return _pyarrow(frame)
    if how == "nullable":
        return frame.convert_dtypes()
    if how == "categorical":
        return _categorical(frame)
    return frame.astype(object)


@given(subs=subscriptions(min_size=1), how=_REPRESENTATIONS)
def test_other_representations_give_the_same_bridge(
    subs: pd.DataFrame, how: str
) -> None:
    want = _bridge(subs)
    got = _bridge(_represent(subs, how))
    pd.testing.assert_frame_equal(got, want)


@given(rows=monthly_rows(), how=_REPRESENTATIONS)
def test_other_representations_give_the_same_monthly_bridge(
    rows: pd.DataFrame, how: str
) -> None:
    rows = rows.assign(month=rows["month"].dt.to_timestamp())
    if rows.empty:
        return
    want = ledger.bridge(Ledger.from_monthly_mrr(rows))
    got = ledger.bridge(Ledger.from_monthly_mrr(_represent(rows, how)))
    pd.testing.assert_frame_equal(got, want)


def test_monthly_period_rows_in_pyarrow() -> None:
    rows = pd.DataFrame(
        {
            "customer_id": ["c1", "c1"],
            "month": pd.to_datetime(["2024-01-01", "2024-02-01"]),
            "mrr": [5, 7],
            "currency": ["EUR", "EUR"],
        }
    )
    frames.validate(_pyarrow(rows), MonthlyMrr)
    frames.validate(_pyarrow(pd.DataFrame({"customer_id": [1, 2]})), Customer)
