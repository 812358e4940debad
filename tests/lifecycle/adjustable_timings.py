"""Job timings a test changes between deploys, in place of the emulator's fixed JobTimings."""

from dataclasses import dataclass

PENDING_SECONDS = 300
"""How long the emulator's jobs stay PENDING (its JobTimings default)."""


@dataclass
class AdjustableTimings:
    """The emulator's JobTimings, changeable between deploys: a job reads `pending_seconds` when
    it is created and `in_progress_seconds` when it starts running."""

    pending_seconds: float = PENDING_SECONDS
    in_progress_seconds: float = 1200

    def next_jobs_take(self, minutes: float) -> None:
        """Jobs created from now on end `minutes` after their creation."""
        self.in_progress_seconds = minutes * 60 - self.pending_seconds
