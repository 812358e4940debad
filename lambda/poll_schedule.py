"""When a stateless is_complete call should ask Personalize for a job's status.

The Provider framework calls is_complete every query interval Q (10 s) and keeps no state
between calls, so the decision rests on the elapsed time alone: poll when a multiple of the
poll interval P fell within the last Q seconds. Calls are at least Q apart, so each multiple
falls in at most one call's window, and a job that waits T seconds costs at most T / P + 1
Describe calls (when P < Q, simply one per call). Calls run a little more than Q apart, so a
multiple can now and then land between two windows and be skipped: the status is then read
at the next multiple, a delay that costs no extra calls.
"""

import math


def poll_due(elapsed_seconds: float, poll_interval_seconds: float, query_interval_seconds: float) -> bool:
    elapsed = max(elapsed_seconds, 0.0)
    latest_tick = math.floor(elapsed / poll_interval_seconds) * poll_interval_seconds
    return latest_tick > elapsed - query_interval_seconds
