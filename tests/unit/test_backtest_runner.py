"""Bar mode: fills at the next open (plus slippage), CSV formats, the ledger agreeing with the engine."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries, load_csv, minute_series
from kistrade.backtest.runner import run_bars
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import tick_size
from kistrade.domain.types import KST, Side, Symbol
from kistrade.strategy import create_strategy


def random_series(seed: int, n: int) -> BarSeries:
    rng = np.random.default_rng(seed)
    closes = np.maximum(1_000, (50_000 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))).astype(np.int64))
    opens = np.maximum(1_000, (closes * np.exp(rng.normal(0, 0.003, n))).astype(np.int64))
    rows = [
        (int(o), int(max(o, c)), int(min(o, c)), int(c), 1_000_000)
        for o, c in zip(opens, closes, strict=True)
    ]
    return minute_series(Symbol("005930"), datetime(2025, 3, 4, 9, 0, tzinfo=KST), rows)


def test_fills_are_at_the_next_open_and_slippage_moves_them_against_the_order() -> None:
    series = random_series(11, 2_000)
    opens = {b.start: b.open for b in series.bars}
    plain = run_bars(create_strategy("rsi"), series, BacktestConfig(commission_rate=Decimal(0)))
    slipped = run_bars(
        create_strategy("rsi"), series, BacktestConfig(commission_rate=Decimal(0), slippage_ticks=2)
    )
    assert plain.record.fills
    assert all(f.price == opens[f.ts] for f in plain.record.fills)
    assert [(f.ts, f.side) for f in slipped.record.fills] == [(f.ts, f.side) for f in plain.record.fills]
    for f in slipped.record.fills:
        step = tick_size(opens[f.ts], on=f.ts.date())
        assert f.price == opens[f.ts] + (2 * step if f.side is Side.BUY else -2 * step)
    # every decision was taken at a close strictly before its fill
    starts = [b.start for b in series.bars]
    decided = [starts[i] for i, _ in plain.record.signals]
    assert all(d < f.ts for d, f in zip(decided, plain.record.fills, strict=False))
    assert plain.ledger_cash == plain.final_cash and slipped.ledger_cash == slipped.final_cash


def test_plain_and_minute_csv(tmp_path: Path) -> None:
    p = tmp_path / "plain.csv"
    p.write_text("date,open,high,low,close,volume\n2024-01-03,10,11,9,10,5\n2024-01-02,10,12,9,11,7\n")
    s = load_csv(p, "005930")
    assert s.daily and [b.start.day for b in s.bars] == [2, 3] and s.bars[0].start.hour == 15
    m = tmp_path / "m.csv"
    m.write_text(
        "date,open,high,low,close,volume\n2024-01-02 09:01,10,11,9,10,5\n202401020900,10,12,9,11,7\n"
    )
    s = load_csv(m, "005930")
    assert not s.daily and [b.start.minute for b in s.bars] == [0, 1]


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("date,open,high,low,close\n", "volume"),
        ("date,open,high,low,close,volume\nxx,1,1,1,1,1\n", "xx"),
        ("date,open,high,low,close,volume\n20240102,a,1,1,1,1\n", "open"),
    ],
)
def test_bad_csv_names_the_problem(tmp_path: Path, text: str, word: str) -> None:
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InvalidInputError, match=word):
        load_csv(p)
