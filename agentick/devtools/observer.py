"""The App observer behind DevTools: every event of an app's sessions becomes a record for a sink.

Records (the wire protocol the page reads, `docs/observability.md`):

- `{"kind": "session", "session_id", "app", "process", "parent"}` before the first record of a
  session (`app` is its component's name, `process` is `pid@hostname`, `parent` the id of the
  session that spawned it, else None);
- `{"kind": "event", "session_id", "event"}` for every stream event (`event.model_dump(mode="json")`);
- `{"kind": "tick", "session_id", "execution_id", "tick", "context", "tree"}` right after each
  `compiled` event: the compiled context with token counts and the component tree with hook state
  (`snapshot.py`).

The sink is the in-process record log or the bridge to a standalone server; it receives `Record`s
already encoded as JSON (`encode.py`: each message is encoded once, not on every tick). The
observer runs synchronously as events are pushed; storing, numbering and sending happen in the sink.
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
from .encode import RecordEncoder
from .records import Record, encode
from .snapshot import tree_snapshot

__all__ = ["DevToolsObserver"]


class DevToolsObserver:
    """`app.observers` entry that turns `(session, event)` into records for `sink`."""

    def __init__(self, sink: Callable[[Record], Any]) -> None:
        self.sink = sink
        self.process = f"{os.getpid()}@{socket.gethostname()}"
        self.encoder = RecordEncoder()
        self._announced: weakref.WeakSet[Session] = weakref.WeakSet()  # sessions whose record was sent

    def __call__(self, session: Session, event: StreamEvent) -> None:
        if session not in self._announced:
            self._announced.add(session)
            self.sink(self.session_record(session))
        self.sink(self.encoder.event(session.id, event))
        compiled = session.last_compiled
        if event.type == "compiled" and compiled is not None:
            tree = tree_snapshot(session.compiler().root.fiber)
            self.sink(
                self.encoder.tick(session.id, event.execution_id, event.tick, compiled, session.runtime.tokens, tree)
            )

    def session_record(self, session: Session) -> Record:
        # a spawned child's id is its parent's id, "/", and its own part (Session._spawn)
        parent = session.id.rpartition("/")[0] if session.depth > 0 else None
        return encode(
            {
                "kind": "session",
                "session_id": session.id,
                "app": type_name(session.component),
                "process": self.process,
                "parent": parent or None,
            }
        )
