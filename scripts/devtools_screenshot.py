"""Regenerate docs/devtools.png: the DevTools page of examples/research.px after a short research
run, in headless chromium at 1280x800.

    .venv/bin/python scripts/devtools_screenshot.py [OUTPUT.png]

Offline: the agent runs on the scripted test model, the page is served on 127.0.0.1, and the
browser is Debian's chromium (`/usr/bin/chromium`) driven by Playwright (the `dev` extra).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import anyio
from playwright.async_api import async_playwright, expect

import agentick_jsx
from agentick import create_app
from agentick.testing import create_test_model

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FINDINGS = [
    "Tide pools form where rocky shores trap seawater at low tide.",
    "Anemones, sea stars and hermit crabs survive hours of heat and exposure.",
    "Each pool is a separate small world that the next high tide reconnects.",
]


def research_model() -> object:
    """A model that records the three findings one tick at a time, then writes a summary."""
    model = create_test_model(default_response="Here is what else I found.")
    notes = [{"tool": {"name": "note", "input": {"finding": finding}}} for finding in FINDINGS]
    model.respond_with([*notes, "Tide pools are small rocky-shore worlds, cut off and rejoined by every tide."])
    return model


async def main(output: Path) -> None:
    agentick_jsx.install()
    sys.path.insert(0, str(ROOT / "examples"))
    research = importlib.import_module("research")
    async with create_app(research.Agent, model=research_model(), devtools=True) as app:
        assert app.devtools_url is not None
        session = await app.session("tide-pools")
        first = await session.send("Research tide pools", props={"topic": "tide pools"})
        await first.result
        await (await session.send("Which animals live there?", props={"topic": "tide pools"})).result
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = await browser.new_page(viewport={"width": 1280, "height": 800})
                await page.goto(app.devtools_url)
                await page.click('[data-session="tide-pools"]')
                tick = page.locator(f'[data-tick="{first.execution_id}:3"]')
                await tick.click()
                await expect(tick).to_have_class("tick selected")
                await expect(page.locator('[data-part="section:notes"]')).to_contain_text(FINDINGS[1])
                await page.screenshot(path=str(output))
            finally:
                await browser.close()
    print(output)


if __name__ == "__main__":
    anyio.run(main, Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "devtools.png")
