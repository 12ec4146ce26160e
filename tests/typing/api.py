"""Typed use of the public API, checked by mypy --strict (never executed)."""

from __future__ import annotations

import datetime as dt

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
