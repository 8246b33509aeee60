"""The public API type-checks (API.md §12): user code written as the docs write it is clean under
`mypy --strict` and `pyright --strict`, mistakes in it are reported where they are, the inferred
types are precise (not `Any`), and the package itself is clean under its own pyright settings.

The samples in `samples/` are copied to a temporary directory with a checker configuration of
their own (plain strict mode, as a user's project would have) and checked in one run per checker;
the three checker runs go concurrently. mypy keeps its cache in the project's `.mypy_cache`, so a
second run takes a fraction of the first.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "samples"
TIMEOUT = 300  # seconds: a run takes seconds; this only turns a hang into a failure


@dataclass(frozen=True)
class Diagnostic:
    file: str
    line: int
    severity: str  # "error" or "note"/"information" (reveal_type)
    message: str  # pyright: the first line of the message; mypy: the message with its [code]


@dataclass
class Runs:
    pyright: list[Diagnostic]
    mypy: list[Diagnostic]
    package: dict[str, object]  # pyright's JSON summary for the package itself


def _pyright(cwd: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(*processes: subprocess.Popen[str]) -> list[str]:
    """The output of each process once all have ended (a run that fails leaves none running)."""
    results = []
    for process in processes:
        with process:
            try:
                out, err = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                out, err = process.communicate()
            results.append((process.returncode, out, err))
    for process, (code, out, err) in zip(processes, results, strict=True):
        assert code in (0, 1), f"{process.args} failed ({code}):\n{err}{out}"
    return [out for _, out, _ in results]


def _pyright_diagnostics(output: str) -> list[Diagnostic]:
    return [
        Diagnostic(
            Path(item["file"]).name,
            item["range"]["start"]["line"] + 1,
            item["severity"],
            item["message"].splitlines()[0] + (f" ({item['rule']})" if "rule" in item else ""),
        )
        for item in json.loads(output)["generalDiagnostics"]
    ]


_MYPY_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): (?P<severity>error|note): (?P<message>.*)$")


def _mypy_diagnostics(output: str) -> list[Diagnostic]:
    found = []
    for line in output.splitlines():
        match = _MYPY_LINE.match(line)
        assert match, f"unexpected mypy output: {line}"
        found.append(Diagnostic(Path(match["file"]).name, int(match["line"]), match["severity"], match["message"]))
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    project = tmp_path_factory.mktemp("user_project")
    for sample in SAMPLES.glob("*.py"):
        shutil.copy(sample, project / sample.name)
    # A user's project: strict mode and nothing else. `extraPaths`/MYPYPATH find the checkout,
    # since an editable install is an import hook that type checkers do not run.
    (project / "pyrightconfig.json").write_text(
        json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11", "extraPaths": [str(ROOT)]})
    )
    (project / "mypy.ini").write_text("[mypy]\nstrict = True\n")
    samples = _pyright(project)
    package = _pyright(ROOT)
    mypy = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(ROOT / ".mypy_cache" / "typing-samples"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            *sorted(path.name for path in project.glob("*.py")),
        ],
        cwd=project,
        env={**os.environ, "MYPYPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    samples_out, mypy_out, package_out = _finish(samples, mypy, package)
    yield Runs(
        pyright=_pyright_diagnostics(samples_out),
        mypy=_mypy_diagnostics(mypy_out),
        package=json.loads(package_out)["summary"],
    )


def _of(diagnostics: list[Diagnostic], file: str) -> list[tuple[int, str, str]]:
    return [(d.line, d.severity, d.message) for d in diagnostics if d.file == file]


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("user_*.py")))
def test_user_code_as_documented_is_clean(runs: Runs, sample: str) -> None:
    assert _of(runs.pyright, sample) == []
    assert _of(runs.mypy, sample) == []


def test_mistakes_are_reported_where_they_are(runs: Runs) -> None:
    assert _of(runs.pyright, "mistakes.py") == PYRIGHT_MISTAKES
    assert _of(runs.mypy, "mistakes.py") == MYPY_MISTAKES


def test_inferred_types_are_precise(runs: Runs) -> None:
    assert _of(runs.pyright, "revealed.py") == PYRIGHT_REVEALED
    assert _of(runs.mypy, "revealed.py") == MYPY_REVEALED


def test_the_package_is_clean_under_pyright_strict(runs: Runs) -> None:
    assert runs.package["errorCount"] == 0, "run `pyright` in the project root to see them"
    assert runs.package["filesAnalyzed"] >= 70


# Each (line, severity, message), in the order the checker reports them.
PYRIGHT_MISTAKES: list[tuple[int, str, str]] = [
    (
        22,
        "error",
        'Argument of type "Literal[\'x\']" cannot be assigned to parameter of type "int | ((int) -> int)" (reportArgumentType)',
    ),
    (
        23,
        "error",
        'Argument of type "(result: TickResult) -> None" cannot be assigned to parameter "callback" of type "ContinuationCallback" in function "use_on_tick_end" (reportArgumentType)',
    ),
    (
        28,
        "error",
        'Argument of type "Literal[\'x\']" cannot be assigned to parameter "b" of type "int" in function "add" (reportArgumentType)',
    ),
    (29, "error", 'No parameter named "a" (reportCallIssue)'),
    (31, "error", 'Type of "name" is unknown (reportUnknownMemberType)'),
    (31, "error", "Argument type is unknown (reportUnknownArgumentType)"),
    (31, "error", 'Cannot access attribute "name" for class "ContentDeltaEvent" (reportAttributeAccessIssue)'),
    (
        33,
        "error",
        'Argument of type "Literal[42]" cannot be assigned to parameter "input" of type "str | Message | dict[str, Any] | None" in function "__call__" (reportArgumentType)',
    ),
    (34, "error", 'Type of "respons" is unknown (reportUnknownMemberType)'),
    (34, "error", "Argument type is unknown (reportUnknownArgumentType)"),
    (34, "error", 'Cannot access attribute "respons" for class "SendResult[Any]" (reportAttributeAccessIssue)'),
    (
        38,
        "error",
        'Argument of type "Literal[1]" cannot be assigned to parameter "reason" of type "str | None" in function "stop" (reportArgumentType)',
    ),
]
MYPY_MISTAKES: list[tuple[int, str, str]] = [
    (22, "error", 'Argument 1 has incompatible type "str"; expected "int | Callable[[int], int]"  [arg-type]'),
    (23, "error", "Cannot infer type of lambda  [misc]"),
    (
        23,
        "error",
        'Argument 1 to "use_on_tick_end" has incompatible type "Callable[[Any], None]"; expected "Callable[[TickResult, Com], bool | Mapping[str, object] | None | Awaitable[bool | Mapping[str, object] | None]]"  [arg-type]',
    ),
    (28, "error", 'Argument 2 to "add" has incompatible type "str"; expected "int"  [arg-type]'),
    (29, "error", 'Unexpected keyword argument "a" for "__call__" of "ExecutableTool"  [call-arg]'),
    (29, "note", '"__call__" defined in "agentick.tools"'),
    (31, "error", '"ContentDeltaEvent" has no attribute "name"  [attr-defined]'),
    (
        33,
        "error",
        'Argument 1 to "__call__" of "Procedure" has incompatible type "int"; expected "str | Message | dict[str, Any] | None"  [arg-type]',
    ),
    (34, "error", '"SendResult[Any]" has no attribute "respons"; maybe "response"?  [attr-defined]'),
    (
        38,
        "error",
        'Argument "reason" to "stop" of "TickResult" has incompatible type "int"; expected "str | None"  [arg-type]',
    ),
]
PYRIGHT_REVEALED: list[tuple[int, str, str]] = [
    (16, "information", 'Type of "use_state(0)" is "tuple[int, (int | ((int) -> int)) -> None]"'),
    (17, "information", 'Type of "use_ref("")" is "Ref[str]"'),
    (18, "information", 'Type of "use_memo(lambda : [1.5], [])" is "list[float]"'),
    (19, "information", 'Type of "use_reducer(step, 0)" is "tuple[int, (int) -> None]"'),
    (20, "information", 'Type of "create_context(0.5)" is "Context[float]"'),
    (25, "information", 'Type of "add" is "ExecutableTool[(a: int, b: int) -> CoroutineType[Any, Any, str]]"'),
    (26, "information", 'Type of "Search" is "ExecutableTool[(SearchInput, ...) -> list[str]]"'),
    (29, "information", 'Type of "promise" is "ProcedurePromise[ExecutionHandle, SendResult[Any]]"'),
    (30, "information", 'Type of "await promise.result" is "SendResult[Any]"'),
    (32, "information", 'Type of "event.sequence" is "int"'),
    (33, "information", 'Type of "run_sync(h(Probe))" is "SendResult[str]"'),
    (34, "information", 'Type of "await render_agent(Probe)" is "AgentHarness[TestModel]"'),
    (35, "information", 'Type of "run_sync(h(Probe), output_type=SearchInput).output" is "SearchInput"'),
]
MYPY_REVEALED: list[tuple[int, str, str]] = [
    (16, "note", 'Revealed type is "tuple[int, def (int | (def (int) -> int))]"'),
    (17, "note", 'Revealed type is "agentick.reconciler.hooks.Ref[str]"'),
    (18, "note", 'Revealed type is "list[float]"'),
    (19, "note", 'Revealed type is "tuple[int, def (int)]"'),
    (20, "note", 'Revealed type is "agentick.reconciler.context.Context[float]"'),
    (
        25,
        "note",
        'Revealed type is "agentick.tools.ExecutableTool[def (a: int, b: int) -> typing.Coroutine[Any, Any, str]]"',
    ),
    (
        26,
        "note",
        'Revealed type is "agentick.tools.ExecutableTool[def (user_tools.SearchInput, *Any, **Any) -> list[str]]"',
    ),
    (
        29,
        "note",
        'Revealed type is "agentick.engine.procedure.ProcedurePromise[agentick.engine.handle.ExecutionHandle, agentick.engine.results.SendResult[Any]]"',
    ),
    (30, "note", 'Revealed type is "agentick.engine.results.SendResult[Any]"'),
    (32, "note", 'Revealed type is "int"'),
    (33, "note", 'Revealed type is "agentick.engine.results.SendResult[str]"'),
    (34, "note", 'Revealed type is "agentick.testing.agents.AgentHarness[agentick.testing.model.TestModel]"'),
    (35, "note", 'Revealed type is "user_tools.SearchInput"'),
]
