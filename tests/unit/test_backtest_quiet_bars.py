"""The bar runner's bulk path (``skip_quiet``: runs of bars where nothing can happen go through
``Kernel.on_quiet_bars``) gives exactly what the plain per-bar path gives: the same fills,
signals, denials, rejections, equity curve and final figures, on random bars with random
strategy parameters and risk limits (stop-losses, take-profits, daily loss halts, cooldowns,
order caps and volume caps that bind)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries, day_key, minute_columns, minute_series
from kistrade.backtest.runner import PROGRESS_EVERY, BacktestResult, run_bars
from kistrade.domain.types import KST, Bar, Side, Symbol
from kistrade.engine.events import RiskRule
from kistrade.engine.kernel import BarColumnsView, Kernel
from kistrade.engine.switch import RiskLimits
from kistrade.strategy import create_strategy
from kistrade.strategy.params import RsiParams

SYM = Symbol("005930")


def random_rows(seed: int, n: int, vol: float) -> list[tuple[int, int, int, int, int]]:
    rng = np.random.default_rng(seed)
    closes = np.maximum(1_000, (50_000 * np.exp(np.cumsum(rng.normal(0, vol, n)))).astype(np.int64))
    opens = np.maximum(1_000, (closes * np.exp(rng.normal(0, vol / 3, n))).astype(np.int64))
    volumes = rng.integers(1, 5_000, n)
    return [
        (int(o), int(max(o, c)), int(min(o, c)), int(c), int(v))
        for o, c, v in zip(opens, closes, volumes, strict=True)
    ]


def outcome(r: BacktestResult) -> tuple[object, ...]:
    rec = r.record
    return (
        rec.fills,
        rec.signals,
        rec.denials,
        rec.rejections,
        list(rec.times),
        rec.closes,
        rec.equity,
        rec.unfilled_at_end,
        r.final_cash,
        r.final_qty,
        r.ledger_cash,
    )


def recorder(into: list[tuple[int, int]]) -> Callable[[int, int], None]:
    return lambda done, total: into.append((done, total))


limits = st.builds(
    RiskLimits,
    max_position_pct=st.sampled_from([Decimal(100), Decimal(50), Decimal("12.5")]),
    max_open_positions=st.just(5),
    stop_loss_pct=st.sampled_from([Decimal("-0.3"), Decimal("-1"), Decimal("-2.5"), Decimal("-99.99")]),
    take_profit_pct=st.sampled_from([Decimal("0.4"), Decimal("1.5"), Decimal("3"), Decimal("1000000000")]),
    daily_loss_pct=st.sampled_from([Decimal("-0.2"), Decimal("-1"), Decimal("-4"), Decimal("-99.99")]),
    flatten_on_halt=st.booleans(),
    symbol_cooldown_s=st.sampled_from([0, 0, 180, 900]),
    max_orders_per_day=st.sampled_from([3, 20, 1_000_000]),
    max_volume_participation_pct=st.sampled_from([Decimal(100), Decimal(5)]),
)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 900),
    vol=st.sampled_from([0.002, 0.006, 0.015]),
    start_minute=st.integers(0, 24 * 60 - 1),
    daily=st.booleans(),
    period=st.integers(2, 20),
    oversold=st.floats(10, 45),
    overbought=st.floats(55, 90),
    limits=limits,
    slippage=st.integers(0, 2),
    commission=st.sampled_from(["0", "0.000140527", "0.0015"]),
    tax=st.sampled_from([None, "0", "0.0018"]),
)
def test_quiet_bars_change_nothing(
    seed: int,
    n: int,
    vol: float,
    start_minute: int,
    daily: bool,
    period: int,
    oversold: float,
    overbought: float,
    limits: RiskLimits,
    slippage: int,
    commission: str,
    tax: str | None,
) -> None:
    rows = random_rows(seed, n, vol)
    start = datetime(2024, 3, 4, tzinfo=KST) + timedelta(minutes=start_minute)
    if daily:
        bars = [
            Bar(SYM, datetime(2020, 1, 1, 15, 29, tzinfo=KST) + timedelta(days=i), *r)
            for i, r in enumerate(rows)
        ]
        series = BarSeries(SYM, bars, True)
    else:
        series = minute_series(SYM, start, rows)
    cfg = BacktestConfig(
        cash=10_000_000,
        commission_rate=Decimal(commission),
        sell_tax_rate=None if tax is None else Decimal(tax),
        slippage_ticks=slippage,
        limits=limits,
    )
    params = RsiParams(period, oversold, overbought)
    plain = run_bars(create_strategy("rsi", params), series, cfg, skip_quiet=False)
    quick = run_bars(create_strategy("rsi", params), series, cfg)
    assert outcome(quick) == outcome(plain)
    if not daily:  # the same bars given as columns (no Bar objects made up front)
        o, h, lo, c, v = (list(x) for x in zip(*rows, strict=True))
        columns = minute_columns(SYM, start, opens=o, highs=h, lows=lo, closes=c, volumes=v)
        assert outcome(run_bars(create_strategy("rsi", params), columns, cfg)) == outcome(plain)


def test_stops_take_profits_and_halts_happen_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tight limits on volatile series: automatic exits, halts and denials do happen (the
    property above is not only about quiet runs) and both paths agree on them."""
    tight = RiskLimits(
        max_position_pct=Decimal(100),
        stop_loss_pct=Decimal("-0.4"),
        take_profit_pct=Decimal("0.4"),
        daily_loss_pct=Decimal("-2"),
        symbol_cooldown_s=300,
        max_orders_per_day=12,
        max_volume_participation_pct=Decimal(100),
    )
    cfg = BacktestConfig(limits=tight)
    taken: list[int] = []
    bulk = Kernel.on_quiet_bars

    def counting(self: Kernel, bars: BarColumnsView, start: int, stop: int) -> int:
        end = bulk(self, bars, start, stop)
        taken.append(end - start)
        return end

    monkeypatch.setattr(Kernel, "on_quiet_bars", counting)
    risk_exits = 0
    rules: set[RiskRule] = set()
    for seed in (1, 2, 3, 4):
        series = minute_series(SYM, datetime(2024, 3, 4, 9, 0, tzinfo=KST), random_rows(seed, 3_000, 0.004))
        seen_plain: list[tuple[int, int]] = []
        seen_quick: list[tuple[int, int]] = []
        plain = run_bars(
            create_strategy("rsi"),
            series,
            cfg,
            skip_quiet=False,
            progress=recorder(seen_plain),
        )
        quick = run_bars(create_strategy("rsi"), series, cfg, progress=recorder(seen_quick))
        assert outcome(quick) == outcome(plain)
        assert seen_plain == seen_quick and len(seen_plain) == 3_000 // PROGRESS_EVERY + 1 + 1
        index = {b.start: i for i, b in enumerate(series.bars)}
        sell_signals = {i for i, s in plain.record.signals if s.side is Side.SELL}
        risk_exits += sum(
            1 for f in plain.record.fills if f.side is Side.SELL and index[f.ts] - 1 not in sell_signals
        )
        rules |= {d.rule for d in plain.record.denials}
    assert sum(taken) > 4 * 3_000 // 2  # most bars went the bulk way
    assert risk_exits > 3
    assert {RiskRule.TRADING_STATE, RiskRule.MAX_ORDERS, RiskRule.COOLDOWN} <= rules


def test_minute_day_breaks_match_a_linear_pass() -> None:
    for start in (
        datetime(2024, 3, 4, 0, 0, tzinfo=KST),
        datetime(2024, 3, 4, 23, 58, 30, 7, tzinfo=KST),
        datetime(2024, 3, 4, 9, 0, tzinfo=KST),
    ):
        for n in (1, 2, 1_439, 1_440, 1_441, 4_000):
            ones = [1] * n
            series = minute_columns(SYM, start, opens=ones, highs=ones, lows=ones, closes=ones, volumes=ones)
            times = series.columns().starts
            keys = [day_key(times[i]) for i in range(n)]
            assert series.day_breaks() == [i for i in range(1, n) if keys[i] != keys[i - 1]]


def test_minute_columns_have_no_look_ahead() -> None:
    """The bulk path reads an indicator of the whole column (computed once): bars after t still
    never change a decision, a fill or the equity at t."""
    rows = random_rows(11, 3_000, 0.006)
    start = datetime(2024, 3, 4, 9, 0, tzinfo=KST)

    def run(rs: list[tuple[int, int, int, int, int]]) -> BacktestResult:
        o, h, lo, c, v = (list(x) for x in zip(*rs, strict=True))
        columns = minute_columns(SYM, start, opens=o, highs=h, lows=lo, closes=c, volumes=v)
        return run_bars(create_strategy("rsi"), columns, BacktestConfig(cash=10_000_000))

    base = run(rows)
    assert len(base.record.fills) > 10
    rng = np.random.default_rng(3)
    for t in (150, 1_234, 2_990):
        scale = rng.uniform(0.5, 1.5, len(rows) - t - 1)
        changed = rows[: t + 1] + [
            (*(max(1, int(p * f)) for p in r[:4]), r[4]) for r, f in zip(rows[t + 1 :], scale, strict=True)
        ]
        other = run(changed)
        assert [s for s in other.record.signals if s[0] <= t] == [s for s in base.record.signals if s[0] <= t]
        cutoff = start + timedelta(minutes=t)
        assert [f for f in other.record.fills if f.ts <= cutoff] == [
            f for f in base.record.fills if f.ts <= cutoff
        ]
        assert other.record.equity[: t + 1] == base.record.equity[: t + 1]


@pytest.mark.parametrize("int64_end", [2**63, 0, 13_559_535])
def test_bulk_equity_curve_either_way(monkeypatch: pytest.MonkeyPatch, int64_end: int) -> None:
    """The bulk path's equity curve, made by numpy for the held runs together, by Python for each
    (numpy could overflow), or by both (about half the runs of this series each way), is the
    per-bar curve."""
    import kistrade.backtest.runner as runner

    series = minute_series(SYM, datetime(2024, 3, 4, 9, 0, tzinfo=KST), random_rows(5, 3_000, 0.004))
    plain = run_bars(create_strategy("rsi"), series, BacktestConfig(), skip_quiet=False)
    monkeypatch.setattr(runner, "_INT64_END", int64_end)
    quick = run_bars(create_strategy("rsi"), series, BacktestConfig())
    assert len(plain.record.fills) > 10
    assert outcome(quick) == outcome(plain)
    assert all(type(e) is int for e in quick.record.equity)
