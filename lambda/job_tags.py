"""The tag changes that turn a job's old JobTags into its new ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_personalize.type_defs import TagTypeDef


def tag_changes(old_tags: list[Any] | None, new_tags: list[Any] | None) -> tuple[list[TagTypeDef], list[str]]:
    """(tags to set with TagResource, tag keys to remove with UntagResource)."""
    old = _by_key(old_tags)
    new = _by_key(new_tags)
    to_set: list[TagTypeDef] = [
        {"tagKey": key, "tagValue": value} for key, value in new.items() if old.get(key) != value
    ]
    to_remove = [key for key in old if key not in new]
    return to_set, to_remove


def _by_key(tags: list[Any] | None) -> dict[str, str]:
    return {tag["tagKey"]: tag["tagValue"] for tag in tags or []}
