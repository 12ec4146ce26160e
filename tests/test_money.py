"""Tests for `subscription_metrics.money` and the `Money` record."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from subscription_metrics import money
from subscription_metrics._money import (
    CurrencyMismatchError,
    InexactAmountError,
    Money,
    UnknownCurrencyError,
    _divide_rounded,
)

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
ROUNDINGS = ("half_even", "half_up", "exact")
DECIMAL_MODES = {"half_even": decimal.ROUND_HALF_EVEN, "half_up": decimal.ROUND_HALF_UP}
# One currency per exponent the property tests cover.
CURRENCY_BY_EXPONENT = {0: "JPY", 2: "USD", 3: "KWD", 4: "CLF"}
WIDE = decimal.Context(prec=80, Emax=10**6, Emin=-(10**6))

# Every name `monthly_amount` accepts, with the interval it means.
INTERVAL_SYNONYMS = {
    **dict.fromkeys(["day", "days", "daily"], "day"),
    **dict.fromkeys(["week", "weeks", "weekly"], "week"),
    **dict.fromkeys(["month", "months", "monthly"], "month"),
    **dict.fromkeys(["quarter", "quarters", "quarterly"], "quarter"),
    **dict.fromkeys(["year", "years", "yearly", "annual", "annually"], "year"),
}


# --------------------------------------------------------------------------
# Oracles and strategies
# --------------------------------------------------------------------------


def decimal_oracle(amount: object, exponent: int, rounding: str) -> int | None:
    """Minor units by plain Decimal arithmetic; None when 'exact' would refuse."""
    value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    scaled = value.scaleb(exponent, context=WIDE)
    if rounding == "exact":
        whole = scaled.to_integral_value(context=WIDE)
        return int(whole) if whole == scaled else None
    return int(scaled.quantize(Decimal(1), DECIMAL_MODES[rounding], context=WIDE))


def fraction_oracle(value: Fraction, rounding: str) -> int | None:
    """Round a fraction the obvious way; None when 'exact' would refuse."""
    if rounding == "half_even":
        return round(value)  # Fraction.__round__ rounds half to even
    if rounding == "half_up":
        magnitude = math.floor(abs(value) + Fraction(1, 2))
        return magnitude if value >= 0 else -magnitude
    return int(value) if value.denominator == 1 else None


currencies = st.sampled_from(sorted(CURRENCY_BY_EXPONENT.values()))


@st.composite
def amounts_for(draw: st.DrawFn, exponent: int) -> float:
    """A float amount, often exactly on or next to a tie between two minor units."""
    # Small magnitudes matter most: there the binary error of x * 10**e is
    # largest relative to the spacing of doubles, so ties are easiest to miss.
    whole = draw(
        st.integers(min_value=-1000, max_value=1000)
        | st.integers(min_value=-(10**9), max_value=10**9)
    )
    digits = draw(st.integers(min_value=0, max_value=10**exponent - 1))
    fraction = f"{digits:0{exponent}d}" if exponent else ""
    tie = float(f"{whole}.{fraction}5")  # k + 0.5, k + 0.005, ... after scaling
    nudged = float(np.nextafter(tie, draw(st.sampled_from([-math.inf, math.inf]))))
    limit = 9.2e18 / 10**exponent  # keeps the minor units inside int64
    plain = draw(st.floats(min_value=-limit, max_value=limit))
    typed = float(f"{whole}.{fraction}") if exponent else float(whole)
    return draw(st.sampled_from([tie, tie, nudged, plain, typed, tie / 7]))


@st.composite
def currency_and_amounts(draw: st.DrawFn) -> tuple[str, list[float]]:
    """A currency and a list of float amounts rich in ties for its exponent."""
    currency = draw(currencies)
    exponent = money.currency_exponent(currency)
    amounts = draw(st.lists(amounts_for(exponent), min_size=1, max_size=30))
    return currency, amounts


@st.composite
def decimal_strings(draw: st.DrawFn, exponent: int) -> str:
    """A major-unit string with at most `exponent` decimals."""
    whole = draw(st.integers(min_value=-(10**12), max_value=10**12))
    places = draw(st.integers(min_value=0, max_value=exponent))
    if not places:
        return str(whole)
    digits = draw(st.integers(min_value=0, max_value=10**places - 1))
    sign = "-" if whole == 0 and draw(st.booleans()) else ""
    return f"{sign}{whole}.{digits:0{places}d}"


int64s = st.integers(min_value=INT64_MIN, max_value=INT64_MAX)
intervals = st.sampled_from(["week", "month", "quarter", "year"])
MONTHS_PER_INTERVAL = {
    "day": Fraction(365, 12),
    "week": Fraction(52, 12),
    "month": Fraction(1),
    "quarter": Fraction(1, 3),
    "year": Fraction(1, 12),
}


# --------------------------------------------------------------------------
# Currency table
# --------------------------------------------------------------------------

# ISO 4217 List One (SIX Group, maintenance agency), column "Minor unit".
ISO_4217_EXPONENTS = {
    "AED": 2,
    "BHD": 3,
    "BIF": 0,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLF": 4,
    "CLP": 0,
    "CNY": 2,
    "DJF": 0,
    "EUR": 2,
    "GBP": 2,
    "GNF": 0,
    "INR": 2,
    "IQD": 3,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "KWD": 3,
    "LYD": 3,
    "MXN": 2,
    "OMR": 3,
    "PYG": 0,
    "RWF": 0,
    "SEK": 2,
    "TND": 3,
    "UGX": 0,
    "USD": 2,
    "UYI": 0,
    "UYW": 4,
    "VES": 2,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XCD": 2,
    "XOF": 0,
    "XPF": 0,
    "ZAR": 2,
    "ZWG": 2,
}
# ISO 4217 codes whose minor unit is "N.A." (metals, SDR, test and fund units).
NO_MINOR_UNIT = ["XAU", "XAG", "XPT", "XPD", "XDR", "XXX", "XTS", "XBA", "XBD", "XSU"]


class TestCurrencyExponents:
    """Tests for `CURRENCY_EXPONENTS` and `currency_exponent`."""

    @pytest.mark.parametrize(("code", "exponent"), sorted(ISO_4217_EXPONENTS.items()))
    def test_known_exponents_from_iso_4217(self, code, exponent):
        """Exponents match the ISO 4217 minor-unit column."""
        assert exponent == money.CURRENCY_EXPONENTS[code]
        assert exponent == money.currency_exponent(code)

    @pytest.mark.parametrize("code", NO_MINOR_UNIT)
    def test_codes_without_minor_unit_are_not_listed(self, code):
        """Metals and special units have no minor unit, so they are rejected."""
        assert code not in money.CURRENCY_EXPONENTS
        with pytest.raises(UnknownCurrencyError, match=code):
            money.currency_exponent(code)

    def test_table_is_complete_and_well_formed(self):
        """The table holds every active code: 3 upper-case letters, exponent 0-4."""
        codes = list(money.CURRENCY_EXPONENTS)

        assert 150 <= len(codes) <= 185
        assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in codes)
        assert set(money.CURRENCY_EXPONENTS.values()) == {0, 2, 3, 4}

    def test_table_is_read_only(self):
        """Nobody can change an exponent at run time."""
        with pytest.raises(TypeError):
            money.CURRENCY_EXPONENTS["USD"] = 3  # type: ignore[index]

    def test_codes_are_read_in_any_case(self):
        """Stripe writes 'usd': codes in any case are the ISO code."""
        assert money.currency_exponent("usd") == 2
        assert money.currency_exponent("Jpy") == 0
        assert money.currency_exponent(np.str_("kwd")) == 3

    @given(
        st.sampled_from(sorted(money.CURRENCY_EXPONENTS)),
        st.lists(st.booleans(), min_size=3, max_size=3),
    )
    def test_every_case_of_a_code_is_the_code(self, code, upper):
        """Any mix of cases gives the code's exponent, its format and its Money."""
        mixed = "".join(
            c.upper() if up else c.lower() for c, up in zip(code, upper, strict=True)
        )

        assert money.currency_exponent(mixed) == money.CURRENCY_EXPONENTS[code]
        assert money.format_money(-1234, mixed) == money.format_money(-1234, code)
        assert Money(minor=5, currency=mixed) == Money(minor=5, currency=code)

    @pytest.mark.parametrize("code", ["", "US", "USDX", "ABC", " USD", 840, None])
    def test_invalid_codes_raise(self, code):
        """Anything but an active upper-case code raises, naming 'currency'."""
        with pytest.raises(UnknownCurrencyError, match="'currency' must be an active"):
            money.currency_exponent(code)

    def test_errors_are_value_errors(self):
        """All money errors subclass ValueError, so `except ValueError` works."""
        for error in (UnknownCurrencyError, CurrencyMismatchError, InexactAmountError):
            assert issubclass(error, ValueError)


# --------------------------------------------------------------------------
# Rounded integer division
# --------------------------------------------------------------------------


class TestDivideRounded:
    """Tests for the private `_divide_rounded` helper."""

    @pytest.mark.parametrize(
        ("numerator", "denominator", "rounding", "expected"),
        [
            (5, 2, "half_even", 2),
            (7, 2, "half_even", 4),
            (-5, 2, "half_even", -2),
            (5, 2, "half_up", 3),
            (-5, 2, "half_up", -3),
            (-7, 3, "half_up", -2),
            (8, 3, "half_even", 3),
            (6, 3, "exact", 2),
        ],
    )
    def test_known_values(self, numerator, denominator, rounding, expected):
        """Ties go to even or away from zero; other values to the nearest."""
        assert expected == _divide_rounded(numerator, denominator, rounding=rounding)

    def test_exact_refuses_a_remainder(self):
        """'exact' raises InexactAmountError instead of rounding."""
        with pytest.raises(InexactAmountError, match="not a whole number"):
            _divide_rounded(7, 2, rounding="exact")
        with pytest.raises(InexactAmountError, match="1 quotient"):
            _divide_rounded(np.array([6, 7]), 2, rounding="exact")

    @pytest.mark.parametrize("denominator", [0, -3])
    def test_denominator_must_be_positive(self, denominator):
        """A zero or negative denominator raises naming it."""
        with pytest.raises(ValueError, match="'denominator' must be > 0"):
            _divide_rounded(7, denominator, rounding="half_even")
        with pytest.raises(ValueError, match="'denominator' must be > 0"):
            _divide_rounded(np.array([7]), np.array([denominator]), rounding="half_up")

    @given(
        st.integers(min_value=-(10**40), max_value=10**40),
        st.integers(min_value=1, max_value=10**30),
        st.sampled_from(ROUNDINGS),
    )
    @example(5, 2, "half_even").via("tie to even")
    @example(-5, 2, "half_up").via("negative tie away from zero")
    def test_python_ints_match_fraction_oracle(self, numerator, denominator, rounding):
        """Any-size ints round exactly like the Fraction-based oracle."""
        expected = fraction_oracle(Fraction(numerator, denominator), rounding)

        if expected is None:
            with pytest.raises(InexactAmountError):
                _divide_rounded(numerator, denominator, rounding=rounding)
        else:
            assert expected == _divide_rounded(
                numerator, denominator, rounding=rounding
            )

    @given(
        st.lists(
            st.tuples(
                int64s | st.sampled_from([INT64_MIN, INT64_MAX, -1, 0, 1]),
                st.integers(min_value=1, max_value=INT64_MAX) | st.sampled_from([1, 2]),
            ),
            min_size=1,
            max_size=40,
        ),
        st.sampled_from(["half_even", "half_up"]),
    )
    @example(
        [(INT64_MIN, 2), (INT64_MAX, INT64_MAX), (INT64_MIN, INT64_MAX)], "half_up"
    )
    def test_int64_arrays_match_fraction_oracle(self, pairs, rounding):
        """The vectorised kernel is exact on the whole int64 range, no overflow."""
        numerators = np.array([n for n, _ in pairs], dtype=np.int64)
        denominators = np.array([d for _, d in pairs], dtype=np.int64)

        result = _divide_rounded(numerators, denominators, rounding=rounding)

        expected = [fraction_oracle(Fraction(n, d), rounding) for n, d in pairs]
        assert expected == result.tolist()
        assert result.dtype == np.int64


# --------------------------------------------------------------------------
# to_minor_units
# --------------------------------------------------------------------------


class TestToMinorUnits:
    """Tests for `to_minor_units`."""

    @pytest.mark.parametrize(
        ("amount", "currency", "rounding", "expected"),
        [
            (12.34, "USD", "half_even", 1234),
            ("1500", "JPY", "half_even", 1500),
            (1500, "JPY", "exact", 1500),
            (Decimal("1E+2"), "JPY", "exact", 100),
            (" 12.5 ", "USD", "exact", 1250),
            ("1.2345", "CLF", "exact", 12345),
            (0.1 + 0.2, "USD", "half_even", 30),  # repr 0.30000000000000004
            (1.005, "USD", "half_even", 100),  # repr "1.005": a tie, to even
            (1.005, "USD", "half_up", 101),  # ... and away from zero
            (-1.005, "USD", "half_up", -101),
            (2.675, "USD", "half_even", 268),  # binary 2.67499999..., typed 2.675
            (0.125, "USD", "half_even", 12),
            (-0.125, "USD", "half_up", -13),
            (1.2345, "KWD", "half_even", 1234),
            (1.2345, "KWD", "half_up", 1235),
            (2.5, "JPY", "half_even", 2),
            (2.5, "JPY", "half_up", 3),
            (np.float64(9.99), "USD", "half_even", 999),
            (np.int64(7), "KWD", "exact", 7000),
        ],
    )
    def test_known_values(self, amount, currency, rounding, expected):
        """Worked conversions, including the float ties users trip over."""
        result = money.to_minor_units(amount, currency, rounding=rounding)

        assert expected == result
        assert type(result) is int

    def test_default_rounding_is_half_even(self):
        """Banker's rounding is the default rule."""
        assert money.to_minor_units(0.125, "USD") == 12
        assert money.to_minor_units(0.135, "USD") == 14

    def test_arrays_series_and_per_element_currency(self):
        """Array-likes give int64 arrays; a code per element is allowed."""
        expected = np.array([999, 1200, 1500], dtype=np.int64)

        result = money.to_minor_units(
            pd.Series([9.99, 1200.0, 1.5], index=[7, 8, 9]),
            pd.Series(["USD", "JPY", "KWD"]),
        )

        assert isinstance(result, np.ndarray)
        assert result.dtype == np.int64
        np.testing.assert_array_equal(expected, result)

    @pytest.mark.parametrize(
        "values",
        [
            [Decimal("1.005"), "2", 3, 4.5],
            np.array(["1.005", "2", "3", "4.5"]),
            pd.Series(["1.005", "2", "3", "4.5"]),
            pd.Series([1.005, 2.0, 3.0, 4.5], dtype="Float64"),
            np.array([1.005, 2, 3, 4.5], dtype=object),
        ],
    )
    def test_object_string_and_nullable_columns(self, values):
        """Decimals, strings and nullable dtypes convert like floats do."""
        expected = [101, 200, 300, 450]

        result = money.to_minor_units(values, "USD", rounding="half_up")

        assert expected == result.tolist()

    def test_integer_arrays_are_exact(self):
        """Integer major units are multiplied exactly, also beyond 2**53."""
        values = np.array([10**16 + 1, -(10**16) - 1, 0], dtype=np.int64)

        result = money.to_minor_units(values, "USD")

        assert [10**18 + 100, -(10**18) - 100, 0] == result.tolist()
        assert [2**63 - 1] == money.to_minor_units(
            np.array([2**63 - 1], np.uint64), "JPY"
        ).tolist()

    def test_two_dimensional_input_keeps_its_shape(self):
        """The output has the input's shape."""
        result = money.to_minor_units(np.array([[1.5, 2.0], [3.0, 4.25]]), "USD")

        assert [[150, 200], [300, 425]] == result.tolist()

    def test_empty_input(self):
        """An empty list gives an empty int64 array."""
        result = money.to_minor_units([], "USD")

        assert result.shape == (0,)
        assert result.dtype == np.int64

    def test_input_is_not_mutated(self):
        """The caller's array is left alone."""
        values = np.array([1.005, 2.5, np.float64(1e15)])
        before = values.copy()

        money.to_minor_units(values, "USD")

        np.testing.assert_array_equal(before, values)

    @pytest.mark.parametrize(
        "values",
        [
            np.array([1.0, np.nan, np.inf, 2.0]),
            [None, "1", None, "2"],
            pd.Series([1.0, None, None]),
            pd.Series([1, None, None], dtype="Int64"),
            pd.Series(["1", None, None]),
        ],
    )
    def test_missing_and_non_finite_values_are_counted(self, values):
        """NaN, inf and missing values raise, with how many there are."""
        with pytest.raises(ValueError, match=r"'amount' must not contain NaN.*found 2"):
            money.to_minor_units(values, "USD")

    @pytest.mark.parametrize("amount", [math.nan, math.inf, -math.inf, Decimal("NaN")])
    def test_scalar_non_finite_raises(self, amount):
        """A non-finite scalar raises naming 'amount'."""
        with pytest.raises(ValueError, match="'amount' must be a finite number"):
            money.to_minor_units(amount, "USD")

    @pytest.mark.parametrize(
        ("amount", "error", "match"),
        [
            (True, TypeError, "'amount' must be a number"),
            ([True, False], TypeError, "dtype bool"),
            (b"12", TypeError, "'amount' must be a number"),
            ("1,234.56", ValueError, "decimal number string, got '1,234.56'"),
            (["1.5", "abc"], ValueError, "got 'abc'"),
            (np.array(["2024-01-01"], "M8[D]"), TypeError, "dtype datetime64"),
        ],
    )
    def test_wrong_kinds_of_amount(self, amount, error, match):
        """Bools, bytes, dates and non-numeric strings are rejected."""
        with pytest.raises(error, match=match):
            money.to_minor_units(amount, "USD")

    @pytest.mark.parametrize(
        "amount",
        [
            10**17,
            1e17,
            "92233720368547758.08",
            2**70,
            [2**70],
            np.array([10**17]),
            np.array([1e300]),
            np.array([-(2**63)]),
        ],
    )
    def test_beyond_int64_raises(self, amount):
        """Results that do not fit in int64 minor units raise ValueError."""
        with pytest.raises(ValueError, match="does not fit in int64"):
            money.to_minor_units(amount, "USD")

    def test_largest_amounts_fit(self):
        """The int64 bounds themselves are representable."""
        assert INT64_MAX == money.to_minor_units("92233720368547758.07", "USD")
        assert INT64_MIN == money.to_minor_units("-92233720368547758.08", "USD")

    @pytest.mark.parametrize(
        "amount", ["1.005", 1.005, [1.0, 1.005], np.array([1e13 + 0.125]), ["0.001"]]
    )
    def test_exact_refuses_to_round(self, amount):
        """rounding='exact' raises InexactAmountError naming the currency."""
        with pytest.raises(InexactAmountError, match="more decimals than"):
            money.to_minor_units(amount, "USD", rounding="exact")

    def test_rounding_must_be_known(self):
        """An unknown rounding rule lists the allowed ones."""
        with pytest.raises(ValueError, match="'rounding' must be one of 'half_even'"):
            money.to_minor_units(1, "USD", rounding="up")  # type: ignore[call-overload]

    @pytest.mark.parametrize(
        ("currency", "error", "match"),
        [
            (["USD"], ValueError, "one code per amount"),
            (["USD", None], ValueError, "missing codes, found 1"),
            (["USD", "US$"], UnknownCurrencyError, "got 'US\\$'"),
        ],
    )
    def test_currency_arrays_are_checked(self, currency, error, match):
        """Per-element codes must match the amounts' shape and be valid."""
        with pytest.raises(error, match=match):
            money.to_minor_units([1.0, 2.0], currency)

    def test_scalar_amount_needs_one_code(self):
        """A scalar amount with a list of codes is a TypeError."""
        with pytest.raises(TypeError, match="'currency' must be one code"):
            money.to_minor_units(1.0, ["USD"])  # type: ignore[call-overload]

    @pytest.mark.slow
    @given(currency_and_amounts(), st.sampled_from(["half_even", "half_up"]))
    @settings(deadline=None)
    @example(("USD", [1.005, -1.005, 0.125, 2.675, 1e15 + 0.125]), "half_even")
    @example(("USD", [1.005, -1.005, 0.285, 1e13 + 0.125]), "half_up")
    @example(("JPY", [0.5, 1.5, 2.5, -0.5, 4503599627370495.5]), "half_up")
    def test_vectorised_equals_decimal_oracle(self, data, rounding):
        """The float fast path equals Decimal(repr(x)) rounding, element by element."""
        currency, amounts = data
        exponent = money.currency_exponent(currency)
        expected = [decimal_oracle(a, exponent, rounding) for a in amounts]

        result = money.to_minor_units(np.array(amounts), currency, rounding=rounding)

        assert expected == result.tolist()
        assert expected == [
            money.to_minor_units(a, currency, rounding=rounding) for a in amounts
        ]

    @given(currency_and_amounts())
    @settings(deadline=None)
    def test_exact_mode_matches_decimal_oracle(self, data):
        """'exact' converts when every amount fits and raises otherwise."""
        currency, amounts = data
        exponent = money.currency_exponent(currency)
        expected = [decimal_oracle(a, exponent, "exact") for a in amounts]

        if None in expected:
            with pytest.raises(InexactAmountError):
                money.to_minor_units(np.array(amounts), currency, rounding="exact")
        else:
            assert (
                expected
                == money.to_minor_units(
                    np.array(amounts), currency, rounding="exact"
                ).tolist()
            )

    @given(st.data(), currencies)
    def test_round_trip_through_major_units(self, data, currency):
        """Strings with at most `exponent` decimals survive minor and back exactly."""
        exponent = money.currency_exponent(currency)
        text = data.draw(decimal_strings(exponent))

        minor = money.to_minor_units(text, currency, rounding="exact")

        assert Decimal(text) == money.to_major_units(minor, currency)
        assert [minor] == money.to_minor_units([text], currency).tolist()

    @given(int64s, currencies)
    def test_minor_units_survive_a_trip_through_decimal(self, minor, currency):
        """to_minor_units inverts to_major_units on the whole int64 range."""
        major = money.to_major_units(minor, currency)

        assert minor == money.to_minor_units(major, currency, rounding="exact")


# --------------------------------------------------------------------------
# to_major_units and format_money
# --------------------------------------------------------------------------


class TestToMajorUnits:
    """Tests for `to_major_units`."""

    @pytest.mark.parametrize(
        ("minor", "currency", "expected"),
        [
            (123456, "USD", Decimal("1234.56")),
            (-5, "USD", Decimal("-0.05")),
            (1500, "JPY", Decimal(1500)),
            (1, "KWD", Decimal("0.001")),
            (12345, "CLF", Decimal("1.2345")),
            (np.int64(100), "EUR", Decimal("1.00")),
        ],
    )
    def test_known_values(self, minor, currency, expected):
        """Minor units become exact Decimals with the currency's decimals."""
        result = money.to_major_units(minor, currency)

        assert expected == result
        assert str(expected) == str(result)

    def test_independent_of_decimal_context(self):
        """A low-precision decimal context does not round the result."""
        with decimal.localcontext(decimal.Context(prec=3)):
            result = money.to_major_units(INT64_MAX, "USD")

        assert Decimal("92233720368547758.07") == result

    @pytest.mark.parametrize("minor", [1.5, True, "100", None])
    def test_minor_must_be_an_integer(self, minor):
        """Non-integers raise TypeError naming 'minor'."""
        with pytest.raises(TypeError, match="'minor' must be an int"):
            money.to_major_units(minor, "USD")

    def test_unknown_currency(self):
        """An unknown code raises UnknownCurrencyError."""
        with pytest.raises(UnknownCurrencyError, match="'XYZ'"):
            money.to_major_units(1, "XYZ")


class TestFormatMoney:
    """Tests for `format_money`."""

    @pytest.mark.parametrize(
        ("minor", "currency", "expected"),
        [
            (123456, "USD", "1,234.56 USD"),
            (1500000, "JPY", "1,500,000 JPY"),
            (-123456, "USD", "-1,234.56 USD"),
            (-5, "USD", "-0.05 USD"),
            (0, "USD", "0.00 USD"),
            (1234567, "KWD", "1,234.567 KWD"),
            (12345, "CLF", "1.2345 CLF"),
            (INT64_MIN, "JPY", "-9,223,372,036,854,775,808 JPY"),
        ],
    )
    def test_known_values(self, minor, currency, expected):
        """Thousands separators, minor digits, sign and code."""
        assert expected == money.format_money(minor, currency)

    def test_errors(self):
        """Non-integers and unknown codes raise."""
        with pytest.raises(TypeError, match="'minor' must be an int"):
            money.format_money(1.5, "USD")  # type: ignore[arg-type]
        with pytest.raises(UnknownCurrencyError, match="'usdx'"):
            money.format_money(1, "usdx")

    def test_lower_case_code_is_shown_upper_case(self):
        """'usd' is read as USD and written as USD."""
        assert money.format_money(123456, "usd") == "1,234.56 USD"


# --------------------------------------------------------------------------
# convert
# --------------------------------------------------------------------------


class TestConvert:
    """Tests for `convert`."""

    @pytest.mark.parametrize(
        ("minor", "source", "target", "rate", "rounding", "expected"),
        [
            (1_000, "JPY", "USD", "0.0067", "half_even", 670),
            (1_000, "JPY", "USD", 0.0067, "exact", 670),
            (1999, "USD", "JPY", 150.5, "half_even", 3008),  # 3008.495
            (1999, "USD", "JPY", Decimal("150.5"), "half_up", 3008),
            (1_000, "KWD", "JPY", 480, "exact", 480),  # 1.000 KWD
            (1, "USD", "JPY", "150", "half_even", 2),  # 1.5 yen, to even
            (3, "USD", "JPY", "150", "half_even", 4),  # 4.5 yen, to even
            (3, "USD", "JPY", "150", "half_up", 5),
            (-3, "USD", "JPY", "150", "half_up", -5),
        ],
    )
    def test_known_values(self, minor, source, target, rate, rounding, expected):
        """Scalar conversion is exact and rounds once."""
        result = money.convert(
            minor,
            from_currency=source,
            to_currency=target,
            rate=rate,
            rounding=rounding,
        )

        assert expected == result
        assert type(result) is int

    def test_same_currency_is_the_identity(self):
        """Converting to the same currency at rate 1 changes nothing."""
        assert 123 == money.convert(123, from_currency="EUR", to_currency="EUR", rate=1)
        assert [1, 2] == money.convert(
            [1, 2], from_currency="EUR", to_currency="EUR", rate=1.0
        ).tolist()

    @pytest.mark.parametrize(("minor", "rate"), [(100, 1.1), ([100], [1.0, 1.1])])
    def test_same_currency_needs_rate_one(self, minor, rate):
        """A rate other than 1 between a currency and itself is an error."""
        with pytest.raises(ValueError, match="'rate' must be 1 when converting EUR"):
            money.convert(minor, from_currency="EUR", to_currency="EUR", rate=rate)

    @pytest.mark.parametrize("rate", [0, -1.5, "nan", math.inf, [1.0, 0.0], [math.nan]])
    def test_rate_must_be_positive_and_finite(self, rate):
        """Rates are finite and > 0."""
        with pytest.raises(
            ValueError, match=r"'rate' must (be a finite|not contain NaN)"
        ):
            money.convert(100, from_currency="USD", to_currency="JPY", rate=rate)

    def test_arrays_and_broadcast_rates(self):
        """Arrays of amounts, and one rate per amount, give int64 arrays."""
        amounts = np.array([1_000, 2_500, -1_000])

        scalar_rate = money.convert(
            amounts, from_currency="JPY", to_currency="USD", rate=0.0067
        )
        rates = money.convert(
            amounts, from_currency="JPY", to_currency="USD", rate=[0.0067, 0.01, 0.02]
        )
        one_amount = money.convert(
            100, from_currency="USD", to_currency="JPY", rate=[150.0, 151.5]
        )

        assert [670, 1675, -670] == scalar_rate.tolist()
        assert [670, 2500, -2000] == rates.tolist()
        assert [150, 152] == one_amount.tolist()  # 151.5 rounds to even
        assert scalar_rate.dtype == np.int64

    def test_array_half_up_and_exact(self):
        """The array path honours every rounding rule."""
        amounts = [1, 3, -3]

        half_up = money.convert(
            amounts,
            from_currency="USD",
            to_currency="JPY",
            rate=150,
            rounding="half_up",
        )

        assert [2, 5, -5] == half_up.tolist()
        with pytest.raises(InexactAmountError, match="3 converted amount"):
            money.convert(
                amounts,
                from_currency="USD",
                to_currency="JPY",
                rate=150,
                rounding="exact",
            )

    def test_scalar_exact_raises(self):
        """A scalar that needs rounding raises under 'exact'."""
        with pytest.raises(InexactAmountError, match=r"1999 USD at rate 150\.5"):
            money.convert(
                1999,
                from_currency="USD",
                to_currency="JPY",
                rate=150.5,
                rounding="exact",
            )

    def test_minor_must_be_integers(self):
        """Float minor units are a TypeError: they are already rounded money."""
        with pytest.raises(TypeError, match="'minor' must be integers"):
            money.convert([1.5], from_currency="USD", to_currency="JPY", rate=150)
        with pytest.raises(TypeError, match="'minor' must be an int"):
            money.convert(1.5, from_currency="USD", to_currency="JPY", rate=150)  # type: ignore[call-overload]

    def test_overflow(self):
        """Results beyond int64 raise instead of wrapping."""
        with pytest.raises(ValueError, match="does not fit in int64"):
            money.convert(10**18, from_currency="JPY", to_currency="KWD", rate=100)
        with pytest.raises(ValueError, match="does not fit in int64"):
            money.convert([10**18], from_currency="JPY", to_currency="KWD", rate=100)

    def test_unknown_currency(self):
        """Both codes are checked."""
        with pytest.raises(UnknownCurrencyError, match="'usdx'"):
            money.convert(1, from_currency="usdx", to_currency="JPY", rate=1)

    def test_codes_in_any_case(self):
        """Lower-case codes convert as their upper-case selves, scalar and array."""
        assert money.convert(
            1_000, from_currency="jpy", to_currency="usd", rate="0.0067"
        ) == money.convert(1_000, from_currency="JPY", to_currency="USD", rate="0.0067")
        assert money.convert([5], from_currency="usd", to_currency="USD", rate=1) == [5]
        with pytest.raises(ValueError, match="must be 1 when converting USD"):
            money.convert(5, from_currency="usd", to_currency="USD", rate=2)

    def test_array_ties_round_by_the_rule_not_by_binary_noise(self):
        """2,950 JPY at 0.0067 is exactly 1976.5 cents, in arrays as in scalars."""
        amounts = [2_950, 2_950]

        result = money.convert(
            amounts, from_currency="JPY", to_currency="USD", rate=[0.0067, 0.0067]
        )
        half_up = money.convert(
            amounts,
            from_currency="JPY",
            to_currency="USD",
            rate=0.0067,
            rounding="half_up",
        )

        assert [1976, 1976] == result.tolist()
        assert [1977, 1977] == half_up.tolist()

    def test_int64_overflow_of_the_product_falls_back_exactly(self):
        """Huge amounts times long rates are still exact when the result fits."""
        amounts = np.array([10**18, -(10**18), INT64_MIN, 7])
        rate = "0.123456789012345678"

        result = money.convert(
            amounts, from_currency="USD", to_currency="EUR", rate=rate
        )

        assert [
            money.convert(int(a), from_currency="USD", to_currency="EUR", rate=rate)
            for a in amounts
        ] == result.tolist()

    def test_rate_array_errors(self):
        """Missing and non-numeric rates in an array raise."""
        with pytest.raises(ValueError, match=r"'rate' must not contain NaN.*found 1"):
            money.convert(
                [1, 2], from_currency="USD", to_currency="JPY", rate=[150.0, None]
            )
        with pytest.raises(TypeError, match="'rate' must be a number"):
            money.convert([1], from_currency="USD", to_currency="JPY", rate=[True])

    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=-(10**12), max_value=10**12)
                | st.sampled_from([0, 1, -1, 2_950]),
                st.floats(min_value=1e-6, max_value=1e3)
                | st.sampled_from([0.0067, 150.5, 1.0837, 0.92, 3.3, 1.0]),
            ),
            min_size=1,
            max_size=30,
        ),
        st.sampled_from(
            [("JPY", "USD"), ("USD", "JPY"), ("USD", "EUR"), ("KWD", "JPY")]
        ),
        st.sampled_from(["half_even", "half_up"]),
    )
    def test_arrays_equal_the_exact_oracle(self, rows, pair, rounding):
        """Vectorised conversion equals exact rational arithmetic and scalar calls."""
        source, target = pair
        shift = money.currency_exponent(target) - money.currency_exponent(source)
        amounts = [a for a, _ in rows]
        rates = np.array([r for _, r in rows])
        expected = [
            fraction_oracle(
                Fraction(a) * Fraction(Decimal(repr(r))) * Fraction(10) ** shift,
                rounding,
            )
            for a, r in rows
        ]

        result = money.convert(
            amounts,
            from_currency=source,
            to_currency=target,
            rate=rates,
            rounding=rounding,
        )

        assert expected == result.tolist()
        assert expected == [
            money.convert(
                a, from_currency=source, to_currency=target, rate=r, rounding=rounding
            )
            for a, r in rows
        ]


# --------------------------------------------------------------------------
# monthly_amount
# --------------------------------------------------------------------------


class TestMonthlyAmount:
    """Tests for `monthly_amount`."""

    @pytest.mark.parametrize(
        ("amount", "interval", "count", "expected"),
        [
            # ChartMogul: a yearly plan billed $2,000 is $166.67 of MRR.
            (200_000, "year", 1, 16667),
            # Baremetrics: "$120 on an annual plan, we add $10 to MRR".
            (12_000, "year", 1, 1000),
            # Stripe: $1,200 a year counts as $100 a month.
            (120_000, "year", 1, 10_000),
            # Baremetrics: weekly plans are x 52 / 12, not x 4.
            (1_200, "week", 1, 5_200),
            (1_000, "week", 1, 4_333),
            (30_000, "quarter", 1, 10_000),
            (60_000, "month", 6, 10_000),  # semi-annual
            (36_000, "year", 3, 1_000),  # three-year term
            (999, "month", 1, 999),
            (1_000, "year", 1, 83),  # 12 x 83 = 996, not 1,000
            # A 365-day year: 1,200 a day is 1,200 x 365 / 12 = 36,500 a month.
            (1_200, "day", 1, 36_500),
            (1_000, "day", 1, 30_417),  # 30,416.67
            # Stripe's interval + interval_count: every three months, two weeks.
            (30_000, "month", 3, 10_000),
            (2_400, "week", 2, 5_200),
        ],
    )
    def test_known_values(self, amount, interval, count, expected):
        """Published normalisations, each rounded once."""
        result = money.monthly_amount(amount, interval, interval_count=count)

        assert expected == result
        assert type(result) is int

    @pytest.mark.parametrize(
        ("amount", "rounding", "expected"),
        [
            (30, "half_even", 2),  # 2.5
            (30, "half_up", 3),
            (-30, "half_even", -2),
            (-30, "half_up", -3),
            (18, "half_even", 2),  # 1.5
            (24, "exact", 2),
        ],
    )
    def test_rounding_rules(self, amount, rounding, expected):
        """Ties follow the chosen rule; 'exact' passes whole results."""
        assert expected == money.monthly_amount(amount, "year", rounding=rounding)

    def test_exact_raises(self):
        """'exact' refuses a monthly amount that needs rounding."""
        with pytest.raises(InexactAmountError, match="'amount_minor' 1000 per 1 year"):
            money.monthly_amount(1_000, "year", rounding="exact")
        with pytest.raises(InexactAmountError, match="1 amount"):
            money.monthly_amount([1_200, 1_000], "year", rounding="exact")

    @pytest.mark.parametrize(
        "name", ["year", "years", "yearly", "annual", "annually", "Annual", "YEAR"]
    )
    def test_every_name_of_a_year(self, name):
        """120,000 yen a year is 10,000 yen a month, whatever the year is called."""
        assert money.monthly_amount(120_000, name) == 10_000
        assert money.monthly_amount([120_000], [name]).tolist() == [10_000]

    @pytest.mark.parametrize(
        ("names", "amount", "expected"),
        [
            (("day", "days", "daily", "Daily"), 1_200, 36_500),
            (("week", "weeks", "weekly", "WEEKLY"), 1_200, 5_200),
            (("month", "months", "monthly", "Monthly"), 9_800, 9_800),
            (("quarter", "quarters", "quarterly"), 30_000, 10_000),
        ],
    )
    def test_every_name_of_the_other_intervals(self, names, amount, expected):
        """Plurals and adjectives are the same interval."""
        assert [money.monthly_amount(amount, name) for name in names] == [
            expected
        ] * len(names)

    def test_the_sample_billing_interval_column(self):
        """The bundled sample's 'monthly' / 'annual' column is accepted as is."""
        from subscription_metrics import datasets

        subs = datasets.load_sample().subscriptions
        annual = (subs["billing_interval"] == "annual").to_numpy()
        price = subs["mrr"] * np.where(annual, 12, 1)  # the price per interval

        result = money.monthly_amount(price, subs["billing_interval"])

        assert set(subs["billing_interval"]) == {"monthly", "annual"}
        assert result.tolist() == subs["mrr"].tolist()

    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=-(10**15), max_value=10**15),
                st.sampled_from(sorted(INTERVAL_SYNONYMS)),
                st.integers(min_value=1, max_value=24),
                st.booleans(),
            ),
            min_size=1,
            max_size=20,
        ),
        st.sampled_from(["half_even", "half_up"]),
    )
    def test_synonyms_give_the_same_result(self, rows, rounding):
        """The same amount under any name of its interval, in any case, is the same."""
        amounts = [amount for amount, _, _, _ in rows]
        counts = [count for _, _, count, _ in rows]
        names = [name.upper() if up else name for _, name, _, up in rows]
        canonical = [INTERVAL_SYNONYMS[name] for _, name, _, _ in rows]

        expected = money.monthly_amount(
            amounts, canonical, interval_count=counts, rounding=rounding
        )
        assert expected.tolist() == [
            fraction_oracle(a * MONTHS_PER_INTERVAL[c] / n, rounding)
            for a, c, n in zip(amounts, canonical, counts, strict=True)
        ]
        assert (
            money.monthly_amount(
                pd.Series(amounts),
                pd.Series(names, dtype="string"),
                interval_count=pd.Series(counts),
                rounding=rounding,
            ).tolist()
            == expected.tolist()
        )
        assert [
            money.monthly_amount(a, k, interval_count=n, rounding=rounding)
            for a, k, n in zip(amounts, names, counts, strict=True)
        ] == expected.tolist()

    def test_vectorised_with_mixed_intervals(self):
        """Arrays of amounts, intervals and counts give an int64 array."""
        result = money.monthly_amount(
            pd.Series([200_000, 1_200, 60_000, 36_000]),
            pd.Series(["year", "week", "month", "year"]),
            interval_count=np.array([1, 1, 6, 3]),
        )

        assert [16667, 5200, 10_000, 1_000] == result.tolist()
        assert result.dtype == np.int64

    def test_empty_input(self):
        """Empty input gives an empty int64 array."""
        result = money.monthly_amount([], "year")

        assert result.dtype == np.int64
        assert result.shape == (0,)

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"interval": "fortnight"}, ValueError, "'interval' must be one of 'day'"),
            ({"interval": ["year", "biennial"]}, ValueError, "got 'biennial'"),
            (
                {"interval": pd.Series(["year", 12]), "amount_minor": [1, 2]},
                ValueError,
                "got 12",
            ),
            ({"interval": ["year", None]}, ValueError, "missing values"),
            ({"interval": ["year"]}, ValueError, "'interval' must be one value or one"),
            ({"interval_count": 0}, ValueError, "'interval_count' must be an int >= 1"),
            ({"interval_count": [1, 0]}, ValueError, "integers >= 1, got 0"),
            ({"interval_count": [1, 2, 3]}, ValueError, "one value or one per amount"),
            ({"interval_count": True}, TypeError, "'interval_count' must be an int"),
            (
                {"interval_count": [1.5, 2]},
                TypeError,
                "'interval_count' must be integers",
            ),
            (
                {"amount_minor": [1.5, 2.0]},
                TypeError,
                "'amount_minor' must be integers",
            ),
            ({"amount_minor": 1.5}, TypeError, "'amount_minor' must be an int"),
            (
                {"amount_minor": [2**62, 1]},
                ValueError,
                "too large for exact arithmetic",
            ),
            ({"rounding": "down"}, ValueError, "'rounding' must be one of"),
        ],
    )
    def test_errors(self, kwargs, error, match):
        """Every invalid argument raises, naming it."""
        arguments = {"amount_minor": [100, 200], "interval": "week", **kwargs}

        with pytest.raises(error, match=match):
            money.monthly_amount(**arguments)

    def test_extreme_int64_values_are_exact(self):
        """Monthly, quarterly and yearly work on the whole int64 range."""
        amounts = np.array([INT64_MIN, INT64_MAX], dtype=np.int64)

        result = money.monthly_amount(amounts, "year", interval_count=7)

        expected = [
            fraction_oracle(Fraction(a, 84), "half_even") for a in amounts.tolist()
        ]
        assert expected == result.tolist()

    @given(
        st.lists(
            st.tuples(
                st.integers(min_value=-(10**17), max_value=10**17),
                intervals,
                st.integers(min_value=1, max_value=120),
            ),
            min_size=1,
            max_size=30,
        ),
        st.sampled_from(["half_even", "half_up"]),
    )
    def test_equals_fraction_oracle(self, rows, rounding):
        """Scalar and vectorised results equal exact rational arithmetic."""
        expected = [
            fraction_oracle(amount * MONTHS_PER_INTERVAL[interval] / count, rounding)
            for amount, interval, count in rows
        ]
        amounts, kinds, counts = (list(column) for column in zip(*rows, strict=True))

        vectorised = money.monthly_amount(
            amounts, kinds, interval_count=counts, rounding=rounding
        )

        assert expected == vectorised.tolist()
        assert expected == [
            money.monthly_amount(a, k, interval_count=c, rounding=rounding)
            for a, k, c in rows
        ]


# --------------------------------------------------------------------------
# Money and sum_money
# --------------------------------------------------------------------------


def usd(minor: int) -> Money:
    return Money(minor=minor, currency="USD")


class TestMoney:
    """Tests for `Money`."""

    def test_construction_and_repr(self):
        """Fields are keyword-only and shown in the repr."""
        price = Money(minor=1999, currency="USD")

        assert 1999 == price.minor
        assert "USD" == price.currency
        assert "Money(minor=1999, currency='USD')" == repr(price)
        with pytest.raises(TypeError):
            Money(1999, "USD")  # type: ignore[misc]

    def test_numpy_integers_become_ints(self):
        """A numpy integer is stored as a Python int."""
        price = Money(minor=np.int64(5), currency="JPY")

        assert type(price.minor) is int

    def test_lower_case_code_is_stored_upper_case(self):
        """Money(currency='usd') is USD, equal to and hashed like the upper-case one."""
        price = Money(minor=100, currency="usd")

        assert price.currency == "USD"
        assert price == usd(100)
        assert {usd(100): 1}[price] == 1
        assert Money.from_major("19.99", "usd") == usd(1999)

    @pytest.mark.parametrize(
        ("minor", "currency", "error", "match"),
        [
            (True, "USD", TypeError, "'minor' must be an int"),
            (1.0, "USD", TypeError, "'minor' must be an int"),
            ("1", "USD", TypeError, "'minor' must be an int"),
            (2**63, "USD", ValueError, "'minor' must fit in int64"),
            (1, "XAU", UnknownCurrencyError, "'XAU'"),
            (1, "usdx", UnknownCurrencyError, "'usdx'"),
        ],
    )
    def test_validation(self, minor, currency, error, match):
        """Invalid fields raise on construction."""
        with pytest.raises(error, match=match):
            Money(minor=minor, currency=currency)

    def test_frozen_and_hashable(self):
        """Amounts are immutable values usable as dict keys."""
        price = usd(100)

        with pytest.raises(AttributeError):
            price.minor = 5  # type: ignore[misc]
        assert {price: 1}[usd(100)] == 1

    def test_from_major_and_to_major(self):
        """Major units go in with a rounding rule and come out exactly."""
        assert usd(101) == Money.from_major(1.005, "USD", rounding="half_up")
        assert usd(100) == Money.from_major(1.005, "USD")
        assert Decimal("1234.56") == usd(123456).to_major()
        with pytest.raises(InexactAmountError):
            Money.from_major("1.005", "USD", rounding="exact")

    def test_str_uses_format_money(self):
        """str() is the human format."""
        assert "-1,234.56 USD" == str(usd(-123456))

    def test_arithmetic(self):
        """Addition, subtraction and negation stay in the currency."""
        assert usd(300) == usd(100) + usd(200)
        assert usd(-100) == usd(100) - usd(200)
        assert usd(-5) == -usd(5)

    def test_comparisons(self):
        """Amounts in one currency order by value."""
        assert usd(1) < usd(2) <= usd(2) < usd(3)
        assert usd(3) > usd(2) >= usd(2)
        assert sorted([usd(3), usd(1), usd(2)]) == [usd(1), usd(2), usd(3)]

    def test_different_currencies_are_never_equal(self):
        """Equality compares the currency too."""
        assert Money(minor=5, currency="USD") != Money(minor=5, currency="EUR")

    @pytest.mark.parametrize(
        ("operation", "verb"),
        [
            (lambda a, b: a + b, "add"),
            (lambda a, b: a - b, "subtract"),
            (lambda a, b: a < b, "compare"),
            (lambda a, b: a <= b, "compare"),
            (lambda a, b: a > b, "compare"),
            (lambda a, b: a >= b, "compare"),
        ],
    )
    def test_mixing_currencies_raises(self, operation, verb):
        """Mixed currencies raise CurrencyMismatchError naming both codes."""
        with pytest.raises(
            CurrencyMismatchError, match=f"cannot {verb} .*'USD' and 'EUR'"
        ):
            operation(usd(1), Money(minor=1, currency="EUR"))

    def test_other_types_are_not_supported(self):
        """Adding or comparing a plain number is a TypeError."""
        with pytest.raises(TypeError):
            usd(1) + 1  # type: ignore[operator]
        with pytest.raises(TypeError):
            usd(1) < 1  # type: ignore[operator]  # noqa: B015

    def test_overflow_raises(self):
        """Arithmetic beyond int64 raises rather than wrapping."""
        with pytest.raises(ValueError, match="fit in int64"):
            usd(INT64_MAX) + usd(1)
        with pytest.raises(ValueError, match="fit in int64"):
            -usd(INT64_MIN)

    @given(int64s, int64s)
    def test_addition_matches_integers(self, a, b):
        """Money addition is integer addition, checked for int64."""
        if INT64_MIN <= a + b <= INT64_MAX:
            assert usd(a + b) == usd(a) + usd(b)
        else:
            with pytest.raises(ValueError, match="fit in int64"):
                usd(a) + usd(b)


class TestSumMoney:
    """Tests for `sum_money`."""

    def test_known_value(self):
        """The total keeps the currency."""
        assert usd(2000) == money.sum_money([usd(1999), usd(1)])

    def test_accepts_any_iterable(self):
        """Generators are fine."""
        assert usd(6) == money.sum_money(usd(i) for i in range(4))

    def test_empty_raises(self):
        """The currency of an empty sum is unknown."""
        with pytest.raises(ValueError, match="'amounts' must not be empty"):
            money.sum_money([])

    def test_mixed_currencies_raise(self):
        """Both codes are named."""
        with pytest.raises(CurrencyMismatchError, match="'USD' and 'JPY'"):
            money.sum_money([usd(1), Money(minor=1, currency="JPY")])

    def test_non_money_raises(self):
        """Plain numbers are rejected."""
        with pytest.raises(TypeError, match="'amounts' must hold Money"):
            money.sum_money([usd(1), 5])  # type: ignore[list-item]

    @given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), min_size=1))
    def test_equals_sum_of_minor_units(self, minors):
        """sum_money is the exact integer sum."""
        assert usd(sum(minors)) == money.sum_money(usd(m) for m in minors)


def test_public_names_of_the_money_module():
    """`money.__all__` lists the functions and constants, not the classes."""
    expected = {
        "CURRENCY_EXPONENTS",
        "EXPONENT_PROFILES",
        "BillingInterval",
        "ExponentProfile",
        "Rounding",
        "convert",
        "currency_exponent",
        "format_money",
        "monthly_amount",
        "sum_money",
        "to_major_units",
        "to_minor_units",
    }

    assert expected == set(money.__all__)
    assert all(hasattr(money, name) for name in money.__all__)
