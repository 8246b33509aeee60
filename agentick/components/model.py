"""`<Model>`: choose the model and its options (temperature, max_tokens, ...) from the tree."""

from __future__ import annotations

from typing import Any

from ..compiler import nodes as n
from ..element import Element, h

__all__ = ["Model"]


def Model(model: Any = None, children: Any = (), **options: Any) -> Element:
    """Use `model` (a model object) for this tick with `options` passed to the model.

    A string `model` names the model for the adapter in use (`<Model model="gpt-4.1" />` with an
    OpenAI app model). Options of several `<Model>`s merge in tree order, later ones winning; a
    model given to `create_app(model=...)` is used in preference to one rendered in the tree, so
    tests can swap in a scripted model while the tree's options still apply.
    """
    if isinstance(model, str):
        options = {"model": model, **options}
        model = None
    return h(n.MODEL, {"model": model, "options": options})
