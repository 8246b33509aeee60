"""`python -m agentick_jsx FILE`: print the transpiled Python of a JSX-Python file."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from .errors import JSXSyntaxError
from .loader import transpile_file


def main(argv: Sequence[str] | None = None) -> int:
    """Print the transpiled module (same lines as the input); a JSX error goes to stderr with exit code 1."""
    parser = argparse.ArgumentParser(
        prog="python -m agentick_jsx",
        description="Print the Python that a JSX-Python file (.px, .pyx, `# coding: jsx`) transpiles to.",
    )
    parser.add_argument("file", help="the JSX-Python source file")
    arguments = parser.parse_args(argv)
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
