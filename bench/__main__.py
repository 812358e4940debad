"""python -m bench [--runs N] [--skip-synth] [--skip-scale] [--skip-handler] [--skip-waiting] [--skip-results]
[--skip-suite]

Prints the machine, then one table: metric, value, target, verdict. Progress goes to stderr.
"""

import argparse
import os
import sys

from . import handler_cost, machine, results_check, scale, suite_time, synth_cost, waiting
from .synth import QUIET_NODE
from .table import render

# name: (what it measures, how: runs -> rows); waiting and the suite are measured once (see their modules).
PARTS = {
    "synth": ("synth cost of the example app, an empty stack and a hand-written one", synth_cost.measure),
    "scale": ("1 to 100 jobs in a stack, and the most that fit, with 1-hour and 12-hour timeouts", scale.measure),
    "handler": ("handler asset size and cold import", handler_cost.measure),
    "waiting": (
        "deploy lag, Describe calls and wait segments on the emulator (virtual clock), 10 min to 11 h jobs",
        lambda _runs: waiting.measure(),
    ),
    "results": (
        "the results check's throughput and memory on moto S3, and 50 million records extrapolated",
        results_check.measure,
    ),
    "suite": ("the test suite, python -m pytest -n 2 (several minutes)", lambda _runs: suite_time.measure()),
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Benchmarks of personalize-batch-constructs.")
    parser.add_argument(
        "--runs", type=int, default=3, help="timed runs per variant; the table shows medians (default 3)"
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
        if not getattr(arguments, f"skip_{name}"):
            rows.extend(run(arguments.runs))
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
