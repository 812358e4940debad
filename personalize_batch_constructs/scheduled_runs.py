"""Scheduled runs: an EventBridge schedule per scheduled job, one state machine per stack.

The schedule starts an execution with the job's definition (the properties of its custom
resource) and the schedule's time; the state machine invokes the stack's existing is_complete
function to start the run, waits the job's poll interval, and polls it until it ends (see
``lambda/scheduled_run.py``). No function per job or per stack is added: the handler already holds
every grant a run needs, so the state machine needs only to invoke it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import Annotations, Aws, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from .nag_acknowledgements import acknowledge_wildcards
from .schedule_expression import cron_firings_per_day, fires_every_minute, shortest_interval_seconds

if TYPE_CHECKING:
    from .job_provider import JobProvider

RUN_TIMEOUT = Duration.hours(13)
"""How long an execution may last: the longest ``timeout`` (12 hours) and the results check after it."""
_LOG_RETENTION = logs.RetentionDays.ONE_MONTH
_OVERLAP_WARNING_ID = "personalize-batch-constructs:scheduleFasterThanTimeout"


class ScheduledRuns(Construct):
    """The state machine a stack's scheduled jobs share, created with the stack's first one."""

    _ID = "PersonalizeBatchScheduledRuns"

    @classmethod
    def of(cls, scope: Construct, provider: JobProvider) -> ScheduledRuns:
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls._ID)
        return existing if isinstance(existing, cls) else cls(stack, cls._ID, provider)

    def __init__(self, scope: Construct, construct_id: str, provider: JobProvider) -> None:
        super().__init__(scope, construct_id)
        handler = provider.is_complete_function
        start = self._step(handler, "Start")
        wait = sfn.Wait(self, "WaitPollInterval", time=sfn.WaitTime.seconds_path("$.PollIntervalSeconds"))
        poll = self._step(handler, "Poll", Run="$.Run")
        # A failed run fails its step (the handler raises, as it fails a deploy): the execution fails with the reason.
        done = (
            sfn.Choice(self, "RunDone")
            .when(sfn.Condition.boolean_equals("$.Run.Done", True), sfn.Succeed(self, "RunPassedItsCheck"))
            .otherwise(wait)
        )
        log_group = logs.LogGroup(self, "Logs", retention=_LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY)
        # Encrypted with the key of the stack's first job that has one, as the provider's log groups are.
        provider.add_log_group(log_group)
        self.state_machine: sfn.StateMachine = sfn.StateMachine(
            self,
            "StateMachine",
            definition_body=sfn.DefinitionBody.from_chainable(start.next(wait).next(poll).next(done)),
            timeout=RUN_TIMEOUT,
            tracing_enabled=True,
            # The execution data is the job's definition and the run's ARN: no secret, and what an operator reads.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            comment="Runs this stack's scheduled Amazon Personalize batch jobs: start, then poll until checked",
        )
        """The state machine every scheduled job of the stack starts."""
        role = self.state_machine.role
        acknowledge_wildcards(
            role,
            resources=[f"{handler.function_arn}:*"],
            reason="Step Functions' LambdaInvoke may invoke any version of the stack's handler function (ARN:*)",
        )
        acknowledge_wildcards(
            role,
            resources=["*"],
            reason="CloudWatch Logs delivery and X-Ray actions of a state machine take no resource ARNs",
        )

    def _step(self, handler: lambda_.IFunction, step: str, **state: str) -> tasks.LambdaInvoke:
        """A task invoking the handler for one step of the run, its answer kept as ``$.Run``."""
        return tasks.LambdaInvoke(
            self,
            f"{step}Run",
            lambda_function=handler,
            payload=sfn.TaskInput.from_object(
                {
                    "ScheduledRun": step,
                    "ScheduledTime": sfn.JsonPath.string_at("$.ScheduledTime"),
                    "Job": sfn.JsonPath.object_at("$.Job"),
                    **{key: sfn.JsonPath.object_at(path) for key, path in state.items()},
                }
            ),
            payload_response_only=True,
            result_path="$.Run",
        )

    def schedule(
        self,
        job: Construct,
        *,
        expression: scheduler.ScheduleExpression,
        enabled: bool,
        job_definition: Mapping[str, Any],
        poll_interval_seconds: int,
    ) -> scheduler.Schedule:
        """A schedule under ``job`` that starts this state machine with the job's definition."""
        run_input = scheduler.ScheduleTargetInput.from_object(
            {
                "ScheduledTime": scheduler.ContextAttribute.scheduled_time,
                "PollIntervalSeconds": poll_interval_seconds,
                "Job": {
                    **job_definition,
                    "StackId": Aws.STACK_ID,
                },
            }
        )
        return scheduler.Schedule(
            job,
            "Schedule",
            schedule=expression,
            target=scheduler_targets.StepFunctionsStartExecution(self.state_machine, input=run_input),
            enabled=enabled,
            description=f"Runs the Personalize batch job {job.node.path} again",
        )


def warn_about_overlapping_runs(job: Construct, expression: scheduler.ScheduleExpression, timeout_seconds: int) -> None:
    """A CDK warning on ``job`` when its ``rate(...)`` or ``cron(...)`` schedule starts runs more
    often than one may last."""
    text = expression.expression_string
    if Token.is_unresolved(text):
        return
    interval = shortest_interval_seconds(text)
    if interval is None or interval >= timeout_seconds:
        return
    if text.startswith("rate("):
        fires = f"starts a run every {interval} s"
        advice = "Give schedule a rate of at least timeout, or a shorter timeout."
    elif fires_every_minute(text):
        fires = (
            f"fires every minute (its minutes field is '*'): {cron_firings_per_day(text)} runs on each day it "
            f"fires, a run every {interval} s"
        )
        advice = (
            "Give ScheduleExpression.cron a minute, e.g. minute=\"0\" (it leaves a minute not given as '*'), "
            "with firings at least timeout apart."
        )
    else:
        fires = f"starts runs as little as {interval} s apart"
        advice = "Give schedule firings at least timeout apart, or a shorter timeout."
    Annotations.of(job).add_warning_v2(
        _OVERLAP_WARNING_ID,
        f"schedule {text} {fires}, less than the timeout of {timeout_seconds} s a run may take: a run still "
        "going when the next starts overlaps it, each run is a billed Personalize job, and overlapping runs pile "
        "up at Personalize's quota of concurrent jobs (5 per kind by default), queueing this stack's other jobs "
        f"too. {advice}",
    )


def as_cloudformation_sends(properties: Mapping[str, Any]) -> dict[str, Any]:
    """Properties with their scalars as strings, as CloudFormation hands them to a custom resource."""
    return {key: _stringified(value) for key, value in properties.items()}


def _stringified(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not Token.is_unresolved(value):
        return str(value)
    if isinstance(value, dict):
        return as_cloudformation_sends(value)
    if isinstance(value, list):
        return [_stringified(item) for item in value]
    return value
