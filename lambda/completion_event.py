"""The event a run's end puts on the account's default EventBridge bus.

Personalize emits no event when a batch job ends: only whoever polls it knows. The handler polls,
so it tells: one event when the run succeeded and passed its results check, when the check failed,
when the job ended CREATE FAILED and when the wait timed out. A failure to send is logged and
never changes the deploy's outcome: the stack events say the same.
"""

import json
from typing import Any

from contract import EVENT_SOURCE, FAILED_DETAIL_TYPE, SUCCEEDED_DETAIL_TYPE
from error_classification import AWS_ERRORS, describe_error
from job_log import log_job_event

SUCCEEDED = "SUCCEEDED"
CHECK_FAILED = "CHECK_FAILED"
JOB_FAILED = "CREATE_FAILED"
TIMED_OUT = "TIMED_OUT"
# PutEvents takes 256 KB per entry; a long reason is cut to keep the event readable in a rule's target.
_MAX_REASON_CHARACTERS = 2000


class CompletionEvents:
    """Puts a run's completion event; built from the resource's properties and event."""

    def __init__(self, events: Any, *, stack_id: str, construct_path: str | None):
        self._events = events
        self._stack_id = stack_id
        self._construct_path = construct_path

    def put(
        self,
        status: str,
        *,
        job_arn: str,
        output_folder: str,
        reason: str = "",
        counts: dict[str, int] | None = None,
    ) -> None:
        detail = {
            "stackName": self._stack_id.split(":", 5)[-1].split("/")[1],
            "stackId": self._stack_id,
            "constructPath": self._construct_path,
            "jobArn": job_arn,
            "jobName": job_arn.rsplit("/", 1)[-1],
            "status": status,
            "outputFolder": output_folder,
            "inputRecordCount": None,
            "recordCount": None,
            "errorCount": None,
            **(counts or {}),
            "reason": reason[:_MAX_REASON_CHARACTERS],
        }
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": SUCCEEDED_DETAIL_TYPE if status == SUCCEEDED else FAILED_DETAIL_TYPE,
            "Resources": [job_arn],
            "Detail": json.dumps(detail),
        }
        try:
            answer = self._events.put_events(Entries=[entry])
        except AWS_ERRORS as error:
            log_job_event("completion_event_not_sent", job_arn, status=status, error=describe_error(error))
            return
        if answer.get("FailedEntryCount"):
            failed = answer["Entries"][0]
            log_job_event(
                "completion_event_not_sent",
                job_arn,
                status=status,
                error=f"{failed.get('ErrorCode')}: {failed.get('ErrorMessage')}",
            )
            return
        log_job_event("completion_event_sent", job_arn, status=status, detailType=entry["DetailType"])
