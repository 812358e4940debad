"""The kinds of batch job the emulator serves, each described as data for the store and the API."""

import re

from .api_errors import ApiError
from .batch_jobs import JobKind
from .job_output import BadInputLine
from .recommendations import RECIPES, USER_SEGMENTATION, SolutionVersion, input_problem, theme_output

# GUESS for batch segment jobs: their default is unknown; the console's default for batch
# inference jobs is 25, and segment jobs use it too.
_DEFAULT_NUM_RESULTS = 25
# GUESS: the model sets no bounds; real-time recommendations allow 1 to 500.
_MAX_INFERENCE_NUM_RESULTS = 500
# The model's documentation: "The maximum number of users per segment is 5 million."
_MAX_SEGMENT_NUM_RESULTS = 5_000_000
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


def _answer(request: dict, solution_version: SolutionVersion, record) -> dict:
    """The recipe's answer to one input line, numResults long."""
    problem = input_problem(solution_version.recipe, record)
    if problem:
        raise BadInputLine(problem)
    return solution_version.recipe.recommend(record, solution_version, request.get("numResults", _DEFAULT_NUM_RESULTS))


def _answer_inference(request: dict, solution_version: SolutionVersion, record) -> dict:
    output = _answer(request, solution_version, record)
    return theme_output(record, output) if request.get("batchInferenceJobMode") == _THEME_MODE else output


def _named(api_name: str, **behaviour) -> JobKind:
    """A kind as the API names it ("BatchSegmentJob"): its operations, members, ARN resource
    type and noun follow from the name, as they do throughout Personalize."""
    words = re.findall("[A-Z][a-z]*", api_name)
    member = api_name[0].lower() + api_name[1:]
    return JobKind(
        resource_type="-".join(words).lower(),
        noun=" ".join(words).lower(),
        create_operation=f"Create{api_name}",
        describe_operation=f"Describe{api_name}",
        list_operation=f"List{api_name}s",
        arn_member=f"{member}Arn",
        record_member=member,
        list_member=f"{member}s",
        **behaviour,
    )


def _recipes(*, segmentation: bool) -> frozenset[str]:
    """The recipes batch segment jobs take (USER_SEGMENTATION), or those batch inference jobs take."""
    return frozenset(
        name for name, recipe in RECIPES.items() if (recipe.recipe_type == USER_SEGMENTATION) is segmentation
    )


BATCH_INFERENCE_JOB = _named(
    "BatchInferenceJob",
    recipes=_recipes(segmentation=False),
    max_num_results=_MAX_INFERENCE_NUM_RESULTS,
    output_field="recommendedItems",
    check_request=_check_inference_request,
    answer=_answer_inference,
    create_authorizes_solution_version=True,
)
BATCH_SEGMENT_JOB = _named(
    "BatchSegmentJob",
    recipes=_recipes(segmentation=True),
    max_num_results=_MAX_SEGMENT_NUM_RESULTS,
    output_field="recommendedUsers",
    answer=_answer,  # no mode or config: nothing to check beyond what every kind checks
)
JOB_KINDS = (BATCH_INFERENCE_JOB, BATCH_SEGMENT_JOB)
