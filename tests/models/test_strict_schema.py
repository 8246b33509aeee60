"""OpenAI's strict schema form (agentick/models/strict_schema.py): what converts, how, and what does not."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

import pydantic
import pytest

from agentick.models.strict_schema import StrictSchemaError, drop_defaulted_nulls, strict_json_schema


def schema_of(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


class Address(pydantic.BaseModel):
    street: str
    zip: str | None = None


class Person(pydantic.BaseModel):
    """Someone with an address."""

    name: str = pydantic.Field(description="Full name")
    nickname: str = "none"
    age: int | None = None
    home: Address = pydantic.Field(description="Where they live")
    tags: list[str] = []


def test_objects_are_closed_and_optional_properties_become_required_and_nullable():
    assert strict_json_schema(schema_of(Person)) == {
        "description": "Someone with an address.",
        "type": "object",
        "properties": {
            "name": {"description": "Full name", "type": "string"},
            "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "age": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "home": {"anyOf": [{"$ref": "#/$defs/Address"}], "description": "Where they live"},
            "tags": {"anyOf": [{"items": {"type": "string"}, "type": "array"}, {"type": "null"}]},
        },
        "required": ["name", "nickname", "age", "home", "tags"],
        "additionalProperties": False,
        "$defs": {
            "Address": {
                "type": "object",
                "properties": {"street": {"type": "string"}, "zip": {"anyOf": [{"type": "string"}, {"type": "null"}]}},
                "required": ["street", "zip"],
                "additionalProperties": False,
            }
        },
    }


def test_the_input_schema_is_not_changed():
    schema = schema_of(Person)
    before = repr(schema)

    strict_json_schema(schema)

    assert repr(schema) == before


class Cat(pydantic.BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(pydantic.BaseModel):
    kind: Literal["dog"]
    good: bool


class Owner(pydantic.BaseModel):
    pet: Annotated[Cat | Dog, pydantic.Field(discriminator="kind")]


def test_a_discriminated_union_becomes_an_any_of_without_the_discriminator():
    strict = strict_json_schema(schema_of(Owner))

    assert strict["properties"]["pet"] == {"anyOf": [{"$ref": "#/$defs/Cat"}, {"$ref": "#/$defs/Dog"}]}
    assert strict["$defs"]["Cat"]["properties"]["kind"] == {"const": "cat", "type": "string"}


class Node(pydantic.BaseModel):
    value: int
    children: list[Node] = []


def test_a_recursive_model_keeps_its_references():
    strict = strict_json_schema({**schema_of(Node)["$defs"]["Node"], "$defs": schema_of(Node)["$defs"]})

    assert strict["properties"]["children"] == {
        "anyOf": [{"items": {"$ref": "#/$defs/Node"}, "type": "array"}, {"type": "null"}]
    }
    assert strict["$defs"]["Node"]["required"] == ["value", "children"]


class Constrained(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(regex_engine="python-re")  # lookaround, which pydantic's default engine lacks

    code: str = pydantic.Field(min_length=2, max_length=3, description="A code")
    site: pydantic.AnyUrl
    when: datetime.datetime
    slug: str = pydantic.Field(pattern=r"^[a-z]+$")
    word: str = pydantic.Field(pattern=r"^(?!no)[a-z]+$")
    score: float = pydantic.Field(ge=0, le=1)


def test_constraints_strict_mode_rejects_move_into_the_description():
    properties = strict_json_schema(schema_of(Constrained))["properties"]

    assert properties["code"] == {"description": "A code (minLength=2, maxLength=3)", "type": "string"}
    assert properties["site"] == {"description": "minLength=1, format='uri'", "type": "string"}
    assert properties["when"] == {"format": "date-time", "type": "string"}
    assert properties["slug"] == {"pattern": "^[a-z]+$", "type": "string"}
    assert properties["word"] == {"description": "pattern='^(?!no)[a-z]+$'", "type": "string"}
    assert properties["score"] == {"maximum": 1, "minimum": 0, "type": "number"}


class Scores(pydantic.BaseModel):
    scores: dict[str, int]


class Loose(pydantic.BaseModel):
    anything: Any


class Bare(pydantic.BaseModel):
    items: list  # type: ignore[type-arg]


class Pair(pydantic.BaseModel):
    pair: tuple[int, str]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Scores, "#/properties/scores is an open object (a dict with free keys, like `dict[str, int]`)"),
        (Loose, "#/properties/anything has no type (a value of any type)"),
        (Bare, "#/properties/items is a list of untyped items (e.g. a bare `list`)"),
        (Pair, "#/properties/pair uses `prefixItems` (a tuple)"),
    ],
)
def test_what_strict_mode_cannot_express_raises_saying_where_and_why(model, message):
    with pytest.raises(StrictSchemaError) as info:
        strict_json_schema(schema_of(model))

    assert str(info.value).startswith(message)


def test_the_root_must_be_an_object_and_nesting_is_limited():
    with pytest.raises(StrictSchemaError, match="the root of a strict schema must be an object"):
        strict_json_schema({"type": "array", "items": {"type": "integer"}})
    deep: dict[str, Any] = {"type": "integer"}
    for _ in range(11):
        deep = {"type": "object", "properties": {"inner": deep}, "required": ["inner"]}
    with pytest.raises(StrictSchemaError, match="nests objects 11 deep; strict schemas allow at most 10"):
        strict_json_schema(deep)


def test_all_of_with_one_schema_is_accepted_and_with_several_rejected():
    single = {"type": "object", "properties": {"a": {"allOf": [{"type": "integer"}]}}, "required": ["a"]}
    several = {"type": "object", "properties": {"a": {"allOf": [{"type": "integer"}, {"minimum": 1}]}}}

    assert strict_json_schema(single)["properties"]["a"] == {"anyOf": [{"type": "integer"}]}
    with pytest.raises(StrictSchemaError, match="#/properties/a uses `allOf` with 2 schemas"):
        strict_json_schema(several)


# --- nulls for defaulted properties ---------------------------------------------------------------------


def test_nulls_for_optional_properties_that_do_not_accept_null_are_dropped():
    schema = schema_of(Person)
    answer = {"name": "Ada", "nickname": None, "age": None, "home": {"street": "Main", "zip": None}, "tags": None}

    cleaned = drop_defaulted_nulls(answer, schema)

    assert cleaned == {"name": "Ada", "age": None, "home": {"street": "Main", "zip": None}}
    assert Person.model_validate(cleaned) == Person(name="Ada", home=Address(street="Main"))


def test_nulls_are_dropped_inside_lists_and_unions_too():
    class Row(pydantic.BaseModel):
        label: str = "row"

    class Table(pydantic.BaseModel):
        rows: list[Row]
        pet: Cat | Row

    answer = {"rows": [{"label": None}, {"label": "b"}], "pet": {"label": None}}

    cleaned = drop_defaulted_nulls(answer, schema_of(Table))

    assert cleaned == {"rows": [{}, {"label": "b"}], "pet": {}}


def test_a_required_null_is_left_for_validation_to_reject():
    class Strict(pydantic.BaseModel):
        name: str

    assert drop_defaulted_nulls({"name": None}, schema_of(Strict)) == {"name": None}
