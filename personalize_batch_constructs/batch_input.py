"""Where a batch job reads its input: a local file or folder uploaded at deploy, or S3."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Token
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_s3_deployment as s3_deployment
from constructs import Construct

from .local_input_check import check_local_input, warning_before
from .nag_acknowledgements import acknowledge, acknowledge_wildcards


@dataclass(frozen=True)
class _BoundInput:
    """An input placed in a bucket: what the job, the role and the pre-check need."""

    bucket: s3.IBucket
    key: str
    """The object key, or a folder prefix ending in ``/``."""
    version: str | None
    """A content hash for uploaded input, so that changed content re-runs the job."""
    upload: Construct | None
    """What must finish before the job starts."""

    @property
    def is_folder(self) -> bool:
        return self.key.endswith("/")

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket.bucket_name}/{self.key}"

    @property
    def object_arns(self) -> str:
        return self.bucket.arn_for_objects(f"{self.key}*" if self.is_folder else self.key)


class BatchInput:
    """The JSON Lines input of a batch job.

    Create one with :meth:`from_asset` (a local file or folder, uploaded at deploy time) or
    :meth:`from_bucket` (an object or folder already in S3).
    """

    def __init__(self, bind: Callable[[Construct, Callable[[], s3.IBucket]], _BoundInput]) -> None:
        self._bind_to = bind

    @staticmethod
    def from_asset(path: str, *, bucket: s3.IBucket | None = None, key_prefix: str | None = None) -> BatchInput:
        """A local JSON Lines file, or a folder of them, uploaded before the job starts.

        The job runs again whenever the content changes, and not otherwise.

        :param path: the file or folder; relative paths are relative to the working directory.
        :param bucket: the bucket to upload to (default: the job's new input bucket).
        :param key_prefix: the folder the upload goes to, ending in ``/``; it holds only this
            input: files that are not part of it are removed (default: ``input/`` in a new
            bucket, a folder named after the job in a given bucket).
        """
        source = Path(path)
        if not source.exists():
            raise ValueError(
                f"input: BatchInput.from_asset path {str(source)!r} does not exist "
                f"(relative to {os.getcwd()!r}); give an existing JSON Lines file or folder"
            )
        if key_prefix is not None:
            _check_folder("BatchInput.from_asset key_prefix", key_prefix)
        oversized_warnings = check_local_input(source)

        def bind(scope: Construct, new_bucket: Callable[[], s3.IBucket]) -> _BoundInput:
            asset = s3_assets.Asset(scope, "InputAsset", path=str(_as_folder(source)))
            target = bucket or new_bucket()
            prefix = key_prefix or ("input/" if bucket is None else f"{scope.node.id}-{scope.node.addr[:8]}/")
            upload = s3_deployment.BucketDeployment(
                scope,
                "UploadInput",
                sources=[s3_deployment.Source.bucket(asset.bucket, asset.s3_object_key)],
                destination_bucket=target,
                destination_key_prefix=prefix,
                # Personalize reads every object under a folder input: stale files must go.
                prune=True,
                output_object_keys=False,
            )
            _acknowledge_upload_findings(upload, asset, target)
            key = prefix if source.is_dir() else prefix + source.name
            return _BoundInput(bucket=target, key=key, version=asset.asset_hash, upload=upload)

        return BatchInput(warning_before(bind, oversized_warnings))

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> BatchInput:
        """An object, or a folder when ``key`` ends in ``/``, already in S3.

        :param bucket: the bucket holding the input.
        :param key: the object key (``users/users.json``) or folder prefix (``users/``).
        """
        if not Token.is_unresolved(key) and (not key or key.startswith("/")):
            raise ValueError(
                f"input: BatchInput.from_bucket key must be an object key or a folder prefix ending "
                f"in '/', not empty and not starting with '/', got {key!r}"
            )
        return BatchInput(lambda _scope, _new_bucket: _BoundInput(bucket=bucket, key=key, version=None, upload=None))

    def _bind(self, scope: Construct, new_bucket: Callable[[], s3.IBucket]) -> _BoundInput:
        return self._bind_to(scope, new_bucket)


def _acknowledge_upload_findings(
    upload: s3_deployment.BucketDeployment, asset: s3_assets.Asset, target: s3.IBucket
) -> None:
    """The findings of aws-cdk-lib's upload function, which the construct does not configure."""
    function = upload.handler_role.node.scope
    assert function is not None, "BucketDeployment makes its role inside its function"
    reason = "aws-cdk-lib's BucketDeployment function that uploads the job's input"
    acknowledge(function, "L1", f"{reason}: its runtime is chosen by aws-cdk-lib")
    acknowledge(
        function,
        "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        f"{reason}: it writes only its own logs",
    )
    acknowledge_wildcards(
        function,
        actions=["s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"],
        resources=[asset.bucket.arn_for_objects("*"), target.arn_for_objects("*")],
        reason=f"{reason}: it reads the staged asset and syncs (prunes) the input folder",
    )


def _check_folder(what: str, prefix: str) -> None:
    if Token.is_unresolved(prefix):
        return
    if not prefix.endswith("/") or prefix.startswith("/"):
        raise ValueError(
            f"input: {what} must be a folder that ends with '/' and does not start with '/', got {prefix!r}"
        )


def _as_folder(source: Path) -> Path:
    """A folder holding just ``source``, as the upload unpacks folders (zip archives) only.

    The folder's name is the file's content hash, so synthesis stays deterministic and a
    re-synth reuses it.
    """
    if source.is_dir():
        return source
    digest = hashlib.sha256()
    with source.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    staging = Path(tempfile.gettempdir()) / "personalize-batch-input"
    # No dot in the folder's name: the asset staging would read it as a file extension.
    folder = staging / f"{digest.hexdigest()}-{source.name.replace('.', '_')}"
    if not folder.exists():
        # Built aside and renamed into place, so a concurrent synth never sees it half made.
        staging.mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(dir=staging, prefix=".building-"))
        shutil.copy(source, building / source.name)
        try:
            building.rename(folder)
        except OSError:  # another synth made it first
            shutil.rmtree(building)
    return folder
