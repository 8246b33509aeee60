"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1, for tests without network.

Mocking the HTTP layer in-process misses what breaks in practice (chunk boundaries, keep-alive,
retries, timeouts, a stream cut mid-way) and is tied to one HTTP library (openai 3.x moved from
httpx to httpx2). This server speaks real HTTP/1.1 with chunked server-sent events on a loopback
port, so the real `openai` client (or any other client) is exercised end to end:

    with FakeOpenAI() as server:
        server.respond_with("Hello!", reply(tool_calls=[tool_call("add", {"a": 1, "b": 2})]))
        model = openai("gpt-4o-mini", api_key="test", base_url=server.base_url)
        ...
        assert server.requests[0].body["temperature"] == 0.2

Each request takes the next scripted response (a `Reply`, an `ErrorReply`, or a string for a text
reply), or the `default` once the script is used up. A reply is streamed when the request asks for
`stream: true` and returned as one JSON completion otherwise. The chunks carry exactly the fields
OpenAI sends (absent fields are omitted, not null), because clients and SDK helpers break on
explicit nulls OpenAI never sends.
"""

from __future__ import annotations

import collections
import contextlib
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

__all__ = [
    "ErrorReply",
    "FakeOpenAI",
    "RecordedRequest",
    "Reply",
    "ToolCallReply",
    "error",
    "fake_openai_fixture",
    "reply",
    "tool_call",
]

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
CREATED = 1_700_000_000
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
}
# A stalled response (a `hold` never released) notices the server closing within this time.
_POLL_SECONDS = 0.02


# --- the script -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolCallReply:
    """One tool call of a reply. `arguments` is the JSON text, or the exact fragments to stream it in."""

    name: str
    arguments: str | tuple[str, ...] = "{}"
    id: str | None = None

    @property
    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else "".join(self.arguments)


def tool_call(
    name: str, arguments: Mapping[str, Any] | str | Sequence[str] = "{}", id: str | None = None
) -> ToolCallReply:
    """A scripted tool call. A mapping is sent as JSON; a list of strings gives the stream's fragments."""
    if isinstance(arguments, Mapping):
        arguments = json.dumps(arguments)
    elif not isinstance(arguments, str):
        arguments = tuple(arguments)
    return ToolCallReply(name=name, arguments=arguments, id=id)


@dataclass(frozen=True)
class Reply:
    """A scripted completion and how to deliver it.

    Text and reasoning are streamed `chunk_size` characters per chunk, as are tool-call arguments
    given as one string. `reasoning` is sent as `reasoning_content` (the DeepSeek/vLLM field; OpenAI
    itself sends none). `usage` is `(prompt_tokens, completion_tokens)`, sent in a final chunk when
    the request asks for it, or `None` for no usage at all. Delivery faults, each after that many
    chunks: `hold_after` waits until `hold` is set; `truncate_after` ends the body cleanly without a
    finish reason or `[DONE]` (a proxy cutting the stream); `drop_after` closes the connection
    mid-body; `malformed_after` sends broken JSON; `error_after` sends an error event, as OpenAI
    does when it fails mid-stream. `delay` waits that many seconds before responding at all.
    """

    text: str = ""
    tool_calls: tuple[ToolCallReply, ...] = ()
    reasoning: str = ""
    finish_reason: str | None = None
    model: str | None = None
    usage: tuple[int, int] | None = (10, 5)
    chunk_size: int = 4
    delay: float = 0.0
    hold: threading.Event | None = None
    hold_after: int = 1
    truncate_after: int | None = None
    drop_after: int | None = None
    malformed_after: int | None = None
    error_after: int | None = None

    @property
    def finish(self) -> str:
        return self.finish_reason or ("tool_calls" if self.tool_calls else "stop")


def reply(text: str = "", *, tool_calls: Sequence[ToolCallReply] = (), **options: Any) -> Reply:
    """A scripted completion: `reply("Hi")`, `reply(tool_calls=[tool_call("add", {...})], usage=(50, 9))`."""
    return Reply(text=text, tool_calls=tuple(tool_calls), **options)


@dataclass(frozen=True)
class ErrorReply:
    """A scripted HTTP error with OpenAI's error body; `headers` may carry `retry-after-ms` and the like."""

    status: int
    message: str
    code: str | None = None
    type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    delay: float = 0.0

    def body(self) -> dict[str, Any]:
        error_type = self.type or _ERROR_TYPES.get(self.status, "server_error")
        return {"error": {"message": self.message, "type": error_type, "param": None, "code": self.code}}


def error(
    status: int,
    message: str | None = None,
    *,
    code: str | None = None,
    type: str | None = None,
    headers: Mapping[str, str] | None = None,
    delay: float = 0.0,
) -> ErrorReply:
    """A scripted HTTP error: `error(401, "Incorrect API key provided", code="invalid_api_key")`."""
    return ErrorReply(
        status=status,
        message=message or f"Fake error {status}",
        code=code,
        type=type,
        headers=dict(headers or {}),
        delay=delay,
    )


Script = Reply | ErrorReply | str


@dataclass(frozen=True)
class RecordedRequest:
    """A request the server received. `headers` keys are lowercase; `body` is the parsed JSON (or `None`)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


# --- the server -------------------------------------------------------------------------------------


class FakeOpenAI:
    """The loopback server. Use it as a context manager, or `start()` and `close()` it.

    `requests` lists every request received, in arrival order. `default` answers requests once the
    script is used up; without one they get an HTTP 400 naming the missing script entry.
    """

    def __init__(self, *responses: Script, model: str = DEFAULT_MODEL, default: Script | None = None) -> None:
        self.model = model
        self.default = default
        self.requests: list[RecordedRequest] = []
        self._script: collections.deque[Script] = collections.deque(responses)
        self._lock = threading.Lock()
        self._http: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The URL to give a client as `base_url` (`http://127.0.0.1:<port>/v1`)."""
        if self._http is None:
            raise RuntimeError("FakeOpenAI is not running: use `with FakeOpenAI() as server:` or call start()")
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def respond_with(self, *responses: Script) -> None:
        """Queue responses, used one per request in order."""
        with self._lock:
            self._script.extend(responses)

    def _next_response(self, number: int) -> Script:
        with self._lock:
            if self._script:
                return self._script.popleft()
        if self.default is not None:
            return self.default
        return error(400, f"FakeOpenAI has no scripted response left for request {number}")

    def _record(self, request: RecordedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return len(self.requests)

    def start(self) -> FakeOpenAI:
        if self._http is None:
            self._http = _Server(self)
            self._thread = threading.Thread(
                target=self._http.serve_forever, args=(_POLL_SECONDS,), name="FakeOpenAI", daemon=True
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

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    """Handler threads are daemons (they never block interpreter exit) and `server_close` joins them."""

    daemon_threads = True
    block_on_close = True

    def __init__(self, fake: FakeOpenAI) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # every chunk leaves at once, as from a real server
    timeout = 30  # an idle kept-alive connection is closed eventually even if nobody closes the server
    server: _Server  # pyright: ignore[reportIncompatibleVariableOverride]  # the server this handler is made by

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
        fake = self.server.fake
        number = fake._record(
            RecordedRequest(
                method="POST",
                path=self.path,
                headers={key.lower(): value for key, value in self.headers.items()},
                body=body,
            )
        )
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, error(404, f"Invalid URL (POST {self.path})").body())
            return
        response = fake._next_response(number)
        try:
            request: dict[str, Any] = cast("dict[str, Any]", body) if isinstance(body, dict) else {}
            self._respond(response, request, number)
        except (_Abort, OSError):
            self.close_connection = True

    def do_GET(self) -> None:
        headers = {key.lower(): value for key, value in self.headers.items()}
        self.server.fake._record(RecordedRequest("GET", self.path, headers, None))
        self._send_json(404, error(404, f"Invalid URL (GET {self.path})").body())

    def _respond(self, response: Script, request: dict[str, Any], number: int) -> None:
        if isinstance(response, str):
            response = Reply(text=response)
        self._wait(response.delay)
        if isinstance(response, ErrorReply):
            self._send_json(response.status, response.body(), response.headers)
        elif request.get("stream"):
            options: dict[str, Any] = request.get("stream_options") or {}
            include_usage = bool(options.get("include_usage"))
            self._stream(response, number, include_usage)
        else:
            self._send_json(200, _completion(response, self.server.fake.model, number))

    def _wait(self, seconds: float) -> None:
        if seconds and self.server.closing.wait(seconds):
            raise _Abort

    def _send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", "req_fake")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    # --- streaming ------------------------------------------------------------------------------

    def _stream(self, response: Reply, number: int, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.send_header("x-request-id", "req_fake")
        self.end_headers()
        events = _events(response, self.server.fake.model, number, include_usage)
        for sent, event in enumerate(events):
            if sent == response.truncate_after:
                break
            if sent == response.drop_after:
                self.connection.shutdown(socket.SHUT_RDWR)  # no final chunk: an incomplete HTTP body
                raise _Abort
            if sent == response.malformed_after:
                self._write_event(b'{"id": "chatcmpl-broken", "choices": [')
            if sent == response.error_after:
                message = "The server had an error while processing your request. Sorry about that!"
                self._write_event(json.dumps(error(500, message).body()).encode())
                break
            if response.hold is not None and sent == response.hold_after:
                while not response.hold.wait(_POLL_SECONDS):
                    if self.server.closing.is_set():
                        raise _Abort
            self._write_event(event)
        self.wfile.write(b"0\r\n\r\n")

    def _write_event(self, data: bytes) -> None:
        payload = b"data: " + data + b"\n\n"
        self.wfile.write(b"%x\r\n%b\r\n" % (len(payload), payload))


# --- payloads ---------------------------------------------------------------------------------------


def _pieces(text: str, size: int) -> Iterator[str]:
    for start in range(0, len(text), max(size, 1)):
        yield text[start : start + max(size, 1)]


def _usage(response: Reply) -> dict[str, Any] | None:
    if response.usage is None:
        return None
    prompt, completion = response.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _call_id(call: ToolCallReply, number: int, index: int) -> str:
    return call.id or f"call_{number}_{index}"


def _events(response: Reply, default_model: str, number: int, include_usage: bool) -> Iterator[bytes]:
    """The `data:` payloads of a streamed reply, in OpenAI's order, ending with `[DONE]`."""
    head: dict[str, Any] = {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": response.model or default_model,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        payload = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        if include_usage:
            payload["usage"] = None
        return json.dumps(payload).encode()

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in _pieces(response.reasoning, response.chunk_size):
        yield chunk({"reasoning_content": piece})
    for piece in _pieces(response.text, response.chunk_size):
        yield chunk({"content": piece})
    for index, call in enumerate(response.tool_calls):
        first = {"index": index, "id": _call_id(call, number, index), "type": "function"}
        yield chunk({"tool_calls": [{**first, "function": {"name": call.name, "arguments": ""}}]})
        fragments = (
            call.arguments if isinstance(call.arguments, tuple) else _pieces(call.arguments, response.chunk_size)
        )
        for fragment in fragments:
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
    yield chunk({}, response.finish)
    usage = _usage(response)
    if include_usage and usage is not None:
        yield json.dumps({**head, "choices": [], "usage": usage}).encode()
    yield b"[DONE]"


def _completion(response: Reply, default_model: str, number: int) -> dict[str, Any]:
    """A non-streamed `chat.completion` object for the reply."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": response.text or None,
        "refusal": None,
        "annotations": [],
    }
    if response.reasoning:
        message["reasoning_content"] = response.reasoning
    if response.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(call, number, index),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_text},
            }
            for index, call in enumerate(response.tool_calls)
        ]
    payload: dict[str, Any] = {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": response.model or default_model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": response.finish}],
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    usage = _usage(response)
    if usage is not None:
        payload["usage"] = usage
    return payload


# --- pytest -----------------------------------------------------------------------------------------


def fake_openai_fixture(name: str = "fake_openai", **options: Any) -> Callable[..., Iterator[FakeOpenAI]]:
    """A pytest fixture serving a fresh `FakeOpenAI` per test: `fake_openai = fake_openai_fixture()` in conftest.py.

    `options` go to `FakeOpenAI` (`model=`, `default=`).
    """
    import pytest

    def serve() -> Iterator[FakeOpenAI]:
        with FakeOpenAI(**options) as server:
            yield server

    return pytest.fixture(name=name)(serve)
