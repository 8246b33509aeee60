"""Hook errors name the hook the user called and the line that called it."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import agentick
import agentick.hooks
import agentick.reconciler
from agentick import HookError, create_context, gate, use_state


def _callback(*args: Any) -> None:
    return None


async def _fetch() -> int:
    return 1


ARGUMENTS: dict[str, tuple[Any, ...]] = {
    "use_state": (0,),
    "use_reducer": (lambda state, action: state, 0),
    "use_ref": (None,),
    "use_memo": (lambda: 1, []),
    "use_callback": (_callback, []),
    "use_effect": (_callback,),
    "use_context": (create_context(0),),
    "use_latest": (1,),
    "use_slot": (object,),
    "use_force_update": (),
    "use_on_tick_start": (_callback,),
    "use_after_compile": (_callback,),
    "use_on_tick_end": (_callback,),
    "use_continuation": (_callback,),
    "use_on_execution_start": (_callback,),
    "use_on_execution_end": (_callback,),
    "use_on_message": (_callback,),
    "use_on_mount": (_callback,),
    "use_on_unmount": (_callback,),
    "use_output_validator": (_callback,),
    "use_com": (),
    "use_tick_state": (),
    "use_timeline": (),
    "use_queued_messages": (),
    "use_context_info": (),
    "use_data": ("key", _fetch),
    "use_invalidate_data": (),
    "use_signal": (0,),
    "use_computed": (lambda: 1, []),
    "use_com_state": ("key", 0),
    "use_knob": ("mode", "fast"),
    "use_gate": ("review", gate(description="d", instructions="i", activate_when=lambda result: False)),
}


def exported_hooks() -> dict[str, Any]:
    """Every hook the public modules export, under each exported name (the camelCase aliases too)."""
    return {
        name: getattr(module, name)
        for module in (agentick, agentick.hooks, agentick.reconciler)
        for name in (*module.__all__, *dir(module))
        if name.startswith("use") and callable(getattr(module, name))
    }


def outside_render_message(hook: str, line: int) -> str:
    return (
        f"{hook}() was called outside a component render (at {__file__}:{line}); hooks can only be called while "
        "a component function runs (at its top level, unconditionally, in the same order every render)"
    )


@pytest.mark.parametrize("exported", sorted(exported_hooks()))
def test_every_hook_called_outside_a_render_names_itself_and_the_calling_line(exported):
    hook = exported_hooks()[exported]
    name = hook.__name__  # an alias such as useOnTickEnd is the same function as use_on_tick_end
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(HookError) as info:
        hook(*ARGUMENTS[name])

    assert str(info.value) == outside_render_message(name, line)


def use_counter() -> Any:
    return use_state(0)  # the first line outside agentick: reported for a custom hook


def test_a_custom_hook_outside_a_render_points_at_its_own_call_of_the_built_in_hook():
    line = inspect.getsourcelines(use_counter)[1] + 1

    with pytest.raises(HookError) as info:
        use_counter()

    assert str(info.value) == outside_render_message("use_state", line)
