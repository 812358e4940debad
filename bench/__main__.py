"""python -m bench [--runs N] [--baseline DIR] [--skip-synth] [--skip-upload] [--skip-scale] [--skip-handler]
    [--skip-waiting] [--skip-queue] [--skip-results] [--skip-suite]

Prints the machine, then one table: metric, value, target, verdict. Progress goes to stderr.
"""

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from . import (
    handler_cost,
    large_input_deploy,
    machine,
    queue,
    results_check,
    scale,
    suite_time,
    synth_cost,
    upload_cost,
    waiting,
)
from .synth import QUIET_NODE
from .table import Row, render


def _ignoring_baseline(measure: Callable[[int], list[Row]]) -> Callable[[int, Path | None], list[Row]]:
    return lambda runs, _baseline: measure(runs)


# name: (what it measures, how: (runs, baseline checkout or None) -> rows); waiting and the suite are
# measured once (see their modules).
PARTS = {
    "synth": ("synth cost of the example app, an empty stack and a hand-written one", synth_cost.measure),
    "upload": (
        "what a first deploy uploads besides the input, Lambda functions, a 1 GB input's synth",
        upload_cost.measure,
    ),
    "large-deploy": (
        "a 1 GB input file deployed on the lifecycle test bed (writes 1 GB to a temp folder, minutes)",
        lambda _runs, _baseline: large_input_deploy.measure(),
    ),
    "scale": (
        "1 to 100 jobs in a stack, and the most that fit, with 1-hour and 12-hour timeouts",
        _ignoring_baseline(scale.measure),
    ),
    "handler": ("handler asset size and cold import", _ignoring_baseline(handler_cost.measure)),
    "waiting": (
        "deploy lag, Describe calls and wait extensions on the emulator (virtual clock), 10 min to 11 h jobs",
        lambda _runs, _baseline: waiting.measure(),
    ),
    "queue": (
        "many jobs in one stack and jobs waiting for slots taken outside it, on the emulator (virtual clock)",
        lambda _runs, _baseline: queue.measure(),
    ),
    "results": (
        "the results check's throughput and memory on moto S3, and 50 million records extrapolated",
        _ignoring_baseline(results_check.measure),
    ),
    "suite": ("the test suite, python -m pytest -n 2 (several minutes)", lambda _runs, _baseline: suite_time.measure()),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of personalize-batch-constructs.")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs per variant; the table shows medians (default 3)"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="a checkout of another commit: its synth and upload figures side by side with this one's",
    )
    for name, (what, _) in PARTS.items():
        parser.add_argument(f"--skip-{name}", action="store_true", help=f"skip {what}")
    arguments = parser.parse_args()
    if arguments.runs < 1:
        parser.error("--runs must be at least 1")
    # The apps run in subprocesses, which inherit this; the banner would only add noise.
    os.environ.update(QUIET_NODE)

    rows = []
    for name, (_, run) in PARTS.items():
        if not getattr(arguments, f"skip_{name.replace('-', '_')}"):
            rows.extend(run(arguments.runs, arguments.baseline))
    print("\n".join(machine.describe()))
    print(
        f"Runs: {arguments.runs} per variant, variants interleaved; "
        "timings are medians, ratios the median of per-run ratios."
    )
    print()
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
