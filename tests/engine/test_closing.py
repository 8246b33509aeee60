"""Closing an app (API.md §17): its sessions, the clients of every model it used, and the store it opened."""

from __future__ import annotations

import gc
import os
import weakref
from pathlib import Path
from typing import Any, ClassVar

import pytest

from agentick import Fragment, Model, System, Timeline, create_app, h
from agentick.models import OpenAIModel, openai
from agentick.testing.fake_openai import FakeOpenAI, fake_openai_fixture
from agentick.types import Message, ModelInput, ModelMetadata, ModelOutput, TextBlock

pytestmark = pytest.mark.anyio

fake_openai = fake_openai_fixture(default="ok")


def gpt_at(server: FakeOpenAI, name: str = "gpt-4o-mini") -> OpenAIModel:
    return openai(name, api_key="k", base_url=server.base_url, max_retries=0)


def plain(*children: Any) -> Any:
    def Agent() -> Any:
        return h(Fragment, None, h(System, None, "Be brief."), *children, h(Timeline))

    return Agent


async def test_async_with_an_app_closes_its_sessions_and_its_models_clients(fake_openai):
    gpt = gpt_at(fake_openai)

    async with create_app(plain(), model=gpt) as app:
        session = await app.session("s1")
        assert (await session.send("Hi").result).response == "ok"
        client = gpt.client()
        open_inside = not client.is_closed()

    assert open_inside and client.is_closed()
    assert session.status == "closed" and app.sessions == {}


async def test_close_closes_the_models_its_sessions_rendered_and_spawned_with(fake_openai):
    rendered, spawned = gpt_at(fake_openai, "gpt-4o"), gpt_at(fake_openai, "gpt-4.1")
    app = create_app(plain(h(rendered)))  # no app model: the tree picks one
    session = await app.session()
    await session.send("Hi").result
    await (await session.spawn(plain(), "Sub-task", model=spawned)).result
    clients = [rendered.client(), spawned.client()]

    await app.close()

    assert [client.is_closed() for client in clients] == [True, True]
    assert [request.body["model"] for request in fake_openai.requests] == ["gpt-4o", "gpt-4.1"]


async def test_a_closed_app_reopens_what_it_needs_on_next_use(fake_openai):
    gpt = gpt_at(fake_openai)
    app = create_app(plain(), model=gpt)
    await (await app.session("s1")).send("Hi").result
    first = gpt.client()
    await app.close()

    result = await (await app.session("s1")).send("Hi again").result
    second = gpt.client()
    await app.close()

    assert result.response == "ok"
    assert first.is_closed() and second is not first and second.is_closed()


async def test_a_client_passed_in_stays_open_when_the_app_closes(fake_openai):
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key="own", base_url=fake_openai.base_url, max_retries=0)
    async with create_app(plain(), model=OpenAIModel("gpt-4o", client=client)) as app:
        await (await app.session()).send("Hi").result

    open_after = not client.is_closed()
    await client.close()
    assert open_after


def files_open(path: Path) -> list[str]:
    """The files under `path` (the database, its WAL and shared-memory files) this process has open."""
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except FileNotFoundError:  # the listing's own descriptor, closed by now
            continue
    return [link for link in links if link.startswith(str(path))]


async def test_close_closes_the_sqlite_store_the_app_opened(fake_openai, tmp_path):
    database = tmp_path / "sessions.db"
    app = create_app(plain(), model=gpt_at(fake_openai), store=str(database))
    await (await app.session("s1")).send("Hi").result
    open_before = files_open(database)

    await app.close()
    open_after = files_open(database)
    restored = await app.session("s1")  # reopened on demand
    timeline = [entry.message.text for entry in restored.timeline]
    await app.close()

    assert open_before != [] and open_after == []
    assert timeline == ["Hi", "ok"]


async def test_a_failing_close_does_not_leave_the_rest_open(fake_openai, tmp_path):
    """The app's model fails to close: the spawned model's client and the store are closed anyway,
    then the error is raised."""

    class Flaky(OpenAIModel):
        async def aclose(self) -> None:
            raise RuntimeError("pool wedged")

    flaky = Flaky("gpt-4o", api_key="k", base_url=fake_openai.base_url, max_retries=0)
    gpt = gpt_at(fake_openai)
    app = create_app(plain(), model=flaky, store=str(tmp_path / "sessions.db"))
    session = await app.session("s1")
    await session.send("Hi").result
    await (await session.spawn(plain(), "Sub-task", model=gpt)).result
    client, store = gpt.client(), app.store

    with pytest.raises(RuntimeError, match=r"^pool wedged$"):
        await app.close()

    assert (session.status, client.is_closed(), store._connection) == ("closed", True, None)


class TrackedModel(OpenAIModel):
    """Remembers, weakly, every instance made (a component form makes one per session)."""

    made: ClassVar[list[weakref.ref[OpenAIModel]]] = []

    def __init__(self, model: str, **options: Any) -> None:
        super().__init__(model, **options)
        TrackedModel.made.append(weakref.ref(self))


async def test_an_app_keeps_no_model_of_a_closed_session(fake_openai):
    TrackedModel.made.clear()
    server = {"api_key": "k", "base_url": fake_openai.base_url, "max_retries": 0}
    app = create_app(plain(h(TrackedModel, {"model": "gpt-4o-mini", **server})))
    for number in range(5):
        session = await app.session(f"s{number}")
        assert (await session.send("Hi").result).response == "ok"
        await session.close()
    del session
    gc.collect()

    alive = [ref for ref in TrackedModel.made if ref() is not None]
    await app.close()

    assert len(TrackedModel.made) == 5 and alive == []


async def test_close_closes_the_models_only_its_open_sessions_refer_to(fake_openai):
    TrackedModel.made.clear()
    server = {"api_key": "k", "base_url": fake_openai.base_url, "max_retries": 0}
    app = create_app(plain(h(TrackedModel, {"model": "gpt-4o-mini", **server})))
    sessions = [await app.session(f"s{number}") for number in range(3)]
    for session in sessions:
        await session.send("Hi").result
    clients = [ref().client() for ref in TrackedModel.made]  # type: ignore[union-attr]

    await app.close()

    assert [client.is_closed() for client in clients] == [True, True, True]


class SlottedModel:
    """A model adapter that cannot be weakly referenced (`__slots__` without `__weakref__`)."""

    __slots__ = ("closed", "metadata")

    def __init__(self) -> None:
        self.metadata = ModelMetadata(id="slotted")
        self.closed = 0

    async def generate(self, model_input: ModelInput) -> ModelOutput:
        return ModelOutput(message=Message(role="assistant", content=[TextBlock(text="slotted")]))

    async def aclose(self) -> None:
        self.closed += 1


async def test_close_closes_a_rendered_model_that_cannot_be_weakly_referenced():
    model = SlottedModel()
    app = create_app(plain(h(Model, {"model": model})))
    result = await (await app.session()).send("Hi").result

    await app.close()

    assert result.response == "slotted" and model.closed == 1


async def test_a_run_whose_close_fails_ends_with_an_error_event_and_result():
    """run() closes its session before reporting the end: a cleanup that raises while closing is
    the execution's error (as `session.close()` raises it), and the stream's last event says so."""
    from agentick import ComponentError, run
    from agentick.reconciler import use_effect
    from agentick.testing import create_test_model

    def Leaky() -> None:
        def effect() -> Any:
            def cleanup() -> None:
                raise RuntimeError("cleanup boom")

            return cleanup

        use_effect(effect, [])

    handle = await run(h(plain(h(Leaky))), messages=[{"role": "user", "content": "x"}], model=create_test_model())
    events = [event async for event in handle]
    with pytest.raises(ComponentError, match="cleanup boom"):
        await handle.result
    assert events[-1].type == "execution_end"
    assert events[-1].status == "error"
    assert "cleanup boom" in events[-1].error
    assert "result" not in [event.type for event in events]
