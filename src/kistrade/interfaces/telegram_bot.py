"""Telegram commands: /status /positions /orders /pnl /pause /resume /stop /report /help.

``start_telegram(settings.telegram, service)`` is an async context manager for the composition
root's ``AsyncExitStack``: it starts a python-telegram-bot ``Application`` that long-polls the
Bot API (``settings.base_url``, default the real one) and answers commands from
``allowed_chat_ids`` only by calling the :class:`TradingService`. Updates from any other chat
are dropped before any handler runs and logged by chat id (never their text). Updates that
arrived while the bot was down are dropped at start, so a stale /resume is never replayed.
Every reply carries the mode prefix and passes the redactor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

from loguru import logger
from telegram import BotCommand, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from kistrade.app.logging_setup import redact_text
from kistrade.app.redact import Redactor
from kistrade.app.settings_models import TelegramSettings
from kistrade.app.views import TradingService
from kistrade.domain.errors import ConfigError
from kistrade.engine.events import TradingState
from kistrade.interfaces import telegram_format as fmt
from kistrade.notify.telegram_api import bot_api_urls, quiet_http_logs, retry_after_seconds, retryable

Reply = Callable[[int, list[str]], Awaitable[str]]

BOT_COMMANDS: Final = (
    ("status", "상태 status"),
    ("positions", "보유 종목 positions"),
    ("orders", "미체결 주문 open orders"),
    ("pnl", "당일 손익 P&L"),
    ("pause", "청산만 REDUCING"),
    ("resume", "매매 재개 ACTIVE"),
    ("stop", "매매 정지 HALTED"),
    ("report", "일일 보고서 daily report"),
    ("help", "도움말 help"),
)
_SEND_ATTEMPTS: Final = 4
_RETRY_MAX_S: Final = 60.0


class TelegramBot:
    """The running command bot. ``ignored`` counts updates dropped from unknown chats."""

    def __init__(
        self,
        settings: TelegramSettings,
        service: TradingService,
        *,
        mode: str | None = None,
        redact: Callable[[str], str] | None = None,
        poll_timeout: float = 10.0,
        request_timeout: float = 10.0,
        retry_base: float = 2.0,
    ) -> None:
        if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
            raise ConfigError("telegram.bot_token is required to start the Telegram bot")
        if not settings.allowed_chat_ids:
            raise ConfigError("telegram.allowed_chat_ids must list at least one chat id")
        self._service = service
        self._mode = (mode or service.mode).upper()
        self._allowed = frozenset(settings.allowed_chat_ids)
        self._redactor = Redactor([settings.bot_token])
        self._redact = redact or redact_text
        self._poll_timeout = poll_timeout
        self._retry_base = retry_base
        self._retry_task: asyncio.Task[None] | None = None
        self.started = asyncio.Event()
        self.ignored = 0
        self.handled = 0
        api, files = bot_api_urls(settings.base_url)
        quiet_http_logs()
        self.application = (
            Application.builder()
            .token(settings.bot_token.get_secret_value())
            .base_url(api)
            .base_file_url(files)
            .request(_request(request_timeout))
            .get_updates_request(_request(request_timeout))
            .build()
        )
        app = self.application
        app.add_handler(TypeHandler(Update, self._guard), group=-1)
        commands: dict[str, Reply] = {
            "status": self._status,
            "positions": self._positions,
            "orders": self._orders,
            "pnl": self._pnl,
            "pause": self._pause,
            "resume": self._resume,
            "stop": self._stop,
            "report": self._report,
            "help": self._help,
            "start": self._help,  # what a Telegram client sends when a chat opens
        }
        for name, reply in commands.items():
            app.add_handler(CommandHandler(name, self._command(name, reply)))
        app.add_handler(MessageHandler(filters.COMMAND, self._unknown_command))
        app.add_error_handler(self._on_error)

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def allowed_chat_ids(self) -> frozenset[int]:
        return self._allowed

    def clean(self, text: str) -> str:
        return self._redact(self._redactor.redact(text))

    # --- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start polling. A rejected token raises :class:`ConfigError`; an unreachable or failing
        Bot API does not stop the caller: the start is retried in the background (``started``
        is set once polling runs)."""
        try:
            await self._start()
        except ConfigError:
            await self._teardown()
            raise
        except (TelegramError, OSError) as exc:
            await self._teardown()
            logger.warning("telegram bot not started ({}): retrying in the background", self.clean(str(exc)))
            self._retry_task = asyncio.create_task(self._start_later(), name="telegram-bot-start")
            return
        except BaseException:
            await self._teardown()
            raise
        self._started()

    def _started(self) -> None:
        self.started.set()
        logger.info(
            "telegram bot polling for commands from {} chat(s), mode {}", len(self._allowed), self._mode
        )

    async def _start_later(self) -> None:
        delay = self._retry_base
        while True:
            await asyncio.sleep(delay)
            try:
                await self._start()
            except ConfigError as exc:
                await self._teardown()
                logger.error("telegram bot not started: {}", exc)
                return
            except Exception as exc:
                await self._teardown()
                delay = min(delay * 2, _RETRY_MAX_S)
                logger.warning(
                    "telegram bot start failed again ({}): next try in {:g}s", self.clean(str(exc)), delay
                )
            else:
                self._started()
                return

    async def _start(self) -> None:
        app = self.application
        try:
            await app.initialize()  # getMe: checks the token
        except InvalidToken:
            # from None: PTB's message quotes the token.
            raise ConfigError("telegram.bot_token was rejected by the Telegram Bot API") from None
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text in BOT_COMMANDS])
        except TelegramError as exc:
            logger.warning("telegram setMyCommands failed (menu not updated): {}", self.clean(str(exc)))
        await app.start()
        assert app.updater is not None  # the builder always makes one unless told not to
        await app.updater.start_polling(
            timeout=int(self._poll_timeout),
            allowed_updates=["message"],  # not edited messages: an edit must not re-run a command
            drop_pending_updates=True,
            bootstrap_retries=0,  # failures go to start()'s own retry
            error_callback=self._on_poll_error,
        )

    async def stop(self) -> None:
        if self._retry_task is not None:
            self._retry_task.cancel()
            await asyncio.gather(self._retry_task, return_exceptions=True)
            self._retry_task = None
        await self._teardown()
        logger.info("telegram bot stopped")

    async def _teardown(self) -> None:
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.bot.shutdown()  # closes the HTTP clients even when initialize() failed half-way

    # --- handlers ----------------------------------------------------------------------------

    async def _guard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is None or chat.id not in self._allowed:
            self.ignored += 1
            logger.warning(
                "telegram: ignored update {} from chat {} (not in allowed_chat_ids)",
                update.update_id,
                chat.id if chat is not None else "-",
            )
            raise ApplicationHandlerStop

    def _command(
        self, name: str, reply: Reply
    ) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
        async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            chat = update.effective_chat
            if chat is None:
                return
            self.handled += 1
            logger.info("telegram /{} from chat {}", name, chat.id)
            try:
                text = await reply(chat.id, list(context.args or ()))
            except Exception as exc:
                logger.error("telegram /{} failed: {}", name, self.clean(repr(exc)))
                text = f"오류 Error: /{name} failed: {type(exc).__name__}: {exc}"
            await self.send(chat.id, text)

        return handle

    async def _unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if chat is not None:
            await self.send(chat.id, "알 수 없는 명령 Unknown command. /help")

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        logger.error("telegram handler error: {}", self.clean(repr(context.error)))

    def _on_poll_error(self, exc: TelegramError) -> None:
        logger.warning("telegram polling error (retrying): {}", self.clean(str(exc)))

    # --- commands ----------------------------------------------------------------------------

    async def _status(self, chat_id: int, args: list[str]) -> str:
        return fmt.format_status(await self._service.status())

    async def _positions(self, chat_id: int, args: list[str]) -> str:
        return fmt.format_positions(await self._service.positions())

    async def _orders(self, chat_id: int, args: list[str]) -> str:
        return fmt.format_orders(await self._service.orders(open_only=True, limit=30))

    async def _pnl(self, chat_id: int, args: list[str]) -> str:
        return fmt.format_pnl(await self._service.pnl())

    async def _report(self, chat_id: int, args: list[str]) -> str:
        return (await self._service.daily_report()).text

    async def _help(self, chat_id: int, args: list[str]) -> str:
        return fmt.HELP_TEXT

    async def _pause(self, chat_id: int, args: list[str]) -> str:
        return await self._switch(TradingState.REDUCING, "pause", chat_id, args)

    async def _resume(self, chat_id: int, args: list[str]) -> str:
        return await self._switch(TradingState.ACTIVE, "resume", chat_id, args)

    async def _stop(self, chat_id: int, args: list[str]) -> str:
        return await self._switch(TradingState.HALTED, "stop", chat_id, args)

    async def _switch(self, state: TradingState, command: str, chat_id: int, args: Sequence[str]) -> str:
        reason = f"telegram /{command}" + (f": {' '.join(args)}" if args else "")
        view = await self._service.set_state(state, reason=reason, source=f"telegram:{chat_id}")
        return fmt.format_state_change(view)

    # --- sending -----------------------------------------------------------------------------

    async def send(self, chat_id: int, text: str) -> None:
        """Send a reply (mode prefix, redacted, split at Telegram's size limit); never raises."""
        for chunk in fmt.split_message(self.clean(f"[{self._mode}] {text}")):
            await self._send_one(chat_id, chunk)

    async def _send_one(self, chat_id: int, text: str) -> None:
        for attempt in range(1, _SEND_ATTEMPTS + 1):
            try:
                await self.application.bot.send_message(chat_id=chat_id, text=text)
                return
            except RetryAfter as exc:
                delay = min(retry_after_seconds(exc), 30.0)
            except TelegramError as exc:
                if not retryable(exc):
                    logger.error("telegram refused a reply to chat {}: {}", chat_id, self.clean(str(exc)))
                    return
                logger.warning("telegram reply to chat {} failed: {}", chat_id, self.clean(str(exc)))
                delay = 0.5 * attempt
            if attempt < _SEND_ATTEMPTS:
                await asyncio.sleep(delay)
        logger.error("telegram reply to chat {} not delivered after {} attempts", chat_id, _SEND_ATTEMPTS)


def _request(timeout: float) -> HTTPXRequest:
    return HTTPXRequest(
        connection_pool_size=4,
        read_timeout=timeout,
        write_timeout=timeout,
        connect_timeout=timeout,
        pool_timeout=timeout,
    )


@asynccontextmanager
async def start_telegram(
    settings: TelegramSettings,
    service: TradingService,
    mode: str | None = None,
    *,
    redact: Callable[[str], str] | None = None,
    poll_timeout: float = 10.0,
    retry_base: float = 2.0,
) -> AsyncIterator[TelegramBot]:
    """Run the command bot for the duration of the ``async with`` block.

    Raises :class:`ConfigError` when ``settings.enabled`` is false, the token or chat ids are
    missing, or the Bot API rejects the token; an unreachable Bot API does not raise (the bot
    keeps trying, see :meth:`TelegramBot.start`). ``mode`` defaults to ``service.mode``; ``redact``
    defaults to the logging redactor (every secret registered by ``setup_logging``)."""
    if not settings.enabled:
        raise ConfigError("telegram.enabled is false: not starting the Telegram bot")
    bot = TelegramBot(
        settings, service, mode=mode, redact=redact, poll_timeout=poll_timeout, retry_base=retry_base
    )
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()
