"""The App observer behind DevTools: every event of an app's sessions becomes a record for a sink.

Records (the wire protocol the page reads, `docs/observability.md`):

- `{"kind": "session", "session_id", "app", "process", "parent"}` before the first record of a
  session (`app` is its component's name, `process` is `pid@hostname`, `parent` the id of the
  session that spawned it, else None);
- `{"kind": "event", "session_id", "event"}` for every stream event (`event.model_dump(mode="json")`);
- `{"kind": "tick", "session_id", "execution_id", "tick", "context", "tree"}` right after each
  `compiled` event: the compiled context with token counts and the component tree with hook state
  (`snapshot.py`).

The sink is the in-process record log or the bridge to a standalone server; it receives fresh
dicts that nobody mutates afterwards. The observer runs synchronously as events are pushed, so it
only builds records; storing, numbering and sending happen in the sink.
"""

from __future__ import annotations

import os
import socket
import weakref
from collections.abc import Callable
from typing import Any

from ..element import type_name
from ..engine.events import StreamEvent
from ..engine.session import Session
from .snapshot import context_snapshot, tree_snapshot

__all__ = ["DevToolsObserver", "Record"]

Record = dict[str, Any]


class DevToolsObserver:
    """`app.observers` entry that turns `(session, event)` into records for `sink`."""

    def __init__(self, sink: Callable[[Record], Any]) -> None:
        self.sink = sink
        self.process = f"{os.getpid()}@{socket.gethostname()}"
        self._announced: weakref.WeakSet[Session] = weakref.WeakSet()  # sessions whose record was sent

    def __call__(self, session: Session, event: StreamEvent) -> None:
        if session not in self._announced:
            self._announced.add(session)
            self.sink(self.session_record(session))
        self.sink({"kind": "event", "session_id": session.id, "event": event.model_dump(mode="json")})
        if event.type == "compiled" and session.last_compiled is not None:
            self.sink(self.tick_record(session, event.execution_id, event.tick))

    def session_record(self, session: Session) -> Record:
        # a spawned child's id is its parent's id, "/", and its own part (Session._spawn)
        parent = session.id.rpartition("/")[0] if session.depth > 0 else None
        return {
            "kind": "session",
            "session_id": session.id,
            "app": type_name(session.component),
            "process": self.process,
            "parent": parent or None,
        }

    def tick_record(self, session: Session, execution_id: str, tick: int) -> Record:
        compiled = session.last_compiled
        assert compiled is not None
        return {
            "kind": "tick",
            "session_id": session.id,
            "execution_id": execution_id,
            "tick": tick,
            "context": context_snapshot(compiled, session.runtime.tokens),
            "tree": tree_snapshot(session.compiler().root.fiber),
        }
