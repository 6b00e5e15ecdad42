"""The trading runtime as the scheduler's :class:`DayHooks`: open the day (recover, warm up,
subscribe, start the watchdog), announce the closing auction, end the day (final reconciliation,
the daily report, its notification) and announce the sleep to the next session.

Every announcement goes to the log, the store's event log and the notifier (the mode is in every
message: the notifier prefixes it)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field, replace
from datetime import datetime

from loguru import logger

from kistrade.app.scheduler import DayPlan
from kistrade.app.services import TraderService
from kistrade.app.trader import Trader
from kistrade.app.trader_watch import TraderWatch, WatchConfig
from kistrade.app.views import DailyReport
from kistrade.clock import clock_speed
from kistrade.engine.events import TradingState
from kistrade.ports import Notifier


class LogNotifier:
    """The notifier when Telegram is off: the log only."""

    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None:
        (logger.warning if urgent else logger.info)("[{}] {}", kind, text)


class _WatchView:
    """The watchdog's view of the trader."""

    def __init__(self, trader: Trader) -> None:
        self.t = trader

    def now(self) -> datetime:
        return self.t.clock.now()

    def failure_total(self) -> int:
        return self.t.failure_total()

    def state(self) -> tuple[TradingState, str]:
        if self.t.kernel is None:
            return TradingState.ACTIVE, ""
        snap = self.t.kernel.gate.switch.snapshot()
        return snap.state, snap.source

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> None:
        await self.t.set_state(state, reason=reason, source=source)

    def feed_connected(self) -> bool:
        return self.t.feed.ws.connected

    def last_tick_at(self) -> datetime | None:
        return self.t.last_tick_at

    async def record(self, kind: str, **detail: object) -> None:
        await self.t.record(kind, **detail)


@dataclass(slots=True)
class TradingDays:
    """Also runs the :class:`TraderWatch` while a day is open; ``close()`` stops it."""

    trader: Trader
    service: TraderService
    notifier: Notifier = field(default_factory=LogNotifier)
    reports: list[DailyReport] = field(default_factory=list)
    watch_config: WatchConfig = field(default_factory=WatchConfig)
    watch: TraderWatch | None = None
    _watch_task: asyncio.Task[None] | None = None

    async def _watch_loop(self, watch: TraderWatch) -> None:
        while True:
            await self.trader.clock.sleep(watch.config.interval_s)
            try:
                await watch.check()
            except Exception as exc:
                logger.warning("watchdog check failed: {}", exc)

    async def close(self) -> None:
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def open_day(self, plan: DayPlan) -> None:
        t = self.trader
        if not t.day_open:
            await t.open_day()
        if self.watch is None:
            # an accelerated clock stretches every wall-second pause (a reconnect, a busy
            # simulator) into minutes: stale means silent for 10 wall seconds as well
            stale = max(self.watch_config.stale_after_s, 10.0 * clock_speed(t.clock))
            cfg = replace(self.watch_config, stale_after_s=stale)
            self.watch = TraderWatch(_WatchView(t), t.feed.ws.reconnect, cfg)
        self.watch.reset()
        if self._watch_task is None:
            self._watch_task = asyncio.create_task(self._watch_loop(self.watch), name="trader.watch")
        symbols = ", ".join(t.config.symbols)
        await self.trader.record("day.open", day=plan.day.isoformat())
        await self.notifier.notify(
            "start_stop",
            f"{plan.day} 장 준비 완료 trading day open: {symbols}; open {plan.open:%H:%M}, "
            f"closing auction {plan.closing_auction:%H:%M}, close {plan.close:%H:%M}",
        )

    async def closing_auction(self, plan: DayPlan) -> None:
        await self.trader.record("day.closing_auction", day=plan.day.isoformat())
        await self.notifier.notify(
            "start_stop", f"{plan.day} {plan.closing_auction:%H:%M} 동시호가 closing auction: no new entries"
        )

    async def end_day(self, plan: DayPlan) -> None:
        await self.close()
        result = await self.trader.end_day()
        report = await self.service.daily_report()
        equal = result is not None and result.diff is not None and (result.diff.empty or result.adopted)
        report.extra["books_equal_broker"] = equal
        self.reports.append(report)
        await self.trader.record(
            "day.report",
            day=plan.day.isoformat(),
            trades=report.trades,
            fills=report.fills,
            signals=report.signals,
            day_pnl=report.pnl.day_pnl,
            realized=report.pnl.realized,
            books_equal_broker=equal,
        )
        verdict = "장부 일치 books equal the broker" if equal else "장부 불일치 books DIFFER from the broker"
        await self.notifier.notify("daily_report", f"{report.text}\n{verdict}", urgent=not equal)

    async def idle(self, plan: DayPlan) -> None:
        await self.trader.record("day.sleep", until=plan.warm_up.isoformat())
        await self.notifier.notify(
            "start_stop", f"장 휴장 market closed: sleeping until {plan.warm_up:%Y-%m-%d %H:%M} (warm-up)"
        )


__all__ = ["LogNotifier", "TradingDays"]
