"""`python -m agentick_jsx --run FILE [ARGS...]`: run a JSX-Python file as the main program.

`python trip.px` cannot work: Python reads the file as plain Python before any hook could be
installed. The runner installs the import hook and then does what `python FILE ARGS...` does: the
file runs as `__main__` (`__file__` absolute, `__spec__` and `__cached__` `None`), `sys.argv` is
`[FILE, *ARGS]` and `sys.path[0]` is the file's directory (symlinks resolved; untouched under
`python -P`, which leaves it out). The code is compiled with the file's real path, so tracebacks
point at the `.px` file and its lines; the runner's own frame is left out of them.
"""

from __future__ import annotations

import builtins
import os
import sys
import traceback
import types
from collections.abc import Sequence

from .loader import JSXLoader, install

__all__ = ["run_file"]


def run_file(file: str, args: Sequence[str]) -> int:
    """Run `file` as `__main__` with `args`; returns 1 after reporting an uncaught exception like Python.

    `SystemExit` and `KeyboardInterrupt` propagate; `OSError` when `file` cannot be read.
    """
    install()
    path = os.path.abspath(file)
    loader = JSXLoader("__main__", path)
    try:
        code = loader.get_code("__main__")
    except SyntaxError as error:  # a JSXSyntaxError too: file, line and caret, without the transpiler's frames
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        return 1
    assert code is not None
    sys.argv[:] = [file, *args]
    if not sys.flags.safe_path:
        sys.path[0] = os.path.dirname(os.path.realpath(path))
    module = types.ModuleType("__main__")
    module.__dict__.update(__file__=path, __cached__=None, __loader__=loader, __builtins__=builtins)
    sys.modules["__main__"] = module
    try:
        exec(code, module.__dict__)
    except Exception as error:
        frames = error.__traceback__
        error.__traceback__ = frames.tb_next if frames is not None else None  # from the file's first frame on
        sys.excepthook(type(error), error, error.__traceback__)
        return 1
    return 0
