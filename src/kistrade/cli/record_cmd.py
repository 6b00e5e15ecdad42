"""``kistrade record --symbols 005930,000660 [--until 15:30]``: record trades and books into the store."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from kistrade.cli.config_cmd import CONFIG_OPTION, ENV_FILE_OPTION
from kistrade.cli.kis_cmds import MODE_OPTION, SIM_URL_OPTION

if TYPE_CHECKING:
    from kistrade.app.kis_factory import KisTarget
    from kistrade.app.recorder import RecorderProgress, RecordResult

console = Console(stderr=True)


def parse_until(text: str | None) -> time | None:
    if text is None:
        return None
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise typer.BadParameter(f"--until {text!r} is not HH:MM (e.g. 15:30)") from None


def until_on(clock_now: datetime, at: time) -> datetime:
    """``at`` on the day of ``clock_now`` (the target's clock), in its time zone."""
    return datetime.combine(clock_now.date(), at, clock_now.tzinfo)


def record(
    symbols: str = typer.Option(..., "--symbols", help="Comma-separated KRX codes, e.g. 005930,000660."),
    until: str | None = typer.Option(None, "--until", help="Stop at HH:MM on the target's clock."),
    count: int | None = typer.Option(None, "--count", help="Stop after this many trades + books."),
    db: Path | None = typer.Option(None, "--db", help="SQLite file (default: storage.db_file)."),
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Record live trades and order books (batched writes); Ctrl-C stops with a clean flush."""
    from kistrade.app import recorder
    from kistrade.app.settings import load_settings
    from kistrade.cli.kis_cmds import run_target
    from kistrade.domain.errors import KistradeError
    from kistrade.domain.types import parse_symbol

    stop_at = parse_until(until)
    try:
        syms = [parse_symbol(s.strip()) for s in symbols.split(",") if s.strip()]
        db_path = db if db is not None else load_settings(config, env_file).storage.db_file
    except KistradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if not syms:
        raise typer.BadParameter("--symbols: give at least one code")

    def show(p: RecorderProgress) -> None:
        console.print(p.line(), highlight=False)

    async def act(target: KisTarget) -> RecordResult:
        deadline = until_on(target.clock.now(), stop_at) if stop_at is not None else None
        if deadline is not None and deadline <= target.clock.now():
            typer.echo(
                f"--until {until}: already past on the target's clock ({target.clock.now():%H:%M})", err=True
            )
            raise typer.Exit(1)
        console.print(f"recording {', '.join(syms)} into {db_path}", highlight=False)
        return await recorder.record(
            target.config,
            target.clock,
            db_path,
            list(syms),
            until=deadline,
            max_events=count,
            on_progress=show,
        )

    try:
        result = run_target(config, env_file, mode, sim_url, act)
    except KeyboardInterrupt:
        console.print("interrupted: queued rows were flushed", highlight=False)
        return
    w = result.writer
    console.print(
        f"stopped ({result.reason}): {w.rows_written:,} rows written ({w.trades_written:,} ticks, "
        f"{w.books_written:,} books), {w.dropped:,} dropped, {w.failed_rows:,} failed; "
        f"max write lag {w.max_lag_s * 1000:.0f} ms",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("record")(record)


__all__ = ["parse_until", "record", "register", "until_on"]
