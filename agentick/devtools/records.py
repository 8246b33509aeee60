"""The DevTools record log: every record an app (or a remote app) produced, numbered, in memory.

Records are JSON objects (`session`, `event` and `tick` records, see `observer.py`), handed over as
`Record`s: the kind and the JSON text, encoded once by their producer (`encode.py`, or `encode`
here for records given as dicts). The log gives each one the next `seq` and keeps the text, which
is what the server sends. Producers append from any thread (an app's event loop, the server's
ingest route); readers ask for the records after a `seq` and may wait for new ones from their own
event loop.

Memory is bounded: the log keeps at most `max_records` records and `max_bytes` of JSON (by default
the newest 10,000 records and 64 MB), dropping the oldest first. Session records are the exception:
they are tiny and the page needs them to place the records that follow, so they are kept apart and
survive eviction (at most `max_sessions` of them, the oldest dropped first). A reader that asks for
records after a `seq` that was dropped gets the kept session records of that range and then the
records still held.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
from collections import OrderedDict, deque
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

__all__ = ["MAX_BYTES", "MAX_RECORDS", "MAX_SESSIONS", "Record", "RecordLog", "encode", "to_json"]

MAX_RECORDS = 10_000
MAX_BYTES = 64 * 1024 * 1024
MAX_SESSIONS = 10_000


class Record(NamedTuple):
    """A record ready for the log: its `kind` and its JSON object text (`json`), without `seq`."""

    kind: str
    json: str


def to_json(value: Any) -> str:
    """Compact JSON text, non-ASCII kept as is (the records' encoding)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode(fields: Mapping[str, Any]) -> Record:
    """The `Record` of a record given as a dict (a `seq` in it is dropped: the log numbers records)."""
    return Record(str(fields.get("kind")), to_json({key: value for key, value in fields.items() if key != "seq"}))


class RecordLog:
    """A thread-safe, bounded, numbered log of DevTools records (see the module docstring)."""

    def __init__(
        self, *, max_records: int = MAX_RECORDS, max_bytes: int = MAX_BYTES, max_sessions: int = MAX_SESSIONS
    ) -> None:
        if max_records < 1 or max_bytes < 1 or max_sessions < 1:
            raise ValueError("a RecordLog needs room for at least one record, byte and session")
        self.max_records = max_records
        self.max_bytes = max_bytes
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._last = 0  # the seq of the newest record
        self._records: deque[tuple[int, str]] = deque()  # (seq, JSON), seqs consecutive
        self._bytes = 0
        self._sessions: OrderedDict[int, str] = OrderedDict()  # session records by seq, kept apart
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def last_seq(self) -> int:
        """The `seq` of the newest record (0 while the log is empty)."""
        return self._last

    def append(self, record: Record) -> int:
        """Number `record`, keep it, wake the waiting readers; returns its `seq`."""
        return self.extend([record])

    def extend(self, records: Iterable[Record]) -> int:
        """Append several records in order; returns the `seq` of the last one (the current last when
        `records` is empty)."""
        with self._lock:
            for record in records:
                self._last += 1
                text = f'{{"seq":{self._last},{record.json[1:]}'  # records are non-empty JSON objects
                self._records.append((self._last, text))
                self._bytes += len(text)
                if record.kind == "session":
                    self._sessions[self._last] = text
                    if len(self._sessions) > self.max_sessions:
                        self._sessions.popitem(last=False)
                self._evict()
            last = self._last
            waiters = list(self._waiters)
        for loop, event in waiters:
            with contextlib.suppress(RuntimeError):  # that reader's loop has closed: it waits no more
                loop.call_soon_threadsafe(event.set)
        return last

    def _evict(self) -> None:
        while len(self._records) > 1 and (len(self._records) > self.max_records or self._bytes > self.max_bytes):
            _, text = self._records.popleft()
            self._bytes -= len(text)

    def after(self, seq: int) -> list[tuple[int, str]]:
        """`(seq, JSON text)` of every record with a `seq` above `seq` that the log still holds, in order."""
        with self._lock:
            if not self._records:
                return []
            first = self._records[0][0]
            dropped = [(number, text) for number, text in self._sessions.items() if seq < number < first]
            return dropped + list(itertools.islice(self._records, max(seq + 1 - first, 0), None))

    async def wait(self, seq: int) -> None:
        """Return once the log holds a record newer than `seq` (at once if it does already)."""
        loop = asyncio.get_running_loop()
        waiter = (loop, asyncio.Event())
        with self._lock:
            if self._last > seq:
                return
            self._waiters.add(waiter)
        try:
            await waiter[1].wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)
