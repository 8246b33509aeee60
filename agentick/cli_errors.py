"""How the `agentick` command reports an error: one line that says where and what.

`FILE:LINE: Type: message`, where FILE:LINE is the innermost line of the user's own code in the
error or its causes (`agentick.user_code` decides which code is the user's), so a component that
raised points at its `.px` line rather than at the reconciler. A model error caused by a failed
connection reads as what it is: a host that does not resolve, or a server that refuses the
connection, with the options that set the address. Only a model error: a component or tool whose
own connection failed is reported like any other error, at its line.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from .errors import ModelError
from .user_code import innermost_user_frame

__all__ = ["describe", "user_location"]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
_ADDRESS_OPTIONS = "--base-url / OPENAI_BASE_URL"


def describe(error: BaseException, *, base_url: str | None = None) -> str:
    """The one-line description of `error` (without the `agentick: error: ` prefix)."""
    if isinstance(error, ModelError) and (base_url is not None or error.provider in (None, "openai")):
        connection = _connection_problem(error, base_url or DEFAULT_BASE_URL)
        if connection is not None:
            return connection
    if isinstance(error, SyntaxError) and error.filename:
        column = f":{error.offset}" if error.offset else ""
        return f"{_display(error.filename)}:{error.lineno}{column}: {type(error).__name__}: {error.msg}"
    where = user_location(error)
    prefix = f"{where}: " if where else ""
    return f"{prefix}{type(error).__name__}: {_one_line(str(error))}"


def user_location(error: BaseException) -> str | None:
    """`FILE:LINE` of the innermost frame of the user's code in `error` and its causes, or None."""
    for exception in reversed(list(_chain(error))):
        site = innermost_user_frame(exception.__traceback__)
        if site is not None:
            return f"{_display(site[0])}:{site[1]}"
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and its causes, outermost first (explicit causes, else the implicit context)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)


def _everything_under(error: BaseException) -> Iterator[BaseException]:
    """Every exception reachable from `error`: causes, contexts (suppressed ones too), members of
    exception groups, and exceptions passed as arguments (HTTP libraries wrap socket errors so)."""
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked: list[object] = [current.__cause__, current.__context__, *current.args]
        if isinstance(current, BaseExceptionGroup):
            linked.extend(cast("BaseExceptionGroup[BaseException]", current).exceptions)
        stack.extend(item for item in linked if isinstance(item, BaseException))


def _connection_problem(error: ModelError, base_url: str) -> str | None:
    """What went wrong, when the model error was caused by a DNS failure or a refused connection.

    Only OpenAI's address has a default here; another provider's error is described this way when
    `--base-url` set its address, and otherwise by its own message, which names the URL."""
    address = urlsplit(base_url)
    options = _ADDRESS_OPTIONS if error.provider in (None, "openai") else "--base-url"
    for cause in _everything_under(error):
        if isinstance(cause, socket.gaierror):
            return f"cannot resolve host {address.hostname} (DNS lookup failed); check {options}"
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            return (
                f"cannot connect to {address.netloc} (connection refused); check that the server is running "
                f"and {options}"
            )
    return None


def _display(filename: str) -> str:
    """The path relative to the working directory when it is below it, else as it is."""
    path = Path(filename)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return filename


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())
