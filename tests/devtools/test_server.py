"""`create_app(..., devtools=True)`: a real uvicorn server on 127.0.0.1 in a background thread,
read with httpx2. Its records are the app's events in order, with a tick record after each
`compiled` event (the compiled context with the session's own token counts, the component tree with
hook state); requests need the token and a loopback Host; `app.close()` stops it for good."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import threading
from typing import Any

import anyio
import httpx2
import pytest

from agentick import create_app, h, tool
from agentick.cli import main
from agentick.devtools.runner import DevToolsServer
from agentick.engine.events import StreamEvent
from agentick.testing import create_test_model

from .support import (
    SYSTEM,
    NoteTaker,
    api,
    environment_without_devtools,
    note_model,
    port_of,
    records,
    save_note,
    threads_named,
)

pytestmark = pytest.mark.anyio


def devtools_threads() -> list[threading.Thread]:
    return threads_named("agentick-devtools-server-")


# --- access -------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/"),
    ("GET", "/static/app.js"),
    ("GET", "/api/records"),
    ("GET", "/api/stream"),
    ("POST", "/api/ingest"),
]


async def test_requests_without_the_token_or_for_a_foreign_host_get_403() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        port = port_of(app.devtools_url)
        for method, path in ROUTES:
            good = api(app.devtools_url, path)
            missing = good.split("?")[0]
            wrong = good.replace("token=", "token=x")
            for url, headers in [
                (missing, {}),
                (wrong, {}),
                (good, {"Host": f"evil.example:{port}"}),  # DNS rebinding: a foreign name for 127.0.0.1
                (good, {"Host": "127.0.0.1.evil.example"}),
                (good, {"Host": f"[::1]evil.example:{port}"}),
                (good, {"Host": f"[::2]:{port}"}),
            ]:
                response = await client.request(method, url, headers=headers, content=b'{"records": []}')
                assert response.status_code == 403, (method, url, headers)
        # the same requests with the token and a loopback name are served
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}", "[::1]"):
            response = await client.get(api(app.devtools_url, "/api/records"), headers={"Host": host})
            assert response.status_code == 200, host
        response = await client.post(api(app.devtools_url, "/api/ingest"), json={"records": []})
        assert response.status_code == 204


async def test_a_server_on_ipv6_loopback_prints_a_bracketed_url_that_works() -> None:
    server = DevToolsServer(host="::1").start()
    try:
        assert re.fullmatch(r"http://\[::1\]:\d+/\?token=[\w-]+", server.url), server.url
        async with httpx2.AsyncClient() as client:
            page = await client.get(server.url)
            assert page.status_code == 200 and "<title>agentick DevTools</title>" in page.text
            assert (await client.get(api(server.url, "/api/records"))).json() == {"records": []}
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::", "example.com"])
def test_a_host_that_is_not_loopback_is_refused_before_listening(host: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Its page URL would always get 403: the server answers only requests for loopback names."""
    message = (
        f"DevTools listens only on a loopback address (127.0.0.1, localhost or ::1), not {host!r}: "
        "its records hold prompts and tool results, and it answers only requests for those hosts"
    )
    with pytest.raises(ValueError) as raised:
        DevToolsServer(host=host)
    assert str(raised.value) == message
    assert main(["devtools", "--host", host]) == 2
    assert capsys.readouterr() == ("", f"agentick: error: {message}\n")


async def test_every_response_carries_the_content_security_policy_and_nosniff() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        token = app.devtools_url.split("token=")[1]
        responses = [
            await client.get(app.devtools_url),
            await client.get(api(app.devtools_url, "/static/app.js")),
            await client.get(api(app.devtools_url, "/static/nothing.js")),
            await client.get(api(app.devtools_url, "/api/records")),
            await client.post(api(app.devtools_url, "/api/ingest"), json={"records": []}),
            await client.get(app.devtools_url.replace(token, "wrong")),
        ]
        async with client.stream("GET", api(app.devtools_url, "/api/stream")) as stream:
            responses.append(stream)
    assert [response.status_code for response in responses] == [200, 200, 404, 200, 204, 403, 200]
    for response in responses:
        assert response.headers["content-security-policy"] == "default-src 'self'; img-src 'self' data:"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_the_page_and_its_files_come_from_the_package_with_the_token_filled_in() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        token = app.devtools_url.split("token=")[1]
        page = await client.get(app.devtools_url)
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert "__TOKEN__" not in page.text and f"static/app.js?token={token}" in page.text
        script = await client.get(api(app.devtools_url, "/static/app.js"))
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        styles = await client.get(api(app.devtools_url, "/static/app.css"))
        assert styles.headers["content-type"] == "text/css; charset=utf-8"
        for name in ("missing.js", "..%2F__init__.py", ".hidden"):
            assert (await client.get(api(app.devtools_url, f"/static/{name}"))).status_code == 404, name


# --- records ------------------------------------------------------------------------------------


async def test_an_execution_becomes_a_session_record_its_events_in_order_and_a_tick_record_per_compile() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        session = await app.session("s1")
        handle = await session.send("Remember milk.")
        streamed: list[StreamEvent] = [event async for event in handle]
        await handle.result
        listed = await records(client, app.devtools_url)

        assert [record["seq"] for record in listed] == list(range(1, len(listed) + 1))
        assert listed[0] == {
            "seq": 1,
            "kind": "session",
            "session_id": "s1",
            "app": "NoteTaker",
            "process": f"{os.getpid()}@{socket.gethostname()}",
            "parent": None,
        }
        events = [record for record in listed if record["kind"] == "event"]
        assert [record["event"] for record in events] == [event.model_dump(mode="json") for event in streamed]
        assert all(record["session_id"] == "s1" for record in listed)
        # a tick record right after each `compiled` event
        kinds = [record["kind"] if record["kind"] != "event" else record["event"]["type"] for record in listed]
        ticks = [record for record in listed if record["kind"] == "tick"]
        assert [kinds[index - 1] for index, kind in enumerate(kinds) if kind == "tick"] == ["compiled", "compiled"]
        assert [(record["execution_id"], record["tick"]) for record in ticks] == [
            (handle.execution_id, 1),
            (handle.execution_id, 2),
        ]

        # the last tick is exactly the session's last compiled context, counted with its counter
        compiled, tokens = session.last_compiled, session.runtime.tokens
        assert compiled is not None
        assert ticks[1]["context"] == {
            "system": f"{SYSTEM}\n\nTicks finished so far: 1.",
            "system_tokens": tokens.count(f"{SYSTEM}\n\nTicks finished so far: 1."),
            "sections": [
                {
                    "id": "ticks",
                    "text": "Ticks finished so far: 1.",
                    "tokens": tokens.count("Ticks finished so far: 1."),
                }
            ],
            "messages": [
                {
                    "index": 0,
                    "role": "user",
                    "text": "Remember milk.",
                    "tokens": tokens.count_message(compiled.messages[0]),
                },
                {
                    "index": 1,
                    "role": "assistant",
                    "text": '→ save_note({"text": "milk"})',
                    "tokens": tokens.count_message(compiled.messages[1]),
                },
                {
                    "index": 2,
                    "role": "tool",
                    "text": "← save_note: saved: milk",
                    "tokens": tokens.count_message(compiled.messages[2]),
                },
            ],
            "tools": [
                {
                    "name": "save_note",
                    "description": "Save a note for later.",
                    "tokens": tokens.count_tools(compiled.tools),
                }
            ],
            "total_tokens": compiled.token_count,
        }
        assert ticks[0]["context"]["system"] == f"{SYSTEM}\n\nTicks finished so far: 0."
        assert [message["text"] for message in ticks[0]["context"]["messages"]] == ["Remember milk."]


async def test_the_tree_shows_each_component_with_its_source_key_and_hook_state_per_tick() -> None:
    from . import support

    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        await (await app.session("s1")).send("Remember milk.").result
        ticks = [record for record in await records(client, app.devtools_url) if record["kind"] == "tick"]

    trees = [record["tree"] for record in ticks]
    for tree in trees:
        assert tree["name"] == "NoteTaker" and tree["key"] is None and tree["hooks"] == []
        assert tree["source"] == f"{support.__file__}:{NoteTaker.__code__.co_firstlineno}"
        assert [child["name"] for child in tree["children"]] == ["System", "TickCounter", "save_note", "Timeline"]
        counter = tree["children"][1]
        assert counter["key"] == "counter"
        assert counter["source"] == f"{support.__file__}:{support.TickCounter.__code__.co_firstlineno}"
        assert tree["children"][2]["source"] == f"{support.__file__}:{save_note.handler.__code__.co_firstlineno}"
    # TickCounter's use_state: 0 while tick 1 rendered, 1 (after tick 1 ended) for tick 2
    assert [tree["children"][1]["hooks"][0] for tree in trees] == [
        {"hook": "use_state", "value": 0},
        {"hook": "use_state", "value": 1},
    ]


@tool
async def delegate(task: str, com: Any) -> str:
    """Hand a task to a helper agent."""
    handle = await com.spawn(NoteTaker, task)
    return str((await handle.result).response)


def Delegator() -> Any:
    return h(delegate)


async def test_a_spawned_session_names_its_parent() -> None:
    model = create_test_model(default_response="done")
    model.respond_with([{"tool": {"name": "delegate", "input": {"task": "notes"}}}, "child done", "parent done"])
    async with create_app(Delegator, model=model, devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        await (await app.session("s1")).send("go").result
        sessions = [record for record in await records(client, app.devtools_url) if record["kind"] == "session"]
    assert [(record["app"], record["parent"]) for record in sessions] == [("Delegator", None), ("NoteTaker", "s1")]
    assert sessions[1]["session_id"].startswith("s1/child_")


async def test_records_after_a_seq_and_ingested_records_numbered_by_the_server() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        await (await app.session("s1")).send("Remember milk.").result
        everything = await records(client, app.devtools_url)
        assert await records(client, app.devtools_url, after=5) == everything[5:]
        last = everything[-1]["seq"]

        sent = [
            {"kind": "session", "session_id": "far", "app": "Remote", "process": "1@elsewhere", "parent": None},
            {"kind": "event", "session_id": "far", "event": {"type": "execution_start"}, "seq": 999},
        ]
        response = await client.post(api(app.devtools_url, "/api/ingest"), json={"records": sent})
        assert response.status_code == 204
        assert await records(client, app.devtools_url, after=last) == [
            {"seq": last + 1, **sent[0]},
            {"seq": last + 2, "kind": "event", "session_id": "far", "event": {"type": "execution_start"}},
        ]

        for body, problem in [
            (b"not json", "the body is not JSON"),
            (b"[]", 'the body must be a JSON object {"records": [...]}'),
            (b'{"records": [1]}', "records[0] is not a JSON object"),
            (b'{"records": [{"kind": "x", "session_id": "s"}]}', "records[0] has kind 'x'"),
            (b'{"records": [{"kind": "event"}]}', "records[0] (event) has no session_id string"),
        ]:
            response = await client.post(api(app.devtools_url, "/api/ingest"), content=body)
            assert response.status_code == 400 and response.text.startswith(problem), (body, response.text)
        response = await client.get(api(app.devtools_url, "/api/records", after="x"))
        assert response.status_code == 400 and response.text == "after must be an integer (a record's seq), not 'x'"
        assert await records(client, app.devtools_url, after=last + 2) == []


async def test_the_stream_replays_the_records_then_delivers_new_ones_live() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        session = await app.session("s1")
        await session.send("Remember milk.").result
        replay = await records(client, app.devtools_url)
        received: list[dict[str, Any]] = []
        with anyio.fail_after(30):  # a bound for a hang, not an expected duration
            async with client.stream("GET", api(app.devtools_url, "/api/stream", after=0)) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                lines = stream.aiter_lines()
                async for message in _messages(lines):
                    received.append(message)
                    if len(received) == len(replay):
                        break
                assert received == replay  # everything so far, in order
                second = await session.send("And eggs.")
                async for message in _messages(lines):
                    received.append(message)
                    if message["kind"] == "event" and message["event"]["type"] == "execution_end":
                        break
                await second.result
        live = received[len(replay) :]
        assert {record["event"]["execution_id"] for record in live if record["kind"] == "event"} == {
            second.execution_id
        }
        assert [record["seq"] for record in received] == list(range(1, len(received) + 1))
        assert [record["kind"] for record in live if record["kind"] == "tick"] == ["tick"]
        assert live == (await records(client, app.devtools_url, after=len(replay)))[: len(live)]


async def _messages(lines: Any) -> Any:
    """The records of an SSE stream (`id: <seq>` then `data: <record>`, then a blank line)."""
    seq: int | None = None
    async for line in lines:
        if line.startswith("id: "):
            seq = int(line[4:])
        elif line.startswith("data: "):
            record = json.loads(line[6:])
            assert record["seq"] == seq
            yield record


async def test_an_event_stream_resumes_after_the_last_event_id() -> None:
    async with create_app(NoteTaker, model=note_model(), devtools=True) as app, httpx2.AsyncClient() as client:
        assert app.devtools_url is not None
        await (await app.session("s1")).send("Remember milk.").result
        replay = await records(client, app.devtools_url)
        with anyio.fail_after(30):
            url = api(app.devtools_url, "/api/stream", after=0)
            async with client.stream("GET", url, headers={"Last-Event-ID": "3"}) as stream:
                first = await anext(_messages(stream.aiter_lines()))
        assert first == replay[3]


# --- lifetime -----------------------------------------------------------------------------------


async def test_close_stops_the_server_for_good_and_the_app_keeps_working() -> None:
    app = create_app(NoteTaker, model=note_model(), devtools=True, telemetry=False)  # DevTools' observer alone
    url = app.devtools_url
    assert url is not None and url.startswith("http://127.0.0.1:") and len(app.observers) == 1
    [thread] = devtools_threads()
    async with httpx2.AsyncClient() as client:
        session = await app.session("s1")
        with anyio.fail_after(30):
            async with client.stream("GET", api(url, "/api/stream")) as stream:  # an open page
                await session.send("Remember milk.").result
                await app.close()
                body = [line async for line in stream.aiter_lines()]  # ends with the server
    delivered = [json.loads(line[6:]) for line in body if line.startswith("data: ")]
    assert delivered[0]["kind"] == "session" and delivered[-1]["event"]["type"] == "execution_end"
    assert not thread.is_alive() and devtools_threads() == []
    assert app.devtools_url is None and app.observers == []
    port = port_of(url)
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    # the app works on, unobserved; closing again is harmless
    assert (await (await app.session("s2")).send("Hello.").result).response == "Noted again."
    await app.close()


def test_one_server_serves_an_app_across_event_loops() -> None:
    app = create_app(NoteTaker, model=note_model(), devtools=True)  # no event loop runs here

    async def send(session_id: str, text: str) -> str:
        return str((await (await app.session(session_id)).send(text).result).response)

    assert anyio.run(send, "s1", "Remember milk.") == "Noted: milk."
    assert anyio.run(send, "s2", "And eggs.") == "Noted again."
    assert app.devtools_url is not None
    with httpx2.Client() as client:
        listed = client.get(api(app.devtools_url, "/api/records")).json()["records"]
    anyio.run(app.close)
    assert [record["session_id"] for record in listed if record["kind"] == "session"] == ["s1", "s2"]
    assert devtools_threads() == []


# --- the `serve` extra ----------------------------------------------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment_without_devtools(),
    )


def test_importing_agentick_imports_no_server() -> None:
    done = run_python(
        """
        import sys
        import agentick
        app = agentick.create_app(lambda: None)
        print(sorted({name.split(".")[0] for name in sys.modules} & {"starlette", "uvicorn", "sse_starlette"}))
        print("agentick.devtools" in sys.modules, app.devtools_url)
        """
    )
    assert done.stdout.splitlines() == ["[]", "False None"], done.stderr  # no urllib, no atexit flush either


def test_devtools_without_the_serve_extra_names_it() -> None:
    done = run_python(
        """
        import sys
        sys.modules["starlette"] = None  # what an interpreter without the package sees
        import agentick
        try:
            agentick.create_app(lambda: None, devtools=True)
        except ImportError as exc:
            print(exc)
        """
    )
    assert done.stdout.strip() == (
        "agentick DevTools (the DevTools server) needs the optional dependency 'starlette', which is not "
        'installed: pip install "agentick[serve]"'
    ), done.stderr
