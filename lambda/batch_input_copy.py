"""Copies a job's input from the CDK asset bucket into the input folder, server-side.

The CDK CLI uploads each local input file as a file asset, as it is. This resource then makes
the input folder hold exactly those files: S3 copies each one (CopyObject, or UploadPartCopy
parts for a large one), so no byte passes through the function, and objects under the folder
that are not part of the input are deleted. An update rollback sends the previous file list,
whose assets are still in the asset bucket, so the same steps put the previous input back.

What is done survives between polls in the destination itself: each copy carries the asset's
object key (a content hash) in its metadata, and a poll copies only the files whose destination
does not carry it yet. A poll copies for at most `_COPY_BUDGET_SECONDS`, then leaves the rest
to the next one, so no invocation runs into its Lambda timeout at Personalize's 1,000 files of
1 GB each.
"""

from __future__ import annotations

import queue
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from boto3.s3.transfer import TransferConfig, create_transfer_manager
from botocore.exceptions import ClientError
from contract import Property
from error_classification import describe_error, error_code
from job_log import log_job_event
from prop_rules import INPUT_PREFIX_PROP, check_folder
from provider_event import IsCompleteResponse, OnEventResponse
from resource_handler import ResourceHandler
from resource_properties import PropertyError, required
from s3transfer.subscribers import BaseSubscriber

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from s3transfer.futures import TransferFuture

SOURCE_METADATA_KEY = "personalize-batch-source"
"""The user metadata that names the asset a destination object was copied from."""

_COPY_BUDGET_SECONDS = 100.0
"""How long one poll copies: the is_complete function has 3 minutes, and a cancelled copy's
in-flight part (at most `_PART_BYTES`) still has to finish."""
_THREADS = 10
"""Copies and HeadObjects in parallel: botocore's default connection pool holds 10."""
_PART_BYTES = 64 * 1024 * 1024
"""Objects this large or larger are copied in parts of this size, in parallel."""
_DELETE_BATCH = 1000
"""DeleteObjects takes at most 1,000 keys."""
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_NOT_COMPLETE: IsCompleteResponse = {"IsComplete": False}


class BatchInputCopyHandler(ResourceHandler):
    """`Custom::PersonalizeBatchInputCopy`: SourceBucket, Files ([name, asset key] pairs),
    Bucket and Prefix (the input folder, ending in "/")."""

    def on_create(self) -> OnEventResponse:
        return {"PhysicalResourceId": self._copy_plan().folder_uri}

    def on_update(self) -> OnEventResponse:
        # A new bucket or folder is a new physical id; CloudFormation's Delete of the old one
        # leaves the old folder alone, as the first copy never owned what was there before it.
        return self.on_create()

    def on_delete(self) -> OnEventResponse:
        # The input stays for the job's record; a new input bucket empties itself on delete.
        return {"PhysicalResourceId": self._event["PhysicalResourceId"]}

    def is_create_complete(self) -> IsCompleteResponse:
        return self._copy_plan().advance(self._s3)

    def is_update_complete(self) -> IsCompleteResponse:
        return self.is_create_complete()

    def _copy_plan(self) -> _CopyPlan:
        return _CopyPlan.from_properties(self._properties)


class _CopyPlan:
    def __init__(self, source_bucket: str, files: dict[str, str], bucket: str, prefix: str):
        self.source_bucket = source_bucket
        self.files = files
        """Asset object key by destination name (relative to the prefix)."""
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_properties(cls, properties: dict[str, Any]) -> _CopyPlan:
        prefix = required(properties, Property.PREFIX)
        # Pruning removes everything else under the prefix: it must be a folder, never the bucket.
        # A token key_prefix is first checked here, by the construct's rule.
        check_folder(INPUT_PREFIX_PROP, prefix)
        raw_files = required(properties, Property.FILES)
        files: dict[str, str] = {}
        for entry in raw_files if isinstance(raw_files, list) else [raw_files]:
            if not (
                isinstance(entry, list) and len(entry) == 2 and all(isinstance(part, str) and part for part in entry)
            ):
                raise PropertyError(f"Property Files must be a list of [name, asset object key] pairs, got {entry!r}")
            name, source_key = entry
            if name in files:
                raise PropertyError(f"Property Files names {name!r} twice")
            files[name] = source_key
        return cls(required(properties, Property.SOURCE_BUCKET), files, required(properties, Property.BUCKET), prefix)

    @property
    def folder_uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def advance(self, s3: S3Client) -> IsCompleteResponse:
        """Copy what is missing for one poll's budget; once all is there, delete the rest."""
        present = self._listing(s3)
        pending = self._pending(s3, present)
        if pending and not self._copy(s3, pending):
            return _NOT_COMPLETE
        stale = sorted(present - {self.prefix + name for name in self.files})
        self._delete(s3, stale)
        log_job_event("input_copied", self.folder_uri, files=len(self.files), copied=len(pending), deleted=len(stale))
        return {"IsComplete": True}

    def _listing(self, s3: S3Client) -> set[str]:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def _pending(self, s3: S3Client, present: set[str]) -> list[str]:
        """The names whose destination is absent or holds another asset's content."""
        candidates = [name for name in self.files if self.prefix + name in present]
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            copied_from = dict(
                zip(candidates, pool.map(lambda name: self._copied_from(s3, name), candidates), strict=True)
            )
        return [name for name in self.files if copied_from.get(name) != self.files[name]]

    def _copied_from(self, s3: S3Client, name: str) -> str | None:
        try:
            head = s3.head_object(Bucket=self.bucket, Key=self.prefix + name)
        except ClientError as error:
            if error_code(error) in _NOT_FOUND_CODES:  # deleted since the listing
                return None
            raise RuntimeError(f"Could not read {self.folder_uri}{name}: {describe_error(error)}") from error
        return head.get("Metadata", {}).get(SOURCE_METADATA_KEY)

    def _copy(self, s3: S3Client, names: list[str]) -> bool:
        """Copy `names` in parallel; False when the budget ran out first (the rest is for the next poll)."""
        deadline = time.monotonic() + _COPY_BUDGET_SECONDS
        config = TransferConfig(
            multipart_threshold=_PART_BYTES, multipart_chunksize=_PART_BYTES, max_concurrency=_THREADS, use_threads=True
        )
        finished: queue.Queue[TransferFuture] = queue.Queue()
        manager = create_transfer_manager(s3, config)
        try:
            futures = [
                manager.copy(
                    copy_source={"Bucket": self.source_bucket, "Key": self.files[name]},
                    bucket=self.bucket,
                    key=self.prefix + name,
                    extra_args={"Metadata": {SOURCE_METADATA_KEY: self.files[name]}, "MetadataDirective": "REPLACE"},
                    subscribers=[_Finished(finished)],
                )
                for name in names
            ]
            for _ in futures:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise _BudgetSpent
                finished.get(timeout=remaining)
            for name, future in zip(names, futures, strict=True):
                _raise_copy_error(future, f"s3://{self.source_bucket}/{self.files[name]}", self.folder_uri + name)
        except (_BudgetSpent, queue.Empty):
            done = sum(future.done() for future in futures)
            log_job_event("input_copy_continues", self.folder_uri, copied=done, remaining=len(names) - done)
            manager.shutdown(cancel=True)
            return False
        except BaseException:
            # A failed copy fails the resource: cancel the others rather than leave them running.
            manager.shutdown(cancel=True)
            raise
        manager.shutdown()
        return True

    def _delete(self, s3: S3Client, keys: list[str]) -> None:
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start : start + _DELETE_BATCH]
            answer = s3.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True}
            )
            errors = answer.get("Errors", [])
            if errors:
                first = errors[0]
                raise RuntimeError(
                    f"Could not delete {len(errors)} stale object(s) under {self.folder_uri}, first "
                    f"{first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
                )


class _BudgetSpent(Exception):
    """This poll's copy time is up."""


class _Finished(BaseSubscriber):
    """Reports each finished copy (done or failed) to a queue."""

    def __init__(self, finished: queue.Queue[TransferFuture]) -> None:
        self._finished = finished

    def on_done(self, future: TransferFuture, **kwargs: Any) -> None:
        self._finished.put(future)


def _raise_copy_error(future: TransferFuture, source_uri: str, destination_uri: str) -> None:
    try:
        future.result()
    except ClientError as error:
        raise RuntimeError(f"Could not copy {source_uri} to {destination_uri}: {describe_error(error)}") from error
