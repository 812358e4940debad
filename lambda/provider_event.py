"""What the custom resource Provider framework hands the handler, and what it takes back.

Types only: the framework sends plain JSON, so nothing here checks a value at run time.
"""

from typing import Any, Literal, Protocol, Required, TypedDict

RequestType = Literal["Create", "Update", "Delete"]

ResourceProperties = dict[str, Any]
"""As CloudFormation sends them: scalars arrive as strings, lists and maps as JSON."""


class ResourceEvent(TypedDict, total=False):
    """CloudFormation's request, as on_event gets it and as is_complete gets it with on_event's answer merged in."""

    RequestType: Required[RequestType]
    ResourceType: Required[str]
    StackId: Required[str]
    RequestId: Required[str]
    LogicalResourceId: Required[str]
    ServiceToken: str
    ResponseURL: str
    ResourceProperties: ResourceProperties
    OldResourceProperties: ResourceProperties
    """Update only: the properties before this update."""
    PhysicalResourceId: str
    """Update and Delete; in every is_complete event, from on_event's answer."""
    StartedAt: float
    """is_complete only, from on_event's answer: when on_event started what is_complete waits for."""
    Data: dict[str, Any]
    """is_complete only, from on_event's answer."""
    ScheduledTime: str
    """Ours, not the framework's: set only in the events a scheduled run makes (lambda/scheduled_run.py)."""


class OnEventResponse(TypedDict, total=False):
    """on_event's answer; the framework merges it into each is_complete event."""

    PhysicalResourceId: Required[str]
    StartedAt: float
    """Ours, not the framework's: the time the wait is counted from, for is_complete."""
    Data: dict[str, Any]


class IsCompleteResponse(TypedDict, total=False):
    """is_complete's answer: the framework asks again until ``IsComplete``, then sends ``Data`` to CloudFormation."""

    IsComplete: Required[bool]
    Data: dict[str, Any]
    """The resource's attributes (``Fn::GetAtt``)."""


class LambdaContext(Protocol):
    """The part of the Lambda runtime's context object a handler may use."""

    aws_request_id: str
    function_name: str

    def get_remaining_time_in_millis(self) -> int: ...
