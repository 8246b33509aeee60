"""`python -m agentick_jsx FILE` prints the transpiled Python of a JSX-Python file;
`python -m agentick_jsx --run FILE [ARGS...]` runs it as the main program."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .errors import JSXSyntaxError
from .loader import transpile_file

_USAGE = """\
python -m agentick_jsx FILE
       python -m agentick_jsx --run FILE [ARGS ...]"""


def main(argv: Sequence[str] | None = None) -> int:
    """Print the transpiled module (same lines as the input), or run it with `--run`.

    A JSX error goes to stderr with exit code 1; an unreadable file is a usage error (exit code 2).
    """
    parser = argparse.ArgumentParser(
        prog="python -m agentick_jsx",
        usage=_USAGE,
        description="Print the Python that a JSX-Python file (.px, .pyx, `# coding: jsx`) transpiles to, "
        "or run it like `python FILE` would run a .py file.",
    )
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("file", nargs="?", metavar="FILE", help="print the Python this file transpiles to")
    choice.add_argument(
        "--run",
        nargs=argparse.REMAINDER,
        metavar="FILE [ARGS ...]",
        help="install the import hook and run FILE as __main__ with sys.argv = [FILE, *ARGS] "
        "(everything after FILE belongs to it)",
    )
    arguments = parser.parse_args(argv)
    if arguments.run is not None:
        if not arguments.run:
            parser.error("--run needs the FILE to run")
        from .runner import run_file

        file, *args = arguments.run
        try:
            return run_file(file, args)
        except OSError as error:  # worded like `python FILE`
            parser.exit(
                2, f"{parser.prog}: can't open file {error.filename!r}: [Errno {error.errno}] {error.strerror}\n"
            )
    try:
        python = transpile_file(arguments.file)
    except OSError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except JSXSyntaxError as error:
        sys.stderr.write("".join(traceback.format_exception_only(error)))
        return 1
    sys.stdout.write(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
