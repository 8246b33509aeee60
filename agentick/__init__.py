"""agentick: LLM agents as components."""

from .element import Element, Fragment, h, memo
from .errors import (
    AbortError,
    AgentickError,
    CompileError,
    ComponentError,
    HookError,
    ModelError,
    PersistenceError,
    SessionClosedError,
    ToolError,
)

__all__ = [
    "AbortError",
    "AgentickError",
    "CompileError",
    "ComponentError",
    "Element",
    "Fragment",
    "HookError",
    "ModelError",
    "PersistenceError",
    "SessionClosedError",
    "ToolError",
    "h",
    "memo",
]
