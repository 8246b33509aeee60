"""The Anthropic adapter: the Messages API through the official `anthropic` SDK, always streamed.

Imported only through `agentick.models.anthropic(...)` or `agentick.models.AnthropicModel`, which
name the `anthropic` extra when the SDK is missing (API.md §13).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import anthropic as sdk
from anthropic import AsyncAnthropic

from ...errors import ModelError
from ...schema import json_object
from ...types import (
    AudioBlock,
    CodeBlock,
    ContentBlock,
    DocumentBlock,
    ImageBlock,
    JsonBlock,
    MediaSource,
    Message,
    MessageStartDelta,
    ModelInput,
    ReasoningBlock,
    ReasoningDelta,
    StopDelta,
    StreamDelta,
    TextBlock,
    TextDelta,
    ToolCallDelta,
    ToolDefinition,
    ToolResultBlock,
    ToolUseBlock,
    UsageDelta,
    VideoBlock,
)
from ...utf8 import input_problem, repair
from ..catalog import lookup_model
from ..http import close_body, connection_failure, sdk_transport_error
from ..sdk_model import SdkModel
from ..sse import EventDecoder
from ..status import is_context_overflow, provider_error

__all__ = ["AnthropicModel"]

logger = logging.getLogger("agentick")

PROVIDER = "anthropic"
DEFAULT_MODEL = "claude-sonnet-4-5"
ANTHROPIC_BASE_URL = "https://api.anthropic.com"
# `max_tokens` is required; a model the catalog does not know (and that states no `max_output_tokens`) gets this.
FALLBACK_MAX_TOKENS = 4096
OUTPUT_TOOL = "final_result"  # the tool the engine adds in tool output mode (API.md §12)

# The same reasons the OpenAI adapter reports; anything else (`pause_turn`, ...) is passed through.
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
    "model_context_window_exceeded": "max_tokens",
    "refusal": "content_filter",
}

# The HTTP status each `error.type` comes with, to sort errors reported inside a stream.
ERROR_STATUS = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "billing_error": 402,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "timeout_error": 504,
    "overloaded_error": 529,
}

_TOOL_CHOICE_KEYWORDS = {"auto": "auto", "none": "none", "any": "any", "required": "any"}
_CACHE_CONTROL = {"type": "ephemeral"}
MESSAGE_BREAKPOINTS = 2  # with the system prompt and the tools, Anthropic's limit of 4


class AnthropicModel(SdkModel[AsyncAnthropic, AsyncAnthropic]):
    """A Claude model on `anthropic.AsyncAnthropic`'s Messages API, with streaming, parallel tool
    use, thinking, images and documents, prompt caching and usage including cache tokens.

    It is also a component: `<claude temperature={0.2} />` selects it for the tick with those
    options (tree options win over the defaults given here). `api_key` and `base_url` default to
    `ANTHROPIC_API_KEY` and `ANTHROPIC_BASE_URL`. Clients are handled exactly as by `OpenAIModel`:
    one per event loop, opened on first use (so a missing key fails the first call, not the import
    of an agent), closed in its loop when the loop ends, at `aclose()` or when the model is
    collected; a `client` passed in is used as it is and never closed here. `timeout` bounds each
    read, `connect_timeout` the connection; `max_retries` is the SDK's retry budget for 408, 409,
    429, 5xx (529 overloaded included) and connection failures. `context_window` and
    `max_output_tokens` override the catalog; `max_output_tokens` is also the default `max_tokens`.
    """

    provider = PROVIDER
    provider_name = "Anthropic"
    api_key_envs = ("ANTHROPIC_API_KEY",)
    base_url_env = "ANTHROPIC_BASE_URL"
    default_base_url = ANTHROPIC_BASE_URL
    key_hint = "for a compatible server that needs no key, pass base_url=... or set ANTHROPIC_BASE_URL"
    compatible_servers = True

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: AsyncAnthropic | None = None,
        timeout: float | None = 600.0,
        connect_timeout: float | None = 5.0,
        max_retries: int = 2,
        context_window: int | None = None,
        max_output_tokens: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            model,
            api_key=api_key,
            base_url=str(client.base_url) if client is not None else base_url,
            client=client,
            timeout=timeout,
            max_retries=max_retries,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            options=options,
        )
        self.connect_timeout = connect_timeout

    # --- client ------------------------------------------------------------------------------------

    def _new_client(self) -> AsyncAnthropic:
        return AsyncAnthropic(
            api_key=self._api_key(),
            base_url=self.base_url,
            timeout=sdk.Timeout(self.timeout, connect=self.connect_timeout),
            max_retries=self.max_retries,
        )

    @staticmethod
    async def _close_client(opened: AsyncAnthropic) -> None:
        await opened.close()

    @staticmethod
    def _sdk_client(opened: AsyncAnthropic) -> AsyncAnthropic:
        return opened

    # --- streaming ---------------------------------------------------------------------------------

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        """Stream one response as deltas: message start (with the model that answered), thinking,
        text, tool-call pieces, then usage and the stop reason once the server has finished.

        The body is read here rather than through the SDK's stream object, for the reason given in
        `OpenAIModel.stream` (`sse.py`): the response and its body iterators are closed before
        this generator finishes, however it finishes."""
        request = self._request(model_input)
        model = request["model"]
        lease = None if self._client is not None else self._clients.acquire()
        try:
            response = await self._post(lease.client if lease is not None else self.client(), request)
            events = _EventMapper(model)
            decoder = EventDecoder()
            body = response.aiter_bytes()
            try:
                async for data in body:
                    for event in decoder.feed(data):
                        for delta in events.feed(_event(event)):
                            yield delta
                for event in decoder.flush():
                    for delta in events.feed(_event(event)):
                        yield delta
            except Exception as exc:
                cause = sdk_transport_error(exc, response, sdk)
                error = self._model_error(cause, model, streaming=True)
                if error is None:
                    raise
                raise error from cause
            finally:
                await close_body(response, body)
        finally:
            if lease is not None:
                await lease.release()
        if events.stop_reason is None:
            raise provider_error(
                f"The response stream of Anthropic model {model!r} at {self.base_url} ended before the model "
                "finished (no stop_reason): the connection was probably cut. Try the request again.",
                provider=PROVIDER,
                model=model,
            )
        for delta in events.finish():
            yield delta

    async def _post(self, client: AsyncAnthropic, request: dict[str, Any]) -> Any:
        """Send the request; the streamed HTTP response once its status is known to be a success."""
        from anthropic.types import Message as SdkMessage
        from anthropic.types import RawMessageStreamEvent

        body = {**request, "stream": True}
        stream_cls = sdk.AsyncStream[RawMessageStreamEvent]
        try:
            # `client.post` (the SDK's documented way to send a prepared request) instead of
            # `messages.create`: the body is already in wire format (see `OpenAIModel._post`).
            try:
                stream = await client.post(
                    "/v1/messages", body=body, cast_to=SdkMessage, stream=True, stream_cls=stream_cls
                )
            except UnicodeEncodeError as exc:
                # Text a component rendered may hold lone surrogates (see `OpenAIModel._post`).
                problem = input_problem(body)
                if problem is None:  # repairing the body cannot help
                    raise ModelError(
                        f"The request to Anthropic model {request['model']!r} at {self.base_url} could not be "
                        f"sent: {exc}.",
                        provider=PROVIDER,
                        model=request["model"],
                    ) from exc
                logger.warning(
                    "the request to Anthropic model %r holds text that cannot be encoded as UTF-8 (%s); it was "
                    "sent with U+FFFD in its place. Decode such text with errors='replace' where it is made",
                    request["model"],
                    problem,
                )
                stream = await client.post(
                    "/v1/messages", body=repair(body), cast_to=SdkMessage, stream=True, stream_cls=stream_cls
                )
        except Exception as exc:
            error = self._model_error(exc, request["model"], streaming=False)
            if error is None:
                raise
            raise error from exc
        return stream.response  # read by `stream`; the SDK's own iterator is never started

    # --- request -----------------------------------------------------------------------------------

    def _request(self, model_input: ModelInput) -> dict[str, Any]:
        """The Messages API request body (without `stream`)."""
        options = {key: value for key, value in {**self.options, **model_input.options}.items() if value is not None}
        model = options.pop("model", None)
        if not isinstance(model, str):  # the tree may name another model of the same provider
            model = self.metadata.id
        cache = bool(options.pop("cache", False))
        if model_input.output is not None and model_input.output.mode == "native":
            # A configuration error, not a provider failure: a ValueError, so `fallback` does not hide it.
            raise ValueError(
                f"Anthropic model {model!r} has no native structured output here: use output_mode='tool' "
                "(or 'auto', which picks the final_result tool for Anthropic models)."
            )
        try:
            system, messages, stable = messages_of(model_input.messages)
        except ModelError as error:  # a block the Messages API cannot take: bad input, not a provider failure
            error.provider, error.model = PROVIDER, model
            raise
        request: dict[str, Any] = {"model": model, "max_tokens": self._max_tokens(model), "messages": messages}
        if system:
            request["system"] = system
        if model_input.tools:
            request["tools"] = [anthropic_tool(tool) for tool in model_input.tools]
        request.update(_request_options(options))  # top-level fields, known to the SDK or not
        if model_input.output is not None and "tool_choice" not in request and not _thinking_on(request):
            # Tool output mode: a plain text answer would only be a failed attempt (API.md §12).
            # Anthropic refuses a forced tool while thinking, so then the choice stays the model's.
            only = [tool.name for tool in model_input.tools] == [OUTPUT_TOOL]
            request["tool_choice"] = {"type": "tool", "name": OUTPUT_TOOL} if only else {"type": "any"}
        if cache:
            _add_cache_breakpoints(request, stable)
        return request

    def _max_tokens(self, model: str) -> int:
        """The model's maximum output: Anthropic requires `max_tokens`, and a lower default only truncates."""
        if model == self.metadata.id and self.metadata.max_output_tokens:
            return self.metadata.max_output_tokens
        info = lookup_model(model)
        return info.max_output_tokens if info is not None and info.max_output_tokens else FALLBACK_MAX_TOKENS

    # --- errors ------------------------------------------------------------------------------------

    def _model_error(self, exc: Exception, model: str, *, streaming: bool) -> ModelError | None:
        """A `ModelError` subclass saying what failed and what to do, or `None` for errors that are not the server's."""
        where = f"Anthropic model {model!r} at {self.base_url}"
        retried = f" (after {self.max_retries} retries)" if self.max_retries else ""
        named: dict[str, Any] = {"provider": PROVIDER, "model": model}
        if isinstance(exc, sdk.APITimeoutError):
            return provider_error(
                f"{where} did not answer within the {self.timeout}s timeout{retried}. "
                "Raise timeout=... (or max_retries=...) or check that the server is not overloaded.",
                **named,
                timeout=True,
            )
        if isinstance(exc, sdk.APIConnectionError):
            reason = connection_failure(exc)
            if streaming:
                message = (
                    f"The response stream of {where} was cut off before the model finished{reason}. "
                    "Try the request again."
                )
            else:
                message = (
                    f"Cannot connect to {where}{reason}{retried}. "
                    "Check that the server is running and that base_url=... (or ANTHROPIC_BASE_URL) is right."
                )
            return provider_error(message, **named)
        if isinstance(exc, sdk.APIStatusError):
            status = exc.status_code
            error_type, message = _error_fields(exc.body)
            kind = f" ({error_type})" if error_type else ""
            return provider_error(
                f"{where} failed with HTTP {status}{kind}: {message}. {_hint(status, message, retried)}",
                **named,
                status_code=status,
                body=exc.body,
                headers=exc.response.headers,
                context_overflow=_overflows(status, message),
            )
        if isinstance(exc, _ErrorEvent):
            error_type, message = _error_fields(exc.event)
            status = ERROR_STATUS.get(error_type or "", 500)
            text = f"{where} reported an error in its response stream ({error_type or 'error'}): {message}. " + _hint(
                status, message, ""
            )
            # The stream's status is the one its error type comes with: it sorts the error, but the
            # response itself succeeded, so the error has no status code.
            return provider_error(
                text,
                **named,
                body=exc.event,
                context_overflow=_overflows(status, message),
                timeout=status in (408, 504),
                authentication=status in (401, 403),
                rate_limited=status == 429,
            )
        if isinstance(exc, json.JSONDecodeError):
            return provider_error(
                f"{where} sent malformed JSON in its response stream ({exc.msg}: {exc.doc[:80]!r}). "
                "The server does not speak the Messages API streaming protocol correctly.",
                **named,
            )
        return None


class _ErrorEvent(Exception):
    """An `error` event in the stream (Anthropic reports an overloaded server this way mid-response)."""

    def __init__(self, event: dict[str, Any]) -> None:
        super().__init__(event)
        self.event = event


def _error_fields(body: object) -> tuple[str | None, str]:
    """The `error.type` and `error.message` of an Anthropic error body (or what the body is)."""
    fields = json_object(body)
    error = json_object(fields.get("error")) if fields is not None else None
    if error is not None:
        error_type = error.get("type")
        message = error.get("message")
        if isinstance(message, str) and message:
            return (error_type if isinstance(error_type, str) else None), message.rstrip(".")
    text = body if isinstance(body, str) else json.dumps(body)
    return None, (text[:300] if text else "no error message")


def _overflows(status: int, message: str) -> bool:
    """Whether Anthropic's error says the request does not fit the context window (a 400 or 413)."""
    return status in (400, 413) and is_context_overflow(None, message)


def _hint(status: int, message: str, retried: str) -> str:
    if status == 401:
        return "Check ANTHROPIC_API_KEY (or pass api_key=...)."
    if status == 403:
        return "The API key may not use this model or feature; check its workspace and permissions."
    if status == 402:
        return "Check the account's billing and credit balance."
    if status == 404:
        return "Check the model name and the server URL (base_url=... or ANTHROPIC_BASE_URL)."
    if status == 429:
        return f"Rate limited{retried}; send fewer requests or raise max_retries=..."
    if _overflows(status, message):
        return (
            "The request is longer than the model's context window: give <Timeline> a max_tokens budget "
            "(or lower the max_tokens option)."
        )
    if status == 413:
        return "The request is too large; shorten the prompt or the attachments."
    if status == 529:
        return f"Anthropic is overloaded{retried}; try again later, raise max_retries=... or add a fallback model."
    if status in (408, 409) or status >= 500:
        return f"The server failed{retried}; try again later or raise max_retries=..."
    return "The server rejected the request; check the model options, tools and messages."


def _event(data: str) -> dict[str, Any]:
    """One streamed event (its `data`) as a dict; an `error` event raises `_ErrorEvent`."""
    event = json_object(json.loads(data))
    if event is None:
        raise json.JSONDecodeError("a stream event is not a JSON object", data, 0)
    if event.get("type") == "error":
        raise _ErrorEvent(event)
    return event


# --- streaming events --------------------------------------------------------------------------------


class _EventMapper:
    """Turns one stream's events into deltas. One per stream: the content blocks' kinds live here.

    Each content block has an index in the stream; a thinking block becomes the reasoning block
    of the next reasoning index, a tool_use block the call of the next call index, and the deltas
    of a block carry its index. Usage comes in `message_start` (input and cache tokens) and
    `message_delta` (output tokens, cumulative); the last values seen are reported once, at the end.
    """

    __slots__ = ("_blocks", "_calls", "_reasoning", "model", "started", "stop_reason", "usage")

    def __init__(self, model: str) -> None:
        self.model = model
        self.started = False
        self.stop_reason: str | None = None
        self.usage: dict[str, Any] = {}
        self._blocks: dict[int, tuple[str, int]] = {}  # stream index -> (kind, reasoning or call index)
        self._reasoning = 0
        self._calls = 0

    def feed(self, event: dict[str, Any]) -> list[StreamDelta]:
        kind = event.get("type")
        deltas: list[StreamDelta] = []
        if not self.started:
            self.started = True
            message = json_object(event.get("message")) if kind == "message_start" else None
            answered = message.get("model") if message is not None else None
            deltas.append(MessageStartDelta(model=answered or self.model))
        if kind == "message_start":
            started: dict[str, Any] = event.get("message") or {}
            self._usage(started.get("usage"))
        elif kind == "content_block_start":
            deltas.extend(self._start(event.get("index") or 0, event.get("content_block") or {}))
        elif kind == "content_block_delta":
            delta = self._delta(event.get("index") or 0, event.get("delta") or {})
            if delta is not None:
                deltas.append(delta)
        elif kind == "message_delta":
            change: dict[str, Any] = event.get("delta") or {}
            reason = change.get("stop_reason")
            if reason:
                self.stop_reason = reason
            self._usage(event.get("usage"))
        return deltas  # ping, content_block_stop, message_stop and newer event types carry nothing to keep

    def _usage(self, usage: Any) -> None:
        counts = json_object(usage)
        if counts is not None:
            self.usage.update({key: value for key, value in counts.items() if isinstance(value, int)})

    def _start(self, index: int, block: dict[str, Any]) -> list[StreamDelta]:
        kind = block.get("type")
        if kind == "text":
            self._blocks[index] = ("text", 0)
            return [TextDelta(text=block["text"])] if block.get("text") else []
        if kind in ("thinking", "redacted_thinking"):
            self._blocks[index] = ("thinking", self._reasoning)
            self._reasoning += 1
            delta = ReasoningDelta(
                text=block.get("thinking") or "",
                index=self._blocks[index][1],
                signature=block.get("signature") or None,
                redacted=block.get("data") if kind == "redacted_thinking" else None,
                provider=PROVIDER,
            )
            return [delta] if delta.text or delta.signature or delta.redacted is not None else []
        if kind == "tool_use":
            self._blocks[index] = ("tool_use", self._calls)
            self._calls += 1
            arguments = block.get("input")
            return [
                ToolCallDelta(
                    index=self._blocks[index][1],
                    id=block.get("id"),
                    name=block.get("name"),
                    arguments=json.dumps(arguments) if arguments else "",
                )
            ]
        return []  # server tool blocks and the like: not part of the conversation agentick keeps

    def _delta(self, index: int, delta: dict[str, Any]) -> StreamDelta | None:
        kind, position = self._blocks.get(index, ("", 0))
        delta_type = delta.get("type")
        if kind == "text" and delta_type == "text_delta":
            return TextDelta(text=delta.get("text") or "")
        if kind == "thinking" and delta_type == "thinking_delta":
            return ReasoningDelta(text=delta.get("thinking") or "", index=position, provider=PROVIDER)
        if kind == "thinking" and delta_type == "signature_delta":
            return ReasoningDelta(text="", index=position, signature=delta.get("signature"), provider=PROVIDER)
        if kind == "tool_use" and delta_type == "input_json_delta":
            return ToolCallDelta(index=position, arguments=delta.get("partial_json") or "")
        return None  # citations and block kinds not kept

    def finish(self) -> list[StreamDelta]:
        read = self.usage.get("cache_read_input_tokens", 0)
        written = self.usage.get("cache_creation_input_tokens", 0)
        deltas: list[StreamDelta] = []
        if self.usage:
            deltas.append(
                UsageDelta(
                    input_tokens=self.usage.get("input_tokens", 0) + read + written,
                    output_tokens=self.usage.get("output_tokens", 0),
                    cache_read_tokens=read,
                    cache_write_tokens=written,
                )
            )
        reason = self.stop_reason or "end_turn"
        deltas.append(StopDelta(reason=STOP_REASONS.get(reason, reason)))
        return deltas


# --- request mapping -----------------------------------------------------------------------------------


def anthropic_tool(tool: ToolDefinition) -> dict[str, Any]:
    """A tool definition as a Messages API tool."""
    definition: dict[str, Any] = {"name": tool.name, "input_schema": tool.input_schema}
    if tool.description:
        definition["description"] = tool.description
    return definition


def messages_of(
    messages: Iterable[Message],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """Messages as the Messages API's `system` blocks and `messages`, plus the *stable* blocks.

    System messages (wherever they are) become the top-level `system`, in order. Consecutive
    messages of one API role are merged (a `tool` message is a user message of `tool_result`
    blocks), so parallel tool results go back in one user message, results first as the API
    requires. Reasoning blocks are resent only when Anthropic produced them (with their signature,
    or redacted), before the assistant's other blocks; other providers' reasoning is dropped.

    The stable blocks are where each model turn ends (the last block of an assistant message, or of
    the tool results that follow it), in order: content later requests repeat unchanged (user
    messages may be ephemeral context re-rendered every tick), so cache breakpoints there pay off.
    """
    system: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    stable: list[dict[str, Any]] = []
    turn_open = False  # the last message was the model's turn (its call or its results)
    for message in messages:
        if message.role == "system":
            system.extend(_system_blocks(message.content))
            continue
        if message.role == "assistant":
            role, content = "assistant", _assistant_blocks(message.content)
        else:
            role, content = "user", _user_blocks(message.content)
        if not content:
            continue
        if message.role == "user":
            turn_open = False
        else:
            anchor = next((block for block in reversed(content) if "thinking" not in block["type"]), None)
            if anchor is not None:
                if turn_open and message.role == "tool":
                    stable[-1] = anchor  # the turn ends with its results
                else:
                    stable.append(anchor)
                turn_open = True
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(content)
        else:
            out.append({"role": role, "content": content})
    for entry in out:
        if entry["role"] == "user":  # tool results first (a stable sort keeps each kind's order)
            blocks: list[dict[str, Any]] = entry["content"]
            blocks.sort(key=lambda block: block["type"] != "tool_result")
    return system, out, stable


def _system_blocks(blocks: Sequence[ContentBlock]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in blocks:
        part = _part(block)
        if part["type"] != "text":
            raise ModelError(
                f"a system message holds a {block.type} block; Anthropic's system prompt takes text only",
                provider=PROVIDER,
            )
        if part["text"]:
            out.append(part)
    return out


def _assistant_blocks(blocks: Sequence[ContentBlock]) -> list[dict[str, Any]]:
    thinking: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, ReasoningBlock):
            if block.provider != PROVIDER:
                continue
            if block.redacted is not None:
                thinking.append({"type": "redacted_thinking", "data": block.redacted})
            elif block.signature is not None:
                thinking.append({"type": "thinking", "thinking": block.text, "signature": block.signature})
        elif isinstance(block, ToolUseBlock):
            rest.append({"type": "tool_use", "id": block.tool_use_id, "name": block.name, "input": block.input})
        elif isinstance(block, TextBlock | CodeBlock | JsonBlock):
            part = _part(block)
            if part["text"]:
                rest.append(part)
        # Media an assistant produced cannot be sent back: assistant messages hold text and tool calls.
    return [*thinking, *rest]


def _user_blocks(blocks: Sequence[ContentBlock]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, ReasoningBlock):
            continue
        if isinstance(block, ToolResultBlock):
            out.append(_tool_result(block))
            continue
        part = _part(block)
        if part["type"] != "text" or part["text"]:  # the API rejects empty text blocks
            out.append(part)
    return out


def _tool_result(result: ToolResultBlock) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": result.tool_use_id}
    content = _user_blocks(result.content)
    if content:
        block["content"] = content
    if result.is_error:
        block["is_error"] = True
    return block


def _part(block: ContentBlock) -> dict[str, Any]:
    """One content block as a Messages API content block."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, CodeBlock):
        return {"type": "text", "text": f"```{block.language or ''}\n{block.text}\n```"}
    if isinstance(block, JsonBlock):
        return {"type": "text", "text": f"```json\n{block.text or json.dumps(block.data, indent=2)}\n```"}
    if isinstance(block, ImageBlock):
        return {"type": "image", "source": _source(block.source, "image")}
    if isinstance(block, DocumentBlock):
        document: dict[str, Any] = {"type": "document", "source": _document_source(block.source)}
        if block.title:
            document["title"] = block.title
        return document
    if isinstance(block, AudioBlock | VideoBlock) and block.transcript:
        return {"type": "text", "text": block.transcript}
    if isinstance(block, ToolUseBlock):
        raise ModelError(
            f"tool call {block.name!r} ({block.tool_use_id}) is in a non-assistant message", provider=PROVIDER
        )
    raise ModelError(
        f"the Anthropic Messages API cannot take a {block.type} block (pass a transcript for audio or video): "
        f"{block!r:.120}",
        provider=PROVIDER,
    )


def _source(source: MediaSource, kind: str) -> dict[str, Any]:
    if source.type == "url" and source.url:
        return {"type": "url", "url": source.url}
    if source.type == "base64" and source.data:
        if not source.media_type:
            raise ModelError(
                f"the {kind} has base64 data but no media_type; set source.media_type (e.g. image/png)",
                provider=PROVIDER,
            )
        return {"type": "base64", "media_type": source.media_type, "data": source.data}
    if source.type == "file_id" and source.file_id:
        return {"type": "file", "file_id": source.file_id}
    raise ModelError(
        f"the {kind} source {source.type!r} has no data; give a URL, base64 data or a file id", provider=PROVIDER
    )


def _document_source(source: MediaSource) -> dict[str, Any]:
    """A PDF (or any base64 document) as given; base64 plain text as the API's text source."""
    if source.type == "base64" and source.data and source.media_type == "text/plain":
        try:
            text = base64.b64decode(source.data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ModelError(f"the text/plain document is not base64 of UTF-8 text: {exc}", provider=PROVIDER) from exc
        return {"type": "text", "media_type": "text/plain", "data": text}
    return _source(source, "document")


def _request_options(options: dict[str, Any]) -> dict[str, Any]:
    """Generation options as request fields: shorthands for `thinking`, `tool_choice`, `stop` and
    `parallel_tool_calls` expanded, anything else passed through."""
    body = dict(options)
    thinking = body.get("thinking")
    if isinstance(thinking, int) and not isinstance(thinking, bool):
        body["thinking"] = {"type": "enabled", "budget_tokens": thinking}
    elif thinking is False:
        del body["thinking"]
    stop = body.pop("stop", None)
    if stop is not None:
        body.setdefault("stop_sequences", [stop] if isinstance(stop, str) else list(stop))
    choice = body.get("tool_choice")
    if isinstance(choice, str):
        keyword = _TOOL_CHOICE_KEYWORDS.get(choice)
        body["tool_choice"] = {"type": keyword} if keyword else {"type": "tool", "name": choice}
    if body.pop("parallel_tool_calls", True) is False:
        body["tool_choice"] = {**body.get("tool_choice", {"type": "auto"}), "disable_parallel_tool_use": True}
    return body


def _thinking_on(request: dict[str, Any]) -> bool:
    thinking = json_object(request.get("thinking"))
    return thinking is not None and thinking.get("type") not in (None, "disabled")


def _add_cache_breakpoints(request: dict[str, Any], stable: list[dict[str, Any]]) -> None:
    """Mark the end of the system prompt, of the tools and of the last two model turns.

    Anthropic caches the prompt up to each marked block (at most 4). The end of the previous turn
    is where the previous request put its last mark, so this request reads that cache entry
    exactly, however many blocks the last turn added (the API looks back only 20 blocks from a
    breakpoint for earlier entries)."""
    system = request.get("system")
    if system:
        system[-1]["cache_control"] = dict(_CACHE_CONTROL)
    tools = request.get("tools")
    if tools:
        tools[-1]["cache_control"] = dict(_CACHE_CONTROL)
    for block in stable[-MESSAGE_BREAKPOINTS:]:
        block["cache_control"] = dict(_CACHE_CONTROL)
