"""Every code sample of `docs/*.md` runs, and runs correctly.

- Fenced blocks tagged `python` run as Python; blocks tagged `px` or `jsx` are transpiled with
  `agentick_jsx.transpile` first. Other fences (`sh`, `console`, `text`, none, ...) are not run.
- The blocks of one document run in order in one shared namespace (a module named
  `docs_<stem>`), so later samples can use what earlier ones defined.
- A block that defines `async def main()` at its top level has it run with `anyio.run(main)`
  after the block executes.
- Each block is one test item with the id `docs/<file>.md:<line>` (the line of its opening fence).
  Code is compiled with the document's own line numbers and its asserts are rewritten like pytest's,
  so a failure reads `File "docs/<file>.md", line N` with both sides of a failed comparison.
  Selecting one block (`-k "components.md:120"`) first runs the blocks before it, silently, to
  build its namespace.
- Samples run offline: connecting to anything but the loopback interface raises, the `OPENAI_*`
  and `ANTHROPIC_*` environment variables are removed, and each document runs in a temporary
  working directory of its own, on `sys.path` like a reader's project (files a sample writes, and
  modules imported from them, disappear with it).
"""

from __future__ import annotations

import ast
import ipaddress
import linecache
import os
import re
import socket
import sys
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import pytest
from _pytest.assertion.rewrite import rewrite_asserts

import agentick_jsx

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
EXECUTED = {"python": "python", "py": "python", "px": "jsx", "jsx": "jsx"}
MAIN_TIMEOUT = 60  # seconds: samples take milliseconds; this only turns a hang into a failure
HIDDEN_FRAMES = (__file__, f"{os.sep}anyio{os.sep}", f"{os.sep}asyncio{os.sep}", f"{os.sep}_pytest{os.sep}")

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


# --- finding the samples ------------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # 1-based line of the opening fence
    kind: str  # "python" or "jsx"
    code: str
    index: int  # position among the document's executed blocks

    @property
    def filename(self) -> str:
        return f"docs/{self.doc.name}"

    @property
    def id(self) -> str:
        return f"{self.filename}:{self.line}"

    def __repr__(self) -> str:
        return f"<{self.kind} block {self.id}>"


def blocks_of(doc: Path) -> list[Block]:
    """The executed fenced blocks of a Markdown document (CommonMark fences of ``` or ~~~)."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = (opening["info"].split() or [""])[0].lower()
        start = i + 1
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if (
                closing is not None
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            text = lines[i]
            body.append(text[min(indent, len(text) - len(text.lstrip(" "))) :])
            i += 1
        i += 1
        if language in EXECUTED:
            found.append(Block(doc, start, EXECUTED[language], "\n".join(body) + "\n", len(found)))
    return found


BLOCKS = [block for doc in sorted(DOCS.glob("*.md")) for block in blocks_of(doc)]


# --- running a document -------------------------------------------------------------------------


class BlockSyntaxError(Exception):
    """A block that does not parse (as Python, or as JSX); the message says where and why."""


@dataclass
class DocumentRun:
    """One document's shared namespace and how far its blocks have run."""

    module: types.ModuleType
    filename: str
    directory: Path
    next_index: int = 0
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def show(self, source: str) -> None:
        """Let tracebacks quote the code: linecache serves, under the document's name, each
        compiled block's Python at its own lines (and blank lines elsewhere)."""
        for number, text in enumerate(source.splitlines(), 1):
            if text:
                self.lines.extend("\n" for _ in range(number - len(self.lines)))
                self.lines[number - 1] = text + "\n"
        linecache.cache[self.filename] = (sum(map(len, self.lines)), None, self.lines, self.filename)


_RUNS: dict[Path, DocumentRun] = {}


def _document(block: Block, base: Path) -> DocumentRun:
    run = _RUNS.get(block.doc)
    if run is None:
        name = f"docs_{block.doc.stem.replace('-', '_')}"
        module = types.ModuleType(name)
        module.__file__ = str(block.doc)
        sys.modules[name] = module  # pydantic and dataclasses look a class's module up here
        directory = base / block.doc.stem
        directory.mkdir()
        run = _RUNS[block.doc] = DocumentRun(module, block.filename, directory)
    return run


def _compile(block: Block, run: DocumentRun, config: pytest.Config) -> tuple[types.CodeType, bool]:
    """The block's code object with the document's line numbers (JSX transpiled first, asserts
    rewritten), and whether it defines `async def main()`."""
    source = "\n" * block.line + block.code  # the code's first line is the line after the fence
    try:
        if block.kind == "jsx":
            source = agentick_jsx.transpile(source, filename=block.filename)
        tree = ast.parse(source, filename=block.filename)
        mains = [node for node in tree.body if isinstance(node, ast.AsyncFunctionDef) and node.name == "main"]
        if len(mains) > 1:
            raise SyntaxError(
                "a block defines `async def main()` more than once", (block.filename, mains[1].lineno, 1, "")
            )
        rewrite_asserts(tree, source.encode(), block.filename, config)
        code = compile(tree, block.filename, "exec", dont_inherit=True)
    except SyntaxError as error:
        text = (error.text or "").strip("\n")
        message = f"{block.filename}:{error.lineno}: {type(error).__name__}: {error.msg}\n    {text}"
        raise BlockSyntaxError(message) from None
    run.show(source)
    return code, bool(mains)


def _execute(block: Block, run: DocumentRun, config: pytest.Config) -> None:
    code, defines_main = _compile(block, run, config)
    namespace = run.module.__dict__
    previous = Path.cwd()
    os.chdir(run.directory)
    sys.path.insert(0, str(run.directory))  # modules a sample writes (`agent.px`) import like the reader's
    try:
        exec(code, namespace)
        if defines_main:
            main = namespace["main"]

            async def guarded() -> None:
                with anyio.fail_after(MAIN_TIMEOUT):
                    await main()

            anyio.run(guarded)
    finally:
        sys.path.remove(str(run.directory))
        for name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", None) or "").startswith(str(run.directory)):
                del sys.modules[name]
        os.chdir(previous)


def _report(block: Block, error: BaseException) -> str:
    """The error as a traceback of the document's code (and the library's), without the frames of
    this harness, pytest and the event loop."""
    if isinstance(error, BlockSyntaxError):
        return f"{error}\n"
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not any(part in frame.filename for part in HIDDEN_FRAMES)
    ]
    lines = [f"the code block at {block.id} failed:\n", *traceback.format_list(frames)]
    return "".join(lines + traceback.format_exception_only(error))


# --- offline guard ------------------------------------------------------------------------------


def _local(address: Any) -> bool:
    if not isinstance(address, tuple):
        return True  # a Unix socket path
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def check(address: Any) -> None:
        if not _local(address):
            raise OSError(f"docs samples must run offline; a sample tried to reach {address!r}")

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        check(address)
        return connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> Any:
        check(address)
        return connect_ex(self, address)

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check((host.decode() if isinstance(host, bytes) else host, 0))
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    for variable in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
    ):
        monkeypatch.delenv(variable, raising=False)
    yield


@pytest.fixture(scope="session")
def docs_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs")


# --- the tests ----------------------------------------------------------------------------------


def test_the_docs_have_samples() -> None:
    assert BLOCKS, f"no executable code blocks found in {DOCS}"


@pytest.mark.usefixtures("offline")
@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_sample(block: Block, docs_base: Path, pytestconfig: pytest.Config) -> None:
    run = _document(block, docs_base)
    blocks = [other for other in BLOCKS if other.doc == block.doc]
    while run.next_index < block.index:  # build the namespace this block expects
        earlier = blocks[run.next_index]
        run.next_index += 1
        try:
            _execute(earlier, run, pytestconfig)
        except Exception as error:
            run.failures.append(f"{earlier.id} ({type(error).__name__})")
    run.next_index = max(run.next_index, block.index + 1)
    earlier_failures = list(run.failures)
    try:
        _execute(block, run, pytestconfig)
    except Exception as error:
        run.failures.append(f"{block.id} ({type(error).__name__})")
        report = _report(block, error)
    else:
        return
    if earlier_failures:
        report += f"(earlier blocks of this document failed too: {'; '.join(earlier_failures)})\n"
    pytest.fail(report, pytrace=False)
