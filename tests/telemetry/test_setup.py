"""How telemetry is switched on: `telemetry=` checked at `create_app`, the global tracer provider
looked up per execution, and nothing of OpenTelemetry imported or run when none is configured."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.trace import TracerProvider

from agentick import create_app, run_sync
from agentick.telemetry import TelemetryOptions
from agentick.telemetry.tracer import _version
from agentick.testing import create_test_model

from ..engine.support import chat
from .conftest import Recorder
from .support import tree

ROOT = Path(__file__).resolve().parents[2]


def Agent() -> Any:
    return chat()


def test_run_sync_records_to_the_global_provider(global_recorder: Recorder) -> None:
    run_sync(Agent, messages=[{"role": "user", "content": "hi"}], model=create_test_model())
    assert tree(global_recorder.spans) == [("invoke_agent Agent", [("tick 1", [("chat test-model", [])])])]


def test_the_telemetry_argument_is_parsed_into_the_apps_options() -> None:
    provider = TracerProvider()
    assert create_app(Agent).telemetry == TelemetryOptions(tracer_provider=None, capture_content=False)
    app = create_app(Agent, telemetry={"tracer_provider": provider, "capture_content": True})
    assert app.telemetry == TelemetryOptions(tracer_provider=provider, capture_content=True)
    assert create_app(Agent, telemetry=False).telemetry is None


@pytest.mark.parametrize(
    ("telemetry", "error", "message"),
    [
        (True, TypeError, "telemetry= must be None, False or a dict"),
        ({"provider": 1}, ValueError, "telemetry= has unknown keys provider; the keys are tracer_provider, capture"),
        ({"capture_content": "yes"}, TypeError, "telemetry['capture_content'] must be True or False, not 'yes'"),
        ({"tracer_provider": "tp"}, TypeError, "telemetry['tracer_provider'] must be an OpenTelemetry TracerProvider"),
    ],
)
def test_a_bad_telemetry_argument_is_refused_at_create_app(
    telemetry: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as raised:
        create_app(Agent, telemetry=telemetry)
    assert str(raised.value).startswith(message)


def test_a_tracer_provider_without_opentelemetry_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.trace", None)  # what a missing package looks like to import
    with pytest.raises(ImportError, match=r'pip install "agentick\[otel\]"'):
        create_app(Agent, telemetry={"tracer_provider": TracerProvider()})


LATE_PROVIDER = """
import sys
import anyio
from agentick import Fragment, System, Timeline, create_app, h
from agentick.testing import create_test_model

def Agent():
    return h(Fragment, None, h(System, None, "You help."), h(Timeline))

async def main():
    async with create_app(Agent, model=create_test_model()) as app:
        session = await app.session("s1")
        await session.send("before").result
        print("imported after a run without a provider:", sorted(m for m in sys.modules if "opentelemetry" in m))

        from opentelemetry import trace
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        trace.set_tracer_provider(provider)  # after the app was made
        await session.send("after").result
        print("spans:", [span.name for span in exporter.get_finished_spans()])

anyio.run(main)
"""


def test_without_a_provider_nothing_of_opentelemetry_is_imported_and_one_set_later_is_used() -> None:
    """In a fresh interpreter: this test process has imported OpenTelemetry already."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LATE_PROVIDER)], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "imported after a run without a provider: []",
        "spans: ['chat test-model', 'tick 1', 'invoke_agent Agent']",
    ]


async def run_with(provider: TracerProvider) -> None:
    async with create_app(Agent, model=create_test_model(), telemetry={"tracer_provider": provider}) as app:
        await (await app.session("s1")).send("hi").result


def test_a_checkout_used_without_being_installed_still_records_spans(
    monkeypatch: pytest.MonkeyPatch, recorder: tuple[TracerProvider, Recorder]
) -> None:
    """`importlib.metadata` knows no `agentick` distribution there; the tracer's version is then
    `agentick.__version__`'s "0+unknown" instead of an error failing every execution's observer."""

    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    provider, spans = recorder
    monkeypatch.setattr(metadata, "version", not_installed)
    _version.cache_clear()
    try:
        anyio.run(run_with, provider)
    finally:
        _version.cache_clear()
    assert tree(spans.spans) == [("invoke_agent Agent", [("tick 1", [("chat test-model", [])])])]
    assert {(span.instrumentation_scope.name, span.instrumentation_scope.version) for span in spans.spans} == {
        ("agentick", "0+unknown")
    }
