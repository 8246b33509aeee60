"""Serving benchmark: turns per second and latency of `agentick serve` on PostgreSQL, 1 and 3 workers.

    python benchmarks/serve.py [--quick]

Starts a throwaway PostgreSQL server (tests/postgres.py) and, for 1 and then 3 workers, one
`agentick serve tests/serve/notes_agent.py --model test --store postgresql://... --workers N` (uvicorn's
multi-process mode: the workers share one port, the kernel spreads the connections). 50 concurrent
clients (one keep-alive HTTP connection each) each create a session and send a warm-up turn, then
send their timed turns one after another: a user message, the test model's tool call, the tool
result and the answer, with the lease taken and released and the turn saved (4 timeline entries
appended). Reports turns per second over the timed phase and the median and 99th percentile of
the turn latency seen by the client; then the store's save cost per turn at 200 and 2,000 messages
(`benchmarks/store_save.py`). Writes the "Serving" section of docs/benchmarks.md.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import anyio
import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import environment, table, write_section
from store_save import save_cost

from tests.postgres import postgres_server
from tests.serve.processes import serving

AGENT_DIRECTORY = Path(__file__).resolve().parent.parent / "tests" / "serve"
CLIENTS = 50


class Phase:
    """Holds the clients after their warm-up turn until every one is ready, then starts the clock."""

    def __init__(self) -> None:
        self.warmed = 0
        self.all_warmed = anyio.Event()
        self.go = anyio.Event()
        self.latencies: list[float] = []

    def ready(self) -> None:
        self.warmed += 1
        if self.warmed == CLIENTS:
            self.all_warmed.set()


async def client(url: str, turns: int, phase: Phase) -> None:
    async with httpx2.AsyncClient(base_url=url, timeout=120) as http:
        response = await http.post("/sessions")
        response.raise_for_status()
        session = response.json()["id"]
        (await http.post(f"/sessions/{session}/messages", json={"text": "warm up"})).raise_for_status()
        phase.ready()
        await phase.go.wait()
        for turn in range(turns):
            began = time.perf_counter()
            response = await http.post(f"/sessions/{session}/messages", json={"text": f"turn {turn}"})
            phase.latencies.append(time.perf_counter() - began)
            response.raise_for_status()


async def load(url: str, turns: int) -> tuple[float, list[float]]:
    """Turns per second over the timed phase, and every turn's latency in seconds."""
    phase = Phase()
    async with anyio.create_task_group() as group:
        for _ in range(CLIENTS):
            group.start_soon(client, url, turns, phase)
        await phase.all_warmed.wait()
        began = time.perf_counter()
        phase.go.set()
    return len(phase.latencies) / (time.perf_counter() - began), phase.latencies


def percentile_ms(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def main() -> None:
    quick = "--quick" in sys.argv
    turns = 4 if quick else 20
    serving_rows = []
    store_rows = []
    with postgres_server() as server:
        for workers in (1, 3):
            options = ("notes_agent.py", "--model", "test", "--store", server.url, "--workers", str(workers))
            with serving(*options, cwd=AGENT_DIRECTORY) as served:
                rate, latencies = anyio.run(load, served.url, turns)
                served.stop()
            serving_rows.append(
                [
                    workers,
                    len(latencies),
                    f"{rate:.0f}",
                    f"{statistics.median(latencies) * 1000:.0f}",
                    f"{percentile_ms(latencies, 0.99):.0f}",
                ]
            )
            print(serving_rows[-1], flush=True)
        for size in (200, 2000):
            cost = anyio.run(save_cost, server.url, size, 5 if quick else 30)
            store_rows.append([f"{size:,}", f"{cost['wal']:,.0f}", f"{cost['whole']:,.0f}", f"{cost['ms']:.2f}"])
    serving_table = table(["workers", "turns", "turns/s", "p50 (ms)", "p99 (ms)"], serving_rows)
    store_table = table(["history", "written per save (WAL bytes)", "whole snapshot (bytes)", "save (ms)"], store_rows)
    print(serving_table, store_table, sep="\n\n")
    write_section(
        "Serving",
        f"""{environment("uvicorn", "starlette", "psycopg")} PostgreSQL 15 on loopback, default settings;
the server, its workers, PostgreSQL and the {CLIENTS} clients share the machine's CPUs.

Rerun with `python benchmarks/serve.py`. `agentick serve tests/serve/notes_agent.py --model test
--store postgresql://... --workers N`; {CLIENTS} concurrent clients, each on its own session and
keep-alive connection, send {turns} timed turns one after another after a warm-up turn. A turn is a
user message, the test model's tool call, the tool result and the answer: the lease taken, the
session reloaded only if another worker saved it since, 4 entries appended, the lease released.

{serving_table}

The store's part of a turn (`benchmarks/store_save.py`, a session holding N messages, 2 entries
appended per save): what PostgreSQL writes per save does not grow with the history.

{store_table}

Reading: with the scripted model a turn is all framework, HTTP and store; the client sees the
median latency of a turn queued behind the others on the same CPUs. On this 2-CPU machine 3 workers
cannot run 3 times as much work: they share the cores with PostgreSQL and the clients. With a real
model a turn waits seconds on the provider and the workers mostly wait, so a worker serves many
concurrent sessions; add workers (and machines) for CPU, not for waiting.""",
    )


if __name__ == "__main__":
    main()
