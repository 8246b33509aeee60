"""A scripted OpenAI-compatible Chat Completions server on 127.0.0.1, for tests without network.

The real `openai` client (or any other client) is exercised end to end over real HTTP/1.1 with
chunked server-sent events (see `agentick.testing.loopback`):

    with FakeOpenAI() as server:
        server.respond_with("Hello!", reply(tool_calls=[tool_call("add", {"a": 1, "b": 2})]))
        model = openai("gpt-4o-mini", api_key="test", base_url=server.base_url)
        ...
        assert server.requests[0].body["temperature"] == 0.2

A reply is streamed when the request asks for `stream: true` and returned as one JSON completion
otherwise. Reasoning is sent as `reasoning_content` (the DeepSeek/vLLM field; OpenAI itself sends
none); usage goes in a final chunk when the request asks for it (`stream_options.include_usage`).
The chunks carry exactly the fields OpenAI sends (absent fields are omitted, not null), because
clients and SDK helpers break on explicit nulls OpenAI never sends.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from ..schema import json_object
from .loopback import LoopbackHandler, LoopbackServer, loopback_fixture, pieces
from .script import ErrorReply, RecordedRequest, Reply, Script, ToolCallReply, error, reply, tool_call

__all__ = [
    "ErrorReply",
    "FakeOpenAI",
    "RecordedRequest",
    "Reply",
    "ToolCallReply",
    "error",
    "fake_openai_fixture",
    "reply",
    "tool_call",
]

DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"
CREATED = 1_700_000_000
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    429: "requests",
}


class FakeOpenAI(LoopbackServer):
    """The loopback Chat Completions server (`POST /v1/chat/completions`)."""

    name: ClassVar[str] = "FakeOpenAI"
    url_prefix: ClassVar[str] = "/v1"

    def __init__(self, *responses: Script, model: str = DEFAULT_MODEL, default: Script | None = None) -> None:
        super().__init__(*responses, model=model, default=default)

    def is_model_request(self, method: str, path: str) -> bool:
        return method == "POST" and path.rstrip("/") == "/v1/chat/completions"

    def error_body(self, response: ErrorReply) -> dict[str, Any]:
        error_type = response.type or _ERROR_TYPES.get(response.status, "server_error")
        return {"error": {"message": response.message, "type": error_type, "param": None, "code": response.code}}

    def respond(self, handler: LoopbackHandler, response: Reply, request: RecordedRequest, number: int) -> None:
        body = json_object(request.body) or {}
        if not body.get("stream"):
            handler.send_json(200, _completion(response, self.model, number))
            return
        options: dict[str, Any] = body.get("stream_options") or {}
        include_usage = bool(options.get("include_usage"))
        message = "The server had an error while processing your request. Sorry about that!"
        handler.stream(
            response,
            (_frame(event) for event in _events(response, self.model, number, include_usage)),
            malformed=_frame(b'{"id": "chatcmpl-broken", "choices": ['),
            error_event=lambda: _frame(json.dumps(self.error_body(error(500, message))).encode()),
        )


def _frame(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


# --- payloads ---------------------------------------------------------------------------------------


def _finish(response: Reply) -> str:
    return response.finish_reason or ("tool_calls" if response.tool_calls else "stop")


def _usage(response: Reply) -> dict[str, Any] | None:
    if response.usage is None:
        return None
    prompt, completion = response.usage
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _call_id(call: ToolCallReply, number: int, index: int) -> str:
    return call.id or f"call_{number}_{index}"


def _events(response: Reply, default_model: str, number: int, include_usage: bool) -> Iterator[bytes]:
    """The `data:` payloads of a streamed reply, in OpenAI's order, ending with `[DONE]`."""
    head: dict[str, Any] = {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": response.model or default_model,
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> bytes:
        payload = {**head, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}
        if include_usage:
            payload["usage"] = None
        return json.dumps(payload).encode()

    yield chunk({"role": "assistant", "content": "", "refusal": None})
    for piece in pieces(response.reasoning, response.chunk_size):
        yield chunk({"reasoning_content": piece})
    for piece in pieces(response.text, response.chunk_size):
        yield chunk({"content": piece})
    for index, call in enumerate(response.tool_calls):
        first = {"index": index, "id": _call_id(call, number, index), "type": "function"}
        yield chunk({"tool_calls": [{**first, "function": {"name": call.name, "arguments": ""}}]})
        fragments = call.arguments if isinstance(call.arguments, tuple) else pieces(call.arguments, response.chunk_size)
        for fragment in fragments:
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
    yield chunk({}, _finish(response))
    usage = _usage(response)
    if include_usage and usage is not None:
        yield json.dumps({**head, "choices": [], "usage": usage}).encode()
    yield b"[DONE]"


def _completion(response: Reply, default_model: str, number: int) -> dict[str, Any]:
    """A non-streamed `chat.completion` object for the reply."""
    message: dict[str, Any] = {
        "role": "assistant",
        "content": response.text or None,
        "refusal": None,
        "annotations": [],
    }
    if response.reasoning:
        message["reasoning_content"] = response.reasoning
    if response.tool_calls:
        message["tool_calls"] = [
            {
                "id": _call_id(call, number, index),
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_text},
            }
            for index, call in enumerate(response.tool_calls)
        ]
    payload: dict[str, Any] = {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion",
        "created": CREATED,
        "model": response.model or default_model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": _finish(response)}],
        "service_tier": "default",
        "system_fingerprint": "fp_fake",
    }
    usage = _usage(response)
    if usage is not None:
        payload["usage"] = usage
    return payload


# --- pytest -----------------------------------------------------------------------------------------


def fake_openai_fixture(name: str = "fake_openai", **options: Any) -> Callable[..., Iterator[FakeOpenAI]]:
    """A pytest fixture serving a fresh `FakeOpenAI` per test: `fake_openai = fake_openai_fixture()` in conftest.py.

    `options` go to `FakeOpenAI` (`model=`, `default=`).
    """
    fixture: Callable[..., Iterator[FakeOpenAI]] = loopback_fixture(FakeOpenAI, name, **options)
    return fixture
