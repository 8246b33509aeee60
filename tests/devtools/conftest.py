from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def no_devtools_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own AGENTICK_DEVTOOLS must not reach the apps of these tests."""
    monkeypatch.delenv("AGENTICK_DEVTOOLS", raising=False)
