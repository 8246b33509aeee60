"""Structured output (API.md §12): the schema of an output type, and parsing and validating answers.

An output type is anything pydantic validates (a `BaseModel`, a dataclass, a `TypedDict`,
`list[...]`, `Literal`, an `Enum`, `int`, a union ...). Providers need an object schema, so a type
whose schema is not an object is wrapped as `{"response": T}` on the wire, in the schema and in
the answers; `OutputSpec.validate` unwraps it. `str` means plain text: no structured output at all.

The engine (`agentick/engine/structured.py`) decides per tick how to ask for it and what to do
with the answer; this module knows nothing of models or sessions.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

import pydantic

from .models.strict_schema import StrictSchemaError, drop_defaulted_nulls, strict_json_schema

__all__ = [
    "FINAL_RESULT",
    "OUTPUT_MODES",
    "OutputMode",
    "OutputOptions",
    "OutputSpec",
    "RejectedOutput",
    "output_spec",
    "retry_feedback",
]

OutputMode = Literal["auto", "native", "tool"]
OUTPUT_MODES: tuple[OutputMode, ...] = ("auto", "native", "tool")
FINAL_RESULT = "final_result"
"""The name of the tool the model answers with in tool mode."""

_WRAPPER_KEY = "response"
_NAME = re.compile(r"[^A-Za-z0-9_-]+")
_FENCE = re.compile(r"^```[A-Za-z0-9_-]*\s*\n(?P<body>.*)\n```\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class OutputOptions:
    """`output_type`, `output_retries` and `output_mode` as given to an app, a run or a send.

    `type` `None` (or `str`) means plain text. `override` layers per-call values on top: a value
    given for the call wins, one left at `None` keeps this one."""

    type: Any = None
    retries: int = 2
    mode: OutputMode = "auto"

    @staticmethod
    def check(type: Any = None, retries: int | None = None, mode: str | None = None) -> None:
        """ValueError/TypeError for values that cannot be used, at the call that gave them."""
        if retries is not None and (isinstance(retries, bool) or not isinstance(retries, int) or retries < 0):
            raise ValueError(f"output_retries must be a whole number of retries, 0 or more, not {retries!r}")
        if mode is not None and mode not in OUTPUT_MODES:
            raise ValueError(f"output_mode must be one of {', '.join(map(repr, OUTPUT_MODES))}, not {mode!r}")
        if type is not None:
            output_spec(type)

    def override(self, type: Any = None, retries: int | None = None, mode: str | None = None) -> OutputOptions:
        OutputOptions.check(type, retries, mode)
        return OutputOptions(
            type=self.type if type is None else type,
            retries=self.retries if retries is None else retries,
            mode=self.mode if mode is None else mode,  # type: ignore[arg-type]  # checked above
        )

    @property
    def spec(self) -> OutputSpec | None:
        """The output type's spec, or `None` for plain text."""
        return None if self.type is None or self.type is str else output_spec(self.type)


class RejectedOutput(Exception):
    """An answer that is not a valid output: `feedback` goes back to the model, `raw` and `errors`
    to `OutputValidationError` if no retry is left."""

    def __init__(self, feedback: str, *, raw: str, errors: list[Any]) -> None:
        super().__init__(feedback)
        self.feedback = feedback
        self.raw = raw
        self.errors = errors


class OutputSpec:
    """What an output type looks like on the wire, and how answers become values of it.

    `json_schema` is always an object schema (`{"response": T}` when `wrapped`), with the root's
    own `$ref` inlined; `name` is a provider-safe identifier (the type's name, or `response`);
    `description` is the type's docstring, if it has one."""

    __slots__ = ("_adapter", "_strict", "description", "json_schema", "name", "type", "wrapped")

    def __init__(self, output_type: Any) -> None:
        self.type = output_type
        try:
            adapter: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(output_type)
            schema = _inline_root(adapter.json_schema())
        except (pydantic.PydanticUserError, pydantic.PydanticSchemaGenerationError, TypeError) as error:
            raise TypeError(
                f"output_type={_type_name(output_type)} cannot be used for structured output: pydantic cannot "
                f"validate it or write its JSON schema ({error}). Use a BaseModel, a dataclass, a TypedDict "
                "(from typing_extensions before Python 3.12), list[...], Literal[...], an Enum, int, or a union of them"
            ) from error
        self.wrapped = schema.get("type") != "object"
        if self.wrapped:
            wrapper = pydantic.create_model(_WRAPPER_KEY, response=(output_type, ...))
            adapter = pydantic.TypeAdapter(wrapper)
            schema = wrapper.model_json_schema()
        self._adapter = adapter
        self.json_schema: dict[str, Any] = schema
        self.name = _schema_name(output_type)
        description = None if self.wrapped else schema.get("description")
        self.description: str | None = description if isinstance(description, str) else None
        self._strict: dict[str, Any] | StrictSchemaError | None = None

    def strict_schema(self) -> dict[str, Any]:
        """OpenAI's strict form of `json_schema` (computed once); `StrictSchemaError` if it has none."""
        if self._strict is None:
            try:
                self._strict = strict_json_schema(self.json_schema)
            except StrictSchemaError as error:
                self._strict = error
        if isinstance(self._strict, StrictSchemaError):
            raise self._strict
        return self._strict

    def validate(self, data: Any, raw: str) -> Any:
        """The output value for an answer's arguments (a JSON object); `RejectedOutput` if invalid.

        Nulls a strict schema allowed for optional properties are dropped first, so the defaults
        apply (see `strict_schema.drop_defaulted_nulls`)."""
        try:
            value = self._adapter.validate_python(drop_defaulted_nulls(data, self.json_schema))
        except pydantic.ValidationError as error:
            errors = error.errors(include_url=False)
            raise RejectedOutput(_feedback(errors), raw=raw, errors=errors) from None
        return value.response if self.wrapped else value

    def parse(self, text: str) -> Any:
        """The output value for a text answer holding JSON (native mode); `RejectedOutput` if invalid."""
        body = text.strip()
        fenced = _FENCE.match(body)
        if fenced is not None:
            body = fenced.group("body")
        try:
            data = json.loads(body)
        except json.JSONDecodeError as error:
            errors = [{"type": "json_invalid", "loc": (), "msg": f"Invalid JSON: {error.msg}", "input": text}]
            feedback = (
                "Your answer is not valid JSON"
                + (f" ({error.msg} at character {error.pos})" if body else " (it is empty)")
                + ". Answer with only a JSON value that follows the response schema."
            )
            raise RejectedOutput(feedback, raw=text, errors=errors) from None
        return self.validate(data, text)

    def __repr__(self) -> str:
        return f"<OutputSpec {self.name} wrapped={self.wrapped}>"


@functools.lru_cache(maxsize=256)
def _cached_spec(output_type: Any) -> OutputSpec:
    return OutputSpec(output_type)


def output_spec(output_type: Any) -> OutputSpec:
    """The spec of `output_type`, made once per type (building a pydantic validator is not free)."""
    try:
        return _cached_spec(output_type)
    except TypeError as error:
        if "unhashable" not in str(error):
            raise
        return OutputSpec(output_type)


def retry_feedback(rejected: RejectedOutput) -> str:
    """The text sent back to the model for a rejected answer."""
    return f"{rejected.feedback}\nFix this and give your final answer again."


def _feedback(errors: list[Any]) -> str:
    lines: list[str] = []
    for error in errors:
        location = ".".join(str(part) for part in error.get("loc", ())) or "(the answer)"
        given = error.get("input")
        shown = "" if error.get("type") == "missing" else f" (got {json.dumps(given, default=repr)[:100]})"
        lines.append(f"- {location}: {error.get('msg')}{shown}")
    count = len(errors)
    return f"Your answer failed validation with {count} error{'s' if count != 1 else ''}:\n" + "\n".join(lines)


def _inline_root(schema: dict[str, Any]) -> dict[str, Any]:
    """A root that is only a `$ref` (pydantic writes recursive models so) replaced by its definition."""
    ref = schema.get("$ref")
    definitions: dict[str, Any] = schema.get("$defs") or {}
    prefix = "#/$defs/"
    if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] in definitions:
        rest = {key: value for key, value in schema.items() if key != "$ref"}
        return {**definitions[ref[len(prefix) :]], **rest}
    return schema


def _schema_name(output_type: Any) -> str:
    name = getattr(output_type, "__name__", None) if get_origin(output_type) is None else None
    if not isinstance(name, str) or not isinstance(output_type, type):
        return _WRAPPER_KEY
    return _NAME.sub("_", name).strip("_")[:64] or _WRAPPER_KEY


def _type_name(output_type: Any) -> str:
    if isinstance(output_type, type) and get_origin(output_type) is None and not get_args(output_type):
        return output_type.__qualname__
    return repr(output_type)
