"""What every Personalize batch job construct shares: its props, role, buckets, upload, provider,
naming, waiting and attributes. BatchInferenceJob and BatchSegmentJob add only what is theirs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, NamedTuple, Required, TypedDict, Unpack, cast

from aws_cdk import Annotations, CfnResource, CustomResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from . import completion_events, prop_checks, schedule_expression
from .batch_input import BatchInput
from .batch_output import BatchOutput
from .environment_check import check_arns_in_stack_environment
from .grant_warnings import warn_about_grants_not_added
from .handler_contract import contract
from .job_provider import QUERY_INTERVAL, TOTAL_TIMEOUT, JobProvider
from .location_overlap import JobLocations, check_locations
from .scheduled_runs import ScheduledRuns, as_cloudformation_sends, warn_about_overlapping_runs
from .secure_bucket import new_secure_bucket
from .service_role import grant_bucket_access, grant_key_use, new_service_role, warn_unless_personalize_trusted
from .wait_chain import MAX_TIMEOUT, chain_wait_extensions, first_share_properties, wait_shares

_DEFAULT_POLL_INTERVAL = Duration.minutes(1)
_NO_RUN_END_WARNING_ID = "personalize-batch-constructs:ruleNeverFires"
_SHORT_TIMEOUT_WARNING_ID = "personalize-batch-constructs:timeoutShorterThanAJob"
_SHORTEST_WATCHED_TIMEOUT = Duration.minutes(30)
"""Below this a watched run would time out: even a job of three users takes about 25 minutes,
most of it Personalize's own start-up."""
_REQUIRED_PROPS = ("solution_version_arn", "input")
_P = contract.Property
_DEFAULT_NONCURRENT_VERSION_EXPIRATION = Duration.days(30)
_INPUT_UNVERSIONED = (
    "Holds a copy of the app's input files, copied again from their source (the app's files, in the CDK "
    "asset bucket) by the next deploy; versions would keep every stale input the copy deletes"
)
_NEW_OUTPUT_BUCKET_PROPS = ("output_versioned", "output_noncurrent_version_expiration", "output_removal_policy")
"""Props that configure the output bucket the construct creates, and nothing else."""
_OUTPUT_UNVERSIONED = "Versioning turned off with output_versioned=False"
_OUTPUT_REMOVAL_POLICIES = (RemovalPolicy.RETAIN, RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE, RemovalPolicy.DESTROY)
"""What ``output_removal_policy`` may be: CloudFormation deletes or keeps a bucket, it has no snapshot."""


class BatchJobProps(TypedDict, total=False):
    """The props every batch job construct takes."""

    solution_version_arn: Required[str]
    """The trained solution version that computes the results."""
    input: Required[BatchInput]
    """The JSON Lines input: ``BatchInput.from_asset(path)`` or ``BatchInput.from_bucket(bucket, key)``."""
    output: BatchOutput
    """Where the results go (default: ``results/`` in a new output bucket)."""
    num_results: int
    """Results per input line: recommended items for ``BatchInferenceJob``, 1 to 500 (default: 25,
    as the console); users per segment for ``BatchSegmentJob``, 1 to 5 million (default:
    Personalize's own)."""
    filter_arn: str
    """A Personalize filter applied to the results (default: none)."""
    job_name_prefix: str
    """The readable start of each run's job name, at most 50 characters of letters, digits, ``-``
    and ``_`` (default: the construct id)."""
    role: iam.IRole
    """The service role Personalize assumes; the construct adds its S3 and KMS permissions when the
    role is mutable (default: a new role)."""
    encryption_key: kms.IKey
    """A KMS key for the new buckets and the job's data (default: S3-managed keys)."""
    tags: Mapping[str, str]
    """Tags on each job, at most 200 (default: none)."""
    timeout: Duration
    """How long the deploy waits for the job, up to 12 hours; past 58 minutes the wait goes on in
    wait extensions, one resource per 58 minutes (default: one hour, of which 58 minutes are used)."""
    wait: bool
    """Whether the deploy waits for the job to end; ``False`` starts it, waits only until
    Personalize accepts it, and leaves it running (default: ``True``)."""
    poll_interval: Duration
    """How often the job's status is read while waiting, 10 s to the timeout, whole seconds
    (default: one minute)."""
    output_removal_policy: RemovalPolicy
    """What happens to a new output bucket when the stack is deleted (default: ``RETAIN``, results are data)."""
    output_versioned: bool
    """Whether a new output bucket keeps the earlier version of a result that is overwritten or
    deleted, so it can be restored (default: ``True``)."""
    output_noncurrent_version_expiration: Duration
    """How long a new versioned output bucket keeps earlier versions, whole days (default: 30 days)."""
    server_access_logs_bucket: s3.IBucket
    """A bucket for the new buckets' S3 server access logs (default: no access logs)."""
    max_error_rate: float
    """The share of failed records, 0 to 1, above which the results check fails the deploy; a run
    with no successful record or fewer output than input records fails whatever it says (default:
    0, any failed record fails the deploy)."""
    schedule: scheduler.ScheduleExpression
    """Run the job again on this EventBridge Scheduler schedule, e.g. ``ScheduleExpression.cron(minute="0",
    hour="2", time_zone=TimeZone.EUROPE_BERLIN)``; each run has its own job name and run folder, the
    results check, the manifest and the completion events, and waits up to ``timeout`` (default: none,
    the job runs only when a deploy changes it)."""
    schedule_enabled: bool
    """Whether the schedule starts enabled; ``False`` deploys it disabled (default: ``True``)."""


class BatchJob(Construct):
    """One Amazon Personalize batch job, created at deploy time and waited for.

    ``cdk deploy`` finishes when the results are in S3 and fails with Personalize's own reason
    when the job fails. The job runs again when what it computes changes (its input content,
    solution version, output, settings) and not otherwise. Use a subclass:
    ``BatchInferenceJob`` or ``BatchSegmentJob``.
    """

    _kind: ClassVar[contract.JobKind]
    # type[Any]: mypy types a TypedDict class object as a plain type, without its key sets.
    _props_type: ClassVar[type[Any]] = BatchJobProps
    _default_num_results: ClassVar[int | None] = None

    def __init__(self, scope: Construct, construct_id: str, **props: Unpack[BatchJobProps]) -> None:
        """Define the job; ``cdk deploy`` runs it.

        :param scope: the construct this job belongs to (a ``Stack``, or a construct in one).
        :param construct_id: the job's id in ``scope``, also its default ``job_name_prefix``.
        :param props: keyword props, each documented with its default in ``BatchJobProps`` and in
            the README's Props table; ``solution_version_arn`` and ``input`` are required.
        """
        self._define(scope, construct_id, props)

    def _define(self, scope: Construct, construct_id: str, props: BatchJobProps) -> None:
        """The construct itself. A subclass with props of its own calls this from its ``__init__``
        with all of them: a ``super().__init__(**props)`` would pass keywords the base does not take."""
        if not hasattr(type(self), "_kind"):
            raise TypeError("BatchJob is the shared base: create a BatchInferenceJob or a BatchSegmentJob")
        try:
            self._build(scope, construct_id, props)
        except (TypeError, ValueError) as error:
            # As CDK's own validation errors: the construct's path first, so a stack of many jobs
            # says which one. The handler starts its deploy-time messages the same way.
            path = f"{scope.node.path}/{construct_id}" if scope.node.path else construct_id
            error.args = (f"{path}: {error}", *error.args[1:])
            raise

    def _build(self, scope: Construct, construct_id: str, props: BatchJobProps) -> None:
        checked = self._check_common_props(construct_id, props)
        job_properties = self._job_kind_properties(props)
        super().__init__(scope, construct_id)
        check_arns_in_stack_environment(
            self, solution_version_arn=props["solution_version_arn"], filter_arn=props.get("filter_arn")
        )
        watched = checked.wait or checked.schedule is not None
        if watched and checked.timeout_seconds < _SHORTEST_WATCHED_TIMEOUT.to_seconds():
            Annotations.of(self).add_warning_v2(
                _SHORT_TIMEOUT_WARNING_ID,
                f"timeout is {checked.timeout_seconds} s: even a job of a few users takes about 25 minutes (most of "
                "it Personalize's start-up), so a run watched to its end would time out while the job goes on, "
                "billed. Give timeout at least 30 minutes (the default is one hour)",
            )
        encryption_key = props.get("encryption_key")

        new_buckets: list[str] = []

        def new_bucket(
            bucket_id: str, removal_policy: RemovalPolicy, versions_kept: Duration | None, unversioned_because: str
        ) -> s3.Bucket:
            new_buckets.append(bucket_id)
            return new_secure_bucket(
                self,
                bucket_id,
                encryption_key=encryption_key,
                removal_policy=removal_policy,
                server_access_logs_bucket=props.get("server_access_logs_bucket"),
                noncurrent_version_expiration=versions_kept,
                unversioned_because=unversioned_because,
            )

        bound_input = props["input"]._bind(
            self, lambda: new_bucket("InputBucket", RemovalPolicy.DESTROY, None, _INPUT_UNVERSIONED)
        )
        output = props.get("output") or BatchOutput._to_new_bucket()
        output_bucket = output.bucket or new_bucket(
            "OutputBucket",
            checked.output_removal_policy,
            checked.output_versions_kept,
            _OUTPUT_UNVERSIONED,
        )
        if not new_buckets and props.get("server_access_logs_bucket") is not None:
            raise ValueError(
                "server_access_logs_bucket applies only to buckets the construct creates, and both the input "
                "and the output are in buckets given: turn on access logging on those buckets instead"
            )
        check_locations(
            self,
            JobLocations.of(
                self,
                input_bucket=bound_input.bucket,
                input_key=bound_input.key,
                uploaded=bound_input.upload is not None,
                output_bucket=output_bucket,
                output_prefix=output.prefix,
                uploaded_keys=bound_input.uploaded_keys,
            ),
        )
        self._output_prefix = output.prefix
        self._encryption_key = encryption_key
        self._waits = checked.wait
        self.role: iam.IRole = props.get("role") or new_service_role(self, "ServiceRole")
        """The service role Personalize assumes."""
        warn_unless_personalize_trusted(self, self.role)
        self.input_bucket: s3.IBucket = bound_input.bucket
        """The bucket the input is read from."""
        self.output_bucket: s3.IBucket = output_bucket
        """The bucket the results are written to."""

        output_objects = output_bucket.arn_for_objects(f"{output.prefix}*")
        grant_bucket_access(self.role, bound_input.bucket, ["s3:GetObject"], bound_input.objects_key, what="inputs")
        grant_bucket_access(self.role, output_bucket, ["s3:PutObject"], f"{output.prefix}*", what="results")
        grant_key_use(self.role, encryption_key)
        warn_about_grants_not_added(
            self,
            role=self.role,
            input_bucket=bound_input.bucket,
            input_objects=bound_input.object_arns,
            output_bucket=output_bucket,
            output_objects=output_objects,
            key=encryption_key,
        )

        provider = JobProvider.of(self)
        provider.grant_job(
            self._kind,
            self.role,
            bound_input,
            name_prefix=checked.name_prefix,
            solution_version_arn=props["solution_version_arn"],
        )
        provider.grant_results_check(output_bucket, output.prefix, encryption_key)
        if encryption_key is not None:
            provider.encrypt_logs(encryption_key, self)
        tags = props.get("tags")
        place = provider.queue(self._kind).join(self, sum(checked.wait_shares), lambda: self._last_resource)
        properties = {
            _P.JOB_NAME_PREFIX: checked.name_prefix,
            _P.SOLUTION_VERSION_ARN: props["solution_version_arn"],
            _P.INPUT_PATH: bound_input.s3_uri,
            _P.OUTPUT_PATH: f"s3://{output_bucket.bucket_name}/{output.prefix}",
            _P.ROLE_ARN: self.role.role_arn,
            _P.NUM_RESULTS: checked.num_results,
            _P.FILTER_ARN: props.get("filter_arn"),
            _P.KMS_KEY_ARN: encryption_key.key_arn if encryption_key else None,
            **job_properties,
            _P.JOB_TAGS: [{"tagKey": k, "tagValue": v} for k, v in sorted(tags.items())] if tags else None,
            _P.INPUT_VERSION: bound_input.version,
            **first_share_properties(checked.wait_shares),
            _P.POLL_INTERVAL_SECONDS: checked.poll_seconds,
            _P.WAIT: None if checked.wait else False,
            _P.MAX_ERROR_RATE: checked.max_error_rate,
            _P.CONSTRUCT_PATH: self.node.path,
            _P.QUEUE: place.as_properties(),
        }
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=self._kind.resource_type,
            properties={key: value for key, value in properties.items() if value is not None},
            service_timeout=TOTAL_TIMEOUT,
        )
        # The job must not start before its input is uploaded and its permissions are in place.
        # References order the buckets and roles, not their policies. The roles are depended on
        # whole: CDK resolves that at synthesis, so it also covers an imported role's policy and
        # the overflow policies CDK splits off a large role policy then.
        stack_name = Stack.of(self).stack_name
        dependencies = [
            dependency
            for dependency in (
                bound_input.upload,
                _policy_of(self.input_bucket),
                _policy_of(output_bucket),
                self.role,
                provider.handler_role,
                # Its lane's previous job has ended: a slot of this stack's is free.
                place.after,
            )
            if dependency is not None and Stack.of(dependency).stack_name == stack_name
        ]
        # One call for all: each jsii call is a round trip.
        self._resource.node.add_dependency(*dependencies)
        self._last_resource = chain_wait_extensions(
            self,
            self._resource,
            service_token=provider.service_token,
            shares=checked.wait_shares,
            poll_seconds=checked.poll_seconds,
            job_properties={
                key: properties[key]
                for key in (*contract.START_PROPERTIES, _P.MAX_ERROR_RATE, _P.CONSTRUCT_PATH)
                if properties.get(key) is not None
            },
        )
        self.schedule: scheduler.Schedule | None = None
        """The schedule that runs the job again, with the ``schedule`` prop."""
        if checked.schedule is not None:
            runs = ScheduledRuns.of(self, provider)
            self.schedule = runs.schedule(
                self,
                expression=checked.schedule,
                enabled=checked.schedule_enabled,
                job_definition={
                    "ResourceType": self._kind.resource_type,
                    "LogicalResourceId": Stack.of(self).get_logical_id(
                        cast(CfnResource, self._resource.node.default_child)
                    ),
                    "ResourceProperties": as_cloudformation_sends(
                        {key: value for key, value in properties.items() if value is not None}
                    ),
                },
                poll_interval_seconds=checked.poll_seconds,
            )
            # Runs again "after the deploy-time run": the schedule exists once the deploy's wait is over.
            self.schedule.node.add_dependency(self._last_resource)
            warn_about_overlapping_runs(self, checked.schedule, checked.timeout_seconds)

    @property
    def job_arn(self) -> str:
        """The ARN of the job that ran in the last deploy, available once the deploy's wait is over."""
        return self._last_resource.get_att_string(contract.Attribute.JOB_ARN)

    @property
    def job_name(self) -> str:
        """The name of the job that ran in the last deploy."""
        return self._last_resource.get_att_string(contract.Attribute.JOB_NAME)

    @property
    def output_s3_uri(self) -> str:
        """The ``s3://`` folder of the last deploy's run, ``<output prefix><job name>/``, available
        once the job is done and its results checked."""
        return self._last_resource.get_att_string(contract.Attribute.OUTPUT_PATH)

    @property
    def record_count(self) -> str:
        """How many records the last deploy's run wrote (a token; empty with ``wait=False``)."""
        return self._last_resource.get_att_string(contract.Attribute.RECORD_COUNT)

    @property
    def error_count(self) -> str:
        """How many of them have a non-null ``error`` (a token; empty with ``wait=False``)."""
        return self._last_resource.get_att_string(contract.Attribute.ERROR_COUNT)

    @property
    def input_record_count(self) -> str:
        """How many records the run's input has (a token; empty with ``wait=False``)."""
        return self._last_resource.get_att_string(contract.Attribute.INPUT_RECORD_COUNT)

    def on_completed(self, construct_id: str, **options: Any) -> events.Rule:
        """An EventBridge rule on the default bus matching this job's runs that succeeded and passed
        their results check; ``options`` are ``events.OnEventOptions`` (``target``, ``description``,
        ``rule_name``, ``event_pattern`` to narrow it further)."""
        return self._on_run_end(construct_id, completion_events.SUCCEEDED_DETAIL_TYPE, options)

    def on_failed(self, construct_id: str, **options: Any) -> events.Rule:
        """An EventBridge rule matching this job's runs that failed: CREATE FAILED, results check
        failed or timed out; ``options`` as for :meth:`on_completed`."""
        return self._on_run_end(construct_id, completion_events.FAILED_DETAIL_TYPE, options)

    def _on_run_end(self, construct_id: str, detail_type: str, options: dict[str, Any]) -> events.Rule:
        if not self._waits and self.schedule is None:
            Annotations.of(self).add_warning_v2(
                _NO_RUN_END_WARNING_ID,
                f"{construct_id}: with wait=False and no schedule, nothing watches this job's runs to their end, so "
                "this rule never fires: the deploy moves on once Personalize accepts the job. Set wait=True, or a "
                "schedule (scheduled runs are watched to their end and send the events)",
            )
        given = options.pop("event_pattern", None)
        target = options.pop("target", None)
        pattern = completion_events.pattern(self, detail_type, given)
        rule = events.Rule(self, construct_id, event_pattern=pattern, **options)
        if target is not None:
            rule.add_target(target)
        return rule

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the results, and decrypt them with the bucket's and the job's key."""
        grant = self.output_bucket.grant_read(grantee, f"{self._output_prefix}*")
        if self._encryption_key is not None:
            # The job encrypts its output with this key even in a bucket whose default key differs.
            grant = grant.combine(self._encryption_key.grant_decrypt(grantee))
        return grant

    @classmethod
    def _job_kind_properties(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        """Check the props only this kind has; the resource properties they become."""
        return {}

    @classmethod
    def _check_common_props(cls, construct_id: str, props: Mapping[str, Any]) -> _CheckedProps:
        allowed = cls._props_type.__required_keys__ | cls._props_type.__optional_keys__
        unknown = sorted(set(props) - allowed)
        if unknown:
            raise TypeError(
                f"{cls.__name__}() got an unexpected keyword argument {', '.join(map(repr, unknown))}; "
                f"its props are {', '.join(sorted(allowed))}"
            )
        # Not __required_keys__: with postponed annotations Python 3.11 cannot see Required[...].
        missing = [name for name in _REQUIRED_PROPS if name not in props]
        if missing:
            raise TypeError(f"{cls.__name__}() missing required keyword argument {', '.join(map(repr, missing))}")
        _check_location_types(props["input"], props.get("output"))
        prop_checks.check_arn("solution_version_arn", props["solution_version_arn"], "solution version")
        prop_checks.check_arn("filter_arn", props.get("filter_arn"), "filter")
        num_results = props.get("num_results", cls._default_num_results)
        prop_checks.check_number("num_results", num_results, low=1, high=cls._kind.max_num_results, integer=True)
        name_prefix = props.get("job_name_prefix")
        name_prefix = name_prefix if name_prefix is not None else _prefix_from_id(construct_id)
        prop_checks.check_job_name_prefix("job_name_prefix", name_prefix)
        prop_checks.check_tags("tags", props.get("tags"))
        timeout_seconds = prop_checks.check_duration(
            "timeout",
            props.get("timeout", TOTAL_TIMEOUT),
            at_least_seconds=1,
            at_most_seconds=int(MAX_TIMEOUT.to_seconds()),
        )
        wait = props.get("wait", True)
        if not isinstance(wait, bool):
            raise ValueError(f"wait must be True or False, got {wait!r}")
        schedule = props.get("schedule")
        if not wait and timeout_seconds > int(TOTAL_TIMEOUT.to_seconds()):
            # A scheduled run watches its job to the end within this same timeout, whatever wait says.
            also_runs = (
                "; the scheduled runs, which watch the job to its end whatever wait says, have this same "
                "timeout: for runs of more than an hour, use wait=True"
                if schedule is not None
                else ""
            )
            raise ValueError(
                f"timeout may be at most 3600 s with wait=False, which waits only for the job to start"
                f"{also_runs}, got {timeout_seconds} s"
            )
        max_error_rate = props.get("max_error_rate")
        prop_checks.check_number("max_error_rate", max_error_rate, low=0, high=1)
        output_versioned = props.get("output_versioned", True)
        if not isinstance(output_versioned, bool):
            raise ValueError(f"output_versioned must be True or False, got {output_versioned!r}")
        versions_kept = props.get("output_noncurrent_version_expiration", _DEFAULT_NONCURRENT_VERSION_EXPIRATION)
        prop_checks.check_days("output_noncurrent_version_expiration", versions_kept)
        if not output_versioned and props.get("output_noncurrent_version_expiration") is not None:
            raise ValueError(
                "output_noncurrent_version_expiration applies only to a versioned output bucket, and "
                "output_versioned=False keeps no earlier versions: drop one of the two"
            )
        shares = wait_shares(timeout_seconds)
        query_seconds = int(QUERY_INTERVAL.to_seconds())
        poll_interval = props.get("poll_interval")
        if poll_interval is None:
            # The default adapts to a short timeout: an error must name a prop the user set.
            poll_seconds = max(query_seconds, min(int(_DEFAULT_POLL_INTERVAL.to_seconds()), timeout_seconds))
        else:
            poll_seconds = prop_checks.check_duration(
                "poll_interval",
                poll_interval,
                at_least_seconds=query_seconds,
                at_most_seconds=int(MAX_TIMEOUT.to_seconds()),
            )
            if poll_seconds > max(query_seconds, timeout_seconds):
                raise ValueError(
                    f"poll_interval must be at most the timeout ({timeout_seconds} s): the first poll would come "
                    f"after the wait is over. Got {poll_seconds} s; give a shorter poll_interval or a longer timeout"
                )
        if schedule is not None and not isinstance(schedule, scheduler.ScheduleExpression):
            raise ValueError(
                "schedule must be an aws_scheduler.ScheduleExpression (ScheduleExpression.cron, rate or at), "
                f"got {schedule!r}"
            )
        if schedule is not None and not Token.is_unresolved(schedule.expression_string):
            schedule_expression.check_expression("schedule", schedule.expression_string)
        # None is the default, as for schedule itself.
        schedule_enabled = props.get("schedule_enabled")
        if schedule_enabled is not None and schedule is None:
            raise ValueError("schedule_enabled applies only with a schedule")
        schedule_enabled = True if schedule_enabled is None else schedule_enabled
        if not isinstance(schedule_enabled, bool):
            raise ValueError(f"schedule_enabled must be True or False, got {schedule_enabled!r}")
        removal_policy = props.get("output_removal_policy", RemovalPolicy.RETAIN)
        if removal_policy not in _OUTPUT_REMOVAL_POLICIES:
            raise ValueError(
                "output_removal_policy must be RemovalPolicy.RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY (an "
                "S3 bucket takes no other), got "
                + (
                    f"RemovalPolicy.{removal_policy.name}"
                    if isinstance(removal_policy, RemovalPolicy)
                    else repr(removal_policy)
                )
            )
        output = props.get("output")
        if output is not None and output.bucket is not None:
            given = [name for name in _NEW_OUTPUT_BUCKET_PROPS if name in props]
            if given:
                # The user's own bucket keeps its settings: a prop that would be ignored is a mistake.
                raise ValueError(
                    f"{' and '.join(given)} {'applies' if len(given) == 1 else 'apply'} only to the output "
                    "bucket the construct creates, not to output=BatchOutput.to_bucket(...): set it on that "
                    "bucket, or leave out output"
                )
        return _CheckedProps(
            name_prefix=name_prefix,
            num_results=None
            if num_results is None
            else num_results
            if Token.is_unresolved(num_results)
            else str(int(num_results)),
            poll_seconds=poll_seconds,
            wait=wait,
            wait_shares=shares,
            output_versions_kept=versions_kept if output_versioned else None,
            max_error_rate=None
            if max_error_rate is None
            else Token.as_string(max_error_rate)
            if Token.is_unresolved(max_error_rate)
            else str(float(max_error_rate)),
            schedule=schedule,
            schedule_enabled=schedule_enabled,
            timeout_seconds=timeout_seconds,
            output_removal_policy=removal_policy,
        )


class _CheckedProps(NamedTuple):
    name_prefix: str
    num_results: str | None
    poll_seconds: int
    wait: bool
    wait_shares: list[int]
    max_error_rate: str | None
    output_versions_kept: Duration | None
    schedule: scheduler.ScheduleExpression | None
    schedule_enabled: bool
    timeout_seconds: int
    output_removal_policy: RemovalPolicy


def _check_location_types(job_input: object, output: object) -> None:
    """``input`` and ``output`` are the library's own location objects, not a bucket or a path."""
    if not isinstance(job_input, BatchInput):
        raise TypeError(
            "input must be a BatchInput: BatchInput.from_asset(path) for local files, or "
            f"BatchInput.from_bucket(bucket, key) for an object or folder in S3, got {job_input!r}"
        )
    if output is not None and not isinstance(output, BatchOutput):
        raise TypeError(
            "output must be a BatchOutput: use BatchOutput.to_bucket(bucket, prefix), or leave output out for "
            f"a new bucket, got {output!r}"
        )


def _policy_of(bucket: s3.IBucket) -> Construct | None:
    """The bucket policy a bucket defined in this app has, where Personalize's grant lives."""
    return getattr(bucket, "policy", None)


def _prefix_from_id(construct_id: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9\-_]", "-", construct_id).lstrip("-_")
    return cleaned[: prop_checks.JOB_NAME_PREFIX_MAX_LENGTH] or "batch-job"
