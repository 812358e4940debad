"""The example app synthesized as ``cdk synth`` synthesizes it: ``python3 app.py`` with cdk.json's context."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from .driver.cloud_assembly import StackArtifact, read_stack

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE_STACK = "PersonalizeBatchExample"


def synth_example_app(outdir: Path) -> StackArtifact:
    # The CLI hands the app cdk.json's context (its feature flags among it) in CDK_CONTEXT_JSON.
    context = json.loads((REPOSITORY / "cdk.json").read_text())["context"]
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(context),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }
    subprocess.run([sys.executable, "app.py"], cwd=REPOSITORY, env=environment, check=True, capture_output=True)
    return read_stack(outdir, EXAMPLE_STACK)
