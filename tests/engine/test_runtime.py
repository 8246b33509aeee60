"""Procedures, sessions, spawn, persistence and events beyond the contract tests."""

from __future__ import annotations

import json
import sqlite3

import anyio
import pytest
from pydantic import BaseModel

from agentick import (
    AbortError,
    PersistenceError,
    System,
    ToolError,
    create_app,
    create_tool,
    h,
    procedure,
    run,
    tool,
    use_com_state,
    use_context_info,
    use_continuation,
    use_on_tick_start,
    use_queued_messages,
)
from agentick.stores import MemoryStore, SqliteStore
from agentick.testing import create_test_model, render_agent
from agentick.types import TextBlock
from tests.engine.support import agent_with, assert_consistent, chat

pytestmark = pytest.mark.anyio


def Chat():
    return chat()


# --- procedures ---------------------------------------------------------------------------------


async def test_middleware_runs_outermost_first_and_can_replace_arguments():
    log = []

    async def double(x: int) -> int:
        log.append(f"handler {x}")
        return x * 2

    def tag(name, replace=None):
        async def middleware(args, envelope, next):
            log.append(f"before {name} {envelope.name}")
            result = await next([replace] if replace is not None else None)
            log.append(f"after {name}")
            return result

        return middleware

    proc = procedure(double, name="double").use(tag("outer")).use(tag("inner", replace=10))

    assert await proc(5).result == 20
    assert log == ["before outer double", "before inner double", "handler 10", "after inner", "after outer"]


async def test_a_promise_runs_once_however_often_it_is_awaited():
    calls = []

    async def once() -> str:
        calls.append(1)
        return "value"

    promise = procedure(once)()
    assert (await promise, await promise, await promise.result) == ("value", "value", "value")
    assert calls == [1]


async def test_with_timeout_aborts_the_execution_of_a_send():
    release = anyio.Event()

    def Waiting():
        async def hold(tick_state, com):
            await release.wait()

        use_on_tick_start(hold)
        return chat()

    session = await create_app(Waiting, model=create_test_model()).session()
    timed = session.send.with_timeout(0.05)
    promise = timed("hi")

    with pytest.raises(TimeoutError):
        await promise.result

    handle = await promise
    assert handle.status == "aborted"
    with anyio.fail_after(2):
        with pytest.raises(AbortError):
            await handle.result
    assert session.status == "idle"


# --- queue, interrupt, render -------------------------------------------------------------------


async def test_queue_delivers_with_the_next_execution():
    model = create_test_model()
    session = await create_app(Chat, model=model).session()
    await session.queue("queued first")
    assert model.inputs == []

    await session.send("then this").result

    assert [e.message.text for e in session.timeline[:2]] == ["queued first", "then this"]


async def test_messages_sent_during_an_execution_are_visible_as_queued_until_delivered():
    release = anyio.Event()
    entered = anyio.Event()
    seen = []

    def Agent():
        seen.append(tuple(m.text for m in use_queued_messages()))

        async def hold(tick_state, com):
            if tick_state.tick == 1 and not entered.is_set():
                entered.set()
                await release.wait()

        use_on_tick_start(hold)
        use_continuation(lambda result, com: result.tick < 2)
        return chat()

    session = await create_app(Agent, model=create_test_model()).session()
    first = await session.send("first")
    with anyio.fail_after(2):
        await entered.wait()
    second = await session.send("second")
    release.set()
    await first.result
    await second.result

    assert ("second",) in seen
    assert seen[-1] == ()
    assert [e.message.text for e in session.timeline if e.message.role == "user"] == ["first", "second"]


async def test_interrupt_with_a_message_aborts_and_a_new_execution_delivers_it():
    entered = anyio.Event()

    def Agent():
        async def hold(tick_state, com):
            if not entered.is_set():
                entered.set()
                await anyio.Event().wait()

        use_on_tick_start(hold)
        return chat()

    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    first = await session.send("long task")
    with anyio.fail_after(2):
        await entered.wait()

    follow_up = session.interrupt("actually, stop", reason="user changed their mind")

    with pytest.raises(AbortError, match="user changed their mind"):
        await first.result
    with anyio.fail_after(2):
        await follow_up.result
    assert follow_up is not first and len(model.inputs) == 1
    assert [e.message.text for e in session.timeline] == ["long task", "actually, stop", "Test response"]


async def test_render_agent_ticks_without_messages_and_reports_usage():
    agent = await render_agent(Chat, model=create_test_model(default_response="ok"))

    await agent.send("hi")
    tick = await agent.tick()

    assert [r.response for r in agent.results] == ["ok", "ok"]
    assert tick.usage.ticks == 1 and tick.usage.total_tokens == tick.usage.input_tokens + tick.usage.output_tokens
    assert agent.session.usage.ticks == 2
    await agent.unmount()
    assert agent.session.status == "closed"


async def test_context_info_describes_the_previous_tick():
    infos = []

    def Agent():
        infos.append(use_context_info())
        return chat()

    session = await create_app(Agent, model=create_test_model()).session()
    await session.send("one").result
    await session.send("two").result

    info = infos[-1]
    assert infos[0] is None
    assert info.model_id == "test-model"
    assert info.context_window == 128_000
    assert info.input_tokens > 0 and info.total_tokens == info.input_tokens + info.output_tokens
    assert 0 < info.utilization < 0.01
    assert info.cumulative_usage.ticks == 1
    assert info.estimated_context_tokens > 0


# --- tools --------------------------------------------------------------------------------------


async def test_sync_handlers_run_in_a_worker_thread_and_docstring_args_describe_parameters():
    import threading

    threads = []

    @tool
    def where(city: str, units: str = "metric") -> str:
        """Tell the weather.

        Args:
            city: The city to look up.
            units: metric or imperial.
        """
        threads.append(threading.current_thread().name)
        return f"sunny in {city}"

    schema = where.input_schema
    assert where.description == "Tell the weather."
    assert schema["properties"]["city"] == {"type": "string", "description": "The city to look up."}
    assert schema["required"] == ["city"]
    assert [block.text for block in await where.run({"city": "Oslo"})] == ["sunny in Oslo"]
    assert threads and threads[0] != threading.main_thread().name


async def test_json_schema_inputs_are_validated_before_the_handler():
    calls = []

    async def handler(arguments):
        calls.append(arguments)
        return "ok"

    search = create_tool(
        name="search",
        description="Search",
        input={"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        handler=handler,
    )
    model = create_test_model()
    model.respond_with([{"tool": {"name": "search", "input": {"query": 3}}}, "done"])
    session = await create_app(agent_with(search), model=model).session()

    await session.send("go").result

    [block] = session.timeline[2].message.content
    assert block.is_error and calls == []
    assert block.content[0].text.startswith("invalid arguments for search: input.query: expected string, got int 3")


async def test_use_deps_and_render_put_state_next_to_the_tool():
    class Cart(BaseModel):
        item: str

    def use_cart():
        items = use_com_state("cart", [])
        return {"items": items}

    async def add_item(arguments, deps):
        deps["items"].set(lambda items: [*items, arguments.item])
        return f"added {arguments.item}"

    def CartView(deps):
        return h(System, None, f"Cart: {', '.join(deps['items'].value) or 'empty'}")

    add = create_tool(
        name="add_item", description="Add to cart", input=Cart, handler=add_item, use=use_cart, render=CartView
    )
    model = create_test_model()
    model.respond_with([{"tool": {"name": "add_item", "input": {"item": "tea"}}}, "done"])
    session = await create_app(agent_with(add), model=model).session()

    await session.send("buy tea").result

    assert model.inputs[0].system.endswith("Cart: empty")
    assert model.inputs[1].system.endswith("Cart: tea")


async def test_dispatch_finds_tools_by_alias_and_validates_input():
    async def handler(arguments):
        return {"echo": arguments["text"]}

    echo = create_tool(
        name="echo",
        description="Echo",
        input={"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
        handler=handler,
        aliases=("say",),
    )
    session = await create_app(agent_with(echo), model=create_test_model()).session()

    [block] = await session.dispatch("say", {"text": "hi"})
    assert json.loads(block.text) == {"echo": "hi"}
    with pytest.raises(ToolError, match=r"input\.text: required field is missing"):
        await session.dispatch("echo", {})


# --- spawn --------------------------------------------------------------------------------------


async def test_spawn_depth_is_limited():
    session = await create_app(Chat, model=create_test_model()).session()
    session.depth = 10

    with pytest.raises(RuntimeError, match=r"spawn depth limit \(10\) reached"):
        await session.spawn(Chat, messages="hi")


async def test_closing_a_parent_aborts_and_closes_its_children():
    entered = anyio.Event()

    def Slow():
        async def hold(tick_state, com):
            entered.set()
            await anyio.Event().wait()

        use_on_tick_start(hold)
        return chat()

    session = await create_app(Chat, model=create_test_model()).session()
    child_handle = await session.spawn(Slow, messages="work")
    with anyio.fail_after(2):
        await entered.wait()

    with anyio.fail_after(2):
        await session.close()

    assert child_handle.status == "aborted"
    assert session.children == []


# --- persistence --------------------------------------------------------------------------------


async def test_sqlite_store_uses_wal_and_one_row_per_session(tmp_path):
    path = tmp_path / "s.db"
    app = create_app(Chat, model=create_test_model(), store=str(path))
    for text in ("one", "two"):
        await (await app.session("u")).send(text).result

    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = connection.execute("SELECT session_id, snapshot FROM agentick_sessions").fetchall()
    assert [row[0] for row in rows] == ["u"]
    assert [e["message"]["content"][0]["text"] for e in json.loads(rows[0][1])["timeline"]] == [
        "one",
        "Test response",
        "two",
        "Test response",
    ]


async def test_a_failed_save_keeps_the_previous_snapshot_and_reports_the_failure(tmp_path):
    store = SqliteStore(tmp_path / "s.db")
    app = create_app(Chat, model=create_test_model(), store=store)
    session = await app.session("u")
    await session.send("kept").result

    original = store._run

    def broken(sql, parameters):
        if sql.startswith("INSERT"):
            raise PersistenceError("disk full while writing")
        return original(sql, parameters)

    store._run = broken
    with pytest.raises(PersistenceError, match="disk full while writing"):
        await session.send("lost").result
    store._run = original

    restored = await create_app(Chat, model=create_test_model(), store=store).session("u")
    assert [e.message.text for e in restored.timeline] == ["kept", "Test response"]
    assert_consistent(session.timeline)
    assert (await session.send("again").result).response == "Test response"


async def test_run_on_trio_too():
    model = create_test_model(default_response="from trio")

    async def main():
        return await run(h(Chat), messages=[{"role": "user", "content": "hi"}], model=model).result

    result = await anyio.to_thread.run_sync(lambda: anyio.run(main, backend="trio"))
    assert result.response == "from trio"


async def test_interrupt_with_a_message_on_an_idle_session_answers_it():
    session = await create_app(Chat, model=create_test_model(default_response="on it")).session()

    handle = session.interrupt("urgent")
    result = await handle.result

    assert (handle.status, result.response) == ("completed", "on it")
    assert [e.message.text for e in session.timeline] == ["urgent", "on it"]


async def test_spawn_start_and_end_reach_the_parent_stream_before_it_ends():
    def Child():
        return chat(system="child")

    @tool
    async def delegate(com) -> str:
        """Ask a child agent."""
        child_model = create_test_model(default_response="from the child")
        return (await (await com.spawn(Child, messages="sub task", model=child_model)).result).response

    model = create_test_model()
    model.respond_with([{"tool": {"name": "delegate", "input": {}}}, "done"])
    session = await create_app(agent_with(delegate), model=model).session()
    handle = await session.send("go")

    types = [event.type async for event in handle]

    assert types.index("spawn_start") < types.index("spawn_end") < types.index("tool_result")
    [end] = [event for event in handle.events if event.type == "spawn_end"]
    assert end.response == "from the child" and end.error is None


async def test_a_streamed_response_keeps_its_image_blocks():
    model = create_test_model(streaming=True)
    model.respond_with([["Here:", {"image": {"url": "https://x.test/cat.png"}}]])
    session = await create_app(Chat, model=model).session()

    await session.send("draw a cat").result

    [text, image] = session.timeline[-1].message.content
    assert (text.text, image.source.url) == ("Here:", "https://x.test/cat.png")


async def test_app_delete_closes_the_session_and_removes_its_snapshot():
    store = MemoryStore()
    app = create_app(Chat, model=create_test_model(), store=store)
    session = await app.session("gone")
    await session.send("hi").result

    await app.delete("gone")

    assert session.status == "closed"
    assert await store.load("gone") is None


def test_trusted_entries_equal_validated_ones():
    from agentick.types import Message, TimelineEntry

    message = Message(role="user", content=[TextBlock(text="hi")])
    trusted = TimelineEntry.trusted("e1", message, ["input"], "x", 1)
    validated = TimelineEntry(id="e1", message=message, tags=["input"], execution_id="x", tick=1)

    assert trusted == validated
    assert trusted.model_dump() == validated.model_dump()
    assert trusted.model_fields_set == validated.model_fields_set
    assert TimelineEntry.model_validate(trusted.model_dump(mode="json")) == trusted


def test_trusted_entries_take_assignments_like_validated_ones():
    """Each trusted entry owns its fields-set, so assigning a field works (a shared frozenset
    made pydantic's `__setattr__` raise AttributeError) and marks only that entry."""
    from agentick.types import Message, TimelineEntry

    message = Message(role="user", content=[TextBlock(text="hi")])
    first, second = TimelineEntry.trusted_many(["e1", "e2"], [message, message], ["input"], "x", 1)

    first.tick = 3

    assert (first.tick, second.tick) == (3, 1)
    assert first.model_fields_set == second.model_fields_set == {"id", "message", "tags", "execution_id", "tick"}
    assert first.model_fields_set is not second.model_fields_set
