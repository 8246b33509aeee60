"""Connecting an app to DevTools, as `create_app(..., devtools=...)` asks.

- `True`: a DevTools server for this app alone, in-process (a uvicorn server on 127.0.0.1, a free
  port, in a background thread); `app.devtools_url` is its page. Needs the `serve` extra.
- a URL (`http://127.0.0.1:PORT/?token=TOKEN`, printed by `agentick devtools`): the app's records go
  to that standalone server (`bridge.py`); `app.devtools_url` is that URL. Needs no extra.
- `False`: no DevTools, whatever the environment says.
- `None` (the default): the URL in the `AGENTICK_DEVTOOLS` environment variable, if it is set and not empty
  (`App` checks that variable before importing this package, so apps without DevTools never load it).

`App.close()` ends the connection for good: the in-process server stops (open pages lose their
stream), or the app's queued records are sent to the standalone server (and the bridge's thread
stops when no other app uses it); the observer leaves `app.observers` and
`app.devtools_url` becomes None. The app itself keeps working; later executions are not recorded.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio

from ..engine.app import DEVTOOLS_ENVIRONMENT_VARIABLE as ENVIRONMENT_VARIABLE
from .bridge import bridge_for
from .observer import DevToolsObserver
from .records import Record

if TYPE_CHECKING:
    from ..engine.app import App

__all__ = ["ENVIRONMENT_VARIABLE", "DevToolsConnection", "connect"]


class DevToolsConnection:
    """An app's link to DevTools: the observer it added and what must be stopped with the app."""

    def __init__(self, app: App, url: str, sink: Callable[[Record], Any], stop: Callable[[], Any]) -> None:
        self.app = app
        self.url = url
        self.observer = DevToolsObserver(sink)
        self._stop = stop
        app.observers.append(self.observer)

    async def aclose(self) -> None:
        """Stop observing the app, then stop the server or release the bridge (in a worker thread:
        both wait for another thread)."""
        if self.observer in self.app.observers:
            self.app.observers.remove(self.observer)
        await anyio.to_thread.run_sync(self._stop)


def connect(app: App, setting: bool | str | None) -> DevToolsConnection | None:
    """Connect `app` to DevTools per `setting` (see the module docstring), or return None for none."""
    origin = "devtools"
    if setting is None:
        setting = os.environ.get(ENVIRONMENT_VARIABLE) or False
        origin = ENVIRONMENT_VARIABLE
    if setting is False:
        return None
    if setting is True:
        from .runner import DevToolsServer  # the `serve` extra: ImportError naming it when missing

        server = DevToolsServer().start()
        return DevToolsConnection(app, server.url, server.log.append, server.stop)
    if isinstance(setting, str):
        bridge = bridge_for(setting, origin=origin)
        return DevToolsConnection(app, bridge.url, bridge.put, bridge.release)
    raise TypeError(f"devtools must be True, False, None or a DevTools URL string, not {setting!r}")
