"""Tick lifecycle hooks: callbacks the engine runs between ticks.

Each hook registers the component's callback in a runtime registry from a mount effect (so the
order is children before parents, siblings in order, later-mounted components last) and reads the
callback through `use_latest`, so the engine always calls the latest committed closure.

A callback that cannot take the arguments its hook passes (API.md §3) is refused when the hook is
called, with a `HookError` naming the hook, the expected call and the callback's file and line,
rather than failing later inside a tick; the check reads a function's code object, and inspects
the signature of anything else (a partial, a callable object) once, not at every render.
Tick-end and continuation callbacks must return a vote (`check_vote`): anything else is an error,
never silently "no opinion".
"""

from __future__ import annotations

import functools
import inspect
import types
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from ..errors import HookError
from ..reconciler import current_component, use_effect, use_latest
from ..runtime import AgentRuntime, Com, use_runtime
from ..schema import json_object
from ..types import Message

if TYPE_CHECKING:
    from ..compiler import CompiledContext
    from ..engine.results import TickResult, TickState

__all__ = [
    "ContinuationCallback",
    "ContinuationVote",
    "use_after_compile",
    "use_continuation",
    "use_on_execution_end",
    "use_on_execution_start",
    "use_on_message",
    "use_on_mount",
    "use_on_tick_end",
    "use_on_tick_start",
    "use_on_unmount",
    "use_output_validator",
]

PARAMETERS: dict[str, tuple[str, ...]] = {
    "use_on_mount": ("com",),
    "use_on_unmount": ("com",),
    "use_on_tick_start": ("tick_state", "com"),
    "use_after_compile": ("compiled", "com"),
    "use_on_tick_end": ("tick_result", "com"),
    "use_continuation": ("tick_result", "com"),
    "use_on_execution_start": ("execution_id", "com"),
    "use_on_execution_end": ("com",),
    "use_on_message": ("message", "com", "tick_state"),
    "use_output_validator": ("value", "com"),
}
"""The arguments each hook calls its callback with (API.md §3), in order."""

VOTES = (
    'True (continue), False (stop), None (no opinion), {"stop": True, "reason": "..."} or '
    '{"continue": True, "reason": "..."}'
)
_VOTE_KEYS = frozenset({"stop", "continue", "reason"})

ContinuationVote = bool | Mapping[str, object] | None
"""What a tick-end or continuation callback returns: `True` (continue), `False` (stop), `None` (no
opinion), or `{"stop": True, "reason": ...}` / `{"continue": True, "reason": ...}`."""

# Callbacks may be sync or async: a callback's result is awaited when it is awaitable, and
# otherwise ignored (hence `object`), except the vote of tick-end and continuation callbacks.
ContinuationCallback = Callable[["TickResult", Com], ContinuationVote | Awaitable[ContinuationVote]]


def _register(hook: str, registry: str, callback: Callable[..., Any]) -> None:
    runtime = use_runtime(hook)
    name = current_component(hook).fiber.path()  # cached on the fiber: O(1) after the first render
    _check_callback(hook, callback, name)
    ref = use_latest(callback)
    use_effect(lambda: getattr(runtime, registry).add(ref, f"{hook} of {name}"), [])


def use_on_tick_start(callback: Callable[[TickState, Com], object]) -> None:
    """`callback(tick_state, com)` at the start of every tick while mounted, tick 1 included (a
    component mounted during a tick gets a catch-up call in that tick)."""
    _register("use_on_tick_start", "tick_start", callback)


def use_after_compile(callback: Callable[[CompiledContext, Com], object]) -> None:
    """`callback(compiled, com)` after every compile pass, before the model call."""
    _register("use_after_compile", "after_compile", callback)


def use_on_tick_end(callback: ContinuationCallback) -> None:
    """`callback(tick_result, com)` after the model response and tool results of every tick.

    Its return value votes on continuing, exactly like `use_continuation`.
    """
    _register("use_on_tick_end", "tick_end", callback)


def use_continuation(callback: ContinuationCallback) -> None:
    """`callback(tick_result, com) -> True | False | {"stop"/"continue": True, "reason": ...} | None`:
    vote on whether the execution continues after this tick (later callbacks override earlier)."""
    _register("use_continuation", "tick_end", callback)


def use_on_execution_start(callback: Callable[[str, Com], object]) -> None:
    """`callback(execution_id, com)` once per execution, on its first tick."""
    _register("use_on_execution_start", "execution_start", callback)


def use_on_execution_end(callback: Callable[[Com], object]) -> None:
    """`callback(com)` once per execution, also after an error or an abort."""
    _register("use_on_execution_end", "execution_end", callback)


def use_on_message(callback: Callable[[Message, Com, TickState | None], object]) -> None:
    """`callback(message, com, tick_state)` when a message is sent or queued to the session."""
    _register("use_on_message", "message", callback)


def use_output_validator(callback: Callable[[Any, Com], object]) -> None:
    """`callback(value, com) -> value` for every structured output the model gives (API.md §12),
    after pydantic validated it: return the value (changed or not), or raise
    `agentick.RetryOutput(message)` to reject it, which sends `message` back to the model as a
    failed attempt (it counts against `output_retries`). Sync or async. Several validators run in
    registration order (children before parents, siblings in order), each given the previous one's value.
    """
    _register("use_output_validator", "output_validator", callback)


def use_on_mount(callback: Callable[[Com], object]) -> None:
    """`callback(com)` once, after the component's first commit."""
    runtime = use_runtime("use_on_mount")
    _check_callback("use_on_mount", callback, current_component("use_on_mount").fiber.path())
    ref = use_latest(callback)
    use_effect(lambda: _start(runtime, ref.current(runtime.com)), [])


def use_on_unmount(callback: Callable[[Com], object]) -> None:
    """`callback(com)` once, when the component leaves the tree or the session closes."""
    runtime = use_runtime("use_on_unmount")
    _check_callback("use_on_unmount", callback, current_component("use_on_unmount").fiber.path())
    ref = use_latest(callback)
    use_effect(lambda: lambda: _start(runtime, ref.current(runtime.com)), [])


def _start(runtime: AgentRuntime, result: Any) -> None:
    """Effects are synchronous; an async mount/unmount callback is awaited by the engine right after
    the pass that triggered it."""
    if inspect.isawaitable(result):
        runtime.deferred.append(result)


# --- checks -------------------------------------------------------------------------------------


def _check_callback(hook: str, callback: Any, component: str) -> None:
    """HookError unless `callback` can be called with the arguments `hook` passes it."""
    parameters = PARAMETERS[hook]
    if _takes(callback, len(parameters)):
        return
    call = f"cb({', '.join(parameters)})"
    if not callable(callback):
        raise HookError(
            f"{hook}() in {component} needs a function called as {call}, not {type(callback).__name__} {callback!r:.60}"
        )
    try:
        signature = str(inspect.signature(callback))
    except (TypeError, ValueError):
        signature = "(...)"
    example = hook.removeprefix("use_")
    raise HookError(
        f"{hook}() in {component} calls its callback as {call}, but {_callable_name(callback)}{signature} "
        f"at {callback_location(callback)} cannot take those {len(parameters)} argument(s); define it as "
        f"`def {example}({', '.join(parameters)}): ...` (parameters it does not need may stay unused)"
    )


def _takes(callback: Any, count: int) -> bool:
    """Whether `callback` accepts `count` positional arguments.

    Hooks run on every render, so this must be cheap: a function or a method is answered from its
    code object; anything else (a partial, a callable object, a builtin) needs `inspect.signature`,
    whose answer is cached (`_signature_takes`).
    """
    if isinstance(callback, types.MethodType) and isinstance(callback.__func__, types.FunctionType):
        return _function_takes(callback.__func__, count + 1)
    if isinstance(callback, types.FunctionType):
        return _function_takes(callback, count)
    return _signature_takes(callback, count)


def _function_takes(function: types.FunctionType, count: int) -> bool:
    code = function.__code__
    defaults = len(function.__defaults__ or ())
    keyword_only_required = code.co_kwonlyargcount - len(function.__kwdefaults__ or {})
    varargs = bool(code.co_flags & inspect.CO_VARARGS)
    return (
        keyword_only_required == 0 and code.co_argcount - defaults <= count and (varargs or count <= code.co_argcount)
    )


_SIGNATURE_ANSWERS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], bool]] = weakref.WeakKeyDictionary()
"""`_signature_takes` answers per callable, held weakly so a cached answer never keeps a callable alive."""


def _signature_takes(callback: Any, count: int) -> bool:
    """`_takes` for callables without a code object of their own, computed once per callable: a
    partial by its function and the names it binds (so one rebuilt on every render is checked
    once), anything else by the object itself."""
    if isinstance(callback, functools.partial):
        owner: Any = callback.func
        shape: tuple[Any, ...] = (len(callback.args), frozenset(callback.keywords), count)
    else:
        owner, shape = callback, (count,)
    try:
        answers = _SIGNATURE_ANSWERS.setdefault(owner, {})
    except TypeError:  # not weakly referenceable, or not hashable: nothing to cache it by
        return _binds(callback, count)
    answer = answers.get(shape)
    if answer is None:
        answer = answers[shape] = _binds(callback, count)
    return answer


def _binds(callback: Any, count: int) -> bool:
    try:
        inspect.signature(callback).bind(*range(count))
    except ValueError:
        return callable(callback)  # no signature to check (some builtins): it is checked when called
    except TypeError:
        return False
    return True


def callback_location(callback: Any) -> str:
    """`FILE:LINE` where `callback` is defined, or `an unknown location` (builtins, C callables)."""
    function = inspect.unwrap(callback)
    while isinstance(function, functools.partial):
        function = function.func
    function = getattr(function, "__func__", function)
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object: where its class defines __call__
        method: object = inspect.getattr_static(type(cast(object, function)), "__call__", None)
        code = getattr(method, "__code__", None)
    if code is None:
        return "an unknown location"
    return f"{code.co_filename}:{code.co_firstlineno}"


def _callable_name(callback: Any) -> str:
    """`on_end`, `Recorder.on_end`, `<lambda>` (without the `<locals>` of enclosing functions)."""
    name = str(getattr(callback, "__qualname__", None) or type(callback).__qualname__)
    return name.rpartition("<locals>.")[2]


def check_vote(name: str, callback: Any, decision: Any) -> Any:
    """`decision` if it is a vote a tick-end/continuation callback may return, else HookError naming
    the hook and component (`name` is `"use_continuation of Agent"`) and listing the valid votes."""
    if decision is None or decision is True or decision is False:
        return decision
    vote = json_object(decision)
    if (
        vote is not None
        and vote.keys() <= _VOTE_KEYS
        and ("stop" in vote or "continue" in vote)
        and all(isinstance(vote.get(key, False), bool) for key in ("stop", "continue"))
        and isinstance(vote.get("reason"), str | None)
    ):
        return vote
    raise HookError(
        f"the {name} ({_callable_name(callback)} at {callback_location(callback)}) returned {decision!r:.80}, "
        f"which is not a vote; return {VOTES}, or call tick_result.stop(reason) / tick_result.continue_(reason)"
    )
