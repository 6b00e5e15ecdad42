"""The dashboard of the real bot (``kistrade run``'s interfaces) on the real simulator, in headless
Chromium: a fill the bot makes appears on the open page without a reload, and the pause button
moves the bot's risk state. Screenshots go to artifacts/browser/."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from kistrade.app.bootstrap import RunOptions, Runtime, open_runtime
from kistrade.app.settings import Settings
from kistrade.app.settings_tree import sources_off
from kistrade.cli.run_interfaces import open_interfaces
from kistrade.engine.events import TradingState
from kistrade.engine.switch import RiskLimits
from kistrade.strategy.params import RsiParams
from kistrade.strategy.registry import create_strategy

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "browser"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000
SYMBOLS = ("005930", "000660")

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # pragma: no cover - playwright is a dev dependency
    pytestmark = pytest.mark.skip(reason="playwright is not installed (uv sync --group dev)")
else:
    if not CHROMIUM.exists():
        pytestmark = pytest.mark.skip(
            reason=f"{CHROMIUM} is missing: install Debian's chromium (make browser-deps)"
        )


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            await b.close()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[tuple[Runtime, str]]:
    """The bot on the bundled simulator (x120) with a strategy that trades within seconds."""
    with sources_off():
        settings = Settings(storage={"data_dir": tmp_path, "db_file": tmp_path / "kistrade.db"})
    options = RunOptions(
        mode="sim",
        symbols=SYMBOLS,
        speed=120.0,
        db_path=tmp_path / "trader.db",
        strategy=create_strategy("rsi", RsiParams(rsi_period=3, oversold=45.0, overbought=55.0)),
        limits=RiskLimits(
            symbol_cooldown_s=0, max_orders_per_day=400, max_volume_participation_pct=Decimal(100)
        ),
    )
    async with open_runtime(settings, options) as rt, open_interfaces(settings, rt, 0) as ifs:
        yield rt, ifs.dashboard_url


def shot(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def open_page(browser: Browser, url: str, errors: list[str]) -> Page:
    page = await browser.new_page(viewport={"width": 1400, "height": 1500}, locale="ko-KR")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(WAIT_MS)
    await page.goto(url)
    return page


async def until(cond: Callable[[], bool], page: Page, what: str, within_ms: int = 45_000) -> None:
    step = 100
    for _ in range(within_ms // step):
        if cond():
            return
        await page.wait_for_timeout(step)
    raise AssertionError(f"timed out after {within_ms} ms waiting for {what}")


async def test_bot_fill_appears_live_and_pause_reduces(browser: Browser, bot: tuple[Runtime, str]) -> None:
    rt, url = bot
    io = rt.trader.io
    assert io is not None
    errors: list[str] = []
    page = await open_page(browser, url + "/", errors)
    await expect(page.locator("#mode")).to_have_text("sim", timeout=WAIT_MS)
    await expect(page.locator("#state")).to_have_text("ACTIVE", timeout=WAIT_MS)
    await expect(page.locator("#fills-body tr").first).to_be_visible(timeout=WAIT_MS)  # first render done
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))
    seen = io.counters.fills
    await until(lambda: io.counters.fills > seen, page, "a fill made by the bot after the page loaded")
    newest = (await rt.service.fills(limit=1))[0]
    body = page.locator("#fills-body")
    await expect(body).to_contain_text(newest.client_order_id, timeout=WAIT_MS)
    await expect(page.locator("#fills-body tr.new").first).to_be_visible(timeout=WAIT_MS)  # arrived live
    assert navigations == []
    await page.screenshot(path=shot("bot-fill"), full_page=True)

    await page.locator("#btn-pause").click()
    await expect(page.locator("#state")).to_have_text("REDUCING", timeout=WAIT_MS)
    status = await rt.service.status()
    assert status.state is TradingState.REDUCING
    assert status.state_source == "dashboard"
    await page.screenshot(path=shot("bot-paused"), full_page=False)
    assert errors == []
