"""The two modes of a batch inference job."""

from enum import StrEnum


class BatchInferenceJobMode(StrEnum):
    """What a batch inference job computes (the API's ``batchInferenceJobMode``)."""

    BATCH_INFERENCE = "BATCH_INFERENCE"
    """Recommendations (or ranked items) for each input line: the API's default."""

    THEME_GENERATION = "THEME_GENERATION"
    """Similar items grouped under a generated theme; needs ``theme_item_name_field``."""
