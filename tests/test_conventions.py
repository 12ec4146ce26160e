"""Tests for `Conventions` and its presets."""

from __future__ import annotations

import attrs
import pytest

from subscription_metrics import Conventions


class TestConventions:
    """Tests for `Conventions`."""

    def test_defaults_are_documented_choices(self):
        """Every field has a doc line and its default among its choices."""
        for field in attrs.fields(Conventions):
            assert field.metadata["doc"]
            choices = field.metadata["choices"]
            if all(isinstance(choice, str) for choice in choices) and any(
                " " in choice for choice in choices
            ):
                continue  # a range such as "N >= 0", checked below
            assert field.default in choices

    def test_range_fields_accept_their_default_and_refuse_outside(self):
        """Numeric fields take their bounds' inside and refuse the outside."""
        assert Conventions(gross_margin=1).gross_margin == 1.0
        assert Conventions(annual_discount_rate=0).annual_discount_rate == 0.0
        with pytest.raises(ValueError, match="gross_margin"):
            Conventions(gross_margin=0.0)
        with pytest.raises(ValueError, match="annual_discount_rate"):
            Conventions(annual_discount_rate=1.0)
        with pytest.raises(TypeError, match="gross_margin"):
            Conventions(gross_margin="0.7")
        with pytest.raises(ValueError, match="ltv_churn_window_months"):
            Conventions(ltv_churn_window_months=0)

    def test_presets_follow_their_anchor(self):
        """Presets set what their anchor documents (metric-definitions section 4)."""
        assert Conventions.preset("chartmogul").zero_mrr == "active"
        assert Conventions.preset("stripe").churn_denominator == "start_plus_new"
        assert Conventions.preset("baremetrics").gross_churn_cap is True
        assert Conventions.preset("baremetrics").reactivation_in_net_churn is False
        assert Conventions.preset("profitwell").join_and_churn == "ignore"
        assert Conventions.preset("dbt").mrr_snapshot == "start"
        assert Conventions.preset("maxio").reactivation_window_months == 3
        chartmogul = Conventions.preset("chartmogul")
        assert chartmogul.ltv_churn_window_months == 6
        assert chartmogul.ltv_churn_excludes_current is True
        assert chartmogul.ltv_zero_churn == "undefined"
        assert Conventions.preset("stripe").ltv_zero_churn == "lifetime_cap"
        assert Conventions.preset("stripe").ltv_lifetime_cap_months == 60
        assert Conventions.preset("profitwell").ltv_churn == "net_mrr"

    def test_every_anchor_name_is_a_preset(self):
        """Field metadata names only presets that exist."""
        names = set(Conventions.preset_names())
        for field in attrs.fields(Conventions):
            assert set(field.metadata["anchors"]) <= names

    def test_default_preset_equals_the_default_record(self):
        """The 'default' preset is `Conventions()`."""
        assert Conventions.preset("default") == Conventions()

    def test_unknown_preset_lists_the_names(self):
        """An unknown preset is an error that lists the choices."""
        with pytest.raises(ValueError, match="'chartmogul'"):
            Conventions.preset("nobody")

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("mrr_snapshot", "middle"),
            ("zero_mrr", "maybe"),
            ("reactivation_window_months", -1),
            ("gross_churn_cap", "yes"),
            ("join_and_churn", "count"),
            ("gross_margin", 1.5),
            ("gross_margin", float("nan")),
            ("ltv_zero_churn", "zero"),
            ("cac_payback", "kellogg"),
            ("cac_spend_lag_months", -1),
            ("ltv_lifetime_cap_months", 1.5),
        ],
    )
    def test_invalid_values_are_refused(self, field, value):
        """Values outside a field's choices raise, naming the field."""
        with pytest.raises((ValueError, TypeError), match=field):
            Conventions(**{field: value})

    def test_explain_and_as_dict_cover_every_field(self):
        """`explain` has one line per field; `as_dict` is JSON-ready."""
        conventions = Conventions()

        assert len(conventions.explain().splitlines()) == len(attrs.fields(Conventions))
        assert set(conventions.as_dict()) == {f.name for f in attrs.fields(Conventions)}


def test_reference_table_matches_the_presets():
    """The hand-written preset table in the docs says what the code does."""
    from pathlib import Path

    page = Path(__file__).parents[1] / "docs" / "reference" / "conventions.md"
    lines = page.read_text(encoding="utf-8").split("## Presets", 1)[1].splitlines()
    header = next(line for line in lines if line.startswith("| Field"))
    presets = [cell.strip(" `") for cell in header.strip("|").split("|")[1:]]
    rows = [line for line in lines if line.startswith("| `")]

    assert {row.split("|")[1].strip(" `") for row in rows} == {
        f.name for f in attrs.fields(Conventions)
    }
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        name = cells[0].strip("`")
        for preset, cell in zip(presets, cells[1:], strict=True):
            shown = cell.replace("†", "").strip().strip("`")
            assert shown == repr(getattr(Conventions.preset(preset), name)), (
                name,
                preset,
            )


@pytest.mark.parametrize(
    "name", ["reactivation_window_months", "ltv_lifetime_cap_months", "gross_margin"]
)
def test_numpy_integers_are_taken_as_ints(name: str):
    """A numpy integer (read from a table or an array) is a plain int or float."""
    import numpy as np

    conventions = Conventions(**{name: np.int64(1)})

    assert getattr(conventions, name) == 1
    assert type(getattr(conventions, name)) in (int, float)
