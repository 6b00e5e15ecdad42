"""``kistrade quote|balance|watch|token``: talk to KIS (paper, live) or a running simulator (sim)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from kistrade.cli.config_cmd import CONFIG_OPTION, ENV_FILE_OPTION

if TYPE_CHECKING:
    from kistrade.app.kis_factory import KisTarget
    from kistrade.domain.broker import Balance
    from kistrade.kis.client.commands import QuoteView

T = TypeVar("T")
ModeOpt = Literal["sim", "paper", "live"]
MODE_OPTION = typer.Option(None, "--mode", "-m", help="sim | paper | live (default: kis.mode from settings).")
SIM_URL_OPTION = typer.Option(
    None, "--sim-url", help="REST URL of a running `kistrade sim` (default: http://127.0.0.1:9443)."
)
console = Console()


def run_target(
    config: Path | None,
    env_file: Path | None,
    mode: str | None,
    sim_url: str | None,
    action: Callable[[KisTarget], Awaitable[T]],
) -> T:
    from kistrade.app.kis_factory import resolve_target
    from kistrade.app.logging_setup import setup_logging
    from kistrade.app.settings import load_settings
    from kistrade.domain.errors import KistradeError

    if mode is not None and mode not in ("sim", "paper", "live"):
        typer.echo(f"--mode {mode!r}: expected sim, paper or live", err=True)
        raise typer.Exit(1)

    async def main() -> T:
        settings = load_settings(config, env_file)
        setup_logging(settings.logging, settings.secret_values(), console_level="WARNING")
        target = await resolve_target(settings, mode=mode, sim_url=sim_url)  # type: ignore[arg-type]
        console.print(f"[bold]{target.label}[/bold]", highlight=False)
        return await action(target)

    try:
        return asyncio.run(main())
    except KistradeError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _won(v: int) -> str:
    return f"{v:,}"


def _quote_table(view: QuoteView) -> Table:
    q, book = view.quote, view.book
    t = Table(title=f"{q.symbol}  {_won(q.price)} ({q.change:+,} / {q.change_rate}%)", show_header=True)
    t.add_column("ask qty", justify="right")
    t.add_column("price", justify="right")
    t.add_column("bid qty", justify="right")
    for lvl in reversed([a for a in book.asks if a.price > 0]):
        t.add_row(_won(lvl.qty), _won(lvl.price), "")
    for lvl in (b for b in book.bids if b.price > 0):
        t.add_row("", _won(lvl.price), _won(lvl.qty))
    return t


def _quote_line(view: QuoteView) -> str:
    q = view.quote
    return (
        f"open {_won(q.open)}  high {_won(q.high)}  low {_won(q.low)}  base {_won(q.base)}  "
        f"limits {_won(q.lower_limit)}..{_won(q.upper_limit)}  tick {q.tick}  volume {_won(q.volume)}"
    )


def quote(
    symbol: str = typer.Argument(..., help="6-digit KRX code, e.g. 005930"),
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Current price and the 10-level order book of a symbol."""
    from kistrade.kis.client import commands

    async def act(target: KisTarget) -> QuoteView:
        return await commands.quote(target.config, target.clock, symbol)

    view = run_target(config, env_file, mode, sim_url, act)
    if not view.quote.found:
        typer.echo(f"symbol {symbol}: not found at the broker", err=True)
        raise typer.Exit(1)
    console.print(_quote_table(view))
    console.print(_quote_line(view), highlight=False)


def _balance_table(b: Balance) -> Table:
    t = Table(title="Holdings")
    for col in ("symbol", "name", "qty", "sellable", "avg price", "price", "value", "P&L"):
        t.add_column(col, justify="right" if col not in ("symbol", "name") else "left")
    for h in b.holdings:
        t.add_row(
            h.symbol, h.name, _won(h.qty), _won(h.sellable_qty), f"{h.avg_price:,.2f}",
            _won(h.price), _won(h.eval_amount), f"{h.pnl:+,}",
        )  # fmt: skip
    return t


def _balance_line(b: Balance) -> str:
    return (
        f"cash D+0 {_won(b.cash_d0)}  D+2 {_won(b.cash_d2)}  securities {_won(b.securities_value)}  "
        f"total {_won(b.total_value)}  P&L {b.pnl_total:+,}  fees today {_won(b.fees_today)}"
    )


def balance(
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Cash (D+0, D+2), holdings with average prices, and totals."""
    from kistrade.kis.client import commands

    async def act(target: KisTarget) -> Balance:
        return await commands.balance(target.config, target.clock)

    result = run_target(config, env_file, mode, sim_url, act)
    console.print(_balance_table(result))
    console.print(_balance_line(result), highlight=False)


def watch(
    symbols: list[str] = typer.Argument(..., help="one or more 6-digit KRX codes"),
    notices: bool = typer.Option(False, "--notices", help="also show this account's order/fill notices"),
    count: int | None = typer.Option(None, "--count", help="stop after this many events"),
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """A live table of trades and the best bid/ask per symbol, until Ctrl-C."""
    from kistrade.cli.watch_view import WatchBoard
    from kistrade.kis.client import commands

    async def act(target: KisTarget) -> int:
        board = WatchBoard(target.label)
        with Live(board.render(), console=console, refresh_per_second=8) as live:
            async for ev in commands.watch(
                target.config, target.clock, symbols, notices=notices, max_events=count
            ):
                board.apply(ev)
                live.update(board.render())
        return board.events

    try:
        seen = run_target(config, env_file, mode, sim_url, act)
    except KeyboardInterrupt:
        return
    console.print(f"{seen} events")


token_app = typer.Typer(help="Show, issue or revoke the KIS access token (never printed whole).")


def _token_action(
    which: str, mode: str | None, sim_url: str | None, config: Path | None, env_file: Path | None
) -> None:
    from kistrade.kis.client import commands

    async def act(target: KisTarget) -> object:
        if which == "status":
            return await commands.token_status(target.config, target.clock)
        if which == "issue":
            return await commands.token_issue(target.config, target.clock)
        return await commands.token_revoke(target.config, target.clock)

    result = run_target(config, env_file, mode, sim_url, act)
    if isinstance(result, bool):
        console.print("revoked" if result else "no cached token to revoke")
        return
    st = result
    t = Table(show_header=False)
    for field in (
        "env",
        "key_id",
        "cache_file",
        "cached",
        "preview",
        "issued_at",
        "expires_at",
        "seconds_left",
    ):
        t.add_row(field, str(getattr(st, field)))
    console.print(t)


@token_app.command("status")
def token_status(
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """The cached token: expiry, age, a short preview."""
    _token_action("status", mode, sim_url, config, env_file)


@token_app.command("issue")
def token_issue(
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Make sure a valid token is cached (reuses a valid one; at most one issuance per minute)."""
    _token_action("issue", mode, sim_url, config, env_file)


@token_app.command("revoke")
def token_revoke(
    mode: str | None = MODE_OPTION,
    sim_url: str | None = SIM_URL_OPTION,
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """Revoke the cached token at the broker and drop it from the cache."""
    _token_action("revoke", mode, sim_url, config, env_file)


def register(app: typer.Typer) -> None:
    app.command("quote")(quote)
    app.command("balance")(balance)
    app.command("watch")(watch)
    app.add_typer(token_app, name="token")
