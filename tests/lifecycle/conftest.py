"""One moto server, one CloudFormation endpoint and the synthesized stacks per test session; a
fresh account, emulator, set of stacks and virtual clock per test."""

import urllib.request
from pathlib import Path

import pytest

from .driver.cloud_assembly import StackArtifact, read_stack
from .driver.cloudformation_endpoint import CloudFormationEndpoint
from .driver.stack_deployment import StackDeployment
from .emulator import JobTimings, PersonalizeEmulator
from .example_app import synth_example_app
from .local_aws import SEGMENTATION_VERSION_ARN, SOLUTION_VERSION_ARN, moto_server
from .scenario_app import KINDS, ScenarioKind, synth_scenarios
from .virtual_clock import VirtualClock


@pytest.fixture(scope="session")
def aws_endpoint():
    with moto_server() as url:
        yield url


@pytest.fixture(scope="session")
def cloudformation_endpoint():
    with CloudFormationEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def cloudformation(cloudformation_endpoint) -> CloudFormationEndpoint:
    """DescribeStacks for the stacks this test deploys, and no others."""
    cloudformation_endpoint.reset()
    return cloudformation_endpoint


@pytest.fixture(scope="session")
def example_stack(tmp_path_factory) -> StackArtifact:
    """The example app exactly as `cdk synth` runs it (app.py, cdk.json's context, cdk-nag included)."""
    return synth_example_app(tmp_path_factory.mktemp("example-cdk.out"))


@pytest.fixture(scope="session")
def scenario_assemblies(tmp_path_factory) -> dict[str, Path]:
    """The scenario stacks, and the same stacks with InputChange's input and KmsKey's tags changed."""
    root = tmp_path_factory.mktemp("scenarios")
    synth_scenarios(root / "first.out", root / "first-inputs")
    synth_scenarios(root / "changed.out", root / "changed-inputs", changed=True)
    return {"first": root / "first.out", "changed": root / "changed.out"}


@pytest.fixture
def scenario_stack(scenario_assemblies):
    def read(name: str, variant: str = "first") -> StackArtifact:
        return read_stack(scenario_assemblies[variant], name)

    return read


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture(params=KINDS, ids=[kind.name for kind in KINDS])
def kind(request: pytest.FixtureRequest) -> ScenarioKind:
    """Each job kind, for the tests that take ``kind``: one run per kind."""
    kind: ScenarioKind = request.param
    return kind


@pytest.fixture
def job_timings() -> JobTimings:
    """How long the emulator's jobs stay PENDING and IN PROGRESS: 5 and 20 minutes. A test module
    overrides this fixture for longer jobs; each job reads `pending_seconds` when it is created and
    `in_progress_seconds` when it starts running."""
    return JobTimings()


@pytest.fixture
def emulator(aws_endpoint, clock, job_timings):
    # A fresh account for each test: no bucket, role or object survives from the one before.
    urllib.request.urlopen(urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST")).close()
    with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint, timings=job_timings) as emulator:
        emulator.add_solution_version(SOLUTION_VERSION_ARN, recipe="user-personalization")
        emulator.add_solution_version(SEGMENTATION_VERSION_ARN, recipe="item-affinity")
        yield emulator
        assert emulator.internal_errors == []


@pytest.fixture
def deployment(aws_endpoint, emulator, clock, cloudformation):
    def make(stack_name: str, function_environment: dict[str, str] | None = None) -> StackDeployment:
        return StackDeployment(
            stack_name=stack_name,
            aws_endpoint_url=aws_endpoint,
            personalize_endpoint_url=emulator.endpoint_url,
            clock=clock,
            cloudformation=cloudformation,
            function_environment=function_environment,
        )

    return make
