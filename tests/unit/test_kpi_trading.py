"""Trading KPIs on hand-computed fills, snapshots and signals: annualised return, worst daily
loss, cost to profit, trades per week, signal accuracy; and each one's no-data case."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import pytest

from kistrade.app.kpi_model import KrxMarketHours, Status
from kistrade.app.kpi_trading import (
    annual_return,
    cost_to_profit,
    signal_accuracy,
    trades_per_week,
    trips_by_symbol,
    worst_daily_loss,
)
from kistrade.domain.calendar import default_calendar
from kistrade.domain.types import KST, Fill, Side, Symbol
from kistrade.store.records import AccountSnapshot, SignalRecord

MON = date(2026, 11, 23)
HOURS = KrxMarketHours(default_calendar())
A, B = Symbol("005930"), Symbol("000660")


def at(hh: int, mm: int, day: date = MON) -> datetime:
    return datetime.combine(day, time(hh, mm), KST)


def snap(ts: datetime, equity: int) -> AccountSnapshot:
    return AccountSnapshot(ts, equity, equity)


def fill(sym: Symbol, side: Side, qty: int, price: int, ts: datetime, comm: int = 0, tax: int = 0) -> Fill:
    return Fill("c", "b", sym, side, qty, price, ts, comm, tax)


def buy_signal(sym: Symbol, ts: datetime) -> SignalRecord:
    return SignalRecord(sym, ts, Side.BUY, 1.0, ("rsi",))


# --- return ---------------------------------------------------------------------------------


def test_annual_return_over_exactly_one_year() -> None:
    t0 = at(9, 0)
    kpi = annual_return([snap(t0, 100_000_000), snap(t0 + timedelta(days=365.25), 110_000_000)])
    assert kpi.figure == pytest.approx(0.10) and kpi.status is Status.MET
    low = annual_return([snap(t0, 100_000_000), snap(t0 + timedelta(days=365.25), 103_000_000)])
    assert low.figure == pytest.approx(0.03) and low.status is Status.NOT_MET


def test_annual_return_compounds_over_half_a_year() -> None:
    t0 = at(9, 0)
    kpi = annual_return([snap(t0, 100_000_000), snap(t0 + timedelta(days=365.25 / 2), 102_000_000)])
    assert kpi.figure == pytest.approx(1.02**2 - 1)


def test_annual_return_needs_a_day_and_two_snapshots() -> None:
    assert annual_return([]).status is Status.NO_DATA
    assert annual_return([snap(at(9, 0), 1_000)]).status is Status.NO_DATA
    short = annual_return([snap(at(9, 0), 100_000_000), snap(at(15, 0), 101_000_000)])
    assert short.status is Status.NO_DATA and "1.000%" in short.note


# --- worst daily loss -----------------------------------------------------------------------


def test_worst_daily_loss_uses_the_previous_close() -> None:
    tue = MON + timedelta(days=1)
    snaps = [
        snap(at(9, 0), 100_000_000),
        snap(at(12, 0), 98_000_000),
        snap(at(15, 30), 99_000_000),  # Monday: -1%, trough -2%
        snap(at(9, 0, tue), 97_000_000),
        snap(at(15, 30, tue), 95_000_000),  # Tuesday vs Monday's close: 95/99 - 1
    ]
    kpi = worst_daily_loss(snaps)
    assert kpi.figure == pytest.approx(95 / 99 - 1) and kpi.status is Status.NOT_MET
    assert tue.isoformat() in kpi.note and "of 2 days" in kpi.note
    mild = worst_daily_loss(snaps[:3])
    assert mild.figure == pytest.approx(-0.01) and mild.status is Status.MET
    assert "lowest intraday point -2.00%" in mild.note


def test_worst_daily_loss_needs_two_points() -> None:
    assert worst_daily_loss([]).status is Status.NO_DATA
    assert worst_daily_loss([snap(at(9, 0), 100)]).status is Status.NO_DATA


# --- round trips, costs ---------------------------------------------------------------------


def test_round_trips_are_per_symbol_and_ignore_sells_of_older_holdings() -> None:
    fills = [
        fill(B, Side.SELL, 5, 500, at(9, 1)),  # a holding from before the bot: no trip
        fill(A, Side.BUY, 10, 1_000, at(9, 5)),
        fill(B, Side.BUY, 3, 500, at(9, 6)),
        fill(A, Side.SELL, 10, 1_100, at(9, 7)),
        fill(B, Side.SELL, 3, 400, at(9, 8)),
    ]
    trips = trips_by_symbol(fills)
    assert [(t.qty, t.gross) for t in trips[A]] == [(10, 1_000)]
    assert [(t.qty, t.gross) for t in trips[B]] == [(3, -300)]


def test_cost_to_profit_is_costs_over_gross_profit() -> None:
    fills = [
        fill(A, Side.BUY, 10, 1_000, at(10, 0), comm=10),
        fill(A, Side.SELL, 10, 1_100, at(10, 30), comm=11, tax=20),
        fill(B, Side.BUY, 1, 1_000, at(11, 0), comm=5),
        fill(B, Side.SELL, 1, 900, at(11, 30), comm=4, tax=2),
    ]
    kpi = cost_to_profit(fills, None, None)
    assert kpi.figure == pytest.approx(52 / 1_000) and kpi.status is Status.MET
    assert "52 / 1,000 won, 2 round trips" in kpi.note
    costly = cost_to_profit([*fills[:2], fill(A, Side.BUY, 1, 10, at(12, 0), comm=500)], None, None)
    assert costly.figure == pytest.approx(541 / 1_000) and costly.status is Status.NOT_MET


def test_cost_to_profit_without_profit_or_trips() -> None:
    losing = [fill(A, Side.BUY, 1, 1_000, at(10, 0), comm=5), fill(A, Side.SELL, 1, 900, at(10, 5), comm=4)]
    kpi = cost_to_profit(losing, None, None)
    assert kpi.status is Status.NOT_MET and kpi.figure is not None and math.isinf(kpi.figure)
    assert cost_to_profit([], None, None).status is Status.NO_DATA
    assert cost_to_profit(losing[:1], None, None).status is Status.NO_DATA  # still open
    assert cost_to_profit(losing, at(11, 0), None).status is Status.NO_DATA  # closed before the window


# --- trades per week ------------------------------------------------------------------------


def test_trades_per_week_over_a_week_of_sessions() -> None:
    fri = MON + timedelta(days=4)
    fills = []
    for day in (MON, MON + timedelta(days=2), fri):
        fills += [fill(A, Side.BUY, 1, 1_000, at(10, 0, day)), fill(A, Side.SELL, 1, 1_010, at(11, 0, day))]
    kpi = trades_per_week(fills, (at(9, 0), at(15, 30, fri)), HOURS)
    assert kpi.figure == pytest.approx(3.0) and kpi.status is Status.MET
    one_day = trades_per_week(fills, (at(9, 0), at(15, 30)), HOURS)
    assert one_day.figure == pytest.approx(5.0) and one_day.status is Status.MET  # 1 trip in 1 session
    three_days = trades_per_week(fills, (at(9, 0), at(15, 30, MON + timedelta(days=2))), HOURS)
    assert three_days.figure == pytest.approx(2 / (3 / 5)) and three_days.status is Status.MET
    twice = [*fills, fill(A, Side.BUY, 1, 1000, at(13, 0)), fill(A, Side.SELL, 1, 1010, at(14, 0))]
    busy = trades_per_week(twice, (at(9, 0), at(15, 30)), HOURS)
    assert busy.figure == pytest.approx(10.0) and busy.status is Status.NOT_MET


def test_trades_per_week_out_of_band_and_no_data() -> None:
    none = trades_per_week([], (at(9, 0), at(15, 30, MON + timedelta(days=4))), HOURS)
    assert none.figure == 0.0 and none.status is Status.NOT_MET
    assert trades_per_week([], None, HOURS).status is Status.NO_DATA
    sat = MON + timedelta(days=5)
    assert trades_per_week([], (at(9, 0, sat), at(15, 0, sat)), HOURS).status is Status.NO_DATA


# --- signal accuracy ------------------------------------------------------------------------


def test_signal_accuracy_judges_entry_signals_by_their_round_trip() -> None:
    fills = [
        fill(A, Side.BUY, 10, 1_000, at(10, 0)),
        fill(A, Side.SELL, 10, 1_050, at(10, 30)),  # won: opened by the 09:59 signal
        fill(A, Side.BUY, 10, 1_000, at(11, 0)),
        fill(A, Side.SELL, 10, 1_100, at(11, 30)),  # no signal since the last exit: not judged
        fill(B, Side.BUY, 1, 1_000, at(12, 1)),
        fill(B, Side.SELL, 1, 990, at(12, 30)),  # lost
    ]
    signals = [buy_signal(A, at(9, 59)), buy_signal(A, at(10, 1)), buy_signal(B, at(12, 0))]
    kpi = signal_accuracy(signals, fills, None, None)
    assert kpi.figure == pytest.approx(0.5) and kpi.status is Status.NOT_MET
    assert "1 of 2" in kpi.note
    more = [*fills, fill(B, Side.BUY, 1, 1000, at(13, 1)), fill(B, Side.SELL, 1, 1020, at(13, 30))]
    kpi2 = signal_accuracy([*signals, buy_signal(B, at(13, 0))], more, None, None)
    assert kpi2.figure == pytest.approx(2 / 3) and kpi2.status is Status.MET


def test_signal_accuracy_counts_costs_and_no_data() -> None:
    # a price gain eaten by costs is not a win
    fills = [fill(A, Side.BUY, 1, 1_000, at(10, 0), comm=5), fill(A, Side.SELL, 1, 1_005, at(10, 5), tax=1)]
    kpi = signal_accuracy([buy_signal(A, at(9, 59))], fills, None, None)
    assert kpi.figure == 0.0
    assert signal_accuracy([], fills, None, None).status is Status.NO_DATA  # no signal opened it
    assert signal_accuracy([buy_signal(A, at(9, 59))], fills[:1], None, None).status is Status.NO_DATA
