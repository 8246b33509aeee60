"""A real headless browser for the DevTools page tests: Debian's chromium driven by Playwright.

Browsers cannot be downloaded here, so Playwright launches the system chromium
(`executable_path`). Without it, or without `playwright`, the tests skip with the reason, unless
`AGENTICK_REQUIRE_BROWSER=1` (set by `.ci/run`), where they fail instead. Every request any page
of the browser context makes is recorded, so a test can assert that none left 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Page

CHROMIUM = "/usr/bin/chromium"
# No sandbox (containers run as root), no GPU, and none of chromium's own background traffic
# (component updates, sync, QUIC probes), so the only requests are the page's.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000  # a bound for waits on a busy machine, not an expected duration


def require_browser() -> None:
    """Skip (or, with AGENTICK_REQUIRE_BROWSER=1, fail) when chromium or playwright is absent."""
    reason = None
    if not os.path.exists(CHROMIUM):
        reason = f"{CHROMIUM} is absent (apt-get install chromium)"
    elif importlib.util.find_spec("playwright") is None:
        reason = 'playwright is not installed (pip install -e ".[dev]")'
    if reason is None:
        return
    if os.environ.get("AGENTICK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"AGENTICK_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@dataclass
class Browsing:
    """A page of a fresh browser context, the URLs of every request made in that context, and
    the page's uncaught script errors and console errors (CSP violations among them)."""

    page: Page
    requests: list[str] = field(default_factory=list[str])
    errors: list[str] = field(default_factory=list[str])

    async def fetch_json(self, url: str) -> Any:
        """GET `url` from inside the page (so it is recorded like the page's own requests)."""
        return await self.page.evaluate("async (url) => (await fetch(url)).json()", url)


@asynccontextmanager
async def browsing(width: int = 1280, height: int = 800) -> AsyncIterator[Browsing]:
    """Launch headless chromium, yield a page, close everything on the way out."""
    require_browser()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(TIMEOUT_MS)
            page = await context.new_page()
            session = Browsing(page)
            context.on("request", lambda request: session.requests.append(request.url))
            page.on("pageerror", lambda error: session.errors.append(str(error)))
            # console errors include what the Content-Security-Policy refused ("Refused to load ...")
            page.on("console", lambda message: message.type == "error" and session.errors.append(message.text))
            yield session
        finally:
            await browser.close()
