"""Plain Python passes through unchanged; arbitrary input never crashes the transpiler."""

from __future__ import annotations

import tokenize
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agentick_jsx

_STDLIB = Path(tokenize.__file__).parent


def test_the_standard_library_transpiles_to_itself() -> None:
    """Valid Python never has `<` in expression position, so a module without JSX must come back
    unchanged: comparisons, shifts, strings, f-strings and comments of ~200 real modules."""
    checked = 0
    for path in sorted(_STDLIB.glob("*.py")):
        with tokenize.open(path) as file:
            source = file.read().replace("\r\n", "\n")
        if "<" not in source:
            continue
        assert agentick_jsx.transpile(source, str(path)) == source, path
        checked += 1
    assert checked > 100


_SYMBOLS = [*"<>{}/\"'#\n =.:(),[]\\*"]
_FRAGMENTS = ["a", "B", "x = ", "return ", " and ", "<b>", "</b>", "<>", "</>", "{x}", "...", "/*", "*/", "f'", '"""']
_pieces = st.sampled_from([*_SYMBOLS, *_FRAGMENTS, "\n    ", "{# c}", "key={k}", "{...p}"])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_pieces, max_size=30).map("".join))
def test_any_input_transpiles_or_raises_a_located_jsx_syntax_error(source: str) -> None:
    try:
        python = agentick_jsx.transpile(source, "fuzz.px")
    except agentick_jsx.JSXSyntaxError as error:
        assert error.filename == "fuzz.px"
        assert error.lineno is not None and 1 <= error.lineno <= source.count("\n") + 1
        assert error.offset is not None and error.offset >= 1
    else:
        assert python.count("\n") == source.count("\n")
