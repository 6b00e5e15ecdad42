"""Telegram reply formatting: won amounts, prices, message splitting (pure)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kistrade.interfaces.telegram_format import pct, price, signed_won, split_message, won


def test_won_amounts_and_prices() -> None:
    assert won(1_234_500) == "1,234,500원"
    assert signed_won(12_345) == "+12,345원"
    assert signed_won(-500) == "-500원"
    assert signed_won(0) == "+0원"
    assert pct(Decimal("-3")) == "-3.00%"
    assert price(Decimal("70150.5")) == "70,150.50"
    assert price(Decimal("71000.00")) == "71,000"
    assert price(182_500) == "182,500"


lines = st.lists(st.text(alphabet=st.characters(blacklist_characters="\n"), max_size=30), max_size=40)


@given(lines, st.integers(min_value=30, max_value=200))
def test_split_keeps_every_line_and_respects_the_limit(parts: list[str], limit: int) -> None:
    text = "\n".join(parts)
    chunks = split_message(text, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    assert "\n".join(chunks) == text


@given(st.text(max_size=500), st.integers(min_value=1, max_value=50))
def test_split_bounds_any_text(text: str, limit: int) -> None:
    chunks = split_message(text, limit)
    assert all(len(chunk) <= limit for chunk in chunks)
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")
