"""A scripted Anthropic Messages API server on 127.0.0.1, for tests without network.

The real `anthropic` client is exercised end to end over real HTTP/1.1 with chunked server-sent
events (see `agentick.testing.loopback`); the fake itself needs only the standard library:

    with FakeAnthropic() as server:
        server.respond_with("Hello!", reply(reasoning="Adding.", tool_calls=[tool_call("add", {"a": 1})]))
        model = anthropic("claude-sonnet-4-5", api_key="test", base_url=server.base_url)
        ...
        assert server.requests[0].body["max_tokens"] == 64000

A reply is streamed when the request asks for `stream: true` and returned as one JSON message
otherwise. The stream is the Messages API's: `message_start`, a `ping`, one content block per
piece of the reply (`thinking` with a fake signature for `reasoning`, `text`, one `tool_use` per
call with its input streamed as `input_json_delta` fragments), `message_delta` with the stop reason
and output tokens, `message_stop`. Each event is framed as `event: <type>` plus `data: <json>`, as
Anthropic sends it. Usage splits the scripted input tokens into uncached input and the reply's
`cache_usage` (read, written), as Anthropic reports them. Errors have Anthropic's body
(`{"type": "error", "error": {"type": ..., "message": ...}}`) with the error type of the status.
Subclasses may override `content` to send blocks a script cannot describe (`redacted_thinking`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from ..schema import json_object
from .loopback import LoopbackHandler, LoopbackServer, loopback_fixture, pieces
from .script import ErrorReply, RecordedRequest, Reply, Script, ToolCallReply, error, reply, tool_call

__all__ = [
    "FakeAnthropic",
    "error",
    "fake_anthropic_fixture",
    "reply",
    "tool_call",
]

DEFAULT_MODEL = "claude-sonnet-4-5-20250929"

# The `error.type` Anthropic sends with each HTTP status.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

STOP_REASONS = {"stop": "end_turn", "tool_use": "tool_use", "max_tokens": "max_tokens"}


class FakeAnthropic(LoopbackServer):
    """The loopback Messages API server (`POST /v1/messages`); `base_url` is the server root, as the SDK expects."""

    name: ClassVar[str] = "FakeAnthropic"
    url_prefix: ClassVar[str] = ""

    def __init__(self, *responses: Script, model: str = DEFAULT_MODEL, default: Script | None = None) -> None:
        super().__init__(*responses, model=model, default=default)

    def is_model_request(self, method: str, path: str) -> bool:
        return method == "POST" and path.partition("?")[0].rstrip("/") == "/v1/messages"

    def error_body(self, response: ErrorReply) -> dict[str, Any]:
        error_type = response.type or ERROR_TYPES.get(
            response.status, "api_error" if response.status >= 500 else "invalid_request_error"
        )
        return {"type": "error", "error": {"type": error_type, "message": response.message}, "request_id": "req_fake"}

    def respond(self, handler: LoopbackHandler, response: Reply, request: RecordedRequest, number: int) -> None:
        body = json_object(request.body) or {}
        if not body.get("stream"):
            handler.send_json(200, self.message(response, number))
            return
        overloaded = self.error_body(error(529, "Overloaded"))
        handler.stream(
            response,
            (_frame(event) for event in self.events(response, number)),
            malformed=b'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {\n\n',
            error_event=lambda: _frame({"type": "error", "error": overloaded["error"]}),
        )

    # --- payloads ---------------------------------------------------------------------------------

    def content(self, response: Reply, number: int) -> list[dict[str, Any]]:
        """The reply's complete content blocks (a tool call whose arguments are not JSON has them as its raw text)."""
        blocks: list[dict[str, Any]] = []
        if response.reasoning:
            blocks.append({"type": "thinking", "thinking": response.reasoning, "signature": signature(number)})
        if response.text:
            blocks.append({"type": "text", "text": response.text})
        for index, call in enumerate(response.tool_calls):
            call_id = _call_id(call, number, index)
            blocks.append({"type": "tool_use", "id": call_id, "name": call.name, "input": _input(call)})
        return blocks

    def events(self, response: Reply, number: int) -> Iterator[dict[str, Any]]:
        """The stream's events, in Anthropic's order."""
        message = self.message(response, number)
        start_usage = {**message["usage"], "output_tokens": 1}
        yield {
            "type": "message_start",
            "message": {**message, "content": [], "stop_reason": None, "usage": start_usage},
        }
        yield {"type": "ping"}
        calls = {_call_id(call, number, index): call for index, call in enumerate(response.tool_calls)}
        for index, block in enumerate(self.content(response, number)):
            kind = block["type"]
            if kind == "thinking":
                yield _block_start(index, {"type": "thinking", "thinking": "", "signature": ""})
                for piece in pieces(block["thinking"], response.chunk_size):
                    yield _block_delta(index, {"type": "thinking_delta", "thinking": piece})
                yield _block_delta(index, {"type": "signature_delta", "signature": block["signature"]})
            elif kind == "text":
                yield _block_start(index, {"type": "text", "text": ""})
                for piece in pieces(block["text"], response.chunk_size):
                    yield _block_delta(index, {"type": "text_delta", "text": piece})
            elif kind == "tool_use":
                yield _block_start(index, {**block, "input": {}})
                call = calls.get(block["id"])
                if call is None:  # a block a subclass added: its input in one piece
                    fragments: Iterable[str] = (json.dumps(block["input"]),)
                elif isinstance(call.arguments, tuple):
                    fragments = call.arguments
                else:
                    fragments = pieces(call.arguments, response.chunk_size)
                for fragment in fragments:
                    yield _block_delta(index, {"type": "input_json_delta", "partial_json": fragment})
            else:
                yield _block_start(index, block)
            yield {"type": "content_block_stop", "index": index}
        output_tokens = message["usage"]["output_tokens"]
        yield {
            "type": "message_delta",
            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        }
        yield {"type": "message_stop"}

    def message(self, response: Reply, number: int) -> dict[str, Any]:
        """The reply as one (non-streamed) Messages API `message`."""
        content = self.content(response, number)
        stop_reason = response.finish_reason or ("tool_use" if response.tool_calls else "end_turn")
        return {
            "id": f"msg_fake{number}",
            "type": "message",
            "role": "assistant",
            "model": response.model or self.model,
            "content": content,
            "stop_reason": STOP_REASONS.get(stop_reason, stop_reason),
            "stop_sequence": None,
            "usage": _usage(response),
        }


def signature(number: int) -> str:
    """The signature the fake gives the thinking block of its `number`th request."""
    return f"fake-signature-{number}"


def _call_id(call: ToolCallReply, number: int, index: int) -> str:
    return call.id or f"toolu_fake{number}_{index}"


def _input(call: ToolCallReply) -> Any:
    try:
        return json.loads(call.arguments_text) if call.arguments_text.strip() else {}
    except ValueError:
        return call.arguments_text


def _usage(response: Reply) -> dict[str, Any]:
    total, output = response.usage or (0, 0)
    read, written = response.cache_usage
    return {
        "input_tokens": max(total - read - written, 0),
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "output_tokens": output,
        "service_tier": "standard",
    }


def _block_start(index: int, block: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_start", "index": index, "content_block": block}


def _block_delta(index: int, delta: dict[str, Any]) -> dict[str, Any]:
    return {"type": "content_block_delta", "index": index, "delta": delta}


def _frame(event: dict[str, Any]) -> bytes:
    return b"event: %s\ndata: %s\n\n" % (event["type"].encode(), json.dumps(event).encode())


# --- pytest -----------------------------------------------------------------------------------------


def fake_anthropic_fixture(name: str = "fake_anthropic", **options: Any) -> Callable[..., Iterator[FakeAnthropic]]:
    """A pytest fixture serving a fresh `FakeAnthropic` per test (`fake_anthropic = fake_anthropic_fixture()`).

    `options` go to `FakeAnthropic` (`model=`, `default=`).
    """
    fixture: Callable[..., Iterator[FakeAnthropic]] = loopback_fixture(FakeAnthropic, name, **options)
    return fixture
