"""Runs a Python Lambda handler in this process the way the Lambda runtime would run it.

Events and results cross a JSON boundary, the function's environment variables are set while
it runs, what it prints is captured as its log, and it reads time from the virtual clock. Its
boto3 clients' retry back-off sleeps on the virtual clock too: a throttled call costs the
Lambda those seconds, and costs the test run nothing.
"""

import contextlib
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import botocore.endpoint

from ..virtual_clock import VirtualClock
from .handler_loader import load_handler


class LambdaFunction:
    def __init__(
        self,
        name: str,
        asset_dir: Path,
        handler: str,
        environment: dict[str, str],
        clock: VirtualClock,
        log: Callable[[str, str], None],
    ):
        self.name = name
        self._clock = clock
        self._function, module = load_handler(asset_dir, handler)
        # The entry module reads `time.time()` when it builds a handler: hand it the virtual clock.
        if hasattr(module, "time"):
            module.time = SimpleNamespace(time=clock.now, monotonic=clock.now)
        self._environment = environment
        self._log = log

    def __call__(self, event: dict) -> dict:
        payload = json.loads(json.dumps(event))
        output = io.StringIO()
        try:
            with _environment(self._environment), _sleeping_on(self._clock), contextlib.redirect_stdout(output):
                result = self._function(payload, _Context(self.name))
        finally:
            for line in output.getvalue().splitlines():
                self._log(self.name, line)
        # Lambda serializes the result: anything json cannot encode fails the invocation here too.
        return json.loads(json.dumps(result))


class _Context:
    def __init__(self, function_name: str):
        self.function_name = function_name
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@contextlib.contextmanager
def _sleeping_on(clock: VirtualClock) -> Iterator[None]:
    # botocore's retry loop sleeps through `time.sleep` as botocore.endpoint imported it.
    botocore.endpoint.time = SimpleNamespace(sleep=clock.advance, time=time.time, monotonic=time.monotonic)
    try:
        yield
    finally:
        botocore.endpoint.time = time


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
