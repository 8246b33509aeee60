"""DevTools: a local page showing an app's sessions, executions and ticks live (API.md §15).

`create_app(..., devtools=True)` serves it in-process (`app.devtools_url`); `agentick devtools`
runs a standalone server that apps in other processes send their records to
(`create_app(..., devtools=URL)` or `AGENTICK_DEVTOOLS=URL`). The pieces, each in its module:
`observer` turns an app's events into records, `records` keeps them, `server` serves them
(Starlette, extra `serve`), `runner` runs that server with uvicorn, `bridge` sends records to a
server in another process, and `connect` wires an app to one of them.
"""

from .connect import ENVIRONMENT_VARIABLE, DevToolsConnection, connect
from .observer import DevToolsObserver
from .records import RecordLog

__all__ = ["ENVIRONMENT_VARIABLE", "DevToolsConnection", "DevToolsObserver", "RecordLog", "connect"]
