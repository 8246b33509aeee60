"""Sending an app's DevTools records to a standalone server (`agentick devtools`) in another process.

The observer hands each record to `Bridge.put`, which only queues it: a daemon thread takes what
has queued, up to `BATCH` records at a time, and POSTs them as JSON to the server's
`/api/ingest`. Nothing here can block or fail an execution. When the server cannot be reached (not
started yet, stopped, a wrong token), or the queue is full because it cannot keep up, the records
are dropped and one warning goes to the `agentick` logger; later batches are tried again.

A process has one bridge per server URL, shared by all its apps (`bridge_for`): `run()` makes an
app per call, and a thread per app would pile up. `App.close()` flushes the bridge (waits until
what its app queued was sent); at interpreter exit every bridge is flushed, so a script that never
closes its app still delivers its records. Only the standard library is used, so the `serve`
extra is not needed on this side.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .records import Record

__all__ = ["Bridge", "bridge_for", "page_url"]

logger = logging.getLogger("agentick")

BATCH = 500  # records per POST
QUEUE_SIZE = 10_000  # records waiting to be sent before new ones are dropped
TIMEOUT = 5.0  # seconds per POST
FLUSH_TIMEOUT = 10.0  # seconds `flush()` waits at most

_bridges: dict[str, Bridge] = {}  # by page URL: one per server for the whole process
_bridges_lock = threading.Lock()


def page_url(url: str, *, origin: str = "devtools") -> str:
    """The DevTools page URL `url` (as `agentick devtools` prints it), checked: an http URL with a
    `token` query parameter. `origin` names where the URL came from, for the error."""
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
    if parts.scheme != "http" or not parts.hostname or not token:
        raise ValueError(
            f"{origin}={url!r} is not a DevTools URL; expected the URL `agentick devtools` prints, "
            "like http://127.0.0.1:PORT/?token=TOKEN (the token is required)"
        )
    return urllib.parse.urlunsplit(("http", parts.netloc, "/", urllib.parse.urlencode({"token": token}), ""))


def bridge_for(url: str, *, origin: str = "devtools") -> Bridge:
    """The process's bridge to the DevTools server at `url`, started on first use."""
    page = page_url(url, origin=origin)
    with _bridges_lock:
        bridge = _bridges.get(page)
        if bridge is None:
            bridge = _bridges[page] = Bridge(page)
        return bridge


@atexit.register
def _flush_all() -> None:
    with _bridges_lock:
        bridges = list(_bridges.values())
    for bridge in bridges:
        bridge.flush()


class _Flushed:
    """A marker in the queue: set once every record queued before it was handled."""

    __slots__ = ("done",)

    def __init__(self) -> None:
        self.done = threading.Event()


class Bridge:
    """Queues records and POSTs them in batches to the DevTools server whose page is `url`."""

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.ingest_url = urllib.parse.urlunsplit(("http", parts.netloc, "/api/ingest", parts.query, ""))
        self._queue: queue.Queue[Any] = queue.Queue(QUEUE_SIZE)
        self._warned = False
        # A proxy from the environment (HTTP_PROXY) must not see the records: the server is local.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._thread = threading.Thread(target=self._send_forever, name="agentick-devtools-bridge", daemon=True)
        self._thread.start()

    def put(self, record: Record) -> None:
        """Queue `record` for the server; never blocks (a full queue drops it, with one warning)."""
        try:
            self._queue.put_nowait(record)
        except queue.Full:
            self._warn(f"DevTools at {self.url}: more than {QUEUE_SIZE} records wait to be sent; new ones are dropped")

    def flush(self, timeout: float = FLUSH_TIMEOUT) -> bool:
        """Wait until the records queued so far were sent (or dropped); False if that took longer
        than `timeout` seconds."""
        marker = _Flushed()
        try:
            self._queue.put(marker, timeout=timeout)
        except queue.Full:
            return False
        return marker.done.wait(timeout)

    def _send_forever(self) -> None:
        while True:
            batch: list[Record] = []
            markers: list[_Flushed] = []
            item = self._queue.get()
            while True:
                if isinstance(item, _Flushed):
                    markers.append(item)
                else:
                    batch.append(item)
                if len(batch) == BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._post(batch)
            for marker in markers:
                marker.done.set()

    def _post(self, batch: list[Record]) -> None:
        try:
            body = ('{"records":[' + ",".join(record.json for record in batch) + "]}").encode()
            request = urllib.request.Request(
                self.ingest_url, data=body, method="POST", headers={"Content-Type": "application/json"}
            )
            with self._opener.open(request, timeout=TIMEOUT):
                pass
        except urllib.error.HTTPError as error:
            with error:
                detail = error.read().decode(errors="replace")
            self._warn(f"DevTools at {self.url} refused {len(batch)} records: HTTP {error.code} {detail}".rstrip())
        except (OSError, ValueError) as error:
            self._warn(f"DevTools at {self.url} is unreachable ({error}); its records are dropped")

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("%s (further problems with this DevTools server are not reported)", message)
