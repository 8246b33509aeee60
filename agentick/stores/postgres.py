"""`PostgresStore`: sessions shared by several worker processes through one PostgreSQL database.

What it adds to a store's save/load/delete (API.md §16, docs/sessions.md "PostgreSQL"):

- Versioned, append-only saves. A session is a head row (revision, the snapshot without its
  timeline, the entry count) and one row per timeline entry. A save appends only the entries
  that are not stored yet when the stored ones are the ones this store last wrote or loaded
  (same save token, and the entries it remembers are a prefix of the new timeline, compared by
  identity, then equality); anything else rewrites the timeline rows. With `expected_revision`
  it writes only while the stored revision is still that one, so it never overwrites a newer
  snapshot; every save is one transaction.
- Leases: one row per running session with a holder id (unique per acquisition) and an expiry
  computed by the database clock, renewed every ttl/3 while the execution runs.
- Signals (abort, tool confirmations) from any worker to the lease holder: NOTIFY / LISTEN.

psycopg's async connections run on asyncio, so this store does too (anyio on asyncio included).
The pool opens on first use on the running loop and `aclose()` closes it; it reopens on the next
use, so an app closed and used again keeps working, also on another loop (the old loop's pool is
dropped then: nothing is scheduled on a loop that ended).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from ..errors import PersistenceError, SessionBusyError
from ..extras import require
from .protocol import DEFAULT_LEASE_TTL, DEFAULT_LEASE_WAIT
from .strings import masked

require("psycopg", extra="postgres", feature="PostgresStore (store='postgresql://...')")
require("psycopg_pool", extra="postgres", feature="PostgresStore (store='postgresql://...')", package="psycopg-pool")

import psycopg  # noqa: E402
from psycopg_pool import AsyncConnectionPool, PoolTimeout  # noqa: E402

__all__ = ["MIGRATIONS", "SIGNAL_CHANNEL", "PostgresLease", "PostgresStore"]

logger = logging.getLogger("agentick")

SIGNAL_CHANNEL = "agentick_signals"
# The key of the transaction-level advisory lock that serialises schema migrations between workers.
_MIGRATION_LOCK = 0x6167656E7469636B  # "agentick"
# Sessions whose stored entries this store remembers (for append-only saves); the least recently
# saved or loaded beyond this are forgotten, and their next save rewrites their timeline once.
_REMEMBERED_SESSIONS = 1024
# Seconds the signal listener waits for its connection (libpq's connect_timeout): a server that
# accepts the connection and never answers fails `listen` instead of hanging it.
_LISTEN_CONNECT_TIMEOUT = 10

# Versioned schema: migration N (1-based) is applied once, in order, under the advisory lock, and
# recorded in agentick_schema_version. Append new migrations; never edit an applied one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        "CREATE TABLE agentick_sessions ("
        " session_id text PRIMARY KEY,"
        " revision bigint NOT NULL,"
        " save_id text NOT NULL,"
        " entry_count integer NOT NULL,"
        " snapshot jsonb NOT NULL,"
        " updated_at timestamptz NOT NULL DEFAULT now())",
        "CREATE TABLE agentick_entries ("
        " session_id text NOT NULL,"
        " position integer NOT NULL,"
        " entry text NOT NULL,"
        " PRIMARY KEY (session_id, position))",
        "CREATE TABLE agentick_leases ("
        " session_id text PRIMARY KEY,"
        " holder text NOT NULL,"
        " expires_at timestamptz NOT NULL)",
    ),
)

_LOAD = (
    "SELECT s.revision, s.save_id, s.snapshot,"
    " ARRAY(SELECT e.entry FROM agentick_entries e"
    "  WHERE e.session_id = s.session_id AND e.position < s.entry_count ORDER BY e.position)"
    " FROM agentick_sessions s WHERE s.session_id = %s AND s.revision > 0"
)
_EXISTS = "SELECT 1 FROM agentick_sessions WHERE session_id = %s AND revision > 0"
# A placeholder head (revision 0, never committed as such) so that the next statement can lock
# the row whether or not the session was stored before: two first saves then queue up.
_PLACEHOLDER = (
    "INSERT INTO agentick_sessions (session_id, revision, save_id, entry_count, snapshot)"
    " VALUES (%s, 0, '', 0, '{}') ON CONFLICT (session_id) DO NOTHING"
)
_LOCK_HEAD = "SELECT revision, save_id, entry_count FROM agentick_sessions WHERE session_id = %s FOR UPDATE"
_UPDATE_HEAD = (
    "UPDATE agentick_sessions SET revision = %s, save_id = %s, entry_count = %s, snapshot = %s::jsonb,"
    " updated_at = now() WHERE session_id = %s AND revision = %s"
)
_ACQUIRE = (
    "INSERT INTO agentick_leases AS l (session_id, holder, expires_at)"
    " VALUES (%(id)s, %(holder)s, now() + make_interval(secs => %(ttl)s))"
    " ON CONFLICT (session_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at"
    " WHERE l.expires_at <= now()"
    " RETURNING (SELECT revision FROM agentick_sessions WHERE session_id = %(id)s)"
)
_RENEW = (
    "UPDATE agentick_leases SET expires_at = now() + make_interval(secs => %s)"
    " WHERE session_id = %s AND holder = %s RETURNING 1"
)
_RELEASE = "DELETE FROM agentick_leases WHERE session_id = %s AND holder = %s"


@dataclass
class _Written:
    """What this store last wrote or loaded for a session: the head's save token and the entries."""

    save_id: str
    entries: list[Any]


@dataclass
class PostgresLease:
    """A held session lease: `revision` is the stored revision when it was acquired (0 if none);
    `lost` turns True when a renewal found another holder (the lease had expired), and then
    `on_lost` is called (the engine stops the execution holding it)."""

    session_id: str
    holder: str
    revision: int
    lost: bool = False
    on_lost: Callable[[], None] | None = None


class PostgresStore:
    """Session snapshots in PostgreSQL, for one process or many (API.md §16).

    `lease_ttl` (seconds) is how long a lease outlives a worker that stopped renewing it;
    `lease_wait` how long a send waits for a lease held elsewhere before `SessionBusyError`;
    `min_size`/`max_size` bound the connection pool. `url` may hold a password: it is shown
    masked in errors and `repr`.
    """

    def __init__(
        self,
        url: str,
        *,
        lease_ttl: float = DEFAULT_LEASE_TTL,
        lease_wait: float = DEFAULT_LEASE_WAIT,
        min_size: int = 1,
        max_size: int = 10,
    ) -> None:
        if lease_ttl <= 0:
            raise ValueError(f"lease_ttl must be a positive number of seconds, not {lease_ttl!r}")
        if lease_wait < 0:
            raise ValueError(f"lease_wait must be zero or a positive number of seconds, not {lease_wait!r}")
        self._url = url
        self.url = masked(url)  # for messages and logs
        self.lease_ttl = float(lease_ttl)
        self.lease_wait = float(lease_wait)
        self.min_size = min_size
        self.max_size = max_size
        self._pool: AsyncConnectionPool[Any] | None = None
        self._ready: asyncio.Task[None] | None = None  # opening the pool and migrating, shared
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the pool belongs to
        self._written: OrderedDict[str, _Written] = OrderedDict()
        self._undoing: set[asyncio.Task[None]] = set()  # lease tries cancelled midway, being undone

    def __repr__(self) -> str:
        return f"PostgresStore({self.url!r})"

    # --- connections -------------------------------------------------------------------------

    async def _opened(self) -> AsyncConnectionPool[Any]:
        """The pool, opened (and the schema migrated) by the first caller on the running loop.
        A pool opened on another loop (ended by `asyncio.run`, or used from `run_sync` in a new
        one) cannot serve this one: it is dropped, its connections closed, and a new one opens."""
        loop = asyncio.get_running_loop()
        if self._pool is not None and self._loop is not loop:
            self._drop_foreign_pool()
        if self._pool is None:
            self._loop = loop
            self._pool = AsyncConnectionPool(
                self._url,
                min_size=self.min_size,
                max_size=self.max_size,
                open=False,
                kwargs={"autocommit": True},
                check=AsyncConnectionPool.check_connection,  # a connection broken by a restart is replaced
                timeout=max(self.lease_wait, 5.0),
                name="agentick",
            )
            self._ready = asyncio.ensure_future(self._open(self._pool))
        pool, ready = self._pool, self._ready
        assert ready is not None
        try:
            await asyncio.shield(ready)
        except BaseException:
            if ready.done() and self._pool is pool:  # failed: the next use starts over
                self._pool = self._ready = None
                await pool.close()
            raise
        return pool

    def _drop_foreign_pool(self) -> None:
        """Forget the pool of another loop, closing its idle connections' sockets at once: its
        tasks belong to that loop (ended with it, or never to be run here), so nothing of it is
        awaited or scheduled from this loop."""
        pool = self._pool
        self._pool = self._ready = self._loop = None
        self._undoing = set()
        if pool is None:
            return
        for connection in list(pool._pool):  # idle connections; those in use went with their loop
            connection.pgconn.finish()
        pool._pool.clear()
        pool._closed = True  # nothing may use it any more (and it warns about nothing when collected)

    async def _open(self, pool: AsyncConnectionPool[Any]) -> None:
        await pool.open()
        async with pool.connection() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            await connection.execute(
                "CREATE TABLE IF NOT EXISTS agentick_schema_version"
                " (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            cursor = await connection.execute("SELECT coalesce(max(version), 0) FROM agentick_schema_version")
            row = await cursor.fetchone()
            current = int(row[0]) if row is not None else 0
            if current > len(MIGRATIONS):
                raise PersistenceError(
                    f"session store {self.url}: the database schema is at version {current}, newer than this "
                    f"agentick knows ({len(MIGRATIONS)}): upgrade agentick on this worker"
                )
            for version in range(current + 1, len(MIGRATIONS) + 1):
                for statement in MIGRATIONS[version - 1]:
                    await connection.execute(statement)
                await connection.execute("INSERT INTO agentick_schema_version (version) VALUES (%s)", (version,))

    @asynccontextmanager
    async def _connection(self, operation: str, id: str) -> AsyncGenerator[psycopg.AsyncConnection[Any]]:
        """A pooled connection; database and pool errors become `PersistenceError` naming the store,
        the operation and the session."""
        try:
            pool = await self._opened()
            async with pool.connection() as connection:
                yield connection
        except (psycopg.Error, PoolTimeout) as error:
            raise PersistenceError(
                f"session store {self.url}: {operation} session {id!r} failed: {type(error).__name__}: {error}"
            ) from error

    async def aclose(self) -> None:
        """Close the pool (it reopens on the next use)."""
        if self._pool is not None and self._loop is not asyncio.get_running_loop():
            self._drop_foreign_pool()
        if self._undoing:
            await asyncio.gather(*self._undoing, return_exceptions=True)
        pool, ready = self._pool, self._ready
        self._pool = self._ready = self._loop = None
        if ready is not None and not ready.done():
            ready.cancel()
        if ready is not None:
            with contextlib.suppress(BaseException):
                await ready
        if pool is not None:
            await pool.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    # --- snapshots ---------------------------------------------------------------------------

    async def load(self, id: str) -> dict[str, Any] | None:
        """The latest saved snapshot of `id` with its `"revision"`, or None."""
        async with self._connection("loading", id) as connection:
            cursor = await connection.execute(_LOAD, (id,))
            row = await cursor.fetchone()
        if row is None:
            return None
        revision, save_id, snapshot, texts = row
        try:
            entries = [json.loads(text) for text in texts]
        except json.JSONDecodeError as error:
            raise PersistenceError(f"session store {self.url}: a timeline entry of {id!r} is not JSON") from error
        self._remember(id, _Written(save_id, entries))
        return {**snapshot, "timeline": list(entries), "revision": int(revision)}

    async def exists(self, id: str) -> bool:
        """Whether `id` is stored: its head row only, not its timeline."""
        async with self._connection("looking up", id) as connection:
            cursor = await connection.execute(_EXISTS, (id,))
            return await cursor.fetchone() is not None

    async def save(self, id: str, snapshot: dict[str, Any], expected_revision: int | None = None) -> int:
        """Store `snapshot` as the next revision of `id` and return that revision.

        With `expected_revision` (0 or None for a session never stored), the save happens only if
        the stored revision is still that one; otherwise it raises `PersistenceError` and the
        stored snapshot is left as it is."""
        timeline: list[Any] = list(snapshot.get("timeline") or [])
        head = json.dumps({key: value for key, value in snapshot.items() if key not in ("timeline", "revision")})
        save_id = uuid.uuid4().hex
        async with self._connection("saving", id) as connection, connection.transaction():
            row = None
            for _ in range(2):  # a delete committed between the two statements removes the row: once more
                await connection.execute(_PLACEHOLDER, (id,))
                cursor = await connection.execute(_LOCK_HEAD, (id,))
                row = await cursor.fetchone()
                if row is not None:
                    break
            if row is None:
                raise PersistenceError(
                    f"session store {self.url}: saving session {id!r} failed: its row was deleted while the "
                    "save was locking it (twice); save again"
                )
            stored, stored_save_id, stored_count = int(row[0]), row[1], int(row[2])
            if expected_revision is not None and stored != expected_revision:
                raise PersistenceError(self._conflict(id, stored, expected_revision))
            kept = self._kept(id, stored_save_id, stored_count, timeline)
            if kept == 0 and stored_count:
                await connection.execute("DELETE FROM agentick_entries WHERE session_id = %s", (id,))
            if kept < len(timeline):
                async with (
                    connection.cursor() as copy_cursor,
                    copy_cursor.copy("COPY agentick_entries (session_id, position, entry) FROM STDIN") as copy,
                ):
                    for position in range(kept, len(timeline)):
                        await copy.write_row((id, position, json.dumps(timeline[position])))
            revision = stored + 1
            await connection.execute(_UPDATE_HEAD, (revision, save_id, len(timeline), head, id, stored))
        self._remember(id, _Written(save_id, timeline))
        return revision

    def _kept(self, id: str, stored_save_id: str, stored_count: int, timeline: list[Any]) -> int:
        """How many stored entry rows this save keeps: all of them when they are the ones this
        store wrote or loaded last (same save token) and still a prefix of the timeline, else none."""
        written = self._written.get(id)
        if written is None or written.save_id != stored_save_id or len(written.entries) != stored_count:
            return 0
        if stored_count > len(timeline):
            return 0
        for old, new in zip(written.entries, timeline, strict=False):
            if old is not new and old != new:
                return 0
        return stored_count

    def _remember(self, id: str, written: _Written) -> None:
        self._written[id] = written
        self._written.move_to_end(id)
        while len(self._written) > _REMEMBERED_SESSIONS:
            self._written.popitem(last=False)

    def _conflict(self, id: str, stored: int, expected: int) -> str:
        if stored == 0:
            found = "no snapshot is stored (the session was deleted)"
        elif stored > expected:
            found = f"revision {stored} is stored: a newer one (a save never overwrites a newer revision)"
        else:
            found = f"revision {stored} is stored"
        return (
            f"session store {self.url}: saving session {id!r} refused: it was loaded at revision {expected}, "
            f"but {found}; load the session again"
        )

    async def delete(self, id: str) -> None:
        """Delete the session's head, timeline entries and lease."""
        async with self._connection("deleting", id) as connection, connection.transaction():
            for table in ("agentick_entries", "agentick_sessions", "agentick_leases"):
                await connection.execute(f"DELETE FROM {table} WHERE session_id = %s", (id,))
        self._written.pop(id, None)

    # --- leases ------------------------------------------------------------------------------

    @asynccontextmanager
    async def lease(
        self, id: str, ttl: float | None = None, wait: float | None = None
    ) -> AsyncGenerator[PostgresLease]:
        """Own session `id` for the block: acquired within `wait` seconds (else `SessionBusyError`),
        renewed every ttl/3 by a task of this context manager, released on exit. A lease nobody
        renews expires `ttl` seconds after its last renewal, by the database's clock."""
        ttl = self.lease_ttl if ttl is None else ttl
        wait = self.lease_wait if wait is None else wait
        lease = await self._acquire(id, ttl, wait)
        renewal = asyncio.ensure_future(self._renew(lease, ttl))
        try:
            yield lease
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
            try:
                async with self._connection("releasing the lease of", id) as connection:
                    await connection.execute(_RELEASE, (id, lease.holder))
            except PersistenceError as error:
                logger.warning("%s; it expires %g s after its last renewal", error, ttl)

    async def _acquire(self, id: str, ttl: float, wait: float) -> PostgresLease:
        """Try to take the lease, polling with a growing pause (20 ms up to 0.5 s) until `wait` ends."""
        holder = uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        pause = 0.02
        while True:
            taken = await self._attempt_undone_on_cancel(id, holder, ttl)
            if taken is not None:
                return PostgresLease(id, holder, taken)
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise SessionBusyError(
                    f"session {id!r} is busy: another worker holds its lease; waited {wait:g} s "
                    f"(lease_wait) for it (a lease of a worker that stopped expires after lease_ttl={ttl:g} s)"
                )
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, 0.5)

    async def _attempt_undone_on_cancel(self, id: str, holder: str, ttl: float) -> int | None:
        """One try at the lease: the stored revision if taken, else None. The statement commits
        by itself (autocommit), so a cancel arriving after it ran but before its row is read would
        leave a lease nobody holds, blocking the session for `ttl`: the try runs as its own task,
        and on a cancel a second task waits for it and deletes what it took (by its holder id)."""
        attempt = asyncio.ensure_future(self._attempt(id, holder, ttl))
        try:
            return await asyncio.shield(attempt)
        except asyncio.CancelledError:
            undo = asyncio.ensure_future(self._undo(attempt, id, holder))
            self._undoing.add(undo)
            undo.add_done_callback(self._undoing.discard)
            await asyncio.shield(undo)  # (a second cancel stops the wait, not the undo: aclose waits)
            raise

    async def _attempt(self, id: str, holder: str, ttl: float) -> int | None:
        async with self._connection("taking the lease of", id) as connection:
            cursor = await connection.execute(_ACQUIRE, {"id": id, "holder": holder, "ttl": ttl})
            row = await cursor.fetchone()
        return None if row is None else int(row[0] or 0)

    async def _undo(self, attempt: asyncio.Future[int | None], id: str, holder: str) -> None:
        try:
            taken = await attempt
        except Exception:  # the try failed: it took nothing
            return
        if taken is None:
            return
        try:
            async with self._connection("releasing the lease of", id) as connection:
                await connection.execute(_RELEASE, (id, holder))
        except PersistenceError as error:
            logger.warning("%s; it expires %g s after it was taken", error, self.lease_ttl)

    async def _renew(self, lease: PostgresLease, ttl: float) -> None:
        while True:
            await asyncio.sleep(ttl / 3)
            try:
                async with self._connection("renewing the lease of", lease.session_id) as connection:
                    cursor = await connection.execute(_RENEW, (ttl, lease.session_id, lease.holder))
                    renewed = await cursor.fetchone()
            except PersistenceError as error:
                logger.warning("%s; trying again in %g s", error, ttl / 3)
                continue
            if renewed is None:
                lease.lost = True
                logger.warning(
                    "session store %s: the lease of session %r was lost (it expired and another worker took it)",
                    self.url,
                    lease.session_id,
                )
                if lease.on_lost is not None:
                    lease.on_lost()
                return

    # --- signals -----------------------------------------------------------------------------

    async def signal(self, id: str, payload: dict[str, Any]) -> None:
        """Send `payload` about session `id` to every worker listening (`listen`), this one included."""
        text = json.dumps({**payload, "session": id})
        async with self._connection("signalling", id) as connection:
            await connection.execute("SELECT pg_notify(%s, %s)", (SIGNAL_CHANNEL, text))

    @asynccontextmanager
    async def listen(self, callback: Callable[[str, dict[str, Any]], Any]) -> AsyncGenerator[None]:
        """Call `callback(session_id, payload)` on this loop for each `signal` of any worker while
        the block runs. A dedicated connection LISTENs; it reconnects after a PostgreSQL restart
        (signals sent while it was down are lost). Entered once it listens."""
        listening = asyncio.get_running_loop().create_future()
        task = asyncio.ensure_future(self._listen(callback, listening))
        try:
            await asyncio.shield(listening)
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, callback: Callable[[str, dict[str, Any]], Any], listening: asyncio.Future[None]) -> None:
        pause = 0.1
        while True:
            try:
                connection = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=_LISTEN_CONNECT_TIMEOUT
                )
                async with connection:
                    await connection.execute(f"LISTEN {SIGNAL_CHANNEL}")
                    if not listening.done():
                        listening.set_result(None)
                    pause = 0.1
                    async for notify in connection.notifies():
                        await _deliver(callback, notify.payload)
            except Exception as error:
                if not listening.done():  # the first connection failed: entering `listen` fails
                    listening.set_exception(
                        PersistenceError(
                            f"session store {self.url}: listening for signals failed: {type(error).__name__}: {error}"
                        )
                    )
                    return
                logger.warning(
                    "session store %s: the signal listener lost its connection (%s); reconnecting", self.url, error
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 2.0)


async def _deliver(callback: Callable[[str, dict[str, Any]], Any], text: str) -> None:
    """Hand one signal to the callback; a malformed signal or a failing callback is logged, not fatal."""
    try:
        payload = json.loads(text)
        session_id = payload.pop("session")
        outcome = callback(str(session_id), payload)
        if inspect.isawaitable(outcome):
            await outcome
    except Exception:
        logger.exception("a session signal could not be handled: %r", text[:200])
