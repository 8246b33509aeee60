"""The Gemini adapter: `generateContent` through the official `google-genai` SDK, always streamed.

Like the OpenAI adapter, it builds the request body in the wire format itself and reads the
server-sent events of the response itself (see `agentick/models/sse.py` for why), while the SDK's
API client builds the URL and headers (API key, version, user agent), applies its retry policy and
raises its `APIError`s for HTTP failures. Every SDK client gets an `httpx2.AsyncClient` of ours,
opened per event loop and closed in it (`clients.py`), so requests work under trio too (the SDK's
own client looks up the asyncio loop) and nothing is left for the garbage collector.

Gemini's schema dialect for function declarations and `responseSchema` is a subset of OpenAPI 3.0
(`gemini_schema` converts JSON Schema to it); function calls come whole (never as argument
fragments) and without ids, so calls get ids here and are matched back by name and order.
"""

from __future__ import annotations

import functools
import json
import os
import ssl
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import anyio
import certifi
import httpx2
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types as genai_types

from ...errors import ModelError
from ...schema import json_array, json_object
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
from ..http import close_body, connection_failure
from ..sdk_model import SdkModel
from ..sse import EventDecoder
from ..status import is_context_overflow, provider_error, retry_after

__all__ = ["GeminiModel", "gemini_contents", "gemini_schema", "gemini_tool"]

DEFAULT_MODEL = "gemini-2.5-flash"
GEMINI_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"  # thinking, thought signatures and structured output are all served here
PROVIDER = "gemini"

# Gemini's finish reasons in agentick's vocabulary (the OpenAI adapter's: "stop", "max_tokens",
# "content_filter", "tool_use"); any other reason is reported lowercased ("malformed_function_call", "other").
FINISH_REASONS = {
    "STOP": "stop",
    "MAX_TOKENS": "max_tokens",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
    "IMAGE_PROHIBITED_CONTENT": "content_filter",
    "IMAGE_RECITATION": "content_filter",
}

# Generation options under their Gemini names (`generationConfig` fields); see `_generation_config`.
_GENERATION_OPTIONS = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "max_tokens": "maxOutputTokens",
    "max_output_tokens": "maxOutputTokens",
    "stop": "stopSequences",
    "seed": "seed",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "candidate_count": "candidateCount",
    "response_mime_type": "responseMimeType",
    "response_modalities": "responseModalities",
}
_THINKING_OPTIONS = {
    "thinking_budget": "thinkingBudget",
    "thinking_level": "thinkingLevel",
    "include_thoughts": "includeThoughts",
}
# Top-level request fields.
_REQUEST_OPTIONS = {"safety_settings": "safetySettings", "cached_content": "cachedContent", "labels": "labels"}
_TOOL_CHOICE_MODES = {"auto": "AUTO", "none": "NONE", "required": "ANY", "any": "ANY"}


@dataclass(frozen=True, slots=True)
class _Connection:
    """One event loop's SDK client and the HTTP clients it was given (which the SDK never closes)."""

    client: genai.Client
    http: httpx2.AsyncClient
    sync_http: httpx2.Client


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every client (loading the CA bundle takes ~25 ms), honouring
    `SSL_CERT_FILE`/`SSL_CERT_DIR` as the SDK does."""
    return ssl.create_default_context(
        cafile=os.environ.get("SSL_CERT_FILE", certifi.where()), capath=os.environ.get("SSL_CERT_DIR")
    )


class GeminiModel(SdkModel[genai.Client, _Connection]):
    """A Gemini model through `google.genai.Client`, streamed, with function calling, images and usage.

    It is also a component: `<flash temperature={0.2} />` selects it for the tick with those options
    (tree options win over the defaults given here). `api_key` defaults to `GEMINI_API_KEY`, then
    `GOOGLE_API_KEY`; `base_url` to `GOOGLE_GEMINI_BASE_URL`, then Google's endpoint. The SDK client
    is created on the first request (so a missing key fails the first call, not the import of an
    agent) and reused; an event loop gets a client of its own, closed inside its loop when the loop
    ends, at `aclose()`, or when the model is collected (see `clients.py`). A `client` passed in (a
    `genai.Client`, for Vertex AI say) is used as it is and never closed here. `timeout` bounds the
    connection and each read, in seconds; `max_retries` is the SDK's retry budget (with backoff)
    for 408, 429, 5xx and connection failures. `context_window` and `max_output_tokens` override the catalog.
    """

    provider = PROVIDER
    provider_name = "Gemini"
    api_key_envs = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
    base_url_env = "GOOGLE_GEMINI_BASE_URL"
    default_base_url = GEMINI_BASE_URL
    key_hint = "create one at https://aistudio.google.com/apikey"
    compatible_servers = False

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        client: genai.Client | None = None,
        timeout: float | None = 600.0,
        max_retries: int = 2,
        context_window: int | None = None,
        max_output_tokens: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(
            model,
            api_key=api_key,
            base_url=(client._api_client._http_options.base_url or GEMINI_BASE_URL) if client is not None else base_url,
            client=client,
            timeout=timeout,
            max_retries=max_retries,
            context_window=context_window,
            max_output_tokens=max_output_tokens,
            options=options,
        )

    # --- client ------------------------------------------------------------------------------------

    def _new_client(self) -> _Connection:
        api_key = self._api_key()
        context = _ssl_context()
        http = httpx2.AsyncClient(verify=context, follow_redirects=True)
        sync_http = httpx2.Client(verify=context, follow_redirects=True)
        retry = genai_types.HttpRetryOptions(attempts=self.max_retries + 1) if self.max_retries > 0 else None
        options = genai_types.HttpOptions(
            base_url=self.base_url,
            api_version=API_VERSION,
            timeout=None if self.timeout is None else max(1, round(self.timeout * 1000)),
            retry_options=retry,
            httpx_async_client=http,
            httpx_client=sync_http,
            async_client_args={"ssl": context},  # else the SDK loads the CA bundle again for websockets
        )
        return _Connection(genai.Client(api_key=api_key, http_options=options), http, sync_http)

    @staticmethod
    async def _close_client(opened: _Connection) -> None:
        await opened.http.aclose()
        opened.sync_http.close()

    @staticmethod
    def _sdk_client(opened: _Connection) -> genai.Client:
        return opened.client

    # --- streaming ---------------------------------------------------------------------------------

    async def stream(self, model_input: ModelInput) -> AsyncIterator[StreamDelta]:
        """Stream one response as deltas: message start (with the model version that answered),
        reasoning (thought summaries, when `include_thoughts` is set), text, whole tool calls, then
        usage and the stop reason once the server has finished.

        The body is read here rather than through the SDK's stream, a stack of async generators
        that are left to the garbage collector when the stream is abandoned (see `sse.py`)."""
        model, body = self._request(model_input)
        lease = None if self._client is not None else self._clients.acquire()
        try:
            client = lease.client.client if lease is not None else self.client()
            response = await self._post(client, model, body)
            chunks = _ChunkMapper(model)
            events = EventDecoder()
            stream = response.aiter_bytes()
            try:
                async for data in stream:
                    for event in events.feed(data):
                        for delta in chunks.feed(_chunk(event, response)):
                            yield delta
                for event in events.flush():
                    for delta in chunks.feed(_chunk(event, response)):
                        yield delta
            except Exception as exc:
                error = self._model_error(exc, model, streaming=True)
                if error is None:
                    raise
                raise error from exc
            finally:
                await close_body(response, stream)
        finally:
            if lease is not None:
                await lease.release()
        for delta in self._finish(chunks, model):
            yield delta

    def _finish(self, chunks: _ChunkMapper, model: str) -> list[StreamDelta]:
        where = f"Gemini model {model!r} at {self.base_url}"
        if chunks.finish_reason is None:
            raise provider_error(
                f"The response stream of {where} ended before the model finished (no finishReason): the "
                "connection was probably cut. Try the request again.",
                provider=PROVIDER,
                model=model,
            )
        if chunks.finish_reason == "MALFORMED_FUNCTION_CALL":
            raise provider_error(
                f"{where} generated a function call it could not complete ({chunks.finish_message or 'no details'}). "
                "Try the request again; if it keeps failing, simplify the tool's input schema.",
                provider=PROVIDER,
                model=model,
            )
        return chunks.finish()

    async def _post(self, client: genai.Client, model: str, body: dict[str, Any]) -> httpx2.Response:
        """Send the request through the SDK's API client; the streamed HTTP response once its
        status is known to be a success (the SDK raises its `APIError` otherwise)."""
        api = client._api_client
        path = f"{_model_path(model, vertex=bool(api.vertexai))}:streamGenerateContent?alt=sse"
        try:
            request = api._build_request("post", path, body)
            response = await api._async_request(request, stream=True)
        except Exception as exc:
            error = self._model_error(exc, model, streaming=False)
            if error is None:
                raise
            raise error from exc
        http_response: httpx2.Response = response.response_stream  # type: ignore[assignment]
        return http_response

    # --- request -----------------------------------------------------------------------------------

    def _request(self, model_input: ModelInput) -> tuple[str, dict[str, Any]]:
        """The model to call and the `generateContent` request body."""
        options = {key: value for key, value in {**self.options, **model_input.options}.items() if value is not None}
        model = options.pop("model", None)
        if not isinstance(model, str):  # the tree may name another model of the same provider
            model = self.metadata.id
        try:
            return model, _request_body(model_input, options)
        except ModelError as error:  # input Gemini cannot take (a block, a schema, an option): not a provider failure
            error.provider, error.model = PROVIDER, model
            raise

    # --- errors ------------------------------------------------------------------------------------

    def _model_error(self, exc: Exception, model: str, *, streaming: bool) -> ModelError | None:
        """A `ModelError` subclass saying what failed and what to do, or `None` for errors that are not the server's."""
        where = f"Gemini model {model!r} at {self.base_url}"
        retried = f" (after {self.max_retries} retries)" if self.max_retries and not streaming else ""
        named: dict[str, Any] = {"provider": PROVIDER, "model": model}
        if isinstance(exc, genai_errors.APIError):
            return _api_error(exc, where, retried, streaming, named)
        if isinstance(exc, httpx2.TimeoutException):
            return provider_error(
                f"{where} did not answer within the {self.timeout}s timeout{retried}. "
                "Raise timeout=... (or max_retries=...) or try again later.",
                **named,
                timeout=True,
            )
        if isinstance(exc, httpx2.TransportError | ssl.SSLError | anyio.EndOfStream | anyio.BrokenResourceError):
            reason = connection_failure(_with_cause(exc))
            if streaming:
                message = (
                    f"The response stream of {where} was cut off before the model finished{reason}. "
                    "Try the request again."
                )
            else:
                message = (
                    f"Cannot connect to {where}{reason}{retried}. "
                    "Check the network and that base_url=... (or GOOGLE_GEMINI_BASE_URL) is right."
                )
            return provider_error(message, **named)
        if isinstance(exc, json.JSONDecodeError):
            return provider_error(
                f"{where} sent malformed JSON in its response stream ({exc.msg}: {exc.doc[:80]!r}). "
                "The server does not speak the Gemini streaming protocol correctly.",
                **named,
            )
        return None


def _request_body(model_input: ModelInput, options: dict[str, Any]) -> dict[str, Any]:
    """The `generateContent` request body for `model_input`, with `options` (the model popped)."""
    system, contents = gemini_contents(model_input.messages)
    body: dict[str, Any] = {"contents": contents}
    if system is not None:
        body["systemInstruction"] = system
    if model_input.tools:
        body["tools"] = [{"functionDeclarations": [gemini_tool(tool) for tool in model_input.tools]}]
    choice = options.pop("tool_choice", None)
    if choice is not None:
        body["toolConfig"] = _tool_config(choice)
    for option, field in _REQUEST_OPTIONS.items():
        if option in options:
            body[field] = options.pop(option)
    config = _generation_config(options, model_input.output)
    if config:
        body["generationConfig"] = config
    return body


def _with_cause(exc: BaseException) -> BaseException:
    """`exc` under a stand-in, so `connection_failure` (which starts at the cause) reads `exc` itself."""
    holder = Exception()
    holder.__cause__ = exc
    return holder


def _api_error(
    exc: genai_errors.APIError, where: str, retried: str, streaming: bool, named: dict[str, Any]
) -> ModelError:
    """The subclass for an HTTP error (or an error event in the stream) Google reported."""
    status = exc.code if isinstance(exc.code, int) else None
    body = _error_body(exc)
    message = (exc.message or str(exc)).rstrip(".")
    code_name = exc.status or "UNKNOWN"
    if streaming:
        head = f"{where} reported an error in its response stream ({status} {code_name}): {message}."
    else:
        head = f"{where} failed with HTTP {status} {code_name}: {message}."
    reasons = _error_reasons(body)
    # Google names the failure (its canonical status, an ErrorInfo reason) where the HTTP status may
    # not say it: an invalid key comes as 400 INVALID_ARGUMENT with reason API_KEY_INVALID.
    denied = status == 403 or code_name == "PERMISSION_DENIED"
    authentication = denied or status == 401 or code_name == "UNAUTHENTICATED" or "API_KEY_INVALID" in reasons
    rate_limited = status == 429 or code_name == "RESOURCE_EXHAUSTED"
    timeout = status in (408, 504) or code_name == "DEADLINE_EXCEEDED"
    overflow = is_context_overflow(None, message)
    wait = _retry_delay(body) if rate_limited else None
    if wait is None and rate_limited:
        wait = retry_after(_error_headers(exc))
    if timeout:
        hint = f"The request took too long{retried}; try again, or shorten the request."
    elif authentication and denied:
        hint = "The API key may not use this model or API; check its project and that the API is enabled."
    elif authentication:
        hint = "Check GEMINI_API_KEY (or GOOGLE_API_KEY), or pass api_key=...."
    elif rate_limited:
        suggested = f" Google suggests waiting {wait:g}s." if wait is not None else ""
        hint = (
            f"Rate limited or out of quota{retried}:{suggested} send fewer requests, raise max_retries=..., "
            "or check the project's quota."
        )
    elif overflow:
        hint = (
            "The request is longer than the model's context window: give <Timeline> a max_tokens budget "
            "or pick a model with a larger window."
        )
    elif status == 404:
        hint = "Check the model name and the server URL (base_url=... or GOOGLE_GEMINI_BASE_URL)."
    elif status is not None and status >= 500:
        hint = f"The server failed{retried}; try again later or raise max_retries=...."
    elif streaming:
        hint = "Try the request again."
    else:
        hint = "The server rejected the request; check the model options, tools and messages."
    return provider_error(
        f"{head} {hint}",
        **named,
        status_code=status,
        body=body,
        wait=wait,
        context_overflow=overflow,
        timeout=timeout,
        authentication=authentication,
        rate_limited=rate_limited,
    )


# google-genai annotates its errors' `details` and `response` with `httpx.Response`, and httpx is not
# installed (the SDK runs on httpx2 here), so type checkers see those attributes as partly unknown.


def _error_body(exc: genai_errors.APIError) -> Any:
    """The JSON error body Google sent with `exc`."""
    return cast(Any, exc.details)  # pyright: ignore[reportUnknownMemberType]  # httpx-typed in the SDK (above)


def _error_details(body: Any) -> list[dict[str, Any]]:
    """The `details` objects of a Google error body (`{"error": {"details": [...]}}`, or the error itself)."""
    envelope = json_object(body)
    error = json_object(envelope.get("error", envelope)) if envelope is not None else None
    details = error.get("details") if error is not None else None
    return [detail for detail in map(json_object, details or ()) if detail is not None]


def _error_reasons(body: Any) -> set[str]:
    """The `ErrorInfo.reason`s of a Google error body (`API_KEY_INVALID`, ...)."""
    return {detail["reason"] for detail in _error_details(body) if isinstance(detail.get("reason"), str)}


def _retry_delay(body: Any) -> float | None:
    """The wait Google asks for in the error details: `RetryInfo.retryDelay` ("37s")."""
    for detail in _error_details(body):
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = detail.get("retryDelay")
            if isinstance(delay, str) and delay.endswith("s"):
                try:
                    return float(delay[:-1])
                except ValueError:
                    pass
    return None


def _error_headers(exc: genai_errors.APIError) -> Any:
    """The headers of the HTTP response `exc` came with, if any."""
    return getattr(exc.response, "headers", None)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]  # httpx-typed in the SDK


def _model_path(model: str, *, vertex: bool) -> str:
    if model.startswith(("models/", "tunedModels/", "publishers/", "projects/")):
        return model
    return f"publishers/google/models/{model}" if vertex else f"models/{model}"


def _chunk(event: str, response: httpx2.Response) -> dict[str, Any]:
    """One streamed event as a `GenerateContentResponse` dict; an error event raises the SDK's
    `APIError` (`ClientError`/`ServerError`), as the SDK's own stream does."""
    chunk = json_object(json.loads(event))
    if chunk is None:
        raise json.JSONDecodeError("a stream event is not a JSON object", event, 0)
    error = json_object(chunk.get("error"))
    if error is not None:
        code = error.get("code")
        genai_errors.APIError.raise_error(  # pyright: ignore[reportUnknownMemberType]  # httpx-typed in the SDK
            code if isinstance(code, int) else 500, chunk, response
        )
    return chunk


# --- streaming chunks ----------------------------------------------------------------------------------


class _ChunkMapper:
    """Turns one stream's `GenerateContentResponse` chunks into deltas. One per stream.

    Only the first candidate is used. Thought parts become reasoning (index 0); a thought signature
    on a text part joins that reasoning block (a signature-only block when thoughts are not
    included), and one on a function call goes into the call's `provider_data`. Each function call
    is complete in its part and gets an id (the server's, if it sent one, else one made from the
    response id and its position). Usage is cumulative, so the last one seen is reported, at the end.
    """

    __slots__ = ("_calls", "_prefix", "finish_message", "finish_reason", "model", "started", "usage")

    def __init__(self, model: str) -> None:
        self.model = model
        self.started = False
        self.finish_reason: str | None = None
        self.finish_message: str | None = None
        self.usage: dict[str, Any] | None = None
        self._calls = 0
        self._prefix: str | None = None

    def feed(self, chunk: dict[str, Any]) -> list[StreamDelta]:
        deltas: list[StreamDelta] = []
        if not self.started:
            self.started = True
            deltas.append(MessageStartDelta(model=chunk.get("modelVersion") or self.model))
        if self._prefix is None:
            response_id = chunk.get("responseId")
            self._prefix = response_id if isinstance(response_id, str) and response_id else uuid.uuid4().hex[:16]
        candidates = chunk.get("candidates") or ()
        candidate = json_object(candidates[0]) if candidates else None
        if candidate is not None:
            content: dict[str, Any] = candidate.get("content") or {}
            for part in map(json_object, content.get("parts") or ()):
                if part is not None:
                    deltas.extend(self._part(part))
            finish_reason = candidate.get("finishReason")
            if finish_reason:
                self.finish_reason = finish_reason
                self.finish_message = candidate.get("finishMessage")
        feedback = json_object(chunk.get("promptFeedback"))
        if feedback is not None and feedback.get("blockReason") and self.finish_reason is None:
            self.finish_reason = "SAFETY"  # the prompt itself was blocked: no candidates at all
        usage = json_object(chunk.get("usageMetadata"))
        if usage is not None:
            self.usage = usage
        return deltas

    def _part(self, part: dict[str, Any]) -> list[StreamDelta]:
        signature = part.get("thoughtSignature") or None
        call = json_object(part.get("functionCall"))
        if call is not None:
            return [self._call(call, signature)]
        text = part.get("text") or ""
        if part.get("thought"):
            return [ReasoningDelta(text=text, signature=signature, provider=PROVIDER)]
        deltas: list[StreamDelta] = [TextDelta(text=text)] if text else []
        if signature:  # kept with the reasoning block and resent on the text part (see `_model_parts`)
            deltas.append(ReasoningDelta(text="", signature=signature, provider=PROVIDER))
        return deltas

    def _call(self, call: dict[str, Any], signature: str | None) -> ToolCallDelta:
        index, self._calls = self._calls, self._calls + 1
        data: dict[str, Any] = {}
        if signature:
            data["thought_signature"] = signature
        server_id = call.get("id")
        if server_id:
            data["id"] = server_id
        args = call.get("args")
        return ToolCallDelta(
            index=index,
            id=server_id or f"call_{self._prefix}_{index}",
            name=call.get("name") or None,
            arguments=json.dumps(args if args is not None else {}),
            provider_data={PROVIDER: data} if data else None,
        )

    def finish(self) -> list[StreamDelta]:
        deltas: list[StreamDelta] = []
        usage = self.usage
        if usage is not None:
            prompt = (usage.get("promptTokenCount") or 0) + (usage.get("toolUsePromptTokenCount") or 0)
            output = (usage.get("candidatesTokenCount") or 0) + (usage.get("thoughtsTokenCount") or 0)
            deltas.append(
                UsageDelta(
                    input_tokens=prompt,
                    output_tokens=output,
                    cache_read_tokens=usage.get("cachedContentTokenCount") or 0,
                )
            )
        reason = self.finish_reason or "STOP"
        if reason == "STOP" and self._calls:
            deltas.append(StopDelta(reason="tool_use"))
        else:
            deltas.append(StopDelta(reason=FINISH_REASONS.get(reason, reason.lower())))
        return deltas


# --- request mapping -----------------------------------------------------------------------------------


def gemini_tool(tool: ToolDefinition) -> dict[str, Any]:
    """A tool definition as a Gemini function declaration (its input schema in Gemini's dialect).

    A tool without parameters has no `parameters` at all: Gemini rejects an object schema without properties."""
    declaration: dict[str, Any] = {"name": tool.name}
    if tool.description:
        declaration["description"] = tool.description
    parameters = gemini_schema(tool.input_schema)
    if parameters.get("properties"):
        declaration["parameters"] = parameters
    return declaration


def gemini_contents(messages: Iterable[Message]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Messages as Gemini's `systemInstruction` and `contents`.

    The leading system messages become the system instruction; a system message later in the
    conversation is sent as user text (Gemini has no system turns). Assistant messages are `model`
    turns: their text (with the response's thought signature), then their function calls (each with
    its own signature, and the server's id if it gave one). Tool results become `functionResponse`
    parts of the next `user` turn, in call order, so the responses to parallel calls travel together;
    consecutive turns of one role are merged, as Gemini expects turns to alternate. Reasoning text
    is not sent back, and only this provider's signatures are.
    """
    messages = list(messages)
    calls = {
        block.tool_use_id: block for message in messages for block in message.content if isinstance(block, ToolUseBlock)
    }
    system: list[dict[str, Any]] = []
    contents: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "system" and not contents:
            system.extend(_user_parts(message.content, calls))
            continue
        if message.role == "assistant":
            role, parts = "model", _model_parts(message.content)
        else:
            role, parts = "user", _user_parts(message.content, calls)
        if not parts:
            continue
        if contents and contents[-1]["role"] == role:
            contents[-1]["parts"].extend(parts)
        else:
            contents.append({"role": role, "parts": parts})
    return ({"parts": system} if system else None), contents


def _model_parts(blocks: Sequence[ContentBlock]) -> list[dict[str, Any]]:
    signature = None
    for block in blocks:
        if isinstance(block, ReasoningBlock) and block.provider == PROVIDER and block.signature:
            signature = block.signature
    parts: list[dict[str, Any]] = []
    texts = [_text(block) for block in blocks if isinstance(block, TextBlock | CodeBlock | JsonBlock)]
    if texts:
        text: dict[str, Any] = {"text": "\n".join(texts)}
        if signature:
            text["thoughtSignature"] = signature
        parts.append(text)
    parts.extend(_part(block) for block in blocks if isinstance(block, ImageBlock))
    for block in blocks:
        if isinstance(block, ToolUseBlock):
            data = _call_data(block)
            call: dict[str, Any] = {"name": block.name, "args": block.input}
            if data.get("id"):
                call["id"] = data["id"]
            part: dict[str, Any] = {"functionCall": call}
            if data.get("thought_signature"):
                part["thoughtSignature"] = data["thought_signature"]
            parts.append(part)
    return parts


def _user_parts(blocks: Sequence[ContentBlock], calls: dict[str, ToolUseBlock]) -> list[dict[str, Any]]:
    results = [block for block in blocks if isinstance(block, ToolResultBlock)]
    parts: list[dict[str, Any]] = []
    attachments: list[dict[str, Any]] = []
    for result in results:
        response, media = _function_response(result, calls.get(result.tool_use_id))
        parts.append(response)
        attachments.extend(media)
    if attachments:
        names = ", ".join(dict.fromkeys(result.name for result in results))
        parts.append({"text": f"Attachments returned by {names}:"})
        parts.extend(attachments)
    for block in blocks:
        if isinstance(block, ToolUseBlock):
            raise ModelError(f"tool call {block.name!r} ({block.tool_use_id}) is in a non-assistant message")
        if not isinstance(block, ToolResultBlock | ReasoningBlock):
            parts.append(_part(block))
    return parts


def _call_data(call: ToolUseBlock | None) -> dict[str, Any]:
    """What this adapter kept on a tool call (`provider_data["gemini"]`: the server's id, the thought signature)."""
    if call is None or not call.provider_data:
        return {}
    data: dict[str, Any] = call.provider_data.get(PROVIDER) or {}
    return data


def _function_response(
    result: ToolResultBlock, call: ToolUseBlock | None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A tool result as a `functionResponse` part (`{"result": ...}`, or `{"error": ...}`), and its media."""
    texts: list[str] = []
    media: list[dict[str, Any]] = []
    for block in result.content:
        if isinstance(block, TextBlock | CodeBlock | JsonBlock):
            texts.append(_text(block))
        else:
            media.append(_part(block))
    only = result.content[0] if len(result.content) == 1 else None
    value: Any = only.data if isinstance(only, JsonBlock) and only.data is not None else "\n".join(texts)
    response = {"error" if result.is_error else "result": value if value != "" else "(no output)"}
    function: dict[str, Any] = {"name": result.name, "response": response}
    data = _call_data(call)
    if data.get("id"):
        function["id"] = data["id"]
    return {"functionResponse": function}, media


def _text(block: TextBlock | CodeBlock | JsonBlock) -> str:
    if isinstance(block, TextBlock):
        return block.text
    if isinstance(block, CodeBlock):
        return f"```{block.language or ''}\n{block.text}\n```"
    return f"```json\n{block.text or json.dumps(block.data, indent=2)}\n```"


def _part(block: ContentBlock) -> dict[str, Any]:
    """One content block as a Gemini part: text, or media as `inlineData` (base64) or `fileData` (a URI)."""
    if isinstance(block, TextBlock | CodeBlock | JsonBlock):
        return {"text": _text(block)}
    if isinstance(block, ImageBlock | DocumentBlock | AudioBlock | VideoBlock):
        return _media_part(block.source, block.type)
    raise ModelError(f"Gemini cannot send a {block.type} block: {block!r:.120}")


def _media_part(source: MediaSource, kind: str) -> dict[str, Any]:
    if source.type == "base64" and source.data:
        if not source.media_type:
            raise ModelError(f"the {kind} has base64 data but no media_type; set source.media_type (e.g. image/png)")
        return {"inlineData": {"mimeType": source.media_type, "data": source.data}}
    uri = source.url if source.type == "url" else source.file_id
    if uri:
        file: dict[str, Any] = {"fileUri": uri}
        if source.media_type:
            file["mimeType"] = source.media_type
        return {"fileData": file}
    raise ModelError(f"the {kind} source has no data: give it a url, base64 data or a file id (a Gemini file URI)")


def _tool_config(choice: Any) -> Any:
    """`tool_choice`: "auto", "none", "required" (Gemini's ANY), or a tool's name (ANY, limited to it);
    a dict is Gemini's own `toolConfig`."""
    if not isinstance(choice, str):
        return choice
    mode = _TOOL_CHOICE_MODES.get(choice)
    if mode is not None:
        return {"functionCallingConfig": {"mode": mode}}
    return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [choice]}}


def _generation_config(options: dict[str, Any], output: OutputRequest | None) -> dict[str, Any]:
    """The `generationConfig`: known options under Gemini's names (see `_GENERATION_OPTIONS`,
    `_THINKING_OPTIONS`), `response_format` expanded, anything else passed through as given."""
    config: dict[str, Any] = {}
    thinking: dict[str, Any] = {}
    for key, value in options.items():
        if key in _GENERATION_OPTIONS:
            if key == "stop" and isinstance(value, str):
                value = [value]
            config[_GENERATION_OPTIONS[key]] = value
        elif key in _THINKING_OPTIONS:
            thinking[_THINKING_OPTIONS[key]] = value
        elif key == "thinking_config" and isinstance(value, dict):
            thinking.update(cast("dict[str, Any]", value))
        elif key == "response_format":
            config.update(_response_format(value))
        else:
            config[key] = value
    if thinking:
        config["thinkingConfig"] = thinking
    if output is not None and output.mode == "native":
        config["responseMimeType"] = "application/json"
        config["responseSchema"] = gemini_schema(output.json_schema, ordered=True)
    return config


def _response_format(value: Any) -> dict[str, Any]:
    """`{"type": "json"}`, `{"type": "json_schema", "schema": ...}` (or OpenAI's `json_schema`
    wrapper) or a pydantic model class, as `responseMimeType` and `responseSchema`."""
    schema: Any = None
    shape = json_object(value)
    if isinstance(value, type) and issubclass(value, pydantic.BaseModel):
        schema = value.model_json_schema()
    elif shape is not None and shape.get("type") == "json_schema":
        wrapper = json_object(shape.get("json_schema"))
        schema = shape.get("schema") or (wrapper.get("schema") if wrapper is not None else None)
    elif shape is not None and shape.get("type") in ("json", "json_object"):
        return {"responseMimeType": "application/json"}
    elif shape is not None and shape.get("type") == "text":
        return {}
    schema = json_object(schema)
    if schema is None:
        raise ModelError(
            f"response_format {value!r:.120} is not one Gemini can use: pass {{'type': 'json'}}, "
            "{'type': 'json_schema', 'schema': {...}} or a pydantic model class"
        )
    return {"responseMimeType": "application/json", "responseSchema": gemini_schema(schema, ordered=True)}


# --- JSON Schema to Gemini's schema ------------------------------------------------------------------

# What Gemini's `Schema` (a subset of OpenAPI 3.0) accepts; any other keyword is an error there.
_KEPT = ("description", "minItems", "maxItems", "minProperties", "maxProperties", "minLength", "maxLength")
_KEPT_NUMBERS = ("minimum", "maximum")
_STRING_FORMATS = frozenset(("date-time", "enum"))
_NUMBER_FORMATS = frozenset(("int32", "int64", "float", "double"))
_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


def gemini_schema(schema: dict[str, Any], *, ordered: bool = False) -> dict[str, Any]:
    """A JSON Schema in the dialect Gemini accepts for function parameters and `responseSchema`.

    `$ref`s are inlined from `$defs`/`definitions` (a recursive one becomes a plain object, which
    Gemini cannot express otherwise); types are upper-case, a `"null"` type or member becomes
    `nullable`; `oneOf` becomes `anyOf`, `allOf` is merged, `const` becomes a one-value `enum`;
    `enum`s of non-strings and formats Gemini rejects move into the description; keywords Gemini
    rejects (`additionalProperties`, `title`, `default`, `examples`, `exclusiveMinimum`, `$schema`,
    ...) are dropped. `ordered` adds `propertyOrdering`, so JSON output keeps the declared order.
    """
    definitions: dict[str, Any] = {**(schema.get("definitions") or {}), **(schema.get("$defs") or {})}
    return _SchemaConverter(definitions, ordered).convert(schema, ())


class _SchemaConverter:
    __slots__ = ("definitions", "ordered")

    def __init__(self, definitions: dict[str, Any], ordered: bool) -> None:
        self.definitions = definitions
        self.ordered = ordered

    def convert(self, node: Any, seen: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(node, dict):
            return {}
        node, seen = self._resolve(cast("dict[str, Any]", node), seen)
        if "$recursive" in node:
            return {"type": "OBJECT", "description": node["$recursive"]}
        out: dict[str, Any] = {}
        notes: list[str] = []
        variants = json_array(node.get("anyOf") or node.get("oneOf"))
        if variants is not None:
            members = [variant for variant in variants if not _is_null(variant)]
            if len(members) < len(variants):
                out["nullable"] = True
            if len(members) == 1:
                member, member_seen = self._resolve(members[0], seen)
                rest = {key: value for key, value in node.items() if key not in ("anyOf", "oneOf")}
                return {**self.convert({**member, **rest}, member_seen), **out}
            out["anyOf"] = [self.convert(member, seen) for member in members]
        schema_type = node.get("type")
        listed = json_array(schema_type)
        types = listed if listed is not None else [schema_type] if schema_type else []
        if "null" in types:
            out["nullable"] = True
        named = [t for t in types if t in _TYPES]
        if len(named) == 1:
            out["type"] = named[0].upper()
        elif len(named) > 1:
            rest = {k: v for k, v in node.items() if k != "type"}
            out["anyOf"] = [self.convert({**rest, "type": t}, seen) for t in named]
        if "const" in node:
            node = {**node, "enum": [node["const"]]}
        enum = json_array(node.get("enum"))
        if enum is not None:
            values = [value for value in enum if value is not None]
            if len(values) < len(enum):
                out["nullable"] = True
            if all(isinstance(value, str) for value in values):
                out.update(type="STRING", enum=values)
            else:
                notes.append("Allowed values: " + ", ".join(json.dumps(value) for value in values))
        for key in _KEPT:
            if key in node:
                out[key] = node[key]
        for key in _KEPT_NUMBERS:
            if isinstance(node.get(key), int | float):
                out[key] = node[key]
        if isinstance(node.get("pattern"), str):
            out["pattern"] = node["pattern"]
        schema_format = node.get("format")
        if isinstance(schema_format, str):
            allowed = _NUMBER_FORMATS if out.get("type") in ("NUMBER", "INTEGER") else _STRING_FORMATS
            if schema_format in allowed:
                out["format"] = schema_format
            else:
                notes.append(f"Format: {schema_format}")
        properties = json_object(node.get("properties"))
        if properties is not None:
            out.setdefault("type", "OBJECT")
            out["properties"] = {name: self.convert(value, seen) for name, value in properties.items()}
            required = [name for name in node.get("required") or () if name in properties]
            if required:
                out["required"] = required
            if self.ordered and len(properties) > 1:
                out["propertyOrdering"] = list(properties)
        if "items" in node:
            out.setdefault("type", "ARRAY")
            out["items"] = self.convert(node["items"], seen)
        for part in node.get("allOf") or ():
            out = _merge(out, self.convert(part, seen))
        if notes:
            description = out.get("description")
            out["description"] = " ".join([description, *notes] if description else notes)
        return out

    def _resolve(self, node: dict[str, Any], seen: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        """`node` with its `$ref` replaced by the definition (its own keywords win); a reference to a
        definition already being expanded is marked `$recursive`."""
        while isinstance(node.get("$ref"), str):
            name = node["$ref"].rsplit("/", 1)[-1]
            definition = self.definitions.get(name)
            if definition is None:
                raise ModelError(f"the tool schema refers to {node['$ref']!r}, which it does not define")
            rest = {key: value for key, value in node.items() if key != "$ref"}
            if name in seen:
                note = rest.get("description") or definition.get("description") or ""
                return {"$recursive": f"{note} (a {name} object)".strip()}, seen
            node, seen = {**definition, **rest}, (*seen, name)
        return node, seen


def _is_null(node: Any) -> bool:
    fields = json_object(node)
    return fields is not None and fields.get("type") == "null" and len(fields) == 1


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`allOf` members folded into one schema: properties and required names united, the rest overwritten."""
    merged = {**base, **{key: value for key, value in extra.items() if key not in ("properties", "required")}}
    if "properties" in base or "properties" in extra:
        merged["properties"] = {**base.get("properties", {}), **extra.get("properties", {})}
    required = [*base.get("required", ()), *extra.get("required", ())]
    if required:
        merged["required"] = list(dict.fromkeys(required))
    return merged
