"""A real run leaks no secret: the bot trades against the bundled simulator with the dashboard and
the Telegram bot + notifier on (a fake Bot API on loopback), WebSocket drops and token expiry are
injected, then every log line (text and JSON lines), every dashboard page and API answer, the
/metrics text, the first SSE events, every Telegram message and the SQLite files are searched for
the app key, the app secret, every access token and WebSocket approval key the client held, the
Telegram bot token and the dashboard token (whole, and in 24-character pieces). Also: the token
cache file is 0600 (its directory 0700), and a command from a chat that is not allowed changes
nothing and gets no answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import stat
import sys
from pathlib import Path
from typing import Any

import aiohttp
from crash_support import SYMBOLS, busy_options, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from fake_telegram import FakeTelegram

from kistrade.app.bootstrap import Runtime, open_runtime
from kistrade.app.logging_setup import setup_logging
from kistrade.app.settings import Settings
from kistrade.app.settings_tree import sources_off
from kistrade.cli.run_interfaces import open_interfaces
from kistrade.engine.events import TradingState

BOT_TOKEN = "7000000001:AAF-fake-bot-token-for-tests-only-0123456789"
DASHBOARD_TOKEN = "dash-Zq8Yw2Xv6Ut4Sr0Pq"
ALLOWED = 424242
STRANGER = 999001
COMMANDS = ("/status", "/positions", "/orders", "/pnl", "/report", "/help", "/pause", "/resume")
PAGES = (
    "/",
    "/static/app.js",
    "/static/style.css",
    "/health",
    "/ready",
    "/metrics",
    "/api/v1/health",
    "/api/v1/status",
    "/api/v1/positions",
    "/api/v1/orders",
    "/api/v1/fills",
    "/api/v1/signals",
    "/api/v1/performance",
    "/api/v1/equity",
    "/api/v1/usage",
    *(f"/api/v1/market/{s}" for s in SYMBOLS),
)


def _settings(tmp: Path, telegram_url: str) -> Settings:
    with sources_off():
        return Settings(
            storage={"data_dir": tmp, "db_file": tmp / "kistrade.db"},
            logging={"file": tmp / "logs" / "kistrade.log", "json": True, "level": "DEBUG", "stderr": False},
            telegram={
                "enabled": True,
                "bot_token": BOT_TOKEN,
                "allowed_chat_ids": [ALLOWED],
                "base_url": telegram_url,
            },
            dashboard={"token": DASHBOARD_TOKEN},
        )


async def _secrets_held(rt: Runtime) -> set[str]:
    """What the simulator hands out (``/sim/credentials``) and what the client holds right now."""
    async with aiohttp.ClientSession() as s, s.get(f"{rt.rest_url}/sim/credentials") as r:
        assert r.status == 200
        creds: dict[str, Any] = await r.json()
    auth = rt.client.auth
    found = {
        str(creds["app_key"]),
        str(creds["app_secret"]),
        await auth.get_access_token(),
        await auth.get_websocket_approval_key(),
        auth.credentials.app_key.get_secret_value(),
        auth.credentials.app_secret.get_secret_value(),
    }
    assert all(len(v) >= 16 for v in found), "a credential is too short to be searched for meaningfully"
    return found


async def _fault(rt: Runtime, spec: dict[str, Any]) -> None:
    async with aiohttp.ClientSession() as s, s.post(f"{rt.rest_url}/sim/faults", json=spec) as r:
        assert r.status == 200, await r.text()


async def _dashboard_texts(base: str) -> list[str]:
    texts: list[str] = []
    headers = {"Authorization": f"Bearer {DASHBOARD_TOKEN}"}
    async with aiohttp.ClientSession(headers=headers) as http:
        for path in PAGES:
            async with http.get(base + path) as r:
                assert r.status == 200, (path, r.status)
                texts.append(f"GET {path}\n{await r.text()}")
        async with http.get(base + "/api/v1/status", headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status == 401
            texts.append(await r.text())
        # the event stream: its connect burst carries every topic once
        async with http.get(base + "/events") as r:
            assert r.status == 200
            chunks: list[bytes] = []
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    async for chunk in r.content.iter_any():
                        chunks.append(chunk)
                        if b"event: status" in b"".join(chunks) and len(b"".join(chunks)) > 2000:
                            break
            events = b"".join(chunks).decode("utf-8", errors="replace")
            assert "event: " in events
            texts.append(events)
        async with http.post(base + "/api/v1/control/pause") as r:
            assert r.status == 200
            texts.append(await r.text())
    return texts


async def _telegram_round(fake: FakeTelegram, rt: Runtime) -> None:
    """Every command from the allowed chat is answered; a stranger's /stop changes nothing."""
    for command in COMMANDS:
        before = len(fake.sent_to(ALLOWED))
        await fake.push_command(ALLOWED, command)
        await fake.wait_for_sent(before + 1, chat_id=ALLOWED, within=15.0)
    await fake.push_command(STRANGER, "/stop")
    before = len(fake.sent_to(ALLOWED))
    await fake.push_command(ALLOWED, "/status")  # updates are handled in order
    await fake.wait_for_sent(before + 1, chat_id=ALLOWED, within=15.0)
    assert fake.sent_to(STRANGER) == []
    status = await rt.service.status()  # the trader may move the switch itself, never for the stranger
    assert status.state_source != f"telegram:{STRANGER}" and status.state is not TradingState.HALTED


async def test_a_full_run_leaks_no_secret(tmp_path: Path) -> None:
    secrets: set[str] = set()
    texts: list[str] = []
    opts = busy_options(tmp_path / "trader.db", sync_interval_s=30.0)
    async with FakeTelegram(BOT_TOKEN) as fake:
        settings = _settings(tmp_path, fake.url)
        setup_logging(settings.logging, settings.secret_values())  # as `kistrade run` does
        async with (
            open_runtime(settings, opts) as rt,
            open_interfaces(settings, rt, dashboard_port=0) as ifs,
        ):
            assert ifs.telegram
            io = rt.trader.io
            assert io is not None
            secrets |= await _secrets_held(rt)
            await wait_for(lambda: io.counters.fills >= 2, 45.0, "two fills")
            await fake.wait_for(lambda: any("fill" in m.text for m in fake.sent_to(ALLOWED)), 15.0)
            # faults make the client log its error paths: re-authentication and a reconnect
            ws = rt.client.ws
            # expire_tokens lifts the simulator's one-issuance-a-minute rule; the client's own
            # spacing is shortened so the re-issuance does not wait a wall minute
            rt.client.auth.min_issue_interval = 0.5
            await _fault(rt, {"expire_tokens": True, "drop_ws": True})
            await wait_for(lambda: ws.stats.reconnects >= 1, 30.0, "a WebSocket reconnect")
            await rt.trader.sync()  # REST after the token expiry: a new token is issued
            assert rt.client.auth.issue_calls >= 2
            fills = io.counters.fills
            await wait_for(lambda: io.counters.fills >= fills + 2, 45.0, "fills after the faults")
            secrets |= await _secrets_held(rt)
            await _telegram_round(fake, rt)
            texts += await _dashboard_texts(ifs.dashboard_url)
            cache_file = rt.client.auth.cache_path
            last_token = await rt.client.auth.get_access_token()
    secrets |= {BOT_TOKEN, DASHBOARD_TOKEN}

    # the token cache: 0600 in a 0700 directory, and it does hold a token
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(cache_file.parent.stat().st_mode) == 0o700
    assert last_token in cache_file.read_text(encoding="utf-8")

    log_dir = settings.logging.file.parent
    logs = {p.name: p.read_text(encoding="utf-8") for p in sorted(log_dir.iterdir()) if p.is_file()}
    assert {"kistrade.log", "kistrade.jsonl"} <= set(logs)
    assert "token issued" in logs["kistrade.log"] and "token issued" in logs["kistrade.jsonl"]
    texts += [f"log {name}\n{text}" for name, text in logs.items()]
    sent = [m.text for m in fake.sent]
    assert any("fill: " in t for t in sent) and any("kistrade started" in t for t in sent)
    texts += [f"telegram\n{t}" for t in sent]

    texts += _store_files(tmp_path)

    leaks = [
        (secret[:2] + "…", text.splitlines()[0][:60])
        for secret in sorted(secrets)
        for fragment in _fragments(secret)
        for text in texts
        if fragment in text
    ]
    assert leaks == [], f"secrets (or 24-character pieces of them) found in: {sorted(set(leaks))}"


def _store_files(root: Path) -> list[str]:
    """The bytes of every SQLite file (database, WAL) as text."""
    stores = [p for p in root.rglob("*.db*") if p.is_file()]
    assert stores
    return [f"store {p.name}\n" + p.read_bytes().decode("utf-8", errors="replace") for p in stores]


def _fragments(secret: str, size: int = 24, step: int = 8) -> list[str]:
    """The secret itself and, for a long one, overlapping pieces: a leak of any 32 characters in a
    row is found even when the rest was cut or masked."""
    if len(secret) <= size:
        return [secret]
    return [secret[i : i + size] for i in range(0, len(secret) - size + 1, step)]
