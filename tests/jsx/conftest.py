"""Fixtures for the JSX front-end tests."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import agentick_jsx


@pytest.fixture
def import_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty directory on sys.path with the import hook installed. Modules imported from it are
    forgotten afterwards; bytecode writing is on (the environment may turn it off)."""
    agentick_jsx.install()
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    for name, module in list(sys.modules.items()):
        location = getattr(module, "__file__", None) or ""
        if location.startswith(str(tmp_path)):
            del sys.modules[name]
    importlib.invalidate_caches()
