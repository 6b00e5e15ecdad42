"""The strategy interface: synchronous hooks that turn market events into order intents.

Contract between a strategy and the engine (kernel) that drives it:

- Hooks are synchronous, short, and do no I/O; time comes from ``ctx.now()``, never the wall clock.
- ``on_bar`` is called once per *completed* bar, at its close: ``ctx.now()`` is the bar's end and
  the strategy sees no data after it. The intents it returns are executed by the engine; in bar
  mode (backtest) a market intent fills at the *open of the next bar*, never at the close it
  was decided on. ``on_trade``/``on_orderbook`` intents fill against the live (or recorded) book.
- An intent with ``qty=None`` is sized by the engine at the fill: for an entry, the largest
  whole quantity the cash covers at the fill price including commission (then capped by the
  risk gate); for an exit, the whole position.
- ``ctx.position`` reflects fills only. A strategy may return the same intent again while an
  earlier one is still working; the engine (execution) keeps at most one working order per
  symbol and side and drops the duplicate.
- ``on_fill`` tells the strategy about its own fills (after the engine has updated positions).
- ``warm_up(bars)`` feeds history (oldest first) into the indicators without trading.
- Every signal a strategy acts on is passed to ``ctx.record_signal`` (logged and stored by the
  engine) and attached to the intent (``OrderIntent.signal``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from kistrade.domain.intents import OrderIntent, Signal
from kistrade.domain.types import Bar, Fill, OrderBook, Position, Symbol, Trade


class BarCloses(Protocol):
    """One symbol's bars as columns: what a strategy's bulk hook ``quiet_bars`` reads (a backtest
    feeds ``kistrade.backtest.data.BarColumns``)."""

    @property
    def symbol(self) -> Symbol: ...
    @property
    def starts(self) -> Sequence[datetime]: ...
    @property
    def closes(self) -> Sequence[int]: ...
    @property
    def close_array(self) -> npt.NDArray[np.int64]: ...


class StrategyContext(Protocol):
    """What the engine gives a strategy: the time, its positions and cash, and a signal log."""

    def now(self) -> datetime:
        """The current time of the run's Clock (tz-aware); at ``on_bar``, the bar's end."""
        ...

    def position(self, symbol: Symbol) -> Position | None:
        """The filled position in ``symbol`` (``None`` or ``qty == 0`` when flat)."""
        ...

    def held(self, symbol: Symbol) -> int:
        """Shares held in ``symbol`` (0 when flat): ``position(symbol).qty`` without the copy."""
        ...

    def cash(self) -> int:
        """Available cash in won."""
        ...

    def record_signal(self, signal: Signal) -> None:
        """Log and store a signal the strategy acted on."""
        ...

    def last_signal(self, symbol: Symbol) -> Signal | None:
        """The latest signal recorded for ``symbol`` in this run (``None`` if none)."""
        ...


def held_qty(ctx: StrategyContext, symbol: Symbol) -> int:
    """Shares held in ``symbol`` (0 when flat)."""
    return ctx.held(symbol)


class Strategy(ABC):
    """Base class. Subclasses set ``name`` and implement at least ``on_bar``."""

    name: ClassVar[str] = "strategy"

    @abstractmethod
    def on_bar(self, bar: Bar, ctx: StrategyContext) -> list[OrderIntent]:
        """A bar has closed: update indicators, return intents (possibly none)."""

    def on_trade(self, trade: Trade, ctx: StrategyContext) -> list[OrderIntent]:
        return []

    def on_orderbook(self, book: OrderBook, ctx: StrategyContext) -> list[OrderIntent]:
        return []

    def on_fill(self, fill: Fill, ctx: StrategyContext) -> None:
        return None

    def warm_up(self, bars: Iterable[Bar]) -> None:
        """Feed history (oldest first) to the indicators; no intents, no signals."""
        return None
