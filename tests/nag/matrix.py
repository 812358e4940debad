"""The scanners' matrix (cdk-nag and checkov): every combination of the options that change what the construct creates.

Kept free of aws_cdk so the tests can name one test per stack without starting jsii.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

REPO_ROOT = Path(__file__).resolve().parents[2]
NAG2_DIR = REPO_ROOT / ".ci" / "nag2"
"""Where scripts/setup-dev installs cdk-nag 2, outside the venv."""
MAJORS = ("2", "3")
"""The cdk-nag majors the matrix is synthesized under, each in its own process."""
MATRIX_GROUP = "scanner-matrix"
"""The xdist group of the test modules reading the synthesized matrix, so one worker synthesizes it."""

Input = Literal["File", "Folder", "ManyFiles", "Bucket"]
"""``from_asset`` of a file, of a folder, of a folder of more files than the input copy grants one
by one (its read of the asset bucket is a wildcard), and ``from_bucket`` of a folder."""
Key = Literal["Key", "NoKey"]
"""``encryption_key`` given (a key of the app) or not."""
Ownership = Literal["New", "Given"]
"""The construct's new buckets and role, or buckets and a role the app defines."""
Wait = Literal["Short", "Long", "NoWait"]
"""A timeout of 30 minutes, 3 hours (a wait chain), or ``wait=False``."""
Kind = Literal["Inference", "Segment"]
"""``BatchInferenceJob`` or ``BatchSegmentJob``."""

INPUTS: tuple[Input, ...] = ("File", "Folder", "Bucket")
KEYS: tuple[Key, ...] = ("Key", "NoKey")
OWNERSHIPS: tuple[Ownership, ...] = ("New", "Given")
WAITS: tuple[Wait, ...] = ("Short", "Long", "NoWait")
KINDS: tuple[Kind, ...] = ("Inference", "Segment")

CONTROL_STACK = "UserWildcard"
"""A stack with a job and the user's own wildcard policy, which cdk-nag must still report."""
CONTROL_ROLE = "UserReader"
"""The user's role in the control stack that holds the wildcards."""
CHECKOV_CONTROL_STACK = "UserResources"
"""A stack with a job and the user's own bucket without versioning and function, which checkov must still fail."""
MANY_JOBS_STACK = "ManyJobsSharing"
"""Jobs sharing the user's bucket and role, more than the grants name one by one: one pattern
names a bucket's objects of one kind (shared_grants)."""
CHECKOV_CONTROL_BUCKET = "UserUnversioned"
CHECKOV_CONTROL_FUNCTION = "UserFunction"


@dataclass(frozen=True)
class Combination:
    input: Input
    key: Key
    ownership: Ownership
    wait: Wait
    kind: Kind
    scheduled: bool = False
    """With a ``schedule``: the stack's scheduled-runs state machine, its role and the schedule's."""

    @property
    def stack_name(self) -> str:
        return "-".join(
            (self.input, self.key, self.ownership, self.wait, self.kind, *(("Scheduled",) * self.scheduled))
        )


COMBINATIONS: tuple[Combination, ...] = tuple(
    Combination(*values)
    for values in (
        *itertools.product(INPUTS, KEYS, OWNERSHIPS, WAITS, KINDS),
        # Only the copy's grants change with the number of files: key and ownership are what vary them.
        *itertools.product(("ManyFiles",), KEYS, OWNERSHIPS, ("Short",), ("Inference",)),
    )
) + (
    # A schedule adds the same resources whatever the job: one combination of each kind, not the whole product.
    Combination("File", "Key", "Given", "Long", "Inference", scheduled=True),
    Combination("Bucket", "NoKey", "New", "Short", "Segment", scheduled=True),
)

JOB_STACKS: tuple[str, ...] = (*(combination.stack_name for combination in COMBINATIONS), MANY_JOBS_STACK)
"""The stacks of jobs and what a careful user defines, where no finding may arise."""
