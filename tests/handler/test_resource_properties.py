import pytest
from contract import BATCH_INFERENCE
from prop_recheck import recheck_job_props
from resource_properties import PropertyError, boolean, choice, drop_absent, float_map, integer, required

from .sample_events import STACK_ID


def test_integer_converts_the_string_cloudformation_sends():
    assert integer({"NumResults": "25"}, "NumResults") == 25
    assert integer({"NumResults": " 7 "}, "NumResults") == 7


@pytest.mark.parametrize("raw", ["2e2", "200.0", "+200"])
def test_integer_reads_a_whole_number_written_as_a_decimal_as_the_recheck_does(raw):
    # The recheck lets a token num_results of "2e2" through (the construct takes 200.0 at synth):
    # the request must carry 200, not fail later with another message.
    recheck_job_props({"NumResults": raw}, BATCH_INFERENCE, STACK_ID)
    assert integer({"NumResults": raw}, "NumResults") == 200


@pytest.mark.parametrize("raw", ["25x", "2.5", "", "twenty", "2.5e0", "nan", "inf", "1e400"])
def test_integer_that_is_no_whole_number_is_refused_by_name(raw):
    with pytest.raises(PropertyError, match="NumResults"):
        integer({"NumResults": raw}, "NumResults")


def test_integer_outside_its_bounds_is_refused_with_the_bounds():
    with pytest.raises(PropertyError, match=r"TimeoutSeconds must be at least 1 and at most 3600, got 3601"):
        integer({"TimeoutSeconds": "3601"}, "TimeoutSeconds", maximum=3600)
    with pytest.raises(PropertyError, match=r"PollIntervalSeconds must be at least 1, got 0"):
        integer({"PollIntervalSeconds": "0"}, "PollIntervalSeconds")


def test_required_names_the_missing_property():
    with pytest.raises(PropertyError, match="RoleArn is required"):
        required({}, "RoleArn")


def test_float_map_converts_every_value():
    assert float_map({"RankingInfluence": {"POPULARITY": "0.3", "FRESHNESS": "1"}}, "RankingInfluence") == {
        "POPULARITY": 0.3,
        "FRESHNESS": 1.0,
    }
    assert float_map({}, "RankingInfluence") is None


@pytest.mark.parametrize("raw", ["high", "nan", "inf", None])
def test_float_map_refuses_a_value_that_is_no_finite_number_naming_its_key(raw):
    with pytest.raises(PropertyError, match=r"RankingInfluence\.POPULARITY"):
        float_map({"RankingInfluence": {"POPULARITY": raw}}, "RankingInfluence")


def test_float_map_refuses_what_is_no_map():
    with pytest.raises(PropertyError, match="RankingInfluence must be a map"):
        float_map({"RankingInfluence": "0.3"}, "RankingInfluence")


def test_drop_absent_keeps_values_and_zeroes_but_not_none_or_empty_containers():
    assert drop_absent({"a": "x", "b": None, "c": [], "d": {}, "e": "", "f": 0, "g": [1]}) == {
        "a": "x",
        "f": 0,
        "g": [1],
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("false", False), (" TRUE ", True), ("False", False), (True, True), (False, False)],
)
def test_boolean_reads_what_cloudformation_sends_for_true_and_false(raw, expected):
    assert boolean({"Wait": raw}, "Wait", default=not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_boolean_absent_or_empty_is_the_default(default):
    assert boolean({}, "Wait", default=default) is default
    assert boolean({"Wait": ""}, "Wait", default=default) is default


@pytest.mark.parametrize("raw", ["yes", "0", "1", "t", "truth"])
def test_boolean_refuses_anything_else_naming_the_property_and_value(raw):
    with pytest.raises(PropertyError, match=rf"Property Wait must be true or false, got '{raw}'"):
        boolean({"Wait": raw}, "Wait", default=True)


def test_choice_returns_an_allowed_value_or_the_default_when_absent():
    allowed = ("Fail", "Continue")
    assert choice({"OnTimeout": "Continue"}, "OnTimeout", allowed, default="Fail") == "Continue"
    assert choice({"OnTimeout": "Fail"}, "OnTimeout", allowed, default="Continue") == "Fail"
    assert choice({}, "OnTimeout", allowed, default="Fail") == "Fail"
    assert choice({"OnTimeout": ""}, "OnTimeout", allowed, default="Continue") == "Continue"


@pytest.mark.parametrize("raw", ["continue", "Later", " Fail"])
def test_choice_refuses_other_values_exactly_naming_the_allowed_ones(raw):
    with pytest.raises(PropertyError, match=rf"Property OnTimeout must be one of Fail, Continue, got '{raw}'"):
        choice({"OnTimeout": raw}, "OnTimeout", ("Fail", "Continue"), default="Fail")
