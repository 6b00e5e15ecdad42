"""The engine's events, commands and Step, the order's Transition / OrderFill and the Fill the
kernel gives strategies, as msgspec Structs: frozen, equal and hashed by value, positional and
keyword construction with the documented defaults, pickled and serialised for the API like the
dataclasses they replaced."""

from __future__ import annotations

import pickle
from datetime import datetime

import msgspec
import pytest

from kistrade.domain.intents import IntentPurpose, OrderIntent
from kistrade.domain.orders import OrderFill, OrderState, Transition
from kistrade.domain.types import KST, Fill, OrderType, Side, Symbol
from kistrade.engine import events as ev
from kistrade.interfaces.http.serialize import to_jsonable

SYM = Symbol("005930")
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)
INTENT = OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY)

SAMPLES: list[msgspec.Struct] = [
    ev.OrderSent("c1", TS),
    ev.OrderAccepted(TS, "0000000001"),
    ev.OrderRejected(TS, "no", client_order_id="c1"),
    ev.OrderFilled(TS, "f1", 3, 70_000, client_order_id="c1", commission=9),
    ev.OrderCancelled(TS, broker_order_id="0000000001"),
    ev.CancelRefused(TS, "late", client_order_id="c1"),
    ev.OrderRevised(TS, "0000000002", 69_900, client_order_id="c1"),
    ev.OrderExpired(TS, client_order_id="c1"),
    ev.SubmitOrder("c1", SYM, Side.BUY, OrderType.MARKET, 3, None, IntentPurpose.ENTRY, TS),
    ev.CancelOrder("c1", "0000000001", "00950", SYM, 3, TS),
    ev.ReviseOrder("c1", "0000000001", None, SYM, 3, 69_900, TS),
    ev.StateChanged(TS, ev.TradingState.ACTIVE, ev.TradingState.HALTED, "loss", "rule:daily_loss"),
    ev.IntentDenied(TS, INTENT, ev.RiskRule.CASH, "no room"),
    ev.OrderUpdated(TS, "c1", OrderState.NEW, OrderState.SUBMITTED),
    ev.FillApplied(TS, "c1", "f1", SYM, Side.BUY, 3, 70_000, 29, 0, 0),
    ev.DuplicateFill(TS, "c1", "f1"),
    ev.UnknownOrderEvent(TS, ev.OrderSent("c9", TS), "no order c9 is tracked"),
    ev.InvalidBrokerEvent(TS, "c1", ev.OrderExpired(TS), "bad"),
    Transition(TS, OrderState.NEW, OrderState.SUBMITTED),
    OrderFill("f1", 3, 70_000, TS, 29, 0),
    Fill("c1", "0000000001", SYM, Side.SELL, 3, 70_000, TS, 29, 441),
]


@pytest.mark.parametrize("value", SAMPLES, ids=lambda v: type(v).__name__)
def test_values_are_frozen_and_equal_by_value(value: msgspec.Struct) -> None:
    cls = type(value)
    fields = value.__struct_fields__
    again = cls(*(getattr(value, f) for f in fields))
    assert again == value and hash(again) == hash(value) and repr(again) == repr(value)
    assert cls(**{f: getattr(value, f) for f in fields}) == value
    assert pickle.loads(pickle.dumps(value)) == value
    with pytest.raises(AttributeError):
        setattr(value, fields[0], None)
    if "ts" in fields:
        assert msgspec.structs.replace(value, ts=None) != value
    assert repr(value).startswith(f"{cls.__name__}({fields[0]}=")
    assert set(to_jsonable(value)) == set(fields)


def test_defaults_are_the_documented_ones() -> None:
    assert ev.OrderAccepted(TS, "1") == ev.OrderAccepted(TS, "1", None, None)
    assert ev.OrderFilled(TS, "f", 1, 2).commission is None
    assert ev.OrderCancelled(TS).reason == ""
    assert ev.CancelOrder("c", "b", None, SYM, 1, TS).reason == ""
    assert ev.OrderUpdated(TS, "c", OrderState.NEW, OrderState.CANCELLED).reason == ""
    assert Transition(TS, OrderState.NEW, OrderState.CANCELLED).reason == ""
    fill = Fill("c", "b", SYM, Side.BUY, 1, 2, TS)
    assert (fill.commission, fill.tax) == (0, 0) and fill == Fill("c", "b", SYM, Side.BUY, 1, 2, TS, 0, 0)


def test_each_step_has_its_own_lists() -> None:
    a, b = ev.Step(), ev.Step()
    a.commands.append(ev.CancelOrder("c1", "0000000001", "00950", SYM, 3, TS))
    a.events.append(ev.DuplicateFill(TS, "c1", "f1"))
    assert b == ev.Step() and not b.commands and not b.events and not b.signals
    b.extend(a)
    assert b == a and b.events is not a.events
