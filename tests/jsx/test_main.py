"""`python -m agentick_jsx FILE` prints line-preserving Python."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.jsx.support import write


def run_main(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentick_jsx", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_prints_the_transpiled_module(tmp_path: Path) -> None:
    source = textwrap.dedent(
        '''\
        """Doc."""


        def Agent(topic):
            return (
                <p>
                    About {topic}.
                </p>
            )
        '''
    )
    write(tmp_path, "agent.px", source)

    done = run_main("agent.px", cwd=tmp_path)

    assert (done.returncode, done.stderr) == (0, "")
    assert "<p>" not in done.stdout
    assert done.stdout.count("\n") == source.count("\n")
    compile(done.stdout, "agent.px", "exec")


def test_reads_coding_jsx_files_as_utf8(tmp_path: Path) -> None:
    write(tmp_path, "script.py", "# coding: jsx\nx = <b>é</b>\n")

    done = run_main("script.py", cwd=tmp_path)

    assert done.returncode == 0
    assert done.stdout.startswith("# coding: jsx\n")
    assert "'é'" in done.stdout


def test_a_jsx_error_is_reported_on_stderr_with_exit_code_1(tmp_path: Path) -> None:
    write(tmp_path, "broken.px", "x = <p>a</q>\n")

    done = run_main("broken.px", cwd=tmp_path)

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        '  File "broken.px", line 1\n'
        "    x = <p>a</q>\n"
        "            ^^^^\n"
        "agentick_jsx.errors.JSXSyntaxError: expected closing tag </p>, found </q> "
        "(<p> was opened at line 1, column 5)\n"
    )


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    done = run_main("missing.px", cwd=tmp_path)

    assert done.returncode == 2
    assert "missing.px" in done.stderr
