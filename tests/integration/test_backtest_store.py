"""``--data SYMBOL`` from the store: daily bars (bar mode) and recorded ticks and books (tick mode)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kistrade.backtest.data import load_csv
from kistrade.cli import backtest_cmd
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.store.sqlite_store import SqliteStore

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "krx-daily" / "005930.csv"
SYM = Symbol("005930")


def app() -> typer.Typer:
    a = typer.Typer()
    backtest_cmd.register(a)
    return a


def test_daily_bars_from_the_store_equal_the_csv_run(tmp_path: Path) -> None:
    if not DATA.is_file():
        pytest.skip(f"shared data {DATA} is absent")
    series = load_csv(DATA).between(None, None)
    bars = [
        Bar(b.symbol, b.start.replace(hour=0, minute=0), b.open, b.high, b.low, b.close, b.volume)
        for b in series.bars
    ]
    db = tmp_path / "k.db"

    async def fill() -> None:
        async with await SqliteStore.open(db) as store:
            await store.upsert_daily_bars(bars[-1_500:])

    asyncio.run(fill())
    common = ["backtest", "--json", "--from", "2019-01-01"]
    from_store = CliRunner().invoke(app(), [*common, "--data", "005930", "--db", str(db)])
    from_csv = CliRunner().invoke(app(), [*common, "--data", str(DATA)])
    assert from_store.exit_code == 0, from_store.output
    a, b = json.loads(from_store.stdout), json.loads(from_csv.stdout)
    assert a["trades"] == b["trades"] and a["final_equity"] == b["final_equity"]


def test_tick_mode_replays_recorded_trades_and_books(tmp_path: Path) -> None:
    """A falling then rising tape: the bar builder makes minute bars, rsi enters and exits, fills
    come from the recorded books."""
    t0 = datetime(2025, 3, 4, 9, 0, 5, tzinfo=KST)
    trades: list[Trade] = []
    books: list[OrderBook] = []
    price = 60_000
    for m in range(60):
        price += -100 if m < 30 else 100
        ts = t0 + timedelta(minutes=m)
        books.append(OrderBook(SYM, ts, (BookLevel(price + 100, 5_000),), (BookLevel(price, 5_000),)))
        trades.append(Trade(SYM, ts + timedelta(seconds=1), price, 10, Side.SELL))
    db = tmp_path / "t.db"

    async def fill() -> None:
        async with await SqliteStore.open(db) as store:
            await store.append_trades(trades)
            await store.append_books(books)

    asyncio.run(fill())
    res = CliRunner().invoke(
        app(),
        [
            "backtest",
            "--mode",
            "ticks",
            "--data",
            "005930",
            "--db",
            str(db),
            "--from",
            "2025-03-04",
            "--to",
            "2025-03-04",
            "--json",
            "--commission",
            "0",
            "--sell-tax",
            "0",
        ],
    )
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert obj["trade_count"] == 1
    (trip,) = obj["trades"]
    assert trip["entry_price"] > 0 and trip["exit_price"] > trip["entry_price"]
    # fills are at recorded ask (buy) / bid (sell) prices
    assert trip["entry_price"] % 100 == 0 and trip["qty"] > 0
