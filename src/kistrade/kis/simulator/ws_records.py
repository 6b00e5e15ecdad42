"""Market events -> real-time records (H0STCNT0 46 fields, H0STASP0 59, H0STCNI0/9 26 or 23).

Field layouts and encoders come from kis/protocol; this module only computes the values
(shared/kis-protocol.md §7, §11.11): signs 1-5, HHMMSS times, YYYYMMDD business date,
NEW_MKOP_CLS_CODE starting with 1-4, no empty value where one is documented.
"""

from __future__ import annotations

from datetime import datetime

from kistrade.domain.sessions import Phase
from kistrade.domain.types import KST, OrderType, Side
from kistrade.kis.protocol.realtime_records import (
    NoticeRecord,
    OrderbookRecord,
    TradeRecord,
    encode_notice,
    encode_orderbook,
    encode_trade,
)
from kistrade.kis.simulator.market_types import BookUpdate, NoticeKind, OrderNotice, TradePrint

SIGN_UPPER, SIGN_UP, SIGN_FLAT, SIGN_LOWER, SIGN_DOWN = "1", "2", "3", "4", "5"


def _kst(ts: datetime) -> datetime:
    return ts if ts.tzinfo is KST else ts.astimezone(KST)


def hhmmss(ts: datetime | None) -> str:
    if ts is None:
        return "000000"
    t = _kst(ts)
    return f"{t.hour:02d}{t.minute:02d}{t.second:02d}"


def yyyymmdd(ts: datetime) -> str:
    t = _kst(ts)
    return f"{t.year:04d}{t.month:02d}{t.day:02d}"


def sign(diff: int) -> str:
    return SIGN_UP if diff > 0 else SIGN_DOWN if diff < 0 else SIGN_FLAT


def change_sign(price: int, base: int, upper: int = 0, lower: int = 0) -> str:
    """PRDY_VRSS_SIGN: 1 at the upper limit, 4 at the lower limit, else 2 up / 3 flat / 5 down."""
    if upper and price >= upper:
        return SIGN_UPPER
    if lower and price <= lower:
        return SIGN_LOWER
    return sign(price - base)


def session_frac(ts: datetime) -> float:
    """Share of the regular session (09:00 + 22,800 s) elapsed at ``ts``."""
    t = _kst(ts)
    return ((t.hour - 9) * 3600 + t.minute * 60 + t.second) / 22_800.0


def pct(num: float, den: float) -> str:
    return f"{(num / den * 100.0) if den else 0.0:.2f}"


def hour_class(phase: Phase) -> str:
    """HOUR_CLS_CODE: 0 regular, B pre-open expected prices, A after-close expected prices."""
    if phase is Phase.PRE_OPEN_AUCTION:
        return "B"
    if phase is Phase.CLOSING_AUCTION:
        return "A"
    return "0"


def market_op_code(closing_print: bool) -> str:
    """NEW_MKOP_CLS_CODE of a print: "20" in the regular session (the opening uncross included),
    "21" for the closing-auction price (2nd digit 1 = 종가)."""
    return "21" if closing_print else "20"


def trade_record(
    p: TradePrint, limits: tuple[int, int], listed_shares: int, session_frac: float
) -> tuple[str, ...]:
    """The 46-field H0STCNT0 record of one print. ``limits`` = (upper, lower); ``session_frac``
    = share of the regular session elapsed (for the previous-day same-time volume estimate)."""
    d = p.day
    upper, lower = limits
    t = hhmmss(p.ts)
    closing = p.aggressor is None and p.phase is Phase.CLOSING_AUCTION
    side = "1" if p.aggressor is Side.BUY else "5" if p.aggressor is Side.SELL else "3"
    rec = TradeRecord(
        symbol=p.symbol,
        time=t,
        price=p.price,
        sign=change_sign(p.price, p.base, upper, lower),
        change=p.price - p.base,
        open=d.open,
        high=d.high,
        low=d.low,
        ask1=p.best_ask,
        bid1=p.best_bid,
        volume=p.qty,
        cum_volume=d.cum_volume,
        cum_value=d.cum_value,
        side=side,
        business_date=yyyymmdd(p.ts),
        market_op_code=market_op_code(closing),
        hour_class="0",
    )
    prev_same_time = int(p.prev_volume * min(1.0, max(0.0, session_frac)))
    extra = {
        "PRDY_CTRT": pct(p.price - p.base, p.base),
        "WGHN_AVRG_STCK_PRC": f"{d.cum_value / d.cum_volume if d.cum_volume else p.price:.2f}",
        "SELN_CNTG_CSNU": str(d.sell_count),
        "SHNU_CNTG_CSNU": str(d.buy_count),
        "NTBY_CNTG_CSNU": str(d.buy_count - d.sell_count),
        "CTTR": pct(d.buy_volume, d.sell_volume) if d.sell_volume else "0.00",
        "SELN_CNTG_SMTN": str(d.sell_volume),
        "SHNU_CNTG_SMTN": str(d.buy_volume),
        "SHNU_RATE": pct(d.buy_volume, d.cum_volume),
        "PRDY_VOL_VRSS_ACML_VOL_RATE": pct(d.cum_volume, p.prev_volume),
        "OPRC_HOUR": hhmmss(d.open_ts or p.ts),
        "OPRC_VRSS_PRPR_SIGN": sign(p.price - d.open),
        "HGPR_HOUR": hhmmss(d.high_ts or p.ts),
        "HGPR_VRSS_PRPR_SIGN": sign(p.price - d.high),
        "LWPR_HOUR": hhmmss(d.low_ts or p.ts),
        "LWPR_VRSS_PRPR_SIGN": sign(p.price - d.low),
        "ASKP_RSQN1": str(p.ask1_qty),
        "BIDP_RSQN1": str(p.bid1_qty),
        "TOTAL_ASKP_RSQN": str(p.total_ask_qty),
        "TOTAL_BIDP_RSQN": str(p.total_bid_qty),
        "VOL_TNRT": pct(d.cum_volume, listed_shares),
        "PRDY_SMNS_HOUR_ACML_VOL": str(prev_same_time),
        "PRDY_SMNS_HOUR_ACML_VOL_RATE": pct(d.cum_volume, prev_same_time),
        "VI_STND_PRC": str(d.open or p.base),
    }
    return encode_trade(rec, extra)


def book_record(b: BookUpdate) -> tuple[str, ...]:
    """The 59-field H0STASP0 record of a book state."""
    rec = OrderbookRecord(
        symbol=b.symbol,
        time=hhmmss(b.ts),
        hour_class=hour_class(b.phase),
        ask_prices=tuple(lv.price for lv in b.asks),
        bid_prices=tuple(lv.price for lv in b.bids),
        ask_qtys=tuple(lv.qty for lv in b.asks),
        bid_qtys=tuple(lv.qty for lv in b.bids),
        total_ask_qty=b.total_ask_qty,
        total_bid_qty=b.total_bid_qty,
        expected_price=b.expected_price,
        expected_qty=b.expected_qty,
        expected_volume=b.expected_qty,
        cum_volume=b.cum_volume,
    )
    extra: dict[str, str] = {"STCK_DEAL_CLS_CODE": "0"}
    if b.expected_price:
        diff = b.expected_price - b.base
        extra.update(
            ANTC_CNTG_VRSS=str(diff), ANTC_CNTG_VRSS_SIGN=sign(diff), ANTC_CNTG_PRDY_CTRT=pct(diff, b.base)
        )
    return encode_orderbook(rec, extra)


_ACPT = {
    NoticeKind.ACCEPTED: "1",
    NoticeKind.REJECTED: "1",
    NoticeKind.FILL: "2",
    NoticeKind.REVISED: "2",
    NoticeKind.CANCELLED: "2",
}
_RCTF = {NoticeKind.REVISED: "1", NoticeKind.CANCELLED: "2"}


def notice_record(n: OrderNotice, *, legacy: bool = False) -> tuple[str, ...]:
    """The H0STCNI0/H0STCNI9 record (26 fields; 23 with ``legacy``), plaintext."""
    fill = n.kind is NoticeKind.FILL
    acpt = _ACPT[n.kind]
    if n.kind is NoticeKind.CANCELLED and n.reason in ("expired", "market_remainder"):
        acpt = "3"  # IOC/FOK-like residual cancelled by the exchange
    rec = NoticeRecord(
        customer_id=n.hts_id,
        account=n.account_no,
        order_no=n.odno,
        original_order_no=n.orig_odno,
        side="01" if n.side is Side.SELL else "02",
        revise_cancel=_RCTF.get(n.kind, "0"),
        order_kind="01" if n.order_type is OrderType.MARKET else "00",
        condition="0",
        symbol=n.symbol,
        qty=n.fill_qty if fill else n.order_qty,
        price=n.fill_price if fill else n.order_price,
        time=hhmmss(n.ts),
        refused="1" if n.kind is NoticeKind.REJECTED else "0",
        cntg_yn="2" if fill else "1",
        acpt_yn=acpt,
        branch=n.org_no,
        order_qty=n.order_qty,
        account_name=n.account_name or n.hts_id,
        symbol_name=n.name,
        order_price=n.order_price,
    )
    return encode_notice(rec, legacy=legacy)
