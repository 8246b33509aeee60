"""Reconciler benchmark: mount a 10,000-node tree, update one leaf under memo, reorder 1,000 keys.

    python benchmarks/reconciler.py [--quick]

Reports median time, fibers visited (`root.visited`) and host operations per scenario, and writes
the table to the "Reconciler" section of docs/benchmarks.md.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import environment, median_ms, table, timed, write_section

from agentick import h, memo, use_state
from agentick.reconciler import Reconciler


class CountingHost:
    """A host that only counts the mutations the commit applies (O(1) each), so the timings are
    the reconciler's own work."""

    def __init__(self) -> None:
        self.operations = 0

    def create_instance(self, type: str, props: dict[str, Any]) -> object:
        self.operations += 1
        return object()

    def create_text(self, text: str) -> object:
        self.operations += 1
        return object()

    def append_child(self, parent: object, child: object) -> None:
        self.operations += 1

    def insert_before(self, parent: object, child: object, before: object) -> None:
        self.operations += 1

    def remove_child(self, parent: object, child: object) -> None:
        self.operations += 1

    def commit_update(self, instance: object, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.operations += 1

    def commit_text_update(self, text: object, old: str, new: str) -> None:
        self.operations += 1


def new_root() -> tuple[Any, CountingHost]:
    host = CountingHost()
    return Reconciler(host).create_root(object()), host


# --- trees ------------------------------------------------------------------------------------

setters: list[Any] = []


def Leaf(n: int) -> Any:
    value, set_value = use_state(0)
    if n == 0:
        setters.append(set_value)
    return h("leaf", {"n": n}, f"value {value}")


MemoLeaf = memo(Leaf)


def Group(start: int, size: int) -> Any:
    return h("group", {"start": start}, *[h(MemoLeaf, {"n": start + i}, key=i) for i in range(size)])


MemoGroup = memo(Group)


def tree(groups: int, size: int) -> Any:
    """groups x size leaves; each leaf is a component, a host node and a text node."""
    return h("app", None, *[h(MemoGroup, {"start": g * size, "size": size}, key=g) for g in range(groups)])


def keyed(order: list[int]) -> Any:
    return h("list", None, *[h("item", {"id": k}, str(k), key=k) for k in order])


def main() -> None:
    quick = "--quick" in sys.argv
    runs = 5 if quick else 21
    rows = []

    mount_times, visited, operations = [], 0, 0
    for _ in range(runs):
        root, host = new_root()
        mount_times.append(timed(lambda root=root: root.render(tree(100, 33))))
        visited, operations = root.visited, host.operations
    rows.append(["mount 10,000 host nodes (3,300 components)", f"{median_ms(mount_times):.2f}", visited, operations])

    root, host = new_root()
    root.render(tree(100, 33))
    update_times = []
    for value in range(runs):
        setters[-1](value + 1)
        host.operations = 0
        update_times.append(timed(root.flush))
    rows.append(["update one leaf under memo", f"{median_ms(update_times):.3f}", root.visited, host.operations])

    rerender_times = []
    element = tree(100, 33)
    for _ in range(runs):
        root.render(element)
        rerender_times.append(timed(lambda: root.render(tree(100, 33))))
    rows.append(
        ["re-render from the root, props unchanged (memo)", f"{median_ms(rerender_times):.2f}", root.visited, 0]
    )

    reorder_times, moves = [], 0
    rng = random.Random(7)
    for _ in range(runs):
        root, host = new_root()
        order = list(range(1000))
        root.render(keyed(order))
        rng.shuffle(order)
        host.operations = 0
        reorder_times.append(timed(lambda root=root, order=order: root.render(keyed(order))))
        moves = host.operations
    rows.append(["keyed shuffle of 1,000 children", f"{median_ms(reorder_times):.2f}", root.visited, moves])

    root, host = new_root()
    root.render(keyed(list(range(1000))))
    host.operations = 0
    reverse = timed(lambda: root.render(keyed(list(reversed(range(1000))))))
    rows.append(["keyed reverse of 1,000 children", f"{reverse * 1000:.2f}", root.visited, host.operations])

    body = "\n\n".join(
        [
            environment(),
            "Rerun with `python benchmarks/reconciler.py`. Medians of "
            f"{runs} runs; *visited* counts fibers the pass looked at; *host ops* counts HostConfig calls. "
            "Targets: an update under memo touches O(depth) fibers; a keyed reorder moves nodes (no "
            "creates or removes) with the fewest moves (nodes on a longest increasing subsequence stay).",
            table(["scenario", "median (ms)", "fibers visited", "host ops"], rows),
        ]
    )
    print(body)
    if not quick:
        write_section("Reconciler", body)


if __name__ == "__main__":
    main()
