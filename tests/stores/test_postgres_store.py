"""PostgresStore on a real PostgreSQL server: schema, versioned append-only saves, leases, signals."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import psycopg
import pytest

from agentick import PersistenceError, SessionBusyError
from agentick.stores import PostgresStore, postgres
from agentick.stores.postgres import MIGRATIONS
from tests.postgres import free_port
from tests.stores.support import CountingStore, eventually, fresh_database, query

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # psycopg's async connections run on asyncio


def entry(number: int) -> dict[str, Any]:
    return {"id": f"e{number}", "message": {"role": "user", "content": [{"type": "text", "text": f"m{number}"}]}}


def snapshot(count: int, **fields: Any) -> dict[str, Any]:
    return {"version": 1, "timeline": [entry(n) for n in range(count)], "state": {}, "data": {}, **fields}


def new_id() -> str:
    return f"s_{uuid.uuid4().hex[:8]}"


async def test_first_use_by_three_workers_at_once_creates_the_schema_once(postgres_url):
    url = fresh_database(postgres_url)
    stores = [PostgresStore(url) for _ in range(3)]
    try:
        async with anyio.create_task_group() as group:
            for number, store in enumerate(stores):
                group.start_soon(store.save, f"w{number}", snapshot(1))
    finally:
        for store in stores:
            await store.aclose()

    assert query(url, "SELECT version FROM agentick_schema_version ORDER BY version") == [(1,)]
    assert len(MIGRATIONS) == 1
    tables = query(url, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'agentick%' ORDER BY 1")
    assert tables == [("agentick_entries",), ("agentick_leases",), ("agentick_schema_version",), ("agentick_sessions",)]
    assert query(url, "SELECT session_id, revision FROM agentick_sessions ORDER BY 1") == [
        ("w0", 1),
        ("w1", 1),
        ("w2", 1),
    ]


async def test_a_database_with_a_newer_schema_is_refused_by_name(postgres_url):
    url = fresh_database(postgres_url)
    async with PostgresStore(url) as store:
        await store.save("a", snapshot(0))
    query(url, "INSERT INTO agentick_schema_version (version) VALUES (2)")

    async with PostgresStore(url) as store:
        with pytest.raises(PersistenceError, match=r"schema is at version 2, newer than this agentick knows \(1\)"):
            await store.load("a")


async def test_save_and_load_round_trip_with_the_revision(postgres_url):
    stored = snapshot(3, usage={"input_tokens": 7, "ticks": 2}, state={"n": [1, "é"]}, data={"k": {"value": 1}})
    async with PostgresStore(postgres_url) as store:
        id = new_id()
        assert await store.load(id) is None
        assert await store.save(id, stored) == 1
        assert await store.save(id, stored) == 2

        async with PostgresStore(postgres_url) as other:  # a second worker reads it
            loaded = await other.load(id)

    assert loaded == {**stored, "revision": 2}


async def test_a_save_appends_only_the_new_entries(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as store:
        await store.save(id, snapshot(200), expected_revision=0)
        first = query(postgres_url, "SELECT position, xmin::text FROM agentick_entries WHERE session_id = %s", (id,))
        await store.save(id, snapshot(202), expected_revision=1)
        await store.save(id, snapshot(204), expected_revision=2)
        after = dict(
            query(postgres_url, "SELECT position, xmin::text FROM agentick_entries WHERE session_id = %s", (id,))
        )

    assert len(after) == 204
    assert {position: after[position] for position, _ in first} == dict(first)  # the old rows were not rewritten
    assert len({after[200], after[202]}) == 2  # each save wrote its own two rows


async def test_a_timeline_that_changed_under_its_prefix_is_rewritten(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as store:
        await store.save(id, snapshot(3))
        changed = snapshot(4)
        changed["timeline"][1] = {**entry(1), "tags": ["edited"]}
        await store.save(id, changed)
        shorter = snapshot(2)
        await store.save(id, shorter)
        loaded = await store.load(id)

        assert loaded is not None and loaded["timeline"] == shorter["timeline"]
        await store.save(id, snapshot(2))
        assert query(postgres_url, "SELECT count(*) FROM agentick_entries WHERE session_id = %s", (id,)) == [(2,)]

    async with PostgresStore(postgres_url) as fresh:  # rows left beyond entry_count are never read
        changed_again = await fresh.load(id)
    assert changed_again == {**snapshot(2), "revision": 4}


async def test_a_save_from_another_worker_in_between_makes_the_next_one_rewrite(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as a, PostgresStore(postgres_url) as b:
        await a.save(id, snapshot(2))
        other = snapshot(3)
        other["timeline"][0] = entry(99)
        await b.save(id, other, expected_revision=1)
        assert await a.save(id, snapshot(3)) == 3  # no expected revision: last writer wins, whole timeline
        loaded = await b.load(id)

    assert loaded == {**snapshot(3), "revision": 3}


async def test_a_save_never_overwrites_a_newer_revision(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as a, PostgresStore(postgres_url) as b:
        assert await a.save(id, snapshot(1), expected_revision=0) == 1
        assert await b.save(id, snapshot(2), expected_revision=1) == 2

        with pytest.raises(PersistenceError) as raised:
            await a.save(id, snapshot(5), expected_revision=1)
        with pytest.raises(PersistenceError, match="no snapshot is stored"):
            await a.save(new_id(), snapshot(1), expected_revision=3)
        loaded = await a.load(id)

    assert str(raised.value) == (
        f"session store {postgres_url}: saving session {id!r} refused: it was loaded at revision 1, but revision 2 "
        "is stored: a newer one (a save never overwrites a newer revision); load the session again"
    )
    assert loaded == {**snapshot(2), "revision": 2}


async def test_two_first_saves_at_once_store_one_and_refuse_the_other(postgres_url):
    id = new_id()
    outcomes: list[Any] = []

    async def save(store: PostgresStore, count: int) -> None:
        try:
            outcomes.append(await store.save(id, snapshot(count), expected_revision=0))
        except PersistenceError as error:
            outcomes.append(error)

    async with PostgresStore(postgres_url) as a, PostgresStore(postgres_url) as b:
        async with anyio.create_task_group() as group:
            group.start_soon(save, a, 1)
            group.start_soon(save, b, 2)
        loaded = await a.load(id)

    assert sorted(outcome for outcome in outcomes if isinstance(outcome, int)) == [1]
    [refused] = [outcome for outcome in outcomes if isinstance(outcome, PersistenceError)]
    assert "revision 1 is stored: a newer one" in str(refused)
    assert loaded is not None and loaded["revision"] == 1 and len(loaded["timeline"]) in (1, 2)


async def test_a_row_deleted_while_a_save_locks_it_is_a_persistence_error(postgres_url, monkeypatch):
    # As if a delete committed between the placeholder INSERT and the SELECT ... FOR UPDATE, each time
    monkeypatch.setattr(postgres, "_PLACEHOLDER", "SELECT %s::text")
    id = new_id()
    async with PostgresStore(postgres_url) as store:
        with pytest.raises(PersistenceError, match=rf"saving session {id!r} failed: its row was deleted while"):
            await store.save(id, snapshot(1))

    assert query(postgres_url, "SELECT count(*) FROM agentick_entries WHERE session_id = %s", (id,)) == [(0,)]


async def test_exists_answers_from_the_head_row_as_load_would(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as store, PostgresStore(postgres_url) as other:
        assert await store.exists(id) is False
        async with store.lease(id):  # a lease alone stores nothing
            assert await other.exists(id) is False
        await store.save(id, snapshot(2))
        assert await other.exists(id) is True
        await other.delete(id)
        assert await store.exists(id) is False


async def test_delete_removes_the_head_the_entries_and_the_lease(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as store:
        await store.save(id, snapshot(3))
        async with store.lease(id):
            await store.delete(id)
        assert await store.load(id) is None
        assert await store.save(id, snapshot(1), expected_revision=0) == 1  # a new session under that id

    counts = [
        query(postgres_url, f"SELECT count(*) FROM {table} WHERE session_id = %s", (id,))[0][0]
        for table in ("agentick_sessions", "agentick_entries", "agentick_leases")
    ]
    assert counts == [1, 1, 0]


async def test_a_lease_is_exclusive_and_the_next_holder_gets_it_after_the_release(postgres_url):
    id = new_id()
    got: list[tuple[bool, int]] = []
    released = anyio.Event()
    async with PostgresStore(postgres_url) as a, CountingStore(postgres_url) as b:
        await a.save(id, snapshot(1))

        async def second() -> None:
            async with b.lease(id, 30, 10) as lease:
                got.append((released.is_set(), lease.revision))

        async with anyio.create_task_group() as group, a.lease(id, 30, 10) as held:
            assert held.revision == 1
            with pytest.raises(SessionBusyError):
                async with b.lease(id, 30, 0):
                    pass
            group.start_soon(second)
            refused = b.refused  # (one refused try above, by the wait=0 lease)
            await eventually(lambda: b.refused >= refused + 2)  # b is polling for the lease
            await a.save(id, snapshot(2), expected_revision=1)
            released.set()

    assert got == [(True, 2)]


class PausedAfterTheLeaseStatement(PostgresStore):
    """Holds on after the lease statement ran (autocommitted) and before its row is used, until
    `resume`: where a cancel can land in a real run, widened so that a test can land one there."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.ran = asyncio.Event()
        self.resume = asyncio.Event()

    @asynccontextmanager
    async def _connection(self, operation: str, id: str) -> AsyncIterator[Any]:
        async with super()._connection(operation, id) as connection:
            yield connection
            if operation == "taking the lease of":
                self.ran.set()
                await self.resume.wait()


async def test_a_cancel_right_after_the_lease_statement_leaves_no_lease_row(postgres_url):
    id = new_id()
    async with PausedAfterTheLeaseStatement(postgres_url) as store:

        async def take() -> None:
            async with store.lease(id, 30, 0):
                raise AssertionError("the lease block must not run")

        task = asyncio.ensure_future(take())
        await store.ran.wait()
        task.cancel()
        store.resume.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        rows = query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (id,))

    assert rows == []  # before: an unknown holder's lease, blocking the session for 30 s


async def test_a_lease_held_elsewhere_beyond_lease_wait_raises_session_busy(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as a, PostgresStore(postgres_url, lease_wait=0.3) as b, a.lease(id):
        with pytest.raises(SessionBusyError) as raised:
            async with b.lease(id):
                pass

    assert str(raised.value) == (
        f"session {id!r} is busy: another worker holds its lease; waited 0.3 s (lease_wait) for it "
        "(a lease of a worker that stopped expires after lease_ttl=30 s)"
    )


async def test_a_lease_nobody_renews_expires_after_its_ttl(postgres_url):
    id = new_id()
    async with PostgresStore(postgres_url) as dead, PostgresStore(postgres_url) as alive:
        await dead.save(id, snapshot(1))
        stale = await dead._acquire(id, 0.5, 0)  # taken, then never renewed nor released: a dead worker
        async with alive.lease(id, 30, 10) as lease:
            holder = query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (id,))

    assert lease.revision == 1
    assert holder == [(lease.holder,)] and lease.holder != stale.holder


async def test_renewal_keeps_a_long_lease_beyond_its_ttl(postgres_url):
    id = new_id()
    expiry = "SELECT expires_at FROM agentick_leases WHERE session_id = %s"
    async with (
        PostgresStore(postgres_url) as a,
        PostgresStore(postgres_url, lease_wait=2.5) as b,
        a.lease(id, 0.6, 0) as held,
    ):
        first = query(postgres_url, expiry, (id,))[0][0]
        with pytest.raises(SessionBusyError):  # b waits 2.5 s: four ttls, renewed every 0.2 s
            async with b.lease(id, 0.6):
                pass
        later = query(postgres_url, expiry, (id,))[0][0]
        assert held.lost is False

    assert later > first


async def test_a_lease_lost_to_another_worker_is_logged_and_flagged(postgres_url, caplog):
    id = new_id()
    async with PostgresStore(postgres_url) as a, a.lease(id, 0.6, 0) as held:
        query(postgres_url, "UPDATE agentick_leases SET holder = 'someone else' WHERE session_id = %s", (id,))
        await eventually(lambda: held.lost)

    assert f"the lease of session {id!r} was lost" in caplog.text
    # releasing a lost lease leaves the new holder's row alone
    assert query(postgres_url, "SELECT holder FROM agentick_leases WHERE session_id = %s", (id,)) == [("someone else",)]


async def test_signals_reach_the_listeners_of_other_workers(postgres_url):
    received: dict[str, list[tuple[str, dict[str, Any]]]] = {"a": [], "b": []}

    async def on_b(session_id: str, payload: dict[str, Any]) -> None:  # coroutine callbacks are awaited
        received["b"].append((session_id, payload))

    async with (
        PostgresStore(postgres_url) as a,
        PostgresStore(postgres_url) as b,
        a.listen(lambda s, p: received["a"].append((s, p))),
        b.listen(on_b),
    ):
        await a.signal("s1", {"kind": "abort", "reason": "user"})
        await b.signal("s2", {"kind": "tool_result", "call_id": "c1", "approved": True, "reason": None})
        await eventually(lambda: len(received["a"]) == 2 and len(received["b"]) == 2)

    expected = [
        ("s1", {"kind": "abort", "reason": "user"}),
        ("s2", {"kind": "tool_result", "call_id": "c1", "approved": True, "reason": None}),
    ]
    assert received == {"a": expected, "b": expected}


async def test_listen_fails_when_its_first_connection_fails():
    port = free_port()  # nothing listens there
    store = PostgresStore(f"postgresql://agentick:s3cret@127.0.0.1:{port}/postgres")
    with anyio.fail_after(30), pytest.raises(PersistenceError) as raised:
        async with store.listen(lambda id, payload: None):
            raise AssertionError("listen must not be entered")

    assert str(raised.value).startswith(
        f"session store postgresql://agentick:***@127.0.0.1:{port}/postgres: "
        "listening for signals failed: OperationalError: "
    )


async def test_listen_fails_on_any_error_of_its_first_connection(monkeypatch):
    async def refused(*args: Any, **kwargs: Any) -> Any:
        raise OSError("no route to host")  # not a psycopg.Error

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", refused)
    store = PostgresStore("postgresql://agentick@127.0.0.1:1/postgres")
    with anyio.fail_after(10), pytest.raises(PersistenceError) as raised:  # (before: waited forever)
        async with store.listen(lambda id, payload: None):
            raise AssertionError("listen must not be entered")

    assert str(raised.value) == (
        "session store postgresql://agentick@127.0.0.1:1/postgres: listening for signals failed: "
        "OSError: no route to host"
    )


async def test_the_signal_listener_reconnects_after_a_restart(postgres_server):
    received: list[str] = []
    async with (
        PostgresStore(postgres_server.url) as store,
        store.listen(lambda session_id, payload: received.append(session_id)),
    ):
        await store.signal("before", {})
        await eventually(lambda: received == ["before"])
        await anyio.to_thread.run_sync(postgres_server.restart)

        async def delivered() -> None:
            while "after" not in received:  # sent again until the listener is back
                await store.signal("after", {})
                await anyio.sleep(0.05)

        with anyio.fail_after(15):
            await delivered()

    assert received[0] == "before" and "after" in received


async def test_the_pool_recovers_after_postgresql_restarts_under_load(postgres_server):
    id = new_id()
    during: list[str] = []  # outcomes of the saves made while the restart runs
    after: list[str] = []
    restarted = anyio.Event()
    started = query(postgres_server.url, "SELECT pg_postmaster_start_time()")
    async with PostgresStore(postgres_server.url, max_size=4, lease_wait=1) as store:
        revision = await store.save(id, snapshot(1), expected_revision=0)
        count = 1

        async def save(outcomes: list[str]) -> None:
            nonlocal revision, count
            try:
                revision = await store.save(id, snapshot(count + 1), expected_revision=revision)
                count += 1
                outcomes.append("saved")
            except PersistenceError as error:
                outcomes.append("failed")
                assert str(error).startswith(f"session store {postgres_server.url}: saving session {id!r} failed")

        async def restart() -> None:
            await anyio.to_thread.run_sync(postgres_server.restart)
            restarted.set()

        async with anyio.create_task_group() as group:
            group.start_soon(restart)
            while not restarted.is_set():  # keep saving for as long as the restart runs
                await save(during)
                await anyio.sleep(0)

        async def resync() -> bool:
            # A save cut off by the restart may have committed all the same (its client cannot know):
            # continue from what is stored, as a session does when its next lease shows the revision.
            nonlocal revision, count
            try:
                loaded = await store.load(id)
            except PersistenceError:  # the pool is still reconnecting
                return False
            assert loaded is not None
            revision, count = loaded["revision"], len(loaded["timeline"])
            return True

        with anyio.fail_after(30):
            while "saved" not in after:
                if await resync():
                    await save(after)
        loaded = await store.load(id)

    # The server really restarted under the pool's connections (whether a save was in flight at
    # that moment, and so failed, or waited for a connection and went through, is timing).
    assert query(postgres_server.url, "SELECT pg_postmaster_start_time()") != started
    assert after[-1] == "saved" and after.count("saved") == 1
    assert loaded is not None and loaded["revision"] == revision and len(loaded["timeline"]) == count


async def test_errors_name_the_store_without_its_password_and_the_operation():
    url = f"postgresql://agent:s3cret@127.0.0.1:{free_port()}/agents"
    async with PostgresStore(url, lease_wait=0) as store:
        with pytest.raises(PersistenceError) as raised:
            await store.load("s1")

    message = str(raised.value)
    assert message.startswith(
        f"session store postgresql://agent:***@127.0.0.1:{url.split(':')[3]}: loading session 's1' failed: PoolTimeout"
    )
    assert "s3cret" not in message and "s3cret" not in repr(store)


def test_bad_lease_settings_are_refused():
    with pytest.raises(ValueError, match=r"^lease_ttl must be a positive number of seconds, not 0$"):
        PostgresStore("postgresql://db/x", lease_ttl=0)
    with pytest.raises(ValueError, match=r"^lease_wait must be zero or a positive number of seconds, not -1$"):
        PostgresStore("postgresql://db/x", lease_wait=-1)


def test_without_the_extra_the_store_names_it():
    code = textwrap.dedent(
        """
        import sys
        sys.modules["psycopg"] = None  # what an interpreter without the package sees
        import agentick
        from agentick import create_app
        for attempt in (
            lambda: __import__("agentick.stores", fromlist=["PostgresStore"]).PostgresStore,
            lambda: create_app(lambda: None, store="postgresql://db/agents"),
        ):
            try:
                attempt()
            except ImportError as exc:
                print(exc)
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)

    line = (
        "PostgresStore (store='postgresql://...') needs the optional dependency 'psycopg', which is not installed: "
        'pip install "agentick[postgres]"'
    )
    assert done.stdout.splitlines() == [line, line], done.stderr


def test_one_store_serves_consecutive_event_loops(postgres_url):
    # e.g. run_sync called twice, or one asyncio.run per test, with one store and no aclose between
    id = new_id()
    store = PostgresStore(postgres_url)

    async def save() -> int:
        return await store.save(id, snapshot(2))

    async def load_then_close() -> dict[str, Any] | None:
        async with store:
            return await store.load(id)

    assert asyncio.run(save()) == 1
    loaded = asyncio.run(load_then_close())

    assert loaded is not None and loaded["revision"] == 1 and len(loaded["timeline"]) == 2
