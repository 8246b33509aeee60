"""Components with state, reducers, refs, memos, contexts, effects and the tick lifecycle hooks."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from agentick import (
    Com,
    CompiledContext,
    Element,
    Section,
    System,
    TickResult,
    TickState,
    Timeline,
    create_context,
    h,
    use_after_compile,
    use_callback,
    use_com,
    use_com_state,
    use_context,
    use_continuation,
    use_effect,
    use_memo,
    use_on_execution_end,
    use_on_message,
    use_on_mount,
    use_on_tick_end,
    use_on_tick_start,
    use_reducer,
    use_ref,
    use_state,
    use_tick_state,
)
from agentick.types import Message

Theme = create_context("plain")


@dataclass(frozen=True)
class Todo:
    title: str
    done: bool = False


Action = tuple[Literal["add"], str] | tuple[Literal["done"], int]


def todos_reducer(todos: tuple[Todo, ...], action: Action) -> tuple[Todo, ...]:
    if action[0] == "add":
        return (*todos, Todo(action[1]))
    index = action[1]
    return tuple(Todo(t.title, True) if i == index else t for i, t in enumerate(todos))


def Planner(topic: str, limit: int = 3) -> Element:
    count, set_count = use_state(0)
    set_count(count + 1)
    set_count(lambda previous: previous + 1)
    name, set_name = use_state(lambda: "planner")
    set_name(name.upper())
    no_todos: tuple[Todo, ...] = ()  # mypy needs the type of an empty initial state
    todos, dispatch = use_reducer(todos_reducer, no_todos)
    dispatch(("add", f"read about {topic}"))
    calls = use_ref(0)
    calls.current += 1
    summary: str = use_memo(lambda: ", ".join(t.title for t in todos[:limit]), [todos, limit])
    reset: Callable[[], None] = use_callback(lambda: set_count(0), [])
    theme: str = use_context(Theme)
    notes = use_com_state("notes", list[str]())
    notes.set([*notes.value, "seen"])
    com: Com = use_com()
    tick = use_tick_state()
    current_tick = tick.tick if tick is not None else 0

    def on_mount(com: Com) -> None:
        com.set_state("mounted", True)

    async def on_tick_start(tick_state: TickState, com: Com) -> None:
        if tick_state.tick > 5:
            tick_state.stop("too long")

    def on_compiled(compiled: CompiledContext, com: Com) -> None:
        assert compiled.system is not None

    def keep_going(result: TickResult, com: Com) -> bool | dict[str, object] | None:
        if result.tool_calls:
            return True
        return {"stop": True, "reason": "answered"}

    use_on_mount(on_mount)
    use_on_tick_start(on_tick_start)
    use_after_compile(on_compiled)
    use_continuation(keep_going)
    use_on_tick_end(lambda result, com: None if result.should_continue else result.stop("done"))
    use_on_execution_end(lambda com: com.request_recompile())
    use_on_message(lambda message, com, tick_state: print(message.role, com.session_id))
    use_effect(lambda: reset, [])
    return h(
        Section,
        {"id": "plan", "title": f"{theme} plan for {topic}"},
        f"{summary} ({count} renders, tick {current_tick}, {len(notes.value)} notes, session {com.session_id})",
    )


def Agent() -> list[Element]:
    return [
        h(System, None, "You plan."),
        h(Theme.Provider, {"value": "bold"}, h(Planner, {"topic": "tides"})),
        h(Timeline),
    ]


def first_user_text(messages: list[Message]) -> str:
    return next(m.text for m in messages if m.role == "user")
