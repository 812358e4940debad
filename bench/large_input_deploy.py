"""A 1 GB input file deployed on the lifecycle test bed: the CDK CLI's asset upload into moto,
the handler's server-side copy (multipart UploadPartCopy), then the job, on the virtual clock.

The file is one JSON line padded with 1 GB of JSON whitespace, so the emulator's job can read
it; the figures are the deploy's status, its wall time on this machine, the copy requests the
handler sent and the asset bytes it downloaded (none). Measured once: it moves gigabytes.
"""

import tempfile
import time
import urllib.request
from pathlib import Path

from tests.lifecycle.driver.cloud_assembly import read_stack
from tests.lifecycle.driver.stack_deployment import StackDeployment
from tests.lifecycle.emulator import PersonalizeEmulator
from tests.lifecycle.local_aws import SOLUTION_VERSION_ARN, moto_server, recorded_s3_calls
from tests.lifecycle.virtual_clock import VirtualClock

from .runs import progress
from .synth import python_app, synth
from .table import Row, judged, seconds

_BYTES = 1 << 30
_APP = Path(__file__).with_name("input_size_app.py")
_STACK = "BenchInputSize"
_ASSET_BUCKET = "cdk-hnb659fds-assets-123456789012-us-east-1"


def measure() -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-large-deploy-") as folder:
        large = Path(folder) / "large.json"
        with large.open("wb") as stream:
            stream.write(b'{"userId": "1"')
            block = b" " * (1 << 20)
            for _ in range(_BYTES // len(block)):
                stream.write(block)
            stream.write(b"}\n")
        progress("large input deploy: synth")
        synth(
            python_app(str(_APP)),
            Path(folder) / "cdk.out",
            env={"BENCH_INPUT_FILE": str(large), "BENCH_SOLUTION_VERSION_ARN": SOLUTION_VERSION_ARN},
        )
        stack = read_stack(Path(folder) / "cdk.out", _STACK)
        with moto_server() as aws_endpoint, recorded_s3_calls() as calls:
            urllib.request.urlopen(urllib.request.Request(f"{aws_endpoint}/moto-api/reset", method="POST")).close()
            clock = VirtualClock()
            with PersonalizeEmulator(clock, aws_endpoint_url=aws_endpoint) as emulator:
                emulator.add_solution_version(SOLUTION_VERSION_ARN, recipe="user-personalization")
                deployment = StackDeployment(
                    stack_name=_STACK,
                    aws_endpoint_url=aws_endpoint,
                    personalize_endpoint_url=emulator.endpoint_url,
                    clock=clock,
                )
                progress("large input deploy: deploying 1 GB (publish, copy, job)")
                started = time.perf_counter()
                result = deployment.deploy(stack)
                elapsed = time.perf_counter() - started
                deployment.close()
    part_copies = sum(1 for operation, _ in calls if operation == "UploadPartCopy")
    downloads = sum(
        1 for operation, params in calls if operation == "GetObject" and params.get("Bucket") == _ASSET_BUCKET
    )
    return [
        judged(
            "1 GB input file: deploy on the lifecycle test bed",
            f"{result.status} in {seconds(elapsed)} wall, {part_copies} UploadPartCopy, "
            f"{downloads} GetObject of the asset{_first_failure(result.failure_reasons())}",
            "succeeds, no download",
            result.succeeded and downloads == 0,
        )
    ]


def _first_failure(reasons: list[str]) -> str:
    # A failed deploy says why in the row, so a miss is never a bare status.
    return f"; first failure: {reasons[0].splitlines()[0][:300]}" if reasons else ""
