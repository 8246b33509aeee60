"""examples/support.px: collapsed help articles that the model expands through knobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import agentick_jsx
from agentick import create_app, h, run
from agentick.testing import create_test_model
from tests.hooks.support import calls, system_of

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "support.px"


@pytest.fixture(scope="module")
def Agent() -> Any:
    namespace: dict[str, Any] = {"__name__": "support_example", "__file__": str(EXAMPLE)}
    exec(compile(agentick_jsx.transpile(EXAMPLE.read_text(), str(EXAMPLE)), str(EXAMPLE), "exec"), namespace)
    return namespace["Agent"]


async def test_it_runs_offline_with_the_tool_calling_test_model(Agent: Any) -> None:
    model = create_test_model(call_tools=True)
    result = await run(h(Agent), messages=[{"role": "user", "content": "My order arrived broken"}], model=model).result

    assert result.response == (
        "Tool results: set_knob → Provide either name or group.; "
        "lookup_order → no order 'example'; ask the customer to check the number; "
        "open_ticket → ticket T-example opened: example"
    )
    first = system_of(model.inputs[0])
    assert '<collapsed name="doc_damaged" group="docs">What to do when an item arrives broken' in first
    assert "Ask for a photo of the damage" not in first


async def test_the_model_expands_an_article_for_one_execution(Agent: Any) -> None:
    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    model.respond_with(calls({"name": "doc_damaged", "value": True}, then="Please send a photo of the damage."))
    first = await session.send("My order 1042 arrived broken").result
    await session.send("Here is the photo").result

    assert first.response == "Please send a photo of the damage."
    expanded = ["Ask for a photo of the damage" in system_of(i) for i in model.inputs]
    assert expanded == [False, True, False]
    assert '<collapsed name="doc_returns" group="docs">' in system_of(model.inputs[1])


async def test_the_model_expands_every_article_at_once_and_changes_its_tone(Agent: Any) -> None:
    model = create_test_model()
    session = await create_app(Agent, model=model).session()
    model.respond_with(calls({"group": "docs", "value": True}, {"name": "tone", "value": "formal"}))
    await session.send("Tell me everything, formally").result

    last = system_of(model.inputs[-1])
    assert "<collapsed" not in last.split("Knobs are adjustable")[0]
    assert "Write in a formal tone." in last
    assert 'tone [select]: "formal"' in last
