"""Where a batch job writes its results."""

from __future__ import annotations

from aws_cdk import Token
from aws_cdk import aws_s3 as s3

from .handler_contract import prop_rules


class BatchOutput:
    """The S3 location a batch job writes ``<input-name>.out`` files to.

    Create one with :meth:`to_bucket`; leave the job's ``output`` unset to get a new,
    secure output bucket.
    """

    def __init__(self, bucket: s3.IBucket | None, prefix: str) -> None:
        self._bucket = bucket
        self._prefix = prefix

    @staticmethod
    def to_bucket(bucket: s3.IBucket, prefix: str = "") -> BatchOutput:
        """Write results under ``prefix`` in an existing bucket.

        :param bucket: the bucket the results go to; it receives a bucket policy for Personalize
            when it belongs to this app.
        :param prefix: a folder, ending in ``/`` (default: the bucket's root). Each run writes
            into a run folder of its own under it, so no run overwrites another's results.
        """
        _check_prefix(prefix)
        return BatchOutput(bucket, prefix)

    @staticmethod
    def _to_new_bucket() -> BatchOutput:
        return BatchOutput(None, "results/")

    @property
    def bucket(self) -> s3.IBucket | None:
        """The bucket given to :meth:`to_bucket`, or ``None`` for a new bucket."""
        return self._bucket

    @property
    def prefix(self) -> str:
        """The folder the results go to."""
        return self._prefix


def _check_prefix(prefix: str) -> None:
    # "" is the bucket's root. A token is checked by the handler at deploy, by the same rule.
    if not Token.is_unresolved(prefix) and prefix != "":
        prop_rules.check_folder(prop_rules.OUTPUT_PREFIX_PROP, prefix)
