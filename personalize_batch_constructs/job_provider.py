"""The custom-resource provider that runs batch jobs at deploy time: one per stack."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from aws_cdk import Aws, Duration, Fn, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from .checkov_acknowledgements import acknowledge_provider_functions, acknowledge_unencrypted_logs, skip_check
from .handler_contract import contract
from .job_queue import JobQueue, max_concurrent_jobs
from .log_encryption import encrypt_log_group, encrypt_log_groups
from .nag_acknowledgements import acknowledge_wildcards
from .service_role import PERSONALIZE_PRINCIPAL
from .shared_grants import MAX_EXACT_RESOURCES, Named, SharedGrants, bucket_objects

if TYPE_CHECKING:
    from .batch_input import _BoundInput

QUERY_INTERVAL = Duration.seconds(contract.DEFAULT_QUERY_INTERVAL_SECONDS)
"""How often the provider asks the handler whether a job is done; the handler calls
Personalize only every ``poll_interval`` of the job."""

TOTAL_TIMEOUT = Duration.seconds(contract.SERVICE_TIMEOUT_SECONDS)
"""CloudFormation waits at most one hour for a custom resource (``ServiceTimeout``)."""


EXACT_ASSET_GRANTS_MAX = 20
"""Up to this many files an input's copy may read exactly its own asset objects; a larger one
reads the asset bucket's objects, as exact ARNs would outgrow IAM's policy size limits."""

_RUNTIME = lambda_.Runtime.PYTHON_3_14
_LOG_RETENTION = logs.RetentionDays.ONE_MONTH


@functools.cache
def _jobs_arn(arn_resource_type: str, names: str) -> str:
    """The ARN pattern of these jobs in the stack's account and Region. Fn::Sub, not Fn::Join: a
    hundred prefixes stay well within what one statement may hold. Cached, so that the same
    pattern is the same string and granted once."""
    return Fn.sub(
        f"arn:${{AWS::Partition}}:personalize:${{AWS::Region}}:${{AWS::AccountId}}:{arn_resource_type}/{names}"
    )


def _handler_dir() -> Path:
    """The handler code: packaged inside the wheel, or ``lambda/`` in a source checkout."""
    packaged = Path(__file__).parent / "_handler"
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "lambda"


class JobProvider(Construct):
    """The Lambda functions and waiter state machine shared by every batch job in a stack.

    Adding a job adds statements to the handler's policy, never a function.
    """

    _ID = "PersonalizeBatchJobProvider"

    @classmethod
    def of(cls, scope: Construct) -> JobProvider:
        """The stack's provider, created with the stack's first job."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(cls._ID)
        return existing if isinstance(existing, cls) else cls(stack, cls._ID)

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._log_groups: list[logs.LogGroup] = []
        self._logs_key: kms.IKey | None = None
        self.handler_role: iam.Role = self._lambda_role("HandlerRole")
        """The role of the handler functions; each job adds its statements to it."""
        code = lambda_.Code.from_asset(str(_handler_dir()), exclude=["__pycache__", "*.pyc"])
        on_event = self._handler_function("OnEventHandler", "index.on_event", code, Duration.minutes(4))
        is_complete = self._handler_function("IsCompleteHandler", "index.is_complete", code, Duration.minutes(3))
        self.is_complete_function: lambda_.IFunction = is_complete
        """The function that polls jobs; the stack's scheduled runs invoke it too."""

        framework_roles = (self._lambda_role("FrameworkOnEventRole"), self._lambda_role("FrameworkWaiterRole"))
        self._provider = cr.Provider(
            self,
            "Provider",
            on_event_handler=on_event,
            is_complete_handler=is_complete,
            query_interval=QUERY_INTERVAL,
            total_timeout=TOTAL_TIMEOUT,
            # Two roles: one shared by all three framework functions forms a dependency cycle
            # with the waiter state machine.
            framework_on_event_role=framework_roles[0],
            framework_complete_and_timeout_role=framework_roles[1],
            log_group=self._log_group("FrameworkLogs"),
            disable_waiter_state_machine_logging=False,
            waiter_state_machine_log_options=cr.LogOptions(
                destination=self._log_group("WaiterLogs"),
                level=sfn.LogLevel.ALL,
                # Execution data holds CloudFormation's presigned response URL.
                include_execution_data=False,
            ),
        )
        self._enable_waiter_tracing()
        # Tells an update rollback from a deploy, which the Update request itself does not.
        self.handler_role.add_to_policy(
            iam.PolicyStatement(actions=["cloudformation:DescribeStacks"], resources=[Aws.STACK_ID])
        )
        self._acknowledge_framework_invokes(framework_roles, (on_event, is_complete))
        acknowledge_provider_functions(self._provider, (on_event, is_complete))

        self._queues: dict[contract.JobKind, JobQueue] = {}
        self._events_granted = False

    @property
    def service_token(self) -> str:
        return self._provider.service_token

    def queue(self, kind: contract.JobKind) -> JobQueue:
        """The stack's queue of jobs of this kind, as many lanes as the stack's setting says."""
        if kind not in self._queues:
            self._queues[kind] = JobQueue(max_concurrent_jobs(Stack.of(self)))
        return self._queues[kind]

    def grant_job(
        self,
        kind: contract.JobKind,
        service_role: iam.IRole,
        job_input: _BoundInput,
        *,
        name_prefix: str,
        solution_version_arn: str,
    ) -> None:
        """Let the handler run and tag the jobs this prefix names, with this solution version, pass
        the job's role and check its input."""
        self._grant_jobs(kind, name_prefix)
        # The service authorization reference lists the solution as a resource CreateBatchInferenceJob
        # needs (not CreateBatchSegmentJob); both get it, on this job's solution version only.
        self._grant_to_handler([f"personalize:Create{kind.api_name}"], solution_version_arn)
        self._grant_to_handler(
            ["iam:PassRole"],
            service_role.role_arn,
            conditions={"StringEquals": {"iam:PassedToService": PERSONALIZE_PRINCIPAL}},
        )
        self._grant_to_handler(
            ["s3:GetObject"],
            self._bucket_objects(
                job_input.bucket,
                "inputs",
                job_input.objects_key,
                f"The input check reads (s3:GetObject) the inputs of more than {MAX_EXACT_RESOURCES} jobs "
                "in this bucket",
            ),
        )
        self._grant_to_handler(["s3:ListBucket"], job_input.bucket.bucket_arn)
        if job_input.is_folder:
            acknowledge_wildcards(
                self.handler_role,
                resources=[job_input.object_arns],
                reason="Checks that the job's input folder is not empty: s3:GetObject on that folder's objects only",
            )

    def grant_results_check(
        self, output_bucket: s3.IBucket, output_prefix: str, encryption_key: kms.IKey | None
    ) -> None:
        """Let the handler read a job's run folders, write its check's progress and its manifest,
        and put completion events on the default bus."""
        run_folders_key = f"{output_prefix}*"
        progress_key = f"{output_prefix}*/{contract.PROGRESS_OBJECT_NAME}"
        run_folders = output_bucket.arn_for_objects(run_folders_key)
        progress_objects = output_bucket.arn_for_objects(progress_key)
        checks = f"The results checks of more than {MAX_EXACT_RESOURCES} jobs with output in this bucket"
        self._grant_to_handler(
            ["s3:GetObject"],
            self._bucket_objects(
                output_bucket, "run folders", run_folders_key, f"{checks} read (s3:GetObject) their run folders"
            ),
        )
        self._grant_to_handler(["s3:ListBucket"], output_bucket.bucket_arn)
        # Never the results themselves: only the check's own object in each run folder, and the manifest.
        self._grant_to_handler(
            ["s3:PutObject"],
            self._bucket_objects(
                output_bucket,
                "progress objects",
                progress_key,
                f"{checks} write (s3:PutObject) their progress objects ({contract.PROGRESS_OBJECT_NAME}) only",
            ),
        )
        self._grant_to_handler(
            ["s3:PutObject"],
            self._bucket_objects(
                output_bucket,
                "manifests",
                f"{output_prefix}{contract.MANIFEST_NAME}",
                f"{checks} write (s3:PutObject) their manifests ({contract.MANIFEST_NAME}) only",
            ),
        )
        acknowledge_wildcards(
            self.handler_role,
            resources=[run_folders],
            reason="The results check reads (s3:GetObject) the job's run folders, named at deploy time, "
            "under its output prefix only",
        )
        acknowledge_wildcards(
            self.handler_role,
            resources=[progress_objects],
            reason="The results check writes (s3:PutObject) only its own progress object in each run folder "
            "under the job's output prefix",
        )
        if encryption_key is not None:
            # Exact actions: grant_encrypt_decrypt's ReEncrypt* and GenerateDataKey* are cdk-nag findings.
            encryption_key.grant(self.handler_role, "kms:Decrypt", "kms:GenerateDataKey")
        if not self._events_granted:
            self._events_granted = True
            self.handler_role.add_to_policy(
                iam.PolicyStatement(
                    actions=["events:PutEvents"],
                    resources=[f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/default"],
                )
            )

    def encrypt_logs(self, key: kms.IKey, job: Construct) -> None:
        """Encrypt the provider's log groups with the key of the stack's first job that has one."""
        if self._logs_key is not None:
            return
        self._logs_key = key
        encrypt_log_groups(self._log_groups, key, job)

    def add_log_group(self, log_group: logs.LogGroup) -> None:
        """Treat another log group of the stack's job machinery (the scheduled runs') as the provider's own."""
        self._log_groups.append(log_group)
        acknowledge_unencrypted_logs(log_group)
        if self._logs_key is not None:
            encrypt_log_group(log_group, self._logs_key)

    def grant_input_copy(
        self, assets: Sequence[s3_assets.Asset], target: s3.IBucket, prefix: str, asset_key: kms.IKey | None
    ) -> None:
        """Let the handler copy these assets into ``prefix`` of ``target`` and delete what else is
        there; ``asset_key`` is the asset bucket's own KMS key, if it has one."""
        source_bucket = assets[0].bucket
        if len(assets) <= EXACT_ASSET_GRANTS_MAX:
            sources = [source_bucket.arn_for_objects(asset.s3_object_key) for asset in assets]
        else:
            sources = [source_bucket.arn_for_objects("*")]
            acknowledge_wildcards(
                self.handler_role,
                resources=sources,
                reason=f"Copies an input of more than {EXACT_ASSET_GRANTS_MAX} files: reads (s3:GetObject only) "
                "the CDK asset bucket's objects, as one ARN per file would outgrow IAM's policy size limits",
            )
        destination = target.arn_for_objects(f"{prefix}*")
        for source in sources:
            self._grant_to_handler(["s3:GetObject"], source)
        self._grant_to_handler(["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"], destination)
        acknowledge_wildcards(
            self.handler_role,
            resources=[destination],
            reason="Copies the job's input into its folder and deletes stale objects (s3:PutObject, "
            "s3:DeleteObject, s3:AbortMultipartUpload): that folder's objects only",
        )
        if target.encryption_key is not None:
            # Writing an SSE-KMS object takes a data key; completing a multipart copy decrypts it.
            target.encryption_key.grant(self.handler_role, "kms:GenerateDataKey", "kms:Decrypt")
        if asset_key is not None:
            # Copying an SSE-KMS object decrypts it as the caller.
            asset_key.grant(self.handler_role, "kms:Decrypt")

    def _grant_jobs(self, kind: contract.JobKind, name_prefix: str) -> None:
        """The kind's Personalize actions on the jobs ``name_prefix`` names: every job name is
        ``<prefix>-<digest>``, made at deploy time. A prefix known only at deploy time gets the
        kind's whole ARN pattern."""
        noun = kind.arn_resource_type.replace("-", " ")
        if Token.is_unresolved(name_prefix):
            names = "*"
            reason = (
                f"The job name prefix is a token, known only at deploy time: every {noun} of this account and "
                "Region (Create, Describe, TagResource, UntagResource)"
            )
        else:
            names = f"{name_prefix}-*"
            reason = (
                f"Job names are <prefix>-<digest>, made at deploy time: the {noun}s named {name_prefix}-* of this "
                "account and Region (Create, Describe, TagResource, UntagResource)"
            )
        jobs = _jobs_arn(kind.arn_resource_type, names)
        self._grant_to_handler(
            [
                f"personalize:Create{kind.api_name}",
                f"personalize:Describe{kind.api_name}",
                "personalize:TagResource",
                "personalize:UntagResource",
            ],
            jobs,
        )
        acknowledge_wildcards(self.handler_role, resources=[jobs], reason=reason)

    def _grant_to_handler(
        self, actions: list[str], resource: str | Named, conditions: dict[str, dict[str, str]] | None = None
    ) -> None:
        """Add `resource` to the handler role's statement of these actions and conditions, which
        every job of the stack shares (see SharedGrants)."""
        key = (self.handler_role.node.path, *actions, json.dumps(conditions, sort_keys=True))
        SharedGrants.of(self.handler_role).grant(
            key, resource, {"actions": actions, "conditions": conditions}, self.handler_role.add_to_policy
        )

    def _bucket_objects(self, bucket: s3.IBucket, kind: str, key: str, reason: str) -> str | Named:
        """The bucket's objects ``key`` names, in the group of this kind; past `MAX_EXACT_RESOURCES`
        of them, the pattern that names them all is acknowledged with ``reason`` and what it covers."""
        reason = (
            f"{reason}: the objects matching the common prefix and suffix of their keys, as one ARN per job "
            "would outgrow IAM's policy size limits"
        )
        return bucket_objects(
            bucket, kind, key, lambda arn: acknowledge_wildcards(self.handler_role, resources=[arn], reason=reason)
        )

    def _acknowledge_framework_invokes(
        self, framework_roles: tuple[iam.IRole, iam.IRole], handlers: tuple[lambda_.IFunction, lambda_.IFunction]
    ) -> None:
        """The Provider framework may invoke any version of the functions it calls (``ARN:*``)."""
        # find_child is typed IConstruct; these children are the Provider's own, of known types.
        waiter_functions = tuple(
            cast(lambda_.IFunction, self._provider.node.find_child(f"framework-{name}"))
            for name in ("isComplete", "onTimeout")
        )
        waiter_role = cast(iam.IRole, self._provider.node.find_child("waiter-state-machine").node.find_child("Role"))
        invokers = ((framework_roles[0], handlers), (framework_roles[1], handlers), (waiter_role, waiter_functions))
        for role, functions in invokers:
            acknowledge_wildcards(
                role,
                resources=[f"{function.function_arn}:*" for function in functions],
                reason="CDK's Provider framework may invoke any version of its functions (ARN:*)",
            )

    def _lambda_role(self, construct_id: str) -> iam.Role:
        return iam.Role(self, construct_id, assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))

    def _log_group(self, construct_id: str) -> logs.LogGroup:
        log_group = logs.LogGroup(self, construct_id, retention=_LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY)
        self.add_log_group(log_group)
        return log_group

    def _handler_function(
        self, construct_id: str, handler: str, code: lambda_.Code, timeout: Duration
    ) -> lambda_.Function:
        log_group = self._log_group(f"{construct_id}Logs")
        log_group.grant_write(self.handler_role)
        return lambda_.Function(
            self,
            construct_id,
            runtime=_RUNTIME,
            handler=handler,
            code=code,
            role=self.handler_role,
            timeout=timeout,
            memory_size=256,
            log_group=log_group,
            environment={contract.QUERY_INTERVAL_VARIABLE: str(int(QUERY_INTERVAL.to_seconds()))},
            description="Runs Amazon Personalize batch jobs at deploy time",
        )

    def _enable_waiter_tracing(self) -> None:
        """X-Ray tracing for the waiter, which the Provider does not expose as a prop."""
        waiter = self._provider.node.find_child("waiter-state-machine")
        cfn_waiter = cast(sfn.CfnStateMachine, waiter.node.default_child)
        cfn_waiter.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(enabled=True)
        # The statement the StateMachine construct adds when tracing is on, in a policy of its own:
        # X-Ray's wildcard is then acknowledged on this policy alone, apart from the log delivery's.
        waiter_role = cast(iam.IRole, waiter.node.find_child("Role"))
        tracing = iam.Policy(
            self,
            "WaiterTracingPolicy",
            roles=[waiter_role],
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "xray:GetSamplingRules",
                        "xray:GetSamplingTargets",
                    ],
                    resources=["*"],
                )
            ],
        )
        # Started only once its role may trace, as CDK does for the logging statements.
        cfn_waiter.node.add_dependency(tracing)
        acknowledge_wildcards(
            tracing,
            resources=["*"],
            reason="The waiter's X-Ray tracing: xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules and "
            "GetSamplingTargets take no resource ARNs",
        )
        # Written by the StateMachine construct for its logging (log_options): CloudWatch Logs'
        # vended log delivery takes no resource ARNs.
        acknowledge_wildcards(
            waiter_role.node.find_child("DefaultPolicy"),
            resources=["*"],
            reason="The waiter's execution logging: CloudWatch Logs log delivery (logs:CreateLogDelivery, "
            "GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, "
            "DescribeResourcePolicies, DescribeLogGroups and the log stream writes) takes no resource ARNs",
        )
        skip_check(
            waiter_role.node.find_child("DefaultPolicy"),
            "CKV_AWS_111",
            "The waiter's execution logging: CloudWatch Logs log delivery takes no resource ARNs",
        )
