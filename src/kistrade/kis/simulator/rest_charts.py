"""Chart and calendar TRs (shared/kis-protocol.md §4.4, §4.5, §4.12): daily/weekly/monthly/
yearly bars (at most 100 rows, newest first, paged by the client moving FID_INPUT_DATE_2), today's
minute bars (at most 30 rows, newest first, ending at FID_INPUT_HOUR_1), chk-holiday (real only).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kistrade.domain.types import KST, Symbol
from kistrade.kis.protocol import rest_fields as rf
from kistrade.kis.protocol.codes import error_body, quote_body
from kistrade.kis.simulator.context import InputError, TrHandler, TrReply, TrRequest
from kistrade.kis.simulator.fmt import change_sign, dec, num, ratio, ymd
from kistrade.kis.simulator.market_types import MarketBar, QuoteSnapshot
from kistrade.kis.simulator.rest_common import (
    PAR_VALUE,
    change_fields,
    parse_date,
    resolve_symbol,
    shape,
    zeros,
)

HOLIDAY_ROWS = 20
LATEST_HOUR = "000000"
"""FID_INPUT_HOUR_1 python-kis sends for "the latest bars" (its day_chart() starts there and pages
back from the oldest bar returned), so it means "now", like an empty value."""


def _period_key(day: date, period: str) -> tuple[int, ...]:
    if period == "W":
        iso = day.isocalendar()
        return (iso.year, iso.week)
    if period == "M":
        return (day.year, day.month)
    if period == "Y":
        return (day.year,)
    return (day.toordinal(),)


def aggregate(bars: list[MarketBar], period: str) -> list[MarketBar]:
    """Daily bars (oldest first) rolled up to weeks/months/years; each labelled by its last day."""
    if period == "D":
        return bars
    out: list[MarketBar] = []
    key: tuple[int, ...] | None = None
    for b in bars:
        k = _period_key(b.day, period)
        if out and k == key:
            prev = out[-1]
            out[-1] = MarketBar(
                symbol=b.symbol,
                start=b.start,
                open=prev.open,
                high=max(prev.high, b.high),
                low=min(prev.low, b.low),
                close=b.close,
                volume=prev.volume + b.volume,
                value=prev.value + b.value,
                cum_volume=prev.cum_volume + b.volume,
                cum_value=prev.cum_value + b.value,
            )
        else:
            out.append(b)
        key = k
    return out


def _chart_head(
    req: TrRequest, symbol: Symbol, snap: QuoteSnapshot, fields: tuple[str, ...]
) -> dict[str, str]:
    info = req.hub.instruments[symbol]
    today = snap.ts.date()
    prev = [b for b in req.hub.daily_bars(symbol, today - timedelta(days=14), today) if b.day < today]
    pb = prev[-1] if prev else None
    values = {
        **change_fields(snap),
        "stck_prdy_clpr": num(snap.base),
        "acml_vol": num(snap.cum_volume),
        "acml_tr_pbmn": num(snap.cum_value),
        "hts_kor_isnm": info.name,
        "stck_shrn_iscd": symbol,
        "prdy_vol": num(info.prev_volume),
        "stck_mxpr": num(snap.upper),
        "stck_llam": num(snap.lower),
        "stck_oprc": num(snap.open),
        "stck_hgpr": num(snap.high),
        "stck_lwpr": num(snap.low),
        "stck_prdy_oprc": num(pb.open if pb else snap.base),
        "stck_prdy_hgpr": num(pb.high if pb else snap.base),
        "stck_prdy_lwpr": num(pb.low if pb else snap.base),
        "askp": num(snap.best_ask),
        "bidp": num(snap.best_bid),
        "prdy_vrss_vol": num(snap.cum_volume - info.prev_volume),
        "vol_tnrt": ratio(snap.cum_volume, info.listed_shares),
        "stck_fcam": num(PAR_VALUE),
        "lstn_stcn": num(info.listed_shares),
        "cpfn": num(info.listed_shares * PAR_VALUE // 100_000_000),
        "hts_avls": num(snap.last * info.listed_shares // 100_000_000),
        "per": ratio(snap.last, max(snap.base // 12, 1), 2, 1),
        "eps": dec(max(snap.base // 12, 1), 2),
        "pbr": ratio(snap.last, max(snap.base * 4 // 5, 1), 2, 1),
        "itewhol_loan_rmnd_ratem": "0.00",
    }
    return shape(fields, values)


def inquire_daily_chart(req: TrRequest) -> TrReply:
    symbol = resolve_symbol(req)
    period = req.get("FID_PERIOD_DIV_CODE", "D").upper()
    if period not in ("D", "W", "M", "Y"):
        raise InputError(
            error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [FID_PERIOD_DIV_CODE={period}]")
        )
    if symbol is None:
        return TrReply(quote_body({"output1": zeros(rf.DAILY_CHART_OUTPUT1), "output2": []}))
    snap = req.hub.snapshot(symbol)
    today = snap.ts.date()
    end = min(parse_date(req, "FID_INPUT_DATE_2", today), today)
    start = parse_date(req, "FID_INPUT_DATE_1", end - timedelta(days=200))
    history_start = max(start, date(1990, 1, 1)) - timedelta(days=400 if period != "D" else 10)
    bars = aggregate(req.hub.daily_bars(symbol, history_start, end), period)
    rows: list[dict[str, str]] = []
    for i in range(len(bars) - 1, -1, -1):
        b = bars[i]
        if b.day < start or len(rows) >= (req.endpoint.rows(req.services.env) or 100):
            break
        prev_close = bars[i - 1].close if i > 0 else b.open
        row = {
            "stck_bsop_date": ymd(b.day),
            "stck_clpr": num(b.close),
            "stck_oprc": num(b.open),
            "stck_hgpr": num(b.high),
            "stck_lwpr": num(b.low),
            "acml_vol": num(b.volume),
            "acml_tr_pbmn": num(b.value),
            "flng_cls_code": "00",
            "prtt_rate": "0.00",
            "mod_yn": "N" if b.volume else "Y",
            "prdy_vrss_sign": change_sign(b.close, prev_close),
            "prdy_vrss": num(b.close - prev_close),
            "revl_issu_reas": "",
        }
        rows.append(shape(rf.DAILY_CHART_OUTPUT2, row))
    head = _chart_head(req, symbol, snap, rf.DAILY_CHART_OUTPUT1)
    return TrReply(quote_body({"output1": head, "output2": rows}))


def _parse_hour(req: TrRequest, now: datetime) -> datetime:
    raw = req.get("FID_INPUT_HOUR_1")
    if not raw or raw == LATEST_HOUR:
        return now
    if len(raw) != 6 or not raw.isdigit() or int(raw[:2]) > 23 or int(raw[2:4]) > 59 or int(raw[4:]) > 59:
        raise InputError(
            error_body("OPSQ2002", f"ERROR : INPUT INVALID_CHECK_FIELD [FID_INPUT_HOUR_1={raw}]")
        )
    when = datetime.combine(now.date(), time(int(raw[:2]), int(raw[2:4]), int(raw[4:])), KST)
    return min(when, now)


def inquire_time_chart(req: TrRequest) -> TrReply:
    symbol = resolve_symbol(req)
    if symbol is None:
        return TrReply(quote_body({"output1": zeros(rf.MINUTE_CHART_OUTPUT1), "output2": []}))
    snap = req.hub.snapshot(symbol)
    until = _parse_hour(req, snap.ts)
    limit = req.endpoint.rows(req.services.env) or 30
    bars = [b for b in req.hub.minute_bars(symbol, until) if b.start.date() == snap.ts.date()]
    rows = [
        shape(
            rf.MINUTE_CHART_OUTPUT2,
            {
                "stck_bsop_date": ymd(b.day),
                "stck_cntg_hour": b.start.strftime("%H%M00"),
                "stck_prpr": num(b.close),
                "stck_oprc": num(b.open),
                "stck_hgpr": num(b.high),
                "stck_lwpr": num(b.low),
                "cntg_vol": num(b.volume),
                "acml_tr_pbmn": num(b.cum_value),
            },
        )
        for b in reversed(bars[-limit:])
    ]
    head = _chart_head(req, symbol, snap, rf.MINUTE_CHART_OUTPUT1)
    return TrReply(quote_body({"output1": head, "output2": rows}))


def chk_holiday(req: TrRequest) -> TrReply:
    """Rows from BASS_DT (or the continuation key) on; 20 rows a page, ``ctx_area_nk`` resumes."""
    clock = req.hub.clock
    resume = req.get("CTX_AREA_NK") if req.tr_cont == "N" else ""
    first = parse_date(req, "BASS_DT", req.hub.now().date())
    if resume:
        first = parse_date(req, "CTX_AREA_NK", first)
    rows: list[dict[str, str]] = []
    day = first
    for _ in range(HOLIDAY_ROWS):
        yn = "Y" if clock.is_trading_day(day) else "N"
        rows.append(
            shape(
                rf.CHK_HOLIDAY_OUTPUT,
                {
                    "bass_dt": ymd(day),
                    "wday_dvsn_cd": f"{(day.weekday() + 1) % 7 + 1:02d}",
                    "bzdy_yn": yn,
                    "tr_day_yn": yn,
                    "opnd_yn": yn,
                    "sttl_day_yn": yn,
                },
            )
        )
        day += timedelta(days=1)
    body = {
        "ctx_area_nk": ymd(day).ljust(20),
        "ctx_area_fk": ymd(first).ljust(20),
        **quote_body({"output": rows}),
    }
    return TrReply(body, tr_cont="M" if resume else "F")


HANDLERS: dict[str, TrHandler] = {
    "inquire_daily_itemchartprice": inquire_daily_chart,
    "inquire_time_itemchartprice": inquire_time_chart,
    "chk_holiday": chk_holiday,
}

__all__ = ["HANDLERS", "aggregate"]
