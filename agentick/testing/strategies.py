"""Hypothesis strategies for element trees and update sequences.

Used by the project's property tests of the reconciler and compiler, and available to users who
want to property-test their own components or hosts. Requires `hypothesis` (a dev dependency).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from ..element import Element, Fragment, h
from ..reconciler import create_context, use_context, use_state

__all__ = [
    "Counter",
    "Setters",
    "element_trees",
    "keyed_lists",
    "props",
    "texts",
    "update_sequences",
]

texts = st.text(alphabet="abc xyz\n", min_size=1, max_size=8)
"""Short text children, including spaces and newlines."""

props = st.dictionaries(st.sampled_from(["a", "b", "n"]), st.integers(0, 3), max_size=2)
"""Small prop dicts with comparable values."""


Setters = create_context(None, name="Setters")
"""Provide a dict here (`h(Setters.Provider, {"value": {}}, tree)`) to collect `Counter` setters."""


def Counter(label: str, start: int = 0) -> Element:
    """A stateful leaf component rendering `<counter label=... count=...>`. Its setter is stored
    under its label in the dict provided through `Setters`, so update sequences can drive it."""
    count, set_count = use_state(start)
    setters: dict[str, Callable[[Any], None]] | None = use_context(Setters)
    if setters is not None:
        setters[label] = set_count
    return h("counter", {"label": label, "count": count})


def keyed_lists(keys: str = "pqrst") -> st.SearchStrategy[Element]:
    """`<keyed>` with uniquely keyed stateful children (labels drawn from `keys`), in any order."""
    return st.lists(st.sampled_from(keys), unique=True, max_size=5).map(
        lambda ks: h("keyed", None, *[h(Counter, {"label": k}, key=k) for k in ks])
    )


def _wrap(n: int, children: list[Any] | None = None) -> Element:
    return h("wrap", {"n": n}, *(children or []))


def _Wrapper(n: int, children: Any = ()) -> Element:
    return _wrap(n, list(children))


def _counter(label: str) -> Element:
    return h(Counter, {"label": label})


def _tag(tag: str, props: dict[str, Any] | None, items: list[Any]) -> Element:
    return h(tag, props, *items)


def _wrapper(n: int, items: list[Any]) -> Element:
    return h(_Wrapper, {"n": n}, *items)


def _fragment(items: list[Any]) -> Element:
    return h(Fragment, None, *items)


def element_trees(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Element trees mixing intrinsic tags, components, fragments, nested lists, keyed lists, text,
    numbers and holes (None/booleans)."""
    leaves = st.one_of(
        texts,
        st.integers(0, 9),
        st.none(),
        st.booleans(),
        keyed_lists(),
        st.builds(_counter, st.sampled_from("uvw")),
    )

    def branches(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        kids = st.lists(children, max_size=3)
        return st.one_of(
            st.builds(_tag, st.sampled_from(["a", "b", "c"]), props, kids),
            st.builds(_wrapper, st.integers(0, 2), kids),
            st.builds(_fragment, kids),
            kids,
        )

    return st.recursive(leaves, branches, max_leaves=max_leaves)


def update_sequences(labels: str = "pqrstuvw") -> st.SearchStrategy[list[tuple[str, int]]]:
    """Sequences of `(counter label, new value)` to apply through the setters collected by `Setters`."""
    return st.lists(st.tuples(st.sampled_from(labels), st.integers(0, 5)), max_size=6)
