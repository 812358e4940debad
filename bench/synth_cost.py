"""Synth cost: the example app against an empty stack (the jsii floor) and against the same
resources written by hand with plain aws-cdk-lib, each synthesized in a fresh process."""

import tempfile
from pathlib import Path

from .runs import interleaved, median, paired_ratio
from .synth import python_app, read_template, synth
from .table import Row, judged, ratio, seconds

# name: (app, what the row calls it)
_VARIANTS = {
    "empty": ("bench.empty_app", "empty stack, the jsii floor"),
    "example": ("app.py", "example app.py as shipped, cdk-nag on"),
    "example-no-nag": ("bench.example_without_nag", "example app.py without cdk-nag"),
    "hand-written": ("bench.hand_written_app", "same resources hand-written"),
}
EMPTY_TARGET = 1.5
HAND_WRITTEN_TARGET = 1.1


def measure(runs: int) -> list[Row]:
    resources: dict[str, int] = {}

    def timed(name: str):
        app, _ = _VARIANTS[name]

        def run() -> float:
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as outdir:
                elapsed = synth(python_app(app), Path(outdir))
                resources[name] = len(read_template(Path(outdir)).get("Resources", {}))
            return elapsed

        return run

    samples = interleaved({name: timed(name) for name in _VARIANTS}, runs, what="synth cost")

    rows = [
        Row(f"Synth time: {label} ({resources[name]} resources)", seconds(median(samples[name])))
        for name, (_, label) in _VARIANTS.items()
    ]
    for numerator, denominator, target in (
        ("example", "empty", EMPTY_TARGET),
        ("example", "hand-written", HAND_WRITTEN_TARGET),
        ("example-no-nag", "empty", EMPTY_TARGET),
        ("example-no-nag", "hand-written", HAND_WRITTEN_TARGET),
    ):
        value = paired_ratio(samples, numerator, denominator)
        rows.append(
            judged(f"Synth time ratio: {numerator} / {denominator}", ratio(value), f"<= {target}x", value <= target)
        )
    return rows
