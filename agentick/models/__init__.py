"""Model adapters: the protocol, the stream accumulator, and the OpenAI adapter."""

from .base import BaseModel, ModelAdapter, StreamAccumulator, accumulate

__all__ = ["BaseModel", "ModelAdapter", "StreamAccumulator", "accumulate"]
