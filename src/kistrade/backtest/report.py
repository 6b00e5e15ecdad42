"""The ``--out DIR`` report: ``report.html`` (plotly, its JS inlined from the installed package,
no CDN): equity and drawdown, price with entries and exits, RSI, the trade table; and PNG images
of the same charts. PNGs: kaleido when installed, else a headless Chromium (``chromium``,
``chromium-browser`` or ``google-chrome`` on PATH) screenshots each chart's own HTML page;
when neither exists the HTML says which images are missing and why.
"""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kistrade.backtest.metrics import Metrics
from kistrade.backtest.runner import BacktestResult
from kistrade.indicators.batch import rsi as batch_rsi

_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def figures(result: BacktestResult, period: int = 14) -> dict[str, go.Figure]:
    rec = result.record
    x = [t.isoformat() for t in rec.times]
    eq = np.array(rec.equity, dtype=float)
    dd = eq / np.maximum.accumulate(eq) - 1.0
    f_eq = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3])
    f_eq.add_trace(go.Scatter(x=x, y=eq, name="equity"), row=1, col=1)
    f_eq.add_trace(go.Scatter(x=x, y=dd * 100, name="drawdown %", fill="tozeroy"), row=2, col=1)
    f_eq.update_layout(title="Equity and drawdown", height=600)
    closes = np.asarray(rec.closes, dtype=float)
    f_px = go.Figure(go.Scatter(x=x, y=closes, name="close"))
    for side, color, sym in (("buy", "green", "triangle-up"), ("sell", "red", "triangle-down")):
        fs = [f for f in rec.fills if f.side.value == side]
        f_px.add_trace(
            go.Scatter(
                x=[f.ts.isoformat() for f in fs],
                y=[f.price for f in fs],
                mode="markers",
                name=side,
                marker={"color": color, "symbol": sym, "size": 10},
            )
        )
    f_px.update_layout(title=f"{result.series.symbol} price with entries and exits", height=500)
    values: Any = batch_rsi(closes, period) if len(closes) > period else []
    f_rsi = go.Figure(go.Scatter(x=x, y=list(values), name=f"RSI({period})"))
    f_rsi.add_hline(y=30, line_dash="dot")
    f_rsi.add_hline(y=70, line_dash="dot")
    f_rsi.update_layout(title=f"RSI({period})", height=350, yaxis={"range": [0, 100]})
    return {"equity": f_eq, "price": f_px, "rsi": f_rsi}


def _png(fig: go.Figure, path: Path) -> str | None:
    """Write ``path``; None on success, else why not."""
    try:
        fig.write_image(str(path))
        return None
    except Exception as exc:
        kaleido_error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    browser = next((b for b in _BROWSERS if shutil.which(b)), None)
    if browser is None:
        return f"no PNG: kaleido failed ({kaleido_error}) and no Chromium on PATH"
    page = path.with_suffix(".chart.html")
    fig.write_html(str(page), include_plotlyjs=True, full_html=True)
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--screenshot={path.resolve()}",
        "--window-size=1200,650",
        "--virtual-time-budget=5000",
        page.resolve().as_uri(),
    ]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)  # noqa: S603
    except (subprocess.SubprocessError, OSError) as exc:
        return f"no PNG: {browser} failed: {exc}"
    finally:
        page.unlink(missing_ok=True)
    return None if path.is_file() else f"no PNG: {browser} wrote nothing"


def write_report(result: BacktestResult, metrics: Metrics, out: Path, *, pngs: bool = True) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    figs = figures(result)
    notes: list[str] = []
    if pngs:
        for name, fig in figs.items():
            why = _png(fig, out / f"{name}.png")
            if why is not None:
                notes.append(f"{name}.png: {why}")
    parts = [fig.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, fig in enumerate(figs.values())]
    summary = {k: v for k, v in metrics.to_json().items() if k != "trades"}
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(t[k]))}</td>" for k in _TRADE_COLS) + "</tr>"
        for t in (tr.to_json() for tr in metrics.trades)
    )
    head = "".join(f"<th>{k}</th>" for k in _TRADE_COLS)
    missing = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    doc = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{result.strategy} backtest</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:2px 6px}</style>"
        f"</head><body><h1>{html.escape(result.strategy)} on {html.escape(str(result.series.symbol))}</h1>"
        f"<pre>{html.escape(json.dumps(summary, indent=2, default=str))}</pre>"
        + (f"<h3>Missing images</h3><ul>{missing}</ul>" if notes else "")
        + "".join(parts)
        + f"<h2>Trades</h2><table><tr>{head}</tr>{rows}</table></body></html>"
    )
    path = out / "report.html"
    path.write_text(doc, encoding="utf-8")
    (out / "metrics.json").write_text(json.dumps(metrics.to_json(), indent=2, default=str), encoding="utf-8")
    return path


_TRADE_COLS: tuple[str, ...] = (
    "entry_time",
    "exit_time",
    "entry_price",
    "exit_price",
    "qty",
    "gross",
    "costs",
    "pnl",
    "return_pct",
)
