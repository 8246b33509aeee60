"""A real uvicorn server on 127.0.0.1 serving an app's HTTP API from a thread (its own event
loop), an agent with a tool that needs confirmation, and helpers to read server-sent events."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import httpx2
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentick import App, Element, Fragment, System, Timeline, h, tool
from agentick.serve.app import build

STOP_TIMEOUT = 10.0  # seconds; only reached when the server hangs
GUARD = 30.0  # seconds a test waits for the server; only reached when something hangs
TOKEN = "s3cret-token"


@tool(requires_confirmation=True)
async def deploy(target: str) -> str:
    """Deploy the app to a target."""
    return f"deployed {target}"


def Agent() -> Element:
    return h(Fragment, None, h(System, None, "You deploy apps."), h(deploy), h(Timeline))


class LiveServer:
    """`app`'s HTTP API served by uvicorn in a thread; the app is closed when the server stops.
    `options` go to `asgi_app` (`max_open_sessions`, `keep_alive`). `disconnected` counts the
    requests the server has finished handling after their client went away."""

    def __init__(self, app: App, *, token: str | None = None, trusted_roles: bool = False, **options: Any) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self.token = token
        self.app = app
        self.disconnected = 0
        config = uvicorn.Config(
            self._watching(build(app, token, trusted_roles=trusted_roles, close_app=True, **options)),
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._serve, name="serve-test-server", daemon=True)
        self._error: BaseException | None = None

    def _watching(self, application: ASGIApp) -> ASGIApp:
        """`application`, counting in `disconnected` the requests it handled to their end after
        their client disconnected (the server observed it: `http.disconnect`)."""

        async def watched(scope: Scope, receive: Receive, send: Send) -> None:
            seen: list[bool] = []

            async def receiving() -> Message:
                message = await receive()
                if message["type"] == "http.disconnect":
                    seen.append(True)
                return message

            try:
                await application(scope, receiving, send)
            finally:
                if seen:
                    self.disconnected += 1

        return watched

    def _serve(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._socket]))
        except BaseException as error:
            self._error = error
        finally:
            self._server.ready.set()

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._server.ready.wait(GUARD)
        if self._error is not None:
            raise RuntimeError("the test server failed to start") from self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(STOP_TIMEOUT)
        self._socket.close()
        assert not self._thread.is_alive(), "the test server did not stop"
        if self._error is not None:
            raise RuntimeError("the test server failed") from self._error

    def http(self, *, token: str | None = None) -> httpx2.AsyncClient:
        """An HTTP client of the server, with the server's token unless another one is given."""
        given = token if token is not None else self.token
        headers = {"Authorization": f"Bearer {given}"} if given else {}
        return httpx2.AsyncClient(base_url=self.url, headers=headers, timeout=GUARD)


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


async def events_of(response: httpx2.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON of each `data:` line of a server-sent event stream."""
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            yield json.loads(line.removeprefix("data: "))


async def create_session(http: httpx2.AsyncClient) -> str:
    response = await http.post("/sessions")
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def wait_until(check: Callable[[], Any], what: str) -> None:
    """Poll the async `check()` until it is true (bounded: `GUARD` seconds)."""
    with anyio.fail_after(GUARD):
        while not await check():
            await anyio.sleep(0.01)
