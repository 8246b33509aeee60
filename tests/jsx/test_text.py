"""The whitespace rule for text children (API.md §2), example by example and as properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.jsx.support import children_of, run_source


def test_spaces_next_to_expressions_are_kept() -> None:
    assert children_of("el = <p>You are in {mode} mode.</p>\n", mode="plan") == ["You are in ", "plan", " mode."]


def test_a_space_between_two_expressions_is_a_child() -> None:
    assert children_of("el = <p>{a} {b}</p>\n", a=1, b=2) == [1, " ", 2]


def test_spaces_at_the_edges_of_a_single_line_are_kept() -> None:
    assert children_of("el = <p>  padded  </p>\n") == ["  padded  "]


def test_multiline_text_is_dedented_and_keeps_blank_lines() -> None:
    source = """
        el = (
            <p>
                line one
                line two

                para two
            </p>
        )
    """
    assert children_of(source) == ["line one\nline two\n\npara two"]


def test_relative_indentation_inside_text_is_kept() -> None:
    source = """
        el = (
            <p>
                Steps:
                  - plan
                  - act
            </p>
        )
    """
    assert children_of(source) == ["Steps:\n  - plan\n  - act"]


def test_text_continuing_after_an_expression_is_dedented_with_its_block() -> None:
    source = """
        el = (
            <p>
                Hello {name},
                welcome back.
            </p>
        )
    """
    assert children_of(source, name="Ada") == ["Hello ", "Ada", ",\nwelcome back."]


def test_lines_starting_with_a_child_count_for_the_common_indentation() -> None:
    source = """
        el = (
            <p>
                {intro} first
                  indented detail
            </p>
        )
    """
    assert children_of(source, intro="I") == ["I", " first\n  indented detail"]


def test_whitespace_runs_with_a_newline_between_children_are_removed() -> None:
    source = """
        el = (
            <p>
                <b>one</b>
                <i>two</i>
            </p>
        )
    """
    assert [child.type for child in children_of(source)] == ["b", "i"]


def test_a_line_of_only_whitespace_inside_text_becomes_empty() -> None:
    assert children_of("el = (\n    <p>\n        a\n            \n        b\n    </p>\n)\n") == ["a\n\nb"]


def test_trailing_spaces_of_interior_lines_are_kept() -> None:
    assert children_of("el = (\n    <p>\n        a  \n        b\n    </p>\n)\n") == ["a  \nb"]


def test_tabs_count_as_indentation() -> None:
    assert children_of("el = (\n\t<p>\n\t\ta\n\t\t\tb\n\t</p>\n)\n") == ["a\n\tb"]


def test_backslashes_quotes_and_greater_than_are_literal() -> None:
    source = r"""el = <p>C:\new\table and end\ "q" 'q' a > b -> c</p>""" + "\n"
    assert children_of(source) == ["C:\\new\\table and end\\ \"q\" 'q' a > b -> c"]


def test_entities_are_not_decoded() -> None:
    assert children_of("el = <p>a &amp; b</p>\n") == ["a &amp; b"]


def test_comment_children_produce_nothing() -> None:
    for comment in ("{/* a note for maintainers */}", "{# a note for maintainers}", "{}", "{ }"):
        source = f"""
            el = (
                <p>
                    {comment}
                    Keep it short.
                </p>
            )
        """
        assert children_of(source) == ["Keep it short."], comment


def test_a_comment_alone_on_its_line_removes_the_line() -> None:
    source = """
        el = (
            <p>
                line one
                {/* between */}
                {# and another one}
                line two
            </p>
        )
    """
    assert children_of(source) == ["line one\nline two"]


def test_a_comment_inside_a_line_joins_the_text_around_it() -> None:
    assert children_of("el = <p>a {/* c */} b</p>\n") == ["a  b"]


def test_a_multiline_comment_is_removed() -> None:
    assert children_of("el = (\n    <p>\n        a\n        {/* one\n           two */}\n        b\n    </p>\n)\n") == [
        "a\nb"
    ]


def test_a_python_comment_in_a_multiline_expression_is_dropped() -> None:
    source = """
        el = (
            <p>
                {
                    value  # the value
                }
            </p>
        )
    """
    assert children_of(source, value=3) == [3]


# --- properties ---------------------------------------------------------------------------------

_TEXT_CHARS = st.characters(blacklist_characters="<>{}\n\r", blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
_words = st.text(_TEXT_CHARS, min_size=1, max_size=12).map(str.strip).filter(bool)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(blacklist_characters="<{}\n\r", blacklist_categories=("Cs", "Zl", "Zp")), max_size=30))
def test_single_line_text_round_trips_exactly(text: str) -> None:
    assert children_of(f"el = <p>{text}</p>\n") == ([text] if text else [])


_line = st.one_of(st.just(None), st.tuples(st.integers(0, 4), _words))
"""A generated line: `None` is a blank line, else (extra indentation, content)."""


def expected_text(lines: list[tuple[int, str] | None]) -> str:
    """The whitespace rule, stated directly for one text block inside an element."""
    while lines and lines[0] is None:
        lines = lines[1:]
    while lines and lines[-1] is None:
        lines = lines[:-1]
    if not lines:
        return ""
    common = min(line[0] for line in lines if line is not None)
    rendered = [" " * (line[0] - common) + line[1] if line is not None else "" for line in lines]
    first = lines[0]
    assert first is not None
    rendered[0] = first[1]  # the first line's indentation goes with the leading newline run
    return "\n".join(rendered)


@settings(max_examples=200, deadline=None)
@given(st.lists(_line, min_size=1, max_size=8))
def test_multiline_text_follows_the_whitespace_rule(lines: list[tuple[int, str] | None]) -> None:
    body = "\n".join("" if line is None else " " * (8 + line[0]) + line[1] for line in lines)
    source = f"el = (\n    <p>\n{body}\n    </p>\n)\n"
    expected = expected_text(lines)

    assert children_of(source) == ([expected] if expected else [])


@settings(max_examples=100, deadline=None)
@given(_words, _words, st.sampled_from(["", " ", "  "]))
def test_text_around_an_expression_keeps_its_spaces(before: str, after: str, gap: str) -> None:
    namespace = run_source(f"el = <p>{before}{gap}{{x}}{gap}{after}</p>\n", x=0)

    assert list(namespace["el"].children) == [before + gap, 0, gap + after]
