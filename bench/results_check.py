"""The results check's throughput and memory on the test bed, and what Personalize's largest job
(50 million records) would take.

A run's input and output are written to a moto S3 server on loopback; the check runs in a fresh
Python process (so its peak RSS is its own), once reading everything in one call and once in
calls of 16 MiB as polls would. Output lines are 25 recommended items with scores, as the
example app's, about 570 bytes each; one case has 1% failed records, which the check reads line
by line instead of counting whole chunks.
"""

import json
import subprocess
import sys
import time

from tests.lifecycle.local_aws import CREDENTIALS, REGION, client, moto_server

from .runs import median, progress
from .synth import REPOSITORY
from .table import Row, judged, seconds

BUCKET = "bench-results"
RECORDS = 200_000
MAX_RECORDS = 50_000_000
"""Personalize's documented maximum records per batch job."""
CALL_SECONDS = 100
"""What one is_complete call reads for at most (lambda/index.py)."""
MEMORY_TARGET_MIB = 64
"""Above the baseline of a process that has imported boto3 and made its client."""

_CHILD = """
import json, sys, time
sys.path.insert(0, {lambda_dir!r})
import boto3
from results_check import ResultsCheck
s3 = boto3.client("s3", endpoint_url={endpoint!r}, region_name={region!r})
def high_water_kib():
    # VmHWM starts afresh at exec; ru_maxrss would carry the parent's peak over the fork.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
s3.list_buckets()
baseline = high_water_kib()
start = time.perf_counter()
calls = 0
while True:
    calls += 1
    verdict = ResultsCheck(
        s3, input_path={input_path!r}, run_folder={run_folder!r}, max_error_rate=0.05,
        bytes_per_call={bytes_per_call}, seconds_per_call=100.0,
    ).advance()
    if verdict is not None:
        break
elapsed = time.perf_counter() - start
peak = high_water_kib()
print(json.dumps({{"elapsed": elapsed, "calls": calls, "records": verdict.output_records,
    "errors": verdict.error_records, "input": verdict.input_records, "bytes": verdict.bytes_read,
    "baseline_kib": baseline, "peak_kib": peak}}))
"""


def measure(runs: int) -> list[Row]:
    rows: list[Row] = []
    with moto_server() as endpoint:
        s3 = client("s3", endpoint)
        s3.create_bucket(Bucket=BUCKET)
        for case, failed_every in (("no failed record", 0), ("1% failed", 100)):
            run_folder = _write_run(s3, case.replace(" ", "-").replace("%", ""), failed_every)
            for label, bytes_per_call in (("one call", 1 << 50), ("16 MiB calls", 16 << 20)):
                results = []
                for run in range(runs):
                    progress(f"results check: {case}, {label}, run {run + 1}/{runs}")
                    results.append(_check_in_child(endpoint, run_folder, bytes_per_call))
                rows.extend(_rows(case, label, results))
    return rows


def _write_run(s3, name: str, failed_every: int) -> str:
    progress(f"results check: writing {RECORDS:,} records ({name})")
    items = [str(number) for number in range(25)]
    scores = [round(0.01 - number * 0.0001, 7) for number in range(25)]
    good = {"output": {"recommendedItems": items, "scores": scores}, "error": None}
    bad = {
        "output": {"recommendedItems": []},
        "error": "User error: Required fields for the provided recipe are userId",
    }
    lines, inputs = [], []
    for number in range(RECORDS):
        record = {"userId": str(number)}
        inputs.append(json.dumps(record))
        body = bad if failed_every and number % failed_every == 0 else good
        lines.append(json.dumps({"input": record, **body}, separators=(",", ":")))
    s3.put_object(Bucket=BUCKET, Key=f"{name}/input/users.json", Body=("\n".join(inputs) + "\n").encode())
    s3.put_object(Bucket=BUCKET, Key=f"{name}/results/run/users.json.out", Body=("\n".join(lines) + "\n").encode())
    return f"s3://{BUCKET}/{name}/results/run/"


def _check_in_child(endpoint: str, run_folder: str, bytes_per_call: int) -> dict:
    name = run_folder.removeprefix(f"s3://{BUCKET}/").split("/", 1)[0]
    script = _CHILD.format(
        lambda_dir=str(REPOSITORY / "lambda"),
        endpoint=endpoint,
        region=REGION,
        input_path=f"s3://{BUCKET}/{name}/input/users.json",
        run_folder=run_folder,
        bytes_per_call=bytes_per_call,
    )
    # The check writes its progress object: start each run afresh.
    client("s3", endpoint).delete_object(
        Bucket=BUCKET, Key=run_folder.removeprefix(f"s3://{BUCKET}/") + "_results_check.json"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={**CREDENTIALS, "PATH": "/usr/bin:/bin", "AWS_DEFAULT_REGION": REGION},
    )
    progress(f"  {time.perf_counter() - started:.1f} s with start-up")
    return json.loads(done.stdout)


def _rows(case: str, label: str, results: list[dict]) -> list[Row]:
    first = results[0]
    assert first["records"] == first["input"] == RECORDS, first
    elapsed = median([result["elapsed"] for result in results])
    mib_per_second = first["bytes"] / elapsed / (1 << 20)
    records_per_second = RECORDS / elapsed
    peak_mib = max(result["peak_kib"] for result in results) / 1024
    baseline_mib = max(result["baseline_kib"] for result in results) / 1024
    full_seconds = MAX_RECORDS / records_per_second
    rows = [
        Row(
            f"Results check, {case}, {label}: {RECORDS:,} records, {first['bytes'] / (1 << 20):.0f} MiB",
            f"{seconds(elapsed)}, {mib_per_second:.0f} MiB/s, {records_per_second / 1e6:.2f} M records/s, "
            f"{first['calls']} calls",
        ),
        judged(
            f"Results check, {case}, {label}: peak RSS (a process with boto3 and its client)",
            f"{peak_mib:.0f} MiB ({baseline_mib:.0f} MiB)",
            f"< {MEMORY_TARGET_MIB} MiB above it, whatever the size",
            peak_mib - baseline_mib < MEMORY_TARGET_MIB,
        ),
    ]
    if label == "one call":
        rows.append(
            Row(
                f"Results check, {case}: 50 million records at this rate",
                f"{seconds(full_seconds)} of reading, "
                f"{int(full_seconds // CALL_SECONDS) + 1} calls of {CALL_SECONDS} s",
            )
        )
    return rows
