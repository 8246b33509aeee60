"""The compile loop: when the pass cap is hit, a warning names what kept the tree changing."""

from __future__ import annotations

import logging
from typing import Any

from agentick import System, compile_element, h, use_after_compile, use_effect, use_state

TAIL = (
    "; the model gets the last pass. A component probably updates state on every render or in an effect "
    "without dependencies, or an after-compile hook requests a recompile every time: make the update conditional"
)


def Ticker() -> Any:
    count, set_count = use_state(0)
    use_effect(lambda: set_count(count + 1))  # no dependencies: every pass schedules another
    return h(System, None, f"count {count}")


def warnings_of(caplog: Any) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "agentick"]


def test_hitting_the_pass_cap_warns_once_naming_the_components_that_kept_updating(caplog):
    def Agent() -> Any:
        return [h(Ticker), h(System, None, "steady")]

    with caplog.at_level(logging.WARNING, logger="agentick"):
        compiled = compile_element(h(Agent))

    assert (compiled.iterations, compiled.system) == (50, "count 49\n\nsteady")
    assert warnings_of(caplog) == [
        "the tree was still changing after 50 compile passes (state updates in Agent > Ticker)" + TAIL
    ]


def test_a_recompile_requested_on_every_pass_is_named_too(caplog):
    def Agent() -> Any:
        use_after_compile(lambda compiled, com: com.request_recompile())
        return h(System, None, "steady")

    with caplog.at_level(logging.WARNING, logger="agentick"):
        compiled = compile_element(h(Agent))

    assert compiled.iterations == 50
    assert warnings_of(caplog) == [
        "the tree was still changing after 50 compile passes (com.request_recompile() on every pass)" + TAIL
    ]


def test_a_tree_that_settles_logs_nothing(caplog):
    def Agent() -> Any:
        count, set_count = use_state(0)
        use_effect(lambda: set_count(min(count + 1, 3)))
        return h(System, None, f"count {count}")

    with caplog.at_level(logging.WARNING, logger="agentick"):
        compiled = compile_element(h(Agent))

    assert (compiled.iterations, compiled.system, warnings_of(caplog)) == (4, "count 3", [])
