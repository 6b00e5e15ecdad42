"""Whatever a KIS REST answer holds, the client's mapping gives a typed value or a ``ParseError``
that names the TR (and the field): never another exception, never a NaN, an infinite number or a
naive timestamp in a parsed value.

Every mapping function of ``kis/client/mapping.py`` gets output blocks built from its documented
field names (``kis/protocol/rest_fields.py``) with values that are sometimes right and often
wrong (numbers with grouping, NaN, huge exponents, wrong JSON types, odd dates and times), and
arbitrary JSON in place of the block. ``ctx_is_blank``/``classify``/``parse_oauth_error`` (the
envelope readers) get arbitrary JSON values too.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.domain.types import Symbol
from kistrade.kis.client import mapping
from kistrade.kis.protocol import rest_fields as rf
from kistrade.kis.protocol.codes import ErrorClass, classify, ctx_is_blank, parse_oauth_error

DAY = date(2025, 3, 14)
SYM = Symbol("005930")

# Values a numeric/date/time field may hold: good ones, KIS's own oddities and garbage.
_EDGE = [
    "",
    " ",
    "0",
    "-0",
    "71900",
    "0000071900",
    "1,234,567",
    "71900.00",
    "-100.5",
    "+5",
    "1e5",
    "1E+2",
    "1e999999999",
    "-1e999999999",
    "9" * 30,
    "9" * 5000,
    "NaN",
    "sNaN",
    "-nan",
    "Infinity",
    "-inf",
    "1_000",
    "١٢٣",
    "x",
    "12x",
    "01",
    "02",
    "09",
    "Y",
    "N",
    "20250314",
    "20251399",
    "2025031",
    "202503140",
    "-2025031",
    "093000",
    "93000",
    "240000",
    "-1",
    "1234567",
    "12:30:00",
]
_SCALAR = st.one_of(
    st.sampled_from(_EDGE),
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
    st.text(alphabet=st.sampled_from("0123456789-+.,eE nN "), max_size=12),
    st.text(max_size=8),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_VALUE = st.one_of(_SCALAR, _SCALAR, _SCALAR, _JSON)


_PLAUSIBLE = st.sampled_from(["0", "1", "71900", "20250314", "093000", "01", "02", "Y", ""])


def _row(fields: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """A sparse row of any values, or every documented field plausible with a few broken."""
    names = st.sampled_from((*fields, *(a for alias in rf.ALIASES.values() for a in alias), "junk"))
    sparse = st.dictionaries(names, _VALUE, max_size=10)
    dense = st.builds(
        lambda base, broken: {**base, **broken},
        st.fixed_dictionaries(dict.fromkeys(fields, _PLAUSIBLE)),
        st.dictionaries(names, _VALUE, max_size=2),
    )
    return st.one_of(sparse, dense)


def _block(fields: tuple[str, ...]) -> st.SearchStrategy[Any]:
    row = _row(fields)
    return st.one_of(row, st.lists(st.one_of(row, row, row, _JSON), max_size=4), _JSON)


def _check_parsed(value: object, path: str = "result") -> None:
    """A parsed value holds no NaN/infinite number and no naive timestamp, at any depth."""
    if isinstance(value, Decimal):
        assert value.is_finite(), path
    elif isinstance(value, float):
        assert math.isfinite(value), path
    elif isinstance(value, datetime):
        assert value.tzinfo is not None, path
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_parsed(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _check_parsed(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, msgspec.Struct):
        for name in value.__struct_fields__:
            _check_parsed(getattr(value, name), f"{path}.{name}")


def _run(tr: str, call: Callable[[], object]) -> None:
    try:
        result = call()
    except ParseError as exc:
        assert str(exc).startswith(tr), f"error does not name {tr}: {exc}"
        return
    _check_parsed(result)


FUZZ = settings(max_examples=60, deadline=None)


@FUZZ
@given(_block(rf.INQUIRE_PRICE))
@example({"stck_prpr": "1e999999999"})  # int(Decimal) of a huge exponent used to hang
@example({"stck_prpr": "NaN"})  # used to escape as ValueError
@example({"stck_prpr": "1", "prdy_ctrt": "Infinity"})  # used to escape as OverflowError
@example({"stck_prpr": "1", "prdy_ctrt": "NaN"})  # a NaN Decimal used to be a "parsed" rate
def test_quote(block: Any) -> None:
    _run("inquire-price", lambda: mapping.quote_from(SYM, block))


@FUZZ
@given(_block(rf.ASKING_PRICE_OUTPUT1))
@example({"aspr_acpt_hour": "-1"})  # used to parse as 00:00:01
@example({"aspr_acpt_hour": "1234567"})  # used to parse as 12:34:56
def test_orderbook(block: Any) -> None:
    _run("inquire-asking-price-exp-ccn", lambda: mapping.orderbook_from(SYM, block, DAY))


@FUZZ
@given(_block(rf.DAILY_CHART_OUTPUT2))
@example([{"stck_bsop_date": "2025031", "stck_clpr": "1"}])  # used to parse as 2025-03-01
@example([{"stck_bsop_date": "20250314junk", "stck_clpr": "1"}])
def test_daily_bars(block: Any) -> None:
    _run("inquire-daily-itemchartprice", lambda: mapping.daily_bars_from(SYM, block))


@FUZZ
@given(_block(rf.MINUTE_CHART_OUTPUT2))
def test_minute_bars(block: Any) -> None:
    _run("inquire-time-itemchartprice", lambda: mapping.minute_bars_from(SYM, block))


@FUZZ
@given(_block(rf.ORDER_OUTPUT), _JSON.map(str))
def test_order_ack(block: Any, message: str) -> None:
    _run("order", lambda: mapping.order_ack_from(block, DAY, code="APBK0013", message=message))


@FUZZ
@given(_block(rf.PSBL_RVSECNCL_OUTPUT))
def test_open_orders_psbl(block: Any) -> None:
    _run("inquire-psbl-rvsecncl", lambda: mapping.open_orders_from_psbl(block, DAY))


@FUZZ
@given(_block(rf.DAILY_CCLD_OUTPUT1))
@example({"ord_dt": "20250314", "cnc_cfrm_qty": []})  # a non-text quantity used to escape as AttributeError
def test_daily_orders_and_paper_open_orders(block: Any) -> None:
    def both() -> object:
        orders = mapping.daily_orders_from(block)
        return orders, mapping.open_orders_from_daily(orders)

    _run("inquire-daily-ccld", both)


@FUZZ
@given(_block(rf.BALANCE_OUTPUT1), _block(rf.BALANCE_OUTPUT2))
def test_balance(output1: Any, output2: Any) -> None:
    _run("inquire-balance", lambda: mapping.balance_from(mapping.holdings_from(output1), output2))


@FUZZ
@given(_block(rf.PSBL_ORDER_OUTPUT))
def test_buyable(block: Any) -> None:
    _run("inquire-psbl-order", lambda: mapping.buyable_from(block))


@FUZZ
@given(_block(rf.CHK_HOLIDAY_OUTPUT))
def test_holidays(block: Any) -> None:
    _run("chk-holiday", lambda: mapping.holidays_from(block))


@settings(max_examples=100, deadline=None)
@given(_JSON, _JSON)
@example(5, {"error_code": 1})
def test_envelope_readers_take_any_json(value: Any, body: Any) -> None:
    """The pagination key check and the envelope classifiers accept whatever JSON arrived."""
    assert isinstance(ctx_is_blank(value), bool)
    oauth = parse_oauth_error(body)
    assert oauth is None or all(isinstance(x, str) for x in oauth)
    if isinstance(body, dict):
        code, rt_cd = str(body.get("msg_cd", "")), str(body.get("rt_cd"))
        assert isinstance(classify(code, rt_cd), ErrorClass)


@pytest.mark.parametrize(
    ("text", "value"),
    [("71900", 71900), ("0000071900", 71900), ("1,234,567", 1234567), ("71900.00", 71900), ("-100", -100)],
)
def test_good_numbers_still_parse(text: str, value: int) -> None:
    assert mapping.quote_from(SYM, {"stck_prpr": text}).price == value


@pytest.mark.parametrize("hms", ["093000", "93000", "153000"])
def test_good_times_still_parse(hms: str) -> None:
    book = mapping.orderbook_from(SYM, {"aspr_acpt_hour": hms}, DAY)
    assert book.ts.strftime("%H%M%S") == hms.zfill(6)
