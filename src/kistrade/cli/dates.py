"""Date options of the commands (``--from``/``--to``): ``YYYY-MM-DD`` or ``YYYYMMDD``."""

from __future__ import annotations

from datetime import date

import typer


def parse_day(text: str | None, option: str) -> date | None:
    """``text`` as a date (``None`` stays ``None``); a bad one is refused naming ``option``."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text if "-" in text else f"{text[:4]}-{text[4:6]}-{text[6:]}")
    except ValueError:
        raise typer.BadParameter(f"{option} {text!r} is not a date (YYYY-MM-DD or YYYYMMDD)") from None
