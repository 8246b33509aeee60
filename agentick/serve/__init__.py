"""Serving an app over HTTP (API.md §16): `asgi_app(app, token)` and `agentick serve`. Needs the
`serve` extra (Starlette, uvicorn); `import agentick` never imports this package. See docs/serving.md."""

from ..extras import require

require("starlette", extra="serve", feature="agentick.serve (the HTTP server)")

from .app import asgi_app  # noqa: E402

__all__ = ["asgi_app"]
