"""Scheduled runs on the test bed: the Scheduled stacks deployed on moto and the Personalize
emulator, then their EventBridge schedule fired on the virtual clock.

Each firing resolves the schedule's target input from the deployed stack and walks the stack's own
scheduled-runs state machine definition (driver/scheduled_execution.py): the Start and Poll tasks
run the deployed handler function in process, each Wait advances the virtual clock by the job's
poll interval. EventBridge Scheduler and Step Functions themselves are stood in for by that driver.
"""

import botocore
import pytest

from .driver.scheduled_execution import fire_schedule
from .local_aws import client
from .scenario_app import KINDS, RUN_NAME_PARAMETER
from .test_results_check import _keys, _manifest, _queue_for, _received

DAY = 24 * 3600
FIVE = 5


@pytest.fixture(params=KINDS, ids=[kind.name for kind in KINDS])
def kind(request):
    return request.param


@pytest.fixture
def scheduled(kind, scenario_stack):
    return scenario_stack(kind.stack("Scheduled"))


def _schedule_id(artifact) -> str:
    (logical_id,) = [lid for lid, r in artifact.resources.items() if r["Type"] == "AWS::Scheduler::Schedule"]
    return logical_id


def _logged(stack, event: str) -> list[dict]:
    return [record for record in stack.handler_log if record.get("event") == event]


def _folder(job) -> str:
    return job.request["jobOutput"]["s3DataDestination"]["path"]


def test_three_nightly_runs_each_in_its_own_folder_one_failing_its_check(
    kind, scheduled, deployment, emulator, aws_endpoint, clock
):
    completed = _queue_for(aws_endpoint, scheduled, scheduled.name, "NightlyCompleted")
    failed = _queue_for(aws_endpoint, scheduled, scheduled.name, "NightlyFailed")
    stack = deployment(scheduled.name)
    assert stack.deploy(scheduled).status == "CREATE_COMPLETE"

    executions = []
    for night in range(3):
        clock.advance(DAY)
        if night == 1:
            emulator.faults.fail_records(3)  # every record of the second night's run fails
        else:
            emulator.faults.succeed_jobs()
        executions.append(fire_schedule(stack, _schedule_id(scheduled), clock.now()).run())

    assert [execution.status for execution in executions] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    deployed, *nightly = emulator.jobs()
    assert len(nightly) == 3 and len({job.name for job in emulator.jobs()}) == 4
    assert all(job.name.startswith("Nightly-") and job.status == "ACTIVE" for job in nightly)
    assert [execution.state["Run"]["JobArn"] for execution in executions] == [job.arn for job in nightly]
    folders = [_folder(job) for job in (deployed, *nightly)]
    assert len(set(folders)) == 4 and all(
        folder.endswith(f"/results/{job.name}/") for folder, job in zip(folders, (deployed, *nightly), strict=True)
    )
    for folder in folders:
        assert _keys(aws_endpoint, folder) == sorted(["_CHECK", f"{kind.input_name}.out", "_results_check.json"])
    assert f"{kind.noun} {nightly[1].arn} ended ACTIVE but its results check failed: every record failed" in (
        executions[1].error
    )
    assert executions[2].state["Run"]["Data"]["RecordCount"] == "3"
    # The manifest names the last run that passed: the third night's, not the failed second.
    manifest = _manifest(aws_endpoint, folders[3], nightly[2].name)
    assert (manifest["jobArn"], manifest["outputFolder"]) == (nightly[2].arn, folders[3])
    # The job's on_completed and on_failed rules match scheduled runs as they match the deploy's.
    assert [event["detail"]["jobArn"] for event in _received(*completed)] == [
        deployed.arn,
        nightly[0].arn,
        nightly[2].arn,
    ]
    (failure,) = _received(*failed)
    assert (failure["detail"]["jobArn"], failure["detail"]["status"]) == (nightly[1].arn, "CHECK_FAILED")
    assert failure["detail"]["constructPath"] == f"{scheduled.name}/Nightly"
    # One line per state change of each run, with its job's ARN.
    assert [line["jobArn"] for line in _logged(stack, "scheduled_run_started")] == [job.arn for job in nightly]
    assert [line["jobArn"] for line in _logged(stack, "scheduled_run_succeeded")] == [nightly[0].arn, nightly[2].arn]
    assert [line["jobArn"] for line in _logged(stack, "scheduled_run_failed")] == [nightly[1].arn]
    for job in nightly:
        statuses = [line["status"] for line in _logged(stack, "job_status") if line["jobArn"] == job.arn]
        assert statuses == ["PENDING", "IN PROGRESS"] or statuses == ["IN PROGRESS"], statuses


def _fill_quota(kind, emulator, template_job, count: int) -> list[str]:
    """`count` other jobs of this kind, started at once with the deployed job's request."""
    personalize = client("personalize", emulator.endpoint_url)
    create = getattr(personalize, botocore.xform_name(kind.create_operation))
    names = []
    for number in range(count):
        name = f"blocker-{number}"
        output = {"s3DataDestination": {"path": _folder(template_job).rsplit("/", 2)[0] + f"/{name}/"}}
        create(**{**template_job.request, "jobName": name, "jobOutput": output})
        names.append(name)
    return names


def test_a_scheduled_run_that_finds_the_quota_full_starts_once_a_slot_frees(
    kind, scheduled, deployment, emulator, clock
):
    stack = deployment(scheduled.name)
    assert stack.deploy(scheduled).status == "CREATE_COMPLETE"
    (deployed,) = emulator.jobs()
    clock.advance(DAY)
    blockers = _fill_quota(kind, emulator, deployed, FIVE)

    execution = fire_schedule(stack, _schedule_id(scheduled), clock.now())
    execution.step()  # StartRun: Personalize refuses, the run keeps its name and ARN for the polls
    arn = execution.state["Run"]["JobArn"]
    assert _logged(stack, "job_queued")[-1]["jobArn"] == arn
    execution.run()

    assert execution.status == "SUCCEEDED", execution.error
    name = arn.rsplit("/", 1)[-1]
    creates = [r for r in emulator.requests if r.operation == kind.create_operation and r.params["jobName"] == name]
    assert len(creates) >= 3 and {r.error_code for r in creates[:-1]} == {"LimitExceededException"}
    assert creates[-1].error_code is None
    assert emulator.peak_concurrency_of(kind.arn_resource_type) == FIVE
    first_blocker_done = min(emulator.job(blocker).last_updated_at for blocker in blockers)
    assert emulator.job(name).created_at >= first_blocker_done and emulator.job(name).status == "ACTIVE"
    # One Create per poll (botocore retries are off for Create), one poll interval apart.
    gaps = [later.at - earlier.at for earlier, later in zip(creates, creates[1:], strict=False)]
    assert gaps and all(60 <= gap < 61 for gap in gaps), gaps


def test_a_scheduled_run_overlapping_a_deploy_time_run_of_the_same_job_keeps_both_runs(
    kind, scheduled, deployment, emulator, aws_endpoint, clock
):
    stack = deployment(scheduled.name)
    assert stack.deploy(scheduled).status == "CREATE_COMPLETE"
    clock.advance(DAY)
    execution = fire_schedule(stack, _schedule_id(scheduled), clock.now())
    execution.step()  # the scheduled run's job starts ...
    scheduled_arn = execution.state["Run"]["JobArn"]

    clock.advance(60)
    result = stack.deploy(scheduled, parameters={RUN_NAME_PARAMETER: "Rerun"})  # ... and a deploy runs the job again
    assert result.status == "UPDATE_COMPLETE", result.failure_reasons()
    execution.run()

    assert execution.status == "SUCCEEDED", execution.error
    first, scheduled_job, redeployed = emulator.jobs()
    assert scheduled_job.arn == scheduled_arn and redeployed.name.startswith("Rerun-")
    assert scheduled_job.created_at < redeployed.created_at < scheduled_job.last_updated_at  # they overlapped
    folders = [_folder(job) for job in (first, scheduled_job, redeployed)]
    assert len(set(folders)) == 3 and result.outputs["Results"] == folders[2]
    for folder in folders:
        assert _keys(aws_endpoint, folder) == sorted(["_CHECK", f"{kind.input_name}.out", "_results_check.json"])
    assert execution.state["Run"]["Data"]["OutputPath"] == folders[1]
    # The scheduled run ended after the deploy's run started: it passed, and left the newer run's manifest alone.
    manifest = _manifest(aws_endpoint, folders[2], redeployed.name)
    assert manifest["jobArn"] == redeployed.arn
    assert _logged(stack, "manifest_kept")[-1]["jobArn"] == scheduled_arn
