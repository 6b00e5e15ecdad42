"""The KRX daily price limit (가격제한폭): ±30% of the base price (±15% before 2015-06-15).

width = base × percent truncated to the tick of the base; upper = base + width, lower = base - width;
a limit that lands off its own band's grid is rounded inward (upper down, lower up).
See shared/kis-protocol.md §8.3 for the worked examples this reproduces. ``on`` selects the tick
table (and the percentage) of that day; None means today's rules.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from functools import lru_cache

import msgspec

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.ticks import (
    FUND_ONE_WON_TICK_FROM,
    ONE_WON_STOCK_TICK_FROM,
    UNIFIED_STOCK_TICKS_FROM,
    TickTable,
    tick_table,
)
from kistrade.domain.types import InstrumentKind, Market

LIMIT_PERCENT = 30
LIMIT_PERCENT_BEFORE_2015 = 15
LIMIT_30_PERCENT_FROM = date(2015, 6, 15)


class PriceLimits(msgspec.Struct, frozen=True, gc=False):
    """A day's limits (a frozen Struct, like the market data of ``kistrade.domain.types``: one is
    made for nearly every backtest fill, whose open is a new base price)."""

    base: int
    width: int
    upper: int
    lower: int

    def contains(self, price: int) -> bool:
        return self.lower <= price <= self.upper


def limit_percent(on: date | None = None) -> int:
    """The daily limit in percent on day ``on`` (None: today's rule, 30)."""
    if on is None or on >= LIMIT_30_PERCENT_FROM:
        return LIMIT_PERCENT
    return LIMIT_PERCENT_BEFORE_2015


RULE_CHANGES: tuple[date, ...] = tuple(
    sorted({ONE_WON_STOCK_TICK_FROM, LIMIT_30_PERCENT_FROM, UNIFIED_STOCK_TICKS_FROM, FUND_ONE_WON_TICK_FROM})
)
"""Every day the tick tables (kistrade.domain.ticks) or the limit percent change: between two of
them the limits of a base price are the same."""


def rule_period(on: date | None) -> date | None:
    """The first day of the rules in force on day ``on`` (``date.min`` before the first change in
    RULE_CHANGES; None: today's rules). Every day of a period has the same limits."""
    if on is None:
        return None
    k = bisect_right(RULE_CHANGES, on)
    return RULE_CHANGES[k - 1] if k else date.min


def price_limits(
    base: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> PriceLimits:
    """The day's limits around ``base`` under the rules of day ``on`` (None: today's)."""
    return period_limits(base, kind, rule_period(on), market)


@lru_cache(maxsize=4096)  # pure, and asked again for the same bases (a backtest's fills)
def period_limits(base: int, kind: InstrumentKind, period: date | None, market: Market) -> PriceLimits:
    """``price_limits`` under the rules of ``period`` (a :func:`rule_period`; any day of it gives
    the same limits, computed as for that day)."""
    return limit_rule(kind, period, market).limits(base)


class LimitRule:
    """The limit formula of one (kind, rule period, market): its tick table's band bounds and
    ticks and its percent, taken once. ``limits(base)`` is :func:`period_limits` without the
    cache or the table look-ups (a listing keeps its rule: a backtest re-lists at a new base
    price on nearly every fill)."""

    __slots__ = ("_bounds", "_percent", "_ticks")

    def __init__(self, table: TickTable, percent: int) -> None:
        self._bounds = tuple(bound for bound, _ in table)
        self._ticks = tuple(tick for _, tick in table)
        self._percent = percent

    def limits(self, base: int) -> PriceLimits:
        """The limits around ``base``: width = base x percent truncated to the base's tick; the
        upper limit rounded down and the lower one up to their own bands' grids."""
        if base <= 0:
            raise InvalidInputError(f"base price {base} must be positive")
        bounds, ticks = self._bounds, self._ticks
        width = base * self._percent // 100
        width -= width % ticks[bisect_right(bounds, base) - 1]
        upper = base + width  # never below base: base is >= 1 tick
        upper -= upper % ticks[bisect_right(bounds, upper) - 1]
        lower = base - width if base > width else 1
        step = ticks[bisect_right(bounds, lower) - 1]
        if lower % step:
            lower += step - lower % step
        return PriceLimits(base, width, upper, lower)


@lru_cache(maxsize=64)  # a handful of (kind, period, market)
def limit_rule(kind: InstrumentKind, period: date | None, market: Market) -> LimitRule:
    """The :class:`LimitRule` of ``period`` (a :func:`rule_period`)."""
    return LimitRule(tick_table(kind, on=period, market=market), limit_percent(period))
