"""The machinery every loopback fake provider shares: a threaded HTTP/1.1 server on 127.0.0.1.

Mocking the HTTP layer in-process misses what breaks in practice (chunk boundaries, keep-alive,
retries, timeouts, a stream cut mid-way) and is tied to one HTTP library. A fake built on
`LoopbackServer` speaks real HTTP with chunked server-sent events, so the provider's real SDK is
exercised end to end. A subclass says which paths it serves and renders a `Reply` or `ErrorReply`
(`agentick.testing.script`) in its provider's wire format; this module scripts, records, delivers
(with the script's faults applied the same way for every provider) and closes.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self

from .script import ErrorReply, RecordedRequest, Reply, Script, error

__all__ = ["LoopbackHandler", "LoopbackServer", "loopback_fixture", "pieces"]

# A stalled response (a `hold` never released) notices the server closing within this time.
_POLL_SECONDS = 0.02


class LoopbackServer:
    """A scripted fake provider. Use it as a context manager, or `start()` and `close()` it.

    Each model request takes the next scripted response (a `Reply`, an `ErrorReply`, or a string
    for a text reply), or the `default` once the script is used up; without one it gets an HTTP 400
    naming the missing script entry. `requests` lists every request received, in arrival order.

    Subclasses set `name` and `url_prefix` and implement `is_model_request`, `respond`,
    `error_body` and the three stream-fault payloads.
    """

    name: ClassVar[str] = "LoopbackServer"
    url_prefix: ClassVar[str] = ""  # what `base_url` ends with, e.g. "/v1"

    def __init__(self, *responses: Script, model: str, default: Script | None = None) -> None:
        self.model = model
        self.default = default
        self.requests: list[RecordedRequest] = []
        self._script: collections.deque[Script] = collections.deque(responses)
        self._lock = threading.Lock()
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- what a provider's fake defines ---------------------------------------------------------

    def is_model_request(self, method: str, path: str) -> bool:
        """Whether `path` is the provider's model endpoint (others get the provider's 404)."""
        raise NotImplementedError

    def respond(self, handler: LoopbackHandler, response: Reply, request: RecordedRequest, number: int) -> None:
        """Deliver `response` to the model request `request` (the `number`th request received)."""
        raise NotImplementedError

    def error_body(self, response: ErrorReply) -> Any:
        """The provider's JSON body for an HTTP error."""
        raise NotImplementedError

    # --- scripting ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The URL to give a client as `base_url` (`http://127.0.0.1:<port><url_prefix>`)."""
        if self._http is None:
            raise RuntimeError(f"{self.name} is not running: use `with {self.name}() as server:` or call start()")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}{self.url_prefix}"

    def respond_with(self, *responses: Script) -> None:
        """Queue responses, used one per request in order."""
        with self._lock:
            self._script.extend(responses)

    def next_response(self, number: int) -> Script:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.default is not None:
            return self.default
        return error(400, f"{self.name} has no scripted response left for request {number}")

    def record(self, request: RecordedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return len(self.requests)

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> Self:
        if self._http is None:
            self._http = _Server(self)
            self._thread = threading.Thread(
                target=self._http.serve_forever, args=(_POLL_SECONDS,), name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: interrupt delays and holds, drop open connections, join every thread."""
        http, thread = self._http, self._thread
        if http is None or thread is None:
            return
        self._http = self._thread = None
        http.closing.set()
        http.shutdown()
        thread.join()
        http.drop_connections()
        http.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    """Handler threads are daemons (they never block interpreter exit) and `server_close` joins them."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, fake: LoopbackServer) -> None:
        super().__init__(("127.0.0.1", 0), LoopbackHandler)
        self.fake = fake
        self.closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            if self.closing.is_set():  # accepted just as the server closed: end it like the others
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            else:
                self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def drop_connections(self) -> None:
        """Shut kept-alive and in-flight connections down, so their handler threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is normal; anything else is a bug worth a traceback."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Abort(Exception):
    """The response cannot continue (the server is closing or the client went away)."""


class LoopbackHandler(BaseHTTPRequestHandler):
    """One connection. Fakes call `send_json`, `start_stream`, `stream` and `write_chunk` from `respond`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # every chunk leaves at once, as from a real server
    timeout = 30  # an idle kept-alive connection is closed eventually even if nobody closes the server
    server: _Server  # pyright: ignore[reportIncompatibleVariableOverride]  # always our _Server: it makes the handlers

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests read `server.requests` instead of a log."""

    # --- requests -------------------------------------------------------------------------------

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self._handle("POST", body)

    def do_GET(self) -> None:
        self._handle("GET", None)

    def _handle(self, method: str, body: Any) -> None:
        fake = self.server.fake
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = RecordedRequest(method=method, path=self.path, headers=headers, body=body)
        number = fake.record(request)
        if not fake.is_model_request(method, self.path):
            not_found = error(404, f"Invalid URL ({method} {self.path})")
            self.send_json(404, fake.error_body(not_found))
            return
        response = fake.next_response(number)
        if isinstance(response, str):
            response = Reply(text=response)
        try:
            self._wait(response.delay)
            if isinstance(response, ErrorReply):
                self.send_json(response.status, fake.error_body(response), response.headers)
            else:
                fake.respond(self, response, request, number)
        except (_Abort, OSError):
            self.close_connection = True

    def _wait(self, seconds: float) -> None:
        if seconds and self.server.closing.wait(seconds):
            raise _Abort

    # --- responses ------------------------------------------------------------------------------

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", "req_fake")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def stream(
        self,
        response: Reply,
        events: Iterable[bytes],
        *,
        malformed: bytes,
        error_event: Callable[[], bytes],
        content_type: str = "text/event-stream; charset=utf-8",
    ) -> None:
        """Send `events` (each one complete, framed SSE event) as a chunked body, applying the reply's faults.

        `malformed` is the broken event `malformed_after` sends; `error_event()` builds the
        provider's in-stream error event for `error_after`.
        """
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.send_header("x-request-id", "req_fake")
        self.end_headers()
        for sent, event in enumerate(events):
            if sent == response.truncate_after:
                break
            if sent == response.drop_after:
                self.connection.shutdown(socket.SHUT_RDWR)  # no final chunk: an incomplete HTTP body
                raise _Abort
            if sent == response.malformed_after:
                self.write_chunk(malformed)
            if sent == response.error_after:
                self.write_chunk(error_event())
                break
            if response.hold is not None and sent == response.hold_after:
                while not response.hold.wait(_POLL_SECONDS):
                    if self.server.closing.is_set():
                        raise _Abort
            self.write_chunk(event)
        self.wfile.write(b"0\r\n\r\n")

    def write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))


def pieces(text: str, size: int) -> Iterator[str]:
    """`text` in pieces of `size` characters (the unit a fake streams text in)."""
    for start in range(0, len(text), max(size, 1)):
        yield text[start : start + max(size, 1)]


def loopback_fixture(factory: Callable[..., LoopbackServer], name: str, **options: Any) -> Any:
    """A pytest fixture serving a fresh fake from `factory(**options)` per test."""
    import pytest

    def serve() -> Iterator[LoopbackServer]:
        with factory(**options) as server:
            yield server

    return pytest.fixture(name=name)(serve)
