"""Telegram commands end to end: python-telegram-bot long-polls the fake Bot API server over
loopback, the bot calls a TradingService (a small in-test one on a real TradingSwitch)."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal

import pytest
from fake_telegram import FakeTelegram
from loguru import logger
from pydantic import SecretStr

from kistrade.app.settings_models import TelegramSettings
from kistrade.app.views import (
    DailyReport,
    FillView,
    OrderView,
    PnlView,
    PositionView,
    SignalView,
    StatusView,
)
from kistrade.domain.errors import ConfigError
from kistrade.domain.types import KST
from kistrade.engine.events import TradingState
from kistrade.engine.switch import TradingSwitch
from kistrade.interfaces import telegram_format as fmt
from kistrade.interfaces.telegram_bot import BOT_COMMANDS, TelegramBot, start_telegram

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "987654321:AAGfakeBotTokenForTestsOnly_zyxwvut9876"
ALLOWED = 1111
STRANGER = 9999
T0 = datetime(2026, 11, 24, 10, 15, 3, tzinfo=KST)


class SwitchService:
    """The TradingService seam: fixed account figures, a real TradingSwitch, a call counter."""

    def __init__(self, mode: str = "sim") -> None:
        self._mode = mode
        self.switch = TradingSwitch()
        self.calls: Counter[str] = Counter()
        self.report_text = "2026-11-24 일일 보고서\n손익 +12,345원"
        self.fail_status = False
        self.orders_open_only: list[bool] = []
        self.position = PositionView(
            symbol="005930",
            name="삼성전자",
            qty=10,
            avg_price=Decimal("70150.5"),
            last_price=71_000,
            value=710_000,
            pnl=8_495,
            pnl_pct=Decimal("1.21"),
            stop_loss_price=66_600,
            take_profit_price=77_100,
        )
        self.order = OrderView(
            client_order_id="c-000042",
            broker_order_id="0000123456",
            symbol="000660",
            side="BUY",
            order_type="LIMIT",
            qty=5,
            filled_qty=2,
            limit_price=182_500,
            avg_fill_price=Decimal("182500"),
            state="PARTIALLY_FILLED",
            purpose="entry",
            created_at=T0,
            updated_at=T0,
        )
        self.pnl_view = PnlView(
            day_start_equity=10_000_000,
            equity=10_012_345,
            realized=4_000,
            unrealized=8_495,
            commission=150,
            tax=0,
            day_pnl=12_345,
            day_pnl_pct=Decimal("0.12"),
            daily_loss_limit_pct=Decimal("-3"),
        )

    @property
    def mode(self) -> str:
        return self._mode

    async def status(self) -> StatusView:
        self.calls["status"] += 1
        if self.fail_status:
            raise RuntimeError("store unavailable")
        snap = self.switch.snapshot()
        return StatusView(
            mode=self._mode,
            state=snap.state,
            state_reason=snap.reason,
            state_source=snap.source,
            now=T0,
            phase="continuous",
            equity=self.pnl_view.equity,
            cash=5_000_000,
            day_pnl=self.pnl_view.day_pnl,
            day_pnl_pct=self.pnl_view.day_pnl_pct,
            positions=1,
            open_orders=1,
            feed_connected=True,
            last_tick_age_s=0.4,
            started_at=T0,
            watchlist=("005930", "000660"),
        )

    async def positions(self) -> list[PositionView]:
        self.calls["positions"] += 1
        return [self.position]

    async def orders(self, *, open_only: bool = False, limit: int = 100) -> list[OrderView]:
        self.calls["orders"] += 1
        self.orders_open_only.append(open_only)
        return [self.order][:limit]

    async def fills(self, *, limit: int = 100) -> list[FillView]:
        self.calls["fills"] += 1
        return []

    async def signals(self, *, limit: int = 100) -> list[SignalView]:
        self.calls["signals"] += 1
        return []

    async def pnl(self) -> PnlView:
        self.calls["pnl"] += 1
        return self.pnl_view

    async def set_state(self, state: TradingState, *, reason: str, source: str) -> StatusView:
        self.calls["set_state"] += 1
        self.switch.set_state(state, reason, source, T0)
        view = await self.status()
        self.calls["status"] -= 1  # internal use, not a command's call
        return view

    async def daily_report(self) -> DailyReport:
        self.calls["daily_report"] += 1
        return DailyReport(
            day="2026-11-24",
            mode=self._mode,
            text=self.report_text,
            pnl=self.pnl_view,
            trades=3,
            fills=4,
            signals=9,
            denials=1,
            errors=0,
        )


def settings_for(fake: FakeTelegram, token: str = TOKEN) -> TelegramSettings:
    return TelegramSettings(
        enabled=True, bot_token=SecretStr(token), allowed_chat_ids=[ALLOWED, 2222], base_url=fake.url
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as server:
        yield server


@pytest.fixture
def service() -> SwitchService:
    return SwitchService()


@pytest.fixture
async def bot(fake: FakeTelegram, service: SwitchService) -> AsyncIterator[TelegramBot]:
    async with start_telegram(settings_for(fake), service, poll_timeout=5) as running:
        yield running


async def ask(fake: FakeTelegram, text: str, chat_id: int = ALLOWED) -> str:
    """Send ``text`` as ``chat_id`` and return the bot's (joined) reply to that chat."""
    before = len(fake.sent_to(chat_id))
    await fake.push_command(chat_id, text)
    await fake.wait_for_sent(before + 1, chat_id=chat_id)
    return "\n".join(m.text for m in fake.sent_to(chat_id)[before:])


def expected_fragments(service: SwitchService) -> dict[str, tuple[str, list[str]]]:
    """command -> (the service call it makes, fragments its reply must contain)."""
    p, o, pnl = service.position, service.order, service.pnl_view
    return {
        "/status": ("status", ["ACTIVE", fmt.won(pnl.equity), fmt.signed_won(pnl.day_pnl), "005930, 000660"]),
        "/positions": ("positions", [p.symbol, p.name, f"{p.qty}주", fmt.signed_won(p.pnl), "70,150.50"]),
        "/orders": ("orders", [o.symbol, "매수 BUY", f"{o.filled_qty}/{o.qty}", f"{o.limit_price:,}"]),
        "/pnl": ("pnl", [fmt.signed_won(pnl.day_pnl), fmt.signed_won(pnl.realized), fmt.won(pnl.commission)]),
        "/report": ("daily_report", [service.report_text]),
        "/help": ("", [f"/{name}" for name, _ in BOT_COMMANDS]),
    }


@pytest.mark.parametrize("command", ["/status", "/positions", "/orders", "/pnl", "/report", "/help"])
async def test_each_query_command_is_answered(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot, command: str
) -> None:
    call, fragments = expected_fragments(service)[command]
    reply = await ask(fake, command)
    assert reply.startswith("[SIM] ")
    for fragment in fragments:
        assert fragment in reply
    expected_calls: dict[str, int] = {call: 1} if call else {}
    assert dict(+service.calls) == expected_calls
    if command == "/orders":
        assert service.orders_open_only == [True]


async def test_pause_then_status_shows_reducing(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    reply = await ask(fake, "/pause volatility spike")
    assert "REDUCING" in reply
    assert service.switch.state is TradingState.REDUCING
    snap = service.switch.snapshot()
    assert snap.source == f"telegram:{ALLOWED}"
    assert snap.reason == "telegram /pause: volatility spike"
    status = await ask(fake, "/status")
    assert "REDUCING" in status
    assert "telegram /pause: volatility spike" in status


async def test_stop_and_resume_move_the_switch(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    assert "HALTED" in await ask(fake, "/stop")
    assert service.switch.state is TradingState.HALTED
    assert "ACTIVE" in await ask(fake, "/resume", chat_id=2222)
    assert service.switch.state is TradingState.ACTIVE
    assert service.switch.snapshot().source == "telegram:2222"
    assert service.calls["set_state"] == 2


async def test_an_unknown_chat_gets_nothing_and_the_service_is_not_called(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, format="{message}", level="DEBUG")
    try:
        for command in ("/status", "/stop now-please-secret-words", "hello there"):
            await fake.push_command(STRANGER, command)
        # Updates are handled in order: once the allowed chat's answer is out, the others were seen.
        await ask(fake, "/help")
    finally:
        logger.remove(sink)
    assert fake.sent_to(STRANGER) == []
    assert not +service.calls
    assert service.switch.state is TradingState.ACTIVE
    assert bot.ignored == 3
    logged = "".join(lines)
    assert str(STRANGER) in logged
    assert "secret-words" not in logged
    assert "hello there" not in logged


async def test_start_registers_the_command_menu(fake: FakeTelegram, bot: TelegramBot) -> None:
    assert [c["command"] for c in fake.commands] == [name for name, _ in BOT_COMMANDS]
    assert fake.calls_of("getMe")
    assert fake.calls_of("deleteWebhook")[0].params.get("drop_pending_updates") is True


async def test_updates_sent_while_the_bot_was_down_are_not_replayed(
    fake: FakeTelegram, service: SwitchService
) -> None:
    await fake.push_command(ALLOWED, "/resume")
    async with start_telegram(settings_for(fake), service, poll_timeout=5):
        await ask(fake, "/help")
    assert service.calls["set_state"] == 0
    assert len(fake.sent_to(ALLOWED)) == 1


async def test_an_unreachable_api_at_start_is_retried_in_the_background(
    fake: FakeTelegram, service: SwitchService
) -> None:
    fake.fail_next("getMe", 500, times=2)
    async with start_telegram(settings_for(fake), service, poll_timeout=5, retry_base=0.05) as running:
        assert not running.started.is_set()  # start_telegram returned although Telegram failed
        async with asyncio.timeout(10):
            await running.started.wait()
        assert "/status" in await ask(fake, "/help")
    assert len(fake.calls_of("getMe")) == 3


async def test_a_reply_survives_a_500_and_a_429(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    fake.fail_next("sendMessage", 500)
    fake.fail_next("sendMessage", 429, retry_after=1)
    reply = await ask(fake, "/pnl")
    assert fmt.signed_won(service.pnl_view.day_pnl) in reply
    assert len(fake.calls_of("sendMessage")) == 3


async def test_a_failing_service_call_is_reported_and_the_bot_keeps_going(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    service.fail_status = True
    reply = await ask(fake, "/status")
    assert "Error" in reply
    assert "store unavailable" in reply
    assert "HALTED" not in reply
    assert fmt.won(service.pnl_view.equity) in await ask(fake, "/pnl")


async def test_replies_are_redacted(fake: FakeTelegram, service: SwitchService, bot: TelegramBot) -> None:
    app_key = "PSa1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7"
    service.report_text = f"report\nleaked appkey {app_key} and bot token {TOKEN}"
    reply = await ask(fake, "/report")
    assert app_key not in reply
    assert TOKEN not in reply
    assert TOKEN.split(":")[1] not in reply
    assert "report" in reply


async def test_no_log_record_carries_the_token(
    fake: FakeTelegram, service: SwitchService, caplog: pytest.LogCaptureFixture
) -> None:
    lines: list[str] = []
    sink = logger.add(lines.append, format="{message}", level="DEBUG")
    caplog.set_level(logging.INFO)
    try:
        async with start_telegram(settings_for(fake), service, poll_timeout=5):
            await ask(fake, "/status")
            await fake.push_command(STRANGER, "/stop")
            await ask(fake, "/pnl")
    finally:
        logger.remove(sink)
    secret = TOKEN.split(":")[1]
    assert caplog.records  # stdlib logging did run (PTB logs at INFO)
    assert not [r for r in caplog.records if secret in r.getMessage()]
    assert lines
    assert not [line for line in lines if secret in line]


async def test_a_long_reply_is_split_under_telegrams_limit(
    fake: FakeTelegram, service: SwitchService, bot: TelegramBot
) -> None:
    service.report_text = "\n".join(f"line {i:04d} " + "x" * 90 for i in range(120))
    await fake.push_command(ALLOWED, "/report")
    await fake.wait_for(lambda: any("line 0119" in m.text for m in fake.sent))
    parts = [m.text for m in fake.sent_to(ALLOWED)]
    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n".join(parts)
    assert all(f"line {i:04d}" in joined for i in range(120))


async def test_a_rejected_token_is_a_config_error_without_the_token(
    fake: FakeTelegram, service: SwitchService
) -> None:
    wrong = "111111111:AAWrongTokenForTestsOnly_abcdefghijkl"
    with pytest.raises(ConfigError) as caught:
        async with start_telegram(settings_for(fake, wrong), service):
            pass
    assert "bot_token" in str(caught.value)
    assert wrong not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_disabled_settings_refuse_to_start(service: SwitchService) -> None:
    settings = TelegramSettings(enabled=False, bot_token=SecretStr(TOKEN), allowed_chat_ids=[ALLOWED])
    with pytest.raises(ConfigError, match=r"telegram\.enabled"):
        async with start_telegram(settings, service):
            pass
