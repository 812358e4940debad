"""Repeated measurements that share the machine's noise: variants run interleaved, run by run,
so a busy moment slows every variant alike, and ratios are taken within a run."""

import statistics
import sys
from collections.abc import Callable, Mapping


def interleaved(variants: Mapping[str, Callable[[], float]], runs: int, *, what: str) -> dict[str, list[float]]:
    """Each variant's samples: one call per variant per run, the first variant rotating each run
    so that none always comes first (after an idle moment) or last.

    One untimed call of each variant comes first: the first jsii start after a while unpacks
    assemblies and fills the page cache, a cost no later call pays.
    """
    names = list(variants)
    for name in names:
        progress(f"{what}: warm-up, {name}")
        variants[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            progress(f"{what}: run {run + 1}/{runs}, {name}")
            samples[name].append(variants[name]())
    return samples


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def paired_ratio(samples: Mapping[str, list[float]], numerator: str, denominator: str) -> float:
    """The median over runs of numerator / denominator, each ratio taken within one run."""
    return statistics.median(a / b for a, b in zip(samples[numerator], samples[denominator], strict=True))


def progress(message: str) -> None:
    """What is running now, on stderr: stdout carries only the table."""
    print(f"  {message}", file=sys.stderr, flush=True)
