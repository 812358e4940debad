"""The manifest: a fixed key under the output prefix naming the latest run that passed its check.

Each run writes into its own folder, `<output prefix><job name>/`, so consumers outside the app
need one place that says which folder holds the latest good results. A run that passed its check
replaces the manifest only when it was created after the run the manifest names: a job left
running by a rolled-back deploy that ends late never displaces a newer run.
"""

import json
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError
from contract import MANIFEST_NAME
from error_classification import error_code
from job_log import log_job_event
from results_check import CheckVerdict, split_s3_uri

_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})


def run_folder(output_prefix: str, job_name: str) -> str:
    """Where a run writes: its own folder under the output prefix, so no run overwrites another."""
    folder = output_prefix if output_prefix.endswith("/") else f"{output_prefix}/"
    return f"{folder}{job_name}/"


def output_prefix_of(run_folder: str, job_name: str) -> str:
    """The output prefix a run's folder `<prefix><job name>/` is in."""
    return run_folder.removesuffix(f"{job_name}/")


def write_manifest(
    s3: Any, *, job_arn: str, run_folder: str, created_at: datetime | None, verdict: CheckVerdict, now: float
) -> None:
    job_name = job_arn.rsplit("/", 1)[-1]
    bucket, prefix = split_s3_uri(output_prefix_of(run_folder, job_name))
    key = prefix + MANIFEST_NAME
    created = created_at.timestamp() if created_at else now
    current = _current(s3, bucket, key)
    if current is not None and float(current.get("jobCreatedAt", 0)) > created:
        log_job_event("manifest_kept", job_arn, manifest=f"s3://{bucket}/{key}", names=current.get("jobArn"))
        return
    manifest = {
        "outputFolder": run_folder,
        "jobArn": job_arn,
        "jobName": job_name,
        "jobCreatedAt": created,
        "checkedAt": now,
        "inputRecordCount": verdict.input_records,
        "recordCount": verdict.output_records,
        "errorCount": verdict.error_records,
    }
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(manifest, indent=2).encode(), ContentType="application/json")
    log_job_event("manifest_written", job_arn, manifest=f"s3://{bucket}/{key}")


def _current(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error_code(error) in _NOT_FOUND_CODES:
            return None
        raise
    try:
        manifest = json.loads(body)
    except ValueError:
        return None  # not ours, or damaged: the checked run's manifest replaces it
    return manifest if isinstance(manifest, dict) else None
