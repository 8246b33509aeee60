"""Model-input assembly: from a collected structure (plus lower-priority tools) to `CompiledContext`.

Order: the system message first, then `after-system` and `start` ephemerals, then the conversation
in tree order with `before-user` ephemerals just before the last user message, then `end`
ephemerals. Each bucket keeps tree order among equal `order` values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..message_input import plain_message
from ..tokens import TokenCounter
from ..tools import ExecutableTool, merge_tools
from ..types import Message, ModelInput, TextBlock, ToolDefinition
from .collect import CompiledStructure, Ephemeral

__all__ = ["CompiledContext", "assemble"]


class CompiledContext:
    """One compile pass: exactly what the model would receive, and how it was built.

    `system` is the system message text; `messages` the conversation after it (ephemerals
    included); `model_input` what a model adapter receives. `token_count` is computed on first
    access (each timeline message is tokenised once per session). `ephemerals` maps the index in
    `messages` of each placed ephemeral to it (how `provenance` tells them from the conversation).
    """

    __slots__ = (
        "_token_count",
        "_tokens",
        "ephemerals",
        "iterations",
        "model",
        "model_input",
        "model_options",
        "sections",
        "structure",
        "system",
        "tool_objects",
        "tools",
    )

    def __init__(
        self,
        structure: CompiledStructure,
        tool_objects: list[ExecutableTool[Any]],
        model_input: ModelInput,
        system: str | None,
        tokens: TokenCounter,
        iterations: int,
        ephemerals: dict[int, Ephemeral],
    ) -> None:
        self.structure = structure
        self.ephemerals = ephemerals
        self.system = system
        self.sections = {section_id: data.body for section_id, data in structure.sections.items()}
        self.tool_objects = tool_objects  # every merged tool, including user-audience ones
        self.tools: list[ToolDefinition] = model_input.tools
        self.model_options = model_input.options
        self.model = structure.model
        self.model_input = model_input
        self.iterations = iterations
        self._tokens = tokens
        self._token_count: int | None = None

    @property
    def messages(self) -> list[Message]:
        messages = self.model_input.messages
        return messages[1:] if self.system is not None else list(messages)

    @property
    def tokens(self) -> TokenCounter:
        """The session's token counter this context counts with."""
        return self._tokens

    @property
    def token_count(self) -> int:
        if self._token_count is None:
            self._token_count = self._tokens.count_messages(self.model_input.messages) + self._tokens.count_tools(
                self.tools
            )
        return self._token_count

    def section(self, section_id: str) -> str | None:
        """The formatted body of a section (without its heading), or None."""
        return self.sections.get(section_id)

    def has_tool(self, name: str) -> bool:
        return any(definition.name == name for definition in self.tools)

    def tool(self, name: str) -> ToolDefinition:
        for definition in self.tools:
            if definition.name == name:
                return definition
        raise KeyError(f"no tool named {name!r}; the model is offered {[d.name for d in self.tools]}")

    def find_tool(self, name: str) -> ExecutableTool[Any] | None:
        """The runnable tool for a name or alias (user-audience tools included)."""
        for candidate in self.tool_objects:
            if candidate.name == name:
                return candidate
        for candidate in self.tool_objects:
            if name in candidate.aliases:
                return candidate
        return None

    def __repr__(self) -> str:
        size = len(self.model_input.messages)
        return f"<CompiledContext system={self.system!r:.40} messages={size} tools={len(self.tools)}>"


def assemble(
    structure: CompiledStructure,
    tokens: TokenCounter,
    *,
    tool_sources: Sequence[Iterable[ExecutableTool[Any]]] = (),
    iterations: int = 1,
) -> CompiledContext:
    """Build the CompiledContext of a collected structure. `tool_sources` are lower-priority tools
    (app < session < send); tools in the tree win over all of them."""
    tool_objects = merge_tools(*tool_sources, structure.tools)
    definitions = [item.definition for item in tool_objects if item.audience != "user"]
    system = structure.system_text()
    placed: dict[int, Ephemeral] = {}
    conversation = place_ephemerals(structure.conversation, structure.ephemerals, placed)
    if system is not None:  # built like a plain input dict (the same Message, without validating the text again)
        message = plain_message({"role": "system", "content": system})
        conversation.insert(0, message or Message(role="system", content=[TextBlock(text=system)]))
    model_input = ModelInput(messages=conversation, tools=definitions, options=dict(structure.model_options))
    return CompiledContext(structure, tool_objects, model_input, system, tokens, iterations, placed)


def place_ephemerals(
    conversation: list[Message], ephemerals: list[Ephemeral], placed: dict[int, Ephemeral] | None = None
) -> list[Message]:
    """The conversation with the ephemerals placed; `placed` (when given) receives the index of
    each ephemeral in the result."""
    if not ephemerals:
        return list(conversation)
    buckets: dict[str, list[Ephemeral]] = {"after-system": [], "start": [], "before-user": [], "end": []}
    for ephemeral in ephemerals:
        buckets[ephemeral.position].append(ephemeral)
    ordered = {position: sorted(items, key=_order) for position, items in buckets.items()}
    front = [*ordered["after-system"], *ordered["start"]]
    before_user = ordered["before-user"]
    last_user = next((i for i in range(len(conversation) - 1, -1, -1) if conversation[i].role == "user"), -1)
    if not before_user or last_user < 0:
        last_user = len(conversation)  # no user message: they go after the conversation
    end = ordered["end"]
    out = [e.message for e in front]
    out += conversation[:last_user]
    out += [e.message for e in before_user]
    out += conversation[last_user:]
    out += [e.message for e in end]
    if placed is not None:
        placed.update(enumerate(front))
        placed.update(enumerate(before_user, len(front) + last_user))
        placed.update(enumerate(end, len(out) - len(end)))
    return out


def _order(ephemeral: Ephemeral) -> Any:
    return ephemeral.order
