"""Shared helpers of the trader e2e tests: settings without outside sources, a strategy that
trades on the synthetic market, waiting on conditions, and the ledger comparison."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp

from kistrade.app.bootstrap import RunOptions
from kistrade.app.settings import Settings
from kistrade.app.settings_tree import sources_off
from kistrade.engine.portfolio import Portfolio
from kistrade.engine.switch import RiskLimits
from kistrade.strategy.base import Strategy
from kistrade.strategy.params import RsiParams
from kistrade.strategy.registry import create_strategy

SYMBOLS = ("005930", "000660", "035420", "005380")


def settings(tmp: Path) -> Settings:
    with sources_off():
        return Settings(storage={"data_dir": tmp, "db_file": tmp / "kistrade.db"})


def busy_strategy() -> Strategy:
    """RSI(3) with a narrow band: it trades often on 1-minute bars of the synthetic market."""
    return create_strategy("rsi", RsiParams(rsi_period=3, oversold=45.0, overbought=55.0))


def busy_limits() -> RiskLimits:
    return RiskLimits(symbol_cooldown_s=0, max_orders_per_day=400, max_volume_participation_pct=Decimal(100))


def busy_options(db: Path, **changes: Any) -> RunOptions:
    """The e2e bot: SYMBOLS on the simulator (bundled at x120 unless ``sim_url`` is given), trading
    often (``busy_strategy``, ``busy_limits``), its store at ``db``; ``changes`` override."""
    base: dict[str, Any] = {
        "mode": "sim",
        "symbols": SYMBOLS,
        "speed": 120.0,
        "db_path": db,
        "strategy": busy_strategy(),
        "limits": busy_limits(),
    }
    return RunOptions(**(base | changes))


async def wait_for(cond: Callable[[], bool], within: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within}s waiting for {what}")
        await asyncio.sleep(0.05)


async def ledger(rest_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as s, s.get(f"{rest_url}/sim/ledger") as r:
        r.raise_for_status()
        data: dict[str, Any] = await r.json()
        return data


def ledger_mismatch(portfolio: Portfolio, book: dict[str, Any]) -> list[str]:
    """Differences between the local portfolio and the simulator's ledger (empty: equal)."""
    out: list[str] = []
    if portfolio.cash != book["cash"]["d2"]:
        out.append(f"cash local {portfolio.cash} != ledger d2 {book['cash']['d2']}")
    remote = {p["symbol"]: (p["qty"], p["purchase_amount"]) for p in book["positions"] if p["qty"]}
    local = {h.symbol: (h.qty, h.purchase_amount) for h in portfolio.holdings() if h.qty}
    if remote != local:
        out.append(f"positions local {local} != ledger {remote}")
    return out


def duplicate_orders(book: dict[str, Any], local: list[str], *, owned: set[str] | None = None) -> int:
    """Orders sent twice: broker orders no local order owns (``owned``: every id a local order
    ever had, default ``local``), plus broker ids owned by two local orders."""
    broker_new = {o["odno"] for o in book["orders"] if o["kind"] == "new"}
    return len(broker_new - (set(local) if owned is None else owned)) + len(local) - len(set(local))
