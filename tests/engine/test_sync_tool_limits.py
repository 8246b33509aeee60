"""A sync handler's timeout and an abort do not wait for the handler's worker thread (API.md §7).

Every handler here blocks on a `threading.Event` that only the fixture's teardown releases, so a
result that arrives while the handler is still blocked proves the wait was abandoned. Teardown then
checks that every handler that started has returned: no thread is left running.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import pytest

from agentick import AbortError, create_app, tool
from agentick.testing import create_test_model
from tests.engine.support import agent_with, assert_consistent

pytestmark = pytest.mark.anyio

GUARD = 5  # seconds; only reached when the code under test hangs


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Gate:
    """Blocks handlers until released; counts the handlers that started and that returned."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.lock = threading.Lock()
        self.running = 0
        self.returned = threading.Event()

    def block(self) -> str:
        with self.lock:
            self.running += 1
        self.started.release()
        self.release.wait()
        with self.lock:
            self.running -= 1
            if self.running == 0:
                self.returned.set()
        return "finished after all"

    @contextmanager
    def opened_on_failure(self) -> Iterator[None]:
        """Release the handlers when the block fails, so a run that waits for its threads can end
        and the failure is reported instead of hanging (trio waits for its threads on exit)."""
        try:
            yield
        except BaseException:
            self.release.set()
            raise

    async def wait_started(self) -> None:
        acquired = await anyio.to_thread.run_sync(self.started.acquire, True, GUARD)
        assert acquired, "the handler never started"


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.release.set()
    if gate.running or not gate.returned.is_set():
        assert gate.returned.wait(GUARD), "a handler thread is still running after its gate was released"
    assert gate.running == 0


async def test_a_sync_handler_past_its_timeout_is_an_error_result_at_once(gate: Gate) -> None:
    @tool(timeout=0.05)
    def stuck() -> str:
        """Blocks until the test ends."""
        return gate.block()

    model = create_test_model()
    model.respond_with([{"tool": {"name": "stuck", "input": {}}}, "moved on"])
    session = await create_app(agent_with(stuck), model=model).session()

    with gate.opened_on_failure(), anyio.fail_after(GUARD):
        result = await session.send("go").result

    assert gate.running == 1  # the handler is still blocked: its thread was abandoned, not awaited
    [block] = session.timeline[2].message.content
    assert (block.is_error, block.content[0].text) == (True, "stuck did not finish within its 0.05s timeout")
    assert result.response == "moved on"
    assert_consistent(session.timeline)


async def test_aborting_while_a_sync_handler_runs_returns_at_once(gate: Gate) -> None:
    @tool
    def stuck() -> str:
        """Blocks until the test ends."""
        return gate.block()

    model = create_test_model()
    model.respond_with([{"tool": {"name": "stuck", "input": {}}}])
    session = await create_app(agent_with(stuck), model=model).session()
    handle = await session.send("go")
    await gate.wait_started()

    handle.abort("the user left")
    with gate.opened_on_failure(), anyio.fail_after(GUARD), pytest.raises(AbortError, match="the user left"):
        await handle.result

    assert gate.running == 1
    assert handle.status == "aborted" and session.status == "idle"
    assert [entry.message.text for entry in session.timeline] == ["go"]  # the unfinished tick is left out
    again = await session.send("again").result
    assert again.response == "Test response"


async def test_the_result_of_an_abandoned_handler_is_discarded(gate: Gate) -> None:
    """Released after its timeout, the handler's return value reaches no tool result."""

    @tool(timeout=0.05)
    def stuck() -> str:
        """Blocks until released."""
        return gate.block()

    model = create_test_model()
    model.respond_with([{"tool": {"name": "stuck", "input": {}}}, "moved on"])
    session = await create_app(agent_with(stuck), model=model).session()
    with gate.opened_on_failure(), anyio.fail_after(GUARD):
        await session.send("go").result

    gate.release.set()
    assert await anyio.to_thread.run_sync(gate.returned.wait, GUARD)
    with anyio.fail_after(GUARD):
        await session.send("next").result

    texts = [entry.message.text for entry in session.timeline]
    assert "finished after all" not in texts
    assert texts == ["go", "", "stuck did not finish within its 0.05s timeout", "moved on", "next", "Test response"]
