"""checkov on every template of the scanners' matrix (the cdk-nag 3 run's, shared with the cdk-nag
tests): no check fails on any resource of a combination stack, each because the construct's
acknowledgements apply, while the user's own bucket and function next to a job still fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.checkov_scan import Scan, scan

from .matrix import (
    CHECKOV_CONTROL_BUCKET,
    CHECKOV_CONTROL_FUNCTION,
    CHECKOV_CONTROL_STACK,
    CONTROL_STACK,
    JOB_STACKS,
    MATRIX_GROUP,
)

pytestmark = pytest.mark.xdist_group(MATRIX_GROUP)
STACKS = [*JOB_STACKS, CONTROL_STACK, CHECKOV_CONTROL_STACK]


@pytest.fixture(scope="module")
def scans(matrix_runs: dict[str, Path]) -> dict[str, Scan]:
    """Each stack's checkov results, from one run over the whole matrix."""
    templates = {name: matrix_runs["3"] / "cdk.out" / f"{name}.template.json" for name in STACKS}
    results = scan(templates.values())
    return {name: results[path.resolve()] for name, path in templates.items()}


@pytest.mark.parametrize("stack", JOB_STACKS)
def test_no_check_fails_on_a_stack_of_jobs(scans: dict[str, Scan], stack: str) -> None:
    result = scans[stack]
    assert result.failed == [], f"checkov on {stack}:\n" + "\n".join(
        f"  {finding.check_id} on {finding.logical_id}" for finding in result.failed
    )
    # Zero because acknowledgements applied, each with its reason, while checks did run.
    assert result.skipped and result.passed > 0
    assert all(len(finding.comment) >= 20 for finding in result.skipped), result.skipped


def test_the_users_own_bucket_and_function_still_fail(scans: dict[str, Scan]) -> None:
    failed = scans[CHECKOV_CONTROL_STACK].failed
    on_bucket = {f.check_id for f in failed if f.logical_id.startswith(CHECKOV_CONTROL_BUCKET)}
    on_function = {
        f.check_id
        for f in failed
        if f.logical_id.startswith(CHECKOV_CONTROL_FUNCTION)
        and not f.logical_id.startswith(f"{CHECKOV_CONTROL_FUNCTION}ServiceRole")
    }
    # The checks the construct acknowledges on its own bucket and functions.
    assert {"CKV_AWS_18", "CKV_AWS_21"} <= on_bucket, failed
    assert {"CKV_AWS_115", "CKV_AWS_116", "CKV_AWS_117"} <= on_function, failed
    elsewhere = [f for f in failed if not f.logical_id.startswith((CHECKOV_CONTROL_BUCKET, CHECKOV_CONTROL_FUNCTION))]
    assert elsewhere == []


def test_the_users_wildcard_policy_still_fails(scans: dict[str, Scan]) -> None:
    # The cdk-nag control stack's personalize:* on "*": checkov's write-without-constraints check.
    assert {(f.check_id, f.logical_id.startswith("UserReaderDefaultPolicy")) for f in scans[CONTROL_STACK].failed} == {
        ("CKV_AWS_111", True)
    }
