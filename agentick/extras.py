"""Importing an optional dependency, with an error that says which extra to install.

`import agentick` never imports an optional dependency (API.md, second round); a feature that needs
one imports it through `require` when first used, so a missing extra fails at that point with the
exact `pip install` line instead of a bare `ModuleNotFoundError`.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str, package: str | None = None) -> ModuleType:
    """Import `module`, or raise `ImportError` naming `feature` and the extra that provides it.

    `package` is the distribution to name when it differs from the module (`google-genai` for `google.genai`).
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.partition(".")[0]
        if exc.name is not None and exc.name != top and not exc.name.startswith(f"{top}."):
            raise  # the package is installed but itself failed to import something else: show that
        raise ImportError(
            f"{feature} needs the optional dependency {package or top!r}, which is not installed: "
            f'pip install "agentick[{extra}]"'
        ) from exc
