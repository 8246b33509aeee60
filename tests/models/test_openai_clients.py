"""Closing the OpenAI adapter's SDK clients (API.md §17).

A model keeps one client per event loop and closes it inside that loop when the loop ends, so
nothing outlives its loop however many loops use the model; `aclose()` (and `async with`) closes
the running loop's client at once, a closed model reopens on its next use, and a client passed in
is never closed.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import textwrap
import threading
import time
import warnings
import weakref
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

import anyio
import pytest

import agentick
from agentick import Fragment, System, Timeline, h
from agentick.models import OpenAIModel, openai
from agentick.models.clients import _SENTINELS
from agentick.testing.fake_openai import reply
from agentick.types import ModelInput, StreamDelta, TextDelta

HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])
MANY = 30


def Agent() -> Any:
    return h(Fragment, None, h(System, None, "Be brief."), h(Timeline))


class RecordingModel(OpenAIModel):
    """Remembers, weakly, the client and the event loop of every request."""

    def __init__(self, **options: Any) -> None:
        super().__init__("gpt-4o-mini", **options)
        self.seen: list[tuple[weakref.ref[Any], weakref.ref[Any]]] = []

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        self.seen.append((weakref.ref(self.client()), weakref.ref(asyncio.get_running_loop())))
        async with aclosing(super().stream(model_input)) as deltas:
            async for delta in deltas:
                yield delta


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def settle_fds(limit: int, seconds: float = 10.0) -> int:
    """The open file descriptors once at most `limit` (or at the deadline): the loopback server's
    threads close their side of a connection shortly after the client closes its side."""
    deadline = time.monotonic() + seconds
    count = open_fds()
    while count > limit and time.monotonic() < deadline:
        time.sleep(0.01)
        count = open_fds()
    return count


# --- many event loops ---------------------------------------------------------------------------------


def test_run_sync_in_a_loop_keeps_no_client_loop_or_socket_alive(fake_openai):
    fake_openai.default = "ok"
    gpt = RecordingModel(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    messages = [{"role": "user", "content": "Hi"}]
    agentick.run_sync(h(Agent), messages=messages, model=gpt)  # imports and first-use caches
    gc.collect()
    before = settle_fds(open_fds())

    for _ in range(200):
        assert agentick.run_sync(h(Agent), messages=messages, model=gpt).response == "ok"
    gc.collect()

    assert len(gpt.seen) == 201
    assert [pair for pair in gpt.seen if pair[0]() is not None or pair[1]() is not None] == []
    assert len(gpt._clients) == 0
    assert settle_fds(before) - before <= 0


def test_each_asyncio_run_gets_its_own_client_closed_when_the_loop_ends(fake_openai):
    fake_openai.default = "ok"
    gpt = openai(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    clients = []

    async def call() -> None:
        await gpt.generate(HELLO)
        clients.append(gpt.client())

    asyncio.run(call())
    asyncio.run(call())

    assert clients[0] is not clients[1]
    assert [client.is_closed() for client in clients] == [True, True]
    assert len(gpt._clients) == 0


def test_a_client_is_closed_when_its_trio_run_ends(fake_openai):
    fake_openai.default = "ok"
    gpt = openai(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    clients = []

    async def call() -> None:
        await gpt.generate(HELLO)
        clients.append(gpt.client())

    anyio.run(call, backend="trio")

    assert clients[0].is_closed()
    assert len(gpt._clients) == 0


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_models_dropped_while_their_loop_runs_are_collected_and_their_clients_closed_in_that_loop(fake_openai, backend):
    fake_openai.default = "ok"
    sentinels_before = len(_SENTINELS)
    found: dict[str, Any] = {}

    async def serve_sessions() -> None:
        # One model per session, as `<OpenAIModel model="gpt-4o" />` makes, in a long-running loop.
        models = [openai(api_key="k", base_url=fake_openai.base_url, max_retries=0) for _ in range(MANY)]
        for gpt in models:
            assert (await gpt.generate(HELLO)).text == "ok"
        clients = [gpt.client() for gpt in models]
        refs = [weakref.ref(gpt) for gpt in models]
        found["open_while_used"] = sum(not client.is_closed() for client in clients)
        del models, gpt
        gc.collect()
        found["alive_after_collect"] = sum(ref() is not None for ref in refs)
        with anyio.move_on_after(10):  # closed by tasks of this loop, while it still runs
            while any(not client.is_closed() for client in clients) or len(_SENTINELS) > sentinels_before:
                await anyio.sleep(0.005)
        found["open_after_collect"] = sum(not client.is_closed() for client in clients)
        found["sentinels_after"] = len(_SENTINELS) - sentinels_before

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        anyio.run(serve_sessions, backend=backend)
        gc.collect()

    assert found == {"open_while_used": MANY, "alive_after_collect": 0, "open_after_collect": 0, "sentinels_after": 0}
    assert [str(warning.message) for warning in caught if warning.category is ResourceWarning] == []


PYTEST_FILE = """
import gc

import pytest

from agentick import Fragment, System, Timeline, create_app, h
from agentick.models import openai
from agentick.testing.fake_openai import FakeOpenAI
from agentick.types import ModelInput

SERVER = FakeOpenAI(default="shared").start()
gpt = openai("gpt-4o-mini", api_key="k", base_url=SERVER.base_url, max_retries=0)
HELLO = ModelInput(messages=[{"role": "user", "content": "Hi"}])


def Agent():
    return h(Fragment, None, h(System, None, "Be brief."), h(Timeline))


@pytest.fixture(scope="module", autouse=True)
def server():
    yield
    SERVER.close()


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param


@pytest.mark.anyio
@pytest.mark.parametrize("round", range(6))
async def test_the_shared_model(round):
    gc.collect()  # collect what earlier tests left behind while this test's loop runs
    assert (await gpt.generate(HELLO)).text == "shared"


@pytest.mark.anyio
@pytest.mark.parametrize("round", range(6))
async def test_a_session_with_the_shared_model(round):
    session = await create_app(Agent, model=gpt).session()
    assert (await session.send("Hi").result).response == "shared"
    gc.collect()


@pytest.mark.anyio
@pytest.mark.parametrize("round", range(6))
async def test_a_model_of_its_own_never_closed(round):
    own = openai("gpt-4o-mini", api_key="k", base_url=SERVER.base_url, max_retries=0)
    assert (await own.generate(HELLO)).text == "shared"
"""


def test_anyio_tests_sharing_a_module_level_model_run_clean(tmp_path: Path):
    (tmp_path / "test_shared_model.py").write_text(textwrap.dedent(PYTEST_FILE))
    environment = {key: value for key, value in os.environ.items() if not key.startswith("OPENAI_")}
    environment["PYTHONDEVMODE"] = "1"  # also reports unclosed transports and sockets
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error::ResourceWarning",
         "-W", "error::pytest.PytestUnraisableExceptionWarning", str(tmp_path)],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    output = completed.stdout + completed.stderr

    assert "Event loop is closed" not in output
    assert "ResourceWarning" not in output
    assert "36 passed" in output and completed.returncode == 0, output


# --- closing explicitly ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_aclose_closes_the_loops_client_and_the_model_reopens_on_next_use(fake_openai):
    fake_openai.respond_with("one", "two")
    gpt = openai(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    await gpt.generate(HELLO)
    first = gpt.client()

    await gpt.aclose()
    closed = first.is_closed()
    second_output = await gpt.generate(HELLO)
    second = gpt.client()
    await gpt.aclose()

    assert closed
    assert second_output.text == "two"
    assert second is not first and second.is_closed()
    assert len(gpt._clients) == 0


@pytest.mark.anyio
async def test_a_model_is_an_async_context_manager(fake_openai):
    fake_openai.respond_with("inside")

    async with openai(api_key="k", base_url=fake_openai.base_url, max_retries=0) as gpt:
        output = await gpt.generate(HELLO)
        client = gpt.client()
        open_inside = not client.is_closed()

    assert output.text == "inside"
    assert open_inside and client.is_closed()


@pytest.mark.anyio
async def test_aclose_waits_for_the_requests_still_using_the_client(fake_openai):
    release = threading.Event()
    fake_openai.respond_with(reply("held back", hold=release, hold_after=1))
    gpt = openai(api_key="k", base_url=fake_openai.base_url, max_retries=0)
    streaming = anyio.Event()
    texts: list[str] = []

    async def slow_request() -> None:
        async with aclosing(gpt.stream(HELLO)) as deltas:
            async for delta in deltas:
                streaming.set()  # the server holds the rest of the answer back after its first chunk
                if isinstance(delta, TextDelta):
                    texts.append(delta.text)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as group:
            group.start_soon(slow_request)
            await streaming.wait()
            client = gpt.client()
            await gpt.aclose()  # the request in flight keeps its client ...
            open_while_busy = not client.is_closed()
            fresh = gpt.client()  # ... while new requests get a new one
            release.set()

    assert open_while_busy and client.is_closed()
    assert "".join(texts) == "held back"
    assert fresh is not client
    await gpt.aclose()
    assert fresh.is_closed()


@pytest.mark.anyio
async def test_a_client_passed_in_stays_open_through_aclose_and_async_with(fake_openai):
    from openai import AsyncOpenAI

    fake_openai.respond_with("a", "b")
    client = AsyncOpenAI(api_key="own", base_url=fake_openai.base_url, max_retries=0)
    async with OpenAIModel("gpt-4o", client=client) as gpt:
        await gpt.generate(HELLO)
    await gpt.aclose()
    open_after = not client.is_closed()
    second = await gpt.generate(HELLO)
    await client.close()

    assert open_after and second.text == "b"
