"""integ-runner's offline snapshot check: the committed snapshots are what the integ apps
synthesize now, and a changed template fails the check with its diff. Nothing is deployed and no
AWS endpoint is asked (see ``runner_command.offline_environment``); each run synthesizes its apps,
seconds of jsii each."""

import filecmp
import re
import shutil

from .runner_command import INTEG_DIR, REPO_ROOT, UPDATE_COMMAND, run_integ_runner

INTEG_FILES = ("integ_batch_inference_job.py", "integ_batch_segment_job.py")


def test_every_integ_file_has_a_committed_snapshot():
    assert sorted(p.name for p in INTEG_DIR.glob("integ_*.py")) == sorted(INTEG_FILES)
    for name in INTEG_FILES:
        assert (INTEG_DIR / f"{name}.snapshot" / "manifest.json").is_file(), f"{name} has no snapshot"


def test_the_committed_snapshots_match_the_integ_apps():
    result = run_integ_runner(INTEG_DIR)
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"integ-runner's snapshot check failed: if the template change is intended, run {UPDATE_COMMAND} "
        f"and commit tests/integ/*.snapshot (integ-runner's own hint, --update-on-failed, would deploy).\n{output}"
    )
    for name in INTEG_FILES:
        assert re.search(rf"UNCHANGED +{name.removesuffix('.py')} ", output), output


def test_a_changed_template_fails_the_snapshot_check_with_its_diff(tmp_path):
    # A copy of the checkout's integ folder and the input it reads, so the committed snapshots
    # cannot change whatever integ-runner does, and runs in parallel share no output folder.
    copy = tmp_path / "tests" / "integ"
    shutil.copytree(INTEG_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "cdk-integ.out.*"))
    shutil.copytree(REPO_ROOT / "example_input", tmp_path / "example_input")
    changed_arn = "arn:aws:personalize:us-east-1:111122223333:solution/changed/99999999"

    result = run_integ_runner(
        copy,
        "integ_batch_inference_job.py",
        PERSONALIZE_BATCH_INTEG_SOLUTION_VERSION_ARN=changed_arn,
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert re.search(r"CHANGED +integ_batch_inference_job ", output), output
    assert "[~] Custom::PersonalizeBatchInferenceJob" in output, output
    assert f"[+] {changed_arn}" in output, output
    snapshot = "integ_batch_inference_job.py.snapshot"
    comparison = filecmp.dircmp(INTEG_DIR / snapshot, copy / snapshot)
    assert (comparison.left_only, comparison.right_only, comparison.diff_files) == ([], [], [])
