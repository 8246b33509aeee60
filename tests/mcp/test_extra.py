"""The `mcp` extra: `import agentick` never imports `mcp`; `agentick.mcp` without it names the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )


def test_importing_agentick_does_not_import_mcp() -> None:
    done = run_python(
        """
        import sys
        import agentick, agentick.testing
        print("mcp" in sys.modules, "mcp_types" in sys.modules)
        """
    )
    assert done.stdout.strip() == "False False", done.stderr


def test_importing_agentick_mcp_without_the_extra_names_it() -> None:
    done = run_python(
        """
        import sys
        sys.modules["mcp"] = None  # what an interpreter without the package sees
        try:
            import agentick.mcp
        except ImportError as exc:
            print(exc)
        """
    )
    assert done.stdout.strip() == (
        "agentick.mcp (MCP servers as components) needs the optional dependency 'mcp', which is not installed: "
        'pip install "agentick[mcp]"'
    ), done.stderr
