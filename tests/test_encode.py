"""The JSON encoding and the Parquet files of results round-trip exactly."""

from __future__ import annotations

import importlib
import io
import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import _cli, encoding
from subscription_metrics._cli import VIEWS

from .strategies import conventions, monthly_rows, subscriptions

# Floats of every kind: the encoding must keep each one bit for bit.
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.1, 1 / 3, -0.0, 5e-324, 1.7976931348623157e308, math.inf, -math.inf, math.nan]
)
ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
freqs = st.sampled_from(["M", "Q", "Y", "D"])


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    """Result-shaped frames: a period index, money ints, rates with NaN and inf."""
    size = draw(st.integers(min_value=0, max_value=8))
    freq = draw(freqs)
    start = draw(st.integers(min_value=0, max_value=600))
    index = pd.period_range(
        pd.Period(ordinal=start, freq=freq),
        periods=size,
        name=draw(st.sampled_from(["month", "period", "cohort"])),
    )
    data = {
        "mrr_at_end": np.array(draw(st.lists(ints, min_size=size, max_size=size))),
        "churn_rate": np.array(
            draw(st.lists(floats, min_size=size, max_size=size)), dtype=np.float64
        ),
        "partial": np.array(
            draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool
        ),
        "segment": pd.array(
            draw(
                st.lists(st.none() | st.text(max_size=5), min_size=size, max_size=size)
            ),
            dtype="string",
        ),
        "end_month": pd.PeriodIndex(
            [
                None if missing else pd.Period("2024-01", "M")
                for missing in draw(
                    st.lists(st.booleans(), min_size=size, max_size=size)
                )
            ],
            freq="M",
        ),
        "spend": pd.array(
            draw(st.lists(st.none() | ints, min_size=size, max_size=size)),
            dtype="Int64",
        ),
    }
    frame = pd.DataFrame(data, index=index)
    if draw(st.booleans()):
        frame.attrs["currency"] = draw(st.sampled_from(["USD", "JPY", "KWD"]))
    if draw(st.booleans()):
        frame.attrs["deals_set_aside"] = draw(st.integers(0, 10))
    return frame


def _same_floats(left: np.ndarray, right: np.ndarray) -> bool:
    """Bit-for-bit equal (so -0.0 differs from 0.0 and NaN equals NaN)."""
    return left.tobytes() == right.tobytes()


@given(floats)
def test_every_float_round_trips_bit_for_bit(value):
    text = encoding.dumps({"x": value})
    back = encoding.decode_float(json.loads(text)["x"])
    assert _same_floats(np.array([back]), np.array([value])) or (
        math.isnan(value) and math.isnan(back)
    )


@given(frames())
def test_frames_round_trip_through_strict_json(frame):
    text = encoding.dumps(frame)  # allow_nan=False inside: would raise on NaN
    back = encoding.decode_frame(json.loads(text))

    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.attrs == frame.attrs
    assert _same_floats(
        back["churn_rate"].to_numpy()[~np.isnan(frame["churn_rate"].to_numpy())],
        frame["churn_rate"].to_numpy()[~np.isnan(frame["churn_rate"].to_numpy())],
    )


@given(frames())
def test_encoding_is_deterministic_and_json_native(frame):
    text = encoding.dumps(frame)
    assert text == encoding.dumps(frame.copy())
    assert "NaN," not in text.replace('"NaN"', "")
    json.loads(text, parse_constant=pytest.fail)  # no bare NaN / Infinity tokens


@given(frames(), st.integers(min_value=0, max_value=5))
def test_series_round_trip(frame, column):
    series = frame.iloc[:, column]
    back = encoding.decode_series(json.loads(encoding.dumps(series)))
    pd.testing.assert_series_equal(back, series, check_exact=True)


def test_months_quarters_years_dates_have_documented_text():
    values = {
        "month": pd.Period("2024-05", "M"),
        "quarter": pd.Period("2024Q2", "Q"),
        "year": pd.Period("2024", "Y"),
        "date": pd.Timestamp("2024-05-01"),
        "time": pd.Timestamp("2024-05-01 09:30"),
        "nan": math.nan,
        "inf": math.inf,
        "minus_inf": -math.inf,
        "missing": pd.NA,
        "int": np.int64(2**62),
    }
    assert encoding.encode(values) == {
        "month": "2024-05",
        "quarter": "2024Q2",
        "year": "2024",
        "date": "2024-05-01",
        "time": "2024-05-01T09:30:00",
        "nan": "NaN",
        "inf": "Infinity",
        "minus_inf": "-Infinity",
        "missing": None,
        "int": 2**62,
    }


def test_money_and_currency_are_kept():
    assert encoding.encode(sm.Money(minor=4_999, currency="usd")) == {
        "currency": "USD",
        "minor": 4_999,
    }
    frame = sm.ledger.bridge(_sample_ledger())
    encoded = encoding.encode(frame)
    assert encoded["currency"] == "JPY"
    assert isinstance(encoded["rows"][-1]["mrr_at_end"], int)
    assert encoded["rows"][-1]["mrr_at_end"] == int(frame["mrr_at_end"].iloc[-1])


def test_result_records_encode_by_field():
    fit = sm.survival.sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
    encoded = encoding.encode(fit)
    assert encoded["alpha"] == fit.alpha  # every digit kept
    assert encoded["n_customers"] == 1000
    assert json.loads(json.dumps(encoded, allow_nan=False)) == encoded

    roi = sm.roi.staff_roi(130_000, 1_000_000, 0.0)
    assert encoding.encode(roi)["ltv_created"] == "Infinity"
    policy = encoding.encode(sm.tiers.default_policy())
    assert policy["rules"][0]["name"] == "tier1_large_with_room"
    assert encoding.encode(sm.Conventions()) == sm.Conventions().as_dict()


def test_unknown_objects_are_refused():
    with pytest.raises(TypeError, match="no JSON encoding for object"):
        encoding.encode(object())
    with pytest.raises(TypeError, match="timedelta"):
        encoding.encode(pd.DataFrame({"wait": pd.to_timedelta([1], unit="h")}))


def test_decode_refuses_what_is_not_a_table():
    with pytest.raises(ValueError, match="not an encoded table"):
        encoding.decode_frame({"rows": []})
    with pytest.raises(ValueError, match="a float must be"):
        encoding.decode_float("nan")


def _sample_ledger() -> sm.Ledger:
    sample = sm.datasets.load_sample()
    return sm.Ledger.from_subscriptions(
        sample.subscriptions, customers=sample.customers, through=sample.as_of
    )


def _view_frames() -> dict[str, pd.DataFrame]:
    """Every table the command line's views show for the bundled sample."""
    from subscription_metrics import _cli

    shown: dict[str, pd.DataFrame] = {}
    original = _cli._write_json

    def keep(view, inputs, out):
        for name, frame in view.frames.items():
            shown[f"{view.title.split()[0]}-{name}"] = frame

    _cli._write_json = keep
    try:
        for view in VIEWS:
            assert _cli.main([view, "--format", "json"], out=io.StringIO()) == 0
    finally:
        _cli._write_json = original
    return shown


@pytest.fixture(scope="module")
def view_frames() -> dict[str, pd.DataFrame]:
    return _view_frames()


def test_every_table_of_every_view_round_trips(view_frames):
    assert len(view_frames) >= 10
    for name, frame in view_frames.items():
        back = encoding.decode_frame(json.loads(encoding.dumps(frame)))
        pd.testing.assert_frame_equal(back, frame, check_exact=True, obj=name)
        assert back.attrs == frame.attrs, name


def test_every_table_of_every_view_round_trips_through_parquet(view_frames, tmp_path):
    for name, frame in view_frames.items():
        path = encoding.to_parquet(frame, tmp_path / f"{name}.parquet")
        back = encoding.read_parquet(path)
        pd.testing.assert_frame_equal(back, frame, check_exact=True, obj=name)
        assert back.attrs == frame.attrs, name


@given(frames())
def test_parquet_round_trips(frame):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = encoding.to_parquet(frame, Path(folder) / "t.parquet")
        back = encoding.read_parquet(path)
    pd.testing.assert_frame_equal(back, frame, check_exact=True)
    assert back.attrs == frame.attrs


def test_duckdb_reads_months_as_dates_with_the_currency(tmp_path):
    frame = sm.ledger.bridge(_sample_ledger())
    path = encoding.to_parquet(frame, tmp_path / "bridge.parquet")

    relation = duckdb.sql(f"select * from read_parquet('{path}')")
    types = dict(zip(relation.columns, map(str, relation.types), strict=True))
    first = duckdb.sql(
        f"select month, mrr_at_end, currency from read_parquet('{path}') "
        "order by month limit 1"
    ).fetchall()[0]

    assert types["month"] == "DATE"
    assert types["mrr_at_end"] == "BIGINT"
    assert types["currency"] == "VARCHAR"
    assert first == (
        frame.index[0].start_time.date(),
        int(frame["mrr_at_end"].iloc[0]),
        "JPY",
    )


def test_duckdb_reads_non_finite_floats_as_floats(tmp_path):
    frame = pd.DataFrame(
        {"payback_months": [1.5, math.inf, math.nan]},
        index=pd.period_range("2024Q1", periods=3, freq="Q", name="period"),
    )
    path = encoding.to_parquet(frame, tmp_path / "cac.parquet")
    rows = duckdb.sql(
        f"select period, payback_months from read_parquet('{path}') order by period"
    ).fetchall()
    assert [str(r[0]) for r in rows] == ["2024-01-01", "2024-04-01", "2024-07-01"]
    assert rows[0][1] == 1.5
    assert rows[1][1] == math.inf
    assert math.isnan(rows[2][1])


# --- the command line --------------------------------------------------------


def test_cli_json_tables_decode_to_what_the_library_returns():
    out = io.StringIO()
    assert _cli.main(["bridge", "--format", "json"], out=out) == 0
    payload = json.loads(out.getvalue(), parse_constant=pytest.fail)

    back = encoding.decode_frame(payload["bridge"])
    pd.testing.assert_frame_equal(back, sm.ledger.bridge(_sample_ledger()))
    assert back.attrs == {"currency": "JPY"}
    assert payload["conventions"] == sm.Conventions().as_dict()


def test_cli_json_encodes_infinity_and_nan_as_strings():
    out = io.StringIO()
    assert _cli.main(["ltv", "--format", "json"], out=out) == 0
    text = out.getvalue()
    json.loads(text, parse_constant=pytest.fail)  # strict JSON
    assert '"NaN"' in text or '"Infinity"' in text
    frame = encoding.decode_frame(json.loads(text)["ltv"])
    assert frame["lifetime_value"].dtype == np.float64


@pytest.mark.parametrize("view", ["bridge", "tiers", "operations"])
def test_cli_parquet_writes_one_file_per_table(view, tmp_path):
    folder = tmp_path / "out"
    out = io.StringIO()
    status = _cli.main([view, "--format", "parquet", "--output", str(folder)], out=out)

    written = sorted(folder.glob("*.parquet"))
    assert status == 0
    assert [str(p) for p in written] == sorted(out.getvalue().split())
    assert len(written) >= 1
    for path in written:
        frame = encoding.read_parquet(path)
        assert len(frame.columns) > 0
    if view == "bridge":
        month = duckdb.sql(f"select month from '{folder / 'bridge.parquet'}'")
        assert str(month.types[0]) == "DATE"


def test_cli_parquet_needs_a_folder(tmp_path, capsys):
    assert _cli.main(["bridge", "--format", "parquet"], out=io.StringIO()) == 2
    assert "--output FOLDER" in capsys.readouterr().err
    file = tmp_path / "file.txt"
    file.write_text("x")
    args = ["bridge", "--format", "parquet", "--output", str(file)]
    assert _cli.main(args, out=io.StringIO()) == 2
    assert "not a folder" in capsys.readouterr().err


# --- saving and loading a ledger ---------------------------------------------


def _assert_same_ledger(back: sm.Ledger, led: sm.Ledger) -> None:
    """Every field equal, and the figures computed from it too."""
    assert back.currency == led.currency
    assert back.conventions == led.conventions
    assert back.source == led.source
    assert back.first_month == led.first_month
    assert back.last_month == led.last_month
    assert back.set_aside == led.set_aside
    pd.testing.assert_frame_equal(back.customers, led.customers, check_exact=True)
    pd.testing.assert_frame_equal(back._rows, led._rows, check_exact=True)
    for name in ("customer", "month", "mrr_change", "mrr_after", "kind"):
        left, right = getattr(back._events, name), getattr(led._events, name)
        assert left.dtype == right.dtype, name
        np.testing.assert_array_equal(left, right, err_msg=name)
    if led.last_month is not None:
        pd.testing.assert_frame_equal(sm.ledger.bridge(back), sm.ledger.bridge(led))


@pytest.mark.slow
@given(subscriptions(), conventions)
def test_a_ledger_round_trips_through_strict_json(subs, chosen):
    led = sm.Ledger.from_subscriptions(subs, conventions=chosen, currency="USD")
    text = json.dumps(led.to_dict(), allow_nan=False)

    _assert_same_ledger(sm.Ledger.from_dict(json.loads(text)), led)
    assert encoding.encode(led) == led.to_dict()


@pytest.mark.slow
@given(monthly_rows())
def test_a_monthly_ledger_round_trips_through_parquet(rows):
    import tempfile

    led = sm.Ledger.from_monthly_mrr(rows)
    with tempfile.TemporaryDirectory() as folder:
        led.to_parquet(folder)
        _assert_same_ledger(sm.Ledger.read_parquet(folder), led)


def test_the_sample_ledger_round_trips_with_what_it_set_aside(tmp_path):
    led = _sample_ledger()
    assert led.set_aside  # the sample sets some subscriptions aside

    folder = led.to_parquet(tmp_path / "ledger")
    again = led.to_parquet(tmp_path / "ledger")  # a task that runs twice
    back = sm.Ledger.read_parquet(folder)

    assert again == folder
    _assert_same_ledger(back, led)
    pd.testing.assert_frame_equal(
        sm.churn.rates(back, by="segment"), sm.churn.rates(led, by="segment")
    )
    events = duckdb.sql(f"select month from '{folder / 'events.parquet'}' limit 1")
    assert str(events.types[0]) == "DATE"


def test_loading_refuses_what_is_not_a_saved_ledger(tmp_path):
    with pytest.raises(ValueError, match="not a saved ledger"):
        sm.Ledger.from_dict({"format": "something else"})
    with pytest.raises(FileNotFoundError, match=r"no ledger\.json"):
        sm.Ledger.read_parquet(tmp_path)


def _returned_classes() -> set[type]:
    """The library's classes that its public functions return (from their hints)."""
    import inspect
    import re

    found: set[type] = set()
    modules = [getattr(sm, name) for name in sm.__all__ if name.islower()]
    for module in modules:
        for name in module.__all__:
            function = getattr(module, name)
            if not inspect.isfunction(function):
                continue
            hint = str(function.__annotations__.get("return", ""))
            for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", hint):
                candidate = function.__globals__.get(word)
                if isinstance(candidate, type) and candidate.__module__.startswith(
                    "subscription_metrics"
                ):
                    found.add(candidate)
    return found


def test_every_result_class_is_importable_from_a_public_module():
    """Results and the Ledger have a public name, for allow-lists and pickling."""
    returned = _returned_classes()
    assert {sm.SbgFit, sm.StaffRoi, sm.HealthEvaluation, sm.TierPolicy} <= returned
    for cls in returned | {sm.Ledger, sm.SetAside}:
        module = cls.__module__
        if any(part.startswith("_") for part in module.split(".")):
            assert getattr(sm, cls.__name__, None) is cls, cls  # a public alias
        else:
            assert getattr(importlib.import_module(module), cls.__name__) is cls


def test_results_pickle_through_their_public_names():
    import pickle

    fit = sm.survival.sbg_fit([1000, 631, 468, 382, 326, 289, 262, 241])
    assert pickle.loads(pickle.dumps(fit)) == fit
    roi = sm.roi.staff_roi(130_000, 1_000_000, 0.02)
    assert pickle.loads(pickle.dumps(roi)) == roi


def _every_dtype() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "opened_at": pd.to_datetime(
                ["2024-01-01 10:00:00.123456789", None], format="ISO8601"
            ).tz_localize("Europe/Paris"),
            "resolved_at": pd.to_datetime(
                ["2024-01-01 10:00:00.123456789", "2024-01-02"], format="ISO8601"
            ),
            "score": pd.array([1.5, None], dtype="Float64"),
            "churned": pd.array([True, None], dtype="boolean"),
            "big": np.array([1, 2**64 - 1], dtype=np.uint64),
            "small": np.array([0.1, np.inf], dtype=np.float32),
            "band": pd.Categorical(["x", None], categories=["y", "x"]),
            "tier": pd.array([1, None], dtype="Int8"),
            "quarter": pd.PeriodIndex(["2024Q1", None], freq="Q"),
        },
        index=pd.Index([3, 1]),
    )
    frame.columns.name = "columns"
    return frame


@pytest.mark.parametrize("rows", [2, 0])
def test_every_dtype_round_trips(rows, tmp_path):
    frame = _every_dtype().iloc[:rows]
    back = encoding.decode_frame(json.loads(encoding.dumps(frame)))
    pd.testing.assert_frame_equal(back, frame, check_exact=True)

    path = encoding.to_parquet(frame, tmp_path / "every.parquet")
    pd.testing.assert_frame_equal(encoding.read_parquet(path), frame, check_exact=True)
