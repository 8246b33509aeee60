"""JSX for Python: transpiler, import hook, `# coding: jsx` codec and pytest plugin.

```python
import agentick_jsx

agentick_jsx.install()                 # import *.px / *.pyx modules, enable `# coding: jsx`
python = agentick_jsx.transpile(src)   # the pure function behind it
```

Importing this package is cheap (the pytest plugin loads it in every pytest run, and a start-up
hook for the codec may load it in every interpreter): the import hook and the transpiler are
imported on the first `install()` or `transpile()` call. Importing it installs `hook_hint`, which
makes a failed `import trip` beside `trip.px` explain that the hook is missing.
"""

from . import hook_hint
from .errors import JSXSyntaxError

__all__ = ["JSXSyntaxError", "install", "transpile"]

hook_hint.install()


def install() -> None:
    """Make `*.px`/`*.pyx` modules importable and register the `jsx` codec. Safe to call repeatedly."""
    from .loader import install as run

    run()


def transpile(source: str, filename: str = "<string>") -> str:
    """Transpile JSX-Python `source` to Python calling `agentick.element.h`.

    The result has the same number of lines as `source` (after `\\r\\n` and `\\r` become `\\n`) and
    every Python token stays on its line. It imports the factory itself, so it runs in an empty
    namespace. Raises `JSXSyntaxError` (located in `filename`) for malformed JSX.
    """
    from .transpiler import transpile as run

    return run(source, filename)
