"""Synth-time refusal of results written where the input is read or uploaded.

An output folder equal to, inside or containing a folder input in the same bucket makes the next
run read the ``.out`` files as input; inside a ``from_asset`` prefix, the upload (which removes
every object under its prefix that is not part of the input) deletes the previous results.
Checked only where both buckets are known to be the same or different: the same construct, or
literal bucket names. Tokens (a bucket name or a key from a ``CfnParameter``) are skipped.
"""

from __future__ import annotations

from aws_cdk import Token
from aws_cdk import aws_s3 as s3
from constructs import Construct


def check_results_apart_from_input(
    job: Construct,
    *,
    input_bucket: s3.IBucket,
    input_key: str,
    uploaded: bool,
    output_bucket: s3.IBucket,
    output_prefix: str,
) -> None:
    """Raise a ValueError naming ``input`` and ``output`` when the results would overlap the input.

    :param input_key: the input's object key, or its folder prefix ending in ``/``.
    :param uploaded: whether the input is uploaded by ``from_asset``, which owns (prunes) the
        folder holding ``input_key``.
    """
    if Token.is_unresolved(input_key) or Token.is_unresolved(output_prefix):
        return
    if uploaded:
        input_folder = input_key[: input_key.rfind("/") + 1]
        source = "BatchInput.from_asset key_prefix, which the upload prunes"
    elif input_key.endswith("/"):
        input_folder = input_key
        source = "BatchInput.from_bucket key"
    else:
        # Results are written as <name>.out files: they cannot be a single input object.
        return
    if not (output_prefix.startswith(input_folder) or input_folder.startswith(output_prefix)):
        return
    if not _same_bucket(input_bucket, output_bucket):
        return
    inside = output_prefix.startswith(input_folder)
    relation = "is" if output_prefix == input_folder else "is inside" if inside else "contains"
    consequence = (
        "the upload removes every object there that is not part of the input, so it deletes the previous results"
        if uploaded and inside
        else "the next run would read the results (.out files) as input"
    )
    raise ValueError(
        f"{job.node.path}: the output folder {output_prefix or '(the bucket root)'!r} (output, BatchOutput.to_bucket "
        f"prefix) {relation} the input folder {input_folder!r} (input, {source}) in the same bucket: "
        f"{consequence}. Give output a folder that neither is, contains nor lies inside the input folder "
        f"(e.g. 'results/' next to 'input/'), or another bucket"
    )


def _same_bucket(first: s3.IBucket, second: s3.IBucket) -> bool:
    """Whether both are known to be one bucket; unknown (token names) counts as not."""
    if first.node.path == second.node.path:
        return True
    names = (first.bucket_name, second.bucket_name)
    return not any(Token.is_unresolved(name) for name in names) and names[0] == names[1]
