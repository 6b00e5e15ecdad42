# ruff: noqa: E501
"""``FrameDecoder.decode``'s trade fast path (split to the last field read, caches) against the
general path (``parse_frame`` -> ``FrameDecoder.events``) and an independent oracle built from
``decode_trade`` (kis.protocol.realtime_records) on many random frames."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.domain.types import KST, Side, Symbol, Trade
from kistrade.kis.client import ws_events
from kistrade.kis.client.ws_events import Event, FrameDecoder
from kistrade.kis.protocol.realtime import ControlFrame, parse_frame
from kistrade.kis.protocol.realtime_fields import TRADE_FIELDS, field_index
from kistrade.kis.protocol.realtime_records import decode_trade

DAY = date(2025, 3, 14)
# §7.1 portal sample record (46 fields), verbatim
SAMPLE = "005930^093354^71900^5^-100^-0.14^72023.83^72100^72400^71700^71900^71800^1^3052507^219853241700^5105^6937^1832^84.90^1366314^1159996^1^0.39^20.28^090020^5^-200^090820^5^-500^092619^2^200^20230612^20^N^65945^216924^1118750^2199206^0.05^2424142^125.92^0^^72100"
BASE = SAMPLE.split("^")
WIDTH = len(TRADE_FIELDS)
INTS = [
    field_index(TRADE_FIELDS, name)
    for name in ("PRDY_VRSS", "STCK_OPRC", "STCK_HGPR", "STCK_LWPR", "ASKP1", "BIDP1", "ACML_TR_PBMN")
]
SYM, HOUR, PRICE, VOL, CUM, DVSN, BDATE = (
    field_index(TRADE_FIELDS, name)
    for name in (
        "MKSC_SHRN_ISCD",
        "STCK_CNTG_HOUR",
        "STCK_PRPR",
        "CNTG_VOL",
        "ACML_VOL",
        "CCLD_DVSN",
        "BSOP_DATE",
    )
)


OTHER = [i for i in range(WIDTH) if i not in {*INTS, SYM, HOUR, PRICE, VOL, CUM, DVSN, BDATE}]


def general_path(text: str) -> list[Event]:
    """The slow path: a fresh decoder, no fast path, no warm caches."""
    frame = parse_frame(text)
    if isinstance(frame, ControlFrame):
        return []
    return FrameDecoder(lambda: DAY).events(frame)


def oracle(record: list[str]) -> Trade:
    """What a record means, from the protocol layer's own typed decoder."""
    r = decode_trade(record)
    d, t = r.business_date, r.time
    ts = datetime(int(d[:4]), int(d[4:6]), int(d[6:8]), int(t[:2]), int(t[2:4]), int(t[4:6]), tzinfo=KST)
    aggressor = {"1": Side.BUY, "5": Side.SELL}.get(r.side)
    return Trade(Symbol(r.symbol), ts, r.price, r.volume, aggressor, r.cum_volume)


free_text = st.sampled_from(["", "0", "N", "-0.14", "20.28"]) | st.text(
    st.characters(blacklist_characters="^", blacklist_categories=("Cs",)), max_size=6
)
ints = st.integers(0, 10**12).map(str) | st.integers(-(10**6), 10**6).map(lambda i: f"{i:+d}")
times = st.builds(
    lambda h, m, s: f"{h:02d}{m:02d}{s:02d}", st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)
)
dates = st.dates(date(2000, 1, 1), date(2099, 12, 31)).map(lambda d: d.strftime("%Y%m%d"))


@st.composite
def records(draw: st.DrawFn) -> list[str]:
    """The §7.1 sample with random read fields, a few other fields changed, and extra fields."""
    rec = BASE + draw(st.lists(free_text, max_size=3))
    for i, value in draw(st.dictionaries(st.sampled_from(OTHER), free_text, max_size=4)).items():
        rec[i] = value
    for i in draw(st.lists(st.sampled_from(INTS), max_size=2)):
        rec[i] = draw(ints)
    rec[SYM] = draw(st.sampled_from(["005930", "000660", "Q500001"]) | free_text)
    rec[HOUR] = draw(times)
    rec[BDATE] = draw(st.sampled_from(["20230612", "20250314"]) | dates)
    rec[PRICE], rec[VOL], rec[CUM] = draw(ints), draw(st.sampled_from(["1", "10", "0"]) | ints), draw(ints)
    rec[DVSN] = draw(st.sampled_from(["1", "5", "3", ""]))
    return rec


def single(rec: list[str]) -> str:
    return "0|H0STCNT0|001|" + "^".join(rec)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), min_size=1, max_size=8))
def test_fast_path_equals_general_path_and_oracle(recs: list[list[str]]) -> None:
    dec = FrameDecoder(lambda: DAY)  # one decoder: caches warm up and switch dates across frames
    for rec in recs:
        text = single(rec)
        [fast] = dec.decode(text)
        assert [fast] == general_path(text) == [oracle(rec)]
        assert isinstance(fast, Trade) and type(fast.symbol) is str and fast.ts.tzinfo is KST


@settings(max_examples=80, deadline=None)
@given(st.lists(records(), min_size=2, max_size=4), st.sampled_from(["H0STCNT0", "H0NXCNT0", "H0UNCNT0"]))
def test_multi_record_frames_equal_general_path(recs: list[list[str]], tr: str) -> None:
    width = max(len(r) for r in recs)
    padded = [r + [""] * (width - len(r)) for r in recs]
    text = f"0|{tr}|{len(padded):03d}|" + "^".join("^".join(r) for r in padded)
    assert FrameDecoder(lambda: DAY).decode(text) == general_path(text) == [oracle(r) for r in padded]


def outcome(decode: Callable[[str], list[Event]], text: str) -> object:
    try:
        return decode(text)
    except ParseError:
        return ParseError


@settings(max_examples=300, deadline=None)
@given(
    records(),
    st.integers(0, 400),
    st.integers(0, 6),
    st.text(alphabet="^|0123456789x :-+", max_size=4),
)
def test_damaged_frames_fail_or_agree_like_the_general_path(
    rec: list[str], at: int, cut: int, insert: str
) -> None:
    """Cut and insert characters anywhere (fields lost, numbers broken, times out of range): the
    fast path raises ParseError exactly when the general path does, else gives the same events."""
    text = single(rec)
    at %= len(text) + 1
    bad = text[:at] + insert + text[at + cut :]
    warm = FrameDecoder(lambda: DAY)
    warm.decode(text)  # caches primed with the undamaged frame's values
    assert outcome(warm.decode, bad) == outcome(general_path, bad)


@pytest.mark.parametrize(
    "bad",
    [
        "0|H0STCNT0|001|" + "^" * (WIDTH - 2),  # one field short
        "0|H0STCNT0|001|005930^093354^7x1^" + "^" * (WIDTH - 4),
        "0|H0STCNT0|001|005930^256199^1^" + "^" * (WIDTH - 4),
    ],
)
def test_short_or_malformed_single_frames_raise_parse_error(bad: str) -> None:
    with pytest.raises(ParseError):
        FrameDecoder(lambda: DAY).decode(bad)


def test_symbols_are_shared_and_caches_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ws_events, "_MAX_SYMBOLS", 3)
    monkeypatch.setattr(ws_events, "_MAX_NUMBERS", 5)
    dec = FrameDecoder(lambda: DAY)
    [a] = dec.decode(single(BASE))
    [b] = dec.decode(single(BASE))
    assert isinstance(a, Trade) and isinstance(b, Trade) and a == b and a.symbol is b.symbol
    for i in range(50):
        rec = BASE.copy()
        rec[SYM], rec[PRICE], rec[VOL] = f"{i:06d}", str(70000 + i), str(i)
        [t] = dec.decode(single(rec))
        assert isinstance(t, Trade) and (t.symbol, t.price, t.qty) == (f"{i:06d}", 70000 + i, i)
        assert len(dec.symbols) <= 3 and len(dec.numbers) <= 5
