"""``kistrade calendar YEAR``: the year's KRX holidays, special sessions and trading-day count."""

from __future__ import annotations

import json
from typing import Any

import typer

_WEEKDAYS = ("Mon 월", "Tue 화", "Wed 수", "Thu 목", "Fri 금", "Sat 토", "Sun 일")


def _report(year: int) -> dict[str, Any]:
    from kistrade.domain.calendar import default_calendar

    cal = default_calendar()
    holidays = cal.holidays(year)  # validates the year first
    specials = cal.special_sessions(year)
    return {
        "year": year,
        "trading_days": cal.trading_days(year),
        "holidays": [
            {"date": d.isoformat(), "weekday": _WEEKDAYS[d.weekday()].split()[0], "name": name}
            for d, name in holidays
        ],
        "special_sessions": [
            {
                "date": st.day.isoformat(),
                "weekday": _WEEKDAYS[st.day.weekday()].split()[0],
                "kind": st.kind.value,
                "pre_open_start": st.pre_open_start.strftime("%H:%M"),
                "open": st.open.strftime("%H:%M"),
                "closing_auction_start": st.closing_auction_start.strftime("%H:%M"),
                "close": st.close.strftime("%H:%M"),
                "after_hours_end": st.after_hours_end.strftime("%H:%M"),
            }
            for st in specials
        ],
    }


def _print_tables(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    holidays = Table(title=f"KRX holidays {report['year']} (weekdays closed)")
    for column in ("date", "weekday", "name"):
        holidays.add_column(column)
    for h in report["holidays"]:
        holidays.add_row(h["date"], h["weekday"], h["name"])
    console.print(holidays)

    specials = Table(title=f"Special sessions {report['year']}")
    for column in ("date", "weekday", "kind", "pre-open", "open", "closing auction", "close"):
        specials.add_column(column)
    for s in report["special_sessions"]:
        specials.add_row(
            s["date"],
            s["weekday"],
            s["kind"],
            s["pre_open_start"],
            s["open"],
            s["closing_auction_start"],
            s["close"],
        )
    console.print(specials)
    console.print(f"Trading days in {report['year']}: {report['trading_days']}")


def register(app: typer.Typer) -> None:
    @app.command("calendar")
    def calendar(
        year: int = typer.Argument(..., help="Calendar year, e.g. 2026."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
    ) -> None:
        """KRX holidays, late-open days and the number of trading days of a year."""
        from kistrade.domain.errors import InvalidInputError

        try:
            report = _report(year)
        except InvalidInputError as exc:
            typer.echo(f"kistrade calendar: {exc}", err=True)
            raise typer.Exit(1) from exc
        if as_json:
            typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
        else:
            _print_tables(report)
