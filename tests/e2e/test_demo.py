"""``kistrade demo`` (``make demo``) end to end: the simulator, the bot (accelerated) and the
dashboard; the bot trades, the URL is printed, and its books equal the simulator's ledger."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from kistrade.cli import app


def test_demo_trades_serves_the_dashboard_and_books_agree() -> None:
    result = CliRunner().invoke(
        app,
        ["demo", "--duration", "8", "--speed", "120", "--status-every", "3", "--symbols", "005930,000660"],
        env={"COLUMNS": "200"},
    )
    out = result.output
    assert result.exit_code == 0, out
    assert re.search(r"dashboard: http://127\.0\.0\.1:\d+/", out), out
    final = re.search(r"final reconciliation \((\d+) fills\): local books vs simulator ledger: (.*)", out)
    assert final is not None, out
    assert int(final.group(1)) > 0, out
    assert "positions and cash equal" in final.group(2), out
