"""The queue at synth: a stack's jobs of a kind in K lanes (K the stack's setting, default 5), each
job's resource depending on the end of its lane's previous job. The stacks are the shared app's
Twenty (20 equal jobs, default setting) and TwoLanes (setting 2, unequal timeouts, both kinds)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3

from personalize_batch_constructs import (
    MAX_CONCURRENT_JOBS_CONTEXT_KEY,
    BatchInferenceJob,
    BatchInput,
    BatchOutput,
    BatchSegmentJob,
)

from .cfn import logical_id
from .stacks import SEGMENTATION_VERSION_ARN, SOLUTION_VERSION_ARN, TWENTY

JOB_TYPES = ("Custom::PersonalizeBatchInferenceJob", "Custom::PersonalizeBatchSegmentJob")
WAIT_TYPE = "Custom::PersonalizeBatchJobWait"


def _job_resource(synth, name: str) -> str:
    return logical_id(synth.built.jobs[name].node.find_child("Resource"))


def _last_resource(synth, name: str) -> str:
    """The job's last wait resource: its own resource, or its last wait extension."""
    job = synth.built.jobs[name]
    extensions = [child for child in job.node.children if child.node.id.startswith("Wait")]
    return (
        logical_id(max(extensions, key=lambda child: int(child.node.id[4:])))
        if extensions
        else _job_resource(synth, name)
    )


def _job_dependencies(synth, stack_name: str, logical: str) -> set[str]:
    """The jobs' and wait extensions' resources a resource depends on."""
    template = synth.json[stack_name]
    return {
        lid
        for lid in template["Resources"][logical].get("DependsOn", [])
        if template["Resources"][lid]["Type"] in (*JOB_TYPES, WAIT_TYPE)
    }


def test_twenty_equal_jobs_queue_round_robin_in_five_lanes(synth):
    for number in range(TWENTY):
        name = f"twenty_{number}"
        resource = _job_resource(synth, name)
        expected = {_last_resource(synth, f"twenty_{number - 5}")} if number >= 5 else set()
        assert _job_dependencies(synth, "Twenty", resource) == expected, name
        lane = number % 5 + 1
        assert synth.props(name)["Queue"] == {
            "Lane": str(lane),
            "Lanes": "5",
            "Position": str(number // 5 + 1),
            **({"After": f"Twenty/Job{number - 5:02d}"} if number >= 5 else {}),
        }


def test_lanes_follow_the_stack_setting_and_balance_timeouts_per_kind(synth):
    def after(name: str) -> set[str]:
        return _job_dependencies(synth, "TwoLanes", _job_resource(synth, f"lanes_{name}"))

    # Long (3 h) fills lane 1; Short, Third, Fourth and Fifth (30 min, 58, 58, 58) fit in lane 2
    # before it adds up to Long's 3 hours. The segment job has lanes of its own.
    assert after("Long") == after("Short") == after("Audience") == set()
    assert after("Third") == {_last_resource(synth, "lanes_Short")}
    assert after("Fourth") == {_last_resource(synth, "lanes_Third")}
    assert after("Fifth") == {_last_resource(synth, "lanes_Fourth")}
    places = {name: synth.props(f"lanes_{name}")["Queue"] for name in ("Long", "Fifth", "Audience")}
    assert places == {
        "Long": {"Lane": "1", "Lanes": "2", "Position": "1"},
        "Fifth": {"Lane": "2", "Lanes": "2", "Position": "4", "After": "TwoLanes/Fourth"},
        "Audience": {"Lane": "1", "Lanes": "2", "Position": "1"},
    }


def test_a_job_after_a_long_one_waits_for_its_last_wait_extension(synth):
    # Twenty has none; a one-lane stack puts a job behind a 3-hour one.
    app = cdk.App(context={MAX_CONCURRENT_JOBS_CONTEXT_KEY: 1})
    stack = cdk.Stack(app, "OneLane")
    bucket_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "some-input-bucket"), "users.json")
    first = BatchInferenceJob(
        stack, "First", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input, timeout=cdk.Duration.hours(3)
    )
    second = BatchInferenceJob(stack, "Second", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input)
    segment = BatchSegmentJob(stack, "Audience", solution_version_arn=SEGMENTATION_VERSION_ARN, input=bucket_input)

    assert first.node.find_child("Wait3") in second.node.find_child("Resource").node.dependencies
    assert not any(
        isinstance(dependency, cdk.CustomResource)
        for dependency in segment.node.find_child("Resource").node.dependencies
    )


@pytest.mark.parametrize("value", [8, "8", " 8 "])
def test_the_setting_may_be_a_number_or_a_string_from_the_command_line(value):
    app = cdk.App(context={MAX_CONCURRENT_JOBS_CONTEXT_KEY: value})
    stack = cdk.Stack(app, "Eight")
    bucket_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "in-bucket"), "users.json")
    jobs = [
        BatchInferenceJob(stack, f"Job{n}", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input)
        for n in range(9)
    ]

    custom = [d for d in jobs[8].node.find_child("Resource").node.dependencies if isinstance(d, cdk.CustomResource)]
    assert custom == [jobs[0].node.find_child("Resource")]
    assert all(
        not any(isinstance(d, cdk.CustomResource) for d in job.node.find_child("Resource").node.dependencies)
        for job in jobs[:8]
    )


@pytest.mark.parametrize("value", [0, -1, 2.5, "five", "", True, [5]])
def test_a_bad_setting_is_refused_naming_the_key(value):
    app = cdk.App(context={MAX_CONCURRENT_JOBS_CONTEXT_KEY: value})
    stack = cdk.Stack(app, "Bad")
    bucket_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "in-bucket"), "users.json")

    with pytest.raises(
        ValueError,
        match=rf"Context {MAX_CONCURRENT_JOBS_CONTEXT_KEY} \(how many batch jobs of a kind the stack Bad runs at "
        r"once\) must be a positive whole number, got ",
    ):
        BatchInferenceJob(stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input)


def _two_jobs_in_lanes(lanes: int) -> tuple[cdk.App, BatchInferenceJob, BatchInferenceJob]:
    app = cdk.App(context={MAX_CONCURRENT_JOBS_CONTEXT_KEY: lanes})
    stack = cdk.Stack(app, "Chained")
    bucket = s3.Bucket(stack, "Data")
    first, second = (
        BatchInferenceJob(
            stack,
            name,
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(bucket, f"in/{name}.json"),
            output=BatchOutput.to_bucket(bucket, f"out/{name}/"),
        )
        for name in ("First", "Second")
    )
    return app, first, second


def test_a_job_depending_on_one_queued_after_it_fails_synth_naming_both():
    # One lane: Second waits for First, so First waiting for Second would be a cycle CloudFormation
    # refuses only at deploy.
    app, first, second = _two_jobs_in_lanes(1)
    first.node.add_dependency(second)
    with pytest.raises(
        RuntimeError, match=r"Chained/First.*depends on Chained/Second.*queued after this one in lane 1"
    ):
        app.synth()


@pytest.mark.parametrize(("lanes", "dependent"), [(1, "second"), (2, "first")])
def test_a_dependency_that_closes_no_cycle_synthesizes(lanes, dependent):
    # Along the lane (Second on First), or across lanes: no job waits for itself.
    app, first, second = _two_jobs_in_lanes(lanes)
    if dependent == "second":
        second.node.add_dependency(first)
    else:
        first.node.add_dependency(second)
    app.synth()
