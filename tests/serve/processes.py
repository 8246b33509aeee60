"""`agentick serve` and `agentick run` as real subprocesses, for the CLI and scale-out tests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
URL = re.compile(r"http://127\.0\.0\.1:\d+")
GUARD = 60  # seconds; only reached when a subprocess hangs


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in ("AGENTICK_DEVTOOLS", "AGENTICK_TOKEN")}


def agentick(*args: str, cwd: Path = EXAMPLES) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentick", *args],
        cwd=cwd,
        env=environment(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(*args: str, cwd: Path = EXAMPLES, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentick", *args],
        cwd=cwd,
        env=environment(),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=GUARD,
    )


class Served:
    """A running `agentick serve` and the URL it printed."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def stop(self, how: signal.Signals = signal.SIGTERM) -> tuple[str, str]:
        self.process.send_signal(how)
        out, err = self.process.communicate(timeout=GUARD)
        return out, err


@contextlib.contextmanager
def serving(*args: str, cwd: Path = EXAMPLES) -> Iterator[Served]:
    process = agentick("serve", *args, "--port", "0", cwd=cwd)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # the first line, printed before serving
        assert URL.fullmatch(url), (url, process.stderr.read() if process.stderr and not url else "")
        yield Served(process, url)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
