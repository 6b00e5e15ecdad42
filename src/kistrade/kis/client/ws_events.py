"""Real-time records -> typed events (domain Trade / OrderBook, client ExecutionNotice).

``FrameDecoder.decode(text)`` is the hot path. Plaintext single-record trade frames (the bulk of
the traffic) are cut only up to the last field read and become a ``Trade`` directly; the
timestamp comes from a per-(date, HHMMSS) cache (prints share seconds), symbols are interned and
price/size strings map to cached ints. Every other frame goes through
``kis.protocol.realtime.parse_frame``, then each record becomes an event. Both paths give equal
events for the same frame (tests/unit/test_client_ws_events_fastpath.py). Any malformed input
raises ``ParseError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Final

from kistrade.domain.errors import ParseError
from kistrade.domain.types import KST, BookLevel, OrderBook, Side, Symbol, Trade
from kistrade.kis.client.models import ExecutionNotice, NoticeKind
from kistrade.kis.protocol.crypto import AesCipher
from kistrade.kis.protocol.realtime import ControlFrame, DataFrame, parse_frame
from kistrade.kis.protocol.realtime_fields import (
    NOTICE_TRS,
    ORDERBOOK_FIELDS,
    TR_ORDERBOOK,
    TR_TRADE,
    TR_TRADE_NXT,
    TR_TRADE_UNIFIED,
    TRADE_FIELDS,
    field_index,
)
from kistrade.kis.protocol.realtime_records import NoticeRecord, decode_notice, decode_orderbook

Event = Trade | OrderBook | ExecutionNotice

_SYM: Final = field_index(TRADE_FIELDS, "MKSC_SHRN_ISCD")
_HOUR: Final = field_index(TRADE_FIELDS, "STCK_CNTG_HOUR")
_PRICE: Final = field_index(TRADE_FIELDS, "STCK_PRPR")
_VOL: Final = field_index(TRADE_FIELDS, "CNTG_VOL")
_CUM: Final = field_index(TRADE_FIELDS, "ACML_VOL")
_DVSN: Final = field_index(TRADE_FIELDS, "CCLD_DVSN")
_DATE: Final = field_index(TRADE_FIELDS, "BSOP_DATE")
_TRADE_WIDTH: Final = len(TRADE_FIELDS)
_AGGRESSOR: Final[dict[str, Side | None]] = {"1": Side.BUY, "5": Side.SELL}
_TRADE_TRS: Final = frozenset({TR_TRADE, TR_TRADE_NXT, TR_TRADE_UNIFIED})


_LAST_READ: Final = max(_SYM, _HOUR, _PRICE, _VOL, _CUM, _DVSN, _DATE)
_SPLIT: Final = _LAST_READ + 1
_REST_SEPS: Final = _TRADE_WIDTH - _LAST_READ - 2  # '^' left in the unsplit tail of a full record
_SINGLE_TRADE: Final = f"0|{TR_TRADE}|001|"
_SINGLE_LEN: Final = len(_SINGLE_TRADE)
_TRADE_PREFIXES: Final = tuple(f"0|{tr}|" for tr in (TR_TRADE, TR_TRADE_NXT, TR_TRADE_UNIFIED))
if _SYM != 0:  # _hot_decoder reads the symbol from the frame's first '^'-item
    raise RuntimeError(f"H0STCNT0 layout: MKSC_SHRN_ISCD is field {_SYM}, expected 0")
# Cache bounds (cleared when full): real feeds stay far below them.
_MAX_SYMBOLS: Final = 20_000
_MAX_NUMBERS: Final = 100_000
_MAX_DAYS: Final = 8
_MAX_TIMES: Final = 100_000


class TimeCache:
    """``(YYYYMMDD, HHMMSS) -> datetime``, cached per date and second (prints share seconds).

    ``day_cache`` maps ``HHMMSS`` to datetimes on ``ymd``, the date seen last: frames of one
    session share one date, so the hot path is one string compare and one dict lookup."""

    __slots__ = ("_day", "_day_ymd", "day_cache", "days", "ymd")

    def __init__(self) -> None:
        self.days: dict[str, dict[str, datetime]] = {}
        self.ymd = ""
        self.day_cache: dict[str, datetime] = {}
        self._day: date | None = None
        self._day_ymd = ""

    def at(self, ymd: str, hms: str) -> datetime:
        if ymd != self.ymd:
            cache = self.days.get(ymd)
            if cache is None:
                return self.make(ymd, hms)
            self.ymd, self.day_cache = ymd, cache
        return self.day_cache.get(hms) or self.make(ymd, hms)

    def make(self, ymd: str, hms: str) -> datetime:
        """Build and cache the datetime; a bad date or time raises ``ParseError`` naming it."""
        if not (len(ymd) == 8 and len(hms) == 6 and (ymd + hms).isascii() and (ymd + hms).isdigit()):
            raise ParseError(f"bad real-time date/time {ymd[:10]!r} {hms[:8]!r}")  # e.g. '-01234', '+12345'
        try:
            ts = datetime(
                int(ymd[0:4]),
                int(ymd[4:6]),
                int(ymd[6:8]),
                int(hms[0:2]),
                int(hms[2:4]),
                int(hms[4:6]),
                tzinfo=KST,
            )
        except ValueError:
            raise ParseError(f"bad real-time date/time {ymd[:10]!r} {hms[:8]!r}") from None
        cache = self.days.get(ymd)
        if cache is None:
            if len(self.days) >= _MAX_DAYS:
                self.days.clear()
            cache = self.days[ymd] = {}
        elif len(cache) >= _MAX_TIMES:  # only odd-but-int()-able time strings get this far
            cache.clear()
        cache[hms] = ts
        self.ymd, self.day_cache = ymd, cache
        return ts

    def on(self, day: date, hms: str) -> datetime:
        if day != self._day:
            self._day, self._day_ymd = day, f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return self.at(self._day_ymd, hms)


def trade_from_record(rec: Sequence[str], times: TimeCache) -> Trade:
    if len(rec) < _TRADE_WIDTH:
        raise ParseError(f"H0STCNT0 record has {len(rec)} fields, expected at least {_TRADE_WIDTH}")
    try:
        return Trade(
            Symbol(rec[_SYM]),
            times.at(rec[_DATE], rec[_HOUR]),
            int(rec[_PRICE]),
            int(rec[_VOL]),
            _AGGRESSOR.get(rec[_DVSN]),
            int(rec[_CUM]),
        )
    except ValueError:
        raise ParseError(f"H0STCNT0 record has a non-numeric price/volume: {rec[_PRICE][:20]!r}") from None


_B_SYM: Final = field_index(ORDERBOOK_FIELDS, "MKSC_SHRN_ISCD")
_B_TIME: Final = field_index(ORDERBOOK_FIELDS, "BSOP_HOUR")
_ASK: Final = field_index(ORDERBOOK_FIELDS, "ASKP1")
_BID: Final = field_index(ORDERBOOK_FIELDS, "BIDP1")
_ASK_Q: Final = field_index(ORDERBOOK_FIELDS, "ASKP_RSQN1")
_BID_Q: Final = field_index(ORDERBOOK_FIELDS, "BIDP_RSQN1")
_BOOK_WIDTH: Final = len(ORDERBOOK_FIELDS)


class LevelCache:
    """Shared immutable ``BookLevel``s keyed by their raw strings: consecutive snapshots repeat
    most levels, so a hit skips two ``int()`` calls and an allocation."""

    __slots__ = ("_cache",)

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], BookLevel] = {}

    def side(self, prices: Sequence[str], qtys: Sequence[str]) -> tuple[BookLevel, ...]:
        get = self._cache.get
        make = self.make
        return tuple([get(k) or make(k) for k in zip(prices, qtys, strict=True)])

    def make(self, key: tuple[str, str]) -> BookLevel:
        price, qty = key
        level = BookLevel(int(price), int(qty))
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key] = level
        return level


_LEVELS = LevelCache()


def orderbook_from_record(rec: Sequence[str], day: date, times: TimeCache) -> OrderBook:
    if len(rec) < _BOOK_WIDTH:
        decode_orderbook(rec)  # raises the precise ParseError
    side = _LEVELS.side
    try:
        asks = side(rec[_ASK : _ASK + 10], rec[_ASK_Q : _ASK_Q + 10])
        bids = side(rec[_BID : _BID + 10], rec[_BID_Q : _BID_Q + 10])
    except ValueError:
        raise decode_error(rec) from None
    ts = times.on(day, rec[_B_TIME])
    return OrderBook(Symbol(rec[_B_SYM]), ts, asks, bids)


def decode_error(rec: Sequence[str]) -> ParseError:
    try:
        decode_orderbook(rec)
    except ParseError as exc:
        return exc
    return ParseError("H0STASP0 record could not be decoded")


def notice_from_record(n: NoticeRecord, day: date, times: TimeCache) -> ExecutionNotice:
    if n.side not in ("01", "02"):
        raise ParseError(f"H0STCNI0 field SELN_BYOV_CLS is {n.side!r}, expected '01' or '02'")
    is_fill = n.cntg_yn == "2"
    kind = {"1": NoticeKind.REVISE, "2": NoticeKind.CANCEL}.get(n.revise_cancel, NoticeKind.NEW)
    return ExecutionNotice(
        account=n.account,
        broker_order_id=n.order_no,
        original_order_id=n.original_order_no,
        org_no=n.branch,
        symbol=Symbol(n.symbol.strip()),
        name=n.symbol_name.strip(),
        side=Side.SELL if n.side == "01" else Side.BUY,
        kind=kind,
        order_type_code=n.order_kind,
        qty=n.qty,
        price=n.price,
        order_qty=n.order_qty if n.order_qty is not None else (0 if is_fill else n.qty),
        order_price=n.order_price if n.order_price is not None else (0 if is_fill else n.price),
        ts=times.on(day, n.time),
        is_fill=is_fill,
        rejected=n.refused == "1",
        accept_code=n.acpt_yn,
    )


class FrameDecoder:
    """Decode data frames into events; ``ciphers`` holds the notice key/iv per TR from the acks."""

    def __init__(self, today: Callable[[], date]) -> None:
        self.today = today
        self.times = TimeCache()
        self.ciphers: dict[str, AesCipher] = {}
        self.symbols: dict[str, Symbol] = {}
        self.numbers: dict[str, int] = {}
        #: A data frame's events; a control frame gives ``[]``. Malformed input: ``ParseError``.
        self.decode: Callable[[str], list[Event]] = _hot_decoder(self)

    def set_cipher(self, tr_id: str, key: str, iv: str) -> None:
        self.ciphers[tr_id] = AesCipher(key, iv)

    def parse(self, text: str) -> DataFrame | ControlFrame:
        if text[:1] == "1":
            tr = text.split("|", 2)[1] if text.count("|", 0, 40) >= 2 else ""
            return parse_frame(text, self.ciphers.get(tr))
        return parse_frame(text)

    def events(self, frame: DataFrame) -> list[Event]:
        tr = frame.tr_id
        if tr in _TRADE_TRS:
            times = self.times
            return [trade_from_record(r, times) for r in frame.records]
        if tr == TR_ORDERBOOK:
            day = self.today()
            return [orderbook_from_record(r, day, self.times) for r in frame.records]
        if tr in NOTICE_TRS:
            if frame.encrypted and not frame.records:
                raise ParseError(f"{tr} frame is encrypted but no key/iv was received in its subscribe ack")
            day = self.today()
            return [notice_from_record(decode_notice(r), day, self.times) for r in frame.records]
        raise ParseError(f"data frame for unhandled TR {tr[:12]!r}")

    def _fast_trades(self, text: str) -> list[Event]:
        """Plaintext trade frames (the bulk of the traffic) without building a DataFrame."""
        parts = text.split("|", 3)
        cnt = parts[2] if len(parts) == 4 else ""
        if not (cnt.isdigit() and cnt.isascii() and len(cnt) <= 9) or int(cnt) == 0:
            return self.events(self._frame(text))
        items = parts[3].split("^")
        count = int(cnt)
        n = len(items)
        width, rem = divmod(n, count)
        if rem or width < _TRADE_WIDTH:
            return self.events(self._frame(text))  # parse_frame raises the precise ParseError
        at = self.times.at
        agg = _AGGRESSOR.get
        try:
            return [
                Trade(
                    Symbol(items[o + _SYM]),
                    at(items[o + _DATE], items[o + _HOUR]),
                    int(items[o + _PRICE]),
                    int(items[o + _VOL]),
                    agg(items[o + _DVSN]),
                    int(items[o + _CUM]),
                )
                for o in range(0, n, width)
            ]
        except ValueError:
            raise ParseError(f"{parts[1]} record has a non-numeric price/volume") from None

    def _frame(self, text: str) -> DataFrame:
        frame = self.parse(text)
        if isinstance(frame, ControlFrame):
            raise ParseError(f"expected a data frame, got control {frame.tr_id!r}")
        return frame

    def intern_symbol(self, first: str) -> Symbol:
        """The symbol of item 0 of a single-trade frame (``0|H0STCNT0|001|005930``), shared."""
        symbols = self.symbols
        if len(symbols) >= _MAX_SYMBOLS:
            symbols.clear()
        symbol = symbols[first] = Symbol(first[_SINGLE_LEN:])
        return symbol

    def intern_number(self, raw: str) -> int:
        """``int(raw)``, cached: prices and trade sizes repeat (``ValueError`` if not a number)."""
        value = int(raw)
        numbers = self.numbers
        if len(numbers) >= _MAX_NUMBERS:
            numbers.clear()
        numbers[raw] = value
        return value

    def decode_frame(self, text: str) -> list[Event]:
        """``decode`` for any frame, through ``parse_frame`` (the general path)."""
        if text.startswith(_TRADE_PREFIXES):
            return self._fast_trades(text)
        frame = self.parse(text)
        if isinstance(frame, ControlFrame):
            return []
        return self.events(frame)


def _hot_decoder(dec: FrameDecoder) -> Callable[[str], list[Event]]:
    """``FrameDecoder.decode``: a closure over the decoder's caches (no attribute lookups on the
    hot path; a bound method and ``self.x.get`` cost ~10% of a frame here).

    ``0|H0STCNT0|001|...`` frames (the bulk of the traffic): split the whole frame only up to the
    last field read (item 0 is the prefix + symbol, interned per raw item) and count the ``^``
    left in the tail; the time comes from the per-second cache, price and size from the number
    cache. Anything else goes to ``decode_frame``."""
    symbol_of = dec.symbols.get
    number = dec.numbers.get
    times = dec.times
    aggressor = _AGGRESSOR.get
    new_symbol = dec.intern_symbol
    new_number = dec.intern_number
    other = dec.decode_frame

    def decode(text: str) -> list[Event]:
        if not text.startswith(_SINGLE_TRADE):
            return other(text)
        items = text.split("^", _SPLIT)
        if len(items) <= _SPLIT or items[_SPLIT].count("^") < _REST_SEPS:
            raise ParseError(
                f"H0STCNT0 record has {text.count('^') + 1} fields, expected at least {_TRADE_WIDTH}"
            )
        ymd = items[_DATE]
        if ymd == times.ymd:
            ts = times.day_cache.get(items[_HOUR]) or times.make(ymd, items[_HOUR])
        else:
            ts = times.at(ymd, items[_HOUR])
        try:
            return [
                Trade(
                    symbol_of(items[0]) or new_symbol(items[0]),
                    ts,
                    number(items[_PRICE]) or new_number(items[_PRICE]),
                    number(items[_VOL]) or new_number(items[_VOL]),
                    aggressor(items[_DVSN]),
                    int(items[_CUM]),
                )
            ]
        except ValueError:
            raise ParseError(
                f"H0STCNT0 record has a non-numeric price/volume: {items[_PRICE][:20]!r}"
            ) from None

    return decode
