"""An in-memory StrategyContext: for tests, notebooks and simple replays (the engine has its own)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kistrade.domain.intents import Signal
from kistrade.domain.types import Position, Symbol


@dataclass(slots=True)
class MemoryContext:
    """Holds the time, positions, cash and recorded signals; the caller moves them along."""

    clock: datetime
    positions: dict[Symbol, Position] = field(default_factory=dict)
    cash_won: int = 0
    signals: list[Signal] = field(default_factory=list)
    _last: dict[Symbol, Signal] = field(default_factory=dict, repr=False)

    def now(self) -> datetime:
        return self.clock

    def position(self, symbol: Symbol) -> Position | None:
        return self.positions.get(symbol)

    def held(self, symbol: Symbol) -> int:
        pos = self.positions.get(symbol)
        return pos.qty if pos is not None else 0

    def cash(self) -> int:
        return self.cash_won

    def record_signal(self, signal: Signal) -> None:
        self.signals.append(signal)
        self._last[signal.symbol] = signal

    def last_signal(self, symbol: Symbol) -> Signal | None:
        return self._last.get(symbol)
