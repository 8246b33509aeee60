"""The render/commit loop: keyed child reconciliation, bailouts, host layout and effects.

A pass walks only what can have changed: a fiber whose element is the same object as last time
and that has no pending update is skipped (its subtree is entered only when a descendant is
dirty), and `memo` components skip on equal props. A component whose queued state updates end
at the values it last rendered with (`set("b"); set("a")`) is skipped too, effects included, as
React and Preact do. The render phase computes new child lists and hook values without touching
the host or the committed fibers; the commit phase then applies them, creates and moves host
nodes (minimal moves: nodes on a longest increasing subsequence stay put), unmounts removed
subtrees and runs effects, children first.

Every walk over the tree (render, layout, unmount, context propagation) keeps its own stack
instead of recursing, so a tree thousands of levels deep renders like a shallow one.
"""

# The hot paths dispatch on `type(x) is ...` over children of any type. For pyright, `type()` of an
# `Any` value is `type[Unknown]`, and `type(x) is list` narrows `Any` to `list[Unknown]`; its
# strict mode reports both as partially unknown, so those three reports are off in this module.
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false, reportUnknownMemberType=false

from __future__ import annotations

import inspect
import operator
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from ..element import Element, Fragment, Memo, type_name
from ..errors import AgentickError, ComponentError, HookError
from ..tag_names import capitalised_tag
from ..user_code import raise_site
from .fiber import (
    BELOW,
    COMPONENT,
    FRAGMENT,
    HOST,
    PROVIDER,
    ROOT,
    SELF,
    STATE,
    TEXT,
    TEXT_TYPE,
    UNSET,
    Fiber,
    kind_of,
    schedule,
)
from .hooks import (
    CURRENT,
    Dispatch,
    EffectHook,
    Hook,
    ReducerHook,
    StateHook,
    Suspend,
    same_value,
)
from .host import HostConfig

__all__ = ["Reconciler", "Root"]

RERENDER_LIMIT = 25  # updates of a component during its own render before we call it a loop
SETTLE_LIMIT = 50  # passes `render`/`flush` run while effects keep scheduling updates

_INDEX = object()
_INDEX_SLOTS = tuple((_INDEX, i) for i in range(4096))  # shared, immutable: no per-child tuple


def _index_slot(index: int) -> tuple[object, int]:
    """The implicit key of an unkeyed child: its position (holes such as None count). Slots compare
    by value, so positions past the table simply get a new tuple."""
    return _INDEX_SLOTS[index] if index < 4096 else (_INDEX, index)


class _Work:
    """What one pass decided; applied by the commit, or undone when the render raises."""

    __slots__ = (
        "commits",
        "created",
        "deleted",
        "descended",
        "effects",
        "layout",
        "prop_updates",
        "propagated",
        "remount",
        "rendered",
        "resuspend",
        "text_updates",
        "visited",
        "was_dirty",
    )

    def __init__(self) -> None:
        self.rendered: list[Fiber] = []  # committed fibers with pending p_element / p_children
        self.commits: list[Hook] = []  # hooks holding pending values
        self.created: list[Fiber] = []  # every new fiber, parents before children
        self.deleted: list[Fiber] = []  # roots of removed subtrees
        self.layout: set[Fiber] = set()  # host parents whose child list changed
        self.effects: list[EffectHook] = []  # in completion order: children before parents
        self.prop_updates: list[tuple[Fiber, dict[str, Any], dict[str, Any]]] = []
        self.text_updates: list[tuple[Fiber, str, str]] = []
        self.was_dirty: list[tuple[Fiber, int]] = []  # with why each was dirty, to restore it
        self.descended: list[Fiber] = []
        self.resuspend: list[Fiber] = []
        self.remount: list[Fiber] = []  # committed fibers mounting hooks (after a suspended mount)
        self.propagated: list[Fiber] = []  # providers that marked consumers below them
        self.visited = 0  # fibers looked at, for benchmarks and tests of bailouts


class Reconciler:
    """A reconciler for one kind of host. `create_root(container)` gives an independent tree."""

    def __init__(self, host: HostConfig) -> None:
        self.host = host

    def create_root(self, container: Any) -> Root:
        return Root(self.host, container)


class Root:
    """A rendered tree attached to a host container.

    `render(element)` and `flush()` are synchronous: render, commit, run effects, and repeat while
    effects scheduled more updates. `suspended` lists the awaitables the last pass waited on
    (see `Suspend`); `on_update` is called whenever a state update is scheduled.
    """

    def __init__(self, host: HostConfig, container: Any) -> None:
        self.host = host
        self.container = container
        self.fiber = Fiber(ROOT, None, None, None, None, self)
        self.fiber.instance = container
        self.fiber.mounted = True
        self.suspended: list[Awaitable[Any]] = []
        self.on_update: Callable[[], None] | None = None
        self.visited = 0  # fibers visited by the last render()/flush(), over all its passes
        self._rendering = False
        self._unmounted = False

    # --- public API ---------------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """True when a state update is waiting for the next pass."""
        return bool(self.fiber.flags & BELOW)

    def render(self, element: Any, *, settle: bool = True) -> None:
        """Render `element` as the root's only child, commit, and run effects."""
        self.visited = 0
        self._perform([element])
        if settle:
            self._settle()

    def flush(self, *, settle: bool = True) -> None:
        """Apply pending state updates: re-render only dirty components (and what they render)."""
        self.visited = 0
        if self.fiber.flags & BELOW:
            self._perform(None)
        if settle:
            self._settle()

    def unmount(self) -> None:
        """Remove everything: cleanups and unmount effects run exactly once, parents first."""
        if self._unmounted:
            return
        if self._rendering:
            raise RuntimeError("unmount() was called on a root while it was rendering")
        try:
            self._perform([])  # a cleanup that raises is reported once everything was removed
        finally:
            self._unmounted = True
            self.fiber.root = None

    def notify_update(self) -> None:
        if self.on_update is not None:
            self.on_update()

    def dirty_components(self) -> list[str]:
        """The paths of the components with a pending update, in tree order (for diagnostics such as
        "the tree kept scheduling updates")."""
        paths: list[str] = []
        pending = [iter(self.fiber.children)]
        while pending:
            for fiber in pending[-1]:
                if fiber.flags & SELF and fiber.kind == COMPONENT:
                    paths.append(fiber.path())
                if fiber.flags & BELOW:
                    pending.append(iter(fiber.children))
                    break
            else:
                pending.pop()
        return paths

    # --- the pass -----------------------------------------------------------------------------

    def _settle(self) -> None:
        for _ in range(SETTLE_LIMIT):
            if not self.fiber.flags & BELOW or self.suspended:
                return
            self._perform(None)
        updating = ", ".join(self.dirty_components()) or "no component"
        raise RuntimeError(
            f"the tree kept scheduling updates after {SETTLE_LIMIT} passes (still updating: {updating}); an "
            "effect probably sets state on every run (give it dependencies or compare before setting)"
        )

    def _perform(self, items: list[Any] | None) -> None:
        if self._unmounted:
            raise RuntimeError("this root was unmounted; create a new root to render again")
        if self._rendering:
            raise RuntimeError("render() or flush() was called on a root while it was rendering")
        self._rendering = True
        self.suspended = []
        work = _Work()
        stack: list[Any] = []
        try:
            root = self.fiber
            if items is None:
                _descend(root, work, stack)
            else:
                dirty_below = bool(root.flags & BELOW)
                if dirty_below:  # every child is visited below, so dirty ones are reached
                    root.flags &= ~BELOW
                    work.descended.append(root)
                self._reconcile_children(root, items, work, dirty_below, stack)
            self._work_loop(stack, work)
        except BaseException:
            self._discard(work)
            raise
        finally:
            self._rendering = False
            self.visited += work.visited
        self._commit(work)

    def _work_loop(self, stack: list[Any], work: _Work) -> None:
        """Visit the fibers on `stack` depth first, in tree order (the stack replaces recursion, so
        a tree's depth is bounded by memory, not by Python's recursion limit).

        An entry's type says what it holds (no wrapper per entry: fewer allocations per pass):
        a `tuple` `(fiber, element)` or a `zip` of such pairs to visit with that element; a
        `list_iterator` of committed fibers, each visited with its committed element if it has a
        pending update at or below it by the time it is reached; a `list` of a component's effects,
        pushed below its children so they are queued after those of its subtree (children before
        parents). A visit that has work of its own first pushes back the iterator of the siblings
        left (see `_begin`), so they continue after that work.
        """
        begin = self._begin
        pop = stack.pop
        effects = work.effects
        while stack:
            entries = pop()
            cls = type(entries)
            if cls is tuple:
                begin(entries[0], entries[1], work, stack, None)
            elif cls is zip:
                for fiber, element in entries:
                    if begin(fiber, element, work, stack, entries):
                        break
            elif cls is list:
                effects.extend(entries)
            else:
                for fiber in entries:
                    if fiber.flags and begin(fiber, fiber.element, work, stack, entries):
                        break

    def _begin(self, fiber: Fiber, element: Any, work: _Work, stack: list[Any], siblings: Any) -> bool:
        """Visit one fiber: skip it (entering its subtree only when something below is dirty), or
        render it and reconcile its children. When it has work below (its children, its
        effects), it pushes `siblings` (the iterator it came from) and then that work, and
        returns True: the caller stops iterating and the stack continues with the work."""
        work.visited += 1
        kind = fiber.kind
        mounted = fiber.mounted
        if kind == TEXT:
            if mounted and element != fiber.element:
                work.text_updates.append((fiber, fiber.element, element))
                fiber.p_element = element
                work.rendered.append(fiber)
            return False
        checked = -1  # where the hooks' pending values of this fiber start in work.commits
        if mounted:
            dirty = fiber.flags & SELF
            if dirty == STATE and fiber.hooks_ready and (element is fiber.element or fiber.memo is not None):
                checked = len(work.commits)
                if not _updates_change_state(fiber, work):  # they end at the committed values
                    fiber.flags &= ~SELF
                    dirty = 0
                    work.was_dirty.append((fiber, STATE))
            if not dirty:
                same = element is fiber.element
                if not same and fiber.memo is not None and fiber.hooks_ready:
                    same = _memo_equal(fiber, element)
                    if same:
                        fiber.p_element = element
                        work.rendered.append(fiber)
                if same:
                    if not fiber.flags & BELOW:
                        return False
                    if siblings is not None:
                        stack.append(siblings)
                    _descend(fiber, work, stack)
                    return True
            else:
                fiber.flags &= ~SELF
                work.was_dirty.append((fiber, dirty))
        dirty_below = bool(fiber.flags & BELOW)
        if dirty_below:  # re-rendering visits every child, so dirty descendants are reached
            fiber.flags &= ~BELOW
            work.descended.append(fiber)
        effects: list[EffectHook] | None = None
        if kind == COMPONENT:
            rendered = self._render_component(fiber, element, work, checked)
            if rendered is None:  # suspended: keep the previous output, render again next pass
                if mounted and element is not fiber.element:
                    fiber.p_element = element
                    work.rendered.append(fiber)
                if dirty_below:  # its children were not visited: their updates wait for that pass
                    fiber.flags |= BELOW
                return False
            items, effects = rendered
        elif kind == HOST:
            if mounted:
                old_props = fiber.element.props
                if element.props is not old_props:
                    try:
                        changed = element.props != old_props
                    except Exception:  # a value that cannot be compared (a numpy array) changed
                        changed = True
                    if changed:
                        work.prop_updates.append((fiber, old_props, element.props))
            items = element.children
            if len(items) == 1:  # only a lone list or unkeyed Fragment changes (see _child_items)
                only = items[0]
                if type(only) is not str and (type(only) is not Element or only.type is Fragment):
                    items = _listed_children(fiber, items)
        elif kind == FRAGMENT:
            items = _listed_children(fiber, element.children) if type(element) is Element else element
        else:  # PROVIDER
            if mounted:
                old_value = fiber.element.props.get("value")
                if not same_value(old_value, element.props.get("value")) and _propagate(fiber, fiber.type.context):
                    dirty_below = True  # the consumers below must be reached even under unchanged elements
                    work.propagated.append(fiber)
            items = _listed_children(fiber, element.children)
        if mounted:
            fiber.p_element = element
            work.rendered.append(fiber)
        if siblings is not None:
            stack.append(siblings)
        if effects:
            stack.append(effects)
        self._reconcile_children(fiber, items, work, dirty_below, stack)
        return True

    def _render_component(
        self, fiber: Fiber, element: Element, work: _Work, checked: int
    ) -> tuple[Any, list[EffectHook]] | None:
        """Run the component function: its output as a child list and its effects, or None when it
        suspended. `checked` is where the values the update check computed for it start in
        `work.commits` (-1: no check ran); a suspended render keeps none of them."""
        component = element.type
        if type(component) is Memo:
            component = component.__wrapped__
        props = element.props
        children = element.children
        mounting = not fiber.hooks_ready
        if mounting and fiber.mounted:
            work.remount.append(fiber)
        commits_before = checked if checked >= 0 else len(work.commits)
        dispatch = Dispatch(fiber, work, mounting)
        token = CURRENT.set(dispatch)
        try:
            for _ in range(RERENDER_LIMIT):
                output = component(**props, children=list(children)) if children else component(**props)
                if not dispatch.rerender:
                    break
                dispatch.rerender = False
                dispatch.mounting = False
                dispatch.index = 0
                dispatch.effects = []
            else:
                raise ComponentError(
                    f"{fiber.path()} updated its own state during render {RERENDER_LIMIT} times in a row; "
                    "a state update during render must be conditional",
                    component=fiber.name,
                    phase="render",
                )
            if not dispatch.mounting and dispatch.index != len(fiber.hooks):
                raise HookError(
                    f"{fiber.name} called {dispatch.index} hooks during this render but "
                    f"{len(fiber.hooks)} during the previous one; hooks must be called unconditionally "
                    "and in the same order every render"
                )
        except Suspend as suspend:
            for hook in work.commits[commits_before:]:
                hook.discard()
            del work.commits[commits_before:]
            if mounting:
                fiber.hooks = []
            self.suspended.append(suspend.awaitable)
            work.resuspend.append(fiber)
            return None
        except AgentickError:
            raise
        except Exception as error:
            raise _component_error(fiber, component, error) from error
        finally:
            dispatch.done = True  # tasks started during the render keep a copy of CURRENT
            CURRENT.reset(token)
        fiber.hooks_ready = True
        if inspect.iscoroutine(output):
            output.close()
            raise ComponentError(
                f"{fiber.path()} returned a coroutine: components must be synchronous functions "
                "(load async data with use_data, run async work in tick hooks or tools)",
                component=fiber.name,
                phase="render",
            )
        try:
            items = _output_items(output)  # runs a returned generator, after the render (no hooks there)
        except AgentickError:
            raise
        except Exception as error:
            raise _component_error(fiber, component, error) from error
        return items, dispatch.effects

    def _reconcile_children(
        self, parent: Fiber, items: Iterable[Any], work: _Work, dirty_below: bool, stack: list[Any]
    ) -> None:
        """Match new children to old fibers by key (explicit) or position, then push their visits.

        `dirty_below` says whether some descendant had a pending update when the pass reached
        `parent`; unchanged children are only looked at when it (or an update made since) is set.
        A nested list and an unkeyed Fragment element are the same kind of child (a fragment fiber),
        so one can replace the other at a position without remounting what is inside (see
        `_child_items` for how a lone list or Fragment child is unwrapped).
        """
        old = parent.children
        n_old = len(old)
        if type(items) is not list and type(items) is not tuple:
            items = list(items)
        if not items and not n_old:
            return  # a leaf stays a leaf
        # Fast path: children whose element is the very object rendered last time (a Timeline's
        # cached entries, unchanged props passed down) keep their fiber and need a visit only when
        # something below them is dirty. A list that only grew at its end (each old item made one
        # fiber) is recognised at C speed.
        prefix = 0
        previous = _previous_list(parent) if type(items) is list and parent.mounted else None
        if (
            type(previous) is list
            and len(previous) == n_old
            and len(items) >= n_old
            and all(map(operator.is_, items, previous))
        ):
            prefix = n_old
        limit = min(n_old, len(items))
        while prefix < limit:
            kept = old[prefix]
            item = items[prefix]
            if kept.element is not item:
                break
            key = item.key if type(item) is Element else None
            if (key if key is not None else _index_slot(prefix)) != kept.slot:
                break
            prefix += 1
        cursor = prefix
        by_slot: dict[Any, Fiber] | None = None
        fibers: list[Fiber] = old[:prefix]
        elements: list[Any] = []
        keys: set[Any] | None = None
        for index in range(prefix, len(items)):
            item = items[index]
            if item is None or item is True or item is False:
                continue
            cls = type(item)
            if cls is Element:
                child_type = item.type
                key = item.key
                if not item.props and not item.children and type(child_type) is not str:
                    # A component object that renders a constant element without props (a pure
                    # tool) declares it: that element is mounted in its place, keeping the key.
                    static = getattr(child_type, "static_element", None)
                    if static is not None:
                        item = static
                        child_type = static.type
                if key is not None:
                    if keys is None:
                        keys = {fiber.slot for fiber in fibers}
                    if key in keys:
                        raise ValueError(
                            f"two children of {parent.path()} have the key {key!r}; keys must be unique among siblings"
                        )
                    keys.add(key)
            elif cls is str:
                if not item:
                    continue
                child_type, key = TEXT_TYPE, None
            elif cls is int or cls is float:
                child_type, key, item = TEXT_TYPE, None, str(item)
            elif cls is list or cls is tuple:
                child_type, key = Fragment, None
            else:
                item = _coerce_child(item, parent)
                child_type = TEXT_TYPE if type(item) is str else Fragment
                key = None
            slot = key if key is not None else _index_slot(index)
            fiber = None
            if by_slot is None and cursor < n_old:
                candidate = old[cursor]
                if candidate.slot == slot:
                    cursor += 1
                    if candidate.type == child_type:
                        fiber = candidate
                    else:
                        work.deleted.append(candidate)
                else:
                    by_slot = {f.slot: f for f in old[cursor:]}
            if by_slot is not None:
                found = by_slot.pop(slot, None)
                if found is not None:
                    if found.type == child_type:
                        fiber = found
                    else:
                        work.deleted.append(found)
            if fiber is None:
                kind = TEXT if child_type is TEXT_TYPE else kind_of(child_type)
                fiber = Fiber(kind, child_type, slot, item, parent, self)
                work.created.append(fiber)
            fibers.append(fiber)
            elements.append(item)
        if by_slot is not None:
            work.deleted.extend(by_slot.values())
        elif cursor < n_old:
            work.deleted.extend(old[cursor:])
        if len(fibers) != n_old or fibers != old:
            host_parent = parent if parent.kind in (HOST, ROOT) else parent.host_parent
            work.layout.add(host_parent)  # type: ignore[arg-type]
            if parent.mounted:
                parent.p_children = fibers
                work.rendered.append(parent)
            else:
                parent.children = fibers
        # Visited in tree order (the top of the stack first): the kept prefix, only where something
        # is dirty, then every other child with its new element.
        if len(elements) == 1:
            stack.append((fibers[-1], elements[0]))
        elif elements:
            stack.append(zip(islice(fibers, prefix, None) if prefix else fibers, elements, strict=True))
        if prefix and (dirty_below or parent.flags & BELOW):
            stack.append(iter(old[:prefix]))

    # --- commit and discard -------------------------------------------------------------------

    def _discard(self, work: _Work) -> None:
        for fiber in work.rendered:
            fiber.p_element = UNSET
            fiber.p_children = UNSET
        for hook in work.commits:
            hook.discard()
        for fiber in work.remount:
            fiber.hooks = []
            fiber.hooks_ready = False
        for fiber in work.descended:
            fiber.flags |= BELOW
        for fiber, reason in work.was_dirty:
            schedule(fiber, reason=reason)
        for provider in work.propagated:  # its consumers stay marked: flag the path down to them
            above: Fiber | None = provider
            while above is not None:
                above.flags |= BELOW
                above = above.parent

    def _commit(self, work: _Work) -> None:
        for fiber in work.rendered:
            if fiber.p_element is not UNSET:
                fiber.element = fiber.p_element
                fiber.p_element = UNSET
            if fiber.p_children is not UNSET:
                fiber.children = fiber.p_children
                fiber.p_children = UNSET
        for hook in work.commits:
            hook.commit()
        host = self.host
        for fiber in work.created:
            fiber.mounted = True
            kind = fiber.kind
            if kind == TEXT:
                fiber.instance = host.create_text(fiber.element)
            elif kind == HOST:
                fiber.instance = host.create_instance(fiber.type, fiber.element.props)
        for fiber, old_props, new_props in work.prop_updates:
            host.commit_update(fiber.instance, old_props, new_props)
        for fiber, old_text, new_text in work.text_updates:
            host.commit_text_update(fiber.instance, old_text, new_text)
        if work.layout:
            for host_parent in sorted(work.layout, key=_depth, reverse=True):  # subtrees before parents
                self._relayout(host_parent)
        errors: list[BaseException] = []
        for fiber in work.deleted:
            errors.extend(_unmount(fiber))
        for fiber in work.resuspend:
            schedule(fiber)
        errors.extend(_run_effects(work.effects))
        if errors:
            first = errors[0]
            for other in errors[1:]:
                first.add_note(f"also: {other}")
            raise first

    def _relayout(self, host_parent: Fiber) -> None:
        """Make the host children of `host_parent` match its fibers, with the fewest moves."""
        new = _host_nodes(host_parent.children)
        old = host_parent.host_children
        if new == old:
            return
        host = self.host
        container = host_parent.instance
        n_old = len(old)
        if n_old <= len(new) and new[:n_old] == old:
            for fiber in new[n_old:]:
                host.append_child(container, fiber.instance)
        else:
            kept = set(new)
            for fiber in old:
                if fiber not in kept:
                    host.remove_child(container, fiber.instance)
            position = {fiber: i for i, fiber in enumerate(old)}
            stay = stable_indices([position.get(fiber, -1) for fiber in new])
            anchor: Fiber | None = None
            for i in range(len(new) - 1, -1, -1):
                fiber = new[i]
                if i not in stay:
                    if anchor is None:
                        host.append_child(container, fiber.instance)
                    else:
                        host.insert_before(container, fiber.instance, anchor.instance)
                anchor = fiber
        host_parent.host_children = new


# --- helpers ------------------------------------------------------------------------------------


def _updates_change_state(fiber: Fiber, work: _Work) -> bool:
    """Whether the queued updates of a component's state hooks end at values other than the
    committed ones. `use_state` hooks are checked first: their updates are mostly computed already,
    and when one changed, no reducer runs before the render (which reduces with its own reducer).
    An updater or reducer that raises is a render error of the component."""
    try:
        reducers: list[ReducerHook] | None = None
        for hook in fiber.hooks:
            cls = type(hook)
            if cls is StateHook:
                if hook.queue and hook.changed(work):
                    return True
            elif cls is ReducerHook and hook.queue:
                if reducers is None:
                    reducers = []
                reducers.append(hook)
        if reducers is not None:
            for hook in reducers:
                if hook.changed(work):
                    return True
    except AgentickError:
        raise
    except Exception as error:
        raise _component_error(fiber, _component_function(fiber.type), error) from error
    return False


def _memo_equal(fiber: Fiber, new: Element) -> bool:
    """Whether a memo component may skip `new`: its compare function (an error there names the
    component), else equal props; children must be equal too. Values whose comparison raises are
    not equal."""
    memo = fiber.memo
    old = fiber.element
    compare = memo.compare if type(memo) is Memo else None
    if compare is not None:
        try:
            if not compare(old.props, new.props):
                return False
        except AgentickError:
            raise
        except Exception as error:
            where = raise_site(error.__traceback__)
            raise ComponentError(
                f"the memo compare function of {fiber.path()}{f' ({where})' if where else ''} raised "
                f"{type(error).__name__}: {error}",
                component=fiber.name,
                phase="render",
            ) from error
    try:
        return bool((compare is not None or old.props == new.props) and old.children == new.children)
    except Exception:  # values that cannot be compared (numpy arrays) count as changed
        return False


def _component_function(component: Any) -> Any:
    return component.__wrapped__ if type(component) is Memo else component


def _output_items(output: Any) -> Sequence[Any]:
    """The child list a component's return value stands for (React's `reconcileChildFibers`).

    An unkeyed Fragment is replaced by its children, once: `h(Fragment, None, a, b)` is `[a, b]`,
    and a Fragment with a single list child, `h(Fragment, None, [a, b])`, is that list. A returned
    list (or other iterable) is the child list itself.
    """
    if output is None or output is True or output is False:
        return ()
    cls = type(output)
    if cls is Element:
        if output.type is Fragment and output.key is None:
            return _fragment_items(output.children)
        return (output,)
    if cls is list or cls is tuple:
        return output  # type: ignore[no-any-return]
    sequence = _as_sequence(output)
    return (output,) if sequence is None else sequence  # strings, numbers and invalid values are checked as children


def _child_items(children: tuple[Any, ...]) -> Sequence[Any]:
    """The child list of an element's `children` (host tags, fragments, providers), following React:

    - several children are a list of children, one position each (a nested list or an unkeyed
      Fragment among them is one fragment child at its position; both match each other);
    - a single list or iterable child *is* the child list: `h("ol", None, [li])` is `h("ol", None, li)`;
    - a single unkeyed Fragment child is replaced by its children, once (React's top-level unkeyed
      fragment): `h("ol", None, h(Fragment, None, li))` is `h("ol", None, li)` too.

    So a child keeps its fiber (and its state) when the same content moves between these spellings.
    """
    if len(children) != 1:
        return children
    only = children[0]
    cls = type(only)
    if cls is Element:
        if only.type is Fragment and only.key is None:
            return _fragment_items(only.children)
        return children
    if cls is list or cls is tuple:
        return only  # type: ignore[no-any-return]
    if cls is str:
        return children
    sequence = _as_sequence(only)
    return children if sequence is None else sequence


def _previous_list(parent: Fiber) -> Any:
    """The list the committed children of `parent` were made from, when they came from one: a
    nested list's own fiber, or a host, fragment or provider whose lone child was a list. (A
    component's children come from its output, which is not kept.)"""
    if parent.kind in (COMPONENT, ROOT):
        return None
    committed = parent.element
    if type(committed) is list:
        return committed
    children = committed.children
    return children[0] if len(children) == 1 else None


def _fragment_items(children: tuple[Any, ...]) -> Sequence[Any]:
    """The child list of a Fragment being unwrapped: a single list child is the list itself; a
    nested unkeyed Fragment stays a fragment child (React unwraps one level)."""
    if len(children) == 1:
        sequence = _as_sequence(children[0])
        if sequence is not None:
            return sequence
    return children


def _as_sequence(value: Any) -> Sequence[Any] | None:
    """`value` as a child list when it is a list, tuple or other iterable of children, else None."""
    cls = type(value)
    if cls is list or cls is tuple:
        return value  # type: ignore[no-any-return]
    if cls is Element or cls is str or value is None or callable(value):
        return None
    if isinstance(value, (str, bytes, bytearray, Mapping)) or not isinstance(value, Iterable):
        return None
    return list(value)


def _coerce_child(item: Any, parent: Fiber) -> Any:
    """Text for numbers (subclasses too), a list for other iterables; TypeError for the rest."""
    if isinstance(item, str):
        return str(item)
    if isinstance(item, (int, float)):
        return str(item)
    if callable(item):
        raise TypeError(_callable_child(item, parent))
    if isinstance(item, (Mapping, bytes, bytearray)):
        raise TypeError(_invalid_child(item, parent))
    if isinstance(item, Iterable):
        return _listed(item, parent)
    raise TypeError(_invalid_child(item, parent))


def _invalid_child(item: Any, parent: Fiber) -> str:
    hint = " (to show data, convert it to text or use <Json data=...>)" if isinstance(item, Mapping) else ""
    return (
        f"invalid child of {parent.path()}: {type(item).__name__} {item!r:.60}; children must be elements, "
        f"strings, numbers, None, booleans or iterables of those{hint}"
    )


def _callable_child(item: Any, parent: Fiber) -> str:
    """A component or tool placed where a child value goes (`{add}` instead of `<Add />`)."""
    name = type_name(item)
    what = f"the component {name}" if inspect.isfunction(item) or inspect.isclass(item) else repr(item)
    if not name.isidentifier():
        fix = "render it as an element with h(...)"
    elif name[0].isupper():
        fix = f"write <{name} /> or h({name})"
    else:
        tag = capitalised_tag(name)
        fix = f"write <{tag} /> (after `{tag} = {name}`) or h({name})"
    return (
        f"invalid child of {parent.path()}: {what} was placed as a child; components and tools are rendered "
        f"as elements: {fix}"
    )


def _listed_children(fiber: Fiber, children: tuple[Any, ...]) -> Sequence[Any]:
    """`_child_items` of a host, fragment or provider element, whose lone child may be a generator
    written in a component: an error it raises is that component's render error."""
    try:
        return _child_items(children)
    except AgentickError:
        raise
    except Exception as error:
        raise _children_error(fiber, error) from error


def _listed(items: Iterable[Any], parent: Fiber) -> list[Any]:
    """A nested iterable child as a list (see `_listed_children`)."""
    try:
        return list(items)
    except AgentickError:
        raise
    except Exception as error:
        raise _children_error(parent, error) from error


def _children_error(fiber: Fiber, error: Exception) -> ComponentError:
    """An error raised while listing children (a generator's body runs then), as a render error of
    the nearest component: its elements are that component's output."""
    owner: Fiber | None = fiber
    while owner is not None and owner.kind != COMPONENT:
        owner = owner.parent
    if owner is None:
        where = raise_site(error.__traceback__)
        return ComponentError(
            f"the children of {fiber.path()}{f' ({where})' if where else ''} raised {type(error).__name__}: {error}",
            component=fiber.name,
            phase="render",
        )
    return _component_error(owner, _component_function(owner.type), error)


def _component_error(fiber: Fiber, component: Any, error: Exception) -> ComponentError:
    """A render error naming the component path and the line that raised (the innermost frame in
    user code; the component's `def` line when the error came from elsewhere)."""
    where = raise_site(error.__traceback__)
    if where is None:
        code = getattr(component, "__code__", None)
        where = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else None
    return ComponentError(
        f"{fiber.path()}{f' ({where})' if where else ''} raised {type(error).__name__}: {error}",
        component=fiber.name,
        phase="render",
    )


def _propagate(provider: Fiber, context: Any) -> bool:
    """Mark every committed consumer of `context` below `provider` for re-render; True when there
    was one. The marks stop below `provider`: the pass rendering it goes on to visit them."""
    marked = False
    stack = list(provider.children)
    while stack:
        fiber = stack.pop()
        if fiber.kind == PROVIDER and fiber.type.context is context:
            continue  # a nearer provider of the same context shadows this one
        if fiber.contexts is not None and context in fiber.contexts:
            schedule(fiber, stop=provider)
            marked = True
        stack.extend(fiber.children)
    return marked


_depth = operator.attrgetter("depth")


def _host_nodes(fibers: list[Fiber]) -> list[Fiber]:
    """The host fibers (host elements and text) of `fibers`, looking through components,
    fragments and providers, in tree order."""
    out: list[Fiber] = []
    pending = [iter(fibers)]
    while pending:
        for fiber in pending[-1]:
            if fiber.kind == HOST or fiber.kind == TEXT:
                out.append(fiber)
            else:
                pending.append(iter(fiber.children))
                break
        else:
            pending.pop()
    return out


def _descend(fiber: Fiber, work: _Work, stack: list[Any]) -> None:
    """Push the dirty parts below a fiber that itself does not re-render (checked when reached)."""
    fiber.flags &= ~BELOW
    work.descended.append(fiber)
    children = fiber.children
    if len(children) != 1:
        stack.append(iter(children))
    else:  # a lone child (a wrapper chain) is checked now: nothing can dirty it before it is reached
        child = children[0]
        if child.flags:
            stack.append((child, child.element))


def stable_indices(sequence: list[int]) -> set[int]:
    """Indices of a longest strictly increasing subsequence of the non-negative items: the children
    that keep their place when keyed children move (and, in `compiler.diff`, the messages that did
    not move when kept messages changed order). O(n log n)."""
    tails: list[int] = []  # tails[k] = smallest tail value of an increasing run of length k+1
    tail_index: list[int] = []
    previous = [-1] * len(sequence)
    for i, value in enumerate(sequence):
        if value < 0:
            continue
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_index.append(i)
        else:
            tails[k] = value
            tail_index[k] = i
        previous[i] = tail_index[k - 1] if k > 0 else -1
    result: set[int] = set()
    i = tail_index[-1] if tail_index else -1
    while i >= 0:
        result.add(i)
        i = previous[i]
    return result


def _unmount(fiber: Fiber) -> list[BaseException]:
    """Unmount a removed subtree, parents first, and release every reference it holds."""
    errors: list[BaseException] = []
    removed: list[Fiber] = []
    stack = [fiber]
    while stack:
        current = stack.pop()
        removed.append(current)
        for hook in current.hooks:
            for error in hook.unmount():
                errors.append(_effect_error(current, error, "cleanup"))
        stack.extend(reversed(current.children))
        current.root = None
    for current in removed:  # after every cleanup ran, so error paths are complete
        current.parent = None
        current.children = []
        current.host_children = []
        current.hooks = []
        current.instance = None
        current.element = None
    return errors


def _run_effects(effects: list[EffectHook]) -> list[BaseException]:
    errors: list[BaseException] = []
    for hook in effects:
        hook.fn, hook.deps = hook.p_fn, hook.p_deps
        hook.p_fn = hook.p_deps = None
        cleanup, hook.cleanup = hook.cleanup, None
        if cleanup is not None:
            try:
                cleanup()
            except Exception as error:
                errors.append(_effect_error(hook.fiber, error, "cleanup"))
    for hook in effects:
        fiber = hook.fiber
        if fiber.root is None or hook.fn is None:
            continue
        try:
            result = hook.fn()
        except Exception as error:
            errors.append(_effect_error(fiber, error, "effect"))
            continue
        if result is None:
            continue
        if callable(result):
            hook.cleanup = result
        else:
            if inspect.iscoroutine(result):
                result.close()
            errors.append(
                ComponentError(
                    f"an effect of {fiber.path()} returned {type(result).__name__}; an effect returns None or a "
                    "cleanup function (effects are synchronous: use tick hooks for async work)",
                    component=fiber.name,
                    phase="effect",
                )
            )
    return errors


def _effect_error(fiber: Fiber, error: BaseException, phase: str) -> BaseException:
    """An effect or cleanup error naming the component path and the line that raised."""
    if isinstance(error, AgentickError):
        return error
    where = raise_site(error.__traceback__)
    wrapped = ComponentError(
        f"{'an effect' if phase == 'effect' else 'a cleanup'} of {fiber.path()}{f' ({where})' if where else ''} "
        f"raised {type(error).__name__}: {error}",
        component=fiber.name,
        phase=phase,
    )
    wrapped.__cause__ = error
    return wrapped
