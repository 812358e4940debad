"""The new output bucket keeps earlier versions of results for a while; the input bucket keeps none."""

from __future__ import annotations

from .cfn import logical_id

EXPIRE_NONCURRENT = "ExpireNoncurrentVersions"


def _bucket(synth, stack_name: str, bucket) -> dict:
    return synth.json[stack_name]["Resources"][logical_id(bucket)]


def _checkov_skips(resource: dict) -> dict[str, str]:
    return {skip["id"]: skip["comment"] for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])}


def test_the_output_bucket_is_versioned_and_expires_earlier_versions_after_30_days_by_default(synth):
    bucket = _bucket(synth, "Defaults", synth.built.jobs["defaults"].output_bucket)
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["Properties"]["LifecycleConfiguration"] == {
        "Rules": [
            {
                "Id": EXPIRE_NONCURRENT,
                "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                "ExpiredObjectDeleteMarker": True,
                "Status": "Enabled",
            }
        ]
    }
    assert "CKV_AWS_21" not in _checkov_skips(bucket)


def test_the_period_earlier_versions_are_kept_is_a_prop(synth):
    bucket = _bucket(synth, "Versions", synth.built.jobs["week_of_versions"].output_bucket)
    (rule,) = bucket["Properties"]["LifecycleConfiguration"]["Rules"]
    assert rule["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}


def _assert_unversioned_saying_why(bucket: dict, why: str) -> None:
    assert "VersioningConfiguration" not in bucket["Properties"]
    assert "LifecycleConfiguration" not in bucket["Properties"]
    assert why in _checkov_skips(bucket)["CKV_AWS_21"]


def test_output_versioned_false_turns_versioning_off_and_says_so_to_checkov(synth):
    bucket = _bucket(synth, "Versions", synth.built.jobs["unversioned"].output_bucket)
    _assert_unversioned_saying_why(bucket, "output_versioned=False")


def test_a_destroyed_output_bucket_is_versioned_too(synth):
    # aws-cdk-lib's auto-delete handler deletes every version before the bucket.
    bucket = _bucket(synth, "Full", synth.built.jobs["full"].output_bucket)
    assert bucket["DeletionPolicy"] == "Delete"
    assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}


def test_the_input_bucket_keeps_no_versions_of_the_copied_input(synth):
    bucket = _bucket(synth, "Defaults", synth.built.jobs["defaults"].input_bucket)
    _assert_unversioned_saying_why(bucket, "copy")


def test_a_given_output_bucket_is_left_as_the_app_defines_it(synth):
    data = _bucket(synth, "Byo", synth.built.constructs["data"])
    assert "VersioningConfiguration" not in data.get("Properties", {})
    assert _checkov_skips(data) == {}
