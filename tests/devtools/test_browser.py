"""The DevTools page in a real headless browser (Debian's chromium driven by Playwright): it shows a
session's ticks with the compiled context and the same token counts as the server's tick records,
updates live when the app runs again, and never makes a request beyond 127.0.0.1."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from agentick import Element, Fragment, System, Timeline, create_app, create_tool, h, tool, use_com_state
from agentick.testing import create_test_model

from .browser import Browsing, browsing
from .support import api

pytestmark = pytest.mark.anyio


SYSTEM = "You are the weather desk. Answer in one sentence."


@tool
async def lookup_weather(city: str) -> str:
    """Look up today's weather in a city."""
    return f"sunny in {city}"


def WeatherDesk() -> Element:
    return h(Fragment, None, h(System, None, SYSTEM), h(lookup_weather), h(Timeline))


def weather_model() -> Any:
    model = create_test_model(default_response="Sunny again.")
    model.respond_with([{"tool": {"name": "lookup_weather", "input": {"city": "Oslo"}}}, "Sunny in Oslo."])
    return model


async def tick_record(browser: Browsing, devtools_url: str, execution_id: str, tick: int) -> dict[str, Any]:
    records = (await browser.fetch_json(api(devtools_url, "/api/records")))["records"]
    [record] = [r for r in records if r["kind"] == "tick" and r["execution_id"] == execution_id and r["tick"] == tick]
    return record


async def assert_context_shown(browser: Browsing, record: dict[str, Any]) -> None:
    """Every part of the tick record's compiled context is on the page with its token count."""
    from playwright.async_api import expect

    page = browser.page
    context = record["context"]
    system = page.locator('[data-part="system"]')
    await expect(system).to_contain_text(SYSTEM)
    await expect(system.locator(".tokens")).to_have_text(str(context["system_tokens"]))
    [tool_part] = context["tools"]
    assert tool_part["name"] == "lookup_weather"
    await expect(page.locator('[data-part="tool:lookup_weather"] .tokens')).to_have_text(str(tool_part["tokens"]))
    for message in context["messages"]:
        part = page.locator(f'[data-part="message:{message["index"]}"]')
        await expect(part.locator(".tokens")).to_have_text(str(message["tokens"]))
    await expect(page.locator('[data-part^="message:"]')).to_have_count(len(context["messages"]))
    await expect(page.locator("#total .tokens")).to_have_text(str(context["total_tokens"]))


def assert_loopback_only(browser: Browsing) -> None:
    hosts = {(urlsplit(url).scheme, urlsplit(url).hostname) for url in browser.requests}
    assert hosts == {("http", "127.0.0.1")}, browser.requests


async def test_the_page_shows_ticks_with_their_context_and_updates_live() -> None:
    from playwright.async_api import expect

    async with create_app(WeatherDesk, model=weather_model(), devtools=True) as app:
        assert app.devtools_url is not None
        session = await app.session("weather")
        first = await session.send("What is the weather in Oslo?")
        assert (await first.result).response == "Sunny in Oslo."
        async with browsing() as browser:
            page = browser.page
            await page.goto(app.devtools_url)
            await page.click('[data-session="weather"]')

            # the first tick: before the tool call
            await page.click(f'[data-tick="{first.execution_id}:1"]')
            tick1 = await tick_record(browser, app.devtools_url, first.execution_id, 1)
            await assert_context_shown(browser, tick1)
            assert [m["role"] for m in tick1["context"]["messages"]] == ["user"]
            await expect(page.locator("#events")).to_contain_text("tool_call")
            await expect(page.locator("#events")).to_contain_text('lookup_weather({"city":"Oslo"})')
            await expect(page.locator("#tree")).to_contain_text("WeatherDesk")

            # the second tick: the tool call and its result are in the context now
            await page.click(f'[data-tick="{first.execution_id}:2"]')
            tick2 = await tick_record(browser, app.devtools_url, first.execution_id, 2)
            await assert_context_shown(browser, tick2)
            assert [m["role"] for m in tick2["context"]["messages"]] == ["user", "assistant", "tool"]
            await expect(page.locator('[data-part="message:2"]')).to_contain_text("sunny in Oslo")

            # the latest tick is selected, so the page follows the session: a new execution's tick
            # appears and is shown without a reload
            second = await session.send("And tomorrow?")
            assert (await second.result).response == "Sunny again."
            await expect(page.locator(f'[data-tick="{second.execution_id}:1"]')).to_have_class("tick selected")
            tick3 = await tick_record(browser, app.devtools_url, second.execution_id, 1)
            await expect(page.locator('[data-part="message:4"]')).to_contain_text("And tomorrow?")
            await assert_context_shown(browser, tick3)
            await expect(page.locator("#tick-title")).to_contain_text(second.execution_id)

            assert browser.errors == []
            assert_loopback_only(browser)


async def test_an_older_tick_stays_selected_while_new_ones_arrive() -> None:
    from playwright.async_api import expect

    async with create_app(WeatherDesk, model=weather_model(), devtools=True) as app:
        assert app.devtools_url is not None
        session = await app.session("weather")
        first = await session.send("What is the weather in Oslo?")
        await first.result
        async with browsing() as browser:
            page = browser.page
            await page.goto(app.devtools_url)
            await page.click('[data-session="weather"]')
            await page.click(f'[data-tick="{first.execution_id}:1"]')  # not the latest: stop following
            second = await session.send("And tomorrow?")
            await second.result
            await expect(page.locator(f'[data-tick="{second.execution_id}:1"]')).to_have_count(1)
            await expect(page.locator(f'[data-tick="{first.execution_id}:1"]')).to_have_class("tick selected")
            await expect(page.locator('[data-part^="message:"]')).to_have_count(1)
            assert browser.errors == []
            assert_loopback_only(browser)


async def test_text_from_the_session_is_shown_as_text_and_ticks_are_chosen_by_keyboard() -> None:
    from playwright.async_api import expect

    markup = '<img src="/x" onerror="document.title=1"><b>bold</b>'
    async with create_app(WeatherDesk, model=create_test_model(default_response=markup), devtools=True) as app:
        assert app.devtools_url is not None
        session = await app.session("weather")
        first = await session.send(f"Is {markup} rendered?")
        await first.result
        second = await session.send("Again?")
        await second.result
        async with browsing() as browser:
            page = browser.page
            await page.goto(app.devtools_url)
            await page.focus('[data-session="weather"]')
            await page.keyboard.press("Enter")
            await page.focus(f'[data-tick="{first.execution_id}:1"]')
            await page.keyboard.press("Enter")
            await expect(page.locator(f'[data-tick="{first.execution_id}:1"]')).to_have_class("tick selected")
            await expect(page.locator(f'[data-tick="{first.execution_id}:1"]')).to_be_focused()
            await expect(page.locator('[data-part="message:0"]')).to_contain_text(f"Is {markup} rendered?")
            await page.click(f'[data-tick="{second.execution_id}:1"]')
            await expect(page.locator('[data-part="message:1"]')).to_contain_text(markup)
            await expect(page.locator("#events")).to_contain_text(markup)
            assert await page.locator("#main img, #main b").count() == 0
            assert await page.title() == "agentick DevTools"
            assert browser.errors == []
            assert_loopback_only(browser)


# --- context_diff ---------------------------------------------------------------------------------


async def test_the_second_executions_tick_shows_its_context_diff_with_sources() -> None:
    from playwright.async_api import expect

    async with create_app(WeatherDesk, model=weather_model(), devtools=True) as app:
        assert app.devtools_url is not None
        session = await app.session("weather")
        first = await session.send("What is the weather in Oslo?")
        await first.result
        second = await session.send("And tomorrow?")
        await second.result
        async with browsing() as browser:
            page = browser.page
            await page.goto(app.devtools_url)
            await page.click('[data-session="weather"]')
            await page.click(f'[data-tick="{second.execution_id}:1"]')
            records = (await browser.fetch_json(api(app.devtools_url, "/api/records")))["records"]
            diffs = [
                r["event"]
                for r in records
                if r["kind"] == "event"
                and r["event"]["type"] == "context_diff"
                and r["event"]["execution_id"] == second.execution_id
                and r["event"]["tick"] == 1
            ]
            assert len(diffs) == 1, "one context_diff event per tick after a session's first (ContextDiffEvent)"
            [diff] = diffs
            # what changed since the last model call: the answer to it and the new question
            assert diff["system"] is None
            assert diff["messages"] == {"added": 2, "removed": 0}
            assert diff["tools"] == {"added": [], "removed": []}
            shown = page.locator("#diff")
            delta = diff["token_delta"]
            await expect(shown.locator(".delta-line .delta")).to_have_text(f"+{delta}" if delta > 0 else f"−{-delta}")
            assert diff["sources"], diff
            for part, path in diff["sources"].items():
                await expect(shown.locator(".change", has_text=part)).to_contain_text(path)
                if part.startswith("message:"):
                    await expect(page.locator(f'[data-part="{part}"] .mark')).to_have_text("added")
            assert browser.errors == []
            assert_loopback_only(browser)


@tool
def count_visit(com: Any) -> str:
    """Count one more visit."""
    com.set_state("visits", com.get_state("visits", 0) + 1)
    return "counted"


def visits_seen() -> str:
    return "counted so far"


def VisitCounter() -> Any:
    """A tool whose description follows the state: the same name, another definition."""
    visits = use_com_state("visits", 0).value
    return h(create_tool(name="visits", description=f"Visits so far: {visits}.", handler=visits_seen))


def Desk() -> Element:
    return h(Fragment, None, h(System, None, SYSTEM), h(count_visit), h(VisitCounter), h(Timeline))


async def test_a_tool_whose_definition_changed_is_shown_as_changed_with_its_source() -> None:
    from playwright.async_api import expect

    model = create_test_model(default_response="Counted.")
    model.respond_with([{"tool": {"name": "count_visit", "input": {}}}, "Counted."])
    async with create_app(Desk, model=model, devtools=True) as app:
        assert app.devtools_url is not None
        handle = await (await app.session("visits")).send("Count me.")
        await handle.result
        async with browsing() as browser:
            page = browser.page
            await page.goto(app.devtools_url)
            await page.click('[data-session="visits"]')
            await page.click(f'[data-tick="{handle.execution_id}:2"]')
            change = page.locator("#diff .change", has_text="tool:visits")
            await expect(change.locator(".mark")).to_have_text("changed")
            await expect(change.locator(".source")).to_have_text("Desk > VisitCounter > Tool#visits")
            await expect(page.locator('[data-part="tool:visits"] .mark')).to_have_text("changed")
            await expect(page.locator('[data-part="tool:visits"]')).to_contain_text("Visits so far: 1.")
            assert browser.errors == []
            assert_loopback_only(browser)
