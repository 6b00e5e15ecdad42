"""The Telegram bot trusts chats, not senders: an allowed user writing from a chat that is not in
``allowed_chat_ids`` (a group they were added to, a forged private chat) is ignored like any
stranger, for every command including the state-changing ones.

test_telegram_bot.py covers a stranger in an unknown chat; this adds the allowed sender in an
unknown chat, every command of the menu, and the switch staying where it was.
"""

from __future__ import annotations

from fake_telegram import FakeTelegram
from test_telegram_bot import ALLOWED, TOKEN, SwitchService, ask, settings_for

from kistrade.engine.events import TradingState
from kistrade.interfaces.telegram_bot import BOT_COMMANDS, start_telegram

GROUP = -100_555_000  # a group chat the allowed user is in, not allowed itself


async def test_an_allowed_user_in_an_unknown_chat_is_ignored() -> None:
    service = SwitchService()
    commands = [f"/{name}" for name, _ in BOT_COMMANDS]
    async with (
        FakeTelegram(TOKEN) as fake,
        start_telegram(settings_for(fake), service, poll_timeout=5) as bot,
    ):
        for command in commands:
            await fake.push_command(GROUP, command, user_id=ALLOWED)
        await ask(fake, "/help")  # updates are handled in order: the group's were seen before this
        assert fake.sent_to(GROUP) == []
        assert bot.ignored == len(commands)
    assert not +service.calls
    assert service.switch.state is TradingState.ACTIVE
