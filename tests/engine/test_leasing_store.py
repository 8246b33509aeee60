"""The engine's side of a store with revisions and leases (API.md §16), with an in-process store:
when the lease is taken and released around the save and the last events, on every outcome."""

from __future__ import annotations

import contextlib
import json
import types
from collections.abc import AsyncIterator
from typing import Any

import pytest

from agentick import AbortError, PersistenceError, SessionBusyError, create_app
from agentick.engine.session import Session
from agentick.testing import create_test_model
from tests.engine.support import BrokenStreamModel, chat
from tests.stores.support import GateModel

pytestmark = pytest.mark.anyio


def Chat() -> Any:
    return chat()


class RecordingStore:
    """Revisions and leases in this process; `log` records leases, saves and the session's events."""

    def __init__(self, *, busy: bool = False, **attributes: Any) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.log: list[str] = []
        self.leases: list[tuple[str, float, float]] = []
        self.busy = busy
        self.__dict__.update(attributes)

    def observe(self, session: Session, event: Any) -> None:
        if event.type in ("execution_start", "result", "execution_end"):
            self.log.append(event.type)

    async def save(self, id: str, snapshot: dict[str, Any], expected_revision: int | None = None) -> int:
        stored = self.rows.get(id, {}).get("revision", 0)
        if expected_revision is not None and stored != expected_revision:
            raise PersistenceError(f"revision {stored} is stored, not {expected_revision}")
        self.rows[id] = {**json.loads(json.dumps(snapshot)), "revision": stored + 1}
        self.log.append(f"save {stored + 1}")
        return stored + 1

    async def load(self, id: str) -> dict[str, Any] | None:
        return self.rows.get(id)

    async def delete(self, id: str) -> None:
        self.rows.pop(id, None)

    @contextlib.asynccontextmanager
    async def lease(self, id: str, ttl: float, wait: float) -> AsyncIterator[Any]:
        self.leases.append((id, ttl, wait))
        if self.busy:
            raise SessionBusyError(f"session {id!r} is busy")
        self.log.append("lease")
        try:
            yield types.SimpleNamespace(revision=self.rows.get(id, {}).get("revision", 0))
        finally:
            self.log.append("release")


def app_on(store: RecordingStore, model: Any = None) -> Any:
    app = create_app(Chat, model=model or create_test_model(), store=store, telemetry=False)
    app.observers.append(store.observe)
    return app


async def test_the_lease_spans_the_execution_and_is_released_after_the_save_before_the_last_events():
    store = RecordingStore()
    async with app_on(store) as app:
        session = await app.session()
        await session.send("hi").result

    assert store.log == ["save 1", "lease", "execution_start", "save 2", "release", "result", "execution_end"]
    assert store.leases == [(session.id, 30.0, 10.0)]  # a store without lease_ttl/lease_wait: the defaults
    assert session.revision == 2


async def test_the_store_lease_settings_are_used():
    store = RecordingStore(lease_ttl=4, lease_wait=0.5)
    async with app_on(store) as app:
        session = await app.session()
        await session.send("hi").result

    assert store.leases == [(session.id, 4.0, 0.5)]


@pytest.mark.parametrize("outcome", ["model error", "abort", "close"])
async def test_the_lease_is_released_after_the_save_whatever_the_outcome(outcome):
    store = RecordingStore()
    model = BrokenStreamModel() if outcome == "model error" else GateModel()
    async with app_on(store, model) as app:
        session = await app.session()
        handle = await session.send("hi")
        if outcome == "abort":
            await model.started.wait()
            handle.abort("stop")
        elif outcome == "close":
            await model.started.wait()
            await session.close()
        with pytest.raises(ConnectionError if outcome == "model error" else AbortError):
            await handle.result

    assert store.log == ["save 1", "lease", "execution_start", "save 2", "release", "execution_end"]


async def test_a_busy_lease_ends_the_execution_without_running_or_saving():
    store = RecordingStore(busy=True)
    model = create_test_model()
    async with app_on(store, model) as app:
        session = await app.session()
        handle = await session.send("hi")
        events = [event.type async for event in handle]
        with pytest.raises(SessionBusyError):
            await handle.result

        assert events == ["execution_start", "execution_end"]
        assert store.log == ["save 1", "execution_start", "execution_end"]  # no second save
        assert model.inputs == [] and session.timeline == [] and session.status == "idle"
        store.busy = False
        await session.send("later").result  # the session keeps working
        assert [entry.message.text for entry in session.timeline] == ["later", "Test response"]


async def test_a_store_without_leases_or_revisions_is_used_as_before():
    class PlainStore:
        def __init__(self) -> None:
            self.saved: list[int] = []

        async def save(self, id: str, snapshot: dict[str, Any]) -> None:
            self.saved.append(len(snapshot["timeline"]))

        async def load(self, id: str) -> dict[str, Any] | None:
            return None

        async def delete(self, id: str) -> None:
            pass

    store = PlainStore()
    async with create_app(Chat, model=create_test_model(), store=store) as app:
        session = await app.session()  # not saved at creation
        await session.send("hi").result

    assert (app.store_leases, app.store_saves_revisions) == (False, False)
    assert store.saved == [2] and session.revision == 0
