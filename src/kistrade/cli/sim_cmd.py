"""``kistrade sim``: run the bundled KIS-compatible exchange simulator until Ctrl-C / SIGTERM."""

from __future__ import annotations

import asyncio
import signal
from datetime import time

import typer

from kistrade.domain.errors import ConfigError, InvalidInputError

ENV_HELP = "KIS environment to imitate: real (실전) or paper (모의투자)."


def _parse_start(text: str | None) -> time | None:
    if text is None:
        return None
    try:
        hh, mm = text.split(":")
        return time(int(hh), int(mm))
    except ValueError:
        raise typer.BadParameter(f"--start {text!r} is not HH:MM (e.g. 09:00)") from None


def register(app: typer.Typer) -> None:
    @app.command("sim")
    def sim(
        env: str = typer.Option("real", "--env", help=ENV_HELP),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind (loopback by default)."),
        rest_port: int | None = typer.Option(None, "--rest-port", help="REST port (default: KIS's)."),
        ws_port: int | None = typer.Option(None, "--ws-port", help="WebSocket port (default: KIS's)."),
        symbols: str = typer.Option("005930,000660", "--symbols", help="Comma-separated KRX codes."),
        speed: float = typer.Option(1.0, "--speed", help="Simulated seconds per wall second."),
        seed: int = typer.Option(0, "--seed", help="Seed of the market and the generated credentials."),
        start: str | None = typer.Option(None, "--start", help="Simulated start time HH:MM (default 09:00)."),
        clock: str = typer.Option("sim", "--clock", help="sim (simulated session) or real (KRX clock)."),
        source: str = typer.Option(
            "synthetic", "--source", help="synthetic or replay:PATH (CSV daily bars)."
        ),
        faults: str = typer.Option("", "--faults", help="e.g. 'http500=0.1,egw00201=0.05,latency=50'."),
        appkey: str | None = typer.Option(None, "--appkey", help="App key to accept (36 chars)."),
        appsecret: str | None = typer.Option(None, "--appsecret", help="App secret to accept (180 chars)."),
        account: str | None = typer.Option(None, "--account", help="Account XXXXXXXX-XX."),
        hts_id: str | None = typer.Option(None, "--hts-id", help="HTS id for the execution notices."),
        cash: int = typer.Option(100_000_000, "--cash", help="Starting cash of the account, in won."),
    ) -> None:
        """Run the KIS-compatible exchange simulator (REST + WebSocket) on loopback."""
        from kistrade.kis.simulator.config import KIS_PORTS, SimConfig, SimCredentials, generate_credentials

        if env not in ("real", "paper"):
            raise typer.BadParameter(f"--env {env!r} must be 'real' or 'paper'")
        if clock not in ("sim", "real"):
            raise typer.BadParameter(f"--clock {clock!r} must be 'sim' or 'real'")
        default_rest, default_ws = KIS_PORTS[env]
        try:
            creds = None
            if any(v is not None for v in (appkey, appsecret, account, hts_id)):
                generated = generate_credentials(seed, env)  # type: ignore[arg-type]
                creds = SimCredentials(
                    app_key=appkey or generated.app_key,
                    app_secret=appsecret or generated.app_secret,
                    account=account or generated.account,
                    hts_id=hts_id or generated.hts_id,
                    generated=appsecret is None,
                )
            config = SimConfig(
                env=env,  # type: ignore[arg-type]
                host=host,
                rest_port=default_rest if rest_port is None else rest_port,
                ws_port=default_ws if ws_port is None else ws_port,
                symbols=tuple(s.strip() for s in symbols.split(",") if s.strip()),
                speed=speed,
                seed=seed,
                start=_parse_start(start),
                clock_mode=clock,  # type: ignore[arg-type]
                source=source,
                faults=faults,
                credentials=creds,
                cash=cash,
            )
        except (ConfigError, InvalidInputError) as exc:
            typer.echo(f"kistrade sim: {exc}", err=True)
            raise typer.Exit(2) from None
        try:
            asyncio.run(_run(config))
        except (ConfigError, InvalidInputError, OSError) as exc:
            typer.echo(f"kistrade sim: {exc}", err=True)
            raise typer.Exit(1) from None


async def _run(config: object) -> None:
    from kistrade.kis.simulator.config import SimConfig
    from kistrade.kis.simulator.server import start_simulator

    assert isinstance(config, SimConfig)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with start_simulator(config) as sim:
        c = sim.credentials
        key = c.app_key if c.generated else c.app_key[:4] + "..." + " (as passed)"
        secret = c.app_secret if c.generated else "(as passed; not shown)"
        lines = [
            f"kistrade sim ({config.env}) is running. Ctrl-C stops it.",
            f"  REST       {sim.rest_url}",
            f"  WebSocket  {sim.ws_url}  (paths /, /tryitout)",
            f"  app key    {key}",
            f"  app secret {secret}",
            f"  account    {c.account}",
            f"  HTS id     {c.hts_id}",
            f"  cash       {config.cash:,} won",
            f"  symbols    {', '.join(config.symbols)}  speed x{config.speed:g}",
            f"  control    {sim.rest_url}/sim/clock, /sim/ledger, /sim/faults, /sim/market",
        ]
        typer.echo("\n".join(lines), nl=True)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=60.0)
            except TimeoutError:
                requests, orders, errors = sim.services.activity.snapshot_and_reset()
                if requests:
                    now = sim.hub.now().strftime("%H:%M:%S")
                    typer.echo(
                        f"[sim {now} {sim.hub.phase().value}] last minute: {requests} requests, "
                        f"{orders} orders, {errors} errors"
                    )
    typer.echo("kistrade sim stopped.")


__all__ = ["register"]
