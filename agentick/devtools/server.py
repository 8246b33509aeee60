"""The DevTools HTTP app (Starlette): the page, its static files, and the records as JSON and as
server-sent events. Needs the `serve` extra.

Every request must carry the server's random token as the query parameter `token`, and a `Host`
header naming 127.0.0.1, localhost or [::1]; anything else gets 403. The token keeps other local users
and web pages from reading the records (they hold prompts and tool results); the Host check
defeats DNS rebinding, where a foreign page reaches the loopback port under its own host name.

Routes (the page's wire protocol, see `docs/observability.md`):

- `GET /`: the page, with `__TOKEN__` in it replaced by the token;
- `GET /static/{name}`: the page's files, shipped in the package;
- `GET /api/records?after=N`: `{"records": [...]}`, every record with `seq > N`;
- `GET /api/stream?after=N`: `text/event-stream`, the records after N (or after the
  `Last-Event-ID` of a reconnecting EventSource) and then live ones, each as `id: <seq>` and
  `data: <record JSON>`;
- `POST /api/ingest`: `{"records": [...]}` from apps in other processes (`bridge.py`), numbered
  here; 204.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from importlib import resources
from typing import Any, cast

from ..extras import require

require("starlette", extra="serve", feature="agentick DevTools (the DevTools server)")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from .bridge import LOOPBACK_HOSTS  # noqa: E402
from .records import RecordLog, encode  # noqa: E402

__all__ = ["ALLOWED_HOSTS", "create_server_app", "new_token"]

# `Host` names: the loopback hosts a DevTools server may bind, IPv6 in brackets
ALLOWED_HOSTS = frozenset(f"[{host}]" if ":" in host else host for host in LOOPBACK_HOSTS)
_HOST = re.compile(r"(?P<name>\[[^\]]*\]|[^:\[\]]*)(?::\d*)?")  # a Host header: name, then maybe :port
RECORD_KINDS = frozenset({"session", "event", "tick"})
STATIC_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def new_token() -> str:
    """A fresh random token for a server's URLs."""
    return secrets.token_urlsafe(24)


def create_server_app(log: RecordLog, token: str, stopping: asyncio.Event | None = None) -> ASGIApp:
    """The DevTools ASGI app serving `log` to requests that carry `token`. Setting `stopping` (an
    event of the serving loop) ends the open streams, so the server can shut down."""
    stop = stopping if stopping is not None else asyncio.Event()

    async def page(request: Request) -> Response:
        html = _static_text("index.html").replace("__TOKEN__", token)
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def static(request: Request) -> Response:
        name: str = request.path_params["name"]
        file = _static_file(name)
        if file is None:
            return PlainTextResponse(f"no static file {name!r}", status_code=404)
        suffix = name[name.rfind(".") :]
        return Response(file.read_bytes(), media_type=STATIC_TYPES.get(suffix, "application/octet-stream"))

    async def records(request: Request) -> Response:
        after = _after(request)
        if isinstance(after, Response):
            return after
        body = '{"records":[' + ",".join(text for _, text in log.after(after)) + "]}"
        return Response(body, media_type="application/json")

    async def stream(request: Request) -> Response:
        after = _after(request)
        if isinstance(after, Response):
            return after
        resumed = request.headers.get("last-event-id", "")  # an EventSource reconnecting
        if resumed.isdigit():
            after = max(after, int(resumed))
        return StreamingResponse(
            _events(log, after, stop),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def ingest(request: Request) -> Response:
        try:
            body = json.loads(await request.body())
        except ValueError as error:
            return PlainTextResponse(f"the body is not JSON: {error}", status_code=400)
        problem = _ingest_problem(body)
        if problem is not None:
            return PlainTextResponse(problem, status_code=400)
        log.extend(encode(record) for record in body["records"])
        return Response(status_code=204)

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/static/{name}", static),
            Route("/api/records", records),
            Route("/api/stream", stream),
            Route("/api/ingest", ingest, methods=["POST"]),
        ]
    )
    return _SecurityHeaders(_Guard(app, token))


async def _events(log: RecordLog, after: int, stop: asyncio.Event) -> AsyncIterator[str]:
    """The SSE messages of every record after `after`, then of each new one, until `stop` is set."""
    last = after
    while not stop.is_set():
        for seq, text in log.after(last):
            last = seq
            yield f"id: {seq}\ndata: {text}\n\n"
        waiting = asyncio.ensure_future(log.wait(last))
        stopped = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
            stopped.cancel()


def _after(request: Request) -> int | Response:
    text = request.query_params.get("after", "0")
    try:
        return int(text)
    except ValueError:
        return PlainTextResponse(f"after must be an integer (a record's seq), not {text!r}", status_code=400)


def _ingest_problem(body: Any) -> str | None:
    """Why an ingest body is not `{"records": [record, ...]}`, or None when it is."""
    records = cast("dict[str, Any]", body).get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        return 'the body must be a JSON object {"records": [...]}'
    for index, record in enumerate(cast("Sequence[Any]", records)):
        if not isinstance(record, dict):
            return f"records[{index}] is not a JSON object"
        fields = cast("dict[str, Any]", record)
        if fields.get("kind") not in RECORD_KINDS:
            return f"records[{index}] has kind {fields.get('kind')!r}; expected one of {sorted(RECORD_KINDS)}"
        if not isinstance(fields.get("session_id"), str):
            return f"records[{index}] ({fields['kind']}) has no session_id string"
    return None


def _static_file(name: str) -> Any:
    """The packaged static file `name` (a plain file name, nothing with a path), or None."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    file = resources.files("agentick.devtools").joinpath("static", name)
    return file if file.is_file() else None


def _static_text(name: str) -> str:
    file = _static_file(name)
    if file is None:
        raise FileNotFoundError(f"agentick/devtools/static/{name} is missing from the installed package")
    text: str = file.read_text(encoding="utf-8")
    return text


# On every response (403s included). The page loads only its own files and talks only to its own
# server, so a script injected despite the page's text-only rendering could neither load nor send
# anything elsewhere; `data:` images are allowed for the empty favicon (which keeps the browser from
# asking for /favicon.ico without the token). Styles set from JS through CSSOM (`el.style.x = ...`)
# are not inline styles for CSP. `nosniff` keeps a record served as JSON from being run as a script.
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data:"),
    (b"x-content-type-options", b"nosniff"),
]


class _SecurityHeaders:
    """ASGI middleware: `SECURITY_HEADERS` on every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers if scope["type"] == "http" else send)


class _Guard:
    """ASGI middleware: 403 unless the request carries the token and a loopback `Host`."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = self._problem(Request(scope))
            if problem is not None:
                await PlainTextResponse(problem, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _problem(self, request: Request) -> str | None:
        host = request.headers.get("host", "")
        parsed = _HOST.fullmatch(host)
        if parsed is None or parsed["name"].lower() not in ALLOWED_HOSTS:
            return f"DevTools answers only requests for 127.0.0.1, localhost or [::1], not Host {host!r}"
        given = request.query_params.get("token", "")
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            return "DevTools needs the token of its URL (?token=...), as printed when the server started"
        return None
