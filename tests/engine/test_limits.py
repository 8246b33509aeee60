"""A limit that ends an execution early says so on the `agentick` logger (API.md §15)."""

from __future__ import annotations

import logging

import pytest

from agentick import create_app, tool
from agentick.testing import create_test_model

from .support import agent_with


@tool
async def ping() -> str:
    """Answer pong."""
    return "pong"


@pytest.mark.anyio
async def test_stopping_at_max_ticks_while_the_agent_wants_more_is_a_warning(caplog):
    model = create_test_model(tool_calls=[{"name": "ping", "input": {}}])  # every answer calls the tool again
    app = create_app(agent_with(ping), model=model, max_ticks=2)
    session = await app.session("s1")

    with caplog.at_level(logging.WARNING, logger="agentick"):
        result = await session.send("Go").result

    assert (result.stop_reason, result.usage.ticks) == ("max_ticks", 2)
    assert [(record.name, record.levelno, record.getMessage()) for record in caplog.records] == [
        (
            "agentick",
            logging.WARNING,
            "session 's1': the execution stopped at max_ticks=2 while the agent still wanted to continue (the "
            "last tick voted to go on); raise max_ticks on create_app(...) or send(...) if it needs more ticks",
        )
    ]
    await app.close()


@pytest.mark.anyio
async def test_an_execution_that_ends_by_itself_logs_nothing(caplog):
    app = create_app(agent_with(ping), model=create_test_model(), max_ticks=2)
    session = await app.session()

    with caplog.at_level(logging.DEBUG, logger="agentick"):
        result = await session.send("Hi").result

    assert (result.stop_reason, caplog.records) == ("stop", [])
    await app.close()
