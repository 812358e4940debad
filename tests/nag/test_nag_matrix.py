"""cdk-nag, both majors, on every combination of input, key, ownership, wait and job kind.

The construct's internals cause no finding under cdk-nag 3 (the ``Validations`` plugin) nor under
cdk-nag 2 (the ``AwsSolutionsChecks`` Aspect, which reads the ``cdk_nag`` metadata the library
writes), while a wildcard the user adds next to a job is still reported by both.

Each major synthesizes the whole matrix once, in its own process (``conftest.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .matrix import CHECKOV_CONTROL_STACK, CONTROL_ROLE, CONTROL_STACK, JOB_STACKS, MAJORS, MATRIX_GROUP, NAG2_DIR

pytestmark = pytest.mark.xdist_group(MATRIX_GROUP)


@pytest.fixture(scope="module")
def reports(matrix_runs: dict[str, Path]) -> dict[str, dict[str, Any]]:
    """Each major's findings per stack."""
    return {major: json.loads((workdir / "report.json").read_text()) for major, workdir in matrix_runs.items()}


@pytest.mark.parametrize("major", MAJORS)
def test_the_matrix_ran_under_that_major(reports: dict[str, dict[str, Any]], major: str) -> None:
    report = reports[major]
    assert report["version"].split(".")[0] == major, report["version"]
    if major == "2":
        assert Path(report["module"]).is_relative_to(NAG2_DIR), report["module"]
    assert sorted(report["stacks"]) == sorted([*JOB_STACKS, CONTROL_STACK, CHECKOV_CONTROL_STACK])


@pytest.mark.parametrize("major", MAJORS)
@pytest.mark.parametrize("stack", JOB_STACKS)
def test_no_finding_from_the_construct(reports: dict[str, dict[str, Any]], major: str, stack: str) -> None:
    result = reports[major]["stacks"][stack]
    assert result["findings"] == [], f"cdk-nag {major} on {stack}:\n" + "\n".join(
        f"  {finding['rule']} at {finding['path']}" for finding in result["findings"]
    )
    # Zero because acknowledgements applied, not because no rule looked at the construct.
    assert result["suppressed"] > 0


@pytest.mark.parametrize("major", MAJORS)
def test_a_users_wildcard_next_to_a_job_is_still_reported(reports: dict[str, dict[str, Any]], major: str) -> None:
    findings = reports[major]["stacks"][CONTROL_STACK]["findings"]
    rules = {finding["rule"] for finding in findings}
    # The user's Personalize "*" and grant_read_results' wildcards on the job's own results folder:
    # acknowledged on the construct's roles, still reported on the user's.
    assert {
        "AwsSolutions-IAM5[Action::personalize:*]",
        "AwsSolutions-IAM5[Resource::*]",
        "AwsSolutions-IAM5[Action::s3:GetObject*]",
        "AwsSolutions-IAM5[Resource::<JobOutputBucket44705424.Arn>/results/*]",
    } <= rules, rules
    elsewhere = [f for f in findings if not f["path"].strip("/").startswith(f"{CONTROL_STACK}/{CONTROL_ROLE}/")]
    assert elsewhere == []
