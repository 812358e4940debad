"""Synth-time checks of a local input against what Personalize accepts, reading at most the
first line of each file: a 1 GB input costs a stat and one short read, never a full scan.

What counts as a file of a folder input is every regular file below it, at any depth, hidden
files included: the upload puts each of them under the input prefix, and Personalize reads every
object under that prefix, so a stray ``.DS_Store`` would fail the job. Empty subfolders add
nothing (S3 has no folders).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from aws_cdk import Annotations
from constructs import Construct

MAX_INPUT_FILES = 1000
"""Personalize's documented maximum of input files per batch job."""
MAX_INPUT_FILE_BYTES = 1_000_000_000
"""Personalize's documented maximum size of one input file (1 GB)."""
_FIRST_LINE_READ_BYTES = 1 << 20
"""A first line longer than this is only checked to open a JSON object, so a file with no line
break stays cheap to check."""
_OVERSIZED_WARNING_ID = "personalize-batch-constructs:inputFileOverLimit"
_WHAT = "input: BatchInput.from_asset path"

_Args = ParamSpec("_Args")
_Bound = TypeVar("_Bound")


def check_local_input(source: Path) -> list[str]:
    """Raise a ValueError naming the file for input Personalize refuses; return a warning for
    each file larger than Personalize's documented limit (not verified, so it does not fail)."""
    files = _input_files(source)
    warnings = []
    for file in files:
        size = file.stat().st_size
        if size == 0:
            raise ValueError(
                f"{_WHAT} {str(file)!r} is an empty file; each input file must hold JSON Lines, "
                f'one JSON object per line such as {{"userId": "4638"}}'
            )
        _check_first_line(file)
        if size > MAX_INPUT_FILE_BYTES:
            warnings.append(
                f"Input file {str(file)!r} is {size:,} bytes, larger than Personalize's documented limit of "
                f"1 GB ({MAX_INPUT_FILE_BYTES:,} bytes) per input file: the job may fail; split it into several "
                f"files of a folder input"
            )
    return warnings


def warning_before(
    bind: Callable[Concatenate[Construct, _Args], _Bound], warnings: list[str]
) -> Callable[Concatenate[Construct, _Args], _Bound]:
    """``bind``, first adding each warning to the construct it binds the input to."""

    def warn_and_bind(scope: Construct, /, *args: _Args.args, **kwargs: _Args.kwargs) -> _Bound:
        for warning in warnings:
            Annotations.of(scope).add_warning_v2(_OVERSIZED_WARNING_ID, warning)
        return bind(scope, *args, **kwargs)

    return warn_and_bind


def _input_files(source: Path) -> list[Path]:
    """The files of the input, failing on none or more than Personalize takes (stopping there)."""
    if not source.is_dir():
        return [source]
    files: list[Path] = []
    for folder, subfolders, names in os.walk(source):
        subfolders.sort()
        files.extend(Path(folder, name) for name in sorted(names) if os.path.isfile(os.path.join(folder, name)))
        if len(files) > MAX_INPUT_FILES:
            raise ValueError(
                f"{_WHAT} {str(source)!r} holds more than {MAX_INPUT_FILES:,} files (counting every file below "
                f"it, hidden files and subfolders included); a batch job takes at most {MAX_INPUT_FILES:,} input "
                f"files: merge files, or split the input across jobs"
            )
    if not files:
        raise ValueError(
            f"{_WHAT} {str(source)!r} is a folder with no file in it; give a folder holding at least one "
            f"JSON Lines file, or the file itself"
        )
    return files


def _check_first_line(file: Path) -> None:
    with file.open("rb") as stream:
        line = stream.readline(_FIRST_LINE_READ_BYTES)
    complete = line.endswith(b"\n") or len(line) < _FIRST_LINE_READ_BYTES
    stripped = line.decode("utf-8-sig", errors="replace").strip()
    if complete:
        try:
            # UnicodeDecodeError is a ValueError: a line that is not UTF-8 is no JSON object either.
            is_object = isinstance(json.loads(line.decode("utf-8-sig")), dict)
        except ValueError:
            is_object = False
    else:
        # Only the start of a line this long is read; a character may be cut at its end.
        is_object = stripped.startswith("{")
    if not is_object:
        shown = stripped[:80] + ("..." if len(stripped) > 80 else "")
        raise ValueError(
            f"{_WHAT} {str(file)!r} does not start with a JSON object line (its first line is {shown!r}); "
            f'input files are JSON Lines, one JSON object per line such as {{"userId": "4638"}}'
        )
