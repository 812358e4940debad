"""What BatchInferenceJob puts in a template: the job resource, its permissions, buckets, upload and provider.

One app with a few stacks (see ``stacks.py``) is synthesized once per test session (``conftest.py``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match, Template

from personalize_batch_constructs import BatchInferenceJob, BatchInput

from .cfn import (
    all_grants,
    as_list,
    canonical,
    get_att,
    grants,
    logical_id,
    objects_of,
    personalize_arn,
    policies_of_role,
    ref,
    resources,
    s3_uri,
    statements,
)
from .stacks import (
    EXTERNAL_BUCKET,
    FILTER_ARN,
    IMPORTED_KEY_ARN,
    IMPORTED_ROLE_ARN,
    SOLUTION_VERSION_ARN,
    SOLUTION_VERSION_ARN_WITH_VERSION,
    TWENTY,
)

INPUT_COPY_RESOURCE_TYPE = "Custom::PersonalizeBatchInputCopy"

JOB_RESOURCE_TYPE = "Custom::PersonalizeBatchInferenceJob"
PERSONALIZE = "personalize.amazonaws.com"
ACCOUNT = {"Ref": "AWS::AccountId"}
SOURCE_ACCOUNT = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
ROLE_KEY_ACTIONS = {"kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:ListGrants"}
HASH = re.compile(r"^[0-9a-f]{64}$")
TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent


def job_resource_id(job: BatchInferenceJob) -> str:
    return logical_id(job.node.find_child("Resource"))


def handler_policy(template: dict) -> dict:
    """The statements of the provider's handler role (shared by both handler functions), from its
    policy and the overflow policies CDK splits off a large one."""
    documents = [
        p["Properties"]["PolicyDocument"]
        for lid, p in {
            **resources(template, "AWS::IAM::Policy"),
            **resources(template, "AWS::IAM::ManagedPolicy"),
        }.items()
        if lid.startswith("PersonalizeBatchJobProviderHandlerRole")
    ]
    assert documents
    return {"Version": "2012-10-17", "Statement": [s for document in documents for s in statements(document)]}


def bucket_policy_document(template: dict, bucket) -> dict:
    (policy,) = [
        p for p in resources(template, "AWS::S3::BucketPolicy").values() if p["Properties"]["Bucket"] == ref(bucket)
    ]
    return policy["Properties"]["PolicyDocument"]


def personalize_statements(document: dict) -> list[dict]:
    return [s for s in statements(document) if s.get("Principal") == {"Service": PERSONALIZE}]


# ---------------------------------------------------------------------------------------------
# The job resource and its properties


def test_one_job_resource_of_the_custom_type_per_job(synth):
    synth.templates["Defaults"].resource_count_is(JOB_RESOURCE_TYPE, 1)
    synth.templates["Full"].resource_count_is(JOB_RESOURCE_TYPE, 2)
    synth.templates["Byo"].resource_count_is(JOB_RESOURCE_TYPE, 4)
    synth.templates["Twenty"].resource_count_is(JOB_RESOURCE_TYPE, TWENTY)


def test_defaults_write_the_required_properties_only(synth):
    job = synth.built.jobs["defaults"]
    synth.templates["Defaults"].has_resource_properties(
        JOB_RESOURCE_TYPE,
        {
            "ServiceToken": Match.any_value(),
            "ServiceTimeout": "3600",
            "JobNamePrefix": "Nightly",  # the construct id
            "SolutionVersionArn": SOLUTION_VERSION_ARN,
            "InputPath": s3_uri(ref(job.input_bucket), "/input/users.json"),
            "OutputPath": s3_uri(ref(job.output_bucket), "/results/"),
            "RoleArn": get_att(job.role),
            "NumResults": "25",
            "InputVersion": Match.string_like_regexp(HASH.pattern),
            "TimeoutSeconds": Match.any_value(),
            "PollIntervalSeconds": Match.any_value(),
            "FilterArn": Match.absent(),
            "KmsKeyArn": Match.absent(),
            "ItemExplorationConfig": Match.absent(),
            "RankingInfluence": Match.absent(),
            "JobMode": Match.absent(),
            "ThemeItemNameField": Match.absent(),
            "JobTags": Match.absent(),
        },
    )
    # CloudFormation hands every scalar to the handler as a string: compare what it will receive.
    props = synth.props("defaults")
    # The default timeout is the hour; the handler stops 2 minutes early so its own message wins.
    assert str(props["TimeoutSeconds"]) == "3480"
    assert str(props["PollIntervalSeconds"]) == "60"


def test_every_optional_prop_reaches_the_job_properties(synth):
    job = synth.built.jobs["full"]
    props = synth.props("full")
    assert props["JobNamePrefix"] == "full_run-1"
    assert props["NumResults"] == "50"
    assert props["FilterArn"] == FILTER_ARN
    # The API takes the exploration hyperparameters as strings.
    assert props["ItemExplorationConfig"] == {"explorationWeight": "0.3", "explorationItemAgeCutOff": "30"}
    assert {key: float(value) for key, value in props["RankingInfluence"].items()} == {
        "POPULARITY": 0.3,
        "FRESHNESS": 0.5,
    }
    assert props["JobTags"] == [
        {"tagKey": "cost-center", "tagValue": "42"},
        {"tagKey": "team", "tagValue": "recs"},
    ]
    assert props["KmsKeyArn"] == get_att(synth.built.constructs["key"])
    assert str(props["TimeoutSeconds"]) == "1800"  # below the hour: the timeout as given
    assert str(props["PollIntervalSeconds"]) == "45"
    assert props["ServiceTimeout"] == "3600"
    assert props["RoleArn"] == get_att(job.role)
    assert "JobMode" not in props and "ThemeItemNameField" not in props


def test_theme_generation_writes_mode_and_item_name_field(synth):
    props = synth.props("theme")
    assert props["JobMode"] == "THEME_GENERATION"
    assert props["ThemeItemNameField"] == "title"
    assert props["SolutionVersionArn"] == SOLUTION_VERSION_ARN_WITH_VERSION


def test_num_results_is_written_as_a_whole_number_string(synth):
    # num_results=25.0 is accepted as a whole number: the handler parses the property with int(),
    # so "25.0" would fail the deploy.
    assert synth.props("theme")["NumResults"] == "25"


def test_input_and_output_paths_for_each_kind_of_location(synth):
    jobs, built = synth.built.jobs, synth.built
    data = built.constructs["data"]
    # A file asset: the object in the new input bucket's input/ folder.
    assert synth.props("full")["InputPath"] == s3_uri(ref(jobs["full"].input_bucket), "/input/users.json")
    # A folder asset: the folder itself, ending in "/".
    assert synth.props("theme")["InputPath"] == s3_uri(ref(jobs["theme"].input_bucket), "/input/")
    # to_bucket with a prefix.
    assert synth.props("theme")["OutputPath"] == s3_uri(ref(built.constructs["results"]), "/themes/")
    # from_bucket: an object, and a folder prefix in a bucket imported by name.
    assert synth.props("from_object")["InputPath"] == s3_uri(ref(data), "/users/users.json")
    assert synth.props("from_folder")["InputPath"] == f"s3://{EXTERNAL_BUCKET}/batch/"
    # to_bucket without a prefix: the bucket's root.
    assert synth.props("from_object")["OutputPath"] == s3_uri(ref(data), "/out/")
    assert synth.props("from_folder")["OutputPath"] == s3_uri(ref(data), "/")
    # An asset uploaded to a given bucket: into key_prefix, or a folder named after the job.
    assert synth.props("asset_to_mine")["InputPath"] == s3_uri(ref(data), "/uploads/users.json")
    default_prefix = synth.props("asset_default_prefix")["InputPath"]["Fn::Join"][1]
    assert default_prefix[:2] == ["s3://", ref(data)]
    assert re.fullmatch(r"/AssetDefaultPrefix-[0-9a-f]{8}/", default_prefix[2]), default_prefix


def test_job_name_prefix_defaults_to_the_construct_id_made_valid(synth):
    prefix = synth.props("from_folder")["JobNamePrefix"]
    assert prefix == "Weekly-recommendations--all-users-of-the-mobile-ap"
    assert len(prefix) == 50


def test_input_version_is_the_uploaded_asset_hash_and_absent_for_bucket_input(synth):
    for name in ("defaults", "full", "theme", "asset_to_mine", "asset_default_prefix", "twenty_0"):
        assert HASH.match(synth.props(name).get("InputVersion", "")), name
    for name in ("from_object", "from_folder", "tokens"):
        assert "InputVersion" not in synth.props(name), name
    # Same content, same version: twenty jobs on one file share it.
    versions = {synth.props(f"twenty_{index}")["InputVersion"] for index in range(TWENTY)}
    assert versions == {synth.props("defaults")["InputVersion"]}
    assert synth.props("theme")["InputVersion"] != synth.props("full")["InputVersion"]


def _input_versions(app_dir: Path, inputs: dict[str, Path]) -> dict[str, str]:
    app = App(outdir=str(app_dir))
    stack = Stack(app, "Versions")
    jobs = {
        name: BatchInferenceJob(
            stack, name, solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(path))
        )
        for name, path in inputs.items()
    }
    template = Template.from_stack(stack).to_json()
    return {
        name: template["Resources"][job_resource_id(job)]["Properties"]["InputVersion"] for name, job in jobs.items()
    }


def test_input_version_changes_with_the_content_and_only_with_it(tmp_path):
    edited, same, other, folder = (tmp_path / name for name in ("edited", "same", "other", "folder"))
    for directory in (edited, same, other, folder):
        directory.mkdir()
    (edited / "users.json").write_text('{"userId": "1"}\n')
    (same / "users.json").write_text('{"userId": "1"}\n')
    (other / "users.json").write_text('{"userId": "2"}\n')
    (folder / "a.json").write_text('{"userId": "1"}\n')
    first = _input_versions(
        tmp_path / "out1",
        {"Edited": edited / "users.json", "Same": same / "users.json", "Other": other / "users.json", "Folder": folder},
    )
    # Another file with the same name and content elsewhere: same version; other content: another.
    assert first["Same"] == first["Edited"]
    assert first["Other"] != first["Edited"]

    (edited / "users.json").write_text('{"userId": "2"}\n')
    os.utime(same / "users.json", (1_000_000_000, 1_000_000_000))  # touched, not changed
    (folder / "b.json").write_text('{"userId": "3"}\n')
    second = _input_versions(
        tmp_path / "out2", {"Edited": edited / "users.json", "Same": same / "users.json", "Folder": folder}
    )
    assert second["Edited"] != first["Edited"]
    assert second["Edited"] == first["Other"]
    assert second["Same"] == first["Same"]
    assert second["Folder"] != first["Folder"]


def test_properties_that_are_tokens_pass_synth_unvalidated(synth):
    props = synth.props("tokens")
    assert props["SolutionVersionArn"] == {"Ref": "SolutionVersionArn"}
    assert props["JobNamePrefix"] == {"Ref": "JobNamePrefix"}
    assert props["NumResults"] == {"Ref": "NumResults"}
    assert props["ItemExplorationConfig"] == {"explorationWeight": {"Ref": "ExplorationWeight"}}


def test_attributes_resolve_to_the_job_resource_attributes(synth):
    job = synth.built.jobs["defaults"]
    stack = Stack.of(job)
    resource_id = job_resource_id(job)
    assert stack.resolve(job.job_arn) == {"Fn::GetAtt": [resource_id, "JobArn"]}
    assert stack.resolve(job.job_name) == {"Fn::GetAtt": [resource_id, "JobName"]}
    assert stack.resolve(job.output_s3_uri) == {"Fn::GetAtt": [resource_id, "OutputPath"]}
    synth.templates["Defaults"].has_output("JobArn", {"Value": {"Fn::GetAtt": [resource_id, "JobArn"]}})


# ---------------------------------------------------------------------------------------------
# The service role


def test_service_role_trusts_only_personalize_of_this_account_and_region(synth):
    job = synth.built.jobs["defaults"]
    role = synth.json["Defaults"]["Resources"][logical_id(job.role)]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": PERSONALIZE},
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
                "ArnLike": {"aws:SourceArn": personalize_arn(ACCOUNT, "*")},
            },
        }
    ]
    assert "ManagedPolicyArns" not in role["Properties"]


def _service_role_grants(template: dict, job: BatchInferenceJob) -> set:
    return all_grants(p["Properties"]["PolicyDocument"] for p in policies_of_role(template, ref(job.role)))


def test_service_role_may_read_the_input_object_write_the_output_folder_and_list_both(synth):
    job = synth.built.jobs["defaults"]
    input_arn, output_arn = get_att(job.input_bucket), get_att(job.output_bucket)
    assert _service_role_grants(synth.json["Defaults"], job) == {
        ("Allow", "s3:GetObject", canonical(objects_of(input_arn, "/input/users.json"))),
        ("Allow", "s3:ListBucket", canonical(input_arn)),
        ("Allow", "s3:PutObject", canonical(objects_of(output_arn, "/results/*"))),
        ("Allow", "s3:ListBucket", canonical(output_arn)),
    }


def test_service_role_reads_a_folder_input_by_its_prefix(synth):
    job = synth.built.jobs["theme"]
    results = get_att(synth.built.constructs["results"])
    assert _service_role_grants(synth.json["Full"], job) == {
        ("Allow", "s3:GetObject", canonical(objects_of(get_att(job.input_bucket), "/input/*"))),
        ("Allow", "s3:ListBucket", canonical(get_att(job.input_bucket))),
        ("Allow", "s3:PutObject", canonical(objects_of(results, "/themes/*"))),
        ("Allow", "s3:ListBucket", canonical(results)),
    }


def test_service_role_may_use_the_key_and_the_key_policy_lets_personalize_and_the_role_use_it(synth):
    job = synth.built.jobs["full"]
    key = synth.built.constructs["key"]
    template = synth.json["Full"]
    key_grants = {g for g in _service_role_grants(template, job) if g[1].startswith("kms:")}
    assert key_grants == {("Allow", action, canonical(get_att(key))) for action in ROLE_KEY_ACTIONS}

    key_policy = template["Resources"][logical_id(key)]["Properties"]["KeyPolicy"]
    wanted = ROLE_KEY_ACTIONS | {"kms:CreateGrant"}
    for_service = [s for s in statements(key_policy) if s["Principal"] == {"Service": PERSONALIZE}]
    assert len(for_service) == 1
    assert set(for_service[0]["Action"]) == wanted
    assert for_service[0]["Condition"] == SOURCE_ACCOUNT
    for_role = [s for s in statements(key_policy) if s["Principal"] == {"AWS": get_att(job.role)}]
    assert len(for_role) == 1 and set(for_role[0]["Action"]) == wanted


def test_no_key_no_kms_permissions(synth):
    job = synth.built.jobs["defaults"]
    assert not [g for g in _service_role_grants(synth.json["Defaults"], job) if g[1].startswith("kms:")]


# ---------------------------------------------------------------------------------------------
# The buckets the construct creates


def _new_buckets(synth, *names):
    for name in names:
        job = synth.built.jobs[name]
        template = synth.json[Stack.of(job).stack_name]
        for bucket in (job.input_bucket, job.output_bucket):
            yield name, template, bucket


def test_new_buckets_block_public_access_and_enforce_tls(synth):
    for name, template, bucket in _new_buckets(synth, "defaults", "full"):
        properties = template["Resources"][logical_id(bucket)]["Properties"]
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, name
        assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, name
        deny_plain_http = [
            s
            for s in statements(bucket_policy_document(template, bucket))
            if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert len(deny_plain_http) == 1, name
        assert deny_plain_http[0]["Action"] == "s3:*"
        assert deny_plain_http[0]["Principal"] == {"AWS": "*"}
        assert deny_plain_http[0]["Resource"] == [get_att(bucket), objects_of(get_att(bucket), "/*")]


def test_new_buckets_are_encrypted_with_s3_keys_or_the_given_key(synth):
    key = synth.built.constructs["key"]
    for name, template, bucket in _new_buckets(synth, "defaults", "full"):
        (rule,) = template["Resources"][logical_id(bucket)]["Properties"]["BucketEncryption"][
            "ServerSideEncryptionConfiguration"
        ]
        if name == "defaults":
            assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        else:
            assert rule["ServerSideEncryptionByDefault"] == {
                "SSEAlgorithm": "aws:kms",
                "KMSMasterKeyID": get_att(key),
            }


def test_bucket_policies_grant_personalize_exactly_what_the_job_needs(synth):
    for name in ("defaults", "full"):
        job = synth.built.jobs[name]
        template = synth.json[Stack.of(job).stack_name]
        expected = {
            job.input_bucket: {
                ("s3:GetObject", canonical(objects_of(get_att(job.input_bucket), "/input/users.json"))),
                ("s3:ListBucket", canonical(get_att(job.input_bucket))),
            },
            job.output_bucket: {
                ("s3:PutObject", canonical(objects_of(get_att(job.output_bucket), "/results/*"))),
                ("s3:ListBucket", canonical(get_att(job.output_bucket))),
            },
        }
        for bucket, wanted in expected.items():
            for_service = personalize_statements(bucket_policy_document(template, bucket))
            assert all(s["Effect"] == "Allow" and s["Condition"] == SOURCE_ACCOUNT for s in for_service), name
            assert {(a, canonical(s["Resource"])) for s in for_service for a in as_list(s["Action"])} == wanted


def test_output_bucket_is_retained_by_default_and_the_input_bucket_deleted(synth):
    job = synth.built.jobs["defaults"]
    template = synth.json["Defaults"]
    output = template["Resources"][logical_id(job.output_bucket)]
    assert output["DeletionPolicy"] == "Retain" and output["UpdateReplacePolicy"] == "Retain"
    input_bucket = template["Resources"][logical_id(job.input_bucket)]
    assert input_bucket["DeletionPolicy"] == "Delete"
    emptied = {
        canonical(r["Properties"]["BucketName"]) for r in resources(template, "Custom::S3AutoDeleteObjects").values()
    }
    assert emptied == {canonical(ref(job.input_bucket))}


def test_output_removal_policy_destroy_deletes_and_empties_the_output_bucket(synth):
    job = synth.built.jobs["full"]
    template = synth.json["Full"]
    assert template["Resources"][logical_id(job.output_bucket)]["DeletionPolicy"] == "Delete"
    emptied = {
        canonical(r["Properties"]["BucketName"]) for r in resources(template, "Custom::S3AutoDeleteObjects").values()
    }
    assert canonical(ref(job.output_bucket)) in emptied
    assert canonical(ref(job.input_bucket)) in emptied


def test_server_access_logs_go_to_the_given_bucket(synth):
    access_logs = synth.built.constructs["access_logs"]
    job = synth.built.jobs["full"]
    for bucket, prefix in ((job.input_bucket, "InputBucket/"), (job.output_bucket, "OutputBucket/")):
        assert synth.json["Full"]["Resources"][logical_id(bucket)]["Properties"]["LoggingConfiguration"] == {
            "DestinationBucketName": ref(access_logs),
            "LogFilePrefix": prefix,
        }
    defaults = synth.built.jobs["defaults"]
    for bucket in (defaults.input_bucket, defaults.output_bucket):
        assert "LoggingConfiguration" not in synth.json["Defaults"]["Resources"][logical_id(bucket)]["Properties"]


# ---------------------------------------------------------------------------------------------
# The upload and the order of deployment


def _depends_on(synth, name: str) -> set[str]:
    return set(synth.job(name)[1].get("DependsOn", []))


def test_job_waits_for_the_upload_and_every_policy(synth):
    job = synth.built.jobs["defaults"]
    template = synth.json["Defaults"]
    (upload_id,) = resources(template, INPUT_COPY_RESOURCE_TYPE)
    handler_policy_id = next(
        lid for lid in template["Resources"] if lid.startswith("PersonalizeBatchJobProviderHandlerRoleDefaultPolicy")
    )
    assert {
        upload_id,
        logical_id(job.input_bucket.policy),
        logical_id(job.output_bucket.policy),
        logical_id(job.role.node.find_child("DefaultPolicy")),
        handler_policy_id,
    } <= _depends_on(synth, "defaults")


def test_job_waits_for_the_policies_of_given_roles_and_buckets(synth):
    constructs = synth.built.constructs
    data_policy = logical_id(constructs["data"].policy)
    imported_role_policy = logical_id(constructs["imported_role"].node.find_child("Policy"))
    my_role_policy = logical_id(constructs["my_role"].node.find_child("DefaultPolicy"))
    assert {data_policy, imported_role_policy} <= _depends_on(synth, "from_object")
    assert {data_policy, my_role_policy} <= _depends_on(synth, "asset_to_mine")
    (upload_id,) = [
        lid
        for lid, r in resources(synth.json["Byo"], INPUT_COPY_RESOURCE_TYPE).items()
        if r["Properties"]["Prefix"] == "uploads/"
    ]
    assert upload_id in _depends_on(synth, "asset_to_mine")


# ---------------------------------------------------------------------------------------------
# Bring your own buckets, role and key


def test_given_buckets_and_roles_are_used_and_nothing_new_is_made_for_them(synth):
    template = synth.json["Byo"]
    data = synth.built.constructs["data"]
    assert list(resources(template, "AWS::S3::Bucket")) == [logical_id(data)]
    personalize_roles = [
        lid
        for lid, role in resources(template, "AWS::IAM::Role").items()
        if PERSONALIZE in canonical(role["Properties"]["AssumeRolePolicyDocument"])
    ]
    assert personalize_roles == [logical_id(synth.built.constructs["my_role"])]
    for name in ("from_object", "from_folder", "asset_to_mine", "asset_default_prefix"):
        job = synth.built.jobs[name]
        assert job.output_bucket is data or Stack.of(job).resolve(job.output_bucket.bucket_name) == ref(data)
    assert synth.props("from_object")["RoleArn"] == IMPORTED_ROLE_ARN
    assert synth.props("from_object")["KmsKeyArn"] == IMPORTED_KEY_ARN
    assert synth.props("from_folder")["RoleArn"] == get_att(synth.built.constructs["my_role"])


def test_given_roles_receive_the_job_permissions(synth):
    template = synth.json["Byo"]
    data_arn = get_att(synth.built.constructs["data"])
    imported = all_grants(p["Properties"]["PolicyDocument"] for p in policies_of_role(template, "personalize-batch"))
    assert imported == {
        ("Allow", "s3:GetObject", canonical(objects_of(data_arn, "/users/users.json"))),
        ("Allow", "s3:ListBucket", canonical(data_arn)),
        ("Allow", "s3:PutObject", canonical(objects_of(data_arn, "/out/*"))),
        *(("Allow", action, canonical(IMPORTED_KEY_ARN)) for action in ROLE_KEY_ACTIONS),
    }
    mine = all_grants(
        p["Properties"]["PolicyDocument"] for p in policies_of_role(template, ref(synth.built.constructs["my_role"]))
    )
    expected = [
        ("s3:GetObject", {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{EXTERNAL_BUCKET}/batch/*"]]}),
        ("s3:ListBucket", {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, f":s3:::{EXTERNAL_BUCKET}"]]}),
        ("s3:PutObject", objects_of(data_arn, "/*")),
        ("s3:GetObject", objects_of(data_arn, "/uploads/users.json")),
        ("s3:PutObject", objects_of(data_arn, "/out2/*")),
        ("s3:PutObject", objects_of(data_arn, "/out3/*")),
        ("s3:ListBucket", data_arn),
    ]
    assert {("Allow", action, canonical(resource)) for action, resource in expected} <= mine, mine
    assert not [g for g in mine if g[1].startswith("kms:")]


def test_given_buckets_in_the_app_get_the_personalize_bucket_policy(synth):
    data = synth.built.constructs["data"]
    for_service = personalize_statements(bucket_policy_document(synth.json["Byo"], data))
    assert all(s["Condition"] == SOURCE_ACCOUNT for s in for_service)
    found = {(a, canonical(r)) for s in for_service for a in as_list(s["Action"]) for r in as_list(s["Resource"])}
    assert {
        ("s3:GetObject", canonical(objects_of(get_att(data), "/users/users.json"))),
        ("s3:PutObject", canonical(objects_of(get_att(data), "/out/*"))),
        ("s3:ListBucket", canonical(get_att(data))),
    } <= found


def test_jobs_sharing_a_bucket_and_a_role_share_one_statement_per_action(synth):
    # Four jobs write to `data` and share `my_role` (three of them): a statement per job would
    # make a shared bucket's policy outgrow S3's 20 KB limit at a few dozen jobs.
    data = synth.built.constructs["data"]
    for_service = personalize_statements(bucket_policy_document(synth.json["Byo"], data))
    actions = [a for s in for_service for a in as_list(s["Action"])]
    assert sorted(actions) == ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]
    (put,) = [s for s in for_service if s["Action"] == "s3:PutObject"]
    assert {canonical(r) for r in as_list(put["Resource"])} == {
        canonical(objects_of(get_att(data), suffix)) for suffix in ("/out/*", "/*", "/out2/*", "/out3/*")
    }
    role_documents = [
        p["Properties"]["PolicyDocument"]
        for p in policies_of_role(synth.json["Byo"], ref(synth.built.constructs["my_role"]))
    ]
    # The role's object statements: one per action and bucket (the bucket given as the first part
    # of each ARN, a reference or the imported bucket's literal ARN).
    role_grants = [
        (action, {canonical(_bucket_part(resource)) for resource in as_list(s["Resource"])})
        for d in role_documents
        for s in statements(d)
        for action in as_list(s["Action"])
        if action in ("s3:GetObject", "s3:PutObject")
    ]
    assert all(len(buckets) == 1 for _, buckets in role_grants), role_grants
    pairs = [(action, *buckets) for action, buckets in role_grants]
    assert len(pairs) == len(set(pairs)) == 3, pairs


def _bucket_part(object_arn: Any) -> Any:
    joined = object_arn["Fn::Join"][1]
    return joined[0] if isinstance(joined[0], dict) else "".join(map(str, joined)).split("/")[0]


# ---------------------------------------------------------------------------------------------
# The provider shared by all jobs of a stack


def test_one_provider_per_stack_whatever_the_number_of_jobs(synth):
    one, twenty = synth.json["Defaults"], synth.json["Twenty"]
    for resource_type in ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine", "AWS::Logs::LogGroup"):
        assert len(resources(twenty, resource_type)) == len(resources(one, resource_type)), resource_type
    synth.templates["Twenty"].resource_count_is("AWS::StepFunctions::StateMachine", 1)
    handlers = [
        f["Properties"]["Handler"]
        for f in resources(twenty, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") in ("index.on_event", "index.is_complete")
    ]
    assert sorted(handlers) == ["index.is_complete", "index.on_event"]
    tokens = {canonical(job["Properties"]["ServiceToken"]) for job in resources(twenty, JOB_RESOURCE_TYPE).values()}
    assert len(tokens) == 1
    # Two jobs in one stack, too.
    synth.templates["Full"].resource_count_is("AWS::StepFunctions::StateMachine", 1)
    assert (
        len(
            {
                canonical(j["Properties"]["ServiceToken"])
                for j in resources(synth.json["Full"], JOB_RESOURCE_TYPE).values()
            }
        )
        == 1
    )


def _pass_role(document: dict) -> tuple[dict, list[str]]:
    iam_statements = [s for s in statements(document) if any(a.startswith("iam:") for a in as_list(s["Action"]))]
    assert len(iam_statements) == 1
    (statement,) = iam_statements
    assert statement["Action"] == "iam:PassRole" and statement["Effect"] == "Allow"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": PERSONALIZE}}
    resources_ = [canonical(r) for r in as_list(statement["Resource"])]
    assert len(resources_) == len(set(resources_)), "a role is listed twice"
    return statement, resources_


def test_handler_may_pass_only_the_service_roles_and_only_to_personalize(synth):
    full = synth.built.jobs
    _, passed = _pass_role(handler_policy(synth.json["Full"]))
    assert set(passed) == {canonical(get_att(full["full"].role)), canonical(get_att(full["theme"].role))}
    _, passed = _pass_role(handler_policy(synth.json["Byo"]))
    assert set(passed) == {canonical(IMPORTED_ROLE_ARN), canonical(get_att(synth.built.constructs["my_role"]))}
    _, passed = _pass_role(handler_policy(synth.json["Twenty"]))
    assert set(passed) == {canonical(get_att(synth.built.jobs[f"twenty_{i}"].role)) for i in range(TWENTY)}


def test_handler_may_read_the_inputs_and_results_and_write_only_its_check_progress_and_the_manifest(synth):
    jobs = synth.built.jobs
    found = grants(handler_policy(synth.json["Full"]))
    # The copy's own grants (the asset objects, writes to the input folder) are the copy tests' subject.
    copy_grants = {
        g
        for g in found
        if "cdk-hnb659fds-assets" in g[2]
        or g[1] in ("s3:DeleteObject", "s3:AbortMultipartUpload")
        or (g[1] == "s3:PutObject" and '"/input/*"' in g[2])
    }
    s3_grants = {g for g in found if g[1].startswith("s3:")} - copy_grants
    full_out, theme_out = get_att(jobs["full"].output_bucket), get_att(jobs["theme"].output_bucket)
    assert s3_grants == {
        ("Allow", "s3:GetObject", canonical(objects_of(get_att(jobs["full"].input_bucket), "/input/users.json"))),
        ("Allow", "s3:GetObject", canonical(objects_of(get_att(jobs["theme"].input_bucket), "/input/*"))),
        ("Allow", "s3:ListBucket", canonical(get_att(jobs["full"].input_bucket))),
        ("Allow", "s3:ListBucket", canonical(get_att(jobs["theme"].input_bucket))),
        ("Allow", "s3:GetObject", canonical(objects_of(full_out, "/results/*"))),
        ("Allow", "s3:GetObject", canonical(objects_of(theme_out, "/themes/*"))),
        ("Allow", "s3:ListBucket", canonical(full_out)),
        ("Allow", "s3:ListBucket", canonical(theme_out)),
        ("Allow", "s3:PutObject", canonical(objects_of(full_out, "/results/*/_results_check.json"))),
        ("Allow", "s3:PutObject", canonical(objects_of(theme_out, "/themes/*/_results_check.json"))),
        ("Allow", "s3:PutObject", canonical(objects_of(full_out, "/results/manifest.json"))),
        ("Allow", "s3:PutObject", canonical(objects_of(theme_out, "/themes/manifest.json"))),
    }


def test_waiter_state_machine_is_traced_and_logs_everything_but_execution_data(synth):
    for stack_name in ("Defaults", "Twenty"):
        synth.templates[stack_name].has_resource_properties(
            "AWS::StepFunctions::StateMachine",
            {
                "TracingConfiguration": {"Enabled": True},
                "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False}),
            },
        )


def _latest_python_runtime() -> str:
    versions = [
        tuple(int(part) for part in name.split("_")[1:])
        for name in dir(lambda_.Runtime)
        if re.fullmatch(r"PYTHON_\d+_\d+", name)
    ]
    major, minor = max(versions)
    return getattr(lambda_.Runtime, f"PYTHON_{major}_{minor}").name


def test_handler_functions_use_the_latest_python_runtime_and_know_the_query_interval(synth):
    latest = _latest_python_runtime()
    for stack_name in ("Defaults", "Full"):
        for handler in ("index.on_event", "index.is_complete"):
            synth.templates[stack_name].has_resource_properties(
                "AWS::Lambda::Function",
                {
                    "Handler": handler,
                    "Runtime": latest,
                    "Environment": {"Variables": Match.object_like({"PROVIDER_QUERY_INTERVAL_SECONDS": "10"})},
                },
            )


# ---------------------------------------------------------------------------------------------
# grant_read_results


def test_grant_read_results_lets_a_grantee_read_the_output_folder(synth):
    for name, stack_name, reader in (("defaults", "Defaults", "defaults_reader"), ("full", "Full", "full_reader")):
        job = synth.built.jobs[name]
        template = synth.json[stack_name]
        found = all_grants(
            p["Properties"]["PolicyDocument"] for p in policies_of_role(template, ref(synth.built.constructs[reader]))
        )
        output_objects = canonical(objects_of(get_att(job.output_bucket), "/results/*"))
        assert ("Allow", "s3:GetObject*", output_objects) in found, name
        # Nothing outside the results folder.
        object_grants = {g[2] for g in found if g[1].startswith("s3:GetObject")}
        assert object_grants == {canonical(get_att(job.output_bucket)), output_objects}, name
        decrypt = {g for g in found if g[1] == "kms:Decrypt"}
        if name == "full":
            assert decrypt == {("Allow", "kms:Decrypt", canonical(get_att(synth.built.constructs["key"])))}
        else:
            assert not decrypt


def test_grant_read_results_lets_a_grantee_decrypt_results_written_with_the_job_key(synth):
    # encryption_key=imported key, output=to_bucket(a bucket without a key): the job writes SSE-KMS
    # objects with the job's key, so reading them needs kms:Decrypt on it.
    template = synth.json["Byo"]
    found = all_grants(
        p["Properties"]["PolicyDocument"] for p in policies_of_role(template, ref(synth.built.constructs["byo_reader"]))
    )
    data = synth.built.constructs["data"]
    assert ("Allow", "s3:GetObject*", canonical(objects_of(get_att(data), "/out/*"))) in found
    assert ("Allow", "kms:Decrypt", canonical(IMPORTED_KEY_ARN)) in found


# ---------------------------------------------------------------------------------------------
# The templates as a whole


def test_synthesis_is_deterministic_across_processes(synth, tmp_path):
    # A fresh process with another string-hash seed builds the very same app: byte-identical output.
    outdir = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), str(REPO_ROOT)])}
    run = subprocess.run(
        [sys.executable, "-m", "construct.stacks", str(outdir), str(synth.inputs.file), str(synth.inputs.folder)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    for name in synth.built.stacks:
        for suffix in (".template.json", ".assets.json"):
            first = (synth.outdir / f"{name}{suffix}").read_bytes()
            second = (outdir / f"{name}{suffix}").read_bytes()
            assert first == second, f"{name}{suffix} differs between two synths of the same app"


def test_templates_have_no_cfn_lint_errors(synth):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    # Twenty is Defaults twenty times over: linting it adds time, not coverage.
    templates = [str(synth.outdir / f"{name}.template.json") for name in synth.built.stacks if name != "Twenty"]
    run = subprocess.run([str(cfn_lint), *templates], capture_output=True, text=True, timeout=300)
    # cfn-lint 1.x exit code bits: 2 = errors, 4 = warnings (allowed), 8 = informational.
    assert run.returncode & 2 == 0, run.stdout + run.stderr
    assert run.returncode & 1 == 0, run.stdout + run.stderr
