"""Testing kit: scripted models, render/compile helpers and hypothesis strategies.

`agentick.testing.strategies` needs hypothesis (a dev dependency) and is imported on its own;
`agentick.testing.fake_openai` is a loopback OpenAI-compatible server.
"""

from .agents import AgentHarness, compile_agent, render_agent
from .model import TestModel, create_test_model, example_arguments

__all__ = ["AgentHarness", "TestModel", "compile_agent", "create_test_model", "example_arguments", "render_agent"]
