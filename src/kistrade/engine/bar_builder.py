"""Minute bars from trades, session-aware, with a bounded window per symbol.

A bar covers ``[start, start + 1 min)`` in KST and is labelled by its start. Rules (decided here):

* Only trades of a session day between the pre-open and the close (plus ``close_grace``) count.
  Trades at other times (after-hours single-price, weekends, holidays) are dropped and counted in
  ``dropped``.
* Opening auction: a print before the open (the 09:00 single-price match stamped a little early)
  belongs to the first bar, ``open`` (09:00). A print at 09:00:00 is in the 09:00 bar anyway.
* Closing auction: there is no continuous trading from 15:20, so the closing-period bars are
  normally empty; the closing single-price print (stamped 15:30:00, sometimes a second or so
  later) and any print inside 15:20-15:30 belong to the LAST bar of the closing period,
  ``close - 1 min`` (15:29), whose interval ends at the close. That bar is emitted when
  ``flush(now)`` is called at or after ``close + close_grace`` (or by a later trade).
* A bar is emitted when its minute has closed: on the first trade of a later minute of the same
  symbol, or by ``flush(now)`` once ``now >= start + 1 min + flush_grace``. The grace (0 in
  backtests, a few seconds live) leaves room for prints still on the wire when the minute ends:
  the feed lags the exchange. A trade for a minute already emitted (late, out of order) is
  dropped and counted in ``late``.
* Empty minutes produce no bar. Volume is the sum of trade quantities.

The session schedule comes from ``sessions(day) -> SessionTimes | None`` (default: the KRX
calendar; tests pass ``build_session_times``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kistrade.domain.sessions import SessionTimes, to_kst
from kistrade.domain.types import Bar, Symbol, Trade

MINUTE = timedelta(minutes=1)
SessionsFn = Callable[[date], SessionTimes | None]


def _calendar_sessions(day: date) -> SessionTimes | None:
    from kistrade.domain.calendar import default_calendar

    cal = default_calendar()
    return cal.session_times(day) if cal.is_session(day) else None


@dataclass(slots=True)
class _Open:
    start: datetime
    due: datetime
    open: int
    high: int
    low: int
    close: int
    volume: int

    def add(self, price: int, qty: int) -> None:
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.close = price
        self.volume += qty

    def to_bar(self, symbol: Symbol) -> Bar:
        return Bar(symbol, self.start, self.open, self.high, self.low, self.close, self.volume)


class BarBuilder:
    def __init__(
        self,
        window: int = 400,
        *,
        sessions: SessionsFn | None = None,
        close_grace: timedelta = timedelta(seconds=60),
        flush_grace: timedelta = timedelta(0),
    ) -> None:
        if window <= 0:
            raise ValueError(f"bar window {window} must be positive")
        if flush_grace < timedelta(0):
            raise ValueError(f"bar flush grace {flush_grace} must not be negative")
        self.window = window
        self.close_grace = close_grace
        self.flush_grace = flush_grace
        self._sessions = sessions or _calendar_sessions
        self._session_cache: dict[date, SessionTimes | None] = {}
        self._open: dict[Symbol, _Open] = {}
        self._last_emitted: dict[Symbol, datetime] = {}
        self._bars: dict[Symbol, deque[Bar]] = {}
        self.dropped = 0
        self.late = 0

    def bars(self, symbol: Symbol) -> list[Bar]:
        """The completed bars kept for ``symbol`` (at most ``window``), oldest first."""
        return list(self._bars.get(symbol, ()))

    def _session(self, day: date) -> SessionTimes | None:
        if day not in self._session_cache:
            self._session_cache[day] = self._sessions(day)
        return self._session_cache[day]

    def bar_start(self, ts: datetime) -> tuple[datetime, datetime] | None:
        """(bar start, due time) for a print at ``ts``; None when it is outside the session."""
        local = to_kst(ts)
        st = self._session(local.date())
        if st is None or local < st.pre_open_start or local >= st.close + self.close_grace:
            return None
        if local < st.open:
            return st.open, st.open + MINUTE
        if local >= st.closing_auction_start:
            start = st.close - MINUTE
            return start, st.close + self.close_grace
        start = local.replace(second=0, microsecond=0)
        return start, start + MINUTE

    def on_trade(self, trade: Trade) -> list[Bar]:
        """Add a print; return the bars it completed (0 or 1 for this symbol)."""
        slot = self.bar_start(trade.ts)
        if slot is None:
            self.dropped += 1
            return []
        start, due = slot
        sym = trade.symbol
        last = self._last_emitted.get(sym)
        if last is not None and start <= last:
            self.late += 1
            return []
        out: list[Bar] = []
        cur = self._open.get(sym)
        if cur is not None and start < cur.start:
            self.late += 1
            return []
        if cur is not None and start > cur.start:
            out.append(self._emit(sym, cur))
            cur = None
        if cur is None:
            p = trade.price
            self._open[sym] = _Open(start, due, p, p, p, p, trade.qty)
        else:
            cur.add(trade.price, trade.qty)
        return out

    def flush(self, now: datetime) -> list[Bar]:
        """Emit every open bar whose minute closed by ``now - flush_grace`` (the closing bar: by
        close + close grace)."""
        out: list[Bar] = []
        for sym, cur in list(self._open.items()):
            if now >= cur.due + self.flush_grace:
                out.append(self._emit(sym, cur))
        return out

    def _emit(self, symbol: Symbol, cur: _Open) -> Bar:
        del self._open[symbol]
        bar = cur.to_bar(symbol)
        self._last_emitted[symbol] = cur.start
        q = self._bars.get(symbol)
        if q is None:
            q = self._bars[symbol] = deque(maxlen=self.window)
        q.append(bar)
        return bar
