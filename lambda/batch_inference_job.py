"""Custom::PersonalizeBatchInferenceJob: the request and API names of a batch inference job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from batch_job import BatchJobHandler
from contract import BATCH_INFERENCE, Property
from resource_properties import drop_absent, float_map

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient
    from mypy_boto3_personalize.type_defs import BatchInferenceJobTypeDef


class BatchInferenceJobHandler(BatchJobHandler):
    kind = BATCH_INFERENCE

    def _job_kind_request(self) -> dict[str, Any]:
        properties = self._properties
        theme_item_name = properties.get(Property.THEME_ITEM_NAME_FIELD)
        return {
            "batchInferenceJobConfig": drop_absent(
                {
                    # Sent as CloudFormation gives it: the API types this map as strings.
                    "itemExplorationConfig": properties.get(Property.ITEM_EXPLORATION_CONFIG),
                    "rankingInfluence": float_map(properties, Property.RANKING_INFLUENCE),
                }
            ),
            "batchInferenceJobMode": properties.get(Property.JOB_MODE),
            "themeGenerationConfig": (
                {"fieldsForThemeGeneration": {"itemName": theme_item_name}} if theme_item_name else None
            ),
        }

    @staticmethod
    def create(personalize: PersonalizeClient, request: dict[str, Any]) -> None:
        personalize.create_batch_inference_job(**request)

    @staticmethod
    def describe(personalize: PersonalizeClient, arn: str) -> BatchInferenceJobTypeDef:
        return personalize.describe_batch_inference_job(batchInferenceJobArn=arn)["batchInferenceJob"]
