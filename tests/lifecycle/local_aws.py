"""moto on loopback: the S3, IAM and STS that the handler and the emulator talk to over HTTP."""

import contextlib
import logging
import threading
from collections.abc import Iterator

import boto3
import botocore.client
from moto.iam.access_control import PermissionResult
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response
from moto.server import ThreadedMotoServer
from werkzeug.serving import WSGIRequestHandler

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
SOLUTION_VERSION_ARN = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/movies/1a2b3c4d"
"""The trained User-Personalization solution version the local account has: tests register it with the emulator."""
SEGMENTATION_VERSION_ARN = f"arn:aws:personalize:{REGION}:{ACCOUNT_ID}:solution/audiences/5e6f7a8b"
"""The trained Item-Affinity (USER_SEGMENTATION) solution version of the local account."""
# Dummy credentials: nothing here may ever reach a real AWS account.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """Yields the endpoint URL of a moto server on a free loopback port."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    # moto 5.2 treats a statement whose condition does not hold as an explicit deny, so the
    # "deny unless aws:SecureTransport" statement every secure bucket has would refuse all object
    # requests over loopback HTTP. Real S3 evaluates those policies; the Personalize emulator
    # checks the service principal's grants itself, and IAM grants are the template tests' job.
    enforce_bucket_policy = FakeBucket.get_permission
    FakeBucket.get_permission = lambda bucket, action, resource: PermissionResult.NEUTRAL
    # moto 5.2's UploadPartCopy is not thread-safe: parallel part copies of one upload, as the
    # handler sends them for a large input file, fail with "read of closed file". S3 takes them
    # in parallel; here they take turns.
    copy_part = S3Response.upload_part_copy
    part_copies = threading.Lock()

    def one_part_copy_at_a_time(self, *args, **kwargs):
        with part_copies:
            return copy_part(self, *args, **kwargs)

    S3Response.upload_part_copy = one_part_copy_at_a_time
    # werkzeug's threaded server keeps connections alive and writes a response's headers and body
    # apart: with Nagle's algorithm the body waits for the client's delayed ACK, 40 ms a request.
    nagle = WSGIRequestHandler.disable_nagle_algorithm
    WSGIRequestHandler.disable_nagle_algorithm = True
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        FakeBucket.get_permission = enforce_bucket_policy
        S3Response.upload_part_copy = copy_part
        WSGIRequestHandler.disable_nagle_algorithm = nagle


def client(service_name: str, endpoint_url: str):
    return boto3.client(
        service_name,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
    )


@contextlib.contextmanager
def recorded_s3_calls() -> Iterator[list[tuple[str, dict]]]:
    """Every S3 call made in this process (handler, emulator, driver), as (operation, params),
    while in the block: what the handler sent, whatever the server would log."""
    calls: list[tuple[str, dict]] = []
    original = botocore.client.BaseClient._make_api_call

    def recording(self, operation_name, api_params):
        if self.meta.service_model.service_name == "s3":
            calls.append((operation_name, dict(api_params)))
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = recording
    try:
        yield calls
    finally:
        botocore.client.BaseClient._make_api_call = original
