"""Local input on the test bed: the file assets are published as the CDK CLI does, and the
stack's provider copies them server-side into the input folder through the real handler."""

import pytest

from .local_aws import client, recorded_s3_calls
from .scenario_app import CHANGED_FOLDER_FILES, FOLDER_FILES, FOLDER_STACK, TOKEN_FOLDER_PREFIX, TOKEN_FOLDER_STACK

ASSET_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"
COPY_TYPE = "Custom::PersonalizeBatchInputCopy"


@pytest.fixture
def s3_calls():
    with recorded_s3_calls() as calls:
        yield calls


def _folder(aws_endpoint, stack) -> dict[str, bytes]:
    """The input folder's objects by name under the prefix."""
    (copy,) = [r for r in stack.resources.values() if r.resource_type == COPY_TYPE]
    bucket, prefix = copy.properties["Bucket"], copy.properties["Prefix"]
    s3 = client("s3", aws_endpoint)
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {
        item["Key"][len(prefix) :]: s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listing
    }


def _expected(files: dict[str, tuple[str, ...]]) -> dict[str, bytes]:
    return {name: "".join(line + "\n" for line in lines).encode() for name, lines in files.items()}


def test_a_folder_is_copied_then_a_redeploy_leaves_exactly_the_new_files_and_reruns_the_job(
    scenario_stack, deployment, emulator, aws_endpoint
):
    stack = deployment(FOLDER_STACK)
    first = stack.deploy(scenario_stack(FOLDER_STACK))
    assert first.status == "CREATE_COMPLETE", first.failure_reasons()
    assert _folder(aws_endpoint, stack) == _expected(FOLDER_FILES)
    (job,) = emulator.jobs()
    assert job.request["jobInput"]["s3DataSource"]["path"].endswith("/input/")

    second = stack.deploy(scenario_stack(FOLDER_STACK, "changed"))

    assert second.status == "UPDATE_COMPLETE", second.failure_reasons()
    assert _folder(aws_endpoint, stack) == _expected(CHANGED_FOLDER_FILES)
    assert [j.status for j in emulator.jobs()] == ["ACTIVE", "ACTIVE"]
    # The copy finished before the re-run started.
    copy_done = max(e.at for e in second.events if e.resource_type == COPY_TYPE and e.status == "UPDATE_COMPLETE")
    assert emulator.jobs()[1].created_at >= copy_done


def test_an_update_rollback_restores_the_previous_input(scenario_stack, deployment, emulator, aws_endpoint):
    stack = deployment(FOLDER_STACK)
    assert stack.deploy(scenario_stack(FOLDER_STACK)).status == "CREATE_COMPLETE"
    emulator.faults.fail_jobs("Solution version is being retrained")

    result = stack.deploy(scenario_stack(FOLDER_STACK, "changed"))

    assert result.status == "UPDATE_ROLLBACK_COMPLETE"
    assert _folder(aws_endpoint, stack) == _expected(FOLDER_FILES)
    copy_statuses = [e.status for e in result.events if e.resource_type == COPY_TYPE]
    assert copy_statuses[-2:] == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]  # the Update back


def test_the_handler_copies_server_side_and_never_downloads_an_asset(
    scenario_stack, deployment, emulator, aws_endpoint, s3_calls
):
    stack = deployment(FOLDER_STACK)

    assert stack.deploy(scenario_stack(FOLDER_STACK)).status == "CREATE_COMPLETE"

    from_assets = [(op, params) for op, params in s3_calls if params.get("Bucket") == ASSET_BUCKET]
    assert not [op for op, _ in from_assets if op == "GetObject"]
    copies = [params for op, params in s3_calls if op == "CopyObject"]
    assert sorted(params["Key"] for params in copies) == sorted(f"input/{name}" for name in FOLDER_FILES)
    assert {params["CopySource"]["Bucket"] for params in copies} == {ASSET_BUCKET}


def test_a_folder_uploaded_to_a_prefix_a_parameter_gives_is_read_by_personalize(
    scenario_stack, deployment, emulator, aws_endpoint
):
    # The grants name the folder's objects though the template knows the prefix only as a Ref.
    stack = deployment(TOKEN_FOLDER_STACK)
    result = stack.deploy(scenario_stack(TOKEN_FOLDER_STACK))

    assert result.status == "CREATE_COMPLETE", result.failure_reasons()
    assert _folder(aws_endpoint, stack) == _expected(FOLDER_FILES)
    (job,) = emulator.jobs()
    assert job.status == "ACTIVE"
    assert job.request["jobInput"]["s3DataSource"]["path"].endswith(f"/{TOKEN_FOLDER_PREFIX}")
