"""The `# coding: jsx` codec: imports, direct script runs, stream readers and errors."""

from __future__ import annotations

import codecs
import importlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentick_jsx import JSXSyntaxError, codec
from tests.jsx.support import write

FALLBACK = "__import__('agentick.element').element.h("
SCRIPT = """\
# coding: jsx
def show(name):
    return <b title="t">Hello {name}!</b>


el = show("Ada")
print(el.type, el.children, el.props)
"""


def run_script(directory: Path, script: Path) -> subprocess.CompletedProcess[str]:
    """`python script.py` in a fresh interpreter whose start-up registers the codec (sitecustomize)."""
    write(directory, "startup/sitecustomize.py", "import agentick_jsx.codec\nagentick_jsx.codec.register()\n")
    env = {**os.environ, "PYTHONPATH": str(directory / "startup")}
    return subprocess.run(
        [sys.executable, str(script)], cwd=directory, env=env, capture_output=True, text=True, timeout=60
    )


def test_coding_jsx_module_imports(import_dir: Path) -> None:
    write(import_dir, "codec_mod.py", SCRIPT.replace('el = show("Ada")\nprint(el.type, el.children, el.props)\n', ""))

    module = importlib.import_module("codec_mod")

    assert Path(str(module.__file__)).name == "codec_mod.py"
    assert module.show("Ada").children == ("Hello ", "Ada", "!")


def test_coding_jsx_script_runs_directly(tmp_path: Path) -> None:
    script = write(tmp_path, "script.py", SCRIPT)

    done = run_script(tmp_path, script)

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "b ('Hello ', 'Ada', '!') {'title': 't'}\n"


def test_a_script_with_a_shebang_and_coding_on_line_two_runs_directly(tmp_path: Path) -> None:
    script = write(tmp_path, "script.py", "#!/usr/bin/env python\n# -*- coding: jsx -*-\n" + SCRIPT.split("\n", 1)[1])

    done = run_script(tmp_path, script)

    assert (done.returncode, done.stdout) == (0, "b ('Hello ', 'Ada', '!') {'title': 't'}\n")


def test_a_jsx_error_in_a_script_names_the_file_and_line(tmp_path: Path) -> None:
    script = write(tmp_path, "broken.py", "#!/usr/bin/env python\n# -*- coding: jsx -*-\nx = 1\n\ny = <p>oops</q>\n")

    done = run_script(tmp_path, script)

    assert done.returncode == 1
    assert f'File "{script}", line 5\n    y = <p>oops</q>\n' in done.stderr
    assert done.stderr.endswith(
        "JSXSyntaxError: expected closing tag </p>, found </q> (<p> was opened at line 5, column 5)\n"
    )


def test_a_jsx_error_through_compile_keeps_the_position_in_the_message() -> None:
    with pytest.raises(SyntaxError, match=r"expected closing tag </p>, found </q> .*\(line 2, column 9\)"):
        compile(b"# coding: jsx\ny = <p>a</q>\n", "broken.py", "exec")


def test_decode_transpiles_the_whole_file() -> None:
    source = b"# coding: jsx\nx = <b />\n"

    text, consumed = codec.decode(source)

    assert text == f"# coding: jsx\nx = {FALLBACK}'b', None)\n"
    assert consumed == len(source)


def test_the_incremental_decoder_transpiles_at_the_final_call() -> None:
    decoder = codec.IncrementalDecoder()

    assert decoder.decode(b"\ndef f():\n    return <b") == ""
    assert decoder.getstate() == (b"\ndef f():\n    return <b", 0)
    assert (
        decoder.decode(b" />\n", final=True)
        == "\ndef f():\n    return __import__('agentick.element').element.h('b', None)\n"
    )


def test_the_incremental_decoder_never_puts_the_import_on_the_first_line() -> None:
    decoder = codec.IncrementalDecoder()

    decoded = decoder.decode(b"\n\ndef f():\n    return <b />\n", final=True)

    assert decoded.splitlines()[0] == ""
    assert decoded.splitlines()[1].startswith("from agentick.element import")


def test_the_stream_reader_serves_the_transpiled_text() -> None:
    codec.register()
    reader = codecs.getreader("jsx")(io.BytesIO(b"# coding: jsx\nx = <b />\ny = 2\n"))

    assert reader.readline() == "# coding: jsx\n"
    assert reader.readline(keepends=False) == f"x = {FALLBACK}'b', None)"
    assert reader.read() == "y = 2\n"
    reader.seek(0)
    assert len(reader.readlines()) == 3


def test_a_stream_with_a_jsx_error_raises_it_when_run() -> None:
    decoded = codec.IncrementalDecoder().decode(b"\nx = 1\ny = <p>a</q>\n", final=True)

    assert (
        decoded == "\n\n__import__('agentick_jsx.codec').codec.fail("
        "'expected closing tag </p>, found </q> (<p> was opened at line 3, column 5)')\n"
    )
    with pytest.raises(JSXSyntaxError) as info:
        exec(compile(decoded, "<gone>", "exec"), {})
    assert (info.value.filename, info.value.lineno) == ("<gone>", 3)
