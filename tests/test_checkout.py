"""The checkout stands alone: README commands that need nothing beside it, extras per optional
feature (API.md, preamble of §12–17), and an `import agentick` that imports none of them."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FEATURE_EXTRAS = {"anthropic", "gemini", "mcp", "otel", "serve", "postgres"}
OPTIONAL_MODULES = ["anthropic", "google.genai", "mcp", "opentelemetry", "starlette", "uvicorn"]
OPTIONAL_MODULES += ["psycopg", "psycopg_pool"]
BENCHMARK_MODULES = ["agents", "pydantic_ai", "matplotlib", "numpy"]  # the `bench` extra


def test_the_readme_commands_need_nothing_outside_the_checkout():
    commands = [line.strip() for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("    ")]
    run = [command for command in commands if "pytest" in command or "agentick run" in command]

    assert len(run) == 2
    assert [command for command in run if "../" in command] == []


def test_each_optional_feature_has_its_extra_and_dev_has_them_all_but_not_the_benchmarks():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]

    assert set(extras) == FEATURE_EXTRAS | {"all", "dev", "bench"}
    assert extras["all"] == [f"agentick[{','.join(sorted(FEATURE_EXTRAS, key=list(extras).index))}]"]
    assert "agentick[all]" in extras["dev"]
    bench_only = {"pydantic-ai-slim[openai]", "openai-agents", "matplotlib", "numpy"}
    assert {re.split(r"[<>=]", requirement)[0] for requirement in extras["bench"]} >= bench_only
    assert [requirement for requirement in extras["dev"] if re.split(r"[<>=]", requirement)[0] in bench_only] == []


def test_importing_agentick_imports_no_optional_dependency():
    missing = [name for name in OPTIONAL_MODULES if importlib.util.find_spec(name) is None]
    assert missing == [], "the dev extra installs every optional feature"
    code = (
        "import json, sys, agentick, agentick_jsx, agentick.stores, agentick.testing\n"
        f"names = {OPTIONAL_MODULES + BENCHMARK_MODULES!r}\n"
        "print(json.dumps(sorted(n for n in names if n in sys.modules)))"
    )

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)

    assert json.loads(done.stdout) == []


def test_the_version_attribute_is_the_installed_distributions():
    import agentick

    assert agentick.__version__ == metadata.version("agentick")
    with pytest.raises(AttributeError, match=r"^module 'agentick' has no attribute 'nonexistent'$"):
        agentick.nonexistent  # noqa: B018
