"""integ-runner as this repository runs it: the pinned npm package, the Python preset on
tests/integ, and an environment without AWS credentials for the offline snapshot runs.

The test suite compares the committed snapshots (``test_snapshots.py``);
``python -m tests.integ.runner_command --update`` (what ``scripts/update-integ-snapshots`` runs)
rewrites those of the integ files whose template changed, without deploying anything.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

INTEG_RUNNER = "@aws-cdk/integ-runner@2.197.10"
"""The newest integ-runner published; it reads cloud assembly schema 53 at most, see
``job_under_test.INTEG_RUNNER_SCHEMA``."""
INTEG_DIR = Path(__file__).resolve().parent
REPO_ROOT = INTEG_DIR.parents[1]
SOLUTION_VERSION_VARIABLES = "PERSONALIZE_BATCH_INTEG_"
"""The start of the integ apps' solution version variables (``..._SOLUTION_VERSION_ARN``,
``..._SEGMENTATION_VERSION_ARN``)."""
UPDATE_COMMAND = "scripts/update-integ-snapshots"
"""What a developer runs when a template change makes the snapshot check fail."""
_UPDATE_ARGS = ["--update-on-failed", "--dry-run", "--parallel-regions", "us-east-1"]
"""``--dry-run``: the snapshots of the failed (changed or new) tests are synthesized again and
saved, nothing is deployed. ``--force`` would rewrite unchanged ones too (their assertion salt)."""


def integ_runner_command(directory: Path, *args: str) -> list[str]:
    """The integ-runner command line for the integ files in ``directory``."""
    return ["npx", "--yes", INTEG_RUNNER, "--directory", str(directory), "--language", "python", *args]


def offline_environment(**overrides: str) -> dict[str, str]:
    """This process's environment without AWS credentials or profiles, with the instance metadata
    service off and no shared config files, so a synth asks no AWS endpoint; without the integ
    apps' solution version variables, so they synthesize the snapshots' dummy ARNs; this venv's
    ``python`` first on ``PATH``, for integ-runner's ``python integ_x.py``; then ``overrides``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", SOLUTION_VERSION_VARIABLES)) or name == "AWS_CA_BUNDLE"
    }
    missing = str(INTEG_DIR / "no-aws-config")
    env.update(
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE=missing,
        AWS_SHARED_CREDENTIALS_FILE=missing,
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
        **overrides,
    )
    return env


def _install_integ_runner() -> None:
    """Puts the pinned integ-runner into npx's cache, one process at a time: test workers starting
    ``npx --yes`` together on a fresh machine would install into the same cache folder at once."""
    with open(Path(tempfile.gettempdir()) / "personalize-batch-integ-runner.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        subprocess.run(["npx", "--yes", INTEG_RUNNER, "--version"], check=True, capture_output=True, timeout=600)


def run_integ_runner(directory: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs integ-runner on ``directory`` (``tests/integ`` of a checkout or of a copy of one) from
    its checkout root, in ``offline_environment(**env)``, output captured."""
    _install_integ_runner()
    return subprocess.run(
        integ_runner_command(directory.relative_to(directory.parents[1]), *args),
        cwd=directory.parents[1],
        env=offline_environment(**env),
        capture_output=True,
        text=True,
        timeout=900,
    )


def update_snapshots() -> int:
    """Rewrites the snapshots whose integ file synthesizes a different template; returns the exit code."""
    result = run_integ_runner(INTEG_DIR, *_UPDATE_ARGS)
    print(result.stdout + result.stderr)
    # The assertion handler's 6 MB bundle is kept by integ-runner, yet never compared (asset
    # contents are not part of the diff) nor deployed from the snapshot (no update workflow).
    for bundle in INTEG_DIR.glob("*.snapshot/asset.*.bundle"):
        shutil.rmtree(bundle)
    return result.returncode


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.integ.runner_command --update")
    sys.exit(update_snapshots())
