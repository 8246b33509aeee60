"""JSX transpiler benchmark: agentick_jsx vs pyjsx, and the import cost of a `.px` module.

Run from the project root, with the `bench` extra installed (`pip install -e ".[bench]"`, for pyjsx):

    .venv/bin/python benchmarks/transpile.py            # full run (pyjsx at 16k lines takes a while)
    .venv/bin/python benchmarks/transpile.py --quick    # fewer repetitions, for a smoke check

Part 1 transpiles generated modules of 1k, 4k and 16k lines (a realistic mix of Python and JSX
components, using only constructs pyjsx can parse) with both transpilers in one process, alternating
runs, and prints the median time of each and their ratio.

Part 2 imports a generated 4k-line `.px` module in fresh subprocesses: the first import (transpile,
compile, write the .pyc), the second import (from the .pyc), and for reference the equivalent `.py`
module imported from its .pyc. Only the `import` statement is timed; `agentick.element` and the
import hook are loaded beforehand in every case. It also times one element creation through the
injected factory name against the per-call-site `__import__` fallback.

Prints a Markdown table (paste it into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import datetime
import functools
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import pyjsx

import agentick_jsx

HEADER = '''\
"""Generated benchmark module: components of an agent prompt."""
from __future__ import annotations


def Section(**props):
    return props


System = Timeline = Tool = Section

'''

BLOCK = '''

def Component{i}(title: str, items: list[str], mode: str = "plan"):
    """Render block {i} of the agent prompt."""
    count = len(items)  # how many items there are
    label = f"{{title}} ({{count}})"
    return (
        <Section id="s{i}" title={{label}}>
            You are working on {{title}} in {{mode}} mode.
            Keep the answer short and precise.
            <ul>
                {{[<li key={{item}}>{{item}}</li> for item in items]}}
            </ul>
            <Tool name="search{i}" cached description="Search the docs" />
            {{<em>Items: {{count}}</em> if count else None}}
        </Section>
    )


class Helper{i}:
    def __init__(self, value: int) -> None:
        self.value = value

    def compute(self, other: int) -> int:
        if self.value < other:
            return other - self.value
        return self.value << 2


def Agent{i}(topic: str):
    helper = Helper{i}(3)
    props = {{"id": "agent{i}", "title": topic, "n": helper.compute(5)}}
    return (
        <>
            <System>You are a helpful assistant for {{topic}}.</System>
            <Section {{...props}} audience="model">
                Rules:
                  - be brief
                  - cite sources
            </Section>
            <Component{i} title={{topic}} items={{["a", "b", "c"]}} />
            <Timeline />
        </>
    )
'''


def make_module(lines: int) -> str:
    """A module of about `lines` lines: a header and numbered blocks of components."""
    parts = [HEADER]
    count = HEADER.count("\n")
    index = 0
    while count < lines:
        block = BLOCK.format(i=index)
        parts.append(block)
        count += block.count("\n")
        index += 1
    return "".join(parts)


def median_time(function: Callable[[], object], runs: int) -> float:
    return statistics.median(_timed(function) for _ in range(runs))


def _timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def compare_transpilers(sizes: list[int], runs: dict[int, int]) -> list[tuple[int, float, float]]:
    """Median seconds of agentick_jsx and pyjsx per module size, runs alternating between the two."""
    rows = []
    for size in sizes:
        source = make_module(size)
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(runs[size]):
            ours.append(_timed(functools.partial(agentick_jsx.transpile, source)))
            theirs.append(_timed(functools.partial(pyjsx.transpile, source)))
        rows.append((source.count("\n"), statistics.median(ours), statistics.median(theirs)))
    return rows


IMPORT_PROBE = """\
import sys, time
sys.path.insert(0, {directory!r})
import agentick.element, agentick_jsx
agentick_jsx.install()
start = time.perf_counter()
import {module}
print(time.perf_counter() - start)
"""


def import_time(directory: Path, module: str) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    probe = IMPORT_PROBE.format(directory=str(directory), module=module)
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def compare_imports(runs: int) -> dict[str, float]:
    """Median import times (seconds) of a 4k-line module: .px first/second import, .py from .pyc."""
    source = make_module(4000)
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / "big_px.px").write_text(source)
        (directory / "big_py.py").write_text(agentick_jsx.transpile(source))
        cache = directory / "__pycache__"
        first, second, pyc = [], [], []
        for _ in range(runs):
            shutil.rmtree(cache, ignore_errors=True)
            first.append(import_time(directory, "big_px"))
            second.append(import_time(directory, "big_px"))
            import_time(directory, "big_py")
            pyc.append(import_time(directory, "big_py"))
        return {
            "first": statistics.median(first),
            "second": statistics.median(second),
            "pyc": statistics.median(pyc),
        }


def factory_call_cost() -> tuple[float, float]:
    """Seconds per `h('b', None, 'x')` through the injected name and through the `__import__` fallback."""
    namespace: dict[str, object] = {}
    exec("from agentick.element import h as _agentick_h", namespace)
    number = 200_000
    short = timeit.timeit("_agentick_h('b', None, 'x')", globals=namespace, number=number) / number
    fallback = (
        timeit.timeit("__import__('agentick.element').element.h('b', None, 'x')", globals=namespace, number=number)
        / number
    )
    return short, fallback


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    quick = parser.parse_args().quick
    sizes = [1000, 4000, 16000]
    runs = {1000: 5, 4000: 3, 16000: 1} if quick else {1000: 21, 4000: 11, 16000: 3}
    rows = compare_transpilers(sizes, runs)
    imports = compare_imports(1 if quick else 5)
    short, fallback = factory_call_cost()

    print(
        f"Date: {datetime.date.today()}, Python {platform.python_version()} ({platform.machine()}), "
        f"pyjsx {pyjsx.__version__}\n"
    )
    print("| module lines | agentick_jsx (ms) | pyjsx (ms) | pyjsx / agentick_jsx |")
    print("|---:|---:|---:|---:|")
    for lines, ours, theirs in rows:
        print(f"| {lines:,} | {ours * 1000:.1f} | {theirs * 1000:.1f} | {theirs / ours:.0f}x |")
    print()
    print("| import of a 4k-line module | ms |")
    print("|---|---:|")
    print(f"| `.px`, first import (transpile + compile + write .pyc) | {imports['first'] * 1000:.1f} |")
    print(f"| `.px`, second import (from .pyc) | {imports['second'] * 1000:.1f} |")
    print(f"| equivalent `.py`, from .pyc | {imports['pyc'] * 1000:.1f} |")
    print()
    print(
        textwrap.dedent(f"""\
        | one `h('b', None, 'x')` call | ns |
        |---|---:|
        | injected name `_agentick_h(...)` | {short * 1e9:.0f} |
        | fallback `__import__('agentick.element').element.h(...)` | {fallback * 1e9:.0f} |""")
    )


if __name__ == "__main__":
    main()
