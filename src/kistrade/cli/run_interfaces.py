"""The interfaces of ``kistrade run``, started on the runtime's service (the composition root in
app/bootstrap.py does not import them):

* the HTTP dashboard (``settings.dashboard``; a port override, 0 = a free one) with a readiness
  probe (feed, token, store, risk state), the trader's bars and books, and the client's API usage;
* with ``telegram.enabled``: the Telegram command bot and the notifier, fed by
  :class:`TradeNotifications` (start/stop, fills, risk state changes, errors), which polls what
  the trader already reports (its counters and the service's status) once a wall second.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass

from loguru import logger

from kistrade.app.bootstrap import Runtime
from kistrade.app.logging_setup import redact_text
from kistrade.app.market_view import TraderMarketView
from kistrade.app.services import TraderService
from kistrade.app.settings import Settings
from kistrade.app.usage_view import ClientUsage
from kistrade.app.views import FillView
from kistrade.engine.events import TradingState
from kistrade.interfaces.http.protocols import ServiceReadinessProbe, UsageSnapshot
from kistrade.interfaces.http.server import serve_dashboard
from kistrade.interfaces.telegram_bot import start_telegram
from kistrade.notify.telegram import TelegramNotifier
from kistrade.ports import Notifier

POLL_S = 1.0
STOP_WAIT_S = 2.0
"""At stop, how long to wait for fills that were counted but are still being stored."""


@dataclass(frozen=True, slots=True)
class Interfaces:
    dashboard_url: str
    telegram: bool
    notifier: Notifier | None = None  # Telegram's, when enabled


class _Usage:
    """``UsageView`` over the app's :class:`ClientUsage`."""

    def __init__(self, client_usage: ClientUsage) -> None:
        self._usage = client_usage

    def usage(self) -> UsageSnapshot:
        return UsageSnapshot(**asdict(self._usage.usage()))


def readiness_probe(rt: Runtime) -> ServiceReadinessProbe:
    async def token_valid() -> bool:
        return rt.client.auth.status().seconds_left > 0

    async def store_writable() -> bool:
        try:  # a write statement that changes nothing: fails on a read-only or closed database
            await rt.store.db.write("UPDATE schema_version SET version = version WHERE version < 0")
        except Exception as exc:
            logger.warning("store write check failed: {}", exc)
            return False
        return True

    return ServiceReadinessProbe(rt.service, token_valid=token_valid, store_writable=store_writable)


class TradeNotifications:
    """Sends what the running trader reports to a Notifier: start/stop, new signals (with their
    reasons), new orders and their terminal states, each new fill, every risk state change and
    every new error (the trader counts errors and switches to REDUCING). A new trading day (a new
    engine) starts the counts again.

    Fills are told from the store, each stored fill once (a multiset of their rows: two equal
    executions are two fills). The trader counts a fill just before it is stored, so the count
    only says when to look: a look that finds fewer new rows than counted looks again at the next
    check, and stopping waits up to ``STOP_WAIT_S`` for fills still being written."""

    def __init__(self, rt: Runtime, notifier: Notifier, *, poll_s: float = POLL_S) -> None:
        self._rt = rt
        self._notifier = notifier
        self._poll_s = poll_s
        self._fills = 0  # the trader's fill count at the last look at the store
        self._owed = 0  # fills counted but not found in the store yet
        self._told: Counter[FillView] = Counter()
        self._errors = 0
        self._state: TradingState | None = None
        self._io: object | None = None
        self._signals: set[tuple[str, str, str]] = set()
        self._orders: dict[str, str] = {}

    def _counts(self) -> tuple[int, int]:
        io = self._rt.trader.io
        return (io.counters.fills, io.counters.errors) if io is not None else (0, 0)

    async def _baseline(self) -> None:
        """What exists now is not news (recovered orders, signals, fills)."""
        self._io = self._rt.trader.io
        self._fills, self._errors = self._counts()
        self._told = Counter(await self._rt.service.fills(limit=1 << 62))
        self._signals = {(str(s.ts), s.symbol, s.side) for s in await self._rt.service.signals(limit=50)}
        self._orders = {o.client_order_id: o.state for o in await self._rt.service.orders(limit=100)}

    async def check(self) -> None:
        """Compare with the last check and notify what changed."""
        svc = self._rt.service
        if self._rt.trader.io is not self._io:  # a new trading day: a new engine, counters from 0
            self._io = self._rt.trader.io
            self._fills = self._errors = 0
        fills, errors = self._counts()
        status = await svc.status()
        for sig in reversed(await svc.signals(limit=20)):
            key = (str(sig.ts), sig.symbol, sig.side)
            if key not in self._signals:
                self._signals.add(key)
                await self._notifier.notify(
                    "signal",
                    f"signal: {sig.side} {sig.symbol} strength {sig.strength:.2f} "
                    f"({sig.strategy}): {sig.reasons}",
                )
        for o in reversed(await svc.orders(limit=50)):
            before = self._orders.get(o.client_order_id)
            self._orders[o.client_order_id] = o.state
            if before is None:
                price = f"@ {o.limit_price:,}" if o.limit_price else "at market"
                await self._notifier.notify(
                    "order",
                    f"order: {o.side} {o.qty:,} {o.symbol} {price} ({o.purpose}, {o.client_order_id})",
                )
            elif before != o.state and o.state in ("cancelled", "rejected", "expired"):
                why = f": {o.reason}" if o.reason else ""
                await self._notifier.notify(
                    "order",
                    f"order {o.client_order_id} {o.symbol} {o.state}{why}",
                    urgent=o.state == "rejected",
                )
        if fills > self._fills or self._owed:
            self._owed += max(0, fills - self._fills)
            for f in await self._new_fills(svc, self._owed):
                self._owed = max(0, self._owed - 1)
                await self._notifier.notify(
                    "fill", f"fill: {f.side} {f.qty:,} {f.symbol} @ {f.price:,} ({f.client_order_id})"
                )
        if self._state is not None and status.state is not self._state:
            await self._notifier.notify(
                "risk",
                f"risk state {self._state.value} -> {status.state.value}: {status.state_reason} "
                f"({status.state_source})",
                urgent=status.state is TradingState.HALTED,
            )
        if errors > self._errors:
            await self._notifier.notify(
                "error", f"{errors - self._errors} error(s) in the trading path; see the log", urgent=True
            )
        self._fills, self._errors, self._state = fills, errors, status.state

    async def _new_fills(self, svc: TraderService, owed: int) -> list[FillView]:
        """Stored fills not told yet, oldest first (looking at the newest ``owed`` + 50 rows)."""
        rows = await svc.fills(limit=owed + 50)  # newest first
        have = Counter(rows)
        new: list[FillView] = []
        for f in reversed(rows):
            if have[f] > self._told[f]:
                self._told[f] += 1
                new.append(f)
        return new

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._poll_s)
            try:
                await self.check()
            except Exception as exc:
                logger.warning("notification check failed: {}", exc)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[TradeNotifications]:
        rt = self._rt
        await self._baseline()
        self._state = (await rt.service.status()).state
        symbols = ", ".join(rt.trader.config.symbols)
        await self._notifier.notify("start_stop", f"kistrade started: {rt.label}; trading {symbols}")
        task = asyncio.create_task(self._loop(), name="notify.trader")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(Exception):
                await self.check()
                deadline = asyncio.get_running_loop().time() + STOP_WAIT_S
                while self._owed and asyncio.get_running_loop().time() < deadline:
                    await asyncio.sleep(min(self._poll_s, 0.05))  # a fill still being written
                    await self.check()
            await self._notifier.notify("start_stop", "kistrade stopping")


def telegram_notifier(settings: Settings, mode: str) -> TelegramNotifier:
    """The Telegram notifier of the settings (enter it as an async context)."""
    tg = settings.telegram
    return TelegramNotifier(
        token=tg.bot_token.get_secret_value() if tg.bot_token else "",
        chat_ids=tg.allowed_chat_ids,
        mode=mode,
        redact=redact_text,
        levels=tg.notify.model_dump(),
        base_url=tg.base_url,
    )


@asynccontextmanager
async def open_interfaces(
    settings: Settings, rt: Runtime, dashboard_port: int | None = None
) -> AsyncIterator[Interfaces]:
    """Serve the dashboard (and Telegram when enabled) until the block exits."""
    dash = settings.dashboard
    if dashboard_port is not None:
        dash = dash.model_copy(update={"port": dashboard_port})
    async with AsyncExitStack() as stack:
        server = await stack.enter_async_context(
            serve_dashboard(
                dash,
                rt.service,
                health_probe=readiness_probe(rt),
                market=TraderMarketView(rt.trader),
                usage=_Usage(ClientUsage(rt.client, rt.trader.market.stats)),
            )
        )
        tg = settings.telegram
        notifier: Notifier | None = None
        if tg.enabled:
            notifier = await stack.enter_async_context(telegram_notifier(settings, rt.mode))
            await stack.enter_async_context(start_telegram(tg, rt.service, rt.mode, redact=redact_text))
            await stack.enter_async_context(TradeNotifications(rt, notifier).running())
        yield Interfaces(server.url, tg.enabled, notifier)


__all__ = ["Interfaces", "TradeNotifications", "open_interfaces", "readiness_probe", "telegram_notifier"]
