"""`agentick check`: type checkers run over the transpiled `.px` modules and report at `.px` lines.

Everything runs through the real command in a subprocess, with the real mypy, pyright and ruff.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AGENTICK = [sys.executable, "-m", "agentick"]

PROPS = '''\
"""Props of every kind, right and wrong."""
from typing import Any

from pydantic import BaseModel

from agentick import Element, System, Timeline, create_tool, memo
from helpers import shout


class Query(BaseModel):
    text: str


Search = create_tool(name="search", input=Query, handler=lambda query: query.text)


def Greeter(name: str, times: int = 1) -> Element:
    return <System>{shout(name) * times}</System>


def Box(title: str, children: list[Any]) -> Element:
    return <System>{title}{children}</System>


Quick = memo(Greeter)


def Agent() -> Element:
    count: int = "three"
    return (
        <>
            <Greeter name={42} times="three" />
            <Greeter
                times={3}
            />
            <Greeter name="x" bogus={1} />
            <Greeter name="y">a child</Greeter>
            <Box title="fine" key="b">text {count}</Box>
            <Search requires_confirmation confirmation_timeout="soon" />
            <Quick name={[]} />
            <Timeline />
        </>
    )
'''

HELPERS = """\
def shout(text: str) -> str:
    return text.upper() + 1
"""


def check(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*AGENTICK, "check", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env, timeout=600
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("project")
    (directory / "agent.px").write_text(PROPS)
    (directory / "helpers.py").write_text(HELPERS)
    return directory


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_the_examples_are_clean(checker: str) -> None:
    result = check("examples", "--checker", checker)

    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_mypy_reports_each_prop_error_at_its_px_line_and_column(project: Path) -> None:
    result = check("--checker", "mypy", cwd=project)

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "agent.px:29:18: error: Incompatible types in assignment "
        '(expression has type "str", variable has type "int")  [assignment]',
        'agent.px:32:28: error: Argument "name" to "jsx" has incompatible type "int"; expected "str"  [arg-type]',
        'agent.px:32:39: error: Argument "times" to "jsx" has incompatible type "str"; expected "int"  [arg-type]',
        'agent.px:33:14: error: Too few arguments for "jsx"  [call-arg]',
        'agent.px:36:31: error: Unexpected keyword argument "bogus" for "jsx"  [call-arg]',
        'agent.px:37:14: error: Unexpected keyword argument "children" for "jsx"  [call-arg]',
        'agent.px:39:65: error: Argument "confirmation_timeout" to "jsx" has incompatible type "str"; '
        'expected "float | None"  [arg-type]',
        'agent.px:40:26: error: Argument "name" to "jsx" has incompatible type "list[Never]"; '
        'expected "str"  [arg-type]',
        'helpers.py:2:27: error: Unsupported operand types for + ("str" and "int")  [operator]',
    ]
    assert result.stderr == "agentick check: 9 errors (mypy)\n"


def test_pyright_reports_each_prop_error_at_its_px_line_and_column(project: Path) -> None:
    result = check(".", "--checker", "pyright", cwd=project)

    assert result.returncode == 1
    assert [line.split(": error: ")[0] for line in result.stdout.splitlines()] == [
        "agent.px:29:18",  # the plain Python error
        "agent.px:32:28",  # name={42}
        "agent.px:32:39",  # times="three"
        "agent.px:33:14",  # no name
        "agent.px:36:31",  # bogus={1}
        "agent.px:37:31",  # the first child of a component without `children`
        "agent.px:39:65",  # a tool prop
        "agent.px:40:26",  # a memo component's prop
        "helpers.py:2:12",
    ]
    assert 'No parameter named "bogus"' in result.stdout
    assert 'No parameter named "children"' in result.stdout
    assert 'Argument missing for parameter "name"' in result.stdout


def test_only_the_given_paths_are_reported(project: Path) -> None:
    result = check("helpers.py", "--checker", "pyright", cwd=project)

    assert result.returncode == 1
    assert [line.split(": error: ")[0] for line in result.stdout.splitlines()] == ["helpers.py:2:12"]


def test_a_jsx_syntax_error_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "broken.px").write_text("\nel = <b>hi</i>\n")

    result = check("--checker", "pyright", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.startswith("broken.px:2:11: error: expected closing tag </b>, found </i>")


def test_a_coding_jsx_python_file_is_checked_through_its_transpiled_form(tmp_path: Path) -> None:
    source = "# coding: jsx\nfrom agentick import Element, System\n\n\ndef G(name: str) -> Element:\n"
    (tmp_path / "coded.py").write_text(source + "    return <System>{name}</System>\n\n\nx = <G name={1} />\n")

    result = check("--checker", "pyright", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.startswith('coded.py:9:14: error: Argument of type "Literal[1]" cannot be assigned')
    assert len(result.stdout.splitlines()) == 1


def test_ruff_lints_the_jsx_modules_at_their_own_lines(tmp_path: Path) -> None:
    source = (
        '"""Lint."""\n\nfrom agentick import System\n\n\ndef f(x):\n    import os\n    return <System>{x}</System>\n'
    )
    (tmp_path / "lint.px").write_text(source)

    result = check("--ruff", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.splitlines() == ["lint.px:7:12: error: `os` imported but unused  [F401]"]


def test_ruff_with_the_projects_config_accepts_the_examples() -> None:
    result = check("--ruff", "examples")

    assert (result.returncode, result.stdout) == (0, "")


@pytest.mark.parametrize("checker", ["mypy", "pyright"])
def test_a_missing_checker_is_exit_status_2_and_says_what_to_install(tmp_path: Path, checker: str) -> None:
    bare = tmp_path / "bare"
    venv.create(bare, with_pip=False)  # an interpreter whose environment has no checker
    python = bare / "bin" / "python"
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}

    result = check("examples/hello.px", "--checker", checker, "--python", str(python), env=env)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == textwrap.dedent(
        f"""\
        agentick check: {checker} is not installed for {python}: install it with `{python} -m pip install {checker}`
        """
    )


def test_mypy_checks_the_props_inside_an_unannotated_component(tmp_path: Path) -> None:
    source = "from agentick import System\n\n\ndef Greeter(name: str):\n    return <System>{name}</System>\n\n\n"
    (tmp_path / "plain.px").write_text(source + "def Agent():\n    return <Greeter name={1} />\n")

    result = check("--checker", "mypy", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        'plain.px:9:27: error: Argument "name" to "jsx" has incompatible type "int"; expected "str"  [arg-type]'
    ]


@pytest.mark.parametrize("where", ["missing.px", "outside"])
def test_a_path_that_is_missing_or_outside_the_project_is_refused(tmp_path: Path, where: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "outside.px").write_text("x: int = 'not an int'\n")
    path = "missing.px" if where == "missing.px" else str(tmp_path / "outside.px")

    result = check(path, "--checker", "pyright", cwd=project)

    assert result.returncode == 2
    assert result.stdout == ""
    expected = (
        "agentick check: missing.px: no such file or directory\n"
        if where == "missing.px"
        else f"agentick check: {path} is outside the current directory ({project}): run agentick check from the "
        "project root\n"
    )
    assert result.stderr == expected


def test_paths_without_files_to_check_say_so(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    result = check("empty", "--checker", "pyright", cwd=tmp_path)

    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "agentick check: no .py, .px or .pyx files in empty\n"
