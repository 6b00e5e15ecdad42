"""Replay source: CSV daily bars expanded into an intraday path the crowd reproduces."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import is_valid_tick
from kistrade.domain.types import KST, Symbol
from kistrade.kis.simulator.market import MarketHub, TradePrint
from kistrade.kis.simulator.replay import DailyRow, ReplaySource, expand_day, load_daily_csv, snap
from kistrade.kis.simulator.sessionclock import SessionClock, WeekdayCalendar
from kistrade.kis.simulator.synthetic import CrowdParams

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "krx-daily" / "005930.csv"


def write_csv(tmp_path: Path) -> Path:
    path = tmp_path / "005930.csv"
    path.write_text(
        "date,open,high,low,close,volume,ticker,code,name,interval\n"
        "20231219,73000,73600,72700,73400,9000000,005930,005930,삼성전자,D\n"
        "20231220,74200,74900,73800,74800,16870156,005930,005930,삼성전자,D\n"
        "20231221,74600,75000,74300,75000,13478766,005930,005930,삼성전자,D\n",
        encoding="utf-8",
    )
    return path


def test_csv_formats_and_errors(tmp_path: Path) -> None:
    series = load_daily_csv(write_csv(tmp_path))
    assert (series.symbol, series.name, len(series.rows)) == ("005930", "삼성전자", 3)
    plain = tmp_path / "000660.csv"
    plain.write_text("date,open,high,low,close,volume\n2023-12-21,1,3,1,2,10\n", encoding="utf-8")
    assert load_daily_csv(plain).symbol == "000660"
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low,close,volume\n20231221,10,9,8,9,1\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"bad.csv:2"):
        load_daily_csv(bad)
    bad.write_text("date,open,high,close,volume\n", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="low"):
        load_daily_csv(bad)


@settings(max_examples=60, deadline=None)
@given(
    base=st.integers(1_500, 400_000),
    moves=st.tuples(*(st.floats(-0.05, 0.05) for _ in range(3))),
    seed=st.integers(0, 1000),
)
def test_expanded_path_hits_ohlc_on_the_grid(base: int, moves: tuple[float, float, float], seed: int) -> None:
    o = base
    c = int(base * (1 + moves[0]))
    h = int(max(o, c) * (1 + abs(moves[1])))
    lo = int(min(o, c) * (1 - abs(moves[2])))
    day = date(2023, 12, 21)
    path = expand_day(DailyRow(day, o, h, lo, c, 1000), day, seed)
    prices = [k.price for k in path.knots]
    assert all(is_valid_tick(p) for p in prices)
    assert max(prices) == max(snap(h), snap(o), snap(c)) and min(prices) == min(snap(lo), snap(o), snap(c))
    assert path.knots[0].price == snap(o) and path.knots[-1].price == snap(c)
    assert path.knots[-1].at == datetime(2023, 12, 21, 15, 30, tzinfo=KST)
    swept = {k.price for k in path.knots if k.sweep}
    assert {max(prices), min(prices), snap(o)} <= swept


def test_replayed_day_reproduces_the_csv_bar(tmp_path: Path) -> None:
    source = ReplaySource(write_csv(tmp_path), seed=1)
    day = source.preferred_day()
    assert day == date(2023, 12, 21)
    wall = [1_700_000_000.0]
    clock = SessionClock.create(day=day, start="08:30", calendar=WeekdayCalendar(), wall=lambda: wall[0])
    hub = MarketHub([Symbol("005930")], clock, source, seed=1, crowd_params=CrowdParams(trades_per_sec=0.1))
    info = hub.instruments[Symbol("005930")]
    assert (info.base_price, info.name) == (74_800, "삼성전자")
    history = hub.daily_bars(Symbol("005930"), date(2023, 1, 1), date(2023, 12, 20))
    assert [b.close for b in history] == [73_400, 74_800]
    prints: list[TradePrint] = []
    hub.add_listener(lambda e: prints.append(e) if isinstance(e, TradePrint) else None)
    for _ in range(7 * 60 + 1):  # 08:30 -> 15:31
        wall[0] += 60
        hub.advance_to(clock.now())
    (bar,) = hub.daily_bars(Symbol("005930"), day, day)
    assert (bar.open, bar.high, bar.low, bar.close) == (74_600, 75_000, 74_300, 75_000)
    assert all(74_300 <= p.price <= 75_000 for p in prints)
    assert 0.3 * 13_478_766 < bar.volume < 3 * 13_478_766


@pytest.mark.skipif(not SHARED.exists(), reason="shared/data/krx-daily is not available")
def test_shared_krx_csv_loads() -> None:
    series = load_daily_csv(SHARED)
    assert series.symbol == "005930" and series.rows[-1].day == date(2023, 12, 22)
    source = ReplaySource(SHARED)
    assert source.preferred_day() == date(2023, 12, 22)
    assert source.instrument(Symbol("005930"), date(2023, 12, 22)).base_price == 75_000
