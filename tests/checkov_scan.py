"""checkov on synthesized templates, run offline from its own venv (``.ci/checkov``, made by
``scripts/setup-dev``: its pins would downgrade the dev venv's boto3).

One run scans every template given, as checkov's start-up costs seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CHECKOV = REPO_ROOT / ".ci" / "checkov" / "bin" / "checkov"
OFFLINE = {
    # No download of the platform's check id mapping, external checks or guidelines.
    "BC_SKIP_MAPPING": "TRUE",
    # No package scan, and no call to PyPI for a newer checkov.
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
}


@dataclass(frozen=True)
class Finding:
    check_id: str
    logical_id: str
    comment: str = ""
    """The ``Metadata.checkov.skip`` comment of a skipped check."""


@dataclass
class Scan:
    """checkov's results on one template."""

    passed: int = 0
    failed: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)


def scan(templates: Iterable[Path]) -> dict[Path, Scan]:
    """Every template's results, from one checkov run of its CloudFormation checks."""
    paths = [path.resolve() for path in templates]
    assert CHECKOV.is_file(), f"checkov is not installed in {CHECKOV.parent.parent}: run scripts/setup-dev"
    result = subprocess.run(
        [str(CHECKOV), "--framework", "cloudformation", "--skip-download", "--compact", "--output", "json"]
        + [argument for path in paths for argument in ("-f", str(path))],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE},
        timeout=900,
    )
    # Exit code 1 means failed checks; anything else, that checkov did not run.
    assert result.returncode in (0, 1) and result.stdout.lstrip().startswith("{"), result.stderr[-5000:]
    report = json.loads(result.stdout)
    assert report["check_type"] == "cloudformation" and report["summary"]["parsing_errors"] == 0, report["summary"]
    scans = {path: Scan() for path in paths}
    for outcome, checks in report["results"].items():
        for check in checks:
            target = scans[Path(check["file_abs_path"]).resolve()]
            finding = Finding(
                check["check_id"],
                check["resource"].split(".", 1)[1],
                check["check_result"].get("suppress_comment", ""),
            )
            if outcome == "passed_checks":
                target.passed += 1
            elif outcome == "failed_checks":
                target.failed.append(finding)
            elif outcome == "skipped_checks":
                target.skipped.append(finding)
    return scans
