"""`import agentick_jsx.auto` installs the JSX import hook and codec (the same as `agentick_jsx.install()`)."""

from . import install

install()
