"""Text that cannot be encoded as UTF-8 (lone surrogates) never enters a session (API.md §6.3).

Given to `send`/`run`, it is refused with a `ValueError` naming the message, before anything is
committed; arriving from a model, a tool or a store, it is repaired (U+FFFD). Either way the
session keeps working against a real provider client, which cannot send such text at all.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

import pytest

import agentick
from agentick import create_app, h, tool, utf8
from agentick.models import OpenAIModel, openai
from agentick.stores import MemoryStore
from agentick.testing.fake_openai import FakeOpenAI, fake_openai_fixture, reply, tool_call
from agentick.types import Message

from .support import chat

pytestmark = pytest.mark.anyio

fake_openai = fake_openai_fixture()

BAD = "caf" + b"\xe9".decode("utf-8", "surrogateescape")  # 'caf\udce9', as os.listdir may return it
FIXED = "caf\ufffd"
ADVICE = (
    "a lone surrogate, which no model provider accepts. Such text comes from bytes decoded with "
    "errors='surrogateescape' (file names, sys.argv, os.environ) or from JSON '\\udXXX' escapes: decode the "
    "bytes with errors='replace', or repair the text with agentick.utf8.repaired_text(text). Nothing was sent."
)


@tool
def echo(text: str) -> str:
    """Return the text."""
    return f"echo: {text}"


@tool
def listing() -> str:
    """A directory listing with an undecodable file name."""
    return f"files: {BAD}.txt"


def Agent() -> Any:
    return chat(h(echo), h(listing))


def gpt_at(server: FakeOpenAI) -> OpenAIModel:
    return openai("gpt-4o-mini", api_key="k", base_url=server.base_url, max_retries=0)


def texts(session: Any) -> list[str]:
    return [entry.message.text for entry in session.timeline]


def sent_texts(server: FakeOpenAI) -> list[str]:
    """The text of every message of the last request the server received."""
    return [m["content"] if isinstance(m["content"], str) else "" for m in server.requests[-1].body["messages"]]


# --- refused at send/run -----------------------------------------------------------------------------


async def test_send_refuses_the_text_naming_the_message_and_the_session_keeps_working(fake_openai):
    fake_openai.respond_with("hello")
    gpt = gpt_at(fake_openai)
    async with create_app(Agent, model=gpt) as app:
        session = await app.session()

        with pytest.raises(ValueError) as raised:
            await session.send(BAD).result
        result = await session.send("café").result

    assert str(raised.value) == (
        "message 0 (role 'user') has text that cannot be encoded as UTF-8 at content[0].text, character 3 "
        f"('\\udce9'): {ADVICE}"
    )
    assert result.response == "hello"
    assert texts(session) == ["café", "hello"]
    assert len(fake_openai.requests) == 1


async def test_run_names_the_message_of_a_list_and_where_in_it_the_text_is(fake_openai):
    history = [
        {"role": "user", "content": "What is in the folder?"},
        Message(
            role="assistant",
            content=[{"type": "tool_use", "tool_use_id": "c1", "name": "echo", "input": {"text": ["ok", BAD]}}],
        ),
    ]

    with pytest.raises(ValueError) as raised:
        await agentick.run(h(Agent), messages=history, model=gpt_at(fake_openai)).result

    assert str(raised.value).startswith(
        "message 1 (role 'assistant') has text that cannot be encoded as UTF-8 at "
        "content[0].input['text'][1], character 3 ('\\udce9'): a lone surrogate"
    )
    assert fake_openai.requests == []


async def test_queue_and_interrupt_refuse_it_without_touching_the_running_execution():
    model = agentick.testing.create_test_model()
    session = await create_app(Agent, model=model).session()

    with pytest.raises(ValueError, match=r"^message 0 \(role 'user'\) has text that cannot be encoded"):
        await session.queue(BAD)
    with pytest.raises(ValueError, match=r"^message 0 \(role 'user'\) has text that cannot be encoded"):
        session.interrupt({"role": "user", "content": BAD})
    result = await session.send("hi").result

    assert session.queued == [] and result.response == "Test response"


async def test_bytes_are_refused_with_a_type_error_that_says_to_decode_them():
    session = await create_app(Agent, model=agentick.testing.create_test_model()).session()

    with pytest.raises(TypeError) as as_input:
        await session.send(b"caf\xc3\xa9").result
    with pytest.raises(TypeError) as as_content:
        await session.send(messages=[{"role": "user", "content": b"caf\xc3\xa9"}]).result
    result = await session.send("café").result

    assert str(as_input.value) == (
        "message text must be str, not bytes: decode the bytes first, e.g. data.decode('utf-8') "
        "(or data.decode('utf-8', errors='replace') if they may not be UTF-8)"
    )
    assert str(as_content.value) == str(as_input.value)
    assert result.response == "Test response" and texts(session) == ["café", "Test response"]


# --- repaired when it arrives ---------------------------------------------------------------------------


async def test_a_tool_result_is_repaired_before_the_event_and_the_timeline(fake_openai):
    fake_openai.respond_with(reply(tool_calls=[tool_call("listing", {})]), "One file.", "Still fine.")
    async with create_app(Agent, model=gpt_at(fake_openai)) as app:
        session = await app.session()
        handle = await session.send("What is in the folder?")
        result = await handle.result
        again = await session.send("Thanks").result

    [event] = [event for event in handle.events if event.type == "tool_result"]
    assert event.content[0].text == f"files: {FIXED}.txt"
    assert json.loads(event.model_dump_json())["content"][0]["text"] == f"files: {FIXED}.txt"
    assert result.response == "One file." and again.response == "Still fine."
    assert f"files: {FIXED}.txt" in texts(session)
    assert [m["content"] for m in fake_openai.requests[-1].body["messages"] if m["role"] == "tool"] == [
        f"files: {FIXED}.txt"
    ]


async def test_model_text_and_tool_arguments_are_repaired(fake_openai):
    fake_openai.respond_with(
        reply(tool_calls=[tool_call("echo", {"text": BAD})]),  # sent as a JSON "\udce9" escape
        reply(f"Done: {BAD}"),
        "Next answer.",
    )
    async with create_app(Agent, model=gpt_at(fake_openai)) as app:
        session = await app.session()
        handle = await session.send("Echo it")
        result = await handle.result
        again = await session.send("And now?").result

    deltas = "".join(event.delta for event in handle.events if event.type == "content_delta")
    [call] = [event for event in handle.events if event.type == "tool_call"]
    assert (result.response, deltas) == (f"Done: {FIXED}", f"Done: {FIXED}")
    assert call.input == {"text": FIXED}
    assert f"echo: {FIXED}" in texts(session)
    assert again.response == "Next answer."
    for event in handle.events:
        json.loads(event.model_dump_json())


async def test_a_stored_snapshot_with_such_text_is_repaired_on_restore(fake_openai):
    store = MemoryStore()
    snapshot = {
        "version": 1,
        "session_id": "old",
        "timeline": [
            {"id": "e1", "message": {"role": "user", "content": [{"type": "text", "text": BAD}]}},
            {"id": "e2", "message": {"role": "assistant", "content": [{"type": "text", "text": "Noted."}]}},
        ],
    }
    await store.save("old", snapshot)  # JSON text with a "\udce9" escape, as an older version saved it
    fake_openai.respond_with("Welcome back.")
    async with create_app(Agent, model=gpt_at(fake_openai), store=store) as app:
        session = await app.session("old")
        result = await session.send("Hello again").result

    assert texts(session)[:2] == [FIXED, "Noted."]
    assert result.response == "Welcome back."
    assert sent_texts(fake_openai)[1:] == [FIXED, "Noted.", "Hello again"]


# --- repaired at the wire ------------------------------------------------------------------------


async def test_text_a_component_renders_is_repaired_in_the_request_with_a_warning(fake_openai, caplog):
    """A prop made from a file name reaches the system prompt every tick: the adapter repairs it
    instead of failing every request of the session."""

    def Folder(name: str) -> Any:
        return chat(system=f"You describe the folder {name}.")

    fake_openai.respond_with("A folder.", "Still a folder.")
    async with create_app(Folder, model=gpt_at(fake_openai)) as app:
        session = await app.session()
        with caplog.at_level(logging.WARNING, logger="agentick"):
            first = await session.send("What is it?", props={"name": BAD}).result
            second = await session.send("And now?").result

    assert (first.response, second.response) == ("A folder.", "Still a folder.")
    assert [request.body["messages"][0]["content"] for request in fake_openai.requests] == [
        f"You describe the folder {FIXED}."
    ] * 2
    assert [record.getMessage() for record in caplog.records] == [
        "the request to OpenAI model 'gpt-4o-mini' holds text that cannot be encoded as UTF-8 "
        "(['messages'][0]['content'], character 27 ('\\udce9')); it was sent with U+FFFD in its place. "
        "Decode such text with errors='replace' where it is made"
    ] * 2


# --- checked once ------------------------------------------------------------------------------------


async def test_each_piece_of_streamed_model_text_is_checked_once(fake_openai, monkeypatch):
    """The pieces are checked (and repaired) on their way in; the events and the committed message
    are built from them, so the joined text is never walked again."""
    checked: Counter[str] = Counter()
    encodable = utf8._encodable_text

    def counted(text: str) -> bool:
        checked[text] += 1
        return encodable(text)

    monkeypatch.setattr(utf8, "_encodable_text", counted)
    text, reasoning = f"Reading {BAD}.txt for you now", "Let me think it over"
    fake_openai.respond_with(reply(text, reasoning=reasoning, chunk_size=5))
    async with create_app(Agent, model=gpt_at(fake_openai)) as app:
        session = await app.session()
        handle = await session.send("Go")
        result = await handle.result

    pieces = [part[i : i + 5] for part in (reasoning, text) for i in range(0, len(part), 5)]
    fixed = text.replace(BAD, FIXED)
    assert {piece: checked[piece] for piece in pieces} == dict.fromkeys(pieces, 1)
    assert (checked[text], checked[fixed], checked[reasoning]) == (0, 0, 0)
    assert "".join(event.delta for event in handle.events if event.type == "content_delta") == reasoning + fixed
    assert (result.response, texts(session)) == (fixed, ["Go", fixed])
