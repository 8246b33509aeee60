"""`agentick serve` and `agentick run --remote` as real subprocesses, offline (`--model test`)."""

from __future__ import annotations

import re
import signal
import textwrap
from pathlib import Path

import anyio
import httpx2
import pytest

from agentick.stores import SqliteStore
from tests.serve.processes import GUARD, finished, serving


def chat(url: str, text: str) -> tuple[str, dict[str, object]]:
    with httpx2.Client(base_url=url, timeout=GUARD) as http:
        session_id = http.post("/sessions").json()["id"]
        answer = http.post(f"/sessions/{session_id}/messages", json={"text": text})
        assert answer.status_code == 200, answer.text
        return session_id, answer.json()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serve_prints_its_url_serves_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    database = tmp_path / "sessions.db"
    with serving("hello.px", "--model", "test", "--store", str(database)) as served:
        session_id, result = chat(served.url, "Hello!")
        assert result["response"] == "Test response"
        out, err = served.stop(stop)
    assert served.process.returncode == 0, err
    assert (out, err) == ("", "")
    saved = anyio.run(SqliteStore(database).load, session_id)
    assert saved is not None and [entry["message"]["role"] for entry in saved["timeline"]] == ["user", "assistant"]


def test_serve_keeps_an_app_named_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "deployed.py").write_text(
        textwrap.dedent(
            """
            from agentick import Fragment, System, Timeline, create_app, h
            from agentick.testing import create_test_model

            def Agent():
                return h(Fragment, None, h(System, None, "Be kind."), h(Timeline))

            app = create_app(Agent, model=create_test_model(default_response="From the app's own model."))
            """
        )
    )
    with serving("deployed.py:app", "--store", str(tmp_path / "s.db"), cwd=tmp_path) as served:
        assert chat(served.url, "Hi")[1]["response"] == "From the app's own model."
        served.stop()
    assert served.process.returncode == 0


def test_serve_refuses_a_second_store_for_an_app_with_one(tmp_path: Path) -> None:
    (tmp_path / "stored.py").write_text(
        "from agentick import create_app, h, Timeline\n"
        "def Agent():\n    return h(Timeline)\n"
        "app = create_app(Agent, model='test', store='first.db')\n"
    )
    done = finished("serve", "stored.py:app", "--store", "second.db", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == (
        "agentick: error: stored.py:app is an App with a store of its own; leave out --store "
        "(or create the App without one)\n"
    )


def test_serve_refuses_a_public_host_without_a_token() -> None:
    done = finished("serve", "hello.px", "--model", "test", "--host", "0.0.0.0")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        "agentick: error: --host 0.0.0.0 accepts requests from other machines: give a --token (or set "
        "AGENTICK_TOKEN), or pass --insecure when something in front of the server checks them\n"
    )


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    done = finished("serve", "hello.px", "--model", "test", "--workers", "2", "--store", str(tmp_path / "s.db"))
    assert done.returncode == 2
    assert done.stderr == (
        "agentick: error: --workers 2 needs a store that several processes can share, with lease() and "
        "save(..., expected_revision=) (--store postgresql://...); SQLite and memory stores serve one process\n"
    )


def test_serve_refuses_several_workers_on_a_store_with_leases_but_no_revisions(tmp_path: Path) -> None:
    # A lease alone does not make a store shareable: saves must also refuse to overwrite a newer revision.
    (tmp_path / "leasing.py").write_text(
        textwrap.dedent(
            """
            import contextlib
            from agentick import create_app, h, Timeline
            from agentick.stores import MemoryStore

            class LeasingStore(MemoryStore):
                @contextlib.asynccontextmanager
                async def lease(self, id, ttl, wait):
                    yield type("Lease", (), {"revision": 0})()

            def Agent():
                return h(Timeline)

            app = create_app(Agent, model="test", store=LeasingStore())
            """
        )
    )
    done = finished("serve", "leasing.py:app", "--workers", "2", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("agentick: error: --workers 2 needs a store that several processes can share")


@pytest.mark.parametrize("flag", ["--lease-ttl", "--lease-wait"])
def test_serve_refuses_lease_flags_for_a_store_without_leases(tmp_path: Path, flag: str) -> None:
    done = finished("serve", "hello.px", "--model", "test", "--store", str(tmp_path / "s.db"), flag, "5")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (
        f"agentick: error: {flag}: only for a store made with --store postgresql://... "
        f"(--store {tmp_path / 's.db'} has no leases)\n"
    )
    without_store = finished("serve", "hello.px", "--model", "test", flag, "5")
    assert without_store.returncode == 2
    assert without_store.stderr == (
        f"agentick: error: {flag}: only for a store made with --store postgresql://... "
        "(no --store was given; an App's own store keeps its own settings)\n"
    )


def test_serve_refuses_an_unknown_store_scheme() -> None:
    done = finished("serve", "hello.px", "--model", "test", "--store", "redis://localhost/0")
    assert done.returncode == 2
    assert done.stderr.startswith("agentick: error: --store: store='redis://localhost/0': unknown store scheme")


def test_serve_with_several_workers_on_postgresql(postgres_url: str) -> None:
    with serving("hello.px", "--model", "test", "--store", postgres_url, "--workers", "2") as served:
        with httpx2.Client(base_url=served.url, timeout=GUARD) as http:
            created = [http.post("/sessions").json()["id"] for _ in range(4)]
            for session_id in created:  # any worker reads what another saved
                assert http.get(f"/sessions/{session_id}").status_code == 200
            answer = http.post(f"/sessions/{created[0]}/messages", json={"text": "Hi"})
            assert answer.status_code == 200 and answer.json()["response"] == "Test response"
        served.stop()
    assert served.process.returncode == 0


def test_run_remote_chats_with_a_served_agent(tmp_path: Path) -> None:
    with serving("hello.px", "--model", "test", "--store", str(tmp_path / "s.db"), "--token", "t0ken") as served:
        first = finished("run", "--remote", served.url, "--token", "t0ken", "-m", "Hello!")
        assert first.returncode == 0, first.stderr
        assert first.stdout == "Test response\n"
        [line] = first.stderr.splitlines()
        session_id = re.fullmatch(rf"agentick: session (session_\w+) on {served.url}", line)
        assert session_id is not None, line
        again = finished(
            "run",
            "--remote",
            served.url,
            "--token",
            "t0ken",
            "--session",
            session_id[1],
            "-m",
            "Once more",
            "-m",
            "Bye",
        )
        assert again.returncode == 0 and again.stdout == "Test response\nTest response\n", again.stderr
        with httpx2.Client(base_url=served.url, headers={"Authorization": "Bearer t0ken"}) as http:
            timeline = http.get(f"/sessions/{session_id[1]}").json()["timeline"]
        assert len(timeline) == 6
        refused = finished("run", "--remote", served.url, "-m", "Hello!")
        assert refused.returncode == 1
        assert "needs its bearer token" in refused.stderr and "AGENTICK_TOKEN" in refused.stderr
        served.stop()
    assert served.process.returncode == 0


def test_run_remote_repl_prompts_for_tool_confirmations(tmp_path: Path) -> None:
    (tmp_path / "deployer.py").write_text(
        textwrap.dedent(
            '''
            from agentick import Fragment, System, Timeline, h, tool

            @tool(requires_confirmation=True, confirmation_message="Deploy to prod?")
            async def deploy(target: str) -> str:
                """Deploy the app."""
                return f"deployed {target}"

            def Agent():
                return h(Fragment, None, h(System, None, "You deploy."), h(deploy), h(Timeline))
            '''
        )
    )
    with serving("deployer.py", "--model", "test", cwd=tmp_path) as served:
        # the test model calls each tool once, then answers; the REPL ends at an empty line
        done = finished("run", "--remote", served.url, input="Deploy it\ny\n\n")
        assert done.returncode == 0, done.stderr
        assert done.stdout == (
            'you> → deploy({"target": "example"})\n'
            "Deploy to prod? [y/N] ← deploy: deployed example\n"
            "Tool results: deploy → deployed example\n"
            "you> "
        )
        served.stop()
    assert served.process.returncode == 0


def test_run_remote_takes_no_file() -> None:
    done = finished("run", "hello.px", "--remote", "http://127.0.0.1:9", "--model", "test")
    assert done.returncode == 2
    assert done.stderr == (
        "agentick: error: run --remote takes no FILE, --model: the agent and its model run on the server\n"
    )
    missing = finished("run")
    assert missing.returncode == 2
    assert missing.stderr == (
        "agentick: error: run needs FILE[:Component], or --remote URL to chat with an agentick server\n"
    )
