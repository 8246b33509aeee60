"""Span recording for the telemetry tests: an OpenTelemetry SDK provider per test, and the global
provider (settable once per process) shared through a switch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Recorder(SpanProcessor):
    """Every span started and every span ended (a span started and never ended is a leak), and the
    ended ones exported to memory."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self._export = SimpleSpanProcessor(self.exporter)
        self.started: list[int] = []
        self.ended: list[int] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started.append(span.context.span_id)

    def on_end(self, span: ReadableSpan) -> None:
        assert span.context is not None
        self.ended.append(span.context.span_id)
        self._export.on_end(span)

    @property
    def spans(self) -> list[ReadableSpan]:
        """The finished spans, once every started span has ended."""
        assert sorted(self.started) == sorted(self.ended), "a span was started and never ended"
        return list(self.exporter.get_finished_spans())


class Switch(SpanProcessor):
    """Forwards to the recorder of the test using the global provider, and drops spans otherwise."""

    def __init__(self) -> None:
        self.target: Recorder | None = None

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if self.target is not None:
            self.target.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        if self.target is not None:
            self.target.on_end(span)


_SWITCH = Switch()
_GLOBAL = TracerProvider()
_GLOBAL.add_span_processor(_SWITCH)


@pytest.fixture
def recorder() -> Iterator[tuple[TracerProvider, Recorder]]:
    """A tracer provider to pass to `create_app(telemetry={"tracer_provider": ...})`, and its spans;
    shut down after the test."""
    provider = TracerProvider()
    recorder = Recorder()
    provider.add_span_processor(recorder)
    yield provider, recorder
    provider.shutdown()


@pytest.fixture
def global_recorder() -> Iterator[Recorder]:
    """The spans recorded through OpenTelemetry's global tracer provider during the test. The global
    provider is set once per process (OpenTelemetry refuses a second), so it stays; between tests
    its spans go nowhere."""
    if trace.get_tracer_provider() is not _GLOBAL:
        trace.set_tracer_provider(_GLOBAL)
        assert trace.get_tracer_provider() is _GLOBAL, "another global tracer provider was set in this process"
    recorder = Recorder()
    _SWITCH.target = recorder
    try:
        yield recorder
    finally:
        _SWITCH.target = None
