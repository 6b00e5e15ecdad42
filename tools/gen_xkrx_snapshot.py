"""Write src/kistrade/domain/krx_xkrx_snapshot.py from exchange-calendars' XKRX.

Run by hand after upgrading exchange-calendars (tests/unit/test_calendar_snapshot.py fails until
then):

    uv run python tools/gen_xkrx_snapshot.py

The output is ruff-format stable: long date lists are wrapped into implicitly concatenated
strings that fill the line, so the formatter neither joins nor splits them.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import date, time
from pathlib import Path

import exchange_calendars

from kistrade.domain.calendar import SUPPORTED_END, Era, XkrxData, live_xkrx_data

COMMAND = "uv run python tools/gen_xkrx_snapshot.py"
TARGET = Path(__file__).resolve().parents[1] / "src" / "kistrade" / "domain" / "krx_xkrx_snapshot.py"
LINE_LENGTH = 110  # [tool.ruff] line-length


def _hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def _eras(name: str, table: Era) -> list[str]:
    lines = [f"{name}: tuple[tuple[str | None, str], ...] = ("]
    for start, t in table:
        first = "None" if start is None else f'"{start.isoformat()}"'
        lines.append(f'    ({first}, "{_hhmm(t)}"),')
    return [*lines, ")"]


def _entry(key: str, days: list[date]) -> list[str]:
    """One ``"key": "date date ...",`` dict entry, wrapped to the line length."""
    words = [d.isoformat() for d in days]
    one_line = f'    "{key}": "{" ".join(words)}",'
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    chunks: list[list[str]] = [[]]
    width = LINE_LENGTH - len('        ""')
    for word in words:
        if chunks[-1] and len(" ".join([*chunks[-1], word])) + 1 > width:
            chunks.append([])
        chunks[-1].append(word)
    body = [f'        "{" ".join(c)} "' for c in chunks[:-1]] + [f'        "{" ".join(chunks[-1])}"']
    return [f'    "{key}": (', *body, "    ),"]


def render(data: XkrxData, version: str) -> str:
    by_name: dict[str, list[date]] = defaultdict(list)
    for d, name in sorted(data.holidays.items()):
        by_name[name].append(d)
    by_hours: dict[str, list[date]] = defaultdict(list)
    for d, (open_t, close_t) in sorted(data.special_hours.items()):
        by_hours[f"{_hhmm(open_t)}-{_hhmm(close_t)}"].append(d)
    lines = [
        '"""exchange-calendars\' XKRX as kistrade uses it: a GENERATED snapshot, do not edit by hand.',
        "",
        f"Generated from exchange-calendars {version} by: {COMMAND}",
        "tests/unit/test_calendar_snapshot.py checks it still equals what exchange-calendars builds.",
        "",
        "Covers FIRST_SESSION..LAST_DAY. Every weekday in that range is a session except HOLIDAYS (XKRX",
        "has no weekend sessions). A session's (open, close) in KST is its era's regular OPEN_TIMES /",
        "CLOSE_TIMES except SPECIAL_HOURS. Read by kistrade.domain.calendar.snapshot_xkrx_data().",
        '"""',
        "",
        f'EXCHANGE_CALENDARS_VERSION = "{version}"',
        f'FIRST_SESSION = "{data.first_session.isoformat()}"',
        f'LAST_DAY = "{data.last_day.isoformat()}"',
        "",
        "# Regular hours by era: (first day of the era, None for the first era; HH:MM).",
        *_eras("OPEN_TIMES", data.open_times),
        *_eras("CLOSE_TIMES", data.close_times),
        "",
        '# Weekdays that are not sessions, by XKRX\'s English holiday name ("" = a closure XKRX does',
        "# not name: one-off closures, substitute days, ...).",
        "HOLIDAYS: dict[str, str] = {",
        *(line for name in sorted(by_name) for line in _entry(name, by_name[name])),
        "}",
        "",
        "# Sessions whose hours are not the era's regular ones, by OPEN-CLOSE.",
        "SPECIAL_HOURS: dict[str, str] = {",
        *(line for hours in sorted(by_hours) for line in _entry(hours, by_hours[hours])),
        "}",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    data = live_xkrx_data(SUPPORTED_END)
    text = render(data, exchange_calendars.__version__)
    TARGET.write_text(text, encoding="utf-8")
    print(
        f"wrote {TARGET}: {len(data.holidays)} holidays, {len(data.special_hours)} special sessions, "
        f"{text.count(chr(10))} lines (exchange-calendars {exchange_calendars.__version__})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
