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
from .reconciler import (
    Context,
    Ref,
    create_context,
    use_callback,
    use_context,
    use_effect,
    use_memo,
    use_reducer,
    use_ref,
    use_state,
)

__all__ = [
    "AbortError",
    "AgentickError",
    "CompileError",
    "ComponentError",
    "Context",
    "Element",
    "Fragment",
    "HookError",
    "ModelError",
    "PersistenceError",
    "Ref",
    "SessionClosedError",
    "ToolError",
    "create_context",
    "h",
    "memo",
    "use_callback",
    "use_context",
    "use_effect",
    "use_memo",
    "use_reducer",
    "use_ref",
    "use_state",
]
