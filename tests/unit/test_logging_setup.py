"""Log redaction and the loguru setup: secrets never reach a sink, setup is idempotent."""

from __future__ import annotations

import io
import json
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from loguru import logger

from kistrade.app.logging_setup import add_secrets, reset_logging, setup_logging
from kistrade.app.redact import Redactor, mask_secret, redact
from kistrade.app.settings_models import LoggingSettings

APP_KEY = "PSa1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7"
APP_SECRET = "aB3+/" * 36
JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0b2tlbiJ9.c2lnbmF0dXJlLXBhcnQtaGVyZQ"
APPROVAL = "f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
BOT_TOKEN = "123456789:AAHk2_tYqzW8vB3nR5sL0mXcD9eF1gJ4hKp"
assert len(APP_KEY) == 36 and len(APP_SECRET) == 180


@pytest.mark.parametrize(
    ("text", "leak", "marker"),
    [
        (f"appkey={APP_KEY}", APP_KEY, "<redacted:app_key>"),
        (f'{{"secret": "{APP_SECRET}"}}', APP_SECRET, "<redacted:secret>"),
        (f"token {JWT} issued", JWT, "<redacted:jwt>"),
        (f"authorization: Bearer {JWT}", JWT, "Bearer <redacted:bearer>"),
        ("authorization: bearer abc.def-ghi_jkl", "abc.def-ghi_jkl", "bearer <redacted:bearer>"),
        (f"approval key {APPROVAL}", APPROVAL, "<redacted:uuid>"),
        (f"GET https://api.telegram.org/bot{BOT_TOKEN}/getMe", BOT_TOKEN, "<redacted:bot_token>"),
    ],
)
def test_redaction_patterns(text: str, leak: str, marker: str) -> None:
    out = redact(text)
    assert leak not in out
    assert marker in out


@pytest.mark.parametrize(
    "text",
    [
        "buy 005930 qty 10 at 70000 (order 0000123456)",
        "2026-03-14 09:12:31+09:00 session open; RSI 28.4 < 30",
        "md5 d41d8cd98f00b204e9800998ecf8427e",  # 32 hex chars: not a key
        "Bearer",
        "config file /home/user/kistrade/config.yaml",
    ],
)
def test_ordinary_text_is_untouched(text: str) -> None:
    assert redact(text) == text


def test_exact_secrets_are_masked_longest_first() -> None:
    r = Redactor(["hunter2hunter2", "hunter2", None, "ab"])
    assert r("pw hunter2hunter2 and hunter2, ab stays") == "pw <redacted> and <redacted>, ab stays"


@given(
    secret=st.text(alphabet=string.ascii_uppercase + string.digits, min_size=4, max_size=60),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_property_exact_secret_never_survives(secret: str, before: str, after: str) -> None:
    assert secret not in Redactor([secret]).redact(before + secret + after + secret)


@given(value=st.text(min_size=1, max_size=300))
def test_property_mask_never_reveals_more_than_two_chars(value: str) -> None:
    masked = mask_secret(value)
    assert masked in ("********", f"{value[:2]}…({len(value)} chars)")
    if len(value) >= 4:
        assert value not in masked


@pytest.fixture
def log_settings(tmp_path: Path) -> Iterator[LoggingSettings]:
    yield LoggingSettings(level="DEBUG", file=tmp_path / "data" / "logs" / "kistrade.log", json=True)
    reset_logging()


def test_setup_logging_masks_every_sink(log_settings: LoggingSettings) -> None:
    console = io.StringIO()
    secret = "my-dashboard-token-value"
    setup_logging(log_settings, secrets=[secret, APP_KEY], stderr=console)
    logger.info("dashboard token {} key {}", secret, APP_KEY)
    logger.bind(auth=f"Bearer {JWT}").warning("approval {}", APPROVAL)
    try:
        raise RuntimeError(f"refused {APP_SECRET} for {secret}")
    except RuntimeError:
        logger.exception("call failed")
    add_secrets(["late-issued-value"])
    logger.debug("late-issued-value")
    outputs = {
        "stderr": console.getvalue(),
        "file": log_settings.file.read_text(encoding="utf-8"),
        "json": log_settings.file.with_suffix(".jsonl").read_text(encoding="utf-8"),
    }
    for name, text in outputs.items():
        for leak in (secret, APP_KEY, APP_SECRET, JWT, APPROVAL, "late-issued-value"):
            assert leak not in text, f"{leak[:6]}... leaked into {name}"
    assert "dashboard token <redacted> key <redacted>" in outputs["stderr"]
    assert "RuntimeError: refused <redacted:secret> for <redacted>" in outputs["file"]
    records = [json.loads(line) for line in outputs["json"].splitlines()]
    assert [r["record"]["level"]["name"] for r in records] == ["INFO", "WARNING", "ERROR", "DEBUG"]
    assert records[1]["record"]["extra"]["auth"] == "Bearer <redacted:bearer>"


def test_setup_logging_is_idempotent(log_settings: LoggingSettings) -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging(log_settings, stderr=first)
    ids = setup_logging(log_settings, stderr=second)
    assert len(ids) == 3  # stderr, file, json lines
    logger.info("once")
    assert first.getvalue() == ""
    assert second.getvalue().count("once") == 1
    assert log_settings.file.read_text(encoding="utf-8").count("once") == 1


def test_level_filters(log_settings: LoggingSettings) -> None:
    console = io.StringIO()
    setup_logging(log_settings.model_copy(update={"level": "WARNING", "json_lines": False}), stderr=console)
    logger.info("quiet")
    logger.warning("loud")
    assert "quiet" not in console.getvalue() and "loud" in console.getvalue()
    assert not log_settings.file.with_suffix(".jsonl").exists()
