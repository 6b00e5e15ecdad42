"""Every repository of SqliteStore round-trips exact values, on a temporary file and on :memory:."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kistrade.clock import ManualClock
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import (
    KST,
    Bar,
    BookLevel,
    Fill,
    Instrument,
    InstrumentKind,
    Market,
    OrderBook,
    OrderType,
    Position,
    Side,
    Symbol,
    Trade,
)
from kistrade.store.port import Store
from kistrade.store.records import (
    AccountSnapshot,
    ApiCall,
    BarSource,
    DateRange,
    EventRecord,
    OrderRecord,
    RiskStateRecord,
    RiskSwitch,
    SignalRecord,
)
from kistrade.store.sqlite_store import SqliteStore

SAMSUNG = Symbol("005930")
HYNIX = Symbol("000660")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=KST)


@pytest.fixture(params=["file", "memory"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqliteStore]:
    path = tmp_path / "store.db" if request.param == "file" else ":memory:"
    s = await SqliteStore.open(path, clock=ManualClock(T0))
    yield s
    await s.close()


def test_sqlite_store_implements_the_port() -> None:
    assert issubclass(SqliteStore, Store)


async def test_stocks(store: SqliteStore) -> None:
    kodex = Instrument(Symbol("069500"), "KODEX 200", Market.KOSPI, InstrumentKind.ETF)
    samsung = Instrument(SAMSUNG, "삼성전자")
    assert await store.upsert_stocks([samsung, kodex]) == 2
    assert await store.get_stock(Symbol("069500")) == kodex
    assert await store.get_stock(HYNIX) is None
    renamed = Instrument(SAMSUNG, "Samsung Electronics", Market.KOSPI)
    await store.upsert_stocks([renamed])
    assert await store.list_stocks() == [renamed, kodex]


async def test_daily_bars_round_trip_and_upsert(store: SqliteStore) -> None:
    bars = [
        Bar(
            SAMSUNG,
            datetime(2026, 1, d, tzinfo=KST),
            70_000 + d,
            71_000 + d,
            69_000 + d,
            70_500 + d,
            1000 * d,
        )
        for d in (2, 5, 6)
    ]
    assert await store.upsert_daily_bars(bars, values=[10**12, None, 7]) == 3
    assert await store.get_daily_bars(SAMSUNG) == bars
    assert await store.get_daily_bars(SAMSUNG, date(2026, 1, 5), date(2026, 1, 5)) == [bars[1]]
    assert await store.get_daily_bars(HYNIX) == []
    # a bar stamped at 15:30 KST (or given in UTC) lands on its KST date; re-upsert replaces it
    revised = Bar(SAMSUNG, datetime(2026, 1, 5, 6, 30, tzinfo=UTC), 1, 9, 1, 8, 5)
    await store.upsert_daily_bars([revised])
    got = await store.get_daily_bars(SAMSUNG, date(2026, 1, 5), date(2026, 1, 5))
    assert got == [Bar(SAMSUNG, datetime(2026, 1, 5, tzinfo=KST), 1, 9, 1, 8, 5)]
    values = await store.get_daily_values(SAMSUNG)
    assert values == {date(2026, 1, 2): 10**12, date(2026, 1, 5): None, date(2026, 1, 6): 7}
    with pytest.raises(InvalidInputError, match="3 bars but 1 values"):
        await store.upsert_daily_bars(bars, values=[1])


async def test_missing_daily_dates_for_incremental_fetch(store: SqliteStore) -> None:
    sessions = [date(2026, 1, d) for d in (2, 5, 6, 7, 8, 9, 12)]
    assert await store.missing_daily_dates(SAMSUNG, sessions) == sessions
    have = [date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 9)]
    await store.upsert_daily_bars(
        [Bar(SAMSUNG, datetime(d.year, d.month, d.day, tzinfo=KST), 1, 1, 1, 1, 1) for d in have]
    )
    await store.upsert_daily_bars([Bar(HYNIX, datetime(2026, 1, 7, tzinfo=KST), 1, 1, 1, 1, 1)])
    expected = [d for d in sessions if d not in have]
    assert await store.missing_daily_dates(SAMSUNG, reversed(sessions)) == expected
    assert await store.missing_daily_ranges(SAMSUNG, sessions) == [
        DateRange(date(2026, 1, 2), date(2026, 1, 2)),
        DateRange(date(2026, 1, 7), date(2026, 1, 8)),
        DateRange(date(2026, 1, 12), date(2026, 1, 12)),
    ]
    assert await store.missing_daily_dates(SAMSUNG, []) == []
    await store.upsert_daily_bars(
        [Bar(SAMSUNG, datetime(d.year, d.month, d.day, tzinfo=KST), 1, 1, 1, 1, 1) for d in expected]
    )
    assert await store.missing_daily_dates(SAMSUNG, sessions) == []  # a second fetch needs nothing


async def test_minute_bars_keep_rest_and_tick_built_bars_apart(store: SqliteStore) -> None:
    rest = [Bar(SAMSUNG, T0 + timedelta(minutes=m), 100, 110, 90, 105, 10 + m) for m in range(3)]
    ticks = [Bar(SAMSUNG, T0 + timedelta(minutes=m), 100, 111, 90, 105, 10 + m) for m in range(2)]
    assert await store.upsert_minute_bars(rest, BarSource.REST) == 3
    await store.upsert_minute_bars(ticks, BarSource.TICKS)
    end = T0 + timedelta(minutes=2)
    assert await store.get_minute_bars(SAMSUNG, T0, end, BarSource.REST) == rest[:2]
    assert await store.get_minute_bars(SAMSUNG, T0, end, BarSource.TICKS) == ticks
    got = await store.get_minute_bars(SAMSUNG, T0, T0 + timedelta(hours=1), BarSource.REST)
    assert all(b.start.tzinfo is KST for b in got)


async def test_ticks_and_books_append_and_iterate(store: SqliteStore) -> None:
    trades = [
        Trade(
            SAMSUNG,
            T0 + timedelta(microseconds=7 * i),
            70_000 + i,
            i + 1,
            [Side.BUY, Side.SELL, None][i % 3],
            i,
        )
        for i in range(10)
    ]
    books = [
        OrderBook(HYNIX, T0 + timedelta(seconds=i), (BookLevel(200_500, i),), (BookLevel(200_000, 2 * i),))
        for i in range(3)
    ]
    assert await store.append_trades(trades) == 10
    assert await store.append_books(books) == 3
    end = T0 + timedelta(minutes=1)
    assert [t async for t in store.iter_trades(SAMSUNG, T0, end)] == trades
    assert [t async for t in store.iter_trades(HYNIX, T0, end)] == []
    assert [b async for b in store.iter_books(HYNIX, T0 + timedelta(seconds=1), end)] == books[1:]


async def test_orders_and_fills_are_never_doubled(store: SqliteStore) -> None:
    order = OrderRecord("c-1", SAMSUNG, Side.BUY, OrderType.LIMIT, 10, 70_000, "pending", T0, T0)
    await store.save_order(order)
    assert await store.get_order("c-1") == order
    accepted = OrderRecord(
        "c-1", SAMSUNG, Side.BUY, OrderType.LIMIT, 10, 70_000, "accepted", T0, T0 + timedelta(seconds=1),
        broker_order_id="0000038614", broker_org_no="00950",
    )  # fmt: skip
    await store.save_order(accepted)
    assert await store.get_order_by_broker_id("0000038614") == accepted
    fill = Fill("c-1", "0000038614", SAMSUNG, Side.BUY, 4, 70_000, T0 + timedelta(seconds=2), commission=42)
    assert await store.record_fill(fill, exec_id="4") is True
    assert await store.record_fill(fill, exec_id="4") is False  # the same fill again: ignored
    second = Fill("c-1", "0000038614", SAMSUNG, Side.BUY, 6, 69_900, T0 + timedelta(seconds=3), 63, 0)
    assert await store.record_fill(second, exec_id="10") is True
    assert await store.list_fills("c-1") == [fill, second]
    assert await store.list_fills() == [fill, second]
    assert await store.list_fills(last=1) == [second]  # the newest, still in time order
    assert await store.list_fills(last=5) == [fill, second]
    assert await store.list_fills(last=0) == []
    with pytest.raises(InvalidInputError, match="last"):
        await store.list_fills("c-1", last=1)
    # the newest fills are read through the (ts, id) index, not by sorting the whole table
    plan = await store.db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM fills ORDER BY ts DESC, id DESC LIMIT 5"
    )
    assert any("fills_ts" in str(row[-1]) for row in plan) and not any(
        "TEMP B-TREE" in str(r[-1]) for r in plan
    )
    assert await store.list_orders(["accepted"]) == [accepted]
    assert await store.list_orders(["filled"]) == []
    orphan = Fill("nope", "1", SAMSUNG, Side.SELL, 1, 1, T0)
    with pytest.raises(InvalidInputError, match="is order 'nope' saved"):
        await store.record_fill(orphan, exec_id="1")


async def test_positions(store: SqliteStore) -> None:
    p = Position(SAMSUNG, 10, Decimal("70012.3456789"))
    await store.save_positions([p, Position(HYNIX, 3, Decimal(200_000))])
    assert await store.list_positions() == [Position(HYNIX, 3, Decimal(200_000)), p]
    await store.save_positions([Position(HYNIX, 0, Decimal(0))])
    assert await store.list_positions() == [p]


async def test_signals_snapshots_risk_api_calls_events(store: SqliteStore) -> None:
    sig = SignalRecord(SAMSUNG, T0, Side.BUY, 0.75, ("rsi 28 < 30", "bid/ask 1.8"))
    assert await store.add_signals([sig, SignalRecord(HYNIX, T0 + timedelta(seconds=1), Side.SELL, 0.5)]) == 2
    assert await store.list_signals(SAMSUNG) == [sig]
    assert len(await store.list_signals(start=T0, end=T0 + timedelta(seconds=2))) == 2

    snap = AccountSnapshot(T0, cash=9_000_000, equity=10_000_000, market_value=1_000_000, fees=15)
    await store.add_account_snapshot(snap)
    assert await store.list_account_snapshots() == [snap]

    assert await store.get_risk_state() is None
    await store.set_risk_state(RiskSwitch.HALTED, "daily loss limit", T0)
    await store.set_risk_state(RiskSwitch.REDUCING, "/reduce", T0 + timedelta(hours=1), source="telegram")
    state = await store.get_risk_state()
    assert state is not None
    assert state == RiskStateRecord(RiskSwitch.REDUCING, "/reduce", T0 + timedelta(hours=1), "telegram")

    calls = [ApiCall(T0, "inquire-price", 12.5, "0"), ApiCall(T0, "order-cash", 80.25, "EGW00201", ok=False)]
    assert await store.record_api_calls(calls) == 2
    assert await store.list_api_calls() == calls
    assert await store.list_api_calls(name="order-cash") == calls[1:]

    event = EventRecord(T0, "start", {"mode": "sim", "symbols": ["005930"], "n": 1})
    await store.add_event(event)
    await store.add_event(EventRecord(T0 + timedelta(seconds=1), "fault", {"what": "ws reconnect"}))
    assert await store.list_events(kind="start") == [event]
    assert len(await store.list_events()) == 2
    with pytest.raises(InvalidInputError, match="event 'bad': detail is not JSON"):
        await store.add_event(EventRecord(T0, "bad", {"x": object()}))


async def test_the_same_broker_order_id_on_two_trade_dates_is_two_orders_with_two_fills(
    store: SqliteStore,
) -> None:
    # KIS order numbers restart every trading day: Monday's ODNO 0000000001 comes back on Tuesday.
    mon = datetime(2026, 1, 5, 9, 0, tzinfo=KST)
    tue = mon + timedelta(days=1)
    monday = OrderRecord(
        "20260105-1", SAMSUNG, Side.BUY, OrderType.LIMIT, 5, 70_000, "accepted", mon, mon,
        broker_order_id="0000000001",
    )  # fmt: skip
    tuesday = OrderRecord(
        "20260106-1", SAMSUNG, Side.SELL, OrderType.LIMIT, 5, 71_000, "accepted", tue, tue,
        broker_order_id="0000000001",
    )  # fmt: skip
    assert monday.trade_date == date(2026, 1, 5) and tuesday.trade_date == date(2026, 1, 6)
    await store.save_order(monday)
    await store.save_order(tuesday)
    assert await store.list_orders() == [monday, tuesday]
    assert await store.get_order_by_broker_id("0000000001", date(2026, 1, 5)) == monday
    assert await store.get_order_by_broker_id("0000000001", date(2026, 1, 6)) == tuesday
    assert await store.get_order_by_broker_id("0000000001") == tuesday  # the most recent day
    assert await store.get_order_by_broker_id("0000000001", date(2026, 1, 7)) is None

    # the same exec id under the same ODNO: one fill per day, each kept once
    mon_fill = Fill("20260105-1", "0000000001", SAMSUNG, Side.BUY, 5, 70_000, mon + timedelta(seconds=1))
    tue_fill = Fill("20260106-1", "0000000001", SAMSUNG, Side.SELL, 5, 71_000, tue + timedelta(seconds=1))
    assert await store.record_fill(mon_fill, exec_id="5") is True
    assert await store.record_fill(tue_fill, exec_id="5") is True
    assert await store.record_fill(tue_fill, exec_id="5") is False
    assert await store.record_fill(mon_fill, exec_id="5", trade_date=date(2026, 1, 5)) is False
    assert await store.list_fills() == [mon_fill, tue_fill]
    rows = await store.db.fetchall("SELECT client_order_id, trade_date FROM fills ORDER BY id")
    assert rows == [("20260105-1", "2026-01-05"), ("20260106-1", "2026-01-06")]


async def test_an_order_keeps_its_trade_date_across_updates(store: SqliteStore) -> None:
    # created at 23:30 UTC = 08:30 KST the next day: the trade date is the KST date
    created = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    order = OrderRecord("c-9", SAMSUNG, Side.BUY, OrderType.MARKET, 1, None, "pending", created, created)
    assert order.trade_date == date(2026, 1, 6)
    await store.save_order(order)
    moved = OrderRecord(
        "c-9", SAMSUNG, Side.BUY, OrderType.MARKET, 1, None, "accepted", created, created + timedelta(days=1),
        broker_order_id="7", trade_date=date(2026, 1, 7),
    )  # fmt: skip
    await store.save_order(moved)
    stored = await store.get_order("c-9")
    assert stored is not None and stored.state == "accepted" and stored.trade_date == date(2026, 1, 6)
    with pytest.raises(InvalidInputError, match="has no timezone"):
        OrderRecord("c-x", SAMSUNG, Side.BUY, OrderType.MARKET, 1, None, "new", datetime(2026, 1, 5), created)
