"""The JSON text of DevTools records, with each message encoded once.

Every tick carries the whole conversation twice: in its `compiled` event (the model input) and in
its tick record (the context, one line per message). Encoding that afresh on every tick costs
time proportional to the conversation (35 ms a tick at 2,000 messages), on the app's event loop.
Messages are not edited in place (a timeline message is the same object from tick to tick), so
the JSON of each message and the fields of its context line are kept per message object, and
forgotten when it is collected (like `TokenCounter`'s counts); a tick then encodes only what is new.

Records keep the shape of the wire protocol exactly (`observer.py`); an event's JSON is
`event.model_dump_json()`, whose parsed value is `event.model_dump(mode="json")`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ..compiler import CompiledContext
from ..engine.events import CompiledEvent, StreamEvent
from ..tokens import TokenCounter
from ..types import Message
from .records import Record, to_json
from .snapshot import message_text

__all__ = ["RecordEncoder"]


class RecordEncoder:
    """Encodes event and tick records, remembering the JSON of each message it met."""

    def __init__(self) -> None:
        self._messages: dict[int, _Encoded] = {}  # by id(message)

    def __len__(self) -> int:
        """How many messages are remembered."""
        return len(self._messages)

    def event(self, session_id: str, event: StreamEvent) -> Record:
        return Record(
            "event", f'{{"kind":"event","session_id":{to_json(session_id)},"event":{self.event_json(event)}}}'
        )

    def event_json(self, event: StreamEvent) -> str:
        """`event.model_dump_json()`; for a `compiled` event with its messages' JSON reused."""
        if not isinstance(event, CompiledEvent):
            return event.model_dump_json()
        model_input = event.model_input
        messages = ",".join(self._encoded(message).json() for message in model_input.messages)
        rest = model_input.model_dump_json(exclude={"messages"})[1:-1]  # tools, options
        outer = event.model_dump_json(exclude={"model_input"})[:-1]
        return f'{outer},"model_input":{{"messages":[{messages}]{"," if rest else ""}{rest}}}}}'

    def tick(
        self,
        session_id: str,
        execution_id: str,
        tick: int,
        compiled: CompiledContext,
        tokens: TokenCounter,
        tree: dict[str, Any],
    ) -> Record:
        """The tick record: the compiled context with token counts (the numbers `agentick compile`
        prints: the system text, each section body, each message with its framing, each tool
        definition, and the total) and the component `tree` (`snapshot.tree_snapshot`)."""
        system = compiled.system
        head = {
            "system": system,
            "system_tokens": tokens.count(system) if system is not None else 0,
            "sections": [
                {"id": section_id, "text": body, "tokens": tokens.count(body)}
                for section_id, body in compiled.sections.items()
            ],
        }
        tail = {
            "tools": [
                {"name": tool.name, "description": tool.description, "tokens": tokens.count_tools([tool])}
                for tool in compiled.tools
            ],
            "total_tokens": compiled.token_count,
        }
        messages = ",".join(
            f'{{"index":{index},{self._encoded(message).line()},"tokens":{tokens.count_message(message)}}}'
            for index, message in enumerate(compiled.messages)
        )
        context = f'{to_json(head)[:-1]},"messages":[{messages}],{to_json(tail)[1:]}'
        ids = f'"session_id":{to_json(session_id)},"execution_id":{to_json(execution_id)},"tick":{int(tick)}'
        return Record("tick", f'{{"kind":"tick",{ids},"context":{context},"tree":{to_json(tree)}}}')

    def _encoded(self, message: Message) -> _Encoded:
        key = id(message)
        entry = self._messages.get(key)
        if entry is None or entry.reference() is not message:
            entry = self._messages[key] = _Encoded(weakref.ref(message, _forgetter(self._messages, key)))
        return entry


class _Encoded:
    """What was encoded of one message, each part on first use: its JSON, its context line's fields."""

    __slots__ = ("_json", "_line", "reference")

    def __init__(self, reference: weakref.ref[Message]) -> None:
        self.reference = reference
        self._json: str | None = None
        self._line: str | None = None

    def json(self) -> str:
        if self._json is None:
            self._json = self._message().model_dump_json()
        return self._json

    def line(self) -> str:
        """`"role":...,"text":...` of the message's line in a tick record's context."""
        if self._line is None:
            message = self._message()
            self._line = f'"role":{to_json(message.role)},"text":{to_json(message_text(message))}'
        return self._line

    def _message(self) -> Message:
        message = self.reference()
        assert message is not None  # alive while it is being encoded
        return message


def _forgetter(entries: dict[int, _Encoded], key: int) -> Callable[[weakref.ref[Message]], None]:
    """A weak-reference callback removing `key` from `entries`, if the entry is still the dead one's."""

    def forget(reference: weakref.ref[Message]) -> None:
        entry = entries.get(key)
        if entry is not None and entry.reference is reference:
            del entries[key]

    return forget
