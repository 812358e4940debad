"""What a batch job does at its transitions: check its role and input, then write its results."""

from collections.abc import Mapping

from .batch_jobs import JobKind, JobRecord
from .faults import JobFault
from .job_output import (
    JobFailure,
    S3Object,
    input_objects,
    output_object,
    s3_location,
    write_check_marker,
    write_results,
)
from .recommendations import SolutionVersion
from .role_access import Permission, RoleAccess

_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


class JobExecution:
    """The S3 and IAM side of a job, against the moto server; implements batch_jobs.JobWork."""

    def __init__(self, *, s3, iam, account_id: str, solution_versions: Mapping[str, SolutionVersion]):
        self._s3 = s3
        self._role_access = RoleAccess(iam=iam, s3=s3, account_id=account_id)
        self._solution_versions = solution_versions

    def start_failure(self, kind: JobKind, job: JobRecord) -> str | None:
        request = job.request
        try:
            # An output path the emulator cannot write fails the job now, not after its run.
            s3_location(request["jobOutput"]["s3DataDestination"]["path"])
            inputs = input_objects(self._s3, request["jobInput"]["s3DataSource"]["path"])
        except JobFailure as failure:
            return str(failure)
        return self._role_access.denial(request["roleArn"], job.arn, _permissions(request, inputs))

    def finish_failure(self, kind: JobKind, job: JobRecord) -> str | None:
        request = job.request
        solution_version = self._solution_versions[request["solutionVersionArn"]]
        output_path = request["jobOutput"]["s3DataDestination"]["path"]
        try:
            for input_file in input_objects(self._s3, request["jobInput"]["s3DataSource"]["path"]):
                write_results(
                    self._s3,
                    input_file,
                    output_object(output_path, input_file),
                    lambda record: kind.answer(request, solution_version, record),
                    request["jobOutput"]["s3DataDestination"].get("kmsKeyArn"),
                    empty_output={kind.output_field: []},
                    fault=job.fault or JobFault(),
                )
            write_check_marker(self._s3, output_path)
        except JobFailure as failure:
            return str(failure)
        return None


def _permissions(request: dict, inputs: list[S3Object]) -> list[Permission]:
    output_path = request["jobOutput"]["s3DataDestination"]["path"]
    input_bucket = inputs[0].bucket
    output_bucket = s3_location(output_path).bucket
    outputs = [output_object(output_path, input_file) for input_file in inputs]
    key_arns = dict.fromkeys(
        config["kmsKeyArn"]
        for config in (request["jobInput"]["s3DataSource"], request["jobOutput"]["s3DataDestination"])
        if "kmsKeyArn" in config
    )
    return [
        Permission("s3:ListBucket", _bucket_arn(input_bucket), input_bucket),
        *(Permission("s3:GetObject", input_file.arn, input_bucket) for input_file in inputs),
        # GUESS: documented as needed on the output bucket too; whether a job fails without it is unverified.
        Permission("s3:ListBucket", _bucket_arn(output_bucket), output_bucket),
        *(Permission("s3:PutObject", output.arn, output_bucket) for output in outputs),
        *(Permission(action, key_arn) for key_arn in key_arns for action in _KEY_ACTIONS),
    ]


def _bucket_arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"
