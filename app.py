#!/usr/bin/env python3
"""Example app: one stack with one batch inference job on the sample input in example_input/, run
at deploy time and again every night at 02:00 UTC (and, commented out, a batch segment job).

The solution version ARN comes from context (``cdk deploy -c solution_version_arn=arn:...``);
without it, from the stack parameter ``SolutionVersionArn``, so ``cdk synth`` works offline.
"""

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from personalize_batch_constructs import (
    ARN_MAX_LENGTH,
    SOLUTION_VERSION_ARN_PATTERN,
    BatchInferenceJob,
    BatchInput,
    # BatchSegmentJob,
)


class ExampleStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, solution_version_arn: str | None, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        if solution_version_arn is None:
            solution_version_arn = cdk.CfnParameter(
                self,
                "SolutionVersionArn",
                description="The Amazon Personalize solution version that computes the recommendations",
                # The construct's own rule, so CloudFormation refuses what the construct would.
                allowed_pattern=SOLUTION_VERSION_ARN_PATTERN,
                max_length=ARN_MAX_LENGTH,
                constraint_description="must be an Amazon Personalize solution version ARN such as "
                "arn:aws:personalize:us-east-1:111122223333:solution/movies/1a2b3c",
            ).value_as_string

        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        )
        cdk.Validations.of(access_logs).acknowledge(
            cdk.Acknowledgment(id="AwsSolutions::AwsSolutions-S1", reason="This bucket receives the access logs")
        )
        # checkov reads its acknowledgements from the template, in each resource's metadata.
        access_logs.node.default_child.add_metadata(
            "checkov",
            {
                "skip": [
                    {"id": "CKV_AWS_18", "comment": "This bucket receives the access logs"},
                    {"id": "CKV_AWS_21", "comment": "Access logs are written once and never overwritten"},
                ]
            },
        )

        job = BatchInferenceJob(
            self,
            "Nightly",
            solution_version_arn=solution_version_arn,
            input=BatchInput.from_asset("example_input/users.json"),
            num_results=10,
            # Even a tiny job spends about 25 minutes starting, and real inputs take hours:
            # `cdk deploy` waits up to 3 hours here (12 at most) and fails naming the job after that.
            timeout=cdk.Duration.hours(3),
            server_access_logs_bucket=access_logs,
            # Nightly: each run gets its own job, run folder, results check, manifest update and
            # completion event. schedule_enabled=False would deploy the schedule paused.
            schedule=scheduler.ScheduleExpression.cron(minute="0", hour="2", time_zone=cdk.TimeZone.ETC_UTC),
        )
        cdk.CfnOutput(self, "JobArn", value=job.job_arn)
        cdk.CfnOutput(self, "Recommendations", value=job.output_s3_uri)

        # A batch segment job works the same way: uncomment it, and give it a solution version
        # trained with a USER_SEGMENTATION recipe (Item-Affinity reads {"itemId": "105"} lines)
        # and an input file of items. It shares this stack's provider with the job above.
        #
        # audience = BatchSegmentJob(
        #     self,
        #     "Audience",
        #     solution_version_arn="arn:aws:personalize:us-east-1:111122223333:solution/audiences/4d5e6f",
        #     input=BatchInput.from_asset("example_input/items.json"),
        #     num_results=1000,
        #     server_access_logs_bucket=access_logs,
        # )
        # cdk.CfnOutput(self, "Audiences", value=audience.output_s3_uri)


app = cdk.App()
ExampleStack(app, "PersonalizeBatchExample", solution_version_arn=app.node.try_get_context("solution_version_arn"))
cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
app.synth()
