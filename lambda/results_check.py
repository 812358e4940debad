"""The results check: a finished run's records counted against its input, before the deploy succeeds.

Personalize ends a job ACTIVE even when input lines failed; each failed line is written as
`{"input": ..., "output": {...: []}, "error": "User error: ..."}`. The check streams every input
object, then every `.out` object of the run, in ranged GETs of `_CHUNK_BYTES`, counting records
and records whose `error` is not null, in bounded memory. An output too large for one call is read
on over later polls: the progress (object, byte offset, the unfinished line, the counts) is kept in
an object in the run's folder, since the Provider framework hands `is_complete` the same event on
every poll and keeps nothing the handler returns until it completes. Each byte is read once.
"""

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError
from contract import PROGRESS_OBJECT_NAME
from error_classification import error_code
from prop_rules import number_text

"""The check's progress and, once it is done, its counts and verdict, in the run's folder (beside
the `.out` files it counts)."""
OUTPUT_SUFFIX = ".out"
_S3_SCHEME = "s3://"
_CHUNK_BYTES = 8 * 1024 * 1024
# A line ending in one of these has a null top-level "error", whatever precedes it: the last
# member of the object is the one JSON keeps, and a nested object would end in "}}".
_SUCCEEDED_ENDINGS = (b'"error":null}', b'"error": null}')
_MAX_ERROR_TEXT_CHARACTERS = 300
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_WHITESPACE = (b"\n", b" ", b"\t", b"\r", b"\x0b", b"\x0c")
_INPUT = "input"
_OUTPUT = "output"


@dataclass
class CheckProgress:
    """How far the check got: what survives between polls."""

    phase: str = _INPUT
    key: str | None = None
    """The object being read, or the last one finished when `offset` equals `size`."""
    offset: int = 0
    size: int = 0
    carry: str = ""
    """The unfinished line at `offset`, as latin-1 text (bytes, one to one)."""
    input_records: int = 0
    output_records: int = 0
    error_records: int = 0
    first_error: str | None = None
    bytes_read: int = 0
    calls: int = 0
    done: bool = False
    """Everything is read: the counts are final and `failure` is the verdict."""
    failure: str | None = None


@dataclass(frozen=True)
class CheckVerdict:
    """The counts of a fully read run, and why it fails, if it does."""

    input_records: int
    output_records: int
    error_records: int
    first_error: str | None
    bytes_read: int
    calls: int
    failure: str | None


def split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix(_S3_SCHEME).partition("/")
    return bucket, key


class ResultsCheck:
    """Counts one run's records, a bounded amount per call, and judges them against `max_error_rate`."""

    def __init__(
        self,
        s3: Any,
        *,
        input_path: str,
        run_folder: str,
        max_error_rate: float,
        bytes_per_call: int,
        seconds_per_call: float,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self._s3 = s3
        self._input_bucket, self._input_key = split_s3_uri(input_path)
        self._input_is_folder = input_path.endswith("/")
        self._output_bucket, self._run_prefix = split_s3_uri(run_folder)
        self._run_folder = run_folder
        self._max_error_rate = max_error_rate
        self._bytes_per_call = bytes_per_call
        self._chunk_bytes = min(_CHUNK_BYTES, bytes_per_call)
        self._seconds_per_call = seconds_per_call
        self._monotonic = monotonic

    def advance(self) -> CheckVerdict | None:
        """Read on from where the last call stopped; the verdict once everything is read, else None."""
        progress = self._load()
        if progress.done:
            return _verdict_of(progress)
        progress.calls += 1
        started = self._monotonic()
        budget_end = progress.bytes_read + self._bytes_per_call

        def out_of_budget() -> bool:
            return progress.bytes_read >= budget_end or self._monotonic() - started >= self._seconds_per_call

        if progress.phase == _INPUT:
            if not self._read_phase(progress, out_of_budget):
                self._save(progress)
                return None
            progress.phase, progress.key, progress.offset, progress.size = _OUTPUT, None, 0, 0
        if not self._read_phase(progress, out_of_budget):
            self._save(progress)
            return None
        return self._verdict(progress)

    def _read_phase(self, progress: CheckProgress, out_of_budget: Callable[[], bool]) -> bool:
        """Read the phase's objects on; False when the budget ran out first."""
        bucket = self._input_bucket if progress.phase == _INPUT else self._output_bucket
        if progress.key is not None and progress.offset < progress.size:
            if not self._read_object(bucket, progress, out_of_budget):
                return False
        for key, size in self._objects_after(progress.phase, progress.key):
            if out_of_budget():
                return False
            progress.key, progress.offset, progress.size, progress.carry = key, 0, size, ""
            if not self._read_object(bucket, progress, out_of_budget):
                return False
        return True

    def _read_object(self, bucket: str, progress: CheckProgress, out_of_budget: Callable[[], bool]) -> bool:
        carry = progress.carry.encode("latin-1")
        while progress.offset < progress.size:
            if out_of_budget():
                progress.carry = carry.decode("latin-1")
                return False
            last = min(progress.offset + self._chunk_bytes, progress.size) - 1
            assert progress.key is not None
            chunk = self._s3.get_object(Bucket=bucket, Key=progress.key, Range=f"bytes={progress.offset}-{last}")[
                "Body"
            ].read()
            progress.offset += len(chunk)
            progress.bytes_read += len(chunk)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            self._count(progress, data[:cut])
            carry = data[cut:]
            if not chunk:
                break  # the object shrank since it was listed: count what there is
        self._count(progress, carry + b"\n" if carry.strip() else b"")
        progress.carry = ""
        return True

    def _count(self, progress: CheckProgress, lines: bytes) -> None:
        """Count the complete lines in `lines` (each ending in a newline)."""
        if not lines:
            return
        newlines = lines.count(b"\n")
        if progress.phase == _INPUT:
            if _may_hold_blank_lines(lines):
                progress.input_records += sum(1 for line in lines.split(b"\n") if line.strip())
            else:
                progress.input_records += newlines
            return
        succeeded = sum(lines.count(ending + b"\n") for ending in _SUCCEEDED_ENDINGS)
        if succeeded == newlines:
            progress.output_records += newlines
            return
        for line in lines.split(b"\n"):
            stripped = line.strip()
            if not stripped:
                continue
            progress.output_records += 1
            if stripped.endswith(_SUCCEEDED_ENDINGS):
                continue
            error = _error_of(stripped)
            if error is not None:
                progress.error_records += 1
                if progress.first_error is None:
                    progress.first_error = _shortened(error)

    def _objects_after(self, phase: str, after: str | None) -> Iterator[tuple[str, int]]:
        """The phase's objects in key order, after `after`: S3 lists keys in that order."""
        if phase == _INPUT and not self._input_is_folder:
            if after is None:
                yield self._input_key, self._size_of(self._input_bucket, self._input_key)
            return
        bucket, prefix = (
            (self._input_bucket, self._input_key) if phase == _INPUT else (self._output_bucket, self._run_prefix)
        )
        arguments = {"Bucket": bucket, "Prefix": prefix, **({"StartAfter": after} if after else {})}
        for page in self._s3.get_paginator("list_objects_v2").paginate(**arguments):
            for item in page.get("Contents", []):
                if item["Size"] > 0 and (phase == _INPUT or item["Key"].endswith(OUTPUT_SUFFIX)):
                    yield item["Key"], item["Size"]

    def _size_of(self, bucket: str, key: str) -> int:
        try:
            return int(self._s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
        except ClientError as error:
            if error_code(error) in _NOT_FOUND_CODES:
                return 0  # gone since the job read it: the output then cannot fall short of it
            raise

    def recorded(self) -> CheckVerdict | None:
        """The verdict of a check that already read everything, without reading anything else."""
        progress = self._load()
        return _verdict_of(progress) if progress.done else None

    def _verdict(self, progress: CheckProgress) -> CheckVerdict:
        # Kept, not deleted: a retried poll or a later in-place update answers from it.
        progress.done, progress.failure, progress.carry = True, self._failure(progress), ""
        self._save(progress)
        return _verdict_of(progress)

    def _failure(self, progress: CheckProgress) -> str | None:
        records, errors, expected = progress.output_records, progress.error_records, progress.input_records
        counts = f"{records} output records, {errors} failed, for {expected} input records"
        first = f'; the first failed record says: "{progress.first_error}"' if progress.first_error else ""
        if records == 0:
            return f"the run wrote no output record under {self._run_folder} ({expected} input records)"
        if errors == records:
            return f"every record failed ({counts}){first}"
        if records < expected:
            return f"the run wrote fewer records than its input has ({counts})"
        if errors / records > self._max_error_rate:
            return (
                f"{errors / records:.2%} of the records failed, above max_error_rate "
                f"{number_text(self._max_error_rate)} ({counts}){first}"
            )
        return None

    @property
    def _progress_key(self) -> str:
        return self._run_prefix + PROGRESS_OBJECT_NAME

    def _load(self) -> CheckProgress:
        try:
            body = self._s3.get_object(Bucket=self._output_bucket, Key=self._progress_key)["Body"].read()
        except ClientError as error:
            if error_code(error) in _NOT_FOUND_CODES:
                return CheckProgress()
            raise
        return CheckProgress(**json.loads(body))

    def _save(self, progress: CheckProgress) -> None:
        body = json.dumps(asdict(progress)).encode()
        self._s3.put_object(Bucket=self._output_bucket, Key=self._progress_key, Body=body)


def _verdict_of(progress: CheckProgress) -> CheckVerdict:
    return CheckVerdict(
        input_records=progress.input_records,
        output_records=progress.output_records,
        error_records=progress.error_records,
        first_error=progress.first_error,
        bytes_read=progress.bytes_read,
        calls=progress.calls,
        failure=progress.failure,
    )


def _may_hold_blank_lines(lines: bytes) -> bool:
    # A blank or whitespace-only line starts the text or follows a newline with whitespace.
    return lines[:1] in _WHITESPACE or any(b"\n" + space in lines for space in _WHITESPACE)


def _error_of(line: bytes) -> str | None:
    try:
        record = json.loads(line)
    except ValueError:
        return "the output line is not valid JSON"
    error = record.get("error") if isinstance(record, dict) else "the output line is not a JSON object"
    return None if error is None else str(error)


def _shortened(text: str) -> str:
    if len(text) <= _MAX_ERROR_TEXT_CHARACTERS:
        return text
    return text[: _MAX_ERROR_TEXT_CHARACTERS - 3] + "..."
