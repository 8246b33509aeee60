"""The app factory each worker process of `agentick serve --workers N` imports: it reads the
command's options from an environment variable set by the parent, and builds its own app (and
store connection) the way a single-process `agentick serve` does."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

from starlette.applications import Starlette

from .app import build

__all__ = ["CONFIG_VARIABLE", "application"]

CONFIG_VARIABLE = "AGENTICK_SERVE_CONFIG"


def application() -> Starlette:
    """The ASGI app of this worker (uvicorn calls it: `factory=True`), closing its app at shutdown."""
    from ..cli import serve_app

    options: dict[str, Any] = json.loads(os.environ[CONFIG_VARIABLE])
    token = options.pop("token")
    return build(serve_app(argparse.Namespace(**options)), token, trusted_roles=False, close_app=True)
