"""What the checkers infer for the public API (tests/type_checking/test_typing.py pins each type)."""

from typing import reveal_type

from user_tools import Search, SearchInput, add

from agentick import Element, create_app, create_context, h, run_sync, use_memo, use_reducer, use_ref, use_state
from agentick.testing import render_agent


def step(total: int, by: int) -> int:
    return total + by


def Probe() -> Element:
    reveal_type(use_state(0))
    reveal_type(use_ref(""))
    reveal_type(use_memo(lambda: [1.5], []))
    reveal_type(use_reducer(step, 0))
    reveal_type(create_context(0.5))
    return h(Probe)


async def probe() -> None:
    reveal_type(add)
    reveal_type(Search)
    session = await create_app(Probe).session()
    promise = session.send("Hi")
    reveal_type(promise)
    reveal_type(await promise.result)
    async for event in promise:
        reveal_type(event.sequence)
    reveal_type(run_sync(h(Probe)))
    reveal_type(await render_agent(Probe))
    reveal_type(run_sync(h(Probe), output_type=SearchInput).output)
