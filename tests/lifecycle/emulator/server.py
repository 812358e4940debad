"""The HTTP side: Personalize's JSON 1.1 wire protocol on a loopback port.

A request is a POST with `X-Amz-Target: AmazonPersonalize.<Operation>` and a JSON body; a reply
is JSON, an error being `{"__type": code, "message": ...}` with `x-amzn-ErrorType`, and every
reply carries `x-amzn-RequestId`. Signatures are not checked, but the access key they name is:
a caller with an assumed role's credentials must be allowed the request (`caller_access`).
"""

import json
import logging
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.model import ServiceModel

from ..virtual_clock import VirtualClock
from .api_errors import ApiError
from .api_operations import PersonalizeApi
from .caller_access import CallerAccess, access_key_of
from .model_validation import check_request, response_violations

_TARGET_PREFIX = "AmazonPersonalize."
_CONTENT_TYPE = "application/x-amz-json-1.1"
_OK = 200
_INTERNAL_ERROR = 500
_SHUTDOWN_POLL_SECONDS = 0.02
_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestRecord:
    operation: str
    params: dict
    error_code: str | None
    """None when the request succeeded."""
    at: float
    """Virtual time when it arrived."""


class PersonalizeServer:
    def __init__(
        self,
        *,
        api: PersonalizeApi,
        service_model: ServiceModel,
        clock: VirtualClock,
        caller_access: CallerAccess,
        report_internal_error: Callable[[str], None],
    ):
        self._api = api
        self._caller_access = caller_access
        self._service_model = service_model
        self._clock = clock
        self._report_internal_error = report_internal_error
        self._requests: list[RequestRecord] = []
        self._requests_lock = threading.Lock()
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        if self._http is None:
            raise RuntimeError("the emulator is not started")
        host, port = self._http.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[RequestRecord]:
        with self._requests_lock:
            return list(self._requests)

    def start(self) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(
            target=self._http.serve_forever,
            # stop() waits up to one poll interval: the default half second adds up over many tests.
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name="personalize-emulator",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._http is None:
            return
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()
        self._http = None

    def _answer(self, target: str, body: bytes, access_key_id: str | None) -> tuple[int, dict]:
        """The status and JSON body answering one request."""
        operation = target.removeprefix(_TARGET_PREFIX)
        params: dict = {}
        arrived_at = self._clock.now()
        try:
            params = _parsed_body(body)
            status, response = _OK, self._response(target, operation, params, access_key_id)
            error_code = None
        except ApiError as error:
            status, response, error_code = error.status, {"__type": error.code, "message": error.message}, error.code
        except Exception as error:
            self._report_internal_error(f"{operation} raised {error!r}\n{traceback.format_exc()}")
            status, error_code = _INTERNAL_ERROR, "InternalFailure"
            response = {"__type": error_code, "message": f"The emulator failed: {error!r}"}
        # Recorded before the reply leaves, so a client that has its answer finds its request here.
        with self._requests_lock:
            self._requests.append(RequestRecord(operation, params, error_code, arrived_at))
        return status, response

    def _response(self, target: str, operation: str, params: dict, access_key_id: str | None) -> dict:
        if not target.startswith(_TARGET_PREFIX) or operation not in self._api.operations:
            raise ApiError("UnknownOperationException", f"Unknown operation {target or '(no X-Amz-Target)'}.")
        injected = self._api.faults.request_error(operation)
        if injected:
            raise injected
        operation_model = self._service_model.operation_model(operation)
        check_request(operation_model, params)
        # GUESS: the service authorizes a well-formed request before it looks at what it names.
        denial = self._caller_access.denial(access_key_id, self._api.permissions(operation, params))
        if denial:
            raise ApiError("AccessDeniedException", denial)
        response = self._api.handle(operation, params)
        violations = response_violations(operation_model, response)
        if violations:
            raise AssertionError(f"the emulator's {operation} response breaks the model: {'; '.join(violations)}")
        return response


def _parsed_body(body: bytes) -> dict:
    try:
        params = json.loads(body or b"{}")
    except ValueError as error:
        # GUESS: AWS JSON services answer an unreadable body with SerializationException.
        raise ApiError("SerializationException", f"The request body is not JSON: {error}") from error
    if not isinstance(params, dict):
        raise ApiError("SerializationException", "The request body must be a JSON object.")
    return params


def _handler_class(server: PersonalizeServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        # Keep-alive, as botocore's connection pool expects.
        protocol_version = "HTTP/1.1"
        # The headers and the body are two writes: with Nagle's algorithm the body waits for the
        # client's delayed ACK of the headers, 40 ms per request on Linux loopback.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, response = server._answer(
                self.headers.get("X-Amz-Target", ""), body, access_key_of(self.headers.get("Authorization"))
            )
            payload = json.dumps(response).encode()
            self.send_response(status)
            self.send_header("Content-Type", _CONTENT_TYPE)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            if status != _OK:
                self.send_header("x-amzn-ErrorType", response["__type"])
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:
            _logger.debug(format, *args)

    return _Handler
