"""The daily-bar CSV parser: formats, clear errors naming file/line/field, and arbitrary text."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kistrade.domain.errors import InvalidInputError
from kistrade.store.csv_import import CsvFormat, DailyRow, parse_daily_csv_text

KRX_HEADER = "date,open,high,low,close,volume,ticker,code,name,interval"


def test_krx_format_keeps_leading_zeros_and_parses_compact_dates() -> None:
    text = f"{KRX_HEADER}\n19900911,364,365,364,364,471921,005930,005930,삼성전자,D\n"
    fmt, rows = parse_daily_csv_text(text, source="a.csv")
    assert fmt is CsvFormat.KRX_DAILY
    assert rows == [DailyRow("005930", date(1990, 9, 11), 364, 365, 364, 364, 471921)]  # type: ignore[arg-type]


def test_plain_format_takes_the_symbol_from_the_caller_and_both_date_forms() -> None:
    text = "date,open,high,low,close,volume\n2024-01-02,100,110,90,105,1000\n20240103,105,106,104,104,0\n"
    fmt, rows = parse_daily_csv_text(text, source="p.csv", symbol="000660")
    assert fmt is CsvFormat.PLAIN
    assert [(r.symbol, r.day, r.close) for r in rows] == [
        ("000660", date(2024, 1, 2), 105),
        ("000660", date(2024, 1, 3), 104),
    ]


def test_plain_format_without_symbol_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"p\.csv: a plain .* names no symbol"):
        parse_daily_csv_text("date,open,high,low,close,volume\n", source="p.csv")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("2024-01-02,100,110,90,105,x", r"line 3, field 'volume': expected a whole number .*'x'"),
        ("2024-02-30,100,110,90,105,1", r"line 3, field 'date': not a calendar date"),
        ("2024/01/02,100,110,90,105,1", r"line 3, field 'date': expected a date"),
        ("2024-01-02,100,99,90,95,1", r"line 3, field 'high': below open/low/close"),
        ("2024-01-02,100,110,101,105,1", r"line 3, field 'low': above open/close"),
        ("2024-01-02,0,110,0,105,1", r"line 3, field 'open': must be >= 1"),
        ("2024-01-02,100,110,90,105", r"line 3: expected 6 fields .* got 5"),
        (
            "2024-01-01,100,110,90,105,1",
            r"line 3, field 'date': 2024-01-01 for 005930 already given on line 2",
        ),
        ("2024-01-02,١٠٠,110,90,105,1", r"line 3, field 'open': expected a whole number"),
    ],
)
def test_bad_rows_name_file_line_and_field(row: str, message: str) -> None:
    text = f"date,open,high,low,close,volume\n2024-01-01,100,110,90,105,1\n{row}\n"
    with pytest.raises(InvalidInputError, match=r"bad\.csv: " + message):
        parse_daily_csv_text(text, source="bad.csv", symbol="005930")


def test_krx_code_must_match_a_given_symbol_and_interval_must_be_daily() -> None:
    row = "20240102,100,110,90,105,1,005930,005930,삼성전자"
    with pytest.raises(
        InvalidInputError, match=r"line 2, field 'code': differs from the symbol given \(000660\)"
    ):
        parse_daily_csv_text(f"{KRX_HEADER}\n{row},D\n", source="k.csv", symbol="000660")
    with pytest.raises(InvalidInputError, match=r"line 2, field 'interval': only daily"):
        parse_daily_csv_text(f"{KRX_HEADER}\n{row},W\n", source="k.csv")


def test_unknown_header_and_empty_file_are_named() -> None:
    with pytest.raises(InvalidInputError, match=r"x\.csv: line 1: unknown header 'day,price'"):
        parse_daily_csv_text("day,price\n", source="x.csv")
    with pytest.raises(InvalidInputError, match=r"x\.csv: empty file"):
        parse_daily_csv_text("\n\n", source="x.csv")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_rows_or_a_clear_error(text: str) -> None:
    try:
        _, rows = parse_daily_csv_text(text, source="fuzz.csv", symbol="005930")
    except InvalidInputError as exc:
        assert str(exc).startswith("fuzz.csv: ")
        return
    for row in rows:
        assert row.low <= min(row.open, row.close) <= max(row.open, row.close) <= row.high
