"""Publishes a stack's file assets as the CDK CLI does before a deploy: each file asset of the
assets manifest is put into its destination bucket (the bootstrap asset bucket), a file as it
is, a folder as a zip archive, and an object that is already there is not uploaded again."""

import io
import zipfile
from pathlib import Path

from botocore.exceptions import ClientError

from ..local_aws import ACCOUNT_ID, REGION
from .cloud_assembly import StackArtifact


def publish_file_assets(s3, artifact: StackArtifact) -> list[str]:
    """Upload what is missing; the object keys uploaded now."""
    uploaded = []
    for asset in artifact.file_assets:
        bucket = _substitute(asset.bucket_name)
        _ensure_bucket(s3, bucket)
        try:
            s3.head_object(Bucket=bucket, Key=asset.object_key)
            continue
        except ClientError:
            pass
        s3.put_object(Bucket=bucket, Key=asset.object_key, Body=_packaged(asset.source, asset.packaging))
        uploaded.append(asset.object_key)
    return uploaded


def _substitute(name: str) -> str:
    return (
        name.replace("${AWS::AccountId}", ACCOUNT_ID)
        .replace("${AWS::Region}", REGION)
        .replace("${AWS::Partition}", "aws")
    )


def _ensure_bucket(s3, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)


def _packaged(source: Path, packaging: str):
    if packaging == "file":
        return source.open("rb")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(source).as_posix())
    return archive.getvalue()
