"""Testing kit: scripted models, render/compile helpers and hypothesis strategies.

`agentick.testing.strategies` needs hypothesis (a dev dependency) and is imported on its own;
`agentick.testing.fake_openai` is a loopback OpenAI-compatible server, `agentick.testing.fake_gemini`
a loopback Gemini API server.
"""

from .agents import AgentHarness, compile_agent, render_agent
from .fake_gemini import FakeGemini, fake_gemini_fixture
from .fake_openai import FakeOpenAI, error, fake_openai_fixture, reply, tool_call
from .model import TestModel, create_test_model, example_arguments

__all__ = [
    "AgentHarness",
    "FakeGemini",
    "FakeOpenAI",
    "TestModel",
    "compile_agent",
    "create_test_model",
    "error",
    "example_arguments",
    "fake_gemini_fixture",
    "fake_openai_fixture",
    "render_agent",
    "reply",
    "tool_call",
]
