"""Store benchmark: what saving one turn costs a `PostgresStore`, at 200 and 2,000 messages.

    python benchmarks/store_save.py [--quick]

Starts a throwaway PostgreSQL server (tests/postgres.py: the installed binaries, a temporary
directory, a free port). For each history size, a session of the *Engine ticks* agent imports the
history in one send, then runs turns of one user message and one answer (the scripted test
model); every save of those turns is measured: the JSON it sends (appended entry rows and the
head, the snapshot without its timeline), the write-ahead log PostgreSQL wrote for it
(`pg_current_wal_lsn()` before and after: the bytes that actually hit the disk, index and page
overhead included) and its time. For comparison, the size of the whole snapshot: what a store that
rewrites the session on every save (one JSON row, like `SqliteStore`) writes per turn.

`save_cost(url, messages, turns)` is the measurement, for other benchmarks (benchmarks/serve.py).
Writes the "Session store saves" section of docs/benchmarks.md.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import environment, table, write_section
from tick import Agent, history

from agentick import create_app
from agentick.stores import PostgresStore
from agentick.testing import create_test_model
from tests.postgres import postgres_server


class MeasuredStore(PostgresStore):
    """A PostgresStore that records, per save: JSON bytes sent, WAL bytes written, seconds."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.saves: list[dict[str, float]] = []
        self._monitor: psycopg.AsyncConnection[Any] | None = None
        self._stored_entries = 0

    async def _lsn(self) -> int:
        if self._monitor is None:
            self._monitor = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        cursor = await self._monitor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def save(self, id: str, snapshot: dict[str, Any], expected_revision: int | None = None) -> int:
        timeline = snapshot.get("timeline") or []
        appended = timeline[self._stored_entries :]
        head = {key: value for key, value in snapshot.items() if key not in ("timeline", "revision")}
        sent = len(json.dumps(head)) + sum(len(json.dumps(entry)) for entry in appended)
        before = await self._lsn()
        start = time.perf_counter()
        revision = await super().save(id, snapshot, expected_revision)
        seconds = time.perf_counter() - start
        wal = await self._lsn() - before
        self._stored_entries = len(timeline)
        self.saves.append(
            {"sent": sent, "wal": wal, "seconds": seconds, "entries": len(appended), "whole": len(json.dumps(snapshot))}
        )
        return revision

    async def aclose(self) -> None:
        if self._monitor is not None:
            await self._monitor.close()
            self._monitor = None
        await super().aclose()


async def save_cost(url: str, messages: int, turns: int) -> dict[str, float]:
    """Medians over `turns` turns of a session holding `messages` imported messages."""
    store = MeasuredStore(url)
    async with store, create_app(Agent, model=create_test_model(), store=store) as app:
        session = await app.session()
        await session.send(messages=history(messages), max_ticks=1).result
        store.saves.clear()
        for turn in range(turns):
            await session.send(f"turn {turn}", max_ticks=1).result
        saves = store.saves
        return {
            "entries": statistics.median(save["entries"] for save in saves),
            "sent": statistics.median(save["sent"] for save in saves),
            "wal": statistics.median(save["wal"] for save in saves),
            "ms": statistics.median(save["seconds"] for save in saves) * 1000,
            "whole": statistics.median(save["whole"] for save in saves),
        }


def main() -> None:
    turns = 5 if "--quick" in sys.argv else 30
    rows = []
    with postgres_server() as server:
        for size in (200, 2000):
            cost = anyio.run(save_cost, server.url, size, turns)
            rows.append(
                [
                    f"{size:,}",
                    f"{cost['entries']:.0f}",
                    f"{cost['sent']:,.0f}",
                    f"{cost['wal']:,.0f}",
                    f"{cost['whole']:,.0f}",
                    f"{cost['ms']:.2f}",
                ]
            )
    result = table(
        [
            "history",
            "entries appended",
            "JSON sent (bytes)",
            "WAL written (bytes)",
            "whole snapshot (bytes)",
            "save (ms)",
        ],
        rows,
    )
    print(result)
    write_section(
        "Session store saves",
        f"""{environment("psycopg", "psycopg-pool")} PostgreSQL 15 on loopback, default settings.

Rerun with `python benchmarks/store_save.py`. A session of the *Engine ticks* agent imports a history
of N messages, then runs {turns} turns (a user message and the test model's answer); per turn's save,
medians: the timeline entries appended, the JSON sent (those entry rows and the head: the snapshot
without its timeline), the write-ahead log PostgreSQL wrote for it (`pg_current_wal_lsn()` before and
after, so index entries, page headers and the transaction record included), and the time of the
save. *Whole snapshot*: what a store that rewrites the session each time (one JSON row, like
`SqliteStore`) would write per turn.

{result}

Reading: a save appends the turn's two entries and updates the head row, so what it writes does not
grow with the history (`docs/sessions.md`, "PostgreSQL"); rewriting the whole session would write the
last column on every turn.""",
    )


if __name__ == "__main__":
    main()
