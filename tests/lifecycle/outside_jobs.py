"""Jobs from outside the stack under test (another stack, a console user) holding Personalize's
slots: real jobs of the emulator, with an input, a role and a bucket policy that let them run, so
they hold their slot until they end. Shared by the lifecycle tests and the queue benchmark."""

import json
import re

from .adjustable_timings import AdjustableTimings
from .local_aws import ACCOUNT_ID, client

OUTSIDE_PREFIX = "outside-"
"""The names of the outside jobs start so; the stack's never do."""
_BUCKET = "outside-jobs"
_ROLE = "outside-personalize"
_PRINCIPAL = {"Service": "personalize.amazonaws.com"}


def hold_slots(
    emulator,
    clock,
    timings: AdjustableTimings,
    aws_endpoint: str,
    *,
    kind_api_name: str,
    solution_version_arn: str,
    count: int,
    minutes: float,
) -> float:
    """Start `count` outside jobs of the kind `kind_api_name` ("BatchInferenceJob") that end `minutes`
    after now (the clock passes their 5 PENDING minutes here); jobs created afterwards take
    `timings` as they were. Returns when the outside jobs end."""
    ends_at = clock.now() + minutes * 60
    _allow_outside_jobs(aws_endpoint)
    personalize = client("personalize", emulator.endpoint_url)
    create = getattr(personalize, "create_" + re.sub(r"(?<!^)([A-Z])", r"_\1", kind_api_name).lower())
    ours = timings.in_progress_seconds
    timings.next_jobs_take(minutes=minutes)
    for number in range(count):
        create(
            jobName=f"{OUTSIDE_PREFIX}{number}",
            solutionVersionArn=solution_version_arn,
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{_ROLE}",
            jobInput={"s3DataSource": {"path": f"s3://{_BUCKET}/in.json"}},
            jobOutput={"s3DataDestination": {"path": f"s3://{_BUCKET}/out/{number}/"}},
        )
    clock.advance(timings.pending_seconds)  # a job reads its length when it starts running
    timings.in_progress_seconds = ours
    return ends_at


def _allow_outside_jobs(aws_endpoint: str) -> None:
    s3 = client("s3", aws_endpoint)
    s3.create_bucket(Bucket=_BUCKET)
    s3.put_object(Bucket=_BUCKET, Key="in.json", Body=b'{"userId": "1"}\n{"itemId": "1"}\n')
    s3.put_bucket_policy(
        Bucket=_BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": _PRINCIPAL,
                        "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                        "Resource": [f"arn:aws:s3:::{_BUCKET}", f"arn:aws:s3:::{_BUCKET}/*"],
                    }
                ],
            }
        ),
    )
    iam = client("iam", aws_endpoint)
    iam.create_role(
        RoleName=_ROLE,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": _PRINCIPAL, "Action": "sts:AssumeRole"}],
            }
        ),
    )
    iam.put_role_policy(
        RoleName=_ROLE,
        PolicyName="outside-jobs",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:ListBucket", "s3:PutObject"],
                        "Resource": [f"arn:aws:s3:::{_BUCKET}", f"arn:aws:s3:::{_BUCKET}/*"],
                    }
                ],
            }
        ),
    )
