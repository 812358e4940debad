"""The scanners' matrix, synthesized once per cdk-nag major for every test that reads it.

Both majors are the module ``cdk_nag``, so each synthesizes in its own process
(``matrix_app.py``); cdk-nag 2 is installed outside the venv, in ``.ci/nag2``
(``scripts/setup-dev``). The modules that read the matrix share one xdist group, so that under
``-n 2`` one worker synthesizes it once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .matrix import MAJORS, NAG2_DIR, REPO_ROOT


def _start(major: str, workdir: Path) -> subprocess.Popen[str]:
    path = [str(REPO_ROOT)]
    if major == "2":
        assert (NAG2_DIR / "cdk_nag").is_dir(), f"cdk-nag 2 is not installed in {NAG2_DIR}: run scripts/setup-dev"
        path.insert(0, str(NAG2_DIR))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    command = [
        sys.executable,
        "-m",
        "tests.nag.matrix_app",
        major,
        str(workdir / "cdk.out"),
        str(workdir / "report.json"),
    ]
    return subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture(scope="session")
def matrix_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each major's folder: ``cdk.out/`` with the templates, ``report.json`` with the findings."""
    workdirs = {major: tmp_path_factory.mktemp(f"nag{major}") for major in MAJORS}
    started = {major: _start(major, workdir) for major, workdir in workdirs.items()}
    for major, process in started.items():
        output, _ = process.communicate(timeout=900)
        assert process.returncode == 0, f"cdk-nag {major} matrix app failed:\n{output[-5000:]}"
    return workdirs
