"""Orders through the simulator's REST TRs (raw aiohttp): order -> fill -> balance / daily-ccld /
ledger consistency, revise and cancel (partial and all), business rejections per environment."""

from __future__ import annotations

import re
from datetime import time

from _sim_rest_client import TRAD, RawKis, fast, running

from kistrade.domain.ticks import tick_size
from kistrade.domain.types import Symbol
from kistrade.kis.protocol import rest_fields as rf

SYM = Symbol("005930")


def best(kis: RawKis) -> tuple[int, int, int, int]:
    snap = kis.sim.hub.snapshot(SYM)
    return snap.best_ask, snap.best_bid, snap.lower, snap.upper


async def test_buy_fills_and_balance_ccld_ledger_agree() -> None:
    async with running(fast()) as kis:
        await kis.login()
        ask, _, _, _ = best(kis)
        reply = await kis.order("TTTC0012U", SYM, 3, ask)
        assert reply.status == 200
        body = reply.body
        assert list(body) == ["rt_cd", "msg_cd", "msg1", "output"]
        assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == (
            "0",
            "APBK0013",
            "주문 전송 완료 되었습니다.",
        )
        out = body["output"]
        assert list(out) == ["KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"]
        assert out["KRX_FWDG_ORD_ORGNO"] == "06010"
        assert re.fullmatch(r"\d{10}", out["ODNO"]) and re.fullmatch(r"\d{6}", out["ORD_TMD"])

        ledger = await kis.ledger()
        filled = sum(f["qty"] for f in ledger["fills"] if f["odno"] == out["ODNO"])
        assert filled == 3
        pos = {p["symbol"]: p for p in ledger["positions"]}[SYM]
        assert pos["qty"] == 3

        bal = await kis.get(
            TRAD + "inquire-balance",
            "TTTC8434R",
            {
                **kis.account(),
                "AFHR_FLPR_YN": "N",
                "OFL_YN": "",
                "INQR_DVSN": "01",
                "UNPR_DVSN": "01",
                "FUND_STTL_ICLD_YN": "N",
                "FNCG_AMT_AUTO_RDPT_YN": "N",
                "PRCS_DVSN": "00",
                "CTX_AREA_FK100": "",
                "CTX_AREA_NK100": "",
            },
        )
        b = bal.body
        assert list(b) == [
            "ctx_area_fk100",
            "ctx_area_nk100",
            "output1",
            "output2",
            "rt_cd",
            "msg_cd",
            "msg1",
        ]
        assert bal.header("tr_cont") == "D"
        assert len(b["ctx_area_fk100"]) == 100 and len(b["ctx_area_nk100"]) == 100
        assert b["ctx_area_fk100"].startswith(kis.cred.cano + "^01^")
        assert (
            b["msg_cd"] == "KIOK0510"
            and b["msg1"].startswith("조회가 완료되었습니다")
            and b["msg1"].endswith(" ")
        )
        assert isinstance(b["output1"], list) and isinstance(b["output2"], list) and len(b["output2"]) == 1
        row = next(r for r in b["output1"] if r["pdno"] == SYM)
        assert tuple(row) == rf.BALANCE_OUTPUT1
        assert int(row["hldg_qty"]) == 3 and int(row["thdt_buyqty"]) == 3
        assert int(row["pchs_amt"]) == pos["purchase_amount"]
        assert row["pchs_avg_pric"] == f"{pos['avg_price']}" and len(row["pchs_avg_pric"].split(".")[1]) == 4
        summary = b["output2"][0]
        assert tuple(summary) == rf.BALANCE_OUTPUT2
        cash = ledger["cash"]
        assert int(summary["dnca_tot_amt"]) == cash["deposit"]
        assert int(summary["prvs_rcdl_excc_amt"]) == cash["d2"]
        assert int(summary["thdt_tlex_amt"]) == cash["costs_today"] > 0
        assert int(summary["thdt_buy_amt"]) == cash["buy_amount_today"] == pos["purchase_amount"]
        assert cash["d2"] == kis.sim.config.cash - pos["purchase_amount"] - cash["costs_today"]

        ccld = await kis.get(
            TRAD + "inquire-daily-ccld",
            "TTTC0081R",
            {
                **kis.account(),
                "INQR_STRT_DT": "",
                "INQR_END_DT": "",
                "SLL_BUY_DVSN_CD": "00",
                "PDNO": "",
                "ORD_GNO_BRNO": "",
                "ODNO": "",
                "CCLD_DVSN": "00",
                "INQR_DVSN": "00",
                "INQR_DVSN_1": "",
                "INQR_DVSN_3": "00",
                "EXCG_ID_DVSN_CD": "KRX",
                "CTX_AREA_FK100": "",
                "CTX_AREA_NK100": "",
            },
        )
        c = ccld.body
        assert list(c) == [
            "ctx_area_fk100",
            "ctx_area_nk100",
            "output1",
            "output2",
            "rt_cd",
            "msg_cd",
            "msg1",
        ]
        crow = next(r for r in c["output1"] if r["odno"] == out["ODNO"])
        assert tuple(crow) == rf.DAILY_CCLD_OUTPUT1
        assert "cnc_cfrm_qty" in crow and "excg_id_dvsn_Cd" in crow  # documented spellings
        assert (crow["tot_ccld_qty"], crow["rmn_qty"], crow["sll_buy_dvsn_cd"]) == ("3", "0", "02")
        assert int(crow["tot_ccld_amt"]) == pos["purchase_amount"]
        assert int(c["output2"]["tot_ccld_qty"]) == 3 and tuple(c["output2"]) == rf.DAILY_CCLD_OUTPUT2
        old = await kis.get(TRAD + "inquire-daily-ccld", "TTTC8001R", kis.account())  # python-kis's old id
        assert [r["odno"] for r in old.body["output1"]] == [r["odno"] for r in c["output1"]]
        older = await kis.get(TRAD + "inquire-daily-ccld", "CTSC9215R", kis.account())  # > 3 months TR
        assert older.body["rt_cd"] == "0" and older.header("tr_id") == "CTSC9215R"


async def test_market_order_and_sell_with_tax() -> None:
    async with running(fast()) as kis:
        await kis.login()
        buy = await kis.order("TTTC0802U", SYM, 2, 0, dvsn="01")  # old TR id, market order
        assert buy.body["rt_cd"] == "0", buy.body
        sell = await kis.order("TTTC0011U", SYM, 2, 0, dvsn="01")
        assert sell.body["rt_cd"] == "0", sell.body
        ledger = await kis.ledger()
        sells = [f for f in ledger["fills"] if f["side"] == "sell"]
        assert sum(f["qty"] for f in sells) == 2 and all(f["tax"] > 0 for f in sells)
        psbl = await kis.get(
            TRAD + "inquire-psbl-order",
            "TTTC8908R",
            {
                **kis.account(),
                "PDNO": "005930",
                "ORD_UNPR": "",
                "ORD_DVSN": "01",
                "CMA_EVLU_AMT_ICLD_YN": "N",
                "OVRS_ICLD_YN": "N",
            },
        )
        assert list(psbl.body) == ["output", "rt_cd", "msg_cd", "msg1"]
        assert psbl.body["msg_cd"] == "KIOK0510" and psbl.header("tr_cont") == ""
        out = psbl.body["output"]
        assert tuple(out) == rf.PSBL_ORDER_OUTPUT
        assert int(out["ord_psbl_cash"]) == ledger["cash"]["orderable"]
        price = int(out["psbl_qty_calc_unpr"])
        assert price == kis.sim.hub.snapshot(SYM).upper  # market orders reserve at the upper limit
        qty, orderable = int(out["nrcvb_buy_qty"]), ledger["cash"]["orderable"]
        assert qty > 0 and price * qty <= orderable < price * (qty + 2)  # fee-aware floor


async def test_revise_partial_then_cancel_all() -> None:
    async with running(fast()) as kis:
        await kis.login()
        _, _, lower, _ = best(kis)
        placed = (await kis.order("TTTC0012U", SYM, 5, lower)).body["output"]
        psbl = await kis.get(
            TRAD + "inquire-psbl-rvsecncl",
            "TTTC0084R",
            {
                **kis.account(),
                "CTX_AREA_FK100": "",
                "CTX_AREA_NK100": "",
                "INQR_DVSN_1": "0",
                "INQR_DVSN_2": "0",
            },
        )
        assert list(psbl.body) == ["ctx_area_fk100", "ctx_area_nk100", "output", "rt_cd", "msg_cd", "msg1"]
        assert psbl.header("tr_cont") == "D"
        rows = psbl.body["output"]
        assert [r["odno"] for r in rows] == [placed["ODNO"]]
        assert tuple(rows[0]) == rf.PSBL_RVSECNCL_OUTPUT and rows[0]["psbl_qty"] == "5"
        assert rows[0]["ord_gno_brno"] == placed["KRX_FWDG_ORD_ORGNO"]

        new_price = lower + tick_size(lower)
        revise = {
            **kis.account(),
            "KRX_FWDG_ORD_ORGNO": placed["KRX_FWDG_ORD_ORGNO"],
            "ORGN_ODNO": placed["ODNO"],
            "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "01",
            "ORD_QTY": "2",
            "ORD_UNPR": str(new_price),
            "QTY_ALL_ORD_YN": "N",
        }
        revised = await kis.post(TRAD + "order-rvsecncl", "TTTC0013U", revise)
        assert revised.body["rt_cd"] == "0" and revised.body["msg_cd"] == "APBK0013", revised.body
        new_odno = revised.body["output"]["ODNO"]
        assert new_odno != placed["ODNO"]

        cancel = {**revise, "RVSE_CNCL_DVSN_CD": "02", "ORD_QTY": "0", "ORD_UNPR": "0", "QTY_ALL_ORD_YN": "Y"}
        done = await kis.post(TRAD + "order-rvsecncl", "TTTC0803U", cancel)  # old TR id
        assert done.body["rt_cd"] == "0", done.body
        again = await kis.post(TRAD + "order-rvsecncl", "TTTC0013U", cancel)
        assert again.body["rt_cd"] == "1" and again.body["msg_cd"] == "APBK0918"

        ledger = await kis.ledger()
        orders = {o["odno"]: o for o in ledger["orders"]}
        assert orders[placed["ODNO"]]["remaining"] == 0
        assert orders[new_odno]["qty"] == 2 and orders[new_odno]["price"] == new_price
        assert orders[new_odno]["remaining"] == 2
        assert ledger["cash"]["reserved"] > 0
        rest = await kis.get(TRAD + "inquire-psbl-rvsecncl", "TTTC8036R", kis.account())
        assert [r["odno"] for r in rest.body["output"]] == [new_odno]


async def test_business_rejections_real() -> None:
    async with running(fast()) as kis:
        await kis.login()
        ask, bid, lower, upper = best(kis)
        cases = [
            (await kis.order("TTTC0012U", SYM, 1, bid + 1), "APBK0918"),  # off tick
            (await kis.order("TTTC0012U", SYM, 1, upper + tick_size(upper)), "APBK0918"),  # above limit
            (await kis.order("TTTC0012U", SYM, 10**7, lower), "APBK0952"),  # not enough cash
            (await kis.order("TTTC0011U", SYM, 5, ask), "APBK0918"),  # no shares
            (await kis.order("TTTC0012U", SYM, 1, lower, dvsn="05"), "APBK0918"),  # unsupported type
        ]
        for reply, code in cases:
            assert reply.status == 200
            assert list(reply.body) == ["rt_cd", "msg_cd", "msg1"]
            assert (reply.body["rt_cd"], reply.body["msg_cd"]) == ("1", code), reply.body
        msgs = [r.body["msg1"] for r, _ in cases]
        assert len(set(msgs)) == len(msgs)  # APBK0918 is told apart by msg1
        unknown = {
            **kis.account(),
            "KRX_FWDG_ORD_ORGNO": "06010",
            "ORGN_ODNO": "9999999999",
            "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "02",
            "ORD_QTY": "0",
            "ORD_UNPR": "0",
            "QTY_ALL_ORD_YN": "Y",
        }
        missing = await kis.post(TRAD + "order-rvsecncl", "TTTC0013U", unknown)
        assert missing.body["rt_cd"] == "1" and missing.body["msg1"] == "원주문번호가 존재하지 않습니다."
        wrong_acct = await kis.post(
            TRAD + "order-cash",
            "TTTC0012U",
            {
                "CANO": "00000000",
                "ACNT_PRDT_CD": "01",
                "PDNO": SYM,
                "ORD_DVSN": "00",
                "ORD_QTY": "1",
                "ORD_UNPR": str(lower),
            },
        )
        assert wrong_acct.body == {
            "rt_cd": "2",
            "msg_cd": "OPSQ2000",
            "msg1": "ERROR : INPUT INVALID_CHECK_ACNO",
        }
        assert not (await kis.ledger())["fills"]


async def test_paper_order_codes_and_market_closed() -> None:
    async with running(fast("paper")) as kis:
        await kis.login()
        ask, _, lower, _ = best(kis)
        ok = await kis.order("VTTC0012U", SYM, 1, ask)
        assert ok.body["msg_cd"] == "40600000" and ok.body["msg1"] == "모의투자 매수주문이 완료 되었습니다."
        assert ok.body["output"]["KRX_FWDG_ORD_ORGNO"] == "00950"
        no_shares = await kis.order("VTTC0011U", "000660", 1, 0, dvsn="01")
        assert (no_shares.body["msg_cd"], no_shares.body["msg1"]) == (
            "40240000",
            "모의투자 잔고내역이 없습니다.",
        )
        cash = await kis.order("VTTC0802U", SYM, 10**7, lower)
        assert cash.body["msg_cd"] == "40910000"
        nxt = await kis.post(
            TRAD + "order-cash",
            "VTTC0012U",
            {
                **kis.account(),
                "PDNO": SYM,
                "ORD_DVSN": "00",
                "ORD_QTY": "1",
                "ORD_UNPR": str(lower),
                "EXCG_ID_DVSN_CD": "NXT",
            },
        )
        assert nxt.body["rt_cd"] == "1"
    async with running(fast("paper", start=time(16, 0))) as kis:
        await kis.login()
        closed = await kis.order("VTTC0012U", SYM, 1, kis.sim.hub.snapshot(SYM).lower)
        assert closed.body == {"rt_cd": "1", "msg_cd": "40580000", "msg1": "모의투자 장종료 입니다."}
    async with running(fast("real", start=time(16, 0))) as kis:
        await kis.login()
        closed = await kis.order("TTTC0012U", SYM, 1, kis.sim.hub.snapshot(SYM).lower)
        assert (closed.body["rt_cd"], closed.body["msg_cd"]) == ("1", "APBK0919")


async def test_post_body_keys_must_be_uppercase_and_optional_empty_values_accepted() -> None:
    async with running(fast()) as kis:
        await kis.login()
        _, _, lower, _ = best(kis)
        lower_keys = {
            "cano": kis.cred.cano,
            "acnt_prdt_cd": "01",
            "pdno": SYM,
            "ord_dvsn": "00",
            "ord_qty": "1",
            "ord_unpr": str(lower),
        }
        refused = await kis.post(TRAD + "order-cash", "TTTC0012U", lower_keys)
        assert refused.body["rt_cd"] != "0"
        body = {k.upper(): v for k, v in lower_keys.items()} | {
            "SLL_TYPE": "",
            "CNDT_PRIC": "",
            "EXCG_ID_DVSN_CD": "",
        }
        accepted = await kis.post(TRAD + "order-cash", "TTTC0012U", body)
        assert accepted.body["rt_cd"] == "0", accepted.body
