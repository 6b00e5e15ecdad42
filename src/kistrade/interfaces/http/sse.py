"""``/events``: server-sent events. On connect every topic is sent, then each topic again when it
changes (``event: <topic>``, ``data: <json>``); ``equity`` sends the new curve points. A comment
line every ``heartbeat_s`` keeps proxies and the browser's EventSource from timing out."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from kistrade.interfaces.http.api import DEPS
from kistrade.interfaces.http.serialize import dumps

HEARTBEAT_S: web.AppKey[float] = web.AppKey("kistrade_http_heartbeat", float)


def _frame(event: str, data: str) -> bytes:
    return f"event: {event}\ndata: {data}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    hub = request.app[DEPS].hub
    heartbeat = request.app[HEARTBEAT_S]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    seen: dict[str, int] = {}
    cursor = 0
    try:
        while not hub.closed:
            wake = hub.changed_event()
            chunks = [_frame(topic, text) for topic, text in hub.diff(seen).items()]
            points, new_cursor = hub.equity_since(cursor)
            if points:
                chunks.append(_frame("equity", dumps({"points": points, "reset": cursor == 0})))
            cursor = new_cursor
            if chunks:
                await response.write(b"".join(chunks))
            try:
                await asyncio.wait_for(wake.wait(), heartbeat)
            except TimeoutError:
                await response.write(b": heartbeat\n\n")
    except ConnectionResetError:
        return response  # the browser went away
    with contextlib.suppress(ConnectionResetError, RuntimeError):
        await response.write_eof()
    return response
