"""Which tracer an execution records to: the app's `tracer_provider`, else OpenTelemetry's global
provider when the application set one; `None` means no spans.

The global provider is looked up only when `opentelemetry.trace` is already imported: an
application that configured a provider imported it, so one that did not pays no import, and
agentick never imports OpenTelemetry on its own."""

from __future__ import annotations

import sys
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

__all__ = ["TracerCache"]

INSTRUMENTATION_NAME = "agentick"


class TracerCache:
    """The tracer of the last provider asked for (a provider's `get_tracer` makes a new one each call)."""

    __slots__ = ("_provider", "_tracer")

    def __init__(self) -> None:
        self._provider: Any = None
        self._tracer: Tracer | None = None

    def tracer(self, provider: Any) -> Tracer | None:
        """The tracer for `provider` (the app's, or `None` for the global one), or None for no spans."""
        if provider is None:
            if "opentelemetry.trace" not in sys.modules:
                return None
            from opentelemetry import trace

            provider = trace.get_tracer_provider()
            if isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider):
                return None  # the default: nobody set a provider
        if provider is not self._provider or self._tracer is None:
            self._tracer = provider.get_tracer(INSTRUMENTATION_NAME, _version())
            self._provider = provider
        return self._tracer


@cache
def _version() -> str:
    """The instrumentation's version: `agentick.__version__`, which a checkout used without being
    installed also has (`importlib.metadata` alone would raise there, failing every span observer)."""
    import agentick

    version: str = agentick.__version__
    return version
