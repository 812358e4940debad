"""Synth-time refusal of results written where the input is read or uploaded, by the same job or
by another job of the app.

An output folder equal to or inside a folder input in the same bucket makes the next run read the
``.out`` files as input; inside a ``from_asset`` prefix, the upload (which removes
every object under its prefix that is not part of the input) deletes the previous results.
Between jobs, two more: an upload deletes another job's input inside its prefix, and two jobs
writing to one output folder share its ``manifest.json``, each run displacing the other job's.
Checked only where both buckets are known to be the same: the same construct, or literal bucket
names. Tokens (a bucket name or a key from a ``CfnParameter``) are left to the handler, which
applies the one job's rule (``prop_rules``) to the names it gets at deploy; it sees one job only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from aws_cdk import Annotations, Token
from aws_cdk import aws_s3 as s3
from constructs import Construct

from .handler_contract import prop_rules
from .jsii_identity import jsii_identity


@dataclass(frozen=True)
class _Bucket:
    """What tells buckets apart without a jsii round trip per comparison: the construct path, and
    the name when it is literal."""

    path: str
    name: str | None

    @classmethod
    def of(cls, bucket: s3.IBucket) -> _Bucket:
        name = bucket.bucket_name
        return cls(bucket.node.path, None if Token.is_unresolved(name) else name)

    def same_as(self, other: _Bucket) -> bool:
        """Whether both are known to be one bucket; unknown (token names) counts as not."""
        return self.path == other.path or (self.name is not None and self.name == other.name)


@dataclass(frozen=True)
class JobLocations:
    """Where one job reads its input and writes its results."""

    job: str
    """The job's construct path."""
    input_bucket: _Bucket
    input_key: str
    """The input's object key, or its folder prefix ending in ``/``."""
    uploaded: bool
    """Whether ``from_asset`` uploads the input, pruning the folder that holds ``input_key``."""
    output_bucket: _Bucket
    output_prefix: str
    uploaded_keys: frozenset[str]
    """The keys of the files an upload puts in its folder (none for an input in S3)."""
    literal: bool
    """Whether the input key and the output prefix are known at synth. Asked once here: every later
    job of the app compares itself with this one, and each ``Token.is_unresolved`` is a round trip."""

    @classmethod
    def of(
        cls,
        job: Construct,
        *,
        input_bucket: s3.IBucket,
        input_key: str,
        uploaded: bool,
        output_bucket: s3.IBucket,
        output_prefix: str,
        uploaded_keys: tuple[str, ...] = (),
    ) -> JobLocations:
        input_place = _Bucket.of(input_bucket)
        # One bucket for both (a given bucket): one lookup.
        output_place = input_place if output_bucket is input_bucket else _Bucket.of(output_bucket)
        literal = not (Token.is_unresolved(input_key) or Token.is_unresolved(output_prefix))
        return cls(
            job.node.path,
            input_place,
            input_key,
            uploaded,
            output_place,
            output_prefix,
            frozenset(uploaded_keys),
            literal,
        )

    @property
    def input_folder(self) -> str | None:
        return prop_rules.input_folder(self.input_key, uploaded=self.uploaded)


_PRUNED_WARNING_ID = "personalize-batch-constructs:inputInAnotherUpload"

_JOBS: dict[str, list[JobLocations]] = {}
"""Each app's jobs so far, by the jsii identity of the app (the construct tree's root): jobs of
one app share buckets across its stacks, nested stacks too, and two apps never meet."""


def check_locations(job: Construct, locations: JobLocations) -> None:
    """Raise a ValueError naming ``input`` and ``output`` when the job's results would overlap its
    input, or naming both jobs when the job and an earlier job of the app would delete or read
    each other's data; warn when an upload would delete another job's input unless that input is
    one of its files. Then count the job among the app's."""
    others = _JOBS.setdefault(jsii_identity(job.node.root), [])
    if locations.literal:
        prop_rules.check_results_apart_from_input(
            input_key=locations.input_key,
            uploaded=locations.uploaded,
            output_prefix=locations.output_prefix,
            same_bucket=lambda: locations.input_bucket.same_as(locations.output_bucket),
        )
        for other in others:
            if other.literal:
                for problem in _conflicts(locations, other):
                    raise ValueError(problem)
                for warning in _maybe_pruned(locations, other):
                    Annotations.of(job).add_warning_v2(_PRUNED_WARNING_ID, warning)
    others.append(locations)


def _conflicts(new: JobLocations, other: JobLocations) -> Iterator[str]:
    if new.output_prefix == other.output_prefix and new.output_bucket.same_as(other.output_bucket):
        yield (
            f"the output folder {_shown(new.output_prefix)} ({prop_rules.OUTPUT_PREFIX_PROP}) is also the output "
            f"folder of {other.job} in the same bucket: both jobs would write {new.output_prefix}manifest.json, "
            "each run displacing the other job's, so it would not name the latest results of either. Give each "
            "job an output folder of its own (e.g. 'ranking/' and 'similar/')"
        )
    for reader, writer in ((new, other), (other, new)):
        folder = reader.input_folder
        # As for one job (prop_rules): results land in the reader's folder only when the output
        # folder is it or lies inside it.
        relation = None if folder is None else prop_rules.folder_relation(writer.output_prefix, folder)
        if relation in ("is", "is inside") and reader.input_bucket.same_as(writer.output_bucket):
            damage = (
                f"the upload removes every object there that is not part of its input, so it deletes the results "
                f"of {writer.job}"
                if reader.uploaded
                else f"{reader.job} would read the results of {writer.job} (.out files, manifest.json) as input"
            )
            yield (
                f"the output folder {_shown(writer.output_prefix)} of {writer.job} ({prop_rules.OUTPUT_PREFIX_PROP}) "
                f"{relation} the input folder {folder!r} of {reader.job} ({_input_prop(reader)}) in the "
                f"same bucket: {damage}. Keep the results and the inputs of all jobs in folders apart (e.g. "
                "'results/a/' and 'input/b/'), or in other buckets"
            )
        if reader.uploaded and writer.uploaded and _inside_upload(reader, writer):
            holds = "is also" if writer.input_folder == reader.input_folder else "holds"
            yield (
                f"the upload folder {writer.input_folder!r} of {writer.job} ({_input_prop(writer)}) {holds} the "
                f"upload folder {reader.input_folder!r} of {reader.job} in the same bucket: each upload removes "
                "every object under its folder that is not part of its own input, so it would delete the other "
                "job's input at each deploy. Give each job's input a folder of its own (e.g. key_prefix "
                "'input/a/' and 'input/b/')"
            )


def _maybe_pruned(new: JobLocations, other: JobLocations) -> Iterator[str]:
    """An input in S3 inside another job's upload folder that holds none of the upload's files:
    each deploy deletes it, unless something puts it back before each run, which the construct
    cannot know; a warning, not a refusal. The folder itself, one of its files, or a subfolder of
    them is what the upload put there."""
    for reader, writer in ((new, other), (other, new)):
        if not reader.uploaded and writer.uploaded and _inside_upload(reader, writer):
            if not any(key.startswith(reader.input_key) for key in writer.uploaded_keys):
                yield (
                    f"the input {reader.input_key!r} of {reader.job} ({_input_prop(reader)}) lies in the upload "
                    f"folder {writer.input_folder!r} of {writer.job} ({_input_prop(writer)}): the upload removes "
                    "every object there that is not part of its input, so unless that input is one of the "
                    "upload's files, each deploy deletes it. Read the upload's folder, or keep the input elsewhere"
                )


def _inside_upload(reader: JobLocations, writer: JobLocations) -> bool:
    """Whether the reader's input lies in the folder the writer's upload prunes."""
    folder = writer.input_folder
    return (
        folder is not None and reader.input_key.startswith(folder) and writer.input_bucket.same_as(reader.input_bucket)
    )


def _input_prop(job: JobLocations) -> str:
    return prop_rules.INPUT_PREFIX_PROP if job.uploaded else prop_rules.INPUT_KEY_PROP


def _shown(prefix: str) -> str:
    return repr(prefix) if prefix else "'' (the bucket root)"
