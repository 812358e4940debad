"""Props that were tokens at synth are checked at deploy with the construct's rules, before any job
starts: a bad value fails Create (or the Update that would start a job, or retag one) with the very
message the construct gives the same value as a literal, and no request reaches Personalize or S3
(the Stubbers have nothing queued, so any call would fail the test differently).
"""

from __future__ import annotations

import itertools
import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Stack  # noqa: E402
from aws_cdk import aws_s3 as s3  # noqa: E402
from batch_inference_job import BatchInferenceJobHandler  # noqa: E402
from batch_segment_job import BatchSegmentJobHandler  # noqa: E402
from contract import BATCH_INFERENCE  # noqa: E402
from prop_recheck import recheck_job_props  # noqa: E402
from prop_rules import PropValueError  # noqa: E402

from personalize_batch_constructs import (  # noqa: E402
    BatchInferenceJob,
    BatchInferenceJobMode,
    BatchInput,
    BatchJob,
    BatchOutput,
    BatchSegmentJob,
)

from .sample_events import (  # noqa: E402
    ACCOUNT,
    SOLUTION_VERSION_ARN,
    STACK_ID,
    create_event,
    expected_name,
    job_arn,
    properties,
    stub_stack_status,
    update_event,
)

_ids = itertools.count()
_HANDLERS: dict[type[BatchJob], type] = {
    BatchInferenceJob: BatchInferenceJobHandler,
    BatchSegmentJob: BatchSegmentJobHandler,
}
_THEME = {"mode": BatchInferenceJobMode.THEME_GENERATION}
_THEME_PROPERTIES = {"JobMode": "THEME_GENERATION"}

# (construct, the prop as a literal at synth, the properties CloudFormation sends once the token resolved)
CASES = [
    (BatchInferenceJob, {"num_results": 0}, {"NumResults": "0"}),
    (BatchInferenceJob, {"num_results": 2.5}, {"NumResults": "2.5"}),
    (BatchInferenceJob, {"num_results": 501}, {"NumResults": "501"}),
    (BatchSegmentJob, {"num_results": 5_000_001}, {"NumResults": "5000001"}),
    (
        BatchInferenceJob,
        {"solution_version_arn": "arn:aws:personalize:us-east-1:111122223333:solution/movies"},
        {"SolutionVersionArn": "arn:aws:personalize:us-east-1:111122223333:solution/movies"},
    ),
    (
        BatchSegmentJob,
        {"solution_version_arn": SOLUTION_VERSION_ARN + "\n"},
        {"SolutionVersionArn": SOLUTION_VERSION_ARN + "\n"},
    ),
    (
        BatchInferenceJob,
        {"filter_arn": "arn:aws:personalize:us-east-1:1111:filter/f"},
        {"FilterArn": "arn:aws:personalize:us-east-1:1111:filter/f"},
    ),
    (BatchInferenceJob, {"job_name_prefix": "-x"}, {"JobNamePrefix": "-x"}),
    (BatchSegmentJob, {"job_name_prefix": "a" * 51}, {"JobNamePrefix": "a" * 51}),
    (BatchInferenceJob, {"job_name_prefix": "nightly recs"}, {"JobNamePrefix": "nightly recs"}),
    (BatchInferenceJob, {"tags": {"team#1": "recs"}}, {"JobTags": [{"tagKey": "team#1", "tagValue": "recs"}]}),
    (BatchSegmentJob, {"tags": {"aws:owner": "me"}}, {"JobTags": [{"tagKey": "aws:owner", "tagValue": "me"}]}),
    (BatchInferenceJob, {"tags": {"team": "v" * 257}}, {"JobTags": [{"tagKey": "team", "tagValue": "v" * 257}]}),
    (BatchInferenceJob, {"tags": {"team": "a,b"}}, {"JobTags": [{"tagKey": "team", "tagValue": "a,b"}]}),
    (BatchInferenceJob, {"exploration_weight": 1.5}, {"ItemExplorationConfig": {"explorationWeight": "1.5"}}),
    (
        BatchInferenceJob,
        {"exploration_item_age_cut_off": 0},
        {"ItemExplorationConfig": {"explorationItemAgeCutOff": "0"}},
    ),
    (BatchInferenceJob, {"ranking_influence": {"POPULARITY": 1.5}}, {"RankingInfluence": {"POPULARITY": "1.5"}}),
    (BatchInferenceJob, {"ranking_influence": {"RECENCY": 0.2}}, {"RankingInfluence": {"RECENCY": "0.2"}}),
    (BatchInferenceJob, {"max_error_rate": 1.5}, {"MaxErrorRate": "1.5"}),
    (BatchSegmentJob, {"max_error_rate": -0.1}, {"MaxErrorRate": "-0.1"}),
    (
        BatchInferenceJob,
        {**_THEME, "theme_item_name_field": "1title"},
        {**_THEME_PROPERTIES, "ThemeItemNameField": "1title"},
    ),
]
IDS = [f"{job_class.__name__}-{next(iter(props))}-{index}" for index, (job_class, props, _) in enumerate(CASES)]


@pytest.fixture(scope="module")
def app() -> App:
    return App()


def synth_message(app: App, job_class: type[BatchJob], props: dict) -> tuple[str, str]:
    """(the construct's path, the message it refuses the literal value with)."""
    stack = Stack(app, f"Shop{next(_ids)}")
    job_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")
    with pytest.raises(ValueError) as raised:
        job_class(stack, "Nightly", **{"solution_version_arn": SOLUTION_VERSION_ARN, "input": job_input, **props})
    return f"{stack.stack_name}/Nightly", str(raised.value)


@pytest.mark.parametrize(("job_class", "props", "overrides"), CASES, ids=IDS)
def test_a_bad_token_value_fails_create_with_the_synth_message_and_no_call(
    app, make_handler_of, job_class, props, overrides
):
    path, message = synth_message(app, job_class, props)
    event = create_event(properties(ConstructPath=path, **overrides))

    with pytest.raises(PropValueError) as raised:
        make_handler_of(_HANDLERS[job_class], event).on_event()

    assert str(raised.value) == message


def test_an_update_that_would_start_a_job_with_a_bad_value_starts_none(app, make_handler_of, cloudformation_stub):
    path, message = synth_message(app, BatchInferenceJob, {"num_results": 0})
    old = properties(ConstructPath=path)
    stub_stack_status(cloudformation_stub, "UPDATE_IN_PROGRESS")

    with pytest.raises(PropValueError) as raised:
        make_handler_of(
            BatchInferenceJobHandler, update_event(job_arn(expected_name()), old, {**old, "NumResults": "0"})
        ).on_event()

    assert str(raised.value) == message


def test_an_update_of_only_the_tags_with_a_bad_tag_retags_nothing(app, make_handler_of):
    path, message = synth_message(app, BatchInferenceJob, {"tags": {"team": "recs\n"}})
    old = properties(ConstructPath=path, JobTags=[{"tagKey": "team", "tagValue": "recs"}])
    new = {**old, "JobTags": [{"tagKey": "team", "tagValue": "recs\n"}]}

    with pytest.raises(PropValueError) as raised:
        make_handler_of(BatchInferenceJobHandler, update_event(job_arn(expected_name()), old, new)).on_event()

    assert str(raised.value) == message


def test_without_a_construct_path_the_message_is_the_rule_alone(make_handler):
    with pytest.raises(PropValueError, match=r"^num_results must be an integer from 1 to 500, got 0$"):
        make_handler(create_event(properties(NumResults="0"))).on_event()


@pytest.mark.parametrize(
    ("number", "shown"), [("abc", "'abc'"), ("nan", "'nan'"), ("1_000", "'1_000'"), ("1e3", "1000.0"), (" 7 ", "7")]
)
def test_a_number_property_is_read_as_the_construct_reads_a_number(make_handler, number, shown):
    with pytest.raises(PropValueError, match=rf"max_error_rate must be a number from 0 to 1, got {shown}$"):
        make_handler(create_event(properties(NumResults="25", MaxErrorRate=number))).on_event()


def _bucket(stack: Stack, name: str) -> s3.IBucket:
    return s3.Bucket.from_bucket_name(stack, name, name)


# A location's rule belongs to BatchInput/BatchOutput, which have no construct path at synth: the
# handler gives the same message after the job's path.
LOCATIONS = [
    (
        lambda stack: BatchInput.from_bucket(_bucket(stack, "input-bucket"), "/users.json"),
        {"InputPath": "s3://input-bucket//users.json"},
    ),
    (lambda stack: BatchInput.from_bucket(_bucket(stack, "input-bucket"), ""), {"InputPath": "s3://input-bucket/"}),
    (
        lambda stack: BatchInput.from_bucket(_bucket(stack, "input-bucket"), "s3://input-bucket/users.json"),
        {"InputPath": "s3://input-bucket/s3://input-bucket/users.json"},
    ),
    (
        lambda stack: BatchOutput.to_bucket(_bucket(stack, "output-bucket"), "results"),
        {"OutputPath": "s3://output-bucket/results"},
    ),
    (
        lambda stack: BatchOutput.to_bucket(_bucket(stack, "output-bucket"), "/results/"),
        {"OutputPath": "s3://output-bucket//results/"},
    ),
]


@pytest.mark.parametrize(
    ("make", "overrides"), LOCATIONS, ids=["key-slash", "key-empty", "key-uri", "prefix", "prefix-slash"]
)
def test_a_bad_token_location_fails_create_with_the_synth_message_and_no_call(app, make_handler_of, make, overrides):
    with pytest.raises(ValueError) as raised:
        make(Stack(app, f"Shop{next(_ids)}"))
    event = create_event(properties(ConstructPath="Shop/Nightly", **overrides))

    with pytest.raises(PropValueError) as refused:
        make_handler_of(BatchInferenceJobHandler, event).on_event()

    assert str(refused.value) == f"Shop/Nightly: {raised.value}"


def test_an_arn_token_of_another_region_fails_with_the_synth_message(app, make_handler_of):
    from aws_cdk import Environment

    # The stack of sample_events.STACK_ID: shop-stack in us-east-1 of ACCOUNT.
    stack = Stack(
        app, f"Shop{next(_ids)}", stack_name="shop-stack", env=Environment(account=ACCOUNT, region="us-east-1")
    )
    elsewhere = SOLUTION_VERSION_ARN.replace("us-east-1", "eu-west-1")
    with pytest.raises(ValueError) as raised:
        BatchInferenceJob(
            stack,
            "Nightly",
            solution_version_arn=elsewhere,
            input=BatchInput.from_bucket(_bucket(stack, "input-bucket"), "users.json"),
        )
    event = create_event(properties(ConstructPath=f"{stack.node.path}/Nightly", SolutionVersionArn=elsewhere))

    with pytest.raises(PropValueError) as refused:
        make_handler_of(BatchInferenceJobHandler, event).on_event()

    assert str(refused.value) == str(raised.value)
    assert "is in Region 'eu-west-1', but stack 'shop-stack' deploys to Region 'us-east-1'" in str(refused.value)


@pytest.mark.parametrize("uploaded", [False, True], ids=["from_bucket", "from_asset"])
def test_results_inside_the_input_folder_of_token_buckets_fail_with_the_synth_message(
    app, make_handler_of, tmp_path, uploaded
):
    stack = Stack(app, f"Shop{next(_ids)}")
    data = _bucket(stack, "shop-data")
    if uploaded:
        (tmp_path / "users.json").write_text('{"userId": "1"}\n')
        job_input = BatchInput.from_asset(str(tmp_path / "users.json"), bucket=data, key_prefix="input/")
        input_path = "s3://shop-data/input/users.json"
    else:
        job_input = BatchInput.from_bucket(data, "input/")
        input_path = "s3://shop-data/input/"
    with pytest.raises(ValueError) as raised:
        BatchInferenceJob(
            stack,
            "Nightly",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=job_input,
            output=BatchOutput.to_bucket(data, "input/results/"),
        )
    overrides = {"InputPath": input_path, "OutputPath": "s3://shop-data/input/results/"}
    event = create_event(
        properties(ConstructPath=f"{stack.node.path}/Nightly", InputVersion="0f1e" if uploaded else None, **overrides)
    )

    with pytest.raises(PropValueError) as refused:
        make_handler_of(BatchInferenceJobHandler, event).on_event()

    assert str(refused.value) == str(raised.value)
    # Another bucket, the same folders: no overlap.
    other = properties(**{**overrides, "OutputPath": "s3://shop-results/input/results/"})
    assert recheck_job_props(other, BATCH_INFERENCE, STACK_ID) is None
