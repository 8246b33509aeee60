"""Without the import hook, a failed import of a `.px`/`.pyx` module explains itself (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.jsx.support import write

FIX = (
    ".px and .pyx files import only with the agentick_jsx import hook, which is not installed. "
    "Install it before the first import with `import agentick_jsx; agentick_jsx.install()` "
    "(or `import agentick_jsx.auto`), or run the program with `agentick run FILE` (an agent) or "
    "`python -m agentick_jsx --run FILE` (a script)."
)

REPORT = """
try:
    {statement}
except ModuleNotFoundError as error:
    print(error.name, error.path, error, sep="\\n")
"""


def run_python(directory: Path, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=directory, capture_output=True, text=True, timeout=60
    )


def report(directory: Path, setup: str, statement: str) -> list[str]:
    """`name`, `path` and message of the ModuleNotFoundError that `statement` raises after `setup`."""
    done = run_python(directory, setup + "\n" + REPORT.format(statement=statement))
    assert done.stderr == ""
    return done.stdout.splitlines()


@pytest.mark.parametrize("setup", ["import agentick", "import agentick_jsx"])
def test_importing_a_px_module_without_the_hook_names_the_file_and_the_fix(tmp_path: Path, setup: str) -> None:
    write(tmp_path, "trip.px", "x = <b>hi</b>\n")
    path = tmp_path / "trip.px"

    assert report(tmp_path, setup, "import trip") == [
        "trip",
        str(path),
        f"No module named 'trip', but there is {path}: {FIX}",
    ]


def test_find_spec_raises_the_same_error(tmp_path: Path) -> None:
    write(tmp_path, "trip.px", "x = <b>hi</b>\n")
    path = tmp_path / "trip.px"

    assert report(tmp_path, "import agentick, importlib.util", 'importlib.util.find_spec("trip")') == [
        "trip",
        str(path),
        f"No module named 'trip', but there is {path}: {FIX}",
    ]


def test_the_uncaught_error_is_what_the_user_sees(tmp_path: Path) -> None:
    write(tmp_path, "trip.px", "x = <b>hi</b>\n")

    done = run_python(tmp_path, "import agentick\nimport trip\n")

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        f"ModuleNotFoundError: No module named 'trip', but there is {tmp_path / 'trip.px'}: {FIX}"
    )


def test_a_pyx_module_also_mentions_cython(tmp_path: Path) -> None:
    write(tmp_path, "trip.pyx", "x = <b>hi</b>\n")
    path = tmp_path / "trip.pyx"

    assert report(tmp_path, "import agentick", "import trip") == [
        "trip",
        str(path),
        f"No module named 'trip', but there is {path}: {FIX} If trip.pyx is a Cython source, build it with Cython "
        "instead.",
    ]


@pytest.mark.parametrize("statement", ["from pkg import trip", "import pkg.trip"])
def test_a_submodule_is_looked_for_in_its_package(tmp_path: Path, statement: str) -> None:
    write(tmp_path, "pkg/__init__.py", "")
    write(tmp_path, "pkg/trip.px", "x = <b>hi</b>\n")
    path = tmp_path / "pkg" / "trip.px"

    assert report(tmp_path, "import agentick", statement) == [
        "None",  # a from-import would swallow an error named 'pkg.trip'
        str(path),
        f"No module named 'pkg.trip', but there is {path}: {FIX}",
    ]


@pytest.mark.parametrize("statement", ["from pkg import Agent", "import pkg.tools"])
def test_a_package_with_only_an_init_px_is_explained_at_the_next_import(tmp_path: Path, statement: str) -> None:
    write(tmp_path, "pkg/__init__.px", "Agent = <b>hi</b>\n")
    path = tmp_path / "pkg" / "__init__.px"
    wanted = "pkg.Agent" if "Agent" in statement else "pkg.tools"

    assert report(tmp_path, "import agentick", statement) == [
        "pkg",
        str(path),
        f"No module named {wanted!r}: pkg was imported as an empty namespace package instead of from {path}: {FIX}",
    ]


def test_a_module_without_a_jsx_file_fails_as_usual(tmp_path: Path) -> None:
    write(tmp_path, "pkg/__init__.py", "")

    assert report(tmp_path, "import agentick", "import nothere") == ["nothere", "None", "No module named 'nothere'"]
    assert report(tmp_path, "import agentick", "import pkg.nothere") == [
        "pkg.nothere",
        "None",
        "No module named 'pkg.nothere'",
    ]


def test_installed_once_last_and_without_the_transpiler(tmp_path: Path) -> None:
    done = run_python(
        tmp_path,
        """
        import sys
        import agentick, agentick_jsx
        from agentick_jsx.hook_hint import HookHintFinder, install
        install()
        print(sys.meta_path.count(HookHintFinder), sys.meta_path[-1] is HookHintFinder)
        print(sorted(name for name in sys.modules if name.startswith("agentick_jsx")))
        """,
    )

    assert done.stderr == ""
    assert done.stdout.splitlines() == ["1 True", "['agentick_jsx', 'agentick_jsx.errors', 'agentick_jsx.hook_hint']"]


def test_silent_while_the_import_hook_is_installed(tmp_path: Path) -> None:
    write(tmp_path, "trip.px", "x = <b>hi</b>\n")

    done = run_python(
        tmp_path,
        """
        import agentick_jsx
        from agentick_jsx.hook_hint import HookHintFinder
        agentick_jsx.install()
        print(HookHintFinder.find_spec("trip"))
        import trip
        print(trip.x.type)
        """,
    )

    assert (done.stderr, done.stdout) == ("", "None\nb\n")
