"""Market-data TRs: current price, orderbook, daily and minute charts, holiday check."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kistrade.domain.types import Bar, OrderBook, parse_symbol
from kistrade.kis.client import mapping
from kistrade.kis.client.models import HolidayInfo, Quote
from kistrade.kis.client.ratelimit import Priority
from kistrade.kis.client.rest import KisRestClient
from kistrade.ports import Clock

MARKET = "J"  # KRX (paper supports only J)
DAILY_ROWS = 100
MINUTE_ROWS = 30
SESSION_OPEN = time(9, 0)


class KisQuotes:
    def __init__(self, rest: KisRestClient, clock: Clock, *, market: str = MARKET) -> None:
        self.rest = rest
        self.clock = clock
        self.market = market

    def _base(self, symbol: str) -> dict[str, str]:
        return {"FID_COND_MRKT_DIV_CODE": self.market, "FID_INPUT_ISCD": parse_symbol(symbol)}

    async def quote(self, symbol: str) -> Quote:
        resp = await self.rest.call("inquire_price", params=self._base(symbol))
        return mapping.quote_from(parse_symbol(symbol), resp.body.get("output"))

    async def orderbook(self, symbol: str) -> OrderBook:
        resp = await self.rest.call("inquire_asking_price_exp_ccn", params=self._base(symbol))
        return mapping.orderbook_from(parse_symbol(symbol), resp.body.get("output1"), self.clock.now().date())

    async def daily_bars(
        self, symbol: str, start: date, end: date | None = None, *, adjusted: bool = True, max_calls: int = 50
    ) -> list[Bar]:
        """Daily bars in [start, end], oldest first; pages backwards 100 rows per call."""
        sym = parse_symbol(symbol)
        last = end or self.clock.now().date()
        found: dict[datetime, Bar] = {}
        for _ in range(max_calls):
            if last < start:
                break
            params = {
                **self._base(sym),
                "FID_INPUT_DATE_1": start.strftime("%Y%m%d"),
                "FID_INPUT_DATE_2": last.strftime("%Y%m%d"),
                "FID_PERIOD_DIV_CODE": "D",
                "FID_ORG_ADJ_PRC": "0" if adjusted else "1",
            }
            resp = await self.rest.call("inquire_daily_itemchartprice", params=params)
            bars = mapping.daily_bars_from(sym, resp.body.get("output2"))
            fresh = [b for b in bars if b.start not in found and start <= b.start.date() <= last]
            for b in fresh:
                found[b.start] = b
            if len(bars) < DAILY_ROWS or not fresh:
                break
            last = bars[0].start.date() - timedelta(days=1)
        return sorted(found.values(), key=lambda b: b.start)

    async def minute_bars(
        self, symbol: str, until: time | None = None, count: int = MINUTE_ROWS, *, max_calls: int = 20
    ) -> list[Bar]:
        """Today's one-minute bars ending at ``until`` (default now), oldest first; pages backwards
        30 rows per call until ``count`` bars or the session open."""
        sym = parse_symbol(symbol)
        cursor = until or self.clock.now().time()
        found: dict[datetime, Bar] = {}
        for _ in range(max_calls):
            params = {
                "FID_ETC_CLS_CODE": "",
                **self._base(sym),
                "FID_INPUT_HOUR_1": cursor.strftime("%H%M%S"),
                "FID_PW_DATA_INCU_YN": "N",
            }
            resp = await self.rest.call("inquire_time_itemchartprice", params=params)
            bars = mapping.minute_bars_from(sym, resp.body.get("output2"))
            fresh = [b for b in bars if b.start not in found]
            for b in fresh:
                found[b.start] = b
            if len(found) >= count or len(bars) < MINUTE_ROWS or not fresh:
                break
            oldest = bars[0].start
            if oldest.time() <= SESSION_OPEN:
                break
            cursor = (oldest - timedelta(minutes=1)).time()
        return sorted(found.values(), key=lambda b: b.start)[-count:]

    async def holidays(self, day: date | None = None) -> list[HolidayInfo]:
        """Calendar rows from ``day`` on (KIS asks to call this at most once a day; real only)."""
        d = day or self.clock.now().date()
        params = {"BASS_DT": d.strftime("%Y%m%d"), "CTX_AREA_NK": "", "CTX_AREA_FK": ""}
        resp = await self.rest.call("chk_holiday", params=params, priority=Priority.MARKET_DATA)
        return mapping.holidays_from(resp.body.get("output"))

    async def is_open_day(self, day: date | None = None) -> bool:
        d = day or self.clock.now().date()
        for info in await self.holidays(d):
            if info.day == d:
                return info.open_day
        return False
