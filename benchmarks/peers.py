"""Peer benchmark: agentick against pydantic-ai and the OpenAI Agents SDK, one workload, one process.

    python benchmarks/peers.py [--quick] [--profile]

Needs the `bench` extra (`pip install -e ".[bench]"`: pydantic-ai, the OpenAI Agents SDK, numpy, matplotlib).

Workload (identical for every framework): a 60-word system prompt, 20 tools `tool_0`..`tool_19`
each taking `city: str` and `days: int`, a history of 10 / 200 / 2,000 prior messages (alternating
user/assistant text) and one new user message. One run = the model calls `tool_3` on tick 1 (the
framework validates the arguments, runs the async handler and sends the result back), then answers
with text on tick 2. Every run is checked: the answer, one tool execution, two model calls, and the
size of both requests (system + history + user, then + tool call + tool result; 20 tools) must be
what the workload says, for every framework, offline and over HTTP.

Three measurements, all in this one process, frameworks interleaved run by run (A B C, B C A, C A B:
the order rotates every round, so no framework always runs right after the same other) after
warm-up, with a `gc.collect()` before every run so that one run's garbage is not collected in
the next one's time (the heap that survives warm-up is frozen with `gc.freeze()`, so that this
collection is cheap):

1. Offline: each framework driven by its own scripted model, so model time is zero and everything
   measured is framework time. Per tick = run time / 2. The *floor* builds the two equivalent Chat
   Completions payloads by hand and `json.dumps` them. Peak memory is a separate pass under
   `tracemalloc` (peak minus the traced size at the start of the run; the history given as input is
   allocated before the run and not counted).
2. Loopback: the same runs through the real `openai` client against `agentick.testing.FakeOpenAI`
   on 127.0.0.1 (scripted tool call, then answer): request mapping, HTTP, response parsing. The
   floor here is the bare `AsyncOpenAI` client sending hand-built requests with
   `chat.completions.create`; a second row sends them with `client.post`, which skips the SDK's
   request transform (the largest cost of all at long histories).
3. Scaling: one execution of 50 ticks (49 scripted tool calls, then an answer) from a 10-message
   history, timestamped at every model call; the per-tick time is checked for growth against the
   timeline length (flat, linear or quadratic).

How each framework is driven (the way its users pass a conversation):

- agentick, *history as input*: a fresh `await app.session()`, `session.send(messages=history +
  [user])`, `await ... .result`, `await session.close()`, all timed: every framework gets the whole
  conversation and builds everything from it (the like-for-like comparison). Two forms: `{"role",
  "content"}` dicts, as openai-agents is given its input items (what a web handler receives), and
  `Message` objects built once, untimed, as pydantic-ai is given its `ModelMessage` objects. The dict
  form runs both with the shipped test model and with a lean double (`LeanAgentickModel`: scripted
  outputs, no usage estimate), so that the test model's own cost shows.
- agentick, *live session*: the session already holds the history (an earlier, untimed turn put it
  there), and the timed run is `session.send(user)`: how an app that keeps sessions between turns
  (`app.session(id)`) runs. The peers have no equivalent; they re-process the history every run.
- pydantic-ai: `agent.run(user, message_history=history)` with `ModelRequest`/`ModelResponse`
  objects (what `result.all_messages()` gives), `instructions=` for the system prompt (a
  `system_prompt=` is not sent when a history is given), the model double returns usage so that
  `FunctionModel` does not estimate tokens over the whole history.
- openai-agents: `Runner.run(agent, history + [user])` with input-item dicts, tracing disabled.
  `agents.testing.ScriptedModel` deep-copies the whole input twice per model call for its call
  records, a cost that is the double's and not the SDK's, so the SDK is also measured with a
  minimal `Model` that returns the same scripted responses without copying (*lean double*).

`--quick` is a smoke run (few runs, nothing written); `--profile` prints cProfile tables of the
agentick runs at 2,000 messages and of a fresh session's lifecycle instead of benchmarking;
`--sessions` only measures that lifecycle (create, mount, close; nothing sent); `--offline` only
runs the offline measurements and prints them. Without `--quick` the script writes the
"Against other frameworks" section of docs/benchmarks.md and the plot docs/peers.png.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import json
import os
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import numpy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import DOCS, environment, median_ms, p90_ms, table, write_section
from agents import Agent as OpenAIAgent
from agents import ModelResponse as AgentsModelResponse
from agents import ModelSettings, OpenAIChatCompletionsModel, Runner, Usage, function_tool, set_tracing_disabled
from agents.models.interface import Model as AgentsModel
from agents.models.interface import ModelTracing
from agents.testing import ModelCall, ModelStep, ScriptedModel, assistant_message, function_call
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessage, ChatCompletionMessageFunctionToolCall
from pydantic_ai import Agent as PydanticAgent
from pydantic_ai import Tool as PydanticTool
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo, FunctionModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.usage import RequestUsage, UsageLimits

import agentick.models
from agentick import Fragment, System, Timeline, create_app, h, tool
from agentick.testing import FakeOpenAI, TestModel, create_test_model, reply, tool_call
from agentick.types import Message, ModelInput, ModelMetadata, ModelOutput, StreamDelta, ToolUseBlock
from agentick.types import Usage as AgentickUsage

set_tracing_disabled(True)

PLOT = DOCS.parent / "peers.png"
SECTION = "Against other frameworks"
MODEL = "gpt-4o-mini"

# --- the workload ---------------------------------------------------------------------------------

SYSTEM = (
    "You are a meticulous travel assistant for a small agency. You help people plan trips, compare "
    "trains, flights and ferries, and book transport and lodging. Ask a clarifying question when a "
    "request is ambiguous, prefer concrete recommendations with prices and travel times, use the "
    "lookup tools instead of guessing, and always confirm with the traveller before booking anything."
)
TOOL_COUNT = 20
USER = "Plan a two-day trip to Oslo."
CALL_ID = "call_1"
CALL_NAME = "tool_3"
CALL_ARGS: dict[str, Any] = {"city": "Oslo", "days": 2}
ANSWER = "Oslo will be sunny for both days; take the morning train."
SIZES = (10, 200, 2_000)
SCALING_TICKS = 50
SCALING_HISTORY = 10


def lookup_result(city: str, days: int) -> str:
    return f"{city}: sunny for {days} days"


def tool_description(index: int) -> str:
    return f"Look up travel fact number {index} for a city over a number of days."


def history(size: int) -> list[dict[str, Any]]:
    """`size` prior messages, alternating user/assistant text (the last one is the assistant's)."""
    return [
        {"role": "user" if i % 2 == 0 else "assistant", "content": f"Message {i} about trains and weather in city {i}."}
        for i in range(size)
    ]


def scaling_call(tick: int) -> tuple[str, dict[str, Any], str]:
    """The tool call scripted for `tick` of the scaling run: name, arguments, call id."""
    return f"tool_{tick % TOOL_COUNT}", {"city": f"City {tick}", "days": tick}, f"call_{tick}"


@dataclass
class Counter:
    """Tool executions per framework (every run must execute exactly one)."""

    calls: int = 0


# --- the floor: the two requests built and serialised by hand ------------------------------------

TOOL_PARAMETERS = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
}


def tool_payload() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": f"tool_{i}", "description": tool_description(i), "parameters": TOOL_PARAMETERS},
        }
        for i in range(TOOL_COUNT)
    ]


def first_request(messages: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": SYSTEM},
        *({"role": m["role"], "content": m["content"]} for m in messages),
        {"role": "user", "content": USER},
    ]


def second_request(first: list[dict[str, Any]], call_id: str, name: str, arguments: str) -> list[dict[str, Any]]:
    call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
    return [
        *first,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call_id, "content": lookup_result(**json.loads(arguments))},
    ]


# --- drivers ----------------------------------------------------------------------------------------


class Driver:
    """One framework (or the floor) doing the workload. `run` is timed; `setup`/`teardown` are not.

    `shapes()` gives, per model call of the last run, the number of Chat Completions messages the
    request amounts to (system message included) and the number of tools offered.
    """

    label = ""
    key = ""

    def __init__(self, server: FakeOpenAI | None) -> None:
        self.server = server
        self.counter = Counter()
        self.size = 0
        self.output: str | None = None

    async def setup(self, size: int) -> None:
        self.size = size
        self.output = None
        self.counter.calls = 0
        if self.server is not None:
            self.server.requests.clear()
            self.server.respond_with(
                reply(tool_calls=[tool_call(CALL_NAME, CALL_ARGS, id=CALL_ID)], chunk_size=4096),
                reply(ANSWER, chunk_size=4096),
            )

    async def run(self) -> None:
        raise NotImplementedError

    async def teardown(self) -> None:
        if self.output != ANSWER:
            raise AssertionError(f"{self.label}: answered {self.output!r}, expected {ANSWER!r}")
        if self.counter.calls != 1:
            raise AssertionError(f"{self.label}: the tool ran {self.counter.calls} times, expected once")

    def shapes(self) -> list[tuple[int, int]]:
        if self.server is None:
            return self.offline_shapes()
        return [(len(r.body["messages"]), len(r.body.get("tools") or ())) for r in self.server.requests]

    def offline_shapes(self) -> list[tuple[int, int]]:
        raise NotImplementedError

    def check(self) -> None:
        """The last run sent exactly the workload's two requests."""
        expected = [(self.size + 2, TOOL_COUNT), (self.size + 4, TOOL_COUNT)]
        if self.shapes() != expected:
            raise AssertionError(f"{self.label}: requests were {self.shapes()}, expected {expected}")


class Floor(Driver):
    """Offline: build and `json.dumps` both requests. Loopback: send them with the bare client, through
    `chat.completions.create` or (`raw=True`) `client.post`, which skips the SDK's request transform."""

    def __init__(self, server: FakeOpenAI | None, *, raw: bool = False) -> None:
        super().__init__(server)
        self.raw = raw
        self.key = "floor-raw" if raw else "floor"
        if server is None:
            self.label = "floor: hand-built payloads"
        elif raw:
            self.label = "bare client, `client.post` (no SDK request transform)"
        else:
            self.label = "floor: bare client, `chat.completions.create`"
        self.client = AsyncOpenAI(base_url=server.base_url, api_key="x") if server is not None else None
        self.messages: list[Any] = []
        self.lengths: list[int] = []

    async def setup(self, size: int) -> None:
        await super().setup(size)
        self.messages = history(size)

    async def request(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> ChatCompletionMessage:
        assert self.client is not None
        if self.raw:
            body = {"model": MODEL, "messages": messages, "tools": tools}
            completion = await self.client.post("/chat/completions", body=body, cast_to=ChatCompletion)
        else:
            completion = await self.client.chat.completions.create(model=MODEL, messages=messages, tools=tools)  # type: ignore[arg-type]
        return completion.choices[0].message

    async def run(self) -> None:
        tools = tool_payload()
        first = first_request(self.messages)
        if self.client is None:
            json.dumps({"model": MODEL, "messages": first, "tools": tools})
            second = second_request(first, CALL_ID, CALL_NAME, json.dumps(CALL_ARGS))
            json.dumps({"model": MODEL, "messages": second, "tools": tools})
            self.lengths = [len(first), len(second)]
            self.counter.calls, self.output = 1, ANSWER
            return
        message = await self.request(first, tools)
        call = (message.tool_calls or [])[0]
        assert isinstance(call, ChatCompletionMessageFunctionToolCall)
        lookup_result(**json.loads(call.function.arguments))
        self.counter.calls += 1
        message = await self.request(second_request(first, call.id, call.function.name, call.function.arguments), tools)
        self.output = message.content

    def offline_shapes(self) -> list[tuple[int, int]]:
        return [(length, TOOL_COUNT) for length in self.lengths]


# agentick


def agentick_tools(counter: Counter) -> list[Any]:
    def make(index: int) -> Any:
        async def lookup(city: str, days: int) -> str:
            counter.calls += 1
            return lookup_result(city, days)

        return tool(lookup, name=f"tool_{index}", description=tool_description(index))

    return [make(i) for i in range(TOOL_COUNT)]


def agentick_component(tools: list[Any]) -> Callable[[], Any]:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, SYSTEM), *[h(item) for item in tools], h(Timeline))

    return Agent


class StampedTestModel(TestModel):
    """The agentick test model, timestamping every model call (for the scaling run)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[float] = []

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        self.stamps.append(time.perf_counter())
        async for delta in super().stream(model_input):
            yield delta


class LeanAgentickModel:
    """A minimal agentick model: returns the scripted outputs and records the shape of each request
    (O(1) per call, no usage estimate), the counterpart of the SDK's lean double."""

    def __init__(self) -> None:
        self.metadata = ModelMetadata(id="lean-model", provider="test")
        self.script: list[ModelOutput] = []
        self.calls: list[tuple[int, int]] = []

    def respond_with(self, responses: list[Any]) -> None:
        self.script = [lean_output(response) for response in responses]

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        self.calls.append((len(model_input.messages), len(model_input.tools)))
        return self.script.pop(0)


def lean_output(response: Any) -> ModelOutput:
    """What the test model would answer for one `respond_with` item (a text or a tool call)."""
    if isinstance(response, str):
        return ModelOutput(message=Message(role="assistant", content=response), usage=AgentickUsage(input_tokens=10))
    call = response["tool"]
    block = ToolUseBlock(tool_use_id=call["id"], name=call["name"], input=call["input"])
    return ModelOutput(
        message=Message(role="assistant", content=[block]), stop_reason="tool_use", usage=AgentickUsage(input_tokens=10)
    )


HISTORY_FORMS = {
    "dicts": "history as dicts",
    "messages": "history as Message objects",
    "live": "live session",
}


class Agentick(Driver):
    """agentick, with the history sent as input to a fresh session, as `{"role", "content"}` dicts
    (`form="dicts"`, what openai-agents is given) or `Message` objects built once (`form="messages"`,
    as pydantic-ai is given its message objects), or held by a live session that ran the previous
    turns (`form="live"`). Offline it is answered by the shipped test model or (`lean=True`) a lean
    double."""

    def __init__(self, server: FakeOpenAI | None, *, form: str, lean: bool = False) -> None:
        super().__init__(server)
        self.form = form
        self.lean = lean
        self.key = f"agentick-{form}" + ("-lean" if lean else "")
        double = "" if server is not None else (", lean double" if lean else ", TestModel")
        self.label = f"agentick ({HISTORY_FORMS[form]}{double})"
        self.model: Any = (
            (LeanAgentickModel() if lean else create_test_model())
            if server is None
            else agentick.models.openai(model=MODEL, base_url=server.base_url, api_key="x")
        )
        self.app = create_app(agentick_component(agentick_tools(self.counter)), model=self.model)
        self.messages: list[Any] = []
        self.session: Any = None

    def script(self, responses: list[Any]) -> None:
        if self.server is None:
            if self.lean:
                self.model.calls.clear()
            else:
                self.model.inputs.clear()
            self.model.respond_with(responses)

    async def setup(self, size: int) -> None:
        prior = history(size)
        if self.form == "live":  # an earlier turn left exactly `prior` in the session's timeline
            self.session = await self.app.session()
            if self.server is None:
                self.script([prior[-1]["content"]])
            else:
                self.server.respond_with(reply(prior[-1]["content"], chunk_size=4096))
            await self.session.send(messages=prior[:-1], max_ticks=1).result
            assert [e.message.text for e in self.session.entries] == [m["content"] for m in prior]
            self.messages = [{"role": "user", "content": USER}]
        elif self.form == "messages":  # built once, as pydantic-ai is given ModelMessage objects
            self.messages = [Message.model_validate(m) for m in [*prior, {"role": "user", "content": USER}]]
        else:  # what a web handler receives, and what openai-agents is given
            self.messages = [*prior, {"role": "user", "content": USER}]
        await super().setup(size)
        self.script([{"tool": {"name": CALL_NAME, "input": CALL_ARGS, "id": CALL_ID}}, ANSWER])

    async def run(self) -> None:
        if self.form == "live":
            result = await self.session.send(messages=self.messages).result
        else:
            session = await self.app.session()
            result = await session.send(messages=self.messages).result
            await session.close()
        if result.usage.ticks != 2:
            raise AssertionError(f"{self.label}: {result.usage.ticks} ticks")
        self.output = result.response

    async def teardown(self) -> None:
        if self.form == "live":
            await self.session.close()
            self.session = None
        await super().teardown()

    def offline_shapes(self) -> list[tuple[int, int]]:
        if self.lean:
            return list(self.model.calls)
        return [(len(i.messages), len(i.tools)) for i in self.model.inputs]


# pydantic-ai


def pydantic_history(size: int) -> list[ModelMessage]:
    """The history as pydantic-ai message objects (what `result.all_messages()` holds)."""
    return [
        ModelRequest(parts=[UserPromptPart(m["content"])])
        if m["role"] == "user"
        else ModelResponse(parts=[TextPart(m["content"])])
        for m in history(size)
    ]


def pydantic_tools(counter: Counter) -> list[PydanticTool[Any]]:
    def make(index: int) -> PydanticTool[Any]:
        async def lookup(city: str, days: int) -> str:
            counter.calls += 1
            return lookup_result(city, days)

        return PydanticTool(lookup, takes_ctx=False, name=f"tool_{index}", description=tool_description(index))

    return [make(i) for i in range(TOOL_COUNT)]


class PydanticAI(Driver):
    key = "pydantic-ai"
    label = "pydantic-ai"

    def __init__(self, server: FakeOpenAI | None) -> None:
        super().__init__(server)
        self.script: list[ModelResponse] = []
        self.calls: list[tuple[int, int]] = []
        self.stamps: list[float] = []
        model: Any = (
            FunctionModel(self.respond)
            if server is None
            else OpenAIChatModel(MODEL, provider=OpenAIProvider(base_url=server.base_url, api_key="x"))
        )
        self.agent = PydanticAgent(model, instructions=SYSTEM, tools=pydantic_tools(self.counter))
        self.messages: list[ModelMessage] = []
        self.limits: UsageLimits | None = None

    async def respond(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.stamps.append(time.perf_counter())
        self.calls.append((len(messages) + 1, len(info.function_tools)))  # + the instructions' system message
        return self.script.pop(0)

    @staticmethod
    def tool_response(name: str, arguments: dict[str, Any], call_id: str) -> ModelResponse:
        return ModelResponse(
            parts=[ToolCallPart(name, arguments, call_id)], usage=RequestUsage(input_tokens=10, output_tokens=5)
        )

    async def setup(self, size: int) -> None:
        await super().setup(size)
        self.messages = pydantic_history(size)
        self.calls, self.stamps = [], []
        self.script = [
            self.tool_response(CALL_NAME, CALL_ARGS, CALL_ID),
            ModelResponse(parts=[TextPart(ANSWER)], usage=RequestUsage(input_tokens=10, output_tokens=5)),
        ]

    async def run(self) -> None:
        result = await self.agent.run(USER, message_history=self.messages, usage_limits=self.limits)
        if result.usage.requests != 2:
            raise AssertionError(f"{self.label}: {result.usage.requests} requests")
        self.output = result.output

    def offline_shapes(self) -> list[tuple[int, int]]:
        return self.calls


# openai-agents


def agents_tools(counter: Counter) -> list[Any]:
    def make(index: int) -> Any:
        async def lookup(city: str, days: int) -> str:
            counter.calls += 1
            return lookup_result(city, days)

        return function_tool(lookup, name_override=f"tool_{index}", description_override=tool_description(index))

    return [make(i) for i in range(TOOL_COUNT)]


class LeanModel(AgentsModel):
    """A minimal openai-agents `Model` that returns scripted output items (no call records copied)."""

    def __init__(self) -> None:
        self.script: list[list[Any]] = []
        self.calls: list[tuple[int, int]] = []
        self.stamps: list[float] = []

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Any],
        output_schema: Any,
        handoffs: list[Any],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any,
    ) -> AgentsModelResponse:
        self.stamps.append(time.perf_counter())
        self.calls.append((len(input) + (system_instructions is not None), len(tools)))
        return AgentsModelResponse(output=self.script.pop(0), usage=Usage(requests=1), response_id=None)

    def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        raise NotImplementedError("the benchmark runs Runner.run (not streamed)")


class OpenAIAgents(Driver):
    """openai-agents with `ScriptedModel` (`lean=False`), a `LeanModel`, or over HTTP."""

    def __init__(self, server: FakeOpenAI | None, *, lean: bool = False) -> None:
        super().__init__(server)
        self.lean = lean
        self.key = "openai-agents-lean" if lean else "openai-agents"
        double = "lean double" if lean else "ScriptedModel"
        self.label = "openai-agents" if server is not None else f"openai-agents ({double})"
        self.lean_model = LeanModel()
        model: Any = self.lean_model
        if server is not None:
            model = OpenAIChatCompletionsModel(MODEL, AsyncOpenAI(base_url=server.base_url, api_key="x"))
        self.agent: OpenAIAgent[Any] = OpenAIAgent(
            name="travel", instructions=SYSTEM, tools=agents_tools(self.counter), model=model
        )
        self.input: list[Any] = []
        self.max_turns = 10
        self.stamps: list[float] = []

    def script(self, steps: list[list[Any]], *, stamped: bool = False) -> None:
        """Queue the model's responses; `stamped` ones record the time of each model call."""
        if self.server is not None:
            return
        self.stamps = []
        if self.lean:
            self.lean_model.script, self.lean_model.calls, self.lean_model.stamps = steps, [], self.stamps
            return
        if not stamped:
            self.agent.model = ScriptedModel(steps)
            return
        stamps = self.stamps

        def step(output: list[Any]) -> ModelStep:
            def respond(call: ModelCall) -> list[Any]:
                stamps.append(time.perf_counter())
                return output

            return ModelStep.respond(respond)

        self.agent.model = ScriptedModel([step(output) for output in steps])

    async def setup(self, size: int) -> None:
        await super().setup(size)
        self.input = [*history(size), {"role": "user", "content": USER}]
        self.script([[function_call(CALL_NAME, CALL_ARGS, call_id=CALL_ID)], [assistant_message(ANSWER)]])

    async def run(self) -> None:
        result = await Runner.run(self.agent, self.input, max_turns=self.max_turns)
        if len(result.raw_responses) != 2:
            raise AssertionError(f"{self.label}: {len(result.raw_responses)} model calls")
        self.output = result.final_output

    def offline_shapes(self) -> list[tuple[int, int]]:
        if self.lean:
            return self.lean_model.calls
        model = self.agent.model
        assert isinstance(model, ScriptedModel)
        return [(len(c.input) + (c.system_instructions is not None), len(c.tools)) for c in model.calls]


def drivers(server: FakeOpenAI | None) -> list[Driver]:
    offline = server is None
    peers: list[Driver] = [
        Floor(server),
        *([Floor(server, raw=True)] if not offline else []),
        Agentick(server, form="dicts"),
        *([Agentick(server, form="dicts", lean=True)] if offline else []),
        Agentick(server, form="messages"),
        Agentick(server, form="live"),
        PydanticAI(server),
        OpenAIAgents(server),
    ]
    if server is None:
        peers.append(OpenAIAgents(server, lean=True))
    return peers


# --- measuring --------------------------------------------------------------------------------------


@dataclass
class Stats:
    label: str
    key: str
    size: int
    ticks: list[float] = field(default_factory=list)  # seconds per tick, one per run
    peak: float | None = None  # bytes, median over the memory runs

    @property
    def median(self) -> float:
        return median_ms(self.ticks)

    @property
    def p90(self) -> float:
        return p90_ms(self.ticks)


def settle() -> None:
    """Collect, then move every surviving object (modules, agents, caches) to the permanent generation,
    so that the untimed `gc.collect()` before each run is cheap. Collections during runs still happen."""
    gc.collect()
    gc.freeze()


async def one_run(driver: Driver, size: int) -> float:
    await driver.setup(size)
    gc.collect()
    start = time.perf_counter()
    await driver.run()
    elapsed = time.perf_counter() - start
    await driver.teardown()
    return elapsed


async def measure(peers: list[Driver], size: int, runs: int, warmup: int, memory_runs: int) -> list[Stats]:
    """Warm up (and check every driver's requests), then time runs interleaved A B C, B C A, C A B ..."""
    for _ in range(warmup):
        for driver in peers:
            await one_run(driver, size)
            driver.check()
    settle()
    stats = [Stats(driver.label, driver.key, size) for driver in peers]
    pairs = list(zip(peers, stats, strict=True))
    for round in range(runs):
        # Rotated every round: a run's position after another framework's (its garbage, its cache
        # footprint) would otherwise favour or penalise the same framework every time.
        shift = round % len(pairs)
        for driver, stat in pairs[shift:] + pairs[:shift]:
            stat.ticks.append(await one_run(driver, size) / 2)
    if memory_runs:
        tracemalloc.start()
        peaks: list[list[int]] = [[] for _ in peers]
        for _ in range(memory_runs):
            for driver, samples in zip(peers, peaks, strict=True):
                await driver.setup(size)
                gc.collect()
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                await driver.run()
                samples.append(tracemalloc.get_traced_memory()[1] - base)
                await driver.teardown()
        tracemalloc.stop()
        for stat, samples in zip(stats, peaks, strict=True):
            stat.peak = statistics.median(samples)
    return stats


# --- scaling: one long execution --------------------------------------------------------------------


async def scaling_agentick(stamps: list[float]) -> None:
    counter = Counter()
    model = StampedTestModel()
    model.respond_with(
        [
            *(
                {"tool": {"name": name, "input": args, "id": cid}}
                for name, args, cid in map(scaling_call, range(1, SCALING_TICKS))
            ),
            ANSWER,
        ]
    )
    app = create_app(agentick_component(agentick_tools(counter)), model=model)
    messages = [*history(SCALING_HISTORY), {"role": "user", "content": USER}]
    gc.collect()
    session = await app.session()
    result = await session.send(messages=messages, max_ticks=SCALING_TICKS).result
    await session.close()
    assert result.usage.ticks == SCALING_TICKS and result.response == ANSWER and counter.calls == SCALING_TICKS - 1
    stamps.extend(model.stamps)


async def scaling_pydantic(driver: PydanticAI, stamps: list[float]) -> None:
    await driver.setup(SCALING_HISTORY)
    driver.stamps = []
    driver.script = [
        *(driver.tool_response(*scaling_call(tick)) for tick in range(1, SCALING_TICKS)),
        ModelResponse(parts=[TextPart(ANSWER)], usage=RequestUsage(input_tokens=10, output_tokens=5)),
    ]
    gc.collect()
    result = await driver.agent.run(
        USER, message_history=driver.messages, usage_limits=UsageLimits(request_limit=SCALING_TICKS + 10)
    )
    assert result.output == ANSWER and result.usage.requests == SCALING_TICKS
    assert driver.counter.calls == SCALING_TICKS - 1
    stamps.extend(driver.stamps)


async def scaling_agents(driver: OpenAIAgents, stamps: list[float]) -> None:
    await driver.setup(SCALING_HISTORY)
    steps = [[function_call(name, args, call_id=cid)] for name, args, cid in map(scaling_call, range(1, SCALING_TICKS))]
    driver.script([*steps, [assistant_message(ANSWER)]], stamped=True)
    gc.collect()
    result = await Runner.run(driver.agent, driver.input, max_turns=SCALING_TICKS + 10)
    assert result.final_output == ANSWER and len(result.raw_responses) == SCALING_TICKS
    assert driver.counter.calls == SCALING_TICKS - 1
    stamps.extend(driver.stamps)


@dataclass
class Scaling:
    label: str
    key: str
    per_tick: list[float]  # median ms of ticks 2..50 across repetitions
    first: float
    last: float
    quadratic_share: float  # of the fitted growth from tick 2 to tick 50, the part the n² term gives
    curvature_z: float  # the n² coefficient over its standard error
    slope_us: float  # µs per extra timeline message, linear fit

    @property
    def verdict(self) -> str:
        if self.last / self.first < 1.25:
            return "flat"
        return "quadratic" if self.quadratic_share > 0.5 and self.curvature_z > 3 else "linear"


def request_messages(tick: int) -> int:
    """Chat Completions messages in request `tick` of the scaling run (system + history + user + 2 per tick)."""
    return 1 + SCALING_HISTORY + 1 + 2 * (tick - 1)


def analyse(label: str, key: str, repetitions: list[list[float]]) -> Scaling:
    intervals = [[(b - a) * 1000 for a, b in itertools.pairwise(stamps)] for stamps in repetitions]
    per_tick = [statistics.median(values) for values in zip(*intervals, strict=True)]  # ticks 2..50
    decile = max(1, len(per_tick) // 10)
    sizes = numpy.array([request_messages(tick) for tick in range(2, SCALING_TICKS + 1)], dtype=float)
    times = numpy.array(per_tick)
    (c, b, _), covariance = numpy.polyfit(sizes, times, 2, cov=True)
    square = c * (sizes[-1] ** 2 - sizes[0] ** 2)
    growth = b * (sizes[-1] - sizes[0]) + square
    slope = numpy.polyfit(sizes, times, 1)[0]
    return Scaling(
        label=label,
        key=key,
        per_tick=per_tick,
        first=statistics.fmean(per_tick[:decile]),
        last=statistics.fmean(per_tick[-decile:]),
        quadratic_share=float(square / growth) if growth > 0 else 0.0,
        curvature_z=float(c / numpy.sqrt(covariance[0, 0])),
        slope_us=slope * 1000,
    )


async def scaling(repetitions: int) -> list[Scaling]:
    pydantic = PydanticAI(None)
    scripted, lean = OpenAIAgents(None), OpenAIAgents(None, lean=True)
    runners: list[tuple[str, str, Callable[[list[float]], Any]]] = [
        ("agentick", "agentick-dicts", scaling_agentick),
        ("pydantic-ai", "pydantic-ai", lambda stamps: scaling_pydantic(pydantic, stamps)),
        ("openai-agents (ScriptedModel)", "openai-agents", lambda stamps: scaling_agents(scripted, stamps)),
        ("openai-agents (lean double)", "openai-agents-lean", lambda stamps: scaling_agents(lean, stamps)),
    ]
    collected: list[list[list[float]]] = [[] for _ in runners]
    for repetition in range(repetitions + 1):  # the first repetition is a warm-up
        for (_, _, runner), samples in zip(runners, collected, strict=True):
            stamps: list[float] = []
            await runner(stamps)
            assert len(stamps) == SCALING_TICKS
            if repetition:
                samples.append(stamps)
        if not repetition:
            settle()
    return [analyse(label, key, samples) for (label, key, _), samples in zip(runners, collected, strict=True)]


# --- report -----------------------------------------------------------------------------------------


def fmt_mib(value: float | None) -> str:
    return "" if value is None else f"{value / 2**20:.2f}"


def offline_table(results: dict[int, list[Stats]]) -> str:
    rows: list[list[object]] = []
    for size, stats in results.items():
        floor = stats[0].median
        for stat in stats:
            ratio = "1.0x" if stat.key == "floor" else f"{stat.median / floor:.1f}x"
            rows.append([f"{size:,}", stat.label, f"{stat.median:.3f}", f"{stat.p90:.3f}", fmt_mib(stat.peak), ratio])
    headers = ["history", "framework", "median per tick (ms)", "p90 (ms)", "peak memory per run (MiB)", "/ floor"]
    return table(headers, rows)


def loopback_table(results: dict[int, list[Stats]]) -> str:
    rows: list[list[object]] = []
    for size, stats in results.items():
        floor = stats[0].median
        for stat in stats:
            extra = "" if stat.key == "floor" else f"{stat.median - floor:+.3f}"
            rows.append([f"{size:,}", stat.label, f"{stat.median:.3f}", f"{stat.p90:.3f}", extra])
    return table(["history", "framework", "median per tick (ms)", "p90 (ms)", "over the bare client (ms)"], rows)


def transform_note(results: dict[int, list[Stats]]) -> str:
    """What the SDK's request transform costs, from the two floor rows."""
    parts = []
    for size, stats in results.items():
        by_key = {stat.key: stat for stat in stats}
        spent = by_key["floor"].median - by_key["floor-raw"].median
        parts.append(
            f"{spent:.1f} ms per request at {size:,} messages ({spent * 1000 / (size + 3):.0f} µs per message)"
        )
    return (
        "The openai SDK's request transform dominates end-to-end time as the history grows: "
        + "; ".join(parts)
        + ". pydantic-ai and openai-agents pay it on every request; agentick's adapter sends its prepared body "
        "with `client.post` (the SDK's own client, retries and auth) and does not, which is most of its lead here."
    )


TARGET_SIZES = (200, 2_000)
FLOOR_TARGET = 2.0  # agentick, fresh session with dict history, at most this many times the floor
PEER_TARGET = 4.0  # ... and at least this many times faster than openai-agents (lean double)
DOUBLE_TARGET = 1.2  # the shipped test model at most this many times the lean double


def targets(results: dict[int, list[Stats]]) -> tuple[str, list[str]]:
    """The target table: agentick, fresh session per run with dict history (the like-for-like row with
    openai-agents), against the floor and openai-agents' lean double; the test model against agentick's."""
    rows: list[list[object]] = []
    misses: list[str] = []
    for size, stats in results.items():
        by_key = {stat.key: stat for stat in stats}
        peer, floor = by_key["openai-agents-lean"], by_key["floor"].median
        checked = size in TARGET_SIZES
        for key in ("agentick-dicts-lean", "agentick-dicts"):
            ours = by_key[key]
            speedup, over_floor = peer.median / ours.median, ours.median / floor
            met = speedup >= PEER_TARGET and over_floor <= FLOOR_TARGET
            double = ""
            if key == "agentick-dicts":
                ratio = ours.median / by_key["agentick-dicts-lean"].median
                double = f"{ratio:.2f}x"
                met = met and ratio <= DOUBLE_TARGET
            verdict = ("met" if met else "**missed**") if checked else "(not a target size)"
            rows.append([f"{size:,}", ours.label, f"{speedup:.1f}x", f"{over_floor:.1f}x", double, verdict])
            if checked and not met:
                misses.append(f"{ours.label} at {size:,} messages")
    headers = [
        "history",
        "agentick",
        f"openai-agents (lean double) / agentick (target ≥ {PEER_TARGET:.0f}x)",
        f"agentick / floor (target ≤ {FLOOR_TARGET:.0f}x)",
        f"TestModel / lean double (target ≤ {DOUBLE_TARGET}x)",
        "",
    ]
    return table(headers, rows), misses


def scaling_table(results: list[Scaling]) -> str:
    rows: list[list[object]] = [
        [
            s.label,
            f"{s.first:.3f}",
            f"{s.last:.3f}",
            f"{s.last / s.first:.2f}x",
            f"{s.slope_us:.1f}",
            "—" if s.verdict == "flat" else f"{min(1.0, max(0.0, s.quadratic_share)):.0%} (z = {s.curvature_z:.1f})",
            s.verdict,
        ]
        for s in results
    ]
    first = f"ticks 2-{1 + max(1, (SCALING_TICKS - 1) // 10)}"
    last = f"ticks {SCALING_TICKS + 1 - max(1, (SCALING_TICKS - 1) // 10)}-{SCALING_TICKS}"
    headers = [
        "framework",
        f"{first} (ms/tick)",
        f"{last} (ms/tick)",
        "last / first",
        "µs per timeline message",
        "n² term: share of the growth (z)",
        "growth",
    ]
    return table(headers, rows)


STYLE = {
    "floor": ("black", "--", "o"),
    "floor-raw": ("grey", ":", "o"),
    "agentick-dicts": ("tab:blue", "-", "o"),
    "agentick-dicts-lean": ("tab:blue", ":", "o"),
    "agentick-messages": ("tab:purple", "-", "D"),
    "agentick-live": ("tab:cyan", "-", "s"),
    "pydantic-ai": ("tab:red", "-", "^"),
    "openai-agents": ("tab:green", "-", "v"),
    "openai-agents-lean": ("tab:olive", ":", "v"),
}


def plot(offline: dict[int, list[Stats]], loopback: dict[int, list[Stats]], growth: list[Scaling], target: Any) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    for axis, results, title in (
        (axes[0], offline, "Offline, scripted models: framework time per tick"),
        (axes[1], loopback, "Loopback OpenAI server: end-to-end time per tick"),
    ):
        sizes = list(results)
        for index in range(len(results[sizes[0]])):
            stat = results[sizes[0]][index]
            color, style, marker = STYLE[stat.key]
            axis.plot(
                sizes,
                [results[size][index].median for size in sizes],
                color=color,
                linestyle=style,
                marker=marker,
                label=stat.label.replace("`", ""),
            )
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("history length (messages)")
        axis.set_ylabel("median time per tick (ms)")
        axis.set_title(title, fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    ticks = list(range(2, SCALING_TICKS + 1))
    for result in growth:
        color, style, _ = STYLE[result.key]
        axes[2].plot(ticks, result.per_tick, color=color, linestyle=style, label=result.label)
    axes[2].set_xlabel(f"tick of one execution (history {SCALING_HISTORY}, +2 messages per tick)")
    axes[2].set_ylabel("median time per tick (ms)")
    axes[2].set_title("One long execution: time per tick along the run", fontsize=10)
    axes[2].set_ylim(bottom=0)
    axes[2].grid(True, alpha=0.3)
    axes[2].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(target, dpi=110)
    plt.close(figure)


def document(
    offline: dict[int, list[Stats]],
    loopback: dict[int, list[Stats]],
    growth: list[Scaling],
    lifecycle: list[float],
    runs: dict[int, int],
    loop_runs: dict[int, int],
    repetitions: int,
) -> str:
    target_table, misses = targets(offline)
    verdicts = ", ".join(f"{s.label}: {s.verdict}" for s in growth)
    if misses:
        summary = "**Targets missed** for " + "; ".join(misses) + " (see the table above)."
    else:
        summary = "All targets met at 200 and 2,000 messages."
    counts = ", ".join(f"{runs[size]} at {size:,}" for size in runs)
    loop_counts = ", ".join(f"{loop_runs[size]} at {size:,}" for size in loop_runs)
    return "\n\n".join(
        [
            environment("pydantic-ai-slim", "openai-agents", "openai")
            + f" {os.cpu_count()} CPUs. Rerun with `python benchmarks/peers.py` (a few minutes; `--quick` for a "
            "smoke run that writes nothing, `--profile` for cProfile tables of the agentick runs).",
            "![time per tick against history length, and along one long execution](peers.png)",
            "**Workload**, the same for every framework: a 60-word system prompt, 20 tools with two typed "
            "arguments (`city: str`, `days: int`, async handlers), a history of N prior messages (alternating "
            "user/assistant text) and one new user message. One run = a tool call on tick 1 (validated, "
            "executed, sent back) and a text answer on tick 2. *Per tick* = run time / 2. Each run is checked "
            "(answer, one tool execution, two model calls, and both requests carry system + N + user messages, "
            "then + tool call + tool result, and 20 tools). All frameworks run in one process, interleaved run "
            "by run (the order rotating every round, so that no framework always follows the same other) "
            f"after warm-up, with `gc.collect()` (untimed) before each run; runs per framework: {counts}. "
            "After warm-up the surviving heap (three frameworks' modules, the agents) is moved out of the "
            "collector's way with `gc.freeze()`, so that collecting between runs is cheap; garbage collection "
            "during the runs works as usual.",
            "**How each framework is driven.** *agentick (history as ...)*: `await app.session()`, "
            "`session.send(messages=history + [user])`, `.result`, `session.close()`, all timed, so agentick "
            "builds everything from the given conversation like the peers do; the history is given as "
            '`{"role", "content"}` dicts (the like-for-like rows with openai-agents, which gets input-item '
            "dicts) or as `Message` objects built once, untimed (as pydantic-ai gets its message objects). "
            "*agentick (live session)*: the session already holds the history from an earlier (untimed) turn and "
            "the run is `session.send(user)`, as in an app that keeps sessions between turns; the peers have no "
            "equivalent and re-process the history every run. *pydantic-ai*: `agent.run(user, "
            "message_history=...)` with `ModelRequest`/`ModelResponse` objects and `instructions=` (a "
            "`system_prompt=` is dropped when a history is given). *openai-agents*: `Runner.run(agent, history "
            "+ [user])` with input-item dicts, tracing disabled.",
            "### Offline (scripted models, no model time)",
            "Models: agentick `create_test_model().respond_with(...)` (*TestModel*) and, for the dict rows, a "
            "*lean double* as well: a minimal model returning the same scripted outputs without estimating "
            "usage, so that the test model's own cost shows; pydantic-ai `FunctionModel` with an async "
            "function returning `ModelResponse`s that carry usage (so it does not estimate tokens over the "
            "history); openai-agents `agents.testing.ScriptedModel`, and a *lean double*: a minimal `Model` "
            "subclass returning the same output items, because `ScriptedModel` deep-copies the whole input twice "
            "per call for its call records (about a third of the SDK's time at 2,000 messages), which is the "
            "double's cost, not the SDK's. *Floor*: building the two Chat Completions payloads by hand and "
            "`json.dumps`-ing them, per request. Peak memory: `tracemalloc` peak during one run minus the traced "
            "size at its start (the input history is allocated before and not counted), median of the memory "
            "runs.",
            offline_table(offline),
            "Targets, at 200 and 2,000 messages, for a fresh session per run with dict history: at most "
            f"{FLOOR_TARGET:.0f}x the floor and at least {PEER_TARGET:.0f}x faster than openai-agents (its lean "
            f"double, the faster of its two), and with the shipped TestModel within {DOUBLE_TARGET}x of the lean "
            "double.",
            target_table,
            summary,
            "What a fresh session per request costs on its own, with this workload's agent (20 tools) and "
            "nothing sent (median of the steps; `--sessions` measures only this). Mounting is the first render "
            "of the tree, which a run's first tick does anyway; creating and closing are the fresh session's "
            "own cost.",
            session_table(lifecycle),
            "### Loopback OpenAI server (real `openai` client and HTTP)",
            "The same runs against `agentick.testing.FakeOpenAI` on 127.0.0.1 (in this process, on its own "
            "thread), with each framework's own OpenAI integration: agentick `agentick.models.openai(model=..., "
            "base_url=..., api_key=...)` (streams, as the engine always does), pydantic-ai `OpenAIChatModel` + "
            "`OpenAIProvider(base_url=..., api_key=...)`, openai-agents `OpenAIChatCompletionsModel(model, "
            "AsyncOpenAI(base_url=...))`; pydantic-ai's `agent.run` and openai-agents' `Runner.run` make "
            "non-streaming requests. Responses come whole (one chunk when streamed). The *floor* sends the "
            "hand-built requests with the bare `AsyncOpenAI` client (`chat.completions.create`, non-streaming) and "
            "reads the tool call: HTTP, the SDK and the server, no framework; the `client.post` row sends the same "
            "bodies with the client's generic `post`, which skips the SDK's request transform (`maybe_transform` "
            "walking every message against the `TypedDict` params). pydantic-ai and openai-agents go "
            "through `chat.completions.create`; agentick's adapter posts its prepared body with `client.post`. "
            "Runs per framework: "
            f"{loop_counts} (after one warm-up run; at 2,000 messages every request costs the SDK about half a "
            "second, so few runs, and the p90 is nearly the maximum).",
            loopback_table(loopback),
            transform_note(loopback),
            "### One long execution",
            f"Ticks 1..{SCALING_TICKS} of one execution from a {SCALING_HISTORY}-message history: 49 scripted tool "
            "calls (each tick adds a tool call and its result to the timeline), then the answer. Time per tick = "
            "time between successive model calls (ticks 2..50; the request grows from 14 to 110 messages), "
            f"median of {repetitions} executions per framework after a warm-up, interleaved. Growth: *flat* when "
            "the mean of the last decile of ticks is within 1.25x of the first; otherwise *quadratic* if, in a "
            "least-squares fit `t = a + b·n + c·n²` over the request size n, the `c·n²` term gives more than half "
            "of the fitted growth from tick 2 to tick 50 and `c` is more than 3 standard errors above zero, else "
            "*linear*. "
            f"Result: {verdicts}.",
            scaling_table(growth),
            "### Caveats",
            "- Offline, no framework maps to a wire format: agentick's test model receives agentick's `ModelInput`, "
            "`FunctionModel` pydantic-ai's message objects, the SDK's doubles its input items; the floor does that "
            "mapping and serialises. The loopback runs include everyone's real mapping.\n"
            "- The test doubles' own costs count as framework time. agentick's test model estimates input tokens "
            "from the messages' text length (measuring only the messages that are not the same objects, at the "
            "same positions, as in its previous call), hence its lean-double row too; `ScriptedModel` deep-copies its "
            "input (hence the lean-double row); `FunctionModel` would estimate usage over the whole history but is "
            "given usage in its responses.\n"
            "- The history's form: pydantic-ai and agentick (history as Message objects) get ready-made message "
            "objects (`ModelMessage`, `Message`), openai-agents and agentick (history as dicts) get dicts; agentick "
            'turns plain `{"role", "content"}` dicts into `Message`s without pydantic validation (the '
            "validated path handles every other shape). agentick also gives every message of the fresh session "
            "a timeline entry (hence its higher peak memory in those rows) and mounts and closes the whole agent "
            "in every run, which is most of its distance to the floor there.\n"
            "- Over HTTP agentick streams (server-sent events) and the peers make plain requests.\n"
            "- Everything ran on one shared 2-CPU machine; medians of interleaved runs are robust to that, the p90 "
            "columns less so.",
        ]
    )


# --- profiling --------------------------------------------------------------------------------------


async def profile(size: int, runs: int) -> None:
    """cProfile tables of the agentick runs only (every way of giving the history), then of a fresh
    session's lifecycle alone."""
    for driver in (Agentick(None, form=form) for form in HISTORY_FORMS):
        for _ in range(3):
            await one_run(driver, size)
        profiler = cProfile.Profile()
        total = 0.0
        for _ in range(runs):
            await driver.setup(size)
            gc.collect()
            start = time.perf_counter()
            profiler.enable()
            await driver.run()
            profiler.disable()
            total += time.perf_counter() - start
            await driver.teardown()
        print(f"\n===== {driver.label}, {size:,} messages, {runs} runs, {total / runs / 2 * 1000:.2f} ms/tick profiled")
        print_profile(profiler)
    profiler = cProfile.Profile()
    await session_cost(runs * 10, profiler)
    print(f"\n===== a fresh session: create, mount, close ({runs * 10} times)")
    print_profile(profiler)


def print_profile(profiler: cProfile.Profile) -> None:
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print(out.getvalue())


SESSION_STEPS = ("create (`await app.session()`)", "mount (`await session.mount()`)", "close (`await session.close()`)")


async def session_cost(runs: int, profiler: cProfile.Profile | None = None) -> list[float]:
    """Median seconds of each step of a fresh session's lifecycle with the workload's agent (20 tools),
    nothing sent: what a fresh session per request costs on top of the run itself."""
    app = create_app(agentick_component(agentick_tools(Counter())), model=create_test_model())
    samples: list[list[float]] = [[] for _ in SESSION_STEPS]
    for run in range(runs + runs // 10):  # the first tenth warms up
        gc.collect()
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        session = await app.session()
        created = time.perf_counter()
        await session.mount()
        mounted = time.perf_counter()
        await session.close()
        closed = time.perf_counter()
        if profiler is not None:
            profiler.disable()
        if run >= runs // 10:
            for step, seconds in zip(samples, (created - start, mounted - created, closed - mounted), strict=True):
                step.append(seconds)
    return [statistics.median(step) for step in samples]


def session_table(steps: list[float]) -> str:
    rows: list[list[object]] = [
        [name, f"{seconds * 1e6:.0f}"] for name, seconds in zip(SESSION_STEPS, steps, strict=True)
    ]
    rows.append(["**a fresh session's lifecycle** (sum)", f"**{sum(steps) * 1e6:.0f}**"])
    return table(["step", "median (µs)"], rows)


# --- main -------------------------------------------------------------------------------------------


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: few runs, nothing written")
    parser.add_argument("--profile", action="store_true", help="print cProfile tables of agentick at 2,000 messages")
    parser.add_argument("--sessions", action="store_true", help="only measure a fresh session's create/mount/close")
    parser.add_argument("--offline", action="store_true", help="only the offline runs, printed (nothing written)")
    options = parser.parse_args()
    if options.profile:
        await profile(2_000, 20)
        return
    if options.sessions:
        settle()  # else each run's gc.collect() walks every imported module (~0.15 s a run)
        print(session_table(await session_cost(200 if options.quick else 2_000)))
        return
    quick = options.quick
    runs = {10: 5, 200: 3, 2_000: 2} if quick else {10: 61, 200: 41, 2_000: 21}
    loop_runs = {10: 3, 200: 2, 2_000: 1} if quick else {10: 31, 200: 15, 2_000: 5}
    warmup, memory_runs, repetitions = (1, 1, 1) if quick else (3, 3, 15)
    began = time.perf_counter()
    settle()

    def progress(phase: str, stats: list[Stats]) -> None:
        medians = ", ".join(f"{s.label} {s.median:.3f}" for s in stats)
        print(f"[{time.perf_counter() - began:5.0f} s] {phase}: {medians}", flush=True)

    offline: dict[int, list[Stats]] = {}
    peers = drivers(None)
    for size in SIZES:
        offline[size] = await measure(peers, size, runs[size], warmup, memory_runs)
        progress(f"offline {size:,}", offline[size])
    lifecycle = await session_cost(200 if quick else 2_000)
    if options.offline:
        print(offline_table(offline), targets(offline)[0], session_table(lifecycle), sep="\n\n")
        return

    loopback: dict[int, list[Stats]] = {}
    with FakeOpenAI() as server:
        peers = drivers(server)
        for size in SIZES:
            loopback[size] = await measure(peers, size, loop_runs[size], 1, 0)
            progress(f"loopback {size:,}", loopback[size])

    growth = await scaling(repetitions)
    print(f"[{time.perf_counter() - began:5.0f} s] scaling done", flush=True)
    body = document(offline, loopback, growth, lifecycle, runs, loop_runs, repetitions)
    print(body)
    if quick:
        plot(offline, loopback, growth, io.BytesIO())
    else:
        plot(offline, loopback, growth, PLOT)
        write_section(SECTION, body)


if __name__ == "__main__":
    anyio.run(main)
