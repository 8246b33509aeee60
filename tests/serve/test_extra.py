"""Without the `serve` extra, `agentick.serve` says what to install; `import agentick` never imports it."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_import_agentick_does_not_import_the_server() -> None:
    done = run(
        "import sys, agentick, agentick.client\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn') or m == 'agentick.serve'))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_a_missing_extra_names_the_pip_install() -> None:
    done = run(
        "import sys\n"
        "sys.modules['starlette'] = None  # as if not installed\n"
        "try:\n"
        "    import agentick.serve\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "agentick.serve (the HTTP server) needs the optional dependency 'starlette', which is not installed: "
        'pip install "agentick[serve]"\n'
    )
