"""A whole accelerated trading day with 10 symbols and faults: the simulator in its own process
from 08:50, the bot driven by the DayScheduler through warm-up, the continuous session, the
closing auction and the end of day (final reconciliation and the daily report), with WS drops,
HTTP 500s, EGW00201 bursts, an expired token, stopped PINGPONGs and 2 s latency injected along
the way. Nothing may be lost or duplicated and the books must equal the simulator's ledger."""

from __future__ import annotations

from pathlib import Path

from day_harness import SYMBOLS_20, run_day


async def test_an_accelerated_day_with_faults_completes_with_nothing_lost(tmp_path: Path) -> None:
    rep = await run_day(tmp_path, symbols=SYMBOLS_20[:10], speed=300.0, fault_every_s=600.0)
    print("\n".join(rep.lines()))
    assert rep.days_done == 1
    for kind in ("day.open", "trader.started", "day.closing_auction", "trader.day_ended", "day.report"):
        assert rep.events[kind] == 1, kind
    assert {"ws_drop", "http500", "egw00201_burst", "pingpong_stopped", "latency_2s"} <= set(rep.faults)
    assert rep.ws_reconnects >= 1  # a drop while already reconnecting drops nothing
    assert rep.signals > 0 and rep.fills_ledger > 0
    assert rep.lost_fill_qty == 0
    assert rep.duplicates == 0
    assert rep.ledger_equal, rep.mismatch
    assert rep.books_equal_in_report
    assert "일일 보고" in rep.daily_report
