"""The host protocol: how a reconciler root turns fibers into a concrete tree.

The agent compiler is one host (its instances are nodes the collector reads); a terminal UI or an
HTML renderer would be another. The reconciler calls these methods only in its commit phase, and
only for the mutations the diff requires.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["HostConfig"]


@runtime_checkable
class HostConfig(Protocol):
    """Creates and mutates host instances.

    Arguments follow React's order: the parent first, the node second, the anchor third; updates
    receive the old value then the new one. `append_child`/`insert_before` with a child that is
    already in `parent` move it (DOM semantics). `props` never contain `children` or `key`.
    """

    def create_instance(self, type: str, props: dict[str, Any]) -> Any: ...

    def create_text(self, text: str) -> Any: ...

    def append_child(self, parent: Any, child: Any) -> None: ...

    def insert_before(self, parent: Any, child: Any, before: Any) -> None: ...

    def remove_child(self, parent: Any, child: Any) -> None: ...

    def commit_update(self, instance: Any, old_props: dict[str, Any], new_props: dict[str, Any]) -> None: ...

    def commit_text_update(self, text_instance: Any, old_text: str, new_text: str) -> None: ...
