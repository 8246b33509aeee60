"""An agent with a system prompt, a section whose text comes from `use_state`, and a tool, and
helpers to read a DevTools server over real HTTP (httpx2 against uvicorn on 127.0.0.1)."""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2

from agentick import Element, Fragment, Section, System, Timeline, h, tool, use_on_tick_end, use_state
from agentick.testing import create_test_model

SYSTEM = "You keep notes for the user."


@tool
async def save_note(text: str) -> str:
    """Save a note for later."""
    return f"saved: {text}"


def TickCounter() -> Element:
    ticks, set_ticks = use_state(0)
    use_on_tick_end(lambda result, com: set_ticks(lambda n: n + 1))
    return h(Section, {"id": "ticks"}, f"Ticks finished so far: {ticks}.")


def NoteTaker() -> Element:
    return h(Fragment, None, h(System, None, SYSTEM), h(TickCounter, key="counter"), h(save_note), h(Timeline))


def note_model() -> Any:
    """Calls `save_note` once, then answers; later messages get "Noted again."."""
    model = create_test_model(default_response="Noted again.")
    model.respond_with([{"tool": {"name": "save_note", "input": {"text": "milk"}}}, "Noted: milk."])
    return model


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def api(url: str, path: str, **query: Any) -> str:
    """The address of `path` on the DevTools server whose page is `url`, with its token."""
    parts = urlsplit(url)
    params = "&".join(f"{key}={value}" for key, value in {"token": token_of(url), **query}.items())
    return f"http://{parts.netloc}{path}?{params}"


async def records(client: httpx2.AsyncClient, url: str, after: int = 0) -> list[dict[str, Any]]:
    response = await client.get(api(url, "/api/records", after=after))
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()["records"]
    return listed


def environment_without_devtools() -> dict[str, str]:
    """This process's environment for a subprocess, less a developer's own AGENTICK_DEVTOOLS."""
    return {key: value for key, value in os.environ.items() if key != "AGENTICK_DEVTOOLS"}


def threads_named(prefix: str) -> list[threading.Thread]:
    """The live threads whose name starts with `prefix` (DevTools names its server and bridge threads)."""
    return [thread for thread in threading.enumerate() if thread.name.startswith(prefix)]


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None, url
    return port
