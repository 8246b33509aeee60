"""The agent the scale-out tests and `benchmarks/serve.py` serve: one tool, so every turn writes a
tool call and its result to the timeline as well as the user's message and the answer."""

from __future__ import annotations

from typing import Any

from agentick import Fragment, System, Timeline, h, tool


@tool
async def note(text: str) -> str:
    """Write a note down."""
    return f"noted: {text}"


def Agent() -> Any:
    return h(Fragment, None, h(System, None, "You take notes."), h(note), h(Timeline))
