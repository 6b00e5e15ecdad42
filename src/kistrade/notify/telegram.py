"""Telegram notifications (``ports.Notifier``) that never block the trading loop.

``notify()`` only renders and enqueues: the text gets the mode prefix (``[SIM]``, ``[PAPER]``,
``[LIVE]``), goes through the redactor (and an exact mask of the bot token), and lands in a
bounded queue per chat. One sender task per chat delivers it through python-telegram-bot,
spaced ``per_chat_interval`` apart per chat and ``1 / global_rate`` apart overall (Telegram:
about 1 message/s per chat, 30/s per bot). Network errors and 5xx are retried with backoff, a
429 waits its ``retry_after``; nothing ever raises into the caller. When a chat's queue is full
the new message is dropped (an urgent one evicts the oldest normal one) and the drop counted.

Levels per kind (``on`` with sound, ``silent`` = ``disable_notification``, ``off``); an urgent
message is always sent, with sound, ahead of the normal queue.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Final, Literal

from loguru import logger
from pydantic import SecretStr
from telegram import Bot
from telegram.error import RetryAfter, TelegramError

from kistrade.notify.pacing import Pacer
from kistrade.notify.telegram_api import MESSAGES, RETRIES, make_bot, retry_after_seconds, retryable

if TYPE_CHECKING:
    from kistrade.ports import Notifier

NotifyLevel = Literal["on", "silent", "off"]
NOTIFY_KINDS: Final = ("start_stop", "signal", "order", "fill", "risk", "error", "daily_report")
MAX_MESSAGE_CHARS: Final = 4096  # Telegram's limit for one text message


@dataclass(slots=True)
class NotifierStats:
    """Counts per chat delivery (a message to two chats counts twice)."""

    enqueued: int = 0
    skipped: int = 0  # level "off"
    sent: int = 0
    dropped: int = 0  # queue full, or notified after close
    failed: int = 0  # gave up after retries, or not retryable (bad request, forbidden)
    retries: int = 0


@dataclass(frozen=True, slots=True)
class _Outgoing:
    kind: str
    text: str
    silent: bool
    urgent: bool


class _Lane:
    """One chat: its queue (urgent first), its wake-up event and its pacing."""

    __slots__ = ("busy", "chat_id", "dropping", "normal", "pacer", "urgent", "wake")

    def __init__(self, chat_id: int, interval: float) -> None:
        self.chat_id = chat_id
        self.urgent: deque[_Outgoing] = deque()
        self.normal: deque[_Outgoing] = deque()
        self.wake = asyncio.Event()
        self.pacer = Pacer(interval)
        self.dropping = False
        self.busy = False  # a message is being delivered

    def __len__(self) -> int:
        return len(self.urgent) + len(self.normal)

    def pop(self) -> _Outgoing:
        return self.urgent.popleft() if self.urgent else self.normal.popleft()


class TelegramNotifier:
    """``ports.Notifier`` over Telegram. Use as ``async with TelegramNotifier(...) as notifier:``
    (or ``start()`` / ``aclose()``); ``notify()`` may be called before start (messages queue)."""

    def __init__(
        self,
        *,
        token: str | SecretStr,
        chat_ids: Iterable[int],
        mode: str,
        redact: Callable[[str], str],
        levels: Mapping[str, str] | None = None,
        base_url: str | None = None,
        max_queue: int = 500,
        per_chat_interval: float = 1.0,
        global_rate: float = 30.0,
        max_attempts: int = 5,
        retry_base: float = 1.0,
        retry_max: float = 30.0,
        request_timeout: float = 10.0,
        bot: Bot | None = None,
    ) -> None:
        secret = token.get_secret_value() if isinstance(token, SecretStr) else token
        if not secret.strip():
            raise ValueError("telegram bot_token is empty")
        chats = list(dict.fromkeys(chat_ids))
        if not chats:
            raise ValueError("telegram allowed_chat_ids is empty: no chat to notify")
        if max_queue < 1 or max_attempts < 1 or global_rate <= 0:
            raise ValueError("max_queue and max_attempts must be >= 1 and global_rate > 0")
        self._token = secret
        self._mode = mode.upper()
        self._redact = redact
        self._levels: dict[str, NotifyLevel] = {}
        for kind, level in (levels or {}).items():
            if level not in ("on", "silent", "off"):
                raise ValueError(f"telegram.notify.{kind}: level must be on, silent or off, got {level!r}")
            self._levels[kind] = level  # type: ignore[assignment]  # checked just above
        self._max_queue = max_queue
        self._max_attempts = max_attempts
        self._retry_base = retry_base
        self._retry_max = retry_max
        self._bot = bot or make_bot(secret, base_url, timeout=request_timeout)
        self._own_bot = bot is None
        self._lanes = [_Lane(chat, per_chat_interval) for chat in chats]
        self._global = Pacer(1.0 / global_rate)
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._closed = False
        self._unknown_kinds: set[str] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self.stats = NotifierStats()

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        if self._tasks or self._closed:
            return
        if self._own_bot:
            # Only the HTTP client: no getMe here, so start-up never waits on Telegram.
            await self._bot.request.initialize()
        self._tasks = [
            asyncio.create_task(self._run(lane), name=f"telegram-notify:{lane.chat_id}")
            for lane in self._lanes
        ]
        logger.info("telegram notifier started for {} chat(s), mode {}", len(self._lanes), self._mode)

    async def aclose(self, drain_timeout: float = 5.0) -> None:
        """Deliver what is queued (up to ``drain_timeout`` seconds), then stop and close."""
        if self._closed:
            return
        self._closing = True
        for lane in self._lanes:
            lane.wake.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=drain_timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        left = sum(len(lane) for lane in self._lanes)
        if left:
            self._count("dropped", left)
            logger.warning("telegram notifier closed with {} undelivered message(s)", left)
        for lane in self._lanes:
            lane.urgent.clear()
            lane.normal.clear()
        self._tasks = []
        self._closed = True
        self._idle.set()
        if self._own_bot:
            await self._bot.request.shutdown()

    async def __aenter__(self) -> TelegramNotifier:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- the port ----------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def pending(self) -> int:
        return sum(len(lane) for lane in self._lanes)

    async def flush(self) -> None:
        """Wait until every queued message was delivered or given up on (bound it with a
        timeout: before ``start()`` nothing is delivered)."""
        await self._idle.wait()

    def level(self, kind: str) -> NotifyLevel:
        return self._levels.get(kind, "on")

    async def notify(self, kind: str, text: str, *, urgent: bool = False) -> None:
        """Enqueue ``text`` for every allowed chat; returns at once and never raises."""
        self.notify_nowait(kind, text, urgent=urgent)

    def notify_nowait(self, kind: str, text: str, *, urgent: bool = False) -> None:
        """:meth:`notify` for synchronous callers (engine callbacks)."""
        try:
            self._submit(kind, text, urgent=urgent)
        except Exception as exc:  # a notifier must never break its caller
            logger.error("telegram notify({}) failed: {}", kind, type(exc).__name__)

    def _submit(self, kind: str, text: str, *, urgent: bool) -> None:
        if kind not in self._levels and kind not in NOTIFY_KINDS and kind not in self._unknown_kinds:
            self._unknown_kinds.add(kind)
            logger.warning("telegram notify: unknown kind {!r} (sent with level 'on')", kind)
        level = "on" if urgent else self.level(kind)
        if level == "off":
            self._count("skipped", len(self._lanes))
            return
        if self._closing:
            self._count("dropped", len(self._lanes))
            logger.debug("telegram notifier closed: dropped a {} message", kind)
            return
        msg = _Outgoing(kind, self.render(text, urgent=urgent), level == "silent", urgent)
        for lane in self._lanes:
            self._enqueue(lane, msg)

    def render(self, text: str, *, urgent: bool = False) -> str:
        """The exact text sent: mode prefix, redacted, within Telegram's length limit."""
        head = f"[{self._mode}] ⚠️ " if urgent else f"[{self._mode}] "
        body = self._clean(head + text)
        if len(body) > MAX_MESSAGE_CHARS:
            body = body[: MAX_MESSAGE_CHARS - 1] + "…"
        return body

    # --- internals ---------------------------------------------------------------------------

    def _clean(self, text: str) -> str:
        return self._redact(text.replace(self._token, "<redacted>"))

    def _count(self, result: str, n: int = 1) -> None:
        setattr(self.stats, result, getattr(self.stats, result) + n)
        MESSAGES.labels(result).inc(n)

    def _enqueue(self, lane: _Lane, msg: _Outgoing) -> None:
        if len(lane) >= self._max_queue:
            if msg.urgent and lane.normal:
                lane.normal.popleft()
            else:
                self._note_drop(lane)
                return
            self._note_drop(lane)
        (lane.urgent if msg.urgent else lane.normal).append(msg)
        self.stats.enqueued += 1
        self._idle.clear()
        lane.wake.set()

    def _note_drop(self, lane: _Lane) -> None:
        self._count("dropped")
        if not lane.dropping:
            lane.dropping = True
            logger.warning(
                "telegram queue for chat {} is full ({}): dropping messages", lane.chat_id, self._max_queue
            )

    async def _run(self, lane: _Lane) -> None:
        while True:
            if not len(lane):
                if self._closing:
                    return
                lane.wake.clear()
                await lane.wake.wait()
                continue
            msg = lane.pop()
            lane.busy = True
            try:
                await self._deliver(lane, msg)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep the sender alive whatever happens
                self._count("failed")
                logger.error("telegram send to chat {} failed: {}", lane.chat_id, self._clean(repr(exc)))
            finally:
                lane.busy = False
                if all(not len(other) and not other.busy for other in self._lanes):
                    self._idle.set()

    async def _deliver(self, lane: _Lane, msg: _Outgoing) -> None:
        attempt = 0
        while True:
            attempt += 1
            await lane.pacer.wait()
            await self._global.wait()
            try:
                await self._bot.send_message(
                    chat_id=lane.chat_id, text=msg.text, disable_notification=msg.silent
                )
            except RetryAfter as exc:
                delay = retry_after_seconds(exc)
                if not self._retry(lane, msg, attempt, f"429 retry after {delay:g}s"):
                    return
                lane.pacer.defer(delay)
            except TelegramError as exc:
                if not retryable(exc):  # bad request, forbidden, invalid token, migrated chat
                    self._count("failed")
                    logger.error(
                        "telegram refused a {} message for chat {}: {}",
                        msg.kind,
                        lane.chat_id,
                        self._clean(str(exc)),
                    )
                    return
                delay = min(self._retry_max, self._retry_base * 2 ** (attempt - 1))
                if not self._retry(lane, msg, attempt, self._clean(str(exc))):
                    return
                await asyncio.sleep(delay)
            else:
                self._count("sent")
                lane.dropping = False
                return

    def _retry(self, lane: _Lane, msg: _Outgoing, attempt: int, why: str) -> bool:
        if attempt >= self._max_attempts:
            self._count("failed")
            logger.error(
                "telegram gave up on a {} message for chat {} after {} attempts: {}",
                msg.kind,
                lane.chat_id,
                attempt,
                why,
            )
            return False
        self.stats.retries += 1
        RETRIES.inc()
        logger.warning("telegram send to chat {} failed ({}), retrying", lane.chat_id, why)
        return True


if TYPE_CHECKING:

    def _conforms(notifier: TelegramNotifier) -> Notifier:
        return notifier  # mypy checks TelegramNotifier against the port
