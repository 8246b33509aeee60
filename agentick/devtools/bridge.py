"""Sending an app's DevTools records to a standalone server (`agentick devtools`) in another process.

The observer hands each record to `Bridge.put`, which only queues it: a daemon thread takes what
has queued, up to `BATCH` records at a time, and POSTs them as JSON to the server's
`/api/ingest`. Nothing here can block or fail an execution. When the server cannot be reached (not
started yet, stopped, a wrong token), or the queue is full because it cannot keep up, the records
are dropped and one warning goes to the `agentick` logger; later batches are tried again.

A process has one bridge per server URL, shared by the apps connected to it (`bridge_for`):
`run()` makes an app per call, and a thread per app would pile up. Each app holds a reference;
`App.close()` releases it, which flushes the bridge (waits until what was queued was sent), and the
last release also stops its thread (a later app on that URL starts a new bridge). At interpreter
exit every bridge still open is flushed, so a script that never closes its app still delivers its
records. Only the standard library is used, so the `serve` extra is not needed on this side.
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

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")  # the only hosts a DevTools server answers for

_bridges: dict[str, Bridge] = {}  # the open bridges, by page URL: one per server
_bridges_lock = threading.Lock()


def page_url(url: str, *, origin: str = "devtools") -> str:
    """The DevTools page URL `url` (as `agentick devtools` prints it), checked: an http URL on a
    loopback host (127.0.0.1, localhost or [::1]: the server answers no other) with a `token` query
    parameter. `origin` names where the URL came from, for the error."""
    parts = urllib.parse.urlsplit(url)
    token = urllib.parse.parse_qs(parts.query).get("token", [""])[0]
    if parts.scheme != "http" or not parts.hostname or not token:
        raise ValueError(
            f"{origin}={url!r} is not a DevTools URL; expected the URL `agentick devtools` prints, "
            "like http://127.0.0.1:PORT/?token=TOKEN (the token is required)"
        )
    if parts.hostname not in LOOPBACK_HOSTS:
        raise ValueError(
            f"{origin}={url!r} is not a local DevTools URL: a DevTools server only answers on "
            f"127.0.0.1, localhost or [::1], not {parts.hostname!r}"
        )
    return urllib.parse.urlunsplit(("http", parts.netloc, "/", urllib.parse.urlencode({"token": token}), ""))


def bridge_for(url: str, *, origin: str = "devtools") -> Bridge:
    """The process's bridge to the DevTools server at `url` (started if none is open), with one more
    reference: the caller calls its `release()` once done with it."""
    page = page_url(url, origin=origin)
    with _bridges_lock:
        bridge = _bridges.get(page)
        if bridge is None:
            bridge = _bridges[page] = Bridge(page)
        bridge.references += 1
        return bridge


@atexit.register
def _flush_all() -> None:
    with _bridges_lock:
        bridges = list(_bridges.values())
    for bridge in bridges:
        bridge.flush()


class _Stop:
    """The last item in a released bridge's queue: its thread ends there."""


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
        self.references = 0  # the apps using this bridge (`bridge_for`, `release`), under `_bridges_lock`
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

    def release(self) -> None:
        """Drop one reference, flushing what was queued; the last one stops the thread (joined, at
        most `FLUSH_TIMEOUT` seconds) and closes the bridge: `bridge_for` then starts a new one."""
        with _bridges_lock:
            self.references -= 1
            last = self.references == 0
            if last and _bridges.get(self.url) is self:
                del _bridges[self.url]
        if not last:
            self.flush()
            return
        try:
            self._queue.put(_Stop(), timeout=FLUSH_TIMEOUT)
        except queue.Full:
            return  # the thread is stuck; it is a daemon and dies with the process
        self._thread.join(FLUSH_TIMEOUT)

    def _send_forever(self) -> None:
        stopping = False
        while not stopping:
            batch: list[Record] = []
            markers: list[_Flushed] = []
            item = self._queue.get()
            try:
                while True:
                    if isinstance(item, _Stop):
                        stopping = True
                        break
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
            finally:  # whatever happened, nobody waits on these markers for FLUSH_TIMEOUT
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
        except Exception as error:  # a garbled answer (http.client.BadStatusLine, IncompleteRead, ...)
            self._warn(
                f"DevTools at {self.url} answered {len(batch)} records with something that is not HTTP "
                f"({type(error).__name__}: {error}); its records are dropped"
            )

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            logger.warning("%s (further problems with this DevTools server are not reported)", message)
