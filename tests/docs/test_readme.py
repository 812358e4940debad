"""The README's claims about the handler hold: it lists every log event the handler code emits."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
README = REPO_ROOT / "README.md"


def _emitted_events() -> set[str]:
    """The first argument of every ``log_job_event(...)`` call in lambda/."""
    events = set()
    for module in (REPO_ROOT / "lambda").glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(), filename=str(module))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "log_job_event":
                (event, *_) = node.args
                assert isinstance(event, ast.Constant) and isinstance(event.value, str), (
                    f"{module.name}:{node.lineno}: log_job_event's event must be a literal string to be documented"
                )
                events.add(event.value)
    return events


def _documented_events() -> set[str]:
    """The event names in the first column of the README's "Log events" table."""
    section = README.read_text().split("### Log events\n", 1)[1].split("\n#", 1)[0]
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


def test_the_handler_emits_log_events():
    # Guards the parse below: finding no call at all would make the next test pass vacuously.
    assert {"job_started", "job_completed", "job_failed"} <= _emitted_events()


def test_the_readme_lists_exactly_the_log_events_the_handler_emits():
    assert _documented_events() == _emitted_events()
