"""``kistrade backtest`` / ``optimize`` end to end on the shared daily data (CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kistrade.cli import backtest_cmd

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "krx-daily" / "005930.csv"
KEYS = {
    "trades",
    "final_equity",
    "total_return",
    "cagr",
    "max_drawdown",
    "sharpe",
    "win_rate",
    "trades_per_week",
    "cost_to_profit",
    "signal_accuracy",
}


@pytest.fixture
def app() -> typer.Typer:
    if not DATA.is_file():
        pytest.skip(f"shared data {DATA} is absent")
    a = typer.Typer()
    backtest_cmd.register(a)
    return a


def test_json_is_one_object_with_the_issue_keys(app: typer.Typer) -> None:
    res = CliRunner().invoke(
        app,
        [
            "backtest",
            "--strategy",
            "rsi",
            "--data",
            str(DATA),
            "--from",
            "2010-01-01",
            "--commission",
            "0",
            "--sell-tax",
            "0",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert set(obj) >= KEYS
    assert obj["commission"] == "0" and obj["sell_tax"] == "0"
    assert obj["trades"] and {
        "entry_time",
        "exit_time",
        "entry_price",
        "exit_price",
        "qty",
        "pnl",
        "costs",
    } <= set(obj["trades"][0])


def test_compare_states_the_difference_and_writes_reports(app: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "backtest",
            "--compare",
            "rsi,rsi_orderbook",
            "--data",
            str(DATA),
            "--from",
            "2015-01-01",
            "--json",
            "--out",
            str(tmp_path),
            "--no-png",
        ],
    )
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    assert [c["strategy"] for c in obj["compare"]] == ["rsi", "rsi_orderbook"]
    assert "won" in obj["difference"]
    html = (tmp_path / "rsi" / "report.html").read_text(encoding="utf-8")
    assert (
        "<script src=" not in html and "Plotly" in html
    )  # plotly.js inlined, no CDN and "<h2>Trades</h2>" in html


def test_bad_inputs_are_named(app: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["backtest", "--data", str(DATA), "--set", "nope=1"])
    assert res.exit_code == 1 and "nope" in res.output
    res = CliRunner().invoke(app, ["backtest", "--data", str(tmp_path / "missing.csv")])
    assert res.exit_code == 1 and "missing.csv" in res.output


def test_optimize_ranks_and_saves(app: typer.Typer, tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            "--data",
            str(DATA),
            "--from",
            "2005-01-01",
            "--grid",
            "oversold=25,30",
            "--grid",
            "overbought=70,75",
            "--walk-forward",
            "2",
            "--executor",
            "process",
            "--workers",
            "2",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    rows = json.loads((tmp_path / "optimize.json").read_text(encoding="utf-8"))
    assert len(rows) == 4 and all(r["windows"] == 2 for r in rows)
    returns = [r["total_return"] for r in rows]
    assert returns == sorted(returns, reverse=True)
    assert (tmp_path / "optimize.csv").read_text(encoding="utf-8").startswith("oversold,overbought,")


def test_ray_executor_without_ray_is_a_clear_error(app: typer.Typer, tmp_path: Path) -> None:
    pytest.importorskip("kistrade")
    try:
        import ray  # type: ignore[import-not-found]  # noqa: F401

        pytest.skip("ray is installed")
    except ImportError:
        pass
    res = CliRunner().invoke(
        app,
        [
            "optimize",
            "--data",
            str(DATA),
            "--grid",
            "oversold=25",
            "--executor",
            "ray",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 1 and "ray" in res.output
