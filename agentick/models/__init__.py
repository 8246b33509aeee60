"""Model adapters: the protocol, the stream accumulator, the model catalog and the OpenAI adapter."""

from .base import BaseModel, ModelAdapter, StreamAccumulator, accumulate
from .catalog import ModelInfo, lookup_model, model_info
from .openai import OpenAIModel, openai

__all__ = [
    "BaseModel",
    "ModelAdapter",
    "ModelInfo",
    "OpenAIModel",
    "StreamAccumulator",
    "accumulate",
    "lookup_model",
    "model_info",
    "openai",
]
