"""What every custom resource handler here shares: the event, and dispatch by request type."""

from collections.abc import Callable

from job_log import log_job_event
from stack_status import is_rolling_back


class ResourceHandler:
    """Serves one event; `on_event` and `is_complete` are what the Provider framework calls.

    A subclass implements `on_create/on_update/on_delete` and `is_create_complete/...`.
    """

    def __init__(
        self, event: dict, *, personalize, cloudformation, clock: Callable[[], float], query_interval_seconds: float
    ):
        self._event = event
        self._properties = event.get("ResourceProperties", {})
        self._personalize = personalize
        self._cloudformation = cloudformation
        self._clock = clock
        self._query_interval_seconds = query_interval_seconds

    def on_event(self) -> dict:
        return self._for_request_type(self.on_create, self.on_update, self.on_delete)()

    def is_complete(self) -> dict:
        return self._for_request_type(self.is_create_complete, self.is_update_complete, self.is_delete_complete)()

    def on_create(self) -> dict:
        raise NotImplementedError

    def on_update(self) -> dict:
        raise NotImplementedError

    def on_delete(self) -> dict:
        raise NotImplementedError

    def is_create_complete(self) -> dict:
        raise NotImplementedError

    def is_update_complete(self) -> dict:
        raise NotImplementedError

    def is_delete_complete(self) -> dict:
        return {"IsComplete": True}

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

    def _for_request_type(self, on_create, on_update, on_delete):
        request_type = self._event.get("RequestType")
        by_request_type = {"Create": on_create, "Update": on_update, "Delete": on_delete}
        if request_type not in by_request_type:
            raise ValueError(f"Unsupported RequestType {request_type!r}: expected Create, Update or Delete")
        return by_request_type[request_type]
