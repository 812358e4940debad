"""The BatchSegmentJob construct: one Amazon Personalize batch segment job, run at deploy time."""

from __future__ import annotations

from .batch_job import BatchJob
from .handler_contract import contract


class BatchSegmentJob(BatchJob):
    """One Amazon Personalize batch segment job, created at deploy time and waited for.

    Finds the users most likely to interact with each line of the input: an item
    (``{"itemId": "105"}``, Item-Affinity recipe) or item attributes
    (``{"itemAttributes": "ITEMS.genres = \\"Comedy\\""}``, Item-Attribute-Affinity recipe); the
    solution version must use a USER_SEGMENTATION recipe. Each output line lists
    ``recommendedUsers``. Deploys wait, fail and re-run exactly as for ``BatchInferenceJob``;
    segment jobs have their own quota of concurrent jobs and queue behind it the same way.
    """

    _kind = contract.BATCH_SEGMENT
