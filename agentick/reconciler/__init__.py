"""A fiber reconciler that knows nothing about agents: any host (the agent compiler, a terminal UI,
HTML) implements `HostConfig`, and `Reconciler(host).create_root(container)` renders into it."""

from .context import Context, create_context, use_context
from .core import Reconciler, Root
from .hooks import (
    Ref,
    Suspend,
    current_component,
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
