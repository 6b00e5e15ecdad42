"""The endpoint registry against the TR table of shared/kis-protocol.md §4.1."""

from __future__ import annotations

import pytest

from kistrade.kis.protocol import (
    ENDPOINTS,
    REST_HOSTS,
    WS_HOSTS,
    Env,
    Shape,
    UnknownTrError,
    accepts,
    endpoint,
    endpoints_at,
    lookup_tr,
    paper_tr_id,
    tr_id,
)

# (name, real new, real old, paper new, paper old) as in the §4.1 table.
TABLE = [
    ("inquire_price", "FHKST01010100", None, "FHKST01010100", None),
    ("inquire_asking_price_exp_ccn", "FHKST01010200", None, "FHKST01010200", None),
    ("inquire_daily_itemchartprice", "FHKST03010100", None, "FHKST03010100", None),
    ("inquire_time_itemchartprice", "FHKST03010200", None, "FHKST03010200", None),
    ("order_cash_buy", "TTTC0012U", "TTTC0802U", "VTTC0012U", "VTTC0802U"),
    ("order_cash_sell", "TTTC0011U", "TTTC0801U", "VTTC0011U", "VTTC0801U"),
    ("order_rvsecncl", "TTTC0013U", "TTTC0803U", "VTTC0013U", "VTTC0803U"),
    ("inquire_psbl_rvsecncl", "TTTC0084R", "TTTC8036R", None, None),
    ("inquire_balance", "TTTC8434R", None, "VTTC8434R", None),
    ("inquire_psbl_order", "TTTC8908R", None, "VTTC8908R", None),
    ("inquire_daily_ccld", "TTTC0081R", "TTTC8001R", "VTTC0081R", "VTTC8001R"),
    ("inquire_daily_ccld_old", "CTSC9215R", "CTSC9115R", "VTSC9215R", "VTSC9115R"),
    ("chk_holiday", "CTCA0903R", None, None, None),
    ("search_info", "CTPF1604R", None, None, None),
]


@pytest.mark.parametrize(("name", "real", "real_old", "paper", "paper_old"), TABLE)
def test_tr_ids_match_the_reference_table(
    name: str, real: str, real_old: str | None, paper: str | None, paper_old: str | None
) -> None:
    e = endpoint(name)
    assert (e.real, e.real_old, e.paper, e.paper_old) == (real, real_old, paper, paper_old)
    assert tr_id(name, Env.REAL) == real
    assert tr_id(name, "real") == real
    if paper is None:
        with pytest.raises(UnknownTrError, match="paper"):
            tr_id(name, Env.PAPER)
        assert not e.supports(Env.PAPER)
    else:
        assert tr_id(name, Env.PAPER) == paper


def test_registry_holds_exactly_the_table() -> None:
    assert {e.name for e in ENDPOINTS} == {row[0] for row in TABLE}


@pytest.mark.parametrize(
    ("tr", "name", "env", "old"),
    [
        ("TTTC0012U", "order_cash_buy", Env.REAL, False),
        ("TTTC0802U", "order_cash_buy", Env.REAL, True),
        ("VTTC0802U", "order_cash_buy", Env.PAPER, True),
        ("VTTC0011U", "order_cash_sell", Env.PAPER, False),
        ("TTTC8036R", "inquire_psbl_rvsecncl", Env.REAL, True),
        ("VTSC9215R", "inquire_daily_ccld_old", Env.PAPER, False),
        ("FHKST01010100", "inquire_price", None, False),
        ("CTPF1604R", "search_info", Env.REAL, False),
    ],
)
def test_lookup_tr_accepts_old_and_new_ids(tr: str, name: str, env: Env | None, old: bool) -> None:
    match = lookup_tr(tr)
    assert match is not None
    ep, found_env, is_old = match
    assert (ep.name, found_env, is_old) == (name, env, old)


def test_unknown_lookups() -> None:
    assert lookup_tr("ZZZZ0000R") is None
    with pytest.raises(UnknownTrError, match="no_such"):
        endpoint("no_such")


def test_accepts_per_environment() -> None:
    assert accepts("TTTC0012U", Env.REAL) and not accepts("TTTC0012U", Env.PAPER)
    assert accepts("VTTC0802U", "paper") and not accepts("VTTC0802U", "real")
    assert accepts("FHKST01010100", Env.PAPER) and accepts("FHKST01010100", Env.REAL)
    assert not accepts("VTTC0084R", Env.PAPER)  # psbl-rvsecncl: not in paper
    assert accepts("CTPF1604R", Env.REAL) and not accepts("CTPF1604R", Env.PAPER)  # search-info
    assert lookup_tr("VTPF1604R") is None  # no paper twin (모의투자 미지원)


def test_paper_rule() -> None:
    assert paper_tr_id("TTTC0012U") == "VTTC0012U"
    assert paper_tr_id("CTSC9215R") == "VTSC9215R"
    assert paper_tr_id("JTCE5005R") == "VTCE5005R"
    assert paper_tr_id("FHKST01010100") == "FHKST01010100"


def test_paths_shapes_and_pages() -> None:
    assert {e.name for e in endpoints_at("post", "/uapi/domestic-stock/v1/trading/order-cash")} == {
        "order_cash_buy",
        "order_cash_sell",
    }
    assert len(endpoints_at("GET", "/uapi/domestic-stock/v1/trading/inquire-daily-ccld")) == 2
    bal = endpoint("inquire_balance")
    assert bal.paginated and (bal.rows(Env.REAL), bal.rows(Env.PAPER)) == (50, 20)
    assert dict(bal.outputs) == {"output1": Shape.ARRAY, "output2": Shape.ARRAY}
    ccld = endpoint("inquire_daily_ccld")
    assert (ccld.rows(Env.REAL), ccld.rows(Env.PAPER)) == (100, 15)
    assert dict(ccld.outputs) == {"output1": Shape.ARRAY, "output2": Shape.OBJECT}
    assert endpoint("inquire_psbl_rvsecncl").rows(Env.REAL) == 50
    assert endpoint("inquire_daily_itemchartprice").rows(Env.REAL) == 100
    assert not endpoint("inquire_daily_itemchartprice").paginated
    assert endpoint("inquire_time_itemchartprice").rows(Env.PAPER) == 30
    assert dict(endpoint("inquire_asking_price_exp_ccn").outputs) == {
        "output1": Shape.OBJECT,
        "output2": Shape.OBJECT,
    }
    assert bal.ctx_keys == ("ctx_area_fk100", "ctx_area_nk100") == endpoint("inquire_psbl_rvsecncl").ctx_keys
    assert endpoint("chk_holiday").ctx_keys == ("ctx_area_fk", "ctx_area_nk")
    assert endpoint("inquire_price").ctx_keys is None
    assert endpoint("inquire_price").method == "GET" and endpoint("order_rvsecncl").method == "POST"
    info = endpoint("search_info")
    assert (info.method, info.path) == ("GET", "/uapi/domestic-stock/v1/quotations/search-info")
    assert dict(info.outputs) == {"output": Shape.OBJECT} and not info.paginated and info.ctx_keys is None


def test_hosts() -> None:
    assert REST_HOSTS[Env.REAL] == "https://openapi.koreainvestment.com:9443"
    assert REST_HOSTS[Env.PAPER] == "https://openapivts.koreainvestment.com:29443"
    assert WS_HOSTS[Env.REAL].endswith(":21000") and WS_HOSTS[Env.PAPER].endswith(":31000")
