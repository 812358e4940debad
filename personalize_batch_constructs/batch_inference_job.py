"""The BatchInferenceJob construct: one Amazon Personalize batch inference job, run at deploy time."""

from __future__ import annotations

import re
from typing import Mapping, Optional

from aws_cdk import CustomResource, Duration, RemovalPolicy, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from . import prop_checks
from .batch_input import BatchInput
from .batch_output import BatchOutput
from .job_mode import BatchJobMode
from .job_provider import LAST_CHECK_MARGIN, QUERY_INTERVAL, TOTAL_TIMEOUT, JobProvider
from .secure_bucket import new_secure_bucket
from .service_role import grant_bucket_access, grant_key_use, new_service_role

RESOURCE_TYPE = "Custom::PersonalizeBatchInferenceJob"
_RANKING_INFLUENCE_KEYS = ("POPULARITY", "FRESHNESS")


class BatchInferenceJob(Construct):
    """One Amazon Personalize batch inference job, created at deploy time and waited for.

    ``cdk deploy`` finishes when the recommendations are in S3 and fails with Personalize's own
    reason when the job fails. The job runs again when what it computes changes (its input
    content, solution version, output, settings) and not otherwise.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        solution_version_arn: str,
        input: BatchInput,  # noqa: A002 - the name users write
        output: Optional[BatchOutput] = None,
        num_results: int = 25,
        filter_arn: Optional[str] = None,
        exploration_weight: Optional[float] = None,
        exploration_item_age_cut_off: Optional[float] = None,
        ranking_influence: Optional[Mapping[str, float]] = None,
        mode: BatchJobMode = BatchJobMode.BATCH_INFERENCE,
        theme_item_name_field: Optional[str] = None,
        job_name_prefix: Optional[str] = None,
        role: Optional[iam.IRole] = None,
        encryption_key: Optional[kms.IKey] = None,
        tags: Optional[Mapping[str, str]] = None,
        timeout: Duration = TOTAL_TIMEOUT,
        poll_interval: Duration = Duration.minutes(1),
        output_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        server_access_logs_bucket: Optional[s3.IBucket] = None,
    ) -> None:
        """
        :param solution_version_arn: the trained solution version that computes the recommendations.
        :param input: the JSON Lines input: ``BatchInput.from_asset(path)`` or ``BatchInput.from_bucket(bucket, key)``.
        :param output: where the results go (default: ``results/`` in a new output bucket).
        :param num_results: recommendations per input line, 1 to 500 (default: 25, as the console).
        :param filter_arn: a Personalize filter applied to the results (default: none).
        :param exploration_weight: User-Personalization ``explorationWeight``, 0 to 1 (default: the recipe's, 0.3).
        :param exploration_item_age_cut_off: User-Personalization ``explorationItemAgeCutOff`` in days, above 0
            (default: the recipe's, 30).
        :param ranking_influence: weights from 0 to 1 for ``POPULARITY`` and ``FRESHNESS`` (default: none).
        :param mode: ``BATCH_INFERENCE`` or ``THEME_GENERATION`` (default: ``BATCH_INFERENCE``).
        :param theme_item_name_field: the items column with item names; required in ``THEME_GENERATION`` mode
            (default: none).
        :param job_name_prefix: the readable start of each run's job name, at most 50 characters of letters,
            digits, ``-`` and ``_`` (default: the construct id).
        :param role: the service role Personalize assumes; the construct adds its S3 and KMS permissions
            when the role is mutable (default: a new role).
        :param encryption_key: a KMS key for the new buckets and the job's data (default: S3-managed keys).
        :param tags: tags on each job, at most 200 (default: none).
        :param timeout: how long the deploy waits for the job, at most one hour; the handler gives up
            two minutes before CloudFormation's hour so its message names the job (default: one hour).
        :param poll_interval: how often the job's status is read while waiting, 10 s to the timeout, whole
            seconds (default: one minute).
        :param output_removal_policy: what happens to a new output bucket when the stack is deleted
            (default: ``RETAIN``, results are data).
        :param server_access_logs_bucket: a bucket for the new buckets' S3 server access logs
            (default: no access logs).
        """
        super().__init__(scope, construct_id)
        name_prefix = job_name_prefix if job_name_prefix is not None else _prefix_from_id(construct_id)
        timeout_seconds, poll_seconds = self._check_props(
            solution_version_arn=solution_version_arn, num_results=num_results, filter_arn=filter_arn,
            exploration_weight=exploration_weight, exploration_item_age_cut_off=exploration_item_age_cut_off,
            ranking_influence=ranking_influence, mode=mode, theme_item_name_field=theme_item_name_field,
            job_name_prefix=name_prefix, tags=tags, timeout=timeout, poll_interval=poll_interval,
        )

        def new_bucket(bucket_id: str, removal_policy: RemovalPolicy) -> s3.Bucket:
            return new_secure_bucket(
                self, bucket_id, encryption_key=encryption_key, removal_policy=removal_policy,
                server_access_logs_bucket=server_access_logs_bucket,
            )

        bound_input = input._bind(self, lambda: new_bucket("InputBucket", RemovalPolicy.DESTROY))
        output = output or BatchOutput._to_new_bucket()
        output_bucket = output.bucket or new_bucket("OutputBucket", output_removal_policy)
        self._output_prefix = output.prefix
        self._encryption_key = encryption_key
        self.role: iam.IRole = role or new_service_role(self, "ServiceRole")
        """The service role Personalize assumes."""
        self.input_bucket: s3.IBucket = bound_input.bucket
        """The bucket the input is read from."""
        self.output_bucket: s3.IBucket = output_bucket
        """The bucket the results are written to."""

        grant_bucket_access(self.role, bound_input.bucket, ["s3:GetObject"], bound_input.object_arns)
        grant_bucket_access(self.role, output_bucket, ["s3:PutObject"], output_bucket.arn_for_objects(f"{output.prefix}*"))
        grant_key_use(self.role, encryption_key)

        provider = JobProvider.of(self)
        provider.grant_job(self.role, bound_input)
        properties = {
            "JobNamePrefix": name_prefix,
            "SolutionVersionArn": solution_version_arn,
            "InputPath": bound_input.s3_uri,
            "OutputPath": f"s3://{output_bucket.bucket_name}/{output.prefix}",
            "RoleArn": self.role.role_arn,
            "NumResults": num_results if Token.is_unresolved(num_results) else str(int(num_results)),
            "FilterArn": filter_arn,
            "KmsKeyArn": encryption_key.key_arn if encryption_key else None,
            "ItemExplorationConfig": _exploration_config(exploration_weight, exploration_item_age_cut_off),
            "RankingInfluence": dict(sorted(ranking_influence.items())) if ranking_influence else None,
            "JobMode": mode.value if mode != BatchJobMode.BATCH_INFERENCE else None,
            "ThemeItemNameField": theme_item_name_field,
            "JobTags": [{"tagKey": k, "tagValue": v} for k, v in sorted(tags.items())] if tags else None,
            "InputVersion": bound_input.version,
            "TimeoutSeconds": min(timeout_seconds, int(TOTAL_TIMEOUT.minus(LAST_CHECK_MARGIN).to_seconds())),
            "PollIntervalSeconds": poll_seconds,
        }
        self._resource = CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties={key: value for key, value in properties.items() if value is not None},
            service_timeout=TOTAL_TIMEOUT,
        )
        # The job must not start before its input is uploaded and its permissions are in place.
        # References order the buckets and roles, not their policies. The roles are depended on
        # whole: CDK resolves that at synthesis, so it also covers an imported role's policy and
        # the overflow policies CDK splits off a large role policy then.
        for dependency in (
            bound_input.upload,
            _policy_of(self.input_bucket),
            _policy_of(output_bucket),
            self.role,
            provider.handler_role,
        ):
            if dependency is not None and Stack.of(dependency).stack_name == Stack.of(self).stack_name:
                self._resource.node.add_dependency(dependency)

    @property
    def job_arn(self) -> str:
        """The ARN of the job that ran in the last deploy."""
        return self._resource.get_att_string("JobArn")

    @property
    def job_name(self) -> str:
        """The name of the job that ran in the last deploy."""
        return self._resource.get_att_string("JobName")

    @property
    def output_s3_uri(self) -> str:
        """The ``s3://`` folder holding the results, available once the job is done."""
        return self._resource.get_att_string("OutputPath")

    def grant_read_results(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` read the results, and decrypt them with the bucket's and the job's key."""
        grant = self.output_bucket.grant_read(grantee, f"{self._output_prefix}*")
        if self._encryption_key is not None:
            # The job encrypts its output with this key even in a bucket whose default key differs.
            grant = grant.combine(self._encryption_key.grant_decrypt(grantee))
        return grant

    @staticmethod
    def _check_props(*, solution_version_arn, num_results, filter_arn, exploration_weight,
                     exploration_item_age_cut_off, ranking_influence, mode, theme_item_name_field,
                     job_name_prefix, tags, timeout, poll_interval) -> tuple[int, int]:
        prop_checks.check_arn("solution_version_arn", solution_version_arn, "solution version")
        prop_checks.check_arn("filter_arn", filter_arn, "filter")
        prop_checks.check_number("num_results", num_results, low=1, high=500, integer=True)
        prop_checks.check_number("exploration_weight", exploration_weight, low=0, high=1)
        prop_checks.check_number("exploration_item_age_cut_off", exploration_item_age_cut_off, low=0, low_open=True)
        prop_checks.check_weights("ranking_influence", ranking_influence, _RANKING_INFLUENCE_KEYS)
        prop_checks.check_name("job_name_prefix", job_name_prefix, max_length=prop_checks.JOB_NAME_PREFIX_MAX_LENGTH)
        prop_checks.check_tags("tags", tags)
        if not isinstance(mode, BatchJobMode):
            raise ValueError(f"mode must be one of {', '.join(m.name for m in BatchJobMode)}, got {mode!r}")
        if mode == BatchJobMode.THEME_GENERATION and theme_item_name_field is None:
            raise ValueError("theme_item_name_field is required when mode is THEME_GENERATION")
        if mode != BatchJobMode.THEME_GENERATION and theme_item_name_field is not None:
            raise ValueError("theme_item_name_field applies only when mode is THEME_GENERATION")
        prop_checks.check_column("theme_item_name_field", theme_item_name_field)
        timeout_seconds = prop_checks.check_duration(
            "timeout", timeout, at_least_seconds=1, at_most_seconds=int(TOTAL_TIMEOUT.to_seconds())
        )
        poll_seconds = prop_checks.check_duration(
            "poll_interval", poll_interval, at_least_seconds=int(QUERY_INTERVAL.to_seconds()),
            at_most_seconds=timeout_seconds,
        )
        return timeout_seconds, poll_seconds


def _policy_of(bucket: s3.IBucket) -> Optional[Construct]:
    """The bucket policy a bucket defined in this app has, where Personalize's grant lives."""
    return getattr(bucket, "policy", None)


def _prefix_from_id(construct_id: str) -> str:
    cleaned = re.sub(r"[^a-zA-Z0-9\-_]", "-", construct_id).lstrip("-_")
    return cleaned[: prop_checks.JOB_NAME_PREFIX_MAX_LENGTH] or "batch-job"


def _exploration_config(weight: Optional[float], age_cut_off: Optional[float]) -> Optional[dict[str, str]]:
    # The API takes these hyperparameters as strings.
    config: dict = {
        "explorationWeight": weight,
        "explorationItemAgeCutOff": age_cut_off,
    }
    # str() keeps every digit the user wrote (0.1234567, not 0.123457).
    config = {key: value if Token.is_unresolved(value) else str(value) for key, value in config.items() if value is not None}
    return config or None
