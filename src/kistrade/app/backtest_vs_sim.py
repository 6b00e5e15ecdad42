"""Backtest vs simulator on the same recorded data (issue 7's last figure).

1. ``record_session``: the bundled simulator (synthetic market, accelerated) is recorded by the
   recorder (trades + books of the symbols) into a store file.
2. ``trade_replay``: that store is replayed by the simulator (``source="replay:FILE"``: every
   recorded book and print placed through the exchange engine at its recorded time) while the
   live trader (KIS client over REST + WebSocket, kernel, risk gate) runs the strategy on it; its
   orders are the live trades.
3. ``backtest_store``: the tick-mode backtester (``run_ticks``) runs the same strategy, limits and
   cash on the same recorded events, per symbol.
4. ``compare_live.compare_trades`` lines the two up.

Both paths start cold (no indicator warm-up: the trader's ``warm_up_bars=0``, since the replayed
simulator's pre-session minute chart is not part of the recording). A backtest market order fills
at the instant it is decided, so its trade's ``decided_at`` is its first fill's time.

What differs, and why (all latency): the live kernel closes a minute bar on its clock
(``Trader._bar_loop`` -> ``Kernel.tick`` -> ``BarBuilder.flush`` once ``now >= bar end``, no grace),
the backtester on the first recorded print of the next minute. Prints reach the trader
~1-3 session seconds after their stamp at x120 (``feed_lag``: the simulator's 20 ms pump, the
WebSocket, whole-second stamps), so prints of a minute's last seconds arrive after its bar closed
and are dropped as late (``BarDiff.late``): the live close can differ, and with it the RSI and
the bar a decision falls on. On the same bar, the live market order reaches the venue after a
round trip (~1 session second) and may meet a book the recorded prints have already taken.

    result = asyncio.run(run_comparison(Scenario(), workdir))
    print(format_table(result.pairs))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from kistrade.app.compare_live import BarDiff, Pairing, TradeRow, bar_differences, compare_trades, trades_of
from kistrade.app.recorder import RecordResult, record
from kistrade.app.trader import Trader, TraderConfig
from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.tick import run_ticks
from kistrade.clock import AffineClock, AffineMap
from kistrade.domain.types import KST, Bar, OrderBook, Symbol, Trade, parse_symbol
from kistrade.engine.bar_builder import BarBuilder
from kistrade.engine.events import FillApplied
from kistrade.engine.switch import RiskLimits
from kistrade.kis.client.adapters import KisBroker, KisMarketFeed
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.client.websocket import KisWebSocket, WsEvent
from kistrade.kis.simulator.config import DEFAULT_CASH, SimConfig
from kistrade.kis.simulator.server import RunningSimulator, start_simulator
from kistrade.ports import Clock
from kistrade.store.sqlite_store import SqliteStore
from kistrade.strategy.base import Strategy
from kistrade.strategy.params import RsiParams
from kistrade.strategy.registry import create_strategy


def busy_rsi() -> Strategy:
    """RSI(3) with a 45/55 band: trades often on 1-minute bars of the synthetic market."""
    return create_strategy("rsi", RsiParams(rsi_period=3, oversold=45.0, overbought=55.0))


def busy_limits() -> RiskLimits:
    return RiskLimits(symbol_cooldown_s=0, max_orders_per_day=400, max_volume_participation_pct=Decimal(100))


@dataclass(frozen=True, slots=True)
class Scenario:
    symbols: tuple[str, ...] = ("005930",)
    day: date = date(2026, 11, 24)
    start: time = time(9, 5)
    minutes: int = 20  # simulated minutes recorded
    speed: float = 120.0
    seed: int = 7
    cash: int = DEFAULT_CASH
    strategy: Callable[[], Strategy] = busy_rsi  # a fresh instance per path
    limits: Callable[[], RiskLimits] = busy_limits

    @property
    def syms(self) -> tuple[Symbol, ...]:
        return tuple(parse_symbol(s) for s in self.symbols)


@dataclass(slots=True)
class Comparison:
    recording: RecordResult
    backtest: list[TradeRow]
    live: LiveRun
    bar_diffs: list[BarDiff]
    pairs: list[Pairing]


def _client_config(sim: RunningSimulator, data_dir: Path) -> KisClientConfig:
    c = sim.credentials
    return KisClientConfig(
        env=sim.env,
        app_key=c.app_key,
        app_secret=c.app_secret,
        account=c.account,
        hts_id=c.hts_id,
        rest_url=sim.rest_url,
        ws_url=sim.ws_url,
        data_dir=data_dir,
        token_min_interval=0.0,
        timeout=10.0,
    )


def _clock(sim: RunningSimulator) -> AffineClock:
    return AffineClock(AffineMap.from_dict(dict(sim.hub.clock_info())))


async def _until(clock: AffineClock, when: datetime) -> None:
    left = (when - clock.now()).total_seconds()
    if left > 0:
        await clock.sleep(left)


async def record_session(scn: Scenario, db: Path, data_dir: Path) -> RecordResult:
    """Record ``scn.minutes`` simulated minutes of the synthetic market into ``db``."""
    cfg = SimConfig(
        seed=scn.seed,
        symbols=scn.symbols,
        start_date=scn.day,
        start=scn.start,
        speed=scn.speed,
        token_min_interval_s=0.0,
    )
    async with start_simulator(cfg) as sim:
        clock = _clock(sim)
        until = datetime.combine(scn.day, scn.start, KST) + timedelta(minutes=scn.minutes)
        return await record(
            _client_config(sim, data_dir), clock, db, list(scn.symbols), until=until, progress_every=1.0
        )


class _TapFeed(KisMarketFeed):
    """The trader's feed, remembering every print with its arrival time on the session clock."""

    def __init__(self, ws: KisWebSocket, clock: Clock, *, hts_id: str) -> None:
        super().__init__(ws, hts_id=hts_id)
        self.clock = clock
        self.arrivals: list[tuple[Trade, datetime]] = []

    async def all_events(self) -> AsyncIterator[WsEvent]:
        async for ev in super().all_events():
            if isinstance(ev, Trade):
                self.arrivals.append((ev, self.clock.now()))
            yield ev


@dataclass(frozen=True, slots=True)
class FeedLag:
    """Print time to arrival at the trader, in session seconds."""

    prints: int
    median_s: float
    p99_s: float
    max_s: float

    def line(self) -> str:
        return (
            f"feed lag (print -> trader) over {self.prints:,} prints: median {self.median_s:.2f} s, "
            f"p99 {self.p99_s:.2f} s, max {self.max_s:.2f} s (session clock)"
        )


def feed_lag(arrivals: list[tuple[Trade, datetime]]) -> FeedLag:
    lags = sorted((at - t.ts).total_seconds() for t, at in arrivals)
    if not lags:
        return FeedLag(0, 0.0, 0.0, 0.0)
    return FeedLag(len(lags), lags[len(lags) // 2], lags[min(len(lags) - 1, int(len(lags) * 0.99))], lags[-1])


@dataclass(slots=True)
class LiveRun:
    trades: list[TradeRow]
    bars: dict[Symbol, list[Bar]]  # the minute bars the live kernel closed
    late_prints: int  # prints that reached the trader after their minute's bar was closed
    replayed: int  # recorded events the replay simulator placed
    skipped: int
    arrivals: list[tuple[Trade, datetime]]  # prints as the trader received them, with arrival time

    def received(self, symbol: Symbol) -> dict[datetime, int]:
        """Shares delivered per minute of ``symbol``."""
        out: dict[datetime, int] = {}
        for t, _ in self.arrivals:
            if t.symbol == symbol:
                m = t.ts.replace(second=0, microsecond=0)
                out[m] = out.get(m, 0) + t.qty
        return out


async def trade_replay(scn: Scenario, db: Path, data_dir: Path) -> LiveRun:
    """The live trader against the simulator replaying ``db``."""
    cfg = SimConfig(
        seed=scn.seed,
        symbols=scn.symbols,
        start_date=scn.day,
        start=scn.start,
        speed=scn.speed,
        source=f"replay:{db}",
        token_min_interval_s=0.0,
        cash=scn.cash,
    )
    async with start_simulator(cfg) as sim:
        clock = _clock(sim)
        kcfg = _client_config(sim, data_dir)
        async with (
            KisClient(kcfg, clock) as client,
            await SqliteStore.open(data_dir / "trader.db", clock=clock) as store,
        ):
            tcfg = TraderConfig(
                mode="sim",
                symbols=scn.syms,
                strategies=[scn.strategy()],
                limits=scn.limits(),
                id_suffix="CMP",
                sync_interval_s=600.0,
                warm_up_bars=0,
            )
            feed = _TapFeed(client.ws, clock, hts_id=kcfg.hts_id)
            trader = Trader(KisBroker(client), feed, store, clock, tcfg)
            await trader.start()
            try:
                end = datetime.combine(scn.day, scn.start, KST) + timedelta(minutes=scn.minutes + 1)
                await _until(clock, end)
            finally:
                await trader.stop()
            kernel = trader.kernel
            if kernel is None or kernel.bar_builder is None:
                raise RuntimeError("the trader did not start its kernel")
            trades = trades_of(kernel.router.orders())
            bb = kernel.bar_builder
            bars = {s: bb.bars(s) for s in scn.syms}
        hub = sim.hub
        return LiveRun(
            trades,
            bars,
            bb.late,
            int(getattr(hub, "replayed", 0)),
            int(getattr(hub, "skipped", 0)),
            feed.arrivals,
        )


def _fills_to_trades(fills: list[FillApplied]) -> list[TradeRow]:
    by_order: dict[str, list[FillApplied]] = {}
    for f in fills:
        by_order.setdefault(f.client_order_id, []).append(f)
    rows = []
    for fs in by_order.values():
        first = min(f.ts for f in fs)
        qty = sum(f.qty for f in fs)
        value = sum(f.qty * f.price for f in fs)
        rows.append(TradeRow(fs[0].symbol, fs[0].side, qty, value, first, first))
    return sorted(rows, key=lambda r: r.filled_at)


def recorded_bars(events: list[Trade | OrderBook], symbol: Symbol) -> list[Bar]:
    """The minute bars of the recorded prints of ``symbol`` (the backtest's bars)."""
    bb = BarBuilder()
    trades = [e for e in events if isinstance(e, Trade) and e.symbol == symbol]
    for t in trades:
        bb.on_trade(t)
    if trades:
        bb.flush(trades[-1].ts + timedelta(days=1))
    return bb.bars(symbol)


async def backtest_store(scn: Scenario, db: Path) -> tuple[list[TradeRow], dict[Symbol, list[Bar]]]:
    """The tick-mode backtest of each symbol on the recorded events of ``db``: trades, bars."""
    lo = datetime.combine(scn.day, time(0), KST)
    async with await SqliteStore.open(db) as store:
        events: list[Trade | OrderBook] = [e async for e in store.replay(lo, lo + timedelta(days=1))]
    config = BacktestConfig(cash=scn.cash, limits=scn.limits())
    rows: list[TradeRow] = []
    for sym in scn.syms:
        result = run_ticks(scn.strategy(), events, sym, config)
        rows.extend(_fills_to_trades(result.record.fills))
    return sorted(rows, key=lambda r: r.filled_at), {s: recorded_bars(events, s) for s in scn.syms}


async def run_comparison(scn: Scenario, workdir: Path, *, lookback: int = 10) -> Comparison:
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    db = workdir / "recorded.db"
    recording = await record_session(scn, db, workdir / "rec")
    live = await trade_replay(scn, db, workdir / "replay")
    backtest, bars = await backtest_store(scn, db)
    diffs = [
        d
        for s in scn.syms
        for d in bar_differences(bars[s], live.bars.get(s, []), live.trades, live.received(s))
    ]
    pairs = compare_trades(backtest, live.trades, diffs, lookback=lookback)
    return Comparison(recording, backtest, live, diffs, pairs)


__all__ = [
    "Comparison",
    "FeedLag",
    "LiveRun",
    "Scenario",
    "backtest_store",
    "busy_limits",
    "busy_rsi",
    "feed_lag",
    "record_session",
    "recorded_bars",
    "run_comparison",
    "trade_replay",
]
