"""Local input in the template: file assets uploaded as they are, and one copy resource per input
served by the stack's provider; no BucketDeployment, no layer, no function of its own."""

from __future__ import annotations

import json

import pytest
from aws_cdk import App, CfnParameter, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from personalize_batch_constructs import BatchInferenceJob, BatchInput
from personalize_batch_constructs.job_provider import EXACT_ASSET_GRANTS_MAX

from .cfn import as_list, get_att, logical_id, objects_of, ref, resources, statements
from .stacks import SOLUTION_VERSION_ARN

INPUT_COPY_RESOURCE_TYPE = "Custom::PersonalizeBatchInputCopy"

ASSET_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}


def _copy_of(synth, name: str) -> tuple[str, dict]:
    """The copy resource a job depends on: (logical id, properties)."""
    template, job = synth.job(name)
    (copy_id,) = [lid for lid in job["DependsOn"] if template["Resources"][lid]["Type"] == INPUT_COPY_RESOURCE_TYPE]
    return copy_id, template["Resources"][copy_id]["Properties"]


def _file_assets(synth, stack_name: str) -> dict[str, dict]:
    """The stack's file assets by object key, as the CDK CLI reads them from the assets manifest."""
    manifest = json.loads((synth.outdir / f"{stack_name}.assets.json").read_text())
    return {
        destination["objectKey"]: entry["source"]
        for entry in manifest["files"].values()
        for destination in entry["destinations"].values()
    }


def _handler_statements(template: dict) -> list[dict]:
    policies = [
        r["Properties"]["PolicyDocument"]
        for lid, r in resources(template, "AWS::IAM::Policy").items()
        if lid.startswith("PersonalizeBatchJobProviderHandlerRole")
    ]
    return [statement for document in policies for statement in statements(document)]


def _granted(template: dict, action: str) -> list:
    return [
        resource
        for statement in _handler_statements(template)
        if action in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    ]


def test_no_bucket_deployment_no_layer_and_no_function_besides_the_provider_and_bucket_emptying(synth):
    for name, template in synth.json.items():
        assert not resources(template, "Custom::CDKBucketDeployment"), name
        assert not resources(template, "AWS::Lambda::LayerVersion"), name
        for lid in resources(template, "AWS::Lambda::Function"):
            assert lid.startswith(("PersonalizeBatchJobProvider", "CustomS3AutoDeleteObjectsCustomResourceProvider")), (
                name,
                lid,
            )


def test_each_input_file_is_a_file_asset_uploaded_as_it_is(synth):
    _, properties = _copy_of(synth, "theme")
    assets = _file_assets(synth, "Full")
    names = [name for name, _ in properties["Files"]]
    assert names == ["part-1.json", "part-2.json"]
    for name, object_key in properties["Files"]:
        source = assets[object_key]
        assert source["packaging"] == "file", name
        assert (synth.outdir / source["path"]).read_bytes() == (synth.inputs.folder / name).read_bytes()


def test_the_copy_fills_the_input_prefix_of_the_input_bucket_from_the_asset_bucket(synth):
    job = synth.built.jobs["defaults"]
    _, properties = _copy_of(synth, "defaults")
    assert properties["SourceBucket"] == ASSET_BUCKET
    assert [name for name, _ in properties["Files"]] == ["users.json"]
    assert properties["Bucket"] == ref(job.input_bucket)
    assert properties["Prefix"] == "input/"
    _, properties = _copy_of(synth, "asset_to_mine")
    assert (properties["Bucket"], properties["Prefix"]) == (ref(synth.built.constructs["data"]), "uploads/")


def test_the_job_starts_after_the_copy_and_the_copy_after_the_handler_grants(synth):
    template, _ = synth.job("defaults")
    copy_id, _ = _copy_of(synth, "defaults")
    handler_policy = next(
        lid for lid in template["Resources"] if lid.startswith("PersonalizeBatchJobProviderHandlerRoleDefaultPolicy")
    )
    assert handler_policy in template["Resources"][copy_id]["DependsOn"]
    assert template["Resources"][copy_id]["Properties"]["ServiceToken"] == synth.props("defaults")["ServiceToken"]


def test_the_input_version_follows_the_copied_content(synth):
    # Twenty jobs on one file copy the same asset and share one version; other content, another.
    keys = {json.dumps(_copy_of(synth, f"twenty_{index}")[1]["Files"]) for index in range(20)}
    versions = {synth.props(f"twenty_{index}")["InputVersion"] for index in range(20)}
    assert len(keys) == len(versions) == 1
    assert synth.props("theme")["InputVersion"] != synth.props("full")["InputVersion"]


def test_handler_reads_exactly_the_asset_objects_and_writes_only_the_input_prefix(synth):
    template = synth.json["Defaults"]
    job = synth.built.jobs["defaults"]
    _, properties = _copy_of(synth, "defaults")
    ((_, object_key),) = properties["Files"]
    asset_arn = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", ASSET_BUCKET, f"/{object_key}"]]}
    assert asset_arn in _granted(template, "s3:GetObject")
    input_prefix = objects_of(get_att(job.input_bucket), "/input/*")
    assert input_prefix in _granted(template, "s3:PutObject")
    for action in ("s3:DeleteObject", "s3:AbortMultipartUpload"):
        assert _granted(template, action) == [input_prefix], action
    actions = {action for statement in _handler_statements(template) for action in as_list(statement["Action"])}
    assert not any(action.startswith("s3:") and action.endswith("*") for action in actions)


def test_handler_may_use_the_input_bucket_key_without_wildcard_actions(synth):
    template = synth.json["Full"]
    key = synth.built.constructs["key"]
    kms_statements = [
        s for s in _handler_statements(template) if any(a.startswith("kms:") for a in as_list(s["Action"]))
    ]
    assert kms_statements
    for statement in kms_statements:
        assert sorted(as_list(statement["Action"])) == ["kms:Decrypt", "kms:GenerateDataKey"]
        assert statement["Resource"] == get_att(key)
    assert not any(s for s in _handler_statements(synth.json["Defaults"]) if "kms:" in json.dumps(s["Action"]))


@pytest.fixture(scope="module")
def many_files(tmp_path_factory):
    """A folder of more files than exact grants cover, in a stack of its own."""
    folder = tmp_path_factory.mktemp("many")
    for index in range(EXACT_ASSET_GRANTS_MAX + 1):
        (folder / f"part-{index:03d}.json").write_text(f'{{"userId": "{index}"}}\n')
    app = App(outdir=str(tmp_path_factory.mktemp("many.out")))
    stack = Stack(app, "Many")
    job = BatchInferenceJob(
        stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(folder))
    )
    template = app.synth().get_stack_by_name("Many").template
    return template, job


def test_a_large_folder_is_copied_file_by_file_in_name_order_reading_the_asset_bucket(many_files):
    template, job = many_files
    (copy,) = resources(template, INPUT_COPY_RESOURCE_TYPE).values()
    names = [name for name, _ in copy["Properties"]["Files"]]
    assert names == sorted(names) and len(names) == EXACT_ASSET_GRANTS_MAX + 1
    asset_objects = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", ASSET_BUCKET, "/*"]]}
    reads = _granted(template, "s3:GetObject")
    assert asset_objects in reads
    # The asset bucket's objects, nothing per file.
    assert [r for r in reads if "cdk-hnb659fds-assets" in json.dumps(r)] == [asset_objects]
    assert logical_id(job.input_bucket) in json.dumps(reads)


BOOTSTRAP_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


def test_an_asset_bucket_key_of_your_own_is_one_the_copy_may_decrypt_with_and_nothing_more(tmp_path):
    # A bootstrap with --bootstrap-customer-key: copying an SSE-KMS asset decrypts it as the handler.
    (tmp_path / "users.json").write_text('{"userId": "1"}\n')
    stack = Stack(App(outdir=str(tmp_path / "out")), "AssetKey")
    key = kms.Key.from_key_arn(stack, "BootstrapKey", BOOTSTRAP_KEY_ARN)
    BatchInferenceJob(
        stack,
        "Job",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(tmp_path / "users.json"), asset_key=key),
    )
    template = Template.from_stack(stack).to_json()
    kms_statements = [
        s for s in _handler_statements(template) if any(a.startswith("kms:") for a in as_list(s["Action"]))
    ]
    assert [(as_list(s["Action"]), s["Resource"]) for s in kms_statements] == [(["kms:Decrypt"], BOOTSTRAP_KEY_ARN)]


@pytest.mark.parametrize("source", ["asset-folder", "bucket-token-key"])
def test_a_folder_named_by_a_token_is_granted_with_its_objects(tmp_path, source):
    # The key's "/" is not in the token's text: the folder is known from the upload, or assumed.
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_text('{"userId": "1"}\n')
    stack = Stack(App(outdir=str(tmp_path / "out")), "TokenFolder")
    key = CfnParameter(stack, "Key", default="in/b/").value_as_string
    bucket = s3.Bucket(stack, "Data")
    job_input = (
        BatchInput.from_asset(str(tmp_path / "in"), bucket=bucket, key_prefix=key)
        if source == "asset-folder"
        else BatchInput.from_bucket(bucket, key)
    )
    BatchInferenceJob(stack, "Job", solution_version_arn=SOLUTION_VERSION_ARN, input=job_input)
    template = Template.from_stack(stack).to_json()
    folder_objects = {"Fn::Join": ["", [get_att(bucket, "Arn"), "/", {"Ref": "Key"}, "*"]]}
    reads = [
        resource
        for policy in [
            *resources(template, "AWS::IAM::Policy").values(),
            *resources(template, "AWS::S3::BucketPolicy").values(),
        ]
        for statement in statements(policy["Properties"]["PolicyDocument"])
        if "s3:GetObject" in as_list(statement["Action"])
        for resource in as_list(statement["Resource"])
    ]
    # The handler's input check, the service role and the bucket policy for Personalize.
    assert reads.count(folder_objects) == 3, reads
