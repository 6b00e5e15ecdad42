# ruff: noqa: E501
"""Execution notices (AES-encrypted H0STCNI0/H0STCNI9), subscribe acks and orderbook records,
fuzzed through the client's ``FrameDecoder``: events or ``ParseError``, nothing else.

tests/unit/test_protocol_fuzz.py fuzzes ``parse_frame`` on arbitrary text and
test_client_ws_events*.py the trade paths; this file covers what they do not reach:

* well-encrypted notices whose plaintext records are anything (any width, any field values,
  several records per frame, both TRs, the 26- and 23-field layouts with fields broken);
* damaged ciphertext: flipped bits, truncation, junk appended, random bytes, a wrong key;
* acks carrying any key/iv, and a decoder that installs whatever a successful ack gave;
* H0STASP0 records with any field replaced.

Parsed notices must be sane: side BUY/SELL, integer quantities and prices, a KST timestamp on
the decoder's day.
"""

from __future__ import annotations

import base64
from datetime import date

from hypothesis import example, given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.domain.types import KST, OrderBook, Side
from kistrade.kis.client.models import ExecutionNotice
from kistrade.kis.client.ws_events import Event, FrameDecoder
from kistrade.kis.protocol import AesCipher, ControlFrame, build_ack, parse_frame
from kistrade.kis.protocol.realtime_fields import ORDERBOOK_FIELDS

DAY = date(2025, 3, 14)
KEY, IV = "abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef"
CIPHER = AesCipher(KEY, IV)
NOTICE_TRS = ("H0STCNI0", "H0STCNI9")
# §6.6 test vector and the §7.3 legacy examples, verbatim
NOTICE_FRAME = "1|H0STCNI0|001|E3SF1qGt5S2QgNu9hOPZniknSkngkhl+ey60DbLMBckXw/FjbU/ETJKNDeiWG9ldK2kWcGzPRhGTECAUtPc4zfHWpKtE/SsyKkhW6gYGrA3BzBRxaCYmAtaEp7TJi3laMyeREaMlccUcam+tWarY7zdvkWq51uz4TOzQ7Q9PE3qC8ZQyKgWhLkYmSwwnHnSU"
NOTICE_26 = CIPHER.decrypt(NOTICE_FRAME.split("|")[3]).split("^")
LEGACY_FILL_TEXT = "HTS ID^1234567801^0000002891^^02^0^00^0^136480^0000000001^000003190^094941^0^2^2^06010^000000001^김한투^하림^10^^하림^000000000"
LEGACY_FILL = LEGACY_FILL_TEXT.split("^")
BOOK_TEXT = "005930^093730^0^71900^72000^72100^72200^72300^72400^72500^72600^72700^72800^71800^71700^71600^71500^71400^71300^71200^71100^71000^70900^91918^117942^92673^79708^106729^141988^176192^113906^134077^104229^95221^159371^220746^284657^212742^195370^182710^209747^376432^158171^1159362^2095167^0^0^0^0^525579^-72000^5^-100.00^3159115^0^8^0^0^0"
BOOK = BOOK_TEXT.split("^")

FIELD = st.one_of(
    st.sampled_from(
        ["", "0", "01", "02", "1", "2", "005930", "093512", "000000010", "-5", "+7", "1e3", " 1", "٣", "x"]
    ),
    st.text(st.characters(blacklist_characters="^|", blacklist_categories=("Cs",)), max_size=10),
)


def decoder() -> FrameDecoder:
    d = FrameDecoder(lambda: DAY)
    for tr in NOTICE_TRS:
        d.set_cipher(tr, KEY, IV)
    return d


def check_events(events: list[Event]) -> None:
    for ev in events:
        assert ev.ts.tzinfo is KST
        if isinstance(ev, ExecutionNotice):
            assert ev.side in (Side.BUY, Side.SELL)
            assert ev.ts.date() == DAY
            for n in (ev.qty, ev.price, ev.order_qty, ev.order_price):
                assert type(n) is int
        elif isinstance(ev, OrderBook):
            assert len(ev.asks) == len(ev.bids) == 10
            assert all(type(lv.price) is int and type(lv.qty) is int for lv in (*ev.asks, *ev.bids))


def decode_any(text: str, dec: FrameDecoder | None = None) -> None:
    try:
        events = (dec or decoder()).decode(text)
    except ParseError as exc:
        assert str(exc)
        return
    check_events(events)


def notice_frame(tr: str, records: list[list[str]], cipher: AesCipher = CIPHER) -> str:
    return f"1|{tr}|{len(records):03d}|" + cipher.encrypt("^".join("^".join(r) for r in records))


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(NOTICE_TRS),
    st.lists(st.lists(FIELD, min_size=0, max_size=30), min_size=1, max_size=3),
)
def test_encrypted_records_of_any_content(tr: str, records: list[list[str]]) -> None:
    width = max(len(r) for r in records)
    decode_any(notice_frame(tr, [r + [""] * (width - len(r)) for r in records]))


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(NOTICE_TRS),
    st.sampled_from([NOTICE_26, LEGACY_FILL]),
    st.dictionaries(st.integers(0, 25), FIELD, max_size=4),
    st.lists(FIELD, max_size=3),
)
@example("H0STCNI0", NOTICE_26, {11: "-01234"}, [])  # a signed time used to parse as 00:12:34
@example("H0STCNI0", NOTICE_26, {11: "+12345"}, [])
def test_reference_notices_with_fields_broken(
    tr: str, base: list[str], changes: dict[int, str], extra: list[str]
) -> None:
    rec = list(base)
    for i, value in changes.items():
        if i < len(rec):
            rec[i] = value
    text = notice_frame(tr, [rec + extra])
    if changes.get(11) in ("-01234", "+12345"):
        try:
            decoder().decode(text)
        except ParseError as exc:
            assert "date/time" in str(exc)
        else:
            raise AssertionError("a signed HHMMSS time was accepted")
    decode_any(text)


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(NOTICE_TRS),
    st.sampled_from(["flip", "truncate", "append", "random", "wrong_key", "whitespace", "urlsafe"]),
    st.integers(0, 10_000),
    st.binary(max_size=64),
)
def test_damaged_ciphertext(tr: str, how: str, at: int, junk: bytes) -> None:
    good = notice_frame(tr, [NOTICE_26])
    head, b64 = good.rsplit("|", 1)
    raw = bytearray(base64.b64decode(b64))
    if how == "flip":
        raw[at % len(raw)] ^= 1 << (at % 8)
        payload = base64.b64encode(bytes(raw)).decode()
    elif how == "truncate":
        payload = b64[: at % len(b64)]
    elif how == "append":
        payload = b64 + base64.b64encode(junk).decode()
    elif how == "random":
        payload = base64.b64encode(junk).decode()
    elif how == "wrong_key":
        payload = notice_frame(tr, [NOTICE_26], AesCipher(KEY[::-1], IV)).rsplit("|", 1)[1]
    elif how == "whitespace":
        payload = b64[: at % len(b64)] + "\n" + b64[at % len(b64) :]
    else:
        payload = b64.replace("+", "-").replace("/", "_")
    decode_any(f"{head}|{payload}")


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(NOTICE_TRS),
    st.text(max_size=40) | st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=32, max_size=32),
    st.text(max_size=20) | st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
)
def test_acks_with_any_key_and_iv(tr: str, key: str, iv: str) -> None:
    """The ack's key/iv reach the decoder as sent: a usable pair decrypts the session's notices,
    any other is a ParseError at ``set_cipher`` (what the WebSocket client must handle)."""
    frame = parse_frame(build_ack(tr, "HTSID", key=key, iv=iv))
    assert isinstance(frame, ControlFrame) and frame.key == key and frame.iv == iv
    assert "key=<redacted>" in repr(frame) and "raw=<redacted>" in repr(frame)  # never logged
    dec = FrameDecoder(lambda: DAY)
    try:
        dec.set_cipher(tr, key, iv)
    except ParseError:
        decode_any(notice_frame(tr, [NOTICE_26]), dec)  # no cipher: a ParseError, not a crash
        return
    [notice] = dec.decode(notice_frame(tr, [NOTICE_26], AesCipher(key, iv)))
    assert isinstance(notice, ExecutionNotice) and notice.qty == 10


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(st.integers(0, len(ORDERBOOK_FIELDS) - 1), FIELD, min_size=1, max_size=4),
    st.integers(1, 3),
)
def test_orderbook_records_with_fields_broken(changes: dict[int, str], count: int) -> None:
    rec = list(BOOK)
    for i, value in changes.items():
        rec[i] = value
    decode_any(f"0|H0STASP0|{count:03d}|" + "^".join(rec * count))
