"""Tools: `@tool`, `create_tool` and the `<Tool>` component.

A tool is a definition the model sees (name, description, JSON schema) plus a handler the engine
runs. It is also a component: rendering it (`<Search />`, `h(add)`) registers it for as long as it
is mounted, and `render=`/`use=` let it put state into the tree next to itself.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    Literal,
    Protocol,
    TypedDict,
    TypeVar,
    Unpack,
    cast,
    overload,
)

import anyio
import pydantic
from pydantic import BaseModel, TypeAdapter

from .element import Element, Fragment, h
from .errors import ToolError
from .models.strict_schema import StrictSchemaError, drop_defaulted_nulls, strict_json_schema
from .schema import clean_schema, validate_json
from .types import ContentBlock, TextBlock, ToolDefinition

if TYPE_CHECKING:
    from .runtime import Com

__all__ = ["ExecutableTool", "Tool", "ToolProps", "create_tool", "normalize_result", "tool"]

F_co = TypeVar("F_co", bound="Callable[..., Any] | None", covariant=True)
F = TypeVar("F", bound="Callable[..., Any]")
M = TypeVar("M", bound=BaseModel)
In = TypeVar("In")
R = TypeVar("R")
InputHandler = Callable[[In], R] | Callable[Concatenate[In, ...], R]
"""A `create_tool` handler: called with the validated input `In` (plus `com=`/`deps=` when it takes them)."""

TOOL_NODE = "@tool"
Audience = Literal["model", "user", "all"]
_INJECTED = ("com", "deps")


class ToolProps(TypedDict, total=False):
    """The props a tool element accepts (`<Search name="find" requires_confirmation />`): each
    overrides the tool's own setting while it is mounted. Type checkers check tool tags against it."""

    name: str
    description: str
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]]
    confirmation_message: str | Callable[[Any], str] | None
    confirmation_timeout: float | None


_OVERRIDABLE = tuple(ToolProps.__annotations__)
_BLOCKS = TypeAdapter(list[ContentBlock])
_schema_cache: weakref.WeakKeyDictionary[type[BaseModel], dict[str, Any]] = weakref.WeakKeyDictionary()
# A tool defined inside a component is re-created every render; its input model is built once per
# function body (code object), not once per render.
_model_cache: weakref.WeakKeyDictionary[Any, type[BaseModel]] = weakref.WeakKeyDictionary()


class ToolInputError(ToolError):
    """Tool input failed validation; the message lists every problem, ready to show the model."""


class ExecutableTool(Generic[F_co]):
    """A tool the engine can offer to the model and run. Create one with `@tool` or `create_tool`.

    `ExecutableTool[F]`: `F` is the type of its handler (`.handler`), the decorated function itself
    for `@tool` (so its parameters and return type stay known), `None` for a tool without one.
    """

    def __init__(
        self,
        *,
        name: str,
        description: str = "",
        input: type[BaseModel] | dict[str, Any] | None = None,
        handler: F_co = None,  # type: ignore[assignment]  # no handler: F is None
        keyword_handler: bool = False,
        render: Callable[..., Any] | None = None,
        use: Callable[[], dict[str, Any]] | None = None,
        audience: Audience = "model",
        aliases: Sequence[str] = (),
        requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
        confirmation_message: str | Callable[[Any], str] | None = None,
        confirmation_timeout: float | None = None,
        timeout: float | None = None,
        strict: bool = False,
        deps: dict[str, Any] | None = None,
    ) -> None:
        if not name or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}", name):
            raise ToolError(f"invalid tool name {name!r}: use 1-128 letters, digits, _ . : or -")
        if audience not in ("model", "user", "all"):
            raise ToolError(f"tool {name!r}: audience must be 'model', 'user' or 'all', not {audience!r}")
        self.name = name
        self.description = description
        self.input = input
        self.handler = handler
        self.keyword_handler = keyword_handler  # @tool: parameters as keywords; create_tool: one input
        self.render = render
        self.use = use
        self.audience = audience
        self.aliases = tuple(aliases)
        self.requires_confirmation = requires_confirmation
        self.confirmation_message = confirmation_message
        # seconds a confirmation request waits for an answer before it counts as a denial; None
        # defers to the app's `confirmation_timeout` (and waits forever when that is None too)
        self.confirmation_timeout = check_confirmation_timeout(confirmation_timeout, f"tool {name!r}: ")
        self.timeout = timeout  # seconds a model-issued call may run before it becomes an error result
        self.deps = deps
        self.input_schema = _schema_of(input)
        self.strict = strict
        if strict:
            try:
                strict_json_schema(self.input_schema)
            except StrictSchemaError as error:
                raise ToolError(
                    f"tool {name!r} has strict=True, but its input schema has no strict form: {error}"
                ) from error
        self._injected = _injected_parameters(handler)
        self._definition: ToolDefinition | None = None
        self._node: Element | None = None

    # --- what the model sees ---------------------------------------------------------------

    @property
    def definition(self) -> ToolDefinition:
        """What the model is told about this tool (built once per tool object)."""
        if self._definition is None:
            self._definition = ToolDefinition(
                name=self.name, description=self.description, input_schema=self.input_schema, strict=self.strict
            )
        return self._definition

    @property
    def __name__(self) -> str:
        return self.name

    @property
    def pure(self) -> bool:
        """Rendered with equal props, a tool without `use=` or `render=` renders the same node, so
        the reconciler skips it like a `memo` component."""
        return self.use is None and self.render is None

    @property
    def static_element(self) -> Element | None:
        """What a pure tool renders without props: one `@tool` node, the same object every time.

        The reconciler mounts it in the place of the tool's element (one host fiber instead of a
        component fiber and its node, no render), and skips it on re-renders by identity.
        """
        if not self.pure:
            return None
        node = self._node
        if node is None:
            node = self._node = h(TOOL_NODE, {"tool": self})
        return node

    def __repr__(self) -> str:
        return f"<tool {self.name}>"

    # --- running ---------------------------------------------------------------------------

    def validate(self, arguments: Any) -> Any:
        """The validated input for the handler, or ToolInputError describing every problem."""
        if _not_an_object(arguments):
            raise ToolInputError(
                f"the arguments for {self.name} are not a JSON object: {arguments['_raw_arguments']!r:.200}"
            )
        if self.strict:  # the strict schema made defaulted properties nullable: null means "the default"
            arguments = drop_defaulted_nulls(arguments, self.input_schema)
        model = self.input
        if isinstance(model, type) and issubclass(model, BaseModel):
            try:
                return model.model_validate(arguments)
            except pydantic.ValidationError as error:
                problems = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()
                )
                raise ToolInputError(f"invalid arguments for {self.name}: {problems}") from error
        if arguments is None:
            arguments = dict[str, Any]()
        errors = validate_json(arguments, self.input_schema)
        if errors:
            raise ToolInputError(f"invalid arguments for {self.name}: {'; '.join(errors)}")
        return arguments

    async def call(self, validated: Any, *, com: Com | None = None, deps: dict[str, Any] | None = None) -> Any:
        """Run the handler with already validated input; returns what the handler returned."""
        if self.handler is None:
            raise ToolError(f"tool {self.name!r} has no handler")
        injected: dict[str, Any] = {}
        if "com" in self._injected:
            injected["com"] = com
        if "deps" in self._injected:
            injected["deps"] = deps if deps is not None else self.deps
        if self.keyword_handler:
            fields: dict[str, Any] = type(cast(BaseModel, validated)).model_fields
            arguments = {name: getattr(validated, name) for name in fields}
            return await _invoke(self.handler, (), {**arguments, **injected})
        return await _invoke(self.handler, (validated,), injected)

    async def run(
        self,
        arguments: Mapping[str, Any] | BaseModel | None = None,
        *,
        com: Com | None = None,
        deps: dict[str, Any] | None = None,
    ) -> list[ContentBlock]:
        """Validate `arguments`, run the handler and return its result as content blocks."""
        return normalize_result(await self.call(self.validate(arguments or {}), com=com, deps=deps), self.name)

    async def needs_confirmation(self, validated: Any) -> bool:
        required = self.requires_confirmation
        if callable(required):
            decision = required(validated)
            if inspect.isawaitable(decision):
                decision = await decision
            return bool(decision)
        return bool(required)

    def confirmation_text(self, validated: Any) -> str:
        message = self.confirmation_message
        if callable(message):
            return str(message(validated))
        return message or f"Allow {self.name} to run?"

    # --- as a component --------------------------------------------------------------------

    def __call__(self, children: Any = (), **props: Unpack[ToolProps]) -> Element:
        unknown = [key for key in props if key not in _OVERRIDABLE]
        if unknown:
            raise ToolError(
                f"{self.name} was rendered with unknown props {', '.join(sorted(unknown))}; a tool accepts "
                f"{', '.join(_OVERRIDABLE)}. To run it, use `await {self.name}.run({{...}})`"
            )
        current = self
        deps = self.use() if self.use is not None else None
        if deps is not None and not isinstance(deps, dict):
            raise ToolError(f"the use= hook of tool {self.name!r} returned {type(deps).__name__}, expected a dict")
        if "confirmation_timeout" in props:
            check_confirmation_timeout(props.get("confirmation_timeout"), f"tool {self.name!r}: ")
        if props or deps is not None:
            current = self._with(deps=deps, **props)
        elif self.pure:
            return cast(Element, self.static_element)
        node = h(TOOL_NODE, {"tool": current})
        if self.render is None:
            return node
        content = h(self.render, {"deps": deps} if _accepts(self.render, "deps") else None)
        return h(Fragment, None, node, content)

    def _with(self, **changes: Any) -> ExecutableTool[F_co]:
        clone = cast("ExecutableTool[F_co]", object.__new__(ExecutableTool))
        clone.__dict__.update(self.__dict__)
        clone.__dict__.update(changes)
        clone._definition = None
        clone._node = None
        return clone


# --- creating tools -----------------------------------------------------------------------------


class ToolDecorator(Protocol):
    """What `tool(name=..., ...)` returns: a decorator making an `ExecutableTool` of a function."""

    def __call__(self, fn: F, /) -> ExecutableTool[F]: ...


@overload
def tool(fn: F, /) -> ExecutableTool[F]: ...


@overload
def tool(
    fn: None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[Any], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ToolDecorator: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[Any], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ExecutableTool[Callable[..., Any]] | ToolDecorator:
    """Make a tool from a function: its name, docstring and typed parameters become the definition.

    `@tool` or `@tool(name=..., requires_confirmation=True)`. Parameters named `com` and `deps`
    are injected (the session context object; the dict returned by `use=`) and never part of the
    schema. Argument descriptions are read from a Google-style `Args:` section of the docstring.
    """

    def build(function: F) -> ExecutableTool[F]:
        summary, arguments = _parse_docstring(inspect.getdoc(function) or "")
        return ExecutableTool(
            name=name or function.__name__,
            description=description if description is not None else summary,
            input=_input_model(function, arguments),
            handler=function,
            keyword_handler=True,
            render=render,
            use=use,
            audience=audience,
            aliases=aliases,
            requires_confirmation=requires_confirmation,
            confirmation_message=confirmation_message,
            confirmation_timeout=confirmation_timeout,
            timeout=timeout,
            strict=strict,
        )

    return build(fn) if fn is not None else build


@overload
def create_tool(
    *,
    name: str,
    description: str = "",
    input: type[M],
    handler: InputHandler[M, R],
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[M], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[M], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ExecutableTool[Callable[Concatenate[M, ...], R]]: ...


@overload
def create_tool(
    *,
    name: str,
    description: str = "",
    input: dict[str, Any] | None = None,
    handler: InputHandler[dict[str, Any], R],
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[dict[str, Any]], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[dict[str, Any]], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ExecutableTool[Callable[Concatenate[dict[str, Any], ...], R]]: ...


@overload
def create_tool(
    *,
    name: str,
    description: str = "",
    input: type[BaseModel] | dict[str, Any] | None = None,
    handler: None = None,
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[Any], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ExecutableTool[None]: ...


def create_tool(
    *,
    name: str,
    description: str = "",
    input: type[BaseModel] | dict[str, Any] | None = None,
    handler: Callable[..., Any] | None = None,
    render: Callable[..., Any] | None = None,
    use: Callable[[], dict[str, Any]] | None = None,
    audience: Audience = "model",
    aliases: Sequence[str] = (),
    requires_confirmation: bool | Callable[[Any], bool | Awaitable[bool]] = False,
    confirmation_message: str | Callable[[Any], str] | None = None,
    confirmation_timeout: float | None = None,
    timeout: float | None = None,
    strict: bool = False,
) -> ExecutableTool[Callable[..., Any] | None]:
    """A tool whose handler takes one positional argument: the validated input (an instance of the
    `input` pydantic model, or a dict for a JSON-schema input)."""
    return ExecutableTool(
        name=name,
        description=description,
        input=input,
        handler=handler,
        render=render,
        use=use,
        audience=audience,
        aliases=aliases,
        requires_confirmation=requires_confirmation,
        confirmation_message=confirmation_message,
        confirmation_timeout=confirmation_timeout,
        timeout=timeout,
        strict=strict,
    )


def Tool(
    name: str,
    description: str = "",
    input: type[BaseModel] | dict[str, Any] | None = None,
    handler: InputHandler[Any, object] | None = None,
    children: Any = (),
    **options: Any,
) -> Element:
    """`<Tool name=... description=... input=... handler=... />`: a tool declared in the tree."""
    return create_tool(name=name, description=description, input=input, handler=handler, **options)()


# --- helpers ------------------------------------------------------------------------------------


def check_confirmation_timeout(
    seconds: float | None, where: str = "", error: type[Exception] = ToolError
) -> float | None:
    """`seconds` when it is a usable confirmation timeout (a positive number, or None for none);
    else `error` prefixed with `where`."""
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0):
        raise error(f"{where}confirmation_timeout must be a positive number of seconds or None, not {seconds!r}")
    return seconds


def normalize_result(value: Any, tool_name: str = "tool") -> list[Any]:
    """What a handler returned, as content blocks: str → text; dict or pydantic model → JSON text;
    None → empty text; a list of content blocks as given; other JSON values → JSON text."""
    if isinstance(value, str):
        return [TextBlock(text=value)]
    if value is None:
        return [TextBlock(text="")]
    if isinstance(value, BaseModel) and not _is_block(value):
        return [TextBlock(text=json.dumps(value.model_dump(mode="json"), ensure_ascii=False))]
    if isinstance(value, list) and value and all(_is_block(item) for item in cast("Sequence[Any]", value)):
        try:
            return _BLOCKS.validate_python(value)
        except pydantic.ValidationError as error:
            raise ToolError(f"tool {tool_name!r} returned invalid content blocks: {error}") from error
    if _is_block(value):
        return _BLOCKS.validate_python([value])
    try:
        return [TextBlock(text=json.dumps(value, ensure_ascii=False, default=_json_default))]
    except (TypeError, ValueError) as error:
        kind = type(cast(object, value)).__name__
        raise ToolError(
            f"tool {tool_name!r} returned a {kind}, which is not text, JSON data, a pydantic model or a list of "
            "content blocks"
        ) from error


def _not_an_object(arguments: object) -> bool:
    """Whether a model's tool arguments were not a JSON object: adapters pass such text as
    `{"_raw_arguments": text}`."""
    return isinstance(arguments, dict) and "_raw_arguments" in arguments and len(cast("dict[str, Any]", arguments)) == 1


def _is_block(value: Any) -> bool:
    if isinstance(value, BaseModel):
        return isinstance(getattr(value, "type", None), str) and type(value).__module__ == "agentick.types"
    if not isinstance(value, dict):
        return False
    mapping = cast("dict[str, Any]", value)
    return isinstance(mapping.get("type"), str) and len(mapping) > 1


def _json_default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset, tuple)):
        return list(cast("Iterable[Any]", value))
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


async def _invoke(handler: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call a handler; a plain function runs in a worker thread.

    A thread cannot be interrupted, so when the call is cancelled (its timeout, an abort) the wait
    for the thread is abandoned: the caller moves on at once, the thread finishes in the background
    and what it returns or raises is discarded.
    """
    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(type(handler).__call__):
        return await handler(*args, **kwargs)
    result = await anyio.to_thread.run_sync(lambda: handler(*args, **kwargs), abandon_on_cancel=True)
    if inspect.isawaitable(result):
        return await result
    return result


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        parameters = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def _injected_parameters(handler: Callable[..., Any] | None) -> frozenset[str]:
    if handler is None:
        return frozenset()
    try:
        parameters = inspect.signature(handler).parameters
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(name for name in _INJECTED if name in parameters)


def _schema_of(input: type[BaseModel] | dict[str, Any] | None) -> dict[str, Any]:
    if input is None:
        return {"type": "object", "properties": {}}
    if isinstance(input, dict):
        return input
    if isinstance(input, type) and issubclass(input, BaseModel):
        schema = _schema_cache.get(input)
        if schema is None:
            schema = _schema_cache[input] = clean_schema(input.model_json_schema())
        return schema
    raise ToolError(f"a tool input must be a pydantic model class or a JSON-schema dict, not {input!r:.80}")


def _input_model(function: Callable[..., Any], descriptions: dict[str, str]) -> type[BaseModel]:
    code = getattr(function, "__code__", None)
    cached = _model_cache.get(code) if code is not None else None
    if cached is not None:
        return cached
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as error:  # unresolved forward references: say which function
        raise ToolError(f"cannot read the type hints of tool {function.__name__}: {error}") from error
    fields: dict[str, Any] = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name in _INJECTED or parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        annotation = hints.get(parameter.name, Any)
        default = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (
            annotation,
            pydantic.Field(default, description=descriptions.get(parameter.name)),
        )
    model_name = "".join(part.capitalize() for part in function.__name__.split("_")) + "Input"
    model: type[BaseModel] = pydantic.create_model(model_name, **fields)
    if code is not None:
        _model_cache[code] = model
    return model


_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Returns|Raises|Yields|Examples?|Notes?):\s*$")
_ARGUMENT = re.compile(r"^\s+(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """The description (text before the first section) and `Args:` descriptions of a docstring."""
    lines = doc.splitlines()
    summary: list[str] = []
    arguments: dict[str, str] = {}
    section: str | None = None
    current: str | None = None
    for line in lines:
        header = _SECTION.match(line)
        if header:
            section = header.group(1)
            current = None
            continue
        if section is None:
            summary.append(line)
        elif section in ("Args", "Arguments", "Parameters", "Params"):
            match = _ARGUMENT.match(line)
            if match:
                name: str = match.group(1).lstrip("*")
                arguments[name] = match.group(2).strip()
                current = name
            elif current and line.strip():
                arguments[current] += " " + line.strip()
    return "\n".join(summary).strip(), arguments


def merge_tools(*sources: Iterable[ExecutableTool[Any]]) -> list[ExecutableTool[Any]]:
    """Merge tool sources by name, later sources winning, in order of first appearance."""
    merged: dict[str, ExecutableTool[Any]] = {}
    for source in sources:
        for item in source:
            merged[item.name] = item
    return list(merged.values())
