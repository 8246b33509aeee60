"""Starting an execution in the background, owned by its session.

`session.send()` returns a handle while the execution runs, so the execution cannot live in the
caller's task group. The session owns it instead: it keeps the task, cancels it through the
execution's cancel scope on abort or close, and awaits its end.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import sniffio

__all__ = ["start_background"]


def start_background(fn: Callable[[], Awaitable[None]], owner: set[Any]) -> None:
    """Run `fn()` concurrently with the caller; `owner` keeps a reference until it finishes."""
    library = sniffio.current_async_library()
    if library == "asyncio":
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(fn())  # type: ignore[arg-type]
        owner.add(task)
        task.add_done_callback(owner.discard)
    elif library == "trio":
        import trio

        trio.lowlevel.spawn_system_task(fn)
    else:
        raise RuntimeError(f"agentick runs on asyncio or trio, not {library}")
