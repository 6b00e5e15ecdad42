"""Live-trade performance (FIFO round trips) and the JSON encoding used by the HTTP API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kistrade.app.views import FillView
from kistrade.domain.types import KST, BookLevel
from kistrade.engine.events import TradingState
from kistrade.interfaces.http.performance import performance
from kistrade.interfaces.http.serialize import dumps, to_jsonable

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=KST)


def f(i: int, side: str, qty: int, price: int, commission: int = 0, tax: int = 0, sym: str = "A") -> FillView:
    return FillView(T0 + timedelta(seconds=i), f"c{i}", f"b{i}", sym, side, qty, price, commission, tax)


def test_round_trips_run_flat_to_flat_per_symbol() -> None:
    fills = [
        f(0, "buy", 10, 1000, commission=10),
        f(1, "BUY", 5, 900, commission=5, sym="B"),
        f(2, "buy", 10, 1200, commission=10),
        f(3, "sell", 15, 1100, commission=6, tax=30),  # partial: A still holds 5
        f(4, "SELL", 5, 800, commission=2, tax=7, sym="B"),  # B flat: a loss
        f(5, "sell", 5, 1300, commission=3, tax=9),  # A flat
    ]
    p = performance(reversed(fills))  # order does not matter: sorted by time
    a = (15 * 1100 + 5 * 1300) - (10 * 1000 + 10 * 1200) - (10 + 10 + 36 + 12)
    b = 5 * 800 - 5 * 900 - (5 + 9)
    assert p.trades == 2 and p.wins == 1 and p.losses == 1
    assert p.net_pnl == a + b
    assert p.gross_profit == a and p.gross_loss == -b
    assert p.win_rate_pct == Decimal("50.00")
    assert p.largest_loss == b and p.fills == 6


def test_an_open_position_is_not_a_trade_yet() -> None:
    p = performance([f(0, "buy", 10, 1000), f(1, "sell", 4, 1100)])
    assert p.trades == 0


def test_sell_without_bought_lots_is_not_a_trade() -> None:
    p = performance([f(0, "SELL", 5, 1000, sym="B")])
    assert p.trades == 0 and p.win_rate_pct is None and p.profit_factor is None and p.fills == 1


@given(
    st.lists(
        st.tuples(st.integers(1, 50), st.integers(1, 100_000), st.integers(1, 100_000)),
        min_size=1,
        max_size=20,
    )
)
def test_costless_round_trips_sum_to_price_differences(lots: list[tuple[int, int, int]]) -> None:
    fills = []
    for i, (qty, buy, sell) in enumerate(lots):
        fills += [f(2 * i, "BUY", qty, buy), f(2 * i + 1, "SELL", qty, sell)]
    p = performance(fills)
    assert p.trades == len(lots)
    assert p.net_pnl == sum((sell - buy) * qty for qty, buy, sell in lots)
    assert p.wins + p.losses == p.trades


def test_json_types() -> None:
    value = {
        "money": 1_000,
        "rate": Decimal("-3.25"),
        "ts": T0,
        "state": TradingState.HALTED,
        "level": BookLevel(70_000, 5),
        "nan": float("nan"),
        "tuple": (1, 2),
    }
    assert to_jsonable(value) == {
        "money": 1000,
        "rate": "-3.25",
        "ts": "2026-11-24T09:00:00+09:00",
        "state": "HALTED",
        "level": {"price": 70000, "qty": 5},
        "nan": None,
        "tuple": [1, 2],
    }
    assert json.loads(dumps({"k": "삼성전자"})) == {"k": "삼성전자"}
