"""Exceptions raised by agentick. Each names what went wrong and where (component, hook, tool, file)."""

from __future__ import annotations

__all__ = [
    "AbortError",
    "AgentickError",
    "CompileError",
    "ComponentError",
    "HookError",
    "ModelError",
    "PersistenceError",
    "SessionClosedError",
    "ToolError",
]


class AgentickError(Exception):
    """Base class of every error agentick raises itself."""


class HookError(AgentickError):
    """A hook was used against the rules: outside a render, or in a different order than last time."""


class ComponentError(AgentickError):
    """A component raised while rendering, or one of its effects raised.

    The original exception is the `__cause__`; `component` is the component's name and `phase` is
    `"render"`, `"effect"` or `"cleanup"`.
    """

    def __init__(self, message: str, *, component: str, phase: str) -> None:
        super().__init__(message)
        self.component = component
        self.phase = phase


class CompileError(AgentickError):
    """The rendered tree cannot become a model request (a Section without id, an unknown role, ...)."""


class AbortError(AgentickError):
    """The execution was aborted (`handle.abort()`, `session.interrupt()`, or a parent abort)."""


class SessionClosedError(AgentickError):
    """A call was made on a closed session."""


class ToolError(AgentickError):
    """A tool could not be found, validated or run outside the tick loop (for example by `dispatch`)."""


class ModelError(AgentickError):
    """A model call failed: HTTP errors, timeouts, refused connections, malformed streams."""


class PersistenceError(AgentickError):
    """A session snapshot could not be saved to or loaded from its store."""
