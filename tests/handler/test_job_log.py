import json

from job_log import log_job_event


def test_each_event_is_one_json_line_with_the_job_arn(capsys):
    log_job_event("job_status", "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/j", status="PENDING")
    log_job_event("job_started", "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/k")

    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "event": "job_status",
            "jobArn": "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/j",
            "status": "PENDING",
        },
        {"event": "job_started", "jobArn": "arn:aws:personalize:us-east-1:123456789012:batch-inference-job/k"},
    ]
