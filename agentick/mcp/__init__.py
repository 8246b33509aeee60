"""MCP servers as components (API.md §14), on the official `mcp` package (extra `mcp`).

`<MCPServer name=... command=... />` offers a server's tools while mounted; `<MCPResource>` renders
a resource's text; `use_mcp_prompt` returns a prompt's messages. Importing this package without the
extra raises ImportError naming it.
"""

from ..extras import require

require("mcp", extra="mcp", feature="agentick.mcp (MCP servers as components)")

from .components import MCPResource, MCPServer, use_mcp_prompt  # noqa: E402
from .config import MCPConfigError, ServerConfig  # noqa: E402
from .connection import MCPCallError  # noqa: E402

__all__ = ["MCPCallError", "MCPConfigError", "MCPResource", "MCPServer", "ServerConfig", "use_mcp_prompt"]
