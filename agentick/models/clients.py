"""SDK clients per event loop, each closed inside its own loop (API.md §17).

An SDK client pools connections bound to the event loop that opened them, so a model used under
several loops (`run_sync` called repeatedly, one `asyncio.run` per test) needs a client per loop.
Such a client must also be closed *in* its loop: closing it later schedules work on a closed loop
(`RuntimeError: Event loop is closed`), and keeping it keeps the loop, its sockets and its memory
alive (a client refers to its loop through its pool's transports, so even a weak mapping keyed by
the loop never lets go).

A client is closed in its loop at the first of three moments:

- `aclose()`: the client is retired at once (the next request opens a new one) and closed when
  its last request on that loop ends, so closing an app never cuts off a request another app is
  making with the same model;
- the model is garbage collected while the loop runs (a long-running server making a model per
  session): a `weakref.finalize` on the owner schedules the close as a task of each loop that has
  a client, thread-safely, and skips a loop that has ended;
- the loop ends. Each client is paired with a *sentinel*: an async generator started in the
  client's loop and suspended until that loop shuts down. Every anyio backend finalises the async
  generators still alive at the end of a run (`asyncio.run`, `asyncio.Runner` and `anyio.run`
  call `loop.shutdown_asyncgens()`; `trio.run` closes them after its main task), and the
  sentinel's `finally` closes the client there and forgets it, so nothing refers to the loop
  afterwards. A loop you drive yourself must be shut down the same way
  (`loop.run_until_complete(loop.shutdown_asyncgens())` before `loop.close()`), as for any async
  generator.

Nothing here refers to the owner (the model) but the owner itself: the sentinels, the finaliser
and the scheduled tasks hold only the shared table of leases, so a dropped model is collectable.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, TypeVar

import anyio
import anyio.lowlevel

__all__ = ["ClientLease", "LoopClients"]

logger = logging.getLogger("agentick")

C = TypeVar("C")

# The running sentinels. Held here rather than by their owner, so that an owner dropped while its
# loop still runs does not take its sentinel with it (trio warns about, and asyncio defers, an
# async generator collected before it finished); each is removed when its client is closed.
_SENTINELS: set[AsyncGenerator[None, None]] = set()

# The asyncio tasks closing the clients of collected owners, held until done (the loop itself only
# refers to its tasks weakly).
_CLOSING: set[asyncio.Task[None]] = set()

CLOSE_TIMEOUT = 5.0  # seconds: closing a pool only closes sockets; this bounds a misbehaving one


class ClientLease(Generic[C]):
    """One loop's client, with the number of requests using it; see `LoopClients`."""

    __slots__ = ("_close", "_closed", "_sentinel", "active", "client", "retired")

    def __init__(self, client: C, close: Callable[[C], Awaitable[None]]) -> None:
        self.client = client
        self.active = 0
        self.retired = False
        self._close = close
        self._closed = False
        self._sentinel: AsyncGenerator[None, None] | None = None

    async def release(self) -> None:
        """End one request; the last request on a retired client closes it."""
        self.active -= 1
        if self.retired and self.active == 0:
            await self.shutdown()

    async def retire(self) -> None:
        """Close the client now if idle, else when its last request ends."""
        self.retired = True
        if self.active == 0:
            await self.shutdown()

    async def shutdown(self) -> None:
        """End the sentinel and close the client (once).

        The sentinel ends before anything is awaited, so the loop's own finalisation never finds
        it half-closed."""
        sentinel, self._sentinel = self._sentinel, None
        if sentinel is None:
            return
        _SENTINELS.discard(sentinel)
        await sentinel.aclose()  # returns at once: its `finally` sees the lease took over
        await self.close_client()

    async def close_client(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Shielded: trio finalises async generators inside a cancelled scope, an abort may be
        # unwinding the request that releases the client, and a trio system task is cancelled when
        # the main task ends; the sockets must be closed either way.
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
            await self._close(self.client)


# The leases of one owner by loop: shared by the owner, its sentinels and its finaliser, so that
# none of them needs the owner.
Leases = dict[object, ClientLease[C]]


class LoopClients(Generic[C]):
    """A client per running event loop, opened on first use and closed in its loop at the latest
    when the loop shuts down, or when this object is garbage collected, or at `aclose()`."""

    def __init__(self, open: Callable[[], C], close: Callable[[C], Awaitable[None]]) -> None:
        self._open = open
        self._close = close
        self._leases: Leases[C] = {}
        finalizer = weakref.finalize(self, _retire_all, self._leases)
        finalizer.atexit = False  # at exit the loops have ended, and their clients with them

    def __len__(self) -> int:
        """How many loops have an open client (each closes with its loop)."""
        return len(self._leases)

    def get(self) -> C:
        """The client for the running event loop, opened on first use."""
        return self._lease().client

    def acquire(self) -> ClientLease[C]:
        """The running loop's client for one request: `release()` it when the request ends."""
        lease = self._lease()
        lease.active += 1
        return lease

    async def aclose(self) -> None:
        """Close the running loop's client: now if idle, else when its last request ends."""
        lease = self._leases.pop(_current_loop(), None)
        if lease is not None:
            await lease.retire()

    def _lease(self) -> ClientLease[C]:
        loop = _current_loop()
        lease = self._leases.get(loop)
        if lease is None:
            lease = self._leases[loop] = ClientLease(self._open(), self._close)
            _start(_sentinel(self._leases, loop, lease), lease)
        return lease


def _current_loop() -> object:
    """The running event loop (asyncio) or run (its `TrioToken`), as a dictionary key."""
    return anyio.lowlevel.current_token().native_token


async def _sentinel(leases: Leases[C], loop: object, lease: ClientLease[C]) -> AsyncGenerator[None, None]:
    """Suspended for the life of `loop`; closes the client if the loop ends first (see `shutdown`)."""
    try:
        yield
    finally:
        if leases.get(loop) is lease:
            del leases[loop]
        if lease._sentinel is not None:  # the loop is ending, not `lease.shutdown()`
            _SENTINELS.discard(lease._sentinel)
            lease._sentinel = None
            await lease.close_client()


def _start(sentinel: AsyncGenerator[None, None], lease: ClientLease[C]) -> None:
    """Run the sentinel to its `yield`, synchronously, in the running loop.

    Asking for its first item is what registers an async generator with the running loop's
    finaliser (`sys.set_asyncgen_hooks` firstiter); the step to its `yield` awaits nothing, so it
    completes without a trip through the event loop and `client()` can stay synchronous.
    """
    lease._sentinel = sentinel
    _SENTINELS.add(sentinel)
    step = sentinel.asend(None)
    try:
        step.send(None)
    except StopIteration:
        return
    raise RuntimeError("the client sentinel awaited before its first yield")  # pragma: no cover


def _retire_all(leases: Leases[C]) -> None:
    """The owner was collected: retire each of its clients in its own loop.

    Runs wherever the collector ran (any thread, inside or outside a loop), so it only schedules."""
    for loop, lease in list(leases.items()):
        _run_soon(loop, lease.retire)


def _run_soon(loop: object, job: Callable[[], Awaitable[None]]) -> None:
    """Start `job()` as a task of `loop` (an asyncio loop or a `TrioToken`), from any thread;
    nothing if that loop has ended (its sentinels closed its clients)."""
    if isinstance(loop, asyncio.AbstractEventLoop):
        if loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # closed meanwhile
            loop.call_soon_threadsafe(_asyncio_task, loop, job)
        return
    import trio

    assert isinstance(loop, trio.lowlevel.TrioToken)
    with contextlib.suppress(trio.RunFinishedError):
        loop.run_sync_soon(_trio_task, job)


def _asyncio_task(loop: asyncio.AbstractEventLoop, job: Callable[[], Awaitable[None]]) -> None:
    task = loop.create_task(_quietly(job))
    _CLOSING.add(task)
    task.add_done_callback(_CLOSING.discard)


def _trio_task(job: Callable[[], Awaitable[None]]) -> None:
    import trio

    with contextlib.suppress(RuntimeError):  # the run is past its system tasks: it finalises the sentinels
        trio.lowlevel.spawn_system_task(_quietly, job)


async def _quietly(job: Callable[[], Awaitable[None]]) -> None:
    """Run `job()`, logging a failure: nobody awaits these tasks, and a failing trio system task
    would crash the run."""
    try:
        await job()
    except Exception:
        logger.exception("closing the SDK client of a garbage-collected model failed")
