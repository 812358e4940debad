"""The BatchInferenceJob construct: one Amazon Personalize batch inference job, run at deploy time."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Unpack

from aws_cdk import Token
from constructs import Construct

from . import prop_checks
from .batch_job import BatchJob, BatchJobProps
from .handler_contract import contract
from .job_mode import BatchInferenceJobMode

_P = contract.Property


class BatchInferenceJobProps(BatchJobProps, total=False):
    """The props of ``BatchInferenceJob``: those of every batch job, and these."""

    exploration_weight: float
    """User-Personalization ``explorationWeight``, 0 to 1 (default: the recipe's, 0.3)."""
    exploration_item_age_cut_off: float
    """User-Personalization ``explorationItemAgeCutOff`` in days, above 0 (default: the recipe's, 30)."""
    ranking_influence: Mapping[str, float]
    """Weights from 0 to 1 for ``POPULARITY`` and ``FRESHNESS`` (default: none)."""
    mode: BatchInferenceJobMode
    """``BATCH_INFERENCE`` or ``THEME_GENERATION`` (default: ``BATCH_INFERENCE``)."""
    theme_item_name_field: str
    """The items column with item names; required in ``THEME_GENERATION`` mode (default: none)."""


class BatchInferenceJob(BatchJob):
    """One Amazon Personalize batch inference job, created at deploy time and waited for.

    Recommends items for each line of the input (users, or items for similar items). ``cdk
    deploy`` finishes when the recommendations are in S3 and fails with Personalize's own reason
    when the job fails. The job runs again when what it computes changes (its input content,
    solution version, output, settings) and not otherwise.
    """

    _kind = contract.BATCH_INFERENCE
    _props_type: ClassVar[type[Any]] = BatchInferenceJobProps
    _default_num_results: ClassVar[int | None] = 25

    def __init__(self, scope: Construct, construct_id: str, **props: Unpack[BatchInferenceJobProps]) -> None:
        """Define the job; ``cdk deploy`` runs it.

        :param scope: the construct this job belongs to (a ``Stack``, or a construct in one).
        :param construct_id: the job's id in ``scope``, also its default ``job_name_prefix``.
        :param props: keyword props, each documented with its default in ``BatchInferenceJobProps`` and in
            the README's Props table; ``solution_version_arn`` and ``input`` are required.
        """
        self._define(scope, construct_id, props)

    @classmethod
    def _job_kind_properties(cls, props: Mapping[str, Any]) -> dict[str, Any]:
        exploration_weight = props.get("exploration_weight")
        exploration_item_age_cut_off = props.get("exploration_item_age_cut_off")
        ranking_influence = props.get("ranking_influence")
        mode = _mode(props.get("mode", BatchInferenceJobMode.BATCH_INFERENCE))
        theme_item_name_field = props.get("theme_item_name_field")
        prop_checks.check_number("exploration_weight", exploration_weight, low=0, high=1)
        prop_checks.check_number("exploration_item_age_cut_off", exploration_item_age_cut_off, low=0, low_open=True)
        prop_checks.check_weights("ranking_influence", ranking_influence)
        if mode == BatchInferenceJobMode.THEME_GENERATION and theme_item_name_field is None:
            raise ValueError("theme_item_name_field is required when mode is THEME_GENERATION")
        if mode != BatchInferenceJobMode.THEME_GENERATION and theme_item_name_field is not None:
            raise ValueError("theme_item_name_field applies only when mode is THEME_GENERATION")
        prop_checks.check_column("theme_item_name_field", theme_item_name_field)
        return {
            _P.ITEM_EXPLORATION_CONFIG: _exploration_config(exploration_weight, exploration_item_age_cut_off),
            _P.RANKING_INFLUENCE: dict(sorted(ranking_influence.items())) if ranking_influence else None,
            _P.JOB_MODE: mode.value if mode != BatchInferenceJobMode.BATCH_INFERENCE else None,
            _P.THEME_ITEM_NAME_FIELD: theme_item_name_field,
        }


def _mode(value: Any) -> BatchInferenceJobMode:
    """A member, or its value as a string (the enum is a ``str`` enum)."""
    if prop_checks.is_token(value):
        # The mode decides which other props apply: it must be known when they are checked.
        raise ValueError("mode must be known at synth time, not a token")
    try:
        return BatchInferenceJobMode(value)
    except ValueError:
        raise ValueError(
            f"mode must be one of {', '.join(m.value for m in BatchInferenceJobMode)}, got {value!r}"
        ) from None


def _exploration_config(weight: float | None, age_cut_off: float | None) -> dict[str, str | float] | None:
    # The API takes these hyperparameters as strings; a token (a number until deploy) stays as it is.
    given = {
        "explorationWeight": weight,
        "explorationItemAgeCutOff": age_cut_off,
    }
    # str() keeps every digit the user wrote (0.1234567, not 0.123457).
    config: dict[str, str | float] = {
        key: value if Token.is_unresolved(value) else str(value) for key, value in given.items() if value is not None
    }
    return config or None
