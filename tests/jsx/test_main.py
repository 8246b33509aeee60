"""`python -m agentick_jsx FILE` prints line-preserving Python."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

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


# --- --run FILE [ARGS...] -------------------------------------------------------------------------

TRIP = """\
import sys

from agentick import System
from places import Place


def plan(city):
    return <System>Go to <Place name={city.upper()} />.</System>


if __name__ == "__main__":
    print(sys.argv, __name__, __file__, __spec__, sys.path[0])
    print(plan(sys.argv[1]).children[1].props)
    plan(None)
"""

PLACES = """\
def Place(name):
    return <b>{name}</b>
"""


def test_run_executes_the_file_as_main_with_its_arguments_and_directory(tmp_path: Path) -> None:
    write(tmp_path, "app/trip.px", TRIP)
    write(tmp_path, "app/places.px", PLACES)  # imported from the file's directory, through the hook
    path = tmp_path / "app" / "trip.px"

    done = run_main("--run", "app/trip.px", "paris", "--verbose", cwd=tmp_path)

    assert done.stdout.splitlines() == [
        f"['app/trip.px', 'paris', '--verbose'] __main__ {path} None {tmp_path / 'app'}",
        "{'name': 'PARIS'}",
    ]
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "Traceback (most recent call last):",
        f'  File "{path}", line 14, in <module>',
        "    plan(None)",
        f'  File "{path}", line 8, in plan',
        "    return <System>Go to <Place name={city.upper()} />.</System>",
        "AttributeError: 'NoneType' object has no attribute 'upper'",
    ]


def test_run_reports_a_jsx_error_in_the_file_without_the_transpiler_frames(tmp_path: Path) -> None:
    write(tmp_path, "broken.px", "import sys\nx = <p>a</q>\n")

    done = run_main("--run", "broken.px", cwd=tmp_path)

    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f'  File "{tmp_path / "broken.px"}", line 2\n'
        "    x = <p>a</q>\n"
        "            ^^^^\n"
        "agentick_jsx.errors.JSXSyntaxError: expected closing tag </p>, found </q> "
        "(<p> was opened at line 2, column 5)\n"
    )


def test_run_passes_the_exit_status_of_the_file_through(tmp_path: Path) -> None:
    write(tmp_path, "done.px", "raise SystemExit(<b>bye</b>.children[0])\n")

    done = run_main("--run", "done.px", cwd=tmp_path)

    assert (done.returncode, done.stdout, done.stderr) == (1, "", "bye\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run"], "python -m agentick_jsx: error: --run needs the FILE to run\n"),
        (
            ["--run", "missing.px"],
            "python -m agentick_jsx: can't open file '{missing}': [Errno 2] No such file or directory\n",
        ),
        (["a.px", "--run", "b.px"], "python -m agentick_jsx: error: argument --run: not allowed with argument FILE\n"),
    ],
)
def test_run_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    done = run_main(*args, cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr.endswith(message.format(missing=tmp_path / "missing.px"))


def test_help_shows_both_forms(tmp_path: Path) -> None:
    done = run_main("--help", cwd=tmp_path)

    assert done.stdout.startswith(
        "usage: python -m agentick_jsx FILE\n       python -m agentick_jsx --run FILE [ARGS ...]\n"
    )
