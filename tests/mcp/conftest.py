"""Fixtures for the MCP tests: the toolbox server (stdio, or streamable HTTP in a subprocess on a
free 127.0.0.1 port) and a check that no server process outlives a test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLBOX = str(Path(__file__).parent / "servers" / "toolbox.py")


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie, exited but not reaped by its parent, counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


@dataclass
class Toolbox:
    """The stdio toolbox server's props and the files it reports to."""

    pids_file: Path
    lists_file: Path

    def props(self, name: str = "box", **extra: object) -> dict[str, object]:
        env = {"TOOLBOX_PIDS": str(self.pids_file), "TOOLBOX_LISTS": str(self.lists_file)}
        env.update(extra.pop("env", {}))  # type: ignore[arg-type]
        return {"name": name, "command": sys.executable, "args": [TOOLBOX], "env": env, **extra}

    @property
    def pids(self) -> list[int]:
        return [int(line) for line in self.pids_file.read_text().split()] if self.pids_file.exists() else []

    @property
    def lists(self) -> int:
        return len(self.lists_file.read_text().split()) if self.lists_file.exists() else 0

    def running(self) -> list[int]:
        return [pid for pid in self.pids if alive(pid)]


@pytest.fixture
def toolbox(tmp_path: Path) -> Iterator[Toolbox]:
    box = Toolbox(tmp_path / "pids", tmp_path / "lists")
    yield box
    leftover = box.running()
    assert leftover == [], f"MCP server processes outlived the test: {leftover}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def http_toolbox(tmp_path: Path) -> Iterator[str]:
    """The toolbox over streamable HTTP (uvicorn in a subprocess); yields its URL."""
    port = free_port()
    env = {**os.environ, "TOOLBOX_LISTS": str(tmp_path / "http-lists")}
    process = subprocess.Popen(
        [sys.executable, TOOLBOX, "--http", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        deadline = time.monotonic() + 30
        while True:  # bounded polling for readiness
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the HTTP toolbox server did not start") from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


__all__ = ["TOOLBOX", "Toolbox", "alive"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
