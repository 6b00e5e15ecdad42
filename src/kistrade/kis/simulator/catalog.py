"""Reference data for the simulated market: names, markets, base prices, daily history.

A few well-known KRX codes have realistic names and price levels; any other 6-character code
gets a plausible, deterministic (from the code) name, market and price. ``synthetic_history``
builds seeded daily bars on the trading calendar before a day, ending at the instrument's base
price, so daily-chart TRs have data from the first second.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from kistrade.domain.limits import price_limits
from kistrade.domain.ticks import Rounding, round_to_tick
from kistrade.domain.types import KST, InstrumentKind, Market, Symbol


@dataclass(frozen=True, slots=True)
class InstrumentSeed:
    name: str
    market: Market
    kind: InstrumentKind
    base_price: int
    listed_shares: int
    daily_volume: int  # typical session volume, shares


KNOWN: dict[str, InstrumentSeed] = {
    "005930": InstrumentSeed(
        "삼성전자", Market.KOSPI, InstrumentKind.STOCK, 72_000, 5_969_782_550, 15_000_000
    ),
    "000660": InstrumentSeed(
        "SK하이닉스", Market.KOSPI, InstrumentKind.STOCK, 178_000, 728_002_365, 3_000_000
    ),
    "035420": InstrumentSeed("NAVER", Market.KOSPI, InstrumentKind.STOCK, 198_000, 158_437_008, 700_000),
    "005380": InstrumentSeed("현대차", Market.KOSPI, InstrumentKind.STOCK, 212_000, 209_416_191, 800_000),
    "069500": InstrumentSeed("KODEX 200", Market.KOSPI, InstrumentKind.ETF, 35_450, 120_000_000, 4_000_000),
}

_PREFIXES = ("한빛", "대성", "동양", "세진", "미래", "삼양", "우진", "태평", "광명", "신성", "새한", "금강")
_SUFFIXES = (
    "전자",
    "화학",
    "제약",
    "건설",
    "바이오",
    "정밀",
    "소재",
    "에너지",
    "테크",
    "산업",
    "물산",
    "반도체",
)


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def instrument_seed(symbol: Symbol) -> InstrumentSeed:
    """Reference data for ``symbol``: the known table, else plausible values derived from the code."""
    known = KNOWN.get(symbol)
    if known is not None:
        return known
    h = _digest(f"instrument:{symbol}")
    rng = random.Random(h)
    name = f"{_PREFIXES[h % len(_PREFIXES)]}{_SUFFIXES[(h // 97) % len(_SUFFIXES)]}"
    market = Market.KOSDAQ if (h >> 8) % 3 == 0 else Market.KOSPI
    price = round_to_tick(int(math.exp(rng.uniform(math.log(3_000), math.log(250_000)))), Rounding.NEAREST)
    shares = int(math.exp(rng.uniform(math.log(10_000_000), math.log(400_000_000))))
    volume = max(10_000, int(shares * rng.uniform(0.002, 0.01)))
    return InstrumentSeed(name, market, InstrumentKind.STOCK, price, shares, volume)


@dataclass(frozen=True, slots=True)
class DailyBar:
    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    value: int

    def start(self) -> datetime:
        return datetime.combine(self.day, time(0, 0), KST)


class DayCalendar(Protocol):
    def is_trading_day(self, day: date) -> bool: ...

    def previous_trading_day(self, day: date) -> date: ...


def synthetic_history(
    symbol: Symbol,
    seed: InstrumentSeed,
    before: date,
    calendar: DayCalendar,
    *,
    sessions: int = 300,
    salt: int | str = 0,
) -> list[DailyBar]:
    """``sessions`` daily bars on trading days before ``before`` (oldest first); the last close is
    the seed's base price. Built backwards from the base with a seeded random walk, every price
    on the tick grid and within the previous close's ±30% limits."""
    rng = random.Random(f"history:{salt}:{symbol}:{before.isoformat()}")
    kind = seed.kind
    days: list[date] = []
    day = before
    for _ in range(sessions):
        day = calendar.previous_trading_day(day)
        days.append(day)
    days.reverse()
    closes = [seed.base_price]
    for _ in range(sessions):
        prev = closes[-1] * math.exp(-rng.gauss(0.0003, 0.018))
        closes.append(round_to_tick(max(2, int(prev)), Rounding.NEAREST, kind))
    closes.reverse()  # closes[0] is the close before the first bar, closes[-1] the base
    bars: list[DailyBar] = []
    for i, d in enumerate(days):
        prev_close, close = closes[i], closes[i + 1]
        lim = price_limits(prev_close, kind)
        close = min(lim.upper, max(lim.lower, close))
        opened = round_to_tick(
            max(1, int(prev_close * math.exp(rng.gauss(0, 0.006)))), Rounding.NEAREST, kind
        )
        opened = min(lim.upper, max(lim.lower, opened))
        span = abs(rng.gauss(0, 0.008)) * prev_close
        high = round_to_tick(int(max(opened, close) + span * rng.random()) + 1, Rounding.UP, kind)
        low = round_to_tick(max(1, int(min(opened, close) - span * rng.random())), Rounding.DOWN, kind)
        high, low = min(lim.upper, high), max(lim.lower, low)
        volume = max(1, int(seed.daily_volume * math.exp(rng.gauss(0, 0.35))))
        value = volume * (opened + high + low + close) // 4
        bars.append(DailyBar(d, opened, high, low, close, volume, value))
    return bars


class MarketSource(Protocol):
    """Where the hub's instruments, history and intraday targets come from."""

    def preferred_day(self) -> date | None:
        """The trading day the simulated clock should show (replay), or None for today."""
        ...

    def instrument(self, symbol: Symbol, day: date) -> InstrumentSeed:
        """Reference data with ``base_price`` = the close before ``day``."""
        ...

    def history(self, symbol: Symbol, before: date, calendar: DayCalendar) -> list[DailyBar]: ...

    def day_target(self, symbol: Symbol, day: date) -> DailyBar | None:
        """The OHLCV the crowd must reproduce on ``day`` (replay), or None (free synthetic)."""
        ...


class SyntheticSource:
    """Synthetic reference data and ``sessions`` days of seeded history for any code."""

    def __init__(self, seed: int | str = 0, sessions: int = 300) -> None:
        self.seed = seed
        self.sessions = sessions

    def preferred_day(self) -> date | None:
        return None

    def instrument(self, symbol: Symbol, day: date) -> InstrumentSeed:
        del day
        return instrument_seed(symbol)

    def history(self, symbol: Symbol, before: date, calendar: DayCalendar) -> list[DailyBar]:
        seed = instrument_seed(symbol)
        return synthetic_history(symbol, seed, before, calendar, sessions=self.sessions, salt=self.seed)

    def day_target(self, symbol: Symbol, day: date) -> DailyBar | None:
        del symbol, day
        return None
