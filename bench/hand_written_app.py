"""The example app's resources written by hand with plain aws-cdk-lib, no construct library: the
baseline the library's synth time is compared with.

Secure input and output buckets (and the access-log bucket) with their policies, the service
role and its policy, the upload of the example input, a custom_resources.Provider running the
handler in lambda/, and one Custom::PersonalizeBatchInferenceJob with the library's properties,
waiting up to 3 hours as app.py's job does: its own 58 minutes, then three
Custom::PersonalizeBatchJobWait extensions; and app.py's nightly run: an EventBridge Scheduler
schedule starting a Step Functions state machine that invokes the is_complete handler to start
the run, then polls it.
It is not cdk-nag clean (no acknowledgements) and makes no checks: it is what a team would
write once for one job.
"""

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3_deployment
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from aws_cdk import custom_resources as cr

from .synth import REPOSITORY

PERSONALIZE = "personalize.amazonaws.com"


def build(stack: cdk.Stack) -> None:
    solution_version_arn = cdk.CfnParameter(stack, "SolutionVersionArn").value_as_string
    source_account = {"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}}
    secure = {
        "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
        "enforce_ssl": True,
        "encryption": s3.BucketEncryption.S3_MANAGED,
    }
    access_logs = s3.Bucket(stack, "AccessLogs", object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED, **secure)
    logged = {
        "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        "server_access_logs_bucket": access_logs,
        **secure,
    }
    inputs = s3.Bucket(
        stack, "InputBucket", removal_policy=cdk.RemovalPolicy.DESTROY, auto_delete_objects=True, **logged
    )
    outputs = s3.Bucket(stack, "OutputBucket", removal_policy=cdk.RemovalPolicy.RETAIN, **logged)

    role = iam.Role(stack, "ServiceRole", assumed_by=iam.ServicePrincipal(PERSONALIZE, conditions=source_account))
    for bucket, actions, objects in (
        (inputs, ["s3:GetObject"], "input/users.json"),
        (outputs, ["s3:PutObject"], "results/*"),
    ):
        for statement in (
            iam.PolicyStatement(actions=actions, resources=[bucket.arn_for_objects(objects)]),
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn]),
        ):
            role.add_to_policy(statement)
            bucket.add_to_resource_policy(
                statement.copy(principals=[iam.ServicePrincipal(PERSONALIZE)], conditions=source_account)
            )

    upload = s3_deployment.BucketDeployment(
        stack,
        "UploadInput",
        sources=[s3_deployment.Source.asset(str(REPOSITORY / "example_input"))],
        destination_bucket=inputs,
        destination_key_prefix="input/",
        prune=True,
    )

    handler_role = iam.Role(stack, "HandlerRole", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    handler_role.add_to_policy(
        iam.PolicyStatement(
            actions=[
                f"personalize:{action}"
                for action in ("CreateBatchInferenceJob", "DescribeBatchInferenceJob", "TagResource", "UntagResource")
            ],
            resources=[
                f"arn:{cdk.Aws.PARTITION}:personalize:{cdk.Aws.REGION}:{cdk.Aws.ACCOUNT_ID}:batch-inference-job/*"
            ],
        )
    )
    handler_role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=[role.role_arn]))
    handler_role.add_to_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[inputs.arn_for_objects("input/users.json")])
    )
    handler_role.add_to_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[inputs.bucket_arn]))
    code = lambda_.Code.from_asset(str(REPOSITORY / "lambda"), exclude=["__pycache__", "*.pyc"])

    def handler(construct_id: str, entry_point: str) -> lambda_.Function:
        return lambda_.Function(
            stack,
            construct_id,
            runtime=lambda_.Runtime.PYTHON_3_14,
            handler=entry_point,
            code=code,
            role=handler_role,
            timeout=cdk.Duration.minutes(4),
            memory_size=256,
            log_group=logs.LogGroup(stack, f"{construct_id}Logs", retention=logs.RetentionDays.ONE_MONTH),
        )

    is_complete = handler("IsCompleteHandler", "index.is_complete")
    provider = cr.Provider(
        stack,
        "Provider",
        on_event_handler=handler("OnEventHandler", "index.on_event"),
        is_complete_handler=is_complete,
        query_interval=cdk.Duration.seconds(10),
        total_timeout=cdk.Duration.hours(1),
        log_group=logs.LogGroup(stack, "FrameworkLogs", retention=logs.RetentionDays.ONE_MONTH),
        waiter_state_machine_log_options=cr.LogOptions(
            destination=logs.LogGroup(stack, "WaiterLogs", retention=logs.RetentionDays.ONE_MONTH)
        ),
    )
    properties = {
        "JobNamePrefix": "Nightly",
        "SolutionVersionArn": solution_version_arn,
        "InputPath": f"s3://{inputs.bucket_name}/input/users.json",
        "OutputPath": f"s3://{outputs.bucket_name}/results/",
        "RoleArn": role.role_arn,
        "NumResults": "10",
        "TimeoutSeconds": 3480,
        "TotalTimeoutSeconds": 10800,
        "OnTimeout": "Continue",
        "PollIntervalSeconds": 60,
    }
    job = cdk.CustomResource(
        stack,
        "Nightly",
        service_token=provider.service_token,
        resource_type="Custom::PersonalizeBatchInferenceJob",
        service_timeout=cdk.Duration.hours(1),
        properties=properties,
    )
    for dependency in (upload, inputs.policy, outputs.policy, role, handler_role):
        job.node.add_dependency(dependency)
    last = job
    for extension, share in enumerate((3480, 3480, 360), start=1):
        last = cdk.CustomResource(
            stack,
            f"NightlyWait{extension}",
            service_token=provider.service_token,
            resource_type="Custom::PersonalizeBatchJobWait",
            service_timeout=cdk.Duration.hours(1),
            properties={
                "JobArn": last.get_att_string("JobArn"),
                "JobStatus": last.get_att_string("Status"),
                "OutputPath": last.get_att_string("OutputPath"),
                "Extension": extension,
                "TimeoutSeconds": share,
                "TotalTimeoutSeconds": 10800,
                "PollIntervalSeconds": 60,
                "OnTimeout": "Fail" if extension == 3 else "Continue",
            },
        )

    def step(name: str, **state: str) -> tasks.LambdaInvoke:
        payload = {"ScheduledRun": name, "ScheduledTime.$": "$.ScheduledTime", "Job.$": "$.Job"}
        payload.update({f"{key}.$": path for key, path in state.items()})
        return tasks.LambdaInvoke(
            stack,
            f"{name}Run",
            lambda_function=is_complete,
            payload=sfn.TaskInput.from_object(payload),
            payload_response_only=True,
            result_path="$.Run",
        )

    wait = sfn.Wait(stack, "WaitPollInterval", time=sfn.WaitTime.duration(cdk.Duration.minutes(1)))
    done = (
        sfn.Choice(stack, "RunDone")
        .when(sfn.Condition.boolean_equals("$.Run.Done", True), sfn.Succeed(stack, "RunSucceeded"))
        .otherwise(wait)
    )
    runs = sfn.StateMachine(
        stack,
        "NightlyRuns",
        definition_body=sfn.DefinitionBody.from_chainable(
            step("Start").next(wait).next(step("Poll", Run="$.Run")).next(done)
        ),
        timeout=cdk.Duration.hours(13),
        logs=sfn.LogOptions(
            destination=logs.LogGroup(stack, "RunsLogs", retention=logs.RetentionDays.ONE_MONTH), level=sfn.LogLevel.ALL
        ),
    )
    schedule = scheduler.Schedule(
        stack,
        "NightlySchedule",
        schedule=scheduler.ScheduleExpression.cron(minute="0", hour="2", time_zone=cdk.TimeZone.ETC_UTC),
        target=scheduler_targets.StepFunctionsStartExecution(
            runs,
            input=scheduler.ScheduleTargetInput.from_object(
                {
                    "ScheduledTime": scheduler.ContextAttribute.scheduled_time,
                    "Job": {
                        "ResourceType": "Custom::PersonalizeBatchInferenceJob",
                        "StackId": cdk.Aws.STACK_ID,
                        "LogicalResourceId": stack.get_logical_id(job.node.default_child),
                        "ResourceProperties": properties,
                    },
                }
            ),
        ),
    )
    schedule.node.add_dependency(last)
    cdk.CfnOutput(stack, "JobArn", value=last.get_att_string("JobArn"))
    cdk.CfnOutput(stack, "Recommendations", value=last.get_att_string("OutputPath"))


if __name__ == "__main__":
    app = cdk.App()
    build(cdk.Stack(app, "BenchHandWritten"))
    app.synth()
