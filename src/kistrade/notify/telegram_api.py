"""python-telegram-bot plumbing shared by the notifier and the command bot: Bot API URLs, a
``telegram.Bot`` on our HTTP settings, error classification, and the metrics counters."""

from __future__ import annotations

import logging
import warnings
from datetime import timedelta
from typing import Final

from prometheus_client import Counter
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

DEFAULT_API: Final = "https://api.telegram.org"

MESSAGES = Counter(
    "kistrade_telegram_messages_total",
    "Telegram notification messages per chat delivery, by outcome",
    ["result"],  # sent | dropped | failed | skipped
)
RETRIES = Counter("kistrade_telegram_retries_total", "Telegram send attempts retried (network, 5xx, 429)")


def bot_api_urls(base_url: str | None) -> tuple[str, str]:
    """The ``base_url`` and ``base_file_url`` python-telegram-bot expects (the token is appended)."""
    root = (base_url or DEFAULT_API).rstrip("/")
    return f"{root}/bot", f"{root}/file/bot"


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and a Bot API URL contains the bot token."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def make_bot(token: str, base_url: str | None, *, timeout: float = 10.0) -> Bot:
    """A ``telegram.Bot`` talking to ``base_url`` (default: the real Bot API)."""
    quiet_http_logs()
    api, files = bot_api_urls(base_url)
    request = HTTPXRequest(
        connection_pool_size=8,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )
    return Bot(token=token, base_url=api, base_file_url=files, request=request, get_updates_request=request)


def retry_after_seconds(exc: RetryAfter) -> float:
    """``exc.retry_after`` in seconds (an int or a timedelta, depending on PTB_TIMEDELTA)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retryable(exc: TelegramError) -> bool:
    """Network errors, timeouts and 5xx: yes. A BadRequest (a NetworkError subclass in PTB): no."""
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)
