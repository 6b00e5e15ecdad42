"""The dashboard in headless Chromium (Debian's chromium driven by Playwright): it renders, a new
fill appears without a reload, and the pause button flips the risk state. Screenshots go to
artifacts/browser/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from _http_fake import fill, running

from kistrade.engine.events import TradingState

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
TOKEN = "browser-test-token"
WAIT_MS = 10_000

try:
    from playwright.async_api import Browser, Page, async_playwright, expect
except ImportError:  # pragma: no cover - playwright is a dev dependency
    pytestmark = pytest.mark.skip(reason="playwright is not installed (uv sync --group dev)")
else:
    expect.set_options(timeout=WAIT_MS)  # plotly.min.js takes a moment to parse on a busy machine
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


async def open_page(browser: Browser, url: str, errors: list[str] | None = None) -> Page:
    page = await browser.new_page(viewport={"width": 1400, "height": 1500}, locale="ko-KR")
    if errors is not None:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.set_default_timeout(WAIT_MS)
    await page.goto(url)
    return page


def shot(name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / f"{name}.png"


async def test_overview_renders_mode_state_and_charts(browser: Browser) -> None:
    async with running(token=TOKEN) as r:
        errors: list[str] = []
        page = await open_page(browser, f"{r.url}/?token={TOKEN}", errors)
        await expect(page.locator("#mode")).to_have_text("sim", timeout=WAIT_MS)
        await expect(page.locator("#state")).to_have_text("ACTIVE")
        await expect(page.locator("#equity")).to_have_text("10,010,000원")
        await expect(page.locator("#positions-body tr")).to_have_count(1)
        await expect(page.locator("#signals-body")).to_contain_text("RSI 28")
        await expect(page.locator("#health")).to_contain_text("Ready")
        await expect(page.locator("#usage-cards")).to_contain_text("EGW00201: 2")
        await expect(page.locator("#book-body tr")).to_have_count(20)
        await expect(page.locator("#price-chart .main-svg").first).to_be_visible()
        await expect(page.locator("#equity-chart .main-svg").first).to_be_visible()
        assert "token" not in page.url  # dropped from the address bar; the cookie carries it
        await page.screenshot(path=shot("overview"), full_page=True)
        assert errors == []  # no script errors, no failed loads


async def test_new_fill_appears_without_reload(browser: Browser) -> None:
    async with running() as r:
        page = await open_page(browser, r.url + "/")
        await expect(page.locator("#fills-body tr")).to_have_count(1)
        navigations: list[str] = []
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        r.service.add_fill(fill(7, symbol="005930", side="SELL", qty=4, price=71_500))
        rows = page.locator("#fills-body tr")
        await expect(rows).to_have_count(2)
        await expect(rows.first).to_contain_text("71,500")
        await expect(rows.first).to_contain_text("매도")
        await expect(page.locator("#perf-cards")).to_contain_text("거래 Trades")
        assert navigations == []
        await page.screenshot(path=shot("new-fill"), full_page=True)


async def test_pause_button_switches_to_reducing(browser: Browser) -> None:
    async with running() as r:
        page = await open_page(browser, r.url + "/")
        await expect(page.locator("#state")).to_have_text("ACTIVE")
        await page.locator("#btn-pause").click()
        await expect(page.locator("#state")).to_have_text("REDUCING")
        assert r.service.switch.state is TradingState.REDUCING
        assert r.service.state_calls == [(TradingState.REDUCING, "paused from the dashboard", "dashboard")]
        await expect(page.locator("#btn-pause")).to_be_disabled()
        await expect(page.locator("#state-reason")).to_contain_text("dashboard")
        await page.screenshot(path=shot("paused"), full_page=False)
        await page.locator("#btn-resume").click()
        await expect(page.locator("#state")).to_have_text("ACTIVE")
        assert r.service.switch.state is TradingState.ACTIVE
