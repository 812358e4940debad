"""Makes the library in this checkout importable and quiets jsii, before anything imports aws_cdk;
synthesizes the template tests' app (``stacks.py``) once per test session."""

import os
import sys
from pathlib import Path

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# Imported only now: they import aws_cdk and this checkout's library.
import json  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402
from aws_cdk import Stack  # noqa: E402
from aws_cdk.assertions import Template  # noqa: E402

from .cfn import logical_id  # noqa: E402
from .stacks import Built, build_app, write_inputs  # noqa: E402


@dataclass
class Synth:
    built: Built
    outdir: Path
    inputs: object
    json: dict[str, dict]
    templates: dict[str, Template]

    def job(self, name: str) -> tuple[dict, dict]:
        """(template, job resource) of a job by its key in ``Built.jobs``."""
        job = self.built.jobs[name]
        template = self.json[Stack.of(job).stack_name]
        return template, template["Resources"][logical_id(job.node.find_child("Resource"))]

    def props(self, name: str) -> dict:
        return self.job(name)[1]["Properties"]


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    inputs = write_inputs(tmp_path_factory.mktemp("inputs"))
    outdir = tmp_path_factory.mktemp("cdk.out")
    built = build_app(outdir, inputs)
    built.app.synth()
    texts = {name: (outdir / f"{name}.template.json").read_text() for name in built.stacks}
    as_json = {name: json.loads(text) for name, text in texts.items()}
    return Synth(
        built=built,
        outdir=outdir,
        inputs=inputs,
        json=as_json,
        templates={name: Template.from_json(template) for name, template in as_json.items()},
    )
