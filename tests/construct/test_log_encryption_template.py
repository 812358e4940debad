"""The provider's log groups are encrypted with the key of the stack's first job that has one, and
the key's policy lets CloudWatch Logs use it."""

from __future__ import annotations

from aws_cdk.assertions import Annotations, Match

from .cfn import get_att, logical_id, resources

LOGS_KEY_ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
IMPORTED_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def _log_groups(template: dict) -> dict[str, dict]:
    return resources(template, "AWS::Logs::LogGroup")


def _skipped(resource: dict) -> list[str]:
    return [skip["id"] for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])]


def test_without_a_key_the_log_groups_keep_cloudwatch_logs_encryption_acknowledged_for_checkov(synth):
    log_groups = _log_groups(synth.json["Defaults"])
    assert len(log_groups) == 4  # the two handlers', the framework's and the waiter's
    for log_group in log_groups.values():
        assert "KmsKeyId" not in log_group["Properties"]
        assert _skipped(log_group) == ["CKV_AWS_158"]


def test_with_a_key_every_log_group_of_the_provider_is_encrypted_with_it(synth):
    key = synth.built.constructs["key"]
    log_groups = _log_groups(synth.json["Full"])
    assert len(log_groups) == 4
    for log_group in log_groups.values():
        assert log_group["Properties"]["KmsKeyId"] == get_att(key)
        assert "CKV_AWS_158" not in _skipped(log_group)


def test_the_key_policy_lets_cloudwatch_logs_of_this_account_and_region_use_the_key(synth):
    key = synth.built.constructs["key"]
    statements = synth.json["Full"]["Resources"][logical_id(key)]["Properties"]["KeyPolicy"]["Statement"]
    for_logs = [s for s in statements if "logs." in str(s.get("Principal", {}).get("Service", ""))]
    assert for_logs == [
        {
            "Action": LOGS_KEY_ACTIONS,
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": {
                        "Fn::Join": [
                            "",
                            [
                                "arn:",
                                {"Ref": "AWS::Partition"},
                                ":logs:",
                                {"Ref": "AWS::Region"},
                                ":",
                                {"Ref": "AWS::AccountId"},
                                ":log-group:*",
                            ],
                        ]
                    }
                }
            },
            "Effect": "Allow",
            "Principal": {"Service": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]}},
            "Resource": "*",
        }
    ]
    warnings = Annotations.from_stack(synth.built.stacks["Full"]).find_warning(
        "*", Match.string_like_regexp(".*keyPolicyNotAdded.*")
    )
    assert warnings == []


def test_the_first_job_with_a_key_decides_also_after_jobs_without_one(synth):
    # Mixed: a job with no key, then one with a key.
    log_groups = _log_groups(synth.json["Mixed"])
    assert {str(g["Properties"].get("KmsKeyId")) for g in log_groups.values()} == {
        str(get_att(synth.built.constructs["mixed_key"]))
    }


def test_an_imported_key_encrypts_the_log_groups_and_warns_what_its_policy_needs(synth):
    log_groups = _log_groups(synth.json["Byo"])
    assert {g["Properties"].get("KmsKeyId") for g in log_groups.values()} == {IMPORTED_KEY_ARN}
    (warning,) = Annotations.from_stack(synth.built.stacks["Byo"]).find_warning(
        "*", Match.string_like_regexp(".*keyPolicyNotAdded.*")
    )
    assert "logs." in warning.entry.data and IMPORTED_KEY_ARN in warning.entry.data


def _scheduled_runs_log_group(template: dict) -> dict:
    (log_group,) = (g for name, g in _log_groups(template).items() if name.startswith("PersonalizeBatchScheduledRuns"))
    return log_group


def test_the_scheduled_runs_log_group_is_treated_as_the_providers_are(synth):
    unencrypted = _scheduled_runs_log_group(synth.json["Scheduled"])
    assert "KmsKeyId" not in unencrypted["Properties"]
    assert _skipped(unencrypted) == ["CKV_AWS_158"]

    encrypted = _scheduled_runs_log_group(synth.json["ScheduledKeyed"])
    assert encrypted["Properties"]["KmsKeyId"] == get_att(synth.built.constructs["scheduled_key"])
    assert "CKV_AWS_158" not in _skipped(encrypted)
