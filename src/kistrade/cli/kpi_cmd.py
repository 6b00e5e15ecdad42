"""``kistrade kpi``: the project's success indicators from the store the bot writes, each next to
its target and marked met / not met / no data; ``--html FILE`` also writes a self-contained page.

The store is ``--db``, else the one ``kistrade run --mode MODE`` writes under ``storage.data_dir``
(for the bundled simulator: the newest run's). Exit 0 whatever the figures say; 1 when the
store cannot be read."""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from kistrade.cli.config_cmd import CONFIG_OPTION, ENV_FILE_OPTION
from kistrade.cli.dates import parse_day

if TYPE_CHECKING:
    from kistrade.app.kpi_model import KpiReport

_STYLE = {"met": "green", "not met": "red", "no data": "yellow"}
_MODES = ("sim", "paper", "live")


def store_for_mode(data_dir: Path, mode: str) -> Path:
    """The store ``kistrade run --mode MODE`` writes: ``trader-MODE.db`` under the data directory;
    for sim, the newest of that and the bundled simulator's ``sim/trader-run-*.db``."""
    if mode not in _MODES:
        raise typer.BadParameter(f"--mode {mode!r} must be one of {', '.join(_MODES)}")
    fixed = data_dir / f"trader-{mode}.db"
    if mode != "sim":
        return fixed
    found = [p for p in [fixed, *(data_dir / "sim").glob("trader-run-*.db")] if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime) if found else fixed


def _window_text(report: KpiReport) -> str:
    span = report.span
    covered = (
        "nothing recorded" if span is None else f"{span[0]:%Y-%m-%d %H:%M} - {span[1]:%Y-%m-%d %H:%M} KST"
    )
    asked = "all data"
    if report.start is not None or report.end is not None:
        asked = f"{report.start:%Y-%m-%d}" if report.start else "start"
        asked += f" to {report.end:%Y-%m-%d} (exclusive)" if report.end else " onwards"
    return f"window: {asked}; covered: {covered}"


def render_tables(report: KpiReport) -> list[Table | str]:
    """The indicators table, how each is measured (numbered), and latency by TR."""
    main = Table(title="KPI report", caption=_window_text(report))
    for col, justify in (("#", "right"), ("indicator", "left"), ("value", "right"), ("target", "left")):
        main.add_column(col, justify=justify)  # type: ignore[arg-type]
    main.add_column("status")
    for i, k in enumerate(report.kpis, start=1):
        style = _STYLE[k.status.value]
        main.add_row(str(i), k.name, k.value, k.target, f"[{style}]{k.status.value}[/{style}]")
    notes = "How each is measured:\n" + "\n".join(
        f"  {i}. {k.name}: {k.note}" for i, k in enumerate(report.kpis, start=1)
    )
    out: list[Table | str] = [main, notes]
    if report.latency:
        lat = Table(title="API response time by TR (target: p95 < 500 ms)")
        for col in ("TR", "endpoint", "calls", "mean ms", "p95 ms", "max ms", "status"):
            lat.add_column(col, justify="right" if col.endswith(("ms", "calls")) else "left")
        for r in report.latency:
            style = _STYLE[r.status.value]
            lat.add_row(
                r.tr_id,
                r.label,
                f"{r.calls:,}",
                f"{r.mean_ms:.1f}",
                f"{r.p95_ms:.1f}",
                f"{r.max_ms:.1f}",
                f"[{style}]{r.status.value}[/{style}]",
            )
        out.append(lat)
    return out


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0 2rem; }
th, td { border: 1px solid #ccc; padding: .35rem .6rem; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #116611; font-weight: 600; } .not-met { color: #b00020; font-weight: 600; }
.no-data { color: #8a6d00; font-weight: 600; } .note { font-size: .9em; color: #444; max-width: 48rem; }
"""


def render_html(report: KpiReport) -> str:
    """One page, no outside resources (inline CSS, no scripts)."""
    e = html.escape

    def status(s: str) -> str:
        return f'<td class="{s.replace(" ", "-")}">{e(s)}</td>'

    rows = "\n".join(
        f"<tr><td>{e(k.name)}</td><td class=num>{e(k.value)}</td><td>{e(k.target)}</td>"
        f"{status(k.status.value)}<td class=note>{e(k.note)}</td></tr>"
        for k in report.kpis
    )
    lat = "\n".join(
        f"<tr><td>{e(r.tr_id)}</td><td>{e(r.label)}</td><td class=num>{r.calls:,}</td>"
        f"<td class=num>{r.mean_ms:.1f}</td><td class=num>{r.p95_ms:.1f}</td>"
        f"<td class=num>{r.max_ms:.1f}</td>{status(r.status.value)}</tr>"
        for r in report.latency
    )
    latency = (
        "<h2>API response time by TR (target: p95 &lt; 500 ms)</h2>\n<table><tr><th>TR</th><th>endpoint</th>"
        "<th>calls</th><th>mean ms</th><th>p95 ms</th><th>max ms</th><th>status</th></tr>\n"
        f"{lat}\n</table>"
        if report.latency
        else "<p>No API call recorded.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>kistrade KPI report</title>'
        f"<style>{_CSS}</style></head><body>\n<h1>kistrade KPI report</h1>\n"
        f"<p>{e(_window_text(report))}</p>\n<table><tr><th>indicator</th><th>value</th><th>target</th>"
        "<th>status</th><th>how it is measured</th></tr>\n"
        f"{rows}\n</table>\n{latency}\n</body></html>\n"
    )


def kpi(
    first: str | None = typer.Option(None, "--from", help="First KST date (YYYY-MM-DD); default: all data."),
    last: str | None = typer.Option(None, "--to", help="Last KST date, inclusive; default: all data."),
    html_file: Path | None = typer.Option(None, "--html", help="Also write the report as one HTML page."),
    db: Path | None = typer.Option(None, "--db", help="The bot's SQLite store (default: the --mode run's)."),
    mode: str | None = typer.Option(None, "--mode", "-m", help="sim | paper | live (default: kis.mode)."),
    config: Path | None = CONFIG_OPTION,
    env_file: Path | None = ENV_FILE_OPTION,
) -> None:
    """The KPI report: API latency by TR, uptime, data errors, rate limits, cache hits, return,
    daily loss, costs, trades per week, signal accuracy and API errors, each against its target."""
    from kistrade.app.kpi_load import kpi_report
    from kistrade.clock import WallClock
    from kistrade.domain.errors import KistradeError

    try:
        start, end = parse_day(first, "--from"), parse_day(last, "--to")
        if db is None:
            from kistrade.app.settings import load_settings

            settings = load_settings(config, env_file)
            db = store_for_mode(settings.storage.data_dir, mode or settings.kis.mode)
        report = asyncio.run(kpi_report(db, start, end, WallClock().now()))
    except (KistradeError, OSError) as exc:
        typer.echo(f"kistrade kpi: {exc}", err=True)
        raise typer.Exit(1) from None
    console = Console()
    console.print(f"store: {db}", highlight=False, soft_wrap=True)
    for part in render_tables(report):
        console.print(part, highlight=False, markup=not isinstance(part, str))
    if html_file is not None:
        html_file.parent.mkdir(parents=True, exist_ok=True)
        html_file.write_text(render_html(report), encoding="utf-8")
        console.print(f"HTML report: {html_file}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("kpi")(kpi)


__all__ = ["register", "render_html", "render_tables", "store_for_mode"]
