"""Scale: many jobs in one stack sharing one input bucket, one output bucket and one role. What
each extra job adds (resources, Lambda functions, synth time) and how many jobs fit one stack
before a CloudFormation, S3 or IAM limit is hit: jobs with the default one-hour timeout,
jobs that wait up to 12 hours, each of them its own resource and 12 wait extensions, and jobs with a
schedule (a schedule each, one state machine per stack)."""

import math
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .runs import interleaved, median, paired_ratio, progress
from .stack_limits import LIMITS, RESOURCES, TEMPLATE, StackUsage, stack_usage
from .synth import SynthError, python_app, synth
from .table import Row, judged, ratio, seconds

SIZES = (1, 10, 50, 100)
RESOURCES_PER_JOB_TARGET = 2
TIME_RATIO_TARGET = 2.0
LONG_TIMEOUT_HOURS = 12
LONG_SIZES = (1, 10)
RESOURCES_PER_LONG_JOB_TARGET = 13  # the job's resource and 12 wait extensions of 58 minutes
SCHEDULED_SIZES = (1, 10)
RESOURCES_PER_SCHEDULED_JOB_TARGET = RESOURCES_PER_JOB_TARGET + 1  # and its schedule


@dataclass(frozen=True)
class Probe:
    """One synthesized size: what it uses, or why it could not be synthesized."""

    usage: StackUsage | None
    synth_error: str = ""

    @property
    def fits(self) -> bool:
        return self.usage is not None and not self.usage.exceeded()

    def why_not(self) -> str:
        if self.usage is None:
            # CDK checks the resource count itself, and lists every resource type in its message.
            too_many = re.search(
                r"TooManyResourcesInStack: .*?: (\d+) is greater than allowed maximum of (\d+)", self.synth_error
            )
            if too_many:
                return f"synth fails, CDK's TooManyResourcesInStack: {too_many[1]} resources > {too_many[2]}"
            return f"synth fails: {self.synth_error}"
        return "; ".join(f"{limit.name} {self.usage.describe(limit)}" for limit in self.usage.exceeded())


def measure(runs: int) -> list[Row]:
    probes: dict[int, Probe] = {}

    def timed(jobs: int):
        def run() -> float:
            elapsed, usage = _synth_usage(jobs)
            probes[jobs] = Probe(usage)
            return elapsed

        return run

    samples = interleaved({str(jobs): timed(jobs) for jobs in SIZES}, runs, what="scale")
    first, last = SIZES[0], SIZES[-1]
    resources = [probes[jobs].usage.resources for jobs in SIZES]
    functions = [probes[jobs].usage.lambda_functions for jobs in SIZES]
    per_job = (resources[-1] - resources[0]) / (last - first)
    time_ratio = paired_ratio(samples, str(last), str(first))
    largest = _largest_fitting(probes, lambda jobs: _synth_usage(jobs)[1])
    sizes = " / ".join(map(str, SIZES))
    return [
        Row(f"Scale: synth time at {sizes} jobs", " / ".join(seconds(median(samples[str(jobs)])) for jobs in SIZES)),
        Row(f"Scale: resources at {sizes} jobs", " / ".join(map(str, resources))),
        judged(
            f"Scale: resources per extra job (R{last}-R{first})/{last - first}",
            f"{per_job:.2f}",
            f"<= {RESOURCES_PER_JOB_TARGET}",
            per_job <= RESOURCES_PER_JOB_TARGET,
        ),
        judged(
            f"Scale: Lambda functions at {sizes} jobs",
            " / ".join(map(str, functions)),
            "constant",
            len(set(functions)) == 1,
        ),
        judged(
            f"Scale: synth time, {last} jobs / {first} job",
            ratio(time_ratio),
            f"<= {TIME_RATIO_TARGET}x",
            time_ratio <= TIME_RATIO_TARGET,
        ),
        *(
            judged(
                f"Scale, {last} jobs: {limit.name}",
                probes[last].usage.describe(limit),
                f"<= {limit.maximum:,} (AWS limit)",
                limit not in probes[last].usage.exceeded(),
            )
            for limit in LIMITS
        ),
        Row("Scale: most jobs in one stack", f"{largest} (at {largest + 1}: {probes[largest + 1].why_not()})"),
        *_long_timeout_rows(),
        *_scheduled_rows(probes),
    ]


def _probes(sizes: Sequence[int], usage: Callable[[int], StackUsage], what: str) -> tuple[dict[int, Probe], float]:
    """A probe of a stack of each of ``sizes`` jobs, and the resources each job adds from the first to the last."""
    probes = {}
    for jobs in sizes:
        progress(f"scale: {jobs} {what}")
        probes[jobs] = Probe(usage(jobs))
    first, last = sizes[0], sizes[-1]
    return probes, (probes[last].usage.resources - probes[first].usage.resources) / (last - first)


def _scheduled_rows(unscheduled: dict[int, Probe]) -> list[Row]:
    """Jobs with a schedule: what the first adds to a stack, what each further one adds (not timed)."""

    def usage(jobs: int) -> StackUsage:
        return _synth_usage(jobs, scheduled=True)[1]

    probes, per_job = _probes(SCHEDULED_SIZES, usage, "scheduled jobs")
    first, last = SCHEDULED_SIZES[0], SCHEDULED_SIZES[-1]
    template_per_job = (probes[last].usage.usage[TEMPLATE.name] - probes[first].usage.usage[TEMPLATE.name]) / (
        last - first
    )
    functions = [probes[jobs].usage.lambda_functions for jobs in SCHEDULED_SIZES]
    largest = _largest_fitting(probes, usage, what="scheduled jobs")
    label = "Scale, scheduled"
    return [
        Row(
            f"{label}: resources the stack's first scheduled job adds beyond an unscheduled one",
            str(probes[first].usage.resources - unscheduled[first].usage.resources),
        ),
        judged(
            f"{label}: resources per extra scheduled job (R{last}-R{first})/{last - first}",
            f"{per_job:.2f}",
            f"<= {RESOURCES_PER_SCHEDULED_JOB_TARGET} (job + its schedule)",
            per_job <= RESOURCES_PER_SCHEDULED_JOB_TARGET,
        ),
        judged(
            f"{label}: Lambda functions at {' / '.join(map(str, SCHEDULED_SIZES))} jobs",
            " / ".join(map(str, functions)),
            f"= {unscheduled[first].usage.lambda_functions} (as without a schedule)",
            set(functions) == {unscheduled[first].usage.lambda_functions},
        ),
        Row(f"{label}: template bytes per extra scheduled job", f"{template_per_job:,.0f}"),
        Row(f"{label}: most jobs in one stack", f"{largest} (at {largest + 1}: {probes[largest + 1].why_not()})"),
    ]


def _long_timeout_rows() -> list[Row]:
    """Jobs with a 12-hour timeout: what each adds, and how many fit one stack (not timed)."""
    hours = LONG_TIMEOUT_HOURS

    def usage(jobs: int) -> StackUsage:
        return _synth_usage(jobs, hours)[1]

    probes, per_job = _probes(LONG_SIZES, usage, f"jobs with a {hours}-hour timeout")
    first, last = LONG_SIZES[0], LONG_SIZES[-1]
    largest = _largest_fitting(probes, usage, what=f"{hours}-hour jobs")
    label = f"Scale, {hours}-h timeout"
    return [
        judged(
            f"{label}: resources per extra job (R{last}-R{first})/{last - first}",
            f"{per_job:.2f}",
            f"<= {RESOURCES_PER_LONG_JOB_TARGET} (job + 12 extensions)",
            per_job <= RESOURCES_PER_LONG_JOB_TARGET,
        ),
        Row(f"{label}: most jobs in one stack", f"{largest} (at {largest + 1}: {probes[largest + 1].why_not()})"),
        Row(
            f"{label}, {largest} jobs: {RESOURCES.name} / {TEMPLATE.name}",
            f"{probes[largest].usage.describe(RESOURCES)} / {probes[largest].usage.describe(TEMPLATE)}",
        ),
    ]


def _synth_usage(jobs: int, timeout_hours: int | None = None, *, scheduled: bool = False) -> tuple[float, StackUsage]:
    """Synthesize the scale app with this many jobs (and this timeout, if given; each with a
    schedule if `scheduled`): the seconds it took and what its stack uses."""
    options = ([] if timeout_hours is None else [str(timeout_hours)]) + (["--scheduled"] if scheduled else [])
    with tempfile.TemporaryDirectory(prefix=f"bench-scale-{jobs}-") as outdir:
        elapsed = synth([*python_app("bench.scale_app"), str(jobs), *options], Path(outdir))
        return elapsed, stack_usage(Path(outdir))


def _largest_fitting(probes: dict[int, Probe], usage: Callable[[int], StackUsage], *, what: str = "jobs") -> int:
    """The most jobs whose stack fits every limit, assuming use grows with the job count.

    Starts from the straight-line guess the measured sizes give, checks it and the next size,
    then bisects between the largest size known to fit and the smallest known not to, so it
    usually synthesizes two or three more stacks rather than every candidate. The size one
    above the result has always been synthesized, to say which limit it breaks.
    """

    def fits(jobs: int) -> bool:
        if jobs not in probes:
            progress(f"scale: largest stack, trying {jobs} {what}")
            try:
                probes[jobs] = Probe(usage(jobs))
            except SynthError as error:
                probes[jobs] = Probe(None, str(error).splitlines()[-1])
        return probes[jobs].fits

    fitting = [jobs for jobs, probe in probes.items() if probe.fits]
    failing = [jobs for jobs, probe in probes.items() if not probe.fits]
    low = max(fitting, default=0)
    high = min(failing, default=None)
    guess = _straight_line_guess(probes)
    for jobs in (guess, guess + 1):
        if low < jobs and (high is None or jobs < high):
            if fits(jobs):
                low = jobs
            else:
                high = jobs
    while high is None:  # nothing tried fails yet: double until something does
        if fits(low * 2):
            low *= 2
        else:
            high = low * 2
    while high - low > 1:
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _straight_line_guess(probes: dict[int, Probe]) -> int:
    """Where the first limit would be reached if each use grew linearly between the smallest
    and the largest measured size."""
    measured = sorted(jobs for jobs, probe in probes.items() if probe.usage is not None)
    small, large = measured[0], measured[-1]
    guesses = []
    for limit in LIMITS:
        at_small = probes[small].usage.usage[limit.name]
        slope = (probes[large].usage.usage[limit.name] - at_small) / (large - small)
        if slope > 0:
            guesses.append(small + math.floor((limit.maximum - at_small) / slope))
    return max(min(guesses, default=large), 1)
