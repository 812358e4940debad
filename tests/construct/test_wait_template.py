"""Waits past CloudFormation's hour: the job's resource waits for the first share, then a chain of
wait extensions (``Custom::PersonalizeBatchJobWait``) for the others; ``wait=False`` waits for none.

The jobs are in the shared app's Waits stack (``stacks.py``); ``wait_shares`` is tested directly.
"""

from __future__ import annotations

import re

import pytest
from aws_cdk import Stack

from personalize_batch_constructs.wait_chain import first_share_properties, wait_shares

from .cfn import canonical, logical_id, resources

WAIT_RESOURCE_TYPE = "Custom::PersonalizeBatchJobWait"
HOUR = 3600
SHARE = 3480  # 58 minutes: the handler gives up two minutes before CloudFormation's hour
WAIT_ONLY = {"TotalTimeoutSeconds", "OnTimeout", "Wait"}
# Every job of the other stacks waits an hour or less.
STACKS_WITHOUT_LONG_WAITS = ["Defaults", "Full", "Byo", "Twenty", "Segments", "Mixed", "Tokens"]


def _extensions(synth, name: str) -> list[tuple[str, dict]]:
    """(logical id, resource) of a job's wait extensions Wait1, Wait2, ... in order."""
    job = synth.built.jobs[name]
    template, _ = synth.job(name)
    children = [child for child in job.node.children if re.fullmatch(r"Wait\d+", child.node.id)]
    numbers = sorted(int(child.node.id[4:]) for child in children)
    assert numbers == list(range(1, len(children) + 1)), numbers
    ordered = [job.node.find_child(f"Wait{number}") for number in numbers]
    return [(logical_id(child), template["Resources"][logical_id(child)]) for child in ordered]


def _chain(synth, name: str) -> list[str]:
    """The logical ids of a job's resource and its wait extensions, in order."""
    return [logical_id(synth.built.jobs[name].node.find_child("Resource"))] + [
        lid for lid, _ in _extensions(synth, name)
    ]


def _shares(synth, name: str) -> list[int]:
    return [int(synth.props(name)["TimeoutSeconds"])] + [
        int(resource["Properties"]["TimeoutSeconds"]) for _, resource in _extensions(synth, name)
    ]


# ---------------------------------------------------------------------------------------------
# Shares


@pytest.mark.parametrize(
    ("timeout", "shares"),
    [
        (1, [1]),
        (1800, [1800]),
        (SHARE, [SHARE]),
        (SHARE + 1, [SHARE]),
        (HOUR, [SHARE]),
        (HOUR + 1, [SHARE, 121]),
        (2 * SHARE, [SHARE, SHARE]),
        (2 * SHARE + 1, [SHARE, SHARE, 1]),
        (3 * HOUR, [SHARE, SHARE, SHARE, 360]),
        (12 * HOUR, [SHARE] * 12 + [1440]),
    ],
)
def test_wait_shares_cut_a_timeout_past_the_hour_into_shares_of_58_minutes(timeout, shares):
    assert wait_shares(timeout) == shares


@pytest.mark.parametrize("timeout", [HOUR + 1, 5000, 7 * HOUR + 59, 12 * HOUR - 1, 12 * HOUR])
def test_wait_shares_past_the_hour_add_up_to_the_timeout_in_shares_no_longer_than_58_minutes(timeout):
    shares = wait_shares(timeout)
    assert sum(shares) == timeout
    assert all(0 < share <= SHARE for share in shares)
    assert shares[:-1] == [SHARE] * (len(shares) - 1)


def test_only_a_chained_first_share_carries_the_whole_timeout_and_continues():
    assert first_share_properties([SHARE]) == {"TimeoutSeconds": SHARE}
    assert first_share_properties([SHARE, SHARE, 360]) == {
        "TimeoutSeconds": SHARE,
        "TotalTimeoutSeconds": 2 * SHARE + 360,
        "OnTimeout": "Continue",
    }


# ---------------------------------------------------------------------------------------------
# Up to an hour: the job's resource alone


@pytest.mark.parametrize(
    ("name", "timeout_seconds"),
    [("defaults", SHARE), ("full", 1800), ("mixed_segment", 2700), ("segments", SHARE), ("almost_hour", SHARE)],
)
def test_a_job_waiting_at_most_an_hour_waits_in_its_own_resource_only(synth, name, timeout_seconds):
    props = synth.props(name)
    assert int(props["TimeoutSeconds"]) == timeout_seconds  # min(timeout, 3480)
    assert not WAIT_ONLY & set(props)
    assert _extensions(synth, name) == []


@pytest.mark.parametrize("stack", STACKS_WITHOUT_LONG_WAITS)
def test_stacks_without_long_waits_have_no_wait_extension(synth, stack):
    assert resources(synth.json[stack], WAIT_RESOURCE_TYPE) == {}


def test_the_waits_stack_has_exactly_the_extensions_of_its_long_jobs(synth):
    expected = {
        lid
        for name in ("hour_and_second", "three_hours", "twelve_hours", "long_segment")
        for lid in _chain(synth, name)[1:]
    }
    assert set(resources(synth.json["Waits"], WAIT_RESOURCE_TYPE)) == expected
    assert len(expected) == 1 + 3 + 12 + 2


# ---------------------------------------------------------------------------------------------
# Past the hour: the job's resource, then wait extensions


def test_a_three_hour_job_waits_its_first_share_then_in_three_extensions(synth):
    _, job = synth.job("three_hours")
    props = job["Properties"]
    assert (props["TimeoutSeconds"], props["TotalTimeoutSeconds"], props["OnTimeout"]) == (SHARE, 3 * HOUR, "Continue")
    assert "Wait" not in props
    chain = _chain(synth, "three_hours")
    extensions = _extensions(synth, "three_hours")
    assert len(extensions) == 3
    for number, ((lid, extension), share, on_timeout) in enumerate(
        zip(extensions, [SHARE, SHARE, 360], ["Continue", "Continue", "Fail"], strict=False), start=1
    ):
        previous = chain[number - 1]
        assert extension["Type"] == WAIT_RESOURCE_TYPE, lid
        assert extension["Properties"] == {
            "ServiceToken": props["ServiceToken"],
            "ServiceTimeout": "3600",
            "JobArn": {"Fn::GetAtt": [previous, "JobArn"]},
            "JobStatus": {"Fn::GetAtt": [previous, "Status"]},
            "OutputPath": {"Fn::GetAtt": [previous, "OutputPath"]},
            # The results check runs in whichever resource sees the job end, with the counts handed on.
            "InputRecordCount": {"Fn::GetAtt": [previous, "InputRecordCount"]},
            "RecordCount": {"Fn::GetAtt": [previous, "RecordCount"]},
            "ErrorCount": {"Fn::GetAtt": [previous, "ErrorCount"]},
            "InputPath": props["InputPath"],
            # What it needs to start the job, should Personalize not have accepted it yet.
            "SolutionVersionArn": props["SolutionVersionArn"],
            "RoleArn": props["RoleArn"],
            "NumResults": props["NumResults"],
            "ConstructPath": "Waits/ThreeHours",
            "Extension": number,
            "TimeoutSeconds": share,
            "TotalTimeoutSeconds": 3 * HOUR,
            "PollIntervalSeconds": 300,
            "OnTimeout": on_timeout,
        }, lid


def test_a_twelve_hour_job_waits_in_twelve_extensions(synth):
    shares = _shares(synth, "twelve_hours")
    assert shares == [SHARE] * 12 + [1440]
    assert sum(shares) == 12 * HOUR
    chain = _chain(synth, "twelve_hours")
    extensions = _extensions(synth, "twelve_hours")
    assert [resource["Properties"]["Extension"] for _, resource in extensions] == list(range(1, 13))
    assert [resource["Properties"]["OnTimeout"] for _, resource in extensions] == ["Continue"] * 11 + ["Fail"]
    for (lid, resource), previous in zip(extensions, chain, strict=False):
        assert resource["Properties"]["JobArn"] == {"Fn::GetAtt": [previous, "JobArn"]}, lid
        assert resource["Properties"]["TotalTimeoutSeconds"] == 12 * HOUR, lid


def test_an_hour_and_a_second_adds_one_short_extension(synth):
    assert _shares(synth, "hour_and_second") == [SHARE, 121]
    props = synth.props("hour_and_second")
    assert (props["TotalTimeoutSeconds"], props["OnTimeout"]) == (HOUR + 1, "Continue")
    ((_, extension),) = _extensions(synth, "hour_and_second")
    assert (extension["Properties"]["OnTimeout"], extension["Properties"]["TotalTimeoutSeconds"]) == ("Fail", HOUR + 1)


def test_a_segment_job_chains_the_same_wait_extensions(synth):
    _, job = synth.job("long_segment")
    assert job["Type"] == "Custom::PersonalizeBatchSegmentJob"
    assert (job["Properties"]["TotalTimeoutSeconds"], job["Properties"]["OnTimeout"]) == (9000, "Continue")
    assert _shares(synth, "long_segment") == [SHARE, SHARE, 2040]
    chain = _chain(synth, "long_segment")
    extensions = _extensions(synth, "long_segment")
    assert [resource["Type"] for _, resource in extensions] == [WAIT_RESOURCE_TYPE, WAIT_RESOURCE_TYPE]
    assert [resource["Properties"]["OnTimeout"] for _, resource in extensions] == ["Continue", "Fail"]
    for (lid, resource), previous in zip(extensions, chain, strict=False):
        for property_name, attribute in (("JobArn", "JobArn"), ("JobStatus", "Status"), ("OutputPath", "OutputPath")):
            assert resource["Properties"][property_name] == {"Fn::GetAtt": [previous, attribute]}, lid


def test_without_waiting_the_job_resource_says_so_and_has_no_extension(synth):
    props = synth.props("no_wait")
    assert props["Wait"] is False
    assert int(props["TimeoutSeconds"]) == SHARE
    assert not {"TotalTimeoutSeconds", "OnTimeout"} & set(props)
    assert _extensions(synth, "no_wait") == []


# ---------------------------------------------------------------------------------------------
# Attributes and the provider


@pytest.mark.parametrize(
    "name", ["hour_and_second", "three_hours", "twelve_hours", "long_segment", "no_wait", "almost_hour"]
)
def test_attributes_are_those_of_the_chains_last_resource(synth, name):
    job = synth.built.jobs[name]
    last = _chain(synth, name)[-1]
    stack = Stack.of(job)
    for attribute, value in (("JobArn", job.job_arn), ("JobName", job.job_name), ("OutputPath", job.output_s3_uri)):
        assert stack.resolve(value) == {"Fn::GetAtt": [last, attribute]}


def test_long_waits_add_no_function_and_share_the_stacks_one_provider(synth):
    one_short, waits = synth.json["Defaults"], synth.json["Waits"]
    for resource_type in ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine"):
        assert len(resources(waits, resource_type)) == len(resources(one_short, resource_type)), resource_type
    custom = [
        resource
        for resource in waits["Resources"].values()
        if resource["Type"].startswith("Custom::PersonalizeBatch")
        and resource["Type"] != "Custom::PersonalizeBatchInputCopy"
    ]
    assert len(custom) == 6 + 18  # six jobs, eighteen extensions
    assert len({canonical(resource["Properties"]["ServiceToken"]) for resource in custom}) == 1


# Everything the job's Create request is made of, but its name and folder (from JobArn and OutputPath).
REQUEST_PROPERTIES = (
    "SolutionVersionArn",
    "InputPath",
    "RoleArn",
    "NumResults",
    "FilterArn",
    "KmsKeyArn",
    "JobTags",
    "ItemExplorationConfig",
    "RankingInfluence",
    "JobMode",
    "ThemeItemNameField",
)


@pytest.mark.parametrize("name", ["three_hours", "twelve_hours", "long_segment", "hour_and_second"])
def test_every_extension_carries_the_request_to_start_a_job_not_accepted_yet(synth, name):
    job_props = synth.props(name)
    request = {key: job_props[key] for key in REQUEST_PROPERTIES if key in job_props}
    assert {"SolutionVersionArn", "InputPath", "RoleArn"} <= set(request)
    for lid, resource in _extensions(synth, name):
        carried = {key: resource["Properties"][key] for key in REQUEST_PROPERTIES if key in resource["Properties"]}
        assert carried == request, lid
