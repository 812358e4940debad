"""What every custom resource handler here shares: the event, and dispatch by request type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from completion_event import CompletionEvents
from contract import Property
from job_log import log_job_event
from provider_event import IsCompleteResponse, OnEventResponse, ResourceEvent
from run_finish import CheckBudget, RunFinish
from stack_status import is_rolling_back

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_s3 import S3Client

_Response = TypeVar("_Response", OnEventResponse, IsCompleteResponse)
_Handler = TypeVar("_Handler", bound="ResourceHandler")


class ResourceHandler:
    """Serves one event; `on_event` and `is_complete` are what the Provider framework calls.

    A subclass implements `on_create/on_update/on_delete` and `is_create_complete/...`.
    """

    def __init__(
        self,
        event: ResourceEvent,
        *,
        personalize: PersonalizeClient,
        personalize_create: PersonalizeClient,
        s3: S3Client,
        cloudformation: CloudFormationClient,
        events: EventBridgeClient,
        clock: Callable[[], float],
        query_interval_seconds: float,
        check_budget: CheckBudget,
    ) -> None:
        self._event = event
        self._properties = event.get("ResourceProperties", {})
        self._personalize = personalize
        self._personalize_create = personalize_create
        """For Create calls only: sent once, never retried by botocore (see index.py)."""
        self._s3 = s3
        self._cloudformation = cloudformation
        self._events = events
        self._check_budget = check_budget
        self._clock = clock
        self._query_interval_seconds = query_interval_seconds

    def on_event(self) -> OnEventResponse:
        return self._for_request_type(self.on_create, self.on_update, self.on_delete)()

    def is_complete(self) -> IsCompleteResponse:
        return self._for_request_type(self.is_create_complete, self.is_update_complete, self.is_delete_complete)()

    def on_create(self) -> OnEventResponse:
        raise NotImplementedError

    def on_update(self) -> OnEventResponse:
        raise NotImplementedError

    def on_delete(self) -> OnEventResponse:
        raise NotImplementedError

    def is_create_complete(self) -> IsCompleteResponse:
        raise NotImplementedError

    def is_update_complete(self) -> IsCompleteResponse:
        raise NotImplementedError

    def is_delete_complete(self) -> IsCompleteResponse:
        return {"IsComplete": True}

    def _handler_for(self, handler_class: type[_Handler]) -> _Handler:
        """A handler of another class for this very event, on the same clients and clock."""
        return handler_class(
            self._event,
            personalize=self._personalize,
            personalize_create=self._personalize_create,
            s3=self._s3,
            cloudformation=self._cloudformation,
            events=self._events,
            clock=self._clock,
            query_interval_seconds=self._query_interval_seconds,
            check_budget=self._check_budget,
        )

    def _run_finish(self, run_folder: str) -> RunFinish:
        """The results check, manifest and completion event of the run this resource watches."""
        return RunFinish(
            s3=self._s3,
            events=CompletionEvents(
                self._events,
                stack_id=self._event["StackId"],
                construct_path=self._properties.get(Property.CONSTRUCT_PATH),
            ),
            properties=self._properties,
            run_folder=run_folder,
            budget=self._check_budget,
            clock=self._clock,
        )

    def _rolling_back(self) -> bool:
        """True when this Update is CloudFormation putting back the previous properties."""
        rolling_back = is_rolling_back(self._cloudformation, self._event["StackId"])
        if rolling_back:
            log_job_event(
                "rollback_answered_in_place",
                self._event.get("PhysicalResourceId"),
                reason="an update rollback starts no job and waits for none",
            )
        return rolling_back

    def _for_request_type(
        self,
        on_create: Callable[[], _Response],
        on_update: Callable[[], _Response],
        on_delete: Callable[[], _Response],
    ) -> Callable[[], _Response]:
        # Matched, not looked up: the event is JSON, whatever its type says.
        match self._event.get("RequestType"):
            case "Create":
                return on_create
            case "Update":
                return on_update
            case "Delete":
                return on_delete
            case request_type:
                raise ValueError(f"Unsupported RequestType {request_type!r}: expected Create, Update or Delete")
