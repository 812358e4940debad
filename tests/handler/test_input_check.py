import pytest
from input_check import InputError, check_input

BUCKET = "shop-batch-input"
FILE = f"s3://{BUCKET}/users/users.jsonl"
FOLDER = f"s3://{BUCKET}/users/"
HEAD_PARAMS = {"Bucket": BUCKET, "Key": "users/users.jsonl"}


def _page(*sizes, next_token=None):
    page = {"Contents": [{"Key": f"users/part-{n}.jsonl", "Size": size} for n, size in enumerate(sizes)]}
    page["IsTruncated"] = next_token is not None
    if next_token:
        page["NextContinuationToken"] = next_token
    return page


def _list_params(token=None):
    params = {"Bucket": BUCKET, "Prefix": "users/", "MaxKeys": 10}
    if token:
        params["ContinuationToken"] = token
    return params


def test_non_empty_file_passes(s3, s3_stub):
    s3_stub.add_response("head_object", {"ContentLength": 120}, HEAD_PARAMS)

    check_input(s3, FILE)


def test_folder_with_a_non_empty_object_passes_after_one_listing(s3, s3_stub):
    s3_stub.add_response("list_objects_v2", _page(0, 42, next_token="t1"), _list_params())

    check_input(s3, FOLDER)


def test_folder_listing_pages_on_past_empty_placeholders(s3, s3_stub):
    s3_stub.add_response("list_objects_v2", _page(0, 0, next_token="t1"), _list_params())
    s3_stub.add_response("list_objects_v2", _page(0, 7), _list_params("t1"))

    check_input(s3, FOLDER)


@pytest.mark.parametrize(
    ("uri", "stub", "message"),
    [
        (
            FILE,
            lambda s: s.add_client_error("head_object", "404", "Not Found", 404),
            f"Input file {FILE} does not exist",
        ),
        (
            FILE,
            lambda s: s.add_response("head_object", {"ContentLength": 0}, HEAD_PARAMS),
            f"Input file {FILE} is empty",
        ),
        (
            FILE,
            lambda s: s.add_client_error("head_object", "403", "Forbidden", 403),
            f"Access denied while checking the input {FILE}: .*s3:GetObject and s3:ListBucket",
        ),
        (
            FOLDER,
            lambda s: s.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0}, _list_params()),
            f"Input folder {FOLDER} holds no non-empty object",
        ),
        (
            FOLDER,
            lambda s: s.add_response("list_objects_v2", _page(0, 0), _list_params()),
            f"Input folder {FOLDER} holds no non-empty object",
        ),
        (
            FOLDER,
            lambda s: s.add_client_error("list_objects_v2", "NoSuchBucket", "The specified bucket does not exist", 404),
            f"The bucket of the input {FOLDER} does not exist",
        ),
        (
            FOLDER,
            lambda s: s.add_client_error("list_objects_v2", "AccessDenied", "Access Denied", 403),
            f"Access denied while checking the input {FOLDER}",
        ),
        (
            FILE,
            lambda s: s.add_client_error("head_object", "InvalidObjectState", "archived", 403),
            f"Could not check the input {FILE}: InvalidObjectState: archived",
        ),
    ],
    ids=[
        "missing-file",
        "empty-file",
        "file-denied",
        "empty-folder",
        "folder-of-empty-objects",
        "no-bucket",
        "folder-denied",
        "other-error",
    ],
)
def test_unusable_input_is_refused_naming_its_uri(s3, s3_stub, uri, stub, message):
    stub(s3_stub)

    with pytest.raises(InputError, match=message):
        check_input(s3, uri)


@pytest.mark.parametrize("uri", ["https://example.com/users.jsonl", "s3:///users.jsonl", "users.jsonl"])
def test_input_that_is_no_s3_uri_is_refused_without_a_call(s3, s3_stub, uri):
    with pytest.raises(InputError, match="is not an S3 URI"):
        check_input(s3, uri)
