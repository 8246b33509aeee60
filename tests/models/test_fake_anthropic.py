"""FakeAnthropic's bytes, as a plain HTTP client sees them: Anthropic's event framing, order and error bodies."""

from __future__ import annotations

import http.client
import json

from agentick.testing import FakeAnthropic
from agentick.testing.fake_anthropic import error, reply, tool_call

MESSAGES = [{"role": "user", "content": "Hi"}]


def raw_post(server: FakeAnthropic, path: str, body: dict) -> tuple[int, str]:
    host, port = server.base_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port))
    try:
        connection.request("POST", path, json.dumps(body), {"content-type": "application/json", "x-api-key": "k"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def events(text: str) -> list[tuple[str, dict]]:
    """(event name, data) of each SSE event."""
    found = []
    for chunk in text.strip().split("\n\n"):
        name, data = chunk.split("\n")
        found.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return found


def test_a_stream_has_anthropics_events_in_order_each_named_like_its_type():
    with FakeAnthropic(reply("Hi!", reasoning="Hm", tool_calls=[tool_call("f", ['{"a"', ": 1}"], id="t")])) as server:
        status, text = raw_post(server, "/v1/messages", {"model": "m", "messages": MESSAGES, "stream": True})

    assert status == 200
    found = events(text)
    assert all(name == data["type"] for name, data in found)
    assert [(data["type"], data.get("delta", data.get("content_block", {})).get("type")) for _, data in found] == [
        ("message_start", None),
        ("ping", None),
        ("content_block_start", "thinking"),
        ("content_block_delta", "thinking_delta"),
        ("content_block_delta", "signature_delta"),
        ("content_block_stop", None),
        ("content_block_start", "text"),
        ("content_block_delta", "text_delta"),
        ("content_block_stop", None),
        ("content_block_start", "tool_use"),
        ("content_block_delta", "input_json_delta"),
        ("content_block_delta", "input_json_delta"),
        ("content_block_stop", None),
        ("message_delta", None),
        ("message_stop", None),
    ]
    start = found[0][1]["message"]
    assert start["usage"] == {
        "input_tokens": 10,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": 1,
        "service_tier": "standard",
    }
    assert found[9][1]["content_block"] == {"type": "tool_use", "id": "t", "name": "f", "input": {}}
    assert found[13][1] == {
        "type": "message_delta",
        "delta": {"stop_reason": "tool_use", "stop_sequence": None},
        "usage": {"output_tokens": 5},
    }


def test_without_stream_the_reply_is_one_message():
    with FakeAnthropic(reply("Hi!", usage=(100, 2), cache_usage=(80, 10))) as server:
        status, text = raw_post(server, "/v1/messages", {"model": "m", "messages": MESSAGES})

    assert status == 200
    assert json.loads(text) == {
        "id": "msg_fake1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hi!"}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 10,
            "cache_creation_input_tokens": 10,
            "cache_read_input_tokens": 80,
            "output_tokens": 2,
            "service_tier": "standard",
        },
    }


def test_errors_have_anthropics_body_and_the_type_of_their_status():
    with FakeAnthropic(error(529, "Overloaded"), error(418, "odd", type="custom_error")) as server:
        first = raw_post(server, "/v1/messages", {"model": "m", "messages": MESSAGES})
        second = raw_post(server, "/v1/messages", {"model": "m", "messages": MESSAGES})
        elsewhere = raw_post(server, "/v1/complete", {})

    assert first == (
        529,
        json.dumps(
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_fake"}
        ),
    )
    assert json.loads(second[1])["error"] == {"type": "custom_error", "message": "odd"}
    assert elsewhere[0] == 404
    assert json.loads(elsewhere[1])["error"]["type"] == "not_found_error"
    assert [request.headers["x-api-key"] for request in server.requests] == ["k", "k", "k"]


def test_an_in_stream_error_is_an_error_event():
    with FakeAnthropic(reply("Hello", error_after=2)) as server:
        _, text = raw_post(server, "/v1/messages", {"model": "m", "messages": MESSAGES, "stream": True})

    assert events(text)[-1] == (
        "error",
        {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
    )
