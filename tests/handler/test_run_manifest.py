"""The manifest on S3 as moto serves it in process: it names the newest run that passed its check."""

import datetime
import json

import pytest
from results_check import CheckVerdict
from run_manifest import output_prefix_of, run_folder, write_manifest

BUCKET = "results-bucket"
PREFIX = f"s3://{BUCKET}/results/"
ARN = "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/"
VERDICT = CheckVerdict(
    input_records=3, output_records=3, error_records=1, first_error="x", bytes_read=9, calls=1, failure=None
)


@pytest.fixture
def s3(moto_s3):
    return moto_s3


def _write(s3, name: str, created: float) -> None:
    write_manifest(
        s3,
        job_arn=ARN + name,
        run_folder=run_folder(PREFIX, name),
        created_at=datetime.datetime.fromtimestamp(created, datetime.UTC),
        verdict=VERDICT,
        now=created + 1500,
    )


def _manifest(s3) -> dict:
    return json.loads(s3.get_object(Bucket=BUCKET, Key="results/manifest.json")["Body"].read())


def test_the_manifest_names_the_run_folder_job_and_counts(s3):
    _write(s3, "Nightly-aaa", 1000.0)

    assert _manifest(s3) == {
        "outputFolder": f"{PREFIX}Nightly-aaa/",
        "jobArn": ARN + "Nightly-aaa",
        "jobName": "Nightly-aaa",
        "jobCreatedAt": 1000.0,
        "checkedAt": 2500.0,
        "inputRecordCount": 3,
        "recordCount": 3,
        "errorCount": 1,
    }


def test_an_older_run_checked_later_leaves_the_newer_run_in_the_manifest(s3):
    _write(s3, "Nightly-new", 2000.0)
    _write(s3, "Nightly-old", 1000.0)

    assert _manifest(s3)["outputFolder"] == f"{PREFIX}Nightly-new/"


def test_a_newer_run_replaces_the_manifest(s3):
    _write(s3, "Nightly-old", 1000.0)
    _write(s3, "Nightly-new", 2000.0)

    assert _manifest(s3)["jobName"] == "Nightly-new"


def test_run_folders_sit_under_the_output_prefix_even_without_its_slash():
    assert run_folder("s3://b/results", "Nightly-1") == "s3://b/results/Nightly-1/"
    assert run_folder("s3://b/", "Nightly-1") == "s3://b/Nightly-1/"
    assert output_prefix_of("s3://b/results/Nightly-1/", "Nightly-1") == "s3://b/results/"
