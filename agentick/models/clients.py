"""SDK clients per event loop, each closed inside its own loop when that loop ends (API.md §17).

An SDK client pools connections bound to the event loop that opened them, so a model used under
several loops (`run_sync` called repeatedly, one `asyncio.run` per test) needs a client per loop.
Such a client must also be closed *in* its loop: closing it later schedules work on a closed loop
(`RuntimeError: Event loop is closed`), and keeping it keeps the loop, its sockets and its memory
alive (a client refers to its loop through its pool's transports, so even a weak mapping keyed by
the loop never lets go).

So each client is paired with a *sentinel*: an async generator started in the client's loop and
kept alive until that loop shuts down. Every anyio backend finalises the async generators still
alive at the end of a run (`asyncio.run`, `asyncio.Runner` and `anyio.run` call
`loop.shutdown_asyncgens()`; `trio.run` closes them after its main task), and the sentinel's
`finally` closes the client there and forgets it, so nothing refers to the loop afterwards. A loop
you drive yourself must be shut down the same way (`loop.run_until_complete(loop.shutdown_asyncgens())`
before `loop.close()`), as for any async generator.

Closing a model's clients explicitly (`aclose()`) waits for the requests still using the client on
that loop: the client is retired at once (the next request opens a new one) and closed when its
last request ends, so closing an app never cuts off a request another app is making with the
same model.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Generic, TypeVar

import anyio
import anyio.lowlevel

__all__ = ["ClientLease", "LoopClients"]

C = TypeVar("C")

# The running sentinels. Held here rather than by their model, so that a model dropped while its
# loop still runs does not take its sentinel with it (trio warns about, and asyncio defers, an
# async generator collected before it finished); each removes itself when it closes its client.
_SENTINELS: set[AsyncGenerator[None, None]] = set()

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

    async def shutdown(self) -> None:
        """End the sentinel now, which closes the client (once)."""
        sentinel, self._sentinel = self._sentinel, None
        if sentinel is not None:
            _SENTINELS.discard(sentinel)
            await sentinel.aclose()

    async def close_client(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Shielded: trio finalises async generators inside a cancelled scope, and an abort may be
        # unwinding the request that releases the client; the sockets must be closed either way.
        with anyio.CancelScope(shield=True), anyio.move_on_after(CLOSE_TIMEOUT):
            await self._close(self.client)


class LoopClients(Generic[C]):
    """A client per running event loop, opened on first use and closed in its loop at the latest
    when the loop shuts down (or at `aclose()`)."""

    def __init__(self, open: Callable[[], C], close: Callable[[C], Awaitable[None]]) -> None:
        self._open = open
        self._close = close
        self._leases: dict[object, ClientLease[C]] = {}

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
        if lease is None:
            return
        lease.retired = True
        if lease.active == 0:
            await lease.shutdown()

    def _lease(self) -> ClientLease[C]:
        loop = _current_loop()
        lease = self._leases.get(loop)
        if lease is None:
            lease = self._leases[loop] = ClientLease(self._open(), self._close)
            _start(_sentinel(self, loop, lease), lease)
        return lease

    def _forget(self, loop: object, lease: ClientLease[C]) -> None:
        if self._leases.get(loop) is lease:
            del self._leases[loop]


def _current_loop() -> object:
    """The running event loop (asyncio) or run (trio), as a dictionary key."""
    return anyio.lowlevel.current_token().native_token


async def _sentinel(owner: LoopClients[C], loop: object, lease: ClientLease[C]) -> AsyncGenerator[None, None]:
    """Suspended for the life of `loop` (or until `lease.shutdown()`); then closes the client."""
    try:
        yield
    finally:
        owner._forget(loop, lease)
        if lease._sentinel is not None:
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
