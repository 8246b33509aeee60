"""Store strings (API.md §16): which store a `create_app(store="...")` string makes, and the
strings refused before anything is created."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from agentick import create_app
from agentick.stores import MemoryStore, PostgresStore, SqliteStore, masked
from agentick.stores.protocol import is_stored
from agentick.testing import create_test_model
from tests.engine.support import chat

pytestmark = pytest.mark.anyio


def Chat():
    return chat()


def stored_texts(path: Path, session_id: str) -> list[str]:
    with sqlite3.connect(path) as connection:
        (row,) = connection.execute(
            "SELECT snapshot FROM agentick_sessions WHERE session_id = ?", (session_id,)
        ).fetchall()
    return [entry["message"]["content"][0]["text"] for entry in json.loads(row[0])["timeline"]]


async def save_one_turn(store: str, session_id: str = "u") -> None:
    app = create_app(Chat, model=create_test_model(), store=store)
    await (await app.session(session_id)).send("hello").result
    await app.close()


@pytest.mark.parametrize("store", ["rel.db", "sqlite:///rel.db", "SQLite:///rel.db"])
async def test_a_relative_store_is_relative_to_the_working_directory_when_the_app_is_made(store, tmp_path, monkeypatch):
    made_in, saved_in = tmp_path / "made", tmp_path / "saved"
    made_in.mkdir()
    saved_in.mkdir()
    monkeypatch.chdir(made_in)
    app = create_app(Chat, model=create_test_model(), store=store)
    monkeypatch.chdir(saved_in)
    await (await app.session("u")).send("hello").result
    await app.close()

    assert isinstance(app.store, SqliteStore) and app.store.path == str(made_in / "rel.db")
    assert stored_texts(made_in / "rel.db", "u") == ["hello", "Test response"]
    assert os.listdir(saved_in) == []


async def test_a_relative_sqlite_url_may_name_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    await save_one_turn("sqlite:///data/sessions.db")

    assert stored_texts(tmp_path / "data" / "sessions.db", "u") == ["hello", "Test response"]


async def test_four_slashes_make_an_absolute_sqlite_path(tmp_path, monkeypatch):
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    target = tmp_path / "abs" / "x.db"
    url = f"sqlite:///{target}"  # target starts with "/": four slashes in all

    assert url.startswith("sqlite:////")
    await save_one_turn(url)

    assert stored_texts(target, "u") == ["hello", "Test response"]
    assert os.listdir(elsewhere) == []


@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "PostgreSQL"])
def test_a_postgresql_url_makes_a_postgres_store_that_connects_on_first_use(scheme, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"{scheme}://agent:s3cret@db.internal:5432/agents"

    app = create_app(Chat, model=create_test_model(), store=url)

    assert type(app.store) is PostgresStore
    assert repr(app.store) == f"PostgresStore('{scheme}://agent:***@db.internal:5432/agents')"
    assert (app.store.lease_ttl, app.store.lease_wait) == (30.0, 10.0)
    assert app.store_leases and app.store_saves_revisions
    assert os.listdir(tmp_path) == []  # no folder named "postgresql:" (the old fallback to SQLite)


@pytest.mark.parametrize(
    ("store", "error", "message"),
    [
        ("sqlite://", ValueError, r"^store='sqlite://': the sqlite URL names no file; write sqlite:///relative\.db"),
        ("sqlite:///", ValueError, r"^store='sqlite:///': the sqlite URL names no file"),
        ("sqlite://host/x.db", ValueError, r"^store='sqlite://host/x\.db': a sqlite URL has no host"),
        ("sqlite:///x.db?mode=ro", ValueError, r"^store='sqlite:///x\.db\?mode=ro': sqlite URLs take no query"),
        (
            "mysql://root:s3cret@localhost/agents",
            ValueError,
            r"^store='mysql://root:\*\*\*@localhost/agents': unknown store scheme 'mysql'; supported: a file path, "
            r"sqlite:///relative\.db, sqlite:////absolute\.db, postgresql:// or postgres://$",
        ),
        ("redis+tls://cache/0", ValueError, r"unknown store scheme 'redis\+tls'"),
        ("://nothing", ValueError, r"unknown store scheme ''"),
    ],
)
def test_a_refused_store_string_names_the_problem_and_creates_nothing(store, error, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(error, match=message) as raised:
        create_app(Chat, model=create_test_model(), store=store)

    assert "s3cret" not in str(raised.value)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://agent:s3cret@db:5432/agents", "postgresql://agent:***@db:5432/agents"),
        ("postgresql://agent:p@ss:w/rd@db/agents", "postgresql://agent:***@db/agents"),  # unencoded @ / :
        (
            "postgresql://db/agents?sslmode=require&password=s3cret",
            "postgresql://db/agents?sslmode=require&password=***",
        ),
        ("postgresql://db/agents?PGPASSWORD=s3cret&app=x", "postgresql://db/agents?PGPASSWORD=***&app=x"),
        ("postgresql://agent@db/agents", "postgresql://agent@db/agents"),
        ("sqlite:///rel.db", "sqlite:///rel.db"),
        ("plain/path.db", "plain/path.db"),
        ("host=db user=agent password=s3cret dbname=agents", "host=db user=agent password=*** dbname=agents"),
        ("host=db password = 's3 c\\'ret' port=5432", "host=db password = *** port=5432"),
        ("PASSWORD=s3cret host=db", "PASSWORD=*** host=db"),
    ],
)
def test_masked_hides_passwords_in_urls_and_key_value_strings(url, shown):
    assert masked(url) == shown


def test_a_postgres_store_from_a_key_value_string_hides_its_password():
    assert repr(PostgresStore("host=127.0.0.1 password=s3cret")) == "PostgresStore('host=127.0.0.1 password=***')"


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
async def test_exists_answers_as_load_would(kind, tmp_path):
    store = MemoryStore() if kind == "memory" else SqliteStore(tmp_path / "sessions.db")
    assert await store.exists("a") is False
    await store.save("a", {"timeline": []})
    assert (await store.exists("a"), await store.exists("b")) == (True, False)
    await store.delete("a")
    assert await store.exists("a") is False
    if isinstance(store, SqliteStore):
        store.close()


class LoadOnlyStore(MemoryStore):
    """A custom store with only the three methods the contract names (no `exists`)."""

    exists = None  # type: ignore[assignment]


async def test_a_store_without_exists_is_asked_with_load():
    store = LoadOnlyStore()
    await store.save("a", {"timeline": []})

    assert (await is_stored(store, "a"), await is_stored(store, "b")) == (True, False)
