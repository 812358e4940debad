"""The conventions a Python construct library keeps: Python's own error for an unknown keyword, a
``str`` enum's value accepted for its member, numbers as users write them, the error on the prop
the user set, the construct's path first, and tags held to the API's own character pattern.

Nothing here synthesizes but the mode test; each test gets a new Stack in one shared App.
"""

from __future__ import annotations

import itertools
import re

import botocore.session
import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from constructs import Construct

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchJob, BatchSegmentJob
from personalize_batch_constructs.handler_contract import prop_rules

from .stacks import SOLUTION_VERSION_ARN

_ids = itertools.count()
INFERENCE_ONLY_PROPS = {
    "exploration_weight": 0.3,
    "exploration_item_age_cut_off": 30,
    "ranking_influence": {"POPULARITY": 0.3},
    "mode": "THEME_GENERATION",
    "theme_item_name_field": "title",
}


@pytest.fixture(scope="module")
def app() -> App:
    return App()


@pytest.fixture
def stack(app) -> Stack:
    return Stack(app, f"Conventions{next(_ids)}")


def make_job(stack: Construct, job_class: type[BatchJob] = BatchInferenceJob, construct_id: str = "Job", **props):
    props.setdefault("solution_version_arn", SOLUTION_VERSION_ARN)
    bucket = s3.Bucket.from_bucket_name(stack, f"{construct_id}In", "input-bucket")
    props.setdefault("input", BatchInput.from_bucket(bucket, "users.json"))
    return job_class(stack, construct_id, **props)


@pytest.mark.parametrize("job_class", [BatchInferenceJob, BatchSegmentJob])
def test_an_unknown_keyword_is_a_type_error_naming_it_and_listing_the_props(stack, job_class):
    with pytest.raises(TypeError) as raised:
        make_job(stack, job_class, colour="blue")

    message = str(raised.value)
    assert f"{job_class.__name__}() got an unexpected keyword argument 'colour'" in message
    assert "its props are encryption_key, " in message and "solution_version_arn" in message


@pytest.mark.parametrize("prop", sorted(INFERENCE_ONLY_PROPS))
def test_a_segment_job_refuses_inference_props_as_unknown_keywords(stack, prop):
    with pytest.raises(TypeError, match=rf"unexpected keyword argument '{prop}'"):
        make_job(stack, BatchSegmentJob, **{prop: INFERENCE_ONLY_PROPS[prop]})


def test_a_missing_required_prop_is_a_type_error(stack):
    with pytest.raises(TypeError, match=r"BatchInferenceJob\(\) missing required keyword argument 'input'"):
        BatchInferenceJob(stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN)


def test_a_mode_given_as_its_string_value_is_the_mode(stack):
    make_job(stack, mode="THEME_GENERATION", theme_item_name_field="title")
    make_job(stack, construct_id="Plain", mode="BATCH_INFERENCE")

    jobs = Template.from_stack(stack).find_resources("Custom::PersonalizeBatchInferenceJob")
    modes = {
        job["Properties"]["ConstructPath"].rsplit("/")[-1]: job["Properties"].get("JobMode") for job in jobs.values()
    }
    assert modes == {"Job": "THEME_GENERATION", "Plain": None}


def test_a_mode_that_is_no_member_lists_the_values(stack):
    with pytest.raises(ValueError, match=r"mode must be one of BATCH_INFERENCE, THEME_GENERATION, got 'THEME'$"):
        make_job(stack, mode="THEME")


@pytest.mark.parametrize(
    ("job_class", "props", "message"),
    [
        (BatchSegmentJob, {"num_results": 5_000_001}, "num_results must be an integer from 1 to 5000000, got 5000001"),
        (BatchInferenceJob, {"num_results": 0}, "num_results must be an integer from 1 to 500, got 0"),
        (
            BatchInferenceJob,
            {"exploration_item_age_cut_off": 0},
            "exploration_item_age_cut_off must be a number greater than 0, got 0",
        ),
        (BatchInferenceJob, {"max_error_rate": 1.5}, "max_error_rate must be a number from 0 to 1, got 1.5"),
    ],
)
def test_numbers_are_printed_as_users_write_them(stack, job_class, props, message):
    with pytest.raises(ValueError) as raised:
        make_job(stack, job_class, **props)

    assert str(raised.value) == f"{stack.stack_name}/Job: {message}"


def test_number_text_never_uses_exponents():
    assert [prop_rules.number_text(n) for n in (5_000_000, 5e6, 0, 0.0, 1, 0.5, 1e-07)] == [
        "5000000",
        "5000000",
        "0",
        "0",
        "1",
        "0.5",
        "1e-07",
    ]


@pytest.mark.parametrize("timeout", [Duration.seconds(30), Duration.seconds(5), Duration.seconds(10)])
def test_a_short_timeout_alone_is_no_error_about_the_poll_interval(stack, timeout):
    make_job(stack, timeout=timeout)


def test_a_poll_interval_longer_than_the_timeout_names_the_poll_interval_and_the_timeout(stack):
    with pytest.raises(ValueError, match=r"/Job: poll_interval must be at most the timeout \(30 s\).*Got 60 s"):
        make_job(stack, timeout=Duration.seconds(30), poll_interval=Duration.minutes(1))


def test_a_synth_error_starts_with_the_path_of_the_job_it_is_about(stack):
    group = Construct(stack, "Nightly")
    for number in range(3):
        make_job(group, construct_id=f"Job{number}")

    with pytest.raises(ValueError) as raised:
        make_job(group, construct_id="Job3", num_results=501)

    assert str(raised.value).startswith(f"{stack.stack_name}/Nightly/Job3: num_results must be")


def test_a_type_error_starts_with_the_path_too(stack):
    with pytest.raises(TypeError, match=rf"^{stack.stack_name}/Job: BatchInferenceJob\(\) got an unexpected"):
        make_job(stack, colour="blue")


def test_the_tag_pattern_is_the_api_models():
    model = botocore.session.get_session().get_service_model("personalize")

    for shape in ("TagKey", "TagValue"):
        assert model.shape_for(shape).metadata["pattern"] == prop_rules.TAG_PATTERN
    assert (model.shape_for("TagKey").metadata["max"], model.shape_for("TagValue").metadata["max"]) == (
        prop_rules.TAG_KEY_MAX_LENGTH,
        prop_rules.TAG_VALUE_MAX_LENGTH,
    )


@pytest.mark.parametrize(
    "tags",
    [
        {"équipe 1": "données:x/y=z+@-_."},  # letters of any script, spaces, digits, the punctuation
        {"チーム": "推薦"},
        {"cost-centre": "٣٤"},  # Arabic-Indic digits are \p{N}
        {"k": ""},
        {"line\u2028sep": "v"},  # U+2028 is \p{Z} (Zl)
    ],
)
def test_tags_of_the_api_characters_pass(stack, tags):
    make_job(stack, tags=tags)


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ({"team#1": "recs"}, r"tags keys must be 1 to 128 characters of letters, digits, spaces and .*got 'team#1'"),
        ({"team": "recs\n"}, r"tags\['team'\] must be a string of at most 256 characters of .*got 'recs\\n'"),
        ({"team": "a,b"}, r"tags\['team'\] must be"),
        ({"tab\tkey": "v"}, r"tags keys must be"),
    ],
)
def test_tags_outside_the_api_pattern_are_refused(stack, tags, message):
    with pytest.raises(ValueError, match=message):
        make_job(stack, tags=tags)


def test_arns_with_a_trailing_newline_are_refused(stack):
    with pytest.raises(ValueError, match=r"solution_version_arn must be an Amazon Personalize solution version ARN"):
        make_job(stack, solution_version_arn=SOLUTION_VERSION_ARN + "\n")
    with pytest.raises(ValueError, match=r"filter_arn must be"):
        make_job(stack, construct_id="Filtered", filter_arn="arn:aws:personalize:us-east-1:111122223333:filter/f\n")


def test_a_token_mode_is_refused_by_name(stack):
    from aws_cdk import CfnParameter

    with pytest.raises(ValueError, match=r"/Job: mode must be known at synth time, not a token"):
        make_job(stack, mode=CfnParameter(stack, "Mode").value_as_string)


def test_only_the_first_line_names_the_path(stack):
    with pytest.raises(ValueError) as raised:
        make_job(stack, num_results=0)

    assert len(re.findall(re.escape(stack.stack_name), str(raised.value))) == 1
