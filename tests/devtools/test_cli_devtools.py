"""`agentick devtools` (a standalone server in its own process) and `agentick run FILE --devtools`
(the page served beside a chat), through real subprocesses, offline."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from .support import api, environment_without_devtools

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
URL = re.compile(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+")


def start(*args: str, stdin: bool = False) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "agentick", *args],
        cwd=EXAMPLES,
        env=environment_without_devtools(),
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_devtools_prints_its_url_serves_the_page_and_stops_cleanly(stop: signal.Signals) -> None:
    process = start("devtools", "--port", "0")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()  # the first line, flushed before serving
        assert URL.fullmatch(url), url
        with httpx2.Client() as client:
            page = client.get(url)
            assert page.status_code == 200 and "<title>agentick DevTools</title>" in page.text
            assert client.get(url.split("?")[0]).status_code == 403
            assert client.get(api(url, "/api/records")).json() == {"records": []}
        process.send_signal(stop)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out == ""
    assert err == (
        "agentick: DevTools is serving; open the URL above, and run apps with AGENTICK_DEVTOOLS=<URL> "
        "(or create_app(..., devtools=<URL>)). Ctrl-C stops it.\n"
    )


def test_run_with_devtools_serves_the_chat_live_and_stops_with_it() -> None:
    process = start("run", "hello.px", "--model", "test", "--devtools", stdin=True)
    try:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        first = process.stderr.readline()
        assert first.startswith("DevTools: ") and URL.fullmatch(first.removeprefix("DevTools: ").strip()), first
        url = first.removeprefix("DevTools: ").strip()
        assert process.stderr.readline() == "agentick: type a message, or an empty line / Ctrl-D to quit\n"
        with httpx2.Client(timeout=60) as client:
            assert client.get(api(url, "/api/records")).json() == {"records": []}
            with client.stream("GET", api(url, "/api/stream")) as stream:
                process.stdin.write("Hello!\n")
                process.stdin.flush()
                received = list(_until_execution_end(stream.iter_lines()))
        assert received[0]["kind"] == "session" and received[0]["app"] == "Agent"
        [tick] = [record for record in received if record["kind"] == "tick"]
        assert tick["context"]["system"].startswith("You are a cheerful assistant talking to friend.")
        assert [message["text"] for message in tick["context"]["messages"]] == ["Hello!"]
        out, err = process.communicate("\n", timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert out == "you> Test response\nyou> "  # the chat as usual: DevTools adds nothing to stdout
    with httpx2.Client() as client, pytest.raises(httpx2.ConnectError):
        client.get(url)  # the server ended with the chat


def _until_execution_end(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.startswith("data: "):
            record = json.loads(line[6:])
            yield record
            if record["kind"] == "event" and record["event"]["type"] == "execution_end":
                return
