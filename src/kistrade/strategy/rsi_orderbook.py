"""``rsi_orderbook``: RSI on (minute) bars, confirmed and guarded by the live order book.

- Entry, on the close of a bar only: flat, RSI < oversold, and the book confirms
  (see ``book_score.entry_check``: spread not above ``max_spread_pct``, imbalance and trade flow
  not below their minimums, composite score >= ``min_score``; each gate only when its weight is
  positive). A market BUY sized by the engine, like ``rsi``.
- Exit: on a bar close when RSI > overbought; or, at a bar close or on any order-book update,
  when the book has turned strongly against the long (pressure <= -``exit_pressure``). After a
  book exit the strategy stays quiet on books until its next fill or bar close.
- Signal strength: ``(rsi_score + sum(w_i * score_i)) / (1 + sum(w_i))``: the RSI's depth past
  its band counts as weight 1 next to the book's weighted scores.
- With all book weights zero the book is off and every decision (and strength) equals ``rsi``.
- The trade-flow window and the book's age are measured against ``ctx.now()``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kistrade.domain.intents import OrderIntent, Signal
from kistrade.domain.types import Bar, Fill, OrderBook, Side, Symbol, Trade
from kistrade.indicators.streaming import RsiStream
from kistrade.strategy.analysis import TradeFlowWindow, clip01
from kistrade.strategy.base import Strategy, StrategyContext, held_qty
from kistrade.strategy.book_score import BookAssessment, assess, entry_check, exit_check
from kistrade.strategy.params import RsiOrderbookParams
from kistrade.strategy.rsi import make_intent, rsi_reason, rsi_side, rsi_strength


@dataclass(slots=True)
class _SymbolState:
    rsi: RsiStream
    flow: TradeFlowWindow
    book: OrderBook | None = None
    exit_sent: bool = False
    vetoed: int = 0  # oversold closes the book did not confirm
    last_veto: tuple[str, ...] = field(default=())


class RsiOrderbookStrategy(Strategy):
    name = "rsi_orderbook"

    def __init__(self, params: RsiOrderbookParams | None = None) -> None:
        self.params = params if params is not None else RsiOrderbookParams()
        self._state: dict[Symbol, _SymbolState] = {}

    def _get(self, symbol: Symbol) -> _SymbolState:
        state = self._state.get(symbol)
        if state is None:
            state = _SymbolState(
                rsi=RsiStream(self.params.rsi_period),
                flow=TradeFlowWindow(self.params.orderbook.trade_flow_window_s),
            )
            self._state[symbol] = state
        return state

    # --- queries (dashboard, tests) ---

    def rsi(self, symbol: Symbol) -> float | None:
        state = self._state.get(symbol)
        return state.rsi.value if state is not None else None

    def assessment(self, symbol: Symbol, ctx: StrategyContext) -> BookAssessment:
        """The current book assessment of ``symbol`` as the strategy sees it."""
        state = self._get(symbol)
        return assess(state.book, state.flow.stats(ctx.now()), self.params.orderbook, ctx.now())

    def vetoes(self, symbol: Symbol) -> tuple[int, tuple[str, ...]]:
        """How many oversold closes the book vetoed, and the reasons of the last veto."""
        state = self._state.get(symbol)
        return (state.vetoed, state.last_veto) if state is not None else (0, ())

    # --- hooks ---

    def warm_up(self, bars: Iterable[Bar]) -> None:
        for bar in bars:
            self._get(bar.symbol).rsi.update(bar.close)

    def on_trade(self, trade: Trade, ctx: StrategyContext) -> list[OrderIntent]:
        self._get(trade.symbol).flow.add(trade)
        return []

    def on_orderbook(self, book: OrderBook, ctx: StrategyContext) -> list[OrderIntent]:
        state = self._get(book.symbol)
        state.book = book
        if state.exit_sent or self.params.orderbook.weights.directional <= 0:
            return []
        if held_qty(ctx, book.symbol) <= 0:
            return []
        return self._book_exit(book.symbol, state, ctx)

    def on_fill(self, fill: Fill, ctx: StrategyContext) -> None:
        self._get(fill.symbol).exit_sent = False

    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        state = self._get(bar.symbol)
        state.exit_sent = False
        value = state.rsi.update(bar.close)
        if value is None:
            return []
        p = self.params
        held = held_qty(ctx, bar.symbol)
        side = rsi_side(value, held, p.oversold, p.overbought)
        if side is Side.BUY:
            return self._entry(bar.symbol, state, value, ctx)
        if side is Side.SELL:
            reasons = (rsi_reason(value, side, p.oversold, p.overbought),)
            strength = rsi_strength(value, side, p.oversold, p.overbought)
            return self._emit(bar.symbol, Side.SELL, strength, reasons, ctx)
        if held > 0 and p.orderbook.weights.directional > 0:
            return self._book_exit(bar.symbol, state, ctx)
        return []

    # --- decisions ---

    def _entry(
        self, symbol: Symbol, state: _SymbolState, value: float, ctx: StrategyContext
    ) -> list[OrderIntent]:
        p = self.params
        rsi_text = rsi_reason(value, Side.BUY, p.oversold, p.overbought)
        rsi_score = rsi_strength(value, Side.BUY, p.oversold, p.overbought)
        weights = p.orderbook.weights
        if weights.total <= 0:
            return self._emit(symbol, Side.BUY, rsi_score, (rsi_text,), ctx)
        a = assess(state.book, state.flow.stats(ctx.now()), p.orderbook, ctx.now())
        confirmed, book_reasons = entry_check(a, p.orderbook)
        if not confirmed:
            state.vetoed += 1
            state.last_veto = (rsi_text, *book_reasons)
            return []
        # confirmed implies every weighted score is present
        weighted = weights.spread * (a.spread_score or 0.0)
        weighted += weights.imbalance * (a.imbalance_score or 0.0)
        weighted += weights.trade_flow * a.flow_score
        strength = clip01((rsi_score + weighted) / (1.0 + weights.total))
        return self._emit(symbol, Side.BUY, strength, (rsi_text, *book_reasons), ctx)

    def _book_exit(self, symbol: Symbol, state: _SymbolState, ctx: StrategyContext) -> list[OrderIntent]:
        a = assess(state.book, state.flow.stats(ctx.now()), self.params.orderbook, ctx.now())
        against, reasons = exit_check(a, self.params.orderbook)
        if not against or a.pressure is None:
            return []
        state.exit_sent = True
        return self._emit(symbol, Side.SELL, clip01(-a.pressure), reasons, ctx)

    def _emit(
        self,
        symbol: Symbol,
        side: Side,
        strength: float,
        reasons: tuple[str, ...],
        ctx: StrategyContext,
    ) -> list[OrderIntent]:
        signal = Signal(
            symbol=symbol, ts=ctx.now(), side=side, strength=strength, reasons=reasons, strategy=self.name
        )
        ctx.record_signal(signal)
        return [make_intent(symbol, side, signal)]
