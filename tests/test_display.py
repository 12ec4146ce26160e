"""Short reprs and notebook HTML of the result objects."""

from __future__ import annotations

import pickle
import traceback
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import HealthEvaluation, InvalidTableError, Ledger
from subscription_metrics._display import grid, number, table
from subscription_metrics._errors import Problem
from subscription_metrics.roi import staff_roi
from subscription_metrics.survival import sbg_fit

from .strategies import subscriptions_from_rows

HOSTILE = "<script>alert('x')</script>&"


def parse(text: str) -> ET.Element:
    """Parse notebook HTML (it must be well-formed) inside one root element."""
    return ET.fromstring(f"<div>{text}</div>")


def texts(root: ET.Element) -> list[str]:
    return [cell.text or "" for cell in root.iter() if cell.tag in ("td", "th")]


def ledger_with_set_aside(subscription_id: str = "s-in-month") -> Ledger:
    frame = subscriptions_from_rows(
        ("c1", "2024-01-10", None, 100),
        ("c2", "2024-02-03", "2024-02-20", 50),  # invisible at the monthly grain
        currency="JPY",
    )
    frame.loc[1, "subscription_id"] = subscription_id
    return Ledger.from_subscriptions(frame, through="2024-03")


def evaluation() -> HealthEvaluation:
    by_band = pd.DataFrame(
        {"customers": [2, 2], "churned": [1, 1], "churn_rate": [0.5, 0.5]},
        index=pd.Index([HOSTILE, "All"], name="band"),
    )
    return HealthEvaluation(
        by_band=by_band,
        auc=0.7361111,
        accounts=pd.DataFrame(),
        as_of=pd.Period("2024-06", "M"),
        horizon_months=3,
        scored=5,
        evaluated=2,
        not_in_ledger=1,
        not_active=1,
        unscored=1,
        active_not_scored=0,
    )


class TestNumber:
    """Tests for the rounding of shown numbers."""

    @pytest.mark.parametrize(
        ("value", "shown"),
        [
            (0.70412345, "0.7041"),
            (8.268895947341656, "8.269"),
            (6_500_000.0, "6500000"),
            (-1680.4, "-1680"),
            (0.02, "0.02"),
            (np.float64(1.5), "1.5"),
            (np.int64(7), "7"),
            (12, "12"),
            (True, "True"),
            (np.True_, "True"),
            (float("nan"), "nan"),
            (float("-inf"), "-inf"),
            ("JPY", "JPY"),
        ],
    )
    def test_known_values(self, value: object, shown: str):
        """Four significant digits below 1,000, whole units from there."""
        assert number(value) == shown

    @given(st.floats(allow_nan=False, allow_infinity=False, width=64))
    def test_rounded_value_is_close(self, value: float):
        """The shown number reads back within its rounding."""
        back = float(number(value))

        assert abs(back - value) <= max(0.5, 5e-4 * abs(value))


class TestHtml:
    """Tests for the HTML helpers."""

    @given(st.text(), st.text())
    def test_any_text_is_escaped_and_well_formed(self, name: str, value: str):
        """Whatever the text, the table parses and shows it unchanged."""
        name = name.replace("\r", "")  # XML normalises line ends
        value = value.replace("\r", "")
        allowed = all(ch >= " " or ch in "\n\t" for ch in name + value)
        if not allowed:  # XML 1.0 cannot hold control characters at all
            return

        root = parse(table("t", [(name, value)]) + grid("g", [name], [[value]]))

        assert texts(root) == [name, value, name, value]
        assert root.find(".//script") is None


class TestLedger:
    """Tests for the `Ledger` repr and notebook view."""

    def test_repr_is_one_short_line(self):
        """Months, customers, currency and set-aside counts, not the tables."""
        shown = repr(ledger_with_set_aside())

        assert shown == (
            "Ledger(currency='JPY', months=2024-01..2024-03 (3 months), "
            "customers=2, set_aside=1 row, conventions=default, "
            "source='subscriptions')"
        )

    def test_sample_ledger_repr_stays_short(self):
        """Even the 2,955-customer sample prints in one line."""
        sample = sm.datasets.load_sample()
        led = Ledger.from_subscriptions(sample.subscriptions)

        assert "\n" not in repr(led)
        assert len(repr(led)) < 200

    def test_conventions_are_named_by_preset_or_changed_fields(self):
        """A preset shows its name; other conventions the fields that differ."""
        frame = subscriptions_from_rows(("c1", "2024-01-10", None, 100))
        preset = Ledger.from_subscriptions(
            frame, conventions=sm.Conventions.preset("stripe")
        )
        custom = Ledger.from_subscriptions(
            frame, conventions=sm.Conventions(zero_mrr="active")
        )

        assert "conventions=stripe" in repr(preset)
        assert "conventions=custom (zero_mrr)" in repr(custom)

    def test_empty_ledger(self):
        """An empty ledger says it has no months."""
        frame = subscriptions_from_rows().astype({"customer_id": object})
        led = Ledger.from_subscriptions(frame, currency="USD")

        assert "months=none" in repr(led)
        assert "customers=0" in repr(led)

    def test_html_escapes_identifiers(self):
        """A hostile subscription id is shown as text, never as markup."""
        root = parse(ledger_with_set_aside(HOSTILE)._repr_html_())

        assert root.find(".//script") is None
        assert any(HOSTILE in cell for cell in texts(root))


class TestSbgFit:
    """Tests for the `SbgFit` repr and notebook view."""

    def test_repr_rounds(self):
        """Four significant digits, standard errors included."""
        fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])

        assert repr(fit).startswith("SbgFit(alpha=0.7041, beta=1.182, se_alpha=")
        assert fit.alpha != round(fit.alpha, 4)  # the field keeps every digit

    def test_html_has_one_row_per_figure(self):
        """The table lists the estimates, their errors and the counts."""
        fit = sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])

        cells = texts(parse(fit._repr_html_()))

        assert cells[0::2] == [
            "alpha",
            "beta",
            "se_alpha",
            "se_beta",
            "log_likelihood",
            "n_customers",
            "n_periods",
            "converged",
        ]


class TestStaffRoi:
    """Tests for the `StaffRoi` repr and notebook view."""

    def test_repr_of_the_customer_sales_example(self):
        """One 1,000,000-yen hire, 130,000 yen of new MRR a month, 2% churn."""
        shown = repr(staff_roi(130_000, 1_000_000, 0.02))

        assert shown == (
            "StaffRoi(new_mrr_per_month=130000, monthly_cost=1000000, "
            "churn_rate=0.02, ltv_created=6500000, cost_multiple=6.5, roi=5.5, "
            "payback_months=8.269)"
        )

    def test_html(self):
        """The HTML table holds every field."""
        cells = texts(parse(staff_roi(130_000, 1_000_000, 0.02)._repr_html_()))

        assert cells[-2:] == ["payback_months", "8.269"]


class TestHealthEvaluation:
    """Tests for the `HealthEvaluation` repr and notebook view."""

    def test_repr_leaves_out_the_tables(self):
        """The AUC is rounded and the frames are not printed."""
        shown = repr(evaluation())

        assert shown.startswith("HealthEvaluation(auc=0.7361, as_of=2024-06, ")
        assert "by_band" not in shown
        assert "\n" not in shown

    def test_html_shows_the_bands_escaped(self):
        """The band table is in the view, with its labels escaped."""
        root = parse(evaluation()._repr_html_())

        assert root.find(".//script") is None
        assert HOSTILE in texts(root)
        assert "0.5" in texts(root)


class TestTierPolicy:
    """Tests for the `TierPolicy` notebook view."""

    def test_html_lists_rules_in_order_and_profiles(self):
        """One row per rule, numbered, and one per profile."""
        policy = sm.tiers.default_policy()

        root = parse(policy._repr_html_())
        bodies = root.findall(".//tbody")

        assert len(bodies[0]) == len(policy.rules)
        assert len(bodies[1]) == len(policy.profiles)
        assert texts(bodies[0][0])[:2] == ["1", policy.rules[0].name]
        assert texts(bodies[0][-1])[3] == "always"


class TestInvalidTableError:
    """Tests for how `InvalidTableError` reads in consoles and notebooks."""

    def error(self) -> InvalidTableError:
        return InvalidTableError(
            [
                Problem(table="t", column="a", rule="missing column"),
                Problem(table="t", column="b", rule="not negative", count=2),
            ]
        )

    def test_repr_has_real_line_breaks(self):
        """repr (what a notebook shows for a bare error) keeps one problem a line."""
        assert repr(self.error()).splitlines() == [
            "InvalidTableError: 2 problems in the input:",
            "  - t.a: missing column",
            "  - t.b: not negative: 2 rows",
        ]

    def test_traceback_shows_every_problem_on_its_own_line(self):
        """The last lines of a traceback are the message, unescaped."""
        lines = traceback.format_exception_only(self.error())

        assert "".join(lines).splitlines() == [
            "subscription_metrics.InvalidTableError: 2 problems in the input:",
            "  - t.a: missing column",
            "  - t.b: not negative: 2 rows",
        ]

    def test_pickles_with_its_problems(self):
        """A pickled error (from a worker process) keeps its problems."""
        error = self.error()

        back = pickle.loads(pickle.dumps(error))

        assert back.problems == error.problems
        assert str(back) == str(error)
