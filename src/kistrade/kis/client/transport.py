"""The thin HTTP seam: send one request, read JSON whatever the status (shared/kis-protocol.md §3.4)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from kistrade.domain.errors import RetryableError


class TransportError(RetryableError):
    """The request may or may not have reached the server (timeout, reset, refused)."""

    def __init__(self, message: str, *, timeout: bool = False, sent: bool = True) -> None:
        super().__init__(message)
        self.timeout = timeout
        self.sent = sent


@dataclass(frozen=True, slots=True)
class RawResponse:
    status: int
    headers: Mapping[str, str]
    body: dict[str, Any]
    text: str


def _decode(text: str) -> dict[str, Any]:
    if not text:
        return {}
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deeply to decode
        return {}
    return data if isinstance(data, dict) else {}


async def send(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    body: Mapping[str, Any] | None = None,
    time_limit: float = 10.0,
) -> RawResponse:
    """One HTTP exchange. Network faults become ``TransportError`` (``sent`` False when refused)."""
    try:
        async with session.request(
            method,
            url,
            headers=dict(headers or {}),
            params=dict(params) if params is not None else None,
            data=json.dumps(body, ensure_ascii=False).encode() if body is not None else None,
            timeout=aiohttp.ClientTimeout(total=time_limit),
        ) as resp:
            text = await resp.text(encoding="utf-8", errors="replace")
            return RawResponse(resp.status, dict(resp.headers), _decode(text), text)
    except TimeoutError as exc:
        raise TransportError(f"{method} {url} timed out after {time_limit:.1f} s", timeout=True) from exc
    except aiohttp.ClientConnectorError as exc:
        raise TransportError(f"{method} {url}: cannot connect ({exc.os_error})", sent=False) from exc
    except aiohttp.ClientError as exc:
        raise TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc


async def post_json(
    session: aiohttp.ClientSession, url: str, body: Mapping[str, Any], *, time_limit: float = 10.0
) -> tuple[int, dict[str, Any]]:
    resp = await send(
        session,
        "POST",
        url,
        headers={"content-type": "application/json; charset=utf-8"},
        body=body,
        time_limit=time_limit,
    )
    return resp.status, resp.body
