"""Agent hooks: tick lifecycle, context, session state, async data, signals, knobs and gates."""

from .context import use_com, use_context_info, use_queued_messages, use_tick_state, use_timeline
from .data import use_data, use_invalidate_data
from .gates import Gate, GateState, gate, use_gate
from .knobs import Knob, KnobError, knob, use_knob
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
    use_output_validator,
)
from .signals import Computed, Signal, SignalError, batch, computed, effect, signal, untracked, use_computed, use_signal
from .state import StateCell, use_com_state

__all__ = [
    "Computed",
    "Gate",
    "GateState",
    "Knob",
    "KnobError",
    "Signal",
    "SignalError",
    "StateCell",
    "batch",
    "computed",
    "effect",
    "gate",
    "knob",
    "signal",
    "untracked",
    "use_after_compile",
    "use_com",
    "use_com_state",
    "use_computed",
    "use_context_info",
    "use_continuation",
    "use_data",
    "use_gate",
    "use_invalidate_data",
    "use_knob",
    "use_on_execution_end",
    "use_on_execution_start",
    "use_on_message",
    "use_on_mount",
    "use_on_tick_end",
    "use_on_tick_start",
    "use_on_unmount",
    "use_output_validator",
    "use_queued_messages",
    "use_signal",
    "use_tick_state",
    "use_timeline",
]
