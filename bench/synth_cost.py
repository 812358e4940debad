"""Synth cost: the example app against an empty stack (the jsii floor) and against the same
resources written by hand with plain aws-cdk-lib, each synthesized in a fresh process."""

import tempfile
from pathlib import Path

from .runs import interleaved, median, paired_ratio
from .synth import REPOSITORY, python_app, read_template, synth
from .table import Row, judged, ratio, seconds

# name: (app, what the row calls it)
_VARIANTS = {
    "empty": ("bench.empty_app", "empty stack, the jsii floor"),
    "example": ("app.py", "example app.py as shipped, cdk-nag on"),
    "example-no-nag": ("bench.example_without_nag", "example app.py without cdk-nag"),
    "hand-written": ("bench.hand_written_app", "same resources hand-written"),
}
EMPTY_TARGET = 1.5
EXAMPLE_TARGET = 1.35
"""Issue 11: the example app, as shipped, at most 1.35x an empty stack."""
HAND_WRITTEN_TARGET = 1.1


BASELINE_VARIANT = ("app.py", "example app.py of the baseline checkout, cdk-nag on")


def measure(runs: int, baseline: Path | None = None) -> list[Row]:
    resources: dict[str, int] = {}
    variants = {**_VARIANTS, **({"baseline-example": BASELINE_VARIANT} if baseline else {})}

    def timed(name: str):
        app, _ = variants[name]
        checkout = baseline if name.startswith("baseline-") and baseline else REPOSITORY

        def run() -> float:
            with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as outdir:
                elapsed = synth(python_app(app), Path(outdir), checkout=checkout)
                resources[name] = len(read_template(Path(outdir)).get("Resources", {}))
            return elapsed

        return run

    samples = interleaved({name: timed(name) for name in variants}, runs, what="synth cost")

    rows = [
        Row(f"Synth time: {label} ({resources[name]} resources)", seconds(median(samples[name])))
        for name, (_, label) in variants.items()
    ]
    comparisons = [("baseline-example", "empty", EXAMPLE_TARGET)] if baseline else []
    for numerator, denominator, target in (
        *comparisons,
        ("example", "empty", EXAMPLE_TARGET),
        ("example", "hand-written", HAND_WRITTEN_TARGET),
        ("example-no-nag", "empty", EMPTY_TARGET),
        ("example-no-nag", "hand-written", HAND_WRITTEN_TARGET),
    ):
        value = paired_ratio(samples, numerator, denominator)
        rows.append(
            judged(f"Synth time ratio: {numerator} / {denominator}", ratio(value), f"<= {target}x", value <= target)
        )
    # What plain aws-cdk-lib costs for the example's resources: below this, example / empty can
    # only go by dropping resources from the example, not by work in the library.
    floor = paired_ratio(samples, "hand-written", "empty")
    rows.append(Row("Synth time ratio: hand-written / empty (plain aws-cdk-lib's floor)", ratio(floor)))
    return rows
