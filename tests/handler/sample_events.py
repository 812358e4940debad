"""CloudFormation events as the Provider framework hands them to the handler, and stub responses."""

import copy
import datetime
import hashlib
import io
import json

from botocore.response import StreamingBody
from botocore.stub import ANY

ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/shop-stack/6f1c2b40-8a1e-11ef-9f2b-0a1b2c3d4e5f"
LOGICAL_ID = "NightlyRecommendations"
CREATE_REQUEST_ID = "7d3c0b64-2f9e-4c1a-9e1d-3b5a8c2f6e01"
UPDATE_REQUEST_ID = "0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d"
SERVICE_TOKEN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:provider-framework-onEvent"
SOLUTION_VERSION_ARN = f"arn:aws:personalize:us-east-1:{ACCOUNT}:solution/shop/3f2a1b0c"
FILTER_ARN = f"arn:aws:personalize:us-east-1:{ACCOUNT}:filter/in-stock"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/PersonalizeBatchRole"
KMS_KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
INPUT_BUCKET = "shop-batch-input"
INPUT_KEY = "users/users.jsonl"
INPUT_PATH = f"s3://{INPUT_BUCKET}/{INPUT_KEY}"
OUTPUT_PATH = "s3://shop-batch-output/recommendations/"
START_TIME = 1_760_000_000.0

REQUIRED_PROPERTIES = {
    "ServiceToken": SERVICE_TOKEN,
    "JobNamePrefix": "nightly-recs",
    "SolutionVersionArn": SOLUTION_VERSION_ARN,
    "InputPath": INPUT_PATH,
    "OutputPath": OUTPUT_PATH,
    "RoleArn": ROLE_ARN,
    "NumResults": "25",
    "TimeoutSeconds": "3600",
    "PollIntervalSeconds": "30",
}


def properties(**overrides) -> dict:
    """The required properties with `overrides`; an override of None removes the property."""
    merged = {**copy.deepcopy(REQUIRED_PROPERTIES), **overrides}
    return {key: value for key, value in merged.items() if value is not None}


def create_event(props: dict | None = None) -> dict:
    return {
        "RequestType": "Create",
        "ResourceType": "Custom::PersonalizeBatchInferenceJob",
        "ServiceToken": SERVICE_TOKEN,
        "StackId": STACK_ID,
        "LogicalResourceId": LOGICAL_ID,
        "RequestId": CREATE_REQUEST_ID,
        "ResourceProperties": props if props is not None else properties(),
    }


def update_event(physical_id: str, old: dict, new: dict) -> dict:
    return {
        **create_event(new),
        "RequestType": "Update",
        "RequestId": UPDATE_REQUEST_ID,
        "PhysicalResourceId": physical_id,
        "OldResourceProperties": old,
    }


def delete_event(physical_id: str, props: dict | None = None) -> dict:
    return {**create_event(props), "RequestType": "Delete", "PhysicalResourceId": physical_id}


def waiting_event(on_event_event: dict, on_event_result: dict) -> dict:
    """What the framework passes to is_complete: the request merged with on_event's result."""
    return {**on_event_event, **on_event_result}


def job_arn(name: str) -> str:
    return f"arn:aws:personalize:us-east-1:{ACCOUNT}:batch-inference-job/{name}"


def described_job(
    arn: str, status: str, *, last_updated: float = START_TIME, failure_reason: str | None = None
) -> dict:
    job = {
        "jobName": arn.rsplit("/", 1)[1],
        "batchInferenceJobArn": arn,
        "solutionVersionArn": SOLUTION_VERSION_ARN,
        "numResults": 25,
        "jobInput": {"s3DataSource": {"path": INPUT_PATH}},
        "jobOutput": {"s3DataDestination": {"path": OUTPUT_PATH}},
        "roleArn": ROLE_ARN,
        "status": status,
        "creationDateTime": datetime.datetime.fromtimestamp(START_TIME, datetime.UTC),
        "lastUpdatedDateTime": datetime.datetime.fromtimestamp(last_updated, datetime.UTC),
    }
    if failure_reason is not None:
        job["failureReason"] = failure_reason
    return {"batchInferenceJob": job}


def expected_name(request_id: str = CREATE_REQUEST_ID, prefix: str = "nightly-recs") -> str:
    """The contract's job name, computed here independently of the handler."""
    return f"{prefix}-{hashlib.sha256(f'{STACK_ID}|{LOGICAL_ID}|{request_id}'.encode()).hexdigest()[:12]}"


def minimal_request(request_id: str = CREATE_REQUEST_ID) -> dict:
    """The CreateBatchInferenceJob request the required properties alone make."""
    return {
        "jobName": expected_name(request_id),
        "solutionVersionArn": SOLUTION_VERSION_ARN,
        "jobInput": {"s3DataSource": {"path": INPUT_PATH}},
        "jobOutput": {"s3DataDestination": {"path": run_folder(expected_name(request_id))}},
        "roleArn": ROLE_ARN,
        "numResults": 25,
    }


def stub_input_found(s3_stub) -> None:
    s3_stub.add_response("head_object", {"ContentLength": 2048}, {"Bucket": INPUT_BUCKET, "Key": INPUT_KEY})


def segment_job_arn(name: str) -> str:
    return f"arn:aws:personalize:us-east-1:{ACCOUNT}:batch-segment-job/{name}"


def wait_properties(**overrides) -> dict:
    """A wait extension's properties as the construct's chain writes them, for the job `create_event`
    starts: the first of three extensions of a 3-hour wait; `overrides` as in `properties`."""
    merged = {
        "ServiceToken": SERVICE_TOKEN,
        "JobArn": job_arn(expected_name()),
        "JobStatus": "IN PROGRESS",
        "OutputPath": run_folder(),
        "InputPath": INPUT_PATH,
        # What it needs to start the job, should Personalize not have accepted it yet.
        "SolutionVersionArn": SOLUTION_VERSION_ARN,
        "RoleArn": ROLE_ARN,
        "NumResults": "25",
        "Extension": "1",
        "TimeoutSeconds": "3480",
        "TotalTimeoutSeconds": "10800",
        "PollIntervalSeconds": "60",
        "OnTimeout": "Continue",
        **overrides,
    }
    return {key: value for key, value in merged.items() if value is not None}


def stub_stack_status(cloudformation_stub, status: str) -> None:
    """DescribeStacks, which an Update asks to tell a rollback from a deploy."""
    cloudformation_stub.add_response(
        "describe_stacks",
        {
            "Stacks": [
                {
                    "StackName": "shop-stack",
                    "StackId": STACK_ID,
                    "StackStatus": status,
                    "CreationTime": datetime.datetime.fromtimestamp(START_TIME, datetime.UTC),
                }
            ]
        },
        {"StackName": STACK_ID},
    )


OUTPUT_BUCKET = "shop-batch-output"
OUTPUT_PREFIX = "recommendations/"


def run_folder(name: str | None = None) -> str:
    """Where a run writes: its own folder under the output path."""
    return f"{OUTPUT_PATH}{name or expected_name()}/"


def output_line(error: str | None = None, field: str = "recommendedItems") -> str:
    """One `.out` line as Personalize writes it: a failed record has an empty list and an error."""
    output = {field: []} if error else {field: ["105", "27"]}
    return json.dumps({"input": {"userId": "4638"}, "output": output, "error": error})


def completed_data(arn: str, status: str = "ACTIVE", *, folder: str | None = None, counts=("", "", "")) -> dict:
    """is_complete's answer when the resource completes: the attributes, counts included."""
    return {
        "IsComplete": True,
        "Data": {
            "JobArn": arn,
            "JobName": arn.rsplit("/", 1)[1],
            "Status": status,
            "OutputPath": folder or run_folder(arn.rsplit("/", 1)[1]),
            "InputRecordCount": str(counts[0]),
            "RecordCount": str(counts[1]),
            "ErrorCount": str(counts[2]),
        },
    }


def _body(data: bytes):
    return StreamingBody(io.BytesIO(data), len(data))


def _no_such_key(s3_stub, bucket: str, key: str) -> None:
    s3_stub.add_client_error("get_object", "NoSuchKey", "missing", 404, expected_params={"Bucket": bucket, "Key": key})


def stub_results_check(
    s3_stub, *, name: str | None = None, input_lines: int = 2, output_lines: tuple[str, ...] | None = None
) -> None:
    """The S3 calls of a results check that reads everything in one call, single-file input."""
    name = name or expected_name()
    prefix = f"{OUTPUT_PREFIX}{name}/"
    progress = f"{prefix}_results_check.json"
    lines = output_lines if output_lines is not None else tuple(output_line() for _ in range(input_lines))
    input_data = "".join('{"userId": "4638"}\n' for _ in range(input_lines)).encode()
    output_data = "".join(line + "\n" for line in lines).encode()
    _no_such_key(s3_stub, OUTPUT_BUCKET, progress)
    s3_stub.add_response("head_object", {"ContentLength": len(input_data)}, {"Bucket": INPUT_BUCKET, "Key": INPUT_KEY})
    s3_stub.add_response(
        "get_object",
        {"Body": _body(input_data)},
        {"Bucket": INPUT_BUCKET, "Key": INPUT_KEY, "Range": f"bytes=0-{len(input_data) - 1}"},
    )
    out_key = f"{prefix}users.jsonl.out"
    contents = [{"Key": out_key, "Size": len(output_data)}] if output_data else []
    s3_stub.add_response("list_objects_v2", {"Contents": contents}, {"Bucket": OUTPUT_BUCKET, "Prefix": prefix})
    if output_data:
        s3_stub.add_response(
            "get_object",
            {"Body": _body(output_data)},
            {"Bucket": OUTPUT_BUCKET, "Key": out_key, "Range": f"bytes=0-{len(output_data) - 1}"},
        )
    s3_stub.add_response("put_object", {}, {"Bucket": OUTPUT_BUCKET, "Key": progress, "Body": ANY})


def stub_manifest_written(s3_stub) -> None:
    manifest = f"{OUTPUT_PREFIX}manifest.json"
    _no_such_key(s3_stub, OUTPUT_BUCKET, manifest)
    s3_stub.add_response(
        "put_object",
        {},
        {"Bucket": OUTPUT_BUCKET, "Key": manifest, "Body": ANY, "ContentType": "application/json"},
    )


def stub_event_put(events_stub, detail_type: str = "Personalize Batch Job Succeeded") -> None:
    events_stub.add_response(
        "put_events",
        {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]},
        {
            "Entries": [
                {"Source": "personalize-batch-constructs", "DetailType": detail_type, "Resources": ANY, "Detail": ANY}
            ]
        },
    )


def stub_recorded_check(s3_stub, recorded: dict | None) -> None:
    """The progress object of the run's check: `recorded` as saved, or None when there is none."""
    key = f"{OUTPUT_PREFIX}{expected_name()}/_results_check.json"
    if recorded is None:
        _no_such_key(s3_stub, OUTPUT_BUCKET, key)
        return
    s3_stub.add_response(
        "get_object", {"Body": _body(json.dumps(recorded).encode())}, {"Bucket": OUTPUT_BUCKET, "Key": key}
    )
