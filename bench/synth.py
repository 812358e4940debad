"""Synthesizing a CDK app the way ``cdk synth`` does: a fresh Python process per synth, with
CDK_OUTDIR pointing at an empty folder."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
QUIET_NODE = {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}


class SynthError(RuntimeError):
    """The app failed to synthesize; the message ends with the last lines it printed."""


def synth(command: list[str], outdir: Path, *, checkout: Path = REPOSITORY, env: dict[str, str] | None = None) -> float:
    """Run ``command`` (an app) from the root of ``checkout`` (this repository unless told), with
    that checkout's library first on the path, into ``outdir``; its wall time in seconds."""
    env = {**os.environ, **QUIET_NODE, **(env or {}), "CDK_OUTDIR": str(outdir), "PYTHONPATH": str(checkout)}
    start = time.perf_counter()
    finished = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if finished.returncode != 0:
        last_lines = "\n".join(finished.stderr.strip().splitlines()[-5:])
        raise SynthError(f"{' '.join(command)} failed:\n{last_lines}")
    return elapsed


def python_app(module_or_script: str) -> list[str]:
    """The command running an app with this interpreter: a script path, or ``-m module``."""
    if module_or_script.endswith(".py"):
        return [sys.executable, module_or_script]
    return [sys.executable, "-m", module_or_script]


def only_stack(outdir: Path) -> tuple[str, Path]:
    """The name and template file of the one stack an app synthesized into ``outdir``."""
    manifest = json.loads((Path(outdir) / "manifest.json").read_text())
    ((name, artifact),) = (
        (name, artifact)
        for name, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    )
    return name, Path(outdir) / artifact["properties"]["templateFile"]


def read_template(outdir: Path) -> dict:
    return json.loads(only_stack(outdir)[1].read_text())
