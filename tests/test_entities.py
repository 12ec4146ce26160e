"""Entities: numpy integers, and the round trip through dicts and JSON."""

from __future__ import annotations

import datetime as dt
import json

import attrs
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import subscription_metrics as sm
from subscription_metrics import (
    Deal,
    DealKind,
    StaffMember,
    Subscription,
    Ticket,
)
from subscription_metrics._columns import column_specs

from .strategies import ENTITY_CLASSES, entities

ENTITY_IDS = [cls.__name__ for cls in ENTITY_CLASSES]


def test_every_public_entity_is_drawn():
    """A new entity class is round-tripped too, wherever it is defined.

    The strategies take the classes from ``_entities.__all__``; an entity
    exported by the package but missing there would escape the tests.
    """
    public = {
        obj
        for name in sm.__all__
        if attrs.has(obj := getattr(sm, name)) and hasattr(obj, "TABLE")
    }

    assert public == set(ENTITY_CLASSES)
    assert len(ENTITY_CLASSES) >= 12


class TestToDict:
    """Tests for `to_dict` and `from_dict` on every entity."""

    @pytest.mark.parametrize("entity_class", ENTITY_CLASSES, ids=ENTITY_IDS)
    @given(data=st.data())
    def test_json_round_trip_gives_an_equal_entity(
        self, entity_class: type, data: st.DataObject
    ):
        """`from_dict(json.loads(json.dumps(to_dict())))` rebuilds an equal entity."""
        entity = data.draw(entities(entity_class))
        as_dict = entity.to_dict()

        assert entity_class.from_dict(as_dict) == entity
        assert entity_class.from_dict(json.loads(json.dumps(as_dict))) == entity

    @pytest.mark.parametrize("entity_class", ENTITY_CLASSES, ids=ENTITY_IDS)
    @given(data=st.data())
    def test_dict_values_are_json_native(self, entity_class: type, data: st.DataObject):
        """Dates are ISO strings, enums their values, money ints: no Python objects."""
        entity = data.draw(entities(entity_class))

        as_dict = entity.to_dict()

        assert list(as_dict) == list(column_specs(entity_class))
        for value in as_dict.values():
            assert value is None or type(value) in (str, int, float)

    def test_known_dict(self):
        """A deal gives exactly the expected dict."""
        deal = Deal(
            deal_id="d-1",
            customer_id="c-1",
            owner_id="rep-1",
            kind=DealKind.CROSS_SELL,
            mrr=30_000,
            currency="JPY",
            won_on=dt.date(2024, 3, 8),
        )

        data = deal.to_dict()

        assert data["kind"] == "cross_sell"
        assert data["won_on"] == "2024-03-08"
        assert data["mrr"] == 30_000

    def test_times_keep_the_time_of_day(self):
        """A ticket opened at a time of day is read back at the same time."""
        opened = dt.datetime(2024, 5, 1, 9, 30)
        ticket = Ticket.from_dict(
            {"ticket_id": "t", "customer_id": "c", "opened_at": opened.isoformat()}
        )

        assert ticket.opened_at == opened

    def test_unknown_key_is_named(self):
        """A key that is not a field raises ValueError naming it and the fields."""
        with pytest.raises(ValueError, match=r"no field\(s\) \['mrr_usd'\]"):
            Subscription.from_dict({"mrr_usd": 1})

    def test_bad_date_is_named(self):
        """A date string that is not ISO 8601 raises ValueError naming the field."""
        data = {
            "subscription_id": "s",
            "customer_id": "c",
            "start": "01/02/2024",
            "mrr": 1,
            "currency": "JPY",
        }
        with pytest.raises(ValueError, match="'start' must be an ISO 8601 date"):
            Subscription.from_dict(data)

    def test_from_dict_validates(self):
        """The entity's own rules run: a negative amount is refused."""
        data = Subscription(
            subscription_id="s",
            customer_id="c",
            start=dt.date(2024, 1, 1),
            mrr=1,
            currency="JPY",
        ).to_dict()

        with pytest.raises(ValueError, match="'mrr' must be >= 0"):
            Subscription.from_dict({**data, "mrr": -1})


class TestNumpyIntegers:
    """Entities take numpy integers wherever they take ints."""

    @pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16])
    def test_money_and_counts_accept_numpy_integers(self, dtype: type):
        """A numpy integer becomes a plain int (`operator.index`)."""
        staff = StaffMember(
            staff_id="a", role="field_sales", monthly_cost=dtype(900), currency="JPY"
        )

        assert staff.monthly_cost == 900
        assert type(staff.monthly_cost) is int

    def test_numbers_accept_numpy_integers(self):
        """A float field takes a numpy integer too."""
        staff = StaffMember(
            staff_id="a",
            role="field_sales",
            monthly_cost=1,
            currency="JPY",
            fte=np.int64(1),
        )

        assert staff.fte == 1

    @pytest.mark.parametrize("value", [np.True_, True, 1.5, np.float64(2.0), "3"])
    def test_other_values_are_still_refused(self, value: object):
        """Bools, floats and text are not integers, numpy or not."""
        with pytest.raises(TypeError, match="'monthly_cost' must be int"):
            StaffMember(
                staff_id="a", role="field_sales", monthly_cost=value, currency="JPY"
            )

    def test_entities_have_no_instance_dict(self):
        """The shared base class keeps entities slotted."""
        sub = Subscription(
            subscription_id="s",
            customer_id="c",
            start=dt.date(2024, 1, 1),
            mrr=np.int64(5),
            currency="JPY",
        )

        assert not hasattr(sub, "__dict__")
