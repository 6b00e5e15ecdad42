"""The simulator's WebSocket server (shared/kis-protocol.md §6, §11.7-§11.11).

Served at ``/``, ``/tryitout`` and ``/tryitout/{anything}``. Per session: subscribe/unsubscribe
with approval-key validation and the OPSP codes, a fresh AES key/iv returned in every successful
subscribe ack, PINGPONG every ``pingpong_interval`` seconds, and data frames fed by the
MarketHub's events: H0STCNT0 per print, H0STASP0 per book change (coalesced per symbol between
two sends), H0STCNI0 (real) / H0STCNI9 (paper) notices encrypted with the session key.

One sender task per session drains its pending records: controls first, then notices, prints and
books. More than ``BURST_THRESHOLD`` prints of a symbol at one instant (a burst: ``hub.burst``, a
sweep) go out as multi-record frames when ``multi_record_bursts`` is on; otherwise, and in normal
flow at any speed, one record per frame (§11.11: some clients keep only a frame's last record).
Faults (faults.py): drop every session, stop PINGPONG, added latency before each send.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, Protocol

from aiohttp import WSCloseCode, WSMsgType, web
from loguru import logger

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, parse_symbol
from kistrade.kis.protocol.crypto import AesCipher, new_session_key
from kistrade.kis.protocol.realtime import (
    WsRequestError,
    build_ack,
    build_pingpong,
    encode_data_frame,
    is_pingpong,
    notice_tr_id,
    parse_subscribe,
)
from kistrade.kis.protocol.realtime_fields import TR_ORDERBOOK, TR_TRADE
from kistrade.kis.simulator.market import BookUpdate, MarketEvent, MarketHub, OrderNotice, TradePrint
from kistrade.kis.simulator.ws_records import book_record, notice_record, session_frac, trade_record

MAX_SUBSCRIPTIONS = 40
BURST_THRESHOLD = 4
MAX_RECORDS_PER_FRAME = 50
MAX_PENDING_RECORDS = 50_000  # a client this far behind is disconnected (it is not reading)


class ApprovalAuth(Protocol):
    """What the WS server needs from the server engineer's AuthRegistry."""

    def is_valid_approval_key(self, key: str) -> str | None:
        """The app key of a valid approval key, else None."""
        ...

    def hts_id_for(self, app_key: str) -> str | None: ...


class WsFaults(Protocol):
    latency_ms: int
    pingpong_stopped: bool

    def add_drop_listener(self, listener: Any) -> None: ...

    def remove_drop_listener(self, listener: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class WsSettings:
    env: str = "real"
    pingpong_interval: float = 10.0
    notice_fields: int = 26
    multi_record_bursts: bool = True
    max_subscriptions: int = MAX_SUBSCRIPTIONS
    close_on_appkey_in_use: bool = False

    @classmethod
    def from_config(cls, config: Any) -> WsSettings:
        return cls(
            env=str(getattr(config, "env", "real")),
            pingpong_interval=float(getattr(config, "pingpong_interval", 10.0)),
            notice_fields=int(getattr(config, "notice_fields", 26)),
            multi_record_bursts=bool(getattr(config, "multi_record_bursts", True)),
        )


class _NoFaults:
    latency_ms = 0
    pingpong_stopped = False

    def add_drop_listener(self, listener: Any) -> None:
        del listener

    def remove_drop_listener(self, listener: Any) -> None:
        del listener


class WsSession:
    """One client connection: its subscriptions, cipher and pending output."""

    def __init__(self, ws: web.WebSocketResponse, server: WsServer) -> None:
        self.ws = ws
        self.server = server
        self.key, self.iv = new_session_key()
        self.cipher = AesCipher(self.key, self.iv)
        self.subs: set[tuple[str, str]] = set()
        self.app_key: str | None = None
        self.controls: list[str] = []
        self.trades: dict[str, list[tuple[datetime, tuple[str, ...]]]] = {}  # symbol -> (ts, record)
        self.books: dict[str, tuple[str, ...]] = {}
        self.notices: list[tuple[str, tuple[str, ...]]] = []
        self.wake = asyncio.Event()
        self.frames_sent = 0

    def market_subs(self) -> int:
        return sum(1 for tr, _ in self.subs if tr in (TR_TRADE, TR_ORDERBOOK))

    def push_control(self, text: str) -> None:
        self.controls.append(text)
        self.wake.set()

    def drain(self) -> list[str]:
        frames = self.controls
        self.controls = []
        for tr_id, rec in self.notices:
            frames.append(encode_data_frame(tr_id, [rec], encrypted=True, cipher=self.cipher))
        self.notices = []
        multi = self.server.settings.multi_record_bursts
        for pending in self.trades.values():
            # a burst = more than BURST_THRESHOLD prints at one instant (hub.burst, a sweep)
            for _, group in groupby(pending, key=itemgetter(0)):
                records = [rec for _, rec in group]
                if multi and len(records) > BURST_THRESHOLD:
                    for i in range(0, len(records), MAX_RECORDS_PER_FRAME):
                        frames.append(encode_data_frame(TR_TRADE, records[i : i + MAX_RECORDS_PER_FRAME]))
                else:
                    frames.extend(encode_data_frame(TR_TRADE, [r]) for r in records)
        self.trades = {}
        frames.extend(encode_data_frame(TR_ORDERBOOK, [r]) for r in self.books.values())
        self.books = {}
        return frames

    async def sender(self) -> None:
        faults = self.server.faults
        while not self.ws.closed:
            await self.wake.wait()
            self.wake.clear()
            if faults.latency_ms > 0:
                await asyncio.sleep(faults.latency_ms / 1000.0)
            for frame in self.drain():
                if self.ws.closed:
                    return
                await self.ws.send_str(frame)
                self.frames_sent += 1

    async def pinger(self) -> None:
        interval = self.server.settings.pingpong_interval
        while not self.ws.closed:
            await asyncio.sleep(interval)
            if not self.server.faults.pingpong_stopped:
                self.push_control(build_pingpong(self.server.hub.clock.now().astimezone(KST)))


class WsServer:
    """Sessions, subscriptions and the hub listener that feeds them."""

    def __init__(
        self, hub: MarketHub, auth: ApprovalAuth, settings: WsSettings, faults: WsFaults | None = None
    ) -> None:
        self.hub = hub
        self.auth = auth
        self.settings = settings
        self.faults: WsFaults = faults if faults is not None else _NoFaults()
        self.notice_tr = notice_tr_id(settings.env)
        self.sessions: set[WsSession] = set()
        self.app_keys: dict[str, WsSession] = {}
        self.by_tr: dict[str, dict[str, set[WsSession]]] = {
            TR_TRADE: {},
            TR_ORDERBOOK: {},
            self.notice_tr: {},
        }

    # --- lifecycle -----------------------------------------------------------------------
    async def on_startup(self, app: web.Application) -> None:
        del app
        self.hub.add_listener(self.on_event)
        self.faults.add_drop_listener(self.drop_all)

    async def on_shutdown(self, app: web.Application) -> None:
        del app
        self.hub.remove_listener(self.on_event)
        self.faults.remove_drop_listener(self.drop_all)
        await self._close(self.sessions, WSCloseCode.GOING_AWAY)

    def drop_all(self) -> None:
        """Fault: close every open session now (clients must reconnect and resubscribe)."""
        sessions = list(self.sessions)
        self._forget_all()
        task = asyncio.get_running_loop().create_task(self._close(sessions, WSCloseCode.GOING_AWAY))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    def _forget_all(self) -> None:
        for session in list(self.sessions):
            self._forget(session)

    async def _close(self, sessions: Iterable[WsSession], code: int) -> None:
        for session in list(sessions):
            with contextlib.suppress(Exception):
                await session.ws.close(code=code, message=b"session dropped")

    # --- handler -------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=1 << 20)
        await ws.prepare(request)
        session = WsSession(ws, self)
        self.sessions.add(session)
        tasks = [
            asyncio.create_task(session.sender(), name="sim-ws-sender"),
            asyncio.create_task(session.pinger(), name="sim-ws-pingpong"),
        ]
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    self.on_text(session, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    self.on_text(session, msg.data.decode("utf-8", "replace"))
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._forget(session)
            session.wake.set()
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        return ws

    def _forget(self, session: WsSession) -> None:
        self.sessions.discard(session)
        if session.app_key is not None and self.app_keys.get(session.app_key) is session:
            del self.app_keys[session.app_key]
        for tr_id, tr_key in session.subs:
            subs = self.by_tr.get(tr_id, {}).get(tr_key)
            if subs is not None:
                subs.discard(session)
        session.subs.clear()

    def on_text(self, session: WsSession, text: str) -> None:
        if is_pingpong(text):
            return  # a PINGPONG echoed back as text: never answered with another PINGPONG
        try:
            req = parse_subscribe(text)
        except WsRequestError as exc:
            session.push_control(build_ack("", "", exc.msg_cd))
            return
        app_key = self._app_key(req.approval_key, req.appkey, req.appsecret)
        if app_key is None:
            session.push_control(build_ack(req.tr_id, req.tr_key, "OPSP0011"))
            return
        holder = self.app_keys.get(app_key)
        if holder is not None and holder is not session:
            session.push_control(build_ack(req.tr_id, req.tr_key, "OPSP8996"))
            if self.settings.close_on_appkey_in_use:
                asyncio.get_running_loop().create_task(session.ws.close())
            return
        if session.app_key is None:
            session.app_key = app_key
            self.app_keys[app_key] = session
        code = self._check_target(req.tr_id, req.tr_key, app_key)
        if code is not None:
            session.push_control(build_ack(req.tr_id, req.tr_key, code))
        elif req.subscribe:
            self._subscribe(session, req.tr_id, req.tr_key)
        else:
            self._unsubscribe(session, req.tr_id, req.tr_key)

    def _app_key(self, approval_key: str, appkey: str, appsecret: str) -> str | None:
        if approval_key:
            return self.auth.is_valid_approval_key(approval_key)
        if appkey and appsecret:  # legacy header: appkey + appsecret instead of an approval key
            creds = getattr(self.auth, "credentials_for", None)
            found = creds(appkey) if callable(creds) else None
            if found is not None and getattr(found, "app_secret", None) == appsecret:
                return appkey
        return None

    def _check_target(self, tr_id: str, tr_key: str, app_key: str) -> str | None:
        if tr_id == self.notice_tr:
            return None if tr_key == self.auth.hts_id_for(app_key) else "OPSP8992"
        if tr_id not in (TR_TRADE, TR_ORDERBOOK):
            return "OPSP8991"
        try:
            symbol = parse_symbol(tr_key)
        except InvalidInputError:
            return "OPSP8992"
        if symbol != tr_key or not symbol[:6].isdigit():
            return "OPSP8992"
        self.hub.ensure_symbol(symbol)
        return None

    def _subscribe(self, session: WsSession, tr_id: str, tr_key: str) -> None:
        if (tr_id, tr_key) in session.subs:
            session.push_control(build_ack(tr_id, tr_key, "OPSP0002"))
            return
        if tr_id != self.notice_tr and session.market_subs() >= self.settings.max_subscriptions:
            session.push_control(build_ack(tr_id, tr_key, "OPSP0008"))
            return
        session.subs.add((tr_id, tr_key))
        self.by_tr[tr_id].setdefault(tr_key, set()).add(session)
        session.push_control(build_ack(tr_id, tr_key, "OPSP0000", iv=session.iv, key=session.key))

    def _unsubscribe(self, session: WsSession, tr_id: str, tr_key: str) -> None:
        if (tr_id, tr_key) not in session.subs:
            session.push_control(build_ack(tr_id, tr_key, "OPSP0003"))
            return
        session.subs.discard((tr_id, tr_key))
        self.by_tr[tr_id].get(tr_key, set()).discard(session)
        session.push_control(build_ack(tr_id, tr_key, "OPSP0001"))

    # --- hub events ----------------------------------------------------------------------
    def on_event(self, event: MarketEvent) -> None:
        try:
            if isinstance(event, TradePrint):
                self._on_print(event)
            elif isinstance(event, BookUpdate):
                self._on_book(event)
            elif isinstance(event, OrderNotice):
                self._on_notice(event)
        except Exception:  # a bad record must not stop the market pump
            logger.exception("WS fan-out of {} failed", type(event).__name__)

    def _on_print(self, p: TradePrint) -> None:
        subs = self.by_tr[TR_TRADE].get(p.symbol)
        if not subs:
            return
        info = self.hub.instruments.get(p.symbol)
        listed = info.listed_shares if info else 0
        limits = self.hub.exchange.engine.limits(p.symbol)
        rec = trade_record(p, (limits.upper, limits.lower), listed, session_frac(p.ts))
        for session in list(subs):
            pending = session.trades.setdefault(p.symbol, [])
            pending.append((p.ts, rec))
            session.wake.set()
            if len(pending) > MAX_PENDING_RECORDS:
                logger.warning(
                    "WS client {} fell {} prints behind on {}: dropped",
                    session.app_key,
                    len(pending),
                    p.symbol,
                )
                self._forget(session)
                asyncio.get_running_loop().create_task(self._close([session], WSCloseCode.POLICY_VIOLATION))

    def _on_book(self, b: BookUpdate) -> None:
        subs = self.by_tr[TR_ORDERBOOK].get(b.symbol)
        if not subs:
            return
        rec = book_record(b)
        for session in subs:
            session.books[b.symbol] = rec
            session.wake.set()

    def _on_notice(self, n: OrderNotice) -> None:
        subs = self.by_tr[self.notice_tr].get(n.hts_id)
        if not subs:
            return
        rec = notice_record(n, legacy=self.settings.notice_fields == 23)
        for session in subs:
            session.notices.append((self.notice_tr, rec))
            session.wake.set()


WS_SERVER: web.AppKey[WsServer] = web.AppKey("sim_ws_server", WsServer)


def make_ws_app(
    hub: MarketHub, auth: ApprovalAuth, config: Any, faults: WsFaults | None = None
) -> web.Application:
    """The WS application for one environment; ``config`` is a SimConfig (or anything with its
    ``env``, ``pingpong_interval``, ``notice_fields``, ``multi_record_bursts`` attributes)."""
    server = WsServer(hub, auth, WsSettings.from_config(config), faults)
    app = web.Application()
    app[WS_SERVER] = server
    app.on_startup.append(server.on_startup)
    app.on_shutdown.append(server.on_shutdown)
    app.router.add_get("/", server.handle)
    app.router.add_get("/tryitout", server.handle)
    app.router.add_get("/tryitout/{tail:.*}", server.handle)
    return app
