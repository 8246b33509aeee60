"""Elements: the immutable description of a component tree (`h`, `Element`, `Fragment`, `memo`).

An element is what a JSX expression evaluates to. It is cheap to create (a few slots, no copying of
children) because every tick re-renders the tree and builds many of them; the reconciler compares
them with the previous render to decide what actually changed.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Generic, ParamSpec

__all__ = ["Element", "Fragment", "Memo", "h", "jsx", "memo"]

P = ParamSpec("P")


class Element:
    """An immutable node of a component tree.

    `type` is a component (any callable taking keyword props), a string intrinsic tag, or
    `Fragment`; `props` never contains `key`; `children` is the tuple given to `h`, unflattened.
    """

    __slots__ = ("children", "key", "props", "type")

    type: Any
    props: dict[str, Any]
    key: Any
    children: tuple[Any, ...]

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Element is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Element is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Element):
            return NotImplemented
        return _trees_equal(self, other)

    __hash__ = None  # type: ignore[assignment]  # props are a dict: equal elements cannot share a hash

    def __repr__(self) -> str:
        name = type_name(self.type)
        parts = [name]
        if self.key is not None:
            parts.append(f"key={self.key!r}")
        parts.extend(f"{k}={v!r}" for k, v in self.props.items())
        if self.children:
            parts.append(f"children={len(self.children)}")
        return f"<{' '.join(parts)}>"


def _trees_equal(a: Element, b: Element) -> bool:
    """Structural equality of two element trees, with an explicit stack instead of recursion, so
    trees of any depth compare (elements, and the lists, tuples and dicts holding them, are walked
    here; other values compare with `==`)."""
    pending: list[tuple[Any, Any]] = [(a, b)]
    pop = pending.pop
    push = pending.append
    while pending:
        x, y = pop()
        if x is y:
            continue
        cls = builtins.type(x)  # pyright: ignore[reportUnknownVariableType]  # type(Any) is type[Unknown]
        if cls is not builtins.type(y):
            if isinstance(x, Element) or isinstance(y, Element) or x != y:
                return False
        elif cls is Element:
            if x.type is not y.type or x.key != y.key:
                return False
            push((x.props, y.props))
            push((x.children, y.children))
        elif cls is tuple or cls is list:
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif cls is dict:
            if len(x) != len(y):
                return False
            for name, value in x.items():
                if name not in y:
                    return False
                push((value, y[name]))
        elif x != y:
            return False
    return True


# Slot descriptors write past the immutability guard; about twice as fast as object.__setattr__.
_set_type = Element.__dict__["type"].__set__
_set_props = Element.__dict__["props"].__set__
_set_key = Element.__dict__["key"].__set__
_set_children = Element.__dict__["children"].__set__
_new = object.__new__


def h(type: Any, props: Mapping[str, Any] | None = None, *children: Any, key: Any = None) -> Element:
    """Create an element: `h(Section, {"id": "ctx"}, "text", key="ctx")`.

    A `key` found in `props` (for example through a JSX spread) is moved out of the props, so
    `Element.props` never contains it; an explicit `key=` argument wins.
    """
    if props is None:
        props = {}
    elif "key" in props:
        props = dict(props)
        spread_key = props.pop("key")
        if key is None:
            key = spread_key
    elif builtins.type(props) is not dict:  # a Mapping or dict subclass: copy to a plain dict
        props = dict(props)
    element = _new(Element)
    _set_type(element, type)
    _set_props(element, props)
    _set_key(element, key)
    _set_children(element, children)
    return element


def jsx(type: Callable[P, object], key: Hashable | None = None, /, *args: P.args, **props: P.kwargs) -> Element:
    """Create a component element whose props a type checker checks: `jsx(Greeter, name="Ada")`.

    The props are the keyword arguments, so mypy and pyright check them against the component's
    signature (a wrong type, a missing required prop, an unknown prop). `children=[...]`, when
    given, becomes the element's children (the list the component receives as `children`); the
    optional second positional argument is the key. `jsx(C, k, a=1, children=[x, y])` builds the
    element `h(C, {"a": 1}, x, y, key=k)` builds. The JSX transpiler emits it for component tags.
    """
    if args:
        raise TypeError(f"jsx({type_name(type)}, ...) takes props as keyword arguments, not positionally")
    children: Any = props.pop("children", ())
    kind = children.__class__
    if kind is list:
        children = tuple(children)
    elif kind is not tuple:
        raise TypeError(f"jsx({type_name(type)}, children=...) takes a list of children, not {kind.__name__}")
    element = _new(Element)
    _set_type(element, type)
    _set_props(element, props)
    _set_key(element, key)
    _set_children(element, children)
    return element


def Fragment(children: Any = ()) -> Any:
    """Group children without adding anything of its own: `h(Fragment, None, a, b)` or `<>a b</>`."""
    return children


class Memo(Generic[P]):
    """A component that skips re-rendering while its props compare equal (`==`) to the last render.

    Generic in the wrapped component's parameters, so `<Memoized prop=... />` is checked like the
    component itself."""

    __slots__ = ("__wrapped__", "compare")

    def __init__(self, component: Callable[P, Any], compare: Callable[[dict[str, Any], dict[str, Any]], bool] | None):
        self.__wrapped__ = component
        self.compare = compare

    def __call__(self, *args: P.args, **props: P.kwargs) -> Any:
        return self.__wrapped__(*args, **props)

    @property
    def __name__(self) -> str:
        return type_name(self.__wrapped__)

    def __repr__(self) -> str:
        return f"memo({type_name(self.__wrapped__)})"


def memo(
    component: Callable[P, Any],
    compare: Callable[[dict[str, Any], dict[str, Any]], bool] | None = None,
) -> Memo[P]:
    """Wrap `component` so that a parent re-render with equal props does not re-render it.

    `compare(old_props, new_props)` may replace the default `==` comparison. State updates of the
    component itself still re-render it.
    """
    if isinstance(component, Memo):
        return component
    return Memo(component, compare)


def type_name(component: Any) -> str:
    """A readable name for an element type, used in error messages and reprs."""
    if isinstance(component, str):
        return component
    if component is Fragment:
        return "Fragment"
    if isinstance(component, Memo):
        return type_name(component.__wrapped__)
    name = getattr(component, "display_name", None) or getattr(component, "__name__", None)
    if isinstance(name, str):
        return name
    return type(component).__name__
