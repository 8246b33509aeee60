"""The `agentick` command through real subprocesses, offline."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def agentick(*args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "agentick", *args],
        cwd=cwd, env=environment, input=stdin, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.mark.parametrize("example", sorted(path.name for path in EXAMPLES.glob("*.px")))
def test_every_example_runs_offline_with_the_test_model(example):
    done = agentick("run", example, "-m", "Please help.", "--model", "test", cwd=EXAMPLES)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the agent printed no answer"


def test_run_shows_tool_calls_and_results_then_the_answer():
    done = agentick("run", "calculator.px", "-m", "6 times 7", "--model", "test", cwd=EXAMPLES)

    assert done.stdout.splitlines() == [
        '→ add({"a": 1.0, "b": 1.0})',
        '→ multiply({"a": 1.0, "b": 1.0})',
        '→ divide({"a": 1.0, "b": 1.0})',
        "← add: 2.0",
        "← multiply: 1.0",
        "← divide: 1.0",
        "Tool results: add → 2.0; multiply → 1.0; divide → 1.0",
    ]


def test_the_repl_answers_each_line_until_an_empty_one():
    done = agentick("run", "hello.px", "--model", "test", cwd=EXAMPLES, stdin="Hi\nAgain\n\n")

    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Test response") == 2


def test_compile_prints_every_part_with_token_counts():
    done = agentick("compile", "hello.px:Agent", "-m", "Hello!", "--props", '{"name": "Ada"}', cwd=EXAMPLES)

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].startswith("=== system (") and lines[1].endswith(" tokens) ===")
    assert lines[2] == "You are a cheerful assistant talking to Ada."
    assert "[user] (" in done.stdout and "\nHello!\n" in done.stdout
    assert lines[-1].startswith("total: ") and lines[-1].endswith(" tokens")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "missing.px", "-m", "hi", "--model", "test"), "agentick: missing.px: no such file"),
        (("run", "hello.px:Nope", "--model", "test"), "hello.px has no component 'Nope' (components found:"),
        (("compile", "hello.px", "--props", "[1]"), "agentick: --props must be a JSON object"),
    ],
    ids=["missing-file", "missing-component", "bad-props"],
)
def test_usage_errors_exit_2_with_a_clear_message(args, message):
    done = agentick(*args, cwd=EXAMPLES)

    assert done.returncode == 2
    assert message in done.stderr


def test_a_jsx_syntax_error_is_reported_with_file_line_and_column(tmp_path):
    (tmp_path / "broken.px").write_text("def Agent():\n    return <System>hi</Section>\n")

    done = agentick("compile", "broken.px", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        f"{tmp_path / 'broken.px'}:2:22: expected closing tag </System>, found </Section> "
        "(<System> was opened at line 2, column 12)\n"
    )


def test_a_model_base_url_without_a_key_is_allowed_for_local_servers(tmp_path):
    hello = str(EXAMPLES / "hello.px")
    done = agentick("run", hello, "-m", "hi", "--base-url", "http://127.0.0.1:9/v1", cwd=tmp_path)

    assert done.returncode == 1
    assert "ModelError" in done.stderr and "127.0.0.1:9" in done.stderr
