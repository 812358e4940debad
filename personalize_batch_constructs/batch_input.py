"""Where a batch job reads its input: local files uploaded at deploy, or S3."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Annotations, CustomResource, Token
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from .handler_contract import contract, prop_rules
from .job_provider import TOTAL_TIMEOUT, JobProvider
from .local_input_check import check_local_input, warning_before

_P = contract.Property
_PRUNES_IMPORTED_WARNING_ID = "personalize-batch-constructs:uploadIntoImportedBucket"


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
    is_folder: bool
    """Whether ``key`` names a folder: known for an upload, from the key's ``/`` for a literal key.
    A token key counts as one, so its objects are granted as ``key*``, which covers a key naming
    one object too."""
    uploaded_keys: tuple[str, ...] = ()
    """The keys of the files an upload puts under its folder."""

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket.bucket_name}/{self.key}"

    @property
    def objects_key(self) -> str:
        """The input's objects, as the key part of an object ARN: the key, or the folder's ``prefix*``."""
        return f"{self.key}*" if self.is_folder else self.key

    @property
    def object_arns(self) -> str:
        return self.bucket.arn_for_objects(self.objects_key)


class BatchInput:
    """The JSON Lines input of a batch job.

    Create one with :meth:`from_asset` (a local file or folder, uploaded at deploy time) or
    :meth:`from_bucket` (an object or folder already in S3).
    """

    def __init__(self, bind: Callable[[Construct, Callable[[], s3.IBucket]], _BoundInput]) -> None:
        self._bind_to = bind

    @staticmethod
    def from_asset(
        path: str,
        *,
        bucket: s3.IBucket | None = None,
        key_prefix: str | None = None,
        asset_key: kms.IKey | None = None,
    ) -> BatchInput:
        """A local JSON Lines file, or a folder of them, uploaded before the job starts.

        The job runs again whenever the content changes, and not otherwise.

        :param path: the file or folder; relative paths are relative to the working directory.
        :param bucket: the bucket to upload to (default: the job's new input bucket).
        :param key_prefix: the folder the upload goes to, ending in ``/``; it holds only this
            input: files that are not part of it are removed (default: ``input/`` in a new
            bucket, a folder named after the job in a given bucket).
        :param asset_key: the KMS key of your own that the CDK bootstrap asset bucket encrypts
            with (``cdk bootstrap --bootstrap-customer-key`` or ``--bootstrap-kms-key-id``), which
            the copy must decrypt the uploaded files with (default: none, for the bootstrap
            bucket's default encryption, which needs no grant).
        """
        source = Path(path)
        if not source.exists():
            raise ValueError(
                f"input: BatchInput.from_asset path {str(source)!r} does not exist "
                f"(relative to {os.getcwd()!r}); give an existing JSON Lines file or folder"
            )
        if key_prefix is not None and not Token.is_unresolved(key_prefix):
            prop_rules.check_folder(prop_rules.INPUT_PREFIX_PROP, key_prefix)
        oversized_warnings = check_local_input(source)

        def bind(scope: Construct, new_bucket: Callable[[], s3.IBucket]) -> _BoundInput:
            target = bucket or new_bucket()
            prefix = key_prefix or ("input/" if bucket is None else f"{scope.node.id}-{scope.node.addr[:8]}/")
            files = [
                (name, s3_assets.Asset(scope, f"InputFile{index}", path=str(path)))
                for index, (name, path) in enumerate(_input_files(source))
            ]
            copy = _copy_into(scope, files, target, prefix, asset_key)
            if bucket is not None and not isinstance(bucket, s3.Bucket):
                _warn_upload_into_imported_bucket(scope, bucket, prefix)
            key = prefix if source.is_dir() else prefix + source.name
            return _BoundInput(
                bucket=target,
                key=key,
                version=_content_version(files),
                upload=copy,
                is_folder=source.is_dir(),
                uploaded_keys=tuple(prefix + name for name, _ in files),
            )

        return BatchInput(warning_before(bind, oversized_warnings))

    @staticmethod
    def from_bucket(bucket: s3.IBucket, key: str) -> BatchInput:
        """An object, or a folder when ``key`` ends in ``/``, already in S3.

        :param bucket: the bucket holding the input.
        :param key: the object key (``users/users.json``) or folder prefix (``users/``).
        """
        # A token is checked by the handler at deploy, by the same rule.
        if not Token.is_unresolved(key):
            prop_rules.check_object_key(prop_rules.INPUT_KEY_PROP, key)
        is_folder = Token.is_unresolved(key) or key.endswith("/")
        return BatchInput(
            lambda _scope, _new_bucket: _BoundInput(
                bucket=bucket, key=key, version=None, upload=None, is_folder=is_folder
            )
        )

    def _bind(self, scope: Construct, new_bucket: Callable[[], s3.IBucket]) -> _BoundInput:
        return self._bind_to(scope, new_bucket)


def _input_files(source: Path) -> list[tuple[str, Path]]:
    """Each file of the input with its name under the input folder, in a deterministic order."""
    if not source.is_dir():
        return [(source.name, source)]
    files = sorted((path.relative_to(source).as_posix(), path) for path in source.rglob("*") if path.is_file())
    if not files:
        raise ValueError(f"input: BatchInput.from_asset folder {str(source)!r} holds no file; a batch job needs one")
    return files


def _copy_into(
    scope: Construct,
    files: list[tuple[str, s3_assets.Asset]],
    target: s3.IBucket,
    prefix: str,
    asset_key: kms.IKey | None,
) -> CustomResource:
    """The resource that makes ``prefix`` hold exactly these files, copied server-side."""
    provider = JobProvider.of(scope)
    assets = [asset for _, asset in files]
    provider.grant_input_copy(assets, target, prefix, asset_key)
    copy = CustomResource(
        scope,
        "InputCopy",
        service_token=provider.service_token,
        resource_type=contract.INPUT_COPY_RESOURCE_TYPE,
        properties={
            _P.SOURCE_BUCKET: assets[0].s3_bucket_name,
            _P.FILES: [[name, asset.s3_object_key] for name, asset in files],
            _P.BUCKET: target.bucket_name,
            _P.PREFIX: prefix,
        },
        service_timeout=TOTAL_TIMEOUT,
    )
    # The copy needs the handler's grants in place, and the role is depended on whole for the
    # overflow policies CDK may split off it.
    copy.node.add_dependency(provider.handler_role)
    return copy


def _warn_upload_into_imported_bucket(scope: Construct, bucket: s3.IBucket, prefix: str) -> None:
    """Others may write to a bucket this app does not define: the upload prunes their objects too."""
    Annotations.of(scope).add_warning_v2(
        _PRUNES_IMPORTED_WARNING_ID,
        f"input: BatchInput.from_asset uploads into {bucket.node.path}, a bucket this app does not define: "
        f"each deploy removes every object under {prefix!r} there that is not part of the input, whoever put it "
        "there. Give key_prefix a folder that only this job writes to",
    )


def _content_version(files: list[tuple[str, s3_assets.Asset]]) -> str:
    """One hash of the names and contents: the job re-runs when either changes."""
    digest = hashlib.sha256()
    for name, asset in files:
        digest.update(f"{name}\0{asset.asset_hash}\0".encode())
    return digest.hexdigest()
