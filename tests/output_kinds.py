"""Output types of every kind API.md §12 names, with an answer for each, shared by the structured output tests."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any, Literal

import pydantic
from typing_extensions import TypedDict


class City(pydantic.BaseModel):
    """A city and how many people live there."""

    name: str
    population: int = 0


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Person(TypedDict):
    name: str
    age: int


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Kind:
    """An output type, an answer as the model gives it (the JSON object on the wire), the value it
    validates to, the value the test model's default answer validates to, and whether it is wrapped."""

    id: str
    type: Any
    answer: dict[str, Any]
    value: Any
    example: Any
    wrapped: bool


KINDS = [
    Kind(
        "model",
        City,
        {"name": "Paris", "population": 2_100_000},
        City(name="Paris", population=2_100_000),
        City(name="example"),
        False,
    ),
    Kind("dataclass", Point, {"x": 3, "y": 4}, Point(3, 4), Point(1, 1), False),
    Kind(
        "typeddict",
        Person,
        {"name": "Ada", "age": 36},
        {"name": "Ada", "age": 36},
        {"name": "example", "age": 1},
        False,
    ),
    Kind(
        "list",
        list[City],
        {"response": [{"name": "Lyon", "population": 1}]},
        [City(name="Lyon", population=1)],
        [],
        True,
    ),
    Kind("literal", Literal["red", "green"], {"response": "green"}, "green", "red", True),
    Kind("enum", Color, {"response": "blue"}, Color.BLUE, Color.RED, True),
    Kind("int", int, {"response": 42}, 42, 1, True),
    Kind("union", City | Point, {"response": {"x": 1, "y": 2}}, Point(1, 2), City(name="example"), True),
]
