"""Tests for `subscription_metrics.report`: every section equals its function."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import subscription_metrics as sm
from subscription_metrics._cli import main, report_json
from subscription_metrics._report_render import CHARTS

AS_OF = pd.Period("2025-12", "M")
OTHER_TABLES = (
    "customers",
    "staff",
    "deals",
    "costs",
    "usage",
    "tickets",
    "onboarding",
    "activities",
    "assignments",
    "meetings",
    "pipeline",
)
ROOT = Path(__file__).parents[1]
BUILD = ROOT / "build"


@pytest.fixture(scope="module")
def sample() -> sm.datasets.SampleData:
    return sm.datasets.load_sample()


@pytest.fixture(scope="module")
def tables(sample) -> dict[str, pd.DataFrame]:
    return {name: getattr(sample, name) for name in OTHER_TABLES}


@pytest.fixture(scope="module")
def rep(sample, tables) -> sm.Report:
    return sm.report(
        sample.subscriptions,
        as_of="2025-12",
        pilot=("2025-01", 6),
        source="the bundled sample",
        threads=2,  # the scorecards beside the other sections, as on most machines
        **tables,
    )


@pytest.fixture(scope="module")
def led(sample) -> sm.Ledger:
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through=AS_OF
    )


def _last12(frame: pd.DataFrame) -> pd.DataFrame:
    name = "month" if "month" in frame.index.names else "period"
    level = frame.index.get_level_values(name)
    return frame[level.isin(level.unique().sort_values()[-12:])]


def _health(sample, month: pd.Period) -> pd.DataFrame:
    return sm.health.score(
        sm.health.signals(sample.usage, tickets=sample.tickets, as_of=month)
    )


def _tiers_at(led, sample, month: pd.Period) -> pd.DataFrame:
    features = sm.tiers.account_features(
        led,
        as_of=month,
        usage=sample.usage,
        customers=sample.customers,
        health=_health(sample, month)["score"],
    )
    return sm.tiers.classify(features)


def _field(led, sample) -> pd.DataFrame:
    card = sm.scorecards.scorecard(
        led, staff=sample.staff, deals=sample.deals, as_of=AS_OF
    )
    return card[((card["role"] == "field_sales") | (card.index == "All")).to_numpy()]


def _inside(led, sample) -> pd.DataFrame:
    card = sm.scorecards.scorecard(
        led, staff=sample.staff, deals=sample.deals, credit="sourced", as_of=AS_OF
    )
    return card[((card["role"] == "inside_sales") | (card.index == "All")).to_numpy()]


def _evaluation(led, sample) -> sm.HealthEvaluation:
    month = AS_OF - 3
    return sm.health.evaluate(
        led, scores=_health(sample, month), as_of=month, horizon_months=3
    )


_END = AS_OF.end_time.normalize()

#: (section, frame) -> how a user computes the same frame with the library.
EXPECTED: dict[tuple[str, str], Callable[[Any, Any], pd.DataFrame]] = {
    ("bridge", "bridge"): lambda led, s: sm.ledger.bridge(led),
    ("bridge", "movements"): lambda led, s: sm.ledger.movements(led),
    ("bridge", "bridge_by_segment"): lambda led, s: sm.ledger.bridge(led, by="segment"),
    ("headline", "rates"): lambda led, s: _last12(sm.churn.rates(led)),
    ("headline", "rates_trailing_12m"): lambda led, s: _last12(
        sm.churn.rates(led, window=12)
    ),
    ("retention", "rates"): lambda led, s: sm.churn.rates(
        led, by="segment", since=AS_OF
    ),
    ("retention", "survival"): lambda led, s: sm.survival.kaplan_meier(
        (spans := sm.survival.lifetimes(led, by="segment", as_of=AS_OF))["age"],
        spans["observed"],
        groups=spans["segment"],
    ),
    ("cohorts", "logo_retention"): lambda led, s: sm.cohorts.triangle(
        led, cohort="quarter"
    ),
    ("cohorts", "net_revenue_retention"): lambda led, s: sm.cohorts.triangle(
        led, value="net_revenue_retention", cohort="quarter"
    ),
    ("unit_economics", "ltv"): lambda led, s: _last12(sm.ltv.estimates(led)),
    ("unit_economics", "cac"): lambda led, s: _last12(
        sm.cac.acquisition_costs(led, costs=s.costs)
    ),
    ("staff_roi", "by_role"): lambda led, s: sm.roi.staff_returns(
        led, staff=s.staff, deals=s.deals, by="role"
    ),
    ("staff_roi", "by_staff"): lambda led, s: sm.roi.staff_returns(
        led, staff=s.staff, deals=s.deals
    ),
    ("staff_roi", "pilot"): lambda led, s: sm.roi.pilot(
        led, staff=s.staff, deals=s.deals, start="2025-01", months=6
    ),
    ("scorecards", "field_sales"): _field,
    ("scorecards", "inside_sales"): _inside,
    ("scorecards", "comparison"): lambda led, s: sm.scorecards.compare(
        led, sm.datasets.REP_A, sm.datasets.REP_B, deals=s.deals, as_of=AS_OF
    ),
    ("scorecards", "customer_success"): lambda led, s: sm.roi.staff_returns(
        led, staff=s.staff, deals=s.deals, roles=["customer_success"], as_of=AS_OF
    ),
    ("scorecards", "customer_success_book"): lambda led, s: sm.scorecards.owned_book(
        led,
        assignments=s.assignments,
        staff=s.staff,
        since="2025-01",
        through="2025-12",
    ),
    (
        "acquisition_quality",
        "by_acquisition_channel",
    ): lambda led, s: sm.scorecards.acquisition_quality(
        led, by="acquisition_channel", as_of=AS_OF
    ),
    ("acquisition_quality", "by_segment"): lambda led, s: (
        sm.scorecards.acquisition_quality(led, by="segment", as_of=AS_OF)
    ),
    ("tiers", "summary"): lambda led, s: sm.tiers.summary(
        led, classified=_tiers_at(led, s, AS_OF - 12), as_of=AS_OF - 12, months=12
    ),
    ("tiers", "movements"): lambda led, s: sm.tiers.movements(
        _tiers_at(led, s, AS_OF - 12), _tiers_at(led, s, AS_OF)
    ),
    ("tiers", "coverage"): lambda led, s: sm.tiers.describe(),
    ("tiers", "accounts"): lambda led, s: _tiers_at(led, s, AS_OF),
    ("health", "by_band"): lambda led, s: _evaluation(led, s).by_band,
    ("operations", "tickets"): lambda led, s: _last12(
        sm.operations.ticket_kpis(s.tickets, as_of=_END, staff=s.staff, period="month")
    ),
    ("operations", "onboarding"): lambda led, s: _last12(
        sm.operations.onboarding_kpis(
            s.onboarding, as_of=_END, staff=s.staff, period="month"
        )
    ),
    ("operations", "activities"): lambda led, s: _last12(
        sm.operations.activity_kpis(
            s.activities, staff=s.staff, by="role", through=AS_OF, currency="JPY"
        )
    ),
}


def _credit(led, sample, basis: str) -> pd.DataFrame:
    new = sample.deals[sample.deals["kind"] == "new"]
    policy = sm.goals.CreditPolicy(basis=basis, clawback_months=6)
    credit = sm.goals.credited_attainment(led, deals=new, policy=policy, through=AS_OF)
    months = credit.index.get_level_values("period")
    return credit[months >= AS_OF - 2]


def _history(led, s) -> pd.DataFrame:
    history = sm.goals.goal_history(
        led,
        deals=s.deals,
        meetings=s.meetings,
        activities=s.activities,
        onboarding=s.onboarding,
        staff=s.staff,
        usage=s.usage,
        tickets=s.tickets,
        as_of=AS_OF,
    )
    return pd.DataFrame(
        {"chain": list(history.chain.values())},
        index=pd.Index(list(history.chain), name="figure"),
    )


EXPECTED |= {
    ("goals", "credit_bookings"): lambda led, s: _credit(led, s, "bookings"),
    ("goals", "credit_ltv"): lambda led, s: _credit(led, s, "ltv"),
    ("goals", "credit_ltv_company"): lambda led, s: (
        _credit(led, s, "ltv").groupby(level="period").sum()
    ),
    ("goals", "sold_retention"): lambda led, s: sm.goals.sold_retention(
        led, staff=s.staff, deals=s.deals, since=AS_OF, through=AS_OF
    ),
    ("goals", "history"): _history,
    ("goals", "priorities"): lambda led, s: sm.goals.deal_priorities(
        s.pipeline, churn=sm.goals.pooled_churn(led, by="segment", as_of=AS_OF)
    ).head(20),
}


@pytest.mark.parametrize(("section", "frame"), sorted(EXPECTED))
def test_every_frame_equals_the_function_that_computes_it(
    rep, led, sample, section, frame
):
    expected = EXPECTED[section, frame](led, sample)

    pd.testing.assert_frame_equal(rep[section].frames[frame], expected)


def test_the_ltv_credit_carries_the_interval_of_credited_attainment(rep, led, sample):
    """Per person and for the company, the credited LTV in the report lies in
    its interval, the one `credited_attainment` gives (and pacing sums), and
    the notes say the figure is an estimate and at what level."""
    goals = rep["goals"]
    person = goals.frames["credit_ltv"]
    company = goals.frames["credit_ltv_company"]
    for frame in (person, company):
        low, point, high = (
            frame[f"credited_ltv{bound}"] for bound in ("_lower", "", "_upper")
        )
        assert (low <= point).all()
        assert (point <= high).all()
        assert (low < high).any()
    # The function's interval, for one person, month by month.
    new = sample.deals[sample.deals["kind"] == "new"]
    policy = sm.goals.CreditPolicy(basis="ltv", clawback_months=6)
    own = sm.goals.credited_attainment(
        led, deals=new, policy=policy, level=0.95, through=AS_OF
    ).loc[sm.datasets.REP_A]
    shown = person.loc[sm.datasets.REP_A]
    for bound in ("credited_ltv_lower", "credited_ltv_upper"):
        pd.testing.assert_series_equal(shown[bound], own.loc[shown.index, bound])
    # The company's bounds are the sum of its people's, month by month.
    pd.testing.assert_series_equal(
        company["credited_ltv_lower"],
        person["credited_ltv_lower"].groupby(level="period").sum(),
    )
    notes = " ".join(goals.notes)
    assert "95% interval" in notes
    assert "credited_ltv_lower" in notes


def test_every_frame_of_the_report_is_checked(rep):
    """The table above covers every frame but the figures (checked below)."""
    frames = {
        (section.key, name)
        for section in rep
        for name in section.frames
        if name not in ("figures", "set_aside", "tables", "median_lifetime")
    }
    frames -= {("retention", "rates_trailing_12m"), ("health", "at_risk")}

    assert frames == set(EXPECTED)


def _figures(rep, section: str) -> pd.DataFrame:
    return rep[section].frames["figures"].set_index(["figure", "period"])


def test_headline_figures_are_the_rates_labelled_by_period(rep, led):
    figures = _figures(rep, "headline")
    month = sm.churn.rates(led).loc[AS_OF]
    pooled = sm.churn.rates(led, window=12).loc[AS_OF]
    customers = sm.Conventions(nrr_method="customers")
    yearly = sm.churn.rates(led, conventions=customers).loc[AS_OF]  # whole history
    t12 = "trailing 12 months 2025-01..2025-12"

    assert figures.loc[("MRR", "end of 2025-12"), "amount"] == month["mrr_at_end"]
    assert (
        figures.loc[("Customer churn rate", "month 2025-12"), "value"]
        == (month["customer_churn_rate"])
    )
    assert (
        figures.loc[("Customer churn rate", t12), "value"]
        == (pooled["customer_churn_rate"])
    )
    assert figures.loc[
        ("Customer churn rate", f"annualised, {t12}"), "value"
    ] == sm.periods.annualized_churn_rate(
        pooled["customer_churn_rate"], period="monthly"
    )
    assert (
        figures.loc[("Net revenue retention", t12), "value"]
        == (yearly["net_revenue_retention"])
    )
    assert figures.loc[("Net revenue retention", t12), "unit"] == "over 12 months"
    assert figures.loc[("Net revenue retention", "month 2025-12"), "unit"] == (
        "per month"
    )


def test_headline_says_why_nrr_and_net_churn_differ(rep):
    note = " ".join(rep["headline"].notes)

    assert "NRR for the month (98.50%) and 1 - net MRR churn (98.67%)" in note
    assert "reactivation MRR (462,900 JPY)" in note


def test_unit_economics_figures_equal_the_formulas(rep, led, sample):
    figures = _figures(rep, "unit_economics")
    ltv = float(sm.ltv.estimates(led).loc[AS_OF, "lifetime_value"])
    months = sm.cac.acquisition_costs(led, costs=sample.costs).iloc[-12:]
    cac = sm.cac.customer_acquisition_cost(
        float(months["spend"].sum()), int(months["customers_new"].sum())
    )
    t12 = "trailing 12 months 2025-01..2025-12"

    assert figures.loc[("LTV (ARPA x margin / churn)", "month 2025-12"), "value"] == ltv
    assert figures.loc[("CAC (spend / new customers)", t12), "value"] == cac
    ratio = figures.xs("LTV:CAC", level="figure")["value"].iloc[0]
    assert ratio == sm.cac.ltv_to_cac(ltv, cac)
    convention = figures.loc[("LTV (ARPA x margin / churn)", "month 2025-12")]
    assert "averaged over 1 month(s)" in convention["convention"]
    assert "gross margin 100%" in convention["convention"]


def test_health_figures_and_accounts_at_risk(rep, led, sample):
    figures = rep["health"].frames["figures"]
    at_risk = rep["health"].frames["at_risk"]
    current = _health(sample, AS_OF)

    assert figures["value"].iloc[0] == _evaluation(led, sample).auc
    assert set(at_risk.index) == set(current.index[current["band"] == "at_risk"])
    assert figures["value"].iloc[1] == len(at_risk)


def test_data_quality_counts_what_was_set_aside(rep, led, sample):
    set_aside = rep["data_quality"].frames["set_aside"]
    given = rep["data_quality"].frames["tables"]

    assert list(set_aside["count"]) == [note.count for note in led.set_aside]
    assert given.loc["subscriptions", "rows"] == len(sample.subscriptions)
    assert set(given.index) == {"subscriptions", *OTHER_TABLES}


def test_field_sales_scorecard_shows_many_deals_that_churn_below_few_that_stay(rep):
    """The bundled sample's rep A closes more than rep B, whose customers stay."""
    card = rep["scorecards"].frames["field_sales"]
    verdict = rep["scorecards"].frames["comparison"]
    a, b = card.loc[sm.datasets.REP_A], card.loc[sm.datasets.REP_B]

    assert a["new_mrr"] > b["new_mrr"]
    assert a["rank_bookings"] < b["rank_bookings"]
    assert a["ltv_weighted_bookings"] < b["ltv_weighted_bookings"]
    assert a["rank_ltv_weighted_bookings"] > b["rank_ltv_weighted_bookings"]
    assert list(verdict.columns[:2]) == [sm.datasets.REP_A, sm.datasets.REP_B]
    assert verdict.loc["ltv_weighted_bookings", "beyond_noise"] is True
    assert verdict.loc["ltv_weighted_bookings", "difference"] < 0
    assert any("beyond the noise" in note for note in rep["scorecards"].notes)


def test_the_compared_pair_can_be_chosen(sample, tables):
    chosen = sm.report(
        sample.subscriptions,
        as_of="2025-12",
        compare=("st-013", "st-018"),
        sections=["scorecards"],
        **tables,
    )

    verdict = chosen["scorecards"].frames["comparison"]
    assert list(verdict.columns[:2]) == ["st-013", "st-018"]


def test_missing_tables_give_sections_that_say_what_they_need(sample):
    bare = sm.report(sample.subscriptions, as_of="2025-12")
    staff_only = sm.report(
        sample.subscriptions,
        customers=sample.customers,
        staff=sample.staff,
        as_of="2025-12",
    )

    assert [s.key for s in bare] == list(sm.Report.SECTIONS)
    assert bare["staff_roi"].status == "needs: staff, deals"
    assert bare["scorecards"].needs == ("staff", "deals")
    assert bare["health"].status == "needs: usage"
    assert bare["acquisition_quality"].status == "needs: customers"
    assert bare["operations"].status == "needs: tickets, onboarding or activities"
    assert bare["headline"].ready
    assert bare["cohorts"].ready
    assert bare["staff_roi"].frames == {}
    assert staff_only["staff_roi"].status == "needs: deals"
    assert staff_only["acquisition_quality"].ready
    assert any("costs" in note for note in bare["unit_economics"].notes)


def test_monthly_rows_make_the_same_report():
    rows = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "b", "b"],
            "month": ["2024-01", "2024-02", "2024-01", "2024-02", "2024-03"],
            "mrr": [100, 100, 50, 80, 80],
            "currency": "EUR",
        }
    )

    rep = sm.report(monthly_mrr=rows, as_of="2024-03")

    figures = rep["headline"].frames["figures"].set_index(["figure", "period"])
    assert figures.loc[("MRR", "end of 2024-03"), "amount"] == 80
    assert rep.currency == "EUR"


def test_invoice_lines_make_the_report_of_their_ledger():
    lines = pd.DataFrame(
        {
            "line_id": ["l1", "l2", "l3"],
            "customer_id": ["a", "a", "b"],
            "kind": "recurring",
            "period_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]),
            "period_end": pd.to_datetime(["2024-02-01", "2024-03-01", "2024-04-01"]),
            "amount": [100, 120, 300],
            "currency": "USD",
        }
    )

    rep = sm.report(invoice_lines=lines, as_of="2024-03")

    led = sm.Ledger.from_invoice_lines(lines, through="2024-03")
    pd.testing.assert_frame_equal(rep["bridge"].frames["bridge"], sm.ledger.bridge(led))


def test_bad_calls_are_refused(sample):
    with pytest.raises(ValueError, match="one revenue table"):
        sm.report(as_of="2025-12")
    with pytest.raises(ValueError, match="one revenue table"):
        sm.report(
            sample.subscriptions, monthly_mrr=sample.subscriptions, as_of="2025-12"
        )
    with pytest.raises(ValueError, match="unknown sections"):
        sm.report(sample.subscriptions, as_of="2025-12", sections=["bridges"])
    with pytest.raises(TypeError, match="as_of"):
        sm.report(sample.subscriptions)  # type: ignore[call-arg]
    with pytest.raises(KeyError, match="no section"):
        sm.report(sample.subscriptions, as_of="2025-12")["nope"]
    with pytest.raises(ValueError, match="'threads' must be >= 1"):
        sm.report(sample.subscriptions, as_of="2025-12", threads=0)
    with pytest.raises(TypeError, match="'threads' must be an int"):
        sm.report(sample.subscriptions, as_of="2025-12", threads=2.0)  # type: ignore[arg-type]


def test_one_thread_and_two_build_the_same_report(rep, sample, tables):
    """The scorecards built beside the other sections change the time only."""
    one = sm.report(
        sample.subscriptions,
        as_of="2025-12",
        pilot=("2025-01", 6),
        source="the bundled sample",
        threads=1,
        **tables,
    )
    assert [s.key for s in one] == [s.key for s in rep]
    assert one.to_dict() == rep.to_dict()
    for first, second in zip(one, rep, strict=True):
        assert first.frames.keys() == second.frames.keys()
        for name, frame in first.frames.items():
            pd.testing.assert_frame_equal(second.frames[name], frame, check_exact=True)


def test_the_report_is_frozen(rep):
    with pytest.raises(AttributeError):
        rep.as_of = AS_OF  # type: ignore[misc]
    with pytest.raises(TypeError):
        rep["headline"].frames["x"] = pd.DataFrame()  # type: ignore[index]


# --- renderings ---------------------------------------------------------------------


def test_text_fits_100_columns_and_labels_every_rate(rep):
    text = rep.to_text()

    assert max(len(line) for line in text.splitlines()) <= 100
    units = re.findall(r"\d+\.\d\d% (\w+ \w+)", text)  # a figure and its unit
    assert len(units) >= 12
    assert set(units) == {"per month", "per year", "over 12"}
    assert "annualised, trailing 12 months 2025-01..2025-12" in text
    assert "st-015" in text
    assert "beyond the noise" in text


def test_html_is_self_contained(rep):
    page = rep.html()

    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"https?://", page)
    assert "<script" not in page.lower()
    assert "@media print" in page
    for key in sm.Report.SECTIONS:
        assert f'id="{key}"' in page
    assert rep._repr_html_().startswith('<div class="subscription-metrics-report">')


def test_html_of_a_needs_section_says_what_it_needs(sample):
    page = sm.report(sample.subscriptions, as_of="2025-12").html()

    assert "this section needs staff, deals." in page


def test_excel_has_a_sheet_per_table_and_money_in_major_units(rep, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = rep.to_excel(tmp_path / "report.xlsx")

    book = openpyxl.load_workbook(path)
    assert "bridge.bridge" in book.sheetnames
    assert len(book.sheetnames) == 1 + len(rep.tables())
    sheet = book["bridge.bridge"]
    header = [c.value for c in sheet[1]]
    column = header.index("mrr_at_end") + 1
    last = sheet.cell(row=sheet.max_row, column=column)
    assert last.value == 283_717_700
    assert '"JPY"' in last.number_format
    month = sheet.cell(row=2, column=header.index("month") + 1).value
    assert (month.year, month.month) == (2023, 1)


# --- the shared encoding ----------------------------------------------------------


def test_to_dict_is_json_native(rep):

    data = rep.to_dict()

    text = json.dumps(data, allow_nan=False)
    assert data["as_of"] == "2025-12"
    assert data["currency"] == "JPY"
    assert list(data["sections"]) == list(sm.Report.SECTIONS)
    assert "NaN" in text or "Infinity" in text  # explicit, never a bare NaN


def _missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns hold None for missing, as JSON's null reads back."""
    text = [c for c in frame.columns if frame[c].dtype == object]
    return frame.assign(**{c: frame[c].where(frame[c].notna(), None) for c in text})


def test_every_figure_in_to_dict_equals_the_frame(rep):
    """Section by section, the JSON reads back to the frames (so to the functions)."""
    data = rep.to_dict()["sections"]

    for section in rep:
        assert data[section.key]["status"] == section.status
        assert set(data[section.key]["frames"]) == set(section.frames)
        for name, frame in section.frames.items():
            back = sm.encoding.decode_frame(data[section.key]["frames"][name])
            pd.testing.assert_frame_equal(
                _missing_as_none(back),
                _missing_as_none(frame),
                obj=f"{section.key}.{name}",
            )


def test_parquet_reads_back_in_duckdb_with_date_months(rep, tmp_path):
    duckdb = pytest.importorskip("duckdb")

    files = rep.to_parquet(tmp_path)

    assert len(files) == len(rep.tables())
    path = str(tmp_path / "bridge.bridge.parquet")
    kinds = dict(
        duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()[i][:2]
        for i in range(3)
    )
    assert kinds["month"] == "DATE"
    rows = duckdb.sql(
        f"SELECT month, mrr_at_end, currency FROM '{path}' ORDER BY month DESC LIMIT 1"
    ).fetchall()
    assert rows[0][1:] == (283_717_700, "JPY")
    assert str(rows[0][0]) == "2025-12-01"


# --- the main job -----------------------------------------------------------------


@pytest.fixture(scope="module")
def main_job(tmp_path_factory) -> tuple[int, str, Path]:
    """The main job run once, as a pipeline would: the report as JSON and HTML."""
    folder = tmp_path_factory.mktemp("main-job")
    out = io.StringIO()
    code = main(["report", "--format", "json", "--output", str(folder)], out=out)
    return code, out.getvalue(), folder


def test_main_job_writes_the_report_and_json_equals_to_dict(rep, main_job):
    code, _, folder = main_job

    assert code == 0
    assert (folder / "report.json").read_text(encoding="utf-8") == json.dumps(
        rep.to_dict(), indent=2, sort_keys=True, allow_nan=False
    )
    assert (folder / "report.json").read_text(encoding="utf-8") == report_json(rep)
    assert (folder / "report.html").read_text(encoding="utf-8") == rep.html()


def test_main_job_prints_a_summary_that_fits_100_columns(main_job):
    code, text, folder = main_job

    assert code == 0
    assert text.startswith("Monthly report as of 2025-12: the bundled sample")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert f"Wrote {folder / 'report.html'}" in text
    assert f"Wrote {folder / 'report.json'}" in text
    assert "Pilot: 6 months from 2025-01." in text


def test_main_job_usage_errors(capsys, tmp_path):
    assert main(["report", "--pilot", "2025-01", "--output", str(tmp_path)]) == 2
    assert "whole number" in capsys.readouterr().err
    assert main(["report", "--compare", "st-015", "--output", str(tmp_path)]) == 2
    assert "two staff ids" in capsys.readouterr().err


# --- a real browser -----------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed here (CI installs it: apt-get install chromium)",
)
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
)


def _chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [CHROMIUM, *_FLAGS, f"--user-data-dir={cwd / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


@pytest.fixture(scope="module")
def page_file(rep, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("html")
    return rep.to_html(folder / "report.html")


@needs_chromium
def test_the_report_opens_in_a_headless_browser(page_file):
    result = _chromium("--dump-dom", page_file.as_uri(), cwd=page_file.parent)

    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    for key in sm.Report.SECTIONS:
        assert f'data-section="{key}"' in dom
    charts = re.findall(r'data-chart="([a-z_]+)"', dom)
    assert not re.search(r"https?://", dom)
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    assert not re.search(r"Uncaught|ERR_NAME_NOT_RESOLVED|net::ERR", result.stderr)
    expected = [name for specs in CHARTS.values() for name, _, _ in specs]
    assert sorted(charts) == sorted(expected)
    assert dom.count("<svg") == len(expected)


@needs_chromium
def test_a_screenshot_of_the_first_screen_is_kept(page_file):
    BUILD.mkdir(exist_ok=True)
    shot = BUILD / "report-first-screen.png"
    shot.unlink(missing_ok=True)

    result = _chromium(
        f"--screenshot={shot}",
        "--window-size=1280,800",
        page_file.as_uri(),
        cwd=page_file.parent,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.stat().st_size > 10_000


def test_without_matplotlib_the_page_says_it_has_no_charts(rep, monkeypatch):
    """Charts are left out only with a word: the plot extra is named."""
    from subscription_metrics import _report_render

    monkeypatch.setattr(_report_render, "plots_available", lambda: False)
    html = rep.html()

    assert "<svg" not in html
    assert "No charts: they need matplotlib" in html
    assert "subscription-metrics[plot]" in html
