"""``MarketDataManager``: bars and quotes for the bot without wasting the broker's request budget.

- Daily bars: served from the store; only sessions missing there (per the KRX calendar) are asked
  of the broker, one request run per range of consecutive missing sessions (the client pages 100
  rows per call). A second fetch of a cached range makes no request. Today's session is cached
  only once it has closed (a running day's bar changes until the close).
- Minute bars (today only, 30 rows per call): served from the store (source REST) when it already
  holds every completed minute asked for, else fetched and stored.
- Live: trades and books from the stream update the latest trade/book per symbol and build
  minute bars with the session-aware ``BarBuilder`` (bounded window per symbol); completed bars
  are stored with source TICKS by ``persist_tick_bars``.
- Counters: ``stats`` (hits, misses, broker requests, hit rate) so "cache hit rate > 80%" is a
  measured figure; ``data_check`` compares tick-built and REST minute bars, records the mismatch
  rate as an event in the store and returns it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from kistrade.domain.broker import Quote
from kistrade.domain.calendar import KrxCalendar, default_calendar
from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import KST, Bar, Fill, OrderBook, Symbol, Trade, parse_symbol
from kistrade.engine.bar_builder import BarBuilder
from kistrade.kis.client.adapters import KisBroker
from kistrade.kis.client.facade import KisClient, KisClientConfig
from kistrade.ports import Broker, Clock
from kistrade.store.port import Store
from kistrade.store.records import BarSource, EventRecord
from kistrade.store.sqlite_store import SqliteStore

MINUTE = timedelta(minutes=1)
MINUTE_ROWS = 30


@dataclass(slots=True)
class CacheStats:
    """Cache counters: one hit or miss per daily session or minute-chart request served."""

    hits: int = 0
    misses: int = 0
    requests: int = 0  # broker calls made (each may be several paged HTTP calls in the client)
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind -> [hits, misses]

    def count(self, kind: str, hits: int, misses: int) -> None:
        self.hits += hits
        self.misses += misses
        pair = self.by_kind.setdefault(kind, [0, 0])
        pair[0] += hits
        pair[1] += misses

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass(frozen=True, slots=True)
class DataCheck:
    """Tick-built vs REST minute bars of one symbol over [start, end)."""

    symbol: Symbol
    start: datetime
    end: datetime
    compared: int  # minutes present in both sources
    mismatched: int  # of those, minutes whose OHLCV differ
    only_rest: int  # minutes only the REST chart has (a tick gap, or before the stream was live)
    only_ticks: int
    mismatches: tuple[tuple[Bar, Bar], ...]  # (ticks, rest) pairs, oldest first

    @property
    def rate(self) -> float:
        return self.mismatched / self.compared if self.compared else 0.0


class MarketDataManager:
    """Bars, latest trade/book and the data check over a ``Broker`` and a ``Store``."""

    def __init__(
        self,
        broker: Broker,
        store: Store,
        clock: Clock,
        *,
        calendar: KrxCalendar | None = None,
        window: int = 400,
        bar_builder: BarBuilder | None = None,
    ) -> None:
        self.broker = broker
        self.store = store
        self.clock = clock
        self.calendar = calendar or default_calendar()
        self.bars = bar_builder or BarBuilder(window)
        self.stats = CacheStats()
        self._trades: dict[Symbol, Trade] = {}
        self._books: dict[Symbol, OrderBook] = {}
        self._pending: list[Bar] = []  # completed tick bars not stored yet
        self._empty: set[tuple[Symbol, date]] = set()  # sessions the broker had no bar for
        self._live_since: dict[Symbol, datetime] = {}
        self._quotes: dict[Symbol, tuple[date, Quote]] = {}
        # per symbol, today's span [from, to) of minutes whose REST bars are all stored
        self._minute_cover: dict[Symbol, tuple[datetime, datetime]] = {}

    # -- daily ------------------------------------------------------------------------------
    def cacheable_sessions(self, start: date, end: date) -> list[date]:
        """KRX sessions in [start, end] whose daily bar is final (today's only after the close)."""
        if end < start:
            raise InvalidInputError(f"daily range: end {end} is before start {start}")
        now = self.clock.now().astimezone(KST)
        sessions = self.calendar.sessions(start, min(end, now.date()))
        if sessions and sessions[-1] == now.date() and now < self.calendar.session_times(now.date()).close:
            sessions.pop()
        return sessions

    async def daily_bars(self, symbol: str, start: date, end: date | None = None) -> list[Bar]:
        """Daily bars of ``symbol`` in [start, end] (default: today), oldest first; fetches only
        the sessions the store does not hold yet. A running day's bar is fetched, never cached."""
        sym = parse_symbol(symbol)
        now = self.clock.now().astimezone(KST)
        last = min(end or now.date(), now.date())
        sessions = self.cacheable_sessions(start, last)
        wanted = [d for d in sessions if (sym, d) not in self._empty]
        ranges = await self.store.missing_daily_ranges(sym, wanted)
        missing = sum(len([d for d in wanted if r.first <= d <= r.last]) for r in ranges)
        self.stats.count("daily", len(wanted) - missing, missing)
        for r in ranges:
            self.stats.requests += 1
            fetched = [b for b in await self.broker.daily_bars(sym, r.first, r.last) if b.symbol == sym]
            got = {b.start.astimezone(KST).date() for b in fetched}
            final = [b for b in fetched if b.start.astimezone(KST).date() in set(sessions)]
            if final:
                await self.store.upsert_daily_bars(final)
            self._empty.update((sym, d) for d in wanted if r.first <= d <= r.last and d not in got)
        bars = await self.store.get_daily_bars(sym, start, last)
        if (
            self.calendar.is_session(now.date())
            and start <= now.date() <= last
            and now.date() not in sessions
        ):
            self.stats.requests += 1
            self.stats.count("daily", 0, 1)
            today = [b for b in await self.broker.daily_bars(sym, now.date(), now.date()) if b.symbol == sym]
            bars.extend(b for b in today if b.start.astimezone(KST).date() == now.date())
        return bars

    # -- minute (REST chart, today) -----------------------------------------------------------
    async def minute_bars(
        self, symbol: str, until: time | None = None, count: int = MINUTE_ROWS
    ) -> list[Bar]:
        """Today's REST minute bars ending before ``until`` (default: now), at most ``count``,
        oldest first. Served from the store when it holds every completed minute of the range
        (bars of empty minutes do not exist, so "every" means: the store's last bar is the last
        completed minute and the range back to ``count`` minutes or the open is covered)."""
        if count < 1:
            raise InvalidInputError(f"minute bars: count {count} must be >= 1")
        sym = parse_symbol(symbol)
        now = self.clock.now().astimezone(KST)
        day = now.date()
        end_t = until or now.time()
        end = datetime.combine(day, end_t, KST).replace(second=0, microsecond=0)
        start = end - count * MINUTE
        if self.calendar.is_session(day):
            start = max(start, self.calendar.session_times(day).open)
        completed = min(end, now.replace(second=0, microsecond=0))  # minutes before this are final
        cover = self._minute_cover.get(sym)
        if cover is not None and cover[0] <= start and completed <= cover[1]:
            self.stats.count("minute", 1, 0)
            return (await self.store.get_minute_bars(sym, start, end, BarSource.REST))[-count:]
        self.stats.count("minute", 0, 1)
        self.stats.requests += 1
        fetched = await self.broker.minute_bars(sym, end_t if until is not None else None, count)
        final = [b for b in fetched if b.symbol == sym and b.start + MINUTE <= now]
        if final:
            await self.store.upsert_minute_bars(final, BarSource.REST)
        lo = min([start, *(b.start for b in final)])
        if cover is not None and cover[0] <= completed and lo <= cover[1]:  # overlapping: merge
            lo, completed = min(lo, cover[0]), max(completed, cover[1])
        self._minute_cover[sym] = (lo, completed)
        return [b for b in fetched if start <= b.start < end][-count:]

    # -- live ---------------------------------------------------------------------------------
    def mark_live(self, symbols: list[Symbol], at: datetime | None = None) -> None:
        """The stream of ``symbols`` is live from ``at`` (default now): minutes from the next full
        one on are complete in the tick-built bars (the data check compares only those)."""
        when = at or self.clock.now()
        for s in symbols:
            self._live_since[parse_symbol(s)] = when

    def on_event(self, event: Trade | OrderBook | Fill) -> list[Bar]:
        """Apply one stream event; returns the minute bars a trade completed."""
        if isinstance(event, Trade):
            return self.on_trade(event)
        if isinstance(event, OrderBook):
            self._books[event.symbol] = event
        return []

    def on_trade(self, trade: Trade) -> list[Bar]:
        self._trades[trade.symbol] = trade
        done = self.bars.on_trade(trade)
        self._pending.extend(done)
        return done

    def flush(self, now: datetime | None = None) -> list[Bar]:
        """Close every tick-built bar whose minute has ended by ``now`` (default: the clock)."""
        done = self.bars.flush(now or self.clock.now())
        self._pending.extend(done)
        return done

    async def consume(
        self, events: AsyncIterator[Trade | OrderBook | Fill], *, max_events: int | None = None
    ) -> int:
        """Apply events from a feed until it ends (or ``max_events``); returns the count."""
        seen = 0
        async for ev in events:
            self.on_event(ev)
            seen += 1
            if max_events is not None and seen >= max_events:
                break
        return seen

    # -- quotes: base price and limits are fixed for the day -------------------------------------
    async def day_quote(self, symbol: str) -> Quote:
        """The broker's quote of ``symbol`` fetched once a day: its base price and price limits
        do not change within a session (its ``price`` is as of the fetch: for the current price
        use ``latest_trade``)."""
        sym = parse_symbol(symbol)
        day = self.clock.now().astimezone(KST).date()
        cached = self._quotes.get(sym)
        if cached is not None and cached[0] == day:
            self.stats.count("quote", 1, 0)
            return cached[1]
        self.stats.count("quote", 0, 1)
        self.stats.requests += 1
        q = await self.broker.quote(sym)
        self._quotes[sym] = (day, q)
        return q

    def note(self, event: Trade | OrderBook) -> None:
        """Keep the latest trade or book of a stream event (no bar building: the engine has its own)."""
        if isinstance(event, Trade):
            self._trades[event.symbol] = event
        else:
            self._books[event.symbol] = event

    def latest_trade(self, symbol: str) -> Trade | None:
        found = self._trades.get(parse_symbol(symbol))
        self.stats.count("latest", 1 if found is not None else 0, 0 if found is not None else 1)
        return found

    def latest_book(self, symbol: str) -> OrderBook | None:
        found = self._books.get(parse_symbol(symbol))
        self.stats.count("latest", 1 if found is not None else 0, 0 if found is not None else 1)
        return found

    def tick_bars(self, symbol: str) -> list[Bar]:
        """The completed tick-built minute bars kept for ``symbol`` (bounded window), oldest first."""
        return self.bars.bars(parse_symbol(symbol))

    async def persist_tick_bars(self) -> int:
        """Store the completed tick-built bars not stored yet (source TICKS); returns the count."""
        pending, self._pending = self._pending, []
        if pending:
            await self.store.upsert_minute_bars(pending, BarSource.TICKS)
        return len(pending)

    # -- data check -------------------------------------------------------------------------
    async def data_check(self, symbol: str, start: datetime, end: datetime) -> DataCheck:
        """Compare stored TICKS and REST minute bars over [start, end) (from the first full minute
        the stream was live, if known); records a ``data_check`` event and returns the result."""
        sym = parse_symbol(symbol)
        live = self._live_since.get(sym)
        if live is not None:
            first_full = live.replace(second=0, microsecond=0) + (
                MINUTE if live.second or live.microsecond else timedelta()
            )
            start = max(start, first_full)
        ticks = {b.start: b for b in await self.store.get_minute_bars(sym, start, end, BarSource.TICKS)}
        rest = {b.start: b for b in await self.store.get_minute_bars(sym, start, end, BarSource.REST)}
        both = sorted(set(ticks) & set(rest))
        bad = tuple((ticks[t], rest[t]) for t in both if _ohlcv(ticks[t]) != _ohlcv(rest[t]))
        check = DataCheck(
            sym,
            start,
            end,
            len(both),
            len(bad),
            len(set(rest) - set(ticks)),
            len(set(ticks) - set(rest)),
            bad,
        )
        await self.store.add_event(
            EventRecord(
                self.clock.now(),
                "data_check",
                {
                    "symbol": str(sym),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "compared": check.compared,
                    "mismatched": check.mismatched,
                    "only_rest": check.only_rest,
                    "only_ticks": check.only_ticks,
                    "rate": check.rate,
                },
            )
        )
        return check


def _ohlcv(b: Bar) -> tuple[int, int, int, int, int]:
    return (b.open, b.high, b.low, b.close, b.volume)


@dataclass(frozen=True, slots=True)
class FetchResult:
    """``kistrade data fetch``: the bars of the range and what it cost."""

    symbol: Symbol
    bars: list[Bar]
    stats: CacheStats


async def fetch_daily(
    config: KisClientConfig,
    clock: Clock,
    db_path: Path | str,
    symbol: str,
    *,
    start: date,
    end: date | None = None,
) -> FetchResult:
    """Daily bars of ``symbol`` in [start, end] through a ``MarketDataManager`` on the store at
    ``db_path``: sessions already stored cost no request."""
    async with await SqliteStore.open(db_path, clock=clock) as store, KisClient(config, clock) as kis:
        manager = MarketDataManager(KisBroker(kis), store, clock)
        bars = await manager.daily_bars(symbol, start, end)
        return FetchResult(parse_symbol(symbol), bars, manager.stats)


__all__ = ["CacheStats", "DataCheck", "FetchResult", "MarketDataManager", "fetch_daily"]
