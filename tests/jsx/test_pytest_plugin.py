"""The pytest plugin collects test_*.px files (run in a subprocess, like a user would)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.jsx.support import write

SAMPLE = '''\
"""Collected by the agentick_jsx pytest plugin."""


def test_builds_an_element():
    el = <b id="s">hi</b>
    assert el.props["id"] == "s"


def test_failure_points_at_the_px_line():
    el = (
        <b id="t">
            multi-line
            text
        </b>
    )
    assert el.props["id"] == "not t"  # line 16
'''


def run_pytest(directory: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rN", "--tb=short", *args],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.stdout + done.stderr


def test_px_test_files_are_collected_and_failures_name_the_px_line(tmp_path: Path) -> None:
    write(tmp_path, "test_sample.px", SAMPLE)

    out = run_pytest(tmp_path)

    assert "1 failed, 1 passed" in out, out
    assert "test_sample.px:16: in test_failure_points_at_the_px_line" in out, out


def test_px_asserts_are_rewritten(tmp_path: Path) -> None:
    write(tmp_path, "test_sample.px", SAMPLE)

    out = run_pytest(tmp_path)

    assert "AssertionError: assert 't' == 'not t'" in out, out


def test_plain_asserts_with_assert_plain(tmp_path: Path) -> None:
    write(tmp_path, "test_sample.px", SAMPLE)

    out = run_pytest(tmp_path, "--assert=plain")

    assert "1 failed, 1 passed" in out, out
    assert "E   AssertionError\n" in out, out


def test_a_px_file_named_on_the_command_line_is_collected(tmp_path: Path) -> None:
    write(tmp_path, "sample_checks.px", SAMPLE)

    out = run_pytest(tmp_path, "sample_checks.px")

    assert "1 failed, 1 passed" in out, out
    assert "AssertionError: assert 't' == 'not t'" in out, out


def test_python_files_patterns_apply_with_px_for_py(tmp_path: Path) -> None:
    write(tmp_path, "pytest.ini", "[pytest]\npython_files = check_*.py\n")
    write(tmp_path, "check_sample.px", SAMPLE)
    write(tmp_path, "test_ignored.px", "def test_never_collected():\n    assert False\n")

    out = run_pytest(tmp_path)

    assert "1 failed, 1 passed" in out, out
    assert "test_ignored" not in out, out


def test_other_px_modules_are_not_collected_but_importable(tmp_path: Path) -> None:
    write(tmp_path, "components.px", "def Badge():\n    return <b>pkg</b>\n")
    write(
        tmp_path,
        "test_uses.px",
        "from components import Badge\n\n\ndef test_badge():\n    assert Badge().children == ('pkg',)\n",
    )

    out = run_pytest(tmp_path)

    assert "1 passed" in out, out


def test_a_jsx_error_in_a_test_file_is_a_collection_error(tmp_path: Path) -> None:
    write(tmp_path, "test_broken.px", "def test_x():\n    return <p>a</q>\n")

    out = run_pytest(tmp_path)

    assert "ERROR collecting test_broken.px" in out, out
    assert "expected closing tag </p>, found </q>" in out, out


def test_coding_jsx_test_modules_work_and_are_rewritten(tmp_path: Path) -> None:
    source = "# coding: jsx\n\n\ndef test_x():\n    assert <b id='t' />.props['id'] == 'u'\n"
    write(tmp_path, "test_codec_file.py", source)

    out = run_pytest(tmp_path)

    assert "test_codec_file.py:5: in test_x" in out, out
    assert "AssertionError: assert 't' == 'u'" in out, out
