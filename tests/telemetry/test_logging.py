"""The `agentick` logger (API.md §15): the library configures no handlers, and a limit that used to
be hit silently is a warning where it is hit (docs/observability.md lists them)."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

from agentick import Timeline, create_app, h, tool
from agentick.models import openai
from agentick.testing import create_test_model
from agentick.testing.fake_openai import FakeOpenAI, reply

from ..engine.support import chat

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def test_every_logger_of_the_package_is_agentick_or_below_it() -> None:
    names = set()
    for path in (ROOT / "agentick").rglob("*.py"):
        names.update(re.findall(r"logging\.getLogger\(([^)]*)\)", path.read_text(encoding="utf-8")))
    assert names == {'"agentick"', "__name__"}  # __name__: agentick.tokens


def test_importing_and_running_agentick_configures_no_handler() -> None:
    code = (
        "import logging, agentick\n"
        "from agentick.testing import create_test_model\n"
        "from agentick import Fragment, System, Timeline, h, run_sync\n"
        "run_sync(lambda: h(Fragment, None, h(System, None, 'hi'), h(Timeline)), messages=[{'role': 'user', "
        "'content': 'hi'}], model=create_test_model())\n"
        "print(logging.getLogger('agentick').handlers, logging.getLogger().handlers)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout) == (0, "[] []\n"), done.stderr


async def test_an_answer_cut_off_at_the_output_token_limit_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with FakeOpenAI() as server:
        server.respond_with(reply("The first half of", finish_reason="length"))
        model = openai("gpt-4o-mini", api_key="test", base_url=server.base_url, max_retries=0)
        async with create_app(lambda: chat(), model=model) as app:
            with caplog.at_level(logging.WARNING, logger="agentick"):
                result = await (await app.session("s1")).send("Write an essay.").result
    assert result.stop_reason == "max_tokens"
    assert result.response == "The first half of"
    assert warnings_of(caplog) == [
        "session 's1': the answer of model 'gpt-4o-mini' in tick 1 was cut off at its output token limit (stop "
        "reason max_tokens); raise the model's max_tokens option if its answers need more room"
    ]


@tool(timeout=0.01)
async def slow() -> str:
    """Never finishes in time."""
    await anyio.sleep_forever()
    return "never"


@tool(requires_confirmation=True, confirmation_timeout=0.01)
def wipe() -> str:
    """Asks first; nobody answers."""
    return "wiped"


@pytest.mark.parametrize(
    ("name", "warning"),
    [
        (
            "slow",
            "tool 'slow' did not finish within its timeout of 0.01s; the model gets an error result (raise the "
            "tool's timeout= if calls need longer)",
        ),
        (
            "wipe",
            "tool 'wipe' was not run: its confirmation request got no answer within the confirmation_timeout of "
            "0.01s, so it counts as a denial",
        ),
    ],
)
async def test_a_tool_call_that_runs_out_of_time_is_a_warning(
    name: str, warning: str, caplog: pytest.LogCaptureFixture
) -> None:
    model = create_test_model().respond_with([{"tool": {"name": name, "input": {}}}, "ok"])
    async with create_app(lambda: chat(h(slow), h(wipe)), model=model) as app:
        with caplog.at_level(logging.WARNING, logger="agentick"):
            result = await (await app.session("s1")).send("go").result
    [tool_message] = [entry.message for entry in result.timeline if entry.message.role == "tool"]
    assert tool_message.content[0].is_error  # type: ignore[union-attr]
    assert warnings_of(caplog) == [warning]


def Budgeted() -> Any:
    return h(Timeline, {"max_tokens": 5})


async def test_a_timeline_over_its_token_budget_is_a_warning_once_per_session(caplog: pytest.LogCaptureFixture) -> None:
    model = create_test_model(default_response="ok")
    async with create_app(Budgeted, model=model) as app:
        session = await app.session("s1")
        with caplog.at_level(logging.WARNING, logger="agentick"):
            await session.send("a question much longer than five tokens, which is never evicted").result
            await session.send("and another one, just as long as the first question was").result
    [warning] = warnings_of(caplog)
    assert re.fullmatch(
        r"session 's1': <Timeline max_tokens=5> keeps \d+ tokens, over its budget of 5: the current input and the "
        r"messages of preserved roles \(system\) are never evicted\. Raise max_tokens or lower headroom, or "
        r"summarise long inputs",
        warning,
    )


async def test_a_timeline_within_its_budget_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async with create_app(lambda: h(Timeline, {"max_tokens": 1000}), model=create_test_model()) as app:
        with caplog.at_level(logging.DEBUG, logger="agentick"):
            await (await app.session("s1")).send("hi").result
    assert caplog.records == []
