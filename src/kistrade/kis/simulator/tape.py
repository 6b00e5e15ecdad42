"""Per-symbol tape bookkeeping for the hub: today's running stats, minute bars and daily history."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from kistrade.domain.types import KST, Side, Symbol
from kistrade.kis.simulator.catalog import DailyBar
from kistrade.kis.simulator.market_types import DayStats, MarketBar


def _minute(ts: datetime) -> datetime:
    return ts.astimezone(KST).replace(second=0, microsecond=0)


class Tape:
    """Today's prints of one symbol, reduced to DayStats and 1-minute bars (HH:MM:00)."""

    def __init__(self, symbol: Symbol, day: date, base: int, history: list[DailyBar]) -> None:
        self.symbol = symbol
        self.history = history  # oldest first, days before ``day``
        self.start_day(day, base)

    def start_day(self, day: date, base: int) -> None:
        self.day = day
        self.base = base
        self.stats = DayStats(0, 0, 0, base, None, None, None, 0, 0, 0, 0, 0, 0)
        self.minutes: dict[datetime, MarketBar] = {}
        self._last_minute: datetime | None = None

    @property
    def prev_volume(self) -> int:
        return self.history[-1].volume if self.history else 0

    def record(self, ts: datetime, price: int, qty: int, aggressor: Side | None) -> DayStats:
        s = self.stats
        value = price * qty
        first = s.open == 0
        high_ts = ts if first or price > s.high else s.high_ts
        low_ts = ts if first or price < s.low else s.low_ts
        self.stats = s = DayStats(
            open=price if first else s.open,
            high=price if first else max(s.high, price),
            low=price if first else min(s.low, price),
            last=price,
            open_ts=ts if first else s.open_ts,
            high_ts=high_ts,
            low_ts=low_ts,
            cum_volume=s.cum_volume + qty,
            cum_value=s.cum_value + value,
            buy_count=s.buy_count + (aggressor is Side.BUY),
            sell_count=s.sell_count + (aggressor is Side.SELL),
            buy_volume=s.buy_volume + (qty if aggressor is Side.BUY else 0),
            sell_volume=s.sell_volume + (qty if aggressor is Side.SELL else 0),
        )
        key = _minute(ts)
        bar = self.minutes.get(key)
        if bar is None:
            bar = MarketBar(
                self.symbol, key, price, price, price, price, qty, value, s.cum_volume, s.cum_value
            )
        else:
            bar = replace(
                bar,
                high=max(bar.high, price),
                low=min(bar.low, price),
                close=price,
                volume=bar.volume + qty,
                value=bar.value + value,
                cum_volume=s.cum_volume,
                cum_value=s.cum_value,
            )
        self.minutes[key] = bar
        return s

    def minute_bars(self, until: datetime | None) -> list[MarketBar]:
        bars = sorted(self.minutes.values(), key=lambda b: b.start)
        if until is None:
            return bars
        limit = _minute(until)
        return [b for b in bars if b.start <= limit]

    def today_bar(self) -> MarketBar | None:
        s = self.stats
        if s.cum_volume == 0:
            return None
        start = datetime.combine(self.day, time(0, 0), KST)
        return MarketBar(
            self.symbol,
            start,
            s.open,
            s.high,
            s.low,
            s.last,
            s.cum_volume,
            s.cum_value,
            s.cum_volume,
            s.cum_value,
        )

    def close_day(self) -> int:
        """Move today's bar into the history; returns the close (the next day's base)."""
        bar = self.today_bar()
        if bar is None:
            return self.base
        self.history.append(DailyBar(self.day, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.value))
        return bar.close

    def daily_bars(self, start: date, end: date) -> list[MarketBar]:
        out = [
            MarketBar(
                self.symbol, b.start(), b.open, b.high, b.low, b.close, b.volume, b.value, b.volume, b.value
            )
            for b in self.history
            if start <= b.day <= end
        ]
        today = self.today_bar()
        if (
            today is not None
            and start <= self.day <= end
            and (not self.history or self.history[-1].day != self.day)
        ):
            out.append(today)
        return out
