"""Adapters for providers whose SDK is an optional extra (`anthropic`, `gemini`).

Each module here imports its SDK at the top, so it is imported only when the provider is used:
through `agentick.models.anthropic(...)`/`gemini(...)`, which turn a missing extra into an
`ImportError` naming it (see `agentick.extras`).
"""
