"""The `agentick` command: run an agent, show what the model would receive, transpile JSX.

    agentick run FILE[:Component] [-m MESSAGE] [--model PROVIDER:MODEL] [--base-url URL]
    agentick run --remote URL [--token TOKEN] [--session ID] [-m MESSAGE]
    agentick serve FILE[:Component] [--host 127.0.0.1] [--port 8000] [--store URL] [--workers N]
                   [--token TOKEN] [--model NAME] [--lease-ttl S] [--lease-wait S] [--insecure]
    agentick compile FILE[:Component] [-m MESSAGE]
    agentick transpile FILE
    agentick check [PATH ...] [--checker mypy|pyright] [--ruff]
    agentick devtools [--port PORT] [--host HOST]
    agentick --version

`Component` defaults to `Agent`; `FILE` may leave out its suffix (`tutor` finds `tutor.px`, then
`tutor.pyx`, then `tutor.py`). `--model` takes a model string (`anthropic:claude-sonnet-4-5`, see
`agentick.models.infer`); `--model test` runs offline with a scripted model that calls each tool
once and then answers; without `--model`, an OpenAI-compatible endpoint is configured from
`OPENAI_API_KEY` / `OPENAI_BASE_URL`.

`serve` serves the agent over HTTP (docs/serving.md): the first line of stdout is its URL, and
SIGINT/SIGTERM stop it. `FILE:name` may name an `App` (its tools, store and options are kept).
`run --remote URL` chats with such a server instead of a local agent (no FILE then).

`run --devtools` serves the DevTools page of the agent in-process and prints its URL ("DevTools:
URL", on stderr) before the chat; it opens no browser (the command may run on a machine without
one, or over SSH). `devtools` runs a standalone DevTools server: its URL is the first line of
stdout, and apps in other processes send their records to it with `AGENTICK_DEVTOOLS=URL`. Both
need the `serve` extra.

An error is printed as one line, `agentick: error: FILE:LINE: Type: message`, where FILE:LINE is the
innermost line of the user's own code involved; `--traceback` prints the whole trace first.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import json
import logging
import os
import sys
import types
from collections.abc import Awaitable, Callable, Generator, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO, cast

import anyio

from .cli_errors import describe
from .models.infer import split_model_string

__all__ = ["main"]

DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
AGENT_SUFFIXES = (".px", ".pyx", ".py")


class UsageError(Exception):
    """A mistake on the command line: printed without a location, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    with _warnings_shown():
        try:
            if args.command == "transpile":
                return _transpile(args)
            if args.command == "check":
                from .check import run as check

                return check(args)
            if args.command == "devtools":
                return _devtools(args)
            if args.command == "serve":
                return _serve(args)
            if args.command == "run" and args.remote is not None:
                _check_remote(args)
                return anyio.run(_run_remote, args)
            if args.target is None:
                raise UsageError("run needs FILE[:Component], or --remote URL to chat with an agentick server")
            target = _load(args.target)
            if args.command == "compile":
                return anyio.run(_compile, target, args)
            return anyio.run(_run, target, args)
        except KeyboardInterrupt:
            return 130
        except Exception as error:
            if args.traceback:
                import traceback

                traceback.print_exception(error, file=sys.stderr)
            if isinstance(error, UsageError):
                print(f"agentick: error: {error}", file=sys.stderr)
                return 2
            print(f"agentick: error: {describe(error, base_url=_base_url(args))}", file=sys.stderr)
            return 1


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"agentick: {record.levelname.lower()}: {record.getMessage()}"


@contextlib.contextmanager
def _warnings_shown() -> Generator[None, None, None]:
    """Print the library's warnings (a missing <Timeline />, ...) as `agentick: warning: ...` lines
    on the current stderr while the command runs, unless the `agentick` logger has handlers of its
    own. The handler is removed afterwards: `main()` called in-process (a test, a script) leaves
    logging as it found it."""
    logger = logging.getLogger("agentick")
    if logger.handlers:
        yield
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLine())
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentick", description="Run and inspect agentick agents.")
    parser.add_argument("--version", action="version", version=f"agentick {metadata.version('agentick')}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", help="print the full trace of an error")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", parents=[common], help="chat with an agent (a REPL unless -m is given)")
    compile_ = commands.add_parser(
        "compile", parents=[common], help="print exactly what the model would receive, with token counts"
    )
    for command in (run, compile_):
        command.add_argument(
            "target",
            metavar="FILE[:Component]",
            nargs="?" if command is run else None,
            help="a .px, .pyx or .py file (the suffix may be left out); Component defaults to Agent"
            + ("; left out with --remote" if command is run else ""),
        )
        command.add_argument("-m", "--message", action="append", help="a user message (repeatable)")
        command.add_argument("--props", default=None, help="component props as a JSON object")
    run.add_argument(
        "--model",
        help="provider:model (openai:gpt-4o, anthropic:claude-sonnet-4-5, gemini:gemini-2.5-flash), a bare name "
        "for the OpenAI endpoint, or 'test' for the offline test model",
    )
    run.add_argument(
        "--base-url", help="the model's server (for OpenAI models an OpenAI-compatible one; default: OPENAI_BASE_URL)"
    )
    run.add_argument("--max-ticks", type=int, default=10, help="the most model calls per message (default 10)")
    run.add_argument(
        "--devtools", action="store_true", help="serve the DevTools page of this agent and print its URL (extra serve)"
    )
    run.add_argument("--remote", metavar="URL", help="chat with the agent of an agentick server (agentick serve)")
    run.add_argument("--token", help="the --remote server's bearer token (default: AGENTICK_TOKEN)")
    run.add_argument("--session", metavar="ID", help="continue this session of the --remote server")
    _add_serve(commands, common)
    transpile = commands.add_parser("transpile", parents=[common], help="print the Python a JSX file transpiles to")
    transpile.add_argument("file", help="a .px or .pyx file (the suffix may be left out)")
    check = commands.add_parser(
        "check", parents=[common], help="type-check .px/.pyx files (and the .py files beside them) with mypy or pyright"
    )
    from .check import add_arguments

    add_arguments(check)
    devtools = commands.add_parser(
        "devtools", parents=[common], help="run a standalone DevTools server and print its URL (extra serve)"
    )
    devtools.add_argument("--port", type=int, default=0, help="the port to listen on (default 0: a free port)")
    devtools.add_argument(
        "--host", default="127.0.0.1", help="the loopback address to listen on: 127.0.0.1 (default), localhost or ::1"
    )
    return parser


def _add_serve(commands: Any, common: argparse.ArgumentParser) -> None:
    serve = commands.add_parser("serve", parents=[common], help="serve an agent over HTTP (extra serve)")
    serve.add_argument(
        "target",
        metavar="FILE[:Component]",
        help="a .px, .pyx or .py file and the component (default Agent) or App in it to serve",
    )
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default 8000; 0: a free port)")
    serve.add_argument(
        "--store", metavar="URL", help="the session store: a SQLite path, sqlite:///..., postgresql://..."
    )
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (default 1; more need a store with leases: PostgreSQL)"
    )
    serve.add_argument("--token", help="the bearer token every request must carry (default: AGENTICK_TOKEN)")
    serve.add_argument("--model", help="as for run: provider:model, a bare OpenAI name, or 'test' (offline)")
    serve.add_argument("--base-url", help="the model's server, as for run")
    serve.add_argument("--max-ticks", type=int, default=10, help="the most model calls per message (default 10)")
    serve.add_argument(
        "--lease-ttl",
        type=float,
        help="seconds a lease on a session lasts unrenewed (default 30; --store postgresql://... only)",
    )
    serve.add_argument(
        "--lease-wait",
        type=float,
        help="seconds a send waits for a leased session (default 10; --store postgresql://... only)",
    )
    serve.add_argument(
        "--insecure", action="store_true", help="allow a non-loopback --host without a token (behind your own auth)"
    )


# --- loading ------------------------------------------------------------------------------------


def _load(target: str) -> Any:
    """The component named by `FILE[:Component]`."""
    path_text, _, name = target.partition(":")
    if len(path_text) == 1 and name and name[0] in "\\/":  # a Windows drive letter, not a component
        path_text, _, name = target.rpartition(":")
    path = _find(path_text)
    import agentick_jsx
    from agentick_jsx.loader import JSXLoader

    agentick_jsx.install()
    directory = str(path.resolve().parent)
    module_name = _module_name(path.stem, directory)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    loader: Any
    if path.suffix in (".px", ".pyx"):
        loader = JSXLoader(module_name, str(path.resolve()))
    else:
        loader = importlib.machinery.SourceFileLoader(module_name, str(path.resolve()))
    spec = importlib.util.spec_from_file_location(module_name, str(path.resolve()), loader=loader)
    if spec is None:
        raise UsageError(f"{path_text}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    loader.exec_module(module)
    component_name = name or "Agent"
    component = getattr(module, component_name, None)
    if component is None:
        found = sorted(  # the file's own components, not the ones it imports
            n
            for n, v in vars(module).items()
            if callable(v) and n[:1].isupper() and getattr(v, "__module__", None) == module_name
        )
        raise UsageError(
            f"{path} has no component {component_name!r} (components defined there: {', '.join(found) or 'none'})"
        )
    return component


def _module_name(stem: str, directory: str) -> str:
    """The name the agent file is loaded under: its stem, unless a module of that name exists
    elsewhere (`mcp.px` beside the installed `mcp` package). The file is the program, not a library,
    so it must not shadow that module: it gets a private name, and `import stem` keeps finding the
    installed module although the file's directory comes first on `sys.path`."""
    if (
        stem not in sys.modules
        and stem not in sys.builtin_module_names
        and _InstalledFirst.spec(stem, directory) is None
    ):
        return stem
    if stem not in sys.modules and not any(
        isinstance(finder, _InstalledFirst) and finder.name == stem for finder in sys.meta_path
    ):
        sys.meta_path.insert(0, _InstalledFirst(stem, directory))
    return f"_agentick_agent_{stem}"


class _InstalledFirst(importlib.abc.MetaPathFinder):
    """Finds the top-level module `name` on `sys.path` without looking in `directory` (the agent
    file's, which holds a `.px` of the same name)."""

    def __init__(self, name: str, directory: str) -> None:
        self.name = name
        self.directory = directory

    @staticmethod
    def spec(name: str, directory: str) -> importlib.machinery.ModuleSpec | None:
        elsewhere = [entry for entry in sys.path if os.path.realpath(entry or os.curdir) != directory]
        return importlib.machinery.PathFinder.find_spec(name, elsewhere)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        return self.spec(fullname, self.directory) if fullname == self.name and path is None else None


def _find(path_text: str) -> Path:
    """The agent file `path_text` names: the path itself, else (without a known suffix) the path with
    `.px`, `.pyx` or `.py` added."""
    path = Path(path_text)
    tried = [path]
    if path.suffix not in AGENT_SUFFIXES:
        tried += [path.with_name(path.name + suffix) for suffix in AGENT_SUFFIXES]
    for candidate in tried:
        if candidate.is_file():
            return candidate
    where = "" if path.is_absolute() else f" in {Path.cwd()}"
    if len(tried) == 1:
        raise UsageError(f"{path_text}: no such file{where}")
    raise UsageError(f"{path_text}: no such file; tried {', '.join(map(str, tried))}{where}")


def _props(args: argparse.Namespace) -> dict[str, Any]:
    if not args.props:
        return {}
    try:
        props = json.loads(args.props)
    except json.JSONDecodeError as error:
        raise UsageError(f"--props is not valid JSON: {error}") from error
    if not isinstance(props, dict):
        raise UsageError("--props must be a JSON object")
    return cast("dict[str, Any]", props)


def _model(args: argparse.Namespace) -> Any:
    """The model `--model` names (a `provider:model` string, see `agentick.models.infer`), with
    `--base-url` as its server; without `--model`, the OpenAI-compatible endpoint the environment sets."""
    from .models import infer

    spec: str | None = args.model
    try:
        provider, name = ("openai", DEFAULT_OPENAI_MODEL) if spec is None else split_model_string(spec)
    except ValueError as error:
        raise UsageError(f"--model {spec}: {error}") from error
    if provider == "test":
        return infer("test")
    if spec is not None and provider != "openai":  # the SDK reads the provider's own key (ANTHROPIC_API_KEY, ...)
        return infer(spec, **({"base_url": args.base_url} if args.base_url else {}))
    api_key = os.environ.get("OPENAI_API_KEY")
    base_url = _base_url(args)
    if spec is None and not (api_key or base_url):
        raise UsageError(
            "no model configured: set OPENAI_API_KEY (and optionally OPENAI_BASE_URL for another "
            "OpenAI-compatible server), pass --base-url, or use --model test to run offline"
        )
    if api_key is None and base_url is None:
        raise UsageError(f"--model {spec} needs OPENAI_API_KEY (or --base-url for a local server)")
    return infer(f"openai:{name}", api_key=api_key or "unused", base_url=base_url)


def _base_url(args: argparse.Namespace) -> str | None:
    """The server address of the model: `--base-url`, else `OPENAI_BASE_URL` for an OpenAI model."""
    given: str | None = getattr(args, "base_url", None)
    model = getattr(args, "model", None)
    if given or model is None:
        return given or os.environ.get("OPENAI_BASE_URL")
    try:
        provider = split_model_string(model)[0]
    except ValueError:
        return None
    return os.environ.get("OPENAI_BASE_URL") if provider == "openai" else None


# --- commands -----------------------------------------------------------------------------------


def _transpile(args: argparse.Namespace) -> int:
    from agentick_jsx.loader import transpile_file

    path = _find(args.file)
    sys.stdout.write(transpile_file(str(path)))  # decoded like an import (coding cookie, BOM)
    return 0


async def _compile(component: Any, args: argparse.Namespace) -> int:
    from .engine.lint import lint
    from .testing import compile_agent
    from .tokens import TokenCounter

    messages: list[dict[str, Any]] = [
        {"role": "user", "content": text} for text in cast("list[str]", args.message or [])
    ]
    compiled = await compile_agent(component, props=_props(args), messages=messages)
    lint(compiled, component=component, has_messages=bool(messages), root=None, warned=set())
    tokens = TokenCounter()
    out = sys.stdout
    if compiled.system is not None:
        _heading(out, f"system ({tokens.count(compiled.system)} tokens)")
        out.write(compiled.system + "\n")
    for section_id, body in compiled.sections.items():
        _heading(out, f"section {section_id} ({tokens.count(body)} tokens)")
        out.write(body + "\n")
    _heading(out, f"messages ({len(compiled.messages)})")
    for message in compiled.messages:
        out.write(f"[{message.role}] ({tokens.count_message(message)} tokens)\n")
        out.write(_describe(message) + "\n")
    _heading(out, f"tools ({len(compiled.tools)})")
    for definition in compiled.tools:
        out.write(f"{definition.name} ({tokens.count_tools([definition])} tokens): {definition.description}\n")
        out.write("  " + json.dumps(definition.input_schema) + "\n")
    if compiled.model_options:
        _heading(out, "model options")
        out.write(json.dumps(compiled.model_options, default=str) + "\n")
    out.write(f"\ntotal: {compiled.token_count} tokens\n")
    return 0


def _devtools(args: argparse.Namespace) -> int:
    from .devtools.runner import DevToolsServer

    try:
        server = DevToolsServer(host=args.host, port=args.port)
    except ValueError as error:  # a host that is not loopback
        raise UsageError(str(error)) from None
    print(server.url, flush=True)
    print(
        "agentick: DevTools is serving; open the URL above, and run apps with AGENTICK_DEVTOOLS=<URL> "
        "(or create_app(..., devtools=<URL>)). Ctrl-C stops it.",
        file=sys.stderr,
        flush=True,
    )
    server.run()
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .serve.app import TOKEN_ENVIRONMENT_VARIABLE, build
    from .serve.runner import LOOPBACK_HOSTS, serve
    from .serve.worker import CONFIG_VARIABLE

    token: str | None = args.token or os.environ.get(TOKEN_ENVIRONMENT_VARIABLE) or None
    if args.host not in LOOPBACK_HOSTS and token is None and not args.insecure:
        raise UsageError(
            f"--host {args.host} accepts requests from other machines: give a --token (or set "
            f"{TOKEN_ENVIRONMENT_VARIABLE}), or pass --insecure when something in front of the server checks them"
        )
    if args.workers < 1:
        raise UsageError(f"--workers must be at least 1, not {args.workers}")
    app = serve_app(args)
    if args.workers > 1:
        # API.md §16: leases, and saves that never overwrite a newer revision
        shared = app.store_leases and app.store_saves_revisions
        anyio.run(app.close)  # each worker process builds its own app
        if not shared:
            raise UsageError(
                f"--workers {args.workers} needs a store that several processes can share, with lease() and "
                "save(..., expected_revision=) (--store postgresql://...); SQLite and memory stores serve one process"
            )
        options = {name: getattr(args, name) for name in SERVE_OPTIONS}
        os.environ[CONFIG_VARIABLE] = json.dumps({**options, "target": args.target, "token": token})
        serve("agentick.serve.worker:application", host=args.host, port=args.port, workers=args.workers)
        return 0
    serve(build(app, token, trusted_roles=False, close_app=True), host=args.host, port=args.port)
    return 0


# The options a worker process of `serve --workers N` builds its app from (serve/worker.py).
SERVE_OPTIONS = ("store", "model", "base_url", "max_ticks", "lease_ttl", "lease_wait")


def serve_app(args: argparse.Namespace) -> Any:
    """The `App` `agentick serve` serves: the one `FILE:name` names (with `--store` and `--model`
    when given), or a new one for the component it names."""
    from .engine import App, create_app

    target = _load(args.target)
    if not args.store:
        _refuse_lease_flags(args, "no --store was given; an App's own store keeps its own settings")
    store = _serve_store(args) if args.store else None
    if not isinstance(target, App):
        app = create_app(target, model=_model(args), max_ticks=args.max_ticks)
    else:
        app = target
        if store is not None and app.store is not None:
            raise UsageError(
                f"{args.target} is an App with a store of its own; leave out --store (or create the App without one)"
            )
        if args.model is not None:
            app.model = _model(args)
    if store is not None:  # made here from --store: closed with the app, like a store it made itself
        app.use_store(store, owned=True)
    return app


def _serve_store(args: argparse.Namespace) -> Any:
    """The store `--store` names; a PostgreSQL one gets `--lease-ttl` and `--lease-wait`, which
    no other store takes (a usage error rather than flags silently ignored)."""
    from .stores import PostgresStore, store_from

    scheme = args.store.partition("://")[0].lower() if "://" in args.store else ""
    lease_options = {name: value for name in ("lease_ttl", "lease_wait") if (value := getattr(args, name)) is not None}
    try:
        if scheme in ("postgresql", "postgres"):
            return PostgresStore(args.store, **lease_options)
        _refuse_lease_flags(args, f"--store {args.store} has no leases")
        return store_from(args.store)
    except ValueError as error:
        raise UsageError(f"--store: {error}") from None


def _refuse_lease_flags(args: argparse.Namespace, why: str) -> None:
    """A usage error naming `--lease-ttl` / `--lease-wait` when given for a store they cannot apply to."""
    flags = (("--lease-ttl", "lease_ttl"), ("--lease-wait", "lease_wait"))
    given = [flag for flag, name in flags if getattr(args, name) is not None]
    if given:
        raise UsageError(f"{' and '.join(given)}: only for a store made with --store postgresql://... ({why})")


def _check_remote(args: argparse.Namespace) -> None:
    local = [
        flag
        for flag, given in (
            ("FILE", args.target is not None),
            ("--model", args.model is not None),
            ("--base-url", args.base_url is not None),
            ("--props", args.props is not None),
            ("--devtools", args.devtools),
        )
        if given
    ]
    if local:
        raise UsageError(f"run --remote takes no {', '.join(local)}: the agent and its model run on the server")


async def _run_remote(args: argparse.Namespace) -> int:
    from .client import Client

    async with Client(args.remote, token=args.token) as client:
        session_id = await client.session(args.session)
        print(f"agentick: session {session_id} on {args.remote}", file=sys.stderr, flush=True)
        return await _chat(args, functools.partial(_remote_exchange, client, session_id))


async def _chat(args: argparse.Namespace, exchange: Callable[[str], Awaitable[None]]) -> int:
    """The `-m` messages in turn, else a REPL until an empty line or end of input (local or remote)."""
    if args.message:
        for text in args.message:
            await exchange(text)
        return 0
    print("agentick: type a message, or an empty line / Ctrl-D to quit", file=sys.stderr)
    while True:
        try:
            text = await anyio.to_thread.run_sync(input, "you> ")
        except EOFError:
            break
        if not text.strip():
            break
        await exchange(text)
    return 0


async def _remote_exchange(client: Any, session_id: str, text: str) -> None:
    """`_exchange` through a server: the same output, from the events' JSON."""
    out = sys.stdout
    execution = client.send(session_id, text)
    streaming = False
    async with contextlib.aclosing(aiter(execution)) as events:
        async for event in events:
            if event["type"] == "tool_confirmation_required":
                approved = await anyio.to_thread.run_sync(_confirm, event["message"])
                await client.submit_tool_result(session_id, event["call_id"], approved=approved)
            elif event["type"] in PRINTED_EVENTS:
                streaming = _print_event(out, event, streaming)
    await execution.result


async def _run(component: Any, args: argparse.Namespace) -> int:
    from .engine import create_app

    # without --devtools, AGENTICK_DEVTOOLS (a standalone server's URL) still applies
    async with create_app(
        component, model=_model(args), max_ticks=args.max_ticks, devtools=True if args.devtools else None
    ) as app:
        if args.devtools:
            print(f"DevTools: {app.devtools_url}", file=sys.stderr, flush=True)
        session = await app.session()
        props = _props(args)
        return await _chat(args, lambda text: _exchange(session, text, props))


async def _exchange(session: Any, text: str, props: dict[str, Any]) -> None:
    """Send one message and print the answer as it streams, with tool calls as they happen."""
    out, err = sys.stdout, sys.stderr
    handle = await session.send(text, props=props)
    streaming = False
    async for event in handle:
        kind = event.type
        if kind == "model_request" and err.isatty():
            err.write("… thinking\r")
            err.flush()
        elif kind == "tool_confirmation_required":
            approved = await anyio.to_thread.run_sync(_confirm, event.message)
            handle.submit_tool_result(event.call_id, approved=approved)
        elif kind in PRINTED_EVENTS:  # as JSON, the form a server streams (run --remote prints the same)
            streaming = _print_event(out, event.model_dump(mode="json"), streaming)
    await handle.result


# The events `run` prints (the answer's text as it streams, tool calls and their results).
PRINTED_EVENTS = frozenset({"content_delta", "message_end", "tool_call", "tool_result"})


def _print_event(out: TextIO, event: dict[str, Any], streaming: bool) -> bool:
    """Print one of PRINTED_EVENTS (an event's JSON); returns whether an answer's text is mid-line."""
    kind = event["type"]
    if kind == "content_delta" and event.get("block_type") == "text":
        out.write(event["delta"])
        out.flush()
        return True
    if kind == "message_end" and streaming:
        out.write("\n")
        return False
    if kind == "tool_call":
        out.write(f"→ {event['name']}({json.dumps(event['input'], ensure_ascii=False)})\n")
    elif kind == "tool_result":
        text_result = "".join(block.get("text", "") for block in event["content"])
        out.write(f"{'✗' if event.get('is_error') else '←'} {event['name']}: {text_result[:300]}\n")
    return streaming


def _confirm(message: str) -> bool:
    try:
        return input(f"{message} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def _heading(out: TextIO, title: str) -> None:
    out.write(f"\n=== {title} ===\n")


def _describe(message: Any) -> str:
    parts: list[str] = []
    for block in message.content:
        if block.type == "text":
            parts.append(block.text)
        elif block.type == "tool_use":
            parts.append(f"→ {block.name}({json.dumps(block.input, ensure_ascii=False)}) [{block.tool_use_id}]")
        elif block.type == "tool_result":
            inner = "".join(getattr(item, "text", "") for item in block.content)
            parts.append(f"← {block.name} [{block.tool_use_id}]{' error' if block.is_error else ''}: {inner}")
        else:
            parts.append(f"[{block.type}]")
    return "\n".join(parts)


if __name__ == "__main__":
    raise SystemExit(main())
