"""`JSXSyntaxError`: message, file, line and column for each malformed input."""

from __future__ import annotations

import traceback

import pytest

import agentick_jsx
from agentick_jsx import JSXSyntaxError


def error_for(source: str) -> JSXSyntaxError:
    with pytest.raises(JSXSyntaxError) as info:
        agentick_jsx.transpile(source, filename="broken.px")
    return info.value


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        (
            "x = (\n    <Section>hi</System>\n)\n",
            2,
            16,
            "expected closing tag </Section>, found </System> (<Section> was opened at line 2, column 5)",
        ),
        ("x = <>a</b>\n", 1, 8, "expected closing tag </>, found </b> (<> was opened at line 1, column 5)"),
        (
            "def f():\n    return <p>\n        hello\n",
            2,
            12,
            "unclosed tag <p>: expected </p> before the end of the file (line 4)",
        ),
        (
            "x = <p title='t'\n",
            1,
            5,
            "unclosed tag <p>: expected '>' or '/>' to end the opening tag before the end of the file (line 2)",
        ),
        ("x = <p>a } b</p>\n", 1, 10, "unexpected '}' in JSX text; write {'}'} for a literal '}'"),
        ("x = <p>a < 3</p>\n", 1, 10, "unexpected '<' in JSX text; write {'<'} for a literal '<'"),
        (
            "x = <p>a < b</p>\n",
            1,
            13,
            "expected an attribute name, '>' or '/>' in <b>, found '<'; the '<' at line 1, column 10 opens a tag: "
            "write {'<'} for a literal '<'",
        ),
        (
            "x = <p>x < y > z</p>\n",
            1,
            17,
            "expected closing tag </y>, found </p> (<y> was opened at line 1, column 10); a '<' followed by "
            "whitespace opens a tag too: write {'<'} for a literal '<'",
        ),
        (
            "x = <p>x < y\n",
            1,
            10,
            "unclosed tag <y>: expected '>' or '/>' to end the opening tag before the end of the file (line 2); "
            "a '<' followed by whitespace opens a tag too: write {'<'} for a literal '<'",
        ),
        ("x = <p>a <\n</p>\n", 1, 10, "unexpected '<' in JSX text; write {'<'} for a literal '<'"),
        ('x = <p title="abc>hi</p>\n', 1, 14, 'unterminated string in attribute title=: expected a closing "'),
        ("x = <p>{'abc}</p>\n", 1, 9, "unterminated string literal"),
        ('x = <p>{"""abc}</p>\n', 1, 9, "unterminated triple-quoted string literal"),
        ("x = <p>{f'{a</p>\n", 1, 9, "unterminated f-string literal"),
        ("x = <p>{name</p>\n", 1, 8, "expected '}' to close this '{' before the end of the file"),
        ("x = <p>{# note\n", 1, 8, "expected '}' to close this '{' before the end of the file"),
        ("x = <p>{/* note </p>\n", 1, 9, "unterminated comment: expected '*/'"),
        ("x = <p>{/* note */ x}</p>\n", 1, 20, "expected '}' after the comment"),
        (
            "x = <p n=3>hi</p>\n",
            1,
            10,
            "expected an attribute value after n= in <p>: \"text\", {expression} or an element, found '3'",
        ),
        ('x = <p "v">hi</p>\n', 1, 8, "expected an attribute name, '>' or '/>' in <p>, found '\"'"),
        ("x = <p a={}>hi</p>\n", 1, 10, "attribute a= has an empty expression; give a value or drop the '='"),
        (
            "x = <p {props}>hi</p>\n",
            1,
            8,
            "expected '...' after '{' in a tag: spread attributes are written {...props}",
        ),
        ("x = <p {...}>hi</p>\n", 1, 8, "expected an expression after '...' in a spread attribute"),
        ("x = <p>{...}</p>\n", 1, 8, "expected an expression after '...'"),
        ("x = <p key='a' key='b' />\n", 1, 16, "<p> has two key attributes"),
        (
            "x = <Bad-name />\n",
            1,
            6,
            "invalid component name <Bad-name>: a capitalised or dotted tag is a Python expression",
        ),
        ("x = <p></ p\n", 1, 8, "expected a closing tag </p>"),
        ("x = 'abc <b>\n", 1, 5, "unterminated string literal"),
    ],
)
def test_error_names_what_was_expected_and_where(source: str, line: int, column: int, message: str) -> None:
    error = error_for(source)

    assert error.msg == message
    assert (error.filename, error.lineno, error.offset) == ("broken.px", line, column)
    assert error.text == source.splitlines()[line - 1] + "\n"


def test_error_is_a_syntax_error_rendered_with_a_caret() -> None:
    error = error_for("x = (\n    <Section>hi</System>\n)\n")
    rendered = "".join(traceback.format_exception_only(error))

    assert isinstance(error, SyntaxError)
    assert 'File "broken.px", line 2\n' in rendered
    assert "    <Section>hi</System>\n" in rendered
    assert "^^^^^^^^^" in rendered
    assert str(error) == (
        "expected closing tag </Section>, found </System> (<Section> was opened at line 2, column 5)"
        " (broken.px, line 2)"
    )


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    depth = 2000
    error = error_for("x = " + "<b>" * depth + "</b>" * depth + "\n")

    assert error.msg == "JSX nested too deeply to transpile"
