"""`<Model>`: choose the model and its options (temperature, max_tokens, ...) from the tree."""

from __future__ import annotations

from typing import Any

from ..compiler import nodes as n
from ..element import Element, h

__all__ = ["Model"]


def Model(model: Any = None, children: Any = (), **options: Any) -> Element:
    """Use `model` for this tick (unless the app fixes one) with `options` passed to the model.

    Options of several `<Model>`s merge in tree order, later ones winning.
    """
    return h(n.MODEL, {"model": model, "options": options})
