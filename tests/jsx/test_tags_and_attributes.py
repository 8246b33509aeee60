"""Tags, attributes, keys, spreads and the emitted call shape."""

from __future__ import annotations

import pytest

import agentick_jsx
from agentick.element import Element, Fragment
from tests.jsx.support import run_source


def test_tags_resolve_to_intrinsics_names_dotted_names_and_fragments() -> None:
    namespace = run_source(
        """
        import types

        def Card():
            return None

        ui = types.SimpleNamespace(Card=Card)
        lower = <code>x</code>
        hyphen = <my-tag />
        upper = <Card />
        dotted = <ui.Card />
        private = <_Card />
        fragment = <>x</>
        """,
        _Card=print,
    )

    assert namespace["lower"].type == "code"
    assert namespace["hyphen"].type == "my-tag"
    assert namespace["upper"].type is namespace["Card"]
    assert namespace["dotted"].type is namespace["Card"]
    assert namespace["private"].type is print
    assert namespace["fragment"].type is Fragment
    assert namespace["fragment"].props == {}


def test_an_element_without_attributes_gets_none_props() -> None:
    assert agentick_jsx.transpile("\nx = <b />\n").endswith("x = _agentick_h('b', None)\n")


def test_spread_merges_with_later_attributes_winning() -> None:
    namespace = run_source(
        """
        attrs = {"id": "ctx", "title": "From spread"}
        el = <Section id="first" {...attrs} title="Explicit" />
        """,
        Section=print,
    )

    assert namespace["el"].props == {"id": "ctx", "title": "Explicit"}


def test_key_becomes_the_element_key_and_leaves_the_props() -> None:
    namespace = run_source(
        """
        by_string = <b key="k1" id="x">y</b>
        by_expression = <b key={7}>y</b>
        by_spread = <b {...{"key": "s"}} />
        multi_line = <b
            key={
                8}
            title="t">y</b>
        """
    )

    assert (namespace["by_string"].key, namespace["by_string"].props) == ("k1", {"id": "x"})
    assert (namespace["by_expression"].key, namespace["by_expression"].props) == (7, {})
    assert (namespace["by_spread"].key, namespace["by_spread"].props) == ("s", {})
    assert (namespace["multi_line"].key, namespace["multi_line"].props) == (8, {"title": "t"})


def test_a_key_on_the_last_line_is_the_key_keyword() -> None:
    python = agentick_jsx.transpile("\nx = <li key={i}>{i}</li>\n")

    assert python.endswith("x = _agentick_h('li', None, (i), key=(i))\n")


def test_a_key_keyword_after_a_multi_line_tag_stays_on_the_key_line() -> None:
    python = agentick_jsx.transpile("\nx = <b\n  id={a}\n  key={k}/>\n")

    assert python.splitlines()[2:] == ["  'id': (a)},", "       key=(k))"]


def test_a_key_that_would_change_lines_stays_in_the_props_at_its_line() -> None:
    python = agentick_jsx.transpile("\nx = (\n    <li key={i}>\n        {i}\n    </li>\n)\n")

    assert python.splitlines()[2] == "    _agentick_h('li', {'key': (i)},"


def test_bare_string_and_element_attribute_values() -> None:
    namespace = run_source(
        r"""
        def Slot(**props):
            return None

        el = <Slot cached title="a\nb" single='it"s' fallback=<b>none</b> empty=<></> />
        """
    )
    props = namespace["el"].props

    assert props["cached"] is True
    assert props["title"] == "a\\nb"
    assert props["single"] == 'it"s'
    assert isinstance(props["fallback"], Element)
    assert (props["fallback"].type, props["fallback"].children) == ("b", ("none",))
    assert props["empty"].type is Fragment


def test_attribute_strings_may_span_lines_and_attribute_names_may_be_keywords() -> None:
    namespace = run_source('el = <p class="a\n  b" data-x={1} for="y" />\n')

    assert namespace["el"].props == {"class": "a\n  b", "data-x": 1, "for": "y"}


def test_spread_children_become_star_arguments() -> None:
    namespace = run_source("el = <ul>{...items}</ul>\n", items=["a", "b"])

    assert namespace["el"].children == ("a", "b")


def test_expression_children_are_passed_as_given() -> None:
    namespace = run_source("el = <p>{1, 2}{(n for n in [3])}{None}</p>\n")
    tuple_child, generator, none = namespace["el"].children

    assert tuple_child == (1, 2)
    assert list(generator) == [3]
    assert none is None


def test_props_and_children_are_evaluated_in_source_order() -> None:
    namespace = run_source(
        """
        seen = []
        def note(value):
            seen.append(value)
            return value
        el = (
            <p a={note(1)} {...{"b": note(2)}} c={note(3)}>
                {note(4)}
                <b d={note(5)}>{note(6)}</b>
            </p>
        )
        """
    )

    assert namespace["seen"] == [1, 2, 3, 4, 5, 6]


def test_whitespace_is_allowed_inside_tags() -> None:
    namespace = run_source("el = (\n    <p\n        a='1'\n        b = {2}\n    >x</ p >\n)\n")

    assert (namespace["el"].props, namespace["el"].children) == ({"a": "1", "b": 2}, ("x",))


def test_whitespace_after_the_angle_bracket_opens_a_tag_inside_jsx_as_in_babel() -> None:
    namespace = run_source(
        """
        def I(**props):
            return props

        el = <p slot=< i />>< b>x</ b>< >y</ >< i>z< / i>< / p>
        """
    )
    el = namespace["el"]
    bold, fragment, italic = el.children

    assert (el.props["slot"].type, bold.type, bold.children) == ("i", "b", ("x",))
    assert (fragment.type, fragment.children, italic.type, italic.children) == (Fragment, ("y",), "i", ("z",))


def test_in_python_code_only_an_angle_bracket_directly_before_a_name_starts_jsx() -> None:
    source = "x = < b>a</b>\ny = (< >a</ >)\n"

    assert agentick_jsx.transpile(source) == source


def test_a_component_name_after_a_line_break_stays_on_its_line() -> None:
    python = agentick_jsx.transpile("\nx = <b>\n  <\n  Card\n  >a</Card></b>\n")

    assert python.splitlines()[2:] == ["  _agentick_jsx(", "  Card,", "   children=['a']))"]


@pytest.mark.parametrize("name", ["ClassBody", "method"])
def test_injected_names_survive_class_bodies(name: str) -> None:
    namespace = run_source(
        """
        class Widget:
            ClassBody = <b>in class</b>

            def method(self):
                return <b>in method</b>
        """
    )
    widget = namespace["Widget"]
    element = widget.ClassBody if name == "ClassBody" else widget().method()

    assert element.type == "b"
