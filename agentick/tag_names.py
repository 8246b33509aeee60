"""The capitalised JSX tag for a tool or component bound to a lowercase Python name.

JSX treats a lowercase tag (`<get_weather />`) as text, so a tool or component must be bound to a
capitalised name to be rendered. Error messages and warnings that suggest that name all spell it
the same way, with this function.
"""

from __future__ import annotations

__all__ = ["capitalised_tag"]


def capitalised_tag(name: str) -> str:
    """`get_weather` and `getWeather` → `GetWeather`, `add` → `Add`: each `_`-separated part gets an
    upper-case first letter, the rest of the name is kept as written."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))
