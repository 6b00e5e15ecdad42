"""Real-time records -> typed events (domain Trade / OrderBook, client ExecutionNotice).

``FrameDecoder.decode(text)`` is the hot path: ``kis.protocol.realtime.parse_frame`` cuts the
frame, then each record becomes an event. Trades are built straight from the record by the
protocol layout's field positions (no intermediate struct) and timestamps are cached per
(date, HHMMSS) because prints share seconds. Any malformed input raises ``ParseError``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
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
_REST_SEPS: Final = _TRADE_WIDTH - _LAST_READ - 2  # '^' left in the unsplit tail of a full record
_SINGLE_TRADE: Final = f"0|{TR_TRADE}|001|"
_SINGLE_LEN: Final = len(_SINGLE_TRADE)
_TRADE_PREFIXES: Final = tuple(f"0|{tr}|" for tr in (TR_TRADE, TR_TRADE_NXT, TR_TRADE_UNIFIED))
_new = object.__new__
_set = object.__setattr__
_FAST_TRADE: Final = tuple(f.name for f in fields(Trade)) == (
    "symbol",
    "ts",
    "price",
    "qty",
    "aggressor",
    "cum_volume",
)


def _trade(  # noqa: PLR0917 (positional on the hot path)
    symbol: str, ts: datetime, price: int, qty: int, aggressor: Side | None, cum: int
) -> Trade:
    """``Trade(...)`` without the frozen-dataclass ``__init__`` overhead (same instance, 2x faster).
    Used only while Trade has exactly these fields (checked at import)."""
    if not _FAST_TRADE:
        return Trade(Symbol(symbol), ts, price, qty, aggressor, cum)
    t = _new(Trade)
    _set(t, "symbol", symbol)
    _set(t, "ts", ts)
    _set(t, "price", price)
    _set(t, "qty", qty)
    _set(t, "aggressor", aggressor)
    _set(t, "cum_volume", cum)
    return t


class TimeCache:
    """``(YYYYMMDD, HHMMSS) -> datetime`` with a small bounded cache."""

    __slots__ = ("_day", "_ymd", "cache")

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], datetime] = {}
        self._day: date | None = None
        self._ymd = ""

    def at(self, ymd: str, hms: str) -> datetime:
        key = (ymd, hms)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
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
        except (ValueError, IndexError):
            raise ParseError(f"bad real-time date/time {ymd[:10]!r} {hms[:8]!r}") from None
        if len(self.cache) > 4096:
            self.cache.clear()
        self.cache[key] = ts
        return ts

    def on(self, day: date, hms: str) -> datetime:
        if day != self._day:
            self._day, self._ymd = day, f"{day.year:04d}{day.month:02d}{day.day:02d}"
        return self.at(self._ymd, hms)


def trade_from_record(rec: Sequence[str], times: TimeCache) -> Trade:
    if len(rec) < _TRADE_WIDTH:
        raise ParseError(f"H0STCNT0 record has {len(rec)} fields, expected at least {_TRADE_WIDTH}")
    try:
        return _trade(
            rec[_SYM],
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
_FAST_BOOK: Final = tuple(f.name for f in fields(OrderBook)) == ("symbol", "ts", "asks", "bids")
_FAST_LEVEL: Final = tuple(f.name for f in fields(BookLevel)) == ("price", "qty")


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
        if _FAST_LEVEL:
            level = _new(BookLevel)
            _set(level, "price", int(price))
            _set(level, "qty", int(qty))
        else:
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
    if not _FAST_BOOK:
        return OrderBook(symbol=Symbol(rec[_B_SYM]), ts=ts, asks=asks, bids=bids)
    book = _new(OrderBook)
    _set(book, "symbol", rec[_B_SYM])
    _set(book, "ts", ts)
    _set(book, "asks", asks)
    _set(book, "bids", bids)
    return book


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
        if len(parts) != 4 or not (parts[2].isdigit() and parts[2].isascii()) or int(parts[2]) == 0:
            return self.events(self._frame(text))
        items = parts[3].split("^")
        count = int(parts[2])
        n = len(items)
        width, rem = divmod(n, count)
        if rem or width < _TRADE_WIDTH:
            return self.events(self._frame(text))  # parse_frame raises the precise ParseError
        at = self.times.at
        agg = _AGGRESSOR.get
        try:
            if count == 1:
                return [
                    _trade(
                        items[_SYM],
                        at(items[_DATE], items[_HOUR]),
                        int(items[_PRICE]),
                        int(items[_VOL]),
                        agg(items[_DVSN]),
                        int(items[_CUM]),
                    )
                ]
            return [
                _trade(
                    items[o + _SYM],
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

    def _single_trade(self, payload: str) -> list[Event]:
        """``0|H0STCNT0|001|...``: split only up to the last field read; count the rest."""
        items = payload.split("^", _LAST_READ + 1)
        if len(items) <= _LAST_READ + 1 or items[-1].count("^") < _REST_SEPS:
            raise ParseError(
                f"H0STCNT0 record has {payload.count('^') + 1} fields, expected at least {_TRADE_WIDTH}"
            )
        key = (items[_DATE], items[_HOUR])
        ts = self.times.cache.get(key) or self.times.at(*key)
        try:
            return [
                _trade(
                    items[_SYM],
                    ts,
                    int(items[_PRICE]),
                    int(items[_VOL]),
                    _AGGRESSOR.get(items[_DVSN]),
                    int(items[_CUM]),
                )
            ]
        except ValueError:
            raise ParseError("H0STCNT0 record has a non-numeric price/volume") from None

    def decode(self, text: str) -> list[Event]:
        """A data frame's events; a control frame gives ``[]``. Malformed input: ``ParseError``."""
        if text.startswith(_SINGLE_TRADE):
            return self._single_trade(text[_SINGLE_LEN:])
        if text.startswith(_TRADE_PREFIXES):
            return self._fast_trades(text)
        frame = self.parse(text)
        if isinstance(frame, ControlFrame):
            return []
        return self.events(frame)
