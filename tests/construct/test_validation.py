"""Bad prop values fail at construction with a ValueError naming the prop; good boundary values pass.

Nothing here synthesizes but the last test: every check runs in the constructors. Each test gets a new Stack in one
shared App.
"""

from __future__ import annotations

import datetime
import itertools
import re

import pytest
from aws_cdk import App, CfnParameter, Duration, RemovalPolicy, Stack, TimeZone
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from aws_cdk.aws_scheduler import ScheduleExpression

from personalize_batch_constructs import (
    BatchInferenceJob,
    BatchInferenceJobMode,
    BatchInput,
    BatchJob,
    BatchOutput,
    BatchSegmentJob,
    schedule_expression,
)

from .stacks import SOLUTION_VERSION_ARN

_ids = itertools.count()


@pytest.fixture(scope="module")
def app() -> App:
    return App()


@pytest.fixture
def stack(app) -> Stack:
    return Stack(app, f"Validation{next(_ids)}")


@pytest.fixture
def bucket_input(stack) -> BatchInput:
    """An input in a bucket imported by name: no asset, no upload, nothing slow."""
    return BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")


def make_job(stack: Stack, job_input: BatchInput, job_class: type[BatchJob] = BatchInferenceJob, **props) -> BatchJob:
    props.setdefault("solution_version_arn", SOLUTION_VERSION_ARN)
    return job_class(stack, "Job", input=job_input, **props)


def names(prop: str) -> str:
    """A pattern matching a message that names ``prop`` as a word."""
    return rf"(?<![A-Za-z_]){re.escape(prop)}(?![A-Za-z])"


# Props every batch job has: both constructs must refuse these values.
SHARED_BAD_PROPS = [
    ("num_results", {"num_results": 0}),
    ("num_results", {"num_results": 2.5}),
    ("num_results", {"num_results": "25"}),
    ("job_name_prefix", {"job_name_prefix": "-x"}),
    ("job_name_prefix", {"job_name_prefix": "a b"}),
    ("job_name_prefix", {"job_name_prefix": "a" * 51}),
    ("job_name_prefix", {"job_name_prefix": ""}),
    ("solution_version_arn", {"solution_version_arn": "arn:aws:personalize:us-east-1:111122223333:solution/movies"}),
    ("solution_version_arn", {"solution_version_arn": "arn:aws:personalize:us-east-1:111122223333:filter/f"}),
    ("solution_version_arn", {"solution_version_arn": "movies/1a2b3c"}),
    ("filter_arn", {"filter_arn": "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"}),
    ("filter_arn", {"filter_arn": "arn:aws:personalize:us-east-1:1111:filter/f"}),
    ("tags", {"tags": {f"key{i}": "v" for i in range(201)}}),
    ("tags", {"tags": {"k" * 129: "v"}}),
    ("tags", {"tags": {"": "v"}}),
    ("tags", {"tags": {"aws:cloudformation:stack-name": "v"}}),
    ("tags", {"tags": {"k": "v" * 257}}),
    ("poll_interval", {"poll_interval": Duration.seconds(0)}),
    ("poll_interval", {"poll_interval": Duration.seconds(5)}),
    ("poll_interval", {"poll_interval": Duration.millis(10_500)}),
    ("poll_interval", {"timeout": Duration.minutes(5), "poll_interval": Duration.minutes(6)}),
    ("timeout", {"timeout": Duration.hours(13)}),
    ("timeout", {"timeout": Duration.seconds(12 * 3600 + 1)}),
    ("timeout", {"timeout": Duration.seconds(3601), "wait": False}),
    ("output_removal_policy", {"output_removal_policy": RemovalPolicy.SNAPSHOT}),
    ("wait", {"wait": "no"}),
    ("wait", {"wait": 0}),
    ("timeout", {"timeout": Duration.seconds(0)}),
    ("max_error_rate", {"max_error_rate": -0.1}),
    ("max_error_rate", {"max_error_rate": 1.5}),
    ("max_error_rate", {"max_error_rate": "0.1"}),
    ("max_error_rate", {"max_error_rate": True}),
    ("output_versioned", {"output_versioned": "yes"}),
    ("output_noncurrent_version_expiration", {"output_noncurrent_version_expiration": Duration.hours(36)}),
    ("output_noncurrent_version_expiration", {"output_noncurrent_version_expiration": Duration.seconds(0)}),
    ("output_noncurrent_version_expiration", {"output_noncurrent_version_expiration": 30}),
    (
        "output_noncurrent_version_expiration",
        {"output_versioned": False, "output_noncurrent_version_expiration": Duration.days(7)},
    ),
    ("schedule", {"schedule": "cron(0 2 * * ? *)"}),
    ("schedule", {"schedule": ScheduleExpression.expression("cron(0 2 * * *)")}),
    ("schedule_enabled", {"schedule_enabled": False}),
    ("schedule_enabled", {"schedule": ScheduleExpression.rate(Duration.days(1)), "schedule_enabled": "no"}),
]
INFERENCE_BAD_PROPS = [
    ("num_results", {"num_results": 501}),
    ("exploration_weight", {"exploration_weight": -0.1}),
    ("exploration_weight", {"exploration_weight": 1.1}),
    ("exploration_item_age_cut_off", {"exploration_item_age_cut_off": -1}),
    ("exploration_item_age_cut_off", {"exploration_item_age_cut_off": 0}),
    ("theme_item_name_field", {"mode": BatchInferenceJobMode.THEME_GENERATION}),
    ("theme_item_name_field", {"theme_item_name_field": "title"}),
    ("theme_item_name_field", {"mode": BatchInferenceJobMode.THEME_GENERATION, "theme_item_name_field": "1title"}),
    ("theme_item_name_field", {"mode": BatchInferenceJobMode.THEME_GENERATION, "theme_item_name_field": "item-name"}),
    ("mode", {"mode": "THEME"}),
    ("ranking_influence", {"ranking_influence": {"POPULARITY": 0.3, "RECENCY": 0.2}}),
    ("ranking_influence", {"ranking_influence": {"POPULARITY": 1.5}}),
    ("ranking_influence", {"ranking_influence": {"FRESHNESS": -0.5}}),
]
# A segment job has its own numResults range (and none of the inference-only props: test_conventions.py).
SEGMENT_BAD_PROPS = [("num_results", {"num_results": 5_000_001})]
BAD_PROPS = [(BatchInferenceJob, prop, props) for prop, props in SHARED_BAD_PROPS + INFERENCE_BAD_PROPS] + [
    (BatchSegmentJob, prop, props) for prop, props in SHARED_BAD_PROPS + SEGMENT_BAD_PROPS
]


@pytest.mark.parametrize(
    ("job_class", "prop", "props"),
    BAD_PROPS,
    ids=[f"{job_class.__name__}-{prop}-{index}" for index, (job_class, prop, _) in enumerate(BAD_PROPS)],
)
def test_bad_value_raises_naming_the_prop(stack, bucket_input, job_class, prop, props):
    with pytest.raises(ValueError, match=names(prop)):
        make_job(stack, bucket_input, job_class, **props)


def _given_output(stack: Stack) -> BatchOutput:
    return BatchOutput.to_bucket(s3.Bucket.from_bucket_name(stack, "Out", "output-bucket"), "results/")


@pytest.mark.parametrize(
    ("prop", "value"),
    [
        ("output_versioned", False),
        ("output_noncurrent_version_expiration", Duration.days(7)),
        ("output_removal_policy", RemovalPolicy.DESTROY),
    ],
)
def test_a_setting_of_the_new_output_bucket_is_refused_with_a_bucket_given(stack, bucket_input, prop, value):
    # It would be ignored: the user's bucket keeps its own versioning and removal policy.
    with pytest.raises(ValueError, match=rf"{names(prop)}.*output=BatchOutput\.to_bucket"):
        make_job(stack, bucket_input, output=_given_output(stack), **{prop: value})


def test_access_logs_are_refused_when_no_bucket_is_new_and_kept_when_one_is(stack, bucket_input):
    logs = s3.Bucket.from_bucket_name(stack, "Logs", "access-logs")
    with pytest.raises(ValueError, match=names("server_access_logs_bucket")):
        make_job(stack, bucket_input, output=_given_output(stack), server_access_logs_bucket=logs)
    # The new output bucket logs to it.
    job = BatchInferenceJob(
        stack, "Logged", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input, server_access_logs_bucket=logs
    )
    assert job.output_bucket.node.scope is job


@pytest.mark.parametrize("job_class", [BatchInferenceJob, BatchSegmentJob])
def test_input_must_be_a_batch_input(stack, job_class):
    with pytest.raises(
        TypeError, match=rf"^Validation\d+/Job: {names('input')}.*BatchInput\.from_bucket\(bucket, key\)"
    ):
        job_class(stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input="s3://bucket/users.json")


def test_output_must_be_a_batch_output_not_a_bucket(stack, bucket_input):
    # It used to fail with AttributeError: 'Bucket' object has no attribute 'bucket'.
    with pytest.raises(
        TypeError, match=rf"^Validation\d+/Job: {names('output')}.*BatchOutput\.to_bucket\(bucket, prefix\)"
    ):
        make_job(stack, bucket_input, output=s3.Bucket(stack, "Results"))


@pytest.mark.parametrize(
    "tags",
    [
        # It used to fail with AttributeError: 'list' object has no attribute 'items'.
        [{"Key": "a", "Value": "b"}],
        # These failed inside jsii: AttributeError: type object 'tuple' has no attribute '__jsii_type__'.
        [("team", "recs")],
        (("team", "recs"),),
        {("team", "recs")},
    ],
    ids=["cloudformation-tag-list", "list-of-pairs", "tuple-of-pairs", "set-of-pairs"],
)
def test_tags_must_be_a_mapping(stack, bucket_input, tags):
    with pytest.raises(
        TypeError, match=rf"^Validation\d+/Job: {names('tags')} must be a mapping of tag key to tag value"
    ):
        make_job(stack, bucket_input, tags=tags)


def test_a_tag_value_jsii_cannot_pass_is_refused_naming_the_tag(stack, bucket_input):
    with pytest.raises(ValueError, match=r"tags\['team'\] must be a string"):
        make_job(stack, bucket_input, tags={"team": ("recs",)})


@pytest.mark.parametrize("policy", [RemovalPolicy.SNAPSHOT, "DESTROY"])
def test_output_removal_policy_is_retain_or_destroy(stack, bucket_input, policy):
    with pytest.raises(
        ValueError,
        match=rf"{names('output_removal_policy')} must be RemovalPolicy\.RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY",
    ):
        make_job(stack, bucket_input, output_removal_policy=policy)


@pytest.mark.parametrize(
    "policy", [RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY]
)
def test_output_removal_policy_retain_and_destroy_reach_the_new_bucket(policy):
    # Its own app: the shared one may be synthesized only once.
    stack = Stack(App(), "Removal")
    job_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")
    job = make_job(stack, job_input, output_removal_policy=policy)
    (bucket,) = Template.from_stack(stack).find_resources("AWS::S3::Bucket").values()
    expected = {
        RemovalPolicy.RETAIN: "Retain",
        RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE: "RetainExceptOnCreate",
        RemovalPolicy.DESTROY: "Delete",
    }
    assert bucket["DeletionPolicy"] == expected[policy]
    assert job.output_bucket.node.scope is job


def test_the_shared_base_cannot_be_used_on_its_own(stack, bucket_input):
    with pytest.raises(TypeError, match="BatchInferenceJob or a BatchSegmentJob"):
        make_job(stack, bucket_input, BatchJob)


def test_a_missing_asset_path_is_named(tmp_path):
    missing = tmp_path / "nope" / "users.json"
    with pytest.raises(ValueError, match=r"input.*from_asset.*does not exist") as raised:
        BatchInput.from_asset(str(missing))
    assert str(missing) in str(raised.value)


def test_asset_key_prefix_must_be_a_folder(tmp_path):
    source = tmp_path / "users.json"
    source.write_text('{"userId": "1"}\n')
    for prefix in ("uploads", "/uploads/"):
        with pytest.raises(ValueError, match=r"key_prefix"):
            BatchInput.from_asset(str(source), key_prefix=prefix)


def test_output_prefix_must_end_with_a_slash(stack):
    bucket = s3.Bucket.from_bucket_name(stack, "Out", "output-bucket")
    for prefix in ("results", "/results/"):
        with pytest.raises(ValueError, match=r"output.*to_bucket prefix"):
            BatchOutput.to_bucket(bucket, prefix)


def test_bucket_input_key_must_not_be_empty(stack):
    bucket = s3.Bucket.from_bucket_name(stack, "In", "input-bucket")
    for key in ("", "/", "/users.json"):
        with pytest.raises(ValueError, match=r"input.*from_bucket key"):
            BatchInput.from_bucket(bucket, key)


@pytest.mark.parametrize(
    ("key", "instead"),
    [
        ("s3://b/users.json", "give the key 'users.json'"),
        ("S3://b/users/", "give the key 'users/'"),
        ("s3://b", "give the object's key"),
        ("/users.json", "give 'users.json'"),
        ("//users/part.json", "give 'users/part.json'"),
    ],
)
def test_bucket_input_key_is_a_key_not_a_uri_or_a_path(stack, key, instead):
    bucket = s3.Bucket.from_bucket_name(stack, "In", "input-bucket")
    with pytest.raises(ValueError, match=rf"^input: BatchInput\.from_bucket key .*{re.escape(instead)}"):
        BatchInput.from_bucket(bucket, key)


GOOD_PROPS = [
    {"num_results": 1},
    {"num_results": 500},
    {"exploration_weight": 0, "exploration_item_age_cut_off": 0.5},
    {"exploration_weight": 1},
    {"ranking_influence": {"POPULARITY": 0, "FRESHNESS": 1}},
    {"job_name_prefix": "a" * 50},
    {"job_name_prefix": "0_a-b"},
    {"mode": BatchInferenceJobMode.THEME_GENERATION, "theme_item_name_field": "_title2"},
    {"tags": {f"key{i}": "v" * 256 for i in range(199)} | {"k" * 128: ""}},
    {"timeout": Duration.hours(1), "poll_interval": Duration.hours(1)},
    {"timeout": Duration.seconds(10), "poll_interval": Duration.seconds(10)},
    {"timeout": Duration.hours(12)},
    {"timeout": Duration.hours(12), "poll_interval": Duration.hours(12), "wait": True},
    {"wait": False, "timeout": Duration.hours(1)},
    {"solution_version_arn": "arn:aws-cn:personalize:cn-north-1:111122223333:solution/movies/version/1a2b3c"},
    {"filter_arn": "arn:aws:personalize:eu-west-1:111122223333:filter/no-watched"},
    {"max_error_rate": 0},
    {"max_error_rate": 1},
    {"output_versioned": False},
    {"output_noncurrent_version_expiration": Duration.days(1)},
    {"output_noncurrent_version_expiration": Duration.hours(48)},
    {"schedule": ScheduleExpression.rate(Duration.days(1)), "schedule_enabled": None},
    {"schedule_enabled": None},
    {"schedule": None, "schedule_enabled": None},
    {"output_removal_policy": RemovalPolicy.DESTROY},
]


@pytest.mark.parametrize("props", GOOD_PROPS, ids=[",".join(p) for p in GOOD_PROPS])
def test_boundary_values_pass(stack, bucket_input, props):
    job = make_job(stack, bucket_input, **props)
    assert job.node.try_find_child("Resource") is not None


@pytest.mark.parametrize("num_results", [1, 501, 5_000_000])
def test_segment_sizes_up_to_five_million_pass(num_results):
    # Its own app: the shared one may be synthesized only once.
    stack = Stack(App(), "Segments")
    job_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "items.json")
    make_job(stack, job_input, BatchSegmentJob, num_results=num_results)
    (job,) = Template.from_stack(stack).find_resources("Custom::PersonalizeBatchSegmentJob").values()
    assert job["Properties"]["NumResults"] == str(num_results)


def test_a_long_construct_id_makes_a_valid_default_prefix(stack, bucket_input):
    BatchInferenceJob(stack, "x" * 80, solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input)


def test_exploration_values_reach_the_job_with_every_digit_written(stack, bucket_input):
    make_job(stack, bucket_input, exploration_weight=0.1234567, exploration_item_age_cut_off=1234567)
    (job,) = Template.from_stack(stack).find_resources("Custom::PersonalizeBatchInferenceJob").values()
    assert job["Properties"]["ItemExplorationConfig"] == {
        "explorationWeight": "0.1234567",
        "explorationItemAgeCutOff": "1234567",
    }


def test_the_longest_timeout_waits_in_twelve_extensions_and_wait_false_in_none(stack, bucket_input):
    longest = BatchInferenceJob(
        stack, "Longest", solution_version_arn=SOLUTION_VERSION_ARN, input=bucket_input, timeout=Duration.hours(12)
    )
    no_wait = BatchInferenceJob(
        stack,
        "NoWait",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=bucket_input,
        wait=False,
        timeout=Duration.hours(1),
    )
    assert longest.node.try_find_child("Wait12") is not None and longest.node.try_find_child("Wait13") is None
    assert [child.node.id for child in no_wait.node.children if child.node.id.startswith("Wait")] == []


# (the expression, a part of the message saying what is wrong and what is allowed)
BAD_SCHEDULES = [
    (ScheduleExpression.expression("cron(0 2 * * *)"), r"a unix cron of 5 fields.*e\.g\. 'cron\(0 2 \* \* \? \*\)'"),
    (ScheduleExpression.expression("cron(0 2 * * 1-5)"), "a unix cron of 5 fields.*1-7 from SUN"),
    (
        ScheduleExpression.expression("cron(0 2 * * ? * *)"),
        r"of 6 fields, cron\(minutes hours day-of-month month day-of-week year\)",
    ),
    (ScheduleExpression.expression("every night"), r"cron\(.*\), rate\(value unit\) or at\(yyyy-mm-ddThh:mm:ss\)"),
    (ScheduleExpression.expression("Rate(1 day)"), r"rate\(value unit\)"),
    (ScheduleExpression.cron(minute="0", hour="25"), "hours must be 0-23 .*got '25'"),
    (ScheduleExpression.cron(minute="60", hour="2"), "minutes must be 0-59 .*got '60'"),
    (ScheduleExpression.cron(minute="0", hour="2", day="0"), "day-of-month must be 1-31 .*got '0'"),
    (ScheduleExpression.cron(minute="0", hour="2", day="32"), "day-of-month must be 1-31"),
    (ScheduleExpression.cron(minute="0", hour="2", month="13"), "month must be 1-12 or JAN-DEC .*got '13'"),
    (ScheduleExpression.cron(minute="0", hour="2", month="JANUARY"), "month must be 1-12 or JAN-DEC"),
    (ScheduleExpression.cron(minute="0", hour="2", week_day="0"), "day-of-week must be 1-7 or SUN-SAT .*got '0'"),
    (ScheduleExpression.cron(minute="0", hour="2", week_day="MON-8"), "day-of-week must be 1-7"),
    (ScheduleExpression.cron(minute="0", hour="2", week_day="3#1,6#3"), "day-of-week must be"),
    (ScheduleExpression.cron(minute="0", hour="2", week_day="3#6"), "day-of-week must be"),
    (ScheduleExpression.cron(minute="0", hour="2", year="1969"), "year must be 1970-2199 .*got '1969'"),
    (ScheduleExpression.cron(minute="0", hour="2", year="2200"), "year must be 1970-2199"),
    (ScheduleExpression.cron(minute="0,61", hour="2"), "minutes must be 0-59 .*got '0,61'"),
    (ScheduleExpression.cron(minute="0/0", hour="2"), "minutes must be 0-59"),
    (ScheduleExpression.cron(minute="0", hour="1-24"), "hours must be 0-23"),
    (ScheduleExpression.cron(minute="0", hour="?"), "hours must be 0-23"),
    (ScheduleExpression.cron(minute="0", hour="2", day="5L"), "day-of-month must be"),
    (ScheduleExpression.expression("cron(0 2 * * * *)"), "'?' in exactly one of them"),
    (ScheduleExpression.expression("cron(0 2 ? * ? *)"), "'?' in exactly one of them"),
    (ScheduleExpression.expression("cron(0 2 1 * MON *)"), "'?' in exactly one of them"),
    (ScheduleExpression.expression("rate(0 hours)"), "value a positive whole number"),
    (ScheduleExpression.expression("rate(1 hours)"), r"minute, hour or day when the value is 1"),
    (ScheduleExpression.expression("rate(2 day)"), "minutes, hours or days otherwise"),
    (ScheduleExpression.expression("rate(30 seconds)"), "unit minute, hour or day"),
    (ScheduleExpression.expression("rate(-5 minutes)"), "value a positive whole number"),
    (ScheduleExpression.expression("rate(five minutes)"), "value a positive whole number"),
    (ScheduleExpression.expression("at(2030-02-30T02:00:00)"), r"at\(yyyy-mm-ddThh:mm:ss\)"),
    (ScheduleExpression.expression("at(2030-01-01 02:00)"), r"at\(yyyy-mm-ddThh:mm:ss\)"),
]


@pytest.mark.parametrize(("schedule", "message"), BAD_SCHEDULES, ids=[s.expression_string for s, _ in BAD_SCHEDULES])
def test_a_malformed_schedule_expression_is_refused_at_synth(stack, bucket_input, schedule, message):
    # EventBridge Scheduler would refuse it only when the schedule is created, after the deploy-time run.
    with pytest.raises(ValueError, match=rf"^Validation\d+/Job: {names('schedule')}.*{message}") as raised:
        make_job(stack, bucket_input, schedule=schedule)
    assert schedule.expression_string in str(raised.value)


GOOD_SCHEDULES = [
    ScheduleExpression.cron(minute="30", hour="2", time_zone=TimeZone.EUROPE_BERLIN),
    ScheduleExpression.cron(minute="0", hour="2"),
    ScheduleExpression.cron(hour="3", week_day="MON"),
    ScheduleExpression.cron(minute="0", hour="8", day="1"),
    ScheduleExpression.cron(minute="0/15", hour="*/2", week_day="MON-FRI"),
    ScheduleExpression.cron(minute="5,35", hour="14", month="JAN,feb,MAR-DEC", year="2026-2199"),
    ScheduleExpression.cron(minute="0", hour="10", week_day="6L", year="1970"),
    ScheduleExpression.cron(minute="15", hour="10", week_day="6#3"),
    ScheduleExpression.cron(minute="0", hour="0", week_day="L"),
    ScheduleExpression.cron(minute="0", hour="0", day="L"),
    ScheduleExpression.cron(minute="0", hour="0", day="LW"),
    ScheduleExpression.cron(minute="0", hour="0", day="3W"),
    ScheduleExpression.cron(minute="0", hour="0", day="1/5"),
    ScheduleExpression.expression("cron(0 18 ? * MON-FRI *)"),
    ScheduleExpression.rate(Duration.days(7)),
    ScheduleExpression.rate(Duration.days(1)),
    ScheduleExpression.rate(Duration.hours(2)),
    ScheduleExpression.rate(Duration.minutes(90)),
    ScheduleExpression.expression("rate(1 minute)"),
    ScheduleExpression.at(datetime.datetime(2030, 1, 1, 2, 0, tzinfo=datetime.UTC)),
    ScheduleExpression.expression("at(2028-02-29T23:59:59)"),
]


@pytest.mark.parametrize("schedule", GOOD_SCHEDULES, ids=[s.expression_string for s in GOOD_SCHEDULES])
def test_valid_schedule_expressions_pass(stack, bucket_input, schedule):
    job = make_job(stack, bucket_input, schedule=schedule)
    assert job.schedule is not None


def test_a_token_schedule_expression_is_left_to_the_scheduler(stack, bucket_input):
    expression = CfnParameter(stack, "Schedule", default="every night").value_as_string
    job = make_job(stack, bucket_input, schedule=ScheduleExpression.expression(expression))
    assert job.schedule is not None


_OVERLAP_WARNING = "personalize-batch-constructs:scheduleFasterThanTimeout"


def _schedule_id(value: object) -> str:
    if isinstance(value, ScheduleExpression):
        return value.expression_string
    return value.to_human_string() if isinstance(value, Duration) else str(value)


def _warnings(job: BatchJob) -> list[str]:
    return [str(entry.data) for entry in job.node.metadata if entry.type == "aws:cdk:warning"]


@pytest.mark.parametrize(
    ("schedule", "timeout", "warned"),
    [
        (ScheduleExpression.rate(Duration.minutes(30)), None, True),  # the default timeout: one hour
        (ScheduleExpression.rate(Duration.hours(1)), Duration.hours(2), True),
        (ScheduleExpression.rate(Duration.minutes(59)), Duration.hours(1), True),
        (ScheduleExpression.rate(Duration.hours(1)), None, False),
        (ScheduleExpression.rate(Duration.hours(12)), Duration.hours(12), False),
        (ScheduleExpression.rate(Duration.minutes(30)), Duration.minutes(20), False),
        (ScheduleExpression.cron(minute="0/10"), None, True),  # every 10 minutes
        (ScheduleExpression.cron(minute="5/20", hour="3"), None, True),  # 03:05, 03:25, 03:45
        (ScheduleExpression.cron(minute="0,50", hour="2"), None, True),  # 02:00 and 02:50
        (ScheduleExpression.cron(minute="0", hour="*"), Duration.hours(2), True),
        (ScheduleExpression.cron(minute="0", hour="8-17/3", week_day="MON-FRI"), Duration.hours(4), True),
        (ScheduleExpression.cron(minute="0", hour="22,2"), Duration.hours(5), True),  # across midnight: 4 hours
        (ScheduleExpression.cron(minute="0", hour="22-2/2"), Duration.hours(3), True),  # 22, 0, 2: a range wraps
        (ScheduleExpression.cron(minute="0", hour="22,2"), Duration.hours(4), False),
        (ScheduleExpression.cron(minute="0", hour="*"), None, False),  # hourly, the one-hour default timeout
        (ScheduleExpression.cron(minute="0,50", hour="2"), Duration.minutes(50), False),
        (ScheduleExpression.cron(minute="0", hour="2"), Duration.hours(12), False),  # once a day
        (ScheduleExpression.cron(minute="0", hour="2", week_day="MON-FRI"), Duration.hours(12), False),
        (ScheduleExpression.at(datetime.datetime(2030, 1, 1, 2, 0, tzinfo=datetime.UTC)), None, False),
    ],
    ids=_schedule_id,
)
def test_a_schedule_faster_than_the_timeout_warns_that_runs_overlap(stack, bucket_input, schedule, timeout, warned):
    props = {"schedule": schedule} | ({"timeout": timeout} if timeout else {})
    job = make_job(stack, bucket_input, **props)
    warnings = [w for w in _warnings(job) if w.endswith(f"[ack: {_OVERLAP_WARNING}]")]
    if not warned:
        assert warnings == []
        return
    (warning,) = warnings
    assert re.search(names("schedule"), warning) and re.search(names("timeout"), warning)
    assert schedule.expression_string in warning
    assert "billed" in warning and "quota" in warning
    assert "every minute" not in warning


@pytest.mark.parametrize(
    ("schedule", "runs"),
    [
        # CDK's cron() leaves an unset minute as '*': a run every minute from 02:00 to 02:59.
        (ScheduleExpression.cron(hour="2"), 60),
        (ScheduleExpression.cron(week_day="SUN"), 1440),
        (ScheduleExpression.cron(hour="3", week_day="MON"), 60),
    ],
    ids=_schedule_id,
)
def test_a_cron_of_every_minute_warns_naming_the_minute_to_give(stack, bucket_input, schedule, runs):
    job = make_job(stack, bucket_input, schedule=schedule)
    (warning,) = [w for w in _warnings(job) if w.endswith(f"[ack: {_OVERLAP_WARNING}]")]
    assert warning.startswith(
        f"schedule {schedule.expression_string} fires every minute (its minutes field is '*'): {runs} runs on "
        "each day it fires, a run every 60 s, less than the timeout of 3600 s"
    )
    assert 'minute="0"' in warning


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(90 minutes)", 5400),
        ("cron(* 2 * * ? *)", 60),
        ("cron(*/7 * * * ? *)", 240),  # 00:56 to 01:00
        ("cron(10/25 4 * * ? *)", 1500),  # 04:10, 04:35
        ("cron(58-2 * * * ? *)", 60),
        ("cron(0 9-17 ? * MON-FRI *)", 3600),
        ("cron(30 23,1 * * ? *)", 7200),  # across midnight
        ("cron(0 2 * * ? *)", 86400),
        ("cron(0 2 1 * ? *)", 86400),  # the day fields are not read: at least a day
        ("at(2030-01-01T02:00:00)", None),
        ("cron(0 2 * * *)", None),
    ],
)
def test_shortest_interval_of_a_schedule(expression, seconds):
    assert schedule_expression.shortest_interval_seconds(expression) == seconds


def test_wait_false_timeout_message_says_it_limits_scheduled_runs(stack, bucket_input):
    long = {"wait": False, "timeout": Duration.hours(2)}
    with pytest.raises(ValueError, match=r"at most 3600 s with wait=False") as unscheduled:
        make_job(stack, bucket_input, **long)
    assert "scheduled" not in str(unscheduled.value)
    with pytest.raises(ValueError, match=r"at most 3600 s with wait=False.*scheduled runs.*wait=True, got 7200 s"):
        BatchInferenceJob(
            stack,
            "Scheduled",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=bucket_input,
            schedule=ScheduleExpression.rate(Duration.days(1)),
            **long,
        )


def test_a_timeout_shorter_than_any_job_is_warned_about_when_a_run_is_watched():
    stack = Stack(App(), "ShortTimeouts")
    job_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")
    nightly = ScheduleExpression.cron(minute="0", hour="2")
    for construct_id, props in {
        "Watched": {"timeout": Duration.minutes(20)},
        "ScheduledUnwaited": {"timeout": Duration.minutes(20), "wait": False, "schedule": nightly},
        "Unwatched": {"timeout": Duration.minutes(20), "wait": False},
        "HalfAnHour": {"timeout": Duration.minutes(30)},
    }.items():
        BatchInferenceJob(
            stack,
            construct_id,
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=job_input,
            output=BatchOutput.to_bucket(s3.Bucket(stack, f"{construct_id}Out")),
            **props,
        )
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("timeoutShorterThanAJob"))
    assert sorted(warning.id for warning in warnings) == ["/ShortTimeouts/ScheduledUnwaited", "/ShortTimeouts/Watched"]
    assert "timeout is 1200 s" in warnings[0].entry.data
