"""WebSocket real-time field layouts (shared/kis-protocol.md §7), as ordered tuples of names.

The position of a name in its tuple is the field's index in the ``^``-separated record.
"""

from __future__ import annotations

from typing import Final

TR_TRADE: Final = "H0STCNT0"
TR_ORDERBOOK: Final = "H0STASP0"
TR_NOTICE_REAL: Final = "H0STCNI0"
TR_NOTICE_PAPER: Final = "H0STCNI9"
TR_PINGPONG: Final = "PINGPONG"
#: NXT / 통합 trade variants: same 46-field layout as H0STCNT0 (real only, §7.1).
TR_TRADE_NXT: Final = "H0NXCNT0"
TR_TRADE_UNIFIED: Final = "H0UNCNT0"

# §7.1 H0STCNT0 — 46 fields.
TRADE_FIELDS: Final[tuple[str, ...]] = (
    "MKSC_SHRN_ISCD",  # 0
    "STCK_CNTG_HOUR",  # 1
    "STCK_PRPR",  # 2
    "PRDY_VRSS_SIGN",  # 3
    "PRDY_VRSS",  # 4
    "PRDY_CTRT",  # 5
    "WGHN_AVRG_STCK_PRC",  # 6
    "STCK_OPRC",  # 7
    "STCK_HGPR",  # 8
    "STCK_LWPR",  # 9
    "ASKP1",  # 10
    "BIDP1",  # 11
    "CNTG_VOL",  # 12
    "ACML_VOL",  # 13
    "ACML_TR_PBMN",  # 14
    "SELN_CNTG_CSNU",  # 15
    "SHNU_CNTG_CSNU",  # 16
    "NTBY_CNTG_CSNU",  # 17
    "CTTR",  # 18
    "SELN_CNTG_SMTN",  # 19
    "SHNU_CNTG_SMTN",  # 20
    "CCLD_DVSN",  # 21
    "SHNU_RATE",  # 22
    "PRDY_VOL_VRSS_ACML_VOL_RATE",  # 23
    "OPRC_HOUR",  # 24
    "OPRC_VRSS_PRPR_SIGN",  # 25
    "OPRC_VRSS_PRPR",  # 26
    "HGPR_HOUR",  # 27
    "HGPR_VRSS_PRPR_SIGN",  # 28
    "HGPR_VRSS_PRPR",  # 29
    "LWPR_HOUR",  # 30
    "LWPR_VRSS_PRPR_SIGN",  # 31
    "LWPR_VRSS_PRPR",  # 32
    "BSOP_DATE",  # 33
    "NEW_MKOP_CLS_CODE",  # 34
    "TRHT_YN",  # 35
    "ASKP_RSQN1",  # 36
    "BIDP_RSQN1",  # 37
    "TOTAL_ASKP_RSQN",  # 38
    "TOTAL_BIDP_RSQN",  # 39
    "VOL_TNRT",  # 40
    "PRDY_SMNS_HOUR_ACML_VOL",  # 41
    "PRDY_SMNS_HOUR_ACML_VOL_RATE",  # 42
    "HOUR_CLS_CODE",  # 43
    "MRKT_TRTM_CLS_CODE",  # 44
    "VI_STND_PRC",  # 45
)

# §7.2 H0STASP0 — 59 fields.
ORDERBOOK_FIELDS: Final[tuple[str, ...]] = (
    "MKSC_SHRN_ISCD",  # 0
    "BSOP_HOUR",  # 1
    "HOUR_CLS_CODE",  # 2
    *(f"ASKP{i}" for i in range(1, 11)),  # 3-12
    *(f"BIDP{i}" for i in range(1, 11)),  # 13-22
    *(f"ASKP_RSQN{i}" for i in range(1, 11)),  # 23-32
    *(f"BIDP_RSQN{i}" for i in range(1, 11)),  # 33-42
    "TOTAL_ASKP_RSQN",  # 43
    "TOTAL_BIDP_RSQN",  # 44
    "OVTM_TOTAL_ASKP_RSQN",  # 45
    "OVTM_TOTAL_BIDP_RSQN",  # 46
    "ANTC_CNPR",  # 47
    "ANTC_CNQN",  # 48
    "ANTC_VOL",  # 49
    "ANTC_CNTG_VRSS",  # 50
    "ANTC_CNTG_VRSS_SIGN",  # 51
    "ANTC_CNTG_PRDY_CTRT",  # 52
    "ACML_VOL",  # 53
    "TOTAL_ASKP_RSQN_ICDC",  # 54
    "TOTAL_BIDP_RSQN_ICDC",  # 55
    "OVTM_TOTAL_ASKP_ICDC",  # 56
    "OVTM_TOTAL_BIDP_ICDC",  # 57
    "STCK_DEAL_CLS_CODE",  # 58
)

# §7.3 H0STCNI0 / H0STCNI9 — the 26-field layout (since 2025). Note: the official
# examples_llm/domestic_stock/ccnl_notice/ccnl_notice.py labels index 3 "ODER_QTY" and index 16
# "ACNT_NO2"; python-kis and the 2023 portal example values (3 empty on a new order, 16 a 9-digit
# quantity) agree with the reference's OODER_NO / ODER_QTY, which are kept here.
NOTICE_FIELDS: Final[tuple[str, ...]] = (
    "CUST_ID",  # 0
    "ACNT_NO",  # 1
    "ODER_NO",  # 2
    "OODER_NO",  # 3
    "SELN_BYOV_CLS",  # 4
    "RCTF_CLS",  # 5
    "ODER_KIND",  # 6
    "ODER_COND",  # 7
    "STCK_SHRN_ISCD",  # 8
    "CNTG_QTY",  # 9
    "CNTG_UNPR",  # 10
    "STCK_CNTG_HOUR",  # 11
    "RFUS_YN",  # 12
    "CNTG_YN",  # 13
    "ACPT_YN",  # 14
    "BRNC_NO",  # 15
    "ODER_QTY",  # 16
    "ACNT_NAME",  # 17
    "ORD_COND_PRC",  # 18
    "ORD_EXG_GB",  # 19
    "POPUP_YN",  # 20
    "FILLER",  # 21
    "CRDT_CLS",  # 22
    "CRDT_LOAN_DATE",  # 23
    "CNTG_ISNM40",  # 24
    "ODER_PRC",  # 25
)

# The legacy 23-field layout (until 2025): index 18 is CNTG_ISNM, then the credit fields.
NOTICE_FIELDS_LEGACY: Final[tuple[str, ...]] = (
    *NOTICE_FIELDS[:18],
    "CNTG_ISNM",  # 18
    "CRDT_CLS",  # 19
    "CRDT_LOAN_DATE",  # 20
    "CNTG_ISNM40",  # 21
    "ODER_PRC",  # 22
)

#: Zero-padded widths of the numeric notice fields (§7.3 "Len" column).
NOTICE_PAD: Final[dict[str, int]] = {
    "ACNT_NO": 10,
    "ODER_NO": 10,
    "CNTG_QTY": 10,
    "CNTG_UNPR": 9,
    "ODER_QTY": 9,
    "ODER_PRC": 9,
}

TRADE_WIDTH: Final = len(TRADE_FIELDS)
ORDERBOOK_WIDTH: Final = len(ORDERBOOK_FIELDS)
NOTICE_WIDTH: Final = len(NOTICE_FIELDS)
NOTICE_WIDTH_LEGACY: Final = len(NOTICE_FIELDS_LEGACY)

#: Known minimum per-record width of each data TR. Wider records (KIS appending fields) are accepted.
LAYOUTS: Final[dict[str, tuple[str, ...]]] = {
    TR_TRADE: TRADE_FIELDS,
    TR_TRADE_NXT: TRADE_FIELDS,
    TR_TRADE_UNIFIED: TRADE_FIELDS,
    TR_ORDERBOOK: ORDERBOOK_FIELDS,
    TR_NOTICE_REAL: NOTICE_FIELDS,
    TR_NOTICE_PAPER: NOTICE_FIELDS,
}
NOTICE_TRS: Final = frozenset({TR_NOTICE_REAL, TR_NOTICE_PAPER})

assert TRADE_WIDTH == 46
assert ORDERBOOK_WIDTH == 59
assert NOTICE_WIDTH == 26
assert NOTICE_WIDTH_LEGACY == 23


def field_index(layout: tuple[str, ...], name: str) -> int:
    """Index of ``name`` in ``layout``; a ``KeyError`` naming the field when absent."""
    try:
        return layout.index(name)
    except ValueError:
        raise KeyError(f"field {name!r} is not in this real-time layout") from None
