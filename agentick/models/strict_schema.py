"""OpenAI's strict JSON schemas: the form `strict: true` structured output (and strict tools) accept.

Strict mode constrains decoding to the schema, but only for a subset of JSON Schema: every object
is closed (`additionalProperties: false`) and lists all its properties as required, `$ref` takes
no siblings, and `default`, `oneOf`, `allOf` and some constraints are not accepted.
`strict_json_schema` rewrites a schema (as pydantic makes them) into that form:

- every object gets `additionalProperties: false` and all its properties in `required`; a property
  that was optional (it has a default) is made nullable, and `drop_defaulted_nulls` removes the
  nulls the model gives for such properties before validation, so pydantic fills in the default;
- `title`, `default`, `discriminator` and the like are dropped, `oneOf` becomes `anyOf` (pydantic
  writes `oneOf` only for discriminated unions, whose branches never overlap), a `$ref` with
  siblings is moved into a one-branch `anyOf`, and `$defs` are rewritten the same way;
- constraints strict mode does not accept (`minLength`, `maxLength`, `uniqueItems`, an unknown
  string `format`, a `pattern` with lookaround, ...) move into the description as a note: the
  model still reads them, and validation after the answer still enforces them.

What cannot be expressed raises `StrictSchemaError` saying why: open objects (`dict[str, X]`,
`Any`-valued dicts), untyped values (`Any`, a bare `list`), tuples (`prefixItems`), `not`,
`if`/`then`/`else`, an `allOf` of several schemas, nesting deeper than OpenAI allows. Callers fall
back to a non-strict form then (the structured-output `final_result` tool, API.md §12).
"""

from __future__ import annotations

from typing import Any, cast

from ..schema import json_array, json_object

__all__ = ["StrictSchemaError", "accepts_null", "drop_defaulted_nulls", "strict_json_schema"]

MAX_DEPTH = 10  # OpenAI's limit on object nesting in a strict schema
_DROPPED = frozenset(
    ("title", "default", "discriminator", "$schema", "examples", "deprecated", "readOnly", "writeOnly")
)
_AS_NOTES = (
    "minLength",
    "maxLength",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "contains",
    "minContains",
    "maxContains",
)
_UNSUPPORTED = {
    "not": "`not`",
    "if": "`if`/`then`/`else`",
    "then": "`if`/`then`/`else`",
    "else": "`if`/`then`/`else`",
    "dependentRequired": "`dependentRequired`",
    "dependentSchemas": "`dependentSchemas`",
    "patternProperties": "`patternProperties` (an object with pattern-named keys)",
    "propertyNames": "`propertyNames` (an object with constrained keys)",
    "unevaluatedProperties": "`unevaluatedProperties`",
    "unevaluatedItems": "`unevaluatedItems`",
    "prefixItems": "`prefixItems` (a tuple)",
}
_FORMATS = frozenset(("date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid"))
_LOOKAROUND = ("(?=", "(?!", "(?<=", "(?<!")
_TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")


class StrictSchemaError(ValueError):
    """The schema has no strict form; the message says which part and why."""


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The strict form of an object schema (see the module docstring); the input is not changed."""
    body = {key: value for key, value in schema.items() if key != "$defs"}
    if body.get("type") != "object":
        raise StrictSchemaError("the root of a strict schema must be an object")
    result = _strict(body, "#", 0)
    definitions = schema.get("$defs")
    if definitions:
        result["$defs"] = {name: _strict(node, f"#/$defs/{name}", 0) for name, node in definitions.items()}
    return result


def _strict(node: Any, where: str, depth: int) -> dict[str, Any]:
    schema = json_object(node)
    if schema is None:
        raise StrictSchemaError(f"{where} is {node!r}, not a schema with a type")
    for key, what in _UNSUPPORTED.items():
        if key in schema:
            raise StrictSchemaError(f"{where} uses {what}, which strict schemas do not support")
    out = {key: value for key, value in schema.items() if key not in _DROPPED}
    _move_to_description(out)
    if "oneOf" in out:
        out["anyOf"] = out.pop("oneOf")
    if "allOf" in out:
        branches = out.pop("allOf")
        if len(branches) != 1:
            raise StrictSchemaError(f"{where} uses `allOf` with {len(branches)} schemas, which strict schemas reject")
        out["anyOf"] = [*out.get("anyOf", ()), *branches]
    if "$ref" in out and len(out) > 1:
        out["anyOf"] = [{"$ref": out.pop("$ref")}, *out.get("anyOf", ())]
    if not any(key in out for key in _TYPED):
        raise StrictSchemaError(f"{where} has no type (a value of any type), which strict schemas reject")
    if "anyOf" in out:
        out["anyOf"] = [_strict(branch, f"{where}/anyOf/{index}", depth) for index, branch in enumerate(out["anyOf"])]
    types = out.get("type")
    listed = json_array(types)
    kinds = set(listed) if listed is not None else {types}
    if "object" in kinds:
        _strict_object(out, where, depth + 1)
    if "array" in kinds:
        items = json_object(out.get("items"))
        if items is None or not any(key in items for key in _TYPED):
            raise StrictSchemaError(
                f"{where} is a list of untyped items (e.g. a bare `list`), which strict schemas reject"
            )
        out["items"] = _strict(items, f"{where}/items", depth)
    return out


def _strict_object(out: dict[str, Any], where: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise StrictSchemaError(f"{where} nests objects {depth} deep; strict schemas allow at most {MAX_DEPTH}")
    extra = out.get("additionalProperties", False)
    if extra is not False:
        raise StrictSchemaError(
            f"{where} is an open object (a dict with free keys, like `dict[str, int]`), which strict schemas reject"
        )
    properties = out.get("properties", {})
    required = set(out.get("required", ()))
    converted: dict[str, Any] = {}
    for name, value in properties.items():
        prop = _strict(value, f"{where}/properties/{name}", depth)
        converted[name] = prop if name in required or accepts_null(prop) else _nullable(prop)
    out["properties"] = converted
    out["required"] = list(converted)
    out["additionalProperties"] = False


def _move_to_description(out: dict[str, Any]) -> None:
    """Constraints strict mode rejects become a note in the description (validation still checks them)."""
    notes = [f"{key}={out.pop(key)!r}" for key in _AS_NOTES if key in out]
    value = out.get("format")
    if value is not None and value not in _FORMATS:
        notes.append(f"format={out.pop('format')!r}")
    pattern = out.get("pattern")
    if isinstance(pattern, str) and any(token in pattern for token in _LOOKAROUND):
        notes.append(f"pattern={out.pop('pattern')!r}")
    if notes:
        description = out.get("description")
        note = ", ".join(notes)
        out["description"] = f"{description} ({note})" if description else note


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "anyOf" in schema:
        return {**schema, "anyOf": [*schema["anyOf"], {"type": "null"}]}
    description = schema.get("description")
    inner = {key: value for key, value in schema.items() if key != "description"}
    wrapped: dict[str, Any] = {"anyOf": [inner, {"type": "null"}]}
    if description is not None:
        wrapped["description"] = description
    return wrapped


def accepts_null(schema: Any, definitions: dict[str, Any] | None = None) -> bool:
    """Whether `schema` accepts `null` (following `$ref`s into `definitions` when given)."""
    if not isinstance(schema, dict):
        return schema is True
    schema = cast("dict[str, Any]", schema)
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types):
        return True
    if "const" in schema and schema["const"] is None:
        return True
    if None in (schema.get("enum") or ()):
        return True
    ref = schema.get("$ref")
    if isinstance(ref, str) and definitions is not None:
        target = _resolve(ref, definitions)
        if target is not None and accepts_null(target, definitions):
            return True
    return any(accepts_null(branch, definitions) for key in ("anyOf", "oneOf") for branch in schema.get(key, ()))


def drop_defaulted_nulls(value: Any, schema: dict[str, Any]) -> Any:
    """`value` without the nulls a strict answer gives for optional properties that do not accept null.

    A strict schema makes every property required, and an optional one nullable; `null` there means
    "use the default", so the key is dropped and validation fills the default in. Walks `value`
    along `schema` (the original, non-strict schema with its `$defs`); a property that accepts null
    in the original keeps its null, since there null is a value of its own.
    """
    return _drop(value, schema, schema.get("$defs") or {})


def _drop(value: Any, schema: Any, definitions: dict[str, Any]) -> Any:
    schema = json_object(_follow(schema, definitions))
    if schema is None:
        return value
    fields = json_object(value)
    if fields is not None:
        node = _object_for(fields, schema, definitions)
        if node is None:
            return value
        properties = node.get("properties", {})
        required = set(node.get("required", ()))
        return {
            key: _drop(item, properties.get(key), definitions)
            for key, item in fields.items()
            if not (item is None and key not in required and not accepts_null(properties.get(key), definitions))
        }
    elements = json_array(value)
    if elements is not None:
        items = _array_items(schema, definitions)
        return value if items is None else [_drop(item, items, definitions) for item in elements]
    return value


def _branches(schema: dict[str, Any], definitions: dict[str, Any]) -> list[dict[str, Any]]:
    """`schema` and the branches of its unions, with references followed."""
    found = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, ()):
            target = json_object(_follow(branch, definitions))
            if target is not None:
                found.extend(_branches(target, definitions))
    return found


def _object_for(value: dict[str, Any], schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any] | None:
    """The object schema among `schema`'s branches whose properties cover the keys of `value`."""
    for branch in _branches(schema, definitions):
        properties = json_object(branch.get("properties"))
        if properties is not None and set(value) <= set(properties):
            return branch
    return None


def _array_items(schema: dict[str, Any], definitions: dict[str, Any]) -> Any:
    for branch in _branches(schema, definitions):
        if isinstance(branch.get("items"), dict):
            return branch["items"]
    return None


def _follow(schema: Any, definitions: dict[str, Any]) -> Any:
    seen = 0
    while (node := json_object(schema)) is not None and isinstance(node.get("$ref"), str) and seen < 32:
        target = _resolve(node["$ref"], definitions)
        if target is None:
            return schema
        schema = target
        seen += 1
    return schema


def _resolve(ref: str, definitions: dict[str, Any]) -> Any:
    prefix = "#/$defs/"
    return definitions.get(ref[len(prefix) :]) if ref.startswith(prefix) else None
