"""Quotation TRs of the simulator over loopback HTTP with a raw aiohttp client: envelopes,
headers (exact capitalisation), field names (protocol lists AND literal names from the doc)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from _sim_rest_client import QUOT, TRAD, fast, running

from kistrade.domain.types import Symbol
from kistrade.kis.protocol import rest_fields as rf
from kistrade.kis.simulator.rest_quotes import isin

Q = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


async def test_inquire_price_envelope_headers_and_fields() -> None:
    async with running(fast()) as kis:
        await kis.login()
        reply = await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)
        assert reply.status == 200
        # §11.1: standard headers capitalised, KIS headers literally lowercase
        names = reply.header_names
        assert "Content-Type" in names and "content-type" not in names
        assert "Content-Length" in names and "Date" in names
        assert {"tr_id", "tr_cont", "gt_uid"} <= set(names)
        assert reply.header("Content-Type") == "application/json; charset=utf-8"
        assert reply.header("tr_id") == "FHKST01010100"
        assert re.fullmatch(r"[0-9a-f]{32}", reply.header("gt_uid") or "")
        body = reply.body
        assert list(body) == ["output", "rt_cd", "msg_cd", "msg1"]
        assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == ("0", "MCA00000", "정상처리 되었습니다.")
        out = body["output"]
        assert tuple(out) == rf.INQUIRE_PRICE
        for name in (
            "stck_prpr",
            "prdy_vrss",
            "prdy_vrss_sign",
            "prdy_ctrt",
            "acml_vol",
            "stck_mxpr",
            "stck_llam",
            "stck_sdpr",
            "aspr_unit",
            "per",
            "w52_hgpr_date",
            "stck_shrn_iscd",
        ):
            assert out[name] != "", name  # §11.6: valued fields never empty
        assert out["stck_shrn_iscd"] == "005930"
        snap = kis.sim.hub.snapshot("005930")  # type: ignore[arg-type]
        assert int(out["stck_sdpr"]) == snap.base
        assert (int(out["stck_mxpr"]), int(out["stck_llam"])) == (snap.upper, snap.lower)
        assert int(out["rstc_wdth_prc"]) == snap.upper - snap.base
        assert NUMBER.match(out["prdy_ctrt"]) and out["prdy_ctrt"].count(".") == 1
        assert len(out["prdy_ctrt"].split(".")[1]) == 2
        assert not out["prdy_vrss"].startswith("+")
        assert re.fullmatch(r"\d{8}", out["w52_hgpr_date"])


async def test_query_names_are_case_insensitive_and_empty_values_accepted() -> None:
    async with running(fast()) as kis:
        await kis.login()
        lower = await kis.get(
            QUOT + "inquire-price",
            "FHKST01010100",
            {"fid_cond_mrkt_div_code": "J", "fid_input_iscd": "005930"},
        )
        assert lower.body["rt_cd"] == "0" and lower.body["output"]["stck_shrn_iscd"] == "005930"
        bad = await kis.get(
            QUOT + "inquire-price", "FHKST01010100", {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": ""}
        )
        assert bad.status == 200 and bad.body["rt_cd"] != "0" and "FID_INPUT_ISCD" in bad.body["msg1"]


async def test_unknown_code_answers_zeroed_fields() -> None:
    async with running(fast()) as kis:
        await kis.login()
        reply = await kis.get(QUOT + "inquire-price", "FHKST01010100", {**Q, "FID_INPUT_ISCD": "??"})
        assert reply.body["rt_cd"] == "0" and reply.body["output"]["stck_prpr"] == "0"


async def test_asking_price_has_ten_levels_in_order() -> None:
    async with running(fast()) as kis:
        await kis.login()
        body = (await kis.get(QUOT + "inquire-asking-price-exp-ccn", "FHKST01010200", Q)).body
        assert list(body) == ["output1", "output2", "rt_cd", "msg_cd", "msg1"]
        book, antc = body["output1"], body["output2"]
        assert tuple(book) == rf.ASKING_PRICE_OUTPUT1 and tuple(antc) == rf.ASKING_PRICE_OUTPUT2
        assert isinstance(book, dict) and isinstance(antc, dict)
        asks = [int(book[f"askp{i}"]) for i in range(1, 11) if int(book[f"askp{i}"])]
        bids = [int(book[f"bidp{i}"]) for i in range(1, 11) if int(book[f"bidp{i}"])]
        assert asks == sorted(asks) and bids == sorted(bids, reverse=True)
        assert asks and bids and asks[0] > bids[0]
        assert int(book["ntby_aspr_rsqn"]) == int(book["total_bidp_rsqn"]) - int(book["total_askp_rsqn"])
        assert re.fullmatch(r"\d{6}", book["aspr_acpt_hour"])


async def test_daily_chart_rows_newest_first_and_paging_by_date() -> None:
    async with running(fast()) as kis:
        await kis.login()
        assert kis.sim.hub.burst(Symbol("005930"), 3) > 0  # today's running bar exists after a print
        params = {
            **Q,
            "FID_INPUT_DATE_1": "00000101",
            "FID_INPUT_DATE_2": "29991231",
            "FID_PERIOD_DIV_CODE": "D",
            "FID_ORG_ADJ_PRC": "0",
        }
        body = (await kis.get(QUOT + "inquire-daily-itemchartprice", "FHKST03010100", params)).body
        rows = body["output2"]
        assert tuple(body["output1"]) == rf.DAILY_CHART_OUTPUT1
        assert "itewhol_loan_rmnd_ratem" in body["output1"]  # the documented (misspelled) key
        assert len(rows) == 100
        assert all(tuple(r) == rf.DAILY_CHART_OUTPUT2 for r in rows)
        dates = [r["stck_bsop_date"] for r in rows]
        assert dates == sorted(dates, reverse=True) and len(set(dates)) == 100
        assert dates[0] == kis.sim.hub.trading_date().strftime("%Y%m%d")
        older = (
            await kis.get(
                QUOT + "inquire-daily-itemchartprice",
                "FHKST03010100",
                {**params, "FID_INPUT_DATE_2": _day_before(dates[-1])},
            )
        ).body["output2"]
        assert older and older[0]["stck_bsop_date"] < dates[-1]
        weekly = (
            await kis.get(
                QUOT + "inquire-daily-itemchartprice", "FHKST03010100", {**params, "FID_PERIOD_DIV_CODE": "W"}
            )
        ).body["output2"]
        assert 0 < len(weekly) <= 100 and weekly[0]["stck_bsop_date"] == dates[0]


async def test_minute_chart_today_only_newest_first_ending_at_hour() -> None:
    async with running(fast(speed=600.0)) as kis:  # 10 simulated minutes per wall second
        await kis.login()
        kis.sim.hub.advance_to(kis.sim.hub.now())
        body = (
            await kis.get(
                QUOT + "inquire-time-itemchartprice",
                "FHKST03010200",
                {**Q, "FID_ETC_CLS_CODE": "", "FID_INPUT_HOUR_1": "235959", "FID_PW_DATA_INCU_YN": "N"},
            )
        ).body
        assert tuple(body["output1"]) == rf.MINUTE_CHART_OUTPUT1
        rows = body["output2"]
        assert all(tuple(r) == rf.MINUTE_CHART_OUTPUT2 for r in rows)
        assert len(rows) <= 30
        hours = [r["stck_cntg_hour"] for r in rows]
        assert hours == sorted(hours, reverse=True)
        assert all(h.endswith("00") for h in hours)
        today = kis.sim.hub.trading_date().strftime("%Y%m%d")
        assert all(r["stck_bsop_date"] == today for r in rows)
        if rows:
            cut = hours[-1]
            earlier = (
                await kis.get(
                    QUOT + "inquire-time-itemchartprice", "FHKST03010200", {**Q, "FID_INPUT_HOUR_1": cut}
                )
            ).body["output2"]
            assert earlier[0]["stck_cntg_hour"] == cut


async def test_unknown_tr_id_is_opsq0002_and_wrong_env_ids() -> None:
    async with running(fast("real")) as kis:
        await kis.login()
        unknown = await kis.get(QUOT + "inquire-price", "FHKST99999999", Q)
        assert unknown.body == {"rt_cd": "1", "msg_cd": "OPSQ0002", "msg1": "없는 서비스 코드 입니다."}
        misplaced = await kis.get(QUOT + "inquire-price", "TTTC8434R", Q)  # a TR of another path
        assert misplaced.body["msg_cd"] == "OPSQ0002"
        paper_id = await kis.get(TRAD + "inquire-balance", "VTTC8434R", kis.account())
        assert paper_id.body["msg_cd"] == "OPSQ0002"
        holiday = await kis.get(
            QUOT + "chk-holiday", "CTCA0903R", {"BASS_DT": "20260101", "CTX_AREA_NK": "", "CTX_AREA_FK": ""}
        )
        assert holiday.body["rt_cd"] == "0"
        rows = holiday.body["output"]
        assert tuple(rows[0]) == rf.CHK_HOLIDAY_OUTPUT
        assert rows[0]["bass_dt"] == "20260101" and rows[0]["wday_dvsn_cd"] == "05"  # a Thursday
        assert holiday.header("tr_cont") in ("F", "M")


async def test_paper_server_tr_ids_and_unsupported_trs() -> None:
    async with running(fast("paper")) as kis:
        await kis.login()
        quote = await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)
        assert quote.body["rt_cd"] == "0"  # market-data TRs are the same in both envs
        real_id = await kis.get(TRAD + "inquire-balance", "TTTC8434R", kis.account())
        assert real_id.status == 500 and real_id.body["msg_cd"] == "EGW00213"
        ok = await kis.get(TRAD + "inquire-balance", "VTTC8434R", kis.account())
        assert ok.body["rt_cd"] == "0"
        for tr in ("VTTC0084R", "TTTC0084R", "VTTC8036R"):
            unsupported = await kis.get(TRAD + "inquire-psbl-rvsecncl", tr, kis.account())
            assert unsupported.body["rt_cd"] == "1"
            assert unsupported.body["msg1"] == "모의투자에서는 해당업무가 제공되지 않습니다."
        nx = await kis.get(QUOT + "inquire-price", "FHKST01010100", {**Q, "FID_COND_MRKT_DIV_CODE": "NX"})
        assert nx.body["msg_cd"] == "OPSQ2001"


async def test_replay_source_serves_the_csv_history(tmp_path: Path) -> None:
    csv = tmp_path / "005930.csv"
    csv.write_text(
        "date,open,high,low,close,volume,code,name\n"
        "20250310,70000,71000,69500,70500,1000000,005930,삼성전자\n"
        "20250311,70500,72000,70100,71800,1200000,005930,삼성전자\n"
        "20250312,71800,72500,71000,72000,900000,005930,삼성전자\n",
        encoding="utf-8",
    )
    async with running(fast(source=f"replay:{csv}", start_date=date(2025, 3, 12))) as kis:
        await kis.login()
        assert kis.sim.hub.trading_date() == date(2025, 3, 12)
        params = {
            **Q,
            "FID_INPUT_DATE_1": "20250301",
            "FID_INPUT_DATE_2": "20250311",
            "FID_PERIOD_DIV_CODE": "D",
        }
        body = (await kis.get(QUOT + "inquire-daily-itemchartprice", "FHKST03010100", params)).body
        rows = {r["stck_bsop_date"]: r for r in body["output2"]}
        assert list(rows) == ["20250311", "20250310"]
        assert (rows["20250311"]["stck_clpr"], rows["20250311"]["stck_hgpr"]) == ("71800", "72000")
        assert rows["20250311"]["prdy_vrss"] == "1300" and rows["20250311"]["prdy_vrss_sign"] == "2"
        price = (await kis.get(QUOT + "inquire-price", "FHKST01010100", Q)).body["output"]
        assert price["stck_sdpr"] == "71800"  # base = previous close


def _day_before(yyyymmdd: str) -> str:
    from datetime import date, timedelta

    day = date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:]))
    return (day - timedelta(days=1)).strftime("%Y%m%d")


async def test_search_info_names_the_product_and_answers_rt_cd_7_for_no_data() -> None:
    async with running(fast("real")) as kis:
        await kis.login()
        reply = await kis.get(QUOT + "search-info", "CTPF1604R", {"PDNO": "005930", "PRDT_TYPE_CD": "300"})
        assert reply.status == 200 and reply.header("tr_id") == "CTPF1604R"
        body = reply.body
        assert list(body) == ["output", "rt_cd", "msg_cd", "msg1"]
        assert (body["rt_cd"], body["msg_cd"], body["msg1"].rstrip()) == ("0", "KIOK0530", "조회되었습니다")
        out = body["output"]
        assert isinstance(out, dict) and tuple(out) == rf.SEARCH_INFO_OUTPUT
        name = kis.sim.hub.instruments[Symbol("005930")].name
        assert (out["pdno"], out["shtn_pdno"], out["prdt_type_cd"]) == ("005930", "005930", "300")
        assert out["prdt_abrv_name"] == out["prdt_name"] == out["prdt_name120"] == name != ""
        for field in ("prdt_eng_name", "prdt_eng_name120", "prdt_eng_abrv_name", "prdt_clsf_name"):
            assert out[field] != "", field  # §11.6
        assert out["std_pdno"] == "KR7005930003"  # the real ISIN, Luhn check digit included
        real_isins = {"000660": "KR7000660001", "069500": "KR7069500007", "035420": "KR7035420009"}
        assert {code: isin(Symbol(code)) for code in real_isins} == real_isins
        # a valid code not yet listed is listed on demand, as for inquire-price
        fresh = await kis.get(QUOT + "search-info", "CTPF1604R", {"pdno": "123450", "prdt_type_cd": "300"})
        assert fresh.body["rt_cd"] == "0" and fresh.body["output"]["shtn_pdno"] == "123450"
        assert fresh.body["output"]["prdt_name"] == kis.sim.hub.instruments[Symbol("123450")].name
        # no data (python-kis moves to the next product type on rt_cd "7"): foreign type, bad code
        for params in ({"PDNO": "005930", "PRDT_TYPE_CD": "512"}, {"PDNO": "AAPL", "PRDT_TYPE_CD": "300"}):
            none = (await kis.get(QUOT + "search-info", "CTPF1604R", params)).body
            assert (none["rt_cd"], none["msg_cd"]) == ("7", "KIOK0560") and "output" not in none
        missing = await kis.get(QUOT + "search-info", "CTPF1604R", {"PDNO": "005930"})
        assert missing.body["rt_cd"] != "0" and "PRDT_TYPE_CD" in missing.body["msg1"]
    async with running(fast("paper")) as paper:  # 모의투자 미지원
        await paper.login()
        for tr in ("CTPF1604R", "VTPF1604R"):
            unsupported = await paper.get(QUOT + "search-info", tr, {"PDNO": "005930", "PRDT_TYPE_CD": "300"})
            assert unsupported.body["rt_cd"] == "1"
            assert unsupported.body["msg1"] == "모의투자에서는 해당업무가 제공되지 않습니다."
