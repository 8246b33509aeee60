"""Shared helpers for the benchmark scripts: timing, environment, and docs/benchmarks.md sections."""

from __future__ import annotations

import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from importlib import metadata
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def p90_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))] * 1000


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def environment(*packages: str) -> str:
    versions = ", ".join(f"{name} {metadata.version(name)}" for name in ("agentick", *packages))
    cores = os.cpu_count() or 1
    return (
        f"Measured {date.today().isoformat()} on {platform.system()} {platform.machine()} ({cores} CPUs), "
        f"Python {sys.version.split()[0]}, {versions}."
    )


def write_section(title: str, body: str) -> None:
    """Replace (or append) the `## {title}` section of docs/benchmarks.md."""
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    block = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    text = pattern.sub(block + "\n", text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + block
    DOCS.write_text(text.rstrip("\n") + "\n")


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if i else "---" for i in range(len(headers))) + "|",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
