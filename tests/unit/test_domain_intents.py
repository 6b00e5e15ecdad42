"""Signal and OrderIntent (frozen Structs): checks on construction, value semantics, immutability."""

from __future__ import annotations

import pickle
from datetime import datetime

import msgspec
import pytest

from kistrade.domain.intents import IntentPurpose, OrderIntent, Signal
from kistrade.domain.types import KST, OrderType, Side, Symbol

SYM = Symbol("005930")
TS = datetime(2026, 3, 3, 10, 0, tzinfo=KST)


def signal(strength: float = 0.5) -> Signal:
    return Signal(SYM, TS, Side.BUY, strength, ("RSI 20.0 < 30",), "rsi")


def test_signal_strength_must_be_in_0_1() -> None:
    assert signal(0.0).strength == 0.0 and signal(1.0).strength == 1.0
    for bad in (-0.01, 1.01, float("nan")):
        with pytest.raises(ValueError, match="outside"):
            signal(bad)


def test_intent_checks_qty_and_market_price() -> None:
    with pytest.raises(ValueError, match="positive"):
        OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, qty=0)
    with pytest.raises(ValueError, match="no limit price"):
        OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, limit_price=100)
    limit = OrderIntent(SYM, Side.BUY, IntentPurpose.ENTRY, 3, OrderType.LIMIT, 100)
    assert (limit.qty, limit.order_type, limit.limit_price, limit.signal, limit.tags) == (
        3,
        OrderType.LIMIT,
        100,
        None,
        (),
    )


def test_values_compare_hash_pickle_and_are_frozen() -> None:
    a = OrderIntent(SYM, Side.SELL, IntentPurpose.EXIT, signal=signal(), tags=("x",))
    b = OrderIntent(symbol=SYM, side=Side.SELL, purpose=IntentPurpose.EXIT, signal=signal(), tags=("x",))
    assert a == b and hash(a) == hash(b) and a != msgspec.structs.replace(a, tags=())
    assert pickle.loads(pickle.dumps(a)) == a
    assert repr(a).startswith("OrderIntent(symbol='005930', side=")
    assert signal().reason_text == "RSI 20.0 < 30"
    with pytest.raises(AttributeError):
        a.qty = 5  # type: ignore[misc]
    with pytest.raises(ValueError, match="positive"):
        msgspec.structs.replace(a, qty=-1)
