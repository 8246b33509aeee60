"""One rule for which code is the user's, shared by the library's error messages (a component that
raised, a hook called outside a render) and the `agentick` command's one-line errors."""

from __future__ import annotations

import json
import sysconfig
from pathlib import Path

import pytest

import agentick
import agentick_jsx.transpiler
from agentick import ComponentError, compile_element, h
from agentick.user_code import in_package, is_user_code, raise_site

PURELIB = Path(sysconfig.get_paths()["purelib"])


@pytest.mark.parametrize(
    "filename",
    [
        agentick.__file__,
        agentick_jsx.transpiler.__file__,
        json.__file__,
        pytest.__file__,
        "<string>",
        "<frozen importlib._bootstrap>",
    ],
    ids=["agentick", "agentick_jsx", "stdlib", "installed", "string", "frozen"],
)
def test_library_files_and_code_compiled_from_a_string_are_not_user_code(filename):
    assert not is_user_code(filename)


def test_a_file_of_the_user_is_user_code():
    assert is_user_code(__file__)


def test_a_library_file_reached_through_a_symlink_is_not_user_code(tmp_path):
    (tmp_path / "site").symlink_to(PURELIB, target_is_directory=True)
    (tmp_path / "json.py").symlink_to(json.__file__)

    assert not is_user_code(str(tmp_path / "site" / "pytest" / "__init__.py"))
    assert not is_user_code(str(tmp_path / "json.py"))


def test_a_user_file_reached_through_a_symlink_is_user_code(tmp_path):
    (tmp_path / "agent.py").symlink_to(__file__)

    assert is_user_code(str(tmp_path / "agent.py"))


def test_only_agentick_itself_is_in_the_package():
    assert in_package(agentick.__file__)
    assert not in_package(agentick_jsx.transpiler.__file__)
    assert not in_package(__file__)
    assert not in_package("<string>")


def test_the_raise_site_is_the_innermost_user_frame_not_a_library_or_generated_frame():
    namespace: dict[str, object] = {}
    exec(compile("def explode():\n    raise ValueError('generated')\n", "<string>", "exec"), namespace)

    def call_generated():
        namespace["explode"]()  # type: ignore[operator]

    line = call_generated.__code__.co_firstlineno + 1
    with pytest.raises(ValueError) as raised:
        call_generated()

    assert raise_site(raised.value.__traceback__) == f"{__file__}:{line}"


def test_a_component_error_names_the_user_line_below_a_transpiler_frame():
    """A frame of agentick_jsx between the user's lines is skipped like agentick's own frames."""

    def Agent():
        agentick_jsx.transpile("x = <p>unclosed\n")  # raises inside agentick_jsx
        return None

    line = Agent.__code__.co_firstlineno + 1
    with pytest.raises(ComponentError) as raised:
        compile_element(h(Agent))

    assert str(raised.value).startswith(f"Agent ({__file__}:{line}) raised JSXSyntaxError: unclosed tag <p>")
