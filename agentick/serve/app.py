"""The HTTP API of an app (API.md §16) as a Starlette application: `asgi_app(app, token)`.

Sessions are made by the server (`POST /sessions`), one `Session` object per id in a process
(`app.session(id)`). A session running in this process is read and steered through its objects;
otherwise reads go to the store (its latest save, whichever worker made it) and abort and tool
results go to the worker that runs it through the store's `signal`, when the store has one (a
store with `signal`/`listen`, like PostgreSQL's, lets any worker answer any request).
"""

from __future__ import annotations

import contextlib
import hmac
import math
import os
import re
from collections import Counter, OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, TypeVar

import anyio
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..engine.app import App
from ..engine.events import StreamEvent
from ..engine.handle import ExecutionHandle
from ..engine.results import ExecutionUsage
from ..engine.session import Session
from ..errors import AbortError, ModelError, SessionBusyError, SessionClosedError
from ..stores.protocol import is_stored
from .bodies import AbortBody, SendBody, ToolResultBody, TrustedSendBody
from .openapi import openapi_document

__all__ = [
    "KEEP_ALIVE_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_OPEN_SESSIONS",
    "SESSION_ID",
    "TOKEN_ENVIRONMENT_VARIABLE",
    "asgi_app",
    "build",
]

MAX_BODY_BYTES = 1024 * 1024  # larger request bodies get 413
TOKEN_ENVIRONMENT_VARIABLE = "AGENTICK_TOKEN"
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")  # ids in paths (the server makes `session_<hex>`)
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}  # no proxy buffering of the stream
MAX_OPEN_SESSIONS = 1000  # idle sessions a server keeps open on a store (the least recently used are closed)
KEEP_ALIVE_SECONDS = 15.0  # a `: keep-alive` comment on an event stream after this long without an event

BodyT = TypeVar("BodyT", bound=BaseModel)


def asgi_app(
    app: App,
    token: str | None = None,
    *,
    trusted_roles: bool = False,
    max_open_sessions: int = MAX_OPEN_SESSIONS,
    keep_alive: float = KEEP_ALIVE_SECONDS,
) -> Starlette:
    """The HTTP API of `app` as an ASGI application (run it with uvicorn or any ASGI server).

    `token` (default: the `AGENTICK_TOKEN` environment variable) is required of every request as
    `Authorization: Bearer <token>`. `trusted_roles=True` accepts system and tool messages (and
    tool calls, tool results and reasoning in messages) from clients: only user and assistant
    text and media otherwise. On a store, at most `max_open_sessions` idle sessions stay open in
    this process: the least recently used one beyond it is closed, and loads from the store on its
    next request (without a store sessions live only in memory and are never closed). An event
    stream gets a `: keep-alive` comment every `keep_alive` seconds without an event, so proxies
    keep it open. The app stays yours: close it after serving."""
    return build(
        app,
        token,
        trusted_roles=trusted_roles,
        close_app=False,
        max_open_sessions=max_open_sessions,
        keep_alive=keep_alive,
    )


def build(
    app: App,
    token: str | None,
    *,
    trusted_roles: bool,
    close_app: bool,
    max_open_sessions: int = MAX_OPEN_SESSIONS,
    keep_alive: float = KEEP_ALIVE_SECONDS,
) -> Starlette:
    """`asgi_app`, closing `app` when the server shuts down if `close_app` (`agentick serve`)."""
    if not isinstance(app, App):
        raise TypeError(f"asgi_app() takes an agentick App (create_app(...)), not {type(app).__name__}")
    if max_open_sessions < 1:
        raise ValueError(f"asgi_app(): max_open_sessions must be at least 1, not {max_open_sessions}")
    if keep_alive <= 0:
        raise ValueError(f"asgi_app(): keep_alive must be a positive number of seconds, not {keep_alive}")
    token = token or os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
    api = _Api(
        app, TrustedSendBody if trusted_roles else SendBody, max_open_sessions=max_open_sessions, keep_alive=keep_alive
    )
    document = openapi_document(
        trusted_roles=trusted_roles, secured=token is not None, title=getattr(app.component, "__name__", "app")
    )

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    routes = [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/sessions", api.create, methods=["POST"]),
        Route("/sessions/{id}", api.get, methods=["GET"]),
        Route("/sessions/{id}", api.delete, methods=["DELETE"]),
        Route("/sessions/{id}/messages", api.send, methods=["POST"]),
        Route("/sessions/{id}/abort", api.abort, methods=["POST"]),
        Route("/sessions/{id}/tool-results", api.tool_result, methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(_BearerAuth, token=token)] if token is not None else [],
        exception_handlers={
            _Failure: _failure_response,
            HTTPException: _http_error_response,
            Exception: _unexpected_response,
        },
        lifespan=api.lifespan(close_app),
    )


class _Failure(Exception):
    """An error answer: raised by a handler, turned into `{"error": {...}}` with its status code."""

    def __init__(self, status: int, type: str, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.type = type
        self.message = message
        self.errors = errors


async def _failure_response(request: Request, error: Exception) -> Response:
    assert isinstance(error, _Failure)
    return _error_response(error.status, error.type, error.message, error.errors)


async def _http_error_response(request: Request, error: Exception) -> Response:
    """Starlette's own errors (no such path: 404, a method a path does not take: 405) in the shape
    of every other error answer."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        type, message = "NotFound", f"no endpoint {request.url.path} (see /openapi.json)"
    elif error.status_code == 405:
        type, message = "MethodNotAllowed", f"{request.url.path} does not take {request.method} (see /openapi.json)"
    else:
        type, message = "HTTPError", str(error.detail)
    return _error_response(error.status_code, type, message, headers=dict(error.headers or {}))


async def _unexpected_response(request: Request, error: Exception) -> Response:
    """Any other failure (a store that cannot be read, ...): 500 in the same shape. Starlette then
    raises the error again, so the server logs it with its trace."""
    return _error_response(500, type(error).__name__, str(error))


def _error_response(
    status: int, type: str, message: str, errors: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    detail: dict[str, Any] = {"type": type, "message": message}
    if errors is not None:
        detail["errors"] = errors
    return JSONResponse({"error": detail}, status_code=status, headers=headers)


def _execution_failure(error: BaseException) -> _Failure:
    """The answer to a failed send: 404 the session was deleted (here or on another worker), 409
    aborted or busy, 502 the model failed, 500 anything else."""
    if isinstance(error, SessionClosedError):
        return _Failure(404, "UnknownSession", str(error))
    if isinstance(error, AbortError | SessionBusyError):
        status = 409
    elif isinstance(error, ModelError):
        status = 502
    else:
        status = 500
    return _Failure(status, type(error).__name__, str(error))


class _Api:
    """The route handlers over one app.

    Sessions open in this process are kept to `max_open_sessions` on a store: every request that
    uses a session marks it recently used, and the least recently used idle ones beyond the bound,
    with no request using them, are closed (they load again from the store when used next).

    "Running here" (`_running`) means an execution of this process that holds the session's lease:
    it has started its first tick, which comes after the lease is taken. A send still waiting for a
    lease held by another worker is not running here: reads of its session come from the store,
    and abort and tool results go to the lease holder."""

    def __init__(self, app: App, send_body: type[SendBody], *, max_open_sessions: int, keep_alive: float) -> None:
        self.app = app
        self.send_body = send_body
        self.max_open_sessions = max_open_sessions
        self.keep_alive = keep_alive
        self._recent: OrderedDict[str, None] = OrderedDict()  # ids of sessions requests used, least recent first
        self._using: Counter[str] = Counter()  # requests using each session now
        self._ticking: dict[str, str] = {}  # session id -> its execution here that has started ticking (leased)

    # --- routes ----------------------------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        session = await self.app.session()  # on a store with leases this saves it already
        async with self._use(session.id):
            if not self.app.store_leases:
                try:
                    await session.persist()  # saved at creation: known after a restart (nothing without a store)
                except Exception as error:
                    await self.app.delete(session.id)
                    raise _Failure(500, type(error).__name__, str(error)) from error
        return JSONResponse({"id": session.id}, status_code=201, headers={"Location": f"/sessions/{session.id}"})

    async def get(self, request: Request) -> Response:
        id = _session_id(request)
        async with self._use(id):
            snapshot = await self._require(id, read=True)
            if snapshot is not None:
                return JSONResponse(_state_of_snapshot(id, snapshot))
            return JSONResponse(_state_of_session(self.app.sessions[id]))

    async def delete(self, request: Request) -> Response:
        id = _session_id(request)
        async with self._use(id):
            await self._require(id)
            await self.app.delete(id)
        return Response(status_code=204)

    async def send(self, request: Request) -> Response:
        id = _session_id(request)
        body = _parse(self.send_body, await _read_body(request), request)
        async with self._use(id):
            await self._require(id)
            session = await self.app.session(id)
            try:
                handle = await session.send(messages=body.to_send())
            except SessionClosedError as error:  # deleted meanwhile
                raise _unknown(id) from error
            except (ValueError, TypeError) as error:  # text no provider can encode (lone surrogates)
                raise _Failure(422, type(error).__name__, str(error)) from error
            except Exception as error:
                raise _execution_failure(error) from error
        # The session now runs (or has this send queued behind its running execution), so it is
        # not closed as idle while the answer is on its way.
        if "text/event-stream" in request.headers.get("accept", ""):
            # The execution runs in its session, not in this request: a client that disconnects
            # stops reading, and the execution still finishes and is saved.
            return _EventStream(handle, self.keep_alive)
        try:
            result = await handle.result
        except Exception as error:
            raise _execution_failure(error) from error
        return Response(result.model_dump_json(), media_type="application/json")

    async def abort(self, request: Request) -> Response:
        id = _session_id(request)
        raw = await _read_body(request)
        body = _parse(AbortBody, raw, request) if raw.strip() else AbortBody()
        handle = self._running(id)
        if handle is not None:
            handle.abort(body.reason or "aborted over HTTP")
            return JSONResponse({"status": "aborted"})
        async with self._use(id):
            await self._require(id)
        if await self._signal(id, {"kind": "abort", "reason": body.reason}):
            return JSONResponse({"status": "signalled"}, status_code=202)
        raise _not_running(id)

    async def tool_result(self, request: Request) -> Response:
        id = _session_id(request)
        body = _parse(ToolResultBody, await _read_body(request), request)
        handle = self._running(id)
        if handle is not None:
            try:
                delivered = handle.submit_tool_result(body.call_id, approved=body.approved, reason=body.reason)
            except KeyError as error:
                raise _Failure(
                    404, "UnknownToolCall", f"session {id!r}: no tool call {body.call_id!r} awaits confirmation"
                ) from error
            if not delivered:
                raise _Failure(
                    409,
                    "ConfirmationClosed",
                    f"session {id!r}: tool call {body.call_id!r} was answered already or timed out",
                )
            return JSONResponse({"status": "delivered"})
        async with self._use(id):
            await self._require(id)
        payload = {"kind": "tool_result", "call_id": body.call_id, "approved": body.approved, "reason": body.reason}
        if await self._signal(id, payload):
            return JSONResponse({"status": "signalled"}, status_code=202)
        raise _not_running(id)

    # --- sessions ----------------------------------------------------------------------------------

    async def _require(self, id: str, *, read: bool = False) -> dict[str, Any] | None:
        """404 unless the session `id` exists; with `read`, its latest save when that is where it
        was found.

        A session running here is read here (None). Otherwise, on a store, the store decides (a
        copy open here may be stale: deleted or saved since by another worker); a copy open here
        whose stored session is gone is closed, unless it runs. Without `read` the store is only
        asked whether the session is stored (a head-only query on PostgreSQL, not the whole
        history), and None is returned. Without a store the sessions open here are all there is
        (None)."""
        if self._running(id) is not None:
            return None
        store = self.app.store
        if store is None:
            if id not in self.app.sessions:
                raise _unknown(id)
            return None
        snapshot: dict[str, Any] | None = await store.load(id) if read else None
        if snapshot is None and (read or not await is_stored(store, id)):
            stale = self.app.sessions.get(id)
            if stale is not None and stale.status == "idle":  # deleted on another worker
                self.app.forget(stale)
                await stale.close()
            raise _unknown(id)
        return snapshot

    def _running(self, id: str) -> ExecutionHandle | None:
        """The handle of the execution of session `id` running in this process (on a store with
        leases: holding the lease), if any."""
        session = self.app.sessions.get(id)
        if session is None or session.status != "running":
            return None
        handle = session._current
        if handle is None or (self.app.store_leases and self._ticking.get(id) != handle.execution_id):
            return None  # on a store with leases: still waiting for its lease (or about to take it)
        return handle

    def observe(self, session: Session, event: StreamEvent) -> None:
        """An app observer: which executions of this process have taken their lease (their first
        `tick_start` comes after it) and have not ended yet."""
        if event.type == "tick_start":
            self._ticking[session.id] = event.execution_id
        elif event.type == "execution_end" and self._ticking.get(session.id) == event.execution_id:
            del self._ticking[session.id]

    @contextlib.asynccontextmanager
    async def _use(self, id: str) -> AsyncGenerator[None]:
        """A request uses the session `id` (it is not closed meanwhile); afterwards it is the most
        recently used, and idle sessions beyond `max_open_sessions` are closed."""
        self._using[id] += 1
        try:
            yield
        finally:
            self._using[id] -= 1
            if not self._using[id]:
                del self._using[id]
            if id in self.app.sessions:
                self._recent[id] = None
                self._recent.move_to_end(id)
            with anyio.CancelScope(shield=True):
                await self._close_idle()

    async def _close_idle(self) -> None:
        """Close the least recently used idle sessions beyond `max_open_sessions` (on a store only:
        without one, closing a session would lose it)."""
        sessions = self.app.sessions
        if self.app.store is None:
            return
        if len(self._recent) > len(sessions) + self.max_open_sessions:  # ids closed or deleted since
            for id in [id for id in self._recent if id not in sessions]:
                del self._recent[id]
        for id in list(self._recent):
            if len(sessions) <= self.max_open_sessions:
                return
            session = sessions.get(id)
            if session is None:
                del self._recent[id]
            elif session.status == "idle" and id not in self._using:
                del self._recent[id]
                self.app.forget(session)  # first: a request from now on loads a new copy
                await session.close()

    async def _signal(self, id: str, payload: dict[str, Any]) -> bool:
        """Send `payload` to the worker running session `id` through the store, if it can. The store
        cannot tell whether one does: a `signalled` answer means sent, acted on by the worker whose
        execution holds the lease, if there is one."""
        signal: Any = getattr(self.app.store, "signal", None)
        if signal is None:
            return False
        await signal(id, payload)
        return True

    def on_signal(self, session_id: str, payload: dict[str, Any]) -> None:
        """A signal from another worker (`store.listen`): acted on only when the session runs here
        (a send here still waiting for the lease is not the execution it was meant for)."""
        handle = self._running(session_id)
        if handle is None:
            return
        if payload.get("kind") == "abort":
            handle.abort(payload.get("reason") or "aborted over HTTP")
        elif payload.get("kind") == "tool_result":
            with contextlib.suppress(KeyError):  # asked in another execution: not this one's to answer
                handle.submit_tool_result(
                    str(payload.get("call_id")), approved=bool(payload.get("approved")), reason=payload.get("reason")
                )

    def lifespan(self, close_app: bool) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
        """Watches the app's executions and listens to the store's signals (if it has `listen`)
        while the server runs; closes the app at shutdown when the server owns it."""

        @contextlib.asynccontextmanager
        async def serving(_: Starlette) -> AsyncGenerator[None]:
            async with contextlib.AsyncExitStack() as stack:
                if close_app:
                    stack.push_async_callback(self.app.close)
                self.app.observers.append(self.observe)
                stack.callback(self.app.observers.remove, self.observe)
                listen: Any = getattr(self.app.store, "listen", None)
                if listen is not None:
                    await stack.enter_async_context(listen(self.on_signal))
                yield

        return serving


# --- requests ------------------------------------------------------------------------------------


def _session_id(request: Request) -> str:
    id: str = request.path_params["id"]
    if SESSION_ID.fullmatch(id) is None:
        raise _Failure(
            422,
            "ValidationError",
            f"{id[:200]!r} is not a session id: 1 to 128 letters, digits, '_' or '-' (POST /sessions makes them)",
        )
    return id


async def _read_body(request: Request) -> bytes:
    """The request body, refused with 413 beyond `MAX_BODY_BYTES`: by its `Content-Length`, and
    counted as it arrives (a chunked body has no length)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise _too_large(int(length))
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large(size)
        chunks.append(chunk)
    return b"".join(chunks)


def _parse(model: type[BodyT], raw: bytes, request: Request) -> BodyT:
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        errors = error.errors(include_url=False, include_context=False, include_input=False)
        raise _Failure(
            422,
            "ValidationError",
            f"the body of {request.method} {request.url.path} is invalid ({error.error_count()} errors)",
            errors=[dict(item) for item in errors],
        ) from error


def _too_large(size: int) -> _Failure:
    return _Failure(413, "RequestTooLarge", f"the body has {size} bytes or more; the limit is {MAX_BODY_BYTES}")


def _unknown(id: str) -> _Failure:
    return _Failure(404, "UnknownSession", f"no session {id!r} (create one with POST /sessions)")


def _not_running(id: str) -> _Failure:
    return _Failure(409, "NotRunning", f"session {id!r} has no running execution")


# --- answers -------------------------------------------------------------------------------------


class _EventStream(StreamingResponse):
    """An execution's events as server-sent events, `data: <event JSON>` each (the last one is
    `execution_end`, emitted after the session was saved), with a `: keep-alive` comment after
    `keep_alive` seconds without one. A task of the response copies the events into a buffer that
    the body reads with a timeout; it ends with the response (a client that disconnects stops it,
    never the execution)."""

    def __init__(self, handle: ExecutionHandle, keep_alive: float) -> None:
        self._handle = handle
        self._keep_alive = keep_alive
        self._sending, self._receiving = anyio.create_memory_object_stream[StreamEvent](math.inf)
        super().__init__(self._frames(), media_type="text/event-stream", headers=SSE_HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(self._copy)
                await super().__call__(scope, receive, send)
                group.cancel_scope.cancel()
        finally:
            self._sending.close()
            self._receiving.close()

    async def _copy(self) -> None:
        async with self._sending:
            async for event in self._handle:
                await self._sending.send(event)

    async def _frames(self) -> AsyncIterator[str]:
        while True:
            event: StreamEvent | None = None
            with anyio.move_on_after(self._keep_alive):
                try:
                    event = await self._receiving.receive()
                except anyio.EndOfStream:
                    return
            yield ": keep-alive\n\n" if event is None else f"data: {event.model_dump_json()}\n\n"


def _state_of_session(session: Session) -> dict[str, Any]:
    return {
        "id": session.id,
        "status": "running" if session.status == "running" else "idle",
        "timeline": [session._dump(entry) for entry in session.entries],
        "usage": session.usage.model_dump(mode="json"),
        "revision": getattr(session, "revision", None),
    }


def _state_of_snapshot(id: str, snapshot: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": id,
        "status": "idle",
        "timeline": snapshot.get("timeline") or [],
        "usage": ExecutionUsage.model_validate(snapshot.get("usage") or {}).model_dump(mode="json"),
        "revision": snapshot.get("revision"),
    }


class _BearerAuth:
    """ASGI middleware: 401 (with `WWW-Authenticate: Bearer`) unless `Authorization: Bearer <token>`,
    compared in constant time."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            response = _error_response(
                401,
                "Unauthorized",
                "this server needs Authorization: Bearer <token> (the token given to agentick serve / AGENTICK_TOKEN)",
                headers={"WWW-Authenticate": 'Bearer realm="agentick"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        given = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
        scheme, _, credentials = given.partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(credentials.strip(), self.token)
