"""The Personalize operations the emulator serves, on requests already checked against the model."""

import base64
import binascii
import functools
from collections.abc import Callable, Mapping, Sequence

from botocore.model import ServiceModel

from .api_errors import ApiError
from .batch_jobs import JobKind, JobRecord, JobStore
from .faults import Faults
from .recommendations import SolutionVersion

_MAX_TAGS = 200
_DEFAULT_MAX_RESULTS = 100  # GUESS: the model's maximum page size is taken as the default


class PersonalizeApi:
    def __init__(
        self,
        *,
        service_model: ServiceModel,
        kinds: Sequence[JobKind],
        store: JobStore,
        solution_versions: Mapping[str, SolutionVersion],
        region: str,
        account_id: str,
    ):
        self._service_model = service_model
        self._store = store
        self._solution_versions = solution_versions
        self._region = region
        self._account_id = account_id
        self._operations: dict[str, Callable[[dict], dict]] = {
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
            "ListTagsForResource": self._list_tags_for_resource,
        }
        self._kinds: dict[str, JobKind] = {}
        """Each job operation's kind, by operation name."""
        for kind in kinds:
            for operation in (kind.create_operation, kind.describe_operation, kind.list_operation):
                self._kinds[operation] = kind
            self._operations[kind.create_operation] = functools.partial(self._create, kind)
            self._operations[kind.describe_operation] = functools.partial(self._describe, kind)
            self._operations[kind.list_operation] = functools.partial(self._list, kind)
        self.faults = Faults(self._operations)
        """The failures a test injects into these operations and the jobs they create."""

    @property
    def operations(self) -> frozenset[str]:
        return frozenset(self._operations)

    def permissions(self, operation: str, params: dict) -> list[tuple[str, str]]:
        """The (IAM action, resource ARN) pairs the caller needs for this request, after the
        service authorization reference's "Actions defined by Amazon Personalize"."""
        action = f"personalize:{operation}"
        if operation in ("TagResource", "UntagResource", "ListTagsForResource"):
            return [(action, params["resourceArn"])]
        kind = self._kinds[operation]
        if operation == kind.describe_operation:
            return [(action, params[kind.arn_member])]
        if operation == kind.list_operation:
            return [(action, "*")]
        job = self._job_arn(kind, params["jobName"])
        needed = [(action, job)]
        if kind.create_authorizes_solution_version:
            needed.append((action, params["solutionVersionArn"]))
        if params.get("tags"):
            # The API reference: a create with tags also authorizes personalize:TagResource.
            needed.append(("personalize:TagResource", job))
        # GUESS: the iam:PassedToService condition is not evaluated (identity_policy_verdict's rule).
        needed.append(("iam:PassRole", params["roleArn"]))
        return needed

    def handle(self, operation: str, params: dict) -> dict:
        # Jobs move on when the clock does, and also whenever someone asks.
        self._store.advance()
        return self._operations[operation](params)

    def _create(self, kind: JobKind, params: dict) -> dict:
        solution_version = self._solution_versions.get(params["solutionVersionArn"])
        if solution_version is None:
            # GUESS: the service checks the solution version when the job is created.
            raise _not_found("solution version", params["solutionVersionArn"])
        if solution_version.recipe.name not in kind.recipes:
            # GUESS: the service refuses a solution version of the wrong recipe type at create
            # (batch segment jobs need USER_SEGMENTATION, batch inference jobs any other), not later.
            raise ApiError(
                "InvalidInputException",
                f"A {kind.noun} cannot use {solution_version.arn}, a solution version of the "
                f"{solution_version.recipe.name} recipe.",
            )
        num_results = params.get("numResults")
        if num_results is not None and not 1 <= num_results <= kind.max_num_results:
            raise ApiError(
                "InvalidInputException", f"numResults must be from 1 to {kind.max_num_results}, got {num_results}."
            )
        kind.check_request(params, solution_version)
        # GUESS: filterArn is taken on trust and not applied: the emulator knows no filters.
        # GUESS: a name is taken per kind: a batch segment job may share a batch inference job's
        # name, as their ARNs differ.
        arn = self._job_arn(kind, params["jobName"])
        self._store.create(kind, params["jobName"], arn, params, self.faults.job_fault(params["jobName"]))
        return {kind.arn_member: arn}

    def _describe(self, kind: JobKind, params: dict) -> dict:
        arn = params[kind.arn_member]
        job = self._store.get(arn)
        if job is None or job.kind != kind.resource_type:
            raise _not_found(kind.noun, arn)
        fields = self._shape_members(kind.describe_operation, kind.record_member)
        return {kind.record_member: _job_fields(kind, job, fields)}

    def _list(self, kind: JobKind, params: dict) -> dict:
        # GUESS: newest first, as Personalize's other List operations answer.
        jobs = [
            job
            for job in reversed(self._store.records())
            if job.kind == kind.resource_type
            and params.get("solutionVersionArn") in (None, job.request["solutionVersionArn"])
        ]
        start = _page_start(params.get("nextToken"), jobs)
        page = jobs[start : start + params.get("maxResults", _DEFAULT_MAX_RESULTS)]
        fields = self._shape_members(kind.list_operation, kind.list_member)
        response: dict = {kind.list_member: [_job_fields(kind, job, fields) for job in page]}
        if start + len(page) < len(jobs):
            response["nextToken"] = base64.urlsafe_b64encode(page[-1].arn.encode()).decode()
        return response

    def _tag_resource(self, params: dict) -> dict:
        tags = self._existing_tags(params["resourceArn"])
        tags.update({tag["tagKey"]: tag["tagValue"] for tag in params["tags"]})
        if len(tags) > _MAX_TAGS:
            raise ApiError("TooManyTagsException", f"A resource can have at most {_MAX_TAGS} tags.")
        self._store.replace_tags(params["resourceArn"], tags)
        return {}

    def _untag_resource(self, params: dict) -> dict:
        tags = self._existing_tags(params["resourceArn"])
        for key in params["tagKeys"]:
            tags.pop(key, None)
        self._store.replace_tags(params["resourceArn"], tags)
        return {}

    def _list_tags_for_resource(self, params: dict) -> dict:
        tags = self._existing_tags(params["resourceArn"])
        return {"tags": [{"tagKey": key, "tagValue": value} for key, value in tags.items()]}

    def _existing_tags(self, arn: str) -> dict[str, str]:
        tags = self._store.tags(arn)
        if tags is None:
            raise _not_found("resource", arn)
        return tags

    def _job_arn(self, kind: JobKind, name: str) -> str:
        return f"arn:aws:personalize:{self._region}:{self._account_id}:{kind.resource_type}/{name}"

    def _shape_members(self, operation: str, member: str) -> frozenset[str]:
        """The fields the model lets a job's description or summary have."""
        shape = self._service_model.operation_model(operation).output_shape.members[member]
        if shape.type_name == "list":
            shape = shape.member
        return frozenset(shape.members)


def _job_fields(kind: JobKind, job: JobRecord, fields: frozenset[str]) -> dict:
    """A job as the model's output shape has it: the request echoed, its state, its dates.

    GUESS: only what the request set is echoed; the service may fill in defaults (numResults 25,
    batchInferenceJobMode BATCH_INFERENCE).
    """
    everything = {
        **job.request,
        kind.arn_member: job.arn,
        "status": job.status,
        "failureReason": job.failure_reason,
        "creationDateTime": job.created_at,
        "lastUpdatedDateTime": job.last_updated_at,
    }
    return {name: value for name, value in everything.items() if name in fields and value is not None}


def _page_start(next_token: str | None, jobs: list[JobRecord]) -> int:
    """Where a page starts: after the job the token names, so new jobs never shift later pages."""
    if next_token is None:
        return 0
    try:
        last_arn = base64.urlsafe_b64decode(next_token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        last_arn = None
    positions = [index for index, job in enumerate(jobs) if job.arn == last_arn]
    if not positions:
        raise ApiError("InvalidNextTokenException", "The nextToken is not valid.")
    return positions[0] + 1


def _not_found(what: str, arn: str) -> ApiError:
    # GUESS: the wording of the service's not-found messages.
    return ApiError("ResourceNotFoundException", f"Could not find {what} {arn}.")
