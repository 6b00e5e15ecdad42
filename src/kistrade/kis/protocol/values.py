"""Request/response value codes both sides need (shared/kis-protocol.md §3.2, §3.3, §4.6-§4.11, §7.1)."""

from __future__ import annotations

from typing import Final

# §3.3 pagination: response tr_cont F/M = more pages, D/E = last page; request "N" = next page.
TR_CONT_NEXT: Final = "N"
TR_CONT_MORE: Final = frozenset({"F", "M"})
TR_CONT_LAST: Final = frozenset({"D", "E"})
TR_CONT_MORE_DEFAULT: Final = "M"  # what a server sends when rows remain
TR_CONT_LAST_DEFAULT: Final = "D"


def has_more(tr_cont: str | None) -> bool:
    """Whether a paginated response announces another page (``F``/``M``)."""
    return (tr_cont or "").strip() in TR_CONT_MORE


# §4.6 ORD_DVSN (KRX).
ORD_DVSN: Final[dict[str, str]] = {
    "00": "지정가",
    "01": "시장가",
    "02": "조건부지정가",
    "03": "최유리지정가",
    "04": "최우선지정가",
    "05": "장전 시간외",
    "06": "장후 시간외",
    "07": "시간외 단일가",
    "11": "IOC지정가",
    "12": "FOK지정가",
    "13": "IOC시장가",
    "14": "FOK시장가",
    "15": "IOC최유리",
    "16": "FOK최유리",
    "21": "중간가",
    "22": "스톱지정가",
    "23": "중간가IOC",
    "24": "중간가FOK",
}
ORD_DVSN_LIMIT: Final = "00"
ORD_DVSN_MARKET: Final = "01"
#: Order types usable in paper (python-kis; 05-07 and 11-16 are "모의투자 미지원").
PAPER_ORD_DVSN: Final = frozenset({"00", "01", "02", "03", "04"})

# SLL_BUY_DVSN_CD / SELN_BYOV_CLS: 01 sell, 02 buy (00 = all in inquiries).
SIDE_ALL: Final = "00"
SIDE_SELL: Final = "01"
SIDE_BUY: Final = "02"
SIDE_NAMES: Final[dict[str, str]] = {SIDE_SELL: "현금매도", SIDE_BUY: "현금매수"}

# RVSE_CNCL_DVSN_CD (§4.7) and the notice RCTF_CLS (§7.3).
REVISE: Final = "01"
CANCEL: Final = "02"
RCTF_NORMAL, RCTF_REVISE, RCTF_CANCEL = "0", "1", "2"

# inquire-daily-ccld CCLD_DVSN (§4.11): 00 all, 01 filled, 02 unfilled.
CCLD_ALL, CCLD_FILLED, CCLD_UNFILLED = "00", "01", "02"

# PRDY_VRSS_SIGN (§4.2, §7.1): 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down.
SIGN_UPPER, SIGN_UP, SIGN_FLAT, SIGN_LOWER, SIGN_DOWN = "1", "2", "3", "4", "5"


def change_sign(price: int, base: int, upper: int | None = None, lower: int | None = None) -> str:
    """PRDY_VRSS_SIGN of ``price`` against the base price (limit-hit codes when limits are given)."""
    if upper is not None and price >= upper:
        return SIGN_UPPER
    if lower is not None and price <= lower:
        return SIGN_LOWER
    if price > base:
        return SIGN_UP
    if price < base:
        return SIGN_DOWN
    return SIGN_FLAT


# H0STCNT0 CCLD_DVSN (§7.1): 1 buy(+), 3 pre-market, 5 sell(-).
CCLD_DVSN_BUY, CCLD_DVSN_PREMARKET, CCLD_DVSN_SELL = "1", "3", "5"

# Market division (§4): J = KRX (paper supports only J), NX = NXT, UN = combined.
MARKET_KRX: Final = "J"
EXCHANGE_KRX: Final = "KRX"
