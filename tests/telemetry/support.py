"""Reading recorded spans as a tree, and the agents the telemetry tests run."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode

Tree = list[tuple[str, "Tree"]]


def tree(spans: Sequence[ReadableSpan]) -> Tree:
    """The spans as `[(name, children)]`, roots first, children in start order."""
    ids = {span.context.span_id for span in spans if span.context is not None}
    children: dict[int | None, list[ReadableSpan]] = defaultdict(list)
    for span in spans:
        parent = span.parent.span_id if span.parent is not None and span.parent.span_id in ids else None
        children[parent].append(span)

    def nodes(parent: int | None) -> Tree:
        ordered = sorted(children[parent], key=lambda span: (span.start_time or 0, span.end_time or 0))
        return [(span.name, nodes(span.context.span_id if span.context else None)) for span in ordered]

    return nodes(None)


def named(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    """The spans called `name`, in start order."""
    return sorted((span for span in spans if span.name == name), key=lambda span: span.start_time or 0)


def attributes(span: ReadableSpan) -> dict[str, Any]:
    return dict(span.attributes or {})


def status(span: ReadableSpan) -> tuple[StatusCode, str | None]:
    return span.status.status_code, span.status.description
