"""TelegramNotifier against the fake Bot API server over loopback (python-telegram-bot for real)."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from collections.abc import AsyncIterator
from itertools import pairwise
from typing import Any

import pytest
from fake_telegram import FakeTelegram

from kistrade.app.redact import Redactor
from kistrade.app.settings_models import NotifyLevels
from kistrade.notify.telegram import TelegramNotifier

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456789:AAHfakeTokenForTestsOnly_abcdefghij0123"
CHAT = 4242
OTHER_CHAT = 4343


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(TOKEN) as server:
        yield server


def make_notifier(url: str, **kwargs: Any) -> TelegramNotifier:
    options: dict[str, Any] = {
        "token": TOKEN,
        "chat_ids": [CHAT],
        "mode": "paper",
        "redact": Redactor(),
        "base_url": url,
        "per_chat_interval": 0.0,
        "global_rate": 10_000.0,
        "retry_base": 0.01,
    }
    options.update(kwargs)
    return TelegramNotifier(**options)


async def flushed(notifier: TelegramNotifier, within: float = 5.0) -> None:
    async with asyncio.timeout(within):
        await notifier.flush()


async def test_levels_on_silent_off_and_mode_prefix(fake: FakeTelegram) -> None:
    levels = NotifyLevels(signal="off", order="silent", fill="on").model_dump()  # as from settings
    async with make_notifier(fake.url, levels=levels) as notifier:
        await notifier.notify("signal", "BUY 005930 rsi 28")  # off: first, so FIFO would show it
        await notifier.notify("order", "order sent 005930")
        await notifier.notify("fill", "filled 005930 10@70,000")
        await flushed(notifier)
    texts = [m.text for m in fake.sent]
    assert texts == ["[PAPER] order sent 005930", "[PAPER] filled 005930 10@70,000"]
    assert [m.disable_notification for m in fake.sent] == [True, False]
    assert all(m.parse_mode is None and m.chat_id == CHAT for m in fake.sent)
    assert notifier.stats.skipped == 1
    assert notifier.stats.sent == 2


async def test_urgent_is_sent_with_sound_even_when_its_kind_is_off(fake: FakeTelegram) -> None:
    async with make_notifier(fake.url, mode="live", levels={"error": "off"}) as notifier:
        await notifier.notify("error", "routine error")
        await notifier.notify("error", "feed down 3 times: HALTED", urgent=True)
        await fake.wait_for_sent(1)
    assert len(fake.sent) == 1
    message = fake.sent[0]
    assert message.text.startswith("[LIVE] ")
    assert "feed down 3 times: HALTED" in message.text
    assert message.disable_notification is False


async def test_every_allowed_chat_gets_each_message(fake: FakeTelegram) -> None:
    async with make_notifier(fake.url, chat_ids=[CHAT, OTHER_CHAT, CHAT]) as notifier:
        await notifier.notify("start_stop", "kistrade started")
        await fake.wait_for_sent(2)
    assert sorted(m.chat_id for m in fake.sent) == [CHAT, OTHER_CHAT]


async def test_secrets_are_masked_in_the_text_sent(fake: FakeTelegram) -> None:
    app_key = "PSa1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7"  # 36 characters, like a KIS app key
    account = "5012345601"
    redact = Redactor([account])
    text = f"auth failed: appkey={app_key} account={account} bot={TOKEN} Bearer abcdefghijklmnop"
    async with make_notifier(fake.url, redact=redact) as notifier:
        await notifier.notify("error", text, urgent=True)
        await fake.wait_for_sent(1)
    sent = fake.sent[0].text
    for secret in (app_key, account, TOKEN, TOKEN.split(":")[1], "abcdefghijklmnop"):
        assert secret not in sent
    assert "auth failed" in sent
    assert "<redacted" in sent


async def test_a_burst_never_blocks_and_respects_the_per_chat_rate(fake: FakeTelegram) -> None:
    interval = 0.02
    async with make_notifier(fake.url, per_chat_interval=interval) as notifier:
        await notifier.notify("start_stop", "warm-up")  # the first request also opens the connection
        await flushed(notifier)
        started = time.monotonic()
        for i in range(100):
            await notifier.notify("signal", f"signal {i}")
        elapsed = time.monotonic() - started
        assert notifier.pending == 100  # nothing was sent while the caller ran
        assert elapsed < 0.5
        await fake.wait_for_sent(101, within=20)
    burst = fake.sent[1:]
    assert [m.text for m in burst] == [f"[PAPER] signal {i}" for i in range(100)]
    times = [m.at for m in burst]
    # Arrival times carry scheduling jitter (the server shares the loop): judge the median gap
    # and every window of 10 messages, not single gaps. Unpaced, 100 messages take ~0.1 s.
    assert statistics.median(b - a for a, b in pairwise(times)) >= interval * 0.9
    assert min(b - a for a, b in zip(times, times[10:], strict=False)) >= 10 * interval * 0.8
    assert times[-1] - times[0] >= 99 * interval * 0.9
    assert notifier.stats.sent == 101
    assert notifier.stats.dropped == 0


async def test_the_global_rate_spaces_messages_across_chats(fake: FakeTelegram) -> None:
    rate = 50.0  # one message every 20 ms overall
    async with make_notifier(fake.url, chat_ids=[CHAT, OTHER_CHAT], global_rate=rate) as notifier:
        for i in range(20):
            await notifier.notify("order", f"order {i}")
        await fake.wait_for_sent(40, within=20)
    times = sorted(m.at for m in fake.sent)
    assert statistics.median(b - a for a, b in pairwise(times)) >= 0.9 / rate
    assert times[-1] - times[0] >= 39 / rate * 0.9
    assert len(fake.sent_to(CHAT)) == len(fake.sent_to(OTHER_CHAT)) == 20


async def test_a_full_queue_drops_and_counts_and_urgent_evicts_the_oldest(fake: FakeTelegram) -> None:
    async with make_notifier(fake.url, max_queue=10, per_chat_interval=0.01) as notifier:
        for i in range(30):
            await notifier.notify("signal", f"signal {i}")
        assert notifier.stats.dropped == 20
        await notifier.notify("error", "order rejected", urgent=True)
        assert notifier.stats.dropped == 21
        assert notifier.pending == 10
        await flushed(notifier)
    texts = [m.text for m in fake.sent]
    assert texts[0] == "[PAPER] ⚠️ order rejected"
    assert texts[1:] == [f"[PAPER] signal {i}" for i in range(1, 10)]


async def test_server_errors_are_retried(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 500, times=2)
    async with make_notifier(fake.url) as notifier:
        await notifier.notify("fill", "filled after two 500s")
        await fake.wait_for_sent(1)
    assert len(fake.calls_of("sendMessage")) == 3
    assert notifier.stats.retries == 2
    assert notifier.stats.failed == 0


async def test_429_waits_retry_after(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    async with make_notifier(fake.url) as notifier:
        await notifier.notify("fill", "filled after a 429")
        await fake.wait_for_sent(1, within=10)
    first, second = fake.calls_of("sendMessage")
    assert second.at - first.at >= 0.9
    assert notifier.stats.retries == 1


async def test_gives_up_after_max_attempts_then_keeps_going(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, times=3)
    async with make_notifier(fake.url, max_attempts=3) as notifier:
        await notifier.notify("order", "lost")
        await notifier.notify("order", "delivered")
        await flushed(notifier)
    assert [m.text for m in fake.sent] == ["[PAPER] delivered"]
    assert notifier.stats.failed == 1
    assert len(fake.calls_of("sendMessage")) == 4


async def test_a_bad_request_is_not_retried(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 400)
    async with make_notifier(fake.url) as notifier:
        await notifier.notify("order", "refused")
        await notifier.notify("order", "next")
        await fake.wait_for_sent(1)
    assert [m.text for m in fake.sent] == ["[PAPER] next"]
    assert len(fake.calls_of("sendMessage")) == 2
    assert notifier.stats.failed == 1


async def test_an_unreachable_api_never_raises_into_the_caller() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    notifier = make_notifier(f"http://127.0.0.1:{port}", max_attempts=2)
    async with notifier:
        await notifier.notify("error", "nobody listens", urgent=True)
        await flushed(notifier, within=10)
    assert notifier.stats.failed == 1
    assert notifier.stats.retries == 1


async def test_close_drains_the_queue_and_later_messages_are_dropped(fake: FakeTelegram) -> None:
    notifier = make_notifier(fake.url, per_chat_interval=0.01)
    await notifier.notify("start_stop", "queued before start")
    await notifier.start()
    for i in range(3):
        await notifier.notify("start_stop", f"stopping {i}")
    await notifier.aclose()
    assert len(fake.sent) == 4
    await notifier.notify("start_stop", "after close")
    assert notifier.stats.dropped == 1
    assert len(fake.sent) == 4


def test_bad_configuration_names_the_setting() -> None:
    with pytest.raises(ValueError, match="allowed_chat_ids"):
        TelegramNotifier(token=TOKEN, chat_ids=[], mode="sim", redact=str)
    with pytest.raises(ValueError, match=r"telegram\.notify\.fill"):
        TelegramNotifier(token=TOKEN, chat_ids=[1], mode="sim", redact=str, levels={"fill": "loud"})
