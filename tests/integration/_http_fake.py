"""An in-test TradingService (the seam the HTTP interface is built on), with a readiness probe,
a MarketView and a UsageView. The trading switch is the engine's real TradingSwitch."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import msgspec
from prometheus_client import CollectorRegistry, Counter

from kistrade.app.views import (
    DailyReport,
    FillView,
    OrderView,
    PnlView,
    PositionView,
    SignalView,
    StatusView,
)
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook
from kistrade.engine.events import TradingState
from kistrade.engine.switch import TradingSwitch
from kistrade.interfaces.http import (
    HttpServer,
    Readiness,
    UsageSnapshot,
    make_http_app,
    serve_http,
)

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=KST)
START_EQUITY = 10_000_000


def position(symbol: str = "005930", qty: int = 10, avg: int = 70_000, last: int = 71_000) -> PositionView:
    pnl = (last - avg) * qty
    return PositionView(
        symbol=symbol,
        name="삼성전자",
        qty=qty,
        avg_price=Decimal(avg),
        last_price=last,
        value=last * qty,
        pnl=pnl,
        pnl_pct=(Decimal(pnl * 100) / (avg * qty)).quantize(Decimal("0.01")),
        stop_loss_price=avg * 95 // 100,
        take_profit_price=avg * 110 // 100,
    )


def fill(n: int, symbol: str = "005930", side: str = "BUY", qty: int = 10, price: int = 70_000) -> FillView:
    return FillView(
        ts=T0 + timedelta(minutes=n),
        client_order_id=f"c{n:04d}",
        broker_order_id=f"{n:010d}",
        symbol=symbol,
        side=side,
        qty=qty,
        price=price,
        commission=price * qty * 15 // 100_000,
        tax=price * qty * 18 // 10_000 if side == "SELL" else 0,
    )


@dataclass
class FakeService:
    """Mutable state the tests edit; every read builds views from it."""

    switch: TradingSwitch = field(default_factory=TradingSwitch)
    now: datetime = T0
    cash: int = START_EQUITY - 700_000
    position_list: list[PositionView] = field(default_factory=lambda: [position()])
    order_list: list[OrderView] = field(default_factory=list)
    fill_list: list[FillView] = field(default_factory=lambda: [fill(0)])
    signal_list: list[SignalView] = field(default_factory=list)
    feed_connected: bool = True
    state_calls: list[tuple[TradingState, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.order_list.append(
            OrderView(
                client_order_id="c0000",
                broker_order_id="0000000000",
                symbol="005930",
                side="BUY",
                order_type="LIMIT",
                qty=10,
                filled_qty=10,
                limit_price=70_000,
                avg_fill_price=Decimal("70000"),
                state="FILLED",
                purpose="ENTRY",
                created_at=T0,
                updated_at=T0,
            )
        )
        self.signal_list.append(
            SignalView(T0, "005930", "BUY", 0.75, "RSI 28 < 30; bid depth 1.8x ask", "rsi_orderbook", True)
        )

    @property
    def mode(self) -> str:
        return "sim"

    def add_fill(self, new: FillView) -> None:
        self.fill_list.append(new)
        sign = -1 if new.side == "BUY" else 1
        self.cash += sign * new.qty * new.price - new.commission - new.tax

    async def status(self) -> StatusView:
        value = sum(p.value for p in self.position_list)
        equity = self.cash + value
        return StatusView(
            mode=self.mode,
            state=self.switch.state,
            state_reason=self.switch.reason,
            state_source=self.switch.snapshot().source,
            now=self.now,
            phase="continuous",
            equity=equity,
            cash=self.cash,
            day_pnl=equity - START_EQUITY,
            day_pnl_pct=(Decimal((equity - START_EQUITY) * 100) / START_EQUITY).quantize(Decimal("0.01")),
            positions=len(self.position_list),
            open_orders=sum(o.state in {"SUBMITTED", "ACCEPTED"} for o in self.order_list),
            feed_connected=self.feed_connected,
            last_tick_age_s=1.5,
            started_at=T0 - timedelta(hours=1),
            watchlist=("005930", "000660"),
        )

    async def positions(self) -> list[PositionView]:
        return list(self.position_list)

    async def orders(self, *, open_only: bool = False, limit: int = 100) -> list[OrderView]:
        rows = [o for o in self.order_list if not open_only or o.state in {"SUBMITTED", "ACCEPTED"}]
        return rows[-limit:][::-1]

    async def fills(self, *, limit: int = 100) -> list[FillView]:
        return self.fill_list[-limit:][::-1]

    async def signals(self, *, limit: int = 100) -> list[SignalView]:
        return self.signal_list[-limit:][::-1]

    async def pnl(self) -> PnlView:
        status = await self.status()
        return PnlView(
            day_start_equity=START_EQUITY,
            equity=status.equity,
            realized=0,
            unrealized=sum(p.pnl for p in self.position_list),
            commission=sum(f.commission for f in self.fill_list),
            tax=sum(f.tax for f in self.fill_list),
            day_pnl=status.day_pnl,
            day_pnl_pct=status.day_pnl_pct,
            daily_loss_limit_pct=Decimal("-3"),
        )

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> StatusView:
        self.state_calls.append((state, reason, source))
        self.switch.set_state(state, reason, source, self.now)
        return await self.status()

    async def daily_report(self) -> DailyReport:
        return DailyReport(
            "2026-11-24", self.mode, "일일 보고", await self.pnl(), 0, len(self.fill_list), 0, 0, 0
        )


@dataclass
class FakeProbe:
    service: FakeService
    token_valid: bool = True
    store_writable: bool = True

    async def check(self) -> Readiness:
        status = await self.service.status()
        return Readiness(
            feed_connected=status.feed_connected,
            last_tick_age_s=status.last_tick_age_s,
            token_valid=self.token_valid,
            store_writable=self.store_writable,
            risk_state=status.state,
            mode=status.mode,
        )


class FakeMarket:
    """Seeded random-walk minute bars and a 10-level book around the last close."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        price = 70_000
        self._bars: list[Bar] = []
        for i in range(90):
            o = price
            c = max(1_000, o + rng.choice((-2, -1, 0, 1, 2)) * 100)
            hi, lo = max(o, c) + rng.randint(0, 2) * 100, min(o, c) - rng.randint(0, 2) * 100
            self._bars.append(
                Bar("005930", T0 - timedelta(minutes=90 - i), o, hi, lo, c, rng.randint(100, 5000))
            )
            price = c

    async def bars(self, symbol: str, *, limit: int = 390) -> Sequence[Bar]:
        return (
            [msgspec.structs.replace(b, symbol=symbol) for b in self._bars[-limit:]]
            if symbol == "005930"
            else []
        )

    async def book(self, symbol: str) -> OrderBook | None:
        if symbol != "005930":
            return None
        last = self._bars[-1].close
        asks = tuple(BookLevel(last + 100 * (i + 1), 100 * (i + 1)) for i in range(10))
        bids = tuple(BookLevel(last - 100 * i, 120 * (i + 1)) for i in range(10))
        return OrderBook("005930", T0, asks, bids)


@dataclass
class FakeUsage:
    snapshot: UsageSnapshot = field(
        default_factory=lambda: UsageSnapshot(
            requests_total=120,
            limit_per_s=18.0,
            waits=3,
            wait_seconds=0.42,
            errors_by_code={"EGW00201": 2, "HTTP500": 1},
            latency_mean_ms=23.5,
            latency_max_ms=180.0,
            cache_hits=30,
            cache_misses=10,
            ws_reconnects=1,
            ws_lag_mean_ms=12.0,
            ws_lag_max_ms=95.0,
        )
    )

    def usage(self) -> UsageSnapshot:
        return self.snapshot


@dataclass
class Running:
    server: HttpServer
    service: FakeService
    probe: FakeProbe
    registry: CollectorRegistry
    usage: FakeUsage

    @property
    def url(self) -> str:
        return self.server.url


@asynccontextmanager
async def running(
    *, token: str | None = None, poll_ms: int = 50, heartbeat_s: float = 15.0, market: bool = True
) -> AsyncIterator[Running]:
    service = FakeService()
    probe = FakeProbe(service)
    usage = FakeUsage()
    registry = CollectorRegistry()
    Counter("kistrade_test_requests", "a process counter", ["tr_id"], registry=registry).labels("T1").inc(3)
    app = make_http_app(
        service,
        token=token,
        health_probe=probe,
        metrics_registry=registry,
        market=FakeMarket() if market else None,
        usage=usage,
        poll_ms=poll_ms,
        heartbeat_s=heartbeat_s,
    )
    async with serve_http(app, host="127.0.0.1", port=0, token_set=token is not None) as server:
        yield Running(server, service, probe, registry, usage)
