"""Which AWS errors a deploy should wait out, and which should fail it."""

from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

# The codes botocore's "standard" retry mode treats as throttling or transient: an error that
# outlived the client's own attempts is waited out over the next polls instead of failing a
# deploy that may have been waiting for most of an hour. LimitExceededException is how
# Personalize reports both its request rate and its limit of concurrently running batch jobs.
_THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
    }
)
_SERVER_SIDE_CODES = frozenset(
    {
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
        "InternalServerError",
        "InternalServerException",
        "InternalFailure",
        "InternalError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)
AWS_ERRORS = (ClientError, BotoCoreError)
"""What a boto3 call raises when AWS or the network fails it."""
_TRANSIENT_CODES = _THROTTLING_CODES | _SERVER_SIDE_CODES
_TOO_MANY_REQUESTS = 429
_FIRST_SERVER_ERROR_STATUS = 500


def error_code(error: Exception) -> str | None:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code")
    return None


def is_transient(error: Exception) -> bool:
    """True for throttling, server-side failures and network timeouts: worth asking again later."""
    if isinstance(error, (BotocoreConnectionError, HTTPClientError)):
        return True
    if not isinstance(error, ClientError):
        return False
    if error_code(error) in _TRANSIENT_CODES:
        return True
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return status == _TOO_MANY_REQUESTS or status >= _FIRST_SERVER_ERROR_STATUS


def describe_error(error: Exception) -> str:
    """The service's own words, without botocore's "An error occurred ... when calling" wrapper."""
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Unknown')}: {details.get('Message', '')}".rstrip(": ")
    return str(error)
