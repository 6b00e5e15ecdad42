"""KIS REST JSON -> domain/client types. The ONE place that knows KIS REST output field names.

Every function takes the decoded ``output``/``output1``/``output2`` block(s) of one TR and returns
typed values; a missing or malformed required field raises ``ParseError`` naming the TR and field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from kistrade.domain.errors import ParseError
from kistrade.domain.types import KST, Bar, BookLevel, OrderBook, OrderType, Side, Symbol
from kistrade.kis.client.models import (
    Balance,
    Buyable,
    DailyOrder,
    Holding,
    HolidayInfo,
    OpenOrder,
    OrderAck,
    Quote,
)
from kistrade.kis.protocol.rest_fields import read_field

Row = Mapping[str, Any]

_MARKET_ORDER_CODES = frozenset({"01", "13", "14"})


# ---- scalar helpers -------------------------------------------------------------------------
def _text(row: Row, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def _first(row: Row, *keys: str) -> str:
    for key in keys:
        if key in row and row[key] is not None:
            return str(row[key]).strip()
    return ""


#: Largest magnitude (decimal digits before the point) a numeric field may have: far above any
#: won amount or share count, small enough that ``int(Decimal("1e999999"))`` is never attempted.
_MAX_DIGITS = 24


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _decimal(text: str, what: str) -> Decimal:
    """A finite decimal of at most ``_MAX_DIGITS`` integer digits (``,`` grouping allowed)."""
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ParseError(f"{what} is not a number: {_shown(text)}") from None
    if not value.is_finite() or (value and value.adjusted() >= _MAX_DIGITS):
        raise ParseError(f"{what} is not a finite number of at most {_MAX_DIGITS} digits: {_shown(text)}")
    return value


def _num(text: str, what: str) -> int:
    if not text:
        return 0
    if len(text) <= _MAX_DIGITS:
        try:
            return int(text)
        except ValueError:
            pass
    return int(_decimal(text, what))


def _int(row: Row, key: str, tr: str) -> int:
    return _num(_text(row, key), f"{tr}.{key}")


def _req_int(row: Row, key: str, tr: str) -> int:
    if key not in row:
        raise ParseError(f"{tr}: field {key!r} is missing")
    return _int(row, key, tr)


def _dec(row: Row, key: str, tr: str) -> Decimal:
    text = _text(row, key)
    if not text:
        return Decimal(0)
    return _decimal(text, f"{tr}.{key}")


def _digits(text: str, size: int) -> bool:
    return len(text) == size and text.isascii() and text.isdigit()


def _day(text: str, what: str) -> date:
    if not _digits(text, 8):
        raise ParseError(f"{what} is not a YYYYMMDD date: {_shown(text)}")
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise ParseError(f"{what} is not a calendar date: {text!r}") from None


def _hms(text: str, what: str) -> time:
    padded = text.zfill(6)  # "93000" -> "093000"
    if not _digits(padded, 6):
        raise ParseError(f"{what} is not an HHMMSS time: {_shown(text)}")
    try:
        return time(int(padded[0:2]), int(padded[2:4]), int(padded[4:6]))
    except ValueError:
        raise ParseError(f"{what} is not an HHMMSS time: {text!r}") from None


def at(day: date, hhmmss: str, what: str = "time") -> datetime:
    """``day`` + ``HHMMSS`` as a KST datetime."""
    return datetime.combine(day, _hms(hhmmss, what), KST)


def side_of(code: str, what: str = "sll_buy_dvsn_cd") -> Side:
    if code == "01":
        return Side.SELL
    if code == "02":
        return Side.BUY
    raise ParseError(f"{what} is {code!r}, expected '01' (sell) or '02' (buy)")


def order_type_of(code: str) -> OrderType:
    return OrderType.MARKET if code in _MARKET_ORDER_CODES else OrderType.LIMIT


def rows(block: object) -> list[Row]:
    """An output block as a list of non-empty rows (KIS pads arrays with ``{}``; objects -> [obj])."""
    if isinstance(block, Mapping):
        return [block] if block else []
    if isinstance(block, list):
        return [r for r in block if isinstance(r, Mapping) and any(str(v).strip() for v in r.values())]
    return []


def one(block: object, tr: str, name: str) -> Row:
    found = rows(block)
    if not found:
        raise ParseError(f"{tr}: {name} block is missing or empty")
    return found[0]


# ---- quotations -----------------------------------------------------------------------------
def quote_from(symbol: Symbol, output: object) -> Quote:
    tr = "inquire-price"
    row = one(output, tr, "output")
    price = _req_int(row, "stck_prpr", tr)
    return Quote(
        symbol=symbol,
        price=price,
        open=_int(row, "stck_oprc", tr),
        high=_int(row, "stck_hgpr", tr),
        low=_int(row, "stck_lwpr", tr),
        base=_int(row, "stck_sdpr", tr),
        upper_limit=_int(row, "stck_mxpr", tr),
        lower_limit=_int(row, "stck_llam", tr),
        volume=_int(row, "acml_vol", tr),
        turnover=_int(row, "acml_tr_pbmn", tr),
        tick=_int(row, "aspr_unit", tr),
        change=_int(row, "prdy_vrss", tr),
        change_rate=_dec(row, "prdy_ctrt", tr),
        found=price != 0,
    )


def orderbook_from(symbol: Symbol, output1: object, day: date) -> OrderBook:
    tr = "inquire-asking-price-exp-ccn"
    row = one(output1, tr, "output1")
    ts = at(day, _text(row, "aspr_acpt_hour") or "000000", f"{tr}.aspr_acpt_hour")
    asks = tuple(BookLevel(_int(row, f"askp{i}", tr), _int(row, f"askp_rsqn{i}", tr)) for i in range(1, 11))
    bids = tuple(BookLevel(_int(row, f"bidp{i}", tr), _int(row, f"bidp_rsqn{i}", tr)) for i in range(1, 11))
    return OrderBook(symbol=symbol, ts=ts, asks=asks, bids=bids)


def daily_bars_from(symbol: Symbol, output2: object) -> list[Bar]:
    """Daily bars, oldest first (KIS sends newest first)."""
    tr = "inquire-daily-itemchartprice"
    bars = [
        Bar(
            symbol=symbol,
            start=datetime.combine(_day(_text(r, "stck_bsop_date"), f"{tr}.stck_bsop_date"), time(), KST),
            open=_int(r, "stck_oprc", tr),
            high=_int(r, "stck_hgpr", tr),
            low=_int(r, "stck_lwpr", tr),
            close=_req_int(r, "stck_clpr", tr),
            volume=_int(r, "acml_vol", tr),
        )
        for r in rows(output2)
        if _text(r, "stck_bsop_date")
    ]
    bars.sort(key=lambda b: b.start)
    return bars


def minute_bars_from(symbol: Symbol, output2: object) -> list[Bar]:
    """One-minute bars labelled by their start minute, oldest first."""
    tr = "inquire-time-itemchartprice"
    bars = [
        Bar(
            symbol=symbol,
            start=at(
                _day(_text(r, "stck_bsop_date"), f"{tr}.stck_bsop_date"),
                _text(r, "stck_cntg_hour"),
                f"{tr}.stck_cntg_hour",
            ),
            open=_int(r, "stck_oprc", tr),
            high=_int(r, "stck_hgpr", tr),
            low=_int(r, "stck_lwpr", tr),
            close=_req_int(r, "stck_prpr", tr),
            volume=_int(r, "cntg_vol", tr),
        )
        for r in rows(output2)
        if _text(r, "stck_bsop_date") and _text(r, "stck_cntg_hour")
    ]
    bars.sort(key=lambda b: b.start)
    return bars


# ---- orders ---------------------------------------------------------------------------------
def order_ack_from(output: object, day: date, *, code: str = "", message: str = "") -> OrderAck:
    tr = "order"
    row = one(output, tr, "output")
    odno = _first(row, "ODNO", "odno")
    if not odno:
        raise ParseError(f"{tr}: field 'ODNO' is missing from the order answer")
    return OrderAck(
        broker_order_id=odno,
        org_no=_first(row, "KRX_FWDG_ORD_ORGNO", "krx_fwdg_ord_orgno"),
        ts=at(day, _first(row, "ORD_TMD", "ord_tmd") or "000000", f"{tr}.ORD_TMD"),
        code=code,
        message=message.strip(),
    )


def open_orders_from_psbl(output: object, day: date) -> list[OpenOrder]:
    tr = "inquire-psbl-rvsecncl"
    out: list[OpenOrder] = []
    for r in rows(output):
        remaining = _int(r, "psbl_qty", tr)
        if remaining <= 0:
            continue
        tmd = _text(r, "ord_tmd")
        out.append(
            OpenOrder(
                broker_order_id=_text(r, "odno"),
                org_no=_text(r, "ord_gno_brno"),
                original_order_id=_text(r, "orgn_odno"),
                symbol=Symbol(_text(r, "pdno")),
                side=side_of(_text(r, "sll_buy_dvsn_cd"), f"{tr}.sll_buy_dvsn_cd"),
                order_type=order_type_of(_text(r, "ord_dvsn_cd")),
                qty=_int(r, "ord_qty", tr),
                price=_int(r, "ord_unpr", tr),
                filled_qty=_int(r, "tot_ccld_qty", tr),
                remaining_qty=remaining,
                ts=at(day, tmd, f"{tr}.ord_tmd") if tmd else None,
            )
        )
    return out


def daily_orders_from(output1: object) -> list[DailyOrder]:
    tr = "inquire-daily-ccld"
    out: list[DailyOrder] = []
    for r in rows(output1):
        day = _day(_text(r, "ord_dt"), f"{tr}.ord_dt")
        tmd = _text(r, "ord_tmd")
        cancel_text = str(read_field(r, "cnc_cfrm_qty")).strip()  # both spellings are live (§4.11)
        out.append(
            DailyOrder(
                day=day,
                broker_order_id=_text(r, "odno"),
                org_no=_text(r, "ord_gno_brno"),
                original_order_id=_text(r, "orgn_odno"),
                symbol=Symbol(_text(r, "pdno")),
                name=_text(r, "prdt_name"),
                side=side_of(_text(r, "sll_buy_dvsn_cd"), f"{tr}.sll_buy_dvsn_cd"),
                order_type=order_type_of(_text(r, "ord_dvsn_cd")),
                qty=_int(r, "ord_qty", tr),
                price=_int(r, "ord_unpr", tr),
                ts=at(day, tmd, f"{tr}.ord_tmd") if tmd else None,
                filled_qty=_int(r, "tot_ccld_qty", tr),
                avg_fill_price=_dec(r, "avg_prvs", tr),
                filled_amount=_int(r, "tot_ccld_amt", tr),
                cancelled=_text(r, "cncl_yn").upper() == "Y",
                cancel_confirmed_qty=_num(cancel_text, f"{tr}.cnc_cfrm_qty"),
                remaining_qty=_int(r, "rmn_qty", tr),
                rejected_qty=_int(r, "rjct_qty", tr),
            )
        )
    return out


def open_orders_from_daily(orders: Iterable[DailyOrder]) -> list[OpenOrder]:
    """Paper has no inquire-psbl-rvsecncl: open orders are the daily rows with a remaining qty."""
    return [
        OpenOrder(
            broker_order_id=o.broker_order_id,
            org_no=o.org_no,
            original_order_id=o.original_order_id,
            symbol=o.symbol,
            side=o.side,
            order_type=o.order_type,
            qty=o.qty,
            price=o.price,
            filled_qty=o.filled_qty,
            remaining_qty=o.remaining_qty,
            ts=o.ts,
        )
        for o in orders
        if o.remaining_qty > 0 and not o.cancelled
    ]


# ---- account --------------------------------------------------------------------------------
def holdings_from(output1: object) -> list[Holding]:
    tr = "inquire-balance"
    return [
        Holding(
            symbol=Symbol(_text(r, "pdno")),
            name=_text(r, "prdt_name"),
            qty=_req_int(r, "hldg_qty", tr),
            sellable_qty=_int(r, "ord_psbl_qty", tr),
            avg_price=_dec(r, "pchs_avg_pric", tr),
            purchase_amount=_int(r, "pchs_amt", tr),
            price=_int(r, "prpr", tr),
            eval_amount=_int(r, "evlu_amt", tr),
            pnl=_int(r, "evlu_pfls_amt", tr),
        )
        for r in rows(output1)
        if _text(r, "pdno")
    ]


def balance_from(holdings: list[Holding], output2: object) -> Balance:
    tr = "inquire-balance"
    s = one(output2, tr, "output2")
    return Balance(
        cash_d0=_req_int(s, "dnca_tot_amt", tr),
        cash_d1=_int(s, "nxdy_excc_amt", tr),
        cash_d2=_int(s, "prvs_rcdl_excc_amt", tr),
        holdings=tuple(h for h in holdings if h.qty > 0),
        securities_value=_int(s, "scts_evlu_amt", tr),
        total_value=_int(s, "tot_evlu_amt", tr),
        net_assets=_int(s, "nass_amt", tr),
        purchase_total=_int(s, "pchs_amt_smtl_amt", tr),
        pnl_total=_int(s, "evlu_pfls_smtl_amt", tr),
        fees_today=_int(s, "thdt_tlex_amt", tr),
    )


def buyable_from(output: object) -> Buyable:
    tr = "inquire-psbl-order"
    r = one(output, tr, "output")
    return Buyable(
        cash=_req_int(r, "ord_psbl_cash", tr),
        amount=_int(r, "nrcvb_buy_amt", tr),
        qty=_int(r, "nrcvb_buy_qty", tr),
        max_amount=_int(r, "max_buy_amt", tr),
        max_qty=_int(r, "max_buy_qty", tr),
        price_used=_int(r, "psbl_qty_calc_unpr", tr),
    )


def holidays_from(output: object) -> list[HolidayInfo]:
    tr = "chk-holiday"
    return [
        HolidayInfo(
            day=_day(_text(r, "bass_dt"), f"{tr}.bass_dt"),
            business_day=_text(r, "bzdy_yn") == "Y",
            trading_day=_text(r, "tr_day_yn") == "Y",
            open_day=_text(r, "opnd_yn") == "Y",
            settlement_day=_text(r, "sttl_day_yn") == "Y",
        )
        for r in rows(output)
        if _text(r, "bass_dt")
    ]
