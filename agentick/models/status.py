"""Which `ModelError` subclass a provider failure is: one rule for every adapter (API.md §13).

Adapters word their own messages (what failed, where, what to do); this module only sorts the
failure by what a caller can do about it: 401/403 `AuthenticationError`, 408 and 504
`ModelTimeoutError`, 429 `RateLimitError` (with the wait the provider asked for), a context-window
overflow `ContextLengthError`, anything else `ProviderError`.

A 504 (Gateway Timeout; Google's `DEADLINE_EXCEEDED`, Anthropic's `timeout_error`) is the server
saying the request ran out of time, as a client-side timeout or a 408 does, so it is a
`ModelTimeoutError` for every provider: the caller's remedy (retry, shorten the request, raise the
timeout) is the same.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from ..errors import (
    AuthenticationError,
    ContextLengthError,
    ModelError,
    ModelTimeoutError,
    ProviderError,
    RateLimitError,
)

__all__ = ["is_context_overflow", "provider_error", "retry_after"]

# How OpenAI ("maximum context length", code context_length_exceeded), Anthropic ("prompt is too
# long"; "input length and `max_tokens` exceed context limit") and Gemini ("The input token count
# (...) exceeds the maximum number of tokens allowed") say a request does not fit.
_CONTEXT_OVERFLOW = re.compile(
    r"context[_ ]length[_ ]exceeded|maximum context length|context window|prompt is too long"
    r"|exceed context limit|input token count.*exceeds the maximum|exceeds the maximum number of tokens",
    re.IGNORECASE,
)


def is_context_overflow(code: object, message: object) -> bool:
    """Whether a provider's error code or message says the request is longer than the context window."""
    return code == "context_length_exceeded" or (isinstance(message, str) and bool(_CONTEXT_OVERFLOW.search(message)))


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """The wait in seconds a response asked for: `retry-after-ms` (OpenAI's), else `retry-after` as
    seconds or as an HTTP date; `None` when neither is there or readable."""
    if not headers:
        return None
    lowered = {name.lower(): value for name, value in headers.items()}
    milliseconds = _number(lowered.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = lowered.get("retry-after")
    seconds = _number(value)
    if seconds is not None or value is None:
        return seconds
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _number(value: str | None) -> float | None:
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and number >= 0 else None


def provider_error(
    message: str,
    *,
    provider: str,
    model: str,
    status_code: int | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    wait: float | None = None,
    context_overflow: bool = False,
    timeout: bool = False,
    authentication: bool = False,
    rate_limited: bool = False,
) -> ModelError:
    """The `ModelError` subclass for a failure the provider (or the way to it) reported.

    The flags are the adapter's reading of what the status code alone does not say:
    `context_overflow` (see `is_context_overflow`), `timeout` (a client-side timeout, or a
    provider's own name for one), `authentication` and `rate_limited` (a provider that reports
    them under another status or by name, as Google does). A rate limit's `retry_after` is `wait`
    when the adapter read it from the error body (Gemini's `RetryInfo`), else what `headers` ask for."""
    fields: dict[str, Any] = {"provider": provider, "model": model, "status_code": status_code, "body": body}
    if timeout or status_code in (408, 504):
        return ModelTimeoutError(message, **fields)
    if authentication or status_code in (401, 403):
        return AuthenticationError(message, **fields)
    if rate_limited or status_code == 429:
        return RateLimitError(message, **fields, retry_after=wait if wait is not None else retry_after(headers))
    if context_overflow:
        return ContextLengthError(message, **fields)
    return ProviderError(message, **fields)
