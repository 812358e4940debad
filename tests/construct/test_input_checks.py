"""Input and results at Personalize's limits, checked at synth: the local input's files, results that
would overlap the input, ARNs from another environment, and the statements the construct cannot add.

Refusals raise while the constructs are built (nothing synthesizes); the warnings are read from one
app synthesized once for this module.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path

import pytest
from aws_cdk import Annotations as CdkAnnotations
from aws_cdk import App, Aws, CfnParameter, Environment, Fn, NestedStack, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template

from personalize_batch_constructs import BatchInferenceJob, BatchInput, BatchOutput, BatchSegmentJob, local_input_check

from .stacks import FILTER_ARN, SOLUTION_VERSION_ARN

ACCOUNT = "111122223333"
HERE = Environment(account=ACCOUNT, region="us-east-1")
_ids = itertools.count()


def names(*words: str) -> str:
    """A pattern matching a message that names every word, as a word, in any order."""
    return "".join(rf"(?=.*(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z]))" for word in words)


@pytest.fixture(scope="module")
def app() -> App:
    return App()


@pytest.fixture
def stack(app: App) -> Stack:
    return Stack(app, f"Checks{next(_ids)}", env=HERE)


def jsonl(path: Path, text: str = '{"userId": "4638"}\n') -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --- local input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_line",
    ["", "\n", "[1, 2]\n", '"userId"\n', "userId,itemId\n", "{'userId': '4638'}\n", '{"userId": "4638"\n'],
    ids=["empty", "blank-line", "array", "string", "csv", "python-dict", "cut-object"],
)
def test_a_file_that_is_empty_or_not_json_lines_is_refused_naming_it(tmp_path, first_line):
    source = jsonl(tmp_path / "users.json", first_line + '{"userId": "663"}\n' if first_line else "")
    with pytest.raises(ValueError, match=names("input", "from_asset")) as raised:
        BatchInput.from_asset(str(source))
    assert repr(str(source)) in str(raised.value)
    assert "empty" in str(raised.value) if not first_line else "JSON object" in str(raised.value)


def test_a_first_line_that_is_not_utf8_is_refused(tmp_path):
    source = tmp_path / "users.json"
    source.write_bytes(b'{"userId": "\xff"}\n')
    with pytest.raises(ValueError, match="JSON object"):
        BatchInput.from_asset(str(source))


def test_a_byte_order_mark_and_crlf_line_ends_pass(tmp_path):
    source = tmp_path / "users.json"
    source.write_bytes(b'\xef\xbb\xbf{"userId": "4638"}\r\n{"userId": "663"}\r\n')
    BatchInput.from_asset(str(source))


def test_only_the_first_line_is_read(tmp_path):
    # A bad second line passes: the check reads no further than the first line break.
    BatchInput.from_asset(str(jsonl(tmp_path / "users.json", '{"userId": "4638"}\nnot json\n')))


def test_a_first_line_longer_than_the_read_is_checked_by_its_start(tmp_path):
    long_value = "x" * (2 << 20)
    BatchInput.from_asset(str(jsonl(tmp_path / "good.json", json.dumps({"userId": long_value}) + "\n")))
    with pytest.raises(ValueError, match="JSON object"):
        BatchInput.from_asset(str(jsonl(tmp_path / "bad.json", long_value + "\n")))


def test_a_folder_with_no_file_is_refused_naming_it(tmp_path):
    folder = tmp_path / "items"
    (folder / "empty-subfolder").mkdir(parents=True)
    with pytest.raises(ValueError, match=names("input", "from_asset")) as raised:
        BatchInput.from_asset(str(folder))
    assert repr(str(folder)) in str(raised.value) and "no file" in str(raised.value)


@pytest.mark.parametrize(
    ("bad_name", "content"),
    [(".DS_Store", "\x00\x00\x00\x01Bud1"), ("nested/part-3.json", ""), ("part-2.json", "[1]\n")],
    ids=["hidden-file", "empty-file-in-a-subfolder", "not-json"],
)
def test_every_file_below_a_folder_counts_hidden_and_nested_ones_too(tmp_path, bad_name, content):
    folder = tmp_path / "items"
    jsonl(folder / "part-1.json")
    bad = jsonl(folder / bad_name, content)
    with pytest.raises(ValueError, match=names("input", "from_asset")) as raised:
        BatchInput.from_asset(str(folder))
    assert repr(str(bad)) in str(raised.value)


def test_a_folder_of_1000_files_passes_and_one_more_is_refused(tmp_path):
    folder = tmp_path / "items"
    folder.mkdir()
    for index in range(local_input_check.MAX_INPUT_FILES - 1):
        jsonl(folder / f"part-{index:04d}.json")
    jsonl(folder / "nested" / "last.json")
    BatchInput.from_asset(str(folder))
    jsonl(folder / "nested" / "one-too-many.json")
    with pytest.raises(ValueError, match=names("input", "from_asset")) as raised:
        BatchInput.from_asset(str(folder))
    assert repr(str(folder)) in str(raised.value) and "more than 1,000 files" in str(raised.value)


def test_a_file_over_1_gb_is_reported_without_reading_it(tmp_path):
    source = jsonl(tmp_path / "huge.json")
    # Sparse: the gigabyte takes no disk; a whole read would still take seconds.
    os.truncate(source, local_input_check.MAX_INPUT_FILE_BYTES + 1)
    (warning,) = local_input_check.check_local_input(source)
    assert repr(str(source)) in warning and "1 GB" in warning
    os.truncate(source, local_input_check.MAX_INPUT_FILE_BYTES)
    assert local_input_check.check_local_input(source) == []


# --- results apart from the input ----------------------------------------------------------------


def job(stack: Stack, job_input: BatchInput, output: BatchOutput | None = None, **props) -> BatchInferenceJob:
    props.setdefault("solution_version_arn", SOLUTION_VERSION_ARN)
    if output is not None:
        props["output"] = output
    return BatchInferenceJob(stack, "Job", input=job_input, **props)


@pytest.mark.parametrize(
    ("input_key", "output_prefix", "relation"),
    [
        ("in/", "in/", "is"),
        ("in/", "in/results/", "is inside"),
    ],
)
def test_results_in_or_around_a_folder_input_of_the_same_bucket_are_refused(stack, input_key, output_prefix, relation):
    bucket = s3.Bucket(stack, "Data")
    with pytest.raises(ValueError, match=names("input", "output", stack.node.path + "/Job")) as raised:
        job(stack, BatchInput.from_bucket(bucket, input_key), BatchOutput.to_bucket(bucket, output_prefix))
    assert f" {relation} the input folder {input_key!r}" in str(raised.value)


def test_the_same_literal_bucket_name_is_the_same_bucket(stack):
    reading = s3.Bucket.from_bucket_name(stack, "Reading", "shared-bucket")
    writing = s3.Bucket.from_bucket_name(stack, "Writing", "shared-bucket")
    with pytest.raises(ValueError, match=names("input", "output")):
        job(stack, BatchInput.from_bucket(reading, "batch/"), BatchOutput.to_bucket(writing, "batch/out/"))


@pytest.mark.parametrize(
    ("key_prefix", "output_prefix"), [("shared/", "shared/"), ("shared/", "shared/results/")], ids=["equal", "inside"]
)
def test_an_upload_that_would_prune_the_results_is_refused(stack, tmp_path, key_prefix, output_prefix):
    bucket = s3.Bucket(stack, "Data")
    source = BatchInput.from_asset(str(jsonl(tmp_path / "users.json")), bucket=bucket, key_prefix=key_prefix)
    with pytest.raises(ValueError, match=names("input", "output", "key_prefix")) as raised:
        job(stack, source, BatchOutput.to_bucket(bucket, output_prefix))
    assert "deletes the previous results" in str(raised.value)


def test_results_at_the_root_of_the_bucket_an_asset_goes_to_by_default_pass(app, tmp_path):
    # The upload's default folder is named after the job, the runs' folders after each job name.
    stack = Stack(app, f"Apart{next(_ids)}")
    bucket = s3.Bucket(stack, "Data")
    jsonl(tmp_path / "users.json")
    job(stack, BatchInput.from_asset(str(tmp_path), bucket=bucket), BatchOutput.to_bucket(bucket))


def apart_cases(stack: Stack) -> list[tuple[BatchInput, BatchOutput]]:
    bucket = s3.Bucket(stack, "Data")
    named = s3.Bucket.from_bucket_name(stack, "Named", "input-bucket")
    parameter = CfnParameter(stack, "OutputBucketName").value_as_string
    return [
        (BatchInput.from_bucket(bucket, "in/"), BatchOutput.to_bucket(bucket, "out/")),
        (BatchInput.from_bucket(bucket, "in/"), BatchOutput.to_bucket(bucket, "in_results/")),
        (BatchInput.from_bucket(bucket, "users/users.json"), BatchOutput.to_bucket(bucket, "users/")),
        (BatchInput.from_bucket(named, "in/"), BatchOutput.to_bucket(s3.Bucket.from_bucket_name(stack, "O", "output"))),
        (BatchInput.from_bucket(named, "in/"), BatchOutput.to_bucket(s3.Bucket(stack, "Other"), "in/")),
        # Output folders around the input: the runs write into folders of their own beside it.
        (BatchInput.from_bucket(bucket, "data/in/"), BatchOutput.to_bucket(bucket, "data/")),
        (BatchInput.from_bucket(bucket, "in/"), BatchOutput.to_bucket(bucket)),
        # Unknown until deploy: not refused.
        (
            BatchInput.from_bucket(named, "in/"),
            BatchOutput.to_bucket(s3.Bucket.from_bucket_name(stack, "P", parameter)),
        ),
        (
            BatchInput.from_bucket(bucket, CfnParameter(stack, "InputKey").value_as_string),
            BatchOutput.to_bucket(bucket),
        ),
    ]


@pytest.mark.parametrize("case", range(9))
def test_results_apart_from_the_input_or_unknown_until_deploy_pass(app, case):
    stack = Stack(app, f"Apart{next(_ids)}")
    job_input, output = apart_cases(stack)[case]
    job(stack, job_input, output)


# --- jobs of one stack apart from each other ------------------------------------------------------


def two_jobs(stack: Stack, first: tuple[BatchInput, BatchOutput], second: tuple[BatchInput, BatchOutput]) -> None:
    BatchInferenceJob(stack, "First", solution_version_arn=SOLUTION_VERSION_ARN, input=first[0], output=first[1])
    BatchInferenceJob(stack, "Second", solution_version_arn=SOLUTION_VERSION_ARN, input=second[0], output=second[1])


def test_an_upload_into_another_jobs_output_folder_is_refused_naming_both(stack, tmp_path):
    results = s3.Bucket(stack, "Results")
    users = jsonl(tmp_path / "users.json")
    with pytest.raises(ValueError, match=names("output", "input", f"{stack.node.path}/First", "key_prefix")) as raised:
        two_jobs(
            stack,
            (BatchInput.from_asset(str(users)), BatchOutput.to_bucket(results, "out/")),
            (
                BatchInput.from_asset(str(users), bucket=results, key_prefix="out/"),
                BatchOutput.to_bucket(results, "b/"),
            ),
        )
    assert str(raised.value).startswith(f"{stack.node.path}/Second: ")
    assert f"deletes the results of {stack.node.path}/First" in str(raised.value)


def test_results_written_into_an_earlier_jobs_input_folder_are_refused(stack):
    data = s3.Bucket(stack, "Data")
    with pytest.raises(ValueError, match=names("output", "input")) as raised:
        two_jobs(
            stack,
            (BatchInput.from_bucket(data, "users/"), BatchOutput.to_bucket(data, "a/")),
            (BatchInput.from_bucket(data, "items/"), BatchOutput.to_bucket(data, "users/today/")),
        )
    message = str(raised.value)
    assert f"'users/today/' of {stack.node.path}/Second (output" in message
    assert f"is inside the input folder 'users/' of {stack.node.path}/First (input" in message
    assert "would read the results" in message


def test_an_input_read_from_another_jobs_output_folder_is_refused(stack):
    first = BatchInferenceJob(
        stack,
        "First",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(s3.Bucket(stack, "In"), "u/"),
    )
    with pytest.raises(ValueError, match=names("output", "input", f"{stack.node.path}/First")):
        BatchInferenceJob(
            stack,
            "Second",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(first.output_bucket, "results/"),
        )


def test_two_uploads_into_one_folder_are_refused(stack, tmp_path):
    shared = s3.Bucket(stack, "Shared")
    users, items = jsonl(tmp_path / "users.json"), jsonl(tmp_path / "items.json", '{"itemId": "105"}\n')
    with pytest.raises(ValueError, match=names("input", "key_prefix", f"{stack.node.path}/First")) as raised:
        two_jobs(
            stack,
            (BatchInput.from_asset(str(users), bucket=shared, key_prefix="in/"), BatchOutput.to_bucket(shared, "a/")),
            (BatchInput.from_asset(str(items), bucket=shared, key_prefix="in/"), BatchOutput.to_bucket(shared, "b/")),
        )
    assert "the upload folder 'in/' of" in str(raised.value)
    assert "is also the upload folder 'in/' of" in str(raised.value)
    assert "would delete the other job's input" in str(raised.value)


def test_an_upload_around_another_jobs_input_in_s3_is_warned_about_naming_both(tmp_path):
    stack = Stack(App(), "AroundInput", env=HERE)
    shared = s3.Bucket.from_bucket_name(stack, "Shared", "team-data")
    same = s3.Bucket.from_bucket_name(stack, "SameByName", "team-data")
    two_jobs(
        stack,
        (BatchInput.from_bucket(shared, "in/daily/users.json"), BatchOutput.to_bucket(s3.Bucket(stack, "A"))),
        (
            BatchInput.from_asset(str(jsonl(tmp_path / "users.json")), bucket=same, key_prefix="in/"),
            BatchOutput.to_bucket(s3.Bucket(stack, "B")),
        ),
    )
    (warning,) = Annotations.from_stack(stack).find_warning(
        "/AroundInput/Second", Match.string_like_regexp("inputInAnotherUpload")
    )
    text = warning.entry.data
    assert "'in/daily/users.json' of AroundInput/First" in text
    assert "upload folder 'in/' of AroundInput/Second (input: BatchInput.from_asset key_prefix)" in text
    # The upload goes into a bucket the app does not define: what else is there is pruned too.
    (imported,) = Annotations.from_stack(stack).find_warning(
        "/AroundInput/Second", Match.string_like_regexp("uploadIntoImportedBucket")
    )
    assert "removes every object under 'in/' there" in imported.entry.data
    assert "AroundInput/SameByName" in imported.entry.data


def test_an_input_in_s3_that_the_upload_puts_there_is_not_warned_about(tmp_path):
    stack = Stack(App(), "UploadedFiles", env=HERE)
    shared = s3.Bucket(stack, "Shared")
    folder = tmp_path / "folder"
    jsonl(folder / "a.json")
    jsonl(folder / "daily" / "b.json")
    BatchInferenceJob(
        stack,
        "Upload",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_asset(str(folder), bucket=shared, key_prefix="in/"),
        output=BatchOutput.to_bucket(shared, "out/upload/"),
    )
    for number, key in enumerate(("in/a.json", "in/daily/", "in/daily/b.json", "in/")):
        BatchInferenceJob(
            stack,
            f"Reader{number}",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(shared, key),
            output=BatchOutput.to_bucket(shared, f"out/{number}/"),
        )
    # Control: a key the upload does not put there.
    BatchInferenceJob(
        stack,
        "Stray",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(shared, "in/c.json"),
        output=BatchOutput.to_bucket(shared, "out/stray/"),
    )
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("inputInAnotherUpload"))
    assert [warning.id for warning in warnings] == ["/UploadedFiles/Stray"]


@pytest.mark.parametrize("nested", [False, True], ids=["two-stacks", "nested-stack"])
def test_jobs_of_other_stacks_of_the_app_are_compared(nested):
    app = App()
    first = Stack(app, "First", env=HERE)
    second = NestedStack(first, "Nested") if nested else Stack(app, "Second", env=HERE)
    results = s3.Bucket(first, "Results")
    data = s3.Bucket.from_bucket_name(first, "Data", "team-data")
    BatchInferenceJob(
        first,
        "A",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(data, "users.json"),
        output=BatchOutput.to_bucket(results, "out/"),
    )
    with pytest.raises(ValueError, match=names("output", "First/A")) as raised:
        BatchInferenceJob(
            second,
            "B",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_bucket(data, "items.json"),
            output=BatchOutput.to_bucket(results, "out/"),
        )
    assert "out/manifest.json" in str(raised.value)


def test_two_jobs_writing_to_one_output_folder_are_refused_naming_the_manifest(stack):
    results = s3.Bucket(stack, "Results")
    data = s3.Bucket(stack, "Data")
    with pytest.raises(ValueError, match=names("output", f"{stack.node.path}/First")) as raised:
        two_jobs(
            stack,
            (BatchInput.from_bucket(data, "users.json"), BatchOutput.to_bucket(results, "out/")),
            (BatchInput.from_bucket(data, "items.json"), BatchOutput.to_bucket(results, "out/")),
        )
    assert "out/manifest.json" in str(raised.value)


def test_jobs_apart_from_each_other_pass(stack, tmp_path):
    shared = s3.Bucket(stack, "Shared")
    users = jsonl(tmp_path / "users.json")
    # Folders side by side, an output folder around (not inside) another job's input, the same
    # folder read by two jobs, and the default new buckets of two jobs.
    two_jobs(
        stack,
        (BatchInput.from_asset(str(users), bucket=shared, key_prefix="in/a/"), BatchOutput.to_bucket(shared, "out/a/")),
        (BatchInput.from_asset(str(users), bucket=shared, key_prefix="in/b/"), BatchOutput.to_bucket(shared, "out/")),
    )
    for name in ("Third", "Fourth"):
        BatchInferenceJob(
            stack, name, solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_bucket(shared, "in/a/")
        )
    for name in ("Fifth", "Sixth"):
        BatchInferenceJob(
            stack, name, solution_version_arn=SOLUTION_VERSION_ARN, input=BatchInput.from_asset(str(users))
        )


def test_jobs_of_other_stacks_of_the_same_name_are_not_compared(tmp_path):
    for _ in range(2):
        stack = Stack(App(), "Same")
        results = s3.Bucket.from_bucket_name(stack, "Results", "team-results")
        BatchInferenceJob(
            stack,
            "Job",
            solution_version_arn=SOLUTION_VERSION_ARN,
            input=BatchInput.from_asset(str(jsonl(tmp_path / "users.json"))),
            output=BatchOutput.to_bucket(results, "out/"),
        )


# --- a given role Personalize must be able to assume ---------------------------------------------


_TRUST_WARNING = "personalize-batch-constructs:roleNotTrustingPersonalize"


def _job_with_role(role_principal, *, trust_added_later=None, outdir=None) -> App:
    app = App(outdir=outdir) if outdir else App()
    stack = Stack(app, "Trust", env=HERE)
    role = iam.Role(stack, "Given", assumed_by=role_principal)
    BatchInferenceJob(
        stack,
        "Job",
        solution_version_arn=SOLUTION_VERSION_ARN,
        input=BatchInput.from_bucket(s3.Bucket(stack, "Data"), "users.json"),
        role=role,
    )
    if trust_added_later is not None:
        role.assume_role_policy.add_statements(
            iam.PolicyStatement(actions=["sts:AssumeRole"], principals=[trust_added_later])
        )
    return app


def _trust_warnings(app: App) -> list[str]:
    """The role trust warnings on the job, as the cloud assembly has them (synthesizes the app)."""
    stack = app.node.find_child("Trust")
    return [
        str(message.entry.data)
        for message in Annotations.from_stack(stack).find_warning("/Trust/Job", Match.any_value())
        if str(message.entry.data).endswith(f"[ack: {_TRUST_WARNING}]")
    ]


NOT_TRUSTING = {
    "lambda": iam.ServicePrincipal("lambda.amazonaws.com"),
    # An account principal's ARN holds ${AWS::Partition}: a token, yet no service.
    "account-root": iam.AccountRootPrincipal(),
    "account": iam.AccountPrincipal("111122223333"),
    "lambda-and-account": iam.CompositePrincipal(
        iam.ServicePrincipal("lambda.amazonaws.com"), iam.AccountPrincipal("111122223333")
    ),
}


@pytest.mark.parametrize("principal", NOT_TRUSTING.values(), ids=NOT_TRUSTING.keys())
def test_a_given_role_that_personalize_cannot_assume_warns_naming_it(principal):
    (warning,) = _trust_warnings(_job_with_role(principal))
    assert re.search(names("role", "Trust/Given", "personalize.amazonaws.com", "assumed_by"), warning)
    assert f"acknowledge_warning({_TRUST_WARNING!r})" in warning


def test_the_role_trust_warning_reaches_the_stack_metadata_file(tmp_path):
    # It is added while the app validates: before the stack's metadata is written.
    _job_with_role(iam.ServicePrincipal("lambda.amazonaws.com"), outdir=str(tmp_path)).synth()
    metadata = json.loads((tmp_path / "Trust.metadata.json").read_text())
    warnings = [entry["data"] for entry in metadata["/Trust/Job"] if entry["type"] == "aws:cdk:warning"]
    assert [w for w in warnings if w.endswith(f"[ack: {_TRUST_WARNING}]")] != []


def test_a_trust_policy_set_by_an_l1_override_synthesizes_and_the_warning_can_be_acknowledged():
    app = _job_with_role(iam.ServicePrincipal("lambda.amazonaws.com"))
    stack = app.node.find_child("Trust")
    role = stack.node.find_child("Given")
    role.node.default_child.add_property_override(
        "AssumeRolePolicyDocument",
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "personalize.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
    )
    CdkAnnotations.of(stack.node.find_child("Job")).acknowledge_warning(_TRUST_WARNING)
    assert _trust_warnings(app) == []
    (statement,) = Template.from_stack(stack).to_json()["Resources"][stack.get_logical_id(role.node.default_child)][
        "Properties"
    ]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "personalize.amazonaws.com"}


@pytest.mark.parametrize(
    ("principal", "later"),
    [
        (
            iam.CompositePrincipal(
                iam.ServicePrincipal("lambda.amazonaws.com"), iam.ServicePrincipal("personalize.amazonaws.com")
            ),
            None,
        ),
        (iam.ServicePrincipal("lambda.amazonaws.com"), iam.ServicePrincipal("personalize.amazonaws.com")),
        (
            iam.CompositePrincipal(iam.AccountRootPrincipal(), iam.ServicePrincipal("personalize.amazonaws.com")),
            None,
        ),
        (iam.AnyPrincipal(), None),
        (iam.StarPrincipal(), None),
        # A token in the Service part: it cannot be told, so no warning.
        (iam.ServicePrincipal(Fn.join(".", ["personalize", Aws.URL_SUFFIX])), None),
    ],
    ids=["composite", "trust-added-after-the-job", "account-and-personalize", "any", "star", "token-service"],
)
def test_a_given_role_that_trusts_personalize_or_cannot_be_told_passes_silently(principal, later):
    assert _trust_warnings(_job_with_role(principal, trust_added_later=later)) == []


# --- ARNs of the stack's environment ----------------------------------------------------------------


def arn_in(region: str = "us-east-1", account: str = ACCOUNT, resource: str = "solution/movies/1a2b3c") -> str:
    return f"arn:aws:personalize:{region}:{account}:{resource}"


@pytest.mark.parametrize(
    ("prop", "value", "what", "in_arn", "in_stack"),
    [
        ("solution_version_arn", arn_in(region="us-west-2"), "Region", "us-west-2", "us-east-1"),
        ("solution_version_arn", arn_in(account="444455556666"), "account", "444455556666", ACCOUNT),
        ("filter_arn", arn_in(region="eu-west-1", resource="filter/no-watched"), "Region", "eu-west-1", "us-east-1"),
    ],
)
@pytest.mark.parametrize("job_class", [BatchInferenceJob, BatchSegmentJob])
def test_an_arn_of_another_environment_is_refused_naming_both(stack, job_class, prop, value, what, in_arn, in_stack):
    bucket_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")
    with pytest.raises(ValueError, match=names(prop, what, stack.node.path + "/Job")) as raised:
        job_class(stack, "Job", input=bucket_input, **{"solution_version_arn": SOLUTION_VERSION_ARN, prop: value})
    assert f"{what} {in_arn!r}" in str(raised.value) and f"{what} {in_stack!r}" in str(raised.value)


@pytest.mark.parametrize(
    ("env", "arn"),
    [
        (HERE, SOLUTION_VERSION_ARN),
        (None, arn_in(region="ap-south-1", account="444455556666")),
        (Environment(region="us-east-1"), arn_in(account="444455556666")),
        (HERE, None),
    ],
    ids=["same", "agnostic", "region-only", "token"],
)
def test_an_arn_of_the_stack_environment_or_unknown_there_passes(app, env, arn):
    stack = Stack(app, f"Env{next(_ids)}", env=env)
    arn = arn or CfnParameter(stack, "SolutionVersionArn").value_as_string
    bucket_input = BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "input-bucket"), "users.json")
    job(stack, bucket_input, solution_version_arn=arn, filter_arn=FILTER_ARN)


# --- warnings for what the construct cannot add ---------------------------------------------------

KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:ListGrants"]


def for_personalize(action: str, resource: str, account: str = ACCOUNT) -> dict:
    return {
        "Action": action,
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        "Effect": "Allow",
        "Principal": {"Service": "personalize.amazonaws.com"},
        "Resource": resource,
    }


@pytest.fixture(scope="module")
def warned(tmp_path_factory) -> dict[str, Stack]:
    """One app, synthesized once: a stack per situation."""
    root = tmp_path_factory.mktemp("warned")
    app = App(outdir=str(root / "cdk.out"))
    stacks: dict[str, Stack] = {}

    def new_stack(name: str, env: Environment | None = HERE) -> Stack:
        stacks[name] = Stack(app, name, env=env)
        return stacks[name]

    stack = new_stack("ImportedBuckets")
    job(
        stack,
        BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "their-input"), "batch/"),
        BatchOutput.to_bucket(s3.Bucket.from_bucket_name(stack, "Out", "their-output"), "results/"),
    )
    stack = new_stack("OneImportedBucket", env=None)
    shared = s3.Bucket.from_bucket_name(stack, "Shared", "their-bucket")
    job(stack, BatchInput.from_bucket(shared, "users.json"), BatchOutput.to_bucket(shared, "results/"))
    stack = new_stack("ImmutableRole")
    job(
        stack,
        BatchInput.from_bucket(s3.Bucket.from_bucket_name(stack, "In", "their-input"), "users.json"),
        BatchOutput.to_bucket(s3.Bucket(stack, "Results"), "out/"),
        role=iam.Role.from_role_arn(stack, "Role", f"arn:aws:iam::{ACCOUNT}:role/personalize", mutable=False),
        encryption_key=kms.Key.from_key_arn(
            stack, "Key", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ),
    )
    stack = new_stack("WithoutPolicyUpdates")
    fixed = iam.Role(stack, "Fixed", assumed_by=iam.ServicePrincipal("personalize.amazonaws.com"))
    job(stack, BatchInput.from_asset(str(jsonl(root / "users.json"))), role=fixed.without_policy_updates())
    stack = new_stack("Granted")
    job(
        stack,
        BatchInput.from_bucket(s3.Bucket(stack, "Mine"), "users.json"),
        role=iam.Role.from_role_arn(stack, "Role", f"arn:aws:iam::{ACCOUNT}:role/personalize"),
    )
    stack = new_stack("Oversized")
    with pytest.MonkeyPatch.context() as patch:
        over = jsonl(root / "over" / "big.json")
        limit = over.stat().st_size - 1
        jsonl(root / "over" / "at-limit.json", "{}" + " " * (limit - 3) + "\n")
        patch.setattr(local_input_check, "MAX_INPUT_FILE_BYTES", limit)
        job(stack, BatchInput.from_asset(str(root / "over")))
    app.synth()
    return stacks


def warnings_of(stack: Stack, warning_id: str) -> list[str]:
    return [
        message.entry.data
        for message in Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*"))
        if message.entry.data.endswith(f"[ack: {warning_id}]")
    ]


def statements_in(warning: str) -> list[dict]:
    """The JSON the warning lists, as a user would copy it."""
    statements, _ = json.JSONDecoder().raw_decode(warning, warning.index("\n[") + 1)
    return statements


BUCKET_WARNING = "personalize-batch-constructs:bucketPolicyNotAdded"
ROLE_WARNING = "personalize-batch-constructs:rolePolicyNotAdded"


def test_each_imported_bucket_gets_the_bucket_policy_statements_it_needs(warned):
    in_warning, out_warning = sorted(warnings_of(warned["ImportedBuckets"], BUCKET_WARNING))
    assert "'their-input'" in in_warning and statements_in(in_warning) == [
        for_personalize("s3:GetObject", "arn:aws:s3:::their-input/batch/*"),
        for_personalize("s3:ListBucket", "arn:aws:s3:::their-input"),
    ]
    assert "'their-output'" in out_warning and statements_in(out_warning) == [
        for_personalize("s3:PutObject", "arn:aws:s3:::their-output/results/*"),
        for_personalize("s3:ListBucket", "arn:aws:s3:::their-output"),
    ]
    assert warnings_of(warned["ImportedBuckets"], ROLE_WARNING) == []


def test_an_environment_agnostic_stack_gets_placeholders_for_what_only_the_deploy_knows(warned):
    (warning,) = warnings_of(warned["OneImportedBucket"], BUCKET_WARNING)
    account = "${AWS::AccountId}"
    assert statements_in(warning) == [
        for_personalize("s3:GetObject", "arn:${AWS::Partition}:s3:::their-bucket/users.json", account),
        for_personalize("s3:PutObject", "arn:${AWS::Partition}:s3:::their-bucket/results/*", account),
        for_personalize("s3:ListBucket", "arn:${AWS::Partition}:s3:::their-bucket", account),
    ]


def test_an_immutable_role_gets_the_role_statements_it_needs(warned):
    (warning,) = warnings_of(warned["ImmutableRole"], ROLE_WARNING)
    results = next(c for c in warned["ImmutableRole"].node.children if c.node.id == "Results")
    results_arn = "${" + warned["ImmutableRole"].get_logical_id(results.node.default_child) + ".Arn}"
    assert f"'arn:aws:iam::{ACCOUNT}:role/personalize'" in warning
    assert statements_in(warning) == [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::their-input/users.json"},
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": results_arn + "/out/*"},
        {"Action": "s3:ListBucket", "Effect": "Allow", "Resource": ["arn:aws:s3:::their-input", results_arn]},
        {
            "Action": KEY_ACTIONS,
            "Effect": "Allow",
            "Resource": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        },
    ]
    assert len(warnings_of(warned["ImmutableRole"], BUCKET_WARNING)) == 1  # their-input, not Results


def test_a_role_without_policy_updates_is_warned_about(warned):
    (warning,) = warnings_of(warned["WithoutPolicyUpdates"], ROLE_WARNING)
    assert [statement["Action"] for statement in statements_in(warning)] == [
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
    ]


def test_buckets_and_roles_that_take_the_statements_get_no_warning(warned):
    assert Annotations.from_stack(warned["Granted"]).find_warning("*", Match.string_like_regexp(".*")) == []


def test_a_file_over_the_documented_size_gets_a_warning_naming_it(warned):
    (warning,) = warnings_of(warned["Oversized"], "personalize-batch-constructs:inputFileOverLimit")
    assert "big.json" in warning and "at-limit.json" not in warning and "1 GB" in warning


KEY_WARNING = "personalize-batch-constructs:keyPolicyNotAdded"


def test_an_imported_key_gets_the_key_policy_statement_cloudwatch_logs_needs(warned):
    (warning,) = warnings_of(warned["ImmutableRole"], KEY_WARNING)
    assert f"'arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab'" in warning
    assert statements_in(warning) == [
        {
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Condition": {
                "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}
            },
            "Effect": "Allow",
            "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
            "Resource": "*",
        }
    ]
