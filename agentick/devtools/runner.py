"""Running the DevTools server with uvicorn: in a background thread of an app's process
(`create_app(..., devtools=True)`), or in the foreground (`agentick devtools`). Needs the `serve` extra.

The socket is bound before uvicorn starts, so the URL (and a free port, for port 0) is known at
once. In a thread the server has an event loop of its own: it outlives the caller's loops, so an
app used from several `asyncio.run` calls or `run_sync` keeps one server. Stopping ends the open
event streams first (they would hold uvicorn's graceful shutdown forever), then lets uvicorn close
its connections and the socket.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
from types import FrameType

from ..extras import require

require("uvicorn", extra="serve", feature="agentick DevTools (the DevTools server)")

import uvicorn  # noqa: E402

from .bridge import LOOPBACK_HOSTS  # noqa: E402
from .records import RecordLog  # noqa: E402
from .server import create_server_app, new_token  # noqa: E402

__all__ = ["DevToolsServer"]

LOOPBACK = "127.0.0.1"
STOP_TIMEOUT = 10.0  # seconds `stop()` waits for the server thread


class DevToolsServer:
    """A DevTools server over `log` (a new one by default), listening on `host`:`port` (0: a free port);
    `host` is 127.0.0.1, localhost or ::1 (ValueError otherwise).

    `url` is the page's address with its token. Use `start()`/`stop()` for a background thread,
    or `run()` to serve in the calling thread until interrupted.
    """

    def __init__(
        self, log: RecordLog | None = None, *, host: str = LOOPBACK, port: int = 0, token: str | None = None
    ) -> None:
        # The server answers only requests for a loopback host (server.py), so it listens on one:
        # on any other address it would print a URL that always gets 403.
        if host not in LOOPBACK_HOSTS:
            raise ValueError(
                f"DevTools listens only on a loopback address (127.0.0.1, localhost or ::1), not {host!r}: "
                "its records hold prompts and tool results, and it answers only requests for those hosts"
            )
        self.log = log if log is not None else RecordLog()
        self.token = token or new_token()
        family = socket.AF_INET6 if host == "::1" else socket.AF_INET
        self._socket = socket.create_server((host, port), family=family)
        bound_host, bound_port = self._socket.getsockname()[:2]
        self.port: int = bound_port
        shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
        self.url = f"http://{shown}:{bound_port}/?token={self.token}"
        stopping = asyncio.Event()  # bound to the server's loop when first awaited there
        config = uvicorn.Config(
            create_server_app(self.log, self.token, stopping),
            log_config=None,  # never reconfigure the application's logging
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=2,
        )
        self._server = _Uvicorn(config, stopping)
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # --- in a background thread ------------------------------------------------------------------

    def start(self) -> DevToolsServer:
        """Serve from a daemon thread; returns once the server accepts requests."""
        if self._thread is not None:
            raise RuntimeError("this DevTools server was started already")
        self._thread = threading.Thread(
            target=self._serve_in_thread, name=f"agentick-devtools-server-{self.port}", daemon=True
        )
        self._thread.start()
        self._server.ready.wait()
        if self._error is not None:
            self._thread.join()
            raise RuntimeError(f"the DevTools server on port {self.port} failed to start") from self._error
        return self

    def _serve_in_thread(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as error:
            self._error = error
        finally:
            self._server.ready.set()  # a failed startup must not leave start() waiting
            self._socket.close()

    def stop(self) -> None:
        """Stop serving (open pages lose their stream), close the socket and join the thread. Idempotent."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT)
            if self._thread.is_alive():
                raise RuntimeError(f"the DevTools server thread on port {self.port} did not stop in {STOP_TIMEOUT}s")
        self._socket.close()

    # --- in the foreground ----------------------------------------------------------------------

    def run(self) -> None:
        """Serve in the calling (main) thread until SIGINT or SIGTERM, then close and return.

        uvicorn handles both signals while it serves and raises them again once it has shut down;
        here either one then ends `run()` normally."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self._socket.close()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class _Uvicorn(uvicorn.Server):
    """uvicorn's server, telling other threads when it accepts requests and ending the open event
    streams before its graceful shutdown waits for their connections."""

    def __init__(self, config: uvicorn.Config, stopping: asyncio.Event) -> None:
        super().__init__(config)
        self.ready = threading.Event()
        self.stopping = stopping

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.stopping.set()
        await super().shutdown(sockets=sockets)
