"""The `telemetry=` argument of `create_app`: `None` (the global tracer provider, if one is set),
`False` (no spans), or a dict with `tracer_provider` and/or `capture_content`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any, cast

__all__ = ["TelemetryOptions", "telemetry_options"]

_KEYS = ("tracer_provider", "capture_content")


@dataclass(frozen=True, slots=True)
class TelemetryOptions:
    """How an app records spans. `tracer_provider` `None` follows OpenTelemetry's global provider,
    looked up at the start of every execution (so one set after the app was made is used);
    `capture_content` records messages and tool arguments/results, which may be sensitive."""

    tracer_provider: Any = None
    capture_content: bool = False


def telemetry_options(value: object) -> TelemetryOptions | None:
    """`value` checked and parsed: `None` when telemetry is off (`telemetry=False`).

    A `tracer_provider` needs `opentelemetry-api`: without it this raises `ImportError` naming
    the extra at `create_app`, not at the first execution."""
    if value is None:
        return TelemetryOptions()
    if value is False:
        return None
    if not isinstance(value, dict):
        raise TypeError(
            f"telemetry= must be None, False or a dict like {{'tracer_provider': tp, 'capture_content': True}}, "
            f"not {value!r}"
        )
    options = cast(dict[str, Any], value)
    unknown = sorted(str(key) for key in options if key not in _KEYS)
    if unknown:
        raise ValueError(f"telemetry= has unknown keys {', '.join(unknown)}; the keys are {', '.join(_KEYS)}")
    capture = options.get("capture_content", False)
    if not isinstance(capture, bool):
        raise TypeError(f"telemetry['capture_content'] must be True or False, not {capture!r}")
    provider = options.get("tracer_provider")
    if provider is not None:
        try:
            import_module("opentelemetry.trace")  # here, so that a missing extra fails at create_app
        except ImportError as error:
            raise ImportError(
                'telemetry={"tracer_provider": ...} needs OpenTelemetry: pip install "agentick[otel]"'
            ) from error
        if not callable(getattr(provider, "get_tracer", None)):
            raise TypeError(f"telemetry['tracer_provider'] must be an OpenTelemetry TracerProvider, not {provider!r}")
    return TelemetryOptions(tracer_provider=provider, capture_content=capture)
