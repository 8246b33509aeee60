"""Knobs: named primitive values the model can read and set.

A knob is a `str`, `int`, `float` or `bool` stored in com state under `knob:<name>`, so it survives
ticks and executions and is saved in snapshots. `use_knob` registers it in the session's knob
registry while its component is mounted; `<Knobs />` lists the registry to the model and offers the
`set_knob` tool, whose every value is checked against the knob's descriptor (`KnobError` names the
knob and the rule it broke, and reaches the model as a tool error it can correct).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any, Literal

from ..errors import ToolError
from ..reconciler import Ref, use_callback, use_effect, use_latest
from ..runtime import AgentRuntime, Com, SessionCom, use_runtime
from .lifecycle import use_on_execution_end
from .state import StateCell, use_com_state

__all__ = ["Knob", "KnobError", "KnobRegistry", "knob", "knob_key", "knob_registry", "use_knob", "use_knob_cell"]

Value = str | int | float | bool
ValueType = Literal["boolean", "integer", "number", "string"]


class KnobError(ToolError, ValueError):
    """A knob value was rejected (wrong type, not an option, out of range, ...), or a `set_knob`
    call named no knob; the message says which knob and why, for the model to correct."""


def knob_key(name: str) -> str:
    """The com state key holding the value of knob `name`."""
    return f"knob:{name}"


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def format_value(value: Any) -> str:
    """A knob value as the model reads it: `"text"`, `true`, `0.7`."""
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Knob:
    """What a knob is: its default (which fixes its type), how it is described to the model, and
    the rules a new value must pass. Create one with `knob(...)`.

    Descriptors compare equal when everything but `validate` is equal, so a `validate` lambda
    re-created on every render does not count as a change.
    """

    default: Value
    description: str = ""
    options: tuple[Value, ...] | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    max_length: int | None = None
    pattern: str | None = None
    group: str | None = None
    momentary: bool = False
    inline: bool = False
    validate: Callable[[Any], str | bool | None] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        kind = _type_of(self.default)
        if kind not in ("boolean", "integer", "number", "string"):
            raise TypeError(f"a knob's default must be a str, int, float or bool, not {kind} {self.default!r:.40}")
        if self.options is not None:
            object.__setattr__(self, "options", tuple(self.options))
            if not self.options:
                raise ValueError("knob options must not be empty (leave options out for a free value)")
        numeric = kind in ("integer", "number")
        if not numeric and (self.min is not None or self.max is not None or self.step is not None):
            raise TypeError(f"min, max and step only apply to number knobs (default: {self.default!r})")
        if kind != "string" and (self.max_length is not None or self.pattern is not None):
            raise TypeError(f"max_length and pattern only apply to string knobs (default: {self.default!r})")
        if self.pattern is not None:
            re.compile(self.pattern)
        problem = self.problem("default", self.default, custom=False)
        if problem is not None:
            raise ValueError(f"a knob's default must follow its own rules: {problem}")

    @property
    def value_type(self) -> ValueType:
        return _type_of(self.default)  # type: ignore[return-value]

    @property
    def semantic_type(self) -> str:
        """How the knob is presented: toggle, select, range, number or text."""
        kind = self.value_type
        if kind == "boolean":
            return "toggle"
        if self.options:
            return "select"
        if kind == "string":
            return "text"
        return "range" if self.min is not None or self.max is not None else "number"

    def hints(self) -> list[str]:
        """The constraints shown next to the knob, in a fixed order."""
        hints: list[str] = []
        if self.options:
            hints.append("options: " + ", ".join(format_value(option) for option in self.options))
        if self.min is not None or self.max is not None:
            low = "*" if self.min is None else format_value(self.min)
            high = "*" if self.max is None else format_value(self.max)
            hints.append(f"{low} - {high}")
        if self.step is not None:
            hints.append(f"step {format_value(self.step)}")
        if self.max_length is not None:
            hints.append(f"max {self.max_length} chars")
        if self.pattern is not None:
            hints.append(f"pattern: {self.pattern}")
        if self.momentary:
            hints.append("resets after use")
        return hints

    def check(self, name: str, value: Any) -> Value:
        """`value` if it is acceptable for this knob (an integral float becomes an int for an
        integer knob), else KnobError naming the knob and the broken rule."""
        if self.value_type == "integer" and isinstance(value, float) and value.is_integer():
            value = int(value)
        problem = self.problem(name, value)
        if problem is not None:
            raise KnobError(problem)
        return value  # type: ignore[no-any-return]

    def problem(self, name: str, value: Any, custom: bool = True) -> str | None:
        """The message for the first rule `value` breaks (type, options, min, max, max_length,
        pattern, then `validate`), or None."""
        expected, actual = self.value_type, _type_of(value)
        if actual != expected and not (expected == "number" and actual == "integer"):
            return f'Invalid type for "{name}". Expected {expected}, got {actual}.'
        if self.options is not None and value not in self.options:
            options = ", ".join(format_value(option) for option in self.options)
            return f'Invalid value for "{name}". Valid options: {options}'
        if self.min is not None and value < self.min:
            return f'Value for "{name}" must be >= {format_value(self.min)}. Got {format_value(value)}.'
        if self.max is not None and value > self.max:
            return f'Value for "{name}" must be <= {format_value(self.max)}. Got {format_value(value)}.'
        if self.max_length is not None and len(value) > self.max_length:
            return f'Value for "{name}" exceeds max length of {self.max_length}. Got {len(value)} chars.'
        if self.pattern is not None and re.search(self.pattern, value) is None:
            return f'Value for "{name}" does not match pattern: {self.pattern}'
        if custom and self.validate is not None:
            verdict = self.validate(value)
            if isinstance(verdict, str):
                return f'Validation failed for "{name}": {verdict}'
            if verdict is False:
                return f'Validation failed for "{name}": {format_value(value)} was rejected.'
        return None


def knob(
    default: Value,
    *,
    description: str = "",
    options: Sequence[Value] | None = None,
    min: float | None = None,
    max: float | None = None,
    step: float | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    group: str | None = None,
    momentary: bool = False,
    inline: bool = False,
    validate: Callable[[Any], str | bool | None] | None = None,
) -> Knob:
    """A knob descriptor. The default's type is the knob's type.

    `options` makes it a select; `min`/`max`/`step` apply to numbers, `max_length`/`pattern` (a
    regex searched in the value) to strings; `validate(value)` returns None or True when the value
    is fine, else an error message (or False). `group` puts it under a heading and lets the model
    set the whole group at once; `momentary` knobs go back to their default when an execution ends;
    `inline` knobs are not listed (they back collapsed content the model can expand).
    """
    return Knob(
        default=default,
        description=description,
        options=tuple(options) if options is not None else None,
        min=min,
        max=max,
        step=step,
        max_length=max_length,
        pattern=pattern,
        group=group,
        momentary=momentary,
        inline=inline,
        validate=validate,
    )


class KnobRegistry:
    """The knobs of one session's mounted components.

    A name used by several mounted components shows the descriptor of the latest registration and
    stays registered until all of them unmount. Listeners (`<Knobs />`) hear about registrations,
    descriptor changes and value changes; `version` counts them.

    Registration happens in effects (children's before their parents'), but knobs are listed in the
    order their names were first rendered (`place`), which is tree order: parents first.
    """

    def __init__(self, com: SessionCom) -> None:
        self.com = com
        self.version = 0
        self._owners: dict[str, list[Ref[Knob]]] = {}
        self._places: dict[str, int] = {}
        self._next_place = count()
        self._unwatch: dict[str, Callable[[], None]] = {}
        self._listeners: dict[int, Callable[[], None]] = {}
        self._listener_ids = count()
        self._expand_ids = count(1)

    # --- registration ------------------------------------------------------------------------

    def place(self, name: str) -> None:
        """Remember where `name` was first rendered (idempotent, so a render may call it)."""
        if name not in self._places:
            self._places[name] = next(self._next_place)

    def register(self, name: str, descriptor: Ref[Knob]) -> Callable[[], None]:
        owners = self._owners.setdefault(name, [])
        owners.append(descriptor)
        if name not in self._unwatch:
            self._unwatch[name] = self.com.subscribe(knob_key(name), self.changed)
        self.changed()

        def unregister() -> None:
            if descriptor in owners:
                owners.remove(descriptor)
            if not owners and self._owners.get(name) is owners:
                del self._owners[name]
                self._unwatch.pop(name)()
            self.changed()

        return unregister

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        key = next(self._listener_ids)
        self._listeners[key] = listener

        def unlisten() -> None:
            self._listeners.pop(key, None)

        return unlisten

    def changed(self) -> None:
        self.version += 1
        for listener in list(self._listeners.values()):
            listener()

    def expand_name(self) -> str:
        """A fresh `_expand_<n>` name for an unnamed `Expandable` of this session."""
        return f"_expand_{next(self._expand_ids)}"

    # --- reading -----------------------------------------------------------------------------

    def knobs(self) -> list[tuple[str, Knob]]:
        """`(name, descriptor)` of every registered knob, in the order of `place`."""
        names = sorted(self._owners, key=lambda name: self._places.get(name, -1))
        return [(name, self._owners[name][-1].current) for name in names]

    def value(self, name: str, descriptor: Knob) -> Any:
        return self.com.get_state(knob_key(name), descriptor.default)

    # --- setting (the set_knob tool) ---------------------------------------------------------

    def apply(self, name: str | None, group: str | None, value: Any) -> str:
        """Set one knob by name or every knob of a group; returns the confirmation for the model.

        A group is validated as a whole before any of its knobs changes."""
        knobs = self.knobs()
        if not knobs:
            raise KnobError("No knobs are currently registered.")
        if name and group:
            raise KnobError("Provide either name or group, not both.")
        if not name and not group:
            raise KnobError("Provide either name or group.")
        if name:
            descriptor = dict(knobs).get(name)
            if descriptor is None:
                available = ", ".join(known for known, _ in knobs)
                raise KnobError(f'Unknown knob "{name}". Available: {available}')
            accepted = descriptor.check(name, value)
            self.com.set_state(knob_key(name), accepted)
            return f"Set {name} to {format_value(accepted)}."
        members = [(known, descriptor) for known, descriptor in knobs if descriptor.group == group]
        if not members:
            groups = sorted({descriptor.group for _, descriptor in knobs if descriptor.group})
            raise KnobError(f'No knobs found in group "{group}". Groups: {", ".join(groups) or "none"}')
        first = members[0][1]
        for known, descriptor in members[1:]:
            if descriptor.value_type != first.value_type:
                raise KnobError(
                    f'Type mismatch in group "{group}": "{known}" is {descriptor.value_type}, '
                    f"expected {first.value_type}."
                )
        checked = [(known, descriptor.check(known, value)) for known, descriptor in members]
        for known, accepted in checked:
            self.com.set_state(knob_key(known), accepted)
        names = ", ".join(known for known, _ in members)
        return f'Set {len(members)} knobs in group "{group}" to {format_value(value)}: {names}.'


def knob_registry(runtime: AgentRuntime) -> KnobRegistry:
    """The session's knob registry."""
    registry: KnobRegistry = runtime.extension("knobs", lambda: KnobRegistry(runtime.com))
    return registry


# --- hooks --------------------------------------------------------------------------------------


def use_knob_cell(name: str, descriptor: Knob, hook: str = "use_knob") -> tuple[StateCell[Any], Ref[Knob]]:
    """Register knob `name` while the component is mounted; returns the cell of its value
    (`cell.value` is the current value, also in tick hooks and tools) and a ref to the latest
    committed descriptor."""
    runtime = use_runtime(hook)
    registry = knob_registry(runtime)
    registry.place(name)
    cell: StateCell[Any] = use_com_state(knob_key(name), descriptor.default)
    latest = use_latest(descriptor)
    use_effect(lambda: registry.register(name, latest), [name])
    use_effect(registry.changed, [descriptor])  # a changed description or rule shows in <Knobs />

    def reset(com: Com) -> None:
        current = latest.current
        if current.momentary and cell.value != current.default:
            cell.set(current.default)

    use_on_execution_end(reset)
    return cell, latest


def use_knob(name: str, default_or_knob: Value | Knob, **options: Any) -> tuple[Any, Callable[[Any], None]]:
    """`(value, set_value)` of knob `name`: a value the model sees in `<Knobs />` and may change
    with the `set_knob` tool. Pass a default and `knob()` options, or a `knob(...)` descriptor
    (options given here override its fields).

    `set_value(v)` (or `set_value(fn)`, called with the current value) checks `v` like the tool
    does and raises `KnobError` when it is not acceptable.
    """
    if isinstance(default_or_knob, Knob):
        descriptor = replace(default_or_knob, **options) if options else default_or_knob
    else:
        descriptor = knob(default_or_knob, **options)
    cell, latest = use_knob_cell(name, descriptor)

    def set_value(value: Any) -> None:
        new = value(cell.value) if callable(value) else value
        cell.set(latest.current.check(name, new))

    return cell.value, use_callback(set_value, [cell])
