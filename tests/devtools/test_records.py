"""The record log: numbered in order, bounded by records and bytes with the oldest dropped first
(session records kept apart), and readers in other threads' event loops woken by new records."""

from __future__ import annotations

import json
import threading

import anyio
import pytest

from agentick.devtools.records import Record, RecordLog, encode

pytestmark = pytest.mark.anyio


def event(session: str, n: int, **more: object) -> Record:
    return encode({"kind": "event", "session_id": session, "event": {"type": "tick_start", "tick": n}, **more})


def session(name: str) -> Record:
    return encode({"kind": "session", "session_id": name, "app": "Agent", "process": "1@here", "parent": None})


def seqs(log: RecordLog, after: int = 0) -> list[int]:
    return [json.loads(text)["seq"] for _, text in log.after(after)]


def test_records_are_numbered_in_order_and_read_after_a_seq() -> None:
    log = RecordLog()
    assert log.last_seq == 0 and log.after(0) == []
    assert log.append(session("a")) == 1
    assert log.extend([event("a", 1), event("a", 2, seq=77)]) == 3  # the log numbers records
    assert log.after(1) == [
        (2, '{"seq":2,"kind":"event","session_id":"a","event":{"type":"tick_start","tick":1}}'),
        (3, '{"seq":3,"kind":"event","session_id":"a","event":{"type":"tick_start","tick":2}}'),
    ]
    assert log.after(3) == [] and log.extend([]) == 3


def test_the_oldest_records_go_first_but_session_records_stay() -> None:
    log = RecordLog(max_records=3)
    log.extend([session("a"), event("a", 1), session("b"), event("b", 1), event("a", 2), event("b", 2)])
    assert seqs(log) == [1, 3, 4, 5, 6]  # the newest three, and the dropped session records of 1..3
    assert seqs(log, after=2) == [3, 4, 5, 6]
    assert seqs(log, after=4) == [5, 6]


def test_the_byte_budget_drops_old_records_and_keeps_at_least_the_newest() -> None:
    one = len(event("a", 1).json) + len('"seq":1,')
    log = RecordLog(max_bytes=2 * one)
    log.extend([event("a", 1), event("a", 2), event("a", 3)])
    assert seqs(log) == [2, 3]
    log.append(event("a", 4, big="x" * 10 * one))
    assert seqs(log) == [4]  # larger than the budget alone: still kept until a newer one comes


def test_at_most_max_sessions_session_records_are_kept() -> None:
    log = RecordLog(max_records=1, max_sessions=2)
    log.extend([session("a"), session("b"), session("c"), event("c", 1)])
    assert seqs(log) == [2, 3, 4]


def test_a_log_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one record"):
        RecordLog(max_records=0)


async def test_a_waiting_reader_wakes_when_another_thread_appends() -> None:
    log = RecordLog()
    log.append(session("a"))
    await log.wait(0)  # a record newer than 0 is there already
    appended = threading.Event()

    def producer() -> None:
        appended.wait()
        log.append(event("a", 1))

    thread = threading.Thread(target=producer)
    thread.start()
    try:
        with anyio.fail_after(30):  # a bound for a hang, not an expected duration
            async with anyio.create_task_group() as group:
                group.start_soon(log.wait, 1)
                await anyio.wait_all_tasks_blocked()  # the waiter is registered before the record comes
                appended.set()
    finally:
        thread.join()
    assert seqs(log, after=1) == [2]
