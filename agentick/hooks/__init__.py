"""Agent hooks: tick lifecycle, context, session state and async data."""

from .context import use_com, use_context_info, use_queued_messages, use_tick_state, use_timeline
from .data import use_data, use_invalidate_data
from .lifecycle import (
    use_after_compile,
    use_continuation,
    use_on_execution_end,
    use_on_execution_start,
    use_on_message,
    use_on_mount,
    use_on_tick_end,
    use_on_tick_start,
    use_on_unmount,
)
from .state import StateCell, use_com_state

__all__ = [
    "StateCell",
    "use_after_compile",
    "use_com",
    "use_com_state",
    "use_context_info",
    "use_continuation",
    "use_data",
    "use_invalidate_data",
    "use_on_execution_end",
    "use_on_execution_start",
    "use_on_message",
    "use_on_mount",
    "use_on_tick_end",
    "use_on_tick_start",
    "use_on_unmount",
    "use_queued_messages",
    "use_tick_state",
    "use_timeline",
]
