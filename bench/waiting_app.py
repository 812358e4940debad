"""The example app's job with another wait: app.py's batch inference job on the same sample input,
without its access-log bucket or cdk-nag, and with the timeout (or ``wait=False``) given on the
command line. The waiting benchmark deploys it for jobs longer than app.py's three hours, and
for a deploy that does not wait.

    CDK_OUTDIR=/tmp/out python -m bench.waiting_app --timeout-hours 12
    CDK_OUTDIR=/tmp/out python -m bench.waiting_app --no-wait
"""

import argparse

import aws_cdk as cdk

from personalize_batch_constructs import BatchInferenceJob, BatchInput

from .synth import REPOSITORY

STACK_NAME = "BenchWaiting"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.waiting_app")
    how = parser.add_mutually_exclusive_group(required=True)
    how.add_argument("--timeout-hours", type=int, help="the job's timeout, 1 to 12 hours")
    how.add_argument("--no-wait", action="store_true", help="wait=False, with the default timeout")
    arguments = parser.parse_args()
    app = cdk.App()
    stack = cdk.Stack(app, STACK_NAME)
    solution_version_arn = cdk.CfnParameter(stack, "SolutionVersionArn").value_as_string
    wait = {"wait": False} if arguments.no_wait else {"timeout": cdk.Duration.hours(arguments.timeout_hours)}
    job = BatchInferenceJob(
        stack,
        "Nightly",
        solution_version_arn=solution_version_arn,
        input=BatchInput.from_asset(str(REPOSITORY / "example_input" / "users.json")),
        num_results=10,
        **wait,
    )
    cdk.CfnOutput(stack, "JobArn", value=job.job_arn)
    app.synth()


if __name__ == "__main__":
    main()
