"""A small MCP server for examples/mcp.px and docs/mcp.md: a note store and a unit converter.

It speaks MCP over stdin/stdout, so an agent mounts it with

    <MCPServer name="notes" command={sys.executable} args={["examples/mcp_server.py"]} />

and any other MCP client can use it too (`python examples/mcp_server.py`). Offline, no
dependencies beyond the `mcp` package. The notes live in memory: every process starts with the
same two notes, so all sessions sharing one connection (one process) share the notes they add.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import MCPServer
from pydantic import Field

server = MCPServer("notes", instructions="Keeps short notes and converts units.")

NOTES: dict[str, str] = {
    "groceries": "Oat milk, lemons, rye bread.",
    "trip": "Train to Lyon on Friday at 9:12, platform 4.",
}

Conversion = Literal["km_to_mi", "mi_to_km", "c_to_f", "f_to_c", "kg_to_lb", "lb_to_kg"]

CONVERSIONS: dict[str, tuple[str, str, float, float]] = {
    # name: (from unit, to unit, factor, offset): to = from * factor + offset
    "km_to_mi": ("km", "mi", 0.621371, 0.0),
    "mi_to_km": ("mi", "km", 1.609344, 0.0),
    "c_to_f": ("°C", "°F", 1.8, 32.0),
    "f_to_c": ("°F", "°C", 5 / 9, -32 * 5 / 9),
    "kg_to_lb": ("kg", "lb", 2.204623, 0.0),
    "lb_to_kg": ("lb", "kg", 0.453592, 0.0),
}


@server.tool()
def convert(
    value: Annotated[float, Field(description="The quantity to convert.")],
    conversion: Annotated[Conversion, Field(description="Which conversion to apply.")],
) -> str:
    """Convert a length, temperature or weight."""
    source, target, factor, offset = CONVERSIONS[conversion]
    return f"{value:g} {source} = {value * factor + offset:.4g} {target}"


@server.tool()
def add_note(
    title: Annotated[str, Field(description="A short title to find the note by.")],
    text: Annotated[str, Field(description="The note itself.")],
) -> str:
    """Save a note under a title (replacing a note with the same title)."""
    NOTES[title] = text
    return f"Saved note {title!r} ({len(NOTES)} notes)."


@server.tool()
def search_notes(query: Annotated[str, Field(description="The words to look for.")]) -> str:
    """Find notes whose title or text contains the query (case-insensitive)."""
    needle = query.casefold()
    found = [f"{title}: {text}" for title, text in NOTES.items() if needle in f"{title} {text}".casefold()]
    return "\n".join(found) if found else f"No note mentions {query!r}."


@server.resource("notes://index", mime_type="text/plain")
def index() -> str:
    """The titles of all notes, one a line."""
    return "\n".join(f"- {title}" for title in sorted(NOTES))


@server.prompt()
def plan_day(focus: str) -> str:
    """Ask the model to plan a day around the saved notes, with a focus (e.g. "errands")."""
    notes = "\n".join(f"- {title}: {text}" for title, text in sorted(NOTES.items()))
    return f"Plan my day with a focus on {focus}. My notes:\n{notes}"


if __name__ == "__main__":
    server.run()
