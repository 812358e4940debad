"""What a solution version recommends: deterministic stand-ins for the recipes' models.

Rankings come from sha256 of "<anchor>|<candidate>", so the same input always gives the same
output and a test can predict it; scores are the hash weights normalised over all candidates,
rounded down to 7 decimals, so they descend and sum to at most 1 like the real service's.
Item recipes rank the solution version's items; USER_SEGMENTATION recipes rank its users.
"""

import hashlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

DEFAULT_ITEM_IDS = tuple(str(number) for number in range(1, 201))
DEFAULT_USER_IDS = tuple(str(number) for number in range(1, 501))
USER_SEGMENTATION = "USER_SEGMENTATION"
"""The recipe type of the recipes batch segment jobs use; batch inference jobs use the others."""
_SCORE_DECIMALS = 7
_HASH_BYTES = 8


@dataclass(frozen=True)
class Recipe:
    name: str
    recipe_type: str
    """As Personalize's DescribeRecipe has it: USER_PERSONALIZATION, PERSONALIZED_RANKING,
    RELATED_ITEMS or USER_SEGMENTATION."""
    input_fields: Mapping[str, type]
    """The fields an input line must have, with their JSON types."""
    recommend: Callable[[dict, "SolutionVersion", int], dict]
    """(input record, the solution version, numResults) -> the line's "output"."""


@dataclass(frozen=True)
class SolutionVersion:
    arn: str
    recipe: Recipe
    item_ids: tuple[str, ...]
    user_ids: tuple[str, ...] = DEFAULT_USER_IDS
    """The users USER_SEGMENTATION recipes choose from."""


def input_problem(recipe: Recipe, record) -> str | None:
    """What keeps `record` from being an input line of `recipe`; None when it is one."""
    if not isinstance(record, dict):
        return "The input line must be a JSON object"
    for field, field_type in recipe.input_fields.items():
        if field not in record:
            return f"The input line has no {field} field"
        value = record[field]
        # GUESS: ids must be JSON strings, as the documentation's examples write them.
        if field_type is str and not (isinstance(value, str) and value):
            return f"The {field} field must be a non-empty string"
        if field_type is list and not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            return f"The {field} field must be a non-empty list of item id strings"
    return None


def theme_output(record: dict, output: dict) -> dict:
    """Theme generation's additions to a Similar-Items line: a theme and each item's relevance to it."""
    # GUESS: the real theme is generated text; any deterministic sentence stands in for it.
    theme = f"Items in the spirit of {record['itemId']}"
    items = output["recommendedItems"]
    return {**output, "theme": theme, "itemsThemeRelevanceScores": _scores(theme, items, items)}


def _user_personalization(record: dict, solution_version: SolutionVersion, num_results: int) -> dict:
    item_ids = solution_version.item_ids
    ranked = _ranked(record["userId"], item_ids)[:num_results]
    return {"recommendedItems": ranked, "scores": _scores(record["userId"], ranked, item_ids)}


def _personalized_ranking(record: dict, _solution_version: SolutionVersion, _num_results: int) -> dict:
    # GUESS: the whole itemList comes back reordered, whatever numResults says.
    item_list = record["itemList"]
    ranked = _ranked(record["userId"], item_list)
    return {"recommendedItems": ranked, "scores": _scores(record["userId"], ranked, item_list)}


def _similar_items(record: dict, solution_version: SolutionVersion, num_results: int) -> dict:
    item_id = record["itemId"]
    candidates = [candidate for candidate in solution_version.item_ids if candidate != item_id]
    return {"recommendedItems": _ranked(item_id, candidates)[:num_results]}


def _segment_by(field: str) -> Callable[[dict, SolutionVersion, int], dict]:
    """A USER_SEGMENTATION recipe: the users most drawn to the input line's `field`, best first."""

    def segment(record: dict, solution_version: SolutionVersion, num_results: int) -> dict:
        # GUESS: the real output has no scores; an Item-Attribute-Affinity expression is not
        # parsed, its text only anchors the ranking.
        return {"recommendedUsers": _ranked(record[field], solution_version.user_ids)[:num_results]}

    return segment


def _ranked(anchor: str, candidates: Sequence[str]) -> list[str]:
    return sorted(candidates, key=lambda item: (-_affinity(anchor, item), item))


def _scores(anchor: str, ranked: Sequence[str], candidates: Sequence[str]) -> list[float]:
    total = sum(_affinity(anchor, item) for item in candidates)
    scale = 10**_SCORE_DECIMALS
    return [math.floor(_affinity(anchor, item) / total * scale) / scale for item in ranked]


def _affinity(anchor: str, item: str) -> float:
    digest = hashlib.sha256(f"{anchor}|{item}".encode()).digest()
    # Never 0, so a total over any candidates is never 0 either.
    return (int.from_bytes(digest[:_HASH_BYTES], "big") + 1) / 2 ** (8 * _HASH_BYTES)


RECIPES = {
    recipe.name: recipe
    for recipe in (
        Recipe("user-personalization", "USER_PERSONALIZATION", {"userId": str}, _user_personalization),
        Recipe(
            "personalized-ranking", "PERSONALIZED_RANKING", {"userId": str, "itemList": list}, _personalized_ranking
        ),
        Recipe("similar-items", "RELATED_ITEMS", {"itemId": str}, _similar_items),
        Recipe("item-affinity", USER_SEGMENTATION, {"itemId": str}, _segment_by("itemId")),
        Recipe("item-attribute-affinity", USER_SEGMENTATION, {"itemAttributes": str}, _segment_by("itemAttributes")),
    )
}
