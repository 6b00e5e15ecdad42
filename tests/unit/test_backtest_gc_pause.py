"""gc_paused: the collector is off inside the block and back to its previous state after."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from kistrade.backtest.data import BarSeries
from kistrade.backtest.gc_pause import gc_paused
from kistrade.backtest.runner import run_bars
from kistrade.backtest.tick import run_ticks
from kistrade.domain.intents import OrderIntent
from kistrade.domain.types import KST, Bar, Symbol, Trade
from kistrade.strategy import create_strategy
from kistrade.strategy.base import Strategy, StrategyContext

SYM = Symbol("005930")


@pytest.fixture(autouse=True)
def _restore_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    (gc.enable if enabled else gc.disable)()


def test_paused_inside_and_enabled_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_enabled_again_when_the_run_raises() -> None:
    gc.enable()
    with pytest.raises(ValueError, match="bad bar"), gc_paused():
        raise ValueError("bad bar")
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


class SeesGc(Strategy):
    """Records whether the cyclic collector runs while the backtest calls it."""

    name = "sees_gc"

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        self.seen.append(gc.isenabled())
        return []

    def on_trade(self, trade: Trade, ctx: StrategyContext) -> list[OrderIntent]:
        self.seen.append(gc.isenabled())
        return []


def test_backtest_runs_pause_the_collector() -> None:
    gc.enable()
    t0 = datetime(2025, 3, 4, 9, 0, tzinfo=KST)
    bars = [Bar(SYM, t0 + timedelta(minutes=k), 1_000, 1_010, 990, 1_000 + k, 100) for k in range(5)]
    bars_run = SeesGc()
    run_bars(bars_run, BarSeries(SYM, bars), skip_quiet=False)
    trades = [Trade(SYM, t0 + timedelta(seconds=k), 1_000, 1) for k in range(5)]
    ticks_run = SeesGc()
    run_ticks(ticks_run, trades, SYM)
    assert bars_run.seen and ticks_run.seen
    assert not any(bars_run.seen + ticks_run.seen)
    assert gc.isenabled()


def test_a_finished_run_leaves_no_reference_cycles() -> None:
    """Everything a run made is freed by reference counting when its result goes (the kernel
    reaches back to itself only weakly), so the collector has nothing of it to find: it would
    otherwise walk the run's whole object graph (orders, fills, ledger records) once more."""
    t0 = datetime(2025, 3, 4, 9, 0, tzinfo=KST)
    closes = [1_000 - 10 * k for k in range(20)] + [800 + 15 * k for k in range(20)]
    bars = [Bar(SYM, t0 + timedelta(minutes=k), c, c + 5, c - 5, c, 100) for k, c in enumerate(closes)]
    gc.disable()
    run_bars(create_strategy("rsi"), BarSeries(SYM, bars))  # first run: imports, caches
    gc.collect()
    result = run_bars(create_strategy("rsi"), BarSeries(SYM, bars))
    assert result.record.fills  # the run traded: orders, fills and ledger records were made
    del result
    assert gc.collect() == 0
