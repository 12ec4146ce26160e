"""Fits the library runs itself flag the sBG bound in the result, and do not warn.

`survival.sbg_fit` and `sbg_fit_lifetimes` warn (`BoundaryFitWarning`) when a
fit runs to the parameter bound: the caller asked for that one fit. Where
the library fits many segments inside one call (`survival.early_ltv`,
`survival.backtest`, the scorecards), a warning per call would say little
and repeat on every report; the result carries the fact per row instead:
``model`` in `early_ltv` and ``ltv_model`` in the scorecards (``'geometric'``
at the bound), with ``thin`` where a fit did not converge
(docs/reference/warnings.md). The sample's enterprise customers churn alike,
so their fit reaches the bound.
"""

from __future__ import annotations

import warnings

import pytest

import subscription_metrics as sm


@pytest.fixture(scope="module")
def led() -> sm.Ledger:
    sample = sm.datasets.load_sample()
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers
    )


def test_the_enterprise_fit_alone_warns(led):
    """The same lifetimes given to the public fit warn: the case is real."""
    life = sm.survival.lifetimes(led, by="segment")
    enterprise = life[life["segment"] == "enterprise"]
    with pytest.warns(sm.BoundaryFitWarning):
        fit = sm.survival.sbg_fit_lifetimes(enterprise["age"], enterprise["observed"])
    assert not fit.converged


@pytest.mark.parametrize(
    "call",
    [
        lambda led: sm.survival.early_ltv(led, by="segment", seed=1)["model"],
        lambda led: sm.scorecards.acquisition_quality(led, by="segment")["ltv_model"],
    ],
    ids=["early_ltv", "acquisition_quality"],
)
def test_internal_fits_flag_the_bound_without_warning(led, call):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = call(led)
    assert model["enterprise"] == "geometric"
    assert model["smb"] == "sbg"


def test_scorecards_carry_the_flag_per_row(led):
    sample = sm.datasets.load_sample()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        card = sm.scorecards.scorecard(
            led, staff=sample.staff, deals=sample.deals, by="team"
        )
    assert set(card["ltv_model"].dropna()) <= {"sbg", "geometric"}
    assert "ltv_model" in sm.scorecards.SCORECARD_COLUMNS


def test_backtest_does_not_warn(led):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = sm.survival.backtest(led, by="segment")
    assert len(table) > 0
