"""Amounts written the way people write money: each mistake its own rule and fix."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import Ledger, Subscription, frames


def _subs(mrr: list[object], currency: str = "JPY") -> pd.DataFrame:
    n = len(mrr)
    return pd.DataFrame(
        {
            "subscription_id": [f"s{i}" for i in range(n)],
            "customer_id": [f"c{i}" for i in range(n)],
            "start": pd.to_datetime(["2024-01-10"] * n),
            "mrr": pd.Series(mrr, dtype=object),
            "currency": currency,
        }
    )


def _problems(frame: pd.DataFrame, **kwargs: object) -> dict[str, sm.Problem]:
    with pytest.raises(sm.InvalidTableError) as info:
        frames.validate(frame, Subscription, **kwargs)
    return {p.rule: p for p in info.value.problems}


class TestMinorUnits:
    """Amounts in minor units (the default)."""

    def test_each_mistake_names_its_own_rows(self):
        """Symbols, separators, decimals and other text are told apart by row."""
        frame = _subs(["¥80000", "50,000", "99.50", "n/a", 1_200, "$1,200.00"])

        problems = _problems(frame)

        assert problems["no currency symbol"].examples == ("0", "5")
        assert problems["no thousands separator"].examples == ("1",)
        assert problems["integer minor units"].examples == ("2",)
        assert problems["wrong type"].examples == ("3",)
        assert "amounts='major'" in problems["integer minor units"].detail
        assert "thousands=','" in problems["no thousands separator"].detail
        assert "currency column" in problems["no currency symbol"].detail

    def test_a_boolean_among_integers_is_not_an_amount(self):
        """True is an int to Python; among integer amounts it is still refused."""
        frame = _subs([True, 100, 250, False])

        problem = _problems(frame)["wrong type"]

        assert problem.examples == ("0", "3")

    def test_fractional_float_names_the_rows(self):
        """99.50 in minor units is refused row by row, suggesting amounts='major'."""
        frame = _subs([9_900.0, 99.5, 120.0]).astype({"mrr": float})

        problem = _problems(frame)["integer minor units"]

        assert problem.examples == ("1",)
        assert "amounts='major'" in problem.detail

    def test_whole_floats_are_read_exactly(self):
        """99.0 in minor units is 99 units (read_csv makes columns with gaps float)."""
        frame = _subs([99.0, 120.0, 2.0**52]).astype({"mrr": float})

        table = frames.validate(frame, Subscription)

        assert table["mrr"].tolist() == [99, 120, 2**52]
        assert str(table["mrr"].dtype) == "int64"

    def test_integer_text_is_the_wrong_type_with_the_fix(self):
        """'9900' is text: convert it with pd.to_numeric."""
        problem = _problems(_subs(["9900", "4900"]))["wrong type"]

        assert problem.count == 2
        assert "pd.to_numeric" in problem.detail

    @given(
        st.integers(1_000, 10**9),
        st.sampled_from(["¥{:,}", "${:,}", "{:,} EUR", "USD {}", "{} 円", "€{:,}.00"]),
    )
    def test_any_symbol_form_is_a_symbol(self, amount, form):
        """A number with a symbol or code before or after it is the symbol rule."""
        frame = _subs([form.format(amount), 5])

        problems = _problems(frame)

        assert problems["no currency symbol"].examples == ("0",)
        assert set(problems) == {"no currency symbol"}

    @given(st.integers(1_000, 10**12), st.sampled_from([",", "'", " ", "\u00a0"]))
    def test_any_thousands_separator_is_that_rule(self, amount, separator):
        """'1,234,567' and its variants are the separator rule, not 'wrong type'."""
        text = f"{amount:,}".replace(",", separator)

        problems = _problems(_subs([text, 5]))

        assert set(problems) == {"no thousands separator"}


class TestMajorUnits:
    """Amounts in major units (``amounts='major'``)."""

    def test_symbols_and_separators_are_refused_by_row(self):
        """'$1,200.00' and '50,000' are named; '99.50' is fine in major units."""
        frame = _subs(["$1,200.00", "50,000", "99.50"], currency="USD")

        problems = _problems(frame, amounts="major")

        assert set(problems) == {"no currency symbol", "no thousands separator"}
        assert problems["no currency symbol"].examples == ("0",)
        assert problems["no thousands separator"].examples == ("1",)

    def test_decimal_text_is_converted(self):
        """Plain decimal strings are major units, converted exactly."""
        led = Ledger.from_subscriptions(
            _subs(["1200.00", "99.50"], currency="USD"), amounts="major"
        )

        assert sm.ledger.bridge(led)["mrr_at_end"].tolist() == [129_950]
