"""The one table the benchmark prints: metric, value, target, verdict."""

from dataclasses import dataclass

HOLDS = "holds"
MISSES = "misses"
INFO = "info"
"""The verdict of a row that has no target: context for the rows that do."""


@dataclass(frozen=True)
class Row:
    metric: str
    value: str
    target: str = "-"
    verdict: str = INFO


def judged(metric: str, value: str, target: str, holds: bool) -> Row:
    return Row(metric, value, target, HOLDS if holds else MISSES)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 60 else f"{int(value // 60)} min {value % 60:04.1f} s"


def milliseconds(value: float) -> str:
    return f"{value * 1000:.0f} ms"


def ratio(value: float) -> str:
    return f"{value:.2f}x"


def render(rows: list[Row]) -> str:
    """A Markdown table, readable as plain text and pasted as is into docs/benchmarks.md."""
    header = Row("metric", "value", "target", "verdict")
    cells = [[row.metric, row.value, row.target, row.verdict] for row in (header, *rows)]
    widths = [max(len(line[column]) for line in cells) for column in range(4)]

    def line(values: list[str]) -> str:
        return "| " + " | ".join(value.ljust(width) for value, width in zip(values, widths, strict=False)) + " |"

    return "\n".join([line(cells[0]), line(["-" * width for width in widths]), *(line(values) for values in cells[1:])])
