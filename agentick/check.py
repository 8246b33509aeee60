"""`agentick check`: type-check (and lint) `.px`/`.pyx` modules through their transpiled form.

Type checkers read Python only. The project's sources are mirrored into a shadow tree, with each
JSX module transpiled to a `.py` file of the same name (same lines, every token on its line, so a
line number of the shadow file is a line number of the `.px` file). The checker runs there with
the project's own configuration (the config files of the current directory are copied to the
shadow root), and each diagnostic is printed with the original path, and on a rewritten line the
column moved back onto the original text:

    examples/greeter.px:7:23: error: Argument "name" to "jsx" has incompatible type "int"; expected "str"

The shadow tree lives in the temporary directory under a name derived from the project path and is
updated in place (only changed files are rewritten), so mypy's incremental cache stays valid.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from agentick_jsx.errors import JSXSyntaxError
from agentick_jsx.inject import IMPORT_MODULE
from agentick_jsx.loader import transpile_file

__all__ = ["Diagnostic", "check", "main"]

JSX_SUFFIXES = (".px", ".pyx")
COPIED_SUFFIXES = (".py", ".pyi")
CONFIG_FILES = ("pyproject.toml", "setup.cfg", "mypy.ini", ".mypy.ini", "pyrightconfig.json", "ruff.toml", ".ruff.toml")
_JSX_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*jsx\b", re.MULTILINE)
_UNEXPECTED_KEYWORD = re.compile(r'Unexpected keyword argument "([^"]+)"')
_FACTORY_NOTE = f'"jsx" defined in "{IMPORT_MODULE}"'
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "build", "dist", "site-packages"})
CHECKERS = {"mypy": "mypy", "pyright": "pyright"}
"""Checker name -> the package that provides it (`pip install ...`)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


class CheckerMissing(Exception):
    """The checker is not installed in the interpreter that should run it."""


class BadPath(Exception):
    """A path to check does not exist, or lies outside the project (the current directory)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agentick check",
        description="Type-check .px/.pyx files (and the .py files beside them) through their transpiled form.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to check (default: .)")
    parser.add_argument("--checker", choices=sorted(CHECKERS), default="mypy", help="the type checker (default mypy)")
    parser.add_argument("--ruff", action="store_true", help="lint the JSX modules with ruff instead of type-checking")
    parser.add_argument(
        "--python",
        default=sys.executable,
        metavar="INTERPRETER",
        help="the interpreter whose environment has the checker and the project's dependencies (default: this one)",
    )


def run(args: argparse.Namespace) -> int:
    """Exit status: 0 clean, 1 errors (or a JSX syntax error), 2 the checker is missing."""
    tool = "ruff" if args.ruff else args.checker
    try:
        diagnostics = check(args.paths or ["."], tool=tool, python=args.python)
    except (CheckerMissing, BadPath) as error:
        print(f"agentick check: {error}", file=sys.stderr)
        return 2
    if diagnostics is None:
        print(f"agentick check: no .py, .px or .pyx files in {' '.join(args.paths or ['.'])}", file=sys.stderr)
        return 0
    errors = 0
    for diagnostic in diagnostics:
        print(diagnostic)
        errors += diagnostic.severity == "error"
    if errors:
        print(f"agentick check: {errors} error{'s' * (errors != 1)} ({tool})", file=sys.stderr)
        return 1
    return 0


def check(paths: Sequence[str], *, tool: str = "mypy", python: str = sys.executable) -> list[Diagnostic] | None:
    """Diagnostics of `tool` (`mypy`, `pyright` or `ruff`) for `paths`, against the original files.

    `None` when the paths hold no file to check. Raises `BadPath` for a path that does not exist or
    lies outside the current directory (only the current directory is mirrored), so a mistyped
    path in a pre-commit hook fails instead of passing unchecked."""
    _require(tool, python)
    root = Path.cwd()
    targets = [Path(path).resolve() for path in paths]
    for path, target in zip(paths, targets, strict=True):
        if not target.exists():
            raise BadPath(f"{path}: no such file or directory")
        if target != root and root not in target.parents:
            raise BadPath(f"{path} is outside the current directory ({root}): run agentick check from the project root")
    shadow = _shadow_root(root)
    sources, jsx_errors, coded = _mirror(root, shadow)
    originals = {target: source for source, target in sources.items()}
    files = sorted(
        str(shadow_file)
        for source, shadow_file in sources.items()
        if any(source == target or target in source.parents for target in targets)
        and (tool != "ruff" or source.suffix in JSX_SUFFIXES or source in coded)
    )
    selected_errors = [error for error in jsx_errors if any(_inside(Path(error.path), t) for t in targets)]
    if not files:
        return [_relative(error, root) for error in selected_errors] if selected_errors else None
    if tool == "mypy":
        found = _run_mypy(python, shadow, files)
    elif tool == "pyright":
        found = _run_pyright(python, shadow, files)
    else:
        found = _run_ruff(python, shadow, files)
    diagnostics = [_relative(error, root) for error in selected_errors]
    lines = _LineCache()
    for path, line, column, severity, message, end_line in found:
        shadow_file = Path(path).resolve()
        original = originals.get(shadow_file)
        if original is None:
            continue  # a file outside the project (a dependency)
        if original.suffix in JSX_SUFFIXES or original in coded:
            source_line, python_line = lines.pair(original, shadow_file, line)
            if tool == "ruff" and lines.injected(original, shadow_file, line, end_line):
                continue  # about the factory import the transpiler added
            if message.startswith(_FACTORY_NOTE):
                continue  # mypy's pointer to `agentick.element.jsx` says nothing about the .px file
            column = map_column(python_line, source_line, column)
            column = _attribute_column(source_line, column, message)
        diagnostics.append(Diagnostic(_display(original, root), line, column, severity, message))
    return sorted(diagnostics, key=lambda diagnostic: (diagnostic.path, diagnostic.line, diagnostic.column))


# --- the shadow tree ------------------------------------------------------------------------------


def _shadow_root(root: Path) -> Path:
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    owner = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"agentick-check-{owner}-{digest}"  # one per user and project


def _mirror(root: Path, shadow: Path) -> tuple[dict[Path, Path], list[Diagnostic], set[Path]]:
    """Copy the project's Python files and config into `shadow`, transpile its JSX modules, and remove
    what no longer exists. Returns `{original: shadow file}`, the JSX syntax errors met and the
    `# coding: jsx` `.py` files (transpiled too)."""
    sources: dict[Path, Path] = {}
    errors: list[Diagnostic] = []
    wanted: set[Path] = set()
    jsx_python: set[Path] = set()
    shadow.mkdir(parents=True, exist_ok=True)
    for name in CONFIG_FILES:
        if (root / name).is_file():
            _write(shadow / name, (root / name).read_bytes())
            wanted.add(shadow / name)
    for path in _source_files(root):
        relative = path.relative_to(root)
        if path.suffix in JSX_SUFFIXES:
            if path.with_suffix(".py").exists():
                continue  # `name.py` wins over `name.px` at import time too
            target = shadow / relative.with_suffix(".py")
            try:
                data = transpile_file(str(path)).encode()
            except JSXSyntaxError as error:
                errors.append(Diagnostic(str(path), error.lineno or 1, error.offset or 1, "error", error.msg))
                continue
        else:
            target = shadow / relative
            data = path.read_bytes()
            if _is_jsx_python(data):
                try:
                    data = _transpile_coded(data, path).encode()
                except JSXSyntaxError as error:
                    errors.append(Diagnostic(str(path), error.lineno or 1, error.offset or 1, "error", error.msg))
                    continue
                jsx_python.add(path)
        _write(target, data)
        sources[path] = target.resolve()
        wanted.add(target)
    _remove_stale(shadow, wanted)
    _link_libraries(root, shadow)
    return sources, errors, jsx_python


def _link_libraries(root: Path, shadow: Path) -> None:
    """Make agentick visible to the checkers when it is not installed where they look: an editable
    install (`pip install -e`) is found through an import hook that static checkers cannot follow,
    so the shadow root gets a link to each package (unless the project itself has it)."""
    import agentick
    import agentick_jsx

    for package in (agentick, agentick_jsx):
        directory = Path(package.__file__ or "").resolve().parent
        name = directory.name
        link = shadow / name
        if (root / name).exists() or {"site-packages", "dist-packages"} & set(directory.parts):
            continue
        if link.is_symlink() and link.resolve() == directory:
            continue
        if link.is_symlink():
            link.unlink()
        link.symlink_to(directory, target_is_directory=True)


def _is_jsx_python(data: bytes) -> bool:
    """A `.py` file whose first or second line is a `# coding: jsx` cookie."""
    match = _JSX_COOKIE.search(data, 0, _second_line_end(data))
    return match is not None


def _second_line_end(data: bytes) -> int:
    first = data.find(b"\n")
    if first < 0:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second < 0 else second


def _transpile_coded(data: bytes, path: Path) -> str:
    """The transpiled text of a `# coding: jsx` file, its cookie now `utf-8` (checkers do not know
    the `jsx` codec; the line stays where it is)."""
    from agentick_jsx import transpile

    text = data.decode("utf-8")
    match = _JSX_COOKIE.search(data, 0, _second_line_end(data))
    assert match is not None
    cookie_end = len(data[: match.end()].decode("utf-8"))
    text = text[: cookie_end - 3] + "utf-8" + text[cookie_end:]
    return transpile(text, str(path))


def _source_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = [
            name
            for name in subdirectories
            if not name.startswith(".")
            and name not in SKIPPED_DIRECTORIES
            and not name.endswith(".egg-info")
            and not (Path(directory, name, "pyvenv.cfg")).exists()
        ]
        for name in files:
            if name.endswith(JSX_SUFFIXES + COPIED_SUFFIXES) or name == "py.typed":
                yield Path(directory, name)


def _write(path: Path, data: bytes) -> None:
    """Write only when the content changed, so mtimes (and mypy's cache) stay valid."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _remove_stale(shadow: Path, wanted: set[Path]) -> None:
    for directory, subdirectories, files in os.walk(shadow):
        subdirectories[:] = [name for name in subdirectories if name != ".mypy_cache"]
        for name in files:
            path = Path(directory, name)
            if path not in wanted:
                path.unlink()


# --- running the tools ----------------------------------------------------------------------------

Found = tuple[str, int, int, str, str, int]
"""(path, line, 1-based column, severity, message, end line) as a tool reports it."""


def _require(tool: str, python: str) -> None:
    package = CHECKERS.get(tool, tool)
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({package!r}) is None)"
    try:
        missing = subprocess.run([python, "-c", probe], capture_output=True, check=False).returncode != 0
    except OSError as error:
        raise CheckerMissing(f"cannot run the interpreter {python}: {error.strerror}") from None
    if missing:
        raise CheckerMissing(
            f"{tool} is not installed for {python}: install it with `{python} -m pip install {package}`"
        )


def _run_mypy(python: str, shadow: Path, files: list[str]) -> list[Found]:
    command = [
        # Components are often written without annotations (`def Agent():`), and mypy skips the
        # bodies of unannotated functions by default: it would miss every prop error in them.
        python, "-m", "mypy", "--check-untyped-defs",
        "--show-column-numbers", "--show-error-end", "--no-error-summary",
        "--no-color-output", "--no-pretty", "--show-absolute-path", "--cache-dir", str(shadow / ".mypy_cache"),
        *files,
    ]  # fmt: skip
    result = subprocess.run(command, cwd=shadow, capture_output=True, text=True, check=False)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"mypy failed (exit status {result.returncode}):\n{result.stderr or result.stdout}")
    found: list[Found] = []
    for text in result.stdout.splitlines():
        parsed = _parse_mypy_line(text)
        if parsed is not None:
            found.append(parsed)
    return found


def _parse_mypy_line(text: str) -> Found | None:
    """`path:line:column:end_line:end_column: severity: message` (drive letters survive)."""
    head, separator, message = text.partition(": ")
    if not separator:
        return None
    parts = head.rsplit(":", 4)
    if len(parts) != 5 or not all(part.isdigit() for part in parts[1:]):
        return None
    severity, _, message = message.partition(": ")
    if severity not in ("error", "note", "warning"):
        return None
    return parts[0], int(parts[1]), int(parts[2]), severity, message, int(parts[3])


def _run_pyright(python: str, shadow: Path, files: list[str]) -> list[Found]:
    command = [python, "-m", "pyright", "--outputjson", "--pythonpath", python, *files]
    result = subprocess.run(command, cwd=shadow, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(
            f"pyright failed (exit status {result.returncode}):\n{result.stderr or result.stdout}"
        ) from None
    found: list[Found] = []
    for item in report.get("generalDiagnostics", []):
        severity = item.get("severity", "error")
        if severity == "information":
            continue
        start = item["range"]["start"]
        message = item["message"].replace("\n", " ").replace("\u00a0", " ")
        if item.get("rule"):
            message += f"  [{item['rule']}]"
        found.append(
            (
                item["file"],
                start["line"] + 1,
                start["character"] + 1,
                severity,
                message,
                item["range"]["end"]["line"] + 1,
            )
        )
    return found


def _run_ruff(python: str, shadow: Path, files: list[str]) -> list[Found]:
    command = [python, "-m", "ruff", "check", "--no-cache", "--output-format", "json", "--quiet", *files]
    result = subprocess.run(command, cwd=shadow, capture_output=True, text=True, check=False)
    try:
        report = json.loads(result.stdout or "[]")
    except json.JSONDecodeError:
        raise RuntimeError(
            f"ruff failed (exit status {result.returncode}):\n{result.stderr or result.stdout}"
        ) from None
    return [
        (
            item["filename"],
            item["location"]["row"],
            item["location"]["column"],
            "error",
            f"{item['message']}  [{item['code']}]",
            item["end_location"]["row"],
        )
        for item in report
    ]


# --- mapping back ------------------------------------------------------------------------------------


class _LineCache:
    """The lines of original and shadow files, read once."""

    def __init__(self) -> None:
        self._lines: dict[Path, list[str]] = {}

    def _of(self, path: Path) -> list[str]:
        if path not in self._lines:
            self._lines[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
        return self._lines[path]

    def pair(self, original: Path, shadow: Path, line: int) -> tuple[str, str]:
        source, python = self._of(original), self._of(shadow)
        index = line - 1
        return (source[index] if index < len(source) else "", python[index] if index < len(python) else "")

    def injected(self, original: Path, shadow: Path, line: int, end_line: int) -> bool:
        """Whether lines `line..end_line` include the line the factory import took."""
        source, python = self._of(original), self._of(shadow)
        for index in range(line - 1, min(end_line, len(python))):
            if python[index].startswith(f"from {IMPORT_MODULE} import ") and not source[index].strip():
                return True
        return False


def map_column(python_line: str, source_line: str, column: int) -> int:
    """The 1-based column of `source_line` that the 1-based `column` of its transpiled form came from.

    Unchanged lines map to themselves; on a rewritten line the characters the two share (names,
    expressions, literals) are aligned and the column moves with the piece it falls in (or to the
    next shared piece when it falls in generated code)."""
    if python_line == source_line or column < 1:
        return column
    index = column - 1
    matcher = difflib.SequenceMatcher(None, python_line, source_line, autojunk=False)
    for python_start, source_start, size in matcher.get_matching_blocks():
        if python_start <= index < python_start + size:
            return source_start + index - python_start + 1
        if python_start > index:
            return min(source_start, max(len(source_line) - 1, 0)) + 1
    return max(len(source_line), 1)


def _attribute_column(source_line: str, column: int, message: str) -> int:
    """mypy puts an unexpected keyword at the start of the call (the tag); move it to the attribute."""
    unexpected = _UNEXPECTED_KEYWORD.match(message)
    if unexpected is None:
        return column
    name = re.compile(rf"(?<![\w-]){re.escape(unexpected.group(1))}(?![\w-])")
    found = name.search(source_line, max(column - 1, 0))
    return found.start() + 1 if found else column


def _inside(path: Path, target: Path) -> bool:
    path = path.resolve()
    return path == target or target in path.parents


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _relative(diagnostic: Diagnostic, root: Path) -> Diagnostic:
    return Diagnostic(
        _display(Path(diagnostic.path), root),
        diagnostic.line,
        diagnostic.column,
        diagnostic.severity,
        diagnostic.message,
    )
