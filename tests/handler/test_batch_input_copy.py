"""Custom::PersonalizeBatchInputCopy: the input folder ends up holding exactly the uploaded files,
copied server-side from the asset bucket, whatever a previous poll or deploy left there."""

import batch_input_copy
import pytest
from batch_input_copy import SOURCE_METADATA_KEY, BatchInputCopyHandler
from botocore.stub import ANY
from resource_properties import PropertyError

from .sample_events import create_event, update_event

ASSETS = "cdk-hnb659fds-assets-123456789012-us-east-1"
BUCKET = "shop-batch-input"
PREFIX = "input/"
KEY_A = "a" * 64 + ".json"
KEY_B = "b" * 64 + ".json"
KEY_B_BEFORE = "c" * 64 + ".json"


def _properties(files=(("part-1.json", KEY_A), ("part-2.json", KEY_B)), prefix=PREFIX) -> dict:
    return {
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider-framework-onEvent",
        "SourceBucket": ASSETS,
        "Files": [list(pair) for pair in files],
        "Bucket": BUCKET,
        "Prefix": prefix,
    }


def _event(properties=None) -> dict:
    return {**create_event(properties or _properties()), "ResourceType": "Custom::PersonalizeBatchInputCopy"}


@pytest.fixture(autouse=True)
def one_thread(monkeypatch):
    # The stubs answer in order: one thread keeps the order of the calls fixed.
    monkeypatch.setattr(batch_input_copy, "_THREADS", 1)


@pytest.fixture
def handler(make_handler_of):
    return lambda event: make_handler_of(BatchInputCopyHandler, event)


def _listing(s3_stub, *keys):
    s3_stub.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": key, "Size": 10} for key in keys], "IsTruncated": False},
        {"Bucket": BUCKET, "Prefix": PREFIX},
    )


def _destination_head(s3_stub, name, copied_from):
    s3_stub.add_response(
        "head_object", {"ContentLength": 10, "Metadata": {SOURCE_METADATA_KEY: copied_from}}, _at(name)
    )


def _at(name):
    return {"Bucket": BUCKET, "Key": PREFIX + name}


def _single_copy(s3_stub, name, source_key, size=10):
    s3_stub.add_response("head_object", {"ContentLength": size}, {"Bucket": ASSETS, "Key": source_key})
    s3_stub.add_response(
        "copy_object",
        {},
        {
            **_at(name),
            "CopySource": {"Bucket": ASSETS, "Key": source_key},
            "Metadata": {SOURCE_METADATA_KEY: source_key},
            "MetadataDirective": "REPLACE",
        },
    )


def test_create_names_the_folder_and_copies_nothing_yet(handler):
    assert handler(_event()).on_event() == {"PhysicalResourceId": f"s3://{BUCKET}/{PREFIX}"}


def test_into_an_empty_folder_every_file_is_copied_server_side(handler, s3_stub):
    _listing(s3_stub)
    _single_copy(s3_stub, "part-1.json", KEY_A)

    result = handler(_event(_properties(files=[("part-1.json", KEY_A)]))).is_complete()

    assert result == {"IsComplete": True}


def test_only_files_whose_copy_marker_differs_are_copied_and_stale_objects_under_the_prefix_deleted(handler, s3_stub):
    # part-1 was copied by an earlier poll; part-2 holds the previous deploy's content.
    _listing(s3_stub, PREFIX + "part-1.json", PREFIX + "part-2.json", PREFIX + "removed.json")
    _destination_head(s3_stub, "part-1.json", KEY_A)
    _destination_head(s3_stub, "part-2.json", KEY_B_BEFORE)
    _single_copy(s3_stub, "part-2.json", KEY_B)
    s3_stub.add_response(
        "delete_objects",
        {},
        {"Bucket": BUCKET, "Delete": {"Objects": [{"Key": PREFIX + "removed.json"}], "Quiet": True}},
    )

    assert handler(_event()).is_complete() == {"IsComplete": True}


def test_a_folder_already_in_place_costs_a_listing_and_one_head_per_file(handler, s3_stub):
    _listing(s3_stub, PREFIX + "part-1.json", PREFIX + "part-2.json")
    _destination_head(s3_stub, "part-1.json", KEY_A)
    _destination_head(s3_stub, "part-2.json", KEY_B)

    assert handler(_event()).is_complete() == {"IsComplete": True}


def test_a_large_file_is_copied_in_parts(handler, s3_stub):
    size = batch_input_copy._PART_BYTES + 1
    _listing(s3_stub)
    s3_stub.add_response("head_object", {"ContentLength": size}, {"Bucket": ASSETS, "Key": KEY_A})
    s3_stub.add_response(
        "create_multipart_upload",
        {"UploadId": "u1"},
        {**_at("part-1.json"), "Metadata": {SOURCE_METADATA_KEY: KEY_A}},
    )
    for number, byte_range in ((1, f"bytes=0-{size - 2}"), (2, f"bytes={size - 1}-{size - 1}")):
        s3_stub.add_response(
            "upload_part_copy",
            {"CopyPartResult": {"ETag": f'"e{number}"'}},
            {
                **_at("part-1.json"),
                "CopySource": {"Bucket": ASSETS, "Key": KEY_A},
                "CopySourceRange": byte_range,
                "PartNumber": number,
                "UploadId": "u1",
            },
        )
    s3_stub.add_response(
        "complete_multipart_upload",
        {},
        {**_at("part-1.json"), "UploadId": "u1", "MultipartUpload": {"Parts": ANY}},
    )

    assert handler(_event(_properties(files=[("part-1.json", KEY_A)]))).is_complete() == {"IsComplete": True}


def test_a_failed_copy_fails_the_resource_naming_source_and_destination(handler, s3_stub):
    _listing(s3_stub)
    s3_stub.add_client_error("head_object", "403", "Forbidden", 403, expected_params={"Bucket": ASSETS, "Key": KEY_A})

    with pytest.raises(RuntimeError, match=rf"Could not copy s3://{ASSETS}/{KEY_A} to s3://{BUCKET}/input/part-1.json"):
        handler(_event(_properties(files=[("part-1.json", KEY_A)]))).is_complete()


def test_an_update_rollback_puts_the_previous_files_back(handler, s3_stub):
    # The Update back carries the previous file list: its assets are still in the asset bucket.
    new, old = _properties(), _properties(files=[("part-1.json", KEY_A), ("part-2.json", KEY_B_BEFORE)])
    event = {**update_event(f"s3://{BUCKET}/{PREFIX}", new, old), "ResourceType": "Custom::PersonalizeBatchInputCopy"}
    _listing(s3_stub, PREFIX + "part-1.json", PREFIX + "part-2.json")
    _destination_head(s3_stub, "part-1.json", KEY_A)
    _destination_head(s3_stub, "part-2.json", KEY_B)
    _single_copy(s3_stub, "part-2.json", KEY_B_BEFORE)

    handler_ = handler(event)
    assert handler_.on_event() == {"PhysicalResourceId": f"s3://{BUCKET}/{PREFIX}"}
    assert handler_.is_complete() == {"IsComplete": True}


def test_delete_leaves_the_input_in_place(handler):
    event = {**_event(), "RequestType": "Delete", "PhysicalResourceId": f"s3://{BUCKET}/{PREFIX}"}

    assert handler(event).on_event() == {"PhysicalResourceId": f"s3://{BUCKET}/{PREFIX}"}
    assert handler(event).is_complete() == {"IsComplete": True}


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        ("", "Property Prefix is required"),
        # A token key_prefix: the construct's rule and message.
        ("/input/", r"input: BatchInput.from_asset key_prefix must be a folder .*got '/input/'"),
        ("input", r"input: BatchInput.from_asset key_prefix must be a folder .*got 'input'"),
    ],
)
def test_a_prefix_that_is_not_a_folder_is_refused_before_anything_is_deleted(handler, prefix, message):
    with pytest.raises(ValueError, match=message):
        handler(_event(_properties(prefix=prefix))).is_complete()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([["part-1.json"]], "pairs"),
        ([["part-1.json", KEY_A], ["part-1.json", KEY_B]], "names 'part-1.json' twice"),
        ([["", KEY_A]], "pairs"),
    ],
)
def test_malformed_file_lists_are_refused(handler, files, message):
    properties = {**_properties(), "Files": files}
    with pytest.raises(PropertyError, match=message):
        handler(_event(properties)).is_complete()
