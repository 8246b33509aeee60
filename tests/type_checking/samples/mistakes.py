"""Mistakes the type checkers must report (tests/type_checking/test_typing.py pins each message and line)."""

from user_tools import add

from agentick import (
    Com,
    Element,
    SendResult,
    StreamEvent,
    System,
    TickResult,
    create_app,
    h,
    use_on_tick_end,
    use_state,
)
from agentick.testing import create_test_model


def Counter() -> Element:
    count, set_count = use_state(0)
    set_count("x")
    use_on_tick_end(lambda result: None)
    return h(System, None, str(count))


async def misuse(event: StreamEvent, com: Com) -> None:
    await add.handler(1, "x")
    add(a=1)
    if event.type == "content_delta":
        print(event.name)
    session = await create_app(Counter, model=create_test_model()).session()
    result: SendResult = await session.send(42).result
    print(result.respons)


def late(result: TickResult) -> None:
    result.stop(reason=1)
