"""Store strings (API.md §16): the scheme before `://` picks the store; `masked` hides passwords."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .sqlite import SqliteStore

__all__ = ["masked", "store_from"]


def store_from(store: Any) -> Any:
    """The store `create_app(store=...)` asked for: `None`, a store string or `Path`, or a store object.
    A store made here from a string or path belongs to the app, which closes it (`App.close`)."""
    if store is None:
        return None
    if isinstance(store, Path):
        return SqliteStore(store)
    if isinstance(store, str):
        return _store_from_string(store)
    if all(callable(getattr(store, name, None)) for name in ("save", "load", "delete")):
        return store
    raise TypeError(
        f"store must be None, a SQLite path or store URL, or an object with async save/load/delete, "
        f"not {type(store).__name__}"
    )


_SUPPORTED = "a file path, sqlite:///relative.db, sqlite:////absolute.db, postgresql:// or postgres://"


def _store_from_string(text: str) -> Any:
    """Parse a store string: the scheme is the text before `://` (compared case-insensitively, as
    URL schemes are). No `://` is a plain SQLite path; `sqlite:` URLs follow SQLAlchemy's
    convention (three slashes then a path relative to the working directory, four for an
    absolute one). Nothing is created for a string that is refused."""
    scheme, separator, rest = text.partition("://")
    if not separator:
        return SqliteStore(text)
    kind = scheme.lower()
    shown = masked(text)
    if kind == "sqlite":
        if rest in ("", "/"):
            raise ValueError(
                f"store={shown!r}: the sqlite URL names no file; write sqlite:///relative.db or "
                "sqlite:////absolute/path.db (for sessions kept in memory, use store=None or MemoryStore())"
            )
        if not rest.startswith("/"):
            raise ValueError(
                f"store={shown!r}: a sqlite URL has no host; write sqlite:///relative.db (relative to the "
                "working directory) or sqlite:////absolute/path.db"
            )
        path = rest[1:]
        if "?" in path:
            raise ValueError(f"store={shown!r}: sqlite URLs take no query parameters here")
        return SqliteStore(path)
    if kind in ("postgresql", "postgres"):
        from .postgres import PostgresStore  # imports psycopg: only for a PostgreSQL URL

        return PostgresStore(text)
    raise ValueError(f"store={shown!r}: unknown store scheme {scheme!r}; supported: {_SUPPORTED}")


_SECRET_PARAMETER = re.compile(r"(?i)([?&][^=&#]*(?:password|secret|token)[^=&#]*=)[^&#]*")


# libpq's key/value connection strings (`host=db password='a b'`): a value is a quoted string
# (backslash escapes) or runs to the next whitespace.
_SECRET_KEYWORD = re.compile(r"(?i)(\b\w*(?:password|secret|token)\w*\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|\S*)")


def masked(url: str) -> str:
    """`url` with its password (`user:password@` and `password=` query parameters, or `password=`
    in a libpq key/value string) replaced by `***`, for error messages and logs. Errs towards
    hiding: everything up to the last `@` counts as user information."""
    scheme, separator, rest = url.partition("://")
    if not separator:
        return _SECRET_KEYWORD.sub(r"\1***", url)
    user_info, at, after = rest.rpartition("@")
    if at:
        user, colon, _ = user_info.partition(":")
        rest = f"{user}:***@{after}" if colon else rest
    return f"{scheme}://" + _SECRET_PARAMETER.sub(r"\1***", rest)
