"""From a rendered tree to exactly what the model receives."""

from .assemble import CompiledContext
from .compile import compile_element

__all__ = ["CompiledContext", "compile_element"]
