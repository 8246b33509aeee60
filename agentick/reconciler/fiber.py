"""Fibers: one per rendered element, kept between renders so components keep their state.

A fiber holds the committed state of its element (props, child fibers, hooks, host instance). The
render phase writes only "pending" fields (`p_*`) and pending hook values; the commit phase moves
them into place, so a render that raises leaves the committed tree exactly as it was.
"""

from __future__ import annotations

from typing import Any

from ..element import Fragment, Memo, type_name

__all__ = ["COMPONENT", "FRAGMENT", "HOST", "PROVIDER", "ROOT", "TEXT", "UNSET", "Fiber", "Provider", "schedule"]

ROOT, COMPONENT, HOST, TEXT, FRAGMENT, PROVIDER = range(6)
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__slots__": ()})()

TEXT_TYPE: Any = type("TextType", (), {"__repr__": lambda self: "#text", "__slots__": ()})()
LIST_TYPE: Any = type("ListType", (), {"__repr__": lambda self: "#list", "__slots__": ()})()


class Provider:
    """`Context.Provider`: a component type that makes `value` visible to `use_context` below it."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context

    @property
    def __name__(self) -> str:
        return f"{type_name(self.context)}.Provider"

    def __call__(self, value: Any = None, children: Any = ()) -> Any:
        return children


class Fiber:
    __slots__ = (
        "children",
        "contexts",
        "dirty",
        "element",
        "hooks",
        "hooks_ready",
        "host_children",
        "host_parent",
        "instance",
        "kind",
        "memo",
        "mounted",
        "p_children",
        "p_element",
        "parent",
        "providers",
        "root",
        "slot",
        "subtree_dirty",
        "type",
    )

    def __init__(self, kind: int, type: Any, slot: Any, element: Any, parent: Fiber | None, root: Any) -> None:
        self.kind = kind
        self.type = type
        self.slot = slot
        self.element = element  # the Element (or the text string / child list) last committed
        self.parent = parent
        self.root = root
        self.children: list[Fiber] = []
        self.hooks: list[Any] = []
        self.hooks_ready = False  # True once a render of this component completed
        self.mounted = False  # True once committed; until then the fiber is pending as a whole
        self.instance: Any = None
        self.host_children: list[Fiber] = []
        self.dirty = False
        self.subtree_dirty = False
        self.contexts: set[Any] | None = None
        self.p_element: Any = UNSET
        self.p_children: Any = UNSET
        # Components skipped while their props are equal: memo() wrappers, and component objects
        # that declare themselves `pure` (a tool without use=/render= renders the same node).
        self.memo: Any = type if isinstance(type, Memo) else (True if getattr(type, "pure", False) is True else None)
        if parent is None:
            self.host_parent: Fiber | None = None
            self.providers: dict[Any, Fiber] = {}
        else:
            self.host_parent = parent if parent.kind in (HOST, ROOT) else parent.host_parent
            self.providers = parent.providers
            if kind == PROVIDER:
                self.providers = {**parent.providers, type.context: self}

    @property
    def name(self) -> str:
        if self.kind == TEXT:
            return "text"
        if self.kind == ROOT:
            return "root"
        if self.type is LIST_TYPE:
            return "list"
        return type_name(self.type)

    def current_element(self) -> Any:
        """The element of the render in progress, else the committed one."""
        return self.element if self.p_element is UNSET else self.p_element

    def path(self) -> str:
        """`Agent > Timeline > Message`: the component path (providers left out), for error messages."""
        names = []
        fiber: Fiber | None = self
        while fiber is not None and fiber.kind != ROOT:
            if fiber.kind == COMPONENT:
                names.append(fiber.name)
            fiber = fiber.parent
        return " > ".join(reversed(names)) or self.name

    def __repr__(self) -> str:
        return f"<Fiber {self.name} slot={self.slot!r}>"


def schedule(fiber: Fiber, stop: Fiber | None = None) -> None:
    """Mark `fiber` for re-render and flag the path above it, so the next pass finds it.

    The walk stops at the first ancestor already flagged (or at `stop`), which keeps marking
    O(depth) once and O(1) for further updates below the same path.
    """
    root = fiber.root
    if root is None:  # unmounted: updates are ignored
        return
    fiber.dirty = True
    parent = fiber.parent
    while parent is not None and parent is not stop and not parent.subtree_dirty:
        parent.subtree_dirty = True
        parent = parent.parent
    if stop is None:
        root.notify_update()


def kind_of(element_type: Any) -> int:
    """The fiber kind an element type renders as."""
    if isinstance(element_type, str):
        return HOST
    if element_type is Fragment or element_type is LIST_TYPE:
        return FRAGMENT
    if isinstance(element_type, Provider):
        return PROVIDER
    return COMPONENT
