"""`context_diff` (API.md §15): after `compiled`, on every tick but a session's first, what changed in
the model input since the session's previous tick, and which component rendered each change."""

from __future__ import annotations

import gc
from itertools import pairwise
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from agentick import XML, Ephemeral, Fragment, Knobs, Section, System, Timeline, User, create_app, create_tool, h, tool
from agentick.compiler import CompiledContext
from agentick.engine.events import ContextDiffEvent, SectionsDiff, StreamEvent, ToolsDiff
from agentick.engine.session import Session
from agentick.hooks import use_com_state, use_tick_state
from agentick.stores import MemoryStore
from agentick.testing import create_test_model
from agentick.types import ToolDefinition

pytestmark = pytest.mark.anyio

VOLATILE = {"execution_id", "sequence", "timestamp", "session_id"}


@tool
def note(text: str, com: Any) -> str:
    """Write a note down."""
    com.set_state("notes", [*com.get_state("notes", []), text])
    return "noted"


@tool
def forget(com: Any) -> str:
    """Forget every note."""
    com.set_state("notes", [])
    return "forgotten"


@tool
def unlock(com: Any) -> str:
    """Open the vault."""
    com.set_state("unlocked", True)
    return "open"


@tool
def lock(com: Any) -> str:
    """Close the vault."""
    com.set_state("unlocked", False)
    return "closed"


@tool
def secret() -> str:
    """Read the secret."""
    return "42"


def Notes() -> Any:
    notes = use_com_state("notes", []).value
    if not notes:
        return None
    return h(Section, {"id": "notes", "title": "Notes"}, "\n".join(f"- {text}" for text in notes))


def Memory() -> Any:
    return h(Notes)


def Profile() -> Any:
    """Two sections from one component."""
    notes = use_com_state("notes", []).value
    return h(
        Fragment,
        None,
        h(Section, {"id": "count"}, f"{len(notes)} notes"),
        h(Section, {"id": "last"}, notes[-1] if notes else "none"),
    )


def Vault() -> Any:
    return h(secret) if use_com_state("unlocked", False).value else None


def NoteAgent() -> Any:
    return h(Fragment, None, h(System, None, "You take notes."), h(Memory), h(note), h(forget), h(Timeline))


def VaultAgent() -> Any:
    return h(Fragment, None, h(System, None, "You guard a vault."), h(Vault), h(unlock), h(lock), h(Timeline))


def call(name: str, call_id: str, **arguments: Any) -> dict[str, Any]:
    return {"tool": {"name": name, "input": arguments, "id": call_id}}


class Recorder:
    """Every context_diff of an app, with the compiled context of its tick and of the tick before."""

    def __init__(self) -> None:
        self.diffs: list[ContextDiffEvent] = []
        self.contexts: list[CompiledContext] = []  # one per tick, in order
        self.types: list[str] = []

    def __call__(self, session: Session, event: StreamEvent) -> None:
        self.types.append(event.type)
        if event.type == "compiled":
            assert session.last_compiled is not None
            self.contexts.append(session.last_compiled)
        elif event.type == "context_diff":
            self.diffs.append(event)

    def dumped(self) -> list[dict[str, Any]]:
        return [diff.model_dump(mode="json", exclude=VOLATILE) for diff in self.diffs]


def diff(tick: int, **fields: Any) -> dict[str, Any]:
    """The expected dump of a context_diff event: every field, defaults for those not given."""
    return {
        "type": "context_diff",
        "tick": tick,
        "system": fields.get("system"),
        "sections": {"added": [], "removed": [], "changed": [], **fields.get("sections", {})},
        "messages": {"added": 0, "removed": 0, **fields.get("messages", {})},
        "tools": {"added": [], "removed": [], **fields.get("tools", {})},
        "token_delta": fields["token_delta"],
        "sources": fields.get("sources", {}),
    }


def deltas(recorder: Recorder) -> list[int]:
    """token_count of each tick minus the previous tick's (counted afresh, whole)."""
    counts = [context.token_count for context in recorder.contexts]
    return [later - earlier for earlier, later in pairwise(counts)]


async def test_sections_added_changed_removed_by_state_with_system_diff_and_sources() -> None:
    model = create_test_model(default_response="Done.")
    model.respond_with(
        [call("note", "c1", text="milk"), call("note", "c2", text="eggs"), call("forget", "c3"), "Done."]
    )
    recorder = Recorder()
    app = create_app(NoteAgent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Remember things").result

    token_deltas = deltas(recorder)
    assert recorder.dumped() == [
        diff(
            2,
            system="--- previous\n+++ current\n@@ -1 +1,5 @@\n You take notes.\n+\n+## Notes\n+\n+- milk",
            sections={"added": ["notes"]},
            messages={"added": 2},
            token_delta=token_deltas[0],
            sources={
                "system": "NoteAgent > Memory > Notes > Section#notes",
                "section:notes": "NoteAgent > Memory > Notes > Section#notes",
                "message:1": "NoteAgent > Timeline",
                "message:2": "NoteAgent > Timeline",
            },
        ),
        diff(
            3,
            system="--- previous\n+++ current\n@@ -3,3 +3,4 @@\n ## Notes\n \n - milk\n+- eggs",
            sections={"changed": ["notes"]},
            messages={"added": 2},
            token_delta=token_deltas[1],
            sources={
                "system": "NoteAgent > Memory > Notes > Section#notes",
                "section:notes": "NoteAgent > Memory > Notes > Section#notes",
                "message:3": "NoteAgent > Timeline",
                "message:4": "NoteAgent > Timeline",
            },
        ),
        diff(
            4,
            system="--- previous\n+++ current\n@@ -1,6 +1 @@\n You take notes.\n-\n-## Notes\n-\n-- milk\n-- eggs",
            sections={"removed": ["notes"]},
            messages={"added": 2},
            token_delta=token_deltas[2],
            sources={
                "system": "NoteAgent > Memory > Notes > Section#notes",
                "section:notes": "NoteAgent > Memory > Notes > Section#notes",
                "message:5": "NoteAgent > Timeline",
                "message:6": "NoteAgent > Timeline",
            },
        ),
    ]
    assert token_deltas[0] > 0


async def test_a_tool_that_appears_and_disappears_names_the_component_that_rendered_it() -> None:
    model = create_test_model()
    model.respond_with([call("unlock", "c1"), call("lock", "c2"), "Locked."])
    recorder = Recorder()
    app = create_app(VaultAgent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Open it").result

    token_deltas = deltas(recorder)
    assert recorder.dumped() == [
        diff(
            2,
            tools={"added": ["secret"]},
            messages={"added": 2},
            token_delta=token_deltas[0],
            sources={
                "tool:secret": "VaultAgent > Vault > Tool#secret",
                "message:1": "VaultAgent > Timeline",
                "message:2": "VaultAgent > Timeline",
            },
        ),
        diff(
            3,
            tools={"removed": ["secret"]},
            messages={"added": 2},
            token_delta=token_deltas[1],
            sources={
                "tool:secret": "VaultAgent > Vault > Tool#secret",
                "message:3": "VaultAgent > Timeline",
                "message:4": "VaultAgent > Timeline",
            },
        ),
    ]


async def test_nested_components_and_one_component_rendering_two_sections() -> None:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "You count."), h(Profile), h(note), h(Timeline))

    model = create_test_model()
    model.respond_with([call("note", "c1", text="milk"), "Done."])
    recorder = Recorder()
    app = create_app(Agent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Count").result

    [event] = recorder.dumped()
    assert event == diff(
        2,
        system="--- previous\n+++ current\n@@ -1,5 +1,5 @@\n You count.\n \n-0 notes\n+1 notes\n \n-none\n+milk",
        sections={"changed": ["count", "last"]},
        messages={"added": 2},
        token_delta=deltas(recorder)[0],
        sources={
            "system": "Agent > Profile > Section#count, Agent > Profile > Section#last",
            "section:count": "Agent > Profile > Section#count",
            "section:last": "Agent > Profile > Section#last",
            "message:1": "Agent > Timeline",
            "message:2": "Agent > Timeline",
        },
    )


async def test_a_windowed_timeline_reports_removed_and_added_messages() -> None:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "You chat."), h(Timeline, {"limit": 2}))

    model = create_test_model(default_response="ok")
    recorder = Recorder()
    app = create_app(Agent, model=model)
    app.observers.append(recorder)
    session = await app.session()

    for text in ("one", "two", "three"):
        await session.send(text).result

    token_deltas = deltas(recorder)
    assert recorder.dumped() == [
        # [one] -> [one, ok, two]: the history's answer and the new input
        diff(
            1,
            messages={"added": 2},
            token_delta=token_deltas[0],
            sources={"message:1": "Agent > Timeline", "message:2": "Agent > Timeline"},
        ),
        # [one, ok, two] -> [two, ok, three]: the window slid by two
        diff(
            1,
            messages={"added": 2, "removed": 2},
            token_delta=token_deltas[1],
            sources={"message:1": "Agent > Timeline", "message:2": "Agent > Timeline"},
        ),
    ]
    assert [len(context.messages) for context in recorder.contexts] == [1, 3, 3]


async def test_no_diff_on_a_sessions_first_tick_one_on_the_first_tick_of_its_next_execution() -> None:
    model = create_test_model(default_response="ok")
    model.respond_with([call("note", "c1", text="milk"), "Done."])
    recorder = Recorder()
    app = create_app(NoteAgent, model=model)
    app.observers.append(recorder)
    session = await app.session()

    await session.send("first").result
    await session.send("second").result

    ticks = [t for t in recorder.types if t in ("tick_start", "compiled", "context_diff", "model_request")]
    assert ticks == [
        *("tick_start", "compiled", "model_request"),
        *("tick_start", "compiled", "context_diff", "model_request"),
        *("tick_start", "compiled", "context_diff", "model_request"),
    ]
    assert [event.tick for event in recorder.diffs] == [2, 1]
    assert recorder.dumped()[1] == diff(
        1,
        messages={"added": 2},
        token_delta=deltas(recorder)[1],
        sources={"message:3": "NoteAgent > Timeline", "message:4": "NoteAgent > Timeline"},
    )


async def test_a_restored_session_has_nothing_to_compare_its_first_tick_with() -> None:
    app = create_app(NoteAgent, model=create_test_model(default_response="ok"), store=MemoryStore())
    session = await app.session("user-1")
    await session.send("hello").result
    await session.close()
    recorder = Recorder()
    app.observers.append(recorder)

    restored = await app.session("user-1")
    await restored.send("again").result
    await restored.send("and again").result

    assert len(restored.timeline) == 6
    assert [event.tick for event in recorder.diffs] == [1]  # the second execution's, not the first's
    assert recorder.dumped()[0]["messages"] == {"added": 2, "removed": 0}


async def test_token_delta_is_the_difference_of_the_compiled_token_counts() -> None:
    model = create_test_model(default_response="ok")
    model.respond_with([call("note", "c1", text="milk " * 50), call("forget", "c2"), "Done."])
    recorder = Recorder()
    app = create_app(NoteAgent, model=model)
    app.observers.append(recorder)
    session = await app.session()

    await session.send("first").result
    await session.send("second").result

    counts = [context.token_count for context in recorder.contexts]
    assert [event.token_delta for event in recorder.diffs] == [b - a for a, b in pairwise(counts)]
    assert len(recorder.diffs) == 3
    assert recorder.diffs[0].token_delta > 50  # the 50-word note in the system and in the call
    assert recorder.diffs[1].token_delta < 0  # the section is gone


async def test_the_event_round_trips_through_json() -> None:
    model = create_test_model()
    model.respond_with([call("note", "c1", text="milk"), "Done."])
    recorder = Recorder()
    app = create_app(NoteAgent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("go").result

    [event] = recorder.diffs
    assert TypeAdapter(StreamEvent).validate_json(event.model_dump_json()) == event
    assert event.model_dump(mode="json")["sections"] == {"added": ["notes"], "removed": [], "changed": []}


async def test_ephemerals_component_messages_and_collapsed_sections_name_their_components() -> None:
    def Clock() -> Any:
        state = use_tick_state()
        return h(Ephemeral, None, f"Tick {state.tick if state else 0}.")

    def Reminder() -> Any:
        notes = use_com_state("notes", []).value
        return h(User, {"id": "reminder"}, f"Remember {notes[-1]}.") if notes else None

    def Docs() -> Any:
        notes = use_com_state("notes", []).value
        return h(Section, {"id": "docs", "collapsed": "The manual."}, "A long manual.") if notes else None

    def Agent() -> Any:
        return h(
            Fragment, None, h(System, None, "You read."), h(Knobs), h(Docs), h(note), h(Timeline), h(Reminder), h(Clock)
        )

    model = create_test_model()
    model.respond_with([call("note", "c1", text="milk"), "Done."])
    recorder = Recorder()
    app = create_app(Agent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Read").result

    [event] = recorder.dumped()
    assert event["messages"] == {"added": 4, "removed": 1}  # call, result, reminder, new clock; old clock
    assert event["sections"] == {"added": ["knobs", "docs"], "removed": [], "changed": []}
    assert event["tools"] == {"added": ["set_knob"], "removed": []}
    assert event["sources"] == {
        "system": "Agent > Knobs > Section#knobs, Agent > Docs > Section#docs",
        "section:knobs": "Agent > Knobs > Section#knobs",
        "section:docs": "Agent > Docs > Section#docs",  # not the Expandable that collapsed= adds
        "tool:set_knob": "Agent > Knobs > Tool#set_knob",
        "message:1": "Agent > Timeline",
        "message:2": "Agent > Timeline",
        "message:3": "Agent > Reminder > User#reminder",
        "message:4": "Agent > Clock > Ephemeral",
    }
    assert [m.text for m in recorder.contexts[1].messages][3:] == ["Remember milk.", "[Context]\nTick 2."]


async def test_a_tool_given_to_send_has_no_component() -> None:
    recorder = Recorder()
    app = create_app(VaultAgent, model=create_test_model(default_response="ok"))
    app.observers.append(recorder)
    session = await app.session()

    await session.send("hello").result
    await session.send("read it", tools=[secret]).result

    [event] = recorder.dumped()
    assert event["tools"] == {"added": ["secret"], "removed": []}
    assert event["sources"]["tool:secret"] == "tools= of create_app, app.session or send"


def Mode() -> Any:
    """A section that says "halted" once a user said "halt", and stops the tick that sees it first."""
    state = use_tick_state()
    texts = [entry.message.text for entry in state.timeline] if state else []
    if texts and texts[-1] == "halt" and state is not None:
        state.stop("halted")
    return h(Section, {"id": "mode"}, "halted" if "halt" in texts else "running")


def ModeAgent() -> Any:
    return h(Fragment, None, h(System, None, "You obey."), h(Mode), h(Timeline))


async def test_a_stopped_tick_does_not_move_the_baseline_the_next_diff_reports_its_changes() -> None:
    recorder = Recorder()
    app = create_app(ModeAgent, model=create_test_model(default_response="ok"))
    app.observers.append(recorder)
    session = await app.session()

    await session.send("hello").result
    await session.send("halt").result  # compiled and diffed, then stopped: the model never sees it
    await session.send("go").result

    assert [m.text for m in recorder.contexts[2].messages] == ["hello", "ok", "halt", "go"]
    mode = "ModeAgent > Mode > Section#mode"
    system = "--- previous\n+++ current\n@@ -1,3 +1,3 @@\n You obey.\n \n-running\n+halted"
    assert recorder.dumped() == [
        diff(
            1,
            system=system,
            sections={"changed": ["mode"]},
            messages={"added": 2},
            token_delta=deltas(recorder)[0],
            sources={
                "system": mode,
                "section:mode": mode,
                "message:1": "ModeAgent > Timeline",
                "message:2": "ModeAgent > Timeline",
            },
        ),
        # against the input of "hello", the last one the model saw: the section change again, 3 messages
        diff(
            1,
            system=system,
            sections={"changed": ["mode"]},
            messages={"added": 3},
            token_delta=recorder.contexts[2].token_count - recorder.contexts[0].token_count,
            sources={
                "system": mode,
                "section:mode": mode,
                **{f"message:{i}": "ModeAgent > Timeline" for i in (1, 2, 3)},
            },
        ),
    ]


class FailingRunner:
    """A runner whose `transform_model_input` raises while `failing` is set: the model is never called."""

    def __init__(self) -> None:
        self.failing = False

    def transform_model_input(self, model_input: Any) -> Any:
        if self.failing:
            raise RuntimeError("the runner is down")
        return model_input


async def test_a_failure_before_the_model_call_does_not_move_the_baseline() -> None:
    runner = FailingRunner()
    recorder = Recorder()
    app = create_app(NoteAgent, model=create_test_model(default_response="ok"), runner=runner)
    app.observers.append(recorder)
    session = await app.session()
    await session.send("one").result

    runner.failing = True
    with pytest.raises(RuntimeError, match="the runner is down"):
        await session.send("two").result
    runner.failing = False
    await session.send("three").result

    first, failed, last = recorder.contexts
    assert [m.text for m in failed.messages] == ["one", "ok", "two"]
    assert [m.text for m in last.messages] == ["one", "ok", "two", "three"]
    # the retry is compared with the input of "one", the last one the model saw
    assert recorder.dumped()[-1] == diff(
        1,
        messages={"added": 3},
        token_delta=last.token_count - first.token_count,
        sources={f"message:{index}": "NoteAgent > Timeline" for index in (1, 2, 3)},
    )


def recall() -> str:
    return "nothing"


def Recall() -> Any:
    """A tool whose description follows the state: the same name, another definition."""
    count = len(use_com_state("notes", []).value)
    return h(create_tool(name="recall", description=f"Recall one of {count} notes.", handler=recall))


async def test_a_tool_whose_definition_changed_appears_in_sources_only() -> None:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "You take notes."), h(Recall), h(note), h(Timeline))

    model = create_test_model()
    model.respond_with([call("note", "c1", text="milk"), "Done."])
    recorder = Recorder()
    app = create_app(Agent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Remember").result

    [before, after] = [context.tools[0] for context in recorder.contexts]
    assert (before.description, after.description) == ("Recall one of 0 notes.", "Recall one of 1 notes.")
    assert recorder.dumped() == [
        diff(
            2,
            messages={"added": 2},
            token_delta=deltas(recorder)[0],
            sources={
                "tool:recall": "Agent > Recall > Tool#recall",
                "message:1": "Agent > Timeline",
                "message:2": "Agent > Timeline",
            },
        )
    ]


def Step() -> Any:
    """One Section (and one User message) in the same place, its id following the state: the
    reconciler reuses the host nodes with new props."""
    step = len(use_com_state("notes", []).value) + 1
    return h(
        Fragment,
        None,
        h(Section, {"id": f"step-{step}"}, f"Do step {step}."),
        h(User, {"id": f"ask-{step}"}, f"Step {step}?"),
    )


async def test_a_host_node_reused_with_another_id_is_shown_with_each_id() -> None:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "You follow steps."), h(Step), h(note), h(Timeline))

    model = create_test_model()
    model.respond_with([call("note", "c1", text="a"), call("note", "c2", text="b"), "Done."])
    recorder = Recorder()
    app = create_app(Agent, model=model)
    app.observers.append(recorder)

    await (await app.session()).send("Go").result

    assert [(event["sections"], event["sources"]) for event in recorder.dumped()] == [
        (
            {"added": ["step-2"], "removed": ["step-1"], "changed": []},
            {
                "system": "Agent > Step > Section#step-2",
                "section:step-2": "Agent > Step > Section#step-2",
                "section:step-1": "Agent > Step > Section#step-1",
                "message:0": "Agent > Step > User#ask-2",
                "message:2": "Agent > Timeline",
                "message:3": "Agent > Timeline",
            },
        ),
        (
            {"added": ["step-3"], "removed": ["step-2"], "changed": []},
            {
                "system": "Agent > Step > Section#step-3",
                "section:step-3": "Agent > Step > Section#step-3",
                "section:step-2": "Agent > Step > Section#step-2",
                "message:0": "Agent > Step > User#ask-3",
                "message:4": "Agent > Timeline",
                "message:5": "Agent > Timeline",
            },
        ),
    ]


def test_the_shared_empty_diffs_cannot_be_changed_and_dump_as_json_arrays() -> None:
    first, second = ContextDiffEvent(execution_id="e", tick=1), ContextDiffEvent(execution_id="e", tick=2)

    with pytest.raises(AttributeError):
        first.sections.added.append("x")  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        first.tools.removed.append("x")  # type: ignore[attr-defined]
    assert second.sections == SectionsDiff() and second.tools == ToolsDiff()
    assert second.model_dump(mode="json", include={"sections", "tools"}) == {
        "sections": {"added": [], "removed": [], "changed": []},
        "tools": {"added": [], "removed": []},
    }
    changed = ContextDiffEvent(
        execution_id="e", tick=3, sections=SectionsDiff(added=("notes",)), tools=ToolsDiff(removed=("secret",))
    )
    assert changed.model_dump_json(include={"sections", "tools"}) == (
        '{"sections":{"added":["notes"],"removed":[],"changed":[]},"tools":{"added":[],"removed":["secret"]}}'
    )
    assert TypeAdapter(StreamEvent).validate_json(changed.model_dump_json()) == changed


class City(BaseModel):
    name: str


class AuditRunner:
    """A runner that adds a tool to every model input, after the tree compiled it."""

    def transform_model_input(self, model_input: Any) -> Any:
        return model_input.model_copy(update={"tools": [*model_input.tools, ToolDefinition(name="audit")]})


async def test_what_the_engine_adds_after_compiling_is_not_compared() -> None:
    model = create_test_model(default_response="ok")
    recorder = Recorder()
    app = create_app(NoteAgent, model=model, runner=AuditRunner())
    app.observers.append(recorder)
    session = await app.session()

    await session.send("one").result
    await session.send("which city?", output_type=City).result

    assert [[tool.name for tool in request.tools] for request in model.inputs] == [
        ["note", "forget", "audit"],
        ["note", "forget", "final_result", "audit"],
    ]
    # the diff compares the compiled contexts (compiled.tools): final_result and audit are not in it
    first, second = recorder.contexts[:2]
    assert [tool.name for tool in second.tools] == ["note", "forget"]
    assert recorder.dumped()[0] == diff(
        1,
        messages={"added": 2},
        token_delta=second.token_count - first.token_count,
        sources={"message:1": "NoteAgent > Timeline", "message:2": "NoteAgent > Timeline"},
    )


async def test_the_differ_forgets_message_nodes_nested_in_a_removed_subtree() -> None:
    def Agent() -> Any:
        state = use_tick_state()
        count = len(state.timeline) if state else 0
        # a new <XML> every tick (its key changes): the <User> inside goes with it, its parent still set
        nested = h(XML, {"key": f"xml-{count}"}, h(User, {"id": f"hint-{count}"}, f"Hint {count}."))
        return h(Fragment, None, h(System, None, "You chat."), h(Timeline, {"limit": 2}), nested)

    recorder = Recorder()
    app = create_app(Agent, model=create_test_model(default_response="ok"))
    app.observers.append(recorder)
    session = await app.session()

    for index in range(150):
        await session.send(f"message {index}").result

    assert [m.text for m in recorder.contexts[-1].messages] == ["message 148", "ok", "message 149", "Hint 299."]
    assert recorder.diffs[-1].sources["message:3"] == "Agent > XML > User#hint-299"
    # the paths kept for message nodes: pruned to the live ones (amortised), not one per tick ever seen
    assert len(session.context_differ._message_paths) <= 2 + 64 + 2


def held_by(holder: object, depth: int) -> list[object]:
    """The objects `holder` references, directly and through up to `depth` - 1 others."""
    found: list[object] = []
    frontier = [holder]
    for _ in range(depth):
        frontier = [referent for item in frontier for referent in gc.get_referents(item)]
        found.extend(frontier)
    return found


async def test_an_idle_session_keeps_only_its_last_model_input() -> None:
    model = create_test_model()
    model.respond_with([call("unlock", "c1"), call("lock", "c2"), "Locked."])
    recorder = Recorder()
    app = create_app(VaultAgent, model=model)
    app.observers.append(recorder)
    session = await app.session()

    await session.send("Open it").result  # three ticks: the tool's nodes come, then go

    first, second, last = recorder.contexts
    held = held_by(session.context_differ, 2)
    assert any(item is last for item in held)
    assert not any(item is first or item is second for item in held)
