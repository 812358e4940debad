"""CloudFormation's DescribeStacks on loopback, answering with the status each stack has right now.

A custom resource handler may ask whether its stack is rolling back (an Update request does not
say). The driver's deployments publish their stack's status here as it changes, and the handler's
boto3 client reaches this server through AWS_ENDPOINT_URL_CLOUDFORMATION, so it reads the status
the deployment is in at that moment.

It speaks the query protocol as botocore sends it (a form body with Action, Version and the
operation's parameters) and answers the XML botocore parses. Only DescribeStacks is served, and
only the fields a handler would read plus the ones the API always returns; any other action is
refused as the real service refuses an unknown one.
"""

import threading
import urllib.parse
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

_NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/"
_API_VERSION = "2010-05-15"


@dataclass(frozen=True)
class StackRecord:
    stack_id: str
    stack_name: str
    status: str
    reason: str
    created_at: float
    updated_at: float | None = None
    deleted_at: float | None = None


@dataclass(frozen=True)
class DescribeStacksCall:
    """One DescribeStacks request, and what it was answered: a status, or an error code."""

    stack_name: str | None
    answer: str


class CloudFormationEndpoint:
    """Stacks by id, as the deployments publish them; an HTTP server started on first use of `url`."""

    def __init__(self):
        self._lock = threading.Lock()
        self._stacks: dict[str, StackRecord] = {}
        self._calls: list[DescribeStacksCall] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what the driver and the tests use ------------------------------------------------------

    @property
    def url(self) -> str:
        with self._lock:
            if self._server is None:
                self._start()
            host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def publish(self, stack_id: str, stack_name: str, status: str, *, at: float, reason: str = "") -> None:
        """The stack `stack_id` is in `status` from virtual time `at` on."""
        with self._lock:
            record = self._stacks.get(stack_id)
            if record is None or record.status == "DELETE_COMPLETE":
                record = StackRecord(stack_id, stack_name, status, reason, created_at=at)
            else:
                record = replace(record, status=status, reason=reason)
                if status.startswith("UPDATE_") or status.startswith("IMPORT_"):
                    record = replace(record, updated_at=at)
            if status == "DELETE_COMPLETE":
                record = replace(record, deleted_at=at)
            self._stacks[stack_id] = record

    def status_of(self, stack_id: str) -> str | None:
        with self._lock:
            record = self._stacks.get(stack_id)
        return record.status if record else None

    @property
    def calls(self) -> list[DescribeStacksCall]:
        """Every DescribeStacks request so far, oldest first."""
        with self._lock:
            return list(self._calls)

    def reset(self) -> None:
        """Forget every stack and call: a fresh account, the server kept."""
        with self._lock:
            self._stacks.clear()
            self._calls.clear()

    def close(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "CloudFormationEndpoint":
        _ = self.url
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- the service ----------------------------------------------------------------------------

    def _start(self) -> None:
        endpoint = self

        class Handler(_QueryHandler):
            def answer(self, params: dict[str, str]) -> tuple[int, str]:
                return endpoint._answer(params)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="cloudformation-endpoint", daemon=True)
        self._thread.start()

    def _answer(self, params: dict[str, str]) -> tuple[int, str]:
        action = params.get("Action")
        if action != "DescribeStacks":
            return _error(400, "InvalidAction", f"The action {action} is not valid for this web service.")
        if params.get("Version") != _API_VERSION:
            return _error(
                400, "InvalidParameterValue", f"Version must be {_API_VERSION}, got {params.get('Version')!r}"
            )
        name = params.get("StackName")
        with self._lock:
            if name is None:
                stacks = [record for record in self._stacks.values() if record.status != "DELETE_COMPLETE"]
            else:
                stacks = [record for record in self._stacks.values() if _named(record, name)]
            if name is not None and not stacks:
                self._calls.append(DescribeStacksCall(name, "ValidationError"))
                return _error(400, "ValidationError", f"Stack with id {name} does not exist")
            self._calls.append(DescribeStacksCall(name, ",".join(record.status for record in stacks)))
        members = "".join(_stack_xml(record) for record in stacks)
        return 200, (
            f'<DescribeStacksResponse xmlns="{_NAMESPACE}">'
            f"<DescribeStacksResult><Stacks>{members}</Stacks></DescribeStacksResult>"
            f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
            "</DescribeStacksResponse>"
        )


def _named(record: StackRecord, name: str) -> bool:
    # A stack id finds a deleted stack too; a name finds only a live one.
    if name == record.stack_id:
        return True
    return name == record.stack_name and record.status != "DELETE_COMPLETE"


def _stack_xml(record: StackRecord) -> str:
    optional = ""
    if record.updated_at is not None:
        optional += f"<LastUpdatedTime>{_timestamp(record.updated_at)}</LastUpdatedTime>"
    if record.deleted_at is not None:
        optional += f"<DeletionTime>{_timestamp(record.deleted_at)}</DeletionTime>"
    if record.reason:
        optional += f"<StackStatusReason>{escape(record.reason)}</StackStatusReason>"
    return (
        "<member>"
        f"<StackId>{escape(record.stack_id)}</StackId>"
        f"<StackName>{escape(record.stack_name)}</StackName>"
        f"<CreationTime>{_timestamp(record.created_at)}</CreationTime>"
        f"<StackStatus>{record.status}</StackStatus>"
        f"{optional}"
        "<RollbackConfiguration/><DisableRollback>false</DisableRollback><NotificationARNs/>"
        "<Tags/><EnableTerminationProtection>false</EnableTerminationProtection>"
        "<DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation>"
        "</member>"
    )


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _error(status: int, code: str, message: str) -> tuple[int, str]:
    return status, (
        f'<ErrorResponse xmlns="{_NAMESPACE}">'
        f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId>"
        "</ErrorResponse>"
    )


class _QueryHandler(BaseHTTPRequestHandler):
    """Reads the query protocol's parameters from the query string and the form body."""

    def answer(self, params: dict[str, str]) -> tuple[int, str]:
        raise NotImplementedError

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self._respond({**self._query(), **dict(urllib.parse.parse_qsl(body, keep_blank_values=True))})

    def do_GET(self) -> None:
        self._respond(self._query())

    def _query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query, keep_blank_values=True))

    def _respond(self, params: dict[str, str]) -> None:
        try:
            status, body = self.answer(params)
        except Exception as error:  # an answer the server cannot give is the service's fault
            status, body = _error(500, "InternalFailure", f"{type(error).__name__}: {error}")
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass
