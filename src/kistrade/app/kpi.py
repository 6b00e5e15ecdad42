"""The KPI report: the project's success indicators, each next to its target, marked met, not met
or no data. Pure computation over rows read from the store (``kistrade.app.kpi_load``); the
figures are computed in ``kpi_ops`` (API latency, uptime, data errors, rate limit, cache, errors)
and ``kpi_trading`` (return, daily loss, costs, trades, signal accuracy). Every definition is
written next to its figure (``Kpi.note``), so nobody has to guess what was measured.
"""

from __future__ import annotations

from kistrade.app import kpi_ops, kpi_trading
from kistrade.app.kpi_model import KpiInputs, KpiReport, MarketHours, activity_span


def build_report(inputs: KpiInputs, hours: MarketHours) -> KpiReport:
    span = activity_span(inputs)
    latency_kpi, by_tr = kpi_ops.api_latency(inputs.api_calls)
    kpis = [
        latency_kpi,
        kpi_ops.uptime(inputs.heartbeats, inputs.start, inputs.end, inputs.now, hours),
        kpi_ops.data_error_rate(inputs.data_checks),
        kpi_ops.rate_limit_share(inputs.api_calls),
        kpi_ops.cache_hit_rate(inputs.cache, inputs.start),
        kpi_trading.annual_return(inputs.snapshots),
        kpi_trading.worst_daily_loss(inputs.snapshots),
        kpi_trading.cost_to_profit(inputs.fills, inputs.start, inputs.end),
        kpi_trading.trades_per_week(inputs.fills, span, hours),
        kpi_trading.signal_accuracy(inputs.signals, inputs.fills, inputs.start, inputs.end),
        kpi_ops.error_rate(inputs.api_calls),
    ]
    return KpiReport(inputs.start, inputs.end, span, kpis, by_tr)


__all__ = ["build_report"]
