"""Upload cost: what a first deploy of the example app uploads besides its input, the Lambda
functions in its template, and the synth time of a 1 GB input file (sparse) against a 1 KB one.

With ``--baseline DIR`` (a checkout of another commit, e.g. ``git worktree add``), the same
figures of that checkout come side by side from the same run, the input-size synths interleaved
with this checkout's.
"""

import io
import json
import tempfile
import zipfile
from pathlib import Path

from .runs import interleaved, median, paired_ratio
from .synth import REPOSITORY, only_stack, python_app, synth
from .table import Row, judged, ratio, seconds

UPLOAD_TARGET_BYTES = 100 * 1024
LARGE_INPUT_TARGET = 1.2
_LARGE_BYTES = 1 << 30
_SMALL_BYTES = 1 << 10
_INPUT_SIZE_APP = Path(__file__).with_name("input_size_app.py")


def measure(runs: int, baseline: Path | None = None) -> list[Row]:
    checkouts = {"this": REPOSITORY, **({"baseline": baseline} if baseline else {})}
    rows: list[Row] = []
    for name, checkout in checkouts.items():
        rows.extend(_example_uploads(name, checkout))
    rows.extend(_input_size(runs, checkouts))
    return rows


def _example_uploads(name: str, checkout: Path) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-upload-") as outdir:
        synth(python_app("app.py"), Path(outdir), checkout=checkout)
        stack_name, template_file = only_stack(Path(outdir))
        template = json.loads(template_file.read_text())
        inputs = {path.read_bytes() for path in (checkout / "example_input").rglob("*") if path.is_file()}
        uploads = {}
        for entry in json.loads((Path(outdir) / f"{stack_name}.assets.json").read_text())["files"].values():
            source = Path(outdir) / entry["source"]["path"]
            if source == template_file or _is_input(source, inputs):
                continue
            uploads[entry.get("displayName", source.name)] = _packaged_bytes(source)
    functions = sum(1 for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function")
    total = sum(uploads.values())
    largest = max(uploads, key=uploads.get) if uploads else "-"
    return [
        judged(
            f"First deploy of app.py ({name}): asset bytes besides the input and the template",
            f"{total:,} bytes in {len(uploads)} assets (largest: {largest})",
            f"<= {UPLOAD_TARGET_BYTES:,} bytes",
            total <= UPLOAD_TARGET_BYTES,
        ),
        Row(f"Lambda functions in app.py's template ({name})", str(functions)),
    ]


def _is_input(source: Path, inputs: set[bytes]) -> bool:
    files = [source] if source.is_file() else [path for path in source.rglob("*") if path.is_file()]
    return bool(files) and all(path.read_bytes() in inputs for path in files)


def _packaged_bytes(source: Path) -> int:
    """The bytes the CDK CLI uploads: a file as it is, a folder as a zip archive."""
    if source.is_file():
        return source.stat().st_size
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                zipped.write(path, path.relative_to(source).as_posix())
    return len(archive.getvalue())


def _input_size(runs: int, checkouts: dict[str, Path]) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-input-size-") as folder:
        files = {"1 KB": Path(folder) / "small.json", "1 GB": Path(folder) / "large.json"}
        files["1 KB"].write_text(('{"userId": "1"}\n' * 64)[:_SMALL_BYTES])
        with files["1 GB"].open("wb") as large:
            large.write(b'{"userId": "1"}\n')
            large.truncate(_LARGE_BYTES)  # sparse: no gigabyte written to disk

        def timed(checkout: Path, file: Path):
            def run() -> float:
                with tempfile.TemporaryDirectory(prefix="bench-input-size-out-") as outdir:
                    return synth(
                        python_app(str(_INPUT_SIZE_APP)),
                        Path(outdir),
                        checkout=checkout,
                        env={"BENCH_INPUT_FILE": str(file)},
                    )

            return run

        variants = {
            f"{size} ({name})": timed(checkout, file)
            for name, checkout in checkouts.items()
            for size, file in files.items()
        }
        samples = interleaved(variants, runs, what="input size synth")
    rows = [Row(f"Synth time, one job on a {variant} input file", seconds(median(s))) for variant, s in samples.items()]
    for name in checkouts:
        value = paired_ratio(samples, f"1 GB ({name})", f"1 KB ({name})")
        rows.append(
            judged(
                f"Synth time ratio: 1 GB input / 1 KB input ({name})",
                ratio(value),
                f"<= {LARGE_INPUT_TARGET}x",
                value <= LARGE_INPUT_TARGET,
            )
        )
    return rows
