"""Several workers (App objects, and a worker process) serving the sessions of one PostgreSQL store."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from typing import Any

import anyio
import pytest

from agentick import AbortError, PersistenceError, SessionBusyError, SessionClosedError, create_app
from agentick.stores import PostgresStore
from agentick.testing import create_test_model
from tests.engine.support import assert_consistent, chat
from tests.stores.support import CountingStore, GateModel, eventually, query

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def Chat() -> Any:
    return chat()


def texts(session: Any) -> list[str]:
    return [entry.message.text for entry in session.timeline]


def stored_revision(url: str, id: str) -> int | None:
    rows = query(url, "SELECT revision FROM agentick_sessions WHERE session_id = %s", (id,))
    return rows[0][0] if rows else None


async def test_a_session_created_on_one_worker_is_used_from_another(postgres_url):
    async with (
        create_app(Chat, model=create_test_model("from A"), store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=postgres_url) as b,
    ):
        on_a = await a.session()
        assert (on_a.revision, stored_revision(postgres_url, on_a.id)) == (1, 1)  # saved at creation

        on_b = await b.session(on_a.id)
        assert on_b.revision == 1 and on_b.timeline == []
        await on_b.send("hello B").result
        assert (on_b.revision, stored_revision(postgres_url, on_a.id)) == (2, 2)

        # A's object is stale: its next send reloads B's revision in place before running
        await on_a.send("hello A").result
        assert texts(on_a) == ["hello B", "from B", "hello A", "from A"]
        assert on_a.revision == 3

        b.sessions.pop(on_a.id)  # B reads the latest save when it opens the session again
        again = await b.session(on_a.id)
        assert texts(again) == texts(on_a) and again.revision == 3
        assert_consistent(again.timeline)


async def test_event_sequences_keep_increasing_when_another_worker_continues(postgres_url):
    async with (
        create_app(Chat, model=create_test_model("from A"), store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=postgres_url) as b,
    ):
        on_a = await a.session()
        on_b = await b.session(on_a.id)  # opened before A's turn: reloads it with its first send
        first = await on_a.send("on A")
        await first.result
        second = await on_b.send("on B")
        await second.result
        on_a_again = await a.session(on_a.id)
        third = await on_a_again.send("on A again")  # A reloads B's revision, with its sequence
        await third.result
        on_c = await b.session("x")  # unrelated session: numbered from 1
        await (await on_c.send("other")).result

    numbers = [event.sequence for handle in (first, second, third) for event in handle.events]
    assert numbers == sorted(set(numbers))  # strictly increasing across the three executions
    assert numbers[0] == 1 and len(numbers) == len(first.events) + len(second.events) + len(third.events)


async def test_an_unknown_id_is_a_new_session_saved_by_its_first_execution(postgres_url):
    async with create_app(Chat, model=create_test_model(), store=postgres_url) as app:
        session = await app.session("never-created-" + os.urandom(4).hex())
        assert stored_revision(postgres_url, session.id) is None
        await session.send("hi").result

    assert stored_revision(postgres_url, session.id) == 1


async def test_a_newer_snapshot_wins_over_stale_state_and_the_tree_mounts_again(postgres_url):
    mounts: list[str] = []

    def Counting() -> Any:
        from agentick import use_state

        count, set_count = use_state(0)
        if count == 0:
            mounts.append("mount")
            set_count(1)
        return chat()

    async with (
        create_app(Counting, model=create_test_model("A"), store=postgres_url) as a,
        create_app(Counting, model=create_test_model("B"), store=postgres_url) as b,
    ):
        session = await a.session()
        await session.send("one").result
        other = await b.session(session.id)
        await other.send("two").result
        mounts.clear()
        await session.send("three").result  # reloaded: the old tree was unmounted, a new one mounted

        assert mounts == ["mount"]
        assert texts(session) == ["one", "A", "two", "B", "three", "A"]


async def test_a_send_while_another_worker_runs_the_session_fails_busy_after_lease_wait(postgres_url):
    gate = GateModel()
    quick = PostgresStore(postgres_url, lease_wait=0.2)
    async with (
        create_app(Chat, model=gate, store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=quick) as b,
        quick,
    ):
        on_a = await a.session()
        running = await on_a.send("long")
        await gate.started.wait()
        on_b = await b.session(on_a.id)

        busy = on_b.send("meanwhile")
        events = [event async for event in busy]
        with pytest.raises(SessionBusyError, match=rf"^session '{on_a.id}' is busy: .*waited 0\.2 s"):
            await busy.result

        gate.gate.set()
        await running.result
        await on_b.send("after").result  # B works again, and first reloads A's turn

    assert [event.type for event in events] == ["execution_start", "execution_end"]
    assert events[-1].status == "error" and events[-1].error.startswith("SessionBusyError: ")
    assert texts(on_b) == ["long", "answer 1", "after", "from B"]
    assert stored_revision(postgres_url, on_a.id) == 3


async def test_a_send_waits_for_the_lease_of_another_worker_and_then_runs(postgres_url):
    gate = GateModel()
    polling = CountingStore(postgres_url)
    async with (
        create_app(Chat, model=gate, store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=polling) as b,
        polling,
    ):
        on_a = await a.session()
        running = await on_a.send("first")
        await gate.started.wait()
        on_b = await b.session(on_a.id)
        waiting = on_b.send("second")
        async with anyio.create_task_group() as group:

            async def release_soon() -> None:
                await eventually(lambda: polling.refused >= 2)  # B is polling for the lease
                gate.gate.set()

            group.start_soon(release_soon)
            result = await waiting.result
        await running.result

    assert result.response == "from B"
    assert texts(on_b) == ["first", "answer 1", "second", "from B"]


async def test_an_abort_while_waiting_for_the_lease_ends_the_wait_and_saves_nothing(postgres_url):
    gate = GateModel()
    polling = CountingStore(postgres_url)
    async with (
        create_app(Chat, model=gate, store=postgres_url) as a,
        create_app(Chat, model=create_test_model(), store=polling) as b,
        polling,
    ):
        on_a = await a.session()
        running = await on_a.send("first")
        await gate.started.wait()
        on_b = await b.session(on_a.id)
        handle = await on_b.send("second")
        await eventually(lambda: polling.refused >= 1)  # into the lease wait
        handle.abort("changed my mind")
        with pytest.raises(AbortError):
            await handle.result
        holders = query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (on_a.id,))
        assert len(holders) == 1  # A's lease only: the aborted wait left none behind
        gate.gate.set()
        await running.result
        async with PostgresStore(postgres_url) as fresh:
            stored = await fresh.load(on_a.id)

    assert stored is not None and stored["revision"] == 2
    assert [entry["message"]["content"][0]["text"] for entry in stored["timeline"]] == ["first", "answer 1"]


async def test_delete_removes_the_stored_rows(postgres_url):
    async with create_app(Chat, model=create_test_model(), store=postgres_url) as app:
        session = await app.session()
        await session.send("hi").result
        await app.delete(session.id)

    counts = [
        query(postgres_url, f"SELECT count(*) FROM {table} WHERE session_id = %s", (session.id,))[0][0]
        for table in ("agentick_sessions", "agentick_entries", "agentick_leases")
    ]
    assert counts == [0, 0, 0]


async def test_a_session_deleted_on_another_worker_is_closed_by_its_next_send(postgres_url):
    async with (
        create_app(Chat, model=create_test_model("from A"), store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=postgres_url) as b,
    ):
        on_a = await a.session()
        on_b = await b.session(on_a.id)
        await on_b.send("hello B").result
        await a.delete(on_a.id)

        handle = await on_b.send("after the delete")
        events = [event async for event in handle]
        with pytest.raises(SessionClosedError, match=rf"^session '{on_a.id}' was deleted$"):
            await handle.result
        assert on_b.status == "closed" and on_a.id not in b.sessions
        with pytest.raises(SessionClosedError):
            await on_b.send("again")
        again = await b.session(on_a.id)  # the id now starts afresh
        assert again is not on_b and again.timeline == []

    assert [event.type for event in events] == ["execution_start", "execution_end"]
    assert events[-1].status == "error"
    assert events[-1].error == f"SessionClosedError: session '{on_a.id}' was deleted"
    assert stored_revision(postgres_url, on_a.id) is None


async def test_a_session_deleted_and_created_again_elsewhere_is_reloaded(postgres_url):
    async with (
        create_app(Chat, model=create_test_model("from A"), store=postgres_url) as a,
        create_app(Chat, model=create_test_model("from B"), store=postgres_url) as b,
    ):
        on_b = await b.session()
        await on_b.send("old turn").result
        await on_b.send("old turn 2").result
        assert on_b.revision == 3
        await a.delete(on_b.id)
        on_a = await a.session(on_b.id)
        await on_a.send("new life").result
        assert stored_revision(postgres_url, on_b.id) == 1

        await on_b.send("continued on B").result  # the stored revision 1 is not B's 3: reloaded

    assert texts(on_b) == ["new life", "from A", "continued on B", "from B"]
    assert on_b.revision == 2 and stored_revision(postgres_url, on_b.id) == 2


async def test_a_lost_lease_stops_the_execution_and_saves_nothing(postgres_url):
    gate = GateModel()
    store = PostgresStore(postgres_url, lease_ttl=0.3)
    async with store, create_app(Chat, model=gate, store=store) as app:
        session = await app.session()
        handle = await session.send("doomed")
        await gate.started.wait()
        # another worker took the lease (as if it had expired): the next renewal finds it gone
        query(postgres_url, "UPDATE agentick_leases SET holder = 'thief' WHERE session_id = %s", (session.id,))
        with anyio.fail_after(10):  # (before the fix it ran on, waiting for the model, forever)
            events = [event async for event in handle]
        with pytest.raises(PersistenceError, match=rf"^session '{session.id}': the lease was lost \(it expired"):
            await handle.result
        assert stored_revision(postgres_url, session.id) == 1  # the creation's save only
        assert query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (session.id,)) == [
            ("thief",)
        ]

        query(postgres_url, "DELETE FROM agentick_leases WHERE session_id = %s", (session.id,))  # the thief is done
        gate.gate.set()
        await session.send("next").result  # the session keeps working

    assert events[-1].type == "execution_end" and events[-1].status == "error"
    assert "ResultEvent" not in [type(event).__name__ for event in events]
    assert events[-1].error.startswith(f"PersistenceError: session '{session.id}': the lease was lost")
    assert stored_revision(postgres_url, session.id) == 2
    assert_consistent(session.timeline)


async def test_a_session_keeps_working_after_postgresql_restarts(postgres_server):
    async with create_app(Chat, model=create_test_model(), store=postgres_server.url) as app:
        session = await app.session()
        await session.send("before").result
        await anyio.to_thread.run_sync(postgres_server.restart)
        result = await session.send("after").result

    assert result.response == "Test response"
    assert stored_revision(postgres_server.url, session.id) == 3
    assert texts(session) == ["before", "Test response", "after", "Test response"]


WORKER = textwrap.dedent(
    """
    import sys, anyio
    from agentick import create_app
    from agentick.stores import PostgresStore
    from tests.engine.support import chat
    from tests.stores.support import GateModel

    async def main(url, id):
        model = GateModel()
        store = PostgresStore(url, lease_ttl=1.0)
        async with store, create_app(lambda: chat(), model=model, store=store) as app:
            session = await app.session(id)
            handle = await session.send("lost with the worker")
            await model.started.wait()
            print("running", flush=True)
            await handle.result  # never: the parent kills this process

    anyio.run(main, sys.argv[1], sys.argv[2])
    """
)


async def test_a_worker_killed_mid_execution_loses_only_that_execution(postgres_url):
    async with create_app(Chat, model=create_test_model(), store=postgres_url) as app:
        session = await app.session()
        await session.send("saved turn").result
        with subprocess.Popen(
            [sys.executable, "-c", WORKER, postgres_url, session.id],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=os.getcwd(),
        ) as worker:
            assert worker.stdout is not None
            ready, _, _ = await anyio.to_thread.run_sync(select.select, [worker.stdout], [], [], 30)
            assert ready, "the worker did not start its execution"
            assert worker.stdout.readline() == "running\n"
            holder = query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (session.id,))
            worker.send_signal(signal.SIGKILL)
            await anyio.to_thread.run_sync(worker.wait)

        # the dead worker's lease expires after its lease_ttl (1 s); this worker then continues
        await session.send("next turn").result

    assert len(holder) == 1
    assert worker.returncode == -signal.SIGKILL
    assert texts(session) == ["saved turn", "Test response", "next turn", "Test response"]
    assert stored_revision(postgres_url, session.id) == 3
