"""What the numbers were measured on: they mean little without it."""

import datetime
import importlib.metadata
import os
import platform
import subprocess

from .synth import REPOSITORY


def describe() -> list[str]:
    return [
        f"CPU: {os.cpu_count()} x {_cpu_model()}",
        f"RAM: {_ram_gib():.1f} GiB",
        f"Python {platform.python_version()}, Node.js {_command_output(['node', '--version']).lstrip('v')}, "
        + ", ".join(f"{name} {importlib.metadata.version(name)}" for name in ("aws-cdk-lib", "cdk-nag", "boto3")),
        f"Commit: {_commit()}",
        f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        # Other work on a shared machine slows the timings: the 15-minute figure spans most of a run.
        "Load average at the end (1 / 5 / 15 min): " + " / ".join(f"{load:.2f}" for load in os.getloadavg()),
    ]


def _cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown model"


def _ram_gib() -> float:
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _commit() -> str:
    head = _command_output(["git", "log", "-1", "--format=%h %s"])
    # Others may be editing the library while this runs: say when the tree is not the commit.
    dirty = _command_output(["git", "status", "--porcelain", "--untracked-files=no"])
    return head + (" (plus uncommitted changes)" if dirty else "")


def _command_output(command: list[str]) -> str:
    try:
        return subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
