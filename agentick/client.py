"""A Python client of an agentick server (`agentick serve`, `agentick.serve.asgi_app`; API.md §16).

    async with Client("http://127.0.0.1:8000", token=...) as client:
        session_id = await client.session()
        execution = client.send(session_id, "Hello!")
        async for event in execution:      # the execution's events, as dicts (each event's JSON)
            ...
        result = await execution.result    # the SendResult

Error answers become agentick errors carrying the server's error type and message: `AbortError`
and `SessionBusyError` (409), `ModelError` (502, the provider's class when it is one of
agentick's), `UnauthorizedError` (401), `UnknownSessionError` (404), else `ServerError`. A
server that cannot be reached, or a connection that breaks mid-answer, raises
`ServerConnectionError` (an `AgentickError` and a `ConnectionError`; `__cause__` is the HTTP
client's error), from the call or from the events and `result` of an execution alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterable
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import quote

import anyio
import httpx2

from . import errors
from .engine.results import SendResult
from .errors import AbortError, AgentickError, ModelError, SessionBusyError

__all__ = [
    "Client",
    "RemoteExecution",
    "ServerConnectionError",
    "ServerError",
    "UnauthorizedError",
    "UnknownSessionError",
]

TOKEN_ENVIRONMENT_VARIABLE = "AGENTICK_TOKEN"


class ServerError(AgentickError):
    """An error answer of the server: `status_code`, and its error `type` and `message`."""

    def __init__(self, message: str, *, status_code: int, type: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.type = type
        self.message = message


class ServerConnectionError(AgentickError, ConnectionError):
    """The server could not be reached, or the connection broke before its answer was complete
    (the HTTP client's error is the `__cause__`). An execution may have run, or still run, on the
    server: read the session (`Client.get`) to see what was saved."""


class UnauthorizedError(ServerError):
    """401: the server wants a (different) bearer token."""


class UnknownSessionError(ServerError):
    """404: no such session on the server (never created, or deleted)."""


class Client:
    """A client of the server at `base_url`. `token` (default: `AGENTICK_TOKEN`) is sent as
    `Authorization: Bearer <token>`. An async context manager; or call `aclose()`."""

    def __init__(self, base_url: str, token: str | None = None, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        token = token or os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        # No read timeout: an execution's answer (or its next event) comes when the model is done.
        self._http = httpx2.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=httpx2.Timeout(timeout, read=None)
        )

    async def session(self, id: str | None = None) -> str:
        """A new session's id (`id=None`), or `id` once the server confirmed it exists."""
        if id is None:
            created: dict[str, Any] = await self._call("POST", "/sessions")
            return str(created["id"])
        await self.get(id)
        return id

    async def get(self, session_id: str) -> dict[str, Any]:
        """The session's `status`, `timeline`, `usage` (and `revision`), as saved last."""
        state: dict[str, Any] = await self._call("GET", _session_path(session_id))
        return state

    async def delete(self, session_id: str) -> None:
        await self._call("DELETE", _session_path(session_id))

    def send(
        self, session_id: str, text: str | None = None, *, messages: Iterable[dict[str, Any]] | None = None
    ) -> RemoteExecution:
        """Send `text` (one user message) or `messages` and run the agent. Nothing is sent before
        the returned execution is iterated (its events) or its `result` awaited."""
        if (text is None) == (messages is None):
            raise TypeError("send() takes exactly one of text or messages=")
        body: dict[str, Any] = {"text": text} if text is not None else {"messages": list(messages or ())}
        return RemoteExecution(self, session_id, body)

    async def abort(self, session_id: str, reason: str | None = None) -> str:
        """Abort the session's running execution: `"aborted"`, or `"signalled"` when another worker runs it."""
        outcome: dict[str, Any] = await self._call("POST", _session_path(session_id, "abort"), {"reason": reason})
        return str(outcome["status"])

    async def submit_tool_result(
        self, session_id: str, call_id: str, approved: bool = True, reason: str | None = None
    ) -> str:
        """Answer a `tool_confirmation_required` event: `"delivered"`, or `"signalled"` (another worker)."""
        body = {"call_id": call_id, "approved": approved, "reason": reason}
        outcome: dict[str, Any] = await self._call("POST", _session_path(session_id, "tool-results"), body)
        return str(outcome["status"])

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = await self._http.request(method, path, json=body)
        except httpx2.HTTPError as error:
            raise self.connection_error(f"{method} {path}", error) from error
        if response.status_code >= 400:
            raise self.error(response.status_code, response.content)
        return response.json() if response.content else None

    def connection_error(self, request: str, error: Exception) -> ServerConnectionError:
        """The error for a request to the server that failed in transport (`error`, kept as cause)."""
        return ServerConnectionError(
            f"{request} to {self.base_url} failed: {type(error).__name__}: {error or 'connection failed'}"
        )

    def error(self, status: int, content: bytes) -> AgentickError:
        """The agentick error for an error answer of the server."""
        try:
            detail = json.loads(content)["error"]
            error_type, message = str(detail["type"]), str(detail["message"])
        except (ValueError, KeyError, TypeError):
            error_type, message = f"HTTP {status}", content.decode(errors="replace")[:500]
        if status == 401:
            return UnauthorizedError(
                f"{self.base_url} refused the request: it needs its bearer token (Client(..., token=...), "
                f"agentick run --token, or the {TOKEN_ENVIRONMENT_VARIABLE} environment variable)",
                status_code=status,
                type=error_type,
            )
        if status == 404 and error_type == "UnknownSession":
            return UnknownSessionError(message, status_code=status, type=error_type)
        return _error_of(error_type, message, status)


class RemoteExecution:
    """One send to the server: `async for event in execution` streams its events (dicts, each
    an event's JSON, the last one `execution_end`), once; `await execution.result` gives the
    `SendResult` (reading the remaining events first) or raises the execution's error."""

    def __init__(self, client: Client, session_id: str, body: dict[str, Any]) -> None:
        self.client = client
        self.session_id = session_id
        self._body = body
        self._started = False
        self._done = anyio.Event()
        self._result: SendResult | None = None
        self._error: AgentickError | None = None

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        if self._started:
            raise RuntimeError("the events of a send can be read once (await .result for its outcome)")
        self._started = True
        path = _session_path(self.session_id, "messages")
        try:
            async with self.client._http.stream(
                "POST",
                path,
                json=self._body,
                headers={"Accept": "text/event-stream"},
            ) as response:
                if response.status_code != 200:
                    raise self.client.error(response.status_code, await response.aread())
                async for event in _events(response.aiter_lines()):
                    self._see(event)
                    yield event
        except AgentickError as error:
            self._error = error
            raise
        except httpx2.HTTPError as error:  # the server went away, mid-stream too
            self._error = self.client.connection_error(f"POST {path}", error)
            self._error.__cause__ = error
            raise self._error from error
        finally:
            self._done.set()

    def _see(self, event: dict[str, Any]) -> None:
        if event.get("type") == "result":
            self._result = SendResult.model_validate(event["result"])
        elif event.get("type") == "execution_end":
            if event.get("status") == "aborted":
                self._error = AbortError(f"the execution in session {self.session_id!r} was aborted")
            elif event.get("status") == "error":
                error_type, _, message = str(event.get("error") or "").partition(": ")
                self._error = _error_of(error_type, message, 200)

    @property
    async def result(self) -> SendResult:
        if not self._started:
            async for _ in self:
                pass
        await self._done.wait()
        if self._error is not None:
            raise self._error
        if self._result is None:
            raise ServerError(
                f"the event stream of session {self.session_id!r} ended without a result", status_code=200, type=""
            )
        return self._result


def _session_path(session_id: str, *rest: str) -> str:
    """`/sessions/<id>[/rest]` with the id quoted (it is the caller's string: no `/` or `?` in it
    changes which path is asked)."""
    return "/".join(("/sessions", quote(session_id, safe=""), *rest))


async def _events(lines: AsyncIterator[str]) -> AsyncIterator[dict[str, Any]]:
    """The JSON of each server-sent event's `data:` (multi-line data joined with newlines)."""
    data: list[str] = []
    async for line in lines:
        if line == "":
            if data:
                yield cast("dict[str, Any]", json.loads("\n".join(data)))
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield cast("dict[str, Any]", json.loads("\n".join(data)))


def _error_of(error_type: str, message: str, status: int) -> AgentickError:
    """The agentick error the server's error `type` names, when it is one of agentick's own that
    takes a message alone (aborts, busy sessions, model errors); else a `ServerError`."""
    if error_type == "AbortError":
        return AbortError(message)
    if error_type == "SessionBusyError":
        return SessionBusyError(message)
    named = getattr(errors, error_type, None)
    if isinstance(named, type) and issubclass(named, ModelError):
        return named(message)
    if status == 502:
        return ModelError(f"{error_type}: {message}")
    return ServerError(message, status_code=status, type=error_type)
