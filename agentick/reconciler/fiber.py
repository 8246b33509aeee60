"""Fibers: one per rendered element, kept between renders so components keep their state.

A fiber holds the committed state of its element (props, child fibers, hooks, host instance). The
render phase writes only "pending" fields (`p_*`) and pending hook values; the commit phase moves
them into place, so a render that raises leaves the committed tree exactly as it was.
"""

from __future__ import annotations

from typing import Any, cast

from ..element import Fragment, Memo, type_name

__all__ = [
    "BELOW",
    "COMPONENT",
    "FORCED",
    "FRAGMENT",
    "HOST",
    "PROVIDER",
    "ROOT",
    "SELF",
    "STATE",
    "TEXT",
    "UNSET",
    "Fiber",
    "Provider",
    "schedule",
]

ROOT, COMPONENT, HOST, TEXT, FRAGMENT, PROVIDER = range(6)


class Unset:
    """The type of `UNSET`: no value yet (where `None` is a value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


class TextType:
    """The type of `TEXT_TYPE`, the element type of text fibers."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "#text"


UNSET: Any = Unset()
TEXT_TYPE: Any = TextType()

# `Fiber.flags`: what is pending at a fiber (one attribute, so a scan of siblings for pending work
# reads one value per fiber). A fiber dirty only through STATE may skip its render when its queued
# state updates end at the committed values; FORCED always renders.
STATE = 1  # a use_state/use_reducer update was queued
FORCED = 2  # a context value changed, a suspended render must retry, ...
SELF = STATE | FORCED  # the fiber itself must render
BELOW = 4  # some descendant has a pending update

PATH_ENDS = 6  # component names shown at each end of a path before its middle is elided


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
        "depth",
        "element",
        "flags",
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
        "path_summary",
        "providers",
        "root",
        "slot",
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
        self.flags = 0  # STATE | FORCED | BELOW: what the next pass must do here
        self.contexts: set[Any] | None = None
        self.p_element: Any = UNSET
        self.p_children: Any = UNSET
        self.path_summary: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None  # see path()
        # Components skipped while their props are equal: memo() wrappers, and component objects
        # that declare themselves `pure` (a tool without use=/render= renders the same node).
        self.memo: Any = type if isinstance(type, Memo) else (True if getattr(type, "pure", False) is True else None)
        if parent is None:
            self.depth = 0
            self.host_parent: Fiber | None = None
            self.providers: dict[Any, Fiber] = {}
        else:
            self.depth = parent.depth + 1  # orders layout deepest-first without walking up
            self.host_parent = parent if parent.kind in (HOST, ROOT) else parent.host_parent
            self.providers = parent.providers
            if kind == PROVIDER:
                self.providers = {**parent.providers, cast(Provider, type).context: self}

    @property
    def name(self) -> str:
        if self.kind == TEXT:
            return "text"
        if self.kind == ROOT:
            return "root"
        return type_name(self.type)

    def current_element(self) -> Any:
        """The element of the render in progress, else the committed one."""
        return self.element if self.p_element is UNSET else self.p_element

    def path(self) -> str:
        """`Agent > Timeline > Message`: the component path (providers left out), for error messages.

        In a very deep tree the middle of the path is elided (`Agent > Chain > … 4,990 more … >
        Chain > Leaf`), so a message stays readable whatever the depth.
        """
        count, head, tail = self._path_summary()
        if not count:
            return self.name
        if count <= 2 * PATH_ENDS:
            rest = count - len(head)  # names after the head, all of them in the tail
            return " > ".join((*head, *tail[len(tail) - rest :]))
        return " > ".join((*head, f"… {count - 2 * PATH_ENDS:,} more …", *tail))

    def _path_summary(self) -> tuple[int, tuple[str, ...], tuple[str, ...]]:
        """`(components on the path, first names, last names)`, cached on every fiber of the path:
        a fiber never changes parents, so each summary extends its parent's in O(1) and computing
        the paths of a whole deep tree stays linear."""
        chain: list[Fiber] = []
        fiber: Fiber | None = self
        while fiber is not None and fiber.kind != ROOT and fiber.path_summary is None:
            chain.append(fiber)
            fiber = fiber.parent
        summary: tuple[int, tuple[str, ...], tuple[str, ...]] = (
            fiber.path_summary if fiber is not None and fiber.path_summary is not None else (0, (), ())
        )
        for link in reversed(chain):
            if link.kind == COMPONENT:
                count, head, tail = summary
                name = link.name
                summary = (
                    count + 1,
                    (*head, name) if count < PATH_ENDS else head,
                    (*tail, name)[-PATH_ENDS:],
                )
            if link.parent is not None:  # a detached (unmounted) fiber's path is partial: not kept
                link.path_summary = summary
        return summary

    def __repr__(self) -> str:
        return f"<Fiber {self.name} slot={self.slot!r}>"


def schedule(fiber: Fiber, stop: Fiber | None = None, reason: int = FORCED) -> None:
    """Mark `fiber` for re-render (for `reason`, STATE or FORCED) and flag the path above it, so the
    next pass finds it.

    The walk stops at the first ancestor already flagged (or at `stop`), which keeps marking
    O(depth) once and O(1) for further updates below the same path.
    """
    root = fiber.root
    if root is None:  # unmounted: updates are ignored
        return
    fiber.flags |= reason
    parent = fiber.parent
    while parent is not None and parent is not stop and not parent.flags & BELOW:
        parent.flags |= BELOW
        parent = parent.parent
    if stop is None:
        root.notify_update()


def kind_of(element_type: Any) -> int:
    """The fiber kind an element type renders as."""
    if isinstance(element_type, str):
        return HOST
    if element_type is Fragment:
        return FRAGMENT
    if isinstance(element_type, Provider):
        return PROVIDER
    return COMPONENT
