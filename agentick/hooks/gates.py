"""Gates: obligations that keep an execution going until the model (or code) clears them.

A gate is a select knob (`inactive`/`active`/`deferred`, in the `gates` group) plus a tick-end
callback. When a tick satisfies `activate_when`, the gate becomes active; while it is active or
deferred, a tick that would end the execution continues instead (reason `gate:<name>`), and
`GateState.element` carries the instructions the model must follow. The model clears the gate by
setting its knob to `"inactive"` with `set_knob`; code clears it with `.clear()`. `max_ticks` still
bounds the execution.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..compiler import nodes as n
from ..element import Element, h
from ..runtime import Com
from .knobs import knob, use_knob_cell
from .lifecycle import use_on_tick_end
from .state import StateCell

__all__ = ["Gate", "GateState", "gate", "use_gate"]

INACTIVE, ACTIVE, DEFERRED = "inactive", "active", "deferred"


@dataclass(frozen=True, slots=True)
class Gate:
    """What a gate asks for (`instructions`), how the knobs section describes it, and when it
    engages (`activate_when(tick_result)`, sync or async, checked after every tick while inactive)."""

    description: str
    instructions: str
    activate_when: Callable[[Any], Any]


def gate(*, description: str, instructions: str, activate_when: Callable[[Any], Any]) -> Gate:
    """A gate descriptor for `use_gate`."""
    return Gate(description=description, instructions=instructions, activate_when=activate_when)


class GateState:
    """The live state of one gate. Properties read the current knob value, so they are up to date
    in tool handlers and tick hooks too."""

    __slots__ = ("_cell", "gate", "name")

    def __init__(self, name: str, gate: Gate, cell: StateCell[Any]) -> None:
        self.name = name
        self.gate = gate
        self._cell = cell

    @property
    def state(self) -> str:
        """`"inactive"`, `"active"` or `"deferred"`."""
        return str(self._cell.value)

    @property
    def active(self) -> bool:
        return self.state == ACTIVE

    @property
    def deferred(self) -> bool:
        return self.state == DEFERRED

    @property
    def engaged(self) -> bool:
        """Active or deferred: the execution cannot end while the gate is engaged."""
        return self.state != INACTIVE

    def clear(self) -> None:
        self._cell.set(INACTIVE)

    def defer(self) -> None:
        """Let the model work on; the gate comes back (active) when the execution would end."""
        self._cell.set(DEFERRED)

    @property
    def element(self) -> Element | None:
        """An end-of-context ephemeral (what `<Ephemeral>` renders) with the instructions while
        active, else None. Render it where the gate is used."""
        return h(n.EPHEMERAL, {"position": "end", "order": 0}, self.gate.instructions) if self.active else None

    def __repr__(self) -> str:
        return f"<GateState {self.name} {self.state}>"


def use_gate(name: str, gate: Gate) -> GateState:
    """Mount the gate `name` (a knob in the `gates` group) and return its state."""
    descriptor = knob(INACTIVE, description=gate.description, group="gates", options=(INACTIVE, ACTIVE, DEFERRED))
    cell, _ = use_knob_cell(name, descriptor, "use_gate")
    current = GateState(name, gate, cell)

    async def at_tick_end(result: Any, com: Com) -> None:
        # The cell reads the knob as it is now, after this tick's tool calls (set_knob included).
        if not current.engaged:
            decision = current.gate.activate_when(result)
            if inspect.isawaitable(decision):
                decision = await decision
            if decision:
                cell.set(ACTIVE)
        if current.engaged and not result.should_continue:
            if current.deferred:
                cell.set(ACTIVE)
            result.continue_(f"gate:{name}")

    use_on_tick_end(at_tick_end)
    return current
