"""The built wheel works outside this checkout: it carries the handler and synthesizes the same handler asset.

Builds the wheel from a copy of the checkout's files (what a fresh clone has), installs it into a
folder, and synthesizes a one-job app in a fresh, isolated interpreter that cannot see the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTION_VERSION_ARN = "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"
_IGNORED = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", "cdk.out")

SYNTH_SCRIPT = textwrap.dedent(
    """
    import json
    import sys
    from pathlib import Path

    site, outdir, input_file, repo_root = sys.argv[1:5]
    # -I already keeps PYTHONPATH, the user site and the script's folder off sys.path; an editable
    # install of the checkout could still add it: drop it, so only the wheel can be imported.
    sys.path[:] = [site] + [p for p in sys.path if Path(p or ".").resolve() != Path(repo_root).resolve()]

    import aws_cdk as cdk
    import personalize_batch_constructs
    from personalize_batch_constructs import BatchInferenceJob, BatchInput

    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, "WheelApp")
    BatchInferenceJob(stack, "Job", solution_version_arn=sys.argv[5], input=BatchInput.from_asset(input_file))
    app.synth()
    print(json.dumps({"module_file": personalize_batch_constructs.__file__, "sys_path": sys.path}))
    """
)


def _copy_checkout(destination: Path) -> None:
    """The files of a fresh clone: tracked and not-ignored untracked ones (or the tree, minus build output)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    if listing.returncode != 0:
        shutil.copytree(REPO_ROOT, destination, ignore=_IGNORED)
        return
    for relative in filter(None, listing.stdout.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file():
            target = destination / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def _pip(*args: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def wheel_synth(tmp_path_factory):
    root = tmp_path_factory.mktemp("wheel")
    source, dist, site, work = (root / name for name in ("source", "dist", "site", "elsewhere"))
    _copy_checkout(source)
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(dist), str(source))
    (wheel,) = dist.glob("personalize_batch_constructs-*.whl")
    _pip("install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel))

    work.mkdir()
    (work / "users.json").write_text('{"userId": "4638"}\n{"userId": "663"}\n')
    script = work / "synth.py"
    script.write_text(SYNTH_SCRIPT)
    outdir = work / "cdk.out"
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [
            sys.executable,
            "-I",
            str(script),
            str(site),
            str(outdir),
            str(work / "users.json"),
            str(REPO_ROOT),
            SOLUTION_VERSION_ARN,
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout.strip().splitlines()[-1])
    return {"wheel": wheel, "site": site, "outdir": outdir, "report": report}


def test_wheel_carries_the_handler_code(wheel_synth):
    names = set(zipfile.ZipFile(wheel_synth["wheel"]).namelist())
    handler_files = {f"personalize_batch_constructs/_handler/{p.name}" for p in (REPO_ROOT / "lambda").glob("*.py")}
    assert "personalize_batch_constructs/_handler/index.py" in names
    assert handler_files <= names, sorted(handler_files - names)


def test_wheel_carries_the_license_and_declares_it(wheel_synth):
    wheel = zipfile.ZipFile(wheel_synth["wheel"])
    (dist_info,) = {name.split("/", 1)[0] for name in wheel.namelist() if ".dist-info/" in name}
    metadata = wheel.read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata.splitlines()
    assert "License-File: LICENSE" in metadata.splitlines()
    assert wheel.read(f"{dist_info}/licenses/LICENSE") == (REPO_ROOT / "LICENSE").read_bytes()


def test_wheel_marks_the_library_typed(wheel_synth):
    # PEP 561: without the marker, type checkers treat every construct and prop as Any.
    names = set(zipfile.ZipFile(wheel_synth["wheel"]).namelist())
    assert "personalize_batch_constructs/py.typed" in names, sorted(names)


def test_the_app_imported_the_installed_wheel_not_the_checkout(wheel_synth):
    report = wheel_synth["report"]
    module_file = Path(report["module_file"]).resolve()
    assert module_file.is_relative_to(wheel_synth["site"].resolve()), module_file
    assert str(REPO_ROOT) not in {str(Path(p or ".").resolve()) for p in report["sys_path"]}


def _handler_asset_hash(template: dict) -> str:
    (function,) = [
        r
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function" and r["Properties"].get("Handler") == "index.on_event"
    ]
    key = function["Properties"]["Code"]["S3Key"]
    assert key.endswith(".zip"), key
    return key.removesuffix(".zip")


def test_handler_asset_from_the_wheel_has_index_py_and_the_checkout_hash(wheel_synth):
    import aws_cdk as cdk

    import personalize_batch_constructs
    from personalize_batch_constructs.job_provider import JobProvider

    outdir = wheel_synth["outdir"]
    wheel_hash = _handler_asset_hash(json.loads((outdir / "WheelApp.template.json").read_text()))
    asset_dir = outdir / f"asset.{wheel_hash}"
    assert (asset_dir / "index.py").is_file(), sorted(p.name for p in asset_dir.iterdir())
    assert not (asset_dir / "__pycache__").exists()

    # The same handler code from the source checkout (lambda/) gives the same asset hash.
    assert Path(personalize_batch_constructs.__file__).resolve().is_relative_to(REPO_ROOT)
    provider = JobProvider.of(cdk.Stack(cdk.App(), "Checkout"))
    checkout_hash = provider.node.find_child("OnEventHandler").node.find_child("Code").asset_hash
    assert wheel_hash == checkout_hash, sorted(p.name for p in asset_dir.iterdir())
