"""The CreateBatchInferenceJob request built from the resource properties."""

import json

import boto3
import botocore.session
import pytest
from batch_inference_job import BatchInferenceJobHandler
from botocore.stub import Stubber

from .conftest import CHECK_BUDGET
from .sample_events import (
    FILTER_ARN,
    INPUT_PATH,
    KMS_KEY_ARN,
    create_event,
    expected_name,
    job_arn,
    minimal_request,
    properties,
    run_folder,
    stub_input_found,
)

_CREATED = {"batchInferenceJobArn": job_arn(expected_name())}


def test_required_properties_make_the_minimal_request(make_handler, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", _CREATED, minimal_request())

    result = make_handler(create_event()).on_event()

    assert result["PhysicalResourceId"] == job_arn(expected_name())


def test_every_optional_property_is_mapped(make_handler, personalize_stub, s3_stub):
    tags = [{"tagKey": "team", "tagValue": "recs"}, {"tagKey": "cost-center", "tagValue": "42"}]
    props = properties(
        NumResults="50",
        FilterArn=FILTER_ARN,
        KmsKeyArn=KMS_KEY_ARN,
        ItemExplorationConfig={"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
        RankingInfluence={"POPULARITY": "0.3", "FRESHNESS": "0.5"},
        JobMode="BATCH_INFERENCE",
        JobTags=tags,
        InputVersion="9f86d081884c7d659a2feaa0c55ad015",
    )
    stub_input_found(s3_stub)
    personalize_stub.add_response(
        "create_batch_inference_job",
        _CREATED,
        {
            "jobName": expected_name(),
            "solutionVersionArn": properties()["SolutionVersionArn"],
            "jobInput": {"s3DataSource": {"path": INPUT_PATH, "kmsKeyArn": KMS_KEY_ARN}},
            "jobOutput": {"s3DataDestination": {"path": run_folder(), "kmsKeyArn": KMS_KEY_ARN}},
            "roleArn": properties()["RoleArn"],
            "numResults": 50,
            "filterArn": FILTER_ARN,
            "tags": tags,
            "batchInferenceJobConfig": {
                "itemExplorationConfig": {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"},
                "rankingInfluence": {"POPULARITY": 0.3, "FRESHNESS": 0.5},
            },
            "batchInferenceJobMode": "BATCH_INFERENCE",
        },
    )

    make_handler(create_event(props)).on_event()


def test_ranking_influence_values_are_sent_as_floats(make_handler, personalize_stub, s3_stub):
    sent = {}
    personalize_stub.client.meta.events.register(
        "before-parameter-build.personalize.CreateBatchInferenceJob", lambda params, **_: sent.update(params)
    )
    stub_input_found(s3_stub)
    personalize_stub.add_response("create_batch_inference_job", _CREATED)

    make_handler(create_event(properties(RankingInfluence={"POPULARITY": "1", "FRESHNESS": "0"}))).on_event()

    influence = sent["batchInferenceJobConfig"]["rankingInfluence"]
    assert influence == {"POPULARITY": 1.0, "FRESHNESS": 0.0}
    assert all(isinstance(value, float) for value in influence.values())


def test_theme_generation_sends_mode_and_item_name_field(make_handler, personalize_stub, s3_stub):
    stub_input_found(s3_stub)
    personalize_stub.add_response(
        "create_batch_inference_job",
        _CREATED,
        {
            **minimal_request(),
            "batchInferenceJobMode": "THEME_GENERATION",
            "themeGenerationConfig": {"fieldsForThemeGeneration": {"itemName": "TITLE"}},
        },
    )

    make_handler(create_event(properties(JobMode="THEME_GENERATION", ThemeItemNameField="TITLE"))).on_event()


def test_field_an_old_botocore_lacks_fails_naming_the_botocore_version(
    tmp_path, s3, s3_stub, cloudformation, events, clock
):
    old_personalize = _client_without_ranking_influence(tmp_path)
    stub_input_found(s3_stub)
    event = create_event(properties(RankingInfluence={"POPULARITY": "0.3"}))
    handler = BatchInferenceJobHandler(
        event,
        personalize=old_personalize,
        personalize_create=old_personalize,
        s3=s3,
        cloudformation=cloudformation,
        events=events,
        clock=clock,
        query_interval_seconds=10,
        check_budget=CHECK_BUDGET,
    )
    with Stubber(old_personalize) as stubber:
        stubber.add_response("create_batch_inference_job", _CREATED)

        with pytest.raises(
            RuntimeError,
            match=rf"botocore {botocore.__version__} rejected "
            r".*Unknown parameter in batchInferenceJobConfig: \"rankingInfluence\"",
        ):
            handler.on_event()

        with pytest.raises(AssertionError):  # the queued response is still there: nothing was sent
            stubber.assert_no_pending_responses()


def _client_without_ranking_influence(data_path):
    """A personalize client whose model predates rankingInfluence, like an old bundled botocore."""
    session = botocore.session.Session()
    loader = session.get_component("data_loader")
    model = loader.load_service_model("personalize", "service-2")
    del model["shapes"]["BatchInferenceJobConfig"]["members"]["rankingInfluence"]
    model_file = data_path / "personalize" / model["metadata"]["apiVersion"] / "service-2.json"
    model_file.parent.mkdir(parents=True)
    model_file.write_text(json.dumps(model))
    loader.search_paths.insert(0, str(data_path))
    return boto3.Session(botocore_session=session).client(
        "personalize", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
