"""Synth-time refusal of results written where the input is read or uploaded.

An output folder equal to, inside or containing a folder input in the same bucket makes the next
run read the ``.out`` files as input; inside a ``from_asset`` prefix, the upload (which removes
every object under its prefix that is not part of the input) deletes the previous results.
Checked only where both buckets are known to be the same or different: the same construct, or
literal bucket names. Tokens (a bucket name or a key from a ``CfnParameter``) are left to the
handler, which applies the same rule (``prop_rules``) to the names it gets at deploy.
"""

from __future__ import annotations

from aws_cdk import Token
from aws_cdk import aws_s3 as s3

from .handler_contract import prop_rules


def check_results_apart_from_input(
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
        return  # the handler checks them at deploy, by the same rule
    prop_rules.check_results_apart_from_input(
        input_key=input_key,
        uploaded=uploaded,
        output_prefix=output_prefix,
        same_bucket=lambda: _same_bucket(input_bucket, output_bucket),
    )


def _same_bucket(first: s3.IBucket, second: s3.IBucket) -> bool:
    """Whether both are known to be one bucket; unknown (token names) counts as not."""
    if first.node.path == second.node.path:
        return True
    names = (first.bucket_name, second.bucket_name)
    return not any(Token.is_unresolved(name) for name in names) and names[0] == names[1]
