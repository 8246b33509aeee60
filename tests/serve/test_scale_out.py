"""Scale-out end to end (issue 17): three `agentick serve` worker processes on one real PostgreSQL,
a client driving 100 sessions x 5 turns with a random worker per request, and one worker SIGKILLed
mid-run. Every turn whose response succeeded is stored exactly once, a turn that failed is stored
at most once, and every session stays consistent and usable from the surviving workers."""

from __future__ import annotations

import contextlib
import random
import signal
from pathlib import Path
from typing import Any

import anyio
import httpx2

from agentick.types import TimelineEntry
from tests.engine.support import assert_consistent
from tests.serve.processes import GUARD, Served, serving

HERE = Path(__file__).resolve().parent
SESSIONS = 100
TURNS = 5
KILL_AFTER = 150  # successful turns before the third worker is killed
CONCURRENT = 20  # sessions driven at once


class Drive:
    """The client side of the run: which turns succeeded or failed, per session."""

    def __init__(self, workers: list[Served]) -> None:
        self.workers = workers
        self.alive = [True] * len(workers)
        self.chooser = random.Random(17)
        self.succeeded: dict[str, list[str]] = {}
        self.failed: dict[str, list[str]] = {}
        self.done = 0

    def pick(self) -> str:
        return self.workers[self.chooser.choice([i for i, up in enumerate(self.alive) if up])].url

    def kill_last(self) -> None:
        self.workers[-1].process.send_signal(signal.SIGKILL)
        self.alive[-1] = False

    async def session(self, http: httpx2.AsyncClient, number: int, limiter: anyio.CapacityLimiter) -> None:
        async with limiter:
            session_id = await self.create(http)
            self.succeeded[session_id], self.failed[session_id] = [], []
            for turn in range(TURNS):
                text = f"session {number} turn {turn}"
                try:
                    response = await http.post(f"{self.pick()}/sessions/{session_id}/messages", json={"text": text})
                except httpx2.TransportError:  # the worker died under this request
                    self.failed[session_id].append(text)
                    continue
                if response.status_code != 200:  # e.g. 409: the dead worker's lease had not expired yet
                    assert response.status_code == 409, response.text
                    assert response.json()["error"]["type"] == "SessionBusyError", response.text
                    self.failed[session_id].append(text)
                    continue
                assert response.json()["stop_reason"] == "stop", response.text
                self.succeeded[session_id].append(text)
                self.done += 1
                if self.done == KILL_AFTER:
                    self.kill_last()

    async def create(self, http: httpx2.AsyncClient) -> str:
        while True:
            try:
                response = await http.post(f"{self.pick()}/sessions")
            except httpx2.TransportError:  # sent to the worker being killed: try another
                continue
            assert response.status_code == 201, response.text
            session_id: str = response.json()["id"]
            return session_id


def user_texts(session: dict[str, Any]) -> list[str]:
    entries = [TimelineEntry.model_validate(entry) for entry in session["timeline"]]
    assert_consistent(entries)
    return [entry.message.text for entry in entries if entry.message.role == "user"]


async def stored(urls: list[str], session_ids: list[str]) -> dict[str, dict[str, Any]]:
    async with httpx2.AsyncClient(timeout=GUARD) as http:
        sessions = {}
        for index, session_id in enumerate(session_ids):
            response = await http.get(f"{urls[index % len(urls)]}/sessions/{session_id}")
            assert response.status_code == 200, response.text
            sessions[session_id] = response.json()
        return sessions


async def one_more_turn(urls: list[str], session_ids: list[str]) -> list[int]:
    async with httpx2.AsyncClient(timeout=GUARD) as http:
        return [
            (
                await http.post(f"{urls[index % len(urls)]}/sessions/{session_id}/messages", json={"text": "again"})
            ).status_code
            for index, session_id in enumerate(session_ids)
        ]


def test_three_workers_on_postgresql_one_killed_mid_run(postgres_url: str) -> None:
    # A short lease, so that the sessions the dead worker held become free within a send's lease_wait.
    options = ("notes_agent.py", "--model", "test", "--store", postgres_url, "--lease-ttl", "2", "--lease-wait", "10")
    with contextlib.ExitStack() as stack:
        workers = [stack.enter_context(serving(*options, cwd=HERE)) for _ in range(3)]
        drive = Drive(workers)

        async def main() -> None:
            limiter = anyio.CapacityLimiter(CONCURRENT)
            async with httpx2.AsyncClient(timeout=GUARD) as http, anyio.create_task_group() as group:
                for number in range(SESSIONS):
                    group.start_soon(drive.session, http, number, limiter)

        anyio.run(main)

        assert workers[2].process.wait(timeout=GUARD) == -signal.SIGKILL
        assert drive.done >= KILL_AFTER and len(drive.succeeded) == SESSIONS
        survivors = [worker.url for worker in workers[:2]]
        sessions = anyio.run(stored, survivors, list(drive.succeeded))
        for session_id, session in sessions.items():
            texts = user_texts(session)
            for text in drive.succeeded[session_id]:
                assert texts.count(text) == 1, (session_id, text, texts)
            for text in drive.failed[session_id]:
                assert texts.count(text) <= 1, (session_id, text, texts)
            assert set(texts) <= {*drive.succeeded[session_id], *drive.failed[session_id]}
            assert texts == sorted(texts, key=lambda text: int(text.rsplit(" ", 1)[1]))  # in the order sent
        # no session is corrupt or stuck: each takes one more turn on a surviving worker
        assert anyio.run(one_more_turn, survivors, list(drive.succeeded)) == [200] * SESSIONS
