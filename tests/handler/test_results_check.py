"""The results check on S3 as moto serves it in process: counting, verdicts, reading on across calls."""

import json

import pytest
from results_check import PROGRESS_OBJECT_NAME, ResultsCheck

from .sample_events import output_line

BUCKET = "results-bucket"
INPUT_PATH = f"s3://{BUCKET}/input/users.json"
RUN_FOLDER = f"s3://{BUCKET}/results/Nightly-0123456789ab/"
RUN_PREFIX = "results/Nightly-0123456789ab/"


@pytest.fixture
def s3(moto_s3):
    return moto_s3


def _put(s3, key: str, lines) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body="".join(line + "\n" for line in lines).encode())


def _input(s3, records: int) -> None:
    _put(s3, "input/users.json", [json.dumps({"userId": str(number)}) for number in range(records)])


def _check(s3, *, max_error_rate: float = 0.0, bytes_per_call: int = 1 << 40, input_path: str = INPUT_PATH):
    return ResultsCheck(
        s3,
        input_path=input_path,
        run_folder=RUN_FOLDER,
        max_error_rate=max_error_rate,
        bytes_per_call=bytes_per_call,
        seconds_per_call=100.0,
    )


def test_a_run_whose_every_record_succeeded_passes_with_its_counts(s3):
    _input(s3, 3)
    _put(s3, RUN_PREFIX + "users.json.out", [output_line()] * 3)

    verdict = _check(s3).advance()

    assert (verdict.input_records, verdict.output_records, verdict.error_records) == (3, 3, 0)
    assert verdict.failure is None


def test_failed_records_under_max_error_rate_pass_and_over_it_fail_with_the_first_error(s3):
    _input(s3, 4)
    _put(s3, RUN_PREFIX + "users.json.out", [output_line(), output_line("User error: no userId"), *[output_line()] * 2])

    assert _check(s3, max_error_rate=0.25).advance().failure is None
    s3.delete_object(Bucket=BUCKET, Key=RUN_PREFIX + PROGRESS_OBJECT_NAME)
    verdict = _check(s3, max_error_rate=0.2).advance()

    assert verdict.error_records == 1
    assert "25.00% of the records failed, above max_error_rate 0.2" in verdict.failure
    assert "4 output records, 1 failed, for 4 input records" in verdict.failure
    assert 'the first failed record says: "User error: no userId"' in verdict.failure


def test_every_record_failed_fails_whatever_max_error_rate_says(s3):
    _input(s3, 2)
    _put(s3, RUN_PREFIX + "users.json.out", [output_line("User error: a"), output_line("User error: b")])

    verdict = _check(s3, max_error_rate=1.0).advance()

    assert verdict.failure.startswith("every record failed (2 output records, 2 failed, for 2 input records)")
    assert 'says: "User error: a"' in verdict.failure


def test_no_output_fails_naming_the_folder(s3):
    _input(s3, 2)

    verdict = _check(s3, max_error_rate=1.0).advance()

    assert verdict.failure == f"the run wrote no output record under {RUN_FOLDER} (2 input records)"


def test_fewer_output_than_input_records_fails(s3):
    _input(s3, 3)
    _put(s3, RUN_PREFIX + "users.json.out", [output_line()] * 2)

    verdict = _check(s3, max_error_rate=1.0).advance()

    assert (
        verdict.failure
        == "the run wrote fewer records than its input has (2 output records, 0 failed, for 3 input records)"
    )


def test_a_folder_input_counts_every_file_and_blank_lines_not(s3):
    _put(s3, "input/a.json", ['{"userId": "1"}', "", '{"userId": "2"}', "  "])
    _put(s3, "input/b.json", ['{"userId": "3"}'])
    _put(s3, RUN_PREFIX + "a.json.out", [output_line()] * 2)
    _put(s3, RUN_PREFIX + "b.json.out", [output_line()])
    _put(s3, RUN_PREFIX + "_CHECK", ["marker"])  # not an .out object: not counted

    verdict = _check(s3, input_path=f"s3://{BUCKET}/input/").advance()

    assert (verdict.input_records, verdict.output_records, verdict.failure) == (3, 3, None)


def test_lines_written_with_spaces_or_crlf_and_errors_in_any_member_order_are_told_apart(s3):
    _input(s3, 3)
    lines = [
        '{"input": {"userId": "1"}, "output": {"recommendedItems": ["1"]}, "error": null}\r',
        '{"error": "User error: bad", "input": {"userId": "2"}, "output": {"recommendedItems": []}}',
        '{"input": {"error": null}, "output": {"recommendedUsers": ["7"]}, "error": null}',
    ]
    _put(s3, RUN_PREFIX + "users.json.out", lines)

    verdict = _check(s3, max_error_rate=0.5).advance()

    assert (verdict.output_records, verdict.error_records, verdict.first_error) == (3, 1, "User error: bad")


def test_a_large_output_is_read_on_across_calls_reading_each_byte_once(s3):
    records = 5000
    _input(s3, records)
    lines = [output_line("User error: x") if number % 100 == 0 else output_line() for number in range(records)]
    _put(s3, RUN_PREFIX + "users.json.out", lines)
    total_bytes = sum(item["Size"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"] if ".json" in item["Key"])

    calls = 0
    verdict = None
    while verdict is None:
        calls += 1
        verdict = _check(s3, max_error_rate=0.05, bytes_per_call=50_000).advance()
        assert calls < 100

    assert calls > 3
    assert (verdict.input_records, verdict.output_records, verdict.error_records) == (records, records, 50)
    assert verdict.bytes_read == total_bytes
    assert verdict.calls == calls and verdict.failure is None


def test_a_finished_check_answers_from_its_record_without_reading_again(s3):
    _input(s3, 1)
    _put(s3, RUN_PREFIX + "users.json.out", [output_line()])
    first = _check(s3).advance()
    s3.delete_object(Bucket=BUCKET, Key=RUN_PREFIX + "users.json.out")

    assert _check(s3).advance() == first
    assert _check(s3).recorded() == first
