"""``rsi``: the plain RSI reference strategy.

On the close of bar t (streaming RSI(period) on closes, equal to TA-Lib): if flat and
RSI < oversold, a market BUY entry for the whole cash (``qty=None``: the engine sizes it at the
fill, the next bar's open, as the largest whole quantity the cash covers including commission);
if long and RSI > overbought, a market SELL exit of the whole position (``qty=None``). Strict
inequalities. Nothing happens while the RSI is warming up (the first ``period`` bars).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from kistrade.domain.intents import IntentPurpose, OrderIntent, Signal
from kistrade.domain.types import Bar, OrderType, Side, Symbol
from kistrade.indicators.rsi_column import RsiColumn
from kistrade.indicators.streaming import RsiStream
from kistrade.strategy.analysis import clip01
from kistrade.strategy.base import BarCloses, Strategy, StrategyContext
from kistrade.strategy.params import RsiParams


def rsi_side(rsi_value: float, held: int, oversold: float, overbought: float) -> Side | None:
    """The plain rule: BUY when flat and RSI < oversold, SELL when long and RSI > overbought."""
    if held <= 0 and rsi_value < oversold:
        return Side.BUY
    if held > 0 and rsi_value > overbought:
        return Side.SELL
    return None


def rsi_strength(rsi_value: float, side: Side, oversold: float, overbought: float) -> float:
    """How far past its band the RSI is: (oversold - rsi) / oversold for a buy,
    (rsi - overbought) / (100 - overbought) for a sell; in [0, 1]."""
    if side is Side.BUY:
        return clip01((oversold - rsi_value) / oversold)
    return clip01((rsi_value - overbought) / (100.0 - overbought))


def rsi_reason(rsi_value: float, side: Side, oversold: float, overbought: float) -> str:
    if side is Side.BUY:
        return f"RSI {rsi_value:.1f} < {oversold:g}"
    return f"RSI {rsi_value:.1f} > {overbought:g}"


def make_intent(symbol: Symbol, side: Side, signal: Signal, *, tags: tuple[str, ...] = ()) -> OrderIntent:
    """A market intent sized by the engine: entry for a BUY, exit of the whole position for a SELL."""
    purpose = IntentPurpose.ENTRY if side is Side.BUY else IntentPurpose.EXIT
    return OrderIntent(symbol, side, purpose, None, OrderType.MARKET, None, signal, tags)


class RsiStrategy(Strategy):
    name = "rsi"

    def __init__(self, params: RsiParams | None = None) -> None:
        self.params = params if params is not None else RsiParams()
        self._rsi: dict[Symbol, RsiStream] = {}
        self._columns: dict[Symbol, RsiColumn] = {}
        """Streams following a backtest's column of closes (``quiet_bars``; see RsiColumn)."""
        self._refused: Sequence[int] | None = None
        """The last column a stream could not follow (not tried again)."""

    def _stream(self, symbol: Symbol) -> RsiStream:
        column = self._columns.pop(symbol, None)
        if column is not None:
            return column.catch_up()
        stream = self._rsi.get(symbol)
        if stream is None:
            stream = self._rsi[symbol] = RsiStream(self.params.rsi_period)
        return stream

    def rsi(self, symbol: Symbol) -> float | None:
        """The RSI after the last completed bar of ``symbol`` (``None`` while warming up)."""
        column = self._columns.get(symbol)
        if column is not None:
            return column.value()
        stream = self._rsi.get(symbol)
        return stream.value if stream is not None else None

    def warm_up(self, bars: Iterable[Bar]) -> None:
        for bar in bars:
            self._stream(bar.symbol).update(bar.close)

    def _column(self, bars: BarCloses, start: int) -> RsiColumn | None:
        """The stream of ``bars.symbol`` following ``bars`` from ``start``, attached on first use
        (``None``: the plain stream goes on)."""
        column = self._columns.get(bars.symbol)
        if column is not None and column.closes is bars.closes and column.cursor == start:
            return column
        if self._refused is bars.closes:
            return None
        stream = self._stream(bars.symbol)  # brings a stale column's stream up to date
        column = RsiColumn.attach(stream, bars.starts, bars.closes, bars.close_array, start)
        if column is None:
            self._refused = bars.closes  # e.g. a stream warmed up on earlier bars
        else:
            self._columns[bars.symbol] = column
        return column

    def quiet_bars(self, bars: BarCloses, start: int, stop: int, ctx: StrategyContext) -> int:
        """``on_bar`` for bars ``start, start + 1, ...`` of ``bars`` (held shares unchanged) up to
        the first one whose close would give a decision, which is not taken; return its index
        (``stop`` when none). The engine's bulk path for bars where nothing can happen."""
        p = self.params
        symbol = bars.symbol
        if ctx.held(symbol) > 0:
            low, high = -math.inf, p.overbought
        else:
            low, high = p.oversold, math.inf
        column = self._columns.get(symbol)  # ``_column``'s common case, inline
        if column is None or column.closes is not bars.closes or column.cursor != start:
            column = self._column(bars, start)
        if column is not None:
            return column.scan(start, stop, low, high)
        return self._stream(symbol).scan(bars.closes, start, stop, low, high)

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        symbol = bar.symbol
        column = self._columns.get(symbol)
        if column is not None and column.follows(bar.start, bar.close):
            value = column.take()
        else:
            value = self._stream(symbol).update(bar.close)
        if value is None:
            return []
        p = self.params
        oversold, overbought = p.oversold, p.overbought
        if oversold <= value <= overbought:  # inside the band: no decision, skip the lookup
            return []
        side = rsi_side(value, ctx.held(symbol), oversold, overbought)
        if side is None:
            return []
        reason = rsi_reason(value, side, oversold, overbought)
        strength = rsi_strength(value, side, oversold, overbought)
        signal = Signal(symbol, ctx.now(), side, strength, (reason,), self.name)
        ctx.record_signal(signal)
        return [make_intent(symbol, side, signal)]
