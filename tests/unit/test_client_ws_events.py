# ruff: noqa: E501
"""Frame -> event decoding against the reference records of shared/kis-protocol.md §6.6, §7."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.domain.types import OrderBook, Side, Trade
from kistrade.kis.client.models import ExecutionNotice, NoticeKind
from kistrade.kis.client.ws_events import FrameDecoder
from kistrade.kis.protocol.crypto import AesCipher

# §7.1 portal sample record (46 fields), verbatim
TRADE = "005930^093354^71900^5^-100^-0.14^72023.83^72100^72400^71700^71900^71800^1^3052507^219853241700^5105^6937^1832^84.90^1366314^1159996^1^0.39^20.28^090020^5^-200^090820^5^-500^092619^2^200^20230612^20^N^65945^216924^1118750^2199206^0.05^2424142^125.92^0^^72100"
# §7.2 portal sample (59 fields), verbatim
BOOK = "005930^093730^0^71900^72000^72100^72200^72300^72400^72500^72600^72700^72800^71800^71700^71600^71500^71400^71300^71200^71100^71000^70900^91918^117942^92673^79708^106729^141988^176192^113906^134077^104229^95221^159371^220746^284657^212742^195370^182710^209747^376432^158171^1159362^2095167^0^0^0^0^525579^-72000^5^-100.00^3159115^0^8^0^0^0"
# §6.6 test vector
KEY, IV = "abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef"
NOTICE_FRAME = "1|H0STCNI0|001|E3SF1qGt5S2QgNu9hOPZniknSkngkhl+ey60DbLMBckXw/FjbU/ETJKNDeiWG9ldK2kWcGzPRhGTECAUtPc4zfHWpKtE/SsyKkhW6gYGrA3BzBRxaCYmAtaEp7TJi3laMyeREaMlccUcam+tWarY7zdvkWq51uz4TOzQ7Q9PE3qC8ZQyKgWhLkYmSwwnHnSU"
# §7.3 legacy 23-field examples, verbatim
LEGACY_ACCEPTED = "HTS ID^1234567801^0000002891^^02^0^01^0^136480^0000000001^000000000^094941^0^1^1^06010^000000001^김한투^하림^10^^하림^"
LEGACY_FILL = "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투^하림^10^^하림^000000000"

DAY = date(2025, 3, 14)


def decoder() -> FrameDecoder:
    return FrameDecoder(lambda: DAY)


def test_trade_record() -> None:
    [t] = decoder().decode("0|H0STCNT0|001|" + TRADE)
    assert isinstance(t, Trade)
    assert t.symbol == "005930" and t.price == 71900 and t.qty == 1 and t.cum_volume == 3052507
    assert t.aggressor is Side.BUY
    assert (t.ts.year, t.ts.month, t.ts.day, t.ts.hour, t.ts.minute, t.ts.second) == (2023, 6, 12, 9, 33, 54)


def test_multi_record_frame() -> None:
    second = TRADE.replace("^093354^71900^", "^093355^72000^").replace("^1^0.39^", "^5^0.39^")
    frame = "0|H0STCNT0|004|" + "^".join([TRADE, second, TRADE, second])
    events = decoder().decode(frame)
    assert [e.price for e in events if isinstance(e, Trade)] == [71900, 72000, 71900, 72000]
    assert [e.aggressor for e in events if isinstance(e, Trade)][:2] == [Side.BUY, Side.SELL]


def test_extra_trailing_fields_are_tolerated() -> None:
    wide = TRADE + "^NEW1^NEW2"
    events = decoder().decode("0|H0STCNT0|002|" + wide + "^" + wide)
    assert len(events) == 2 and all(isinstance(e, Trade) and e.price == 71900 for e in events)
    [book] = decoder().decode("0|H0STASP0|001|" + BOOK + "^X")
    assert isinstance(book, OrderBook)


def test_orderbook_record() -> None:
    [b] = decoder().decode("0|H0STASP0|001|" + BOOK)
    assert isinstance(b, OrderBook) and b.symbol == "005930"
    assert b.best_ask == 71900 and b.best_bid == 71800 and len(b.asks) == 10 and len(b.bids) == 10
    assert (
        b.asks[0].qty == 91918
        and b.bids[9].price == 70900
        and b.bids[9].qty == 158171
        and b.bids[0].qty == 95221
    )
    assert b.ts.date() == DAY and (b.ts.hour, b.ts.minute, b.ts.second) == (9, 37, 30)


def test_notice_test_vector_26_fields() -> None:
    d = decoder()
    d.set_cipher("H0STCNI0", KEY, IV)
    [n] = d.decode(NOTICE_FRAME)
    assert isinstance(n, ExecutionNotice)
    assert n.account == "1234567801" and n.broker_order_id == "0000012345" and n.original_order_id == ""
    assert n.side is Side.BUY and n.kind is NoticeKind.NEW and n.symbol == "005930"
    assert (n.qty, n.price) == (10, 71900) and n.is_fill and not n.rejected
    assert n.org_no == "00950" and n.order_qty == 10 and n.order_price == 71900 and n.name == "삼성전자"
    assert (n.ts.hour, n.ts.minute, n.ts.second) == (9, 35, 12) and n.ts.date() == DAY


def test_notice_without_key_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="no key/iv"):
        decoder().decode(NOTICE_FRAME)


@pytest.mark.parametrize(("record", "fill"), [(LEGACY_ACCEPTED, False), (LEGACY_FILL, True)])
def test_legacy_23_field_notices(record: str, fill: bool) -> None:
    d = decoder()
    d.set_cipher("H0STCNI9", KEY, IV)
    frame = "1|H0STCNI9|001|" + AesCipher(KEY, IV).encrypt(record)
    [n] = d.decode(frame)
    assert isinstance(n, ExecutionNotice) and n.is_fill is fill
    assert n.broker_order_id == "0000002891" and n.org_no == "06010" and n.symbol == "136480"
    assert n.qty == 1 and n.price == (3190 if fill else 0) and n.name == "하림"


def test_cancel_and_reject_notices() -> None:
    base = LEGACY_ACCEPTED.split("^")
    cancel = base.copy()
    cancel[3], cancel[5], cancel[14] = "0000002890", "2", "2"
    reject = base.copy()
    reject[12] = "1"
    d = decoder()
    d.set_cipher("H0STCNI0", KEY, IV)
    c = AesCipher(KEY, IV)
    frame = "1|H0STCNI0|002|" + c.encrypt("^".join(cancel) + "^" + "^".join(reject))
    first, second = d.decode(frame)
    assert isinstance(first, ExecutionNotice) and isinstance(second, ExecutionNotice)
    assert first.kind is NoticeKind.CANCEL and first.original_order_id == "0000002890"
    assert second.rejected and not second.is_fill


@pytest.mark.parametrize(
    "bad",
    [
        "0|H0STCNT0|001|005930^093354",  # too short
        "0|H0STCNT0|002|" + TRADE + "^x",  # does not split into 2 records
        "0|H0STCNT0|abc|" + TRADE,
        "0|H0STCNT0|000|" + TRADE,
        "0|H0STCNT0|001|" + TRADE.replace("^71900^", "^7x900^", 1),
        "0|H0STASP0|001|" + BOOK.replace("^71900^", "^?^", 1),
        "0|H0STCNT0",
        "garbage",
        "{not json",
    ],
)
def test_bad_frames_raise_parse_error(bad: str) -> None:
    with pytest.raises(ParseError):
        decoder().decode(bad)


def test_control_frames_give_no_events() -> None:
    assert decoder().decode('{"header":{"tr_id":"PINGPONG","datetime":"20250314093000"}}') == []


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=300),
        st.builds(
            lambda a, b: a + b,
            st.sampled_from(
                ["0|H0STCNT0|001|", "0|H0STASP0|001|", "1|H0STCNI0|001|", "0|H0STCNT0|002|", "0|X|1|"]
            ),
            st.text(max_size=400),
        ),
        st.builds(lambda i, s: TRADE[:i] + s + TRADE[i:], st.integers(0, len(TRADE)), st.text(max_size=5)),
    )
)
def test_fuzz_any_input_gives_events_or_parse_error(text: str) -> None:
    d = decoder()
    d.set_cipher("H0STCNI0", KEY, IV)
    try:
        events = d.decode(text)
    except ParseError:
        return
    assert all(isinstance(e, Trade | OrderBook | ExecutionNotice) for e in events)
