"""CloudFormation, as far as deploying a CDK stack of batch jobs needs it, on a virtual clock.

Resources start as soon as what they depend on is complete, so independent jobs run side by
side; custom resources go through their provider (see provider_framework.py); a failure
cancels what is in flight and rolls back; an update replaces, updates in place or leaves
alone, then cleans up what it replaced. Requests carry properties as CloudFormation sends
them: every scalar turned into a string.

The stack goes through CloudFormation's statuses (CREATE_IN_PROGRESS, UPDATE_ROLLBACK_IN_PROGRESS,
...) and publishes each one to a DescribeStacks endpoint on loopback (cloudformation_endpoint.py),
which the handler functions reach through AWS_ENDPOINT_URL_CLOUDFORMATION.
"""

import json
import random
import re
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from ..local_aws import ACCOUNT_ID, CREDENTIALS, REGION, client
from ..virtual_clock import VirtualClock
from .asset_publishing import publish_file_assets
from .cloud_assembly import StackArtifact
from .cloudformation_endpoint import CloudFormationEndpoint
from .intrinsics import NO_VALUE, ResolutionContext, references, resolve
from .lambda_runtime import LambdaFunction
from .plain_resources import PlainResources, Provisioned
from .provider_framework import ProviderFramework, Response, UserFunction, Waiting, waiter_settings

_CUSTOM_RESOURCE_TYPE = re.compile(r"^(Custom::.+|AWS::CloudFormation::CustomResource)$")
# Custom resources of aws-cdk-lib itself, modelled directly instead of through their Lambda code.
_BUILT_IN_CUSTOM_TYPES = frozenset({"Custom::S3AutoDeleteObjects"})
_MAX_RESPONSE_BYTES = 4096
_MAX_PHYSICAL_ID_BYTES = 1024
_DEFAULT_SERVICE_TIMEOUT_SECONDS = 3600
_RESPONSE_URL = "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/response"
# CloudFormation refuses to update a stack in these statuses.
_NOT_UPDATABLE = frozenset({"ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"})


class DeploymentError(RuntimeError):
    """The deployment cannot even start, e.g. a parameter CloudFormation would reject."""


@dataclass(frozen=True)
class StackEvent:
    at: float
    logical_id: str
    resource_type: str
    status: str
    reason: str = ""
    physical_id: str = ""


@dataclass
class DeployResult:
    status: str
    events: list[StackEvent]
    outputs: dict

    @property
    def succeeded(self) -> bool:
        return self.status in {"CREATE_COMPLETE", "UPDATE_COMPLETE", "DELETE_COMPLETE"}

    def failure_reasons(self) -> list[str]:
        return [event.reason for event in self.events if event.status.endswith("_FAILED") and event.reason]

    def statuses(self, logical_id: str) -> list[str]:
        return [event.status for event in self.events if event.logical_id == logical_id]


@dataclass(frozen=True)
class StackStatus:
    """One status of the whole stack, from virtual time `at` on."""

    at: float
    status: str
    reason: str = ""


@dataclass
class DeployedResource:
    logical_id: str
    resource_type: str
    properties: dict
    physical_id: str
    attributes: dict = field(default_factory=dict)
    deletion_policy: str = "Delete"


@dataclass
class _InFlight:
    """A custom resource request waiting for its provider's response."""

    logical_id: str
    properties: dict
    """As resolved from the template, before CloudFormation turns its scalars into strings."""
    request: dict
    provider: ProviderFramework
    waiting: Waiting
    deadline: float


class StackDeployment:
    """One stack in the local account: deploy it, update it, delete it, or send it single requests."""

    def __init__(
        self,
        *,
        stack_name: str,
        aws_endpoint_url: str,
        personalize_endpoint_url: str,
        clock: VirtualClock,
        listener: Callable[[object], None] | None = None,
        cloudformation: CloudFormationEndpoint | None = None,
        function_environment: dict[str, str] | None = None,
    ):
        """`cloudformation`: where the stack's status is published; by default an endpoint of this
        deployment's own, started when a handler function is first loaded and stopped with it.
        `function_environment`: more variables for the handler functions (a smaller results-check
        budget, say)."""
        self.stack_name = stack_name
        stack_uuid = uuid.uuid5(uuid.NAMESPACE_URL, stack_name)
        self.stack_id = f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{stack_name}/{stack_uuid}"
        self.resources: dict[str, DeployedResource] = {}
        self.handler_log: list[dict] = []
        self.requests: list[tuple[dict, Response]] = []
        """Every custom resource request sent to a provider, with the response it got."""
        self.status_history: list[StackStatus] = []
        """Every status the stack has been in, oldest first."""
        self._close_own_endpoint = None
        if cloudformation is None:
            cloudformation = CloudFormationEndpoint()
            self._close_own_endpoint = weakref.finalize(self, cloudformation.close)
        self.cloudformation = cloudformation
        self._clock = clock
        self._listener = listener or (lambda record: None)
        self._random = random.Random(stack_name)
        self._aws_endpoint_url = aws_endpoint_url
        self._function_environment = {
            **CREDENTIALS,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_S3": aws_endpoint_url,
            "AWS_ENDPOINT_URL_IAM": aws_endpoint_url,
            "AWS_ENDPOINT_URL_STS": aws_endpoint_url,
            "AWS_ENDPOINT_URL_PERSONALIZE": personalize_endpoint_url,
            # moto's EventBridge: the completion events reach rules and their targets there. boto3
            # names the variable after the service id (EventBridge), not the client name (events).
            "AWS_ENDPOINT_URL_EVENTBRIDGE": aws_endpoint_url,
            **(function_environment or {}),
        }
        self._plain = PlainResources(aws_endpoint_url, stack_name)
        self._s3 = client("s3", aws_endpoint_url)
        self._artifact: StackArtifact | None = None
        self._parameters: dict = {}
        self._providers: dict[str, ProviderFramework] = {}
        self._events: list[StackEvent] = []

    # -- whole-stack operations --------------------------------------------------------------

    @property
    def status(self) -> str | None:
        """The stack's status now; None before its first deploy."""
        return self.status_history[-1].status if self.status_history else None

    def deploy(self, artifact: StackArtifact, parameters: dict | None = None) -> DeployResult:
        """Create the stack, or update it to `artifact`; roll back on failure."""
        if self.status in _NOT_UPDATABLE:
            raise DeploymentError(f"Stack:{self.stack_id} is in {self.status} state and can not be updated.")
        updating = bool(self.resources)
        previous_artifact, previous_parameters = self._artifact, self._parameters
        parameter_values = self._parameter_values(artifact.template, parameters or {})
        self._events = []
        previous = dict(self.resources)
        # `cdk deploy` publishes the assets before it creates or updates the stack.
        publish_file_assets(self._s3, artifact)
        self._artifact, self._parameters = artifact, parameter_values
        self._providers = {}
        self._set_status("UPDATE_IN_PROGRESS" if updating else "CREATE_IN_PROGRESS", "User Initiated")
        targets = self._active_resources(artifact.template)
        changes: list[tuple[str, DeployedResource | None]] = []
        failed = self._run(targets, self._dependencies(targets), changes)
        if failed:
            if updating:
                self._artifact, self._parameters = previous_artifact, previous_parameters
                status = self._roll_back_update(changes)
            else:
                status = self._roll_back_create(changes)
            return DeployResult(status, self._events, {})
        if updating:
            self._set_status("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
        self._clean_up(changes, {lid: res for lid, res in previous.items() if lid not in targets})
        self._set_status("UPDATE_COMPLETE" if updating else "CREATE_COMPLETE")
        return DeployResult(self.status, self._events, self._outputs())

    def delete(self) -> DeployResult:
        self._events = []
        self._set_status("DELETE_IN_PROGRESS", "User Initiated")
        self._delete_all(self._deletion_order(self.resources), "DELETE")
        return DeployResult(self.status, self._events, {})

    def close(self) -> None:
        """Stop the endpoint this deployment started for itself, if any (a given one is the giver's)."""
        if self._close_own_endpoint is not None:
            self._close_own_endpoint()

    # -- single requests, for what a whole deploy does not show -------------------------------

    def request(
        self,
        logical_id: str,
        request_type: str,
        *,
        request_id: str | None = None,
        physical_id: str | None = None,
        properties: dict | None = None,
        old_properties: dict | None = None,
    ) -> Response:
        """Send one request for a deployed (or previously attempted) custom resource and wait for
        its response, e.g. a Create CloudFormation retries with the same RequestId, or a Delete
        with an id CloudFormation invented."""
        if properties is None:
            properties = self._resolve(self._artifact.resources[logical_id].get("Properties", {}))
        resource_type = (
            self.resources[logical_id].resource_type
            if logical_id in self.resources
            else self._artifact.resources[logical_id]["Type"]
        )
        request = self._request(
            logical_id, resource_type, request_type, properties, physical_id, old_properties, request_id
        )
        provider = self._provider_for(properties)
        response = self._wait(logical_id, request, provider, provider.on_event(request, self._clock.now()))
        self.requests.append((request, response))
        return response

    # -- what scheduled executions read (driver/scheduled_execution.py) -----------------------

    @property
    def clock(self) -> VirtualClock:
        return self._clock

    def resolve(self, value):
        """A template value as it resolves in the deployed stack."""
        return self._resolve(value)

    def deployed_template_resource(self, logical_id: str) -> dict:
        """A deployed resource's definition in the last deployed template."""
        if logical_id not in self.resources:
            raise LookupError(f"stack {self.stack_name} has no deployed resource {logical_id}")
        return self._artifact.resources[logical_id]

    def deployed_template_resource_with_arn(self, arn: str, attribute: str = "Arn") -> dict:
        return self._resource_with_arn(arn, attribute)

    def function(self, arn: str) -> UserFunction:
        """The deployed Lambda function with this ARN, run in process like the handlers."""
        return self._user_function(arn)

    def invented_physical_id(self, logical_id: str) -> str:
        """The kind of id CloudFormation makes up when it deletes a resource it never heard back from."""
        suffix = "".join(self._random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(12))
        return f"{self.stack_name}-{logical_id}-{suffix}"

    def last_request(self, logical_id: str, request_type: str) -> dict:
        return [
            req
            for req, _ in self.requests
            if req["LogicalResourceId"] == logical_id and req["RequestType"] == request_type
        ][-1]

    # -- the engine ---------------------------------------------------------------------------

    def _run(self, targets: dict[str, dict], dependencies: dict[str, set[str]], changes: list) -> bool:
        """Create or update `targets` in dependency order; True when a resource failed."""
        started: set[str] = set()
        done: set[str] = set()
        in_flight: dict[str, _InFlight] = {}
        failed = False
        while True:
            progressed = not failed
            while progressed:
                progressed = False
                for logical_id, definition in targets.items():
                    if logical_id in started or not dependencies[logical_id] <= done:
                        continue
                    started.add(logical_id)
                    progressed = True
                    outcome = self._begin(logical_id, definition, changes)
                    if isinstance(outcome, _InFlight):
                        in_flight[logical_id] = outcome
                    elif outcome:
                        done.add(logical_id)
                    else:
                        failed = True
                        break
                if failed:
                    break
            if failed or not in_flight:
                break
            current = min(in_flight.values(), key=lambda flight: min(flight.waiting.next_attempt_at, flight.deadline))
            response = self._step(current)
            if response is None:
                continue
            del in_flight[current.logical_id]
            if self._finish(current, response):
                done.add(current.logical_id)
            else:
                failed = True
        for flight in in_flight.values():
            action = "UPDATE" if flight.request["RequestType"] == "Update" else "CREATE"
            self._event(
                flight.logical_id,
                flight.request["ResourceType"],
                f"{action}_FAILED",
                f"Resource {action.lower()} cancelled",
            )
            current = self.resources.get(flight.logical_id)
            if current is None:
                self.resources[flight.logical_id] = DeployedResource(
                    flight.logical_id, flight.request["ResourceType"], flight.properties, ""
                )
            else:
                # No response came: the resource keeps its id, and has the properties it was sent.
                self.resources[flight.logical_id] = replace(current, properties=flight.properties)
        return failed

    def _begin(self, logical_id: str, definition: dict, changes: list):
        """Start creating or updating one resource: True/False when done at once, else _InFlight."""
        resource_type = definition["Type"]
        current = self.resources.get(logical_id)
        try:
            properties = self._resolve(definition.get("Properties", {}))
        except Exception as error:  # a reference CloudFormation could not resolve fails the resource
            self._event(logical_id, resource_type, "CREATE_FAILED" if current is None else "UPDATE_FAILED", str(error))
            return False
        if current is not None and current.properties == properties:
            return True
        action = "CREATE" if current is None else "UPDATE"
        changes.append((logical_id, current))
        self._event(logical_id, resource_type, f"{action}_IN_PROGRESS")
        if _CUSTOM_RESOURCE_TYPE.match(resource_type) and resource_type not in _BUILT_IN_CUSTOM_TYPES:
            request = self._request(
                logical_id,
                resource_type,
                action.title(),
                properties,
                None if current is None else current.physical_id,
                None if current is None else current.properties,
            )
            provider = self._provider_for(properties)
            outcome = provider.on_event(request, self._clock.now())
            flight = _InFlight(
                logical_id, properties, request, provider, outcome, self._clock.now() + _service_timeout(properties)
            )
            if isinstance(outcome, Waiting):
                return flight
            return self._finish(flight, outcome)
        try:
            if current is None:
                provisioned = self._plain.create(logical_id, resource_type, properties)
            else:
                provisioned = Provisioned(current.physical_id, current.attributes)
                self._plain.update(logical_id, resource_type, properties, current.properties, provisioned)
        except Exception as error:
            self._event(logical_id, resource_type, f"{action}_FAILED", str(error))
            return False
        self.resources[logical_id] = DeployedResource(
            logical_id,
            resource_type,
            properties,
            provisioned.physical_id,
            provisioned.attributes,
            definition.get("DeletionPolicy", "Delete"),
        )
        self._event(logical_id, resource_type, f"{action}_COMPLETE", physical_id=provisioned.physical_id)
        return True

    def _step(self, flight: _InFlight) -> Response | None:
        """Run the flight's next waiter attempt, or time it out; None while it still waits."""
        if flight.deadline < flight.waiting.next_attempt_at:
            self._clock.advance_to(max(self._clock.now(), flight.deadline))
            return Response(
                "FAILED",
                flight.request.get("PhysicalResourceId", ""),
                reason=f"CloudFormation did not receive a response from your Custom Resource within its service "
                f"timeout. Please check your logs for requestId [{flight.request['RequestId']}].",
            )
        self._clock.advance_to(max(self._clock.now(), flight.waiting.next_attempt_at))
        outcome = flight.provider.attempt(flight.waiting, self._clock.now())
        if isinstance(outcome, Waiting):
            flight.waiting = outcome
            return None
        return outcome

    def _wait(self, logical_id: str, request: dict, provider: ProviderFramework, outcome) -> Response:
        flight = _InFlight(
            logical_id,
            {},
            request,
            provider,
            outcome,
            self._clock.now() + _service_timeout(request["ResourceProperties"]),
        )
        while isinstance(flight.waiting, Waiting):
            response = self._step(flight)
            if response is not None:
                return _checked(response, request)
        return _checked(flight.waiting, request)

    def _finish(self, flight: _InFlight, response: Response) -> bool:
        response = _checked(response, flight.request)
        self.requests.append((flight.request, response))
        request = flight.request
        action = "CREATE" if request["RequestType"] == "Create" else "UPDATE"
        self.resources[flight.logical_id] = DeployedResource(
            flight.logical_id,
            request["ResourceType"],
            flight.properties,
            response.physical_id,
            dict(response.data),
            self._artifact.resources[flight.logical_id].get("DeletionPolicy", "Delete"),
        )
        if response.status != "SUCCESS":
            self._event(
                flight.logical_id, request["ResourceType"], f"{action}_FAILED", response.reason, response.physical_id
            )
            return False
        self._event(flight.logical_id, request["ResourceType"], f"{action}_COMPLETE", physical_id=response.physical_id)
        return True

    def _roll_back_create(self, changes: list) -> str:
        self._set_status("ROLLBACK_IN_PROGRESS", _failed_resources_reason(self._events, "create"))
        created = [logical_id for logical_id, _ in reversed(changes) if logical_id in self.resources]
        self._delete_all(created, "ROLLBACK", creating_rollback=True)
        return self.status

    def _delete_all(self, logical_ids: list[str], operation: str, creating_rollback: bool = False) -> None:
        """Delete the resources in this order; the stack ends `<operation>_COMPLETE`, or
        `<operation>_FAILED` naming the ones that failed (they stay in the stack)."""
        failed = []
        for logical_id in logical_ids:
            if self._delete_resource(self.resources[logical_id], creating_rollback=creating_rollback):
                del self.resources[logical_id]
            else:
                failed.append(logical_id)
        if failed:
            self._set_status(
                f"{operation}_FAILED", f"The following resource(s) failed to delete: [{', '.join(failed)}]. "
            )
        else:
            self._set_status(f"{operation}_COMPLETE")

    def _roll_back_update(self, changes: list) -> str:
        """Put the previous template (already restored, with its parameters) back in place.

        UPDATE_ROLLBACK_IN_PROGRESS updates what the failed deploy changed back, in reverse order;
        UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS deletes what it created, and what a custom
        resource's rollback Update replaced.
        """
        self._set_status("UPDATE_ROLLBACK_IN_PROGRESS", _failed_resources_reason(self._events, "update"))
        to_delete: list[tuple[DeployedResource, bool]] = []
        """(resource, created by the failed deploy) for the cleanup."""
        for logical_id, before in reversed(changes):
            now = self.resources.get(logical_id)
            if before is None:
                if now is not None:
                    to_delete.append((now, True))
                    del self.resources[logical_id]
                continue
            if _CUSTOM_RESOURCE_TYPE.match(before.resource_type) and before.resource_type not in _BUILT_IN_CUSTOM_TYPES:
                # GUESS: CloudFormation sends every custom resource it sent an Update in the failed
                # deploy (completed, FAILED or cancelled alike) an Update back: ResourceProperties are
                # the previous template's, resolved against the resources as they are now,
                # OldResourceProperties the failed deploy's, PhysicalResourceId the id the resource
                # has now (a new one its Update answered, even in a FAILED response). The id the
                # resource had before the failed deploy gets nothing. When the rollback Update answers
                # yet another id, the one it was sent is deleted in the cleanup. Sources: aws-cdk
                # docs/CLOUDFORMATION.md ("If an Update fails, CloudFormation will trigger a second
                # Update during rollback ... ResourceProperties=OLD and OldResourceProperties=NEW";
                # UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS does the deletes), aws-cdk #17040 (a
                # failed Update keeps its id and gets an Update on rollback), aws-cdk PR #29581 (its
                # rollback trace: "UPDATE custom resource (new -> old)"), and the AWS docs on custom
                # resource responses (another physical id in an Update's response is a replacement,
                # whose old id CloudFormation deletes in cleanup). The order (reverse, as the updates
                # started) and resolving the previous properties now are not documented anywhere.
                replaced = self._update_back(now, before)
                if replaced is False:
                    reason = f"The following resource(s) failed to update: [{logical_id}]. "
                    self._set_status("UPDATE_ROLLBACK_FAILED", reason)
                    return self.status
                if replaced is not None:
                    to_delete.append((replaced, False))
                continue
            if now is not None and now.properties != before.properties:
                self._restore_plain(now, before)
            self.resources[logical_id] = before
            if before.resource_type == "AWS::Lambda::Function":
                self._providers = {}  # the function runs its previous code again
        self._set_status("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
        for resource, created in to_delete:
            self._delete_resource(resource, creating_rollback=created)
        self._set_status("UPDATE_ROLLBACK_COMPLETE")
        return self.status

    def _update_back(self, now: DeployedResource, before: DeployedResource) -> DeployedResource | None | bool:
        """Send a custom resource its rollback Update: False when it fails, the resource to delete
        in the cleanup when the response names another physical id, else None."""
        logical_id, resource_type = now.logical_id, now.resource_type
        definition = self._artifact.resources[logical_id]
        self._event(logical_id, resource_type, "UPDATE_IN_PROGRESS")
        try:
            properties = self._resolve(definition.get("Properties", {}))
        except Exception as error:  # a reference the rollback cannot resolve fails it
            self._event(logical_id, resource_type, "UPDATE_FAILED", str(error), now.physical_id)
            return False
        response = self.request(
            logical_id, "Update", physical_id=now.physical_id, properties=properties, old_properties=now.properties
        )
        if response.status != "SUCCESS":
            self._event(logical_id, resource_type, "UPDATE_FAILED", response.reason, response.physical_id)
            return False
        self.resources[logical_id] = DeployedResource(
            logical_id,
            resource_type,
            properties,
            response.physical_id,
            dict(response.data),
            definition.get("DeletionPolicy", "Delete"),
        )
        self._event(logical_id, resource_type, "UPDATE_COMPLETE", physical_id=response.physical_id)
        return now if response.physical_id != now.physical_id else None

    def _restore_plain(self, now: DeployedResource, before: DeployedResource) -> None:
        """A plain resource, or one of aws-cdk-lib's own custom resources, updated back in place."""
        self._plain.update(
            now.logical_id,
            now.resource_type,
            before.properties,
            now.properties,
            Provisioned(before.physical_id, before.attributes),
        )

    def _clean_up(self, changes: list, removed: dict[str, DeployedResource]) -> None:
        for logical_id, before in reversed(changes):
            now = self.resources[logical_id]
            if (
                before is not None
                and _CUSTOM_RESOURCE_TYPE.match(now.resource_type)
                and before.physical_id != now.physical_id
            ):
                self._delete_resource(before)
        for logical_id in self._deletion_order(removed):
            self._delete_resource(removed[logical_id])
            self.resources.pop(logical_id, None)

    def _delete_resource(self, resource: DeployedResource, creating_rollback: bool = False) -> bool:
        """False when the delete failed; a retained resource counts as deleted from the stack."""
        if resource.deletion_policy == "Retain" or (
            resource.deletion_policy == "RetainExceptOnCreate" and not creating_rollback
        ):
            self._event(resource.logical_id, resource.resource_type, "DELETE_SKIPPED", physical_id=resource.physical_id)
            return True
        self._event(resource.logical_id, resource.resource_type, "DELETE_IN_PROGRESS", physical_id=resource.physical_id)
        if _CUSTOM_RESOURCE_TYPE.match(resource.resource_type) and resource.resource_type not in _BUILT_IN_CUSTOM_TYPES:
            physical_id = resource.physical_id or self.invented_physical_id(resource.logical_id)
            response = self.request(
                resource.logical_id, "Delete", physical_id=physical_id, properties=resource.properties
            )
            if response.status != "SUCCESS":
                self._event(resource.logical_id, resource.resource_type, "DELETE_FAILED", response.reason, physical_id)
                return False
        else:
            self._plain.delete(
                resource.resource_type, resource.properties, Provisioned(resource.physical_id, resource.attributes)
            )
        self._event(resource.logical_id, resource.resource_type, "DELETE_COMPLETE", physical_id=resource.physical_id)
        return True

    # -- requests and providers ---------------------------------------------------------------

    def _request(
        self,
        logical_id,
        resource_type,
        request_type,
        properties,
        physical_id=None,
        old_properties=None,
        request_id=None,
    ) -> dict:
        request = {
            "RequestType": request_type,
            "ServiceToken": properties["ServiceToken"],
            "ResponseURL": _RESPONSE_URL,
            "StackId": self.stack_id,
            "RequestId": request_id or str(uuid.UUID(int=self._random.getrandbits(128), version=4)),
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": _as_cloudformation_sends(properties),
        }
        if physical_id is not None:
            request["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            request["OldResourceProperties"] = _as_cloudformation_sends(old_properties)
        return request

    def _provider_for(self, properties: dict) -> ProviderFramework:
        """Follow the service token: framework function -> user functions -> their assets."""
        token = properties["ServiceToken"]
        if token not in self._providers:
            framework = self._resource_with_arn(token)
            environment = self._resolve(framework["Properties"]["Environment"]["Variables"])
            state_machine = self._resource_with_arn(environment["WAITER_STATE_MACHINE_ARN"], "Ref")
            is_complete_arn = environment.get("USER_IS_COMPLETE_FUNCTION_ARN")
            self._providers[token] = ProviderFramework(
                on_event=self._user_function(environment["USER_ON_EVENT_FUNCTION_ARN"]),
                is_complete=self._user_function(is_complete_arn) if is_complete_arn else None,
                waiter=waiter_settings(self._resolve(state_machine["Properties"]["DefinitionString"])),
            )
        return self._providers[token]

    def _user_function(self, arn: str) -> UserFunction:
        definition = self._resource_with_arn(arn)
        properties = definition["Properties"]
        name = arn.rsplit(":", 1)[-1]
        environment = self._resolve(properties.get("Environment", {}).get("Variables", {}))
        function = LambdaFunction(
            name,
            self._artifact.asset(properties["Code"]["S3Key"]),
            properties["Handler"],
            {
                **self._function_environment,
                **self._role_credentials(self._resolve(properties["Role"]), name),
                "AWS_ENDPOINT_URL_CLOUDFORMATION": self.cloudformation.url,
                **{key: str(value) for key, value in environment.items()},
            },
            self._clock,
            self._record_log,
        )
        return UserFunction(name=name, call=function)

    def _role_credentials(self, role_arn: str, session_name: str) -> dict[str, str]:
        """The function's role's credentials, as Lambda gives a function: the Personalize emulator
        lets the handler do what that role's policies allow."""
        credentials = client("sts", self._aws_endpoint_url).assume_role(
            RoleArn=role_arn, RoleSessionName=session_name[:64]
        )["Credentials"]
        return {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        }

    def _resource_with_arn(self, arn: str, attribute: str = "Arn") -> dict:
        for logical_id, resource in self.resources.items():
            value = resource.physical_id if attribute == "Ref" else resource.attributes.get(attribute)
            if value == arn:
                return self._artifact.resources[logical_id]
        raise LookupError(f"no resource of stack {self.stack_name} has {attribute} {arn!r}")

    def _record_log(self, function_name: str, line: str) -> None:
        try:
            record = json.loads(line)
        except ValueError:
            record = {"message": line}
        if not isinstance(record, dict):
            record = {"message": line}
        record = {"at": self._clock.now(), "function": function_name, **record}
        self.handler_log.append(record)
        self._listener(record)

    # -- template reading ---------------------------------------------------------------------

    def _parameter_values(self, template: dict, given: dict) -> dict:
        values = {}
        for name, declaration in template.get("Parameters", {}).items():
            if name in given:
                value = given[name]
            elif "Default" in declaration:
                value = declaration["Default"]
            else:
                raise DeploymentError(f"Parameters: [{name}] must have values")
            if declaration["Type"].startswith("AWS::SSM::Parameter::Value"):
                value = "ssm-parameter-value"
            pattern = declaration.get("AllowedPattern")
            if pattern and not re.fullmatch(pattern, str(value)):
                raise DeploymentError(f"Parameter '{name}' must match pattern {pattern}")
            if "AllowedValues" in declaration and value not in declaration["AllowedValues"]:
                raise DeploymentError(f"Parameter '{name}' must be one of AllowedValues")
            values[name] = value
        return values

    def _active_resources(self, template: dict) -> dict[str, dict]:
        return {
            logical_id: definition
            for logical_id, definition in template["Resources"].items()
            if "Condition" not in definition or self._condition(definition["Condition"])
        }

    @staticmethod
    def _dependencies(targets: dict[str, dict]) -> dict[str, set[str]]:
        dependencies = {}
        for logical_id, definition in targets.items():
            depends_on = definition.get("DependsOn", [])
            named = set([depends_on] if isinstance(depends_on, str) else depends_on)
            named |= set(references(definition.get("Properties", {})))
            dependencies[logical_id] = {name for name in named if name in targets}
        return dependencies

    def _deletion_order(self, resources: dict[str, DeployedResource]) -> list[str]:
        definitions = {
            lid: self._artifact.resources.get(lid, {"Type": res.resource_type}) for lid, res in resources.items()
        }
        dependencies = self._dependencies(definitions)
        order, placed = [], set()
        while len(order) < len(definitions):
            for logical_id in definitions:
                dependants = {
                    other for other, deps in dependencies.items() if logical_id in deps and other not in placed
                }
                if logical_id not in placed and not dependants:
                    order.append(logical_id)
                    placed.add(logical_id)
        return order

    def _resolve(self, value):
        return resolve(value, ResolutionContext(ref=self._ref, get_att=self._get_att, condition=self._condition))

    def _ref(self, name: str):
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self.resources:
            return self.resources[name].physical_id
        raise LookupError(f"Ref {name}: no such parameter or created resource")

    def _get_att(self, logical_id: str, attribute: str):
        resource = self.resources.get(logical_id)
        if resource is None:
            raise LookupError(f"Fn::GetAtt {logical_id}.{attribute}: the resource is not created")
        if attribute not in resource.attributes:
            raise LookupError(
                f"Vendor response doesn't contain {attribute} attribute in object {resource.physical_id} ({logical_id})"
            )
        return resource.attributes[attribute]

    def _condition(self, name: str) -> bool:
        return bool(self._resolve(self._artifact.template["Conditions"][name]))

    def _outputs(self) -> dict:
        return {
            name: self._resolve(output["Value"]) for name, output in self._artifact.template.get("Outputs", {}).items()
        }

    def _set_status(self, status: str, reason: str = "") -> None:
        self.status_history.append(StackStatus(self._clock.now(), status, reason))
        self.cloudformation.publish(self.stack_id, self.stack_name, status, at=self._clock.now(), reason=reason)

    def _event(self, logical_id, resource_type, status, reason="", physical_id="") -> None:
        event = StackEvent(self._clock.now(), logical_id, resource_type, status, reason, physical_id)
        self._events.append(event)
        self._listener(event)


def _failed_resources_reason(events: list[StackEvent], action: str) -> str:
    failed = [
        event.logical_id for event in events if event.status.endswith("_FAILED") and "cancelled" not in event.reason
    ]
    return f"The following resource(s) failed to {action}: [{', '.join(dict.fromkeys(failed))}]. "


def _checked(response: Response, request: dict) -> Response:
    """CloudFormation's own checks on a response: size limits it enforces before reading it."""
    body = json.dumps(
        {
            "Status": response.status,
            "Reason": response.reason,
            "PhysicalResourceId": response.physical_id,
            "StackId": request["StackId"],
            "RequestId": request["RequestId"],
            "LogicalResourceId": request["LogicalResourceId"],
            "Data": response.data,
        }
    )
    if len(body.encode()) > _MAX_RESPONSE_BYTES:
        return Response("FAILED", response.physical_id, reason="Response object is too long.")
    if len(response.physical_id.encode()) > _MAX_PHYSICAL_ID_BYTES:
        return Response("FAILED", response.physical_id[:64], reason="Physical resource id is too long.")
    return response


def _service_timeout(properties: dict) -> int:
    return int(properties.get("ServiceTimeout", _DEFAULT_SERVICE_TIMEOUT_SECONDS))


def _as_cloudformation_sends(value):
    if isinstance(value, dict):
        return {key: _as_cloudformation_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_cloudformation_sends(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)
