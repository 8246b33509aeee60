"""The `agentick` command through real subprocesses, offline."""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from agentick import ProviderError, cli
from agentick.cli_errors import describe
from agentick.testing.fake_openai import FakeOpenAI

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


@pytest.mark.parametrize("name", ["colorsys", "json"])  # not yet imported by the command / already imported
def test_an_agent_file_named_like_an_installed_module_does_not_shadow_it(tmp_path, name):
    source = f"import {name}\nfrom agentick import System\n\n\ndef Agent():\n"
    source += f"    return <System>{{{name}.__file__}}</System>\n"
    (tmp_path / f"{name}.px").write_text(source)

    done = agentick("compile", f"{name}.px", cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2] == __import__(name).__file__


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("run", "missing.px", "-m", "hi", "--model", "test"),
            f"agentick: error: missing.px: no such file in {EXAMPLES}",
        ),
        (
            ("run", "hello.px:Nope", "--model", "test"),
            "agentick: error: hello.px has no component 'Nope' (components defined there: Agent)",
        ),
        (("compile", "hello.px", "--props", "[1]"), "agentick: error: --props must be a JSON object"),
    ],
    ids=["missing-file", "missing-component", "bad-props"],
)
def test_usage_errors_exit_2_with_a_clear_message(args, message):
    done = agentick(*args, cwd=EXAMPLES)

    assert done.returncode == 2
    assert done.stderr == message + "\n"


def test_a_jsx_syntax_error_is_reported_with_file_line_and_column(tmp_path):
    (tmp_path / "broken.px").write_text("def Agent():\n    return <System>hi</Section>\n")

    done = agentick("compile", "broken.px", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        "agentick: error: broken.px:2:22: JSXSyntaxError: expected closing tag </System>, found </Section> "
        "(<System> was opened at line 2, column 12)\n"
    )


def test_a_refused_connection_names_the_address_and_the_options_that_set_it(tmp_path):
    hello = str(EXAMPLES / "hello.px")
    done = agentick("run", hello, "-m", "hi", "--base-url", "http://127.0.0.1:9/v1", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        "agentick: error: cannot connect to 127.0.0.1:9 (connection refused); check that the server is running "
        "and --base-url / OPENAI_BASE_URL\n"
    )


def test_an_unresolvable_host_reads_as_a_dns_failure(tmp_path):
    hello = str(EXAMPLES / "hello.px")
    done = agentick("run", hello, "-m", "hi", "--base-url", "http://nonexistent.invalid/v1", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        "agentick: error: cannot resolve host nonexistent.invalid (DNS lookup failed); "
        "check --base-url / OPENAI_BASE_URL\n"
    )


def test_version_prints_the_installed_distribution_version():
    done = agentick("--version", cwd=EXAMPLES)

    assert done.returncode == 0, done.stderr
    assert done.stdout == f"agentick {metadata.version('agentick')}\n"


TUTOR = """from agentick import System, Timeline


def Agent():
    return <><System>You are a tutor.</System><Timeline /></>
"""


@pytest.mark.parametrize("suffix", [".px", ".pyx"])
@pytest.mark.parametrize("command", ["run", "compile", "transpile"])
def test_a_file_name_without_its_suffix_finds_the_agent_file(tmp_path, suffix, command):
    (tmp_path / f"tutor{suffix}").write_text(TUTOR)
    extra = {"run": ["-m", "hi", "--model", "test"], "compile": ["-m", "hi"], "transpile": []}[command]

    done = agentick(command, "tutor", *extra, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    expected = {"run": "Test response", "compile": "You are a tutor.", "transpile": "def Agent():"}[command]
    assert expected in done.stdout


def test_a_missing_agent_file_lists_every_name_tried(tmp_path):
    done = agentick("run", "tutor:Agent", "-m", "hi", "--model", "test", cwd=tmp_path)

    assert done.returncode == 2
    assert done.stderr == (
        f"agentick: error: tutor: no such file; tried tutor, tutor.px, tutor.pyx, tutor.py in {tmp_path}\n"
    )


FAILING = """from agentick import System, Timeline


def lookup(name):
    return {"ada": 1}[name]


def Agent():
    lookup("bob")
    return <><System>hi</System><Timeline /></>
"""


def test_an_error_in_user_code_is_one_line_naming_the_innermost_user_line(tmp_path):
    (tmp_path / "agent.px").write_text(FAILING)

    done = agentick("run", "agent", "-m", "hi", "--model", "test", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr == (
        f"agentick: error: agent.px:5: ComponentError: Agent ({tmp_path / 'agent.px'}:5) raised KeyError: 'bob'\n"
    )


def test_traceback_prints_the_whole_trace_before_the_one_line(tmp_path):
    (tmp_path / "agent.px").write_text(FAILING)

    done = agentick("compile", "agent", "--traceback", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):\n")
    assert f'File "{tmp_path / "agent.px"}", line 5, in lookup' in done.stderr
    assert done.stderr.endswith(
        f"agentick: error: agent.px:5: ComponentError: Agent ({tmp_path / 'agent.px'}:5) raised KeyError: 'bob'\n"
    )


CONNECTING = """import socket

from agentick import System, Timeline


def Agent():
    raise {error}
    return <><System>hi</System><Timeline /></>
"""


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("ConnectionRefusedError(111, 'Connection refused')", "ConnectionRefusedError: [Errno 111] Connection refused"),
        ("socket.gaierror(-2, 'Name or service not known')", "gaierror: [Errno -2] Name or service not known"),
    ],
    ids=["refused", "dns"],
)
@pytest.mark.parametrize("model", [("--model", "test"), ("--base-url", "http://127.0.0.1:9/v1")], ids=["test", "url"])
def test_a_failed_connection_of_the_users_own_code_is_reported_at_its_line_not_as_the_models(
    tmp_path, error, shown, model
):
    (tmp_path / "agent.px").write_text(CONNECTING.format(error=error))

    done = agentick("run", "agent", "-m", "hi", *model, cwd=tmp_path)

    assert done.returncode == 1
    assert (
        done.stderr
        == f"agentick: error: agent.px:7: ComponentError: Agent ({tmp_path / 'agent.px'}:7) raised {shown}\n"
    )


FORGETFUL = """from agentick import System


def Agent():
    return <System>You are terse.</System>
"""


def test_main_called_in_process_prints_warnings_to_the_current_stderr_and_leaves_logging_as_it_was(
    tmp_path, monkeypatch
):
    (tmp_path / "cli_in_process_agent.px").write_text(FORGETFUL)
    monkeypatch.setattr(sys, "path", [*sys.path])  # the command puts the agent's directory on the path
    logger = logging.getLogger("agentick")
    handlers = list(logger.handlers)
    streams = [io.StringIO(), io.StringIO()]

    try:
        for stream in streams:
            with contextlib.redirect_stderr(stream), contextlib.redirect_stdout(io.StringIO()):
                assert cli.main(["compile", str(tmp_path / "cli_in_process_agent.px"), "-m", "hi"]) == 0
    finally:
        sys.modules.pop("cli_in_process_agent", None)

    warning = (
        "agentick: warning: Agent renders no <Timeline />, so the conversation (including the message just sent) "
        "never reaches the model. Render <Timeline /> in Agent (after the <System> part), or render the messages "
        "yourself (<User>, <Assistant>, or a <Timeline> render function)\n"
    )
    assert [stream.getvalue() for stream in streams] == [warning, warning]
    assert logger.handlers == handlers


# --- model strings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "sent"),
    [(("--model", "openai:gpt-4o-mini"), "gpt-4o-mini"), (("--model", "gpt-4.1"), "gpt-4.1"), ((), "gpt-4o-mini")],
    ids=["provider-string", "bare-name", "default"],
)
def test_an_openai_model_string_talks_to_the_server_at_base_url(model, sent):
    with FakeOpenAI("Hello from the fake.") as server:
        done = agentick("run", "hello.px", "-m", "Hi", *model, "--base-url", server.base_url, cwd=EXAMPLES)

    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello from the fake.\n"
    [request] = server.requests
    assert request.body["model"] == sent
    assert request.headers["authorization"] == "Bearer unused"  # no key needed for a local server


def test_an_unknown_provider_in_model_is_a_usage_error_listing_the_known_ones():
    done = agentick("run", "hello.px", "-m", "Hi", "--model", "mistral:large", cwd=EXAMPLES)

    assert done.returncode == 2
    assert done.stderr == (
        "agentick: error: --model mistral:large: unknown model provider 'mistral' in 'mistral:large': the known "
        "providers are openai, anthropic, gemini (also written google or google-gla) and test. A model name that "
        "holds a colon needs its provider first (for example 'openai:mistral:large').\n"
    )


def refused(provider: str) -> ProviderError:
    error = ProviderError(f"Cannot connect to {provider} model 'm' at http://127.0.0.1:9: Connection refused.")
    error.provider = provider
    error.__cause__ = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    return error


def test_a_refused_connection_of_another_provider_names_base_url_only_when_it_set_the_address():
    assert describe(refused("anthropic"), base_url="http://127.0.0.1:9") == (
        "cannot connect to 127.0.0.1:9 (connection refused); check that the server is running and --base-url"
    )
    # without --base-url the address is the provider's default, which only its own message knows
    assert describe(refused("anthropic")) == (
        "ProviderError: Cannot connect to anthropic model 'm' at http://127.0.0.1:9: Connection refused."
    )
    assert describe(refused("openai")).startswith("cannot connect to api.openai.com (connection refused)")
