"""Bar-mode backtest: the live kernel over daily or minute bars, fills at the next bar's open.

For each bar t (oldest first): a new date rolls the venue day; orders decided at bar t-1's close
are submitted at bar t's open (price marked at the open, the risk gate sizes and checks them,
the venue fills them in an opening auction at the open, plus slippage); then bar t closes
(``Kernel.on_bar``: mark, stops, the strategy's decision) and the equity is recorded at the close.
Intents decided at the last bar's close have no next open and are dropped (counted in
``Record.unfilled_at_end``). No look-ahead: bar t+1 is not read before bar t's decision.

Quiet bars (``skip_quiet``, the default): after a bar with nothing pending, the following bars of
the same day go to ``Kernel.on_quiet_bars``, which takes them in bulk up to the first one where
something could happen (a close outside the risk gate's quiet band, a strategy decision); that bar
and every bar with an order to fill or a day roll go through the per-bar path above. The equity of
a bulk run with shares held moves with the closes; those runs are written together in numpy at
the end. The results are the same bar for bar (tests/unit/test_backtest_quiet_bars.py); only the
time differs.

    result = run_bars(create_strategy("rsi"), load_csv(path), BacktestConfig(cash=10_000_000))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kistrade.backtest.config import BacktestConfig
from kistrade.backtest.data import BarSeries, IntColumn, MinuteTimes
from kistrade.backtest.gc_pause import gc_paused
from kistrade.backtest.harness import Harness, Record
from kistrade.backtest.metrics import Metrics, compute
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Side, Trade
from kistrade.engine.events import SubmitOrder
from kistrade.strategy.base import Strategy

Progress = Callable[[int, int], None]
"""Called with (bars done, bars total) every ``PROGRESS_EVERY`` bars and at the end."""
PROGRESS_EVERY = 2_000
_INT64_END = 2**63
"""Numbers of magnitude below this are exact in numpy int64 (the bulk equity curve)."""


@dataclass(frozen=True, slots=True)
class BacktestResult:
    strategy: str
    series: BarSeries
    config: BacktestConfig
    record: Record
    final_cash: int
    final_qty: int
    ledger_cash: int
    """The venue ledger's cash less its funding margin (must equal ``final_cash``)."""

    @property
    def final_equity(self) -> int:
        return self.record.equity[-1] if self.record.equity else self.config.cash


@gc_paused()
def run_bars(
    strategy: Strategy,
    series: BarSeries,
    config: BacktestConfig | None = None,
    *,
    progress: Progress | None = None,
    skip_quiet: bool = True,
) -> BacktestResult:
    """Run ``strategy`` over ``series``. ``skip_quiet``: take runs of bars where nothing can happen
    in bulk (``Kernel.on_quiet_bars``: no order to fill, no day roll, the close inside the risk
    gate's quiet band and no signal from the strategy); every other bar goes through the per-bar
    path. Both give the same fills, signals, denials and equity curve (tested as a property)."""
    cfg = config or BacktestConfig()
    n = len(series)
    if not n:
        raise InvalidInputError(f"no bars for {series.symbol} in the chosen range")
    sym = series.symbol
    if not skip_quiet:
        series.bars  # noqa: B018 - every bar goes through on_bar: make the Bars once
    cols = series.columns()
    closes, opens, starts = cols.closes, cols.opens, cols.starts
    h = Harness(strategy, sym, cfg, series.open_ts(0), cols.opens[0], defer=True)
    wrapper = h.wrapper
    assert wrapper is not None
    rec, kernel, portfolio, broker = h.record, h.kernel, h.portfolio, h.broker
    breaks = [*series.day_breaks(), n]  # bars where a day rolls: always per bar
    nb = 0
    equity: list[int] = []
    queued: list[SubmitOrder] = []
    day = series.start(0).date()

    held_runs: list[tuple[int, int, int, int]] = []
    """Bulk runs with shares held: (first bar, end, shares, base); their equity is written at the
    end of the run (``_held_equity``)."""

    def quiet(i: int, stop: int) -> int:
        """Take bars ``i, i + 1, ...`` (before ``stop``) in bulk while nothing can happen; the
        first bar not taken."""
        end = kernel.on_quiet_bars(cols, i, stop)
        if end > i:
            held = portfolio.qty(sym)
            eq = portfolio.equity
            if held:  # marked at the last close taken; the curve moves with the closes
                held_runs.append((i, end, held, eq - held * closes[end - 1]))
            equity.extend([eq] * (end - i))  # the final value (right at the last bar if held)
            if progress is not None:
                for k in range(-(-i // PROGRESS_EVERY) * PROGRESS_EVERY, end, PROGRESS_EVERY):
                    progress(k, n)
        return end

    i = 0
    busy = -1  # a bar the bulk path just stopped at: something can happen there
    while i < n:
        while breaks[nb] < i:
            nb += 1
        if skip_quiet and 0 < i != busy and breaks[nb] != i and not queued and not wrapper.pending:
            end = quiet(i, breaks[nb])
            if end > i:
                i = busy = end
                continue
        h.bar_index = i
        if breaks[nb] == i and starts[i].date() != day:  # a start date changes only at a break
            day = starts[i].date()
            queued.extend(h.apply(broker.new_day(day, series.open_ts(i))))
        if wrapper.pending or queued:
            queued = _open(h, series, i, opens[i], queued)
            if skip_quiet and not wrapper.pending:  # the rest of bar i (its close) may be quiet
                stop = breaks[nb] if breaks[nb] > i else breaks[nb + 1]
                end = quiet(i, stop)
                if end > i:
                    i = busy = end
                    continue
        queued.extend(h.collect(kernel.on_bar(series.bar(i))))
        equity.append(portfolio.equity)
        if progress is not None and i % PROGRESS_EVERY == 0:
            progress(i, n)
        i += 1
    _held_equity(equity, held_runs, closes, cols.close_array)
    rec.times = cols.starts if isinstance(cols.starts, MinuteTimes) else list(cols.starts)
    rec.closes = closes if isinstance(closes, IntColumn) else list(closes)  # a column is immutable
    rec.equity = equity
    rec.unfilled_at_end = len(wrapper.pending) + len(queued)
    if progress is not None:
        progress(n, n)
    return BacktestResult(
        strategy.name, series, cfg, rec, portfolio.cash, portfolio.qty(sym), broker.ledger_cash
    )


def _open(h: Harness, series: BarSeries, i: int, price: int, queued: list[SubmitOrder]) -> list[SubmitOrder]:
    """Submit what bar i-1 decided at bar i's open (``price``) and fill it there."""
    ts = series.open_ts(i)
    h.market.on_trade(Trade(series.symbol, ts, price, 0))
    if h.portfolio.holding(series.symbol) is not None:
        h.portfolio.mark(series.symbol, price)
    assert h.wrapper is not None
    intents = h.wrapper.take()
    # exits first: a sell frees the cash an entry may need
    intents.sort(key=lambda it: 0 if it.side is Side.SELL else 1)
    commands = list(queued)
    for intent in intents:
        commands.extend(h.collect(h.kernel.submit([intent], ts, source=h.strategy.name)))
        while commands:
            cmd = commands.pop(0)
            commands.extend(h.apply(h.broker.auction(cmd, price, ts)))
    while commands:
        cmd = commands.pop(0)
        commands.extend(h.apply(h.broker.auction(cmd, price, ts)))
    return []


def _held_equity(
    equity: list[int],
    runs: list[tuple[int, int, int, int]],
    closes: Sequence[int],
    close_array: npt.NDArray[np.int64],
) -> None:
    """Write ``base + shares * close`` over each bulk run held (first bar, end, shares, base) of
    ``equity``: the runs together in numpy when int64 holds every value exactly, else in Python."""
    top = int(np.abs(close_array).max()) if len(close_array) else 0
    fast: list[tuple[int, int, int, int]] = []
    for run in runs:
        first, end, held, base = run
        if abs(base) + abs(held) * top < _INT64_END:
            fast.append(run)
        else:
            equity[first:end] = [base + held * c for c in closes[first:end]]
    if not fast:
        return
    firsts, ends, helds, bases = np.array(fast, dtype=np.int64).T
    lengths = ends - firsts
    bars = np.arange(int(lengths.sum())) + np.repeat(firsts - (np.cumsum(lengths) - lengths), lengths)
    values: list[int] = (close_array[bars] * np.repeat(helds, lengths) + np.repeat(bases, lengths)).tolist()
    k = 0
    for first, end, _, _ in fast:
        equity[first:end] = values[k : k + end - first]
        k += end - first


def metrics_of(result: BacktestResult) -> Metrics:
    rec = result.record
    return compute(
        start_cash=result.config.cash,
        times=rec.times,
        closes=rec.closes,
        equity=rec.equity,
        fills=rec.fills,
        signals=[(i, s.side) for i, s in rec.signals],
        horizon=result.config.signal_horizon,
    )
