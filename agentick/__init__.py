"""agentick: LLM agents as components.

An agent is a tree of components (JSX in `.px` files, or plain Python with `h`). Every model call
re-renders the tree; the compiler turns it into exactly the request the model receives; hooks run
between ticks and decide what happens next.
"""

from typing import TYPE_CHECKING

from agentick_jsx import hook_hint as _jsx_hook_hint

from .compiler import CompiledContext, compile_element
from .components import (
    H1,
    H2,
    H3,
    XML,
    Assistant,
    Audio,
    Code,
    Column,
    Document,
    Ephemeral,
    Event,
    Expandable,
    Grounding,
    Header,
    Image,
    Json,
    Knobs,
    List,
    ListItem,
    Markdown,
    Message,
    Model,
    Paragraph,
    Row,
    Section,
    StateChange,
    System,
    SystemEvent,
    Table,
    Text,
    Timeline,
    TokenBudget,
    ToolResult,
    ToolUse,
    User,
    UserAction,
    Video,
)
from .element import Element, Fragment, h, jsx, memo
from .engine import (
    App,
    ExecutionHandle,
    ExecutionUsage,
    Procedure,
    ProcedurePromise,
    SendResult,
    Session,
    StreamEvent,
    TickResult,
    TickState,
    create_app,
    procedure,
    run,
    run_sync,
)
from .errors import (
    AbortError,
    AgentickError,
    AuthenticationError,
    CompileError,
    ComponentError,
    ContextLengthError,
    HookError,
    ModelError,
    ModelTimeoutError,
    OutputValidationError,
    PersistenceError,
    ProviderError,
    RateLimitError,
    RetryOutput,
    SessionBusyError,
    SessionClosedError,
    ToolError,
)
from .hooks import (
    GateState,
    StateCell,
    batch,
    computed,
    effect,
    gate,
    knob,
    signal,
    untracked,
    use_after_compile,
    use_com,
    use_com_state,
    use_computed,
    use_context_info,
    use_continuation,
    use_data,
    use_gate,
    use_invalidate_data,
    use_knob,
    use_on_execution_end,
    use_on_execution_start,
    use_on_message,
    use_on_mount,
    use_on_tick_end,
    use_on_tick_start,
    use_on_unmount,
    use_output_validator,
    use_queued_messages,
    use_signal,
    use_tick_state,
    use_timeline,
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
from .runtime import Com
from .tools import ExecutableTool, Tool, create_tool, tool
from .types import ContentBlock, ModelInput, ModelOutput, TimelineEntry, ToolDefinition, Usage

# The TypeScript spellings, as aliases of the same objects.
useState = use_state
useReducer = use_reducer
useRef = use_ref
useMemo = use_memo
useCallback = use_callback
useEffect = use_effect
useContext = use_context
useOnTickStart = use_on_tick_start
useAfterCompile = use_after_compile
useOnTickEnd = use_on_tick_end
useContinuation = use_continuation
useOnMount = use_on_mount
useOnUnmount = use_on_unmount
useOnExecutionStart = use_on_execution_start
useOnExecutionEnd = use_on_execution_end
useOnMessage = use_on_message
useOutputValidator = use_output_validator
useCom = use_com
useTickState = use_tick_state
useTimeline = use_timeline
useData = use_data
useComState = use_com_state
useContextInfo = use_context_info
useKnob = use_knob
useGate = use_gate
useSignal = use_signal
useComputed = use_computed
createApp = create_app
createTool = create_tool
createContext = create_context

_jsx_hook_hint.install()  # `import trip` beside trip.px without the JSX import hook says how to install it


if TYPE_CHECKING:
    __version__: str
else:  # hidden from type checkers, which would take every unknown `agentick.X` for a `str`

    def __getattr__(name: str) -> str:
        """`agentick.__version__`: the installed distribution's version, as `agentick --version`
        prints it.

        Looked up on first use, since `importlib.metadata` costs more to import than it is worth to
        every `import agentick`; a checkout used without being installed reports `0+unknown`."""
        if name != "__version__":
            raise AttributeError(f"module 'agentick' has no attribute {name!r}")
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("agentick")
        except PackageNotFoundError:
            return "0+unknown"


__all__ = [
    "H1",
    "H2",
    "H3",
    "XML",
    "AbortError",
    "AgentickError",
    "App",
    "Assistant",
    "Audio",
    "AuthenticationError",
    "Code",
    "Column",
    "Com",
    "CompileError",
    "CompiledContext",
    "ComponentError",
    "ContentBlock",
    "Context",
    "ContextLengthError",
    "Document",
    "Element",
    "Ephemeral",
    "Event",
    "ExecutableTool",
    "ExecutionHandle",
    "ExecutionUsage",
    "Expandable",
    "Fragment",
    "GateState",
    "Grounding",
    "Header",
    "HookError",
    "Image",
    "Json",
    "Knobs",
    "List",
    "ListItem",
    "Markdown",
    "Message",
    "Model",
    "ModelError",
    "ModelInput",
    "ModelOutput",
    "ModelTimeoutError",
    "OutputValidationError",
    "Paragraph",
    "PersistenceError",
    "Procedure",
    "ProcedurePromise",
    "ProviderError",
    "RateLimitError",
    "Ref",
    "RetryOutput",
    "Row",
    "Section",
    "SendResult",
    "Session",
    "SessionBusyError",
    "SessionClosedError",
    "StateCell",
    "StateChange",
    "StreamEvent",
    "System",
    "SystemEvent",
    "Table",
    "Text",
    "TickResult",
    "TickState",
    "Timeline",
    "TimelineEntry",
    "TokenBudget",
    "Tool",
    "ToolDefinition",
    "ToolError",
    "ToolResult",
    "ToolUse",
    "Usage",
    "User",
    "UserAction",
    "Video",
    "batch",
    "compile_element",
    "computed",
    "create_app",
    "create_context",
    "create_tool",
    "effect",
    "gate",
    "h",
    "jsx",
    "knob",
    "memo",
    "procedure",
    "run",
    "run_sync",
    "signal",
    "tool",
    "untracked",
    "use_after_compile",
    "use_callback",
    "use_com",
    "use_com_state",
    "use_computed",
    "use_context",
    "use_context_info",
    "use_continuation",
    "use_data",
    "use_effect",
    "use_gate",
    "use_invalidate_data",
    "use_knob",
    "use_memo",
    "use_on_execution_end",
    "use_on_execution_start",
    "use_on_message",
    "use_on_mount",
    "use_on_tick_end",
    "use_on_tick_start",
    "use_on_unmount",
    "use_output_validator",
    "use_queued_messages",
    "use_reducer",
    "use_ref",
    "use_signal",
    "use_state",
    "use_tick_state",
    "use_timeline",
]
