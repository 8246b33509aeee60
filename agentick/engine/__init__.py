"""The runtime: apps, sessions, executions made of ticks, tools, events and stores."""

from .app import App, create_app, run, run_sync
from .events import StreamEvent
from .handle import ExecutionHandle
from .procedure import Procedure, ProcedurePromise, procedure
from .results import ExecutionUsage, SendResult, TickResult, TickState
from .session import Session

__all__ = [
    "App",
    "ExecutionHandle",
    "ExecutionUsage",
    "Procedure",
    "ProcedurePromise",
    "SendResult",
    "Session",
    "StreamEvent",
    "TickResult",
    "TickState",
    "create_app",
    "procedure",
    "run",
    "run_sync",
]
