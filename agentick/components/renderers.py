"""`<Markdown>` and `<XML>`: choose how semantic and inline content inside them is written."""

from __future__ import annotations

from typing import Any

from ..compiler import nodes as n
from ..element import Element, h

__all__ = ["XML", "Markdown"]


def Markdown(children: Any = ()) -> Element:
    """Write content inside as Markdown (the default): `## Heading`, `- item`, `**bold**`."""
    return h(n.RENDERER, {"renderer": "markdown"}, *children)


def XML(children: Any = ()) -> Element:
    """Write content inside as XML tags: `<h2>Heading</h2>`, `<ul><li>item</li></ul>`, `<strong>`."""
    return h(n.RENDERER, {"renderer": "xml"}, *children)
