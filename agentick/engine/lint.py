"""Warnings about a tree that compiles but cannot be what its author meant.

Two slips compile without an error and leave the model with something else than intended:

- no `<Timeline />` while the session has messages: the user's message never reaches the model;
- a lowercase tag in text that names a tool or a component (`<System>You add. <add /></System>`):
  JSX lowercase tags are text tags, so it is written as the literal text `<add />`.

Both are warnings, not errors: an agent may render its history itself, or mean a literal tag. Each is
logged once per session (the missing timeline once, a tag once per name) on the `agentick` logger,
which Python prints to stderr even when logging is not configured. A tag is looked up once per
session, when it first appears, whether it names something or not: ordinary prompt tags
(`<instructions>`) stay in the text every tick and must not cost a walk of the tree each time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from ..compiler import CompiledContext
from ..element import type_name
from ..reconciler.fiber import COMPONENT, Fiber
from ..tag_names import capitalised_tag

__all__ = ["lint"]

logger = logging.getLogger("agentick")


def lint(
    compiled: CompiledContext, *, component: Any, has_messages: bool, root: Fiber | None, warned: set[str]
) -> None:
    """Warn about the slips above, once per session: `warned` (the session's set) holds what was
    dealt with, `"timeline"` and `"tag:NAME"` for every tag looked up, warned about or not."""
    if has_messages and not compiled.structure.conversation and "timeline" not in warned:
        warned.add("timeline")
        name = type_name(component)
        logger.warning(
            "%s renders no <Timeline />, so the conversation (including the message just sent) never reaches the "
            "model. Render <Timeline /> in %s (after the <System> part), or render the messages yourself "
            "(<User>, <Assistant>, or a <Timeline> render function)",
            name,
            name,
        )
    tags = compiled.structure.text_tags - {key.removeprefix("tag:") for key in warned if key.startswith("tag:")}
    if not tags:
        return
    tools = {tool.name for tool in compiled.tool_objects}
    components = _component_names(root) if tags - tools else {}
    for tag in sorted(tags):
        warned.add(f"tag:{tag}")
        if tag in tools:
            what = f"the tool {tag!r}"
        elif tag in components:
            what = f"the component {components[tag]}"
        else:
            continue
        capitalised = capitalised_tag(tag)
        fix = f"<{capitalised} />" if tag in tools else f"<{components[tag]} />"
        hint = f"`{capitalised} = {tag}`, then render {fix}" if tag in tools else f"render {fix}"
        logger.warning(
            "<%s> in the text of %s names %s, but lowercase JSX tags are text tags: it is sent to the model as "
            "literal text. Capitalise it: %s",
            tag,
            type_name(component),
            what,
            hint,
        )


def _component_names(root: Fiber | None) -> dict[str, str]:
    """Lowercase name → name of every component rendered in the tree."""
    return {fiber.name.lower(): fiber.name for fiber in _fibers(root) if fiber.kind == COMPONENT}


def _fibers(root: Fiber | None) -> Iterator[Fiber]:
    stack = [root] if root is not None else []
    while stack:
        fiber = stack.pop()
        yield fiber
        stack.extend(fiber.children)
