"""One symbol listed on the matching engine: its instrument, trading day, book and stats."""

from __future__ import annotations

from datetime import date

from kistrade.domain.limits import limit_rule, rule_period
from kistrade.domain.ticks import is_valid_tick
from kistrade.domain.types import Instrument
from kistrade.exchange.book import OrderBook
from kistrade.exchange.events import RejectReason
from kistrade.exchange.quotes import SymbolStats


class Listing:
    """``on``: the trading day whose tick table and limit width apply (None: today's rules)."""

    __slots__ = ("_on", "_rule", "book", "instrument", "stats")

    def __init__(self, instrument: Instrument, base: int, on: date | None) -> None:
        self.instrument = instrument
        self.on = on
        self.book = OrderBook(instrument.symbol)
        self.rebase(base)

    @property
    def on(self) -> date | None:
        return self._on

    @on.setter
    def on(self, on: date | None) -> None:
        self._on = on
        inst = self.instrument  # the limit rule of the day, kept with the day it comes from
        self._rule = limit_rule(inst.kind, rule_period(on), inst.market)

    def rebase(self, base: int) -> None:
        """Fresh stats with ``base`` as the base price (and its limits)."""
        self.stats = SymbolStats(self.instrument.symbol, base, self._rule.limits(base))

    def on_grid(self, price: int) -> bool:
        return is_valid_tick(price, self.instrument.kind, on=self._on, market=self.instrument.market)

    def price_problem(self, price: int) -> tuple[RejectReason, str] | None:
        """Why a limit ``price`` is refused (off the tick grid, outside the daily limits), or None."""
        symbol = self.instrument.symbol
        if not self.on_grid(price):
            return RejectReason.OFF_TICK, f"price {price} is not on the tick grid for {symbol}"
        limits = self.stats.limits
        if not limits.contains(price):
            return (
                RejectReason.OUTSIDE_LIMITS,
                f"price {price} is outside {symbol}'s daily limits {limits.lower}..{limits.upper}",
            )
        return None
