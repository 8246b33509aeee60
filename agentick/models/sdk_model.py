"""What the adapters built on a provider's SDK share: settings, metadata and clients per event loop.

`OpenAIModel`, `AnthropicModel` and `GeminiModel` resolve their settings the same way (an argument,
else an environment variable, else the provider's endpoint), take `context_window` and
`max_output_tokens` from the catalog unless given, and hold their SDK clients the same way: a
client passed in is used as it is and never closed; otherwise each event loop gets a client of
its own, opened on the first request (so a missing key fails the first call, not the import of an
agent) and closed in its loop (`clients.py`). Each subclass names its provider in class attributes
and says how to open and close a client.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from ..errors import AuthenticationError
from ..types import ModelMetadata
from .base import BaseModel
from .catalog import lookup_model
from .clients import LoopClients

__all__ = ["SdkModel"]

ClientT = TypeVar("ClientT")  # the SDK client: passed in by the user, or returned by `client()`
OpenedT = TypeVar("OpenedT")  # what the model opens per event loop: the SDK client, with what else it must close


class SdkModel(BaseModel, Generic[ClientT, OpenedT]):
    """Base class of the SDK adapters; see the module docstring for what it does."""

    provider: ClassVar[str]  # `metadata.provider`, and the `provider` of errors
    provider_name: ClassVar[str]  # the provider in messages: "OpenAI"
    api_key_envs: ClassVar[Sequence[str]]  # where the API key is looked up, in order
    base_url_env: ClassVar[str]
    default_base_url: ClassVar[str]
    key_hint: ClassVar[str]  # the last words of the missing-key error
    # Whether other servers speak this API: without a key, one at another base URL gets a placeholder
    # (such servers need none, but the SDK insists on one) instead of an error.
    compatible_servers: ClassVar[bool]

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None,
        base_url: str | None,
        client: ClientT | None,
        timeout: float | None,
        max_retries: int,
        context_window: int | None,
        max_output_tokens: int | None,
        options: dict[str, Any],
    ) -> None:
        """`base_url` is the one given, or for a `client` passed in, that client's."""
        info = lookup_model(model)
        super().__init__(
            ModelMetadata(
                id=model,
                provider=self.provider,
                context_window=context_window or (info.context_window if info else None),
                max_output_tokens=max_output_tokens or (info.max_output_tokens if info else None),
            ),
            **options,
        )
        self.api_key = api_key or next(filter(None, map(os.environ.get, self.api_key_envs)), None)
        self.base_url = (base_url or os.environ.get(self.base_url_env) or self.default_base_url).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self._client = client
        # `_close_client` is a static method: the clients' sentinels keep it, and must not keep the model.
        self._clients: LoopClients[OpenedT] = LoopClients(self._new_client, self._close_client)

    def client(self) -> ClientT:
        """The SDK client for the running event loop (the one given to the constructor, if any)."""
        if self._client is not None:
            return self._client
        return self._sdk_client(self._clients.get())

    async def aclose(self) -> None:
        """Close the client this model opened for the running event loop, once the requests using it
        have ended; the next request opens a new one. A client passed in is left open."""
        if self._client is None:
            await self._clients.aclose()

    def _api_key(self) -> str:
        """The API key for a new client; an `AuthenticationError` saying where to set one if there is none."""
        if self.api_key is not None:
            return self.api_key
        if self.compatible_servers and self.base_url != self.default_base_url:
            return "unused"
        first, *rest = self.api_key_envs
        others = "".join(f" (or {name})" for name in rest)
        raise AuthenticationError(
            f"No API key for {self.provider_name} model {self.metadata.id!r}: set {first}{others} or pass "
            f"api_key=... ({self.key_hint}).",
            provider=self.provider,
            model=self.metadata.id,
        )

    def _new_client(self) -> OpenedT:
        """Open a client for the running event loop."""
        raise NotImplementedError

    @staticmethod
    async def _close_client(opened: OpenedT) -> None:
        """Close what `_new_client` opened."""
        raise NotImplementedError

    @staticmethod
    def _sdk_client(opened: OpenedT) -> ClientT:
        """The SDK client among what `_new_client` opened."""
        raise NotImplementedError
