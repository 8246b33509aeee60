"""Common mistakes either work or fail with one clear message naming the place, the part involved
and the fix (docs/common-mistakes.md)."""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import types
from typing import Any

import anyio
import pytest

from agentick import (
    CompileError,
    Fragment,
    HookError,
    Section,
    System,
    Timeline,
    User,
    compile_element,
    create_app,
    h,
    run_sync,
    tool,
    use_after_compile,
    use_continuation,
    use_on_execution_end,
    use_on_execution_start,
    use_on_message,
    use_on_mount,
    use_on_tick_end,
    use_on_tick_start,
    use_on_unmount,
)
from agentick.engine import lint
from agentick.errors import ModelError
from agentick.hooks.lifecycle import PARAMETERS
from agentick.models import openai
from agentick.tag_names import capitalised_tag
from agentick.testing import create_test_model
from agentick.types import ModelInput

HOOKS = {
    "use_on_mount": use_on_mount,
    "use_on_unmount": use_on_unmount,
    "use_on_tick_start": use_on_tick_start,
    "use_after_compile": use_after_compile,
    "use_on_tick_end": use_on_tick_end,
    "use_continuation": use_continuation,
    "use_on_execution_start": use_on_execution_start,
    "use_on_execution_end": use_on_execution_end,
    "use_on_message": use_on_message,
}


@tool
async def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


def agentick_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "agentick"]


# --- a forgotten <Timeline /> -------------------------------------------------------------------


def Forgetful():
    return h(System, None, "You are terse.")


@pytest.mark.anyio
async def test_sending_to_an_agent_without_a_timeline_warns_once_per_session(caplog):
    app = create_app(Forgetful, model=create_test_model())
    session = await app.session()

    with caplog.at_level(logging.WARNING, logger="agentick"):
        await session.send("Hi").result
        await session.send("Again").result

    assert agentick_warnings(caplog) == [
        "Forgetful renders no <Timeline />, so the conversation (including the message just sent) never reaches "
        "the model. Render <Timeline /> in Forgetful (after the <System> part), or render the messages yourself "
        "(<User>, <Assistant>, or a <Timeline> render function)"
    ]
    await session.close()


@pytest.mark.anyio
async def test_an_agent_that_renders_its_messages_itself_gets_no_warning(caplog):
    def Agent():
        return h(Fragment, None, h(System, None, "You are terse."), h(User, None, "Summarise our talk."))

    app = create_app(Agent, model=create_test_model())
    session = await app.session()

    with caplog.at_level(logging.WARNING, logger="agentick"):
        await session.send("Hi").result

    assert agentick_warnings(caplog) == []
    await session.close()


# --- a lowercase tag naming a tool or a component -----------------------------------------------


def Notes():
    return h(Section, {"id": "notes"}, "Nothing yet.")


def Adder():
    return h(
        Fragment,
        None,
        h(System, None, "You add. ", h("add"), " Keep ", h("notes"), " and use <b>: ", h("b", None, "bold"), "."),
        h(Section, {"id": "example"}, h("example", None, "2 + 2 = 4")),
        h(Notes),
        h(Timeline),
    )


@pytest.mark.anyio
async def test_a_lowercase_tag_naming_a_tool_or_a_component_warns_once_per_session_and_tag(caplog):
    app = create_app(Adder, model=create_test_model(), tools=[add])
    session = await app.session()

    with caplog.at_level(logging.WARNING, logger="agentick"):
        await session.send("Hi").result
        await session.send("Again").result

    assert agentick_warnings(caplog) == [
        "<add> in the text of Adder names the tool 'add', but lowercase JSX tags are text tags: it is sent to the "
        "model as literal text. Capitalise it: `Add = add`, then render <Add />",
        "<notes> in the text of Adder names the component Notes, but lowercase JSX tags are text tags: it is sent "
        "to the model as literal text. Capitalise it: render <Notes />",
    ]
    assert session.last_compiled.system.startswith("You add. <add /> Keep <notes /> and use <b>: **bold**.")
    await session.close()


def test_the_literal_text_tags_are_exactly_the_tags_written_as_literal_text():
    compiled = compile_element(
        h(
            System,
            None,
            "See ",
            h("img", {"src": "https://example.com/a.png", "alt": "a chart"}),
            ", ",
            h("ul", None, h("li", None, "first"), h("li", None, h("step", None, "second"))),
            h("li", None, "an item outside a list"),
            h("b", None, "bold"),
        )
    )

    assert compiled.system == (
        "See ![a chart](https://example.com/a.png),\n\n- first\n- <step>second</step>\n\n"
        "<li>an item outside a list</li>**bold**"
    )
    assert compiled.structure.text_tags == {"step", "li"}


@pytest.mark.anyio
async def test_the_literal_text_tags_of_content_compiled_earlier_are_reported_again():
    def Agent():
        return h(Fragment, None, h(System, None, "Follow ", h("instructions", None, "these"), "."), h(Timeline))

    app = create_app(Agent, model=create_test_model())
    session = await app.session()

    await session.send("Hi").result
    await session.send("Again").result  # the System's compiled form comes from the cache

    assert session.last_compiled.structure.text_tags == {"instructions"}
    await session.close()


@pytest.mark.anyio
async def test_a_lowercase_tag_naming_nothing_is_looked_up_once_per_session(monkeypatch):
    lookups = []
    component_names = lint._component_names

    def counting(root):
        lookups.append(root)
        return component_names(root)

    monkeypatch.setattr(lint, "_component_names", counting)

    def Agent():
        return h(Fragment, None, h(System, None, "Follow ", h("instructions", None, "these"), "."), h(Timeline))

    app = create_app(Agent, model=create_test_model())
    session = await app.session()

    for text in ("Hi", "Again", "Once more"):
        await session.send(text).result

    assert len(lookups) == 1
    await session.close()


@pytest.mark.parametrize(("name", "tag"), [("get_weather", "GetWeather"), ("getWeather", "GetWeather"), ("add", "Add")])
def test_the_suggested_tag_capitalises_each_word_and_keeps_the_rest(name, tag):
    assert capitalised_tag(name) == tag


@tool
async def getWeather(city: str) -> str:
    """The weather in a city."""
    return f"Sunny in {city}."


def Forecaster():
    return h(Fragment, None, h(System, None, "Use ", h("getWeather"), "."), h(Timeline))


@pytest.mark.anyio
async def test_a_lowercase_tag_naming_a_camel_case_tool_suggests_its_capitalised_name(caplog):
    app = create_app(Forecaster, model=create_test_model(), tools=[getWeather])
    session = await app.session()

    with caplog.at_level(logging.WARNING, logger="agentick"):
        await session.send("Hi").result

    assert agentick_warnings(caplog) == [
        "<getWeather> in the text of Forecaster names the tool 'getWeather', but lowercase JSX tags are text tags: "
        "it is sent to the model as literal text. Capitalise it: `GetWeather = getWeather`, then render <GetWeather />"
    ]
    await session.close()


def test_a_camel_case_tag_at_the_top_level_suggests_its_capitalised_name():
    with pytest.raises(CompileError) as raised:
        compile_element(h(Fragment, None, h("getWeather")))

    assert str(raised.value) == (
        "<getWeather /> is an unknown lowercase tag at the top level, so it renders nothing. Lowercase JSX tags are "
        "text tags; tools and components need capitalised names (for a tool defined as `getWeather`, write "
        "`GetWeather = getWeather` and render <GetWeather />)"
    )


# --- tick-hook callbacks with the wrong arity ---------------------------------------------------


def component_using(hook_name, callback):
    hook = HOOKS[hook_name]

    def Agent():
        hook(callback)
        return h(System, None, "hi")

    return Agent


def no_arguments():
    return None


@pytest.mark.parametrize("hook_name", list(HOOKS))
def test_a_callback_that_cannot_take_its_arguments_is_refused_at_registration(hook_name):
    parameters = ", ".join(PARAMETERS[hook_name])
    line = no_arguments.__code__.co_firstlineno

    with pytest.raises(HookError) as raised:
        compile_element(h(component_using(hook_name, no_arguments)))

    assert str(raised.value) == (
        f"{hook_name}() in Agent calls its callback as cb({parameters}), but no_arguments() at {__file__}:{line} "
        f"cannot take those {len(PARAMETERS[hook_name])} argument(s); define it as "
        f"`def {hook_name.removeprefix('use_')}({parameters}): ...` (parameters it does not need may stay unused)"
    )


def test_a_one_parameter_tick_end_callback_names_its_signature_and_line():
    def on_end(result):
        return None

    where = f"{__file__}:{on_end.__code__.co_firstlineno}"

    with pytest.raises(HookError, match=re.escape(f"but on_end(result) at {where} cannot take those 2 argument(s)")):
        compile_element(h(component_using("use_on_tick_end", on_end)))


class Recorder:
    def on_end(self, tick_result, com):
        return None


class OwnedCallback:
    def __call__(self, owner, tick_result, com):
        return None


@pytest.mark.parametrize(
    "callback",
    [
        lambda *args: None,
        lambda tick_result, com=None: None,
        lambda tick_result, com, extra=1, *, flag=False: None,
        Recorder().on_end,
        functools.partial(lambda prefix, tick_result, com: None, "x"),
        print,
        types.MethodType(OwnedCallback(), object()),
    ],
    ids=["varargs", "default", "extra-defaults", "bound-method", "partial", "builtin", "bound-callable-object"],
)
def test_callbacks_that_can_take_the_arguments_are_accepted(callback):
    compiled = compile_element(h(component_using("use_on_tick_end", callback)))

    assert compiled.system == "hi"


def on_end_with(prefix, tick_result, com):
    return None


class EndCallback:
    def __call__(self, tick_result, com):
        return None


@pytest.mark.anyio
async def test_the_signature_of_a_partial_or_callable_object_callback_is_inspected_once(monkeypatch):
    """A partial rebuilt on every render and a callable object are checked once, not at every render."""

    def on_end(prefix, tick_result, com):  # a function of this test alone: not checked before
        return None

    callback_object = EndCallback()
    inspected = []
    signature = inspect.signature

    def counting_signature(callable_, *args, **kwargs):
        if callable_ is callback_object or getattr(callable_, "func", None) is on_end:
            inspected.append(callable_)
        return signature(callable_, *args, **kwargs)

    monkeypatch.setattr(inspect, "signature", counting_signature)

    def Agent():
        use_on_tick_end(functools.partial(on_end, "x"))
        use_continuation(callback_object)
        return h(Fragment, None, h(System, None, "hi"), h(Timeline))

    app = create_app(Agent, model=create_test_model())
    session = await app.session()
    for text in ("Hi", "Again", "Once more"):
        await session.send(text).result

    assert [type(item) for item in inspected] == [functools.partial, EndCallback]
    await session.close()


def test_a_partial_binding_too_many_arguments_is_refused_after_one_that_fits_was_accepted():
    compile_element(h(component_using("use_on_tick_end", functools.partial(on_end_with, "x"))))

    with pytest.raises(HookError) as raised:
        compile_element(h(component_using("use_on_tick_end", functools.partial(on_end_with, "x", "y"))))

    assert str(raised.value) == (
        "use_on_tick_end() in Agent calls its callback as cb(tick_result, com), but partial(com) at "
        f"{__file__}:{on_end_with.__code__.co_firstlineno} cannot take those 2 argument(s); define it as "
        "`def on_tick_end(tick_result, com): ...` (parameters it does not need may stay unused)"
    )


# --- continuation votes -------------------------------------------------------------------------


def stop_as_a_string(tick_result, com):
    return "stop"


def Voter():
    use_continuation(stop_as_a_string)
    return h(Fragment, None, h(System, None, "hi"), h(Timeline))


@pytest.mark.anyio
async def test_a_continuation_returning_something_that_is_not_a_vote_fails_naming_the_hook_and_the_votes():
    app = create_app(Voter, model=create_test_model())
    session = await app.session()

    with pytest.raises(HookError) as raised:
        await session.send("Hi").result

    assert str(raised.value) == (
        f"the use_continuation of Voter (stop_as_a_string at {__file__}:"
        f"{stop_as_a_string.__code__.co_firstlineno}) returned 'stop', which is not a vote; return True "
        '(continue), False (stop), None (no opinion), {"stop": True, "reason": "..."} or {"continue": True, '
        '"reason": "..."}, or call tick_result.stop(reason) / tick_result.continue_(reason)'
    )
    assert session.status == "idle"
    await session.close()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("vote", "ticks"),
    [(None, 1), (False, 1), (True, 3), ({"stop": True, "reason": "done"}, 1), ({"continue": True}, 3)],
)
async def test_every_documented_vote_is_accepted(vote, ticks):
    def Agent():
        use_on_tick_end(lambda tick_result, com: vote)
        return h(Fragment, None, h(System, None, "hi"), h(Timeline))

    app = create_app(Agent, model=create_test_model(), max_ticks=3)
    session = await app.session()

    result = await session.send("Hi").result

    assert result.usage.ticks == ticks
    await session.close()


# --- connection failures ------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_unresolvable_host_is_reported_as_a_dns_failure():
    model = openai(api_key="k", base_url="http://nonexistent.invalid/v1", max_retries=0)

    with pytest.raises(ModelError) as raised:
        await model.generate(ModelInput(messages=[{"role": "user", "content": "Hi"}]))
    await model.aclose()

    assert re.fullmatch(
        r"Cannot connect to OpenAI model 'gpt-4o-mini' at http://nonexistent\.invalid/v1: DNS lookup failed "
        r"\([A-Za-z ]+\)\. Check that the server is running and that base_url=\.\.\. \(or OPENAI_BASE_URL\) is right\.",
        str(raised.value),
    ), str(raised.value)


# --- async misuse -------------------------------------------------------------------------------


def Chat():
    return h(Fragment, None, h(System, None, "You are terse."), h(Timeline))


@pytest.mark.anyio
async def test_using_app_session_without_await_says_to_await_it_first():
    app = create_app(Chat, model=create_test_model())
    opening = app.session("user-1")

    with pytest.raises(AttributeError) as raised:
        opening.send("Hi")

    assert str(raised.value) == (
        "app.session(...) returns an awaitable, so `app.session(...).send` does not exist: await it first, "
        "`session = await app.session(...)`, then use `session.send`"
    )
    session = await opening
    assert (await session.send("Hi").result).response == "Test response"
    await session.close()


@pytest.mark.anyio
async def test_a_send_that_is_never_awaited_warns_at_the_line_that_called_it():
    app = create_app(Chat, model=create_test_model())
    session = await app.session()

    with pytest.warns(RuntimeWarning) as warned:
        line = inspect.currentframe().f_lineno + 1
        session.send("Hi")  # the promise is dropped at once

    assert [(str(w.message), w.filename, w.lineno) for w in warned] == [
        (
            "session.send(...) was never awaited, so it never ran; write `await session.send(...)`, "
            "`await session.send(...).result` or `async for event in session.send(...)`",
            __file__,
            line,
        )
    ]
    assert session.timeline == []
    await session.close()


def test_an_app_session_that_is_never_awaited_warns_at_the_line_that_called_it():
    app = create_app(Chat, model=create_test_model())

    with pytest.warns(RuntimeWarning) as warned:
        line = inspect.currentframe().f_lineno + 1
        app.session("user-1")

    assert [(str(w.message), w.filename, w.lineno) for w in warned] == [
        (
            "app.session(...) was never awaited, so it never ran; write `session = await app.session(...)`",
            __file__,
            line,
        )
    ]
    assert app.sessions == {}


@pytest.mark.anyio
async def test_run_sync_inside_an_event_loop_says_to_await_run(anyio_backend_name):
    with pytest.raises(RuntimeError) as raised:
        run_sync(h(Chat), messages=[{"role": "user", "content": "Hi"}], model=create_test_model())

    assert str(raised.value) == (
        f"run_sync() cannot be used inside a running event loop ({anyio_backend_name} runs in this thread); in "
        "async code write `result = await run(...).result` instead"
    )


def test_run_sync_outside_an_event_loop_returns_the_result():
    result = run_sync(h(Chat), messages=[{"role": "user", "content": "Hi"}], model=create_test_model())

    assert result.response == "Test response"


@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
@pytest.mark.anyio
async def test_app_session_is_a_coroutine_that_tasks_accept(anyio_backend_name):
    """`app.session(...)` can be scheduled like any coroutine: a task group, or asyncio.create_task."""
    app = create_app(Chat, model=create_test_model())
    opened: list[Any] = []

    async def open_one() -> None:
        opened.append(await app.session("user-1"))

    async with anyio.create_task_group() as group:
        group.start_soon(app.session, "user-2")
        group.start_soon(open_one)
    expected = ["user-1", "user-2"]
    if anyio_backend_name == "asyncio":
        opened.append(await asyncio.create_task(app.session("user-3")))
        expected.append("user-3")

    assert sorted(app.sessions) == expected
    assert [session.id for session in opened] == [name for name in expected if name != "user-2"]
    await app.close()
