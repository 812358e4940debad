import pytest
from poll_schedule import poll_due

QUERY_INTERVAL = 10
HOUR = 3600


def test_first_call_polls():
    assert poll_due(0.4, 300, QUERY_INTERVAL)


def test_only_the_call_whose_window_holds_a_multiple_polls():
    assert not poll_due(290.0, 300, QUERY_INTERVAL)
    assert poll_due(300.0, 300, QUERY_INTERVAL)
    assert poll_due(309.9, 300, QUERY_INTERVAL)
    assert not poll_due(310.0, 300, QUERY_INTERVAL)


def test_poll_interval_below_the_query_interval_polls_every_call():
    assert all(poll_due(elapsed, 3, QUERY_INTERVAL) for elapsed in range(0, 200, QUERY_INTERVAL))


def test_clock_skew_before_the_start_still_polls_once():
    assert poll_due(-2.0, 30, QUERY_INTERVAL)


@pytest.mark.parametrize("poll_interval", [5, 30, 45, 60, 300, 3600])
@pytest.mark.parametrize("call_spacing", [10.0, 10.35, 11.7])
def test_polls_in_an_hour_stay_within_the_bound_and_keep_up(poll_interval, call_spacing):
    call_times = [n * call_spacing for n in range(int(HOUR / call_spacing) + 1)]

    polls = [t for t in call_times if poll_due(t, poll_interval, QUERY_INTERVAL)]

    assert len(polls) <= HOUR / poll_interval + 1
    # Never more than two poll intervals (or two calls) without a look at the job.
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:], strict=False)]
    assert max(gaps, default=0) < 2 * max(poll_interval, call_spacing) + call_spacing
    assert polls[0] == 0
