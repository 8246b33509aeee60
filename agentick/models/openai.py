"""The OpenAI adapter: Chat Completions through the official `openai` SDK, always streamed.

Any OpenAI-compatible server works through `base_url`. The SDK is imported on first use, not at
import time (it takes over half a second to import), so agents that only compile never pay for it.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

import pydantic

from ..errors import AuthenticationError, ModelError
from ..schema import json_object
from ..types import (
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
    OutputRequest,
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
from ..utf8 import input_problem, repair
from .catalog import canonical_model_id
from .http import close_body, connection_failure, sdk_transport_error
from .sdk_model import SdkModel
from .sse import EventDecoder
from .status import is_context_overflow, provider_error
from .strict_schema import StrictSchemaError, strict_json_schema

if TYPE_CHECKING:
    from openai import AsyncOpenAI

__all__ = ["OpenAIModel", "openai"]

logger = logging.getLogger("agentick")

DEFAULT_MODEL = "gpt-4o-mini"
OPENAI_BASE_URL = "https://api.openai.com/v1"

STOP_REASONS = {
    "stop": "stop",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "content_filter",
}

# o-series and gpt-5 models reject `max_tokens`; older models and most compatible servers only know it.
_MAX_COMPLETION_TOKENS_MODELS = re.compile(r"^(o\d|gpt-5)")
_TOOL_CHOICE_KEYWORDS = frozenset(("auto", "none", "required"))


def openai(
    model: str = DEFAULT_MODEL, api_key: str | None = None, base_url: str | None = None, **options: Any
) -> OpenAIModel:
    """An OpenAI (or OpenAI-compatible) chat model: `gpt = openai("gpt-4o", temperature=0.2)`.

    `options` are `OpenAIModel`'s keyword arguments: client settings (`timeout`, `max_retries`,
    `client`, ...) and default request options (`temperature`, `max_tokens`, ...).
    """
    return OpenAIModel(model=model, api_key=api_key, base_url=base_url, **options)


class OpenAIModel(SdkModel["AsyncOpenAI", "AsyncOpenAI"]):
    """A model backed by `openai.AsyncOpenAI` Chat Completions with streaming, tool calls and usage.

    It is also a component: `<gpt temperature={0.2} />` selects it for the tick with those options
    (tree options win over the defaults given here). `api_key` and `base_url` default to
    `OPENAI_API_KEY` and `OPENAI_BASE_URL`. The SDK client is created on the first request (so a
    missing key fails the first call, not the import of an agent) and reused; an event loop gets a
    client of its own, because pooled connections cannot move between loops, and that client is
    closed inside its loop when the loop ends (or at `aclose()`, or when the model is collected;
    see `clients.py`). A `client` passed in is used as it is and never closed here. `timeout`
    bounds each read, `connect_timeout` the connection; `max_retries` is the SDK's retry budget for
    408, 409, 429, 5xx and connection failures. `context_window` and `max_output_tokens` override the catalog.
    """

    provider = "openai"
    provider_name = "OpenAI"
    api_key_envs = ("OPENAI_API_KEY",)
    base_url_env = "OPENAI_BASE_URL"
    default_base_url = OPENAI_BASE_URL
    key_hint = "for an OpenAI-compatible server that needs no key, pass base_url=... or set OPENAI_BASE_URL"
    compatible_servers = True

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: AsyncOpenAI | None = None,
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

    def _new_client(self) -> AsyncOpenAI:
        from openai import AsyncOpenAI, Timeout

        return AsyncOpenAI(
            api_key=self._api_key(),
            base_url=self.base_url,
            timeout=Timeout(self.timeout, connect=self.connect_timeout),
            max_retries=self.max_retries,
        )

    @staticmethod
    async def _close_client(opened: AsyncOpenAI) -> None:
        await opened.close()

    @staticmethod
    def _sdk_client(opened: AsyncOpenAI) -> AsyncOpenAI:
        return opened

    # --- streaming ---------------------------------------------------------------------------------

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        """Stream one response as deltas: message start (with the model that answered), text,
        reasoning, tool-call pieces, then usage and the stop reason once the server has finished.

        The body is read here rather than by iterating the SDK's stream object, whose nested async
        generators are left to the garbage collector when it stops at `[DONE]` or is cancelled
        (see `sse.py`): the response and its body iterators are closed before this generator
        finishes, however it finishes."""
        request = self._request(model_input)
        model = request["model"]
        lease = None if self._client is not None else self._clients.acquire()
        try:
            response = await self._post(lease.client if lease is not None else self.client(), request)
            chunks = _ChunkMapper(model)
            events = EventDecoder()
            body = response.aiter_bytes()
            try:
                async for data in body:
                    for event in events.feed(data):
                        for delta in chunks.feed(_chunk(event, response)):
                            yield delta
                for event in events.flush():
                    for delta in chunks.feed(_chunk(event, response)):
                        yield delta
            except Exception as exc:
                import openai as sdk

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
        if chunks.finish_reason is None:
            raise provider_error(
                f"The response stream of OpenAI model {model!r} at {self.base_url} ended before the model "
                "finished (no finish_reason): the connection was probably cut. Try the request again.",
                provider="openai",
                model=model,
            )
        for delta in chunks.finish():
            yield delta

    async def _post(self, client: AsyncOpenAI, request: dict[str, Any]) -> Any:
        """Send the request; the streamed HTTP response once its status is known to be a success."""
        from openai import AsyncStream
        from openai.types.chat import ChatCompletion, ChatCompletionChunk

        body = {**request, "stream": True, "stream_options": {"include_usage": True}}
        try:
            # `client.post` (the SDK's documented way to send a prepared request) instead of
            # `chat.completions.create`: the body is already in wire format, and `create` would
            # re-walk every message through the SDK's type transform (about 0.2 ms per message).
            try:
                stream = await client.post(
                    "/chat/completions",
                    body=body,
                    cast_to=ChatCompletion,
                    stream=True,
                    stream_cls=AsyncStream[ChatCompletionChunk],
                )
            except UnicodeEncodeError as exc:
                # Sessions keep unencodable text out of their timeline, but a component may render
                # some (a prop made from a file name, say) every tick: repair it here rather than
                # fail every request. Found only when encoding fails, so clean requests pay nothing.
                problem = input_problem(body)
                if problem is None or _non_ascii_header(client) is not None:  # repairing the body cannot help
                    raise self._unsendable(client, request["model"], exc) from exc
                logger.warning(
                    "the request to OpenAI model %r holds text that cannot be encoded as UTF-8 (%s); it was "
                    "sent with U+FFFD in its place. Decode such text with errors='replace' where it is made",
                    request["model"],
                    problem,
                )
                stream = await client.post(
                    "/chat/completions",
                    body=repair(body),
                    cast_to=ChatCompletion,
                    stream=True,
                    stream_cls=AsyncStream[ChatCompletionChunk],
                )
        except Exception as exc:
            error = self._model_error(exc, request["model"], streaming=False)
            if error is None:
                raise
            raise error from exc
        return stream.response  # read by `stream`; the SDK's own iterator is never started

    def _unsendable(self, client: AsyncOpenAI, model: str, exc: UnicodeEncodeError) -> ModelError:
        """The request cannot be encoded, and not for its messages: say what holds which character.

        A bad API key is an `AuthenticationError` (the fix is the key); anything else is a plain
        `ModelError`, since the provider never saw the request."""
        where = f"The request to OpenAI model {model!r} at {self.base_url} could not be sent"
        found = _non_ascii_header(client)
        if found is None:
            return ModelError(f"{where}: {exc}.", provider="openai", model=model)
        name, value, index = found
        bearer = "Bearer "
        if name == "Authorization" and value.startswith(bearer):
            return AuthenticationError(
                f"{where}: the API key holds {value[index]!r} (character {index - len(bearer)} of the key), which "
                "is not ASCII, as HTTP headers must be. Check api_key=... (or OPENAI_API_KEY): a key copied from a "
                "document may hold typographic quotes or dashes.",
                provider="openai",
                model=model,
            )
        return ModelError(
            f"{where}: its {name} header holds {value[index]!r} (character {index}), which is not ASCII, as "
            "HTTP headers must be. Pass the client only ASCII header values.",
            provider="openai",
            model=model,
        )

    # --- request -----------------------------------------------------------------------------------

    def _request(self, model_input: ModelInput) -> dict[str, Any]:
        """The Chat Completions request body (without the streaming flags)."""
        options = {key: value for key, value in {**self.options, **model_input.options}.items() if value is not None}
        model = options.pop("model", None)
        if not isinstance(model, str):  # the tree may name another model of the same provider
            model = self.metadata.id
        try:
            messages = chat_messages(model_input.messages)
        except ModelError as error:  # a message Chat Completions cannot carry: bad input, not a provider failure
            error.provider, error.model = "openai", model
            raise
        request: dict[str, Any] = {"model": model, "messages": messages}
        if model_input.tools:
            request["tools"] = [chat_tool(tool) for tool in model_input.tools]
        request.update(_request_options(options, model))  # top-level fields, known to the SDK or not
        output = model_input.output
        if output is not None and output.mode == "native":
            if request.get("response_format") is not None:
                raise ValueError(
                    f"the request to OpenAI model {model!r} asks for structured output and also has a "
                    "response_format option; remove one of them"
                )
            request["response_format"] = native_response_format(output)
        return request

    # --- errors ------------------------------------------------------------------------------------

    def _model_error(self, exc: Exception, model: str, *, streaming: bool) -> ModelError | None:
        """The `ModelError` subclass (API.md §13) saying what failed and what to do, or `None` for
        errors that are not the server's. A refused or cut connection is a `ProviderError`: the
        server (or the way to it) failed, and trying again later may work."""
        import openai as sdk

        where = f"OpenAI model {model!r} at {self.base_url}"
        retried = f" (after {self.max_retries} retries)" if self.max_retries else ""
        if isinstance(exc, sdk.APITimeoutError):
            return provider_error(
                f"{where} did not answer within the {self.timeout}s timeout{retried}. "
                "Raise timeout=... (or max_retries=...) or check that the server is not overloaded.",
                provider="openai",
                model=model,
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
                    "Check that the server is running and that base_url=... (or OPENAI_BASE_URL) is right."
                )
            return provider_error(message, provider="openai", model=model)
        if isinstance(exc, sdk.APIStatusError):
            server_message = _server_message(exc.body)
            return provider_error(
                f"{where} failed with HTTP {exc.status_code}: {server_message}. " + _hint(exc, retried),
                provider="openai",
                model=model,
                status_code=exc.status_code,
                body=_error_body(exc),
                headers=exc.response.headers,
                context_overflow=is_context_overflow(exc.code, server_message),
            )
        if isinstance(exc, sdk.APIError):
            return provider_error(
                f"{where} reported an error in its response stream: {exc.message}",
                provider="openai",
                model=model,
                body=exc.body,
                context_overflow=is_context_overflow(exc.code, exc.message),
            )
        if isinstance(exc, json.JSONDecodeError):
            return provider_error(
                f"{where} sent malformed JSON in its response stream ({exc.msg}: {exc.doc[:80]!r}). "
                "The server does not speak the Chat Completions streaming protocol correctly.",
                provider="openai",
                model=model,
            )
        return None


def _error_body(exc: Any) -> Any:
    """The error response's body as the server sent it: parsed JSON, else its text (the SDK's
    `exc.body` holds only the inner `error` object)."""
    try:
        return exc.response.json()
    except ValueError:
        return exc.response.text or exc.body


def _non_ascii_header(client: AsyncOpenAI) -> tuple[str, str, int] | None:
    """The first header of `client` with a non-ASCII value: its name, value and the character's index."""
    for name, value in {**client.auth_headers, **client.default_headers}.items():
        if isinstance(value, str) and not value.isascii():
            return name, value, next(index for index, character in enumerate(value) if not character.isascii())
    return None


def _chunk(event: str, response: Any) -> dict[str, Any] | None:
    """One streamed event as a chunk dict, or `None` for `[DONE]`; an error event raises the SDK's
    `APIError`, as the SDK's own stream does."""
    if event.startswith("[DONE]"):
        return None
    parsed = json.loads(event)
    if not isinstance(parsed, dict):
        raise json.JSONDecodeError("a stream event is not a JSON object", event, 0)
    chunk = cast("dict[str, Any]", parsed)
    error = chunk.get("error")
    if error:
        import openai as sdk

        details = json_object(error)
        message = details.get("message") if details is not None else None
        raise sdk.APIError(
            message if isinstance(message, str) and message else "An error occurred during streaming",
            response.request,
            body=error,
        )
    return chunk


def _server_message(body: object) -> str:
    if isinstance(body, dict):
        message = cast("dict[str, Any]", body).get("message")
        if isinstance(message, str) and message:
            return message.rstrip(".")
    text = body if isinstance(body, str) else json.dumps(body)
    return text[:300] if text else "no error message"


def _hint(exc: Any, retried: str) -> str:
    status: int = exc.status_code
    code = exc.code
    if status == 401:
        return "Check OPENAI_API_KEY (or pass api_key=...)."
    if status == 403:
        return "The API key may not use this model or endpoint; check its project and permissions."
    if status == 404:
        return "Check the model name and the server URL (base_url=... or OPENAI_BASE_URL)."
    if status == 429:
        if code == "insufficient_quota":
            return "The account is out of quota; check its plan and billing."
        return f"Rate limited{retried}; send fewer requests or raise max_retries=..."
    if code == "context_length_exceeded":
        return "The request is longer than the model's context window: give <Timeline> a max_tokens budget."
    if status == 413:
        return "The request is too large; shorten the prompt or the attachments."
    if status in (408, 409) or status >= 500:
        return f"The server failed{retried}; try again later or raise max_retries=..."
    return "The server rejected the request; check the model options, tools and messages."


# --- streaming chunks ----------------------------------------------------------------------------------


class _ToolSlot:
    __slots__ = ("id", "index")

    def __init__(self, index: int, call_id: str | None) -> None:
        self.index = index
        self.id = call_id


class _ChunkMapper:
    """Turns one stream's chunks (decoded JSON) into deltas. One per stream: tool-call ids live here.

    OpenAI sends a call's id and name only on its first fragment; later fragments carry only the
    index, so the id is remembered per index and repeated on every `ToolCallDelta`. A fragment with
    a new id at an index already in use (some compatible servers send every call at index 0) starts
    a new call. Usage arrives after the finish reason; the last usage seen is reported once, at the
    end, with the stop reason. Compatible servers omit fields OpenAI always sends, or send them as
    null, so every field is optional here.
    """

    __slots__ = ("_next_index", "_slots", "done", "finish_reason", "model", "started", "usage")

    def __init__(self, model: str) -> None:
        self.model = model
        self.started = False
        self.done = False
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self._slots: dict[int, _ToolSlot] = {}
        self._next_index = 0

    def feed(self, chunk: dict[str, Any] | None) -> list[StreamDelta]:
        """The deltas of one chunk; `None` is `[DONE]`, after which nothing counts (the rest of the
        body is still read, so the connection can be reused)."""
        if chunk is None or self.done:
            self.done = True
            return []
        deltas: list[StreamDelta] = []
        if not self.started:
            self.started = True
            deltas.append(MessageStartDelta(model=chunk.get("model") or self.model))
        for choice in chunk.get("choices") or ():
            if choice.get("index"):  # only the first choice is used (n > 1 is not supported)
                continue
            delta = choice.get("delta")
            if delta:
                reasoning = _reasoning_text(delta)
                if reasoning:
                    deltas.append(ReasoningDelta(text=reasoning))
                content = delta.get("content")
                if content:
                    deltas.append(TextDelta(text=content))
                refusal = delta.get("refusal")
                if refusal:
                    deltas.append(TextDelta(text=refusal))
                for call in delta.get("tool_calls") or ():
                    deltas.append(self._tool_call(call))
            finish_reason = choice.get("finish_reason")
            if finish_reason:
                self.finish_reason = finish_reason
        usage = chunk.get("usage")
        if usage is not None:
            self.usage = usage
        return deltas

    def _tool_call(self, call: dict[str, Any]) -> ToolCallDelta:
        server_index = call.get("index") or 0
        call_id = call.get("id")
        slot = self._slots.get(server_index)
        if slot is None or (call_id and slot.id and call_id != slot.id):
            slot = self._slots[server_index] = _ToolSlot(self._next_index, call_id)
            self._next_index += 1
        elif call_id and slot.id is None:
            slot.id = call_id
        function: dict[str, Any] = call.get("function") or {}
        return ToolCallDelta(
            index=slot.index,
            id=slot.id,
            name=function.get("name") or None,
            arguments=function.get("arguments") or "",
        )

    def finish(self) -> list[StreamDelta]:
        deltas: list[StreamDelta] = []
        if self.usage is not None:
            deltas.append(
                UsageDelta(
                    input_tokens=self.usage.get("prompt_tokens") or 0,
                    output_tokens=self.usage.get("completion_tokens") or 0,
                )
            )
        reason = self.finish_reason or "stop"
        deltas.append(StopDelta(reason=STOP_REASONS.get(reason, reason)))
        return deltas


def _reasoning_text(delta: dict[str, Any]) -> str | None:
    """Reasoning text some compatible servers stream (`reasoning_content`: DeepSeek, vLLM; `reasoning`: OpenRouter)."""
    text = delta.get("reasoning_content") or delta.get("reasoning")
    return text if isinstance(text, str) else None


# --- request mapping -----------------------------------------------------------------------------------


def chat_tool(tool: ToolDefinition) -> dict[str, Any]:
    """A tool definition as a Chat Completions function tool."""
    function: dict[str, Any] = {"name": tool.name, "parameters": tool.input_schema}
    if tool.description:
        function["description"] = tool.description
    if tool.strict:  # checked when the tool was made: its schema has a strict form
        function["parameters"] = strict_json_schema(tool.input_schema)
        function["strict"] = True
    return {"type": "function", "function": function}


def chat_messages(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """Messages as Chat Completions messages.

    A message whose blocks are all text-like becomes one string (code and JSON fenced); one with
    media becomes content parts. Assistant tool calls become `tool_calls`; every tool result
    becomes its own `tool` message, in order (images a tool returned follow in a user message,
    since tool messages hold text only). Reasoning blocks are not sent back.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        results = [block for block in message.content if isinstance(block, ToolResultBlock)]
        rest = [block for block in message.content if not isinstance(block, ToolResultBlock | ReasoningBlock)]
        if message.role == "assistant":
            out.append(_assistant_message(rest))
            out.extend(_tool_messages(results))
            continue
        out.extend(_tool_messages(results))
        if rest or not results:
            role = "user" if message.role == "tool" else message.role
            out.append({"role": role, "content": _content(rest)})
    return out


def _assistant_message(blocks: Sequence[ContentBlock]) -> dict[str, Any]:
    calls = [block for block in blocks if isinstance(block, ToolUseBlock)]
    # Chat Completions assistant messages hold text only; media an assistant produced is not sent back.
    texts = [_part(block)["text"] for block in blocks if isinstance(block, TextBlock | CodeBlock | JsonBlock)]
    message: dict[str, Any] = {"role": "assistant", "content": "\n".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = [
            {
                "id": call.tool_use_id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.input)},
            }
            for call in calls
        ]
    return message


def _tool_messages(results: list[ToolResultBlock]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    media: list[dict[str, Any]] = []
    for result in results:
        texts: list[str] = []
        for part in map(_part, result.content):
            if part["type"] == "text":
                texts.append(part["text"])
            else:
                media.append(part)
        text = "\n".join(texts) or "(no output)"
        if result.is_error and not text.lower().startswith("error"):
            text = f"Error: {text}"
        messages.append({"role": "tool", "tool_call_id": result.tool_use_id, "content": text})
    if media:
        names = ", ".join(dict.fromkeys(result.name for result in results))
        messages.append(
            {"role": "user", "content": [{"type": "text", "text": f"Attachments returned by {names}:"}, *media]}
        )
    return messages


def _content(blocks: Sequence[ContentBlock]) -> str | list[dict[str, Any]]:
    parts = [_part(block) for block in blocks]
    if all(part["type"] == "text" for part in parts):
        return "\n".join(part["text"] for part in parts)
    return parts


def _part(block: ContentBlock) -> dict[str, Any]:
    """One content block as a Chat Completions content part."""
    if isinstance(block, TextBlock):
        return {"type": "text", "text": block.text}
    if isinstance(block, CodeBlock):
        return {"type": "text", "text": f"```{block.language or ''}\n{block.text}\n```"}
    if isinstance(block, JsonBlock):
        return {"type": "text", "text": f"```json\n{block.text or json.dumps(block.data, indent=2)}\n```"}
    if isinstance(block, ImageBlock):
        return {"type": "image_url", "image_url": {"url": _media_url(block.source, "image")}}
    if isinstance(block, DocumentBlock):
        return _document_part(block)
    if isinstance(block, AudioBlock):
        return _audio_part(block)
    if isinstance(block, VideoBlock) and block.transcript:
        return {"type": "text", "text": block.transcript}
    if isinstance(block, ToolUseBlock):
        raise ModelError(f"tool call {block.name!r} ({block.tool_use_id}) is in a non-assistant message")
    raise ModelError(f"Chat Completions cannot send a {block.type} block: {block!r:.120}")


def _media_url(source: MediaSource, kind: str) -> str:
    if source.type == "url" and source.url:
        return source.url
    if source.type == "base64" and source.data:
        if not source.media_type:
            raise ModelError(f"the {kind} has base64 data but no media_type; set source.media_type (e.g. image/png)")
        return f"data:{source.media_type};base64,{source.data}"
    raise ModelError(f"Chat Completions cannot send a {kind} given as {source.type!r}; use a URL or base64 data")


def _document_part(block: DocumentBlock) -> dict[str, Any]:
    source = block.source
    file: dict[str, Any]
    if source.type == "file_id" and source.file_id:
        file = {"file_id": source.file_id}
    elif source.type == "base64" and source.data:
        file = {"file_data": _media_url(source, "document"), "filename": block.title or "document"}
    else:
        raise ModelError("Chat Completions cannot fetch a document by URL; pass it as base64 data or a file id")
    return {"type": "file", "file": file}


_AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3"}


def _audio_part(block: AudioBlock) -> dict[str, Any]:
    source = block.source
    audio_format = _AUDIO_FORMATS.get(source.media_type or "")
    if source.type == "base64" and source.data and audio_format:
        return {"type": "input_audio", "input_audio": {"data": source.data, "format": audio_format}}
    if block.transcript:
        return {"type": "text", "text": block.transcript}
    raise ModelError("Chat Completions accepts audio only as base64 wav or mp3 data (or pass a transcript)")


def _request_options(options: dict[str, Any], model: str) -> dict[str, Any]:
    """Generation options as request fields: `max_tokens` under the name the model family expects,
    shorthands for `response_format` and `tool_choice` expanded, anything else passed through."""
    body = dict(options)
    if "max_tokens" in body and _MAX_COMPLETION_TOKENS_MODELS.match(canonical_model_id(model)):
        body["max_completion_tokens"] = body.pop("max_tokens")
    if "response_format" in body:
        body["response_format"] = _response_format(body["response_format"])
    choice = body.get("tool_choice")
    if isinstance(choice, str) and choice not in _TOOL_CHOICE_KEYWORDS:
        body["tool_choice"] = {"type": "function", "function": {"name": choice}}
    return body


def native_response_format(output: OutputRequest) -> dict[str, Any]:
    """Structured output as OpenAI's `response_format`: the schema in its strict form with
    `strict: true` (see `strict_schema.py`), or as it is with `strict: false` when it has no strict
    form (the model is then only guided by the schema; the engine validates the answer either way)."""
    try:
        schema, strict = strict_json_schema(output.json_schema), True
    except StrictSchemaError:
        schema, strict = output.json_schema, False
    return {"type": "json_schema", "json_schema": {"name": output.name, "schema": schema, "strict": strict}}


def _response_format(value: Any) -> Any:
    """`{"type": "json"}`, `{"type": "json_schema", "schema": ..., "name": ...}` or a pydantic model
    class, as OpenAI's `response_format`; OpenAI's own shapes pass unchanged."""
    if inspect.isclass(value) and issubclass(value, pydantic.BaseModel):
        return {"type": "json_schema", "json_schema": {"name": value.__name__, "schema": value.model_json_schema()}}
    shape = json_object(value)
    if shape is not None:
        if shape.get("type") == "json":
            return {"type": "json_object"}
        if shape.get("type") == "json_schema" and "schema" in shape:
            schema = {"name": shape.get("name", "response"), "schema": shape["schema"]}
            if "strict" in shape:
                schema["strict"] = shape["strict"]
            return {"type": "json_schema", "json_schema": schema}
    return value
