"""A fiber reconciler that knows nothing about agents: any host (the agent compiler, a terminal UI,
HTML) implements `HostConfig`, and `Reconciler(host).create_root(container)` renders into it.

Hooks (`use_state`, `use_effect`, ...) follow React. Beyond them, code that needs to know about the
render in progress uses two small functions: `current_component(hook)` returns the render record
of the component being rendered (or raises `HookError` naming the hook and the calling line), and
`rendering_component()` returns the element type whose function is running right now, or None
outside a render (a task or thread started during a render is outside it). A class that is also a
component, for example, renders itself only when `rendering_component() is cls`.

Children follow React's rules: a lone list child is the child list (`h("ol", None, [li])` is
`h("ol", None, li)`), a lone unkeyed Fragment child is replaced by its children once, and a nested
list and an unkeyed Fragment at one position are the same kind of child, so switching between them
keeps what is inside mounted.
"""

from .context import Context, create_context, use_context
from .core import Reconciler, Root
from .hooks import (
    Ref,
    Suspend,
    current_component,
    rendering_component,
    use_callback,
    use_effect,
    use_force_update,
    use_latest,
    use_memo,
    use_reducer,
    use_ref,
    use_slot,
    use_state,
)
from .host import HostConfig

__all__ = [
    "Context",
    "HostConfig",
    "Reconciler",
    "Ref",
    "Root",
    "Suspend",
    "create_context",
    "current_component",
    "rendering_component",
    "use_callback",
    "use_context",
    "use_effect",
    "use_force_update",
    "use_latest",
    "use_memo",
    "use_reducer",
    "use_ref",
    "use_slot",
    "use_state",
]
