"""examples/mcp.px through the real `agentick` command: the tools of examples/mcp_server.py (a
stdio MCP server) are offered, called and shown, and no server process outlives the command.

Each test runs a copy of the two files in its own directory, so the server's command line names a
path no other process has: any process still running it after the command ended is an orphan.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def copy_example(directory: Path) -> Path:
    for name in ("mcp.px", "mcp_server.py"):
        shutil.copy(EXAMPLES / name, directory / name)
    return directory / "mcp_server.py"


def agentick(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        [sys.executable, "-m", "agentick", *args],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def processes_running(path: Path) -> list[int]:
    """Pids of the live processes whose command line mentions `path`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            arguments = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile
            continue
        if str(path).encode() in arguments:
            found.append(int(entry.name))
    return found


def test_run_calls_each_server_tool_and_answers_with_their_results(tmp_path: Path) -> None:
    server = copy_example(tmp_path)

    done = agentick("run", "mcp.px", "-m", "Note that the plumber comes at 3", "--model", "test", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    calls = [line for line in lines if line.startswith("→ ")]
    assert calls == [
        '→ convert({"value": 1.0, "conversion": "km_to_mi"})',
        '→ add_note({"title": "example", "text": "example"})',
        '→ search_notes({"query": "example"})',
    ]
    assert "← convert: 1 km = 0.6214 mi" in lines
    assert "← add_note: Saved note 'example' (3 notes)." in lines
    # search_notes runs concurrently with add_note, so it may or may not see the new note.
    found, not_yet = "← search_notes: example: example", "← search_notes: No note mentions 'example'."
    assert (found in lines) != (not_yet in lines)
    assert lines[-1].startswith("Tool results: convert → 1 km = 0.6214 mi; add_note → Saved note 'example' (3 notes).")
    assert processes_running(server) == []


def test_compile_lists_the_server_tools_and_renders_its_resource(tmp_path: Path) -> None:
    server = copy_example(tmp_path)

    done = agentick("compile", "mcp.px", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "=== tools (3) ===" in out
    tools = out[out.index("=== tools (3) ===") :].splitlines()[1:7]
    assert [line.split(" (")[0] for line in tools[0::2]] == ["convert", "add_note", "search_notes"]
    assert tools[0].endswith(": Convert a length, temperature or weight.")
    schema = json.loads(tools[1])
    assert schema["required"] == ["value", "conversion"]
    assert schema["properties"]["conversion"]["enum"][:2] == ["km_to_mi", "mi_to_km"]
    assert "- groceries\n- trip" in out  # the notes://index resource, rendered in its section
    assert processes_running(server) == []
