"""Handler cost: the size of the code asset CDK uploads for the handler, and the cold import of
its entry module, which every Lambda cold start pays before the first event."""

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile

from .runs import interleaved, median
from .synth import REPOSITORY
from .table import Row, judged, milliseconds

HANDLER = REPOSITORY / "lambda"
ASSET_TARGET_BYTES = 20 * 1024
IMPORT_TARGET_SECONDS = 0.300
# Prints the seconds one import takes in this fresh interpreter.
_TIMED_IMPORT = "import time; start = time.perf_counter(); import {module}; print(time.perf_counter() - start)"


def measure(runs: int) -> list[Row]:
    size, files = _asset_zip_size()
    with tempfile.TemporaryDirectory(prefix="bench-handler-") as code:
        # A copy, so that the imports write nothing into lambda/ (-B writes no .pyc either): the
        # deployed asset has no bytecode, and /var/task is read-only, so every cold start
        # compiles the handler's modules as these imports do.
        for source in HANDLER.glob("*.py"):
            shutil.copy(source, code)
        samples = interleaved(
            {"index": lambda: _import_seconds("index", code), "boto3": lambda: _import_seconds("boto3", code)},
            runs,
            what="handler import",
        )
    index, boto3 = median(samples["index"]), median(samples["boto3"])
    return [
        judged(
            f"Handler asset zip (lambda/, {files} files)",
            f"{size:,} bytes",
            f"< {ASSET_TARGET_BYTES:,} bytes",
            size < ASSET_TARGET_BYTES,
        ),
        judged(
            "Handler cold import of index (boto3 included)",
            milliseconds(index),
            f"< {milliseconds(IMPORT_TARGET_SECONDS)}",
            index < IMPORT_TARGET_SECONDS,
        ),
        Row("Cold import of boto3 alone", milliseconds(boto3)),
    ]


def _asset_zip_size() -> tuple[int, int]:
    """The bytes and files of lambda/ zipped as CDK zips a code asset, without bytecode caches."""
    files = sorted(
        path
        for path in HANDLER.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in files:
            zipped.write(path, path.relative_to(HANDLER))
    return len(archive.getvalue()), len(files)


def _import_seconds(module: str, code: str) -> float:
    finished = subprocess.run(
        [sys.executable, "-B", "-c", _TIMED_IMPORT.format(module=module)],
        cwd=code,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(finished.stdout)
