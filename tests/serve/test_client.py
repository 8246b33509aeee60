"""`agentick.client.Client` against a real server without a store and with `trusted_roles=True`
(and one with a token): sessions, events, results, confirmation, abort, errors."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pytest

from agentick import AbortError, ModelError, create_app
from agentick.client import Client, ServerConnectionError, ServerError, UnauthorizedError, UnknownSessionError
from agentick.testing import create_test_model

from .support import TOKEN, Agent, LiveServer

pytestmark = pytest.mark.anyio

MODEL = create_test_model(default_response="Hello there.")
DEPLOY = {"tool": {"name": "deploy", "input": {"target": "prod"}}}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(Agent, model=MODEL), trusted_roles=True) as live:
        yield live


@pytest.fixture
async def client(server: LiveServer) -> AsyncIterator[Client]:
    async with Client(server.url) as client:
        yield client


async def test_a_session_streams_its_events_and_gives_its_result(client: Client) -> None:
    session_id = await client.session()
    assert await client.session(session_id) == session_id
    execution = client.send(session_id, "Hi!")
    events = [event async for event in execution]
    assert events[0]["type"] == "execution_start" and events[-1]["type"] == "execution_end"
    assert "".join(event["delta"] for event in events if event["type"] == "content_delta") == "Hello there."
    result = await execution.result
    assert result.response == "Hello there." and result.usage.ticks == 1
    second = await client.send(session_id, messages=[{"role": "user", "content": "Again"}]).result
    assert second.response == "Hello there."
    state = await client.get(session_id)
    assert [entry["message"]["role"] for entry in state["timeline"]] == ["user", "assistant", "user", "assistant"]
    with pytest.raises(RuntimeError, match="the events of a send can be read once"):
        async for _ in execution:
            pass


async def test_trusted_roles_accept_system_messages(client: Client) -> None:
    session_id = await client.session()
    history = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]
    await client.send(session_id, messages=history).result
    state = await client.get(session_id)
    assert [entry["message"]["role"] for entry in state["timeline"]] == ["system", "user", "assistant"]


async def test_tool_confirmation_through_the_client(client: Client) -> None:
    session_id = await client.session()
    MODEL.respond_with([DEPLOY, "Deployed."])
    execution = client.send(session_id, "Ship it")
    answers: list[str] = []
    results: list[dict[str, Any]] = []
    async for event in execution:
        if event["type"] == "tool_confirmation_required":
            answers.append(await client.submit_tool_result(session_id, event["call_id"], approved=False, reason="no"))
        elif event["type"] == "tool_result":
            results.append(event)
    assert answers == ["delivered"]
    [denied] = results
    assert denied["is_error"] and denied["content"] == [{"type": "text", "text": "the user denied this tool call: no"}]
    assert (await execution.result).response == "Deployed."


async def test_abort_through_the_client_fails_the_result_with_abort_error(client: Client) -> None:
    session_id = await client.session()
    MODEL.respond_with([DEPLOY, "Deployed."])
    execution = client.send(session_id, "Ship it")
    async with contextlib.aclosing(aiter(execution)) as events:
        async for event in events:
            if event["type"] == "tool_confirmation_required":
                assert await client.abort(session_id, "stop") == "aborted"
    with pytest.raises(AbortError, match=f"the execution in session '{session_id}' was aborted"):
        await execution.result
    with pytest.raises(ServerError, match="has no running execution") as idle:
        await client.abort(session_id)
    assert idle.value.status_code == 409 and idle.value.type == "NotRunning"
    assert (await client.send(session_id, "Hi").result).response == "Deployed."  # the unused answer


async def test_a_model_failure_raises_the_model_error(client: Client) -> None:
    session_id = await client.session()
    MODEL.set_error(ModelError("the upstream broke"))
    try:
        with pytest.raises(ModelError, match=r"^the upstream broke$"):
            await client.send(session_id, "Hi").result
    finally:
        MODEL.set_error(None)


async def test_unknown_and_deleted_sessions_raise_unknown_session_error(client: Client) -> None:
    with pytest.raises(UnknownSessionError, match="no session 'session_missing'"):
        await client.session("session_missing")  # store-less: only sessions made by POST /sessions exist
    session_id = await client.session()
    await client.delete(session_id)
    with pytest.raises(UnknownSessionError):
        await client.get(session_id)
    with pytest.raises(UnknownSessionError):
        await client.send(session_id, "Hi").result


async def test_a_missing_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AGENTICK_TOKEN", raising=False)
    with LiveServer(create_app(Agent, model=create_test_model()), token=TOKEN) as server:
        async with Client(server.url) as client:
            with pytest.raises(UnauthorizedError, match="AGENTICK_TOKEN") as refused:
                await client.session()
            assert refused.value.status_code == 401
        monkeypatch.setenv("AGENTICK_TOKEN", TOKEN)
        async with Client(server.url) as client:
            session_id = await client.session()
            assert (await client.send(session_id, "Hi").result).response


async def test_session_ids_are_quoted_in_paths(client: Client) -> None:
    # Unquoted, "x?y" would ask for session "x" with a query string; quoted, the server sees the id.
    with pytest.raises(ServerError, match=r"^'x\?y' is not a session id") as refused:
        await client.get("x?y")
    assert refused.value.status_code == 422 and refused.value.type == "ValidationError"


async def test_an_unreachable_server_raises_server_connection_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    async with Client(f"http://127.0.0.1:{port}") as client:  # nothing listens there any more
        with pytest.raises(
            ServerConnectionError, match=rf"^POST /sessions to http://127.0.0.1:{port} failed: "
        ) as failed:
            await client.session()
    assert isinstance(failed.value, ConnectionError) and isinstance(failed.value.__cause__, httpx2.ConnectError)


async def test_a_connection_broken_mid_stream_raises_server_connection_error_from_events_and_result() -> None:
    # A server that sends the headers and one event of a chunked event stream, then hangs up.
    event = b'data: {"type": "execution_start"}\n\n'
    chunk = b"%x\r\n%s\r\n" % (len(event), event)
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n" + chunk

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(answer)
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with Client(f"http://127.0.0.1:{port}") as client:
            execution = client.send("session_1", "Hi")
            seen: list[dict[str, Any]] = []
            with pytest.raises(
                ServerConnectionError, match=r"^POST /sessions/session_1/messages to .* failed: "
            ) as broken:
                async for item in execution:
                    seen.append(item)
            assert seen == [{"type": "execution_start"}]
            assert isinstance(broken.value.__cause__, httpx2.RemoteProtocolError)
            with pytest.raises(ServerConnectionError) as from_result:
                await execution.result
            assert from_result.value is broken.value  # the result keeps the cause, not "ended without a result"
    finally:
        server.close()
        await server.wait_closed()
