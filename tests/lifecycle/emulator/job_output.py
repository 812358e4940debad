"""A batch job's files: finding its input in S3 and writing one `.out` file per input file."""

import json
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from .faults import JobFault

_S3_SCHEME = "s3://"
_MAX_INPUT_FILES = 1000
_MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound", "NoSuchBucket"})
_OUTPUT_SUFFIX = ".out"


class JobFailure(Exception):
    """Ends a job CREATE FAILED; the message is its failureReason."""


class BadInputLine(ValueError):
    """An input line the model cannot answer; the message becomes the line's "error"."""


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str

    @property
    def arn(self) -> str:
        return f"arn:aws:s3:::{self.bucket}/{self.key}"

    @property
    def uri(self) -> str:
        return f"{_S3_SCHEME}{self.bucket}/{self.key}"


def s3_location(uri: str) -> S3Object:
    """The bucket and key (or key prefix) of an s3:// path."""
    bucket, _, key = uri.removeprefix(_S3_SCHEME).partition("/")
    if not uri.startswith(_S3_SCHEME) or not bucket:
        # GUESS: the model also accepts http(s):// paths; the emulator can only read S3, and fails the job.
        raise JobFailure(f"{uri} is not an S3 path of the form s3://bucket/key")
    return S3Object(bucket, key)


def input_objects(s3, input_path: str) -> list[S3Object]:
    """The input files: the object itself, or every non-empty object under a path ending in "/"."""
    location = s3_location(input_path)
    # GUESS: a path without a trailing "/" is one file; the service may instead match it as a
    # prefix like a string, as it does for folders ("s3://b/in" would also read "s3://b/in_old/").
    found = _folder_objects(s3, location) if input_path.endswith("/") else _file_object(s3, location)
    if not found:
        raise JobFailure(f"Input data not found at {input_path}")
    if len(found) > _MAX_INPUT_FILES:
        # GUESS: the wording; the quota of 1,000 input files per job is documented.
        raise JobFailure(f"Too many input files at {input_path}: {len(found)}, the limit is {_MAX_INPUT_FILES}")
    return found


def output_object(output_path: str, input_file: S3Object) -> S3Object:
    """Where the results of one input file go: `<output folder><input file name>.out`."""
    folder = s3_location(output_path)
    # GUESS: an output path without a trailing "/" still names a folder.
    prefix = folder.key if not folder.key or folder.key.endswith("/") else f"{folder.key}/"
    return S3Object(folder.bucket, f"{prefix}{input_file.key.rsplit('/', 1)[-1]}{_OUTPUT_SUFFIX}")


def write_results(
    s3,
    input_file: S3Object,
    output: S3Object,
    answer: Callable[[object], dict],
    kms_key_arn: str | None,
    *,
    empty_output: dict,
    fault: JobFault,
) -> None:
    """Write one JSON line of results per non-blank input line, in input order; `fault` fails some
    records or writes fewer (none: no object at all)."""
    records = [raw for raw in _input_lines(s3, input_file) if raw.strip()]
    lines = [
        _failed_line(raw, fault.record_error, empty_output)
        if number < fault.failed_records
        else _result_line(raw, answer, empty_output)
        for number, raw in enumerate(records)
    ][: fault.written_records]
    if not lines and fault.written_records == 0:
        return
    body = "".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines).encode()
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_arn} if kms_key_arn else {}
    try:
        s3.put_object(Bucket=output.bucket, Key=output.key, Body=body, **encryption)
    except ClientError as error:
        details = error.response["Error"]
        reason = f"Failed to write the output to {output.uri}: {details['Code']}: {details['Message']}"
        raise JobFailure(reason) from error


def write_check_marker(s3, output_path: str) -> None:
    """An empty `_CHECK` object in the output folder after the `.out` files."""
    # GUESS: the AWS Solution's run folders show a `_CHECK` object beside the `.out` files,
    # apparently written by Personalize; its content and when it is written are unknown.
    folder = output_object(output_path, S3Object("", "_CHECK")).key.removesuffix(_OUTPUT_SUFFIX)
    s3.put_object(Bucket=s3_location(output_path).bucket, Key=folder, Body=b"")


def _result_line(raw: str, answer: Callable[[object], dict], empty_output: dict) -> dict:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as error:
        return _failed_line(raw, f"User error: The input line is not valid JSON: {error}", empty_output)
    try:
        return {"input": record, "output": answer(record), "error": None}
    except BadInputLine as problem:
        return _failed_line(raw, f"User error: {problem}", empty_output)


def _failed_line(raw: str, error: str, empty_output: dict) -> dict:
    # As AWS re:Post quotes a failed line: the input, an empty list of the kind's results, the error.
    # GUESS: an input line that is not JSON is echoed as a string.
    try:
        record = json.loads(raw)
    except json.JSONDecodeError:
        record = raw
    return {"input": record, "output": empty_output, "error": error}


def _input_lines(s3, input_file: S3Object) -> list[str]:
    try:
        body = s3.get_object(Bucket=input_file.bucket, Key=input_file.key)["Body"].read()
    except ClientError as error:
        if error.response["Error"]["Code"] in _MISSING_CODES:
            raise JobFailure(f"Input data not found at {input_file.uri}") from error
        raise
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JobFailure(f"The input file {input_file.uri} is not UTF-8 text: {error}") from error
    # JSON Lines ends lines with "\n" only; str.splitlines would also split inside strings at U+2028.
    return [line.removesuffix("\r") for line in text.split("\n")]


def _file_object(s3, location: S3Object) -> list[S3Object]:
    try:
        size = s3.head_object(Bucket=location.bucket, Key=location.key)["ContentLength"]
    except ClientError as error:
        if error.response["Error"]["Code"] in _MISSING_CODES:
            return []
        raise
    return [location] if size > 0 else []


def _folder_objects(s3, location: S3Object) -> list[S3Object]:
    # GUESS: objects in sub-folders of the input folder are input files too.
    found = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=location.bucket, Prefix=location.key):
            contents = page.get("Contents", [])
            found.extend(S3Object(location.bucket, item["Key"]) for item in contents if item["Size"] > 0)
    except ClientError as error:
        if error.response["Error"]["Code"] in _MISSING_CODES:
            return []
        raise
    return found
