"""A fake Telegram Bot API server (aiohttp, loopback) that python-telegram-bot talks to for real.

It answers ``/bot<TOKEN>/<method>`` in the Bot API's JSON shapes (``{"ok": true, "result": ...}``)
for what the library and kistrade call: getMe, getUpdates (long polling with offset/timeout),
sendMessage, setMyCommands, getMyCommands, deleteWebhook, getWebhookInfo, close, logOut.
Parameters arrive form-encoded (each non-string value JSON-encoded, as PTB sends them) or as a
JSON body.

For tests: ``push_command(chat_id, "/status")`` injects an incoming message; ``sent`` holds every
sendMessage (chat id, text, disable_notification, parse_mode, arrival time on the monotonic
clock) and ``calls`` every request; ``wait_for(condition, within)`` and ``wait_for_sent(count)``
wait for a condition (re-checked on each request) without sleeping; ``fail_next(method,
status, times, retry_after)`` makes the next calls fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER: dict[str, Any] = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "kistrade",
    "username": "kistrade_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_EPOCH = 1_764_000_000  # a fixed message date: tests do not read the wall clock
_JSON_FIELDS = {
    "chat_id",
    "offset",
    "limit",
    "timeout",
    "disable_notification",
    "drop_pending_updates",
    "allowed_updates",
    "commands",
    "protect_content",
    "reply_parameters",
}


@dataclass(frozen=True, slots=True)
class SentMessage:
    chat_id: int
    text: str
    disable_notification: bool | None
    parse_mode: str | None
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the request arrived


@dataclass(slots=True)
class _Fault:
    status: int
    times: int
    retry_after: int | None = None


@dataclass(slots=True)
class FakeTelegram:
    token: str
    sent: list[SentMessage] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    commands: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _next_update_id: int = 100
    _next_message_id: int = 1
    _faults: dict[str, list[_Fault]] = field(default_factory=dict)
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    _closing: bool = False

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # --- test controls -----------------------------------------------------------------------

    async def push_command(self, chat_id: int, text: str, *, user_id: int | None = None) -> int:
        """Queue an incoming text message (a ``bot_command`` entity when it starts with '/')."""
        command = text.split(maxsplit=1)[0] if text.startswith("/") else ""
        message: dict[str, Any] = {
            "message_id": self._take_message_id(),
            "date": _EPOCH,
            "chat": {"id": chat_id, "type": "private", "first_name": "trader"},
            "from": {"id": user_id or chat_id, "is_bot": False, "first_name": "trader"},
            "text": text,
        }
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        update_id = self._next_update_id
        self._next_update_id += 1
        self._updates.append({"update_id": update_id, "message": message})
        await self._notify()
        return update_id

    def fail_next(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        self._faults.setdefault(method, []).append(_Fault(status, times, retry_after))

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [m for m in self.sent if m.chat_id == chat_id]

    def calls_of(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(self, condition: Callable[[], bool], within: float = 5.0) -> None:
        """Wait until ``condition()`` holds (re-checked on every request the server answers)."""
        assert self._changed is not None
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    async def wait_for_sent(self, count: int, *, chat_id: int | None = None, within: float = 5.0) -> None:
        def enough() -> bool:
            box = self.sent if chat_id is None else self.sent_to(chat_id)
            return len(box) >= count

        await self.wait_for(enough, within)

    # --- the API -----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        at = time.monotonic()
        method = request.match_info["method"]
        params = await _params(request)
        self.calls.append(Call(method, params, at))
        try:
            if request.match_info["token"] != self.token:
                return _error(401, "Unauthorized")
            fault = self._take_fault(method)
            if fault is not None:
                return _fault_response(fault)
            if method == "getUpdates":
                return _ok(await self._get_updates(params))
            handler = self._methods().get(method)
            if handler is None:
                return _error(404, "Not Found: method not found")
            return _ok(handler(params))
        finally:
            await self._notify()

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], Any]]:
        return {
            "getMe": lambda _: BOT_USER,
            "sendMessage": self._send_message,
            "setMyCommands": self._set_commands,
            "getMyCommands": lambda _: self.commands,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": lambda _: {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
            },
            "close": lambda _: True,
            "logOut": lambda _: True,
        }

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        at = time.monotonic()
        chat_id = int(params["chat_id"])
        text = str(params["text"])
        silent = params.get("disable_notification")
        self.sent.append(SentMessage(chat_id, text, silent, params.get("parse_mode"), at))
        return {
            "message_id": self._take_message_id(),
            "date": _EPOCH,
            "chat": {"id": chat_id, "type": "private", "first_name": "trader"},
            "from": BOT_USER,
            "text": text,
        }

    def _set_commands(self, params: dict[str, Any]) -> bool:
        self.commands = list(params.get("commands") or [])
        return True

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        poll_s = float(params.get("timeout") or 0)
        if offset:  # confirms every update below offset
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

        def ready() -> bool:
            return self._closing or any(u["update_id"] >= offset for u in self._updates)

        assert self._changed is not None
        if not ready() and poll_s > 0:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_s), self._changed:
                    await self._changed.wait_for(ready)
        return [u for u in self._updates if u["update_id"] >= offset][:limit]

    # --- helpers -----------------------------------------------------------------------------

    def _take_message_id(self) -> int:
        self._next_message_id += 1
        return self._next_message_id

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        return fault

    async def _notify(self) -> None:
        if self._changed is None:
            return
        async with self._changed:
            self._changed.notify_all()


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else {}
    raw = dict(await request.post()) if request.can_read_body else dict(request.query)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        text = value if isinstance(value, str) else str(value)
        if key in _JSON_FIELDS:
            try:
                out[key] = json.loads(text)
                continue
            except ValueError:
                pass
        out[key] = text
    return out


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _fault_response(fault: _Fault) -> web.Response:
    if fault.retry_after is not None:
        return _error(
            fault.status,
            f"Too Many Requests: retry after {fault.retry_after}",
            {"retry_after": fault.retry_after},
        )
    return _error(fault.status, "Internal Server Error" if fault.status >= 500 else "Bad Request")
