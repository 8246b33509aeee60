"""Exceptions raised by agentick. Each names what went wrong and where (component, hook, tool, file)."""

from __future__ import annotations

from typing import Any

__all__ = [
    "AbortError",
    "AgentickError",
    "AuthenticationError",
    "CompileError",
    "ComponentError",
    "ContextLengthError",
    "HookError",
    "ModelError",
    "ModelTimeoutError",
    "OutputValidationError",
    "PersistenceError",
    "ProviderError",
    "RateLimitError",
    "RetryOutput",
    "SessionBusyError",
    "SessionClosedError",
    "ToolError",
]


class AgentickError(Exception):
    """Base class of every error agentick raises itself."""


class HookError(AgentickError):
    """A hook was used against the rules: outside a render, or in a different order than last time."""


class ComponentError(AgentickError):
    """A component raised while rendering, or one of its effects raised.

    The original exception is the `__cause__`; `component` is the component's name and `phase` is
    `"render"`, `"effect"` or `"cleanup"`.
    """

    def __init__(self, message: str, *, component: str, phase: str) -> None:
        super().__init__(message)
        self.component = component
        self.phase = phase


class CompileError(AgentickError):
    """The rendered tree cannot become a model request (a Section without id, an unknown role, ...)."""


class AbortError(AgentickError):
    """The execution was aborted (`handle.abort()`, `session.interrupt()`, or a parent abort)."""


class SessionClosedError(AgentickError):
    """A call was made on a closed session."""


class SessionBusyError(AgentickError):
    """The session is running elsewhere (another worker holds its lease) and did not become free in time."""


class ToolError(AgentickError):
    """A tool could not be found, validated or run outside the tick loop (for example by `dispatch`).

    Raised by a handler, it becomes an error tool result: its message, or `content` (content blocks
    or a value a handler may return) when given, so a failure can carry more than one line of text
    (an MCP server's `isError` result keeps the server's blocks).
    """

    def __init__(self, message: str, *, content: Any = None) -> None:
        super().__init__(message)
        self.content = content


class ModelError(AgentickError):
    """A model call failed: HTTP errors, timeouts, refused connections, malformed streams.

    `provider` and `model` say which model failed (an app may use several, see `models.fallback`);
    `status_code` and `body` are the provider's HTTP status and parsed error body when it answered.
    The subclasses below sort provider failures by what the caller can do about them (API.md §13).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        status_code: int | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.status_code = status_code
        self.body = body


class AuthenticationError(ModelError):
    """The provider refused the credentials (HTTP 401 or 403): fix the API key or its permissions."""


class ModelTimeoutError(ModelError):
    """The request timed out: a client-side timeout, HTTP 408, or a gateway timeout (HTTP 504)."""


class RateLimitError(ModelError):
    """The provider is rate limiting (HTTP 429). `retry_after` is its suggested wait in seconds, if it gave one."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        model: str | None = None,
        status_code: int | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, model=model, status_code=status_code, body=body)
        self.retry_after = retry_after


class ContextLengthError(ModelError):
    """The request does not fit the model's context window: trim the timeline or pick a larger model."""


class ProviderError(ModelError):
    """Any other failure the provider reported (5xx, bad requests, errors inside a stream)."""


class OutputValidationError(AgentickError):
    """The model's structured output still failed validation after `output_retries` retries (API.md §12).

    `raw` is the last answer as the model gave it (text or the `final_result` arguments as JSON) and
    `errors` the validation errors of that answer (pydantic's `errors()` list, or the `RetryOutput`
    message as one entry).
    """

    def __init__(self, message: str, *, raw: str, errors: list[Any]) -> None:
        super().__init__(message)
        self.raw = raw
        self.errors = errors


class RetryOutput(Exception):
    """Raised by a `use_output_validator` function to reject an output: the message goes back to the model."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PersistenceError(AgentickError):
    """A session snapshot could not be saved to or loaded from its store."""
