import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ParamValidationError,
    ReadTimeoutError,
)
from error_classification import describe_error, error_code, is_transient


def _client_error(code: str, status: int = 400, message: str = "details") -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "DescribeBatchInferenceJob",
    )


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "LimitExceededException", "TooManyRequestsException", "SlowDown"]
)
def test_throttling_is_transient(code):
    assert is_transient(_client_error(code))


@pytest.mark.parametrize(
    ("code", "status"),
    [("InternalServerError", 500), ("ServiceUnavailable", 503), ("SomethingNew", 502), ("SomethingNew", 429)],
)
def test_server_side_failures_are_transient(code, status):
    assert is_transient(_client_error(code, status))


@pytest.mark.parametrize(
    "error",
    [
        ReadTimeoutError(endpoint_url="https://personalize.us-east-1.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://personalize.us-east-1.amazonaws.com"),
        EndpointConnectionError(endpoint_url="https://personalize.us-east-1.amazonaws.com"),
    ],
)
def test_network_timeouts_are_transient(error):
    assert is_transient(error)


@pytest.mark.parametrize(
    ("code", "status"),
    [("AccessDeniedException", 400), ("InvalidInputException", 400), ("ResourceNotFoundException", 400)],
)
def test_caller_errors_are_not_transient(code, status):
    assert not is_transient(_client_error(code, status))


def test_errors_from_outside_aws_are_not_transient():
    assert not is_transient(ValueError("bad"))
    assert not is_transient(ParamValidationError(report="bad"))


def test_error_code_and_description_come_from_the_service_response():
    error = _client_error("InvalidInputException", message="numResults is out of range")

    assert error_code(error) == "InvalidInputException"
    assert describe_error(error) == "InvalidInputException: numResults is out of range"
    assert error_code(ValueError("x")) is None
