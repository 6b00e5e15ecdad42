"""AES-256-CBC notice cipher (shared/kis-protocol.md §6.6)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kistrade.domain.errors import ParseError
from kistrade.kis.protocol import AesCipher, decrypt_text, encrypt_text, new_session_key

KEY = "abcdefghijklmnopabcdefghijklmnop"
IV = "0123456789abcdef"


@given(st.text(max_size=200))
def test_round_trip(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return  # lone surrogates cannot be sent
    assert decrypt_text(encrypt_text(text, KEY, IV), KEY, IV) == text


@pytest.mark.parametrize(
    "bad", ["not base64!", "QUJD", "", "A" * 22 + "==", encrypt_text("x", KEY[::-1], IV)]
)
def test_bad_input_is_a_parse_error(bad: str) -> None:
    with pytest.raises(ParseError):
        decrypt_text(bad, KEY, IV)


def test_key_and_iv_must_have_documented_sizes() -> None:
    with pytest.raises(ParseError, match="32"):
        AesCipher("short", IV)
    with pytest.raises(ParseError, match="16"):
        AesCipher(KEY, "é" * 16)


def test_new_session_key_shape_and_seed() -> None:
    key, iv = new_session_key(random.Random(7))
    assert len(key) == 32 and key.isascii() and key.isalpha() and key.islower()
    assert len(iv) == 16 and all(c in "0123456789abcdef" for c in iv)
    assert new_session_key(random.Random(7)) == (key, iv)
    assert new_session_key() != new_session_key()
    assert decrypt_text(encrypt_text("a^b", key, iv), key, iv) == "a^b"
    assert key not in repr(AesCipher(key, iv)) and iv not in repr(AesCipher(key, iv))
