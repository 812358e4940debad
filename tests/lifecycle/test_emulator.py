"""The Personalize batch emulator, driven through an unmodified boto3 client, with S3 and IAM on moto."""

import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .emulator import JobTimings, PersonalizeEmulator
from .emulator.model_validation import check_request, response_violations
from .local_aws import ACCOUNT_ID, REGION, client, moto_server
from .virtual_clock import DEFAULT_START, VirtualClock

BUCKET = "emulator-test-data"
PLAIN_BUCKET = "emulator-test-plain"  # no bucket policy at all
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/0d3c1b7e-0000-4000-8000-000000000001"
SOLUTION_VERSIONS = {
    "user-personalization": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/users/1a2b3c4d",
    "personalized-ranking": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/ranking/1a2b3c4d",
    "similar-items": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/similar/1a2b3c4d",
    "item-affinity": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/segments/1a2b3c4d",
    "item-attribute-affinity": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/attributes/1a2b3c4d",
}
USER_PERSONALIZATION = SOLUTION_VERSIONS["user-personalization"]
ITEM_AFFINITY = SOLUTION_VERSIONS["item-affinity"]
INFERENCE = "batch-inference-job"
SEGMENT = "batch-segment-job"
KINDS = (INFERENCE, SEGMENT)


@dataclass(frozen=True)
class KindCalls:
    """How a test reaches one kind of job through boto3."""

    create: str
    describe: str
    list: str
    arn_member: str
    record_member: str
    list_member: str
    solution_version: str
    """A solution version of a recipe the kind takes."""
    input_line: str
    """An input line that recipe answers."""


KIND_CALLS = {
    INFERENCE: KindCalls(
        "create_batch_inference_job",
        "describe_batch_inference_job",
        "list_batch_inference_jobs",
        "batchInferenceJobArn",
        "batchInferenceJob",
        "batchInferenceJobs",
        USER_PERSONALIZATION,
        '{"userId": "1"}',
    ),
    SEGMENT: KindCalls(
        "create_batch_segment_job",
        "describe_batch_segment_job",
        "list_batch_segment_jobs",
        "batchSegmentJobArn",
        "batchSegmentJob",
        "batchSegmentJobs",
        ITEM_AFFINITY,
        '{"itemId": "1"}',
    ),
}
PENDING_SECONDS = 300
IN_PROGRESS_SECONDS = 1200
RUN_SECONDS = PENDING_SECONDS + IN_PROGRESS_SECONDS
# No retries: an injected fault must reach the test. ("max_attempts": 1 means one retry.)
NO_RETRIES = {"total_max_attempts": 1}


# --- AWS set-up shared by the module: buckets, policies and roles on one moto server ---------


@pytest.fixture(scope="module")
def aws_endpoint():
    with moto_server() as endpoint:
        _create_buckets(endpoint)
        yield endpoint


@pytest.fixture(scope="module")
def s3(aws_endpoint):
    return client("s3", aws_endpoint)


@pytest.fixture(scope="module")
def iam(aws_endpoint):
    return client("iam", aws_endpoint)


@pytest.fixture(scope="module")
def role_arn(iam):
    """A service role as the construct makes it: confused-deputy trust, S3 inline, KMS managed."""
    return _create_role(iam, "emulator-service-role", _s3_statements([BUCKET, PLAIN_BUCKET]), with_key=True)


def _create_buckets(endpoint: str) -> None:
    s3 = client("s3", endpoint)
    for bucket in (BUCKET, PLAIN_BUCKET):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(_secure_bucket_policy(BUCKET, _service_principal())))


def _secure_bucket_policy(bucket: str, grantee: dict) -> dict:
    """CDK's enforce_ssl Deny, then the grants the construct adds for the service principal."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Effect": "Allow",
                "Principal": grantee,
                "Action": ["s3:GetObject", "s3:PutObject"],
                "Resource": f"arn:aws:s3:::{bucket}/*",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            },
            {
                "Effect": "Allow",
                "Principal": grantee,
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{bucket}",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
            },
        ],
    }


def _service_principal() -> dict:
    return {"Service": "personalize.amazonaws.com"}


def _s3_statements(buckets: list[str], *, object_actions=("s3:GetObject", "s3:PutObject")) -> list[dict]:
    return [
        {"Effect": "Allow", "Action": list(object_actions), "Resource": [f"arn:aws:s3:::{b}/*" for b in buckets]},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": [f"arn:aws:s3:::{b}" for b in buckets]},
    ]


def _create_role(iam, name: str, statements: list[dict], *, with_key: bool = False, source_account: str = ACCOUNT_ID):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": _service_principal(),
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": source_account},
                    "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:{REGION}:{source_account}:*"},
                },
            }
        ],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name, PolicyName="data", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    if with_key:
        key_policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": KEY_ARN}],
        }
        policy = iam.create_policy(PolicyName=f"{name}-key", PolicyDocument=json.dumps(key_policy))
        iam.attach_role_policy(RoleName=name, PolicyArn=policy["Policy"]["Arn"])
    return arn


# --- One emulator per test, on its own clock -------------------------------------------------


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def emulator(clock, aws_endpoint):
    with PersonalizeEmulator(
        clock, aws_endpoint_url=aws_endpoint, timings=JobTimings(PENDING_SECONDS, IN_PROGRESS_SECONDS)
    ) as started:
        for recipe, arn in SOLUTION_VERSIONS.items():
            started.add_solution_version(arn, recipe=recipe)
        yield started
        assert started.internal_errors == []


@pytest.fixture
def personalize(emulator):
    return _personalize_client(emulator.endpoint_url)


def _personalize_client(endpoint_url: str, **config):
    return boto3.client(
        "personalize",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries=NO_RETRIES, **config),
    )


@pytest.fixture
def folder():
    """A key prefix of this test's own, so tests never read each other's files."""
    return f"{uuid.uuid4().hex}/"


def _put_lines(s3, key: str, lines: list[str], bucket: str = BUCKET) -> str:
    s3.put_object(Bucket=bucket, Key=key, Body="".join(f"{line}\n" for line in lines).encode())
    return f"s3://{bucket}/{key}"


def _output_lines(s3, key: str, bucket: str = BUCKET) -> list[dict]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines()]


def _create(
    personalize, name: str, input_path: str, output_path: str, role_arn: str, *, kind: str = INFERENCE, **extra
) -> str:
    calls = KIND_CALLS[kind]
    return getattr(personalize, calls.create)(
        jobName=name,
        solutionVersionArn=extra.pop("solutionVersionArn", calls.solution_version),
        jobInput={"s3DataSource": {"path": input_path}},
        jobOutput={"s3DataDestination": {"path": output_path}},
        roleArn=role_arn,
        **extra,
    )[calls.arn_member]


def _describe(personalize, arn: str) -> dict:
    """Describe a job of either kind: the kind is in its ARN."""
    calls = KIND_CALLS[_kind_of(arn)]
    return getattr(personalize, calls.describe)(**{calls.arn_member: arn})[calls.record_member]


def _kind_of(arn: str) -> str:
    return arn.split(":")[5].split("/")[0]


def _list(personalize, kind: str, **params) -> tuple[list[dict], str | None]:
    """One page of a kind's jobs, and the token of the next page."""
    calls = KIND_CALLS[kind]
    response = getattr(personalize, calls.list)(**params)
    return response[calls.list_member], response.get("nextToken")


def _put_input(s3, folder: str, kind: str) -> str:
    """A one-line input file the kind's default solution version answers."""
    return _put_lines(s3, f"{folder}in/lines.json", [KIND_CALLS[kind].input_line])


def _error(call) -> dict:
    with pytest.raises(ClientError) as raised:
        call()
    return {**raised.value.response["Error"], "Status": raised.value.response["ResponseMetadata"]["HTTPStatusCode"]}


@pytest.fixture
def users_input(s3, folder):
    return _put_lines(s3, f"{folder}in/users.json", ['{"userId": "1"}', '{"userId": "2"}'])


# --- Create, Describe, List, tags --------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_create_describe_list_and_tags_round_trip(emulator, personalize, s3, folder, role_arn, kind):
    calls = KIND_CALLS[kind]
    input_path = _put_input(s3, folder, kind)
    filter_arn = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:filter/active-users"
    arn = _create(
        personalize,
        "round-trip",
        input_path,
        f"s3://{BUCKET}/{folder}out/",
        role_arn,
        kind=kind,
        numResults=7,
        filterArn=filter_arn,
        tags=[{"tagKey": "team", "tagValue": "recs"}],
    )

    assert arn == f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:{kind}/round-trip"
    job = _describe(personalize, arn)
    assert {key: value for key, value in job.items() if not key.endswith("DateTime")} == {
        "jobName": "round-trip",
        calls.arn_member: arn,
        "filterArn": filter_arn,
        "solutionVersionArn": calls.solution_version,
        "numResults": 7,
        "jobInput": {"s3DataSource": {"path": input_path}},
        "jobOutput": {"s3DataDestination": {"path": f"s3://{BUCKET}/{folder}out/"}},
        "roleArn": role_arn,
        "status": "PENDING",
    }
    assert job["creationDateTime"].timestamp() == job["lastUpdatedDateTime"].timestamp() == DEFAULT_START
    assert emulator.job(arn).kind == kind
    [summary], _ = _list(personalize, kind, solutionVersionArn=calls.solution_version)
    assert set(summary) == {
        calls.arn_member,
        "jobName",
        "status",
        "solutionVersionArn",
        "creationDateTime",
        "lastUpdatedDateTime",
    }
    assert (summary["jobName"], summary["status"], summary[calls.arn_member]) == ("round-trip", "PENDING", arn)
    assert _list(personalize, kind, solutionVersionArn=SOLUTION_VERSIONS["similar-items"])[0] == []
    # The other kind neither lists nor describes this job.
    other_kind = KIND_CALLS[SEGMENT if kind == INFERENCE else INFERENCE]
    assert getattr(personalize, other_kind.list)()[other_kind.list_member] == []
    other_describe = _error(lambda: getattr(personalize, other_kind.describe)(**{other_kind.arn_member: arn}))
    assert other_describe["Code"] == "ResourceNotFoundException"
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "team", "tagValue": "recs"}]
    personalize.tag_resource(resourceArn=arn, tags=[{"tagKey": "stage", "tagValue": "prod"}])
    personalize.untag_resource(resourceArn=arn, tagKeys=["team"])
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [{"tagKey": "stage", "tagValue": "prod"}]


def test_an_unmodified_client_finds_the_emulator_through_the_environment(emulator, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", emulator.endpoint_url)
    personalize = boto3.client(
        "personalize", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )

    assert personalize.list_batch_inference_jobs()["batchInferenceJobs"] == []
    assert [request.operation for request in emulator.requests] == ["ListBatchInferenceJobs"]


def test_unknown_job_and_unknown_tag_target_are_not_found(personalize):
    missing = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:batch-inference-job/never-created"

    assert _error(lambda: _describe(personalize, missing))["Code"] == "ResourceNotFoundException"
    tagging = _error(lambda: personalize.tag_resource(resourceArn=missing, tags=[{"tagKey": "k", "tagValue": "v"}]))
    assert (tagging["Code"], tagging["Status"]) == ("ResourceNotFoundException", 400)
    assert missing in tagging["Message"]


@pytest.mark.parametrize("kind", KINDS)
def test_list_pages_newest_first_and_rejects_a_forged_token(personalize, s3, folder, role_arn, kind):
    input_path = _put_input(s3, folder, kind)
    for name in ("first", "second", "third"):
        _create(personalize, name, input_path, f"s3://{BUCKET}/{folder}{name}/", role_arn, kind=kind)

    page, token = _list(personalize, kind, maxResults=2)
    rest, last_token = _list(personalize, kind, maxResults=2, nextToken=token)

    assert [job["jobName"] for job in page] == ["third", "second"]
    assert [job["jobName"] for job in rest] == ["first"]
    assert last_token is None
    forged = _error(lambda: _list(personalize, kind, nextToken="not-a-token"))
    assert forged["Code"] == "InvalidNextTokenException"


def test_unknown_solution_version_is_refused_at_create(personalize, users_input, folder, role_arn, emulator):
    unknown = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/nothing/0000"

    error = _error(
        lambda: _create(
            personalize, "orphan", users_input, f"s3://{BUCKET}/{folder}o/", role_arn, solutionVersionArn=unknown
        )
    )

    assert error["Code"] == "ResourceNotFoundException"
    assert unknown in error["Message"]
    assert emulator.jobs() == []


# --- Status on the virtual clock ---------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_status_walks_pending_in_progress_active_as_the_clock_moves(personalize, clock, s3, folder, role_arn, kind):
    arn = _create(personalize, "walk", _put_input(s3, folder, kind), f"s3://{BUCKET}/{folder}out/", role_arn, kind=kind)
    seen = []
    for step in (PENDING_SECONDS - 1, 1, IN_PROGRESS_SECONDS - 1, 1):
        clock.advance(step)
        job = _describe(personalize, arn)
        seen.append((job["status"], job["lastUpdatedDateTime"].timestamp() - DEFAULT_START))

    assert seen == [("PENDING", 0), ("IN PROGRESS", 300), ("IN PROGRESS", 300), ("ACTIVE", 1500)]


def test_a_big_jump_applies_each_transition_at_its_own_time(
    emulator, personalize, clock, users_input, folder, role_arn
):
    changes = []
    emulator.on_status_change(
        lambda job, old, new: changes.append((job.name, old, new, job.last_updated_at - DEFAULT_START))
    )
    _create(personalize, "early", users_input, f"s3://{BUCKET}/{folder}early/", role_arn)
    clock.advance(100)
    _create(personalize, "late", users_input, f"s3://{BUCKET}/{folder}late/", role_arn)

    clock.advance(10 * RUN_SECONDS)  # nobody asks in between: the clock alone moves the jobs

    assert changes == [
        ("early", None, "PENDING", 0),
        ("late", None, "PENDING", 100),
        ("early", "PENDING", "IN PROGRESS", 300),
        ("late", "PENDING", "IN PROGRESS", 400),
        ("early", "IN PROGRESS", "ACTIVE", 1500),
        ("late", "IN PROGRESS", "ACTIVE", 1600),
    ]
    assert [(job.name, job.status, job.last_updated_at - DEFAULT_START) for job in emulator.jobs()] == [
        ("early", "ACTIVE", 1500),
        ("late", "ACTIVE", 1600),
    ]


# --- Output files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "output_keys", "catalogue"),
    [
        (INFERENCE, "userId", {"recommendedItems", "scores"}, {str(number) for number in range(1, 201)}),
        (SEGMENT, "itemId", {"recommendedUsers"}, {str(number) for number in range(1, 501)}),
    ],
)
def test_output_answers_each_line_in_order(
    personalize, clock, s3, folder, role_arn, kind, field, output_keys, catalogue
):
    [member] = output_keys - {"scores"}  # recommendedItems or recommendedUsers
    records = [{field: "42"}, {field: "7"}, {field: "42"}]
    input_path = _put_lines(s3, f"{folder}in/lines.json", [json.dumps(records[0]), "", *map(json.dumps, records[1:])])
    _create(personalize, "answers", input_path, f"s3://{BUCKET}/{folder}out/", role_arn, kind=kind, numResults=5)
    _create(personalize, "answers-default", input_path, f"s3://{BUCKET}/{folder}default/", role_arn, kind=kind)
    clock.advance(RUN_SECONDS)

    lines = _output_lines(s3, f"{folder}out/lines.json.out")
    default_lines = _output_lines(s3, f"{folder}default/lines.json.out")

    assert [line["input"] for line in lines] == records
    assert all(line["error"] is None for line in lines)
    first, second, repeated = (line["output"] for line in lines)
    assert set(first) == output_keys
    assert first == repeated  # deterministic
    assert first[member] != second[member]
    for output in (first, second):
        assert len(output[member]) == len(set(output[member])) == 5
        assert set(output[member]) <= catalogue
    for scores in (output["scores"] for output in (first, second) if "scores" in output_keys):
        assert scores == sorted(scores, reverse=True)
        assert sum(scores) <= 1
        assert all(round(score, 7) == score for score in scores)
    assert len(default_lines[0]["output"][member]) == 25
    assert default_lines[0]["output"][member][:5] == first[member]


def test_personalized_ranking_reorders_the_item_list(personalize, clock, s3, folder, role_arn):
    item_list = ["27", "886", "5", "1", "300", "42", "9", "70"]
    input_path = _put_lines(
        s3,
        f"{folder}in/rank.json",
        [json.dumps({"userId": "891", "itemList": items}) for items in (item_list, item_list[::-1])],
    )
    _create(
        personalize,
        "rank",
        input_path,
        f"s3://{BUCKET}/{folder}out/",
        role_arn,
        solutionVersionArn=SOLUTION_VERSIONS["personalized-ranking"],
    )
    clock.advance(RUN_SECONDS)

    forward, backward = _output_lines(s3, f"{folder}out/rank.json.out")

    assert forward["input"] == {"userId": "891", "itemList": item_list}
    ranked = forward["output"]["recommendedItems"]
    assert sorted(ranked) == sorted(item_list)
    assert backward["output"] == forward["output"]  # the model's order, not the input's
    assert len(forward["output"]["scores"]) == len(item_list)
    assert forward["output"]["scores"] == sorted(forward["output"]["scores"], reverse=True)
    assert sum(forward["output"]["scores"]) <= 1


def test_similar_items_recommends_other_items_without_scores(personalize, clock, s3, folder, role_arn):
    input_path = _put_lines(s3, f"{folder}in/items.json", ['{"itemId": "105"}'])
    _create(
        personalize,
        "similar",
        input_path,
        f"s3://{BUCKET}/{folder}out/",
        role_arn,
        solutionVersionArn=SOLUTION_VERSIONS["similar-items"],
        numResults=10,
    )
    clock.advance(RUN_SECONDS)

    [line] = _output_lines(s3, f"{folder}out/items.json.out")

    assert set(line["output"]) == {"recommendedItems"}
    assert len(line["output"]["recommendedItems"]) == 10
    assert "105" not in line["output"]["recommendedItems"]


@pytest.mark.parametrize(
    ("kind", "raw_lines", "field"),
    [
        (
            INFERENCE,
            ['{"userId": "1"}', "not json", '["userId", "2"]', '{"itemId": "3"}', '{"userId": 4}', '{"userId": "5"}'],
            "userId",
        ),
        (
            SEGMENT,
            ['{"itemId": "1"}', "not json", '["itemId", "2"]', '{"userId": "3"}', '{"itemId": 4}', '{"itemId": "5"}'],
            "itemId",
        ),
    ],
)
def test_malformed_lines_get_an_error_and_the_rest_are_answered(
    personalize, clock, s3, folder, role_arn, kind, raw_lines, field
):
    input_path = _put_lines(s3, f"{folder}in/mixed.json", raw_lines)
    _create(personalize, "mixed", input_path, f"s3://{BUCKET}/{folder}out/", role_arn, kind=kind)
    clock.advance(RUN_SECONDS)

    lines = _output_lines(s3, f"{folder}out/mixed.json.out")

    assert [line["error"] is None for line in lines] == [True, False, False, False, False, True]
    # A failed record's line as AWS re:Post quotes it: its input, an empty result list, "User error: ...".
    assert (lines[1]["input"], lines[2]["input"], lines[3]["input"]) == (raw_lines[1], *map(json.loads, raw_lines[2:4]))
    for line in lines[1:5]:
        assert line["output"] == {"recommendedUsers" if kind == SEGMENT else "recommendedItems": []}
        assert line["error"].startswith("User error: ")
    assert "JSON" in lines[1]["error"]
    assert f"no {field} field" in lines[3]["error"]
    assert f"{field} field must be a non-empty string" in lines[4]["error"]


def test_folder_input_gives_one_output_file_per_input_file(personalize, clock, s3, folder, role_arn):
    s3.put_object(Bucket=BUCKET, Key=f"{folder}in/", Body=b"")  # a console-made folder marker
    _put_lines(s3, f"{folder}in/a.json", ['{"userId": "a"}'])
    _put_lines(s3, f"{folder}in/b.jsonl", ['{"userId": "b1"}', '{"userId": "b2"}'])
    _create(personalize, "folder", f"s3://{BUCKET}/{folder}in/", f"s3://{BUCKET}/{folder}out", role_arn)
    clock.advance(RUN_SECONDS)

    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{folder}out/")["Contents"]

    assert sorted(item["Key"] for item in listed) == [
        f"{folder}out/_CHECK",
        f"{folder}out/a.json.out",
        f"{folder}out/b.jsonl.out",
    ]
    assert [line["input"]["userId"] for line in _output_lines(s3, f"{folder}out/b.jsonl.out")] == ["b1", "b2"]


def test_the_output_exists_when_a_client_first_sees_active(
    emulator, personalize, clock, s3, users_input, folder, role_arn
):
    sizes_at_active = []

    def on_change(job, old_status, new_status):
        if new_status == "ACTIVE":
            sizes_at_active.append(s3.head_object(Bucket=BUCKET, Key=f"{folder}out/users.json.out")["ContentLength"])

    emulator.on_status_change(on_change)
    _create(personalize, "visible", users_input, f"s3://{BUCKET}/{folder}out/", role_arn)

    clock.advance(RUN_SECONDS)

    assert len(sizes_at_active) == 1 and sizes_at_active[0] > 0


def test_kms_key_encrypts_the_output(personalize, clock, s3, users_input, folder, role_arn):
    arn = _create(personalize, "encrypted", users_input, f"s3://{BUCKET}/{folder}out/", role_arn)
    personalize.create_batch_inference_job(
        jobName="encrypted-kms",
        solutionVersionArn=USER_PERSONALIZATION,
        jobInput={"s3DataSource": {"path": users_input, "kmsKeyArn": KEY_ARN}},
        jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/{folder}kms/", "kmsKeyArn": KEY_ARN}},
        roleArn=role_arn,
    )
    clock.advance(RUN_SECONDS)

    encrypted = s3.head_object(Bucket=BUCKET, Key=f"{folder}kms/users.json.out")
    plain = s3.head_object(Bucket=BUCKET, Key=f"{folder}out/users.json.out")

    assert (encrypted["ServerSideEncryption"], encrypted["SSEKMSKeyId"]) == ("aws:kms", KEY_ARN)
    assert plain.get("SSEKMSKeyId") is None
    assert _describe(personalize, arn)["status"] == "ACTIVE"


# --- Request validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "change", "member", "constraint"),
    [
        (INFERENCE, *case)
        for case in [
            ({"jobName": "-starts-with-a-dash"}, "'jobName'", "regular expression pattern"),
            ({"jobName": "x" * 64}, "'jobName'", "length less than or equal to 63"),
            (
                {"jobInput": {"s3DataSource": {"path": "s3://b/" + "k" * 250}}},
                "'jobInput.s3DataSource.path'",
                "less than or equal to 256",
            ),
            ({"roleArn": "arn:aws:iam::123:role/short-account"}, "'roleArn'", "regular expression pattern"),
            ({"batchInferenceJobMode": "FAST"}, "'batchInferenceJobMode'", "enum value set"),
            (
                {"batchInferenceJobConfig": {"rankingInfluence": {"POPULARITY": 1.5}}},
                "'batchInferenceJobConfig.rankingInfluence.POPULARITY'",
                "value less than or equal to 1",
            ),
            (
                {"tags": [{"tagKey": "ok", "tagValue": "v"}, {"tagKey": "bad#key", "tagValue": "v"}]},
                "'tags.2.member.tagKey'",
                "regular expression pattern",
            ),
            ({"jobOutput": {"s3DataDestination": {}}}, "'jobOutput.s3DataDestination.path'", "must not be null"),
        ]
    ]
    + [
        (SEGMENT, *case)
        for case in [
            ({"jobName": "x" * 64}, "'jobName'", "length less than or equal to 63"),
            ({"solutionVersionArn": "solution/segments"}, "'solutionVersionArn'", "regular expression pattern"),
            ({"filterArn": "arn:aws:s3:::bucket"}, "'filterArn'", "regular expression pattern"),
            ({"numResults": "25"}, "'numResults'", "Member must be an integer"),
            (
                {"jobInput": {"s3DataSource": {"path": "ftp://b/in.json"}}},
                "'jobInput.s3DataSource.path'",
                "regular expression pattern",
            ),
            (
                {"tags": [{"tagKey": "k", "tagValue": "v" * 257}]},
                "'tags.1.member.tagValue'",
                "length less than or equal to 256",
            ),
            ({"roleArn": None}, "'roleArn'", "must not be null"),
        ]
    ],
)
def test_invalid_requests_name_the_member(personalize, emulator, role_arn, kind, change, member, constraint):
    request = {
        "jobName": "valid-name",
        "solutionVersionArn": KIND_CALLS[kind].solution_version,
        "jobInput": {"s3DataSource": {"path": f"s3://{BUCKET}/in.json"}},
        "jobOutput": {"s3DataDestination": {"path": f"s3://{BUCKET}/out/"}},
        "roleArn": role_arn,
        **change,
    }
    # botocore checks required members itself: switch that off to reach the service's check.
    unchecked = _personalize_client(emulator.endpoint_url, parameter_validation=False)

    error = _error(
        lambda: getattr(unchecked, KIND_CALLS[kind].create)(
            **{key: value for key, value in request.items() if value is not None}
        )
    )

    assert (error["Code"], error["Status"]) == ("InvalidInputException", 400)
    assert f"at {member}" in error["Message"] and constraint in error["Message"]
    assert emulator.jobs() == []


def test_unknown_members_and_operations_are_refused_on_the_wire(emulator):
    # botocore cannot even serialize an unknown member, so these go over plain HTTP.
    status, headers, body = _raw_call(
        emulator.endpoint_url,
        "AmazonPersonalize.DescribeBatchInferenceJob",
        {"batchInferenceJobArn": f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:batch-inference-job/x", "extra": 1},
    )
    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert headers["x-amzn-ErrorType"] == "InvalidInputException"
    assert "'extra'" in body["message"]

    status, headers, body = _raw_call(emulator.endpoint_url, "AmazonPersonalize.DeleteBatchInferenceJob", {})
    assert (status, body["__type"]) == (400, "UnknownOperationException")
    assert headers["x-amzn-RequestId"]
    assert [request.error_code for request in emulator.requests] == [
        "InvalidInputException",
        "UnknownOperationException",
    ]


def _raw_call(endpoint_url: str, target: str, body: dict):
    request = urllib.request.Request(
        endpoint_url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.headers, json.load(error)


def test_the_model_checks_responses_too():
    model = botocore.session.get_session().get_service_model("personalize")
    describe = model.operation_model("DescribeBatchInferenceJob")

    problems = response_violations(
        describe, {"batchInferenceJob": {"status": "ACTIVE", "numResults": "25", "failureReason": None}}
    )

    assert any("'batchInferenceJob.numResults'" in problem and "integer" in problem for problem in problems)
    assert any("'batchInferenceJob.failureReason'" in problem for problem in problems)
    check_request(model.operation_model("ListBatchInferenceJobs"), {"maxResults": 100})


# --- Names, quotas, faults ---------------------------------------------------------------------


def test_a_name_is_taken_forever_even_by_a_failed_job(emulator, personalize, clock, users_input, folder, role_arn):
    emulator.faults.fail_jobs("Injected failure", name_prefix="doomed")
    _create(personalize, "kept", users_input, f"s3://{BUCKET}/{folder}a/", role_arn)
    _create(personalize, "doomed", users_input, f"s3://{BUCKET}/{folder}b/", role_arn)
    clock.advance(RUN_SECONDS)

    for name in ("kept", "doomed"):
        error = _error(lambda name=name: _create(personalize, name, users_input, f"s3://{BUCKET}/{folder}c/", role_arn))
        assert error["Code"] == "ResourceAlreadyExistsException"
    assert [job.status for job in emulator.jobs()] == ["ACTIVE", "CREATE FAILED"]


def test_a_sixth_concurrent_job_waits_for_one_to_finish(emulator, personalize, clock, users_input, folder, role_arn):
    _create(personalize, "job-0", users_input, f"s3://{BUCKET}/{folder}0/", role_arn)
    clock.advance(100)
    for number in range(1, 5):
        _create(personalize, f"job-{number}", users_input, f"s3://{BUCKET}/{folder}{number}/", role_arn)

    refused = _error(lambda: _create(personalize, "job-5", users_input, f"s3://{BUCKET}/{folder}5/", role_arn))
    clock.advance(RUN_SECONDS - 100)  # job-0 finishes, the others are still in progress
    _create(personalize, "job-5", users_input, f"s3://{BUCKET}/{folder}5/", role_arn)

    assert (refused["Code"], refused["Status"]) == ("LimitExceededException", 400)
    assert "5" in refused["Message"]
    assert emulator.peak_concurrency == 5
    assert [job.status for job in emulator.jobs()] == ["ACTIVE", *["IN PROGRESS"] * 4, "PENDING"]


@pytest.mark.parametrize(
    ("inject", "code", "status"),
    [
        (lambda faults: faults.throttle("DescribeBatchInferenceJob"), "ThrottlingException", 400),
        (lambda faults: faults.server_error("DescribeBatchInferenceJob"), "InternalFailure", 500),
        (lambda faults: faults.server_error("DescribeBatchInferenceJob", status=503), "ServiceUnavailable", 503),
    ],
)
def test_injected_request_faults_reach_botocore(
    emulator, personalize, users_input, folder, role_arn, inject, code, status
):
    arn = _create(personalize, "faulty", users_input, f"s3://{BUCKET}/{folder}out/", role_arn)
    inject(emulator.faults)

    with pytest.raises(ClientError) as raised:
        _describe(personalize, arn)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["Error"]["Message"]
    metadata = raised.value.response["ResponseMetadata"]
    assert (metadata["HTTPStatusCode"], metadata["HTTPHeaders"]["x-amzn-errortype"]) == (status, code)
    assert metadata["RequestId"]
    assert _describe(personalize, arn)["status"] == "PENDING"  # used up after one call
    assert [request.error_code for request in emulator.requests] == [None, code, None]


def test_a_fault_for_an_operation_the_emulator_does_not_serve_is_a_test_bug(emulator):
    with pytest.raises(ValueError, match="DescribeBatchInferenceJobs"):
        emulator.faults.throttle("DescribeBatchInferenceJobs")


@pytest.mark.parametrize("kind", KINDS)
def test_fail_jobs_shows_its_reason_when_the_job_would_have_finished(
    emulator, personalize, clock, s3, folder, role_arn, kind
):
    input_path = _put_input(s3, folder, kind)
    emulator.faults.fail_jobs("Internal service error", name_prefix="nightly-")
    failing = _create(personalize, "nightly-1", input_path, f"s3://{BUCKET}/{folder}failed/", role_arn, kind=kind)
    passing = _create(personalize, "weekly-1", input_path, f"s3://{BUCKET}/{folder}passed/", role_arn, kind=kind)

    clock.advance(RUN_SECONDS - 1)
    assert _describe(personalize, failing)["status"] == "IN PROGRESS"
    clock.advance(1)

    job = _describe(personalize, failing)
    assert (job["status"], job["failureReason"]) == ("CREATE FAILED", "Internal service error")
    assert _describe(personalize, passing)["status"] == "ACTIVE"
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{folder}failed/")


@pytest.mark.parametrize("kind", KINDS)
def test_stall_jobs_stay_in_progress_forever(emulator, personalize, clock, s3, folder, role_arn, kind):
    emulator.faults.stall_jobs(name_prefix="stuck")
    arn = _create(
        personalize, "stuck-job", _put_input(s3, folder, kind), f"s3://{BUCKET}/{folder}out/", role_arn, kind=kind
    )

    clock.advance(30 * 24 * 3600)

    assert _describe(personalize, arn)["status"] == "IN PROGRESS"
    assert emulator.job("stuck-job").last_updated_at == DEFAULT_START + PENDING_SECONDS


# --- Role, bucket policy and input checks when a job starts ------------------------------------


def _expect_start_failure(personalize, clock, arn: str) -> str:
    clock.advance(PENDING_SECONDS)
    job = _describe(personalize, arn)
    assert job["status"] == "CREATE FAILED"
    assert job["lastUpdatedDateTime"].timestamp() == DEFAULT_START + PENDING_SECONDS
    return job["failureReason"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_role_without_get_object_fails_the_job_naming_the_action(personalize, clock, iam, s3, folder, kind):
    role = _create_role(iam, f"no-read-{folder[:8]}", _s3_statements([BUCKET], object_actions=["s3:PutObject"]))
    arn = _create(personalize, "no-read", _put_input(s3, folder, kind), f"s3://{BUCKET}/{folder}out/", role, kind=kind)

    reason = _expect_start_failure(personalize, clock, arn)

    object_arn = f"arn:aws:s3:::{BUCKET}/{folder}in/lines.json"
    assert reason == f"Access Denied: The role {role} cannot s3:GetObject on {object_arn} (no Allow in its policies)"


def test_an_explicit_deny_in_the_role_wins(personalize, clock, iam, users_input, folder):
    deny = {"Effect": "Deny", "Action": "s3:Put*", "Resource": f"arn:aws:s3:::{BUCKET}/{folder}*"}
    role = _create_role(iam, f"deny-{folder[:8]}", [*_s3_statements([BUCKET]), deny])
    arn = _create(personalize, "denied", users_input, f"s3://{BUCKET}/{folder}out/", role)

    reason = _expect_start_failure(personalize, clock, arn)

    assert "cannot s3:PutObject" in reason and "explicit Deny" in reason


def test_a_role_that_trusts_another_account_cannot_be_assumed(personalize, clock, iam, users_input, folder):
    role = _create_role(iam, f"other-account-{folder[:8]}", _s3_statements([BUCKET]), source_account="999999999999")
    arn = _create(personalize, "untrusted", users_input, f"s3://{BUCKET}/{folder}out/", role)

    reason = _expect_start_failure(personalize, clock, arn)

    assert reason.startswith(f"Failed to assume role {role}: its trust policy does not allow personalize.amazonaws.com")
    assert "aws:SourceAccount" in reason


def test_a_missing_role_fails_the_job(personalize, clock, users_input, folder):
    role = f"arn:aws:iam::{ACCOUNT_ID}:role/never-created"
    arn = _create(personalize, "no-role", users_input, f"s3://{BUCKET}/{folder}out/", role)

    assert _expect_start_failure(personalize, clock, arn) == f"Failed to assume role {role}: the role does not exist"


def test_a_bucket_policy_without_the_service_principal_fails_the_job(personalize, clock, s3, iam, folder):
    bucket = f"emulator-role-only-{folder[:8]}"
    s3.create_bucket(Bucket=bucket)
    role = _create_role(iam, f"role-only-{folder[:8]}", _s3_statements([bucket]))
    # Grants the role, not the service: the documentation says Personalize needs the latter.
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_secure_bucket_policy(bucket, {"AWS": role})))
    input_path = _put_lines(s3, "in/users.json", ['{"userId": "1"}'], bucket=bucket)
    arn = _create(personalize, "role-only", input_path, f"s3://{bucket}/out/", role)

    reason = _expect_start_failure(personalize, clock, arn)

    assert reason == (
        f"Access Denied: The bucket policy of {bucket} does not allow personalize.amazonaws.com "
        f"s3:ListBucket on arn:aws:s3:::{bucket}"
    )


def test_a_secure_transport_deny_does_not_block_the_service(personalize, clock, s3, role_arn, folder):
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert any(
        statement["Effect"] == "Deny" and "aws:SecureTransport" in json.dumps(statement)
        for statement in policy["Statement"]
    )
    input_path = _put_lines(s3, f"{folder}in/users.json", ['{"userId": "1"}'])
    arn = _create(personalize, "tls", input_path, f"s3://{BUCKET}/{folder}out/", role_arn)

    clock.advance(RUN_SECONDS)

    assert _describe(personalize, arn)["status"] == "ACTIVE"


def test_a_bucket_without_a_policy_leaves_access_to_the_role(personalize, clock, s3, role_arn, folder):
    input_path = _put_lines(s3, f"{folder}in/users.json", ['{"userId": "1"}'], bucket=PLAIN_BUCKET)
    arn = _create(personalize, "plain", input_path, f"s3://{PLAIN_BUCKET}/{folder}out/", role_arn)

    clock.advance(RUN_SECONDS)

    assert _describe(personalize, arn)["status"] == "ACTIVE"


@pytest.mark.parametrize("path_in_folder", ["in/absent.json", "empty-folder/"])
def test_missing_input_fails_the_job(personalize, clock, folder, role_arn, path_in_folder):
    input_path = f"s3://{BUCKET}/{folder}{path_in_folder}"
    arn = _create(personalize, "no-input", input_path, f"s3://{BUCKET}/{folder}out/", role_arn)

    assert _expect_start_failure(personalize, clock, arn) == f"Input data not found at {input_path}"


def test_a_role_without_the_key_cannot_encrypt(personalize, clock, iam, users_input, folder):
    role = _create_role(iam, f"no-key-{folder[:8]}", _s3_statements([BUCKET]))
    arn = personalize.create_batch_inference_job(
        jobName="no-key",
        solutionVersionArn=USER_PERSONALIZATION,
        jobInput={"s3DataSource": {"path": users_input}},
        jobOutput={"s3DataDestination": {"path": f"s3://{BUCKET}/{folder}out/", "kmsKeyArn": KEY_ARN}},
        roleArn=role,
    )["batchInferenceJobArn"]

    assert _expect_start_failure(personalize, clock, arn) == (
        f"Access Denied: The role {role} cannot kms:Decrypt on {KEY_ARN} (no Allow in its policies)"
    )


def test_a_policy_the_emulator_cannot_read_is_an_internal_error(clock, aws_endpoint, iam, s3, folder):
    bucket = f"emulator-unreadable-{folder[:8]}"
    s3.create_bucket(Bucket=bucket)
    unreadable = {
        "Effect": "Allow",
        "Principal": _service_principal(),
        "Action": "s3:*",
        "Resource": "*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [unreadable]}))
    input_path = _put_lines(s3, "in.json", ['{"userId": "1"}'], bucket=bucket)
    role = _create_role(iam, f"unreadable-{folder[:8]}", _s3_statements([bucket]))
    with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint) as emulator:
        emulator.add_solution_version(USER_PERSONALIZATION)
        arn = _create(_personalize_client(emulator.endpoint_url), "unreadable", input_path, f"s3://{bucket}/o/", role)

        clock.advance(PENDING_SECONDS)

        assert emulator.job(arn).status == "CREATE FAILED"
        [error] = emulator.internal_errors
        assert "IpAddress" in error


# --- Batch segment jobs: what differs from batch inference jobs --------------------------------


@pytest.fixture
def items_input(s3, folder):
    return _put_lines(s3, f"{folder}in/items.json", ['{"itemId": "105"}', '{"itemId": "7"}', '{"itemId": "105"}'])


def test_a_name_is_taken_per_kind(emulator, personalize, items_input, users_input, folder, role_arn):
    segment = _create(personalize, "shared", items_input, f"s3://{BUCKET}/{folder}a/", role_arn, kind=SEGMENT)
    inference = _create(personalize, "shared", users_input, f"s3://{BUCKET}/{folder}b/", role_arn)

    again = _error(
        lambda: _create(personalize, "shared", items_input, f"s3://{BUCKET}/{folder}c/", role_arn, kind=SEGMENT)
    )

    assert again["Code"] == "ResourceAlreadyExistsException"
    assert [(job.kind, job.arn) for job in emulator.jobs()] == [(SEGMENT, segment), (INFERENCE, inference)]
    with pytest.raises(KeyError):
        emulator.job("shared")


def test_segment_users_come_from_the_solution_versions_users(emulator, personalize, clock, s3, folder, role_arn):
    small = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/small/1a2b3c4d"
    emulator.add_solution_version(small, recipe="item-affinity", user_ids=["ana", "bo", "cy"])
    input_path = _put_lines(s3, f"{folder}in/items.json", ['{"itemId": "1"}'])
    _create(
        personalize,
        "small",
        input_path,
        f"s3://{BUCKET}/{folder}out/",
        role_arn,
        kind=SEGMENT,
        solutionVersionArn=small,
        numResults=10,
    )
    clock.advance(RUN_SECONDS)

    [line] = _output_lines(s3, f"{folder}out/items.json.out")

    assert sorted(line["output"]["recommendedUsers"]) == ["ana", "bo", "cy"]


def test_item_attribute_affinity_answers_attribute_expressions(personalize, clock, s3, folder, role_arn):
    comedy, drama = 'ITEMS.genres = "Comedy"', 'ITEMS.genres = "Drama" AND ITEMS.year > 2000'
    input_path = _put_lines(
        s3,
        f"{folder}in/attributes.json",
        [
            json.dumps({"itemAttributes": comedy}),
            json.dumps({"itemAttributes": drama}),
            '{"itemAttributes": ""}',
            '{"itemId": "105"}',
        ],
    )
    _create(
        personalize,
        "attributes",
        input_path,
        f"s3://{BUCKET}/{folder}out/",
        role_arn,
        kind=SEGMENT,
        solutionVersionArn=SOLUTION_VERSIONS["item-attribute-affinity"],
        numResults=5,
    )
    clock.advance(RUN_SECONDS)

    lines = _output_lines(s3, f"{folder}out/attributes.json.out")

    assert [line["error"] is None for line in lines] == [True, True, False, False]
    assert [line["input"] for line in lines[:2]] == [{"itemAttributes": comedy}, {"itemAttributes": drama}]
    comedy_users, drama_users = (line["output"]["recommendedUsers"] for line in lines[:2])
    assert len(comedy_users) == len(drama_users) == 5
    assert comedy_users != drama_users
    assert all("itemAttributes" in line["error"] for line in lines[2:])


@pytest.mark.parametrize(
    ("kind", "recipe"),
    [
        (INFERENCE, "item-affinity"),
        (INFERENCE, "item-attribute-affinity"),
        (SEGMENT, "user-personalization"),
        (SEGMENT, "similar-items"),
    ],
)
def test_a_kind_refuses_the_other_kinds_recipes_at_create(emulator, personalize, s3, folder, role_arn, kind, recipe):
    error = _error(
        lambda: _create(
            personalize,
            "wrong-recipe",
            _put_input(s3, folder, kind),
            f"s3://{BUCKET}/{folder}out/",
            role_arn,
            kind=kind,
            solutionVersionArn=SOLUTION_VERSIONS[recipe],
        )
    )

    assert (error["Code"], error["Status"]) == ("InvalidInputException", 400)
    assert f"the {recipe} recipe" in error["Message"] and SOLUTION_VERSIONS[recipe] in error["Message"]
    assert emulator.jobs() == []


def test_num_results_bounds_differ_by_kind(emulator, personalize, s3, folder, role_arn):
    inputs = {kind: _put_input(s3, f"{folder}{kind}/", kind) for kind in KINDS}

    too_many_items = _error(
        lambda: _create(personalize, "items", inputs[INFERENCE], f"s3://{BUCKET}/{folder}i/", role_arn, numResults=1000)
    )
    _create(personalize, "users", inputs[SEGMENT], f"s3://{BUCKET}/{folder}s/", role_arn, kind=SEGMENT, numResults=1000)
    too_many_users = _error(
        lambda: _create(
            personalize,
            "users-2",
            inputs[SEGMENT],
            f"s3://{BUCKET}/{folder}s2/",
            role_arn,
            kind=SEGMENT,
            numResults=5_000_001,
        )
    )

    assert too_many_items["Code"] == too_many_users["Code"] == "InvalidInputException"
    assert "numResults must be from 1 to 500," in too_many_items["Message"]
    assert "numResults must be from 1 to 5000000," in too_many_users["Message"]
    assert [job.name for job in emulator.jobs()] == ["users"]


def test_a_segment_job_takes_no_inference_members(emulator, role_arn):
    status, _, body = _raw_call(
        emulator.endpoint_url,
        "AmazonPersonalize.CreateBatchSegmentJob",
        {
            "jobName": "themed",
            "solutionVersionArn": ITEM_AFFINITY,
            "jobInput": {"s3DataSource": {"path": f"s3://{BUCKET}/in.json"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://{BUCKET}/out/"}},
            "roleArn": role_arn,
            "batchInferenceJobMode": "THEME_GENERATION",
        },
    )

    assert (status, body["__type"]) == (400, "InvalidInputException")
    assert "'batchInferenceJobMode'" in body["message"] and "CreateBatchSegmentJobRequest" in body["message"]
    assert emulator.jobs() == []


def test_each_kind_has_its_own_quota_of_five(emulator, personalize, s3, folder, role_arn):
    inputs = {kind: _put_input(s3, f"{folder}{kind}/", kind) for kind in KINDS}
    for kind in KINDS:
        for number in range(5):
            _create(
                personalize,
                f"job-{number}",
                inputs[kind],
                f"s3://{BUCKET}/{folder}{kind}-{number}/",
                role_arn,
                kind=kind,
            )

    refused = {
        kind: _error(
            lambda kind=kind: _create(
                personalize, "job-5", inputs[kind], f"s3://{BUCKET}/{folder}{kind}-5/", role_arn, kind=kind
            )
        )
        for kind in KINDS
    }

    for kind, noun in ((INFERENCE, "batch inference jobs"), (SEGMENT, "batch segment jobs")):
        assert (refused[kind]["Code"], refused[kind]["Status"]) == ("LimitExceededException", 400)
        assert f"limit of 5 {noun}" in refused[kind]["Message"]
        assert emulator.peak_concurrency_of(kind) == 5
    assert emulator.peak_concurrency == 10
    assert [job.status for job in emulator.jobs()] == ["PENDING"] * 10
    with pytest.raises(ValueError, match="batch-segment-job"):
        emulator.peak_concurrency_of("campaign")


def test_segment_concurrency_limit_sets_the_segment_quota_apart(clock, aws_endpoint, s3, folder, role_arn):
    inputs = {kind: _put_input(s3, f"{folder}{kind}/", kind) for kind in KINDS}
    with PersonalizeEmulator(
        clock, aws_endpoint_url=aws_endpoint, concurrency_limit=2, segment_concurrency_limit=1
    ) as emulator:
        emulator.add_solution_version(USER_PERSONALIZATION)
        emulator.add_solution_version(ITEM_AFFINITY, recipe="item-affinity")
        personalize = _personalize_client(emulator.endpoint_url)

        def create(kind: str, name: str):
            return lambda: _create(
                personalize, name, inputs[kind], f"s3://{BUCKET}/{folder}{name}/", role_arn, kind=kind
            )

        create(SEGMENT, "segment-1")()
        segment_refused = _error(create(SEGMENT, "segment-2"))
        create(INFERENCE, "inference-1")()
        create(INFERENCE, "inference-2")()
        inference_refused = _error(create(INFERENCE, "inference-3"))

        assert segment_refused["Code"] == inference_refused["Code"] == "LimitExceededException"
        assert (emulator.peak_concurrency_of(SEGMENT), emulator.peak_concurrency_of(INFERENCE)) == (1, 2)
        assert emulator.internal_errors == []


def test_request_faults_reach_the_segment_operations(emulator, personalize, items_input, folder, role_arn):
    emulator.faults.server_error("CreateBatchSegmentJob", status=503)
    emulator.faults.throttle("DescribeBatchSegmentJob")
    emulator.faults.throttle("ListBatchSegmentJobs")

    unavailable = _error(
        lambda: _create(personalize, "faulty", items_input, f"s3://{BUCKET}/{folder}out/", role_arn, kind=SEGMENT)
    )
    arn = _create(personalize, "faulty", items_input, f"s3://{BUCKET}/{folder}out/", role_arn, kind=SEGMENT)
    throttled = _error(lambda: _describe(personalize, arn))
    listed = _error(lambda: _list(personalize, SEGMENT))

    assert (unavailable["Code"], unavailable["Status"]) == ("ServiceUnavailable", 503)
    assert throttled["Code"] == listed["Code"] == "ThrottlingException"
    assert _describe(personalize, arn)["status"] == "PENDING"
    assert [(request.operation, request.error_code) for request in emulator.requests] == [
        ("CreateBatchSegmentJob", "ServiceUnavailable"),
        ("CreateBatchSegmentJob", None),
        ("DescribeBatchSegmentJob", "ThrottlingException"),
        ("ListBatchSegmentJobs", "ThrottlingException"),
        ("DescribeBatchSegmentJob", None),
    ]
