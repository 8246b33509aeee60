"""Two `.px` test files with one module name: the later is skipped with a reason, the run goes on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SAMPLE = 'def test_builds():\n    assert <b>x</b>.type == "b"\n'


def run_pytest(directory: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *args],
        cwd=directory, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_a_second_module_with_the_same_name_is_skipped_naming_the_first(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_same.px").write_text(SAMPLE)

    out = run_pytest(tmp_path)

    assert "1 passed, 1 skipped" in out, out
    assert f"{tmp_path / 'b' / 'test_same.px'} not collected: its module name 'test_same' is already used by" in out
    assert str(tmp_path / "a" / "test_same.px") in out


def test_importlib_mode_collects_both(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "test_same.px").write_text(SAMPLE)

    assert "2 passed" in run_pytest(tmp_path, "--import-mode=importlib")
