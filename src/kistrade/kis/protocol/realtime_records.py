"""Typed real-time records: decoders from a raw ``^``-record and encoders back (§7).

Decoders take a record tuple as cut by ``realtime.parse_frame`` and convert the numeric fields
with ``int``; a bad or missing field raises ``ParseError`` naming the TR and the field. Records
wider than the documented layout are accepted (extra trailing fields are ignored). Encoders
produce the full documented layout as strings, for the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from kistrade.domain.errors import ParseError
from kistrade.kis.protocol.realtime_fields import (
    NOTICE_FIELDS,
    NOTICE_FIELDS_LEGACY,
    NOTICE_PAD,
    NOTICE_WIDTH,
    NOTICE_WIDTH_LEGACY,
    ORDERBOOK_FIELDS,
    ORDERBOOK_WIDTH,
    TRADE_FIELDS,
    TRADE_WIDTH,
)


class TradeRecord(msgspec.Struct, frozen=True, gc=False):
    """One H0STCNT0 print. ``side`` is CCLD_DVSN: ``1`` buy(+), ``5`` sell(-), ``3`` pre-market."""

    symbol: str
    time: str  # HHMMSS
    price: int
    sign: str  # PRDY_VRSS_SIGN 1..5
    change: int
    open: int
    high: int
    low: int
    ask1: int
    bid1: int
    volume: int  # CNTG_VOL, this trade
    cum_volume: int
    cum_value: int
    side: str
    business_date: str  # YYYYMMDD
    market_op_code: str  # NEW_MKOP_CLS_CODE, e.g. "20"
    hour_class: str  # HOUR_CLS_CODE 0/A/B/C/D


class OrderbookRecord(msgspec.Struct, frozen=True, gc=False):
    """One H0STASP0 snapshot; level 0 is the best price on each side."""

    symbol: str
    time: str  # BSOP_HOUR HHMMSS
    hour_class: str
    ask_prices: tuple[int, ...]
    bid_prices: tuple[int, ...]
    ask_qtys: tuple[int, ...]
    bid_qtys: tuple[int, ...]
    total_ask_qty: int
    total_bid_qty: int
    expected_price: int  # ANTC_CNPR
    expected_qty: int  # ANTC_CNQN
    expected_volume: int  # ANTC_VOL
    cum_volume: int


class NoticeRecord(msgspec.Struct, frozen=True):
    """One H0STCNI0/H0STCNI9 execution notice (26-field layout, or the 23-field legacy one)."""

    customer_id: str
    account: str  # CANO(8) + ACNT_PRDT_CD(2)
    order_no: str
    original_order_no: str
    side: str  # SELN_BYOV_CLS: 01 sell, 02 buy
    revise_cancel: str  # RCTF_CLS: 0 normal, 1 revise, 2 cancel
    order_kind: str  # ORD_DVSN code
    condition: str  # 0 none, 1 IOC, 2 FOK
    symbol: str
    qty: int  # fill qty on fills, order qty on order notices
    price: int  # fill price on fills, order price on order notices
    time: str  # HHMMSS
    refused: str  # RFUS_YN: 0 accepted, 1 refused
    cntg_yn: str  # 1 order/revise/cancel/reject notice, 2 fill
    acpt_yn: str  # 1 accepted, 2 confirmed, 3 cancelled (IOC/FOK residual)
    branch: str  # BRNC_NO = KRX_FWDG_ORD_ORGNO
    order_qty: int | None  # ODER_QTY (may be empty)
    account_name: str
    symbol_name: str
    order_price: int | None  # ODER_PRC (may be empty)
    credit_class: str = ""
    credit_loan_date: str = ""
    exchange: str = "1"  # ORD_EXG_GB (26-field layout only): 1 KRX, 2 NXT, 3 SOR-KRX, 4 SOR-NXT
    cond_price: str = ""  # ORD_COND_PRC (26-field layout only)
    popup: str = "N"  # POPUP_YN (26-field layout only)
    legacy: bool = False  # parsed from the 23-field layout

    @property
    def is_fill(self) -> bool:
        return self.cntg_yn == "2"

    @property
    def is_refused(self) -> bool:
        return self.refused == "1"


def _bad_field(tr: str, layout: tuple[str, ...], rec: Sequence[str], numeric: Sequence[int]) -> ParseError:
    """Find and name the field that made a fast decode fail."""
    if len(rec) < len(layout):
        return ParseError(f"{tr} record has {len(rec)} fields, expected at least {len(layout)}")
    for i in numeric:
        try:
            int(rec[i])
        except ValueError:
            return ParseError(f"{tr} field {layout[i]} (#{i}) is not an integer: {rec[i][:40]!r}")
    return ParseError(f"{tr} record could not be decoded")


_TRADE_INTS: Final = (2, 4, 7, 8, 9, 10, 11, 12, 13, 14)


def decode_trade(rec: Sequence[str]) -> TradeRecord:
    try:
        return TradeRecord(
            rec[0],
            rec[1],
            int(rec[2]),
            rec[3],
            int(rec[4]),
            int(rec[7]),
            int(rec[8]),
            int(rec[9]),
            int(rec[10]),
            int(rec[11]),
            int(rec[12]),
            int(rec[13]),
            int(rec[14]),
            rec[21],
            rec[33],
            rec[34],
            rec[43],
        )
    except (ValueError, IndexError):
        raise _bad_field("H0STCNT0", TRADE_FIELDS, rec, _TRADE_INTS) from None


_BOOK_INTS: Final = (*range(3, 45), 47, 48, 49, 53)


def decode_orderbook(rec: Sequence[str]) -> OrderbookRecord:
    try:
        nums = tuple(map(int, rec[3:45]))  # 10 ask prices, 10 bid prices, 10+10 qtys, 2 totals
        return OrderbookRecord(
            rec[0],
            rec[1],
            rec[2],
            nums[0:10],
            nums[10:20],
            nums[20:30],
            nums[30:40],
            nums[40],
            nums[41],
            int(rec[47]),
            int(rec[48]),
            int(rec[49]),
            int(rec[53]),
        )
    except (ValueError, IndexError):
        raise _bad_field("H0STASP0", ORDERBOOK_FIELDS, rec, _BOOK_INTS) from None


def _opt_int(value: str, name: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ParseError(f"H0STCNI0 field {name} is not an integer: {value[:40]!r}") from None


def decode_notice(rec: Sequence[str]) -> NoticeRecord:
    """Map the first 18 fields by index and CNTG_ISNM40/ODER_PRC (and credit fields) from the end."""
    n = len(rec)
    if n < NOTICE_WIDTH_LEGACY:
        raise ParseError(
            f"H0STCNI0 record has {n} fields, expected {NOTICE_WIDTH} (or {NOTICE_WIDTH_LEGACY} legacy)"
        )
    legacy = n < NOTICE_WIDTH
    try:
        qty = int(rec[9])
    except ValueError:
        raise ParseError(f"H0STCNI0 field CNTG_QTY is not an integer: {rec[9][:40]!r}") from None
    try:
        price = int(rec[10])
    except ValueError:
        raise ParseError(f"H0STCNI0 field CNTG_UNPR is not an integer: {rec[10][:40]!r}") from None
    return NoticeRecord(
        customer_id=rec[0],
        account=rec[1],
        order_no=rec[2],
        original_order_no=rec[3],
        side=rec[4],
        revise_cancel=rec[5],
        order_kind=rec[6],
        condition=rec[7],
        symbol=rec[8],
        qty=qty,
        price=price,
        time=rec[11],
        refused=rec[12],
        cntg_yn=rec[13],
        acpt_yn=rec[14],
        branch=rec[15],
        order_qty=_opt_int(rec[16], "ODER_QTY"),
        account_name=rec[17],
        symbol_name=rec[n - 2],
        order_price=_opt_int(rec[n - 1], "ODER_PRC"),
        credit_class=rec[n - 4],
        credit_loan_date=rec[n - 3],
        exchange="" if legacy else rec[19],
        cond_price="" if legacy else rec[18],
        popup="" if legacy else rec[20],
        legacy=legacy,
    )


def build_record(layout: tuple[str, ...], values: Mapping[str, str], default: str = "0") -> tuple[str, ...]:
    """A record in ``layout`` order from a name->value mapping; unknown names raise ``KeyError``."""
    unknown = set(values).difference(layout)
    if unknown:
        raise KeyError(f"fields not in this layout: {sorted(unknown)}")
    return tuple(values.get(name, default) for name in layout)


def encode_trade(t: TradeRecord, extra: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """All 46 H0STCNT0 fields. Fields a TradeRecord does not hold get plausible values (times = the
    trade time, signs "3", rates "0.00"); pass ``extra`` (by field name) to set any of them."""
    values: dict[str, str] = {
        "MKSC_SHRN_ISCD": t.symbol,
        "STCK_CNTG_HOUR": t.time,
        "STCK_PRPR": str(t.price),
        "PRDY_VRSS_SIGN": t.sign,
        "PRDY_VRSS": str(t.change),
        "PRDY_CTRT": "0.00",
        "WGHN_AVRG_STCK_PRC": f"{t.price}.00",
        "STCK_OPRC": str(t.open),
        "STCK_HGPR": str(t.high),
        "STCK_LWPR": str(t.low),
        "ASKP1": str(t.ask1),
        "BIDP1": str(t.bid1),
        "CNTG_VOL": str(t.volume),
        "ACML_VOL": str(t.cum_volume),
        "ACML_TR_PBMN": str(t.cum_value),
        "CTTR": "0.00",
        "CCLD_DVSN": t.side,
        "SHNU_RATE": "0.00",
        "PRDY_VOL_VRSS_ACML_VOL_RATE": "0.00",
        "OPRC_HOUR": t.time,
        "OPRC_VRSS_PRPR_SIGN": "3",
        "OPRC_VRSS_PRPR": str(t.price - t.open),
        "HGPR_HOUR": t.time,
        "HGPR_VRSS_PRPR_SIGN": "3",
        "HGPR_VRSS_PRPR": str(t.price - t.high),
        "LWPR_HOUR": t.time,
        "LWPR_VRSS_PRPR_SIGN": "3",
        "LWPR_VRSS_PRPR": str(t.price - t.low),
        "BSOP_DATE": t.business_date,
        "NEW_MKOP_CLS_CODE": t.market_op_code,
        "TRHT_YN": "N",
        "VOL_TNRT": "0.00",
        "PRDY_SMNS_HOUR_ACML_VOL_RATE": "0.00",
        "HOUR_CLS_CODE": t.hour_class,
        "MRKT_TRTM_CLS_CODE": "",
    }
    if extra:
        values.update(extra)
    rec = build_record(TRADE_FIELDS, values)
    assert len(rec) == TRADE_WIDTH
    return rec


def encode_orderbook(b: OrderbookRecord, extra: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """All 59 H0STASP0 fields; unused levels are "0" (pad the tuples to 10 levels)."""
    values: dict[str, str] = {"MKSC_SHRN_ISCD": b.symbol, "BSOP_HOUR": b.time, "HOUR_CLS_CODE": b.hour_class}
    for prefix, levels in (
        ("ASKP", b.ask_prices),
        ("BIDP", b.bid_prices),
        ("ASKP_RSQN", b.ask_qtys),
        ("BIDP_RSQN", b.bid_qtys),
    ):
        if len(levels) > 10:
            raise ValueError(f"orderbook {prefix} has {len(levels)} levels, at most 10")
        for i, v in enumerate(levels, start=1):
            values[f"{prefix}{i}"] = str(v)
    values.update(
        TOTAL_ASKP_RSQN=str(b.total_ask_qty),
        TOTAL_BIDP_RSQN=str(b.total_bid_qty),
        ANTC_CNPR=str(b.expected_price),
        ANTC_CNQN=str(b.expected_qty),
        ANTC_VOL=str(b.expected_volume),
        ANTC_CNTG_VRSS_SIGN="3",
        ANTC_CNTG_PRDY_CTRT="0.00",
        ACML_VOL=str(b.cum_volume),
    )
    if extra:
        values.update(extra)
    rec = build_record(ORDERBOOK_FIELDS, values)
    assert len(rec) == ORDERBOOK_WIDTH
    return rec


def _pad(value: int | None, name: str) -> str:
    if value is None:
        return ""
    width = NOTICE_PAD[name]
    text = f"{value:0{width}d}"
    if len(text) > width or value < 0:
        raise ValueError(f"notice field {name}={value} does not fit {width} digits")
    return text


def encode_notice(n: NoticeRecord, *, legacy: bool = False) -> tuple[str, ...]:
    """The notice record, zero-padded per §7.3 (26 fields, or the 23-field legacy layout)."""
    head = (
        n.customer_id,
        n.account,
        n.order_no.zfill(NOTICE_PAD["ODER_NO"]) if n.order_no else "",
        n.original_order_no,
        n.side,
        n.revise_cancel,
        n.order_kind,
        n.condition,
        n.symbol,
        _pad(n.qty, "CNTG_QTY"),
        _pad(n.price, "CNTG_UNPR"),
        n.time,
        n.refused,
        n.cntg_yn,
        n.acpt_yn,
        n.branch,
        _pad(n.order_qty, "ODER_QTY"),
        n.account_name,
    )
    tail_end = (n.symbol_name, _pad(n.order_price, "ODER_PRC"))
    rec: tuple[str, ...]
    if legacy:
        rec = (*head, n.symbol_name, n.credit_class, n.credit_loan_date, *tail_end)
        assert len(rec) == len(NOTICE_FIELDS_LEGACY)
    else:
        rec = (*head, n.cond_price, n.exchange, n.popup, "", n.credit_class, n.credit_loan_date, *tail_end)
        assert len(rec) == len(NOTICE_FIELDS)
    return rec
