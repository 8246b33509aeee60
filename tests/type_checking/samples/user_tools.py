"""Tools as the docs write them: `@tool`, `@tool(...)`, `create_tool` with a model or a JSON schema."""

from typing import Any

from pydantic import BaseModel, Field

from agentick import Com, ExecutableTool, Tool, create_tool, tool
from agentick.types import ContentBlock, TextBlock


@tool
async def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


@tool(requires_confirmation=True, timeout=5)
def remember(fact: str, com: Com) -> str:
    """Remember a fact about the user."""
    facts: list[str] = com.get_state("facts", [])
    com.set_state("facts", [*facts, fact])
    return f"{len(facts) + 1} facts known"


class SearchInput(BaseModel):
    query: str = Field(description="What to look for")
    limit: int = Field(default=5, ge=1, le=20)


def search_docs(params: SearchInput) -> list[str]:
    return [f"{params.query} result {n}" for n in range(1, params.limit + 1)]


Search = create_tool(
    name="search",
    description="Search the docs",
    input=SearchInput,
    handler=search_docs,
    requires_confirmation=lambda params: params.limit > 10,
)
Counter = create_tool(
    name="count",
    input={"type": "object", "properties": {"n": {"type": "integer", "minimum": 0}}, "required": ["n"]},
    handler=lambda params: f"counted to {params['n']}",
)
in_tree = Tool(name="clock", description="The current time.", handler=lambda params: "12:00")
tools: list[ExecutableTool[Any]] = [add, remember, Search, Counter]


async def use_them() -> None:
    blocks: list[ContentBlock] = await add.run({"a": 2, "b": 3})
    assert blocks == [TextBlock(text="5")]
    total: str = await add.handler(2, 3)  # the decorated function, with its own signature
    found: list[str] = Search.handler(SearchInput(query="tides"))
    assert (total, found, Counter.definition.name) == ("5", ["tides result 1"], "count")
    renamed = add(name="plus", description="Add.")  # rendering a tool takes its overridable props
    assert renamed.props["tool"].name == "plus"
