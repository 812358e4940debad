"""A CDK app with N batch inference jobs of one timeout in one stack, reading objects of an
existing bucket (``bench-queue-input``, which the queue benchmark fills) and writing to a bucket of
the stack: the queue benchmark deploys it on the emulator's virtual clock.

    CDK_OUTDIR=/tmp/out python -m bench.queue_app 100 1
"""

import sys

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput

STACK_NAME = "BenchQueue"
INPUT_BUCKET = "bench-queue-input"
SOLUTION_VERSION_ARN = "arn:aws:personalize:us-east-1:123456789012:solution/bench/version/1"


def input_key(number: int) -> str:
    return f"in/{number}.json"


def main() -> None:
    jobs, timeout_hours = int(sys.argv[1]), int(sys.argv[2])
    app = cdk.App()
    stack = cdk.Stack(app, STACK_NAME)
    inputs = s3.Bucket.from_bucket_name(stack, "Inputs", INPUT_BUCKET)
    outputs = s3.Bucket(stack, "Outputs", enforce_ssl=True, block_public_access=s3.BlockPublicAccess.BLOCK_ALL)
    for number in range(jobs):
        BatchInferenceJob(
            stack,
            f"Job{number}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(inputs, input_key(number)),
            output=BatchOutput.to_bucket(outputs, f"out/{number}/"),
            timeout=cdk.Duration.hours(timeout_hours),
        )
    app.synth()


if __name__ == "__main__":
    main()
