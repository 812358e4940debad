"""Old public names that still work: each is the very object of its new name and warns on use."""

from __future__ import annotations

import warnings

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

import personalize_batch_constructs
from personalize_batch_constructs import BatchInferenceJob, BatchInferenceJobMode, BatchInput

from .stacks import SOLUTION_VERSION_ARN

DEPRECATION = r"^BatchJobMode is deprecated: use BatchInferenceJobMode"


def test_batch_job_mode_is_the_inference_mode_class_and_warns():
    with pytest.warns(DeprecationWarning, match=DEPRECATION):
        old = personalize_batch_constructs.BatchJobMode
    assert old is BatchInferenceJobMode
    assert old.THEME_GENERATION is BatchInferenceJobMode.THEME_GENERATION
    assert isinstance(BatchInferenceJobMode.BATCH_INFERENCE, old)


def test_importing_the_old_name_warns_at_the_import():
    with pytest.warns(DeprecationWarning, match=DEPRECATION) as caught:
        from personalize_batch_constructs import BatchJobMode
    assert BatchJobMode is BatchInferenceJobMode
    # stacklevel points the warning at the user's import, not at the package.
    assert caught[0].filename == __file__


def test_the_new_name_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from personalize_batch_constructs import BatchInferenceJobMode as new
    assert new.THEME_GENERATION == "THEME_GENERATION"


def test_a_job_takes_the_old_names_members():
    with pytest.warns(DeprecationWarning, match=DEPRECATION):
        theme = personalize_batch_constructs.BatchJobMode.THEME_GENERATION
    stack = Stack(App(), "Deprecated")
    bucket = s3.Bucket.from_bucket_name(stack, "In", "input-bucket")
    BatchInferenceJob(
        stack,
        "Themes",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(bucket, "items.json"),
        mode=theme,
        theme_item_name_field="title",
    )
    Template.from_stack(stack).has_resource_properties(
        "Custom::PersonalizeBatchInferenceJob", {"JobMode": "THEME_GENERATION", "ThemeItemNameField": "title"}
    )


def test_both_names_are_exported_and_unknown_names_still_fail():
    assert {"BatchInferenceJobMode", "BatchJobMode"} <= set(personalize_batch_constructs.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'BatchJobKind'"):
        personalize_batch_constructs.BatchJobKind  # noqa: B018
