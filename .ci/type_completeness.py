"""Fails when less than 90% of the library's public interface has known types (pyright --verifytypes).

Types from other packages are ignored (--ignoreexternal): every jsii class (Construct, Duration,
IRole, IBucket...) has jsii's JSIIMeta metaclass, whose ``__new__(bases, attrs)`` and
``__call__(**kwargs)`` are not fully annotated, so pyright counts each of them, and every symbol of
ours that uses one, as partially unknown whatever we annotate.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = "personalize_batch_constructs"
THRESHOLD = 0.9
REPO_ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    # pyright finds the package on the interpreter's path: the checkout's, with its py.typed.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))}
    run = subprocess.run(
        ["pyright", "--verifytypes", PACKAGE, "--ignoreexternal", "--outputjson"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        report = json.loads(run.stdout)["typeCompleteness"]
    except (json.JSONDecodeError, KeyError):
        print(f"pyright --verifytypes gave no report (exit {run.returncode}):\n{run.stdout}{run.stderr}")
        return 1
    for symbol in report["symbols"]:
        for diagnostic in symbol["diagnostics"]:
            if diagnostic["severity"] == "error":
                print(f"{symbol['name']}: {diagnostic['message']}")
    score = report["completenessScore"]
    counts = report["exportedSymbolCounts"]
    print(
        f"{PACKAGE} type completeness: {score:.1%} ({counts['withKnownType']} of {sum(counts.values())} "
        f"exported symbols known; other packages' types ignored); at least {THRESHOLD:.0%} needed"
    )
    if not report.get("pyTypedPath"):
        print(f"{PACKAGE} has no py.typed marker")
        return 1
    return 0 if score >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
