"""Whatever text arrives, parse_frame returns a frame or raises ParseError: nothing else escapes."""

from __future__ import annotations

import contextlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.kis.protocol import (
    AesCipher,
    ControlFrame,
    DataFrame,
    decode_notice,
    decode_orderbook,
    decode_trade,
)
from kistrade.kis.protocol import parse_frame as parse
from kistrade.kis.protocol.realtime import parse_subscribe

CIPHER = AesCipher("abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef")
TRS = st.sampled_from(["H0STCNT0", "H0STASP0", "H0STCNI0", "H0STCNI9", "H0NXCNT0", "XXXX", "", "PINGPONG"])
FIELD = st.text(alphabet=st.sampled_from("0123456789-.^|AZ가 "), max_size=8)


def _check(text: str) -> None:
    try:
        frame = parse(text, CIPHER)
    except ParseError:
        return
    assert isinstance(frame, DataFrame | ControlFrame)
    if isinstance(frame, DataFrame):
        assert len(frame.records) == frame.count
        decoder = {"H0STCNT0": decode_trade, "H0STASP0": decode_orderbook, "H0STCNI0": decode_notice}.get(
            frame.tr_id
        )
        for rec in frame.records:
            if decoder is not None:
                with contextlib.suppress(ParseError):
                    decoder(rec)


@settings(max_examples=250, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text: str) -> None:
    _check(text)


@settings(max_examples=250, deadline=None)
@given(
    st.sampled_from(["0", "1", "2", "{", ""]),
    TRS,
    st.text(alphabet="0123456789a ", max_size=4),
    st.lists(FIELD, max_size=140),
)
def test_data_shaped_text(enc: str, tr: str, count: str, fields: list[str]) -> None:
    _check(f"{enc}|{tr}|{count}|" + "^".join(fields))


@settings(max_examples=200, deadline=None)
@given(TRS, st.integers(min_value=1, max_value=3), st.integers(min_value=20, max_value=62), FIELD)
def test_well_counted_frames_of_any_width(tr: str, count: int, width: int, filler: str) -> None:
    fields = [filler.replace("^", "").replace("|", "")] * (count * width)
    _check(f"0|{tr}|{count:03d}|" + "^".join(fields))
    _check(f"1|{tr}|{count:03d}|" + CIPHER.encrypt("^".join(fields)))


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
)
def test_json_shaped_text(value: object) -> None:
    for obj in (value, {"header": value}, {"header": {"tr_id": "H0STCNT0"}, "body": value}):
        text = json.dumps(obj)
        _check(text)
        with contextlib.suppress(ParseError):
            parse_subscribe(text)


def test_deeply_nested_json_is_a_parse_error() -> None:
    try:
        parse("{" + '"a":[' * 100_000)
    except ParseError:
        return
    raise AssertionError("expected ParseError")
