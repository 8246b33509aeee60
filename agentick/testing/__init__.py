"""Testing kit: scripted models, render/compile helpers and hypothesis strategies.

`agentick.testing.strategies` needs hypothesis (a dev dependency) and is imported on its own;
`agentick.testing.fake_openai` is a loopback OpenAI-compatible server.
"""

from .model import TestModel, create_test_model, example_arguments

__all__ = ["TestModel", "create_test_model", "example_arguments"]
