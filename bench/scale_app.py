"""A CDK app with N batch inference jobs in one stack, all sharing one input bucket, one
output bucket and one service role: how a team runs many jobs side by side. An optional second
argument gives every job that timeout in hours (default: the construct's one hour).

    CDK_OUTDIR=/tmp/out python -m bench.scale_app 100
    CDK_OUTDIR=/tmp/out python -m bench.scale_app 30 12
"""

import sys

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput

SOLUTION_VERSION_ARN = "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c"


def main() -> None:
    jobs = int(sys.argv[1])
    timeout = {"timeout": cdk.Duration.hours(int(sys.argv[2]))} if len(sys.argv) > 2 else {}
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
            **timeout,
        )
    app.synth()


if __name__ == "__main__":
    main()
