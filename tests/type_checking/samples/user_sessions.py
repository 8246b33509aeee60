"""Apps, sessions, procedures and the event stream, narrowed by `type`, `match` and `isinstance`."""

import anyio
from user_tools import SearchInput, add

from agentick import (
    ExecutionHandle,
    ProcedurePromise,
    SendResult,
    StreamEvent,
    System,
    Timeline,
    create_app,
    h,
    procedure,
    run,
    run_sync,
)
from agentick.engine.events import ContentDeltaEvent, ToolCallEvent
from agentick.testing import create_test_model


def Agent(style: str = "brief") -> list[object]:
    return [h(System, None, f"You are {style}."), h(add), h(Timeline)]


def describe(event: StreamEvent) -> str:
    match event.type:
        case "content_delta":
            return event.delta
        case "tool_call":
            return f"{event.name}({event.input})"
        case "execution_end":
            return event.status
        case _:
            return event.type


async def main() -> None:
    model = create_test_model(streaming=True)
    model.respond_with([{"tool": {"name": "add", "input": {"a": 1, "b": 2}}}, "3"])
    async with create_app(Agent, model=model, max_ticks=5) as app:
        session = await app.session("user-1")
        promise: ProcedurePromise[ExecutionHandle, SendResult] = session.send("1 + 2?", props={"style": "exact"})
        handle: ExecutionHandle = await promise
        result: SendResult = await handle.result
        text = "".join(event.delta for event in handle.events if event.type == "content_delta")
        calls = [event.name for event in handle.events if isinstance(event, ToolCallEvent)]
        print(result.response, result.usage.total_tokens, result.stop_reason, text, calls)
        async for event in session.send("And 2 + 2?"):
            if isinstance(event, ContentDeltaEvent):
                print(event.delta, describe(event))
            elif event.type == "result":
                print(event.result.response)
        again: SendResult = await session.send(messages=[{"role": "user", "content": "Hi"}]).result
        entries = [entry.message.role for entry in again.timeline]
        print(entries, [entry.id for entry in session.timeline])
    stateless: SendResult = await run(h(Agent), messages=[{"role": "user", "content": "Hi"}], model=model).result
    print(stateless.response)

    @procedure(name="greet")
    async def greet(name: str) -> str:
        return f"Hello, {name}"

    greeting: str = await greet("Ada").result
    print(greeting)


def blocking() -> str:
    result = run_sync(h(Agent), messages=[{"role": "user", "content": "Hi"}], model=create_test_model())
    return result.response


def structured() -> str:
    found = run_sync(h(Agent), messages=[{"role": "user", "content": "Tides?"}], model="test", output_type=SearchInput)
    return found.output.query


if __name__ == "__main__":
    anyio.run(main)
