"""Pagination round trips (tr_cont + 100-char ctx_area keys) and the EGW00201 rate limit."""

from __future__ import annotations

from _sim_rest_client import QUOT, TRAD, fast, running

from kistrade.domain.types import Symbol

SYM = Symbol("005930")


async def test_daily_ccld_pages_of_15_on_paper_round_trip() -> None:
    async with running(fast("paper")) as kis:
        await kis.login()
        lower = kis.sim.hub.snapshot(SYM).lower
        placed = []
        for _ in range(20):
            reply = await kis.order("VTTC0012U", SYM, 1, lower)
            assert reply.body["rt_cd"] == "0", reply.body
            placed.append(reply.body["output"]["ODNO"])
        params = {
            **kis.account(),
            "INQR_STRT_DT": "",
            "INQR_END_DT": "",
            "SLL_BUY_DVSN_CD": "00",
            "CCLD_DVSN": "00",
            "INQR_DVSN": "00",
            "INQR_DVSN_3": "00",
            "CTX_AREA_FK100": "",
            "CTX_AREA_NK100": "",
        }
        first = await kis.get(TRAD + "inquire-daily-ccld", "VTTC0081R", params, tr_cont="")
        assert first.header("tr_cont") == "F"
        page1 = first.body
        assert len(page1["output1"]) == 15
        assert len(page1["ctx_area_fk100"]) == 100 and len(page1["ctx_area_nk100"]) == 100
        assert page1["ctx_area_nk100"].strip()
        # python-kis style: lowercase ctx keys, passed back verbatim (trailing spaces kept)
        nxt = {k: v for k, v in params.items() if not k.startswith("CTX")}
        nxt |= {"ctx_area_fk100": page1["ctx_area_fk100"], "ctx_area_nk100": page1["ctx_area_nk100"]}
        second = await kis.get(TRAD + "inquire-daily-ccld", "VTTC0081R", nxt, tr_cont="N")
        assert second.header("tr_cont") == "E"
        page2 = second.body
        assert len(page2["output1"]) == 5 and not page2["ctx_area_nk100"].strip()
        seen = [r["odno"] for r in page1["output1"] + page2["output1"]]
        assert sorted(seen) == sorted(placed) and seen == sorted(
            seen, reverse=True
        )  # INQR_DVSN 00: newest first
        assert page1["output2"]["tot_ord_qty"] == "20"
        forward = await kis.get(TRAD + "inquire-daily-ccld", "VTTC0081R", {**params, "INQR_DVSN": "01"})
        assert [r["odno"] for r in forward.body["output1"]] == sorted(placed)[:15]


async def test_balance_pages_of_20_on_paper_round_trip() -> None:
    async with running(fast("paper")) as kis:
        await kis.login()
        codes = [f"{100 + i:06d}" for i in range(21)]
        for code in codes:
            reply = await kis.order("VTTC0012U", code, 1, 0, dvsn="01")
            assert reply.body["rt_cd"] == "0", (code, reply.body)
        ledger = await kis.ledger()
        held = sorted(p["symbol"] for p in ledger["positions"] if p["qty"] > 0)
        base = {
            **kis.account(),
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": "02",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
        }
        rows: list[str] = []
        tr_cont, fk, nk = "", "", ""
        for _ in range(5):
            reply = await kis.get(
                TRAD + "inquire-balance",
                "VTTC8434R",
                {**base, "CTX_AREA_FK100": fk, "CTX_AREA_NK100": nk},
                tr_cont=tr_cont,
            )
            body = reply.body
            assert body["output2"] and "dnca_tot_amt" in body["output2"][0]  # every page
            rows += [r["pdno"] for r in body["output1"]]
            if reply.header("tr_cont") in ("D", "E"):
                break
            assert reply.header("tr_cont") in ("F", "M") and body["ctx_area_nk100"].strip()
            tr_cont, fk, nk = "N", body["ctx_area_fk100"], body["ctx_area_nk100"]
        assert rows == held and len(held) == 21


async def test_rate_limit_exact_body_and_status() -> None:
    now = [1000.0]
    async with running(fast("real", rate_limit_per_s=3), monotonic=lambda: now[0]) as kis:
        await kis.login()  # tokenP is not counted
        q = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
        for _ in range(3):
            assert (await kis.get(QUOT + "inquire-price", "FHKST01010100", q)).status == 200
        over = await kis.get(QUOT + "inquire-price", "FHKST01010100", q)
        assert over.status == 500
        assert over.text == '{"rt_cd":"1","msg1":"초당 거래건수를 초과하였습니다.","msg_cd":"EGW00201"}'
        now[0] += 1.0
        assert (await kis.get(QUOT + "inquire-price", "FHKST01010100", q)).status == 200


async def test_paper_default_rate_is_two_per_second() -> None:
    now = [5.5]
    async with running(fast("paper", rate_limit_per_s=None), monotonic=lambda: now[0]) as kis:
        await kis.login()
        statuses = [
            (await kis.get(TRAD + "inquire-balance", "VTTC8434R", kis.account())).status for _ in range(3)
        ]
        assert statuses == [200, 200, 500]
