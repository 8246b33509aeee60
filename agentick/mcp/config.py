"""`ServerConfig`: an `<MCPServer>`'s props, checked, and the key of the connection they determine."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

__all__ = ["DEFAULT_TIMEOUT", "MCPConfigError", "ServerConfig", "ToolView"]

DEFAULT_TIMEOUT = 30.0


class MCPConfigError(ValueError):
    """An `<MCPServer>` was rendered with props that cannot describe a server."""


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How to reach one MCP server: stdio (`command`, `args`, `env`, `cwd`) or streamable HTTP
    (`url`, `headers`), plus `timeout` (seconds bounding connecting, listing and each call).

    Frozen and hashable; `key` is what decides whether two mounts share a connection."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] | None = None
    cwd: str | None = None
    url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    timeout: float = DEFAULT_TIMEOUT
    shared: bool = True

    @classmethod
    def from_props(
        cls,
        name: Any,
        *,
        command: Any = None,
        args: Any = (),
        env: Any = None,
        cwd: Any = None,
        url: Any = None,
        headers: Any = None,
        timeout: Any = DEFAULT_TIMEOUT,
        shared: Any = True,
    ) -> ServerConfig:
        """The config for these props, or `MCPConfigError` naming the server and the prop."""
        if not isinstance(name, str) or not name:
            raise MCPConfigError(f"<MCPServer> needs a non-empty string name=, not {name!r}")
        where = f"<MCPServer name={name!r}>"
        if (command is None) == (url is None):
            raise MCPConfigError(
                f"{where} needs exactly one of command= (a stdio server) or url= (a streamable HTTP server), "
                f"got {'both' if command is not None else 'neither'}"
            )
        if timeout is None or isinstance(timeout, bool) or not isinstance(timeout, int | float):
            raise MCPConfigError(f"{where}: timeout= must be a positive number of seconds, not {timeout!r}")
        if not (timeout > 0 and math.isfinite(timeout)):
            raise MCPConfigError(f"{where}: timeout= must be a positive number of seconds, not {timeout!r}")
        if not isinstance(shared, bool):
            raise MCPConfigError(f"{where}: shared= must be True or False, not {shared!r}")
        if command is not None:
            if url is not None or headers:
                raise MCPConfigError(f"{where}: headers= belongs to url= servers, not command= ones")
            if not isinstance(command, str) or not command:
                raise MCPConfigError(f"{where}: command= must be a non-empty string, not {command!r}")
            return cls(
                name=name,
                command=command,
                args=_strings(args, where, "args"),
                env=_pairs(env, where, "env") if env is not None else None,
                cwd=_path(cwd, where),
                timeout=float(timeout),
                shared=shared,
            )
        if args or env is not None or cwd is not None:
            raise MCPConfigError(f"{where}: args=, env= and cwd= belong to command= servers, not url= ones")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise MCPConfigError(f"{where}: url= must be an http:// or https:// URL string, not {url!r}")
        return cls(
            name=name,
            url=url,
            headers=_pairs(headers or {}, where, "headers"),
            timeout=float(timeout),
            shared=shared,
        )

    def key(self, session_id: str) -> tuple[Any, ...]:
        """The connection key: the transport fields (and the session for `shared=False`). The name,
        timeout and the tool view props are not part of it: mounts differing only in those share."""
        transport = (self.command, self.args, self.env, self.cwd, self.url, self.headers)
        return transport if self.shared else (*transport, session_id)

    @property
    def transport(self) -> str:
        return "stdio" if self.command is not None else "streamable HTTP"


@dataclass(frozen=True, slots=True)
class ToolView:
    """Which of a connection's tools a mount offers, and how: `include`/`exclude` globs on the
    server's own names (None: all), `prefix`, and whether calls need confirmation (`confirm` is
    the bool, or "callable" for a callable the mount passes on). Checked at every render (cheap),
    so a bad prop fails the first render, before the server is even reached."""

    include: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    prefix: str = ""
    confirm: bool | Literal["callable"] = False

    @classmethod
    def from_props(
        cls,
        name: str,
        *,
        include: Any = None,
        exclude: Any = None,
        prefix: Any = "",
        requires_confirmation: Any = False,
    ) -> ToolView:
        """The view for these props, or `MCPConfigError` naming the server and the prop."""
        where = f"<MCPServer name={name!r}>"
        if not isinstance(prefix, str):
            raise MCPConfigError(f"{where}: prefix= must be a string, not {prefix!r}")
        if isinstance(requires_confirmation, bool):
            confirm: bool | Literal["callable"] = requires_confirmation
        elif callable(requires_confirmation):
            confirm = "callable"
        else:
            raise MCPConfigError(
                f"{where}: requires_confirmation= must be True, False or a callable on the call's input, "
                f"not {requires_confirmation!r}"
            )
        return cls(
            include=None if include is None else _patterns(include, where, "include"),
            exclude=() if exclude is None else _patterns(exclude, where, "exclude"),
            prefix=prefix,
            confirm=confirm,
        )


def _patterns(value: object, where: str, prop: str) -> tuple[str, ...]:
    if isinstance(value, str):
        raise MCPConfigError(
            f"{where}: {prop}= must be a list of glob patterns, not the string {value!r} (write [{value!r}])"
        )
    return _strings(value, where, prop)


def _strings(value: object, where: str, prop: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise MCPConfigError(f"{where}: {prop}= must be a list of strings, not {value!r}")
    items = tuple(cast("Sequence[object]", value))
    for item in items:
        if not isinstance(item, str):
            raise MCPConfigError(f"{where}: {prop}= must be a list of strings; {item!r} is not a string")
    return cast("tuple[str, ...]", items)


def _pairs(value: object, where: str, prop: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        raise MCPConfigError(f"{where}: {prop}= must be a dict of strings, not {value!r}")
    pairs: list[tuple[str, str]] = []
    for key, item in cast("Mapping[object, object]", value).items():
        if not isinstance(key, str) or not isinstance(item, str):
            raise MCPConfigError(f"{where}: {prop}= must be a dict of strings; {key!r}: {item!r} is not")
        pairs.append((key, item))
    return tuple(sorted(pairs))


def _path(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str | os.PathLike):
        raise MCPConfigError(f"{where}: cwd= must be a path, not {value!r}")
    return os.fspath(value)
