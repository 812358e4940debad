"""A CDK app with N batch inference jobs in one stack, all sharing one input bucket, one
output bucket and one service role: how a team runs many jobs side by side. An optional second
argument gives every job that timeout in hours (default: the construct's one hour); ``--scheduled``
gives every job a nightly schedule.

    CDK_OUTDIR=/tmp/out python -m bench.scale_app 100
    CDK_OUTDIR=/tmp/out python -m bench.scale_app 30 12
    CDK_OUTDIR=/tmp/out python -m bench.scale_app 10 --scheduled
"""

import sys

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput

SOLUTION_VERSION_ARN = "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"


def main() -> None:
    arguments = [argument for argument in sys.argv[1:] if argument != "--scheduled"]
    jobs = int(arguments[0])
    options: dict = {"timeout": cdk.Duration.hours(int(arguments[1]))} if len(arguments) > 1 else {}
    if "--scheduled" in sys.argv:
        options["schedule"] = scheduler.ScheduleExpression.cron(minute="0", hour="2")
    app = cdk.App()
    stack = cdk.Stack(app, "BenchScale")
    secure = {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "encryption": s3.BucketEncryption.S3_MANAGED,
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    }
    inputs = s3.Bucket(stack, "Inputs", **secure)
    outputs = s3.Bucket(stack, "Outputs", **secure)
    role = iam.Role(stack, "PersonalizeRole", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    for number in range(jobs):
        BatchInferenceJob(
            stack,
            f"Job{number}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(inputs, f"in/{number}.json"),
            output=BatchOutput.to_bucket(outputs, f"out/{number}/"),
            role=role,
            **options,
        )
    app.synth()


if __name__ == "__main__":
    main()
