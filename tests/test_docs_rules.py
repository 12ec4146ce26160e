"""The how-to on invalid input lists every rule, with the message the library gives.

Two checks keep docs/how-to/fix-invalid-input.md from going stale:

- every rule name the table checks can emit (read from the code of `_schema`,
  the bounds of every column spec, the row rules of the entities, and the
  rules named by the functions that take tables) appears on the page;
- every message the page quotes is the one the library gives today: each case
  below breaks one rule and the page must hold its message word for word.

Run ``python -m tests.test_docs_rules`` to print the messages (to update the page).
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import subscription_metrics as sm
from subscription_metrics import _schema, frames, health, ledger, operations, tiers
from subscription_metrics._columns import TableSchema, column_specs

from .strategies import ENTITY_CLASSES

ROOT = Path(__file__).parents[1]
PAGE = ROOT / "docs" / "how-to" / "fix-invalid-input.md"
SRC = ROOT / "src" / "subscription_metrics"


# --------------------------------------------------------------------------
# Small valid tables, broken one rule at a time below
# --------------------------------------------------------------------------


def _subs(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "subscription_id": ["s1", "s2", "s3"],
        "customer_id": ["c1", "c2", "c3"],
        "start": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-03-05"]),
        "end": pd.to_datetime([None, "2024-06-01", None]),
        "mrr": [9_900, 4_900, 12_000],
        "currency": "USD",
    }
    return pd.DataFrame({**base, **columns})


def _rows(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "customer_id": ["c1", "c1", "c2"],
        "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01"]),
        "mrr": [100, 120, 80],
        "currency": "USD",
    }
    return pd.DataFrame({**base, **columns})


def _staff(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "staff_id": ["a", "b"],
        "role": ["field_sales", "customer_success"],
        "monthly_cost": [500_000, 400_000],
        "currency": "USD",
        "fte": [1.0, 0.5],
    }
    return pd.DataFrame({**base, **columns})


def _rates(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "currency": ["EUR", "JPY"],
        "date": pd.to_datetime(["2024-01-01", "2024-01-01"]),
        "rate": [1.1, 0.0068],
    }
    return pd.DataFrame({**base, **columns})


def _mixed_subs() -> pd.DataFrame:
    return _subs(currency=["USD", "EUR", "JPY"], mrr=[9_900, 4_900, 1_200])


def _led() -> sm.Ledger:
    return sm.Ledger.from_subscriptions(_subs(), through="2024-06")


def _signals(**columns: Any) -> pd.DataFrame:
    base: dict[str, Any] = {
        "feature_usage_rate": [0.5, 0.2, 0.9],
        "active_user_share": [0.8, 0.1, 1.0],
        "logins_per_active_user": [12.0, 2.0, 30.0],
        "tickets_per_account_month": [0.2, 1.5, 0.0],
        "nps": [9.0, 4.0, 10.0],
    }
    index = pd.Index(["c1", "c2", "c3"], name="customer_id")
    return pd.DataFrame({**base, **columns}, index=index)


def _classified(tier: list[Any]) -> pd.DataFrame:
    return pd.DataFrame(
        {"tier": tier}, index=pd.Index(["c1", "c3"], name="customer_id")
    )


def _curve() -> pd.DataFrame:
    return sm.survival.kaplan_meier([1, 2, 2, 3], [1, 1, 0, 1])


def _multi(frame: pd.DataFrame) -> pd.DataFrame:
    columns = pd.MultiIndex.from_tuples([(c, "x") for c in frame.columns])
    return frame.set_axis(columns, axis=1)


def _twice(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return pd.concat([frame, frame[[column]]], axis=1)


def _from_subs(frame: pd.DataFrame, **kwargs: Any) -> Callable[[], object]:
    return lambda: sm.Ledger.from_subscriptions(frame, **kwargs)


def _staff_returns(staff: pd.DataFrame, deals: pd.DataFrame) -> Callable[[], object]:
    return lambda: sm.roi.staff_returns(_led(), staff=staff, deals=deals)


_DEALS = pd.DataFrame(
    {
        "deal_id": ["d1"],
        "customer_id": ["c1"],
        "kind": ["new"],
        "mrr": [9_900],
        "currency": "USD",
        "won_on": pd.to_datetime(["2024-01-10"]),
        "owner_id": ["z"],
    }
)

_LINES = pd.DataFrame(
    {
        "line_id": ["l1", "l2"],
        "customer_id": ["c1", "c1"],
        "kind": ["recurring", "credit_note"],
        "period_start": pd.to_datetime(["2025-01-01", "2025-01-01"]),
        "period_end": pd.to_datetime(["2025-02-01", "2025-02-01"]),
        "amount": [9_900, -900],
        "currency": "USD",
    }
)

_ACTIVITIES = pd.DataFrame(
    {
        "activity_id": ["a1", "a2"],
        "staff_id": ["a", "a"],
        "kind": ["opportunity", "opportunity"],
        "on": pd.to_datetime(["2024-01-10", "2024-01-11"]),
        "mrr": [1_000, 2_000],
        "currency": ["USD", "EUR"],
    }
)

_COSTS = pd.DataFrame(
    {
        "month": pd.to_datetime(["2024-01-01"]),
        "category": ["rent"],
        "amount": [100_000],
        "currency": "USD",
    }
)

_ASSIGNMENTS = pd.DataFrame(
    {
        "customer_id": ["c1", "c1"],
        "staff_id": ["a", "b"],
        "role": ["customer_success", "customer_success"],
        "start": pd.to_datetime(["2024-01-01", "2024-02-01"]),
        "end": pd.to_datetime([None, None]),
    }
)


_ONBOARDING = pd.DataFrame(
    {
        "customer_id": ["c1"],
        "started_on": pd.to_datetime(["2024-03-10"]),
        "completed_on": pd.to_datetime(["2024-03-01"]),
    }
)

_TICKETS = pd.DataFrame(
    {
        "ticket_id": ["t1"],
        "customer_id": ["c1"],
        "opened_at": pd.to_datetime(["2024-03-10 09:00"]),
        "first_response_at": pd.to_datetime(["2024-03-10 08:00"]),
        "resolved_at": pd.to_datetime(["2024-03-09 17:00"]),
    }
)


# --------------------------------------------------------------------------
# One case per rule (and per distinct message of a rule)
# --------------------------------------------------------------------------

#: (rule, call): the call raises `InvalidTableError` with a problem of that rule.
CASES: list[tuple[str, Callable[[], object]]] = [
    # Column names and columns
    ("missing column", _from_subs(_subs().drop(columns="mrr"))),
    ("unique column name", _from_subs(_twice(_subs(), "mrr"))),
    ("one header row", _from_subs(_multi(_subs()))),
    # Identifiers and text
    ("wrong type", _from_subs(_subs(customer_id=[1.5, 2.5, 3.5]))),
    ("wrong type", _from_subs(_subs(plan=[1, 2, 3]))),
    ("not missing", _from_subs(_subs(customer_id=["c1", None, "c3"]))),
    ("not empty", _from_subs(_subs(customer_id=["c1", "", "c3"]))),
    ("unique", _from_subs(_subs(subscription_id=["s1", "s1", "s3"]))),
    # Dates and months
    ("not a date", _from_subs(_subs(start=["2024-01-10", "2024-02-30", "soon"]))),
    ("wrong type", _from_subs(_subs(start=[1.0, 2.0, 3.0]))),
    (
        "wrong type",
        _from_subs(_subs(start=pd.period_range("2024-01", periods=3, freq="M"))),
    ),
    (
        "first day of a month",
        lambda: sm.Ledger.from_monthly_mrr(
            _rows(month=pd.to_datetime(["2024-01-01", "2024-02-15", "2024-01-01"]))
        ),
    ),
    (
        "mixed time-zone-aware and naive dates",
        _from_subs(_subs(start=["2024-01-10", "2024-02-01T00:00+09:00", "2024-03-05"])),
    ),
    (
        "mixed time-zone-aware and naive dates",
        _from_subs(
            _subs(start=pd.to_datetime(["2024-01-10"] * 3).tz_localize("Asia/Tokyo"))
        ),
    ),
    (
        "mixed time zones",
        _from_subs(
            _subs(
                start=pd.to_datetime(["2024-01-10"] * 3).tz_localize("Asia/Tokyo"),
                end=pd.to_datetime(["2024-06-01"] * 3).tz_localize("UTC"),
            )
        ),
    ),
    (
        "end not before start",
        _from_subs(_subs(end=pd.to_datetime([None, "2024-01-01", None]))),
    ),
    # Amounts
    ("not missing", _from_subs(_subs(mrr=[9_900, None, 12_000]))),
    ("finite", _from_subs(_subs(mrr=[9_900.0, np.inf, 12_000.0]))),
    ("not negative", _from_subs(_subs(mrr=[9_900, -500, 12_000]))),
    ("integer minor units", _from_subs(_subs(mrr=[9_900.5, 4_900.0, 12_000.0]))),
    ("integer minor units", _from_subs(_subs(mrr=[2.0**60, 4_900.0, 12_000.0]))),
    (
        "within int64",
        _from_subs(_subs(mrr=pd.Series([2**63, 4_900, 12_000], dtype=object))),
    ),
    ("wrong type", _from_subs(_subs(mrr=[9_900 + 1j, 4_900, 12_000]))),
    ("integer minor units", _from_subs(_subs(mrr=["99.00", "49.00", "120.00"]))),
    ("wrong type", _from_subs(_subs(mrr=["9900", "4900", "12000"]))),
    ("no currency symbol", _from_subs(_subs(mrr=["¥80000", 4_900, 12_000]))),
    (
        "no currency symbol",
        _from_subs(_subs(mrr=["$1,200.00", "49.00", "120.00"]), amounts="major"),
    ),
    ("no thousands separator", _from_subs(_subs(mrr=["50,000", 4_900, 12_000]))),
    (
        "customer-month not negative",
        lambda: sm.Ledger.from_monthly_mrr(_rows(mrr=[100, 120, -80])),
    ),
    (
        "customer-month not negative",
        lambda: sm.Ledger.from_invoice_lines(_LINES.assign(amount=[9_900, -12_000])),
    ),
    (
        "period_end not before period_start",
        lambda: sm.Ledger.from_invoice_lines(
            _LINES.assign(period_end=pd.to_datetime(["2025-01-01", "2024-12-01"]))
        ),
    ),
    (
        "amount, or quantity and unit_amount",
        lambda: sm.Ledger.from_invoice_lines(_LINES.assign(quantity=[1, None])),
    ),
    (
        "exact in minor units",
        _from_subs(
            _subs(mrr=[99.001, 49.0, 120.0]),
            amounts="major",
            conventions=sm.Conventions(money_rounding="exact"),
        ),
    ),
    (
        "convertible to minor units",
        _from_subs(_subs(mrr=["99.00", "n/a", "120.00"]), amounts="major"),
    ),
    # Counts, numbers and enumerations
    (
        "whole number",
        lambda: frames.validate(
            pd.DataFrame({"customer_id": ["c1"], "employees": [2.5]}), sm.Customer
        ),
    ),
    (
        "not negative",
        lambda: frames.validate(
            pd.DataFrame({"customer_id": ["c1"], "employees": [-3]}), sm.Customer
        ),
    ),
    (
        "within (0.0, 1.0]",
        lambda: frames.validate(_staff(fte=[1.0, 1.5]), sm.StaffMember),
    ),
    (
        "allowed value",
        lambda: frames.validate(_staff(role=["field_sales", "ceo"]), sm.StaffMember),
    ),
    (
        "both or neither",
        lambda: frames.validate(
            _ACTIVITIES.assign(currency=["USD", None]), sm.Activity
        ),
    ),
    (
        "completed_on not before started_on",
        lambda: frames.validate(_ONBOARDING, sm.Onboarding),
    ),
    (
        "first_response_at not before opened_at",
        lambda: frames.validate(_TICKETS, sm.Ticket),
    ),
    (
        "resolved_at not before opened_at",
        lambda: frames.validate(_TICKETS, sm.Ticket),
    ),
    # Currencies
    ("known ISO 4217 code", _from_subs(_subs(currency=["USD", "US$", "USD"]))),
    ("one currency unless rates are given", _from_subs(_mixed_subs())),
    (
        "rate for every currency",
        _from_subs(_mixed_subs(), currency="USD", rates=_rates().iloc[:1]),
    ),
    (
        "rate on or before the date",
        _from_subs(
            _mixed_subs(),
            currency="USD",
            rates=_rates(date=pd.to_datetime(["2024-06-01", "2024-01-01"])),
        ),
    ),
    # rates=
    (
        "greater than 0.0",
        _from_subs(_mixed_subs(), currency="USD", rates=_rates(rate=[1.1, -1.0])),
    ),
    (
        "finite",
        _from_subs(_mixed_subs(), currency="USD", rates=_rates(rate=[1.1, np.inf])),
    ),
    (
        "wrong type",
        _from_subs(_mixed_subs(), currency="USD", rates=_rates(rate=[True, False])),
    ),
    (
        "known ISO 4217 code",
        _from_subs(_mixed_subs(), currency="USD", rates={"EUR": 1.1, "XYZ": 2.0}),
    ),
    (
        "unique",
        _from_subs(
            _mixed_subs(), currency="USD", rates=_rates(currency=["EUR", "EUR"])
        ),
    ),
    (
        "missing column",
        _from_subs(_mixed_subs(), currency="USD", rates=_rates().drop(columns="rate")),
    ),
    # Segments (by=)
    ("known attribute", lambda: ledger.bridge(_led(), by="colour")),
    (
        "constant per customer",
        lambda: ledger.bridge(
            sm.Ledger.from_monthly_mrr(_rows(segment=["smb", "mid", "smb"])),
            by="segment",
        ),
    ),
    # Sums of money
    ("sums fit in int64", _from_subs(_subs(mrr=[2**62, 2**62, 1]))),
    (
        "sums fit in int64",
        lambda: sm.Ledger.from_monthly_mrr(
            _rows(
                customer_id=["c1", "c1", "c2"],
                month=pd.to_datetime(["2024-01-01"] * 3),
                mrr=[2**62, 2**62, 1],
            )
        ),
    ),
    # Other tables
    ("a staff_id of the staff table", _staff_returns(_staff(), _DEALS)),
    (
        "the ledger's currency (USD)",
        _staff_returns(_staff(currency="EUR"), _DEALS.assign(owner_id="a")),
    ),
    (
        "holds the chosen categories",
        lambda: sm.cac.acquisition_costs(_led(), costs=_COSTS),
    ),
    ("one currency", lambda: operations.activity_kpis(_ACTIVITIES, staff=_staff())),
    (
        "opportunities carry mrr and currency",
        lambda: operations.activity_kpis(
            _ACTIVITIES.assign(mrr=[None, None], currency=[None, None]), staff=_staff()
        ),
    ),
    (
        "no overlap within a customer and role",
        lambda: sm.scorecards.attribution(_led(), assignments=_ASSIGNMENTS),
    ),
    # Health signals and scores
    ("wrong type", lambda: health.score(_signals(nps=["high", "low", "high"]))),
    (
        "within [0.0, 1.0]",
        lambda: health.score(_signals(feature_usage_rate=[0.5, 1.5, 0.9])),
    ),
    (
        "at least 0.0",
        lambda: health.score(_signals(logins_per_active_user=[12.0, -1.0, 3.0])),
    ),
    ("within [0.0, 10.0]", lambda: health.score(_signals(nps=[9.0, 11.0, 10.0]))),
    (
        "unique",
        lambda: health.score(
            _signals().set_axis(pd.Index(["c1", "c1", "c3"], name="customer_id"))
        ),
    ),
    (
        "one index level",
        lambda: health.score(
            _signals().set_axis(
                pd.MultiIndex.from_tuples(
                    [("a", "c1"), ("a", "c2"), ("b", "c3")],
                    names=["team", "customer_id"],
                )
            )
        ),
    ),
    (
        "within [0.0, 100.0]",
        lambda: health.evaluate(
            _led(),
            scores=pd.DataFrame(
                {"score": [180.0, 20.0, 50.0]}, index=["c1", "c2", "c3"]
            ),
            as_of="2024-02",
        ),
    ),
    # Tiers
    ("1, 2 or 3", lambda: tiers.movements(_classified([7, 1]), _classified([1, 2]))),
    (
        "whole number",
        lambda: tiers.movements(_classified([1.5, 1]), _classified([1, 2])),
    ),
    ("wrong type", lambda: tiers.movements(_classified(["1", 1]), _classified([1, 2]))),
    (
        "known to the ledger",
        lambda: tiers.summary(
            _led(),
            classified=_classified([1, 2]).set_axis(
                pd.Index(["c1", "c9"], name="customer_id")
            ),
            as_of="2024-03",
        ),
    ),
    (
        "not a computed column",
        lambda: tiers.account_features(
            _led(), customers=pd.DataFrame({"customer_id": ["c1"], "seat_gap": [3]})
        ),
    ),
    ("missing column", lambda: tiers.classify(pd.DataFrame({"arr": [1_000_000]}))),
    (
        "comparable with rule 'tier1_large_with_room'",
        lambda: tiers.classify(
            pd.DataFrame(
                {
                    "arr": ["big"],
                    "seat_gap": [1.0],
                    "employees": [10],
                    "health_score": [50.0],
                }
            )
        ),
    ),
    # Survival curves
    (
        "missing column",
        lambda: sm.survival.median_lifetime(_curve().drop(columns="lower")),
    ),
    (
        "unique column name",
        lambda: sm.survival.median_lifetime(_twice(_curve(), "survival")),
    ),
    (
        "wrong type",
        lambda: sm.survival.median_lifetime(
            _curve().assign(survival=["1", "0.75", "0.5", "0"])
        ),
    ),
    (
        "within [0.0, 1.0]",
        lambda: sm.survival.median_lifetime(_curve().assign(upper=1.5)),
    ),
    (
        "at least 0.0",
        lambda: sm.survival.median_lifetime(
            _curve().set_axis(pd.Index([-1, 1, 2, 3], name="time"))
        ),
    ),
    (
        "unique",
        lambda: sm.survival.median_lifetime(
            _curve().set_axis(pd.Index([0, 1, 1, 3], name="time"))
        ),
    ),
    (
        "not increasing over time",
        lambda: sm.survival.median_lifetime(
            _curve().assign(survival=[0.5, 0.75, 0.8, 1.0])
        ),
    ),
    (
        "index ending in 'time'",
        lambda: sm.survival.median_lifetime(_curve().reset_index()),
    ),
]


def message(rule: str, call: Callable[[], object]) -> str:
    """The line the library prints for the problem of `rule` that `call` raises."""
    with pytest.raises(sm.InvalidTableError) as info:
        call()
    found = [p for p in info.value.problems if p.rule == rule]
    assert found, f"{rule!r} not among {[str(p) for p in info.value.problems]}"
    return str(found[0])


def _page() -> str:
    # Table cells escape the pipe; the page's text reads as the message.
    return PAGE.read_text("utf-8").replace("\\|", "|")


@pytest.mark.parametrize(
    ("rule", "call"), CASES, ids=[f"{i}-{r}" for i, (r, _) in enumerate(CASES)]
)
def test_the_page_quotes_the_message(rule: str, call: Callable[[], object]):
    line = message(rule, call)
    assert f"`{line}`" in _page(), f"the page does not quote:\n{line}"


# --------------------------------------------------------------------------
# Every rule name the checks can emit
# --------------------------------------------------------------------------


def _literal_rules(path: Path) -> set[str]:
    """Rule names written as literals: ``check.add(col, "rule")``, ``rule="..."``."""
    rules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "add"
            and len(node.args) >= 2
        ):
            arg = node.args[1]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                rules.add(arg.value)
        name = getattr(func, "id", getattr(func, "attr", ""))
        if name not in ("Problem", "_problem"):
            continue  # SetAside notes are not problems
        for keyword in node.keywords:
            if keyword.arg == "rule" and isinstance(keyword.value, ast.Constant):
                rules.add(str(keyword.value.value))
    return rules


def _schemas() -> list[Any]:
    """Every entity class and every table schema the library checks tables by."""
    from subscription_metrics import _health, _km

    built = [
        _km._curve_schema(),
        tiers._tier_schema("before"),
        TableSchema(table="signals", columns=dict(_health.SIGNAL_SPECS)),
    ]
    return [*ENTITY_CLASSES, *built]


def emitted_rules() -> set[str]:
    """Every rule name a table check can give, found in the code and the specs."""
    rules: set[str] = set()
    for path in sorted(SRC.glob("*.py")):
        rules |= _literal_rules(path)
    for schema in _schemas():
        for spec in column_specs(schema).values():
            if spec.kind == "number":
                rules.add(spec.bounds)
        for rule in getattr(schema, "ROW_RULES", ()):
            rules.add(rule.name)
    # Rules of the one-number arguments (durations, alive, ...) are ValueErrors
    # phrased "must ...", not table rules; they read "be ...".
    return {
        r
        for r in rules
        if not r.startswith(("be ", "start with", "have NaN", "not increase"))
    }


def test_the_page_names_every_rule():
    page = _page()
    missing = sorted(r for r in emitted_rules() if f"`{r}`" not in page)
    assert not missing, f"rules the how-to does not list: {missing}"


def test_the_rule_finder_sees_the_schema_rules():
    """The finder is not vacuous: it sees rules of each kind of source."""
    rules = emitted_rules()
    assert {"missing column", "not negative", "within int64"} <= rules  # _schema
    assert "within (0.0, 1.0]" in rules  # a bound of a spec (fte)
    assert "end not before start" in rules  # a row rule
    assert "sums fit in int64" in rules  # _overflow
    assert "index ending in 'time'" in rules  # survival curves


def test_check_table_uses_no_rule_outside_the_finder():
    """Every rule literal of `check_table` and `check_frame` is found."""
    source = inspect.getsource(_schema)
    quoted = set(re.findall(r'check\.add\(\s*\w+,\s*"([^"]+)"', source))
    assert quoted <= emitted_rules()


if __name__ == "__main__":
    for rule, call in CASES:
        try:
            print(f"{rule}\t{message(rule, call)}")
        except BaseException as exc:
            print(f"{rule}\tFAILED: {type(exc).__name__}: {exc}")
