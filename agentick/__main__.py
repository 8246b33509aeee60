"""`python -m agentick` — the same as the `agentick` command."""

from .cli import main

raise SystemExit(main())
