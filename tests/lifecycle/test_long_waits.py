"""Waits past CloudFormation's hour: the job's resource and its chain of wait extensions
(Custom::PersonalizeBatchJobWait), deployed as CloudFormation would deploy them, on jobs that
run for hours of virtual time.

The stacks are scenario_app.py's LongWait (4 h timeout: the job's resource and Wait1..Wait4),
TwoHourWait (2 h: Wait1, Wait2) and NoWait (wait=False). Their job name prefix comes from the
RunName parameter, so a new value replaces the job at deploy time with the same template, as a
token-valued prop does.
"""

import re
from dataclasses import dataclass

import pytest

from .adjustable_timings import PENDING_SECONDS, AdjustableTimings
from .driver.cloud_assembly import StackArtifact
from .driver.stack_deployment import DeployResult, StackDeployment
from .local_aws import ACCOUNT_ID, REGION, client
from .scenario_app import INFERENCE, RUN_NAME_PARAMETER, ScenarioKind

POLL_INTERVAL = 60  # the construct's default poll_interval
QUERY_INTERVAL = 10  # the provider's query_interval
SHARE = 3480  # one resource's share of a wait: 58 minutes
WAIT_RESOURCE_TYPE = "Custom::PersonalizeBatchJobWait"
HOUR = 3600


@pytest.fixture
def job_timings() -> AdjustableTimings:
    """Overrides conftest.py's: the emulator of each test here runs jobs on these timings."""
    return AdjustableTimings()


@dataclass(frozen=True)
class Chain:
    """The resources that wait in turn for one job: its own, then Wait1, Wait2, ..."""

    job: str
    extensions: list[str]

    @property
    def waiting(self) -> list[str]:
        return [self.job, *self.extensions]


def _chain(stack: StackArtifact) -> Chain:
    types = {logical_id: resource["Type"] for logical_id, resource in stack.resources.items()}
    (job,) = [
        lid for lid, type_ in types.items() if type_.startswith("Custom::PersonalizeBatch") and type_.endswith("Job")
    ]
    extensions = sorted(
        (lid for lid, type_ in types.items() if type_ == WAIT_RESOURCE_TYPE),
        key=lambda lid: stack.resources[lid]["Properties"]["Extension"],
    )
    return Chain(job, extensions)


def _describes(emulator, kind: ScenarioKind, since: int = 0) -> list:
    """The Describe calls of this kind among the emulator's requests[since:]."""
    return [r for r in emulator.requests[since:] if r.operation == kind.describe_operation]


def _described_arn(kind: ScenarioKind, record) -> str:
    return record.params[kind.api_name[0].lower() + kind.api_name[1:] + "Arn"]


def _event_at(result: DeployResult, logical_id: str, status: str) -> float:
    """When the one event of this resource with this status happened."""
    (moment,) = [e.at for e in result.events if e.logical_id == logical_id and e.status == status]
    return moment


def _failed_ids(result: DeployResult) -> list[str]:
    return [e.logical_id for e in result.events if e.status.endswith("_FAILED")]


def _output_path(job) -> str:
    return job.request["jobOutput"]["s3DataDestination"]["path"]


def _deletes(stack: StackDeployment, chain: Chain, since: int) -> list[tuple[str, str]]:
    """(logical id, physical id) of each Delete the chain's resources were sent since stack.requests[since]."""
    return [
        (request["LogicalResourceId"], request["PhysicalResourceId"])
        for request, _ in stack.requests[since:]
        if request["RequestType"] == "Delete" and request["LogicalResourceId"] in chain.waiting
    ]


def _ids_for(chain: Chain, job_arn: str) -> list[tuple[str, str]]:
    """(logical id, physical id) of each of the chain's resources while it waits for `job_arn`."""
    return [(chain.job, job_arn)] + [(lid, f"{job_arn}/wait-{n}") for n, lid in enumerate(chain.extensions, 1)]


def _updates(stack: StackDeployment, since: int) -> dict[str, dict]:
    """The last Update request each resource was sent since stack.requests[since], by logical id."""
    return {
        request["LogicalResourceId"]: request
        for request, _ in stack.requests[since:]
        if request["RequestType"] == "Update"
    }


def _logged(stack: StackDeployment, event: str) -> list[dict]:
    return [record for record in stack.handler_log if record.get("event") == event]


# ---------------------------------------------------------------------------------------------
# A job longer than an hour


def test_a_three_hour_job_is_waited_for_extension_by_extension(
    kind, scenario_stack, deployment, emulator, clock, job_timings
):
    job_timings.next_jobs_take(minutes=180)
    artifact = scenario_stack(kind.stack("LongWait"))
    chain = _chain(artifact)
    assert len(chain.extensions) == 4  # 4 h = 3 x 58 min + 8 min
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.status == "ACTIVE" and job.last_updated_at == started + 3 * HOUR
    # The deploy notices the job's end within one poll interval (plus the provider's wake-up).
    assert 0 <= clock.now() - job.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL

    # The stack events: each resource completes in turn, the next one starting right then.
    completions = [
        e.logical_id for e in result.events if e.status == "CREATE_COMPLETE" and e.logical_id in chain.waiting
    ]
    assert completions == chain.waiting
    done = {lid: _event_at(result, lid, "CREATE_COMPLETE") - started for lid in chain.waiting}
    job_resource, wait1, wait2, wait3, wait4 = chain.waiting
    assert SHARE <= done[job_resource] <= SHARE + QUERY_INTERVAL  # ~58 min
    assert 2 * SHARE <= done[wait1] <= 2 * SHARE + 2 * QUERY_INTERVAL  # ~1 h 56 min
    assert 3 * SHARE <= done[wait2] <= 3 * SHARE + 3 * QUERY_INTERVAL  # ~2 h 54 min
    assert 3 * HOUR <= done[wait3] <= 3 * HOUR + POLL_INTERVAL + QUERY_INTERVAL  # sees the end
    assert done[wait4] == done[wait3]  # after the end: completes at once
    for before, after in zip(chain.waiting, chain.waiting[1:], strict=False):
        assert _event_at(result, after, "CREATE_IN_PROGRESS") - started == done[before]
    statuses = [stack.resources[lid].attributes["Status"] for lid in chain.waiting]
    assert statuses == ["IN PROGRESS", "IN PROGRESS", "IN PROGRESS", "ACTIVE", "ACTIVE"]
    assert [record["waitedSeconds"] for record in _logged(stack, "wait_continued")] == [SHARE] * 3

    # The outputs come from the chain's last resource, and name the job and its results.
    assert artifact.template["Outputs"]["JobArn"]["Value"] == {"Fn::GetAtt": [wait4, "JobArn"]}
    assert result.outputs == {"JobArn": job.arn, "Results": _output_path(job)}
    assert stack.resources[wait4].attributes["JobName"] == job.name

    # Describe calls: only this job, none after the one that saw its end, one per poll interval.
    describes = _describes(emulator, kind)
    assert {_described_arn(kind, r) for r in describes} == {job.arn}
    assert [r.at for r in describes if r.at >= job.last_updated_at] == [describes[-1].at]
    assert describes[-1].at - started == done[wait3]
    # Each of the four resources that polled did so at 0, P, 2P, ... of its share, and once more
    # when the share ended: then the next one's first poll comes at the same moment. So calls are
    # exactly P apart but for one pair at each of the three hand-overs; 184 calls in 3 hours.
    gaps = [later.at - earlier.at for earlier, later in zip(describes, describes[1:], strict=False)]
    assert sorted(set(gaps)) == [0, POLL_INTERVAL] and gaps.count(0) == 3
    assert len(describes) == (clock.now() - started) / POLL_INTERVAL + 4


def test_a_job_failing_in_hour_two_fails_the_deploy_on_the_first_extension(
    kind, scenario_stack, deployment, emulator, clock, job_timings
):
    reason = "Input file: 2 of 3 records lack the id the recipe needs"
    emulator.faults.fail_jobs(reason)
    job_timings.next_jobs_take(minutes=80)  # a failing job fails when its run ends
    artifact = scenario_stack(kind.stack("LongWait"))
    chain = _chain(artifact)
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    assert job.status == "CREATE FAILED" and job.last_updated_at == started + 80 * 60
    (failure,) = result.failure_reasons()
    assert f"{kind.noun} {job.arn} failed: {reason}" in failure
    wait1 = chain.extensions[0]
    assert _failed_ids(result) == [wait1]
    failed_at = _event_at(result, wait1, "CREATE_FAILED")
    assert 0 <= failed_at - job.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL
    assert SHARE <= _event_at(result, chain.job, "CREATE_COMPLETE") - started <= SHARE + QUERY_INTERVAL
    for later in chain.extensions[1:]:
        assert result.statuses(later) == []
    # The rollback deletes both, and neither Delete calls Personalize.
    assert stack.last_request(chain.job, "Delete")["PhysicalResourceId"] == job.arn
    assert stack.last_request(wait1, "Delete")["PhysicalResourceId"] == f"{job.arn}/wait-1"
    assert result.statuses(wait1)[-1] == result.statuses(chain.job)[-1] == "DELETE_COMPLETE"
    assert _describes(emulator, kind)[-1].at == failed_at
    assert [r for r in emulator.requests if r.at > failed_at] == []


def test_a_job_past_a_two_hour_timeout_fails_on_the_last_extension_naming_the_job(
    kind, scenario_stack, deployment, emulator, clock
):
    emulator.faults.stall_jobs()
    artifact = scenario_stack(kind.stack("TwoHourWait"))
    chain = _chain(artifact)
    assert len(chain.extensions) == 2  # 2 h = 58 min + 58 min + 4 min
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "ROLLBACK_COMPLETE"
    (job,) = emulator.jobs()
    assert job.status == "IN PROGRESS"
    (failure,) = result.failure_reasons()
    assert f"{kind.noun} {job.arn} did not finish within 7200 s (its last status was IN PROGRESS)" in failure
    assert "keeps running in Personalize" in failure and _output_path(job) in failure
    assert "Operation timed out" not in failure
    assert _failed_ids(result) == [chain.extensions[-1]]
    # Each waiting resource notices the end of its share at its next query.
    waited = clock.now() - started
    assert 2 * HOUR <= waited <= 2 * HOUR + len(chain.waiting) * QUERY_INTERVAL
    assert [stack.last_request(lid, "Create")["ResourceProperties"]["JobStatus"] for lid in chain.extensions] == [
        "IN PROGRESS"
    ] * 2


# ---------------------------------------------------------------------------------------------
# A job replaced by a new parameter value, with the same template


def test_a_replaced_job_is_waited_for_by_every_extension_again(
    scenario_stack, deployment, emulator, clock, job_timings
):
    kind = INFERENCE
    artifact = scenario_stack(kind.stack("LongWait"))
    chain = _chain(artifact)
    job_resource, wait1, wait2, wait3, wait4 = chain.waiting
    stack = deployment(artifact.name)
    job_timings.next_jobs_take(minutes=90)
    assert stack.deploy(artifact, {RUN_NAME_PARAMETER: "RunA"}).status == "CREATE_COMPLETE"
    (first,) = emulator.jobs()
    # Job A ended in Wait1's share: Wait2 onwards were told it had ended and made no call.
    assert [stack.resources[lid].attributes["Status"] for lid in chain.waiting] == ["IN PROGRESS"] + ["ACTIVE"] * 4
    job_timings.next_jobs_take(minutes=120)
    requests_before, stack_requests_before = len(emulator.requests), len(stack.requests)
    started = clock.now()

    result = stack.deploy(artifact, {RUN_NAME_PARAMETER: "RunB"})

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    _, second = emulator.jobs()
    assert second.name.startswith("RunB-") and second.status == "ACTIVE"
    # The deploy ends when B ends. An extension trusting the ACTIVE it was told about A would end it
    # at Wait2's start, 4 minutes early; one not run again for B, at Wait1's start, an hour early.
    assert second.last_updated_at == started + 2 * HOUR
    assert 0 <= clock.now() - second.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL
    describes = _describes(emulator, kind, requests_before)
    assert {_described_arn(kind, r) for r in describes} == {second.arn}
    assert len([r for r in describes if r.at >= second.last_updated_at]) == 1  # Wait3, Wait4: no call
    assert result.outputs == {"JobArn": second.arn, "Results": _output_path(second)}
    assert stack.resources[job_resource].physical_id == second.arn
    # Every extension was sent an Update for B, Wait2 despite having been told A had ended.
    updates = _updates(stack, stack_requests_before)
    assert set(updates) == set(chain.waiting)
    assert updates[wait2]["OldResourceProperties"]["JobStatus"] == "ACTIVE"
    assert updates[wait2]["ResourceProperties"]["JobStatus"] == "IN PROGRESS"
    assert {updates[lid]["ResourceProperties"]["JobArn"] for lid in chain.extensions} == {second.arn}
    assert [stack.resources[lid].attributes["Status"] for lid in chain.waiting] == ["IN PROGRESS"] * 2 + ["ACTIVE"] * 3
    assert 2 * SHARE <= _event_at(result, wait1, "UPDATE_COMPLETE") - started <= 2 * SHARE + 2 * QUERY_INTERVAL
    # Clean-up deletes what each resource was for A; the handler leaves job A in place.
    assert sorted(_deletes(stack, chain, stack_requests_before)) == sorted(_ids_for(chain, first.arn))


def test_a_job_replaced_after_a_timed_out_one_is_waited_for_alone(
    scenario_stack, deployment, emulator, clock, job_timings
):
    kind = INFERENCE
    artifact = scenario_stack(kind.stack("TwoHourWait"))
    chain = _chain(artifact)
    stack = deployment(artifact.name)
    assert stack.deploy(artifact, {RUN_NAME_PARAMETER: "RunA"}).status == "CREATE_COMPLETE"
    (first,) = emulator.jobs()
    assert first.status == "ACTIVE"

    # v2: job B runs 5 hours, past the 2-hour timeout.
    job_timings.next_jobs_take(minutes=300)
    stack_requests_before = len(stack.requests)
    timed_out = stack.deploy(artifact, {RUN_NAME_PARAMETER: "RunB"})

    assert timed_out.status == "UPDATE_ROLLBACK_COMPLETE"
    _, second = emulator.jobs()
    (failure,) = timed_out.failure_reasons()
    assert f"{second.arn} did not finish within 7200 s" in failure
    assert _failed_ids(timed_out) == [chain.extensions[-1]]
    # The rollback, as stack_deployment.py models it (GUESS there: an Update back to each custom
    # resource the failed deploy updated, in reverse order, to the id it has now): the extensions
    # and the job's resource are answered at once, in place, still naming B; no job is started.
    (failing,) = [
        i
        for i, (_, response) in enumerate(stack.requests)
        if i >= stack_requests_before and response.status == "FAILED"
    ]
    rollback = [
        (
            request["LogicalResourceId"],
            request["RequestType"],
            request["PhysicalResourceId"],
            response.status,
            response.physical_id,
        )
        for request, response in stack.requests[failing + 1 :]
    ]
    assert rollback == [
        (chain.extensions[1], "Update", f"{second.arn}/wait-2", "SUCCESS", f"{second.arn}/wait-2"),
        (chain.extensions[0], "Update", f"{second.arn}/wait-1", "SUCCESS", f"{second.arn}/wait-1"),
        (chain.job, "Update", second.arn, "SUCCESS", second.arn),
    ]
    assert len(_logged(stack, "rollback_answered_in_place")) == 3
    statuses = {change.status: change.at for change in stack.status_history}
    assert statuses["UPDATE_ROLLBACK_COMPLETE"] - statuses["UPDATE_ROLLBACK_IN_PROGRESS"] <= QUERY_INTERVAL
    assert len(emulator.jobs()) == 2
    assert {stack.resources[lid].attributes["JobArn"] for lid in chain.waiting} == {second.arn}

    # v3, B still running: job C (90 minutes) replaces it; the deploy waits for C only.
    job_timings.next_jobs_take(minutes=90)
    requests_before, stack_requests_before = len(emulator.requests), len(stack.requests)
    started = clock.now()

    result = stack.deploy(artifact, {RUN_NAME_PARAMETER: "RunC"})

    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    _, second, third = emulator.jobs()
    assert third.name.startswith("RunC-") and third.status == "ACTIVE"
    assert second.status == "IN PROGRESS", "B was still running when the deploy with C completed"
    assert third.last_updated_at == started + 90 * 60
    assert 0 <= clock.now() - third.last_updated_at <= POLL_INTERVAL + QUERY_INTERVAL
    describes = _describes(emulator, kind, requests_before)
    assert {_described_arn(kind, r) for r in describes} == {third.arn}
    assert len([r for r in describes if r.at >= third.last_updated_at]) == 1  # Wait2: no call
    assert stack.resources[chain.extensions[-1]].attributes["JobArn"] == third.arn
    assert result.outputs == {"JobArn": third.arn, "Results": _output_path(third)}
    # Each extension was sent an Update from B (what the rollback left) to C.
    updates = _updates(stack, stack_requests_before)
    assert set(updates) == set(chain.waiting)
    assert updates[chain.job]["PhysicalResourceId"] == second.arn
    assert updates[chain.job]["OldResourceProperties"]["JobNamePrefix"] == "RunA"  # the rolled-back template's
    replaced = {
        (updates[lid]["OldResourceProperties"]["JobArn"], updates[lid]["ResourceProperties"]["JobArn"])
        for lid in chain.extensions
    }
    assert replaced == {(second.arn, third.arn)}
    # The clean-up's Deletes name B, and make no call.
    assert sorted(_deletes(stack, chain, stack_requests_before)) == sorted(_ids_for(chain, second.arn))
    assert {r.operation for r in emulator.requests[requests_before:]} == {
        kind.create_operation,
        kind.describe_operation,
    }


# ---------------------------------------------------------------------------------------------
# wait=False, and an unchanged re-deploy


def test_without_waiting_the_deploy_ends_once_personalize_has_the_job(
    kind, scenario_stack, deployment, emulator, clock, aws_endpoint
):
    artifact = scenario_stack(kind.stack("NoWait"))
    chain = _chain(artifact)
    assert chain.extensions == []
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    (job,) = emulator.jobs()
    assert job.status == "PENDING"
    assert clock.now() - started <= QUERY_INTERVAL
    describes = _describes(emulator, kind)
    assert 1 <= len(describes) <= 2 and describes[-1].error_code is None
    assert result.outputs == {"JobArn": job.arn, "Results": _output_path(job)}
    assert stack.resources[chain.job].attributes["Status"] == "PENDING"
    assert _logged(stack, "job_running")[0]["status"] == "PENDING"
    requests_before, log_before = len(emulator.requests), len(stack.handler_log)

    clock.advance(HOUR)

    (job,) = emulator.jobs()
    assert job.status == "ACTIVE"
    assert len(emulator.requests) == requests_before and len(stack.handler_log) == log_before
    bucket, _, prefix = _output_path(job).removeprefix("s3://").partition("/")
    assert client("s3", aws_endpoint).get_object(Bucket=bucket, Key=prefix + kind.input_name + ".out")["Body"].read()


def test_without_waiting_a_job_deferred_at_the_quota_ends_the_deploy_once_accepted(
    kind, scenario_stack, deployment, emulator, clock
):
    # Five jobs started outside the stack fill the quota; they fail when they leave PENDING.
    personalize = client("personalize", emulator.endpoint_url)
    create = getattr(personalize, re.sub(r"(?<!^)([A-Z])", r"_\1", kind.create_operation).lower())
    for number in range(5):
        create(
            jobName=f"other-{number}",
            solutionVersionArn=kind.solution_version_arn,
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/other",
            jobInput={"s3DataSource": {"path": "s3://elsewhere/in.json"}},
            jobOutput={"s3DataDestination": {"path": "s3://elsewhere/out/"}},
        )
    artifact = scenario_stack(kind.stack("NoWait"))
    chain = _chain(artifact)
    stack = deployment(artifact.name)
    started = clock.now()

    result = stack.deploy(artifact)

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    job = emulator.jobs()[-1]
    assert job.name.startswith("Nightly-") and job.status == "PENDING"
    assert job.created_at >= started + PENDING_SECONDS  # accepted once the others had failed
    assert _logged(stack, "job_queued")
    ended = _event_at(result, chain.job, "CREATE_COMPLETE")
    assert job.created_at <= ended <= job.created_at + POLL_INTERVAL + QUERY_INTERVAL
    last = _describes(emulator, kind)[-1]
    assert last.error_code is None and _described_arn(kind, last) == job.arn
    assert result.outputs["JobArn"] == job.arn
    assert f":{REGION}:{ACCOUNT_ID}:" in job.arn


def test_redeploying_the_unchanged_long_wait_stack_sends_no_request(
    kind, scenario_stack, deployment, emulator, job_timings
):
    job_timings.next_jobs_take(minutes=70)  # ends in Wait1's share
    artifact = scenario_stack(kind.stack("LongWait"))
    stack = deployment(artifact.name)
    first = stack.deploy(artifact)
    assert first.status == "CREATE_COMPLETE", first.failure_reasons()
    requests_before, stack_requests_before, log_before = (
        len(emulator.requests),
        len(stack.requests),
        len(stack.handler_log),
    )

    result = stack.deploy(artifact)

    assert result.status == "UPDATE_COMPLETE"
    assert result.outputs == first.outputs
    assert len(stack.requests) == stack_requests_before
    assert len(emulator.requests) == requests_before
    assert len(stack.handler_log) == log_before
    assert len(emulator.jobs()) == 1
