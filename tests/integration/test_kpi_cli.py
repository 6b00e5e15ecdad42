"""``kistrade kpi`` on a store filled by hand: every figure read back from SQLite, the table on
the terminal, the HTML page, the --from/--to window, and a clear error for a missing store."""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kistrade.app.kpi_load import kpi_report
from kistrade.app.kpi_model import Status
from kistrade.app.usage_recorder import DATA_CHECK_KIND, HEARTBEAT_KIND
from kistrade.cli import app
from kistrade.cli.kpi_cmd import render_html, store_for_mode
from kistrade.domain.types import KST, Fill, OrderType, Side, Symbol
from kistrade.store.records import AccountSnapshot, ApiCall, EventRecord, OrderRecord, SignalRecord
from kistrade.store.sqlite_store import SqliteStore

DAY = date(2026, 11, 24)
SYM = Symbol("005930")


def at(hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(DAY, time(hh, mm, ss), KST)


async def fill_store(path: Path) -> None:
    async with await SqliteStore.open(path) as store:
        await store.record_api_calls(
            [ApiCall(at(10, 0, i), "FHKST01010100", 10.0 + i, "MCA00000", True) for i in range(20)]
            + [ApiCall(at(10, 1), "TTTC0012U", 900.0, "MCA00000", True)]
        )
        t = at(10, 0)
        while t <= at(11, 0):
            await store.add_event(
                EventRecord(t, HEARTBEAT_KIND, {"run": "r", "interval_s": 10.0, "up": True})
            )
            t += timedelta(seconds=10)
        await store.add_event(EventRecord(at(10, 30), HEARTBEAT_KIND, {"run": "r"}))  # malformed: ignored
        detail = {"symbol": SYM, "compared": 30, "mismatched": 0, "only_rest": 0, "only_ticks": 0}
        await store.add_event(EventRecord(at(10, 40), DATA_CHECK_KIND, detail))
        await store.add_account_snapshot(AccountSnapshot(at(10, 0), 10_000_000, 10_000_000))
        await store.add_account_snapshot(AccountSnapshot(at(11, 0), 9_900_000, 10_050_000))
        await store.add_signals([SignalRecord(SYM, at(10, 4), Side.BUY, 1.0, ("rsi",))])
        for cid, side, price, ts in (
            ("o1", Side.BUY, 70_000, at(10, 5)),
            ("o2", Side.SELL, 71_000, at(10, 35)),
        ):
            await store.save_order(OrderRecord(cid, SYM, side, OrderType.LIMIT, 10, price, "FILLED", ts, ts))
            fill = Fill(cid, f"B{cid}", SYM, side, 10, price, ts, 100, 0 if side is Side.BUY else 1_000)
            await store.record_fill(fill, exec_id="10")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "trader.db"
    asyncio.run(fill_store(path))
    return path


def test_report_reads_every_figure_back(db: Path) -> None:
    report = asyncio.run(kpi_report(db, None, None, at(12, 0)))
    k = {x.key: x for x in report.kpis}
    assert k["api_latency"].status is Status.NOT_MET and k["api_latency"].figure == 900.0
    assert [(r.tr_id, r.calls) for r in report.latency] == [("FHKST01010100", 20), ("TTTC0012U", 1)]
    assert k["uptime"].figure == 1.0 and "361 heartbeats" in k["uptime"].note
    assert k["data_error"].figure == 0.0 and k["data_error"].status is Status.MET
    assert k["rate_limit"].figure == 0.0 and k["error_rate"].figure == 0.0
    assert k["cache_hit"].status is Status.NO_DATA
    assert k["return"].status is Status.NO_DATA  # an hour is not annualised
    assert k["daily_loss"].figure == pytest.approx(0.005)
    assert k["cost_to_profit"].figure == pytest.approx(1_200 / 10_000)
    assert k["trades_per_week"].figure == pytest.approx(5.0)
    assert k["signal_accuracy"].figure == 1.0
    page = render_html(report)
    assert "<script" not in page and "src=" not in page and "href=" not in page
    assert "FHKST01010100" in page and "inquire_price" in page and 'class="not-met"' in page


def test_cli_prints_the_table_and_writes_html(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "kpi" / "report.html"
    res = CliRunner().invoke(app, ["kpi", "--db", str(db), "--html", str(out)], env={"COLUMNS": "140"})
    assert res.exit_code == 0, res.output
    for text in ("API response time", "FHKST01010100", "inquire_price", "Uptime in market hours", "100.00%"):
        assert text in res.output
    assert "How each is measured" in res.output and out.read_text(encoding="utf-8").startswith(
        "<!DOCTYPE html>"
    )


def test_cli_window_and_missing_store(db: Path, tmp_path: Path) -> None:
    later = CliRunner().invoke(app, ["kpi", "--db", str(db), "--from", "2026-11-25"], env={"COLUMNS": "140"})
    assert later.exit_code == 0 and "no data" in later.output and "FHKST01010100" not in later.output
    missing = CliRunner().invoke(app, ["kpi", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no store at" in missing.output
    assert not (tmp_path / "none.db").exists()
    backwards = CliRunner().invoke(
        app, ["kpi", "--db", str(db), "--from", "2026-11-25", "--to", "2026-11-24"]
    )
    assert backwards.exit_code == 1 and "before --from" in backwards.output


def test_store_for_mode_picks_the_newest_sim_run(tmp_path: Path) -> None:
    assert store_for_mode(tmp_path, "paper") == tmp_path / "trader-paper.db"
    (tmp_path / "sim").mkdir()
    old, new = tmp_path / "sim" / "trader-run-aaaa.db", tmp_path / "sim" / "trader-run-bbbb.db"
    old.write_bytes(b"")
    new.write_bytes(b"")
    os.utime(old, (1_000, 1_000))
    assert store_for_mode(tmp_path, "sim") == new
