"""The Anthropic adapter's SDK clients (API.md §17) and its optional extra.

Like the OpenAI adapter: a client per event loop, closed inside that loop when it ends or at
`aclose()`; a closed model reopens on its next use; a client passed in is never closed.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import subprocess
import sys
import textwrap
import threading
import warnings
from contextlib import aclosing

import anyio
import pytest
from anthropic import AsyncAnthropic

import agentick
from agentick.errors import ModelError
from agentick.models import anthropic
from agentick.testing.fake_anthropic import reply
from agentick.types import ModelInput
from tests.engine.support import chat

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


def test_each_event_loop_gets_its_own_client_closed_when_the_loop_ends(fake_anthropic):
    fake_anthropic.default = "ok"
    claude = anthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=0)
    clients = []

    async def call() -> str:
        output = await claude.generate(HELLO)
        clients.append(claude.client())
        return output.text

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asyncio.run(call()) == "ok"
        assert asyncio.run(call()) == "ok"
        agentick.run_sync(chat(), messages=[{"role": "user", "content": "Hi"}], model=claude)
        gc.collect()

    assert clients[0] is not clients[1]
    assert all(client.is_closed() for client in clients)
    assert len(claude._clients) == 0
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


@pytest.mark.anyio
async def test_the_client_is_reused_closed_by_aclose_and_reopened(claude, fake_anthropic):
    fake_anthropic.respond_with("a", "b", "c")

    await claude.generate(HELLO)
    first = claude.client()
    await claude.generate(HELLO)
    assert claude.client() is first
    await claude.aclose()
    await claude.generate(HELLO)

    assert first.is_closed()
    assert claude.client() is not first and not claude.client().is_closed()


@pytest.mark.anyio
async def test_async_with_closes_the_client(fake_anthropic):
    fake_anthropic.respond_with("a")

    async with anthropic(api_key="k", base_url=fake_anthropic.base_url) as claude:
        await claude.generate(HELLO)
        client = claude.client()

    assert client.is_closed()


@pytest.mark.anyio
async def test_a_client_passed_in_is_used_and_left_open(fake_anthropic):
    fake_anthropic.respond_with("mine")
    client = AsyncAnthropic(api_key="own-key", base_url=fake_anthropic.base_url, max_retries=0)
    claude = agentick.models.AnthropicModel("claude-haiku-4-5", client=client)

    output = await claude.generate(HELLO)
    await claude.aclose()

    assert output.text == "mine"
    assert claude.base_url == fake_anthropic.base_url
    assert fake_anthropic.requests[0].headers["authorization"] == "Bearer own-key"
    assert not client.is_closed()
    await client.close()


@pytest.mark.anyio
async def test_api_key_and_base_url_come_from_the_environment(fake_anthropic, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_anthropic.base_url)
    fake_anthropic.respond_with("from env")

    async with anthropic() as claude:
        output = await claude.generate(HELLO)

    assert output.text == "from env"
    assert fake_anthropic.requests[0].headers["authorization"] == "Bearer env-key"


@pytest.mark.anyio
async def test_arguments_win_over_the_environment(fake_anthropic, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "env-key")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")
    fake_anthropic.respond_with("from args")

    async with anthropic(api_key="arg-key", base_url=fake_anthropic.base_url) as claude:
        await claude.generate(HELLO)

    assert fake_anthropic.requests[0].headers["authorization"] == "Bearer arg-key"


@pytest.mark.anyio
async def test_a_compatible_server_needs_no_api_key(fake_anthropic):
    fake_anthropic.respond_with("open")

    async with anthropic(base_url=fake_anthropic.base_url) as claude:
        output = await claude.generate(HELLO)

    assert output.text == "open"


@pytest.mark.anyio
async def test_text_no_provider_can_encode_is_sent_repaired_with_a_warning(claude, fake_anthropic, caplog):
    fake_anthropic.respond_with("ok")

    with caplog.at_level(logging.WARNING, logger="agentick"):
        await claude.generate(ModelInput(messages=[{"role": "user", "content": "caf\udce9"}]))

    assert fake_anthropic.requests[0].body["messages"][0]["content"] == [{"type": "text", "text": "caf\ufffd"}]
    assert "cannot be encoded as UTF-8" in caplog.text


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_streams_left_early_failing_or_cancelled_close_their_responses(fake_anthropic):
    release = threading.Event()
    fake_anthropic.respond_with(
        reply("abcdefgh", chunk_size=1),
        reply("Hello", error_after=3),
        reply("Hello world", chunk_size=2, drop_after=4),
        reply("held back", hold=release, hold_after=3),
        "still works",
    )
    claude = anthropic(api_key="k", base_url=fake_anthropic.base_url, max_retries=0)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        async with aclosing(claude.stream(HELLO)) as deltas:
            async for _ in deltas:
                break  # the consumer has seen enough
        with pytest.raises(ModelError, match="reported an error in its response stream"):
            await claude.generate(HELLO)
        with pytest.raises(ModelError, match="was cut off"):
            await claude.generate(HELLO)
        with anyio.CancelScope() as scope:  # an abort while the server holds the stream
            async with aclosing(claude.stream(HELLO)) as deltas:
                async for _ in deltas:
                    scope.cancel()
        release.set()
        last = await claude.generate(HELLO)
        await claude.aclose()
        gc.collect()

    assert last.text == "still works"
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# --- the optional extra ----------------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )


def test_neither_agentick_nor_its_testing_kit_imports_the_sdk():
    done = run_python(
        """
        import sys
        import agentick, agentick.models, agentick.testing
        from agentick.testing import FakeAnthropic
        print("anthropic" in sys.modules)
        """
    )

    assert done.stdout.strip() == "False", done.stderr


def test_without_the_extra_the_constructor_and_the_class_name_it():
    done = run_python(
        """
        import sys
        sys.modules["anthropic"] = None  # what an interpreter without the package sees
        import agentick.models
        for attempt in (lambda: agentick.models.anthropic("claude-sonnet-4-5"), lambda: agentick.models.AnthropicModel):
            try:
                attempt()
            except ImportError as exc:
                print(exc)
        """
    )

    line = (
        "agentick.models.anthropic needs the optional dependency 'anthropic', which is not installed: "
        'pip install "agentick[anthropic]"'
    )
    assert done.stdout.splitlines() == [line, line], done.stderr
