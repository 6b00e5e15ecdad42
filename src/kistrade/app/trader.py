"""The async trader: the pure engine core wired to a Broker, a market feed and the SQLite store.

``await trader.start()`` is recovery first (:meth:`Trader.recover`): the day's baseline (cash
and holdings before the bot's first order, taken from inquire-balance once a day and stored),
every stored fill re-applied, the stored orders rebuilt, then the broker's daily orders
reconciled (orders whose send outcome is unknown matched, fills that happened while down applied
once, orders the broker finished closed) and the account compared. Then the feed is subscribed
and the named tasks run on one event loop:

* ``feed``: trades, books and execution notices -> the kernel (strategies, risk, execution);
* ``bars``: the minute-bar flush on the Clock (``Kernel.tick``);
* ``sync``: REST reconciliation + account comparison, periodically, soon after fills
  (debounced) and at once after a WebSocket reconnect (``StreamGap``).

``await trader.stop()`` takes the engine lock (no order is half-sent), stops the tasks, runs a
last reconciliation and closes the feed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from loguru import logger

from kistrade.app import reconcile
from kistrade.app.account_sync import AccountDiff, adopt, compare, rounding_slack
from kistrade.app.market_data import MarketDataManager
from kistrade.app.trader_io import Checkpoint, StepIO
from kistrade.app.trader_store import (
    Baseline,
    apply_adjustments,
    from_record,
    load_baseline,
    load_fills,
    load_switch,
    max_sequence,
    save_adjustment,
    save_baseline,
)
from kistrade.domain.broker_events import ExecutionNotice, StreamGap
from kistrade.domain.orders import OrderState
from kistrade.domain.types import OrderBook, Side, Symbol, Trade
from kistrade.engine.bar_builder import BarBuilder
from kistrade.engine.events import FillApplied, TradingState
from kistrade.engine.execution import ClientIdFactory, OrderRouter
from kistrade.engine.kernel import Kernel
from kistrade.engine.market import MarketState
from kistrade.engine.notices import NoticeTranslator
from kistrade.engine.risk import RiskGate
from kistrade.engine.switch import RiskLimits, TradingSwitch
from kistrade.kis.client.adapters import KisMarketFeed
from kistrade.ports import Broker, Clock
from kistrade.store.records import EventRecord
from kistrade.store.sqlite_store import SqliteStore
from kistrade.strategy.base import Strategy


@dataclass(slots=True)
class TraderConfig:
    mode: str
    symbols: tuple[Symbol, ...]
    strategies: Sequence[Strategy]
    limits: RiskLimits = field(default_factory=RiskLimits)
    id_suffix: str = "A"
    sync_interval_s: float = 120.0  # clock seconds between REST reconciliations
    fill_sync_delay_s: float = 5.0  # clock seconds after a fill before the debounced sync
    bar_tick_s: float = 1.0  # clock seconds between bar flushes
    bar_grace_s: float = 2.0  # clock seconds a closed minute waits for prints still on the wire
    notice_grace_s: float = 2.0  # wall seconds a periodic sync leaves a new order's fills to notices
    warm_up_bars: int = 30  # minute bars fetched per symbol for indicator warm-up (0: none)
    warm_up_days: int = 180  # calendar days of daily chart kept in the store per symbol (0: none)


@dataclass(slots=True)
class SyncResult:
    report: reconcile.ReconcileReport
    diff: AccountDiff | None
    adopted: bool = False


class Trader:
    def __init__(
        self,
        broker: Broker,
        feed: KisMarketFeed,
        store: SqliteStore,
        clock: Clock,
        config: TraderConfig,
        *,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self.broker = broker
        self.feed = feed
        self.store = store
        self.clock = clock
        self.config = config
        self._checkpoint = checkpoint
        self.translator = NoticeTranslator()
        self.market = MarketDataManager(broker, store, clock)
        """Quotes, charts and the latest trade/book, with cache counters (the KPI's hit rate)."""
        self.kernel: Kernel | None = None
        self.io: StepIO | None = None
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.started_at: datetime = clock.now()
        self.last_tick_at: datetime | None = None
        self.last_sync: SyncResult | None = None
        self.recovery: SyncResult | None = None
        self.syncs = 0
        self.gaps: list[tuple[StreamGap, int]] = []
        """WebSocket gaps seen, each with the sync count at that moment (a sync must follow)."""
        self._sync_now = asyncio.Event()
        self._fill_seen = asyncio.Event()
        self._stopped = False
        self._feed_started = False
        self.day_open = False
        self.failures = 0
        """Failed reconciliations and warm-ups (the watchdog adds the engine's counters)."""
        self._day_ended = False
        self.recovered_day: date | None = None

    # --- recovery ------------------------------------------------------------------------

    def _need(self) -> tuple[Kernel, StepIO]:
        if self.kernel is None or self.io is None:
            raise RuntimeError("the trader has not recovered yet: await trader.start()")
        return self.kernel, self.io

    async def recover(self) -> SyncResult:
        """Rebuild the trading state from the store, then reconcile it with the broker."""
        now = self.clock.now()
        day = now.date()
        baseline = await load_baseline(self.store, day)
        if baseline is None:
            bal = await self.broker.balance()
            baseline = Baseline(
                day, bal.cash_d2, tuple((h.symbol, h.qty, h.purchase_amount) for h in bal.holdings if h.qty)
            )
            await save_baseline(self.store, baseline, now)
            logger.info("baseline for {}: cash {:,}, {} holdings", day, baseline.cash, len(baseline.holdings))
        portfolio = baseline.portfolio()
        records = [r for r in await self.store.list_orders() if r.created_at.date() == day]
        fills = await load_fills(self.store)
        wanted = {r.client_order_id for r in records}
        for f in fills:
            if f.client_order_id in wanted:
                portfolio.apply_fill(f.symbol, f.side, f.qty, f.price, commission=f.commission, tax=f.tax)
        await apply_adjustments(self.store, day, portfolio)
        await self._expire_old(day)
        ids = ClientIdFactory(self.config.id_suffix, start_seq=max_sequence(records, day) + 1)
        router = OrderRouter(portfolio, ids)
        for rec in records:
            own = [f for f in fills if f.client_order_id == rec.client_order_id]
            order = from_record(rec, own)
            reserve = None
            if order.is_open and order.side is Side.BUY and not order.limit_price:
                reserve = (await self.market.day_quote(order.symbol)).upper_limit  # a market buy's worst case
            router.restore(order, reserve)
        market = MarketState()
        switch = TradingSwitch(restore=await load_switch(self.store))
        gate = RiskGate(self.config.limits, portfolio, market, switch=switch)
        gate.start_day(day, baseline.cash + sum(h[2] for h in baseline.holdings))
        self.kernel = Kernel(
            self.config.strategies,
            gate,
            router,
            bar_builder=BarBuilder(flush_grace=timedelta(seconds=self.config.bar_grace_s)),
            start=now,
        )
        self.io = StepIO(self.kernel, self.broker, self.store, self.clock, checkpoint=self._checkpoint)
        self.io.on_fill = self._on_fill
        result = await self.sync(final=True)
        await self.record(
            "trader.recovered",
            orders=len(records),
            open=len(router.open_orders()),
            fills=len(fills),
            matched=result.report.matched,
            unmatched=result.report.unmatched,
            catch_up_fills=result.report.catch_up_fills,
            closed=result.report.closed,
            account_equal=bool(result.diff and result.diff.empty),
            adopted=result.adopted,
        )
        self.recovery = result
        self.recovered_day = day
        return result

    async def _expire_old(self, day: date) -> None:
        """Orders of earlier days still open in the store: day orders, expired at the broker."""
        for rec in await self.store.list_orders():
            if rec.created_at.date() < day and not OrderState(rec.state).is_terminal:
                await self.store.save_order(
                    replace(rec, state=OrderState.EXPIRED.value, reason="expired (earlier day)")
                )

    async def _warm_up(self) -> None:
        kernel, _ = self._need()
        if self.config.symbols:  # inquire-psbl-order: what the broker says we can buy now
            try:
                b = await self.broker.buyable(self.config.symbols[0])
                await self.record("account.buyable", symbol=self.config.symbols[0], cash=b.cash, qty=b.qty)
            except Exception as exc:
                logger.warning("buyable inquiry failed: {}", exc)
        q_day = self.clock.now().date()
        for sym in self.config.symbols:
            try:
                q = await self.market.day_quote(sym)
                kernel.market.set_base_price(sym, q.base)
                if self.config.warm_up_days:  # the daily chart, cached in the store (incremental)
                    await self.market.daily_bars(sym, q_day - timedelta(days=self.config.warm_up_days))
                bars = (
                    await self.market.minute_bars(sym, count=self.config.warm_up_bars)
                    if self.config.warm_up_bars
                    else []
                )
            except Exception as exc:
                self.failures += 1
                logger.warning("warm-up of {} failed: {}", sym, exc)
                continue
            for s in kernel.strategies:
                s.warm_up(sorted(bars, key=lambda b: b.start))

    # --- reconciliation ------------------------------------------------------------------

    async def sync(self, *, final: bool = False) -> SyncResult:
        """Reconcile orders with the broker's daily orders, then compare the account. A difference
        within the fee rounding of today's caught-up fills (``rounding_slack``) is settled by
        adopting the broker's figures; anything larger is reported and left for a human."""
        kernel, io = self._need()
        daily = await self.broker.daily_orders()
        report = reconcile.ReconcileReport()
        async with io.lock:
            now = self.clock.now()
            for ev in reconcile.match_events(kernel.router, daily, now, final=final, report=report):
                await io.apply(ev)
            skip = () if final else io.recently_acked(self.config.notice_grace_s)
            for ev in reconcile.total_events(kernel.router, daily, now, report, skip=skip):
                await io.apply(ev)
            await io.retry_orphans()
        for problem in report.problems or []:
            logger.warning("reconcile: {}", problem)
        balance = await self.broker.balance()
        async with io.lock:
            diff = compare(kernel.portfolio, balance)
            adopted = False
            settled = not kernel.router.open_orders()
            if not diff.empty and settled:
                await self.record("account.diff", **diff.detail())
                slack = rounding_slack(kernel.router.orders())
                if diff.explained_by(slack):
                    cash_delta, amounts = adopt(kernel.portfolio, diff)
                    await save_adjustment(self.store, now.date(), now, cash_delta, amounts)
                    adopted = True
                    await self.record("account.adopted", slack=slack, **diff.detail())
                    logger.info("adopted the broker's fee rounding ({} won): {}", diff.won, diff.detail())
                else:
                    logger.warning("local and broker accounts differ: {}", diff.detail())
        if report.changed:
            await self.record(
                "reconcile",
                matched=report.matched,
                unmatched=report.unmatched,
                catch_up_fills=report.catch_up_fills,
                closed=report.closed,
            )
        self.syncs += 1
        self.last_sync = SyncResult(report, diff, adopted)
        return self.last_sync

    # --- running -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the trading day of the clock's date (recovery first)."""
        await self.open_day()

    async def open_day(self) -> None:
        """Recover the clock's day from the store and the broker, warm the strategies up,
        subscribe the watchlist and start the tasks. Called again on each new trading day."""
        if self.tasks:
            raise RuntimeError("the trading day is already open: end_day() first")
        if self.kernel is None or self.recovered_day != self.clock.now().date() or self._day_ended:
            await self.recover()
        self._day_ended = False
        await self._warm_up()
        if not self._feed_started:
            await self.feed.start()
            self._feed_started = True
        await self.feed.subscribe(list(self.config.symbols))
        self.day_open = True
        await self.record("trader.started", mode=self.config.mode, symbols=list(self.config.symbols))
        self._spawn("feed", self._feed_loop())
        self._spawn("bars", self._bar_loop())
        self._spawn("sync", self._sync_loop())

    async def end_day(self) -> SyncResult | None:
        """Close the trading day: stop the tasks (under the engine lock: nothing half-sent), flush
        the last bars, reconcile finally (orders the broker closed are closed here too) and
        unsubscribe. The kernel keeps the day's books for the daily report until the next
        ``open_day``. Orders still open after the final reconciliation expired at the close (day
        orders). The WebSocket stays connected (PINGPONG) for the next day."""
        if not self.day_open:
            return None
        kernel, io = self._need()
        await self._stop_tasks()
        async with io.lock:
            await io.handle(kernel.tick(self.clock.now()))
        result = await self.sync(final=True)
        if kernel.router.open_orders():  # day orders: KRX expires what is left at the close
            async with io.lock:
                await io.handle(kernel.router.expire_open(self.clock.now(), "day order expired at the close"))
        with contextlib.suppress(Exception):
            await self.feed.unsubscribe(list(self.config.symbols))
        self.day_open = False
        self._day_ended = True
        await self.record("trader.day_ended", counters=str(io.counters))
        return result

    async def _stop_tasks(self) -> None:
        if self.io is not None:
            async with self.io.lock:
                for task in self.tasks.values():
                    task.cancel()
        for task in self.tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()

    def _spawn(self, name: str, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coro, name=f"trader.{name}")  # type: ignore[arg-type]
        self.tasks[name] = task
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            logger.opt(exception=task.exception()).error("task {} died", task.get_name())

    async def _guarded(self, what: str, exc: Exception) -> None:
        """A failure inside the trading path: log it, count it and stop new entries (REDUCING:
        exits, stops, notices and reconciliation keep running)."""
        kernel, io = self._need()
        io.counters.errors += 1
        logger.opt(exception=exc).error("{} failed: {}; trading switched to REDUCING", what, exc)
        try:
            reason = f"{what} failed: {exc}"
            step = kernel.set_state(TradingState.REDUCING, reason, "trader:error", self.clock.now())
            await io.handle(step)
        except Exception as again:
            logger.error("could not record the halt: {}", again)

    async def _feed_loop(self) -> None:
        kernel, io = self._need()
        async for ev in self.feed.all_events():
            async with io.lock:
                try:
                    await self._on_feed_event(kernel, io, ev)
                except Exception as exc:
                    await self._guarded(f"{type(ev).__name__} handling", exc)

    async def _on_feed_event(self, kernel: Kernel, io: StepIO, ev: object) -> None:
        if isinstance(ev, Trade):
            self.last_tick_at = self.clock.now()
            self.market.note(ev)
            await io.handle(kernel.on_trade(ev))
        elif isinstance(ev, OrderBook):
            self.market.note(ev)
            await io.handle(kernel.on_orderbook(ev))
        elif isinstance(ev, ExecutionNotice):
            for bev in self.translator.events(ev):
                await io.apply(bev)
        elif isinstance(ev, StreamGap):
            logger.warning("feed gap {:.1f}s ({}): reconciling", ev.duration, ev.reason)
            self.gaps.append((ev, self.syncs))
            self._sync_now.set()

    async def _bar_loop(self) -> None:
        kernel, io = self._need()
        while True:
            await self.clock.sleep(self.config.bar_tick_s)
            async with io.lock:
                try:
                    await io.handle(kernel.tick(self.clock.now()))
                except Exception as exc:
                    await self._guarded("bar flush", exc)

    async def _sync_loop(self) -> None:
        while True:
            waits = {
                asyncio.ensure_future(self.clock.sleep(self.config.sync_interval_s)),
                asyncio.ensure_future(self._sync_now.wait()),
                asyncio.ensure_future(self._fill_seen.wait()),
            }
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
            if self._fill_seen.is_set() and not self._sync_now.is_set():
                await self.clock.sleep(self.config.fill_sync_delay_s)  # debounce a burst of fills
            self._sync_now.clear()
            self._fill_seen.clear()
            try:
                await self.sync()
            except Exception as exc:
                self.failures += 1
                logger.warning("sync failed: {}", exc)

    def _on_fill(self, ev: FillApplied) -> None:
        del ev
        self._fill_seen.set()

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> None:
        kernel, io = self._need()
        async with io.lock:
            await io.handle(kernel.set_state(state, reason, source, self.clock.now()))

    async def stop(self) -> None:
        """Stop without leaving an order half-sent, reconcile once more, close the feed."""
        if self._stopped:
            return
        self._stopped = True
        if self.io is not None:
            async with self.io.lock:
                self.io.sending_enabled = False
        await self._stop_tasks()
        if self.io is not None:
            if self.day_open:
                try:
                    await self.sync()
                except Exception as exc:
                    logger.warning("final sync failed: {}", exc)
            await self.record("trader.stopped", counters=str(self.io.counters))
        await self.feed.aclose()

    def failure_total(self) -> int:
        """Failures so far: this trader's and today's engine's (unknown order outcomes, errors)."""
        c = self.io.counters if self.io is not None else None
        return self.failures + (c.unknown_outcome + c.errors if c is not None else 0)

    async def record(self, kind: str, **detail: object) -> None:
        """Append an event to the store's event log, stamped with the clock."""
        await self.store.add_event(EventRecord(self.clock.now(), kind, dict(detail)))


__all__ = ["SyncResult", "Trader", "TraderConfig"]
