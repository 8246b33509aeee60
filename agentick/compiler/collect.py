"""The collector: walks the agent host tree and gathers what the model request is made of.

System parts and model-audience sections (in tree order), messages (in tree order), ephemerals,
tools and model settings. Each structural node's compiled form is cached on the node and reused
until the reconciler mutates it, so a compile pass costs little more than a walk of the top level.

Lowercase tags inside text that the content walk does not format (`<add />` in a System) render
as literal text; the walk reports each where it decides so, and their names are gathered in
`text_tags` (cached with the node's compiled form), so that the engine can warn when one names a
tool or a component (a capitalisation slip) without walking the content again.

Every contributing piece keeps the host node it came from (`system_nodes`, `SectionData.nodes`,
`section_nodes`, `tool_nodes`, `message_runs`, `Ephemeral.node`): one reference appended beside
data the walk builds anyway, so that `provenance` can name the component that rendered a part only
when asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import CompileError
from ..tag_names import capitalised_tag
from ..types import ContentBlock, Message, TextBlock, ToolResultBlock
from . import nodes as n
from .content import render_blocks, render_text
from .renderers import MARKDOWN, Renderer, renderer_named

__all__ = ["CompiledStructure", "Ephemeral", "SectionData", "collect"]


@dataclass(slots=True)
class SectionData:
    id: str
    title: str | None
    audience: str
    renderer: Renderer
    bodies: list[str] = field(default_factory=list[str])
    nodes: list[n.Node] = field(default_factory=list[n.Node])  # the <Section> nodes merged here

    @property
    def body(self) -> str:
        return "\n".join(body for body in self.bodies if body)

    def formatted(self) -> str:
        return self.renderer.section(self.id, self.title, self.body)


@dataclass(slots=True)
class Ephemeral:
    position: str
    order: int
    message: Message
    node: n.Node


@dataclass(slots=True)
class CompiledStructure:
    """Everything collected from one render of the tree, before tools are merged."""

    system_parts: list[str | SectionData] = field(default_factory=list[str | SectionData])
    system_nodes: list[n.Node] = field(default_factory=list[n.Node])  # the node of each system part
    system_texts: list[str] = field(default_factory=list[str])  # the text of each part (system_text())
    sections: dict[str, SectionData] = field(default_factory=dict[str, SectionData])
    conversation: list[Message] = field(default_factory=list[Message])
    ephemerals: list[Ephemeral] = field(default_factory=list[Ephemeral])
    tools: list[Any] = field(default_factory=list[Any])
    tool_nodes: list[n.Node] = field(default_factory=list[n.Node])  # the node of each tool
    section_nodes: list[n.Node] = field(default_factory=list[n.Node])  # every section node, in tree order
    # (index in `conversation` where a node's messages start, the node), one per message node
    message_runs: list[tuple[int, n.Node]] = field(default_factory=list[tuple[int, n.Node]])
    model: Any = None
    model_options: dict[str, Any] = field(default_factory=dict[str, Any])
    text_tags: set[str] = field(default_factory=set[str])  # unknown lowercase tags written as literal text

    def system_text(self) -> str | None:
        self.system_texts = [part if isinstance(part, str) else part.formatted() for part in self.system_parts]
        texts = [text for text in self.system_texts if text]
        return "\n\n".join(texts) if texts else None


def collect(container: n.Node) -> CompiledStructure:
    structure = CompiledStructure()
    _Collector(structure).walk(container.children, MARKDOWN)
    return structure


class _Collector:
    __slots__ = ("structure",)

    def __init__(self, structure: CompiledStructure) -> None:
        self.structure = structure

    def walk(self, children: list[Any], renderer: Renderer) -> None:
        """Collect the top level: structural nodes, also inside renderer switches and grouping tags
        (an explicit stack of `(children left, renderer)` frames, so grouping of any depth works)."""
        structure = self.structure
        conversation = structure.conversation
        runs = structure.message_runs
        frames = [(iter(children), renderer)]
        while frames:
            nodes, renderer = frames[-1]
            for node in nodes:
                if type(node) is n.TextNode:
                    raise CompileError(
                        f"the text {node.text!r:.60} is outside any System, Section or message; wrap it in "
                        "<System>, <Section id=...>, <User> or <Assistant>"
                    )
                kind = node.type
                if kind == n.ENTRY:
                    message = node.props.get("message")  # a stored timeline message: used as it is
                    if message is None:
                        message = _cached(node, renderer, _compile_entry, self)
                    if message.role == "system":
                        structure.system_parts.append(_text_of(message))
                        structure.system_nodes.append(node)
                    else:
                        runs.append((len(conversation), node))
                        conversation.append(message)
                elif kind == n.ENTRIES:
                    messages = node.props["messages"]
                    runs.append((len(conversation), node))
                    if node.props["system"]:
                        for message in messages:
                            if message.role == "system":
                                structure.system_parts.append(_text_of(message))
                                structure.system_nodes.append(node)
                            else:
                                conversation.append(message)
                    else:
                        conversation.extend(messages)
                elif kind == n.SYSTEM:
                    structure.system_parts.append(_cached(node, renderer, _compile_text, self))
                    structure.system_nodes.append(node)
                elif kind == n.SECTION:
                    self.section(node, renderer)
                elif kind == n.EPHEMERAL:
                    structure.ephemerals.append(_cached(node, renderer, _compile_ephemeral, self))
                elif kind == n.TOOL or kind == n.MODEL:
                    self.found(node)
                elif kind == n.RENDERER:
                    frames.append((iter(node.children), renderer_named(node.props["renderer"])))
                    break
                elif kind.startswith("@"):
                    raise CompileError(
                        f"{_describe(kind)} is outside any System, Section or message; put it inside <System>, "
                        "<Section id=...>, <User> or <Assistant>"
                    )
                elif not node.children:
                    tag = capitalised_tag(kind)
                    raise CompileError(
                        f"<{kind} /> is an unknown lowercase tag at the top level, so it renders nothing. Lowercase "
                        "JSX tags are text tags; tools and components need capitalised names (for a tool "
                        f"defined as `{kind}`, write `{tag} = {kind}` and render <{tag} />)"
                    )
                else:
                    frames.append((iter(node.children), renderer))  # an unknown tag at the top level only groups
                    break
            else:
                frames.pop()

    def found(self, node: n.Node) -> None:
        """A tool or model node, wherever it appears in the tree, or a tag the content walk wrote
        as literal text."""
        kind = node.type
        if kind == n.TOOL:
            self.structure.tools.append(node.props["tool"])
            self.structure.tool_nodes.append(node)
        elif kind == n.MODEL:
            self.structure.model = node.props.get("model") or self.structure.model
            self.structure.model_options.update(node.props.get("options") or {})
        else:
            self.structure.text_tags.add(kind)

    def section(self, node: n.Node, renderer: Renderer) -> None:
        props = node.props
        section_id: str = props["id"]
        body = _cached(node, renderer, _compile_text, self)
        existing = self.structure.sections.get(section_id)
        if existing is None:
            existing = SectionData(section_id, props.get("title"), props.get("audience", "model"), renderer)
            self.structure.sections[section_id] = existing
            if existing.audience != "user":
                self.structure.system_parts.append(existing)
                self.structure.system_nodes.append(node)
        existing.bodies.append(body)
        existing.nodes.append(node)
        self.structure.section_nodes.append(node)


def _cached(node: n.Node, renderer: Renderer, compile: Any, collector: _Collector) -> Any:
    """The node's compiled form under `renderer`, compiled once until the node changes.

    What the content walk reports inside (tools, models, literal text tags) is recorded with the
    cached value and replayed on a hit.
    """
    cache = node.cache
    if cache is not None and cache[0] is renderer:
        for inner in cache[2]:
            collector.found(inner)
        return cache[1]
    inner_nodes: list[n.Node] = []

    def record(inner: n.Node) -> None:
        inner_nodes.append(inner)
        collector.found(inner)

    value = compile(node, renderer, record)
    node.cache = (renderer, value, inner_nodes)
    return value


def _compile_text(node: n.Node, renderer: Renderer, record: Any) -> str:
    return render_text(node.children, renderer, record)


def _compile_entry(node: n.Node, renderer: Renderer, record: Any) -> Message:
    props = node.props
    content: list[ContentBlock] = render_blocks(node.children, renderer, record)
    kind = props.get("kind")
    role = props["role"]
    if kind == "event":
        content = _prefixed(content, "[Event] ")
    elif kind == "tool_result":
        role = "tool"
        content = [
            ToolResultBlock(
                tool_use_id=props["tool_call_id"],
                name=props.get("name") or "",
                content=content,
                is_error=bool(props.get("is_error")),
            )
        ]
    return Message(role=role, content=content, id=props.get("id"), metadata=props.get("metadata"))


def _compile_ephemeral(node: n.Node, renderer: Renderer, record: Any) -> Ephemeral:
    props = node.props
    text = render_text(node.children, renderer, record)
    title = props.get("title")
    if title:
        text = f"{renderer.heading(2, title)}\n\n{text}" if text else renderer.heading(2, title)
    message = Message(role="user", content=[TextBlock(text=f"[Context]\n{text}")])
    return Ephemeral(props.get("position", "end"), props.get("order", 0), message, node)


def _prefixed(content: list[ContentBlock], prefix: str) -> list[ContentBlock]:
    if content and isinstance(content[0], TextBlock):
        return [TextBlock(text=prefix + content[0].text), *content[1:]]
    return [TextBlock(text=prefix.rstrip()), *content]


def _text_of(message: Message) -> str:
    return "".join(block.text for block in message.content if isinstance(block, TextBlock))


def _describe(kind: str) -> str:
    names = {
        n.TEXT: "<Text>",
        n.CODE: "<Code>",
        n.JSON: "<Json>",
        n.IMAGE: "<Image>",
        n.HEADING: "a heading",
        n.LIST: "<List>",
        n.TABLE: "<Table>",
        n.PARAGRAPH: "<Paragraph>",
        n.COLLAPSED: "collapsed content",
    }
    return names.get(kind, f"<{kind.lstrip('@')}>")
