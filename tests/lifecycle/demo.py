"""Deploy the example app's job without an AWS account, and watch it run.

    python -m tests.lifecycle.demo

    python -m tests.lifecycle.demo --job-minutes 150

Synthesizes app.py, then deploys the stack the way CloudFormation and the CDK Provider framework
would, against moto (S3, IAM) and the local Personalize emulator, on a virtual clock: the
25 minutes a real job spends pending and running (or the --job-minutes you ask for) pass in
seconds. Prints the stack events of the job's resource and its wait extensions and the handler's
log lines as they happen, then the first recommendations the job wrote to S3.
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

from .driver.stack_deployment import StackDeployment, StackEvent
from .emulator import JobTimings, PersonalizeEmulator
from .example_app import EXAMPLE_STACK, synth_example_app
from .local_aws import SOLUTION_VERSION_ARN, client, moto_server
from .virtual_clock import VirtualClock

# The stack events worth a newcomer's attention; the other 30-odd resources are plumbing.
_SHOWN_TYPES = (
    "Custom::PersonalizeBatchInferenceJob",
    "Custom::PersonalizeBatchJobWait",
    "Custom::PersonalizeBatchInputCopy",
    "AWS::CloudFormation::Stack",
)
_PENDING_SECONDS = JobTimings().pending_seconds
_DEFAULT_JOB_MINUTES = int((JobTimings().pending_seconds + JobTimings().in_progress_seconds) // 60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fail", metavar="REASON", help="make the job end CREATE FAILED with this reason")
    parser.add_argument("--recommendations", type=int, default=3, help="how many output lines to print (default 3)")
    parser.add_argument(
        "--job-minutes",
        type=int,
        default=_DEFAULT_JOB_MINUTES,
        metavar="N",
        help=f"how long the job takes from its creation to its end, {_PENDING_SECONDS // 60:.0f} of them PENDING "
        f"(default {_DEFAULT_JOB_MINUTES}); app.py waits up to 180",
    )
    arguments = parser.parse_args(argv)
    if arguments.job_minutes * 60 <= _PENDING_SECONDS:
        parser.error(f"--job-minutes must be more than {_PENDING_SECONDS // 60:.0f}: the job spends that long PENDING")

    with tempfile.TemporaryDirectory() as outdir:
        print(f"Synthesizing {EXAMPLE_STACK} from app.py ...", flush=True)
        return _deploy(synth_example_app(Path(outdir)), arguments)


def _deploy(stack, arguments) -> int:
    clock = VirtualClock()
    start = clock.now()

    def show(record) -> None:
        elapsed = int(clock.now() - start)
        stamp = f"[+{elapsed // 3600:02d}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}]"
        if isinstance(record, StackEvent):
            if record.resource_type in _SHOWN_TYPES:
                reason = f"  {record.reason.splitlines()[0]}" if record.reason else ""
                _print(f"{stamp} {record.logical_id:<40} {record.status}{reason}")
        elif "event" in record:
            details = {key: value for key, value in record.items() if key not in {"at", "function", "event", "jobArn"}}
            _print(f"{stamp}   handler log: {record['event']}" + (f" {json.dumps(details)}" if details else ""))

    def show_job(job, old_status, new_status) -> None:
        elapsed = int(clock.now() - start)
        _print(
            f"[+{elapsed // 3600:02d}:{elapsed % 3600 // 60:02d}:{elapsed % 60:02d}]   "
            f"personalize: {job.arn} {new_status}"
        )

    timings = JobTimings(
        pending_seconds=_PENDING_SECONDS, in_progress_seconds=arguments.job_minutes * 60 - _PENDING_SECONDS
    )
    with (
        moto_server() as aws_endpoint,
        PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint, timings=timings) as emulator,
    ):
        emulator.add_solution_version(SOLUTION_VERSION_ARN)
        if arguments.fail:
            emulator.faults.fail_jobs(arguments.fail)
        emulator.on_status_change(show_job)
        deployment = StackDeployment(
            stack_name=stack.name,
            aws_endpoint_url=aws_endpoint,
            personalize_endpoint_url=emulator.endpoint_url,
            clock=clock,
            listener=show,
        )
        print(
            f"Deploying {stack.name} (SolutionVersionArn={SOLUTION_VERSION_ARN}) on a virtual clock; "
            f"the job takes {arguments.job_minutes} minutes ...",
            flush=True,
        )
        result = deployment.deploy(stack, {"SolutionVersionArn": SOLUTION_VERSION_ARN})
        show(StackEvent(clock.now(), stack.name, "AWS::CloudFormation::Stack", result.status))
        if not result.succeeded:
            return 1
        for name, value in result.outputs.items():
            _print(f"Output {name} = {value}")
        _print_recommendations(
            aws_endpoint, result.outputs["Recommendations"] + "users.json.out", arguments.recommendations
        )
    return 0


def _print_recommendations(aws_endpoint: str, uri: str, count: int) -> None:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    lines = client("s3", aws_endpoint).get_object(Bucket=bucket, Key=key)["Body"].read().decode().splitlines()
    _print(f"\nFirst {min(count, len(lines))} of {len(lines)} lines of {uri}:")
    for line in lines[:count]:
        _print(f"  {line}")


def _print(text: str) -> None:
    # The driver captures a handler's stdout as its log while it runs, and the emulator reports
    # status changes from its own thread meanwhile: write past the capture.
    print(text, file=sys.__stdout__, flush=True)


if __name__ == "__main__":
    sys.exit(main())
