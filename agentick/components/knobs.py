"""`<Knobs />`: the section listing the session's knobs and the `set_knob` tool that changes them.

`use_knob` registers knobs from effects, after the render that declared them, so `<Knobs />` may
stand anywhere in the tree: it listens to the session's knob registry and re-renders whenever a
knob is registered, unregistered, redescribed or set, which adds a compile pass to the same tick.
The model therefore always sees every mounted knob with its current value, whatever the tree order.
"""

from __future__ import annotations

from typing import Any

from ..element import Element, Fragment, h
from ..hooks.knobs import Knob, KnobRegistry, format_value, knob_registry
from ..reconciler import use_effect, use_force_update
from ..runtime import use_runtime
from ..tools import ExecutableTool, create_tool
from .messages import Section

__all__ = ["Knobs", "knobs_text"]

INTRO = "Knobs are adjustable parameters you can modify using the set_knob tool."
COLLAPSED_HINT = "Content tagged <collapsed> can be expanded via set_knob (use name for one, group for batch)."
SET_KNOB_DESCRIPTION = (
    "Set a knob value by name, or set all knobs in a group at once. Provide either name or group, not both."
)
SET_KNOB_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "Name of the knob to set (mutually exclusive with group)"},
        "group": {
            "type": "string",
            "description": "Group name — sets all knobs in the group (mutually exclusive with name)",
        },
        "value": {"type": ["string", "number", "boolean"], "description": "New value for the knob(s)"},
    },
    "required": ["value"],
    "additionalProperties": False,
}


def Knobs() -> Element | None:
    """The `knobs` section (model audience) and the `set_knob` tool; nothing while no knob is
    mounted. Render it once, anywhere in the agent."""
    runtime = use_runtime("Knobs")
    registry = knob_registry(runtime)
    rerender = use_force_update()
    rendered_version = registry.version

    def listen() -> Any:
        unlisten = registry.listen(rerender)
        if registry.version != rendered_version:  # knobs registered by effects that ran before this one
            rerender()
        return unlisten

    use_effect(listen, [])
    knobs = registry.knobs()
    if not knobs:
        return None
    tool: ExecutableTool[Any] = runtime.extension("set_knob", lambda: _set_knob_tool(registry))
    entries = [(name, descriptor, registry.value(name, descriptor)) for name, descriptor in knobs]
    return h(Fragment, None, h(tool), Section(id="knobs", children=[knobs_text(entries)]))


def _set_knob_tool(registry: KnobRegistry) -> ExecutableTool[Any]:
    async def set_knob(arguments: dict[str, Any]) -> str:
        return registry.apply(arguments.get("name") or None, arguments.get("group") or None, arguments["value"])

    return create_tool(name="set_knob", description=SET_KNOB_DESCRIPTION, input=SET_KNOB_INPUT, handler=set_knob)


def knobs_text(entries: list[tuple[str, Knob, Any]]) -> str:
    """The section text: ungrouped knobs first, then one `### <group>` block per group (in order of
    first appearance); inline knobs are not listed, but their existence adds the collapsed hint."""
    groups: dict[str, list[str]] = {"": []}
    for name, descriptor, value in entries:
        if not descriptor.inline:
            groups.setdefault(descriptor.group or "", []).append(_line(name, descriptor, value))
    lines = [INTRO, "", *groups.pop("")]
    for group, members in groups.items():
        if lines[-1]:
            lines.append("")
        lines.append(f"### {group}")
        lines.extend(members)
    if any(descriptor.inline for _, descriptor, _ in entries):
        if lines[-1]:
            lines.append("")
        lines.append(COLLAPSED_HINT)
    return "\n".join(lines).rstrip()


def _line(name: str, descriptor: Knob, value: Any) -> str:
    kind = f"momentary {descriptor.semantic_type}" if descriptor.momentary else descriptor.semantic_type
    line = f"{name} [{kind}]: {format_value(value)}"
    if descriptor.description:
        line += f" — {descriptor.description}"
    hints = descriptor.hints()
    if hints:
        line += f" ({', '.join(hints)})"
    return line
