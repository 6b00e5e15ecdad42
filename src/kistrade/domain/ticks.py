"""KRX tick sizes (호가가격단위) and rounding to the tick grid.

The default is the current table: stocks (KOSPI, KOSDAQ, KONEX) since 2023-01-25, and ETF/ETN
(1 won below 2,000, 5 won from 2,000). Pass ``on=<date>`` (and ``market=`` for stocks) to get the
table that applied on that day when replaying history:

* stocks from 2010-10-04 to 2023-01-24: KOSPI <1,000:1 <5,000:5 <10,000:10 <50,000:50 <100,000:100
  <500,000:500 then 1,000; KOSDAQ/KONEX the same up to 50,000, then 100 for every price;
* stocks before 2010-10-04: as above but 5 won below 5,000 (KOSDAQ table as of 2003-07-21;
  older KOSDAQ tables are not modelled);
* ETF/ETN before 2023-12-18: 5 won at every price.

Sources: 2023 unification (yna via wowtv.co.kr AKR20230117062300002, investing.com 871878: "KOSPI and
KOSDAQ/KONEX differed for high-priced stocks"); 1-won band below 1,000 from 2010-10-04
(hankyung.com/article/2010073099481); KOSDAQ 100 won for all prices >= 50,000 since 2003-07-21
(sedaily.com 1HVLRK85PY); ETF/ETN 1-won band (mediapen.com 860330 says 2023-12-18, etoday.co.kr
2289674 says 2023-12-08: the exact day is uncertain).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from enum import StrEnum

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import InstrumentKind, Market

TickTable = tuple[tuple[int, int], ...]

# (lower bound of the band, tick) in ascending order.
STOCK_TICKS: TickTable = (
    (0, 1),
    (2_000, 5),
    (5_000, 10),
    (20_000, 50),
    (50_000, 100),
    (200_000, 500),
    (500_000, 1_000),
)
FUND_TICKS: TickTable = ((0, 1), (2_000, 5))

KOSPI_TICKS_2010: TickTable = (
    (0, 1),
    (1_000, 5),
    (5_000, 10),
    (10_000, 50),
    (50_000, 100),
    (100_000, 500),
    (500_000, 1_000),
)
KOSDAQ_TICKS_2010: TickTable = ((0, 1), (1_000, 5), (5_000, 10), (10_000, 50), (50_000, 100))
KOSPI_TICKS_PRE_2010: TickTable = (
    (0, 5),
    (5_000, 10),
    (10_000, 50),
    (50_000, 100),
    (100_000, 500),
    (500_000, 1_000),
)
KOSDAQ_TICKS_PRE_2010: TickTable = ((0, 5), (5_000, 10), (10_000, 50), (50_000, 100))
FUND_TICKS_PRE_2023: TickTable = ((0, 5),)

UNIFIED_STOCK_TICKS_FROM = date(2023, 1, 25)
ONE_WON_STOCK_TICK_FROM = date(2010, 10, 4)
FUND_ONE_WON_TICK_FROM = date(2023, 12, 18)

_BOUNDS: dict[TickTable, tuple[int, ...]] = {
    t: tuple(b for b, _ in t)
    for t in (
        STOCK_TICKS,
        FUND_TICKS,
        KOSPI_TICKS_2010,
        KOSDAQ_TICKS_2010,
        KOSPI_TICKS_PRE_2010,
        KOSDAQ_TICKS_PRE_2010,
        FUND_TICKS_PRE_2023,
    )
}


class Rounding(StrEnum):
    UP = "up"
    DOWN = "down"
    NEAREST = "nearest"


def tick_table(
    kind: InstrumentKind = InstrumentKind.STOCK, *, on: date | None = None, market: Market = Market.KOSPI
) -> TickTable:
    """The tick table for ``kind`` on day ``on`` (None: the current table)."""
    if kind is not InstrumentKind.STOCK:
        return FUND_TICKS if on is None or on >= FUND_ONE_WON_TICK_FROM else FUND_TICKS_PRE_2023
    if on is None or on >= UNIFIED_STOCK_TICKS_FROM:
        return STOCK_TICKS
    kospi = market is Market.KOSPI
    if on >= ONE_WON_STOCK_TICK_FROM:
        return KOSPI_TICKS_2010 if kospi else KOSDAQ_TICKS_2010
    return KOSPI_TICKS_PRE_2010 if kospi else KOSDAQ_TICKS_PRE_2010


def tick_size(
    price: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> int:
    """The tick of the band that ``price`` lies in."""
    if price < 0:
        raise InvalidInputError(f"price {price} is negative")
    return tick_in(tick_table(kind, on=on, market=market), price)


def tick_in(table: TickTable, price: int) -> int:
    """The tick of the band of ``table`` that ``price`` (>= 0) lies in."""
    return table[bisect_right(_BOUNDS[table], price) - 1][1]


def is_valid_tick(
    price: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> bool:
    """True when ``price`` is positive and on the tick grid of its band."""
    return price > 0 and price % tick_size(price, kind, on=on, market=market) == 0


def round_to_tick(
    price: int,
    direction: Rounding = Rounding.DOWN,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> int:
    """Round ``price`` to a valid tick. UP never goes below ``price``, DOWN never above.

    Rounding up across a band boundary lands on the boundary itself, which is valid in the
    higher band (every band starts on a multiple of its own tick). Rounding DOWN below the first
    tick (only possible in the old 5-won tables) is an error: there is no valid price there.
    """
    if price <= 0:
        raise InvalidInputError(f"price {price} must be positive to round to a tick")
    tick = tick_size(price, kind, on=on, market=market)
    down = price - price % tick
    if down == price:
        return price
    up = down + tick
    if direction is Rounding.DOWN:
        if down == 0:
            raise InvalidInputError(f"no valid tick at or below price {price}")
        return down
    if direction is Rounding.UP:
        return up
    return up if down == 0 or price - down >= up - price else down


def ticks_between(
    low: int,
    high: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> int:
    """Number of tick steps from ``low`` up to ``high`` (both on the grid, ``low <= high``)."""
    steps = 0
    price = low
    while price < high:
        price += tick_size(price, kind, on=on, market=market)
        steps += 1
    return steps


def add_ticks(
    price: int,
    n: int,
    kind: InstrumentKind = InstrumentKind.STOCK,
    *,
    on: date | None = None,
    market: Market = Market.KOSPI,
) -> int:
    """Move ``n`` ticks up (n > 0) or down (n < 0) from an on-grid ``price``."""
    for _ in range(abs(n)):
        if n > 0:
            price += tick_size(price, kind, on=on, market=market)
        else:
            price -= tick_size(max(price - 1, 0), kind, on=on, market=market)
        if price <= 0:
            raise InvalidInputError(f"moving {n} ticks goes to or below zero")
    return price
