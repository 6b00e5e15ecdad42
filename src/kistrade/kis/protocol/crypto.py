"""AES-256-CBC for the execution-notice frames (shared/kis-protocol.md §6.6).

key = the 32-char ``output.key`` of the subscribe ack as bytes, iv = the 16-char ``output.iv``,
PKCS#7 padding, standard base64 (with ``=``) of the ciphertext, UTF-8 plaintext.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string
from dataclasses import dataclass, field
from random import Random

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kistrade.domain.errors import ParseError

KEY_CHARS = 32
IV_CHARS = 16
# Real keys look like "molrrntztvzothjqkzsitawgikersupf" and ivs like "50a65578c4f7500f".
_KEY_ALPHABET = string.ascii_lowercase
_IV_ALPHABET = string.hexdigits[:16]


def _ascii_bytes(value: str, size: int, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != size or not value.isascii():
        raise ParseError(f"AES {what} must be {size} ASCII characters, got {len(value)} characters")
    return value.encode("ascii")


@dataclass(frozen=True, slots=True)
class AesCipher:
    """One session's notice cipher (the key/iv pair stays fixed for the WebSocket session)."""

    key: str = field(repr=False)
    iv: str = field(repr=False)
    _cipher: Cipher[modes.CBC] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        k = _ascii_bytes(self.key, KEY_CHARS, "key")
        v = _ascii_bytes(self.iv, IV_CHARS, "iv")
        object.__setattr__(self, "_cipher", Cipher(algorithms.AES(k), modes.CBC(v)))

    def encrypt(self, plaintext: str) -> str:
        padder = padding.PKCS7(128).padder()
        data = padder.update(plaintext.encode("utf-8")) + padder.finalize()
        enc = self._cipher.encryptor()
        return base64.b64encode(enc.update(data) + enc.finalize()).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ParseError(f"encrypted payload is not valid base64: {exc}") from None
        if not raw or len(raw) % 16:
            raise ParseError(f"encrypted payload is {len(raw)} bytes, not a positive multiple of 16")
        dec = self._cipher.decryptor()
        padded = dec.update(raw) + dec.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        try:
            data = unpadder.update(padded) + unpadder.finalize()
        except ValueError:
            raise ParseError("encrypted payload has bad PKCS#7 padding (wrong key/iv?)") from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ParseError("decrypted payload is not UTF-8 (wrong key/iv?)") from None


def encrypt_text(plaintext: str, key: str, iv: str) -> str:
    """Encrypt to standard base64 (what the server puts after ``1|H0STCNI0|001|``)."""
    return AesCipher(key, iv).encrypt(plaintext)


def decrypt_text(ciphertext: str, key: str, iv: str) -> str:
    """Decrypt a base64 payload; bad base64, length, padding or UTF-8 raise ``ParseError``."""
    return AesCipher(key, iv).decrypt(ciphertext)


def new_session_key(rng: Random | None = None) -> tuple[str, str]:
    """A fresh ``(key, iv)`` shaped like the real ones: 32 lowercase letters, 16 hex digits.

    Pass a seeded ``random.Random`` for reproducible simulations; the default uses ``secrets``.
    """
    if rng is None:
        key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(KEY_CHARS))
        iv = "".join(secrets.choice(_IV_ALPHABET) for _ in range(IV_CHARS))
    else:
        key = "".join(rng.choice(_KEY_ALPHABET) for _ in range(KEY_CHARS))
        iv = "".join(rng.choice(_IV_ALPHABET) for _ in range(IV_CHARS))
    return key, iv
