"""The kinds of batch job the emulator serves, each described as data for the store and the API."""

from .api_errors import ApiError
from .batch_jobs import JobKind
from .job_output import BadInputLine
from .recommendations import RECIPES, SolutionVersion, input_problem, theme_output

_DEFAULT_NUM_RESULTS = 25
_THEME_MODE = "THEME_GENERATION"
_THEME_RECIPE = "similar-items"
_EXPLORATION_RECIPE = "user-personalization"
_EXPLORATION_WEIGHT = "explorationWeight"
_EXPLORATION_AGE_CUT_OFF = "explorationItemAgeCutOff"


def _check_inference_request(request: dict, solution_version: SolutionVersion) -> None:
    recipe = solution_version.recipe.name
    # GUESS: the service checks these at create rather than failing the job later; the rules are documented.
    if request.get("batchInferenceJobMode") == _THEME_MODE:
        if "themeGenerationConfig" not in request:
            raise ApiError(
                "InvalidInputException",
                f"themeGenerationConfig is required when batchInferenceJobMode is {_THEME_MODE}.",
            )
        if recipe != _THEME_RECIPE:
            raise ApiError(
                "InvalidInputException",
                f"Theme generation needs a solution version trained with the {_THEME_RECIPE} recipe; "
                f"{solution_version.arn} uses {recipe}.",
            )
    exploration = request.get("batchInferenceJobConfig", {}).get("itemExplorationConfig")
    if exploration is None:
        return
    if recipe != _EXPLORATION_RECIPE:
        raise ApiError(
            "InvalidInputException",
            f"itemExplorationConfig applies to the {_EXPLORATION_RECIPE} recipe only; "
            f"{solution_version.arn} uses {recipe}.",
        )
    for key, value in exploration.items():
        if key not in (_EXPLORATION_WEIGHT, _EXPLORATION_AGE_CUT_OFF):
            raise ApiError(
                "InvalidInputException",
                f"Unknown itemExplorationConfig key {key}: use {_EXPLORATION_WEIGHT} or {_EXPLORATION_AGE_CUT_OFF}.",
            )
        try:
            number = float(value)
        except ValueError:
            number = None
        valid = number is not None and (0 <= number <= 1 if key == _EXPLORATION_WEIGHT else number > 0)
        if not valid:
            expected = "a number from 0 to 1" if key == _EXPLORATION_WEIGHT else "a number of days above 0"
            raise ApiError("InvalidInputException", f"itemExplorationConfig {key} must be {expected}, got {value!r}.")


def _answer_inference(request: dict, solution_version: SolutionVersion, record) -> dict:
    problem = input_problem(solution_version.recipe, record)
    if problem:
        raise BadInputLine(problem)
    output = solution_version.recipe.recommend(
        record, solution_version.item_ids, request.get("numResults", _DEFAULT_NUM_RESULTS)
    )
    return theme_output(record, output) if request.get("batchInferenceJobMode") == _THEME_MODE else output


BATCH_INFERENCE_JOB = JobKind(
    resource_type="batch-inference-job",
    noun="batch inference job",
    create_operation="CreateBatchInferenceJob",
    describe_operation="DescribeBatchInferenceJob",
    list_operation="ListBatchInferenceJobs",
    arn_member="batchInferenceJobArn",
    record_member="batchInferenceJob",
    list_member="batchInferenceJobs",
    recipes=frozenset(RECIPES),
    check_request=_check_inference_request,
    answer=_answer_inference,
)

JOB_KINDS = (BATCH_INFERENCE_JOB,)
