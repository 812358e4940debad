"""The tag changes that turn a job's old JobTags into its new ones."""


def tag_changes(old_tags: list | None, new_tags: list | None) -> tuple[list[dict], list[str]]:
    """(tags to set with TagResource, tag keys to remove with UntagResource)."""
    old = _by_key(old_tags)
    new = _by_key(new_tags)
    to_set = [{"tagKey": key, "tagValue": value} for key, value in new.items() if old.get(key) != value]
    to_remove = [key for key in old if key not in new]
    return to_set, to_remove


def _by_key(tags: list | None) -> dict[str, str]:
    return {tag["tagKey"]: tag["tagValue"] for tag in tags or []}
