"""Survival of customers: Kaplan-Meier curves and the shifted-beta-geometric model.

Two tools for the question "how long do customers stay?", both honest about
customers whose churn has not happened yet (right-censoring):

- `kaplan_meier` estimates the survival curve from the data alone, one curve
  per segment for any number of segments in one vectorised call, with
  Greenwood confidence intervals; `survival_at` reads it at chosen horizons
  and `median_lifetime` gives the median with its interval.
- The shifted-beta-geometric (sBG) model of Fader & Hardie (2007) fits two
  parameters to the first periods of retention and projects beyond them,
  capturing that retention rises with tenure because customers differ.
  `sbg_fit` takes survivor counts by cohort and `sbg_fit_lifetimes` one
  lifetime per customer (per segment); `sbg_survival`, `sbg_retention`,
  `sbg_churn_probability`, `sbg_expected_lifetime`, `sbg_del` and `sbg_derl`
  evaluate the model; `sbg_survival_interval` and `sbg_del_interval` add
  parametric-bootstrap intervals, finite at the geometric limit.
- From a `Ledger`: `lifetimes` gives one lifetime per customer (or per paid
  spell, by ``Conventions.lifetime_spells``) censored at ``as_of``;
  `early_ltv` turns them into projected retention and LTV per segment, with
  intervals and a ``thin`` flag; `backtest` checks how well fits on each
  customer's first months predicted what happened.

Times are in the caller's periods (months, usually). A quantity never reached
is ``inf``; a value the data cannot know (survival beyond the longest
observation) is NaN, never 0.
"""

from __future__ import annotations

from ._km import CURVE_COLUMNS, kaplan_meier, median_lifetime, survival_at
from ._lifetimes import (
    BACKTEST_COLUMNS,
    LIFETIME_COLUMNS,
    backtest,
    early_ltv,
    lifetimes,
)
from ._sbg import (
    FIT_COLUMNS,
    sbg_churn_probability,
    sbg_del,
    sbg_del_interval,
    sbg_derl,
    sbg_expected_lifetime,
    sbg_fit,
    sbg_fit_lifetimes,
    sbg_log_likelihood,
    sbg_retention,
    sbg_survival,
    sbg_survival_interval,
)

__all__ = [
    "BACKTEST_COLUMNS",
    "CURVE_COLUMNS",
    "FIT_COLUMNS",
    "LIFETIME_COLUMNS",
    "backtest",
    "early_ltv",
    "kaplan_meier",
    "lifetimes",
    "median_lifetime",
    "sbg_churn_probability",
    "sbg_del",
    "sbg_del_interval",
    "sbg_derl",
    "sbg_expected_lifetime",
    "sbg_fit",
    "sbg_fit_lifetimes",
    "sbg_log_likelihood",
    "sbg_retention",
    "sbg_survival",
    "sbg_survival_interval",
    "survival_at",
]
