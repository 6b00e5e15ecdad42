"""The KPI report of a real bot session: the bundled simulator (x120), the trader and its usage
recorder for a short accelerated morning, then ``kistrade kpi`` on the store it wrote shows API
latency by TR with measured figures, uptime in market hours and the data check."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from crash_support import SYMBOLS, busy_options, settings, wait_for
from typer.testing import CliRunner

from kistrade.app.bootstrap import open_runtime
from kistrade.app.kpi_load import kpi_report
from kistrade.app.kpi_model import Status
from kistrade.app.usage_recorder import DATA_CHECK_KIND
from kistrade.cli import app


async def test_kpi_of_a_bot_session(tmp_path: Path) -> None:
    db = tmp_path / "trader.db"
    opts = busy_options(db, symbols=SYMBOLS[:2], sync_interval_s=60.0)
    async with open_runtime(settings(tmp_path), opts) as rt:
        assert rt.usage is not None and rt.trader.io is not None
        io, usage, store = rt.trader.io, rt.usage, rt.store
        started = rt.clock.now()
        await wait_for(lambda: io.counters.fills >= 2, 30.0, "two fills")
        # a data check runs every 10 simulated minutes (5 wall seconds at x120)
        await wait_for(lambda: (rt.clock.now() - started).total_seconds() > 660, 30.0, "11 simulated minutes")
        for _ in range(300):  # the first check's event, within 30 wall seconds
            if await store.list_events(DATA_CHECK_KIND):
                break
            await asyncio.sleep(0.1)
        now = rt.clock.now()
    assert usage.stats().failed == 0 and usage.stats().dropped == 0

    report = await kpi_report(db, None, None, now)
    kpis = {k.key: k for k in report.kpis}
    trs = {r.tr_id: r for r in report.latency}
    assert {"inquire_balance", "inquire_daily_ccld", "order_cash_buy"} <= {r.label for r in report.latency}
    assert all(r.calls > 0 and 0 < r.mean_ms <= r.p95_ms <= r.max_ms for r in trs.values())
    assert kpis["api_latency"].status is not Status.NO_DATA
    # the sum of calls by TR is every REST exchange the client made (the recorder missed none)
    assert sum(r.calls for r in trs.values()) == sum(s.count for s in rt.client.rest.metrics.latency.values())
    up = kpis["uptime"]
    # a measured share of market time (its value depends on loop stalls of a loaded machine at x120)
    assert up.status is not Status.NO_DATA and up.figure is not None and 0 < up.figure <= 1
    assert "heartbeats" in up.note and "market time" in up.note
    assert kpis["data_error"].status is not Status.NO_DATA  # minutes were compared
    assert kpis["daily_loss"].status is not Status.NO_DATA  # account snapshots were taken
    assert kpis["error_rate"].figure == 0.0

    args = ["kpi", "--db", str(db), "--html", str(tmp_path / "kpi.html")]
    res = await asyncio.to_thread(CliRunner().invoke, app, args)  # the command runs its own loop
    assert res.exit_code == 0, res.output
    assert "order_cash_buy" in res.output and "Uptime in market hours" in res.output
    assert (tmp_path / "kpi.html").is_file()
    print(res.output)  # the example report (pytest -s)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
