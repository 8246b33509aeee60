"""OpenTelemetry spans for the executions of an app (API.md §15; docs/observability.md).

`create_app(..., telemetry=...)` parses its argument with `telemetry_options`, and the app's
`SpanObserver` (one of `App.observers`) turns the events of every execution into spans. Nothing
here imports `opentelemetry` until an execution finds a tracer provider to record to, so
`import agentick` stays free of it and an app without a provider pays one dictionary lookup per
event.
"""

from __future__ import annotations

from .observer import SpanObserver
from .options import TelemetryOptions, telemetry_options

__all__ = ["SpanObserver", "TelemetryOptions", "telemetry_options"]
