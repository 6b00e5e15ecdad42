"""``kistrade demo``: the bundled simulator and the KIS client trading over real sockets (``make demo``)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer
from rich.console import Console
from rich.live import Live


def demo(
    symbols: str = typer.Option("005930,000660,035420", "--symbols", help="comma-separated KRX codes"),
    seconds: float = typer.Option(20.0, "--seconds", help="how long to stream (wall seconds)"),
    speed: float = typer.Option(20.0, "--speed", help="simulated seconds per wall second"),
    qty: int = typer.Option(10, "--qty", help="shares to buy in the demo order"),
) -> None:
    """Start the KIS-compatible simulator, stream it through the KIS client, buy, and check the books."""
    from kistrade.app.demo import run_demo
    from kistrade.cli.watch_view import WatchBoard
    from kistrade.domain.errors import KistradeError

    console = Console()
    board = WatchBoard("demo: simulator (real profile) via the KIS client")
    steps: list[str] = []

    with (
        tempfile.TemporaryDirectory(prefix="kistrade-demo-") as tmp,
        Live(board.render(), console=console, refresh_per_second=8) as live,
    ):

        def on_event(ev: object) -> None:
            board.apply(ev)
            live.update(board.render())

        def on_step(text: str) -> None:
            steps.append(text)
            live.console.print(f"[cyan]>[/cyan] {text}", highlight=False)

        try:
            result = asyncio.run(
                run_demo(
                    [s.strip() for s in symbols.split(",") if s.strip()],
                    seconds=seconds,
                    speed=speed,
                    buy_qty=qty,
                    data_dir=Path(tmp),
                    on_event=on_event,
                    on_step=on_step,
                )
            )
        except KistradeError as exc:
            typer.echo(f"demo failed: {exc}", err=True)
            raise typer.Exit(1) from None
    console.print(
        f"\n{result.events} events streamed ({result.trades} trades, {result.books} order books); "
        f"{len(result.fills)} fill notice(s)."
    )
    bal = result.balance
    if bal is not None:
        held = {h.symbol: h for h in bal.holdings}
        for h in held.values():
            console.print(
                f"balance (inquire-balance): {h.symbol} {h.qty} shares, avg {h.avg_price:,.2f}, "
                f"P&L {h.pnl:+,} won; cash D+2 {bal.cash_d2:,} won",
                highlight=False,
            )
        qty_kis = sum(h.qty for h in held.values())
        same = result.ledger_qty == qty_kis and result.ledger_cash == bal.cash_d2
        console.print(
            f"simulator ledger: {result.ledger_qty} shares, cash D+2 {result.ledger_cash:,} won -> "
            f"{'MATCHES' if same else 'DIFFERS FROM'} the client's view",
            highlight=False,
        )
        if not same:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
