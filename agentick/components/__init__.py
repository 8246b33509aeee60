"""The components agents are written with (API.md §4)."""

from .content import Audio, Code, Document, Image, Json, Text, ToolUse, Video
from .expandable import Expandable
from .knobs import Knobs
from .messages import (
    Assistant,
    Ephemeral,
    Event,
    Grounding,
    Message,
    Section,
    StateChange,
    System,
    SystemEvent,
    ToolResult,
    User,
    UserAction,
)
from .model import Model
from .renderers import XML, Markdown
from .semantic import H1, H2, H3, Column, Header, List, ListItem, Paragraph, Row, Table
from .timeline import Timeline, TokenBudget

__all__ = [
    "H1",
    "H2",
    "H3",
    "XML",
    "Assistant",
    "Audio",
    "Code",
    "Column",
    "Document",
    "Ephemeral",
    "Event",
    "Expandable",
    "Grounding",
    "Header",
    "Image",
    "Json",
    "Knobs",
    "List",
    "ListItem",
    "Markdown",
    "Message",
    "Model",
    "Paragraph",
    "Row",
    "Section",
    "StateChange",
    "System",
    "SystemEvent",
    "Table",
    "Text",
    "Timeline",
    "TokenBudget",
    "ToolResult",
    "ToolUse",
    "User",
    "UserAction",
    "Video",
]
