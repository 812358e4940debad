"""One JSON line per job state change, so an operator can follow a long deploy in CloudWatch Logs."""

import json


def log_job_event(event: str, job_arn: str | None, **details: object) -> None:
    print(json.dumps({"event": event, "jobArn": job_arn, **details}, default=str), flush=True)
