"""Tests for `subscription_metrics.plots`: the figures, their artists, the SVG."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import InvalidTableError, plots

from .strategies import monthly_rows

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.container import BarContainer, ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

REPS = [sm.datasets.REP_A, sm.datasets.REP_B]
MILLION = 1e6  # the sample is in yen (exponent 0), shown in million JPY


@pytest.fixture(scope="module")
def sample():
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def led(sample):
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers
    )


@pytest.fixture(scope="module")
def lives(led):
    return sm.survival.lifetimes(led, by="segment")


@pytest.fixture(scope="module")
def curves(lives):
    return sm.survival.kaplan_meier(
        lives["age"], lives["observed"], groups=lives["segment"]
    )


@pytest.fixture(scope="module")
def bridge(led):
    return sm.ledger.bridge(led)


@pytest.fixture(scope="module")
def triangle(led):
    return sm.cohorts.triangle(led)


@pytest.fixture(scope="module")
def card(sample, led):
    return sm.scorecards.scorecard(led, staff=sample.staff, deals=sample.deals)


@pytest.fixture(scope="module")
def evaluation(sample, led):
    signals = sm.health.signals(sample.usage, tickets=sample.tickets, as_of="2025-09")
    scores = sm.health.score(signals)
    return sm.health.evaluate(led, scores=scores, as_of="2025-09", horizon_months=3)


@pytest.fixture(scope="module")
def classified(sample, led):
    months = ["2025-06", "2025-09", "2025-12"]
    return {
        month: sm.tiers.classify(
            sm.tiers.account_features(led, as_of=month, usage=sample.usage)
        )
        for month in months
    }


@pytest.fixture(scope="module")
def summaries(led, classified):
    return {
        month: sm.tiers.summary(led, classified=table, as_of=month, months=1)
        for month, table in classified.items()
    }


def _usd_bridge() -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "c"],
            "month": pd.PeriodIndex(
                ["2024-01", "2024-02", "2024-01", "2024-02", "2024-02"], freq="M"
            ),
            "mrr": [10_000, 15_000, 20_000, 0, 5_000],
            "currency": "USD",
        }
    )
    return sm.ledger.bridge(sm.Ledger.from_monthly_mrr(rows))


def _bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


class TestSurvivalCurves:
    """Tests for `survival_curves`."""

    def test_one_line_and_one_band_per_group(self, curves):
        """Each segment has its step line and its shaded band, in the curve Axes."""
        fig = plots.survival_curves(curves)
        curve_ax = fig.axes[0]

        assert isinstance(fig, Figure)
        assert len(fig.axes) == 2  # the curves and the at-risk table
        assert [line.get_label() for line in curve_ax.lines] == [
            "enterprise",
            "mid_market",
            "smb",
        ]
        bands = [c for c in curve_ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 3

    def test_the_band_spans_the_interval(self, curves):
        """The shaded band reaches from the lowest lower bound to the upper bound 1."""
        fig = plots.survival_curves(curves)
        band = fig.axes[0].collections[2]  # smb, the last group
        y = np.concatenate([path.vertices[:, 1] for path in band.get_paths()])
        smb = curves.loc["smb"]

        assert np.isclose(y.min(), smb["lower"].min())
        assert np.isclose(y.max(), 1.0)

    def test_the_line_is_the_survival_estimate(self, curves):
        """The step line passes through every survival estimate of its group."""
        fig = plots.survival_curves(curves)
        line = fig.axes[0].lines[0]
        enterprise = curves.loc["enterprise"]

        assert set(np.round(enterprise["survival"], 12)) <= set(
            np.round(np.asarray(line.get_ydata(), float), 12)
        )

    def test_at_risk_counts_match_the_lifetimes(self, curves, lives):
        """The table counts, per group and time, the customers whose age reached it."""
        times = [0, 6, 12, 24, 30]
        fig = plots.survival_curves(curves, times=times)
        table = fig.axes[1]
        shown = {
            (
                round(text.get_position()[0]),
                round(text.get_position()[1]),
            ): text.get_text()
            for text in table.texts
        }
        groups = ["enterprise", "mid_market", "smb"]

        assert len(table.texts) == len(times) * len(groups)
        for row, group in enumerate(groups):
            ages = lives.loc[lives["segment"] == group, "age"].to_numpy()
            for t in times:
                # The obvious count: every lifetime of the group at least t long.
                assert shown[(t, row)] == f"{int((ages >= t).sum()):,}", (group, t)

    def test_past_the_last_time_nobody_is_at_risk(self):
        """A time beyond the longest lifetime counts 0 customers at risk."""
        curves = sm.survival.kaplan_meier([1, 3, 3, 5], [True, False, True, True])

        fig = plots.survival_curves(curves, times=[0, 3, 9])

        assert [t.get_text() for t in fig.axes[1].texts] == ["4", "3", "0"]

    def test_without_groups_or_table(self):
        """One curve of all customers, and no table when it is not asked for."""
        curves = sm.survival.kaplan_meier([1, 3, 3, 5], [True, False, True, True])

        fig = plots.survival_curves(curves, at_risk=False)

        assert len(fig.axes) == 1
        assert len(fig.axes[0].lines) == 1
        assert fig.axes[0].get_xlabel() == "time since start (months)"

    def test_draws_into_a_given_axes(self, curves):
        """With ``ax=``, the curves go into it and the table shares its grid cell."""
        fig = Figure(layout="constrained")
        ax, other = fig.subplots(1, 2)

        out = plots.survival_curves(curves, ax=ax)

        assert out is fig
        assert len(ax.lines) == 3
        assert len(fig.axes) == 3  # the curves, the other Axes, and the table
        table = fig.axes[-1]
        assert len(table.texts) > 0
        assert table.get_subplotspec().get_topmost_subplotspec() == (
            ax.get_subplotspec().get_topmost_subplotspec()
        )
        assert not other.has_data()

    def test_an_axes_placed_by_hand_gets_a_strip(self, curves):
        """An Axes outside any grid gets the table as an inset strip below it."""
        fig = Figure()
        ax = fig.add_axes((0.1, 0.4, 0.8, 0.5))

        plots.survival_curves(curves, ax=ax)

        assert len(ax.child_axes) == 1
        assert len(ax.child_axes[0].texts) > 0

    def test_the_projection_sits_beside_the_curves(self, curves, led):
        """The sBG projection of each group is drawn at its months, with intervals."""
        projected = sm.survival.early_ltv(led, by="segment", seed=1)

        fig = plots.survival_curves(curves, projection=projected)
        ax = fig.axes[0]
        points = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        smb = projected.loc["smb"]

        assert len(points) == 3
        x, y = (np.asarray(v, float) for v in points[2].lines[0].get_data())
        assert x.tolist() == [3.0, 6.0, 12.0, 24.0]
        assert np.allclose(
            y,
            smb[["survival_3", "survival_6", "survival_12", "survival_24"]].astype(
                float
            ),
        )
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels.count("projected (sBG), with interval") == 1

    def test_a_projected_curve_is_dashed_with_its_band(self, lives):
        """An sbg_survival_interval table is one dashed curve, with a band, to 60."""
        everyone = sm.survival.kaplan_meier(lives["age"], lives["observed"])
        fit = sm.survival.sbg_fit_lifetimes(lives["age"], lives["observed"])
        band = sm.survival.sbg_survival_interval(fit, range(61), seed=1)

        fig = plots.survival_curves(everyone, projection=band)
        ax = fig.axes[0]
        dashed = ax.lines[-1]

        assert dashed.get_linestyle() == "--"
        assert np.allclose(dashed.get_ydata(), band["survival"])
        assert len(ax.collections) == 2  # the observed band and the projected one
        assert ax.get_xlim()[1] >= 60
        assert fig.axes[1].texts[-1].get_text() == "0"  # nobody observed at 60

    def test_a_projection_of_other_groups_is_refused(self, curves, led):
        """A projection by another attribute matches no curve: a ValueError says so."""
        projected = sm.survival.early_ltv(led, by="acquisition_channel", seed=1)

        with pytest.raises(ValueError, match="same by="):
            plots.survival_curves(curves, projection=projected)
        with pytest.raises(InvalidTableError, match="survival_<months>"):
            plots.survival_curves(curves, projection=curves)

    def test_refuses_a_table_that_is_not_curves(self, bridge):
        """A bridge is not a survival curve: the error names the rule."""
        with pytest.raises(InvalidTableError, match="index ending in 'time'"):
            plots.survival_curves(bridge)

    def test_refuses_curves_without_at_risk(self, curves):
        """The at-risk table needs the at_risk column."""
        with pytest.raises(InvalidTableError, match=r"curves\.at_risk: missing column"):
            plots.survival_curves(curves.drop(columns="at_risk"))

    def test_refuses_what_is_not_a_frame(self):
        """A list is refused with a TypeError that names the function to call."""
        with pytest.raises(TypeError, match="kaplan_meier"):
            plots.survival_curves([1, 2, 3])  # type: ignore[arg-type]

    def test_refuses_empty_curves_without_a_warning(self, curves):
        """No point to draw is an InvalidTableError, not a matplotlib warning."""
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(InvalidTableError, match=r"curves.*not empty"):
                plots.survival_curves(curves.iloc[:0])

    def test_refuses_complex_at_risk_counts_without_a_warning(self, curves):
        """Complex numbers are not real: refused by name, no ComplexWarning (fuzzer)."""
        bad = curves.assign(at_risk=curves["at_risk"] + 1j)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(InvalidTableError, match=r"curves\.at_risk: wrong type"):
                plots.survival_curves(bad)


class TestBridgeWaterfall:
    """Tests for `bridge_waterfall`."""

    def test_one_month_has_seven_bars_in_million_yen(self, bridge):
        """December 2025: start, five movements, end; each in million yen."""
        fig = plots.bridge_waterfall(bridge, since="2025-12", through="2025-12")
        ax = fig.axes[0]
        (bars,) = _bars(ax)
        december = bridge.loc["2025-12"]
        heights = [bar.get_height() for bar in bars]
        expected = [
            december["mrr_at_start"],
            december["new_mrr"],
            december["expansion_mrr"],
            december["reactivation_mrr"],
            december["contraction_mrr"],
            december["churned_mrr"],
            december["mrr_at_end"],
        ]

        assert len(bars) == 7
        assert np.allclose(heights, np.array(expected) / MILLION)
        assert "million JPY" in ax.get_ylabel()
        assert ax.get_title(loc="left") == "MRR bridge, 2025-12"
        assert ax.get_xticklabels()[0].get_text() == "MRR at start"

    def test_movements_float_from_the_running_total(self, bridge):
        """Each movement starts where the one before left the total; the end matches."""
        fig = plots.bridge_waterfall(bridge, since="2025-12")
        (bars,) = _bars(fig.axes[0])
        december = bridge.loc["2025-12"] / MILLION
        new, churn = bars[1], bars[5]

        assert np.isclose(new.get_y(), december["mrr_at_start"])
        # After the last loss, the running total is the MRR at end.
        assert np.isclose(churn.get_y(), december["mrr_at_end"])

    def test_the_labels_carry_the_amounts(self, bridge):
        """Bar labels give the amounts with their sign, in the axis' unit."""
        fig = plots.bridge_waterfall(bridge, since="2025-12")
        labels = [t.get_text() for t in fig.axes[0].texts]

        assert labels[0] == "274"  # 274,301,100 yen
        assert labels[1] == "+13.1"
        assert labels[5] == "\u22125.9"

    def test_a_span_sums_the_movements(self, bridge):
        """Over 2025, the start is January's, the movements sums, the end December's."""
        fig = plots.bridge_waterfall(bridge, since="2025-01", through="2025-12")
        (bars,) = _bars(fig.axes[0])
        year = bridge.loc["2025-01":"2025-12"]

        assert np.isclose(bars[0].get_height(), year["mrr_at_start"].iloc[0] / MILLION)
        assert np.isclose(bars[1].get_height(), year["new_mrr"].sum() / MILLION)
        assert np.isclose(bars[6].get_height(), year["mrr_at_end"].iloc[-1] / MILLION)
        assert fig.axes[0].get_title(loc="left") == "MRR bridge, 2025-01 to 2025-12"

    def test_from_zero(self, bridge):
        """Asked to, the axis starts at 0 and the label drops its warning."""
        fig = plots.bridge_waterfall(bridge, since="2025-12", from_zero=True)

        assert fig.axes[0].get_ylim()[0] == 0.0
        assert fig.axes[0].get_ylabel() == "MRR (million JPY)"

    def test_cents_are_shown_as_dollars(self):
        """USD minor units are cents: 100 of them are shown as one dollar."""
        usd = _usd_bridge()

        fig = plots.bridge_waterfall(usd, since="2024-02")
        (bars,) = _bars(fig.axes[0])

        assert np.isclose(
            bars[0].get_height(), usd.loc["2024-02", "mrr_at_start"] / 100
        )
        assert "USD" in fig.axes[0].get_ylabel()

    @pytest.mark.slow
    @given(monthly_rows())
    def test_the_bars_close_on_the_end(self, rows):
        """For any ledger, start plus gains minus losses is the end bar."""
        bridge = sm.ledger.bridge(sm.Ledger.from_monthly_mrr(rows))
        if bridge.empty:  # no activity at all: nothing to draw
            with pytest.raises(ValueError, match="no month"):
                plots.bridge_waterfall(bridge)
            return
        fig = plots.bridge_waterfall(bridge, from_zero=True)
        (bars,) = _bars(fig.axes[0])
        tops = [bar.get_y() + bar.get_height() for bar in bars]
        bottoms = [bar.get_y() for bar in bars]
        # After the losses the running total sits at the bottom of the churn bar.
        last = bottoms[5] if bridge["churned_mrr"].sum() > 0 else tops[5]

        assert np.isclose(last, bars[6].get_height(), rtol=1e-12, atol=1e-9)

    def test_an_empty_bridge_is_refused_by_name(self, bridge):
        """An empty ledger's bridge has no month: InvalidTableError (fuzzer)."""
        with pytest.raises(InvalidTableError, match=r"bridge.*not empty"):
            plots.bridge_waterfall(bridge.iloc[:0])

    def test_refuses_a_segmented_bridge(self, led):
        """A bridge by segment has a MultiIndex: the error says to select one."""
        segmented = sm.ledger.bridge(led, by="segment")

        with pytest.raises(InvalidTableError, match="one index level"):
            plots.bridge_waterfall(segmented)

    def test_refuses_a_frame_that_is_not_a_bridge(self, triangle, curves):
        """A triangle or curves are not bridges."""
        with pytest.raises(InvalidTableError, match=r"bridge\.month: wrong type"):
            plots.bridge_waterfall(triangle)
        with pytest.raises(InvalidTableError):
            plots.bridge_waterfall(curves)

    def test_refuses_a_bridge_without_its_currency(self, bridge):
        """Money without attrs['currency'] cannot be labelled."""
        bare = bridge.copy()
        bare.attrs = {}

        with pytest.raises(InvalidTableError, match=r"bridge\.currency"):
            plots.bridge_waterfall(bare)

    def test_refuses_a_missing_movement(self, bridge):
        """Every movement column is needed; the error names it."""
        with pytest.raises(InvalidTableError, match=r"bridge\.churned_mrr: missing"):
            plots.bridge_waterfall(bridge.drop(columns="churned_mrr"))

    def test_refuses_an_empty_or_backward_span(self, bridge):
        """A span with no months, or ending before it starts, is a ValueError."""
        with pytest.raises(ValueError, match="no month from 2030-01"):
            plots.bridge_waterfall(bridge, since="2030-01")
        with pytest.raises(ValueError, match="must not be after"):
            plots.bridge_waterfall(bridge, since="2025-06", through="2025-01")
        with pytest.raises(ValueError, match="'since' must be a month"):
            plots.bridge_waterfall(bridge, since="June")

    def test_refuses_an_ax_that_is_not_an_axes(self, bridge):
        """``ax=`` must be an Axes."""
        with pytest.raises(TypeError, match="'ax' must be a matplotlib Axes"):
            plots.bridge_waterfall(bridge, ax="left")  # type: ignore[arg-type]


class TestMrrMovements:
    """Tests for `mrr_movements`."""

    def test_one_bar_per_month_for_each_movement(self, bridge):
        """Five containers (one per movement), each with a bar per month."""
        fig = plots.mrr_movements(bridge)
        containers = _bars(fig.axes[0])

        assert len(containers) == 5
        assert all(len(bars) == len(bridge) for bars in containers)
        assert "million JPY" in fig.axes[0].get_ylabel()

    def test_losses_go_below_the_axis(self, bridge):
        """Churn is drawn downwards, by its amount; the net line is gains - losses."""
        fig = plots.mrr_movements(bridge, since="2025-12")
        containers = _bars(fig.axes[0])
        churn = containers[4][0]
        december = bridge.loc["2025-12"] / MILLION
        net = fig.axes[0].lines[0].get_ydata()[0]

        assert np.isclose(churn.get_height(), -december["churned_mrr"])
        assert np.isclose(
            net,
            december["new_mrr"]
            + december["expansion_mrr"]
            + december["reactivation_mrr"]
            - december["contraction_mrr"]
            - december["churned_mrr"],
        )


class TestCohortHeatmap:
    """Tests for `cohort_heatmap`."""

    def test_an_empty_triangle_is_refused_by_name(self, triangle):
        """No cohort to draw is an InvalidTableError, as the fuzzer expects."""
        with pytest.raises(InvalidTableError, match=r"triangle.*not empty"):
            plots.cohort_heatmap(triangle.iloc[:0])

    def test_unobserved_cells_are_masked_not_zero(self, triangle):
        """The image masks exactly the triangle's missing cells; the rest are values."""
        fig = plots.cohort_heatmap(triangle)
        image = fig.axes[0].collections[0]
        array = image.get_array()
        missing = triangle.isna().to_numpy()

        assert missing.any()
        assert np.array_equal(np.ma.getmaskarray(array), missing)
        assert np.allclose(array.compressed(), triangle.to_numpy()[~missing])
        assert image.get_cmap().get_bad()[3] == 0.0  # masked cells are transparent

    def test_has_a_colour_bar_and_labels(self, triangle):
        """A colour bar, cohorts down and ages across."""
        fig = plots.cohort_heatmap(triangle, value="logo_retention")

        assert len(fig.axes) == 2
        assert fig.axes[1].get_ylabel() == "logo retention"
        assert fig.axes[0].get_ylabel() == "cohort"
        assert fig.axes[0].get_yticklabels()[0].get_text() == "2023-01"

    def test_money_triangles_are_in_the_major_unit(self, led):
        """An MRR triangle is labelled in million yen and scaled to it."""
        mrr = sm.cohorts.triangle(led, value="mrr")

        fig = plots.cohort_heatmap(mrr, value="mrr")
        array = fig.axes[0].collections[0].get_array()

        assert fig.axes[1].get_ylabel() == "MRR (million JPY)"
        assert np.isclose(array[0, 0], float(mrr.iloc[0, 0]) / MILLION)
        assert np.array_equal(np.ma.getmaskarray(array), mrr.isna().to_numpy())

    def test_annotate_writes_every_observed_cell(self):
        """With ``annotate``, each observed cell gets its percentage, no other cell."""
        rows = pd.DataFrame(
            {
                "customer_id": ["a", "a", "a", "b", "b", "c", "c"],
                "month": pd.PeriodIndex(
                    "2024-01 2024-02 2024-03 2024-01 2024-03 2024-02 2024-03".split(),
                    freq="M",
                ),
                "mrr": [100, 150, 150, 100, 80, 50, 40],
                "currency": "USD",
            }
        )
        tri = sm.cohorts.triangle(sm.Ledger.from_monthly_mrr(rows))

        fig = plots.cohort_heatmap(tri, annotate=True)

        assert sorted(t.get_text() for t in fig.axes[0].texts) == sorted(
            ["100%", "50%", "100%", "100%", "100%"]
        )

    def test_segmented_rows_are_labelled(self, led):
        """A triangle by segment labels each row by cohort and segment."""
        tri = sm.cohorts.triangle(led, by="segment")

        fig = plots.cohort_heatmap(tri)

        assert fig.axes[0].get_yticklabels()[0].get_text() == "2023-01, enterprise"

    def test_large_triangles_are_a_picture_in_svg(self, led, triangle):
        """Up to 2,500 cells are vector shapes; beyond, one embedded picture."""
        large = sm.cohorts.triangle(led, by="segment")  # 108 rows x 36 ages

        small_fig = plots.cohort_heatmap(triangle)
        large_fig = plots.cohort_heatmap(large)
        svg = plots.to_svg(large_fig)

        assert not small_fig.axes[0].collections[0].get_rasterized()
        assert large_fig.axes[0].collections[0].get_rasterized()
        # The colour bar is a picture in both; the large mesh is one more.
        assert svg.count('<image href="data:image/png;base64,') == 2
        assert plots.to_svg(small_fig).count("<image") == 1

    def test_refuses_columns_that_are_not_ages(self, bridge):
        """A bridge's columns are not ages."""
        with pytest.raises(InvalidTableError, match=r"triangle\.age: wrong type"):
            plots.cohort_heatmap(bridge)

    def test_refuses_an_unknown_value(self, triangle):
        """`value` names a retention column."""
        with pytest.raises(ValueError, match="'value' must be one of"):
            plots.cohort_heatmap(triangle, value="churn")


class TestScorecardBookings:
    """Tests for `scorecard_bookings`."""

    def test_one_point_per_rep_with_intervals(self, card):
        """Every row but All is a point, labelled by its id, with its interval."""
        fig = plots.scorecard_bookings(card)
        ax = fig.axes[0]
        (points,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
        line = points.lines[0]
        reps = card.drop(index="All")

        assert len(line.get_xdata()) == len(reps)
        assert [t.get_text() for t in ax.texts] == reps.index.tolist()
        assert np.allclose(line.get_xdata(), reps["new_mrr"] / MILLION)
        assert "million JPY" in ax.get_xlabel()
        assert "million JPY" in ax.get_ylabel()

    def test_rep_a_books_more_but_weighs_less(self, card):
        """Rep A is right of rep B on bookings and below it on LTV-weighted bookings."""
        fig = plots.scorecard_bookings(card, rows=REPS)
        (points,) = [
            c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)
        ]
        x, y = (np.asarray(v, float) for v in points.lines[0].get_data())

        assert x[0] > x[1]
        assert y[0] < y[1]

    def test_the_interval_bars_span_lower_to_upper(self, card):
        """Each vertical bar goes from the lower to the upper bound."""
        fig = plots.scorecard_bookings(card, rows=REPS)
        (points,) = [
            c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)
        ]
        segments = points.lines[2][0].get_segments()
        reps = card.loc[REPS]

        for segment, (_, rep) in zip(segments, reps.iterrows(), strict=True):
            low, high = sorted(segment[:, 1])
            assert np.isclose(low, rep["ltv_weighted_bookings_lower"] / MILLION)
            assert np.isclose(high, rep["ltv_weighted_bookings_upper"] / MILLION)

    def test_thin_reps_are_hollow(self, card):
        """A thin rep is drawn in a container of its own, with an empty face."""
        marked = card.copy()
        marked.loc[sm.datasets.REP_B, "thin"] = True

        fig = plots.scorecard_bookings(marked, rows=REPS)
        containers = [
            c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)
        ]

        assert len(containers) == 2
        assert containers[1].lines[0].get_markerfacecolor() == "none"

    def test_the_comparison_joins_the_pair_and_gives_its_verdict(
        self, sample, led, card
    ):
        """The compared reps are joined; the box gives compare's differences."""
        verdict = sm.scorecards.compare(led, *REPS, deals=sample.deals)
        field = card[card["role"] == "field_sales"]

        fig = plots.scorecard_bookings(field, comparison=verdict)
        ax = fig.axes[0]
        box = ax.texts[-1].get_text().splitlines()
        bold = [t.get_text() for t in ax.texts[:-1] if t.get_fontweight() == "bold"]
        # The differences of compare, in million yen and percentage points.
        weighted = verdict.loc["ltv_weighted_bookings", "difference"] / MILLION
        points = verdict.loc["retention_12m", "difference"] * 100

        assert bold == REPS
        assert box[0] == "st-015 minus st-017:"
        assert box[1] == "bookings: +12.7 million JPY"
        assert box[2] == (
            f"LTV-weighted bookings: \u2212{abs(weighted):,.0f} million JPY, "
            "beyond the noise"
        )
        assert box[3].startswith(f"12-month retention: \u2212{abs(points):.1f} points")
        assert box[3].endswith("beyond the noise")
        joined = ax.lines[-1]
        assert joined.get_linestyle() == ":"
        assert len(joined.get_xdata()) == 2

    def test_a_comparison_of_reps_not_drawn_is_refused(self, sample, led, card):
        """Both compared reps must be among the rows drawn."""
        verdict = sm.scorecards.compare(led, *REPS, deals=sample.deals)

        with pytest.raises(ValueError, match="not among the rows drawn"):
            plots.scorecard_bookings(card, rows=["st-009"], comparison=verdict)
        with pytest.raises(InvalidTableError, match=r"comparison\.difference"):
            plots.scorecard_bookings(card, comparison=card)

    def test_refuses_a_comparison_table(self, sample, led):
        """The comparison of two reps is not a scorecard."""
        verdict = sm.scorecards.compare(led, *REPS, deals=sample.deals)

        with pytest.raises(
            InvalidTableError, match=r"scorecard\.new_mrr: missing column"
        ):
            plots.scorecard_bookings(verdict)

    def test_refuses_an_unknown_rep(self, card):
        """A row label not in the scorecard is a KeyError."""
        with pytest.raises(KeyError):
            plots.scorecard_bookings(card, rows=["st-999"])


class TestTierMix:
    """Tests for `tier_mix`."""

    def test_one_bar_per_month_for_each_tier(self, classified):
        """Classifications by month: each tier stacks one bar per month, its count."""
        fig = plots.tier_mix(classified)
        containers = _bars(fig.axes[0])

        assert len(containers) == 3
        for tier, bars in zip([1, 2, 3], containers, strict=True):
            assert len(bars) == len(classified)
            counts = [int((t["tier"] == tier).sum()) for t in classified.values()]
            assert [bar.get_height() for bar in bars] == counts
        labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        assert labels == ["2025-06", "2025-09", "2025-12"]

    def test_summaries_give_the_same_counts(self, classified, summaries):
        """Summaries by month count the same accounts as the classifications."""
        from_classes = plots.tier_mix(classified)
        from_summaries = plots.tier_mix(summaries)

        def heights(fig):
            return [[b.get_height() for b in bars] for bars in _bars(fig.axes[0])]

        assert heights(from_classes) == heights(from_summaries)

    def test_a_concatenated_table_equals_the_mapping(self, summaries):
        """One table indexed by month and tier draws as the mapping does."""
        joined = pd.concat(summaries, names=["month"])
        joined.attrs = {"currency": "JPY"}

        a = plots.tier_mix(joined, value="mrr_at_start")
        b = plots.tier_mix(summaries, value="mrr_at_start")

        assert [[x.get_height() for x in c] for c in _bars(a.axes[0])] == [
            [x.get_height() for x in c] for c in _bars(b.axes[0])
        ]
        assert b.axes[0].get_ylabel() == "MRR (million JPY)"

    def test_shares_add_up_to_100(self, classified):
        """With ``share``, each month's bars add up to 100%."""
        fig = plots.tier_mix(classified, share=True)
        totals = np.sum(
            [[b.get_height() for b in bars] for bars in _bars(fig.axes[0])], axis=0
        )

        assert np.allclose(totals, 100.0)
        assert fig.axes[0].get_ylabel() == "% of accounts"

    def test_money_needs_a_summary(self, classified):
        """A classification has no MRR to stack."""
        with pytest.raises(
            InvalidTableError, match=r"summaries\.mrr_at_start: missing"
        ):
            plots.tier_mix(classified, value="mrr_at_start")

    def test_refuses_other_input(self, classified):
        """A list, no month, a key that is not a month: clear errors."""
        with pytest.raises(TypeError, match="must map months"):
            plots.tier_mix([1, 2])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="no month"):
            plots.tier_mix({})
        with pytest.raises(ValueError, match="must be a month"):
            plots.tier_mix({"June": classified["2025-06"]})
        with pytest.raises(ValueError, match="'value' must be one of"):
            plots.tier_mix(classified, value="arr")  # type: ignore[arg-type]


class TestTierMovements:
    """Tests for `tier_movements`."""

    def test_a_cell_per_move_with_its_count(self, classified):
        """A 4 x 4 matrix (tiers and absent), absent -> absent masked, counts shown."""
        moved = sm.tiers.movements(classified["2025-06"], classified["2025-12"])

        fig = plots.tier_movements(moved)
        array = fig.axes[0].collections[0].get_array()
        counts = [int(t.get_text().replace(",", "")) for t in fig.axes[0].texts]

        assert array.shape == (4, 4)
        assert np.ma.getmaskarray(array)[3, 3]
        assert np.ma.getmaskarray(array).sum() == 1
        assert array[0, 0] == moved.loc[(1, 1), "accounts"]
        assert sum(counts) == moved["accounts"].sum()
        assert len(counts) == 15

    def test_refuses_a_classification(self, classified):
        """A classification is not a table of movements."""
        with pytest.raises(InvalidTableError, match="tier_before, tier_after"):
            plots.tier_movements(classified["2025-06"])


class TestHealthBands:
    """Tests for `health_bands`."""

    def test_one_bar_per_band_and_the_auc(self, evaluation):
        """Bars are each band's churn in percent; the title carries the AUC."""
        fig = plots.health_bands(evaluation)
        ax = fig.axes[0]
        (bars,) = _bars(ax)
        bands = evaluation.by_band.drop(index="All")

        assert len(bars) == 3
        assert np.allclose([b.get_height() for b in bars], bands["churn_rate"] * 100)
        assert f"AUC {evaluation.auc:.2f}" in ax.get_title(loc="left")
        assert np.isclose(
            ax.lines[0].get_ydata()[0],
            evaluation.by_band.loc["All", "churn_rate"] * 100,
        )
        assert ax.texts[0].get_text() == "17.1%\n25 of 146"

    def test_refuses_the_band_table_alone(self, evaluation):
        """By-band figures without the evaluation have no AUC: a TypeError says so."""
        with pytest.raises(TypeError, match="HealthEvaluation"):
            plots.health_bands(evaluation.by_band)  # type: ignore[arg-type]


class TestAx:
    """Every function draws into a given Axes and returns its figure."""

    @pytest.mark.parametrize(
        "draw",
        [
            lambda f, ax: plots.bridge_waterfall(f["bridge"], ax=ax),
            lambda f, ax: plots.mrr_movements(f["bridge"], ax=ax),
            lambda f, ax: plots.cohort_heatmap(f["triangle"], ax=ax),
            lambda f, ax: plots.scorecard_bookings(f["card"], ax=ax),
            lambda f, ax: plots.tier_mix(f["classified"], ax=ax),
            lambda f, ax: plots.health_bands(f["evaluation"], ax=ax),
        ],
        ids=["waterfall", "movements", "heatmap", "scorecard", "tier_mix", "health"],
    )
    def test_draws_into_the_axes(
        self, draw, bridge, triangle, card, classified, evaluation
    ):
        frames = {
            "bridge": bridge,
            "triangle": triangle,
            "card": card,
            "classified": classified,
            "evaluation": evaluation,
        }
        fig = Figure()
        left, right = fig.subplots(1, 2)

        out = draw(frames, right)

        assert out is fig
        assert not left.has_data()
        assert right.has_data()

    def test_a_subfigure_gives_its_root_figure(self, bridge):
        """An Axes of a subfigure returns the figure that holds it."""
        fig = Figure()
        sub = fig.subfigures(1, 2)[0]

        assert plots.bridge_waterfall(bridge, ax=sub.add_subplot()) is fig


class TestToSvg:
    """Tests for `to_svg`."""

    def test_is_self_contained(self, curves):
        """Only the SVG namespace is a URL; no DOCTYPE, no metadata, no script."""
        svg = plots.to_svg(plots.survival_curves(curves))

        assert svg.startswith("<svg")
        assert re.findall(r"https?://[^\"' ]*", svg) == ["http://www.w3.org/2000/svg"]
        assert "<!DOCTYPE" not in svg
        assert "<metadata" not in svg
        assert "<script" not in svg
        assert "<text" not in svg  # glyphs are paths: no font needed
        ET.fromstring(svg)  # well-formed

    def test_the_same_input_gives_the_same_bytes(self, bridge, triangle):
        """Two figures drawn from the same frame render to identical text."""
        for draw in (
            lambda: plots.bridge_waterfall(bridge, since="2025-12"),
            lambda: plots.cohort_heatmap(triangle),
        ):
            assert plots.to_svg(draw()) == plots.to_svg(draw())

    def test_the_same_bytes_in_another_process(self, bridge):
        """The text does not depend on the process (addresses, random salts)."""
        code = (
            "import subscription_metrics as sm\n"
            "sample = sm.datasets.load_sample()\n"
            "led = sm.Ledger.from_subscriptions(sample.subscriptions)\n"
            "b = sm.ledger.bridge(led)\n"
            "import sys; sys.stdout.write(sm.plots.to_svg("
            "sm.plots.bridge_waterfall(b, since='2025-12')))\n"
        )
        other = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert other == plots.to_svg(plots.bridge_waterfall(bridge, since="2025-12"))

    def test_id_prefix_keeps_every_reference_resolved(self, curves):
        """With a prefix, every id has it and every reference points at an id."""
        svg = plots.to_svg(plots.survival_curves(curves), id_prefix="km")
        ids = set(re.findall(r'\bid="([^"]+)"', svg))
        refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', svg))

        assert ids
        assert all(i.startswith("km-") for i in ids)
        assert refs <= ids

    def test_a_prefix_ending_in_a_dash_is_not_doubled(self, bridge):
        """``"bridge-"`` and ``"bridge"`` give the same ids."""
        fig = plots.bridge_waterfall(bridge, since="2025-12")

        assert plots.to_svg(fig, id_prefix="bridge-") == plots.to_svg(
            fig, id_prefix="bridge"
        )

    def test_says_what_it_shows(self, bridge):
        """The SVG is an image with a title: the figure's, or the one given, escaped."""
        fig = plots.bridge_waterfall(bridge, since="2025-12")

        default = ET.fromstring(plots.to_svg(fig))
        given = ET.fromstring(plots.to_svg(fig, title="MRR <December> & more"))
        name = "{http://www.w3.org/2000/svg}title"

        assert default.get("role") == "img"
        assert default.find(name).text == "MRR bridge, 2025-12"
        assert given.find(name).text == "MRR <December> & more"
        assert ET.fromstring(plots.to_svg(Figure())).find(name) is None

    def test_threads_render_the_same_text(self, bridge):
        """Concurrent renderings give what one rendering gives."""
        expected = plots.to_svg(plots.bridge_waterfall(bridge, since="2025-12"))

        def render(_: int) -> str:
            return plots.to_svg(plots.bridge_waterfall(bridge, since="2025-12"))

        with ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(render, range(4)))

        assert results == [expected] * 4

    def test_leaves_the_settings_as_they_were(self, bridge):
        """The SVG settings are changed only while rendering."""
        before = dict(mpl.rcParams)

        plots.to_svg(plots.bridge_waterfall(bridge, since="2025-12"))

        assert dict(mpl.rcParams) == before

    def test_refuses_bad_arguments(self, bridge):
        """Not a figure, or a prefix that would break the ids."""
        with pytest.raises(TypeError, match="'figure' must be a matplotlib Figure"):
            plots.to_svg(bridge)  # type: ignore[arg-type]
        fig = plots.bridge_waterfall(bridge, since="2025-12")
        with pytest.raises(ValueError, match="'id_prefix'"):
            plots.to_svg(fig, id_prefix='a" onload="x')


class TestWithoutMatplotlib:
    """The module imports without matplotlib; drawing says what to install."""

    def test_importing_the_package_does_not_import_matplotlib(self):
        """``sm.plots`` loads on first use, and matplotlib only when drawing."""
        code = (
            "import sys, subscription_metrics as sm; sm.plots; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
        )
        subprocess.run([sys.executable, "-c", code], check=True)

    def test_a_clear_import_error(self, bridge, monkeypatch):
        """Every function names the extra to install."""
        monkeypatch.setitem(sys.modules, "matplotlib", None)

        with pytest.raises(
            ImportError, match=r'pip install "subscription_metrics\[plot\]"'
        ):
            plots.bridge_waterfall(bridge)
        with pytest.raises(ImportError, match="plot"):
            plots.to_svg(object())  # type: ignore[arg-type]


def test_drawing_everything_leaves_pyplot_alone():
    """No function imports pyplot, so no global figure state is made or kept."""
    code = """
import sys
import subscription_metrics as sm
sample = sm.datasets.load_sample()
led = sm.Ledger.from_subscriptions(sample.subscriptions, customers=sample.customers)
lives = sm.survival.lifetimes(led, by="segment")
curves = sm.survival.kaplan_meier(
    lives["age"], lives["observed"], groups=lives["segment"]
)
bridge = sm.ledger.bridge(led)
card = sm.scorecards.scorecard(led, staff=sample.staff, deals=sample.deals)
classified = sm.tiers.classify(sm.tiers.account_features(led, as_of="2025-06"))
figures = [
    sm.plots.survival_curves(curves),
    sm.plots.bridge_waterfall(bridge),
    sm.plots.mrr_movements(bridge),
    sm.plots.cohort_heatmap(sm.cohorts.triangle(led)),
    sm.plots.scorecard_bookings(card),
    sm.plots.tier_mix({"2025-06": classified}),
    sm.plots.tier_movements(sm.tiers.movements(classified, classified)),
]
for figure in figures:
    sm.plots.to_svg(figure)
assert "matplotlib" in sys.modules
assert "matplotlib.pyplot" not in sys.modules, "pyplot was imported"
"""
    subprocess.run([sys.executable, "-c", code], check=True)


class TestMoneyUnit:
    """Tests for the unit money is shown in."""

    @given(
        st.floats(min_value=0, max_value=1e18, allow_nan=False),
        st.sampled_from(sorted(sm.money.CURRENCY_EXPONENTS)),
    )
    def test_the_largest_amount_reads_below_10_000(self, amount, currency):
        """Scaled to its unit, the largest amount is below 10,000 (>= 10 if scaled)."""
        divisor, unit = plots._money_unit(np.array([amount, 0.0]), currency)
        shown = amount / divisor
        major = 10 ** sm.money.currency_exponent(currency)

        assert unit.endswith(currency)
        assert shown < 10_000 or unit.startswith("billion")
        if unit != currency:
            assert shown >= 10
        assert divisor >= major

    def test_no_amount_is_the_major_unit(self):
        """Nothing finite to show: the plain major unit."""
        assert plots._money_unit(np.array([np.nan]), "USD") == (100.0, "USD")


def test_an_empty_band_and_an_undefined_auc_say_so(evaluation):
    """A band without accounts is labelled n/a; so is an AUC nobody can compute."""
    by_band = evaluation.by_band.copy()
    by_band.loc["healthy", ["customers", "churned"]] = 0
    by_band.loc["healthy", "churn_rate"] = np.nan
    undefined = attrs.evolve(evaluation, by_band=by_band, auc=float("nan"))

    fig = plots.health_bands(undefined)
    ax = fig.axes[0]

    assert ax.texts[2].get_text() == "n/a"
    assert ax.get_title(loc="left").endswith("(AUC n/a)")


@pytest.mark.slow
@given(
    st.lists(st.tuples(st.integers(0, 30), st.booleans()), min_size=1, max_size=40),
    st.lists(st.integers(0, 35), min_size=1, max_size=6, unique=True),
)
def test_at_risk_counts_equal_the_obvious_count(lives, times):
    """For any lifetimes, the table counts those at least t long, at every t."""
    ages = np.array([age for age, _ in lives])
    observed = np.array([seen for _, seen in lives])
    curves = sm.survival.kaplan_meier(ages, observed)

    fig = plots.survival_curves(curves, times=sorted(times))
    shown = [int(t.get_text().replace(",", "")) for t in fig.axes[1].texts]

    assert shown == [int((ages >= t).sum()) for t in sorted(times)]


@pytest.mark.slow
@given(monthly_rows())
def test_the_heatmap_masks_exactly_the_missing_cells(rows):
    """For any ledger, the masked cells are the triangle's missing ones."""
    triangle = sm.cohorts.triangle(sm.Ledger.from_monthly_mrr(rows))
    if triangle.empty:
        with pytest.raises(ValueError, match="empty"):
            plots.cohort_heatmap(triangle)
        return

    cells = plots.cohort_heatmap(triangle).axes[0].collections[0].get_array()

    assert np.array_equal(np.ma.getmaskarray(cells), triangle.isna().to_numpy())
