"""Fixtures for every test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_devtools_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own AGENTICK_DEVTOOLS must not reach the apps of the tests (every app would
    stream its records to that server)."""
    monkeypatch.delenv("AGENTICK_DEVTOOLS", raising=False)
