"""What the CLI calls for ``kistrade quote|balance|watch|token``: async functions taking explicit
parameters and returning data (the CLI renders it with rich)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from kistrade.clock import AffineClock, AffineMap
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import OrderBook, parse_symbol
from kistrade.kis.client.auth import TokenStatus
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.kis.client.models import Balance, Quote
from kistrade.kis.client.transport import send
from kistrade.kis.client.websocket import WsEvent
from kistrade.ports import Clock


@dataclass(frozen=True, slots=True)
class QuoteView:
    quote: Quote
    book: OrderBook


async def quote(config: KisClientConfig, clock: Clock, symbol: str) -> QuoteView:
    """``kistrade quote SYMBOL``: current price and the 10-level book."""
    sym = parse_symbol(symbol)
    async with KisClient(config, clock) as kis:
        q, book = await asyncio.gather(kis.quotes.quote(sym), kis.quotes.orderbook(sym))
        return QuoteView(q, book)


async def balance(config: KisClientConfig, clock: Clock) -> Balance:
    """``kistrade balance``: cash (D+0/D+2), holdings with average prices, totals."""
    async with KisClient(config, clock) as kis:
        return await kis.accounts.balance()


async def watch(
    config: KisClientConfig,
    clock: Clock,
    symbols: list[str],
    *,
    notices: bool = False,
    max_events: int | None = None,
) -> AsyncIterator[WsEvent]:
    """``kistrade watch SYMBOL...``: trades, books (and notices with ``notices=True`` and an HTS id)
    until the caller stops iterating (Ctrl-C) or ``max_events`` arrived. Gaps come as StreamGap."""
    syms = [parse_symbol(s) for s in symbols]
    async with KisClient(config, clock) as kis:
        ws = kis.ws
        await ws.start()
        await ws.wait_connected(config.timeout)
        await ws.subscribe_market(list(syms))
        if notices and kis.hts_id:
            await ws.subscribe_notices(kis.hts_id)
        seen = 0
        async for ev in ws.events():
            yield ev
            seen += 1
            if max_events is not None and seen >= max_events:
                return


async def token_status(config: KisClientConfig, clock: Clock) -> TokenStatus:
    """``kistrade token status``: the cached token's expiry and a short preview (never the token)."""
    async with KisClient(config, clock) as kis:
        return kis.auth.status()


async def token_issue(config: KisClientConfig, clock: Clock) -> TokenStatus:
    """``kistrade token issue``: a valid token in the cache (reused when one is still valid)."""
    async with KisClient(config, clock) as kis:
        await kis.auth.get_access_token()
        return kis.auth.status()


async def token_revoke(config: KisClientConfig, clock: Clock) -> bool:
    """``kistrade token revoke``: revoke at KIS and drop from the cache; False when none was cached."""
    async with KisClient(config, clock) as kis:
        return await kis.auth.revoke()


async def fetch_sim_clock(rest_url: str, *, time_limit: float = 5.0) -> AffineClock:
    """The clock a running ``kistrade sim`` publishes on ``GET /sim/clock`` (an affine map of wall
    time), so that the client dates orders and measures frame lag on the simulated session."""
    async with aiohttp.ClientSession() as session:
        resp = await send(session, "GET", rest_url.rstrip("/") + "/sim/clock", time_limit=time_limit)
    if resp.status != 200 or not resp.body:
        raise ConfigError(
            f"{rest_url} did not answer GET /sim/clock (HTTP {resp.status}): is it a kistrade sim?"
        )
    return AffineClock(AffineMap.from_dict(resp.body))


@dataclass(frozen=True, slots=True)
class SimAttachment:
    """What a running ``kistrade sim`` tells a client that attaches to it by URL alone."""

    env: str
    app_key: str
    app_secret: str
    account: str
    hts_id: str
    ws_url: str | None
    clock: AffineClock


async def attach_sim(rest_url: str, *, time_limit: float = 5.0) -> SimAttachment:
    """Read a running simulator's generated credentials (``GET /sim/credentials``) and its clock."""
    base = rest_url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        try:
            resp = await send(session, "GET", base + "/sim/credentials", time_limit=time_limit)
        except Exception as exc:
            raise ConfigError(
                f"no kistrade simulator answers at {base} ({type(exc).__name__}); "
                "start one with `kistrade sim` or pass --sim-url"
            ) from None
    body = resp.body or {}
    if resp.status != 200:
        raise ConfigError(f"{base}/sim/credentials: HTTP {resp.status}: {body.get('error', '')}")
    clock = await fetch_sim_clock(base, time_limit=time_limit)
    return SimAttachment(
        env=str(body["env"]),
        app_key=str(body["app_key"]),
        app_secret=str(body["app_secret"]),
        account=str(body["account"]),
        hts_id=str(body["hts_id"]),
        ws_url=str(body["ws_url"]) if body.get("ws_url") else None,
        clock=clock,
    )
