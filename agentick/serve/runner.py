"""Running an ASGI application with uvicorn for `agentick serve`: in this process, or in
`workers` processes sharing one listening socket (uvicorn's multi-process mode, where each worker
builds its own app from an import string; see `worker.py`).

The socket is bound before serving, so the URL printed first is the real one (port 0: a free
port). SIGINT and SIGTERM stop the server (open connections get a graceful shutdown) and return.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from types import FrameType

from ..extras import require

require("uvicorn", extra="serve", feature="agentick serve")

import uvicorn  # noqa: E402
from starlette.types import ASGIApp  # noqa: E402
from uvicorn.supervisors import Multiprocess  # noqa: E402

__all__ = ["LOOPBACK_HOSTS", "serve", "url_of"]

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
GRACEFUL_SHUTDOWN = 10  # seconds open requests get to finish once a stop was asked for


def serve(application: ASGIApp | str, *, host: str, port: int, workers: int = 1) -> None:
    """Serve `application` (an import string of a factory when `workers` > 1) until SIGINT/SIGTERM,
    printing the URL first on stdout."""
    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        workers=workers,
        factory=isinstance(application, str),
        lifespan="on",
        log_config=None,  # the application's logging stays as it is
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    listening = config.bind_socket()
    listening.listen(config.backlog)  # connections made once the URL is out wait for the server, not fail
    try:
        print(url_of(listening), flush=True)
        if workers > 1:
            Multiprocess(config, sockets=[listening]).run()
        else:
            _serve_here(uvicorn.Server(config), listening)
    finally:
        listening.close()


def _serve_here(server: uvicorn.Server, listening: socket.socket) -> None:
    """uvicorn handles SIGINT and SIGTERM while it serves and raises them again once it has shut
    down; SIGTERM then raises KeyboardInterrupt like SIGINT, and either one ends the call."""
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        asyncio.run(server.serve(sockets=[listening]))
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def url_of(listening: socket.socket) -> str:
    host, port = listening.getsockname()[:2]
    shown = f"[{host}]" if listening.family == socket.AF_INET6 else host
    return f"http://{shown}:{port}"
