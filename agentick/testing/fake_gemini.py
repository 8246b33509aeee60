"""A scripted Gemini API server on 127.0.0.1, for tests without network.

The real `google-genai` client is exercised end to end over real HTTP/1.1 (see
`agentick.testing.loopback`), with the same scripts as `FakeOpenAI`:

    with FakeGemini() as server:
        server.respond_with("Hello!", reply(tool_calls=[tool_call("add", {"a": 1, "b": 2})]))
        model = gemini("gemini-2.5-flash", api_key="test", base_url=server.base_url)
        ...
        assert server.requests[0].headers["x-goog-api-key"] == "test"

It serves `POST /{v1beta,v1}/models/{model}:streamGenerateContent?alt=sse` (server-sent events,
each `data:` a whole `GenerateContentResponse`) and `:generateContent` (one JSON response), as
Gemini does:

- text comes `chunk_size` characters per event; reasoning comes as `thought: true` parts, only
  when the request asks for them (`generationConfig.thinkingConfig.includeThoughts`);
- function calls come whole, in one event (Gemini never splits arguments), the first of them with
  a `thoughtSignature` (`sig-<request number>`, base64), as thinking models send it; a reply without
  calls but with reasoning ends with an empty text part carrying the signature instead;
- scripted arguments that are not a JSON object cannot be sent as a call: the reply ends with
  `finishReason: MALFORMED_FUNCTION_CALL`, as Gemini does when a model botches a call;
- the last event carries `finishReason` (`STOP`, or the reply's `finish_reason`) and the
  `usageMetadata` (`usage_metadata()`; override it to script cached or thought tokens);
- errors have Google's body, `{"error": {"code", "message", "status", "details"}}`: an
  `ErrorReply`'s `type` overrides the status name (`RESOURCE_EXHAUSTED`, ...), its `code` becomes an
  `ErrorInfo` reason (`API_KEY_INVALID`), and a `retry-after` header on a 429 also becomes a
  `RetryInfo` delay; an in-stream error is a `data:` event holding such a body.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from ..schema import json_object
from .loopback import LoopbackHandler, LoopbackServer, loopback_fixture, pieces
from .script import ErrorReply, RecordedRequest, Reply, Script, ToolCallReply, error, reply, tool_call

__all__ = [
    "ErrorReply",
    "FakeGemini",
    "RecordedRequest",
    "Reply",
    "ToolCallReply",
    "error",
    "fake_gemini_fixture",
    "reply",
    "tool_call",
]

DEFAULT_MODEL = "gemini-2.5-flash"
_PATH = re.compile(r"^/(?:v1beta|v1)/models/(?P<model>[^/:?]+):(?P<method>generateContent|streamGenerateContent)")
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def signature(number: int) -> str:
    """The thought signature the fake sends with the `number`th request's reply."""
    return base64.b64encode(f"sig-{number}".encode()).decode()


class FakeGemini(LoopbackServer):
    """The loopback Gemini API server (`generateContent` and `streamGenerateContent`)."""

    name: ClassVar[str] = "FakeGemini"
    url_prefix: ClassVar[str] = ""  # the SDK adds the API version and the model path

    def __init__(self, *responses: Script, model: str = DEFAULT_MODEL, default: Script | None = None) -> None:
        super().__init__(*responses, model=model, default=default)

    def is_model_request(self, method: str, path: str) -> bool:
        return method == "POST" and _PATH.match(path) is not None

    def error_body(self, response: ErrorReply) -> dict[str, Any]:
        status = response.type or _STATUS_NAMES.get(response.status, "UNKNOWN")
        details: list[dict[str, Any]] = []
        if response.code:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": response.code,
                    "domain": "googleapis.com",
                }
            )
        retry_after = {key.lower(): value for key, value in response.headers.items()}.get("retry-after")
        if response.status == 429 and retry_after is not None:
            details.append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after}s"})
        body: dict[str, Any] = {"code": response.status, "message": response.message, "status": status}
        if details:
            body["details"] = details
        return {"error": body}

    def usage_metadata(self, response: Reply, thoughts: bool) -> dict[str, Any] | None:
        """The `usageMetadata` of a reply (`thoughts`: whether the request asked for thought parts)."""
        if response.usage is None:
            return None
        prompt, candidates = response.usage
        return {"promptTokenCount": prompt, "candidatesTokenCount": candidates, "totalTokenCount": prompt + candidates}

    def respond(self, handler: LoopbackHandler, response: Reply, request: RecordedRequest, number: int) -> None:
        body = json_object(request.body) or {}
        match = _PATH.match(request.path)
        assert match is not None
        thinking = _field(_field(body, "generationConfig"), "thinkingConfig")
        events = list(self._events(response, number, include_thoughts=bool(_field(thinking, "includeThoughts"))))
        if match["method"] == "generateContent":
            handler.send_json(200, _merged(events))
            return
        handler.stream(
            response,
            (_frame(json.dumps(event).encode()) for event in events),
            malformed=_frame(b'{"candidates": [{"content": {"parts": [{"text": '),
            error_event=lambda: _frame(json.dumps(self.error_body(error(500, "Internal error encountered."))).encode()),
        )

    def _events(self, response: Reply, number: int, *, include_thoughts: bool) -> Iterator[dict[str, Any]]:
        """The `GenerateContentResponse`s of a streamed reply, in Gemini's order."""
        head = {"modelVersion": response.model or self.model, "responseId": f"fake-{number}"}

        def event(parts: list[dict[str, Any]], **candidate: Any) -> dict[str, Any]:
            content = {"parts": parts, "role": "model"}
            return {"candidates": [{"content": content, **candidate, "index": 0}], **head}

        if include_thoughts:
            for piece in pieces(response.reasoning, response.chunk_size):
                yield event([{"text": piece, "thought": True}])
        for piece in pieces(response.text, response.chunk_size):
            yield event([{"text": piece}])
        calls, malformed = _function_calls(response.tool_calls)
        if calls:
            calls[0]["thoughtSignature"] = signature(number)
            yield event(calls)
        last: dict[str, Any] = {"finishReason": response.finish_reason or "STOP"}
        final_parts: list[dict[str, Any]] = []
        if malformed is not None:
            last = {"finishReason": "MALFORMED_FUNCTION_CALL", "finishMessage": f"Malformed function call: {malformed}"}
        elif response.reasoning and not calls:
            final_parts = [{"text": "", "thoughtSignature": signature(number)}]
        final = event(final_parts, **last)
        usage = self.usage_metadata(response, include_thoughts)
        if usage is not None:
            final["usageMetadata"] = usage
        yield final


def _function_calls(calls: tuple[ToolCallReply, ...]) -> tuple[list[dict[str, Any]], str | None]:
    """The `functionCall` parts of scripted calls, or the first call that cannot be one (its text)."""
    parts: list[dict[str, Any]] = []
    for call in calls:
        try:
            args: object = json.loads(call.arguments_text) if call.arguments_text.strip() else {}
        except json.JSONDecodeError:
            args = None
        if not isinstance(args, dict):
            return [], f"{call.name}({call.arguments_text})"
        function: dict[str, Any] = {"name": call.name, "args": args}
        if call.id:
            function["id"] = call.id
        parts.append({"functionCall": function})
    return parts, None


def _field(message: Any, name: str) -> Any:
    """A field of a request message under its JSON name or its proto name (Google's servers take both)."""
    fields = json_object(message)
    if fields is None:
        return None
    if name in fields:
        return fields[name]
    return fields.get(re.sub(r"[A-Z]", lambda upper: "_" + upper[0].lower(), name))


def _frame(data: bytes) -> bytes:
    return b"data: " + data + b"\r\n\r\n"


def _merged(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The non-streamed response: every event's parts in one candidate, with the last event's fields."""
    final = events[-1]
    parts = [part for event in events for part in event["candidates"][0]["content"]["parts"]]
    candidate = {**final["candidates"][0], "content": {"parts": parts, "role": "model"}}
    return {**final, "candidates": [candidate]}


# --- pytest -----------------------------------------------------------------------------------------


def fake_gemini_fixture(name: str = "fake_gemini", **options: Any) -> Callable[..., Iterator[FakeGemini]]:
    """A pytest fixture serving a fresh `FakeGemini` per test: `fake_gemini = fake_gemini_fixture()` in conftest.py.

    `options` go to `FakeGemini` (`model=`, `default=`).
    """
    fixture: Callable[..., Iterator[FakeGemini]] = loopback_fixture(FakeGemini, name, **options)
    return fixture
