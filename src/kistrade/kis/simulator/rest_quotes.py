"""Quotation TRs (shared/kis-protocol.md §4.2-§4.5, §4.12): current price, orderbook + expected
fill, daily/weekly/monthly/yearly chart (100 rows, newest first), today's minute chart (30 rows,
newest first, ending at FID_INPUT_HOUR_1), chk-holiday and search-info (상품기본조회; both real only).

Every documented field is sent, in documented order, from ``kis.protocol.rest_fields``; valued
fields never carry empty strings (§11.6).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from kistrade.domain.ticks import Rounding, round_to_tick, tick_size
from kistrade.domain.types import InstrumentKind, Market, Symbol
from kistrade.kis.protocol import rest_fields as rf
from kistrade.kis.protocol.codes import EMPTY_INQUIRY, error_body, message, pad_msg1, quote_body
from kistrade.kis.simulator.context import TrHandler, TrReply, TrRequest
from kistrade.kis.simulator.fmt import change_sign, dec, num, ratio, ymd
from kistrade.kis.simulator.market_types import MarketBar, Phase, QuoteSnapshot
from kistrade.kis.simulator.rest_charts import HANDLERS as CHART_HANDLERS
from kistrade.kis.simulator.rest_common import (
    PAR_VALUE,
    change_fields,
    mkop_code,
    resolve_symbol,
    shape,
    zeros,
)

Window = tuple[int, date, int, date]  # high, its day, low, its day
Windows = tuple[Window | None, Window | None, Window | None]  # 250 sessions, this year, 52 weeks


def _window(bars: list[MarketBar]) -> Window | None:
    if not bars:
        return None
    hi = max(bars, key=lambda b: b.high)
    lo = min(bars, key=lambda b: b.low)
    return hi.high, hi.day, lo.low, lo.day


def _history_windows(req: TrRequest, symbol: Symbol, today: date) -> Windows:
    """Extremes of the finished sessions (cached per symbol and day: history does not move)."""
    key = (symbol, today)
    cached: Windows | None = req.services.quote_cache.get(key)
    if cached is None:
        bars = [b for b in req.hub.daily_bars(symbol, today - timedelta(days=366), today) if b.day < today]
        cached = (
            _window(bars[-249:]),
            _window([b for b in bars if b.day.year == today.year]),
            _window([b for b in bars if b.day > today - timedelta(weeks=52)]),
        )
        req.services.quote_cache[key] = cached
    return cached


def _range_fields(
    window: Window | None, snap: QuoteSnapshot, high: tuple[str, str, str], low: tuple[str, str, str]
) -> dict[str, str]:
    """A window's extremes merged with today's running high/low."""
    today = snap.ts.date()
    hi, hi_day, lo, lo_day = window if window is not None else (0, today, 0, today)
    today_hi, today_lo = snap.high or snap.last, snap.low or snap.last
    if today_hi > hi:
        hi, hi_day = today_hi, today
    if not lo or today_lo < lo:
        lo, lo_day = today_lo, today
    h_price, h_date, h_rate = high
    l_price, l_date, l_rate = low
    return {
        h_price: num(hi),
        h_date: ymd(hi_day),
        h_rate: ratio(snap.last - hi, hi),
        l_price: num(lo),
        l_date: ymd(lo_day),
        l_rate: ratio(snap.last - lo, lo),
    }


def inquire_price(req: TrRequest) -> TrReply:
    symbol = resolve_symbol(req)
    if symbol is None:
        return TrReply(quote_body({"output": zeros(rf.INQUIRE_PRICE)}))
    hub = req.hub
    snap = hub.snapshot(symbol)
    info = hub.instruments[symbol]
    today = snap.ts.date()
    d250, dryy, w52 = _history_windows(req, symbol, today)
    listed = info.listed_shares
    cpfn = listed * PAR_VALUE // 100_000_000
    eps = max(snap.base // 12, 1)
    bps = max(snap.base * 4 // 5, 1)
    vwap = Decimal(snap.cum_value) / snap.cum_volume if snap.cum_volume else Decimal(snap.last)
    values: dict[str, str] = {
        "iscd_stat_cls_code": "55",
        "marg_rate": "20.00",
        "rprs_mrkt_kor_name": "KOSDAQ" if info.market is Market.KOSDAQ else "KOSPI",
        "new_hgpr_lwpr_cls_code": "",
        "bstp_kor_isnm": "일반",
        "temp_stop_yn": "N",
        "oprc_rang_cont_yn": "N",
        "clpr_rang_cont_yn": "N",
        "crdt_able_yn": "Y",
        "grmn_rate_cls_code": "40",
        "elw_pblc_yn": "N",
        **change_fields(snap),
        "acml_tr_pbmn": num(snap.cum_value),
        "acml_vol": num(snap.cum_volume),
        "prdy_vrss_vol_rate": ratio(snap.cum_volume, info.prev_volume),
        "stck_oprc": num(snap.open),
        "stck_hgpr": num(snap.high),
        "stck_lwpr": num(snap.low),
        "stck_mxpr": num(snap.upper),
        "stck_llam": num(snap.lower),
        "stck_sdpr": num(snap.base),
        "wghn_avrg_stck_prc": dec(vwap, 2),
        "hts_frgn_ehrt": "0.00",
        "frgn_ntby_qty": "0",
        "pgtr_ntby_qty": "0",
        "pvt_scnd_dmrs_prc": "0",
        "pvt_frst_dmrs_prc": "0",
        "pvt_pont_val": "0",
        "pvt_frst_dmsp_prc": "0",
        "pvt_scnd_dmsp_prc": "0",
        "dmrs_val": "0",
        "dmsp_val": "0",
        "cpfn": num(cpfn),
        "rstc_wdth_prc": num(snap.upper - snap.base),
        "stck_fcam": num(PAR_VALUE),
        "stck_sspr": num(round_to_tick(max(snap.base * 7 // 10, 1), Rounding.DOWN, info.kind)),
        "aspr_unit": num(tick_size(snap.last, info.kind)),
        "hts_deal_qty_unit_val": "1",
        "lstn_stcn": num(listed),
        "hts_avls": num(snap.last * listed // 100_000_000),
        "per": ratio(snap.last, eps, 2, 1),
        "pbr": ratio(snap.last, bps, 2, 1),
        "stac_month": "12",
        "vol_tnrt": ratio(snap.cum_volume, listed),
        "eps": dec(eps, 2),
        "bps": dec(bps, 2),
        **_range_fields(
            d250,
            snap,
            ("d250_hgpr", "d250_hgpr_date", "d250_hgpr_vrss_prpr_rate"),
            ("d250_lwpr", "d250_lwpr_date", "d250_lwpr_vrss_prpr_rate"),
        ),
        **_range_fields(
            dryy,
            snap,
            ("stck_dryy_hgpr", "dryy_hgpr_date", "dryy_hgpr_vrss_prpr_rate"),
            ("stck_dryy_lwpr", "dryy_lwpr_date", "dryy_lwpr_vrss_prpr_rate"),
        ),
        **_range_fields(
            w52,
            snap,
            ("w52_hgpr", "w52_hgpr_date", "w52_hgpr_vrss_prpr_ctrt"),
            ("w52_lwpr", "w52_lwpr_date", "w52_lwpr_vrss_prpr_ctrt"),
        ),
        "whol_loan_rmnd_rate": "0.00",
        "ssts_yn": "Y",
        "stck_shrn_iscd": symbol,
        "fcam_cnnm": f"{PAR_VALUE:,}",
        "cpfn_cnnm": f"{cpfn:,} 억",
        "apprch_rate": "0.00",
        "frgn_hldn_qty": "0",
        "vi_cls_code": "N",
        "ovtm_vi_cls_code": "N",
        "last_ssts_cntg_qty": "0",
        "invt_caful_yn": "N",
        "mrkt_warn_cls_code": "00",
        "short_over_yn": "N",
        "sltr_yn": "N",
        "mang_issu_cls_code": "N",
    }
    return TrReply(quote_body({"output": shape(rf.INQUIRE_PRICE, values)}))


def inquire_asking_price(req: TrRequest) -> TrReply:
    symbol = resolve_symbol(req)
    if symbol is None:
        zero = {"output1": zeros(rf.ASKING_PRICE_OUTPUT1), "output2": zeros(rf.ASKING_PRICE_OUTPUT2)}
        return TrReply(quote_body(zero))
    snap = req.hub.snapshot(symbol)
    book: dict[str, str] = {"aspr_acpt_hour": snap.ts.strftime("%H%M%S")}
    for i in range(10):
        book[f"askp{i + 1}"] = num(snap.asks[i].price)
        book[f"bidp{i + 1}"] = num(snap.bids[i].price)
        book[f"askp_rsqn{i + 1}"] = num(snap.asks[i].qty)
        book[f"bidp_rsqn{i + 1}"] = num(snap.bids[i].qty)
        book[f"askp_rsqn_icdc{i + 1}"] = "0"
        book[f"bidp_rsqn_icdc{i + 1}"] = "0"
    book.update(
        total_askp_rsqn=num(snap.total_ask_qty),
        total_bidp_rsqn=num(snap.total_bid_qty),
        total_askp_rsqn_icdc="0",
        total_bidp_rsqn_icdc="0",
        ovtm_total_askp_icdc="0",
        ovtm_total_bidp_icdc="0",
        ovtm_total_askp_rsqn="0",
        ovtm_total_bidp_rsqn="0",
        ntby_aspr_rsqn=num(snap.total_bid_qty - snap.total_ask_qty),
        new_mkop_cls_code=mkop_code(snap.phase),
    )
    expected = snap.expected_price
    exp_diff = expected - snap.base if expected else 0
    antc = {
        "antc_mkop_cls_code": "112" if snap.phase is Phase.PRE_OPEN_AUCTION else "311",
        "stck_prpr": num(snap.last),
        "stck_oprc": num(snap.open),
        "stck_hgpr": num(snap.high),
        "stck_lwpr": num(snap.low),
        "stck_sdpr": num(snap.base),
        "antc_cnpr": num(expected),
        "antc_cntg_vrss_sign": change_sign(expected, snap.base) if expected else "3",
        "antc_cntg_vrss": num(exp_diff),
        "antc_cntg_prdy_ctrt": ratio(exp_diff, snap.base),
        "antc_vol": num(snap.expected_qty),
        "stck_shrn_iscd": symbol,
        "vi_cls_code": "N",
    }
    outputs = {
        "output1": shape(rf.ASKING_PRICE_OUTPUT1, book),
        "output2": shape(rf.ASKING_PRICE_OUTPUT2, antc),
    }
    return TrReply(quote_body(outputs))


STOCK_PRODUCT_TYPE = "300"  # PRDT_TYPE_CD of a domestic stock/ETF/ETN (the only kind listed here)
SEARCH_INFO_OK = "KIOK0530"  # PORTAL25 example: msg1 "조회되었습니다" space-padded
SEARCH_INFO_OK_MSG = "조회되었습니다"
NO_DATA_RT_CD = "7"  # python-kis tries the next PRDT_TYPE_CD only on rt_cd 7 (pykis/api/stock/info.py)


def isin(symbol: Symbol) -> str:
    """The KRX standard code (ISIN) of a short code: ``KR7`` + 6 digits + ``00`` + Luhn check digit
    (``005930`` -> ``KR7005930003``)."""
    body = f"KR7{symbol[-6:]}00"
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d // 10 + d % 10
    return f"{body}{(10 - total % 10) % 10}"


def _no_data() -> TrReply:
    return TrReply(error_body(EMPTY_INQUIRY, pad_msg1(message(EMPTY_INQUIRY)), rt_cd=NO_DATA_RT_CD))


def search_info(req: TrRequest) -> TrReply:
    """상품기본조회 (CTPF1604R): names and codes of one product; ``rt_cd`` 7 when nothing matches."""
    product_type = req.require("PRDT_TYPE_CD")
    symbol = resolve_symbol(req, "PDNO")
    if symbol is None or product_type != STOCK_PRODUCT_TYPE:
        return _no_data()
    info = req.hub.instruments[symbol]
    # The catalog holds Korean names only; an ASCII name (e.g. "NAVER") doubles as the English one.
    eng = info.name.upper() if info.name.isascii() else f"KRX {symbol}"
    kind = "ETF" if info.kind is InstrumentKind.ETF else "ETN" if info.kind is InstrumentKind.ETN else "주식"
    values = {
        "pdno": symbol,
        "prdt_type_cd": STOCK_PRODUCT_TYPE,
        "prdt_name": info.name,
        "prdt_name120": info.name,
        "prdt_abrv_name": info.name,
        "prdt_eng_name": eng,
        "prdt_eng_name120": eng,
        "prdt_eng_abrv_name": eng,
        "std_pdno": isin(symbol),
        "shtn_pdno": symbol,
        # No simulated value (blank in the portal example too): sale status, risk grade, class and
        # investment-type codes, sale period, first registration date.
        "prdt_sale_stat_cd": "",
        "prdt_risk_grad_cd": "",
        "prdt_clsf_cd": "",
        "prdt_clsf_name": {Market.KOSDAQ: "코스닥", Market.KONEX: "코넥스"}.get(info.market, "코스피"),
        "sale_strt_dt": "",
        "sale_end_dt": "",
        "wrap_asst_type_cd": "",
        "ivst_prdt_type_cd": "",
        "ivst_prdt_type_cd_name": kind,
        "frst_erlm_dt": "",
    }
    body = quote_body(
        {"output": shape(rf.SEARCH_INFO_OUTPUT, values)}, SEARCH_INFO_OK, pad_msg1(SEARCH_INFO_OK_MSG)
    )
    return TrReply(body)


HANDLERS: dict[str, TrHandler] = {
    "inquire_price": inquire_price,
    "search_info": search_info,
    "inquire_asking_price_exp_ccn": inquire_asking_price,
    **CHART_HANDLERS,
}

__all__ = ["HANDLERS"]
