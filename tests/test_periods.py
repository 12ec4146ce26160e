"""Tests for `subscription_metrics.periods`."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from subscription_metrics import periods

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")

period_names = st.sampled_from(sorted(periods.PERIODS_PER_YEAR))
fractions = st.floats(min_value=0.0, max_value=1.0)
# Dates pandas can hold at nanosecond resolution, for tests that go through pandas.
pandas_dates = st.dates(min_value=dt.date(1678, 1, 1), max_value=dt.date(2261, 12, 31))
pandas_datetimes = st.datetimes(
    min_value=dt.datetime(1678, 1, 1), max_value=dt.datetime(2261, 12, 31)
)


@st.composite
def well_conditioned_rates(draw: st.DrawFn) -> tuple[float, str]:
    """A periodic rate whose annual survival (1 - m)**n stays >= 0.001.

    Closer to total annual churn the inverse is ill-conditioned: 1 - annual
    keeps only a few significant digits, so no implementation could round-trip.
    """
    period = draw(period_names)
    n = periods.PERIODS_PER_YEAR[period]
    return draw(st.floats(min_value=0.0, max_value=1 - 0.001 ** (1 / n))), period


def slow_month_ordinal(value: dt.date) -> int:
    """Count months from January 1970 one at a time."""
    year, month, count = 1970, 1, 0
    step = 1 if (value.year, value.month) >= (1970, 1) else -1
    while (year, month) != (value.year, value.month):
        month += step
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
        count += step
    return count


def slow_add_months(value: dt.date, months: int) -> dt.date:
    """Step month by month, then walk the day back until the date exists."""
    year, month = value.year, value.month
    for _ in range(abs(months)):
        month += 1 if months > 0 else -1
        if month == 13:
            year, month = year + 1, 1
        elif month == 0:
            year, month = year - 1, 12
    day = value.day
    while True:
        try:
            return value.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


class TestPeriodsPerYear:
    """Tests for `periods_per_year`."""

    @pytest.mark.parametrize(
        ("period", "expected"),
        [("weekly", 52), ("monthly", 12), ("quarterly", 4), ("annual", 1)],
    )
    def test_known_values(self, period, expected):
        """Each period's count per year."""
        assert expected == periods.periods_per_year(period)

    @pytest.mark.parametrize("period", ["yearly", "Monthly", "", None])
    def test_unknown_period_lists_the_allowed_values(self, period):
        """The error names the argument and every allowed value."""
        with pytest.raises(
            ValueError,
            match="'period' must be one of 'weekly', 'monthly', 'quarterly', 'annual'",
        ):
            periods.periods_per_year(period)

    def test_table_is_read_only(self):
        """PERIODS_PER_YEAR cannot be changed at run time."""
        with pytest.raises(TypeError):
            periods.PERIODS_PER_YEAR["monthly"] = 13  # type: ignore[index]


class TestAnnualizedChurnRate:
    """Tests for `annualized_churn_rate`."""

    def test_known_value(self):
        """5% monthly churn compounds to 45.96% a year (ChurnKey; Climb the Ladder)."""
        assert 0.4596 == round(periods.annualized_churn_rate(0.05), 4)

    @pytest.mark.parametrize(
        ("rate", "period", "expected"),
        [
            (0.0, "monthly", 0.0),
            (1.0, "monthly", 1.0),
            (0.3, "annual", 0.3),
            (0.1, "quarterly", 1 - 0.9**4),
            (0.01, "weekly", 1 - 0.99**52),
        ],
    )
    def test_edges_and_periods(self, rate, period, expected):
        """No churn stays 0, total churn stays 1, an annual rate is unchanged."""
        result = periods.annualized_churn_rate(rate, period=period)

        assert math.isclose(expected, result, rel_tol=1e-12)
        assert type(result) is float

    def test_tiny_rates_keep_their_precision(self):
        """expm1/log1p keeps digits that 1 - (1 - c)**12 loses."""
        result = periods.annualized_churn_rate(1e-20)

        assert math.isclose(12e-20, result, rel_tol=1e-12)
        assert 0.0 == 1 - (1 - 1e-20) ** 12  # the naive formula underflows to 0

    def test_arrays_and_series(self):
        """Array-likes give float arrays of the same shape."""
        result = periods.annualized_churn_rate(pd.Series([0.0, 0.05, 1.0]))

        assert isinstance(result, np.ndarray)
        np.testing.assert_allclose([0.0, 0.45963991, 1.0], result, rtol=1e-8)

    @pytest.mark.parametrize(
        ("rate", "error", "match"),
        [
            (1.5, ValueError, r"'churn_rate' must be a fraction in \[0, 1\], got 1.5"),
            (-0.1, ValueError, r"must be a fraction in \[0, 1\], got -0.1"),
            ([0.1, 2.0], ValueError, r"must be a fraction in \[0, 1\], got 2.0"),
            (math.nan, ValueError, "'churn_rate' must be finite"),
            (math.inf, ValueError, "'churn_rate' must be finite"),
            ("0.1", TypeError, "'churn_rate' must be a number"),
            (["0.1", "0.2"], TypeError, "'churn_rate' must be numeric"),
            ([0.1, None], ValueError, "'churn_rate' must be finite"),
            (True, TypeError, "'churn_rate' must be a number"),
        ],
    )
    def test_invalid_rates(self, rate, error, match):
        """Rates outside [0, 1], non-finite or non-numeric raise naming the argument."""
        with pytest.raises(error, match=match):
            periods.annualized_churn_rate(rate)

    def test_unknown_period(self):
        """The period is validated."""
        with pytest.raises(ValueError, match="'period' must be one of"):
            periods.annualized_churn_rate(0.1, period="daily")  # type: ignore[arg-type]

    @given(fractions, period_names)
    @example(0.05, "monthly").via("the published example")
    def test_equals_one_minus_product_of_survivals(self, rate, period):
        """Annual churn is one minus surviving every period in turn."""
        n = periods.PERIODS_PER_YEAR[period]
        survival = math.prod([1.0 - rate] * n)

        result = periods.annualized_churn_rate(rate, period=period)

        # Both are accurate to a few ulps of 1, so compare absolutely.
        assert math.isclose(1.0 - survival, result, rel_tol=1e-12, abs_tol=1e-14)

    @given(fractions, period_names)
    def test_between_one_period_and_the_naive_multiple(self, rate, period):
        """Compounding loses at least one period's churn and at most n times it."""
        n = periods.PERIODS_PER_YEAR[period]

        annual = periods.annualized_churn_rate(rate, period=period)

        assert rate <= annual * (1 + 1e-12)
        assert annual <= min(1.0, n * rate) * (1 + 1e-12)

    @given(st.lists(fractions, min_size=1, max_size=20), period_names)
    def test_array_matches_scalar(self, rates, period):
        """Vectorised and scalar calls agree element by element."""
        result = periods.annualized_churn_rate(rates, period=period)

        assert [periods.annualized_churn_rate(r, period=period) for r in rates] == (
            result.tolist()
        )

    def test_input_is_not_mutated(self):
        """The caller's array is left alone."""
        rates = np.array([0.1, 0.2])

        periods.annualized_churn_rate(rates)

        np.testing.assert_array_equal([0.1, 0.2], rates)


class TestPeriodicChurnRate:
    """Tests for `periodic_churn_rate`."""

    @pytest.mark.parametrize(
        ("annual", "period", "expected"),
        [
            (1 - 0.95**12, "monthly", 0.05),
            (0.0, "monthly", 0.0),
            (1.0, "weekly", 1.0),
            (0.2, "quarterly", 1 - 0.8**0.25),
            (0.2, "annual", 0.2),
        ],
    )
    def test_known_values(self, annual, period, expected):
        """The inverse of compounding."""
        result = periods.periodic_churn_rate(annual, period=period)

        assert math.isclose(expected, result, rel_tol=1e-12)
        assert type(result) is float

    def test_tiny_rates_keep_their_precision(self):
        """A tiny annual rate gives a tiny periodic rate, not 0."""
        assert math.isclose(1e-20, periods.periodic_churn_rate(12e-20), rel_tol=1e-12)

    @pytest.mark.parametrize(
        ("rate", "match"),
        [(1.01, "'annual_rate' must be a fraction"), (math.nan, "must be finite")],
    )
    def test_invalid_rates(self, rate, match):
        """Invalid rates raise naming 'annual_rate'."""
        with pytest.raises(ValueError, match=match):
            periods.periodic_churn_rate(rate)

    @given(well_conditioned_rates())
    def test_round_trip_from_periodic(self, rate_and_period):
        """Annualizing then de-annualizing returns the periodic rate."""
        rate, period = rate_and_period
        annual = periods.annualized_churn_rate(rate, period=period)

        back = periods.periodic_churn_rate(annual, period=period)

        assert math.isclose(rate, back, rel_tol=1e-9, abs_tol=1e-300)

    @given(fractions, period_names)
    @example(1.0, "weekly").via("everyone churns")
    def test_round_trip_from_annual(self, annual, period):
        """De-annualizing then annualizing returns the annual rate."""
        periodic = periods.periodic_churn_rate(annual, period=period)

        back = periods.annualized_churn_rate(periodic, period=period)

        assert math.isclose(annual, back, rel_tol=1e-9, abs_tol=1e-15)


class TestMonthOrdinal:
    """Tests for `month_ordinal`."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (dt.date(1970, 1, 1), 0),
            (dt.date(1970, 1, 31), 0),
            (dt.date(1969, 12, 31), -1),
            (dt.date(2024, 3, 15), 650),
            (dt.datetime(2024, 3, 31, 23, 59, 59), 650),
            (pd.Timestamp("2024-03-01 00:00:00.000000001"), 650),
            (np.datetime64("2024-03-31T23:59:59.999999999"), 650),
            (np.datetime64("1969-12-31T23:59", "m"), -1),
            (pd.Period("2024-03", freq="M"), 650),
            (pd.Period("2024-03-31", freq="D"), 650),
            (pd.Period("2024Q2", freq="Q"), 651),  # the quarter's first month
            ("2024-03", 650),
            ("2024-03-15", 650),
            ("2024-03-15T10:30", 650),
            (dt.date(1, 1, 1), -23628),
            (dt.date(9999, 12, 31), 96359),
        ],
    )
    def test_known_values(self, value, expected):
        """Months since January 1970, for every kind of date-like scalar."""
        result = periods.month_ordinal(value)

        assert expected == result
        assert type(result) is int

    def test_matches_pandas_and_numpy(self):
        """The ordinal is pandas' Period[M] ordinal and numpy's datetime64[M]."""
        day = dt.date(2024, 3, 15)

        assert pd.Period(day, freq="M").ordinal == periods.month_ordinal(day)
        assert np.datetime64(day, "M").astype(np.int64) == periods.month_ordinal(day)

    def test_time_zones_use_the_local_wall_clock(self):
        """An aware instant belongs to the month on its own clock, not UTC's."""
        tokyo_april = dt.datetime(2024, 4, 1, 5, tzinfo=TOKYO)  # 2024-03-31 in UTC

        assert 651 == periods.month_ordinal(tokyo_april)
        assert 651 == periods.month_ordinal("2024-04-01T05:00+09:00")
        series = pd.Series(pd.to_datetime(["2024-04-01 05:00"]).tz_localize(TOKYO))
        assert [651] == periods.month_ordinal(series).tolist()

    def test_mixed_time_zones(self):
        """Values in several zones each keep their own wall-clock month."""
        values = [
            dt.datetime(2024, 4, 1, 5, tzinfo=TOKYO),
            dt.datetime(2024, 3, 31, 22, tzinfo=NEW_YORK),
        ]

        assert [651, 650] == periods.month_ordinal(values).tolist()

    @pytest.mark.parametrize(
        "values",
        [
            [dt.date(2024, 1, 31), dt.date(2024, 2, 1)],
            [dt.date(2024, 1, 31), dt.datetime(2024, 2, 1, 12)],
            np.array(["2024-01-31", "2024-02-01"], dtype="datetime64[D]"),
            np.array(["2024-01-31T23", "2024-02-01T00"], dtype="datetime64[h]"),
            [np.datetime64("2024-01-31"), np.datetime64("2024-02-01T10")],
            pd.Series(pd.to_datetime(["2024-01-31", "2024-02-01"])),
            pd.DatetimeIndex(["2024-01-31", "2024-02-01"]),
            pd.Series(pd.period_range("2024-01", periods=2, freq="M")),
            pd.period_range("2024-01-31", periods=2, freq="D"),
            [pd.Period("2024-01", freq="M"), pd.Period("2024-02", freq="M")],
            ["2024-01", "2024-02"],
            pd.Series(["2024-01-31", "2024-02-01"]),
            ("2024-01", "2024-02"),
        ],
    )
    def test_array_inputs(self, values):
        """Every array-like form gives an int64 array."""
        result = periods.month_ordinal(values)

        assert isinstance(result, np.ndarray)
        assert result.dtype == np.int64
        assert [648, 649] == result.tolist()

    def test_shape_is_kept(self):
        """Two-dimensional input gives two-dimensional output."""
        result = periods.month_ordinal(np.array([["2024-01", "2024-02"]]))

        assert [[648, 649]] == result.tolist()

    def test_empty_input(self):
        """Empty input gives an empty int64 array."""
        assert (0,) == periods.month_ordinal([]).shape
        assert (0,) == periods.month_ordinal(pd.Series([], dtype="datetime64[s]")).shape

    @pytest.mark.parametrize(
        "values",
        [
            [dt.date(2024, 1, 1), None, None],
            pd.Series(pd.to_datetime(["2024-01-01", None, None])),
            np.array(["2024-01-01", "NaT", "NaT"], dtype="datetime64[D]"),
            pd.Series(["2024-01", None, None]),
            pd.Series([pd.Period("2024-01", freq="M"), None, None]),
        ],
    )
    def test_missing_values_are_counted(self, values):
        """None, NaN and NaT raise with how many there are."""
        with pytest.raises(
            ValueError, match=r"must not contain missing dates.*found 2"
        ):
            periods.month_ordinal(values)

    @pytest.mark.parametrize("value", [None, pd.NaT])
    def test_missing_scalar(self, value):
        """A missing scalar raises ValueError."""
        with pytest.raises(ValueError, match="'values' must not be missing"):
            periods.month_ordinal(value)

    @pytest.mark.parametrize(
        ("values", "error", "match"),
        [
            (5, TypeError, "'values' must be dates"),
            ([1, 2], TypeError, "dtype int64"),
            (np.array([1.5]), TypeError, "dtype float64"),
            ([dt.date(2024, 1, 1), 5], TypeError, "got mixed-integer values|mixed"),
            ("March 2024", ValueError, "'values' strings must be ISO 8601"),
            (["2024-01+09:00", "2024-01-01T00:00Z"], ValueError, "ISO 8601"),
            (
                [pd.Period("2024-01", freq="M"), pd.Period("2024-01-01", freq="D")],
                ValueError,
                "must share one frequency",
            ),
        ],
    )
    def test_invalid_values(self, values, error, match):
        """Non-dates and unparseable strings raise, naming 'values'."""
        with pytest.raises(error, match=match):
            periods.month_ordinal(values)

    @given(st.dates())
    @example(dt.date(1969, 12, 31)).via("just before the epoch")
    def test_equals_pandas_period_ordinal(self, day):
        """Any date in years 1-9999 gets pandas' Period[M] ordinal."""
        expected = pd.Period(year=day.year, month=day.month, freq="M").ordinal

        assert expected == periods.month_ordinal(day)

    @given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
    def test_equals_slow_count(self, day):
        """The closed form equals counting months one at a time."""
        assert slow_month_ordinal(day) == periods.month_ordinal(day)

    @given(st.lists(pandas_datetimes, min_size=1, max_size=30))
    @settings(deadline=None)
    def test_vectorised_forms_match_scalar(self, values):
        """Series, datetime64 arrays, strings and lists all agree with the scalars."""
        expected = [periods.month_ordinal(v) for v in values]
        series = pd.Series(pd.to_datetime(values))

        assert expected == periods.month_ordinal(values).tolist()
        assert expected == periods.month_ordinal(series).tolist()
        assert expected == periods.month_ordinal(series.to_numpy()).tolist()
        assert (
            expected == periods.month_ordinal([v.isoformat() for v in values]).tolist()
        )
        assert expected == periods.month_ordinal(series.dt.to_period("M")).tolist()


class TestMonthCeilOrdinal:
    """Tests for `month_ceil_ordinal`."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (dt.date(2024, 3, 1), 650),
            (dt.date(2024, 3, 2), 651),
            (dt.date(2024, 2, 29), 650),
            (dt.datetime(2024, 3, 1), 650),
            (dt.datetime(2024, 3, 1, 0, 0, 0, 1), 651),
            (pd.Timestamp("2024-03-01 00:00:00.000000001"), 651),
            (np.datetime64("2024-03-01T00:00:00.000", "ms"), 650),
            (np.datetime64("1969-12-31T23:59", "m"), 0),
            (dt.datetime(2024, 3, 1, tzinfo=TOKYO), 650),
            ("2024-03", 650),
            ("2024-03-01T00:00:01", 651),
            (pd.Period("2024-03", freq="M"), 650),
            (pd.Period("2024-03-01", freq="D"), 650),
            (pd.Period("2024-03-02", freq="D"), 651),
            (pd.Period("2024-03-01 05:00", freq="h"), 651),
        ],
    )
    def test_known_values(self, value, expected):
        """The first instant of a month maps to it; anything later to the next."""
        result = periods.month_ceil_ordinal(value)

        assert expected == result
        assert type(result) is int

    def test_arrays(self):
        """Array input gives an int64 array."""
        values = pd.Series(
            pd.to_datetime(["2024-03-01", "2024-03-01 00:00:01"], format="ISO8601")
        )

        result = periods.month_ceil_ordinal(values)

        assert [650, 651] == result.tolist()
        assert result.dtype == np.int64

    def test_errors(self):
        """Missing and non-date values raise as in `month_ordinal`."""
        with pytest.raises(ValueError, match="found 1"):
            periods.month_ceil_ordinal([dt.date(2024, 1, 1), None])
        with pytest.raises(TypeError, match="'values' must be dates"):
            periods.month_ceil_ordinal(3.5)  # type: ignore[call-overload]

    @given(st.lists(pandas_datetimes | pandas_dates, min_size=1, max_size=20))
    @settings(deadline=None)
    @example([dt.datetime(2024, 3, 1), dt.date(2024, 3, 1), dt.date(2024, 12, 2)])
    def test_first_month_starting_at_or_after(self, values):
        """Equals the smallest month whose first instant is not before the value."""
        starts = [dt.datetime(v.year, v.month, 1) for v in values]
        instants = [
            v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)
            for v in values
        ]
        expected = [
            periods.month_ordinal(s) + (0 if s == i else 1)
            for s, i in zip(starts, instants, strict=True)
        ]

        assert expected == periods.month_ceil_ordinal(values).tolist()
        assert expected == [periods.month_ceil_ordinal(v) for v in values]


class TestOrdinalPeriodConversion:
    """Tests for `ordinal_to_period` and `period_to_ordinal`."""

    def test_known_values(self):
        """Ordinals and monthly periods convert both ways."""
        assert pd.Period("2024-03", freq="M") == periods.ordinal_to_period(650)
        assert pd.Period("1969-12", freq="M") == periods.ordinal_to_period(np.int64(-1))
        assert 650 == periods.period_to_ordinal(pd.Period("2024-03", freq="M"))

    def test_arrays(self):
        """Arrays convert to a PeriodIndex and back to int64 ordinals."""
        index = periods.ordinal_to_period(np.array([-1, 0, 650]))

        assert isinstance(index, pd.PeriodIndex)
        assert ["1969-12", "1970-01", "2024-03"] == index.strftime("%Y-%m").tolist()
        assert [-1, 0, 650] == periods.period_to_ordinal(index).tolist()
        assert [-1, 0, 650] == periods.period_to_ordinal(pd.Series(index)).tolist()
        assert [-1, 0, 650] == periods.period_to_ordinal(list(index)).tolist()

    def test_empty(self):
        """Empty input converts to empty output."""
        assert 0 == len(periods.ordinal_to_period([]))
        assert (0,) == periods.period_to_ordinal([]).shape

    @pytest.mark.parametrize(
        ("value", "error", "match"),
        [
            (pd.Period("2024-03-01", freq="D"), ValueError, "monthly frequency 'M'"),
            (pd.period_range("2024Q1", periods=2, freq="Q"), ValueError, "'Q-DEC'"),
            ([pd.Period("2024-03", freq="M"), pd.NaT], ValueError, "missing"),
            (["2024-03"], TypeError, "'periods' must be pandas Periods"),
            ([1.5], TypeError, "'periods' must be pandas Periods"),
        ],
    )
    def test_period_to_ordinal_errors(self, value, error, match):
        """Only monthly, present periods are accepted."""
        with pytest.raises(error, match=match):
            periods.period_to_ordinal(value)

    @pytest.mark.parametrize("value", [True, [1.5], np.array([True])])
    def test_ordinal_to_period_errors(self, value):
        """Ordinals must be integers."""
        with pytest.raises(TypeError, match="'ordinals' must be integers"):
            periods.ordinal_to_period(value)

    @given(st.lists(st.integers(min_value=-23628, max_value=96359), max_size=30))
    def test_round_trip(self, ordinals):
        """Ordinal to period and back is the identity, also for one value."""
        index = periods.ordinal_to_period(ordinals)

        assert ordinals == periods.period_to_ordinal(index).tolist()
        assert ordinals == [
            periods.period_to_ordinal(periods.ordinal_to_period(o)) for o in ordinals
        ]


class TestAddMonths:
    """Tests for `add_months`."""

    @pytest.mark.parametrize(
        ("start", "months", "expected"),
        [
            (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
            (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
            (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
            (dt.date(2024, 3, 31), 1, dt.date(2024, 4, 30)),
            (dt.date(2024, 12, 15), 1, dt.date(2025, 1, 15)),
            (dt.date(2024, 3, 15), -15, dt.date(2022, 12, 15)),
            (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
            (dt.date(2024, 5, 31), 0, dt.date(2024, 5, 31)),
        ],
    )
    def test_known_values(self, start, months, expected):
        """Same day of month, clamped to the month's last day."""
        assert expected == periods.add_months(start, months)

    def test_datetimes_keep_type_and_time(self):
        """A datetime or Timestamp stays one, with its time of day."""
        result = periods.add_months(dt.datetime(2024, 1, 31, 10, 30, tzinfo=TOKYO), 1)
        stamp = periods.add_months(pd.Timestamp("2024-01-31 10:30"), 1)

        assert dt.datetime(2024, 2, 29, 10, 30, tzinfo=TOKYO) == result
        assert pd.Timestamp("2024-02-29 10:30") == stamp
        assert isinstance(stamp, pd.Timestamp)

    def test_numpy_integer_months(self):
        """numpy integers are accepted as month counts."""
        assert dt.date(2024, 2, 29) == periods.add_months(
            dt.date(2024, 1, 31), np.int64(1)
        )

    @pytest.mark.parametrize(
        ("start", "months", "error", "match"),
        [
            (dt.date(9999, 12, 1), 1, ValueError, "outside years 1 to 9999"),
            (dt.date(1, 1, 1), -1, ValueError, "outside years 1 to 9999"),
            (dt.date(2024, 1, 1), 1.0, TypeError, "'months' must be an int"),
            (dt.date(2024, 1, 1), True, TypeError, "'months' must be an int"),
            ("2024-01-01", 1, TypeError, "'date' must be a datetime.date"),
            (pd.NaT, 1, TypeError, "'date' must be a datetime.date"),
        ],
    )
    def test_errors(self, start, months, error, match):
        """Invalid arguments raise naming them."""
        with pytest.raises(error, match=match):
            periods.add_months(start, months)

    @given(
        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
        st.integers(min_value=-600, max_value=600),
    )
    @example(dt.date(2024, 1, 31), 1).via("clamp into a leap February")
    def test_equals_slow_oracle(self, start, months):
        """Equals stepping month by month and walking back to a valid day."""
        assert slow_add_months(start, months) == periods.add_months(start, months)

    @given(st.dates(), st.integers(min_value=-2400, max_value=2400))
    def test_moves_exactly_that_many_months(self, start, months):
        """The result is `months` calendar months away, on a day no later."""
        target = (start.year * 12 + start.month - 1) + months
        if not 12 <= target <= 9999 * 12 + 11:
            with pytest.raises(ValueError, match="outside years"):
                periods.add_months(start, months)
        else:
            result = periods.add_months(start, months)

            assert months == periods.months_between(start, result)
            assert result.day <= start.day


class TestMonthStartAndEnd:
    """Tests for `month_start` and `month_end`."""

    @pytest.mark.parametrize(
        ("day", "start", "end"),
        [
            (dt.date(2024, 2, 17), dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
            (dt.date(2023, 2, 1), dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
            (dt.date(1900, 2, 10), dt.date(1900, 2, 1), dt.date(1900, 2, 28)),
            (dt.date(2000, 2, 10), dt.date(2000, 2, 1), dt.date(2000, 2, 29)),
            (dt.date(2024, 12, 31), dt.date(2024, 12, 1), dt.date(2024, 12, 31)),
            (dt.date(2024, 4, 5), dt.date(2024, 4, 1), dt.date(2024, 4, 30)),
        ],
    )
    def test_known_values(self, day, start, end):
        """First and last day of the month, leap years included."""
        assert start == periods.month_start(day)
        assert end == periods.month_end(day)

    def test_datetimes_keep_their_time(self):
        """Only the day changes for a datetime."""
        moment = dt.datetime(2024, 2, 17, 9, 30)

        assert dt.datetime(2024, 2, 1, 9, 30) == periods.month_start(moment)
        assert dt.datetime(2024, 2, 29, 9, 30) == periods.month_end(moment)

    @pytest.mark.parametrize("function", [periods.month_start, periods.month_end])
    def test_rejects_non_dates(self, function):
        """Strings are not dates."""
        with pytest.raises(TypeError, match=r"'date' must be a datetime\.date"):
            function("2024-02-17")

    @given(st.dates(max_value=dt.date(9999, 11, 30)))
    def test_month_end_is_the_day_before_next_month(self, day):
        """The day after the month's end is the 1st of the next month."""
        after = periods.month_end(day) + dt.timedelta(days=1)

        assert 1 == after.day
        assert 1 == periods.months_between(day, after)
        assert periods.month_start(day) <= day <= periods.month_end(day)


class TestMonthsBetween:
    """Tests for `months_between`."""

    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (dt.date(2024, 1, 31), dt.date(2024, 2, 1), 1),
            (dt.date(2024, 1, 1), dt.date(2024, 1, 31), 0),
            (dt.date(2024, 3, 15), dt.date(2023, 3, 1), -12),
            (dt.date(1969, 12, 31), dt.date(1970, 1, 1), 1),
        ],
    )
    def test_known_values(self, start, end, expected):
        """Whole calendar months between the two months; days are ignored."""
        assert expected == periods.months_between(start, end)

    def test_rejects_non_dates(self):
        """Both arguments are checked."""
        with pytest.raises(TypeError, match=r"'end' must be a datetime\.date"):
            periods.months_between(dt.date(2024, 1, 1), "2024-02-01")  # type: ignore[arg-type]

    @given(st.dates(), st.dates())
    def test_is_a_difference_of_month_ordinals(self, start, end):
        """months_between(a, b) == month_ordinal(b) - month_ordinal(a)."""
        expected = periods.month_ordinal(end) - periods.month_ordinal(start)

        assert expected == periods.months_between(start, end)


def test_public_names_of_the_periods_module():
    """`periods.__all__` is sorted and every name exists."""
    assert sorted(periods.__all__) == periods.__all__
    assert all(hasattr(periods, name) for name in periods.__all__)


class TestManyDatesInAShortSpan:
    """The lookup-table path (many dates, few distinct days) equals the definition."""

    @given(
        st.lists(
            st.datetimes(
                min_value=dt.datetime(1969, 11, 1), max_value=dt.datetime(1970, 3, 31)
            )
            | st.sampled_from(
                [
                    dt.datetime(1970, 1, 1),
                    dt.datetime(1969, 12, 1),
                    dt.datetime(1970, 3, 1),
                ]
            ),
            min_size=1,
            max_size=40,
        ),
        st.integers(min_value=200, max_value=400),
    )
    def test_floor_and_ceil_equal_the_definition(self, values, copies):
        """Repeated values force the table path; results match the definitions."""
        many = np.array(values * copies, dtype="datetime64[us]")
        expected_floor = [pd.Period(v, freq="M").ordinal for v in values] * copies
        expected_ceil = [
            pd.Period(v, freq="M").ordinal
            + (0 if v == dt.datetime(v.year, v.month, 1) else 1)
            for v in values
        ] * copies

        assert periods.month_ordinal(many).tolist() == expected_floor
        assert periods.month_ceil_ordinal(many).tolist() == expected_ceil
