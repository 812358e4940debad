"""The README shows the demo's whole output as the demo prints it."""

from pathlib import Path

from . import demo

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK_START = "This is its whole output:\n\n```\n"


def _readme_demo_block() -> str:
    after = README.read_text().split(_BLOCK_START, 1)[1]
    return after.split("```\n", 1)[0]


def test_the_readme_shows_exactly_what_the_demo_prints(capfd):
    assert demo.main([]) == 0
    assert capfd.readouterr().out == _readme_demo_block()
