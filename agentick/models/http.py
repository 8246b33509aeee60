"""What every adapter does with the HTTP response it reads itself: close it, and say why its
connection failed.

The adapters read the server-sent events of a streamed response themselves (see `sse.py`), so
closing a half-read body and reading a transport failure are theirs to do; this module does both
once for all of them.
"""

from __future__ import annotations

import os
import socket
import ssl
import sys
from collections.abc import AsyncGenerator
from types import ModuleType
from typing import Any, Literal

import anyio

__all__ = ["BODY_CLOSE_SECONDS", "close_body", "connection_failure", "sdk_transport_error", "transport_failure"]

BODY_CLOSE_SECONDS = 1.0  # reading what a closed response had buffered takes microseconds


async def close_body(response: Any, body: AsyncGenerator[bytes, None]) -> None:
    """Close a response whose body may be partly read, and end its body iterators.

    Closing `body` half-way leaves the innermost iterator of httpx2 (`PoolByteStream.__aiter__`)
    to the garbage collector, a `ResourceWarning` under trio (pydantic/httpx2#1212). Closing the
    response first (which closes its connection) and then reading on lets every iterator end by
    itself: what was already buffered comes out, then a `ReadError`. A body read to its end ends
    at once. Shielded: this runs while an abort unwinds the request."""
    with anyio.CancelScope(shield=True):
        await response.aclose()
        with anyio.move_on_after(BODY_CLOSE_SECONDS):
            try:
                async for _ in body:
                    pass
            except Exception:  # the closed connection's ReadError, or whatever the body failed with
                pass
        await body.aclose()


def transport_failure(exc: BaseException, response: Any) -> Literal["timeout", "connection"] | None:
    """Whether `exc`, raised while reading `response`'s body, is a read timeout or a broken
    connection (as the SDKs count them: TLS and stream-end failures included); `None` for anything
    else. The HTTP library is the response's own (httpx, or httpx2)."""
    library = sys.modules[type(response).__module__.partition(".")[0]]
    if isinstance(exc, library.TimeoutException):
        return "timeout"
    if isinstance(exc, library.RequestError | ssl.SSLError | anyio.EndOfStream | anyio.BrokenResourceError):
        return "connection"
    return None


def sdk_transport_error(exc: Exception, response: Any, sdk: ModuleType) -> Exception:
    """A transport failure while reading the body as a Stainless-generated SDK (`openai`,
    `anthropic`) reports one: its `APITimeoutError` or `APIConnectionError`, caused by `exc`;
    anything else unchanged. The adapter's error mapping then treats it like the SDK's own."""
    failure = transport_failure(exc, response)
    if failure is None:
        return exc
    error: Exception = (
        sdk.APITimeoutError(request=response.request)
        if failure == "timeout"
        else sdk.APIConnectionError(request=response.request)
    )
    error.__cause__ = exc
    return error


def connection_failure(exc: BaseException) -> str:
    """Why a connection failed (": Connection refused"), from the deepest system error under `exc`
    (the SDKs raise a bare "Connection error." whose causes say why); "" when nothing does."""
    reason = ""
    cause = exc.__cause__
    while cause is not None:
        if isinstance(cause, socket.gaierror):  # its errno is a resolver code, not one os.strerror knows
            return f": DNS lookup failed ({cause.strerror})"
        if isinstance(cause, OSError) and cause.errno:
            return f": {os.strerror(cause.errno)}"
        reason = reason or f": {cause}"
        cause = cause.__cause__ or cause.__context__
    return reason
