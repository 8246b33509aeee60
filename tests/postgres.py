"""A real PostgreSQL server for tests and benchmarks, started from the installed binaries.

`postgres_server()` initialises a cluster in a temporary directory, starts it on a free port of
127.0.0.1 and yields a `PostgresServer` (its `url`, `restart()` for fault tests), stopping it and
removing the directory afterwards, also when the body fails. `initdb` refuses to run as root, so
as root the cluster belongs to the unprivileged `postgres` user and the binaries run through
`runuser`. `postgres_binaries()` finds them (`pg_config --bindir`, else the newest
/usr/lib/postgresql/*/bin) or returns None with the reason; the pytest fixture `postgres_url`
(tests/conftest.py) skips then, unless `AGENTICK_REQUIRE_POSTGRES=1` (CI) makes it fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REQUIRE_VARIABLE = "AGENTICK_REQUIRE_POSTGRES"
USER = "agentick"
SYSTEM_USER = "postgres"  # the unprivileged account the server runs as when we are root


def postgres_binaries() -> tuple[Path | None, str]:
    """The directory holding initdb, pg_ctl and postgres, or None and why not."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if found.returncode == 0 and found.stdout.strip():
            candidates.append(Path(found.stdout.strip()))

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())

    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for directory in candidates:
        if all((directory / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return directory, ""
    return None, (
        "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed: no pg_config --bindir "
        "and nothing in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One running test cluster: `url` to connect, `restart()` / `stop()` to fault it."""

    binaries: Path
    directory: Path
    port: int
    settings: Mapping[str, str] = field(default_factory=dict)
    running: bool = False

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _run(self, *arguments: str) -> None:
        command = [str(self.binaries / arguments[0]), *arguments[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SYSTEM_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr or done.stdout}")

    def initialise(self) -> None:
        self._run("initdb", "-D", str(self.directory / "data"), "-A", "trust", "-U", USER, "--no-sync")

    def start(self) -> None:
        options = [f"-p {self.port}", f"-k {self.directory}", "-c listen_addresses=127.0.0.1"]
        options += [f"-c {name}={value}" for name, value in self.settings.items()]
        log = str(self.directory / "server.log")
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-l", log, "-o", " ".join(options), "-w", "start")
        self.running = True

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "fast", "-w", "stop")
        self.running = False

    def restart(self) -> None:
        """Stop (closing every client connection) and start again on the same port."""
        self.stop()
        self.start()


@contextmanager
def postgres_server(settings: Mapping[str, str] | None = None) -> Iterator[PostgresServer]:
    """A fresh PostgreSQL cluster for the duration of the block (see the module docstring)."""
    binaries, reason = postgres_binaries()
    if binaries is None:
        raise RuntimeError(reason)
    directory = Path(tempfile.mkdtemp(prefix="agentick-pg-"))
    try:
        if os.geteuid() == 0:
            shutil.chown(directory, SYSTEM_USER, SYSTEM_USER)
        server = PostgresServer(binaries, directory, free_port(), settings or {})
        server.initialise()
        server.start()
        try:
            yield server
        finally:
            if server.running:
                server.stop()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
