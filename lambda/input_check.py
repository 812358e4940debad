"""Fails a deploy before any job starts when the job's S3 input is missing or empty.

A batch job only reports a bad input after its fixed start-up (about 25 minutes), and its
name can never be used again; a HeadObject or one short listing answers in milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from error_classification import describe_error, error_code

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# A folder usually shows a non-empty object at once; small pages keep the listing cheap when
# it does not, and paging on keeps the answer right when it starts with empty placeholders.
_FOLDER_PAGE_SIZE = 10
_S3_SCHEME = "s3://"
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_ACCESS_DENIED_CODES = frozenset({"403", "AccessDenied", "AccessDeniedException"})


class InputError(ValueError):
    """The job's input is missing, empty or unreadable: starting the job would waste it."""


def check_input(s3: S3Client, uri: str) -> None:
    """Raise InputError unless `uri` is a non-empty object, or a folder ("/" at the end) holding one."""
    bucket, key = _split_s3_uri(uri)
    try:
        if uri.endswith("/"):
            _check_folder(s3, uri, bucket, key)
        else:
            _check_file(s3, uri, bucket, key)
    except ClientError as error:
        raise _explain(error, uri) from error


def _check_file(s3: S3Client, uri: str, bucket: str, key: str) -> None:
    if s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 0:
        raise InputError(f"Input file {uri} is empty: a batch job needs at least one JSON line")


def _check_folder(s3: S3Client, uri: str, bucket: str, prefix: str) -> None:
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": _FOLDER_PAGE_SIZE}
    )
    for page in pages:
        if any(item["Size"] > 0 for item in page.get("Contents", [])):
            return
    raise InputError(f"Input folder {uri} holds no non-empty object: a batch job needs at least one input file")


def _split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix(_S3_SCHEME).partition("/")
    if not uri.startswith(_S3_SCHEME) or not bucket:
        raise InputError(f"InputPath {uri!r} is not an S3 URI of the form s3://bucket/key or s3://bucket/folder/")
    return bucket, key


def _explain(error: ClientError, uri: str) -> InputError:
    code = error_code(error)
    if code in _NOT_FOUND_CODES:
        return InputError(f"Input file {uri} does not exist")
    if code == "NoSuchBucket":
        return InputError(f"The bucket of the input {uri} does not exist")
    if code in _ACCESS_DENIED_CODES:
        return InputError(
            f"Access denied while checking the input {uri}: the custom resource handler needs "
            "s3:GetObject and s3:ListBucket on it (without s3:ListBucket, S3 also answers 403 "
            "for an object that does not exist)"
        )
    return InputError(f"Could not check the input {uri}: {describe_error(error)}")
