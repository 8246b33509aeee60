"""A store that fails: the answer is a 500 in the API's error shape, and the server keeps serving."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from agentick import PersistenceError, create_app
from agentick.stores import MemoryStore
from agentick.testing import create_test_model

from .support import Agent, LiveServer, create_session

pytestmark = pytest.mark.anyio


class FlakyStore(MemoryStore):
    """Fails to load while `failing` is set."""

    failing = False

    async def load(self, id: str) -> dict[str, Any] | None:
        if self.failing:
            raise PersistenceError(f"session store: cannot read {id!r}: disk gone")
        return await super().load(id)


STORE = FlakyStore()


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(create_app(Agent, model=create_test_model(default_response="Hi."), store=STORE)) as live:
        yield live


async def test_a_failing_store_answers_500_with_the_error(server: LiveServer) -> None:
    async with server.http() as http:
        session_id = await create_session(http)
        STORE.failing = True
        try:
            failed = await http.get(f"/sessions/{session_id}")  # the server also logs it, with its trace
        finally:
            STORE.failing = False
        assert failed.status_code == 500
        assert failed.json() == {
            "error": {"type": "PersistenceError", "message": f"session store: cannot read {session_id!r}: disk gone"}
        }
        assert (await http.get(f"/sessions/{session_id}")).status_code == 200
