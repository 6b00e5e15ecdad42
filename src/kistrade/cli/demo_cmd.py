"""``kistrade demo`` (``make demo``): the bundled simulator, the bot at an accelerated speed and
its dashboard (the URL printed to open), then the final reconciliation of the bot's books against
the simulator's ledger. The settings: :mod:`kistrade.app.demo` (the user's config is untouched)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer

from kistrade.app.demo import DEMO_SPEED, DEMO_SYMBOLS


def demo(
    symbols: str = typer.Option(",".join(DEMO_SYMBOLS), "--symbols", help="comma-separated KRX codes"),
    duration: float = typer.Option(120.0, "--duration", help="how long to run (wall seconds; Ctrl-C stops)"),
    speed: float = typer.Option(DEMO_SPEED, "--speed", help="simulated seconds per wall second"),
    dashboard_port: int = typer.Option(0, "--dashboard-port", help="dashboard port (0: a free one)"),
    status_every: float = typer.Option(10.0, "--status-every", help="wall seconds between status lines"),
) -> None:
    """Run the simulator, the bot (accelerated) and the dashboard; print the URL to open."""
    from kistrade.app.bootstrap import RunOptions
    from kistrade.app.demo import demo_overrides
    from kistrade.app.settings_loader import load_settings
    from kistrade.cli.run_cmd import run_bot
    from kistrade.domain.errors import ConfigError, KistradeError

    syms = tuple(s.strip() for s in symbols.split(",") if s.strip())
    with tempfile.TemporaryDirectory(prefix="kistrade-demo-") as tmp:
        try:
            settings = load_settings(None, **demo_overrides(Path(tmp)))
            options = RunOptions(mode="sim", symbols=syms, speed=speed)
            summary = asyncio.run(
                run_bot(settings, options, duration, status_every, dashboard_port=dashboard_port, banner=True)
            )
        except (ConfigError, KistradeError, OSError) as exc:
            typer.echo(f"demo failed: {exc}", err=True)
            raise typer.Exit(1) from None
    if summary.books_equal is False:
        typer.echo("demo: the bot's books differ from the simulator's ledger", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
