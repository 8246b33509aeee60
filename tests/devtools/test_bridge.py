"""Apps sending their records to a DevTools server elsewhere: `create_app(..., devtools=URL)` or
`AGENTICK_DEVTOOLS=URL`, from this process and from another one. An unreachable or refusing server
costs one warning on the `agentick` logger and never fails an execution."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import httpx2
import pytest

from agentick import create_app
from agentick.devtools.bridge import bridge_for, page_url
from agentick.devtools.runner import DevToolsServer
from agentick.engine.events import StreamEvent

from .support import NoteTaker, note_model, records, threads_named

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def server() -> AsyncIterator[DevToolsServer]:
    """A standalone DevTools server (what `agentick devtools` runs), in a thread of this process."""
    running = DevToolsServer().start()
    try:
        yield running
    finally:
        running.stop()


async def test_an_app_with_a_devtools_url_sends_its_records_to_that_server(server: DevToolsServer) -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=server.url) as app:
        assert app.devtools_url == server.url
        handle = await (await app.session("far")).send("Remember milk.")
        streamed: list[StreamEvent] = [event async for event in handle]
        await handle.result
    # close() waited until the app's records were sent
    async with httpx2.AsyncClient() as client:
        listed = await records(client, server.url)
    assert listed[0] == {
        "seq": 1,
        "kind": "session",
        "session_id": "far",
        "app": "NoteTaker",
        "process": f"{os.getpid()}@{socket.gethostname()}",
        "parent": None,
    }
    assert [record["event"] for record in listed if record["kind"] == "event"] == [
        event.model_dump(mode="json") for event in streamed
    ]
    assert [record["tick"] for record in listed if record["kind"] == "tick"] == [1, 2]


async def test_an_app_in_another_process_sends_its_records_through_the_environment(server: DevToolsServer) -> None:
    script = """
        import os

        import anyio

        from agentick import create_app
        from tests.devtools.support import NoteTaker, note_model

        app = create_app(NoteTaker, model=note_model())  # never closed: the records go at exit
        print(os.getpid(), app.devtools_url)

        async def main():
            return (await (await app.session("sub")).send("Remember milk.").result).response

        print(anyio.run(main))
        """
    environment = {**os.environ, "AGENTICK_DEVTOOLS": server.url}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    first, answer = done.stdout.splitlines()
    pid, url = first.split()
    assert url == server.url and answer == "Noted: milk."
    async with httpx2.AsyncClient() as client:
        listed = await records(client, server.url)
    assert listed[0]["process"] == f"{pid}@{socket.gethostname()}" and listed[0]["session_id"] == "sub"
    assert listed[-1]["kind"] == "event" and listed[-1]["event"]["type"] == "execution_end"
    assert [record["tick"] for record in listed if record["kind"] == "tick"] == [1, 2]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_an_unreachable_server_costs_one_warning_and_never_an_execution(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}/?token=abc"
    with caplog.at_level(logging.WARNING, logger="agentick"):
        async with create_app(NoteTaker, model=note_model(), devtools=url) as app:
            session = await app.session("s1")
            assert (await session.send("Remember milk.").result).response == "Noted: milk."
            bridge = bridge_for(url)  # the app's bridge, one more reference
            await anyio.to_thread.run_sync(bridge.flush)  # the first records were tried (and failed)
            await anyio.to_thread.run_sync(bridge.release)
            assert len(caplog.records) == 1
            assert (await session.send("And eggs.").result).response == "Noted again."
    warnings = [record.getMessage() for record in caplog.records if record.name == "agentick"]
    assert len(warnings) == 1, warnings
    assert warnings[0].startswith(f"DevTools at {url} is unreachable (")
    assert warnings[0].endswith("its records are dropped (further problems with this DevTools server are not reported)")


async def test_a_wrong_token_is_reported_once_with_the_servers_answer(
    server: DevToolsServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.url.replace("token=", "token=wrong")
    with caplog.at_level(logging.WARNING, logger="agentick"):
        async with create_app(NoteTaker, model=note_model(), devtools=url) as app:
            assert (await (await app.session("s1")).send("Remember milk.").result).response == "Noted: milk."
    [warning] = [record.getMessage() for record in caplog.records if record.name == "agentick"]
    assert warning.startswith(f"DevTools at {url} refused ")
    assert "HTTP 403 DevTools needs the token of its URL" in warning
    assert server.log.last_seq == 0


def test_a_url_without_its_token_is_refused_naming_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"^devtools='http://127.0.0.1:9/' is not a DevTools URL; expected"):
        create_app(NoteTaker, devtools="http://127.0.0.1:9/")
    monkeypatch.setenv("AGENTICK_DEVTOOLS", "localhost:9")
    with pytest.raises(ValueError, match=r"^AGENTICK_DEVTOOLS='localhost:9' is not a DevTools URL"):
        create_app(NoteTaker)
    with pytest.raises(TypeError, match=r"^devtools must be True, False, None or a DevTools URL string, not 1$"):
        create_app(NoteTaker, devtools=1)  # type: ignore[arg-type]


def test_a_url_on_another_host_is_refused_naming_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        ValueError,
        match=r"^devtools='http://192.0.2.1:9/\?token=abc' is not a local DevTools URL: a DevTools server only "
        r"answers on 127.0.0.1, localhost or \[::1\], not '192.0.2.1'$",
    ):
        create_app(NoteTaker, devtools="http://192.0.2.1:9/?token=abc")
    monkeypatch.setenv("AGENTICK_DEVTOOLS", "http://example.com:9/?token=abc")
    with pytest.raises(ValueError, match=r"^AGENTICK_DEVTOOLS='http://example.com:9/\?token=abc' is not a local"):
        create_app(NoteTaker)
    for url in ("http://localhost:9/?token=abc", "http://[::1]:9/?token=abc"):
        assert page_url(url) == url


def bridge_threads() -> list[str]:
    return [thread.name for thread in threads_named("agentick-devtools-bridge")]


async def test_the_last_app_closed_stops_the_bridge_thread_and_a_later_app_starts_another(
    server: DevToolsServer,
) -> None:
    assert bridge_threads() == []
    first = create_app(NoteTaker, model=note_model(), devtools=server.url)
    second = create_app(NoteTaker, model=note_model(), devtools=server.url)
    assert bridge_threads() == ["agentick-devtools-bridge"]  # one per URL, shared
    await (await first.session("one")).send("Remember milk.").result
    await first.close()
    assert bridge_threads() == ["agentick-devtools-bridge"]  # the second app still uses it
    await (await second.session("two")).send("Remember milk.").result
    await second.close()
    assert bridge_threads() == []
    async with create_app(NoteTaker, model=note_model(), devtools=server.url) as third:
        assert bridge_threads() == ["agentick-devtools-bridge"]
        await (await third.session("three")).send("Remember milk.").result
    assert bridge_threads() == []
    async with httpx2.AsyncClient() as client:
        listed = await records(client, server.url)
    assert [record["session_id"] for record in listed if record["kind"] == "session"] == ["one", "two", "three"]
    assert [record["event"]["type"] for record in listed if record["kind"] == "event"][-1] == "execution_end"


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """A loopback socket server answering every connection with bytes that are not HTTP; its page URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    stopping = threading.Event()

    def answer() -> None:
        while not stopping.is_set():
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/?token=abc"
    finally:
        stopping.set()
        socket.create_connection(listener.getsockname()).close()  # wakes accept()
        thread.join()
        listener.close()


async def test_a_server_answering_garbage_costs_one_warning_and_the_bridge_keeps_working(
    garbage_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = garbage_server
    with caplog.at_level(logging.WARNING, logger="agentick"):
        async with create_app(NoteTaker, model=note_model(), devtools=url) as app:
            session = await app.session("s1")
            assert (await session.send("Remember milk.").result).response == "Noted: milk."
            bridge = bridge_for(url)
            assert await anyio.to_thread.run_sync(bridge.flush, 5.0)  # answered garbage, the thread lives
            assert (await session.send("And eggs.").result).response == "Noted again."
            assert await anyio.to_thread.run_sync(bridge.flush, 5.0)
            await anyio.to_thread.run_sync(bridge.release)
    [warning] = [record.getMessage() for record in caplog.records if record.name == "agentick"]
    assert warning.startswith(f"DevTools at {url} answered ")
    assert "with something that is not HTTP (BadStatusLine: " in warning
    assert bridge_threads() == []


async def test_devtools_false_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTICK_DEVTOOLS", "http://127.0.0.1:9/?token=abc")
    app = create_app(NoteTaker, devtools=False, telemetry=False)  # no observer at all
    assert app.devtools_url is None and app.observers == []
    async with create_app(NoteTaker) as connected:
        assert connected.devtools_url == "http://127.0.0.1:9/?token=abc"
