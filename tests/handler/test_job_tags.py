from job_tags import tag_changes


def _tags(**pairs):
    return [{"tagKey": key, "tagValue": value} for key, value in pairs.items()]


def test_new_and_changed_tags_are_set_and_dropped_keys_removed():
    to_set, to_remove = tag_changes(_tags(team="recs", env="dev", old="x"), _tags(team="recs", env="prod", cost="42"))

    assert to_set == _tags(env="prod", cost="42")
    assert to_remove == ["old"]


def test_unchanged_or_absent_tags_change_nothing():
    assert tag_changes(_tags(team="recs"), _tags(team="recs")) == ([], [])
    assert tag_changes(None, None) == ([], [])


def test_tags_on_a_job_that_had_none_are_all_set():
    assert tag_changes(None, _tags(team="recs")) == (_tags(team="recs"), [])
    assert tag_changes(_tags(team="recs"), None) == ([], ["team"])
