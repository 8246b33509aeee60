"""JSON schemas: cleaning pydantic's output for the model, and validating JSON-schema tool inputs.

Tools whose input is a pydantic model are validated by pydantic. Tools declared with a plain
JSON-schema dict are checked here against the keywords models actually use (type, properties,
required, additionalProperties, enum, items, bounds, lengths), so bad model-issued arguments
become a readable error result instead of reaching the handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

__all__ = ["clean_schema", "json_array", "json_object", "validate_json"]

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list, tuple),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def json_object(value: object) -> dict[str, Any] | None:
    """`value` when it is a dict (a JSON object, as `json.loads` gives it), else None: a dict
    typed for type checkers, without narrowing `value` itself."""
    return cast("dict[str, Any]", value) if isinstance(value, dict) else None


def json_array(value: object) -> list[Any] | None:
    """`value` when it is a list (a JSON array), else None: the list counterpart of `json_object`."""
    # `list[object]`, not `list[Any]`: mypy already narrows to the latter and calls that cast redundant.
    return cast("list[object]", value) if isinstance(value, list) else None


def clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of a pydantic JSON schema without `title` annotations (tokens the model does not need).

    Property names are never touched, so a field called `title` survives.
    """

    def clean(node: Any) -> Any:
        if isinstance(node, list):
            return [clean(item) for item in cast("Sequence[Any]", node)]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in cast("dict[str, Any]", node).items():
            if key == "title" and isinstance(value, str):
                continue
            if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
                out[key] = {name: clean(sub) for name, sub in cast("dict[str, Any]", value).items()}
            else:
                out[key] = clean(value)
        return out

    cleaned: dict[str, Any] = clean(schema)
    return cleaned


def validate_json(value: Any, schema: dict[str, Any], path: str = "input") -> list[str]:
    """Problems with `value` against `schema`, as readable lines (empty when valid)."""
    errors: list[str] = []
    _check(value, schema, path, errors)
    return errors


def _type_matches(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    if name == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _JSON_TYPES.get(name, (object,)))


def _check(value: Any, schema: dict[str, Any], path: str, errors: list[str]) -> None:
    expected = schema.get("type")
    if expected is not None:
        names: list[str] = cast("list[str]", expected) if isinstance(expected, list) else [expected]
        if not any(_type_matches(value, name) for name in names):
            errors.append(f"{path}: expected {' or '.join(names)}, got {type(value).__name__} {value!r:.40}")
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: must be one of {schema['enum']!r}, got {value!r:.40}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{path}.{name}: required field is missing")
        for name, item in cast("dict[str, Any]", value).items():
            if name in properties:
                _check(item, properties[name], f"{path}.{name}", errors)
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}.{name}: unexpected field")
    elif isinstance(value, (list, tuple)) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(cast("Sequence[Any]", value)):
            _check(item, schema["items"], f"{path}[{index}]", errors)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: must be >= {schema['minimum']}, got {value}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: must be <= {schema['maximum']}, got {value}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append(f"{path}: must have at least {schema['minLength']} characters")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{path}: must have at most {schema['maxLength']} characters")
