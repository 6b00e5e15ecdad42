"""`kistrade calendar YEAR` through typer's CliRunner on the real app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kistrade.cli import app

runner = CliRunner()


def test_calendar_2026_table() -> None:
    result = runner.invoke(app, ["calendar", "2026"])
    assert result.exit_code == 0, result.output
    assert "2026-06-03" in result.output
    assert "전국동시지방선거" in result.output
    assert "2026-11-19" in result.output  # CSAT late open
    assert "Trading days in 2026: 244" in result.output


def test_calendar_2026_json() -> None:
    result = runner.invoke(app, ["calendar", "2026", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["year"] == 2026
    assert report["trading_days"] == 244
    assert len(report["holidays"]) == 17
    assert report["holidays"][0] == {"date": "2026-01-01", "weekday": "Thu", "name": "신정"}
    csat = report["special_sessions"][1]
    assert (csat["date"], csat["kind"], csat["open"], csat["close"]) == (
        "2026-11-19",
        "csat",
        "10:00",
        "16:30",
    )
    first = report["special_sessions"][0]
    assert (first["date"], first["open"], first["close"]) == ("2026-01-02", "10:00", "15:30")


def test_calendar_bad_year() -> None:
    result = runner.invoke(app, ["calendar", "2100"])
    assert result.exit_code == 1
    assert "year 2100 is outside the supported KRX calendar range" in result.output


def test_calendar_not_a_number() -> None:
    result = runner.invoke(app, ["calendar", "twenty"])
    assert result.exit_code != 0
