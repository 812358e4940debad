"""The test suite: the README's test command, timed once from the repository root.

(Not named test_*.py, so that pytest never collects it.)
"""

import os
import re
import subprocess
import sys
import time

from .runs import progress
from .synth import QUIET_NODE, REPOSITORY
from .table import judged, seconds

COMMAND = ["-m", "pytest", "-n", "2"]
TARGET_SECONDS = 5 * 60
_SUMMARY = re.compile(r"=+ (.+) in [\d.]+s")


def measure():
    progress(f"test suite: python {' '.join(COMMAND)} (minutes)")
    start = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, *COMMAND], cwd=REPOSITORY, env={**os.environ, **QUIET_NODE}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    summaries = _SUMMARY.findall(finished.stdout)
    outcome = summaries[-1] if summaries else f"exit code {finished.returncode}"
    return [
        judged(
            f"Test suite, python {' '.join(COMMAND)}",
            f"{seconds(elapsed)} ({outcome})",
            f"< {TARGET_SECONDS // 60} min",
            elapsed < TARGET_SECONDS,
        )
    ]
