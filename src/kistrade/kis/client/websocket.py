"""KIS real-time WebSocket client: subscriptions with tracked acks, PINGPONG, decryption,
auto-reconnect with resubscription, and a gap event per outage.

Events come out of ``events()``: domain ``Trade`` and ``OrderBook``, ``ExecutionNotice`` and
``StreamGap`` (the connection was down from start to end; reconcile ``symbols``). A frame that
fails to parse is counted and logged; it never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import aiohttp
from loguru import logger

from kistrade.clock import clock_speed
from kistrade.domain.errors import KistradeError, ParseError, RejectedError
from kistrade.kis.client.auth import KISAuthManager
from kistrade.kis.client.env import KisEndpoints, KisEnv
from kistrade.kis.client.metrics import WS_FRAMES, WS_PARSE_ERRORS, WS_RECONNECTS, WsStats
from kistrade.kis.client.models import StreamGap, SubscriptionLimitError
from kistrade.kis.client.ws_events import Event, FrameDecoder
from kistrade.kis.protocol.codes import ErrorClass, classify
from kistrade.kis.protocol.endpoints import WS_PATH
from kistrade.kis.protocol.realtime import ControlFrame, build_subscribe
from kistrade.kis.protocol.realtime_fields import (
    NOTICE_TRS,
    TR_NOTICE_PAPER,
    TR_NOTICE_REAL,
    TR_ORDERBOOK,
    TR_TRADE,
)
from kistrade.ports import Clock

Key = tuple[str, str]
WsEvent = Event | StreamGap
MAX_SUBSCRIPTIONS = 40


class KisWebSocket:
    def __init__(
        self,
        endpoints: KisEndpoints,
        auth: KISAuthManager,
        clock: Clock,
        *,
        session: aiohttp.ClientSession | None = None,
        max_subscriptions: int = MAX_SUBSCRIPTIONS,
        heartbeat: float = 30.0,
        ack_timeout: float = 5.0,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        queue_size: int = 100_000,
        custtype: str = "P",
        rng: random.Random | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.endpoints = endpoints
        self.auth = auth
        self.clock = clock
        self.max_subscriptions = max_subscriptions
        self.heartbeat = heartbeat
        self.ack_timeout = ack_timeout
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.custtype = custtype
        self.stats = WsStats()
        self.decoder = FrameDecoder(lambda: self.clock.now().date())
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._session = session
        self._own_session = session is None
        self._desired: dict[Key, None] = {}
        self._registered: set[Key] = set()
        self._pending: dict[Key, asyncio.Future[ControlFrame]] = {}
        self._queue: asyncio.Queue[WsEvent] = asyncio.Queue(queue_size)
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._approval: str | None = None
        self._drop_reason = ""
        self._clock_speed = clock_speed(clock)
        self.dropped_events = 0

    # ---- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        base = self.endpoints.ws_url
        return base if base.rstrip("/").endswith(WS_PATH) else base + WS_PATH

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    async def start(self) -> None:
        if self._task is None:
            self._closing = False
            self._task = asyncio.create_task(self._run(), name="kis-websocket")

    async def wait_connected(self, within: float | None = None) -> None:
        await asyncio.wait_for(self._connected.wait(), within)

    async def aclose(self) -> None:
        self._closing = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> KisWebSocket:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ---- subscriptions --------------------------------------------------------------------
    def subscriptions(self) -> list[Key]:
        return list(self._desired)

    def _counted(self) -> int:
        return sum(1 for tr, _ in self._desired if tr not in NOTICE_TRS)

    async def subscribe(self, tr_id: str, tr_key: str) -> None:
        """Register (tr_id, tr_key); waits for the ack when connected. More than
        ``max_subscriptions`` market-data registrations raise ``SubscriptionLimitError``."""
        key = (tr_id, tr_key)
        if key in self._desired:
            return
        if tr_id not in NOTICE_TRS and self._counted() >= self.max_subscriptions:
            raise SubscriptionLimitError(
                f"cannot subscribe {tr_id} {tr_key}: a KIS WebSocket session holds at most "
                f"{self.max_subscriptions} real-time registrations and all are in use; unsubscribe "
                f"some first ({len(self._desired)} held)"
            )
        self._desired[key] = None
        if self.connected:
            try:
                await self._request(key, subscribe=True)
            except BaseException:
                self._desired.pop(key, None)
                raise

    async def unsubscribe(self, tr_id: str, tr_key: str) -> None:
        key = (tr_id, tr_key)
        if key not in self._desired:
            return
        del self._desired[key]
        if self.connected and key in self._registered:
            with contextlib.suppress(RejectedError, TimeoutError):
                await self._request(key, subscribe=False)
        self._registered.discard(key)

    async def subscribe_market(self, symbols: list[str], *, trades: bool = True, book: bool = True) -> None:
        wanted = [(TR_TRADE, s) for s in symbols if trades] + [(TR_ORDERBOOK, s) for s in symbols if book]
        new = [k for k in wanted if k not in self._desired]
        if self._counted() + len(new) > self.max_subscriptions:
            raise SubscriptionLimitError(
                f"{len(new)} more registrations for {len(symbols)} symbols would exceed the KIS limit of "
                f"{self.max_subscriptions} per session ({self._counted()} in use): ask for fewer symbols"
            )
        for tr, sym in new:
            await self.subscribe(tr, sym)

    async def unsubscribe_market(self, symbols: list[str]) -> None:
        for sym in symbols:
            await self.unsubscribe(TR_TRADE, sym)
            await self.unsubscribe(TR_ORDERBOOK, sym)

    async def subscribe_notices(self, hts_id: str) -> None:
        """Execution notices for the HTS id (H0STCNI0 real, H0STCNI9 paper)."""
        if not hts_id.strip():
            raise RejectedError("execution notices need the HTS id (the KIS login id), got an empty one")
        tr = TR_NOTICE_PAPER if self.endpoints.env is KisEnv.PAPER else TR_NOTICE_REAL
        await self.subscribe(tr, hts_id.strip())

    async def _request(self, key: Key, *, subscribe: bool) -> ControlFrame:
        ws = self._ws
        if ws is None:
            raise RejectedError(f"WebSocket not connected: cannot send {key[0]} {key[1]}")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[ControlFrame] = loop.create_future()
        self._pending[key] = fut
        if self._approval is None:
            self._approval = await self.auth.get_websocket_approval_key(fresh=True)
        approval = self._approval
        try:
            await ws.send_str(
                build_subscribe(approval, key[0], key[1], subscribe=subscribe, custtype=self.custtype)
            )
            return await asyncio.wait_for(fut, self.ack_timeout)
        finally:
            if self._pending.get(key) is fut:
                del self._pending[key]

    # ---- events ---------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[WsEvent]:
        while True:
            yield await self._queue.get()

    def _emit(self, event: WsEvent) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped_events += 1

    # ---- connection loop ------------------------------------------------------------------
    def _backoff(self, attempt: int) -> float:
        step = min(self.backoff_cap, self.backoff_base * float(1 << min(attempt, 30)))
        return step * (0.5 + 0.5 * self._rng.random())

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def reconnect(self, reason: str) -> bool:
        """Drop the current connection (a stale feed): the run loop reconnects, resubscribes and
        reports the gap as usual. False when there is no connection to drop."""
        ws = self._ws
        if ws is None or ws.closed:
            return False
        self._drop_reason = reason
        await ws.close()
        return True

    async def _run(self) -> None:
        attempt = 0
        down_since: datetime | None = None
        reason = ""
        while not self._closing:
            try:
                self._approval = await self.auth.get_websocket_approval_key()
                session = await self._http()
                async with session.ws_connect(self.url, heartbeat=self.heartbeat, autoping=True) as ws:
                    self._ws = ws
                    self._registered.clear()
                    self._connected.set()
                    reader = asyncio.create_task(self._read(ws), name="kis-websocket-read")
                    try:
                        await self._resubscribe()
                        if down_since is not None:
                            self._emit(
                                StreamGap(
                                    start=down_since,
                                    end=self.clock.now(),
                                    symbols=tuple(
                                        sorted({k for t, k in self._desired if t not in NOTICE_TRS})
                                    ),
                                    reason=reason,
                                    attempts=attempt,
                                )
                            )
                            down_since = None
                        attempt = 0
                        await reader
                    finally:
                        reader.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await reader
                reason = self._drop_reason or f"closed by the server (code {ws.close_code})"
                self._drop_reason = ""
            except asyncio.CancelledError:
                raise
            except (aiohttp.ClientError, OSError, TimeoutError, KistradeError) as exc:
                reason = (
                    f"{type(exc).__name__}: {exc}"  # auth/config errors too: logged, retried with backoff
                )
            finally:
                self._ws = None
                self._connected.clear()
                for fut in self._pending.values():
                    if not fut.done():
                        fut.set_exception(RejectedError("WebSocket connection lost before the ack"))
                self._pending.clear()
            if self._closing:
                break
            if down_since is None:
                down_since = self.clock.now()
            attempt += 1
            self.stats.reconnects += 1
            WS_RECONNECTS.inc()
            delay = self._backoff(attempt)
            logger.warning("KIS WebSocket down ({}); reconnect #{} in {:.2f} s", reason, attempt, delay)
            await self._sleep(delay)

    async def _resubscribe(self) -> None:
        for key in list(self._desired):
            try:
                await self._request(key, subscribe=True)
            except (RejectedError, TimeoutError) as exc:
                logger.error("KIS WebSocket: resubscribing {} {} failed: {}", key[0], key[1], exc)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.TEXT:
                await self._on_text(ws, msg.data)
            elif msg.type is aiohttp.WSMsgType.BINARY:
                await self._on_text(ws, msg.data.decode("utf-8", errors="replace"))
            elif msg.type in (aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSED):
                break

    async def _on_text(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
        if text[:1] in ("0", "1"):
            self.stats.frames += 1
            try:
                events = self.decoder.decode(text)
            except ParseError as exc:
                self._parse_error(text, exc)
                return
            WS_FRAMES.labels(text[2:10]).inc()
            self._on_events(events)
            return
        try:
            frame = self.decoder.parse(text)
        except ParseError as exc:
            self._parse_error(text, exc)
            return
        if not isinstance(frame, ControlFrame):
            return
        self.stats.control_messages += 1
        if frame.is_pingpong:
            self.stats.pingpongs += 1
            await ws.pong(text.encode("utf-8"))
            return
        self._on_ack(frame)

    def _on_events(self, events: list[Event]) -> None:
        now = None
        for ev in events:
            self.stats.records += 1
            if now is None:
                now = self.clock.now()
            # in wall seconds: an accelerated (simulated) clock's seconds are 1/speed of one
            self.stats.lag((now - ev.ts).total_seconds() / self._clock_speed)
            self._emit(ev)

    def _parse_error(self, text: str, exc: ParseError) -> None:
        self.stats.parse_errors += 1
        WS_PARSE_ERRORS.inc()
        if self.stats.parse_errors <= 20 or self.stats.parse_errors % 1000 == 0:
            logger.warning("KIS WebSocket: bad frame #{} ({}): {!r}", self.stats.parse_errors, exc, text[:80])

    def _on_ack(self, frame: ControlFrame) -> None:
        key = (frame.tr_id, frame.tr_key)
        fut = self._pending.get(key)
        if fut is None:  # unsubscribe acks may omit tr_key: first pending of that TR
            fut = next((f for (tr, _), f in self._pending.items() if tr == frame.tr_id), None)
        cls = classify(frame.msg_cd, frame.rt_cd)
        if cls is ErrorClass.OK:
            if frame.iv and frame.key and frame.tr_id in NOTICE_TRS:
                try:
                    self.decoder.set_cipher(frame.tr_id, frame.key, frame.iv)
                except ParseError as exc:  # an unusable key/iv: this subscription fails, the session stays
                    bad = RejectedError(f"KIS {frame.tr_id} ack carries an unusable notice key/iv: {exc}")
                    if fut is not None and not fut.done():
                        fut.set_exception(bad)
                    else:
                        logger.warning("KIS WebSocket control message: {}", bad)
                    return
            if frame.msg_cd != "OPSP0001" and not frame.msg1.upper().startswith("UNSUB"):
                self._registered.add(key)
            if fut is not None and not fut.done():
                fut.set_result(frame)
            return
        error: Exception
        if frame.msg_cd == "OPSP0008":
            error = SubscriptionLimitError(
                f"KIS refused {frame.tr_id} {frame.tr_key}: {frame.msg_cd} {frame.msg1} "
                "(the session's registration limit is reached)"
            )
        else:
            error = RejectedError(
                f"KIS refused {frame.tr_id} {frame.tr_key}: {frame.msg_cd} {frame.msg1}", code=frame.msg_cd
            )
        if cls is ErrorClass.REAUTH:
            self._approval = None
        if fut is not None and not fut.done():
            fut.set_exception(error)
        else:
            logger.warning("KIS WebSocket control message: {}", error)
