"""The ``kistrade`` command line. One module per command group; this file wires them together."""

from __future__ import annotations

import typer

from kistrade import __version__
from kistrade.cli import (
    backtest_cmd,
    calendar_cmd,
    config_cmd,
    data_cmd,
    demo_cmd,
    health_cmd,
    kis_cmds,
    kpi_cmd,
    record_cmd,
    run_cmd,
    sim_cmd,
)

app = typer.Typer(
    name="kistrade",
    help="Automated trading for Korean stocks over the KIS Open API, with a bundled KIS simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(f"kistrade {__version__}")
        raise typer.Exit(0)


config_cmd.register(app)
calendar_cmd.register(app)
sim_cmd.register(app)
kis_cmds.register(app)
demo_cmd.register(app)
health_cmd.register(app)
backtest_cmd.register(app)
data_cmd.register(app)
record_cmd.register(app)
run_cmd.register(app)
kpi_cmd.register(app)


def main() -> None:
    app()


__all__ = ["app", "main"]
