"""Secret masking for logs, error texts and ``kistrade config show``.

Two layers: exact values (every secret in the settings, registered by the caller) and shapes
(an app key: 36 letters/digits; an app secret: a long base64-like run; a JWT; a Bearer token;
a UUID-like approval key; a Telegram bot token). Masks never keep enough to rebuild a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import SecretStr

MIN_EXACT_LEN = 4  # shorter "secrets" would mask ordinary words everywhere
_SHOW_PREFIX_MIN_LEN = 12

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}"), r"\1 <redacted:bearer>"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}(?:\.[A-Za-z0-9_-]*){0,2}"), "<redacted:jwt>"),
    (re.compile(r"(?<![0-9])\d{5,12}:[A-Za-z0-9_-]{30,}"), "<redacted:bot_token>"),
    (
        re.compile(
            r"(?i)(?<![0-9a-f-])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![0-9a-f-])"
        ),
        "<redacted:uuid>",
    ),
    (re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{100,}={0,2}(?![A-Za-z0-9+/=])"), "<redacted:secret>"),
    (re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{36}(?![A-Za-z0-9])"), "<redacted:app_key>"),
)


def mask_secret(value: str | SecretStr | None) -> str:
    """A display form of a secret: ``PS…(36 chars)`` (2 characters at most) or ``********``."""
    if value is None:
        return ""
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not text:
        return ""
    if len(text) < _SHOW_PREFIX_MIN_LEN:
        return "********"
    return f"{text[:2]}…({len(text)} chars)"


class Redactor:
    """Masks known secret values and secret-shaped substrings in text."""

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        self._exact: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str | SecretStr | None]) -> None:
        values = {
            (s.get_secret_value() if isinstance(s, SecretStr) else s).strip()
            for s in secrets
            if s is not None
        }
        merged = set(self._exact) | {v for v in values if len(v) >= MIN_EXACT_LEN}
        self._exact = sorted(merged, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        for secret in self._exact:
            if secret in text:
                text = text.replace(secret, "<redacted>")
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


def redact(text: str, secrets: Iterable[str | SecretStr | None] = ()) -> str:
    """Mask ``secrets`` (exact values) and anything secret-shaped in ``text``."""
    return Redactor(secrets).redact(text)
