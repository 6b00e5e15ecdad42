"""``kistrade data import|fetch|ls|export`` and ``kistrade record`` through typer's CliRunner
(a small app with the command modules registered, as cli/__init__.py does), ``fetch`` and
``record`` against a real simulator on free ports (the CLI runs in a worker thread with its own
event loop, the simulator on the test's)."""

from __future__ import annotations

import asyncio
import csv
from datetime import date, time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from kistrade.cli import data_cmd, record_cmd
from kistrade.domain.calendar import default_calendar
from kistrade.domain.types import Symbol
from kistrade.kis.simulator.config import SimConfig
from kistrade.kis.simulator.server import start_simulator
from kistrade.store.sqlite_store import SqliteStore

DAY = date(2026, 11, 24)


def make_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """kistrade (test app)."""

    data_cmd.register(app)
    record_cmd.register(app)
    return app


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # settings paths (data/, token cache) are relative to the cwd


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(make_app(), list(args))
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes else "")


def write_plain_csv(path: Path, days: list[date]) -> None:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["date", "open", "high", "low", "close", "volume"])
        for i, d in enumerate(days):
            px = 70_000 + 100 * i
            out.writerow([d.isoformat(), px, px + 500, px - 500, px + 100, 1_000 + i])


def test_import_ls_export(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    days = default_calendar().sessions(date(2025, 3, 3), date(2025, 3, 31))
    src = tmp_path / "plain.csv"
    write_plain_csv(src, days)
    code, out = invoke("data", "import", str(src), "--symbol", "005930", "--db", str(db))
    assert code == 0, out
    assert f"imported {len(days)} daily bars" in out

    code, out = invoke("data", "ls", "--db", str(db))
    assert code == 0, out
    assert "daily_chart" in out and "005930" in out and str(len(days)) in out

    code, out = invoke("data", "export", "--db", str(db), "--out", str(tmp_path / "out"))
    assert code == 0, out
    exported = (tmp_path / "out" / "005930.csv").read_text().splitlines()
    assert exported[0].startswith("date,open,high,low,close,volume")
    assert len(exported) == len(days) + 1
    assert exported[1].startswith(f"{days[0].isoformat()},70000,70500,69500,70100,1000")

    code, out = invoke("data", "export", "--parquet", "--db", str(db), "--out", str(tmp_path / "pq"))
    assert code == 0, out
    assert f"daily_chart: {len(days)} rows" in out
    table = pq.read_table(tmp_path / "pq" / "daily_bars.parquet")
    assert table.schema.field("date").type == pa.date32() and table.schema.field("close").type == pa.int64()
    assert table.column("date").to_pylist() == days
    assert table.column("close").to_pylist() == [70_100 + 100 * i for i in range(len(days))]
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == ["daily_bars.parquet"]  # no temp file left

    code, out = invoke("data", "export", "--parquet", "--symbols", "12", "--db", str(db), "--out", "x")
    assert code == 1 and "12" in out


def test_import_bad_csv_names_the_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("date,open,high,low,close,volume\n2025-03-03,100,90,80,95,10\n")
    code, out = invoke("data", "import", str(bad), "--symbol", "005930", "--db", str(tmp_path / "k.db"))
    assert code == 1
    assert "bad.csv" in out


async def test_fetch_is_incremental_and_record_writes(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    cal = default_calendar()
    end = cal.previous_session(DAY)
    start = cal.add_sessions(end, -20)
    config = SimConfig(seed=3, start_date=DAY, start=time(9, 5), speed=60.0, token_min_interval_s=0.0)
    async with start_simulator(config) as sim:
        args = ["data", "fetch", "005930", "--from", start.isoformat(), "--to", end.isoformat()]
        args += ["--db", str(db), "--mode", "sim", "--sim-url", sim.rest_url]
        code, out = await asyncio.to_thread(invoke, *args)
        assert code == 0, out
        assert "21 daily bars" in out and "1 broker request(s)" in out
        before = sim.services.activity.requests
        code, out = await asyncio.to_thread(invoke, *args)
        assert code == 0, out
        assert "0 broker request(s)" in out and "hit rate 100%" in out
        assert sim.services.activity.requests == before  # no chart TR reached the simulator

        rec = ["record", "--symbols", "005930,000660", "--count", "200", "--db", str(db)]
        rec += ["--mode", "sim", "--sim-url", sim.rest_url]
        code, out = await asyncio.to_thread(invoke, *rec)
        assert code == 0, out
        assert "stopped (max_events)" in out
    async with await SqliteStore.open(db) as store:
        assert len(await store.get_daily_bars(Symbol("005930"), start, end)) == 21
    code, out = await asyncio.to_thread(invoke, "data", "ls", "--db", str(db))
    assert code == 0, out
    assert "ticks" in out and "orderbooks" in out


def test_record_rejects_bad_until() -> None:
    code, out = invoke("record", "--symbols", "005930", "--until", "25h", "--db", "x.db")
    assert code == 2
    assert "--until" in out
