"""Two strategies on the same bars, side by side, with the difference stated plainly."""

from __future__ import annotations

from kistrade.backtest.metrics import Metrics

ROWS = (
    "final_equity",
    "total_return",
    "cagr",
    "max_drawdown",
    "sharpe",
    "win_rate",
    "trades_per_week",
    "cost_to_profit",
    "signal_accuracy",
    "total_costs",
)


def verdict(a_name: str, a: Metrics, b_name: str, b: Metrics) -> str:
    """One plain sentence on which made more money and by how much (whatever it turns out to be)."""
    diff = b.final_equity - a.final_equity
    rel = (b.total_return - a.total_return) * 100
    trades = f"{len(a.trades)} vs {len(b.trades)} closed trades"
    if diff == 0:
        return f"{b_name} and {a_name} ended with the same equity {a.final_equity:,} won ({trades})."
    better, worse = (b_name, a_name) if diff > 0 else (a_name, b_name)
    return (
        f"{better} ended {abs(diff):,} won above {worse} "
        f"({abs(rel):.2f} percentage points of return; {trades}; "
        f"max drawdown {a.max_drawdown:.2%} for {a_name}, {b.max_drawdown:.2%} for {b_name})."
    )


def table(named: list[tuple[str, Metrics]]) -> list[list[str]]:
    """Rows: metric name then one cell per strategy."""
    out = [["trades"] + [str(len(m.trades)) for _, m in named]]
    for key in ROWS:
        cells = []
        for _, m in named:
            v = getattr(m, key)
            cells.append("-" if v is None else f"{v:,}" if isinstance(v, int) else f"{v:.4f}")
        out.append([key, *cells])
    return out
