"""``kistrade run``: the trading bot (sim by default: the bundled simulator, no credentials).

The CLI is where the interfaces start (the composition root in app/bootstrap.py does not import
them): the HTTP dashboard on the runtime's service, and with ``telegram.enabled`` the command bot
and the notifier (see :mod:`kistrade.cli.run_interfaces`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

MODES = ("sim", "paper", "live")


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        mode: str = typer.Option("sim", "--mode", help="sim (bundled simulator), paper or live."),
        config: Path | None = typer.Option(None, "--config", help="Settings file (YAML)."),
        speed: float = typer.Option(60.0, "--speed", help="Bundled simulator speed (sim mode)."),
        sim_url: str | None = typer.Option(None, "--sim-url", help="Attach to a running simulator."),
        symbols: str = typer.Option("", "--symbols", help="Comma-separated watchlist (default: settings)."),
        duration: float = typer.Option(0.0, "--duration", help="Stop after this many wall seconds (0: run)."),
        days: int = typer.Option(
            0, "--days", help="Stop after this many trading days end (0: run on; the bundled simulator: 1)."
        ),
        sim_start: str = typer.Option(
            "",
            "--sim-start",
            help="Bundled simulator's start time of day, HH:MM (default 09:00; 08:50 shows warm-up).",
        ),
        status_every: float = typer.Option(5.0, "--status-every", help="Wall seconds between status lines."),
        dashboard_port: int | None = typer.Option(
            None, "--dashboard-port", help="Dashboard port (default: settings dashboard.port; 0: a free one)."
        ),
        confirm_live: bool = typer.Option(
            False, "--i-understand-live-trading", help="Required with --mode live: real money."
        ),
        supervise: bool = typer.Option(
            False,
            "--supervise",
            help="Run the bot as a child; restart it with backoff after a crash and alert.",
        ),
    ) -> None:
        """Run the trading bot on the KRX schedule: recover, warm up at 08:50, trade, end the day at 15:35
        with a report; sleep over weekends and holidays. Ctrl-C / SIGTERM / --duration stop it."""
        from kistrade.app.bootstrap import RunOptions
        from kistrade.app.settings_loader import load_settings
        from kistrade.domain.errors import ConfigError, KistradeError

        if mode not in MODES:
            raise typer.BadParameter(f"--mode {mode!r} must be one of {', '.join(MODES)}")
        if mode == "live" and not confirm_live:
            typer.echo(
                "kistrade run: --mode live trades real money; add --i-understand-live-trading to confirm.",
                err=True,
            )
            raise typer.Exit(2)
        if supervise:
            raise typer.Exit(run_supervised(config, mode))
        try:
            settings = load_settings(config)
            syms = tuple(s.strip() for s in symbols.split(",") if s.strip())
            if mode == "sim" and not syms and settings.watchlist == ["005930"]:
                syms = ("005930", "000660", "035420", "005380")
            options = RunOptions(
                mode=mode,  # type: ignore[arg-type]
                symbols=syms,
                speed=speed,
                sim_url=sim_url,
                sim_start=_parse_hhmm(sim_start) if sim_start else None,
            )
            asyncio.run(
                run_bot(settings, options, duration, status_every, dashboard_port=dashboard_port, days=days)
            )
        except (ConfigError, KistradeError, OSError) as exc:
            typer.echo(f"kistrade run [{mode.upper()}]: {exc}", err=True)
            raise typer.Exit(1) from None


def run_supervised(config: Path | None, mode: str) -> int:
    """``--supervise``: this process only restarts the bot (the same arguments without the flag)."""
    import sys

    from kistrade.app.settings_loader import load_settings
    from kistrade.app.supervisor import child_argv, supervise
    from kistrade.app.trading_day import LogNotifier

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        settings = load_settings(config)
        argv = child_argv(sys.executable, sys.argv[1:])
        if not settings.telegram.enabled:
            return (await supervise(argv, LogNotifier(), stop=stop)).exit_code
        from kistrade.cli.run_interfaces import telegram_notifier

        async with telegram_notifier(settings, f"{mode} supervisor") as notifier:
            return (await supervise(argv, notifier, stop=stop)).exit_code

    return asyncio.run(main())


def _parse_hhmm(text: str) -> time:
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise typer.BadParameter(f"--sim-start {text!r} is not HH:MM (e.g. 08:50)") from None


@dataclass(frozen=True, slots=True)
class RunSummary:
    fills: int
    books_equal: bool | None  # None: no final reconciliation


async def run_bot(
    settings: object,
    options: object,
    duration: float,
    status_every: float,
    *,
    dashboard_port: int | None = None,
    banner: bool = False,
    days: int = 0,
) -> RunSummary:
    """Run the bot with its interfaces, driven by the trading-day scheduler, until a signal,
    ``duration`` wall seconds (0: no limit) or ``days`` ended trading days (0: no limit; the
    bundled simulator: 1)."""
    from kistrade.app import sd_notify
    from kistrade.app.bootstrap import RunOptions, open_runtime
    from kistrade.app.logging_setup import setup_logging
    from kistrade.app.scheduler import DayScheduler, next_plan
    from kistrade.app.settings import Settings
    from kistrade.app.trading_day import LogNotifier, TradingDays
    from kistrade.cli.run_interfaces import open_interfaces

    assert isinstance(settings, Settings) and isinstance(options, RunOptions)
    console = Console()
    setup_logging(settings.logging, settings.secret_values(), console_level="WARNING")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tag = options.mode.upper()
    console.print(f"[bold][{tag}][/bold] starting: recovery and reconciliation first ...")
    options = replace(options, start_trading=False)  # the scheduler opens the trading day
    async with open_runtime(settings, options) as rt, open_interfaces(settings, rt, dashboard_port) as ifs:
        rec = rt.trader.recovery
        console.print(f"[bold][{tag}][/bold] {rt.label}")
        if rec is not None:
            r = rec.report
            console.print(
                f"[bold][{tag}][/bold] recovered: matched {r.matched}, unmatched {r.unmatched}, "
                f"catch-up fills {r.catch_up_fills}, closed {r.closed}; account "
                + (
                    "equal to the broker"
                    if rec.diff is not None and rec.diff.empty
                    else "differs (see events)"
                )
            )
        url = f"{ifs.dashboard_url}/"
        if banner:
            console.print(Panel(f"[bold green]Open the dashboard: {url}[/bold green]", expand=False))
        console.print(f"dashboard: {url}", highlight=False, soft_wrap=True)
        if ifs.telegram:
            console.print(f"[bold][{tag}][/bold] telegram: command bot and notifications on")
        sd_notify.notify("READY=1")
        pings = sd_notify.watchdog_interval_s()
        if pings is not None:
            watchdog = asyncio.create_task(sd_notify.watchdog_pings(pings), name="sd-watchdog")
        hooks = TradingDays(rt.trader, rt.service, ifs.notifier or LogNotifier())
        scheduler = DayScheduler(rt.clock, hooks, stop=stop)
        plan = next_plan(scheduler.calendar, rt.clock.now(), scheduler.config)
        console.print(f"[bold][{tag}][/bold] {plan.describe()}")
        console.print(f"[bold][{tag}][/bold] watchlist {', '.join(rt.trader.config.symbols)}; Ctrl-C stops")
        if not days and options.mode == "sim" and options.sim_url is None:
            days = 1  # the bundled simulator plays one session
        run = asyncio.create_task(scheduler.run(days=days), name="scheduler")
        start = loop.time()
        while not run.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(run), timeout=status_every)
            if run.done():
                break
            console.print(await status_line(rt.service, rt.trader))
            if duration and loop.time() - start >= duration:
                stop.set()
        try:
            await run  # a failure of the scheduler surfaces here
        finally:
            sd_notify.notify("STOPPING=1")
            await hooks.close()
            if pings is not None:
                watchdog.cancel()
        for report in hooks.reports:
            console.print(Panel(report.text, title=f"[{tag}] {report.day}", expand=False))
        console.print(f"[bold][{tag}][/bold] stopping: no order is left half-sent ...")
        console.print(await positions_table(rt.service))
    io = rt.trader.io
    fills = io.counters.fills if io is not None else 0
    last = rt.trader.last_sync
    equal: bool | None = None
    if last is not None and last.diff is not None:
        d = last.diff
        equal = d.empty
        broker = "simulator ledger" if options.mode == "sim" else "broker"
        verdict = "equal" if d.empty else f"DIFFERENT {d.detail()}"
        console.print(
            f"[bold][{tag}][/bold] final reconciliation ({fills} fills): local books vs {broker}: "
            f"cash {d.local_cash:,} vs {d.broker_cash:,}; positions and cash {verdict}"
        )
    console.print(f"[bold][{tag}][/bold] stopped.")
    return RunSummary(fills, equal)


async def status_line(service: object, trader: object) -> str:
    from kistrade.app.services import TraderService
    from kistrade.app.trader import Trader

    assert isinstance(service, TraderService) and isinstance(trader, Trader)
    s = await service.status()
    io = trader.io
    fills = io.counters.fills if io is not None else 0
    age = "-" if s.last_tick_age_s is None else f"{s.last_tick_age_s:.0f}s"
    feed = "up" if s.feed_connected else "DOWN"
    return (
        f"[{s.mode.upper()} {s.now:%H:%M:%S} {s.phase}] {s.state.value} equity {s.equity:,} cash {s.cash:,} "
        f"day {s.day_pnl:+,} ({s.day_pnl_pct}%) pos {s.positions} open {s.open_orders} fills {fills} "
        f"feed {feed} tick {age}"
    )


async def positions_table(service: object) -> Table:
    from kistrade.app.services import TraderService

    assert isinstance(service, TraderService)
    table = Table(title=f"[{service.mode.upper()}] positions")
    for col in ("symbol", "qty", "avg price", "last", "value", "P&L"):
        table.add_column(col, justify="right")
    for p in await service.positions():
        table.add_row(
            p.symbol, f"{p.qty:,}", f"{p.avg_price:,.2f}", f"{p.last_price:,}", f"{p.value:,}", f"{p.pnl:+,}"
        )
    return table


__all__ = ["RunSummary", "register", "run_bot", "status_line"]
