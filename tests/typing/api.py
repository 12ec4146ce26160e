"""Typed use of the public API, checked by mypy --strict (never executed)."""

from __future__ import annotations

import datetime as dt
from typing import Any, assert_type

import numpy as np
import numpy.typing as npt
import pandas as pd

import subscription_metrics as sm


def bridge_of(frame: pd.DataFrame) -> pd.DataFrame:
    led: sm.Ledger = sm.Ledger.from_subscriptions(
        frame, conventions=sm.Conventions.preset("chartmogul"), through="2024-12"
    )
    notes: tuple[sm.SetAside, ...] = led.set_aside
    assert notes is not None
    return sm.ledger.bridge(led, by="segment")


def entity() -> sm.Subscription:
    return sm.Subscription(
        subscription_id="s",
        customer_id="c",
        start=dt.date(2024, 1, 1),
        mrr=sm.money.to_minor_units("9.99", "USD"),
        currency="USD",
    )


def role() -> sm.Role:
    return sm.StaffMember(
        staff_id="a", role=sm.Role.FIELD_SALES, monthly_cost=1, currency="JPY"
    ).role


def rate() -> float:
    return sm.periods.annualized_churn_rate(0.02)


def fit_methods() -> None:
    fit = sm.survival.sbg_fit([1000, 631, 468, 382])
    assert_type(fit.survival(3), float)
    assert_type(fit.retention(3), float)
    assert_type(fit.churn_probability(3), float)
    assert_type(fit.expected_lifetime(), float)
    assert_type(fit.del_(0.1), float)
    assert_type(fit.derl(0.1, 2), float)
    assert_type(fit.survival([0, 1, 2]), "float | npt.NDArray[np.float64]")


def entity_dicts() -> None:
    deal = sm.Deal.from_dict({"deal_id": "d"})
    assert_type(deal, sm.Deal)
    assert_type(deal.to_dict(), dict[str, Any])


def formula_results(
    s: pd.Series[float], a: npt.NDArray[np.float64], values: list[float]
) -> None:
    """
    The scalar / array / Series rule of every plain formula, as inferred.

    Scalars give float (int for exact int sums), a Series first gives a
    Series, an array, list or Index first gives an array. These pin the
    overloads: a new way to write them must infer the same types.
    """
    churn, ltv, cac = sm.churn, sm.ltv, sm.cac
    assert_type(churn.customer_churn_rate(100, 5), float)
    assert_type(churn.customer_churn_rate(s, 5), "pd.Series[float]")
    assert_type(churn.customer_churn_rate(a, a), "npt.NDArray[np.float64]")
    assert_type(churn.customer_churn_rate(values, 5), "npt.NDArray[np.float64]")
    assert_type(churn.gross_mrr_churn_rate(100, 5, 1), float)
    assert_type(churn.gross_mrr_churn_rate(s, 5, 1), "pd.Series[float]")
    assert_type(churn.gross_mrr_churn_rate(a, 5, a), "npt.NDArray[np.float64]")
    assert_type(churn.net_mrr_churn_rate(100, 5, 1, 2), float)
    assert_type(churn.net_mrr_churn_rate(s, 5, 1, 2), "pd.Series[float]")
    assert_type(churn.net_mrr_churn_rate(a, 5, 1, 2), "npt.NDArray[np.float64]")
    assert_type(churn.net_revenue_retention(100, 10, 5, 3), float)
    assert_type(churn.net_revenue_retention(s, 10, 5, 3), "pd.Series[float]")
    assert_type(churn.net_revenue_retention(a, 10, 5, 3), "npt.NDArray[np.float64]")
    assert_type(churn.gross_revenue_retention(100, 10, 5), float)
    assert_type(churn.gross_revenue_retention(s, 10, 5), "pd.Series[float]")
    assert_type(churn.gross_revenue_retention(a, 10, 5), "npt.NDArray[np.float64]")
    assert_type(churn.quick_ratio(100, 10, 5, 3), float)
    assert_type(churn.quick_ratio(s, 10, 5, 3), "pd.Series[float]")
    assert_type(churn.quick_ratio(a, 1, 1, 1), "npt.NDArray[np.float64]")
    assert_type(churn.average_revenue_per_account(100, 5), float)
    assert_type(churn.average_revenue_per_account(s, 5), "pd.Series[float]")
    assert_type(churn.average_revenue_per_account(a, 5), "npt.NDArray[np.float64]")
    assert_type(churn.average_sale_price(100, 5), float)
    assert_type(churn.average_sale_price(s, 5), "pd.Series[float]")
    assert_type(churn.average_sale_price(a, 5), "npt.NDArray[np.float64]")
    assert_type(churn.net_new_mrr(100, 10, 5, 3), int)  # exact for int input
    assert_type(churn.net_new_mrr(100.0, 10, 5, 3), float)
    assert_type(churn.net_new_mrr(s, 10, 5, 3), "pd.Series[Any]")
    assert_type(churn.net_new_mrr(a, 10, 5, 3), "npt.NDArray[Any]")
    assert_type(churn.mrr_growth_rate(100, 110), float)
    assert_type(churn.mrr_growth_rate(s, 110), "pd.Series[float]")
    assert_type(churn.mrr_growth_rate(a, 110), "npt.NDArray[np.float64]")
    assert_type(ltv.lifetime_value(100, 0.05), float)
    assert_type(ltv.lifetime_value(s, 0.05), "pd.Series[float]")
    assert_type(ltv.lifetime_value(a, 0.05), "npt.NDArray[np.float64]")
    assert_type(ltv.expected_lifetime(0.05), float)
    assert_type(ltv.expected_lifetime(s), "pd.Series[float]")
    assert_type(ltv.expected_lifetime(a), "npt.NDArray[np.float64]")
    assert_type(cac.customer_acquisition_cost(100, 12), float)
    assert_type(cac.customer_acquisition_cost(s, 12), "pd.Series[float]")
    assert_type(cac.customer_acquisition_cost(values, 12), "npt.NDArray[np.float64]")
    assert_type(cac.payback_months(250, 50), float)
    assert_type(cac.payback_months(s, 50), "pd.Series[float]")
    assert_type(cac.payback_months(a, 50), "npt.NDArray[np.float64]")
    assert_type(cac.ltv_to_cac(750, 250), float)
    assert_type(cac.ltv_to_cac(s, 250), "pd.Series[float]")
    assert_type(cac.ltv_to_cac(a, 250), "npt.NDArray[np.float64]")
    assert_type(cac.magic_number(1.0, 1, 1), float)
    assert_type(cac.magic_number(s, 1, 1), "pd.Series[float]")
    assert_type(cac.magic_number(a, 1, 1), "npt.NDArray[np.float64]")


def formula_union(value: float | pd.Series[float], values: Any) -> None:
    """A caller holding a union gets the union of results, not an error."""
    rate = sm.churn.customer_churn_rate(value, 1)
    assert_type(rate, "float | pd.Series[float]")
    assert_type(sm.ltv.lifetime_value(values, 0.05), Any)


def formula_mixed(array: npt.NDArray[np.float64], series: pd.Series[float]) -> None:
    """An array first and a Series after it: the result's kind is not static."""
    rate = sm.churn.customer_churn_rate(array, series)
    assert_type(rate, "float | npt.NDArray[Any] | pd.Series[Any]")
    ltv = sm.ltv.lifetime_value(array, series)
    assert_type(ltv, "float | npt.NDArray[Any] | pd.Series[Any]")


def figures(frame: pd.DataFrame, evaluation: sm.HealthEvaluation) -> str:
    from matplotlib.figure import Figure

    led = sm.Ledger.from_subscriptions(frame)
    fig = sm.plots.bridge_waterfall(sm.ledger.bridge(led), since="2025-12")
    assert_type(fig, Figure)
    sm.plots.survival_curves(frame, at_risk=False, ax=fig.axes[0])
    sm.plots.health_bands(evaluation, title="Health")
    sm.plots.tier_mix({"2025-06": frame}, value="mrr_at_start", share=True)
    return sm.plots.to_svg(fig, id_prefix="bridge")


def from_stripe(subscriptions: list[dict[str, object]]) -> sm.Ledger:
    imported: sm.Imported = sm.adapters.stripe.subscriptions(
        subscriptions, exponents="stripe"
    )
    aside: tuple[sm.SetAside, ...] = imported.set_aside
    assert aside is not None
    return sm.Ledger.from_subscriptions(imported.frame)


def from_chargebee(invoices: object, credit_notes: object) -> pd.DataFrame:
    lines = sm.adapters.chargebee.invoice_lines(invoices, credit_notes=credit_notes)
    profiles: int = sm.money.EXPONENT_PROFILES["stripe"]["ISK"]
    assert profiles == 2
    return lines.frame
