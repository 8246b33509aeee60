"""Closing the Gemini adapter's SDK clients (API.md §17), and its optional extra.

A model keeps one `genai.Client` (with HTTP clients of its own) per event loop and closes them
inside that loop when the loop ends; `aclose()` closes the running loop's at once, a closed model
reopens on its next use, and a client passed in is never closed.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import warnings
import weakref
from pathlib import Path
from typing import Any

import anyio
import pytest
from google import genai

from agentick.models import GeminiModel, gemini
from agentick.models.clients import _SENTINELS
from agentick.testing.fake_gemini import reply
from agentick.types import ModelInput

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])
MANY = 20


def http_of(client: genai.Client) -> Any:
    """The async HTTP client the SDK client sends through."""
    return client._api_client._async_httpx_client


def closed(client: genai.Client) -> bool:
    return bool(http_of(client).is_closed and client._api_client._httpx_client.is_closed)


def test_each_asyncio_run_gets_its_own_client_closed_when_the_loop_ends(fake_gemini):
    fake_gemini.default = "ok"
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0)
    clients = []

    async def call() -> None:
        assert (await model.generate(HELLO)).text == "ok"
        clients.append(model.client())

    asyncio.run(call())
    asyncio.run(call())

    assert clients[0] is not clients[1]
    assert [closed(client) for client in clients] == [True, True]
    assert len(model._clients) == 0


def test_a_client_is_closed_when_its_trio_run_ends(fake_gemini):
    fake_gemini.default = "ok"
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0)
    clients = []

    async def call() -> None:
        await model.generate(HELLO)
        clients.append(model.client())

    anyio.run(call, backend="trio")

    assert closed(clients[0])
    assert len(model._clients) == 0


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_models_dropped_while_their_loop_runs_are_collected_and_their_clients_closed_in_that_loop(fake_gemini, backend):
    fake_gemini.default = "ok"
    sentinels_before = len(_SENTINELS)
    found: dict[str, Any] = {}

    async def serve_sessions() -> None:
        models = [gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0) for _ in range(MANY)]
        for model in models:
            assert (await model.generate(HELLO)).text == "ok"
        clients = [model.client() for model in models]
        refs = [weakref.ref(model) for model in models]
        found["open_while_used"] = sum(not closed(client) for client in clients)
        del models, model
        gc.collect()
        found["alive_after_collect"] = sum(ref() is not None for ref in refs)
        with anyio.move_on_after(10):  # closed by tasks of this loop, while it still runs
            while any(not closed(client) for client in clients) or len(_SENTINELS) > sentinels_before:
                await anyio.sleep(0.005)
        found["open_after_collect"] = sum(not closed(client) for client in clients)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        anyio.run(serve_sessions, backend=backend)
        gc.collect()

    assert found == {"open_while_used": MANY, "alive_after_collect": 0, "open_after_collect": 0}
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


@pytest.mark.anyio
async def test_aclose_closes_the_loops_client_and_the_model_reopens_on_next_use(fake_gemini):
    fake_gemini.respond_with("one", "two")
    model = gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0)
    await model.generate(HELLO)
    first = model.client()

    await model.aclose()
    closed_first = closed(first)
    second_output = await model.generate(HELLO)
    second = model.client()
    await model.aclose()

    assert closed_first
    assert second_output.text == "two"
    assert second is not first and closed(second)
    assert len(model._clients) == 0


@pytest.mark.anyio
async def test_a_model_is_an_async_context_manager(fake_gemini):
    fake_gemini.respond_with("inside")

    async with gemini(api_key="k", base_url=fake_gemini.base_url, max_retries=0) as model:
        output = await model.generate(HELLO)
        client = model.client()
        open_inside = not closed(client)

    assert output.text == "inside"
    assert open_inside and closed(client)


@pytest.mark.anyio
async def test_a_client_passed_in_is_used_and_stays_open_through_aclose(fake_gemini):
    fake_gemini.respond_with("a", "b")
    client = genai.Client(api_key="own", http_options={"base_url": fake_gemini.base_url, "api_version": "v1beta"})
    async with GeminiModel("gemini-2.5-pro", client=client) as model:
        await model.generate(HELLO)
    await model.aclose()
    open_after = not http_of(client).is_closed
    second = await model.generate(HELLO)
    await client.aio.aclose()
    client.close()

    assert open_after and second.text == "b"
    assert model.base_url == fake_gemini.base_url
    assert fake_gemini.requests[1].headers["x-goog-api-key"] == "own"
    assert fake_gemini.requests[1].path == "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"


# --- in a fresh interpreter ------------------------------------------------------------------------------


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(code))
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("GEMINI_", "GOOGLE_", "OPENAI_"))
    }
    environment["PYTHONDEVMODE"] = "1"  # also reports unclosed transports and sockets
    return subprocess.run(
        [sys.executable, "-W", "error::ResourceWarning", str(script)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_streams_finished_abandoned_and_failed_across_loops_leave_nothing_behind(tmp_path):
    completed = run_python(
        """
        import asyncio
        import gc
        from contextlib import aclosing

        import anyio

        from agentick.models import gemini
        from agentick.testing import FakeGemini, reply
        from agentick.types import ModelInput

        HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])

        async def main():
            async with aclosing(model.stream(HELLO)) as deltas:  # abandoned after the first delta
                async for _ in deltas:
                    break
            assert (await model.generate(HELLO)).text == "whole answer"
            try:
                await model.generate(HELLO)
            except Exception as error:
                assert type(error).__name__ == "ProviderError", error
            gc.collect()

        with FakeGemini() as server:
            model = gemini(api_key="k", base_url=server.base_url, max_retries=0)
            for backend in ("asyncio", "asyncio", "trio"):
                server.respond_with(
                    reply("a long answer", chunk_size=1), "whole answer", reply("cut", chunk_size=1, drop_after=1)
                )
                anyio.run(main, backend=backend)
            gc.collect()
            assert len(model._clients) == 0
        print("clean")
        """,
        tmp_path,
    )

    output = completed.stdout + completed.stderr
    assert "ResourceWarning" not in output and "Event loop is closed" not in output, output
    assert completed.stdout.strip() == "clean" and completed.returncode == 0, output


def test_without_the_extra_gemini_names_it_and_agentick_never_imports_the_sdk(tmp_path):
    completed = run_python(
        """
        import sys

        sys.modules["google.genai"] = None  # as if google-genai were not installed

        import agentick
        import agentick.models
        import agentick.testing

        assert not any(name.startswith("google") for name in sys.modules if sys.modules[name] is not None)
        for build in (lambda: agentick.models.gemini(), lambda: agentick.models.GeminiModel):
            try:
                build()
            except ImportError as error:
                print(error)
        """,
        tmp_path,
    )

    expected = (
        "agentick.models.gemini needs the optional dependency 'google-genai', which is not installed: "
        'pip install "agentick[gemini]"'
    )
    assert completed.stdout.splitlines() == [expected, expected], completed.stdout + completed.stderr


def test_the_fake_streams_what_the_sdks_own_parser_reads(fake_gemini):
    fake_gemini.respond_with(
        reply("Hi there", chunk_size=3, usage=(4, 2)), reply("Whole", tool_calls=[]), reply(reasoning="x", text="y")
    )
    client = genai.Client(api_key="k", http_options={"base_url": fake_gemini.base_url, "api_version": "v1beta"})
    try:
        chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi"))
        whole = client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
        thinking = client.models.generate_content(
            model="gemini-2.5-flash",
            contents="Hi",
            config={"thinking_config": {"include_thoughts": True}},
        )
    finally:
        client.close()

    assert [chunk.text for chunk in chunks[:-1]] == ["Hi ", "the", "re"]
    assert chunks[-1].candidates[0].finish_reason == "STOP"
    assert chunks[-1].usage_metadata.prompt_token_count == 4
    assert whole.text == "Whole" and whole.model_version == "gemini-2.5-flash"
    parts = thinking.candidates[0].content.parts
    assert [(part.text, part.thought) for part in parts] == [("x", True), ("y", None), ("", None)]
    assert parts[-1].thought_signature == b"sig-3"
    assert fake_gemini.requests[1].path == "/v1beta/models/gemini-2.5-flash:generateContent"
