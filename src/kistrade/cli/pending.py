"""Commands the design names that are not built yet: each says so and exits non-zero."""

from __future__ import annotations

from collections.abc import Callable

import typer

# command -> (one-line help, the issue that builds it)
PENDING: dict[str, tuple[str, str]] = {
    "run": ("Run the trading bot (sim, paper or live).", "issue 8"),
    "backtest": ("Backtest a strategy on bars or recorded ticks.", "issue 6"),
    "data": ("Import, fetch, list and export market data.", "issue 5"),
    "record": ("Record live trades and order books into the store.", "issue 5"),
    "optimize": ("Parameter sweeps and walk-forward tests.", "issue 6"),
    "kpi": ("The KPI report against the project's targets.", "issue 10"),
    "token": ("Show, issue or revoke the KIS access token.", "issue 4"),
    "health": ("Check a running bot's health.", "issue 8"),
    "quote": ("Current price of a symbol.", "issue 4"),
    "balance": ("Account balance and holdings.", "issue 4"),
    "watch": ("Live trades and order book in the terminal.", "issue 4"),
}


def _make(name: str, issue: str) -> Callable[[typer.Context], None]:
    def _cmd(ctx: typer.Context) -> None:
        typer.echo(f"kistrade {name}: not built yet (tracked in {issue}).", err=True)
        raise typer.Exit(2)

    return _cmd


def register(app: typer.Typer) -> None:
    registered = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups if g.name}
    for name, (help_text, issue) in PENDING.items():
        if name in registered:
            continue
        app.command(
            name,
            help=f"{help_text} [not built yet: {issue}]",
            context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        )(_make(name, issue))
