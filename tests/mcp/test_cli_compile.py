"""`agentick compile FILE` lists the tools of the MCP servers the agent mounts, and closes them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import TOOLBOX, Toolbox


def test_agentick_compile_shows_mcp_tools(toolbox: Toolbox, tmp_path: Path) -> None:
    agent = tmp_path / "agent.py"
    props = {**toolbox.props(include=["echo", "add"]), "args": [TOOLBOX]}
    agent.write_text(
        "from agentick import Fragment, Timeline, h\n"
        "from agentick.mcp import MCPServer\n"
        f"def Agent():\n    return h(Fragment, None, h(MCPServer, {props!r}), h(Timeline))\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "agentick", "compile", str(agent)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "=== tools (2) ===" in done.stdout
    assert "echo (" in done.stdout and "add (" in done.stdout
    assert len(toolbox.pids) == 1  # and the toolbox fixture checks it is gone
