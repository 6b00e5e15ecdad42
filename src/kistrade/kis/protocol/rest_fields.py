"""REST output field names in documented order (shared/kis-protocol.md §4.2-§4.12, plus search-info).

The simulator emits every field of a block in this order; the client maps the ones it needs.
Names are exactly as documented, including the oddities (``thdt_buyqty``, ``itewhol_loan_rmnd_ratem``,
``excg_id_dvsn_Cd``). Where the live spelling is uncertain, ``ALIASES`` lists every spelling a
client should read, first the one the simulator sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final


def _levels(prefix: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, 11))


# §4.2 inquire-price output (object).
INQUIRE_PRICE: Final[tuple[str, ...]] = (
    "iscd_stat_cls_code",
    "marg_rate",
    "rprs_mrkt_kor_name",
    "new_hgpr_lwpr_cls_code",
    "bstp_kor_isnm",
    "temp_stop_yn",
    "oprc_rang_cont_yn",
    "clpr_rang_cont_yn",
    "crdt_able_yn",
    "grmn_rate_cls_code",
    "elw_pblc_yn",
    "stck_prpr",
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "acml_tr_pbmn",
    "acml_vol",
    "prdy_vrss_vol_rate",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_mxpr",
    "stck_llam",
    "stck_sdpr",
    "wghn_avrg_stck_prc",
    "hts_frgn_ehrt",
    "frgn_ntby_qty",
    "pgtr_ntby_qty",
    "pvt_scnd_dmrs_prc",
    "pvt_frst_dmrs_prc",
    "pvt_pont_val",
    "pvt_frst_dmsp_prc",
    "pvt_scnd_dmsp_prc",
    "dmrs_val",
    "dmsp_val",
    "cpfn",
    "rstc_wdth_prc",
    "stck_fcam",
    "stck_sspr",
    "aspr_unit",
    "hts_deal_qty_unit_val",
    "lstn_stcn",
    "hts_avls",
    "per",
    "pbr",
    "stac_month",
    "vol_tnrt",
    "eps",
    "bps",
    "d250_hgpr",
    "d250_hgpr_date",
    "d250_hgpr_vrss_prpr_rate",
    "d250_lwpr",
    "d250_lwpr_date",
    "d250_lwpr_vrss_prpr_rate",
    "stck_dryy_hgpr",
    "dryy_hgpr_vrss_prpr_rate",
    "dryy_hgpr_date",
    "stck_dryy_lwpr",
    "dryy_lwpr_vrss_prpr_rate",
    "dryy_lwpr_date",
    "w52_hgpr",
    "w52_hgpr_vrss_prpr_ctrt",
    "w52_hgpr_date",
    "w52_lwpr",
    "w52_lwpr_vrss_prpr_ctrt",
    "w52_lwpr_date",
    "whol_loan_rmnd_rate",
    "ssts_yn",
    "stck_shrn_iscd",
    "fcam_cnnm",
    "cpfn_cnnm",
    "apprch_rate",
    "frgn_hldn_qty",
    "vi_cls_code",
    "ovtm_vi_cls_code",
    "last_ssts_cntg_qty",
    "invt_caful_yn",
    "mrkt_warn_cls_code",
    "short_over_yn",
    "sltr_yn",
    "mang_issu_cls_code",
)

# §4.3 inquire-asking-price-exp-ccn output1 (object, orderbook) and output2 (object, expected fill).
ASKING_PRICE_OUTPUT1: Final[tuple[str, ...]] = (
    "aspr_acpt_hour",
    *_levels("askp"),
    *_levels("bidp"),
    *_levels("askp_rsqn"),
    *_levels("bidp_rsqn"),
    *_levels("askp_rsqn_icdc"),
    *_levels("bidp_rsqn_icdc"),
    "total_askp_rsqn",
    "total_bidp_rsqn",
    "total_askp_rsqn_icdc",
    "total_bidp_rsqn_icdc",
    "ovtm_total_askp_icdc",
    "ovtm_total_bidp_icdc",
    "ovtm_total_askp_rsqn",
    "ovtm_total_bidp_rsqn",
    "ntby_aspr_rsqn",
    "new_mkop_cls_code",
)
ASKING_PRICE_OUTPUT2: Final[tuple[str, ...]] = (
    "antc_mkop_cls_code",
    "stck_prpr",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_sdpr",
    "antc_cnpr",
    "antc_cntg_vrss_sign",
    "antc_cntg_vrss",
    "antc_cntg_prdy_ctrt",
    "antc_vol",
    "stck_shrn_iscd",
    "vi_cls_code",
)

# §4.4 inquire-daily-itemchartprice output1 (object) and output2 (array rows, newest first).
DAILY_CHART_OUTPUT1: Final[tuple[str, ...]] = (
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "stck_prdy_clpr",
    "acml_vol",
    "acml_tr_pbmn",
    "hts_kor_isnm",
    "stck_prpr",
    "stck_shrn_iscd",
    "prdy_vol",
    "stck_mxpr",
    "stck_llam",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "stck_prdy_oprc",
    "stck_prdy_hgpr",
    "stck_prdy_lwpr",
    "askp",
    "bidp",
    "prdy_vrss_vol",
    "vol_tnrt",
    "stck_fcam",
    "lstn_stcn",
    "cpfn",
    "hts_avls",
    "per",
    "eps",
    "pbr",
    "itewhol_loan_rmnd_ratem",
)
DAILY_CHART_OUTPUT2: Final[tuple[str, ...]] = (
    "stck_bsop_date",
    "stck_clpr",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "acml_vol",
    "acml_tr_pbmn",
    "flng_cls_code",
    "prtt_rate",
    "mod_yn",
    "prdy_vrss_sign",
    "prdy_vrss",
    "revl_issu_reas",
)

# §4.5 inquire-time-itemchartprice output1 (object) and output2 (array rows, newest first).
MINUTE_CHART_OUTPUT1: Final[tuple[str, ...]] = (
    "prdy_vrss",
    "prdy_vrss_sign",
    "prdy_ctrt",
    "stck_prdy_clpr",
    "acml_vol",
    "acml_tr_pbmn",
    "hts_kor_isnm",
    "stck_prpr",
)
MINUTE_CHART_OUTPUT2: Final[tuple[str, ...]] = (
    "stck_bsop_date",
    "stck_cntg_hour",
    "stck_prpr",
    "stck_oprc",
    "stck_hgpr",
    "stck_lwpr",
    "cntg_vol",
    "acml_tr_pbmn",
)

# §4.6/§4.7 order-cash and order-rvsecncl output (object, UPPERCASE keys on the wire).
ORDER_OUTPUT: Final[tuple[str, ...]] = ("KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD")

# §4.8 inquire-psbl-rvsecncl output (array).
PSBL_RVSECNCL_OUTPUT: Final[tuple[str, ...]] = (
    "ord_gno_brno",
    "odno",
    "orgn_odno",
    "ord_dvsn_name",
    "pdno",
    "prdt_name",
    "rvse_cncl_dvsn_name",
    "ord_qty",
    "ord_unpr",
    "ord_tmd",
    "tot_ccld_qty",
    "tot_ccld_amt",
    "psbl_qty",
    "sll_buy_dvsn_cd",
    "ord_dvsn_cd",
    "mgco_aptm_odno",
    "excg_dvsn_cd",
    "excg_id_dvsn_cd",
    "excg_id_dvsn_name",
    "stpm_cndt_pric",
    "stpm_efct_occr_yn",
)

# §4.9 inquire-balance output1 (array, one row per holding) and output2 (array with one element).
BALANCE_OUTPUT1: Final[tuple[str, ...]] = (
    "pdno",
    "prdt_name",
    "trad_dvsn_name",
    "bfdy_buy_qty",
    "bfdy_sll_qty",
    "thdt_buyqty",
    "thdt_sll_qty",
    "hldg_qty",
    "ord_psbl_qty",
    "pchs_avg_pric",
    "pchs_amt",
    "prpr",
    "evlu_amt",
    "evlu_pfls_amt",
    "evlu_pfls_rt",
    "evlu_erng_rt",
    "loan_dt",
    "loan_amt",
    "stln_slng_chgs",
    "expd_dt",
    "fltt_rt",
    "bfdy_cprs_icdc",
    "item_mgna_rt_name",
    "grta_rt_name",
    "sbst_pric",
    "stck_loan_unpr",
)
BALANCE_OUTPUT2: Final[tuple[str, ...]] = (
    "dnca_tot_amt",
    "nxdy_excc_amt",
    "prvs_rcdl_excc_amt",
    "cma_evlu_amt",
    "bfdy_buy_amt",
    "thdt_buy_amt",
    "nxdy_auto_rdpt_amt",
    "bfdy_sll_amt",
    "thdt_sll_amt",
    "d2_auto_rdpt_amt",
    "bfdy_tlex_amt",
    "thdt_tlex_amt",
    "tot_loan_amt",
    "scts_evlu_amt",
    "tot_evlu_amt",
    "nass_amt",
    "fncg_gld_auto_rdpt_yn",
    "pchs_amt_smtl_amt",
    "evlu_amt_smtl_amt",
    "evlu_pfls_smtl_amt",
    "tot_stln_slng_chgs",
    "bfdy_tot_asst_evlu_amt",
    "asst_icdc_amt",
    "asst_icdc_erng_rt",
)

# §4.10 inquire-psbl-order output (object).
PSBL_ORDER_OUTPUT: Final[tuple[str, ...]] = (
    "ord_psbl_cash",
    "ord_psbl_sbst",
    "ruse_psbl_amt",
    "fund_rpch_chgs",
    "psbl_qty_calc_unpr",
    "nrcvb_buy_amt",
    "nrcvb_buy_qty",
    "max_buy_amt",
    "max_buy_qty",
    "cma_evlu_amt",
    "ovrs_re_use_amt_wcrc",
    "ord_psbl_frcr_amt_wcrc",
)

# §4.11 inquire-daily-ccld output1 (array, one row per order) and output2 (object).
DAILY_CCLD_OUTPUT1: Final[tuple[str, ...]] = (
    "ord_dt",
    "ord_gno_brno",
    "odno",
    "orgn_odno",
    "ord_dvsn_name",
    "sll_buy_dvsn_cd",
    "sll_buy_dvsn_cd_name",
    "pdno",
    "prdt_name",
    "ord_qty",
    "ord_unpr",
    "ord_tmd",
    "tot_ccld_qty",
    "avg_prvs",
    "cncl_yn",
    "tot_ccld_amt",
    "loan_dt",
    "ordr_empno",
    "ord_dvsn_cd",
    "cnc_cfrm_qty",
    "rmn_qty",
    "rjct_qty",
    "ccld_cndt_name",
    "inqr_ip_addr",
    "cpbc_ordp_ord_rcit_dvsn_cd",
    "cpbc_ordp_infm_mthd_dvsn_cd",
    "infm_tmd",
    "ctac_tlno",
    "prdt_type_cd",
    "excg_dvsn_cd",
    "cpbc_ordp_mtrl_dvsn_cd",
    "ord_orgno",
    "rsvn_ord_end_dt",
    "excg_id_dvsn_Cd",
    "stpm_cndt_pric",
    "stpm_efct_occr_dtmd",
)
DAILY_CCLD_OUTPUT2: Final[tuple[str, ...]] = (
    "tot_ord_qty",
    "tot_ccld_qty",
    "tot_ccld_amt",
    "prsm_tlex_smtl",
    "pchs_avg_pric",
)

# §4.12 chk-holiday output (array rows).
CHK_HOLIDAY_OUTPUT: Final[tuple[str, ...]] = (
    "bass_dt",
    "wday_dvsn_cd",
    "bzdy_yn",
    "tr_day_yn",
    "opnd_yn",
    "sttl_day_yn",
)

# search-info (CTPF1604R, 상품기본조회) output (object), PORTAL25:국내주식/상품기본조회.md order.
SEARCH_INFO_OUTPUT: Final[tuple[str, ...]] = (
    "pdno",
    "prdt_type_cd",
    "prdt_name",
    "prdt_name120",
    "prdt_abrv_name",
    "prdt_eng_name",
    "prdt_eng_name120",
    "prdt_eng_abrv_name",
    "std_pdno",
    "shtn_pdno",
    "prdt_sale_stat_cd",
    "prdt_risk_grad_cd",
    "prdt_clsf_cd",
    "prdt_clsf_name",
    "sale_strt_dt",
    "sale_end_dt",
    "wrap_asst_type_cd",
    "ivst_prdt_type_cd",
    "ivst_prdt_type_cd_name",
    "frst_erlm_dt",
)

#: (endpoint name, output block) -> field names. Endpoint names as in ``endpoints.ENDPOINTS``.
OUTPUT_FIELDS: Final[dict[tuple[str, str], tuple[str, ...]]] = {
    ("inquire_price", "output"): INQUIRE_PRICE,
    ("inquire_asking_price_exp_ccn", "output1"): ASKING_PRICE_OUTPUT1,
    ("inquire_asking_price_exp_ccn", "output2"): ASKING_PRICE_OUTPUT2,
    ("inquire_daily_itemchartprice", "output1"): DAILY_CHART_OUTPUT1,
    ("inquire_daily_itemchartprice", "output2"): DAILY_CHART_OUTPUT2,
    ("inquire_time_itemchartprice", "output1"): MINUTE_CHART_OUTPUT1,
    ("inquire_time_itemchartprice", "output2"): MINUTE_CHART_OUTPUT2,
    ("order_cash_buy", "output"): ORDER_OUTPUT,
    ("order_cash_sell", "output"): ORDER_OUTPUT,
    ("order_rvsecncl", "output"): ORDER_OUTPUT,
    ("inquire_psbl_rvsecncl", "output"): PSBL_RVSECNCL_OUTPUT,
    ("inquire_balance", "output1"): BALANCE_OUTPUT1,
    ("inquire_balance", "output2"): BALANCE_OUTPUT2,
    ("inquire_psbl_order", "output"): PSBL_ORDER_OUTPUT,
    ("inquire_daily_ccld", "output1"): DAILY_CCLD_OUTPUT1,
    ("inquire_daily_ccld", "output2"): DAILY_CCLD_OUTPUT2,
    ("inquire_daily_ccld_old", "output1"): DAILY_CCLD_OUTPUT1,
    ("inquire_daily_ccld_old", "output2"): DAILY_CCLD_OUTPUT2,
    ("chk_holiday", "output"): CHK_HOLIDAY_OUTPUT,
    ("search_info", "output"): SEARCH_INFO_OUTPUT,
}

#: Documented name -> every spelling a client should accept (the first is the one the simulator sends).
#: [UNSURE] in §4.4/§4.11/§10: live spellings seen in captures differ from the 2025 portal tables.
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "cnc_cfrm_qty": ("cnc_cfrm_qty", "cncl_cfrm_qty"),
    "excg_id_dvsn_Cd": ("excg_id_dvsn_Cd", "excg_id_dvsn_cd"),
    "itewhol_loan_rmnd_ratem": ("itewhol_loan_rmnd_ratem", "itewhol_loan_rmnd_ratem name"),
}


def read_field(row: Mapping[str, str], name: str, default: str = "") -> str:
    """Read documented field ``name`` from a response row, trying its aliases in order."""
    for key in ALIASES.get(name, (name,)):
        value = row.get(key)
        if value is not None:
            return value
    return default
