"""The loopback server speaks OpenAI's protocol faithfully enough for the SDK's own helpers."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from openai import AsyncOpenAI

from agentick.testing.fake_openai import FakeOpenAI, reply, tool_call

pytestmark = pytest.mark.anyio

MESSAGES = [{"role": "user", "content": "Hi"}]


def raw_post(server: FakeOpenAI, path: str, body: dict) -> tuple[int, str]:
    """A request over plain http.client, to see the bytes no SDK has interpreted."""
    host, port = server.base_url.removeprefix("http://").removesuffix("/v1").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    try:
        connection.request("POST", path, json.dumps(body), {"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def sse_payloads(text: str) -> list[str]:
    return [line.removeprefix("data: ") for line in text.splitlines() if line.startswith("data: ")]


@pytest.fixture
async def client(fake_openai):
    client = AsyncOpenAI(api_key="test-key", base_url=fake_openai.base_url, max_retries=0)
    yield client
    await client.close()


def test_it_binds_loopback_only(fake_openai):
    assert fake_openai.base_url.startswith("http://127.0.0.1:")


def test_stream_chunks_carry_only_the_fields_openai_sends(fake_openai):
    fake_openai.respond_with(reply(tool_calls=[tool_call("add", ['{"a"', ": 1}"], id="call_9")]))

    status, text = raw_post(
        fake_openai,
        "/v1/chat/completions",
        {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}},
    )

    assert status == 200
    payloads = sse_payloads(text)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    deltas = [chunk["choices"][0]["delta"] for chunk in chunks if chunk["choices"]]
    calls = [delta["tool_calls"][0] for delta in deltas if "tool_calls" in delta]
    assert calls[0] == {"index": 0, "id": "call_9", "type": "function", "function": {"name": "add", "arguments": ""}}
    assert calls[1:] == [
        {"index": 0, "function": {"arguments": '{"a"'}},
        {"index": 0, "function": {"arguments": ": 1}"}},
    ]
    assert chunks[-2]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "tool_calls"}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["total_tokens"] == 15


def test_usage_is_only_streamed_when_asked_for(fake_openai):
    fake_openai.respond_with("hi")

    _, text = raw_post(fake_openai, "/v1/chat/completions", {"model": "m", "messages": MESSAGES, "stream": True})

    chunks = [json.loads(p) for p in sse_payloads(text)[:-1]]
    assert all("usage" not in chunk for chunk in chunks)


async def test_the_sdk_stream_helper_accumulates_its_chunks(client, fake_openai):
    tool = {
        "type": "function",
        "function": {
            "name": "add",
            "strict": True,
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}},
                "required": ["a"],
                "additionalProperties": False,
            },
        },
    }
    fake_openai.respond_with(reply("Adding.", tool_calls=[tool_call("add", {"a": 1}, id="call_1")]))

    async with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES, tools=[tool]) as stream:
        completion = await stream.get_final_completion()

    message = completion.choices[0].message
    assert message.content == "Adding."
    assert message.tool_calls[0].id == "call_1"
    assert message.tool_calls[0].function.parsed_arguments == {"a": 1}


async def test_non_streaming_requests_get_one_completion(client, fake_openai):
    fake_openai.respond_with(reply("Sure.", tool_calls=[tool_call("add", {"a": 1}, id="call_1")], usage=(7, 2)))

    completion = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)

    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert completion.choices[0].message.content == "Sure."
    assert completion.choices[0].message.tool_calls[0].function.arguments == '{"a": 1}'
    assert completion.choices[0].finish_reason == "tool_calls"
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (7, 2)


def test_a_plain_completion_has_no_tool_calls_field(fake_openai):
    fake_openai.respond_with("Hi")

    _, text = raw_post(fake_openai, "/v1/chat/completions", {"model": "m", "messages": MESSAGES})

    assert "tool_calls" not in json.loads(text)["choices"][0]["message"]


def test_every_request_is_recorded(fake_openai):
    fake_openai.respond_with("a")

    raw_post(fake_openai, "/v1/chat/completions", {"model": "m", "messages": MESSAGES, "temperature": 0})

    (request,) = fake_openai.requests
    assert (request.method, request.path) == ("POST", "/v1/chat/completions")
    assert request.body == {"model": "m", "messages": MESSAGES, "temperature": 0}
    assert request.headers["content-type"] == "application/json"


def test_unknown_paths_get_an_openai_style_404(fake_openai):
    status, text = raw_post(fake_openai, "/v1/responses", {})

    assert status == 404
    assert json.loads(text)["error"]["message"] == "Invalid URL (POST /v1/responses)"


def test_a_request_beyond_the_script_gets_a_clear_error(fake_openai):
    status, text = raw_post(fake_openai, "/v1/chat/completions", {"model": "m", "messages": MESSAGES})

    assert status == 400
    assert "no scripted response left for request 1" in json.loads(text)["error"]["message"]


def test_the_default_answers_every_request_after_the_script():
    with FakeOpenAI("first", default=reply("again")) as server:
        bodies = [raw_post(server, "/v1/chat/completions", {"model": "m", "messages": MESSAGES})[1] for _ in range(3)]

    texts = [json.loads(body)["choices"][0]["message"]["content"] for body in bodies]
    assert texts == ["first", "again", "again"]


def test_closing_ends_held_streams_and_idle_connections():
    release = threading.Event()  # never set: the server must give up on its own when closed
    server = FakeOpenAI(reply("held", hold=release)).start()
    host, port = server.base_url.removeprefix("http://").removesuffix("/v1").split(":")
    idle = http.client.HTTPConnection(host, int(port))
    idle.connect()
    streaming = http.client.HTTPConnection(host, int(port))
    streaming.request("POST", "/v1/chat/completions", json.dumps({"model": "m", "messages": MESSAGES, "stream": True}))
    response = streaming.getresponse()
    assert response.status == 200

    server.close()

    with pytest.raises(http.client.IncompleteRead) as cut:  # the body is cut short instead of hanging
        response.read()
    assert b'"role": "assistant"' in cut.value.partial
    idle.close()
    streaming.close()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.base_url
